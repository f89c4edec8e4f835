/*
 * users: accounts, managed by administrators. Create, list, and change
 * (rename, move, change role, deactivate, reset password). Deactivation, a
 * password reset and a role or organisation change bump the account's session
 * version, so every token issued before stops working at once.
 *
 * Colleagues: care staff read the active accounts of their own organisation and its
 * partners (id, name, role, organisation only) to name who took part or who is the contact;
 * which accounts those are is decided by the users_colleagues policy, not here.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cursor.h"
#include "handlers.h"

#define USER_COLUMNS "id, email, name, role, org_id, active, created_at, updated_at"

static const db_stmt user_stmts[] = {
    {"users_list",
     "SELECT " USER_COLUMNS " FROM users "
     "WHERE ($1::text IS NULL OR (name, id) > ($1, $2::uuid)) "
     "  AND ($4::uuid IS NULL OR org_id = $4::uuid) "
     "ORDER BY name, id LIMIT $3::integer"},
    {"users_get", "SELECT " USER_COLUMNS " FROM users WHERE id = $1::uuid"},
    {"users_colleagues",
     "SELECT u.id, u.name, u.role, u.org_id, o.name AS org_name "
     "FROM users u JOIN organizations o ON o.id = u.org_id "
     "WHERE u.active AND u.role <> 'admin' "
     "  AND ($1::text IS NULL OR (u.name, u.id) > ($1, $2::uuid)) "
     "  AND ($4::uuid IS NULL OR u.org_id = $4::uuid) "
     "ORDER BY u.name, u.id LIMIT $3::integer"},
    {"users_create",
     "INSERT INTO users (email, name, role, org_id, password_hash) "
     "VALUES (lower($1), $2, $3, $4::uuid, $5) RETURNING " USER_COLUMNS},
    /* Two statements because the application role may write password_hash but never read
     * it, and any mention of the column on the right-hand side is a read. */
    {"users_update",
     "UPDATE users u SET name = coalesce($2, u.name), role = coalesce($3, u.role), "
     "  org_id = coalesce($4::uuid, u.org_id), active = coalesce($5::boolean, u.active), "
     "  session_version = u.session_version + CASE WHEN (u.active AND $5::boolean = false) "
     "    OR $3 <> u.role OR $4::uuid <> u.org_id THEN 1 ELSE 0 END, "
     "  updated_at = now() "
     "WHERE u.id = $1::uuid RETURNING " USER_COLUMNS},
    {"users_update_password",
     "UPDATE users u SET name = coalesce($2, u.name), role = coalesce($3, u.role), "
     "  org_id = coalesce($4::uuid, u.org_id), active = coalesce($5::boolean, u.active), "
     "  password_hash = $6, session_version = u.session_version + 1, updated_at = now() "
     "WHERE u.id = $1::uuid RETURNING " USER_COLUMNS},
};

void users_register(void)
{
    db_register(user_stmts, sizeof user_stmts / sizeof user_stmts[0]);
}

static json_t *user_json(const PGresult *r, int i)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", app_jstr(r, i, "id"));
    json_object_set_new(o, "email", app_jstr(r, i, "email"));
    json_object_set_new(o, "name", app_jstr(r, i, "name"));
    json_object_set_new(o, "role", app_jstr(r, i, "role"));
    json_object_set_new(o, "org_id", app_jstr(r, i, "org_id"));
    json_object_set_new(o, "active", app_jbool(r, i, "active"));
    json_object_set_new(o, "created_at", app_jstr(r, i, "created_at"));
    json_object_set_new(o, "updated_at", app_jstr(r, i, "updated_at"));
    return o;
}

/* ---- list: accounts for the admin, colleagues for care staff ---- */

/* A colleague: who they are and where they work, nothing else (no e-mail). */
static json_t *colleague_json(const PGresult *r, int i)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o}", "id", app_jstr(r, i, "id"), "name",
                     app_jstr(r, i, "name"), "role", app_jstr(r, i, "role"), "org_id",
                     app_jstr(r, i, "org_id"), "org_name", app_jstr(r, i, "org_name"));
}

typedef struct list_ctx {
    const char *stmt; /* users_list or users_colleagues: same parameters, ordered by name */
    json_t *(*item)(const PGresult *r, int i);
    const char *after_name, *after_id, *org_id;
    int limit;
} list_ctx;

static db_outcome list_tx(app_call *c)
{
    list_ctx *l = c->ctx;
    char lim[16];
    snprintf(lim, sizeof lim, "%d", l->limit + 1);
    const char *p[] = {l->after_name, l->after_id, lim, l->org_id};
    PGresult *r = app_exec(c, l->stmt, 4, p);
    if (!r)
        return DB_ROLLBACK;
    json_t *items = json_array();
    int n = db_rows(r);
    for (int i = 0; i < n && i < l->limit; i++)
        json_array_append_new(items, l->item(r, i));
    json_t *next = cursor_next(r, l->limit, "name");
    app_reply(c, 200, json_pack("{s:o, s:o}", "items", items, "next", next));
    return DB_COMMIT;
}

/* A page of accounts, narrowed by ?org_id=; which rows exist is the users policies' say. */
static void list_page(http_request *req, const char *stmt,
                      json_t *(*item)(const PGresult *r, int i))
{
    list_ctx l = {.stmt = stmt, .item = item};
    if ((l.limit = app_limit(req)) < 0 || !cursor_parse(req, &l.after_name, &l.after_id))
        return;
    l.org_id = http_query(req, "org_id");
    if (l.org_id && !json_is_uuid(l.org_id)) {
        json_t *errors = json_array();
        problem_field(errors, "org_id", "must be a UUID");
        problem_send_errors(req, 400, "bad-query", NULL, "org_id must be a UUID.", errors);
        return;
    }
    app_run(req, list_tx, &l, 0);
}

void users_list(http_request *req)
{
    list_page(req, "users_list", user_json);
}

void users_colleagues(http_request *req)
{
    list_page(req, "users_colleagues", colleague_json);
}

/* ---- create and update ---- */

static const char *const roles[] = {"region_clinician", "region_manager", "facility_staff",
                                    "facility_manager", "admin", NULL};

#define PASSWORD_MIN 10

/* Hashes the password member, if any, into an arena string; false after sending a 422. */
static bool hash_password(http_request *req, json_t *body, const char **hash)
{
    *hash = NULL;
    const char *pw = json_str(body, "password");
    if (!pw)
        return true;
    if (json_utf8_len(pw) < PASSWORD_MIN) {
        json_t *errors = json_array();
        problem_field(errors, "password", "must be at least 10 characters");
        problem_send_errors(req, 422, "validation-failed", "Validation failed",
                            "password must be at least 10 characters.", errors);
        return false;
    }
    char *out = arena_alloc(req->arena, crypto_pwhash_STRBYTES);
    if (crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        problem_send(req, 503, "busy", NULL, "The server is short of memory; try again.");
        return false;
    }
    *hash = out;
    return true;
}

static const json_field create_fields[] = {
    {.name = "email", .type = JF_EMAIL, .required = true},
    {.name = "name", .type = JF_STRING, .required = true, .max_len = 200},
    {.name = "role", .type = JF_ENUM, .required = true, .enum_values = roles},
    {.name = "org_id", .type = JF_UUID, .required = true},
    {.name = "password", .type = JF_STRING, .max_len = 1024, .nullable = true},
};

typedef struct write_ctx {
    json_t *body;
    const char *hash;
    const char *id;
} write_ctx;

static db_outcome create_tx(app_call *c)
{
    write_ctx *w = c->ctx;
    const char *p[] = {json_str(w->body, "email"), json_str(w->body, "name"),
                       json_str(w->body, "role"), json_str(w->body, "org_id"), w->hash};
    PGresult *r = app_exec(c, "users_create", 5, p);
    if (!r)
        return DB_ROLLBACK;
    c->location = arena_printf(c->req->arena, "/api/users/%s", db_get(r, 0, "id"));
    app_reply(c, 201, user_json(r, 0));
    return DB_COMMIT;
}

void users_create(http_request *req)
{
    write_ctx w = {0};
    w.body = app_body(req, create_fields, sizeof create_fields / sizeof create_fields[0]);
    if (!w.body || !hash_password(req, w.body, &w.hash))
        return;
    app_run(req, create_tx, &w, APP_IDEMPOTENT);
}

static const json_field update_fields[] = {
    {.name = "name", .type = JF_STRING, .max_len = 200},
    {.name = "role", .type = JF_ENUM, .enum_values = roles},
    {.name = "org_id", .type = JF_UUID},
    {.name = "active", .type = JF_BOOL},
    {.name = "password", .type = JF_STRING, .max_len = 1024},
};

static db_outcome update_tx(app_call *c)
{
    write_ctx *w = c->ctx;
    json_t *active = json_object_get(w->body, "active");
    if (strcmp(w->id, c->who->user_id) == 0 &&
        ((active && json_is_false(active)) || json_object_get(w->body, "role")))
        return app_fail(c, 422, "cannot-change-own-account",
                        "Administrators cannot deactivate themselves or change their own "
                        "role; ask another administrator.",
                        json_pack("[{s:s, s:s}]", "field",
                                  json_object_get(w->body, "role") ? "role" : "active", "reason",
                                  "cannot be changed on your own account"));
    const char *p[] = {w->id,
                       json_str(w->body, "name"),
                       json_str(w->body, "role"),
                       json_str(w->body, "org_id"),
                       active ? (json_is_true(active) ? "true" : "false") : NULL,
                       w->hash};
    PGresult *r = w->hash ? app_exec(c, "users_update_password", 6, p)
                          : app_exec(c, "users_update", 5, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1)
        return app_fail(c, 404, "not-found", "No such user.", NULL);
    app_reply(c, 200, user_json(r, 0));
    return DB_COMMIT;
}

void users_update(http_request *req)
{
    write_ctx w = {0};
    if (!(w.id = app_param_uuid(req, 0)))
        return;
    w.body = app_body(req, update_fields, sizeof update_fields / sizeof update_fields[0]);
    if (!w.body || !hash_password(req, w.body, &w.hash))
        return;
    if (json_object_size(w.body) == 0) {
        app_send_nothing_to_change(req);
        return;
    }
    app_run(req, update_tx, &w, 0);
}

static db_outcome get_tx(app_call *c)
{
    const char *p[] = {c->ctx};
    PGresult *r = app_exec(c, "users_get", 1, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1)
        return app_fail(c, 404, "not-found", "No such user.", NULL);
    app_reply(c, 200, user_json(r, 0));
    return DB_COMMIT;
}

void users_get(http_request *req)
{
    const char *id = app_param_uuid(req, 0);
    if (id)
        app_run(req, get_tx, (void *)id, 0);
}
