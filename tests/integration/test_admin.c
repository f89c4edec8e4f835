/*
 * Administration: organisations and accounts, as an administrator sees it (created,
 * listed, changed, with every validation problem named) and as a reviewer checks it (only
 * admins may, retried POSTs do not create twice, and admins never see resident data).
 * Every test creates its own rows with unique names and e-mails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it_check.h"
#include "json.h"

#define OPS_ORG "10000000-0000-4000-8000-000000000099"

static char *admin;

static void setup(void)
{
    admin = it_login("admin@samspil.demo");
    ck_assert_ptr_nonnull(admin);
}

static void teardown(void)
{
    free(admin);
}

static char *dumps(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

static char *unique_email(void)
{
    char *local = it_unique("it-admin");
    char *out = malloc(strlen(local) + 16);
    sprintf(out, "%s@test.demo", local);
    free(local);
    return out;
}

static char *user_body(const char *email, const char *role, const char *org,
                       const char *password)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "email", email, "name", "Ny Medarbejder",
                          "role", role, "org_id", org);
    if (password)
        json_object_set_new(o, "password", json_string(password));
    return dumps(o);
}

static long owner_count(const char *sql, const char *param)
{
    PGconn *db = it_db_owner();
    const char *p[] = {param};
    char *v = it_db_value_params(db, sql, 1, p);
    ck_assert_ptr_nonnull(v);
    long n = strtol(v, NULL, 10);
    free(v);
    PQfinish(db);
    return n;
}

START_TEST(test_create_organisations)
{
    char *name = it_unique("Botilbuddet Test");
    char *body = dumps(json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", "facility", "name", name,
                                 "address", "Testvej 1, 4200 Slagelse", "authority",
                                 "Slagelse Kommune", "serving_team_id", IT_TEAM_SLAGELSE));
    it_response *r = it_request("POST", "/api/organizations", admin, body, NULL);
    IT_ASSERT_STATUS(r, 201);
    const char *id = it_json_str(r, "id");
    ck_assert_ptr_nonnull(id);
    ck_assert_str_eq(it_json_str(r, "name"), name);
    ck_assert_str_eq(it_json_str(r, "kind"), "facility");
    ck_assert_str_eq(it_json_str(r, "serving_team_id"), IT_TEAM_SLAGELSE);
    char *loc = it_header(r, "Location");
    char want[128];
    snprintf(want, sizeof want, "/api/organizations/%s", id);
    ck_assert_ptr_nonnull(loc);
    ck_assert_str_eq(loc, want);
    /* the Location names the new organisation */
    it_response *got = it_request("GET", loc, admin, NULL, NULL);
    IT_ASSERT_STATUS(got, 200);
    ck_assert_str_eq(it_json_str(got, "name"), name);
    it_response_free(got);
    free(loc);
    ck_assert_int_eq(owner_count("SELECT count(*) FROM organizations WHERE name = $1", name), 1);
    it_response_free(r);

    /* the same kind and name again is a conflict */
    r = it_request("POST", "/api/organizations", admin, body, NULL);
    IT_ASSERT_PROBLEM(r, 409, "conflict");
    it_response_free(r);

    /* a team; teams are served by nobody */
    char *team = it_unique("F-ACT Test");
    char *tb = dumps(json_pack("{s:s, s:s, s:s}", "kind", "team", "name", team, "authority",
                               "Region Sjælland"));
    r = it_request("POST", "/api/organizations", admin, tb, NULL);
    IT_ASSERT_STATUS(r, 201);
    ck_assert(json_is_null(json_object_get(r->json, "serving_team_id")));
    it_response_free(r);
    char *tb2 = dumps(json_pack("{s:s, s:s, s:s, s:s}", "kind", "team", "name", team, "authority",
                                "Region Sjælland", "serving_team_id", IT_TEAM_SLAGELSE));
    r = it_request("POST", "/api/organizations", admin, tb2, NULL);
    IT_ASSERT_PROBLEM(r, 422, NULL);
    ck_assert(it_problem_has_field(r, "serving_team_id"));
    it_response_free(r);

    /* a facility must be served by a team, not by another facility */
    char *fb = dumps(json_pack("{s:s, s:s, s:s, s:s}", "kind", "facility", "name", team,
                               "authority", "Holbæk Kommune", "serving_team_id",
                               IT_FACILITY_ENGEN));
    r = it_request("POST", "/api/organizations", admin, fb, NULL);
    IT_ASSERT_PROBLEM(r, 422, NULL);
    ck_assert(it_problem_has_field(r, "serving_team_id"));
    it_response_free(r);

    /* every missing or wrong field is named */
    r = it_request("POST", "/api/organizations", admin, "{\"kind\":\"castle\",\"name\":\"\"}",
                   NULL);
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    ck_assert(it_problem_has_field(r, "kind"));
    ck_assert(it_problem_has_field(r, "name"));
    ck_assert(it_problem_has_field(r, "authority"));
    it_response_free(r);

    free(fb);
    free(tb2);
    free(tb);
    free(team);
    free(body);
    free(name);
}
END_TEST

START_TEST(test_list_organisations)
{
    it_response *r = it_request("GET", "/api/organizations?limit=200", admin, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    json_t *items = json_object_get(r->json, "items");
    bool engen = false, slagelse = false;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        const char *id = json_string_value(json_object_get(it, "id"));
        engen |= strcmp(id, IT_FACILITY_ENGEN) == 0;
        slagelse |= strcmp(id, IT_TEAM_SLAGELSE) == 0;
    }
    ck_assert(engen && slagelse);
    it_response_free(r);
}
END_TEST

START_TEST(test_create_user)
{
    char *email = unique_email();
    char *upper = strdup(email);
    for (char *p = upper; *p && *p != '@'; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    char *body = user_body(upper, "facility_staff", IT_FACILITY_SKOVEN, "a-good-password");
    it_response *r = it_request("POST", "/api/users", admin, body, NULL);
    IT_ASSERT_STATUS(r, 201);
    const char *id = it_json_str(r, "id");
    ck_assert_ptr_nonnull(id);
    ck_assert_str_eq(it_json_str(r, "email"), email); /* stored in lower case */
    ck_assert_str_eq(it_json_str(r, "role"), "facility_staff");
    ck_assert_msg(json_is_timestamp(it_json_str(r, "created_at")), "created_at %s is not RFC 3339",
                  it_json_str(r, "created_at"));
    ck_assert_str_eq(it_json_str(r, "org_id"), IT_FACILITY_SKOVEN);
    ck_assert(json_is_true(json_object_get(r->json, "active")));
    ck_assert_ptr_null(json_object_get(r->json, "password"));
    ck_assert_ptr_null(json_object_get(r->json, "password_hash"));
    ck_assert_ptr_null(strstr(r->body, "a-good-password"));
    ck_assert_ptr_null(strstr(r->body, "argon2"));
    char *loc = it_header(r, "Location");
    char want[128];
    snprintf(want, sizeof want, "/api/users/%s", id);
    ck_assert_ptr_nonnull(loc);
    ck_assert_str_eq(loc, want);
    /* the Location names the new account, still without any password material */
    it_response *got = it_request("GET", loc, admin, NULL, NULL);
    IT_ASSERT_STATUS(got, 200);
    ck_assert_str_eq(it_json_str(got, "email"), email);
    ck_assert_ptr_null(strstr(got->body, "argon2"));
    it_response_free(got);
    free(loc);

    /* the password is stored hashed, and works */
    PGconn *db = it_db_owner();
    const char *p[] = {id};
    char *hash = it_db_value_params(db, "SELECT password_hash FROM users WHERE id = $1", 1, p);
    ck_assert_ptr_nonnull(hash);
    ck_assert_msg(strncmp(hash, "$argon2id$", 10) == 0, "hash %.12s...", hash);
    free(hash);
    PQfinish(db);
    char *t = it_login_as(email, "a-good-password");
    ck_assert_ptr_nonnull(t);
    free(t);
    it_response_free(r);

    /* the same address again, in any case, is a conflict */
    r = it_request("POST", "/api/users", admin, body, NULL);
    IT_ASSERT_PROBLEM(r, 409, "conflict");
    it_response_free(r);
    char *lower = user_body(email, "region_clinician", IT_TEAM_HOLBAEK, NULL);
    r = it_request("POST", "/api/users", admin, lower, NULL);
    IT_ASSERT_PROBLEM(r, 409, "conflict");
    it_response_free(r);
    ck_assert_int_eq(owner_count("SELECT count(*) FROM users WHERE email = $1", email), 1);

    free(lower);
    free(body);
    free(upper);
    free(email);
}
END_TEST

START_TEST(test_role_must_fit_organisation)
{
    struct {
        const char *role, *org;
    } wrong[] = {
        {"region_clinician", IT_FACILITY_ENGEN},
        {"region_manager", IT_FACILITY_SKOVEN},
        {"facility_staff", IT_TEAM_SLAGELSE},
        {"facility_manager", OPS_ORG},
        {"facility_staff", "20000000-0000-4000-8000-0000000000ff"}, /* no such organisation */
    };
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        char *email = unique_email();
        char *body = user_body(email, wrong[i].role, wrong[i].org, NULL);
        it_response *r = it_request("POST", "/api/users", admin, body, NULL);
        IT_ASSERT_PROBLEM(r, 422, NULL);
        ck_assert_msg(it_problem_has_field(r, "org_id"), "%s in %s: %s", wrong[i].role,
                      wrong[i].org, r->body);
        /* the database's words, never its internals */
        ck_assert_ptr_null(strstr(r->body, "users_role_fits_org"));
        ck_assert_ptr_null(strstr(r->body, "SQL"));
        ck_assert_int_eq(owner_count("SELECT count(*) FROM users WHERE email = $1", email), 0);
        it_response_free(r);
        free(body);
        free(email);
    }
    /* moving an existing account into an organisation of the wrong kind is refused too */
    char *id = it_create_user(admin, "region_clinician", IT_TEAM_SLAGELSE, NULL, NULL);
    char path[128];
    snprintf(path, sizeof path, "/api/users/%s", id);
    it_response *r = it_request("PATCH", path, admin, "{\"org_id\":\"" IT_FACILITY_ENGEN "\"}",
                                NULL);
    IT_ASSERT_PROBLEM(r, 422, NULL);
    ck_assert(it_problem_has_field(r, "org_id"));
    it_response_free(r);
    free(id);
}
END_TEST

START_TEST(test_validation_names_fields)
{
    it_response *r = it_request("POST", "/api/users", admin,
                                "{\"email\":\"not-an-email\",\"name\":\"\",\"role\":\"king\","
                                "\"org_id\":\"engen\",\"colour\":\"blue\"}",
                                NULL);
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    const char *fields[] = {"email", "name", "role", "org_id", "colour"};
    for (size_t i = 0; i < 5; i++)
        ck_assert_msg(it_problem_has_field(r, fields[i]), "%s not named: %s", fields[i],
                      r->body);
    it_response_free(r);

    char *email = unique_email();
    char *body = user_body(email, "facility_staff", IT_FACILITY_ENGEN, "short");
    r = it_request("POST", "/api/users", admin, body, NULL);
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    ck_assert(it_problem_has_field(r, "password"));
    it_response_free(r);
    free(body);

    char long_name[260];
    memset(long_name, 'x', 250);
    long_name[250] = '\0';
    body = dumps(json_pack("{s:s, s:s, s:s, s:s}", "email", email, "name", long_name, "role",
                           "facility_staff", "org_id", IT_FACILITY_ENGEN));
    r = it_request("POST", "/api/users", admin, body, NULL);
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    ck_assert(it_problem_has_field(r, "name"));
    it_response_free(r);
    ck_assert_int_eq(owner_count("SELECT count(*) FROM users WHERE email = $1", email), 0);
    free(body);
    free(email);
}
END_TEST

START_TEST(test_only_admins_administer)
{
    const char *who[] = {"clinician@slagelse.demo", "manager@slagelse.demo", "staff@engen.demo",
                         "manager@engen.demo"};
    char *email = unique_email();
    char *body = user_body(email, "facility_staff", IT_FACILITY_ENGEN, "a-good-password");
    char *org = dumps(json_pack("{s:s, s:s, s:s}", "kind", "team", "name", email, "authority",
                                "Region Sjælland"));
    for (size_t i = 0; i < 4; i++) {
        char *t = it_login(who[i]);
        struct {
            const char *method, *path, *body;
        } calls[] = {
            {"GET", "/api/users", NULL},
            {"POST", "/api/users", body},
            {"PATCH", "/api/users/" IT_USER_ADMIN, "{\"active\":false}"},
            {"GET", "/api/organizations", NULL},
            {"POST", "/api/organizations", org},
        };
        for (size_t k = 0; k < sizeof calls / sizeof calls[0]; k++) {
            it_response *r = it_request(calls[k].method, calls[k].path, t, calls[k].body, NULL);
            ck_assert_msg(r->status == 403, "%s: %s %s gave %ld", who[i], calls[k].method,
                          calls[k].path, r->status);
            IT_ASSERT_PROBLEM(r, 403, "forbidden");
            it_response_free(r);
        }
        free(t);
    }
    ck_assert_int_eq(owner_count("SELECT count(*) FROM users WHERE email = $1", email), 0);
    ck_assert_int_eq(owner_count("SELECT count(*) FROM organizations WHERE name = $1", email), 0);
    char *active = NULL;
    PGconn *db = it_db_owner();
    active = it_db_value(db, "SELECT active::text FROM users WHERE id = '" IT_USER_ADMIN "'");
    ck_assert_str_eq(active, "true");
    free(active);
    PQfinish(db);
    free(org);
    free(body);
    free(email);
}
END_TEST

START_TEST(test_idempotency_key)
{
    char *email = unique_email();
    char *key = it_unique("idem");
    char kh[300];
    snprintf(kh, sizeof kh, "Idempotency-Key: %s", key);
    const char *h[] = {kh, NULL};
    char *body = user_body(email, "region_clinician", IT_TEAM_HOLBAEK, NULL);

    it_response *first = it_request("POST", "/api/users", admin, body, h);
    IT_ASSERT_STATUS(first, 201);
    it_response *again = it_request("POST", "/api/users", admin, body, h);
    IT_ASSERT_STATUS(again, 201);
    ck_assert_msg(json_equal(first->json, again->json), "replay differs: %s vs %s", first->body,
                  again->body);
    char *replayed = it_header(again, "Idempotent-Replayed");
    ck_assert_ptr_nonnull(replayed);
    ck_assert_str_eq(replayed, "true");
    free(replayed);
    char *l1 = it_header(first, "Location"), *l2 = it_header(again, "Location");
    ck_assert_ptr_nonnull(l1);
    ck_assert_msg(l2 != NULL, "the replayed 201 lacks its Location");
    ck_assert_str_eq(l1, l2);
    free(l1);
    free(l2);
    ck_assert_int_eq(owner_count("SELECT count(*) FROM users WHERE email = $1", email), 1);

    /* the same key for a different request is refused, and creates nothing */
    char *email2 = unique_email();
    char *body2 = user_body(email2, "region_clinician", IT_TEAM_HOLBAEK, NULL);
    it_response *other = it_request("POST", "/api/users", admin, body2, h);
    IT_ASSERT_PROBLEM(other, 422, "idempotency-key-reused");
    ck_assert_int_eq(owner_count("SELECT count(*) FROM users WHERE email = $1", email2), 0);
    /* also on another route */
    char *org = dumps(json_pack("{s:s, s:s, s:s}", "kind", "team", "name", email2, "authority",
                                "Region Sjælland"));
    it_response *other_route = it_request("POST", "/api/organizations", admin, org, h);
    IT_ASSERT_PROBLEM(other_route, 422, "idempotency-key-reused");

    /* without the key the same body is simply a second attempt: a conflict */
    it_response *nokey = it_request("POST", "/api/users", admin, body, NULL);
    IT_ASSERT_PROBLEM(nokey, 409, "conflict");

    /* a key must be sensible */
    char longkey[300] = "Idempotency-Key: ";
    memset(longkey + strlen(longkey), 'k', 201);
    const char *lh[] = {longkey, NULL};
    it_response *bad = it_request("POST", "/api/users", admin, body2, lh);
    IT_ASSERT_PROBLEM(bad, 400, NULL);
    ck_assert_int_eq(owner_count("SELECT count(*) FROM users WHERE email = $1", email2), 0);

    it_response_free(bad);
    it_response_free(nokey);
    it_response_free(other_route);
    it_response_free(other);
    it_response_free(again);
    it_response_free(first);
    free(org);
    free(body2);
    free(email2);
    free(body);
    free(key);
    free(email);
}
END_TEST

START_TEST(test_list_users_paged)
{
    /* a few accounts of our own so there is something to page through */
    for (int i = 0; i < 3; i++) {
        char *id = it_create_user(admin, "facility_staff", IT_FACILITY_ENGEN, NULL, NULL);
        free(id);
    }
    PGconn *db = it_db_owner();
    char *total = it_db_value(db, "SELECT count(*) FROM users");
    long n_total = strtol(total, NULL, 10);
    free(total);
    PQfinish(db);

    json_t *seen = json_object();
    char path[1024] = "/api/users?limit=2";
    int pages = 0;
    const char *prev_name = NULL;
    json_t *prev = NULL;
    for (;;) {
        it_response *r = it_request("GET", path, admin, NULL, NULL);
        IT_ASSERT_STATUS(r, 200);
        json_t *items = json_object_get(r->json, "items");
        ck_assert_int_le(json_array_size(items), 2);
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it) {
            const char *id = json_string_value(json_object_get(it, "id"));
            const char *name = json_string_value(json_object_get(it, "name"));
            ck_assert_msg(!json_object_get(seen, id), "user %s listed twice", id);
            json_object_set_new(seen, id, json_true());
            ck_assert_ptr_null(json_object_get(it, "password_hash"));
            if (prev_name)
                ck_assert_msg(strcmp(prev_name, name) <= 0, "not sorted by name: %s, %s",
                              prev_name, name);
            json_decref(prev);
            prev = json_incref(it);
            prev_name = name;
        }
        pages++;
        ck_assert_int_lt(pages, 10000);
        json_t *next = json_object_get(r->json, "next");
        if (json_is_null(next)) {
            it_response_free(r);
            break;
        }
        snprintf(path, sizeof path, "/api/users?limit=2&cursor=%s", json_string_value(next));
        it_response_free(r);
    }
    json_decref(prev);
    ck_assert_int_eq((long)json_object_size(seen), n_total);
    ck_assert_int_ge(pages, (int)((n_total + 1) / 2));
    json_decref(seen);

    /* filtered by organisation */
    it_response *r = it_request("GET", "/api/users?limit=200&org_id=" IT_FACILITY_ENGEN, admin,
                                NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r->json, "items"), i, it)
        ck_assert_str_eq(json_string_value(json_object_get(it, "org_id")), IT_FACILITY_ENGEN);
    ck_assert_int_ge(json_array_size(json_object_get(r->json, "items")), 5);
    it_response_free(r);
    r = it_request("GET", "/api/users?org_id=engen", admin, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 400, "bad-query");
    ck_assert(it_problem_has_field(r, "org_id"));
    it_response_free(r);
}
END_TEST

START_TEST(test_change_accounts)
{
    char *id = it_create_user(admin, "region_clinician", IT_TEAM_SLAGELSE, NULL, NULL);
    char path[128];
    snprintf(path, sizeof path, "/api/users/%s", id);
    it_response *r = it_request("PATCH", path, admin, "{\"name\":\"Omdøbt Person\"}", NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "name"), "Omdøbt Person");
    ck_assert_str_eq(it_json_str(r, "role"), "region_clinician");
    it_response_free(r);
    r = it_request("PATCH", path, admin,
                   "{\"role\":\"region_manager\",\"org_id\":\"" IT_TEAM_HOLBAEK "\"}", NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "role"), "region_manager");
    ck_assert_str_eq(it_json_str(r, "org_id"), IT_TEAM_HOLBAEK);
    it_response_free(r);

    r = it_request("PATCH", path, admin, "{}", NULL);
    IT_ASSERT_PROBLEM(r, 422, NULL);
    it_response_free(r);
    r = it_request("PATCH", path, admin, "{\"email\":\"new@test.demo\"}", NULL);
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    ck_assert(it_problem_has_field(r, "email"));
    it_response_free(r);
    r = it_request("PATCH", "/api/users/30000000-0000-4000-8000-0000000000ab", admin,
                   "{\"name\":\"Nobody\"}", NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    it_response_free(r);
    r = it_request("PATCH", "/api/users/not-a-uuid", admin, "{\"name\":\"Nobody\"}", NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    it_response_free(r);

    /* administrators cannot lock themselves out */
    r = it_request("PATCH", "/api/users/" IT_USER_ADMIN, admin, "{\"active\":false}", NULL);
    IT_ASSERT_PROBLEM(r, 422, "cannot-change-own-account");
    it_response_free(r);
    r = it_request("PATCH", "/api/users/" IT_USER_ADMIN, admin, "{\"role\":\"region_manager\"}",
                   NULL);
    IT_ASSERT_PROBLEM(r, 422, "cannot-change-own-account");
    it_response_free(r);
    free(id);
}
END_TEST

START_TEST(test_admin_gets_no_resident_data)
{
    const char *paths[] = {"/api/residents", "/api/residents/" IT_RESIDENT_ENGEN_1,
                           "/api/audit?resident_id=" IT_RESIDENT_ENGEN_1};
    for (size_t i = 0; i < 3; i++) {
        it_response *r = it_request("GET", paths[i], admin, NULL, NULL);
        IT_ASSERT_PROBLEM(r, 403, "forbidden");
        ck_assert_ptr_null(strstr(r->body, "Anders"));
        it_response_free(r);
    }
}
END_TEST

START_TEST(test_colleagues_of_own_and_partner_organisations)
{
    /* an inactive account at Engen is not offered as a colleague */
    char *gone = it_create_user(admin, "facility_staff", IT_FACILITY_ENGEN, NULL, NULL);
    char path[128];
    snprintf(path, sizeof path, "/api/users/%s", gone);
    it_response *r = it_request("PATCH", path, admin, "{\"active\":false}", NULL);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);

    /* the clinician of Slagelse sees its team and Engen (the facility it serves), never
     * Holbæk or Skoven, no administrators and no e-mail addresses */
    char *t = it_login("clinician@slagelse.demo");
    r = it_request("GET", "/api/colleagues?limit=200", t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    json_t *items = json_object_get(r->json, "items");
    bool staff_engen = false, manager_slagelse = false;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        const char *id = json_string_value(json_object_get(it, "id"));
        const char *org = json_string_value(json_object_get(it, "org_id"));
        ck_assert_msg(strcmp(org, IT_TEAM_SLAGELSE) == 0 || strcmp(org, IT_FACILITY_ENGEN) == 0,
                      "colleague %s of another organisation %s", id, org);
        ck_assert_str_ne(id, gone);
        ck_assert_str_ne(json_string_value(json_object_get(it, "role")), "admin");
        ck_assert_ptr_null(json_object_get(it, "email"));
        ck_assert_ptr_nonnull(json_string_value(json_object_get(it, "name")));
        ck_assert_str_eq(json_string_value(json_object_get(it, "org_name")),
                         strcmp(org, IT_TEAM_SLAGELSE) == 0 ? "F-ACT Slagelse"
                                                            : "Botilbuddet Engen");
        staff_engen = staff_engen || strcmp(id, IT_USER_STAFF_ENGEN) == 0;
        manager_slagelse = manager_slagelse || strcmp(id, IT_USER_MANAGER_SLAGELSE) == 0;
    }
    ck_assert(staff_engen);
    ck_assert(manager_slagelse);
    ck_assert(json_is_null(json_object_get(r->json, "next")));
    it_response_free(r);

    /* narrowed to the facility: its staff only; another pair's facility: nobody */
    r = it_request("GET", "/api/colleagues?org_id=" IT_FACILITY_ENGEN, t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_int_ge(json_array_size(json_object_get(r->json, "items")), 2);
    json_array_foreach(json_object_get(r->json, "items"), i, it)
        ck_assert_str_eq(json_string_value(json_object_get(it, "org_id")), IT_FACILITY_ENGEN);
    it_response_free(r);
    r = it_request("GET", "/api/colleagues?org_id=" IT_FACILITY_SKOVEN, t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 0);
    it_response_free(r);
    r = it_request("GET", "/api/colleagues?org_id=engen", t, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 400, "bad-query");
    ck_assert(it_problem_has_field(r, "org_id"));
    it_response_free(r);

    /* paged by name */
    r = it_request("GET", "/api/colleagues?limit=1", t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
    ck_assert(json_is_string(json_object_get(r->json, "next")));
    it_response_free(r);
    free(t);

    /* the facility's staff see the team serving them */
    t = it_login("staff@skoven.demo");
    r = it_request("GET", "/api/colleagues?org_id=" IT_TEAM_HOLBAEK, t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    bool clinician = false;
    json_array_foreach(json_object_get(r->json, "items"), i, it)
        clinician = clinician || strcmp(json_string_value(json_object_get(it, "id")),
                                        IT_USER_CLINICIAN_HOLBAEK) == 0;
    ck_assert(clinician);
    it_response_free(r);
    free(t);

    /* administrators manage accounts through /api/users, not this */
    r = it_request("GET", "/api/colleagues", admin, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 403, "forbidden");
    it_response_free(r);
    r = it_request("GET", "/api/colleagues", NULL, NULL, NULL);
    ck_assert_int_eq(r->status, 401);
    it_response_free(r);
    free(gone);
}
END_TEST

int main(void)
{
    it_server_start(NULL);
    Suite *s = suite_create("admin");
    TCase *tc = tcase_create("admin");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_create_organisations);
    tcase_add_test(tc, test_list_organisations);
    tcase_add_test(tc, test_create_user);
    tcase_add_test(tc, test_role_must_fit_organisation);
    tcase_add_test(tc, test_validation_names_fields);
    tcase_add_test(tc, test_only_admins_administer);
    tcase_add_test(tc, test_idempotency_key);
    tcase_add_test(tc, test_list_users_paged);
    tcase_add_test(tc, test_change_accounts);
    tcase_add_test(tc, test_admin_gets_no_resident_data);
    tcase_add_test(tc, test_colleagues_of_own_and_partner_organisations);
    suite_add_tcase(s, tc);
    return it_run_suite(s);
}
