/*
 * test_problem: lib/problem. Every error body a client sees has the same
 * shape: type /problems/<code>, a title (the reason phrase unless given), the
 * numeric status, a detail, the request id and, for validation failures, the
 * errors array as the handler built it.
 */
#include "problem.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(body_has_every_member)
{
    json_t *errors = json_array();
    problem_field(errors, "name", "is required");
    problem_field(errors, "born", "must be a date (YYYY-MM-DD)");

    json_t *b = problem_body(422, "validation-failed", NULL, "Check the fields.", "abc123", errors);
    ck_assert_ptr_nonnull(b);
    ck_assert_str_eq(json_string_value(json_object_get(b, "type")), "/problems/validation-failed");
    ck_assert_str_eq(json_string_value(json_object_get(b, "title")), "Unprocessable Content");
    ck_assert(json_is_integer(json_object_get(b, "status")));
    ck_assert_int_eq(json_integer_value(json_object_get(b, "status")), 422);
    ck_assert_str_eq(json_string_value(json_object_get(b, "detail")), "Check the fields.");
    ck_assert_str_eq(json_string_value(json_object_get(b, "code")), "validation-failed");
    ck_assert_str_eq(json_string_value(json_object_get(b, "request_id")), "abc123");

    /* errors is kept as built: same array, same entries, same order. */
    json_t *e = json_object_get(b, "errors");
    ck_assert_ptr_eq(e, errors);
    ck_assert_uint_eq(json_array_size(e), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(e, 0), "field")), "name");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(e, 0), "reason")),
                     "is required");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(e, 1), "field")), "born");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(e, 1), "reason")),
                     "must be a date (YYYY-MM-DD)");
    ck_assert_uint_eq(json_object_size(json_array_get(e, 0)), 2);

    /* Nothing else leaks into the body. */
    ck_assert_uint_eq(json_object_size(b), 7);
    json_decref(b); /* frees the stolen errors too; ASan reports a leak otherwise */
}
END_TEST

START_TEST(errors_are_stolen)
{
    json_t *errors = json_array();
    json_incref(errors); /* keep our own reference to watch the count */
    json_t *b = problem_body(400, "bad-query", NULL, NULL, NULL, errors);
    ck_assert_uint_eq(errors->refcount, 2);
    json_decref(b);
    ck_assert_uint_eq(errors->refcount, 1);
    json_decref(errors);
}
END_TEST

START_TEST(title_defaults_to_reason_phrase)
{
    static const struct {
        unsigned status;
        const char *title;
    } cases[] = {
        {400, "Bad Request"},          {401, "Unauthorized"},
        {403, "Forbidden"},            {404, "Not Found"},
        {405, "Method Not Allowed"},   {406, "Not Acceptable"},
        {409, "Conflict"},             {411, "Length Required"},
        {412, "Precondition Failed"},  {413, "Content Too Large"},
        {415, "Unsupported Media Type"}, {422, "Unprocessable Content"},
        {428, "Precondition Required"}, {429, "Too Many Requests"},
        {500, "Internal Server Error"}, {502, "Bad Gateway"},
        {503, "Service Unavailable"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert_str_eq(problem_status_title(cases[i].status), cases[i].title);
        json_t *b = problem_body(cases[i].status, "x", NULL, "d", NULL, NULL);
        ck_assert_str_eq(json_string_value(json_object_get(b, "title")), cases[i].title);
        ck_assert_int_eq(json_integer_value(json_object_get(b, "status")), cases[i].status);
        json_decref(b);
    }
    /* An unlisted status still gets a title. */
    ck_assert_str_eq(problem_status_title(418), "Error");
    ck_assert_str_eq(problem_status_title(0), "Error");
}
END_TEST

START_TEST(explicit_title_wins)
{
    json_t *b = problem_body(409, "stale-version", "The agreement changed", "Reload it.", "r1",
                             NULL);
    ck_assert_str_eq(json_string_value(json_object_get(b, "type")), "/problems/stale-version");
    ck_assert_str_eq(json_string_value(json_object_get(b, "title")), "The agreement changed");
    ck_assert_int_eq(json_integer_value(json_object_get(b, "status")), 409);
    ck_assert_str_eq(json_string_value(json_object_get(b, "detail")), "Reload it.");
    json_decref(b);
}
END_TEST

START_TEST(optional_members)
{
    /* No errors: no errors member. No instance: no request_id. No detail: empty detail. */
    json_t *b = problem_body(404, "not-found", NULL, NULL, NULL, NULL);
    ck_assert_ptr_null(json_object_get(b, "errors"));
    ck_assert_ptr_null(json_object_get(b, "request_id"));
    ck_assert_str_eq(json_string_value(json_object_get(b, "detail")), "");
    ck_assert_str_eq(json_string_value(json_object_get(b, "title")), "Not Found");
    json_decref(b);

    /* No code: a generic type, still a URI under /problems/. */
    b = problem_body(500, NULL, NULL, "Something failed.", "r2", NULL);
    ck_assert_str_eq(json_string_value(json_object_get(b, "type")), "/problems/error");
    ck_assert_str_eq(json_string_value(json_object_get(b, "code")), "error");
    json_decref(b);

    /* An empty errors array is still sent as an array. */
    b = problem_body(422, "validation-failed", NULL, "x", NULL, json_array());
    ck_assert(json_is_array(json_object_get(b, "errors")));
    ck_assert_uint_eq(json_array_size(json_object_get(b, "errors")), 0);
    json_decref(b);
}
END_TEST

START_TEST(body_serialises_as_problem_json)
{
    json_t *errors = json_array();
    problem_field(errors, "email", "must be an e-mail address");
    json_t *b = problem_body(422, "validation-failed", NULL, "Æblegrød \"quoted\"", "id", errors);
    char *text = json_dumps(b, JSON_COMPACT);
    ck_assert_ptr_nonnull(text);
    json_t *back = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    ck_assert_ptr_nonnull(back);
    ck_assert(json_equal(back, b));
    ck_assert_str_eq(json_string_value(json_object_get(back, "detail")), "Æblegrød \"quoted\"");
    json_decref(back);
    free(text);
    json_decref(b);
}
END_TEST

START_TEST(field_appends_in_order)
{
    json_t *errors = json_array();
    problem_field(errors, "a", "first");
    problem_field(errors, "a", "second");
    problem_field(errors, "b", "third");
    ck_assert_uint_eq(json_array_size(errors), 3);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 1), "reason")),
                     "second");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 2), "field")), "b");
    json_decref(errors);
}
END_TEST

static Suite *problem_suite(void)
{
    Suite *s = suite_create("problem");
    TCase *tc = tcase_create("body");
    tcase_add_test(tc, body_has_every_member);
    tcase_add_test(tc, errors_are_stolen);
    tcase_add_test(tc, title_defaults_to_reason_phrase);
    tcase_add_test(tc, explicit_title_wins);
    tcase_add_test(tc, optional_members);
    tcase_add_test(tc, body_serialises_as_problem_json);
    tcase_add_test(tc, field_appends_in_order);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(problem_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
