/*
 * http: libmicrohttpd glue; see http.h.
 *
 * MHD calls the access handler at least twice per request: first with the
 * headers only, then once per body chunk, then once more with no data. The
 * response is queued on that last call: in MHD 0.9.75 queueing it on the
 * first call disables keep-alive. Only early rejections (a body declared
 * too large, conflicting framing headers) answer on the first call, and
 * those connections are meant to close.
 */
#include "http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "problem.h"

struct http_server {
    struct MHD_Daemon *daemon;
    http_config cfg;
    atomic_int in_flight; /* requests between first callback and completion */
    unsigned short port;
};

double http_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- framing checks ---- */

typedef struct framing {
    int content_length; /* how many Content-Length headers */
    int transfer_encoding;
    int host;
} framing;

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    (void)value;
    framing *f = cls;
    if (strcasecmp(key, "Content-Length") == 0)
        f->content_length++;
    else if (strcasecmp(key, "Transfer-Encoding") == 0)
        f->transfer_encoding++;
    else if (strcasecmp(key, "Host") == 0)
        f->host++;
    return MHD_YES;
}

static void check_headers(http_server *s, http_request *req, struct MHD_Connection *conn)
{
    framing f = {0};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, count_framing, &f);
    if (f.content_length > 1 || f.transfer_encoding > 1 ||
        (f.content_length && f.transfer_encoding) || f.host > 1) {
        req->early_status = 400;
        req->early_detail = "Conflicting or repeated framing headers (Content-Length, "
                            "Transfer-Encoding, Host).";
        return;
    }
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    if (cl) {
        char *end = NULL;
        unsigned long long n = strtoull(cl, &end, 10);
        if (end == cl || *end != '\0') {
            req->early_status = 400;
            req->early_detail = "Content-Length is not a number.";
        } else if (n > s->cfg.max_body_bytes) {
            req->early_status = 413;
            req->early_detail = "The request body is larger than the server accepts.";
        }
    }
}

/* ---- responses ---- */

static void add_default_headers(struct MHD_Response *r)
{
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

static enum MHD_Result queue(struct MHD_Connection *conn, http_request *req)
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
    add_default_headers(r);
    if (req->resp_type)
        MHD_add_response_header(r, "Content-Type", req->resp_type);
    MHD_add_response_header(r, "X-Request-Id", req->request_id);
    for (http_header_line *h = req->resp_headers; h; h = h->next)
        MHD_add_response_header(r, h->name, h->value);
    enum MHD_Result ret = MHD_queue_response(conn, req->status, r);
    MHD_destroy_response(r);
    return ret;
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

void http_reply_json(http_request *req, unsigned status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
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

const char *http_cookie(http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

/* ---- the MHD callbacks ---- */

static http_request *request_new(http_server *s, struct MHD_Connection *conn, const char *url,
                                 const char *method)
{
    arena *a = arena_new();
    if (!a)
        return NULL;
    http_request *req = arena_alloc(a, sizeof *req);
    req->arena = a;
    req->conn = conn;
    req->method = arena_strdup(a, method);
    req->path = arena_strdup(a, url);
    req->started = http_now();
    unsigned char rnd[8];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(req->request_id, sizeof req->request_id, rnd, sizeof rnd);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        socklen_t len = ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                               : sizeof(struct sockaddr_in);
        if (getnameinfo(ci->client_addr, len, req->client_addr, sizeof req->client_addr, NULL,
                        0, NI_NUMERICHOST) != 0)
            snprintf(req->client_addr, sizeof req->client_addr, "unknown");
    }
    atomic_fetch_add(&s->in_flight, 1);
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

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    http_server *s = cls;
    http_request *req = *con_cls;

    if (!req) {
        req = request_new(s, conn, url, method);
        if (!req)
            return MHD_NO;
        *con_cls = req;
        check_headers(s, req, conn);
        if (req->early_status) {
            problem_send(req, req->early_status,
                         req->early_status == 413 ? "body-too-large" : "bad-framing", NULL,
                         req->early_detail);
            return queue(conn, req);
        }
        return MHD_YES;
    }

    if (*upload_data_size) {
        if (!req->early_status && !body_append(s, req, upload_data, *upload_data_size)) {
            req->early_status = 413;
            req->early_detail = "The request body is larger than the server accepts.";
        }
        *upload_data_size = 0;
        return MHD_YES;
    }

    if (req->early_status) {
        problem_send(req, req->early_status, "body-too-large", NULL, req->early_detail);
        return queue(conn, req);
    }
    req->body = req->body_buf;
    s->cfg.dispatch(req, s->cfg.cls);
    return queue(conn, req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    http_server *s = cls;
    http_request *req = *con_cls;
    if (!req)
        return;
    *con_cls = NULL;
    if (s->cfg.complete)
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
    char *line = json_dumps(o, JSON_COMPACT);
    if (line)
        fprintf(stderr, "%s\n", line);
    free(line);
    json_decref(o);
}

http_server *http_server_start(const http_config *cfg)
{
    http_server *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->cfg = *cfg;

    struct sockaddr_storage ss = {0};
    socklen_t sslen;
    unsigned int family_flag = 0;
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
        family_flag = MHD_USE_IPv6;
    } else {
        fprintf(stderr, "http: BIND_ADDRESS '%s' is not a numeric address\n", cfg->bind_address);
        free(s);
        return NULL;
    }
    (void)sslen;

    s->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG |
            family_flag,
        cfg->port, NULL, NULL, on_request, s,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)cfg->threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->connection_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->connection_limit,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)cfg->per_ip_connection_limit,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->connection_memory_limit,
        MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)511,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_END);
    if (!s->daemon) {
        fprintf(stderr, "http: cannot listen on %s:%u\n", cfg->bind_address, cfg->port);
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : cfg->port;
    return s;
}

unsigned short http_server_port(const http_server *s)
{
    return s->port;
}

void http_server_stop(http_server *s)
{
    if (!s)
        return;
    /* Stop accepting, then give in-flight requests up to 10 s to finish. */
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    double deadline = http_now() + 10.0;
    while (atomic_load(&s->in_flight) > 0 && http_now() < deadline) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    free(s);
}
