/*
 * oidc_login: log-in in the browser with an organisation's OpenID provider (authorization
 * code flow with PKCE S256, state and nonce kept in PostgreSQL, migration 0070). The provider
 * authenticates, Samspil authorises: the verified e-mail (or the configured claim) maps to an
 * active local account whose role and organisation come from the database, and that
 * organisation must be one the provider is configured for. The session is the same HttpOnly
 * cookie as after a password log-in. Also: the providers' configuration (OIDC_PROVIDERS),
 * the public list the log-in page shows, whether password log-in is allowed for an
 * organisation, and the provider's log-out (RP-initiated) after Samspil's.
 *
 * The two browser endpoints (start, callback) never answer problem+json: they redirect to
 * the log-in page with an error code (#/login?error=oidc-...) that the page shows in Danish.
 * They never take a target address from the request (no open redirect).
 */
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "app.h"
#include "handlers.h"
#include "oidc.h"

#define MAX_PROVIDERS 8
#define MAX_ORGS 32
#define STATE_TTL_SECONDS 600
#define BINDING_COOKIE "samspil_oidc"   /* binds a started log-in to this browser */
#define IDP_COOKIE "samspil_idp"        /* provider~id_token, for the provider's log-out */

typedef struct login_provider {
    char name[33];                  /* [a-z0-9-], in the paths */
    char display_name[101];         /* "Log ind med <display_name>" */
    const char *client_id;
    const char *client_secret;      /* or the private key PEM for private_key_jwt (owned) */
    oidc_client_auth auth;
    oidc_thumbprints cert;          /* private_key_jwt: the certificate's x5t (Entra ID) */
    bool has_cert;
    const char *scopes;             /* space-separated, "openid" among them */
    const char *claim;              /* the claim mapped to users.email */
    char orgs[MAX_ORGS][37];        /* Samspil organisations that may use it */
    size_t norgs;
    oidc_provider *rp;
} login_provider;

static login_provider providers[MAX_PROVIDERS];
static size_t nproviders;
static char password_off[MAX_ORGS][37]; /* organisations without password log-in */
static size_t npassword_off;
static bool password_off_all;

static const db_stmt oidc_stmts[] = {
    {"oidc_state_put",
     "SELECT oidc_state_put(decode($1, 'hex'), decode($2, 'hex'), $3, $4, $5, $6::integer)"},
    {"oidc_state_take",
     "SELECT encode(browser_hash, 'hex') AS browser_hash, provider, nonce, code_verifier "
     "FROM oidc_state_take(decode($1, 'hex'))"},
    {"oidc_login_audit", "SELECT oidc_login_audit($1::uuid, $2, $3, $4)"},
};

void oidc_login_register(void)
{
    db_register(oidc_stmts, sizeof oidc_stmts / sizeof oidc_stmts[0]);
}

/* ---- configuration ---- */

static const char *env_of(const char *name, const char *key)
{
    char var[128];
    size_t n = (size_t)snprintf(var, sizeof var, "OIDC_");
    for (const char *c = name; *c && n < 80; c++)
        var[n++] = *c == '-' ? '_' : (char)toupper((unsigned char)*c);
    snprintf(var + n, sizeof var - n, "_%s", key);
    const char *v = getenv(var);
    return v && *v ? v : NULL;
}

/* A comma-separated list of UUIDs into out; false (printed) when one is not a UUID. */
static bool uuid_list(const char *what, const char *list, char out[][37], size_t *n)
{
    *n = 0;
    char buf[MAX_ORGS * 40];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        if (!json_is_uuid(t) || *n == MAX_ORGS) {
            fprintf(stderr, "config: %s: '%s' is not an organisation id (UUID), or too many\n",
                    what, t);
            return false;
        }
        snprintf(out[(*n)++], 37, "%s", t);
    }
    return true;
}

/* The client's private key (or certificate) for private_key_jwt, a PEM file whose text has
 * marker (kept for the process's life). */
static char *read_pem(const char *path, const char *marker)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 16385);
    size_t n = buf ? fread(buf, 1, 16384, f) : 0;
    fclose(f);
    if (!buf || n == 0 || n == 16384 || !strstr(buf, marker)) {
        free(buf);
        return NULL;
    }
    return buf;
}

static bool load_provider(login_provider *p, const char *name)
{
    bool ok = true;
    snprintf(p->name, sizeof p->name, "%s", name);
    const char *issuer = env_of(name, "ISSUER");
    p->client_id = env_of(name, "CLIENT_ID");
    p->client_secret = env_of(name, "CLIENT_SECRET");
    const char *auth = env_of(name, "CLIENT_AUTH");
    const char *key_file = env_of(name, "PRIVATE_KEY_FILE");
    if (auth && strcmp(auth, "private_key_jwt") == 0) {
        p->auth = OIDC_PRIVATE_KEY_JWT;
        p->client_secret = key_file ? read_pem(key_file, "PRIVATE KEY-----") : NULL;
        if (!p->client_secret) {
            fprintf(stderr, "config: provider %s: private_key_jwt needs PRIVATE_KEY_FILE, a "
                            "readable RSA private key (PEM)\n", name);
            return false;
        }
        /* Entra ID finds the key by the certificate's thumbprint (x5t) in the header */
        const char *cert_file = env_of(name, "CERTIFICATE_FILE");
        if (cert_file) {
            char *cert = read_pem(cert_file, "BEGIN CERTIFICATE-----");
            p->has_cert = cert && oidc_cert_thumbprints(cert, p->client_secret, &p->cert);
            free(cert);
            if (!p->has_cert) {
                fprintf(stderr, "config: provider %s: CERTIFICATE_FILE must be a readable PEM "
                                "certificate of the PRIVATE_KEY_FILE key\n", name);
                return false;
            }
        }
    }
    const char *orgs = env_of(name, "ORGANIZATIONS");
    const char *display = env_of(name, "DISPLAY_NAME");
    const char *allow_http = env_of(name, "ALLOW_HTTP");
    p->scopes = env_of(name, "SCOPES");
    p->claim = env_of(name, "CLAIM");
    if (!p->scopes)
        p->scopes = "openid email profile";
    if (!p->claim)
        p->claim = "email";
    if (!issuer || !p->client_id || !p->client_secret || !orgs) {
        fprintf(stderr, "config: provider %s needs ISSUER, CLIENT_ID, CLIENT_SECRET (or "
                        "PRIVATE_KEY_FILE) and ORGANIZATIONS (OIDC_<NAME>_...)\n", name);
        return false;
    }
    if (p->auth == OIDC_PRIVATE_KEY_JWT) {
        /* set above */
    } else if (!auth || strcmp(auth, "client_secret_basic") == 0) {
        p->auth = OIDC_CLIENT_SECRET_BASIC;
    } else if (strcmp(auth, "client_secret_post") == 0) {
        p->auth = OIDC_CLIENT_SECRET_POST;
    } else {
        fprintf(stderr, "config: provider %s: CLIENT_AUTH must be client_secret_basic, "
                        "client_secret_post or private_key_jwt\n", name);
        ok = false;
    }
    if (!strstr(p->scopes, "openid") || strlen(p->scopes) > 300 || strlen(p->claim) > 60) {
        fprintf(stderr, "config: provider %s: SCOPES must include openid\n", name);
        ok = false;
    }
    char what[80];
    snprintf(what, sizeof what, "OIDC_%s_ORGANIZATIONS", name);
    ok &= uuid_list(what, orgs, p->orgs, &p->norgs);
    if (ok && p->norgs == 0) {
        fprintf(stderr, "config: provider %s: ORGANIZATIONS names no organisation\n", name);
        ok = false;
    }
    snprintf(p->display_name, sizeof p->display_name, "%s", display ? display : name);
    bool http = allow_http && strcmp(allow_http, "1") == 0;
    p->rp = oidc_provider_new(issuer, http);
    const char *refresh = env_of(name, "JWKS_MIN_REFRESH_SECONDS");
    if (p->rp && refresh) {
        long r = strtol(refresh, NULL, 10);
        if (r < 1 || r > 3600) {
            fprintf(stderr, "config: provider %s: JWKS_MIN_REFRESH_SECONDS is 1 to 3600\n",
                    name);
            ok = false;
        }
        oidc_provider_set_min_refresh(p->rp, r);
    }
    if (!p->rp) {
        fprintf(stderr, "config: provider %s: ISSUER must be an https:// URL%s\n", name,
                http ? " or http:// on a loopback address" : " (ALLOW_HTTP=1 allows http:// "
                                                            "on loopback, for tests)");
        ok = false;
    }
    return ok;
}

bool oidc_login_init(void)
{
    bool ok = true;
    const char *off = getenv("PASSWORD_LOGIN_DISABLED_ORGANIZATIONS");
    if (off && strcmp(off, "*") == 0)
        password_off_all = true;
    else if (off && *off)
        ok &= uuid_list("PASSWORD_LOGIN_DISABLED_ORGANIZATIONS", off, password_off,
                        &npassword_off);
    const char *list = getenv("OIDC_PROVIDERS");
    if (!list || !*list)
        return ok;
    /* before any thread starts: libcurl's global set-up is not thread-safe */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fputs("config: libcurl could not be initialised\n", stderr);
        return false;
    }
    char buf[512];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        size_t n = strlen(t);
        bool name_ok = n >= 1 && n <= 32 && nproviders < MAX_PROVIDERS;
        for (size_t i = 0; i < n; i++)
            name_ok = name_ok && (islower((unsigned char)t[i]) || isdigit((unsigned char)t[i]) ||
                                  t[i] == '-');
        for (size_t i = 0; i < nproviders; i++)
            name_ok = name_ok && strcmp(providers[i].name, t) != 0;
        if (!name_ok) {
            fprintf(stderr, "config: OIDC_PROVIDERS: '%s' must be 1-32 of a-z, 0-9 and '-', "
                            "unique, at most %d providers\n", t, MAX_PROVIDERS);
            ok = false;
            continue;
        }
        ok &= load_provider(&providers[nproviders++], t);
    }
    return ok;
}

void oidc_login_shutdown(void)
{
    for (size_t i = 0; i < nproviders; i++) {
        oidc_provider_free(providers[i].rp);
        if (providers[i].auth == OIDC_PRIVATE_KEY_JWT)
            free((char *)providers[i].client_secret);
    }
    nproviders = 0;
}

static bool org_in(char list[][37], size_t n, const char *org)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], org) == 0)
            return true;
    return false;
}

bool oidc_password_login_allowed(const char *org_id)
{
    return !password_off_all && !org_in(password_off, npassword_off, org_id);
}

static login_provider *find_provider(const char *name)
{
    for (size_t i = 0; name && i < nproviders; i++)
        if (strcmp(providers[i].name, name) == 0)
            return &providers[i];
    return NULL;
}

/* ---- GET /api/auth/providers ---- */

void oidc_providers_list(http_request *req)
{
    json_t *list = json_array();
    for (size_t i = 0; i < nproviders; i++) {
        char start[sizeof providers[i].name + 32];
        snprintf(start, sizeof start, "/api/auth/oidc/%.32s/start", providers[i].name);
        json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "name", providers[i].name,
                                              "display_name", providers[i].display_name,
                                              "start_url", start));
    }
    http_reply_json(req, 200, json_pack("{s:o, s:b}", "providers", list, "password_login",
                                        !password_off_all));
}

/* ---- helpers ---- */

static void random_b64url(char *out, size_t out_len)
{
    unsigned char rnd[32];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2base64(out, out_len, rnd, sizeof rnd, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(rnd, sizeof rnd);
}

static void sha256_hex(const char *s, char out[65])
{
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(d, (const unsigned char *)s, strlen(s));
    sodium_bin2hex(out, 65, d, sizeof d);
}

static char *urlenc(http_request *req, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = arena_alloc(req->arena, 3 * n + 1), *o = out;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (isalnum(*c) || *c == '-' || *c == '_' || *c == '.' || *c == '~') {
            *o++ = (char)*c;
        } else {
            *o++ = '%';
            *o++ = hex[*c >> 4];
            *o++ = hex[*c & 15];
        }
    }
    *o = '\0';
    return out;
}

static const char *redirect_uri(http_request *req, const login_provider *p)
{
    return arena_printf(req->arena, "%s/api/auth/oidc/%s/callback", app.cfg.public_origin,
                        p->name);
}

static void set_cookie(http_request *req, const char *name, const char *value, const char *path,
                       const char *same_site, long max_age)
{
    http_add_header(req, "Set-Cookie",
                    arena_printf(req->arena, "%s=%s; Path=%s; HttpOnly; SameSite=%s; Max-Age=%ld%s",
                                 name, value, path, same_site, max_age,
                                 app.cfg.cookie_secure ? "; Secure" : ""));
}

static void redirect(http_request *req, const char *location)
{
    http_add_header(req, "Location", location);
    http_add_header(req, "Referrer-Policy", "no-referrer");
    http_reply(req, 303, NULL, NULL, 0);
}

/* To the log-in page with an error code the page shows in Danish. */
static void to_login(http_request *req, const char *code)
{
    redirect(req, arena_printf(req->arena, "%s/#/login?error=%s", app.cfg.public_origin, code));
}

/* ---- transactions ---- */

typedef struct state_ctx {
    const char *state_hash, *browser_hash, *provider, *nonce, *verifier; /* put */
    bool found;                                                          /* take */
    char got_browser[65], got_provider[33], got_nonce[129], got_verifier[129];
} state_ctx;

static db_outcome state_put_tx(app_call *c)
{
    state_ctx *s = c->ctx;
    char ttl[16];
    snprintf(ttl, sizeof ttl, "%d", STATE_TTL_SECONDS);
    const char *p[] = {s->state_hash, s->browser_hash, s->provider, s->nonce, s->verifier, ttl};
    PGresult *r = app_exec(c, "oidc_state_put", 6, p);
    if (!r)
        return DB_ROLLBACK;
    app_reply(c, 204, NULL);
    return DB_COMMIT;
}

static db_outcome state_take_tx(app_call *c)
{
    state_ctx *s = c->ctx;
    const char *p[] = {s->state_hash};
    PGresult *r = app_exec(c, "oidc_state_take", 1, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) == 1) {
        s->found = true;
        snprintf(s->got_browser, sizeof s->got_browser, "%s", db_get(r, 0, "browser_hash"));
        snprintf(s->got_provider, sizeof s->got_provider, "%s", db_get(r, 0, "provider"));
        snprintf(s->got_nonce, sizeof s->got_nonce, "%s", db_get(r, 0, "nonce"));
        snprintf(s->got_verifier, sizeof s->got_verifier, "%s", db_get(r, 0, "code_verifier"));
    }
    app_reply(c, 204, NULL);
    return DB_COMMIT;
}

typedef struct audit_ctx {
    const char *user_id, *provider, *outcome, *reason;
} audit_ctx;

static db_outcome audit_tx(app_call *c)
{
    audit_ctx *a = c->ctx;
    const char *p[] = {a->user_id, a->provider, a->outcome, a->reason};
    if (!app_exec(c, "oidc_login_audit", 4, p))
        return DB_ROLLBACK;
    app_reply(c, 204, NULL);
    return DB_COMMIT;
}

/* Runs fn anonymously; false when the database failed (the reply it set is discarded). */
static bool run(http_request *req, app_fn fn, void *ctx)
{
    app_run(req, fn, ctx, 0);
    bool ok = req->status == 204;
    req->status = 0;
    if (!ok) {
        /* drop the problem app_run set: these endpoints redirect */
        http_reply(req, 0, NULL, NULL, 0);
    }
    return ok;
}

static void audit(http_request *req, const char *user_id, const login_provider *p,
                  bool allowed, const char *reason)
{
    audit_ctx a = {user_id, p->name, allowed ? "allowed" : "denied", reason};
    if (!run(req, audit_tx, &a))
        fprintf(stderr, "oidc: request %s: the audit row could not be written\n",
                req->request_id);
}

/* A refused log-in: audit row, then the log-in page with code. */
static void refuse(http_request *req, const login_provider *p, const char *user_id,
                   const char *code, const char *reason)
{
    fprintf(stderr, "oidc: request %s: provider %s: log-in refused (%s)\n", req->request_id,
            p->name, reason);
    audit(req, user_id, p, false, reason);
    to_login(req, code);
}

/* ---- GET /api/auth/oidc/{provider}/start ---- */

void oidc_login_start(http_request *req)
{
    login_provider *p = find_provider(req->params[0]);
    if (!p) {
        to_login(req, "oidc-unknown-provider");
        return;
    }
    oidc_endpoints ep;
    if (oidc_get_endpoints(p->rp, time(NULL), &ep) != OIDC_OK) {
        fprintf(stderr, "oidc: request %s: provider %s: discovery failed\n", req->request_id,
                p->name);
        to_login(req, "oidc-unavailable");
        return;
    }
    char state[64], nonce[64], verifier[64], binding[64], challenge[64];
    random_b64url(state, sizeof state);
    random_b64url(nonce, sizeof nonce);
    random_b64url(verifier, sizeof verifier);
    random_b64url(binding, sizeof binding);
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(d, (const unsigned char *)verifier, strlen(verifier));
    sodium_bin2base64(challenge, sizeof challenge, d, sizeof d,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char state_hash[65], browser_hash[65];
    sha256_hex(state, state_hash);
    sha256_hex(binding, browser_hash);
    state_ctx s = {.state_hash = state_hash, .browser_hash = browser_hash, .provider = p->name,
                   .nonce = nonce, .verifier = verifier};
    bool ok = run(req, state_put_tx, &s);
    sodium_memzero(verifier, sizeof verifier);
    if (!ok) {
        to_login(req, "oidc-internal");
        return;
    }
    set_cookie(req, BINDING_COOKIE, binding, "/api/auth/oidc", "Lax", STATE_TTL_SECONDS);
    redirect(req, arena_printf(req->arena,
                               "%s%sresponse_type=code&client_id=%s&redirect_uri=%s&scope=%s"
                               "&state=%s&nonce=%s&code_challenge=%s&code_challenge_method=S256",
                               ep.authorization, strchr(ep.authorization, '?') ? "&" : "?",
                               urlenc(req, p->client_id), urlenc(req, redirect_uri(req, p)),
                               urlenc(req, p->scopes), state, nonce, challenge));
}

/* ---- GET /api/auth/oidc/{provider}/callback ---- */

static bool param_ok(const char *v, size_t max)
{
    if (!v || !*v || strlen(v) > max)
        return false;
    for (const unsigned char *c = (const unsigned char *)v; *c; c++)
        if (*c <= 0x20 || *c >= 0x7f)
            return false;
    return true;
}

void oidc_login_callback(http_request *req)
{
    login_provider *p = find_provider(req->params[0]);
    if (!p) {
        to_login(req, "oidc-unknown-provider");
        return;
    }
    const char *state = http_query(req, "state");
    const char *code = http_query(req, "code");
    const char *error = http_query(req, "error");
    const char *binding = http_cookie(req, BINDING_COOKIE);
    set_cookie(req, BINDING_COOKIE, "", "/api/auth/oidc", "Lax", 0); /* used up either way */

    /* The state is taken (and so used up) whatever else is wrong. */
    state_ctx s = {0};
    if (param_ok(state, 128)) {
        char state_hash[65];
        sha256_hex(state, state_hash);
        s.state_hash = state_hash;
        if (!run(req, state_take_tx, &s)) {
            to_login(req, "oidc-internal");
            return;
        }
    }
    if (error) {
        refuse(req, p, NULL, "oidc-provider-error", "the provider answered an error");
        return;
    }
    char browser_hash[65] = "";
    if (binding && param_ok(binding, 128))
        sha256_hex(binding, browser_hash);
    bool bound = s.found && strlen(s.got_browser) == 64 && browser_hash[0] &&
                 sodium_memcmp(s.got_browser, browser_hash, 64) == 0 &&
                 strcmp(s.got_provider, p->name) == 0;
    if (!bound || !param_ok(code, 2048)) {
        refuse(req, p, NULL, "oidc-state",
               !s.found ? "unknown, used or expired state"
                        : !bound ? "state of another browser or provider" : "no code");
        return;
    }

    time_t now = time(NULL);
    char *id_token = NULL;
    oidc_status st = oidc_exchange_code(p->rp, now, p->client_id, p->client_secret, p->auth,
                                        p->has_cert ? &p->cert : NULL, code,
                                        redirect_uri(req, p), s.got_verifier, &id_token);
    sodium_memzero(s.got_verifier, sizeof s.got_verifier);
    if (st != OIDC_OK) {
        refuse(req, p, NULL, st == OIDC_UNAVAILABLE ? "oidc-unavailable" : "oidc-exchange",
               oidc_status_str(st));
        return;
    }
    oidc_claims claims;
    st = oidc_verify_id_token(p->rp, id_token, p->client_id, s.got_nonce, p->claim, 60, now,
                              &claims);
    if (st != OIDC_OK) {
        free(id_token);
        refuse(req, p, NULL, st == OIDC_UNAVAILABLE ? "oidc-unavailable" : "oidc-invalid-token",
               arena_printf(req->arena, "ID token refused: %s", oidc_status_str(st)));
        return;
    }

    auth_account a;
    if (!auth_find_account(req, claims.value, &a)) {
        free(id_token);
        http_reply(req, 0, NULL, NULL, 0);
        to_login(req, "oidc-internal");
        return;
    }
    const char *refusal = !a.found ? "oidc-unknown-account"
                          : !a.active ? "oidc-account-deactivated"
                          : !org_in(p->orgs, p->norgs, a.org_id) ? "oidc-organisation-not-allowed"
                                                                 : NULL;
    if (refusal) {
        free(id_token);
        refuse(req, p, a.found ? a.id : NULL, refusal,
               !a.found ? "no Samspil account with that address"
               : !a.active ? "the account is deactivated"
                           : "the account's organisation may not use this provider");
        return;
    }
    if (!auth_start_session(req, &a)) {
        free(id_token);
        to_login(req, "oidc-internal");
        return;
    }
    /* for the provider's log-out later (id_token_hint); only Samspil's log-out reads it */
    if (strlen(id_token) < 3500)
        set_cookie(req, IDP_COOKIE, arena_printf(req->arena, "%s~%s", p->name, id_token),
                   "/api/auth", "Strict", app.cfg.jwt_ttl_seconds);
    free(id_token);
    audit(req, a.id, p, true, "logged in");
    redirect(req, arena_printf(req->arena, "%s/", app.cfg.public_origin));
}

/* ---- log-out ---- */

const char *oidc_logout_redirect(http_request *req)
{
    const char *c = http_cookie(req, IDP_COOKIE);
    if (!c)
        return NULL;
    set_cookie(req, IDP_COOKIE, "", "/api/auth", "Strict", 0);
    const char *sep = strchr(c, '~');
    if (!sep || sep - c > 32)
        return NULL;
    char name[33];
    snprintf(name, sizeof name, "%.*s", (int)(sep - c), c);
    login_provider *p = find_provider(name);
    oidc_endpoints ep;
    if (!p || !param_ok(sep + 1, OIDC_ID_TOKEN_MAX_LEN) ||
        oidc_get_endpoints(p->rp, time(NULL), &ep) != OIDC_OK || !ep.end_session[0])
        return NULL;
    return arena_printf(req->arena, "%s%sid_token_hint=%s&post_logout_redirect_uri=%s&client_id=%s",
                        ep.end_session, strchr(ep.end_session, '?') ? "&" : "?",
                        urlenc(req, sep + 1),
                        urlenc(req, arena_printf(req->arena, "%s/", app.cfg.public_origin)),
                        urlenc(req, p->client_id));
}
