#!/usr/bin/python3
"""Reads the auto_explain plans of a PostgreSQL log (tests/plans/check.sh) and fails on a
sequential scan of the big tables or a PL/pgSQL function called below a plan's root.

Usage: read_plans.py LOG PLPGSQL_FUNCTIONS_FILE
"""
import re
import sys

BIG = r"(conversations|admissions|audit_log\w*|users)"
SEQ = re.compile(r"Seq Scan on (?:public\.)?" + BIG + r"\b")
ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def entries(text):
    cur = []
    for line in text.splitlines():
        if ENTRY.match(line) and cur:
            yield "\n".join(cur)
            cur = []
        cur.append(line)
    if cur:
        yield "\n".join(cur)


def main():
    log = open(sys.argv[1], encoding="utf-8", errors="replace").read()
    funcs = [f.strip() for f in open(sys.argv[2]) if f.strip()]
    fcall = re.compile(r"\b(?:public\.)?(" + "|".join(map(re.escape, funcs)) + r")\(") if funcs else None
    plans = 0
    bad = []
    for e in entries(log):
        if "plan:" not in e or "Query Text:" not in e:
            continue
        plans += 1
        head, _, rest = e.partition("Query Text:")
        lines = rest.splitlines()
        # the query text runs until the first plan line (the root node: no "->", has "cost=")
        i = 0
        while i < len(lines) and "(cost=" not in lines[i]:
            i += 1
        query = " ".join(l.strip() for l in lines[:i])[:300]
        plan = lines[i:]
        for line in plan:
            m = SEQ.search(line)
            if m:
                bad.append(f"sequential scan of {m.group(1)}: {line.strip()}\n      in: {query}")
        if fcall:
            below_root = False
            for line in plan:
                if "->" in line:
                    below_root = True
                m = fcall.search(line)
                if m and below_root:
                    bad.append(f"PL/pgSQL {m.group(1)}() per row: {line.strip()}\n      in: {query}")
    print(f"plans read: {plans}")
    if plans == 0:
        print("no plans in the log: is auto_explain loaded?", file=sys.stderr)
        return 1
    seen = set()
    for b in bad:
        if b not in seen:
            print("  " + b)
            seen.add(b)
    if bad:
        print(f"plan check: FAILED ({len(seen)} findings)")
        return 1
    print("plan check: OK (no sequential scan of conversations, admissions, audit_log or users; "
          "no PL/pgSQL function per row)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
