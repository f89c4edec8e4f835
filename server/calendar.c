/*
 * calendar: visits of a team and facility pair; see calendar.h. Who sees and changes which
 * visit is row-level security (visits_pair, migration 0003): both organisations of the pair.
 * Visits carry no resident data; their note is practical and never personal.
 */
#include "calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cursor.h"

#define TS(x) "to_char((" x ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

#define VISIT_COLUMNS                                                                          \
    "v.id, v.team_id, v.facility_id, v.agreement_id, v.kind, v.series_date::text AS series_date, " \
    TS("v.starts_at") " AS starts_at, " TS("v.ends_at") " AS ends_at, v.status, v.touched, "  \
    "v.note, v.version, " TS("v.updated_at") " AS updated_at, v.starts_at::text AS sort_key"

/* A date bound is a local (Copenhagen) day: from its start, to its end. */
static const db_stmt calendar_stmts[] = {
    {"calendar_visits_list",
     "SELECT " VISIT_COLUMNS " FROM visits v "
     "WHERE ($1::text IS NULL OR (v.starts_at, v.id) > ($1::timestamptz, $2::uuid)) "
     "  AND ($4::date IS NULL OR v.starts_at >= ($4::date::timestamp AT TIME ZONE 'Europe/Copenhagen')) "
     "  AND ($5::timestamptz IS NULL OR v.starts_at >= $5::timestamptz) "
     "  AND ($6::date IS NULL OR v.starts_at < (($6::date + 1)::timestamp AT TIME ZONE 'Europe/Copenhagen')) "
     "  AND ($7::timestamptz IS NULL OR v.starts_at < $7::timestamptz) "
     "  AND ($8::uuid IS NULL OR v.agreement_id = $8::uuid) "
     "ORDER BY v.starts_at, v.id LIMIT $3::integer"},
    {"calendar_visits_get", "SELECT " VISIT_COLUMNS " FROM visits v WHERE v.id = $1::uuid"},
    {"calendar_visits_update",
     "UPDATE visits v SET starts_at = coalesce($3::timestamptz, v.starts_at), "
     "  ends_at = coalesce($4::timestamptz, v.ends_at), status = coalesce($5, v.status), "
     "  note = coalesce($6, v.note), touched = true, version = v.version + 1, updated_at = now() "
     "WHERE v.id = $1::uuid AND v.version = $2::integer RETURNING " VISIT_COLUMNS},
    /* the facility of a pair and the team serving it */
    {"calendar_facility",
     "SELECT id, serving_team_id FROM organizations WHERE id = $1::uuid AND kind = 'facility'"},
    {"calendar_visits_create",
     "INSERT INTO visits (team_id, facility_id, agreement_id, kind, starts_at, ends_at, note) "
     "SELECT $1::uuid, $2::uuid, (SELECT a.id FROM agreements a WHERE a.team_id = $1::uuid "
     "    AND a.facility_id = $2::uuid AND a.status = 'active' "
     "    ORDER BY a.valid_from DESC LIMIT 1), "
     "  $3, $4::timestamptz, $5::timestamptz, coalesce($6, '') "
     "RETURNING id"},
};

void calendar_register(void)
{
    db_register(calendar_stmts, sizeof calendar_stmts / sizeof calendar_stmts[0]);
}

static json_t *visit_json(const PGresult *r, int i)
{
    static const char *const strs[] = {"id",        "team_id", "facility_id", "agreement_id",
                                       "kind",      "series_date", "starts_at", "ends_at",
                                       "status",    "note",    "updated_at"};
    json_t *o = json_object();
    for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++)
        json_object_set_new(o, strs[k], app_jstr(r, i, strs[k]));
    json_object_set_new(o, "touched", app_jbool(r, i, "touched"));
    json_object_set_new(o, "version", app_jint(r, i, "version"));
    return o;
}

static bool bad_query(http_request *req, const char *field, const char *reason)
{
    json_t *errors = json_array();
    problem_field(errors, field, reason);
    problem_send_errors(req, 400, "bad-query", NULL,
                        arena_printf(req->arena, "%s %s.", field, reason), errors);
    return false;
}

/* ---- list ---- */

typedef struct list_ctx {
    const char *after_key, *after_id;
    const char *from_date, *from_ts, *to_date, *to_ts, *agreement_id;
    int limit;
} list_ctx;

static db_outcome list_tx(app_call *c)
{
    list_ctx *l = c->ctx;
    char lim[16];
    snprintf(lim, sizeof lim, "%d", l->limit + 1);
    const char *p[] = {l->after_key, l->after_id, lim,        l->from_date,
                       l->from_ts,   l->to_date,  l->to_ts,   l->agreement_id};
    PGresult *r = app_exec(c, "calendar_visits_list", 8, p);
    if (!r)
        return DB_ROLLBACK;
    json_t *items = json_array();
    int n = db_rows(r);
    for (int i = 0; i < n && i < l->limit; i++)
        json_array_append_new(items, visit_json(r, i));
    json_t *next = cursor_next(r, l->limit, "sort_key");
    app_reply(c, 200, json_pack("{s:o, s:o}", "items", items, "next", next));
    return DB_COMMIT;
}

/* A from/to bound: a date (a local day) or an RFC 3339 time; false after a 400. */
static bool bound(http_request *req, const char *name, const char **date, const char **ts)
{
    const char *v = http_query(req, name);
    *date = *ts = NULL;
    if (!v)
        return true;
    if (json_is_date(v))
        *date = v;
    else if (json_is_timestamp(v))
        *ts = v;
    else
        return bad_query(req, name, "must be a date (YYYY-MM-DD) or an RFC 3339 time");
    return true;
}

void calendar_visits_list(http_request *req)
{
    list_ctx l = {0};
    if ((l.limit = app_limit(req)) < 0 || !cursor_parse(req, &l.after_key, &l.after_id) ||
        !bound(req, "from", &l.from_date, &l.from_ts) || !bound(req, "to", &l.to_date, &l.to_ts))
        return;
    l.agreement_id = http_query(req, "agreement_id");
    if (l.agreement_id && !json_is_uuid(l.agreement_id)) {
        bad_query(req, "agreement_id", "must be a UUID");
        return;
    }
    app_run(req, list_tx, &l, 0);
}

/* ---- create ---- */

static const char *const extra_kinds[] = {"extra", "home", "phone", "video", NULL};
static const char *const visit_statuses[] = {"planned", "held", "cancelled", NULL};

static const json_field create_fields[] = {
    {.name = "kind", .type = JF_ENUM, .required = true, .enum_values = extra_kinds},
    {.name = "starts_at", .type = JF_TIMESTAMP, .required = true},
    {.name = "ends_at", .type = JF_TIMESTAMP, .required = true},
    {.name = "note", .type = JF_STRING, .max_len = 500},
    {.name = "facility_id", .type = JF_UUID},
};

typedef struct write_ctx {
    json_t *body; /* borrowed (arena) */
    const char *id, *version;
} write_ctx;

static db_outcome reply_visit(app_call *c, const char *id, unsigned status)
{
    const char *p[] = {id};
    PGresult *r = app_exec(c, "calendar_visits_get", 1, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1)
        return app_fail(c, 404, "not-found", "No such visit.", NULL);
    c->etag = arena_printf(c->req->arena, "%s", db_get(r, 0, "version"));
    app_reply(c, status, visit_json(r, 0));
    return DB_COMMIT;
}

static db_outcome create_tx(app_call *c)
{
    write_ctx *w = c->ctx;
    bool region = (c->who->role_bit & ROLES_REGION) != 0;
    const char *facility = json_str(w->body, "facility_id");
    if (!region) {
        if (facility && strcmp(facility, c->who->org_id) != 0)
            return app_fail_field(c, "facility_id", "must be your own facility");
        facility = c->who->org_id;
    } else if (!facility) {
        return app_fail_field(c, "facility_id", "is required");
    }
    const char *p[] = {facility};
    PGresult *r = app_exec(c, "calendar_facility", 1, p);
    if (!r)
        return DB_ROLLBACK;
    const char *team = db_rows(r) == 1 ? db_get(r, 0, "serving_team_id") : NULL;
    if (!team || (region && strcmp(team, c->who->org_id) != 0))
        return app_fail_field(c, "facility_id", "must be a facility your team serves");
    team = arena_strdup(c->req->arena, team);
    const char *q[] = {team,
                       facility,
                       json_str(w->body, "kind"),
                       json_str(w->body, "starts_at"),
                       json_str(w->body, "ends_at"),
                       json_str(w->body, "note")};
    r = app_exec(c, "calendar_visits_create", 6, q);
    if (!r)
        return DB_ROLLBACK;
    const char *id = arena_strdup(c->req->arena, db_get(r, 0, "id"));
    c->location = arena_printf(c->req->arena, "/api/visits/%s", id);
    return reply_visit(c, id, 201);
}

void calendar_visits_create(http_request *req)
{
    write_ctx w = {0};
    if (!(w.body = app_body(req, create_fields, sizeof create_fields / sizeof create_fields[0])))
        return;
    app_run(req, create_tx, &w, APP_IDEMPOTENT);
}

/* ---- one visit (what a created visit's Location names) ---- */

static db_outcome get_tx(app_call *c)
{
    return reply_visit(c, c->ctx, 200);
}

void calendar_visits_get(http_request *req)
{
    const char *id = app_param_uuid(req, 0);
    if (id)
        app_run(req, get_tx, (void *)id, 0);
}

/* ---- move, cancel, mark held ---- */

static const json_field update_fields[] = {
    {.name = "starts_at", .type = JF_TIMESTAMP},
    {.name = "ends_at", .type = JF_TIMESTAMP},
    {.name = "status", .type = JF_ENUM, .enum_values = visit_statuses},
    {.name = "note", .type = JF_STRING, .max_len = 500},
};

static db_outcome update_tx(app_call *c)
{
    write_ctx *w = c->ctx;
    const char *p[] = {w->id,
                       w->version,
                       json_str(w->body, "starts_at"),
                       json_str(w->body, "ends_at"),
                       json_str(w->body, "status"),
                       json_str(w->body, "note")};
    PGresult *r = app_exec(c, "calendar_visits_update", 6, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) == 1) {
        c->etag = arena_printf(c->req->arena, "%s", db_get(r, 0, "version"));
        app_reply(c, 200, visit_json(r, 0));
        return DB_COMMIT;
    }
    r = app_exec(c, "calendar_visits_get", 1, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1)
        return app_fail(c, 404, "not-found", "No such visit.", NULL);
    return app_stale(c, visit_json(r, 0));
}

void calendar_visits_update(http_request *req)
{
    write_ctx w = {0};
    if (!(w.id = app_param_uuid(req, 0)) || !(w.version = app_if_match(req)))
        return;
    if (!(w.body = app_body(req, update_fields, sizeof update_fields / sizeof update_fields[0])))
        return;
    if (json_object_size(w.body) == 0) {
        app_send_nothing_to_change(req);
        return;
    }
    app_run(req, update_tx, &w, 0);
}
