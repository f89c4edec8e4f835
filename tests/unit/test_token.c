/*
 * test_token: lib/token. Every attack libjwt 1.10.2 leaves open on its own
 * (alg:none in any casing, HS384/HS512 or RS256 tokens presented to the HS256
 * check, the RS256 public key used as an HMAC secret, an empty key, unchecked
 * claims) is built here by hand or with libjwt and must be refused with the
 * right reason. RSA keys come from the openssl command line into a temporary
 * directory, so the test needs no link against libcrypto.
 */
#include "token.h"

#include <check.h>
#include <errno.h>
#include <jwt.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOW ((time_t)1700000000)

static unsigned char key_a[32]; /* the server's HS256 secret */
static unsigned char key_b[32]; /* another secret of the same length */

static char *rsa_priv;     /* PEM, private key the "provider" signs with */
static size_t rsa_priv_len;
static char *rsa_pub;      /* PEM, its public key, configured in Samspil */
static size_t rsa_pub_len;
static char *rsa_other;    /* PEM, an unrelated private key */
static size_t rsa_other_len;

/* Claims a Samspil token normally carries, valid at NOW. */
#define GOOD_CLAIMS                                                                        \
    "{\"iss\":\"samspil\",\"aud\":\"samspil\",\"sub\":\"user-1\",\"role\":\"facility_staff\"," \
    "\"org\":\"org-1\",\"iat\":1700000000,\"exp\":1700000600}"

/* Claims an OIDC provider's ID token carries, valid at NOW. */
#define GOOD_RS_CLAIMS                                                                   \
    "{\"iss\":\"https://idp.example\",\"aud\":\"samspil-client\",\"sub\":\"abc123\","    \
    "\"email\":\"nurse@region.example\",\"email_verified\":true,\"iat\":1700000000,"    \
    "\"exp\":1700000600}"

static token_hs_config hs_cfg(void)
{
    token_hs_config c = {
        .key = key_a, .key_len = sizeof key_a, .issuer = "samspil", .audience = "samspil",
        .ttl_seconds = 3600, .leeway_seconds = 0,
    };
    return c;
}

static token_rs_config rs_cfg(void)
{
    token_rs_config c = {
        .public_pem = (const unsigned char *)rsa_pub, .pem_len = rsa_pub_len,
        .issuer = "https://idp.example", .audience = "samspil-client", .leeway_seconds = 0,
    };
    return c;
}

/* base64url without padding; caller frees. */
static char *b64url(const void *data, size_t len)
{
    size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    sodium_bin2base64(out, cap, data, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

static char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *str_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    ck_assert_int_ge(n, 0);
    char *s = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(s);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* A token signed by libjwt with any algorithm and key; caller frees. */
static char *libjwt_sign(jwt_alg_t alg, const void *key, size_t key_len, const char *claims)
{
    jwt_t *jwt = NULL;
    ck_assert_int_eq(jwt_new(&jwt), 0);
    ck_assert_int_eq(jwt_add_grants_json(jwt, claims), 0);
    ck_assert_int_eq(jwt_set_alg(jwt, alg, key, (int)key_len), 0);
    char *t = jwt_encode_str(jwt);
    ck_assert_ptr_nonnull(t);
    jwt_free(jwt);
    return t;
}

/* header.payload with no signature at all, as alg:none tokens come. Caller frees. */
static char *unsigned_token(const char *header, const char *payload, const char *sig)
{
    char *h = b64url(header, strlen(header));
    char *p = b64url(payload, strlen(payload));
    char *t = str_printf("%s.%s.%s", h, p, sig);
    free(h);
    free(p);
    return t;
}

/* Any header and payload bytes, HMAC-SHA256 signed with key. For what libjwt
 * refuses to build: odd headers, duplicate keys, deep nesting. Caller frees. */
static char *hand_sign_hs256(const char *header, const char *payload, const void *key,
                             size_t key_len)
{
    char *unsigned_part = unsigned_token(header, payload, "");
    size_t n = strlen(unsigned_part) - 1; /* without the trailing '.' */
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, key_len);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)unsigned_part, n);
    crypto_auth_hmacsha256_final(&st, mac);
    char *sig = b64url(mac, sizeof mac);
    char *t = str_printf("%s%s", unsigned_part, sig);
    free(unsigned_part);
    free(sig);
    return t;
}

/* Signs claims with key_a via libjwt HS256 and verifies with the default config. */
static token_status hs_status_at(const char *claims, time_t now)
{
    token_hs_config cfg = hs_cfg();
    token_claims out;
    char *t = libjwt_sign(JWT_ALG_HS256, key_a, sizeof key_a, claims);
    token_status st = token_verify_hs256(&cfg, t, now, &out);
    free(t);
    return st;
}

static token_status hs_status(const char *claims)
{
    return hs_status_at(claims, NOW);
}

static token_status hs_verify(const char *token)
{
    token_hs_config cfg = hs_cfg();
    token_claims out;
    return token_verify_hs256(&cfg, token, NOW, &out);
}

static token_status rs_status(const char *claims)
{
    token_rs_config cfg = rs_cfg();
    token_claims out;
    char *t = libjwt_sign(JWT_ALG_RS256, rsa_priv, rsa_priv_len, claims);
    token_status st = token_verify_rs256(&cfg, t, NOW, &out);
    free(t);
    return st;
}

/* ---- issue and round trip ---- */

START_TEST(issue_verify_round_trip)
{
    token_hs_config cfg = hs_cfg();
    char *t = NULL, *t2 = NULL;
    long exp = 0;
    token_claims c;

    ck_assert_int_eq(token_issue_hs256(&cfg, "user-42", "region_manager", "org-7", 1, NOW, &t, &exp),
                     0);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(exp, (long)NOW + 3600);

    ck_assert_int_eq(token_verify_hs256(&cfg, t, NOW, &c), TOKEN_OK);
    ck_assert_str_eq(c.sub, "user-42");
    ck_assert_str_eq(c.role, "region_manager");
    ck_assert_str_eq(c.org, "org-7");
    ck_assert_str_eq(c.email, "");
    ck_assert_int_eq(c.iat, (long)NOW);
    ck_assert_int_eq(c.exp, (long)NOW + 3600);
    ck_assert_int_eq(c.nbf, 0);
    ck_assert_uint_eq(strlen(c.jti), 32);
    ck_assert_uint_eq(strspn(c.jti, "0123456789abcdef"), 32);

    /* Valid until the last second before exp, not at exp. */
    ck_assert_int_eq(token_verify_hs256(&cfg, t, NOW + 3599, &c), TOKEN_OK);
    ck_assert_int_eq(token_verify_hs256(&cfg, t, NOW + 3600, &c), TOKEN_EXPIRED);
    ck_assert_str_eq(c.sub, ""); /* nothing left behind on failure */

    /* Each token gets its own jti. */
    char jti1[sizeof c.jti];
    ck_assert_int_eq(token_verify_hs256(&cfg, t, NOW, &c), TOKEN_OK);
    memcpy(jti1, c.jti, sizeof jti1);
    ck_assert_int_eq(token_issue_hs256(&cfg, "user-42", "region_manager", "org-7", 1, NOW, &t2, NULL),
                     0);
    ck_assert_int_eq(token_verify_hs256(&cfg, t2, NOW, &c), TOKEN_OK);
    ck_assert_str_ne(jti1, c.jti);

    /* The header says HS256, as libjwt wrote it. */
    char *dot = strchr(t, '.');
    ck_assert_ptr_nonnull(dot);
    unsigned char hdr[256];
    size_t hdr_len = 0;
    ck_assert_int_eq(sodium_base642bin(hdr, sizeof hdr - 1, t, (size_t)(dot - t), NULL, &hdr_len,
                                       NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                     0);
    hdr[hdr_len] = '\0';
    ck_assert_ptr_nonnull(strstr((char *)hdr, "\"alg\":\"HS256\""));

    free(t);
    free(t2);
}
END_TEST

START_TEST(issue_refuses_bad_input)
{
    token_hs_config cfg = hs_cfg();
    char *t = (char *)"sentinel";
    char sub64[65];
    memset(sub64, 'x', 64);
    sub64[64] = '\0';

    ck_assert_int_eq(token_issue_hs256(&cfg, "u", "superuser", "o", 1, NOW, &t, NULL), -EINVAL);
    ck_assert_ptr_null(t);
    ck_assert_int_eq(token_issue_hs256(&cfg, "", "admin", "o", 1, NOW, &t, NULL), -EINVAL);
    ck_assert_int_eq(token_issue_hs256(&cfg, sub64, "admin", "o", 1, NOW, &t, NULL), -EINVAL);
    ck_assert_int_eq(token_issue_hs256(&cfg, "u", "admin", "", 1, NOW, &t, NULL), -EINVAL);
    ck_assert_int_eq(token_issue_hs256(&cfg, "u\n", "admin", "o", 1, NOW, &t, NULL), -EINVAL);
    ck_assert_int_eq(token_issue_hs256(&cfg, NULL, "admin", "o", 1, NOW, &t, NULL), -EINVAL);

    token_hs_config short_key = cfg;
    short_key.key_len = 31;
    ck_assert_int_eq(token_issue_hs256(&short_key, "u", "admin", "o", 1, NOW, &t, NULL), -EINVAL);
    token_hs_config no_ttl = cfg;
    no_ttl.ttl_seconds = 0;
    ck_assert_int_eq(token_issue_hs256(&no_ttl, "u", "admin", "o", 1, NOW, &t, NULL), -EINVAL);
    token_hs_config no_iss = cfg;
    no_iss.issuer = "";
    ck_assert_int_eq(token_issue_hs256(&no_iss, "u", "admin", "o", 1, NOW, &t, NULL), -EINVAL);
    ck_assert_ptr_null(t);
}
END_TEST

START_TEST(roles_and_status_strings)
{
    ck_assert(token_role_valid("region_clinician"));
    ck_assert(token_role_valid("region_manager"));
    ck_assert(token_role_valid("facility_staff"));
    ck_assert(token_role_valid("facility_manager"));
    ck_assert(token_role_valid("admin"));
    ck_assert(!token_role_valid("Admin"));
    ck_assert(!token_role_valid("admin "));
    ck_assert(!token_role_valid(""));
    ck_assert(!token_role_valid(NULL));
    for (int s = TOKEN_OK; s <= TOKEN_INTERNAL_ERROR; s++)
        ck_assert_uint_gt(strlen(token_status_str((token_status)s)), 0);
    ck_assert_str_eq(token_status_str(TOKEN_EXPIRED), "expired");
}
END_TEST

/* ---- signature and algorithm ---- */

START_TEST(wrong_key_rejected)
{
    char *t = libjwt_sign(JWT_ALG_HS256, key_b, sizeof key_b, GOOD_CLAIMS);
    ck_assert_int_eq(hs_verify(t), TOKEN_BAD_SIGNATURE);
    free(t);
}
END_TEST

START_TEST(alg_none_rejected_in_any_casing)
{
    static const char *const algs[] = {"none", "NONE", "None", "nOnE"};
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++) {
        char *hdr = str_printf("{\"alg\":\"%s\",\"typ\":\"JWT\"}", algs[i]);
        /* Empty signature, as the attack is usually sent ... */
        char *t = unsigned_token(hdr, GOOD_CLAIMS, "");
        ck_assert_int_eq(hs_verify(t), TOKEN_BAD_ALG);
        free(t);
        /* ... or with some signature bytes attached, or a real HMAC. */
        t = unsigned_token(hdr, GOOD_CLAIMS, "c2lnbmF0dXJl");
        ck_assert_int_eq(hs_verify(t), TOKEN_BAD_ALG);
        free(t);
        t = hand_sign_hs256(hdr, GOOD_CLAIMS, key_a, sizeof key_a);
        ck_assert_int_eq(hs_verify(t), TOKEN_BAD_ALG);
        free(t);
        free(hdr);
    }
}
END_TEST

START_TEST(alg_must_be_exactly_hs256)
{
    /* Correctly signed with our key, but libjwt's case-insensitive lookup
     * would accept these headers: we must not. */
    static const char *const headers[] = {
        "{\"alg\":\"hs256\",\"typ\":\"JWT\"}",
        "{\"alg\":\"Hs256\"}",
        "{\"alg\":\"HS256 \"}",
        "{\"typ\":\"JWT\"}",
        "{\"alg\":null}",
        "{\"alg\":[\"HS256\"]}",
    };
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
        char *t = hand_sign_hs256(headers[i], GOOD_CLAIMS, key_a, sizeof key_a);
        ck_assert_msg(hs_verify(t) == TOKEN_BAD_ALG, "header %s", headers[i]);
        free(t);
    }
    /* The same bytes with the exact header verify: the HMAC helper is right. */
    char *ok = hand_sign_hs256("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", GOOD_CLAIMS, key_a,
                               sizeof key_a);
    ck_assert_int_eq(hs_verify(ok), TOKEN_OK);
    free(ok);
}
END_TEST

START_TEST(hs384_and_hs512_rejected)
{
    char *t384 = libjwt_sign(JWT_ALG_HS384, key_a, sizeof key_a, GOOD_CLAIMS);
    char *t512 = libjwt_sign(JWT_ALG_HS512, key_a, sizeof key_a, GOOD_CLAIMS);
    ck_assert_int_eq(hs_verify(t384), TOKEN_BAD_ALG);
    ck_assert_int_eq(hs_verify(t512), TOKEN_BAD_ALG);
    free(t384);
    free(t512);
}
END_TEST

START_TEST(tampered_token_rejected)
{
    token_hs_config cfg = hs_cfg();
    char *t = NULL;
    ck_assert_int_eq(token_issue_hs256(&cfg, "user-1", "facility_staff", "org-1", 1, NOW, &t, NULL),
                     0);

    /* Promote ourselves to admin, keep the signature. */
    char *first = strchr(t, '.');
    char *second = strchr(first + 1, '.');
    const char *evil = "{\"iss\":\"samspil\",\"aud\":\"samspil\",\"sub\":\"user-1\","
                       "\"role\":\"admin\",\"org\":\"org-1\",\"iat\":1700000000,"
                       "\"exp\":1700003600}";
    char *evil_b64 = b64url(evil, strlen(evil));
    char *forged = str_printf("%.*s.%s%s", (int)(first - t), t, evil_b64, second);
    ck_assert_int_eq(hs_verify(forged), TOKEN_BAD_SIGNATURE);

    /* Change one signature character. */
    char *flipped = strdup(t);
    ck_assert_ptr_nonnull(flipped);
    char *sig = flipped + (second - t) + 1;
    sig[0] = sig[0] == 'A' ? 'B' : 'A';
    ck_assert_int_eq(hs_verify(flipped), TOKEN_BAD_SIGNATURE);

    /* Drop the signature entirely. */
    char *stripped = strndup(t, (size_t)(second - t) + 1);
    ck_assert_ptr_nonnull(stripped);
    ck_assert_int_eq(hs_verify(stripped), TOKEN_MALFORMED);

    free(t);
    free(evil_b64);
    free(forged);
    free(flipped);
    free(stripped);
}
END_TEST

START_TEST(short_or_empty_key_refused_before_decoding)
{
    token_hs_config cfg = hs_cfg();
    token_claims out;
    char *t = libjwt_sign(JWT_ALG_HS256, key_a, 31, GOOD_CLAIMS);
    char *none = unsigned_token("{\"alg\":\"none\"}", GOOD_CLAIMS, "");

    cfg.key_len = 31;
    ck_assert_int_eq(token_verify_hs256(&cfg, t, NOW, &out), TOKEN_INTERNAL_ERROR);
    cfg.key_len = 0;
    ck_assert_int_eq(token_verify_hs256(&cfg, t, NOW, &out), TOKEN_INTERNAL_ERROR);
    ck_assert_int_eq(token_verify_hs256(&cfg, none, NOW, &out), TOKEN_INTERNAL_ERROR);
    cfg.key = NULL;
    cfg.key_len = 32;
    ck_assert_int_eq(token_verify_hs256(&cfg, t, NOW, &out), TOKEN_INTERNAL_ERROR);
    ck_assert_int_eq(token_verify_hs256(NULL, t, NOW, &out), TOKEN_INTERNAL_ERROR);

    free(t);
    free(none);
}
END_TEST

/* ---- claims ---- */

START_TEST(expiry)
{
    ck_assert_int_eq(hs_status_at(GOOD_CLAIMS, 1700000599), TOKEN_OK);
    ck_assert_int_eq(hs_status_at(GOOD_CLAIMS, 1700000600), TOKEN_EXPIRED);
    ck_assert_int_eq(hs_status_at(GOOD_CLAIMS, 1800000000), TOKEN_EXPIRED);

    /* A configured leeway stretches exp by exactly that much. */
    token_hs_config cfg = hs_cfg();
    token_claims out;
    cfg.leeway_seconds = 10;
    char *t = libjwt_sign(JWT_ALG_HS256, key_a, sizeof key_a, GOOD_CLAIMS);
    ck_assert_int_eq(token_verify_hs256(&cfg, t, 1700000609, &out), TOKEN_OK);
    ck_assert_int_eq(token_verify_hs256(&cfg, t, 1700000610, &out), TOKEN_EXPIRED);
    cfg.leeway_seconds = -1;
    ck_assert_int_eq(token_verify_hs256(&cfg, t, NOW, &out), TOKEN_INTERNAL_ERROR);
    free(t);
}
END_TEST

START_TEST(not_yet_valid)
{
    /* nbf and iat get TOKEN_CLOCK_SKEW_SECONDS (30 s) of tolerance. */
    ck_assert_int_eq(
        hs_status("{\"iss\":\"samspil\",\"aud\":\"samspil\",\"sub\":\"u\",\"role\":\"admin\","
                  "\"org\":\"o\",\"iat\":1700000000,\"nbf\":1700000031,\"exp\":1700000600}"),
        TOKEN_NOT_YET_VALID);
    ck_assert_int_eq(
        hs_status("{\"iss\":\"samspil\",\"aud\":\"samspil\",\"sub\":\"u\",\"role\":\"admin\","
                  "\"org\":\"o\",\"iat\":1700000000,\"nbf\":1700000030,\"exp\":1700000600}"),
        TOKEN_OK);
    ck_assert_int_eq(
        hs_status("{\"iss\":\"samspil\",\"aud\":\"samspil\",\"sub\":\"u\",\"role\":\"admin\","
                  "\"org\":\"o\",\"iat\":1700000100,\"exp\":1700000600}"),
        TOKEN_NOT_YET_VALID);
    ck_assert_int_eq(
        hs_status("{\"iss\":\"samspil\",\"aud\":\"samspil\",\"sub\":\"u\",\"role\":\"admin\","
                  "\"org\":\"o\",\"iat\":1700000000,\"nbf\":\"1700000000\",\"exp\":1700000600}"),
        TOKEN_MALFORMED);
}
END_TEST

START_TEST(issuer_checked)
{
    ck_assert_int_eq(
        hs_status("{\"iss\":\"evil\",\"aud\":\"samspil\",\"sub\":\"u\",\"role\":\"admin\","
                  "\"org\":\"o\",\"iat\":1700000000,\"exp\":1700000600}"),
        TOKEN_BAD_ISSUER);
    ck_assert_int_eq(
        hs_status("{\"iss\":\"Samspil\",\"aud\":\"samspil\",\"sub\":\"u\",\"role\":\"admin\","
                  "\"org\":\"o\",\"iat\":1700000000,\"exp\":1700000600}"),
        TOKEN_BAD_ISSUER);
    ck_assert_int_eq(
        hs_status("{\"aud\":\"samspil\",\"sub\":\"u\",\"role\":\"admin\","
                  "\"org\":\"o\",\"iat\":1700000000,\"exp\":1700000600}"),
        TOKEN_MISSING_CLAIM);
}
END_TEST

START_TEST(audience_checked)
{
    ck_assert_int_eq(
        hs_status("{\"iss\":\"samspil\",\"aud\":\"other\",\"sub\":\"u\",\"role\":\"admin\","
                  "\"org\":\"o\",\"iat\":1700000000,\"exp\":1700000600}"),
        TOKEN_BAD_AUDIENCE);
    ck_assert_int_eq(
        hs_status("{\"iss\":\"samspil\",\"aud\":[\"other\",\"samspil\"],\"sub\":\"u\","
                  "\"role\":\"admin\",\"org\":\"o\",\"iat\":1700000000,\"exp\":1700000600}"),
        TOKEN_OK);
    ck_assert_int_eq(
        hs_status("{\"iss\":\"samspil\",\"aud\":[\"other\"],\"sub\":\"u\","
                  "\"role\":\"admin\",\"org\":\"o\",\"iat\":1700000000,\"exp\":1700000600}"),
        TOKEN_BAD_AUDIENCE);
    ck_assert_int_eq(
        hs_status("{\"iss\":\"samspil\",\"aud\":[],\"sub\":\"u\","
                  "\"role\":\"admin\",\"org\":\"o\",\"iat\":1700000000,\"exp\":1700000600}"),
        TOKEN_BAD_AUDIENCE);
    ck_assert_int_eq(
        hs_status("{\"iss\":\"samspil\",\"aud\":[\"samspil\",7],\"sub\":\"u\","
                  "\"role\":\"admin\",\"org\":\"o\",\"iat\":1700000000,\"exp\":1700000600}"),
        TOKEN_MALFORMED);
    ck_assert_int_eq(
        hs_status("{\"iss\":\"samspil\",\"sub\":\"u\",\"role\":\"admin\","
                  "\"org\":\"o\",\"iat\":1700000000,\"exp\":1700000600}"),
        TOKEN_MISSING_CLAIM);
}
END_TEST

START_TEST(required_claims)
{
    /* exp */
    ck_assert_int_eq(
        hs_status("{\"iss\":\"samspil\",\"aud\":\"samspil\",\"sub\":\"u\",\"role\":\"admin\","
                  "\"org\":\"o\",\"iat\":1700000000}"),
        TOKEN_MISSING_CLAIM);
    ck_assert_int_eq(
        hs_status("{\"iss\":\"samspil\",\"aud\":\"samspil\",\"sub\":\"u\",\"role\":\"admin\","
                  "\"org\":\"o\",\"iat\":1700000000,\"exp\":\"1700000600\"}"),
        TOKEN_MALFORMED);
    /* iat */
    ck_assert_int_eq(
        hs_status("{\"iss\":\"samspil\",\"aud\":\"samspil\",\"sub\":\"u\",\"role\":\"admin\","
                  "\"org\":\"o\",\"exp\":1700000600}"),
        TOKEN_MISSING_CLAIM);
    /* sub: present, non-empty, at most 63 characters, no control characters */
    ck_assert_int_eq(
        hs_status("{\"iss\":\"samspil\",\"aud\":\"samspil\",\"role\":\"admin\","
                  "\"org\":\"o\",\"iat\":1700000000,\"exp\":1700000600}"),
        TOKEN_MISSING_CLAIM);
    ck_assert_int_eq(
        hs_status("{\"iss\":\"samspil\",\"aud\":\"samspil\",\"sub\":\"\",\"role\":\"admin\","
                  "\"org\":\"o\",\"iat\":1700000000,\"exp\":1700000600}"),
        TOKEN_MISSING_CLAIM);
    ck_assert_int_eq(
        hs_status("{\"iss\":\"samspil\",\"aud\":\"samspil\",\"sub\":42,\"role\":\"admin\","
                  "\"org\":\"o\",\"iat\":1700000000,\"exp\":1700000600}"),
        TOKEN_MALFORMED);
    ck_assert_int_eq(
        hs_status("{\"iss\":\"samspil\",\"aud\":\"samspil\",\"sub\":\"a\\nb\",\"role\":\"admin\","
                  "\"org\":\"o\",\"iat\":1700000000,\"exp\":1700000600}"),
        TOKEN_MALFORMED);
    ck_assert_int_eq(
        hs_status("{\"iss\":\"samspil\",\"aud\":\"samspil\",\"sub\":"
                  "\"0123456789012345678901234567890123456789012345678901234567890123\","
                  "\"role\":\"admin\",\"org\":\"o\",\"iat\":1700000000,\"exp\":1700000600}"),
        TOKEN_MALFORMED);
    ck_assert_int_eq(
        hs_status("{\"iss\":\"samspil\",\"aud\":\"samspil\",\"sub\":"
                  "\"012345678901234567890123456789012345678901234567890123456789012\","
                  "\"role\":\"admin\",\"org\":\"o\",\"iat\":1700000000,\"exp\":1700000600}"),
        TOKEN_OK);
    /* org: required for every role, admins included */
    ck_assert_int_eq(
        hs_status("{\"iss\":\"samspil\",\"aud\":\"samspil\",\"sub\":\"u\",\"role\":\"admin\","
                  "\"iat\":1700000000,\"exp\":1700000600}"),
        TOKEN_MISSING_CLAIM);
    ck_assert_int_eq(
        hs_status("{\"iss\":\"samspil\",\"aud\":\"samspil\",\"sub\":\"u\",\"role\":\"admin\","
                  "\"org\":\"\",\"iat\":1700000000,\"exp\":1700000600}"),
        TOKEN_MISSING_CLAIM);
    /* role */
    ck_assert_int_eq(
        hs_status("{\"iss\":\"samspil\",\"aud\":\"samspil\",\"sub\":\"u\","
                  "\"org\":\"o\",\"iat\":1700000000,\"exp\":1700000600}"),
        TOKEN_MISSING_CLAIM);
}
END_TEST

START_TEST(bad_role_rejected)
{
    static const char *const roles[] = {"\"superuser\"", "\"Admin\"", "\"admin \"", "\"\"",
                                        "1", "[\"admin\"]", "null"};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        char *claims = str_printf("{\"iss\":\"samspil\",\"aud\":\"samspil\",\"sub\":\"u\","
                                  "\"role\":%s,\"org\":\"o\",\"iat\":1700000000,"
                                  "\"exp\":1700000600}",
                                  roles[i]);
        ck_assert_msg(hs_status(claims) == TOKEN_BAD_ROLE, "role %s", roles[i]);
        free(claims);
    }
}
END_TEST

/* ---- malformed input ---- */

START_TEST(garbage_rejected)
{
    static const char *const inputs[] = {
        "", "abc", "a.b", "a.b.c.d", "..", "...", ".eyJ9.c2ln",
        "eyJhbGciOiJIUzI1NiJ9..c2ln",          /* empty payload */
        "not base64!.eyJ9.c2ln",
        "eyJhbGciOiJIUzI1NiJ9=.e30.c2ln",      /* padding is not base64url */
        "e30 .e30.c2ln",
        "W10.e30.c2ln",                        /* header is [] */
        "eyJhbGciOiJIUzI1NiJ9.W10.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlMTIzNA", /* payload [] */
        "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln", /* payload "not json" */
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
        ck_assert_msg(hs_verify(inputs[i]) == TOKEN_MALFORMED, "input '%s'", inputs[i]);
    ck_assert_int_eq(hs_verify(NULL), TOKEN_MALFORMED);

    token_hs_config cfg = hs_cfg();
    ck_assert_int_eq(token_verify_hs256(&cfg, "a.b.c", NOW, NULL), TOKEN_INTERNAL_ERROR);
}
END_TEST

START_TEST(strict_json)
{
    /* Duplicate header keys could mean HS256 to us and none to libjwt. */
    char *t = hand_sign_hs256("{\"alg\":\"HS256\",\"alg\":\"none\"}", GOOD_CLAIMS, key_a,
                              sizeof key_a);
    ck_assert_int_eq(hs_verify(t), TOKEN_MALFORMED);
    free(t);
    /* Duplicate claims, even correctly signed. */
    t = hand_sign_hs256("{\"alg\":\"HS256\"}",
                        "{\"iss\":\"samspil\",\"aud\":\"samspil\",\"sub\":\"u\","
                        "\"role\":\"facility_staff\",\"role\":\"admin\",\"org\":\"o\","
                        "\"iat\":1700000000,\"exp\":1700000600}",
                        key_a, sizeof key_a);
    ck_assert_int_eq(hs_verify(t), TOKEN_MALFORMED);
    free(t);
    /* Unknown critical header extension. */
    t = hand_sign_hs256("{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", GOOD_CLAIMS, key_a,
                        sizeof key_a);
    ck_assert_int_eq(hs_verify(t), TOKEN_MALFORMED);
    free(t);
    /* A typ libjwt would refuse anyway. */
    t = hand_sign_hs256("{\"alg\":\"HS256\",\"typ\":\"JOSE\"}", GOOD_CLAIMS, key_a,
                        sizeof key_a);
    ck_assert_int_eq(hs_verify(t), TOKEN_MALFORMED);
    free(t);
    /* Deep nesting never reaches jansson's recursion. */
    char deep[200] = "{\"x\":";
    for (int i = 0; i < 40; i++)
        strcat(deep, "[");
    for (int i = 0; i < 40; i++)
        strcat(deep, "]");
    strcat(deep, "}");
    t = hand_sign_hs256("{\"alg\":\"HS256\"}", deep, key_a, sizeof key_a);
    ck_assert_int_eq(hs_verify(t), TOKEN_MALFORMED);
    free(t);
}
END_TEST

START_TEST(overlong_token_rejected)
{
    /* Plain filler over the limit. */
    char *big = malloc(TOKEN_MAX_LEN + 2);
    ck_assert_ptr_nonnull(big);
    memset(big, 'a', TOKEN_MAX_LEN + 1);
    big[10] = '.';
    big[20] = '.';
    big[TOKEN_MAX_LEN + 1] = '\0';
    ck_assert_int_eq(hs_verify(big), TOKEN_MALFORMED);
    free(big);

    /* A correctly signed token is refused once it is longer than the limit,
     * and accepted just below it. */
    char pad[7000];
    memset(pad, 'p', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    char *claims = str_printf("{\"iss\":\"samspil\",\"aud\":\"samspil\",\"sub\":\"u\","
                              "\"role\":\"admin\",\"org\":\"o\",\"iat\":1700000000,"
                              "\"exp\":1700000600,\"pad\":\"%s\"}",
                              pad);
    char *t = libjwt_sign(JWT_ALG_HS256, key_a, sizeof key_a, claims);
    ck_assert_uint_gt(strlen(t), TOKEN_MAX_LEN);
    ck_assert_int_eq(hs_verify(t), TOKEN_MALFORMED);
    free(t);
    free(claims);

    pad[5000] = '\0';
    claims = str_printf("{\"iss\":\"samspil\",\"aud\":\"samspil\",\"sub\":\"u\","
                        "\"role\":\"admin\",\"org\":\"o\",\"iat\":1700000000,"
                        "\"exp\":1700000600,\"pad\":\"%s\"}",
                        pad);
    t = libjwt_sign(JWT_ALG_HS256, key_a, sizeof key_a, claims);
    ck_assert_uint_le(strlen(t), TOKEN_MAX_LEN);
    ck_assert_int_eq(hs_verify(t), TOKEN_OK);
    free(t);
    free(claims);
}
END_TEST

/* ---- concurrency ---- */

static void *verify_many(void *arg)
{
    const char *t = arg;
    token_hs_config cfg = hs_cfg();
    token_claims c;
    for (int i = 0; i < 300; i++) {
        if (token_verify_hs256(&cfg, t, NOW, &c) != TOKEN_OK || strcmp(c.sub, "user-1") != 0)
            return (void *)1;
        char *mine = NULL;
        if (token_issue_hs256(&cfg, "user-2", "admin", "o", 1, NOW, &mine, NULL) != 0)
            return (void *)1;
        token_status st = token_verify_hs256(&cfg, mine, NOW, &c);
        free(mine);
        if (st != TOKEN_OK)
            return (void *)1;
    }
    return NULL;
}

START_TEST(concurrent_verification)
{
    token_hs_config cfg = hs_cfg();
    char *t = NULL;
    pthread_t th[4];
    ck_assert_int_eq(token_issue_hs256(&cfg, "user-1", "admin", "o", 1, NOW, &t, NULL), 0);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, verify_many, t), 0);
    for (int i = 0; i < 4; i++) {
        void *res = (void *)1;
        ck_assert_int_eq(pthread_join(th[i], &res), 0);
        ck_assert_ptr_null(res);
    }
    free(t);
}
END_TEST

/* ---- RS256 ---- */

START_TEST(rs256_round_trip)
{
    token_rs_config cfg = rs_cfg();
    token_claims c;
    char *t = libjwt_sign(JWT_ALG_RS256, rsa_priv, rsa_priv_len, GOOD_RS_CLAIMS);
    ck_assert_int_eq(token_verify_rs256(&cfg, t, NOW, &c), TOKEN_OK);
    ck_assert_str_eq(c.email, "nurse@region.example");
    ck_assert_str_eq(c.sub, "abc123");
    ck_assert_str_eq(c.role, "");
    ck_assert_str_eq(c.org, "");
    ck_assert_int_eq(c.exp, 1700000600);
    ck_assert_int_eq(token_verify_rs256(&cfg, t, 1700000600, &c), TOKEN_EXPIRED);
    free(t);
}
END_TEST

START_TEST(rs256_token_rejected_by_hs_verify)
{
    token_hs_config cfg = hs_cfg();
    token_claims c;
    char *t = libjwt_sign(JWT_ALG_RS256, rsa_priv, rsa_priv_len, GOOD_CLAIMS);
    ck_assert_int_eq(token_verify_hs256(&cfg, t, NOW, &c), TOKEN_BAD_ALG);
    free(t);
}
END_TEST

START_TEST(rs256_key_confusion_rejected)
{
    token_rs_config cfg = rs_cfg();
    token_claims c;

    /* The classic attack: HS256, with the provider's public key as the HMAC
     * secret. A library that takes alg from the token verifies this. */
    char *t = libjwt_sign(JWT_ALG_HS256, rsa_pub, rsa_pub_len, GOOD_RS_CLAIMS);
    ck_assert_int_eq(token_verify_rs256(&cfg, t, NOW, &c), TOKEN_BAD_ALG);
    free(t);

    /* The same HMAC under a header that claims RS256. */
    t = hand_sign_hs256("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", GOOD_RS_CLAIMS, rsa_pub,
                        rsa_pub_len);
    ck_assert_int_eq(token_verify_rs256(&cfg, t, NOW, &c), TOKEN_BAD_SIGNATURE);
    free(t);

    /* alg:none and RS384 are not RS256 either. */
    t = unsigned_token("{\"alg\":\"none\"}", GOOD_RS_CLAIMS, "");
    ck_assert_int_eq(token_verify_rs256(&cfg, t, NOW, &c), TOKEN_BAD_ALG);
    free(t);
    t = libjwt_sign(JWT_ALG_RS384, rsa_priv, rsa_priv_len, GOOD_RS_CLAIMS);
    ck_assert_int_eq(token_verify_rs256(&cfg, t, NOW, &c), TOKEN_BAD_ALG);
    free(t);
}
END_TEST

START_TEST(rs256_other_key_rejected)
{
    token_rs_config cfg = rs_cfg();
    token_claims c;
    char *t = libjwt_sign(JWT_ALG_RS256, rsa_other, rsa_other_len, GOOD_RS_CLAIMS);
    ck_assert_int_eq(token_verify_rs256(&cfg, t, NOW, &c), TOKEN_BAD_SIGNATURE);
    free(t);

    /* An unusable configured key refuses everything. */
    cfg.pem_len = 0;
    t = libjwt_sign(JWT_ALG_RS256, rsa_priv, rsa_priv_len, GOOD_RS_CLAIMS);
    ck_assert_int_eq(token_verify_rs256(&cfg, t, NOW, &c), TOKEN_INTERNAL_ERROR);
    cfg.public_pem = (const unsigned char *)"not a key";
    cfg.pem_len = 9;
    ck_assert_int_eq(token_verify_rs256(&cfg, t, NOW, &c), TOKEN_BAD_SIGNATURE);
    free(t);
}
END_TEST

START_TEST(rs256_claims)
{
    /* email: required, a string with '@', at most 254 characters */
    ck_assert_int_eq(rs_status("{\"iss\":\"https://idp.example\",\"aud\":\"samspil-client\","
                               "\"sub\":\"abc\",\"iat\":1700000000,\"exp\":1700000600}"),
                     TOKEN_MISSING_CLAIM);
    ck_assert_int_eq(rs_status("{\"iss\":\"https://idp.example\",\"aud\":\"samspil-client\","
                               "\"email\":\"nobody\",\"iat\":1700000000,\"exp\":1700000600}"),
                     TOKEN_MALFORMED);
    ck_assert_int_eq(rs_status("{\"iss\":\"https://idp.example\",\"aud\":\"samspil-client\","
                               "\"email\":[\"a@b\"],\"iat\":1700000000,\"exp\":1700000600}"),
                     TOKEN_MALFORMED);
    ck_assert_int_eq(rs_status("{\"iss\":\"https://idp.example\",\"aud\":\"samspil-client\","
                               "\"email\":\"a@b\",\"email_verified\":false,"
                               "\"iat\":1700000000,\"exp\":1700000600}"),
                     TOKEN_EMAIL_UNVERIFIED);
    /* role and org are not required; sub is optional too */
    ck_assert_int_eq(rs_status("{\"iss\":\"https://idp.example\",\"aud\":[\"x\",\"samspil-client\"],"
                               "\"email\":\"a@b\",\"iat\":1700000000,\"exp\":1700000600}"),
                     TOKEN_OK);
    /* registered claims as for HS256 */
    ck_assert_int_eq(rs_status("{\"iss\":\"https://evil.example\",\"aud\":\"samspil-client\","
                               "\"email\":\"a@b\",\"iat\":1700000000,\"exp\":1700000600}"),
                     TOKEN_BAD_ISSUER);
    ck_assert_int_eq(rs_status("{\"iss\":\"https://idp.example\",\"aud\":\"samspil\","
                               "\"email\":\"a@b\",\"iat\":1700000000,\"exp\":1700000600}"),
                     TOKEN_BAD_AUDIENCE);
    ck_assert_int_eq(rs_status("{\"iss\":\"https://idp.example\",\"aud\":\"samspil-client\","
                               "\"email\":\"a@b\",\"iat\":1700000000}"),
                     TOKEN_MISSING_CLAIM);
    ck_assert_int_eq(rs_status("{\"iss\":\"https://idp.example\",\"aud\":\"samspil-client\","
                               "\"email\":\"a@b\",\"iat\":1700000000,\"nbf\":1700001000,"
                               "\"exp\":1700002000}"),
                     TOKEN_NOT_YET_VALID);
}
END_TEST

/* ---- fixtures ---- */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(16384);
    size_t n = buf ? fread(buf, 1, 16383, f) : 0;
    fclose(f);
    if (!buf || n == 0) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* RSA-2048 key pairs via the openssl command line; returns false on failure. */
static bool make_rsa_keys(const char *dir)
{
    char cmd[1024];
    char path[512];
    snprintf(cmd, sizeof cmd,
             "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out %s/a.pem "
             "2>/dev/null && openssl pkey -in %s/a.pem -pubout -out %s/a.pub 2>/dev/null && "
             "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out %s/b.pem "
             "2>/dev/null",
             dir, dir, dir, dir);
    if (system(cmd) != 0)
        return false;
    snprintf(path, sizeof path, "%s/a.pem", dir);
    rsa_priv = read_file(path, &rsa_priv_len);
    snprintf(path, sizeof path, "%s/a.pub", dir);
    rsa_pub = read_file(path, &rsa_pub_len);
    snprintf(path, sizeof path, "%s/b.pem", dir);
    rsa_other = read_file(path, &rsa_other_len);
    return rsa_priv && rsa_pub && rsa_other && strstr(rsa_pub, "BEGIN PUBLIC KEY");
}

static void remove_keys(const char *dir)
{
    static const char *const names[] = {"a.pem", "a.pub", "b.pem"};
    char path[512];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static Suite *token_suite(void)
{
    Suite *s = suite_create("token");

    TCase *hs = tcase_create("hs256");
    tcase_add_test(hs, issue_verify_round_trip);
    tcase_add_test(hs, issue_refuses_bad_input);
    tcase_add_test(hs, roles_and_status_strings);
    tcase_add_test(hs, wrong_key_rejected);
    tcase_add_test(hs, alg_none_rejected_in_any_casing);
    tcase_add_test(hs, alg_must_be_exactly_hs256);
    tcase_add_test(hs, hs384_and_hs512_rejected);
    tcase_add_test(hs, tampered_token_rejected);
    tcase_add_test(hs, short_or_empty_key_refused_before_decoding);
    tcase_add_test(hs, expiry);
    tcase_add_test(hs, not_yet_valid);
    tcase_add_test(hs, issuer_checked);
    tcase_add_test(hs, audience_checked);
    tcase_add_test(hs, required_claims);
    tcase_add_test(hs, bad_role_rejected);
    tcase_add_test(hs, garbage_rejected);
    tcase_add_test(hs, strict_json);
    tcase_add_test(hs, overlong_token_rejected);
    tcase_add_test(hs, concurrent_verification);
    tcase_set_timeout(hs, 30);
    suite_add_tcase(s, hs);

    TCase *rs = tcase_create("rs256");
    tcase_add_test(rs, rs256_round_trip);
    tcase_add_test(rs, rs256_token_rejected_by_hs_verify);
    tcase_add_test(rs, rs256_key_confusion_rejected);
    tcase_add_test(rs, rs256_other_key_rejected);
    tcase_add_test(rs, rs256_claims);
    tcase_set_timeout(rs, 30);
    suite_add_tcase(s, rs);
    return s;
}

int main(void)
{
    char dir[] = "/tmp/samspil-token-test-XXXXXX";

    if (sodium_init() < 0)
        return EXIT_FAILURE;
    for (size_t i = 0; i < sizeof key_a; i++) {
        key_a[i] = (unsigned char)(i * 7 + 1);
        key_b[i] = (unsigned char)(i * 11 + 3);
    }
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return EXIT_FAILURE;
    }
    bool keys_ok = make_rsa_keys(dir);
    remove_keys(dir);
    if (!keys_ok) {
        fprintf(stderr, "test_token: could not generate RSA keys with the openssl command\n");
        free(rsa_priv);
        free(rsa_pub);
        free(rsa_other);
        return EXIT_FAILURE;
    }

    SRunner *sr = srunner_create(token_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    free(rsa_priv);
    free(rsa_pub);
    free(rsa_other);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
