/*
 * cursor: keyset-pagination cursors; see cursor.h.
 */
#include "cursor.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "json.h"
#include "problem.h"

json_t *cursor_next(const PGresult *r, int limit, const char *key_col)
{
    if (limit < 1 || db_rows(r) <= limit)
        return json_null();
    return cursor_make(db_get(r, limit - 1, key_col), db_get(r, limit - 1, "id"));
}

json_t *cursor_make(const char *key, const char *id)
{
    if (!key || !id)
        return json_null();
    size_t kl = strlen(key), il = strlen(id);
    size_t raw_len = kl + 1 + il;
    unsigned char *raw = malloc(raw_len);
    size_t enc_len = sodium_base64_ENCODED_LEN(raw_len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *enc = malloc(enc_len);
    if (!raw || !enc) {
        free(raw);
        free(enc);
        return json_null();
    }
    memcpy(raw, key, kl);
    raw[kl] = '\n';
    memcpy(raw + kl + 1, id, il);
    sodium_bin2base64(enc, enc_len, raw, raw_len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    json_t *out = json_string(enc);
    free(raw);
    free(enc);
    return out;
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
    size_t n = strlen(c);
    if (n > 1024)
        return bad_cursor(req);
    unsigned char *raw = arena_alloc(req->arena, n + 1);
    size_t raw_len = 0;
    if (sodium_base642bin(raw, n, c, n, NULL, &raw_len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return bad_cursor(req);
    raw[raw_len] = '\0';
    char *nl = memchr(raw, '\n', raw_len);
    if (!nl || strlen((char *)raw) != raw_len)
        return bad_cursor(req);
    *nl = '\0';
    if (!json_is_uuid(nl + 1) || json_utf8_len((char *)raw) < 0)
        return bad_cursor(req);
    *key = (const char *)raw;
    *id = nl + 1;
    return true;
}
