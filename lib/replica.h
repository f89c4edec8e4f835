/*
 * replica: a pool on a streaming standby (DATABASE_REPLICA_URL) for read-only
 * transactions, and the verdict whether it may be read now.
 *
 * The standby is used only while it is in recovery and provably no more than
 * max_lag seconds behind the primary. The lag is measured by WAL position, not
 * by now() - pg_last_xact_replay_timestamp() (which grows on an idle primary
 * too, and compares the clocks of two machines): a check asks the primary for
 * pg_current_wal_flush_lsn() at time t (every commit acknowledged before t is
 * at or below it) and then the standby for pg_last_wal_replay_lsn(). A standby
 * whose replay position has reached the primary's position sampled at t shows
 * every transaction committed before t, so it is at most now - t behind. The
 * newest such t is taken from the samples of this and earlier checks (a ring,
 * on this process's monotonic clock); a standby just behind the sample it was
 * asked about (the primary is busy) is asked again a few times within 75 ms.
 * No sample reached, or none recent enough: lagging. A verdict of lag L
 * measured at time m is still a sound bound later as L + (now - m), and that
 * is what is compared with max_lag.
 *
 * A check runs at most once per second per process, by the first request
 * that finds the verdict stale (others meanwhile use the previous one), and
 * costs one tiny transaction on each database. A standby that is down, not in
 * recovery (promoted) or behind is not used until a later check says
 * otherwise; so one that comes back is used again within a second.
 * Knows nothing of Samspil.
 */
#ifndef SAMSPIL_REPLICA_H
#define SAMSPIL_REPLICA_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"

typedef struct db_replica db_replica;

/* Why a read that could have gone to the standby went to the primary. */
typedef enum db_replica_reason {
    DB_REPLICA_OK = 0,           /* the standby may be read */
    DB_REPLICA_DOWN,             /* no connection, or it broke */
    DB_REPLICA_LAGGING,          /* further behind than max_lag (or unknown how far) */
    DB_REPLICA_NOT_STANDBY,      /* not in recovery: promoted, or pointed at a primary */
    DB_REPLICA_PRIMARY_DOWN,     /* the primary did not say its position */
    DB_REPLICA_FAILED,           /* the read itself failed on the standby */
    DB_REPLICA_REASONS
} db_replica_reason;

/* The name of a reason, for metrics and logs ("down", "lagging", ...). */
const char *db_replica_reason_name(db_replica_reason r);

typedef struct db_replica_stats {
    bool usable;                 /* the current verdict */
    double lag_s;                /* lag of the last check; negative when unknown */
    unsigned long checks;        /* lag checks made */
    unsigned long standby_reads; /* reads served by the standby */
    unsigned long primary_reads; /* reads sent to the primary instead */
    unsigned long fallbacks[DB_REPLICA_REASONS]; /* why, per reason (OK unused) */
    db_pool_stats pool;          /* the standby's connections */
} db_replica_stats;

/* A replica on conninfo with size connections (opened lazily), used while it is at most
 * max_lag_s behind. Registers its statements: call before any pool opens a connection.
 * NULL when out of memory. */
db_replica *db_replica_new(const char *conninfo, unsigned size, double max_lag_s);
/* Closes its connections. All must have been released. NULL is allowed. */
void db_replica_free(db_replica *r);

/* The standby's pool when a read may go there now, else NULL (and the fallback counted,
 * with its reason in *why when why is not NULL). May run the lag check, using primary for
 * the primary's position. */
db_pool *db_replica_choose(db_replica *r, db_pool *primary, db_replica_reason *why);
/* The outcome of a read sent to the pool db_replica_choose gave: served, or not (then it
 * is counted as a fallback; down marks the standby unusable until the next check). */
void db_replica_served(db_replica *r);
void db_replica_failed(db_replica *r, bool down);

void db_replica_get_stats(db_replica *r, db_replica_stats *out);

/* ---- the rule, exposed for tests ---- */

#define DB_REPLICA_SAMPLES 64

/* The primary's flush position at a moment (monotonic seconds). */
typedef struct db_replica_sample {
    double at;
    uint64_t lsn;
} db_replica_sample;

/* "16/B374D848" as a number; false when it is not an LSN. */
bool db_replica_parse_lsn(const char *text, uint64_t *out);
/* The lag bound at time now for a standby replayed up to replay: now minus the time of the
 * newest sample at or below replay; negative when no sample is. samples need not be in
 * order. */
double db_replica_lag(const db_replica_sample *samples, unsigned n, uint64_t replay, double now);

#endif
