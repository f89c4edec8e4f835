/*
 * replica: the standby's pool and whether it may be read; see replica.h.
 */
#include "replica.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK_INTERVAL_S 1.0
/* A standby behind the position it was just asked about is asked again after these waits
 * (milliseconds): a busy primary's last commit usually arrives within them. */
static const unsigned retry_wait_ms[] = {5, 10, 20, 40};

static const db_stmt replica_stmts[] = {
    /* on the primary: every commit acknowledged so far is at or below it */
    {"replica_primary_lsn", "SELECT pg_current_wal_flush_lsn()::text"},
    /* on the standby */
    {"replica_standby_lsn", "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text"},
};

struct db_replica {
    db_pool *pool;          /* the standby's connections */
    double max_lag;         /* seconds */
    pthread_mutex_t check;  /* held by the one thread running a check */
    pthread_mutex_t mu;     /* guards what follows */
    bool checked;           /* a verdict exists */
    double measured_at;     /* monotonic time the verdict's lag refers to */
    db_replica_reason verdict;
    double lag;             /* at measured_at; negative when unknown */
    db_replica_sample samples[DB_REPLICA_SAMPLES]; /* the primary's positions, a ring */
    unsigned nsamples, next_sample;
    unsigned long checks, standby_reads, primary_reads;
    unsigned long fallbacks[DB_REPLICA_REASONS];
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

const char *db_replica_reason_name(db_replica_reason r)
{
    static const char *const names[DB_REPLICA_REASONS] = {
        [DB_REPLICA_OK] = "ok",
        [DB_REPLICA_DOWN] = "down",
        [DB_REPLICA_LAGGING] = "lagging",
        [DB_REPLICA_NOT_STANDBY] = "not-standby",
        [DB_REPLICA_PRIMARY_DOWN] = "primary-unavailable",
        [DB_REPLICA_FAILED] = "failed",
    };
    return (unsigned)r < DB_REPLICA_REASONS ? names[r] : "unknown";
}

bool db_replica_parse_lsn(const char *text, uint64_t *out)
{
    if (!text)
        return false;
    unsigned hi, lo;
    char tail;
    if (sscanf(text, "%8X/%8X%c", &hi, &lo, &tail) != 2)
        return false;
    *out = ((uint64_t)hi << 32) | lo;
    return true;
}

double db_replica_lag(const db_replica_sample *samples, unsigned n, uint64_t replay, double now)
{
    double newest = -1;
    bool found = false;
    for (unsigned i = 0; i < n; i++)
        if (samples[i].lsn <= replay && (!found || samples[i].at > newest)) {
            newest = samples[i].at;
            found = true;
        }
    if (!found)
        return -1;
    return now > newest ? now - newest : 0;
}

db_replica *db_replica_new(const char *conninfo, unsigned size, double max_lag_s)
{
    db_replica *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->pool = db_pool_new(conninfo, size);
    if (!r->pool) {
        free(r);
        return NULL;
    }
    r->max_lag = max_lag_s;
    r->lag = -1;
    pthread_mutex_init(&r->check, NULL);
    pthread_mutex_init(&r->mu, NULL);
    db_register(replica_stmts, sizeof replica_stmts / sizeof replica_stmts[0]);
    return r;
}

void db_replica_free(db_replica *r)
{
    if (!r)
        return;
    db_pool_free(r->pool);
    pthread_mutex_destroy(&r->check);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

/* ---- the check ---- */

typedef struct position_ctx {
    bool ok;
    bool in_recovery;
    uint64_t lsn;
} position_ctx;

static db_outcome primary_position_tx(db_tx *tx, void *p)
{
    position_ctx *pc = p;
    PGresult *res = db_exec(tx, "replica_primary_lsn", 0, NULL);
    pc->ok = res && db_replica_parse_lsn(db_val(res, 0, 0), &pc->lsn);
    return DB_ROLLBACK;
}

static db_outcome standby_position_tx(db_tx *tx, void *p)
{
    position_ctx *pc = p;
    PGresult *res = db_exec(tx, "replica_standby_lsn", 0, NULL);
    pc->ok = res && db_rows(res) == 1;
    pc->in_recovery = pc->ok && db_val(res, 0, 0) && db_val(res, 0, 0)[0] == 't';
    pc->lsn = 0;
    if (pc->in_recovery && !db_replica_parse_lsn(db_val(res, 0, 1), &pc->lsn))
        pc->lsn = 0; /* nothing replayed yet */
    return DB_ROLLBACK;
}

/* Asks both databases and stores the verdict. Called with r->check held. */
static void replica_check(db_replica *r, db_pool *primary)
{
    db_replica_reason verdict;
    double lag = -1;
    double t0 = now_s();
    position_ctx pc = {0};
    if (db_run(primary, NULL, primary_position_tx, &pc, NULL) != DB_OK || !pc.ok) {
        verdict = DB_REPLICA_PRIMARY_DOWN;
    } else {
        pthread_mutex_lock(&r->mu);
        r->samples[r->next_sample] = (db_replica_sample){.at = t0, .lsn = pc.lsn};
        r->next_sample = (r->next_sample + 1) % DB_REPLICA_SAMPLES;
        if (r->nsamples < DB_REPLICA_SAMPLES)
            r->nsamples++;
        pthread_mutex_unlock(&r->mu);
        position_ctx sc = {0};
        for (unsigned attempt = 0;; attempt++) {
            if (db_run(r->pool, NULL, standby_position_tx, &sc, NULL) != DB_OK || !sc.ok ||
                !sc.in_recovery || sc.lsn >= pc.lsn ||
                attempt == sizeof retry_wait_ms / sizeof retry_wait_ms[0])
                break;
            sleep_ms(retry_wait_ms[attempt]);
        }
        if (!sc.ok) {
            verdict = DB_REPLICA_DOWN;
        } else if (!sc.in_recovery) {
            verdict = DB_REPLICA_NOT_STANDBY;
        } else {
            db_replica_sample copy[DB_REPLICA_SAMPLES];
            pthread_mutex_lock(&r->mu);
            unsigned n = r->nsamples;
            memcpy(copy, r->samples, sizeof copy[0] * n);
            pthread_mutex_unlock(&r->mu);
            lag = db_replica_lag(copy, n, sc.lsn, now_s());
            verdict = lag >= 0 && lag <= r->max_lag ? DB_REPLICA_OK : DB_REPLICA_LAGGING;
        }
    }
    pthread_mutex_lock(&r->mu);
    r->checked = true;
    r->measured_at = now_s();
    r->verdict = verdict;
    r->lag = lag;
    r->checks++;
    pthread_mutex_unlock(&r->mu);
}

/* The verdict now, under r->mu: the last one, aged. */
static db_replica_reason verdict_now(const db_replica *r, double now)
{
    if (!r->checked)
        return DB_REPLICA_LAGGING; /* not known yet: the first check is running */
    if (r->verdict != DB_REPLICA_OK)
        return r->verdict;
    return r->lag + (now - r->measured_at) <= r->max_lag ? DB_REPLICA_OK : DB_REPLICA_LAGGING;
}

db_pool *db_replica_choose(db_replica *r, db_pool *primary, db_replica_reason *why)
{
    pthread_mutex_lock(&r->mu);
    bool stale = !r->checked || now_s() - r->measured_at >= CHECK_INTERVAL_S;
    pthread_mutex_unlock(&r->mu);
    /* One thread checks; the others go on with the verdict they find. */
    if (stale && pthread_mutex_trylock(&r->check) == 0) {
        pthread_mutex_lock(&r->mu);
        stale = !r->checked || now_s() - r->measured_at >= CHECK_INTERVAL_S;
        pthread_mutex_unlock(&r->mu);
        if (stale)
            replica_check(r, primary);
        pthread_mutex_unlock(&r->check);
    }
    pthread_mutex_lock(&r->mu);
    db_replica_reason v = verdict_now(r, now_s());
    if (v != DB_REPLICA_OK) {
        r->fallbacks[v]++;
        r->primary_reads++;
    }
    pthread_mutex_unlock(&r->mu);
    if (why)
        *why = v;
    return v == DB_REPLICA_OK ? r->pool : NULL;
}

void db_replica_served(db_replica *r)
{
    pthread_mutex_lock(&r->mu);
    r->standby_reads++;
    pthread_mutex_unlock(&r->mu);
}

void db_replica_failed(db_replica *r, bool down)
{
    pthread_mutex_lock(&r->mu);
    db_replica_reason why = down ? DB_REPLICA_DOWN : DB_REPLICA_FAILED;
    r->fallbacks[why]++;
    r->primary_reads++;
    if (down) {
        /* not again until the next check, a second from now */
        r->checked = true;
        r->verdict = DB_REPLICA_DOWN;
        r->lag = -1;
        r->measured_at = now_s();
    }
    pthread_mutex_unlock(&r->mu);
}

void db_replica_get_stats(db_replica *r, db_replica_stats *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&r->mu);
    out->usable = verdict_now(r, now_s()) == DB_REPLICA_OK;
    out->lag_s = r->checked ? r->lag : -1;
    out->checks = r->checks;
    out->standby_reads = r->standby_reads;
    out->primary_reads = r->primary_reads;
    memcpy(out->fallbacks, r->fallbacks, sizeof out->fallbacks);
    pthread_mutex_unlock(&r->mu);
    db_pool_get_stats(r->pool, &out->pool);
}
