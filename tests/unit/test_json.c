/*
 * test_json: lib/json. Bodies are parsed strictly (duplicate keys, nesting
 * deeper than JSON_MAX_DEPTH counted outside strings only, non-objects where
 * an object is wanted, empty bodies and malformed text all refused with a
 * reason a client can act on), and json_validate reports every bad field of a
 * body at once, with one reason per field, for every field type.
 */
#include "json.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

/* text parsed with json_parse_strict; err receives the reason on failure. */
static json_t *parse(const char *text, bool want_object, char *err, size_t errlen)
{
    err[0] = '\0';
    return json_parse_strict(text, strlen(text), want_object, err, errlen);
}

/* n opening brackets, a value, n closing brackets; caller frees. */
static char *nested_arrays(int n)
{
    char *s = malloc((size_t)n * 2 + 2);
    ck_assert_ptr_nonnull(s);
    memset(s, '[', (size_t)n);
    s[n] = '1';
    memset(s + n + 1, ']', (size_t)n);
    s[2 * n + 1] = '\0';
    return s;
}

/* {"a":{"a":...1...}} with n levels of objects; caller frees. */
static char *nested_objects(int n)
{
    size_t cap = (size_t)n * 6 + 2;
    char *s = malloc(cap);
    ck_assert_ptr_nonnull(s);
    s[0] = '\0';
    for (int i = 0; i < n; i++)
        strcat(s, "{\"a\":");
    strcat(s, "1");
    for (int i = 0; i < n; i++)
        strcat(s, "}");
    return s;
}

/* The reason json_validate gave for field, or NULL when it has no error. */
static const char *reason_of(const json_t *errors, const char *field)
{
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e) {
        if (strcmp(json_string_value(json_object_get(e, "field")), field) == 0)
            return json_string_value(json_object_get(e, "reason"));
    }
    return NULL;
}

/* Validates body (JSON text) against fields; *ok gets json_validate's result. New reference. */
static json_t *validate(const char *body, const json_field *fields, size_t n, bool *ok)
{
    json_error_t je;
    json_t *obj = json_loads(body, JSON_REJECT_DUPLICATES, &je);
    ck_assert_msg(obj != NULL, "test body does not parse: %s (%s)", body, je.text);
    json_t *errors = json_array();
    *ok = json_validate(obj, fields, n, errors);
    /* The result and the error list always agree. */
    ck_assert_int_eq(*ok, json_array_size(errors) == 0);
    json_decref(obj);
    return errors;
}

/* Checks {"v": value} against the single field f (named "v"). Returns the reason of the
 * error, copied to reason (empty when valid), and whether it was valid. */
static bool check_one(json_field f, const char *value, char *reason, size_t reason_len)
{
    size_t cap = strlen(value) + 8;
    char *body = malloc(cap);
    bool ok = false;
    ck_assert_ptr_nonnull(body);
    f.name = "v";
    snprintf(body, cap, "{\"v\":%s}", value);
    json_t *errors = validate(body, &f, 1, &ok);
    free(body);
    const char *r = reason_of(errors, "v");
    snprintf(reason, reason_len, "%s", r ? r : "");
    ck_assert_msg(json_array_size(errors) <= 1, "more than one error for %s", value);
    json_decref(errors);
    return ok;
}

#define ACCEPTS(field, value)                                                          \
    do {                                                                               \
        char r_[200];                                                                  \
        ck_assert_msg(check_one((field), (value), r_, sizeof r_), "%s refused: %s",    \
                      (value), r_);                                                    \
    } while (0)

#define REFUSES(field, value, want_reason)                                             \
    do {                                                                               \
        char r_[200];                                                                  \
        ck_assert_msg(!check_one((field), (value), r_, sizeof r_), "%s accepted",      \
                      (value));                                                        \
        ck_assert_msg(strcmp(r_, (want_reason)) == 0, "%s: reason '%s', want '%s'",    \
                      (value), r_, (want_reason));                                     \
    } while (0)

/* ---- json_parse_strict ---- */

START_TEST(parse_accepts_object)
{
    char err[256];
    json_t *v = parse("{\"name\":\"Æblegrød\",\"n\":[1,2,{\"x\":null}]}", true, err, sizeof err);
    ck_assert_ptr_nonnull(v);
    ck_assert_str_eq(err, "");
    ck_assert_str_eq(json_str(v, "name"), "Æblegrød");
    ck_assert_ptr_null(json_str(v, "n"));       /* not a string */
    ck_assert_ptr_null(json_str(v, "missing")); /* absent */
    json_decref(v);
}
END_TEST

START_TEST(parse_rejects_duplicate_keys)
{
    char err[256];
    ck_assert_ptr_null(parse("{\"a\":1,\"a\":2}", true, err, sizeof err));
    ck_assert_msg(strstr(err, "duplicate") != NULL, "err: %s", err);
    ck_assert_msg(strstr(err, "Malformed JSON at line 1, column 10") == err, "err: %s", err);

    /* Nested objects too, and the same key with different values and types. */
    ck_assert_ptr_null(parse("{\"x\":{\"role\":\"staff\",\"role\":\"admin\"}}", true, err,
                             sizeof err));
    ck_assert_ptr_null(parse("[{\"a\":1,\"b\":2,\"a\":null}]", false, err, sizeof err));

    /* The same key in sibling objects is fine. */
    json_t *v = parse("[{\"a\":1},{\"a\":2}]", false, err, sizeof err);
    ck_assert_ptr_nonnull(v);
    json_decref(v);
}
END_TEST

START_TEST(parse_depth_limit)
{
    char err[256];
    ck_assert_int_eq(JSON_MAX_DEPTH, 16);

    char *s = nested_arrays(16);
    json_t *v = parse(s, false, err, sizeof err);
    ck_assert_msg(v != NULL, "depth 16 refused: %s", err);
    ck_assert_int_eq(json_depth(v), 16);
    json_decref(v);
    free(s);

    s = nested_arrays(17);
    ck_assert_ptr_null(parse(s, false, err, sizeof err));
    ck_assert_str_eq(err, "JSON is nested deeper than 16 levels.");
    free(s);

    s = nested_objects(16);
    v = parse(s, true, err, sizeof err);
    ck_assert_msg(v != NULL, "depth 16 refused: %s", err);
    ck_assert_int_eq(json_depth(v), 16);
    json_decref(v);
    free(s);

    s = nested_objects(17);
    ck_assert_ptr_null(parse(s, true, err, sizeof err));
    ck_assert_str_eq(err, "JSON is nested deeper than 16 levels.");
    free(s);

    /* Far deeper than jansson's own limit still only gets the depth message. */
    s = nested_arrays(5000);
    ck_assert_ptr_null(parse(s, false, err, sizeof err));
    ck_assert_str_eq(err, "JSON is nested deeper than 16 levels.");
    free(s);

    /* Depth is the maximum, not the count of brackets: many shallow siblings are fine. */
    char wide[4096] = "[";
    for (int i = 0; i < 500; i++)
        strcat(wide, i ? ",[]" : "[]");
    strcat(wide, "]");
    v = parse(wide, false, err, sizeof err);
    ck_assert_msg(v != NULL, "wide refused: %s", err);
    json_decref(v);
}
END_TEST

START_TEST(parse_depth_counts_outside_strings_only)
{
    char err[256];
    /* 30 brackets inside a string value and a key do not count. */
    json_t *v = parse("{\"[[[[[[[[[[\":\"[[[[[[[[[[[[[[[[[[[[{{{{{{{{{{\"}", true, err, sizeof err);
    ck_assert_msg(v != NULL, "refused: %s", err);
    json_decref(v);

    /* An escaped quote does not end the string: the brackets after it are still text. */
    v = parse("{\"a\":\"\\\"[[[[[[[[[[[[[[[[[[[[\"}", true, err, sizeof err);
    ck_assert_msg(v != NULL, "refused: %s", err);
    json_decref(v);

    /* An escaped backslash does end before the quote: what follows is structure again. */
    char *deep = nested_arrays(16); /* with the outer object: 17 */
    char body[256];
    snprintf(body, sizeof body, "{\"a\":\"\\\\\",\"b\":%s}", deep);
    ck_assert_ptr_null(parse(body, true, err, sizeof err));
    ck_assert_str_eq(err, "JSON is nested deeper than 16 levels.");
    free(deep);

    deep = nested_arrays(15); /* with the outer object: 16 */
    snprintf(body, sizeof body, "{\"a\":\"\\\\\",\"b\":%s}", deep);
    v = parse(body, true, err, sizeof err);
    ck_assert_msg(v != NULL, "refused: %s", err);
    json_decref(v);
    free(deep);

    /* Closing brackets inside strings do not lower the depth either. */
    deep = nested_arrays(17);
    snprintf(body, sizeof body, "[\"]]]]]]]]]]]]]]]]]]]]]]\",%s]", deep);
    ck_assert_ptr_null(parse(body, false, err, sizeof err));
    free(deep);
}
END_TEST

START_TEST(parse_want_object)
{
    char err[256];
    ck_assert_ptr_null(parse("[1,2]", true, err, sizeof err));
    ck_assert_str_eq(err, "The body must be a JSON object.");

    json_t *v = parse("[1,2]", false, err, sizeof err);
    ck_assert_ptr_nonnull(v);
    ck_assert(json_is_array(v));
    json_decref(v);

    /* A bare scalar is never a body. */
    ck_assert_ptr_null(parse("42", true, err, sizeof err));
    ck_assert_str_ne(err, "");
    ck_assert_ptr_null(parse("\"text\"", true, err, sizeof err));
    ck_assert_str_ne(err, "");
    ck_assert_ptr_null(parse("null", true, err, sizeof err));
    ck_assert_str_ne(err, "");
}
END_TEST

START_TEST(parse_empty_body)
{
    char err[256];
    ck_assert_ptr_null(json_parse_strict("", 0, true, err, sizeof err));
    ck_assert_str_eq(err, "The request body is empty; a JSON object is expected.");
    ck_assert_ptr_null(json_parse_strict(NULL, 0, true, err, sizeof err));
    ck_assert_str_eq(err, "The request body is empty; a JSON object is expected.");
    /* Length is what counts, not the text. */
    ck_assert_ptr_null(json_parse_strict("{}", 0, true, err, sizeof err));
    ck_assert_str_eq(err, "The request body is empty; a JSON object is expected.");
    /* Only whitespace is malformed, with a position. */
    ck_assert_ptr_null(parse("   ", true, err, sizeof err));
    ck_assert_msg(strstr(err, "Malformed JSON at line 1, column ") == err, "err: %s", err);
}
END_TEST

START_TEST(parse_malformed_reports_position)
{
    char err[256];
    ck_assert_ptr_null(parse("{\"a\": }", true, err, sizeof err));
    ck_assert_msg(strstr(err, "Malformed JSON at line 1, column 7: ") == err, "err: %s", err);

    ck_assert_ptr_null(parse("{\n  \"a\": 1,\n  \"b\": ]\n}", true, err, sizeof err));
    ck_assert_msg(strstr(err, "Malformed JSON at line 3, column 8: ") == err, "err: %s", err);

    ck_assert_ptr_null(parse("{\"a\":1} x", true, err, sizeof err));
    ck_assert_msg(strstr(err, "Malformed JSON at line 1, column 9: ") == err, "err: %s", err);

    static const char *const bad[] = {
        "{", "{\"a\"}", "{\"a\":1,}", "{'a':1}", "{\"a\":tru}", "{\"a\":01}",
        "{\"a\":\"unterminated}", "{\"a\":\"\\x\"}", "{\"a\":\"\xff\"}", "{a:1}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(parse(bad[i], true, err, sizeof err) == NULL, "accepted %s", bad[i]);
        ck_assert_msg(strstr(err, "Malformed JSON at line ") == err, "%s: err %s", bad[i], err);
    }

    /* A NUL byte inside the given length is not silently the end of the body. */
    ck_assert_ptr_null(json_parse_strict("{}\0{}", 5, true, err, sizeof err));
}
END_TEST

START_TEST(parse_small_error_buffer)
{
    char err[8];
    memset(err, 'x', sizeof err);
    ck_assert_ptr_null(json_parse_strict("{", 1, true, err, sizeof err));
    ck_assert_uint_eq(strlen(err), sizeof err - 1);
    ck_assert_str_eq(err, "Malform");
}
END_TEST

START_TEST(depth_of_values)
{
    json_t *v = json_loads("{\"a\":[1,{\"b\":[]}],\"c\":2}", 0, NULL);
    ck_assert_int_eq(json_depth(v), 4);
    ck_assert_int_eq(json_depth(json_object_get(v, "c")), 0);
    json_decref(v);
    v = json_array();
    ck_assert_int_eq(json_depth(v), 1);
    json_decref(v);
}
END_TEST

/* ---- json_utf8_len ---- */

START_TEST(utf8_len_counts_code_points)
{
    ck_assert_int_eq(json_utf8_len(""), 0);
    ck_assert_int_eq(json_utf8_len("abc"), 3);
    ck_assert_int_eq(json_utf8_len("Æblegrød"), 8);
    ck_assert_int_eq(json_utf8_len("\xe2\x82\xac"), 1);     /* € */
    ck_assert_int_eq(json_utf8_len("\xf0\x9f\x98\x80"), 1); /* 😀 */
    ck_assert_int_eq(json_utf8_len("\xf4\x8f\xbf\xbf"), 1); /* U+10FFFF, the last one */
    ck_assert_int_eq(json_utf8_len("\xed\x9f\xbf"), 1);     /* U+D7FF, before the surrogates */
}
END_TEST

START_TEST(utf8_len_invalid_is_minus_one)
{
    static const char *const bad[] = {
        "\xff",                 /* never in UTF-8 */
        "\xfe",
        "\x80",                 /* continuation without a lead */
        "ab\xbf" "cd",
        "\xc3",                 /* truncated at the end */
        "\xe2\x82",
        "\xf0\x9f\x98",
        "\xc3(",                /* lead followed by ASCII */
        "\xe2(\xac",
        "\xf8\x88\x80\x80\x80", /* 5-byte form */
        "\xfc\x84\x80\x80\x80\x80",
        "Æblegr\xf8" "d",       /* Latin-1 ø */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(json_utf8_len(bad[i]) == -1, "case %zu: %ld", i, json_utf8_len(bad[i]));
}
END_TEST

/* Fails until fixed: json_utf8_len accepts these ill-formed sequences (RFC 3629 §4). */
START_TEST(utf8_len_rejects_overlong_surrogates_and_out_of_range)
{
    static const char *const bad[] = {
        "\xc0\xaf",         /* overlong '/' */
        "\xc1\xbf",         /* overlong U+007F */
        "\xe0\x80\xaf",     /* overlong '/' */
        "\xe0\x9f\xbf",     /* overlong U+07FF */
        "\xf0\x80\x80\xaf", /* overlong '/' */
        "\xf0\x8f\xbf\xbf", /* overlong U+FFFF */
        "\xed\xa0\x80",     /* U+D800, a surrogate */
        "\xed\xbf\xbf",     /* U+DFFF */
        "\xf4\x90\x80\x80", /* U+110000, beyond Unicode */
        "\xf5\x80\x80\x80",
        "\xf7\xbf\xbf\xbf",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(json_utf8_len(bad[i]) == -1, "case %zu: %ld, want -1", i,
                      json_utf8_len(bad[i]));
}
END_TEST

/* ---- json_validate: the field list ---- */

START_TEST(validate_required_and_unknown)
{
    static const json_field fields[] = {
        {.name = "name", .type = JF_STRING, .required = true},
        {.name = "note", .type = JF_STRING},
    };
    bool ok = false;
    json_t *errors = validate("{\"name\":\"Kim\"}", fields, 2, &ok);
    ck_assert(ok);
    json_decref(errors);

    errors = validate("{\"name\":\"Kim\",\"note\":\"x\"}", fields, 2, &ok);
    ck_assert(ok);
    json_decref(errors);

    /* Missing required field. */
    errors = validate("{\"note\":\"x\"}", fields, 2, &ok);
    ck_assert(!ok);
    ck_assert_uint_eq(json_array_size(errors), 1);
    ck_assert_str_eq(reason_of(errors, "name"), "is required");
    json_decref(errors);

    /* Unknown keys are errors, including near misses in case. */
    errors = validate("{\"name\":\"Kim\",\"Name\":\"x\",\"role\":\"admin\"}", fields, 2, &ok);
    ck_assert(!ok);
    ck_assert_uint_eq(json_array_size(errors), 2);
    ck_assert_str_eq(reason_of(errors, "Name"), "is not a known field");
    ck_assert_str_eq(reason_of(errors, "role"), "is not a known field");
    ck_assert_ptr_null(reason_of(errors, "name"));
    json_decref(errors);

    /* A required string must not be empty; an optional one may be. */
    errors = validate("{\"name\":\"\",\"note\":\"\"}", fields, 2, &ok);
    ck_assert(!ok);
    ck_assert_uint_eq(json_array_size(errors), 1);
    ck_assert_str_eq(reason_of(errors, "name"), "must not be empty");
    json_decref(errors);

    /* An empty body against an empty field list is valid; anything in it is not. */
    errors = validate("{}", fields, 0, &ok);
    ck_assert(ok);
    json_decref(errors);
    errors = validate("{\"x\":1}", NULL, 0, &ok);
    ck_assert(!ok);
    ck_assert_str_eq(reason_of(errors, "x"), "is not a known field");
    json_decref(errors);
}
END_TEST

START_TEST(validate_nullable)
{
    static const json_field fields[] = {
        {.name = "req", .type = JF_STRING, .required = true},
        {.name = "opt", .type = JF_DATE},
        {.name = "null_ok", .type = JF_DATE, .nullable = true},
        {.name = "req_null_ok", .type = JF_UUID, .required = true, .nullable = true},
    };
    bool ok = false;
    json_t *errors =
        validate("{\"req\":null,\"opt\":null,\"null_ok\":null,\"req_null_ok\":null}", fields, 4, &ok);
    ck_assert(!ok);
    ck_assert_uint_eq(json_array_size(errors), 2);
    ck_assert_str_eq(reason_of(errors, "req"), "is required");
    ck_assert_str_eq(reason_of(errors, "opt"), "must not be null");
    ck_assert_ptr_null(reason_of(errors, "null_ok"));
    ck_assert_ptr_null(reason_of(errors, "req_null_ok"));
    json_decref(errors);

    /* Required and nullable: null is a value, absence is not. */
    errors = validate("{\"req\":\"x\"}", fields, 4, &ok);
    ck_assert(!ok);
    ck_assert_uint_eq(json_array_size(errors), 1);
    ck_assert_str_eq(reason_of(errors, "req_null_ok"), "is required");
    json_decref(errors);

    /* Nullable does not relax the type of a non-null value. */
    errors = validate("{\"req\":\"x\",\"null_ok\":\"2023-02-29\",\"req_null_ok\":\"nope\"}", fields,
                      4, &ok);
    ck_assert(!ok);
    ck_assert_str_eq(reason_of(errors, "null_ok"), "must be a date (YYYY-MM-DD)");
    ck_assert_str_eq(reason_of(errors, "req_null_ok"), "must be a UUID");
    json_decref(errors);
}
END_TEST

START_TEST(validate_collects_every_error)
{
    static const char *const levels[] = {"low", "medium", "high", NULL};
    static const json_field fields[] = {
        {.name = "name", .type = JF_STRING, .required = true, .max_len = 5},
        {.name = "age", .type = JF_INT, .min = 0, .max = 130},
        {.name = "active", .type = JF_BOOL},
        {.name = "id", .type = JF_UUID, .required = true},
        {.name = "born", .type = JF_DATE},
        {.name = "at", .type = JF_TIMESTAMP},
        {.name = "from", .type = JF_TIME},
        {.name = "email", .type = JF_EMAIL},
        {.name = "level", .type = JF_ENUM, .enum_values = levels},
        {.name = "meta", .type = JF_OBJECT},
        {.name = "tags", .type = JF_ARRAY},
        {.name = "team", .type = JF_UUID, .required = true},
    };
    const size_t n = sizeof fields / sizeof fields[0];
    bool ok = true;
    json_t *errors = validate("{\"name\":\"Æblegrød\",\"age\":131,\"active\":\"yes\",\"id\":\"x\","
                              "\"born\":\"2023-02-29\",\"at\":\"2024-01-01T10:00:00\","
                              "\"from\":\"24:00\",\"email\":\"nobody\",\"level\":\"urgent\","
                              "\"meta\":[],\"tags\":{},\"extra\":1,\"more\":2}",
                              fields, n, &ok);
    ck_assert(!ok);
    /* 11 bad values, 2 unknown keys, 1 missing required field. */
    ck_assert_uint_eq(json_array_size(errors), 14);
    ck_assert_str_eq(reason_of(errors, "name"), "must be at most 5 characters");
    ck_assert_str_eq(reason_of(errors, "age"), "must be between 0 and 130");
    ck_assert_str_eq(reason_of(errors, "active"), "must be true or false");
    ck_assert_str_eq(reason_of(errors, "id"), "must be a UUID");
    ck_assert_str_eq(reason_of(errors, "born"), "must be a date (YYYY-MM-DD)");
    ck_assert_str_eq(reason_of(errors, "at"), "must be an RFC 3339 date-time with offset");
    ck_assert_str_eq(reason_of(errors, "from"), "must be a time of day (HH:MM)");
    ck_assert_str_eq(reason_of(errors, "email"), "must be an e-mail address");
    ck_assert_str_eq(reason_of(errors, "level"), "must be one of: low, medium, high");
    ck_assert_str_eq(reason_of(errors, "meta"), "must be an object");
    ck_assert_str_eq(reason_of(errors, "tags"), "must be an array");
    ck_assert_str_eq(reason_of(errors, "extra"), "is not a known field");
    ck_assert_str_eq(reason_of(errors, "more"), "is not a known field");
    ck_assert_str_eq(reason_of(errors, "team"), "is required");
    /* Every entry is exactly {field, reason}. */
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e) {
        ck_assert_uint_eq(json_object_size(e), 2);
        ck_assert(json_is_string(json_object_get(e, "field")));
        ck_assert(json_is_string(json_object_get(e, "reason")));
    }
    json_decref(errors);

    /* The same fields, all good. */
    errors = validate("{\"name\":\"Søren\",\"age\":0,\"active\":false,"
                      "\"id\":\"123e4567-e89b-12d3-a456-426614174000\",\"born\":\"2024-02-29\","
                      "\"at\":\"2024-01-01T10:00:00+01:00\",\"from\":\"08:30\","
                      "\"email\":\"kim@example.dk\",\"level\":\"high\",\"meta\":{},\"tags\":[1],"
                      "\"team\":\"123E4567-E89B-12D3-A456-426614174000\"}",
                      fields, n, &ok);
    ck_assert_msg(ok, "first error: %s", json_dumps(json_array_get(errors, 0), 0));
    json_decref(errors);
}
END_TEST

START_TEST(validate_appends_to_existing_errors)
{
    static const json_field fields[] = {{.name = "a", .type = JF_INT}};
    json_t *obj = json_loads("{\"a\":1}", 0, NULL);
    json_t *errors = json_array();
    json_array_append_new(errors, json_string("earlier"));
    /* A valid object is valid even when the array already holds another module's errors. */
    ck_assert(json_validate(obj, fields, 1, errors));
    ck_assert_uint_eq(json_array_size(errors), 1);
    json_object_set_new(obj, "a", json_string("1"));
    ck_assert(!json_validate(obj, fields, 1, errors));
    ck_assert_uint_eq(json_array_size(errors), 2);
    ck_assert_str_eq(json_string_value(json_array_get(errors, 0)), "earlier");
    json_decref(obj);
    json_decref(errors);
}
END_TEST

/* ---- json_validate: each type ---- */

START_TEST(type_string_length_in_code_points)
{
    json_field f = {.type = JF_STRING, .max_len = 8};
    /* 8 code points, 10 bytes. */
    ACCEPTS(f, "\"Æblegrød\"");
    ACCEPTS(f, "\"ÆØÅæøåÆØ\"");
    ACCEPTS(f, "\"\\u00c6blegr\\u00f8d\""); /* escaped: the same 8 code points */
    REFUSES(f, "\"Æblegrøde\"", "must be at most 8 characters");
    f.max_len = 7;
    REFUSES(f, "\"Æblegrød\"", "must be at most 7 characters");
    /* An emoji is one code point even outside the BMP (two UTF-16 escapes). */
    f.max_len = 1;
    ACCEPTS(f, "\"\\ud83d\\ude00\"");
    ACCEPTS(f, "\"😀\"");
    REFUSES(f, "\"😀😀\"", "must be at most 1 characters");

    /* min_len counts code points too. */
    f.max_len = 0;
    f.min_len = 8;
    ACCEPTS(f, "\"Æblegrød\"");
    {
        char r[200];
        ck_assert(!check_one(f, "\"Æblegrd\"", r, sizeof r)); /* 7 */
    }

    /* Not a string. */
    f.min_len = 0;
    REFUSES(f, "12", "must be a string");
    REFUSES(f, "true", "must be a string");
    REFUSES(f, "[\"a\"]", "must be a string");
    REFUSES(f, "{}", "must be a string");
}
END_TEST

START_TEST(type_string_default_limits)
{
    json_field s = {.type = JF_STRING};
    json_field t = {.type = JF_TEXT};
    size_t cap = 20010 * 2 + 8;
    char *body = malloc(cap);
    ck_assert_ptr_nonnull(body);

    /* JF_STRING: at most 10000 code points by default; ø is two bytes each. */
    body[0] = '"';
    size_t off = 1;
    for (int i = 0; i < 10000; i++) {
        memcpy(body + off, "ø", 2);
        off += 2;
    }
    memcpy(body + off, "\"", 2);
    ACCEPTS(s, body);
    memcpy(body + off, "ø\"", 4);
    REFUSES(s, body, "must be at most 10000 characters");
    ACCEPTS(t, body);

    /* JF_TEXT: at most 20000. */
    off = 1;
    for (int i = 0; i < 20000; i++) {
        memcpy(body + off, "ø", 2);
        off += 2;
    }
    memcpy(body + off, "\"", 2);
    ACCEPTS(t, body);
    memcpy(body + off, "ø\"", 4);
    REFUSES(t, body, "must be at most 20000 characters");
    free(body);

    /* Required JF_TEXT may be empty; JF_TEXT has the same type check. */
    t.required = true;
    ACCEPTS(t, "\"\"");
    REFUSES(t, "1", "must be a string");
}
END_TEST

START_TEST(type_string_invalid_utf8)
{
    /* jansson refuses invalid UTF-8 when parsing; a value built without the check still
     * does not get through. */
    static const json_field f = {.name = "v", .type = JF_STRING};
    json_t *obj = json_object();
    json_object_set_new(obj, "v", json_string_nocheck("Æblegr\xf8" "d"));
    json_t *errors = json_array();
    ck_assert(!json_validate(obj, &f, 1, errors));
    ck_assert_str_eq(reason_of(errors, "v"), "must be valid UTF-8");
    json_decref(errors);
    json_decref(obj);
}
END_TEST

/* Fails until fixed: a too-short string is reported as "must not be empty" whatever min_len. */
START_TEST(type_string_min_len_reason_names_the_minimum)
{
    json_field f = {.type = JF_STRING, .min_len = 9};
    char r[200];
    ck_assert(!check_one(f, "\"Æblegrød\"", r, sizeof r));
    ck_assert_msg(strcmp(r, "must not be empty") != 0 && strstr(r, "9") != NULL,
                  "8 of at least 9 characters: reason '%s'", r);
}
END_TEST

START_TEST(type_int_bounds)
{
    json_field f = {.type = JF_INT, .min = 1, .max = 10};
    ACCEPTS(f, "1");
    ACCEPTS(f, "10");
    ACCEPTS(f, "5");
    REFUSES(f, "0", "must be between 1 and 10");
    REFUSES(f, "11", "must be between 1 and 10");
    REFUSES(f, "-1", "must be between 1 and 10");
    REFUSES(f, "9223372036854775807", "must be between 1 and 10");
    REFUSES(f, "5.0", "must be an integer");
    REFUSES(f, "5.5", "must be an integer");
    REFUSES(f, "\"5\"", "must be an integer");
    REFUSES(f, "true", "must be an integer");
    REFUSES(f, "[5]", "must be an integer");

    /* Negative ranges. */
    f.min = -10;
    f.max = -1;
    ACCEPTS(f, "-10");
    ACCEPTS(f, "-1");
    REFUSES(f, "0", "must be between -10 and -1");
    REFUSES(f, "-11", "must be between -10 and -1");

    /* Both bounds 0: any integer. */
    f.min = f.max = 0;
    ACCEPTS(f, "0");
    ACCEPTS(f, "-9223372036854775808");
    ACCEPTS(f, "9223372036854775807");
    REFUSES(f, "1e3", "must be an integer");
}
END_TEST

START_TEST(type_bool)
{
    json_field f = {.type = JF_BOOL};
    ACCEPTS(f, "true");
    ACCEPTS(f, "false");
    REFUSES(f, "1", "must be true or false");
    REFUSES(f, "0", "must be true or false");
    REFUSES(f, "\"true\"", "must be true or false");
    REFUSES(f, "[]", "must be true or false");
}
END_TEST

START_TEST(type_uuid)
{
    json_field f = {.type = JF_UUID};
    ACCEPTS(f, "\"123e4567-e89b-12d3-a456-426614174000\"");
    ACCEPTS(f, "\"00000000-0000-0000-0000-000000000000\"");
    ACCEPTS(f, "\"ABCDEF01-2345-6789-ABCD-EF0123456789\"");
    static const char *const bad[] = {
        "\"123e4567e89b12d3a456426614174000\"",      /* no hyphens */
        "\"{123e4567-e89b-12d3-a456-426614174000}\"", /* braces */
        "\"123e4567-e89b-12d3-a456-42661417400\"",   /* one short */
        "\"123e4567-e89b-12d3-a456-4266141740000\"", /* one long */
        "\"123e4567-e89b-12d3-a456-42661417400g\"",  /* not hex */
        "\"123e4567-e89b-12d3-a4564-26614174000\"",  /* hyphen moved */
        "\" 23e4567-e89b-12d3-a456-426614174000\"",
        "\"\"",
        "123",
        "true",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        REFUSES(f, bad[i], "must be a UUID");

    ck_assert(json_is_uuid("123e4567-e89b-12d3-a456-426614174000"));
    ck_assert(!json_is_uuid(NULL));
}
END_TEST

START_TEST(type_date)
{
    json_field f = {.type = JF_DATE};
    ACCEPTS(f, "\"2024-02-29\""); /* leap year */
    ACCEPTS(f, "\"2000-02-29\""); /* divisible by 400 */
    ACCEPTS(f, "\"2023-02-28\"");
    ACCEPTS(f, "\"2024-12-31\"");
    ACCEPTS(f, "\"2024-01-01\"");
    ACCEPTS(f, "\"2024-04-30\"");
    static const char *const bad[] = {
        "\"2023-02-29\"", /* not a leap year */
        "\"1900-02-29\"", /* divisible by 100 */
        "\"2024-02-30\"",
        "\"2024-04-31\"",
        "\"2024-13-01\"",
        "\"2024-00-10\"",
        "\"2024-01-00\"",
        "\"2024-01-32\"",
        "\"2024-1-01\"",
        "\"24-01-01\"",
        "\"2024/01/01\"",
        "\"2024-01-01T00:00:00Z\"",
        "\" 2024-01-01\"",
        "\"2024-01-0a\"",
        "\"+024-01-01\"",
        "\"\"",
        "20240101",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        REFUSES(f, bad[i], "must be a date (YYYY-MM-DD)");

    ck_assert(json_is_date("2024-02-29"));
    ck_assert(!json_is_date("2023-02-29"));
    ck_assert(!json_is_date(NULL));
}
END_TEST

START_TEST(type_timestamp)
{
    json_field f = {.type = JF_TIMESTAMP};
    static const char *const good[] = {
        "\"2024-03-01T10:15:00Z\"",
        "\"2024-03-01T10:15:00z\"",
        "\"2024-03-01T10:15Z\"",           /* seconds are optional */
        "\"2024-03-01T10:15:00+01:00\"",
        "\"2024-03-01T10:15:00-05:30\"",
        "\"2024-03-01T10:15:00.123Z\"",
        "\"2024-03-01T10:15:00.123456+02:00\"",
        "\"2024-03-01 10:15:00+00:00\"",   /* RFC 3339 allows a space */
        "\"2024-02-29T23:59:59Z\"",
        "\"2024-03-01T00:00:00+00:00\"",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        ACCEPTS(f, good[i]);
    static const char *const bad[] = {
        "\"2024-03-01T10:15:00\"",        /* no offset */
        "\"2024-03-01T10:15\"",
        "\"2024-03-01\"",
        "\"2024-03-01T10:15:00+0100\"",   /* offset without colon */
        "\"2024-03-01T10:15:00+01\"",
        "\"2024-03-01T10:15:00 +01:00\"",
        "\"2024-03-01T10:15:00ZZ\"",
        "\"2024-03-01T10:15:00Z \"",
        "\"2024-03-01T10:15:00+01:00x\"",
        "\"2024-03-01T24:00:00Z\"",
        "\"2024-03-01T10:60:00Z\"",
        "\"2024-03-01T10:15:61Z\"",
        "\"2024-03-01T10:15:00.Z\"",
        "\"2024-03-01T1:15:00Z\"",
        "\"2023-02-29T10:15:00Z\"",       /* not a date */
        "\"2024-03-01X10:15:00Z\"",
        "\"\"",
        "1709288100",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        REFUSES(f, bad[i], "must be an RFC 3339 date-time with offset");

    ck_assert(json_is_timestamp("2024-03-01T10:15:00Z"));
    ck_assert(!json_is_timestamp("2024-03-01T10:15:00"));
    ck_assert(!json_is_timestamp(NULL));
}
END_TEST

/* Fails until fixed: RFC 3339 time-numoffset is time-hour (00-23) ":" time-minute (00-59). */
START_TEST(type_timestamp_offset_in_range)
{
    ck_assert(json_is_timestamp("2024-03-01T10:15:00+23:59"));
    ck_assert(json_is_timestamp("2024-03-01T10:15:00-12:00"));
    ck_assert_msg(!json_is_timestamp("2024-03-01T10:15:00+24:00"), "+24:00 accepted");
    ck_assert_msg(!json_is_timestamp("2024-03-01T10:15:00+01:60"), "+01:60 accepted");
    ck_assert_msg(!json_is_timestamp("2024-03-01T10:15:00-99:99"), "-99:99 accepted");
}
END_TEST

START_TEST(type_time)
{
    json_field f = {.type = JF_TIME};
    ACCEPTS(f, "\"00:00\"");
    ACCEPTS(f, "\"08:30\"");
    ACCEPTS(f, "\"23:59\"");
    static const char *const bad[] = {
        "\"24:00\"", "\"12:60\"", "\"8:30\"", "\"08:3\"", "\"08:30:00\"", "\"0830\"",
        "\"08.30\"", "\"ab:cd\"", "\"\"", "830",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        REFUSES(f, bad[i], "must be a time of day (HH:MM)");
}
END_TEST

START_TEST(type_email)
{
    json_field f = {.type = JF_EMAIL};
    ACCEPTS(f, "\"kim@example.dk\"");
    ACCEPTS(f, "\"kim.larsen+test@region.example.dk\"");
    ACCEPTS(f, "\"søren@æblegrød.dk\"");
    static const char *const bad[] = {
        "\"kim.example.dk\"",   /* no @ */
        "\"@example.dk\"",      /* empty local part */
        "\"kim@example\"",      /* no dot in the domain */
        "\"kim@@example.dk\"",
        "\"kim@a@example.dk\"",
        "\"kim larsen@example.dk\"",
        "\"kim@example.dk \"",
        "\"kim@\\texample.dk\"",
        "\"kim@.example.dk\"",
        "\"kim@example.dk.\"",
        "\"\"",
        "42",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        REFUSES(f, bad[i], "must be an e-mail address");

    /* At most 254 characters. */
    char addr[300];
    memset(addr, 'a', sizeof addr);
    memcpy(addr + 254 - 7, "@ex.dk", 7); /* 253 characters and the NUL */
    ck_assert_uint_eq(strlen(addr), 253);
    ck_assert(json_is_email(addr));
    memset(addr, 'a', sizeof addr);
    memcpy(addr + 255 - 7, "@ex.dk", 7);
    ck_assert_uint_eq(strlen(addr), 254);
    ck_assert(json_is_email(addr));
    memset(addr, 'a', sizeof addr);
    memcpy(addr + 256 - 7, "@ex.dk", 7);
    ck_assert_uint_eq(strlen(addr), 255);
    ck_assert(!json_is_email(addr));
    ck_assert(!json_is_email(NULL));
}
END_TEST

START_TEST(type_enum_lists_options)
{
    static const char *const levels[] = {"low", "medium", "high", NULL};
    json_field f = {.type = JF_ENUM, .enum_values = levels};
    ACCEPTS(f, "\"low\"");
    ACCEPTS(f, "\"medium\"");
    ACCEPTS(f, "\"high\"");
    REFUSES(f, "\"urgent\"", "must be one of: low, medium, high");
    REFUSES(f, "\"High\"", "must be one of: low, medium, high");
    REFUSES(f, "\"low \"", "must be one of: low, medium, high");
    REFUSES(f, "\"\"", "must be one of: low, medium, high");
    REFUSES(f, "1", "must be one of: low, medium, high");
    REFUSES(f, "[\"low\"]", "must be one of: low, medium, high");

    static const char *const one[] = {"only", NULL};
    f.enum_values = one;
    REFUSES(f, "\"other\"", "must be one of: only");

    /* A long list is cut short, never overflowing. */
    static const char *const many[] = {
        "facility_staff_member", "facility_manager_on_duty", "region_manager_of_the_area",
        "municipality_case_worker", "psychiatric_consultant_nurse", "external_auditor_read_only",
        "system_administrator_account", NULL,
    };
    f.enum_values = many;
    char r[200];
    ck_assert(!check_one(f, "\"x\"", r, sizeof r));
    ck_assert_msg(strstr(r, "must be one of: facility_staff_member, facility_manager_on_duty") == r,
                  "reason: %s", r);
    ck_assert_uint_le(strlen(r), 159);
}
END_TEST

START_TEST(type_object_and_array)
{
    json_field o = {.type = JF_OBJECT};
    ACCEPTS(o, "{}");
    ACCEPTS(o, "{\"a\":[1]}");
    REFUSES(o, "[]", "must be an object");
    REFUSES(o, "\"{}\"", "must be an object");

    json_field a = {.type = JF_ARRAY, .max_len = 2};
    ACCEPTS(a, "[]");
    ACCEPTS(a, "[1,\"two\"]");
    REFUSES(a, "[1,2,3]", "must have at most 2 items");
    REFUSES(a, "{}", "must be an array");
    a.max_len = 0; /* any length */
    ACCEPTS(a, "[1,2,3,4,5,6,7,8,9,10]");
}
END_TEST

/* Fails until fixed: json.h documents min_len as a JF_ARRAY item count, but it is ignored. */
START_TEST(type_array_min_len)
{
    json_field a = {.type = JF_ARRAY, .min_len = 1, .max_len = 3};
    char r[200];
    ck_assert(check_one(a, "[1]", r, sizeof r));
    ck_assert_msg(!check_one(a, "[]", r, sizeof r), "empty array accepted with min_len 1");
}
END_TEST

static Suite *json_suite(void)
{
    Suite *s = suite_create("json");

    TCase *p = tcase_create("parse");
    tcase_add_test(p, parse_accepts_object);
    tcase_add_test(p, parse_rejects_duplicate_keys);
    tcase_add_test(p, parse_depth_limit);
    tcase_add_test(p, parse_depth_counts_outside_strings_only);
    tcase_add_test(p, parse_want_object);
    tcase_add_test(p, parse_empty_body);
    tcase_add_test(p, parse_malformed_reports_position);
    tcase_add_test(p, parse_small_error_buffer);
    tcase_add_test(p, depth_of_values);
    suite_add_tcase(s, p);

    TCase *u = tcase_create("utf8");
    tcase_add_test(u, utf8_len_counts_code_points);
    tcase_add_test(u, utf8_len_invalid_is_minus_one);
    tcase_add_test(u, utf8_len_rejects_overlong_surrogates_and_out_of_range);
    suite_add_tcase(s, u);

    TCase *v = tcase_create("validate");
    tcase_add_test(v, validate_required_and_unknown);
    tcase_add_test(v, validate_nullable);
    tcase_add_test(v, validate_collects_every_error);
    tcase_add_test(v, validate_appends_to_existing_errors);
    suite_add_tcase(s, v);

    TCase *t = tcase_create("types");
    tcase_add_test(t, type_string_length_in_code_points);
    tcase_add_test(t, type_string_default_limits);
    tcase_add_test(t, type_string_invalid_utf8);
    tcase_add_test(t, type_string_min_len_reason_names_the_minimum);
    tcase_add_test(t, type_int_bounds);
    tcase_add_test(t, type_bool);
    tcase_add_test(t, type_uuid);
    tcase_add_test(t, type_date);
    tcase_add_test(t, type_timestamp);
    tcase_add_test(t, type_timestamp_offset_in_range);
    tcase_add_test(t, type_time);
    tcase_add_test(t, type_email);
    tcase_add_test(t, type_enum_lists_options);
    tcase_add_test(t, type_object_and_array);
    tcase_add_test(t, type_array_min_len);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(json_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
