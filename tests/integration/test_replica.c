/*
 * DATABASE_REPLICA_URL that cannot be read: a URL naming the primary itself (not a standby,
 * as after a promotion) and one naming nothing (the standby down). Reports and their exports
 * are answered by the primary as without a standby, each with its audit row, and /metrics
 * says why. The standby itself (replayed, paused, stopped) is tests/ops/replica.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it_check.h"

/* The value of one metric line ("name{labels}") in the server's /metrics, or -1. */
static double metric(const char *name)
{
    it_response *r = it_request("GET", "/metrics", NULL, NULL, NULL);
    ck_assert_int_eq(r->status, 200);
    double v = -1;
    size_t n = strlen(name);
    for (const char *p = r->body; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, name, n) == 0 && p[n] == ' ') {
            v = strtod(p + n + 1, NULL);
            break;
        }
    it_response_free(r);
    return v;
}

/* A report with Accept, answered 200, and its one audit row on the primary. */
static void report_is_audited(const char *token, const char *accept)
{
    char header[128];
    snprintf(header, sizeof header, "Accept: %s", accept);
    const char *headers[] = {header, NULL};
    it_response *r = it_request("GET", "/api/reports/agreements", token, NULL, headers);
    IT_ASSERT_STATUS(r, 200);
    char *ct = it_header(r, "Content-Type");
    ck_assert_ptr_nonnull(ct);
    ck_assert_msg(strncmp(ct, accept, strlen(accept)) == 0, "Content-Type %s for %s", ct, accept);
    free(ct);
    char *rid = it_header(r, "X-Request-Id");
    it_response_free(r);
    PGconn *db = it_db_owner();
    const char *p[] = {rid};
    char *n = it_db_value_params(db,
                                 "SELECT count(*) FROM audit_log WHERE request_id = $1 AND "
                                 "action = 'search' AND resource_type = 'report'",
                                 1, p);
    ck_assert_str_eq(n, "1");
    free(n);
    free(rid);
    PQfinish(db);
}

/* A facility manager of a facility of its own: the demo managers' report runs would show on
 * their residents' audit trails, which test_audit counts. */
static char *own_manager(void)
{
    PGconn *db = it_db_owner();
    char *name = it_unique("Replica facility ");
    const char *p[] = {name};
    char *facility = it_db_value_params(db,
                                        "INSERT INTO organizations (kind, name, authority) "
                                        "VALUES ('facility', $1, 'Test Kommune') RETURNING id",
                                        1, p);
    ck_assert_ptr_nonnull(facility);
    PQfinish(db);
    char *admin = it_login("admin@samspil.demo"), *email = NULL;
    free(it_create_user(admin, "facility_manager", facility, "replica-password-1", &email));
    char *token = it_login_as(email, "replica-password-1");
    ck_assert_ptr_nonnull(token);
    free(email);
    free(admin);
    free(facility);
    free(name);
    return token;
}

static void reports_from_the_primary(const char *reason)
{
    char *token = own_manager();
    char name[96];
    snprintf(name, sizeof name, "samspil_replica_fallbacks_total{reason=\"%s\"}", reason);
    double before = metric(name);
    double primary = metric("samspil_replica_reads_total{database=\"primary\"}");
    ck_assert(before >= 0 && primary >= 0);
    report_is_audited(token, "application/json");
    report_is_audited(token, "text/csv");
    report_is_audited(token,
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    ck_assert(metric(name) == before + 3);
    ck_assert(metric("samspil_replica_reads_total{database=\"primary\"}") == primary + 3);
    ck_assert(metric("samspil_replica_reads_total{database=\"standby\"}") == 0);
    ck_assert(metric("samspil_replica_usable") == 0);
    /* checked at most once a second, not once per request */
    double checks = metric("samspil_replica_checks_total");
    for (int i = 0; i < 6; i++) {
        it_response *r = it_request("GET", "/api/reports/agreements", token, NULL, NULL);
        IT_ASSERT_STATUS(r, 200);
        it_response_free(r);
    }
    ck_assert(metric("samspil_replica_checks_total") - checks < 6);
    free(token);
}

START_TEST(test_a_primary_named_as_standby_is_not_read)
{
    reports_from_the_primary("not-standby");
}
END_TEST

START_TEST(test_an_unreachable_standby_is_not_read)
{
    static char env_url[] =
        "DATABASE_REPLICA_URL=postgresql:///samspil?host=/nonexistent-samspil-standby";
    const char *env[] = {env_url, NULL};
    it_server *down = it_server_start_another(env);
    it_use_server(down);
    reports_from_the_primary("down");
    it_use_server(NULL);
    ck_assert_int_eq(it_server_stop_another(down), 0);
}
END_TEST

int main(void)
{
    const char *url = getenv("DATABASE_URL");
    char *env_url = malloc(strlen(url ? url : "") + 32);
    if (!url || !env_url) {
        fputs("test_replica: DATABASE_URL is not set; run the tests with ./dev test\n", stderr);
        return 2;
    }
    sprintf(env_url, "DATABASE_REPLICA_URL=%s", url);
    const char *env[] = {env_url, NULL};
    it_server_start(env);
    Suite *s = suite_create("replica");
    TCase *tc = tcase_create("fallback");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_a_primary_named_as_standby_is_not_read);
    tcase_add_test(tc, test_an_unreachable_standby_is_not_read);
    suite_add_tcase(s, tc);
    int rc = it_run_suite(s);
    free(env_url);
    return rc;
}
