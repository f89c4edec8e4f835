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

void health_metrics(http_request *req)
{
    db_pool_stats s;
    db_pool_get_stats(app.pool, &s);
    char extra[1024];
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
    size_t len = 0;
    char *text = metrics_render(app.metrics, extra, &len);
    http_reply_owned(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
    http_add_header(req, "Cache-Control", "no-store");
}
