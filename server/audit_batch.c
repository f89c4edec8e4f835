/*
 * audit_batch: kept pages checked and their audit rows written by group commit.
 *
 * A read whose only write is its audit rows (a kept caseload page served again) hands here
 * what its transaction would have checked (the caseload version the page was made at, and
 * until when its time facts hold) and its rows, made as AUDIT_SHOWN_ROWS makes them (one per
 * team, residents in id order). A writer thread checks and writes for every request waiting
 * at that moment with one call of audit_log_append_shown() (migrations 0079, 0080) in one
 * transaction: the requests share one statement, its triggers and one commit flush, the
 * residents travel in binary, and a request costs no transaction of its own. The function
 * checks each request's identity as app_begin() does and its page as CASELOAD_CURRENT does
 * (server/residents.c), and writes the rows of those that pass. Each reply goes out only
 * after its rows are committed: no page leaves the server unaudited; a request whose rows
 * could not be written gets a problem instead of the page, one whose session is no longer
 * valid 401, and one whose page is out of date has it made anew.
 *
 * AUDIT_BATCH_MAX requests at most per transaction; 0 turns this off (the check and the rows
 * are then in the caller's transaction, as the statements' own audit CTEs are).
 */
#include "app.h"
#include "groupcommit.h"
#include "handlers.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One writer: two made smaller batches and were no faster (docs/BENCHMARKS.md, sixth pass). */
enum {
    /* per request: identity, request, action, resource type, purpose, and the page's version
     * and time facts */
    REQUEST_PARAMS = 11,
    SHOWN_PARAMS = REQUEST_PARAMS + 7,
    AUDIT_WRITERS = 1,
    UUID_OID = 2950,
};

typedef unsigned char uuid_bytes[16];

/* One audit row of a request: a team's residents shown (the next shown of the request's). */
typedef struct shown_row {
    uuid_bytes team;
    uuid_bytes facility;  /* theirs when they share one */
    bool one_facility;
    bool with_facilities; /* more than one resident, of more than one facility */
    int shown;            /* residents */
} shown_row;

/* A request's list read, ready for audit_log_append_shown (arena). */
struct app_shown {
    const char *p[REQUEST_PARAMS];
    shown_row *rows;
    int nrows;
    uuid_bytes *residents, *facilities; /* all rows' in row order, aligned */
    int nresidents;
    http_request *req;     /* whose reply waits for the rows */
    const app_kept *kept;  /* what to do when the page was not current (arena) */
    groupcommit_item item; /* in the writer's queue */
};

static const db_stmt audit_batch_stmts[] = {
    {"audit_append_shown",
     "SELECT n, current FROM audit_log_append_shown($1::uuid[], $2::text[], $3::uuid[], "
     "$4::integer[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[], "
     "$11::timestamptz[], $12::integer[], $13::uuid[], $14::uuid[], $15::integer[], "
     "$16::boolean[], $17::uuid[], $18::uuid[])"},
};

static groupcommit *writer;
static db_pool *writer_pool;

/* A growing text buffer; ok false once out of memory. */
typedef struct textbuf {
    char *s;
    size_t len, cap;
    bool ok;
} textbuf;

static void text_put(textbuf *b, const char *s, size_t n)
{
    if (!b->ok)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *s2 = realloc(b->s, cap);
        if (!s2) {
            b->ok = false;
            return;
        }
        b->s = s2;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

/* Parameter k of items[0..n) as a PostgreSQL array literal: every element quoted (a
 * backslash before " and \), NULL for none. malloc'd, NULL when out of memory. */
static char *array_literal(groupcommit_item **items, size_t n, int k)
{
    textbuf b = {.ok = true};
    text_put(&b, "{", 1);
    for (size_t i = 0; i < n; i++) {
        const struct app_shown *s = items[i]->data;
        const char *v = s->p[k];
        if (i)
            text_put(&b, ",", 1);
        if (!v) {
            text_put(&b, "NULL", 4);
            continue;
        }
        text_put(&b, "\"", 1);
        for (const char *q = v; *q; q++) {
            size_t run = strcspn(q, "\"\\");
            text_put(&b, q, run);
            q += run;
            if (!*q)
                break;
            text_put(&b, "\\", 1);
            text_put(&b, q, 1);
        }
        text_put(&b, "\"", 1);
    }
    text_put(&b, "}", 1);
    if (!b.ok) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

static void uuid_text(const uuid_bytes u, char out[37])
{
    static const char hex[] = "0123456789abcdef";
    int o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[u[i] >> 4];
        out[o++] = hex[u[i] & 15];
    }
    out[o] = '\0';
}

/* The rows' column k of items[0..n) as an array literal: 0 request number, 1 team,
 * 2 facility, 3 residents shown, 4 with facilities. malloc'd, NULL when out of memory. */
static char *rows_literal(groupcommit_item **items, size_t n, int k)
{
    textbuf b = {.ok = true};
    text_put(&b, "{", 1);
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        const struct app_shown *s = items[i]->data;
        for (int r = 0; r < s->nrows; r++) {
            const shown_row *w = &s->rows[r];
            char v[40];
            if (k == 0)
                snprintf(v, sizeof v, "%zu", i + 1);
            else if (k == 1)
                uuid_text(w->team, v);
            else if (k == 2 && w->one_facility)
                uuid_text(w->facility, v);
            else if (k == 2)
                snprintf(v, sizeof v, "NULL");
            else if (k == 3)
                snprintf(v, sizeof v, "%d", w->shown);
            else
                snprintf(v, sizeof v, "%s", w->with_facilities ? "t" : "f");
            if (!first)
                text_put(&b, ",", 1);
            first = false;
            text_put(&b, v, strlen(v));
        }
    }
    text_put(&b, "}", 1);
    if (!b.ok) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* The residents (facilities false) or their facilities of every row of items[0..n) as a
 * uuid[] in PostgreSQL's binary format. malloc'd (*len bytes), NULL when out of memory. */
static char *uuids_binary(groupcommit_item **items, size_t n, bool facilities, int *len)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += (size_t)((const struct app_shown *)items[i]->data)->nresidents;
    size_t size = 20 + count * 20;
    unsigned char *out = malloc(size), *p = out;
    if (!out)
        return NULL;
    put_be32(p, count ? 1 : 0); /* dimensions */
    put_be32(p + 4, 0);         /* no NULLs */
    put_be32(p + 8, UUID_OID);
    p += 12;
    if (count) {
        put_be32(p, (uint32_t)count);
        put_be32(p + 4, 1); /* lower bound */
        p += 8;
    }
    for (size_t i = 0; i < n; i++) {
        const struct app_shown *s = items[i]->data;
        for (int r = 0; r < s->nresidents; r++) {
            put_be32(p, 16);
            memcpy(p + 4, facilities ? s->facilities[r] : s->residents[r], 16);
            p += 20;
        }
    }
    *len = (int)(p - out);
    return (char *)out;
}

typedef struct flush_ctx {
    groupcommit_item **items;
    size_t n;
    const char *params[SHOWN_PARAMS];
    int lengths[SHOWN_PARAMS];
    int formats[SHOWN_PARAMS];
} flush_ctx;

static db_outcome flush_tx(db_tx *tx, void *p)
{
    flush_ctx *f = p;
    for (size_t i = 0; i < f->n; i++)
        f->items[i]->result = APP_SHOWN_REFUSED;
    PGresult *r = db_exec_binary(tx, "audit_append_shown", SHOWN_PARAMS, f->params,
                                 f->lengths, f->formats);
    if (!r)
        return DB_ROLLBACK;
    for (int row = 0; row < db_rows(r); row++) {
        long n = strtol(db_val(r, row, 0), NULL, 10);
        if (n >= 1 && (size_t)n <= f->n)
            f->items[n - 1]->result =
                strcmp(db_val(r, row, 1), "t") == 0 ? APP_SHOWN_WRITTEN : APP_SHOWN_STALE;
    }
    return DB_COMMIT;
}

static void log_failure(size_t n, db_status st, const db_error *e)
{
    json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:s}", "level", "error", "event",
                          "audit batch failed", "requests", (json_int_t)n, "sqlstate",
                          st == DB_UNAVAILABLE ? "unavailable" : e->sqlstate, "message",
                          e->message);
    char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
    if (line)
        fprintf(stderr, "%s\n", line);
    free(line);
    json_decref(o);
}

/* The writer: one transaction for the batch. When a statement fails (a row the database
 * refuses), each request is written alone so one cannot cost the others their page. */
static void flush(groupcommit_item **items, size_t n, void *ctx)
{
    (void)ctx;
    flush_ctx f = {.items = items, .n = n};
    bool ok = true;
    for (int k = 0; k < REQUEST_PARAMS; k++)
        ok &= (f.params[k] = array_literal(items, n, k)) != NULL;
    for (int k = 0; k < 5; k++)
        ok &= (f.params[REQUEST_PARAMS + k] = rows_literal(items, n, k)) != NULL;
    for (int k = 0; k < 2; k++) {
        int at = REQUEST_PARAMS + 5 + k;
        f.formats[at] = 1;
        ok &= (f.params[at] = uuids_binary(items, n, k == 1, &f.lengths[at])) != NULL;
    }
    db_error err;
    db_status st = ok ? db_run(writer_pool, NULL, flush_tx, &f, &err) : DB_UNAVAILABLE;
    for (int k = 0; k < SHOWN_PARAMS; k++)
        free((char *)f.params[k]);
    if (st == DB_OK)
        return;
    if (!ok)
        snprintf(err.message, sizeof err.message, "out of memory");
    log_failure(n, st, &err);
    for (size_t i = 0; i < n; i++)
        items[i]->result = APP_SHOWN_FAILED;
    if (st == DB_FAILED && n > 1)
        for (size_t i = 0; i < n; i++)
            flush(&items[i], 1, ctx);
}

void audit_batch_register_statements(void)
{
    db_register(audit_batch_stmts, sizeof audit_batch_stmts / sizeof *audit_batch_stmts);
}

bool audit_batch_start(const char *conninfo, unsigned max)
{
    if (max == 0)
        return true;
    writer_pool = db_pool_new(conninfo, AUDIT_WRITERS);
    writer = writer_pool ? groupcommit_new(max, AUDIT_WRITERS, flush, NULL) : NULL;
    return writer != NULL;
}

void audit_batch_stop(void)
{
    groupcommit_free(writer);
    writer = NULL;
    db_pool_free(writer_pool);
    writer_pool = NULL;
}

bool app_audit_grouped(void)
{
    return writer != NULL;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads a UUID as PostgreSQL writes it (36 characters with hyphens) at *s and moves past it
 * and the comma or brace after it. */
static bool read_uuid(const char **s, uuid_bytes out)
{
    const char *p = *s;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            if (*p != '-')
                return false;
            p++;
        }
        int hi = hexval(p[0]), lo = hi < 0 ? -1 : hexval(p[1]);
        if (lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
        p += 2;
    }
    if (*p != ',' && *p != '}')
        return false;
    *s = p + 1;
    return true;
}

/* The elements of a uuid[] literal without NULLs ("{a,b}") into out (room for max);
 * their number, or -1 when it is not one. */
static int read_uuids(const char *lit, uuid_bytes *out, int max)
{
    if (!lit || *lit != '{')
        return -1;
    const char *p = lit + 1;
    if (*p == '}')
        return p[1] == '\0' ? 0 : -1;
    int n = 0;
    while (n < max && read_uuid(&p, out[n])) {
        n++;
        if (p[-1] == '}')
            return *p == '\0' ? n : -1;
    }
    return -1;
}

typedef struct shown_elem {
    uuid_bytes team, id, facility;
} shown_elem;

static int elem_cmp(const void *a, const void *b)
{
    const shown_elem *x = a, *y = b;
    int c = memcmp(x->team, y->team, 16);
    return c ? c : memcmp(x->id, y->id, 16);
}

/* The request's rows as AUDIT_SHOWN_ROWS makes them from the kept residents (aligned uuid[]
 * literals), and its parameters; NULL when the arrays are not such literals. */
static struct app_shown *shown_make(const app_call *c, const app_kept *k)
{
    arena *a = c->req->arena;
    size_t max = strlen(k->ids) / 36 + 1;
    if (max > 100000)
        return NULL;
    uuid_bytes *id = arena_alloc(a, max * sizeof *id), *team = arena_alloc(a, max * sizeof *id),
               *fac = arena_alloc(a, max * sizeof *id);
    int n = read_uuids(k->ids, id, (int)max);
    if (n < 0 || read_uuids(k->teams, team, (int)max) != n ||
        read_uuids(k->facilities, fac, (int)max) != n)
        return NULL;
    shown_elem *e = arena_alloc(a, (size_t)n * sizeof *e + 1);
    for (int i = 0; i < n; i++) {
        memcpy(e[i].team, team[i], 16);
        memcpy(e[i].id, id[i], 16);
        memcpy(e[i].facility, fac[i], 16);
    }
    qsort(e, (size_t)n, sizeof *e, elem_cmp);

    struct app_shown *s = arena_alloc(a, sizeof *s);
    s->rows = arena_alloc(a, (size_t)n * sizeof *s->rows + 1);
    s->residents = arena_alloc(a, (size_t)n * sizeof *s->residents + 1);
    s->facilities = arena_alloc(a, (size_t)n * sizeof *s->facilities + 1);
    s->nrows = s->nresidents = 0;
    for (int i = 0; i < n;) {
        shown_row *w = &s->rows[s->nrows++];
        memcpy(w->team, e[i].team, 16);
        memcpy(w->facility, e[i].facility, 16);
        w->one_facility = true;
        w->shown = 0;
        int j = i;
        for (; j < n && memcmp(e[j].team, e[i].team, 16) == 0; j++) {
            if (j > i && memcmp(e[j].id, e[j - 1].id, 16) == 0)
                continue; /* a resident twice: once, as the database groups it */
            memcpy(s->residents[s->nresidents], e[j].id, 16);
            memcpy(s->facilities[s->nresidents], e[j].facility, 16);
            s->nresidents++;
            w->shown++;
            w->one_facility &= memcmp(e[j].facility, w->facility, 16) == 0;
        }
        w->with_facilities = w->shown > 1 && !w->one_facility;
        i = j;
    }
    char *sv = c->who->sv >= 0 ? arena_printf(a, "%ld", c->who->sv) : NULL;
    const char *p[REQUEST_PARAMS] = {
        c->who->user_id,    c->who->role,        c->who->org_id, sv,
        c->req->request_id, c->req->client_addr, k->action,      k->resource_type,
        app_access_purpose(c->req), k->version,  k->valid_until};
    for (int i = 0; i < REQUEST_PARAMS; i++)
        s->p[i] = p[i] ? arena_strdup(a, p[i]) : NULL;
    return s;
}

/* On the writer, after the batch: the kept page goes out, or is made anew on a worker, or
 * a problem goes out instead. */
static void shown_done(groupcommit_item *it)
{
    struct app_shown *s = it->data;
    if (it->result == APP_SHOWN_STALE) {
        http_resume_then(s->req, s->kept->stale, s->kept->arg);
        return;
    }
    if (it->result == APP_SHOWN_WRITTEN)
        atomic_fetch_add(s->kept->served, 1);
    else
        app_reply_audit_failed(s->req, it->result == APP_SHOWN_REFUSED);
    http_resume(s->req);
}

/* On the worker, the connection suspended: into the writer's queue. */
static void shown_start(http_request *req, void *arg)
{
    struct app_shown *s = arg;
    s->req = req;
    s->item = (groupcommit_item){.data = s, .result = APP_SHOWN_FAILED, .done = shown_done};
    if (!groupcommit_enqueue(writer, &s->item)) { /* the server is stopping */
        app_reply_audit_failed(req, false);
        http_resume(req);
    }
}

bool app_serve_kept(app_call *c, const app_kept *k)
{
    if (!writer || !c->who)
        return false;
    struct app_shown *s = shown_make(c, k);
    if (!s)
        return false;
    app_kept *copy = arena_alloc(c->req->arena, sizeof *copy);
    *copy = *k;
    copy->body = NULL;
    s->kept = copy;
    memmove(k->body, k->body + k->body_at, k->body_len + 1); /* the literals are read now */
    http_reply_owned(c->req, 200, "application/json; charset=utf-8", k->body, k->body_len);
    http_defer(c->req, shown_start, s);
    return true;
}

void audit_batch_metrics(char *buf, size_t len)
{
    if (!writer)
        return;
    groupcommit_stats st;
    groupcommit_get_stats(writer, &st);
    size_t n = strlen(buf);
    if (n >= len)
        return;
    snprintf(buf + n, len - n,
             "# HELP samspil_audit_batches_total Transactions that wrote list reads' audit "
             "rows for the requests waiting at the time (group commit).\n"
             "# TYPE samspil_audit_batches_total counter\n"
             "samspil_audit_batches_total %lu\n"
             "# HELP samspil_audit_batched_requests_total Requests whose audit rows those "
             "transactions wrote.\n"
             "# TYPE samspil_audit_batched_requests_total counter\n"
             "samspil_audit_batched_requests_total %lu\n"
             "# HELP samspil_audit_batch_largest Requests in the largest batch so far.\n"
             "# TYPE samspil_audit_batch_largest gauge\n"
             "samspil_audit_batch_largest %lu\n",
             st.batches, st.items, st.largest);
}
