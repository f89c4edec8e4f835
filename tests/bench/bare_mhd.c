/*
 * bare_mhd: the floor under Samspil's HTTP layer, for tests/bench/run.sh.
 *
 * A libmicrohttpd daemon started with the same flags and options as lib/http.c
 * (internal polling thread + epoll + ITC, a thread pool, the same timeouts and
 * limits, STRICT_FOR_CLIENT, backlog 511, a completion callback) that answers
 * on the second access-handler call, as lib/http.c does (queueing on the first
 * call disables keep-alive in MHD 0.9.75). It carries the same response headers
 * as Samspil's /healthz, so the bytes on the wire are comparable; it does none
 * of Samspil's per-request work (arena, request id, routing, rate limit,
 * metrics, access log).
 *
 *   GET /    {"status":"ok"}                       no database
 *   GET /db  {"one":1} after one `SELECT 1`         one libpq connection per MHD
 *                                                   worker thread (DATABASE_URL),
 *                                                   one round trip per request
 *   GET /list {"items":[...50 residents...]}        one prepared SELECT of a page of
 *                                                   50 residents (LIST_TEAM_ID's, by
 *                                                   name) as JSON: the limit of this
 *                                                   stack for a 50-row list (no RLS,
 *                                                   no audit, no transaction)
 *
 * Usage: bare_mhd PORT THREADS   (DATABASE_URL in the environment for /db and /list;
 *        LIST_TEAM_ID for /list; a role that may read residents, e.g. the owner)
 * Stops on SIGINT/SIGTERM. Built by run.sh with gcc; not part of the CMake build.
 */
#include <arpa/inet.h>
#include <libpq-fe.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const char *conninfo;
static _Thread_local PGconn *worker_pg; /* one connection per MHD worker thread */
static int marker;                      /* *con_cls after the first call */

static const char BODY_OK[] = "{\"status\":\"ok\"}";
static const char BODY_DB[] = "{\"one\":1}";

static void add_headers(struct MHD_Response *r)
{
    /* The headers lib/http.c and health.c put on /healthz. */
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; script-src 'self'; style-src 'self'; "
                            "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(r, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
    MHD_add_response_header(r, "X-Request-Id", "0000000000000000");
    MHD_add_response_header(r, "Cache-Control", "no-store");
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *body)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    add_headers(r);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* One round trip: SELECT 1 on this worker's connection (reconnects once if it broke). */
static int select_one(void)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!worker_pg || PQstatus(worker_pg) != CONNECTION_OK) {
            if (worker_pg)
                PQfinish(worker_pg);
            worker_pg = PQconnectdb(conninfo);
            if (PQstatus(worker_pg) != CONNECTION_OK) {
                fprintf(stderr, "bare_mhd: %s", PQerrorMessage(worker_pg));
                PQfinish(worker_pg);
                worker_pg = NULL;
                return -1;
            }
        }
        PGresult *r = PQexecParams(worker_pg, "SELECT 1", 0, NULL, NULL, NULL, NULL, 0);
        int ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
        PQclear(r);
        if (ok)
            return 0;
    }
    return -1;
}

/* A page of 50 residents as JSON into a malloc'd buffer; NULL on failure. */
static _Thread_local int list_prepared;
static char *list_page(void)
{
    if (select_one() != 0) /* connects */
        return NULL;
    if (!list_prepared) {
        PGresult *p = PQprepare(worker_pg, "list",
                                "SELECT id, name, date_of_birth, facility_id, team_id, status, "
                                "intensity FROM residents WHERE team_id = $1::uuid "
                                "ORDER BY name, id LIMIT 50",
                                0, NULL);
        int ok = PQresultStatus(p) == PGRES_COMMAND_OK;
        PQclear(p);
        if (!ok)
            return NULL;
        list_prepared = 1;
    }
    const char *team = getenv("LIST_TEAM_ID");
    const char *params[] = {team ? team : ""};
    PGresult *r = PQexecPrepared(worker_pg, "list", 1, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        return NULL;
    }
    size_t cap = 256 + (size_t)PQntuples(r) * 512, len = 0;
    char *out = malloc(cap);
    if (!out) {
        PQclear(r);
        return NULL;
    }
    len += (size_t)snprintf(out, cap, "{\"items\":[");
    static const char *const cols[] = {"id", "name", "date_of_birth", "facility_id", "team_id",
                                       "status", "intensity"};
    for (int i = 0; i < PQntuples(r); i++) {
        if (i)
            out[len++] = ',';
        out[len++] = '{';
        for (int c = 0; c < 7; c++) {
            len += (size_t)snprintf(out + len, cap - len, "%s\"%s\":\"", c ? "," : "", cols[c]);
            for (const char *v = PQgetvalue(r, i, c); *v && len < cap - 8; v++) {
                if (*v == '"' || *v == '\\')
                    out[len++] = '\\';
                out[len++] = *v;
            }
            out[len++] = '"';
        }
        out[len++] = '}';
    }
    len += (size_t)snprintf(out + len, cap - len, "],\"next\":null}");
    PQclear(r);
    return out;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)cls;
    (void)method;
    (void)version;
    (void)upload_data;
    if (!*con_cls) { /* first call: headers only; answer later, as lib/http.c does */
        *con_cls = &marker;
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (strcmp(url, "/list") == 0) {
        char *body = conninfo ? list_page() : NULL;
        if (!body)
            return reply(conn, 503, "{\"error\":\"database\"}");
        struct MHD_Response *r =
            MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
        if (!r) {
            free(body);
            return MHD_NO;
        }
        add_headers(r);
        enum MHD_Result ret = MHD_queue_response(conn, 200, r);
        MHD_destroy_response(r);
        return ret;
    }
    if (strcmp(url, "/db") == 0) {
        if (!conninfo || select_one() != 0)
            return reply(conn, 503, "{\"error\":\"database\"}");
        return reply(conn, 200, BODY_DB);
    }
    return reply(conn, 200, BODY_OK);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    *con_cls = NULL;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fputs("usage: bare_mhd PORT THREADS\n", stderr);
        return 2;
    }
    unsigned port = (unsigned)strtoul(argv[1], NULL, 10);
    unsigned threads = (unsigned)strtoul(argv[2], NULL, 10);
    conninfo = getenv("DATABASE_URL");

    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);

    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG,
        (unsigned short)port, NULL, NULL, on_request, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1000,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)200,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
        MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)511,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "bare_mhd: cannot listen on 127.0.0.1:%u\n", port);
        return 1;
    }
    fprintf(stderr, "bare_mhd: listening on 127.0.0.1:%u with %u threads\n", port, threads);
    int sig = 0;
    sigwait(&sigs, &sig);
    MHD_stop_daemon(d);
    /* Worker threads' connections are closed by process exit. */
    return 0;
}
