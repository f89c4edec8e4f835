/*
 * oidc: discovery, JWKS, code exchange and ID-token verification; see oidc.h.
 */
#include "oidc.h"

#include <curl/curl.h>
#include <jansson.h>
#include <jwt.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_MAX_AGE 300        /* no Cache-Control: keep documents five minutes */
#define LONGEST_MAX_AGE (24 * 3600)
#define MAX_KEYS 32

enum key_kind { KEY_RSA = 1, KEY_EC = 2 };

typedef struct jwk_entry {
    char kid[128];
    enum key_kind kind;
    char *pem;            /* SubjectPublicKeyInfo PEM, owned */
} jwk_entry;

struct oidc_provider {
    char issuer[OIDC_URL_MAX];
    bool allow_http;
    pthread_mutex_t mu;
    /* discovery */
    bool have_discovery;
    time_t discovery_expires;
    oidc_endpoints ep;
    char jwks_uri[OIDC_URL_MAX];
    /* JWKS */
    jwk_entry keys[MAX_KEYS];
    size_t nkeys;
    bool have_jwks;
    time_t jwks_expires;
    time_t jwks_fetched_at;
    unsigned long jwks_fetches;
    long min_refresh;     /* seconds between refetches for an unknown kid */
};

const char *oidc_status_str(oidc_status s)
{
    switch (s) {
    case OIDC_OK: return "ok";
    case OIDC_UNAVAILABLE: return "provider unavailable";
    case OIDC_EXCHANGE_FAILED: return "code exchange failed";
    case OIDC_MALFORMED: return "malformed";
    case OIDC_BAD_ALG: return "bad alg";
    case OIDC_UNKNOWN_KEY: return "unknown key";
    case OIDC_BAD_SIGNATURE: return "bad signature";
    case OIDC_BAD_ISSUER: return "bad issuer";
    case OIDC_BAD_AUDIENCE: return "bad audience";
    case OIDC_EXPIRED: return "expired";
    case OIDC_NOT_YET_VALID: return "not yet valid";
    case OIDC_BAD_NONCE: return "bad nonce";
    case OIDC_MISSING_CLAIM: return "missing claim";
    case OIDC_EMAIL_UNVERIFIED: return "email unverified";
    }
    return "unknown";
}

/* ---- URLs ---- */

static bool url_plain(const char *url)
{
    size_t n = strlen(url);
    if (n == 0 || n >= OIDC_URL_MAX)
        return false;
    for (const unsigned char *c = (const unsigned char *)url; *c; c++)
        if (*c <= 0x20 || *c >= 0x7f)
            return false;
    return true;
}

static bool loopback_authority(const char *rest)
{
    static const char *const hosts[] = {"127.0.0.1", "[::1]", "localhost"};
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        size_t n = strlen(hosts[i]);
        if (strncasecmp(rest, hosts[i], n) == 0 &&
            (rest[n] == ':' || rest[n] == '/' || rest[n] == '\0'))
            return true;
    }
    return false;
}

static bool url_ok(bool allow_http, const char *url)
{
    if (!url || !url_plain(url))
        return false;
    const char *authority;
    if (strncasecmp(url, "https://", 8) == 0)
        authority = url + 8;
    else if (allow_http && strncasecmp(url, "http://", 7) == 0 && loopback_authority(url + 7))
        authority = url + 7;
    else
        return false;
    /* no user information (an '@' before the path) and a host at all */
    size_t alen = strcspn(authority, "/?#");
    return alen > 0 && !memchr(authority, '@', alen);
}

bool oidc_url_allowed(const oidc_provider *p, const char *url)
{
    return url_ok(p->allow_http, url);
}

oidc_provider *oidc_provider_new(const char *issuer, bool allow_http)
{
    if (!url_ok(allow_http, issuer) || strchr(issuer, '?') || strchr(issuer, '#'))
        return NULL;
    oidc_provider *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    snprintf(p->issuer, sizeof p->issuer, "%s", issuer);
    p->allow_http = allow_http;
    p->min_refresh = OIDC_JWKS_MIN_REFRESH_SECONDS;
    pthread_mutex_init(&p->mu, NULL);
    return p;
}

static void keys_clear(oidc_provider *p)
{
    for (size_t i = 0; i < p->nkeys; i++)
        free(p->keys[i].pem);
    p->nkeys = 0;
}

void oidc_provider_free(oidc_provider *p)
{
    if (!p)
        return;
    keys_clear(p);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

void oidc_provider_set_min_refresh(oidc_provider *p, long seconds)
{
    p->min_refresh = seconds < 1 ? 1 : seconds;
}

unsigned long oidc_jwks_fetches(const oidc_provider *p)
{
    return p->jwks_fetches;
}

/* ---- HTTP ---- */

typedef struct fetch_result {
    char *body;
    size_t len;
    bool too_big;
    long status;
    char cache_control[256];
} fetch_result;

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    fetch_result *f = ud;
    size_t add = size * n;
    if (f->len + add > OIDC_MAX_DOCUMENT_BYTES) {
        f->too_big = true;
        return 0;
    }
    char *nb = realloc(f->body, f->len + add + 1);
    if (!nb)
        return 0;
    memcpy(nb + f->len, data, add);
    f->body = nb;
    f->len += add;
    f->body[f->len] = '\0';
    return add;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
    fetch_result *f = ud;
    size_t len = size * n;
    static const char name[] = "cache-control:";
    if (len > sizeof name - 1 && strncasecmp(data, name, sizeof name - 1) == 0) {
        size_t v = len - (sizeof name - 1);
        if (v >= sizeof f->cache_control)
            v = sizeof f->cache_control - 1;
        memcpy(f->cache_control, data + sizeof name - 1, v);
        f->cache_control[v] = '\0';
    }
    return len;
}

/* GET (form NULL) or POST a form; authorization is a whole header line or NULL. */
static bool fetch(const oidc_provider *p, const char *url, const char *form,
                  const char *authorization, fetch_result *f)
{
    memset(f, 0, sizeof *f);
    if (!url_ok(p->allow_http, url))
        return false;
    CURL *c = curl_easy_init();
    if (!c)
        return false;
    struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
    if (authorization)
        h = curl_slist_append(h, authorization);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, p->allow_http ? "http,https" : "https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 8000L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "samspil-oidc/1");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, f);
    if (form)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK || f->too_big || !f->body) {
        free(f->body);
        f->body = NULL;
        return false;
    }
    return true;
}

long oidc_max_age(const char *cc)
{
    if (!cc)
        return -1;
    char low[256];
    size_t i = 0;
    for (; cc[i] && i < sizeof low - 1; i++)
        low[i] = (char)((cc[i] >= 'A' && cc[i] <= 'Z') ? cc[i] + 32 : cc[i]);
    low[i] = '\0';
    if (strstr(low, "no-store") || strstr(low, "no-cache"))
        return 0;
    const char *m = strstr(low, "max-age=");
    if (!m)
        return -1;
    char *end;
    long v = strtol(m + 8, &end, 10);
    if (end == m + 8 || v < 0)
        return -1;
    return v > LONGEST_MAX_AGE ? LONGEST_MAX_AGE : v;
}

static time_t expiry(time_t now, const char *cc)
{
    long age = oidc_max_age(cc[0] ? cc : NULL);
    return now + (age < 0 ? DEFAULT_MAX_AGE : age);
}

static json_t *parse_json(const char *text, size_t len)
{
    json_error_t err;
    json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    if (o && !json_is_object(o)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- discovery ---- */

static bool copy_url(const oidc_provider *p, json_t *doc, const char *key, char *out,
                     bool required)
{
    const char *v = json_string_value(json_object_get(doc, key));
    out[0] = '\0';
    if (!v)
        return !required;
    if (!url_ok(p->allow_http, v))
        return false;
    snprintf(out, OIDC_URL_MAX, "%s", v);
    return true;
}

/* With p->mu held. */
static oidc_status discover(oidc_provider *p, time_t now)
{
    if (p->have_discovery && now < p->discovery_expires)
        return OIDC_OK;
    char url[OIDC_URL_MAX + 64];
    size_t n = strlen(p->issuer);
    snprintf(url, sizeof url, "%.*s/.well-known/openid-configuration",
             (int)(n && p->issuer[n - 1] == '/' ? n - 1 : n), p->issuer);
    fetch_result f;
    if (!fetch(p, url, NULL, NULL, &f))
        return p->have_discovery ? OIDC_OK : OIDC_UNAVAILABLE; /* keep a stale one */
    oidc_status st = OIDC_UNAVAILABLE;
    json_t *doc = f.status == 200 ? parse_json(f.body, f.len) : NULL;
    oidc_endpoints ep;
    char jwks[OIDC_URL_MAX];
    const char *iss = json_string_value(json_object_get(doc, "issuer"));
    if (doc && iss && strcmp(iss, p->issuer) == 0 &&
        copy_url(p, doc, "authorization_endpoint", ep.authorization, true) &&
        copy_url(p, doc, "token_endpoint", ep.token, true) &&
        copy_url(p, doc, "end_session_endpoint", ep.end_session, false) &&
        copy_url(p, doc, "jwks_uri", jwks, true)) {
        p->ep = ep;
        if (strcmp(jwks, p->jwks_uri) != 0) {
            snprintf(p->jwks_uri, sizeof p->jwks_uri, "%s", jwks);
            p->have_jwks = false;
        }
        p->have_discovery = true;
        p->discovery_expires = expiry(now, f.cache_control);
        st = OIDC_OK;
    } else if (doc && iss && strcmp(iss, p->issuer) != 0) {
        fprintf(stderr, "oidc: %s: discovery names another issuer\n", p->issuer);
    }
    json_decref(doc);
    free(f.body);
    return st;
}

oidc_status oidc_get_endpoints(oidc_provider *p, time_t now, oidc_endpoints *out)
{
    pthread_mutex_lock(&p->mu);
    oidc_status st = discover(p, now);
    if (st == OIDC_OK)
        *out = p->ep;
    pthread_mutex_unlock(&p->mu);
    return st;
}

/* ---- JWK to PEM ---- */

static unsigned char *b64url(const char *s, size_t *len)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    unsigned char *out = malloc(n + 1);
    if (!out)
        return NULL;
    if (sodium_base642bin(out, n + 1, s, n, NULL, len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
        free(out);
        return NULL;
    }
    return out;
}

static char *pkey_pem(EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *out = NULL;
    if (b && PEM_write_bio_PUBKEY(b, k)) {
        char *data;
        long n = BIO_get_mem_data(b, &data);
        out = malloc((size_t)n + 1);
        if (out) {
            memcpy(out, data, (size_t)n);
            out[n] = '\0';
        }
    }
    BIO_free(b);
    return out;
}

static char *jwk_pem(json_t *jwk, enum key_kind *kind)
{
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    if (!kty)
        return NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL, *check = NULL;
    EVP_PKEY *k = NULL;
    BIGNUM *n = NULL, *e = NULL;
    unsigned char *a = NULL, *b = NULL, point[65];
    size_t alen = 0, blen = 0;
    char *pem = NULL;
    if (!bld)
        goto out;
    if (strcmp(kty, "RSA") == 0) {
        a = b64url(json_string_value(json_object_get(jwk, "n")), &alen);
        b = b64url(json_string_value(json_object_get(jwk, "e")), &blen);
        if (!a || !b || alen < 256 || alen > 1024 || blen == 0 || blen > 8)
            goto out;
        n = BN_bin2bn(a, (int)alen, NULL);
        e = BN_bin2bn(b, (int)blen, NULL);
        if (!n || !e || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
            !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
            goto out;
        ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
        *kind = KEY_RSA;
    } else if (strcmp(kty, "EC") == 0) {
        const char *crv = json_string_value(json_object_get(jwk, "crv"));
        a = b64url(json_string_value(json_object_get(jwk, "x")), &alen);
        b = b64url(json_string_value(json_object_get(jwk, "y")), &blen);
        if (!crv || strcmp(crv, "P-256") != 0 || !a || !b || alen != 32 || blen != 32)
            goto out;
        point[0] = 0x04;
        memcpy(point + 1, a, 32);
        memcpy(point + 33, b, 32);
        if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
            !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point))
            goto out;
        ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
        *kind = KEY_EC;
    } else {
        goto out;
    }
    params = OSSL_PARAM_BLD_to_param(bld);
    if (!ctx || !params || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        goto out;
    if (*kind == KEY_RSA && EVP_PKEY_get_bits(k) < 2048)
        goto out;
    check = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
    if (!check || EVP_PKEY_public_check(check) <= 0) /* an EC point on the curve */
        goto out;
    pem = pkey_pem(k);
out:
    EVP_PKEY_CTX_free(check);
    EVP_PKEY_free(k);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    free(a);
    free(b);
    return pem;
}

char *oidc_jwk_to_pem(const char *jwk_json)
{
    json_t *o = parse_json(jwk_json, strlen(jwk_json));
    if (!o)
        return NULL;
    enum key_kind kind;
    char *pem = jwk_pem(o, &kind);
    json_decref(o);
    return pem;
}

/* With p->mu held: fetches the JWKS and replaces the keys when it parses. */
static oidc_status fetch_jwks(oidc_provider *p, time_t now)
{
    p->jwks_fetched_at = now;
    p->jwks_fetches++;
    fetch_result f;
    if (!fetch(p, p->jwks_uri, NULL, NULL, &f))
        return OIDC_UNAVAILABLE;
    oidc_status st = OIDC_UNAVAILABLE;
    json_t *doc = f.status == 200 ? parse_json(f.body, f.len) : NULL;
    json_t *keys = json_object_get(doc, "keys");
    if (json_is_array(keys)) {
        keys_clear(p);
        size_t i;
        json_t *k;
        json_array_foreach(keys, i, k) {
            if (p->nkeys == MAX_KEYS)
                break;
            const char *use = json_string_value(json_object_get(k, "use"));
            if (use && strcmp(use, "sig") != 0)
                continue;
            const char *kid = json_string_value(json_object_get(k, "kid"));
            if (kid && strlen(kid) >= sizeof p->keys[0].kid)
                continue;
            enum key_kind kind;
            char *pem = jwk_pem(k, &kind);
            if (!pem)
                continue;
            jwk_entry *e = &p->keys[p->nkeys++];
            snprintf(e->kid, sizeof e->kid, "%s", kid ? kid : "");
            e->kind = kind;
            e->pem = pem;
        }
        p->have_jwks = true;
        p->jwks_expires = expiry(now, f.cache_control);
        st = OIDC_OK;
    }
    json_decref(doc);
    free(f.body);
    return st;
}

/* With p->mu held: the key for kid ("" when the token has none) of kind, or NULL. */
static const jwk_entry *find_key(const oidc_provider *p, const char *kid, enum key_kind kind)
{
    const jwk_entry *only = NULL;
    size_t of_kind = 0;
    for (size_t i = 0; i < p->nkeys; i++) {
        if (p->keys[i].kind != kind)
            continue;
        of_kind++;
        only = &p->keys[i];
        if (kid[0] && strcmp(p->keys[i].kid, kid) == 0)
            return &p->keys[i];
    }
    return !kid[0] && of_kind == 1 ? only : NULL;
}

/* ---- code exchange ---- */

static char *escape(const char *s)
{
    char *e = curl_easy_escape(NULL, s, 0);
    char *out = e ? strdup(e) : NULL;
    curl_free(e);
    return out;
}

bool oidc_cert_thumbprints(const char *cert_pem, const char *key_pem, oidc_thumbprints *out)
{
    memset(out, 0, sizeof *out);
    BIO *cb = BIO_new_mem_buf(cert_pem, -1), *kb = BIO_new_mem_buf(key_pem, -1);
    X509 *cert = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
    EVP_PKEY *key = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
    unsigned char *der = NULL;
    int len = cert ? i2d_X509(cert, &der) : -1;
    bool ok = false;
    if (len > 0 && key && X509_check_private_key(cert, key) == 1) {
        unsigned char sha1[EVP_MAX_MD_SIZE], sha256[EVP_MAX_MD_SIZE];
        unsigned int n1 = 0, n256 = 0;
        if (EVP_Digest(der, (size_t)len, sha1, &n1, EVP_sha1(), NULL) == 1 &&
            EVP_Digest(der, (size_t)len, sha256, &n256, EVP_sha256(), NULL) == 1 && n1 == 20 &&
            n256 == 32) {
            sodium_bin2base64(out->x5t, sizeof out->x5t, sha1, n1,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING);
            sodium_bin2base64(out->x5t_s256, sizeof out->x5t_s256, sha256, n256,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING);
            ok = true;
        }
    }
    OPENSSL_free(der);
    EVP_PKEY_free(key);
    X509_free(cert);
    BIO_free(cb);
    BIO_free(kb);
    return ok;
}

char *oidc_client_assertion(const char *client_id, const char *key_pem,
                            const oidc_thumbprints *cert, const char *audience, time_t now)
{
    jwt_t *jwt = NULL;
    unsigned char rnd[16];
    char jti[33];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(jti, sizeof jti, rnd, sizeof rnd);
    char *out = NULL;
    if (jwt_new(&jwt) == 0 && jwt_add_grant(jwt, "iss", client_id) == 0 &&
        jwt_add_grant(jwt, "sub", client_id) == 0 && jwt_add_grant(jwt, "aud", audience) == 0 &&
        jwt_add_grant(jwt, "jti", jti) == 0 && jwt_add_grant_int(jwt, "iat", (long)now) == 0 &&
        jwt_add_grant_int(jwt, "exp", (long)now + 60) == 0 &&
        (!cert || (jwt_add_header(jwt, "x5t", cert->x5t) == 0 &&
                   jwt_add_header(jwt, "x5t#S256", cert->x5t_s256) == 0)) &&
        jwt_set_alg(jwt, JWT_ALG_RS256, (const unsigned char *)key_pem, (int)strlen(key_pem)) == 0)
        out = jwt_encode_str(jwt);
    jwt_free(jwt);
    return out;
}

oidc_status oidc_exchange_code(oidc_provider *p, time_t now, const char *client_id,
                               const char *client_secret, oidc_client_auth auth,
                               const oidc_thumbprints *cert, const char *code, const char *redirect_uri,
                               const char *code_verifier, char **id_token)
{
    *id_token = NULL;
    oidc_endpoints ep;
    oidc_status st = oidc_get_endpoints(p, now, &ep);
    if (st != OIDC_OK)
        return st;
    char *e_code = escape(code), *e_redirect = escape(redirect_uri),
         *e_verifier = escape(code_verifier), *e_id = escape(client_id),
         *e_secret = escape(client_secret);
    char *form = NULL, *authz = NULL;
    st = OIDC_UNAVAILABLE;
    if (!e_code || !e_redirect || !e_verifier || !e_id || !e_secret)
        goto out;
    size_t flen = strlen(e_code) + strlen(e_redirect) + strlen(e_verifier) + strlen(e_id) +
                  strlen(e_secret) + 200;
    form = malloc(flen);
    if (!form)
        goto out;
    int n = snprintf(form, flen,
                     "grant_type=authorization_code&code=%s&redirect_uri=%s&code_verifier=%s",
                     e_code, e_redirect, e_verifier);
    if (auth == OIDC_PRIVATE_KEY_JWT) {
        char *assertion = oidc_client_assertion(client_id, client_secret, cert, ep.token, now);
        char *e_assertion = assertion ? escape(assertion) : NULL;
        free(assertion);
        if (!e_assertion)
            goto out;
        flen += strlen(e_assertion) + 100;
        char *nf = realloc(form, flen);
        if (!nf) {
            free(e_assertion);
            goto out;
        }
        form = nf;
        snprintf(form + n, flen - (size_t)n,
                 "&client_id=%s&client_assertion_type="
                 "urn%%3Aietf%%3Aparams%%3Aoauth%%3Aclient-assertion-type%%3Ajwt-bearer"
                 "&client_assertion=%s",
                 e_id, e_assertion);
        free(e_assertion);
    } else if (auth == OIDC_CLIENT_SECRET_POST) {
        snprintf(form + n, flen - (size_t)n, "&client_id=%s&client_secret=%s", e_id, e_secret);
    } else {
        /* RFC 6749 2.3.1: both form-encoded before Basic's base64 */
        size_t plen = strlen(e_id) + strlen(e_secret) + 2;
        char *pair = malloc(plen);
        size_t blen = sodium_base64_ENCODED_LEN(plen, sodium_base64_VARIANT_ORIGINAL);
        authz = malloc(blen + 32);
        if (!pair || !authz) {
            free(pair);
            goto out;
        }
        snprintf(pair, plen, "%s:%s", e_id, e_secret);
        memcpy(authz, "Authorization: Basic ", 21);
        sodium_bin2base64(authz + 21, blen, (const unsigned char *)pair, strlen(pair),
                          sodium_base64_VARIANT_ORIGINAL);
        sodium_memzero(pair, plen);
        free(pair);
    }
    fetch_result f;
    if (!fetch(p, ep.token, form, authz, &f))
        goto out;
    json_t *doc = parse_json(f.body, f.len);
    const char *tok = json_string_value(json_object_get(doc, "id_token"));
    if (f.status != 200 || !tok) {
        st = OIDC_EXCHANGE_FAILED;
        const char *err = json_string_value(json_object_get(doc, "error"));
        fprintf(stderr, "oidc: %s: token endpoint answered %ld (%s)\n", p->issuer, f.status,
                err ? err : "no error code");
    } else if (strlen(tok) > OIDC_ID_TOKEN_MAX_LEN) {
        st = OIDC_MALFORMED;
    } else {
        *id_token = strdup(tok);
        st = *id_token ? OIDC_OK : OIDC_UNAVAILABLE;
    }
    json_decref(doc);
    sodium_memzero(f.body, f.len);
    free(f.body);
out:
    if (form)
        sodium_memzero(form, strlen(form));
    if (authz)
        sodium_memzero(authz, strlen(authz));
    if (e_secret)
        sodium_memzero(e_secret, strlen(e_secret));
    free(form);
    free(authz);
    free(e_code);
    free(e_redirect);
    free(e_verifier);
    free(e_id);
    free(e_secret);
    return st;
}

/* ---- ID tokens ---- */

static json_t *segment_json(const char *start, size_t len)
{
    char *s = malloc(len + 1);
    if (!s)
        return NULL;
    memcpy(s, start, len);
    s[len] = '\0';
    size_t blen = 0;
    unsigned char *bin = b64url(s, &blen);
    free(s);
    if (!bin)
        return NULL;
    json_t *o = parse_json((const char *)bin, blen);
    free(bin);
    return o;
}

static bool number(json_t *o, const char *key, long *out)
{
    json_t *v = json_object_get(o, key);
    if (json_is_integer(v)) {
        *out = (long)json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        *out = (long)json_real_value(v);
        return true;
    }
    return false;
}

static bool str_eq_ct(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return false;
    return la == 0 || sodium_memcmp(a, b, la) == 0;
}

static oidc_status check_claims(const oidc_provider *p, json_t *c, const char *client_id,
                                const char *nonce, const char *claim, long leeway, time_t now,
                                oidc_claims *out)
{
    const char *iss = json_string_value(json_object_get(c, "iss"));
    if (!iss || strcmp(iss, p->issuer) != 0)
        return OIDC_BAD_ISSUER;
    json_t *aud = json_object_get(c, "aud");
    bool aud_ok = false;
    size_t auds = 0;
    if (json_is_string(aud)) {
        auds = 1;
        aud_ok = strcmp(json_string_value(aud), client_id) == 0;
    } else if (json_is_array(aud)) {
        size_t i;
        json_t *a;
        json_array_foreach(aud, i, a) {
            if (!json_is_string(a))
                return OIDC_BAD_AUDIENCE;
            auds++;
            aud_ok = aud_ok || strcmp(json_string_value(a), client_id) == 0;
        }
    }
    if (!aud_ok)
        return OIDC_BAD_AUDIENCE;
    json_t *azp = json_object_get(c, "azp");
    if (azp && (!json_is_string(azp) || strcmp(json_string_value(azp), client_id) != 0))
        return OIDC_BAD_AUDIENCE;
    if (auds > 1 && !azp)
        return OIDC_BAD_AUDIENCE;
    long exp, iat, nbf;
    if (!number(c, "exp", &exp) || !number(c, "iat", &iat))
        return OIDC_MISSING_CLAIM;
    if (exp <= (long)now - leeway)
        return OIDC_EXPIRED;
    if (iat > (long)now + leeway || iat < (long)now - OIDC_IAT_MAX_AGE_SECONDS - leeway)
        return OIDC_NOT_YET_VALID;
    if (json_object_get(c, "nbf") && (!number(c, "nbf", &nbf) || nbf > (long)now + leeway))
        return OIDC_NOT_YET_VALID;
    const char *tn = json_string_value(json_object_get(c, "nonce"));
    if (!tn || !nonce || !nonce[0] || !str_eq_ct(tn, nonce))
        return OIDC_BAD_NONCE;
    const char *sub = json_string_value(json_object_get(c, "sub"));
    if (!sub || !sub[0] || strlen(sub) >= sizeof out->sub)
        return OIDC_MISSING_CLAIM;
    const char *v = json_string_value(json_object_get(c, claim));
    if (!v || !v[0] || strlen(v) > OIDC_CLAIM_MAX)
        return OIDC_MISSING_CLAIM;
    for (const unsigned char *ch = (const unsigned char *)v; *ch; ch++)
        if (*ch < 0x20 || *ch == 0x7f)
            return OIDC_MISSING_CLAIM;
    if (strcmp(claim, "email") == 0) {
        if (!strchr(v, '@'))
            return OIDC_MISSING_CLAIM;
        json_t *ev = json_object_get(c, "email_verified");
        if (ev && !json_is_true(ev) &&
            !(json_is_string(ev) && strcmp(json_string_value(ev), "true") == 0))
            return OIDC_EMAIL_UNVERIFIED;
    }
    snprintf(out->sub, sizeof out->sub, "%s", sub);
    snprintf(out->value, sizeof out->value, "%s", v);
    return OIDC_OK;
}

oidc_status oidc_verify_id_token(oidc_provider *p, const char *id_token, const char *client_id,
                                 const char *nonce, const char *claim, long leeway_seconds,
                                 time_t now, oidc_claims *out)
{
    memset(out, 0, sizeof *out);
    if (!id_token || strlen(id_token) > OIDC_ID_TOKEN_MAX_LEN)
        return OIDC_MALFORMED;
    const char *d1 = strchr(id_token, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d1 || !d2 || strchr(d2 + 1, '.') || d2[1] == '\0')
        return OIDC_MALFORMED;
    json_t *header = segment_json(id_token, (size_t)(d1 - id_token));
    json_t *payload = segment_json(d1 + 1, (size_t)(d2 - d1 - 1));
    oidc_status st = OIDC_MALFORMED;
    jwt_t *jwt = NULL;
    oidc_claims got = {0};
    if (!header || !payload || json_object_get(header, "crit"))
        goto out;
    /* The algorithm is ours to choose, never the token's: only these two, each with its
     * own kind of key (a public key is never an HMAC secret). */
    const char *alg = json_string_value(json_object_get(header, "alg"));
    enum key_kind kind;
    jwt_alg_t want;
    if (alg && strcmp(alg, "RS256") == 0) {
        kind = KEY_RSA;
        want = JWT_ALG_RS256;
    } else if (alg && strcmp(alg, "ES256") == 0) {
        kind = KEY_EC;
        want = JWT_ALG_ES256;
    } else {
        st = OIDC_BAD_ALG;
        goto out;
    }
    json_t *kidv = json_object_get(header, "kid");
    if (kidv && (!json_is_string(kidv) || strlen(json_string_value(kidv)) >= sizeof got.kid))
        goto out;
    snprintf(got.kid, sizeof got.kid, "%s", kidv ? json_string_value(kidv) : "");
    snprintf(got.alg, sizeof got.alg, "%s", alg);

    pthread_mutex_lock(&p->mu);
    st = discover(p, now);
    if (st == OIDC_OK && (!p->have_jwks || now >= p->jwks_expires))
        st = fetch_jwks(p, now);
    const jwk_entry *key = st == OIDC_OK ? find_key(p, got.kid, kind) : NULL;
    if (st == OIDC_OK && !key && now - p->jwks_fetched_at >= p->min_refresh) {
        /* a kid we do not know: the provider may have rotated its keys */
        st = fetch_jwks(p, now);
        key = st == OIDC_OK ? find_key(p, got.kid, kind) : NULL;
    }
    char *pem = key ? strdup(key->pem) : NULL;
    pthread_mutex_unlock(&p->mu);
    if (st != OIDC_OK)
        goto out;
    if (!pem) {
        st = OIDC_UNKNOWN_KEY;
        goto out;
    }
    int rc = jwt_decode(&jwt, id_token, (const unsigned char *)pem, (int)strlen(pem));
    free(pem);
    if (rc != 0 || !jwt) {
        st = OIDC_BAD_SIGNATURE;
        goto out;
    }
    if (jwt_get_alg(jwt) != want) {
        st = OIDC_BAD_ALG;
        goto out;
    }
    st = check_claims(p, payload, client_id, nonce, claim, leeway_seconds, now, &got);
    if (st == OIDC_OK)
        *out = got;
out:
    jwt_free(jwt);
    json_decref(header);
    json_decref(payload);
    return st;
}
