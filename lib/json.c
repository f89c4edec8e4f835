/*
 * json: strict parsing and field validation; see json.h.
 */
#include "json.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int json_depth(const json_t *v)
{
    int max = 0;
    if (json_is_object(v)) {
        const char *k;
        json_t *child;
        json_object_foreach((json_t *)v, k, child) {
            int d = json_depth(child);
            if (d > max)
                max = d;
        }
        return max + 1;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *child;
        json_array_foreach(v, i, child) {
            int d = json_depth(child);
            if (d > max)
                max = d;
        }
        return max + 1;
    }
    return 0;
}

/* Bounds depth before jansson builds the tree: a cheap scan of brackets outside strings. */
static bool depth_within(const char *text, size_t len, int limit)
{
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"')
            in_string = true;
        else if (c == '{' || c == '[') {
            if (++depth > limit)
                return false;
        } else if (c == '}' || c == ']')
            depth--;
    }
    return true;
}

json_t *json_parse_strict(const char *text, size_t len, bool want_object, char *err,
                          size_t errlen)
{
    if (!text || len == 0) {
        snprintf(err, errlen, "The request body is empty; a JSON object is expected.");
        return NULL;
    }
    if (!depth_within(text, len, JSON_MAX_DEPTH)) {
        snprintf(err, errlen, "JSON is nested deeper than %d levels.", JSON_MAX_DEPTH);
        return NULL;
    }
    json_error_t je;
    json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!v) {
        snprintf(err, errlen, "Malformed JSON at line %d, column %d: %s", je.line, je.column,
                 je.text);
        return NULL;
    }
    if (want_object && !json_is_object(v)) {
        snprintf(err, errlen, "The body must be a JSON object.");
        json_decref(v);
        return NULL;
    }
    return v;
}

long json_utf8_len(const char *s)
{
    long n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int extra;
        unsigned long cp, min;
        if (*p < 0x80) {
            extra = 0;
            cp = *p;
            min = 0;
        } else if ((*p & 0xE0) == 0xC0) {
            extra = 1;
            cp = *p & 0x1F;
            min = 0x80;
        } else if ((*p & 0xF0) == 0xE0) {
            extra = 2;
            cp = *p & 0x0F;
            min = 0x800;
        } else if ((*p & 0xF8) == 0xF0) {
            extra = 3;
            cp = *p & 0x07;
            min = 0x10000;
        } else {
            return -1;
        }
        p++;
        for (int i = 0; i < extra; i++, p++) {
            if ((*p & 0xC0) != 0x80)
                return -1;
            cp = (cp << 6) | (*p & 0x3F);
        }
        /* overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8 */
        if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return -1;
        n++;
    }
    return n;
}

bool json_is_uuid(const char *s)
{
    if (!s || strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (!isxdigit((unsigned char)s[i]))
            return false;
    }
    return true;
}

static bool digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

static bool valid_ymd(int y, int m, int d)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1)
        return false;
    int max = days[m - 1];
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        max = 29;
    return d <= max;
}

bool json_is_date(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) ||
        !digits(s + 5, 2) || !digits(s + 8, 2))
        return false;
    int y, m, d;
    if (sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3)
        return false;
    return valid_ymd(y, m, d);
}

bool json_is_timestamp(const char *s)
{
    /* YYYY-MM-DDTHH:MM[:SS[.fff]](Z|+HH:MM|-HH:MM) */
    if (!s || strlen(s) < 17 || strlen(s) > 40)
        return false;
    char date[11];
    memcpy(date, s, 10);
    date[10] = '\0';
    if (!json_is_date(date) || (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
        return false;
    const char *p = s + 11;
    if (!digits(p, 2) || p[2] != ':' || !digits(p + 3, 2))
        return false;
    if ((p[0] - '0') * 10 + (p[1] - '0') > 23 || (p[3] - '0') * 10 + (p[4] - '0') > 59)
        return false;
    p += 5;
    if (*p == ':') {
        if (!digits(p + 1, 2) || (p[1] - '0') * 10 + (p[2] - '0') > 60)
            return false;
        p += 3;
        if (*p == '.') {
            p++;
            if (!isdigit((unsigned char)*p))
                return false;
            while (isdigit((unsigned char)*p))
                p++;
        }
    }
    if (*p == 'Z' || *p == 'z')
        return p[1] == '\0';
    if (*p == '+' || *p == '-')
        return digits(p + 1, 2) && p[3] == ':' && digits(p + 4, 2) && p[6] == '\0' &&
               (p[1] - '0') * 10 + (p[2] - '0') <= 23 && (p[4] - '0') * 10 + (p[5] - '0') <= 59;
    return false;
}

static bool is_time(const char *s)
{
    return s && strlen(s) == 5 && digits(s, 2) && s[2] == ':' && digits(s + 3, 2) &&
           (s[0] - '0') * 10 + (s[1] - '0') < 24 && (s[3] - '0') * 10 + (s[4] - '0') < 60;
}

bool json_is_email(const char *s)
{
    if (!s)
        return false;
    size_t n = strlen(s);
    const char *at = strchr(s, '@');
    if (n < 3 || n > 254 || !at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.'))
        return false;
    for (const char *p = s; *p; p++)
        if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
            return false;
    return at[1] != '.' && s[n - 1] != '.';
}

const char *json_str(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static const json_field *find_field(const json_field *fields, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(fields[i].name, name) == 0)
            return &fields[i];
    return NULL;
}

static void add_error(json_t *errors, const char *field, const char *reason)
{
    json_t *e = json_object();
    json_object_set_new(e, "field", json_string(field));
    json_object_set_new(e, "reason", json_string(reason));
    json_array_append_new(errors, e);
}

static void check_value(const json_field *f, const json_t *v, json_t *errors)
{
    char reason[160];
    switch (f->type) {
    case JF_STRING:
    case JF_TEXT: {
        if (!json_is_string(v)) {
            add_error(errors, f->name, "must be a string");
            return;
        }
        long len = json_utf8_len(json_string_value(v));
        size_t max = f->max_len ? f->max_len : (f->type == JF_TEXT ? 20000 : 10000);
        if (len < 0)
            add_error(errors, f->name, "must be valid UTF-8");
        else if (f->min_len > 1 && (size_t)len < f->min_len) {
            snprintf(reason, sizeof reason, "must be at least %zu characters", f->min_len);
            add_error(errors, f->name, reason);
        } else if (len == 0 && (f->min_len == 1 || (f->required && f->type == JF_STRING))) {
            add_error(errors, f->name, "must not be empty");
        } else if ((size_t)len > max) {
            snprintf(reason, sizeof reason, "must be at most %zu characters", max);
            add_error(errors, f->name, reason);
        }
        return;
    }
    case JF_INT:
        if (!json_is_integer(v)) {
            add_error(errors, f->name, "must be an integer");
            return;
        }
        if ((f->min || f->max) &&
            (json_integer_value(v) < f->min || json_integer_value(v) > f->max)) {
            snprintf(reason, sizeof reason, "must be between %lld and %lld", f->min, f->max);
            add_error(errors, f->name, reason);
        }
        return;
    case JF_BOOL:
        if (!json_is_boolean(v))
            add_error(errors, f->name, "must be true or false");
        return;
    case JF_UUID:
        if (!json_is_string(v) || !json_is_uuid(json_string_value(v)))
            add_error(errors, f->name, "must be a UUID");
        return;
    case JF_DATE:
        if (!json_is_string(v) || !json_is_date(json_string_value(v)))
            add_error(errors, f->name, "must be a date (YYYY-MM-DD)");
        return;
    case JF_TIMESTAMP:
        if (!json_is_string(v) || !json_is_timestamp(json_string_value(v)))
            add_error(errors, f->name, "must be an RFC 3339 date-time with offset");
        return;
    case JF_TIME:
        if (!json_is_string(v) || !is_time(json_string_value(v)))
            add_error(errors, f->name, "must be a time of day (HH:MM)");
        return;
    case JF_EMAIL:
        if (!json_is_string(v) || !json_is_email(json_string_value(v)))
            add_error(errors, f->name, "must be an e-mail address");
        return;
    case JF_ENUM: {
        if (json_is_string(v))
            for (const char *const *e = f->enum_values; e && *e; e++)
                if (strcmp(*e, json_string_value(v)) == 0)
                    return;
        size_t off = (size_t)snprintf(reason, sizeof reason, "must be one of:");
        for (const char *const *e = f->enum_values; e && *e && off < sizeof reason; e++)
            off += (size_t)snprintf(reason + off, sizeof reason - off, "%s %s",
                                    e == f->enum_values ? "" : ",", *e);
        add_error(errors, f->name, reason);
        return;
    }
    case JF_OBJECT:
        if (!json_is_object(v))
            add_error(errors, f->name, "must be an object");
        return;
    case JF_ARRAY:
        if (!json_is_array(v))
            add_error(errors, f->name, "must be an array");
        else if (f->min_len && json_array_size(v) < f->min_len) {
            snprintf(reason, sizeof reason, "must have at least %zu items", f->min_len);
            add_error(errors, f->name, reason);
        } else if (f->max_len && json_array_size(v) > f->max_len) {
            snprintf(reason, sizeof reason, "must have at most %zu items", f->max_len);
            add_error(errors, f->name, reason);
        }
        return;
    }
}

bool json_validate(const json_t *obj, const json_field *fields, size_t nfields, json_t *errors)
{
    size_t before = json_array_size(errors);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        if (!find_field(fields, nfields, key))
            add_error(errors, key, "is not a known field");
    }
    for (size_t i = 0; i < nfields; i++) {
        const json_field *f = &fields[i];
        json_t *val = json_object_get(obj, f->name);
        if (!val) {
            if (f->required)
                add_error(errors, f->name, "is required");
            continue;
        }
        if (json_is_null(val)) {
            if (!f->nullable)
                add_error(errors, f->name, f->required ? "is required" : "must not be null");
            continue;
        }
        check_value(f, val, errors);
    }
    return json_array_size(errors) == before;
}
