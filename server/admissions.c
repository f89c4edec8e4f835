/*
 * admissions: residents' admissions to hospital (voluntary or forced), their
 * discharge, and the facility's visits to an admitted resident. Readmission
 * (admitted within 30 days of a discharge) is derived by the admission_facts
 * view, never typed; each admission shows what happened before it
 * (admission_before(): last held conversation, missed conversations, KIP,
 * intensive period). Both organisations of a pair read and record; row-level
 * security scopes everything, and every read or write is audited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cursor.h"
#include "handlers.h"
#include "routes.h"

#define TS(x) "to_char((" x ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* The rows of a page (a CTE "page" of admissions) with their facts, what happened before
 * each admission and how often the facility visited; newest first. */
#define ADM_PAGE_SELECT                                                                       \
    "SELECT f.id, f.resident_id, r.name AS resident_name, f.team_id, f.facility_id, "        \
    "  " TS("f.admitted_at") " AS admitted_at, " TS("f.discharged_at") " AS discharged_at, "   \
    "  f.ward, f.forced, f.readmission, "                                                     \
    "  " TS("f.previous_discharged_at") " AS previous_discharged_at, f.bed_days, f.version, " \
    "  f.recorded_by, f.admitted_at::text AS sort_key, "                                      \
    "  b.days_since_last_held, b.missed_30d, b.had_kip, b.intensive, "                        \
    "  (SELECT count(*) FROM admission_visits v WHERE v.admission_id = f.id) AS visit_count "  \
    "FROM admission_facts f JOIN page p ON p.id = f.id "                                      \
    "JOIN residents r ON r.id = f.resident_id "                                               \
    "LEFT JOIN LATERAL admission_before(f.resident_id, f.admitted_at) b ON true "             \
    "ORDER BY f.admitted_at DESC, f.id DESC"

static const db_stmt adm_stmts[] = {
    {"adm_resident", "SELECT id FROM residents WHERE id = $1::uuid"},
    {"adm_open",
     "SELECT id FROM admissions WHERE resident_id = $1::uuid AND discharged_at IS NULL"},
    {"adm_create",
     "INSERT INTO admissions (resident_id, admitted_at, discharged_at, ward, forced, "
     "  recorded_by, discharged_by) "
     "VALUES ($1::uuid, $2::timestamptz, $3::timestamptz, $4, $5::boolean, app_user_id(), "
     "  CASE WHEN $3 IS NOT NULL THEN app_user_id() END) RETURNING id"},
    {"adm_get",
     "SELECT f.id, f.resident_id, r.name AS resident_name, f.team_id, f.facility_id, "
     "  " TS("f.admitted_at") " AS admitted_at, " TS("f.discharged_at") " AS discharged_at, "
     "  f.ward, f.forced, f.readmission, "
     "  " TS("f.previous_discharged_at") " AS previous_discharged_at, f.bed_days, f.version, "
     "  f.recorded_by, f.admitted_at::text AS sort_key, "
     "  b.days_since_last_held, b.missed_30d, b.had_kip, b.intensive, "
     "  (SELECT count(*) FROM admission_visits v WHERE v.admission_id = f.id) AS visit_count "
     "FROM admission_facts f JOIN residents r ON r.id = f.resident_id "
     "LEFT JOIN LATERAL admission_before(f.resident_id, f.admitted_at) b ON true "
     "WHERE f.id = $1::uuid"},
    {"adm_visits",
     "SELECT v.id, " TS("v.visited_at") " AS visited_at, v.visited_by, u.name AS visited_by_name, "
     "  v.note FROM admission_visits v LEFT JOIN users u ON u.id = v.visited_by "
     "WHERE v.admission_id = $1::uuid ORDER BY v.visited_at, v.id"},
    /* one resident's admissions, newest first; $2/$3 cursor, $4 limit, $5 purpose */
    {"adm_by_resident",
     "WITH page AS (SELECT a.* FROM admissions a WHERE a.resident_id = $1::uuid "
     "  AND ($2::text IS NULL OR (a.admitted_at, a.id) < ($2::timestamptz, $3::uuid)) "
     "  ORDER BY a.admitted_at DESC, a.id DESC LIMIT $4::integer + 1), "
     "shown AS (SELECT * FROM page ORDER BY admitted_at DESC, id DESC LIMIT $4::integer), "
     "audit AS (" AUDIT_SHOWN_ROWS("read", "admission", "shown x", "id", "resident_id", "$5") ") "
     ADM_PAGE_SELECT},
    /* a facility's or team's admissions in [from, to] (Copenhagen days), newest first */
    {"adm_list",
     "WITH page AS (SELECT a.* FROM admissions a "
     "  WHERE ($1::uuid IS NULL OR a.facility_id = $1::uuid) "
     "    AND ($2::uuid IS NULL OR a.team_id = $2::uuid) "
     "    AND a.admitted_at >= $3::date::timestamp AT TIME ZONE 'Europe/Copenhagen' "
     "    AND a.admitted_at < ($4::date + 1)::timestamp AT TIME ZONE 'Europe/Copenhagen' "
     "    AND ($5::text IS NULL OR (a.admitted_at, a.id) < ($5::timestamptz, $6::uuid)) "
     "  ORDER BY a.admitted_at DESC, a.id DESC LIMIT $7::integer + 1), "
     "shown AS (SELECT * FROM page ORDER BY admitted_at DESC, id DESC LIMIT $7::integer), "
     "audit AS (" AUDIT_SHOWN_ROWS("search", "admission", "shown x", "id", "resident_id", "$8") ") "
     ADM_PAGE_SELECT},
    /* the same period in figures: how many, forced share, readmission rate, bed days */
    {"adm_summary",
     "SELECT count(*) AS admissions, count(*) FILTER (WHERE f.forced) AS forced, "
     "  round(count(*) FILTER (WHERE f.forced)::numeric / nullif(count(*), 0), 3) "
     "    AS forced_share, "
     "  count(*) FILTER (WHERE f.readmission) AS readmissions, "
     "  round(count(*) FILTER (WHERE f.readmission)::numeric / nullif(count(*), 0), 3) "
     "    AS readmission_rate, coalesce(sum(f.bed_days), 0) AS bed_days "
     "FROM admission_facts f "
     "WHERE ($1::uuid IS NULL OR f.facility_id = $1::uuid) "
     "  AND ($2::uuid IS NULL OR f.team_id = $2::uuid) "
     "  AND f.admitted_at >= $3::date::timestamp AT TIME ZONE 'Europe/Copenhagen' "
     "  AND f.admitted_at < ($4::date + 1)::timestamp AT TIME ZONE 'Europe/Copenhagen'"},
    {"adm_discharge",
     "UPDATE admissions SET discharged_at = $3::timestamptz, "
     "  discharged_by = CASE WHEN $3 IS NULL THEN NULL ELSE app_user_id() END, "
     "  ward = coalesce($4, ward), version = version + 1, updated_at = now() "
     "WHERE id = $1::uuid AND version = $2::integer RETURNING id, resident_id"},
    {"adm_exists", "SELECT id, resident_id FROM admissions WHERE id = $1::uuid"},
    {"adm_visit_create",
     "INSERT INTO admission_visits (admission_id, resident_id, visited_at, visited_by, note) "
     "SELECT a.id, a.resident_id, $2::timestamptz, app_user_id(), $3 FROM admissions a "
     "WHERE a.id = $1::uuid RETURNING id, resident_id, " TS("visited_at") " AS visited_at"},
    {"adm_visit_window",
     "SELECT $2::timestamptz >= admitted_at "
     "  AND (discharged_at IS NULL OR $2::timestamptz <= discharged_at) AS inside "
     "FROM admissions WHERE id = $1::uuid"},
};

static void admissions_register(void)
{
    db_register(adm_stmts, sizeof adm_stmts / sizeof adm_stmts[0]);
}

static json_t *admission_json(const PGresult *r, int i)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", app_jstr(r, i, "id"));
    json_object_set_new(o, "resident_id", app_jstr(r, i, "resident_id"));
    json_object_set_new(o, "resident_name", app_jstr(r, i, "resident_name"));
    json_object_set_new(o, "team_id", app_jstr(r, i, "team_id"));
    json_object_set_new(o, "facility_id", app_jstr(r, i, "facility_id"));
    json_object_set_new(o, "admitted_at", app_jstr(r, i, "admitted_at"));
    json_object_set_new(o, "discharged_at", app_jstr(r, i, "discharged_at"));
    json_object_set_new(o, "ward", app_jstr(r, i, "ward"));
    json_object_set_new(o, "forced", app_jbool(r, i, "forced"));
    json_object_set_new(o, "readmission", app_jbool(r, i, "readmission"));
    json_object_set_new(o, "previous_discharged_at", app_jstr(r, i, "previous_discharged_at"));
    json_object_set_new(o, "bed_days", app_jint(r, i, "bed_days"));
    json_object_set_new(o, "visit_count", app_jint(r, i, "visit_count"));
    json_object_set_new(o, "version", app_jint(r, i, "version"));
    json_object_set_new(
        o, "before",
        json_pack("{s:o, s:o, s:o, s:o}", "days_since_last_held_conversation",
                  app_jint(r, i, "days_since_last_held"), "missed_conversations_30_days",
                  app_jint(r, i, "missed_30d"), "had_kip", app_jbool(r, i, "had_kip"),
                  "intensive_period", app_jbool(r, i, "intensive")));
    return o;
}

static void bad_query(http_request *req, const char *field, const char *reason)
{
    json_t *errors = json_array();
    problem_field(errors, field, reason);
    char detail[160];
    snprintf(detail, sizeof detail, "%s %s.", field, reason);
    problem_send_errors(req, 400, "bad-query", NULL, detail, errors);
}

/* The reply for one admission with its visits. */
static db_outcome reply_admission(app_call *c, const char *id, unsigned status)
{
    const char *p[] = {id};
    PGresult *r = app_exec(c, "adm_get", 1, p);
    PGresult *v = r ? app_exec(c, "adm_visits", 1, p) : NULL;
    if (!v)
        return DB_ROLLBACK;
    if (db_rows(r) != 1)
        return app_fail(c, 404, "not-found", "No such admission.", NULL);
    json_t *o = admission_json(r, 0);
    json_t *visits = json_array();
    for (int i = 0; i < db_rows(v); i++)
        json_array_append_new(visits, json_pack("{s:o, s:o, s:o, s:o, s:o}", "id",
                                                app_jstr(v, i, "id"), "visited_at",
                                                app_jstr(v, i, "visited_at"), "visited_by",
                                                app_jstr(v, i, "visited_by"), "visited_by_name",
                                                app_jstr(v, i, "visited_by_name"), "note",
                                                app_jstr(v, i, "note")));
    json_object_set_new(o, "visits", visits);
    c->etag = arena_printf(c->req->arena, "%s", db_get(r, 0, "version"));
    app_reply(c, status, o);
    return DB_COMMIT;
}

/* ---- POST /api/residents/{id}/admissions ---- */

static const json_field create_fields[] = {
    {.name = "admitted_at", .type = JF_TIMESTAMP, .required = true},
    {.name = "discharged_at", .type = JF_TIMESTAMP, .nullable = true},
    {.name = "ward", .type = JF_STRING, .max_len = 200},
    {.name = "forced", .type = JF_BOOL, .required = true},
};

typedef struct create_ctx {
    const char *resident, *admitted_at, *discharged_at, *ward, *forced;
} create_ctx;

static db_outcome create_tx(app_call *c)
{
    create_ctx *a = c->ctx;
    const char *pr[] = {a->resident};
    PGresult *r = app_exec(c, "adm_resident", 1, pr);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1) {
        return app_refuse(c, "create", "admission", NULL, a->resident, 404, "not-found",
                          "No such resident.", NULL);
    }
    if (!a->discharged_at) {
        PGresult *open = app_exec(c, "adm_open", 1, pr);
        if (!open)
            return DB_ROLLBACK;
        if (db_rows(open) > 0)
            return app_fail(c, 409, "already-admitted",
                            "The resident is already admitted. Record the discharge of that "
                            "admission first.",
                            NULL);
    }
    const char *p[] = {a->resident, a->admitted_at, a->discharged_at, a->ward, a->forced};
    r = app_exec(c, "adm_create", 5, p);
    if (!r)
        return DB_ROLLBACK;
    const char *id = arena_strdup(c->req->arena, db_get(r, 0, "id"));
    app_audit(c, "create", "admission", id, a->resident, "allowed");
    c->location = arena_printf(c->req->arena, "/api/admissions/%s", id);
    return reply_admission(c, id, 201);
}

static void admission_create(http_request *req)
{
    create_ctx a = {0};
    if (!(a.resident = app_param_uuid(req, 0)))
        return;
    json_t *body = app_body(req, create_fields, sizeof create_fields / sizeof create_fields[0]);
    if (!body)
        return;
    a.admitted_at = json_str(body, "admitted_at");
    a.discharged_at = json_str(body, "discharged_at");
    a.ward = json_str(body, "ward") ? json_str(body, "ward") : "";
    a.forced = json_is_true(json_object_get(body, "forced")) ? "true" : "false";
    app_run(req, create_tx, &a, APP_IDEMPOTENT);
}

/* ---- GET /api/admissions/{id} ---- */

static db_outcome get_tx(app_call *c)
{
    const char *id = c->ctx;
    const char *p[] = {id};
    PGresult *r = app_exec(c, "adm_exists", 1, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1) {
        return app_refuse(c, "read", "admission", id, NULL, 404, "not-found", "No such admission.",
                          NULL);
    }
    app_audit(c, "read", "admission", id, db_get(r, 0, "resident_id"), "allowed");
    return reply_admission(c, id, 200);
}

static void admission_get(http_request *req)
{
    const char *id = app_param_uuid(req, 0);
    if (id)
        app_run(req, get_tx, (void *)id, 0);
}

/* ---- PATCH /api/admissions/{id} (discharge) ---- */

static const json_field patch_fields[] = {
    {.name = "discharged_at", .type = JF_TIMESTAMP, .required = true, .nullable = true},
    {.name = "ward", .type = JF_STRING, .max_len = 200},
};

typedef struct patch_ctx {
    const char *id, *version, *discharged_at, *ward;
} patch_ctx;

static db_outcome patch_tx(app_call *c)
{
    patch_ctx *pc = c->ctx;
    const char *p[] = {pc->id, pc->version, pc->discharged_at, pc->ward};
    PGresult *r = app_exec(c, "adm_discharge", 4, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1) {
        PGresult *e = app_exec(c, "adm_exists", 1, p);
        if (!e)
            return DB_ROLLBACK;
        if (db_rows(e) != 1) {
            return app_refuse(c, "update", "admission", pc->id, NULL, 404, "not-found",
                              "No such admission.", NULL);
        }
        PGresult *cur = app_exec(c, "adm_get", 1, p);
        if (!cur)
            return DB_ROLLBACK;
        return app_stale(c, db_rows(cur) == 1 ? admission_json(cur, 0) : NULL);
    }
    app_audit(c, "update", "admission", pc->id, db_get(r, 0, "resident_id"), "allowed");
    return reply_admission(c, pc->id, 200);
}

static void admission_patch(http_request *req)
{
    patch_ctx pc = {0};
    if (!(pc.id = app_param_uuid(req, 0)) || !(pc.version = app_if_match(req)))
        return;
    json_t *body = app_body(req, patch_fields, sizeof patch_fields / sizeof patch_fields[0]);
    if (!body)
        return;
    pc.discharged_at = json_str(body, "discharged_at");
    pc.ward = json_str(body, "ward");
    app_run(req, patch_tx, &pc, 0);
}

/* ---- lists ---- */

typedef struct list_ctx {
    const char *resident, *facility, *team, *from, *to, *after_key, *after_id;
    int limit;
} list_ctx;

static json_t *page_of(const PGresult *r, int limit)
{
    json_t *items = json_array();
    int n = db_rows(r);
    for (int i = 0; i < n && i < limit; i++)
        json_array_append_new(items, admission_json(r, i));
    json_t *next = cursor_next(r, limit, "sort_key");
    return json_pack("{s:o, s:o}", "items", items, "next", next);
}

static db_outcome by_resident_tx(app_call *c)
{
    list_ctx *l = c->ctx;
    const char *pr[] = {l->resident};
    PGresult *r = app_exec(c, "adm_resident", 1, pr);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1) {
        return app_refuse(c, "search", "admission", NULL, l->resident, 404, "not-found",
                          "No such resident.", NULL);
    }
    char lim[16];
    snprintf(lim, sizeof lim, "%d", l->limit);
    const char *p[] = {l->resident, l->after_key, l->after_id, lim, app_access_purpose(c->req)};
    r = app_exec(c, "adm_by_resident", 5, p);
    if (!r)
        return DB_ROLLBACK;
    app_reply(c, 200, page_of(r, l->limit));
    return DB_COMMIT;
}

static void admissions_of_resident(http_request *req)
{
    list_ctx l = {0};
    if (!(l.resident = app_param_uuid(req, 0)))
        return;
    if ((l.limit = app_limit(req)) < 0 || !cursor_parse(req, &l.after_key, &l.after_id))
        return;
    app_run(req, by_resident_tx, &l, 0);
}

static db_outcome list_tx(app_call *c)
{
    list_ctx *l = c->ctx;
    char lim[16];
    snprintf(lim, sizeof lim, "%d", l->limit);
    const char *p[] = {l->facility, l->team,     l->from, l->to,
                       l->after_key, l->after_id, lim,    app_access_purpose(c->req)};
    PGresult *s = app_exec(c, "adm_summary", 4, p);
    PGresult *r = s ? app_exec(c, "adm_list", 8, p) : NULL;
    if (!r)
        return DB_ROLLBACK;
    json_t *o = page_of(r, l->limit);
    json_object_set_new(
        o, "summary",
        json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "admissions", app_jint(s, 0, "admissions"),
                  "forced", app_jint(s, 0, "forced"), "forced_share",
                  db_get(s, 0, "forced_share") ? json_real(atof(db_get(s, 0, "forced_share")))
                                               : json_null(),
                  "readmissions", app_jint(s, 0, "readmissions"), "readmission_rate",
                  db_get(s, 0, "readmission_rate")
                      ? json_real(atof(db_get(s, 0, "readmission_rate")))
                      : json_null(),
                  "bed_days", app_jint(s, 0, "bed_days")));
    app_reply(c, 200, o);
    return DB_COMMIT;
}

static void admissions_list(http_request *req)
{
    list_ctx l = {.facility = http_query(req, "facility"),
                  .team = http_query(req, "team"),
                  .from = http_query(req, "from"),
                  .to = http_query(req, "to")};
    if (!l.facility && !l.team) {
        /* your own organisation */
        const app_identity *who = app_who(req);
        if (who->role_bit & ROLES_FACILITY)
            l.facility = who->org_id;
        else
            l.team = who->org_id;
    }
    if (l.facility && !json_is_uuid(l.facility)) {
        bad_query(req, "facility", "must be a facility id (UUID)");
        return;
    }
    if (l.team && !json_is_uuid(l.team)) {
        bad_query(req, "team", "must be a team id (UUID)");
        return;
    }
    if (!l.from)
        l.from = "-infinity";
    else if (!json_is_date(l.from)) {
        bad_query(req, "from", "must be a date (YYYY-MM-DD)");
        return;
    }
    if (!l.to)
        l.to = "infinity";
    else if (!json_is_date(l.to)) {
        bad_query(req, "to", "must be a date (YYYY-MM-DD)");
        return;
    }
    if ((l.limit = app_limit(req)) < 0 || !cursor_parse(req, &l.after_key, &l.after_id))
        return;
    app_run(req, list_tx, &l, 0);
}

/* ---- POST /api/admissions/{id}/visits ---- */

static const json_field visit_fields[] = {
    {.name = "visited_at", .type = JF_TIMESTAMP, .required = true},
    {.name = "note", .type = JF_TEXT, .max_len = 2000},
};

typedef struct visit_ctx {
    const char *admission, *visited_at, *note;
} visit_ctx;

static db_outcome visit_tx(app_call *c)
{
    visit_ctx *v = c->ctx;
    const char *p[] = {v->admission, v->visited_at, v->note};
    PGresult *w = app_exec(c, "adm_visit_window", 2, p);
    if (!w)
        return DB_ROLLBACK;
    if (db_rows(w) != 1) {
        return app_refuse(c, "create", "admission_visit", NULL, NULL, 404, "not-found",
                          "No such admission.", NULL);
    }
    if (db_get(w, 0, "inside")[0] != 't') {
        json_t *errors = json_array();
        problem_field(errors, "visited_at", "must fall within the admission");
        return app_fail(c, 422, "visit-outside-admission",
                        "A visit to an admitted resident must fall between admission and "
                        "discharge.",
                        errors);
    }
    PGresult *r = app_exec(c, "adm_visit_create", 3, p);
    if (!r)
        return DB_ROLLBACK;
    app_audit(c, "create", "admission_visit", db_get(r, 0, "id"), db_get(r, 0, "resident_id"),
              "allowed");
    c->location = arena_printf(c->req->arena, "/api/admissions/%s", v->admission);
    app_reply(c, 201,
              json_pack("{s:o, s:s, s:o, s:s, s:s}", "id", app_jstr(r, 0, "id"), "admission_id",
                        v->admission, "visited_at", app_jstr(r, 0, "visited_at"), "visited_by",
                        c->who->user_id, "note", v->note));
    return DB_COMMIT;
}

static void admission_visit_create(http_request *req)
{
    visit_ctx v = {0};
    if (!(v.admission = app_param_uuid(req, 0)))
        return;
    json_t *body = app_body(req, visit_fields, sizeof visit_fields / sizeof visit_fields[0]);
    if (!body)
        return;
    v.visited_at = json_str(body, "visited_at");
    v.note = json_str(body, "note") ? json_str(body, "note") : "";
    app_run(req, visit_tx, &v, APP_IDEMPOTENT);
}

/* clang-format off */
static const route adm_route_list[] = {
    {"POST",  "/api/residents/{id}/admissions", admission_create,       ROLES_CARE,     ROUTE_RESIDENT_DATA},
    {"GET",   "/api/residents/{id}/admissions", admissions_of_resident, ROLES_CARE,     ROUTE_RESIDENT_DATA},
    {"GET",   "/api/admissions",                admissions_list,        ROLES_CARE,     ROUTE_RESIDENT_DATA},
    /* {id} is an admission: a refusal by role is audited without a resident */
    {"GET",   "/api/admissions/{id}",           admission_get,          ROLES_CARE,     ROUTE_RESIDENT_DATA},
    {"PATCH", "/api/admissions/{id}",           admission_patch,        ROLES_CARE,     ROUTE_RESIDENT_DATA},
    {"POST",  "/api/admissions/{id}/visits",    admission_visit_create, ROLES_FACILITY, ROUTE_RESIDENT_DATA},
};
/* clang-format on */

const route_table admissions_routes = {adm_route_list,
                                       sizeof adm_route_list / sizeof adm_route_list[0],
                                       admissions_register};
