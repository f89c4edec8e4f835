/*
 * token: JWT issue and verification on top of libjwt 1.10.2, which takes the
 * algorithm from the token itself and checks no claims. This file owns the
 * checks libjwt lacks. The order of a verification is:
 *   1. config and key sanity (never call jwt_decode with an empty/short key);
 *   2. our own strict parse of the token: exactly three base64url segments,
 *      header and payload JSON objects (duplicate keys rejected, depth
 *      bounded), header alg exactly the expected string, so alg:none in any
 *      casing never reaches libjwt;
 *   3. jwt_decode with the key (the signature), then jwt_get_alg again;
 *   4. the claims, read from the payload bytes the signature covers.
 * Nothing is cached or global, so concurrent calls from worker threads are safe.
 */
#include "token.h"

#include <errno.h>
#include <jansson.h>
#include <jwt.h>
#include <limits.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Our claims need depth 2 (object, aud array); providers nest a little more. */
#define TOKEN_JSON_MAX_DEPTH 16
/* An RSA-8192 signature; HS256 is 32 bytes. */
#define TOKEN_SIG_MAX 1024
#define TOKEN_HS256_SIG_LEN 32
#define TOKEN_JTI_BYTES 16

static const char *const token_roles[] = {
    "region_clinician", "region_manager", "facility_staff", "facility_manager", "admin", NULL,
};

/* A token cut into its three segments; pointers into the caller's string. */
typedef struct token_parts {
    const char *seg[3];
    size_t len[3];
} token_parts;

/* Header and payload, parsed strictly by us. */
typedef struct token_parsed {
    json_t *header;  /* new reference */
    json_t *payload; /* new reference */
    size_t sig_len;  /* decoded signature length in bytes */
} token_parsed;

const char *token_status_str(token_status s)
{
    switch (s) {
    case TOKEN_OK: return "ok";
    case TOKEN_MALFORMED: return "malformed token";
    case TOKEN_BAD_ALG: return "algorithm not allowed";
    case TOKEN_BAD_SIGNATURE: return "bad signature";
    case TOKEN_EXPIRED: return "expired";
    case TOKEN_NOT_YET_VALID: return "not yet valid";
    case TOKEN_BAD_ISSUER: return "wrong issuer";
    case TOKEN_BAD_AUDIENCE: return "wrong audience";
    case TOKEN_BAD_ROLE: return "unknown role";
    case TOKEN_MISSING_CLAIM: return "missing claim";
    case TOKEN_EMAIL_UNVERIFIED: return "email not verified";
    case TOKEN_INTERNAL_ERROR: return "internal error";
    }
    return "unknown status";
}

bool token_role_valid(const char *role)
{
    if (!role)
        return false;
    for (size_t i = 0; token_roles[i]; i++)
        if (strcmp(role, token_roles[i]) == 0)
            return true;
    return false;
}

/* Identifiers end up in logs and SQL parameters: refuse control characters
 * rather than escape them everywhere later. */
static bool text_is_clean(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

static bool b64url_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

/*
 * Splits at the two dots. Only base64url characters are allowed in between,
 * so our view of the segments is exactly the one libjwt (which splits at the
 * first two dots and is lenient about the rest) will verify.
 */
static token_status token_split(const char *token, token_parts *p)
{
    size_t len = strnlen(token, TOKEN_MAX_LEN + 1);
    if (len == 0 || len > TOKEN_MAX_LEN)
        return TOKEN_MALFORMED;

    size_t n = 0;
    p->seg[0] = token;
    for (size_t i = 0; i < len; i++) {
        if (token[i] == '.') {
            if (n == 2)
                return TOKEN_MALFORMED;
            p->len[n] = (size_t)(token + i - p->seg[n]);
            p->seg[++n] = token + i + 1;
        } else if (!b64url_char(token[i])) {
            return TOKEN_MALFORMED;
        }
    }
    if (n != 2)
        return TOKEN_MALFORMED;
    p->len[2] = (size_t)(token + len - p->seg[2]);
    if (p->len[0] == 0 || p->len[1] == 0)
        return TOKEN_MALFORMED;
    return TOKEN_OK;
}

/* Strict unpadded base64url (libsodium rejects stray characters and
 * non-zero trailing bits). Returns false when invalid or larger than cap. */
static bool b64url_decode(const char *seg, size_t len, unsigned char *buf, size_t cap,
                          size_t *out_len)
{
    return sodium_base642bin(buf, cap, seg, len, NULL, out_len, NULL,
                             sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0;
}

/* jansson recurses per nesting level; refuse deep documents before it does.
 * Malformed JSON is left for jansson to reject. */
static bool json_depth_ok(const unsigned char *s, size_t n)
{
    int depth = 0;
    bool in_string = false, escaped = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > TOKEN_JSON_MAX_DEPTH)
                return false;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return true;
}

/* A segment as a JSON object: new reference, or NULL when it is not one. */
static json_t *segment_object(const char *seg, size_t len)
{
    unsigned char buf[TOKEN_MAX_LEN];
    size_t n = 0;
    json_error_t err;

    if (!b64url_decode(seg, len, buf, sizeof buf, &n) || !json_depth_ok(buf, n))
        return NULL;
    /* Duplicate keys rejected: {"alg":"HS256","alg":"none"} must not mean
     * one thing to us and another to libjwt. */
    json_t *obj = json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, &err);
    if (obj && !json_is_object(obj)) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static void parsed_release(token_parsed *tp)
{
    json_decref(tp->header);
    json_decref(tp->payload);
    tp->header = NULL;
    tp->payload = NULL;
}

/*
 * Everything we can check before the signature: structure, header alg, typ
 * and crit. On TOKEN_OK tp holds new references the caller releases with
 * parsed_release; on any other status it holds none.
 */
static token_status token_preparse(const char *token, const char *want_alg, token_parsed *tp)
{
    token_status st = TOKEN_MALFORMED;
    token_parts p;
    unsigned char sig[TOKEN_SIG_MAX];

    memset(tp, 0, sizeof *tp);
    if (token_split(token, &p) != TOKEN_OK)
        goto out;

    tp->header = segment_object(p.seg[0], p.len[0]);
    if (!tp->header)
        goto out;

    /* alg first: a token with the wrong algorithm is reported as such even
     * when the rest of it is nonsense. Exact, case-sensitive comparison:
     * libjwt's own lookup ignores case. */
    const json_t *alg = json_object_get(tp->header, "alg");
    if (!json_is_string(alg) || strcmp(json_string_value(alg), want_alg) != 0) {
        st = TOKEN_BAD_ALG;
        goto out;
    }
    /* libjwt 1.10.2 refuses any typ but "JWT" (case-insensitive); say so here
     * rather than as a signature failure. */
    const json_t *typ = json_object_get(tp->header, "typ");
    if (typ && (!json_is_string(typ) || strcasecmp(json_string_value(typ), "JWT") != 0))
        goto out;
    /* RFC 7515 4.1.11: critical extensions we do not understand mean reject. */
    if (json_object_get(tp->header, "crit"))
        goto out;

    tp->payload = segment_object(p.seg[1], p.len[1]);
    if (!tp->payload)
        goto out;

    /* An undecodable signature is malformed; an empty one is what alg:none
     * tokens carry and is never acceptable here. */
    if (p.len[2] == 0 || !b64url_decode(p.seg[2], p.len[2], sig, sizeof sig, &tp->sig_len) ||
        tp->sig_len == 0)
        goto out;
    st = TOKEN_OK;

out:
    if (st != TOKEN_OK)
        parsed_release(tp);
    return st;
}

/*
 * Signature check by libjwt, then its idea of the algorithm, which must match
 * ours: defence in depth should our pre-parse and libjwt ever disagree.
 */
static token_status token_signature(const char *token, const unsigned char *key, size_t key_len,
                                    jwt_alg_t want)
{
    jwt_t *jwt = NULL;
    token_status st;

    int rc = jwt_decode(&jwt, token, key, (int)key_len);
    if (rc != 0 || !jwt) {
        /* The token already passed our structural parse, so anything but
         * ENOMEM means the signature did not verify. */
        st = rc == ENOMEM ? TOKEN_INTERNAL_ERROR : TOKEN_BAD_SIGNATURE;
        goto out;
    }
    st = jwt_get_alg(jwt) == want ? TOKEN_OK : TOKEN_BAD_ALG;

out:
    jwt_free(jwt);
    return st;
}

/* A NumericDate claim: non-negative integer (or real, truncated). */
static token_status claim_time(const json_t *claims, const char *name, bool required, long *out)
{
    const json_t *v = json_object_get(claims, name);

    *out = 0;
    if (!v)
        return required ? TOKEN_MISSING_CLAIM : TOKEN_OK;
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < 0 || i > LONG_MAX)
            return TOKEN_MALFORMED;
        *out = (long)i;
        return TOKEN_OK;
    }
    if (json_is_real(v)) {
        /* RFC 7519 allows fractional seconds; the range check keeps the
         * conversion defined (NaN fails both comparisons). */
        double d = json_real_value(v);
        if (!(d >= 0.0 && d < 9.0e18))
            return TOKEN_MALFORMED;
        *out = (long)d;
        return TOKEN_OK;
    }
    return TOKEN_MALFORMED;
}

/* A required non-empty string of at most max_len bytes without control
 * characters, copied into dst (at least max_len + 1 bytes). */
static token_status claim_text(const json_t *claims, const char *name, size_t max_len, char *dst)
{
    const json_t *v = json_object_get(claims, name);

    if (!v)
        return TOKEN_MISSING_CLAIM;
    if (!json_is_string(v))
        return TOKEN_MALFORMED;
    size_t len = json_string_length(v);
    const char *s = json_string_value(v);
    if (len == 0)
        return TOKEN_MISSING_CLAIM;
    if (len > max_len || strlen(s) != len || !text_is_clean(s, len))
        return TOKEN_MALFORMED;
    memcpy(dst, s, len + 1);
    return TOKEN_OK;
}

/* Optional informational string: copied when it fits and is clean, else "". */
static void claim_text_optional(const json_t *claims, const char *name, size_t max_len,
                                char *dst)
{
    if (claim_text(claims, name, max_len, dst) != TOKEN_OK)
        dst[0] = '\0';
}

static token_status claim_audience(const json_t *claims, const char *audience)
{
    const json_t *aud = json_object_get(claims, "aud");

    if (!aud)
        return TOKEN_MISSING_CLAIM;
    if (json_is_string(aud))
        return strcmp(json_string_value(aud), audience) == 0 ? TOKEN_OK : TOKEN_BAD_AUDIENCE;
    if (!json_is_array(aud))
        return TOKEN_MALFORMED;

    bool found = false;
    size_t i;
    const json_t *item;
    json_array_foreach(aud, i, item) {
        if (!json_is_string(item))
            return TOKEN_MALFORMED;
        if (strcmp(json_string_value(item), audience) == 0)
            found = true;
    }
    return found ? TOKEN_OK : TOKEN_BAD_AUDIENCE;
}

/* The registered claims both kinds of token share: iss, aud, exp, nbf, iat. */
static token_status claims_registered(const json_t *claims, const char *issuer,
                                      const char *audience, time_t now_t, long leeway,
                                      token_claims *out)
{
    token_status st;
    long now = (long)now_t;

    const json_t *iss = json_object_get(claims, "iss");
    if (!iss)
        return TOKEN_MISSING_CLAIM;
    if (!json_is_string(iss))
        return TOKEN_MALFORMED;
    if (strcmp(json_string_value(iss), issuer) != 0)
        return TOKEN_BAD_ISSUER;

    if ((st = claim_audience(claims, audience)) != TOKEN_OK)
        return st;

    /* exp gets only the configured leeway (default none): a stolen token must
     * not outlive its stated lifetime by our clock-skew allowance. */
    if ((st = claim_time(claims, "exp", true, &out->exp)) != TOKEN_OK)
        return st;
    if (out->exp <= now - leeway)
        return TOKEN_EXPIRED;

    if ((st = claim_time(claims, "nbf", false, &out->nbf)) != TOKEN_OK)
        return st;
    if (out->nbf > now + TOKEN_CLOCK_SKEW_SECONDS)
        return TOKEN_NOT_YET_VALID;

    /* iat is required: it dates the token for audits and investigations. */
    if ((st = claim_time(claims, "iat", true, &out->iat)) != TOKEN_OK)
        return st;
    if (out->iat > now + TOKEN_CLOCK_SKEW_SECONDS)
        return TOKEN_NOT_YET_VALID;

    claim_text_optional(claims, "jti", TOKEN_JTI_MAX, out->jti);
    return TOKEN_OK;
}

static bool config_text_ok(const char *s)
{
    return s && s[0] != '\0';
}

static bool leeway_ok(long leeway)
{
    return leeway >= 0 && leeway <= TOKEN_MAX_LEEWAY_SECONDS;
}

static bool hs_config_ok(const token_hs_config *cfg)
{
    /* Never let a short or empty key reach libjwt: 1.10.2 accepts any token
     * when the key is empty. */
    return cfg && cfg->key && cfg->key_len >= TOKEN_HS_MIN_KEY_LEN && cfg->key_len <= INT_MAX &&
           config_text_ok(cfg->issuer) && config_text_ok(cfg->audience) &&
           leeway_ok(cfg->leeway_seconds);
}

token_status token_verify_hs256(const token_hs_config *cfg, const char *token, time_t now,
                                token_claims *out)
{
    token_status st = TOKEN_INTERNAL_ERROR;
    token_parsed tp = {0};

    if (!out)
        return TOKEN_INTERNAL_ERROR;
    memset(out, 0, sizeof *out);
    if (!hs_config_ok(cfg))
        goto out;
    st = TOKEN_MALFORMED;
    if (!token)
        goto out;

    if ((st = token_preparse(token, "HS256", &tp)) != TOKEN_OK)
        goto out;
    if (tp.sig_len != TOKEN_HS256_SIG_LEN) {
        st = TOKEN_BAD_SIGNATURE;
        goto out;
    }
    if ((st = token_signature(token, cfg->key, cfg->key_len, JWT_ALG_HS256)) != TOKEN_OK)
        goto out;

    if ((st = claims_registered(tp.payload, cfg->issuer, cfg->audience, now,
                                cfg->leeway_seconds, out)) != TOKEN_OK)
        goto out;
    if ((st = claim_text(tp.payload, "sub", TOKEN_SUB_MAX, out->sub)) != TOKEN_OK)
        goto out;

    const json_t *role = json_object_get(tp.payload, "role");
    if (!role) {
        st = TOKEN_MISSING_CLAIM;
        goto out;
    }
    if (!json_is_string(role) || !token_role_valid(json_string_value(role))) {
        st = TOKEN_BAD_ROLE;
        goto out;
    }
    /* token_role_valid bounds the length: every role fits. */
    snprintf(out->role, sizeof out->role, "%s", json_string_value(role));

    /* Admins belong to an organisation too in our model, so org is required
     * and non-empty for every role. */
    st = claim_text(tp.payload, "org", TOKEN_ORG_MAX, out->org);
    if (st != TOKEN_OK)
        goto out;

    /* sv: the account's session version, bumped on deactivation and password reset so
     * that app_begin refuses every older token. Absent means -1, which never matches. */
    out->sv = -1;
    const json_t *sv = json_object_get(tp.payload, "sv");
    if (sv) {
        if (!json_is_integer(sv) || json_integer_value(sv) < 0) {
            st = TOKEN_MALFORMED;
            goto out;
        }
        out->sv = (long)json_integer_value(sv);
    }

out:
    parsed_release(&tp);
    if (st != TOKEN_OK)
        memset(out, 0, sizeof *out);
    return st;
}

static bool rs_config_ok(const token_rs_config *cfg)
{
    return cfg && cfg->public_pem && cfg->pem_len > 0 && cfg->pem_len <= INT_MAX &&
           config_text_ok(cfg->issuer) && config_text_ok(cfg->audience) &&
           leeway_ok(cfg->leeway_seconds);
}

/* Providers send email_verified as a boolean, some as the string "true". */
static bool email_verified_ok(const json_t *claims)
{
    const json_t *v = json_object_get(claims, "email_verified");
    if (!v)
        return true;
    return json_is_true(v) || (json_is_string(v) && strcmp(json_string_value(v), "true") == 0);
}

token_status token_verify_rs256(const token_rs_config *cfg, const char *token, time_t now,
                                token_claims *out)
{
    token_status st = TOKEN_INTERNAL_ERROR;
    token_parsed tp = {0};

    if (!out)
        return TOKEN_INTERNAL_ERROR;
    memset(out, 0, sizeof *out);
    if (!rs_config_ok(cfg))
        goto out;
    st = TOKEN_MALFORMED;
    if (!token)
        goto out;

    if ((st = token_preparse(token, "RS256", &tp)) != TOKEN_OK)
        goto out;
    if ((st = token_signature(token, cfg->public_pem, cfg->pem_len, JWT_ALG_RS256)) != TOKEN_OK)
        goto out;

    if ((st = claims_registered(tp.payload, cfg->issuer, cfg->audience, now,
                                cfg->leeway_seconds, out)) != TOKEN_OK)
        goto out;
    if ((st = claim_text(tp.payload, "email", TOKEN_EMAIL_MAX, out->email)) != TOKEN_OK)
        goto out;
    if (!strchr(out->email, '@')) {
        st = TOKEN_MALFORMED;
        goto out;
    }
    if (!email_verified_ok(tp.payload)) {
        st = TOKEN_EMAIL_UNVERIFIED;
        goto out;
    }
    /* Informational only: provider subjects may be longer than ours. */
    claim_text_optional(tp.payload, "sub", TOKEN_SUB_MAX, out->sub);

out:
    parsed_release(&tp);
    if (st != TOKEN_OK)
        memset(out, 0, sizeof *out);
    return st;
}

static bool issue_text_ok(const char *s, size_t max_len)
{
    if (!s)
        return false;
    size_t len = strnlen(s, max_len + 1);
    return len > 0 && len <= max_len && text_is_clean(s, len);
}

int token_issue_hs256(const token_hs_config *cfg, const char *sub, const char *role,
                      const char *org, long sv, time_t now, char **token_out,
                      long *exp_out)
{
    int rc = -EINVAL;
    jwt_t *jwt = NULL;
    char *encoded = NULL;
    unsigned char jti_bin[TOKEN_JTI_BYTES];
    char jti[TOKEN_JTI_BYTES * 2 + 1];

    if (token_out)
        *token_out = NULL;
    if (!token_out || !hs_config_ok(cfg) || cfg->ttl_seconds <= 0 ||
        !issue_text_ok(sub, TOKEN_SUB_MAX) || !token_role_valid(role) ||
        !issue_text_ok(org, TOKEN_ORG_MAX) || sv < 0 || (long)now < 0 ||
        (long)now > LONG_MAX - cfg->ttl_seconds)
        goto out;

    rc = -EIO;
    /* Safe to call from several threads and more than once; needed before
     * randombytes_buf may be relied on. */
    if (sodium_init() < 0)
        goto out;
    randombytes_buf(jti_bin, sizeof jti_bin);
    sodium_bin2hex(jti, sizeof jti, jti_bin, sizeof jti_bin);

    long iat = (long)now;
    long exp = iat + cfg->ttl_seconds;

    if (jwt_new(&jwt) != 0) {
        rc = -ENOMEM;
        goto out;
    }
    if (jwt_add_grant(jwt, "iss", cfg->issuer) || jwt_add_grant(jwt, "aud", cfg->audience) ||
        jwt_add_grant(jwt, "sub", sub) || jwt_add_grant(jwt, "role", role) ||
        jwt_add_grant(jwt, "org", org) || jwt_add_grant(jwt, "jti", jti) ||
        jwt_add_grant_int(jwt, "sv", sv) ||
        jwt_add_grant_int(jwt, "iat", iat) || jwt_add_grant_int(jwt, "exp", exp) ||
        jwt_set_alg(jwt, JWT_ALG_HS256, cfg->key, (int)cfg->key_len))
        goto out;
    encoded = jwt_encode_str(jwt);
    if (!encoded)
        goto out;

    /* libjwt 1.10.2 has no jwt_free_str: its result comes from malloc. Copy
     * anyway so callers keep using free() if a later libjwt brings its own
     * allocator; only the line below would change. */
    *token_out = strdup(encoded);
    if (!*token_out) {
        rc = -ENOMEM;
        goto out;
    }
    if (exp_out)
        *exp_out = exp;
    rc = 0;

out:
    free(encoded);
    jwt_free(jwt);
    sodium_memzero(jti_bin, sizeof jti_bin);
    return rc;
}
