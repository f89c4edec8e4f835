/*
 * cursor: keyset-pagination cursors; see cursor.h.
 */
#include "cursor.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "json.h"
#include "problem.h"

static unsigned char seal_key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];

void cursor_init(const unsigned char *secret, size_t len)
{
    crypto_generichash(seal_key, sizeof seal_key, (const unsigned char *)"samspil cursor v1", 17,
                       secret, len > crypto_generichash_KEYBYTES_MAX
                                   ? crypto_generichash_KEYBYTES_MAX
                                   : len);
}

/* What a cursor is bound to: "v1 METHOD PATH\nUSER", for this thread's request. */
static _Thread_local char binding[600];
static _Thread_local size_t binding_len;

void cursor_bind(const http_request *req)
{
    if (!req) {
        binding_len = 0;
        return;
    }
    int n = snprintf(binding, sizeof binding, "v1 %s %s\n%s", req->method, req->path,
                     req->user_id ? req->user_id : "");
    binding_len = n > 0 && (size_t)n < sizeof binding ? (size_t)n : 0;
}

json_t *cursor_next(const PGresult *r, int limit, const char *key_col)
{
    if (limit < 1 || db_rows(r) <= limit)
        return json_null();
    return cursor_make(db_get(r, limit - 1, key_col), db_get(r, limit - 1, "id"));
}

json_t *cursor_make(const char *key, const char *id)
{
    if (!key || !id || !binding_len)
        return json_null();
    size_t kl = strlen(key), il = strlen(id);
    size_t plain_len = kl + 1 + il;
    size_t sealed_len = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + plain_len +
                        crypto_aead_xchacha20poly1305_ietf_ABYTES;
    unsigned char *plain = malloc(plain_len), *sealed = malloc(sealed_len);
    size_t enc_len = sodium_base64_ENCODED_LEN(sealed_len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *enc = malloc(enc_len);
    json_t *out = json_null();
    if (plain && sealed && enc) {
        memcpy(plain, key, kl);
        plain[kl] = '\n';
        memcpy(plain + kl + 1, id, il);
        unsigned char *nonce = sealed;
        randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
        crypto_aead_xchacha20poly1305_ietf_encrypt(
            sealed + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, NULL, plain, plain_len,
            (const unsigned char *)binding, binding_len, NULL, nonce, seal_key);
        sodium_bin2base64(enc, enc_len, sealed, sealed_len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        json_decref(out);
        out = json_string(enc);
    }
    free(plain);
    free(sealed);
    free(enc);
    return out;
}

static bool bad_cursor(http_request *req)
{
    json_t *errors = json_array();
    problem_field(errors, "cursor", "is not a cursor this server issued");
    problem_send_errors(req, 400, "bad-query", NULL, "The cursor is not valid.", errors);
    return false;
}

bool cursor_parse(http_request *req, const char **key, const char **id)
{
    *key = *id = NULL;
    const char *c = http_query(req, "cursor");
    if (!c || !*c)
        return true;
    size_t n = strlen(c);
    if (n > 1024 || !binding_len)
        return bad_cursor(req);
    unsigned char *sealed = arena_alloc(req->arena, n + 1);
    size_t sealed_len = 0;
    if (sodium_base642bin(sealed, n, c, n, NULL, &sealed_len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        sealed_len < crypto_aead_xchacha20poly1305_ietf_NPUBBYTES +
                         crypto_aead_xchacha20poly1305_ietf_ABYTES + 2)
        return bad_cursor(req);
    unsigned char *raw = arena_alloc(req->arena, sealed_len + 1);
    unsigned long long raw_len = 0;
    /* a cursor altered, forged, or issued for another list or caller does not open */
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            raw, &raw_len, NULL, sealed + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
            sealed_len - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
            (const unsigned char *)binding, binding_len, sealed, seal_key) != 0)
        return bad_cursor(req);
    raw[raw_len] = '\0';
    char *nl = memchr(raw, '\n', (size_t)raw_len);
    if (!nl || strlen((char *)raw) != raw_len)
        return bad_cursor(req);
    *nl = '\0';
    if (!json_is_uuid(nl + 1) || json_utf8_len((char *)raw) < 0)
        return bad_cursor(req);
    *key = (const char *)raw;
    *id = nl + 1;
    return true;
}
