/*
 * test_ttlcache: lib/ttlcache. Values come back only before their expiry,
 * only for their own key and only at their own size; a full cache gives up
 * the entry that would expire first; concurrent use is safe.
 */
#include "ttlcache.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sample {
    char email[64];
    long exp;
} sample;

static sample sample_of(const char *email, long exp)
{
    sample s;
    memset(&s, 0, sizeof s);
    snprintf(s.email, sizeof s.email, "%s", email);
    s.exp = exp;
    return s;
}

START_TEST(put_then_get)
{
    ttlcache *c = ttlcache_new(8);
    ck_assert_ptr_nonnull(c);
    sample in = sample_of("a@example", 1000), out;

    ck_assert(!ttlcache_get(c, "token-a", 100, &out, sizeof out));
    ck_assert(ttlcache_put(c, "token-a", &in, sizeof in, 1000));
    memset(&out, 0, sizeof out);
    ck_assert(ttlcache_get(c, "token-a", 100, &out, sizeof out));
    ck_assert_str_eq(out.email, "a@example");
    ck_assert_int_eq(out.exp, 1000);
    ck_assert_uint_eq(ttlcache_count(c), 1);

    /* Replacing under the same key keeps one entry with the new value and expiry. */
    sample in2 = sample_of("b@example", 2000);
    ck_assert(ttlcache_put(c, "token-a", &in2, sizeof in2, 2000));
    ck_assert_uint_eq(ttlcache_count(c), 1);
    ck_assert(ttlcache_get(c, "token-a", 1500, &out, sizeof out));
    ck_assert_str_eq(out.email, "b@example");
    ttlcache_free(c);
}
END_TEST

START_TEST(expired_entries_never_returned)
{
    ttlcache *c = ttlcache_new(4);
    sample in = sample_of("a@example", 0), out = sample_of("untouched", 0);
    ck_assert(ttlcache_put(c, "token-a", &in, sizeof in, 1000));

    ck_assert(ttlcache_get(c, "token-a", 999, &out, sizeof out));
    out = sample_of("untouched", 0);
    ck_assert(!ttlcache_get(c, "token-a", 1000, &out, sizeof out));
    ck_assert_str_eq(out.email, "untouched");
    /* The expired entry was dropped on the way. */
    ck_assert_uint_eq(ttlcache_count(c), 0);
    ck_assert(!ttlcache_get(c, "token-a", 500, &out, sizeof out));

    /* Stored already expired: never returned either. */
    ck_assert(ttlcache_put(c, "token-b", &in, sizeof in, 10));
    ck_assert(!ttlcache_get(c, "token-b", 10, &out, sizeof out));
    ttlcache_free(c);
}
END_TEST

START_TEST(keys_are_distinct)
{
    ttlcache *c = ttlcache_new(16);
    char key[32];
    sample out;
    for (int i = 0; i < 16; i++) {
        snprintf(key, sizeof key, "token-%d", i);
        sample in = sample_of(key, i);
        ck_assert(ttlcache_put(c, key, &in, sizeof in, 1000));
    }
    for (int i = 0; i < 16; i++) {
        snprintf(key, sizeof key, "token-%d", i);
        ck_assert(ttlcache_get(c, key, 1, &out, sizeof out));
        ck_assert_str_eq(out.email, key);
        ck_assert_int_eq(out.exp, i);
    }
    ck_assert(!ttlcache_get(c, "token-16", 1, &out, sizeof out));
    ck_assert(!ttlcache_get(c, "token-1 ", 1, &out, sizeof out));
    ck_assert(!ttlcache_get(c, "", 1, &out, sizeof out));
    ttlcache_free(c);
}
END_TEST

START_TEST(capacity_evicts_soonest_expiry)
{
    ttlcache *c = ttlcache_new(3);
    sample in = sample_of("x@example", 0), out;

    ck_assert(ttlcache_put(c, "late", &in, sizeof in, 3000));
    ck_assert(ttlcache_put(c, "soon", &in, sizeof in, 1000));
    ck_assert(ttlcache_put(c, "middle", &in, sizeof in, 2000));
    ck_assert_uint_eq(ttlcache_count(c), 3);

    ck_assert(ttlcache_put(c, "new", &in, sizeof in, 2500));
    ck_assert_uint_eq(ttlcache_count(c), 3);
    ck_assert(!ttlcache_get(c, "soon", 0, &out, sizeof out));
    ck_assert(ttlcache_get(c, "late", 0, &out, sizeof out));
    ck_assert(ttlcache_get(c, "middle", 0, &out, sizeof out));
    ck_assert(ttlcache_get(c, "new", 0, &out, sizeof out));

    /* An expired entry goes before any live one. */
    ck_assert(ttlcache_put(c, "middle", &in, sizeof in, 50));
    ck_assert(ttlcache_put(c, "newer", &in, sizeof in, 9000));
    ck_assert(!ttlcache_get(c, "middle", 0, &out, sizeof out));
    ck_assert(ttlcache_get(c, "late", 100, &out, sizeof out));
    ck_assert(ttlcache_get(c, "new", 100, &out, sizeof out));
    ck_assert(ttlcache_get(c, "newer", 100, &out, sizeof out));

    /* Capacity one still works. */
    ttlcache *one = ttlcache_new(1);
    ck_assert(ttlcache_put(one, "a", &in, sizeof in, 100));
    ck_assert(ttlcache_put(one, "b", &in, sizeof in, 100));
    ck_assert(!ttlcache_get(one, "a", 0, &out, sizeof out));
    ck_assert(ttlcache_get(one, "b", 0, &out, sizeof out));
    ttlcache_free(one);
    ttlcache_free(c);
}
END_TEST

START_TEST(sizes_and_arguments)
{
    ck_assert_ptr_null(ttlcache_new(0));
    ck_assert_ptr_null(ttlcache_new((size_t)TTLCACHE_CAPACITY_MAX + 1));

    ttlcache *c = ttlcache_new(4);
    unsigned char big[TTLCACHE_VALUE_MAX + 1] = {0};
    unsigned char out[TTLCACHE_VALUE_MAX + 1];
    ck_assert(ttlcache_put(c, "max", big, TTLCACHE_VALUE_MAX, 100));
    ck_assert(!ttlcache_put(c, "too-big", big, sizeof big, 100));
    ck_assert(!ttlcache_put(c, "empty", big, 0, 100));
    ck_assert(!ttlcache_put(c, NULL, big, 1, 100));
    ck_assert(!ttlcache_put(NULL, "k", big, 1, 100));

    /* A value is only returned at the size it was stored with. */
    int small = 7;
    ck_assert(ttlcache_put(c, "int", &small, sizeof small, 100));
    ck_assert(!ttlcache_get(c, "int", 0, out, sizeof out));
    int back = 0;
    ck_assert(ttlcache_get(c, "int", 0, &back, sizeof back));
    ck_assert_int_eq(back, 7);
    ck_assert(!ttlcache_get(NULL, "int", 0, &back, sizeof back));
    ck_assert(!ttlcache_get(c, NULL, 0, &back, sizeof back));
    ttlcache_free(c);
    ttlcache_free(NULL);
}
END_TEST

static ttlcache *shared;

static void *hammer(void *arg)
{
    long id = (long)(size_t)arg;
    char key[32];
    sample out;
    for (long i = 0; i < 2000; i++) {
        snprintf(key, sizeof key, "t%ld-%ld", id, i % 50);
        sample in = sample_of(key, i);
        if (!ttlcache_put(shared, key, &in, sizeof in, 1000 + i))
            return (void *)1;
        /* Another thread may have evicted it, but a hit must be our value. */
        if (ttlcache_get(shared, key, 0, &out, sizeof out) && strcmp(out.email, key) != 0)
            return (void *)1;
    }
    return NULL;
}

START_TEST(concurrent_use)
{
    pthread_t th[4];
    shared = ttlcache_new(64);
    for (long i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, hammer, (void *)(size_t)i), 0);
    for (int i = 0; i < 4; i++) {
        void *res = (void *)1;
        ck_assert_int_eq(pthread_join(th[i], &res), 0);
        ck_assert_ptr_null(res);
    }
    ck_assert_uint_le(ttlcache_count(shared), 64);
    ttlcache_free(shared);
}
END_TEST

static Suite *ttlcache_suite(void)
{
    Suite *s = suite_create("ttlcache");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, put_then_get);
    tcase_add_test(tc, expired_entries_never_returned);
    tcase_add_test(tc, keys_are_distinct);
    tcase_add_test(tc, capacity_evicts_soonest_expiry);
    tcase_add_test(tc, sizes_and_arguments);
    tcase_add_test(tc, concurrent_use);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ttlcache_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
