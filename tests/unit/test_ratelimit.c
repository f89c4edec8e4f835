/*
 * test_ratelimit: lib/ratelimit. A key gets exactly `limit` events per
 * window, then false with a Retry-After inside the window; the window resets
 * when its time has passed (time is passed in, never read from the clock);
 * reset() forgets a key; a table sprayed with far more keys than its capacity
 * stays usable; concurrent hits never let more than `limit` through.
 */
#include "ratelimit.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 1700000000L

START_TEST(limit_reached)
{
    ratelimit *rl = ratelimit_new(3, 60, 64);
    ck_assert_ptr_nonnull(rl);
    unsigned retry = 12345;
    for (int i = 0; i < 3; i++)
        ck_assert_msg(ratelimit_hit(rl, "ip:192.0.2.1", T0 + i, &retry), "hit %d refused", i);
    ck_assert_uint_eq(retry, 12345); /* untouched while allowed */

    ck_assert(!ratelimit_hit(rl, "ip:192.0.2.1", T0 + 10, &retry));
    ck_assert_uint_eq(retry, 50); /* the window started at T0 */
    ck_assert(!ratelimit_hit(rl, "ip:192.0.2.1", T0 + 59, &retry));
    ck_assert_uint_eq(retry, 1);
    ck_assert(!ratelimit_hit(rl, "ip:192.0.2.1", T0 + 59, NULL)); /* retry_after optional */

    /* Other keys are counted on their own. */
    ck_assert(ratelimit_hit(rl, "ip:192.0.2.2", T0 + 10, &retry));
    ck_assert(ratelimit_hit(rl, "ip:192.0.2.10", T0 + 10, &retry));
    ratelimit_free(rl);
}
END_TEST

START_TEST(retry_after_within_window)
{
    ratelimit *rl = ratelimit_new(1, 900, 64);
    ck_assert(ratelimit_hit(rl, "a:kim@example.dk", T0, NULL));
    for (long t = T0; t < T0 + 900; t += 7) {
        unsigned retry = 0;
        ck_assert(!ratelimit_hit(rl, "a:kim@example.dk", t, &retry));
        ck_assert_msg(retry > 0 && retry <= 900, "retry %u at +%ld", retry, t - T0);
        ck_assert_uint_eq(retry, (unsigned)(T0 + 900 - t));
        retry = 0;
        ck_assert(ratelimit_blocked(rl, "a:kim@example.dk", t, &retry));
        ck_assert_msg(retry > 0 && retry <= 900, "blocked retry %u at +%ld", retry, t - T0);
    }
    ratelimit_free(rl);
}
END_TEST

START_TEST(window_resets_after_time_passes)
{
    ratelimit *rl = ratelimit_new(2, 60, 64);
    unsigned retry = 0;
    ck_assert(ratelimit_hit(rl, "k", T0, &retry));
    ck_assert(ratelimit_hit(rl, "k", T0 + 30, &retry));
    ck_assert(!ratelimit_hit(rl, "k", T0 + 59, &retry));
    /* A full window after its start: counting starts again. */
    ck_assert(ratelimit_hit(rl, "k", T0 + 60, &retry));
    ck_assert(ratelimit_hit(rl, "k", T0 + 61, &retry));
    ck_assert(!ratelimit_hit(rl, "k", T0 + 62, &retry));
    ck_assert_uint_eq(retry, 58); /* the new window started at T0 + 60 */
    /* Much later. */
    ck_assert(!ratelimit_blocked(rl, "k", T0 + 100000, &retry));
    ck_assert(ratelimit_hit(rl, "k", T0 + 100000, &retry));
    ratelimit_free(rl);
}
END_TEST

START_TEST(blocked_does_not_count)
{
    ratelimit *rl = ratelimit_new(2, 60, 64);
    unsigned retry = 777;
    ck_assert(!ratelimit_blocked(rl, "never-seen", T0, &retry));
    ck_assert_uint_eq(retry, 777);
    for (int i = 0; i < 100; i++)
        ck_assert(!ratelimit_blocked(rl, "k", T0, &retry));
    ck_assert(ratelimit_hit(rl, "k", T0, NULL));
    ck_assert(!ratelimit_blocked(rl, "k", T0, &retry));
    ck_assert(ratelimit_hit(rl, "k", T0, NULL));
    ck_assert(ratelimit_blocked(rl, "k", T0 + 5, &retry));
    ck_assert_uint_eq(retry, 55);
    ck_assert(!ratelimit_blocked(rl, "k", T0 + 60, &retry));
    ratelimit_free(rl);
}
END_TEST

START_TEST(reset_clears)
{
    ratelimit *rl = ratelimit_new(2, 900, 64);
    ck_assert(ratelimit_hit(rl, "a:kim@example.dk", T0, NULL));
    ck_assert(ratelimit_hit(rl, "a:kim@example.dk", T0, NULL));
    ck_assert(ratelimit_hit(rl, "a:other@example.dk", T0, NULL));
    ck_assert(ratelimit_hit(rl, "a:other@example.dk", T0, NULL));
    ck_assert(ratelimit_blocked(rl, "a:kim@example.dk", T0 + 1, NULL));

    ratelimit_reset(rl, "a:kim@example.dk");
    ck_assert(!ratelimit_blocked(rl, "a:kim@example.dk", T0 + 1, NULL));
    ck_assert(ratelimit_hit(rl, "a:kim@example.dk", T0 + 1, NULL));
    ck_assert(ratelimit_hit(rl, "a:kim@example.dk", T0 + 1, NULL));
    ck_assert(!ratelimit_hit(rl, "a:kim@example.dk", T0 + 1, NULL));

    /* Only that key. */
    ck_assert(ratelimit_blocked(rl, "a:other@example.dk", T0 + 1, NULL));
    /* Unknown keys and repeated resets are harmless. */
    ratelimit_reset(rl, "never-seen");
    ratelimit_reset(rl, "a:kim@example.dk");
    ratelimit_reset(rl, "a:kim@example.dk");
    ck_assert(ratelimit_hit(rl, "a:kim@example.dk", T0 + 2, NULL));
    ratelimit_free(rl);
}
END_TEST

START_TEST(many_keys_beyond_capacity)
{
    ratelimit *rl = ratelimit_new(2, 60, 32);
    char key[64];
    /* 10 000 addresses into 32 slots, all within one window. */
    for (int i = 0; i < 10000; i++) {
        snprintf(key, sizeof key, "ip:10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        ck_assert(ratelimit_hit(rl, key, T0, NULL));
        ratelimit_blocked(rl, key, T0, NULL);
    }
    /* A fresh key still gets its full limit, then is limited. */
    unsigned retry = 0;
    ck_assert(ratelimit_hit(rl, "ip:192.0.2.99", T0 + 1, &retry));
    ck_assert(ratelimit_hit(rl, "ip:192.0.2.99", T0 + 1, &retry));
    ck_assert(!ratelimit_hit(rl, "ip:192.0.2.99", T0 + 1, &retry));
    ck_assert(retry > 0 && retry <= 60);

    /* And after the spray's window has passed, every slot is reusable. */
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof key, "ip:198.51.100.%d", i);
        ck_assert(ratelimit_hit(rl, key, T0 + 120, NULL));
    }
    ratelimit_free(rl);
}
END_TEST

START_TEST(tiny_table)
{
    ratelimit *rl = ratelimit_new(1, 60, 1);
    ck_assert(ratelimit_hit(rl, "a", T0, NULL));
    ck_assert(!ratelimit_hit(rl, "a", T0, NULL));
    ck_assert(ratelimit_hit(rl, "b", T0, NULL)); /* takes the only slot */
    ck_assert(!ratelimit_hit(rl, "b", T0, NULL));
    ratelimit_free(rl);
    ratelimit_free(NULL);
}
END_TEST

START_TEST(key_at_buffer_size)
{
    /* 95 bytes: the longest key stored whole. */
    char key[96];
    memset(key, 'k', 95);
    key[95] = '\0';
    ratelimit *rl = ratelimit_new(2, 60, 64);
    ck_assert(ratelimit_hit(rl, key, T0, NULL));
    ck_assert(ratelimit_hit(rl, key, T0, NULL));
    ck_assert(!ratelimit_hit(rl, key, T0, NULL));
    ck_assert(ratelimit_blocked(rl, key, T0, NULL));
    ratelimit_free(rl);
}
END_TEST

/* Fails until fixed: keys longer than 95 bytes are stored truncated and never found again,
 * so they are never limited. auth.c keys failed log-ins by "a:<email>" (up to 255 bytes). */
START_TEST(long_keys_are_limited)
{
    char key[300];
    snprintf(key, sizeof key, "a:%s@%s", "kim.larsen.psykiatrisk.sygeplejerske.regionsfunktion",
             "afdeling-for-retspsykiatri.region-syddanmark.example.dk");
    ck_assert_uint_gt(strlen(key), 95);
    ratelimit *rl = ratelimit_new(3, 900, 64);
    int allowed = 0;
    for (int i = 0; i < 50; i++)
        allowed += ratelimit_hit(rl, key, T0 + i, NULL);
    ck_assert_msg(allowed == 3, "%d of 50 failed log-ins allowed with limit 3", allowed);
    ck_assert_msg(ratelimit_blocked(rl, key, T0 + 50, NULL), "long key not blocked");

    /* Two long keys that share their first 95 bytes are still different keys. */
    char other[320];
    snprintf(other, sizeof other, "%s.x", key);
    ck_assert(ratelimit_hit(rl, other, T0 + 51, NULL));
    ratelimit_free(rl);
}
END_TEST

typedef struct hammer_arg {
    ratelimit *rl;
    int allowed;
} hammer_arg;

static void *hammer(void *p)
{
    hammer_arg *h = p;
    for (int i = 0; i < 2000; i++)
        if (ratelimit_hit(h->rl, "shared", T0, NULL))
            h->allowed++;
    return NULL;
}

START_TEST(concurrent_hits_respect_limit)
{
    ratelimit *rl = ratelimit_new(1000, 60, 64);
    pthread_t th[4];
    hammer_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i].rl = rl;
        args[i].allowed = 0;
        ck_assert_int_eq(pthread_create(&th[i], NULL, hammer, &args[i]), 0);
    }
    int total = 0;
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(pthread_join(th[i], NULL), 0);
        total += args[i].allowed;
    }
    ck_assert_int_eq(total, 1000);
    ratelimit_free(rl);
}
END_TEST

static Suite *ratelimit_suite(void)
{
    Suite *s = suite_create("ratelimit");
    TCase *tc = tcase_create("windows");
    tcase_add_test(tc, limit_reached);
    tcase_add_test(tc, retry_after_within_window);
    tcase_add_test(tc, window_resets_after_time_passes);
    tcase_add_test(tc, blocked_does_not_count);
    tcase_add_test(tc, reset_clears);
    tcase_add_test(tc, many_keys_beyond_capacity);
    tcase_add_test(tc, tiny_table);
    tcase_add_test(tc, key_at_buffer_size);
    tcase_add_test(tc, long_keys_are_limited);
    tcase_add_test(tc, concurrent_hits_respect_limit);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ratelimit_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
