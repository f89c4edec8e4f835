/*
 * kip: the coordinated action plan (koordinerende indsatsplan) of a resident,
 * and its reviews. A KIP is versioned and append-only: every save inserts
 * version n+1 and every version is kept (the app role may only SELECT and
 * INSERT). Either organisation of the resident's pair may save a version.
 *
 * Optimistic concurrency: GET gives ETag "n" (the current version). A save is
 * PUT with If-Match "n" and succeeds only while n is still the newest version
 * (412 with the current plan otherwise, 428 without If-Match). The very first
 * version is created by PUT with If-Match "0" ("there is no plan yet"); GET
 * answers 404 kip-not-found until then.
 *
 * Reviews (kip_reviews) record the outcome measures shown in the outcome
 * report. Every read and write is audited in the same transaction; what a
 * caller sees is decided by row-level security (see 0040_kip.sql).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "jsonw.h"
#include "cursor.h"
#include "handlers.h"
#include "routes.h"

#define KIP_COLUMNS                                                                           \
    "k.id, k.version, k.coordinator_org_id, k.coordinator_user_id, k.status, "               \
    "k.resident_goal, k.goals, k.participants, k.next_review, k.created_by, k.created_at, "  \
    "co.name AS coordinator_org_name, cu.name AS coordinator_user_name, "                   \
    "cb.name AS created_by_name"

#define KIP_JOINS                                                                             \
    "LEFT JOIN organizations co ON co.id = k.coordinator_org_id "                            \
    "LEFT JOIN users cu ON cu.id = k.coordinator_user_id "                                   \
    "LEFT JOIN users cb ON cb.id = k.created_by "

#define REVIEW_COLUMNS                                                                        \
    "v.id, v.reviewed_at, v.in_treatment_contact, v.stable_housing, v.work_or_activity, "    \
    "v.social_network, v.note, v.recorded_by, v.recorded_at"

static const db_stmt kip_stmts[] = {
    /* one row when the caller sees the resident; the KIP columns are NULL without a plan */
    {"kip_current",
     "SELECT r.id AS resident_id, x.* FROM residents r LEFT JOIN LATERAL ("
     "  SELECT " KIP_COLUMNS " FROM kip_versions k " KIP_JOINS
     "  WHERE k.resident_id = r.id ORDER BY k.version DESC LIMIT 1) x ON true "
     "WHERE r.id = $1::uuid"},
    /* version $2 + 1, only while $2 is the newest (0: no plan yet); a concurrent save of the
     * same version loses quietly (no row) instead of failing the transaction */
    {"kip_insert",
     "INSERT INTO kip_versions (resident_id, team_id, facility_id, version, coordinator_org_id, "
     "  coordinator_user_id, status, resident_goal, goals, participants, next_review, "
     "  created_by) "
     "SELECT r.id, r.team_id, r.facility_id, $2::integer + 1, $3::uuid, $4::uuid, $5, $6, "
     "  $7::jsonb, $8::jsonb, $9::date, app_user_id() "
     "FROM residents r WHERE r.id = $1::uuid "
     "  AND coalesce((SELECT max(k.version) FROM kip_versions k "
     "                WHERE k.resident_id = $1::uuid), 0) = $2::integer "
     "ON CONFLICT (resident_id, version) DO NOTHING "
     "RETURNING id"},
    {"kip_get_by_id",
     "SELECT k.resident_id, " KIP_COLUMNS " FROM kip_versions k " KIP_JOINS
     "WHERE k.id = $1::uuid"},
    /* newest first; $2 is the version of the last item of the previous page */
    {"kip_versions",
     "SELECT r.id AS resident_id, x.* FROM residents r LEFT JOIN LATERAL ("
     "  SELECT " KIP_COLUMNS " FROM kip_versions k " KIP_JOINS
     "  WHERE k.resident_id = r.id AND ($2::integer IS NULL OR k.version < $2::integer) "
     "  ORDER BY k.version DESC LIMIT $3::integer + 1) x ON true "
     "WHERE r.id = $1::uuid ORDER BY x.version DESC"},
    {"kip_review_insert",
     "INSERT INTO kip_reviews (resident_id, team_id, facility_id, reviewed_at, "
     "  in_treatment_contact, stable_housing, work_or_activity, social_network, note, "
     "  recorded_by) "
     "SELECT r.id, r.team_id, r.facility_id, $2::date, $3::boolean, $4::boolean, $5::boolean, "
     "  $6::boolean, $7, app_user_id() FROM residents r WHERE r.id = $1::uuid "
     "RETURNING id, reviewed_at, in_treatment_contact, stable_housing, work_or_activity, "
     "  social_network, note, recorded_by, recorded_at"},
    {"kip_reviews",
     "SELECT r.id AS resident_id, x.* FROM residents r LEFT JOIN LATERAL ("
     "  SELECT " REVIEW_COLUMNS " FROM kip_reviews v WHERE v.resident_id = r.id "
     "  AND ($2::date IS NULL OR (v.reviewed_at, v.id) < ($2::date, $3::uuid)) "
     "  ORDER BY v.reviewed_at DESC, v.id DESC LIMIT $4::integer + 1) x ON true "
     "WHERE r.id = $1::uuid ORDER BY x.reviewed_at DESC, x.id DESC"},
};

static void kip_register(void)
{
    db_register(kip_stmts, sizeof kip_stmts / sizeof kip_stmts[0]);
}

/* ---- the structure of a plan ---- */

#define KIP_MAX_GOALS 20
#define KIP_MAX_SUB_GOALS 20
#define KIP_MAX_ACTIONS 30
#define KIP_MAX_PARTICIPANTS 30

static const char *const kip_statuses[] = {"draft", "active", "closed", NULL};
static const char *const goal_statuses[] = {"open", "achieved", "dropped", NULL};
static const char *const action_statuses[] = {"open", "in_progress", "done", "cancelled", NULL};
static const char *const responsible_sides[] = {"municipality", "region", "resident", "other",
                                                NULL};
/* necessary participants (nødvendige deltagere) and those called as needed (efter behov) */
static const char *const necessary_roles[] = {"resident",          "relative",
                                              "outpatient_psychiatry", "substance_treatment",
                                              "general_practitioner", NULL};
static const char *const as_needed_roles[] = {"municipal_support", "contact_person", "mentor",
                                              "housing_support",   "psp",            "job_centre",
                                              NULL};

static const json_field put_fields[] = {
    {.name = "coordinator_org_id", .type = JF_UUID, .required = true},
    {.name = "coordinator_user_id", .type = JF_UUID, .nullable = true},
    {.name = "status", .type = JF_ENUM, .required = true, .enum_values = kip_statuses},
    {.name = "resident_goal", .type = JF_TEXT, .max_len = 4000},
    {.name = "goals", .type = JF_ARRAY, .required = true, .max_len = KIP_MAX_GOALS},
    {.name = "participants", .type = JF_OBJECT, .required = true},
    {.name = "next_review", .type = JF_DATE, .nullable = true},
};

static const json_field goal_fields[] = {
    {.name = "title", .type = JF_STRING, .required = true, .min_len = 1, .max_len = 500},
    {.name = "status", .type = JF_ENUM, .enum_values = goal_statuses},
    {.name = "sub_goals", .type = JF_ARRAY, .max_len = KIP_MAX_SUB_GOALS},
    {.name = "actions", .type = JF_ARRAY, .max_len = KIP_MAX_ACTIONS},
};

static const json_field sub_goal_fields[] = {
    {.name = "title", .type = JF_STRING, .required = true, .min_len = 1, .max_len = 500},
    {.name = "status", .type = JF_ENUM, .enum_values = goal_statuses},
    {.name = "actions", .type = JF_ARRAY, .max_len = KIP_MAX_ACTIONS},
};

static const json_field action_fields[] = {
    {.name = "action", .type = JF_STRING, .required = true, .min_len = 1, .max_len = 1000},
    {.name = "responsible", .type = JF_STRING, .required = true, .min_len = 1, .max_len = 200},
    {.name = "responsible_side", .type = JF_ENUM, .enum_values = responsible_sides},
    {.name = "due_date", .type = JF_DATE, .nullable = true},
    {.name = "status", .type = JF_ENUM, .required = true, .enum_values = action_statuses},
};

static const json_field participants_fields[] = {
    {.name = "necessary", .type = JF_ARRAY, .required = true, .max_len = KIP_MAX_PARTICIPANTS},
    {.name = "as_needed", .type = JF_ARRAY, .required = true, .max_len = KIP_MAX_PARTICIPANTS},
};

static const json_field necessary_fields[] = {
    {.name = "role", .type = JF_ENUM, .required = true, .enum_values = necessary_roles},
    {.name = "name", .type = JF_STRING, .max_len = 200},
    {.name = "organisation", .type = JF_STRING, .max_len = 200},
    {.name = "user_id", .type = JF_UUID, .nullable = true},
};

static const json_field as_needed_fields[] = {
    {.name = "role", .type = JF_ENUM, .required = true, .enum_values = as_needed_roles},
    {.name = "name", .type = JF_STRING, .max_len = 200},
    {.name = "organisation", .type = JF_STRING, .max_len = 200},
    {.name = "user_id", .type = JF_UUID, .nullable = true},
};

#define NF(a) (sizeof(a) / sizeof((a)[0]))

/* Validates obj (at path) against fields, adding errors named "path.field". False when obj is
 * not a valid object. */
static bool check_object(const json_t *obj, const char *path, const json_field *fields,
                         size_t n, json_t *errors)
{
    if (!json_is_object(obj)) {
        problem_field(errors, path, "must be an object");
        return false;
    }
    json_t *local = json_array();
    bool ok = json_validate(obj, fields, n, local);
    size_t i;
    json_t *e;
    json_array_foreach(local, i, e) {
        char name[256];
        snprintf(name, sizeof name, "%s.%s", path, json_str(e, "field"));
        problem_field(errors, name, json_str(e, "reason"));
    }
    json_decref(local);
    return ok;
}

static void check_actions(const json_t *actions, const char *path, json_t *errors)
{
    size_t i;
    json_t *a;
    json_array_foreach(actions, i, a) {
        char p[192];
        snprintf(p, sizeof p, "%s.actions[%zu]", path, i);
        check_object(a, p, action_fields, NF(action_fields), errors);
    }
}

/* The nested structure of goals and participants; the top level was checked by app_body. */
static void check_plan(const json_t *body, json_t *errors)
{
    size_t i, j;
    json_t *g, *s;
    json_array_foreach(json_object_get(body, "goals"), i, g) {
        char p[64];
        snprintf(p, sizeof p, "goals[%zu]", i);
        if (!check_object(g, p, goal_fields, NF(goal_fields), errors))
            continue;
        check_actions(json_object_get(g, "actions"), p, errors);
        json_array_foreach(json_object_get(g, "sub_goals"), j, s) {
            char sp[128];
            snprintf(sp, sizeof sp, "%s.sub_goals[%zu]", p, j);
            if (check_object(s, sp, sub_goal_fields, NF(sub_goal_fields), errors))
                check_actions(json_object_get(s, "actions"), sp, errors);
        }
    }
    const json_t *parts = json_object_get(body, "participants");
    if (!check_object(parts, "participants", participants_fields, NF(participants_fields),
                      errors))
        return;
    json_array_foreach(json_object_get(parts, "necessary"), i, g) {
        char p[64];
        snprintf(p, sizeof p, "participants.necessary[%zu]", i);
        check_object(g, p, necessary_fields, NF(necessary_fields), errors);
    }
    json_array_foreach(json_object_get(parts, "as_needed"), i, g) {
        char p[64];
        snprintf(p, sizeof p, "participants.as_needed[%zu]", i);
        check_object(g, p, as_needed_fields, NF(as_needed_fields), errors);
    }
}

/* ---- replies ---- */

static json_t *kip_json(const PGresult *r, int i)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", app_jstr(r, i, "id"));
    json_object_set_new(o, "resident_id", app_jstr(r, i, "resident_id"));
    json_object_set_new(o, "version", app_jint(r, i, "version"));
    json_object_set_new(o, "coordinator_org_id", app_jstr(r, i, "coordinator_org_id"));
    json_object_set_new(o, "coordinator_org_name", app_jstr(r, i, "coordinator_org_name"));
    json_object_set_new(o, "coordinator_user_id", app_jstr(r, i, "coordinator_user_id"));
    json_object_set_new(o, "coordinator_user_name", app_jstr(r, i, "coordinator_user_name"));
    json_object_set_new(o, "status", app_jstr(r, i, "status"));
    json_object_set_new(o, "resident_goal", app_jstr(r, i, "resident_goal"));
    json_object_set_new(o, "goals", app_jjson(r, i, "goals"));
    json_object_set_new(o, "participants", app_jjson(r, i, "participants"));
    json_object_set_new(o, "next_review", app_jstr(r, i, "next_review"));
    json_object_set_new(o, "created_by", app_jstr(r, i, "created_by"));
    json_object_set_new(o, "created_by_name", app_jstr(r, i, "created_by_name"));
    json_object_set_new(o, "created_at", app_jstr(r, i, "created_at"));
    return o;
}

static json_t *review_json(const PGresult *r, int i, const char *resident_id)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", app_jstr(r, i, "id"));
    json_object_set_new(o, "resident_id", json_string(resident_id));
    json_object_set_new(o, "reviewed_at", app_jstr(r, i, "reviewed_at"));
    json_object_set_new(o, "in_treatment_contact", app_jbool(r, i, "in_treatment_contact"));
    json_object_set_new(o, "stable_housing", app_jbool(r, i, "stable_housing"));
    json_object_set_new(o, "work_or_activity", app_jbool(r, i, "work_or_activity"));
    json_object_set_new(o, "social_network", app_jbool(r, i, "social_network"));
    json_object_set_new(o, "note", app_jstr(r, i, "note"));
    json_object_set_new(o, "recorded_by", app_jstr(r, i, "recorded_by"));
    json_object_set_new(o, "recorded_at", app_jstr(r, i, "recorded_at"));
    return o;
}

/* The same answer for an unknown resident and one the caller may not see; audited. */
static db_outcome resident_hidden(app_call *c, const char *action, const char *type,
                                  const char *resident_id)
{
    return app_refuse(c, action, type, resident_id, resident_id, 404, "not-found",
                      "No such resident.", NULL);
}

/* ---- GET /api/residents/{id}/kip ---- */

static db_outcome current_tx(app_call *c)
{
    const char *rid = c->ctx;
    const char *p[] = {rid};
    PGresult *r = app_exec(c, "kip_current", 1, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1)
        return resident_hidden(c, "read", "kip", rid);
    if (!db_get(r, 0, "id")) {
        app_audit(c, "read", "kip", rid, rid, "allowed");
        app_fail(c, 404, "kip-not-found",
                 "This resident has no KIP yet. Create the first version with PUT and "
                 "If-Match: \"0\".",
                 NULL);
        return DB_COMMIT;
    }
    app_audit(c, "read", "kip", db_get(r, 0, "id"), rid, "allowed");
    c->etag = arena_printf(c->req->arena, "%s", db_get(r, 0, "version"));
    app_reply(c, 200, kip_json(r, 0));
    return DB_COMMIT;
}

static void kip_get(http_request *req)
{
    const char *id = app_param_uuid(req, 0);
    if (id)
        app_run(req, current_tx, (void *)id, 0);
}

/* ---- PUT /api/residents/{id}/kip ---- */

typedef struct put_ctx {
    const char *resident_id;
    const char *if_match;
    json_t *body; /* borrowed */
    char *goals, *participants; /* malloc'd JSON texts */
} put_ctx;

static db_outcome put_tx(app_call *c)
{
    put_ctx *x = c->ctx;
    const json_t *b = x->body;
    const char *p[] = {x->resident_id,
                       x->if_match,
                       json_str(b, "coordinator_org_id"),
                       json_str(b, "coordinator_user_id"),
                       json_str(b, "status"),
                       json_str(b, "resident_goal") ? json_str(b, "resident_goal") : "",
                       x->goals,
                       x->participants,
                       json_str(b, "next_review")};
    PGresult *r = app_exec(c, "kip_insert", 9, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) == 1) {
        const char *new_id = db_get(r, 0, "id");
        const char *q[] = {new_id};
        PGresult *k = app_exec(c, "kip_get_by_id", 1, q);
        if (!k || db_rows(k) != 1)
            return DB_ROLLBACK;
        bool first = strcmp(x->if_match, "0") == 0;
        app_audit(c, first ? "create" : "update", "kip", new_id, x->resident_id, "allowed");
        c->etag = arena_printf(c->req->arena, "%s", db_get(k, 0, "version"));
        if (first)
            c->location = arena_printf(c->req->arena, "/api/residents/%s/kip", x->resident_id);
        app_reply(c, first ? 201 : 200, kip_json(k, 0));
        return DB_COMMIT;
    }
    /* nothing inserted: the resident is not the caller's, or someone saved first */
    const char *q[] = {x->resident_id};
    PGresult *cur = app_exec(c, "kip_current", 1, q);
    if (!cur)
        return DB_ROLLBACK;
    if (db_rows(cur) != 1)
        return resident_hidden(c, "update", "kip", x->resident_id);
    return app_stale(c, db_get(cur, 0, "id") ? kip_json(cur, 0) : NULL);
}

static void kip_put(http_request *req)
{
    const char *id = app_param_uuid(req, 0);
    if (!id)
        return;
    const char *v = app_if_match(req);
    if (!v)
        return;
    json_t *body = app_body(req, put_fields, NF(put_fields));
    if (!body)
        return;
    json_t *errors = json_array();
    check_plan(body, errors);
    if (json_array_size(errors) > 0) {
        char detail[256];
        json_t *first = json_array_get(errors, 0);
        snprintf(detail, sizeof detail, "%s %s%s.", json_str(first, "field"),
                 json_str(first, "reason"),
                 json_array_size(errors) > 1 ? " (and more: see errors)" : "");
        problem_send_errors(req, 422, "validation-failed", "Validation failed", detail, errors);
        return;
    }
    json_decref(errors);
    put_ctx x = {.resident_id = id, .if_match = v, .body = body};
    x.goals = jsonw_dumps(json_object_get(body, "goals"), NULL);
    x.participants = jsonw_dumps(json_object_get(body, "participants"), NULL);
    if (!x.goals || !x.participants)
        problem_send(req, 503, "busy", NULL, "The server is short of memory; try again.");
    else
        app_run(req, put_tx, &x, 0);
    free(x.goals);
    free(x.participants);
}

/* ---- GET /api/residents/{id}/kip/versions ---- */

typedef struct versions_ctx {
    const char *resident_id;
    const char *after_version;
    int limit;
} versions_ctx;

static db_outcome versions_tx(app_call *c)
{
    versions_ctx *l = c->ctx;
    char lim[16];
    snprintf(lim, sizeof lim, "%d", l->limit);
    const char *p[] = {l->resident_id, l->after_version, lim};
    PGresult *r = app_exec(c, "kip_versions", 3, p);
    if (!r)
        return DB_ROLLBACK;
    int n = db_rows(r);
    if (n == 0)
        return resident_hidden(c, "search", "kip", l->resident_id);
    app_audit(c, "search", "kip", l->resident_id, l->resident_id, "allowed");
    json_t *items = json_array();
    for (int i = 0; i < n && i < l->limit; i++)
        if (db_get(r, i, "id"))
            json_array_append_new(items, kip_json(r, i));
    json_t *next = cursor_next(r, l->limit, "version");
    app_reply(c, 200, json_pack("{s:o, s:o}", "items", items, "next", next));
    return DB_COMMIT;
}

static bool all_digits(const char *s)
{
    if (!s || !*s || strlen(s) > 9)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static void bad_cursor(http_request *req)
{
    json_t *errors = json_array();
    problem_field(errors, "cursor", "is not a cursor this server issued");
    problem_send_errors(req, 400, "bad-query", NULL, "The cursor is not valid.", errors);
}

static void kip_versions_list(http_request *req)
{
    versions_ctx l = {.resident_id = app_param_uuid(req, 0)};
    const char *after_id = NULL;
    if (!l.resident_id || (l.limit = app_limit(req)) < 0 ||
        !cursor_parse(req, &l.after_version, &after_id))
        return;
    if (l.after_version && !all_digits(l.after_version)) {
        bad_cursor(req);
        return;
    }
    app_run(req, versions_tx, &l, 0);
}

/* ---- reviews ---- */

static const json_field review_fields[] = {
    {.name = "reviewed_at", .type = JF_DATE, .required = true},
    {.name = "in_treatment_contact", .type = JF_BOOL, .required = true},
    {.name = "stable_housing", .type = JF_BOOL, .required = true},
    {.name = "work_or_activity", .type = JF_BOOL, .required = true},
    {.name = "social_network", .type = JF_BOOL, .required = true},
    {.name = "note", .type = JF_TEXT, .max_len = 4000},
};

typedef struct review_ctx {
    const char *resident_id;
    json_t *body; /* borrowed */
} review_ctx;

static const char *bool_text(const json_t *b, const char *key)
{
    return json_is_true(json_object_get(b, key)) ? "true" : "false";
}

static db_outcome review_tx(app_call *c)
{
    review_ctx *x = c->ctx;
    const json_t *b = x->body;
    const char *p[] = {x->resident_id,
                       json_str(b, "reviewed_at"),
                       bool_text(b, "in_treatment_contact"),
                       bool_text(b, "stable_housing"),
                       bool_text(b, "work_or_activity"),
                       bool_text(b, "social_network"),
                       json_str(b, "note") ? json_str(b, "note") : ""};
    PGresult *r = app_exec(c, "kip_review_insert", 7, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1)
        return resident_hidden(c, "create", "kip_review", x->resident_id);
    const char *id = db_get(r, 0, "id");
    app_audit(c, "create", "kip_review", id, x->resident_id, "allowed");
    c->location = arena_printf(c->req->arena, "/api/residents/%s/kip/reviews/%s",
                               x->resident_id, id);
    app_reply(c, 201, review_json(r, 0, x->resident_id));
    return DB_COMMIT;
}

static void kip_review_create(http_request *req)
{
    review_ctx x = {.resident_id = app_param_uuid(req, 0)};
    if (!x.resident_id || !(x.body = app_body(req, review_fields, NF(review_fields))))
        return;
    app_run(req, review_tx, &x, APP_IDEMPOTENT);
}

typedef struct reviews_ctx {
    const char *resident_id, *after_date, *after_id;
    int limit;
} reviews_ctx;

static db_outcome reviews_tx(app_call *c)
{
    reviews_ctx *l = c->ctx;
    char lim[16];
    snprintf(lim, sizeof lim, "%d", l->limit);
    const char *p[] = {l->resident_id, l->after_date, l->after_id, lim};
    PGresult *r = app_exec(c, "kip_reviews", 4, p);
    if (!r)
        return DB_ROLLBACK;
    int n = db_rows(r);
    if (n == 0)
        return resident_hidden(c, "search", "kip_review", l->resident_id);
    app_audit(c, "search", "kip_review", l->resident_id, l->resident_id, "allowed");
    json_t *items = json_array();
    for (int i = 0; i < n && i < l->limit; i++)
        if (db_get(r, i, "id"))
            json_array_append_new(items, review_json(r, i, l->resident_id));
    json_t *next = cursor_next(r, l->limit, "reviewed_at");
    app_reply(c, 200, json_pack("{s:o, s:o}", "items", items, "next", next));
    return DB_COMMIT;
}

static void kip_reviews_list(http_request *req)
{
    reviews_ctx l = {.resident_id = app_param_uuid(req, 0)};
    if (!l.resident_id || (l.limit = app_limit(req)) < 0 ||
        !cursor_parse(req, &l.after_date, &l.after_id))
        return;
    if (l.after_date && !json_is_date(l.after_date)) {
        bad_cursor(req);
        return;
    }
    app_run(req, reviews_tx, &l, 0);
}

/* clang-format off */
static const route kip_route_list[] = {
    {"GET",  "/api/residents/{id}/kip",          kip_get,           ROLES_CARE, ROUTE_RESIDENT_DATA},
    {"PUT",  "/api/residents/{id}/kip",          kip_put,           ROLES_CARE, ROUTE_RESIDENT_DATA},
    {"GET",  "/api/residents/{id}/kip/versions", kip_versions_list, ROLES_CARE, ROUTE_RESIDENT_DATA},
    {"GET",  "/api/residents/{id}/kip/reviews",  kip_reviews_list,  ROLES_CARE, ROUTE_RESIDENT_DATA},
    {"POST", "/api/residents/{id}/kip/reviews",  kip_review_create, ROLES_CARE, ROUTE_RESIDENT_DATA},
};
/* clang-format on */

const route_table kip_routes = {kip_route_list, sizeof kip_route_list / sizeof kip_route_list[0],
                                kip_register};
