/*
 * router: segment-wise pattern matching; see router.h.
 */
#include "router.h"

#include <string.h>

bool router_match(const char *pattern, const char *path, const char **params, int maxp,
                  arena *a)
{
    const char *p = pattern, *s = path;
    int np = 0;
    while (*p && *s) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            if (!close)
                return false;
            size_t n = strcspn(s, "/");
            if (n == 0)
                return false;
            if (np < maxp && a)
                params[np] = arena_strndup(a, s, n);
            np++;
            p = close + 1;
            s += n;
            continue;
        }
        if (*p != *s)
            return false;
        p++;
        s++;
    }
    return *p == '\0' && *s == '\0';
}
