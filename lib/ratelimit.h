/*
 * ratelimit: fixed-window counters keyed by a string (client address,
 * account), in memory, per process. Used for the general request rate and
 * for failed log-ins.
 */
#ifndef SAMSPIL_RATELIMIT_H
#define SAMSPIL_RATELIMIT_H

#include <stdbool.h>

typedef struct ratelimit ratelimit;

/* limit events per window_s seconds, tracking at most capacity keys. */
ratelimit *ratelimit_new(unsigned limit, unsigned window_s, unsigned capacity);
void ratelimit_free(ratelimit *rl);
/* Counts one event for key. Returns false (and the seconds until the window resets in
 * retry_after) when the key is over its limit. */
bool ratelimit_hit(ratelimit *rl, const char *key, long now, unsigned *retry_after);
/* Whether key is over its limit, without counting. */
bool ratelimit_blocked(ratelimit *rl, const char *key, long now, unsigned *retry_after);
/* The events counted for key in its current window (0 when none or the window is over). */
unsigned ratelimit_count(ratelimit *rl, const char *key, long now);
/* Forgets key (e.g. after a successful log-in). */
void ratelimit_reset(ratelimit *rl, const char *key);

#endif
