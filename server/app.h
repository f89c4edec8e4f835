/*
 * app: what every Samspil handler shares. The process-wide state (pool,
 * keys, limiters), the caller's identity, and the one function that runs a
 * handler's work in a transaction with that identity set (app_run), which
 * also maps database errors to problems and honours Idempotency-Key.
 */
#ifndef SAMSPIL_APP_H
#define SAMSPIL_APP_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "config.h"
#include "db.h"
#include "http.h"
#include "json.h"
#include "jsonw.h"
#include "metrics.h"
#include "pagecache.h"
#include "problem.h"
#include "ratelimit.h"
#include "replica.h"
#include "token.h"
#include "ttlcache.h"

/* Role bits, for route tables. */
enum {
    ROLE_REGION_CLINICIAN = 1 << 0,
    ROLE_REGION_MANAGER = 1 << 1,
    ROLE_FACILITY_STAFF = 1 << 2,
    ROLE_FACILITY_MANAGER = 1 << 3,
    ROLE_ADMIN = 1 << 4,
    ROLES_REGION = ROLE_REGION_CLINICIAN | ROLE_REGION_MANAGER,
    ROLES_FACILITY = ROLE_FACILITY_STAFF | ROLE_FACILITY_MANAGER,
    ROLES_MANAGERS = ROLE_REGION_MANAGER | ROLE_FACILITY_MANAGER,
    ROLES_CARE = ROLES_REGION | ROLES_FACILITY, /* everyone who may see resident data */
    ROLES_ANY = ROLES_CARE | ROLE_ADMIN,
};

typedef struct app_state {
    app_config cfg;
    db_pool *pool;
    db_replica *replica;       /* DATABASE_REPLICA_URL: reads of APP_REPLICA calls; or NULL */
    metrics *metrics;
    ratelimit *requests;       /* per client address */
    atomic_bool draining;      /* SIGTERM received, DRAIN_SECONDS running: /readyz says 503 */
    ttlcache *oidc_cache;      /* verified external tokens -> identity */
    pagecache *caseload_cache; /* rendered caseload pages (CASELOAD_CACHE_MB), or NULL */
    token_hs_config hs;
    token_rs_config rs;
    bool oidc_enabled;
    char dummy_hash[128];      /* verified against when the account is unknown */
    char *expected_migrations; /* newline-separated versions the code expects */
} app_state;

extern app_state app;

/* The authenticated caller. */
typedef struct app_identity {
    char user_id[64];
    char role[32];
    char org_id[64];
    long sv;          /* session version from the token; -1 for external tokens */
    long exp;
    unsigned role_bit;
    bool via_cookie;
} app_identity;

/* Per-request state hung on http_request.ctx. */
typedef struct app_request {
    app_identity who;
    bool authenticated;
} app_request;

/* A handler's work inside one transaction. */
typedef struct app_call app_call;
typedef struct app_audit_row app_audit_row;
typedef db_outcome (*app_fn)(app_call *c);

struct app_call {
    http_request *req;
    const app_identity *who; /* NULL for anonymous calls */
    db_tx *tx;
    void *ctx;               /* the handler's own data */
    /* the reply, set inside the transaction; sent after commit */
    unsigned status;
    json_t *body;            /* owned; a problem when status >= 400 */
    char *text;              /* owned, malloc'd: the reply as JSON text already (lists) */
    size_t text_len;
    bool is_problem;
    const char *etag;        /* arena string: strong ETag value without quotes */
    const char *location;
    app_audit_row **deferred; /* on the standby: app_audit collects the rows here (arena) */
};

enum {
    APP_IDEMPOTENT = 1 << 0, /* honour Idempotency-Key (POSTs that create) */
    /* fn only reads (and audits): with DATABASE_REPLICA_URL it runs on the standby when that
     * is fresh enough, its audit rows are then written on the primary in a transaction of
     * their own, and the reply is sent only once they are committed. Whatever else fails on
     * the standby (a write, a recovery conflict, a session the standby does not know yet)
     * runs again on the primary. */
    APP_REPLICA = 1 << 1,
};

/* Runs fn in a transaction with the caller's identity (or anonymously when the request is
 * not authenticated) and sends the reply fn set, or a problem for database failures:
 * 503 when the database is unreachable, 401 when the session is no longer valid, 409/422
 * for constraint violations, 500 otherwise (logged with the request id, never shown). */
void app_run(http_request *req, app_fn fn, void *ctx, unsigned flags);

/* Setting the reply from inside fn. app_reply steals body. */
void app_reply(app_call *c, unsigned status, json_t *body);
/* The same with a reply written as text (jsonw: lists of many rows, without building jansson
 * values): takes w's text and leaves w empty. DB_COMMIT, or DB_ROLLBACK with a 500 when the
 * writer failed; a handler returns what it returns. */
db_outcome app_reply_jsonw(app_call *c, unsigned status, jsonw *w);
/* The same with JSON text made elsewhere (a cached page): steals text, malloc'd, len bytes
 * and a NUL. DB_COMMIT. */
db_outcome app_reply_text(app_call *c, unsigned status, char *text, size_t len);
/* A problem reply; errors (stolen) may be NULL. Returns DB_ROLLBACK for convenience. */
db_outcome app_fail(app_call *c, unsigned status, const char *code, const char *detail,
                    json_t *errors);
/* A 422 naming one field. */
db_outcome app_fail_field(app_call *c, const char *field, const char *reason);
/* Sends the 422 for a change (PATCH) that names nothing to change; its field is "body". */
void app_send_nothing_to_change(http_request *req);

/* Queues an audit row for resident data (same transaction; for an APP_REPLICA call on the
 * standby, the primary's transaction that follows it). resident_id may be NULL. */
void app_audit(app_call *c, const char *action, const char *resource_type,
               const char *resource_id, const char *resident_id, const char *outcome);
/* A refused attempt on resident data that is kept: the audit row (outcome "denied") and the
 * problem reply (errors stolen, may be NULL). Returns DB_COMMIT, so the row is written. */
db_outcome app_refuse(app_call *c, const char *action, const char *resource_type,
                      const char *resource_id, const char *resident_id, unsigned status,
                      const char *code, const char *detail, json_t *errors);

/* Whether the resident's latest consent of a kind is given and not expired, as an SQL
 * expression read as the caller (consents are visible to the resident's pair, like the
 * resident): a sub-select the planner runs as one index probe per row, where the function
 * consent_in_force() (for the rules in triggers) would be a call per row. */
#define CONSENT_IN_FORCE(resident, kind)                                                      \
    "coalesce((SELECT c.granted AND (c.valid_until IS NULL OR c.valid_until >= current_date) " \
    "  FROM consents c WHERE c.resident_id = " resident " AND c.kind = " kind " "              \
    "  ORDER BY c.recorded_at DESC, c.id DESC LIMIT 1), false)"

/* SQL: the audit rows for the rows a statement shows (a FROM item aliased x with the columns
 * named by id_col and resident_col, and team_id and facility_id, optionally followed by a
 * WHERE), written by the same statement: one row per team with every resident shown in
 * resident_ids, so a page of 50 writes one row, and "who saw this resident" still finds it
 * (audit_log_seen_days, by the digest the database gives the row: 0077). The facility is in
 * facility_id when all the residents live at one; otherwise facility_ids names each one's in
 * the order of resident_ids (0076). A row of one resident names it in resident_id instead
 * (and its resource_id when one row was shown), as a single read does (audit_log: never
 * both). */
#define AUDIT_SHOWN_ROWS(action, resource_type, from, id_col, resident_col, purpose)            \
    "INSERT INTO audit_log (user_id, user_role, org_id, action, resource_type, resource_id, " \
    "  resident_id, resident_ids, facility_ids, team_id, facility_id, purpose, outcome, "     \
    "  request_id, client_addr) "                                                             \
    "SELECT app_user_id(), app_role(), app_org_id(), '" action "', '" resource_type "', "     \
    "  CASE WHEN sum(d.n) = 1 THEN (array_agg(d.one_id))[1] END, "                            \
    "  CASE WHEN count(d.res) = 1 THEN (array_agg(d.res) FILTER (WHERE d.res IS NOT NULL))[1] " \
    "  END, CASE WHEN count(d.res) > 1 THEN array_agg(d.res ORDER BY d.res) "                 \
    "    FILTER (WHERE d.res IS NOT NULL) END, "                                              \
    "  CASE WHEN count(d.res) > 1 AND count(DISTINCT d.fac) > 1 THEN array_agg(d.fac "        \
    "    ORDER BY d.res) FILTER (WHERE d.res IS NOT NULL) END, d.team_id, "                   \
    "  CASE WHEN count(DISTINCT d.fac) = 1 THEN (array_agg(d.fac))[1] END, " purpose          \
    ", 'allowed', nullif(current_setting('app.request_id', true), ''), "                      \
    "  nullif(current_setting('app.client_addr', true), '') "                                 \
    "FROM (SELECT x.team_id, x." resident_col " AS res, (array_agg(x.facility_id))[1] AS fac, " \
    "  count(*) AS n, (array_agg(x." id_col "::text))[1] AS one_id FROM " from                 \
    "  GROUP BY x.team_id, x." resident_col ") d GROUP BY d.team_id"

/* Group commit of kept pages' checks and audit rows (server/audit_batch.c, migrations 0079,
 * 0080). */
enum { APP_SHOWN_WRITTEN, APP_SHOWN_STALE, APP_SHOWN_REFUSED, APP_SHOWN_FAILED };
/* Whether it is on (AUDIT_BATCH_MAX > 0). */
bool app_audit_grouped(void);
/* A page the server kept, to be served again if still current. */
typedef struct app_kept {
    const char *version, *valid_until; /* what CASELOAD_CURRENT checks ($1, $2) */
    const char *action, *resource_type; /* of its audit rows */
    /* its residents with their teams and facilities: aligned uuid[] literals as PostgreSQL
     * writes them (borrowed until app_serve_kept returns; they may lie in body before
     * body_at) */
    const char *ids, *teams, *facilities;
    /* the reply is body_len bytes at body + body_at, NUL after; body is malloc'd and taken
     * (the reply moved to its start) when app_serve_kept returns true */
    char *body;
    size_t body_at, body_len;
    /* called on a worker as a handler is when the page was no longer current: makes it anew
     * (the rows were not written) */
    void (*stale)(http_request *req, void *arg);
    void *arg;
    atomic_ulong *served; /* counts the requests it was served to */
} app_kept;
/* Answers c's request with the kept page once the audit writer has checked, in its batch
 * with other requests, the caller's identity as app_begin() does and the page as
 * CASELOAD_CURRENT does, and committed the read's audit rows (as AUDIT_SHOWN_ROWS would
 * write them); with 401 when the session is no longer valid, 503 when the rows could not
 * be written, and with k->stale's answer when the page was out of date. The request needs
 * no transaction of its own, and no worker waits meanwhile (http_defer). false (nothing
 * done) when group commit is off, the call is anonymous, or the arrays are not uuid[]
 * literals. */
bool app_serve_kept(app_call *c, const app_kept *k);
/* Replaces the reply of req with the problem for audit rows not written: 401 when the
 * session was refused, 503 otherwise. */
void app_reply_audit_failed(http_request *req, bool refused);

/* The purpose the caller states for touching resident data (X-Access-Purpose), sanitised
 * for the audit log (200 characters, valid UTF-8), or the route. Arena string. */
const char *app_access_purpose(http_request *req);

/* Runs a registered statement with the transaction of c. NULL on failure. */
PGresult *app_exec(app_call *c, const char *stmt, int n, const char *const *params);

/* Parses and validates the JSON body against fields, replying 400/415/422 itself. New
 * reference, or NULL when a problem was sent. */
json_t *app_body(http_request *req, const json_field *fields, size_t nfields);

/* The version a client says it edits, from If-Match: "N" (the strong ETag this server sent).
 * NULL after sending 428 (missing) or 412 (not one of our ETags). Arena string. */
const char *app_if_match(http_request *req);
/* The 412 reply for an update whose If-Match no longer matches (someone else saved first).
 * current (stolen, may be NULL) is the resource as it is now, so the client can show what
 * changed. Returns DB_ROLLBACK. */
db_outcome app_stale(app_call *c, json_t *current);

/* The caller, or NULL. */
const app_identity *app_who(http_request *req);

/* A path parameter that must be a UUID: NULL (and a 404 sent) otherwise. */
const char *app_param_uuid(http_request *req, int index);

/* Page size from ?limit= (default 50, max 200); -1 after sending a 400. */
int app_limit(http_request *req);

/* Current UTC time as RFC 3339 into buf. */
void app_rfc3339(long epoch, char *buf, size_t len);

/* Maps a role name to its bit (0 when unknown). */
unsigned app_role_bit(const char *role);

/* JSON helpers for result rows: a string column or null. */
json_t *app_jstr(const PGresult *r, int row, const char *col);
/* A column's value written as app_jstr, app_jbool and app_jint make it. */
void app_wstr(jsonw *w, const PGresult *r, int row, const char *col);
void app_wbool(jsonw *w, const PGresult *r, int row, const char *col);
void app_wint(jsonw *w, const PGresult *r, int row, const char *col);
json_t *app_jbool(const PGresult *r, int row, const char *col);
json_t *app_jint(const PGresult *r, int row, const char *col);
/* A json/jsonb column parsed (null when NULL). */
json_t *app_jjson(const PGresult *r, int row, const char *col);

/* Registration of every resource's statements; called once at start-up. */
void app_register_statements(void);

#endif
