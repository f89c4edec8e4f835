/*
 * groupcommit: writer threads that make the writes many threads wait for in
 * batches: a thread hands in an item and blocks until a writer has flushed
 * the batch it went into (groupcommit_submit), or hands it in with a function
 * the writer calls afterwards (groupcommit_enqueue: an HTTP request suspended
 * meanwhile). A writer takes everything queued when it becomes
 * free (at most max items), so while one batch is flushed the next one
 * gathers; under load a batch holds as many items as threads wait, at rest a
 * batch is one item and costs no added wait. With two writers one batch is
 * written while the other waits for its commit flush.
 *
 * Made for durable writes each request must wait for (audit rows): one
 * transaction and one commit flush for the whole batch instead of one each.
 */
#ifndef SAMSPIL_GROUPCOMMIT_H
#define SAMSPIL_GROUPCOMMIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* An item: data for the flush and the result it sets. Owned by the submitting thread (it
 * may live on its stack) and borrowed by the writer until groupcommit_submit returns. */
typedef struct groupcommit_item {
    void *data;                    /* what to write: the flush function's to read */
    int result;                    /* set by the flush function for this item */
    bool flushed_done;             /* set by the writer after the flush (submit) */
    pthread_cond_t flushed;        /* groupcommit_submit waits on it (the module's) */
    /* groupcommit_enqueue: called on a writer after the flush (result set); the item may be
     * freed from then on */
    void (*done)(struct groupcommit_item *it);
    struct groupcommit_item *next; /* queue link, the module's */
} groupcommit_item;

/* Writes items[0..n) (n >= 1) and sets each item's result. Called on the writer threads,
 * at the same time on as many as there are. */
typedef void (*groupcommit_flush_fn)(groupcommit_item **items, size_t n, void *ctx);

typedef struct groupcommit groupcommit;

typedef struct groupcommit_stats {
    unsigned long batches; /* flushes */
    unsigned long items;   /* items flushed */
    unsigned long largest; /* items of the largest batch */
} groupcommit_stats;

/* Starts writers (>= 1) threads with batches of at most max (>= 1) items. NULL when out of
 * memory or a thread could not be started. ctx is borrowed for the writers' lifetime. */
groupcommit *groupcommit_new(size_t max, size_t writers, groupcommit_flush_fn flush,
                             void *ctx);

/* Queues it and waits until its batch is flushed; returns it->result. Thread-safe. After
 * groupcommit_free began, returns fallback without writing. */
int groupcommit_submit(groupcommit *g, groupcommit_item *it, int fallback);

/* Queues it and returns at once; a writer calls it->done(it) after its batch is flushed.
 * it must stay valid until then. false (nothing queued, done not called) after
 * groupcommit_free began. Thread-safe. */
bool groupcommit_enqueue(groupcommit *g, groupcommit_item *it);

void groupcommit_get_stats(groupcommit *g, groupcommit_stats *out);

/* Flushes what is queued, stops the writers and frees g. No thread may submit during or
 * after the call. NULL is allowed. */
void groupcommit_free(groupcommit *g);

#endif
