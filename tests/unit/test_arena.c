/*
 * test_arena: lib/arena. Allocations are 16-byte aligned, zeroed, do not
 * overlap and survive later allocations, however large; string helpers copy;
 * cleanup callbacks run once each, last registered first, when the arena is
 * freed. ASan (the unit build) catches any access outside what was handed out
 * and any leak.
 */
#include "arena.h"

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

START_TEST(alloc_aligned_and_zeroed)
{
    arena *a = arena_new();
    ck_assert_ptr_nonnull(a);
    unsigned char *blocks[300];
    size_t sizes[300];
    for (size_t i = 0; i < 300; i++) {
        sizes[i] = (i * 37) % 200 + 1; /* 1..200 bytes, mixed */
        blocks[i] = arena_alloc(a, sizes[i]);
        ck_assert_ptr_nonnull(blocks[i]);
        ck_assert_msg((uintptr_t)blocks[i] % 16 == 0, "block %zu of %zu bytes at %p", i, sizes[i],
                      (void *)blocks[i]);
        ck_assert_msg(all_zero(blocks[i], sizes[i]), "block %zu not zeroed", i);
        memset(blocks[i], (int)(i % 250) + 1, sizes[i]); /* fill: every byte is writable */
    }
    /* Nothing overwrote anything: no overlap between blocks. */
    for (size_t i = 0; i < 300; i++)
        for (size_t k = 0; k < sizes[i]; k++)
            ck_assert_msg(blocks[i][k] == (unsigned char)(i % 250 + 1), "block %zu byte %zu", i,
                          k);
    arena_free(a);
}
END_TEST

START_TEST(alloc_zero_bytes)
{
    arena *a = arena_new();
    void *p = arena_alloc(a, 0);
    void *q = arena_alloc(a, 0);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(q);
    ck_assert_ptr_ne(p, q);
    ck_assert_uint_eq((uintptr_t)p % 16, 0);
    arena_free(a);
}
END_TEST

START_TEST(large_allocations)
{
    arena *a = arena_new();
    char *small = arena_strdup(a, "before");
    static const size_t big_sizes[] = {8192, 8193, 8192 - 16, 100000, 1u << 20, 3};
    unsigned char *big[sizeof big_sizes / sizeof big_sizes[0]];
    for (size_t i = 0; i < sizeof big_sizes / sizeof big_sizes[0]; i++) {
        big[i] = arena_alloc(a, big_sizes[i]);
        ck_assert_ptr_nonnull(big[i]);
        ck_assert_uint_eq((uintptr_t)big[i] % 16, 0);
        ck_assert_msg(all_zero(big[i], big_sizes[i]), "%zu bytes not zeroed", big_sizes[i]);
        memset(big[i], 0x5a + (int)i, big_sizes[i]);
    }
    /* Small allocations keep working after a large one, and earlier data is intact. */
    char *after = arena_printf(a, "after %d", 42);
    ck_assert_str_eq(small, "before");
    ck_assert_str_eq(after, "after 42");
    for (size_t i = 0; i < sizeof big_sizes / sizeof big_sizes[0]; i++) {
        ck_assert_uint_eq(big[i][0], 0x5a + i);
        ck_assert_uint_eq(big[i][big_sizes[i] - 1], 0x5a + i);
    }
    arena_free(a);
}
END_TEST

START_TEST(many_chunks)
{
    /* ~4 MB in 1000-byte pieces: hundreds of chunks, all freed at once. */
    arena *a = arena_new();
    char *first = arena_strdup(a, "first");
    for (int i = 0; i < 4000; i++) {
        char *p = arena_alloc(a, 1000);
        ck_assert(all_zero((unsigned char *)p, 1000));
        memset(p, 'x', 1000);
    }
    ck_assert_str_eq(first, "first");
    arena_free(a);
}
END_TEST

START_TEST(strings)
{
    arena *a = arena_new();
    const char *src = "Æblegrød";
    char *d = arena_strdup(a, src);
    ck_assert_ptr_ne(d, src);
    ck_assert_str_eq(d, "Æblegrød");
    ck_assert_ptr_null(arena_strdup(a, NULL));
    ck_assert_ptr_null(arena_strndup(a, NULL, 3));

    char *n = arena_strndup(a, "residents/abc", 9);
    ck_assert_str_eq(n, "residents");
    ck_assert_str_eq(arena_strndup(a, "abc", 0), "");
    ck_assert_str_eq(arena_strdup(a, ""), "");
    /* strndup copies exactly n bytes, even past an embedded NUL's neighbours. */
    ck_assert_mem_eq(arena_strndup(a, "ab\0cd", 5), "ab\0cd", 6);

    ck_assert_str_eq(arena_printf(a, "%s-%d-%05.1f-%c", "x", -7, 3.14159, 'z'), "x--7-003.1-z");
    ck_assert_str_eq(arena_printf(a, "%s", ""), "");

    /* printf larger than a chunk. */
    char *long_src = malloc(20001);
    ck_assert_ptr_nonnull(long_src);
    memset(long_src, 'q', 20000);
    long_src[20000] = '\0';
    char *p = arena_printf(a, "<%s>", long_src);
    ck_assert_uint_eq(strlen(p), 20002);
    ck_assert_int_eq(p[0], '<');
    ck_assert_int_eq(p[20001], '>');
    ck_assert_int_eq(memcmp(p + 1, long_src, 20000), 0);
    char *dup = arena_strdup(a, long_src);
    ck_assert_str_eq(dup, long_src);
    free(long_src);

    /* The copies are independent of each other. */
    d[0] = 'X';
    ck_assert_str_eq(n, "residents");
    arena_free(a);
}
END_TEST

/* ---- cleanup callbacks ---- */

static int order[16];
static int norder;

static void record(void *p)
{
    ck_assert_int_lt(norder, 16);
    order[norder++] = *(int *)p;
}

START_TEST(defer_runs_in_reverse_order)
{
    static int ids[] = {1, 2, 3, 4, 5};
    norder = 0;
    arena *a = arena_new();
    for (int i = 0; i < 5; i++) {
        arena_defer(a, record, &ids[i]);
        arena_alloc(a, 5000); /* callbacks spread over several chunks */
    }
    ck_assert_int_eq(norder, 0); /* nothing runs before the free */
    arena_free(a);
    ck_assert_int_eq(norder, 5);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(order[i], 5 - i);
}
END_TEST

START_TEST(defer_releases_resources)
{
    /* What handlers register: malloc'd memory and jansson-like refcounted things. A missed
     * callback is a leak that ASan reports at exit. */
    arena *a = arena_new();
    for (int i = 0; i < 100; i++)
        arena_defer(a, free, malloc(64));
    arena_defer(a, free, NULL); /* free(NULL) is fine to register */
    arena_free(a);
}
END_TEST

START_TEST(free_empty_and_null)
{
    arena_free(NULL);
    arena *a = arena_new();
    ck_assert_ptr_nonnull(a);
    arena_free(a);
}
END_TEST

static Suite *arena_suite(void)
{
    Suite *s = suite_create("arena");
    TCase *tc = tcase_create("alloc");
    tcase_add_test(tc, alloc_aligned_and_zeroed);
    tcase_add_test(tc, alloc_zero_bytes);
    tcase_add_test(tc, large_allocations);
    tcase_add_test(tc, many_chunks);
    tcase_add_test(tc, strings);
    suite_add_tcase(s, tc);

    TCase *d = tcase_create("defer");
    tcase_add_test(d, defer_runs_in_reverse_order);
    tcase_add_test(d, defer_releases_resources);
    tcase_add_test(d, free_empty_and_null);
    suite_add_tcase(s, d);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(arena_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
