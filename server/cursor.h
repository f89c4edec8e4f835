/*
 * cursor: opaque keyset-pagination cursors. A cursor encodes the sort key
 * and id of the last item of a page ("<key>\n<uuid>", base64url), so the next
 * page is (key, id) > (cursor) and hidden rows never shift pages.
 */
#ifndef SAMSPIL_CURSOR_H
#define SAMSPIL_CURSOR_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "http.h"

/* A new JSON string holding the cursor for (key, id). */
json_t *cursor_make(const char *key, const char *id);
/* The "next" member of a page read with LIMIT limit + 1: the cursor after row limit - 1
 * (its key_col and "id") when r holds more than limit rows, else JSON null. */
json_t *cursor_next(const PGresult *r, int limit, const char *key_col);
/* Reads ?cursor= into key and id (arena strings; both NULL without a cursor). Sends a 400
 * and returns false when the cursor is malformed. */
bool cursor_parse(http_request *req, const char **key, const char **id);

#endif
