/*
 * Who sees which residents, enforced by the database itself. At the SQL level: connected
 * as the application role, a query without any WHERE returns only the caller's team's or
 * facility's residents, nothing without an identity, nothing for admins; the audit log is
 * append-only; the application role has no way around row-level security. Over HTTP: the
 * caseload lists and pages only the caller's residents, someone else's resident is a 404
 * (not a 403, which would confirm it exists) and every refused attempt is audited.
 *
 * The demo data: Botilbuddet Engen has 8 residents served by F-ACT Slagelse; Bofællesskabet
 * Skoven has 5 served by F-ACT Holbæk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it_check.h"

#define OPS_ORG "10000000-0000-4000-8000-000000000099"

/* ---- SQL level ---- */

/* Opens a transaction on c (the application role) with the given identity; false when
 * app_begin refused it. sv may be NULL (external tokens). */
static bool begin_as(PGconn *c, const char *user, const char *role, const char *org,
                     const char *sv)
{
    PGresult *r = PQexec(c, "BEGIN");
    ck_assert_int_eq(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    const char *p[] = {user, role, org, sv, "it-rls", "127.0.0.1"};
    r = PQexecParams(c, "SELECT app_begin($1::uuid, $2, $3::uuid, $4::integer, $5, $6)", 6,
                     NULL, p, NULL, NULL, 0);
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok) {
        const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        ck_assert_msg(st && strcmp(st, "28000") == 0, "app_begin failed with %s: %s",
                      st ? st : "?", PQerrorMessage(c));
    }
    PQclear(r);
    return ok;
}

static void rollback(PGconn *c)
{
    PQclear(PQexec(c, "ROLLBACK"));
}

static long count(PGconn *c, const char *sql)
{
    char *v = it_db_value(c, sql);
    ck_assert_msg(v != NULL, "no value from %s: %s", sql, PQerrorMessage(c));
    long n = strtol(v, NULL, 10);
    free(v);
    return n;
}

/* How many residents there are in an organisation, counted by the owner (no policies):
 * what the organisation's staff must see, no more and no less. The demo data has at least
 * 8 at Engen (F-ACT Slagelse) and 5 at Skoven (F-ACT Holbæk). */
static long residents_of(const char *column, const char *org)
{
    PGconn *owner = it_db_owner();
    const char *p[] = {org};
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM residents WHERE %s = $1::uuid", column);
    char *v = it_db_value_params(owner, sql, 1, p);
    ck_assert_ptr_nonnull(v);
    long n = strtol(v, NULL, 10);
    free(v);
    PQfinish(owner);
    return n;
}

START_TEST(test_sql_facility_staff_sees_own_facility_only)
{
    long engen = residents_of("facility_id", IT_FACILITY_ENGEN);
    ck_assert_int_ge(engen, 8);

    PGconn *c = it_db_app();
    ck_assert(begin_as(c, IT_USER_STAFF_ENGEN, "facility_staff", IT_FACILITY_ENGEN, "1"));
    ck_assert_int_eq(count(c, "SELECT count(*) FROM residents"), engen);
    ck_assert_int_eq(count(c, "SELECT count(*) FROM residents WHERE facility_id <> '"
                              IT_FACILITY_ENGEN "'"),
                     0);
    ck_assert_int_eq(count(c, "SELECT count(*) FROM residents WHERE id = '"
                              IT_RESIDENT_SKOVEN_1 "'"),
                     0);
    /* writes outside the facility touch nothing, and cannot create residents there */
    PGresult *r = PQexec(c, "UPDATE residents SET name = 'X' WHERE facility_id = '"
                            IT_FACILITY_SKOVEN "'");
    ck_assert_int_eq(PQresultStatus(r), PGRES_COMMAND_OK);
    ck_assert_str_eq(PQcmdTuples(r), "0");
    PQclear(r);
    r = PQexec(c, "INSERT INTO residents (name, date_of_birth, facility_id, team_id) VALUES "
                  "('Smuggled In', '1990-01-01', '" IT_FACILITY_SKOVEN "', '" IT_TEAM_HOLBAEK
                  "')");
    ck_assert_str_eq(PQresultErrorField(r, PG_DIAG_SQLSTATE), "42501");
    PQclear(r);
    rollback(c);
    PQfinish(c);
}
END_TEST

START_TEST(test_sql_clinician_sees_own_team_only)
{
    PGconn *c = it_db_app();
    ck_assert(begin_as(c, IT_USER_CLINICIAN_HOLBAEK, "region_clinician", IT_TEAM_HOLBAEK, "1"));
    long holbaek = residents_of("team_id", IT_TEAM_HOLBAEK);
    ck_assert_int_ge(holbaek, 5);
    ck_assert_int_eq(count(c, "SELECT count(*) FROM residents"), holbaek);
    ck_assert_int_eq(count(c, "SELECT count(*) FROM residents WHERE team_id = '"
                              IT_TEAM_SLAGELSE "' OR facility_id = '" IT_FACILITY_ENGEN "'"),
                     0);
    rollback(c);
    ck_assert(begin_as(c, IT_USER_CLINICIAN_SLAGELSE, "region_clinician", IT_TEAM_SLAGELSE,
                       "1"));
    long slagelse = residents_of("team_id", IT_TEAM_SLAGELSE);
    ck_assert_int_ge(slagelse, 8);
    ck_assert_int_eq(count(c, "SELECT count(*) FROM residents"), slagelse);
    ck_assert_int_eq(count(c, "SELECT count(*) FROM residents WHERE team_id <> '"
                              IT_TEAM_SLAGELSE "'"),
                     0);
    rollback(c);
    PQfinish(c);
}
END_TEST

START_TEST(test_sql_admin_and_nobody_see_no_residents)
{
    PGconn *c = it_db_app();
    ck_assert(begin_as(c, IT_USER_ADMIN, "admin", OPS_ORG, "1"));
    ck_assert_int_eq(count(c, "SELECT count(*) FROM residents"), 0);
    ck_assert_int_eq(count(c, "SELECT count(*) FROM audit_log"), 0);
    rollback(c);

    /* no identity at all: nothing of anything */
    const char *tables[] = {"residents", "users", "organizations", "audit_log",
                            "idempotency_keys"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", tables[i]);
        ck_assert_msg(count(c, sql) == 0, "%s visible without an identity", tables[i]);
    }
    /* nor anonymously (the log-in transaction) */
    PQclear(PQexec(c, "BEGIN"));
    char *v = it_db_value(c, "SELECT app_begin_anonymous('it-rls', '127.0.0.1')");
    free(v);
    ck_assert_int_eq(count(c, "SELECT count(*) FROM residents"), 0);
    ck_assert_int_eq(count(c, "SELECT count(*) FROM users"), 0);
    rollback(c);
    PQfinish(c);
}
END_TEST

START_TEST(test_sql_app_begin_refuses_stale_identities)
{
    PGconn *owner = it_db_owner();
    char *local = it_unique("inactive");
    char email[300];
    snprintf(email, sizeof email, "%s@test.demo", local);
    const char *p[] = {email};
    char *inactive = it_db_value_params(
        owner,
        "INSERT INTO users (email, name, role, org_id, active) VALUES ($1, 'Former Staff', "
        "'facility_staff', '" IT_FACILITY_ENGEN "', false) RETURNING id",
        1, p);
    ck_assert_ptr_nonnull(inactive);

    PGconn *c = it_db_app();
    /* deactivated */
    ck_assert(!begin_as(c, inactive, "facility_staff", IT_FACILITY_ENGEN, "1"));
    rollback(c);
    ck_assert(!begin_as(c, inactive, "facility_staff", IT_FACILITY_ENGEN, NULL));
    rollback(c);
    /* a role, organisation or session version the database does not have */
    ck_assert(!begin_as(c, IT_USER_STAFF_ENGEN, "facility_manager", IT_FACILITY_ENGEN, "1"));
    rollback(c);
    ck_assert(!begin_as(c, IT_USER_STAFF_ENGEN, "facility_staff", IT_FACILITY_SKOVEN, "1"));
    rollback(c);
    ck_assert(!begin_as(c, IT_USER_STAFF_ENGEN, "facility_staff", IT_FACILITY_ENGEN, "2"));
    rollback(c);
    ck_assert(!begin_as(c, "30000000-0000-4000-8000-0000000000ee", "facility_staff",
                        IT_FACILITY_ENGEN, "1"));
    rollback(c);
    /* and the identity of a refused app_begin is not set */
    ck_assert_int_eq(count(c, "SELECT count(*) FROM residents"), 0);
    /* the real identity, with or without a session version, is accepted */
    ck_assert(begin_as(c, IT_USER_STAFF_ENGEN, "facility_staff", IT_FACILITY_ENGEN, "1"));
    rollback(c);
    ck_assert(begin_as(c, IT_USER_STAFF_ENGEN, "facility_staff", IT_FACILITY_ENGEN, NULL));
    rollback(c);
    /* identity does not outlive its transaction */
    ck_assert_int_eq(count(c, "SELECT count(*) FROM residents"), 0);
    PQfinish(c);
    free(inactive);
    free(local);
    PQfinish(owner);
}
END_TEST

/* The statement's error, as "SQLSTATE message" (malloc'd), or NULL when it succeeded. */
static char *sql_error(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    char *out = NULL;
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        const char *s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
        size_t n = strlen(s ? s : "") + strlen(m ? m : "") + 2;
        out = malloc(n);
        snprintf(out, n, "%s %s", s ? s : "", m ? m : "");
    }
    PQclear(r);
    return out;
}

START_TEST(test_sql_audit_log_is_append_only)
{
    /* a row of our own to try to change (row triggers only fire for rows that match) */
    PGconn *owner = it_db_owner();
    char *mark = it_unique("it-rls-audit");
    const char *mp[] = {mark};
    char *id = it_db_value_params(owner,
                                  "INSERT INTO audit_log (user_id, action, resource_type, "
                                  "outcome, team_id, request_id) VALUES ('"
                                  IT_USER_CLINICIAN_SLAGELSE "', 'read', 'resident', 'denied', '"
                                  IT_TEAM_SLAGELSE "', $1) RETURNING id",
                                  1, mp);
    ck_assert_ptr_nonnull(id);
    char update[256], delete[256];
    snprintf(update, sizeof update, "UPDATE audit_log SET outcome = 'allowed' WHERE id = %s", id);
    snprintf(delete, sizeof delete, "DELETE FROM audit_log WHERE id = %s", id);
    const char *changes[] = {update, delete, "TRUNCATE audit_log"};
    PGconn *c = it_db_app();
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
        /* as a manager, who may read the team's trail */
        ck_assert(begin_as(c, IT_USER_MANAGER_SLAGELSE, "region_manager", IT_TEAM_SLAGELSE,
                           "1"));
        char *e = sql_error(c, changes[i]);
        ck_assert_msg(e && strncmp(e, "42501", 5) == 0, "app role: %s gave %s", changes[i],
                      e ? e : "success");
        free(e);
        rollback(c);
    }
    /* nor can it write rows in someone else's name */
    ck_assert(begin_as(c, IT_USER_CLINICIAN_SLAGELSE, "region_clinician", IT_TEAM_SLAGELSE,
                       "1"));
    char *e = sql_error(c, "INSERT INTO audit_log (user_id, action, resource_type, outcome, "
                           "request_id) VALUES ('" IT_USER_MANAGER_SLAGELSE
                           "', 'read', 'resident', 'allowed', 'it-rls')");
    ck_assert_msg(e && strncmp(e, "42501", 5) == 0, "forged audit row: %s", e ? e : "accepted");
    free(e);
    rollback(c);
    PQfinish(c);

    /* even the owner cannot change history: the triggers refuse */
    char *before = it_db_value(owner, "SELECT count(*) FROM audit_log");
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
        PQclear(PQexec(owner, "BEGIN"));
        char *oe = sql_error(owner, changes[i]);
        ck_assert_msg(oe && strncmp(oe, "42501", 5) == 0 && strstr(oe, "append-only"),
                      "owner: %s gave %s", changes[i], oe ? oe : "success");
        free(oe);
        rollback(owner);
    }
    char *after = it_db_value(owner, "SELECT count(*) FROM audit_log");
    ck_assert_str_eq(before, after);
    const char *ip[] = {id};
    char *outcome = it_db_value_params(owner, "SELECT outcome FROM audit_log WHERE id = $1", 1,
                                       ip);
    ck_assert_str_eq(outcome, "denied");
    free(outcome);
    free(before);
    free(after);
    free(id);
    free(mark);
    PQfinish(owner);
}
END_TEST

START_TEST(test_sql_app_role_cannot_bypass_rls)
{
    PGconn *c = it_db_app();
    char *me = it_db_value(c, "SELECT current_user");
    ck_assert_str_eq(me, "samspil_app");
    free(me);
    char *v = it_db_value(c, "SELECT rolsuper::text || rolbypassrls::text || rolcreaterole::text "
                             "|| rolcreatedb::text FROM pg_roles WHERE rolname = current_user");
    ck_assert_str_eq(v, "falsefalsefalsefalse");
    free(v);
    ck_assert_int_eq(count(c, "SELECT count(*) FROM pg_class WHERE relowner = "
                              "(SELECT oid FROM pg_roles WHERE rolname = current_user)"),
                     0);
    ck_assert_int_eq(count(c, "SELECT count(*) FROM pg_tables WHERE tableowner = current_user"),
                     0);
    ck_assert_int_eq(count(c, "SELECT count(*) FROM pg_namespace WHERE nspowner = "
                              "(SELECT oid FROM pg_roles WHERE rolname = current_user)"),
                     0);
    ck_assert_int_eq(count(c, "SELECT count(*) FROM pg_auth_members WHERE member = "
                              "(SELECT oid FROM pg_roles WHERE rolname = current_user)"),
                     0);
    v = it_db_value(c, "SELECT has_schema_privilege('public', 'CREATE')::text");
    ck_assert_str_eq(v, "false");
    free(v);
    /* row_security cannot be switched off to read around the policies */
    PQclear(PQexec(c, "SET row_security = off"));
    char *e = sql_error(c, "SELECT count(*) FROM residents");
    ck_assert_msg(e != NULL, "with row_security off the app role read residents");
    free(e);
    /* the password hashes are not readable at all */
    e = sql_error(c, "SELECT password_hash FROM users");
    ck_assert_msg(e && strncmp(e, "42501", 5) == 0, "password_hash readable: %s",
                  e ? e : "yes");
    free(e);
    PQfinish(c);

    /* every table the application role can touch has row-level security, forced */
    PGconn *owner = it_db_owner();
    char *loose = it_db_value(
        owner, "SELECT coalesce(string_agg(c.relname, ', '), '') FROM pg_class c "
               "JOIN pg_namespace n ON n.oid = c.relnamespace "
               "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') "
               "  AND c.relname <> 'schema_migrations' "
               "  AND has_any_column_privilege('samspil_app', c.oid, 'SELECT, INSERT, UPDATE') "
               "  AND NOT (c.relrowsecurity AND c.relforcerowsecurity)");
    ck_assert_msg(loose && !*loose, "tables without forced row-level security: %s", loose);
    free(loose);
    /* and every SECURITY DEFINER function pins its search_path */
    char *unpinned = it_db_value(
        owner, "SELECT coalesce(string_agg(p.proname, ', '), '') FROM pg_proc p "
               "WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef "
               "  AND NOT coalesce(array_to_string(p.proconfig, ',') LIKE '%search_path=%', "
               "false)");
    ck_assert_msg(unpinned && !*unpinned, "SECURITY DEFINER without search_path: %s", unpinned);
    free(unpinned);
    PQfinish(owner);
}
END_TEST

/* ---- HTTP level ---- */

static json_t *list_all(const char *token, int limit, int *pages)
{
    json_t *all = json_array();
    char path[1024];
    snprintf(path, sizeof path, "/api/residents?limit=%d", limit);
    *pages = 0;
    for (;;) {
        it_response *r = it_request("GET", path, token, NULL, NULL);
        IT_ASSERT_STATUS(r, 200);
        json_t *items = json_object_get(r->json, "items");
        ck_assert(json_is_array(items));
        ck_assert_int_le(json_array_size(items), limit);
        json_array_extend(all, items);
        (*pages)++;
        ck_assert_int_lt(*pages, 50);
        json_t *next = json_object_get(r->json, "next");
        if (json_is_null(next)) {
            it_response_free(r);
            break;
        }
        ck_assert(json_is_string(next));
        ck_assert_int_eq(json_array_size(items), limit);
        snprintf(path, sizeof path, "/api/residents?limit=%d&cursor=%s", limit,
                 json_string_value(next));
        it_response_free(r);
    }
    return all;
}

static bool has_id(const json_t *items, const char *id)
{
    size_t i;
    const json_t *it;
    json_array_foreach(items, i, it)
        if (strcmp(json_string_value(json_object_get(it, "id")), id) == 0)
            return true;
    return false;
}

START_TEST(test_http_clinician_lists_and_pages_team)
{
    long team = residents_of("team_id", IT_TEAM_SLAGELSE);
    ck_assert_int_ge(team, 8);
    char *t = it_login("clinician@slagelse.demo");
    it_response *r = it_request("GET", "/api/residents?limit=200", t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    json_t *items = json_object_get(r->json, "items");
    ck_assert_int_eq(json_array_size(items), team);
    ck_assert(json_is_null(json_object_get(r->json, "next")));
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        ck_assert_str_eq(json_string_value(json_object_get(it, "team_id")), IT_TEAM_SLAGELSE);
        ck_assert_str_eq(json_string_value(json_object_get(it, "team_name")), "F-ACT Slagelse");
        ck_assert_ptr_nonnull(json_string_value(json_object_get(it, "name")));
    }
    ck_assert(has_id(items, IT_RESIDENT_ENGEN_1));
    ck_assert(!has_id(items, IT_RESIDENT_SKOVEN_1));

    /* paging by 3 gives the same residents in the same order: no duplicates, no gaps */
    int pages = 0;
    json_t *paged = list_all(t, 3, &pages);
    ck_assert_int_eq(pages, (team + 2) / 3);
    ck_assert_int_eq(json_array_size(paged), team);
    for (i = 0; i < (size_t)team; i++)
        ck_assert_str_eq(json_string_value(json_object_get(json_array_get(paged, i), "id")),
                         json_string_value(json_object_get(json_array_get(items, i), "id")));
    json_decref(paged);
    /* a page size that divides the list evenly ends without an empty page */
    paged = list_all(t, (int)team / 2, &pages);
    ck_assert_int_eq(pages, team % 2 ? 3 : 2);
    ck_assert_int_eq(json_array_size(paged), team);
    json_decref(paged);
    paged = list_all(t, 1, &pages);
    ck_assert_int_eq(pages, team);
    json_decref(paged);
    it_response_free(r);

    /* nonsense paging parameters are a 400, not a 500 or everything */
    const char *bad[] = {"/api/residents?limit=0", "/api/residents?limit=201",
                         "/api/residents?limit=3x", "/api/residents?cursor=%25%25",
                         "/api/residents?cursor=bm90LWEtY3Vyc29y"};
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = it_request("GET", bad[i], t, NULL, NULL);
        IT_ASSERT_PROBLEM(r, 400, "bad-query");
        it_response_free(r);
    }
    free(t);
}
END_TEST

START_TEST(test_http_facility_staff_sees_own_facility)
{
    char *t = it_login("staff@engen.demo");
    it_response *r = it_request("GET", "/api/residents?limit=200", t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    json_t *items = json_object_get(r->json, "items");
    ck_assert_int_eq(json_array_size(items), residents_of("facility_id", IT_FACILITY_ENGEN));
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
        ck_assert_str_eq(json_string_value(json_object_get(it, "facility_id")),
                         IT_FACILITY_ENGEN);
    it_response_free(r);
    free(t);

    t = it_login("staff@skoven.demo");
    r = it_request("GET", "/api/residents?limit=200", t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")),
                     residents_of("facility_id", IT_FACILITY_SKOVEN));
    ck_assert(!has_id(json_object_get(r->json, "items"), IT_RESIDENT_ENGEN_1));
    it_response_free(r);
    free(t);
}
END_TEST

/* The audit row written for the request that got r, as owner (NULL values when absent). */
typedef struct audit_row {
    char *user_id, *action, *resident_id, *team_id, *outcome, *resource_type;
    int rows;
} audit_row;

static audit_row audit_of(const it_response *r)
{
    audit_row a = {0};
    char *rid = it_header(r, "X-Request-Id");
    ck_assert_ptr_nonnull(rid);
    PGconn *owner = it_db_owner();
    const char *p[] = {rid};
    PGresult *res = PQexecParams(owner,
                                 "SELECT user_id, action, resident_id, team_id, outcome, "
                                 "resource_type FROM audit_log WHERE request_id = $1",
                                 1, NULL, p, NULL, NULL, 0);
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    a.rows = PQntuples(res);
    if (a.rows > 0) {
        char **f[] = {&a.user_id, &a.action, &a.resident_id, &a.team_id, &a.outcome,
                      &a.resource_type};
        for (int i = 0; i < 6; i++)
            *f[i] = PQgetisnull(res, 0, i) ? NULL : strdup(PQgetvalue(res, 0, i));
    }
    PQclear(res);
    PQfinish(owner);
    free(rid);
    return a;
}

static void audit_free(audit_row *a)
{
    free(a->user_id);
    free(a->action);
    free(a->resident_id);
    free(a->team_id);
    free(a->outcome);
    free(a->resource_type);
}

START_TEST(test_http_other_teams_resident_is_not_found_and_audited)
{
    char *t = it_login("clinician@slagelse.demo");
    it_response *r = it_request("GET", "/api/residents/" IT_RESIDENT_SKOVEN_1, t, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    ck_assert_ptr_null(strstr(r->body, "Ib Kjeldsen"));
    audit_row a = audit_of(r);
    ck_assert_int_eq(a.rows, 1);
    ck_assert_str_eq(a.user_id, IT_USER_CLINICIAN_SLAGELSE);
    ck_assert_str_eq(a.action, "read");
    ck_assert_str_eq(a.resident_id, IT_RESIDENT_SKOVEN_1);
    ck_assert_str_eq(a.outcome, "denied");
    /* filed under the resident's own team, so its managers see who tried */
    ck_assert_ptr_nonnull(a.team_id);
    ck_assert_str_eq(a.team_id, IT_TEAM_HOLBAEK);
    audit_free(&a);

    /* the same answer as for a resident that does not exist at all */
    it_response *none =
        it_request("GET", "/api/residents/40000000-0000-4000-8000-0000000000ff", t, NULL, NULL);
    IT_ASSERT_PROBLEM(none, 404, "not-found");
    json_object_del(r->json, "request_id");
    json_object_del(none->json, "request_id");
    ck_assert(json_equal(r->json, none->json));
    it_response_free(none);
    it_response_free(r);

    /* and one of the team's own residents is readable, and audited as allowed */
    r = it_request("GET", "/api/residents/" IT_RESIDENT_ENGEN_1, t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "id"), IT_RESIDENT_ENGEN_1);
    ck_assert_str_eq(it_json_str(r, "name"), "Anders Bjerregaard");
    a = audit_of(r);
    ck_assert_int_eq(a.rows, 1);
    ck_assert_str_eq(a.outcome, "allowed");
    audit_free(&a);
    it_response_free(r);

    /* not an id at all */
    r = it_request("GET", "/api/residents/../users", t, NULL, NULL);
    ck_assert_int_ne(r->status, 200);
    it_response_free(r);
    r = it_request("GET", "/api/residents/not-a-uuid", t, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    it_response_free(r);
    free(t);
}
END_TEST

START_TEST(test_http_admin_gets_no_resident_data)
{
    char *t = it_login("admin@samspil.demo");
    it_response *r = it_request("GET", "/api/residents", t, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 403, "forbidden");
    audit_row a = audit_of(r);
    ck_assert_int_eq(a.rows, 1);
    ck_assert_str_eq(a.user_id, IT_USER_ADMIN);
    ck_assert_str_eq(a.outcome, "denied");
    audit_free(&a);
    it_response_free(r);

    r = it_request("GET", "/api/residents/" IT_RESIDENT_ENGEN_1, t, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 403, "forbidden");
    ck_assert_ptr_null(strstr(r->body, "Anders"));
    a = audit_of(r);
    ck_assert_int_eq(a.rows, 1);
    ck_assert_str_eq(a.resident_id, IT_RESIDENT_ENGEN_1);
    ck_assert_str_eq(a.outcome, "denied");
    ck_assert_str_eq(a.team_id, IT_TEAM_SLAGELSE);
    audit_free(&a);
    it_response_free(r);
    free(t);
}
END_TEST

int main(void)
{
    it_server_start(NULL);
    Suite *s = suite_create("rls");
    TCase *sql = tcase_create("sql");
    tcase_set_timeout(sql, 60);
    tcase_add_test(sql, test_sql_facility_staff_sees_own_facility_only);
    tcase_add_test(sql, test_sql_clinician_sees_own_team_only);
    tcase_add_test(sql, test_sql_admin_and_nobody_see_no_residents);
    tcase_add_test(sql, test_sql_app_begin_refuses_stale_identities);
    tcase_add_test(sql, test_sql_audit_log_is_append_only);
    tcase_add_test(sql, test_sql_app_role_cannot_bypass_rls);
    suite_add_tcase(s, sql);
    TCase *http = tcase_create("http");
    tcase_set_timeout(http, 60);
    tcase_add_test(http, test_http_clinician_lists_and_pages_team);
    tcase_add_test(http, test_http_facility_staff_sees_own_facility);
    tcase_add_test(http, test_http_other_teams_resident_is_not_found_and_audited);
    tcase_add_test(http, test_http_admin_gets_no_resident_data);
    suite_add_tcase(s, http);
    return it_run_suite(s);
}
