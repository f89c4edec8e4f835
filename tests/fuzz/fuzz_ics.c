/* libFuzzer target: lib/ics.c, the iCalendar writer of the calendar feeds. The input is a
 * property value (a meeting title, a note); the output must be lines of at most 75 octets
 * ended by CRLF, with no CR or LF inside a line, and unfolding and unescaping it must give the
 * value back (CR dropped): nothing in a title can end its line or add a property. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1);
    memcpy(in, data, size);
    in[size] = '\0';
    size_t n = strlen(in); /* values are C strings */
    ics_buf b = {0};
    ics_text(&b, "SUMMARY", in);
    if (b.failed) {
        free(b.data);
        free(in);
        return 0;
    }
    /* lines: at most 75 octets each, CRLF-ended, no bare CR or LF */
    char *unfolded = malloc(b.len + 1);
    size_t u = 0, line = 0;
    for (size_t i = 0; i < b.len; i++) {
        char ch = b.data[i];
        if (ch == '\r') {
            if (i + 1 >= b.len || b.data[i + 1] != '\n')
                abort();
            if (line > 75)
                abort();
            i++;
            line = 0;
            if (i + 1 < b.len) {
                if (b.data[i + 1] != ' ') /* one property: every next line is a fold */
                    abort();
                i++;
                line = 1;
            }
            continue;
        }
        if (ch == '\n')
            abort();
        unfolded[u++] = ch;
        line++;
    }
    if (b.len < 2 || b.data[b.len - 2] != '\r' || b.data[b.len - 1] != '\n')
        abort();
    unfolded[u] = '\0';
    if (strncmp(unfolded, "SUMMARY:", 8) != 0)
        abort();
    /* unescape and compare with the value, CRs dropped */
    char *back = malloc(u + 1);
    size_t k = 0;
    for (size_t i = 8; i < u; i++) {
        char ch = unfolded[i];
        if (ch == '\\') {
            char e = unfolded[++i];
            if (e == 'n')
                back[k++] = '\n';
            else if (e == '\\' || e == ';' || e == ',')
                back[k++] = e;
            else
                abort(); /* an escape the writer never makes */
        } else if (ch == ';' || ch == ',') {
            abort(); /* unescaped: would start a parameter or a list */
        } else {
            back[k++] = ch;
        }
    }
    back[k] = '\0';
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (in[i] != '\r')
            in[w++] = in[i];
    in[w] = '\0';
    if (strcmp(back, in) != 0)
        abort();
    free(back);
    free(unfolded);
    free(b.data);
    free(in);
    return 0;
}
