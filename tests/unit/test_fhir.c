/*
 * lib/fhir.c: the date search values FHIR allows (and no others reach the database), FHIR
 * ids, and the OperationOutcome a problem becomes under /fhir.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "fhir.h"
#include "problem.h"

static bool date_ok(const char *text, const char *want_prefix, const char *want_value)
{
    char prefix[3], value[48];
    if (!fhir_date_param(text, prefix, value, sizeof value))
        return false;
    ck_assert_str_eq(prefix, want_prefix);
    ck_assert_str_eq(value, want_value);
    return true;
}

START_TEST(dates_with_and_without_prefix)
{
    ck_assert(date_ok("2026", "eq", "2026"));
    ck_assert(date_ok("ge2026-03", "ge", "2026-03"));
    ck_assert(date_ok("lt2026-03-05", "lt", "2026-03-05"));
    ck_assert(date_ok("ne2026-03-05T10:15Z", "ne", "2026-03-05T10:15Z"));
    ck_assert(date_ok("gt2026-03-05T10:15:30.123456+01:00", "gt",
                      "2026-03-05T10:15:30.123456+01:00"));
    /* a time zone's '+' that arrived as a space (not encoded by the client) */
    ck_assert(date_ok("le2026-03-05T10:15:30 02:00", "le", "2026-03-05T10:15:30+02:00"));
}
END_TEST

START_TEST(malformed_dates_are_refused)
{
    char prefix[3], value[48];
    const char *bad[] = {"", "ge", "yesterday", "26", "2026-3", "2026-13", "2026-00-10",
                         "2026-03-32", "2026-03-05T10:15", "2026-03-05T25:00Z",
                         "2026-03-05T10:15:30", "2026-03-05T10:15:30+1:00",
                         "2026-03-05T10:15:30.Z", "xx2026", "0999-01-01",
                         "2026-03-05'; DROP TABLE residents; --", NULL};
    for (const char *const *b = bad; *b; b++)
        ck_assert_msg(!fhir_date_param(*b, prefix, value, sizeof value), "accepted %s", *b);
    ck_assert(!fhir_date_param(NULL, prefix, value, sizeof value));
}
END_TEST

START_TEST(ids)
{
    ck_assert(fhir_id_ok("40000000-0000-4000-8000-000000000001"));
    ck_assert(fhir_id_ok("a.b-C9"));
    ck_assert(!fhir_id_ok(""));
    ck_assert(!fhir_id_ok("a/b"));
    ck_assert(!fhir_id_ok("a_b"));
    char long_id[70];
    memset(long_id, 'a', 65);
    long_id[65] = '\0';
    ck_assert(!fhir_id_ok(long_id));
}
END_TEST

START_TEST(problem_becomes_operation_outcome)
{
    json_t *errors = json_array();
    problem_field(errors, "date", "must be a date");
    json_t *p = problem_body(400, "bad-query", NULL, "date must be a date.", "abc", errors);
    json_t *o = fhir_outcome_from_problem(p, 400, "0123abcd");
    ck_assert_str_eq(json_string_value(json_object_get(o, "resourceType")), "OperationOutcome");
    ck_assert_str_eq(json_string_value(json_object_get(o, "id")), "0123abcd");
    json_t *issue = json_array_get(json_object_get(o, "issue"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(issue, "severity")), "error");
    ck_assert_str_eq(json_string_value(json_object_get(issue, "code")), "invalid");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(issue, "expression"), 0)),
                     "date");
    ck_assert_str_eq(json_string_value(json_object_get(issue, "diagnostics")),
                     "date must be a date");
    json_t *coding = json_array_get(json_object_get(json_object_get(issue, "details"), "coding"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(coding, "code")), "bad-query");
    json_decref(o);
    json_decref(p);

    /* without errors: one issue with the detail; 5xx are fatal */
    p = problem_body(503, "busy", NULL, "The database was busy.", NULL, NULL);
    o = fhir_outcome_from_problem(p, 503, NULL);
    issue = json_array_get(json_object_get(o, "issue"), 0);
    ck_assert_int_eq(json_array_size(json_object_get(o, "issue")), 1);
    ck_assert_str_eq(json_string_value(json_object_get(issue, "severity")), "fatal");
    ck_assert_str_eq(json_string_value(json_object_get(issue, "code")), "transient");
    ck_assert_str_eq(json_string_value(json_object_get(issue, "diagnostics")),
                     "The database was busy.");
    ck_assert_ptr_null(json_object_get(o, "id"));
    json_decref(o);
    json_decref(p);

    /* not JSON at all still gives a valid outcome */
    o = fhir_outcome_from_problem(NULL, 500, "x");
    ck_assert_int_eq(json_array_size(json_object_get(o, "issue")), 1);
    json_decref(o);
}
END_TEST

START_TEST(issue_codes)
{
    ck_assert_str_eq(fhir_issue_code(401), "login");
    ck_assert_str_eq(fhir_issue_code(403), "forbidden");
    ck_assert_str_eq(fhir_issue_code(404), "not-found");
    ck_assert_str_eq(fhir_issue_code(410), "deleted");
    ck_assert_str_eq(fhir_issue_code(429), "throttled");
    ck_assert_str_eq(fhir_issue_code(500), "exception");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fhir");
    TCase *tc = tcase_create("lib");
    tcase_add_test(tc, dates_with_and_without_prefix);
    tcase_add_test(tc, malformed_dates_are_refused);
    tcase_add_test(tc, ids);
    tcase_add_test(tc, problem_becomes_operation_outcome);
    tcase_add_test(tc, issue_codes);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
