/*
 * json: strict JSON input. Bodies are parsed with duplicate keys rejected
 * and nesting depth bounded, then checked against a field list so every
 * handler validates the same way and reports every bad field at once.
 */
#ifndef SAMSPIL_JSON_H
#define SAMSPIL_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define JSON_MAX_DEPTH 16

typedef enum json_field_type {
    JF_STRING,    /* string, length in [min_len, max_len] code points (max_len 0: 10000) */
    JF_TEXT,      /* long free text: like JF_STRING with max_len default 20000 */
    JF_INT,       /* integer in [min, max] */
    JF_BOOL,
    JF_UUID,      /* canonical 8-4-4-4-12 hex */
    JF_DATE,      /* YYYY-MM-DD, a real calendar date */
    JF_TIMESTAMP, /* RFC 3339 date-time with offset */
    JF_TIME,      /* HH:MM */
    JF_EMAIL,
    JF_ENUM,      /* one of enum_values */
    JF_OBJECT,
    JF_ARRAY,
} json_field_type;

typedef struct json_field {
    const char *name;
    json_field_type type;
    bool required;
    bool nullable;                  /* JSON null accepted */
    long long min, max;             /* JF_INT bounds (both 0: any) */
    size_t min_len, max_len;        /* JF_STRING lengths; JF_ARRAY item count */
    const char *const *enum_values; /* JF_ENUM: NULL-terminated */
} json_field;

/* Parses a request body. On failure returns NULL and writes a reason to err (size errlen).
 * Rejects duplicate keys, non-object top level when want_object, and depth > JSON_MAX_DEPTH.
 * New reference. */
json_t *json_parse_strict(const char *text, size_t len, bool want_object, char *err,
                          size_t errlen);

/* Nesting depth of a value (a scalar is 0). */
int json_depth(const json_t *v);

/* Validates obj against fields, appending {field, reason} to errors (array, borrowed) for each
 * problem, including unknown keys. Returns true when obj is valid. */
bool json_validate(const json_t *obj, const json_field *fields, size_t nfields, json_t *errors);

/* Single-value checks used by json_validate and by query-string parsing. */
bool json_is_uuid(const char *s);
bool json_is_date(const char *s);
bool json_is_timestamp(const char *s);
bool json_is_email(const char *s);
/* Number of UTF-8 code points, or -1 when s is not valid UTF-8. */
long json_utf8_len(const char *s);

/* Borrowed string member, or NULL when absent, null or not a string. */
const char *json_str(const json_t *obj, const char *key);

#endif
