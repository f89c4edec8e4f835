/*
 * routes: the route table and dispatcher; see routes.h.
 */
#include "cursor.h"
#include "jsonw.h"
#include "routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app.h"
#include "handlers.h"
#include "router.h"

/* clang-format off */
static const route routes[] = {
    /* probes */
    {"GET",   "/healthz",                 health_live,          0, ROUTE_NO_RATE_LIMIT},
    {"GET",   "/readyz",                  health_ready,         0, ROUTE_NO_RATE_LIMIT},
    {"GET",   "/metrics",                 health_metrics,       0, ROUTE_NO_RATE_LIMIT},
    /* sessions */
    {"POST",  "/api/auth/login",          auth_login,           0, 0},
    {"POST",  "/api/auth/logout",         auth_logout,          0, 0},
    {"GET",   "/api/me",                  auth_me,              ROLES_ANY, 0},
    /* log-in with an organisation's OpenID provider (oidc_login.c) */
    {"GET",   "/api/auth/providers",      oidc_providers_list,  0, 0},
    {"GET",   "/api/auth/oidc/{provider}/start",    oidc_login_start,    0, 0},
    {"GET",   "/api/auth/oidc/{provider}/callback", oidc_login_callback, 0, 0},
    /* administration: accounts and organisations, never resident data */
    {"GET",   "/api/organizations",       organizations_list,   ROLE_ADMIN, 0},
    {"POST",  "/api/organizations",       organizations_create, ROLE_ADMIN, 0},
    {"GET",   "/api/organizations/{id}",  organizations_get,    ROLE_ADMIN, 0},
    {"GET",   "/api/users",               users_list,           ROLE_ADMIN, 0},
    {"GET",   "/api/users/{id}",          users_get,            ROLE_ADMIN, 0},
    {"POST",  "/api/users",               users_create,         ROLE_ADMIN, 0},
    {"PATCH", "/api/users/{id}",          users_update,         ROLE_ADMIN, 0},
    /* the people of the caller's own and partner organisations (names and roles only) */
    {"GET",   "/api/colleagues",          users_colleagues,     ROLES_CARE, 0},
    /* residents */
    {"GET",   "/api/residents",           residents_list,       ROLES_CARE, ROUTE_RESIDENT_DATA},
    {"GET",   "/api/residents/{id}",      residents_get,        ROLES_CARE, ROUTE_RESIDENT_DATA},
    /* audit trail of a resident, for the managers of its team and facility */
    {"GET",   "/api/audit",               audit_list,           ROLES_MANAGERS, ROUTE_RESIDENT_DATA},
    {"GET",   "/api/audit/summary",       audit_summary,        ROLES_MANAGERS, ROUTE_RESIDENT_DATA},
};
/* clang-format on */

#define NROUTES (sizeof routes / sizeof routes[0])

/* The domain modules' tables (each defined in its own file, declared in handlers.h). */
static const route_table *const modules[] = {
    &kip_routes,
    &reports_routes,
    &meetings_routes,
    &monday_mail_routes,
    &admissions_routes,
    &residents_routes,
    &consents_routes,
    &conversations_routes,
    &agreements_routes,
    &fhir_routes,
    NULL, /* keeps the array valid while no module is listed */
};
#define NMODULES (sizeof modules / sizeof modules[0])

void routes_register_statements(void)
{
    for (size_t m = 0; m < NMODULES; m++)
        if (modules[m] && modules[m]->register_statements)
            modules[m]->register_statements();
    app_register_app_statements();
    auth_register();
    oidc_login_register();
    organizations_register();
    users_register();
    residents_register();
    audit_register();
    audit_batch_register_statements();
    health_register();
}

void routes_foreach(void (*fn)(const route *r, void *cls), void *cls)
{
    for (size_t i = 0; i < NROUTES; i++)
        fn(&routes[i], cls);
    for (size_t m = 0; m < NMODULES; m++)
        if (modules[m])
            for (size_t i = 0; i < modules[m]->count; i++)
                fn(&modules[m]->routes[i], cls);
}

static bool method_is(const char *m, const char *want)
{
    return strcmp(m, want) == 0 || (strcmp(want, "GET") == 0 && strcmp(m, "HEAD") == 0);
}

static bool is_unsafe(const char *m)
{
    return strcmp(m, "GET") && strcmp(m, "HEAD") && strcmp(m, "OPTIONS");
}

/* A browser request authenticated by cookie must come from our own origin (CSRF). */
static bool origin_ok(http_request *req)
{
    const char *origin = http_header(req, "Origin");
    if (origin)
        return strcmp(origin, app.cfg.public_origin) == 0;
    /* No Origin: accept only a same-origin fetch metadata claim. */
    const char *site = http_header(req, "Sec-Fetch-Site");
    return site && strcmp(site, "same-origin") == 0;
}

/* The route matching path and method, or NULL; methods of routes matching the path only are
 * appended to allow (for 405). */
static const route *find_route(const route *table, size_t n, http_request *req, char *allow,
                               size_t allow_len)
{
    for (size_t i = 0; i < n; i++) {
        const char *params[HTTP_MAX_PARAMS] = {0};
        if (!router_match(table[i].pattern, req->path, params, HTTP_MAX_PARAMS, req->arena))
            continue;
        if (method_is(req->method, table[i].method)) {
            memcpy(req->params, params, sizeof params);
            return &table[i];
        }
        if (!strstr(allow, table[i].method)) {
            size_t len = strlen(allow);
            snprintf(allow + len, allow_len - len, "%s%s", len ? ", " : "", table[i].method);
        }
    }
    return NULL;
}

static void dispatch(http_request *req);

void routes_dispatch(http_request *req, void *cls)
{
    (void)cls;
    dispatch(req);
    /* under /fhir every answer is FHIR: errors, refusals and limits as OperationOutcome */
    if (strncmp(req->path, "/fhir/", 6) == 0 || strcmp(req->path, "/fhir") == 0)
        fhir_finish_reply(req);
}

static void dispatch(http_request *req)
{
    app_request *ar = arena_alloc(req->arena, sizeof *ar);
    req->ctx = ar;

    char allow[64] = "";
    const route *match = find_route(routes, NROUTES, req, allow, sizeof allow);
    for (size_t m = 0; !match && m < NMODULES; m++)
        if (modules[m])
            match = find_route(modules[m]->routes, modules[m]->count, req, allow, sizeof allow);

    /* Every API answer (/api and /fhir), errors and refusals included, is private to its
     * caller. */
    bool api = strncmp(req->path, "/api/", 5) == 0 || strcmp(req->path, "/api") == 0 ||
               strncmp(req->path, "/fhir/", 6) == 0 || strcmp(req->path, "/fhir") == 0;
    if (api)
        http_add_header(req, "Cache-Control", "no-store");

    if (!match || !(match->flags & ROUTE_NO_RATE_LIMIT)) {
        unsigned retry = 0;
        if (!ratelimit_hit(app.requests, req->client_addr, (long)time(NULL), &retry)) {
            char buf[16];
            snprintf(buf, sizeof buf, "%u", retry);
            http_add_header(req, "Retry-After", buf);
            problem_send(req, 429, "rate-limited", NULL,
                         "Too many requests from your address. Please wait a moment.");
            return;
        }
    }

    if (!match) {
        if (allow[0]) {
            http_add_header(req, "Allow", allow);
            problem_send(req, 405, "method-not-allowed", NULL,
                         "This address does not accept that method.");
        } else if (api) {
            problem_send(req, 404, "not-found", NULL, "There is no such API address.");
        } else {
            req->route = "static";
            static_serve(req);
        }
        return;
    }
    req->route = match->pattern;

    /* Unsafe requests carrying an Origin must come from ours, authenticated or not
     * (this also stops login CSRF). */
    const char *origin = http_header(req, "Origin");
    if (is_unsafe(req->method) && origin && strcmp(origin, app.cfg.public_origin) != 0) {
        problem_send(req, 403, "cross-origin", NULL,
                     "Requests from another site are not accepted.");
        return;
    }

    /* The same for routes open to anyone (log-out): with the session cookie, a change must
     * come from our own pages, so another site cannot log a user out. */
    if (!match->roles && is_unsafe(req->method) && auth_by_cookie(req) && !origin_ok(req)) {
        problem_send(req, 403, "cross-origin", NULL,
                     "A change made with the session cookie must come from Samspil itself "
                     "(Origin header missing or foreign).");
        return;
    }

    if (match->roles) {
        if (!auth_authenticate(req))
            return;
        const app_identity *who = app_who(req);
        req->user_id = who->user_id;
        if (who->via_cookie && is_unsafe(req->method) && !origin_ok(req)) {
            problem_send(req, 403, "cross-origin", NULL,
                         "A change made with the session cookie must come from Samspil "
                         "itself (Origin header missing or foreign).");
            return;
        }
        if (!(match->roles & who->role_bit)) {
            if (match->flags & ROUTE_RESIDENT_DATA) {
                /* the resident is in the path or, for lists about one, the query */
                /* Only /api/residents/{id}/... names a resident in its path; elsewhere
                 * the first parameter is another resource's id. */
                const char *resident = strncmp(match->pattern, "/api/residents/{id}", 19) == 0
                                           ? req->params[0]
                                           : http_query(req, "resident_id");
                audit_denied(req, json_is_uuid(resident) ? resident : NULL);
                return;
            }
            problem_send(req, 403, "forbidden", NULL, "Your role does not give access to this.");
            return;
        }
    }
    cursor_bind(req); /* the cursors of this answer belong to this list and caller */
    match->handler(req);
    cursor_bind(NULL);
}

void routes_complete(http_request *req, void *cls)
{
    (void)cls;
    double dur = http_now() - req->started;
    metrics_observe(app.metrics, req->method, req->route, req->status, dur);
    /* One JSON line per request: never tokens, bodies, query strings or names. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[40];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:f, s:s?, s:s}", "ts", when,
                          "level", "info", "request_id", req->request_id, "method", req->method,
                          "route", req->route ? req->route : "unmatched", "status",
                          (int)req->status, "duration_ms", (double)(long)(dur * 1e6) / 1000.0, "user_id",
                          req->user_id, "client", req->client_addr);
    if (strcmp(req->peer_addr, req->client_addr) != 0) /* forwarded by a trusted proxy */
        json_object_set_new(o, "peer", json_string(req->peer_addr));
    char *line = jsonw_dumps(o, NULL);
    if (line) {
        fputs(line, stdout);
        fputc('\n', stdout);
        fflush(stdout);
    }
    free(line);
    json_decref(o);
}
