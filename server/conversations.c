/*
 * conversations: what happened when the team met (or tried to meet) a
 * resident: when, how, the outcome, who took part, a shared summary and a
 * clinical note. The rules of who takes part (a safety risk needs the
 * contact person or another named staff member; relatives and partners need
 * a consent in force) are checked here for a clear 422 and again by the
 * database (conversations_check_rules in migration 0020). What facility
 * staff read of the summary and the note is decided by row-level security
 * in the query: the note never, the summary only while the resident's
 * consent to share it is in force.
 *
 * Corrections (PATCH, migration 0051): only the clinician who logged a conversation corrects
 * it, with If-Match and a reason; the database keeps every earlier version (the facts for both
 * sides, the earlier summary and note for the team only) and re-checks a rule only where its
 * inputs changed. A summary shared by mistake is withdrawn by correcting it to null.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "jsonw.h"
#include "consents.h"
#include "cursor.h"
#include "handlers.h"
#include "routes.h"

#define RFC3339(x) "to_char((" x ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/* The accounts of a uuid[] column as a JSON array of {id, name}, in their order. */
#define PEOPLE_JSON(col)                                                                      \
    "(SELECT coalesce(json_agg(json_build_object('id', x.id, 'name', u.name) ORDER BY x.n), '[]') " \
    "   FROM unnest(" col ") WITH ORDINALITY x(id, n) LEFT JOIN users u ON u.id = x.id)"

/* A conversation cv with its summary s and note n as the caller may read them. */
#define CONVERSATION_SELECT                                                                   \
    "SELECT cv.id, cv.visit_id, cv.resident_id, " RFC3339("cv.occurred_at") " AS occurred_at, " \
    "  cv.kind, cv.outcome, cv.contact_person_present, "                                      \
    "  to_json(cv.relatives) AS relatives, to_json(cv.partners) AS partners, "                \
    "  " PEOPLE_JSON("cv.clinician_ids") " AS clinicians, "                                   \
    "  " PEOPLE_JSON("cv.staff_present_ids") " AS staff_present, "                            \
    "  cv.created_by, " RFC3339("cv.created_at") " AS created_at, cv.version, "               \
    "  " RFC3339("cv.corrected_at") " AS corrected_at, cv.corrected_by, "                      \
    "  (SELECT u.name FROM users u WHERE u.id = cv.corrected_by) AS corrected_by_name, "      \
    "  cv.correction_reason, "                                                                \
    "  s.body AS summary, n.body AS clinical_note, "                                          \
    "  " CONSENT_SHARE_STATE("cv.resident_id") " AS summary_consent "                           \
    "FROM conversations cv "                                                                  \
    "LEFT JOIN conversation_summaries s ON s.conversation_id = cv.id "                        \
    "LEFT JOIN conversation_notes n ON n.conversation_id = cv.id "

/* A JSON array of strings as an SQL array. */
#define JSON_TEXT_ARRAY(p) "ARRAY(SELECT btrim(x) FROM json_array_elements_text(" p "::json) x)"

static const db_stmt conversation_stmts[] = {
    /* what the rules need to know, read as the caller (a hidden resident: no row) */
    {"conversations_rules",
     "SELECT r.id, r.safety_risk, "
     "  consent_in_force(r.id, 'relatives_may_attend') AS relatives_ok, "
     "  consent_in_force(r.id, 'partners_may_attend') AS partners_ok, "
     "  cardinality(consent_partners(r.id)) > 0 AND EXISTS ("
     "    SELECT 1 FROM json_array_elements_text($2::json) p WHERE NOT EXISTS ("
     "      SELECT 1 FROM unnest(consent_partners(r.id)) n "
     "       WHERE lower(btrim(n)) = lower(btrim(p)))) AS partner_not_named "
     "FROM residents r WHERE r.id = $1::uuid"},
    {"conversations_insert",
     "INSERT INTO conversations (visit_id, resident_id, occurred_at, kind, outcome, "
     "  clinician_ids, contact_person_present, staff_present_ids, relatives, partners, "
     "  created_by) "
     "VALUES ($1::uuid, $2::uuid, $3::timestamptz, $4, $5, " JSON_TEXT_ARRAY("$6") "::uuid[], "
     "  $7::boolean, " JSON_TEXT_ARRAY("$8") "::uuid[], " JSON_TEXT_ARRAY("$9") ", "
     JSON_TEXT_ARRAY("$10") ", app_user_id()) RETURNING id"},
    {"conversations_summary_insert",
     "INSERT INTO conversation_summaries (conversation_id, resident_id, body, written_by) "
     "VALUES ($1::uuid, $2::uuid, $3, app_user_id())"},
    {"conversations_note_insert",
     "INSERT INTO conversation_notes (conversation_id, resident_id, body, written_by) "
     "VALUES ($1::uuid, $2::uuid, $3, app_user_id())"},
    {"conversations_one", CONVERSATION_SELECT "WHERE cv.id = $1::uuid"},
    /* corrections (migration 0051): the conversation first, so its revision keeps the
     * summary and note as they stood; then the summary and note */
    {"conversations_head",
     "SELECT id, resident_id, version, created_by FROM conversations WHERE id = $1::uuid"},
    {"conversations_correct",
     "UPDATE conversations SET occurred_at = coalesce($3::timestamptz, occurred_at), "
     "  kind = coalesce($4, kind), outcome = coalesce($5, outcome), "
     "  contact_person_present = coalesce($6::boolean, contact_person_present), "
     "  staff_present_ids = CASE WHEN $7::text IS NULL THEN staff_present_ids "
     "    ELSE " JSON_TEXT_ARRAY("$7") "::uuid[] END, "
     "  relatives = CASE WHEN $8::text IS NULL THEN relatives ELSE " JSON_TEXT_ARRAY("$8") " END, "
     "  partners = CASE WHEN $9::text IS NULL THEN partners ELSE " JSON_TEXT_ARRAY("$9") " END, "
     "  version = version + 1, updated_at = now(), corrected_at = now(), "
     "  corrected_by = app_user_id(), correction_reason = $10 "
     "WHERE id = $1::uuid AND version = $2::integer RETURNING id"},
    {"conversations_summary_set",
     "INSERT INTO conversation_summaries (conversation_id, resident_id, body, written_by) "
     "VALUES ($1::uuid, $2::uuid, $3, app_user_id()) "
     "ON CONFLICT (conversation_id) DO UPDATE SET body = EXCLUDED.body, "
     "  written_by = EXCLUDED.written_by, written_at = now() "
     "WHERE conversation_summaries.body IS DISTINCT FROM EXCLUDED.body"},
    {"conversations_summary_delete",
     "DELETE FROM conversation_summaries WHERE conversation_id = $1::uuid"},
    {"conversations_note_set",
     "INSERT INTO conversation_notes (conversation_id, resident_id, body, written_by) "
     "VALUES ($1::uuid, $2::uuid, $3, app_user_id()) "
     "ON CONFLICT (conversation_id) DO UPDATE SET body = EXCLUDED.body, "
     "  written_by = EXCLUDED.written_by, written_at = now() "
     "WHERE conversation_notes.body IS DISTINCT FROM EXCLUDED.body"},
    {"conversations_note_delete", "DELETE FROM conversation_notes WHERE conversation_id = $1::uuid"},
    /* earlier versions, newest first; the texts only for the team (row-level security) */
    {"conversations_revisions",
     "SELECT r.version, " RFC3339("r.occurred_at") " AS occurred_at, r.kind, r.outcome, "
     "  r.contact_person_present, to_json(r.relatives) AS relatives, "
     "  to_json(r.partners) AS partners, "
     "  " PEOPLE_JSON("r.clinician_ids") " AS clinicians, "
     "  " PEOPLE_JSON("r.staff_present_ids") " AS staff_present, "
     "  t.summary, t.clinical_note, "
     "  " RFC3339("r.replaced_at") " AS replaced_at, r.replaced_by, "
     "  (SELECT u.name FROM users u WHERE u.id = r.replaced_by) AS replaced_by_name, r.reason "
     "FROM conversation_revisions r "
     "LEFT JOIN conversation_revision_texts t "
     "  ON t.conversation_id = r.conversation_id AND t.version = r.version "
     "WHERE r.conversation_id = $1::uuid ORDER BY r.version DESC"},
    {"conversations_resident", "SELECT id FROM residents WHERE id = $1::uuid"},
    /* a resident's history, newest first; with $5 only those with a summary the caller
     * may read, so a hidden summary never shows in a page or a count */
    {"conversations_list",
     CONVERSATION_SELECT
     "WHERE cv.resident_id = $1::uuid "
     "  AND ($2::text IS NULL OR (cv.occurred_at, cv.id) < ($2::timestamptz, $3::uuid)) "
     "  AND (NOT $5::boolean OR s.conversation_id IS NOT NULL) "
     "  AND ($6::text IS NULL OR cv.outcome = $6) "
     "ORDER BY cv.occurred_at DESC, cv.id DESC LIMIT $4::integer + 1"},
};

static void conversations_register(void)
{
    db_register(conversation_stmts, sizeof conversation_stmts / sizeof conversation_stmts[0]);
}

static bool caller_is_region(const app_call *c)
{
    return c->who && (c->who->role_bit & ROLES_REGION);
}

/* Who took part, from the columns of CONVERSATION_SELECT (or a revision). */
static json_t *participants_json(const PGresult *r, int i)
{
    json_t *who = json_object();
    json_object_set_new(who, "clinicians", app_jjson(r, i, "clinicians"));
    json_object_set_new(who, "contact_person_present", app_jbool(r, i, "contact_person_present"));
    json_object_set_new(who, "staff_present", app_jjson(r, i, "staff_present"));
    json_object_set_new(who, "relatives", app_jjson(r, i, "relatives"));
    json_object_set_new(who, "partners", app_jjson(r, i, "partners"));
    return who;
}

/* One conversation as the caller may see it: facility staff never get the clinical note (not
 * even the key), and a summary hidden for want of consent says so. */
static json_t *conversation_json(const app_call *c, const PGresult *r, int i)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", app_jstr(r, i, "id"));
    json_object_set_new(o, "visit_id", app_jstr(r, i, "visit_id"));
    json_object_set_new(o, "resident_id", app_jstr(r, i, "resident_id"));
    json_object_set_new(o, "occurred_at", app_jstr(r, i, "occurred_at"));
    json_object_set_new(o, "kind", app_jstr(r, i, "kind"));
    json_object_set_new(o, "outcome", app_jstr(r, i, "outcome"));
    json_object_set_new(o, "participants", participants_json(r, i));
    json_object_set_new(o, "summary", app_jstr(r, i, "summary"));
    const char *consent = db_get(r, i, "summary_consent");
    if (!caller_is_region(c) && !consents_share_granted(consent)) {
        consents_set_hidden(o, consent); /* said whether or not a summary was written */
    } else {
        json_object_set_new(o, "summary_hidden_reason",
                            db_get(r, i, "summary") ? json_null() : json_string("not_written"));
        consents_set_shown(o);
    }
    if (caller_is_region(c))
        json_object_set_new(o, "clinical_note", app_jstr(r, i, "clinical_note"));
    json_object_set_new(o, "created_by", app_jstr(r, i, "created_by"));
    json_object_set_new(o, "created_at", app_jstr(r, i, "created_at"));
    json_object_set_new(o, "version", app_jint(r, i, "version"));
    json_t *fix = json_null();
    if (db_get(r, i, "corrected_at"))
        fix = json_pack("{s:o, s:o, s:o, s:o}", "at", app_jstr(r, i, "corrected_at"), "by",
                        app_jstr(r, i, "corrected_by"), "by_name",
                        app_jstr(r, i, "corrected_by_name"), "reason",
                        app_jstr(r, i, "correction_reason"));
    json_object_set_new(o, "correction", fix);
    return o;
}

/* ---- log a conversation ---- */

static const char *const kinds[] = {"fixed_visit", "extra_visit", "home", "phone", "video", NULL};
static const char *const outcomes[] = {"held", "no_show", "cancelled_by_resident",
                                       "cancelled_by_staff", NULL};

static const json_field create_fields[] = {
    {.name = "resident_id", .type = JF_UUID, .required = true},
    {.name = "visit_id", .type = JF_UUID, .nullable = true},
    {.name = "occurred_at", .type = JF_TIMESTAMP, .required = true},
    {.name = "kind", .type = JF_ENUM, .required = true, .enum_values = kinds},
    {.name = "outcome", .type = JF_ENUM, .required = true, .enum_values = outcomes},
    {.name = "clinician_ids", .type = JF_ARRAY, .max_len = 20},
    {.name = "contact_person_present", .type = JF_BOOL},
    {.name = "staff_present_ids", .type = JF_ARRAY, .max_len = 20},
    {.name = "relatives", .type = JF_ARRAY, .max_len = 20},
    {.name = "partners", .type = JF_ARRAY, .max_len = 20},
    {.name = "summary", .type = JF_TEXT, .nullable = true},
    {.name = "clinical_note", .type = JF_TEXT, .nullable = true},
};

typedef struct create_ctx {
    json_t *body;
    /* JSON texts of the arrays, normalised */
    const char *clinicians, *staff, *relatives, *partners;
    size_t n_staff, n_relatives, n_partners;
} create_ctx;

/* A rule broken: 422 naming the rule, the refused attempt audited (and committed). */
static db_outcome refuse(app_call *c, const char *resident, const char *code, const char *field,
                         const char *detail)
{
    json_t *errors = json_array();
    problem_field(errors, field, detail);
    return app_refuse(c, "create", "conversation", NULL, resident, 422, code, detail, errors);
}

static db_outcome create_tx(app_call *c)
{
    create_ctx *w = c->ctx;
    json_t *b = w->body;
    const char *resident = json_str(b, "resident_id");
    const char *rp[] = {resident, w->partners};
    PGresult *r = app_exec(c, "conversations_rules", 2, rp);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1) {
        return app_refuse(c, "create", "conversation", NULL, resident, 404, "not-found",
                          "No such resident.", NULL);
    }
    bool present = json_is_true(json_object_get(b, "contact_person_present"));
    if (strcmp(json_str(b, "outcome"), "held") == 0 && db_get(r, 0, "safety_risk")[0] == 't' &&
        !present && w->n_staff == 0)
        return refuse(c, resident, "safety-risk-requires-staff", "contact_person_present",
                      "A safety risk is assessed for this resident: a held conversation needs "
                      "the contact person or another named staff member who knows the resident "
                      "present.");
    if (w->n_relatives > 0 && db_get(r, 0, "relatives_ok")[0] != 't')
        return refuse(c, resident, "relatives-require-consent", "relatives",
                      "Relatives may take part only while the resident's consent "
                      "(relatives_may_attend) is in force.");
    if (w->n_partners > 0 && db_get(r, 0, "partners_ok")[0] != 't')
        return refuse(c, resident, "partners-require-consent", "partners",
                      "Partners may take part only while the resident's consent "
                      "(partners_may_attend) is in force.");
    if (w->n_partners > 0 && db_get(r, 0, "partner_not_named")[0] == 't')
        return refuse(c, resident, "partners-require-consent", "partners",
                      "A partner is not named in the resident's consent (partners_may_attend).");

    const char *clinicians = w->clinicians;
    if (!clinicians) /* the one who logs it took part */
        clinicians = arena_printf(c->req->arena, "[\"%s\"]", c->who->user_id);
    const char *p[] = {json_str(b, "visit_id"), resident, json_str(b, "occurred_at"),
                       json_str(b, "kind"), json_str(b, "outcome"), clinicians,
                       present ? "true" : "false", w->staff, w->relatives, w->partners};
    PGresult *ins = app_exec(c, "conversations_insert", 10, p);
    if (!ins)
        return DB_ROLLBACK;
    const char *id = arena_strdup(c->req->arena, db_get(ins, 0, "id"));
    const char *summary = json_str(b, "summary"), *note = json_str(b, "clinical_note");
    if (summary && *summary) {
        const char *sp[] = {id, resident, summary};
        if (!app_exec(c, "conversations_summary_insert", 3, sp))
            return DB_ROLLBACK;
    }
    if (note && *note) {
        const char *np[] = {id, resident, note};
        if (!app_exec(c, "conversations_note_insert", 3, np))
            return DB_ROLLBACK;
    }
    const char *op[] = {id};
    PGresult *one = app_exec(c, "conversations_one", 1, op);
    if (!one || db_rows(one) != 1)
        return DB_ROLLBACK;
    app_audit(c, "create", "conversation", id, resident, "allowed");
    c->location = arena_printf(c->req->arena, "/api/conversations/%s", id);
    c->etag = arena_printf(c->req->arena, "%s", db_get(one, 0, "version"));
    app_reply(c, 201, conversation_json(c, one, 0));
    return DB_COMMIT;
}

static bool fail_field(http_request *req, const char *field, const char *reason)
{
    json_t *errors = json_array();
    problem_field(errors, field, reason);
    char detail[256];
    snprintf(detail, sizeof detail, "%s %s.", field, reason);
    problem_send_errors(req, 422, "validation-failed", "Validation failed", detail, errors);
    return false;
}

/* Reads an array member of ids (uuids) or names (1..200 characters) into JSON text ("[]"
 * when absent); false after sending a 422. */
static bool array_member(http_request *req, json_t *body, const char *name, bool ids,
                         const char **out, size_t *count)
{
    json_t *a = json_object_get(body, name);
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
        const char *s = json_string_value(v);
        if (ids ? !(s && json_is_uuid(s))
                : !(s && json_utf8_len(s) >= 1 && json_utf8_len(s) <= 200))
            return fail_field(req, name, ids ? "must be a list of user ids"
                                             : "must be a list of names (1 to 200 characters)");
    }
    if (count)
        *count = a ? json_array_size(a) : 0;
    if (!a) {
        *out = ids ? NULL : "[]";
        return true;
    }
    char *text = jsonw_dumps(a, NULL);
    *out = arena_strdup(req->arena, text ? text : "[]");
    free(text);
    return true;
}

static void conversations_create(http_request *req)
{
    create_ctx w = {0};
    w.body = app_body(req, create_fields, sizeof create_fields / sizeof create_fields[0]);
    if (!w.body || !array_member(req, w.body, "clinician_ids", true, &w.clinicians, NULL) ||
        !array_member(req, w.body, "staff_present_ids", true, &w.staff, &w.n_staff) ||
        !array_member(req, w.body, "relatives", false, &w.relatives, &w.n_relatives) ||
        !array_member(req, w.body, "partners", false, &w.partners, &w.n_partners))
        return;
    if (!w.staff)
        w.staff = "[]";
    if (w.clinicians && strcmp(w.clinicians, "[]") == 0)
        w.clinicians = NULL;
    app_run(req, create_tx, &w, APP_IDEMPOTENT);
}

/* ---- a resident's history ---- */

typedef struct list_ctx {
    const char *resident_id;
    const char *after_at, *after_id;
    const char *has_summary, *outcome;
    int limit;
} list_ctx;

static db_outcome list_tx(app_call *c)
{
    list_ctx *l = c->ctx;
    const char *v[] = {l->resident_id};
    PGresult *r = app_exec(c, "conversations_resident", 1, v);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1) {
        return app_refuse(c, "read", "conversation", NULL, l->resident_id, 404, "not-found",
                          "No such resident.", NULL);
    }
    char lim[16];
    snprintf(lim, sizeof lim, "%d", l->limit);
    const char *p[] = {l->resident_id, l->after_at, l->after_id, lim, l->has_summary,
                       l->outcome};
    PGresult *page = app_exec(c, "conversations_list", 6, p);
    if (!page)
        return DB_ROLLBACK;
    json_t *items = json_array();
    int n = db_rows(page);
    for (int i = 0; i < n && i < l->limit; i++)
        json_array_append_new(items, conversation_json(c, page, i));
    json_t *next = cursor_next(page, l->limit, "occurred_at");
    app_audit(c, "read", "conversation", NULL, l->resident_id, "allowed");
    app_reply(c, 200, json_pack("{s:o, s:o}", "items", items, "next", next));
    return DB_COMMIT;
}

static void conversations_list(http_request *req)
{
    list_ctx l = {0};
    if (!(l.resident_id = app_param_uuid(req, 0)) || (l.limit = app_limit(req)) < 0 ||
        !cursor_parse(req, &l.after_at, &l.after_id))
        return;
    const char *hs = http_query(req, "has_summary");
    l.has_summary = hs && strcmp(hs, "true") == 0 ? "true" : "false";
    l.outcome = http_query(req, "outcome");
    if (l.outcome) {
        bool known = false;
        for (const char *const *o = outcomes; *o; o++)
            known = known || strcmp(*o, l.outcome) == 0;
        if (!known) {
            json_t *errors = json_array();
            problem_field(errors, "outcome", "is not a known outcome");
            problem_send_errors(req, 400, "bad-query", NULL, "outcome is not known.", errors);
            return;
        }
    }
    app_run(req, list_tx, &l, 0);
}

/* ---- one conversation ---- */

static db_outcome get_tx(app_call *c)
{
    const char *id = c->ctx;
    const char *p[] = {id};
    PGresult *r = app_exec(c, "conversations_one", 1, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1)
        return app_fail(c, 404, "not-found", "No such conversation.", NULL);
    app_audit(c, "read", "conversation", id, db_get(r, 0, "resident_id"), "allowed");
    c->etag = arena_printf(c->req->arena, "%s", db_get(r, 0, "version"));
    app_reply(c, 200, conversation_json(c, r, 0));
    return DB_COMMIT;
}

static void conversations_get(http_request *req)
{
    const char *id = app_param_uuid(req, 0);
    if (id)
        app_run(req, get_tx, (void *)id, 0);
}

/* ---- correct a conversation (its author only, with a reason; every version kept) ---- */

static const json_field correct_fields[] = {
    {.name = "reason", .type = JF_STRING, .required = true, .min_len = 1, .max_len = 500},
    {.name = "occurred_at", .type = JF_TIMESTAMP},
    {.name = "kind", .type = JF_ENUM, .enum_values = kinds},
    {.name = "outcome", .type = JF_ENUM, .enum_values = outcomes},
    {.name = "contact_person_present", .type = JF_BOOL},
    {.name = "staff_present_ids", .type = JF_ARRAY, .max_len = 20},
    {.name = "relatives", .type = JF_ARRAY, .max_len = 20},
    {.name = "partners", .type = JF_ARRAY, .max_len = 20},
    {.name = "summary", .type = JF_TEXT, .nullable = true},
    {.name = "clinical_note", .type = JF_TEXT, .nullable = true},
};

typedef struct correct_ctx {
    const char *id, *version;
    json_t *body;
    const char *staff, *relatives, *partners; /* JSON texts, NULL when not sent */
} correct_ctx;

/* Sets (a text) or removes (null or "") the summary or note, if the body names it. */
static bool correct_text(app_call *c, const char *field, const char *set, const char *del,
                         const char *id, const char *resident)
{
    json_t *v = json_object_get(((correct_ctx *)c->ctx)->body, field);
    if (!v)
        return true;
    const char *text = json_string_value(v);
    if (text && *text) {
        const char *p[] = {id, resident, text};
        return app_exec(c, set, 3, p) != NULL;
    }
    const char *p[] = {id};
    return app_exec(c, del, 1, p) != NULL;
}

static db_outcome correct_tx(app_call *c)
{
    correct_ctx *x = c->ctx;
    const json_t *b = x->body;
    const char *hp[] = {x->id};
    PGresult *h = app_exec(c, "conversations_head", 1, hp);
    if (!h)
        return DB_ROLLBACK;
    if (db_rows(h) != 1)
        return app_fail(c, 404, "not-found", "No such conversation.", NULL);
    const char *resident = arena_strdup(c->req->arena, db_get(h, 0, "resident_id"));
    if (strcmp(db_get(h, 0, "created_by"), c->who->user_id) != 0) {
        return app_refuse(c, "update", "conversation", x->id, resident, 403, "not-author",
                          "Only the clinician who logged the conversation can correct it.", NULL);
    }
    const char *cp = json_object_get(b, "contact_person_present")
                         ? (json_is_true(json_object_get(b, "contact_person_present")) ? "true"
                                                                                       : "false")
                         : NULL;
    const char *p[] = {x->id,
                       x->version,
                       json_str(b, "occurred_at"),
                       json_str(b, "kind"),
                       json_str(b, "outcome"),
                       cp,
                       x->staff,
                       x->relatives,
                       x->partners,
                       json_str(b, "reason")};
    PGresult *u = app_exec(c, "conversations_correct", 10, p);
    if (!u)
        return DB_ROLLBACK;
    if (db_rows(u) != 1) {
        PGresult *cur = app_exec(c, "conversations_one", 1, hp);
        if (!cur || db_rows(cur) != 1)
            return DB_ROLLBACK;
        return app_stale(c, conversation_json(c, cur, 0));
    }
    if (!correct_text(c, "summary", "conversations_summary_set", "conversations_summary_delete",
                      x->id, resident) ||
        !correct_text(c, "clinical_note", "conversations_note_set", "conversations_note_delete",
                      x->id, resident))
        return DB_ROLLBACK;
    PGresult *one = app_exec(c, "conversations_one", 1, hp);
    if (!one || db_rows(one) != 1)
        return DB_ROLLBACK;
    app_audit(c, "update", "conversation", x->id, resident, "allowed");
    c->etag = arena_printf(c->req->arena, "%s", db_get(one, 0, "version"));
    app_reply(c, 200, conversation_json(c, one, 0));
    return DB_COMMIT;
}

/* An array member sent by the caller, as JSON text; NULL (kept) when absent. */
static bool optional_array(http_request *req, json_t *body, const char *name, bool ids,
                           const char **out)
{
    *out = NULL;
    if (!json_object_get(body, name))
        return true;
    return array_member(req, body, name, ids, out, NULL);
}

static void conversations_correct(http_request *req)
{
    correct_ctx x = {.id = app_param_uuid(req, 0)};
    if (!x.id || !(x.version = app_if_match(req)))
        return;
    x.body = app_body(req, correct_fields, sizeof correct_fields / sizeof correct_fields[0]);
    if (!x.body || !optional_array(req, x.body, "staff_present_ids", true, &x.staff) ||
        !optional_array(req, x.body, "relatives", false, &x.relatives) ||
        !optional_array(req, x.body, "partners", false, &x.partners))
        return;
    if (json_object_size(x.body) == 1) {
        fail_field(req, "reason", "comes with at least one correction");
        return;
    }
    app_run(req, correct_tx, &x, 0);
}

/* ---- earlier versions ---- */

static db_outcome revisions_tx(app_call *c)
{
    const char *id = c->ctx;
    const char *p[] = {id};
    PGresult *one = app_exec(c, "conversations_head", 1, p);
    if (!one)
        return DB_ROLLBACK;
    if (db_rows(one) != 1)
        return app_fail(c, 404, "not-found", "No such conversation.", NULL);
    const char *resident = arena_strdup(c->req->arena, db_get(one, 0, "resident_id"));
    PGresult *r = app_exec(c, "conversations_revisions", 1, p);
    if (!r)
        return DB_ROLLBACK;
    json_t *items = json_array();
    bool region = caller_is_region(c);
    for (int i = 0; i < db_rows(r); i++) {
        json_t *o = json_object();
        json_object_set_new(o, "version", app_jint(r, i, "version"));
        json_object_set_new(o, "occurred_at", app_jstr(r, i, "occurred_at"));
        json_object_set_new(o, "kind", app_jstr(r, i, "kind"));
        json_object_set_new(o, "outcome", app_jstr(r, i, "outcome"));
        json_object_set_new(o, "participants", participants_json(r, i));
        if (region) { /* the earlier texts are the team's alone */
            json_object_set_new(o, "summary", app_jstr(r, i, "summary"));
            json_object_set_new(o, "clinical_note", app_jstr(r, i, "clinical_note"));
        }
        json_object_set_new(o, "replaced_at", app_jstr(r, i, "replaced_at"));
        json_object_set_new(o, "replaced_by", app_jstr(r, i, "replaced_by"));
        json_object_set_new(o, "replaced_by_name", app_jstr(r, i, "replaced_by_name"));
        json_object_set_new(o, "reason", app_jstr(r, i, "reason"));
        json_array_append_new(items, o);
    }
    app_audit(c, "read", "conversation", id, resident, "allowed");
    app_reply(c, 200, json_pack("{s:o, s:n}", "items", items, "next"));
    return DB_COMMIT;
}

static void conversations_revisions(http_request *req)
{
    const char *id = app_param_uuid(req, 0);
    if (id)
        app_run(req, revisions_tx, (void *)id, 0);
}

/* clang-format off */
static const route conversation_route_list[] = {
    {"POST", "/api/conversations",                 conversations_create, ROLE_REGION_CLINICIAN, ROUTE_RESIDENT_DATA},
    {"GET",  "/api/residents/{id}/conversations",  conversations_list,   ROLES_CARE,            ROUTE_RESIDENT_DATA},
    {"GET",  "/api/conversations/{id}",            conversations_get,    ROLES_CARE,            ROUTE_RESIDENT_DATA},
    {"PATCH", "/api/conversations/{id}",           conversations_correct, ROLE_REGION_CLINICIAN, ROUTE_RESIDENT_DATA},
    {"GET",  "/api/conversations/{id}/revisions",  conversations_revisions, ROLES_CARE,          ROUTE_RESIDENT_DATA},
};
/* clang-format on */

const route_table conversations_routes = {
    conversation_route_list,
    sizeof conversation_route_list / sizeof conversation_route_list[0], conversations_register};
