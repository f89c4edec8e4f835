/*
 * Sessions as a user and a security reviewer see them: log-in (token, cookie flags), failed
 * log-ins that do not reveal whether an account exists, every way a token can be wrong
 * (expired, forged, alg:none, foreign issuer or audience, claims the database disagrees
 * with), cookie sessions and their CSRF check, log-out, and tokens that stop working when
 * an administrator deactivates an account or resets its password.
 *
 * Log-in failures count per account and per address (LOGIN_MAX_FAILURES, default 5 in 15
 * minutes), so every test that fails a log-in sends from its own loopback address and uses
 * an account of its own. The lock-out itself is tested in test_login_limit.c.
 */
#include <jwt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "it_check.h"

#define ADMIN "admin@samspil.demo"
#define CLINICIAN "clinician@slagelse.demo"

/* Claims of a Samspil token; aud and iss default to "samspil". */
static char *claims(const char *sub, const char *role, const char *org, long sv, long iat,
                    long exp, const char *iss, const char *aud)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "sub", sub, "role", role, "org",
                          org, "iss", iss ? iss : "samspil", "aud", aud ? aud : "samspil", "iat",
                          (json_int_t)iat, "exp", (json_int_t)exp);
    if (sv >= 0)
        json_object_set_new(o, "sv", json_integer(sv));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

/* A token for the Slagelse clinician signed with JWT_SECRET, the claims varied by the caller. */
static char *clinician_token(const char *role, const char *org, long sv, long iat_offset,
                             long exp_offset, const char *iss, const char *aud)
{
    long now = (long)time(NULL);
    char *c = claims(IT_USER_CLINICIAN_SLAGELSE, role, org, sv, now + iat_offset,
                     now + exp_offset, iss, aud);
    char *t = it_jwt_hs256(c, NULL, 0);
    free(c);
    ck_assert_ptr_nonnull(t);
    return t;
}

/* GET /api/me with token must be a 401 problem (code unless NULL) with WWW-Authenticate. */
static void assert_me_refused(const char *token, const char *code)
{
    it_response *r = it_request("GET", "/api/me", token, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 401, code);
    char *wa = it_header(r, "WWW-Authenticate");
    ck_assert_msg(wa && strncmp(wa, "Bearer", 6) == 0, "401 without WWW-Authenticate: Bearer");
    free(wa);
    it_response_free(r);
}

static void assert_me_ok(const char *token, const char *role)
{
    it_response *r = it_request("GET", "/api/me", token, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "role"), role);
    it_response_free(r);
}

static char *login_body(const char *email, const char *password)
{
    json_t *o = json_pack("{s:s, s:s}", "email", email, "password", password);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

static it_response *login(const char *email, const char *password)
{
    char *b = login_body(email, password);
    it_response *r = it_request("POST", "/api/auth/login", NULL, b, NULL);
    free(b);
    return r;
}

/* The value of the session cookie in a Set-Cookie header (malloc'd) or NULL. */
static char *session_cookie_value(const it_response *r)
{
    char *sc = it_header(r, "Set-Cookie");
    if (!sc || strncmp(sc, "samspil_session=", 16) != 0) {
        free(sc);
        return NULL;
    }
    char *v = strndup(sc + 16, strcspn(sc + 16, ";"));
    free(sc);
    return v;
}

/* Whether a Set-Cookie header carries the attribute attr (case-insensitive, exact). */
static bool cookie_has(const char *set_cookie, const char *attr)
{
    size_t n = strlen(attr);
    for (const char *p = strchr(set_cookie, ';'); p; p = strchr(p + 1, ';')) {
        const char *a = p + 1;
        while (*a == ' ')
            a++;
        if (strncasecmp(a, attr, n) == 0 && (a[n] == ';' || a[n] == '\0'))
            return true;
    }
    return false;
}

/* The body of a problem with request_id removed, for comparing two answers. */
static char *without_request_id(const it_response *r)
{
    json_t *copy = json_deep_copy(r->json);
    json_object_del(copy, "request_id");
    char *s = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(copy);
    return s;
}

START_TEST(test_login_ok)
{
    it_response *r = login("Clinician@Slagelse.demo", "demo-password");
    IT_ASSERT_STATUS(r, 200);
    const char *token = it_json_str(r, "token");
    ck_assert_ptr_nonnull(token);
    ck_assert_int_gt(strlen(token), 20);

    /* expires_at: RFC 3339 UTC, about JWT_TTL_SECONDS (8 h) from now */
    const char *exp = it_json_str(r, "expires_at");
    ck_assert_ptr_nonnull(exp);
    struct tm tm = {0};
    char z = 0;
    ck_assert_int_eq(sscanf(exp, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon,
                            &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z),
                     7);
    ck_assert_int_eq(z, 'Z');
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    long left = (long)timegm(&tm) - (long)time(NULL);
    ck_assert_msg(left > 8 * 3600 - 120 && left <= 8 * 3600, "expires_at %s is not in 8 h", exp);

    json_t *user = json_object_get(r->json, "user");
    ck_assert_str_eq(json_string_value(json_object_get(user, "id")), IT_USER_CLINICIAN_SLAGELSE);
    ck_assert_str_eq(json_string_value(json_object_get(user, "email")), CLINICIAN);
    ck_assert_str_eq(json_string_value(json_object_get(user, "role")), "region_clinician");
    ck_assert_str_eq(json_string_value(json_object_get(user, "org_id")), IT_TEAM_SLAGELSE);
    ck_assert_ptr_nonnull(json_string_value(json_object_get(user, "name")));
    ck_assert_ptr_null(strstr(r->body, "demo-password"));
    ck_assert_ptr_null(strstr(r->body, "argon2"));

    /* the same token as an HttpOnly, SameSite=Strict cookie for the browser */
    char *sc = it_header(r, "Set-Cookie");
    ck_assert_ptr_nonnull(sc);
    char *cv = session_cookie_value(r);
    ck_assert_ptr_nonnull(cv);
    ck_assert_str_eq(cv, token);
    ck_assert_msg(cookie_has(sc, "HttpOnly"), "cookie not HttpOnly: %s", sc);
    ck_assert_msg(cookie_has(sc, "SameSite=Strict"), "cookie not SameSite=Strict: %s", sc);
    ck_assert_msg(cookie_has(sc, "Path=/"), "cookie without Path=/: %s", sc);
    ck_assert_msg(cookie_has(sc, "Max-Age=28800"), "cookie lifetime is not the token's: %s", sc);
    /* PUBLIC_ORIGIN is http:// here: a Secure cookie would never be sent back */
    ck_assert_msg(!cookie_has(sc, "Secure"), "Secure cookie on an http origin: %s", sc);

    char *cc = it_header(r, "Cache-Control");
    ck_assert_msg(cc && strstr(cc, "no-store"), "a token response must not be cached");
    char *ct = it_header(r, "Content-Type");
    ck_assert_msg(ct && strncmp(ct, "application/json", 16) == 0, "Content-Type %s", ct);

    assert_me_ok(token, "region_clinician");
    free(ct);
    free(cc);
    free(cv);
    free(sc);
    it_response_free(r);
}
END_TEST

START_TEST(test_me)
{
    char *t = it_login("staff@engen.demo");
    it_response *r = it_request("GET", "/api/me", t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "id"), IT_USER_STAFF_ENGEN);
    ck_assert_str_eq(it_json_str(r, "email"), "staff@engen.demo");
    ck_assert_str_eq(it_json_str(r, "role"), "facility_staff");
    ck_assert_str_eq(it_json_str(r, "org_id"), IT_FACILITY_ENGEN);
    ck_assert_str_eq(it_json_str(r, "org_name"), "Botilbuddet Engen");
    ck_assert_str_eq(it_json_str(r, "org_kind"), "facility");
    ck_assert_ptr_nonnull(it_json_str(r, "session_expires_at"));
    /* the browser app's idle log-out, 15 minutes unless IDLE_LOGOUT_MINUTES says otherwise */
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "idle_logout_seconds")), 900);
    ck_assert_ptr_null(json_object_get(r->json, "password_hash"));
    it_response_free(r);
    free(t);
}
END_TEST

/* A wrong password and an unknown e-mail get the same answer: no account enumeration. */
START_TEST(test_login_failures_look_the_same)
{
    char *admin = it_login(ADMIN);
    char *email = NULL;
    char *id = it_create_user(admin, "region_clinician", IT_TEAM_SLAGELSE, "right-password-1",
                              &email);
    it_set_source_address("127.0.0.11");

    it_response *wrong = login(email, "wrong-password-1");
    IT_ASSERT_PROBLEM(wrong, 401, "invalid-credentials");
    char *unknown_email = it_unique("nobody");
    char addr[300];
    snprintf(addr, sizeof addr, "%s@test.demo", unknown_email);
    it_response *unknown = login(addr, "wrong-password-1");
    IT_ASSERT_PROBLEM(unknown, 401, "invalid-credentials");

    char *a = without_request_id(wrong), *b = without_request_id(unknown);
    ck_assert_str_eq(a, b);
    ck_assert_str_ne(it_json_str(wrong, "request_id"), it_json_str(unknown, "request_id"));
    char *wa = it_header(wrong, "WWW-Authenticate"), *wb = it_header(unknown, "WWW-Authenticate");
    ck_assert_ptr_nonnull(wa);
    ck_assert_ptr_nonnull(wb);
    ck_assert_str_eq(wa, wb);
    ck_assert_ptr_null(it_header(wrong, "Set-Cookie"));
    ck_assert_ptr_null(strstr(wrong->body, email));

    /* the right password still works afterwards */
    char *t = it_login_as(email, "right-password-1");
    ck_assert_ptr_nonnull(t);
    free(t);
    free(wa);
    free(wb);
    free(a);
    free(b);
    free(unknown_email);
    it_response_free(wrong);
    it_response_free(unknown);
    free(id);
    free(email);
    free(admin);
}
END_TEST

START_TEST(test_login_validation)
{
    /* a malformed log-in is a client error, not a failed log-in */
    it_response *r = it_request("POST", "/api/auth/login", NULL, "{\"email\":\"x@y.z\"}", NULL);
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    ck_assert(it_problem_has_field(r, "password"));
    it_response_free(r);
}
END_TEST

START_TEST(test_missing_or_odd_authorization)
{
    it_response *r = it_request("GET", "/api/me", NULL, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 401, "authentication-required");
    char *wa = it_header(r, "WWW-Authenticate");
    ck_assert_ptr_nonnull(wa);
    free(wa);
    it_response_free(r);

    const char *basic[] = {"Authorization: Basic YWRtaW46ZGVtby1wYXNzd29yZA==", NULL};
    r = it_request("GET", "/api/me", NULL, NULL, basic);
    IT_ASSERT_PROBLEM(r, 401, NULL);
    it_response_free(r);

    assert_me_refused("not-a-token", "invalid-token");
    assert_me_refused("a.b.c", "invalid-token");
    /* an absurdly long token is refused, not a crash */
    char *huge = malloc(20001);
    memset(huge, 'A', 20000);
    huge[20000] = '\0';
    huge[100] = '.';
    huge[200] = '.';
    r = it_request("GET", "/api/me", huge, NULL, NULL);
    ck_assert_msg(r->status == 401 || r->status == 431 || r->status == 413 || r->status == 400,
                  "status %ld", r->status);
    it_response_free(r);
    free(huge);
    /* a garbage cookie */
    const char *cookie[] = {"Cookie: samspil_session=garbage", NULL};
    r = it_request("GET", "/api/me", NULL, NULL, cookie);
    IT_ASSERT_PROBLEM(r, 401, "invalid-token");
    it_response_free(r);
}
END_TEST

/* The negative tests below are only meaningful if a well-made token is accepted. */
START_TEST(test_crafted_valid_token_is_accepted)
{
    char *t = clinician_token("region_clinician", IT_TEAM_SLAGELSE, 1, -10, 600, NULL, NULL);
    assert_me_ok(t, "region_clinician");
    free(t);
}
END_TEST

START_TEST(test_expired_token)
{
    char *t = clinician_token("region_clinician", IT_TEAM_SLAGELSE, 1, -7200, -60, NULL, NULL);
    assert_me_refused(t, "session-expired");
    free(t);
    /* expiring this very second is expired too (no leeway on exp) */
    t = clinician_token("region_clinician", IT_TEAM_SLAGELSE, 1, -7200, 0, NULL, NULL);
    assert_me_refused(t, NULL);
    free(t);
    /* issued in the future */
    t = clinician_token("region_clinician", IT_TEAM_SLAGELSE, 1, 3600, 7200, NULL, NULL);
    assert_me_refused(t, NULL);
    free(t);
}
END_TEST

START_TEST(test_forged_signature)
{
    char *t = it_login(CLINICIAN);
    ck_assert_ptr_nonnull(t);
    /* flip one signature character (not the last: its low bits may be padding) */
    char *bad = strdup(t);
    char *sig = strrchr(bad, '.') + 1;
    sig[2] = sig[2] == 'A' ? 'B' : 'A';
    assert_me_refused(bad, "invalid-token");

    /* the payload changed to admin, the original signature kept */
    char *dot1 = strchr(t, '.'), *dot2 = strrchr(t, '.');
    long now = (long)time(NULL);
    char *c = claims(IT_USER_CLINICIAN_SLAGELSE, "admin", IT_TEAM_SLAGELSE, 1, now, now + 600,
                     NULL, NULL);
    char *other = it_jwt_raw("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", c, NULL, 0);
    char *other_dot2 = strrchr(other, '.');
    char tampered[4096];
    snprintf(tampered, sizeof tampered, "%.*s%.*s%s", (int)(dot1 - t), t,
             (int)(other_dot2 - strchr(other, '.')), strchr(other, '.'), dot2);
    assert_me_refused(tampered, "invalid-token");

    /* a well-formed token signed with another (long enough) key */
    const char *key = "an-attacker-chosen-secret-of-more-than-32-bytes";
    char *c2 = claims(IT_USER_CLINICIAN_SLAGELSE, "region_clinician", IT_TEAM_SLAGELSE, 1, now,
                      now + 600, NULL, NULL);
    char *wrong_key = it_jwt_hs256(c2, key, strlen(key));
    assert_me_refused(wrong_key, "invalid-token");

    free(wrong_key);
    free(c2);
    free(other);
    free(c);
    free(bad);
    free(t);
}
END_TEST

START_TEST(test_alg_none_and_other_algorithms)
{
    long now = (long)time(NULL);
    char *c = claims(IT_USER_ADMIN, "admin", "10000000-0000-4000-8000-000000000099", 1, now,
                     now + 600, NULL, NULL);
    const char *headers[] = {
        "{\"alg\":\"none\",\"typ\":\"JWT\"}", "{\"alg\":\"None\",\"typ\":\"JWT\"}",
        "{\"alg\":\"NONE\"}",                 "{\"alg\":\"hs256\",\"typ\":\"JWT\"}",
        "{\"typ\":\"JWT\"}",                  "{\"alg\":\"HS256\",\"alg\":\"none\"}",
    };
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
        char *t = it_jwt_raw(headers[i], c, NULL, 0);
        assert_me_refused(t, "invalid-token");
        free(t);
        const unsigned char junk[32] = {1, 2, 3};
        t = it_jwt_raw(headers[i], c, junk, sizeof junk);
        assert_me_refused(t, "invalid-token");
        free(t);
    }
    /* HS512 with the right secret is still not the algorithm Samspil issues */
    jwt_t *jwt = NULL;
    ck_assert_int_eq(jwt_new(&jwt), 0);
    ck_assert_int_eq(jwt_add_grants_json(jwt, c), 0);
    const char *secret = getenv("JWT_SECRET");
    ck_assert_int_eq(jwt_set_alg(jwt, JWT_ALG_HS512, (const unsigned char *)secret,
                                 (int)strlen(secret)),
                     0);
    char *hs512 = jwt_encode_str(jwt);
    jwt_free(jwt);
    assert_me_refused(hs512, "invalid-token");
    free(hs512);
    free(c);
}
END_TEST

START_TEST(test_wrong_audience_or_issuer)
{
    char *t = clinician_token("region_clinician", IT_TEAM_SLAGELSE, 1, 0, 600, NULL, "other-app");
    assert_me_refused(t, "invalid-token");
    free(t);
    t = clinician_token("region_clinician", IT_TEAM_SLAGELSE, 1, 0, 600, "https://evil.example",
                        NULL);
    assert_me_refused(t, "invalid-token");
    free(t);
    /* no exp at all */
    long now = (long)time(NULL);
    char *c = claims(IT_USER_CLINICIAN_SLAGELSE, "region_clinician", IT_TEAM_SLAGELSE, 1, now,
                     now, NULL, NULL);
    json_t *o = json_loads(c, 0, NULL);
    json_object_del(o, "exp");
    char *c2 = json_dumps(o, JSON_COMPACT);
    t = it_jwt_hs256(c2, NULL, 0);
    assert_me_refused(t, "invalid-token");
    free(t);
    free(c2);
    json_decref(o);
    free(c);
}
END_TEST

/* Signed with the right key, but the claims disagree with the database. */
START_TEST(test_claims_the_database_disagrees_with)
{
    /* a role Samspil does not have */
    char *t = clinician_token("superuser", IT_TEAM_SLAGELSE, 1, 0, 600, NULL, NULL);
    assert_me_refused(t, "invalid-token");
    free(t);
    /* a real role that is not this user's: no escalation, not even on a manager route */
    t = clinician_token("region_manager", IT_TEAM_SLAGELSE, 1, 0, 600, NULL, NULL);
    assert_me_refused(t, NULL);
    it_response *r =
        it_request("GET", "/api/audit?resident_id=" IT_RESIDENT_ENGEN_1, t, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 401, NULL);
    it_response_free(r);
    free(t);
    t = clinician_token("admin", IT_TEAM_SLAGELSE, 1, 0, 600, NULL, NULL);
    r = it_request("GET", "/api/users", t, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 401, NULL);
    it_response_free(r);
    free(t);
    /* another organisation */
    t = clinician_token("region_clinician", IT_TEAM_HOLBAEK, 1, 0, 600, NULL, NULL);
    assert_me_refused(t, NULL);
    r = it_request("GET", "/api/residents", t, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 401, NULL);
    it_response_free(r);
    free(t);
    /* an old or missing session version */
    t = clinician_token("region_clinician", IT_TEAM_SLAGELSE, 0, 0, 600, NULL, NULL);
    assert_me_refused(t, NULL);
    free(t);
    t = clinician_token("region_clinician", IT_TEAM_SLAGELSE, -1, 0, 600, NULL, NULL);
    assert_me_refused(t, NULL);
    free(t);
    /* a subject that is not a user id at all */
    long now0 = (long)time(NULL);
    char *c0 = claims("admin", "admin", "10000000-0000-4000-8000-000000000099", 1, now0,
                      now0 + 600, NULL, NULL);
    t = it_jwt_hs256(c0, NULL, 0);
    assert_me_refused(t, "invalid-token");
    free(t);
    free(c0);
    /* a user that does not exist */
    long now = (long)time(NULL);
    char *c = claims("30000000-0000-4000-8000-0000000000ff", "region_clinician",
                     IT_TEAM_SLAGELSE, 1, now, now + 600, NULL, NULL);
    t = it_jwt_hs256(c, NULL, 0);
    assert_me_refused(t, NULL);
    free(t);
    free(c);
}
END_TEST

START_TEST(test_cookie_session_and_csrf)
{
    it_response *l = login(ADMIN, "demo-password");
    IT_ASSERT_STATUS(l, 200);
    char *cv = session_cookie_value(l);
    ck_assert_ptr_nonnull(cv);
    char cookie[4096], origin[128], foreign[] = "Origin: https://evil.example";
    snprintf(cookie, sizeof cookie, "Cookie: samspil_session=%s", cv);
    snprintf(origin, sizeof origin, "Origin: %s", it_base_url());

    /* GET with the cookie alone works */
    const char *cookie_only[] = {cookie, NULL};
    it_response *r = it_request("GET", "/api/me", NULL, NULL, cookie_only);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "role"), "admin");
    it_response_free(r);

    char *name = it_unique("CSRF facility");
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "kind", "facility", "name", name, "authority",
                          "Slagelse Kommune", "serving_team_id", IT_TEAM_SLAGELSE);
    char *body = json_dumps(o, JSON_COMPACT);
    json_decref(o);

    /* a change with the cookie but no Origin: refused */
    r = it_request("POST", "/api/organizations", NULL, body, cookie_only);
    IT_ASSERT_PROBLEM(r, 403, "cross-origin");
    it_response_free(r);
    /* from another site: refused */
    const char *evil[] = {cookie, foreign, NULL};
    r = it_request("POST", "/api/organizations", NULL, body, evil);
    IT_ASSERT_PROBLEM(r, 403, "cross-origin");
    it_response_free(r);
    const char *cross_site[] = {cookie, "Sec-Fetch-Site: cross-site", NULL};
    r = it_request("POST", "/api/organizations", NULL, body, cross_site);
    IT_ASSERT_PROBLEM(r, 403, "cross-origin");
    it_response_free(r);
    r = it_request("PATCH", "/api/users/" IT_USER_STAFF_ENGEN, NULL, "{\"name\":\"Mallory\"}",
                   cookie_only);
    IT_ASSERT_PROBLEM(r, 403, "cross-origin");
    it_response_free(r);
    /* nothing was created by the refused attempts */
    PGconn *db = it_db_owner();
    const char *p[] = {name};
    char *n = it_db_value_params(db, "SELECT count(*) FROM organizations WHERE name = $1", 1, p);
    ck_assert_str_eq(n, "0");
    free(n);
    char *staff = it_db_value(db, "SELECT name FROM users WHERE id = '" IT_USER_STAFF_ENGEN "'");
    ck_assert_str_ne(staff, "Mallory");
    free(staff);

    /* from our own origin: accepted */
    const char *ours[] = {cookie, origin, NULL};
    r = it_request("POST", "/api/organizations", NULL, body, ours);
    IT_ASSERT_STATUS(r, 201);
    it_response_free(r);
    n = it_db_value_params(db, "SELECT count(*) FROM organizations WHERE name = $1", 1, p);
    ck_assert_str_eq(n, "1");
    free(n);

    /* a foreign Origin is refused even for log-in (login CSRF) */
    const char *evil_login[] = {foreign, NULL};
    char *lb = login_body(ADMIN, "demo-password");
    r = it_request("POST", "/api/auth/login", NULL, lb, evil_login);
    IT_ASSERT_PROBLEM(r, 403, "cross-origin");
    ck_assert_ptr_null(it_header(r, "Set-Cookie"));
    it_response_free(r);

    free(lb);
    PQfinish(db);
    free(body);
    free(name);
    free(cv);
    it_response_free(l);
}
END_TEST

START_TEST(test_logout_clears_cookie)
{
    char origin[128];
    snprintf(origin, sizeof origin, "Origin: %s", it_base_url());
    const char *h[] = {origin, NULL};
    it_response *r = it_request("POST", "/api/auth/logout", NULL, NULL, h);
    IT_ASSERT_STATUS(r, 204);
    char *sc = it_header(r, "Set-Cookie");
    ck_assert_ptr_nonnull(sc);
    ck_assert_msg(strncmp(sc, "samspil_session=;", 17) == 0, "cookie not emptied: %s", sc);
    ck_assert_msg(cookie_has(sc, "Max-Age=0"), "cookie not expired: %s", sc);
    ck_assert_msg(cookie_has(sc, "HttpOnly") && cookie_has(sc, "Path=/"), "%s", sc);
    free(sc);
    it_response_free(r);
}
END_TEST

/* Log-out with the session cookie follows the CSRF rule of every change: without our Origin
 * (or a same-origin fetch) another site could log the user out. */
START_TEST(test_logout_with_cookie_needs_our_origin)
{
    it_response *l = login(ADMIN, "demo-password");
    IT_ASSERT_STATUS(l, 200);
    char *cv = session_cookie_value(l);
    ck_assert_ptr_nonnull(cv);
    char cookie[4096], origin[128];
    snprintf(cookie, sizeof cookie, "Cookie: samspil_session=%s", cv);
    snprintf(origin, sizeof origin, "Origin: %s", it_base_url());

    const char *bare[] = {cookie, NULL};
    it_response *r = it_request("POST", "/api/auth/logout", NULL, NULL, bare);
    IT_ASSERT_PROBLEM(r, 403, "cross-origin");
    ck_assert_ptr_null(it_header(r, "Set-Cookie"));
    it_response_free(r);
    const char *cross[] = {cookie, "Sec-Fetch-Site: cross-site", NULL};
    r = it_request("POST", "/api/auth/logout", NULL, NULL, cross);
    IT_ASSERT_PROBLEM(r, 403, "cross-origin");
    it_response_free(r);
    const char *evil[] = {cookie, "Origin: https://evil.example", NULL};
    r = it_request("POST", "/api/auth/logout", NULL, NULL, evil);
    IT_ASSERT_PROBLEM(r, 403, "cross-origin");
    it_response_free(r);

    const char *same[] = {cookie, "Sec-Fetch-Site: same-origin", NULL};
    r = it_request("POST", "/api/auth/logout", NULL, NULL, same);
    IT_ASSERT_STATUS(r, 204);
    it_response_free(r);
    const char *ours[] = {cookie, origin, NULL};
    r = it_request("POST", "/api/auth/logout", NULL, NULL, ours);
    IT_ASSERT_STATUS(r, 204);
    char *sc = it_header(r, "Set-Cookie");
    ck_assert_ptr_nonnull(sc);
    free(sc);
    it_response_free(r);
    free(cv);
    it_response_free(l);
}
END_TEST

START_TEST(test_api_responses_are_not_cached)
{
    char *t = it_login(CLINICIAN);
    struct {
        const char *method, *path, *token;
        long status;
    } cases[] = {
        {"GET", "/api/me", t, 200},
        {"GET", "/api/me", NULL, 401},
        {"GET", "/api/residents", t, 200},
        {"GET", "/api/residents/" IT_RESIDENT_SKOVEN_1, t, 404},
        {"GET", "/api/users", t, 403},
        {"GET", "/api/nothing-here", t, 404},
        {"DELETE", "/api/me", t, 405},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        it_response *r = it_request(cases[i].method, cases[i].path, cases[i].token, NULL, NULL);
        IT_ASSERT_STATUS(r, cases[i].status);
        char *cc = it_header(r, "Cache-Control");
        ck_assert_msg(cc && strstr(cc, "no-store"), "%s %s: Cache-Control %s", cases[i].method,
                      cases[i].path, cc ? cc : "(none)");
        free(cc);
        it_response_free(r);
    }
    free(t);
}
END_TEST

static void patch_user(const char *admin, const char *id, const char *body, long status)
{
    char path[128];
    snprintf(path, sizeof path, "/api/users/%s", id);
    it_response *r = it_request("PATCH", path, admin, body, NULL);
    IT_ASSERT_STATUS(r, status);
    it_response_free(r);
}

START_TEST(test_deactivation_ends_sessions)
{
    char *admin = it_login(ADMIN);
    char *email = NULL;
    char *id = it_create_user(admin, "region_clinician", IT_TEAM_SLAGELSE, "first-password-1",
                              &email);
    char *t = it_login_as(email, "first-password-1");
    ck_assert_ptr_nonnull(t);
    assert_me_ok(t, "region_clinician");
    it_response *r = it_request("GET", "/api/residents", t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);

    patch_user(admin, id, "{\"active\":false}", 200);
    assert_me_refused(t, "session-invalid");
    r = it_request("GET", "/api/residents", t, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 401, NULL);
    it_response_free(r);

    /* the right password no longer logs in, with the same answer as a wrong one */
    it_set_source_address("127.0.0.12");
    r = login(email, "first-password-1");
    IT_ASSERT_PROBLEM(r, 401, "invalid-credentials");
    it_response_free(r);

    /* reactivated: the old token stays dead, a new log-in works */
    patch_user(admin, id, "{\"active\":true}", 200);
    assert_me_refused(t, NULL);
    char *t2 = it_login_as(email, "first-password-1");
    ck_assert_ptr_nonnull(t2);
    assert_me_ok(t2, "region_clinician");
    free(t2);
    free(t);
    free(id);
    free(email);
    free(admin);
}
END_TEST

/* An account made for the identity provider only has no password: none logs it in. */
START_TEST(test_account_without_password)
{
    char *admin = it_login(ADMIN);
    char *email = NULL;
    char *id = it_create_user(admin, "region_clinician", IT_TEAM_HOLBAEK, NULL, &email);
    it_set_source_address("127.0.0.14");
    it_response *r = login(email, "any-password-at-all");
    IT_ASSERT_PROBLEM(r, 401, "invalid-credentials");
    it_response_free(r);
    r = login(email, "");
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    it_response_free(r);
    free(id);
    free(email);
    free(admin);
}
END_TEST

/* Behind https (PUBLIC_ORIGIN https://...) the session cookie is Secure and the CSRF check
 * compares against that origin. A server of this test's own. */
START_TEST(test_https_origin)
{
    const char *env[] = {"PUBLIC_ORIGIN=https://samspil.example", NULL};
    it_server_start(env);
    it_response *l = login(ADMIN, "demo-password");
    IT_ASSERT_STATUS(l, 200);
    char *sc = it_header(l, "Set-Cookie");
    ck_assert_msg(sc && cookie_has(sc, "Secure"), "cookie not Secure behind https: %s", sc);
    char *cv = session_cookie_value(l);
    char cookie[4096];
    snprintf(cookie, sizeof cookie, "Cookie: samspil_session=%s", cv);
    char plain[128];
    snprintf(plain, sizeof plain, "Origin: %s", it_base_url());
    const char *wrong[] = {cookie, plain, NULL};
    it_response *r = it_request("POST", "/api/organizations", NULL, "{}", wrong);
    IT_ASSERT_PROBLEM(r, 403, "cross-origin");
    it_response_free(r);
    const char *right[] = {cookie, "Origin: https://samspil.example", NULL};
    r = it_request("POST", "/api/organizations", NULL, "{}", right);
    IT_ASSERT_PROBLEM(r, 422, "validation-failed"); /* past the CSRF check */
    it_response_free(r);
    free(cv);
    free(sc);
    it_response_free(l);
    ck_assert_int_eq(it_server_stop(), 0);
}
END_TEST

START_TEST(test_password_reset_ends_sessions)
{
    char *admin = it_login(ADMIN);
    char *email = NULL;
    char *id = it_create_user(admin, "facility_staff", IT_FACILITY_ENGEN, "old-password-12",
                              &email);
    char *t = it_login_as(email, "old-password-12");
    ck_assert_ptr_nonnull(t);
    assert_me_ok(t, "facility_staff");

    patch_user(admin, id, "{\"password\":\"new-password-34\"}", 200);
    assert_me_refused(t, "session-invalid");
    it_set_source_address("127.0.0.13");
    char *old = it_login_as(email, "old-password-12");
    ck_assert_ptr_null(old);
    char *t2 = it_login_as(email, "new-password-34");
    ck_assert_ptr_nonnull(t2);
    assert_me_ok(t2, "facility_staff");

    /* a rename does not end sessions; a role change does */
    patch_user(admin, id, "{\"name\":\"Renamed Person\"}", 200);
    assert_me_ok(t2, "facility_staff");
    patch_user(admin, id, "{\"role\":\"facility_manager\"}", 200);
    assert_me_refused(t2, NULL);
    char *t3 = it_login_as(email, "new-password-34");
    ck_assert_ptr_nonnull(t3);
    assert_me_ok(t3, "facility_manager");
    free(t3);
    free(t2);
    free(t);
    free(id);
    free(email);
    free(admin);
}
END_TEST

int main(void)
{
    it_server_start(NULL);
    Suite *s = suite_create("auth");
    TCase *tc = tcase_create("sessions");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_login_ok);
    tcase_add_test(tc, test_me);
    tcase_add_test(tc, test_login_failures_look_the_same);
    tcase_add_test(tc, test_login_validation);
    tcase_add_test(tc, test_missing_or_odd_authorization);
    tcase_add_test(tc, test_crafted_valid_token_is_accepted);
    tcase_add_test(tc, test_expired_token);
    tcase_add_test(tc, test_forged_signature);
    tcase_add_test(tc, test_alg_none_and_other_algorithms);
    tcase_add_test(tc, test_wrong_audience_or_issuer);
    tcase_add_test(tc, test_claims_the_database_disagrees_with);
    tcase_add_test(tc, test_cookie_session_and_csrf);
    tcase_add_test(tc, test_logout_clears_cookie);
    tcase_add_test(tc, test_logout_with_cookie_needs_our_origin);
    tcase_add_test(tc, test_api_responses_are_not_cached);
    tcase_add_test(tc, test_deactivation_ends_sessions);
    tcase_add_test(tc, test_password_reset_ends_sessions);
    tcase_add_test(tc, test_account_without_password);
    tcase_add_test(tc, test_https_origin);
    suite_add_tcase(s, tc);
    return it_run_suite(s);
}
