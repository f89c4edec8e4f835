/*
 * ttlcache: a small, bounded, thread-safe cache with absolute expiry times,
 * made for verified external (OIDC) tokens so each request need not repeat an
 * RSA verification. Keys are strings (the token); only a keyed BLAKE2b digest
 * of each key is stored, never the key itself. Values are fixed-size opaque
 * bytes copied in and out (e.g. a token_claims).
 *
 * When full, a put evicts the entry with the soonest expiry, which is always
 * an expired one if there is any. Entries at or past their expiry are never
 * returned.
 */
#ifndef SAMSPIL_TTLCACHE_H
#define SAMSPIL_TTLCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define TTLCACHE_VALUE_MAX 512          /* largest value in bytes */
#define TTLCACHE_CAPACITY_MAX (1u << 20) /* largest capacity ttlcache_new accepts */

typedef struct ttlcache ttlcache;

/* A new empty cache holding at most capacity entries (1..TTLCACHE_CAPACITY_MAX).
 * Returns NULL (errno EINVAL) for a capacity out of range, or when out of
 * memory or libsodium cannot start. Free with ttlcache_free. */
ttlcache *ttlcache_new(size_t capacity);

/* Releases the cache, wiping the stored values. NULL is allowed. No other
 * thread may use the cache during or after this call. */
void ttlcache_free(ttlcache *cache);

/*
 * Looks key up. When an entry exists with expires_at > now and a value of
 * exactly out_size bytes, copies it to out and returns true. Otherwise
 * returns false and leaves out untouched; an expired entry found on the way
 * is removed. key and out are borrowed. Thread-safe.
 */
bool ttlcache_get(ttlcache *cache, const char *key, time_t now, void *out, size_t out_size);

/*
 * Stores a copy of size bytes of value (1..TTLCACHE_VALUE_MAX) under key until
 * expires_at, replacing any entry with the same key. When the cache is full,
 * evicts the entry with the soonest expiry. key and value are borrowed.
 * Returns false only for invalid arguments. Thread-safe.
 */
bool ttlcache_put(ttlcache *cache, const char *key, const void *value, size_t size,
                  time_t expires_at);

/* Number of entries stored, expired ones included until they are evicted or
 * looked up. For metrics and tests. Thread-safe. */
size_t ttlcache_count(ttlcache *cache);

#endif
