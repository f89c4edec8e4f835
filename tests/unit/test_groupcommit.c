/*
 * groupcommit: every item handed in is flushed exactly once and its submitter gets the
 * result the flush set for it; while a flush runs the items that arrive wait for the next
 * one and go together (at most max); one item alone is flushed without waiting for more;
 * with two writers two batches are flushed at once; items handed in without waiting are
 * called back once each.
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "groupcommit.h"

enum { THREADS = 16, PER_THREAD = 50 };

typedef struct recorder {
    pthread_mutex_t mu;
    int flushed[THREADS * PER_THREAD]; /* how often each item value was flushed */
    size_t batches, largest;
    atomic_int running, most_running; /* flushes at the same time */
    useconds_t delay;                 /* each flush takes this long */
} recorder;

static void record(groupcommit_item **items, size_t n, void *ctx)
{
    recorder *r = ctx;
    int now = atomic_fetch_add(&r->running, 1) + 1;
    int seen = atomic_load(&r->most_running);
    while (now > seen && !atomic_compare_exchange_weak(&r->most_running, &seen, now))
        ;
    if (r->delay)
        usleep(r->delay);
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < n; i++) {
        int v = *(int *)items[i]->data;
        r->flushed[v]++;
        items[i]->result = v * 2 + 1; /* each its own answer */
    }
    r->batches++;
    if (n > r->largest)
        r->largest = n;
    pthread_mutex_unlock(&r->mu);
    atomic_fetch_sub(&r->running, 1);
}

typedef struct worker_arg {
    groupcommit *g;
    int base;
    int wrong; /* results that were not the item's own */
} worker_arg;

static void *submitter(void *p)
{
    worker_arg *a = p;
    for (int i = 0; i < PER_THREAD; i++) {
        int v = a->base + i;
        groupcommit_item it = {.data = &v};
        if (groupcommit_submit(a->g, &it, -1) != v * 2 + 1)
            a->wrong++;
    }
    return NULL;
}

static void run_threads(groupcommit *g)
{
    pthread_t t[THREADS];
    worker_arg a[THREADS];
    for (int i = 0; i < THREADS; i++) {
        a[i] = (worker_arg){.g = g, .base = i * PER_THREAD};
        ck_assert_int_eq(pthread_create(&t[i], NULL, submitter, &a[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(a[i].wrong, 0);
    }
}

START_TEST(each_item_once_with_its_own_result)
{
    recorder r = {.mu = PTHREAD_MUTEX_INITIALIZER, .delay = 200};
    groupcommit *g = groupcommit_new(8, 1, record, &r);
    ck_assert_ptr_nonnull(g);
    run_threads(g);
    for (int v = 0; v < THREADS * PER_THREAD; v++)
        ck_assert_int_eq(r.flushed[v], 1);
    groupcommit_stats st;
    groupcommit_get_stats(g, &st);
    ck_assert_uint_eq(st.items, THREADS * PER_THREAD);
    ck_assert_uint_eq(st.batches, r.batches);
    /* sixteen threads waiting on a flush of 0.2 ms: they went in batches, none above max */
    ck_assert_uint_lt(st.batches, THREADS * PER_THREAD);
    ck_assert_uint_le(r.largest, 8);
    ck_assert_uint_eq(st.largest, r.largest);
    ck_assert_int_eq(atomic_load(&r.most_running), 1); /* one writer: one flush at a time */
    groupcommit_free(g);
}
END_TEST

START_TEST(an_item_alone_does_not_wait)
{
    recorder r = {.mu = PTHREAD_MUTEX_INITIALIZER};
    groupcommit *g = groupcommit_new(64, 1, record, &r);
    ck_assert_ptr_nonnull(g);
    for (int v = 0; v < 20; v++) {
        groupcommit_item it = {.data = &v};
        ck_assert_int_eq(groupcommit_submit(g, &it, -1), v * 2 + 1);
    }
    groupcommit_stats st;
    groupcommit_get_stats(g, &st);
    ck_assert_uint_eq(st.batches, 20);
    ck_assert_uint_eq(st.largest, 1);
    groupcommit_free(g);
}
END_TEST

START_TEST(two_writers_flush_at_once)
{
    recorder r = {.mu = PTHREAD_MUTEX_INITIALIZER, .delay = 2000};
    groupcommit *g = groupcommit_new(4, 2, record, &r);
    ck_assert_ptr_nonnull(g);
    run_threads(g);
    for (int v = 0; v < THREADS * PER_THREAD; v++)
        ck_assert_int_eq(r.flushed[v], 1);
    ck_assert_int_eq(atomic_load(&r.most_running), 2);
    groupcommit_free(g);
}
END_TEST

/* Handed in without waiting: each item's done runs once, after its flush, with its result;
 * items queued while a flush runs go together. */
typedef struct async_item {
    groupcommit_item it;
    int value;
    atomic_int *calls;
    atomic_int *wrong;
} async_item;

static void async_done(groupcommit_item *it)
{
    async_item *a = (async_item *)it;
    if (it->result != a->value * 2 + 1)
        atomic_fetch_add(a->wrong, 1);
    atomic_fetch_add(a->calls, 1);
}

START_TEST(enqueued_items_are_called_back_once)
{
    enum { N = 400 };
    recorder r = {.mu = PTHREAD_MUTEX_INITIALIZER, .delay = 500};
    groupcommit *g = groupcommit_new(16, 1, record, &r);
    ck_assert_ptr_nonnull(g);
    static async_item items[N];
    atomic_int calls = 0, wrong = 0;
    for (int i = 0; i < N; i++) {
        items[i] = (async_item){.value = i, .calls = &calls, .wrong = &wrong};
        items[i].it = (groupcommit_item){.data = &items[i].value, .done = async_done};
        ck_assert(groupcommit_enqueue(g, &items[i].it));
    }
    for (int spins = 0; atomic_load(&calls) < N && spins < 5000; spins++)
        usleep(1000);
    ck_assert_int_eq(atomic_load(&calls), N);
    ck_assert_int_eq(atomic_load(&wrong), 0);
    for (int v = 0; v < N; v++)
        ck_assert_int_eq(r.flushed[v], 1);
    /* 400 items queued at once, 0.5 ms a flush: in batches of at most 16 */
    ck_assert_uint_le(r.largest, 16);
    ck_assert_uint_ge(r.largest, 2);
    groupcommit_free(g);
}
END_TEST

START_TEST(arguments_are_checked)
{
    recorder r = {.mu = PTHREAD_MUTEX_INITIALIZER};
    ck_assert_ptr_null(groupcommit_new(0, 1, record, &r));
    ck_assert_ptr_null(groupcommit_new(8, 0, record, &r));
    ck_assert_ptr_null(groupcommit_new(8, 1, NULL, &r));
    groupcommit_free(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("groupcommit");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, each_item_once_with_its_own_result);
    tcase_add_test(tc, an_item_alone_does_not_wait);
    tcase_add_test(tc, two_writers_flush_at_once);
    tcase_add_test(tc, enqueued_items_are_called_back_once);
    tcase_add_test(tc, arguments_are_checked);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
