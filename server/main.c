/*
 * main: the samspil binary's subcommands: serve (default), migrate,
 * create-admin and hash-password. Serving sets up the shared state, checks
 * the schema, starts the HTTP server and waits for SIGINT/SIGTERM to shut
 * down gracefully (stop accepting, finish in-flight requests, close the pool).
 */
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "handlers.h"
#include "migrate.h"
#include "cursor.h"
#include "routes.h"

static void usage(void)
{
    fputs("usage: samspil [serve [--migrate] | migrate | create-admin EMAIL NAME | "
          "hash-password]\n"
          "Configuration comes from the environment; see README.md.\n",
          stderr);
}

/* Reads one line from stdin without echo when it is a terminal; strips the newline. */
static bool read_secret(char *buf, size_t len, const char *prompt)
{
    bool tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    if (tty) {
        fputs(prompt, stderr);
        tcgetattr(STDIN_FILENO, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    size_t n = fread(buf, 1, len - 1, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    buf[n] = '\0';
    char *nl = strchr(buf, '\n');
    if (nl)
        *nl = '\0';
    return buf[0] != '\0';
}

static int cmd_hash_password(void)
{
    char pw[1025];
    if (!read_secret(pw, sizeof pw, "Password: ")) {
        fputs("hash-password: no password on standard input\n", stderr);
        return 2;
    }
    char out[crypto_pwhash_STRBYTES];
    int rc = crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                               crypto_pwhash_MEMLIMIT_INTERACTIVE);
    sodium_memzero(pw, sizeof pw);
    if (rc != 0)
        return 1;
    puts(out);
    return 0;
}

static int cmd_create_admin(const app_config *cfg, const char *email, const char *name)
{
    if (!json_is_email(email)) {
        fprintf(stderr, "create-admin: '%s' is not an e-mail address\n", email);
        return 2;
    }
    char pw[1025];
    if (!read_secret(pw, sizeof pw, "Password for the new admin: ") || strlen(pw) < 10) {
        fputs("create-admin: the password (from standard input) must be at least 10 "
              "characters\n",
              stderr);
        return 2;
    }
    char hash[crypto_pwhash_STRBYTES];
    int rc = crypto_pwhash_str(hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                               crypto_pwhash_MEMLIMIT_INTERACTIVE);
    sodium_memzero(pw, sizeof pw);
    if (rc != 0)
        return 1;
    PGconn *c = PQconnectdb(cfg->database_migrate_url);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "create-admin: %s", PQerrorMessage(c));
        PQfinish(c);
        return 1;
    }
    /* The admin's organisation is the operations organisation, created when missing. */
    const char *p[] = {email, name, hash};
    PGresult *r = PQexecParams(
        c,
        "WITH ops AS (INSERT INTO organizations (kind, name, authority) "
        "  VALUES ('operations', 'Samspil drift', 'Samspil') "
        "  ON CONFLICT (kind, name) DO UPDATE SET name = EXCLUDED.name RETURNING id) "
        "INSERT INTO users (email, name, role, org_id, password_hash) "
        "SELECT lower($1), $2, 'admin', ops.id, $3 FROM ops RETURNING id",
        3, NULL, p, NULL, NULL, 0);
    int ret = 0;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "create-admin: %s", PQerrorMessage(c));
        ret = 1;
    } else {
        printf("created admin %s (%s)\n", email, PQgetvalue(r, 0, 0));
    }
    PQclear(r);
    PQfinish(c);
    return ret;
}

static bool app_init(void)
{
    const app_config *cfg = &app.cfg;
    cursor_init((const unsigned char *)cfg->jwt_secret, cfg->jwt_secret_len);
    app.hs = (token_hs_config){
        .key = (const unsigned char *)cfg->jwt_secret,
        .key_len = cfg->jwt_secret_len,
        .issuer = cfg->jwt_issuer,
        .audience = cfg->jwt_audience,
        .ttl_seconds = cfg->jwt_ttl_seconds,
    };
    if (cfg->oidc_public_pem) {
        app.rs = (token_rs_config){
            .public_pem = (const unsigned char *)cfg->oidc_public_pem,
            .pem_len = cfg->oidc_public_pem_len,
            .issuer = cfg->oidc_issuer,
            .audience = cfg->oidc_audience,
        };
        app.oidc_enabled = true;
    }
    /* A hash of a random password: verified against for unknown accounts so that a
     * wrong e-mail costs the same as a wrong password. */
    unsigned char rnd[16];
    randombytes_buf(rnd, sizeof rnd);
    if (crypto_pwhash_str(app.dummy_hash, (const char *)rnd, sizeof rnd,
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return false;
    app.metrics = metrics_new();
    app.requests = ratelimit_new(cfg->rate_limit_per_minute, 60, 65536);
    app.oidc_cache = ttlcache_new(4096);
    if (cfg->caseload_cache_mb > 0 &&
        !(app.caseload_cache = pagecache_new((size_t)cfg->caseload_cache_mb << 20)))
        return false;
    if (!oidc_login_init())
        return false;
    routes_register_statements();
    if (cfg->database_replica_url &&
        !(app.replica = db_replica_new(cfg->database_replica_url, cfg->db_pool_size,
                                       (double)cfg->replica_max_lag_s)))
        return false;
    app.pool = db_pool_new(cfg->database_url, cfg->db_pool_size);
    return app.metrics && app.requests && app.oidc_cache && app.pool;
}

static void app_shutdown(void)
{
    audit_batch_stop(); /* after the server stopped: no request waits on it any more */
    db_pool_free(app.pool);
    db_replica_free(app.replica);
    oidc_login_shutdown();
    ttlcache_free(app.oidc_cache);
    pagecache_free(app.caseload_cache);
    app.caseload_cache = NULL;
    ratelimit_free(app.requests);
    metrics_free(app.metrics);
    free(app.expected_migrations);
    config_free(&app.cfg);
}

typedef struct schema_ctx {
    char *applied;
} schema_ctx;

static db_outcome schema_tx(db_tx *tx, void *p)
{
    schema_ctx *s = p;
    free(s->applied);
    s->applied = NULL;
    PGresult *r = db_exec(tx, "health_schema", 0, NULL);
    if (r)
        s->applied = migrate_lines_from_result(r);
    return DB_COMMIT;
}

/* The audit log's monthly partitions for the coming twelve months (migration 0060). */
static db_outcome audit_partitions_tx(db_tx *tx, void *p)
{
    (void)p;
    return db_exec(tx, "audit_extend", 0, NULL) ? DB_COMMIT : DB_ROLLBACK;
}

static int cmd_serve(bool migrate_first)
{
    const app_config *cfg = &app.cfg;
    if (migrate_first && !migrate_apply(cfg->database_migrate_url, cfg->migrations_dir))
        return 1;
    app.expected_migrations = migrate_expected(cfg->migrations_dir);
    if (!app.expected_migrations) {
        fprintf(stderr, "serve: cannot read MIGRATIONS_DIR %s\n", cfg->migrations_dir);
        return 1;
    }
    if (!app_init()) {
        fputs("serve: start-up failed (a setting above, or out of memory)\n", stderr);
        return 1;
    }
    db_error err;
    if (!db_pool_check(app.pool, &err)) {
        fprintf(stderr, "serve: database check failed: %s\n", err.message);
        fputs("(Is the database up and migrated? `samspil migrate` applies the schema.)\n",
              stderr);
        return 1;
    }
    schema_ctx sc = {0};
    if (db_run(app.pool, NULL, schema_tx, &sc, &err) != DB_OK || !sc.applied ||
        !migrate_compare(sc.applied, app.expected_migrations)) {
        free(sc.applied);
        fputs("serve: refusing to start on a schema that does not match this build\n", stderr);
        return 1;
    }
    free(sc.applied);
    if (db_run(app.pool, NULL, audit_partitions_tx, NULL, &err) != DB_OK) {
        fprintf(stderr, "serve: cannot add the audit log's partitions: %s\n", err.message);
        return 1;
    }

    /* Signals are taken by this thread only: block them before any thread starts. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* the audit writer is a thread too: started with the signals blocked */
    if (!audit_batch_start(cfg->database_url, cfg->audit_batch_max)) {
        fputs("serve: cannot start the audit writer (out of memory)\n", stderr);
        return 1;
    }

    http_config hc = {
        .bind_address = cfg->bind_address,
        .port = cfg->port,
        .threads = cfg->worker_threads,
        .connection_timeout_s = 30,
        .connection_limit = 1000,
        .per_ip_connection_limit = 200,
        /* libmicrohttpd's own per-connection pool (heads are checked, at most 8 KiB, before
         * it sees them; bodies go to the request's buffer): it zeroes the whole pool for
         * every request of a kept connection, 6.5 % of the server's CPU at 64 KiB
         * (docs/BENCHMARKS.md, seventh pass) */
        .connection_memory_limit = 32 * 1024,
        .max_body_bytes = cfg->max_body_bytes,
        .head_timeout_s = cfg->header_timeout_s,
        .keep_alive = cfg->keep_alive,
        .hsts = cfg->cookie_secure,
        .trusted_proxies = cfg->trusted_proxies,
        .dispatch = routes_dispatch,
        .complete = routes_complete,
    };
    http_server *srv = http_server_start(&hc);
    if (!srv)
        return 1;
    fprintf(stderr,
            "{\"level\":\"info\",\"msg\":\"listening\",\"address\":\"%s\",\"port\":%u,"
            "\"workers\":%u,\"db_pool\":%u}\n",
            cfg->bind_address, http_server_port(srv), cfg->worker_threads, cfg->db_pool_size);
    if (app.replica)
        fprintf(stderr,
                "{\"level\":\"info\",\"msg\":\"reports read the standby "
                "(DATABASE_REPLICA_URL) while it is at most this far behind\","
                "\"max_lag_seconds\":%u}\n",
                cfg->replica_max_lag_s);
    int sig = 0;
    sigwait(&sigs, &sig);
    if (cfg->drain_seconds) {
        /* lame duck: still serving, but not ready, so the proxy's health check takes this
         * server out before it stops accepting (no request is refused on the way); a second
         * signal cuts it short */
        atomic_store(&app.draining, true);
        fprintf(stderr,
                "{\"level\":\"info\",\"msg\":\"draining\",\"signal\":%d,\"seconds\":%u}\n",
                sig, cfg->drain_seconds);
        struct timespec ts = {.tv_sec = (time_t)cfg->drain_seconds};
        if (sigtimedwait(&sigs, NULL, &ts) > 0)
            fputs("{\"level\":\"info\",\"msg\":\"second signal: not draining further\"}\n",
                  stderr);
    }
    fprintf(stderr, "{\"level\":\"info\",\"msg\":\"shutting down\",\"signal\":%d}\n", sig);
    http_server_stop(srv);
    fputs("{\"level\":\"info\",\"msg\":\"stopped\"}\n", stderr);
    return 0;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0) {
        fputs("libsodium failed to initialise\n", stderr);
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *cmd = argc > 1 ? argv[1] : "serve";
    if (strcmp(cmd, "hash-password") == 0)
        return cmd_hash_password();
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        usage();
        return 0;
    }
    bool serving = strcmp(cmd, "serve") == 0;
    if (!config_load(&app.cfg, serving)) {
        config_free(&app.cfg);
        return 2;
    }
    int rc;
    if (serving) {
        bool migrate_first = argc > 2 && strcmp(argv[2], "--migrate") == 0;
        rc = cmd_serve(migrate_first);
        app_shutdown();
    } else if (strcmp(cmd, "migrate") == 0) {
        rc = migrate_apply(app.cfg.database_migrate_url, app.cfg.migrations_dir) ? 0 : 1;
        config_free(&app.cfg);
    } else if (strcmp(cmd, "create-admin") == 0 && argc == 4) {
        rc = cmd_create_admin(&app.cfg, argv[2], argv[3]);
        config_free(&app.cfg);
    } else {
        usage();
        config_free(&app.cfg);
        rc = 2;
    }
    return rc;
}
