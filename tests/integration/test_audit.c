/*
 * The audit trail: every read of a resident's data leaves a row, committed with the read;
 * the managers of the resident's team and facility can see who looked, when, why and
 * whether it was allowed; nobody else can, and nobody can remove a row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it_check.h"
#include "json.h"

#define AUDIT_ENGEN_1 "/api/audit?resident_id=" IT_RESIDENT_ENGEN_1

/* Columns of the audit rows a request wrote, read as the owner; a new reference to an array
 * of objects. */
static json_t *audit_rows_of(const it_response *r)
{
    char *rid = it_header(r, "X-Request-Id");
    ck_assert_ptr_nonnull(rid);
    PGconn *db = it_db_owner();
    const char *p[] = {rid};
    PGresult *res = PQexecParams(
        db,
        "SELECT coalesce(json_agg(json_build_object('user_id', user_id, 'user_role', user_role, "
        "  'org_id', org_id, 'action', action, 'resource_type', resource_type, 'resource_id', "
        "  resource_id, 'resident_id', resident_id, 'team_id', team_id, 'facility_id', "
        "  facility_id, 'purpose', purpose, 'outcome', outcome, 'client_addr', client_addr, "
        "  'resident_ids', resident_ids, 'age', extract(epoch FROM now() - at)) ORDER BY id), "
        "  '[]')::text "
        "FROM audit_log WHERE request_id = $1",
        1, NULL, p, NULL, NULL, 0);
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    json_t *rows = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    ck_assert_ptr_nonnull(rows);
    PQclear(res);
    PQfinish(db);
    free(rid);
    return rows;
}

static const char *row_str(const json_t *rows, size_t i, const char *key)
{
    return json_string_value(json_object_get(json_array_get(rows, i), key));
}

START_TEST(test_read_is_audited_with_the_read)
{
    char *t = it_login("clinician@slagelse.demo");
    const char *h[] = {"X-Access-Purpose: weekly visit", NULL};
    it_response *r = it_request("GET", "/api/residents/" IT_RESIDENT_ENGEN_1, t, NULL, h);
    IT_ASSERT_STATUS(r, 200);
    /* committed before the answer left: visible at once to another connection */
    json_t *rows = audit_rows_of(r);
    ck_assert_int_eq(json_array_size(rows), 1);
    ck_assert_str_eq(row_str(rows, 0, "user_id"), IT_USER_CLINICIAN_SLAGELSE);
    ck_assert_str_eq(row_str(rows, 0, "user_role"), "region_clinician");
    ck_assert_str_eq(row_str(rows, 0, "org_id"), IT_TEAM_SLAGELSE);
    ck_assert_str_eq(row_str(rows, 0, "action"), "read");
    ck_assert_str_eq(row_str(rows, 0, "resource_type"), "resident");
    ck_assert_str_eq(row_str(rows, 0, "resource_id"), IT_RESIDENT_ENGEN_1);
    ck_assert_str_eq(row_str(rows, 0, "resident_id"), IT_RESIDENT_ENGEN_1);
    ck_assert_str_eq(row_str(rows, 0, "team_id"), IT_TEAM_SLAGELSE);
    ck_assert_str_eq(row_str(rows, 0, "facility_id"), IT_FACILITY_ENGEN);
    ck_assert_str_eq(row_str(rows, 0, "purpose"), "weekly visit");
    ck_assert_str_eq(row_str(rows, 0, "outcome"), "allowed");
    ck_assert_str_eq(row_str(rows, 0, "client_addr"), "127.0.0.1");
    ck_assert_msg(json_number_value(json_object_get(json_array_get(rows, 0), "age")) < 60,
                  "audit time is not the time of the read");
    json_decref(rows);
    it_response_free(r);

    /* a page of the caseload: one row for the pair (all three live at Engen), naming exactly
     * the residents shown */
    r = it_request("GET", "/api/residents?limit=3", t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    rows = audit_rows_of(r);
    ck_assert_int_eq(json_array_size(rows), 1);
    json_t *items = json_object_get(r->json, "items");
    ck_assert_int_eq(json_array_size(items), 3);
    ck_assert_str_eq(row_str(rows, 0, "action"), "search");
    ck_assert_str_eq(row_str(rows, 0, "outcome"), "allowed");
    ck_assert_str_eq(row_str(rows, 0, "facility_id"), IT_FACILITY_ENGEN);
    ck_assert_str_eq(row_str(rows, 0, "team_id"), IT_TEAM_SLAGELSE);
    ck_assert(json_is_null(json_object_get(json_array_get(rows, 0), "resident_id")));
    json_t *ids = json_object_get(json_array_get(rows, 0), "resident_ids");
    ck_assert_int_eq(json_array_size(ids), 3);
    for (size_t k = 0; k < json_array_size(items); k++) {
        const char *id = json_string_value(json_object_get(json_array_get(items, k), "id"));
        bool audited = false;
        for (size_t i = 0; i < json_array_size(ids); i++)
            audited |= strcmp(json_string_value(json_array_get(ids, i)), id) == 0;
        ck_assert_msg(audited, "a resident shown is not on the audit row: %s", id);
    }
    json_decref(rows);
    it_response_free(r);
    free(t);
}
END_TEST

/* The trail item written by request_id, or NULL. */
static json_t *find_item(json_t *items, const char *request_id)
{
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        const char *rid = json_string_value(json_object_get(it, "request_id"));
        if (rid && strcmp(rid, request_id) == 0)
            return it;
    }
    return NULL;
}

START_TEST(test_managers_see_who_looked)
{
    /* one allowed read by the Slagelse clinician, one refused attempt from Holbæk */
    char *clin = it_login("clinician@slagelse.demo");
    it_response *read = it_request("GET", "/api/residents/" IT_RESIDENT_ENGEN_1, clin, NULL, NULL);
    IT_ASSERT_STATUS(read, 200);
    char *read_id = it_header(read, "X-Request-Id");
    char *other = it_login("clinician@holbaek.demo");
    it_response *tried = it_request("GET", "/api/residents/" IT_RESIDENT_ENGEN_1, other, NULL,
                                    NULL);
    IT_ASSERT_PROBLEM(tried, 404, "not-found");
    char *tried_id = it_header(tried, "X-Request-Id");

    const char *managers[] = {"manager@slagelse.demo", "manager@engen.demo"};
    for (size_t m = 0; m < 2; m++) {
        char *t = it_login(managers[m]);
        it_response *r = it_request("GET", AUDIT_ENGEN_1 "&limit=200", t, NULL, NULL);
        IT_ASSERT_STATUS(r, 200);
        json_t *items = json_object_get(r->json, "items");
        json_t *a = find_item(items, read_id);
        ck_assert_msg(a != NULL, "%s does not see the read", managers[m]);
        ck_assert_str_eq(json_string_value(json_object_get(a, "user_name")),
                         "Camilla Kristensen");
        ck_assert_str_eq(json_string_value(json_object_get(a, "org_name")), "F-ACT Slagelse");
        ck_assert_str_eq(json_string_value(json_object_get(a, "action")), "read");
        ck_assert_str_eq(json_string_value(json_object_get(a, "outcome")), "allowed");
        ck_assert_ptr_nonnull(json_string_value(json_object_get(a, "at")));
        json_t *d = find_item(items, tried_id);
        ck_assert_msg(d != NULL, "%s does not see the refused attempt", managers[m]);
        ck_assert_str_eq(json_string_value(json_object_get(d, "user_name")), "Henrik Lund");
        ck_assert_str_eq(json_string_value(json_object_get(d, "outcome")), "denied");
        /* newest first: by time, then id (a row's time is its transaction's start, so a
         * transaction that started earlier can write a higher id while others run) */
        json_int_t prev = -1;
        const char *prev_at = NULL;
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it) {
            json_int_t id = json_integer_value(json_object_get(it, "id"));
            const char *at = json_string_value(json_object_get(it, "at"));
            ck_assert_ptr_nonnull(at);
            if (prev_at) {
                int c = strcmp(at, prev_at);
                ck_assert_msg(c < 0 || (c == 0 && id < prev), "trail not newest first: %s/%lld after %s/%lld",
                              at, (long long)id, prev_at, (long long)prev);
            }
            prev = id;
            prev_at = at;
        }
        /* reading the trail is itself on the trail */
        json_t *rows = audit_rows_of(r);
        ck_assert_int_eq(json_array_size(rows), 1);
        ck_assert_str_eq(row_str(rows, 0, "resource_type"), "audit_log");
        ck_assert_str_eq(row_str(rows, 0, "outcome"), "allowed");
        json_decref(rows);
        it_response_free(r);
        free(t);
    }
    free(tried_id);
    free(read_id);
    it_response_free(tried);
    it_response_free(read);
    free(other);
    free(clin);
}
END_TEST

START_TEST(test_trail_pages)
{
    char *clin = it_login("clinician@slagelse.demo");
    for (int i = 0; i < 3; i++) {
        it_response *r =
            it_request("GET", "/api/residents/" IT_RESIDENT_ENGEN_1, clin, NULL, NULL);
        it_response_free(r);
    }
    free(clin);
    char *t = it_login("manager@slagelse.demo");
    char path[1024] = AUDIT_ENGEN_1 "&limit=1";
    json_int_t prev = -1;
    for (int page = 0; page < 3; page++) {
        it_response *r = it_request("GET", path, t, NULL, NULL);
        IT_ASSERT_STATUS(r, 200);
        json_t *items = json_object_get(r->json, "items");
        ck_assert_int_eq(json_array_size(items), 1);
        json_int_t id = json_integer_value(json_object_get(json_array_get(items, 0), "id"));
        if (prev >= 0)
            ck_assert_msg(id < prev, "page %d repeats or skips back: %lld after %lld", page,
                          (long long)id, (long long)prev);
        prev = id;
        const char *next = it_json_str(r, "next");
        ck_assert_ptr_nonnull(next);
        snprintf(path, sizeof path, AUDIT_ENGEN_1 "&limit=1&cursor=%s", next);
        it_response_free(r);
    }
    /* a cursor of another resident's trail is refused */
    char *cursor = strstr(path, "cursor=");
    char other[1200];
    snprintf(other, sizeof other, "/api/audit?resident_id=40000000-0000-4000-8000-000000000002&%s",
             cursor);
    it_response *r = it_request("GET", other, t, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 400, "bad-query");
    it_response_free(r);
    /* a cursor whose time is not a time ("not-a-time,5" for this resident) is refused too,
     * before it reaches the database */
    r = it_request("GET",
                   AUDIT_ENGEN_1 "&cursor=bm90LWEtdGltZSw1CjQwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAw"
                                 "MDAwMDAwMDAwMQ",
                   t, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 400, "bad-query");
    it_response_free(r);
    free(t);
}
END_TEST

/* How many rows a query (of audit_trail() or audit_trail_summary()) gives to this account,
 * asked in the database as the application role with the account's identity; trail_rows_as:
 * of audit_trail() for Engen's first resident. */
static long rows_as(const char *email, const char *sql)
{
    PGconn *owner = it_db_owner();
    const char *pe[] = {email};
    char *who = it_db_value_params(owner,
                                   "SELECT id || ',' || role || ',' || org_id FROM users "
                                   "WHERE email = $1",
                                   1, pe);
    PQfinish(owner);
    ck_assert_ptr_nonnull(who);
    char *role = strchr(who, ',');
    ck_assert_ptr_nonnull(role);
    *role++ = '\0';
    char *org = strchr(role, ',');
    ck_assert_ptr_nonnull(org);
    *org++ = '\0';
    PGconn *app = it_db_app();
    PQclear(PQexec(app, "BEGIN"));
    const char *pb[] = {who, role, org};
    PGresult *b = PQexecParams(app, "SELECT app_begin($1::uuid, $2, $3::uuid, NULL, 'it-trail', "
                                    "'127.0.0.1')",
                               3, NULL, pb, NULL, NULL, 0);
    ck_assert_int_eq(PQresultStatus(b), PGRES_TUPLES_OK);
    PQclear(b);
    char *n = it_db_value(app, sql);
    ck_assert_ptr_nonnull(n);
    long rows = strtol(n, NULL, 10);
    free(n);
    PQclear(PQexec(app, "ROLLBACK"));
    PQfinish(app);
    free(who);
    return rows;
}

static long trail_rows_as(const char *email)
{
    return rows_as(email, "SELECT count(*) FROM audit_trail('" IT_RESIDENT_ENGEN_1
                          "', NULL, NULL, 1000)");
}

/* Runs sql as the owner; asserts it ran. */
static void owner_run(const char *sql)
{
    PGconn *db = it_db_owner();
    PGresult *res = PQexec(db, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK,
                  "%s: %s", sql, PQerrorMessage(db));
    PQclear(res);
    PQfinish(db);
}

#define AADALEN "20000000-0000-4000-8000-0000000000a1"
#define AADALEN_RESIDENT "40000000-0000-4000-8000-0000000000a1"

START_TEST(test_list_over_two_facilities_is_one_row_seen_per_facility)
{
    /* a second facility served by Slagelse, with one resident */
    owner_run("INSERT INTO organizations (id, kind, name, address, authority, serving_team_id) "
              "VALUES ('" AADALEN "', 'facility', 'Bostedet Ådalen', 'Ådalen 1, 4200 Slagelse', "
              "'Slagelse Kommune', '" IT_TEAM_SLAGELSE "')");
    owner_run("INSERT INTO residents (id, name, date_of_birth, facility_id, team_id) VALUES ('"
              AADALEN_RESIDENT "', 'Aage Ådal', '1960-01-01', '" AADALEN "', '" IT_TEAM_SLAGELSE "')");

    char *clin = it_login("clinician@slagelse.demo");
    it_response *list = it_request("GET", "/api/residents?limit=200", clin, NULL, NULL);
    IT_ASSERT_STATUS(list, 200);
    json_t *items = json_object_get(list->json, "items");
    size_t engen_shown = 0, aadalen_shown = 0;
    for (size_t k = 0; k < json_array_size(items); k++) {
        const char *f = json_string_value(json_object_get(json_array_get(items, k), "facility_id"));
        engen_shown += strcmp(f, IT_FACILITY_ENGEN) == 0;
        aadalen_shown += strcmp(f, AADALEN) == 0;
    }
    ck_assert_uint_eq(aadalen_shown, 1);
    ck_assert_uint_eq(engen_shown + aadalen_shown, json_array_size(items));

    /* one row for the team: every resident shown, each with its own facility in order */
    json_t *rows = audit_rows_of(list);
    ck_assert_int_eq(json_array_size(rows), 1);
    ck_assert_str_eq(row_str(rows, 0, "team_id"), IT_TEAM_SLAGELSE);
    ck_assert(json_is_null(json_object_get(json_array_get(rows, 0), "facility_id")));
    json_decref(rows);
    char *rid = it_header(list, "X-Request-Id");
    PGconn *db = it_db_owner();
    const char *p[] = {rid};
    char *bad = it_db_value_params(
        db,
        "SELECT count(*) FROM audit_log a, unnest(a.resident_ids, a.facility_ids) u (r, f) "
        "LEFT JOIN residents x ON x.id = u.r WHERE a.request_id = $1 "
        "AND x.facility_id IS DISTINCT FROM u.f",
        1, p);
    ck_assert_str_eq(bad, "0");
    char *seen = it_db_value_params(
        db,
        "SELECT string_agg(s.facility_id::text, ',' ORDER BY s.facility_id) FILTER "
        "  (WHERE s.resident_id IN ('" IT_RESIDENT_ENGEN_1 "', '" AADALEN_RESIDENT "')) "
        "  || '/' || count(*) FROM audit_log a JOIN audit_log_seen_days s ON s.shown = a.shown "
        "  AND s.day = (a.at AT TIME ZONE 'UTC')::date "
        "WHERE a.request_id = $1",
        1, p);
    char want[200];
    snprintf(want, sizeof want, "%s,%s/%zu", IT_FACILITY_ENGEN, AADALEN, json_array_size(items));
    ck_assert_str_eq(seen, want);
    free(bad);
    free(seen);
    PQfinish(db);

    /* Engen's manager sees the read on an Engen resident's trail, counting Engen's residents
     * only; Slagelse's manager counts all of them */
    const char *managers[] = {"manager@engen.demo", "manager@slagelse.demo"};
    const size_t counts[] = {engen_shown, json_array_size(items)};
    for (size_t m = 0; m < 2; m++) {
        char *t = it_login(managers[m]);
        it_response *r = it_request("GET", AUDIT_ENGEN_1 "&limit=200", t, NULL, NULL);
        IT_ASSERT_STATUS(r, 200);
        json_t *a = find_item(json_object_get(r->json, "items"), rid);
        ck_assert_msg(a != NULL, "%s does not see the list read", managers[m]);
        ck_assert_int_eq(json_integer_value(json_object_get(a, "residents_shown")),
                         (long)counts[m]);
        it_response_free(r);
        /* the other facility's resident is not Engen's manager's to see */
        r = it_request("GET", "/api/audit?resident_id=" AADALEN_RESIDENT, t, NULL, NULL);
        if (m == 0)
            IT_ASSERT_PROBLEM(r, 404, "not-found");
        else
            ck_assert_ptr_nonnull(find_item(json_object_get(r->json, "items"), rid));
        it_response_free(r);
        free(t);
    }
    free(rid);
    it_response_free(list);
    free(clin);
    /* out again, so other tests meet the demo's two facilities */
    owner_run("DELETE FROM residents WHERE id = '" AADALEN_RESIDENT "'");
    owner_run("DELETE FROM caseload_versions WHERE org_id = '" AADALEN "'");
    owner_run("DELETE FROM organizations WHERE id = '" AADALEN "'");
}
END_TEST

START_TEST(test_trail_has_list_reads_and_keeps_the_policy)
{
    /* a caseload page that shows the resident among others is on the resident's trail */
    char *clin = it_login("clinician@slagelse.demo");
    it_response *list = it_request("GET", "/api/residents?limit=200", clin, NULL, NULL);
    IT_ASSERT_STATUS(list, 200);
    char *list_id = it_header(list, "X-Request-Id");
    const char *managers[] = {"manager@slagelse.demo", "manager@engen.demo"};
    for (size_t m = 0; m < 2; m++) {
        char *t = it_login(managers[m]);
        it_response *r = it_request("GET", AUDIT_ENGEN_1 "&limit=200", t, NULL, NULL);
        IT_ASSERT_STATUS(r, 200);
        json_t *a = find_item(json_object_get(r->json, "items"), list_id);
        ck_assert_msg(a != NULL, "%s does not see the list read", managers[m]);
        ck_assert_str_eq(json_string_value(json_object_get(a, "action")), "search");
        ck_assert_int_ge(json_integer_value(json_object_get(a, "residents_shown")), 2);
        it_response_free(r);
        free(t);
    }
    /* audit_trail() runs as the owner: it must apply the managers' policy itself */
    ck_assert_int_gt(trail_rows_as("manager@slagelse.demo"), 0);
    ck_assert_int_gt(trail_rows_as("manager@engen.demo"), 0);
    ck_assert_int_eq(trail_rows_as("manager@skoven.demo"), 0);
    ck_assert_int_eq(trail_rows_as("manager@holbaek.demo"), 0);
    ck_assert_int_eq(trail_rows_as("clinician@slagelse.demo"), 0);
    ck_assert_int_eq(trail_rows_as("staff@engen.demo"), 0);
    free(list_id);
    it_response_free(list);
    free(clin);
}
END_TEST

/* The same page read again and again is one set of day rows (audit_log_seen_days), yet
 * every read is its own row on the trail, in order, page by page; and the digest that ties
 * them is the database's, whatever a writer sends. */
START_TEST(test_repeated_list_reads_are_each_on_the_trail)
{
    enum { READS = 3 };
    char *clin = it_login("clinician@slagelse.demo");
    char *ids[READS];
    for (int i = 0; i < READS; i++) {
        it_response *r = it_request("GET", "/api/residents?limit=200", clin, NULL, NULL);
        IT_ASSERT_STATUS(r, 200);
        ids[i] = it_header(r, "X-Request-Id");
        it_response_free(r);
    }
    free(clin);

    PGconn *db = it_db_owner();
    const char *p[] = {ids[0], ids[READS - 1]};
    /* one digest for the three reads, and its residents written once for the day */
    char *digests = it_db_value_params(
        db, "SELECT count(DISTINCT shown) || '/' || count(*) FILTER (WHERE shown IS NULL) "
            "FROM audit_log WHERE request_id IN ($1, $2)",
        2, p);
    ck_assert_str_eq(digests, "1/0");
    char *days = it_db_value_params(
        db,
        "SELECT (SELECT count(*) FROM audit_log_seen_days s WHERE s.shown = a.shown "
        "  AND s.day = (a.at AT TIME ZONE 'UTC')::date) = cardinality(a.resident_ids) "
        "FROM audit_log a WHERE a.request_id = $1",
        1, p + 1);
    ck_assert_str_eq(days, "t");
    /* a writer cannot choose the digest (and the row is rolled back) */
    PQclear(PQexec(db, "BEGIN"));
    char *forged = it_db_value(
        db, "WITH w AS (INSERT INTO audit_log (action, resource_type, resident_ids, team_id, "
            "  outcome, shown) VALUES ('search', 'resident', ARRAY['" IT_RESIDENT_ENGEN_1
            "'::uuid, '" AADALEN_RESIDENT "'::uuid], '" IT_TEAM_SLAGELSE "', 'allowed', "
            "  '\\x00') RETURNING shown) SELECT shown <> '\\x00'::bytea FROM w");
    ck_assert_str_eq(forged, "t");
    PQclear(PQexec(db, "ROLLBACK"));
    free(forged);
    free(digests);
    free(days);
    PQfinish(db);

    /* the manager pages through the trail one row at a time: the three reads, newest first,
     * none twice (other tests' list reads may lie between them: ctest runs in parallel) */
    char *t = it_login("manager@slagelse.demo");
    char path[1024] = AUDIT_ENGEN_1 "&action=search&limit=1";
    int found = 0;
    json_int_t prev = -1;
    for (int page = 0; page < 100 && found < READS; page++) {
        it_response *r = it_request("GET", path, t, NULL, NULL);
        IT_ASSERT_STATUS(r, 200);
        json_t *items = json_object_get(r->json, "items");
        ck_assert_int_eq(json_array_size(items), 1);
        json_t *item = json_array_get(items, 0);
        json_int_t id = json_integer_value(json_object_get(item, "id"));
        ck_assert_msg(prev < 0 || id < prev, "page %d repeats or skips back", page);
        prev = id;
        const char *rid = json_string_value(json_object_get(item, "request_id"));
        if (rid != NULL && strcmp(rid, ids[READS - 1 - found]) == 0)
            found++;
        const char *next = it_json_str(r, "next");
        ck_assert_ptr_nonnull(next);
        snprintf(path, sizeof path, AUDIT_ENGEN_1 "&action=search&limit=1&cursor=%s", next);
        it_response_free(r);
    }
    ck_assert_int_eq(found, READS);
    free(t);
    for (int i = 0; i < READS; i++)
        free(ids[i]);
}
END_TEST

/* Today in Copenhagen (YYYY-MM-DD) shifted by days, from the database; a new string. */
static char *copenhagen_day(int days)
{
    PGconn *db = it_db_owner();
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT ((now() AT TIME ZONE 'Europe/Copenhagen')::date + %d)::text", days);
    char *d = it_db_value(db, sql);
    PQfinish(db);
    ck_assert_ptr_nonnull(d);
    return d;
}

/* Every item of r has member key equal to one of the |-separated values in want. */
static void assert_all_items(const it_response *r, const char *key, const char *want)
{
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r->json, "items"), i, it) {
        const char *v = json_string_value(json_object_get(it, key));
        ck_assert_ptr_nonnull(v);
        char pat[128];
        snprintf(pat, sizeof pat, "|%s|", v);
        char all[128];
        snprintf(all, sizeof all, "|%s|", want);
        ck_assert_msg(strstr(all, pat) != NULL, "item %zu has %s %s, not %s", i, key, v, want);
    }
}

START_TEST(test_trail_filters)
{
    char *clin = it_login("clinician@slagelse.demo");
    /* two reads (the later one is looked for), so a filtered trail has two pages */
    it_response *read = it_request("GET", "/api/residents/" IT_RESIDENT_ENGEN_1, clin, NULL, NULL);
    IT_ASSERT_STATUS(read, 200);
    it_response_free(read);
    read = it_request("GET", "/api/residents/" IT_RESIDENT_ENGEN_1, clin, NULL, NULL);
    IT_ASSERT_STATUS(read, 200);
    char *read_id = it_header(read, "X-Request-Id");
    it_response *list = it_request("GET", "/api/residents?limit=200", clin, NULL, NULL);
    IT_ASSERT_STATUS(list, 200);
    char *list_id = it_header(list, "X-Request-Id");
    char *staff = it_login("staff@engen.demo");
    it_response *sread = it_request("GET", "/api/residents/" IT_RESIDENT_ENGEN_1, staff, NULL,
                                    NULL);
    IT_ASSERT_STATUS(sread, 200);
    char *sread_id = it_header(sread, "X-Request-Id");
    char *today = copenhagen_day(0), *tomorrow = copenhagen_day(1),
         *yesterday = copenhagen_day(-1);
    char *t = it_login("manager@slagelse.demo");
    char path[512];

    /* by person: only the clinician's rows, the read and the list read among them */
    it_response *r = it_request(
        "GET", AUDIT_ENGEN_1 "&limit=200&user_id=" IT_USER_CLINICIAN_SLAGELSE, t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    assert_all_items(r, "user_id", IT_USER_CLINICIAN_SLAGELSE);
    ck_assert_ptr_nonnull(find_item(json_object_get(r->json, "items"), read_id));
    ck_assert_ptr_nonnull(find_item(json_object_get(r->json, "items"), list_id));
    ck_assert_ptr_null(find_item(json_object_get(r->json, "items"), sread_id));
    /* a filtered read of the trail is on the trail as before */
    json_t *rows = audit_rows_of(r);
    ck_assert_int_eq(json_array_size(rows), 1);
    ck_assert_str_eq(row_str(rows, 0, "resource_type"), "audit_log");
    ck_assert_str_eq(row_str(rows, 0, "resident_id"), IT_RESIDENT_ENGEN_1);
    json_decref(rows);
    it_response_free(r);

    /* by action: list reads only, or opened and changed only */
    r = it_request("GET", AUDIT_ENGEN_1 "&limit=200&action=search", t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    assert_all_items(r, "action", "search");
    ck_assert_ptr_nonnull(find_item(json_object_get(r->json, "items"), list_id));
    ck_assert_ptr_null(find_item(json_object_get(r->json, "items"), read_id));
    it_response_free(r);
    r = it_request("GET", AUDIT_ENGEN_1 "&limit=200&action=read,create,update,delete", t, NULL,
                   NULL);
    IT_ASSERT_STATUS(r, 200);
    assert_all_items(r, "action", "read|create|update|delete");
    ck_assert_ptr_nonnull(find_item(json_object_get(r->json, "items"), read_id));
    ck_assert_ptr_nonnull(find_item(json_object_get(r->json, "items"), sread_id));
    ck_assert_ptr_null(find_item(json_object_get(r->json, "items"), list_id));
    it_response_free(r);

    /* by period (Copenhagen days, both included) */
    snprintf(path, sizeof path, AUDIT_ENGEN_1 "&limit=200&from=%s&to=%s", today, today);
    r = it_request("GET", path, t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_ptr_nonnull(find_item(json_object_get(r->json, "items"), read_id));
    ck_assert_ptr_nonnull(find_item(json_object_get(r->json, "items"), list_id));
    it_response_free(r);
    snprintf(path, sizeof path, AUDIT_ENGEN_1 "&limit=200&from=%s", tomorrow);
    r = it_request("GET", path, t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 0);
    it_response_free(r);
    snprintf(path, sizeof path, AUDIT_ENGEN_1 "&limit=200&to=%s", yesterday);
    r = it_request("GET", path, t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_ptr_null(find_item(json_object_get(r->json, "items"), read_id));
    ck_assert_ptr_null(find_item(json_object_get(r->json, "items"), list_id));
    it_response_free(r);

    /* pages of a filtered trail stay filtered; the cursor opens only the same filters */
    r = it_request("GET",
                   AUDIT_ENGEN_1 "&limit=1&action=read&user_id=" IT_USER_CLINICIAN_SLAGELSE, t,
                   NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    const char *next = it_json_str(r, "next");
    ck_assert_ptr_nonnull(next);
    json_int_t first = json_integer_value(
        json_object_get(json_array_get(json_object_get(r->json, "items"), 0), "id"));
    snprintf(path, sizeof path,
             AUDIT_ENGEN_1 "&limit=1&action=read&user_id=" IT_USER_CLINICIAN_SLAGELSE
                           "&cursor=%s",
             next);
    it_response *r2 = it_request("GET", path, t, NULL, NULL);
    IT_ASSERT_STATUS(r2, 200);
    assert_all_items(r2, "user_id", IT_USER_CLINICIAN_SLAGELSE);
    assert_all_items(r2, "action", "read");
    json_t *second = json_array_get(json_object_get(r2->json, "items"), 0);
    ck_assert_ptr_nonnull(second);
    ck_assert_int_lt(json_integer_value(json_object_get(second, "id")), first);
    it_response_free(r2);
    snprintf(path, sizeof path, AUDIT_ENGEN_1 "&limit=1&action=search&cursor=%s", next);
    r2 = it_request("GET", path, t, NULL, NULL);
    IT_ASSERT_PROBLEM(r2, 400, "bad-query");
    it_response_free(r2);
    it_response_free(r);

    /* malformed filters name their field */
    const char *bad[][2] = {{AUDIT_ENGEN_1 "&action=peek", "action"},
                            {AUDIT_ENGEN_1 "&action=read,,update", "action"},
                            {AUDIT_ENGEN_1 "&user_id=someone", "user_id"},
                            {AUDIT_ENGEN_1 "&from=2026-13-01", "from"},
                            {AUDIT_ENGEN_1 "&from=2026-03-02&to=2026-03-01", "to"},
                            {"/api/audit/summary?resident_id=" IT_RESIDENT_ENGEN_1 "&to=x", "to"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = it_request("GET", bad[i][0], t, NULL, NULL);
        IT_ASSERT_PROBLEM(r, 400, "bad-query");
        ck_assert_msg(it_problem_has_field(r, bad[i][1]), "%s does not name %s", bad[i][0],
                      bad[i][1]);
        it_response_free(r);
    }
    free(t);
    free(today);
    free(tomorrow);
    free(yesterday);
    free(sread_id);
    free(list_id);
    free(read_id);
    it_response_free(sread);
    it_response_free(list);
    it_response_free(read);
    free(staff);
    free(clin);
}
END_TEST

START_TEST(test_report_runs_on_the_trail)
{
    /* the Slagelse manager runs a report over the team's residents */
    char *rm = it_login("manager@slagelse.demo");
    it_response *rep = it_request("GET", "/api/reports/admissions", rm, NULL, NULL);
    IT_ASSERT_STATUS(rep, 200);
    char *rep_id = it_header(rep, "X-Request-Id");
    /* on the trail of a resident of the team, for the team's manager */
    it_response *r = it_request("GET", AUDIT_ENGEN_1 "&limit=200&action=report", rm, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    json_t *a = find_item(json_object_get(r->json, "items"), rep_id);
    ck_assert_msg(a != NULL, "the team's manager does not see the report run");
    ck_assert_str_eq(json_string_value(json_object_get(a, "resource_type")), "report");
    ck_assert_str_eq(json_string_value(json_object_get(a, "user_id")), IT_USER_MANAGER_SLAGELSE);
    ck_assert_str_eq(json_string_value(json_object_get(a, "org_name")), "F-ACT Slagelse");
    assert_all_items(r, "resource_type", "report");
    it_response_free(r);
    /* and in the unfiltered trail; but not among the list reads */
    r = it_request("GET", AUDIT_ENGEN_1 "&limit=200", rm, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_ptr_nonnull(find_item(json_object_get(r->json, "items"), rep_id));
    it_response_free(r);
    r = it_request("GET", AUDIT_ENGEN_1 "&limit=200&action=search", rm, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_ptr_null(find_item(json_object_get(r->json, "items"), rep_id));
    it_response_free(r);
    /* another organisation's manager never sees it, even for the same resident */
    char *fm = it_login("manager@engen.demo");
    r = it_request("GET", AUDIT_ENGEN_1 "&limit=200", fm, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_ptr_null(find_item(json_object_get(r->json, "items"), rep_id));
    it_response_free(r);
    free(fm);
    /* as the application role: other managers and the other roles get no report row */
    const char *q = "SELECT count(*) FROM audit_trail('" IT_RESIDENT_ENGEN_1
                    "', NULL, NULL, 1000, NULL, NULL, NULL, '{report}')";
    ck_assert_int_gt(rows_as("manager@slagelse.demo", q), 0);
    ck_assert_int_eq(rows_as("manager@engen.demo", q), 0);
    ck_assert_int_eq(rows_as("manager@holbaek.demo", q), 0);
    ck_assert_int_eq(rows_as("manager@skoven.demo", q), 0);
    ck_assert_int_eq(rows_as("clinician@slagelse.demo", q), 0);
    /* a resident of another team: not the Slagelse manager's report runs */
    ck_assert_int_eq(rows_as("manager@slagelse.demo",
                             "SELECT count(*) FROM audit_trail('" IT_RESIDENT_SKOVEN_1
                             "', NULL, NULL, 1000, NULL, NULL, NULL, '{report}')"),
                     0);
    free(rep_id);
    it_response_free(rep);
    free(rm);
}
END_TEST

START_TEST(test_summary_for_the_right_of_access)
{
    char *clin = it_login("clinician@slagelse.demo");
    const char *h[] = {"X-Access-Purpose: ugentligt besøg", NULL};
    it_response *read = it_request("GET", "/api/residents/" IT_RESIDENT_ENGEN_1, clin, NULL, h);
    IT_ASSERT_STATUS(read, 200);
    it_response_free(read);
    it_response *list = it_request("GET", "/api/residents?limit=200", clin, NULL, NULL);
    IT_ASSERT_STATUS(list, 200);
    it_response_free(list);
    free(clin);
    char *today = copenhagen_day(0);
    char path[256];
    snprintf(path, sizeof path,
             "/api/audit/summary?resident_id=" IT_RESIDENT_ENGEN_1 "&from=%s&to=%s", today,
             today);
    const char *managers[] = {"manager@slagelse.demo", "manager@engen.demo"};
    for (size_t m = 0; m < 2; m++) {
        char *t = it_login(managers[m]);
        it_response *r = it_request("GET", path, t, NULL, NULL);
        IT_ASSERT_STATUS(r, 200);
        bool opened = false, listed = false;
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(r->json, "items"), i, it) {
            const char *user = json_string_value(json_object_get(it, "user_id"));
            const char *action = json_string_value(json_object_get(it, "action"));
            const char *purpose = json_string_value(json_object_get(it, "purpose"));
            if (!user || strcmp(user, IT_USER_CLINICIAN_SLAGELSE) != 0)
                continue;
            ck_assert_str_eq(json_string_value(json_object_get(it, "user_name")),
                             "Camilla Kristensen");
            ck_assert_str_eq(json_string_value(json_object_get(it, "user_role")),
                             "region_clinician");
            ck_assert_str_eq(json_string_value(json_object_get(it, "org_name")),
                             "F-ACT Slagelse");
            ck_assert_int_ge(json_integer_value(json_object_get(it, "times")), 1);
            ck_assert_ptr_nonnull(json_string_value(json_object_get(it, "first_at")));
            ck_assert_ptr_nonnull(json_string_value(json_object_get(it, "last_at")));
            if (strcmp(action, "read") == 0 && purpose && strcmp(purpose, "ugentligt besøg") == 0)
                opened = true;
            if (strcmp(action, "search") == 0)
                listed = true;
        }
        ck_assert_msg(opened, "%s: the summary lacks the read with its purpose", managers[m]);
        ck_assert_msg(listed, "%s: the summary lacks the list read", managers[m]);
        ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "filters"),
                                                           "from")),
                         today);
        /* producing it is itself on the trail */
        json_t *rows = audit_rows_of(r);
        ck_assert_int_eq(json_array_size(rows), 1);
        ck_assert_str_eq(row_str(rows, 0, "resource_type"), "audit_log");
        ck_assert_str_eq(row_str(rows, 0, "resident_id"), IT_RESIDENT_ENGEN_1);
        json_decref(rows);
        it_response_free(r);
        free(t);
    }
    free(today);
    /* nobody else: another team's manager gets 404, the other roles 403, all recorded */
    char *other = it_login("manager@holbaek.demo");
    it_response *r = it_request("GET", "/api/audit/summary?resident_id=" IT_RESIDENT_ENGEN_1,
                                other, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    ck_assert_ptr_null(json_object_get(r->json, "items"));
    it_response_free(r);
    free(other);
    const char *who[] = {"clinician@slagelse.demo", "staff@engen.demo", "admin@samspil.demo"};
    for (size_t i = 0; i < 3; i++) {
        char *t = it_login(who[i]);
        r = it_request("GET", "/api/audit/summary?resident_id=" IT_RESIDENT_ENGEN_1, t, NULL,
                       NULL);
        IT_ASSERT_PROBLEM(r, 403, "forbidden");
        json_t *rows = audit_rows_of(r);
        ck_assert_int_eq(json_array_size(rows), 1);
        ck_assert_str_eq(row_str(rows, 0, "outcome"), "denied");
        json_decref(rows);
        it_response_free(r);
        free(t);
    }
    /* the function keeps the managers' policy itself */
    const char *q = "SELECT count(*) FROM audit_trail_summary('" IT_RESIDENT_ENGEN_1
                    "', NULL, NULL)";
    ck_assert_int_gt(rows_as("manager@slagelse.demo", q), 0);
    ck_assert_int_gt(rows_as("manager@engen.demo", q), 0);
    ck_assert_int_eq(rows_as("manager@skoven.demo", q), 0);
    ck_assert_int_eq(rows_as("manager@holbaek.demo", q), 0);
    ck_assert_int_eq(rows_as("clinician@slagelse.demo", q), 0);
    ck_assert_int_eq(rows_as("staff@engen.demo", q), 0);
}
END_TEST

START_TEST(test_others_cannot_read_trails)
{
    const char *who[] = {"clinician@slagelse.demo", "staff@engen.demo", "admin@samspil.demo"};
    for (size_t i = 0; i < 3; i++) {
        char *t = it_login(who[i]);
        it_response *r = it_request("GET", AUDIT_ENGEN_1, t, NULL, NULL);
        IT_ASSERT_PROBLEM(r, 403, "forbidden");
        ck_assert_ptr_null(json_object_get(r->json, "items"));
        /* and the attempt is itself recorded */
        json_t *rows = audit_rows_of(r);
        ck_assert_int_eq(json_array_size(rows), 1);
        ck_assert_str_eq(row_str(rows, 0, "outcome"), "denied");
        ck_assert_str_eq(row_str(rows, 0, "resident_id"), IT_RESIDENT_ENGEN_1);
        json_decref(rows);
        it_response_free(r);
        free(t);
    }
}
END_TEST

START_TEST(test_manager_of_another_team)
{
    const char *managers[] = {"manager@slagelse.demo", "manager@engen.demo"};
    for (size_t i = 0; i < 2; i++) {
        char *t = it_login(managers[i]);
        it_response *r =
            it_request("GET", "/api/audit?resident_id=" IT_RESIDENT_SKOVEN_1, t, NULL, NULL);
        IT_ASSERT_PROBLEM(r, 404, "not-found");
        ck_assert_ptr_null(json_object_get(r->json, "items"));
        it_response_free(r);
        r = it_request("GET", "/api/audit", t, NULL, NULL);
        IT_ASSERT_PROBLEM(r, 400, "bad-query");
        ck_assert(it_problem_has_field(r, "resident_id"));
        it_response_free(r);
        r = it_request("GET", "/api/audit?resident_id=x", t, NULL, NULL);
        IT_ASSERT_PROBLEM(r, 400, "bad-query");
        it_response_free(r);
        free(t);
    }
}
END_TEST

/* A stated purpose is kept as far as it fits, and no purpose keeps an attempt off the trail. */
START_TEST(test_odd_purposes)
{
    char *t = it_login("clinician@slagelse.demo");
    /* 1 + 250 two-byte characters: more than 200 characters, and 200 bytes would end in
     * the middle of one */
    char hdr[1024] = "X-Access-Purpose: a";
    for (int i = 0; i < 250; i++)
        strcat(hdr, "\xc3\xa6");
    const char *h[] = {hdr, NULL};
    it_response *r = it_request("GET", "/api/residents/" IT_RESIDENT_ENGEN_1, t, NULL, h);
    IT_ASSERT_STATUS(r, 200);
    json_t *rows = audit_rows_of(r);
    ck_assert_int_eq(json_array_size(rows), 1);
    const char *purpose = row_str(rows, 0, "purpose");
    ck_assert_ptr_nonnull(purpose);
    ck_assert_int_eq(json_utf8_len(purpose), 200);
    ck_assert_int_eq(strncmp(purpose, "a\xc3\xa6", 3), 0);
    json_decref(rows);
    it_response_free(r);

    /* not UTF-8 at all, on a refused attempt: still a 404, still on the trail */
    const char *bad[] = {"X-Access-Purpose: look\xff\xfe around", NULL};
    r = it_request("GET", "/api/residents/" IT_RESIDENT_SKOVEN_1, t, NULL, bad);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    rows = audit_rows_of(r);
    ck_assert_int_eq(json_array_size(rows), 1);
    ck_assert_str_eq(row_str(rows, 0, "outcome"), "denied");
    ck_assert_str_eq(row_str(rows, 0, "purpose"), "look?? around");
    json_decref(rows);
    it_response_free(r);
    /* and on a list */
    r = it_request("GET", "/api/residents?limit=2", t, NULL, bad);
    IT_ASSERT_STATUS(r, 200);
    rows = audit_rows_of(r);
    ck_assert_int_eq(json_array_size(rows), 1);
    ck_assert_int_eq(json_array_size(json_object_get(json_array_get(rows, 0), "resident_ids")), 2);
    ck_assert_str_eq(row_str(rows, 0, "purpose"), "look?? around");
    json_decref(rows);
    it_response_free(r);
    free(t);
}
END_TEST

START_TEST(test_rows_cannot_be_removed)
{
    char *t = it_login("staff@engen.demo");
    it_response *r = it_request("GET", "/api/residents/" IT_RESIDENT_ENGEN_1, t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    char *rid = it_header(r, "X-Request-Id");
    const char *p[] = {rid};
    PGconn *db = it_db_owner();
    PGresult *res = PQexecParams(db, "DELETE FROM audit_log WHERE request_id = $1", 1, NULL, p,
                                 NULL, NULL, 0);
    ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
    PQclear(res);
    res = PQexecParams(db, "UPDATE audit_log SET user_id = NULL WHERE request_id = $1", 1, NULL,
                       p, NULL, NULL, 0);
    ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
    PQclear(res);
    char *n = it_db_value_params(
        db, "SELECT count(*) FROM audit_log WHERE request_id = $1 AND user_id IS NOT NULL", 1, p);
    ck_assert_str_eq(n, "1");
    free(n);
    PQfinish(db);
    free(rid);
    it_response_free(r);
    free(t);
}
END_TEST

/* The trail reaches back through the years (audit_trail() walks it in windows of time,
 * newest first, 0081): rows days, months and years old come in order, once each, page by
 * page, and a period keeps only its own. */
START_TEST(test_trail_reaches_back_through_the_years)
{
    char *staff = it_login("staff@engen.demo");
    char *resident = it_new_resident(staff, "Arvid ", "1960-03-04");
    char *tag = it_unique("years");
    static const char *const ages[] = {"2 days", "40 days", "200 days", "3 years", "9 years"};
    enum { AGES = sizeof ages / sizeof *ages };
    PGconn *db = it_db_owner();
    for (int i = 0; i < AGES; i++) {
        char rid[96];
        snprintf(rid, sizeof rid, "%s-%d", tag, i);
        const char *p[] = {resident, rid, ages[i]};
        PGresult *res = PQexecParams(
            db,
            "INSERT INTO audit_log (at, user_id, user_role, org_id, action, resource_type, "
            "  resource_id, resident_id, team_id, facility_id, purpose, outcome, request_id) "
            "VALUES (now() - $3::interval, '" IT_USER_CLINICIAN_SLAGELSE "', 'region_clinician', '"
            IT_TEAM_SLAGELSE "', 'read', 'resident', $1::text, $1::uuid, '" IT_TEAM_SLAGELSE "', '"
            IT_FACILITY_ENGEN "', 'weekly visit', 'allowed', $2)",
            3, NULL, p, NULL, NULL, 0);
        ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQerrorMessage(db));
        PQclear(res);
    }
    PQfinish(db);

    char *t = it_login("manager@slagelse.demo");
    /* page by page, two at a time: each old row once, newest first */
    int seen[AGES] = {0}, order = 0;
    char path[1024];
    snprintf(path, sizeof path, "/api/audit?resident_id=%s&limit=2", resident);
    for (int page = 0; page < 50; page++) {
        it_response *r = it_request("GET", path, t, NULL, NULL);
        IT_ASSERT_STATUS(r, 200);
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(r->json, "items"), i, it) {
            const char *rid = json_string_value(json_object_get(it, "request_id"));
            for (int k = 0; rid && k < AGES; k++) {
                char want[96];
                snprintf(want, sizeof want, "%s-%d", tag, k);
                if (strcmp(rid, want) != 0)
                    continue;
                ck_assert_msg(seen[k] == 0, "the row %s years back came twice", ages[k]);
                ck_assert_msg(k == order, "the row %s back came out of order", ages[k]);
                seen[k] = 1;
                order++;
            }
        }
        const char *next = it_json_str(r, "next");
        if (!next) {
            it_response_free(r);
            break;
        }
        snprintf(path, sizeof path, "/api/audit?resident_id=%s&limit=2&cursor=%s", resident,
                 next);
        it_response_free(r);
    }
    ck_assert_int_eq(order, AGES);

    /* a period of the last year: the three rows within it */
    char from[16];
    PGconn *db2 = it_db_owner();
    char *d = it_db_value(db2, "SELECT to_char(current_date - 365, 'YYYY-MM-DD')");
    PQfinish(db2);
    snprintf(from, sizeof from, "%s", d);
    free(d);
    snprintf(path, sizeof path, "/api/audit?resident_id=%s&limit=200&from=%s", resident, from);
    it_response *r = it_request("GET", path, t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    int within = 0;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r->json, "items"), i, it) {
        const char *rid = json_string_value(json_object_get(it, "request_id"));
        if (rid && strncmp(rid, tag, strlen(tag)) == 0)
            within++;
    }
    ck_assert_int_eq(within, 3);
    it_response_free(r);
    free(t);
    free(tag);
    free(resident);
    free(staff);
}
END_TEST

int main(void)
{
    it_server_start(NULL);
    Suite *s = suite_create("audit");
    TCase *tc = tcase_create("trail");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_read_is_audited_with_the_read);
    tcase_add_test(tc, test_managers_see_who_looked);
    tcase_add_test(tc, test_trail_pages);
    tcase_add_test(tc, test_trail_has_list_reads_and_keeps_the_policy);
    tcase_add_test(tc, test_trail_filters);
    tcase_add_test(tc, test_report_runs_on_the_trail);
    tcase_add_test(tc, test_summary_for_the_right_of_access);
    tcase_add_test(tc, test_others_cannot_read_trails);
    tcase_add_test(tc, test_manager_of_another_team);
    tcase_add_test(tc, test_odd_purposes);
    tcase_add_test(tc, test_rows_cannot_be_removed);
    tcase_add_test(tc, test_list_over_two_facilities_is_one_row_seen_per_facility);
    tcase_add_test(tc, test_repeated_list_reads_are_each_on_the_trail);
    tcase_add_test(tc, test_trail_reaches_back_through_the_years);
    suite_add_tcase(s, tc);
    return it_run_suite(s);
}
