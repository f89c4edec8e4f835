/*
 * fhir_resources: the SQL and the row-to-resource mapping of every FHIR type; see
 * fhir_resources.h. What is and is not followed of DK Core: docs/FHIR.md.
 */
#include "fhir_resources.h"

/* The Encounter search (conversations and visits merged, with its audit rows) is longer than
 * the 4 095 characters C99 promises for a string literal; GCC and Clang take any length (as
 * in server/residents.c). */
#pragma GCC diagnostic ignored "-Woverlength-strings"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "fhir.h"

#define RFC3339(x) "to_char((" x ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/* Code systems and extensions of Samspil's own (no standard one says these things). */
#define CS_CONVERSATION_KIND "urn:samspil:fhir:CodeSystem:conversation-kind"
#define CS_VISIT_KIND "urn:samspil:fhir:CodeSystem:visit-kind"
#define CS_CONVERSATION_OUTCOME "urn:samspil:fhir:CodeSystem:conversation-outcome"
#define CS_ROLE "urn:samspil:fhir:CodeSystem:role"
#define CS_CONSENT_KIND "urn:samspil:fhir:CodeSystem:consent-kind"
#define CS_ADMISSION_TYPE "urn:samspil:fhir:CodeSystem:admission-type"
#define CS_KIP_ROLE "urn:samspil:fhir:CodeSystem:kip-participant-role"
#define EXT_OUTCOME "urn:samspil:fhir:StructureDefinition:conversation-outcome"
#define EXT_SUMMARY "urn:samspil:fhir:StructureDefinition:shared-summary"
#define EXT_NOTE "urn:samspil:fhir:StructureDefinition:clinical-note"
#define EXT_SCOPE_NOTE "urn:samspil:fhir:StructureDefinition:consent-scope-note"
#define EXT_NEXT_REVIEW "urn:samspil:fhir:StructureDefinition:kip-next-review"
/* Standard ones */
#define CS_ACT_CODE "http://terminology.hl7.org/CodeSystem/v3-ActCode"
#define CS_PARTICIPATION "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
#define CS_ORG_TYPE "http://terminology.hl7.org/CodeSystem/organization-type"
#define CS_CONSENT_SCOPE "http://terminology.hl7.org/CodeSystem/consentscope"
#define CS_LOINC "http://loinc.org"

/* The parameters every statement names, so each has a type even where a type ignores it
 * (the server refuses those parameters before the statement runs, so they are NULL). */
#define TYPED(n) "num_nulls(" n ") >= 0"
#define DATE_OK(col) "fhir_date_matches(" col ", $2::text, $3::text) " \
    "AND fhir_date_matches(" col ", $4::text, $5::text)"
#define UPDATED_OK(col) "fhir_date_matches(" col ", $6::text, $7::text) " \
    "AND fhir_date_matches(" col ", $8::text, $9::text)"

/* A search: page (LIMIT + 1 rows, to know whether there is a next page), the rows shown and
 * the audit rows for them in the same statement (AUDIT_SHOWN_ROWS, as the API's lists). */
#define SEARCH(select_from_where, order, audit_type)                                          \
    "WITH page AS (" select_from_where " ORDER BY " order " LIMIT $12::integer + 1), "        \
    "shown AS (SELECT * FROM page ORDER BY sort_key, id LIMIT $12::integer), "                \
    "audit AS (" AUDIT_SHOWN_ROWS("search", audit_type, "shown x", "id", "resident_id", "$13") \
    ") SELECT * FROM page ORDER BY sort_key, id"
#define SEARCH_NO_AUDIT(select_from_where, order)                                             \
    "SELECT * FROM (" select_from_where " ORDER BY " order " LIMIT $12::integer + 1) page "   \
    "WHERE " TYPED("$13::text") " ORDER BY sort_key, id"

/* ---- columns ---- */

#define PATIENT_COLUMNS                                                                       \
    "SELECT r.id, r.id AS resident_id, r.team_id, r.facility_id, r.name, "                   \
    "  r.date_of_birth::text AS birth_date, r.status, r.version, r.facility_name, "          \
    "  " RFC3339("r.updated_at") " AS last_updated, r.name AS sort_key FROM residents r "

/* The caller's own and partner organisations (all for an admin), as the screens show them;
 * the database would let every signed-in user read every organisation's name. */
#define ORGANIZATION_COLUMNS                                                                  \
    "SELECT o.id, o.kind, o.name, o.address, o.authority, "                                   \
    "  " RFC3339("o.created_at") " AS last_updated, o.name AS sort_key FROM organizations o " \
    "WHERE o.kind IN ('team', 'facility') "                                                 \
    "  AND o.id = ANY ((SELECT app_people_orgs())::uuid[]) "

/* The people of the caller's own and partner organisations (users_read); a search lists the
 * active ones, as /api/colleagues, a read also finds a deactivated author of a record. */
#define PRACTITIONER_COLUMNS                                                                  \
    "SELECT u.id, u.name, u.role, u.org_id, u.active, o.name AS org_name, "                   \
    "  " RFC3339("u.updated_at") " AS last_updated, u.name AS sort_key "                     \
    "FROM users u JOIN organizations o ON o.id = u.org_id WHERE u.role <> 'admin' "

/* The accounts of a uuid[] column as a JSON array of {id, name}, in their order. */
#define PEOPLE_JSON(col)                                                                      \
    "(SELECT coalesce(json_agg(json_build_object('id', x.id, 'name', u.name) ORDER BY x.n), " \
    "  '[]') FROM unnest(" col ") WITH ORDINALITY x(id, n) LEFT JOIN users u ON u.id = x.id)"

/* Encounters are conversations (with one resident) and visits (the team at the facility, the
 * fixed presence or an extra visit; a conversation held during one is partOf it), read through
 * one column list so a search can merge both in time order. */

/* A conversation with its summary and note as the caller may read them: row-level security
 * of conversation_summaries (the facility only with consent in force) and conversation_notes
 * (the team only) decides, as for GET /api/conversations. */
#define CONVERSATION_COLUMNS                                                                  \
    "SELECT cv.id, cv.resident_id, cv.team_id, cv.facility_id, cv.kind, cv.outcome, "        \
    "  " RFC3339("cv.occurred_at") " AS occurred_at, cv.version, "                            \
    "  " RFC3339("cv.updated_at") " AS last_updated, cv.contact_person_present, "            \
    "  " PEOPLE_JSON("cv.clinician_ids") " AS clinicians, "                                   \
    "  " PEOPLE_JSON("cv.staff_present_ids") " AS staff_present, "                            \
    "  to_json(cv.relatives) AS relatives, to_json(cv.partners) AS partners, "                \
    "  r.contact_person_id, r.contact_person_name, r.team_name, "                             \
    "  s.body AS summary, n.body AS clinical_note, "                                          \
    "  " RFC3339("cv.occurred_at") " AS sort_key, 'conversation' AS source, cv.visit_id, "    \
    "  NULL::text AS ends_at, NULL::text AS visit_status, NULL::text AS facility_name "       \
    "FROM conversations cv JOIN residents r ON r.id = cv.resident_id "                        \
    "LEFT JOIN conversation_summaries s ON s.conversation_id = cv.id "                        \
    "LEFT JOIN conversation_notes n ON n.conversation_id = cv.id "

/* A visit, in the same columns; resident: the resident it is shown for (a search by patient:
 * on the visit's agenda or with a conversation in it, which is resident data and audited),
 * else NULL. */
#define VISIT_COLUMNS(resident)                                                               \
    "SELECT v.id, " resident " AS resident_id, v.team_id, v.facility_id, v.kind, "            \
    "  NULL::text AS outcome, " RFC3339("v.starts_at") " AS occurred_at, v.version, "        \
    "  " RFC3339("v.updated_at") " AS last_updated, NULL::boolean AS contact_person_present, " \
    "  '[]'::json AS clinicians, '[]'::json AS staff_present, '[]'::json AS relatives, "      \
    "  '[]'::json AS partners, NULL::uuid AS contact_person_id, "                             \
    "  NULL::text AS contact_person_name, t.name AS team_name, NULL::text AS summary, "       \
    "  NULL::text AS clinical_note, " RFC3339("v.starts_at") " AS sort_key, "                 \
    "  'visit' AS source, NULL::uuid AS visit_id, " RFC3339("v.ends_at") " AS ends_at, "      \
    "  v.status AS visit_status, f.name AS facility_name "                                    \
    "FROM visits v JOIN organizations t ON t.id = v.team_id "                                 \
    "JOIN organizations f ON f.id = v.facility_id "

/* Each consent record; current: no later record of the same kind (the latest decides, as
 * consent_in_force() reads them). */
#define CONSENT_COLUMNS                                                                       \
    "SELECT c.id, c.resident_id, c.team_id, c.facility_id, c.kind, c.granted, c.scope_note, " \
    "  to_json(c.partners) AS partners, c.valid_until::text AS valid_until, "                 \
    "  c.valid_until IS NOT NULL AND c.valid_until < current_date AS expired, "               \
    "  NOT EXISTS (SELECT 1 FROM consents l WHERE l.resident_id = c.resident_id "             \
    "    AND l.kind = c.kind AND (l.recorded_at, l.id) > (c.recorded_at, c.id)) AS current, " \
    "  " RFC3339("c.recorded_at") " AS recorded_at, "                                         \
    "  " RFC3339("c.recorded_at") " AS last_updated, "                                        \
    "  " RFC3339("c.recorded_at") " AS sort_key FROM consents c "

#define EPISODE_COLUMNS                                                                       \
    "SELECT a.id, a.resident_id, a.team_id, a.facility_id, a.ward, a.forced, "               \
    "  " RFC3339("a.admitted_at") " AS admitted_at, "                                         \
    "  " RFC3339("a.discharged_at") " AS discharged_at, "                                     \
    "  " RFC3339("a.updated_at") " AS last_updated, "                                         \
    "  " RFC3339("a.admitted_at") " AS sort_key FROM admissions a "

/* A plan is the KIP of one resident: its id is the id of its first version (f), its versions
 * the rows of kip_versions (k). */
#define CAREPLAN_COLUMNS                                                                      \
    "SELECT f.id, k.id AS version_row_id, k.resident_id, k.team_id, k.facility_id, "          \
    "  k.version, k.status, k.resident_goal, k.goals, k.participants, "                      \
    "  k.next_review::text AS next_review, k.coordinator_org_id, k.coordinator_user_id, "     \
    "  co.name AS coordinator_org_name, cu.name AS coordinator_user_name, k.created_by, "     \
    "  cb.name AS created_by_name, " RFC3339("k.created_at") " AS last_updated, "             \
    "  " RFC3339("f.created_at") " AS plan_created, " RFC3339("f.created_at") " AS sort_key "
#define CAREPLAN_JOINS                                                                        \
    "LEFT JOIN organizations co ON co.id = k.coordinator_org_id "                            \
    "LEFT JOIN users cu ON cu.id = k.coordinator_user_id "                                   \
    "LEFT JOIN users cb ON cb.id = k.created_by "
#define CAREPLAN_LATEST                                                                       \
    "FROM kip_versions f CROSS JOIN LATERAL (SELECT * FROM kip_versions l "                   \
    "  WHERE l.resident_id = f.resident_id ORDER BY l.version DESC LIMIT 1) k " CAREPLAN_JOINS

static const db_stmt fhir_stmts[] = {
    {"fhir_patient_search",
     SEARCH(PATIENT_COLUMNS
            "WHERE ($1::uuid IS NULL OR r.id = $1::uuid) AND " UPDATED_OK("r.updated_at")
            " AND ($10::text IS NULL OR (r.name, r.id) > ($10::text, $11::uuid)) "
            " AND " TYPED("$2::text, $3::text, $4::text, $5::text"),
            "r.name, r.id", "resident")},
    {"fhir_patient_read", PATIENT_COLUMNS "WHERE r.id = $1::uuid"},

    {"fhir_organization_search",
     SEARCH_NO_AUDIT(ORGANIZATION_COLUMNS
                     "AND " UPDATED_OK("o.created_at")
                     " AND ($10::text IS NULL OR (o.name, o.id) > ($10::text, $11::uuid)) "
                     " AND " TYPED("$1::uuid, $2::text, $3::text, $4::text, $5::text"),
                     "o.name, o.id")},
    {"fhir_organization_read", ORGANIZATION_COLUMNS "AND o.id = $1::uuid"},

    {"fhir_practitioner_search",
     SEARCH_NO_AUDIT(PRACTITIONER_COLUMNS
                     "AND u.active AND " UPDATED_OK("u.updated_at")
                     " AND ($10::text IS NULL OR (u.name, u.id) > ($10::text, $11::uuid)) "
                     " AND " TYPED("$1::uuid, $2::text, $3::text, $4::text, $5::text"),
                     "u.name, u.id")},
    {"fhir_practitioner_read", PRACTITIONER_COLUMNS "AND u.id = $1::uuid"},

    /* conversations and visits, each a page in time order, merged into one page */
    /* The page's conversations are chosen from conversations (of residents the caller sees)
     * and only then joined to their summaries and notes (whose policies cost a probe each):
     * joined first, a team's 60 000 conversations at region scale were joined before the
     * sort (1.1 s).
     * A patient's visits are found from the agenda and the conversations by the resident's
     * indexes; the branch of the other case is skipped at run time (its one-time filter). */
    {"fhir_encounter_search",
     "WITH conv_ids AS (SELECT cv.id FROM conversations cv JOIN residents r ON r.id = cv.resident_id "
     "  WHERE ($1::uuid IS NULL OR cv.resident_id = $1::uuid) AND " DATE_OK("cv.occurred_at")
     "  AND " UPDATED_OK("cv.updated_at")
     "  AND ($10::text IS NULL OR (cv.occurred_at, cv.id) > ($10::timestamptz, $11::uuid)) "
     "  ORDER BY cv.occurred_at, cv.id LIMIT $12::integer + 1), "
     "conv AS (" CONVERSATION_COLUMNS "WHERE cv.id IN (SELECT id FROM conv_ids)), "
     "vis_ids AS ((SELECT v.id FROM visits v WHERE $1::uuid IS NULL "
     "  AND " DATE_OK("v.starts_at") " AND " UPDATED_OK("v.updated_at")
     "  AND ($10::text IS NULL OR (v.starts_at, v.id) > ($10::timestamptz, $11::uuid)) "
     "  ORDER BY v.starts_at, v.id LIMIT $12::integer + 1) "
     "  UNION ALL "
     "  (SELECT v.id FROM visits v WHERE $1::uuid IS NOT NULL "
     "  AND v.id IN (SELECT a.visit_id FROM visit_agenda a WHERE a.resident_id = $1::uuid "
     "               UNION SELECT c.visit_id FROM conversations c "
     "               WHERE c.resident_id = $1::uuid AND c.visit_id IS NOT NULL) "
     "  AND " DATE_OK("v.starts_at") " AND " UPDATED_OK("v.updated_at")
     "  AND ($10::text IS NULL OR (v.starts_at, v.id) > ($10::timestamptz, $11::uuid)) "
     "  ORDER BY v.starts_at, v.id LIMIT $12::integer + 1)), "
     "vis AS (" VISIT_COLUMNS("$1::uuid") "WHERE v.id IN (SELECT id FROM vis_ids)), "
     "page AS (SELECT * FROM (SELECT * FROM conv UNION ALL SELECT * FROM vis) u "
     "  ORDER BY sort_key, id LIMIT $12::integer + 1), "
     "shown AS (SELECT * FROM page ORDER BY sort_key, id LIMIT $12::integer), "
     "audit AS (" AUDIT_SHOWN_ROWS("search", "conversation",
                                   "shown x WHERE x.resident_id IS NOT NULL", "id",
                                   "resident_id", "$13") ") "
     "SELECT * FROM page ORDER BY sort_key, id"},
    {"fhir_encounter_read",
     CONVERSATION_COLUMNS "WHERE cv.id = $1::uuid UNION ALL "
     VISIT_COLUMNS("NULL::uuid") "WHERE v.id = $1::uuid"},

    {"fhir_consent_search",
     SEARCH(CONSENT_COLUMNS
            "WHERE ($1::uuid IS NULL OR c.resident_id = $1::uuid) AND " DATE_OK("c.recorded_at")
            " AND " UPDATED_OK("c.recorded_at")
            " AND ($10::text IS NULL OR (c.recorded_at, c.id) > ($10::timestamptz, $11::uuid))",
            "c.recorded_at, c.id", "consent")},
    {"fhir_consent_read", CONSENT_COLUMNS "WHERE c.id = $1::uuid"},

    {"fhir_episode_search",
     SEARCH(EPISODE_COLUMNS
            "WHERE ($1::uuid IS NULL OR a.resident_id = $1::uuid) AND " DATE_OK("a.admitted_at")
            " AND " UPDATED_OK("a.updated_at")
            " AND ($10::text IS NULL OR (a.admitted_at, a.id) > ($10::timestamptz, $11::uuid))",
            "a.admitted_at, a.id", "admission")},
    {"fhir_episode_read", EPISODE_COLUMNS "WHERE a.id = $1::uuid"},

    {"fhir_careplan_search",
     SEARCH(CAREPLAN_COLUMNS CAREPLAN_LATEST
            "WHERE f.version = 1 AND ($1::uuid IS NULL OR f.resident_id = $1::uuid) "
            " AND " DATE_OK("k.created_at") " AND " UPDATED_OK("k.created_at")
            " AND ($10::text IS NULL OR (f.created_at, f.id) > ($10::timestamptz, $11::uuid))",
            "f.created_at, f.id", "kip")},
    {"fhir_careplan_read", CAREPLAN_COLUMNS CAREPLAN_LATEST "WHERE f.version = 1 AND f.id = $1::uuid"},
    {FHIR_STMT_CAREPLAN_HISTORY,
     CAREPLAN_COLUMNS "FROM kip_versions f JOIN kip_versions k ON k.resident_id = f.resident_id "
     CAREPLAN_JOINS "WHERE f.version = 1 AND f.id = $1::uuid ORDER BY k.version DESC"},
    {FHIR_STMT_CAREPLAN_VERSION,
     CAREPLAN_COLUMNS "FROM kip_versions f JOIN kip_versions k ON k.resident_id = f.resident_id "
     CAREPLAN_JOINS "WHERE f.version = 1 AND f.id = $1::uuid AND k.version = $2::integer"},
};

void fhir_resources_register(void)
{
    db_register(fhir_stmts, sizeof fhir_stmts / sizeof fhir_stmts[0]);
}

/* ---- small helpers ---- */

static const char *get(const PGresult *r, int i, const char *col)
{
    return db_get(r, i, col);
}

static bool is_true(const PGresult *r, int i, const char *col)
{
    const char *v = db_get(r, i, col);
    return v && v[0] == 't';
}

static void set_str(json_t *o, const char *key, const char *v)
{
    if (v && *v)
        json_object_set_new(o, key, json_string(v));
}

/* resourceType, id and meta (lastUpdated, versionId when given). */
static json_t *resource_new(const char *type, const PGresult *r, int i, const char *version)
{
    json_t *meta = json_object();
    if (version)
        json_object_set_new(meta, "versionId", json_string(version));
    set_str(meta, "lastUpdated", get(r, i, "last_updated"));
    return json_pack("{s:s, s:s, s:o}", "resourceType", type, "id", get(r, i, "id"), "meta",
                     meta);
}

/* A HumanName from one text: the last word as family, the others as given. */
static json_t *human_name(const char *text)
{
    json_t *n = json_pack("{s:s, s:s}", "use", "official", "text", text ? text : "");
    if (!text)
        return n;
    const char *sp = strrchr(text, ' ');
    if (!sp) {
        json_object_set_new(n, "family", json_string(text));
        return n;
    }
    json_object_set_new(n, "family", json_string(sp + 1));
    json_t *given = json_array();
    const char *p = text;
    while (p < sp) {
        const char *e = strchr(p, ' ');
        if (!e || e > sp)
            e = sp;
        if (e > p)
            json_array_append_new(given, json_stringn(p, (size_t)(e - p)));
        p = e + 1;
    }
    json_object_set_new(n, "given", given);
    return n;
}

static json_t *extension_string(const char *url, const char *key, const char *value)
{
    return json_pack("{s:s, s:s}", "url", url, key, value);
}

/* Looks a code up in a NULL-terminated {code, display} table; the code itself when absent. */
typedef struct code_text {
    const char *code, *text;
} code_text;

static const char *display_of(const code_text *table, const char *code)
{
    for (; table->code; table++)
        if (code && strcmp(table->code, code) == 0)
            return table->text;
    return code;
}

static const code_text role_texts[] = {
    {"region_clinician", "Kliniker i F-ACT-teamet"},
    {"region_manager", "Afsnitsledelse i F-ACT-teamet"},
    {"facility_staff", "Medarbejder på botilbuddet"},
    {"facility_manager", "Botilbudsleder"},
    {NULL, NULL},
};

/* ---- Patient ---- */

static json_t *patient_json(const PGresult *r, int i, bool region)
{
    (void)region;
    json_t *o = resource_new("Patient", r, i, get(r, i, "version"));
    json_object_set_new(o, "active", json_boolean(strcmp(get(r, i, "status"), "active") == 0));
    json_object_set_new(o, "name", json_pack("[o]", human_name(get(r, i, "name"))));
    set_str(o, "birthDate", get(r, i, "birth_date"));
    json_object_set_new(o, "managingOrganization",
                        fhir_reference("Organization", get(r, i, "facility_id"),
                                       get(r, i, "facility_name")));
    return o;
}

/* ---- Organization ---- */

static json_t *organization_json(const PGresult *r, int i, bool region)
{
    (void)region;
    json_t *o = resource_new("Organization", r, i, NULL);
    bool team = strcmp(get(r, i, "kind"), "team") == 0;
    char text[256];
    snprintf(text, sizeof text, "%s, %s", team ? "F-ACT-team" : "Botilbud",
             get(r, i, "authority"));
    json_object_set_new(o, "active", json_true());
    json_object_set_new(o, "type",
                        json_pack("[o]", fhir_concept(CS_ORG_TYPE, team ? "prov" : "govt",
                                                      team ? "Sundhedsfaglig leverandør"
                                                           : "Offentlig myndighed (kommune)",
                                                      text)));
    json_object_set_new(o, "name", json_string(get(r, i, "name")));
    const char *address = get(r, i, "address");
    if (address && *address)
        json_object_set_new(o, "address",
                            json_pack("[{s:s, s:s}]", "text", address, "country", "DK"));
    return o;
}

/* ---- Practitioner and PractitionerRole (one role per account) ---- */

static json_t *practitioner_json(const PGresult *r, int i, bool region)
{
    (void)region;
    json_t *o = resource_new("Practitioner", r, i, NULL);
    json_object_set_new(o, "active", json_boolean(is_true(r, i, "active")));
    json_object_set_new(o, "name", json_pack("[o]", human_name(get(r, i, "name"))));
    return o;
}

static json_t *practitioner_role_json(const PGresult *r, int i, bool region)
{
    (void)region;
    json_t *o = resource_new("PractitionerRole", r, i, NULL);
    const char *role = get(r, i, "role");
    json_object_set_new(o, "active", json_boolean(is_true(r, i, "active")));
    json_object_set_new(o, "practitioner",
                        fhir_reference("Practitioner", get(r, i, "id"), get(r, i, "name")));
    json_object_set_new(o, "organization",
                        fhir_reference("Organization", get(r, i, "org_id"),
                                       get(r, i, "org_name")));
    json_object_set_new(o, "code", json_pack("[o]", fhir_concept(CS_ROLE, role,
                                                                 display_of(role_texts, role),
                                                                 NULL)));
    return o;
}

/* ---- Encounter: a conversation ---- */

static const code_text kind_texts[] = {
    {"fixed_visit", "Fast tilstedeværelse på botilbuddet"},
    {"extra_visit", "Ekstra besøg i en intensiv periode"},
    {"home", "Hjemmebesøg"},
    {"phone", "Telefonsamtale"},
    {"video", "Videosamtale"},
    {NULL, NULL},
};

static const code_text outcome_texts[] = {
    {"held", "Gennemført"},
    {"no_show", "Borgeren udeblev"},
    {"cancelled_by_resident", "Aflyst af borgeren"},
    {"cancelled_by_staff", "Aflyst af personalet"},
    {NULL, NULL},
};

static json_t *participant(const char *code, const char *display, json_t *individual)
{
    return json_pack("{s:[o], s:o}", "type",
                     fhir_concept(CS_PARTICIPATION, code, display, NULL), "individual",
                     individual);
}

static const code_text visit_texts[] = {
    {"fixed", "Fast tilstedeværelse på botilbuddet"},
    {"extra", "Ekstra besøg i en intensiv periode"},
    {"home", "Hjemmebesøg"},
    {"phone", "Telefonkontakt"},
    {"video", "Videokontakt"},
    {NULL, NULL},
};

/* A visit: the team at the facility (or a contact by phone or video), planned, held or
 * cancelled; no subject (it is no one resident's), its conversations are partOf it. */
static json_t *visit_json(const PGresult *r, int i)
{
    json_t *o = resource_new("Encounter", r, i, get(r, i, "version"));
    const char *kind = get(r, i, "kind"), *status = get(r, i, "visit_status");
    json_object_set_new(o, "status",
                        json_string(strcmp(status, "held") == 0        ? "finished"
                                    : strcmp(status, "cancelled") == 0 ? "cancelled"
                                                                       : "planned"));
    bool remote = strcmp(kind, "phone") == 0 || strcmp(kind, "video") == 0;
    json_object_set_new(o, "class", remote ? fhir_coding(CS_ACT_CODE, "VR", "Virtuel kontakt")
                                           : fhir_coding(CS_ACT_CODE, "HH",
                                                         "Besøg i borgerens hjem (botilbud)"));
    char text[300];
    snprintf(text, sizeof text, "Besøg: %s hos %s", get(r, i, "team_name"),
             get(r, i, "facility_name"));
    json_object_set_new(o, "type", json_pack("[o]", fhir_concept(CS_VISIT_KIND, kind,
                                                                 display_of(visit_texts, kind),
                                                                 text)));
    json_object_set_new(o, "period", json_pack("{s:s, s:s}", "start", get(r, i, "occurred_at"),
                                               "end", get(r, i, "ends_at")));
    json_object_set_new(o, "serviceProvider",
                        fhir_reference("Organization", get(r, i, "team_id"),
                                       get(r, i, "team_name")));
    return o;
}

static json_t *encounter_json(const PGresult *r, int i, bool region)
{
    if (strcmp(get(r, i, "source"), "visit") == 0)
        return visit_json(r, i);
    json_t *o = resource_new("Encounter", r, i, get(r, i, "version"));
    const char *kind = get(r, i, "kind"), *outcome = get(r, i, "outcome");
    /* held: it took place; no-show and cancellations: it did not (R4 has no no-show status
     * for an Encounter; the outcome extension says which) */
    json_object_set_new(o, "status",
                        json_string(strcmp(outcome, "held") == 0 ? "finished" : "cancelled"));
    /* at the facility or the resident's home: home health; by phone or video: virtual */
    bool remote = strcmp(kind, "phone") == 0 || strcmp(kind, "video") == 0;
    json_object_set_new(o, "class", remote ? fhir_coding(CS_ACT_CODE, "VR", "Virtuel kontakt")
                                           : fhir_coding(CS_ACT_CODE, "HH",
                                                         "Besøg i borgerens hjem (botilbud)"));
    json_object_set_new(o, "type", json_pack("[o]", fhir_concept(CS_CONVERSATION_KIND, kind,
                                                                 display_of(kind_texts, kind),
                                                                 NULL)));
    json_object_set_new(o, "subject", fhir_reference("Patient", get(r, i, "resident_id"), NULL));

    json_t *parts = json_array();
    size_t k;
    json_t *p;
    json_t *clinicians = app_jjson(r, i, "clinicians");
    json_array_foreach(clinicians, k, p)
        json_array_append_new(parts, participant("PPRF", "Primær udfører",
                                                 fhir_reference("Practitioner",
                                                                json_str(p, "id"),
                                                                json_str(p, "name"))));
    json_decref(clinicians);
    if (is_true(r, i, "contact_person_present") && get(r, i, "contact_person_id"))
        json_array_append_new(parts, participant("PART", "Kontaktperson",
                                                 fhir_reference("Practitioner",
                                                                get(r, i, "contact_person_id"),
                                                                get(r, i, "contact_person_name"))));
    json_t *staff = app_jjson(r, i, "staff_present");
    json_array_foreach(staff, k, p)
        json_array_append_new(parts, participant("PART", "Medarbejder fra botilbuddet",
                                                 fhir_reference("Practitioner",
                                                                json_str(p, "id"),
                                                                json_str(p, "name"))));
    json_decref(staff);
    const char *const groups[][2] = {{"relatives", "Pårørende"}, {"partners", "Samarbejdspartner"}};
    for (size_t g = 0; g < 2; g++) {
        json_t *names = app_jjson(r, i, groups[g][0]);
        json_array_foreach(names, k, p) {
            char display[300];
            snprintf(display, sizeof display, "%s (%s)", json_string_value(p), groups[g][1]);
            json_array_append_new(parts, participant("PART", groups[g][1],
                                                     json_pack("{s:s}", "display", display)));
        }
        json_decref(names);
    }
    if (json_array_size(parts))
        json_object_set_new(o, "participant", parts);
    else
        json_decref(parts);
    json_object_set_new(o, "period", json_pack("{s:s}", "start", get(r, i, "occurred_at")));
    if (get(r, i, "visit_id"))
        json_object_set_new(o, "partOf", fhir_reference("Encounter", get(r, i, "visit_id"), NULL));
    json_object_set_new(o, "serviceProvider",
                        fhir_reference("Organization", get(r, i, "team_id"),
                                       get(r, i, "team_name")));

    json_t *ext = json_array();
    json_array_append_new(ext, json_pack("{s:s, s:o}", "url", EXT_OUTCOME, "valueCoding",
                                         fhir_coding(CS_CONVERSATION_OUTCOME, outcome,
                                                     display_of(outcome_texts, outcome))));
    /* what the database let the caller read: the facility a summary only with the resident's
     * consent in force, the note never (row-level security); the role check repeats it */
    if (get(r, i, "summary"))
        json_array_append_new(ext, extension_string(EXT_SUMMARY, "valueMarkdown",
                                                    get(r, i, "summary")));
    if (region && get(r, i, "clinical_note"))
        json_array_append_new(ext, extension_string(EXT_NOTE, "valueMarkdown",
                                                    get(r, i, "clinical_note")));
    json_object_set_new(o, "extension", ext);
    return o;
}

/* ---- Consent: each consent record ---- */

static const code_text consent_texts[] = {
    {"share_summary_with_facility", "Samtykke til at dele samtaleresuméer med botilbuddet"},
    {"relatives_may_attend", "Samtykke til at pårørende deltager i samtaler"},
    {"partners_may_attend", "Samtykke til at samarbejdspartnere deltager i samtaler"},
    {NULL, NULL},
};

static json_t *consent_json(const PGresult *r, int i, bool region)
{
    (void)region;
    json_t *o = resource_new("Consent", r, i, NULL);
    const char *kind = get(r, i, "kind");
    bool granted = is_true(r, i, "granted"), current = is_true(r, i, "current");
    bool expired = is_true(r, i, "expired");
    /* the latest record of a kind is in force (a refusal or withdrawal too, as a deny);
     * an earlier one, or a consent past its last day, no longer */
    json_object_set_new(o, "status", json_string(current && !(granted && expired) ? "active"
                                                                                  : "inactive"));
    bool share = strcmp(kind, "share_summary_with_facility") == 0;
    json_object_set_new(o, "scope",
                        share ? fhir_concept(CS_CONSENT_SCOPE, "patient-privacy",
                                             "Privatlivets fred", NULL)
                              : fhir_concept(CS_CONSENT_SCOPE, "treatment", "Behandling", NULL));
    json_object_set_new(o, "category",
                        json_pack("[o, o]",
                                  fhir_concept(CS_LOINC, "59284-0", "Samtykke", NULL),
                                  fhir_concept(CS_CONSENT_KIND, kind,
                                               display_of(consent_texts, kind), NULL)));
    json_object_set_new(o, "patient", fhir_reference("Patient", get(r, i, "resident_id"), NULL));
    json_object_set_new(o, "dateTime", json_string(get(r, i, "recorded_at")));
    json_object_set_new(o, "performer",
                        json_pack("[o]", fhir_reference("Patient", get(r, i, "resident_id"),
                                                        NULL)));
    json_object_set_new(o, "policyRule",
                        fhir_concept(CS_ACT_CODE, granted ? "OPTIN" : "OPTOUT",
                                     granted ? "Samtykke givet" : "Samtykke ikke givet", NULL));

    json_t *prov = json_pack("{s:s}", "type", granted ? "permit" : "deny");
    const char *until = get(r, i, "valid_until");
    if (until)
        json_object_set_new(prov, "period", json_pack("{s:s}", "end", until));
    json_t *actors = json_array();
    if (share) {
        json_array_append_new(actors,
                              json_pack("{s:o, s:o}", "role",
                                        fhir_concept(CS_PARTICIPATION, "IRCP",
                                                     "Modtager af oplysninger", NULL),
                                        "reference",
                                        fhir_reference("Organization",
                                                       get(r, i, "facility_id"), NULL)));
    } else {
        bool relatives = strcmp(kind, "relatives_may_attend") == 0;
        json_t *partners = app_jjson(r, i, "partners");
        size_t k;
        json_t *p;
        if (relatives || json_array_size(partners) == 0)
            json_array_append_new(actors,
                                  json_pack("{s:o, s:{s:s}}", "role",
                                            fhir_concept(CS_PARTICIPATION, "PART", "Deltager",
                                                         NULL),
                                            "reference", "display",
                                            relatives ? "Pårørende" : "Samarbejdspartnere"));
        else
            json_array_foreach(partners, k, p)
                json_array_append_new(
                    actors, json_pack("{s:o, s:{s:s}}", "role",
                                      fhir_concept(CS_PARTICIPATION, "PART", "Deltager", NULL),
                                      "reference", "display", json_string_value(p)));
        json_decref(partners);
    }
    json_object_set_new(prov, "actor", actors);
    json_object_set_new(o, "provision", prov);
    const char *note = get(r, i, "scope_note");
    if (note && *note)
        json_object_set_new(o, "extension",
                            json_pack("[o]", extension_string(EXT_SCOPE_NOTE, "valueString",
                                                              note)));
    return o;
}

/* ---- EpisodeOfCare: an admission ---- */

static json_t *episode_json(const PGresult *r, int i, bool region)
{
    (void)region;
    json_t *o = resource_new("EpisodeOfCare", r, i, NULL);
    const char *out = get(r, i, "discharged_at");
    json_object_set_new(o, "status", json_string(out ? "finished" : "active"));
    bool forced = is_true(r, i, "forced");
    const char *ward = get(r, i, "ward");
    char text[300];
    snprintf(text, sizeof text, "%s%s%s", forced ? "Tvangsindlæggelse" : "Indlæggelse",
             ward && *ward ? ", " : "", ward ? ward : "");
    json_object_set_new(o, "type",
                        json_pack("[o]", fhir_concept(CS_ADMISSION_TYPE,
                                                      forced ? "forced" : "voluntary",
                                                      forced ? "Tvangsindlæggelse"
                                                             : "Frivillig indlæggelse",
                                                      text)));
    json_object_set_new(o, "patient", fhir_reference("Patient", get(r, i, "resident_id"), NULL));
    json_object_set_new(o, "managingOrganization",
                        fhir_reference("Organization", get(r, i, "team_id"), NULL));
    json_t *period = json_pack("{s:s}", "start", get(r, i, "admitted_at"));
    if (out)
        json_object_set_new(period, "end", json_string(out));
    json_object_set_new(o, "period", period);
    return o;
}

/* ---- CarePlan: the KIP, its goals (contained Goal), actions and participants ---- */

static const code_text kip_role_texts[] = {
    {"resident", "Borgeren"},
    {"relative", "Pårørende"},
    {"outpatient_psychiatry", "Ambulant psykiatri"},
    {"substance_treatment", "Misbrugsbehandling"},
    {"general_practitioner", "Egen læge"},
    {"municipal_support", "Kommunal støtte"},
    {"contact_person", "Kontaktperson"},
    {"mentor", "Mentor"},
    {"housing_support", "Bostøtte"},
    {"psp", "PSP (politi, socialforvaltning og psykiatri)"},
    {"job_centre", "Jobcenter"},
    {NULL, NULL},
};

/* Goal.lifecycleStatus of a KIP goal status (open, achieved, dropped). */
static const char *goal_lifecycle(const char *status)
{
    if (status && strcmp(status, "achieved") == 0)
        return "completed";
    if (status && strcmp(status, "dropped") == 0)
        return "cancelled";
    return "active";
}

/* CarePlan.activity.detail.status of a KIP action status. */
static const char *activity_status(const char *status)
{
    if (!status)
        return "unknown";
    if (strcmp(status, "open") == 0)
        return "not-started";
    if (strcmp(status, "in_progress") == 0)
        return "in-progress";
    if (strcmp(status, "done") == 0)
        return "completed";
    if (strcmp(status, "cancelled") == 0)
        return "cancelled";
    return "unknown";
}

typedef struct plan_build {
    json_t *contained, *goal_refs, *activities;
    const char *resident_id;
    int goals;
} plan_build;

static void add_actions(plan_build *b, const json_t *actions, const char *goal_ref)
{
    size_t k;
    json_t *a;
    json_array_foreach(actions, k, a) {
        json_t *detail = json_pack("{s:s, s:s, s:[{s:s}]}", "status",
                                   activity_status(json_str(a, "status")), "description",
                                   json_str(a, "action") ? json_str(a, "action") : "",
                                   "goal", "reference", goal_ref);
        const char *who = json_str(a, "responsible");
        if (who && *who)
            json_object_set_new(detail, "performer", json_pack("[{s:s}]", "display", who));
        const char *due = json_str(a, "due_date");
        if (due && *due)
            json_object_set_new(detail, "scheduledPeriod", json_pack("{s:s}", "end", due));
        json_array_append_new(b->activities, json_pack("{s:o}", "detail", detail));
    }
}

/* A contained Goal (and its actions as activities); parent: the goal a sub-goal belongs to. */
static void add_goal(plan_build *b, const json_t *g, const char *parent)
{
    char id[32], ref[40];
    snprintf(id, sizeof id, "goal-%d", ++b->goals);
    snprintf(ref, sizeof ref, "#%s", id);
    const char *title = json_str(g, "title") ? json_str(g, "title") : "";
    json_t *goal = json_pack("{s:s, s:s, s:s, s:{s:s}, s:o}", "resourceType", "Goal", "id", id,
                             "lifecycleStatus", goal_lifecycle(json_str(g, "status")),
                             "description", "text", title, "subject",
                             fhir_reference("Patient", b->resident_id, NULL));
    if (parent) {
        char note[600];
        snprintf(note, sizeof note, "Delmål til: %s", parent);
        json_object_set_new(goal, "note", json_pack("[{s:s}]", "text", note));
    }
    json_array_append_new(b->contained, goal);
    json_array_append_new(b->goal_refs, json_pack("{s:s}", "reference", ref));
    add_actions(b, json_object_get(g, "actions"), ref);
    size_t k;
    json_t *s;
    json_array_foreach(json_object_get(g, "sub_goals"), k, s)
        add_goal(b, s, title);
}

static json_t *careteam(const json_t *participants, const char *resident_id)
{
    json_t *members = json_array();
    const char *const lists[] = {"necessary", "as_needed"};
    for (size_t l = 0; l < 2; l++) {
        size_t k;
        json_t *p;
        json_array_foreach(json_object_get(participants, lists[l]), k, p) {
            const char *role = json_str(p, "role");
            const char *name = json_str(p, "name"), *org = json_str(p, "organisation");
            char display[420];
            snprintf(display, sizeof display, "%s%s%s", name && *name ? name : "",
                     org && *org ? (name && *name ? ", " : "") : "", org && *org ? org : "");
            const char *user = json_str(p, "user_id");
            json_t *member = user ? fhir_reference("Practitioner", user, display)
                                  : json_pack("{s:s}", "display",
                                              display[0] ? display
                                                         : display_of(kip_role_texts, role));
            json_array_append_new(
                members, json_pack("{s:[o], s:o}", "role",
                                   fhir_concept(CS_KIP_ROLE, role ? role : "unknown",
                                                display_of(kip_role_texts, role),
                                                l == 0 ? "Nødvendig deltager"
                                                       : "Deltager efter behov"),
                                   "member", member));
        }
    }
    json_t *team = json_pack("{s:s, s:s, s:s, s:s, s:o}", "resourceType", "CareTeam", "id",
                             "careteam", "status", "active", "name", "KIP-deltagere",
                             "subject", fhir_reference("Patient", resident_id, NULL));
    if (json_array_size(members))
        json_object_set_new(team, "participant", members);
    else
        json_decref(members);
    return team;
}

static json_t *careplan_json(const PGresult *r, int i, bool region)
{
    (void)region;
    json_t *o = resource_new("CarePlan", r, i, get(r, i, "version"));
    const char *status = get(r, i, "status");
    json_object_set_new(o, "status",
                        json_string(strcmp(status, "closed") == 0 ? "completed" : status));
    json_object_set_new(o, "intent", json_string("plan"));
    json_object_set_new(o, "title", json_string("Koordinerende indsatsplan (KIP)"));
    set_str(o, "description", get(r, i, "resident_goal"));
    const char *resident = get(r, i, "resident_id");
    json_object_set_new(o, "subject", fhir_reference("Patient", resident, NULL));
    json_object_set_new(o, "created", json_string(get(r, i, "plan_created")));
    /* the coordinator: the person when named, else the coordinating organisation */
    json_object_set_new(o, "author",
                        get(r, i, "coordinator_user_id")
                            ? fhir_reference("Practitioner", get(r, i, "coordinator_user_id"),
                                             get(r, i, "coordinator_user_name"))
                            : fhir_reference("Organization", get(r, i, "coordinator_org_id"),
                                             get(r, i, "coordinator_org_name")));
    json_object_set_new(o, "contributor",
                        json_pack("[o]", fhir_reference("Practitioner", get(r, i, "created_by"),
                                                        get(r, i, "created_by_name"))));

    plan_build b = {.contained = json_array(), .goal_refs = json_array(),
                    .activities = json_array(), .resident_id = resident};
    json_t *participants = app_jjson(r, i, "participants");
    json_array_append_new(b.contained, careteam(participants, resident));
    json_decref(participants);
    json_t *goals = app_jjson(r, i, "goals");
    size_t k;
    json_t *g;
    json_array_foreach(goals, k, g)
        add_goal(&b, g, NULL);
    json_decref(goals);
    json_object_set_new(o, "contained", b.contained);
    json_object_set_new(o, "careTeam", json_pack("[{s:s}]", "reference", "#careteam"));
    if (json_array_size(b.goal_refs))
        json_object_set_new(o, "goal", b.goal_refs);
    else
        json_decref(b.goal_refs);
    if (json_array_size(b.activities))
        json_object_set_new(o, "activity", b.activities);
    else
        json_decref(b.activities);
    const char *review = get(r, i, "next_review");
    if (review)
        json_object_set_new(o, "extension",
                            json_pack("[{s:s, s:s}]", "url", EXT_NEXT_REVIEW, "valueDate",
                                      review));
    return o;
}

/* ---- the types ---- */

const fhir_type fhir_patient = {"Patient", "fhir_patient_search", "fhir_patient_read",
                                "resident", 0, NULL, patient_json};
const fhir_type fhir_organization = {"Organization", "fhir_organization_search",
                                     "fhir_organization_read", NULL, 0, NULL,
                                     organization_json};
const fhir_type fhir_practitioner = {"Practitioner", "fhir_practitioner_search",
                                     "fhir_practitioner_read", NULL, 0, NULL,
                                     practitioner_json};
const fhir_type fhir_practitioner_role = {"PractitionerRole", "fhir_practitioner_search",
                                          "fhir_practitioner_read", NULL, 0, NULL,
                                          practitioner_role_json};
const fhir_type fhir_careplan = {"CarePlan", "fhir_careplan_search", "fhir_careplan_read", "kip",
                                 FHIR_P_PATIENT | FHIR_P_SUBJECT | FHIR_P_DATE,
                                 "when the current version was saved", careplan_json};
const fhir_type fhir_consent = {"Consent", "fhir_consent_search", "fhir_consent_read",
                                "consent", FHIR_P_PATIENT | FHIR_P_DATE,
                                "when the consent was recorded (Consent.dateTime)", consent_json};
const fhir_type fhir_encounter = {"Encounter", "fhir_encounter_search", "fhir_encounter_read",
                                  "conversation", FHIR_P_PATIENT | FHIR_P_SUBJECT | FHIR_P_DATE,
                                  "when the conversation or visit took place (Encounter.period.start)",
                                  encounter_json};
const fhir_type fhir_episode = {"EpisodeOfCare", "fhir_episode_search", "fhir_episode_read",
                                "admission", FHIR_P_PATIENT | FHIR_P_DATE,
                                "when the resident was admitted (EpisodeOfCare.period.start)",
                                episode_json};

const fhir_type *const fhir_types[] = {&fhir_patient,   &fhir_organization, &fhir_practitioner,
                                       &fhir_practitioner_role, &fhir_careplan, &fhir_consent,
                                       &fhir_encounter, &fhir_episode, NULL};
