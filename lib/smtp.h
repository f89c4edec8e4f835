/*
 * smtp: sends one plain-text e-mail to one recipient over SMTP with libcurl.
 * TLS is required (STARTTLS or smtps://) unless the server is on the loopback
 * interface (127.0.0.0/8, localhost, ::1), where local test sinks run.
 */
#ifndef SAMSPIL_SMTP_H
#define SAMSPIL_SMTP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct smtp_message {
    const char *from;    /* envelope and From: address, e.g. "samspil@example.org" */
    const char *to;      /* one recipient address */
    const char *subject; /* UTF-8; encoded as RFC 2047 when not ASCII */
    const char *body;    /* UTF-8 plain text; lines end in \n (sent as CRLF) */
} smtp_message;

/* The value of a Subject header for subject (UTF-8) into out, NUL-terminated: ASCII as it is;
 * anything else as RFC 2047 "B" encoded-words of at most SMTP_WORD_MAX characters, each
 * holding whole UTF-8 characters only, one per line, the lines folded with CRLF SP so that no
 * line of the header ("Subject: " included) exceeds 76 characters. A subject longer than
 * SMTP_SUBJECT_MAX bytes is cut there, between two characters. Returns the length written, or
 * 0 when out is too small (SMTP_SUBJECT_OUT is always enough). */
#define SMTP_WORD_MAX 75
#define SMTP_SUBJECT_MAX 600
#define SMTP_SUBJECT_OUT 1400
size_t smtp_encode_subject(const char *subject, char *out, size_t outlen);

/* Whether an SMTP URL's host is a loopback address (so plain SMTP is allowed). */
bool smtp_url_is_loopback(const char *url);

/* Sends m via the server in url (smtp://[user:pass@]host[:port] or smtps://...), waiting at
 * most timeout_seconds. Returns true when the server accepted the message; otherwise false
 * with a short reason (no message content) in err. Addresses or a subject containing
 * CR, LF or angle brackets are refused. */
bool smtp_send(const char *url, const smtp_message *m, long timeout_seconds, char *err,
               size_t errlen);

#endif
