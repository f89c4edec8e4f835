/*
 * pagecache: a bounded, thread-safe cache of byte strings under string keys,
 * evicting the least recently used entry when its byte budget is spent. Made
 * for rendered pages whose validity the caller proves elsewhere (the caseload
 * checks a version kept in PostgreSQL before it serves an entry again): the
 * cache itself only stores, bounds and forgets.
 */
#ifndef SAMSPIL_PAGECACHE_H
#define SAMSPIL_PAGECACHE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct pagecache pagecache;

/* What the cache holds now and has done, for metrics and tests. */
typedef struct pagecache_stats {
    size_t entries;         /* entries stored */
    size_t bytes;           /* bytes charged for them (keys, values, bookkeeping) */
    size_t max_bytes;       /* the budget */
    unsigned long evictions; /* entries dropped to make room */
} pagecache_stats;

/* A new empty cache that charges at most max_bytes for its entries (at least 4096).
 * NULL when out of memory or max_bytes is too small. Free with pagecache_free. */
pagecache *pagecache_new(size_t max_bytes);

/* Releases the cache and everything in it. NULL is allowed. No other thread may use it
 * during or after this call. */
void pagecache_free(pagecache *cache);

/* A malloc'd copy of the value stored under key (with a NUL after its len bytes, not
 * counted), or NULL when there is none. Marks the entry as recently used. key borrowed;
 * the caller frees the copy. Thread-safe. */
char *pagecache_get(pagecache *cache, const char *key, size_t *len);

/* Stores a copy of len bytes of value under key, replacing an entry of the same key, then
 * evicts the least recently used entries until the budget holds. A value larger than a
 * quarter of the budget is not stored (false); false also when out of memory. Borrowed
 * arguments. Thread-safe. */
bool pagecache_put(pagecache *cache, const char *key, const char *value, size_t len);

/* Removes the entry under key, if any. Thread-safe. */
void pagecache_remove(pagecache *cache, const char *key);

/* Current figures. Thread-safe. */
void pagecache_get_stats(pagecache *cache, pagecache_stats *out);

#endif
