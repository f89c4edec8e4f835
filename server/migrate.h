/*
 * migrate: ordered SQL files in MIGRATIONS_DIR ("0001_name.sql"), each applied
 * in its own transaction and recorded with its checksum in schema_migrations.
 * Applying twice is a no-op; the server compares the recorded list with the
 * files it ships and refuses to start on any difference.
 */
#ifndef SAMSPIL_MIGRATE_H
#define SAMSPIL_MIGRATE_H

#include <libpq-fe.h>
#include <stdbool.h>

/* "version checksum\n" for every migration file, in order (malloc'd), or NULL when the
 * directory cannot be read. */
char *migrate_expected(const char *dir);
/* The same lines from a result of (version, checksum) rows (malloc'd). */
char *migrate_lines_from_result(const PGresult *r);
/* Applies pending migrations with the owner connection conninfo. */
bool migrate_apply(const char *conninfo, const char *dir);
/* Explains how applied (from the database) differs from expected, on stderr. Returns true
 * when they are equal. */
bool migrate_compare(const char *applied, const char *expected);

/* How an applied schema stands to this build's migrations, without printing. */
typedef enum migrate_state {
    MIGRATE_SAME,   /* exactly this build's migrations */
    MIGRATE_NEWER,  /* this build's, and more after them: a newer release migrated it */
    MIGRATE_BEHIND, /* some of this build's are not applied yet */
    MIGRATE_DIFFERS /* a migration's checksum or name differs */
} migrate_state;
migrate_state migrate_state_of(const char *applied, const char *expected);

#endif
