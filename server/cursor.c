/*
 * cursor: keyset-pagination cursors; see cursor.h.
 */
#include "cursor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "json.h"
#include "problem.h"
#include "seal.h"

static unsigned char cursor_key[SEAL_KEY_BYTES];

void cursor_init(const unsigned char *secret, size_t len)
{
    seal_key(cursor_key, "samspil cursor v1", secret, len);
}

/* What a cursor is bound to: "v1 METHOD PATH\nUSER", for this thread's request. */
static _Thread_local char binding[600];
static _Thread_local size_t binding_len;

void cursor_bind(const http_request *req)
{
    if (!req) {
        binding_len = 0;
        return;
    }
    int n = snprintf(binding, sizeof binding, "v1 %s %s\n%s", req->method, req->path,
                     req->user_id ? req->user_id : "");
    binding_len = n > 0 && (size_t)n < sizeof binding ? (size_t)n : 0;
}

json_t *cursor_next(const PGresult *r, int limit, const char *key_col)
{
    if (limit < 1 || db_rows(r) <= limit)
        return json_null();
    return cursor_make(db_get(r, limit - 1, key_col), db_get(r, limit - 1, "id"));
}

json_t *cursor_make(const char *key, const char *id)
{
    if (!key || !id || !binding_len)
        return json_null();
    size_t kl = strlen(key), il = strlen(id);
    char *plain = malloc(kl + 1 + il);
    if (!plain)
        return json_null();
    memcpy(plain, key, kl);
    plain[kl] = '\n';
    memcpy(plain + kl + 1, id, il);
    char *text = seal_make(cursor_key, binding, binding_len, plain, kl + 1 + il);
    free(plain);
    json_t *out = text ? json_string(text) : json_null();
    free(text);
    return out ? out : json_null();
}

static bool bad_cursor(http_request *req)
{
    json_t *errors = json_array();
    problem_field(errors, "cursor", "is not a cursor this server issued");
    problem_send_errors(req, 400, "bad-query", NULL, "The cursor is not valid.", errors);
    return false;
}

bool cursor_parse(http_request *req, const char **key, const char **id)
{
    *key = *id = NULL;
    const char *c = http_query(req, "cursor");
    if (!c || !*c)
        return true;
    if (!binding_len)
        return bad_cursor(req);
    unsigned char *raw = arena_alloc(req->arena, strlen(c) + 1);
    size_t raw_len = 0;
    /* a cursor altered, forged, or issued for another list or caller does not open */
    if (!seal_open(cursor_key, binding, binding_len, c, raw, &raw_len))
        return bad_cursor(req);
    raw[raw_len] = '\0';
    char *nl = memchr(raw, '\n', (size_t)raw_len);
    if (!nl || strlen((char *)raw) != raw_len)
        return bad_cursor(req);
    *nl = '\0';
    if (!json_is_uuid(nl + 1) || json_utf8_len((char *)raw) < 0)
        return bad_cursor(req);
    *key = (const char *)raw;
    *id = nl + 1;
    return true;
}
