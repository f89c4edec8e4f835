/*
 * Admissions as their users meet them: Engen records that a resident was admitted (forced or
 * not) and discharged; a new admission within 30 days of a discharge shows as a readmission
 * without anyone typing it; each admission shows what happened before it; the facility logs
 * its visits to an admitted resident; the list gives the forced share; F-ACT Holbæk sees none
 * of Engen's; every read and write is audited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it_check.h"
#include "json.h"

#define RESIDENT_ENGEN_4 "40000000-0000-4000-8000-000000000004"
#define RESIDENT_ENGEN_6 "40000000-0000-4000-8000-000000000006"

/* now + days as RFC 3339 (UTC), from the database clock. */
static char *at_days(int days)
{
    PGconn *o = it_db_owner();
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT to_char((now() + interval '%d days') AT TIME ZONE 'UTC', "
             "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
             days);
    char *v = it_db_value(o, sql);
    ck_assert_ptr_nonnull(v);
    PQfinish(o);
    return v;
}

static long owner_count(const char *sql, int n, const char *const *p)
{
    PGconn *o = it_db_owner();
    char *v = it_db_value_params(o, sql, n, p);
    ck_assert_msg(v != NULL, "%s: %s", sql, PQerrorMessage(o));
    long c = strtol(v, NULL, 10);
    free(v);
    PQfinish(o);
    return c;
}

static long audit_rows(const it_response *r, const char *outcome)
{
    char *rid = it_header(r, "X-Request-Id");
    ck_assert_ptr_nonnull(rid);
    const char *p[] = {rid, outcome};
    long n = owner_count("SELECT count(*) FROM audit_log WHERE request_id = $1 AND outcome = $2",
                         2, p);
    free(rid);
    return n;
}

/* The residents named by the request's audit rows with this outcome (a list writes one row per
 * pair with every resident shown in resident_ids). */
static long audit_residents(const it_response *r, const char *outcome)
{
    char *rid = it_header(r, "X-Request-Id");
    ck_assert_ptr_nonnull(rid);
    const char *p[] = {rid, outcome};
    long n = owner_count("SELECT count(DISTINCT u) FROM audit_log, unnest(coalesce(resident_ids, ARRAY[resident_id])) u "
                         "WHERE request_id = $1 AND outcome = $2",
                         2, p);
    free(rid);
    return n;
}

static it_response *admit(const char *token, const char *resident, const char *body,
                          const char *key)
{
    char path[120], hdr[120];
    snprintf(path, sizeof path, "/api/residents/%s/admissions", resident);
    snprintf(hdr, sizeof hdr, "Idempotency-Key: %s", key ? key : "");
    const char *h[] = {hdr, NULL};
    return it_request("POST", path, token, body, key ? h : NULL);
}

START_TEST(test_readmission_is_derived_and_discharge_needs_if_match)
{
    char *staff = it_login("staff@engen.demo");
    char *clin = it_login("clinician@slagelse.demo");
    char *in1 = at_days(-50), *out1 = at_days(-40), *in2 = at_days(-20), *out2 = at_days(-10);
    char body[400];

    snprintf(body, sizeof body,
             "{\"admitted_at\": \"%s\", \"discharged_at\": \"%s\", \"ward\": \"S2\", "
             "\"forced\": true}", in1, out1);
    it_response *r = admit(staff, RESIDENT_ENGEN_6, body, NULL);
    IT_ASSERT_STATUS(r, 201);
    ck_assert(json_is_true(json_object_get(r->json, "forced")));
    ck_assert(json_is_false(json_object_get(r->json, "readmission")));
    json_t *before = json_object_get(r->json, "before");
    ck_assert_ptr_nonnull(before);
    ck_assert(json_is_boolean(json_object_get(before, "intensive_period")));
    ck_assert_ptr_nonnull(json_object_get(before, "had_kip"));
    ck_assert_ptr_nonnull(json_object_get(before, "missed_conversations_30_days"));
    ck_assert_ptr_nonnull(json_object_get(before, "days_since_last_held_conversation"));
    ck_assert_int_eq(audit_rows(r, "allowed"), 1);
    it_response_free(r);

    /* the region records the next one, 20 days after the discharge: a readmission */
    snprintf(body, sizeof body,
             "{\"admitted_at\": \"%s\", \"ward\": \"S1\", \"forced\": false}", in2);
    char *key = it_unique("adm");
    r = admit(clin, RESIDENT_ENGEN_6, body, key);
    IT_ASSERT_STATUS(r, 201);
    ck_assert(json_is_true(json_object_get(r->json, "readmission")));
    ck_assert(json_is_null(json_object_get(r->json, "discharged_at")));
    char *id = strdup(it_json_str(r, "id"));
    char *loc = it_header(r, "Location");
    ck_assert_ptr_nonnull(strstr(loc, id));
    free(loc);
    it_response_free(r);

    /* the same request again replays; the same key for something else is refused */
    r = admit(clin, RESIDENT_ENGEN_6, body, key);
    IT_ASSERT_STATUS(r, 201);
    ck_assert_str_eq(it_json_str(r, "id"), id);
    it_response_free(r);
    const char *pr[] = {RESIDENT_ENGEN_6};
    ck_assert_int_eq(owner_count("SELECT count(*) FROM admissions WHERE resident_id = $1::uuid "
                                 "AND discharged_at IS NULL", 1, pr), 1);
    r = admit(clin, RESIDENT_ENGEN_6, "{\"admitted_at\": \"2020-01-01T00:00:00Z\", \"forced\": true}",
              key);
    IT_ASSERT_PROBLEM(r, 422, "idempotency-key-reused");
    it_response_free(r);

    /* one admission at a time */
    r = admit(staff, RESIDENT_ENGEN_6, body, NULL);
    IT_ASSERT_PROBLEM(r, 409, "already-admitted");
    it_response_free(r);

    /* discharge: If-Match required, and must be current */
    char path[120];
    snprintf(path, sizeof path, "/api/admissions/%s", id);
    snprintf(body, sizeof body, "{\"discharged_at\": \"%s\"}", out2);
    r = it_request("PATCH", path, staff, body, NULL);
    IT_ASSERT_PROBLEM(r, 428, "if-match-required");
    it_response_free(r);
    const char *stale[] = {"If-Match: \"7\"", NULL};
    r = it_request("PATCH", path, staff, body, stale);
    IT_ASSERT_PROBLEM(r, 412, "stale-version");
    it_response_free(r);
    r = it_request("GET", path, staff, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    char *etag = it_header(r, "ETag");
    it_response_free(r);
    char im[64];
    snprintf(im, sizeof im, "If-Match: %s", etag);
    const char *fresh[] = {im, NULL};
    r = it_request("PATCH", path, staff, body, fresh);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_ptr_nonnull(it_json_str(r, "discharged_at"));
    ck_assert(json_is_true(json_object_get(r->json, "readmission")));
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "bed_days")), 10);
    ck_assert_int_eq(audit_rows(r, "allowed"), 1);
    it_response_free(r);

    /* the resident's list, newest first, each read audited */
    snprintf(path, sizeof path, "/api/residents/%s/admissions?limit=1", RESIDENT_ENGEN_6);
    r = it_request("GET", path, clin, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    json_t *items = json_object_get(r->json, "items");
    ck_assert_int_eq(json_array_size(items), 1);
    ck_assert_str_eq(json_str(json_array_get(items, 0), "id"), id);
    ck_assert(!json_is_null(json_object_get(r->json, "next")));
    ck_assert_int_eq(audit_rows(r, "allowed"), 1);
    char next[300];
    snprintf(next, sizeof next, "/api/residents/%s/admissions?limit=1&cursor=%s",
             RESIDENT_ENGEN_6, json_string_value(json_object_get(r->json, "next")));
    it_response_free(r);
    r = it_request("GET", next, clin, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    items = json_object_get(r->json, "items");
    ck_assert_int_eq(json_array_size(items), 1);
    ck_assert(json_is_false(json_object_get(json_array_get(items, 0), "readmission")));
    it_response_free(r);

    /* the previous discharge is kept on the admission (migration 0073) and follows a change of
     * the earlier admission: moved 100 days back, the later one is no readmission any more */
    ck_assert_int_eq(owner_count("SELECT count(*) FROM admissions a "
                                 "JOIN admission_prev_now n ON n.admission_id = a.id "
                                 "WHERE (a.prev_discharged_team, a.prev_discharged_facility) "
                                 "  IS DISTINCT FROM (n.prev_discharged_team, "
                                 "  n.prev_discharged_facility)", 0, NULL), 0);
    PGconn *o = it_db_owner();
    const char *moved[] = {RESIDENT_ENGEN_6, id};
    PGresult *res = PQexecParams(o, "UPDATE admissions SET admitted_at = admitted_at - "
                                    "interval '100 days', discharged_at = discharged_at - "
                                    "interval '100 days' WHERE resident_id = $1::uuid AND id <> $2::uuid",
                                 2, NULL, moved, NULL, NULL, 0);
    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQerrorMessage(o));
    PQclear(res);
    /* the kept columns written directly are put right by the trigger (0074) */
    res = PQexecParams(o, "UPDATE admissions SET prev_discharged_team = now(), "
                          "prev_discharged_facility = now() WHERE id = $1::uuid",
                       1, NULL, moved + 1, NULL, NULL, 0);
    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQerrorMessage(o));
    PQclear(res);
    PQfinish(o);
    snprintf(path, sizeof path, "/api/admissions/%s", id);
    for (int side = 0; side < 2; side++) {
        r = it_request("GET", path, side ? clin : staff, NULL, NULL);
        IT_ASSERT_STATUS(r, 200);
        ck_assert(json_is_false(json_object_get(r->json, "readmission")));
        ck_assert_ptr_nonnull(it_json_str(r, "previous_discharged_at"));
        it_response_free(r);
    }

    free(etag);
    free(id);
    free(key);
    free(in1), free(out1), free(in2), free(out2);
    free(staff);
    free(clin);
}
END_TEST

START_TEST(test_what_happened_before_and_facility_visits)
{
    /* a held conversation 5 days before and a no-show 3 days before */
    PGconn *o = it_db_owner();
    PGresult *res = PQexec(
        o, "INSERT INTO conversations (resident_id, team_id, facility_id, occurred_at, kind, "
           "  outcome, contact_person_present, created_by) "
           "SELECT r.id, r.team_id, r.facility_id, now() - make_interval(days => d), 'phone', o, "
           "  true, '" IT_USER_CLINICIAN_SLAGELSE "' FROM residents r, "
           "  (VALUES (15, 'held'), (13, 'no_show')) v(d, o) "
           "WHERE r.id = '" RESIDENT_ENGEN_4 "'");
    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQerrorMessage(o));
    PQclear(res);
    PQfinish(o);

    char *staff = it_login("staff@engen.demo");
    char *in = at_days(-10), *early = at_days(-12), *visit = at_days(-2);
    char body[300];
    snprintf(body, sizeof body, "{\"admitted_at\": \"%s\", \"forced\": false}", in);
    it_response *r = admit(staff, RESIDENT_ENGEN_4, body, NULL);
    IT_ASSERT_STATUS(r, 201);
    json_t *before = json_object_get(r->json, "before");
    /* at most 5 days (ours; the demo may have a later one), as the database counts it */
    const char *pa[] = {RESIDENT_ENGEN_4, in};
    long held = owner_count("SELECT $2::timestamptz::date - max(occurred_at)::date "
                            "FROM conversations WHERE resident_id = $1::uuid "
                            "AND outcome = 'held' AND occurred_at < $2::timestamptz", 2, pa);
    ck_assert_int_le(held, 5);
    ck_assert_int_eq(json_integer_value(json_object_get(before, "days_since_last_held_conversation")), held);
    ck_assert_int_ge(json_integer_value(json_object_get(before, "missed_conversations_30_days")), 1);
    char *id = strdup(it_json_str(r, "id"));
    it_response_free(r);

    char path[120];
    snprintf(path, sizeof path, "/api/admissions/%s/visits", id);
    snprintf(body, sizeof body, "{\"visited_at\": \"%s\", \"note\": \"Besøg med post\"}", visit);
    r = it_request("POST", path, staff, body, NULL);
    IT_ASSERT_STATUS(r, 201);
    ck_assert_int_eq(audit_rows(r, "allowed"), 1);
    it_response_free(r);
    snprintf(body, sizeof body, "{\"visited_at\": \"%s\"}", early);
    r = it_request("POST", path, staff, body, NULL);
    IT_ASSERT_PROBLEM(r, 422, "visit-outside-admission");
    it_response_free(r);
    char *clin = it_login("clinician@slagelse.demo");
    snprintf(body, sizeof body, "{\"visited_at\": \"%s\"}", visit);
    r = it_request("POST", path, clin, body, NULL);
    IT_ASSERT_PROBLEM(r, 403, NULL);
    it_response_free(r);

    /* the team sees the visit on the admission */
    snprintf(path, sizeof path, "/api/admissions/%s", id);
    r = it_request("GET", path, clin, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "visit_count")), 1);
    ck_assert_str_eq(json_str(json_array_get(json_object_get(r->json, "visits"), 0), "note"),
                     "Besøg med post");
    it_response_free(r);

    /* and the caseload's question has an answer */
    PGconn *app = it_db_app();
    PQclear(PQexec(app, "BEGIN"));
    const char *pb[] = {IT_USER_CLINICIAN_SLAGELSE, "region_clinician", IT_TEAM_SLAGELSE, "1",
                        "it-adm", "127.0.0.1"};
    PQclear(PQexecParams(app, "SELECT app_begin($1::uuid, $2, $3::uuid, $4::integer, $5, $6)",
                         6, NULL, pb, NULL, NULL, 0));
    char *now = it_db_value(app, "SELECT resident_admitted_now('" RESIDENT_ENGEN_4 "')");
    ck_assert_str_eq(now, "t");
    free(now);
    PQclear(PQexec(app, "ROLLBACK"));
    PQfinish(app);

    /* discharged again, so later tests' boards see the demo as it was */
    snprintf(path, sizeof path, "/api/admissions/%s", id);
    const char *v1[] = {"If-Match: \"1\"", NULL};
    snprintf(body, sizeof body, "{\"discharged_at\": \"%s\"}", visit);
    r = it_request("PATCH", path, staff, body, v1);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);

    free(clin);
    free(id);
    free(in), free(early), free(visit);
    free(staff);
}
END_TEST

START_TEST(test_forced_share_and_other_team_sees_nothing)
{
    char *manager = it_login("manager@engen.demo");
    it_response *r = it_request("GET", "/api/admissions?facility=" IT_FACILITY_ENGEN
                                       "&from=2000-01-01&to=2100-01-01&limit=200",
                                manager, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    json_t *s = json_object_get(r->json, "summary");
    const char *pf[] = {IT_FACILITY_ENGEN};
    long all = owner_count("SELECT count(*) FROM admissions WHERE facility_id = $1::uuid", 1, pf);
    long forced = owner_count("SELECT count(*) FROM admissions WHERE facility_id = $1::uuid "
                              "AND forced", 1, pf);
    ck_assert_int_gt(all, 0);
    ck_assert_int_eq(json_integer_value(json_object_get(s, "admissions")), all);
    ck_assert_int_eq(json_integer_value(json_object_get(s, "forced")), forced);
    double share = json_real_value(json_object_get(s, "forced_share"));
    ck_assert_msg(share > (double)forced / all - 0.001 && share < (double)forced / all + 0.001,
                  "forced share %f", share);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), all);
    /* every resident whose admissions were shown is on the trail, in one row for the pair */
    long residents = owner_count("SELECT count(DISTINCT resident_id) FROM admissions "
                                 "WHERE facility_id = $1::uuid", 1, pf);
    ck_assert_int_eq(audit_residents(r, "allowed"), residents);
    ck_assert_int_eq(audit_rows(r, "allowed"), 1);
    char *any = strdup(json_str(json_array_get(json_object_get(r->json, "items"), 0), "id"));
    it_response_free(r);
    free(manager);

    /* F-ACT Holbæk: nothing of Engen's, not even in the counts */
    char *holbaek = it_login("clinician@holbaek.demo");
    r = it_request("GET", "/api/admissions?facility=" IT_FACILITY_ENGEN, holbaek, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(r->json, "summary"),
                                                        "admissions")), 0);
    it_response_free(r);
    r = it_request("GET", "/api/residents/" IT_RESIDENT_ENGEN_1 "/admissions", holbaek, NULL,
                   NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    ck_assert_int_eq(audit_rows(r, "denied"), 1);
    it_response_free(r);
    char path[120];
    snprintf(path, sizeof path, "/api/admissions/%s", any);
    r = it_request("GET", path, holbaek, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    it_response_free(r);
    r = admit(holbaek, IT_RESIDENT_ENGEN_1, "{\"admitted_at\": \"2026-01-01T00:00:00Z\", \"forced\": true}",
              NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    it_response_free(r);
    free(any);
    free(holbaek);

    /* admins have no access to resident data */
    char *admin = it_login("admin@samspil.demo");
    r = it_request("GET", "/api/admissions", admin, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 403, NULL);
    it_response_free(r);
    free(admin);
}
END_TEST

int main(void)
{
    it_server_start(NULL);
    Suite *s = suite_create("admissions");
    TCase *tc = tcase_create("admissions");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_readmission_is_derived_and_discharge_needs_if_match);
    tcase_add_test(tc, test_what_happened_before_and_facility_visits);
    tcase_add_test(tc, test_forced_share_and_other_team_sees_nothing);
    suite_add_tcase(s, tc);
    return it_run_suite(s);
}
