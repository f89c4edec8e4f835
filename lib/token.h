/*
 * token: issuing and verifying JSON Web Tokens. Owns every check that
 * libjwt 1.10.2 leaves to its caller: the algorithm (taken from the token by
 * libjwt, so an attacker could choose it), the key length (libjwt accepts any
 * token with an empty key) and every claim (iss, aud, exp, nbf, iat and
 * Samspil's own sub/role/org or the provider's email).
 *
 * Two kinds of token, two kinds of key, never mixed:
 * - HS256 tokens that Samspil issues itself, keyed by JWT_SECRET
 *   (token_hs_config, token_issue_hs256, token_verify_hs256);
 * - RS256 tokens from an external OIDC provider, checked against its PEM
 *   public key (token_rs_config, token_verify_rs256). Passing the public key
 *   where an HMAC secret is expected is the classic key-confusion attack; the
 *   distinct structs and the exact per-function algorithm make it impossible.
 *
 * Every function here is thread-safe: no global state, nothing cached.
 * Time is passed in so tests are deterministic.
 */
#ifndef SAMSPIL_TOKEN_H
#define SAMSPIL_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define TOKEN_MAX_LEN 8192            /* longer tokens are TOKEN_MALFORMED, never decoded */
#define TOKEN_HS_MIN_KEY_LEN 32       /* HS256 secrets shorter than this are refused */
#define TOKEN_CLOCK_SKEW_SECONDS 30   /* tolerance for nbf and iat lying in the future */
#define TOKEN_MAX_LEEWAY_SECONDS 300  /* upper bound for the configurable exp leeway */
#define TOKEN_SUB_MAX 63
#define TOKEN_ROLE_MAX 31
#define TOKEN_ORG_MAX 63
#define TOKEN_EMAIL_MAX 254
#define TOKEN_JTI_MAX 64

/* Samspil's own tokens. All pointers are borrowed for the duration of each call. */
typedef struct token_hs_config {
    const unsigned char *key; /* HMAC secret, at least TOKEN_HS_MIN_KEY_LEN bytes */
    size_t key_len;
    const char *issuer;       /* iss issued and required (JWT_ISSUER) */
    const char *audience;     /* aud issued and required (JWT_AUDIENCE) */
    long ttl_seconds;         /* lifetime of issued tokens (JWT_TTL_SECONDS); > 0 */
    long leeway_seconds;      /* tolerance on exp, 0..TOKEN_MAX_LEEWAY_SECONDS; 0 = none */
} token_hs_config;

/* The external OIDC provider. All pointers are borrowed for the duration of each call. */
typedef struct token_rs_config {
    const unsigned char *public_pem; /* "-----BEGIN PUBLIC KEY-----" PEM bytes, need not end in NUL */
    size_t pem_len;
    const char *issuer;              /* OIDC_ISSUER: iss required */
    const char *audience;            /* OIDC_AUDIENCE: required in aud */
    long leeway_seconds;             /* tolerance on exp, 0..TOKEN_MAX_LEEWAY_SECONDS */
} token_rs_config;

/* What a verified token says. Strings are NUL-terminated; absent ones are "". */
typedef struct token_claims {
    char sub[TOKEN_SUB_MAX + 1];     /* HS: required. RS: copied when a string that fits, else "" */
    char role[TOKEN_ROLE_MAX + 1];   /* HS only: one of the roles token_role_valid accepts */
    char org[TOKEN_ORG_MAX + 1];     /* HS only: organisation id, non-empty */
    char email[TOKEN_EMAIL_MAX + 1]; /* RS only: the identity Samspil maps to a local user */
    char jti[TOKEN_JTI_MAX + 1];     /* token id when present as a string that fits, else "" */
    long iat;                        /* seconds since the epoch */
    long exp;
    long nbf;                        /* 0 when absent */
    long sv;                         /* HS only: session version; -1 when absent */
} token_claims;

/* Why a token was refused. The values are stable: they go to logs and metrics. */
typedef enum token_status {
    TOKEN_OK = 0,
    TOKEN_MALFORMED,       /* not three base64url segments of JSON objects, too long, duplicate
                              keys, a claim of the wrong type, too long or with control characters */
    TOKEN_BAD_ALG,         /* header alg is not exactly the one this function verifies */
    TOKEN_BAD_SIGNATURE,   /* signature does not verify with the configured key */
    TOKEN_EXPIRED,         /* exp <= now - leeway */
    TOKEN_NOT_YET_VALID,   /* nbf or iat later than now + TOKEN_CLOCK_SKEW_SECONDS */
    TOKEN_BAD_ISSUER,
    TOKEN_BAD_AUDIENCE,
    TOKEN_BAD_ROLE,
    TOKEN_MISSING_CLAIM,   /* a required claim is absent or an empty string */
    TOKEN_EMAIL_UNVERIFIED, /* RS: the provider says email_verified is false */
    TOKEN_INTERNAL_ERROR,  /* not the token's fault: unusable key or config, out of memory */
} token_status;

/* A short, stable English reason for logs ("expired", "bad signature", ...). Never NULL;
 * the string is static. */
const char *token_status_str(token_status s);

/* True when role is exactly one of region_clinician, region_manager, facility_staff,
 * facility_manager, admin. NULL is false. */
bool token_role_valid(const char *role);

/*
 * Issues an HS256 token with claims sub, role, org, iss, aud, iat = now,
 * exp = now + ttl_seconds and a random 128-bit hex jti.
 *
 * On success returns 0, sets *token_out to a new NUL-terminated string that
 * the caller frees with free(), and sets *exp_out (may be NULL) to exp.
 * Errors (nothing is allocated, *token_out is NULL):
 *   -EINVAL: key shorter than TOKEN_HS_MIN_KEY_LEN, empty issuer/audience,
 *            ttl_seconds <= 0, role not valid, sub/org empty, too long or with
 *            control characters;
 *   -ENOMEM: out of memory;
 *   -EIO:    libsodium or libjwt failed.
 */
int token_issue_hs256(const token_hs_config *cfg, const char *sub, const char *role,
                      const char *org, long sv, time_t now, char **token_out,
                      long *exp_out);

/*
 * Verifies a token issued by token_issue_hs256: header alg exactly "HS256"
 * (checked before libjwt sees the token and again after), the signature, iss,
 * aud (a string, or an array of strings containing ours), exp > now - leeway,
 * nbf (if present) and iat <= now + TOKEN_CLOCK_SKEW_SECONDS, sub and org
 * non-empty strings of at most 63 characters, role valid.
 *
 * token is borrowed; on TOKEN_OK *out is filled, otherwise it is zeroed.
 * Returns TOKEN_INTERNAL_ERROR without looking at the token when the key is
 * shorter than TOKEN_HS_MIN_KEY_LEN or the config is unusable.
 */
token_status token_verify_hs256(const token_hs_config *cfg, const char *token, time_t now,
                                token_claims *out);

/*
 * Verifies an external provider's token: header alg exactly "RS256", the
 * signature against cfg->public_pem, iss, aud, exp, nbf, iat as for HS256,
 * and an email claim (a string of at most 254 characters containing '@');
 * a present email_verified that is neither true nor "true" gives
 * TOKEN_EMAIL_UNVERIFIED (an unverified address must not log in as the local
 * user who owns it).
 * role and org are not read: Samspil maps the email to a local user.
 *
 * token is borrowed; on TOKEN_OK *out is filled (role and org ""), otherwise
 * it is zeroed. An unreadable PEM makes every signature fail
 * (TOKEN_BAD_SIGNATURE): libjwt does not tell the two apart.
 */
token_status token_verify_rs256(const token_rs_config *cfg, const char *token, time_t now,
                                token_claims *out);

#endif
