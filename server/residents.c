/*
 * residents: the caseload and the shared F-ACT board. Which residents a caller
 * sees is decided by row-level security (team for region staff, facility for
 * facility staff, none for admins); every read writes audit rows in the same
 * statement. Also: creating a resident of the caller's pair, changing its
 * people, status and safety risk (If-Match), and turning its intensity up or
 * down with a recorded reason.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "consents.h"

/* The board's statement (names, visits ahead and the latest shared summary, all in one round
 * trip) is longer than the 4 095 characters C99 promises for a string literal; GCC and Clang
 * take any length. */
#pragma GCC diagnostic ignored "-Woverlength-strings"
#include "cursor.h"
#include "handlers.h"
#include "routes.h"

/* This week's request for a talk as the caller may see it: the team once the Monday mail that
 * asked is sent (residents.talk_shared_week, kept by a trigger, migration 0060), the facility
 * from its own entry (draft or sent); no longer once a conversation was held after the mail
 * was sent (residents.last_held_at, kept by a trigger): the talk asked for has taken place.
 * Whether the resident is admitted now, from the open or latest admission kept on the
 * resident (admission_from/until). */
#define TALK_REQUESTED(p)                                                                     \
    "(CASE WHEN (SELECT app_is_facility()) THEN coalesce((SELECT e.needs_talk "               \
    "  FROM monday_entries e WHERE e.resident_id = " p ".id "                                 \
    "  AND e.iso_week = to_char(current_date, 'IYYY-\"W\"IW')), false) "                      \
    "ELSE coalesce(" p ".talk_shared_week = to_char(current_date, 'IYYY-\"W\"IW'), false) END " \
    "AND NOT coalesce(" p ".last_held_at >= (SELECT m.sent_at FROM monday_mails m "           \
    "  WHERE m.facility_id = " p ".facility_id "                                              \
    "  AND m.iso_week = to_char(current_date, 'IYYY-\"W\"IW')), false))"
#define ADMITTED_NOW(p)                                                                       \
    "coalesce(" p ".admission_from <= now() AND (" p ".admission_until IS NULL OR "           \
    p ".admission_until > now()), false)"

/* RFC 3339 in UTC with microseconds: also the sort key of time-ordered cursors. */
#define RFC3339(x) "to_char((" x ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/* The KIP status from the facts kept on the resident (migration 0064): none (no plan in
 * force), active, or review_due once the plan's next review date (a Danish day) has come. */
#define KIP_STATUS                                                                            \
    "CASE WHEN NOT r.kip_active THEN 'none' "                                                 \
    "WHEN r.kip_next_review <= (now() AT TIME ZONE 'Europe/Copenhagen')::date "               \
    "THEN 'review_due' ELSE 'active' END"

#define RESIDENT_COLUMNS                                                                      \
    "r.id, r.name, r.date_of_birth, r.facility_id, r.team_id, r.contact_person_id, "          \
    "r.responsible_clinician_id, r.status, r.version, r.created_at, r.updated_at, "           \
    "r.intensity, r.safety_risk, r.safety_note, r.safety_assessed_by, "                       \
    RFC3339("r.safety_assessed_at") " AS safety_assessed_at, r.discharged_at, "               \
    "r.last_held_at, r.admission_from, r.admission_until, r.talk_shared_week, "               \
    KIP_STATUS " AS kip_status, r.kip_next_review, " RESIDENT_NAMES

/* The names of the resident's people and organisations, kept on the resident (migration
 * 0069). */
#define RESIDENT_NAMES                                                                        \
    "r.contact_person_name, r.clinician_name, r.safety_assessor_name, r.facility_name, "      \
    "r.team_name"

/* What the rows of a CTE (page or one) need besides themselves, looked up once for the page
 * rather than once per resident, into one row of JSON objects keyed by id (lookups): each
 * resident's next planned visit with the resident on its agenda, and each pair's next planned
 * visit. A row then finds its facts by
 * key (a binary search in the object), whatever the planner guesses of the page's size: joins
 * against CTEs were planned as nested loops (a generic plan expects a page of one row) and
 * scanned every visit ahead once per resident. Everything under the caller's row-level
 * security. */
#define CASELOAD_CTES(src)                                                                    \
    "pairs AS (SELECT DISTINCT team_id, facility_id FROM " src "), "                          \
    "upcoming AS MATERIALIZED (SELECT v.id, v.starts_at, v.kind, v.team_id, v.facility_id "   \
    "  FROM visits v JOIN pairs pr ON v.facility_id = pr.facility_id AND v.team_id = pr.team_id " \
    "  WHERE v.status = 'planned' AND v.starts_at >= now()), "                                \
    "lookups AS MATERIALIZED (SELECT "                                                        \
    "  (SELECT jsonb_object_agg(x.resident_id, jsonb_build_array(x.id, "                      \
    RFC3339("x.starts_at") ", x.kind)) FROM (SELECT DISTINCT ON (a.resident_id) "             \
    "    a.resident_id, u.id, u.starts_at, u.kind FROM upcoming u "                           \
    "    JOIN visit_agenda a ON a.visit_id = u.id "                                           \
    "    WHERE a.resident_id = ANY (ARRAY(SELECT id FROM " src ")) "                          \
    "    ORDER BY a.resident_id, u.starts_at, u.id) x) AS agenda, "                           \
    "  (SELECT jsonb_object_agg(x.team_id || ' ' || x.facility_id, jsonb_build_array(x.id, "  \
    RFC3339("x.starts_at") ", x.kind)) FROM (SELECT DISTINCT ON (u.team_id, u.facility_id) "  \
    "    u.team_id, u.facility_id, u.id, u.starts_at, u.kind FROM upcoming u "                \
    "    ORDER BY u.team_id, u.facility_id, u.starts_at, u.id) x) AS pair_next) "

#define RESIDENT_JOINS "CROSS JOIN lookups lk "

/* For a page kept by the server (server/residents.c, "the caseload cache"): the caller's
 * organisation's caseload version, read in the statement's snapshot (migration 0075: every
 * change of the rows the caseload is made from changes it), and until when the facts that
 * depend on the time stay as they are: the next planned visit (until the first upcoming one
 * of the page's pairs begins), this week's talk request and the KIP's review due (until the
 * next day in UTC and in Denmark), admitted now (until the next admission or discharge of a
 * resident on the page), and at most a minute in any case. */
#define CASELOAD_CACHE                                                                        \
    "cache AS (SELECT coalesce((SELECT cv.version FROM caseload_versions cv "                 \
    "  WHERE cv.org_id = (SELECT app_org_id())), 0) AS cache_version, "                       \
    "  least(now() + interval '1 minute', (SELECT min(u.starts_at) FROM upcoming u), "        \
    "    (current_date + 1)::timestamptz, "                                                   \
    "    ((now() AT TIME ZONE 'Europe/Copenhagen')::date + 1)::timestamp "                    \
    "      AT TIME ZONE 'Europe/Copenhagen', "                                                \
    "    (SELECT min(t.x) FROM page pc CROSS JOIN LATERAL "                                   \
    "      (VALUES (pc.admission_from), (pc.admission_until)) t (x) WHERE t.x > now())) "     \
    "  AS cache_valid_until) "

/* The caseload extras of a resident p: the next planned conversation (the next planned visit
 * that has the resident on its agenda, else the next planned visit of the pair), and from the
 * resident's kept facts the last held conversation, this week's request for a talk and
 * whether the resident is admitted now. */
#define CASELOAD_EXTRAS                                                                       \
    ", nv.v ->> 0 AS next_visit_id, nv.v ->> 1 AS next_visit_at, "                            \
    "  nv.v ->> 2 AS next_visit_kind, coalesce(lk.agenda ? p.id::text, false) AS next_on_agenda, " \
    RFC3339("p.last_held_at") " AS last_held_at_text, "                                       \
    "  " TALK_REQUESTED("p") " AS talk_requested_this_week, " ADMITTED_NOW("p") " AS admitted "
#define CASELOAD_JOINS                                                                        \
    "CROSS JOIN LATERAL (SELECT coalesce(lk.agenda -> p.id::text, "                           \
    "  lk.pair_next -> (p.team_id || ' ' || p.facility_id)) AS v) nv "

/* Whether a kept page is current: the organisation's caseload version ($1) unchanged and its
 * time facts ($2) not run out. */
#define CASELOAD_CURRENT                                                                      \
    "coalesce((SELECT cv.version FROM caseload_versions cv "                                  \
    "  WHERE cv.org_id = (SELECT app_org_id())), 0) = $1::bigint AND now() < $2::timestamptz"

static const db_stmt resident_stmts[] = {
    /* the page in index order (caseload_page, migration 0075), with what a server needs to
     * serve it again (CASELOAD_CACHE) */
    {"residents_list",
     "WITH page AS ("
     "  SELECT " RESIDENT_COLUMNS " FROM caseload_page($1, $2::uuid, $3::integer + 1, $5, "
     "    $6::uuid, $7::uuid, $8) r), "
     "shown AS (SELECT * FROM page ORDER BY name, id LIMIT $3::integer), "
     "audit AS (" AUDIT_SHOWN_ROWS("search", "resident", "shown x", "id", "id", "$4") "), "
     CASELOAD_CTES("page") ", "
     CASELOAD_CACHE
     "SELECT p.* " CASELOAD_EXTRAS ", cc.cache_version, cc.cache_valid_until "
     "FROM page p " RESIDENT_JOINS CASELOAD_JOINS "CROSS JOIN cache cc "
     "ORDER BY p.name, p.id"},
    /* a kept page served again: whether it is still what residents_list would answer (the
     * caller's organisation's caseload version unchanged, its time facts not run out), and
     * if so the same audit rows residents_list writes, from the ids, teams and facilities
     * of the residents it shows */
    {"residents_list_cached",
     "WITH ok AS (SELECT " CASELOAD_CURRENT " AS hit), "
     "audit AS (" AUDIT_SHOWN_ROWS("search", "resident",
                                   "unnest($3::uuid[], $4::uuid[], $5::uuid[]) "
                                   "x (id, team_id, facility_id) WHERE (SELECT hit FROM ok)",
                                   "id", "id", "$6") ") "
     "SELECT hit FROM ok"},
    {"residents_get",
     "WITH one AS (SELECT " RESIDENT_COLUMNS " FROM residents r WHERE r.id = $1::uuid), "
     "audit AS (" AUDIT_SHOWN_ROWS("read", "resident", "one x", "id", "id", "$2") "), "
     CASELOAD_CTES("one")
     "SELECT p.* " CASELOAD_EXTRAS
     "FROM one p " RESIDENT_JOINS CASELOAD_JOINS},
    /* the same without an audit row: the reply to a change, audited as the change */
    {"residents_one",
     "WITH one AS (SELECT " RESIDENT_COLUMNS " FROM residents r WHERE r.id = $1::uuid), "
     CASELOAD_CTES("one")
     "SELECT p.* " CASELOAD_EXTRAS
     "FROM one p " RESIDENT_JOINS CASELOAD_JOINS},
    {"residents_facility",
     "SELECT id, serving_team_id FROM organizations WHERE id = $1::uuid AND kind = 'facility'"},
    {"residents_create",
     "INSERT INTO residents (name, date_of_birth, facility_id, team_id, contact_person_id, "
     "  responsible_clinician_id) "
     "VALUES ($1, $2::date, $3::uuid, $4::uuid, $5::uuid, $6::uuid) RETURNING id"},
    /* $3/$5 say whether contact person / clinician are to be set (to $4/$6, maybe NULL);
     * a change of safety risk or note records who assessed it, and when */
    {"residents_update",
     "UPDATE residents r SET "
     "  contact_person_id = CASE WHEN $3::boolean THEN $4::uuid ELSE r.contact_person_id END, "
     "  responsible_clinician_id = CASE WHEN $5::boolean THEN $6::uuid "
     "    ELSE r.responsible_clinician_id END, "
     "  status = coalesce($7, r.status), "
     "  discharged_at = CASE WHEN $7 = 'discharged' AND r.status <> 'discharged' THEN current_date "
     "    WHEN $7 = 'active' THEN NULL ELSE r.discharged_at END, "
     "  safety_risk = coalesce($8::boolean, r.safety_risk), "
     "  safety_note = coalesce($9, r.safety_note), "
     "  safety_assessed_by = CASE WHEN $8::boolean IS NOT NULL OR $9 IS NOT NULL "
     "    THEN app_user_id() ELSE r.safety_assessed_by END, "
     "  safety_assessed_at = CASE WHEN $8::boolean IS NOT NULL OR $9 IS NOT NULL "
     "    THEN now() ELSE r.safety_assessed_at END, "
     "  name = coalesce($10, r.name), date_of_birth = coalesce($11::date, r.date_of_birth), "
     "  version = r.version + 1, updated_at = now() "
     "WHERE r.id = $1::uuid AND r.version = $2::integer RETURNING r.id"},
    {"residents_intensity_lock",
     "SELECT intensity FROM residents WHERE id = $1::uuid FOR UPDATE"},
    {"residents_intensity_set",
     "UPDATE residents SET intensity = $2, version = version + 1, updated_at = now() "
     "WHERE id = $1::uuid"},
    {"residents_intensity_record",
     "INSERT INTO intensity_changes (resident_id, from_level, to_level, reason, changed_by) "
     "VALUES ($1::uuid, $2, $3, $4, app_user_id()) "
     "RETURNING id, resident_id, from_level, to_level, reason, changed_by, "
     RFC3339("changed_at") " AS changed_at, "
     "  (SELECT name FROM users WHERE id = app_user_id()) AS changed_by_name"},
    {"residents_intensity_history",
     "SELECT ic.id, ic.resident_id, ic.from_level, ic.to_level, ic.reason, ic.changed_by, "
     RFC3339("ic.changed_at") " AS changed_at, u.name AS changed_by_name "
     "FROM intensity_changes ic LEFT JOIN users u ON u.id = ic.changed_by "
     "WHERE ic.resident_id = $1::uuid "
     "  AND ($2::text IS NULL OR (ic.changed_at, ic.id) < ($2::timestamptz, $3::uuid)) "
     "ORDER BY ic.changed_at DESC, ic.id DESC LIMIT $4::integer + 1"},
    {"residents_visible",
     "SELECT id, intensity FROM residents WHERE id = $1::uuid"},
    /* the F-ACT board: active residents in an intensive period, asking for a talk in this
     * week's Monday mail, or admitted now; the latest shared summary (kept on the resident,
     * migration 0066) as the caller may read it (row-level security on conversation_summaries
     * decides) */
    {"residents_board",
     "WITH page AS ("
     "  SELECT " RESIDENT_COLUMNS ", r.latest_summary_id FROM residents r "
     "  WHERE r.status = 'active' "
     "    AND ($1::text IS NULL OR (r.name, r.id) > ($1, $2::uuid)) "
     "    AND (r.intensity = 'intensive' "
     "         OR " TALK_REQUESTED("r") " "
     "         OR " ADMITTED_NOW("r") ") "
     "  ORDER BY r.name, r.id LIMIT $3::integer + 1), "
     "shown AS (SELECT * FROM page ORDER BY name, id LIMIT $3::integer), "
     "audit AS (" AUDIT_SHOWN_ROWS("search", "resident", "shown x", "id", "id", "$4") "), "
     CASELOAD_CTES("page")
     "SELECT p.* " CASELOAD_EXTRAS ", "
     RFC3339("ic.changed_at") " AS intensity_changed_at, ic.reason AS intensity_reason, "
     "  ls.body AS latest_summary, " RFC3339("ls.occurred_at") " AS latest_summary_at, "
     "  " CONSENT_SHARE_STATE("p.id") " AS summary_consent "
     "FROM page p " RESIDENT_JOINS CASELOAD_JOINS
     "LEFT JOIN LATERAL (SELECT c.changed_at, c.reason FROM intensity_changes c "
     "  WHERE c.resident_id = p.id ORDER BY c.changed_at DESC, c.id DESC LIMIT 1) ic ON true "
     "LEFT JOIN LATERAL (SELECT s.body, cv.occurred_at FROM conversation_summaries s "
     "  JOIN conversations cv ON cv.id = s.conversation_id "
     "  WHERE s.conversation_id = p.latest_summary_id) ls ON true "
     "ORDER BY p.name, p.id"},
};

void residents_register(void)
{
    db_register(resident_stmts, sizeof resident_stmts / sizeof resident_stmts[0]);
}

static bool caller_is_region(const app_call *c)
{
    return c->who && (c->who->role_bit & ROLES_REGION);
}

/* The next planned conversation of row i, or null. */
static void next_conversation_write(jsonw *w, const PGresult *r, int i)
{
    if (!db_get(r, i, "next_visit_id")) {
        jsonw_null(w);
        return;
    }
    jsonw_object_begin(w);
    jsonw_key(w, "visit_id");
    app_wstr(w, r, i, "next_visit_id");
    jsonw_key(w, "starts_at");
    app_wstr(w, r, i, "next_visit_at");
    jsonw_key(w, "visit_kind");
    app_wstr(w, r, i, "next_visit_kind");
    jsonw_key(w, "on_agenda");
    app_wbool(w, r, i, "next_on_agenda");
    jsonw_object_end(w);
}

/* A string member. */
static void member_str(jsonw *w, const char *key, const PGresult *r, int i, const char *col)
{
    jsonw_key(w, key);
    app_wstr(w, r, i, col);
}

/* Row i as a resident, written straight to w (its members; resident_write the object): the
 * caseload and the board write pages of up to 200 without building jansson values
 * (docs/BENCHMARKS.md, fourth pass). */
static void resident_members(jsonw *w, const PGresult *r, int i)
{
    member_str(w, "id", r, i, "id");
    member_str(w, "name", r, i, "name");
    member_str(w, "date_of_birth", r, i, "date_of_birth");
    member_str(w, "facility_id", r, i, "facility_id");
    member_str(w, "facility_name", r, i, "facility_name");
    member_str(w, "team_id", r, i, "team_id");
    member_str(w, "team_name", r, i, "team_name");
    member_str(w, "contact_person_id", r, i, "contact_person_id");
    member_str(w, "contact_person_name", r, i, "contact_person_name");
    member_str(w, "responsible_clinician_id", r, i, "responsible_clinician_id");
    member_str(w, "responsible_clinician_name", r, i, "clinician_name");
    member_str(w, "status", r, i, "status");
    member_str(w, "discharged_at", r, i, "discharged_at");
    member_str(w, "intensity", r, i, "intensity");
    jsonw_key(w, "safety");
    jsonw_object_begin(w);
    jsonw_key(w, "risk");
    app_wbool(w, r, i, "safety_risk");
    member_str(w, "note", r, i, "safety_note");
    member_str(w, "assessed_by", r, i, "safety_assessed_by");
    member_str(w, "assessed_by_name", r, i, "safety_assessor_name");
    member_str(w, "assessed_at", r, i, "safety_assessed_at");
    jsonw_object_end(w);
    jsonw_key(w, "next_planned_conversation");
    next_conversation_write(w, r, i);
    member_str(w, "last_held_conversation_at", r, i, "last_held_at_text");
    jsonw_key(w, "talk_requested_this_week");
    app_wbool(w, r, i, "talk_requested_this_week");
    jsonw_key(w, "admitted");
    app_wbool(w, r, i, "admitted");
    jsonw_key(w, "kip");
    jsonw_object_begin(w);
    member_str(w, "status", r, i, "kip_status");
    member_str(w, "next_review", r, i, "kip_next_review");
    jsonw_object_end(w);
    jsonw_key(w, "version");
    app_wint(w, r, i, "version");
    member_str(w, "updated_at", r, i, "updated_at");
}

static void resident_write(jsonw *w, const PGresult *r, int i)
{
    jsonw_object_begin(w);
    resident_members(w, r, i);
    jsonw_object_end(w);
}

/* Row i as a resident value (one resident's replies): what resident_write writes, read
 * back. New reference; json null if it cannot be written. */
static json_t *resident_json(const PGresult *r, int i)
{
    jsonw w;
    jsonw_init(&w);
    resident_write(&w, r, i);
    size_t len = 0;
    char *text = jsonw_finish(&w, &len);
    json_t *o = text ? json_loadb(text, len, 0, NULL) : NULL;
    free(text);
    return o ? o : json_null();
}

/* A query parameter that must be a UUID when given; false after sending a 400. */
static bool query_uuid(http_request *req, const char *name, const char **out)
{
    *out = http_query(req, name);
    if (!*out || json_is_uuid(*out))
        return true;
    json_t *errors = json_array();
    problem_field(errors, name, "must be a UUID");
    problem_send_errors(req, 400, "bad-query", NULL, "A filter is not a UUID.", errors);
    return false;
}

/* A query parameter that must be one of values when given; false after sending a 400. */
static bool query_enum(http_request *req, const char *name, const char *const *values,
                       const char **out)
{
    *out = http_query(req, name);
    if (!*out)
        return true;
    for (const char *const *v = values; *v; v++)
        if (strcmp(*v, *out) == 0)
            return true;
    json_t *errors = json_array();
    problem_field(errors, name, "is not one of the allowed values");
    problem_send_errors(req, 400, "bad-query", NULL, "A filter has an unknown value.", errors);
    return false;
}

static const char *const intensities[] = {"standard", "intensive", NULL};
static const char *const statuses[] = {"active", "discharged", NULL};

/* ---- list (the caseload) ---- */

typedef struct list_ctx {
    const char *after_name, *after_id;
    const char *intensity, *contact_person_id, *clinician_id, *status;
    int limit;
    /* a kept page found out of date: the version and time it was made at (else NULL) */
    const char *kept_version, *kept_until;
} list_ctx;

/*
 * The caseload cache. A clinician's caseload is read far more often than it changes, and
 * at a region's volume its statement is most of a request's database time. So a server
 * keeps the pages it rendered (CASELOAD_CACHE_MB, least recently used out) under the
 * caller's role, organisation and query, with the caseload version of the organisation and
 * the time its facts hold until, both read in the page's own snapshot. Serving a kept page
 * again asks the database whether that version is still the current one and the time not
 * up (migration 0075 changes the version with every change of what the page is made from);
 * only then is the page sent, after the same audit rows the statement writes. Otherwise the
 * page is made anew. With group commit (server/audit_batch.c) the audit writer asks, in its
 * batch, with the session check of app_begin, and the request has no transaction of its
 * own; without, the caller's transaction asks. Row-level security decided what the kept
 * page holds; role and organisation in the key keep it to callers the policies treat alike,
 * and the session check runs on every request before the page goes out.
 */
static atomic_ulong cache_hits, cache_stale, cache_misses, cache_made, cache_waited;

/* The key of a page: who asks (role and organisation) and what (cursor, size, filters). */
static char *cache_key(const app_call *c, const list_ctx *l)
{
#define KEY_PART(s) (s) ? "=" : "-", (s) ? (s) : ""
    return arena_printf(c->req->arena, "%s|%s|%d|%zu%s%s|%s%s|%s%s|%s%s|%s%s|%s%s",
                        c->who->role, c->who->org_id, l->limit,
                        l->after_name ? strlen(l->after_name) : 0, KEY_PART(l->after_name),
                        KEY_PART(l->after_id), KEY_PART(l->intensity),
                        KEY_PART(l->contact_person_id), KEY_PART(l->clinician_id),
                        KEY_PART(l->status));
#undef KEY_PART
}

/* A kept page: "version\nvalid_until\n{ids}\n{teams}\n{facilities}\n" and the reply. */
enum { CACHE_FIELDS = 5 };

/* Splits the kept page blob (len bytes) into its CACHE_FIELDS (f) and the reply, which
 * starts at *body; false when it was not written by cache_keep. */
static bool blob_fields(char *blob, size_t len, const char *f[CACHE_FIELDS], size_t *body)
{
    char *at = blob;
    for (int i = 0; i < CACHE_FIELDS; i++) {
        char *nl = memchr(at, '\n', len - (size_t)(at - blob));
        if (!nl)
            return false;
        *nl = '\0';
        f[i] = at;
        at = nl + 1;
    }
    *body = (size_t)(at - blob);
    return true;
}

/* Without group commit: serves the page kept under key if the database says, in c's
 * transaction, that it is current, with its audit rows: DB_COMMIT with the reply set
 * (*served true), or *served false (nothing written) to make it anew. */
static db_outcome cache_serve(app_call *c, const char *key, bool *served)
{
    *served = false;
    size_t len = 0, body;
    char *blob = pagecache_get(app.caseload_cache, key, &len);
    if (!blob) {
        atomic_fetch_add(&cache_misses, 1);
        return DB_COMMIT;
    }
    const char *p[CACHE_FIELDS + 1];
    if (!blob_fields(blob, len, p, &body)) {
        free(blob);
        pagecache_remove(app.caseload_cache, key);
        return DB_COMMIT;
    }
    p[CACHE_FIELDS] = app_access_purpose(c->req);
    PGresult *r = app_exec(c, "residents_list_cached", CACHE_FIELDS + 1, p);
    if (!r) {
        free(blob);
        return DB_ROLLBACK;
    }
    const char *hit = db_rows(r) == 1 ? db_get(r, 0, "hit") : NULL;
    if (!hit || strcmp(hit, "t") != 0) {
        free(blob);
        atomic_fetch_add(&cache_stale, 1);
        return DB_COMMIT;
    }
    memmove(blob, blob + body, len - body + 1);
    atomic_fetch_add(&cache_hits, 1);
    *served = true;
    return app_reply_text(c, 200, blob, len - body);
}

static db_outcome list_tx(app_call *c);
static bool serve_kept(http_request *req, const list_ctx *l, bool make);

/*
 * Pages being made, with group commit: none kept, or the audit writer found the kept one out
 * of date. When a page runs out (a change in the caseload, or its minute), every request that
 * reads it at that moment learns so in the same batch, and after a server starts all its
 * readers find none; were each to make it, they would all run the caseload statement at
 * once and wait for each other on the database. So one request per page makes it, and the
 * others asking for the same page meanwhile wait for it (suspended: no worker held) and are
 * then served it as kept, checked and audited as any kept page.
 */
typedef struct flight_waiter {
    http_request *req;
    const list_ctx *l;
    const char *key;
    struct flight_waiter *next;
} flight_waiter;

typedef struct flight {
    const char *key; /* the maker's (its arena) */
    flight_waiter *waiters;
    struct flight *next;
} flight;

static pthread_mutex_t flights_lock = PTHREAD_MUTEX_INITIALIZER;
static flight *flights; /* few: one per page being made */

static flight *flight_find(const char *key)
{
    for (flight *f = flights; f; f = f->next)
        if (strcmp(f->key, key) == 0)
            return f;
    return NULL;
}

/* On a worker, once the page a request waited for is made: served as kept, or made in a
 * transaction of its own when none was kept after all (an empty page is not kept: its
 * readers should not make it one after the other). */
static void serve_again(http_request *req, void *arg)
{
    const list_ctx *l = arg;
    if (!serve_kept(req, l, false))
        app_run(req, list_tx, (void *)l, 0);
}

/* The waiter's connection is suspended: it waits for the page unless it is made already. */
static void flight_wait(http_request *req, void *arg)
{
    flight_waiter *w = arg;
    pthread_mutex_lock(&flights_lock);
    flight *f = flight_find(w->key);
    if (f) {
        w->next = f->waiters;
        f->waiters = w;
    }
    pthread_mutex_unlock(&flights_lock);
    if (!f)
        http_resume_then(req, serve_again, (void *)w->l);
}

/* Whether a page other than the one l found out of date (or none) is kept under key now:
 * made by another request since. */
static bool kept_since(const char *key, const list_ctx *l)
{
    size_t len = 0;
    char *blob = pagecache_get(app.caseload_cache, key, &len);
    if (!blob)
        return false;
    bool other = true;
    if (l->kept_version) {
        size_t nv = strlen(l->kept_version), nu = strlen(l->kept_until);
        other = !(len > nv + nu + 2 && memcmp(blob, l->kept_version, nv) == 0 &&
                  blob[nv] == '\n' && memcmp(blob + nv + 1, l->kept_until, nu) == 0 &&
                  blob[nv + 1 + nu] == '\n');
    }
    free(blob);
    return other;
}

/* The page l of req made, by this request or by the one making it already; served as kept
 * when another request made it since this one found it out of date or none. l lives in the
 * request's arena. */
static void make_page(http_request *req, list_ctx *l)
{
    app_call c = {.req = req, .who = app_who(req)};
    flight me = {.key = c.who ? cache_key(&c, l) : NULL};
    if (!me.key) {
        app_run(req, list_tx, l, 0);
        return;
    }
    pthread_mutex_lock(&flights_lock);
    flight *other = flight_find(me.key);
    /* a maker keeps its page before it ends its flight, under this lock */
    if (!other && kept_since(me.key, l)) {
        pthread_mutex_unlock(&flights_lock);
        atomic_fetch_add(&cache_waited, 1);
        serve_again(req, l);
        return;
    }
    if (other) {
        pthread_mutex_unlock(&flights_lock);
        flight_waiter *w = arena_alloc(req->arena, sizeof *w);
        *w = (flight_waiter){.req = req, .l = l, .key = me.key};
        atomic_fetch_add(&cache_waited, 1);
        http_defer(req, flight_wait, w);
        return;
    }
    me.next = flights;
    flights = &me;
    pthread_mutex_unlock(&flights_lock);

    atomic_fetch_add(&cache_made, 1);
    app_run(req, list_tx, l, 0);

    pthread_mutex_lock(&flights_lock);
    for (flight **p = &flights; *p; p = &(*p)->next)
        if (*p == &me) {
            *p = me.next;
            break;
        }
    pthread_mutex_unlock(&flights_lock);
    for (flight_waiter *w = me.waiters, *next; w; w = next) {
        next = w->next; /* the waiter's arena may be gone once it is resumed */
        http_resume_then(w->req, serve_again, (void *)w->l);
    }
}

/* A kept page out of date after all (the audit writer's check): made anew. */
static void make_anew(http_request *req, void *arg)
{
    atomic_fetch_add(&cache_stale, 1);
    make_page(req, arg);
}

/* With group commit: the page kept for this caller and query, checked and audited in the
 * writer's batch, no transaction of the request's own (app_serve_kept). true when req is
 * answered so, or, with make, the page is made (none was kept: make_page); false to make the
 * page in a transaction (group commit or the cache off, an anonymous call, none kept and not
 * make, a kept page that was not one). */
static bool serve_kept(http_request *req, const list_ctx *l, bool make)
{
    app_call c = {.req = req, .who = app_who(req)};
    if (!app.caseload_cache || !c.who || !app_audit_grouped())
        return false;
    const char *key = cache_key(&c, l);
    size_t len = 0, body;
    char *blob = pagecache_get(app.caseload_cache, key, &len);
    if (!blob) {
        atomic_fetch_add(&cache_misses, 1);
        if (!make)
            return false;
        list_ctx *mine = arena_alloc(req->arena, sizeof *mine);
        *mine = *l;
        mine->kept_version = mine->kept_until = NULL;
        make_page(req, mine);
        return true;
    }
    const char *f[CACHE_FIELDS];
    if (!blob_fields(blob, len, f, &body)) { /* not written by cache_keep: drop it */
        free(blob);
        pagecache_remove(app.caseload_cache, key);
        return false;
    }
    arena *a = req->arena;
    list_ctx *again = arena_alloc(a, sizeof *again);
    *again = *l;
    again->kept_version = arena_strdup(a, f[0]);
    again->kept_until = arena_strdup(a, f[1]);
    app_kept k = {.version = again->kept_version, .valid_until = again->kept_until,
                  .action = "search", .resource_type = "resident", .ids = f[2],
                  .teams = f[3], .facilities = f[4], .body = blob, .body_at = body,
                  .body_len = len - body, .stale = make_anew, .arg = again,
                  .served = &cache_hits};
    if (app_serve_kept(&c, &k))
        return true;
    free(blob);
    pagecache_remove(app.caseload_cache, key);
    return false;
}

/* Keeps the page c replies with (the first n rows of r) under key, with the ids, teams and
 * facilities of its residents as PostgreSQL arrays for the audit rows of a later hit. */
static void cache_keep(app_call *c, const char *key, const PGresult *r, int n)
{
    static const char *const cols[] = {"id", "team_id", "facility_id"};
    const char *version = db_get(r, 0, "cache_version");
    const char *until = db_get(r, 0, "cache_valid_until");
    if (!version || !until || !c->text)
        return;
    size_t len = strlen(version) + strlen(until) + 2 + c->text_len + 1;
    for (int k = 0; k < 3; k++) {
        len += 3; /* braces and newline */
        for (int i = 0; i < n; i++) {
            const char *v = db_get(r, i, cols[k]);
            if (!v)
                return;
            len += strlen(v) + 1;
        }
    }
    char *b = malloc(len);
    if (!b)
        return;
    char *at = b + sprintf(b, "%s\n%s\n", version, until);
    for (int k = 0; k < 3; k++) {
        *at++ = '{';
        for (int i = 0; i < n; i++) {
            if (i > 0)
                *at++ = ',';
            at = stpcpy(at, db_get(r, i, cols[k]));
        }
        *at++ = '}';
        *at++ = '\n';
    }
    memcpy(at, c->text, c->text_len);
    at += c->text_len;
    *at = '\0';
    pagecache_put(app.caseload_cache, key, b, (size_t)(at - b));
    free(b);
}

void residents_cache_metrics(char *buf, size_t len)
{
    if (!app.caseload_cache)
        return;
    pagecache_stats st;
    pagecache_get_stats(app.caseload_cache, &st);
    size_t n = strlen(buf);
    if (n >= len)
        return;
    snprintf(buf + n, len - n,
             "# HELP samspil_caseload_cache_total Caseload pages asked for, by what the cache "
             "did: served a kept page, found it out of date, had none.\n"
             "# TYPE samspil_caseload_cache_total counter\n"
             "samspil_caseload_cache_total{result=\"hit\"} %lu\n"
             "samspil_caseload_cache_total{result=\"stale\"} %lu\n"
             "samspil_caseload_cache_total{result=\"miss\"} %lu\n"
             "# HELP samspil_caseload_cache_bytes Bytes the kept caseload pages take.\n"
             "# TYPE samspil_caseload_cache_bytes gauge\n"
             "samspil_caseload_cache_bytes %zu\n"
             "# HELP samspil_caseload_cache_evictions_total Pages dropped to make room.\n"
             "# TYPE samspil_caseload_cache_evictions_total counter\n"
             "samspil_caseload_cache_evictions_total %lu\n"
             "# HELP samspil_caseload_cache_made_total Pages none was kept of or found out of "
             "date in the audit writer's batch: made by the request, or by another request "
             "(waited for, or made since).\n"
             "# TYPE samspil_caseload_cache_made_total counter\n"
             "samspil_caseload_cache_made_total{by=\"request\"} %lu\n"
             "samspil_caseload_cache_made_total{by=\"another\"} %lu\n",
             atomic_load(&cache_hits), atomic_load(&cache_stale), atomic_load(&cache_misses),
             st.bytes, st.evictions, atomic_load(&cache_made), atomic_load(&cache_waited));
}

static db_outcome list_tx(app_call *c)
{
    list_ctx *l = c->ctx;
    const char *key = app.caseload_cache && c->who ? cache_key(c, l) : NULL;
    if (key && !app_audit_grouped()) { /* else serve_kept asked already */
        bool served = false;
        db_outcome o = cache_serve(c, key, &served);
        if (o != DB_COMMIT || served)
            return o;
    }
    char lim[16];
    snprintf(lim, sizeof lim, "%d", l->limit);
    const char *p[] = {l->after_name,        l->after_id,     lim,      app_access_purpose(c->req),
                       l->intensity,         l->contact_person_id, l->clinician_id, l->status};
    PGresult *r = app_exec(c, "residents_list", 8, p);
    if (!r)
        return DB_ROLLBACK;
    jsonw w;
    jsonw_init(&w);
    jsonw_object_begin(&w);
    jsonw_key(&w, "items");
    jsonw_array_begin(&w);
    int n = db_rows(r);
    for (int i = 0; i < n && i < l->limit; i++)
        resident_write(&w, r, i);
    jsonw_array_end(&w);
    jsonw_key(&w, "next");
    json_t *next = cursor_next(r, l->limit, "name");
    jsonw_value(&w, next);
    json_decref(next);
    jsonw_object_end(&w);
    db_outcome o = app_reply_jsonw(c, 200, &w);
    if (key && o == DB_COMMIT && n > 0)
        cache_keep(c, key, r, n < l->limit ? n : l->limit);
    return o;
}

void residents_list(http_request *req)
{
    list_ctx l = {0};
    if ((l.limit = app_limit(req)) < 0 || !cursor_parse(req, &l.after_name, &l.after_id) ||
        !query_enum(req, "intensity", intensities, &l.intensity) ||
        !query_enum(req, "status", statuses, &l.status) ||
        !query_uuid(req, "contact_person_id", &l.contact_person_id) ||
        !query_uuid(req, "clinician_id", &l.clinician_id))
        return;
    if (!serve_kept(req, &l, true))
        app_run(req, list_tx, &l, 0);
}

/* ---- one resident ---- */

static db_outcome get_tx(app_call *c)
{
    const char *id = c->ctx;
    const char *p[] = {id, app_access_purpose(c->req)};
    PGresult *r = app_exec(c, "residents_get", 2, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1) {
        /* Unknown or not the caller's: the same answer, and the attempt is recorded. */
        return app_refuse(c, "read", "resident", id, id, 404, "not-found", "No such resident.",
                          NULL);
    }
    c->etag = arena_printf(c->req->arena, "%s", db_get(r, 0, "version"));
    app_reply(c, 200, resident_json(r, 0));
    return DB_COMMIT;
}

void residents_get(http_request *req)
{
    const char *id = app_param_uuid(req, 0);
    if (id)
        app_run(req, get_tx, (void *)id, 0);
}

/* Replies with the resident as it is now (status, ETag). DB_ROLLBACK on failure. */
static db_outcome reply_resident(app_call *c, const char *id, unsigned status)
{
    const char *p[] = {id};
    PGresult *r = app_exec(c, "residents_one", 1, p);
    if (!r || db_rows(r) != 1)
        return DB_ROLLBACK;
    c->etag = arena_printf(c->req->arena, "%s", db_get(r, 0, "version"));
    app_reply(c, status, resident_json(r, 0));
    return DB_COMMIT;
}

/* A refusal of a field the caller's side may not set (audited as denied). */
static db_outcome refuse_region_field(app_call *c, const char *action, const char *id,
                                      const char *field)
{
    json_t *errors = json_array();
    problem_field(errors, field, "may be set by the F-ACT team only");
    return app_refuse(c, action, "resident", id, id, 403, "region-only-field",
                      "Only the F-ACT team assesses a safety risk and names the responsible "
                      "clinician.",
                      errors);
}

/* ---- create ---- */

static const json_field create_fields[] = {
    {.name = "name", .type = JF_STRING, .required = true, .max_len = 200},
    {.name = "date_of_birth", .type = JF_DATE, .required = true},
    {.name = "facility_id", .type = JF_UUID},
    {.name = "contact_person_id", .type = JF_UUID, .nullable = true},
    {.name = "responsible_clinician_id", .type = JF_UUID, .nullable = true},
};

typedef struct write_ctx {
    json_t *body;
    const char *id;
    const char *version;
} write_ctx;

static db_outcome create_tx(app_call *c)
{
    write_ctx *w = c->ctx;
    bool region = caller_is_region(c);
    const char *facility = json_str(w->body, "facility_id");
    if (!region && json_str(w->body, "responsible_clinician_id"))
        return refuse_region_field(c, "create", NULL, "responsible_clinician_id");
    if (!facility && region)
        return app_fail_field(c, "facility_id", "is required: the facility the resident lives at");
    if (!facility)
        facility = c->who->org_id;
    const char *fp[] = {facility};
    PGresult *f = app_exec(c, "residents_facility", 1, fp);
    if (!f)
        return DB_ROLLBACK;
    const char *team = db_rows(f) == 1 ? db_get(f, 0, "serving_team_id") : NULL;
    /* a resident of the caller's own pair only */
    if (!team || (region && strcmp(team, c->who->org_id) != 0) ||
        (!region && strcmp(facility, c->who->org_id) != 0))
        return app_fail_field(c, "facility_id", "is not a facility your organisation works with");
    const char *p[] = {json_str(w->body, "name"), json_str(w->body, "date_of_birth"), facility,
                       team, json_str(w->body, "contact_person_id"),
                       json_str(w->body, "responsible_clinician_id")};
    PGresult *r = app_exec(c, "residents_create", 6, p);
    if (!r)
        return DB_ROLLBACK;
    const char *id = arena_strdup(c->req->arena, db_get(r, 0, "id"));
    app_audit(c, "create", "resident", id, id, "allowed");
    c->location = arena_printf(c->req->arena, "/api/residents/%s", id);
    return reply_resident(c, id, 201);
}

static void residents_create(http_request *req)
{
    write_ctx w = {0};
    w.body = app_body(req, create_fields, sizeof create_fields / sizeof create_fields[0]);
    if (w.body)
        app_run(req, create_tx, &w, APP_IDEMPOTENT);
}

/* ---- update (If-Match) ---- */

static const json_field update_fields[] = {
    {.name = "name", .type = JF_STRING, .max_len = 200},
    {.name = "date_of_birth", .type = JF_DATE},
    {.name = "contact_person_id", .type = JF_UUID, .nullable = true},
    {.name = "responsible_clinician_id", .type = JF_UUID, .nullable = true},
    {.name = "status", .type = JF_ENUM, .enum_values = statuses},
    {.name = "safety_risk", .type = JF_BOOL},
    {.name = "safety_note", .type = JF_TEXT, .max_len = 2000},
};

static db_outcome update_tx(app_call *c)
{
    write_ctx *w = c->ctx;
    json_t *b = w->body;
    if (!caller_is_region(c)) {
        static const char *const region_only[] = {"responsible_clinician_id", "safety_risk",
                                                  "safety_note"};
        for (size_t i = 0; i < sizeof region_only / sizeof region_only[0]; i++)
            if (json_object_get(b, region_only[i]))
                return refuse_region_field(c, "update", w->id, region_only[i]);
    }
    json_t *risk = json_object_get(b, "safety_risk");
    const char *p[] = {w->id,
                       w->version,
                       json_object_get(b, "contact_person_id") ? "true" : "false",
                       json_str(b, "contact_person_id"),
                       json_object_get(b, "responsible_clinician_id") ? "true" : "false",
                       json_str(b, "responsible_clinician_id"),
                       json_str(b, "status"),
                       risk ? (json_is_true(risk) ? "true" : "false") : NULL,
                       json_str(b, "safety_note"),
                       json_str(b, "name"),
                       json_str(b, "date_of_birth")};
    PGresult *r = app_exec(c, "residents_update", 11, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) == 1) {
        app_audit(c, "update", "resident", w->id, w->id, "allowed");
        return reply_resident(c, w->id, 200);
    }
    const char *q[] = {w->id};
    PGresult *now = app_exec(c, "residents_one", 1, q);
    if (!now)
        return DB_ROLLBACK;
    if (db_rows(now) != 1) {
        return app_refuse(c, "update", "resident", w->id, w->id, 404, "not-found",
                          "No such resident.", NULL);
    }
    return app_stale(c, resident_json(now, 0));
}

static void residents_update(http_request *req)
{
    write_ctx w = {0};
    if (!(w.id = app_param_uuid(req, 0)) || !(w.version = app_if_match(req)))
        return;
    w.body = app_body(req, update_fields, sizeof update_fields / sizeof update_fields[0]);
    if (!w.body)
        return;
    if (json_object_size(w.body) == 0) {
        app_send_nothing_to_change(req);
        return;
    }
    app_run(req, update_tx, &w, 0);
}

/* ---- intensity: turning it up or down, with who, when and why ---- */

static const json_field intensity_fields[] = {
    {.name = "level", .type = JF_ENUM, .required = true, .enum_values = intensities},
    {.name = "reason", .type = JF_TEXT, .required = true, .min_len = 1, .max_len = 2000},
};

static json_t *intensity_json(const PGresult *r, int i)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", app_jstr(r, i, "id"));
    json_object_set_new(o, "resident_id", app_jstr(r, i, "resident_id"));
    json_object_set_new(o, "from_level", app_jstr(r, i, "from_level"));
    json_object_set_new(o, "to_level", app_jstr(r, i, "to_level"));
    json_object_set_new(o, "reason", app_jstr(r, i, "reason"));
    json_object_set_new(o, "changed_by", app_jstr(r, i, "changed_by"));
    json_object_set_new(o, "changed_by_name", app_jstr(r, i, "changed_by_name"));
    json_object_set_new(o, "changed_at", app_jstr(r, i, "changed_at"));
    return o;
}

static db_outcome intensity_tx(app_call *c)
{
    write_ctx *w = c->ctx;
    const char *p[] = {w->id};
    PGresult *r = app_exec(c, "residents_intensity_lock", 1, p);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1) {
        return app_refuse(c, "update", "resident", w->id, w->id, 404, "not-found",
                          "No such resident.", NULL);
    }
    const char *from = arena_strdup(c->req->arena, db_get(r, 0, "intensity"));
    const char *to = json_str(w->body, "level");
    if (strcmp(from, to) == 0) {
        json_t *errors = json_array();
        problem_field(errors, "level", "is already the resident's intensity");
        return app_fail(c, 422, "intensity-unchanged",
                        "The resident already has this intensity; nothing was recorded.",
                        errors);
    }
    const char *s[] = {w->id, to};
    if (!app_exec(c, "residents_intensity_set", 2, s))
        return DB_ROLLBACK;
    const char *ip[] = {w->id, from, to, json_str(w->body, "reason")};
    PGresult *rec = app_exec(c, "residents_intensity_record", 4, ip);
    if (!rec)
        return DB_ROLLBACK;
    app_audit(c, "update", "intensity", db_get(rec, 0, "id"), w->id, "allowed");
    c->location = arena_printf(c->req->arena, "/api/residents/%s/intensity", w->id);
    app_reply(c, 201, intensity_json(rec, 0));
    return DB_COMMIT;
}

static void residents_set_intensity(http_request *req)
{
    write_ctx w = {0};
    if (!(w.id = app_param_uuid(req, 0)))
        return;
    w.body = app_body(req, intensity_fields, sizeof intensity_fields / sizeof intensity_fields[0]);
    if (w.body)
        app_run(req, intensity_tx, &w, APP_IDEMPOTENT);
}

typedef struct history_ctx {
    const char *id;
    const char *after_at, *after_id;
    int limit;
} history_ctx;

static db_outcome intensity_history_tx(app_call *c)
{
    history_ctx *h = c->ctx;
    const char *v[] = {h->id};
    PGresult *r = app_exec(c, "residents_visible", 1, v);
    if (!r)
        return DB_ROLLBACK;
    if (db_rows(r) != 1) {
        return app_refuse(c, "read", "intensity", h->id, h->id, 404, "not-found",
                          "No such resident.", NULL);
    }
    const char *current = arena_strdup(c->req->arena, db_get(r, 0, "intensity"));
    char lim[16];
    snprintf(lim, sizeof lim, "%d", h->limit);
    const char *p[] = {h->id, h->after_at, h->after_id, lim};
    PGresult *hr = app_exec(c, "residents_intensity_history", 4, p);
    if (!hr)
        return DB_ROLLBACK;
    json_t *items = json_array();
    int n = db_rows(hr);
    for (int i = 0; i < n && i < h->limit; i++)
        json_array_append_new(items, intensity_json(hr, i));
    json_t *next = cursor_next(hr, h->limit, "changed_at");
    app_audit(c, "read", "intensity", h->id, h->id, "allowed");
    app_reply(c, 200,
              json_pack("{s:s, s:o, s:o}", "current", current, "items", items, "next", next));
    return DB_COMMIT;
}

static void residents_intensity_history(http_request *req)
{
    history_ctx h = {0};
    if (!(h.id = app_param_uuid(req, 0)) || (h.limit = app_limit(req)) < 0 ||
        !cursor_parse(req, &h.after_at, &h.after_id))
        return;
    app_run(req, intensity_history_tx, &h, 0);
}

/* ---- the F-ACT board ---- */

static db_outcome board_tx(app_call *c)
{
    list_ctx *l = c->ctx;
    char lim[16];
    snprintf(lim, sizeof lim, "%d", l->limit);
    const char *p[] = {l->after_name, l->after_id, lim, app_access_purpose(c->req)};
    PGresult *r = app_exec(c, "residents_board", 4, p);
    if (!r)
        return DB_ROLLBACK;
    bool region = caller_is_region(c);
    jsonw w;
    jsonw_init(&w);
    jsonw_object_begin(&w);
    jsonw_key(&w, "items");
    jsonw_array_begin(&w);
    int n = db_rows(r);
    for (int i = 0; i < n && i < l->limit; i++) {
        jsonw_object_begin(&w);
        resident_members(&w, r, i);
        jsonw_key(&w, "on_board_because");
        jsonw_array_begin(&w);
        if (strcmp(db_get(r, i, "intensity"), "intensive") == 0)
            jsonw_string(&w, "intensive");
        if (db_get(r, i, "talk_requested_this_week")[0] == 't')
            jsonw_string(&w, "talk_requested");
        if (db_get(r, i, "admitted")[0] == 't')
            jsonw_string(&w, "admitted");
        jsonw_array_end(&w);
        member_str(&w, "intensity_changed_at", r, i, "intensity_changed_at");
        member_str(&w, "intensity_reason", r, i, "intensity_reason");
        /* what the database let the caller read of the latest shared summary */
        member_str(&w, "latest_summary", r, i, "latest_summary");
        member_str(&w, "latest_summary_at", r, i, "latest_summary_at");
        const char *consent = db_get(r, i, "summary_consent");
        consents_write_summary_state(&w, !region && !consents_share_granted(consent), consent);
        jsonw_object_end(&w);
    }
    jsonw_array_end(&w);
    jsonw_key(&w, "next");
    json_t *next = cursor_next(r, l->limit, "name");
    jsonw_value(&w, next);
    json_decref(next);
    jsonw_object_end(&w);
    return app_reply_jsonw(c, 200, &w);
}

static void residents_board(http_request *req)
{
    list_ctx l = {0};
    if ((l.limit = app_limit(req)) < 0 || !cursor_parse(req, &l.after_name, &l.after_id))
        return;
    app_run(req, board_tx, &l, 0);
}

/* clang-format off */
static const route residents_route_list[] = {
    {"POST",  "/api/residents",                residents_create,            ROLES_CARE,   ROUTE_RESIDENT_DATA},
    {"PATCH", "/api/residents/{id}",           residents_update,            ROLES_CARE,   ROUTE_RESIDENT_DATA},
    {"POST",  "/api/residents/{id}/intensity", residents_set_intensity,     ROLES_REGION, ROUTE_RESIDENT_DATA},
    {"GET",   "/api/residents/{id}/intensity", residents_intensity_history, ROLES_CARE,   ROUTE_RESIDENT_DATA},
    {"GET",   "/api/board",                    residents_board,             ROLES_CARE,   ROUTE_RESIDENT_DATA},
};
/* clang-format on */

/* The list and the single read sit in routes.c's core table (and residents_register is
 * called from there), so this table registers no statements of its own. */
const route_table residents_routes = {
    residents_route_list, sizeof residents_route_list / sizeof residents_route_list[0], NULL};
