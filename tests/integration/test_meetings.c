/*
 * Meetings as the team and the facility meet them: a network meeting is refused unless
 * someone from the municipality, someone from the region and the resident take part; a
 * relative is refused without the resident's consent and accepted with it; minutes are
 * saved with If-Match; and the annual wheel lists the pair's joint events of the year.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "it_check.h"

#define RESIDENT_3 "40000000-0000-4000-8000-000000000003"
#define RESIDENT_4 "40000000-0000-4000-8000-000000000004"

static char *network_body(const char *resident, const char *participants)
{
    char *b = malloc(2048);
    snprintf(b, 2048,
             "{\"kind\": \"network\", \"resident_id\": \"%s\", \"title\": \"Network meeting\", "
             "\"starts_at\": \"2030-05-02T10:00:00+02:00\", "
             "\"ends_at\": \"2030-05-02T11:00:00+02:00\", \"participants\": [%s]}",
             resident, participants);
    return b;
}

#define P_RESIDENT "{\"kind\": \"resident\", \"side\": \"resident\"}"
#define P_STAFF "{\"kind\": \"staff\", \"side\": \"municipality\", \"user_id\": \"" IT_USER_STAFF_ENGEN "\"}"
#define P_CLIN "{\"kind\": \"staff\", \"side\": \"region\", \"user_id\": \"" IT_USER_CLINICIAN_SLAGELSE "\"}"
#define P_RELATIVE "{\"kind\": \"relative\", \"side\": \"other\", \"external_name\": \"Mother\"}"

START_TEST(test_network_meeting_needs_both_sides_and_the_resident)
{
    char *t = it_login("staff@engen.demo");
    const char *incomplete[] = {P_RESIDENT "," P_STAFF, P_RESIDENT "," P_CLIN, P_STAFF "," P_CLIN,
                                ""};
    for (int i = 0; i < 4; i++) {
        char *b = network_body(RESIDENT_3, incomplete[i]);
        it_response *r = it_request("POST", "/api/meetings", t, b, NULL);
        IT_ASSERT_PROBLEM(r, 422, "network-meeting-composition");
        it_response_free(r);
        free(b);
    }
    char *b = network_body(RESIDENT_3, P_RESIDENT "," P_STAFF "," P_CLIN);
    it_response *r = it_request("POST", "/api/meetings", t, b, NULL);
    IT_ASSERT_STATUS(r, 201);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "participants")), 3);
    ck_assert_str_eq(it_json_str(r, "resident_id"), RESIDENT_3);
    char *loc = it_header(r, "Location");
    ck_assert_ptr_nonnull(loc);
    it_response_free(r);
    free(b);

    /* minutes with If-Match; a stale version is refused */
    const char *h1[] = {"If-Match: \"1\"", NULL};
    char path[128];
    snprintf(path, sizeof path, "%s", loc);
    r = it_request("PATCH", path, t, "{\"minutes\": \"Agreed next steps.\", \"status\": \"held\"}", h1);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "minutes"), "Agreed next steps.");
    ck_assert(json_is_true(json_object_get(r->json, "touched")));
    it_response_free(r);
    r = it_request("PATCH", path, t, "{\"decisions\": \"x\"}", h1);
    IT_ASSERT_PROBLEM(r, 412, "stale-version");
    it_response_free(r);
    r = it_request("PATCH", path, t, "{\"decisions\": \"x\"}", NULL);
    IT_ASSERT_PROBLEM(r, 428, "if-match-required");
    it_response_free(r);
    /* an empty change is refused, and the version stays */
    const char *h2[] = {"If-Match: \"2\"", NULL};
    r = it_request("PATCH", path, t, "{}", h2);
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    it_response_free(r);
    r = it_request("GET", path, t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "version")), 2);
    it_response_free(r);

    /* another team does not see it */
    char *other = it_login("clinician@holbaek.demo");
    r = it_request("GET", path, other, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    it_response_free(r);
    free(other);
    free(loc);
    free(t);
}
END_TEST

START_TEST(test_relative_requires_consent)
{
    char *t = it_login("clinician@slagelse.demo");
    /* make sure the latest relatives consent of this resident is a withdrawal */
    PGconn *db = it_db_owner();
    PQclear(PQexec(db, "INSERT INTO consents (resident_id, team_id, facility_id, kind, granted, "
                       "recorded_by) VALUES ('" RESIDENT_4 "', '" RESIDENT_4 "', '" RESIDENT_4
                       "', 'relatives_may_attend', false, '" IT_USER_CLINICIAN_SLAGELSE "')"));
    char *b = network_body(RESIDENT_4, P_RESIDENT "," P_STAFF "," P_CLIN "," P_RELATIVE);
    it_response *r = it_request("POST", "/api/meetings", t, b, NULL);
    IT_ASSERT_PROBLEM(r, 422, "relatives-require-consent");
    it_response_free(r);

    /* the resident consents: the same meeting is accepted */
    PQclear(PQexec(db, "INSERT INTO consents (resident_id, team_id, facility_id, kind, granted, "
                       "recorded_by) VALUES ('" RESIDENT_4 "', '" RESIDENT_4 "', '" RESIDENT_4
                       "', 'relatives_may_attend', true, '" IT_USER_CLINICIAN_SLAGELSE "')"));
    r = it_request("POST", "/api/meetings", t, b, NULL);
    IT_ASSERT_STATUS(r, 201);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "participants")), 4);
    it_response_free(r);
    PQfinish(db);
    free(b);
    free(t);
}
END_TEST

START_TEST(test_annual_wheel_lists_joint_events)
{
    char *t = it_login("manager@engen.demo");
    char body[512];
    snprintf(body, sizeof body,
             "{\"kind\": \"teaching\", \"team_id\": \"%s\", \"facility_id\": \"%s\", "
             "\"title\": \"Teaching: suicide risk\", \"starts_at\": \"2031-03-10T13:00:00+01:00\", "
             "\"ends_at\": \"2031-03-10T15:00:00+01:00\", \"participants\": [" P_STAFF "]}",
             IT_TEAM_SLAGELSE, IT_FACILITY_ENGEN);
    it_response *r = it_request("POST", "/api/meetings", t, body, NULL);
    IT_ASSERT_STATUS(r, 201);
    it_response_free(r);
    /* a joint event is no place for a relative */
    snprintf(body, sizeof body,
             "{\"kind\": \"theme\", \"team_id\": \"%s\", \"facility_id\": \"%s\", "
             "\"title\": \"Theme\", \"starts_at\": \"2031-04-10T13:00:00+02:00\", "
             "\"ends_at\": \"2031-04-10T15:00:00+02:00\", \"participants\": [" P_RELATIVE "]}",
             IT_TEAM_SLAGELSE, IT_FACILITY_ENGEN);
    r = it_request("POST", "/api/meetings", t, body, NULL);
    IT_ASSERT_PROBLEM(r, 422, "joint-event-staff-only");
    it_response_free(r);

    char *clin = it_login("clinician@slagelse.demo");
    r = it_request("GET", "/api/annual-wheel?year=2031", clin, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    json_t *items = json_object_get(r->json, "items");
    ck_assert_int_eq(json_array_size(items), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "title")),
                     "Teaching: suicide risk");
    it_response_free(r);
    /* the demo year has theme meetings and teaching, and never a network meeting */
    r = it_request("GET", "/api/annual-wheel", clin, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_ptr_null(strstr(r->body, "\"network\""));
    it_response_free(r);
    /* Holbæk's wheel does not show Slagelse/Engen's events */
    char *other = it_login("clinician@holbaek.demo");
    r = it_request("GET", "/api/annual-wheel?year=2031", other, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 0);
    it_response_free(r);
    free(other);
    free(clin);
    free(t);
}
END_TEST

int main(void)
{
    it_server_start(NULL);
    Suite *s = suite_create("meetings");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_network_meeting_needs_both_sides_and_the_resident);
    tcase_add_test(tc, test_relative_requires_consent);
    tcase_add_test(tc, test_annual_wheel_lists_joint_events);
    suite_add_tcase(s, tc);
    return it_run_suite(s);
}
