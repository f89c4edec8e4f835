/*
 * Two servers, one database (issue 12): the failed log-ins are counted in PostgreSQL (0067),
 * so guesses spread over the servers behind a proxy lock exactly as on one server. Both
 * servers run with LOGIN_MAX_FAILURES=5 and LOGIN_MAX_FAILURES_PER_ADDRESS=8; every test
 * sends from loopback addresses of its own and uses accounts of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "it_check.h"

static it_server *second;

static it_response *login_on(const it_server *srv, const char *email, const char *password)
{
    json_t *o = json_pack("{s:s, s:s}", "email", email, "password", password);
    char *b = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    it_use_server(srv);
    it_response *r = it_request("POST", "/api/auth/login", NULL, b, NULL);
    it_use_server(NULL);
    free(b);
    return r;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *fresh_account(char **email)
{
    it_set_source_address(NULL);
    char *admin = it_login("admin@samspil.demo");
    ck_assert_ptr_nonnull(admin);
    char *id = it_create_user(admin, "facility_staff", IT_FACILITY_SKOVEN, "the-password-1",
                              email);
    free(admin);
    return id;
}

/* Five wrong passwords, first, second, first, ... server: locked on both, as on one. */
START_TEST(test_five_failures_over_two_servers_lock)
{
    char *email = NULL;
    char *id = fresh_account(&email);
    it_set_source_address("127.0.0.31");
    for (int i = 0; i < 5; i++) {
        it_response *r = login_on(i % 2 ? second : NULL, email, "not-the-password");
        IT_ASSERT_PROBLEM(r, 401, "invalid-credentials");
        it_response_free(r);
    }
    for (int s = 0; s < 2; s++) {
        it_response *r = login_on(s ? second : NULL, email, "the-password-1");
        IT_ASSERT_PROBLEM(r, 429, "too-many-attempts");
        char *ra = it_header(r, "Retry-After");
        ck_assert_ptr_nonnull(ra);
        long secs = strtol(ra, NULL, 10);
        ck_assert_msg(secs >= 1 && secs <= 15 * 60, "Retry-After: %s", ra);
        free(ra);
        it_response_free(r);
    }
    /* the owner elsewhere gets in on either server, slowed as the account's failures say */
    it_set_source_address("127.0.0.32");
    double t0 = now_s();
    it_response *r = login_on(second, email, "the-password-1");
    double took = now_s() - t0;
    IT_ASSERT_STATUS(r, 200);
    ck_assert_msg(took >= 0.95, "five failures on two servers, answered after %.2f s", took);
    it_response_free(r);
    free(id);
    free(email);
}
END_TEST

/* Spraying accounts from one address over both servers: refused after eight in all. */
START_TEST(test_address_limit_is_shared)
{
    it_set_source_address("127.0.0.33");
    for (int i = 0; i < 8; i++) {
        char *local = it_unique("spray");
        char email[300];
        snprintf(email, sizeof email, "%s@test.demo", local);
        it_response *r = login_on(i % 2 ? second : NULL, email, "guess-password");
        IT_ASSERT_PROBLEM(r, 401, "invalid-credentials");
        it_response_free(r);
        free(local);
    }
    for (int s = 0; s < 2; s++) {
        it_response *r = login_on(s ? second : NULL, "staff@engen.demo", "demo-password");
        IT_ASSERT_PROBLEM(r, 429, "too-many-attempts");
        it_response_free(r);
    }
}
END_TEST

/* A success on one server clears the count the other server made: without that, the last
 * attempt of the second round would follow five failures of the pair and be refused. */
START_TEST(test_success_on_one_server_resets_the_other)
{
    char *email = NULL;
    char *id = fresh_account(&email);
    it_set_source_address("127.0.0.34");
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 3; i++) {
            it_response *r = login_on(NULL, email, "typo-password");
            IT_ASSERT_PROBLEM(r, 401, "invalid-credentials");
            it_response_free(r);
        }
        it_response *r = login_on(second, email, "the-password-1");
        IT_ASSERT_STATUS(r, 200);
        it_response_free(r);
    }
    free(id);
    free(email);
}
END_TEST

/* The application role reaches the counts only through the functions of 0067, and what is
 * stored names no e-mail address. */
START_TEST(test_counts_are_out_of_the_app_roles_reach)
{
    char *local = it_unique("stored");
    char email[300];
    snprintf(email, sizeof email, "%s@test.demo", local);
    it_set_source_address("127.0.0.35");
    it_response *r = login_on(second, email, "guess-password");
    IT_ASSERT_STATUS(r, 401);
    it_response_free(r);

    PGconn *app_db = it_db_app();
    const char *sqls[] = {"SELECT count(*) FROM login_failures",
                          "DELETE FROM login_failures",
                          "INSERT INTO login_failures VALUES ('ip:1.2.3.4', now(), 1)"};
    for (size_t i = 0; i < sizeof sqls / sizeof sqls[0]; i++) {
        PGresult *res = PQexec(app_db, sqls[i]);
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        ck_assert_msg(state && strcmp(state, "42501") == 0, "%s: %s", sqls[i],
                      state ? state : "allowed");
        PQclear(res);
    }
    PQfinish(app_db);

    PGconn *owner = it_db_owner();
    char *n = it_db_value(owner, "SELECT count(*) FROM login_failures "
                                 "WHERE key IN ('ip:127.0.0.35') OR key LIKE 'p:%:127.0.0.35'");
    ck_assert_str_eq(n, "2");
    free(n);
    const char *p[] = {local};
    n = it_db_value_params(owner,
                           "SELECT count(*) FROM login_failures WHERE key LIKE '%' || $1 || '%'",
                           1, p);
    ck_assert_str_eq(n, "0");
    free(n);
    PQfinish(owner);
    free(local);
}
END_TEST

int main(void)
{
    const char *env[] = {"LOGIN_MAX_FAILURES=5", "LOGIN_MAX_FAILURES_PER_ADDRESS=8", NULL};
    it_server_start(env);
    second = it_server_start_another(env);
    Suite *s = suite_create("login_limit_shared");
    TCase *tc = tcase_create("two servers");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_five_failures_over_two_servers_lock);
    tcase_add_test(tc, test_address_limit_is_shared);
    tcase_add_test(tc, test_success_on_one_server_resets_the_other);
    tcase_add_test(tc, test_counts_are_out_of_the_app_roles_reach);
    suite_add_tcase(s, tc);
    int rc = it_run_suite(s);
    int rc2 = it_server_stop_another(second);
    if (rc2 != 0)
        fprintf(stderr, "it: the second server exited with status %d\n", rc2);
    return rc == EXIT_SUCCESS && rc2 == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
