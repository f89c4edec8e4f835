/*
 * audit: reading the audit trail of one resident ("who looked at this
 * resident, when and why"), a page at a time and filtered by person, period
 * and action, or grouped over a period (the overview and the resident's right
 * of access), for the managers of the resident's team and facility; and
 * recording refused attempts on resident data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cursor.h"
#include "handlers.h"

static const db_stmt audit_stmts[] = {
    {"audit_resident_visible", "SELECT id FROM residents WHERE id = $1::uuid"},
    /* every row about the resident: its own reads and changes, the list reads that showed
     * it (audit_log_seen) and the report runs of the caller's organisation, newest first
     * with a keyset on (at, id), narrowed by person, period and actions; audit_trail()
     * applies the managers' read policy itself (migrations 0060 and 0063 say why) */
    {"audit_list",
     "SELECT a.id, a.at, to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') "
     "  AS at_key, a.user_id, a.user_name, a.user_role, a.org_id, "
     "  o.name AS org_name, a.action, a.resource_type, a.resource_id, a.purpose, a.outcome, "
     "  a.request_id, a.client_addr, "
     /* a list read over several facilities: a facility's manager counts its own */
     "  CASE WHEN a.facility_ids IS NOT NULL AND (SELECT app_is_facility()) "
     "    THEN (SELECT count(*) FROM unnest(a.facility_ids) f WHERE f = (SELECT app_org_id())) "
     "    ELSE cardinality(a.resident_ids) END AS residents_shown "
     "FROM audit_trail($1::uuid, $2::timestamptz, $3::bigint, $4::integer, $5::uuid, "
     "  $6::date, $7::date, $8::text[]) a "
     "LEFT JOIN organizations o ON o.id = a.org_id "
     "ORDER BY a.at DESC, a.id DESC"},
    /* the same rows over a period, grouped by person, action, what and why */
    {"audit_summary",
     "SELECT s.user_id, s.user_name, s.user_role, s.org_id, o.name AS org_name, s.action, "
     "  s.resource_type, s.purpose, s.outcome, s.times, s.first_at, s.last_at "
     "FROM audit_trail_summary($1::uuid, $2::date, $3::date) s "
     "LEFT JOIN organizations o ON o.id = s.org_id "
     "ORDER BY s.last_at DESC"},
};

void audit_register(void)
{
    db_register(audit_stmts, sizeof audit_stmts / sizeof audit_stmts[0]);
}

/* What a trail request asks for: the resident and the optional filters. */
typedef struct trail_filters {
    const char *resident_id; /* UUID */
    const char *user_id;     /* UUID or NULL: anyone */
    const char *from;        /* first day (YYYY-MM-DD) or NULL */
    const char *to;          /* last day or NULL */
    const char *actions;     /* the ?action= list as given, or NULL: all */
    const char *actions_pg;  /* the same as a PostgreSQL array literal, or NULL */
} trail_filters;

/* The words ?action= takes: the audit actions, and "report" for report runs. */
static const char *const trail_actions[] = {"read",   "search", "create",
                                            "update", "delete", "report"};

static bool bad_query(http_request *req, const char *field, const char *reason)
{
    json_t *errors = json_array();
    problem_field(errors, field, reason);
    char detail[200];
    snprintf(detail, sizeof detail, "%s %s.", field, reason);
    problem_send_errors(req, 400, "bad-query", NULL, detail, errors);
    return false;
}

/* Reads resident_id, user_id, from, to and (when with_actions) action; sends a 400 naming
 * the field and returns false when one is malformed. Arena strings. */
static bool trail_filters_parse(http_request *req, trail_filters *f, bool with_actions)
{
    f->resident_id = http_query(req, "resident_id");
    if (!json_is_uuid(f->resident_id)) {
        json_t *errors = json_array();
        problem_field(errors, "resident_id", "is required and must be a UUID");
        problem_send_errors(req, 400, "bad-query", NULL, "Say which resident: ?resident_id=",
                            errors);
        return false;
    }
    f->user_id = http_query(req, "user_id");
    if (f->user_id && !*f->user_id)
        f->user_id = NULL;
    if (f->user_id && !json_is_uuid(f->user_id))
        return bad_query(req, "user_id", "must be a UUID");
    f->from = http_query(req, "from");
    if (f->from && !*f->from)
        f->from = NULL;
    if (f->from && !json_is_date(f->from))
        return bad_query(req, "from", "must be a date (YYYY-MM-DD)");
    f->to = http_query(req, "to");
    if (f->to && !*f->to)
        f->to = NULL;
    if (f->to && !json_is_date(f->to))
        return bad_query(req, "to", "must be a date (YYYY-MM-DD)");
    if (f->from && f->to && strcmp(f->to, f->from) < 0) /* ISO dates sort as text */
        return bad_query(req, "to", "must be on or after from");
    f->actions = with_actions ? http_query(req, "action") : NULL;
    if (f->actions && !*f->actions)
        f->actions = NULL;
    if (!f->actions)
        return true;
    /* "read,update" -> {read,update}; only known words, so nothing needs quoting */
    size_t len = strlen(f->actions);
    if (len > 64)
        return bad_query(req, "action", "lists too many actions");
    char *pg = arena_alloc(req->arena, len + 3);
    size_t o = 0;
    pg[o++] = '{';
    const char *p = f->actions;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        bool known = false;
        for (size_t i = 0; i < sizeof trail_actions / sizeof trail_actions[0]; i++)
            known |= strlen(trail_actions[i]) == n && strncmp(trail_actions[i], p, n) == 0;
        if (!known)
            return bad_query(req, "action",
                             "must be a comma-separated list of read, search, create, update, "
                             "delete, report");
        if (o > 1)
            pg[o++] = ',';
        memcpy(pg + o, p, n);
        o += n;
        p += n;
        if (*p == ',')
            p++;
    }
    pg[o++] = '}';
    pg[o] = '\0';
    f->actions_pg = pg;
    return true;
}

/* The filters as the cursor carries them, so a page's cursor opens only the same list. */
static const char *trail_fingerprint(http_request *req, const trail_filters *f)
{
    return arena_printf(req->arena, "u=%s;f=%s;t=%s;a=%s", f->user_id ? f->user_id : "-",
                        f->from ? f->from : "-", f->to ? f->to : "-",
                        f->actions_pg ? f->actions_pg : "-");
}

typedef struct list_ctx {
    trail_filters f;
    const char *fingerprint;
    const char *before_at;
    const char *before_id;
    int limit;
} list_ctx;

/* The resident must be one the caller may see; else a refused attempt on the trail. */
static bool resident_visible(app_call *c, const char *resident_id, db_outcome *out)
{
    const char *p1[] = {resident_id};
    PGresult *v = app_exec(c, "audit_resident_visible", 1, p1);
    if (!v) {
        *out = DB_ROLLBACK;
        return false;
    }
    if (db_rows(v) != 1) {
        *out = app_refuse(c, "read", "audit_log", resident_id, resident_id, 404, "not-found",
                          "No such resident.", NULL);
        return false;
    }
    return true;
}

static db_outcome list_tx(app_call *c)
{
    list_ctx *l = c->ctx;
    db_outcome out;
    if (!resident_visible(c, l->f.resident_id, &out))
        return out;
    char lim[16];
    snprintf(lim, sizeof lim, "%d", l->limit + 1);
    const char *p[] = {l->f.resident_id, l->before_at, l->before_id, lim,
                       l->f.user_id,     l->f.from,     l->f.to,     l->f.actions_pg};
    PGresult *r = app_exec(c, "audit_list", 8, p);
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
        /* key "<filters>|<at>,<id>" of the last row shown; the cursor's id is the resident */
        const char *key =
            arena_printf(c->req->arena, "%s|%s,%s", l->fingerprint,
                         db_get(r, l->limit - 1, "at_key"), db_get(r, l->limit - 1, "id"));
        next = cursor_make(key, l->f.resident_id);
    }
    app_audit(c, "read", "audit_log", l->f.resident_id, l->f.resident_id, "allowed");
    app_reply(c, 200, json_pack("{s:o, s:o}", "items", items, "next", next));
    return DB_COMMIT;
}

void audit_list(http_request *req)
{
    list_ctx l = {0};
    if (!trail_filters_parse(req, &l.f, true))
        return;
    l.fingerprint = trail_fingerprint(req, &l.f);
    const char *key = NULL, *rid = NULL;
    if ((l.limit = app_limit(req)) < 0 || !cursor_parse(req, &key, &rid))
        return;
    if (key) {
        /* "<filters>|<RFC 3339 time>,<id>", as list_tx wrote it: the same resident and
         * filters */
        const char *bar = strrchr(key, '|');
        const char *comma = strrchr(key, ',');
        size_t fl = strlen(l.fingerprint);
        char *end = NULL;
        if (comma)
            strtoll(comma + 1, &end, 10);
        if (!bar || (size_t)(bar - key) != fl || strncmp(key, l.fingerprint, fl) != 0 ||
            !comma || comma < bar || comma - bar - 1 > 40 || comma == bar + 1 || !comma[1] ||
            *end || strcmp(rid, l.f.resident_id) != 0) {
            problem_send(req, 400, "bad-query", NULL, "The cursor belongs to another list.");
            return;
        }
        l.before_at = arena_printf(req->arena, "%.*s", (int)(comma - bar - 1), bar + 1);
        l.before_id = comma + 1;
        if (!json_is_timestamp(l.before_at)) {
            problem_send(req, 400, "bad-query", NULL, "The cursor belongs to another list.");
            return;
        }
    }
    app_run(req, list_tx, &l, 0);
}

/* ---- the trail grouped: the overview and the resident's right of access ---- */

static db_outcome summary_tx(app_call *c)
{
    trail_filters *f = c->ctx;
    db_outcome out;
    if (!resident_visible(c, f->resident_id, &out))
        return out;
    const char *p[] = {f->resident_id, f->from, f->to};
    PGresult *r = app_exec(c, "audit_summary", 3, p);
    if (!r)
        return DB_ROLLBACK;
    json_t *items = json_array();
    for (int i = 0; i < db_rows(r); i++) {
        json_t *o = json_object();
        json_object_set_new(o, "user_id", app_jstr(r, i, "user_id"));
        json_object_set_new(o, "user_name", app_jstr(r, i, "user_name"));
        json_object_set_new(o, "user_role", app_jstr(r, i, "user_role"));
        json_object_set_new(o, "org_id", app_jstr(r, i, "org_id"));
        json_object_set_new(o, "org_name", app_jstr(r, i, "org_name"));
        json_object_set_new(o, "action", app_jstr(r, i, "action"));
        json_object_set_new(o, "resource_type", app_jstr(r, i, "resource_type"));
        json_object_set_new(o, "purpose", app_jstr(r, i, "purpose"));
        json_object_set_new(o, "outcome", app_jstr(r, i, "outcome"));
        json_object_set_new(o, "times", app_jint(r, i, "times"));
        json_object_set_new(o, "first_at", app_jstr(r, i, "first_at"));
        json_object_set_new(o, "last_at", app_jstr(r, i, "last_at"));
        json_array_append_new(items, o);
    }
    /* reading the trail, grouped or not, is itself on the trail */
    app_audit(c, "read", "audit_log", f->resident_id, f->resident_id, "allowed");
    json_t *filters = json_pack("{s:o, s:o}", "from", f->from ? json_string(f->from) : json_null(),
                                "to", f->to ? json_string(f->to) : json_null());
    app_reply(c, 200, json_pack("{s:o, s:o}", "items", items, "filters", filters));
    return DB_COMMIT;
}

void audit_summary(http_request *req)
{
    trail_filters f = {0};
    if (!trail_filters_parse(req, &f, false))
        return;
    app_run(req, summary_tx, &f, 0);
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
