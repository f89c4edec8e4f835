/*
 * oidc: the relying-party half of OpenID Connect, without any knowledge of Samspil.
 * Fetches a provider's discovery document and JWKS with libcurl (HTTPS; plain http only
 * for a loopback issuer when the caller allows it, for tests), caches both for their
 * Cache-Control max-age, refreshes the JWKS once on an unknown kid (at most every
 * OIDC_JWKS_MIN_REFRESH_SECONDS), exchanges an authorization code at the token endpoint,
 * and verifies ID tokens: RS256 or ES256 signature (the JWK turned into a PEM public key
 * with OpenSSL, verified by libjwt 1.10), iss, aud, azp, exp, iat, nbf and nonce.
 *
 * Thread-safe: each provider has its own mutex, held while it fetches (log-ins are rare;
 * one fetch serves every waiting caller).
 */
#ifndef SAMSPIL_OIDC_H
#define SAMSPIL_OIDC_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define OIDC_JWKS_MIN_REFRESH_SECONDS 60 /* an unknown kid refetches at most this often */
#define OIDC_MAX_DOCUMENT_BYTES (256 * 1024)
#define OIDC_ID_TOKEN_MAX_LEN 16384
#define OIDC_URL_MAX 1024
#define OIDC_CLAIM_MAX 254
#define OIDC_IAT_MAX_AGE_SECONDS 600     /* an ID token issued longer ago is refused */

typedef struct oidc_provider oidc_provider;

/* The endpoints discovery names; "" when absent (end_session is optional). */
typedef struct oidc_endpoints {
    char authorization[OIDC_URL_MAX];
    char token[OIDC_URL_MAX];
    char end_session[OIDC_URL_MAX];
} oidc_endpoints;

/* How the client authenticates at the token endpoint. */
typedef enum oidc_client_auth {
    OIDC_CLIENT_SECRET_BASIC = 0,
    OIDC_CLIENT_SECRET_POST,
    OIDC_PRIVATE_KEY_JWT,     /* RFC 7523: an RS256 assertion signed with the client's key */
} oidc_client_auth;

/* Why something failed. Stable values: they go to logs and to the log-in page's error. */
typedef enum oidc_status {
    OIDC_OK = 0,
    OIDC_UNAVAILABLE,       /* the provider could not be reached or answered nonsense */
    OIDC_EXCHANGE_FAILED,   /* the token endpoint refused the code */
    OIDC_MALFORMED,         /* not a JWT of JSON objects, too long, duplicate keys */
    OIDC_BAD_ALG,           /* not RS256 or ES256 */
    OIDC_UNKNOWN_KEY,       /* no key with that kid, even after a refresh */
    OIDC_BAD_SIGNATURE,
    OIDC_BAD_ISSUER,
    OIDC_BAD_AUDIENCE,      /* aud lacks the client id, or azp is wrong or missing */
    OIDC_EXPIRED,
    OIDC_NOT_YET_VALID,     /* iat or nbf in the future, or iat too old */
    OIDC_BAD_NONCE,
    OIDC_MISSING_CLAIM,     /* sub or the mapped claim absent, not a string, too long */
    OIDC_EMAIL_UNVERIFIED,  /* the mapped claim is email and email_verified is false */
} oidc_status;

const char *oidc_status_str(oidc_status s);

/* A provider by its issuer URL (copied). allow_http: accept http:// for an issuer and
 * endpoints on 127.0.0.1, ::1 or localhost (tests); never for other hosts. NULL when the
 * issuer is not an acceptable URL or out of memory. Nothing is fetched yet. */
oidc_provider *oidc_provider_new(const char *issuer, bool allow_http);
void oidc_provider_free(oidc_provider *p);
/* How often an unknown kid may refetch the JWKS (default OIDC_JWKS_MIN_REFRESH_SECONDS;
 * tests shorten it). Call before the provider is shared between threads. */
void oidc_provider_set_min_refresh(oidc_provider *p, long seconds);

/* Whether url may be used with this provider's transport rules (https, or loopback http when
 * allowed). */
bool oidc_url_allowed(const oidc_provider *p, const char *url);

/* The provider's endpoints from its (cached) discovery document; the document's issuer
 * must equal the configured one. */
oidc_status oidc_get_endpoints(oidc_provider *p, time_t now, oidc_endpoints *out);

/* The thumbprints of the client's certificate, sent in a client assertion's header: x5t
 * (base64url of the SHA-1 of the DER certificate: Entra ID finds the client's key by it) and
 * x5t#S256 (the same of SHA-256). */
typedef struct oidc_thumbprints {
    char x5t[32];
    char x5t_s256[48];
} oidc_thumbprints;

/* Fills out from a PEM certificate; false when cert_pem is no certificate or is not the one
 * of the private key key_pem (PEM). */
bool oidc_cert_thumbprints(const char *cert_pem, const char *key_pem, oidc_thumbprints *out);

/* RFC 7523 client authentication: a JWT signed RS256 with key_pem (iss = sub = client_id,
 * aud = audience, a random jti, one minute), with cert's thumbprints in its header when cert
 * is not NULL. New string (free()), or NULL. */
char *oidc_client_assertion(const char *client_id, const char *key_pem,
                            const oidc_thumbprints *cert, const char *audience, time_t now);

/* Exchanges an authorization code (with the PKCE verifier) at the token endpoint; on
 * OIDC_OK *id_token is a new string the caller frees with free(). client_secret is the
 * shared secret, or for OIDC_PRIVATE_KEY_JWT the client's RSA private key (PEM): the client
 * then sends oidc_client_assertion (with cert's thumbprints, when not NULL) instead of a
 * secret. */
oidc_status oidc_exchange_code(oidc_provider *p, time_t now, const char *client_id,
                               const char *client_secret, oidc_client_auth auth,
                               const oidc_thumbprints *cert, const char *code,
                               const char *redirect_uri, const char *code_verifier,
                               char **id_token);

/* What a verified ID token says. */
typedef struct oidc_claims {
    char sub[256];
    char value[OIDC_CLAIM_MAX + 1]; /* the mapped claim (e.g. email) */
    char alg[8];
    char kid[128];
} oidc_claims;

/* Verifies id_token for client_id and the nonce this log-in sent (compared in constant
 * time). claim names the string claim to map (e.g. "email"; when it is "email", a present
 * email_verified must be true). leeway_seconds tolerates clock differences on exp, nbf and
 * iat. token borrowed; *out filled on OIDC_OK, zeroed otherwise. */
oidc_status oidc_verify_id_token(oidc_provider *p, const char *id_token, const char *client_id,
                                 const char *nonce, const char *claim, long leeway_seconds,
                                 time_t now, oidc_claims *out);

/* PEM (SubjectPublicKeyInfo) of a JWK object text: RSA (n, e; at least 2048 bits) or EC
 * P-256 (x, y). New string (free()) or NULL. Exposed for the unit tests. */
char *oidc_jwk_to_pem(const char *jwk_json);

/* Cache-Control max-age of a header value: seconds, 0 for no-store/no-cache/absent. */
long oidc_max_age(const char *cache_control);

/* Counters for tests and metrics: discovery and JWKS fetches made so far. */
unsigned long oidc_jwks_fetches(const oidc_provider *p);

#endif
