/*
 * test_oidc: lib/oidc without a provider. Transport rules (https only; http only for a
 * loopback issuer when allowed; no user information), Cache-Control max-age, JWK to PEM
 * (RSA of at least 2048 bits, EC P-256 points on the curve) and the algorithm check that
 * comes before any key is fetched (alg none, HS256 key confusion). The whole flow against a
 * real provider is tests/integration/test_oidc_login.c.
 */
#include "oidc.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* RFC 7517, appendix A.1 */
#define RFC_EC "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4\"," \
               "\"y\":\"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM\",\"kid\":\"1\"}"
#define RFC_RSA_N "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"

START_TEST(transport_rules)
{
    oidc_provider *p = oidc_provider_new("https://login.example.org/tenant/v2.0", false);
    ck_assert_ptr_nonnull(p);
    ck_assert(oidc_url_allowed(p, "https://login.example.org/token"));
    ck_assert(!oidc_url_allowed(p, "http://login.example.org/token"));
    ck_assert(!oidc_url_allowed(p, "http://127.0.0.1:9/token"));
    ck_assert(!oidc_url_allowed(p, "https://user@evil.example/token"));
    ck_assert(!oidc_url_allowed(p, "https://login.example.org/a b"));
    ck_assert(!oidc_url_allowed(p, "file:///etc/passwd"));
    oidc_provider_free(p);
    ck_assert_ptr_null(oidc_provider_new("http://127.0.0.1:8080", false));
    ck_assert_ptr_null(oidc_provider_new("http://idp.example.org", true)); /* not loopback */
    ck_assert_ptr_null(oidc_provider_new("http://127.0.0.1.evil.example", true));
    p = oidc_provider_new("http://127.0.0.1:8080", true);
    ck_assert_ptr_nonnull(p);
    ck_assert(oidc_url_allowed(p, "http://localhost:8080/jwks"));
    ck_assert(!oidc_url_allowed(p, "http://10.0.0.1/jwks"));
    oidc_provider_free(p);
}
END_TEST

START_TEST(cache_control)
{
    ck_assert_int_eq(oidc_max_age(NULL), -1);
    ck_assert_int_eq(oidc_max_age(" public, max-age=300\r\n"), 300);
    ck_assert_int_eq(oidc_max_age("Max-Age=60"), 60);
    ck_assert_int_eq(oidc_max_age("no-store"), 0);
    ck_assert_int_eq(oidc_max_age("max-age=600, no-cache"), 0);
    ck_assert_int_eq(oidc_max_age("max-age=99999999"), 24 * 3600);
    ck_assert_int_eq(oidc_max_age("private"), -1);
}
END_TEST

START_TEST(jwk_to_pem)
{
    char *pem = oidc_jwk_to_pem(RFC_EC);
    ck_assert_ptr_nonnull(pem);
    ck_assert(strncmp(pem, "-----BEGIN PUBLIC KEY-----", 26) == 0);
    free(pem);
    pem = oidc_jwk_to_pem("{\"kty\":\"RSA\",\"n\":\"" RFC_RSA_N "\",\"e\":\"AQAB\"}");
    ck_assert_ptr_nonnull(pem);
    free(pem);
    /* a point off the curve (y changed), a short RSA key, another curve, junk */
    ck_assert_ptr_null(oidc_jwk_to_pem("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":"
                                       "\"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4\",\"y\":"
                                       "\"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyA\"}"));
    ck_assert_ptr_null(oidc_jwk_to_pem("{\"kty\":\"RSA\",\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmb"
                                       "XEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc\","
                                       "\"e\":\"AQAB\"}"));
    ck_assert_ptr_null(oidc_jwk_to_pem("{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"AA\",\"y\":\"AA\"}"));
    ck_assert_ptr_null(oidc_jwk_to_pem("{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}"));
    ck_assert_ptr_null(oidc_jwk_to_pem("[]"));
}
END_TEST

START_TEST(algorithm_before_keys)
{
    /* refused before anything is fetched: the issuer does not exist */
    oidc_provider *p = oidc_provider_new("https://idp.invalid", false);
    oidc_claims c;
    /* {"alg":"none"} . {"iss":"x"} . */
    ck_assert_int_eq(oidc_verify_id_token(p, "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.", "c", "n",
                                          "email", 0, 0, &c),
                     OIDC_MALFORMED);
    ck_assert_int_eq(oidc_verify_id_token(p, "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.c2ln", "c",
                                          "n", "email", 0, 0, &c),
                     OIDC_BAD_ALG);
    /* {"alg":"HS256"}: a provider's public key must never serve as an HMAC secret */
    ck_assert_int_eq(oidc_verify_id_token(p, "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln", "c",
                                          "n", "email", 0, 0, &c),
                     OIDC_BAD_ALG);
    ck_assert_int_eq(oidc_verify_id_token(p, "a.b", "c", "n", "email", 0, 0, &c),
                     OIDC_MALFORMED);
    ck_assert_int_eq(oidc_verify_id_token(p, "a.b.c.d", "c", "n", "email", 0, 0, &c),
                     OIDC_MALFORMED);
    oidc_provider_free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("oidc");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, transport_rules);
    tcase_add_test(tc, cache_control);
    tcase_add_test(tc, jwk_to_pem);
    tcase_add_test(tc, algorithm_before_keys);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
