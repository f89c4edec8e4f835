/*
 * ics: iCalendar content lines; see ics.h.
 */
#include "ics.h"

#include <stdlib.h>
#include <string.h>

static void put(ics_buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d) {
            b->failed = true;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void fold(ics_buf *b, const char *line, size_t n)
{
    size_t at = 0, room = 75;
    while (n - at > room) {
        size_t cut = at + room;
        while (cut > at && ((unsigned char)line[cut] & 0xC0) == 0x80)
            cut--;
        if (cut == at) /* no sequence start within reach: not UTF-8, cut anywhere */
            cut = at + room;
        put(b, line + at, cut - at);
        put(b, "\r\n ", 3);
        at = cut;
        room = 74; /* the leading space counts */
    }
    put(b, line + at, n - at);
    put(b, "\r\n", 2);
}

void ics_line(ics_buf *b, const char *line)
{
    fold(b, line, strlen(line));
}

void ics_text(ics_buf *b, const char *name, const char *value)
{
    size_t nl = strlen(name), n = strlen(value);
    char *out = malloc(nl + 2 * n + 2);
    if (!out) {
        b->failed = true;
        return;
    }
    size_t o = nl;
    memcpy(out, name, nl);
    out[o++] = ':';
    for (const char *s = value; *s; s++) {
        if (*s == '\r')
            continue;
        if (*s == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
            continue;
        }
        if (*s == '\\' || *s == ';' || *s == ',')
            out[o++] = '\\';
        out[o++] = *s;
    }
    fold(b, out, o);
    free(out);
}
