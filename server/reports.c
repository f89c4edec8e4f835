/*
 * reports: the managers' reports (agreements, admissions, attendance,
 * outcomes). Each report is a SQL function in 0049_reports.sql run with the
 * caller's identity, so row-level security decides what is counted; this file
 * only parses the filters, writes one audit row ('search', resource type
 * 'report') per request, and renders the rows as JSON or, with
 * Accept: text/csv, as CSV that Danish Excel opens (lib/csv: BOM, ';',
 * decimal comma, formula cells neutralised), or, with Accept: the xlsx type, as a
 * spreadsheet (libxlsxwriter: typed numbers, dates and percentages, a frozen header row).
 * Headers are Danish or English by ?lang=da|en or Accept-Language.
 *
 * Filters (admissions, attendance, outcomes): ?team= and/or ?facility= (default: the caller's
 * own organisation), ?from= and ?to= (dates, default the last 365 days, at most 5 years).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

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

/* How a column's values are typed in a spreadsheet (xlsx). */
typedef enum col_kind {
    COL_TEXT,  /* a string */
    COL_ID,    /* a UUID, as text */
    COL_INT,   /* a whole number */
    COL_NUM,   /* a decimal number (one decimal) */
    COL_PCT,   /* a share 0..1, shown as a percentage */
    COL_DATE,  /* YYYY-MM-DD, a date cell */
    COL_BOOL,  /* true/false: ja/nej (yes/no) */
} col_kind;

/* One column of a report: its name (the JSON member and the English header), its Danish
 * header, its type and its width in the spreadsheet (characters). */
typedef struct report_col {
    const char *name, *da;
    col_kind kind;
    double width;
} report_col;

/* A report: its statement, whether it takes the filters, and its columns in order (the
 * header, also when there are no rows), ended by an empty one. */
typedef struct report_def {
    const char *name;
    const char *title_da, *title_en; /* the sheet's name */
    bool filtered;
    const report_col *columns;
} report_def;

/* clang-format off */
static const report_col agreement_cols[] = {
    {"agreement_id", "Aftale-id", COL_ID, 38},
    {"team_name", "F-ACT-team", COL_TEXT, 28},
    {"facility_name", "Botilbud", COL_TEXT, 28},
    {"status", "Status", COL_TEXT, 20},
    {"valid_from", "Gyldig fra", COL_DATE, 12},
    {"valid_to", "Gyldig til", COL_DATE, 12},
    {"days_to_expiry", "Dage til udløb", COL_INT, 14},
    {"expires_soon", "Udløber snart", COL_BOOL, 14},
    {"fixed_visits_planned_12w", "Faste besøg planlagt (12 uger)", COL_INT, 16},
    {"fixed_visits_held_12w", "Faste besøg holdt (12 uger)", COL_INT, 16},
    {"management_meetings_due", "Ledelsesmøder forventet", COL_INT, 16},
    {"management_meetings_held", "Ledelsesmøder holdt", COL_INT, 16},
    {"management_meeting_overdue", "Ledelsesmøde overskredet", COL_BOOL, 16},
    {"monday_mails_due_12w", "Mandagsmails forventet (12 uger)", COL_INT, 16},
    {"monday_mails_on_time_12w", "Mandagsmails til tiden (12 uger)", COL_INT, 16},
    {NULL, NULL, COL_TEXT, 0}};
static const report_col admission_cols[] = {
    {"period", "Periode", COL_TEXT, 10},
    {"period_from", "Periode fra", COL_DATE, 12},
    {"period_to", "Periode til", COL_DATE, 12},
    {"section", "Opdeling", COL_TEXT, 10},
    {"label", "Værdi", COL_TEXT, 10},
    {"admissions", "Indlæggelser", COL_INT, 13},
    {"forced", "Tvangsindlæggelser", COL_INT, 13},
    {"forced_share", "Andel tvang", COL_PCT, 12},
    {"readmissions", "Genindlæggelser", COL_INT, 13},
    {"readmission_rate", "Andel genindlæggelser", COL_PCT, 12},
    {"bed_days", "Sengedage", COL_NUM, 11},
    {NULL, NULL, COL_TEXT, 0}};
static const report_col attendance_cols[] = {
    {"month", "Måned", COL_TEXT, 10},
    {"planned", "Planlagt", COL_INT, 10},
    {"held", "Gennemført", COL_INT, 11},
    {"no_show", "Udeblevet", COL_INT, 10},
    {"cancelled_by_resident", "Aflyst af beboer", COL_INT, 12},
    {"cancelled_by_staff", "Aflyst af personale", COL_INT, 12},
    {"no_show_rate", "Andel udeblevet", COL_PCT, 12},
    {"cancellation_rate", "Andel aflyst", COL_PCT, 12},
    {"lost_rate", "Andel mistet", COL_PCT, 12},
    {NULL, NULL, COL_TEXT, 0}};
static const report_col outcome_cols[] = {
    {"resident_id", "Beboer-id", COL_ID, 38},
    {"resident_name", "Beboer", COL_TEXT, 28},
    {"reviewed_at", "Opfølgning", COL_DATE, 12},
    {"in_treatment_contact", "I behandlingskontakt", COL_BOOL, 12},
    {"has_kip", "Har KIP", COL_BOOL, 10},
    {"stable_housing", "Stabil bolig", COL_BOOL, 10},
    {"work_or_activity", "Arbejde eller aktivitet", COL_BOOL, 12},
    {"social_network", "Socialt netværk", COL_BOOL, 10},
    {"admissions_365d", "Indlæggelser (365 dage)", COL_INT, 13},
    {"forced_admissions_365d", "Tvangsindlæggelser (365 dage)", COL_INT, 13},
    {"bed_days_365d", "Sengedage (365 dage)", COL_NUM, 12},
    {NULL, NULL, COL_TEXT, 0}};

static const report_def report_agreements_def = {"agreements", "Aftaler", "Agreements", false, agreement_cols};
static const report_def report_admissions_def = {"admissions", "Indlæggelser", "Admissions", true, admission_cols};
static const report_def report_attendance_def = {"attendance", "Fremmøde", "Attendance", true, attendance_cols};
static const report_def report_outcomes_def = {"outcomes", "Resultater", "Outcomes", true, outcome_cols};
/* clang-format on */

/* What the client asked for: JSON (the default), CSV or a spreadsheet (xlsx). */
typedef enum report_format {
    FORMAT_JSON,
    FORMAT_CSV,
    FORMAT_XLSX,
} report_format;

#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

typedef struct report_ctx {
    const report_def *def;
    const char *team, *facility, *from, *to;
    report_format format;
    bool danish;    /* headers, yes/no and the codes in words (cell_text) in Danish */
    char *csv_text; /* malloc'd CSV or xlsx, set by the transaction */
    size_t csv_len;
} report_ctx;

/* ---- rendering ---- */

/* The codes the report statements write, in the words the screens use (static/js/views/
 * common.js), for the files people open in a spreadsheet; the JSON keeps the codes. */
static const struct {
    const char *col, *code, *da, *en;
} cell_words[] = {
    {"period", "during", "I perioden", "In the period"},
    {"period", "before", "Perioden før", "The period before"},
    {"section", "total", "I alt", "Total"},
    {"section", "month", "Måned", "Month"},
    {"section", "weekday", "Ugedag", "Weekday"},
    {"label", "all", "Alle", "All"},
    {"status", "draft", "Kladde", "Draft"},
    {"status", "awaiting_signatures", "Afventer underskrift", "Awaiting signatures"},
    {"status", "active", "Gældende", "Active"},
    {"status", "expired", "Udløbet", "Expired"},
    {"status", "terminated", "Opsagt", "Terminated"},
};
static const char *const weekdays_da[] = {"mandag", "tirsdag", "onsdag",  "torsdag",
                                          "fredag", "lørdag",  "søndag"};
static const char *const weekdays_en[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                          "Friday", "Saturday", "Sunday"};

/* A text cell of column c in row as people read it: a code in words, a weekday number (the
 * label of the admissions report's weekday rows) as its name; other text as it is. */
static const char *cell_text(const report_col *c, const json_t *row, const char *s, bool danish)
{
    for (size_t i = 0; i < sizeof cell_words / sizeof cell_words[0]; i++)
        if (strcmp(c->name, cell_words[i].col) == 0 && strcmp(s, cell_words[i].code) == 0)
            return danish ? cell_words[i].da : cell_words[i].en;
    const char *section = json_string_value(json_object_get(row, "section"));
    if (strcmp(c->name, "label") == 0 && section && strcmp(section, "weekday") == 0 &&
        s[0] >= '1' && s[0] <= '7' && !s[1])
        return (danish ? weekdays_da : weekdays_en)[s[0] - '1'];
    return s;
}

static void csv_value(csv *out, const report_col *c, const json_t *row, bool danish)
{
    const json_t *v = json_object_get(row, c->name);
    if (!v || json_is_null(v)) {
        csv_text(out, NULL);
    } else if (json_is_string(v)) {
        csv_text(out, cell_text(c, row, json_string_value(v), danish));
    } else if (json_is_boolean(v)) {
        csv_text(out, json_is_true(v) ? (danish ? "ja" : "yes") : (danish ? "nej" : "no"));
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
    for (const report_col *c = x->def->columns; c->name; c++)
        csv_text(&out, x->danish ? c->da : c->name);
    csv_end_row(&out);
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        for (const report_col *c = x->def->columns; c->name; c++)
            csv_value(&out, c, row, x->danish);
        csv_end_row(&out);
    }
    x->csv_text = csv_finish(&out, &x->csv_len);
    return x->csv_text != NULL;
}

/* Reads a whole file into a malloc'd buffer; NULL on failure. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf)
        *len = (size_t)n;
    return buf;
}

/* One cell of the spreadsheet, typed by its column. */
static void xlsx_cell(lxw_worksheet *ws, lxw_row_t r, lxw_col_t col, const report_col *c,
                      const json_t *row, lxw_format *date_fmt, lxw_format *pct_fmt,
                      lxw_format *num_fmt, bool danish)
{
    const json_t *v = json_object_get(row, c->name);
    if (!v || json_is_null(v))
        return;
    if (json_is_boolean(v)) {
        worksheet_write_string(ws, r, col,
                               json_is_true(v) ? (danish ? "ja" : "yes")
                                               : (danish ? "nej" : "no"),
                               NULL);
        return;
    }
    if (json_is_number(v)) {
        double d = json_number_value(v);
        lxw_format *f = c->kind == COL_PCT ? pct_fmt : c->kind == COL_NUM ? num_fmt : NULL;
        worksheet_write_number(ws, r, col, d, f);
        return;
    }
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    int y, m, d;
    char tail;
    if (s && c->kind == COL_DATE && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3) {
        lxw_datetime dt = {.year = y, .month = m, .day = d};
        worksheet_write_datetime(ws, r, col, &dt, date_fmt);
        return;
    }
    if (s) {
        /* a text cell is never a formula in xlsx (written as a string), so no neutralising */
        worksheet_write_string(ws, r, col, cell_text(c, row, s, danish), NULL);
        return;
    }
    char *txt = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    if (txt)
        worksheet_write_string(ws, r, col, txt, NULL);
    free(txt);
}

/* The spreadsheet of rows: one sheet, a bold frozen header row, typed cells, column widths.
 * libxlsxwriter 1.1 writes to a file only: a private temporary file, read back and removed.
 * False on failure. */
static bool render_xlsx(report_ctx *x, const json_t *rows)
{
    const char *dir = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/samspil-report-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return false;
    close(fd);
    lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = NULL};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    if (!wb) {
        unlink(path);
        return false;
    }
    lxw_worksheet *ws =
        workbook_add_worksheet(wb, x->danish ? x->def->title_da : x->def->title_en);
    lxw_format *head = workbook_add_format(wb);
    format_set_bold(head);
    format_set_text_wrap(head);
    format_set_align(head, LXW_ALIGN_VERTICAL_TOP);
    lxw_format *date_fmt = workbook_add_format(wb);
    format_set_num_format(date_fmt, "dd-mm-yyyy");
    lxw_format *pct_fmt = workbook_add_format(wb);
    format_set_num_format(pct_fmt, "0.0%");
    lxw_format *num_fmt = workbook_add_format(wb);
    format_set_num_format(num_fmt, "0.0");
    lxw_col_t col = 0;
    for (const report_col *c = x->def->columns; c->name; c++, col++) {
        worksheet_set_column(ws, col, col, c->width, NULL);
        worksheet_write_string(ws, 0, col, x->danish ? c->da : c->name, head);
    }
    worksheet_freeze_panes(ws, 1, 0);
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        col = 0;
        for (const report_col *c = x->def->columns; c->name; c++, col++)
            xlsx_cell(ws, (lxw_row_t)(i + 1), col, c, row, date_fmt, pct_fmt, num_fmt,
                      x->danish);
    }
    bool ok = workbook_close(wb) == LXW_NO_ERROR;
    if (ok)
        x->csv_text = read_file(path, &x->csv_len);
    unlink(path);
    return ok && x->csv_text != NULL;
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
    if (x->format != FORMAT_JSON) {
        bool ok = x->format == FORMAT_XLSX ? render_xlsx(x, items) : render_csv(x, items);
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

/* What the client asks for: Accept: text/csv or the xlsx type (also in a list). */
static report_format wanted_format(http_request *req)
{
    const char *a = http_header(req, "Accept");
    if (a && strstr(a, XLSX_TYPE))
        return FORMAT_XLSX;
    if (a && strstr(a, "text/csv"))
        return FORMAT_CSV;
    return FORMAT_JSON;
}

/* The language of the headers: ?lang=da|en, else the first language of Accept-Language when
 * it is Danish or English, else Danish for a spreadsheet and English (the JSON names) for CSV,
 * as CSV was before. False after sending a 400. */
static bool parse_lang(http_request *req, report_ctx *x)
{
    const char *l = http_query(req, "lang");
    if (l) {
        if (strcmp(l, "da") != 0 && strcmp(l, "en") != 0)
            return bad_query(req, "lang", "must be da or en");
        x->danish = strcmp(l, "da") == 0;
        return true;
    }
    const char *al = http_header(req, "Accept-Language");
    while (al && (*al == ' ' || *al == '\t'))
        al++;
    if (al && strncasecmp(al, "da", 2) == 0 && !isalpha((unsigned char)al[2]))
        x->danish = true;
    else if (al && strncasecmp(al, "en", 2) == 0 && !isalpha((unsigned char)al[2]))
        x->danish = false;
    else
        x->danish = x->format == FORMAT_XLSX;
    return true;
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
    report_ctx x = {.def = def, .format = wanted_format(req)};
    if (!parse_lang(req, &x) || (def->filtered && !parse_filters(req, &x)))
        return;
    app_run(req, report_tx, &x, APP_REPLICA); /* on the standby when there is one */
    if (x.csv_text && req->status == 204) {
        bool xlsx = x.format == FORMAT_XLSX;
        char *disp = arena_printf(req->arena, "attachment; filename=\"samspil-%s.%s\"",
                                  def->name, xlsx ? "xlsx" : "csv");
        http_add_header(req, "Content-Disposition", disp);
        http_reply_owned(req, 200, xlsx ? XLSX_TYPE : "text/csv; charset=utf-8", x.csv_text,
                         x.csv_len);
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
