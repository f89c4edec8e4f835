/*
 * arena: a chunked bump allocator with cleanup callbacks; see arena.h.
 */
#include "arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK 8192
#define ARENA_ALIGN 16

typedef struct arena_chunk {
    struct arena_chunk *next; /* previously filled chunk */
    size_t size;              /* usable bytes in data */
    size_t used;              /* bytes handed out */
    _Alignas(16) unsigned char data[];
} arena_chunk;

typedef struct arena_cleanup {
    struct arena_cleanup *next; /* registered earlier */
    void (*fn)(void *);
    void *p;
} arena_cleanup;

struct arena {
    arena_chunk *chunks;     /* current chunk first */
    arena_cleanup *cleanups; /* last registered first */
};

static arena_chunk *chunk_new(size_t min)
{
    size_t size = min > ARENA_CHUNK ? min : ARENA_CHUNK;
    arena_chunk *c = malloc(sizeof *c + size);
    if (!c) {
        fputs("arena: out of memory\n", stderr);
        abort();
    }
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

arena *arena_new(void)
{
    arena *a = calloc(1, sizeof *a);
    return a;
}

void arena_free(arena *a)
{
    if (!a)
        return;
    for (arena_cleanup *c = a->cleanups; c;) {
        arena_cleanup *next = c->next;
        c->fn(c->p);
        c = next;
    }
    for (arena_chunk *c = a->chunks; c;) {
        arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

void *arena_alloc(arena *a, size_t n)
{
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need == 0)
        need = ARENA_ALIGN;
    arena_chunk *c = a->chunks;
    if (!c || c->size - c->used < need) {
        c = chunk_new(need);
        c->next = a->chunks;
        a->chunks = c;
    }
    void *p = c->data + c->used;
    c->used += need;
    memset(p, 0, n);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *d = arena_alloc(a, n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *arena_strdup(arena *a, const char *s)
{
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_printf(arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *d = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return d;
}

void arena_defer(arena *a, void (*fn)(void *), void *p)
{
    arena_cleanup *c = arena_alloc(a, sizeof *c);
    c->fn = fn;
    c->p = p;
    c->next = a->cleanups;
    a->cleanups = c;
}
