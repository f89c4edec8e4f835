/*
 * migrate: the schema migration runner; see migrate.h.
 */
#include "migrate.h"

#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MIGRATIONS 1000

static bool is_migration(const char *name)
{
    size_t n = strlen(name);
    return n > 9 && name[0] >= '0' && name[0] <= '9' && name[1] >= '0' && name[1] <= '9' &&
           name[2] >= '0' && name[2] <= '9' && name[3] >= '0' && name[3] <= '9' &&
           name[4] == '_' && strcmp(name + n - 4, ".sql") == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted file names (malloc'd array of malloc'd strings); count in *n. */
static char **list_files(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char **names = calloc(MAX_MIGRATIONS, sizeof *names);
    *n = 0;
    struct dirent *e;
    while (names && (e = readdir(d)) && *n < MAX_MIGRATIONS)
        if (is_migration(e->d_name))
            names[(*n)++] = strdup(e->d_name);
    closedir(d);
    if (names)
        qsort(names, *n, sizeof *names, cmp_str);
    return names;
}

static void free_files(char **names, size_t n)
{
    for (size_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = size >= 0 ? malloc((size_t)size + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[size] = '\0';
        *len = (size_t)size;
    }
    return buf;
}

static void checksum(const char *text, size_t len, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)text, len);
    sodium_bin2hex(out, 65, h, sizeof h);
}

static void version_of(const char *file, char *out, size_t len)
{
    snprintf(out, len, "%.*s", (int)(strlen(file) - 4), file);
}

char *migrate_expected(const char *dir)
{
    size_t n = 0;
    char **files = list_files(dir, &n);
    if (!files)
        return NULL;
    size_t cap = n * 200 + 1;
    char *out = calloc(1, cap);
    size_t off = 0;
    for (size_t i = 0; out && i < n; i++) {
        char path[1024], version[256], sum[65];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        size_t len = 0;
        char *text = read_all(path, &len);
        if (!text) {
            free(out);
            out = NULL;
            break;
        }
        checksum(text, len, sum);
        free(text);
        version_of(files[i], version, sizeof version);
        off += (size_t)snprintf(out + off, cap - off, "%s %s\n", version, sum);
    }
    free_files(files, n);
    return out;
}

char *migrate_lines_from_result(const PGresult *r)
{
    size_t cap = (size_t)PQntuples(r) * 200 + 1;
    char *out = calloc(1, cap);
    size_t off = 0;
    for (int i = 0; out && i < PQntuples(r); i++)
        off += (size_t)snprintf(out + off, cap - off, "%s %s\n", PQgetvalue(r, i, 0),
                                PQgetvalue(r, i, 1));
    return out;
}

migrate_state migrate_state_of(const char *applied, const char *expected)
{
    size_t la = strlen(applied), le = strlen(expected);
    if (la == le && strcmp(applied, expected) == 0)
        return MIGRATE_SAME;
    /* whole lines: "version checksum\n" each */
    if (le < la && strncmp(applied, expected, le) == 0 && (le == 0 || expected[le - 1] == '\n'))
        return MIGRATE_NEWER;
    if (la < le && strncmp(applied, expected, la) == 0 && (la == 0 || applied[la - 1] == '\n'))
        return MIGRATE_BEHIND;
    return MIGRATE_DIFFERS;
}

bool migrate_compare(const char *applied, const char *expected)
{
    if (strcmp(applied, expected) == 0)
        return true;
    size_t la = strlen(applied), le = strlen(expected);
    if (la < le && strncmp(applied, expected, la) == 0)
        fprintf(stderr, "The database is behind this build: migrations are pending. Run "
                        "`samspil migrate` (or start with `serve --migrate`).\nPending:\n%s",
                expected + la);
    else if (le < la && strncmp(applied, expected, le) == 0)
        fprintf(stderr, "The database is ahead of this build: it has migrations this build "
                        "does not know. Deploy the newer build.\nUnknown:\n%s",
                applied + le);
    else
        fprintf(stderr, "The database's migrations differ from this build's (a migration "
                        "file was changed after it was applied?).\nDatabase:\n%sBuild:\n%s",
                applied, expected);
    return false;
}

static bool exec_ok(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "migrate: %s", PQerrorMessage(c));
    PQclear(r);
    return ok;
}

bool migrate_apply(const char *conninfo, const char *dir)
{
    bool ok = false;
    size_t n = 0;
    char **files = NULL;
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "migrate: cannot connect: %s", PQerrorMessage(c));
        goto out;
    }
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    /* One migrator at a time across instances. */
    if (!exec_ok(c, "SELECT pg_advisory_lock(74657301)") ||
        !exec_ok(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version text PRIMARY KEY, checksum text NOT NULL,"
                    " applied_at timestamptz NOT NULL DEFAULT now())"))
        goto out;
    files = list_files(dir, &n);
    if (!files) {
        fprintf(stderr, "migrate: cannot read MIGRATIONS_DIR %s\n", dir);
        goto out;
    }
    unsigned applied = 0;
    for (size_t i = 0; i < n; i++) {
        char path[1024], version[256], sum[65];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        version_of(files[i], version, sizeof version);
        const char *pv[] = {version};
        PGresult *r = PQexecParams(c, "SELECT checksum FROM schema_migrations WHERE version = $1",
                                   1, NULL, pv, NULL, NULL, 0);
        bool done = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
        char recorded[65] = "";
        if (done)
            snprintf(recorded, sizeof recorded, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
        size_t len = 0;
        char *text = read_all(path, &len);
        if (!text) {
            fprintf(stderr, "migrate: cannot read %s\n", path);
            goto out;
        }
        checksum(text, len, sum);
        if (done) {
            free(text);
            if (strcmp(recorded, sum) != 0) {
                fprintf(stderr, "migrate: %s was changed after it was applied; write a new "
                                "migration instead\n", files[i]);
                goto out;
            }
            continue;
        }
        bool step = exec_ok(c, "BEGIN") && exec_ok(c, text);
        free(text);
        if (step) {
            const char *pi[] = {version, sum};
            r = PQexecParams(c, "INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)",
                             2, NULL, pi, NULL, NULL, 0);
            step = PQresultStatus(r) == PGRES_COMMAND_OK;
            PQclear(r);
        }
        if (!step || !exec_ok(c, "COMMIT")) {
            fprintf(stderr, "migrate: %s failed; nothing of it was applied\n", files[i]);
            PQclear(PQexec(c, "ROLLBACK"));
            goto out;
        }
        fprintf(stderr, "migrate: applied %s\n", files[i]);
        applied++;
    }
    if (!exec_ok(c, "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'samspil_app') "
                    "THEN GRANT SELECT ON schema_migrations TO samspil_app; END IF; END $$"))
        goto out;
    fprintf(stderr, "migrate: %u applied, %zu in total, database is current\n", applied, n);
    ok = true;
out:
    free_files(files, n);
    PQfinish(c);
    return ok;
}
