/*
 * app: the transaction runner with identity, error mapping, audit and
 * idempotency; see app.h.
 */
#include "app.h"
#include "jsonw.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

app_state app;

static const db_stmt app_stmts[] = {
    {"app_begin", "SELECT app_begin($1::uuid, $2, $3::uuid, $4::integer, $5, $6)"},
    {"app_begin_anonymous", "SELECT app_begin_anonymous($1, $2)"},
    {"audit_write", "SELECT audit_write($1, $2, $3, $4::uuid, $5, $6)"},
    {"idem_claim",
     "INSERT INTO idempotency_keys (user_id, key, route, request_hash) "
     "VALUES (app_user_id(), $1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1"},
    {"idem_get",
     "SELECT route, request_hash, status, response FROM idempotency_keys "
     "WHERE user_id = app_user_id() AND key = $1"},
    {"idem_store",
     "UPDATE idempotency_keys SET status = $2::integer, response = $3 "
     "WHERE user_id = app_user_id() AND key = $1"},
};

void app_register_app_statements(void);
void app_register_app_statements(void)
{
    db_register(app_stmts, sizeof app_stmts / sizeof app_stmts[0]);
}

const app_identity *app_who(http_request *req)
{
    app_request *ar = req->ctx;
    return ar && ar->authenticated ? &ar->who : NULL;
}

unsigned app_role_bit(const char *role)
{
    static const struct {
        const char *name;
        unsigned bit;
    } roles[] = {
        {"region_clinician", ROLE_REGION_CLINICIAN}, {"region_manager", ROLE_REGION_MANAGER},
        {"facility_staff", ROLE_FACILITY_STAFF},     {"facility_manager", ROLE_FACILITY_MANAGER},
        {"admin", ROLE_ADMIN},
    };
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (role && strcmp(role, roles[i].name) == 0)
            return roles[i].bit;
    return 0;
}

void app_rfc3339(long epoch, char *buf, size_t len)
{
    time_t t = (time_t)epoch;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- replies ---- */

/* Drops a reply set earlier (body and text). */
static void drop_reply(app_call *c)
{
    json_decref(c->body);
    c->body = NULL;
    free(c->text);
    c->text = NULL;
    c->text_len = 0;
}

void app_reply(app_call *c, unsigned status, json_t *body)
{
    drop_reply(c);
    c->status = status;
    c->body = body;
    c->is_problem = false;
}

db_outcome app_reply_jsonw(app_call *c, unsigned status, jsonw *w)
{
    drop_reply(c);
    size_t len = 0;
    char *text = jsonw_finish(w, &len);
    if (!text)
        return app_fail(c, 500, "internal", "The response could not be encoded.", NULL);
    c->status = status;
    c->text = text;
    c->text_len = len;
    c->is_problem = false;
    return DB_COMMIT;
}

db_outcome app_reply_text(app_call *c, unsigned status, char *text, size_t len)
{
    drop_reply(c);
    c->status = status;
    c->text = text;
    c->text_len = len;
    c->is_problem = false;
    return DB_COMMIT;
}

db_outcome app_fail(app_call *c, unsigned status, const char *code, const char *detail,
                    json_t *errors)
{
    drop_reply(c);
    c->status = status;
    c->body = problem_body(status, code, NULL, detail, c->req->request_id, errors);
    c->is_problem = true;
    return DB_ROLLBACK;
}

db_outcome app_fail_field(app_call *c, const char *field, const char *reason)
{
    json_t *errors = json_array();
    problem_field(errors, field, reason);
    char detail[256];
    snprintf(detail, sizeof detail, "%s %s.", field, reason);
    return app_fail(c, 422, "validation-failed", detail, errors);
}

void app_send_nothing_to_change(http_request *req)
{
    json_t *errors = json_array();
    problem_field(errors, "body", "must name at least one field to change");
    problem_send_errors(req, 422, "validation-failed", NULL, "Nothing to change.", errors);
}

PGresult *app_exec(app_call *c, const char *stmt, int n, const char *const *params)
{
    return db_exec(c->tx, stmt, n, params);
}

/* The purpose the caller states for touching resident data (X-Access-Purpose) as the audit
 * log keeps it: at most 200 characters, cut at a character boundary, and with the bytes of
 * anything that is not UTF-8 replaced by '?', because the database refuses such text and
 * would take the audit row, and with it the record of a refused attempt, down with it.
 * The route when no purpose is given. An arena string. */
const char *app_access_purpose(http_request *req)
{
    const char *h = http_header(req, "X-Access-Purpose");
    if (!h || !*h)
        return req->route;
    bool utf8 = json_utf8_len(h) >= 0;
    char *out = arena_alloc(req->arena, strlen(h) + 1);
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)h;
    for (int chars = 0; *p && chars < 200; chars++) {
        if (!utf8 || *p < 0x80) {
            out[o++] = *p < 0x80 ? (char)*p : '?';
            p++;
            continue;
        }
        do
            out[o++] = (char)*p++;
        while ((*p & 0xC0) == 0x80);
    }
    out[o] = '\0';
    return out;
}

/* An audit row of a read on the standby, written on the primary afterwards (arena). */
struct app_audit_row {
    const char *params[6]; /* as audit_write takes them */
    app_audit_row *next;
};

void app_audit(app_call *c, const char *action, const char *resource_type,
               const char *resource_id, const char *resident_id, const char *outcome)
{
    const char *purpose = app_access_purpose(c->req);
    const char *p[] = {action, resource_type, resource_id, resident_id, purpose, outcome};
    if (!c->deferred) {
        db_queue(c->tx, "audit_write", 6, p);
        return;
    }
    app_audit_row *row = arena_alloc(c->req->arena, sizeof *row), **end = c->deferred;
    for (size_t i = 0; i < 6; i++)
        row->params[i] = arena_strdup(c->req->arena, p[i]);
    row->next = NULL;
    while (*end)
        end = &(*end)->next;
    *end = row;
}

db_outcome app_refuse(app_call *c, const char *action, const char *resource_type,
                      const char *resource_id, const char *resident_id, unsigned status,
                      const char *code, const char *detail, json_t *errors)
{
    app_audit(c, action, resource_type, resource_id, resident_id, "denied");
    app_fail(c, status, code, detail, errors);
    return DB_COMMIT;
}

/* ---- errors ---- */

static void log_db_error(http_request *req, const db_error *e)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "level", "error", "request_id",
                          req->request_id, "route", req->route ? req->route : "", "sqlstate",
                          e->sqlstate, "message", e->message);
    char *line = jsonw_dumps(o, NULL);
    if (line)
        fprintf(stderr, "%s\n", line);
    free(line);
    json_decref(o);
}

/* Constraints of more than one column (PostgreSQL names them <table>_check, _check1, ...) or
 * with a name of their own: the field a client sent wrongly, and why. */
static const struct {
    const char *constraint, *field, *reason;
} constraint_fields[] = {
    {"agreements_check", "presence_end", "must be after presence_start"},
    {"agreements_check1", "valid_to", "must not be before valid_from"},
    {"agreements_contact_email_address", "contact_email",
     "must be an e-mail address (or empty for none)"},
    {"agreements_notify_email_address", "monday_mail_notify_email",
     "must be an e-mail address (or empty for none)"},
    {"visits_check", "ends_at", "must be after starts_at"},
    {"meetings_check", "ends_at", "must be after starts_at"},
    {"meetings_check1", "resident_id", "is required for a network meeting, and only there"},
    {"admissions_check", "discharged_at", "must not be before admitted_at"},
};

/* The field a constraint violation is about, into field (empty when unknown): from the table
 * above, else the column PostgreSQL names ("<table>_<column>_check", "<table>_<column>_fkey",
 * or the column of a not-null violation). */
static void db_error_field(const db_error *e, char *field, size_t len, const char **reason)
{
    field[0] = '\0';
    *reason = "is outside what is allowed";
    for (size_t i = 0; i < sizeof constraint_fields / sizeof constraint_fields[0]; i++)
        if (strcmp(e->constraint, constraint_fields[i].constraint) == 0) {
            snprintf(field, len, "%s", constraint_fields[i].field);
            *reason = constraint_fields[i].reason;
            return;
        }
    if (e->column[0]) {
        snprintf(field, len, "%s", e->column);
        return;
    }
    size_t t = strlen(e->table), n = strlen(e->constraint);
    static const char *const suffixes[] = {"_check", "_fkey"};
    for (size_t i = 0; t && i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t sl = strlen(suffixes[i]);
        if (n > t + 1 + sl && strncmp(e->constraint, e->table, t) == 0 &&
            e->constraint[t] == '_' && strcmp(e->constraint + n - sl, suffixes[i]) == 0) {
            snprintf(field, len, "%.*s", (int)(n - t - 1 - sl), e->constraint + t + 1);
            return;
        }
    }
}

/* A 422 for a constraint violation, naming the field when it can be told. */
static void send_constraint_error(http_request *req, const char *code, const char *detail,
                                  const db_error *e)
{
    char field[64];
    const char *reason;
    db_error_field(e, field, sizeof field, &reason);
    if (strcmp(code, "invalid-reference") == 0)
        reason = "does not exist or is not available to you";
    json_t *errors = json_array();
    /* a value the database refused without saying where (a data exception) */
    problem_field(errors, field[0] ? field : "body", reason);
    problem_send_errors(req, 422, code, NULL,
                        field[0] ? arena_printf(req->arena, "%s %s.", field, reason) : detail,
                        errors);
}

static void send_db_error(http_request *req, db_status st, const db_error *e)
{
    if (st == DB_UNAVAILABLE) {
        log_db_error(req, e);
        http_add_header(req, "Retry-After", "5");
        problem_send(req, 503, "database-unavailable", NULL,
                     "The database cannot be reached right now. Nothing was saved; "
                     "please try again shortly.");
        return;
    }
    const char *s = e->sqlstate;
    if (strcmp(s, "28000") == 0) {
        http_add_header(req, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
        problem_send(req, 401, "session-invalid", NULL,
                     "Your session is no longer valid. Please log in again.");
        return;
    }
    if (s[0] == 'S' && s[1] == 'A') {
        unsigned status = (unsigned)atoi(s + 2);
        if (status < 400 || status > 499)
            status = 422;
        json_t *errors = NULL;
        if (e->hint[0]) {
            errors = json_array();
            problem_field(errors, e->hint, e->message);
        }
        problem_send_errors(req, status, e->detail[0] ? e->detail : "rule-violated", NULL,
                            e->message, errors);
        return;
    }
    if (strcmp(s, "23505") == 0) {
        problem_send(req, 409, "conflict", NULL, "This already exists.");
        return;
    }
    if (strcmp(s, "23503") == 0) {
        send_constraint_error(req, "invalid-reference",
                              "A referenced record does not exist or is not available to you.",
                              e);
        return;
    }
    if (strcmp(s, "23514") == 0 || strcmp(s, "23502") == 0 || strncmp(s, "22", 2) == 0) {
        log_db_error(req, e);
        send_constraint_error(req, "invalid-value", "A value is outside what is allowed.", e);
        return;
    }
    if (strcmp(s, "42501") == 0) {
        problem_send(req, 403, "forbidden", NULL, "You may not make this change.");
        return;
    }
    if (strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0 || strcmp(s, "55P03") == 0) {
        http_add_header(req, "Retry-After", "1");
        problem_send(req, 503, "busy", NULL, "The database was busy. Please try again.");
        return;
    }
    log_db_error(req, e);
    problem_send(req, 500, "internal", NULL,
                 "Something went wrong on our side. Nothing was saved. The request id "
                 "identifies it in the server log.");
}

/* ---- the runner ---- */

typedef struct run_ctx {
    app_call *call;
    app_fn fn;
    const char *idem_key;
    char idem_hash[65];
    bool replayed;
    db_outcome outcome; /* what fn answered, for a run on the standby */
} run_ctx;

static void reset_reply(app_call *c)
{
    drop_reply(c);
    c->status = 0;
    c->is_problem = false;
    c->etag = NULL;
    c->location = NULL;
}

static db_outcome run_body(db_tx *tx, void *p)
{
    run_ctx *rc = p;
    app_call *c = rc->call;
    reset_reply(c);
    rc->replayed = false;
    c->tx = tx;
    if (rc->idem_key) {
        const char *params[] = {rc->idem_key, c->req->route, rc->idem_hash};
        PGresult *r = db_exec(tx, "idem_claim", 3, params);
        if (!r)
            return DB_ROLLBACK;
        if (db_rows(r) == 0) {
            PGresult *g = db_exec(tx, "idem_get", 1, params);
            if (!g || db_rows(g) == 0)
                return DB_ROLLBACK;
            if (strcmp(db_val(g, 0, 0), c->req->route) != 0 ||
                strcmp(db_val(g, 0, 1), rc->idem_hash) != 0)
                return app_fail(c, 422, "idempotency-key-reused",
                                "This Idempotency-Key was already used for a different "
                                "request. Use a new key for a new request.",
                                json_pack("[{s:s, s:s}]", "field", "Idempotency-Key", "reason",
                                          "was already used for a different request"));
            if (!db_val(g, 0, 2))
                return app_fail(c, 409, "idempotency-in-progress",
                                "A request with this Idempotency-Key is still being handled.",
                                NULL);
            /* the first response as stored below: body and the headers that go with it */
            c->status = (unsigned)atoi(db_val(g, 0, 2));
            json_t *saved = json_loads(db_val(g, 0, 3) ? db_val(g, 0, 3) : "{}", 0, NULL);
            json_t *body = json_object_get(saved, "body");
            c->body = body && !json_is_null(body) ? json_incref(body) : NULL;
            const char *location = json_str(saved, "location"), *etag = json_str(saved, "etag");
            c->location = location ? arena_strdup(c->req->arena, location) : NULL;
            c->etag = etag ? arena_strdup(c->req->arena, etag) : NULL;
            json_decref(saved);
            c->is_problem = c->status >= 400;
            rc->replayed = true;
            return DB_ROLLBACK; /* nothing to change */
        }
    }
    db_outcome out = rc->fn(c);
    if (out == DB_COMMIT && rc->idem_key && c->status) {
        char st[16];
        snprintf(st, sizeof st, "%u", c->status);
        /* a replay must answer exactly as the first time, Location and ETag included */
        json_t *written = c->text ? json_loadb(c->text, c->text_len, 0, NULL) : NULL;
        json_t *saved = json_pack("{s:O?, s:s?, s:s?}", "body", written ? written : c->body,
                                  "location", c->location, "etag", c->etag);
        json_decref(written);
        char *text = saved ? jsonw_dumps(saved, NULL) : NULL;
        json_decref(saved);
        const char *params[] = {rc->idem_key, st, text};
        db_queue(tx, "idem_store", 3, params);
        free(text);
    }
    return out;
}

/* ---- reads on the standby (APP_REPLICA) ---- */

/* fn on the standby: its audit rows are collected, nothing is kept there. */
static db_outcome standby_body(db_tx *tx, void *p)
{
    run_ctx *rc = p;
    *rc->call->deferred = NULL; /* a retried transaction starts afresh */
    rc->outcome = run_body(tx, p);
    return DB_ROLLBACK;
}

/* The collected audit rows, on the primary, with the caller's identity checked again there. */
static db_outcome audit_body(db_tx *tx, void *p)
{
    for (const app_audit_row *a = p; a; a = a->next)
        db_queue(tx, "audit_write", 6, a->params);
    return DB_COMMIT;
}

/* An APP_REPLICA call: fn on the standby when it may be read now, then its audit rows on the
 * primary; DB_OK only when those committed, so no read leaves the server unaudited. On the
 * primary alone when the standby may not be read, or when fn failed there. */
static db_status run_on_replica(const db_begin *begin, run_ctx *rc, db_error *err)
{
    db_pool *standby = db_replica_choose(app.replica, app.pool, NULL);
    if (!standby)
        return db_run(app.pool, begin, run_body, rc, err);
    app_call *c = rc->call;
    app_audit_row *rows = NULL;
    c->deferred = &rows;
    db_status st = db_run(standby, begin, standby_body, rc, err);
    c->deferred = NULL;
    if (st != DB_OK) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "level", "warning",
                              "request_id", c->req->request_id, "route",
                              c->req->route ? c->req->route : "", "database", "standby",
                              "sqlstate", err->sqlstate, "message", err->message, "then",
                              "read on the primary");
        char *line = json_dumps(o, JSON_COMPACT);
        if (line)
            fprintf(stderr, "%s\n", line);
        free(line);
        json_decref(o);
        db_replica_failed(app.replica, st == DB_UNAVAILABLE);
        return db_run(app.pool, begin, run_body, rc, err);
    }
    db_replica_served(app.replica);
    if (rc->outcome != DB_COMMIT || !rows)
        return DB_OK;
    return db_run(app.pool, begin, audit_body, rows, err);
}

void app_run(http_request *req, app_fn fn, void *ctx, unsigned flags)
{
    app_call call = {.req = req, .who = app_who(req), .ctx = ctx};
    run_ctx rc = {.call = &call, .fn = fn};

    if ((flags & APP_IDEMPOTENT) && call.who) {
        const char *key = http_header(req, "Idempotency-Key");
        if (key) {
            size_t n = strlen(key);
            if (n == 0 || n > 200) {
                problem_send(req, 400, "bad-idempotency-key", NULL,
                             "Idempotency-Key must be 1 to 200 characters.");
                return;
            }
            unsigned char h[crypto_hash_sha256_BYTES];
            crypto_hash_sha256_state st;
            crypto_hash_sha256_init(&st);
            crypto_hash_sha256_update(&st, (const unsigned char *)req->path, strlen(req->path));
            crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
            if (req->body)
                crypto_hash_sha256_update(&st, (const unsigned char *)req->body, req->body_len);
            crypto_hash_sha256_final(&st, h);
            sodium_bin2hex(rc.idem_hash, sizeof rc.idem_hash, h, sizeof h);
            rc.idem_key = key;
        }
    }

    char sv[24];
    db_begin begin;
    const char *params[6];
    if (call.who) {
        snprintf(sv, sizeof sv, "%ld", call.who->sv);
        params[0] = call.who->user_id;
        params[1] = call.who->role;
        params[2] = call.who->org_id;
        params[3] = call.who->sv >= 0 ? sv : NULL;
        params[4] = req->request_id;
        params[5] = req->client_addr;
        begin = (db_begin){"app_begin", 6, params};
    } else {
        params[0] = req->request_id;
        params[1] = req->client_addr;
        begin = (db_begin){"app_begin_anonymous", 2, params};
    }

    db_error err;
    db_status st = (flags & APP_REPLICA) && app.replica && !rc.idem_key
                       ? run_on_replica(&begin, &rc, &err)
                       : db_run(app.pool, &begin, run_body, &rc, &err);
    if (st != DB_OK) {
        drop_reply(&call);
        send_db_error(req, st, &err);
        return;
    }
    if (rc.replayed)
        http_add_header(req, "Idempotent-Replayed", "true");
    if (call.is_problem) {
        char *text = jsonw_dumps(call.body, NULL);
        drop_reply(&call);
        http_reply_owned(req, call.status, "application/problem+json", text,
                         text ? strlen(text) : 0);
        return;
    }
    if (call.etag) {
        char *quoted = arena_printf(req->arena, "\"%s\"", call.etag);
        http_add_header(req, "ETag", quoted);
    }
    if (call.location)
        http_add_header(req, "Location", call.location);
    if (call.text) {
        http_reply_owned(req, call.status, "application/json; charset=utf-8", call.text,
                         call.text_len);
        return;
    }
    if (call.status == 204 || !call.body) {
        json_decref(call.body);
        http_reply(req, call.status ? call.status : 204, NULL, NULL, 0);
        return;
    }
    http_reply_json(req, call.status, call.body);
}

void app_reply_audit_failed(http_request *req, bool refused)
{
    db_error e = {.sqlstate = ""};
    snprintf(e.sqlstate, sizeof e.sqlstate, "%s", refused ? "28000" : "");
    snprintf(e.message, sizeof e.message, "the read's audit rows were not written");
    send_db_error(req, refused ? DB_FAILED : DB_UNAVAILABLE, &e);
}

/* ---- request helpers ---- */

json_t *app_body(http_request *req, const json_field *fields, size_t nfields)
{
    const char *ct = http_header(req, "Content-Type");
    /* the media type exactly, optionally followed by parameters: not application/jsonp */
    if (!ct || strncasecmp(ct, "application/json", 16) != 0 ||
        (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' ' && ct[16] != '\t')) {
        problem_send(req, 415, "unsupported-media-type", NULL,
                     "Send the body as application/json.");
        return NULL;
    }
    char err[256];
    json_t *body = json_parse_strict(req->body, req->body_len, true, err, sizeof err);
    if (!body) {
        problem_send(req, 400, "malformed-json", NULL, err);
        return NULL;
    }
    json_t *errors = json_array();
    if (!json_validate(body, fields, nfields, errors)) {
        char detail[256];
        json_t *first = json_array_get(errors, 0);
        snprintf(detail, sizeof detail, "%s %s%s.", json_str(first, "field"),
                 json_str(first, "reason"),
                 json_array_size(errors) > 1 ? " (and more: see errors)" : "");
        problem_send_errors(req, 422, "validation-failed", "Validation failed", detail, errors);
        json_decref(body);
        return NULL;
    }
    json_decref(errors);
    arena_defer(req->arena, (void (*)(void *))json_decref, body);
    return body;
}

const char *app_if_match(http_request *req)
{
    const char *v = http_header(req, "If-Match");
    if (!v) {
        problem_send(req, 428, "if-match-required", NULL,
                     "Send If-Match with the ETag you last read, so that a change made by "
                     "someone else in the meantime is not overwritten.");
        return NULL;
    }
    size_t n = strlen(v);
    if (n < 3 || n > 12 || v[0] != '"' || v[n - 1] != '"') {
        problem_send(req, 412, "stale-version", NULL,
                     "If-Match does not name a version of this resource.");
        return NULL;
    }
    for (size_t i = 1; i < n - 1; i++)
        if (v[i] < '0' || v[i] > '9') {
            problem_send(req, 412, "stale-version", NULL,
                         "If-Match does not name a version of this resource.");
            return NULL;
        }
    return arena_strndup(req->arena, v + 1, n - 2);
}

db_outcome app_stale(app_call *c, json_t *current)
{
    json_t *body = problem_body(412, "stale-version", NULL,
                                "Someone else saved a change first. Nothing of yours was saved; "
                                "review their version and apply your change again.",
                                c->req->request_id, NULL);
    if (current)
        json_object_set_new(body, "current", current);
    drop_reply(c);
    c->status = 412;
    c->body = body;
    c->is_problem = true;
    return DB_ROLLBACK;
}

const char *app_param_uuid(http_request *req, int index)
{
    const char *v = req->params[index];
    if (!json_is_uuid(v)) {
        problem_send(req, 404, "not-found", NULL, "No such resource.");
        return NULL;
    }
    return v;
}

int app_limit(http_request *req)
{
    const char *v = http_query(req, "limit");
    if (!v)
        return 50;
    char *end = NULL;
    long n = strtol(v, &end, 10);
    if (*end || n < 1 || n > 200) {
        json_t *errors = json_array();
        problem_field(errors, "limit", "must be a whole number from 1 to 200");
        problem_send_errors(req, 400, "bad-query", NULL, "limit must be from 1 to 200.",
                            errors);
        return -1;
    }
    return (int)n;
}

json_t *app_jstr(const PGresult *r, int row, const char *col)
{
    int c = r ? db_col(r, col) : -1;
    const char *v = r ? db_val(r, row, c) : NULL;
    if (!v)
        return json_null();
    if (db_is_timestamptz(r, c)) {
        char buf[64];
        if (db_rfc3339(v, buf, sizeof buf))
            return json_string(buf);
    }
    return json_string(v);
}

void app_wstr(jsonw *w, const PGresult *r, int row, const char *col)
{
    int c = r ? db_col(r, col) : -1;
    const char *v = r ? db_val(r, row, c) : NULL;
    if (v && db_is_timestamptz(r, c)) {
        char buf[64];
        if (db_rfc3339(v, buf, sizeof buf)) {
            jsonw_string(w, buf);
            return;
        }
    }
    jsonw_string(w, v);
}

void app_wbool(jsonw *w, const PGresult *r, int row, const char *col)
{
    const char *v = db_get(r, row, col);
    if (v)
        jsonw_bool(w, v[0] == 't');
    else
        jsonw_null(w);
}

void app_wint(jsonw *w, const PGresult *r, int row, const char *col)
{
    const char *v = db_get(r, row, col);
    if (v)
        jsonw_int(w, strtoll(v, NULL, 10));
    else
        jsonw_null(w);
}

json_t *app_jbool(const PGresult *r, int row, const char *col)
{
    const char *v = db_get(r, row, col);
    return v ? json_boolean(v[0] == 't') : json_null();
}

json_t *app_jint(const PGresult *r, int row, const char *col)
{
    const char *v = db_get(r, row, col);
    return v ? json_integer(strtoll(v, NULL, 10)) : json_null();
}

json_t *app_jjson(const PGresult *r, int row, const char *col)
{
    const char *v = db_get(r, row, col);
    json_t *j = v ? json_loads(v, JSON_DECODE_ANY, NULL) : NULL;
    return j ? j : json_null();
}
