/*
 * Meetings as the team and the facility meet them: a network meeting is refused unless
 * someone from the municipality, someone from the region and the resident take part; a
 * relative is refused without the resident's consent and accepted with it; minutes are
 * saved with If-Match; the annual wheel lists the pair's joint events of the year; and
 * participants are added and removed later within the same rules.
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

/* POSTs one participant to the meeting at path (".../participants" appended). */
static it_response *add_part(const char *meeting, const char *token, const char *body,
                             const char *key)
{
    char path[160], kh[96];
    snprintf(path, sizeof path, "%s/participants", meeting);
    snprintf(kh, sizeof kh, "Idempotency-Key: %s", key ? key : "");
    const char *h[] = {kh, NULL};
    return it_request("POST", path, token, body, key ? h : NULL);
}

/* The id of the participant whose user_id is user (or NULL) in a meeting reply. */
static char *part_of(const it_response *r, const char *user)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(r->json, "participants"), i, p) {
        const char *u = json_string_value(json_object_get(p, "user_id"));
        if (u && strcmp(u, user) == 0)
            return strdup(json_string_value(json_object_get(p, "id")));
    }
    return NULL;
}

START_TEST(test_participants_added_and_removed_later)
{
    char *t = it_login("staff@engen.demo");
    char *b = network_body(RESIDENT_3, P_RESIDENT "," P_STAFF "," P_CLIN);
    it_response *r = it_request("POST", "/api/meetings", t, b, NULL);
    IT_ASSERT_STATUS(r, 201);
    char *m = it_header(r, "Location");
    char *clin_part = part_of(r, IT_USER_CLINICIAN_SLAGELSE);
    ck_assert_ptr_nonnull(clin_part);
    it_response_free(r);
    free(b);

    /* the facility's manager joins on the municipality's side; a retry adds nobody */
    const char *mgr = "{\"kind\": \"staff\", \"side\": \"municipality\", \"user_id\": \""
                      IT_USER_MANAGER_ENGEN "\", \"role\": \"Manager\"}";
    char *key = it_unique("part");
    for (int i = 0; i < 2; i++) {
        r = add_part(m, t, mgr, key);
        IT_ASSERT_STATUS(r, 201);
        ck_assert_int_eq(json_array_size(json_object_get(r->json, "participants")), 4);
        char *mp = part_of(r, IT_USER_MANAGER_ENGEN);
        ck_assert_ptr_nonnull(mp);
        free(mp);
        it_response_free(r);
    }
    free(key);
    /* the same person twice, and the resident twice, are refused */
    r = add_part(m, t, mgr, NULL);
    IT_ASSERT_PROBLEM(r, 409, "participant-exists");
    ck_assert(it_problem_has_field(r, "user_id"));
    it_response_free(r);
    r = add_part(m, t, P_RESIDENT, NULL);
    IT_ASSERT_PROBLEM(r, 409, "participant-exists");
    it_response_free(r);
    /* someone of another pair, or on the wrong side, or without a name: refused */
    r = add_part(m, t,
                 "{\"kind\": \"staff\", \"side\": \"region\", \"user_id\": \""
                 IT_USER_CLINICIAN_HOLBAEK "\"}", NULL);
    IT_ASSERT_PROBLEM(r, 422, "participant-not-of-the-pair");
    ck_assert(it_problem_has_field(r, "user_id"));
    it_response_free(r);
    r = add_part(m, t,
                 "{\"kind\": \"staff\", \"side\": \"region\", \"user_id\": \""
                 IT_USER_MANAGER_ENGEN "\"}", NULL);
    IT_ASSERT_PROBLEM(r, 422, "participant-side");
    it_response_free(r);
    r = add_part(m, t, "{\"kind\": \"staff\", \"side\": \"other\"}", NULL);
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    ck_assert(it_problem_has_field(r, "external_name"));
    it_response_free(r);
    r = add_part(m, t, "{\"kind\": \"staff\", \"side\": \"other\", \"name\": \"x\"}", NULL);
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    it_response_free(r);

    /* the clinician is the only one from the region: removing them is refused */
    char path[256];
    snprintf(path, sizeof path, "%s/participants/%s", m, clin_part);
    r = it_request("DELETE", path, t, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 422, "network-meeting-composition");
    it_response_free(r);
    r = it_request("GET", m, t, NULL, NULL);
    char *still = part_of(r, IT_USER_CLINICIAN_SLAGELSE);
    ck_assert_ptr_nonnull(still);
    free(still);
    it_response_free(r);

    /* another team cannot touch it */
    char *other = it_login("clinician@holbaek.demo");
    r = it_request("DELETE", path, other, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    it_response_free(r);
    r = add_part(m, other, P_RESIDENT, NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    it_response_free(r);
    free(other);

    /* with the team's manager added, the clinician can be taken off: the mark is kept */
    char *clin = it_login("clinician@slagelse.demo");
    r = add_part(m, clin,
                 "{\"kind\": \"staff\", \"side\": \"region\", \"user_id\": \""
                 IT_USER_MANAGER_SLAGELSE "\"}", NULL);
    IT_ASSERT_STATUS(r, 201);
    it_response_free(r);
    r = it_request("DELETE", path, t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    still = part_of(r, IT_USER_CLINICIAN_SLAGELSE);
    ck_assert_ptr_null(still);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "participants")), 4);
    it_response_free(r);
    r = it_request("DELETE", path, t, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    it_response_free(r);
    PGconn *db = it_db_owner();
    const char *pp[] = {clin_part};
    char *by = it_db_value_params(db, "SELECT removed_by FROM meeting_participants "
                                      "WHERE id = $1::uuid AND removed_at IS NOT NULL", 1, pp);
    ck_assert_str_eq(by, IT_USER_STAFF_ENGEN);
    free(by);
    /* and once removed, they can be invited again */
    r = add_part(m, clin, P_CLIN, NULL);
    IT_ASSERT_STATUS(r, 201);
    it_response_free(r);
    /* every change of a network meeting's participants is in the resident's audit trail */
    const char *mid = strrchr(m, '/') + 1;
    const char *pa[] = {mid};
    char *n = it_db_value_params(db, "SELECT count(*) FROM audit_log WHERE resource_id = $1 "
                                     "AND resource_type = 'meeting' AND action = 'update' "
                                     "AND resident_id = '" RESIDENT_3 "'", 1, pa);
    ck_assert_int_ge(atoi(n), 4);
    free(n);
    PQfinish(db);
    free(clin);
    free(clin_part);
    free(m);
    free(t);
}
END_TEST

START_TEST(test_safety_risk_needs_someone_of_the_facility)
{
    char *clin = it_login("clinician@slagelse.demo");
    char *name = it_unique("Risk ");
    char body[1024];
    snprintf(body, sizeof body,
             "{\"name\": \"%s\", \"date_of_birth\": \"1980-01-01\", \"facility_id\": \""
             IT_FACILITY_ENGEN "\", \"contact_person_id\": \"" IT_USER_STAFF_ENGEN "\"}",
             name);
    it_response *r = it_request("POST", "/api/residents", clin, body, NULL);
    IT_ASSERT_STATUS(r, 201);
    char *res = strdup(it_json_str(r, "id"));
    char *etag = it_header(r, "ETag");
    it_response_free(r);
    char path[160], im[64];
    snprintf(path, sizeof path, "/api/residents/%s", res);
    snprintf(im, sizeof im, "If-Match: %s", etag);
    const char *h[] = {im, NULL};
    r = it_request("PATCH", path, clin, "{\"safety_risk\": true, \"safety_note\": \"Threats.\"}", h);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);

    /* someone of the municipality, but nobody of the facility: refused, naming the rule */
    char *b = network_body(res, P_RESIDENT "," P_CLIN ", {\"kind\": \"staff\", \"side\": "
                                "\"municipality\", \"external_name\": \"Case worker\"}");
    r = it_request("POST", "/api/meetings", clin, b, NULL);
    IT_ASSERT_PROBLEM(r, 422, "safety-risk-requires-staff");
    ck_assert(it_problem_has_field(r, "participants"));
    it_response_free(r);
    free(b);
    /* with the contact person it is planned */
    b = network_body(res, P_RESIDENT "," P_CLIN "," P_STAFF);
    r = it_request("POST", "/api/meetings", clin, b, NULL);
    IT_ASSERT_STATUS(r, 201);
    char *m = it_header(r, "Location");
    char *staff_part = part_of(r, IT_USER_STAFF_ENGEN);
    it_response_free(r);
    free(b);
    /* the contact person can hand over to the manager, but the last of the facility stays */
    r = add_part(m, clin,
                 "{\"kind\": \"staff\", \"side\": \"municipality\", \"user_id\": \""
                 IT_USER_MANAGER_ENGEN "\"}", NULL);
    IT_ASSERT_STATUS(r, 201);
    char *mgr_part = part_of(r, IT_USER_MANAGER_ENGEN);
    it_response_free(r);
    /* a case worker keeps the municipality side filled, so only the safety rule is tested */
    r = add_part(m, clin, "{\"kind\": \"staff\", \"side\": \"municipality\", \"external_name\": \"Case worker\"}", NULL);
    IT_ASSERT_STATUS(r, 201);
    it_response_free(r);
    snprintf(path, sizeof path, "%s/participants/%s", m, staff_part);
    r = it_request("DELETE", path, clin, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);
    snprintf(path, sizeof path, "%s/participants/%s", m, mgr_part);
    r = it_request("DELETE", path, clin, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 422, "safety-risk-requires-staff");
    it_response_free(r);
    free(mgr_part);
    free(staff_part);
    free(m);
    free(etag);
    free(res);
    free(name);
    free(clin);
}
END_TEST

START_TEST(test_database_refuses_an_incomplete_network_meeting)
{
    /* straight into the database as the app role, past the server's own check: the meeting
     * alone is refused when the transaction commits, naming what is missing */
    PGconn *db = it_db_app();
    PQclear(PQexec(db, "BEGIN"));
    const char *id[] = {IT_USER_STAFF_ENGEN, "facility_staff", IT_FACILITY_ENGEN, "1", "it",
                        "x"};
    PQclear(PQexecParams(db, "SELECT app_begin($1::uuid, $2, $3::uuid, $4::integer, $5, $6)", 6,
                         NULL, id, NULL, NULL, 0));
    PGresult *r = PQexec(db, "INSERT INTO meetings (team_id, facility_id, resident_id, kind, "
                             "title, starts_at, ends_at) VALUES ('" IT_TEAM_SLAGELSE "', '"
                             IT_FACILITY_ENGEN "', '" RESIDENT_3 "', 'network', 'Alone', "
                             "'2031-01-01 10:00+01', '2031-01-01 11:00+01')");
    ck_assert_int_eq(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    r = PQexec(db, "COMMIT");
    ck_assert_int_eq(PQresultStatus(r), PGRES_FATAL_ERROR);
    ck_assert_str_eq(PQresultErrorField(r, PG_DIAG_SQLSTATE), "SA422");
    ck_assert_str_eq(PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL),
                     "network-meeting-composition");
    PQclear(r);
    PQfinish(db);
    PGconn *owner = it_db_owner();
    char *n = it_db_value(owner, "SELECT count(*) FROM meetings WHERE title = 'Alone'");
    ck_assert_str_eq(n, "0");
    free(n);
    PQfinish(owner);
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
    tcase_add_test(tc, test_participants_added_and_removed_later);
    tcase_add_test(tc, test_safety_risk_needs_someone_of_the_facility);
    tcase_add_test(tc, test_database_refuses_an_incomplete_network_meeting);
    suite_add_tcase(s, tc);
    return it_run_suite(s);
}
