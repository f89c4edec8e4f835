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

/* Whether an SMTP URL's host is a loopback address (so plain SMTP is allowed). */
bool smtp_url_is_loopback(const char *url);

/* Sends m via the server in url (smtp://[user:pass@]host[:port] or smtps://...), waiting at
 * most timeout_seconds. Returns true when the server accepted the message; otherwise false
 * with a short reason (no message content) in err. Addresses or a subject containing
 * CR, LF or angle brackets are refused. */
bool smtp_send(const char *url, const smtp_message *m, long timeout_seconds, char *err,
               size_t errlen);

#endif
