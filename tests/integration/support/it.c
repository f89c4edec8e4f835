/*
 * it: integration-test support; see it.h.
 */
#include "it.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t server_pid;
static char base_url[64];

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        perror("it: free port");
        abort();
    }
    int port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static const char *env_required(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        fprintf(stderr, "it: %s is not set; run the tests with ./dev test\n", name);
        exit(2);
    }
    return v;
}

const char *it_base_url(void)
{
    return base_url;
}

int it_server_pid(void)
{
    return (int)server_pid;
}

void it_server_start(const char *const *extra_env)
{
    const char *bin = env_required("SAMSPIL_BIN");
    const char *src = env_required("SAMSPIL_SOURCE_DIR");
    env_required("DATABASE_URL");
    env_required("JWT_SECRET");
    int port = free_port();
    snprintf(base_url, sizeof base_url, "http://127.0.0.1:%d", port);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    pid_t pid = fork();
    if (pid < 0) {
        perror("it: fork");
        abort();
    }
    if (pid == 0) {
        char buf[64];
        snprintf(buf, sizeof buf, "%d", port);
        setenv("PORT", buf, 1);
        setenv("PUBLIC_ORIGIN", base_url, 1);
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/migrations", src);
        setenv("MIGRATIONS_DIR", dir, 1);
        snprintf(dir, sizeof dir, "%s/static", src);
        setenv("STATIC_DIR", dir, 1);
        for (const char *const *e = extra_env; e && *e; e++)
            putenv(strdup(*e));
        if (!getenv("IT_SERVER_LOG")) {
            /* keep the access log out of the test output unless asked */
            FILE *devnull = freopen("/dev/null", "w", stdout);
            (void)devnull;
        }
        execl(bin, bin, "serve", (char *)NULL);
        perror("it: exec");
        _exit(127);
    }
    server_pid = pid;
    for (int i = 0; i < 300; i++) {
        it_response *r = it_request("GET", "/healthz", NULL, NULL, NULL);
        long st = r->status;
        it_response_free(r);
        if (st == 200)
            return;
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            fprintf(stderr, "it: the server exited during start-up (status %d)\n", status);
            exit(2);
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "it: the server did not answer /healthz within 15 s\n");
    kill(pid, SIGKILL);
    exit(2);
}

int it_server_stop(void)
{
    if (server_pid <= 0)
        return -1;
    kill(server_pid, SIGTERM);
    int status = 0;
    waitpid(server_pid, &status, 0);
    server_pid = 0;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

typedef struct buf {
    char *p;
    size_t len;
} buf;

static size_t on_data(char *ptr, size_t size, size_t n, void *ud)
{
    buf *b = ud;
    size_t add = size * n;
    char *np = realloc(b->p, b->len + add + 1);
    if (!np)
        return 0;
    memcpy(np + b->len, ptr, add);
    b->p = np;
    b->len += add;
    b->p[b->len] = '\0';
    return add;
}

static size_t on_header(char *ptr, size_t size, size_t n, void *ud)
{
    buf *b = ud;
    size_t add = size * n;
    /* a new status line starts a new header block (e.g. after 100 Continue) */
    if (add > 5 && strncmp(ptr, "HTTP/", 5) == 0)
        b->len = 0;
    return on_data(ptr, size, n, ud);
}

it_response *it_request(const char *method, const char *path, const char *token,
                        const char *body, const char *const *headers)
{
    it_response *r = calloc(1, sizeof *r);
    CURL *c = curl_easy_init();
    char url[2048];
    snprintf(url, sizeof url, "%s%s", base_url, path);
    buf b = {0}, h = {0};
    struct curl_slist *hl = NULL;
    bool has_ct = false;
    for (const char *const *e = headers; e && *e; e++) {
        hl = curl_slist_append(hl, *e);
        if (strncasecmp(*e, "Content-Type:", 13) == 0)
            has_ct = true;
    }
    if (body && !has_ct)
        hl = curl_slist_append(hl, "Content-Type: application/json");
    char auth[9000];
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        hl = curl_slist_append(hl, auth);
    }
    hl = curl_slist_append(hl, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    r->body = b.p ? b.p : strdup("");
    r->body_len = b.len;
    r->headers = h.p ? h.p : strdup("");
    r->json = json_loadb(r->body, r->body_len, 0, NULL);
    return r;
}

void it_response_free(it_response *r)
{
    if (!r)
        return;
    free(r->body);
    free(r->headers);
    json_decref(r->json);
    free(r);
}

char *it_header(const it_response *r, const char *name)
{
    size_t n = strlen(name);
    for (const char *line = r->headers; line && *line;) {
        const char *end = strstr(line, "\r\n");
        if (!end)
            end = line + strlen(line);
        if ((size_t)(end - line) > n && strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            return strndup(v, (size_t)(end - v));
        }
        line = *end ? end + 2 : end;
    }
    return NULL;
}

char *it_login(const char *email)
{
    char body[512];
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"demo-password\"}", email);
    it_response *r = it_request("POST", "/api/auth/login", NULL, body, NULL);
    char *token = NULL;
    const char *t = json_string_value(json_object_get(r->json, "token"));
    if (r->status == 200 && t)
        token = strdup(t);
    else
        fprintf(stderr, "it: login of %s failed: %ld %s\n", email, r->status, r->body);
    it_response_free(r);
    return token;
}

static PGconn *connect_env(const char *var)
{
    const char *url = getenv(var);
    if (!url)
        url = getenv("DATABASE_URL");
    PGconn *c = PQconnectdb(url ? url : "");
    if (PQstatus(c) != CONNECTION_OK)
        fprintf(stderr, "it: cannot connect (%s): %s", var, PQerrorMessage(c));
    return c;
}

PGconn *it_db_app(void)
{
    return connect_env("DATABASE_URL");
}

PGconn *it_db_owner(void)
{
    return connect_env("DATABASE_MIGRATE_URL");
}

char *it_db_value(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    char *v = NULL;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
        v = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

static bool pg_ctl(const char *action)
{
    const char *data = getenv("TEST_PGDATA");
    const char *bin = getenv("TEST_PGBIN");
    if (!data || !bin)
        return false;
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "runuser -u postgres -- %s/pg_ctl -D '%s' -l '%s/server.log' -w -m fast %s "
             ">/dev/null 2>&1",
             bin, data, data, action);
    return system(cmd) == 0;
}

bool it_db_stop(void)
{
    return pg_ctl("stop");
}

bool it_db_start(void)
{
    return pg_ctl("start");
}
