/* libFuzzer target: lib/seal.c, the opaque cursors of the lists (server/cursor.c). The input
 * is used twice: as a token someone sends (it must never open: only the server's key makes
 * tokens) and as a payload (sort key, id) and binding, which must come back unchanged from its
 * token, and must not open under another binding or with any one character of the token
 * changed to another base64url character. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seal.h"

static unsigned char key[SEAL_KEY_BYTES];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (sodium_init() < 0)
        abort();
    seal_key(key, "fuzz cursor", (const unsigned char *)"a secret of the server", 22);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    unsigned char *out = malloc(size + 1);
    size_t out_len;
    static const char binding[] = "v1 GET /api/residents\nuser";
    /* a token from outside: forged (opening one by chance is a 2^-128 event) */
    if (seal_open(key, binding, sizeof binding - 1, text, out, &out_len))
        abort();

    /* the input as payload: the first byte tells where the binding ends */
    size_t split = size ? data[0] % (size + 1) : 0;
    const uint8_t *bind = data, *payload = data + split;
    size_t bind_len = split, payload_len = size - split;
    char *tok = seal_make(key, bind, bind_len, payload, payload_len);
    if (!tok) {
        if (payload_len <= SEAL_TEXT_MAX / 2) /* only too long a payload makes no token */
            abort();
    } else {
        size_t tl = strlen(tok);
        unsigned char *back = malloc(tl + 1);
        size_t back_len;
        if (!seal_open(key, bind, bind_len, tok, back, &back_len) || back_len != payload_len ||
            (payload_len && memcmp(back, payload, payload_len) != 0))
            abort();
        /* another binding: one byte more */
        unsigned char *other = malloc(bind_len + 1);
        if (bind_len)
            memcpy(other, bind, bind_len);
        other[bind_len] = 'x';
        if (seal_open(key, other, bind_len + 1, tok, back, &back_len))
            abort();
        /* one character changed (not the last: its low bits may be padding) */
        if (tl > 1) {
            size_t at = size ? data[size - 1] % (tl - 1) : 0;
            tok[at] = tok[at] == 'A' ? 'B' : 'A';
            if (seal_open(key, bind, bind_len, tok, back, &back_len))
                abort();
        }
        free(other);
        free(back);
        free(tok);
    }
    free(out);
    free(text);
    return 0;
}
