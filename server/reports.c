/*
 * reports: the managers' reports (agreements, admissions, attendance,
 * outcomes). Each report is a SQL function in 0049_reports.sql run with the
 * caller's identity, so row-level security decides what is counted; this file
 * only parses the filters, writes one audit row ('search', resource type
 * 'report') per request, and renders the rows as JSON or, with
 * Accept: text/csv, as CSV that Danish Excel opens (lib/csv: BOM, ';',
 * decimal comma, formula cells neutralised).
 *
 * Filters (admissions, attendance, outcomes): ?team= and/or ?facility= (default: the caller's
 * own organisation), ?from= and ?to= (dates, default the last 365 days, at most 5 years).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "csv.h"
#include "handlers.h"
#include "routes.h"

static const db_stmt report_stmts[] = {
    {"report_agreements", "SELECT row_to_json(x)::text FROM report_agreements() x"},
    {"report_admissions",
     "SELECT row_to_json(x)::text FROM report_admissions($1::uuid, $2::uuid, $3::date, "
     "$4::date) x"},
    {"report_attendance",
     "SELECT row_to_json(x)::text FROM report_attendance($1::uuid, $2::uuid, $3::date, "
     "$4::date) x"},
    {"report_outcomes",
     "SELECT row_to_json(x)::text FROM report_outcomes($1::uuid, $2::uuid, $3::date, "
     "$4::date) x"},
    {"report_period_ok", "SELECT $2::date - $1::date BETWEEN 0 AND 1830"},
};

static void reports_register(void)
{
    db_register(report_stmts, sizeof report_stmts / sizeof report_stmts[0]);
}

/* A report: its statement, whether it takes the filters, and its columns in order (the CSV
 * header, also when there are no rows). */
typedef struct report_def {
    const char *name;
    bool filtered;
    const char *const *columns;
} report_def;

static const char *const agreement_cols[] = {
    "agreement_id", "team_name", "facility_name", "status", "valid_from", "valid_to",
    "days_to_expiry", "expires_soon", "fixed_visits_planned_12w", "fixed_visits_held_12w",
    "management_meetings_due", "management_meetings_held", "management_meeting_overdue",
    "monday_mails_due_12w", "monday_mails_on_time_12w", NULL};
static const char *const admission_cols[] = {
    "period", "period_from", "period_to", "section", "label", "admissions", "forced",
    "forced_share", "readmissions", "readmission_rate", "bed_days", NULL};
static const char *const attendance_cols[] = {
    "month", "planned", "held", "no_show", "cancelled_by_resident", "cancelled_by_staff",
    "no_show_rate", "cancellation_rate", "lost_rate", NULL};
static const char *const outcome_cols[] = {
    "resident_id", "resident_name", "reviewed_at", "in_treatment_contact", "has_kip",
    "stable_housing", "work_or_activity", "social_network", "admissions_365d",
    "forced_admissions_365d", "bed_days_365d", NULL};

static const report_def report_agreements_def = {"agreements", false, agreement_cols};
static const report_def report_admissions_def = {"admissions", true, admission_cols};
static const report_def report_attendance_def = {"attendance", true, attendance_cols};
static const report_def report_outcomes_def = {"outcomes", true, outcome_cols};

typedef struct report_ctx {
    const report_def *def;
    const char *team, *facility, *from, *to;
    bool want_csv;
    char *csv_text; /* malloc'd CSV, set by the transaction */
    size_t csv_len;
} report_ctx;

/* ---- rendering ---- */

static void csv_value(csv *out, const json_t *v)
{
    if (!v || json_is_null(v)) {
        csv_text(out, NULL);
    } else if (json_is_string(v)) {
        csv_text(out, json_string_value(v));
    } else if (json_is_boolean(v)) {
        csv_text(out, json_is_true(v) ? "yes" : "no");
    } else if (json_is_number(v)) {
        char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(12));
        csv_number(out, s, ',');
        free(s);
    } else {
        char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        csv_text(out, s);
        free(s);
    }
}

/* The CSV of rows (an array of objects); false when out of memory. */
static bool render_csv(report_ctx *x, const json_t *rows)
{
    csv out;
    if (!csv_init(&out, ';'))
        return false;
    for (const char *const *c = x->def->columns; *c; c++)
        csv_text(&out, *c);
    csv_end_row(&out);
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        for (const char *const *c = x->def->columns; *c; c++)
            csv_value(&out, json_object_get(row, *c));
        csv_end_row(&out);
    }
    x->csv_text = csv_finish(&out, &x->csv_len);
    return x->csv_text != NULL;
}

/* ---- the transaction ---- */

static db_outcome report_tx(app_call *c)
{
    report_ctx *x = c->ctx;
    free(x->csv_text); /* a retried transaction starts afresh */
    x->csv_text = NULL;
    PGresult *r;
    if (x->def->filtered) {
        const char *q[] = {x->from, x->to};
        r = app_exec(c, "report_period_ok", 2, q);
        if (!r)
            return DB_ROLLBACK;
        if (strcmp(db_val(r, 0, 0), "t") != 0)
            return app_fail_field(c, "to", "must be on or after from, at most 5 years later");
        const char *p[] = {x->team, x->facility, x->from, x->to};
        char stmt[64];
        snprintf(stmt, sizeof stmt, "report_%s", x->def->name);
        r = app_exec(c, stmt, 4, p);
    } else {
        r = app_exec(c, "report_agreements", 0, NULL);
    }
    if (!r)
        return DB_ROLLBACK;
    /* aggregated resident data: one row per request, never the figures */
    app_audit(c, "search", "report", x->def->name, NULL, "allowed");
    json_t *items = json_array();
    for (int i = 0; i < db_rows(r); i++) {
        json_t *row = json_loads(db_val(r, i, 0), 0, NULL);
        if (row)
            json_array_append_new(items, row);
    }
    if (x->want_csv) {
        bool ok = render_csv(x, items);
        json_decref(items);
        if (!ok)
            return app_fail(c, 503, "busy", "The server is short of memory; try again.", NULL);
        app_reply(c, 204, NULL); /* replaced by the CSV once committed */
        return DB_COMMIT;
    }
    json_t *filters = json_object();
    if (x->def->filtered) {
        json_object_set_new(filters, "team", x->team ? json_string(x->team) : json_null());
        json_object_set_new(filters, "facility",
                            x->facility ? json_string(x->facility) : json_null());
        json_object_set_new(filters, "from", json_string(x->from));
        json_object_set_new(filters, "to", json_string(x->to));
    }
    char now[32];
    app_rfc3339((long)time(NULL), now, sizeof now);
    app_reply(c, 200,
              json_pack("{s:s, s:s, s:o, s:o, s:n}", "report", x->def->name, "generated_at",
                        now, "filters", filters, "items", items, "next"));
    return DB_COMMIT;
}

/* ---- request parsing ---- */

static bool bad_query(http_request *req, const char *field, const char *reason)
{
    json_t *errors = json_array();
    problem_field(errors, field, reason);
    char detail[160];
    snprintf(detail, sizeof detail, "%s %s.", field, reason);
    problem_send_errors(req, 400, "bad-query", NULL, detail, errors);
    return false;
}

/* Whether the client asks for CSV (Accept: text/csv, also in a list). */
static bool wants_csv(http_request *req)
{
    const char *a = http_header(req, "Accept");
    return a && strstr(a, "text/csv") != NULL;
}

static bool parse_filters(http_request *req, report_ctx *x)
{
    const app_identity *who = app_who(req);
    x->team = http_query(req, "team");
    x->facility = http_query(req, "facility");
    x->from = http_query(req, "from");
    x->to = http_query(req, "to");
    if (x->team && !json_is_uuid(x->team))
        return bad_query(req, "team", "must be a UUID");
    if (x->facility && !json_is_uuid(x->facility))
        return bad_query(req, "facility", "must be a UUID");
    if (x->from && !json_is_date(x->from))
        return bad_query(req, "from", "must be a date (YYYY-MM-DD)");
    if (x->to && !json_is_date(x->to))
        return bad_query(req, "to", "must be a date (YYYY-MM-DD)");
    /* default: the caller's own organisation (row-level security limits it anyway) */
    if (!x->team && !x->facility) {
        if (who->role_bit & ROLES_REGION)
            x->team = who->org_id;
        else
            x->facility = who->org_id;
    }
    time_t now = time(NULL);
    struct tm tm;
    if (!x->to) {
        char *b = arena_alloc(req->arena, 16);
        localtime_r(&now, &tm);
        strftime(b, 16, "%Y-%m-%d", &tm);
        x->to = b;
    }
    if (!x->from) {
        char *b = arena_alloc(req->arena, 16);
        time_t then = now - 365L * 86400L;
        localtime_r(&then, &tm);
        strftime(b, 16, "%Y-%m-%d", &tm);
        x->from = b;
    }
    return true;
}

static void report_run(http_request *req, const report_def *def)
{
    report_ctx x = {.def = def, .want_csv = wants_csv(req)};
    if (def->filtered && !parse_filters(req, &x))
        return;
    app_run(req, report_tx, &x, 0);
    if (x.csv_text && req->status == 204) {
        char *disp = arena_printf(req->arena, "attachment; filename=\"samspil-%s.csv\"",
                                  def->name);
        http_add_header(req, "Content-Disposition", disp);
        http_reply_owned(req, 200, "text/csv; charset=utf-8", x.csv_text, x.csv_len);
        x.csv_text = NULL;
    }
    free(x.csv_text);
}

static void reports_agreements(http_request *req)
{
    report_run(req, &report_agreements_def);
}

static void reports_admissions(http_request *req)
{
    report_run(req, &report_admissions_def);
}

static void reports_attendance(http_request *req)
{
    report_run(req, &report_attendance_def);
}

static void reports_outcomes(http_request *req)
{
    report_run(req, &report_outcomes_def);
}

/* clang-format off */
static const route report_route_list[] = {
    {"GET", "/api/reports/agreements", reports_agreements, ROLES_MANAGERS, ROUTE_RESIDENT_DATA},
    {"GET", "/api/reports/admissions", reports_admissions, ROLES_MANAGERS, ROUTE_RESIDENT_DATA},
    {"GET", "/api/reports/attendance", reports_attendance, ROLES_MANAGERS, ROUTE_RESIDENT_DATA},
    {"GET", "/api/reports/outcomes",   reports_outcomes,   ROLES_MANAGERS, ROUTE_RESIDENT_DATA},
};
/* clang-format on */

const route_table reports_routes = {report_route_list,
                                    sizeof report_route_list / sizeof report_route_list[0],
                                    reports_register};
