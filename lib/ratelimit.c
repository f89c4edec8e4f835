/*
 * ratelimit: open-addressed table of fixed windows; see ratelimit.h. When the
 * table is full the entry with the oldest window is reused, so memory stays
 * bounded under an address-spraying client.
 */
#include "ratelimit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct rl_entry {
    char key[300]; /* long enough for "a:" + a 254-character e-mail */
    long window_start;
    unsigned count;
} rl_entry;

struct ratelimit {
    pthread_mutex_t mu;
    unsigned limit, window_s, capacity;
    rl_entry *e;
};

ratelimit *ratelimit_new(unsigned limit, unsigned window_s, unsigned capacity)
{
    if (capacity == 0)
        return NULL;
    ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl)
        return NULL;
    rl->e = calloc(capacity, sizeof *rl->e);
    if (!rl->e) {
        free(rl);
        return NULL;
    }
    rl->limit = limit;
    rl->window_s = window_s ? window_s : 60;
    rl->capacity = capacity;
    pthread_mutex_init(&rl->mu, NULL);
    return rl;
}

void ratelimit_free(ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->mu);
    free(rl->e);
    free(rl);
}

static unsigned long hash(const char *s)
{
    unsigned long h = 5381;
    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h;
}

/* Finds key's entry, or claims a slot for it (expired or oldest within the probe). */
static rl_entry *lookup(ratelimit *rl, const char *key, long now, bool create)
{
    if (strlen(key) >= sizeof rl->e[0].key)
        return NULL;
    unsigned start = (unsigned)(hash(key) % rl->capacity);
    rl_entry *free_slot = NULL, *oldest = NULL;
    for (unsigned i = 0; i < 16 && i < rl->capacity; i++) {
        rl_entry *e = &rl->e[(start + i) % rl->capacity];
        if (e->key[0] && strcmp(e->key, key) == 0)
            return e;
        if (!e->key[0] || now - e->window_start >= (long)rl->window_s) {
            if (!free_slot)
                free_slot = e;
        } else if (!oldest || e->window_start < oldest->window_start) {
            oldest = e;
        }
    }
    rl_entry *victim = free_slot ? free_slot : oldest;
    if (!create)
        return NULL;
    if (!victim)
        victim = &rl->e[start];
    memset(victim, 0, sizeof *victim);
    strncpy(victim->key, key, sizeof victim->key - 1);
    victim->window_start = now;
    return victim;
}

static unsigned retry(ratelimit *rl, rl_entry *e, long now)
{
    long left = e->window_start + (long)rl->window_s - now;
    return left > 0 ? (unsigned)left : 1;
}

bool ratelimit_hit(ratelimit *rl, const char *key, long now, unsigned *retry_after)
{
    pthread_mutex_lock(&rl->mu);
    rl_entry *e = lookup(rl, key, now, true);
    if (!e) {
        /* a key too long to store is refused rather than never counted */
        pthread_mutex_unlock(&rl->mu);
        if (retry_after)
            *retry_after = rl->window_s;
        return false;
    }
    if (now - e->window_start >= (long)rl->window_s) {
        e->window_start = now;
        e->count = 0;
    }
    bool ok = e->count < rl->limit;
    if (ok)
        e->count++;
    else if (retry_after)
        *retry_after = retry(rl, e, now);
    pthread_mutex_unlock(&rl->mu);
    return ok;
}

bool ratelimit_blocked(ratelimit *rl, const char *key, long now, unsigned *retry_after)
{
    pthread_mutex_lock(&rl->mu);
    rl_entry *e = lookup(rl, key, now, false);
    bool blocked = e && now - e->window_start < (long)rl->window_s && e->count >= rl->limit;
    if (blocked && retry_after)
        *retry_after = retry(rl, e, now);
    pthread_mutex_unlock(&rl->mu);
    return blocked;
}

unsigned ratelimit_count(ratelimit *rl, const char *key, long now)
{
    pthread_mutex_lock(&rl->mu);
    rl_entry *e = lookup(rl, key, now, false);
    unsigned n = e && now - e->window_start < (long)rl->window_s ? e->count : 0;
    pthread_mutex_unlock(&rl->mu);
    return n;
}

void ratelimit_reset(ratelimit *rl, const char *key)
{
    pthread_mutex_lock(&rl->mu);
    rl_entry *e = lookup(rl, key, 0, false);
    if (e)
        memset(e, 0, sizeof *e);
    pthread_mutex_unlock(&rl->mu);
}
