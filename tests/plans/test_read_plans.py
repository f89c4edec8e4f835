#!/usr/bin/python3
"""Checks that tests/plans/read_plans.py fails on the plans it must refuse and passes the
ones it must let through (plans in auto_explain's text layout, as PostgreSQL 15 logs them)."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
HEAD = "2026-12-02 04:57:41.551 UTC [5270] LOG:  duration: 0.014 ms  plan:\n\tQuery Text: {q}\n"

PER_ROW_FUNCTION_SCAN = HEAD.format(q="SELECT row_to_json(x)::text FROM report_agreements() x") + """\
\tNested Loop  (cost=0.28..50.00 rows=10 width=64)
\t  Output: a.id, mm.due
\t  ->  Seq Scan on public.agreements a  (cost=0.00..10.00 rows=10 width=16)
\t  ->  Function Scan on public.report_monday_mails mm  (cost=0.25..0.26 rows=1 width=8)
\t        Function Call: report_monday_mails(a.id)
"""
PER_ROW_FILTER = HEAD.format(q="SELECT * FROM admissions") + """\
\tIndex Scan using admissions_team_idx on public.admissions a  (cost=0.42..80.00 rows=20 width=64)
\t  Index Cond: (a.team_id = $1)
\t  ->  Result  (cost=0.00..0.01 rows=1 width=1)
\t        Filter: report_monday_mails(a.id)
"""
SEQ_USERS = HEAD.format(q="SELECT u.name FROM users u") + """\
\tHash Join  (cost=19.52..140.00 rows=50 width=30)
\t  ->  Seq Scan on public.users u  (cost=19.52..115.82 rows=1340 width=30)
\t  ->  Hash  (cost=1.00..1.00 rows=50 width=16)
"""
SEQ_PARTITION = HEAD.format(q="SELECT * FROM audit_log") + """\
\tAppend  (cost=0.00..100.00 rows=20 width=64)
\t  ->  Seq Scan on public.audit_log_202612 a_1  (cost=0.00..95.00 rows=20 width=64)
"""
GOOD = HEAD.format(q="SELECT a.* FROM audit_trail($1, $2, $3, $4) a LEFT JOIN organizations o") + """\
\tSort  (cost=20.00..20.10 rows=40 width=64)
\t  ->  Nested Loop Left Join  (cost=0.53..19.00 rows=40 width=64)
\t        ->  Function Scan on public.audit_trail a  (cost=0.25..10.25 rows=1000 width=64)
\t              Function Call: audit_trail($1, $2, $3, $4)
\t        ->  Index Scan using organizations_pkey on public.organizations o  (cost=0.27..8.29 rows=1 width=51)
\t              Index Cond: (o.id = a.org_id)
""" + HEAD.format(q="SELECT report_admissions($1, $2, $3, $4)") + """\
\tResult  (cost=0.00..0.26 rows=1 width=32)
\t  Output: report_admissions($1, $2, $3, $4)
""" + HEAD.format(q="SELECT x.id FROM audit_log x WHERE x.id = s.audit_id") + """\
\tAppend  (cost=0.00..16.00 rows=2 width=64)
\t  ->  Seq Scan on public.audit_log_default x_74  (cost=0.00..0.00 rows=1 width=416)
\t  ->  Index Scan using audit_log_202612_pkey on public.audit_log_202612 x_61  (cost=0.42..8.23 rows=1 width=333)
"""
INITPLAN = HEAD.format(q="SELECT u.name FROM users u WHERE u.id = $1") + """\
\tIndex Scan using users_pkey on public.users u  (cost=0.54..8.56 rows=1 width=30)
\t  Output: u.name
\t  Index Cond: (u.id = $1)
\t  Filter: (u.org_id = ANY ($0))
\t  InitPlan 1 (returns $0)
\t    ->  Result  (cost=0.00..0.26 rows=1 width=32)
\t          Output: app_people_orgs()
"""
INITPLAN_IN_SUBPLAN = HEAD.format(q="SELECT (SELECT u.name FROM users u WHERE u.id = c.recorded_by) FROM consents c") + """\
\tIndex Scan using consents_current_idx on public.consents c  (cost=0.42..50.00 rows=20 width=32)
\t  Output: (SubPlan 2)
\t  SubPlan 2
\t    ->  Index Scan using users_pkey on public.users u  (cost=0.54..8.56 rows=1 width=30)
\t          Output: u.name
\t          Index Cond: (u.id = c.recorded_by)
\t          Filter: (u.org_id = ANY ($1))
\t          InitPlan 1 (returns $1)
\t            ->  Result  (cost=0.00..0.26 rows=1 width=32)
\t                  Output: app_people_orgs()
"""
PER_ROW_SUBPLAN = HEAD.format(q="SELECT c.id, (SELECT app_people_orgs()) FROM conversations c") + """\
\tIndex Scan using conversations_resident_idx on public.conversations c  (cost=0.43..90.00 rows=50 width=16)
\t  Output: c.id, (SubPlan 1)
\t  SubPlan 1
\t    ->  Result  (cost=0.00..0.26 rows=1 width=32)
\t          Output: app_people_orgs()
"""
FUNCS = "report_agreements\nreport_monday_mails\nreport_admissions\naudit_trail\napp_people_orgs\n"


def run(log):
    with tempfile.TemporaryDirectory() as d:
        lp, fp = os.path.join(d, "log"), os.path.join(d, "funcs")
        open(lp, "w").write(log)
        open(fp, "w").write(FUNCS)
        r = subprocess.run([sys.executable, os.path.join(HERE, "read_plans.py"), lp, fp],
                           capture_output=True, text=True)
        return r.returncode, r.stdout


def main():
    failures = 0
    for name, log, want in [("per-row function scan", PER_ROW_FUNCTION_SCAN, 1),
                            ("per-row function in a filter", PER_ROW_FILTER, 1),
                            ("sequential scan of users", SEQ_USERS, 1),
                            ("sequential scan of an audit partition", SEQ_PARTITION, 1),
                            ("a function in a correlated SubPlan", PER_ROW_SUBPLAN, 1),
                            ("index plans, functions once, empty partitions", GOOD, 0),
                            ("a function in an InitPlan", INITPLAN, 0),
                            ("an uncorrelated InitPlan in a SubPlan", INITPLAN_IN_SUBPLAN, 0)]:
        rc, out = run(log)
        ok = rc == want
        failures += not ok
        print(f"{'ok' if ok else 'FAILED'}: {name} (exit {rc}, expected {want})")
        if not ok:
            print(out)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
