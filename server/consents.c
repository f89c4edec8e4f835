/*
 * consents: the resident's consents (samtykke), one model for data sharing
 * and for who may take part in conversations. Append-only: recording a
 * consent or its withdrawal adds a row; the current state of a kind is its
 * latest row (consent_in_force() in migration 0003), so a withdrawal takes
 * effect at once, everywhere the database asks. Both organisations of the
 * pair may record; every read and write is audited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "jsonw.h"
#include "consents.h"
#include "handlers.h"
#include "routes.h"

#define RFC3339(x) "to_char((" x ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

#define CONSENT_COLUMNS                                                                       \
    "c.id, c.resident_id, c.kind, c.granted, c.scope_note, to_json(c.partners) AS partners, "  \
    "c.valid_until, c.recorded_by, " RFC3339("c.recorded_at") " AS recorded_at, "             \
    "(SELECT u.name FROM users u WHERE u.id = c.recorded_by) AS recorded_by_name"

bool consents_share_granted(const char *share_state)
{
    return share_state && strcmp(share_state, "granted") == 0;
}

void consents_set_hidden(json_t *o, const char *share_state)
{
    const char *state = share_state ? share_state : "none";
    const char *day = strchr(state, ' ');
    json_object_set_new(o, "summary_hidden_reason", json_string("no_consent"));
    json_object_set_new(o, "summary_consent_state",
                        day ? json_stringn(state, (size_t)(day - state)) : json_string(state));
    json_object_set_new(o, "summary_hidden_since", day ? json_string(day + 1) : json_null());
}

void consents_set_shown(json_t *o)
{
    json_object_set_new(o, "summary_consent_state", json_null());
    json_object_set_new(o, "summary_hidden_since", json_null());
}

void consents_write_summary_state(jsonw *w, bool hidden, const char *share_state)
{
    jsonw_key(w, "summary_hidden_reason");
    if (!hidden) {
        jsonw_null(w);
        jsonw_key(w, "summary_consent_state");
        jsonw_null(w);
        jsonw_key(w, "summary_hidden_since");
        jsonw_null(w);
        return;
    }
    const char *state = share_state ? share_state : "none";
    const char *day = strchr(state, ' ');
    jsonw_string(w, "no_consent");
    jsonw_key(w, "summary_consent_state");
    if (day)
        jsonw_stringn(w, state, (size_t)(day - state));
    else
        jsonw_string(w, state);
    jsonw_key(w, "summary_hidden_since");
    jsonw_string(w, day ? day + 1 : NULL);
}

static const db_stmt consent_stmts[] = {
    {"consents_resident", "SELECT id FROM residents WHERE id = $1::uuid"},
    {"consents_insert",
     "WITH c AS (INSERT INTO consents (resident_id, kind, granted, scope_note, partners, "
     "  valid_until, recorded_by) "
     "  VALUES ($1::uuid, $2, $3::boolean, coalesce($4, ''), "
     "    ARRAY(SELECT btrim(x) FROM json_array_elements_text(coalesce($5, '[]')::json) x), "
     "    $6::date, app_user_id()) RETURNING *) "
     "SELECT " CONSENT_COLUMNS " FROM c"},
    /* the state of each kind: none (never recorded), granted, expired (granted, but past
     * valid_until), refused (never granted) or withdrawn (granted before, not now) */
    {"consents_current",
     "SELECT k.kind, consent_in_force($1::uuid, k.kind) AS in_force, "
     "  CASE WHEN c.id IS NULL THEN 'none' "
     "       WHEN c.granted AND (c.valid_until IS NULL OR c.valid_until >= current_date) "
     "         THEN 'granted' "
     "       WHEN c.granted THEN 'expired' "
     "       WHEN EXISTS (SELECT 1 FROM consents e WHERE e.resident_id = $1::uuid "
     "                     AND e.kind = k.kind AND e.granted) THEN 'withdrawn' "
     "       ELSE 'refused' END AS state, "
     "  c.id, c.resident_id, c.granted, c.scope_note, to_json(c.partners) AS partners, c.valid_until, "
     "  c.recorded_by, " RFC3339("c.recorded_at") " AS recorded_at, u.name AS recorded_by_name "
     "FROM unnest(ARRAY['share_summary_with_facility', 'relatives_may_attend', "
     "                  'partners_may_attend']) WITH ORDINALITY AS k(kind, n) "
     "LEFT JOIN LATERAL (SELECT * FROM consents x WHERE x.resident_id = $1::uuid "
     "  AND x.kind = k.kind ORDER BY x.recorded_at DESC, x.id DESC LIMIT 1) c ON true "
     "LEFT JOIN users u ON u.id = c.recorded_by "
     "ORDER BY k.n"},
    {"consents_history",
     "SELECT " CONSENT_COLUMNS " FROM consents c WHERE c.resident_id = $1::uuid "
     "ORDER BY c.recorded_at DESC, c.id DESC"},
};

static void consents_register(void)
{
    db_register(consent_stmts, sizeof consent_stmts / sizeof consent_stmts[0]);
}

static json_t *consent_json(const PGresult *r, int i)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", app_jstr(r, i, "id"));
    json_object_set_new(o, "resident_id", app_jstr(r, i, "resident_id"));
    json_object_set_new(o, "kind", app_jstr(r, i, "kind"));
    json_object_set_new(o, "granted", app_jbool(r, i, "granted"));
    json_object_set_new(o, "scope_note", app_jstr(r, i, "scope_note"));
    json_object_set_new(o, "partners", app_jjson(r, i, "partners"));
    json_object_set_new(o, "valid_until", app_jstr(r, i, "valid_until"));
    json_object_set_new(o, "recorded_by", app_jstr(r, i, "recorded_by"));
    json_object_set_new(o, "recorded_by_name", app_jstr(r, i, "recorded_by_name"));
    json_object_set_new(o, "recorded_at", app_jstr(r, i, "recorded_at"));
    return o;
}

/* Whether the resident is one the caller may see; audits and replies 404 when not. */
static bool resident_visible(app_call *c, const char *id, const char *action)
{
    const char *p[] = {id};
    PGresult *r = app_exec(c, "consents_resident", 1, p);
    if (r && db_rows(r) == 1)
        return true;
    if (r)
        app_refuse(c, action, "consent", id, id, 404, "not-found", "No such resident.", NULL);
    return false;
}

/* ---- record ---- */

static const char *const kinds[] = {"share_summary_with_facility", "relatives_may_attend",
                                    "partners_may_attend", NULL};

static const json_field record_fields[] = {
    {.name = "kind", .type = JF_ENUM, .required = true, .enum_values = kinds},
    {.name = "granted", .type = JF_BOOL, .required = true},
    {.name = "scope_note", .type = JF_TEXT, .max_len = 2000, .nullable = true},
    {.name = "partners", .type = JF_ARRAY, .max_len = 20, .nullable = true},
    {.name = "valid_until", .type = JF_DATE, .nullable = true},
};

typedef struct record_ctx {
    const char *resident_id;
    json_t *body;
    const char *partners; /* JSON text of the partner names, or NULL */
} record_ctx;

static db_outcome record_tx(app_call *c)
{
    record_ctx *w = c->ctx;
    if (!resident_visible(c, w->resident_id, "create"))
        return db_tx_error(c->tx) ? DB_ROLLBACK : DB_COMMIT;
    const char *p[] = {w->resident_id,
                       json_str(w->body, "kind"),
                       json_is_true(json_object_get(w->body, "granted")) ? "true" : "false",
                       json_str(w->body, "scope_note"),
                       w->partners,
                       json_str(w->body, "valid_until")};
    PGresult *r = app_exec(c, "consents_insert", 6, p);
    if (!r)
        return DB_ROLLBACK;
    app_audit(c, "create", "consent", db_get(r, 0, "id"), w->resident_id, "allowed");
    c->location = arena_printf(c->req->arena, "/api/residents/%s/consents", w->resident_id);
    app_reply(c, 201, consent_json(r, 0));
    return DB_COMMIT;
}

static bool fail_field(http_request *req, const char *field, const char *reason)
{
    json_t *errors = json_array();
    problem_field(errors, field, reason);
    char detail[256];
    snprintf(detail, sizeof detail, "%s %s.", field, reason);
    problem_send_errors(req, 422, "validation-failed", "Validation failed", detail, errors);
    return false;
}

/* Checks what the field list cannot; false after sending a 422. */
static bool record_valid(http_request *req, record_ctx *w)
{
    json_t *b = w->body;
    bool granted = json_is_true(json_object_get(b, "granted"));
    json_t *partners = json_object_get(b, "partners");
    if (partners && json_array_size(partners) > 0) {
        if (strcmp(json_str(b, "kind"), "partners_may_attend") != 0)
            return fail_field(req, "partners", "may only be named in a partners_may_attend consent");
        size_t i;
        json_t *v;
        json_array_foreach(partners, i, v) {
            long len = json_is_string(v) ? json_utf8_len(json_string_value(v)) : -1;
            if (len < 1 || len > 200)
                return fail_field(req, "partners", "must be names of 1 to 200 characters");
        }
        char *text = jsonw_dumps(partners, NULL);
        w->partners = arena_strdup(req->arena, text);
        free(text);
    }
    const char *until = json_str(b, "valid_until");
    if (until) {
        if (!granted)
            return fail_field(req, "valid_until", "applies only to a consent that is granted");
        char today[16];
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        strftime(today, sizeof today, "%Y-%m-%d", &tm);
        if (strcmp(until, today) < 0)
            return fail_field(req, "valid_until", "must not be in the past");
    }
    return true;
}

static void consents_record(http_request *req)
{
    record_ctx w = {0};
    if (!(w.resident_id = app_param_uuid(req, 0)))
        return;
    w.body = app_body(req, record_fields, sizeof record_fields / sizeof record_fields[0]);
    if (!w.body || !record_valid(req, &w))
        return;
    app_run(req, record_tx, &w, APP_IDEMPOTENT);
}

/* ---- current state and history ---- */

static db_outcome list_tx(app_call *c)
{
    const char *id = c->ctx;
    if (!resident_visible(c, id, "read"))
        return db_tx_error(c->tx) ? DB_ROLLBACK : DB_COMMIT;
    const char *p[] = {id};
    PGresult *cur = app_exec(c, "consents_current", 1, p);
    PGresult *hist = cur ? app_exec(c, "consents_history", 1, p) : NULL;
    if (!hist)
        return DB_ROLLBACK;
    json_t *current = json_array();
    for (int i = 0; i < db_rows(cur); i++) {
        json_t *o = json_object();
        json_object_set_new(o, "kind", app_jstr(cur, i, "kind"));
        json_object_set_new(o, "state", app_jstr(cur, i, "state"));
        json_object_set_new(o, "in_force", app_jbool(cur, i, "in_force"));
        json_object_set_new(o, "latest", db_get(cur, i, "id") ? consent_json(cur, i) : json_null());
        json_t *latest = json_object_get(o, "latest");
        if (json_is_object(latest))
            json_object_set_new(latest, "kind", app_jstr(cur, i, "kind"));
        json_array_append_new(current, o);
    }
    json_t *history = json_array();
    for (int i = 0; i < db_rows(hist); i++)
        json_array_append_new(history, consent_json(hist, i));
    app_audit(c, "read", "consent", id, id, "allowed");
    app_reply(c, 200, json_pack("{s:s, s:o, s:o}", "resident_id", id, "current", current,
                                "history", history));
    return DB_COMMIT;
}

static void consents_list(http_request *req)
{
    const char *id = app_param_uuid(req, 0);
    if (id)
        app_run(req, list_tx, (void *)id, 0);
}

/* clang-format off */
static const route consent_route_list[] = {
    {"POST", "/api/residents/{id}/consents", consents_record, ROLES_CARE, ROUTE_RESIDENT_DATA},
    {"GET",  "/api/residents/{id}/consents", consents_list,   ROLES_CARE, ROUTE_RESIDENT_DATA},
};
/* clang-format on */

const route_table consents_routes = {
    consent_route_list, sizeof consent_route_list / sizeof consent_route_list[0],
    consents_register};
