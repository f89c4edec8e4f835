/*
 * audit: reading the audit trail of one resident ("who looked at this
 * resident, when and why"), for the managers of the resident's team and
 * facility; and recording refused attempts on resident data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cursor.h"
#include "handlers.h"

static const db_stmt audit_stmts[] = {
    {"audit_resident_visible", "SELECT id FROM residents WHERE id = $1::uuid"},
    /* every row about the resident: its own reads and changes, and the list reads that showed
     * it (audit_log_seen), newest first with a keyset on (at, id); audit_trail() applies the
     * managers' read policy itself (migration 0060 says why) */
    {"audit_list",
     "SELECT a.id, a.at, to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') "
     "  AS at_key, a.user_id, a.user_name, a.user_role, a.org_id, "
     "  o.name AS org_name, a.action, a.resource_type, a.resource_id, a.purpose, a.outcome, "
     "  a.request_id, a.client_addr, cardinality(a.resident_ids) AS residents_shown "
     "FROM audit_trail($1::uuid, $2::timestamptz, $3::bigint, $4::integer) a "
     "LEFT JOIN organizations o ON o.id = a.org_id "
     "ORDER BY a.at DESC, a.id DESC"},
};

void audit_register(void)
{
    db_register(audit_stmts, sizeof audit_stmts / sizeof audit_stmts[0]);
}

typedef struct list_ctx {
    const char *resident_id;
    const char *before_at;
    const char *before_id;
    int limit;
} list_ctx;

static db_outcome list_tx(app_call *c)
{
    list_ctx *l = c->ctx;
    const char *p1[] = {l->resident_id};
    PGresult *v = app_exec(c, "audit_resident_visible", 1, p1);
    if (!v)
        return DB_ROLLBACK;
    if (db_rows(v) != 1) {
        return app_refuse(c, "read", "audit_log", l->resident_id, l->resident_id, 404, "not-found",
                          "No such resident.", NULL);
    }
    char lim[16];
    snprintf(lim, sizeof lim, "%d", l->limit + 1);
    const char *p[] = {l->resident_id, l->before_at, l->before_id, lim};
    PGresult *r = app_exec(c, "audit_list", 4, p);
    if (!r)
        return DB_ROLLBACK;
    json_t *items = json_array();
    int n = db_rows(r);
    for (int i = 0; i < n && i < l->limit; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "id", app_jint(r, i, "id"));
        json_object_set_new(o, "at", app_jstr(r, i, "at"));
        json_object_set_new(o, "user_id", app_jstr(r, i, "user_id"));
        json_object_set_new(o, "user_name", app_jstr(r, i, "user_name"));
        json_object_set_new(o, "user_role", app_jstr(r, i, "user_role"));
        json_object_set_new(o, "org_id", app_jstr(r, i, "org_id"));
        json_object_set_new(o, "org_name", app_jstr(r, i, "org_name"));
        json_object_set_new(o, "action", app_jstr(r, i, "action"));
        json_object_set_new(o, "resource_type", app_jstr(r, i, "resource_type"));
        json_object_set_new(o, "resource_id", app_jstr(r, i, "resource_id"));
        json_object_set_new(o, "purpose", app_jstr(r, i, "purpose"));
        json_object_set_new(o, "outcome", app_jstr(r, i, "outcome"));
        json_object_set_new(o, "request_id", app_jstr(r, i, "request_id"));
        json_object_set_new(o, "client_addr", app_jstr(r, i, "client_addr"));
        json_object_set_new(o, "residents_shown", app_jint(r, i, "residents_shown"));
        json_array_append_new(items, o);
    }
    json_t *next = json_null();
    if (n > l->limit) {
        /* key "<at>,<id>" of the last row shown; the cursor's id is the resident */
        const char *key = arena_printf(c->req->arena, "%s,%s", db_get(r, l->limit - 1, "at_key"),
                                       db_get(r, l->limit - 1, "id"));
        next = cursor_make(key, l->resident_id);
    }
    app_audit(c, "read", "audit_log", l->resident_id, l->resident_id, "allowed");
    app_reply(c, 200, json_pack("{s:o, s:o}", "items", items, "next", next));
    return DB_COMMIT;
}

void audit_list(http_request *req)
{
    list_ctx l = {0};
    l.resident_id = http_query(req, "resident_id");
    if (!json_is_uuid(l.resident_id)) {
        json_t *errors = json_array();
        problem_field(errors, "resident_id", "is required and must be a UUID");
        problem_send_errors(req, 400, "bad-query", NULL, "Say which resident: ?resident_id=",
                            errors);
        return;
    }
    const char *key = NULL, *rid = NULL;
    if ((l.limit = app_limit(req)) < 0 || !cursor_parse(req, &key, &rid))
        return;
    if (key) {
        /* "<RFC 3339 time>,<id>", as list_tx wrote it */
        const char *comma = strrchr(key, ',');
        char *end = NULL;
        if (comma)
            strtoll(comma + 1, &end, 10);
        if (!comma || comma == key || comma - key > 40 || !comma[1] || *end ||
            strcmp(rid, l.resident_id) != 0) {
            problem_send(req, 400, "bad-query", NULL, "The cursor belongs to another list.");
            return;
        }
        l.before_at = arena_printf(req->arena, "%.*s", (int)(comma - key), key);
        l.before_id = comma + 1;
        if (!json_is_timestamp(l.before_at)) {
            problem_send(req, 400, "bad-query", NULL, "The cursor belongs to another list.");
            return;
        }
    }
    app_run(req, list_tx, &l, 0);
}

/* ---- refused attempts ---- */

static db_outcome denied_tx(app_call *c)
{
    const char *resident_id = c->ctx;
    return app_refuse(c, "read", c->req->route, resident_id, resident_id, 403, "forbidden",
                      "Your role does not give access to resident data here.", NULL);
}

void audit_denied(http_request *req, const char *resident_id)
{
    app_run(req, denied_tx, (void *)resident_id, 0);
}
