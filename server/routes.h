/*
 * routes: the one route table and the dispatcher that applies, in order,
 * the request rate limit, routing (404/405), authentication, the role check,
 * the CSRF check for cookie sessions, and then the handler.
 */
#ifndef SAMSPIL_ROUTES_H
#define SAMSPIL_ROUTES_H

#include <stddef.h>

#include "http.h"

typedef void (*route_handler)(http_request *req);

enum {
    ROUTE_RESIDENT_DATA = 1 << 0, /* a refused attempt is written to the audit log */
    ROUTE_NO_RATE_LIMIT = 1 << 1, /* probes: /healthz, /readyz, /metrics */
};

typedef struct route {
    const char *method;
    const char *pattern;
    route_handler handler;
    unsigned roles; /* role bits allowed; 0: no authentication */
    unsigned flags;
} route;

/* A resource module's routes and statements. Modules own their table; routes.c lists the
 * tables, so the whole route map is still read in one place. */
typedef struct route_table {
    const route *routes;
    size_t count;
    void (*register_statements)(void);
} route_table;

/* http_config.dispatch and .complete */
void routes_dispatch(http_request *req, void *cls);
void routes_complete(http_request *req, void *cls);

/* Registers every resource's SQL statements. */
void routes_register_statements(void);

/* Calls fn for every route: the core table, then each module's table, in matching order. */
void routes_foreach(void (*fn)(const route *r, void *cls), void *cls);

#endif
