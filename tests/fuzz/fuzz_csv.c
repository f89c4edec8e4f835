/* libFuzzer target: lib/csv.c, the CSV writer of the exports. Cells come from the input
 * (split at 0x1f, rows at 0x1e). Read back as RFC 4180 with ';', the output must give the
 * same rows of the same cells: a text cell as written, with an apostrophe before a formula
 * start; a number with its decimal comma. Nothing in a cell can end its field or its row. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

/* Reads one field at *p (NUL-terminated output) into out; *end is ';', '\n' (after CRLF) or
 * '\0'. Aborts on anything RFC 4180 does not allow. */
static const char *read_field(const char *p, char *out, char *end)
{
    size_t o = 0;
    if (*p == '"') {
        p++;
        for (;;) {
            if (*p == '\0')
                abort(); /* unterminated quote */
            if (*p == '"') {
                if (p[1] == '"') {
                    out[o++] = '"';
                    p += 2;
                    continue;
                }
                p++;
                break;
            }
            out[o++] = *p++;
        }
    } else {
        while (*p && *p != ';' && *p != '\r') {
            if (*p == '"' || *p == '\n')
                abort(); /* a quote or line end in an unquoted field */
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    if (*p == ';') {
        *end = ';';
        return p + 1;
    }
    if (*p == '\r') {
        if (p[1] != '\n')
            abort();
        *end = '\n';
        return p + 2;
    }
    if (*p != '\0')
        abort(); /* text after a closing quote */
    *end = '\0';
    return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1);
    memcpy(in, data, size);
    in[size] = '\0';
    csv c;
    if (!csv_init(&c, ';')) {
        free(in);
        return 0;
    }
    /* what each cell must read back as, and whether a row ends after it */
    size_t cap = 16, cells = 0;
    char **want = malloc(cap * sizeof *want);
    char *row_end = malloc(cap);
    char *p = in;
    for (;;) {
        char *end = p + strcspn(p, "\x1e\x1f");
        char sep = *end;
        *end = '\0';
        if (cells == cap) {
            cap *= 2;
            want = realloc(want, cap * sizeof *want);
            row_end = realloc(row_end, cap);
        }
        char *w = malloc(strlen(p) + 2);
        if (csv_is_number(p)) {
            csv_number(&c, p, ',');
            strcpy(w, p);
            char *dot = strchr(w, '.');
            if (dot)
                *dot = ',';
        } else {
            csv_text(&c, p);
            bool formula = *p == '=' || *p == '+' || *p == '-' || *p == '@' || *p == '\t' ||
                           *p == '\r';
            strcpy(w + (formula ? 1 : 0), p);
            if (formula)
                w[0] = '\'';
        }
        want[cells] = w;
        row_end[cells++] = sep != '\x1f';
        if (sep == '\x1e' || sep == '\0')
            csv_end_row(&c);
        if (sep == '\0')
            break;
        p = end + 1;
    }
    size_t len = 0;
    char *out = csv_finish(&c, &len);
    if (out) {
        if (strlen(out) != len || len < 3 || memcmp(out, "\xEF\xBB\xBF", 3) != 0)
            abort();
        const char *q = out + 3;
        char *field = malloc(len + 1);
        for (size_t i = 0; i < cells; i++) {
            char end;
            q = read_field(q, field, &end);
            if (strcmp(field, want[i]) != 0)
                abort(); /* the cell did not come back */
            if ((end == '\n') != (row_end[i] != 0) || end == '\0')
                abort(); /* a row ended early or late */
        }
        if (*q != '\0')
            abort(); /* more output than cells */
        free(field);
    }
    for (size_t i = 0; i < cells; i++)
        free(want[i]);
    free(want);
    free(row_end);
    free(out);
    free(in);
    return 0;
}
