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
    long connects;   /* connections curl opened for this request (0: an old one was reused) */
} it_response;

/* Starts the server on a free port (extra_env: "NAME=value" strings, NULL-terminated, may be
 * NULL) and waits until /healthz answers. Aborts the test run when it does not start. The
 * failed log-ins earlier test binaries left in the database are forgotten first. */
void it_server_start(const char *const *extra_env);
/* SIGTERM, wait; returns the exit status (or 128+signal). */
int it_server_stop(void);
/* Another server process on the same database and a port of its own (for what servers
 * must share), started like the first; it_use_server sends this process's requests to it
 * (NULL: back to the first). Stopped (SIGTERM, waited for; its exit status returned, the
 * handle freed) by it_server_stop_another. */
typedef struct it_server it_server;
it_server *it_server_start_another(const char *const *extra_env);
void it_use_server(const it_server *s);
int it_server_stop_another(it_server *s);
/* The running (first) server's pid and base URL ("http://127.0.0.1:PORT"). */
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
/* Logs in with any e-mail and password; the token (malloc'd) or NULL when refused. */
char *it_login_as(const char *email, const char *password);

/* Sends the requests of this process from another loopback address (e.g. "127.0.0.2"), so
 * per-address limits hit by one test do not touch another; NULL returns to the default. */
void it_set_source_address(const char *ip);

/* A client that keeps its connection open between requests (keep-alive). */
typedef struct it_client it_client;
it_client *it_client_new(void);
it_response *it_client_request(it_client *c, const char *method, const char *path,
                               const char *token, const char *body, const char *const *headers);
void it_client_free(it_client *c);

/* A string member of the JSON body (borrowed) or NULL. */
const char *it_json_str(const it_response *r, const char *key);

/* Whether r is an RFC 9457 problem with this status (and code, unless NULL): Content-Type
 * application/problem+json, type "/problems/<code>", title, status, detail, request_id equal
 * to X-Request-Id and, when present, errors [{field, reason}]. On false, why says what is
 * wrong. tests/integration/support/it_check.h wraps it in a Check assertion. */
bool it_problem_ok(const it_response *r, long status, const char *code, char *why,
                   size_t why_len);
/* Whether the problem r has an errors entry naming field. */
bool it_problem_has_field(const it_response *r, const char *field);

/* A string unique to this run and process, starting with prefix (malloc'd). */
char *it_unique(const char *prefix);

/* A new resident at Engen (F-ACT Slagelse) with Engen's staff member as contact person, created
 * through the API by the caller of token (a Slagelse clinician or Engen's staff), named
 * it_unique(name_prefix), born date_of_birth (YYYY-MM-DD); asserts 201. The id, malloc'd. */
char *it_new_resident(const char *token, const char *name_prefix, const char *date_of_birth);

/* The admin creates an account (role, org_id; password may be NULL) with a fresh e-mail.
 * Returns the new user's id (malloc'd) and, when email_out is not NULL, its e-mail
 * (malloc'd). Aborts the test run when the server refuses. */
char *it_create_user(const char *admin_token, const char *role, const char *org_id,
                     const char *password, char **email_out);

/* Signed JWTs for tests: claims is a JSON object text. HS256 with key (NULL: JWT_SECRET from
 * the environment); RS256 with a PEM private key file. malloc'd, NULL on failure. */
char *it_jwt_hs256(const char *claims, const char *key, size_t key_len);
char *it_jwt_rs256(const char *claims, const char *private_pem_file);
/* A token with any header and payload (JSON texts) and signature (raw bytes, may be empty),
 * base64url-encoded as given: for alg:none and other malformed tokens. malloc'd. */
char *it_jwt_raw(const char *header, const char *payload, const unsigned char *sig,
                 size_t sig_len);

/* Raw HTTP over a plain socket to the running server, for what libcurl will not send
 * (partial bodies, conflicting framing headers). it_raw_connect returns a connected socket
 * or -1; it_raw_read reads one response (headers and a Content-Length body), or returns a
 * response with status 0 when none arrived within timeout_ms. */
int it_raw_connect(void);
bool it_raw_send(int fd, const char *data, size_t len);
it_response *it_raw_read(int fd, int timeout_ms);

/* Direct connections: DATABASE_URL (application role) and DATABASE_MIGRATE_URL (owner). */
PGconn *it_db_app(void);
PGconn *it_db_owner(void);
/* Runs sql on c and returns the first column of the first row (malloc'd) or NULL. */
char *it_db_value(PGconn *c, const char *sql);
/* As it_db_value with text parameters $1..$n. */
char *it_db_value_params(PGconn *c, const char *sql, int n, const char *const *params);

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
