#!/usr/bin/env python3
"""Print the SQL text of a registered statement ({"name", "sql" "sql" ...}) from C source.

Usage: extract_stmt.py [--pgbench] NAME < preprocessed.c   (the output of `gcc -E -P`, so
the AUDIT_ROWS / RESIDENT_COLUMNS macros are already expanded into adjacent literals).

--pgbench: pgbench takes every ":name" as a variable, even inside a string literal (e.g. the
"HH24:MI:SS" of a to_char format), so such literals are rewritten as concatenations that
keep the colon away from the name: 'HH24:MI' -> ('HH24' || ':' || 'MI'). Same value.

Used by tests/bench/run.sh so the pgbench scripts replay exactly the statements the
server prepares, and stay in step when server/residents.c or server/app.c change.
"""
import re
import sys

LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}


def decode(s: str) -> str:
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), s)


def protect_colons(sql: str) -> str:
    """Rewrite string literals holding ':<identifier char>' for pgbench (see --pgbench)."""
    out, i = [], 0
    while i < len(sql):
        if sql[i] != "'":
            out.append(sql[i])
            i += 1
            continue
        j = i + 1  # find the literal's end; '' is an escaped quote
        while j < len(sql):
            if sql[j] == "'" and sql[j + 1:j + 2] == "'":
                j += 2
            elif sql[j] == "'":
                break
            else:
                j += 1
        body = sql[i + 1:j]
        if re.search(r":[A-Za-z0-9_]", body):
            parts = body.split(":")
            out.append("(" + " || ':' || ".join("'" + p + "'" for p in parts) + ")")
        else:
            out.append(sql[i:j + 1])
        i = j + 1
    return "".join(out)


def main() -> int:
    args = sys.argv[1:]
    pgbench = bool(args) and args[0] == "--pgbench"
    if pgbench:
        args = args[1:]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    name = args[0]
    text = sys.stdin.read()
    m = re.search(r'\{\s*"' + re.escape(name) + r'"\s*,', text)
    if not m:
        print(f"extract_stmt: no statement {name!r}", file=sys.stderr)
        return 1
    pos, parts = m.end(), []
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        lit = LITERAL.match(text, pos)
        if not lit:
            break
        parts.append(decode(lit.group(1)))
        pos = lit.end()
    if not parts or text[pos:pos + 1] != "}":
        print(f"extract_stmt: could not read the SQL of {name!r}", file=sys.stderr)
        return 1
    sql = "".join(parts)
    if pgbench:
        sql = protect_colons(sql)
    if "\n" in sql or ";" in sql:
        print(f"extract_stmt: {name!r} spans lines or has ';' (pgbench needs one line)", file=sys.stderr)
        return 1
    print(sql)
    return 0


if __name__ == "__main__":
    sys.exit(main())
