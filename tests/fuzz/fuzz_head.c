/* libFuzzer target: lib/head.c, the request-head check of the acceptor. Every input must
 * give one of the three results with a coherent verdict, and an accepted head must end in
 * CR LF CR LF within the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "head.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    head_verdict v;
    head_result r = head_check((const char *)data, size, 1 << 20, &v);
    if (r == HEAD_OK) {
        if (v.head_len < 4 || v.head_len > size || v.head_len > HEAD_MAX_BYTES ||
            memcmp(data + v.head_len - 4, "\r\n\r\n", 4) != 0)
            abort();
    } else if (r == HEAD_REJECT) {
        if (v.status < 400 || v.status > 505 || !v.code || !v.detail)
            abort();
    } else if (r != HEAD_INCOMPLETE || size >= HEAD_MAX_BYTES) {
        abort();
    }
    return 0;
}
