/*
 * Agreements as the managers meet them: a draft written and changed with If-Match, sent for
 * signatures, signed by each side's own manager (and never for the other side), active,
 * frozen, and driving the calendar: the fixed-presence series and management meetings are
 * generated, a moved visit survives a change of frequency, and the iCalendar feed that
 * leaves the system parses, carries no names and stops working when revoked. Clinicians
 * and staff read but do not write; the other team sees nothing. Every test creates its own
 * agreements, for a team and facility of its own (the demo pairs are only read).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it_check.h"

#define DEMO_AGREEMENT_ENGEN "a0000000-0000-4000-8000-000000000001"
#define DEMO_AGREEMENT_SKOVEN "a0000000-0000-4000-8000-000000000002"

/* A team and a facility of the test's own, with their people, so the agreements made here
 * never touch the demo pairs that other suites rely on (made once in main, inherited by the
 * forked tests). */
#define TEST_PASSWORD "agreement-test-password"
static char team_id[64], facility_id[64];
static char *mgr_email, *fmgr_email, *clin_email, *staff_email, *region_mgr_id;

static char *region_mgr, *facility_mgr, *clinician, *staff, *holbaek, *demo_clinician;

static char *create_org(const char *admin, const char *kind, const char *serving)
{
    char *name = it_unique(strcmp(kind, "team") == 0 ? "F-ACT Aftaletest" : "Botilbuddet Aftaletest");
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "kind", kind, "name", name, "authority",
                          "Region Sjælland", "address", "Testvej 2, 4200 Slagelse");
    if (serving)
        json_object_set_new(o, "serving_team_id", json_string(serving));
    char *body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    it_response *r = it_request("POST", "/api/organizations", admin, body, NULL);
    if (r->status != 201) {
        fprintf(stderr, "test_agreements: organisation not created: %s\n", r->body);
        it_server_stop();
        exit(EXIT_FAILURE);
    }
    char *id = strdup(it_json_str(r, "id"));
    it_response_free(r);
    free(body);
    free(name);
    return id;
}

static void create_pair(void)
{
    char *admin = it_login("admin@samspil.demo");
    if (!admin) {
        fprintf(stderr, "test_agreements: the admin cannot log in\n");
        it_server_stop();
        exit(EXIT_FAILURE);
    }
    char *t = create_org(admin, "team", NULL), *f = create_org(admin, "facility", t);
    snprintf(team_id, sizeof team_id, "%s", t);
    snprintf(facility_id, sizeof facility_id, "%s", f);
    region_mgr_id = it_create_user(admin, "region_manager", t, TEST_PASSWORD, &mgr_email);
    free(it_create_user(admin, "facility_manager", f, TEST_PASSWORD, &fmgr_email));
    free(it_create_user(admin, "region_clinician", t, TEST_PASSWORD, &clin_email));
    free(it_create_user(admin, "facility_staff", f, TEST_PASSWORD, &staff_email));
    free(t);
    free(f);
    free(admin);
}

static void setup(void)
{
    region_mgr = it_login_as(mgr_email, TEST_PASSWORD);
    facility_mgr = it_login_as(fmgr_email, TEST_PASSWORD);
    clinician = it_login_as(clin_email, TEST_PASSWORD);
    staff = it_login_as(staff_email, TEST_PASSWORD);
    holbaek = it_login("clinician@holbaek.demo");
    demo_clinician = it_login("clinician@slagelse.demo");
    ck_assert_ptr_nonnull(region_mgr);
    ck_assert_ptr_nonnull(facility_mgr);
    ck_assert_ptr_nonnull(clinician);
    ck_assert_ptr_nonnull(staff);
    ck_assert_ptr_nonnull(holbaek);
    ck_assert_ptr_nonnull(demo_clinician);
}

static void teardown(void)
{
    free(region_mgr);
    free(facility_mgr);
    free(clinician);
    free(staff);
    free(holbaek);
    free(demo_clinician);
}

/* A value computed by the database as the owner (malloc'd). */
static char *sql1(const char *sql, const char *param)
{
    PGconn *db = it_db_owner();
    const char *p[] = {param};
    char *v = param ? it_db_value_params(db, sql, 1, p) : it_db_value(db, sql);
    PQfinish(db);
    return v;
}

static long sql_long(const char *sql, const char *param)
{
    char *v = sql1(sql, param);
    ck_assert_msg(v != NULL, "no value for %s", sql);
    long n = strtol(v, NULL, 10);
    free(v);
    return n;
}

/* current_date + days, as the database counts days. */
static char *day(int days)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT (current_date + %d)::text", days);
    return sql1(sql, NULL);
}

static char *etag_of(const it_response *r)
{
    char *e = it_header(r, "ETag");
    ck_assert_msg(e != NULL, "no ETag; body %.300s", r->body);
    return e;
}

/* A request with If-Match (and a JSON body or none). */
static it_response *with_match(const char *method, const char *path, const char *token,
                               const char *etag, const char *body)
{
    char h[64];
    snprintf(h, sizeof h, "If-Match: %s", etag);
    const char *headers[] = {h, NULL};
    return it_request(method, path, token, body, headers);
}

static char *path_of(const char *id, const char *suffix)
{
    char *p = malloc(128);
    snprintf(p, 128, "/api/agreements/%s%s", id, suffix);
    return p;
}

/* A draft by the team's manager: weekday, every N weeks, 10:00-11:30, valid for days. */
static char *create_draft(int weekday, int every, int valid_days)
{
    char *from = day(0), *to = day(valid_days);
    char body[512];
    snprintf(body, sizeof body,
             "{\"facility_id\":\"%s\",\"presence_weekday\":%d,\"presence_every_weeks\":%d,"
             "\"presence_start\":\"10:00\",\"presence_end\":\"11:30\",\"valid_from\":\"%s\","
             "\"valid_to\":\"%s\",\"management_every_months\":1}",
             facility_id, weekday, every, from, to);
    it_response *r = it_request("POST", "/api/agreements", region_mgr, body, NULL);
    IT_ASSERT_STATUS(r, 201);
    char *id = strdup(it_json_str(r, "id"));
    it_response_free(r);
    free(from);
    free(to);
    return id;
}

/* Submits the agreement and has both managers sign it; returns the final response. */
static it_response *sign_both(const char *id)
{
    char *p = path_of(id, "");
    it_response *r = it_request("GET", p, region_mgr, NULL, NULL);
    char *e = etag_of(r);
    it_response_free(r);
    char *sp = path_of(id, "/submit");
    r = with_match("POST", sp, region_mgr, e, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "status"), "awaiting_signatures");
    it_response_free(r);
    char *sg = path_of(id, "/sign");
    r = it_request("POST", sg, region_mgr, "{\"side\":\"team\"}", NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "status"), "awaiting_signatures");
    it_response_free(r);
    r = it_request("POST", sg, facility_mgr, "{\"side\":\"facility\"}", NULL);
    IT_ASSERT_STATUS(r, 200);
    free(p);
    free(sp);
    free(sg);
    free(e);
    return r;
}

static char *make_active(int weekday, int every, int valid_days)
{
    char *id = create_draft(weekday, every, valid_days);
    it_response *r = sign_both(id);
    ck_assert_str_eq(it_json_str(r, "status"), "active");
    it_response_free(r);
    return id;
}

START_TEST(test_draft_sign_activate_freeze)
{
    /* a retried create with the same Idempotency-Key makes one agreement */
    char *key = it_unique("agr-create");
    char kh[256];
    snprintf(kh, sizeof kh, "Idempotency-Key: %s", key);
    const char *headers[] = {kh, NULL};
    char *from = day(0), *to = day(120);
    char body[256];
    snprintf(body, sizeof body,
             "{\"facility_id\":\"%s\",\"presence_weekday\":5,\"valid_from\":\"%s\","
             "\"valid_to\":\"%s\",\"local_additions\":\"%s\"}",
             facility_id, from, to, key);
    it_response *r = it_request("POST", "/api/agreements", region_mgr, body, headers);
    IT_ASSERT_STATUS(r, 201);
    char *id = strdup(it_json_str(r, "id"));
    ck_assert_str_eq(it_json_str(r, "status"), "draft");
    ck_assert_str_eq(it_json_str(r, "team_id"), team_id);
    /* our own default texts fill what the manager left out */
    ck_assert_int_gt(strlen(it_json_str(r, "purpose")), 40);
    ck_assert_int_gt(strlen(it_json_str(r, "data_protection")), 40);
    ck_assert_int_gt(strlen(it_json_str(r, "target_group")), 20);
    char *loc = it_header(r, "Location");
    ck_assert_ptr_nonnull(loc);
    ck_assert_ptr_nonnull(strstr(loc, id));
    free(loc);
    it_response_free(r);
    r = it_request("POST", "/api/agreements", region_mgr, body, headers);
    IT_ASSERT_STATUS(r, 201);
    ck_assert_str_eq(it_json_str(r, "id"), id);
    it_response_free(r);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM agreements WHERE local_additions = $1", key),
                     1);

    /* the facility's manager edits the same draft, with If-Match */
    char *p = path_of(id, "");
    r = it_request("PATCH", p, facility_mgr, "{\"local_additions\":\"Morgenmøde kl. 8.30\"}",
                   NULL);
    IT_ASSERT_PROBLEM(r, 428, "if-match-required");
    it_response_free(r);
    r = with_match("PATCH", p, facility_mgr, "\"99\"", "{\"local_additions\":\"x\"}");
    IT_ASSERT_PROBLEM(r, 412, "stale-version");
    ck_assert_ptr_nonnull(json_object_get(r->json, "current"));
    it_response_free(r);
    r = it_request("GET", p, facility_mgr, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    char *e = etag_of(r);
    ck_assert_str_eq(e, "\"1\"");
    it_response_free(r);
    r = with_match("PATCH", p, facility_mgr, e,
                   "{\"local_additions\":\"Morgenmøde kl. 8.30\",\"contact_phone\":\"+45 1234\"}");
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "local_additions"), "Morgenmøde kl. 8.30");
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "presence_weekday")), 5);
    it_response_free(r);
    /* the old ETag is now stale */
    r = with_match("PATCH", p, region_mgr, e, "{\"contact_video\":\"Teams\"}");
    IT_ASSERT_PROBLEM(r, 412, "stale-version");
    it_response_free(r);
    free(e);

    /* clinicians and staff read, but do not write */
    r = it_request("GET", p, clinician, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);
    r = it_request("GET", p, staff, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);
    r = it_request("POST", "/api/agreements", clinician, body, NULL);
    IT_ASSERT_PROBLEM(r, 403, "forbidden");
    it_response_free(r);
    r = with_match("PATCH", p, staff, "\"2\"", "{\"contact_video\":\"Teams\"}");
    IT_ASSERT_PROBLEM(r, 403, "forbidden");
    it_response_free(r);

    /* a draft cannot be signed; submitted, each manager signs for their own side only */
    char *sg = path_of(id, "/sign");
    r = it_request("POST", sg, region_mgr, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 409, "agreement-not-awaiting-signatures");
    it_response_free(r);
    char *sp = path_of(id, "/submit");
    r = it_request("POST", sp, region_mgr, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 428, "if-match-required");
    it_response_free(r);
    r = with_match("POST", sp, region_mgr, "\"2\"", NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "status"), "awaiting_signatures");
    it_response_free(r);
    r = it_request("POST", sg, region_mgr, "{\"side\":\"facility\"}", NULL);
    IT_ASSERT_PROBLEM(r, 403, "not-your-side");
    it_response_free(r);
    r = it_request("POST", sg, facility_mgr, "{\"side\":\"team\"}", NULL);
    IT_ASSERT_PROBLEM(r, 403, "not-your-side");
    it_response_free(r);
    r = it_request("POST", sg, clinician, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 403, "forbidden");
    it_response_free(r);
    /* the database refuses the other side's signature as well */
    ck_assert_int_eq(sql_long("SELECT count(*) FROM agreement_signatures WHERE agreement_id::text = $1",
                              id),
                     0);
    /* content is frozen from the moment it is sent for signatures */
    r = with_match("PATCH", p, facility_mgr, "\"3\"", "{\"contact_video\":\"Teams\"}");
    IT_ASSERT_PROBLEM(r, 409, "agreement-signed");
    it_response_free(r);

    r = it_request("POST", sg, region_mgr, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "status"), "awaiting_signatures");
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "signatures")), 1);
    it_response_free(r);
    r = it_request("POST", sg, region_mgr, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 409, "already-signed");
    it_response_free(r);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM visits WHERE agreement_id::text = $1", id), 0);
    r = it_request("POST", sg, facility_mgr, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "status"), "active");
    json_t *sigs = json_object_get(r->json, "signatures");
    ck_assert_int_eq(json_array_size(sigs), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(sigs, 0), "user_id")),
                     region_mgr_id);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(sigs, 0), "role")),
                     "region_manager");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(sigs, 1), "role")),
                     "facility_manager");
    ck_assert_ptr_nonnull(json_string_value(json_object_get(json_array_get(sigs, 1), "signed_at")));
    it_response_free(r);

    /* activation generated the series: every other Friday 9-12 local (the defaults), 120 days */
    long n = sql_long("SELECT count(*) FROM visits WHERE agreement_id::text = $1 AND kind = 'fixed' "
                      "AND status = 'planned' AND NOT touched",
                      id);
    ck_assert_int_ge(n, 8);
    ck_assert_int_le(n, 9);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM visits WHERE agreement_id::text = $1 AND "
                              "(extract(isodow FROM starts_at AT TIME ZONE 'Europe/Copenhagen') <> 5 "
                              " OR (starts_at AT TIME ZONE 'Europe/Copenhagen')::time <> '09:00' "
                              " OR (ends_at AT TIME ZONE 'Europe/Copenhagen')::time <> '12:00' "
                              " OR series_date < current_date OR series_date > current_date + 120)",
                              id),
                     0);
    ck_assert_int_eq(sql_long("SELECT count(DISTINCT d) FROM (SELECT series_date - lag(series_date) "
                              "OVER (ORDER BY series_date) AS d FROM visits "
                              "WHERE agreement_id::text = $1) s WHERE d IS NOT NULL",
                              id),
                     1);
    ck_assert_int_eq(sql_long("SELECT min(d) FROM (SELECT series_date - lag(series_date) "
                              "OVER (ORDER BY series_date) AS d FROM visits "
                              "WHERE agreement_id::text = $1) s",
                              id),
                     14);
    /* and the management meetings (every six months by default: the first at the start) */
    ck_assert_int_eq(sql_long("SELECT count(*) FROM meetings WHERE agreement_id::text = $1 AND "
                              "kind = 'management' AND title = 'Ledelsessamarbejdsmøde' "
                              "AND series_date = current_date",
                              id),
                     1);
    /* staff of the facility see the visits */
    char vp[256];
    snprintf(vp, sizeof vp, "/api/visits?agreement_id=%s&from=%s&to=%s&limit=3", id, from, to);
    r = it_request("GET", vp, staff, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 3);
    ck_assert(json_is_string(json_object_get(r->json, "next")));
    it_response_free(r);

    /* signed content can no longer change: not over HTTP ... */
    r = it_request("GET", p, region_mgr, NULL, NULL);
    e = etag_of(r);
    it_response_free(r);
    r = with_match("PATCH", p, region_mgr, e, "{\"presence_every_weeks\":1}");
    IT_ASSERT_PROBLEM(r, 409, "agreement-signed");
    it_response_free(r);
    free(e);
    /* ... nor in the database itself */
    PGconn *db = it_db_owner();
    const char *pp[] = {id};
    PGresult *res = PQexecParams(db, "UPDATE agreements SET purpose = 'changed' WHERE id = $1::uuid",
                                 1, NULL, pp, NULL, NULL, 0);
    ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "SA409");
    PQclear(res);
    res = PQexecParams(db, "DELETE FROM agreement_signatures WHERE agreement_id = $1::uuid", 1,
                       NULL, pp, NULL, NULL, 0);
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "SA409");
    PQclear(res);
    PQfinish(db);

    /* the other team sees nothing of it */
    r = it_request("GET", p, holbaek, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    it_response_free(r);
    r = it_request("GET", "/api/agreements?limit=200", holbaek, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_ptr_null(strstr(r->body, id));
    ck_assert_ptr_null(strstr(r->body, DEMO_AGREEMENT_ENGEN));
    ck_assert_ptr_nonnull(strstr(r->body, DEMO_AGREEMENT_SKOVEN));
    it_response_free(r);
    r = it_request("GET", vp, holbaek, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 0);
    it_response_free(r);

    free(p);
    free(sg);
    free(sp);
    free(id);
    free(key);
    free(from);
    free(to);
}
END_TEST

/* The first future visit of an agreement after skip others (id and ETag, malloc'd). */
static void nth_visit(const char *agreement, int skip, char **id, char **etag, char **series)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT id::text || ' ' || version || ' ' || series_date FROM visits "
             "WHERE agreement_id::text = $1 AND series_date > current_date "
             "ORDER BY series_date OFFSET %d LIMIT 1",
             skip);
    char *v = sql1(sql, agreement);
    ck_assert_ptr_nonnull(v);
    char a[64], b[16], c[16];
    ck_assert_int_eq(sscanf(v, "%63s %15s %15s", a, b, c), 3);
    *id = strdup(a);
    *etag = malloc(24);
    snprintf(*etag, 24, "\"%s\"", b);
    *series = strdup(c);
    free(v);
}

START_TEST(test_regeneration_keeps_moved_visits)
{
    char *old = make_active(4, 2, 180); /* every other Thursday */
    char *moved, *moved_etag, *moved_date, *gone, *gone_etag, *gone_date;
    nth_visit(old, 1, &moved, &moved_etag, &moved_date);
    nth_visit(old, 2, &gone, &gone_etag, &gone_date);

    /* the facility moves one visit an hour later, the team cancels another */
    char vp[128], body[256];
    snprintf(vp, sizeof vp, "/api/visits/%s", moved);
    char *start = sql1("SELECT to_char((starts_at + interval '1 hour') AT TIME ZONE 'UTC', "
                       "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM visits WHERE id::text = $1",
                       moved);
    char *end = sql1("SELECT to_char((ends_at + interval '1 hour') AT TIME ZONE 'UTC', "
                     "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM visits WHERE id::text = $1",
                     moved);
    snprintf(body, sizeof body, "{\"starts_at\":\"%s\",\"ends_at\":\"%s\"}", start, end);
    it_response *r = it_request("PATCH", vp, staff, body, NULL);
    IT_ASSERT_PROBLEM(r, 428, "if-match-required");
    it_response_free(r);
    r = with_match("PATCH", vp, staff, moved_etag, body);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "starts_at"), start);
    ck_assert(json_is_true(json_object_get(r->json, "touched")));
    it_response_free(r);
    r = with_match("PATCH", vp, staff, moved_etag, "{\"note\":\"late\"}");
    IT_ASSERT_PROBLEM(r, 412, "stale-version");
    it_response_free(r);
    char gp[128];
    snprintf(gp, sizeof gp, "/api/visits/%s", gone);
    r = with_match("PATCH", gp, clinician, gone_etag, "{\"status\":\"cancelled\"}");
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "status"), "cancelled");
    it_response_free(r);

    /* the frequency changes: a renewed version from today, every week */
    char *today = day(0);
    char *rp = path_of(old, "/renew");
    snprintf(body, sizeof body, "{\"valid_from\":\"%s\"}", today);
    r = it_request("POST", rp, facility_mgr, body, NULL);
    IT_ASSERT_STATUS(r, 201);
    char *renewed = strdup(it_json_str(r, "id"));
    ck_assert_str_eq(it_json_str(r, "previous_id"), old);
    ck_assert_str_eq(it_json_str(r, "status"), "draft");
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "presence_weekday")), 4);
    char *e = etag_of(r);
    it_response_free(r);
    char *np = path_of(renewed, "");
    r = with_match("PATCH", np, facility_mgr, e, "{\"presence_every_weeks\":1}");
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);
    free(e);
    long old_planned = sql_long("SELECT count(*) FROM visits WHERE agreement_id::text = $1 AND "
                                "series_date >= current_date AND NOT touched", old);
    ck_assert_int_ge(old_planned, 10);
    r = sign_both(renewed);
    ck_assert_str_eq(it_json_str(r, "status"), "active");
    it_response_free(r);

    /* the old version's untouched future visits gave way ... */
    ck_assert_int_eq(sql_long("SELECT count(*) FROM visits WHERE agreement_id::text = $1 AND "
                              "series_date >= current_date AND NOT touched", old),
                     0);
    /* ... the moved and the cancelled one are kept as they were ... */
    ck_assert_int_eq(sql_long("SELECT count(*) FROM visits WHERE id::text = $1 AND touched AND "
                              "status = 'planned'",
                              moved),
                     1);
    char *st = sql1("SELECT status FROM visits WHERE id::text = $1", gone);
    ck_assert_str_eq(st, "cancelled");
    free(st);
    char *ms = sql1("SELECT to_char(starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
                    "FROM visits WHERE id::text = $1", moved);
    ck_assert_str_eq(ms, start);
    free(ms);
    /* ... and the new weekly series does not double them */
    long weekly = sql_long("SELECT count(*) FROM visits WHERE agreement_id::text = $1", renewed);
    ck_assert_int_ge(weekly, 2 * old_planned - 2);
    char q[256];
    snprintf(q, sizeof q,
             "SELECT count(*) FROM visits WHERE agreement_id::text = $1 AND series_date IN "
             "('%s', '%s')",
             moved_date, gone_date);
    ck_assert_int_eq(sql_long(q, renewed), 0);
    ck_assert_int_eq(sql_long("SELECT count(DISTINCT series_date - lag) FROM (SELECT series_date, "
                              "lag(series_date) OVER (ORDER BY series_date) FROM visits WHERE "
                              "agreement_id::text = $1) s WHERE lag IS NOT NULL AND series_date - lag = 7",
                              renewed),
                     1);
    /* the old version is no longer the one in force */
    char *op = path_of(old, "");
    r = it_request("GET", op, clinician, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "status"), "expired");
    it_response_free(r);
    free(op);

    free(old);
    free(renewed);
    free(moved);
    free(moved_etag);
    free(moved_date);
    free(gone);
    free(gone_etag);
    free(gone_date);
    free(start);
    free(end);
    free(today);
    free(rp);
    free(np);
}
END_TEST

/* Whether the calendar text is RFC 5545 on the wire: CRLF only, no line over 75 octets. */
static void assert_ical_framing(const char *s, size_t len, int *folded)
{
    *folded = 0;
    size_t line_start = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n') {
            ck_assert_msg(i > 0 && s[i - 1] == '\r', "bare LF at octet %zu", i);
            size_t octets = i - 1 - line_start;
            ck_assert_msg(octets <= 75, "line of %zu octets: %.80s", octets, s + line_start);
            line_start = i + 1;
            if (line_start < len && s[line_start] == ' ')
                (*folded)++;
        } else if (s[i] == '\r') {
            ck_assert_msg(i + 1 < len && s[i + 1] == '\n', "bare CR at octet %zu", i);
        }
    }
    ck_assert_msg(line_start == len, "the calendar does not end with CRLF");
}

START_TEST(test_ical_feed)
{
    char *id = make_active(2, 2, 90);
    char *fp = path_of(id, "/calendar-feeds");

    /* the other team cannot subscribe to it */
    it_response *r = it_request("POST", fp, holbaek, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    it_response_free(r);

    r = it_request("POST", fp, clinician, NULL, NULL);
    IT_ASSERT_STATUS(r, 201);
    char *url = strdup(it_json_str(r, "url"));
    char *feed = strdup(it_json_str(r, "id"));
    const char *token = it_json_str(r, "token");
    ck_assert_int_eq(strlen(token), 43);
    /* only the hash of the token is stored */
    ck_assert_int_eq(sql_long("SELECT count(*) FROM calendar_feeds WHERE token_sha256 = "
                              "sha256(convert_to($1, 'UTF8'))",
                              token),
                     1);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM calendar_feeds f WHERE position($1 IN "
                              "f::text) > 0",
                              token),
                     0);
    it_response_free(r);

    /* a cancelled visit shows as cancelled */
    char *v = sql1("SELECT id::text FROM visits WHERE agreement_id::text = $1 "
                   "ORDER BY series_date LIMIT 1", id);
    char vp[128];
    snprintf(vp, sizeof vp, "/api/visits/%s", v);
    r = with_match("PATCH", vp, staff, "\"1\"", "{\"status\":\"cancelled\"}");
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);

    /* the calendar client: no session, only the URL */
    r = it_request("GET", url, NULL, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    char *ct = it_header(r, "Content-Type");
    ck_assert_ptr_nonnull(ct);
    ck_assert_ptr_nonnull(strstr(ct, "text/calendar"));
    free(ct);
    const char *b = r->body;
    ck_assert_msg(strncmp(b, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", 30) == 0, "starts %.60s", b);
    ck_assert_ptr_nonnull(strstr(b, "\r\nEND:VCALENDAR\r\n"));
    ck_assert_ptr_nonnull(strstr(b, "\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Copenhagen\r\n"));
    ck_assert_ptr_nonnull(strstr(b, "\r\nBEGIN:VEVENT\r\n"));
    ck_assert_ptr_nonnull(strstr(b, "\r\nSUMMARY:F-ACT fast tilstedeværelse\r\n"));
    ck_assert_ptr_nonnull(strstr(b, "\r\nSUMMARY:Ledelsessamarbejdsmøde\r\n"));
    ck_assert_ptr_nonnull(strstr(b, "\r\nDTSTART;TZID=Europe/Copenhagen:"));
    ck_assert_ptr_nonnull(strstr(b, "T100000\r\n"));
    ck_assert_ptr_nonnull(strstr(b, "\r\nDTSTAMP:"));
    ck_assert_ptr_nonnull(strstr(b, "\r\nSTATUS:CANCELLED\r\n"));
    char uid[96];
    snprintf(uid, sizeof uid, "\r\nUID:%s@samspil\r\n", v);
    ck_assert_ptr_nonnull(strstr(b, uid));
    ck_assert_ptr_nonnull(strstr(b, "\r\nSEQUENCE:1\r\n"));
    int folded = 0;
    assert_ical_framing(b, r->body_len, &folded);
    ck_assert_int_gt(folded, 0);
    /* BEGIN and END pair up */
    int begins = 0, ends = 0;
    for (const char *s = b; (s = strstr(s, "BEGIN:VEVENT\r\n")); s++)
        begins++;
    for (const char *s = b; (s = strstr(s, "END:VEVENT\r\n")); s++)
        ends++;
    ck_assert_int_eq(begins, ends);
    ck_assert_int_ge(begins, 7);

    /* no resident names and no people at all */
    PGconn *db = it_db_owner();
    PGresult *names = PQexec(db, "SELECT name, true FROM residents UNION ALL "
                                 "SELECT name, false FROM users");
    ck_assert_int_eq(PQresultStatus(names), PGRES_TUPLES_OK);
    ck_assert_int_gt(PQntuples(names), 5);
    for (int i = 0; i < PQntuples(names); i++) {
        const char *name = PQgetvalue(names, i, 0);
        ck_assert_msg(strstr(b, name) == NULL, "the calendar names %s", name);
        char first[64];
        snprintf(first, sizeof first, "%s", name);
        char *sp = strchr(first, ' ');
        if (sp)
            *sp = '\0';
        bool resident = PQgetvalue(names, i, 1)[0] == 't';
        ck_assert_msg(!resident || strlen(first) < 4 || strstr(b, first) == NULL,
                      "the calendar names %s", first);
    }
    PQclear(names);
    PQfinish(db);
    it_response_free(r);

    /* the same events, the same UIDs, on the next fetch */
    r = it_request("GET", url, NULL, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_ptr_nonnull(strstr(r->body, uid));
    it_response_free(r);

    /* a wrong token, or none, opens nothing */
    char bad[256];
    snprintf(bad, sizeof bad, "/api/agreements/%s/calendar.ics?token=%s", id,
             "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    r = it_request("GET", bad, NULL, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    it_response_free(r);
    snprintf(bad, sizeof bad, "/api/agreements/%s/calendar.ics", id);
    r = it_request("GET", bad, NULL, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    it_response_free(r);
    /* the token opens only its own agreement's feed */
    snprintf(bad, sizeof bad, "/api/agreements/%s/calendar.ics?token=%s", DEMO_AGREEMENT_ENGEN,
             strstr(url, "token=") + 6);
    r = it_request("GET", bad, NULL, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    it_response_free(r);

    /* revoked: the subscription stops working */
    char dp[256];
    snprintf(dp, sizeof dp, "/api/agreements/%s/calendar-feeds/%s", id, feed);
    r = it_request("DELETE", dp, staff, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found"); /* not staff's feed, and staff is no manager */
    it_response_free(r);
    r = it_request("DELETE", dp, clinician, NULL, NULL);
    IT_ASSERT_STATUS(r, 204);
    it_response_free(r);
    r = it_request("GET", url, NULL, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    it_response_free(r);
    r = it_request("DELETE", dp, clinician, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    it_response_free(r);

    free(v);
    free(id);
    free(fp);
    free(url);
    free(feed);
}
END_TEST

START_TEST(test_reminders)
{
    /* an agreement that ends within 60 days reminds its managers */
    char *id = make_active(1, 4, 30);
    char *p = path_of(id, "");
    it_response *r = it_request("GET", p, staff, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "days_to_expiry")), 30);
    ck_assert(json_is_true(json_object_get(r->json, "expires_soon")));
    ck_assert(json_is_true(json_object_get(json_object_get(r->json, "reminders"), "expires_soon")));
    ck_assert(json_is_false(json_object_get(r->json, "management_meeting_overdue")));
    it_response_free(r);
    free(p);
    free(id);

    /* one that runs for long does not */
    id = make_active(1, 4, 300);
    p = path_of(id, "");
    r = it_request("GET", p, staff, NULL, NULL);
    ck_assert(json_is_false(json_object_get(r->json, "expires_soon")));
    it_response_free(r);
    free(p);
    free(id);

    /* the demo agreements: Engen's ends in 50 days; Skoven's management meeting is overdue */
    r = it_request("GET", "/api/agreements?status=active&limit=200", demo_clinician, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    json_t *items = json_object_get(r->json, "items");
    bool seen = false;
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *a = json_array_get(items, i);
        ck_assert_str_eq(json_string_value(json_object_get(a, "status")), "active");
        if (strcmp(json_string_value(json_object_get(a, "id")), DEMO_AGREEMENT_ENGEN) == 0) {
            seen = true;
            ck_assert(json_is_true(json_object_get(a, "expires_soon")));
            ck_assert_int_eq(json_integer_value(json_object_get(a, "days_to_expiry")), 50);
            ck_assert_str_eq(json_string_value(json_object_get(a, "facility_name")),
                             "Botilbuddet Engen");
        }
    }
    ck_assert(seen);
    it_response_free(r);
    r = it_request("GET", "/api/agreements/" DEMO_AGREEMENT_SKOVEN, holbaek, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert(json_is_true(json_object_get(r->json, "management_meeting_overdue")));
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "signatures")), 2);
    it_response_free(r);

    /* the list pages without repeating or skipping */
    r = it_request("GET", "/api/agreements?limit=1", clinician, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    const char *next = json_string_value(json_object_get(r->json, "next"));
    ck_assert_ptr_nonnull(next);
    char first[64];
    snprintf(first, sizeof first, "%s",
             json_string_value(json_object_get(json_array_get(json_object_get(r->json, "items"), 0),
                                               "id")));
    char np[256];
    snprintf(np, sizeof np, "/api/agreements?limit=1&cursor=%s", next);
    it_response_free(r);
    r = it_request("GET", np, clinician, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_ne(json_string_value(json_object_get(
                         json_array_get(json_object_get(r->json, "items"), 0), "id")),
                     first);
    it_response_free(r);
}
END_TEST

START_TEST(test_extra_visits_and_termination)
{
    char *start = sql1("SELECT to_char(((current_date + 3) + time '14:00') AT TIME ZONE "
                       "'Europe/Copenhagen' AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
                       NULL);
    char *end = sql1("SELECT to_char(((current_date + 3) + time '15:00') AT TIME ZONE "
                     "'Europe/Copenhagen' AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
                     NULL);
    char body[256];
    snprintf(body, sizeof body,
             "{\"kind\":\"extra\",\"facility_id\":\"%s\",\"starts_at\":\"%s\",\"ends_at\":\"%s\"}",
             facility_id, start, end);
    char *key = it_unique("visit");
    char kh[128];
    snprintf(kh, sizeof kh, "Idempotency-Key: %s", key);
    const char *headers[] = {kh, NULL};
    it_response *r = it_request("POST", "/api/visits", clinician, body, headers);
    IT_ASSERT_STATUS(r, 201);
    char *vid = strdup(it_json_str(r, "id"));
    ck_assert_str_eq(it_json_str(r, "kind"), "extra");
    ck_assert_str_eq(it_json_str(r, "starts_at"), start);
    it_response_free(r);
    r = it_request("POST", "/api/visits", clinician, body, headers);
    IT_ASSERT_STATUS(r, 201);
    ck_assert_str_eq(it_json_str(r, "id"), vid);
    /* Location names the visit, which can be read there (by the facility too) */
    char *vloc = it_header(r, "Location");
    it_response_free(r);
    r = it_request("GET", vloc, facility_mgr, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "id"), vid);
    char *vetag = it_header(r, "ETag");
    ck_assert_ptr_nonnull(vetag);
    free(vetag);
    it_response_free(r);
    char *outsider = it_login("clinician@holbaek.demo");
    r = it_request("GET", vloc, outsider, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    it_response_free(r);
    free(outsider);
    free(vloc);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM visits WHERE id::text = $1", vid), 1);
    /* a fixed visit is the agreement's to make; the other team's facility is not ours */
    snprintf(body, sizeof body,
             "{\"kind\":\"fixed\",\"facility_id\":\"%s\",\"starts_at\":\"%s\",\"ends_at\":\"%s\"}",
             facility_id, start, end);
    r = it_request("POST", "/api/visits", clinician, body, NULL);
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    it_response_free(r);
    snprintf(body, sizeof body,
             "{\"kind\":\"phone\",\"facility_id\":\"%s\",\"starts_at\":\"%s\",\"ends_at\":\"%s\"}",
             IT_FACILITY_SKOVEN, start, end);
    r = it_request("POST", "/api/visits", clinician, body, NULL);
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    ck_assert(it_problem_has_field(r, "facility_id"));
    it_response_free(r);

    /* termination withdraws the untouched future occurrences */
    char *id = make_active(6, 1, 60);
    ck_assert_int_ge(sql_long("SELECT count(*) FROM visits WHERE agreement_id::text = $1 AND "
                              "series_date > current_date", id), 7);
    char *p = path_of(id, "");
    r = it_request("GET", p, facility_mgr, NULL, NULL);
    char *e = etag_of(r);
    it_response_free(r);
    char *tp = path_of(id, "/terminate");
    r = with_match("POST", tp, facility_mgr, e, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "status"), "terminated");
    ck_assert_ptr_nonnull(it_json_str(r, "terminated_at"));
    it_response_free(r);
    ck_assert_int_eq(sql_long("SELECT count(*) FROM visits WHERE agreement_id::text = $1 AND "
                              "series_date > current_date AND status = 'planned'", id), 0);
    r = with_match("POST", tp, facility_mgr, "\"9\"", NULL);
    IT_ASSERT_PROBLEM(r, 409, "invalid-transition");
    it_response_free(r);

    free(e);
    free(tp);
    free(p);
    free(id);
    free(vid);
    free(key);
    free(start);
    free(end);
}
END_TEST

START_TEST(test_email_fields_are_addresses_or_empty)
{
    char *from = day(0), *to = day(60);
    const char *bad[] = {"contact_email", "monday_mail_notify_email"};
    for (int i = 0; i < 2; i++) {
        char body[512];
        snprintf(body, sizeof body,
                 "{\"facility_id\":\"%s\",\"valid_from\":\"%s\",\"valid_to\":\"%s\","
                 "\"%s\":\"the team's inbox\"}",
                 facility_id, from, to, bad[i]);
        it_response *r = it_request("POST", "/api/agreements", region_mgr, body, NULL);
        IT_ASSERT_PROBLEM(r, 422, "validation-failed");
        ck_assert(it_problem_has_field(r, bad[i]));
        it_response_free(r);
    }
    /* empty means none; an address is kept as given */
    char body[512];
    snprintf(body, sizeof body,
             "{\"facility_id\":\"%s\",\"valid_from\":\"%s\",\"valid_to\":\"%s\","
             "\"contact_email\":\"\",\"monday_mail_notify_email\":\"team@region.example\"}",
             facility_id, from, to);
    it_response *r = it_request("POST", "/api/agreements", region_mgr, body, NULL);
    IT_ASSERT_STATUS(r, 201);
    ck_assert_str_eq(it_json_str(r, "monday_mail_notify_email"), "team@region.example");
    char *p = path_of(it_json_str(r, "id"), "");
    char *e = etag_of(r);
    it_response_free(r);
    /* and an edit is checked the same way */
    r = with_match("PATCH", p, region_mgr, e, "{\"monday_mail_notify_email\":\"team@\"}");
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    ck_assert(it_problem_has_field(r, "monday_mail_notify_email"));
    it_response_free(r);
    /* and the database holds any other writer to the same (a CHECK, not only the server) */
    PGconn *db = it_db_owner();
    const char *q[] = {p + strlen("/api/agreements/")};
    PGresult *refused = PQexecParams(db,
                                     "UPDATE agreements SET monday_mail_notify_email = 'team@' "
                                     "WHERE id = $1::uuid",
                                     1, NULL, q, NULL, NULL, 0);
    ck_assert_str_eq(PQresultErrorField(refused, PG_DIAG_SQLSTATE), "23514");
    PQclear(refused);
    PGresult *ok = PQexecParams(db, "UPDATE agreements SET contact_email = 'a.b@c.example' "
                                    "WHERE id = $1::uuid", 1, NULL, q, NULL, NULL, 0);
    ck_assert_int_eq(PQresultStatus(ok), PGRES_COMMAND_OK);
    PQclear(ok);
    PQfinish(db);
    free(e);
    free(p);
    free(from);
    free(to);
}
END_TEST

/* Issue 10, item 17: a PATCH that puts one end of a period before the other, against the
 * other end already stored, is refused by the database's CHECK; the 422 still names the
 * field, like POST does. */
START_TEST(test_patch_periods_name_their_field)
{
    char *id = create_draft(3, 2, 60); /* presence 10:00-11:30, valid today + 60 days */
    char *p = path_of(id, "");
    it_response *r = it_request("GET", p, region_mgr, NULL, NULL);
    char *e = etag_of(r);
    it_response_free(r);
    char *before = day(-30);
    char body[128];
    snprintf(body, sizeof body, "{\"valid_to\":\"%s\"}", before);
    r = with_match("PATCH", p, region_mgr, e, body);
    ck_assert_msg(r->status == 422, "status %ld: %.300s", r->status, r->body);
    ck_assert_msg(it_problem_has_field(r, "valid_to"), "no valid_to in %.400s", r->body);
    it_response_free(r);
    r = with_match("PATCH", p, region_mgr, e, "{\"presence_end\":\"09:00\"}");
    ck_assert_msg(r->status == 422, "status %ld: %.300s", r->status, r->body);
    ck_assert_msg(it_problem_has_field(r, "presence_end"), "no presence_end in %.400s", r->body);
    it_response_free(r);
    r = with_match("PATCH", p, region_mgr, e, "{\"presence_start\":\"12:00\"}");
    ck_assert_msg(r->status == 422 && it_problem_has_field(r, "presence_end"),
                  "status %ld: %.400s", r->status, r->body);
    it_response_free(r);
    /* nothing to change names the body */
    r = with_match("PATCH", p, region_mgr, e, "{}");
    ck_assert_msg(r->status == 422 && it_problem_has_field(r, "body"), "status %ld: %.400s",
                  r->status, r->body);
    it_response_free(r);
    /* the draft is unchanged, and a good edit still goes through */
    r = with_match("PATCH", p, region_mgr, e, "{\"presence_end\":\"12:30\"}");
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);
    /* the constraints the server maps to fields by name exist under those names */
    PGconn *db = it_db_owner();
    char *n = it_db_value(db, "SELECT count(*) FROM pg_constraint WHERE conname IN ("
                              "'agreements_check', 'agreements_check1', 'visits_check', "
                              "'meetings_check', 'meetings_check1', 'admissions_check', "
                              "'agreements_contact_email_address', "
                              "'agreements_notify_email_address') AND contype = 'c'");
    ck_assert_str_eq(n, "8");
    free(n);
    n = it_db_value(db, "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                        "WHERE conname = 'agreements_check1'");
    ck_assert_msg(strstr(n, "valid_from") && strstr(n, "valid_to"), "%s", n);
    free(n);
    PQfinish(db);
    free(before);
    free(e);
    free(p);
    free(id);
}
END_TEST

int main(void)
{
    it_server_start(NULL);
    create_pair();
    Suite *s = suite_create("agreements");
    TCase *tc = tcase_create("agreements");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_draft_sign_activate_freeze);
    tcase_add_test(tc, test_regeneration_keeps_moved_visits);
    tcase_add_test(tc, test_ical_feed);
    tcase_add_test(tc, test_reminders);
    tcase_add_test(tc, test_extra_visits_and_termination);
    tcase_add_test(tc, test_email_fields_are_addresses_or_empty);
    tcase_add_test(tc, test_patch_periods_name_their_field);
    suite_add_tcase(s, tc);
    return it_run_suite(s);
}
