/*
 * fhir_resources: what each FHIR resource type Samspil serves is made of. The SQL that reads
 * it (as the caller: row-level security decides what is seen, and the search statements write
 * their audit rows themselves, as the API's lists do) and the mapping of a row to the FHIR R4
 * resource, with the codes and Danish display texts. The HTTP side is server/fhir.c.
 */
#ifndef SAMSPIL_FHIR_RESOURCES_H
#define SAMSPIL_FHIR_RESOURCES_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

/* Which search parameters a type takes, beyond _lastUpdated, _count and cursor. */
enum {
    FHIR_P_PATIENT = 1 << 0, /* patient=[Patient/]id */
    FHIR_P_SUBJECT = 1 << 1, /* subject=[Patient/]id, the same */
    FHIR_P_DATE = 1 << 2,    /* date=[prefix]value, at most twice */
};

/* Every search statement takes the same parameters, NULL when not given:
 *   $1 patient (uuid), $2/$3 and $4/$5 date value and prefix, $6/$7 and $8/$9 _lastUpdated
 *   value and prefix, $10/$11 cursor key and id, $12 page size, $13 the audit purpose.
 * and gives, besides the resource's columns, id and sort_key (the cursor) and, for resident
 * data, resident_id, team_id and facility_id. The read statement takes $1 id. */
#define FHIR_SEARCH_PARAMS 13

typedef struct fhir_type {
    const char *name;          /* "Patient" */
    const char *search_stmt;   /* registered statement names */
    const char *read_stmt;
    const char *audit_type;    /* the audit log's resource_type; NULL: not resident data */
    unsigned params;           /* FHIR_P_* */
    const char *date_doc;      /* what date compares with (CapabilityStatement); NULL: none */
    /* row i of r as the resource; region: the caller is region staff. New reference. */
    json_t *(*to_fhir)(const PGresult *r, int i, bool region);
} fhir_type;

extern const fhir_type fhir_patient, fhir_organization, fhir_practitioner,
    fhir_practitioner_role, fhir_careplan, fhir_consent, fhir_encounter, fhir_episode;

/* Every type, NULL-terminated, in the order $everything and the CapabilityStatement list them. */
extern const fhir_type *const fhir_types[];

/* The statements of the CarePlan history: $1 plan id (every version, newest first), and
 * $1 plan id, $2 version (one). Columns as the CarePlan search. */
#define FHIR_STMT_CAREPLAN_HISTORY "fhir_careplan_history"
#define FHIR_STMT_CAREPLAN_VERSION "fhir_careplan_version"

void fhir_resources_register(void);

#endif
