/* libFuzzer target: lib/router.c. The input is a path; it is matched against the server's
 * kinds of patterns, and a match's parameters must be non-empty segments without '/'. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "router.h"

static const char *const patterns[] = {
    "/api/residents", "/api/residents/{id}", "/api/residents/{id}/conversations",
    "/api/residents/{id}/kip/versions/{version}", "/api/agreements/{id}/signatures", "/healthz",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *path = malloc(size + 1);
    memcpy(path, data, size);
    path[size] = '\0';
    arena *a = arena_new();
    for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
        const char *params[8] = {0};
        if (!router_match(patterns[i], path, params, 8, a))
            continue;
        for (int k = 0; k < 8 && params[k]; k++)
            if (!params[k][0] || strchr(params[k], '/'))
                abort();
    }
    arena_free(a);
    free(path);
    return 0;
}
