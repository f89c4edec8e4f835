/*
 * csv: spreadsheet-safe CSV output; see csv.h.
 */
#include "csv.h"

#include <stdlib.h>
#include <string.h>

static void put(csv *c, const char *s, size_t n)
{
    if (c->failed)
        return;
    if (c->len + n + 1 > c->cap) {
        size_t cap = c->cap ? c->cap : 256;
        while (cap < c->len + n + 1)
            cap *= 2;
        char *d = realloc(c->data, cap);
        if (!d) {
            c->failed = true;
            return;
        }
        c->data = d;
        c->cap = cap;
    }
    memcpy(c->data + c->len, s, n);
    c->len += n;
    c->data[c->len] = '\0';
}

static void putc1(csv *c, char ch)
{
    put(c, &ch, 1);
}

bool csv_init(csv *c, char sep)
{
    memset(c, 0, sizeof *c);
    c->sep = sep;
    put(c, "\xEF\xBB\xBF", 3);
    return !c->failed;
}

static void start_cell(csv *c)
{
    if (c->row_open)
        putc1(c, c->sep);
    c->row_open = true;
}

/* A value a spreadsheet would read as a formula (or as something it rewrites). */
static bool dangerous(const char *s)
{
    return s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
           s[0] == '\r';
}

static void write_cell(csv *c, const char *prefix, const char *s)
{
    size_t n = strlen(s);
    bool quote = strchr(s, c->sep) || strchr(s, '"') || strchr(s, '\n') || strchr(s, '\r') ||
                 (n > 0 && (s[0] == ' ' || s[n - 1] == ' '));
    if (!quote) {
        put(c, prefix, strlen(prefix));
        put(c, s, n);
        return;
    }
    putc1(c, '"');
    put(c, prefix, strlen(prefix));
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            putc1(c, '"');
        putc1(c, *p);
    }
    putc1(c, '"');
}

void csv_text(csv *c, const char *text)
{
    start_cell(c);
    if (!text || !*text)
        return;
    write_cell(c, dangerous(text) ? "'" : "", text);
}

bool csv_is_number(const char *s)
{
    if (!s || !*s)
        return false;
    if (*s == '-')
        s++;
    if (*s < '0' || *s > '9')
        return false;
    while (*s >= '0' && *s <= '9')
        s++;
    if (*s == '.') {
        s++;
        if (*s < '0' || *s > '9')
            return false;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

void csv_number(csv *c, const char *num, char decimal_mark)
{
    if (!csv_is_number(num)) {
        csv_text(c, num);
        return;
    }
    start_cell(c);
    const char *dot = strchr(num, '.');
    if (!dot || !decimal_mark) {
        put(c, num, strlen(num));
        return;
    }
    /* a decimal comma that equals the separator needs quotes */
    bool quote = decimal_mark == c->sep;
    if (quote)
        putc1(c, '"');
    put(c, num, (size_t)(dot - num));
    putc1(c, decimal_mark);
    put(c, dot + 1, strlen(dot + 1));
    if (quote)
        putc1(c, '"');
}

void csv_end_row(csv *c)
{
    put(c, "\r\n", 2);
    c->row_open = false;
}

char *csv_finish(csv *c, size_t *len)
{
    char *out = c->failed ? NULL : c->data;
    if (c->failed)
        free(c->data);
    if (len)
        *len = out ? c->len : 0;
    memset(c, 0, sizeof *c);
    return out;
}

void csv_free(csv *c)
{
    free(c->data);
    memset(c, 0, sizeof *c);
}
