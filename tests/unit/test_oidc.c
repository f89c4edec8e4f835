/*
 * test_oidc: lib/oidc without a provider. Transport rules (https only; http only for a
 * loopback issuer when allowed; no user information), Cache-Control max-age, JWK to PEM
 * (RSA of at least 2048 bits, EC P-256 points on the curve) and the algorithm check that
 * comes before any key is fetched (alg none, HS256 key confusion); private_key_jwt's client
 * assertion with the certificate thumbprints Entra ID wants (x5t, checked against openssl's
 * own fingerprint). The whole flow against a
 * real provider is tests/integration/test_oidc_login.c.
 */
#include "oidc.h"

#include <check.h>
#include <jansson.h>
#include <jwt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* The whole text of a file (new string), or NULL. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 16385);
    size_t n = buf ? fread(buf, 1, 16384, f) : 0;
    fclose(f);
    if (buf && n == 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* openssl's own fingerprint of cert ("SHA1 Fingerprint=AB:CD:...") as base64url. */
static void openssl_thumbprint(const char *cert, const char *digest, char *out, size_t len)
{
    char cmd[400], line[300];
    snprintf(cmd, sizeof cmd, "openssl x509 -in %s -noout -fingerprint -%s", cert, digest);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(fgets(line, sizeof line, p));
    pclose(p);
    const char *hex = strchr(line, '=');
    ck_assert_ptr_nonnull(hex);
    unsigned char bin[64];
    size_t n = 0;
    for (const char *h = hex + 1; h[0] && h[1] && n < sizeof bin; h += 3) {
        unsigned v;
        ck_assert_int_eq(sscanf(h, "%2x", &v), 1);
        bin[n++] = (unsigned char)v;
    }
    sodium_bin2base64(out, len, bin, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* The JSON of a JWT's first part. New reference. */
static json_t *jwt_header_of(const char *jwt)
{
    const char *dot = strchr(jwt, '.');
    ck_assert_ptr_nonnull(dot);
    unsigned char bin[1024];
    size_t n = 0;
    ck_assert_int_eq(sodium_base642bin(bin, sizeof bin, jwt, (size_t)(dot - jwt), NULL, &n, NULL,
                                       sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                     0);
    json_t *h = json_loadb((const char *)bin, n, 0, NULL);
    ck_assert_ptr_nonnull(h);
    return h;
}

START_TEST(client_assertion_with_thumbprint)
{
    /* a key pair and a self-signed certificate, as an Entra ID app registration has */
    char dir[] = "/tmp/test_oidc_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char cmd[1200];
    snprintf(cmd, sizeof cmd,
             "cd %s && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out a.key "
             "2>/dev/null && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 "
             "-out b.key 2>/dev/null && openssl req -x509 -key a.key -subj /CN=samspil "
             "-days 2 -out a.crt 2>/dev/null && openssl pkey -in a.key -pubout -out a.pub "
             "2>/dev/null",
             dir);
    ck_assert_int_eq(system(cmd), 0);
    char path[300];
    snprintf(path, sizeof path, "%s/a.key", dir);
    char *key = slurp(path);
    snprintf(path, sizeof path, "%s/b.key", dir);
    char *other = slurp(path);
    snprintf(path, sizeof path, "%s/a.pub", dir);
    char *pub = slurp(path);
    snprintf(path, sizeof path, "%s/a.crt", dir);
    char *cert = slurp(path);
    ck_assert(key && other && pub && cert);

    char want1[64], want256[64];
    openssl_thumbprint(path, "sha1", want1, sizeof want1);
    openssl_thumbprint(path, "sha256", want256, sizeof want256);
    oidc_thumbprints t;
    ck_assert(oidc_cert_thumbprints(cert, key, &t));
    ck_assert_str_eq(t.x5t, want1);
    ck_assert_str_eq(t.x5t_s256, want256);
    ck_assert_uint_eq(strlen(t.x5t), 27);
    /* the certificate of another key, or no certificate: refused */
    ck_assert(!oidc_cert_thumbprints(cert, other, &t));
    ck_assert(!oidc_cert_thumbprints(key, key, &t));
    ck_assert(oidc_cert_thumbprints(cert, key, &t));

    /* the assertion: thumbprints in its header, signed by the key, the RFC 7523 claims */
    time_t now = time(NULL);
    char *a = oidc_client_assertion("client-1", key, &t, "https://idp.example/token", now);
    ck_assert_ptr_nonnull(a);
    json_t *h = jwt_header_of(a);
    ck_assert_str_eq(json_string_value(json_object_get(h, "alg")), "RS256");
    ck_assert_str_eq(json_string_value(json_object_get(h, "x5t")), want1);
    ck_assert_str_eq(json_string_value(json_object_get(h, "x5t#S256")), want256);
    json_decref(h);
    jwt_t *jwt = NULL;
    ck_assert_int_eq(jwt_decode(&jwt, a, (const unsigned char *)pub, (int)strlen(pub)), 0);
    ck_assert_str_eq(jwt_get_grant(jwt, "iss"), "client-1");
    ck_assert_str_eq(jwt_get_grant(jwt, "sub"), "client-1");
    ck_assert_str_eq(jwt_get_grant(jwt, "aud"), "https://idp.example/token");
    ck_assert_int_eq(jwt_get_grant_int(jwt, "exp"), (long)now + 60);
    ck_assert_uint_eq(strlen(jwt_get_grant(jwt, "jti")), 32);
    jwt_free(jwt);
    free(a);
    /* without a certificate: no thumbprint */
    a = oidc_client_assertion("client-1", key, NULL, "https://idp.example/token", now);
    h = jwt_header_of(a);
    ck_assert_ptr_null(json_object_get(h, "x5t"));
    json_decref(h);
    free(a);

    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
    free(key), free(other), free(pub), free(cert);
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
    tcase_add_test(tc, client_assertion_with_thumbprint);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
