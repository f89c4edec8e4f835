/*
 * jsonw: JSON text out of jansson values, fast.
 *
 * json_dumps() of jansson 2.14 spent 2.4 ms on a caseload page of 200 residents (200 KB):
 * it decodes every string code point by code point and keeps a hashtable of the containers
 * it is inside. This writer copies runs of bytes that need no escaping in one go and checks
 * UTF-8 only where a byte is not ASCII (0.3 ms for the same page, docs/BENCHMARKS.md). The
 * text is byte for byte that of json_dumps(v, JSON_COMPACT) (insertion order, no spaces,
 * "/" and non-ASCII not escaped, control characters as \b \f \n \r \t or \u00XX), except
 * for reals, which are written in the shortest form that reads back as the same double
 * ("1.017", where jansson writes "1.0169999999999999"); a real always has a "." or an "e".
 */
#ifndef SAMSPIL_JSONW_H
#define SAMSPIL_JSONW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Deepest nesting written; deeper values (and cycles) fail. */
#define JSONW_MAX_DEPTH 64

/* The compact text of v, NUL-terminated, in a new malloc'd buffer (the caller frees it);
 * its length without the NUL in *len when len is not NULL. NULL when v is NULL, nests deeper
 * than JSONW_MAX_DEPTH, holds a string that is not valid UTF-8 or a non-finite real, or
 * memory runs out. Does not change v (borrowed). */
char *jsonw_dumps(const json_t *v, size_t *len);

/* The shortest "%.Ng" (N = 1..17) of d that strtod reads back as d, made to look like a real
 * as jansson does (".0" appended when there is neither "." nor "e"; exponent without "+"
 * and leading zeros). Returns the length written to out (size >= 32), or 0 for a
 * non-finite d. */
size_t jsonw_format_real(double d, char *out, size_t size);

/* ---- a writer: JSON text straight from rows, without building jansson values ----
 * The same text as jsonw_dumps of the equivalent values: commas and colons are placed by
 * the writer; misuse (a value where a key is due, an end without a begin, nesting deeper
 * than JSONW_MAX_DEPTH) and invalid UTF-8 make jsonw_finish return NULL. */
typedef struct jsonw {
    char *p;              /* the text so far (NUL-terminated only by jsonw_finish) */
    size_t len;           /* bytes used */
    size_t cap;           /* bytes allocated */
    int depth;            /* open objects and arrays */
    uint64_t has_members; /* bit d-1: the container at depth d has a member already */
    bool after_key;       /* a key was written and its value is due */
    bool failed;          /* out of memory, misuse or a value that cannot be written */
} jsonw;

void jsonw_init(jsonw *w);
void jsonw_object_begin(jsonw *w);
void jsonw_object_end(jsonw *w);
void jsonw_array_begin(jsonw *w);
void jsonw_array_end(jsonw *w);
/* A member's key (inside an object; escaped). */
void jsonw_key(jsonw *w, const char *key);
/* A string value; NULL writes null. */
void jsonw_string(jsonw *w, const char *s);
void jsonw_stringn(jsonw *w, const char *s, size_t n);
void jsonw_null(jsonw *w);
void jsonw_bool(jsonw *w, bool b);
void jsonw_int(jsonw *w, long long i);
/* A jansson value (borrowed), as jsonw_dumps writes it. */
void jsonw_value(jsonw *w, const json_t *v);
/* The text written (new malloc'd, NUL-terminated; its length in *len), or NULL when
 * anything failed or a container is still open. Either way w is empty afterwards. */
char *jsonw_finish(jsonw *w, size_t *len);
/* Throws away what was written. */
void jsonw_discard(jsonw *w);

#endif
