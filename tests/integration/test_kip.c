/*
 * KIP (coordinated action plan) as the team and the facility meet it: the first plan is
 * created with If-Match "0", every save is a new version and all versions are kept, a save
 * based on an old version is refused (412) and one without If-Match too (428), either
 * organisation may save, the structure of goals and participants is checked field by field,
 * and another team or facility cannot even see that the resident has a plan.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it_check.h"

#define RESIDENT(n) "40000000-0000-4000-8000-00000000000" #n
#define KIP_OF(n) "/api/residents/" RESIDENT(n) "/kip"

static const char *plan(const char *coordinator_org, const char *resident_goal)
{
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"coordinator_org_id\": \"%s\", \"coordinator_user_id\": null, "
             "\"status\": \"active\", \"resident_goal\": \"%s\", "
             "\"goals\": [{\"title\": \"Stable daily rhythm\", \"status\": \"open\", "
             "  \"sub_goals\": [{\"title\": \"Up before ten\", \"actions\": ["
             "    {\"action\": \"Morning walk with contact person\", \"responsible\": "
             "     \"Contact person\", \"responsible_side\": \"municipality\", "
             "     \"due_date\": \"2030-01-31\", \"status\": \"open\"}]}], "
             "  \"actions\": [{\"action\": \"Review medication\", \"responsible\": \"F-ACT\", "
             "     \"due_date\": null, \"status\": \"in_progress\"}]}], "
             "\"participants\": {\"necessary\": [{\"role\": \"resident\"}, "
             "  {\"role\": \"general_practitioner\", \"name\": \"Dr. Holm\"}], "
             "  \"as_needed\": [{\"role\": \"job_centre\", \"organisation\": \"Jobcenter\"}]}, "
             "\"next_review\": \"2030-03-01\"}",
             coordinator_org, resident_goal);
    return buf;
}

static it_response *put_kip(const char *path, const char *token, const char *if_match,
                            const char *body)
{
    char h[64] = "";
    if (if_match)
        snprintf(h, sizeof h, "If-Match: \"%s\"", if_match);
    const char *headers[] = {h, NULL};
    return it_request("PUT", path, token, body, if_match ? headers : NULL);
}

START_TEST(test_versions_are_kept_and_stale_saves_refused)
{
    char *clin = it_login("clinician@slagelse.demo");
    char *staff = it_login("staff@engen.demo");

    it_response *r = it_request("GET", KIP_OF(5), clin, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 404, "kip-not-found");
    it_response_free(r);

    /* without If-Match: 428, nothing saved */
    r = put_kip(KIP_OF(5), clin, NULL, plan(IT_TEAM_SLAGELSE, "Live on my own"));
    IT_ASSERT_PROBLEM(r, 428, "if-match-required");
    it_response_free(r);

    /* the first version: If-Match "0" */
    r = put_kip(KIP_OF(5), clin, "0", plan(IT_TEAM_SLAGELSE, "Live on my own"));
    IT_ASSERT_STATUS(r, 201); /* created: the plan's address in Location */
    {
        char *loc = it_header(r, "Location");
        ck_assert_ptr_nonnull(loc);
        ck_assert_str_eq(loc, KIP_OF(5));
        free(loc);
    }
    char *etag = it_header(r, "ETag");
    ck_assert_str_eq(etag, "\"1\"");
    free(etag);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "version")), 1);
    ck_assert_str_eq(it_json_str(r, "created_by"), IT_USER_CLINICIAN_SLAGELSE);
    it_response_free(r);

    /* someone else still thinks there is no plan: 412 with the plan as it is now */
    r = put_kip(KIP_OF(5), staff, "0", plan(IT_FACILITY_ENGEN, "Other"));
    IT_ASSERT_PROBLEM(r, 412, "stale-version");
    json_t *cur = json_object_get(r->json, "current");
    ck_assert_int_eq(json_integer_value(json_object_get(cur, "version")), 1);
    it_response_free(r);

    /* the facility saves on top of version 1: version 2, coordinated by the facility */
    r = put_kip(KIP_OF(5), staff, "1", plan(IT_FACILITY_ENGEN, "Live on my own, with a dog"));
    IT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "version")), 2);
    ck_assert_str_eq(it_json_str(r, "coordinator_org_id"), IT_FACILITY_ENGEN);
    ck_assert_str_eq(it_json_str(r, "created_by"), IT_USER_STAFF_ENGEN);
    it_response_free(r);

    /* the clinician, still on version 1, is told someone saved first */
    r = put_kip(KIP_OF(5), clin, "1", plan(IT_TEAM_SLAGELSE, "Mine"));
    IT_ASSERT_PROBLEM(r, 412, "stale-version");
    it_response_free(r);

    /* the clinician reads the current plan (version 2, ETag "2") */
    r = it_request("GET", KIP_OF(5), clin, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    etag = it_header(r, "ETag");
    ck_assert_str_eq(etag, "\"2\"");
    free(etag);
    ck_assert_str_eq(it_json_str(r, "resident_goal"), "Live on my own, with a dog");
    json_t *goals = json_object_get(r->json, "goals");
    ck_assert_int_eq(json_array_size(goals), 1);
    json_t *parts = json_object_get(r->json, "participants");
    ck_assert_int_eq(json_array_size(json_object_get(parts, "necessary")), 2);
    it_response_free(r);

    /* every version is kept, newest first; pages of one */
    r = it_request("GET", KIP_OF(5) "/versions", staff, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    json_t *items = json_object_get(r->json, "items");
    ck_assert_int_eq(json_array_size(items), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(items, 0), "version")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(items, 1), "version")), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 1),
                                                       "resident_goal")),
                     "Live on my own");
    it_response_free(r);
    r = it_request("GET", KIP_OF(5) "/versions?limit=1", staff, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
    const char *next = it_json_str(r, "next");
    ck_assert_ptr_nonnull(next);
    char path[512];
    snprintf(path, sizeof path, KIP_OF(5) "/versions?limit=1&cursor=%s", next);
    it_response_free(r);
    r = it_request("GET", path, staff, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    items = json_object_get(r->json, "items");
    ck_assert_int_eq(json_array_size(items), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(items, 0), "version")), 1);
    ck_assert(json_is_null(json_object_get(r->json, "next")));
    it_response_free(r);

    /* the reads and writes are in the audit log */
    PGconn *db = it_db_owner();
    const char *p[] = {RESIDENT(5)};
    /* the first save created the plan, the second updated it */
    char *n = it_db_value_params(db,
                                 "SELECT count(*) FILTER (WHERE action = 'create') || '/' || "
                                 "count(*) FILTER (WHERE action = 'update') FROM audit_log "
                                 "WHERE resident_id = $1::uuid AND resource_type = 'kip' "
                                 "AND outcome = 'allowed'",
                                 1, p);
    ck_assert_str_eq(n, "1/1");
    free(n);
    PQfinish(db);
    free(clin);
    free(staff);
}
END_TEST

START_TEST(test_versions_cannot_be_changed_in_the_database)
{
    PGconn *db = it_db_app();
    PGresult *r = PQexec(db, "UPDATE kip_versions SET status = 'closed'");
    ck_assert_int_eq(PQresultStatus(r), PGRES_FATAL_ERROR);
    ck_assert_str_eq(PQresultErrorField(r, PG_DIAG_SQLSTATE), "42501");
    PQclear(r);
    r = PQexec(db, "DELETE FROM kip_versions");
    ck_assert_int_eq(PQresultStatus(r), PGRES_FATAL_ERROR);
    PQclear(r);
    PQfinish(db);
}
END_TEST

START_TEST(test_other_team_and_facility_cannot_see_the_plan)
{
    char *clin = it_login("clinician@slagelse.demo");
    it_response *r = put_kip(KIP_OF(6), clin, "0", plan(IT_TEAM_SLAGELSE, "Work"));
    IT_ASSERT_STATUS(r, 201);
    it_response_free(r);

    const char *outsiders[] = {"clinician@holbaek.demo", "staff@skoven.demo"};
    for (int i = 0; i < 2; i++) {
        char *t = it_login(outsiders[i]);
        r = it_request("GET", KIP_OF(6), t, NULL, NULL);
        IT_ASSERT_PROBLEM(r, 404, "not-found");
        it_response_free(r);
        r = it_request("GET", KIP_OF(6) "/versions", t, NULL, NULL);
        IT_ASSERT_PROBLEM(r, 404, "not-found");
        it_response_free(r);
        r = put_kip(KIP_OF(6), t, "1", plan(IT_TEAM_SLAGELSE, "Taken over"));
        IT_ASSERT_PROBLEM(r, 404, "not-found");
        it_response_free(r);
        free(t);
    }
    /* and the attempts are recorded as refused */
    PGconn *db = it_db_owner();
    const char *p[] = {RESIDENT(6), IT_USER_CLINICIAN_HOLBAEK};
    char *n = it_db_value_params(db,
                                 "SELECT count(*) FROM audit_log WHERE resident_id = $1::uuid "
                                 "AND user_id = $2::uuid AND outcome = 'denied'",
                                 2, p);
    ck_assert_str_eq(n, "3");
    free(n);
    PQfinish(db);

    /* the admin has no access to resident data at all */
    char *admin = it_login("admin@samspil.demo");
    r = it_request("GET", KIP_OF(6), admin, NULL, NULL);
    ck_assert_int_eq(r->status, 403);
    it_response_free(r);
    free(admin);
    free(clin);
}
END_TEST

START_TEST(test_structure_is_validated)
{
    char *clin = it_login("clinician@slagelse.demo");
    const char *bad =
        "{\"coordinator_org_id\": \"" IT_TEAM_SLAGELSE "\", \"status\": \"active\", "
        "\"goals\": [{\"title\": \"Goal\", \"actions\": [{\"action\": \"Do\", "
        "  \"responsible\": \"F-ACT\", \"due_date\": \"2030-02-30\", \"status\": \"open\"}], "
        "  \"sub_goals\": [{\"title\": \"\"}]}], "
        "\"participants\": {\"necessary\": [{\"role\": \"mentor\"}], \"as_needed\": []}}";
    it_response *r = put_kip(KIP_OF(7), clin, "0", bad);
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    ck_assert(it_problem_has_field(r, "goals[0].actions[0].due_date"));
    ck_assert(it_problem_has_field(r, "goals[0].sub_goals[0].title"));
    ck_assert(it_problem_has_field(r, "participants.necessary[0].role"));
    it_response_free(r);

    /* the coordinator must be one of the resident's two organisations */
    r = put_kip(KIP_OF(7), clin, "0", plan(IT_TEAM_HOLBAEK, "x"));
    ck_assert_int_eq(r->status, 422);
    it_response_free(r);
    /* nothing was saved */
    r = it_request("GET", KIP_OF(7), clin, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 404, "kip-not-found");
    it_response_free(r);
    free(clin);
}
END_TEST

START_TEST(test_reviews_are_recorded_once)
{
    char *staff = it_login("staff@engen.demo");
    char *key = it_unique("kip-review-");
    char h[128];
    snprintf(h, sizeof h, "Idempotency-Key: %s", key);
    const char *headers[] = {h, NULL};
    const char *body = "{\"reviewed_at\": \"2030-01-15\", \"in_treatment_contact\": true, "
                       "\"stable_housing\": true, \"work_or_activity\": false, "
                       "\"social_network\": true, \"note\": \"Good period\"}";
    it_response *r = it_request("POST", KIP_OF(8) "/reviews", staff, body, headers);
    IT_ASSERT_STATUS(r, 201);
    char *id = strdup(it_json_str(r, "id"));
    it_response_free(r);
    r = it_request("POST", KIP_OF(8) "/reviews", staff, body, headers);
    IT_ASSERT_STATUS(r, 201);
    ck_assert_str_eq(it_json_str(r, "id"), id);
    it_response_free(r);

    char *clin = it_login("clinician@slagelse.demo");
    r = it_request("GET", KIP_OF(8) "/reviews", clin, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    json_t *items = json_object_get(r->json, "items");
    ck_assert_int_eq(json_array_size(items), 1);
    ck_assert(json_is_false(json_object_get(json_array_get(items, 0), "work_or_activity")));
    it_response_free(r);

    char *other = it_login("staff@skoven.demo");
    r = it_request("POST", KIP_OF(8) "/reviews", other, body, NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    it_response_free(r);
    free(other);
    free(clin);
    free(id);
    free(key);
    free(staff);
}
END_TEST

/* The resident's KIP status as (item in) a list or board shows it: kip.status and
 * kip.next_review of the item with this id (borrowed), or NULL when it is not listed. */
static json_t *kip_of_item(const it_response *r, const char *id)
{
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r->json, "items"), i, it)
        if (strcmp(json_string_value(json_object_get(it, "id")), id) == 0)
            return json_object_get(it, "kip");
    return NULL;
}

/* The same status on the resident, in the caseload and on the board. */
static void assert_kip_everywhere(const char *token, const char *id, const char *status,
                                  const char *next_review)
{
    char path[128];
    snprintf(path, sizeof path, "/api/residents/%s", id);
    it_response *one = it_request("GET", path, token, NULL, NULL);
    IT_ASSERT_STATUS(one, 200);
    it_response *list = it_request("GET", "/api/residents?limit=20", token, NULL, NULL);
    IT_ASSERT_STATUS(list, 200);
    it_response *board = it_request("GET", "/api/board?limit=200", token, NULL, NULL);
    IT_ASSERT_STATUS(board, 200);
    json_t *k[] = {json_object_get(one->json, "kip"), kip_of_item(list, id),
                   kip_of_item(board, id)};
    const char *where[] = {"resident", "caseload", "board"};
    for (int i = 0; i < 3; i++) {
        ck_assert_msg(k[i] != NULL, "%s: no kip", where[i]);
        ck_assert_msg(strcmp(json_string_value(json_object_get(k[i], "status")), status) == 0,
                      "%s: status %s, want %s", where[i],
                      json_string_value(json_object_get(k[i], "status")), status);
        json_t *nr = json_object_get(k[i], "next_review");
        if (next_review)
            ck_assert_msg(json_is_string(nr) && strcmp(json_string_value(nr), next_review) == 0,
                          "%s: next_review", where[i]);
        else
            ck_assert_msg(json_is_null(nr), "%s: next_review not null", where[i]);
    }
    it_response_free(one);
    it_response_free(list);
    it_response_free(board);
}

/* Issue 10, item 18: none, active, review due (the newest version in force and its review
 * date come), none again once the plan is closed. */
START_TEST(test_kip_status_on_resident_caseload_and_board)
{
    PGconn *db = it_db_owner();
    /* an intensive resident (so on the board), named to come first in the caseload */
    char *id = it_db_value(db, "INSERT INTO residents (name, date_of_birth, facility_id, team_id, "
                               "intensity) VALUES ('Aaaa KIP-status', '1980-01-01', '"
                               IT_FACILITY_ENGEN "', '" IT_TEAM_SLAGELSE "', 'intensive') "
                               "RETURNING id");
    char *clin = it_login("clinician@slagelse.demo");
    char *staff = it_login("staff@engen.demo");
    assert_kip_everywhere(clin, id, "none", NULL);

    char kip[128];
    snprintf(kip, sizeof kip, "/api/residents/%s/kip", id);
    it_response *r = put_kip(kip, clin, "0", plan(IT_TEAM_SLAGELSE, "Live on my own"));
    IT_ASSERT_STATUS(r, 201);
    it_response_free(r);
    assert_kip_everywhere(clin, id, "active", "2030-03-01");
    assert_kip_everywhere(staff, id, "active", "2030-03-01");

    /* a new version whose review date has come: review due */
    char *yesterday = it_db_value(db, "SELECT ((now() AT TIME ZONE 'Europe/Copenhagen')::date "
                                      "- 1)::text");
    char body[4096];
    snprintf(body, sizeof body, "%s", plan(IT_FACILITY_ENGEN, "Live on my own"));
    char *d = strstr(body, "\"next_review\": \"2030-03-01\"");
    ck_assert_ptr_nonnull(d);
    memcpy(d + strlen("\"next_review\": \""), yesterday, 10);
    r = put_kip(kip, staff, "1", body);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);
    assert_kip_everywhere(clin, id, "review_due", yesterday);

    /* closed: no plan in force */
    d = strstr(body, "\"status\": \"active\"");
    ck_assert_ptr_nonnull(d);
    memcpy(d, "\"status\": \"closed\"", strlen("\"status\": \"closed\""));
    r = put_kip(kip, clin, "2", body);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);
    assert_kip_everywhere(clin, id, "none", NULL);

    /* the kept facts match the newest version for every resident (the trigger, migration 0064) */
    char *bad = it_db_value(db, "SELECT count(*) FROM residents r JOIN resident_kip_now f "
                                "ON f.resident_id = r.id WHERE (r.kip_active, r.kip_next_review) "
                                "IS DISTINCT FROM (f.kip_active, f.kip_next_review)");
    ck_assert_str_eq(bad, "0");
    free(bad);
    PQfinish(db);
    free(yesterday);
    free(clin);
    free(staff);
    free(id);
}
END_TEST

int main(void)
{
    it_server_start(NULL);
    Suite *s = suite_create("kip");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_versions_are_kept_and_stale_saves_refused);
    tcase_add_test(tc, test_versions_cannot_be_changed_in_the_database);
    tcase_add_test(tc, test_other_team_and_facility_cannot_see_the_plan);
    tcase_add_test(tc, test_structure_is_validated);
    tcase_add_test(tc, test_reviews_are_recorded_once);
    tcase_add_test(tc, test_kip_status_on_resident_caseload_and_board);
    suite_add_tcase(s, tc);
    return it_run_suite(s);
}
