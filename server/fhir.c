/*
 * fhir: the FHIR R4 read API under /fhir. The CapabilityStatement (public), read and search
 * of every type in fhir_resources.c, the CarePlan's versions (_history), and a resident's
 * whole record (Patient/{id}/$everything). Reads run as the caller in one transaction, like
 * every API read: row-level security decides what is seen (a facility user sees no more
 * than on the screens: no clinical note, a shared summary only with consent in force; an
 * admin no resident data at all), and resident data writes the same audit rows as the API.
 * Searches page with the API's sealed keyset cursors (a next link carries one).
 *
 * Every answer under /fhir is application/fhir+json; problems (also those of the
 * dispatcher: 401, 403, 404, 405, 429, 503) become an OperationOutcome with the same status
 * in fhir_finish_reply. Unknown search parameters are refused (400) rather than ignored, so a
 * client never takes an unfiltered answer for a filtered one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app.h"
#include "cursor.h"
#include "fhir.h"
#include "fhir_resources.h"
#include "handlers.h"
#include "routes.h"

#define FHIR_DEFAULT_COUNT 50
#define FHIR_MAX_COUNT 200
/* $everything reads each type of one resident in one page of at most this many */
#define FHIR_EVERYTHING_MAX 5000

/* ---- the reply ---- */

void fhir_finish_reply(http_request *req)
{
    if (!req->resp_type)
        return;
    if (strncmp(req->resp_type, "application/problem+json", 24) == 0) {
        json_t *problem = json_loadb(req->resp_body ? req->resp_body : "", req->resp_len, 0,
                                     NULL);
        json_t *outcome = fhir_outcome_from_problem(problem, req->status, req->request_id);
        json_decref(problem);
        char *text = json_dumps(outcome, JSON_COMPACT);
        json_decref(outcome);
        if (text)
            http_reply_owned(req, req->status, FHIR_MEDIA_TYPE, text, strlen(text));
        return;
    }
    if (strncmp(req->resp_type, "application/json", 16) == 0)
        req->resp_type = FHIR_MEDIA_TYPE;
}

static const char *base_url(void)
{
    return app.cfg.public_origin;
}

static json_t *full_url(const char *type, const char *id)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s/fhir/%s/%s", base_url(), type, id);
    return json_string(buf);
}

static bool caller_is_region(const app_call *c)
{
    return c->who && (c->who->role_bit & ROLES_REGION);
}

/* ---- search parameters ---- */

typedef struct fhir_params {
    http_request *req;
    unsigned allowed;           /* FHIR_P_* of the type */
    bool everything;            /* $everything: no search parameters at all */
    const char *patient;        /* uuid */
    char date_v[2][48], date_p[2][3];
    int ndate;
    char lu_v[2][48], lu_p[2][3];
    int nlu;
    int count;
    bool has_count;
    const char *bad_field, *bad_reason; /* the first refused parameter */
    char *query;                /* the accepted parameters again, URL-encoded (arena) */
    size_t query_len, query_cap;
} fhir_params;

static void refuse_param(fhir_params *p, const char *field, const char *reason)
{
    if (!p->bad_field) {
        p->bad_field = arena_strdup(p->req->arena, field);
        p->bad_reason = reason;
    }
}

/* Appends name=value, URL-encoded, to the query kept for self and next links. */
static void keep_param(fhir_params *p, const char *name, const char *value)
{
    size_t need = p->query_len + 3 * (strlen(name) + strlen(value)) + 3;
    if (need > p->query_cap) {
        size_t cap = need * 2 + 64;
        char *q = arena_alloc(p->req->arena, cap);
        if (p->query)
            memcpy(q, p->query, p->query_len + 1);
        p->query = q;
        p->query_cap = cap;
    }
    char *o = p->query + p->query_len;
    if (p->query_len)
        *o++ = '&';
    const char *parts[] = {name, value};
    for (int k = 0; k < 2; k++) {
        for (const unsigned char *s = (const unsigned char *)parts[k]; *s; s++) {
            if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                *s == '-' || *s == '_' || *s == '.' || *s == '~' || *s == ':' || *s == '/')
                *o++ = (char)*s;
            else
                o += sprintf(o, "%%%02X", *s);
        }
        if (k == 0)
            *o++ = '=';
    }
    *o = '\0';
    p->query_len = (size_t)(o - p->query);
}

/* patient / subject: "Patient/<uuid>" or "<uuid>". */
static const char *patient_id(const char *v)
{
    if (v && strncmp(v, "Patient/", 8) == 0)
        v += 8;
    return json_is_uuid(v) ? v : NULL;
}

static bool visit_param(void *cls, const char *name, const char *value)
{
    fhir_params *p = cls;
    if (!value)
        value = "";
    if (strcmp(name, "cursor") == 0)
        return true; /* read by cursor_parse */
    if (strcmp(name, "_format") == 0) {
        /* "application/fhir json": a '+' the client did not encode */
        if (strcmp(value, "json") && strcmp(value, "application/fhir+json") &&
            strcmp(value, "application/fhir json") && strcmp(value, "application/json"))
            refuse_param(p, name, "must be json: Samspil answers application/fhir+json only");
        else
            keep_param(p, name, value);
        return true;
    }
    if (p->everything) {
        refuse_param(p, name, "is not a parameter of $everything here");
        return true;
    }
    if (strcmp(name, "_count") == 0) {
        char *end = NULL;
        long n = strtol(value, &end, 10);
        if (p->has_count || !*value || *end || n < 1)
            refuse_param(p, name, "must be one whole number of at least 1");
        p->count = n > FHIR_MAX_COUNT ? FHIR_MAX_COUNT : (int)n; /* more: fewer are sent */
        p->has_count = true;
        char buf[16];
        snprintf(buf, sizeof buf, "%d", p->count);
        keep_param(p, name, buf);
        return true;
    }
    if ((strcmp(name, "patient") == 0 && (p->allowed & FHIR_P_PATIENT)) ||
        (strcmp(name, "subject") == 0 && (p->allowed & FHIR_P_SUBJECT))) {
        const char *id = patient_id(value);
        if (p->patient)
            refuse_param(p, name, "may be given once");
        else if (!id)
            refuse_param(p, name, "must be a Patient id (Patient/<id>)");
        p->patient = id;
        keep_param(p, name, value);
        return true;
    }
    bool is_date = strcmp(name, "date") == 0 && (p->allowed & FHIR_P_DATE);
    bool is_lu = strcmp(name, "_lastUpdated") == 0;
    if (is_date || is_lu) {
        int *n = is_date ? &p->ndate : &p->nlu;
        char(*v)[48] = is_date ? p->date_v : p->lu_v;
        char(*pre)[3] = is_date ? p->date_p : p->lu_p;
        if (*n == 2)
            refuse_param(p, name, "may be given at most twice (a lower and an upper bound)");
        else if (!fhir_date_param(value, pre[*n], v[*n], sizeof v[*n]))
            refuse_param(p, name,
                         "must be a date or dateTime (YYYY, YYYY-MM, YYYY-MM-DD or "
                         "YYYY-MM-DDThh:mm:ss with a time zone), optionally after a prefix "
                         "eq, ne, gt, lt, ge or le");
        else
            (*n)++;
        keep_param(p, name, value);
        return true;
    }
    refuse_param(p, name, "is not a search parameter Samspil supports for this resource type");
    return true;
}

/* Reads and checks the query; false after sending a 400 naming the parameter. */
static bool params_parse(http_request *req, fhir_params *p, unsigned allowed, bool everything)
{
    memset(p, 0, sizeof *p);
    p->req = req;
    p->allowed = allowed;
    p->everything = everything;
    p->count = FHIR_DEFAULT_COUNT;
    http_query_each(req, visit_param, p);
    if (p->bad_field) {
        json_t *errors = json_array();
        problem_field(errors, p->bad_field, p->bad_reason);
        problem_send_errors(req, 400, "bad-query", NULL,
                            arena_printf(req->arena, "%s %s.", p->bad_field, p->bad_reason),
                            errors);
        return false;
    }
    return true;
}

/* ---- Bundle ---- */

static json_t *link(const char *relation, const char *url)
{
    return json_pack("{s:s, s:s}", "relation", relation, "url", url);
}

static json_t *bundle_new(http_request *req, const char *type)
{
    char now[40];
    app_rfc3339((long)time(NULL), now, sizeof now);
    return json_pack("{s:s, s:s, s:s, s:s, s:[]}", "resourceType", "Bundle", "id",
                     req->request_id, "type", type, "timestamp", now, "entry");
}

static void bundle_add(json_t *bundle, json_t *resource, const char *mode)
{
    const char *type = json_str(resource, "resourceType"), *id = json_str(resource, "id");
    json_t *entry = json_pack("{s:o, s:o}", "fullUrl", full_url(type, id), "resource", resource);
    if (mode)
        json_object_set_new(entry, "search", json_pack("{s:s}", "mode", mode));
    json_array_append_new(json_object_get(bundle, "entry"), entry);
}

/* ---- search ---- */

typedef struct search_ctx {
    const fhir_type *type;
    fhir_params prm;
    const char *after_key, *after_id;
} search_ctx;

/* Runs the type's search statement for one patient or all, as the caller (audit rows
 * included). NULL when the database failed. */
static PGresult *run_search(app_call *c, const fhir_type *t, const fhir_params *p,
                            const char *patient, const char *after_key, const char *after_id,
                            int limit)
{
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit);
    const char *v[FHIR_SEARCH_PARAMS] = {
        patient,
        p && p->ndate > 0 ? p->date_v[0] : NULL, p && p->ndate > 0 ? p->date_p[0] : NULL,
        p && p->ndate > 1 ? p->date_v[1] : NULL, p && p->ndate > 1 ? p->date_p[1] : NULL,
        p && p->nlu > 0 ? p->lu_v[0] : NULL,     p && p->nlu > 0 ? p->lu_p[0] : NULL,
        p && p->nlu > 1 ? p->lu_v[1] : NULL,     p && p->nlu > 1 ? p->lu_p[1] : NULL,
        after_key, after_id, lim, app_access_purpose(c->req)};
    return app_exec(c, t->search_stmt, FHIR_SEARCH_PARAMS, v);
}

static db_outcome search_tx(app_call *c)
{
    search_ctx *s = c->ctx;
    const fhir_type *t = s->type;
    PGresult *r = run_search(c, t, &s->prm, s->prm.patient, s->after_key, s->after_id,
                             s->prm.count);
    if (!r)
        return DB_ROLLBACK;
    http_request *req = c->req;
    json_t *bundle = bundle_new(req, "searchset");
    int n = db_rows(r);
    bool region = caller_is_region(c);
    for (int i = 0; i < n && i < s->prm.count; i++)
        bundle_add(bundle, t->to_fhir(r, i, region), "match");
    const char *q = s->prm.query ? s->prm.query : "";
    const char *cur = http_query(req, "cursor");
    const char *cur_enc = NULL;
    if (cur && *cur) {
        fhir_params tmp = {.req = req};
        keep_param(&tmp, "cursor", cur);
        cur_enc = tmp.query;
    }
    const char *self = arena_printf(req->arena, "%s/fhir/%s%s%s%s%s", base_url(), t->name,
                                    q[0] || cur_enc ? "?" : "", q, q[0] && cur_enc ? "&" : "",
                                    cur_enc ? cur_enc : "");
    json_t *links = json_pack("[o]", link("self", self));
    json_t *next = cursor_next(r, s->prm.count, "sort_key");
    if (json_is_string(next)) {
        fhir_params tmp = {.req = req};
        keep_param(&tmp, "cursor", json_string_value(next));
        json_array_append_new(links,
                              link("next", arena_printf(req->arena, "%s/fhir/%s?%s%s%s",
                                                        base_url(), t->name, q, q[0] ? "&" : "",
                                                        tmp.query)));
    }
    json_decref(next);
    json_object_set_new(bundle, "link", links);
    /* a search of one patient's records counts what it shows; others say no total (it would
     * cost a second scan of everything the caller may see) */
    if (s->prm.patient && !cur && n <= s->prm.count)
        json_object_set_new(bundle, "total", json_integer(n));
    app_reply(c, 200, bundle);
    return DB_COMMIT;
}

static void search(http_request *req, const fhir_type *t)
{
    search_ctx s = {.type = t};
    if (!params_parse(req, &s.prm, t->params, false))
        return;
    if (!cursor_parse(req, &s.after_key, &s.after_id))
        return;
    app_run(req, search_tx, &s, 0);
}

/* ---- read ---- */

typedef struct read_ctx {
    const fhir_type *type;
    const char *id;
} read_ctx;

static db_outcome read_tx(app_call *c)
{
    read_ctx *x = c->ctx;
    const fhir_type *t = x->type;
    const char *p[] = {x->id};
    PGresult *r = app_exec(c, t->read_stmt, 1, p);
    if (!r)
        return DB_ROLLBACK;
    const char *detail = arena_printf(c->req->arena, "No %s with this id.", t->name);
    if (db_rows(r) != 1) {
        if (t->audit_type) /* an unknown id and one the caller may not see answer the same */
            return app_refuse(c, "read", t->audit_type, x->id,
                              t == &fhir_patient ? x->id : NULL, 404, "not-found", detail, NULL);
        return app_fail(c, 404, "not-found", detail, NULL);
    }
    /* a visit (an Encounter without a resident) is no one resident's data: the calendar */
    if (t->audit_type && db_get(r, 0, "resident_id"))
        app_audit(c, "read", t->audit_type, x->id, db_get(r, 0, "resident_id"), "allowed");
    json_t *res = t->to_fhir(r, 0, caller_is_region(c));
    const char *version = json_str(json_object_get(res, "meta"), "versionId");
    if (version)
        c->etag = arena_printf(c->req->arena, "W/\"%s\"", version);
    app_reply(c, 200, res);
    return DB_COMMIT;
}

static void not_found(http_request *req, const char *type)
{
    problem_send(req, 404, "not-found", NULL,
                 arena_printf(req->arena, "No %s with this id.", type));
}

static void read_one(http_request *req, const fhir_type *t)
{
    fhir_params prm;
    if (!params_parse(req, &prm, 0, true))
        return;
    const char *id = req->params[0];
    if (!json_is_uuid(id)) { /* every Samspil id is a UUID */
        not_found(req, t->name);
        return;
    }
    read_ctx x = {t, id};
    app_run(req, read_tx, &x, 0);
}

/* ETag: the weak W/"n" FHIR uses for versionId; app_run quotes what it gets, so the quotes
 * and W/ prefix are set here after the run. */
static void fix_etag(http_request *req)
{
    for (http_header_line *h = req->resp_headers; h; h = h->next)
        if (strcasecmp(h->name, "ETag") == 0 && strncmp(h->value, "\"W/", 3) == 0) {
            /* "W/"n"" -> W/"n" */
            size_t n = strlen(h->value);
            h->value = arena_strndup(req->arena, h->value + 1, n - 2);
        }
}

/* ---- CarePlan history ---- */

typedef struct history_ctx {
    const char *id;
    const char *version; /* NULL: every version */
} history_ctx;

static db_outcome history_tx(app_call *c)
{
    history_ctx *h = c->ctx;
    const char *p[] = {h->id, h->version};
    PGresult *r = app_exec(c, h->version ? FHIR_STMT_CAREPLAN_VERSION : FHIR_STMT_CAREPLAN_HISTORY,
                           h->version ? 2 : 1, p);
    if (!r)
        return DB_ROLLBACK;
    int n = db_rows(r);
    if (n == 0) {
        if (h->version) { /* the plan may exist without this version */
            const char *q[] = {h->id};
            PGresult *plan = app_exec(c, "fhir_careplan_read", 1, q);
            if (!plan)
                return DB_ROLLBACK;
            if (db_rows(plan) == 1) {
                app_audit(c, "read", "kip", h->id, db_get(plan, 0, "resident_id"), "allowed");
                app_fail(c, 404, "not-found", "The CarePlan has no such version.", NULL);
                return DB_COMMIT;
            }
        }
        return app_refuse(c, "read", "kip", h->id, NULL, 404, "not-found",
                          "No CarePlan with this id.", NULL);
    }
    bool region = caller_is_region(c);
    if (h->version) {
        app_audit(c, "read", "kip", db_get(r, 0, "version_row_id"), db_get(r, 0, "resident_id"),
                  "allowed");
        json_t *res = fhir_careplan.to_fhir(r, 0, region);
        c->etag = arena_printf(c->req->arena, "W/\"%s\"", db_get(r, 0, "version"));
        app_reply(c, 200, res);
        return DB_COMMIT;
    }
    app_audit(c, "search", "kip", h->id, db_get(r, 0, "resident_id"), "allowed");
    json_t *bundle = bundle_new(c->req, "history");
    json_object_set_new(bundle, "total", json_integer(n));
    json_object_set_new(bundle, "link",
                        json_pack("[o]", link("self", arena_printf(c->req->arena,
                                                                   "%s/fhir/CarePlan/%s/_history",
                                                                   base_url(), h->id))));
    for (int i = 0; i < n; i++) {
        json_t *res = fhir_careplan.to_fhir(r, i, region);
        bool first = strcmp(db_get(r, i, "version"), "1") == 0;
        char url[128], vurl[600];
        snprintf(url, sizeof url, first ? "CarePlan" : "CarePlan/%s", h->id);
        snprintf(vurl, sizeof vurl, "%s/fhir/CarePlan/%s/_history/%s", base_url(), h->id,
                 db_get(r, i, "version"));
        json_t *entry = json_pack(
            "{s:o, s:o, s:{s:s, s:s}, s:{s:s, s:s, s:s}}", "fullUrl",
            full_url("CarePlan", h->id), "resource", res, "request", "method",
            first ? "POST" : "PUT", "url", url, "response", "status",
            first ? "201 Created" : "200 OK", "location", vurl, "lastModified",
            db_get(r, i, "last_updated"));
        json_array_append_new(json_object_get(bundle, "entry"), entry);
    }
    app_reply(c, 200, bundle);
    return DB_COMMIT;
}

static void careplan_history(http_request *req)
{
    fhir_params prm;
    if (!params_parse(req, &prm, 0, true))
        return;
    if (!json_is_uuid(req->params[0])) {
        not_found(req, "CarePlan");
        return;
    }
    history_ctx h = {req->params[0], NULL};
    app_run(req, history_tx, &h, 0);
}

static void careplan_vread(http_request *req)
{
    fhir_params prm;
    if (!params_parse(req, &prm, 0, true))
        return;
    const char *v = req->params[1];
    bool digits = v && *v && strlen(v) <= 9;
    for (const char *s = v; digits && *s; s++)
        digits = *s >= '0' && *s <= '9';
    if (!json_is_uuid(req->params[0]) || !digits) {
        not_found(req, "CarePlan");
        return;
    }
    history_ctx h = {req->params[0], v};
    app_run(req, history_tx, &h, 0);
    fix_etag(req);
}

/* ---- Patient/{id}/$everything ---- */

static db_outcome everything_tx(app_call *c)
{
    const char *id = c->ctx;
    const char *p[] = {id};
    PGresult *pat = app_exec(c, fhir_patient.read_stmt, 1, p);
    if (!pat)
        return DB_ROLLBACK;
    if (db_rows(pat) != 1)
        return app_refuse(c, "read", "resident", id, id, 404, "not-found",
                          "No Patient with this id.", NULL);
    app_audit(c, "read", "resident", id, id, "allowed");
    bool region = caller_is_region(c);
    json_t *bundle = bundle_new(c->req, "searchset");
    bundle_add(bundle, fhir_patient.to_fhir(pat, 0, region), "match");
    int total = 1;

    /* the resident's team and facility */
    const char *orgs[] = {db_get(pat, 0, "facility_id"), db_get(pat, 0, "team_id")};
    for (size_t k = 0; k < 2; k++) {
        const char *q[] = {orgs[k]};
        PGresult *o = app_exec(c, fhir_organization.read_stmt, 1, q);
        if (!o)
            goto failed;
        if (db_rows(o) == 1) {
            bundle_add(bundle, fhir_organization.to_fhir(o, 0, region), "include");
            total++;
        }
    }
    /* each type's search for this resident: the same statements and audit rows as a search */
    const fhir_type *const types[] = {&fhir_careplan, &fhir_consent, &fhir_encounter,
                                      &fhir_episode};
    for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
        PGresult *r = run_search(c, types[k], NULL, id, NULL, NULL, FHIR_EVERYTHING_MAX);
        if (!r)
            goto failed;
        int n = db_rows(r);
        if (n > FHIR_EVERYTHING_MAX) {
            json_decref(bundle);
            return app_fail(c, 422, "too-costly",
                            "This resident's record is larger than $everything answers at once; "
                            "search each resource type with patient= and paging instead.",
                            NULL);
        }
        for (int i = 0; i < n; i++)
            bundle_add(bundle, types[k]->to_fhir(r, i, region), "match");
        total += n;
    }
    json_object_set_new(bundle, "total", json_integer(total));
    json_object_set_new(bundle, "link",
                        json_pack("[o]", link("self", arena_printf(c->req->arena,
                                                                   "%s/fhir/Patient/%s/$everything",
                                                                   base_url(), id))));
    app_reply(c, 200, bundle);
    return DB_COMMIT;
failed:
    json_decref(bundle);
    return DB_ROLLBACK;
}

static void patient_everything(http_request *req)
{
    fhir_params prm;
    if (!params_parse(req, &prm, 0, true))
        return;
    if (!json_is_uuid(req->params[0])) {
        not_found(req, "Patient");
        return;
    }
    app_run(req, everything_tx, (void *)req->params[0], 0);
}

/* ---- metadata: the CapabilityStatement ---- */

static json_t *search_param(const char *name, const char *type, const char *doc)
{
    return json_pack("{s:s, s:s, s:s}", "name", name, "type", type, "documentation", doc);
}

static void metadata(http_request *req)
{
    fhir_params prm;
    if (!params_parse(req, &prm, 0, true))
        return;
    json_t *resources = json_array();
    for (const fhir_type *const *t = fhir_types; *t; t++) {
        json_t *sp = json_array();
        if ((*t)->params & FHIR_P_PATIENT)
            json_array_append_new(sp, search_param("patient", "reference",
                                                   "The resident (Patient/<id>)."));
        if ((*t)->params & FHIR_P_SUBJECT)
            json_array_append_new(sp, search_param("subject", "reference",
                                                   "The same as patient."));
        if ((*t)->params & FHIR_P_DATE)
            json_array_append_new(sp, search_param("date", "date", (*t)->date_doc));
        json_array_append_new(sp, search_param("_lastUpdated", "date",
                                               "meta.lastUpdated; prefixes eq, ne, gt, lt, ge, "
                                               "le, at most twice."));
        json_array_append_new(sp, search_param("_count", "number",
                                               "Page size, 50 by default, at most 200; the next "
                                               "link carries an opaque cursor."));
        json_t *interactions = json_pack("[{s:s}, {s:s}]", "code", "read", "code", "search-type");
        json_t *res = json_pack("{s:s, s:o, s:o}", "type", (*t)->name, "interaction",
                                interactions, "searchParam", sp);
        if (*t == &fhir_careplan) {
            json_array_append_new(interactions, json_pack("{s:s}", "code", "vread"));
            json_array_append_new(interactions, json_pack("{s:s}", "code", "history-instance"));
            json_object_set_new(res, "versioning", json_string("versioned"));
            json_object_set_new(res, "readHistory", json_true());
        } else {
            json_object_set_new(res, "versioning", json_string("no-version"));
        }
        if (*t == &fhir_patient)
            json_object_set_new(
                res, "operation",
                json_pack("[{s:s, s:s}]", "name", "everything", "definition",
                          "http://hl7.org/fhir/OperationDefinition/Patient-everything"));
        json_array_append_new(resources, res);
    }
    json_t *security = json_pack(
        "{s:[{s:[{s:s, s:s}]}], s:s}", "service", "coding", "system",
        "http://terminology.hl7.org/CodeSystem/restful-security-service", "code", "OAuth",
        "description",
        "Authorization: Bearer <Samspil session token or the organisation's OpenID Connect "
        "token>, or the session cookie. Admins see no resident data.");
    json_t *rest = json_pack("{s:s, s:s, s:o, s:o}", "mode", "server", "documentation",
                             "Read-only. Row-level security and consent decide what each "
                             "caller sees; every read of resident data is written to the "
                             "audit log.",
                             "security", security, "resource", resources);
    json_t *cs = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "resourceType",
                           "CapabilityStatement", "id", "samspil", "name", "SamspilFhirRead",
                           "title", "Samspil FHIR R4 (læseadgang)", "status", "active", "date",
                           "2026-12-02", "publisher", "Samspil", "kind", "instance",
                           "fhirVersion", "4.0.1");
    json_object_set_new(cs, "software", json_pack("{s:s}", "name", "Samspil"));
    json_object_set_new(cs, "implementation",
                        json_pack("{s:s, s:s}", "description",
                                  "Samspil: samarbejdet mellem F-ACT-team og botilbud", "url",
                                  arena_printf(req->arena, "%s/fhir", base_url())));
    json_object_set_new(cs, "format", json_pack("[s, s]", "json", "application/fhir+json"));
    json_object_set_new(cs, "rest", json_pack("[o]", rest));
    http_reply_json(req, 200, cs);
}

/* ---- handlers and the route table ---- */

#define FHIR_TYPE_HANDLERS(fn, type)                                                          \
    static void fn##_search(http_request *req) { search(req, &(type)); }                      \
    static void fn##_read(http_request *req)                                                  \
    {                                                                                         \
        read_one(req, &(type));                                                               \
        fix_etag(req);                                                                        \
    }

FHIR_TYPE_HANDLERS(patient, fhir_patient)
FHIR_TYPE_HANDLERS(organization, fhir_organization)
FHIR_TYPE_HANDLERS(practitioner, fhir_practitioner)
FHIR_TYPE_HANDLERS(practitioner_role, fhir_practitioner_role)
FHIR_TYPE_HANDLERS(careplan, fhir_careplan)
FHIR_TYPE_HANDLERS(consent, fhir_consent)
FHIR_TYPE_HANDLERS(encounter, fhir_encounter)
FHIR_TYPE_HANDLERS(episode, fhir_episode)

/* clang-format off */
static const route fhir_route_list[] = {
    {"GET", "/fhir/metadata",                       metadata,                0,          0},
    {"GET", "/fhir/Patient",                        patient_search,          ROLES_CARE, ROUTE_RESIDENT_DATA},
    {"GET", "/fhir/Patient/{id}",                   patient_read,            ROLES_CARE, ROUTE_RESIDENT_DATA},
    {"GET", "/fhir/Patient/{id}/$everything",       patient_everything,      ROLES_CARE, ROUTE_RESIDENT_DATA},
    {"GET", "/fhir/Organization",                   organization_search,     ROLES_ANY,  0},
    {"GET", "/fhir/Organization/{id}",              organization_read,       ROLES_ANY,  0},
    {"GET", "/fhir/Practitioner",                   practitioner_search,     ROLES_ANY,  0},
    {"GET", "/fhir/Practitioner/{id}",              practitioner_read,       ROLES_ANY,  0},
    {"GET", "/fhir/PractitionerRole",               practitioner_role_search, ROLES_ANY, 0},
    {"GET", "/fhir/PractitionerRole/{id}",          practitioner_role_read,  ROLES_ANY,  0},
    {"GET", "/fhir/CarePlan",                       careplan_search,         ROLES_CARE, ROUTE_RESIDENT_DATA},
    {"GET", "/fhir/CarePlan/{id}",                  careplan_read,           ROLES_CARE, ROUTE_RESIDENT_DATA},
    {"GET", "/fhir/CarePlan/{id}/_history",         careplan_history,        ROLES_CARE, ROUTE_RESIDENT_DATA},
    {"GET", "/fhir/CarePlan/{id}/_history/{vid}",   careplan_vread,          ROLES_CARE, ROUTE_RESIDENT_DATA},
    {"GET", "/fhir/Consent",                        consent_search,          ROLES_CARE, ROUTE_RESIDENT_DATA},
    {"GET", "/fhir/Consent/{id}",                   consent_read,            ROLES_CARE, ROUTE_RESIDENT_DATA},
    {"GET", "/fhir/Encounter",                      encounter_search,        ROLES_CARE, ROUTE_RESIDENT_DATA},
    {"GET", "/fhir/Encounter/{id}",                 encounter_read,          ROLES_CARE, ROUTE_RESIDENT_DATA},
    {"GET", "/fhir/EpisodeOfCare",                  episode_search,          ROLES_CARE, ROUTE_RESIDENT_DATA},
    {"GET", "/fhir/EpisodeOfCare/{id}",             episode_read,            ROLES_CARE, ROUTE_RESIDENT_DATA},
};
/* clang-format on */

const route_table fhir_routes = {fhir_route_list,
                                 sizeof fhir_route_list / sizeof fhir_route_list[0],
                                 fhir_resources_register};
