/*
 * monday_mail: the facility's weekly status to the F-ACT team (mandagsmail).
 * Facility staff write one entry per resident per ISO week; the facility sends
 * the week's mail, which makes the entries visible to the team (row-level
 * security on monday_entries), puts the residents asking for a talk on the
 * next fixed visit's agenda and, where SMTP is configured, notifies the
 * agreement's address that the mail is ready: a count and a link, never names
 * or status text. A failed notification leaves the mail unsent (502), so the
 * facility can try again. The team's inbox marks mails it has not opened; the
 * facility's report lists weeks in which the agreed mail was late.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cursor.h"
#include "handlers.h"
#include "routes.h"
#include "smtp.h"

/* RFC 3339 in UTC for a timestamptz expression. */
#define TS(x) "to_char((" x ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

#define ENTRY_COLUMNS                                                                         \
    "e.id, e.resident_id, e.iso_week, e.needs_talk, e.priority, e.status_text, e.author_id, " \
    "e.version, " TS("e.updated_at") " AS updated_at"

/* The next planned fixed visit at a facility from the week's Monday (or now, if later). */
#define NEXT_FIXED_VISIT(fac, week)                                                           \
    "SELECT v.id, " TS("v.starts_at") " AS starts_at, " TS("v.ends_at") " AS ends_at, "       \
    "  to_char(v.starts_at AT TIME ZONE 'Europe/Copenhagen', 'YYYY-MM-DD') AS local_date, "   \
    "  to_char(v.starts_at AT TIME ZONE 'Europe/Copenhagen', 'HH24.MI') AS local_start, "     \
    "  to_char(v.ends_at AT TIME ZONE 'Europe/Copenhagen', 'HH24.MI') AS local_end, "         \
    "  extract(isodow FROM v.starts_at AT TIME ZONE 'Europe/Copenhagen')::int AS weekday "    \
    "FROM visits v WHERE v.facility_id = " fac " AND v.kind = 'fixed' "                       \
    "  AND v.status = 'planned' AND v.starts_at >= greatest(now(), "                          \
    "      iso_week_monday(" week ")::timestamp AT TIME ZONE 'Europe/Copenhagen') "           \
    "ORDER BY v.starts_at, v.id LIMIT 1"

static const db_stmt mm_stmts[] = {
    /* a resident the caller may see */
    {"mm_resident", "SELECT id, facility_id FROM residents WHERE id = $1::uuid"},
    /* $6: the version the client edits (NULL: last writer wins, for autosave) */
    {"mm_entry_upsert",
     "INSERT INTO monday_entries AS e (resident_id, iso_week, needs_talk, priority, "
     "  status_text, author_id) "
     "VALUES ($1::uuid, $2, $3::boolean, $4, $5, app_user_id()) "
     "ON CONFLICT (resident_id, iso_week) DO UPDATE SET needs_talk = EXCLUDED.needs_talk, "
     "  priority = EXCLUDED.priority, status_text = EXCLUDED.status_text, "
     "  author_id = EXCLUDED.author_id, updated_at = now(), version = e.version + 1 "
     "WHERE $6::integer IS NULL OR e.version = $6::integer "
     "RETURNING " ENTRY_COLUMNS ", (xmax = 0) AS created"},
    {"mm_entry_get",
     "SELECT " ENTRY_COLUMNS " FROM monday_entries e "
     "WHERE e.resident_id = $1::uuid AND e.iso_week = $2"},
    {"mm_facility",
     "SELECT id, name, kind, serving_team_id FROM organizations WHERE id = $1::uuid"},
    {"mm_mail_get",
     "SELECT m.id, m.team_id, m.iso_week, m.talk_count, m.visit_id, m.notify_status, "
     "  " TS("m.sent_at") " AS sent_at, m.sent_by, u.name AS sent_by_name, "
     "  to_char(m.sent_at AT TIME ZONE 'Europe/Copenhagen', 'YYYY-MM-DD HH24.MI') AS sent_local "
     "FROM monday_mails m LEFT JOIN users u ON u.id = m.sent_by "
     "WHERE m.facility_id = $1::uuid AND m.iso_week = $2"},
    /* the week's entries, residents asking for a talk first, then by priority; audited */
    {"mm_entries",
     "WITH shown AS (SELECT e.*, r.name AS resident_name FROM monday_entries e "
     "  JOIN residents r ON r.id = e.resident_id "
     "  WHERE e.facility_id = $1::uuid AND e.iso_week = $2), "
     "audit AS (" AUDIT_SHOWN_ROWS("read", "monday_entry", "shown x", "id", "resident_id", "$3") ") "
     "SELECT " ENTRY_COLUMNS ", e.resident_name, u.name AS author_name FROM shown e "
     "LEFT JOIN users u ON u.id = e.author_id "
     "ORDER BY e.needs_talk DESC, "
     "  CASE e.priority WHEN 'high' THEN 0 WHEN 'normal' THEN 1 ELSE 2 END, "
     "  e.resident_name, e.id"},
    {"mm_next_visit", NEXT_FIXED_VISIT("$1::uuid", "$2")},
    {"mm_visit",
     "SELECT v.id, " TS("v.starts_at") " AS starts_at, " TS("v.ends_at") " AS ends_at, "
     "  to_char(v.starts_at AT TIME ZONE 'Europe/Copenhagen', 'YYYY-MM-DD') AS local_date, "
     "  to_char(v.starts_at AT TIME ZONE 'Europe/Copenhagen', 'HH24.MI') AS local_start, "
     "  to_char(v.ends_at AT TIME ZONE 'Europe/Copenhagen', 'HH24.MI') AS local_end, "
     "  extract(isodow FROM v.starts_at AT TIME ZONE 'Europe/Copenhagen')::int AS weekday "
     "FROM visits v WHERE v.id = $1::uuid"},
    /* the team opens a sent mail: no longer new */
    {"mm_mail_open",
     "INSERT INTO monday_mail_opens (mail_id, team_id, facility_id, opened_by) "
     "SELECT m.id, m.team_id, m.facility_id, app_user_id() FROM monday_mails m "
     "WHERE m.id = $1::uuid AND m.team_id = app_org_id() ON CONFLICT DO NOTHING"},
    /* sending: one row per facility and week, locked so two sends queue up */
    {"mm_mail_claim",
     "INSERT INTO monday_mails (facility_id, team_id, iso_week) "
     "SELECT f.id, f.serving_team_id, $2 FROM organizations f "
     "WHERE f.id = $1::uuid AND f.serving_team_id IS NOT NULL ON CONFLICT DO NOTHING"},
    {"mm_mail_lock",
     "SELECT id, sent_at FROM monday_mails WHERE facility_id = $1::uuid AND iso_week = $2 "
     "FOR UPDATE"},
    {"mm_week_counts",
     "SELECT count(*) AS entries, count(*) FILTER (WHERE needs_talk) AS talks "
     "FROM monday_entries WHERE facility_id = $1::uuid AND iso_week = $2"},
    /* where the notification goes: the facility's agreement in force */
    {"mm_notify_address",
     "SELECT a.monday_mail_notify_email FROM agreements a "
     "WHERE a.facility_id = $1::uuid AND a.status = 'active' "
     "  AND current_date BETWEEN a.valid_from AND a.valid_to "
     "ORDER BY a.valid_from DESC, a.created_at DESC, a.id LIMIT 1"},
    {"mm_mail_failed",
     "UPDATE monday_mails SET notify_status = 'failed', notify_error = left($2, 500), "
     "  updated_at = now() WHERE id = $1::uuid"},
    {"mm_mail_sent",
     "UPDATE monday_mails SET sent_at = now(), sent_by = app_user_id(), "
     "  talk_count = $2::integer, visit_id = $3::uuid, notify_status = $4, "
     "  notify_error = NULL, notified_at = CASE WHEN $4 = 'sent' THEN now() END, "
     "  updated_at = now() "
     "WHERE id = $1::uuid RETURNING " TS("sent_at") " AS sent_at"},
    /* the flagged residents onto the visit's agenda; every entry of the week is audited as
     * shared with the team */
    {"mm_agenda",
     "WITH week AS (SELECT e.* FROM monday_entries e "
     "  WHERE e.facility_id = $1::uuid AND e.iso_week = $2), "
     "audit AS (" AUDIT_SHOWN_ROWS("update", "monday_entry", "week x", "id", "resident_id", "$3") "), "
     "added AS (INSERT INTO visit_agenda (visit_id, resident_id, team_id, facility_id, source) "
     "  SELECT $4::uuid, w.resident_id, w.team_id, w.facility_id, 'monday_mail' FROM week w "
     "  WHERE w.needs_talk AND $4::uuid IS NOT NULL ON CONFLICT DO NOTHING "
     "  RETURNING resident_id) "
     "SELECT count(*) AS added FROM added"},
    /* the team's inbox, newest first */
    {"mm_received",
     "SELECT m.id, m.facility_id, f.name AS facility_name, m.iso_week, m.talk_count, "
     "  " TS("m.sent_at") " AS sent_at, m.sent_at::text AS sort_key, u.name AS sent_by_name, "
     "  " TS("o.opened_at") " AS opened_at, (o.mail_id IS NULL) AS is_new "
     "FROM monday_mails m JOIN organizations f ON f.id = m.facility_id "
     "LEFT JOIN users u ON u.id = m.sent_by "
     "LEFT JOIN monday_mail_opens o ON o.mail_id = m.id "
     "WHERE m.team_id = $1::uuid AND m.sent_at IS NOT NULL "
     "  AND ($2::text IS NULL OR (m.sent_at, m.id) < ($2::timestamptz, $3::uuid)) "
     "ORDER BY m.sent_at DESC, m.id DESC LIMIT $4::integer + 1"},
    /* weeks in which the agreed mail was not sent by Monday's deadline (Copenhagen time) */
    {"mm_late",
     "WITH ag AS (SELECT a.* FROM agreements a WHERE a.facility_id = $1::uuid "
     "    AND a.monday_mail_agreed AND a.status IN ('active', 'expired', 'terminated')), "
     "weeks AS (SELECT DISTINCT ON (w.monday) w.monday::date AS monday, "
     "    ((w.monday::date + ag.monday_mail_deadline) AT TIME ZONE 'Europe/Copenhagen') "
     "      AS deadline "
     "  FROM ag, generate_series("
     "      date_trunc('week', greatest(ag.valid_from, $2::date)::timestamp + interval '6 days'),"
     "      least(ag.valid_to, $3::date, coalesce(ag.terminated_at::date, ag.valid_to))"
     "        ::timestamp, interval '7 days') w(monday) "
     "  ORDER BY w.monday, ag.valid_from DESC), "
     "due AS (SELECT iso_week_of(w.monday) AS iso_week, w.deadline, m.sent_at "
     "  FROM weeks w LEFT JOIN monday_mails m ON m.facility_id = $1::uuid "
     "    AND m.iso_week = iso_week_of(w.monday) AND m.sent_at IS NOT NULL "
     "  WHERE w.deadline < now()) "
     "SELECT iso_week, " TS("deadline") " AS deadline, " TS("sent_at") " AS sent_at, "
     "  CASE WHEN sent_at IS NULL THEN 'not_sent' WHEN sent_at > deadline THEN 'late' "
     "       ELSE 'on_time' END AS status "
     "FROM due ORDER BY iso_week"},
};

static void monday_mail_register(void)
{
    db_register(mm_stmts, sizeof mm_stmts / sizeof mm_stmts[0]);
}

/* ---- helpers ---- */

/* An ISO week as '2026-W48' (weeks 01-53; whether week 53 exists is the database's check). */
static bool iso_week_ok(const char *w)
{
    if (!w || strlen(w) != 8 || w[4] != '-' || w[5] != 'W')
        return false;
    for (int i = 0; i < 8; i++)
        if (i != 4 && i != 5 && (w[i] < '0' || w[i] > '9'))
            return false;
    int n = (w[6] - '0') * 10 + (w[7] - '0');
    return n >= 1 && n <= 53;
}

static void bad_query(http_request *req, const char *field, const char *reason)
{
    json_t *errors = json_array();
    problem_field(errors, field, reason);
    char detail[160];
    snprintf(detail, sizeof detail, "%s %s.", field, reason);
    problem_send_errors(req, 400, "bad-query", NULL, detail, errors);
}

/* An entry; with_names adds the resident's and the author's names (list reads). */
static json_t *entry_json(const PGresult *r, int i, bool with_names)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", app_jstr(r, i, "id"));
    json_object_set_new(o, "resident_id", app_jstr(r, i, "resident_id"));
    if (with_names)
        json_object_set_new(o, "resident_name", app_jstr(r, i, "resident_name"));
    json_object_set_new(o, "week", app_jstr(r, i, "iso_week"));
    json_object_set_new(o, "needs_talk", app_jbool(r, i, "needs_talk"));
    json_object_set_new(o, "priority", app_jstr(r, i, "priority"));
    json_object_set_new(o, "status_text", app_jstr(r, i, "status_text"));
    json_object_set_new(o, "author_id", app_jstr(r, i, "author_id"));
    if (with_names)
        json_object_set_new(o, "author_name", app_jstr(r, i, "author_name"));
    json_object_set_new(o, "version", app_jint(r, i, "version"));
    json_object_set_new(o, "updated_at", app_jstr(r, i, "updated_at"));
    return o;
}

static json_t *visit_json(const PGresult *r)
{
    if (!r || db_rows(r) < 1)
        return json_null();
    return json_pack("{s:o, s:o, s:o, s:o}", "id", app_jstr(r, 0, "id"), "starts_at",
                     app_jstr(r, 0, "starts_at"), "ends_at", app_jstr(r, 0, "ends_at"),
                     "local_date", app_jstr(r, 0, "local_date"));
}

/* ---- PUT /api/residents/{id}/monday-entries/{week} ---- */

static const char *const priorities[] = {"low", "normal", "high", NULL};

static const json_field entry_fields[] = {
    {.name = "needs_talk", .type = JF_BOOL, .required = true},
    {.name = "priority", .type = JF_ENUM, .enum_values = priorities},
    {.name = "status_text", .type = JF_TEXT, .max_len = 2000},
};

typedef struct entry_ctx {
    const char *resident, *week, *version;
    const char *needs_talk, *priority, *status_text;
} entry_ctx;

static db_outcome entry_put_tx(app_call *c)
{
    entry_ctx *e = c->ctx;
    const char *pr[] = {e->resident};
    PGresult *r = app_exec(c, "mm_resident", 1, pr);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1) {
        return app_refuse(c, "update", "monday_entry", NULL, e->resident, 404, "not-found",
                          "No such resident.", NULL);
    }
    const char *p[] = {e->resident, e->week,     e->needs_talk,
                       e->priority, e->status_text, e->version};
    r = app_exec(c, "mm_entry_upsert", 6, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1) {
        /* If-Match named an older version: show what is there now */
        const char *pg[] = {e->resident, e->week};
        PGresult *cur = app_exec(c, "mm_entry_get", 2, pg);
        if (!cur)
            return DB_ROLLBACK;
        return app_stale(c, db_rows(cur) == 1 ? entry_json(cur, 0, false) : NULL);
    }
    bool created = db_get(r, 0, "created")[0] == 't';
    app_audit(c, created ? "create" : "update", "monday_entry", db_get(r, 0, "id"), e->resident,
              "allowed");
    c->etag = arena_printf(c->req->arena, "%s", db_get(r, 0, "version"));
    app_reply(c, created ? 201 : 200, entry_json(r, 0, false));
    if (created)
        c->location = arena_printf(c->req->arena, "/api/residents/%s/monday-entries/%s",
                                   e->resident, e->week);
    return DB_COMMIT;
}

static void monday_entry_put(http_request *req)
{
    entry_ctx e = {0};
    if (!(e.resident = app_param_uuid(req, 0)))
        return;
    e.week = req->params[1];
    if (!iso_week_ok(e.week)) {
        problem_send(req, 404, "not-found", NULL,
                     "No such week: write weeks as 2026-W48 (ISO 8601).");
        return;
    }
    /* If-Match is optional here (autosave); when sent it must name a version */
    if (http_header(req, "If-Match") && !(e.version = app_if_match(req)))
        return;
    json_t *body = app_body(req, entry_fields, sizeof entry_fields / sizeof entry_fields[0]);
    if (!body)
        return;
    e.needs_talk = json_is_true(json_object_get(body, "needs_talk")) ? "true" : "false";
    e.priority = json_str(body, "priority") ? json_str(body, "priority") : "normal";
    e.status_text = json_str(body, "status_text") ? json_str(body, "status_text") : "";
    app_run(req, entry_put_tx, &e, 0);
}

/* ---- GET /api/monday-mail?facility=&week= ---- */

typedef struct mail_ctx {
    const char *facility, *week;
    bool want_text;
    char *text; /* malloc'd plain-text rendering (Accept: text/plain) */
} mail_ctx;

static const char *const weekdays_da[] = {"",       "mandag", "tirsdag", "onsdag",
                                          "torsdag", "fredag", "lørdag",  "søndag"};

static const char *priority_da(const char *p)
{
    return strcmp(p, "high") == 0 ? "høj" : strcmp(p, "low") == 0 ? "lav" : "normal";
}

/* "onsdag 25.11.2026 kl. 09.00–12.00" into buf. */
static void visit_da(const PGresult *v, char *buf, size_t len)
{
    if (!v || db_rows(v) < 1) {
        snprintf(buf, len, "ingen planlagt");
        return;
    }
    const char *d = db_get(v, 0, "local_date"); /* YYYY-MM-DD */
    int wd = atoi(db_get(v, 0, "weekday"));
    snprintf(buf, len, "%s %.2s.%.2s.%.4s kl. %s–%s", weekdays_da[wd >= 1 && wd <= 7 ? wd : 0],
             d + 8, d + 5, d, db_get(v, 0, "local_start"), db_get(v, 0, "local_end"));
}

static const char *const months_da[] = {"",       "januar",    "februar", "marts",   "april",
                                        "maj",    "juni",      "juli",    "august",  "september",
                                        "oktober", "november", "december"};

/* "1. december 2026 kl. 23.56" into buf, from "2026-12-01 23.56" (Copenhagen). */
static void when_da(const char *local, char *buf, size_t len)
{
    int m = local && strlen(local) >= 16 ? atoi(local + 5) : 0;
    if (m < 1 || m > 12) {
        snprintf(buf, len, "%s", local ? local : "?");
        return;
    }
    snprintf(buf, len, "%d. %s %.4s kl. %s", atoi(local + 8), months_da[m], local, local + 11);
}

/* Appends to a malloc'd string (NULL on out of memory, freeing the old one). */
static char *str_append(char *s, const char *add)
{
    size_t a = s ? strlen(s) : 0, b = strlen(add);
    char *n = realloc(s, a + b + 1);
    if (!n) {
        free(s);
        return NULL;
    }
    memcpy(n + a, add, b + 1);
    return n;
}

static char *mail_text(const char *facility_name, const char *week, const PGresult *mail,
                       const PGresult *entries, const PGresult *visit)
{
    char line[2600], when[96];
    visit_da(visit, when, sizeof when);
    snprintf(line, sizeof line, "Mandagsmail uge %s, %.4s – %s\n\nNæste faste besøg: %s\n",
             week + 6, week, facility_name, when);
    char *s = str_append(NULL, line);
    if (mail && db_rows(mail) == 1 && db_get(mail, 0, "sent_at")) {
        char sent[64];
        when_da(db_get(mail, 0, "sent_local"), sent, sizeof sent);
        snprintf(line, sizeof line, "Sendt: %s af %s\n", sent,
                 db_get(mail, 0, "sent_by_name") ? db_get(mail, 0, "sent_by_name") : "?");
    } else
        snprintf(line, sizeof line, "Ikke sendt endnu (kladde)\n");
    if (s)
        s = str_append(s, line);
    int n = db_rows(entries), talks = 0;
    for (int i = 0; i < n; i++)
        talks += db_get(entries, i, "needs_talk")[0] == 't';
    for (int pass = 0; pass < 2 && s; pass++) {
        snprintf(line, sizeof line,
                 pass == 0 ? "\nØnsker samtale ved næste faste besøg (%d):\n"
                           : "\nØvrige beboere (%d):\n",
                 pass == 0 ? talks : n - talks);
        s = str_append(s, line);
        int shown = 0;
        for (int i = 0; i < n && s; i++) {
            bool talk = db_get(entries, i, "needs_talk")[0] == 't';
            if (talk != (pass == 0))
                continue;
            shown++;
            const char *st = db_get(entries, i, "status_text");
            snprintf(line, sizeof line, "- %s (prioritet: %s)%s%s\n",
                     db_get(entries, i, "resident_name"),
                     priority_da(db_get(entries, i, "priority")), st && *st ? ": " : "",
                     st ? st : "");
            s = str_append(s, line);
        }
        if (!shown && s)
            s = str_append(s, "- ingen\n");
    }
    return s;
}

static db_outcome mail_get_tx(app_call *c)
{
    mail_ctx *m = c->ctx;
    free(m->text);
    m->text = NULL;
    const char *pf[] = {m->facility};
    PGresult *f = app_exec(c, "mm_facility", 1, pf);
    if (!f)
        return DB_ROLLBACK;
    if (db_rows(f) != 1 || strcmp(db_get(f, 0, "kind"), "facility") != 0)
        return app_fail(c, 404, "not-found", "No such facility.", NULL);
    bool region = c->who->role_bit & ROLES_REGION;
    const char *p[] = {m->facility, m->week, app_access_purpose(c->req)};
    PGresult *mail = app_exec(c, "mm_mail_get", 2, p);
    if (!mail)
        return DB_ROLLBACK;
    bool sent = db_rows(mail) == 1 && db_get(mail, 0, "sent_at");
    if (region && !sent)
        return app_fail(c, 404, "monday-mail-not-sent",
                        "The facility has not sent this week's Monday mail yet.", NULL);
    if (!region && strcmp(m->facility, c->who->org_id) != 0)
        return app_fail(c, 404, "not-found", "No such facility.", NULL);
    PGresult *entries = app_exec(c, "mm_entries", 3, p);
    if (!entries)
        return DB_ROLLBACK;
    PGresult *visit = NULL;
    if (sent && db_get(mail, 0, "visit_id")) {
        const char *pv[] = {db_get(mail, 0, "visit_id")};
        visit = app_exec(c, "mm_visit", 1, pv);
    } else {
        visit = app_exec(c, "mm_next_visit", 2, p);
    }
    if (!visit)
        return DB_ROLLBACK;
    if (region) {
        const char *po[] = {db_get(mail, 0, "id")};
        if (!app_exec(c, "mm_mail_open", 1, po))
            return DB_ROLLBACK;
    }

    json_t *items = json_array();
    int n = db_rows(entries), talks = 0;
    for (int i = 0; i < n; i++) {
        json_array_append_new(items, entry_json(entries, i, true));
        talks += db_get(entries, i, "needs_talk")[0] == 't';
    }
    json_t *o = json_object();
    json_object_set_new(o, "id", db_rows(mail) == 1 ? app_jstr(mail, 0, "id") : json_null());
    json_object_set_new(o, "facility_id", json_string(m->facility));
    json_object_set_new(o, "facility_name", app_jstr(f, 0, "name"));
    json_object_set_new(o, "week", json_string(m->week));
    json_object_set_new(o, "status", json_string(sent ? "sent" : "draft"));
    json_object_set_new(o, "sent_at", sent ? app_jstr(mail, 0, "sent_at") : json_null());
    json_object_set_new(o, "sent_by", sent ? app_jstr(mail, 0, "sent_by") : json_null());
    json_object_set_new(o, "sent_by_name",
                        sent ? app_jstr(mail, 0, "sent_by_name") : json_null());
    json_object_set_new(o, "talk_count", json_integer(talks));
    json_object_set_new(o, "next_fixed_visit", visit_json(visit));
    json_object_set_new(o, "entries", items);
    if (m->want_text) {
        m->text = mail_text(db_get(f, 0, "name"), m->week, mail, entries, visit);
        if (!m->text) {
            json_decref(o);
            return app_fail(c, 500, "internal", "The mail could not be rendered.", NULL);
        }
    }
    app_reply(c, 200, o);
    return DB_COMMIT;
}

static bool accepts_text(http_request *req)
{
    const char *a = http_header(req, "Accept");
    return a && strstr(a, "text/plain") && !strstr(a, "application/json");
}

static void monday_mail_get(http_request *req)
{
    mail_ctx m = {.facility = http_query(req, "facility"), .week = http_query(req, "week")};
    if (!json_is_uuid(m.facility)) {
        bad_query(req, "facility", "must be a facility id (UUID)");
        return;
    }
    if (!iso_week_ok(m.week)) {
        bad_query(req, "week", "must be an ISO week such as 2026-W48");
        return;
    }
    m.want_text = accepts_text(req);
    app_run(req, mail_get_tx, &m, 0);
    /* the same mail as plain text: replaces the JSON reply app_run just set */
    if (m.text && req->status == 200)
        http_reply(req, 200, "text/plain; charset=utf-8", m.text, strlen(m.text));
    free(m.text);
}

/* ---- POST /api/monday-mail/send ---- */

static const json_field send_fields[] = {
    {.name = "facility", .type = JF_UUID, .required = true},
    {.name = "week", .type = JF_STRING, .required = true, .min_len = 8, .max_len = 8},
};

typedef struct send_ctx {
    const char *facility, *week;
    bool notified; /* the notification went out in an earlier run of the transaction */
} send_ctx;

/* Sends the "mail is ready" notification. Returns false with a reason in err. */
static bool notify(const char *to, const char *facility_name, const send_ctx *s, long talks,
                   char *err, size_t errlen)
{
    char subject[320], body[1600];
    snprintf(subject, sizeof subject, "Mandagsmail uge %s er klar – %s", s->week + 6,
             facility_name);
    snprintf(body, sizeof body,
             "Mandagsmailen for uge %s, %.4s fra %s er sendt i Samspil.\n\n"
             "%ld %s om en samtale ved næste faste besøg.\n\n"
             "Læs den i Samspil:\n%s/#/received?facility=%s&week=%s\n\n"
             "Af hensyn til tavshedspligten står der hverken navne eller andre oplysninger "
             "om beboerne i denne e-mail.\n",
             s->week + 6, s->week, facility_name, talks,
             talks == 1 ? "beboer beder" : "beboere beder", app.cfg.public_origin, s->facility,
             s->week);
    const char *from = getenv("SMTP_FROM");
    smtp_message msg = {.from = from && *from ? from : "samspil@localhost",
                        .to = to,
                        .subject = subject,
                        .body = body};
    return smtp_send(app.cfg.smtp_url, &msg, 20, err, errlen);
}

static db_outcome send_tx(app_call *c)
{
    send_ctx *s = c->ctx;
    if (strcmp(s->facility, c->who->org_id) != 0)
        return app_fail(c, 403, "forbidden",
                        "Only the facility's own staff send its Monday mail.", NULL);
    const char *pf[] = {s->facility};
    PGresult *f = app_exec(c, "mm_facility", 1, pf);
    if (!f)
        return DB_ROLLBACK;
    if (db_rows(f) != 1 || !db_get(f, 0, "serving_team_id"))
        return app_fail(c, 422, "no-serving-team",
                        "This facility has no F-ACT team to send the mail to.",
                        json_pack("[{s:s, s:s}]", "field", "facility", "reason",
                                  "has no F-ACT team serving it"));
    const char *p[] = {s->facility, s->week, app_access_purpose(c->req), NULL};
    if (!app_exec(c, "mm_mail_claim", 2, p))
        return DB_ROLLBACK;
    PGresult *lock = app_exec(c, "mm_mail_lock", 2, p);
    if (!lock)
        return DB_ROLLBACK;
    if (db_rows(lock) != 1)
        return app_fail(c, 404, "not-found", "No such facility.", NULL);
    if (db_get(lock, 0, "sent_at"))
        return app_fail(c, 409, "monday-mail-already-sent",
                        "This week's Monday mail has already been sent.", NULL);
    const char *mail_id = arena_strdup(c->req->arena, db_get(lock, 0, "id"));
    PGresult *counts = app_exec(c, "mm_week_counts", 2, p);
    PGresult *visit = counts ? app_exec(c, "mm_next_visit", 2, p) : NULL;
    PGresult *addr = visit ? app_exec(c, "mm_notify_address", 1, p) : NULL;
    if (!addr)
        return DB_ROLLBACK;
    long talks = strtol(db_get(counts, 0, "talks"), NULL, 10);
    const char *to = db_rows(addr) == 1 ? db_get(addr, 0, "monday_mail_notify_email") : NULL;

    const char *notify_status = "sent";
    if (!app.cfg.smtp_url || !*app.cfg.smtp_url) {
        notify_status = "not_configured";
    } else if (!to || !*to) {
        notify_status = "skipped";
    } else if (!s->notified) {
        char err[256];
        if (!notify(to, db_get(f, 0, "name"), s, talks, err, sizeof err)) {
            const char *pe[] = {mail_id, err};
            if (!app_exec(c, "mm_mail_failed", 2, pe))
                return DB_ROLLBACK;
            app_fail(c, 502, "notification-failed",
                     "The e-mail telling the team that the mail is ready could not be sent, so "
                     "the Monday mail was not sent. Please try again.",
                     NULL);
            return DB_COMMIT; /* keep the record of the failed attempt */
        }
        s->notified = true;
    }

    char talks_s[24];
    snprintf(talks_s, sizeof talks_s, "%ld", talks);
    const char *visit_id = db_rows(visit) == 1 ? db_get(visit, 0, "id") : NULL;
    const char *ps[] = {mail_id, talks_s, visit_id, notify_status};
    PGresult *sent = app_exec(c, "mm_mail_sent", 4, ps);
    if (!sent)
        return DB_ROLLBACK;
    p[3] = visit_id;
    PGresult *agenda = app_exec(c, "mm_agenda", 4, p);
    if (!agenda)
        return DB_ROLLBACK;

    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(mail_id));
    json_object_set_new(o, "facility_id", json_string(s->facility));
    json_object_set_new(o, "week", json_string(s->week));
    json_object_set_new(o, "status", json_string("sent"));
    json_object_set_new(o, "sent_at", app_jstr(sent, 0, "sent_at"));
    json_object_set_new(o, "sent_by", json_string(c->who->user_id));
    json_object_set_new(o, "entry_count", app_jint(counts, 0, "entries"));
    json_object_set_new(o, "talk_count", json_integer(talks));
    json_object_set_new(o, "next_fixed_visit", visit_json(visit));
    json_object_set_new(o, "agenda_added", app_jint(agenda, 0, "added"));
    json_object_set_new(o, "notification", json_string(notify_status));
    app_reply(c, 200, o);
    return DB_COMMIT;
}

static void monday_mail_send(http_request *req)
{
    json_t *body = app_body(req, send_fields, sizeof send_fields / sizeof send_fields[0]);
    if (!body)
        return;
    send_ctx s = {.facility = json_str(body, "facility"), .week = json_str(body, "week")};
    if (!iso_week_ok(s.week)) {
        json_t *errors = json_array();
        problem_field(errors, "week", "must be an ISO week such as 2026-W48");
        problem_send_errors(req, 422, "validation-failed", NULL,
                            "week must be an ISO week such as 2026-W48.", errors);
        return;
    }
    app_run(req, send_tx, &s, 0);
}

/* ---- GET /api/monday-mail/received?team= ---- */

typedef struct received_ctx {
    const char *team, *after_key, *after_id;
    int limit;
} received_ctx;

static db_outcome received_tx(app_call *c)
{
    received_ctx *rc = c->ctx;
    if (strcmp(rc->team, c->who->org_id) != 0)
        return app_fail(c, 403, "forbidden", "You can only read your own team's mails.", NULL);
    char lim[16];
    snprintf(lim, sizeof lim, "%d", rc->limit);
    const char *p[] = {rc->team, rc->after_key, rc->after_id, lim};
    PGresult *r = app_exec(c, "mm_received", 4, p);
    if (!r)
        return DB_ROLLBACK;
    json_t *items = json_array();
    int n = db_rows(r), fresh = 0;
    for (int i = 0; i < n && i < rc->limit; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "id", app_jstr(r, i, "id"));
        json_object_set_new(o, "facility_id", app_jstr(r, i, "facility_id"));
        json_object_set_new(o, "facility_name", app_jstr(r, i, "facility_name"));
        json_object_set_new(o, "week", app_jstr(r, i, "iso_week"));
        json_object_set_new(o, "sent_at", app_jstr(r, i, "sent_at"));
        json_object_set_new(o, "sent_by_name", app_jstr(r, i, "sent_by_name"));
        json_object_set_new(o, "talk_count", app_jint(r, i, "talk_count"));
        json_object_set_new(o, "opened_at", app_jstr(r, i, "opened_at"));
        json_object_set_new(o, "new", app_jbool(r, i, "is_new"));
        fresh += db_get(r, i, "is_new")[0] == 't';
        json_array_append_new(items, o);
    }
    json_t *next = cursor_next(r, rc->limit, "sort_key");
    app_reply(c, 200, json_pack("{s:o, s:o, s:i}", "items", items, "next", next, "new_on_page",
                                fresh));
    return DB_COMMIT;
}

static void monday_mail_received(http_request *req)
{
    received_ctx rc = {.team = http_query(req, "team")};
    if (!rc.team)
        rc.team = app_who(req)->org_id;
    if (!json_is_uuid(rc.team)) {
        bad_query(req, "team", "must be a team id (UUID)");
        return;
    }
    if ((rc.limit = app_limit(req)) < 0 || !cursor_parse(req, &rc.after_key, &rc.after_id))
        return;
    app_run(req, received_tx, &rc, 0);
}

/* ---- GET /api/monday-mail/late?facility=&from=&to= ---- */

typedef struct late_ctx {
    const char *facility, *from, *to;
} late_ctx;

static db_outcome late_tx(app_call *c)
{
    late_ctx *l = c->ctx;
    const char *p[] = {l->facility, l->from, l->to};
    PGresult *r = app_exec(c, "mm_late", 3, p);
    if (!r)
        return DB_ROLLBACK;
    json_t *items = json_array();
    int n = db_rows(r), on_time = 0, late = 0, missing = 0;
    for (int i = 0; i < n; i++) {
        const char *st = db_get(r, i, "status");
        if (strcmp(st, "on_time") == 0) {
            on_time++;
            continue;
        }
        strcmp(st, "late") == 0 ? late++ : missing++;
        json_array_append_new(items, json_pack("{s:o, s:o, s:o, s:s}", "week",
                                               app_jstr(r, i, "iso_week"), "deadline",
                                               app_jstr(r, i, "deadline"), "sent_at",
                                               app_jstr(r, i, "sent_at"), "status", st));
    }
    app_reply(c, 200,
              json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:o, s:n}", "facility_id",
                        l->facility, "from", l->from, "to", l->to, "weeks_due", n, "on_time",
                        on_time, "late", late, "not_sent", missing, "items", items, "next"));
    return DB_COMMIT;
}

static void monday_mail_late(http_request *req)
{
    late_ctx l = {.facility = http_query(req, "facility"), .from = http_query(req, "from"),
                  .to = http_query(req, "to")};
    if (!l.facility && (app_who(req)->role_bit & ROLES_FACILITY))
        l.facility = app_who(req)->org_id;
    if (!json_is_uuid(l.facility)) {
        bad_query(req, "facility", "must be a facility id (UUID)");
        return;
    }
    if (!l.to)
        l.to = "infinity"; /* clipped by the agreement's end and by deadlines passed */
    else if (!json_is_date(l.to)) {
        bad_query(req, "to", "must be a date (YYYY-MM-DD)");
        return;
    }
    if (!l.from)
        l.from = "-infinity";
    else if (!json_is_date(l.from)) {
        bad_query(req, "from", "must be a date (YYYY-MM-DD)");
        return;
    }
    app_run(req, late_tx, &l, 0);
}

/* ---- GET /monday-mail?facility=&week=: the link of the notifications sent before it pointed
 * at the team's page; a redirect there (#/received?..., which opens that mail after log-in) so
 * the mails already in people's inboxes keep working. ---- */
static void monday_mail_old_link(http_request *req)
{
    const char *f = http_query(req, "facility"), *w = http_query(req, "week");
    const char *to = json_is_uuid(f) && iso_week_ok(w)
                         ? arena_printf(req->arena, "/#/received?facility=%s&week=%s", f, w)
                         : "/#/received";
    http_add_header(req, "Location", to);
    http_reply(req, 303, "text/plain; charset=utf-8", NULL, 0);
}

/* clang-format off */
static const route mm_route_list[] = {
    {"PUT",  "/api/residents/{id}/monday-entries/{week}", monday_entry_put,
     ROLES_FACILITY, ROUTE_RESIDENT_DATA},
    {"GET",  "/api/monday-mail",          monday_mail_get,      ROLES_CARE, ROUTE_RESIDENT_DATA},
    {"POST", "/api/monday-mail/send",     monday_mail_send,     ROLES_FACILITY, ROUTE_RESIDENT_DATA},
    {"GET",  "/api/monday-mail/received", monday_mail_received, ROLES_REGION, 0},
    {"GET",  "/api/monday-mail/late",     monday_mail_late,     ROLES_CARE, 0},
    {"GET",  "/monday-mail",              monday_mail_old_link, 0, 0},
};
/* clang-format on */

const route_table monday_mail_routes = {mm_route_list,
                                        sizeof mm_route_list / sizeof mm_route_list[0],
                                        monday_mail_register};
