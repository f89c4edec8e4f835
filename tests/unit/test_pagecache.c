/*
 * pagecache: what is put comes back exactly, a key replaced holds the new value, the byte
 * budget holds by dropping the least recently used entries (a read counts as use), values
 * too large for it are refused, and many threads may use it at once.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pagecache.h"

static char *get(pagecache *c, const char *key)
{
    size_t len = 0;
    char *v = pagecache_get(c, key, &len);
    if (v)
        ck_assert_uint_eq(len, strlen(v));
    return v;
}

START_TEST(put_get_replace_remove)
{
    pagecache *c = pagecache_new(1 << 20);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_null(get(c, "a"));
    ck_assert(pagecache_put(c, "a", "first", 5));
    char *v = get(c, "a");
    ck_assert_str_eq(v, "first");
    free(v);
    /* bytes with NULs inside come back whole */
    ck_assert(pagecache_put(c, "bin", "x\0y", 3));
    size_t len = 0;
    v = pagecache_get(c, "bin", &len);
    ck_assert_uint_eq(len, 3);
    ck_assert_int_eq(memcmp(v, "x\0y", 4), 0);
    free(v);
    ck_assert(pagecache_put(c, "a", "second value", 12));
    v = get(c, "a");
    ck_assert_str_eq(v, "second value");
    free(v);
    pagecache_stats st;
    pagecache_get_stats(c, &st);
    ck_assert_uint_eq(st.entries, 2);
    pagecache_remove(c, "a");
    ck_assert_ptr_null(get(c, "a"));
    pagecache_remove(c, "never there");
    pagecache_get_stats(c, &st);
    ck_assert_uint_eq(st.entries, 1);
    pagecache_free(c);
    pagecache_free(NULL);
}
END_TEST

START_TEST(budget_drops_least_recently_used)
{
    pagecache *c = pagecache_new(64 * 1024);
    char value[4000];
    memset(value, 'v', sizeof value);
    char key[32];
    for (int i = 0; i < 10; i++) {
        snprintf(key, sizeof key, "k%d", i);
        ck_assert(pagecache_put(c, key, value, sizeof value));
    }
    /* k0 read: now the most recently used */
    char *v = get(c, "k0");
    ck_assert_ptr_nonnull(v);
    free(v);
    for (int i = 10; i < 20; i++) {
        snprintf(key, sizeof key, "k%d", i);
        ck_assert(pagecache_put(c, key, value, sizeof value));
    }
    pagecache_stats st;
    pagecache_get_stats(c, &st);
    ck_assert_uint_le(st.bytes, st.max_bytes);
    ck_assert_uint_gt(st.evictions, 0);
    ck_assert_uint_lt(st.entries, 20);
    v = get(c, "k0");
    ck_assert_msg(v != NULL, "the entry read last was dropped before older ones");
    free(v);
    ck_assert_ptr_null(get(c, "k1")); /* the oldest unused went first */
    v = get(c, "k19");
    ck_assert_ptr_nonnull(v);
    free(v);
    /* more than a quarter of the budget is never kept */
    char *big = malloc(20000);
    memset(big, 'b', 20000);
    ck_assert(!pagecache_put(c, "big", big, 20000));
    ck_assert_ptr_null(get(c, "big"));
    free(big);
    ck_assert_ptr_null(pagecache_new(100));
    pagecache_free(c);
}
END_TEST

START_TEST(many_keys_grow_the_table)
{
    pagecache *c = pagecache_new(8 << 20);
    char key[32], val[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        snprintf(val, sizeof val, "value-%d", i);
        ck_assert(pagecache_put(c, key, val, strlen(val)));
    }
    for (int i = 0; i < 5000; i += 7) {
        snprintf(key, sizeof key, "key-%d", i);
        snprintf(val, sizeof val, "value-%d", i);
        char *v = get(c, key);
        ck_assert_ptr_nonnull(v);
        ck_assert_str_eq(v, val);
        free(v);
    }
    pagecache_free(c);
}
END_TEST

static void *worker(void *arg)
{
    pagecache *c = arg;
    char key[32], val[64];
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "k%d", i % 97);
        snprintf(val, sizeof val, "%s=%d", key, i % 97);
        if (i % 3 == 0) {
            pagecache_put(c, key, val, strlen(val));
        } else {
            size_t len;
            char *v = pagecache_get(c, key, &len);
            if (v && strcmp(v, val) != 0)
                return (void *)1;
            free(v);
        }
    }
    return NULL;
}

START_TEST(concurrent_use)
{
    pagecache *c = pagecache_new(16 * 1024); /* small: evictions all along */
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, worker, c);
    for (int i = 0; i < 4; i++) {
        void *rv;
        pthread_join(t[i], &rv);
        ck_assert_ptr_null(rv);
    }
    pagecache_stats st;
    pagecache_get_stats(c, &st);
    ck_assert_uint_le(st.bytes, st.max_bytes);
    pagecache_free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pagecache");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, put_get_replace_remove);
    tcase_add_test(tc, budget_drops_least_recently_used);
    tcase_add_test(tc, many_keys_grow_the_table);
    tcase_add_test(tc, concurrent_use);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
