/*
 * jsonw: JSON text out of jansson values, fast; see jsonw.h.
 */
#include "jsonw.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reserve(jsonw *o, size_t more)
{
    if (o->failed)
        return false;
    if (o->len + more <= o->cap)
        return true;
    size_t cap = o->cap ? o->cap : 4096;
    while (cap < o->len + more) {
        if (cap > SIZE_MAX / 2) {
            o->failed = true;
            return false;
        }
        cap *= 2;
    }
    char *p = realloc(o->p, cap);
    if (!p) {
        o->failed = true;
        return false;
    }
    o->p = p;
    o->cap = cap;
    return true;
}

static void put(jsonw *o, const char *s, size_t n)
{
    if (n && reserve(o, n)) {
        memcpy(o->p + o->len, s, n);
        o->len += n;
    }
}

static void put_char(jsonw *o, char c)
{
    if (reserve(o, 1))
        o->p[o->len++] = c;
}

/* The length of the valid UTF-8 sequence at s (at most n bytes) that starts with a byte >=
 * 0x80, or 0 when it is not valid: no overlong forms, no surrogates, nothing above
 * U+10FFFF (the rules jansson's own check applies). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0; /* a continuation byte, 0xC0/0xC1 (overlong) or 0xF5.. */
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* s as a JSON string: runs of plain bytes copied at once, '"', '\\' and control characters
 * escaped as json_dumps does, non-ASCII checked and copied as it is. */
static void put_string(jsonw *o, const char *str, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *s = (const unsigned char *)str;
    /* at most 6 bytes per input byte ("\u00XX") plus the quotes */
    if (!reserve(o, n + 2))
        return;
    o->p[o->len++] = '"';
    size_t run = 0; /* start of the bytes not yet copied */
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t len = utf8_len(s + i, n - i);
            if (!len) {
                o->failed = true;
                return;
            }
            i += len;
            continue;
        }
        put(o, str + run, i - run);
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t elen = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 0x0F];
            elen = 6;
        }
        put(o, esc, elen);
        i++;
        run = i;
    }
    put(o, str + run, n - run);
    put_char(o, '"');
}

size_t jsonw_format_real(double d, char *buf, size_t size)
{
    if (!isfinite(d) || size < 32)
        return 0;
    /* the fewest significant digits that read back as d */
    int prec = 1;
    for (; prec < 17; prec++) {
        int n = snprintf(buf, size, "%.*e", prec - 1, d);
        if (n <= 0 || (size_t)n >= size)
            return 0;
        if (strtod(buf, NULL) == d)
            break;
    }
    /* written as "%.17g" would lay them out: plain for exponents -4..16, else with "e" */
    int exp10 = 0;
    snprintf(buf, size, "%.*e", prec - 1, d);
    const char *e = strchr(buf, 'e');
    if (e)
        exp10 = atoi(e + 1);
    int n;
    if (exp10 >= -4 && exp10 < 17)
        n = snprintf(buf, size, "%.*f", prec - 1 - exp10 > 0 ? prec - 1 - exp10 : 0, d);
    else
        n = snprintf(buf, size, "%.*g", prec, d);
    if (n <= 0 || (size_t)n >= size)
        return 0;
    size_t len = (size_t)n;
    if (!strchr(buf, '.') && !strchr(buf, 'e')) {
        if (len + 3 > size)
            return 0;
        memcpy(buf + len, ".0", 3);
        len += 2;
    }
    char *x = strchr(buf, 'e');
    if (x) {
        char *start = x + 1, *digits = x + 1;
        if (*digits == '+' || *digits == '-')
            digits++;
        if (*start == '-')
            start++;
        while (*digits == '0' && digits[1])
            digits++;
        if (digits != start) {
            memmove(start, digits, len - (size_t)(digits - buf) + 1);
            len -= (size_t)(digits - start);
        }
    }
    return len;
}

static void put_value(jsonw *o, const json_t *v, int depth)
{
    if (o->failed)
        return;
    if (!v || depth > JSONW_MAX_DEPTH) {
        o->failed = true;
        return;
    }
    char buf[40];
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        put_char(o, '{');
        bool first = true;
        /* jansson's iterator takes a non-const object; it does not change it */
        json_t *obj = (json_t *)v;
        for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it)) {
            if (!first)
                put_char(o, ',');
            first = false;
            put_string(o, json_object_iter_key(it), json_object_iter_key_len(it));
            put_char(o, ':');
            put_value(o, json_object_iter_value(it), depth + 1);
        }
        put_char(o, '}');
        break;
    }
    case JSON_ARRAY: {
        put_char(o, '[');
        size_t n = json_array_size(v);
        for (size_t i = 0; i < n; i++) {
            if (i)
                put_char(o, ',');
            put_value(o, json_array_get(v, i), depth + 1);
        }
        put_char(o, ']');
        break;
    }
    case JSON_STRING:
        put_string(o, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER: {
        int n = snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        put(o, buf, n > 0 ? (size_t)n : 0);
        break;
    }
    case JSON_REAL: {
        size_t n = jsonw_format_real(json_real_value(v), buf, sizeof buf);
        if (!n)
            o->failed = true;
        put(o, buf, n);
        break;
    }
    case JSON_TRUE: put(o, "true", 4); break;
    case JSON_FALSE: put(o, "false", 5); break;
    case JSON_NULL: put(o, "null", 4); break;
    }
}

/* ---- the writer ---- */

void jsonw_init(jsonw *w)
{
    memset(w, 0, sizeof *w);
}

/* Before a value or a key: the comma after an earlier member, and the member counted. */
static void member(jsonw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth > 0) {
        uint64_t bit = UINT64_C(1) << (w->depth - 1);
        if (w->has_members & bit)
            put_char(w, ',');
        w->has_members |= bit;
    }
}

static void open_container(jsonw *w, char c)
{
    member(w);
    if (w->depth >= JSONW_MAX_DEPTH) {
        w->failed = true;
        return;
    }
    put_char(w, c);
    w->depth++;
    w->has_members &= ~(UINT64_C(1) << (w->depth - 1));
}

static void close_container(jsonw *w, char c)
{
    if (w->depth <= 0 || w->after_key) {
        w->failed = true;
        return;
    }
    w->depth--;
    put_char(w, c);
}

void jsonw_object_begin(jsonw *w) { open_container(w, '{'); }
void jsonw_object_end(jsonw *w) { close_container(w, '}'); }
void jsonw_array_begin(jsonw *w) { open_container(w, '['); }
void jsonw_array_end(jsonw *w) { close_container(w, ']'); }

void jsonw_key(jsonw *w, const char *key)
{
    if (w->after_key || w->depth <= 0 || !key) {
        w->failed = true;
        return;
    }
    member(w);
    put_string(w, key, strlen(key));
    put_char(w, ':');
    w->after_key = true;
}

void jsonw_string(jsonw *w, const char *s)
{
    if (!s) {
        jsonw_null(w);
        return;
    }
    jsonw_stringn(w, s, strlen(s));
}

void jsonw_stringn(jsonw *w, const char *s, size_t n)
{
    member(w);
    put_string(w, s, n);
}

void jsonw_null(jsonw *w)
{
    member(w);
    put(w, "null", 4);
}

void jsonw_bool(jsonw *w, bool b)
{
    member(w);
    put(w, b ? "true" : "false", b ? 4 : 5);
}

void jsonw_int(jsonw *w, long long i)
{
    char buf[24];
    member(w);
    int n = snprintf(buf, sizeof buf, "%lld", i);
    put(w, buf, n > 0 ? (size_t)n : 0);
}

void jsonw_value(jsonw *w, const json_t *v)
{
    member(w);
    put_value(w, v, w->depth + 1);
}

char *jsonw_finish(jsonw *w, size_t *len)
{
    if (w->depth != 0 || w->after_key)
        w->failed = true;
    put_char(w, '\0');
    char *p = w->p;
    size_t n = w->len - 1;
    bool failed = w->failed;
    memset(w, 0, sizeof *w);
    if (failed) {
        free(p);
        return NULL;
    }
    if (len)
        *len = n;
    return p;
}

void jsonw_discard(jsonw *w)
{
    free(w->p);
    memset(w, 0, sizeof *w);
}

char *jsonw_dumps(const json_t *v, size_t *len)
{
    jsonw w;
    jsonw_init(&w);
    put_value(&w, v, 1);
    return jsonw_finish(&w, len);
}
