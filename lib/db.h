/*
 * db: the libpq connection pool and the one transaction runner.
 *
 * Every statement is registered once (db_register) and prepared when a
 * connection opens. A transaction runs in pipeline mode: BEGIN, the
 * caller's identity statement and the first query travel in one round
 * trip; statements queued with db_queue (audit rows) travel with COMMIT.
 * A lost connection is dropped and re-opened on a later request; while the
 * database is down db_run returns DB_UNAVAILABLE and the server stays up.
 */
#ifndef SAMSPIL_DB_H
#define SAMSPIL_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct db_stmt {
    const char *name; /* unique across the program */
    const char *sql;  /* parameterised with $1, $2, ... */
} db_stmt;

typedef struct db_pool db_pool;
typedef struct db_tx db_tx;

typedef enum db_status {
    DB_OK = 0,
    DB_UNAVAILABLE, /* no connection could be had: map to 503 */
    DB_FAILED,      /* a statement failed: see db_error */
} db_status;

typedef struct db_error {
    char sqlstate[6];   /* "23505", or "" for connection problems */
    char message[256];  /* server message: for logs only, never for clients */
    char detail[256];   /* DETAIL: for app errors (class SA) the rule code */
    char hint[128];     /* HINT: for app errors the field name */
    char constraint[64]; /* the constraint violated, when one was */
    char table[64];      /* the table of a constraint violation, when told */
    char column[64];     /* the column of a not-null violation, when told */
} db_error;

typedef enum db_outcome {
    DB_COMMIT,
    DB_ROLLBACK,
} db_outcome;

/* A transaction body. It may run more than once (a serialisation failure is retried), so it
 * must reset whatever it writes into ctx. It never sends an HTTP response. */
typedef db_outcome (*db_tx_fn)(db_tx *tx, void *ctx);

/* The statement that opens every transaction (sets the caller's identity). */
typedef struct db_begin {
    const char *stmt;
    int nparams;
    const char *const *params;
} db_begin;

/* Registers statements (static storage; not copied). Call before db_pool_new. */
void db_register(const db_stmt *stmts, size_t n);

/* Creates a pool of size connections, opened lazily. Returns NULL when out of memory. */
db_pool *db_pool_new(const char *conninfo, unsigned size);
/* Closes every connection. All must have been released. */
void db_pool_free(db_pool *p);
/* Opens one connection and prepares every statement: false (with the reason in err) when the
 * database is unreachable or a statement does not prepare. Used at start-up. */
bool db_pool_check(db_pool *p, db_error *err);

typedef struct db_pool_stats {
    unsigned size, in_use, connected;
    unsigned long acquired, waited, timeouts, reconnects, failures;
} db_pool_stats;
void db_pool_get_stats(db_pool *p, db_pool_stats *out);

/* Runs fn in one transaction opened with begin (may be NULL). Commits when fn returns
 * DB_COMMIT and every statement succeeded, rolls back otherwise. err may be NULL. */
db_status db_run(db_pool *p, const db_begin *begin, db_tx_fn fn, void *ctx, db_error *err);

/* Runs a registered statement and waits for its result. The result is owned by the transaction
 * (freed when db_run returns); NULL when it (or an earlier statement) failed, after which
 * the transaction is rolled back. */
PGresult *db_exec(db_tx *tx, const char *stmt, int nparams, const char *const *params);
/* The same with some parameters in binary (formats[i] 1, lengths[i] bytes; PQexecParams'
 * conventions): for large arrays PostgreSQL need not parse as text. */
PGresult *db_exec_binary(db_tx *tx, const char *stmt, int nparams, const char *const *params,
                         const int *lengths, const int *formats);
/* Queues a statement whose result is only checked at commit (e.g. an audit row). */
bool db_queue(db_tx *tx, const char *stmt, int nparams, const char *const *params);
/* The first error of the transaction so far, or NULL. */
const db_error *db_tx_error(const db_tx *tx);

/* Helpers on results: the value or NULL for SQL NULL; row count. */
const char *db_val(const PGresult *r, int row, int col);
const char *db_get(const PGresult *r, int row, const char *col);
/* The number of the column named col in r (-1 if none), as PQfnumber, remembered per thread. */
int db_col(const PGresult *r, const char *col);
int db_rows(const PGresult *r);
/* Whether a column is timestamptz, and its text as RFC 3339 (the pool's sessions run in UTC,
 * so "2026-11-23 12:14:43.5+00" becomes "2026-11-23T12:14:43.5Z"). db_rfc3339 returns the
 * length written, 0 when out is too small. */
bool db_is_timestamptz(const PGresult *r, int col);
size_t db_rfc3339(const char *pg, char *out, size_t len);

#endif
