/*
 * seal: opaque authenticated tokens; see seal.h.
 */
#include "seal.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG crypto_aead_xchacha20poly1305_ietf_ABYTES
#define VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING

_Static_assert(SEAL_KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "key size");

void seal_key(unsigned char key[SEAL_KEY_BYTES], const char *purpose, const unsigned char *secret,
              size_t secret_len)
{
    if (secret_len > crypto_generichash_KEYBYTES_MAX)
        secret_len = crypto_generichash_KEYBYTES_MAX;
    crypto_generichash(key, SEAL_KEY_BYTES, (const unsigned char *)purpose, strlen(purpose),
                       secret_len ? secret : NULL, secret_len);
}

char *seal_make(const unsigned char key[SEAL_KEY_BYTES], const void *binding, size_t binding_len,
                const void *payload, size_t payload_len)
{
    size_t sealed_len = NONCE + payload_len + TAG;
    size_t text_len = sodium_base64_ENCODED_LEN(sealed_len, VARIANT);
    if (text_len - 1 > SEAL_TEXT_MAX)
        return NULL;
    unsigned char *sealed = malloc(sealed_len);
    char *text = malloc(text_len);
    if (!sealed || !text) {
        free(sealed);
        free(text);
        return NULL;
    }
    randombytes_buf(sealed, NONCE);
    crypto_aead_xchacha20poly1305_ietf_encrypt(sealed + NONCE, NULL, payload, payload_len,
                                               binding, binding_len, NULL, sealed, key);
    sodium_bin2base64(text, text_len, sealed, sealed_len, VARIANT);
    free(sealed);
    return text;
}

bool seal_open(const unsigned char key[SEAL_KEY_BYTES], const void *binding, size_t binding_len,
               const char *text, unsigned char *out, size_t *out_len)
{
    *out_len = 0;
    size_t n = strlen(text);
    if (n > SEAL_TEXT_MAX)
        return false;
    unsigned char sealed[SEAL_TEXT_MAX];
    size_t sealed_len = 0;
    if (sodium_base642bin(sealed, sizeof sealed, text, n, NULL, &sealed_len, NULL, VARIANT) != 0 ||
        sealed_len < NONCE + TAG)
        return false;
    unsigned long long len = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &len, NULL, sealed + NONCE,
                                                   sealed_len - NONCE, binding, binding_len,
                                                   sealed, key) != 0)
        return false;
    *out_len = (size_t)len;
    return true;
}
