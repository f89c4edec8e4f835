/*
 * metrics: a fixed table of series guarded by one mutex; see metrics.h.
 * The number of routes is small and known, so a linear scan is enough.
 */
#include "metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_MAX_SERIES 256

static const double buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
#define NBUCKETS (sizeof buckets / sizeof buckets[0])

typedef struct series {
    char method[24]; /* label values, escaped */
    char route[96];
    unsigned long status_class[6]; /* index status/100 */
    unsigned long bucket[NBUCKETS];
    unsigned long count;
    double sum;
} series;

struct metrics {
    pthread_mutex_t mu;
    series s[METRICS_MAX_SERIES];
    size_t n;
};

metrics *metrics_new(void)
{
    metrics *m = calloc(1, sizeof *m);
    if (m)
        pthread_mutex_init(&m->mu, NULL);
    return m;
}

void metrics_free(metrics *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->mu);
    free(m);
}

/* Prometheus label values escape backslash, double quote and newline. */
static void escape_label(const char *in, char *out, size_t len)
{
    size_t o = 0;
    for (; *in && o + 3 < len; in++) {
        if (*in == '\\' || *in == '"') {
            out[o++] = '\\';
            out[o++] = *in;
        } else if (*in == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else {
            out[o++] = *in;
        }
    }
    out[o] = '\0';
}

void metrics_observe(metrics *m, const char *method_raw, const char *route_raw, unsigned status,
                     double seconds)
{
    char method[sizeof m->s[0].method], route[sizeof m->s[0].route];
    escape_label(method_raw, method, sizeof method);
    escape_label(route_raw ? route_raw : "unmatched", route, sizeof route);
    pthread_mutex_lock(&m->mu);
    series *s = NULL;
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->s[i].route, route) == 0 && strcmp(m->s[i].method, method) == 0) {
            s = &m->s[i];
            break;
        }
    if (!s && m->n < METRICS_MAX_SERIES) {
        s = &m->s[m->n++];
        snprintf(s->method, sizeof s->method, "%s", method);
        snprintf(s->route, sizeof s->route, "%s", route);
    }
    if (s) {
        unsigned cls = status / 100;
        s->status_class[cls < 6 ? cls : 5]++;
        for (size_t b = 0; b < NBUCKETS; b++)
            if (seconds <= buckets[b])
                s->bucket[b]++;
        s->count++;
        s->sum += seconds;
    }
    pthread_mutex_unlock(&m->mu);
}

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(buf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if (b->p && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 8192;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np)
            return;
        b->p = np;
        b->cap = cap;
    }
}

char *metrics_render(metrics *m, const char *extra, size_t *len)
{
    buf b = {0};
    buf_printf(&b, "# HELP samspil_http_requests_total HTTP requests by route and status class.\n"
                   "# TYPE samspil_http_requests_total counter\n");
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < m->n; i++)
        for (unsigned c = 1; c < 6; c++)
            if (m->s[i].status_class[c])
                buf_printf(&b,
                           "samspil_http_requests_total{method=\"%s\",route=\"%s\",status="
                           "\"%uxx\"} %lu\n",
                           m->s[i].method, m->s[i].route, c, m->s[i].status_class[c]);
    buf_printf(&b, "# HELP samspil_http_request_duration_seconds Request latency by route.\n"
                   "# TYPE samspil_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < m->n; i++) {
        series *s = &m->s[i];
        for (size_t k = 0; k < NBUCKETS; k++)
            buf_printf(&b,
                       "samspil_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
                       "le=\"%g\"} %lu\n",
                       s->method, s->route, buckets[k], s->bucket[k]);
        buf_printf(&b,
                   "samspil_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
                   "le=\"+Inf\"} %lu\n"
                   "samspil_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n"
                   "samspil_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} "
                   "%lu\n",
                   s->method, s->route, s->count, s->method, s->route, s->sum, s->method,
                   s->route, s->count);
    }
    pthread_mutex_unlock(&m->mu);
    if (extra)
        buf_printf(&b, "%s", extra);
    *len = b.len;
    return b.p;
}
