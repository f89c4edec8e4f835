/*
 * db_rfc3339: PostgreSQL's timestamptz text in a UTC session becomes RFC 3339.
 */
#include <check.h>
#include <stdlib.h>

#include "db.h"
#include "json.h"

START_TEST(utc_becomes_z)
{
    char out[64];
    ck_assert_uint_gt(db_rfc3339("2026-11-23 12:14:43.123456+00", out, sizeof out), 0);
    ck_assert_str_eq(out, "2026-11-23T12:14:43.123456Z");
    ck_assert(json_is_timestamp(out));
    ck_assert_uint_gt(db_rfc3339("2026-11-23 12:14:43+00", out, sizeof out), 0);
    ck_assert_str_eq(out, "2026-11-23T12:14:43Z");
    ck_assert(json_is_timestamp(out));
}
END_TEST

START_TEST(hour_offsets_get_minutes)
{
    char out[64];
    ck_assert_uint_gt(db_rfc3339("2026-06-01 09:00:00+02", out, sizeof out), 0);
    ck_assert_str_eq(out, "2026-06-01T09:00:00+02:00");
    ck_assert(json_is_timestamp(out));
}
END_TEST

START_TEST(too_small_buffer_refused)
{
    char out[8];
    ck_assert_uint_eq(db_rfc3339("2026-11-23 12:14:43+00", out, sizeof out), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("db_time");
    TCase *tc = tcase_create("rfc3339");
    tcase_add_test(tc, utc_becomes_z);
    tcase_add_test(tc, hour_offsets_get_minutes);
    tcase_add_test(tc, too_small_buffer_refused);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
