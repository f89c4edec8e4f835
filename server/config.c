/*
 * config: environment variables into app_config; see config.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *env_or(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && *v ? v : def;
}

static bool env_uint(const char *name, unsigned long def, unsigned long min, unsigned long max,
                     unsigned long *out)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        *out = def;
        return true;
    }
    char *end = NULL;
    unsigned long n = strtoul(v, &end, 10);
    if (*end || n < min || n > max) {
        fprintf(stderr, "config: %s must be a number between %lu and %lu\n", name, min, max);
        return false;
    }
    *out = n;
    return true;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 4096 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

bool config_load(app_config *cfg, bool require_secret)
{
    bool ok = true;
    memset(cfg, 0, sizeof *cfg);
    cfg->database_url = env_or("DATABASE_URL", NULL);
    cfg->database_migrate_url = env_or("DATABASE_MIGRATE_URL", cfg->database_url);
    if (!cfg->database_url) {
        fputs("config: DATABASE_URL is required\n", stderr);
        ok = false;
    }
    cfg->jwt_secret = env_or("JWT_SECRET", NULL);
    cfg->jwt_secret_len = cfg->jwt_secret ? strlen(cfg->jwt_secret) : 0;
    if (require_secret && cfg->jwt_secret_len < 32) {
        fputs("config: JWT_SECRET is required and must be at least 32 bytes "
              "(e.g. 64 random hex characters); refusing to start without it\n",
              stderr);
        ok = false;
    }
    cfg->jwt_issuer = env_or("JWT_ISSUER", "samspil");
    cfg->jwt_audience = env_or("JWT_AUDIENCE", "samspil");
    unsigned long n = 0;
    ok &= env_uint("JWT_TTL_SECONDS", 8 * 3600, 60, 7 * 24 * 3600, &n);
    cfg->jwt_ttl_seconds = (long)n;
    /* shared computers at the facility: the browser app logs out after this many minutes
     * without use (the server's own limit is the token's lifetime) */
    ok &= env_uint("IDLE_LOGOUT_MINUTES", 15, 1, 24 * 60, &n);
    cfg->idle_logout_seconds = (long)n * 60;

    cfg->oidc_issuer = env_or("OIDC_ISSUER", NULL);
    cfg->oidc_audience = env_or("OIDC_AUDIENCE", NULL);
    const char *pem_file = env_or("OIDC_PUBLIC_KEY_FILE", NULL);
    int oidc_set = !!cfg->oidc_issuer + !!cfg->oidc_audience + !!pem_file;
    if (oidc_set != 0 && oidc_set != 3) {
        fputs("config: OIDC_ISSUER, OIDC_AUDIENCE and OIDC_PUBLIC_KEY_FILE go together\n",
              stderr);
        ok = false;
    } else if (pem_file) {
        cfg->oidc_public_pem = read_file(pem_file, &cfg->oidc_public_pem_len);
        if (!cfg->oidc_public_pem) {
            fprintf(stderr, "config: cannot read OIDC_PUBLIC_KEY_FILE %s\n", pem_file);
            ok = false;
        }
    }

    cfg->bind_address = env_or("BIND_ADDRESS", "127.0.0.1");
    ok &= env_uint("PORT", 8080, 0, 65535, &n);
    cfg->port = (unsigned short)n;
    /* Eight workers per core (at most 64) sharing four connections per core: a worker
     * waits on PostgreSQL's round trips, not on a read's audit rows (their group commit
     * answers the request later, the worker serves others meanwhile), and more connections
     * than PostgreSQL has cores to run them only queue inside it (docs/BENCHMARKS.md, sixth
     * pass: region caseload on two cores, 10 connections: 8 workers 2 577-3 049 req/s,
     * 16 workers 3 216-3 372 (p99 44 ms), 32 workers 2 569-3 287 (p99 54-57 ms); 16 workers
     * on 6 connections 2 234-2 308). */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned long ncores = cores > 0 ? (unsigned long)cores : 2;
    unsigned long workers = 8 * ncores, conns = 4 * ncores + 2;
    ok &= env_uint("WORKER_THREADS", workers < 64 ? workers : 64, 1, 256, &n);
    cfg->worker_threads = (unsigned)n;
    if (conns > cfg->worker_threads + 2)
        conns = cfg->worker_threads + 2;
    ok &= env_uint("DB_POOL_SIZE", conns < 64 ? conns : 64, 1, 512, &n);
    cfg->db_pool_size = (unsigned)n;
    ok &= env_uint("MAX_BODY_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024, &n);
    cfg->max_body_bytes = n;
    ok &= env_uint("RATE_LIMIT_PER_MINUTE", 600, 1, 10000000, &n);
    cfg->rate_limit_per_minute = (unsigned)n;
    /* caseload pages served again while the database says they are current */
    ok &= env_uint("CASELOAD_CACHE_MB", 16, 0, 4096, &n);
    cfg->caseload_cache_mb = (unsigned)n;
    /* list reads' audit rows of this many requests at most in one transaction; 0: each in
     * its own (server/audit_batch.c) */
    ok &= env_uint("AUDIT_BATCH_MAX", 256, 0, 4096, &n);
    cfg->audit_batch_max = (unsigned)n;
    ok &= env_uint("LOGIN_MAX_FAILURES", 5, 1, 1000, &n);
    cfg->login_max_failures = (unsigned)n;
    ok &= env_uint("LOGIN_MAX_FAILURES_PER_ADDRESS", 4ul * cfg->login_max_failures, 1, 100000, &n);
    cfg->login_max_failures_per_address = (unsigned)n;
    ok &= env_uint("KEEP_ALIVE", 0, 0, 1, &n);
    cfg->keep_alive = n == 1;
    ok &= env_uint("HEADER_TIMEOUT_SECONDS", 10, 1, 300, &n);
    cfg->header_timeout_s = (unsigned)n;
    /* behind a load balancer: keep serving, but answer /readyz 503, until its health check
     * has taken this server out (more than fall x inter), then stop accepting */
    ok &= env_uint("DRAIN_SECONDS", 0, 0, 120, &n);
    cfg->drain_seconds = (unsigned)n;
    /* reports and their exports read a streaming standby while it is this close */
    cfg->database_replica_url = env_or("DATABASE_REPLICA_URL", NULL);
    ok &= env_uint("REPLICA_MAX_LAG_SECONDS", 30, 1, 86400, &n);
    cfg->replica_max_lag_s = (unsigned)n;
    cfg->migrations_dir = env_or("MIGRATIONS_DIR", "./migrations");
    cfg->static_dir = env_or("STATIC_DIR", "./static");
    cfg->smtp_url = env_or("SMTP_URL", NULL);
    /* proxies in front (HAProxy): only their X-Forwarded-For names the client */
    char err[160];
    cfg->trusted_proxies = netset_parse(env_or("TRUSTED_PROXIES", ""), err, sizeof err);
    if (!cfg->trusted_proxies) {
        fprintf(stderr, "config: TRUSTED_PROXIES: %s (comma-separated addresses or CIDRs)\n",
                err);
        ok = false;
    }

    static char origin[128];
    snprintf(origin, sizeof origin, "http://127.0.0.1:%u", cfg->port);
    cfg->public_origin = env_or("PUBLIC_ORIGIN", origin);
    cfg->cookie_secure = strncmp(cfg->public_origin, "https://", 8) == 0;
    return ok;
}

void config_free(app_config *cfg)
{
    free(cfg->oidc_public_pem);
    cfg->oidc_public_pem = NULL;
    netset_free(cfg->trusted_proxies);
    cfg->trusted_proxies = NULL;
}
