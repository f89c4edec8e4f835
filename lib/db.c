/*
 * db: pooled libpq connections in pipeline mode; see db.h.
 */
#include "db.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DB_MAX_STMTS 512
#define DB_MAX_RESULTS 64
#define DB_ACQUIRE_TIMEOUT_S 5
#define DB_RECONNECT_BACKOFF_S 1.0
#define DB_MAX_ATTEMPTS 3

static const db_stmt *registry[DB_MAX_STMTS];
static size_t registry_len;

typedef struct db_conn {
    PGconn *pg;       /* NULL while disconnected */
    bool busy;        /* handed out */
    double last_fail; /* monotonic time of the last failed connect */
} db_conn;

struct db_pool {
    char *conninfo;
    unsigned size;
    db_conn *conns;
    pthread_mutex_t mu;
    pthread_cond_t freed;
    db_pool_stats stats;
};

struct db_tx {
    db_conn *conn;
    int pending;                 /* statements sent whose results are not yet read */
    bool failed;                 /* a statement failed: the rest is aborted */
    bool lost;                   /* the connection broke */
    bool commit_sent;            /* COMMIT went out: whether it happened is the server's word */
    db_error err;
    PGresult *results[DB_MAX_RESULTS];
    int nresults;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void db_register(const db_stmt *stmts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (registry_len == DB_MAX_STMTS) {
            fputs("db: too many statements; raise DB_MAX_STMTS\n", stderr);
            abort();
        }
        registry[registry_len++] = &stmts[i];
    }
}

db_pool *db_pool_new(const char *conninfo, unsigned size)
{
    db_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->conninfo = strdup(conninfo);
    p->size = size ? size : 1;
    p->conns = calloc(p->size, sizeof *p->conns);
    if (!p->conninfo || !p->conns) {
        free(p->conninfo);
        free(p->conns);
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->freed, NULL);
    p->stats.size = p->size;
    return p;
}

void db_pool_free(db_pool *p)
{
    if (!p)
        return;
    for (unsigned i = 0; i < p->size; i++)
        if (p->conns[i].pg)
            PQfinish(p->conns[i].pg);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->freed);
    free(p->conns);
    free(p->conninfo);
    free(p);
}

static void error_from_result(db_error *e, const PGresult *r, PGconn *pg)
{
    const char *f;
    memset(e, 0, sizeof *e);
    if (r && (f = PQresultErrorField(r, PG_DIAG_SQLSTATE)))
        snprintf(e->sqlstate, sizeof e->sqlstate, "%s", f);
    if (r && (f = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)))
        snprintf(e->message, sizeof e->message, "%s", f);
    else if (pg)
        snprintf(e->message, sizeof e->message, "%s", PQerrorMessage(pg));
    if (r && (f = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL)))
        snprintf(e->detail, sizeof e->detail, "%s", f);
    if (r && (f = PQresultErrorField(r, PG_DIAG_MESSAGE_HINT)))
        snprintf(e->hint, sizeof e->hint, "%s", f);
    if (r && (f = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME)))
        snprintf(e->constraint, sizeof e->constraint, "%s", f);
    if (r && (f = PQresultErrorField(r, PG_DIAG_TABLE_NAME)))
        snprintf(e->table, sizeof e->table, "%s", f);
    if (r && (f = PQresultErrorField(r, PG_DIAG_COLUMN_NAME)))
        snprintf(e->column, sizeof e->column, "%s", f);
    /* trim the trailing newline of libpq messages */
    size_t n = strlen(e->message);
    while (n && e->message[n - 1] == '\n')
        e->message[--n] = '\0';
}

/* Opens the connection and prepares every registered statement. */
static bool conn_open(db_pool *p, db_conn *c, db_error *err)
{
    c->pg = PQconnectdb(p->conninfo);
    if (PQstatus(c->pg) != CONNECTION_OK) {
        memset(err, 0, sizeof *err);
        snprintf(err->message, sizeof err->message, "%s", PQerrorMessage(c->pg));
        PQfinish(c->pg);
        c->pg = NULL;
        return false;
    }
    /* Times leave the server in UTC (RFC 3339 with Z); see db_rfc3339.
     * Generic plans: every statement is prepared once per connection and planned once. With
     * PostgreSQL's default the optional filters ("$5 IS NULL OR ...") make the generic plan
     * look dearer than a custom one, so it re-planned every execution: 2.5 ms of planning
     * for 0.9 ms of execution on the caseload page (docs/BENCHMARKS.md, "Generic plans").
     * Row-level security scopes every statement to an indexed team or facility either way. */
    PGresult *tz = PQexec(c->pg, "SET TimeZone = 'UTC'; SET plan_cache_mode = force_generic_plan");
    PQclear(tz);
    for (size_t i = 0; i < registry_len; i++) {
        PGresult *r = PQprepare(c->pg, registry[i]->name, registry[i]->sql, 0, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            error_from_result(err, r, c->pg);
            char msg[sizeof err->message];
            snprintf(msg, sizeof msg, "%s", err->message);
            snprintf(err->message, sizeof err->message, "statement %s: %.180s",
                     registry[i]->name, msg);
            PQclear(r);
            PQfinish(c->pg);
            c->pg = NULL;
            return false;
        }
        PQclear(r);
    }
    return true;
}

static db_conn *pool_acquire(db_pool *p)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += DB_ACQUIRE_TIMEOUT_S;
    pthread_mutex_lock(&p->mu);
    db_conn *found = NULL;
    bool waited = false;
    for (;;) {
        /* Prefer a connected idle connection over an unconnected one. */
        for (unsigned i = 0; i < p->size; i++) {
            if (!p->conns[i].busy && (!found || (p->conns[i].pg && !found->pg)))
                found = &p->conns[i];
        }
        if (found)
            break;
        waited = true;
        if (pthread_cond_timedwait(&p->freed, &p->mu, &deadline) == ETIMEDOUT) {
            p->stats.timeouts++;
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
    }
    found->busy = true;
    p->stats.in_use++;
    p->stats.acquired++;
    if (waited)
        p->stats.waited++;
    pthread_mutex_unlock(&p->mu);
    return found;
}

static void pool_release(db_pool *p, db_conn *c)
{
    pthread_mutex_lock(&p->mu);
    c->busy = false;
    p->stats.in_use--;
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->mu);
}

static void stats_bump(db_pool *p, unsigned long *field)
{
    pthread_mutex_lock(&p->mu);
    (*field)++;
    pthread_mutex_unlock(&p->mu);
}

void db_pool_get_stats(db_pool *p, db_pool_stats *out)
{
    pthread_mutex_lock(&p->mu);
    *out = p->stats;
    out->connected = 0;
    for (unsigned i = 0; i < p->size; i++)
        if (p->conns[i].pg)
            out->connected++;
    pthread_mutex_unlock(&p->mu);
}

/* Ensures c is connected; honours a short back-off so a dead database is not hammered. */
static bool conn_ensure(db_pool *p, db_conn *c, db_error *err)
{
    if (c->pg && PQstatus(c->pg) == CONNECTION_OK)
        return true;
    if (c->pg) {
        PQfinish(c->pg);
        c->pg = NULL;
    }
    if (c->last_fail > 0 && now_s() - c->last_fail < DB_RECONNECT_BACKOFF_S) {
        memset(err, 0, sizeof *err);
        snprintf(err->message, sizeof err->message, "database unavailable (backing off)");
        return false;
    }
    if (!conn_open(p, c, err)) {
        c->last_fail = now_s();
        stats_bump(p, &p->stats.failures);
        return false;
    }
    c->last_fail = 0;
    stats_bump(p, &p->stats.reconnects);
    return true;
}

bool db_pool_check(db_pool *p, db_error *err)
{
    db_conn *c = pool_acquire(p);
    if (!c) {
        memset(err, 0, sizeof *err);
        snprintf(err->message, sizeof err->message, "no free connection");
        return false;
    }
    c->last_fail = 0;
    bool ok = conn_ensure(p, c, err);
    pool_release(p, c);
    return ok;
}

/* ---- pipeline ---- */

static void tx_fail(db_tx *tx, const PGresult *r)
{
    if (tx->failed)
        return;
    tx->failed = true;
    error_from_result(&tx->err, r, tx->conn->pg);
    if (PQstatus(tx->conn->pg) != CONNECTION_OK)
        tx->lost = true;
}

/* Reads the results of one pending statement. Returns the result when keep is true (the
 * caller owns it), otherwise NULL. */
static PGresult *read_one(db_tx *tx, bool keep)
{
    PGconn *pg = tx->conn->pg;
    PGresult *kept = NULL;
    PGresult *r = PQgetResult(pg);
    if (!r) {
        /* connection lost or protocol confusion */
        tx_fail(tx, NULL);
        tx->lost = tx->lost || PQstatus(pg) != CONNECTION_OK;
        tx->pending = 0;
        return NULL;
    }
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        if (keep)
            kept = r;
        else
            PQclear(r);
    } else {
        if (st != PGRES_PIPELINE_ABORTED)
            tx_fail(tx, r);
        else if (!tx->failed)
            tx_fail(tx, r);
        PQclear(r);
    }
    /* each statement's results end with NULL */
    PGresult *end = PQgetResult(pg);
    while (end) {
        PQclear(end);
        end = PQgetResult(pg);
    }
    tx->pending--;
    return kept;
}

static bool send_stmt(db_tx *tx, const char *stmt, int n, const char *const *params,
                      const int *lengths, const int *formats)
{
    if (tx->failed)
        return false;
    if (!PQsendQueryPrepared(tx->conn->pg, stmt, n, params, lengths, formats, 0)) {
        tx_fail(tx, NULL);
        return false;
    }
    tx->pending++;
    return true;
}

PGresult *db_exec(db_tx *tx, const char *stmt, int nparams, const char *const *params)
{
    return db_exec_binary(tx, stmt, nparams, params, NULL, NULL);
}

PGresult *db_exec_binary(db_tx *tx, const char *stmt, int nparams, const char *const *params,
                         const int *lengths, const int *formats)
{
    if (!send_stmt(tx, stmt, nparams, params, lengths, formats))
        return NULL;
    PGconn *pg = tx->conn->pg;
    if (!PQsendFlushRequest(pg) || PQflush(pg) != 0) {
        tx_fail(tx, NULL);
        tx->lost = true;
        return NULL;
    }
    while (tx->pending > 1)
        read_one(tx, false);
    PGresult *r = tx->pending == 1 ? read_one(tx, true) : NULL;
    if (tx->failed) {
        PQclear(r);
        return NULL;
    }
    if (r) {
        if (tx->nresults == DB_MAX_RESULTS) {
            /* keep memory bounded: the oldest result is no longer reachable by contract */
            PQclear(tx->results[0]);
            memmove(tx->results, tx->results + 1, sizeof tx->results[0] * (DB_MAX_RESULTS - 1));
            tx->nresults--;
        }
        tx->results[tx->nresults++] = r;
    }
    return r;
}

bool db_queue(db_tx *tx, const char *stmt, int nparams, const char *const *params)
{
    return send_stmt(tx, stmt, nparams, params, NULL, NULL);
}

const db_error *db_tx_error(const db_tx *tx)
{
    return tx->failed ? &tx->err : NULL;
}

static void tx_clear_results(db_tx *tx)
{
    for (int i = 0; i < tx->nresults; i++)
        PQclear(tx->results[i]);
    tx->nresults = 0;
}

/* Ends the pipeline: COMMIT or ROLLBACK, sync, drain, and make sure no transaction is left
 * open on the connection. Returns false when the commit did not happen. */
static bool tx_finish(db_tx *tx, bool commit)
{
    PGconn *pg = tx->conn->pg;
    bool committed = false;
    if (!tx->lost) {
        const char *end = commit && !tx->failed ? "COMMIT" : "ROLLBACK";
        if (PQsendQueryParams(pg, end, 0, NULL, NULL, NULL, NULL, 0))
            tx->pending++;
        tx->commit_sent = end[0] == 'C';
        if (!PQpipelineSync(pg) || PQflush(pg) != 0)
            tx->lost = true;
        while (!tx->lost && tx->pending > 0)
            read_one(tx, false);
        if (!tx->lost) {
            PGresult *r = PQgetResult(pg);
            if (!r || PQresultStatus(r) != PGRES_PIPELINE_SYNC)
                tx->lost = PQstatus(pg) != CONNECTION_OK;
            PQclear(r);
        }
        committed = commit && !tx->failed && !tx->lost;
    }
    if (!tx->lost && PQexitPipelineMode(pg) && PQtransactionStatus(pg) != PQTRANS_IDLE) {
        PGresult *r = PQexec(pg, "ROLLBACK");
        PQclear(r);
        committed = false;
    }
    if (tx->lost || PQstatus(pg) != CONNECTION_OK) {
        PQfinish(pg);
        tx->conn->pg = NULL;
        tx->lost = true;
        committed = false;
    }
    return committed;
}

static bool retryable(const db_error *e)
{
    return strcmp(e->sqlstate, "40001") == 0 || strcmp(e->sqlstate, "40P01") == 0;
}

db_status db_run(db_pool *p, const db_begin *begin, db_tx_fn fn, void *ctx, db_error *err)
{
    db_error local;
    if (!err)
        err = &local;
    memset(err, 0, sizeof *err);
    db_conn *c = pool_acquire(p);
    if (!c) {
        snprintf(err->message, sizeof err->message, "connection pool exhausted");
        return DB_UNAVAILABLE;
    }
    db_status status = DB_FAILED;
    bool rerun_after_loss = false;
    for (int attempt = 0; attempt < DB_MAX_ATTEMPTS; attempt++) {
        bool pooled = c->pg && PQstatus(c->pg) == CONNECTION_OK;
        if (!conn_ensure(p, c, err)) {
            status = DB_UNAVAILABLE;
            break;
        }
        db_tx tx = {.conn = c};
        if (!PQenterPipelineMode(c->pg)) {
            PQfinish(c->pg);
            c->pg = NULL;
            continue;
        }
        if (PQsendQueryParams(c->pg, "BEGIN", 0, NULL, NULL, NULL, NULL, 0))
            tx.pending++;
        else
            tx_fail(&tx, NULL);
        if (begin)
            send_stmt(&tx, begin->stmt, begin->nparams, begin->params, NULL, NULL);
        db_outcome outcome = fn(&tx, ctx);
        bool committed = tx_finish(&tx, outcome == DB_COMMIT);
        tx_clear_results(&tx);
        if (tx.lost) {
            /* A pooled connection that died while idle (the database restarted) only shows
             * it when used. Without COMMIT sent nothing of this transaction can have been
             * committed, so it runs once more on a new connection instead of failing. */
            if (pooled && !tx.commit_sent && !rerun_after_loss) {
                rerun_after_loss = true;
                stats_bump(p, &p->stats.failures);
                continue;
            }
            *err = tx.err;
            if (!err->message[0])
                snprintf(err->message, sizeof err->message, "connection lost");
            err->sqlstate[0] = '\0';
            c->last_fail = now_s();
            stats_bump(p, &p->stats.failures);
            status = DB_UNAVAILABLE;
            break;
        }
        if (tx.failed) {
            *err = tx.err;
            status = DB_FAILED;
            if (retryable(err))
                continue;
            break;
        }
        if (outcome == DB_COMMIT && !committed) {
            snprintf(err->message, sizeof err->message, "commit failed");
            status = DB_FAILED;
            break;
        }
        status = DB_OK;
        break;
    }
    pool_release(p, c);
    return status;
}

const char *db_val(const PGresult *r, int row, int col)
{
    if (!r || row >= PQntuples(r) || col < 0 || col >= PQnfields(r) ||
        PQgetisnull(r, row, col))
        return NULL;
    return PQgetvalue(r, row, col);
}

/* PQfnumber compares the name with every column in turn, and a list of 50 rows of 45 columns
 * read by name asked it 2 000 times per page (a tenth of the server's time on the caseload). The column a name was found at last is remembered per
 * thread, keyed by the name's address (the callers pass literals), and checked by one
 * comparison before it is used, so a different result with other columns is never misread. */
int db_col(const PGresult *r, const char *name)
{
    static _Thread_local struct {
        const char *name;
        int col;
    } seen[256];
    size_t h = ((uintptr_t)name >> 3) % (sizeof seen / sizeof seen[0]);
    int c = seen[h].col;
    if (seen[h].name == name && c >= 0 && c < PQnfields(r) && strcmp(PQfname(r, c), name) == 0)
        return c;
    c = PQfnumber(r, name);
    seen[h].name = name;
    seen[h].col = c;
    return c;
}

const char *db_get(const PGresult *r, int row, const char *col)
{
    return r ? db_val(r, row, db_col(r, col)) : NULL;
}

bool db_is_timestamptz(const PGresult *r, int col)
{
    return r && col >= 0 && col < PQnfields(r) && PQftype(r, col) == 1184; /* TIMESTAMPTZOID */
}

size_t db_rfc3339(const char *pg, char *out, size_t len)
{
    /* "2026-11-23 12:14:43.123456+00" -> "2026-11-23T12:14:43.123456Z" */
    size_t n = strlen(pg);
    if (len < n + 4)
        return 0;
    memcpy(out, pg, n + 1);
    if (n > 10 && out[10] == ' ')
        out[10] = 'T';
    if (n >= 3 && (strcmp(out + n - 3, "+00") == 0 || strcmp(out + n - 3, "-00") == 0)) {
        out[n - 3] = 'Z';
        out[n - 2] = '\0';
        return n - 2;
    }
    if (n >= 3 && (out[n - 3] == '+' || out[n - 3] == '-')) { /* "+01" -> "+01:00" */
        memcpy(out + n, ":00", 4);
        return n + 3;
    }
    return n;
}

int db_rows(const PGresult *r)
{
    return r ? PQntuples(r) : 0;
}
