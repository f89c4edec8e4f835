/*
 * router: matching a request path against route patterns such as
 * "/api/residents/{id}/consents". A {name} matches one non-empty segment.
 */
#ifndef SAMSPIL_ROUTER_H
#define SAMSPIL_ROUTER_H

#include <stdbool.h>

#include "arena.h"

/* True when path matches pattern; the segments matched by {..} are copied into params (at most
 * maxp, in order, arena-owned). */
bool router_match(const char *pattern, const char *path, const char **params, int maxp,
                  arena *a);

#endif
