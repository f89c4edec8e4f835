/*
 * test_router: lib/router. A path matches a pattern only segment for
 * segment: each {name} takes exactly one non-empty segment, copied into the
 * request arena; a trailing slash, an empty segment or an extra segment is a
 * different path, never a match.
 */
#include "router.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static arena *a;

static void setup(void)
{
    a = arena_new();
    ck_assert_ptr_nonnull(a);
}

static void teardown(void)
{
    arena_free(a);
    a = NULL;
}

/* Whether path matches pattern, with up to 4 parameters captured into params. */
static bool match(const char *pattern, const char *path, const char *params[4])
{
    for (int i = 0; i < 4; i++)
        params[i] = NULL;
    return router_match(pattern, path, params, 4, a);
}

START_TEST(literal_paths)
{
    const char *p[4];
    ck_assert(match("/healthz", "/healthz", p));
    ck_assert(match("/", "/", p));
    ck_assert(match("/api/residents", "/api/residents", p));
    ck_assert_ptr_null(p[0]);
    ck_assert(!match("/api/residents", "/api/resident", p));
    ck_assert(!match("/api/residents", "/api/residentsx", p));
    ck_assert(!match("/api/residents", "/api/Residents", p));
    ck_assert(!match("/api/residents", "/api", p));
    ck_assert(!match("/api/residents", "", p));
    ck_assert(!match("/", "", p));
}
END_TEST

START_TEST(params_extracted)
{
    const char *p[4];
    const char *path = "/api/residents/123e4567-e89b-12d3-a456-426614174000/consents/42";
    ck_assert(match("/api/residents/{id}/consents/{consent}", path, p));
    ck_assert_str_eq(p[0], "123e4567-e89b-12d3-a456-426614174000");
    ck_assert_str_eq(p[1], "42");
    ck_assert_ptr_null(p[2]);
    /* Copies, not pointers into the path. */
    ck_assert_ptr_ne(p[0], path + strlen("/api/residents/"));

    ck_assert(match("/api/residents/{id}", "/api/residents/abc", p));
    ck_assert_str_eq(p[0], "abc");

    /* One-character segments, parameters next to each other. */
    ck_assert(match("/{a}/{b}/{c}", "/x/y/z", p));
    ck_assert_str_eq(p[0], "x");
    ck_assert_str_eq(p[1], "y");
    ck_assert_str_eq(p[2], "z");

    /* A segment may hold anything but a slash. */
    ck_assert(match("/files/{name}", "/files/Æblegrød.pdf", p));
    ck_assert_str_eq(p[0], "Æblegrød.pdf");
}
END_TEST

START_TEST(trailing_slash_is_a_different_path)
{
    const char *p[4];
    ck_assert(!match("/api/residents", "/api/residents/", p));
    ck_assert(!match("/api/residents/", "/api/residents", p));
    ck_assert(!match("/api/residents/{id}", "/api/residents/abc/", p));
    ck_assert(!match("/api/residents/{id}/", "/api/residents/abc", p));
    ck_assert(match("/api/residents/{id}/", "/api/residents/abc/", p));
    ck_assert_str_eq(p[0], "abc");
}
END_TEST

START_TEST(empty_segment_rejected)
{
    const char *p[4];
    ck_assert(!match("/api/residents/{id}", "/api/residents/", p));
    ck_assert(!match("/api/residents/{id}/consents", "/api/residents//consents", p));
    ck_assert(!match("/{a}/{b}", "//b", p));
    ck_assert(!match("/{a}/{b}", "/a/", p));
    ck_assert(!match("/api/residents", "/api//residents", p));
    ck_assert(!match("/api/residents/{id}", "/api/residents", p));
}
END_TEST

START_TEST(extra_segments_rejected)
{
    const char *p[4];
    ck_assert(!match("/api/residents/{id}", "/api/residents/abc/consents", p));
    ck_assert(!match("/api/residents/{id}", "/api/residents/abc/def", p));
    ck_assert(!match("/api/residents/{id}/consents", "/api/residents/abc/consents/1", p));
    ck_assert(!match("/api/residents", "/api/residents/abc", p));
    /* Nor missing ones. */
    ck_assert(!match("/api/residents/{id}/consents", "/api/residents/abc", p));
    ck_assert(!match("/api/residents/{id}/consents/{c}", "/api/residents/abc/consents", p));
    /* Literal text around a parameter must still match. */
    ck_assert(!match("/api/residents/{id}/consents", "/api/residents/abc/consent", p));
    ck_assert(!match("/api/residents/{id}/consents", "/api/people/abc/consents", p));
}
END_TEST

START_TEST(params_beyond_maxp_not_written)
{
    const char *p[4] = {NULL, NULL, NULL, "sentinel"};
    ck_assert(router_match("/{a}/{b}/{c}", "/x/y/z", p, 1, a));
    ck_assert_str_eq(p[0], "x");
    ck_assert_ptr_null(p[1]);
    ck_assert_ptr_null(p[2]);
    ck_assert_str_eq(p[3], "sentinel");

    /* No arena: matching only. */
    p[0] = NULL;
    ck_assert(router_match("/{a}", "/x", p, 4, NULL));
    ck_assert_ptr_null(p[0]);
    ck_assert(!router_match("/{a}", "/", p, 4, NULL));
}
END_TEST

START_TEST(unclosed_brace_never_matches)
{
    const char *p[4];
    ck_assert(!match("/api/{id", "/api/abc", p));
    ck_assert(!match("/api/{id", "/api/{id", p));
}
END_TEST

static Suite *router_suite(void)
{
    Suite *s = suite_create("router");
    TCase *tc = tcase_create("match");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, literal_paths);
    tcase_add_test(tc, params_extracted);
    tcase_add_test(tc, trailing_slash_is_a_different_path);
    tcase_add_test(tc, empty_segment_rejected);
    tcase_add_test(tc, extra_segments_rejected);
    tcase_add_test(tc, params_beyond_maxp_not_written);
    tcase_add_test(tc, unclosed_brace_never_matches);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(router_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
