/*
 * Smoke test of the integration harness: the server starts, answers /healthz, logs in a
 * demo user and stops cleanly on SIGTERM.
 */
#include <check.h>
#include <stdlib.h>

#include "it.h"

START_TEST(test_health_and_login)
{
    it_response *r = it_request("GET", "/healthz", NULL, NULL, NULL);
    ck_assert_int_eq(r->status, 200);
    it_response_free(r);
    char *t = it_login("clinician@slagelse.demo");
    ck_assert_ptr_nonnull(t);
    free(t);
}
END_TEST

int main(void)
{
    it_server_start(NULL);
    Suite *s = suite_create("smoke");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_health_and_login);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    int rc = it_server_stop();
    return failed == 0 && rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
