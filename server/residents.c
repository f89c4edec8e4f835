/*
 * residents: the caseload. Which residents a caller sees is decided by
 * row-level security (team for region staff, facility for facility staff,
 * none for admins); every read writes audit rows in the same statement.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cursor.h"
#include "handlers.h"

/* The audit rows for the residents a statement returns, written by the same statement. */
#define AUDIT_ROWS(action, from, purpose)                                                            \
    "INSERT INTO audit_log (user_id, user_role, org_id, action, resource_type, resource_id, " \
    "  resident_id, team_id, facility_id, purpose, outcome, request_id, client_addr) "        \
    "SELECT app_user_id(), app_role(), app_org_id(), '" action "', 'resident', x.id::text, "  \
    "  x.id, x.team_id, x.facility_id, " purpose ", 'allowed', "                               \
    "  nullif(current_setting('app.request_id', true), ''), "                                 \
    "  nullif(current_setting('app.client_addr', true), '') FROM " from

#define RESIDENT_COLUMNS                                                                      \
    "r.id, r.name, r.date_of_birth, r.facility_id, r.team_id, r.contact_person_id, "          \
    "r.responsible_clinician_id, r.status, r.version, r.created_at, r.updated_at"

static const db_stmt resident_stmts[] = {
    {"residents_list",
     "WITH page AS ("
     "  SELECT " RESIDENT_COLUMNS " FROM residents r "
     "  WHERE ($1::text IS NULL OR (r.name, r.id) > ($1, $2::uuid)) "
     "  ORDER BY r.name, r.id LIMIT $3::integer + 1), "
     "shown AS (SELECT * FROM page ORDER BY name, id LIMIT $3::integer), "
     "audit AS (" AUDIT_ROWS("search", "shown x", "$4") ") "
     "SELECT p.*, cp.name AS contact_person_name, rc.name AS clinician_name, "
     "  f.name AS facility_name, t.name AS team_name "
     "FROM page p LEFT JOIN users cp ON cp.id = p.contact_person_id "
     "LEFT JOIN users rc ON rc.id = p.responsible_clinician_id "
     "JOIN organizations f ON f.id = p.facility_id JOIN organizations t ON t.id = p.team_id "
     "ORDER BY p.name, p.id"},
    {"residents_get",
     "WITH one AS (SELECT " RESIDENT_COLUMNS " FROM residents r WHERE r.id = $1::uuid), "
     "audit AS (" AUDIT_ROWS("read", "one x", "$2") ") "
     "SELECT p.*, cp.name AS contact_person_name, rc.name AS clinician_name, "
     "  f.name AS facility_name, t.name AS team_name "
     "FROM one p LEFT JOIN users cp ON cp.id = p.contact_person_id "
     "LEFT JOIN users rc ON rc.id = p.responsible_clinician_id "
     "JOIN organizations f ON f.id = p.facility_id JOIN organizations t ON t.id = p.team_id"},
};


void residents_register(void)
{
    db_register(resident_stmts, sizeof resident_stmts / sizeof resident_stmts[0]);
}

static json_t *resident_json(const PGresult *r, int i)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", app_jstr(r, i, "id"));
    json_object_set_new(o, "name", app_jstr(r, i, "name"));
    json_object_set_new(o, "date_of_birth", app_jstr(r, i, "date_of_birth"));
    json_object_set_new(o, "facility_id", app_jstr(r, i, "facility_id"));
    json_object_set_new(o, "facility_name", app_jstr(r, i, "facility_name"));
    json_object_set_new(o, "team_id", app_jstr(r, i, "team_id"));
    json_object_set_new(o, "team_name", app_jstr(r, i, "team_name"));
    json_object_set_new(o, "contact_person_id", app_jstr(r, i, "contact_person_id"));
    json_object_set_new(o, "contact_person_name", app_jstr(r, i, "contact_person_name"));
    json_object_set_new(o, "responsible_clinician_id", app_jstr(r, i, "responsible_clinician_id"));
    json_object_set_new(o, "responsible_clinician_name", app_jstr(r, i, "clinician_name"));
    json_object_set_new(o, "status", app_jstr(r, i, "status"));
    json_object_set_new(o, "version", app_jint(r, i, "version"));
    json_object_set_new(o, "updated_at", app_jstr(r, i, "updated_at"));
    return o;
}

/* ---- list ---- */

typedef struct list_ctx {
    const char *after_name, *after_id;
    int limit;
} list_ctx;

static db_outcome list_tx(app_call *c)
{
    list_ctx *l = c->ctx;
    char lim[16];
    snprintf(lim, sizeof lim, "%d", l->limit);
    const char *p[] = {l->after_name, l->after_id, lim, app_access_purpose(c->req)};
    PGresult *r = app_exec(c, "residents_list", 4, p);
    if (!r)
        return DB_ROLLBACK;
    json_t *items = json_array();
    int n = db_rows(r);
    for (int i = 0; i < n && i < l->limit; i++)
        json_array_append_new(items, resident_json(r, i));
    json_t *next = n > l->limit ? cursor_make(db_get(r, l->limit - 1, "name"),
                                              db_get(r, l->limit - 1, "id"))
                                : json_null();
    app_reply(c, 200, json_pack("{s:o, s:o}", "items", items, "next", next));
    return DB_COMMIT;
}

void residents_list(http_request *req)
{
    list_ctx l = {0};
    if ((l.limit = app_limit(req)) < 0 || !cursor_parse(req, &l.after_name, &l.after_id))
        return;
    app_run(req, list_tx, &l, 0);
}

/* ---- one resident ---- */

static db_outcome get_tx(app_call *c)
{
    const char *id = c->ctx;
    const char *p[] = {id, app_access_purpose(c->req)};
    PGresult *r = app_exec(c, "residents_get", 2, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1) {
        /* Unknown or not the caller's: the same answer, and the attempt is recorded. */
        app_audit(c, "read", "resident", id, id, "denied");
        app_fail(c, 404, "not-found", "No such resident.", NULL);
        return DB_COMMIT;
    }
    c->etag = arena_printf(c->req->arena, "%s", db_get(r, 0, "version"));
    app_reply(c, 200, resident_json(r, 0));
    return DB_COMMIT;
}

void residents_get(http_request *req)
{
    const char *id = app_param_uuid(req, 0);
    if (id)
        app_run(req, get_tx, (void *)id, 0);
}
