/*
 * Consent as the users meet it: both organisations record a consent or its withdrawal,
 * the history only grows, the current state is the latest record per kind, and a
 * withdrawal hides the shared summary from the facility at once, in the list and in its
 * counts. Another team's resident's consents are neither readable nor writable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it_check.h"
#include "json.h"

/* A fresh resident at Engen, created by the caller of token; the id (malloc'd). */
static char *new_resident(const char *token)
{
    return it_new_resident(token, "Consenting ", "1979-09-09");
}

static it_response *record(const char *token, const char *resident, const char *body)
{
    char path[160];
    snprintf(path, sizeof path, "/api/residents/%s/consents", resident);
    return it_request("POST", path, token, body, NULL);
}

static it_response *consents(const char *token, const char *resident)
{
    char path[160];
    snprintf(path, sizeof path, "/api/residents/%s/consents", resident);
    return it_request("GET", path, token, NULL, NULL);
}

/* The current entry of kind in a GET consents response. */
static json_t *current(const it_response *r, const char *kind)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(r->json, "current"), i, c) {
        if (strcmp(json_str(c, "kind"), kind) == 0)
            return c;
    }
    ck_abort_msg("no current entry for %s", kind);
    return NULL;
}

static long audit_count(const it_response *r, const char *outcome)
{
    char *rid = it_header(r, "X-Request-Id");
    PGconn *db = it_db_owner();
    const char *p[] = {rid, outcome};
    char *v = it_db_value_params(
        db, "SELECT count(*) FROM audit_log WHERE request_id = $1 AND outcome = $2", 2, p);
    long n = v ? strtol(v, NULL, 10) : -1;
    free(v);
    free(rid);
    PQfinish(db);
    return n;
}

/* Logs a held conversation with a summary and a clinical note; returns its id. */
static char *log_conversation(const char *token, const char *resident)
{
    char body[1024];
    snprintf(body, sizeof body,
             "{\"resident_id\": \"%s\", \"occurred_at\": \"2025-03-05T10:00:00+01:00\", "
             "\"kind\": \"fixed_visit\", \"outcome\": \"held\", \"contact_person_present\": true, "
             "\"summary\": \"Talked about the week.\", \"clinical_note\": \"Mood stable.\"}",
             resident);
    it_response *r = it_request("POST", "/api/conversations", token, body, NULL);
    IT_ASSERT_STATUS(r, 201);
    char *id = strdup(it_json_str(r, "id"));
    it_response_free(r);
    return id;
}

static json_t *first_item(const it_response *r)
{
    return json_array_get(json_object_get(r->json, "items"), 0);
}

START_TEST(test_withdrawn_consent_hides_the_summary_at_once)
{
    char *clin = it_login("clinician@slagelse.demo");
    char *staff = it_login("staff@engen.demo");
    char *id = new_resident(clin);
    char *conv = log_conversation(clin, id);
    char path[200], counted[240];
    snprintf(path, sizeof path, "/api/residents/%s/conversations", id);
    snprintf(counted, sizeof counted, "%s?has_summary=true", path);

    /* no consent yet: the facility sees that a conversation was held, not what was said */
    it_response *r = it_request("GET", path, staff, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert(json_is_null(json_object_get(first_item(r), "summary")));
    ck_assert_str_eq(json_str(first_item(r), "summary_hidden_reason"), "no_consent");
    ck_assert_str_eq(json_str(first_item(r), "summary_consent_state"), "none");
    ck_assert(json_is_null(json_object_get(first_item(r), "summary_hidden_since")));
    it_response_free(r);

    /* the facility records the resident's consent */
    r = record(staff, id, "{\"kind\": \"share_summary_with_facility\", \"granted\": true, "
                          "\"scope_note\": \"Given at the house meeting.\"}");
    IT_ASSERT_STATUS(r, 201);
    ck_assert_str_eq(it_json_str(r, "recorded_by"), IT_USER_STAFF_ENGEN);
    ck_assert_int_eq(audit_count(r, "allowed"), 1);
    it_response_free(r);
    r = it_request("GET", path, staff, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(json_str(first_item(r), "summary"), "Talked about the week.");
    ck_assert(json_is_null(json_object_get(first_item(r), "summary_hidden_reason")));
    ck_assert_ptr_null(json_object_get(first_item(r), "clinical_note"));
    it_response_free(r);
    r = it_request("GET", counted, staff, NULL, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
    it_response_free(r);

    /* withdrawn at the next visit (the team records it): hidden at once, also in counts */
    r = record(clin, id, "{\"kind\": \"share_summary_with_facility\", \"granted\": false}");
    IT_ASSERT_STATUS(r, 201);
    it_response_free(r);
    r = it_request("GET", path, staff, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
    ck_assert(json_is_null(json_object_get(first_item(r), "summary")));
    ck_assert_str_eq(json_str(first_item(r), "summary_hidden_reason"), "no_consent");
    /* ... and says it was withdrawn, and on which (Copenhagen) day */
    ck_assert_str_eq(json_str(first_item(r), "summary_consent_state"), "withdrawn");
    const char *since = json_str(first_item(r), "summary_hidden_since");
    ck_assert_ptr_nonnull(since);
    ck_assert_int_eq((int)strlen(since), 10);
    ck_assert(since[4] == '-' && since[7] == '-');
    it_response_free(r);
    r = it_request("GET", counted, staff, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 0);
    ck_assert(json_is_null(json_object_get(r->json, "next")));
    it_response_free(r);
    /* the team still reads both */
    r = it_request("GET", counted, clin, NULL, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
    ck_assert_str_eq(json_str(first_item(r), "clinical_note"), "Mood stable.");
    it_response_free(r);

    /* the database itself: as Engen staff, the summary row does not exist */
    PGconn *db = it_db_app();
    PQclear(PQexec(db, "BEGIN"));
    const char *p[] = {IT_USER_STAFF_ENGEN, "facility_staff", IT_FACILITY_ENGEN, "1", "it", "x"};
    PQclear(PQexecParams(db, "SELECT app_begin($1::uuid, $2, $3::uuid, $4::integer, $5, $6)", 6,
                         NULL, p, NULL, NULL, 0));
    const char *q[] = {conv};
    char *n = it_db_value_params(
        db, "SELECT count(*) FROM conversation_summaries WHERE conversation_id = $1::uuid", 1, q);
    ck_assert_str_eq(n, "0");
    free(n);
    PQclear(PQexec(db, "ROLLBACK"));
    PQfinish(db);

    /* current state and history */
    r = consents(staff, id);
    IT_ASSERT_STATUS(r, 200);
    json_t *share = current(r, "share_summary_with_facility");
    ck_assert_str_eq(json_str(share, "state"), "withdrawn");
    ck_assert(json_is_false(json_object_get(share, "in_force")));
    ck_assert_str_eq(json_str(current(r, "relatives_may_attend"), "state"), "none");
    json_t *history = json_object_get(r->json, "history");
    ck_assert_int_eq(json_array_size(history), 2);
    ck_assert(json_is_false(json_object_get(json_array_get(history, 0), "granted")));
    ck_assert(json_is_true(json_object_get(json_array_get(history, 1), "granted")));
    ck_assert_int_eq(audit_count(r, "allowed"), 1);
    it_response_free(r);
    free(conv);
    free(id);
    free(staff);
    free(clin);
}
END_TEST

START_TEST(test_consent_states_and_validation)
{
    char *clin = it_login("clinician@slagelse.demo");
    char *id = new_resident(clin);
    it_response *r = record(clin, id, "{\"kind\": \"relatives_may_attend\", \"granted\": true, "
                                      "\"valid_until\": \"2099-12-31\"}");
    IT_ASSERT_STATUS(r, 201);
    ck_assert_str_eq(it_json_str(r, "valid_until"), "2099-12-31");
    it_response_free(r);
    r = record(clin, id, "{\"kind\": \"relatives_may_attend\", \"granted\": true, "
                         "\"valid_until\": \"2001-01-01\"}");
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    ck_assert(it_problem_has_field(r, "valid_until"));
    it_response_free(r);
    r = record(clin, id, "{\"kind\": \"share_summary_with_facility\", \"granted\": true, "
                         "\"partners\": [\"Jobcenter\"]}");
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    ck_assert(it_problem_has_field(r, "partners"));
    it_response_free(r);
    r = record(clin, id, "{\"kind\": \"marketing\", \"granted\": true}");
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    it_response_free(r);
    r = record(clin, id, "{\"kind\": \"partners_may_attend\", \"granted\": true, "
                         "\"partners\": [\"Misbrugscenter Slagelse\"]}");
    IT_ASSERT_STATUS(r, 201);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r->json, "partners"), 0)),
                     "Misbrugscenter Slagelse");
    it_response_free(r);
    r = consents(clin, id);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(json_str(current(r, "relatives_may_attend"), "state"), "granted");
    ck_assert_str_eq(json_str(current(r, "partners_may_attend"), "state"), "granted");
    ck_assert(json_is_true(json_object_get(current(r, "partners_may_attend"), "in_force")));
    ck_assert_str_eq(json_str(current(r, "share_summary_with_facility"), "state"), "none");
    it_response_free(r);
    free(id);

    /* the demo's states: an expired and a refused consent */
    r = consents(clin, "40000000-0000-4000-8000-000000000005");
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(json_str(current(r, "share_summary_with_facility"), "state"), "expired");
    it_response_free(r);
    r = consents(clin, "40000000-0000-4000-8000-000000000006");
    ck_assert_str_eq(json_str(current(r, "share_summary_with_facility"), "state"), "refused");
    it_response_free(r);
    free(clin);
}
END_TEST

START_TEST(test_other_team_cannot_read_or_record)
{
    char *hol = it_login("clinician@holbaek.demo");
    it_response *r = consents(hol, IT_RESIDENT_ENGEN_1);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    ck_assert_int_eq(audit_count(r, "denied"), 1);
    it_response_free(r);
    r = record(hol, IT_RESIDENT_ENGEN_1,
               "{\"kind\": \"share_summary_with_facility\", \"granted\": false}");
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    ck_assert_int_eq(audit_count(r, "denied"), 1);
    it_response_free(r);
    free(hol);
    char *admin = it_login("admin@samspil.demo");
    r = consents(admin, IT_RESIDENT_ENGEN_1);
    IT_ASSERT_STATUS(r, 403);
    it_response_free(r);
    free(admin);
}
END_TEST

int main(void)
{
    it_server_start(NULL);
    Suite *s = suite_create("consents");
    TCase *tc = tcase_create("consents");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_withdrawn_consent_hides_the_summary_at_once);
    tcase_add_test(tc, test_consent_states_and_validation);
    tcase_add_test(tc, test_other_team_cannot_read_or_record);
    suite_add_tcase(s, tc);
    return it_run_suite(s);
}
