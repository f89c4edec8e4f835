/* libFuzzer target: lib/json.c, the strict body parser and the field validation every POST
 * and PATCH goes through (duplicate keys, depth, lengths, dates, UUIDs, e-mails); and
 * lib/jsonw.c, which writes every reply: whatever parses is written back as text that parses
 * to an equal value, byte for byte what jansson writes when it holds no real. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonw.h"

static bool has_real(const json_t *v)
{
    if (json_is_real(v))
        return true;
    size_t i;
    const char *k;
    json_t *x;
    if (json_is_array(v)) {
        json_array_foreach((json_t *)v, i, x) if (has_real(x)) return true;
    } else if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, x) if (has_real(x)) return true;
    }
    return false;
}

static void check_written(const json_t *v)
{
    size_t len = 0;
    char *text = jsonw_dumps(v, &len);
    if (!text || strlen(text) != len)
        abort();
    json_t *back = json_loadb(text, len, 0, NULL);
    if (!back || !json_equal(back, (json_t *)v))
        abort();
    json_decref(back);
    if (!has_real(v)) {
        char *want = json_dumps(v, JSON_COMPACT);
        if (!want || strcmp(want, text) != 0)
            abort();
        free(want);
    }
    free(text);
}

static const char *const kinds[] = {"a", "b", NULL};
static const json_field fields[] = {
    {"name", JF_STRING, true, false, 0, 0, 1, 200, NULL},
    {"note", JF_TEXT, false, true, 0, 0, 0, 0, NULL},
    {"n", JF_INT, false, false, 1, 100, 0, 0, NULL},
    {"ok", JF_BOOL, false, false, 0, 0, 0, 0, NULL},
    {"id", JF_UUID, false, true, 0, 0, 0, 0, NULL},
    {"day", JF_DATE, false, false, 0, 0, 0, 0, NULL},
    {"at", JF_TIMESTAMP, false, false, 0, 0, 0, 0, NULL},
    {"time", JF_TIME, false, false, 0, 0, 0, 0, NULL},
    {"email", JF_EMAIL, false, false, 0, 0, 0, 0, NULL},
    {"kind", JF_ENUM, false, false, 0, 0, 0, 0, kinds},
    {"o", JF_OBJECT, false, false, 0, 0, 0, 0, NULL},
    {"list", JF_ARRAY, false, false, 0, 0, 0, 10, NULL},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[200];
    json_t *v = json_parse_strict((const char *)data, size, true, err, sizeof err);
    if (!v)
        return 0;
    if (!json_is_object(v) || json_depth(v) > JSON_MAX_DEPTH)
        abort();
    check_written(v);
    json_t *errors = json_array();
    bool ok = json_validate(v, fields, sizeof fields / sizeof fields[0], errors);
    if (ok != (json_array_size(errors) == 0))
        abort();
    json_decref(errors);
    json_decref(v);
    return 0;
}
