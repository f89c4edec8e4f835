/*
 * Staying up: when the database goes away the server answers 503 problems (and /readyz
 * says so) instead of failing or exiting, and recovers by itself when the database is back.
 * A SIGTERM lets requests in flight finish before the server exits with status 0. A kill -9
 * of PostgreSQL under writes loses no acknowledged write and duplicates none.
 *
 * The outage test stops the shared test cluster (it_db_stop) and the readiness test makes
 * the schema look foreign; main() undoes both whatever happened, so a failure here cannot
 * spoil the database for the tests after it.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "it_check.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

typedef struct load_arg {
    const char *token;
    long status;
} load_arg;

static void *load(void *p)
{
    load_arg *a = p;
    it_response *r = it_request("GET", "/api/residents", a->token, NULL, NULL);
    a->status = r->status;
    it_response_free(r);
    return NULL;
}

START_TEST(test_database_outage)
{
    char *t = it_login("clinician@slagelse.demo");
    ck_assert_ptr_nonnull(t);
    /* open several pooled connections, so more than one goes stale in the outage */
    pthread_t th[6];
    load_arg args[6];
    for (int i = 0; i < 6; i++) {
        args[i] = (load_arg){.token = t};
        pthread_create(&th[i], NULL, load, &args[i]);
    }
    for (int i = 0; i < 6; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(args[i].status, 200);
    }

    ck_assert_msg(it_db_stop(), "could not stop the test cluster (TEST_PGDATA?)");

    /* every request that needs the database: a clean 503, never a 500 */
    for (int i = 0; i < 8; i++) {
        const char *path = i % 2 ? "/api/residents" : "/api/me";
        it_response *r = it_request("GET", path, t, NULL, NULL);
        IT_ASSERT_PROBLEM(r, 503, "database-unavailable");
        char *ra = it_header(r, "Retry-After");
        ck_assert_msg(ra != NULL, "503 without Retry-After");
        free(ra);
        it_response_free(r);
    }
    it_response *r = it_request("POST", "/api/auth/login", NULL,
                                "{\"email\":\"staff@engen.demo\",\"password\":\"demo-password\"}",
                                NULL);
    IT_ASSERT_PROBLEM(r, 503, NULL);
    it_response_free(r);
    r = it_request("GET", "/readyz", NULL, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 503, NULL);
    it_response_free(r);
    /* the process itself is alive and says so */
    r = it_request("GET", "/healthz", NULL, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);
    ck_assert_int_eq(kill(it_server_pid(), 0), 0);

    ck_assert_msg(it_db_start(), "could not start the test cluster again");

    /* back within a few seconds, without a restart */
    double deadline = now_s() + 15;
    long status = 0;
    while (now_s() < deadline) {
        r = it_request("GET", "/api/me", t, NULL, NULL);
        status = r->status;
        ck_assert_msg(status == 200 || status == 503, "status %ld while recovering: %s", status,
                      r->body);
        it_response_free(r);
        if (status == 200)
            break;
        sleep_ms(200);
    }
    ck_assert_msg(status == 200, "no recovery within 15 s");
    r = it_request("GET", "/readyz", NULL, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);
    /* and it stays recovered: no stale pooled connection fails a later request */
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 6; i++) {
            args[i] = (load_arg){.token = t};
            pthread_create(&th[i], NULL, load, &args[i]);
        }
        for (int i = 0; i < 6; i++) {
            pthread_join(th[i], NULL);
            ck_assert_msg(args[i].status == 200, "after recovery: status %ld", args[i].status);
        }
    }
    char *t2 = it_login("staff@engen.demo");
    ck_assert_ptr_nonnull(t2);
    free(t2);
    free(t);
}
END_TEST

/* A quick database restart (a fail-over, a minor upgrade) that no request saw happen: the
 * pooled connections are all dead, yet no user should get an error for it afterwards. */
START_TEST(test_quick_restart_goes_unnoticed)
{
    char *t = it_login("staff@engen.demo");
    ck_assert_ptr_nonnull(t);
    pthread_t th[6];
    load_arg args[6];
    for (int i = 0; i < 6; i++) {
        args[i] = (load_arg){.token = t};
        pthread_create(&th[i], NULL, load, &args[i]);
    }
    for (int i = 0; i < 6; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(args[i].status, 200);
    }
    ck_assert(it_db_stop());
    ck_assert(it_db_start());
    for (int i = 0; i < 6; i++) {
        it_response *r = it_request("GET", i % 2 ? "/api/me" : "/api/residents", t, NULL, NULL);
        ck_assert_msg(r->status == 200, "request %d after the restart: %ld %s", i, r->status,
                      r->body);
        it_response_free(r);
    }
    for (int i = 0; i < 6; i++) {
        args[i] = (load_arg){.token = t};
        pthread_create(&th[i], NULL, load, &args[i]);
    }
    for (int i = 0; i < 6; i++) {
        pthread_join(th[i], NULL);
        ck_assert_msg(args[i].status == 200, "concurrent request after the restart: %ld",
                      args[i].status);
    }
    free(t);
}
END_TEST

#define PROBE_MIGRATION "9999_it_resilience_probe"

static void remove_probe_migration(void)
{
    PGconn *db = it_db_owner();
    PQclear(PQexec(db, "DELETE FROM schema_migrations WHERE version = '" PROBE_MIGRATION "'"));
    PQfinish(db);
}

/* A database migrated past this build under a running server (a rolling upgrade's first step)
 * keeps it ready and says so; behind it, or with a changed migration, it is not ready. */
START_TEST(test_schema_mismatch_is_not_ready)
{
    PGconn *db = it_db_owner();
    PGresult *res = PQexec(db, "INSERT INTO schema_migrations (version, checksum) VALUES ('"
                               PROBE_MIGRATION "', 'x')");
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    it_response *r = it_request("GET", "/readyz", NULL, NULL, NULL);
    remove_probe_migration(); /* before asserting: a failure must not leave it behind */
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "schema"), "newer");
    it_response_free(r);

    /* the newest applied migration's checksum changed: a migration differs */
    res = PQexec(db, "UPDATE schema_migrations SET checksum = 'changed-' || checksum "
                     "WHERE version = (SELECT max(version) FROM schema_migrations)");
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    r = it_request("GET", "/readyz", NULL, NULL, NULL);
    res = PQexec(db, "UPDATE schema_migrations SET checksum = substr(checksum, 9) "
                     "WHERE version = (SELECT max(version) FROM schema_migrations)");
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    IT_ASSERT_PROBLEM(r, 503, "schema-mismatch");
    it_response_free(r);

    /* the newest migration's row away: the database is behind this build (put back before
     * asserting) */
    res = PQexec(db, "CREATE TEMP TABLE newest AS SELECT * FROM schema_migrations "
                     "WHERE version = (SELECT max(version) FROM schema_migrations)");
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    res = PQexec(db, "DELETE FROM schema_migrations WHERE version = (SELECT version FROM newest)");
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    r = it_request("GET", "/readyz", NULL, NULL, NULL);
    res = PQexec(db, "INSERT INTO schema_migrations SELECT * FROM newest");
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    IT_ASSERT_PROBLEM(r, 503, "schema-mismatch");
    ck_assert_ptr_nonnull(strstr(r->body, "lacks migrations"));
    it_response_free(r);
    PQfinish(db);

    r = it_request("GET", "/readyz", NULL, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "schema"), "current");
    it_response_free(r);
}
END_TEST

/* SIGTERM while a log-in is on its way in: it is still read, handled and answered. */
START_TEST(test_graceful_shutdown)
{
    /* a server of this test's own, so its exit status can be waited for here */
    it_server_start(NULL);
    const char *body = "{\"email\":\"staff@skoven.demo\",\"password\":\"demo-password\"}";
    char head[512];
    snprintf(head, sizeof head,
             "POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
             strlen(body));
    int fd = it_raw_connect();
    ck_assert_int_ge(fd, 0);
    ck_assert(it_raw_send(fd, head, strlen(head)));
    ck_assert(it_raw_send(fd, body, 10));
    sleep_ms(300); /* the headers have arrived: the request is in flight */

    /* an idle keep-alive connection must not hold the shutdown up */
    it_client *idle = it_client_new();
    it_response *r = it_client_request(idle, "GET", "/healthz", NULL, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);

    double t0 = now_s();
    ck_assert_int_eq(kill(it_server_pid(), SIGTERM), 0);
    sleep_ms(300);
    ck_assert(it_raw_send(fd, body + 10, strlen(body) - 10));
    r = it_raw_read(fd, 10000);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_ptr_nonnull(it_json_str(r, "token"));
    it_response_free(r);
    close(fd);

    int rc = it_server_stop();
    ck_assert_msg(rc == 0, "the server exited with status %d", rc);
    ck_assert_msg(now_s() - t0 < 5, "shutdown took %.1f s", now_s() - t0);
    it_client_free(idle);
}
END_TEST

/* ---- PostgreSQL killed under writes (issue 9) ---- */

#define WRITERS 4

typedef struct writer {
    const char *token, *prefix;
    const char *resident;    /* whose conversations are logged */
    char occurred_at[32];    /* when: an hour ago (after the demo's, which sort first) */
    int id;
    bool conversations;      /* log conversations with a note; else create residents */
    volatile bool *stop;
    int acked;               /* writes acknowledged (201), in order: prefix-wID-0.. */
    int unavailable, failed; /* 503 answers; requests that got no answer */
    long odd;                /* another status: the test fails */
} writer;

/* Writes one thing after another, each with its own Idempotency-Key, retrying a request with
 * the same key until it is acknowledged, as a client should: residents, or conversations with
 * a clinical note (two rows and an audit row in one transaction). */
static void *write_loop(void *p)
{
    writer *w = p;
    while (!*w->stop && !w->odd) {
        char key[160], hdr[200], body[600];
        snprintf(key, sizeof key, "%s-w%d-%d", w->prefix, w->id, w->acked);
        snprintf(hdr, sizeof hdr, "Idempotency-Key: %s", key);
        if (w->conversations)
            snprintf(body, sizeof body,
                     "{\"resident_id\": \"%s\", \"occurred_at\": \"%s\", "
                     "\"kind\": \"phone\", \"outcome\": \"held\", "
                     "\"clinical_note\": \"Kill %s\"}",
                     w->resident, w->occurred_at, key);
        else
            snprintf(body, sizeof body,
                     "{\"name\": \"Kill %s\", \"date_of_birth\": \"1990-05-01\", \"facility_id\": \""
                     IT_FACILITY_ENGEN "\"}", key);
        const char *path = w->conversations ? "/api/conversations" : "/api/residents";
        const char *h[] = {hdr, NULL};
        for (;;) {
            it_response *r = it_request("POST", path, w->token, body, h);
            long st = r->status;
            it_response_free(r);
            if (st == 201) {
                w->acked++;
                sleep_ms(20);
                break;
            }
            if (st == 503)
                w->unavailable++;
            else if (st == 0)
                w->failed++;
            else {
                w->odd = st;
                break;
            }
            sleep_ms(100);
        }
    }
    return NULL;
}

static void writers_start(writer *w, pthread_t *th, const char *token, const char *prefix,
                          const char *resident, volatile bool *stop)
{
    bool conversations = resident != NULL;
    for (int i = 0; i < WRITERS; i++) {
        w[i] = (writer){.token = token, .prefix = prefix, .resident = resident, .id = i,
                        .conversations = conversations, .stop = stop};
        time_t hour_ago = time(NULL) - 3600;
        struct tm tm;
        gmtime_r(&hour_ago, &tm);
        strftime(w[i].occurred_at, sizeof w[i].occurred_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
        pthread_create(&th[i], NULL, write_loop, &w[i]);
    }
}

static int writers_acked(const writer *w)
{
    int n = 0;
    for (int i = 0; i < WRITERS; i++)
        n += w[i].acked;
    return n;
}

/* Waits (at most 20 s) until the writers have had at least want writes acknowledged. */
static void writers_await(const writer *w, int want)
{
    double deadline = now_s() + 20;
    while (writers_acked(w) < want && now_s() < deadline)
        sleep_ms(200);
}

/* Stops and joins the writers; sums what they saw. Fails on a status no write should get. */
static void writers_stop(writer *w, pthread_t *th, volatile bool *stop, int *acked,
                         int *unavailable, int *failed)
{
    *stop = true;
    *acked = *unavailable = *failed = 0;
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(th[i], NULL);
        ck_assert_msg(w[i].odd == 0, "writer %d got status %ld", i, w[i].odd);
        *acked += w[i].acked;
        *unavailable += w[i].unavailable;
        *failed += w[i].failed;
    }
}

static long postmaster_pid(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/postmaster.pid", getenv("TEST_PGDATA"));
    FILE *f = fopen(path, "r");
    long pid = 0;
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return pid;
}

/* kill -9 of the postmaster while four clients write: every acknowledged write exists exactly
 * once with its audit row, retries with the same key never duplicate, the server answers 503
 * meanwhile and recovers after crash recovery without being restarted. */
START_TEST(test_database_killed_under_writes_loses_nothing)
{
    ck_assert_ptr_nonnull(getenv("TEST_PGDATA"));
    /* production durability for this test: the throwaway test cluster runs with
     * synchronous_commit off, which loses acknowledged commits still in WAL buffers when the
     * postmaster dies (a reload applies it to the server's open connections too) */
    PGconn *own = it_db_owner();
    free(it_db_value(own, "ALTER SYSTEM SET synchronous_commit = on"));
    free(it_db_value(own, "SELECT pg_reload_conf()"));
    PQfinish(own);
    sleep_ms(300);
    char *t = it_login("clinician@slagelse.demo");
    char *prefix = it_unique("k9");
    volatile bool stop = false;
    writer w[WRITERS];
    pthread_t th[WRITERS];
    writers_start(w, th, t, prefix, NULL, &stop);
    sleep_ms(1500);
    long pid = postmaster_pid();
    ck_assert_int_gt(pid, 0);
    ck_assert_int_eq(kill((pid_t)pid, SIGKILL), 0);
    sleep_ms(1500); /* the backends notice their postmaster is gone and exit */
    /* until the killed postmaster is reaped, its lock file still names a live process */
    bool started = false;
    for (int i = 0; i < 20 && !started; i++) {
        started = it_db_start();
        if (!started)
            sleep_ms(500);
    }
    ck_assert_msg(started, "the cluster did not start again after kill -9");
    int before = writers_acked(w);
    writers_await(w, before + 2 * WRITERS); /* writing again after recovery */
    int acked, unavailable, failed;
    writers_stop(w, th, &stop, &acked, &unavailable, &failed);
    fprintf(stderr, "kill -9 under writes: %d acknowledged, %d answers 503, %d without answer\n",
            acked, unavailable, failed);
    ck_assert_msg(acked >= before + 2 * WRITERS, "writes did not resume after recovery");
    ck_assert_msg(unavailable > 0, "no 503 while the database was down");
    ck_assert_int_eq(kill(it_server_pid(), 0), 0); /* the same server process */

    PGconn *db = it_db_owner();
    char like[200];
    snprintf(like, sizeof like, "Kill %s-%%", prefix);
    const char *p[] = {like};
    /* exactly the acknowledged ones, each once (in flight when stopped: none, each loop
     * ends acknowledged), each with one audit row of its creation */
    char *n = it_db_value_params(db, "SELECT count(*) FROM residents WHERE name LIKE $1", 1, p);
    char *d = it_db_value_params(db,
                                 "SELECT count(*) FROM (SELECT name FROM residents WHERE name LIKE $1 "
                                 "GROUP BY name HAVING count(*) > 1) x",
                                 1, p);
    char *a = it_db_value_params(db,
                                 "SELECT count(*) FROM residents r WHERE r.name LIKE $1 AND "
                                 "(SELECT count(*) FROM audit_log l WHERE l.action = 'create' AND "
                                 "l.resource_type = 'resident' AND l.resource_id = r.id::text) = 1",
                                 1, p);
    /* the residents made here would crowd the lists of the tests after this one */
    free(it_db_value_params(db, "DELETE FROM residents WHERE name LIKE $1", 1, p));
    char *left = it_db_value_params(db, "SELECT count(*) FROM residents WHERE name LIKE $1", 1, p);
    ck_assert_str_eq(left, "0");
    free(left);
    free(it_db_value(db, "ALTER SYSTEM RESET synchronous_commit"));
    free(it_db_value(db, "SELECT pg_reload_conf()"));
    PQfinish(db);
    ck_assert_int_eq(atoi(n), acked);
    ck_assert_str_eq(d, "0");
    ck_assert_int_eq(atoi(a), acked);
    free(a);
    free(d);
    free(n);
    free(prefix);
    free(t);
}
END_TEST

/* ---- the server killed under writes (issue 9) ---- */

/* kill -9 of the server while four clients write: nothing half-written (every conversation
 * has its note and its audit row), no key left claimed by the dead process, and the retries
 * against a new server complete every write exactly once. */
START_TEST(test_server_killed_under_writes_leaves_nothing_half_written)
{
    /* a server of this test's own (the tests run forked: main()'s is not this process's
     * child), so it can be killed, reaped and replaced here */
    const char *env[] = {"RATE_LIMIT_PER_MINUTE=1000000", NULL};
    it_server_start(env);
    char *t = it_login("clinician@slagelse.demo");
    char *prefix = it_unique("s9");
    volatile bool stop = false;
    writer w[WRITERS];
    pthread_t th[WRITERS];
    /* a resident of its own: the hundreds of conversations are nobody else's test data */
    char *resident = it_new_resident(t, "Kill ", "1980-01-01");
    writers_start(w, th, t, prefix, resident, &stop);
    sleep_ms(1500);
    int before = writers_acked(w);
    ck_assert_msg(before > 0, "no write was acknowledged before the kill");
    ck_assert_int_eq(kill(it_server_pid(), SIGKILL), 0);
    int rc = it_server_stop(); /* reaps it */
    ck_assert_int_eq(rc, 128 + SIGKILL);
    sleep_ms(300);

    /* what the dead server left: rows of committed transactions only */
    PGconn *db = it_db_owner();
    char like[200];
    snprintf(like, sizeof like, "Kill %s-%%", prefix);
    const char *p[] = {like};
    const char *orphans =
        "SELECT count(*) FROM conversations c WHERE c.resident_id = $1 "
        "AND (NOT EXISTS (SELECT 1 FROM "
        "conversation_notes n WHERE n.conversation_id = c.id) OR (SELECT count(*) FROM audit_log l "
        "WHERE l.action = 'create' AND l.resource_type = 'conversation' AND "
        "l.resource_id = c.id::text) <> 1)";
    const char *rp[] = {resident};
    char *o = it_db_value_params(db, orphans, 1, rp);
    ck_assert_str_eq(o, "0");
    free(o);
    /* a key is claimed in the transaction of its write: none stays claimed without answer */
    char *pending = it_db_value_params(db,
                                       "SELECT count(*) FROM idempotency_keys WHERE key LIKE $1 "
                                       "AND status IS NULL",
                                       1, (const char *[]){prefix});
    ck_assert_str_eq(pending, "0");
    free(pending);

    it_server_start(env);
    writers_await(w, before + 2 * WRITERS);
    int acked, unavailable, unanswered;
    writers_stop(w, th, &stop, &acked, &unavailable, &unanswered);
    fprintf(stderr, "kill -9 of the server: %d acknowledged (%d before), %d requests unanswered\n",
            acked, before, unanswered);
    ck_assert_msg(acked >= before + 2 * WRITERS, "writes did not resume on the new server");
    ck_assert_msg(unanswered > 0, "no request went unanswered while no server ran");
    ck_assert_msg(unavailable == 0, "%d answers 503 with the database up", unavailable);

    char *n = it_db_value_params(db,
                                 "SELECT count(*) FROM conversation_notes WHERE body LIKE $1", 1, p);
    char *d = it_db_value_params(db,
                                 "SELECT count(*) FROM (SELECT body FROM conversation_notes WHERE "
                                 "body LIKE $1 GROUP BY body HAVING count(*) > 1) x",
                                 1, p);
    o = it_db_value_params(db, orphans, 1, rp);
    PQfinish(db);
    ck_assert_int_eq(atoi(n), acked);
    ck_assert_str_eq(d, "0");
    ck_assert_str_eq(o, "0");
    free(o);
    free(d);
    free(n);
    free(prefix);
    free(resident);
    free(t);
    ck_assert_int_eq(it_server_stop(), 0);
}
END_TEST

int main(void)
{
    /* four writers as fast as they can: above the per-address request limit otherwise */
    const char *env[] = {"RATE_LIMIT_PER_MINUTE=1000000", NULL};
    it_server_start(env);
    Suite *s = suite_create("resilience");
    TCase *tc = tcase_create("resilience");
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, test_database_outage);
    tcase_add_test(tc, test_quick_restart_goes_unnoticed);
    tcase_add_test(tc, test_schema_mismatch_is_not_ready);
    tcase_add_test(tc, test_database_killed_under_writes_loses_nothing);
    tcase_add_test(tc, test_server_killed_under_writes_leaves_nothing_half_written);
    tcase_add_test(tc, test_graceful_shutdown);
    suite_add_tcase(s, tc);
    int rc = it_run_suite(s);
    /* whatever happened above, leave the database running for the next test program */
    it_db_start();
    remove_probe_migration();
    return rc;
}
