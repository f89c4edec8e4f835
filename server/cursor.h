/*
 * cursor: opaque keyset-pagination cursors. A cursor holds the sort key and id
 * of the last item of a page, so the next page is (key, id) > (cursor) and
 * hidden rows never shift pages. It is sealed (XChaCha20-Poly1305, key derived
 * from the server secret, random nonce): a resident's name never shows in a
 * URL, browser history or proxy log, and a cursor is bound to the list
 * (method and path) and to the caller it was issued to, so a forged, altered or
 * someone else's cursor is refused with 400.
 *
 * The binding is the request the current thread is answering (cursor_bind(), called by
 * the router once the caller is known), so the pages' code only names key and id.
 */
#ifndef SAMSPIL_CURSOR_H
#define SAMSPIL_CURSOR_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "http.h"

/* Derives the sealing key from the server secret. Once, before serving. */
void cursor_init(const unsigned char *secret, size_t len);
/* Binds the cursors this thread makes and reads to req's method, path and caller (user_id,
 * may be NULL); cursor_bind(NULL) ends it. */
void cursor_bind(const http_request *req);
/* A new JSON string holding the cursor for (key, id). */
json_t *cursor_make(const char *key, const char *id);
/* The "next" member of a page read with LIMIT limit + 1: the cursor after row limit - 1
 * (its key_col and "id") when r holds more than limit rows, else JSON null. */
json_t *cursor_next(const PGresult *r, int limit, const char *key_col);
/* Reads ?cursor= into key and id (arena strings; both NULL without a cursor). Sends a 400
 * and returns false when the cursor is malformed. */
bool cursor_parse(http_request *req, const char **key, const char **id);

#endif
