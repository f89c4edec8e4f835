/*
 * it: support for integration tests. Starts the real samspil binary against
 * the real database that ./dev test prepared (DATABASE_URL etc. in the
 * environment), talks HTTP to it with libcurl, and opens direct database
 * connections (as the application role or the owner) for SQL-level checks.
 */
#ifndef SAMSPIL_IT_H
#define SAMSPIL_IT_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

typedef struct it_response {
    long status;
    char *body;      /* NUL-terminated */
    size_t body_len;
    char *headers;   /* raw header block of the final response */
    json_t *json;    /* parsed body, or NULL when not JSON */
} it_response;

/* Starts the server on a free port (extra_env: "NAME=value" strings, NULL-terminated, may be
 * NULL) and waits until /healthz answers. Aborts the test run when it does not start. */
void it_server_start(const char *const *extra_env);
/* SIGTERM, wait; returns the exit status (or 128+signal). */
int it_server_stop(void);
/* The running server's pid and base URL ("http://127.0.0.1:PORT"). */
int it_server_pid(void);
const char *it_base_url(void);

/* One request. token may be NULL; body may be NULL; headers is a NULL-terminated list of
 * "Name: value" strings or NULL. JSON bodies get Content-Type: application/json unless a
 * Content-Type is in headers. */
it_response *it_request(const char *method, const char *path, const char *token,
                        const char *body, const char *const *headers);
void it_response_free(it_response *r);
/* A response header's value (malloc'd, caller frees) or NULL. Case-insensitive. */
char *it_header(const it_response *r, const char *name);

/* Logs in a demo user (password demo-password) and returns the token (malloc'd). */
char *it_login(const char *email);

/* Direct connections: DATABASE_URL (application role) and DATABASE_MIGRATE_URL (owner). */
PGconn *it_db_app(void);
PGconn *it_db_owner(void);
/* Runs sql on c and returns the first column of the first row (malloc'd) or NULL. */
char *it_db_value(PGconn *c, const char *sql);

/* Stops or starts the test cluster (needs TEST_PGDATA; returns false when not available). */
bool it_db_stop(void);
bool it_db_start(void);

/* Demo ids (the SQL files in server/demo). */
#define IT_TEAM_SLAGELSE "10000000-0000-4000-8000-000000000001"
#define IT_TEAM_HOLBAEK "10000000-0000-4000-8000-000000000002"
#define IT_FACILITY_ENGEN "20000000-0000-4000-8000-000000000001"
#define IT_FACILITY_SKOVEN "20000000-0000-4000-8000-000000000002"
#define IT_USER_ADMIN "30000000-0000-4000-8000-000000000001"
#define IT_USER_CLINICIAN_SLAGELSE "30000000-0000-4000-8000-000000000002"
#define IT_USER_CLINICIAN_HOLBAEK "30000000-0000-4000-8000-000000000003"
#define IT_USER_MANAGER_SLAGELSE "30000000-0000-4000-8000-000000000004"
#define IT_USER_STAFF_ENGEN "30000000-0000-4000-8000-000000000005"
#define IT_USER_STAFF_SKOVEN "30000000-0000-4000-8000-000000000006"
#define IT_USER_MANAGER_ENGEN "30000000-0000-4000-8000-000000000007"
#define IT_RESIDENT_ENGEN_1 "40000000-0000-4000-8000-000000000001"
#define IT_RESIDENT_SKOVEN_1 "40000000-0000-4000-8000-000000000011"

#endif
