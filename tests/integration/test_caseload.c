/*
 * The caseload and the F-ACT board as their users meet them: creating a resident of one's
 * own pair, changing the contact person, the responsible clinician and the safety risk
 * with If-Match (412 on a stale version, 428 without one), turning the intensity up with
 * who and why on record, the board both organisations see, filters and pages that never
 * show another team's residents, and the audit rows every read and write leaves.
 */
#define _GNU_SOURCE /* memmem */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it_check.h"
#include "json.h"

/* A fresh resident at Engen, created by the caller of token; the id (malloc'd). */
static char *new_resident(const char *token)
{
    return it_new_resident(token, "Resident ", "1990-05-01");
}

/* The ETag of the resident (malloc'd, with quotes). */
static char *etag_of(const char *token, const char *id)
{
    char path[128];
    snprintf(path, sizeof path, "/api/residents/%s", id);
    it_response *r = it_request("GET", path, token, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    char *etag = it_header(r, "ETag");
    ck_assert_ptr_nonnull(etag);
    it_response_free(r);
    return etag;
}

static it_response *patch(const char *token, const char *id, const char *etag, const char *body)
{
    char path[128], im[64];
    snprintf(path, sizeof path, "/api/residents/%s", id);
    snprintf(im, sizeof im, "If-Match: %s", etag ? etag : "");
    const char *h[] = {im, NULL};
    return it_request("PATCH", path, token, body, etag ? h : NULL);
}

/* A count over the request's audit rows with this outcome (sql: $1 request id, $2 outcome),
 * read by the owner. */
static long audit_query(const it_response *r, const char *outcome, const char *sql)
{
    char *rid = it_header(r, "X-Request-Id");
    ck_assert_ptr_nonnull(rid);
    PGconn *db = it_db_owner();
    const char *p[] = {rid, outcome};
    char *v = it_db_value_params(db, sql, 2, p);
    ck_assert_ptr_nonnull(v);
    long n = strtol(v, NULL, 10);
    free(v);
    free(rid);
    PQfinish(db);
    return n;
}

/* Rows the request wrote to the audit log with this outcome. */
static long audit_count(const it_response *r, const char *outcome)
{
    return audit_query(r, outcome,
                       "SELECT count(*) FROM audit_log WHERE request_id = $1 AND outcome = $2");
}

/* The residents those rows name (one in resident_id, or several in resident_ids). */
static long audit_residents(const it_response *r, const char *outcome)
{
    return audit_query(r, outcome,
                       "SELECT count(DISTINCT u) FROM audit_log, "
                       "unnest(coalesce(resident_ids, ARRAY[resident_id])) u "
                       "WHERE request_id = $1 AND outcome = $2");
}

/* The item with this id in a list response, or NULL. */
static json_t *item_with_id(const it_response *r, const char *id)
{
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r->json, "items"), i, it) {
        if (strcmp(json_str(it, "id"), id) == 0)
            return it;
    }
    return NULL;
}

START_TEST(test_create_resident_of_own_pair)
{
    char *staff = it_login("staff@engen.demo");
    /* facility staff create at their own facility; the team is the one serving it */
    it_response *r = it_request("POST", "/api/residents", staff,
                                "{\"name\": \"Ny Beboer\", \"date_of_birth\": \"1985-02-03\"}",
                                NULL);
    IT_ASSERT_STATUS(r, 201);
    ck_assert_str_eq(it_json_str(r, "team_id"), IT_TEAM_SLAGELSE);
    ck_assert_str_eq(it_json_str(r, "facility_id"), IT_FACILITY_ENGEN);
    ck_assert_str_eq(it_json_str(r, "intensity"), "standard");
    ck_assert_int_eq(audit_count(r, "allowed"), 1);
    it_response_free(r);
    /* no CPR number: unknown fields are refused */
    r = it_request("POST", "/api/residents", staff,
                   "{\"name\": \"X\", \"date_of_birth\": \"1985-02-03\", \"cpr\": \"0302851234\"}",
                   NULL);
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    ck_assert(it_problem_has_field(r, "cpr"));
    it_response_free(r);
    /* the responsible clinician is the team's to name */
    r = it_request("POST", "/api/residents", staff,
                   "{\"name\": \"X\", \"date_of_birth\": \"1985-02-03\", "
                   "\"responsible_clinician_id\": \"" IT_USER_CLINICIAN_SLAGELSE "\"}",
                   NULL);
    IT_ASSERT_PROBLEM(r, 403, "region-only-field");
    it_response_free(r);
    free(staff);

    /* a clinician cannot place a resident at a facility another team serves */
    char *clin = it_login("clinician@slagelse.demo");
    r = it_request("POST", "/api/residents", clin,
                   "{\"name\": \"X\", \"date_of_birth\": \"1985-02-03\", \"facility_id\": \""
                   IT_FACILITY_SKOVEN "\"}",
                   NULL);
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    ck_assert(it_problem_has_field(r, "facility_id"));
    it_response_free(r);
    /* nor name a contact person from another facility */
    r = it_request("POST", "/api/residents", clin,
                   "{\"name\": \"X\", \"date_of_birth\": \"1985-02-03\", \"facility_id\": \""
                   IT_FACILITY_ENGEN "\", \"contact_person_id\": \"" IT_USER_STAFF_SKOVEN "\"}",
                   NULL);
    IT_ASSERT_PROBLEM(r, 422, "contact-person-not-of-facility");
    ck_assert(it_problem_has_field(r, "contact_person_id"));
    it_response_free(r);
    free(clin);
}
END_TEST

START_TEST(test_patch_needs_current_if_match)
{
    char *clin = it_login("clinician@slagelse.demo");
    char *id = new_resident(clin);
    /* without If-Match: 428 */
    it_response *r = patch(clin, id, NULL, "{\"status\": \"discharged\"}");
    IT_ASSERT_PROBLEM(r, 428, "if-match-required");
    it_response_free(r);
    char *etag = etag_of(clin, id);
    r = patch(clin, id, etag, "{\"contact_person_id\": null}");
    IT_ASSERT_STATUS(r, 200);
    ck_assert(json_is_null(json_object_get(r->json, "contact_person_id")));
    char *etag2 = it_header(r, "ETag");
    ck_assert_str_ne(etag, etag2);
    it_response_free(r);
    /* the old version again: someone else saved first, 412 with the current state */
    r = patch(clin, id, etag, "{\"status\": \"discharged\"}");
    IT_ASSERT_PROBLEM(r, 412, "stale-version");
    ck_assert_str_eq(json_str(json_object_get(r->json, "current"), "status"), "active");
    it_response_free(r);
    r = patch(clin, id, etag2, "{\"status\": \"discharged\"}");
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "status"), "discharged");
    ck_assert_ptr_nonnull(it_json_str(r, "discharged_at"));
    ck_assert_int_eq(audit_count(r, "allowed"), 1);
    it_response_free(r);
    free(etag);
    free(etag2);
    free(id);
    free(clin);
}
END_TEST

START_TEST(test_people_and_safety_risk)
{
    char *clin = it_login("clinician@slagelse.demo");
    char *staff = it_login("staff@engen.demo");
    char *id = new_resident(clin);
    char *etag = etag_of(clin, id);
    /* the contact person must be a facility user of the resident's facility */
    it_response *r = patch(clin, id, etag,
                           "{\"contact_person_id\": \"" IT_USER_CLINICIAN_SLAGELSE "\"}");
    IT_ASSERT_PROBLEM(r, 422, "contact-person-not-of-facility");
    it_response_free(r);
    r = patch(clin, id, etag, "{\"responsible_clinician_id\": \"" IT_USER_STAFF_ENGEN "\"}");
    IT_ASSERT_PROBLEM(r, 422, "clinician-not-of-team");
    it_response_free(r);
    /* facility staff may not assess a safety risk; the refusal is audited */
    r = patch(staff, id, etag, "{\"safety_risk\": true, \"safety_note\": \"x\"}");
    IT_ASSERT_PROBLEM(r, 403, "region-only-field");
    ck_assert_int_eq(audit_count(r, "denied"), 1);
    it_response_free(r);
    /* the team does, and who and when is recorded */
    r = patch(clin, id, etag,
              "{\"safety_risk\": true, \"safety_note\": \"Contact person attends.\", "
              "\"responsible_clinician_id\": \"" IT_USER_CLINICIAN_SLAGELSE "\"}");
    IT_ASSERT_STATUS(r, 200);
    json_t *safety = json_object_get(r->json, "safety");
    ck_assert(json_is_true(json_object_get(safety, "risk")));
    ck_assert_str_eq(json_str(safety, "note"), "Contact person attends.");
    ck_assert_str_eq(json_str(safety, "assessed_by"), IT_USER_CLINICIAN_SLAGELSE);
    ck_assert_ptr_nonnull(json_str(safety, "assessed_at"));
    char *etag2 = it_header(r, "ETag");
    it_response_free(r);
    /* facility staff change the contact person (a colleague of theirs) */
    r = patch(staff, id, etag2, "{\"contact_person_id\": \"" IT_USER_MANAGER_ENGEN "\"}");
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "contact_person_id"), IT_USER_MANAGER_ENGEN);
    it_response_free(r);
    /* Holbæk cannot touch it, and cannot tell it exists */
    char *hol = it_login("clinician@holbaek.demo");
    r = patch(hol, id, "\"3\"", "{\"status\": \"discharged\"}");
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    ck_assert_int_eq(audit_count(r, "denied"), 1);
    it_response_free(r);
    free(hol);
    free(etag);
    free(etag2);
    free(id);
    free(staff);
    free(clin);
}
END_TEST

START_TEST(test_intensity_history_records_who_and_why)
{
    char *clin = it_login("clinician@slagelse.demo");
    char *staff = it_login("staff@engen.demo");
    char *id = new_resident(clin);
    char path[128];
    snprintf(path, sizeof path, "/api/residents/%s/intensity", id);
    it_response *r = it_request("POST", path, clin,
                                "{\"level\": \"intensive\", \"reason\": \"Early warning signs\"}",
                                NULL);
    IT_ASSERT_STATUS(r, 201);
    ck_assert_str_eq(it_json_str(r, "from_level"), "standard");
    ck_assert_str_eq(it_json_str(r, "to_level"), "intensive");
    ck_assert_str_eq(it_json_str(r, "changed_by"), IT_USER_CLINICIAN_SLAGELSE);
    it_response_free(r);
    /* unchanged: nothing recorded */
    r = it_request("POST", path, clin, "{\"level\": \"intensive\", \"reason\": \"again\"}", NULL);
    IT_ASSERT_PROBLEM(r, 422, "intensity-unchanged");
    it_response_free(r);
    /* a reason is required */
    r = it_request("POST", path, clin, "{\"level\": \"standard\", \"reason\": \"\"}", NULL);
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    it_response_free(r);
    /* the facility does not turn the intensity */
    r = it_request("POST", path, staff, "{\"level\": \"standard\", \"reason\": \"calm\"}", NULL);
    IT_ASSERT_STATUS(r, 403);
    it_response_free(r);
    char *mgr = it_login("manager@slagelse.demo");
    r = it_request("POST", path, mgr, "{\"level\": \"standard\", \"reason\": \"Stable again\"}",
                   NULL);
    IT_ASSERT_STATUS(r, 201);
    it_response_free(r);
    /* both sides read the history, newest first, with who and why */
    r = it_request("GET", path, staff, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "current"), "standard");
    json_t *items = json_object_get(r->json, "items");
    ck_assert_int_eq(json_array_size(items), 2);
    ck_assert_str_eq(json_str(json_array_get(items, 0), "reason"), "Stable again");
    ck_assert_str_eq(json_str(json_array_get(items, 0), "changed_by"), IT_USER_MANAGER_SLAGELSE);
    ck_assert_str_eq(json_str(json_array_get(items, 1), "reason"), "Early warning signs");
    ck_assert_str_eq(json_str(json_array_get(items, 1), "changed_by_name"), "Camilla Kristensen");
    ck_assert_int_eq(audit_count(r, "allowed"), 1);
    it_response_free(r);
    /* paged one by one */
    char p1[200];
    snprintf(p1, sizeof p1, "%s?limit=1", path);
    r = it_request("GET", p1, clin, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    const char *next = it_json_str(r, "next");
    ck_assert_ptr_nonnull(next);
    char p2[400];
    snprintf(p2, sizeof p2, "%s?limit=1&cursor=%s", path, next);
    it_response *r2 = it_request("GET", p2, clin, NULL, NULL);
    IT_ASSERT_STATUS(r2, 200);
    ck_assert_str_eq(json_str(json_array_get(json_object_get(r2->json, "items"), 0), "reason"),
                     "Early warning signs");
    ck_assert(json_is_null(json_object_get(r2->json, "next")));
    it_response_free(r2);
    it_response_free(r);
    free(mgr);
    free(id);
    free(staff);
    free(clin);
}
END_TEST

/* POSTs a held phone conversation of resident at when with a shared summary; its id. */
static char *talk_with_summary(const char *token, const char *resident, const char *when,
                               const char *summary)
{
    char body[600];
    snprintf(body, sizeof body,
             "{\"resident_id\": \"%s\", \"occurred_at\": \"%s\", \"kind\": \"phone\", "
             "\"outcome\": \"held\", \"summary\": \"%s\"}",
             resident, when, summary);
    it_response *r = it_request("POST", "/api/conversations", token, body, NULL);
    IT_ASSERT_STATUS(r, 201);
    char *id = strdup(it_json_str(r, "id"));
    it_response_free(r);
    return id;
}

static const char *board_summary(const char *token, const char *resident, it_response **keep)
{
    *keep = it_request("GET", "/api/board?limit=200", token, NULL, NULL);
    IT_ASSERT_STATUS(*keep, 200);
    json_t *it = item_with_id(*keep, resident);
    ck_assert_ptr_nonnull(it);
    return json_str(it, "latest_summary");
}

/* The board's latest summary (kept on the resident, migration 0066) follows what is written:
 * the newest by the conversation's time, not by when it was written; a withdrawn summary
 * gives way to the one before; the facility reads it once the resident consents. */
START_TEST(test_board_latest_summary_follows_the_record)
{
    char *clin = it_login("clinician@slagelse.demo");
    char *staff = it_login("staff@engen.demo");
    char *id = new_resident(clin);
    char path[128];
    snprintf(path, sizeof path, "/api/residents/%s/intensity", id);
    it_response *r = it_request("POST", path, clin,
                                "{\"level\": \"intensive\", \"reason\": \"Close follow-up\"}", NULL);
    IT_ASSERT_STATUS(r, 201);
    it_response_free(r);

    it_response *b;
    ck_assert_ptr_null(board_summary(clin, id, &b));
    it_response_free(b);
    free(talk_with_summary(clin, id, "2025-06-02T10:00:00+02:00", "First talk."));
    char *second = talk_with_summary(clin, id, "2025-06-09T10:00:00+02:00", "Second talk.");
    /* written last, but the oldest conversation */
    free(talk_with_summary(clin, id, "2025-05-26T10:00:00+02:00", "Late entry."));
    ck_assert_str_eq(board_summary(clin, id, &b), "Second talk.");
    it_response_free(b);
    /* the facility: not without consent */
    ck_assert_ptr_null(board_summary(staff, id, &b));
    it_response_free(b);

    /* the second summary withdrawn by a correction: the first is the latest again */
    snprintf(path, sizeof path, "/api/conversations/%s", second);
    const char *h[] = {"If-Match: \"1\"", NULL};
    r = it_request("PATCH", path, clin,
                   "{\"reason\": \"Written in the wrong record\", \"summary\": null}", h);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);
    ck_assert_str_eq(board_summary(clin, id, &b), "First talk.");
    it_response_free(b);

    snprintf(path, sizeof path, "/api/residents/%s/consents", id);
    r = it_request("POST", path, clin,
                   "{\"kind\": \"share_summary_with_facility\", \"granted\": true}", NULL);
    IT_ASSERT_STATUS(r, 201);
    it_response_free(r);
    ck_assert_str_eq(board_summary(staff, id, &b), "First talk.");
    it_response_free(b);
    free(second);
    free(id);
    free(staff);
    free(clin);
}
END_TEST

/* The names on a resident (kept on the row, migration 0069) follow a change of contact person
 * and a rename of the person by the administrator; the caseload shows the same. */
START_TEST(test_resident_names_follow_renames)
{
    char *admin = it_login("admin@samspil.demo");
    char *clin = it_login("clinician@slagelse.demo");
    char *person = it_create_user(admin, "facility_staff", IT_FACILITY_ENGEN, NULL, NULL);
    char *id = new_resident(clin);
    char path[128];
    snprintf(path, sizeof path, "/api/residents/%s", id);
    it_response *g = it_request("GET", path, clin, NULL, NULL);
    IT_ASSERT_STATUS(g, 200);
    ck_assert_str_eq(it_json_str(g, "facility_name"), "Botilbuddet Engen");
    ck_assert_str_eq(it_json_str(g, "team_name"), "F-ACT Slagelse");
    char *etag = it_header(g, "ETag");
    it_response_free(g);
    char im[64], body[200];
    snprintf(im, sizeof im, "If-Match: %s", etag);
    snprintf(body, sizeof body, "{\"contact_person_id\": \"%s\"}", person);
    const char *h[] = {im, NULL};
    it_response *r = it_request("PATCH", path, clin, body, h);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "contact_person_name"), "Test Person");
    it_response_free(r);

    char upath[128];
    snprintf(upath, sizeof upath, "/api/users/%s", person);
    r = it_request("PATCH", upath, admin, "{\"name\": \"Omdøbt Kontaktperson\"}", NULL);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);
    g = it_request("GET", path, clin, NULL, NULL);
    IT_ASSERT_STATUS(g, 200);
    ck_assert_str_eq(it_json_str(g, "contact_person_name"), "Omdøbt Kontaktperson");
    it_response_free(g);
    r = it_request("GET", "/api/residents?limit=200", clin, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    json_t *it = NULL;
    while (!(it = item_with_id(r, id)) && json_is_string(json_object_get(r->json, "next"))) {
        char next[1200];
        snprintf(next, sizeof next, "/api/residents?limit=200&cursor=%s",
                 json_string_value(json_object_get(r->json, "next")));
        it_response_free(r);
        r = it_request("GET", next, clin, NULL, NULL);
        IT_ASSERT_STATUS(r, 200);
    }
    ck_assert_ptr_nonnull(it);
    ck_assert_str_eq(json_str(it, "contact_person_name"), "Omdøbt Kontaktperson");
    it_response_free(r);
    free(etag);
    free(id);
    free(person);
    free(clin);
    free(admin);
}
END_TEST

START_TEST(test_board_shows_intensive_residents_to_both_sides)
{
    char *clin = it_login("clinician@slagelse.demo");
    char *id = new_resident(clin);
    char path[128];
    snprintf(path, sizeof path, "/api/residents/%s/intensity", id);
    it_response *r = it_request("POST", path, clin,
                                "{\"level\": \"intensive\", \"reason\": \"Needs more contact\"}",
                                NULL);
    IT_ASSERT_STATUS(r, 201);
    it_response_free(r);
    const char *viewers[] = {"clinician@slagelse.demo", "staff@engen.demo", "manager@engen.demo"};
    for (size_t v = 0; v < 3; v++) {
        char *t = it_login(viewers[v]);
        r = it_request("GET", "/api/board?limit=200", t, NULL, NULL);
        IT_ASSERT_STATUS(r, 200);
        json_t *it = item_with_id(r, id);
        ck_assert_msg(it != NULL, "%s does not see the intensive resident", viewers[v]);
        ck_assert_str_eq(json_string_value(json_array_get(json_object_get(it, "on_board_because"), 0)),
                         "intensive");
        ck_assert_str_eq(json_str(it, "intensity_reason"), "Needs more contact");
        /* the demo's intensive Engen residents are there too */
        ck_assert_ptr_nonnull(item_with_id(r, "40000000-0000-4000-8000-000000000004"));
        /* Fatima (demo) refused sharing: the team reads her latest summary, the facility
         * is told why it cannot */
        json_t *fatima = item_with_id(r, "40000000-0000-4000-8000-000000000006");
        ck_assert_ptr_nonnull(fatima);
        if (v == 0) {
            ck_assert_ptr_nonnull(json_str(fatima, "latest_summary"));
            ck_assert(json_is_null(json_object_get(fatima, "summary_hidden_reason")));
        } else {
            ck_assert(json_is_null(json_object_get(fatima, "latest_summary")));
            ck_assert_str_eq(json_str(fatima, "summary_hidden_reason"), "no_consent");
        }
        size_t i;
        json_t *x;
        json_array_foreach(json_object_get(r->json, "items"), i, x)
            ck_assert_str_eq(json_str(x, "facility_id"), IT_FACILITY_ENGEN);
        /* one audit row for the pair, naming every resident shown */
        ck_assert_int_eq(audit_count(r, "allowed"), 1);
        ck_assert_int_eq(audit_residents(r, "allowed"),
                         (long)json_array_size(json_object_get(r->json, "items")));
        it_response_free(r);
        free(t);
    }
    /* Holbæk's board holds none of Engen's residents */
    char *hol = it_login("clinician@holbaek.demo");
    r = it_request("GET", "/api/board", hol, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_ptr_null(item_with_id(r, id));
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(r->json, "items"), i, x)
        ck_assert_str_eq(json_str(x, "team_id"), IT_TEAM_HOLBAEK);
    it_response_free(r);
    free(hol);
    free(id);
    free(clin);
}
END_TEST

START_TEST(test_caseload_filters_and_pages_hide_other_teams)
{
    char *hol = it_login("clinician@holbaek.demo");
    /* page through the whole caseload two at a time: exactly the team's residents */
    PGconn *db = it_db_owner();
    char *v = it_db_value(db, "SELECT count(*) FROM residents WHERE team_id = '" IT_TEAM_HOLBAEK "'");
    long expected = strtol(v, NULL, 10);
    free(v);
    PQfinish(db);
    long seen = 0;
    char *cursor = NULL;
    for (int guard = 0; guard < 100; guard++) {
        char path[512];
        snprintf(path, sizeof path, "/api/residents?limit=2%s%s", cursor ? "&cursor=" : "",
                 cursor ? cursor : "");
        it_response *r = it_request("GET", path, hol, NULL, NULL);
        IT_ASSERT_STATUS(r, 200);
        size_t i;
        json_t *x;
        json_array_foreach(json_object_get(r->json, "items"), i, x) {
            ck_assert_str_eq(json_str(x, "team_id"), IT_TEAM_HOLBAEK);
            ck_assert_str_ne(json_str(x, "facility_id"), IT_FACILITY_ENGEN);
            ck_assert(json_object_get(x, "talk_requested_this_week") != NULL);
            ck_assert(json_object_get(x, "admitted") != NULL);
            ck_assert(json_object_get(x, "next_planned_conversation") != NULL);
            ck_assert(json_object_get(x, "last_held_conversation_at") != NULL);
            seen++;
        }
        free(cursor);
        const char *next = it_json_str(r, "next");
        cursor = next ? strdup(next) : NULL;
        it_response_free(r);
        if (!cursor)
            break;
    }
    ck_assert_int_eq(seen, expected);
    /* an Engen resident by id: 404 */
    it_response *r = it_request("GET", "/api/residents/" IT_RESIDENT_ENGEN_1 "/intensity", hol,
                                NULL, NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    ck_assert_int_eq(audit_count(r, "denied"), 1);
    it_response_free(r);
    free(hol);

    /* filters: intensity, clinician, contact person */
    char *clin = it_login("clinician@slagelse.demo");
    r = it_request("GET", "/api/residents?intensity=intensive&limit=200", clin, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    size_t i;
    json_t *x;
    ck_assert_int_ge(json_array_size(json_object_get(r->json, "items")), 2);
    json_array_foreach(json_object_get(r->json, "items"), i, x)
        ck_assert_str_eq(json_str(x, "intensity"), "intensive");
    it_response_free(r);
    r = it_request("GET", "/api/residents?contact_person_id=" IT_USER_STAFF_ENGEN "&limit=200",
                   clin, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_int_ge(json_array_size(json_object_get(r->json, "items")), 1);
    json_array_foreach(json_object_get(r->json, "items"), i, x)
        ck_assert_str_eq(json_str(x, "contact_person_id"), IT_USER_STAFF_ENGEN);
    /* the demo's conversations show as the last held one */
    json_t *anders = item_with_id(r, IT_RESIDENT_ENGEN_1);
    ck_assert_ptr_nonnull(anders);
    ck_assert_ptr_nonnull(json_str(anders, "last_held_conversation_at"));
    it_response_free(r);
    r = it_request("GET", "/api/residents?clinician_id=not-a-uuid", clin, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 400, "bad-query");
    it_response_free(r);
    r = it_request("GET", "/api/residents?intensity=extreme", clin, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 400, "bad-query");
    it_response_free(r);
    free(clin);
}
END_TEST

/* Issue 9: cursors used to be base64 of "name\nid". Now they are sealed: no resident's name
 * can be read out of a URL, and a cursor is refused (400) when altered, forged, used on
 * another list or by another caller. */
START_TEST(test_cursors_are_opaque_and_bound)
{
    char *clin = it_login("clinician@slagelse.demo");
    char *mgr = it_login("manager@slagelse.demo");
    it_response *r = it_request("GET", "/api/residents?limit=1", clin, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    const char *name = json_str(json_array_get(json_object_get(r->json, "items"), 0), "name");
    const char *next = it_json_str(r, "next");
    ck_assert_ptr_nonnull(name);
    ck_assert_ptr_nonnull(next);
    /* decoded, it holds neither the name nor the id in the clear */
    unsigned char raw[1024];
    size_t raw_len = 0;
    ck_assert_int_eq(sodium_base642bin(raw, sizeof raw, next, strlen(next), NULL, &raw_len, NULL,
                                       sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                     0);
    const char *id = json_str(json_array_get(json_object_get(r->json, "items"), 0), "id");
    ck_assert_msg(!memmem(raw, raw_len, name, strlen(name)), "the cursor shows the name");
    ck_assert_msg(!memmem(raw, raw_len, id, strlen(id)), "the cursor shows the id");
    ck_assert_msg(!strstr(next, name), "the cursor shows the name");

    char path[1200];
    snprintf(path, sizeof path, "/api/residents?limit=1&cursor=%s", next);
    it_response *ok = it_request("GET", path, clin, NULL, NULL);
    IT_ASSERT_STATUS(ok, 200);
    it_response_free(ok);

    /* another caller of the same team, the same cursor */
    it_response *e = it_request("GET", path, mgr, NULL, NULL);
    IT_ASSERT_PROBLEM(e, 400, "bad-query");
    ck_assert(it_problem_has_field(e, "cursor"));
    it_response_free(e);
    /* another list */
    snprintf(path, sizeof path, "/api/board?limit=1&cursor=%s", next);
    e = it_request("GET", path, clin, NULL, NULL);
    IT_ASSERT_PROBLEM(e, 400, "bad-query");
    it_response_free(e);
    /* one character changed */
    char *bent = strdup(next);
    size_t mid = strlen(bent) / 2;
    bent[mid] = bent[mid] == 'A' ? 'B' : 'A';
    snprintf(path, sizeof path, "/api/residents?limit=1&cursor=%s", bent);
    e = it_request("GET", path, clin, NULL, NULL);
    IT_ASSERT_PROBLEM(e, 400, "bad-query");
    it_response_free(e);
    free(bent);
    /* the old plain form: base64url("name\nid") */
    char plain[400], enc[800];
    int pn = snprintf(plain, sizeof plain, "%s\n%s", name, id);
    sodium_bin2base64(enc, sizeof enc, (const unsigned char *)plain, (size_t)pn,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(path, sizeof path, "/api/residents?limit=1&cursor=%s", enc);
    e = it_request("GET", path, clin, NULL, NULL);
    IT_ASSERT_PROBLEM(e, 400, "bad-query");
    it_response_free(e);

    it_response_free(r);
    free(mgr);
    free(clin);
}
END_TEST

int main(void)
{
    it_server_start(NULL);
    Suite *s = suite_create("caseload");
    TCase *tc = tcase_create("caseload");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_create_resident_of_own_pair);
    tcase_add_test(tc, test_patch_needs_current_if_match);
    tcase_add_test(tc, test_people_and_safety_risk);
    tcase_add_test(tc, test_intensity_history_records_who_and_why);
    tcase_add_test(tc, test_board_shows_intensive_residents_to_both_sides);
    tcase_add_test(tc, test_board_latest_summary_follows_the_record);
    tcase_add_test(tc, test_resident_names_follow_renames);
    tcase_add_test(tc, test_caseload_filters_and_pages_hide_other_teams);
    tcase_add_test(tc, test_cursors_are_opaque_and_bound);
    suite_add_tcase(s, tc);
    return it_run_suite(s);
}
