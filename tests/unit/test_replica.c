/*
 * test_replica: lib/replica's rule for when the standby may be read. A standby is as far
 * behind as the newest primary position it has replayed is old; nothing replayed that the
 * primary was seen at, or an unreachable database, means the primary serves, and every such
 * read is counted with its reason. (With real databases: tests/ops/replica.sh.)
 */
#include "replica.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>

START_TEST(lsn_text)
{
    uint64_t v = 0;
    ck_assert(db_replica_parse_lsn("0/0", &v));
    ck_assert_uint_eq(v, 0);
    ck_assert(db_replica_parse_lsn("16/B374D848", &v));
    ck_assert_uint_eq(v, ((uint64_t)0x16 << 32) | 0xB374D848u);
    ck_assert(db_replica_parse_lsn("FFFFFFFF/FFFFFFFF", &v));
    ck_assert_uint_eq(v, UINT64_MAX);
    ck_assert(!db_replica_parse_lsn(NULL, &v));
    ck_assert(!db_replica_parse_lsn("", &v));
    ck_assert(!db_replica_parse_lsn("16", &v));
    ck_assert(!db_replica_parse_lsn("16/B374D848x", &v));
    ck_assert(!db_replica_parse_lsn("zz/1", &v));
}
END_TEST

START_TEST(lag_is_the_age_of_the_newest_position_replayed)
{
    /* the primary at 100 s: 0/1000, at 110 s: 0/2000, at 120 s: 0/3000 (not in order) */
    db_replica_sample s[] = {{110, 0x2000}, {100, 0x1000}, {120, 0x3000}};
    /* caught up with the newest: as old as that sample */
    ck_assert(fabs(db_replica_lag(s, 3, 0x3000, 120.5) - 0.5) < 1e-9);
    ck_assert(fabs(db_replica_lag(s, 3, 0x9000, 121) - 1) < 1e-9);
    /* between two samples: only the older one is certainly replayed */
    ck_assert(fabs(db_replica_lag(s, 3, 0x2fff, 121) - 11) < 1e-9);
    ck_assert(fabs(db_replica_lag(s, 3, 0x2000, 121) - 11) < 1e-9);
    ck_assert(fabs(db_replica_lag(s, 3, 0x1000, 121) - 21) < 1e-9);
    /* behind every sample: unknown, so not usable */
    ck_assert(db_replica_lag(s, 3, 0x0fff, 121) < 0);
    ck_assert(db_replica_lag(s, 0, 0x9000, 121) < 0);
    /* an idle primary (its position does not move): no lag however old its last commit */
    db_replica_sample idle[] = {{100, 0x5000}, {200, 0x5000}, {300, 0x5000}};
    ck_assert(fabs(db_replica_lag(idle, 3, 0x5000, 300.25) - 0.25) < 1e-9);
    /* a clock that did not move: never negative */
    ck_assert(db_replica_lag(s, 3, 0x3000, 119) == 0);
}
END_TEST

START_TEST(unreachable_databases_send_reads_to_the_primary)
{
    /* nothing listens on these sockets */
    const char *nowhere = "postgresql:///none?host=/nonexistent-samspil-test&connect_timeout=2";
    db_replica *r = db_replica_new(nowhere, 2, 30);
    ck_assert_ptr_nonnull(r);
    db_pool *primary = db_pool_new(nowhere, 2);
    ck_assert_ptr_nonnull(primary);
    db_replica_reason why = DB_REPLICA_OK;
    ck_assert_ptr_null(db_replica_choose(r, primary, &why));
    ck_assert_str_eq(db_replica_reason_name(why), "primary-unavailable");
    /* cached: the second read within the second asks nobody */
    ck_assert_ptr_null(db_replica_choose(r, primary, &why));
    db_replica_stats st;
    db_replica_get_stats(r, &st);
    ck_assert_uint_eq(st.checks, 1);
    ck_assert_uint_eq(st.primary_reads, 2);
    ck_assert_uint_eq(st.standby_reads, 0);
    ck_assert_uint_eq(st.fallbacks[DB_REPLICA_PRIMARY_DOWN], 2);
    ck_assert(!st.usable);
    ck_assert(st.lag_s < 0);
    /* a read that failed on the standby is counted as its reason */
    db_replica_failed(r, true);
    db_replica_failed(r, false);
    db_replica_get_stats(r, &st);
    ck_assert_uint_eq(st.fallbacks[DB_REPLICA_DOWN], 1);
    ck_assert_uint_eq(st.fallbacks[DB_REPLICA_FAILED], 1);
    ck_assert_uint_eq(st.primary_reads, 4);
    ck_assert_str_eq(db_replica_reason_name(DB_REPLICA_LAGGING), "lagging");
    ck_assert_str_eq(db_replica_reason_name(DB_REPLICA_NOT_STANDBY), "not-standby");
    db_pool_free(primary);
    db_replica_free(r);
}
END_TEST

static Suite *replica_suite(void)
{
    Suite *s = suite_create("replica");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, lsn_text);
    tcase_add_test(tc, lag_is_the_age_of_the_newest_position_replayed);
    tcase_add_test(tc, unreachable_databases_send_reads_to_the_primary);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(replica_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
