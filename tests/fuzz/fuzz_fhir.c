/* libFuzzer target: lib/fhir.c. The input as a date search value (what reaches the database's
 * fhir_date_matches() must be one of the forms FHIR allows: a prefix of two letters taken off,
 * at most 40 characters of digits, '-', 'T', ':', '.', '+', 'Z') and as the problem body that
 * becomes an OperationOutcome (always one with at least one issue of severity and code). */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fhir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';

    char prefix[3], value[48];
    if (fhir_date_param(text, prefix, value, sizeof value)) {
        size_t n = strlen(value);
        if (n < 4 || n > 40 || strlen(prefix) != 2)
            abort();
        for (size_t i = 0; i < n; i++)
            if (!strchr("0123456789-T:.+Z", value[i]))
                abort();
    }
    (void)fhir_id_ok(text);

    json_t *problem = json_loadb((const char *)data, size, 0, NULL);
    unsigned status = size ? 400u + data[0] % 200u : 500u;
    json_t *o = fhir_outcome_from_problem(problem, status, text);
    json_t *issue = json_array_get(json_object_get(o, "issue"), 0);
    if (!json_is_string(json_object_get(issue, "severity")) ||
        !json_is_string(json_object_get(issue, "code")))
        abort();
    char *out = json_dumps(o, JSON_COMPACT);
    if (!out)
        abort();
    free(out);
    json_decref(o);
    json_decref(problem);
    free(text);
    return 0;
}
