/* libFuzzer target: lib/token.c, bearer-token decoding and the claim checks. Whatever the
 * input, verification must not crash, and nothing but a token signed with the key may pass:
 * the input is verified as is (it never holds a valid signature) and must be refused. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned char key[] = "fuzzing-key-0123456789-0123456789-0123456789";
    token_hs_config cfg = {key, sizeof key - 1, "samspil", "samspil-web", 3600};
    char *tok = malloc(size + 1);
    memcpy(tok, data, size);
    tok[size] = '\0';
    token_claims c;
    if (token_verify_hs256(&cfg, tok, 1800000000, &c) == TOKEN_OK)
        abort(); /* a forgery passed */
    free(tok);
    return 0;
}
