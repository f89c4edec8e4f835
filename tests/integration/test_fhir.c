/*
 * The FHIR R4 read API (server/fhir.c) as a region clinician, a facility user and an admin
 * meet it: the same residents as on their screens (the admin none), the clinical note only
 * for the region, a shared summary for the facility only with consent in force (also in
 * $everything), paging with _count and next links, every KIP version through _history,
 * forced admissions marked, audit rows for every read of resident data, and errors as
 * OperationOutcome with the right status. Last, everything the server produces is validated
 * against the official FHIR R4 definitions (tests/fhir/validate.mjs, two validators), and
 * that validator is shown to reject broken resources.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "it_check.h"

#define RESIDENT(n) "40000000-0000-4000-8000-00000000000" #n
#define EXT_NOTE "urn:samspil:fhir:StructureDefinition:clinical-note"
#define EXT_SUMMARY "urn:samspil:fhir:StructureDefinition:shared-summary"

/* GET with an optional X-Access-Purpose. */
static it_response *fget(const char *path, const char *token, const char *purpose)
{
    char h[256];
    snprintf(h, sizeof h, "X-Access-Purpose: %s", purpose ? purpose : "");
    const char *headers[] = {"Accept: application/fhir+json", purpose ? h : NULL, NULL};
    return it_request("GET", path, token, NULL, headers);
}

static void assert_fhir_type(const it_response *r)
{
    char *ct = it_header(r, "Content-Type");
    ck_assert_msg(ct && strncmp(ct, "application/fhir+json", 21) == 0, "Content-Type %s",
                  ct ? ct : "(none)");
    free(ct);
}

/* r is an OperationOutcome with this status whose first issue has this code (and names
 * expression, unless NULL). */
static void assert_outcome(const it_response *r, long status, const char *code,
                           const char *expression)
{
    IT_ASSERT_STATUS(r, status);
    assert_fhir_type(r);
    ck_assert_ptr_nonnull(r->json);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "resourceType")),
                     "OperationOutcome");
    json_t *issue = json_array_get(json_object_get(r->json, "issue"), 0);
    ck_assert_ptr_nonnull(issue);
    ck_assert_str_eq(json_string_value(json_object_get(issue, "severity")), "error");
    ck_assert_str_eq(json_string_value(json_object_get(issue, "code")), code);
    ck_assert_ptr_nonnull(json_string_value(json_object_get(issue, "diagnostics")));
    if (expression)
        ck_assert_str_eq(json_string_value(json_array_get(json_object_get(issue, "expression"), 0)),
                         expression);
}

/* A searchset Bundle answered 200; its entries. */
static json_t *bundle_entries(const it_response *r)
{
    IT_ASSERT_STATUS(r, 200);
    assert_fhir_type(r);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "resourceType")), "Bundle");
    json_t *e = json_object_get(r->json, "entry");
    ck_assert_msg(json_is_array(e), "no entry array");
    return e;
}

static json_t *entry_resource(const it_response *r, size_t i)
{
    return json_object_get(json_array_get(bundle_entries(r), i), "resource");
}

/* The next link's path and query (the origin cut off), malloc'd, or NULL. */
static char *next_path(const it_response *r)
{
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(r->json, "link"), i, l) {
        if (strcmp(json_string_value(json_object_get(l, "relation")), "next") == 0) {
            const char *url = json_string_value(json_object_get(l, "url"));
            const char *p = strstr(url, "/fhir/");
            ck_assert_ptr_nonnull(p);
            return strdup(p);
        }
    }
    return NULL;
}

/* The value of an extension of a resource, or NULL. */
static const char *extension(const json_t *res, const char *url)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(res, "extension"), i, e)
        if (strcmp(json_string_value(json_object_get(e, "url")), url) == 0)
            return json_string_value(json_object_get(e, "valueMarkdown"));
    return NULL;
}

/* How many entries of a Bundle are of a resource type. */
static int count_type(const it_response *r, const char *type)
{
    int n = 0;
    size_t i;
    json_t *e;
    json_array_foreach(bundle_entries(r), i, e)
        n += strcmp(json_string_value(json_object_get(json_object_get(e, "resource"),
                                                      "resourceType")), type) == 0;
    return n;
}

static long audit_rows(const char *purpose, const char *resource_type, const char *resident)
{
    PGconn *db = it_db_owner();
    const char *p[] = {purpose, resource_type, resident};
    char *v = it_db_value_params(db,
                                 "SELECT count(*) FROM audit_log WHERE purpose = $1 "
                                 "AND resource_type = $2 AND outcome = 'allowed' "
                                 "AND (resident_id = $3::uuid OR resident_ids @> ARRAY[$3::uuid])",
                                 3, p);
    long n = v ? strtol(v, NULL, 10) : -1;
    free(v);
    PQfinish(db);
    return n;
}

START_TEST(test_metadata_is_public_and_describes_the_api)
{
    it_response *r = fget("/fhir/metadata", NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    assert_fhir_type(r);
    ck_assert_str_eq(it_json_str(r, "resourceType"), "CapabilityStatement");
    ck_assert_str_eq(it_json_str(r, "fhirVersion"), "4.0.1");
    json_t *resources = json_object_get(json_array_get(json_object_get(r->json, "rest"), 0),
                                        "resource");
    const char *want[] = {"Patient", "Organization", "Practitioner", "PractitionerRole",
                          "CarePlan", "Consent", "Encounter", "EpisodeOfCare"};
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
        bool found = false;
        size_t i;
        json_t *res;
        json_array_foreach(resources, i, res)
            found = found || strcmp(json_string_value(json_object_get(res, "type")), want[w]) == 0;
        ck_assert_msg(found, "%s missing from the CapabilityStatement", want[w]);
    }
    it_response_free(r);
}
END_TEST

START_TEST(test_unauthenticated_and_admin)
{
    /* no token: 401 as an OperationOutcome, while the regular API keeps problem+json */
    it_response *r = fget("/fhir/Patient", NULL, NULL);
    assert_outcome(r, 401, "login", NULL);
    it_response_free(r);
    r = it_request("GET", "/api/residents", NULL, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 401, NULL);
    it_response_free(r);

    /* the admin: no resident data (403, audited as refused), but organisations */
    char *admin = it_login("admin@samspil.demo");
    const char *resident_paths[] = {"/fhir/Patient", "/fhir/Patient/" RESIDENT(1),
                                    "/fhir/Patient/" RESIDENT(1) "/$everything",
                                    "/fhir/Encounter", "/fhir/Consent", "/fhir/CarePlan",
                                    "/fhir/EpisodeOfCare"};
    for (size_t i = 0; i < sizeof resident_paths / sizeof resident_paths[0]; i++) {
        r = fget(resident_paths[i], admin, NULL);
        assert_outcome(r, 403, "forbidden", NULL);
        it_response_free(r);
    }
    r = fget("/fhir/Organization", admin, NULL);
    ck_assert_int_ge(json_array_size(bundle_entries(r)), 4);
    it_response_free(r);
    /* the people of every organisation, never an admin account */
    r = fget("/fhir/PractitionerRole?_count=200", admin, NULL);
    ck_assert_int_ge(json_array_size(bundle_entries(r)), 7);
    ck_assert_msg(!strstr(r->body, "\"admin\""), "an admin account as a practitioner");
    it_response_free(r);
    r = fget("/fhir/Practitioner/" IT_USER_STAFF_ENGEN, admin, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "resourceType"), "Practitioner");
    ck_assert_ptr_null(json_object_get(r->json, "telecom")); /* no e-mail */
    it_response_free(r);
    r = fget("/fhir/Practitioner/" IT_USER_ADMIN, admin, NULL);
    assert_outcome(r, 404, "not-found", NULL);
    it_response_free(r);
    free(admin);
}
END_TEST

START_TEST(test_patients_as_on_the_screens)
{
    char *clin = it_login("clinician@slagelse.demo");
    char *staff = it_login("staff@skoven.demo");

    it_response *r = fget("/fhir/Patient/" RESIDENT(1), clin, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "resourceType"), "Patient");
    ck_assert_str_eq(it_json_str(r, "birthDate"), "1987-03-14");
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(r->json, "name"), 0), "family")),
                     "Bjerregaard");
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(r->json, "managingOrganization"), "reference")),
                     "Organization/" IT_FACILITY_ENGEN);
    ck_assert_ptr_null(json_object_get(r->json, "identifier")); /* never a CPR number */
    it_response_free(r);

    /* the other facility's staff: every patient of theirs, none of Engen's */
    r = fget("/fhir/Patient?_count=200", staff, NULL);
    json_t *entries = bundle_entries(r);
    ck_assert_int_gt(json_array_size(entries), 0);
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e)
        ck_assert_str_eq(json_string_value(json_object_get(
                             json_object_get(json_object_get(e, "resource"),
                                             "managingOrganization"), "reference")),
                         "Organization/" IT_FACILITY_SKOVEN);
    it_response_free(r);
    r = fget("/fhir/Patient/" RESIDENT(1), staff, NULL);
    assert_outcome(r, 404, "not-found", NULL);
    it_response_free(r);
    r = fget("/fhir/Patient/" RESIDENT(1) "/$everything", staff, NULL);
    assert_outcome(r, 404, "not-found", NULL);
    it_response_free(r);
    r = fget("/fhir/Encounter?patient=Patient/" RESIDENT(1), staff, NULL);
    ck_assert_int_eq(json_array_size(bundle_entries(r)), 0);
    it_response_free(r);

    /* organisations: their own and the team that serves them, as on their screens */
    r = fget("/fhir/Organization?_count=200", staff, NULL);
    entries = bundle_entries(r);
    ck_assert_int_eq(json_array_size(entries), 2);
    json_array_foreach(entries, i, e) {
        const char *id = json_string_value(json_object_get(json_object_get(e, "resource"), "id"));
        ck_assert_msg(strcmp(id, IT_FACILITY_SKOVEN) == 0 || strcmp(id, IT_TEAM_HOLBAEK) == 0,
                      "Skoven's staff sees organisation %s", id);
    }
    it_response_free(r);
    r = fget("/fhir/Organization/" IT_FACILITY_ENGEN, staff, NULL);
    assert_outcome(r, 404, "not-found", NULL);
    it_response_free(r);
    /* practitioners: no one of Engen or Slagelse */
    r = fget("/fhir/PractitionerRole?_count=200", staff, NULL);
    json_array_foreach(bundle_entries(r), i, e) {
        const char *org = json_string_value(json_object_get(
            json_object_get(json_object_get(e, "resource"), "organization"), "reference"));
        ck_assert_msg(strcmp(org, "Organization/" IT_FACILITY_SKOVEN) == 0 ||
                          strcmp(org, "Organization/" IT_TEAM_HOLBAEK) == 0,
                      "Skoven's staff sees a practitioner of %s", org);
    }
    it_response_free(r);
    r = fget("/fhir/Practitioner/" IT_USER_CLINICIAN_SLAGELSE, staff, NULL);
    assert_outcome(r, 404, "not-found", NULL);
    it_response_free(r);
    free(clin);
    free(staff);
}
END_TEST

START_TEST(test_paging_with_count_one)
{
    char *clin = it_login("clinician@slagelse.demo");
    it_response *all = fget("/fhir/Encounter?patient=" RESIDENT(1) "&_count=200", clin, NULL);
    json_t *entries = bundle_entries(all);
    size_t n = json_array_size(entries);
    ck_assert_int_ge(n, 3);
    ck_assert_int_eq(json_integer_value(json_object_get(all->json, "total")), (json_int_t)n);

    char *path = strdup("/fhir/Encounter?patient=" RESIDENT(1) "&_count=1");
    size_t seen = 0;
    while (path) {
        it_response *r = fget(path, clin, NULL);
        json_t *page = bundle_entries(r);
        ck_assert_int_eq(json_array_size(page), 1);
        ck_assert_msg(seen < n, "more pages than encounters");
        /* the same encounters in the same order: none missing, none twice */
        ck_assert_str_eq(json_string_value(json_object_get(entry_resource(r, 0), "id")),
                         json_string_value(json_object_get(
                             json_object_get(json_array_get(entries, seen), "resource"), "id")));
        seen++;
        free(path);
        path = next_path(r);
        it_response_free(r);
    }
    ck_assert_int_eq(seen, n);

    /* a cursor of another list or altered is refused */
    it_response *p1 = fget("/fhir/Encounter?patient=" RESIDENT(1) "&_count=1", clin, NULL);
    char *next = next_path(p1);
    ck_assert_ptr_nonnull(next);
    char *other = strdup(next);
    memcpy(other, "/fhir/Consent  ", 15); /* same length as "/fhir/Encounter" */
    memmove(other + 13, other + 15, strlen(other + 15) + 1);
    it_response *r = fget(other, clin, NULL);
    assert_outcome(r, 400, "invalid", "cursor");
    it_response_free(r);
    free(other);
    free(next);
    it_response_free(p1);
    it_response_free(all);
    free(clin);
}
END_TEST

START_TEST(test_clinical_note_only_for_the_region)
{
    /* a note that is in the database for resident 1 */
    PGconn *db = it_db_owner();
    char *note = it_db_value(db, "SELECT body FROM conversation_notes WHERE resident_id = '"
                                 RESIDENT(1) "' ORDER BY written_at DESC LIMIT 1");
    PQfinish(db);
    ck_assert_ptr_nonnull(note);

    char *clin = it_login("clinician@slagelse.demo");
    char *staff = it_login("staff@engen.demo");
    it_response *r = fget("/fhir/Patient/" RESIDENT(1) "/$everything", clin, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_msg(strstr(r->body, note), "the region's $everything lacks the note");
    ck_assert_int_eq(count_type(r, "Patient"), 1);
    ck_assert_int_ge(count_type(r, "Encounter"), 3);
    ck_assert_int_ge(count_type(r, "Consent"), 1);
    ck_assert_int_eq(count_type(r, "CarePlan"), 1);
    ck_assert_int_eq(count_type(r, "Organization"), 2);
    int region_encounters = count_type(r, "Encounter");
    /* a conversation held during a visit is partOf that visit, itself an Encounter of the
     * team at the facility (no subject: it is no one resident's) */
    char *visit = NULL;
    size_t i;
    json_t *e;
    json_array_foreach(bundle_entries(r), i, e) {
        json_t *part = json_object_get(json_object_get(e, "resource"), "partOf");
        if (part && !visit)
            visit = strdup(json_string_value(json_object_get(part, "reference")));
    }
    ck_assert_ptr_nonnull(visit);
    it_response_free(r);
    char path[160];
    snprintf(path, sizeof path, "/fhir/%s", visit);
    r = fget(path, staff, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_ptr_null(json_object_get(r->json, "subject"));
    const char *vs = it_json_str(r, "status");
    ck_assert_msg(strcmp(vs, "planned") == 0 || strcmp(vs, "finished") == 0 ||
                      strcmp(vs, "cancelled") == 0, "visit status %s", vs);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "serviceProvider"),
                                                       "reference")),
                     "Organization/" IT_TEAM_SLAGELSE);
    it_response_free(r);
    free(visit);

    r = fget("/fhir/Patient/" RESIDENT(1) "/$everything", staff, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_msg(!strstr(r->body, note), "a facility user's $everything holds a clinical note");
    ck_assert_msg(!strstr(r->body, EXT_NOTE), "a facility user's $everything names a note");
    ck_assert_int_eq(count_type(r, "Encounter"), region_encounters); /* the same visits */
    ck_assert_msg(strstr(r->body, EXT_SUMMARY), "consent in force: summaries are shared");
    it_response_free(r);

    /* and one by one: the region reads notes on its encounters, the facility none */
    const char *who[] = {clin, staff};
    for (int k = 0; k < 2; k++) {
        r = fget("/fhir/Encounter?patient=" RESIDENT(1) "&_count=200", who[k], NULL);
        int notes = 0, summaries = 0;
        json_array_foreach(bundle_entries(r), i, e) {
            notes += extension(json_object_get(e, "resource"), EXT_NOTE) != NULL;
            summaries += extension(json_object_get(e, "resource"), EXT_SUMMARY) != NULL;
        }
        if (k == 0)
            ck_assert_int_gt(notes, 0);
        else
            ck_assert_msg(notes == 0 && !strstr(r->body, note), "note in a facility search");
        ck_assert_int_gt(summaries, 0);
        it_response_free(r);
    }
    free(note);
    free(clin);
    free(staff);
}
END_TEST

START_TEST(test_summary_hidden_without_consent)
{
    /* resident 3 withdrew the consent to share summaries; summaries were written before */
    PGconn *db = it_db_owner();
    char *n = it_db_value(db, "SELECT count(*) FROM conversation_summaries WHERE resident_id = '"
                              RESIDENT(3) "'");
    char *summary = it_db_value(db, "SELECT body FROM conversation_summaries WHERE "
                                    "resident_id = '" RESIDENT(3) "' LIMIT 1");
    PQfinish(db);
    ck_assert_int_gt(atoi(n), 0);
    free(n);

    char *clin = it_login("clinician@slagelse.demo");
    char *staff = it_login("staff@engen.demo");
    it_response *r = fget("/fhir/Encounter?patient=" RESIDENT(3) "&_count=200", clin, NULL);
    ck_assert_msg(strstr(r->body, EXT_SUMMARY), "the team reads its summaries");
    it_response_free(r);
    r = fget("/fhir/Encounter?patient=" RESIDENT(3) "&_count=200", staff, NULL);
    ck_assert_int_gt(json_array_size(bundle_entries(r)), 0); /* the visits, yes */
    ck_assert_msg(!strstr(r->body, EXT_SUMMARY) && !strstr(r->body, summary),
                  "a summary shown to the facility without consent");
    it_response_free(r);
    r = fget("/fhir/Patient/" RESIDENT(3) "/$everything", staff, NULL);
    ck_assert_msg(!strstr(r->body, EXT_SUMMARY) && !strstr(r->body, summary),
                  "a summary in $everything without consent");
    it_response_free(r);

    /* the consent records: the withdrawal is in force (a deny), the earlier grant is not */
    r = fget("/fhir/Consent?patient=" RESIDENT(3), staff, NULL);
    json_t *entries = bundle_entries(r);
    int deny_active = 0, permit_inactive = 0;
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e) {
        json_t *c = json_object_get(e, "resource");
        const char *kind = json_string_value(json_object_get(
            json_array_get(json_object_get(json_array_get(json_object_get(c, "category"), 1),
                                           "coding"), 0), "code"));
        if (strcmp(kind, "share_summary_with_facility") != 0)
            continue;
        const char *status = json_string_value(json_object_get(c, "status"));
        const char *type = json_string_value(json_object_get(json_object_get(c, "provision"), "type"));
        deny_active += strcmp(status, "active") == 0 && strcmp(type, "deny") == 0;
        permit_inactive += strcmp(status, "inactive") == 0 && strcmp(type, "permit") == 0;
        ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(
                             json_object_get(c, "scope"), "coding"), 0), "code")),
                         "patient-privacy");
    }
    ck_assert_int_eq(deny_active, 1);
    ck_assert_int_eq(permit_inactive, 1);
    it_response_free(r);
    free(summary);
    free(clin);
    free(staff);
}
END_TEST

/* A plan in Danish (the browser tests check that the demo's pages hold no English). */
static const char *kip_body(const char *goal)
{
    static char buf[2048];
    snprintf(buf, sizeof buf,
             "{\"coordinator_org_id\": \"" IT_TEAM_SLAGELSE "\", \"coordinator_user_id\": null, "
             "\"status\": \"active\", \"resident_goal\": \"%s\", "
             "\"goals\": [{\"title\": \"Stabil hverdag\", \"status\": \"open\", "
             "  \"sub_goals\": [{\"title\": \"Oppe inden klokken ti\", \"actions\": ["
             "    {\"action\": \"Gåtur efter morgenmaden\", \"responsible\": \"Botilbuddet\", "
             "     \"due_date\": \"2030-01-31\", \"status\": \"open\"}]}], "
             "  \"actions\": [{\"action\": \"Gennemgå medicinen\", \"responsible\": \"F-ACT\", "
             "     \"due_date\": null, \"status\": \"in_progress\"}]}], "
             "\"participants\": {\"necessary\": [{\"role\": \"resident\"}, "
             "  {\"role\": \"general_practitioner\", \"name\": \"Læge Holm\"}], "
             "  \"as_needed\": [{\"role\": \"job_centre\", \"organisation\": \"Jobcenter\"}]}, "
             "\"next_review\": \"2030-03-01\"}",
             goal);
    return buf;
}

/* A fresh resident at Engen, created by the caller of token; the id (malloc'd). */
static char *new_resident(const char *token)
{
    return it_new_resident(token, "FHIR Beboer ", "1990-05-01");
}

START_TEST(test_careplan_versions_through_history)
{
    char *clin = it_login("clinician@slagelse.demo");
    char *resident = new_resident(clin);
    char kip[128];
    snprintf(kip, sizeof kip, "/api/residents/%s/kip", resident);
    /* three versions: the first with If-Match "0", then on top of each */
    char *plan = NULL;
    const char *goals[] = {"Egen bolig", "Egen bolig inden et år", "FHIR-historik"};
    for (int v = 0; v < 3; v++) {
        char h[64];
        snprintf(h, sizeof h, "If-Match: \"%d\"", v);
        const char *headers[] = {h, NULL};
        it_response *r = it_request("PUT", kip, clin, kip_body(goals[v]), headers);
        IT_ASSERT_STATUS(r, v == 0 ? 201 : 200);
        if (v == 0)
            plan = strdup(it_json_str(r, "id")); /* the plan's id: its first version's */
        it_response_free(r);
    }
    const json_int_t version = 3;
    char path[256];
    snprintf(path, sizeof path, "/fhir/CarePlan/%s", plan);
    it_response *r = fget(path, clin, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "meta"),
                                                       "versionId")), "3");
    ck_assert_str_eq(it_json_str(r, "description"), "FHIR-historik");
    ck_assert_str_eq(it_json_str(r, "intent"), "plan");
    char subject[80];
    snprintf(subject, sizeof subject, "Patient/%s", resident);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "subject"),
                                                       "reference")), subject);
    /* goals (and the sub-goal) as contained Goals, the actions as activities, the
     * participants as a CareTeam, the coordinator as author */
    int goals_n = 0, teams = 0;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(r->json, "contained"), i, c) {
        goals_n += strcmp(json_string_value(json_object_get(c, "resourceType")), "Goal") == 0;
        teams += strcmp(json_string_value(json_object_get(c, "resourceType")), "CareTeam") == 0;
    }
    ck_assert_int_eq(goals_n, 2);
    ck_assert_int_eq(teams, 1);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "activity")), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "author"),
                                                       "reference")),
                     "Organization/" IT_TEAM_SLAGELSE);
    it_response_free(r);

    /* the search by patient finds the current version */
    snprintf(path, sizeof path, "/fhir/CarePlan?patient=%s", resident);
    r = fget(path, clin, NULL);
    ck_assert_int_eq(json_array_size(bundle_entries(r)), 1);
    ck_assert_str_eq(json_string_value(json_object_get(entry_resource(r, 0), "id")), plan);
    it_response_free(r);

    snprintf(path, sizeof path, "/fhir/CarePlan/%s/_history", plan);
    r = fget(path, clin, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "type"), "history");
    json_t *entries = json_object_get(r->json, "entry");
    ck_assert_int_eq(json_array_size(entries), (size_t)version);
    for (json_int_t k = 0; k < version; k++) { /* newest first, every version */
        char v[24];
        snprintf(v, sizeof v, "%lld", (long long)(version - k));
        json_t *res = json_object_get(json_array_get(entries, (size_t)k), "resource");
        ck_assert_str_eq(json_string_value(json_object_get(json_object_get(res, "meta"),
                                                           "versionId")), v);
        ck_assert_str_eq(json_string_value(json_object_get(res, "id")), plan);
        ck_assert_str_eq(json_string_value(json_object_get(res, "description")),
                         goals[version - 1 - k]);
    }
    it_response_free(r);
    /* the facility reads the same history */
    char *staff = it_login("staff@engen.demo");
    r = fget(path, staff, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "entry")), (size_t)version);
    it_response_free(r);
    free(staff);

    snprintf(path, sizeof path, "/fhir/CarePlan/%s/_history/1", plan);
    r = fget(path, clin, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r->json, "meta"),
                                                       "versionId")), "1");
    ck_assert_str_eq(it_json_str(r, "description"), "Egen bolig");
    char *tag = it_header(r, "ETag");
    ck_assert_str_eq(tag, "W/\"1\"");
    free(tag);
    it_response_free(r);
    snprintf(path, sizeof path, "/fhir/CarePlan/%s/_history/999", plan);
    r = fget(path, clin, NULL);
    assert_outcome(r, 404, "not-found", NULL);
    it_response_free(r);
    char *other = it_login("clinician@holbaek.demo"); /* another team: not even that it exists */
    snprintf(path, sizeof path, "/fhir/CarePlan/%s/_history", plan);
    r = fget(path, other, NULL);
    assert_outcome(r, 404, "not-found", NULL);
    it_response_free(r);
    free(other);
    free(plan);
    free(resident);
    free(clin);
}
END_TEST

START_TEST(test_admissions_mark_forced)
{
    PGconn *db = it_db_owner();
    char *forced = it_db_value(db, "SELECT id FROM admissions WHERE forced AND team_id = '"
                                   IT_TEAM_SLAGELSE "' LIMIT 1");
    char *voluntary = it_db_value(db, "SELECT id FROM admissions WHERE NOT forced AND team_id = '"
                                      IT_TEAM_SLAGELSE "' LIMIT 1");
    PQfinish(db);
    ck_assert_ptr_nonnull(forced);
    ck_assert_ptr_nonnull(voluntary);
    char *staff = it_login("staff@engen.demo");
    char path[128];
    const char *ids[] = {forced, voluntary}, *codes[] = {"forced", "voluntary"};
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "/fhir/EpisodeOfCare/%s", ids[k]);
        it_response *r = fget(path, staff, NULL);
        IT_ASSERT_STATUS(r, 200);
        ck_assert_str_eq(it_json_str(r, "resourceType"), "EpisodeOfCare");
        json_t *coding = json_array_get(json_object_get(json_array_get(json_object_get(r->json,
                                                                                       "type"), 0),
                                                        "coding"), 0);
        ck_assert_str_eq(json_string_value(json_object_get(coding, "code")), codes[k]);
        it_response_free(r);
    }
    free(forced);
    free(voluntary);
    free(staff);
}
END_TEST

START_TEST(test_reads_are_audited)
{
    char *clin = it_login("clinician@slagelse.demo");
    char *purpose = it_unique("fhir-audit-");
    it_response *r = fget("/fhir/Patient/" RESIDENT(1), clin, purpose);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);
    ck_assert_int_eq(audit_rows(purpose, "resident", RESIDENT(1)), 1);
    free(purpose);

    purpose = it_unique("fhir-audit-");
    r = fget("/fhir/Encounter?patient=" RESIDENT(1), clin, purpose);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);
    ck_assert_int_eq(audit_rows(purpose, "conversation", RESIDENT(1)), 1);
    free(purpose);

    /* a search over many residents names each of them */
    purpose = it_unique("fhir-audit-");
    r = fget("/fhir/Patient?_count=200", clin, purpose);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);
    ck_assert_int_ge(audit_rows(purpose, "resident", RESIDENT(1)), 1);
    ck_assert_int_ge(audit_rows(purpose, "resident", RESIDENT(3)), 1);
    free(purpose);

    purpose = it_unique("fhir-audit-");
    r = fget("/fhir/Patient/" RESIDENT(1) "/$everything", clin, purpose);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);
    const char *types[] = {"resident", "conversation", "consent", "kip"};
    for (size_t k = 0; k < sizeof types / sizeof types[0]; k++)
        ck_assert_msg(audit_rows(purpose, types[k], RESIDENT(1)) >= 1,
                      "$everything wrote no audit row for %s", types[k]);
    free(purpose);
    free(clin);
}
END_TEST

START_TEST(test_errors_are_operation_outcomes)
{
    char *clin = it_login("clinician@slagelse.demo");
    it_response *r = fget("/fhir/Encounter?date=yesterday", clin, NULL);
    assert_outcome(r, 400, "invalid", "date");
    it_response_free(r);
    r = fget("/fhir/Encounter?_count=0", clin, NULL);
    assert_outcome(r, 400, "invalid", "_count");
    it_response_free(r);
    r = fget("/fhir/Patient?date=2026", clin, NULL); /* no date parameter for Patient */
    assert_outcome(r, 400, "invalid", "date");
    it_response_free(r);
    r = fget("/fhir/Encounter?colour=blue", clin, NULL);
    assert_outcome(r, 400, "invalid", "colour");
    it_response_free(r);
    r = fget("/fhir/Encounter?patient=not-an-id", clin, NULL);
    assert_outcome(r, 400, "invalid", "patient");
    it_response_free(r);
    r = fget("/fhir/Encounter/00000000-0000-4000-8000-000000000000", clin, NULL);
    assert_outcome(r, 404, "not-found", NULL);
    it_response_free(r);
    r = fget("/fhir/Consent/nope", clin, NULL);
    assert_outcome(r, 404, "not-found", NULL);
    it_response_free(r);
    r = fget("/fhir/Observation", clin, NULL);
    assert_outcome(r, 404, "not-found", NULL);
    it_response_free(r);
    r = it_request("POST", "/fhir/Patient", clin, "{}", NULL);
    assert_outcome(r, 405, "not-supported", NULL);
    it_response_free(r);
    free(clin);
}
END_TEST

START_TEST(test_date_and_last_updated)
{
    char *clin = it_login("clinician@slagelse.demo");
    it_response *all = fget("/fhir/Encounter?patient=" RESIDENT(1) "&_count=200", clin, NULL);
    size_t n = json_array_size(bundle_entries(all));
    /* the oldest encounter's day: ge that day has all, lt that day none, eq that day some */
    const char *start = json_string_value(json_object_get(
        json_object_get(entry_resource(all, 0), "period"), "start"));
    char day[11];
    snprintf(day, sizeof day, "%.10s", start);
    char path[256];
    snprintf(path, sizeof path, "/fhir/Encounter?patient=%s&_count=200&date=ge%s",
             RESIDENT(1), day);
    it_response *r = fget(path, clin, NULL);
    ck_assert_int_eq(json_array_size(bundle_entries(r)), n);
    it_response_free(r);
    snprintf(path, sizeof path, "/fhir/Encounter?patient=%s&date=lt%s&date=gt2000",
             RESIDENT(1), day);
    r = fget(path, clin, NULL);
    ck_assert_int_eq(json_array_size(bundle_entries(r)), 0);
    it_response_free(r);
    snprintf(path, sizeof path, "/fhir/Encounter?patient=%s&date=%s", RESIDENT(1), start);
    r = fget(path, clin, NULL);
    ck_assert_int_ge(json_array_size(bundle_entries(r)), 1);
    it_response_free(r);
    /* a dateTime with a time zone, its '+' encoded or (as clients often send it) not */
    r = fget("/fhir/Encounter?patient=" RESIDENT(1) "&date=ge2000-01-01T00:00:00%2B01:00&_count=200",
             clin, NULL);
    ck_assert_int_eq(json_array_size(bundle_entries(r)), n);
    it_response_free(r);
    r = fget("/fhir/Encounter?patient=" RESIDENT(1) "&date=ge2000-01-01T00:00:00+01:00&_count=200",
             clin, NULL);
    ck_assert_int_eq(json_array_size(bundle_entries(r)), n);
    it_response_free(r);
    r = fget("/fhir/Encounter?patient=" RESIDENT(1) "&_lastUpdated=gt2999", clin, NULL);
    ck_assert_int_eq(json_array_size(bundle_entries(r)), 0);
    it_response_free(r);
    r = fget("/fhir/Encounter?patient=" RESIDENT(1) "&_lastUpdated=le2999-12-31&_count=200",
             clin, NULL);
    ck_assert_int_eq(json_array_size(bundle_entries(r)), n);
    it_response_free(r);
    it_response_free(all);
    free(clin);
}
END_TEST

/* Runs node tests/fhir/validate.mjs ARG; its exit status. */
static int run_validator(const char *arg)
{
    const char *src = getenv("SAMSPIL_SOURCE_DIR");
    ck_assert_ptr_nonnull(src);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cd '%s/tests/fhir' && test -d node_modules/fhir "
             "|| { echo 'tests/fhir: run npm ci there first (./dev test does)'; exit 3; }; "
             "node validate.mjs '%s' 2>&1",
             src, arg);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

START_TEST(test_validated_against_fhir_r4)
{
    ck_assert_int_eq(run_validator("--self-test"), 0); /* it rejects broken resources */
    ck_assert_int_eq(run_validator(it_base_url()), 0);
}
END_TEST

int main(void)
{
    it_server_start(NULL);
    Suite *s = suite_create("fhir");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_metadata_is_public_and_describes_the_api);
    tcase_add_test(tc, test_unauthenticated_and_admin);
    tcase_add_test(tc, test_patients_as_on_the_screens);
    tcase_add_test(tc, test_paging_with_count_one);
    tcase_add_test(tc, test_clinical_note_only_for_the_region);
    tcase_add_test(tc, test_summary_hidden_without_consent);
    tcase_add_test(tc, test_careplan_versions_through_history);
    tcase_add_test(tc, test_admissions_mark_forced);
    tcase_add_test(tc, test_reads_are_audited);
    tcase_add_test(tc, test_errors_are_operation_outcomes);
    tcase_add_test(tc, test_date_and_last_updated);
    tcase_add_test(tc, test_validated_against_fhir_r4);
    suite_add_tcase(s, tc);
    return it_run_suite(s);
}
