#!/usr/bin/python3
"""Reads the auto_explain plans of a PostgreSQL log (tests/plans/check.sh) and fails on a
sequential scan of the big tables or a PL/pgSQL function called below a plan's root.

Usage: read_plans.py LOG PLPGSQL_FUNCTIONS_FILE
"""
import re
import sys

BIG = r"(conversations|admissions|audit_log\w*|users)"
SEQ = re.compile(r"Seq Scan on (?:public\.)?" + BIG + r"\b")
NO_ARGS = re.compile(r"Output: (?:public\.)?\w+\(\)\s*$")
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


def nodes_of(plan):
    """The plan's nodes as (line index, indent, parent index, position among siblings), from
    EXPLAIN's text layout: a node line starts with "->" (the root with no arrow); its children
    follow, indented further, outer child first."""
    nodes = []
    stack = []  # (indent, node number)
    for n, line in enumerate(plan):
        if "(cost=" not in line:
            continue
        arrow = line.find("->")
        indent = arrow if arrow >= 0 else -1
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1] if stack else None
        sib = sum(1 for x in nodes if x[2] == parent) if parent is not None else 0
        nodes.append((n, indent, parent, sib))
        stack.append((indent, len(nodes) - 1))
    return nodes


def under_initplan(plan, nodes, k):
    """Whether node k is the plan of an InitPlan: the label line just above it says so. An
    InitPlan does not depend on the row; it is computed once per run of its parent."""
    parent = nodes[k][2]
    if parent is None:
        return False
    labels = [l.strip() for l in plan[nodes[parent][0] + 1:nodes[k][0]]
              if l.strip().startswith(("InitPlan", "SubPlan", "CTE "))]
    return bool(labels) and labels[-1].startswith("InitPlan")


def runs_once(plan, nodes, k):
    """Whether node k runs once per execution of the statement: it is not below the inner
    side of a nested loop, nor inside a (correlated) SubPlan."""
    while nodes[k][2] is not None:
        parent = nodes[k][2]
        pline = plan[nodes[parent][0]]
        if "Nested Loop" in pline and nodes[k][3] > 0:
            return False
        # a SubPlan label between parent and child marks a per-row subplan
        for line in plan[nodes[parent][0] + 1:nodes[k][0]]:
            if line.strip().startswith("SubPlan"):
                return False
        k = parent
    return True


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
            # an empty relation (a partition for months to come) costs nothing and is not read
            if m and "cost=0.00..0.00 " not in line:
                bad.append(f"sequential scan of {m.group(1)}: {line.strip()}\n      in: {query}")
        if fcall:
            nodes = nodes_of(plan)
            for n, line in enumerate(plan):
                m = fcall.search(line)
                if not m:
                    continue
                # the node the line belongs to: the last node line at or before it
                k = max((j for j, x in enumerate(nodes) if x[0] <= n), default=None)
                if k is None:
                    continue
                node_line = plan[nodes[k][0]]
                if k == 0 and "Function Scan" not in node_line and "->" not in line:
                    continue  # in the root's own output: once per statement
                if "Function Scan" in node_line and runs_once(plan, nodes, k):
                    continue  # a function in FROM, scanned once
                if "Result" in node_line and under_initplan(plan, nodes, k) and (
                        NO_ARGS.search(line) or runs_once(plan, nodes, nodes[k][2])):
                    # (SELECT f()) as an InitPlan: computed once per statement, and an
                    # InitPlan with nothing of the row in it is not computed again when the
                    # SubPlan around it runs for the next row
                    continue
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
