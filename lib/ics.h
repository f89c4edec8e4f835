/*
 * ics: iCalendar (RFC 5545) content lines. A line is folded at 75 octets (never inside a
 * UTF-8 sequence) and ended by CRLF; a TEXT value is escaped (backslash, semicolon, comma,
 * newline; CR dropped), so a title cannot end its line or add a property. Knows nothing of
 * Samspil.
 */
#ifndef SAMSPIL_ICS_H
#define SAMSPIL_ICS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ics_buf {
    char *data;  /* malloc'd, NUL-terminated output so far */
    size_t len, cap;
    bool failed; /* out of memory: every later call is a no-op */
} ics_buf;

/* Appends one content line as given (the caller has escaped what needs it). */
void ics_line(ics_buf *b, const char *line);
/* Appends name ":" value with value escaped as TEXT. */
void ics_text(ics_buf *b, const char *name, const char *value);

#endif
