/*
 * http: the HTTP server over libmicrohttpd. Owns the thread pool, the
 * connection limits, request bodies (with the size limit checked before
 * parsing), framing checks, request ids and the one place a response is
 * handed to MHD. Handlers never touch MHD: they read an http_request and
 * set its response with http_reply*().
 */
#ifndef SAMSPIL_HTTP_H
#define SAMSPIL_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "netset.h"

#define HTTP_MAX_PARAMS 4

typedef struct http_header_line {
    struct http_header_line *next;
    const char *name;
    const char *value;
} http_header_line;

typedef struct http_request {
    arena *arena;            /* freed when the request completes */
    void *conn;              /* the MHD connection; lib/http.c only */
    const char *method;      /* "GET", ... */
    const char *path;        /* decoded path without query string */
    char request_id[33];     /* random hex id, echoed as X-Request-Id */
    char client_addr[64];    /* numeric client address: the peer's, or the one a trusted
                                proxy forwarded (X-Forwarded-For); limits and audit use it */
    char peer_addr[64];      /* numeric address of the socket's other end */
    const char *body;        /* request body, NUL-terminated, or NULL */
    size_t body_len;
    const char *route;       /* matched route pattern, for logs and metrics */
    const char *params[HTTP_MAX_PARAMS]; /* path parameters in pattern order */
    const char *user_id;     /* authenticated user, for the access log */
    void *ctx;               /* the application's per-request state */
    double started;          /* monotonic seconds at arrival */

    /* the response */
    unsigned status;         /* 0 until a reply is set */
    const char *resp_type;   /* Content-Type */
    char *resp_body;         /* malloc'd, freed with the response */
    size_t resp_len;
    http_header_line *resp_headers;

    /* framing state: lib/http.c only */
    size_t body_cap;
    char *body_buf;
    unsigned early_status;   /* set while headers arrive: 400, 408, 413, 501 */
    const char *early_code;
    const char *early_detail;
    bool answered;           /* a response is queued */
    bool held;               /* suspended until answer_at or http_resume */
    double body_started;     /* monotonic seconds when the head was complete */
    double answer_at;        /* > 0: hold the answer until then (http_delay) */
    void (*defer_start)(struct http_request *req, void *arg); /* http_defer */
    void *defer_arg;
    void (*then)(struct http_request *req, void *arg); /* http_resume_then */
    void *then_arg;
    double drain_until;      /* > 0: answered half-way through the body; close after this */
    size_t drained;          /* body bytes read since */
} http_request;

typedef void (*http_dispatch_fn)(http_request *req, void *cls);
typedef void (*http_complete_fn)(http_request *req, void *cls);

typedef struct http_config {
    const char *bind_address;          /* numeric IPv4 or IPv6 address */
    unsigned short port;               /* 0 picks a free port */
    unsigned threads;                  /* worker pool size */
    unsigned connection_timeout_s;     /* idle connections are closed after this */
    unsigned connection_limit;         /* total concurrent connections */
    unsigned per_ip_connection_limit;  /* concurrent connections per address */
    size_t connection_memory_limit;    /* MHD per-connection memory pool */
    size_t max_body_bytes;             /* larger bodies get 413 */
    unsigned head_timeout_s;           /* a request head must be whole this long after the
                                          connection (or its request line); 0: 10 */
    unsigned pending_per_address;      /* unfinished first heads held per address; 0: 32 */
    unsigned pending_limit;            /* unfinished first heads held in all; 0: 1024 */
    bool keep_alive;                   /* false: one request per connection (every head is
                                          checked by head_check before libmicrohttpd) */
    bool hsts;                         /* served over https: Strict-Transport-Security */
    const netset *trusted_proxies;     /* borrowed; peers whose X-Forwarded-For is believed
                                          (NULL or empty: none) */
    http_dispatch_fn dispatch;         /* called once per request with the full body */
    http_complete_fn complete;         /* called when the response was sent (or failed) */
    void *cls;                         /* passed to dispatch and complete */
} http_config;

typedef struct http_server http_server;

/* Starts listening. Returns NULL (and logs why) when the socket or threads cannot be set up. */
http_server *http_server_start(const http_config *cfg);
/* The port actually bound. */
unsigned short http_server_port(const http_server *s);
/* Stops accepting, lets in-flight requests finish, joins the workers and frees. */
void http_server_stop(http_server *s);
/* Connections the acceptor answered itself (malformed, slow or too many) since start. */
unsigned long http_server_edge_rejected(const http_server *s);

/* The slowest a request body may arrive, after a grace of head_timeout_s: bytes/second. */
#define HTTP_BODY_MIN_RATE 4096.0

/* Request accessors; the strings are borrowed for the request's lifetime. NULL when absent. */
const char *http_header(http_request *req, const char *name);
const char *http_query(http_request *req, const char *name);
const char *http_cookie(http_request *req, const char *name);
/* Calls fn for every query argument in the order sent, repeated names included (value NULL
 * for an argument without '='); stops early when fn returns false. Both strings borrowed. */
void http_query_each(http_request *req, bool (*fn)(void *cls, const char *name, const char *value),
                     void *cls);

/* Adds a response header (both strings copied). */
void http_add_header(http_request *req, const char *name, const char *value);
/* Sets the response; the body is copied. A later call replaces an earlier one. */
void http_reply(http_request *req, unsigned status, const char *content_type,
                const char *body, size_t len);
/* Sets the response and takes ownership of body, a malloc'd buffer. */
void http_reply_owned(http_request *req, unsigned status, const char *content_type,
                      char *body, size_t len);
/* Holds the answer of req until seconds from now (at most 60), without holding a worker:
 * the connection is suspended and resumed by the acceptor thread. */
void http_delay(http_request *req, double seconds);
/* Answers req later without holding a worker: when the handler has returned, the
 * connection is suspended and start(req, arg) is called on the worker; whoever start hands
 * the request to may change the reply and then calls http_resume(req) exactly once, from
 * any thread, and the reply goes out. Until then req is theirs. */
void http_defer(http_request *req, void (*start)(http_request *req, void *arg), void *arg);
void http_resume(http_request *req);
/* http_resume, but then(req, arg) is called on a worker first, as a handler would be: it
 * may reply anew, block, or http_defer again. */
void http_resume_then(http_request *req, void (*then)(http_request *req, void *arg), void *arg);
/* Sets a JSON response; steals the reference to body. */
void http_reply_json(http_request *req, unsigned status, json_t *body);

/* Monotonic clock in seconds. */
double http_now(void);

#endif
