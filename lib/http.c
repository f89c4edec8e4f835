/*
 * http: libmicrohttpd glue; see http.h.
 *
 * MHD calls the access handler at least twice per request: first with the
 * headers only, then once per body chunk, then once more with no data. The
 * response is queued on that last call: in MHD 0.9.75 queueing it on the
 * first call disables keep-alive. Only early rejections (a body declared
 * too large, conflicting framing headers) answer on the first call, and
 * those connections are meant to close.
 *
 * The edge: the server owns the listening socket. An acceptor thread reads
 * nothing but peeks at each new connection until its first request head is
 * complete (lib/head.c checks it strictly) and only then hands the socket to
 * libmicrohttpd (MHD_add_connection), which reads the same bytes. A head
 * that is not complete within head_timeout_s of the connection is answered
 * 408; a malformed one 400/413/431/501/505; all as problem+json, then the
 * connection is closed. The acceptor holds at most pending_per_address
 * unfinished heads per client address, so clients that trickle their
 * headers from a few addresses cannot take the slots of everyone else; a
 * burst of new connections (a proxy opening connections as load rises, a
 * benchmark's 64 at once) may go up to four times that while none of the
 * address's unfinished heads is older than PENDING_BURST_S.
 * Later requests on a kept-alive connection are read by libmicrohttpd; the
 * access handler repeats the checks that remain visible there (header names
 * and values, framing, raw path) and closes on a violation; their deadlines
 * (head, body) are enforced by the same thread (see watch_*).
 */
#define _GNU_SOURCE /* accept4 */
#include "http.h"
#include "jsonw.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "head.h"
#include "problem.h"

/* A connection the acceptor holds: waiting for its first request head, or answered and
 * draining what the client still sends before it is closed (closing without reading would
 * reset the connection and could destroy the answer before the client reads it). */
typedef struct pending {
    int fd;
    bool closing;
    double opened;   /* when it was accepted */
    double deadline; /* head deadline, or when to stop draining */
    struct sockaddr_storage addr;
    socklen_t addr_len;
} pending;

/* A connection libmicrohttpd holds, watched for deadlines it does not keep itself: a later
 * request's head must be complete head_timeout_s after its request line arrived, and a
 * kept-alive connection must start its next request within connection_timeout_s +
 * head_timeout_s (libmicrohttpd's own time-out counts idle time only, so a byte now and
 * then kept a connection forever), and a body must not pause for head_timeout_s (it is
 * answered 408). Expired: shutdown(), and libmicrohttpd closes it. */
typedef enum watch_state { WATCH_BUSY, WATCH_HEAD, WATCH_BODY, WATCH_IDLE } watch_state;
typedef struct watch {
    struct watch *prev, *next;
    int fd;
    atomic_bool answered; /* an answer went straight to the socket (wire_problem) */
    watch_state state;
    double deadline; /* WATCH_HEAD, WATCH_BODY and WATCH_IDLE */
    double since;
    struct sockaddr_storage addr;
} watch;

/* A connection suspended until its answer time (http_delay). */
typedef struct delayed {
    struct delayed *next;
    struct MHD_Connection *conn;
    double at;
} delayed;

struct http_server {
    struct MHD_Daemon *daemon;
    http_config cfg;
    atomic_int in_flight; /* requests between first callback and completion */
    unsigned short port;
    int listen_fd;
    int epoll_fd;
    int wake_fd;           /* eventfd: stop the acceptor */
    pthread_t acceptor;
    bool acceptor_running;
    pending **pend;        /* held connections, unordered */
    size_t npend, cap_pend;
    atomic_ulong edge_rejected; /* answered by the acceptor (malformed, slow, too many) */
    pthread_mutex_t delay_lock;
    struct delayed *delayed; /* suspended connections waiting for their answer time */
    pthread_mutex_t watch_lock;
    watch *watched;        /* every connection libmicrohttpd holds */
    unsigned nwatched;
    atomic_ulong watch_expired;
};

double http_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- checks of a request libmicrohttpd has parsed ---- */

/* The first request of a connection was checked whole by head_check() before
 * libmicrohttpd saw it; later ones on a kept-alive connection are checked here, on what
 * libmicrohttpd still shows: every header name a token, every value free of control
 * characters, one framing, a known Transfer-Encoding. A violation is answered and the
 * connection closed, so nothing after it is read as a request. */
typedef struct framing {
    int content_length; /* how many Content-Length headers */
    int transfer_encoding;
    int host;
    bool bad_name, bad_value;
    const char *te;
} framing;

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    framing *f = cls;
    if (!head_is_token(key, strlen(key)))
        f->bad_name = true;
    if (value && !head_value_ok(value, strlen(value)))
        f->bad_value = true;
    if (strcasecmp(key, "Content-Length") == 0)
        f->content_length++;
    else if (strcasecmp(key, "Transfer-Encoding") == 0)
        f->transfer_encoding++, f->te = value;
    else if (strcasecmp(key, "Host") == 0)
        f->host++;
    return MHD_YES;
}

static void early(http_request *req, unsigned status, const char *code, const char *detail)
{
    if (req->early_status)
        return; /* the first reason stands */
    req->early_status = status;
    req->early_code = code;
    req->early_detail = detail;
}

static void check_headers(http_server *s, http_request *req, struct MHD_Connection *conn)
{
    framing f = {0};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, count_framing, &f);
    if (f.bad_name)
        early(req, 400, "bad-header-name",
              "A header name is not a token, or is followed by whitespace before the colon.");
    if (f.bad_value)
        early(req, 400, "bad-header-value", "A header value contains a control character.");
    if (f.content_length > 1 || f.transfer_encoding > 1 ||
        (f.content_length && f.transfer_encoding) || f.host > 1)
        early(req, 400, "bad-framing",
              "Conflicting or repeated framing headers (Content-Length, Transfer-Encoding, "
              "Host).");
    if (f.transfer_encoding == 1 && (!f.te || strcasecmp(f.te, "chunked") != 0))
        early(req, 501, "unsupported-transfer-encoding",
              "The only Transfer-Encoding served is chunked.");
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    if (cl) {
        bool digits = *cl != '\0' && strlen(cl) <= 19;
        for (const char *c = cl; *c; c++)
            digits &= *c >= '0' && *c <= '9';
        if (!digits)
            early(req, 400, "bad-framing", "Content-Length is not a number.");
        else if (strtoull(cl, NULL, 10) > s->cfg.max_body_bytes)
            early(req, 413, "body-too-large",
                  "The request body is larger than the server accepts.");
    }
}

/* ---- responses ---- */

static void add_default_headers(const http_server *s, struct MHD_Response *r)
{
    if (s->cfg.hsts)
        MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; script-src 'self'; style-src 'self'; "
                            "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(r, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
}

static enum MHD_Result queue(const http_server *s, struct MHD_Connection *conn,
                              http_request *req)
{
    if (req->status == 0)
        problem_send(req, 500, "internal", NULL, "The request was not answered.");
    struct MHD_Response *r;
    if (req->resp_body) {
        r = MHD_create_response_from_buffer_with_free_callback(req->resp_len, req->resp_body,
                                                               free);
        req->resp_body = NULL; /* MHD owns it now, or freed it on failure */
    } else {
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (!r)
        return MHD_NO;
    add_default_headers(s, r);
    if (req->resp_type)
        MHD_add_response_header(r, "Content-Type", req->resp_type);
    MHD_add_response_header(r, "X-Request-Id", req->request_id);
    for (http_header_line *h = req->resp_headers; h; h = h->next)
        MHD_add_response_header(r, h->name, h->value);
    /* After an early answer nothing more is read. Without keep-alive every connection
     * carries one request, so that every request head passes head_check(): libmicrohttpd
     * reads a later head on its own, and drops an obs-folded Content-Length without a word
     * (the body would then be read as a request). */
    if (req->early_status || !s->cfg.keep_alive)
        MHD_add_response_header(r, "Connection", "close");
    enum MHD_Result ret = MHD_queue_response(conn, req->status, r);
    MHD_destroy_response(r);
    return ret;
}

/* A random request id: 16 hex digits (out holds at least 17 bytes). */
static void new_request_id(char *out, size_t n)
{
    unsigned char rnd[8];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(out, n, rnd, sizeof rnd);
}

/* Writes a problem answer straight to the socket and ends the sending side: for the acceptor
 * (libmicrohttpd has not seen the connection) and for a body refused half-way (libmicrohttpd
 * 0.9.75 queues no response while a body is still arriving). */
static void wire_problem(const http_server *s, int fd, unsigned status, const char *code,
                         const char *field, const char *detail, const char *rid)
{
    json_t *errors = NULL;
    if (field) {
        errors = json_array();
        problem_field(errors, field, detail);
    }
    json_t *body = problem_body(status, code, NULL, detail, rid, errors);
    char *text = jsonw_dumps(body, NULL);
    json_decref(body);
    char head[768];
    int hn = snprintf(head, sizeof head,
                      "HTTP/1.1 %u %s\r\nContent-Type: application/problem+json\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\nX-Request-Id: %s\r\n"
                      "X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n%s\r\n",
                      status, problem_status_title(status), text ? strlen(text) : 0, rid,
                      s->cfg.hsts ? "Strict-Transport-Security: max-age=31536000\r\n" : "");
    if (hn > 0 && (size_t)hn < sizeof head) {
        struct iovec iov[2] = {{head, (size_t)hn}, {text, text ? strlen(text) : 0}};
        struct msghdr mh = {.msg_iov = iov, .msg_iovlen = text ? 2 : 1};
        ssize_t w = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
        (void)w; /* a few hundred bytes into an empty send buffer; a peer gone is no matter */
    }
    free(text);
    shutdown(fd, SHUT_WR);
}

void http_delay(http_request *req, double seconds)
{
    if (seconds > 60)
        seconds = 60;
    req->answer_at = seconds > 0 ? http_now() + seconds : 0;
}

void http_add_header(http_request *req, const char *name, const char *value)
{
    http_header_line *h = arena_alloc(req->arena, sizeof *h);
    h->name = arena_strdup(req->arena, name);
    h->value = arena_strdup(req->arena, value);
    h->next = req->resp_headers;
    req->resp_headers = h;
}

void http_reply_owned(http_request *req, unsigned status, const char *content_type,
                      char *body, size_t len)
{
    free(req->resp_body);
    req->status = status;
    req->resp_type = content_type;
    req->resp_body = body;
    req->resp_len = body ? len : 0;
}

void http_reply(http_request *req, unsigned status, const char *content_type, const char *body,
                size_t len)
{
    char *copy = NULL;
    if (body && len) {
        copy = malloc(len);
        if (copy)
            memcpy(copy, body, len);
    }
    http_reply_owned(req, status, content_type, copy, copy ? len : 0);
}

void http_defer(http_request *req, void (*start)(http_request *req, void *arg), void *arg)
{
    req->defer_start = start;
    req->defer_arg = arg;
}

void http_resume_then(http_request *req, void (*then)(http_request *req, void *arg), void *arg)
{
    req->then = then;
    req->then_arg = arg;
    MHD_resume_connection(req->conn); /* its lock publishes the two fields to the worker */
}

void http_resume(http_request *req)
{
    MHD_resume_connection(req->conn); /* thread-safe: the daemon runs with MHD_USE_ITC */
}

void http_reply_json(http_request *req, unsigned status, json_t *body)
{
    char *text = jsonw_dumps(body, NULL);
    json_decref(body);
    if (!text) {
        problem_send(req, 500, "internal", NULL, "The response could not be encoded.");
        return;
    }
    http_reply_owned(req, status, "application/json; charset=utf-8", text, strlen(text));
}

/* ---- accessors ---- */

const char *http_header(http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_query(http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

typedef struct query_walk {
    bool (*fn)(void *cls, const char *name, const char *value);
    void *cls;
} query_walk;

static enum MHD_Result query_visit(void *cls, enum MHD_ValueKind kind, const char *name,
                                   const char *value)
{
    (void)kind;
    query_walk *w = cls;
    return w->fn(w->cls, name, value) ? MHD_YES : MHD_NO;
}

void http_query_each(http_request *req, bool (*fn)(void *cls, const char *name, const char *value),
                     void *cls)
{
    query_walk w = {fn, cls};
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, query_visit, &w);
}

const char *http_cookie(http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

/* ---- the MHD callbacks ---- */

static http_request *request_new(http_server *s, struct MHD_Connection *conn)
{
    arena *a = arena_new();
    if (!a)
        return NULL;
    http_request *req = arena_alloc(a, sizeof *req);
    req->arena = a;
    req->conn = conn;
    req->started = http_now();
    new_request_id(req->request_id, sizeof req->request_id);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        socklen_t len = ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                               : sizeof(struct sockaddr_in);
        if (getnameinfo(ci->client_addr, len, req->client_addr, sizeof req->client_addr, NULL,
                        0, NI_NUMERICHOST) != 0)
            snprintf(req->client_addr, sizeof req->client_addr, "unknown");
    }
    memcpy(req->peer_addr, req->client_addr, sizeof req->peer_addr);
    atomic_fetch_add(&s->in_flight, 1);
    return req;
}

static bool same_address(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return false;
    if (a->ss_family == AF_INET)
        return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
                      &((const struct sockaddr_in *)b)->sin_addr, sizeof(struct in_addr)) == 0;
    if (a->ss_family == AF_INET6)
        return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                      &((const struct sockaddr_in6 *)b)->sin6_addr,
                      sizeof(struct in6_addr)) == 0;
    return false;
}

/* ---- the client behind a trusted proxy ---- */

#define XFF_MAX_LINES 16

typedef struct xff_lines {
    const char *v[XFF_MAX_LINES]; /* the right-most lines, in order */
    size_t n;
} xff_lines;

static enum MHD_Result collect_xff(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    xff_lines *x = cls;
    if (key && strcasecmp(key, "X-Forwarded-For") == 0) {
        /* more lines than a proxy chain writes: keep the right-most, which the trusted
         * proxies appended */
        if (x->n == XFF_MAX_LINES) {
            memmove(x->v, x->v + 1, (XFF_MAX_LINES - 1) * sizeof x->v[0]);
            x->n--;
        }
        x->v[x->n++] = value ? value : "";
    }
    return MHD_YES;
}

/* Once the head is whole: the client address is the peer's unless the peer is a trusted
 * proxy, in which case X-Forwarded-For (all its lines, in order) is read from the right. */
static void resolve_client(const http_server *s, http_request *req, struct MHD_Connection *conn)
{
    if (!netset_contains(s->cfg.trusted_proxies, req->peer_addr))
        return;
    xff_lines x = {0};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_xff, &x);
    netset_client_address(s->cfg.trusted_proxies, req->peer_addr, x.v, x.n, req->client_addr,
                          sizeof req->client_addr);
}

/* ---- deadlines of the connections libmicrohttpd holds ---- */

static watch *watch_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void watch_set(http_server *s, struct MHD_Connection *conn, watch_state st,
                      double deadline)
{
    watch *w = watch_of(conn);
    if (!w)
        return;
    pthread_mutex_lock(&s->watch_lock);
    w->state = st;
    w->deadline = deadline;
    w->since = http_now();
    pthread_mutex_unlock(&s->watch_lock);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    http_server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        watch *w = calloc(1, sizeof *w);
        if (!w)
            return;
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        w->fd = ci ? ci->connect_fd : -1;
        const union MHD_ConnectionInfo *ai =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ai && ai->client_addr)
            memcpy(&w->addr, ai->client_addr,
                   ai->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                          : sizeof(struct sockaddr_in));
        w->state = WATCH_BUSY; /* its first head is already whole (the acceptor saw it) */
        w->since = http_now();
        pthread_mutex_lock(&s->watch_lock);
        w->next = s->watched;
        if (s->watched)
            s->watched->prev = w;
        s->watched = w;
        s->nwatched++;
        pthread_mutex_unlock(&s->watch_lock);
        *socket_context = w;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        /* called before libmicrohttpd closes the descriptor: once unlinked here, the sweep
         * can no longer shut down a descriptor number that is reused */
        watch *w = *socket_context;
        if (!w)
            return;
        pthread_mutex_lock(&s->watch_lock);
        if (w->prev)
            w->prev->next = w->next;
        else
            s->watched = w->next;
        if (w->next)
            w->next->prev = w->prev;
        s->nwatched--;
        pthread_mutex_unlock(&s->watch_lock);
        free(w);
        *socket_context = NULL;
    }
}

static void watch_expire(http_server *s, watch *w, unsigned status, const char *code,
                         const char *detail)
{
    if (w->state == WATCH_BODY && !atomic_exchange(&w->answered, true)) {
        char rid[17];
        new_request_id(rid, sizeof rid);
        wire_problem(s, w->fd, status, code, NULL, detail, rid);
    }
    shutdown(w->fd, SHUT_RDWR);
    w->state = WATCH_BUSY; /* once */
    atomic_fetch_add(&s->watch_expired, 1);
}

static bool sheddable(const watch *w)
{
    return w->fd >= 0 && w->state != WATCH_BUSY;
}

/* Sheds up to n waiting connections, each time the oldest of the address that holds the most:
 * the addresses are counted once (a few under attack, at most one per connection). */
static void watch_shed(http_server *s, unsigned n)
{
    typedef struct tally {
        const struct sockaddr_storage *addr;
        unsigned count;
    } tally;
    tally *t = calloc(s->nwatched + 1, sizeof *t);
    if (!t)
        return;
    size_t nt = 0;
    for (watch *w = s->watched; w; w = w->next) {
        if (!sheddable(w))
            continue;
        size_t k = 0;
        while (k < nt && !same_address(t[k].addr, &w->addr))
            k++;
        if (k == nt)
            t[nt++].addr = &w->addr;
        t[k].count++;
    }
    for (; n && nt; n--) {
        size_t top = 0;
        for (size_t k = 1; k < nt; k++)
            if (t[k].count > t[top].count)
                top = k;
        if (t[top].count <= 1)
            break; /* one connection per address: nobody is hogging */
        watch *victim = NULL;
        for (watch *w = s->watched; w; w = w->next)
            if (sheddable(w) && same_address(&w->addr, t[top].addr) &&
                (!victim || w->since < victim->since))
                victim = w;
        if (!victim)
            break;
        watch_expire(s, victim, 503, "server-busy",
                     "The server is short of connections; try again shortly.");
        t[top].count--;
    }
    free(t);
}

/* Expired heads, bodies and idlers are shut down. When libmicrohttpd's connections pass
 * 80 % of the limit, the address holding the most waiting connections (heads, bodies,
 * kept-alive idlers; never one being answered) loses its oldest ones until the count is
 * back under: a few addresses cannot keep the slots everyone else needs. */
static void watch_sweep(http_server *s, double now)
{
    unsigned high = s->cfg.connection_limit - s->cfg.connection_limit / 5;
    pthread_mutex_lock(&s->watch_lock);
    for (watch *w = s->watched; w; w = w->next) {
        if (w->fd < 0 || w->state == WATCH_BUSY || now < w->deadline)
            continue;
        if (w->state == WATCH_BODY)
            watch_expire(s, w, 408, "request-timeout", "The request body stopped arriving.");
        else
            watch_expire(s, w, 408, "request-timeout", "The request did not arrive in time.");
    }
    if (s->nwatched > high)
        watch_shed(s, s->nwatched - high);
    pthread_mutex_unlock(&s->watch_lock);
}

/* Called by libmicrohttpd as soon as a request line has arrived, with the raw target (before
 * percent-decoding, which would cut a path at %00): starts the request and its head's
 * deadline. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    http_server *s = cls;
    http_request *req = request_new(s, conn);
    if (!req)
        return NULL;
    if (!uri || !head_target_ok(uri, strlen(uri)))
        early(req, 400, "bad-target",
              "The path or query string contains a control character (raw or as %00-%1F, "
              "%7F).");
    watch_set(s, conn, WATCH_HEAD, http_now() + (double)s->cfg.head_timeout_s);
    return req;
}

static bool body_append(http_server *s, http_request *req, const char *data, size_t n)
{
    if (req->body_len + n > s->cfg.max_body_bytes)
        return false;
    if (req->body_len + n + 1 > req->body_cap) {
        size_t cap = req->body_cap ? req->body_cap * 2 : 4096;
        while (cap < req->body_len + n + 1)
            cap *= 2;
        if (cap > s->cfg.max_body_bytes + 1)
            cap = s->cfg.max_body_bytes + 1;
        char *nb = realloc(req->body_buf, cap);
        if (!nb)
            return false;
        req->body_buf = nb;
        req->body_cap = cap;
    }
    memcpy(req->body_buf + req->body_len, data, n);
    req->body_len += n;
    req->body_buf[req->body_len] = '\0';
    return true;
}

static enum MHD_Result answer_early(const http_server *s, struct MHD_Connection *conn,
                                    http_request *req)
{
    problem_send(req, req->early_status, req->early_code, NULL, req->early_detail);
    return queue(s, conn, req);
}

static enum MHD_Result respond(http_server *s, struct MHD_Connection *conn, http_request *req);

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    http_server *s = cls;
    http_request *req = *con_cls;

    if (!req) { /* no URI callback ran (it could not allocate) */
        req = request_new(s, conn);
        if (!req)
            return MHD_NO;
        *con_cls = req;
    }
    if (!req->method) { /* the head is complete */
        req->method = arena_strdup(req->arena, method);
        req->path = arena_strdup(req->arena, url);
        req->body_started = http_now();
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        bool body = (cl && strcmp(cl, "0") != 0) ||
                    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Transfer-Encoding");
        watch_set(s, conn, body ? WATCH_BODY : WATCH_BUSY,
                  req->body_started + (double)s->cfg.head_timeout_s);
        resolve_client(s, req, conn);
        check_headers(s, req, conn);
        if (req->early_status && !req->answered) {
            req->answered = true;
            return answer_early(s, conn, req);
        }
        return MHD_YES;
    }

    if (*upload_data_size) {
        if (!req->answered)
            watch_set(s, conn, WATCH_BODY, http_now() + (double)s->cfg.head_timeout_s);
        if (!req->early_status && !body_append(s, req, upload_data, *upload_data_size))
            early(req, 413, "body-too-large",
                  "The request body is larger than the server accepts.");
        /* a body must keep coming at BODY_MIN_RATE after a grace of head_timeout_s */
        double elapsed = http_now() - req->body_started;
        if (!req->early_status &&
            elapsed > (double)s->cfg.head_timeout_s + (double)req->body_len / HTTP_BODY_MIN_RATE)
            early(req, 408, "request-timeout", "The request body arrives too slowly.");
        req->drained += *upload_data_size;
        *upload_data_size = 0;
        if (req->early_status && !req->answered) {
            /* answer now, straight on the socket, and stop reading soon: the client sees the
             * answer and the end of the connection while it still sends */
            req->answered = true;
            problem_send(req, req->early_status, req->early_code, NULL, req->early_detail);
            const union MHD_ConnectionInfo *ci =
                MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
            watch *w = watch_of(conn);
            watch_set(s, conn, WATCH_BUSY, 0);
            if (!ci || (w && atomic_exchange(&w->answered, true)))
                return MHD_NO;
            wire_problem(s, ci->connect_fd, req->early_status, req->early_code, NULL,
                         req->early_detail, req->request_id);
            req->drain_until = http_now() + 2.0;
            req->drained = 0;
            return MHD_YES;
        }
        if (req->drain_until > 0 && (http_now() > req->drain_until || req->drained > 1 << 20))
            return MHD_NO; /* answered; what still comes is not read */
        return MHD_YES;
    }

    if (req->drain_until > 0)
        return MHD_NO; /* answered on the socket: close */
    if (req->held) { /* resumed at its answer time, or with more to do first */
        req->held = false;
        if (req->then) {
            void (*then)(http_request *, void *) = req->then;
            req->then = NULL;
            then(req, req->then_arg);
            return respond(s, conn, req);
        }
        return queue(s, conn, req);
    }
    if (req->answered)
        return MHD_YES;
    watch_set(s, conn, WATCH_BUSY, 0);
    watch *w = watch_of(conn);
    if (w && atomic_load(&w->answered))
        return MHD_NO; /* the sweep answered 408 */
    if (req->early_status) {
        req->answered = true;
        return answer_early(s, conn, req);
    }
    req->answered = true;
    req->body = req->body_buf;
    s->cfg.dispatch(req, s->cfg.cls);
    return respond(s, conn, req);
}

/* After the handler (or a continuation of http_resume_then) has run: the reply is queued
 * now, or the connection suspended for http_defer or http_delay. */
static enum MHD_Result respond(http_server *s, struct MHD_Connection *conn, http_request *req)
{
    if (req->defer_start) { /* suspended before start, so its http_resume finds it so */
        void (*start)(http_request *, void *) = req->defer_start;
        req->defer_start = NULL;
        req->held = true;
        MHD_suspend_connection(conn);
        start(req, req->defer_arg);
        return MHD_YES; /* called again when resumed */
    }
    if (req->answer_at > http_now()) {
        delayed *d = calloc(1, sizeof *d);
        if (d) {
            d->conn = conn;
            d->at = req->answer_at;
            pthread_mutex_lock(&s->delay_lock);
            MHD_suspend_connection(conn);
            d->next = s->delayed;
            s->delayed = d;
            pthread_mutex_unlock(&s->delay_lock);
            req->held = true;
            return MHD_YES; /* called again when resumed */
        }
    }
    return queue(s, conn, req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    http_server *s = cls;
    http_request *req = *con_cls;
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        watch_set(s, conn, WATCH_IDLE,
                  http_now() + (double)s->cfg.connection_timeout_s +
                      (double)s->cfg.head_timeout_s);
    if (!req)
        return;
    *con_cls = NULL;
    if (s->cfg.complete && req->method)
        s->cfg.complete(req, s->cfg.cls);
    free(req->resp_body);
    free(req->body_buf);
    arena_free(req->arena);
    atomic_fetch_sub(&s->in_flight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    json_t *o = json_pack("{s:s, s:s}", "level", "warn", "mhd", msg);
    char *line = jsonw_dumps(o, NULL);
    if (line)
        fprintf(stderr, "%s\n", line);
    free(line);
    json_decref(o);
}


/* ---- the edge: accepting, peeking at the first head, answering what fails ---- */

static void numeric_address(const struct sockaddr_storage *ss, socklen_t len, char *out,
                            size_t n)
{
    if (getnameinfo((const struct sockaddr *)ss, len, out, (socklen_t)n, NULL, 0,
                    NI_NUMERICHOST) != 0)
        snprintf(out, n, "unknown");
}

static void edge_log(const pending *p, unsigned status, const char *code)
{
    char addr[64];
    numeric_address(&p->addr, p->addr_len, addr, sizeof addr);
    fprintf(stderr,
            "{\"level\":\"warn\",\"msg\":\"refused at the edge\",\"status\":%u,\"code\":\"%s\","
            "\"client\":\"%s\"}\n",
            status, code, addr);
}

static void pending_drop(http_server *s, size_t i)
{
    pending *p = s->pend[i];
    epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, p->fd, NULL);
    close(p->fd);
    free(p);
    s->pend[i] = s->pend[--s->npend];
}

static size_t pending_index(const http_server *s, const pending *p)
{
    for (size_t i = 0; i < s->npend; i++)
        if (s->pend[i] == p)
            return i;
    return s->npend;
}

/* Answers with a problem and starts draining: the client reads the answer, then sees the
 * connection close. */
static void edge_answer(http_server *s, pending *p, unsigned status, const char *code,
                        const char *field, const char *detail)
{
    char rid[17];
    new_request_id(rid, sizeof rid);
    wire_problem(s, p->fd, status, code, field, detail, rid);
    p->closing = true;
    p->deadline = http_now() + 2.0;
    atomic_fetch_add(&s->edge_rejected, 1);
    edge_log(p, status, code);
}

static size_t pending_of_address(const http_server *s, const struct sockaddr_storage *addr)
{
    size_t n = 0;
    for (size_t i = 0; i < s->npend; i++)
        if (!s->pend[i]->closing && same_address(&s->pend[i]->addr, addr))
            n++;
    return n;
}

/* A burst: connections just opened whose heads are on their way. */
#define PENDING_BURST_S 1.0

/* Whether addr holds too many unfinished heads for another: pending_per_address of them, or
 * four times that in a burst (none older than PENDING_BURST_S). */
static bool address_crowded(const http_server *s, const struct sockaddr_storage *addr,
                            double now)
{
    size_t n = 0;
    bool old = false;
    for (size_t i = 0; i < s->npend; i++)
        if (!s->pend[i]->closing && same_address(&s->pend[i]->addr, addr)) {
            n++;
            old |= now - s->pend[i]->opened > PENDING_BURST_S;
        }
    return n >= s->cfg.pending_per_address && (old || n >= 4 * (size_t)s->cfg.pending_per_address);
}

static void edge_readable(http_server *s, pending *p);

/* Reads the heads that have arrived on addr's pending connections, so that they are handed
 * over: a burst of new connections from one address (a proxy, an office behind one address,
 * a benchmark) is accepted faster than the acceptor reads, and only the connections still
 * unfinished after that count against the address's limit. */
static void settle_address(http_server *s, const struct sockaddr_storage *addr)
{
    pending *mine[64];
    size_t n = 0;
    for (size_t i = 0; i < s->npend && n < sizeof mine / sizeof mine[0]; i++)
        if (!s->pend[i]->closing && same_address(&s->pend[i]->addr, addr))
            mine[n++] = s->pend[i];
    for (size_t i = 0; i < n; i++)
        edge_readable(s, mine[i]); /* a no-op for one already gone */
}

static unsigned mhd_connections(const http_server *s)
{
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return di ? di->num_connections : 0;
}

/* Makes room by closing the answered connection that has drained longest. */
static bool drop_oldest_closing(http_server *s)
{
    size_t best = s->npend;
    for (size_t i = 0; i < s->npend; i++)
        if (s->pend[i]->closing && (best == s->npend || s->pend[i]->deadline < s->pend[best]->deadline))
            best = i;
    if (best == s->npend)
        return false;
    pending_drop(s, best);
    return true;
}

static void edge_accept(http_server *s)
{
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        int fd = accept4(s->listen_fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return; /* EAGAIN, or out of descriptors: the backlog waits */
        }
        if (s->npend >= s->cfg.pending_limit && !drop_oldest_closing(s)) {
            close(fd); /* a flood of unfinished heads: no answer is cheaper than one */
            atomic_fetch_add(&s->edge_rejected, 1);
            continue;
        }
        pending *p = calloc(1, sizeof *p);
        if (!p) {
            close(fd);
            continue;
        }
        p->fd = fd;
        p->addr = ss;
        p->addr_len = len;
        p->opened = http_now();
        p->deadline = p->opened + (double)s->cfg.head_timeout_s;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.ptr = p};
        if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            close(fd);
            free(p);
            continue;
        }
        if (pending_of_address(s, &ss) >= s->cfg.pending_per_address)
            settle_address(s, &ss);
        bool crowded = address_crowded(s, &ss, p->opened);
        s->pend[s->npend++] = p;
        if (crowded)
            edge_answer(s, p, 429, "too-many-connections", NULL,
                        "Too many unfinished requests from this address; try again shortly.");
        else if (mhd_connections(s) >= s->cfg.connection_limit)
            edge_answer(s, p, 503, "server-busy", NULL,
                        "The server has no free connection; try again shortly.");
    }
}

/* The first request head of p, peeked at: handed over, answered, or waited for. */
static void edge_readable(http_server *s, pending *p)
{
    size_t i = pending_index(s, p);
    if (i == s->npend)
        return;
    char buf[HEAD_MAX_BYTES];
    if (p->closing) {
        for (;;) {
            ssize_t n = recv(p->fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
                return;
            pending_drop(s, i); /* the client closed, or the connection failed */
            return;
        }
    }
    ssize_t n = recv(p->fd, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        pending_drop(s, i);
        return;
    }
    if (n < 0)
        return;
    head_verdict v;
    head_result r = head_check(buf, (size_t)n, s->cfg.max_body_bytes, &v);
    if (r == HEAD_INCOMPLETE)
        return;
    if (r == HEAD_REJECT) {
        edge_answer(s, p, v.status, v.code, v.field, v.detail);
        return;
    }
    /* hand over: from here on the connection is libmicrohttpd's */
    epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, p->fd, NULL);
    int fd = p->fd;
    struct sockaddr_storage addr = p->addr;
    socklen_t len = p->addr_len;
    free(p);
    s->pend[i] = s->pend[--s->npend];
    if (MHD_add_connection(s->daemon, fd, (struct sockaddr *)&addr, len) != MHD_YES)
        atomic_fetch_add(&s->edge_rejected, 1); /* MHD closed it (its per-address limit) */
}

static void edge_sweep(http_server *s, double now)
{
    for (size_t i = 0; i < s->npend;) {
        pending *p = s->pend[i];
        if (now < p->deadline) {
            i++;
        } else if (p->closing) {
            pending_drop(s, i);
        } else {
            edge_answer(s, p, 408, "request-timeout", NULL,
                        "The request head did not arrive in time.");
            i++;
        }
    }
}

/* Resumes the suspended connections whose answer time has come (all of them when all is
 * true: the server stops). */
static void resume_due_all(http_server *s, double now, bool all)
{
    pthread_mutex_lock(&s->delay_lock);
    for (delayed **pp = &s->delayed; *pp;) {
        delayed *d = *pp;
        if (all || now >= d->at) {
            MHD_resume_connection(d->conn);
            *pp = d->next;
            free(d);
        } else {
            pp = &d->next;
        }
    }
    pthread_mutex_unlock(&s->delay_lock);
}

static void resume_due(http_server *s, double now)
{
    resume_due_all(s, now, false);
}

static void *acceptor_main(void *arg)
{
    http_server *s = arg;
    struct epoll_event evs[64];
    double last_sweep = 0;
    for (;;) {
        int n = epoll_wait(s->epoll_fd, evs, 64, 100);
        for (int k = 0; k < n; k++) {
            void *ptr = evs[k].data.ptr;
            if (ptr == &s->wake_fd)
                return NULL;
            if (ptr == &s->listen_fd)
                edge_accept(s);
            else
                edge_readable(s, ptr);
        }
        double now = http_now();
        resume_due(s, now);
        if (now - last_sweep >= 0.1) {
            edge_sweep(s, now);
            watch_sweep(s, now);
            last_sweep = now;
        }
    }
}

static int listen_on(const http_config *cfg, unsigned short *port_out)
{
    struct sockaddr_storage ss = {0};
    socklen_t sslen;
    struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, cfg->bind_address, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(cfg->port);
        sslen = sizeof *in4;
    } else if (inet_pton(AF_INET6, cfg->bind_address, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(cfg->port);
        sslen = sizeof *in6;
    } else {
        fprintf(stderr, "http: BIND_ADDRESS '%s' is not a numeric address\n", cfg->bind_address);
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, sslen) != 0 || listen(fd, 511) != 0) {
        fprintf(stderr, "http: cannot listen on %s:%u: %s\n", cfg->bind_address, cfg->port,
                strerror(errno));
        close(fd);
        return -1;
    }
    struct sockaddr_storage bound;
    socklen_t blen = sizeof bound;
    getsockname(fd, (struct sockaddr *)&bound, &blen);
    *port_out = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                  : ((struct sockaddr_in *)&bound)->sin_port);
    return fd;
}

/* Connections held by the acceptor and by libmicrohttpd, plus the database pool, must fit
 * under the descriptor limit: raise the soft limit to the hard one (commonly 1024 soft). */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

http_server *http_server_start(const http_config *cfg)
{
    http_server *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->cfg = *cfg;
    if (!s->cfg.head_timeout_s)
        s->cfg.head_timeout_s = 10;
    if (!s->cfg.pending_per_address)
        s->cfg.pending_per_address = 32;
    if (!s->cfg.pending_limit)
        s->cfg.pending_limit = 1024;
    s->epoll_fd = s->wake_fd = -1;
    pthread_mutex_init(&s->watch_lock, NULL);
    pthread_mutex_init(&s->delay_lock, NULL);
    raise_fd_limit();

    s->listen_fd = listen_on(cfg, &s->port);
    if (s->listen_fd < 0) {
        free(s);
        return NULL;
    }
    unsigned int family_flag = 0;
    struct sockaddr_storage probe;
    socklen_t plen = sizeof probe;
    if (getsockname(s->listen_fd, (struct sockaddr *)&probe, &plen) == 0 &&
        probe.ss_family == AF_INET6)
        family_flag = MHD_USE_IPv6;

    s->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG |
            MHD_USE_NO_LISTEN_SOCKET | MHD_ALLOW_SUSPEND_RESUME | family_flag,
        0, NULL, NULL, on_request, s,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)cfg->threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->connection_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->connection_limit,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)cfg->per_ip_connection_limit,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->connection_memory_limit,
        MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_END);
    if (!s->daemon) {
        fprintf(stderr, "http: libmicrohttpd did not start\n");
        close(s->listen_fd);
        free(s);
        return NULL;
    }

    s->cap_pend = s->cfg.pending_limit + 64;
    s->pend = calloc(s->cap_pend, sizeof *s->pend);
    s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    s->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = &s->listen_fd};
    struct epoll_event wev = {.events = EPOLLIN, .data.ptr = &s->wake_fd};
    if (!s->pend || s->epoll_fd < 0 || s->wake_fd < 0 ||
        epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->listen_fd, &lev) != 0 ||
        epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->wake_fd, &wev) != 0 ||
        pthread_create(&s->acceptor, NULL, acceptor_main, s) != 0) {
        fprintf(stderr, "http: the acceptor did not start\n");
        MHD_stop_daemon(s->daemon);
        close(s->listen_fd);
        if (s->epoll_fd >= 0)
            close(s->epoll_fd);
        if (s->wake_fd >= 0)
            close(s->wake_fd);
        free(s->pend);
        free(s);
        return NULL;
    }
    s->acceptor_running = true;
    return s;
}

unsigned short http_server_port(const http_server *s)
{
    return s->port;
}

static void acceptor_stop(http_server *s)
{
    if (!s->acceptor_running)
        return;
    uint64_t one = 1;
    ssize_t w = write(s->wake_fd, &one, sizeof one);
    (void)w;
    pthread_join(s->acceptor, NULL);
    s->acceptor_running = false;
    close(s->listen_fd);
    s->listen_fd = -1;
    while (s->npend)
        pending_drop(s, s->npend - 1);
}

unsigned long http_server_edge_rejected(const http_server *s)
{
    return atomic_load(&s->edge_rejected);
}

void http_server_stop(http_server *s)
{
    if (!s)
        return;
    /* Stop accepting, then give in-flight requests up to 10 s to finish. */
    acceptor_stop(s);
    resume_due_all(s, 0, true); /* held answers go out now */
    double deadline = http_now() + 10.0;
    while (atomic_load(&s->in_flight) > 0 && http_now() < deadline) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(s->daemon);
    close(s->epoll_fd);
    close(s->wake_fd);
    free(s->pend);
    free(s);
}
