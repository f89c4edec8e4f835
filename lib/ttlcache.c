/*
 * ttlcache: fixed arrays allocated once (entries plus a chained hash index on
 * the key digest), one mutex around all of it. Lookups are O(1); only a put
 * into a full cache scans every entry to pick the victim, which keeps the
 * structure simple and is cheap next to the RSA verification the cache saves.
 */
#include "ttlcache.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TTLCACHE_DIGEST_LEN 32
#define TTLCACHE_NONE UINT32_MAX

typedef struct ttlcache_entry {
    unsigned char digest[TTLCACHE_DIGEST_LEN]; /* keyed BLAKE2b of the key string */
    time_t expires_at;                         /* absolute; the entry is dead from then on */
    size_t size;                               /* bytes used in value */
    uint32_t next;                             /* next in bucket chain or free list */
    unsigned char value[TTLCACHE_VALUE_MAX];
} ttlcache_entry;

struct ttlcache {
    pthread_mutex_t lock;         /* guards everything below except hash_key */
    ttlcache_entry *entries;      /* capacity slots */
    uint32_t *buckets;            /* nbuckets chain heads, TTLCACHE_NONE when empty */
    size_t capacity;
    size_t nbuckets;              /* power of two, >= 2 * capacity */
    size_t count;                 /* slots in use */
    uint32_t free_head;           /* first unused slot */
    /* Random per cache, written once before sharing: digests are meaningless
     * outside this process and an attacker cannot aim tokens at one bucket. */
    unsigned char hash_key[crypto_generichash_KEYBYTES];
};

ttlcache *ttlcache_new(size_t capacity)
{
    ttlcache *c = NULL;

    if (capacity == 0 || capacity > TTLCACHE_CAPACITY_MAX) {
        errno = EINVAL;
        return NULL;
    }
    if (sodium_init() < 0)
        return NULL;

    c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->capacity = capacity;
    c->nbuckets = 1;
    while (c->nbuckets < capacity * 2)
        c->nbuckets <<= 1;
    c->entries = calloc(capacity, sizeof *c->entries);
    c->buckets = malloc(c->nbuckets * sizeof *c->buckets);
    if (!c->entries || !c->buckets)
        goto fail;
    if (pthread_mutex_init(&c->lock, NULL) != 0)
        goto fail;

    for (size_t i = 0; i < c->nbuckets; i++)
        c->buckets[i] = TTLCACHE_NONE;
    for (size_t i = 0; i < capacity; i++)
        c->entries[i].next = i + 1 < capacity ? (uint32_t)(i + 1) : TTLCACHE_NONE;
    c->free_head = 0;
    randombytes_buf(c->hash_key, sizeof c->hash_key);
    return c;

fail:
    free(c->entries);
    free(c->buckets);
    free(c);
    return NULL;
}

void ttlcache_free(ttlcache *cache)
{
    if (!cache)
        return;
    pthread_mutex_destroy(&cache->lock);
    /* Values are identities of logged-in users: do not leave them in freed memory. */
    sodium_memzero(cache->entries, cache->capacity * sizeof *cache->entries);
    sodium_memzero(cache->hash_key, sizeof cache->hash_key);
    free(cache->entries);
    free(cache->buckets);
    free(cache);
}

/* Hashing happens outside the lock; hash_key never changes after ttlcache_new. */
static void ttlcache_digest(const ttlcache *c, const char *key,
                            unsigned char digest[TTLCACHE_DIGEST_LEN])
{
    crypto_generichash(digest, TTLCACHE_DIGEST_LEN, (const unsigned char *)key, strlen(key),
                       c->hash_key, sizeof c->hash_key);
}

static size_t ttlcache_bucket(const ttlcache *c, const unsigned char *digest)
{
    uint64_t h;
    memcpy(&h, digest, sizeof h);
    return (size_t)(h & (c->nbuckets - 1));
}

/* Slot holding digest, or TTLCACHE_NONE. Caller holds the lock. */
static uint32_t ttlcache_find(const ttlcache *c, const unsigned char *digest)
{
    for (uint32_t i = c->buckets[ttlcache_bucket(c, digest)]; i != TTLCACHE_NONE;
         i = c->entries[i].next)
        if (memcmp(c->entries[i].digest, digest, TTLCACHE_DIGEST_LEN) == 0)
            return i;
    return TTLCACHE_NONE;
}

/* Unlinks slot idx from its chain and returns it to the free list. Caller holds the lock. */
static void ttlcache_remove(ttlcache *c, uint32_t idx)
{
    ttlcache_entry *e = &c->entries[idx];
    uint32_t *link = &c->buckets[ttlcache_bucket(c, e->digest)];

    while (*link != idx)
        link = &c->entries[*link].next;
    *link = e->next;

    sodium_memzero(e, sizeof *e);
    e->next = c->free_head;
    c->free_head = idx;
    c->count--;
}

/* The entry with the soonest expiry: any expired one sorts first. Caller holds
 * the lock and the cache is full, so there is one. */
static uint32_t ttlcache_victim(const ttlcache *c)
{
    uint32_t best = 0;
    for (uint32_t i = 1; i < c->capacity; i++)
        if (c->entries[i].expires_at < c->entries[best].expires_at)
            best = i;
    return best;
}

bool ttlcache_get(ttlcache *cache, const char *key, time_t now, void *out, size_t out_size)
{
    unsigned char digest[TTLCACHE_DIGEST_LEN];
    bool found = false;

    if (!cache || !key || !out)
        return false;
    ttlcache_digest(cache, key, digest);

    pthread_mutex_lock(&cache->lock);
    uint32_t idx = ttlcache_find(cache, digest);
    if (idx == TTLCACHE_NONE)
        goto out;
    ttlcache_entry *e = &cache->entries[idx];
    if (e->expires_at <= now) {
        ttlcache_remove(cache, idx);
        goto out;
    }
    /* A size mismatch means the caller expects another type: a partial copy
     * would be worse than a miss. */
    if (e->size != out_size)
        goto out;
    memcpy(out, e->value, out_size);
    found = true;

out:
    pthread_mutex_unlock(&cache->lock);
    return found;
}

bool ttlcache_put(ttlcache *cache, const char *key, const void *value, size_t size,
                  time_t expires_at)
{
    unsigned char digest[TTLCACHE_DIGEST_LEN];

    if (!cache || !key || !value || size == 0 || size > TTLCACHE_VALUE_MAX)
        return false;
    ttlcache_digest(cache, key, digest);

    pthread_mutex_lock(&cache->lock);
    uint32_t idx = ttlcache_find(cache, digest);
    if (idx == TTLCACHE_NONE) {
        if (cache->free_head == TTLCACHE_NONE)
            ttlcache_remove(cache, ttlcache_victim(cache));
        idx = cache->free_head;
        ttlcache_entry *e = &cache->entries[idx];
        cache->free_head = e->next;
        memcpy(e->digest, digest, sizeof e->digest);
        size_t b = ttlcache_bucket(cache, digest);
        e->next = cache->buckets[b];
        cache->buckets[b] = idx;
        cache->count++;
    }
    ttlcache_entry *e = &cache->entries[idx];
    memcpy(e->value, value, size);
    /* Clear the tail so a shorter value never carries bytes of a longer one. */
    memset(e->value + size, 0, sizeof e->value - size);
    e->size = size;
    e->expires_at = expires_at;
    pthread_mutex_unlock(&cache->lock);
    return true;
}

size_t ttlcache_count(ttlcache *cache)
{
    if (!cache)
        return 0;
    pthread_mutex_lock(&cache->lock);
    size_t n = cache->count;
    pthread_mutex_unlock(&cache->lock);
    return n;
}
