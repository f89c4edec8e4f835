/*
 * Log-in in the browser through a real OpenID provider (tests/oidc/provider.mjs: the
 * certified npm package oidc-provider, on loopback, started by this test with node). A
 * libcurl "browser" with its own cookie jar goes from Samspil's start address through the
 * provider's own log-in page and back to the callback, the way a browser does. Two Samspil
 * providers share the issuer: "test" (RS256, client_secret_basic), "test-es" (ES256,
 * client_secret_post, only for the facility Engen) and "test-pk" (private_key_jwt, Engen). The provider's test mode spoils the next
 * ID token (forged, expired, wrong audience, unknown kid, a replayed one); restarting it
 * rotates its keys.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "it_check.h"

#define SECRET "samspil-oidc-test-secret-7f3a9c2e41b8"

static char issuer[64];
static int provider_port;
static char pidfile[] = "/tmp/samspil-oidc-provider-XXXXXX";
static char keydir[] = "/tmp/samspil-oidc-pk-XXXXXX";
static char client_key[128], client_pub[128]; /* the private_key_jwt client's key pair */
static char client_cert[160];                  /* and its certificate */

/* ---- the provider process ---- */

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        abort();
    int port = ntohs(a.sin_port);
    close(fd);
    return port;
}

typedef struct page {
    long status;
    char *body;
    size_t len;
    char location[4096];
    char url[4096];
} page;

static size_t on_body(char *d, size_t s, size_t n, void *ud)
{
    page *p = ud;
    char *nb = realloc(p->body, p->len + s * n + 1);
    if (!nb)
        return 0;
    memcpy(nb + p->len, d, s * n);
    p->body = nb;
    p->len += s * n;
    p->body[p->len] = '\0';
    return s * n;
}

/* One request with handle c (its cookie jar kept); form NULL for GET. */
static void browse(CURL *c, const char *url, const char *form, const char *const *headers,
                   page *p)
{
    memset(p, 0, sizeof *p);
    snprintf(p->url, sizeof p->url, "%s", url);
    struct curl_slist *h = NULL;
    for (const char *const *x = headers; x && *x; x++)
        h = curl_slist_append(h, *x);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, p);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (form)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
    else
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    if (curl_easy_perform(c) == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &p->status);
        char *loc = NULL;
        curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc); /* resolved against url */
        if (loc)
            snprintf(p->location, sizeof p->location, "%s", loc);
    }
    curl_slist_free_all(h);
    if (!p->body)
        p->body = calloc(1, 1);
}

static CURL *browser_new(void)
{
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_COOKIEFILE, ""); /* an in-memory cookie jar */
    return c;
}

static char *provider_get(const char *path)
{
    CURL *c = curl_easy_init();
    char url[256];
    snprintf(url, sizeof url, "%s%s", issuer, path);
    page p;
    browse(c, url, NULL, NULL, &p);
    curl_easy_cleanup(c);
    if (p.status != 200) {
        free(p.body);
        return NULL;
    }
    return p.body;
}

static void provider_mode(const char *json)
{
    CURL *c = curl_easy_init();
    char url[256];
    snprintf(url, sizeof url, "%s/__test/next-token", issuer);
    const char *h[] = {"Content-Type: application/json", NULL};
    page p;
    browse(c, url, json, h, &p);
    curl_easy_cleanup(c);
    ck_assert_int_eq(p.status, 204);
    free(p.body);
}

static void provider_start(void)
{
    const char *src = getenv("SAMSPIL_SOURCE_DIR");
    char script[1024], modules[1024];
    snprintf(script, sizeof script, "%s/tests/oidc/provider.mjs", src);
    snprintf(modules, sizeof modules, "%s/tests/oidc/node_modules/oidc-provider", src);
    if (access(modules, R_OK) != 0) {
        fprintf(stderr, "test_oidc_login: %s is missing: run npm ci in tests/oidc "
                        "(./dev test does)\n", modules);
        exit(2);
    }
    pid_t pid = fork();
    if (pid == 0) {
        setsid(); /* Check kills a test's process group when the test ends: not the provider */
        char port[16];
        snprintf(port, sizeof port, "%d", provider_port);
        setenv("PORT", port, 1);
        setenv("CLIENT_SECRET", SECRET, 1);
        setenv("REDIRECT_BASE", it_base_url(), 1);
        setenv("PKJWT_PUBLIC_KEY_FILE", client_pub, 1);
        if (!getenv("IT_SERVER_LOG")) {
            FILE *f = freopen("/dev/null", "w", stdout);
            f = freopen("/dev/null", "w", stderr);
            (void)f;
        }
        execlp("node", "node", script, (char *)NULL);
        _exit(127);
    }
    FILE *f = fopen(pidfile, "w");
    fprintf(f, "%d\n", (int)pid);
    fclose(f);
    for (int i = 0; i < 200; i++) {
        char *d = provider_get("/.well-known/openid-configuration");
        free(d);
        if (d)
            return;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "test_oidc_login: the provider did not start (node on PATH?)\n");
    exit(2);
}

static void provider_stop(void)
{
    FILE *f = fopen(pidfile, "r");
    int pid = 0;
    if (f) {
        if (fscanf(f, "%d", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
}

/* ---- the log-in journey ---- */

typedef struct journey {
    CURL *browser;
    char callback[4096]; /* the provider's redirect back to Samspil */
    page result;         /* Samspil's answer to it */
} journey;

static bool is_callback(const char *url)
{
    return strncmp(url, it_base_url(), strlen(it_base_url())) == 0 && strstr(url, "/callback?");
}

/* From Samspil's start address through the provider's log-in page as login (its e-mail),
 * up to the callback URL; deliver: also call it with the same browser. */
static void journey_run(journey *j, const char *provider, const char *login, bool deliver)
{
    memset(j, 0, sizeof *j);
    j->browser = browser_new();
    char url[4096];
    snprintf(url, sizeof url, "%s/api/auth/oidc/%s/start", it_base_url(), provider);
    page p;
    browse(j->browser, url, NULL, NULL, &p);
    ck_assert_msg(p.status == 303, "start answered %ld", p.status);
    ck_assert_msg(strncmp(p.location, issuer, strlen(issuer)) == 0, "start went to %s",
                  p.location);
    ck_assert_ptr_nonnull(strstr(p.location, "code_challenge_method=S256"));
    for (int step = 0; step < 12; step++) {
        snprintf(url, sizeof url, "%s", p.location);
        free(p.body);
        if (is_callback(url)) {
            snprintf(j->callback, sizeof j->callback, "%s", url);
            if (deliver)
                browse(j->browser, url, NULL, NULL, &j->result);
            return;
        }
        browse(j->browser, url, NULL, NULL, &p);
        if (p.status == 200 && strstr(p.body, "name=\"login\"")) {
            char form[512];
            char *e = curl_easy_escape(NULL, login, 0);
            snprintf(form, sizeof form, "prompt=login&login=%s&password=test", e);
            curl_free(e);
            free(p.body);
            browse(j->browser, url, form, NULL, &p);
        } else if (p.status == 200 && strstr(p.body, "value=\"consent\"")) {
            free(p.body);
            browse(j->browser, url, "prompt=consent", NULL, &p);
        }
        ck_assert_msg(p.status == 302 || p.status == 303, "%s answered %ld: %.300s", url,
                      p.status, p.body);
    }
    ck_abort_msg("the journey did not come back to Samspil");
}

static void journey_free(journey *j)
{
    free(j->result.body);
    curl_easy_cleanup(j->browser);
}

/* The callback redirected to the log-in page with this error. */
static void assert_refused(const page *p, const char *code)
{
    char want[256];
    snprintf(want, sizeof want, "%s/#/login?error=%s", it_base_url(), code);
    ck_assert_msg(p->status == 303 && strcmp(p->location, want) == 0,
                  "expected a redirect to %s, got %ld to %s", want, p->status, p->location);
}

static void assert_logged_in(journey *j, const char *user_id)
{
    char want[256];
    snprintf(want, sizeof want, "%s/", it_base_url());
    ck_assert_msg(j->result.status == 303 && strcmp(j->result.location, want) == 0,
                  "callback answered %ld to %s", j->result.status, j->result.location);
    char url[256];
    snprintf(url, sizeof url, "%s/api/me", it_base_url());
    page me;
    browse(j->browser, url, NULL, NULL, &me); /* with the session cookie it was given */
    ck_assert_msg(me.status == 200, "/api/me %ld: %s", me.status, me.body);
    json_t *o = json_loads(me.body, 0, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(o, "id")), user_id);
    json_decref(o);
    free(me.body);
}

static long audit_rows(const char *provider, const char *outcome, const char *purpose_like)
{
    PGconn *db = it_db_owner();
    const char *p[] = {provider, outcome, purpose_like};
    char *v = it_db_value_params(db,
                                 "SELECT count(*) FROM audit_log WHERE resource_type = 'session' "
                                 "AND action = 'create' AND resource_id = $1 AND outcome = $2 "
                                 "AND purpose LIKE $3 AND at > now() - interval '5 minutes'",
                                 3, p);
    long n = v ? strtol(v, NULL, 10) : -1;
    free(v);
    PQfinish(db);
    return n;
}

/* ---- tests ---- */

START_TEST(test_providers_are_listed)
{
    it_response *r = it_request("GET", "/api/auth/providers", NULL, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    json_t *list = json_object_get(r->json, "providers");
    ck_assert_int_eq(json_array_size(list), 3);
    json_t *first = json_array_get(list, 0);
    ck_assert_str_eq(json_string_value(json_object_get(first, "name")), "test");
    ck_assert_str_eq(json_string_value(json_object_get(first, "display_name")), "Testregionen");
    ck_assert_str_eq(json_string_value(json_object_get(first, "start_url")),
                     "/api/auth/oidc/test/start");
    ck_assert(json_is_true(json_object_get(r->json, "password_login")));
    it_response_free(r);
}
END_TEST

START_TEST(test_login_rs256_client_secret_basic)
{
    long before = audit_rows("test", "allowed", "oidc log-in: logged in");
    journey j;
    journey_run(&j, "test", "clinician@slagelse.demo", true);
    assert_logged_in(&j, IT_USER_CLINICIAN_SLAGELSE);
    ck_assert_int_eq(audit_rows("test", "allowed", "oidc log-in: logged in"), before + 1);
    /* the callback cannot be used twice: state and code are spent */
    page again;
    browse(j.browser, j.callback, NULL, NULL, &again);
    assert_refused(&again, "oidc-state");
    free(again.body);
    journey_free(&j);
}
END_TEST

START_TEST(test_login_es256_client_secret_post)
{
    journey j;
    journey_run(&j, "test-es", "Staff@Engen.demo", true);
    assert_logged_in(&j, IT_USER_STAFF_ENGEN);
    journey_free(&j);
}
END_TEST

START_TEST(test_login_private_key_jwt)
{
    journey j; /* Samspil signs a client assertion instead of sending a secret */
    journey_run(&j, "test-pk", "manager@engen.demo", true);
    assert_logged_in(&j, IT_USER_MANAGER_ENGEN);
    journey_free(&j);
}
END_TEST

START_TEST(test_unknown_user_is_refused)
{
    long before = audit_rows("test", "denied", "%no Samspil account%");
    journey j;
    journey_run(&j, "test", "stranger@idp.test.example", true);
    assert_refused(&j.result, "oidc-unknown-account");
    ck_assert_int_eq(audit_rows("test", "denied", "%no Samspil account%"), before + 1);
    journey_free(&j);
}
END_TEST

START_TEST(test_deactivated_user_is_refused)
{
    char *local = it_unique("oidc-gone");
    char email[200];
    snprintf(email, sizeof email, "%s@engen.demo", local);
    PGconn *db = it_db_owner();
    const char *p[] = {email};
    char *id = it_db_value_params(db,
                                  "INSERT INTO users (email, name, role, org_id, active) "
                                  "VALUES (lower($1), 'Deaktiveret Testbruger', 'facility_staff', "
                                  "'" IT_FACILITY_ENGEN "', false) RETURNING id",
                                  1, p);
    ck_assert_ptr_nonnull(id);
    PQfinish(db);
    journey j;
    journey_run(&j, "test", email, true);
    assert_refused(&j.result, "oidc-account-deactivated");
    db = it_db_owner();
    const char *q[] = {id};
    char *n = it_db_value_params(db,
                                 "SELECT count(*) FROM audit_log WHERE user_id = $1 AND "
                                 "outcome = 'denied' AND resource_type = 'session'",
                                 1, q);
    ck_assert_str_eq(n, "1");
    free(n);
    PQfinish(db);
    journey_free(&j);
    free(id);
    free(local);
}
END_TEST

START_TEST(test_organisation_not_allowed_for_provider)
{
    journey j; /* test-es is for Engen only */
    journey_run(&j, "test-es", "clinician@slagelse.demo", true);
    assert_refused(&j.result, "oidc-organisation-not-allowed");
    journey_free(&j);
}
END_TEST

START_TEST(test_state_is_bound_to_the_browser)
{
    journey j;
    journey_run(&j, "test", "clinician@slagelse.demo", false);
    CURL *other = browser_new(); /* the same callback URL in another browser */
    page p;
    browse(other, j.callback, NULL, NULL, &p);
    assert_refused(&p, "oidc-state");
    free(p.body);
    /* and the state is spent by that attempt: the right browser cannot use it after */
    browse(j.browser, j.callback, NULL, NULL, &p);
    assert_refused(&p, "oidc-state");
    free(p.body);
    curl_easy_cleanup(other);
    journey_free(&j);
}
END_TEST

START_TEST(test_forged_expired_and_wrong_audience_tokens)
{
    static const struct {
        const char *mode, *reason;
    } cases[] = {
        {"{\"mode\":\"forge\"}", "%ID token refused: bad signature"},
        {"{\"mode\":\"expired\"}", "%ID token refused: expired"},
        {"{\"mode\":\"wrong-aud\"}", "%ID token refused: bad audience"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int es = 0; es < 2; es++) {
            const char *provider = es ? "test-es" : "test";
            long before = audit_rows(provider, "denied", cases[i].reason);
            provider_mode(cases[i].mode);
            journey j;
            journey_run(&j, provider, es ? "staff@engen.demo" : "clinician@slagelse.demo", true);
            assert_refused(&j.result, "oidc-invalid-token");
            ck_assert_msg(audit_rows(provider, "denied", cases[i].reason) == before + 1,
                          "%s %s: no audit row %s", provider, cases[i].mode, cases[i].reason);
            journey_free(&j);
        }
    }
}
END_TEST

START_TEST(test_replayed_token_is_refused)
{
    journey j;
    journey_run(&j, "test", "clinician@slagelse.demo", true);
    assert_logged_in(&j, IT_USER_CLINICIAN_SLAGELSE);
    journey_free(&j);
    char *last = provider_get("/__test/last-id-token");
    ck_assert_ptr_nonnull(last);
    json_t *o = json_loads(last, 0, NULL);
    json_t *mode = json_pack("{s:s, s:O}", "mode", "replace", "id_token",
                             json_object_get(o, "id_token"));
    char *m = json_dumps(mode, JSON_COMPACT);
    /* the earlier log-in's valid token, signed by the provider, arrives for a new log-in */
    long before = audit_rows("test", "denied", "%ID token refused: bad nonce");
    provider_mode(m);
    journey_run(&j, "test", "clinician@slagelse.demo", true);
    assert_refused(&j.result, "oidc-invalid-token");
    ck_assert_int_eq(audit_rows("test", "denied", "%ID token refused: bad nonce"), before + 1);
    journey_free(&j);
    free(m);
    json_decref(mode);
    json_decref(o);
    free(last);
}
END_TEST

static long jwks_requests(void)
{
    char *s = provider_get("/__test/stats");
    json_t *o = s ? json_loads(s, 0, NULL) : NULL;
    long n = (long)json_integer_value(json_object_get(o, "jwks"));
    json_decref(o);
    free(s);
    return n;
}

START_TEST(test_unknown_kid_refresh_is_rate_limited)
{
    sleep(3); /* past the test's JWKS_MIN_REFRESH_SECONDS (2) since any earlier fetch */
    long before = jwks_requests();
    for (int i = 0; i < 3; i++) {
        provider_mode("{\"mode\":\"unknown-kid\"}");
        journey j;
        journey_run(&j, "test", "clinician@slagelse.demo", true);
        assert_refused(&j.result, "oidc-invalid-token");
        journey_free(&j);
    }
    /* the first unknown kid refetched the JWKS, the two right after it did not */
    ck_assert_int_eq(jwks_requests(), before + 1);
    ck_assert_int_ge(audit_rows("test", "denied", "%ID token refused: unknown key"), 3);
}
END_TEST

START_TEST(test_key_rotation_is_followed)
{
    journey j;
    journey_run(&j, "test-es", "staff@engen.demo", true); /* keys cached */
    assert_logged_in(&j, IT_USER_STAFF_ENGEN);
    journey_free(&j);
    char *old_keys = provider_get("/jwks");
    sleep(3);
    provider_stop();
    provider_start(); /* new RSA and EC keys with new kids */
    char *new_keys = provider_get("/jwks");
    ck_assert_ptr_nonnull(new_keys);
    ck_assert_str_ne(old_keys, new_keys);
    for (int es = 0; es < 2; es++) {
        journey_run(&j, es ? "test-es" : "test",
                    es ? "staff@engen.demo" : "clinician@slagelse.demo", true);
        assert_logged_in(&j, es ? IT_USER_STAFF_ENGEN : IT_USER_CLINICIAN_SLAGELSE);
        journey_free(&j);
    }
    free(old_keys);
    free(new_keys);
}
END_TEST

START_TEST(test_logout_ends_the_provider_session_too)
{
    journey j;
    journey_run(&j, "test", "clinician@slagelse.demo", true);
    assert_logged_in(&j, IT_USER_CLINICIAN_SLAGELSE);
    char url[256], origin[256];
    snprintf(url, sizeof url, "%s/api/auth/logout", it_base_url());
    snprintf(origin, sizeof origin, "Origin: %s", it_base_url());
    const char *h[] = {origin, NULL};
    page p;
    browse(j.browser, url, "", h, &p);
    ck_assert_msg(p.status == 200, "logout %ld: %s", p.status, p.body);
    json_t *o = json_loads(p.body, 0, NULL);
    const char *to = json_string_value(json_object_get(o, "redirect"));
    char want[256];
    snprintf(want, sizeof want, "%s/session/end?id_token_hint=", issuer);
    ck_assert_msg(to && strncmp(to, want, strlen(want)) == 0, "redirect %s", to);
    char *base = curl_easy_escape(NULL, it_base_url(), 0);
    char post[512];
    snprintf(post, sizeof post, "post_logout_redirect_uri=%s%%2F", base);
    ck_assert_msg(strstr(to, post), "redirect %s lacks %s", to, post);
    curl_free(base);
    page end; /* the provider accepts it: its log-out confirmation page */
    browse(j.browser, to, NULL, NULL, &end);
    ck_assert_msg(end.status == 200, "end_session %ld: %.300s", end.status, end.body);
    free(end.body);
    json_decref(o);
    free(p.body);
    /* the Samspil session is over */
    snprintf(url, sizeof url, "%s/api/me", it_base_url());
    browse(j.browser, url, NULL, NULL, &p);
    ck_assert_int_eq(p.status, 401);
    free(p.body);
    journey_free(&j);
}
END_TEST

START_TEST(test_bad_requests_redirect_with_a_code)
{
    CURL *c = browser_new();
    char url[512];
    page p;
    snprintf(url, sizeof url, "%s/api/auth/oidc/nobody/start", it_base_url());
    browse(c, url, NULL, NULL, &p);
    assert_refused(&p, "oidc-unknown-provider");
    free(p.body);
    snprintf(url, sizeof url, "%s/api/auth/oidc/test/callback?code=x&state=made-up", it_base_url());
    browse(c, url, NULL, NULL, &p);
    assert_refused(&p, "oidc-state");
    free(p.body);
    snprintf(url, sizeof url, "%s/api/auth/oidc/test/callback?error=access_denied", it_base_url());
    browse(c, url, NULL, NULL, &p);
    assert_refused(&p, "oidc-provider-error");
    free(p.body);
    curl_easy_cleanup(c);
}
END_TEST

START_TEST(test_password_login_off_for_an_organisation)
{
    const char *body = "{\"email\":\"staff@skoven.demo\",\"password\":\"demo-password\"}";
    it_response *r = it_request("POST", "/api/auth/login", NULL, body, NULL);
    IT_ASSERT_PROBLEM(r, 403, "password-login-disabled");
    it_response_free(r);
    char *t = it_login("staff@engen.demo"); /* other organisations keep it */
    ck_assert_ptr_nonnull(t);
    free(t);
}
END_TEST

int main(void)
{
    provider_port = free_port();
    snprintf(issuer, sizeof issuer, "http://127.0.0.1:%d", provider_port);
    int fd = mkstemp(pidfile);
    if (fd < 0)
        return 2;
    close(fd);
    if (!mkdtemp(keydir))
        return 2;
    snprintf(client_key, sizeof client_key, "%s/client.key", keydir);
    snprintf(client_pub, sizeof client_pub, "%s/client.pub", keydir);
    /* the client's certificate too: its thumbprint (x5t) goes in the assertion's header, as
     * Entra ID wants (checked in tests/unit/test_oidc.c; here the log-in works with it) */
    char cmd[900];
    snprintf(client_cert, sizeof client_cert, "%s/client.crt", keydir);
    snprintf(cmd, sizeof cmd,
             "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out %s 2>/dev/null "
             "&& openssl pkey -in %s -pubout -out %s 2>/dev/null "
             "&& openssl req -x509 -key %s -subj /CN=samspil-pk -days 2 -out %s 2>/dev/null",
             client_key, client_key, client_pub, client_key, client_cert);
    if (system(cmd) != 0)
        return 2;
    char cert_env[200];
    snprintf(cert_env, sizeof cert_env, "OIDC_TEST_PK_CERTIFICATE_FILE=%s", client_cert);
    char iss_env[128], iss_es_env[128], iss_pk_env[128], key_env[200];
    snprintf(iss_pk_env, sizeof iss_pk_env, "OIDC_TEST_PK_ISSUER=%s", issuer);
    snprintf(key_env, sizeof key_env, "OIDC_TEST_PK_PRIVATE_KEY_FILE=%s", client_key);
    snprintf(iss_env, sizeof iss_env, "OIDC_TEST_ISSUER=%s", issuer);
    snprintf(iss_es_env, sizeof iss_es_env, "OIDC_TEST_ES_ISSUER=%s", issuer);
    const char *env[] = {
        "OIDC_PROVIDERS=test,test-es,test-pk",
        iss_env,
        "OIDC_TEST_CLIENT_ID=samspil",
        "OIDC_TEST_CLIENT_SECRET=" SECRET,
        "OIDC_TEST_ORGANIZATIONS=" IT_TEAM_SLAGELSE "," IT_FACILITY_ENGEN,
        "OIDC_TEST_DISPLAY_NAME=Testregionen",
        "OIDC_TEST_ALLOW_HTTP=1",
        "OIDC_TEST_JWKS_MIN_REFRESH_SECONDS=2",
        iss_es_env,
        "OIDC_TEST_ES_CLIENT_ID=samspil-es",
        "OIDC_TEST_ES_CLIENT_SECRET=" SECRET,
        "OIDC_TEST_ES_CLIENT_AUTH=client_secret_post",
        "OIDC_TEST_ES_ORGANIZATIONS=" IT_FACILITY_ENGEN,
        "OIDC_TEST_ES_DISPLAY_NAME=Testkommunen",
        "OIDC_TEST_ES_ALLOW_HTTP=1",
        "OIDC_TEST_ES_JWKS_MIN_REFRESH_SECONDS=2",
        iss_pk_env,
        key_env,
        cert_env,
        "OIDC_TEST_PK_CLIENT_ID=samspil-pk",
        "OIDC_TEST_PK_CLIENT_AUTH=private_key_jwt",
        "OIDC_TEST_PK_ORGANIZATIONS=" IT_FACILITY_ENGEN,
        "OIDC_TEST_PK_ALLOW_HTTP=1",
        "PASSWORD_LOGIN_DISABLED_ORGANIZATIONS=" IT_FACILITY_SKOVEN,
        NULL,
    };
    it_server_start(env);
    provider_start();
    Suite *s = suite_create("oidc_login");
    TCase *tc = tcase_create("browser");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_providers_are_listed);
    tcase_add_test(tc, test_login_rs256_client_secret_basic);
    tcase_add_test(tc, test_login_es256_client_secret_post);
    tcase_add_test(tc, test_login_private_key_jwt);
    tcase_add_test(tc, test_unknown_user_is_refused);
    tcase_add_test(tc, test_deactivated_user_is_refused);
    tcase_add_test(tc, test_organisation_not_allowed_for_provider);
    tcase_add_test(tc, test_state_is_bound_to_the_browser);
    tcase_add_test(tc, test_forged_expired_and_wrong_audience_tokens);
    tcase_add_test(tc, test_replayed_token_is_refused);
    tcase_add_test(tc, test_unknown_kid_refresh_is_rate_limited);
    tcase_add_test(tc, test_key_rotation_is_followed);
    tcase_add_test(tc, test_logout_ends_the_provider_session_too);
    tcase_add_test(tc, test_bad_requests_redirect_with_a_code);
    tcase_add_test(tc, test_password_login_off_for_an_organisation);
    suite_add_tcase(s, tc);
    int rc = it_run_suite(s);
    provider_stop();
    unlink(pidfile);
    unlink(client_key);
    unlink(client_pub);
    unlink(client_cert);
    rmdir(keydir);
    return rc;
}
