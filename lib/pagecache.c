/*
 * pagecache: a chained hash table over the entries (FNV-1a of the key, the
 * table doubling as entries grow) and a doubly linked list in order of use,
 * one mutex around both. Each entry is one allocation holding the key and the
 * value. Lookups copy the value out under the lock, so an entry can be
 * replaced or evicted at any time without readers holding on to it.
 */
#include "pagecache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct pc_entry {
    struct pc_entry *chain;      /* next in the hash bucket */
    struct pc_entry *newer;      /* towards the most recently used end */
    struct pc_entry *older;      /* towards the least recently used end */
    uint64_t hash;               /* of the key */
    size_t key_len;
    size_t value_len;
    size_t charge;               /* bytes counted against the budget */
    char data[];                 /* key, NUL, value, NUL */
} pc_entry;

struct pagecache {
    pthread_mutex_t lock; /* guards everything below */
    pc_entry **buckets;
    size_t nbuckets;      /* power of two */
    pc_entry *newest;
    pc_entry *oldest;
    pagecache_stats stats;
};

static uint64_t hash_key(const char *key, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ull;
    }
    return h;
}

pagecache *pagecache_new(size_t max_bytes)
{
    if (max_bytes < 4096)
        return NULL;
    pagecache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->nbuckets = 64;
    c->buckets = calloc(c->nbuckets, sizeof *c->buckets);
    if (!c->buckets || pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c->buckets);
        free(c);
        return NULL;
    }
    c->stats.max_bytes = max_bytes;
    return c;
}

void pagecache_free(pagecache *c)
{
    if (!c)
        return;
    for (pc_entry *e = c->newest; e;) {
        pc_entry *next = e->older;
        free(e);
        e = next;
    }
    free(c->buckets);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* The entry under key, or NULL; *link is where it hangs in its chain. Lock held. */
static pc_entry *find(pagecache *c, const char *key, size_t key_len, uint64_t h,
                      pc_entry ***link)
{
    pc_entry **l = &c->buckets[h & (c->nbuckets - 1)];
    for (; *l; l = &(*l)->chain) {
        pc_entry *e = *l;
        if (e->hash == h && e->key_len == key_len && memcmp(e->data, key, key_len) == 0)
            break;
    }
    if (link)
        *link = l;
    return *l;
}

static void list_unlink(pagecache *c, pc_entry *e)
{
    if (e->newer)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void list_push_newest(pagecache *c, pc_entry *e)
{
    e->newer = NULL;
    e->older = c->newest;
    if (c->newest)
        c->newest->newer = e;
    c->newest = e;
    if (!c->oldest)
        c->oldest = e;
}

/* Takes e out of the table and the list and frees it. Lock held. */
static void drop(pagecache *c, pc_entry *e)
{
    pc_entry **l = &c->buckets[e->hash & (c->nbuckets - 1)];
    while (*l != e)
        l = &(*l)->chain;
    *l = e->chain;
    list_unlink(c, e);
    c->stats.entries--;
    c->stats.bytes -= e->charge;
    free(e);
}

/* Doubles the table when entries outnumber buckets; a failed allocation keeps the old
 * table (longer chains, still correct). Lock held. */
static void maybe_grow(pagecache *c)
{
    if (c->stats.entries < c->nbuckets)
        return;
    size_t n = c->nbuckets * 2;
    pc_entry **b = calloc(n, sizeof *b);
    if (!b)
        return;
    for (size_t i = 0; i < c->nbuckets; i++) {
        for (pc_entry *e = c->buckets[i]; e;) {
            pc_entry *next = e->chain;
            e->chain = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
            e = next;
        }
    }
    free(c->buckets);
    c->buckets = b;
    c->nbuckets = n;
}

char *pagecache_get(pagecache *c, const char *key, size_t *len)
{
    size_t key_len = strlen(key);
    uint64_t h = hash_key(key, key_len);
    char *copy = NULL;
    pthread_mutex_lock(&c->lock);
    pc_entry *e = find(c, key, key_len, h, NULL);
    if (e) {
        copy = malloc(e->value_len + 1);
        if (copy) {
            memcpy(copy, e->data + key_len + 1, e->value_len + 1);
            *len = e->value_len;
            list_unlink(c, e);
            list_push_newest(c, e);
        }
    }
    pthread_mutex_unlock(&c->lock);
    return copy;
}

bool pagecache_put(pagecache *c, const char *key, const char *value, size_t len)
{
    size_t key_len = strlen(key);
    size_t charge = sizeof(pc_entry) + key_len + len + 2;
    if (charge > c->stats.max_bytes / 4)
        return false;
    pc_entry *n = malloc(charge);
    if (!n)
        return false;
    n->hash = hash_key(key, key_len);
    n->key_len = key_len;
    n->value_len = len;
    n->charge = charge;
    memcpy(n->data, key, key_len + 1);
    memcpy(n->data + key_len + 1, value, len);
    n->data[key_len + 1 + len] = '\0';

    pthread_mutex_lock(&c->lock);
    pc_entry *old = find(c, key, key_len, n->hash, NULL);
    if (old)
        drop(c, old);
    while (c->oldest && c->stats.bytes + charge > c->stats.max_bytes) {
        drop(c, c->oldest);
        c->stats.evictions++;
    }
    maybe_grow(c);
    pc_entry **l = &c->buckets[n->hash & (c->nbuckets - 1)];
    n->chain = *l;
    *l = n;
    list_push_newest(c, n);
    c->stats.entries++;
    c->stats.bytes += charge;
    pthread_mutex_unlock(&c->lock);
    return true;
}

void pagecache_remove(pagecache *c, const char *key)
{
    size_t key_len = strlen(key);
    uint64_t h = hash_key(key, key_len);
    pthread_mutex_lock(&c->lock);
    pc_entry *e = find(c, key, key_len, h, NULL);
    if (e)
        drop(c, e);
    pthread_mutex_unlock(&c->lock);
}

void pagecache_get_stats(pagecache *c, pagecache_stats *out)
{
    pthread_mutex_lock(&c->lock);
    *out = c->stats;
    pthread_mutex_unlock(&c->lock);
}
