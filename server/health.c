/*
 * health: the probes. /healthz says the process is alive; /readyz that the
 * database answers and its schema is the one this build expects; /metrics
 * gives Prometheus text (requests and latency per route, pool usage).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "handlers.h"
#include "migrate.h"

static const db_stmt health_stmts[] = {
    {"health_schema", "SELECT version, checksum FROM schema_migrations ORDER BY version"},
    /* the audit log's coming months exist (migration 0060); run once at start */
    {"audit_extend", "SELECT audit_log_extend()"},
};

void health_register(void)
{
    db_register(health_stmts, sizeof health_stmts / sizeof health_stmts[0]);
}

void health_live(http_request *req)
{
    http_reply_json(req, 200, json_pack("{s:s}", "status", "ok"));
    http_add_header(req, "Cache-Control", "no-store");
}

typedef struct ready_ctx {
    char *applied; /* malloc'd "version checksum\n" lines */
} ready_ctx;

static db_outcome ready_tx(db_tx *tx, void *p)
{
    ready_ctx *rc = p;
    free(rc->applied);
    rc->applied = NULL;
    PGresult *r = db_exec(tx, "health_schema", 0, NULL);
    if (!r)
        return DB_ROLLBACK;
    rc->applied = migrate_lines_from_result(r);
    return DB_COMMIT;
}

void health_ready(http_request *req)
{
    ready_ctx rc = {0};
    db_status st = db_run(app.pool, NULL, ready_tx, &rc, NULL);
    http_add_header(req, "Cache-Control", "no-store");
    if (atomic_load(&app.draining)) {
        problem_send(req, 503, "shutting-down", NULL,
                     "This server is stopping; the load balancer should send requests elsewhere.");
    } else if (st != DB_OK) {
        problem_send(req, 503, "database-unavailable", NULL, "The database cannot be reached.");
    } else if (!rc.applied) {
        problem_send(req, 503, "schema-mismatch", NULL,
                     "The database schema is not the one this server expects.");
    } else {
        /* A newer release's migrations applied under a running server (the first step of a
         * rolling upgrade) keep it ready: migrations keep the previous release's statements
         * working (docs/OPERATIONS.md, "Upgrades"). Behind or changed is not ready. */
        migrate_state ms = migrate_state_of(rc.applied, app.expected_migrations);
        if (ms == MIGRATE_SAME || ms == MIGRATE_NEWER)
            http_reply_json(req, 200,
                            json_pack("{s:s, s:s, s:s}", "status", "ready", "database", "ok",
                                      "schema", ms == MIGRATE_SAME ? "current" : "newer"));
        else
            problem_send(req, 503, "schema-mismatch", NULL,
                         ms == MIGRATE_BEHIND
                             ? "The database lacks migrations this server needs."
                             : "The database's migrations differ from this server's.");
    }
    free(rc.applied);
}

/* Which database served the reads that may go to the standby (DATABASE_REPLICA_URL),
 * appended to buf. */
static void replica_metrics(char *buf, size_t len)
{
    db_replica_stats s;
    db_replica_get_stats(app.replica, &s);
    size_t n = strlen(buf);
    n += (size_t)snprintf(
        buf + n, n < len ? len - n : 0,
        "# HELP samspil_replica_reads_total Reads that may use the standby, by the database "
        "that served them.\n"
        "# TYPE samspil_replica_reads_total counter\n"
        "samspil_replica_reads_total{database=\"standby\"} %lu\n"
        "samspil_replica_reads_total{database=\"primary\"} %lu\n"
        "# HELP samspil_replica_fallbacks_total Reads sent to the primary instead, by reason.\n"
        "# TYPE samspil_replica_fallbacks_total counter\n",
        s.standby_reads, s.primary_reads);
    for (int r = DB_REPLICA_OK + 1; r < DB_REPLICA_REASONS && n < len; r++)
        n += (size_t)snprintf(buf + n, len - n,
                              "samspil_replica_fallbacks_total{reason=\"%s\"} %lu\n",
                              db_replica_reason_name((db_replica_reason)r), s.fallbacks[r]);
    if (n >= len)
        return;
    char lag[32];
    if (s.lag_s >= 0)
        snprintf(lag, sizeof lag, "%.3f", s.lag_s);
    else
        snprintf(lag, sizeof lag, "NaN");
    snprintf(buf + n, len - n,
             "# HELP samspil_replica_lag_seconds How far the standby was behind at the last "
             "check (an upper bound; NaN: unknown).\n"
             "# TYPE samspil_replica_lag_seconds gauge\n"
             "samspil_replica_lag_seconds %s\n"
             "# HELP samspil_replica_usable Whether reads go to the standby now.\n"
             "# TYPE samspil_replica_usable gauge\n"
             "samspil_replica_usable %d\n"
             "# HELP samspil_replica_checks_total Lag checks made (at most one a second).\n"
             "# TYPE samspil_replica_checks_total counter\n"
             "samspil_replica_checks_total %lu\n"
             "# HELP samspil_replica_pool_connections Standby connections by state.\n"
             "# TYPE samspil_replica_pool_connections gauge\n"
             "samspil_replica_pool_connections{state=\"size\"} %u\n"
             "samspil_replica_pool_connections{state=\"in_use\"} %u\n"
             "samspil_replica_pool_connections{state=\"connected\"} %u\n",
             lag, s.usable ? 1 : 0, s.checks, s.pool.size, s.pool.in_use, s.pool.connected);
}

void health_metrics(http_request *req)
{
    db_pool_stats s;
    db_pool_get_stats(app.pool, &s);
    char extra[8192];
    snprintf(extra, sizeof extra,
             "# HELP samspil_db_pool_connections Database connections by state.\n"
             "# TYPE samspil_db_pool_connections gauge\n"
             "samspil_db_pool_connections{state=\"size\"} %u\n"
             "samspil_db_pool_connections{state=\"in_use\"} %u\n"
             "samspil_db_pool_connections{state=\"connected\"} %u\n"
             "# HELP samspil_db_pool_events_total Pool events.\n"
             "# TYPE samspil_db_pool_events_total counter\n"
             "samspil_db_pool_events_total{event=\"acquired\"} %lu\n"
             "samspil_db_pool_events_total{event=\"waited\"} %lu\n"
             "samspil_db_pool_events_total{event=\"timeout\"} %lu\n"
             "samspil_db_pool_events_total{event=\"reconnect\"} %lu\n"
             "samspil_db_pool_events_total{event=\"connect_failure\"} %lu\n",
             s.size, s.in_use, s.connected, s.acquired, s.waited, s.timeouts, s.reconnects,
             s.failures);
    if (app.replica)
        replica_metrics(extra, sizeof extra);
    residents_cache_metrics(extra, sizeof extra);
    audit_batch_metrics(extra, sizeof extra);
    size_t len = 0;
    char *text = metrics_render(app.metrics, extra, &len);
    http_reply_owned(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
    http_add_header(req, "Cache-Control", "no-store");
}
