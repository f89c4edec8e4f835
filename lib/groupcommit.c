/*
 * groupcommit: batches of waiting writes on one writer thread; see groupcommit.h.
 */
#include "groupcommit.h"

#include <pthread.h>
#include <stdlib.h>

struct groupcommit {
    size_t max;                  /* items per batch at most */
    groupcommit_flush_fn flush;  /* writes a batch */
    void *ctx;                   /* the flush function's */
    pthread_mutex_t mu;          /* guards everything below */
    pthread_cond_t queued;       /* the writer waits for items (or stop) */
    groupcommit_item *head, *tail; /* queued, oldest first */
    bool stopping;               /* groupcommit_free began: take no more */
    groupcommit_stats stats;
    size_t nwriters;             /* writer threads started */
    pthread_t *writers;
};

static void *writer_main(void *arg)
{
    groupcommit *g = arg;
    groupcommit_item **batch = malloc(g->max * sizeof *batch);
    pthread_mutex_lock(&g->mu);
    for (;;) {
        while (!g->head && !g->stopping)
            pthread_cond_wait(&g->queued, &g->mu);
        if (!g->head)
            break; /* stopping and nothing left */
        if (!batch) { /* out of memory: this writer stops, the others go on */
            pthread_cond_signal(&g->queued);
            break;
        }
        size_t n = 0;
        while (g->head && n < g->max) {
            batch[n++] = g->head;
            g->head = g->head->next;
        }
        if (!g->head)
            g->tail = NULL;
        pthread_mutex_unlock(&g->mu);

        g->flush(batch, n, g->ctx);

        pthread_mutex_lock(&g->mu);
        size_t nasync = 0;
        for (size_t i = 0; i < n; i++) { /* each waiter woken alone: none for nothing */
            groupcommit_item *it = batch[i];
            if (it->done) {
                batch[nasync++] = it; /* called below, outside the lock */
                continue;
            }
            it->flushed_done = true;
            pthread_cond_signal(&it->flushed);
        }
        g->stats.batches++;
        g->stats.items += n;
        if (n > g->stats.largest)
            g->stats.largest = n;
        if (nasync) {
            pthread_mutex_unlock(&g->mu);
            for (size_t i = 0; i < nasync; i++)
                batch[i]->done(batch[i]); /* not touched after: it may be gone */
            pthread_mutex_lock(&g->mu);
        }
    }
    pthread_mutex_unlock(&g->mu);
    free(batch);
    return NULL;
}

groupcommit *groupcommit_new(size_t max, size_t writers, groupcommit_flush_fn flush, void *ctx)
{
    if (max < 1 || writers < 1 || !flush)
        return NULL;
    groupcommit *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->writers = calloc(writers, sizeof *g->writers);
    if (!g->writers) {
        free(g);
        return NULL;
    }
    g->max = max;
    g->flush = flush;
    g->ctx = ctx;
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->queued, NULL);
    while (g->nwriters < writers &&
           pthread_create(&g->writers[g->nwriters], NULL, writer_main, g) == 0)
        g->nwriters++;
    if (g->nwriters < writers) {
        groupcommit_free(g);
        return NULL;
    }
    return g;
}

/* Appends it to the queue and wakes a writer; with g->mu held. */
static void push(groupcommit *g, groupcommit_item *it)
{
    it->next = NULL;
    if (g->tail)
        g->tail->next = it;
    else
        g->head = it;
    g->tail = it;
    pthread_cond_signal(&g->queued);
}

int groupcommit_submit(groupcommit *g, groupcommit_item *it, int fallback)
{
    it->flushed_done = false;
    it->done = NULL;
    it->next = NULL;
    pthread_mutex_lock(&g->mu);
    if (g->stopping) {
        pthread_mutex_unlock(&g->mu);
        return fallback;
    }
    pthread_cond_init(&it->flushed, NULL);
    push(g, it);
    while (!it->flushed_done)
        pthread_cond_wait(&it->flushed, &g->mu);
    pthread_mutex_unlock(&g->mu);
    pthread_cond_destroy(&it->flushed);
    return it->result;
}

bool groupcommit_enqueue(groupcommit *g, groupcommit_item *it)
{
    pthread_mutex_lock(&g->mu);
    bool open = !g->stopping;
    if (open)
        push(g, it);
    pthread_mutex_unlock(&g->mu);
    return open;
}

void groupcommit_get_stats(groupcommit *g, groupcommit_stats *out)
{
    pthread_mutex_lock(&g->mu);
    *out = g->stats;
    pthread_mutex_unlock(&g->mu);
}

void groupcommit_free(groupcommit *g)
{
    if (!g)
        return;
    pthread_mutex_lock(&g->mu);
    g->stopping = true;
    pthread_cond_broadcast(&g->queued);
    pthread_mutex_unlock(&g->mu);
    for (size_t i = 0; i < g->nwriters; i++)
        pthread_join(g->writers[i], NULL);
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->queued);
    free(g->writers);
    free(g);
}
