/*
 * Conversations as the users meet them: the facility user who never sees a clinical note,
 * the held conversation with a resident at safety risk refused without the contact person
 * or a named staff member, relatives and partners refused without a consent in force (by
 * the server and by the database itself), a repeated Idempotency-Key that creates nothing
 * twice, pages of a resident's history, the audit rows, and corrections by the author that
 * keep every earlier version (the earlier texts for the team only).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it_check.h"
#include "json.h"

/* A fresh resident at Engen, created by the caller of token; the id (malloc'd). */
static char *new_resident(const char *token)
{
    return it_new_resident(token, "Talking ", "1988-08-08");
}

/* POST /api/conversations for resident with extra JSON members (may be ""). */
static it_response *log_conv(const char *token, const char *resident, const char *outcome,
                             const char *extra, const char *const *headers)
{
    char body[1024];
    snprintf(body, sizeof body,
             "{\"resident_id\": \"%s\", \"occurred_at\": \"2025-06-04T09:30:00+02:00\", "
             "\"kind\": \"fixed_visit\", \"outcome\": \"%s\"%s%s}",
             resident, outcome, *extra ? ", " : "", extra);
    return it_request("POST", "/api/conversations", token, body, headers);
}

static void set_safety_risk(const char *token, const char *resident)
{
    char path[128];
    snprintf(path, sizeof path, "/api/residents/%s", resident);
    it_response *g = it_request("GET", path, token, NULL, NULL);
    char *etag = it_header(g, "ETag");
    char im[64];
    snprintf(im, sizeof im, "If-Match: %s", etag);
    const char *h[] = {im, NULL};
    it_response *r = it_request("PATCH", path, token,
                                "{\"safety_risk\": true, \"safety_note\": \"Assessed today.\"}", h);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);
    it_response_free(g);
    free(etag);
}

static void grant(const char *token, const char *resident, const char *body)
{
    char path[160];
    snprintf(path, sizeof path, "/api/residents/%s/consents", resident);
    it_response *r = it_request("POST", path, token, body, NULL);
    IT_ASSERT_STATUS(r, 201);
    it_response_free(r);
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

static long conversations_of(const char *resident)
{
    PGconn *db = it_db_owner();
    const char *p[] = {resident};
    char *v = it_db_value_params(
        db, "SELECT count(*) FROM conversations WHERE resident_id = $1::uuid", 1, p);
    long n = strtol(v, NULL, 10);
    free(v);
    PQfinish(db);
    return n;
}

/* Runs sql (one $1 = resident) on the application role as the Slagelse clinician; returns
 * the SQLSTATE (malloc'd, "" on success) and the DETAIL in detail_out (malloc'd). */
static char *sql_as_clinician(const char *sql, const char *resident, char **detail_out)
{
    PGconn *db = it_db_app();
    PQclear(PQexec(db, "BEGIN"));
    const char *p[] = {IT_USER_CLINICIAN_SLAGELSE, "region_clinician", IT_TEAM_SLAGELSE, "1",
                       "it", "x"};
    PQclear(PQexecParams(db, "SELECT app_begin($1::uuid, $2, $3::uuid, $4::integer, $5, $6)", 6,
                         NULL, p, NULL, NULL, 0));
    const char *q[] = {resident};
    PGresult *r = PQexecParams(db, sql, 1, NULL, q, NULL, NULL, 0);
    const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char *detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
    char *out = strdup(st ? st : "");
    *detail_out = strdup(detail ? detail : "");
    PQclear(r);
    PQclear(PQexec(db, "ROLLBACK"));
    PQfinish(db);
    return out;
}

START_TEST(test_facility_user_never_sees_the_clinical_note)
{
    char *clin = it_login("clinician@slagelse.demo");
    char *staff = it_login("staff@engen.demo");
    char *id = new_resident(clin);
    grant(clin, id, "{\"kind\": \"share_summary_with_facility\", \"granted\": true}");
    it_response *r = log_conv(clin, id, "held",
                              "\"contact_person_present\": true, \"summary\": \"Shared part.\", "
                              "\"clinical_note\": \"Clinical part.\"",
                              NULL);
    IT_ASSERT_STATUS(r, 201);
    ck_assert_str_eq(it_json_str(r, "clinical_note"), "Clinical part.");
    ck_assert_int_eq(audit_count(r, "allowed"), 1);
    it_response_free(r);

    char path[160];
    snprintf(path, sizeof path, "/api/residents/%s/conversations", id);
    r = it_request("GET", path, staff, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    json_t *item = json_array_get(json_object_get(r->json, "items"), 0);
    ck_assert_str_eq(json_str(item, "summary"), "Shared part.");
    ck_assert_ptr_null(json_object_get(item, "clinical_note"));
    ck_assert_ptr_null(strstr(r->body, "Clinical part."));
    ck_assert(json_is_true(
        json_object_get(json_object_get(item, "participants"), "contact_person_present")));
    ck_assert_int_eq(audit_count(r, "allowed"), 1);
    it_response_free(r);
    /* the manager of the facility neither */
    char *mgr = it_login("manager@engen.demo");
    r = it_request("GET", path, mgr, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_ptr_null(strstr(r->body, "Clinical part."));
    it_response_free(r);
    free(mgr);
    /* the team does */
    r = it_request("GET", path, clin, NULL, NULL);
    item = json_array_get(json_object_get(r->json, "items"), 0);
    ck_assert_str_eq(json_str(item, "clinical_note"), "Clinical part.");
    it_response_free(r);
    /* and Holbæk sees nothing of Engen's */
    char *hol = it_login("clinician@holbaek.demo");
    r = it_request("GET", path, hol, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    ck_assert_int_eq(audit_count(r, "denied"), 1);
    it_response_free(r);
    r = log_conv(hol, id, "held", "", NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    it_response_free(r);
    free(hol);
    /* facility staff do not log the team's conversations */
    r = log_conv(staff, id, "held", "\"contact_person_present\": true", NULL);
    IT_ASSERT_STATUS(r, 403);
    it_response_free(r);
    free(id);
    free(staff);
    free(clin);
}
END_TEST

START_TEST(test_safety_risk_requires_the_contact_person)
{
    char *clin = it_login("clinician@slagelse.demo");
    char *id = new_resident(clin);
    set_safety_risk(clin, id);
    it_response *r = log_conv(clin, id, "held", "\"contact_person_present\": false", NULL);
    IT_ASSERT_PROBLEM(r, 422, "safety-risk-requires-staff");
    ck_assert(it_problem_has_field(r, "contact_person_present"));
    ck_assert_int_eq(audit_count(r, "denied"), 1);
    it_response_free(r);
    ck_assert_int_eq(conversations_of(id), 0);
    /* a no-show is no meeting: logged */
    r = log_conv(clin, id, "no_show", "", NULL);
    IT_ASSERT_STATUS(r, 201);
    it_response_free(r);
    /* with the contact person, or another named staff member who knows the resident */
    r = log_conv(clin, id, "held", "\"contact_person_present\": true", NULL);
    IT_ASSERT_STATUS(r, 201);
    it_response_free(r);
    r = log_conv(clin, id, "held", "\"staff_present_ids\": [\"" IT_USER_MANAGER_ENGEN "\"]", NULL);
    IT_ASSERT_STATUS(r, 201);
    it_response_free(r);
    /* the named staff member must work at the facility */
    r = log_conv(clin, id, "held", "\"staff_present_ids\": [\"" IT_USER_STAFF_SKOVEN "\"]", NULL);
    IT_ASSERT_PROBLEM(r, 422, "staff-not-of-facility");
    it_response_free(r);
    ck_assert_int_eq(conversations_of(id), 3);
    /* the database refuses too, whoever writes */
    char *detail = NULL;
    char *st = sql_as_clinician(
        "INSERT INTO conversations (resident_id, occurred_at, kind, outcome, created_by) "
        "VALUES ($1::uuid, now(), 'home', 'held', app_user_id())",
        id, &detail);
    ck_assert_str_eq(st, "SA422");
    ck_assert_str_eq(detail, "safety-risk-requires-staff");
    free(st);
    free(detail);
    free(id);
    free(clin);
}
END_TEST

START_TEST(test_relatives_and_partners_require_consent)
{
    char *clin = it_login("clinician@slagelse.demo");
    char *id = new_resident(clin);
    it_response *r = log_conv(clin, id, "held", "\"relatives\": [\"Grethe (mother)\"]", NULL);
    IT_ASSERT_PROBLEM(r, 422, "relatives-require-consent");
    ck_assert(it_problem_has_field(r, "relatives"));
    it_response_free(r);
    r = log_conv(clin, id, "held", "\"partners\": [\"Jobcenter Slagelse\"]", NULL);
    IT_ASSERT_PROBLEM(r, 422, "partners-require-consent");
    it_response_free(r);
    char *detail = NULL;
    char *st = sql_as_clinician(
        "INSERT INTO conversations (resident_id, occurred_at, kind, outcome, relatives, "
        "created_by) VALUES ($1::uuid, now(), 'home', 'held', '{Grethe}', app_user_id())",
        id, &detail);
    ck_assert_str_eq(st, "SA422");
    ck_assert_str_eq(detail, "relatives-require-consent");
    free(st);
    free(detail);
    ck_assert_int_eq(conversations_of(id), 0);

    grant(clin, id, "{\"kind\": \"relatives_may_attend\", \"granted\": true}");
    grant(clin, id, "{\"kind\": \"partners_may_attend\", \"granted\": true, "
                    "\"partners\": [\"Jobcenter Slagelse\"]}");
    r = log_conv(clin, id, "held",
                 "\"relatives\": [\"Grethe (mother)\"], \"partners\": [\"jobcenter slagelse\"]",
                 NULL);
    IT_ASSERT_STATUS(r, 201);
    it_response_free(r);
    /* a partner the consent does not name */
    r = log_conv(clin, id, "held", "\"partners\": [\"Misbrugscenter\"]", NULL);
    IT_ASSERT_PROBLEM(r, 422, "partners-require-consent");
    it_response_free(r);
    /* withdrawn: refused again at once */
    grant(clin, id, "{\"kind\": \"relatives_may_attend\", \"granted\": false}");
    r = log_conv(clin, id, "held", "\"relatives\": [\"Grethe (mother)\"]", NULL);
    IT_ASSERT_PROBLEM(r, 422, "relatives-require-consent");
    it_response_free(r);
    ck_assert_int_eq(conversations_of(id), 1);
    free(id);
    free(clin);
}
END_TEST

START_TEST(test_repeated_idempotency_key_and_pages)
{
    char *clin = it_login("clinician@slagelse.demo");
    char *id = new_resident(clin);
    char *key = it_unique("conv-");
    char kh[128];
    snprintf(kh, sizeof kh, "Idempotency-Key: %s", key);
    const char *h[] = {kh, NULL};
    it_response *a = log_conv(clin, id, "no_show", "", h);
    IT_ASSERT_STATUS(a, 201);
    it_response *b = log_conv(clin, id, "no_show", "", h);
    IT_ASSERT_STATUS(b, 201);
    ck_assert_str_eq(it_json_str(a, "id"), it_json_str(b, "id"));
    char *replayed = it_header(b, "Idempotent-Replayed");
    ck_assert_ptr_nonnull(replayed);
    free(replayed);
    it_response_free(b);
    b = log_conv(clin, id, "held", "\"contact_person_present\": true", h);
    IT_ASSERT_PROBLEM(b, 422, "idempotency-key-reused");
    it_response_free(b);
    it_response_free(a);
    ck_assert_int_eq(conversations_of(id), 1);
    /* two more, then page two at a time, newest first, no overlap */
    for (int i = 0; i < 2; i++) {
        char body[512];
        snprintf(body, sizeof body,
                 "{\"resident_id\": \"%s\", \"occurred_at\": \"2025-07-0%dT09:30:00Z\", "
                 "\"kind\": \"phone\", \"outcome\": \"held\"}",
                 id, i + 1);
        it_response *r = it_request("POST", "/api/conversations", clin, body, NULL);
        IT_ASSERT_STATUS(r, 201);
        it_response_free(r);
    }
    char path[200];
    snprintf(path, sizeof path, "/api/residents/%s/conversations?limit=2", id);
    it_response *p1 = it_request("GET", path, clin, NULL, NULL);
    IT_ASSERT_STATUS(p1, 200);
    json_t *items = json_object_get(p1->json, "items");
    ck_assert_int_eq(json_array_size(items), 2);
    ck_assert_str_eq(json_str(json_array_get(items, 0), "occurred_at"),
                     "2025-07-02T09:30:00.000000Z");
    const char *next = it_json_str(p1, "next");
    ck_assert_ptr_nonnull(next);
    char path2[600];
    snprintf(path2, sizeof path2, "%s&cursor=%s", path, next);
    it_response *p2 = it_request("GET", path2, clin, NULL, NULL);
    IT_ASSERT_STATUS(p2, 200);
    json_t *items2 = json_object_get(p2->json, "items");
    ck_assert_int_eq(json_array_size(items2), 1);
    ck_assert_str_eq(json_str(json_array_get(items2, 0), "outcome"), "no_show");
    ck_assert(json_is_null(json_object_get(p2->json, "next")));
    it_response_free(p2);
    it_response_free(p1);
    /* the filter by outcome */
    snprintf(path, sizeof path, "/api/residents/%s/conversations?outcome=no_show", id);
    p1 = it_request("GET", path, clin, NULL, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(p1->json, "items")), 1);
    it_response_free(p1);
    free(key);
    free(id);
    free(clin);
}
END_TEST

START_TEST(test_demo_history_has_no_shows)
{
    /* the demo's twelve months: conversations with no-shows, for every Engen resident */
    PGconn *db = it_db_owner();
    char *v = it_db_value(db, "SELECT count(*) FILTER (WHERE outcome = 'no_show') > 0 "
                              "AND count(*) > 50 FROM conversations");
    ck_assert_str_eq(v, "t");
    free(v);
    PQfinish(db);
    /* Birthe never consented: Engen staff see her conversations but no summary */
    char *staff = it_login("staff@engen.demo");
    it_response *r = it_request(
        "GET", "/api/residents/40000000-0000-4000-8000-000000000002/conversations?limit=200",
        staff, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    size_t i;
    json_t *x;
    ck_assert_int_gt(json_array_size(json_object_get(r->json, "items")), 0);
    json_array_foreach(json_object_get(r->json, "items"), i, x) {
        ck_assert(json_is_null(json_object_get(x, "summary")));
        ck_assert_str_eq(json_str(x, "summary_hidden_reason"), "no_consent");
    }
    it_response_free(r);
    free(staff);
}
END_TEST

/* PATCH /api/conversations/{id} with If-Match version (NULL: none). */
static it_response *correct(const char *token, const char *id, const char *version,
                            const char *body)
{
    char path[128], im[64];
    snprintf(path, sizeof path, "/api/conversations/%s", id);
    snprintf(im, sizeof im, "If-Match: \"%s\"", version ? version : "");
    const char *h[] = {im, NULL};
    return it_request("PATCH", path, token, body, version ? h : NULL);
}

START_TEST(test_corrections_keep_every_version)
{
    char *clin = it_login("clinician@slagelse.demo");
    char *staff = it_login("staff@engen.demo");
    char *id = new_resident(clin);
    grant(clin, id, "{\"kind\": \"share_summary_with_facility\", \"granted\": true}");
    grant(clin, id, "{\"kind\": \"relatives_may_attend\", \"granted\": true}");
    it_response *r = log_conv(clin, id, "held",
                              "\"contact_person_present\": true, \"relatives\": [\"Mother\"], "
                              "\"summary\": \"Talked about the wrong flat.\", "
                              "\"clinical_note\": \"Note one.\"",
                              NULL);
    IT_ASSERT_STATUS(r, 201);
    char *cid = strdup(it_json_str(r, "id"));
    char *loc = it_header(r, "Location");
    char want[128];
    snprintf(want, sizeof want, "/api/conversations/%s", cid);
    ck_assert_str_eq(loc, want); /* the conversation itself, readable */
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "version")), 1);
    ck_assert(json_is_null(json_object_get(r->json, "correction")));
    it_response_free(r);
    r = it_request("GET", loc, staff, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "summary"), "Talked about the wrong flat.");
    ck_assert_ptr_null(json_object_get(r->json, "clinical_note"));
    it_response_free(r);

    /* the consent for relatives is withdrawn afterwards: the mother stays in the record */
    grant(clin, id, "{\"kind\": \"relatives_may_attend\", \"granted\": false}");

    /* only with If-Match, a reason and something to correct */
    r = correct(clin, cid, NULL, "{\"reason\": \"x\", \"outcome\": \"no_show\"}");
    IT_ASSERT_PROBLEM(r, 428, "if-match-required");
    it_response_free(r);
    r = correct(clin, cid, "1", "{\"outcome\": \"no_show\"}");
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    ck_assert(it_problem_has_field(r, "reason"));
    it_response_free(r);
    r = correct(clin, cid, "1", "{\"reason\": \"nothing\"}");
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    it_response_free(r);
    /* a relative cannot be added without a consent in force now */
    r = correct(clin, cid, "1",
                "{\"reason\": \"Brother was there too\", \"relatives\": [\"Mother\", \"Brother\"]}");
    IT_ASSERT_PROBLEM(r, 422, "relatives-require-consent");
    ck_assert(it_problem_has_field(r, "relatives"));
    it_response_free(r);

    /* the summary was meant for another resident: withdrawn; the note corrected */
    r = correct(clin, cid, "1",
                "{\"reason\": \"Summary written in the wrong resident's record\", "
                "\"summary\": null, \"clinical_note\": \"Note two.\", "
                "\"occurred_at\": \"2025-06-04T10:00:00+02:00\"}");
    IT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "version")), 2);
    ck_assert(json_is_null(json_object_get(r->json, "summary")));
    ck_assert_str_eq(it_json_str(r, "clinical_note"), "Note two.");
    json_t *fix = json_object_get(r->json, "correction");
    ck_assert_str_eq(json_str(fix, "reason"), "Summary written in the wrong resident's record");
    ck_assert_str_eq(json_str(fix, "by"), IT_USER_CLINICIAN_SLAGELSE);
    json_t *rel = json_object_get(json_object_get(r->json, "participants"), "relatives");
    ck_assert_int_eq(json_array_size(rel), 1);
    ck_assert_str_eq(json_string_value(json_array_get(rel, 0)), "Mother");
    char *etag = it_header(r, "ETag");
    ck_assert_str_eq(etag, "\"2\"");
    free(etag);
    ck_assert_int_eq(audit_count(r, "allowed"), 1);
    it_response_free(r);
    /* a stale version is refused with the conversation as it is now */
    r = correct(clin, cid, "1", "{\"reason\": \"again\", \"outcome\": \"no_show\"}");
    IT_ASSERT_PROBLEM(r, 412, "stale-version");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r->json, "current"),
                                                        "version")),
                     2);
    it_response_free(r);

    /* the facility no longer reads the withdrawn summary, neither now nor in the history */
    char hp[160];
    snprintf(hp, sizeof hp, "/api/conversations/%s/revisions", cid);
    r = it_request("GET", loc, staff, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert(json_is_null(json_object_get(r->json, "summary")));
    ck_assert_str_eq(json_str(json_object_get(r->json, "correction"), "reason"),
                     "Summary written in the wrong resident's record");
    it_response_free(r);
    r = it_request("GET", hp, staff, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
    json_t *old = json_array_get(json_object_get(r->json, "items"), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(old, "version")), 1);
    ck_assert_ptr_null(json_object_get(old, "summary"));
    ck_assert_ptr_null(json_object_get(old, "clinical_note"));
    ck_assert_ptr_null(strstr(r->body, "wrong flat"));
    ck_assert_ptr_null(strstr(r->body, "Note one"));
    ck_assert_str_eq(json_str(old, "occurred_at"), "2025-06-04T07:30:00.000000Z");
    it_response_free(r);
    /* the team reads the earlier texts */
    r = it_request("GET", hp, clin, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    old = json_array_get(json_object_get(r->json, "items"), 0);
    ck_assert_str_eq(json_str(old, "summary"), "Talked about the wrong flat.");
    ck_assert_str_eq(json_str(old, "clinical_note"), "Note one.");
    ck_assert_str_eq(json_str(old, "replaced_by"), IT_USER_CLINICIAN_SLAGELSE);
    it_response_free(r);

    /* another clinician of the team may read but not correct it; facility staff neither */
    char *admin = it_login("admin@samspil.demo");
    char *email = NULL;
    char *other_id = it_create_user(admin, "region_clinician", IT_TEAM_SLAGELSE,
                                    "another-clinician-pw", &email);
    char *other = it_login_as(email, "another-clinician-pw");
    r = correct(other, cid, "2", "{\"reason\": \"mine now\", \"outcome\": \"no_show\"}");
    IT_ASSERT_PROBLEM(r, 403, "not-author");
    ck_assert_int_eq(audit_count(r, "denied"), 1);
    it_response_free(r);
    r = correct(staff, cid, "2", "{\"reason\": \"x\", \"outcome\": \"no_show\"}");
    ck_assert_int_eq(r->status, 403);
    it_response_free(r);

    /* the database itself refuses to rewrite without a revision, or to change a note outside
     * a correction, even for the author */
    char *detail = NULL;
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE conversations SET outcome = 'no_show' WHERE id = '%s' AND $1::uuid IS NOT NULL",
             cid);
    char *st = sql_as_clinician(sql, id, &detail);
    ck_assert_str_eq(st, "SA422");
    ck_assert_str_eq(detail, "correction-reason-required");
    free(st);
    free(detail);
    snprintf(sql, sizeof sql,
             "UPDATE conversation_notes SET body = 'sneaky' WHERE conversation_id = '%s' "
             "AND $1::uuid IS NOT NULL", cid);
    st = sql_as_clinician(sql, id, &detail);
    ck_assert_str_eq(st, "SA409");
    free(st);
    free(detail);
    snprintf(sql, sizeof sql,
             "DELETE FROM conversation_revisions WHERE conversation_id = '%s' "
             "AND $1::uuid IS NOT NULL", cid);
    st = sql_as_clinician(sql, id, &detail);
    ck_assert_str_eq(st, "42501"); /* no privilege: the history is append-only */
    free(st);
    free(detail);

    free(other);
    free(other_id);
    free(email);
    free(admin);
    free(loc);
    free(cid);
    free(id);
    free(staff);
    free(clin);
}
END_TEST

/* An extra visit of the clinician's team at Engen, days from today (negative: past). */
static char *visit_at(const char *token, int days)
{
    PGconn *db = it_db_owner();
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT to_char(now() + interval '%d days' - interval '1 hour', "
             "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') || '|' || to_char(now() + interval '%d days', "
             "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')", days, days);
    char *span = it_db_value(db, sql);
    PQfinish(db);
    char *bar = strchr(span, '|');
    *bar = '\0';
    char body[512];
    snprintf(body, sizeof body,
             "{\"kind\": \"extra\", \"facility_id\": \"" IT_FACILITY_ENGEN "\", "
             "\"starts_at\": \"%s\", \"ends_at\": \"%s\"}", span, bar + 1);
    it_response *r = it_request("POST", "/api/visits", token, body, NULL);
    IT_ASSERT_STATUS(r, 201);
    char *id = strdup(it_json_str(r, "id"));
    it_response_free(r);
    free(span);
    return id;
}

START_TEST(test_a_conversation_during_a_visit_marks_it_held)
{
    char *clin = it_login("clinician@slagelse.demo");
    char *id = new_resident(clin);
    char *today = visit_at(clin, 0), *later = visit_at(clin, 3);
    const char *visits[] = {today, later};
    for (int i = 0; i < 2; i++) {
        char extra[256];
        snprintf(extra, sizeof extra,
                 "\"contact_person_present\": true, \"visit_id\": \"%s\"", visits[i]);
        it_response *r = log_conv(clin, id, i == 0 ? "no_show" : "held", extra, NULL);
        IT_ASSERT_STATUS(r, 201);
        it_response_free(r);
    }
    /* the team was there today (the resident's no-show is the conversation's): held; a
     * visit still ahead stays planned */
    char path[128];
    snprintf(path, sizeof path, "/api/visits/%s", today);
    it_response *r = it_request("GET", path, clin, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "status"), "held");
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "version")), 2);
    it_response_free(r);
    snprintf(path, sizeof path, "/api/visits/%s", later);
    r = it_request("GET", path, clin, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "status"), "planned");
    it_response_free(r);
    free(today);
    free(later);
    free(id);
    free(clin);
}
END_TEST

int main(void)
{
    it_server_start(NULL);
    Suite *s = suite_create("conversations");
    TCase *tc = tcase_create("conversations");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_facility_user_never_sees_the_clinical_note);
    tcase_add_test(tc, test_safety_risk_requires_the_contact_person);
    tcase_add_test(tc, test_relatives_and_partners_require_consent);
    tcase_add_test(tc, test_repeated_idempotency_key_and_pages);
    tcase_add_test(tc, test_demo_history_has_no_shows);
    tcase_add_test(tc, test_corrections_keep_every_version);
    tcase_add_test(tc, test_a_conversation_during_a_visit_marks_it_held);
    suite_add_tcase(s, tc);
    return it_run_suite(s);
}
