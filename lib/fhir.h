/*
 * fhir: HL7 FHIR R4 JSON building blocks that know nothing of psychiatry: references,
 * codings, the searchset Bundle, the search-value grammar (dates with prefixes, ids) and the
 * OperationOutcome that a problem (RFC 9457, lib/problem.h) becomes on a FHIR endpoint.
 */
#ifndef SAMSPIL_FHIR_H
#define SAMSPIL_FHIR_H

#include <jansson.h>
#include <stdbool.h>

#define FHIR_MEDIA_TYPE "application/fhir+json; charset=utf-8"

/* {"reference": "Type/id"} with display when not NULL. New reference. */
json_t *fhir_reference(const char *type, const char *id, const char *display);
/* {"system", "code", "display"?}. New reference. */
json_t *fhir_coding(const char *system, const char *code, const char *display);
/* {"coding": [coding], "text"?}. New reference. */
json_t *fhir_concept(const char *system, const char *code, const char *display,
                     const char *text);

/* The OperationOutcome issue type (http://hl7.org/fhir/issue-type) for an HTTP status. */
const char *fhir_issue_code(unsigned status);
/* The OperationOutcome a problem body says the same as: one issue per entry of errors (the
 * field named in expression), else one for detail; the problem's code as the issue's
 * details. id: the request id (may be NULL). New reference; problem borrowed. */
json_t *fhir_outcome_from_problem(const json_t *problem, unsigned status, const char *id);

/* A search value of type date: an optional prefix (eq, ne, gt, lt, ge, le; eq when none)
 * into prefix (3 bytes), the rest into value (its length at most 40): YYYY, YYYY-MM,
 * YYYY-MM-DD, or YYYY-MM-DDThh:mm[:ss[.s+]] with Z or +hh:mm. False when malformed. */
bool fhir_date_param(const char *text, char prefix[3], char *value, size_t value_len);
/* Whether s is a FHIR id ([A-Za-z0-9.-]{1,64}). */
bool fhir_id_ok(const char *s);

#endif
