/*
 * csv: CSV output that spreadsheet programs open safely. UTF-8 with a byte
 * order mark (so Excel detects the encoding), a chosen separator (';' for
 * Danish Excel, where ',' is the decimal comma), CRLF line ends, RFC 4180
 * quoting, and formula injection neutralised: a text cell starting with
 * '=', '+', '-', '@', TAB or CR gets a leading apostrophe, so a name like
 * "=HYPERLINK(...)" is shown, never evaluated. Knows nothing of Samspil.
 */
#ifndef SAMSPIL_CSV_H
#define SAMSPIL_CSV_H

#include <stdbool.h>
#include <stddef.h>

typedef struct csv {
    char *data;      /* malloc'd output so far */
    size_t len, cap;
    char sep;        /* field separator */
    bool row_open;   /* a cell was written in the current row */
    bool failed;     /* out of memory: every later call is a no-op */
} csv;

/* Starts a document with sep as separator, writing the BOM. False when out of memory. */
bool csv_init(csv *c, char sep);
/* Appends a text cell (NULL: empty), neutralised and quoted as needed. */
void csv_text(csv *c, const char *text);
/* Appends a number cell: written as given when it is a plain decimal number ("-3", "0.25"),
 * with '.' replaced by decimal_mark when that is not '\0'; anything else is written as text. */
void csv_number(csv *c, const char *num, char decimal_mark);
/* Ends the current row with CRLF. */
void csv_end_row(csv *c);
/* The finished document (malloc'd, the caller frees; NUL-terminated) and its length, or NULL
 * when out of memory. The csv is empty afterwards. */
char *csv_finish(csv *c, size_t *len);
/* Frees what csv_init allocated (after csv_finish it is a no-op). */
void csv_free(csv *c);

/* Whether s is a plain decimal number: optional '-', digits, optional '.' and digits. */
bool csv_is_number(const char *s);

#endif
