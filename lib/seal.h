/*
 * seal: short opaque tokens for URLs. A payload is encrypted and authenticated with
 * XChaCha20-Poly1305 under a key derived from a server secret, with a binding (what the token
 * is for: a list and a caller) as associated data, and written as unpadded base64url. A token
 * altered, forged, or presented for another binding does not open. Knows nothing of Samspil.
 */
#ifndef SAMSPIL_SEAL_H
#define SAMSPIL_SEAL_H

#include <stdbool.h>
#include <stddef.h>

#define SEAL_KEY_BYTES 32
/* the longest token seal_open reads, and so the longest payload: 1024 characters */
#define SEAL_TEXT_MAX 1024

/* key = BLAKE2b(secret, purpose): one key per purpose from one secret. */
void seal_key(unsigned char key[SEAL_KEY_BYTES], const char *purpose, const unsigned char *secret,
              size_t secret_len);
/* The token for payload bound to binding (malloc'd; NULL when out of memory or longer than
 * SEAL_TEXT_MAX). */
char *seal_make(const unsigned char key[SEAL_KEY_BYTES], const void *binding, size_t binding_len,
                const void *payload, size_t payload_len);
/* Opens text into out (at least strlen(text) bytes) and sets *out_len; false when text is not
 * a token of this key and binding. */
bool seal_open(const unsigned char key[SEAL_KEY_BYTES], const void *binding, size_t binding_len,
               const char *text, unsigned char *out, size_t *out_len);

#endif
