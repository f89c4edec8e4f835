/*
 * agreements: the collaboration agreement (samarbejdsaftale) between one F-ACT team and one
 * facility, its lifecycle (draft -> awaiting_signatures -> active -> expired/terminated,
 * renewal as a new linked version), each side's signature, and the calendar it drives.
 *
 * Rules and where they live:
 * - signed content never changes: agreements_guard (migration 0010) raises SA409
 *   agreement-signed; PATCH only reaches it for a matching version;
 * - a manager signs for their own side only: checked here (403 not-your-side) and by the
 *   signatures_sign policy (0003);
 * - activation generates the fixed-presence visits and management meetings as dated rows
 *   (agreement_generate_calendar, 0010). A change of frequency is a renewal: when the new
 *   version becomes active, the earlier versions' future occurrences that nobody moved or
 *   cancelled give way to the new series; touched ones are kept.
 * - reminders: expires_soon when an active agreement ends within 60 days;
 *   management_meeting_overdue when a management meeting ended over 14 days ago and is still
 *   neither held nor cancelled;
 * - the iCalendar feed (calendar.ics) is public but opened by a per-feed random token whose
 *   SHA-256 only is stored; it carries fixed titles and organisation names, never people.
 * Visits (the calendar rows) are listed, moved, cancelled and added in server/calendar.c,
 * whose routes this table carries.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "jsonw.h"
#include "calendar.h"
#include "cursor.h"
#include "handlers.h"
#include "ics.h"
#include "routes.h"

/* A timestamptz column as RFC 3339 in UTC. */
#define TS(x) "to_char((" x ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* An active agreement reads as expired after its last day. */
#define STATUS_EXPR                                                                            \
    "(CASE WHEN a.status = 'active' AND a.valid_to < current_date THEN 'expired' "            \
    "ELSE a.status END)"

/* What a list shows of each agreement, with its reminders. */
#define AGREEMENT_SUMMARY                                                                      \
    "a.id, a.team_id, t.name AS team_name, a.facility_id, f.name AS facility_name, "          \
    STATUS_EXPR " AS status, a.previous_id, a.version, a.valid_from::text AS valid_from, "    \
    "a.valid_to::text AS valid_to, (a.valid_to - current_date) AS days_to_expiry, "            \
    STATUS_EXPR " = 'active' AND a.valid_to - current_date <= 60 AS expires_soon, "           \
    STATUS_EXPR " = 'active' AND EXISTS (SELECT 1 FROM meetings m WHERE m.agreement_id = a.id " \
    "  AND m.kind = 'management' AND m.status = 'planned' "                                  \
    "  AND m.ends_at < now() - interval '14 days') "                                         \
    "  AS management_meeting_overdue, "                                                       \
    "a.presence_every_weeks, a.presence_weekday, to_char(a.presence_start, 'HH24:MI') "       \
    "  AS presence_start, to_char(a.presence_end, 'HH24:MI') AS presence_end, "               \
    TS("a.created_at") " AS created_at, " TS("a.updated_at") " AS updated_at, "               \
    "a.created_at::text AS sort_key"

/* The whole agreement, signatures included. */
#define AGREEMENT_FULL                                                                         \
    AGREEMENT_SUMMARY ", a.purpose, a.team_tasks, a.facility_tasks, a.target_group, "         \
    "a.contact_email, a.contact_phone, a.contact_video, a.joins_morning_meetings, "           \
    "a.monday_mail_agreed, to_char(a.monday_mail_deadline, 'HH24:MI') AS monday_mail_deadline, " \
    "a.monday_mail_notify_email, a.management_every_months, a.data_protection, "              \
    "a.team_contact_user_id, a.facility_contact_user_id, a.local_additions, a.created_by, "   \
    TS("a.terminated_at") " AS terminated_at, "                                               \
    "(SELECT coalesce(json_agg(json_build_object('side', s.side, 'user_id', s.user_id, "      \
    "   'name', s.signer_name, 'role', s.signer_role, 'signed_at', " TS("s.signed_at") ") "    \
    "   ORDER BY s.signed_at), '[]') FROM agreement_signatures s "                            \
    "  WHERE s.agreement_id = a.id) AS signatures"

#define AGREEMENT_FROM                                                                         \
    " FROM agreements a JOIN organizations t ON t.id = a.team_id "                            \
    "JOIN organizations f ON f.id = a.facility_id "

/* The content a draft may change and a renewal copies. */
#define CONTENT_COLS                                                                           \
    "purpose, team_tasks, facility_tasks, target_group, presence_every_weeks, "               \
    "presence_weekday, presence_start, presence_end, contact_email, contact_phone, "          \
    "contact_video, joins_morning_meetings, monday_mail_agreed, monday_mail_deadline, "       \
    "monday_mail_notify_email, management_every_months, data_protection, "                    \
    "team_contact_user_id, facility_contact_user_id, local_additions"

#define CONTENT_COLS_R                                                                         \
    "r.purpose, r.team_tasks, r.facility_tasks, r.target_group, r.presence_every_weeks, "     \
    "r.presence_weekday, r.presence_start, r.presence_end, r.contact_email, r.contact_phone, " \
    "r.contact_video, r.joins_morning_meetings, r.monday_mail_agreed, r.monday_mail_deadline, " \
    "r.monday_mail_notify_email, r.management_every_months, r.data_protection, "              \
    "r.team_contact_user_id, r.facility_contact_user_id, r.local_additions"

static const db_stmt agreement_stmts[] = {
    {"agreements_list",
     "SELECT " AGREEMENT_SUMMARY AGREEMENT_FROM
     "WHERE ($1::text IS NULL OR (a.created_at, a.id) < ($1::timestamptz, $2::uuid)) "
     "  AND ($4::text IS NULL OR " STATUS_EXPR " = $4) "
     "ORDER BY a.created_at DESC, a.id DESC LIMIT $3::integer"},
    {"agreements_get", "SELECT " AGREEMENT_FULL AGREEMENT_FROM "WHERE a.id = $1::uuid"},
    /* the facility of a pair and the team serving it */
    {"agreements_facility",
     "SELECT id, serving_team_id FROM organizations WHERE id = $1::uuid AND kind = 'facility'"},
    {"agreements_create",
     "INSERT INTO agreements (team_id, facility_id, " CONTENT_COLS ", valid_from, valid_to, "
     "  created_by) "
     "SELECT r.team_id, r.facility_id, " CONTENT_COLS_R ", coalesce(r.valid_from, current_date), "
     "  coalesce(r.valid_to, (coalesce(r.valid_from, current_date) + interval '1 year')::date - 1), "
     "  app_user_id() FROM jsonb_populate_record(NULL::agreements, $1::jsonb) r RETURNING id"},
    /* a draft's content: the keys present in $3 replace, the rest is kept */
    {"agreements_update",
     "UPDATE agreements a SET (" CONTENT_COLS ", valid_from, valid_to) = "
     "  (SELECT " CONTENT_COLS_R ", r.valid_from, r.valid_to "
     "     FROM jsonb_populate_record(a, $3::jsonb) r), "
     "  version = a.version + 1, updated_at = now() "
     "WHERE a.id = $1::uuid AND a.version = $2::integer AND a.status = 'draft' RETURNING a.id"},
    {"agreements_state",
     "SELECT a.status, a.version FROM agreements a WHERE a.id = $1::uuid"},
    {"agreements_lock",
     "SELECT a.status, a.version, a.team_id, a.facility_id FROM agreements a "
     "WHERE a.id = $1::uuid FOR UPDATE"},
    /* $4: the states the move is allowed from */
    {"agreements_move",
     "UPDATE agreements a SET status = $3, version = a.version + 1, updated_at = now(), "
     "  terminated_at = CASE WHEN $3 = 'terminated' THEN now() ELSE a.terminated_at END "
     "WHERE a.id = $1::uuid AND a.version = $2::integer AND a.status = ANY ($4::text[]) "
     "RETURNING a.id"},
    {"agreements_sign",
     "INSERT INTO agreement_signatures (agreement_id, side, team_id, facility_id, user_id, "
     "  signer_name, signer_role) "
     "SELECT a.id, $2, a.team_id, a.facility_id, u.id, u.name, u.role "
     "  FROM agreements a JOIN users u ON u.id = app_user_id() WHERE a.id = $1::uuid "
     "ON CONFLICT DO NOTHING RETURNING side"},
    {"agreements_activate",
     "UPDATE agreements a SET status = 'active', version = a.version + 1, updated_at = now() "
     "WHERE a.id = $1::uuid AND a.status = 'awaiting_signatures' "
     "  AND (SELECT count(*) FROM agreement_signatures s WHERE s.agreement_id = a.id) = 2 "
     "RETURNING a.id"},
    {"agreements_generate", "SELECT agreement_generate_calendar($1::uuid) AS visits"},
    {"agreements_withdraw", "SELECT agreement_withdraw_calendar($1::uuid)"},
    {"agreements_renew",
     "INSERT INTO agreements (team_id, facility_id, previous_id, " CONTENT_COLS ", "
     "  valid_from, valid_to, created_by) "
     "SELECT a.team_id, a.facility_id, a.id, " CONTENT_COLS ", "
     "  coalesce($2::date, a.valid_to + 1), "
     "  coalesce($3::date, coalesce($2::date, a.valid_to + 1) + (a.valid_to - a.valid_from)), "
     "  app_user_id() FROM agreements a WHERE a.id = $1::uuid RETURNING id"},
    /* calendar feeds */
    {"agreements_feed_create",
     "INSERT INTO calendar_feeds (agreement_id, team_id, facility_id, token_sha256, created_by) "
     "SELECT a.id, a.team_id, a.facility_id, sha256(convert_to($2, 'UTF8')), app_user_id() "
     "  FROM agreements a WHERE a.id = $1::uuid "
     "RETURNING id, " TS("created_at") " AS created_at"},
    {"agreements_feed_list",
     "SELECT id, created_by, " TS("created_at") " AS created_at, " TS("revoked_at")
     " AS revoked_at FROM calendar_feeds WHERE agreement_id = $1::uuid "
     "ORDER BY created_at, id LIMIT 200"},
    {"agreements_feed_revoke",
     "UPDATE calendar_feeds SET revoked_at = now(), revoked_by = app_user_id() "
     "WHERE id = $2::uuid AND agreement_id = $1::uuid AND revoked_at IS NULL RETURNING id"},
    {"agreements_feed_name", "SELECT calendar_feed_name($1::uuid, $2) AS name"},
    {"agreements_feed_events", "SELECT * FROM calendar_feed_events($1::uuid, $2)"},
};

static void agreements_register(void)
{
    db_register(agreement_stmts, sizeof agreement_stmts / sizeof agreement_stmts[0]);
    calendar_register();
}

/* ---- JSON of an agreement ---- */

typedef enum { COL_STR, COL_INT, COL_BOOL, COL_JSON } col_type;

static const struct {
    const char *name;
    col_type type;
} summary_cols[] =
    {
        {"id", COL_STR},
        {"team_id", COL_STR},
        {"team_name", COL_STR},
        {"facility_id", COL_STR},
        {"facility_name", COL_STR},
        {"status", COL_STR},
        {"previous_id", COL_STR},
        {"version", COL_INT},
        {"valid_from", COL_STR},
        {"valid_to", COL_STR},
        {"days_to_expiry", COL_INT},
        {"expires_soon", COL_BOOL},
        {"management_meeting_overdue", COL_BOOL},
        {"presence_every_weeks", COL_INT},
        {"presence_weekday", COL_INT},
        {"presence_start", COL_STR},
        {"presence_end", COL_STR},
        {"created_at", COL_STR},
        {"updated_at", COL_STR},
},
  full_cols[] = {
      {"purpose", COL_STR},
      {"team_tasks", COL_STR},
      {"facility_tasks", COL_STR},
      {"target_group", COL_STR},
      {"contact_email", COL_STR},
      {"contact_phone", COL_STR},
      {"contact_video", COL_STR},
      {"joins_morning_meetings", COL_BOOL},
      {"monday_mail_agreed", COL_BOOL},
      {"monday_mail_deadline", COL_STR},
      {"monday_mail_notify_email", COL_STR},
      {"management_every_months", COL_INT},
      {"data_protection", COL_STR},
      {"team_contact_user_id", COL_STR},
      {"facility_contact_user_id", COL_STR},
      {"local_additions", COL_STR},
      {"created_by", COL_STR},
      {"terminated_at", COL_STR},
      {"signatures", COL_JSON},
};

static json_t *col_json(const PGresult *r, int i, const char *name, col_type type)
{
    switch (type) {
    case COL_INT:
        return app_jint(r, i, name);
    case COL_BOOL:
        return app_jbool(r, i, name);
    case COL_JSON:
        return app_jjson(r, i, name);
    default:
        return app_jstr(r, i, name);
    }
}

static json_t *agreement_json(const PGresult *r, int i, bool full)
{
    json_t *o = json_object();
    for (size_t k = 0; k < sizeof summary_cols / sizeof summary_cols[0]; k++)
        json_object_set_new(o, summary_cols[k].name,
                            col_json(r, i, summary_cols[k].name, summary_cols[k].type));
    json_t *reminders = json_object();
    json_object_set(reminders, "expires_soon", json_object_get(o, "expires_soon"));
    json_object_set(reminders, "management_meeting_overdue",
                    json_object_get(o, "management_meeting_overdue"));
    json_object_set_new(o, "reminders", reminders);
    if (full)
        for (size_t k = 0; k < sizeof full_cols / sizeof full_cols[0]; k++)
            json_object_set_new(o, full_cols[k].name,
                                col_json(r, i, full_cols[k].name, full_cols[k].type));
    return o;
}

/* Replies with the agreement as it is now (200 or status), ETag its version. */
static db_outcome reply_agreement(app_call *c, const char *id, unsigned status)
{
    const char *p[] = {id};
    PGresult *r = app_exec(c, "agreements_get", 1, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1)
        return app_fail(c, 404, "not-found", "No such agreement.", NULL);
    c->etag = arena_printf(c->req->arena, "%s", db_get(r, 0, "version"));
    app_reply(c, status, agreement_json(r, 0, true));
    return DB_COMMIT;
}

/* The agreement as it is now, for a 412 (NULL when it cannot be read). */
static json_t *current_agreement(app_call *c, const char *id)
{
    const char *p[] = {id};
    PGresult *r = app_exec(c, "agreements_get", 1, p);
    return r && db_rows(r) == 1 ? agreement_json(r, 0, true) : NULL;
}

/* ---- list ---- */

static const char *const statuses[] = {"draft", "awaiting_signatures", "active", "expired",
                                       "terminated", NULL};

typedef struct list_ctx {
    const char *after_key, *after_id, *status;
    int limit;
} list_ctx;

static db_outcome list_tx(app_call *c)
{
    list_ctx *l = c->ctx;
    char lim[16];
    snprintf(lim, sizeof lim, "%d", l->limit + 1);
    const char *p[] = {l->after_key, l->after_id, lim, l->status};
    PGresult *r = app_exec(c, "agreements_list", 4, p);
    if (!r)
        return DB_ROLLBACK;
    json_t *items = json_array();
    int n = db_rows(r);
    for (int i = 0; i < n && i < l->limit; i++)
        json_array_append_new(items, agreement_json(r, i, false));
    json_t *next = cursor_next(r, l->limit, "sort_key");
    app_reply(c, 200, json_pack("{s:o, s:o}", "items", items, "next", next));
    return DB_COMMIT;
}

static void agreements_list(http_request *req)
{
    list_ctx l = {0};
    if ((l.limit = app_limit(req)) < 0 || !cursor_parse(req, &l.after_key, &l.after_id))
        return;
    l.status = http_query(req, "status");
    if (l.status) {
        bool known = false;
        for (size_t i = 0; statuses[i]; i++)
            known = known || strcmp(statuses[i], l.status) == 0;
        if (!known) {
            json_t *errors = json_array();
            problem_field(errors, "status", "must be one of the agreement states");
            problem_send_errors(req, 400, "bad-query", NULL, "status is not an agreement state.",
                                errors);
            return;
        }
    }
    app_run(req, list_tx, &l, 0);
}

/* ---- one ---- */

static db_outcome get_tx(app_call *c)
{
    return reply_agreement(c, c->ctx, 200);
}

static void agreements_get(http_request *req)
{
    const char *id = app_param_uuid(req, 0);
    if (id)
        app_run(req, get_tx, (void *)id, 0);
}

/* ---- create ---- */

/* Our own default wording for a new draft; the parties adapt it. */
static const char DEFAULT_PURPOSE[] =
    "Aftalen skal give beboerne ét sammenhængende forløb, hvor behandlingen i F-ACT-teamet og "
    "støtten på botilbuddet trækker i samme retning. Sammen vil parterne forebygge "
    "indlæggelser, genindlæggelser og tvang og støtte beboerens egne mål for hverdagen.";
static const char DEFAULT_TEAM_TASKS[] =
    "F-ACT-teamet står for den psykiatriske behandling, kommer fast på botilbuddet med den "
    "aftalte hyppighed, skruer op for kontakten, når en beboer har brug for mere, og deler "
    "sin viden med personalet inden for rammerne af beboerens samtykke.";
static const char DEFAULT_FACILITY_TASKS[] =
    "Botilbuddet støtter beboeren i hverdagen, melder i god tid før det faste besøg, hvem der "
    "har brug for en samtale, lader kontaktpersonen deltage, når det hjælper beboeren, og "
    "besøger så vidt muligt beboere, der er indlagt.";
static const char DEFAULT_TARGET_GROUP[] =
    "Beboere på botilbuddet med en svær psykisk lidelse, som er tilknyttet F-ACT-teamet, og "
    "hvor behandling og socialt tilbud har brug for at arbejde tæt sammen.";
static const char DEFAULT_DATA_PROTECTION[] =
    "Parterne deler kun oplysninger om en beboer, når beboeren har givet samtykke, eller når "
    "loven giver adgang til det. Begge parter har tavshedspligt, og følsomme oplysninger sendes "
    "aldrig med almindelig e-mail, men deles i Samspil.";

static const json_field content_fields[] = {
    {.name = "purpose", .type = JF_TEXT},
    {.name = "team_tasks", .type = JF_TEXT},
    {.name = "facility_tasks", .type = JF_TEXT},
    {.name = "target_group", .type = JF_TEXT},
    {.name = "presence_every_weeks", .type = JF_INT, .min = 1, .max = 12},
    {.name = "presence_weekday", .type = JF_INT, .min = 1, .max = 7},
    {.name = "presence_start", .type = JF_TIME},
    {.name = "presence_end", .type = JF_TIME},
    {.name = "contact_email", .type = JF_STRING, .max_len = 254},
    {.name = "contact_phone", .type = JF_STRING, .max_len = 100},
    {.name = "contact_video", .type = JF_STRING, .max_len = 500},
    {.name = "joins_morning_meetings", .type = JF_BOOL},
    {.name = "monday_mail_agreed", .type = JF_BOOL},
    {.name = "monday_mail_deadline", .type = JF_TIME},
    {.name = "monday_mail_notify_email", .type = JF_STRING, .max_len = 254},
    {.name = "management_every_months", .type = JF_INT, .min = 1, .max = 24},
    {.name = "data_protection", .type = JF_TEXT},
    {.name = "team_contact_user_id", .type = JF_UUID, .nullable = true},
    {.name = "facility_contact_user_id", .type = JF_UUID, .nullable = true},
    {.name = "local_additions", .type = JF_TEXT},
    {.name = "valid_from", .type = JF_DATE},
    {.name = "valid_to", .type = JF_DATE},
    /* create only (the pair); rejected by update below */
    {.name = "team_id", .type = JF_UUID},
    {.name = "facility_id", .type = JF_UUID},
};
#define NCONTENT (sizeof content_fields / sizeof content_fields[0])

/* Cross-field checks json_validate cannot make; false after sending a 422. */
static bool content_consistent(http_request *req, const json_t *body)
{
    const char *s = json_str(body, "presence_start"), *e = json_str(body, "presence_end");
    const char *field = NULL, *reason = NULL;
    if (s && e && strcmp(s, e) >= 0) {
        field = "presence_end";
        reason = "must be after presence_start";
    }
    const char *from = json_str(body, "valid_from"), *to = json_str(body, "valid_to");
    if (from && to && strcmp(from, to) > 0) {
        field = "valid_to";
        reason = "must not be before valid_from";
    }
    /* the e-mail fields: empty means none, anything else must be an address */
    static const char *const emails[] = {"contact_email", "monday_mail_notify_email"};
    for (size_t i = 0; i < sizeof emails / sizeof emails[0]; i++) {
        const char *v = json_str(body, emails[i]);
        if (v && *v && !json_is_email(v)) {
            field = emails[i];
            reason = "must be an e-mail address (or empty for none)";
        }
    }
    if (!field)
        return true;
    json_t *errors = json_array();
    problem_field(errors, field, reason);
    problem_send_errors(req, 422, "validation-failed", "Validation failed",
                        arena_printf(req->arena, "%s %s.", field, reason), errors);
    return false;
}

typedef struct write_ctx {
    json_t *body;       /* borrowed (arena) */
    const char *id;     /* the agreement */
    const char *version;
    const char *sub_id; /* a feed */
    char *text;         /* calendar.ics: malloc'd, handed to the reply */
    size_t text_len;
} write_ctx;

static db_outcome create_tx(app_call *c)
{
    write_ctx *w = c->ctx;
    json_t *row = json_deep_copy(w->body);
    bool region = c->who->role_bit == ROLE_REGION_MANAGER;
    const char *own = c->who->org_id;
    const char *team = json_str(row, "team_id"), *facility = json_str(row, "facility_id");
    if (region) {
        if (team && strcmp(team, own) != 0) {
            json_decref(row);
            return app_fail_field(c, "team_id", "must be your own team");
        }
        if (!facility) {
            json_decref(row);
            return app_fail_field(c, "facility_id", "is required");
        }
    } else {
        if (facility && strcmp(facility, own) != 0) {
            json_decref(row);
            return app_fail_field(c, "facility_id", "must be your own facility");
        }
        facility = own;
    }
    const char *p[] = {facility};
    PGresult *r = app_exec(c, "agreements_facility", 1, p);
    if (!r) {
        json_decref(row);
        return DB_ROLLBACK;
    }
    const char *serving = db_rows(r) == 1 ? db_get(r, 0, "serving_team_id") : NULL;
    if (db_rows(r) != 1 || (region && (!serving || strcmp(serving, own) != 0))) {
        json_decref(row);
        return app_fail(c, 422, "not-a-pair",
                        "An agreement is between a facility and the F-ACT team serving it; "
                        "that facility is not served by your team.",
                        json_pack("[{s:s, s:s}]", "field", "facility_id", "reason",
                                  "must be a facility your team serves"));
    }
    if (!region) {
        if (team && (!serving || strcmp(team, serving) != 0)) {
            json_decref(row);
            return app_fail(c, 422, "not-a-pair",
                            "An agreement is between a facility and the F-ACT team serving "
                            "it; that team does not serve your facility.",
                            json_pack("[{s:s, s:s}]", "field", "team_id", "reason",
                                      "must be the team serving your facility"));
        }
        if (!serving) {
            json_decref(row);
            return app_fail(c, 422, "not-a-pair",
                            "Your facility has no F-ACT team assigned; ask an administrator.",
                            json_pack("[{s:s, s:s}]", "field", "facility_id", "reason",
                                      "has no F-ACT team serving it"));
        }
        team = serving;
    }
    json_object_set_new(row, "team_id", json_string(region ? own : team));
    json_object_set_new(row, "facility_id", json_string(facility));

    char *text = jsonw_dumps(row, NULL);
    json_decref(row);
    const char *q[] = {text};
    r = app_exec(c, "agreements_create", 1, q);
    free(text);
    if (!r)
        return DB_ROLLBACK;
    const char *id = arena_strdup(c->req->arena, db_get(r, 0, "id"));
    c->location = arena_printf(c->req->arena, "/api/agreements/%s", id);
    return reply_agreement(c, id, 201);
}

static void agreements_create(http_request *req)
{
    write_ctx w = {0};
    if (!(w.body = app_body(req, content_fields, NCONTENT)) || !content_consistent(req, w.body))
        return;
    /* defaults under what the caller sent; the period defaults in SQL (today, one year) */
    json_t *d = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:s, s:s, s:i, "
        "s:n, s:n, s:s}",
        "purpose", DEFAULT_PURPOSE, "team_tasks", DEFAULT_TEAM_TASKS, "facility_tasks",
        DEFAULT_FACILITY_TASKS, "target_group", DEFAULT_TARGET_GROUP, "data_protection",
        DEFAULT_DATA_PROTECTION, "presence_every_weeks", 2, "presence_weekday", 3,
        "presence_start", "09:00", "presence_end", "12:00", "contact_email", "", "contact_phone",
        "", "contact_video", "", "joins_morning_meetings", 0, "monday_mail_agreed", 1,
        "monday_mail_deadline", "12:00", "monday_mail_notify_email", "",
        "management_every_months", 6, "team_contact_user_id", "facility_contact_user_id",
        "local_additions", "");
    json_object_update(d, w.body);
    arena_defer(req->arena, (void (*)(void *))json_decref, d);
    if (!content_consistent(req, d))
        return;
    w.body = d;
    app_run(req, create_tx, &w, APP_IDEMPOTENT);
}

/* ---- update a draft ---- */

/* Explains why an update matched no row: 404, 409 (not a draft) or 412 (stale). */
static db_outcome explain_miss(app_call *c, const char *id, const char *version,
                               const char *want_status)
{
    const char *p[] = {id};
    PGresult *r = app_exec(c, "agreements_state", 1, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1)
        return app_fail(c, 404, "not-found", "No such agreement.", NULL);
    const char *status = db_get(r, 0, "status");
    if (want_status && !strstr(want_status, status)) {
        if (strcmp(want_status, "draft") == 0)
            return app_fail(c, 409, "agreement-signed",
                            "The agreement has left draft; its content can no longer change. "
                            "Renew it to make a new version.",
                            NULL);
        return app_fail(c, 409, "invalid-transition",
                        arena_printf(c->req->arena,
                                     "The agreement is %s; that step is not possible now.",
                                     status),
                        NULL);
    }
    if (version && strcmp(version, db_get(r, 0, "version")) != 0)
        return app_stale(c, current_agreement(c, id));
    return app_fail(c, 409, "conflict", "The agreement changed; read it again.", NULL);
}

static db_outcome update_tx(app_call *c)
{
    write_ctx *w = c->ctx;
    char *text = jsonw_dumps(w->body, NULL);
    const char *p[] = {w->id, w->version, text};
    PGresult *r = app_exec(c, "agreements_update", 3, p);
    free(text);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1)
        return explain_miss(c, w->id, w->version, "draft");
    return reply_agreement(c, w->id, 200);
}

static void agreements_update(http_request *req)
{
    write_ctx w = {0};
    if (!(w.id = app_param_uuid(req, 0)) || !(w.version = app_if_match(req)))
        return;
    if (!(w.body = app_body(req, content_fields, NCONTENT - 2)) ||
        !content_consistent(req, w.body))
        return;
    if (json_object_size(w.body) == 0) {
        app_send_nothing_to_change(req);
        return;
    }
    app_run(req, update_tx, &w, 0);
}

/* ---- lifecycle: submit, sign, terminate, renew ---- */

static db_outcome move_tx(app_call *c, const char *to, const char *from)
{
    write_ctx *w = c->ctx;
    const char *p[] = {w->id, w->version, to, from};
    PGresult *r = app_exec(c, "agreements_move", 4, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1)
        return explain_miss(c, w->id, w->version, from);
    if (strcmp(to, "terminated") == 0) {
        const char *q[] = {w->id};
        if (!app_exec(c, "agreements_withdraw", 1, q))
            return DB_ROLLBACK;
    }
    return reply_agreement(c, w->id, 200);
}

static db_outcome submit_tx(app_call *c)
{
    return move_tx(c, "awaiting_signatures", "{draft}");
}

static db_outcome terminate_tx(app_call *c)
{
    return move_tx(c, "terminated", "{active,awaiting_signatures}");
}

static void agreements_submit(http_request *req)
{
    write_ctx w = {0};
    if ((w.id = app_param_uuid(req, 0)) && (w.version = app_if_match(req)))
        app_run(req, submit_tx, &w, 0);
}

static void agreements_terminate(http_request *req)
{
    write_ctx w = {0};
    if ((w.id = app_param_uuid(req, 0)) && (w.version = app_if_match(req)))
        app_run(req, terminate_tx, &w, 0);
}

static const char *const sides[] = {"team", "facility", NULL};
static const json_field sign_fields[] = {
    {.name = "side", .type = JF_ENUM, .enum_values = sides},
};

static db_outcome sign_tx(app_call *c)
{
    write_ctx *w = c->ctx;
    bool region = c->who->role_bit == ROLE_REGION_MANAGER;
    const char *own_side = region ? "team" : "facility";
    const char *side = w->body ? json_str(w->body, "side") : NULL;
    if (!side)
        side = own_side;
    const char *p[] = {w->id, side};
    PGresult *r = app_exec(c, "agreements_lock", 1, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1)
        return app_fail(c, 404, "not-found", "No such agreement.", NULL);
    if (strcmp(side, own_side) != 0)
        return app_fail(c, 403, "not-your-side",
                        region ? "A region manager signs for the team's side only; the "
                                 "facility's manager signs for the facility."
                               : "A facility manager signs for the facility's side only; the "
                                 "team's manager signs for the team.",
                        NULL);
    if (strcmp(db_get(r, 0, "status"), "awaiting_signatures") != 0)
        return app_fail(c, 409, "agreement-not-awaiting-signatures",
                        "Only an agreement submitted for signatures can be signed.", NULL);
    r = app_exec(c, "agreements_sign", 2, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1)
        return app_fail(c, 409, "already-signed", "Your side has already signed.", NULL);
    r = app_exec(c, "agreements_activate", 1, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) == 1 && !app_exec(c, "agreements_generate", 1, p))
        return DB_ROLLBACK;
    return reply_agreement(c, w->id, 200);
}

static void agreements_sign(http_request *req)
{
    write_ctx w = {0};
    if (!(w.id = app_param_uuid(req, 0)))
        return;
    if (req->body_len && !(w.body = app_body(req, sign_fields, 1)))
        return;
    app_run(req, sign_tx, &w, 0);
}

static const json_field renew_fields[] = {
    {.name = "valid_from", .type = JF_DATE},
    {.name = "valid_to", .type = JF_DATE},
};

static db_outcome renew_tx(app_call *c)
{
    write_ctx *w = c->ctx;
    const char *p[] = {w->id, w->body ? json_str(w->body, "valid_from") : NULL,
                       w->body ? json_str(w->body, "valid_to") : NULL};
    PGresult *r = app_exec(c, "agreements_state", 1, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1)
        return app_fail(c, 404, "not-found", "No such agreement.", NULL);
    const char *status = db_get(r, 0, "status");
    if (strcmp(status, "draft") == 0 || strcmp(status, "awaiting_signatures") == 0)
        return app_fail(c, 409, "invalid-transition",
                        "Only a signed agreement is renewed; edit the draft instead.", NULL);
    r = app_exec(c, "agreements_renew", 3, p);
    if (!r)
        return DB_ROLLBACK;
    const char *id = arena_strdup(c->req->arena, db_get(r, 0, "id"));
    c->location = arena_printf(c->req->arena, "/api/agreements/%s", id);
    return reply_agreement(c, id, 201);
}

static void agreements_renew(http_request *req)
{
    write_ctx w = {0};
    if (!(w.id = app_param_uuid(req, 0)))
        return;
    if (req->body_len && (!(w.body = app_body(req, renew_fields, 2)) ||
                          !content_consistent(req, w.body)))
        return;
    app_run(req, renew_tx, &w, APP_IDEMPOTENT);
}

/* ---- calendar feeds ---- */

/* Random 256-bit token, base64url without padding (43 characters). */
#define FEED_TOKEN_LEN 43

static db_outcome feed_create_tx(app_call *c)
{
    write_ctx *w = c->ctx;
    unsigned char raw[32];
    char token[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(token, sizeof token, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    const char *p[] = {w->id, token};
    PGresult *r = app_exec(c, "agreements_feed_create", 2, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1)
        return app_fail(c, 404, "not-found", "No such agreement.", NULL);
    const char *feed = db_get(r, 0, "id");
    char *url = arena_printf(c->req->arena, "/api/agreements/%s/calendar.ics?token=%s", w->id,
                             token);
    c->location = arena_printf(c->req->arena, "/api/agreements/%s/calendar-feeds/%s", w->id,
                               feed);
    app_reply(c, 201,
              json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", feed, "agreement_id", w->id, "url",
                        url, "token", token, "created_at", db_get(r, 0, "created_at")));
    sodium_memzero(token, sizeof token);
    return DB_COMMIT;
}

/* Not APP_IDEMPOTENT on purpose: a replay would have to store the token itself, and only
 * its hash may be kept. A retried request makes a second feed, which can be revoked. */
static void agreements_feed_create(http_request *req)
{
    write_ctx w = {0};
    if ((w.id = app_param_uuid(req, 0)))
        app_run(req, feed_create_tx, &w, 0);
}

static db_outcome feed_list_tx(app_call *c)
{
    write_ctx *w = c->ctx;
    const char *p[] = {w->id};
    PGresult *r = app_exec(c, "agreements_state", 1, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1)
        return app_fail(c, 404, "not-found", "No such agreement.", NULL);
    r = app_exec(c, "agreements_feed_list", 1, p);
    if (!r)
        return DB_ROLLBACK;
    json_t *items = json_array();
    for (int i = 0; i < db_rows(r); i++)
        json_array_append_new(items, json_pack("{s:o, s:o, s:o, s:o}", "id",
                                               app_jstr(r, i, "id"), "created_by",
                                               app_jstr(r, i, "created_by"), "created_at",
                                               app_jstr(r, i, "created_at"), "revoked_at",
                                               app_jstr(r, i, "revoked_at")));
    app_reply(c, 200, json_pack("{s:o, s:n}", "items", items, "next"));
    return DB_COMMIT;
}

static void agreements_feed_list(http_request *req)
{
    write_ctx w = {0};
    if ((w.id = app_param_uuid(req, 0)))
        app_run(req, feed_list_tx, &w, 0);
}

static db_outcome feed_revoke_tx(app_call *c)
{
    write_ctx *w = c->ctx;
    const char *p[] = {w->id, w->sub_id};
    PGresult *r = app_exec(c, "agreements_feed_revoke", 2, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1)
        return app_fail(c, 404, "not-found",
                        "No such feed, it is already revoked, or it is not yours to revoke.",
                        NULL);
    app_reply(c, 204, NULL);
    return DB_COMMIT;
}

static void agreements_feed_revoke(http_request *req)
{
    write_ctx w = {0};
    if ((w.id = app_param_uuid(req, 0)) && (w.sub_id = app_param_uuid(req, 1)))
        app_run(req, feed_revoke_tx, &w, 0);
}

/* ---- calendar.ics (RFC 5545) ---- */

static const char *const ics_timezone[] = {
    "BEGIN:VTIMEZONE",         "TZID:Europe/Copenhagen",
    "BEGIN:DAYLIGHT",          "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",        "TZNAME:CEST",
    "DTSTART:19700329T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",            "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",      "TZOFFSETTO:+0100",
    "TZNAME:CET",              "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",            "END:VTIMEZONE",
};

static db_outcome ics_tx(app_call *c)
{
    write_ctx *w = c->ctx;
    free(w->text);
    w->text = NULL;
    const char *token = json_str(w->body, "token");
    const char *p[] = {w->id, token};
    PGresult *r = app_exec(c, "agreements_feed_name", 2, p);
    if (!r)
        return DB_ROLLBACK;
    const char *name = db_get(r, 0, "name");
    if (!name)
        return app_fail(c, 404, "not-found", "No such calendar.", NULL);
    arena *a = c->req->arena;
    ics_buf b = {0};
    ics_line(&b, "BEGIN:VCALENDAR");
    ics_line(&b, "VERSION:2.0");
    ics_line(&b, "PRODID:-//Samspil//Samarbejdsaftale//DA");
    ics_line(&b, "CALSCALE:GREGORIAN");
    ics_line(&b, "METHOD:PUBLISH");
    ics_text(&b, "X-WR-CALNAME", name);
    ics_line(&b, "X-WR-TIMEZONE:Europe/Copenhagen");
    ics_line(&b, "REFRESH-INTERVAL;VALUE=DURATION:PT1H");
    ics_line(&b, "X-PUBLISHED-TTL:PT1H");
    for (size_t i = 0; i < sizeof ics_timezone / sizeof ics_timezone[0]; i++)
        ics_line(&b, ics_timezone[i]);
    r = app_exec(c, "agreements_feed_events", 2, p);
    if (!r) {
        free(b.data);
        return DB_ROLLBACK;
    }
    for (int i = 0; i < db_rows(r); i++) {
        const char *status = db_get(r, i, "status");
        ics_line(&b, "BEGIN:VEVENT");
        ics_line(&b, arena_printf(a, "UID:%s", db_get(r, i, "uid")));
        ics_line(&b, arena_printf(a, "DTSTAMP:%s", db_get(r, i, "stamp")));
        ics_line(&b, arena_printf(a, "LAST-MODIFIED:%s", db_get(r, i, "stamp")));
        ics_line(&b, arena_printf(a, "SEQUENCE:%s", db_get(r, i, "sequence")));
        ics_line(&b, arena_printf(a, "DTSTART;TZID=Europe/Copenhagen:%s",
                                  db_get(r, i, "starts_local")));
        ics_line(&b, arena_printf(a, "DTEND;TZID=Europe/Copenhagen:%s",
                                  db_get(r, i, "ends_local")));
        ics_text(&b, "SUMMARY", db_get(r, i, "title"));
        const char *loc = db_get(r, i, "location");
        if (loc && *loc)
            ics_text(&b, "LOCATION", loc);
        ics_text(&b, "DESCRIPTION", db_get(r, i, "description"));
        ics_line(&b, strcmp(status, "cancelled") == 0 ? "STATUS:CANCELLED" : "STATUS:CONFIRMED");
        ics_line(&b, "TRANSP:OPAQUE");
        ics_line(&b, "CLASS:PUBLIC");
        ics_line(&b, "END:VEVENT");
    }
    ics_line(&b, "END:VCALENDAR");
    if (b.failed) {
        free(b.data);
        return app_fail(c, 503, "busy", "The server is short of memory; try again.", NULL);
    }
    w->text = b.data;
    w->text_len = b.len;
    c->status = 200; /* the body is sent as text/calendar after commit */
    return DB_COMMIT;
}

static bool token_ok(const char *t)
{
    if (!t || strlen(t) != FEED_TOKEN_LEN)
        return false;
    for (const char *s = t; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_'))
            return false;
    return true;
}

/* Public: calendar clients cannot send headers, so the feed's token is in the URL. Unknown,
 * revoked and malformed tokens all get the same 404. */
static void agreements_calendar_ics(http_request *req)
{
    const char *id = app_param_uuid(req, 0);
    if (!id)
        return;
    const char *token = http_query(req, "token");
    if (!token_ok(token)) {
        problem_send(req, 404, "not-found", NULL, "No such calendar.");
        return;
    }
    write_ctx w = {.id = id};
    w.body = json_pack("{s:s}", "token", token);
    app_run(req, ics_tx, &w, 0);
    json_decref(w.body);
    if (w.text && req->status == 200) {
        http_reply_owned(req, 200, "text/calendar; charset=utf-8", w.text, w.text_len);
        return;
    }
    free(w.text);
}

/* ---- routes ---- */

/* clang-format off */
static const route agreement_route_list[] = {
    {"GET",    "/api/agreements",                                  agreements_list,         ROLES_CARE, 0},
    {"POST",   "/api/agreements",                                  agreements_create,       ROLES_MANAGERS, 0},
    {"GET",    "/api/agreements/{id}",                             agreements_get,          ROLES_CARE, 0},
    {"PATCH",  "/api/agreements/{id}",                             agreements_update,       ROLES_MANAGERS, 0},
    {"POST",   "/api/agreements/{id}/submit",                      agreements_submit,       ROLES_MANAGERS, 0},
    {"POST",   "/api/agreements/{id}/sign",                        agreements_sign,         ROLES_MANAGERS, 0},
    {"POST",   "/api/agreements/{id}/terminate",                   agreements_terminate,    ROLES_MANAGERS, 0},
    {"POST",   "/api/agreements/{id}/renew",                       agreements_renew,        ROLES_MANAGERS, 0},
    {"GET",    "/api/agreements/{id}/calendar-feeds",              agreements_feed_list,    ROLES_CARE, 0},
    {"POST",   "/api/agreements/{id}/calendar-feeds",              agreements_feed_create,  ROLES_CARE, 0},
    {"DELETE", "/api/agreements/{id}/calendar-feeds/{feed_id}",    agreements_feed_revoke,  ROLES_CARE, 0},
    {"GET",    "/api/agreements/{id}/calendar.ics",                agreements_calendar_ics, 0, 0},
    /* the calendar rows (server/calendar.c) */
    {"GET",    "/api/visits",                                      calendar_visits_list,    ROLES_CARE, 0},
    {"POST",   "/api/visits",                                      calendar_visits_create,  ROLES_CARE, 0},
    {"GET",    "/api/visits/{id}",                                 calendar_visits_get,     ROLES_CARE, 0},
    {"PATCH",  "/api/visits/{id}",                                 calendar_visits_update,  ROLES_CARE, 0},
};
/* clang-format on */

const route_table agreements_routes = {
    agreement_route_list, sizeof agreement_route_list / sizeof agreement_route_list[0],
    agreements_register};
