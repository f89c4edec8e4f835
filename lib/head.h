/*
 * head: a strict check of an HTTP/1.x request head (RFC 9112), before libmicrohttpd sees it.
 *
 * The server's acceptor (lib/http.c) peeks at a new connection's first request head and
 * passes the connection to libmicrohttpd only when this check accepts it; otherwise it
 * answers with problem+json itself and closes. Stricter than libmicrohttpd 0.9.75, which
 * ignores a header whose name is not a token ("Content-Length : 5") and then reads the
 * body as a second request, truncates a path at %00, answers unknown Transfer-Encodings
 * not at all, and answers some errors with HTML of its own.
 *
 * Pure and allocation-free: unit-tested and fuzzed (tests/fuzz/fuzz_head.c).
 */
#ifndef SAMSPIL_HEAD_H
#define SAMSPIL_HEAD_H

#include <stdbool.h>
#include <stddef.h>

#define HEAD_MAX_BYTES 8192   /* request line and header lines, with the blank line */
#define HEAD_MAX_FIELDS 64    /* header lines */
#define HEAD_MAX_COOKIES 50   /* name=value pairs over all Cookie lines */

typedef enum head_result {
    HEAD_INCOMPLETE, /* no blank line yet, and under HEAD_MAX_BYTES */
    HEAD_OK,         /* a well-formed head of head_len bytes */
    HEAD_REJECT      /* answer status with code and detail, then close */
} head_result;

typedef struct head_verdict {
    size_t head_len;     /* HEAD_OK: bytes up to and including the blank line */
    unsigned status;     /* HEAD_REJECT: 400, 413, 431, 501 or 505 */
    const char *code;    /* HEAD_REJECT: the problem's code, e.g. "bad-header-name" */
    const char *detail;  /* HEAD_REJECT: one sentence for the client */
    const char *field;   /* HEAD_REJECT: the header concerned, or NULL */
} head_verdict;

/* Checks the request head at the start of buf[0..len). max_body is the largest body the
 * server accepts (a larger Content-Length is refused with 413 here). */
head_result head_check(const char *buf, size_t len, unsigned long long max_body,
                       head_verdict *v);

/* Whether a header field name is an RFC 9110 token. */
bool head_is_token(const char *s, size_t n);

/* Whether a field value (without surrounding whitespace) has only VCHAR, obs-text, SP and
 * HTAB: no NUL, CR, LF or other control character. */
bool head_value_ok(const char *s, size_t n);

/* Whether a request target is free of control characters, raw or percent-encoded
 * (%00-%1F, %7F). */
bool head_target_ok(const char *s, size_t n);

#endif
