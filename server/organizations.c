/*
 * organizations: F-ACT teams (region), facilities (municipality) and the
 * operations organisation that runs Samspil. Administrators manage them.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "cursor.h"
#include "handlers.h"

static const db_stmt org_stmts[] = {
    {"org_list",
     "SELECT id, kind, name, address, authority, serving_team_id, created_at "
     "FROM organizations WHERE ($1::text IS NULL OR (name, id) > ($1, $2::uuid)) "
     "ORDER BY name, id LIMIT $3::integer"},
    {"org_get", "SELECT id, kind, name, address, authority, serving_team_id, created_at "
                "FROM organizations WHERE id = $1::uuid"},
    {"org_create",
     "INSERT INTO organizations (kind, name, address, authority, serving_team_id) "
     "SELECT $1, $2, coalesce($3, ''), $4, $5::uuid "
     "WHERE $5::uuid IS NULL OR EXISTS "
     "  (SELECT 1 FROM organizations t WHERE t.id = $5::uuid AND t.kind = 'team') "
     "RETURNING id, kind, name, address, authority, serving_team_id, created_at"},
};

void organizations_register(void)
{
    db_register(org_stmts, sizeof org_stmts / sizeof org_stmts[0]);
}

static json_t *org_json(const PGresult *r, int i)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", app_jstr(r, i, "id"));
    json_object_set_new(o, "kind", app_jstr(r, i, "kind"));
    json_object_set_new(o, "name", app_jstr(r, i, "name"));
    json_object_set_new(o, "address", app_jstr(r, i, "address"));
    json_object_set_new(o, "authority", app_jstr(r, i, "authority"));
    json_object_set_new(o, "serving_team_id", app_jstr(r, i, "serving_team_id"));
    json_object_set_new(o, "created_at", app_jstr(r, i, "created_at"));
    return o;
}

typedef struct list_ctx {
    const char *after_name, *after_id;
    int limit;
} list_ctx;

static db_outcome list_tx(app_call *c)
{
    list_ctx *l = c->ctx;
    char lim[16];
    snprintf(lim, sizeof lim, "%d", l->limit + 1);
    const char *p[] = {l->after_name, l->after_id, lim};
    PGresult *r = app_exec(c, "org_list", 3, p);
    if (!r)
        return DB_ROLLBACK;
    json_t *items = json_array();
    int n = db_rows(r);
    for (int i = 0; i < n && i < l->limit; i++)
        json_array_append_new(items, org_json(r, i));
    json_t *next = cursor_next(r, l->limit, "name");
    app_reply(c, 200, json_pack("{s:o, s:o}", "items", items, "next", next));
    return DB_COMMIT;
}

void organizations_list(http_request *req)
{
    list_ctx l = {0};
    if ((l.limit = app_limit(req)) < 0)
        return;
    if (!cursor_parse(req, &l.after_name, &l.after_id))
        return;
    app_run(req, list_tx, &l, 0);
}

static const char *const org_kinds[] = {"team", "facility", "operations", NULL};
static const json_field org_fields[] = {
    {.name = "kind", .type = JF_ENUM, .required = true, .enum_values = org_kinds},
    {.name = "name", .type = JF_STRING, .required = true, .max_len = 200},
    {.name = "address", .type = JF_STRING, .max_len = 500},
    {.name = "authority", .type = JF_STRING, .required = true, .max_len = 200},
    {.name = "serving_team_id", .type = JF_UUID, .nullable = true},
};

static db_outcome create_tx(app_call *c)
{
    json_t *b = c->ctx;
    const char *kind = json_str(b, "kind");
    const char *team = json_str(b, "serving_team_id");
    if (team && strcmp(kind, "facility") != 0)
        return app_fail_field(c, "serving_team_id", "is only for facilities");
    const char *p[] = {kind, json_str(b, "name"), json_str(b, "address"),
                       json_str(b, "authority"), team};
    PGresult *r = app_exec(c, "org_create", 5, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1)
        return app_fail_field(c, "serving_team_id", "must be an existing F-ACT team");
    c->location = arena_printf(c->req->arena, "/api/organizations/%s", db_get(r, 0, "id"));
    app_reply(c, 201, org_json(r, 0));
    return DB_COMMIT;
}

void organizations_create(http_request *req)
{
    json_t *b = app_body(req, org_fields, sizeof org_fields / sizeof org_fields[0]);
    if (b)
        app_run(req, create_tx, b, APP_IDEMPOTENT);
}

static db_outcome get_tx(app_call *c)
{
    const char *p[] = {c->ctx};
    PGresult *r = app_exec(c, "org_get", 1, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1)
        return app_fail(c, 404, "not-found", "No such organisation.", NULL);
    app_reply(c, 200, org_json(r, 0));
    return DB_COMMIT;
}

void organizations_get(http_request *req)
{
    const char *id = app_param_uuid(req, 0);
    if (id)
        app_run(req, get_tx, (void *)id, 0);
}
