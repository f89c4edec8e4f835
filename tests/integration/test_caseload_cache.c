/*
 * The caseload cache (server/residents.c, migration 0075) as the people relying on the
 * caseload would check it: a page served again is byte for byte the page, audited as the
 * page is; any change of what the page is made from (residents, visits, agendas, Monday
 * entries and mails) and the passing of a planned visit's start make the next read a fresh
 * one, showing the change; pages are kept apart by role and organisation; and with
 * CASELOAD_CACHE_MB=0 nothing is kept.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "it_check.h"
#include "json.h"

#define PAGE "/api/residents?status=active&limit=200"

/* A counter of the server in use by its full name (with labels); -1 if absent. */
static long metric(const char *name)
{
    it_response *r = it_request("GET", "/metrics", NULL, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    char needle[128];
    snprintf(needle, sizeof needle, "\n%s ", name);
    const char *at = strstr(r->body, needle);
    long n = at ? strtol(at + strlen(needle), NULL, 10) : -1;
    it_response_free(r);
    return n;
}

/* The cache counter for result (hit, stale, miss) on the server in use; -1 if absent. */
static long cache_count(const char *result)
{
    char name[96];
    snprintf(name, sizeof name, "samspil_caseload_cache_total{result=\"%s\"}", result);
    return metric(name);
}

/* Runs sql as the owner and returns the rows it touched (its command status count). */
static long owner_exec(const char *sql)
{
    PGconn *db = it_db_owner();
    PGresult *res = PQexec(db, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK,
                  "%s: %s", sql, PQerrorMessage(db));
    long n = strtol(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    PQfinish(db);
    return n;
}

static char *owner_value(const char *sql)
{
    PGconn *db = it_db_owner();
    char *v = it_db_value(db, sql);
    PQfinish(db);
    return v;
}

/* Audit rows of a request, and the residents they name, as "rows/residents". */
static char *audit_of(const it_response *r)
{
    char *rid = it_header(r, "X-Request-Id");
    ck_assert_ptr_nonnull(rid);
    PGconn *db = it_db_owner();
    const char *p[] = {rid};
    char *v = it_db_value_params(
        db,
        "SELECT count(*) || '/' || (SELECT count(DISTINCT u) FROM audit_log, "
        "  unnest(coalesce(resident_ids, ARRAY[resident_id])) u WHERE request_id = $1) "
        "FROM audit_log WHERE request_id = $1 AND action = 'search' AND outcome = 'allowed'",
        1, p);
    PQfinish(db);
    free(rid);
    ck_assert_ptr_nonnull(v);
    return v;
}

/* The page as token's caller reads it now. */
static it_response *read_page(const char *token)
{
    it_response *r = it_request("GET", PAGE, token, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    return r;
}

/* Reads the page twice and checks the second came from the cache, unchanged; returns the
 * page (the first reply). */
static it_response *read_kept(const char *token)
{
    it_response *first = read_page(token);
    long hits = cache_count("hit");
    it_response *again = read_page(token);
    ck_assert_int_eq(cache_count("hit"), hits + 1);
    ck_assert_str_eq(again->body, first->body);
    it_response_free(again);
    return first;
}

START_TEST(test_kept_page_is_the_page_and_audited_alike)
{
    char *staff = it_login("staff@engen.demo");
    it_response *first = read_page(staff);
    long hits = cache_count("hit");
    it_response *again = read_page(staff);
    ck_assert_int_eq(cache_count("hit"), hits + 1);
    ck_assert_str_eq(again->body, first->body);
    size_t n = json_array_size(json_object_get(first->json, "items"));
    ck_assert_uint_gt(n, 1);
    /* the same audit rows, naming the same residents, for the page served again */
    char *a1 = audit_of(first), *a2 = audit_of(again);
    ck_assert_str_eq(a2, a1);
    char want[32];
    snprintf(want, sizeof want, "/%zu", n);
    ck_assert_msg(strstr(a2, want), "audit %s for %zu residents", a2, n);
    free(a1);
    free(a2);
    it_response_free(first);
    it_response_free(again);
    free(staff);
}
END_TEST

/* After a change made by sql (touching at least one row), the next read of each caller's
 * page (token a, and b unless NULL) is not served from the cache. */
static void change_refreshes2(const char *a, const char *b, const char *sql)
{
    const char *tokens[] = {a, b};
    int n = b ? 2 : 1;
    for (int i = 0; i < n; i++)
        it_response_free(read_kept(tokens[i]));
    ck_assert_int_ge(owner_exec(sql), 1);
    for (int i = 0; i < n; i++) {
        long hits = cache_count("hit"), stale = cache_count("stale");
        it_response *page = read_page(tokens[i]);
        ck_assert_msg(cache_count("hit") == hits, "served from the cache after: %s", sql);
        ck_assert_int_eq(cache_count("stale"), stale + 1);
        it_response_free(page);
    }
}

static void change_refreshes(const char *token, const char *sql)
{
    change_refreshes2(token, NULL, sql);
}

START_TEST(test_every_source_of_the_page_refreshes_it)
{
    char *staff = it_login("staff@engen.demo");
    char *clin = it_login("clinician@slagelse.demo");
#define ENGEN "facility_id = '" IT_FACILITY_ENGEN "'"
    char sql[512];
    const char *changes[] = {
        "UPDATE residents SET safety_note = safety_note WHERE id = "
        "(SELECT id FROM residents WHERE " ENGEN " ORDER BY id LIMIT 1)",
        "UPDATE visits SET note = note WHERE id = (SELECT id FROM visits WHERE " ENGEN " "
        "AND status = 'planned' ORDER BY starts_at LIMIT 1)",
        /* a week no mail has been sent for (a sent week's entries are frozen) */
        "INSERT INTO monday_entries (resident_id, iso_week, needs_talk, priority, status_text, "
        "  author_id, team_id, facility_id) "
        "SELECT id, '2099-W01', true, 'normal', '', '" IT_USER_STAFF_ENGEN "', team_id, "
        "  facility_id FROM residents WHERE " ENGEN " ORDER BY id LIMIT 1",
        "DELETE FROM monday_entries WHERE iso_week = '2099-W01' AND " ENGEN,
        "UPDATE monday_mails SET talk_count = talk_count WHERE id = "
        "(SELECT id FROM monday_mails WHERE " ENGEN " ORDER BY id LIMIT 1)",
    };
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
        change_refreshes2(staff, clin, changes[i]); /* the facility's page and the team's */
    }

    /* an agenda: the resident now goes to the next visit that has it on its agenda */
    char *visit = owner_value("SELECT id FROM visits WHERE facility_id = '" IT_FACILITY_ENGEN
                              "' AND status = 'planned' AND starts_at > now() "
                              "ORDER BY starts_at DESC LIMIT 1");
    ck_assert_ptr_nonnull(visit);
    char *resident = it_new_resident(staff, "Viggo ", "1970-01-01");
    it_response *page = read_kept(staff);
    snprintf(sql, sizeof sql, "INSERT INTO visit_agenda (visit_id, resident_id) VALUES ('%s', '%s')",
             visit, resident);
    ck_assert_int_eq(owner_exec(sql), 1);
    it_response_free(page);
    page = read_page(staff);
    size_t k;
    json_t *it;
    bool found = false;
    json_array_foreach(json_object_get(page->json, "items"), k, it) {
        if (strcmp(json_str(it, "id"), resident) != 0)
            continue;
        json_t *next = json_object_get(it, "next_planned_conversation");
        ck_assert_str_eq(json_str(next, "visit_id"), visit);
        ck_assert(json_is_true(json_object_get(next, "on_agenda")));
        found = true;
    }
    ck_assert(found);
    it_response_free(page);
    snprintf(sql, sizeof sql, "DELETE FROM visit_agenda WHERE visit_id = '%s' AND resident_id = '%s'",
             visit, resident);
    change_refreshes(staff, sql);

    /* a change through the API: a resident created shows at once */
    page = read_kept(clin);
    it_response_free(page);
    char *created = it_new_resident(staff, "Ny ", "1971-02-02");
    page = read_page(clin);
    ck_assert_ptr_nonnull(strstr(page->body, created));
    it_response_free(page);

    free(created);
    free(resident);
    free(visit);
    free(clin);
    free(staff);
}
END_TEST

START_TEST(test_a_visit_that_begins_ends_the_kept_page)
{
    char *staff = it_login("staff@engen.demo");
    /* a planned visit of Engen's pair beginning in three seconds: the next for everyone */
    char *visit = owner_value(
        "INSERT INTO visits (team_id, facility_id, agreement_id, kind, starts_at, ends_at, "
        "  status, version) "
        "SELECT team_id, facility_id, agreement_id, 'extra', now() + interval '3 seconds', "
        "  now() + interval '1 hour', 'planned', 1 FROM visits WHERE facility_id = '"
        IT_FACILITY_ENGEN "' AND agreement_id IS NOT NULL LIMIT 1 RETURNING id");
    ck_assert_ptr_nonnull(visit);
    it_response *page = read_kept(staff);
    ck_assert_ptr_nonnull(strstr(page->body, visit));
    it_response_free(page);
    sleep(4);
    long stale = cache_count("stale");
    page = read_page(staff);
    ck_assert_int_eq(cache_count("stale"), stale + 1);
    ck_assert_ptr_null(strstr(page->body, visit)); /* begun: no longer the next */
    it_response_free(page);
    char sql[160];
    snprintf(sql, sizeof sql, "DELETE FROM visits WHERE id = '%s'", visit);
    ck_assert_int_eq(owner_exec(sql), 1);
    free(visit);
    free(staff);
}
END_TEST

START_TEST(test_pages_are_kept_apart_by_role_and_organisation)
{
    char *clin = it_login("clinician@slagelse.demo");
    char *staff = it_login("staff@engen.demo");
    char *skoven = it_login("staff@skoven.demo");
    char *admin = it_login("admin@samspil.demo");
    it_response *team = read_kept(clin);
    it_response *engen = read_kept(staff);
    it_response *other = read_kept(skoven);
    ck_assert_str_ne(engen->body, team->body);
    ck_assert_str_ne(other->body, engen->body);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(engen->json, "items"), i, it)
        ck_assert_str_eq(json_str(it, "facility_id"), IT_FACILITY_ENGEN);
    json_array_foreach(json_object_get(other->json, "items"), i, it)
        ck_assert_str_eq(json_str(it, "facility_id"), IT_FACILITY_SKOVEN);
    /* the admin, after all of them: still no resident data */
    it_response *none = it_request("GET", PAGE, admin, NULL, NULL);
    IT_ASSERT_PROBLEM(none, 403, "forbidden");
    it_response_free(none);
    it_response_free(team);
    it_response_free(engen);
    it_response_free(other);
    free(admin);
    free(skoven);
    free(staff);
    free(clin);
}
END_TEST

START_TEST(test_cache_off_keeps_nothing)
{
    const char *env[] = {"CASELOAD_CACHE_MB=0", NULL};
    it_server *s = it_server_start_another(env);
    it_use_server(s);
    char *staff = it_login("staff@engen.demo");
    it_response *a = read_page(staff), *b = read_page(staff);
    ck_assert_str_eq(a->body, b->body);
    ck_assert_int_eq(cache_count("hit"), -1); /* no cache, no figures */
    it_response_free(a);
    it_response_free(b);
    free(staff);
    ck_assert_int_eq(it_server_stop_another(s), 0);
}
END_TEST

/* The audit rows of request rid as text, one line per row in team order, with everything
 * but the row's id, time and request id; NULL when it has none. */
static char *rows_of_request(const char *rid)
{
    PGconn *db = it_db_owner();
    const char *p[] = {rid};
    char *v = it_db_value_params(
        db,
        "SELECT string_agg(concat_ws('|', user_id, user_name, user_role, org_id, action, "
        "  resource_type, resource_id, resident_id, resident_ids, facility_ids, team_id, "
        "  facility_id, purpose, outcome, client_addr, encode(shown, 'hex')), E'\\n' "
        "  ORDER BY team_id) FROM audit_log WHERE request_id = $1",
        1, p);
    PQfinish(db);
    return v;
}

/* The same for the request r answered. */
static char *rows_of(const it_response *r)
{
    char *rid = it_header(r, "X-Request-Id");
    ck_assert_ptr_nonnull(rid);
    char *v = rows_of_request(rid);
    free(rid);
    return v;
}

START_TEST(test_kept_page_writes_the_rows_the_page_writes)
{
    /* a server of its own: its first read of each page is made anew */
    it_server *s = it_server_start_another(NULL);
    it_use_server(s);
    ck_assert_int_ge(metric("samspil_audit_batches_total"), 0);
    const char *callers[] = {"clinician@slagelse.demo", "staff@engen.demo",
                             "manager@engen.demo", "manager@slagelse.demo"};
    for (size_t i = 0; i < sizeof callers / sizeof *callers; i++) {
        char *token = it_login(callers[i]);
        long misses = cache_count("miss"), batched = metric("samspil_audit_batched_requests_total");
        it_response *made = read_page(token);
        ck_assert_int_eq(cache_count("miss"), misses + 1);
        it_response *kept = read_page(token);
        ck_assert_str_eq(kept->body, made->body);
        ck_assert_int_eq(metric("samspil_audit_batched_requests_total"), batched + 1);
        char *want = rows_of(made), *got = rows_of(kept);
        size_t n = json_array_size(json_object_get(made->json, "items"));
        if (n == 0) {
            ck_assert_ptr_null(want);
            ck_assert_ptr_null(got);
        } else {
            ck_assert_msg(want != NULL, "%s: no audit row for %zu residents", callers[i], n);
            ck_assert_msg(got && strcmp(got, want) == 0, "%s: kept page audited as\n%s\nnot\n%s",
                          callers[i], got ? got : "(nothing)", want);
        }
        free(want);
        free(got);
        it_response_free(made);
        it_response_free(kept);
        free(token);
    }
    it_use_server(NULL);
    ck_assert_int_eq(it_server_stop_another(s), 0);
}
END_TEST

enum { READERS = 8, READS_EACH = 12 };

typedef struct reader {
    const char *token;
    char *request_ids[READS_EACH];
    char *bodies_differ; /* the first body that differed from the page, or NULL */
    const char *page;
} reader;

static void *read_many(void *p)
{
    reader *r = p;
    for (int i = 0; i < READS_EACH; i++) {
        it_response *res = it_request("GET", PAGE, r->token, NULL, NULL);
        r->request_ids[i] = res->status == 200 ? it_header(res, "X-Request-Id") : NULL;
        if (!r->bodies_differ && (res->status != 200 || strcmp(res->body, r->page) != 0))
            r->bodies_differ = strdup(res->body ? res->body : "");
        it_response_free(res);
    }
    return NULL;
}

START_TEST(test_pages_read_at_once_are_each_audited_once)
{
    const char *env[] = {"WORKER_THREADS=16", "DB_POOL_SIZE=4", "RATE_LIMIT_PER_MINUTE=100000",
                         NULL};
    it_server *s = it_server_start_another(env);
    it_use_server(s);
    char *token = it_login("clinician@slagelse.demo");
    it_response *page = read_kept(token); /* kept now */
    char *want = rows_of(page);
    ck_assert_ptr_nonnull(want);
    long batches = metric("samspil_audit_batches_total");
    long batched = metric("samspil_audit_batched_requests_total");

    pthread_t t[READERS];
    reader r[READERS];
    for (int i = 0; i < READERS; i++) {
        r[i] = (reader){.token = token, .page = page->body};
        ck_assert_int_eq(pthread_create(&t[i], NULL, read_many, &r[i]), 0);
    }
    for (int i = 0; i < READERS; i++)
        pthread_join(t[i], NULL);

    /* every read answered with the page, and has exactly the rows of the page */
    for (int i = 0; i < READERS; i++) {
        ck_assert_msg(!r[i].bodies_differ, "a reader got %.200s", r[i].bodies_differ);
        for (int k = 0; k < READS_EACH; k++) {
            ck_assert_ptr_nonnull(r[i].request_ids[k]);
            char *rows = rows_of_request(r[i].request_ids[k]);
            ck_assert_msg(rows && strcmp(rows, want) == 0, "read %s audited as %s",
                          r[i].request_ids[k], rows ? rows : "(nothing)");
            free(rows);
            free(r[i].request_ids[k]);
        }
        free(r[i].bodies_differ);
    }
    /* written by group commit: every read in a batch, in fewer batches than reads */
    long reads = READERS * READS_EACH;
    ck_assert_int_eq(metric("samspil_audit_batched_requests_total"), batched + reads);
    long used = metric("samspil_audit_batches_total") - batches;
    ck_assert_int_ge(used, 1);
    ck_assert_int_le(used, reads);
    free(want);
    it_response_free(page);
    free(token);
    it_use_server(NULL);
    ck_assert_int_eq(it_server_stop_another(s), 0);
}
END_TEST

/* The value of the labelled metric line (e.g. name{by="request"}); -1 if absent. */
static long metric_line(const char *line)
{
    it_response *r = it_request("GET", "/metrics", NULL, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    char needle[160];
    snprintf(needle, sizeof needle, "\n%s ", line);
    const char *at = strstr(r->body, needle);
    long n = at ? strtol(at + strlen(needle), NULL, 10) : -1;
    it_response_free(r);
    return n;
}

typedef struct herd_reader {
    const char *token;
    pthread_barrier_t *start;
    it_response *res;
} herd_reader;

static void *read_at_once(void *p)
{
    herd_reader *h = p;
    pthread_barrier_wait(h->start);
    h->res = it_request("GET", PAGE, h->token, NULL, NULL);
    return NULL;
}

/* A kept page that runs out while many read it: each reader gets the page as it is now,
 * audited once; the page found out of date is made by one request, or by several one after
 * the other, and the others that asked meanwhile wait for it and are served it as kept. */
START_TEST(test_a_page_out_of_date_read_at_once_is_made_for_all)
{
    enum { HERD = 12 };
    const char *env[] = {"WORKER_THREADS=16", "DB_POOL_SIZE=4", "RATE_LIMIT_PER_MINUTE=100000",
                         NULL};
    it_server *s = it_server_start_another(env);
    it_use_server(s);
    char *token = it_login("staff@engen.demo");
    for (int round = 0; round < 3; round++) {
        it_response_free(read_kept(token));
        long stale = cache_count("stale") + cache_count("miss");
        long made = metric_line("samspil_caseload_cache_made_total{by=\"request\"}");
        long waited = metric_line("samspil_caseload_cache_made_total{by=\"another\"}");
        ck_assert_int_ge(made, 0);
        ck_assert_int_eq(owner_exec("UPDATE residents SET safety_note = safety_note WHERE id = "
                                    "(SELECT id FROM residents WHERE facility_id = '"
                                    IT_FACILITY_ENGEN "' ORDER BY id LIMIT 1)"),
                         1);
        pthread_barrier_t start;
        pthread_barrier_init(&start, NULL, HERD);
        pthread_t t[HERD];
        herd_reader h[HERD];
        for (int i = 0; i < HERD; i++) {
            h[i] = (herd_reader){.token = token, .start = &start};
            ck_assert_int_eq(pthread_create(&t[i], NULL, read_at_once, &h[i]), 0);
        }
        for (int i = 0; i < HERD; i++)
            pthread_join(t[i], NULL);
        pthread_barrier_destroy(&start);

        it_response *now = read_page(token); /* the page as it is now, kept */
        char *want = rows_of(now);
        ck_assert_ptr_nonnull(want);
        for (int i = 0; i < HERD; i++) {
            IT_ASSERT_STATUS(h[i].res, 200);
            ck_assert_str_eq(h[i].res->body, now->body);
            char *rid = it_header(h[i].res, "X-Request-Id");
            char *rows = rows_of_request(rid);
            ck_assert_msg(rows && strcmp(rows, want) == 0, "reader %d audited as %s", i,
                          rows ? rows : "(nothing)");
            free(rows);
            free(rid);
            it_response_free(h[i].res);
        }
        /* every reader that found it out of date (or none) made it or waited for it */
        long stale_now = cache_count("stale") + cache_count("miss") - stale;
        long made_now =
            metric_line("samspil_caseload_cache_made_total{by=\"request\"}") - made;
        long waited_now =
            metric_line("samspil_caseload_cache_made_total{by=\"another\"}") - waited;
        ck_assert_int_ge(stale_now, 1);
        ck_assert_int_ge(made_now, 1);
        ck_assert_int_eq(made_now + waited_now, stale_now);
        free(want);
        it_response_free(now);
    }
    free(token);
    it_use_server(NULL);
    ck_assert_int_eq(it_server_stop_another(s), 0);
}
END_TEST

/* A token of a new account (role of org) whose page was kept, then the account
 * deactivated by the admin: its session is no longer valid. */
static char *token_after_deactivation(const char *role, const char *org)
{
    char *admin = it_login("admin@samspil.demo");
    char *email = NULL;
    char *id = it_create_user(admin, role, org, "kept-password-1", &email);
    char *token = it_login_as(email, "kept-password-1");
    ck_assert_ptr_nonnull(token);
    it_response_free(read_kept(token));
    char path[128];
    snprintf(path, sizeof path, "/api/users/%s", id);
    it_response *r = it_request("PATCH", path, admin, "{\"active\":false}", NULL);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);
    free(email);
    free(id);
    free(admin);
    return token;
}

/* Without group commit (AUDIT_BATCH_MAX=0) a kept page is checked and audited in the
 * request's own transaction: the same page, the same rows, refreshed by a change, refused
 * once the session ended. */
START_TEST(test_kept_page_without_group_commit)
{
    const char *env[] = {"AUDIT_BATCH_MAX=0", NULL};
    it_server *s = it_server_start_another(env);
    it_use_server(s);
    ck_assert_int_eq(metric("samspil_audit_batches_total"), -1); /* no writer */
    char *staff = it_login("staff@engen.demo");
    it_response *made = read_page(staff);
    it_response *kept = read_kept(staff);
    char *want = rows_of(made), *got = rows_of(kept);
    ck_assert_ptr_nonnull(want);
    ck_assert_msg(got && strcmp(got, want) == 0, "kept page audited as\n%s\nnot\n%s",
                  got ? got : "(nothing)", want);
    free(want);
    free(got);
    change_refreshes(staff, "UPDATE residents SET safety_note = safety_note WHERE id = "
                            "(SELECT id FROM residents WHERE facility_id = '" IT_FACILITY_ENGEN
                            "' ORDER BY id LIMIT 1)");

    char *token = token_after_deactivation("facility_staff", IT_FACILITY_ENGEN);
    it_response *r = it_request("GET", PAGE, token, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 401, NULL);
    it_response_free(r);

    free(token);
    it_response_free(made);
    it_response_free(kept);
    free(staff);
    it_use_server(NULL);
    ck_assert_int_eq(it_server_stop_another(s), 0);
}
END_TEST

/* A kept page is checked with its reader's session: once the account is deactivated its
 * token gets 401 and no page, and no audit row names a resident for that request. */
START_TEST(test_kept_page_refused_once_the_session_ended)
{
    char *token = token_after_deactivation("region_clinician", IT_TEAM_SLAGELSE);
    long hits = cache_count("hit");
    it_response *r = it_request("GET", PAGE, token, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 401, NULL);
    ck_assert_ptr_null(strstr(r->body, "\"items\""));
    ck_assert_int_eq(cache_count("hit"), hits);
    char *rid = it_header(r, "X-Request-Id");
    ck_assert_ptr_nonnull(rid);
    char *rows = rows_of_request(rid);
    ck_assert_msg(rows == NULL || rows[0] == '\0', "audited for a refused read: %s", rows);
    free(rows);
    free(rid);
    it_response_free(r);
    free(token);
}
END_TEST

/* The writer's function checks each request's identity as app_begin does: a request of an
 * account whose session ended, of a role or organisation not the account's, or with an
 * action other than a read gets no row; the others in the same call do. It checks each
 * page as CASELOAD_CURRENT does: a request whose caseload version is not the current one,
 * or whose time facts ran out, gets no row and is answered as not current. Called as the
 * application role, which may not write audit rows for others otherwise, in one snapshot
 * with the reading of the current version. */
START_TEST(test_group_commit_writes_only_for_valid_identities)
{
    char *tag = it_unique("gc");
    PGconn *app = it_db_app();
    PGconn *db = it_db_owner();
    char *sv = it_db_value(db, "SELECT session_version FROM users WHERE id = '"
                                   IT_USER_CLINICIAN_SLAGELSE "'");
    char *wrong_sv = it_db_value(db, "SELECT session_version + 1 FROM users WHERE id = '"
                                         IT_USER_CLINICIAN_SLAGELSE "'");
    char users[512], svs[128], rids[512];
    /* 1 valid; 2 an ended session; 3 a role not the account's; 4 another organisation;
     * 5 a change, not a read; 6 valid, with two teams' rows; 7 valid, its page made at an
     * earlier version; 8 valid, its page's time facts ran out; 9 valid, no page to check */
    snprintf(users, sizeof users, "{%s,%s,%s,%s,%s,%s,%s,%s,%s}", IT_USER_CLINICIAN_SLAGELSE,
             IT_USER_CLINICIAN_SLAGELSE, IT_USER_CLINICIAN_SLAGELSE, IT_USER_CLINICIAN_SLAGELSE,
             IT_USER_CLINICIAN_SLAGELSE, IT_USER_CLINICIAN_SLAGELSE, IT_USER_CLINICIAN_SLAGELSE,
             IT_USER_CLINICIAN_SLAGELSE, IT_USER_CLINICIAN_SLAGELSE);
    snprintf(svs, sizeof svs, "{%s,%s,%s,%s,%s,%s,%s,%s,%s}", sv, wrong_sv, sv, sv, sv, sv, sv,
             sv, sv);
    snprintf(rids, sizeof rids, "{%s-1,%s-2,%s-3,%s-4,%s-5,%s-6,%s-7,%s-8,%s-9}", tag, tag, tag,
             tag, tag, tag, tag, tag, tag);
    const char *params[] = {
        users,
        "{region_clinician,region_clinician,region_manager,region_clinician,region_clinician,"
        "region_clinician,region_clinician,region_clinician,region_clinician}",
        "{" IT_TEAM_SLAGELSE "," IT_TEAM_SLAGELSE "," IT_TEAM_SLAGELSE "," IT_TEAM_HOLBAEK ","
        IT_TEAM_SLAGELSE "," IT_TEAM_SLAGELSE "," IT_TEAM_SLAGELSE "," IT_TEAM_SLAGELSE ","
        IT_TEAM_SLAGELSE "}",
        svs, rids,
        "{127.0.0.1,127.0.0.1,127.0.0.1,127.0.0.1,127.0.0.1,127.0.0.1,127.0.0.1,127.0.0.1,"
        "127.0.0.1}",
        "{search,search,search,search,update,search,search,search,search}",
        "{resident,resident,resident,resident,resident,resident,resident,resident,resident}",
        "{/api/residents,/api/residents,/api/residents,/api/residents,/api/residents,"
        "/api/residents,/api/residents,/api/residents,/api/residents}",
        /* rows: each request one row of two residents; request 6 also one of one */
        "{1,2,3,4,5,6,6,7,8,9}",
        "{" IT_TEAM_SLAGELSE "," IT_TEAM_SLAGELSE "," IT_TEAM_SLAGELSE "," IT_TEAM_SLAGELSE ","
        IT_TEAM_SLAGELSE "," IT_TEAM_SLAGELSE "," IT_TEAM_HOLBAEK "," IT_TEAM_SLAGELSE ","
        IT_TEAM_SLAGELSE "," IT_TEAM_SLAGELSE "}",
        "{NULL,NULL,NULL,NULL,NULL,NULL," IT_FACILITY_SKOVEN ",NULL,NULL,NULL}",
        "{2,2,2,2,2,2,1,2,2,2}",
        "{t,t,t,t,t,t,f,t,t,t}",
        "{" IT_RESIDENT_ENGEN_1 "," IT_RESIDENT_SKOVEN_1 "," IT_RESIDENT_ENGEN_1 ","
        IT_RESIDENT_SKOVEN_1 "," IT_RESIDENT_ENGEN_1 "," IT_RESIDENT_SKOVEN_1 ","
        IT_RESIDENT_ENGEN_1 "," IT_RESIDENT_SKOVEN_1 "," IT_RESIDENT_ENGEN_1 ","
        IT_RESIDENT_SKOVEN_1 "," IT_RESIDENT_ENGEN_1 "," IT_RESIDENT_SKOVEN_1 ","
        IT_RESIDENT_SKOVEN_1 "," IT_RESIDENT_ENGEN_1 "," IT_RESIDENT_SKOVEN_1 ","
        IT_RESIDENT_ENGEN_1 "," IT_RESIDENT_SKOVEN_1 "," IT_RESIDENT_ENGEN_1 ","
        IT_RESIDENT_SKOVEN_1 "}",
        "{" IT_FACILITY_ENGEN "," IT_FACILITY_SKOVEN "," IT_FACILITY_ENGEN ","
        IT_FACILITY_SKOVEN "," IT_FACILITY_ENGEN "," IT_FACILITY_SKOVEN "," IT_FACILITY_ENGEN
        "," IT_FACILITY_SKOVEN "," IT_FACILITY_ENGEN "," IT_FACILITY_SKOVEN ","
        IT_FACILITY_ENGEN "," IT_FACILITY_SKOVEN "," IT_FACILITY_SKOVEN ","
        IT_FACILITY_ENGEN "," IT_FACILITY_SKOVEN "," IT_FACILITY_ENGEN "," IT_FACILITY_SKOVEN
        "," IT_FACILITY_ENGEN "," IT_FACILITY_SKOVEN "}",
    };
    /* as the clinician, whose organisation's version the application role may read */
    const char *begin[] = {IT_USER_CLINICIAN_SLAGELSE, "region_clinician", IT_TEAM_SLAGELSE, sv};
    PGresult *res = PQexec(app, "BEGIN ISOLATION LEVEL REPEATABLE READ");
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    res = PQexecParams(app, "SELECT app_begin($1, $2, $3, $4, 'test', '127.0.0.1')", 4, NULL,
                       begin, NULL, NULL, 0);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQerrorMessage(app));
    PQclear(res);
    char *written = it_db_value_params(
        app,
        "WITH v AS (SELECT coalesce((SELECT version FROM caseload_versions "
        "  WHERE org_id = (SELECT app_org_id())), 0) AS now_at) "
        "SELECT string_agg(n || ':' || current, ',' ORDER BY n) FROM v, audit_log_append_shown("
        "$1::uuid[], $2::text[], $3::uuid[], $4::integer[], $5::text[], $6::text[], $7::text[], "
        "$8::text[], $9::text[], ARRAY[v.now_at, v.now_at, v.now_at, v.now_at, v.now_at, "
        "  v.now_at, v.now_at - 1, v.now_at, NULL], "
        "ARRAY['infinity', 'infinity', 'infinity', 'infinity', 'infinity', 'infinity', "
        "  'infinity', now() - interval '1 second', NULL]::timestamptz[], "
        "$10::integer[], $11::uuid[], $12::uuid[], $13::integer[], $14::boolean[], $15::uuid[], "
        "$16::uuid[])",
        16, params);
    res = PQexec(app, "COMMIT");
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    ck_assert_ptr_nonnull(written);
    ck_assert_str_eq(written, "1:true,6:true,7:false,8:false,9:true");

    char like[128];
    snprintf(like, sizeof like, "%s-%%", tag);
    const char *lp[] = {like};
    char *rows = it_db_value_params(
        db,
        "SELECT string_agg(concat_ws('|', request_id, user_name, team_id, facility_id, "
        "  resident_id, resource_id, resident_ids, facility_ids, shown IS NOT NULL), "
        "  E'\\n' ORDER BY request_id, team_id) FROM audit_log WHERE request_id LIKE $1",
        1, lp);
    char want[2048];
    snprintf(want, sizeof want,
             "%s-1|Camilla Kristensen|" IT_TEAM_SLAGELSE "|{" IT_RESIDENT_ENGEN_1 ","
             IT_RESIDENT_SKOVEN_1 "}|{" IT_FACILITY_ENGEN "," IT_FACILITY_SKOVEN "}|t\n"
             "%s-6|Camilla Kristensen|" IT_TEAM_SLAGELSE "|{" IT_RESIDENT_ENGEN_1 ","
             IT_RESIDENT_SKOVEN_1 "}|{" IT_FACILITY_ENGEN "," IT_FACILITY_SKOVEN "}|t\n"
             "%s-6|Camilla Kristensen|" IT_TEAM_HOLBAEK "|" IT_FACILITY_SKOVEN "|"
             IT_RESIDENT_SKOVEN_1 "|" IT_RESIDENT_SKOVEN_1 "|f\n"
             "%s-9|Camilla Kristensen|" IT_TEAM_SLAGELSE "|{" IT_RESIDENT_ENGEN_1 ","
             IT_RESIDENT_SKOVEN_1 "}|{" IT_FACILITY_ENGEN "," IT_FACILITY_SKOVEN "}|t",
             tag, tag, tag, tag);
    ck_assert_msg(rows && strcmp(rows, want) == 0, "rows:\n%s\nwanted:\n%s",
                  rows ? rows : "(none)", want);

    /* nobody else may call it */
    res = PQexec(db, "SELECT has_function_privilege('public', "
                     "'audit_log_append_shown(uuid[], text[], uuid[], integer[], text[], "
                     "text[], text[], text[], text[], bigint[], timestamptz[], integer[], "
                     "uuid[], uuid[], integer[], boolean[], uuid[], uuid[])', 'EXECUTE')");
    ck_assert_str_eq(PQgetvalue(res, 0, 0), "f");
    PQclear(res);
    free(rows);
    free(written);
    free(sv);
    free(wrong_sv);
    free(tag);
    PQfinish(app);
    PQfinish(db);
}
END_TEST

int main(void)
{
    it_server_start(NULL);
    Suite *s = suite_create("caseload_cache");
    TCase *tc = tcase_create("caseload_cache");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_kept_page_is_the_page_and_audited_alike);
    tcase_add_test(tc, test_every_source_of_the_page_refreshes_it);
    tcase_add_test(tc, test_a_visit_that_begins_ends_the_kept_page);
    tcase_add_test(tc, test_pages_are_kept_apart_by_role_and_organisation);
    tcase_add_test(tc, test_cache_off_keeps_nothing);
    tcase_add_test(tc, test_kept_page_writes_the_rows_the_page_writes);
    tcase_add_test(tc, test_pages_read_at_once_are_each_audited_once);
    tcase_add_test(tc, test_kept_page_refused_once_the_session_ended);
    tcase_add_test(tc, test_kept_page_without_group_commit);
    tcase_add_test(tc, test_a_page_out_of_date_read_at_once_is_made_for_all);
    tcase_add_test(tc, test_group_commit_writes_only_for_valid_identities);
    suite_add_tcase(s, tc);
    return it_run_suite(s);
}
