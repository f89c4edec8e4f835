/*
 * it: integration-test support; see it.h.
 */
#include "it.h"
#include "it_check.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <jwt.h>
#include <netinet/in.h>
#include <poll.h>
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

struct it_server {
    pid_t pid;
    char url[64];
};

static const char *current_url = base_url; /* where it_request sends: it_use_server */

/* Forks and execs `samspil serve` on a free port with extra_env; waits for /healthz. */
static void spawn_server(pid_t *pid_out, char *url, size_t url_len,
                         const char *const *extra_env)
{
    const char *bin = env_required("SAMSPIL_BIN");
    const char *src = env_required("SAMSPIL_SOURCE_DIR");
    env_required("DATABASE_URL");
    env_required("JWT_SECRET");
    int port = free_port();
    snprintf(url, url_len, "http://127.0.0.1:%d", port);
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
        setenv("PUBLIC_ORIGIN", url, 1);
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
    *pid_out = pid;
    const char *before = current_url;
    current_url = url;
    for (int i = 0; i < 300; i++) {
        it_response *r = it_request("GET", "/healthz", NULL, NULL, NULL);
        long st = r->status;
        it_response_free(r);
        if (st == 200) {
            current_url = before;
            return;
        }
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

static int stop_pid(pid_t pid)
{
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* Failed log-ins are kept in the database (0067) and would outlive the test binary that
 * made them: each binary starts as a fresh server did when they were kept in memory. */
static void forget_login_failures(void)
{
    PGconn *c = it_db_owner();
    PGresult *r = PQexec(c, "DO $$ BEGIN IF to_regclass('login_failures') IS NOT NULL THEN "
                            "DELETE FROM login_failures; END IF; END $$");
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fprintf(stderr, "it: cannot clear login_failures: %s", PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

void it_server_start(const char *const *extra_env)
{
    forget_login_failures();
    spawn_server(&server_pid, base_url, sizeof base_url, extra_env);
}

it_server *it_server_start_another(const char *const *extra_env)
{
    it_server *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    spawn_server(&s->pid, s->url, sizeof s->url, extra_env);
    return s;
}

void it_use_server(const it_server *s)
{
    current_url = s ? s->url : base_url;
}

int it_server_stop_another(it_server *s)
{
    if (!s)
        return -1;
    if (current_url == s->url)
        current_url = base_url;
    int rc = stop_pid(s->pid);
    free(s);
    return rc;
}

int it_server_stop(void)
{
    if (server_pid <= 0)
        return -1;
    int rc = stop_pid(server_pid);
    server_pid = 0;
    return rc;
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

static char source_address[64];

void it_set_source_address(const char *ip)
{
    snprintf(source_address, sizeof source_address, "%s", ip ? ip : "");
}

struct it_client {
    CURL *curl;
};

it_client *it_client_new(void)
{
    it_client *c = calloc(1, sizeof *c);
    c->curl = curl_easy_init();
    return c;
}

void it_client_free(it_client *c)
{
    if (!c)
        return;
    curl_easy_cleanup(c->curl);
    free(c);
}

it_response *it_client_request(it_client *cl, const char *method, const char *path,
                               const char *token, const char *body, const char *const *headers)
{
    it_response *r = calloc(1, sizeof *r);
    CURL *c = cl->curl;
    curl_easy_reset(c);
    char url[2048];
    snprintf(url, sizeof url, "%s%s", current_url, path);
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
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L); /* send dot segments as written */
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    if (source_address[0]) {
        char iface[80];
        snprintf(iface, sizeof iface, "host!%s", source_address);
        curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (curl_easy_perform(c) == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
        curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &r->connects);
    }
    curl_slist_free_all(hl);
    r->body = b.p ? b.p : strdup("");
    r->body_len = b.len;
    r->headers = h.p ? h.p : strdup("");
    r->json = json_loadb(r->body, r->body_len, 0, NULL);
    return r;
}

it_response *it_request(const char *method, const char *path, const char *token,
                        const char *body, const char *const *headers)
{
    it_client *c = it_client_new();
    it_response *r = it_client_request(c, method, path, token, body, headers);
    it_client_free(c);
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

char *it_login_as(const char *email, const char *password)
{
    json_t *o = json_pack("{s:s, s:s}", "email", email, "password", password);
    char *body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    it_response *r = it_request("POST", "/api/auth/login", NULL, body, NULL);
    free(body);
    char *token = NULL;
    const char *t = json_string_value(json_object_get(r->json, "token"));
    if (r->status == 200 && t)
        token = strdup(t);
    it_response_free(r);
    return token;
}

char *it_login(const char *email)
{
    char *token = it_login_as(email, "demo-password");
    if (!token)
        fprintf(stderr, "it: login of %s failed\n", email);
    return token;
}

const char *it_json_str(const it_response *r, const char *key)
{
    return json_string_value(json_object_get(r->json, key));
}

/* ---- problems ---- */

bool it_problem_ok(const it_response *r, long status, const char *code, char *why,
                   size_t why_len)
{
    char *ct = it_header(r, "Content-Type");
    char *rid = it_header(r, "X-Request-Id");
    bool ok = false;
    const json_t *j = r->json;
    const char *type = json_string_value(json_object_get(j, "type"));
    const char *title = json_string_value(json_object_get(j, "title"));
    const char *detail = json_string_value(json_object_get(j, "detail"));
    const char *req_id = json_string_value(json_object_get(j, "request_id"));
    const json_t *errors = json_object_get(j, "errors");
    char want_type[160];
    snprintf(want_type, sizeof want_type, "/problems/%s", code ? code : "");
    if (r->status != status)
        snprintf(why, why_len, "status %ld, expected %ld", r->status, status);
    else if (!ct || strncmp(ct, "application/problem+json", 24) != 0)
        snprintf(why, why_len, "Content-Type %s, expected application/problem+json",
                 ct ? ct : "(none)");
    else if (!json_is_object(j))
        snprintf(why, why_len, "the body is not a JSON object");
    else if (!type || strncmp(type, "/problems/", 10) != 0 || !type[10])
        snprintf(why, why_len, "type missing or not /problems/<code>");
    else if (code && strcmp(type, want_type) != 0)
        snprintf(why, why_len, "type %s, expected %s", type, want_type);
    else if (!title || !*title)
        snprintf(why, why_len, "title missing");
    else if (!json_is_integer(json_object_get(j, "status")) ||
             json_integer_value(json_object_get(j, "status")) != status)
        snprintf(why, why_len, "status member missing or not %ld", status);
    else if (!detail)
        snprintf(why, why_len, "detail missing");
    else if (!rid || !req_id || strcmp(rid, req_id) != 0)
        snprintf(why, why_len, "request_id %s does not match X-Request-Id %s",
                 req_id ? req_id : "(none)", rid ? rid : "(none)");
    else if (errors && (!json_is_array(errors) || json_array_size(errors) == 0))
        snprintf(why, why_len, "errors is not a non-empty array");
    else {
        ok = true;
        size_t i;
        const json_t *e;
        json_array_foreach(errors, i, e) {
            if (!json_is_string(json_object_get(e, "field")) ||
                !json_is_string(json_object_get(e, "reason"))) {
                snprintf(why, why_len, "errors[%zu] lacks a string field or reason", i);
                ok = false;
                break;
            }
        }
    }
    if (ok && why_len)
        why[0] = '\0';
    free(ct);
    free(rid);
    return ok;
}

bool it_problem_has_field(const it_response *r, const char *field)
{
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(r->json, "errors"), i, e) {
        const char *f = json_string_value(json_object_get(e, "field"));
        if (f && strcmp(f, field) == 0)
            return true;
    }
    return false;
}

/* ---- test data ---- */

char *it_unique(const char *prefix)
{
    static unsigned counter;
    unsigned rnd = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (f) {
        if (fread(&rnd, sizeof rnd, 1, f) != 1)
            rnd = 0;
        fclose(f);
    }
    char out[256];
    snprintf(out, sizeof out, "%s-%ld-%u-%08x", prefix, (long)getpid(), ++counter, rnd);
    return strdup(out);
}

char *it_create_user(const char *admin_token, const char *role, const char *org_id,
                     const char *password, char **email_out)
{
    char *local = it_unique("it-user");
    char email[320];
    snprintf(email, sizeof email, "%s@test.demo", local);
    free(local);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "email", email, "name", "Test Person",
                          "role", role, "org_id", org_id);
    if (password)
        json_object_set_new(o, "password", json_string(password));
    char *body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    it_response *r = it_request("POST", "/api/users", admin_token, body, NULL);
    free(body);
    const char *id = it_json_str(r, "id");
    if (r->status != 201 || !id) {
        fprintf(stderr, "it: creating a user failed: %ld %s\n", r->status, r->body);
        abort();
    }
    char *out = strdup(id);
    if (email_out)
        *email_out = strdup(email);
    it_response_free(r);
    return out;
}

/* ---- tokens ---- */

static char *jwt_sign(const char *claims, jwt_alg_t alg, const unsigned char *key, int key_len)
{
    jwt_t *jwt = NULL;
    char *out = NULL;
    if (jwt_new(&jwt) != 0)
        return NULL;
    if (jwt_add_grants_json(jwt, claims) == 0 && jwt_set_alg(jwt, alg, key, key_len) == 0)
        out = jwt_encode_str(jwt);
    jwt_free(jwt);
    return out;
}

char *it_jwt_hs256(const char *claims, const char *key, size_t key_len)
{
    if (!key) {
        key = getenv("JWT_SECRET");
        key_len = key ? strlen(key) : 0;
    }
    if (!key)
        return NULL;
    return jwt_sign(claims, JWT_ALG_HS256, (const unsigned char *)key, (int)key_len);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *p = malloc(65536);
    size_t n = p ? fread(p, 1, 65535, f) : 0;
    fclose(f);
    if (p)
        p[n] = '\0';
    *len = n;
    return p;
}

char *it_jwt_rs256(const char *claims, const char *private_pem_file)
{
    size_t len = 0;
    char *pem = read_all(private_pem_file, &len);
    if (!pem)
        return NULL;
    char *out = jwt_sign(claims, JWT_ALG_RS256, (const unsigned char *)pem, (int)len);
    free(pem);
    return out;
}

static void b64url(const unsigned char *in, size_t n, char *out)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        if (i + 1 < n)
            out[o++] = tab[(v >> 6) & 63];
        if (i + 2 < n)
            out[o++] = tab[v & 63];
    }
    out[o] = '\0';
}

char *it_jwt_raw(const char *header, const char *payload, const unsigned char *sig,
                 size_t sig_len)
{
    size_t hl = strlen(header), pl = strlen(payload);
    char *out = malloc((hl + pl + sig_len) * 2 + 16);
    b64url((const unsigned char *)header, hl, out);
    strcat(out, ".");
    b64url((const unsigned char *)payload, pl, out + strlen(out));
    strcat(out, ".");
    b64url(sig, sig_len, out + strlen(out));
    return out;
}

/* ---- raw HTTP ---- */

int it_raw_connect(void)
{
    int port = 0;
    if (sscanf(base_url, "http://127.0.0.1:%d", &port) != 1)
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

bool it_raw_send(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        len -= (size_t)n;
    }
    return true;
}

it_response *it_raw_read(int fd, int timeout_ms)
{
    it_response *r = calloc(1, sizeof *r);
    buf b = {0};
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    size_t need = (size_t)-1; /* total bytes once the headers are known */
    size_t head_len = 0;
    for (;;) {
        if (head_len && b.len >= need)
            break;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        if (elapsed >= timeout_ms)
            break;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)(timeout_ms - elapsed)) <= 0)
            break;
        char chunk[4096];
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0)
            break;
        on_data(chunk, 1, (size_t)n, &b);
        if (!head_len && b.p) {
            char *end = strstr(b.p, "\r\n\r\n");
            if (end) {
                head_len = (size_t)(end - b.p) + 4;
                const char *cl = NULL;
                for (char *line = b.p; line < end; line = strstr(line, "\r\n") + 2)
                    if (strncasecmp(line, "Content-Length:", 15) == 0)
                        cl = line + 15;
                need = head_len + (cl ? strtoul(cl, NULL, 10) : 0);
            }
        }
    }
    if (head_len && b.len >= need) {
        sscanf(b.p, "HTTP/1.%*d %ld", &r->status);
        r->headers = strndup(b.p, head_len);
        r->body = strndup(b.p + head_len, need - head_len);
        r->body_len = need - head_len;
    } else {
        r->headers = strdup("");
        r->body = strdup("");
    }
    free(b.p);
    r->json = json_loadb(r->body, r->body_len, 0, NULL);
    return r;
}

/* ---- database ---- */

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

char *it_db_value_params(PGconn *c, const char *sql, int n, const char *const *params)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
    char *v = NULL;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
        v = strdup(PQgetvalue(r, 0, 0));
    else if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fprintf(stderr, "it: %s: %s", sql, PQerrorMessage(c));
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

int it_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    int rc = it_server_stop();
    if (rc != 0)
        fprintf(stderr, "it: the server exited with status %d (a sanitizer report above?)\n", rc);
    return failed == 0 && rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

char *it_new_resident(const char *token, const char *name_prefix, const char *date_of_birth)
{
    char *name = it_unique(name_prefix);
    char body[512];
    snprintf(body, sizeof body,
             "{\"name\": \"%s\", \"date_of_birth\": \"%s\", \"facility_id\": \""
             IT_FACILITY_ENGEN "\", \"contact_person_id\": \"" IT_USER_STAFF_ENGEN "\"}",
             name, date_of_birth);
    it_response *r = it_request("POST", "/api/residents", token, body, NULL);
    IT_ASSERT_STATUS(r, 201);
    char *id = strdup(it_json_str(r, "id"));
    it_response_free(r);
    free(name);
    return id;
}
