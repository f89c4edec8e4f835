/*
 * arena: per-request memory. Everything with the lifetime of one HTTP request
 * is allocated here and released at once when the request completes, together
 * with registered cleanup callbacks for non-memory resources (PGresult, json_t).
 */
#ifndef SAMSPIL_ARENA_H
#define SAMSPIL_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct arena arena;

/* Creates an empty arena. Returns NULL when out of memory. */
arena *arena_new(void);

/* Runs the cleanup callbacks (last registered first) and frees all memory. NULL is allowed. */
void arena_free(arena *a);

/* Zeroed memory of n bytes, 16-byte aligned, owned by the arena. Aborts when out of memory:
 * a server that cannot allocate a few bytes per request cannot answer it either. */
void *arena_alloc(arena *a, size_t n);

/* Copies of strings, owned by the arena. arena_strdup(NULL) returns NULL. */
char *arena_strdup(arena *a, const char *s);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Registers fn(p) to run when the arena is freed (e.g. PQclear, json_decref). */
void arena_defer(arena *a, void (*fn)(void *), void *p);

#endif
