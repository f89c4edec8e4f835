/*
 * auth: sessions. Log-in with e-mail and password (Argon2id, rate-limited,
 * the same answer and the same work for unknown accounts), the HS256 token in
 * the Authorization header or an HttpOnly cookie, external RS256 tokens from
 * an OIDC provider mapped to a local account, log-out and /api/me. The browser log-in
 * with a provider is in oidc_login.c; it ends in auth_start_session like a password log-in.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app.h"
#include "handlers.h"

#define SESSION_COOKIE "samspil_session"

static const db_stmt auth_stmts[] = {
    /* Always one row: the address as the database spells it (the account's identity for the
     * log-in limit, whether or not it exists), and the account's columns when it does. */
    {"auth_lookup",
     "SELECT lower($1::text) AS account, a.id, a.name, a.role, a.org_id, a.active, "
     "  a.password_hash, a.session_version "
     "FROM (SELECT 1) one LEFT JOIN auth_lookup($1::text) a ON true"},
    /* The shared log-in limits (migration 0067): keys as built in login_keys(). */
    {"login_state", "SELECT retry_after, account_failures "
                    "FROM login_state($1, $2, $3, $4::integer, $5::integer, $6::integer)"},
    {"login_failed", "SELECT login_failed($1, $2, $3, $4::integer)"},
    {"login_succeeded", "SELECT login_succeeded($1, $2)"},
    {"auth_me",
     "SELECT u.id, u.email, u.name, u.role, u.org_id, o.name AS org_name, o.kind AS org_kind "
     "FROM users u JOIN organizations o ON o.id = u.org_id WHERE u.id = app_user_id()"},
};

void auth_register(void)
{
    db_register(auth_stmts, sizeof auth_stmts / sizeof auth_stmts[0]);
}

/* ---- authentication of each request ---- */

static void unauthorized(http_request *req, const char *code, const char *detail)
{
    http_add_header(req, "WWW-Authenticate", "Bearer realm=\"samspil\"");
    problem_send(req, 401, code, NULL, detail);
}

/* Failed log-ins are counted within this window (the keys expire after it). */
#define LOGIN_WINDOW_TEXT "900"

/* The keys of one log-in's limits (see auth_login) and what the database knows of them. */
typedef struct login_limits {
    char account_key[40], pair_key[120], addr_key[80];
    unsigned retry;    /* > 0: refused for this many seconds */
    unsigned failures; /* the account's failures from anywhere */
} login_limits;

/* The account keyed by the address as the database compares it, hashed to a fixed length
 * (no typed address is stored), with and without the client address; and the address. */
static void login_keys(login_limits *k, const char *account, const char *client_addr)
{
    unsigned char digest[16];
    char hex[33];
    crypto_generichash(digest, sizeof digest, (const unsigned char *)account, strlen(account),
                       NULL, 0);
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    snprintf(k->account_key, sizeof k->account_key, "a:%s", hex);
    snprintf(k->pair_key, sizeof k->pair_key, "p:%s:%s", hex, client_addr);
    snprintf(k->addr_key, sizeof k->addr_key, "ip:%s", client_addr);
}

typedef struct lookup_ctx {
    const char *email;
    login_limits *limits; /* not NULL: also read the log-in limits of the account */
    bool found, active;
    char account[1024]; /* lower(email) by the database's rules, found or not */
    char id[40], name[201], role[32], org[40], hash[256];
    long sv;
} lookup_ctx;

static db_outcome lookup_tx(app_call *c)
{
    lookup_ctx *l = c->ctx;
    l->found = false;
    const char *p[] = {l->email};
    PGresult *r = app_exec(c, "auth_lookup", 1, p);
    if (!r)
        return DB_ROLLBACK;
    const char *account = db_rows(r) == 1 ? db_get(r, 0, "account") : NULL;
    snprintf(l->account, sizeof l->account, "%s", account ? account : "");
    if (db_rows(r) == 1 && db_get(r, 0, "id")) {
        l->found = true;
        snprintf(l->id, sizeof l->id, "%s", db_get(r, 0, "id"));
        snprintf(l->name, sizeof l->name, "%s", db_get(r, 0, "name"));
        snprintf(l->role, sizeof l->role, "%s", db_get(r, 0, "role"));
        snprintf(l->org, sizeof l->org, "%s", db_get(r, 0, "org_id"));
        const char *h = db_get(r, 0, "password_hash");
        snprintf(l->hash, sizeof l->hash, "%s", h ? h : "");
        l->active = db_get(r, 0, "active")[0] == 't';
        l->sv = strtol(db_get(r, 0, "session_version"), NULL, 10);
    }
    if (l->limits) {
        login_limits *k = l->limits;
        login_keys(k, l->account, c->req->client_addr);
        char max_pair[16], max_addr[16];
        snprintf(max_pair, sizeof max_pair, "%u", app.cfg.login_max_failures);
        snprintf(max_addr, sizeof max_addr, "%u", app.cfg.login_max_failures_per_address);
        const char *lp[] = {k->pair_key, k->addr_key, k->account_key, LOGIN_WINDOW_TEXT,
                            max_pair, max_addr};
        PGresult *s = app_exec(c, "login_state", 6, lp);
        if (!s)
            return DB_ROLLBACK;
        if (db_rows(s) != 1)
            return app_fail(c, 500, "internal", "The log-in limits could not be read.", NULL);
        k->retry = (unsigned)strtoul(db_get(s, 0, "retry_after"), NULL, 10);
        k->failures = (unsigned)strtoul(db_get(s, 0, "account_failures"), NULL, 10);
    }
    app_reply(c, 204, NULL); /* nothing to send: the caller goes on */
    return DB_COMMIT;
}

/* Runs fn, which replies 204 when it has nothing to send; false (with a reply sent) when it
 * or the database failed. */
static bool run_quietly(http_request *req, app_fn fn, void *ctx)
{
    app_run(req, fn, ctx, 0);
    if (req->status != 204) /* app_run replies 204 for an empty success */
        return false;
    req->status = 0;
    return true;
}

/* Runs the account look-up; false (with a reply sent) when the database failed. */
static bool lookup_account(http_request *req, lookup_ctx *l)
{
    return run_quietly(req, lookup_tx, l);
}

typedef struct outcome_ctx {
    const login_limits *limits;
    bool ok;
} outcome_ctx;

/* Counts a failed log-in on all three keys, or forgets the account's failures. */
static db_outcome login_outcome_tx(app_call *c)
{
    const outcome_ctx *o = c->ctx;
    const login_limits *k = o->limits;
    PGresult *r;
    if (o->ok) {
        const char *p[] = {k->pair_key, k->account_key};
        r = app_exec(c, "login_succeeded", 2, p);
    } else {
        const char *p[] = {k->pair_key, k->addr_key, k->account_key, LOGIN_WINDOW_TEXT};
        r = app_exec(c, "login_failed", 4, p);
    }
    if (!r)
        return DB_ROLLBACK;
    app_reply(c, 204, NULL);
    return DB_COMMIT;
}

/* External provider tokens: verified once, then cached with the mapped account until exp. */
static bool authenticate_external(http_request *req, const char *token, app_identity *who)
{
    time_t now = time(NULL);
    if (ttlcache_get(app.oidc_cache, token, now, who, sizeof *who))
        return true;
    token_claims claims;
    token_status ts = token_verify_rs256(&app.rs, token, now, &claims);
    if (ts != TOKEN_OK) {
        unauthorized(req, "invalid-token", "The token is not valid.");
        return false;
    }
    lookup_ctx l = {.email = claims.email};
    if (!lookup_account(req, &l))
        return false;
    if (!l.found || !l.active) {
        unauthorized(req, "unknown-account",
                     "The identity provider's account has no active Samspil user.");
        return false;
    }
    memset(who, 0, sizeof *who);
    snprintf(who->user_id, sizeof who->user_id, "%s", l.id);
    snprintf(who->role, sizeof who->role, "%s", l.role);
    snprintf(who->org_id, sizeof who->org_id, "%s", l.org);
    who->sv = -1;
    who->exp = claims.exp;
    who->role_bit = app_role_bit(l.role);
    ttlcache_put(app.oidc_cache, token, who, sizeof *who, (time_t)claims.exp);
    return true;
}

bool auth_authenticate(http_request *req)
{
    app_request *ar = req->ctx;
    const char *token = NULL;
    bool via_cookie = false;
    const char *h = http_header(req, "Authorization");
    if (h) {
        if (strncasecmp(h, "Bearer ", 7) != 0) {
            unauthorized(req, "invalid-token", "Use 'Authorization: Bearer <token>'.");
            return false;
        }
        token = h + 7;
    } else if ((token = http_cookie(req, SESSION_COOKIE))) {
        via_cookie = true;
    }
    if (!token || !*token) {
        unauthorized(req, "authentication-required", "Please log in.");
        return false;
    }

    app_identity *who = &ar->who;
    token_claims claims;
    token_status ts = token_verify_hs256(&app.hs, token, time(NULL), &claims);
    if (ts == TOKEN_OK) {
        memset(who, 0, sizeof *who);
        snprintf(who->user_id, sizeof who->user_id, "%s", claims.sub);
        snprintf(who->role, sizeof who->role, "%s", claims.role);
        snprintf(who->org_id, sizeof who->org_id, "%s", claims.org);
        who->sv = claims.sv;
        who->exp = claims.exp;
        who->role_bit = app_role_bit(claims.role);
        if (!json_is_uuid(who->user_id) || !json_is_uuid(who->org_id) || who->sv < 0) {
            unauthorized(req, "invalid-token", "The token is not valid.");
            return false;
        }
    } else if (ts == TOKEN_BAD_ALG && app.oidc_enabled) {
        if (!authenticate_external(req, token, who))
            return false;
    } else {
        unauthorized(req, ts == TOKEN_EXPIRED ? "session-expired" : "invalid-token",
                     ts == TOKEN_EXPIRED ? "Your session has expired. Please log in again."
                                         : "The token is not valid.");
        return false;
    }
    who->via_cookie = via_cookie;
    ar->authenticated = true;
    return true;
}

/* ---- log-in ---- */

static const json_field login_fields[] = {
    {.name = "email", .type = JF_STRING, .required = true, .max_len = 254},
    {.name = "password", .type = JF_STRING, .required = true, .max_len = 1024},
};

static void cookie(http_request *req, const char *value, long max_age)
{
    char *c = arena_printf(req->arena, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld%s",
                           SESSION_COOKIE, value, max_age, app.cfg.cookie_secure ? "; Secure" : "");
    http_add_header(req, "Set-Cookie", c);
}

static void too_many(http_request *req, unsigned retry)
{
    char buf[16];
    snprintf(buf, sizeof buf, "%u", retry ? retry : 60);
    http_add_header(req, "Retry-After", buf);
    problem_send(req, 429, "too-many-attempts", NULL,
                 "Too many failed log-ins. Please wait before trying again.");
}

void auth_login(http_request *req)
{
    json_t *body = app_body(req, login_fields, sizeof login_fields / sizeof login_fields[0]);
    if (!body)
        return;
    const char *password = json_str(body, "password");
    login_limits limits = {0};
    lookup_ctx l = {.email = json_str(body, "email"), .limits = &limits};
    if (!lookup_account(req, &l))
        return;

    /* Failed log-ins count per account (keyed by the address as the database compares it, so
     * no other spelling gets around it and unknown accounts count the same way, hashed to a
     * fixed length), per account and client address, and per client address, in the
     * database (0067), so every server behind the proxy counts the same failures:
     *   - account and address: refused (429) at LOGIN_MAX_FAILURES within 15 minutes;
     *   - address, any account: refused at LOGIN_MAX_FAILURES_PER_ADDRESS (spraying);
     *   - account, any address: never refused, so nobody who lacks the password can keep its
     *     owner out; past LOGIN_MAX_FAILURES every answer about the account (right or
     *     wrong) is held back, 1 s and doubling with each failure up to 30 s, so guessing
     *     from many addresses stays slow. The answer waits without holding a worker. */
    if (limits.retry) {
        too_many(req, limits.retry);
        return;
    }
    if (limits.failures >= app.cfg.login_max_failures) {
        unsigned over = limits.failures - app.cfg.login_max_failures;
        http_delay(req, over >= 5 ? 30.0 : (double)(1u << over));
    }

    /* The same Argon2id work whether or not the account exists (outside any transaction). */
    const char *hash = l.found && l.hash[0] ? l.hash : app.dummy_hash;
    bool ok = crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
    ok = ok && l.found && l.active && l.hash[0];
    outcome_ctx outcome = {.limits = &limits, .ok = ok};
    if (!run_quietly(req, login_outcome_tx, &outcome))
        return;
    if (!ok) {
        unauthorized(req, "invalid-credentials", "The e-mail or password is not correct.");
        return;
    }
    if (!oidc_password_login_allowed(l.org)) {
        /* the organisation logs in with its identity provider only (the password was right,
         * so this tells nothing to someone who lacks it) */
        problem_send(req, 403, "password-login-disabled", NULL,
                     "Your organisation logs in with its own identity provider; use the "
                     "button for it on the log-in page.");
        return;
    }

    char *token = NULL;
    long exp = 0;
    if (token_issue_hs256(&app.hs, l.id, l.role, l.org, l.sv, time(NULL), &token, &exp) != 0) {
        problem_send(req, 500, "internal", NULL, "The session could not be created.");
        return;
    }
    char expires[32];
    app_rfc3339(exp, expires, sizeof expires);
    json_t *user = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", l.id, "email", l.account,
                             "name", l.name, "role", l.role, "org_id", l.org);
    json_t *out = json_pack("{s:s, s:s, s:o}", "token", token, "expires_at", expires, "user", user);
    cookie(req, token, app.cfg.jwt_ttl_seconds);
    sodium_memzero(token, strlen(token));
    free(token);
    req->user_id = arena_strdup(req->arena, l.id);
    http_reply_json(req, 200, out);
}

bool auth_find_account(http_request *req, const char *email, auth_account *out)
{
    memset(out, 0, sizeof *out);
    lookup_ctx l = {.email = email};
    if (!lookup_account(req, &l))
        return false;
    out->found = l.found;
    out->active = l.active;
    snprintf(out->id, sizeof out->id, "%s", l.id);
    snprintf(out->name, sizeof out->name, "%s", l.name);
    snprintf(out->role, sizeof out->role, "%s", l.role);
    snprintf(out->org_id, sizeof out->org_id, "%s", l.org);
    out->sv = l.sv;
    return true;
}

bool auth_start_session(http_request *req, const auth_account *a)
{
    char *token = NULL;
    if (token_issue_hs256(&app.hs, a->id, a->role, a->org_id, a->sv, time(NULL), &token,
                          NULL) != 0)
        return false;
    cookie(req, token, app.cfg.jwt_ttl_seconds);
    sodium_memzero(token, strlen(token));
    free(token);
    req->user_id = arena_strdup(req->arena, a->id);
    return true;
}

bool auth_by_cookie(http_request *req)
{
    return !http_header(req, "Authorization") && http_cookie(req, SESSION_COOKIE);
}

void auth_logout(http_request *req)
{
    cookie(req, "", 0);
    /* after a provider's log-in: its log-out too (RP-initiated), which the page follows */
    const char *end_session = oidc_logout_redirect(req);
    if (end_session) {
        http_reply_json(req, 200, json_pack("{s:s}", "redirect", end_session));
        return;
    }
    http_reply(req, 204, NULL, NULL, 0);
}

/* ---- /api/me ---- */

static db_outcome me_tx(app_call *c)
{
    PGresult *r = app_exec(c, "auth_me", 0, NULL);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1)
        return app_fail(c, 401, "session-invalid", "Your account no longer exists.", NULL);
    json_t *o = json_object();
    json_object_set_new(o, "id", app_jstr(r, 0, "id"));
    json_object_set_new(o, "email", app_jstr(r, 0, "email"));
    json_object_set_new(o, "name", app_jstr(r, 0, "name"));
    json_object_set_new(o, "role", app_jstr(r, 0, "role"));
    json_object_set_new(o, "org_id", app_jstr(r, 0, "org_id"));
    json_object_set_new(o, "org_name", app_jstr(r, 0, "org_name"));
    json_object_set_new(o, "org_kind", app_jstr(r, 0, "org_kind"));
    char exp[32];
    app_rfc3339(c->who->exp, exp, sizeof exp);
    json_object_set_new(o, "session_expires_at", json_string(exp));
    json_object_set_new(o, "idle_logout_seconds", json_integer(app.cfg.idle_logout_seconds));
    app_reply(c, 200, o);
    return DB_COMMIT;
}

void auth_me(http_request *req)
{
    app_run(req, me_tx, NULL, 0);
}
