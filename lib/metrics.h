/*
 * metrics: request counters and latency histograms per route, rendered as
 * Prometheus text. Routes are identified by their pattern string.
 */
#ifndef SAMSPIL_METRICS_H
#define SAMSPIL_METRICS_H

#include <stddef.h>

typedef struct metrics metrics;

metrics *metrics_new(void);
void metrics_free(metrics *m);
/* Records one request. route may be NULL (unmatched). Thread-safe. */
void metrics_observe(metrics *m, const char *method, const char *route, unsigned status,
                     double seconds);
/* Appends the Prometheus exposition to a malloc'd string (caller frees). extra, if not NULL,
 * is appended verbatim (e.g. pool gauges). */
char *metrics_render(metrics *m, const char *extra, size_t *len);

#endif
