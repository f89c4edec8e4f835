/*
 * Log-in through an external identity provider (OIDC): the provider's RS256 tokens are
 * mapped by e-mail to a local account, whose role and organisation come from Samspil's
 * database, never from the token. A key pair is made for the test with the openssl CLI; a
 * second pair plays an attacker's provider.
 */
#include <jwt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "it_check.h"

#define ISSUER "https://idp.test.example"
#define AUDIENCE "samspil-oidc-test"

static char dir[] = "/tmp/samspil-oidc-XXXXXX";
static char private_pem[128], public_pem[128], attacker_pem[128];

/* Provider claims for email; iss, aud and lifetime as given (NULL: the configured ones). */
static char *provider_claims(const char *email, const char *iss, const char *aud,
                             long exp_offset, const char *extra_key, json_t *extra_value)
{
    long now = (long)time(NULL);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "sub", "idp-subject-1", "email",
                          email, "iss", iss ? iss : ISSUER, "aud", aud ? aud : AUDIENCE, "iat",
                          (json_int_t)now - 5, "exp", (json_int_t)(now + exp_offset));
    if (extra_key)
        json_object_set_new(o, extra_key, extra_value);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

static char *provider_token(const char *email)
{
    char *c = provider_claims(email, NULL, NULL, 600, NULL, NULL);
    char *t = it_jwt_rs256(c, private_pem);
    free(c);
    ck_assert_ptr_nonnull(t);
    return t;
}

static void assert_refused(const char *token)
{
    it_response *r = it_request("GET", "/api/me", token, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 401, NULL);
    it_response_free(r);
}

START_TEST(test_provider_token_maps_to_local_account)
{
    char *t = provider_token("staff@engen.demo");
    for (int i = 0; i < 2; i++) { /* the second time from the verified-token cache */
        it_response *r = it_request("GET", "/api/me", t, NULL, NULL);
        IT_ASSERT_STATUS(r, 200);
        ck_assert_str_eq(it_json_str(r, "id"), IT_USER_STAFF_ENGEN);
        ck_assert_str_eq(it_json_str(r, "role"), "facility_staff");
        ck_assert_str_eq(it_json_str(r, "org_id"), IT_FACILITY_ENGEN);
        it_response_free(r);
    }
    /* and the account's data scope with it */
    it_response *r = it_request("GET", "/api/residents?limit=200", t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    json_t *items = json_object_get(r->json, "items");
    ck_assert_int_ge(json_array_size(items), 8);
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
        ck_assert_str_eq(json_string_value(json_object_get(item, "facility_id")),
                         IT_FACILITY_ENGEN);
    it_response_free(r);
    free(t);

    /* e-mail addresses compare without case */
    t = provider_token("Clinician@Slagelse.Demo");
    r = it_request("GET", "/api/me", t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "id"), IT_USER_CLINICIAN_SLAGELSE);
    it_response_free(r);
    free(t);
}
END_TEST

START_TEST(test_role_comes_from_the_database)
{
    /* a provider that claims admin for a clinician changes nothing */
    char *c = provider_claims("clinician@holbaek.demo", NULL, NULL, 600, "role",
                              json_string("admin"));
    char *t = it_jwt_rs256(c, private_pem);
    it_response *r = it_request("GET", "/api/me", t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "role"), "region_clinician");
    it_response_free(r);
    r = it_request("GET", "/api/users", t, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 403, "forbidden");
    it_response_free(r);
    free(t);
    free(c);
}
END_TEST

START_TEST(test_unknown_email)
{
    char *local = it_unique("stranger");
    char email[300];
    snprintf(email, sizeof email, "%s@idp.test.example", local);
    char *t = provider_token(email);
    it_response *r = it_request("GET", "/api/me", t, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 401, "unknown-account");
    it_response_free(r);
    free(t);
    free(local);
}
END_TEST

/* The classic key confusion: HS256 "signed" with the provider's public key as the secret. */
START_TEST(test_hs256_with_public_key_as_secret)
{
    FILE *f = fopen(public_pem, "rb");
    ck_assert_ptr_nonnull(f);
    char key[8192];
    size_t n = fread(key, 1, sizeof key, f);
    fclose(f);
    long now = (long)time(NULL);
    /* both the provider's claims and Samspil's own */
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:I}", "email",
                          "admin@samspil.demo", "sub", IT_USER_ADMIN, "role", "admin", "org",
                          "10000000-0000-4000-8000-000000000099", "iss", ISSUER, "aud", AUDIENCE,
                          "sv", 1, "iat", (json_int_t)now, "exp", (json_int_t)now + 600);
    char *c = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    char *t = it_jwt_hs256(c, key, n);
    ck_assert_ptr_nonnull(t);
    assert_refused(t);
    free(t);
    /* the same with Samspil's issuer and audience */
    o = json_loads(c, 0, NULL);
    json_object_set_new(o, "iss", json_string("samspil"));
    json_object_set_new(o, "aud", json_string("samspil"));
    free(c);
    c = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    t = it_jwt_hs256(c, key, n);
    assert_refused(t);
    free(t);
    free(c);
}
END_TEST

START_TEST(test_bad_provider_tokens)
{
    const char *email = "staff@skoven.demo";
    /* signed by another key */
    char *c = provider_claims(email, NULL, NULL, 600, NULL, NULL);
    char *t = it_jwt_rs256(c, attacker_pem);
    assert_refused(t);
    free(t);
    /* alg:none with the provider's claims */
    t = it_jwt_raw("{\"alg\":\"none\",\"typ\":\"JWT\"}", c, NULL, 0);
    assert_refused(t);
    free(t);
    free(c);
    /* another issuer, another audience, expired, unverified e-mail */
    c = provider_claims(email, "https://evil.example", NULL, 600, NULL, NULL);
    t = it_jwt_rs256(c, private_pem);
    assert_refused(t);
    free(t);
    free(c);
    c = provider_claims(email, NULL, "another-client", 600, NULL, NULL);
    t = it_jwt_rs256(c, private_pem);
    assert_refused(t);
    free(t);
    free(c);
    c = provider_claims(email, NULL, NULL, -10, NULL, NULL);
    t = it_jwt_rs256(c, private_pem);
    assert_refused(t);
    free(t);
    free(c);
    c = provider_claims(email, NULL, NULL, 600, "email_verified", json_false());
    t = it_jwt_rs256(c, private_pem);
    assert_refused(t);
    free(t);
    free(c);
}
END_TEST

/* A cached provider token stops working as soon as the local account is deactivated. */
START_TEST(test_deactivated_account)
{
    char *admin = it_login("admin@samspil.demo");
    char *email = NULL;
    char *id = it_create_user(admin, "region_manager", IT_TEAM_HOLBAEK, NULL, &email);
    char *t = provider_token(email);
    it_response *r = it_request("GET", "/api/me", t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "role"), "region_manager");
    it_response_free(r);

    char path[128];
    snprintf(path, sizeof path, "/api/users/%s", id);
    r = it_request("PATCH", path, admin, "{\"active\":false}", NULL);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);
    assert_refused(t);
    /* a fresh token for the same account too */
    char *t2 = provider_token(email);
    assert_refused(t2);
    free(t2);
    free(t);
    free(id);
    free(email);
    free(admin);
}
END_TEST

START_TEST(test_own_tokens_still_work)
{
    char *t = it_login("manager@engen.demo");
    ck_assert_ptr_nonnull(t);
    it_response *r = it_request("GET", "/api/me", t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "role"), "facility_manager");
    it_response_free(r);
    free(t);
}
END_TEST

static void run(const char *cmd)
{
    if (system(cmd) != 0) {
        fprintf(stderr, "test_oidc: failed: %s\n", cmd);
        exit(2);
    }
}

static void make_keys(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(2);
    }
    snprintf(private_pem, sizeof private_pem, "%s/idp.key", dir);
    snprintf(public_pem, sizeof public_pem, "%s/idp.pub", dir);
    snprintf(attacker_pem, sizeof attacker_pem, "%s/attacker.key", dir);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out %s 2>/dev/null"
             " && openssl pkey -in %s -pubout -out %s 2>/dev/null"
             " && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out %s "
             "2>/dev/null",
             private_pem, private_pem, public_pem, attacker_pem);
    run(cmd);
}

static void remove_keys(void)
{
    unlink(private_pem);
    unlink(public_pem);
    unlink(attacker_pem);
    rmdir(dir);
}

int main(void)
{
    make_keys();
    char key_file[160];
    snprintf(key_file, sizeof key_file, "OIDC_PUBLIC_KEY_FILE=%s", public_pem);
    const char *env[] = {"OIDC_ISSUER=" ISSUER, "OIDC_AUDIENCE=" AUDIENCE, key_file, NULL};
    it_server_start(env);
    Suite *s = suite_create("oidc");
    TCase *tc = tcase_create("provider");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_provider_token_maps_to_local_account);
    tcase_add_test(tc, test_role_comes_from_the_database);
    tcase_add_test(tc, test_unknown_email);
    tcase_add_test(tc, test_hs256_with_public_key_as_secret);
    tcase_add_test(tc, test_bad_provider_tokens);
    tcase_add_test(tc, test_deactivated_account);
    tcase_add_test(tc, test_own_tokens_still_work);
    suite_add_tcase(s, tc);
    int rc = it_run_suite(s);
    remove_keys();
    return rc;
}
