/*
 * test_metrics: lib/metrics. After requests are observed, the Prometheus
 * text names each route and method, counts requests per status class, and
 * has a cumulative latency histogram per series (every bucket, +Inf, _sum,
 * _count); every line is valid exposition format, whatever the client sent
 * as its method.
 */
#include "metrics.h"

#include <check.h>
#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REQ "samspil_http_requests_total"
#define DUR "samspil_http_request_duration_seconds"

static void assert_has(const char *text, const char *line)
{
    ck_assert_msg(strstr(text, line) != NULL, "missing:\n%s\nin:\n%s", line, text);
}

static void assert_lacks(const char *text, const char *part)
{
    ck_assert_msg(strstr(text, part) == NULL, "unexpected:\n%s\nin:\n%s", part, text);
}

/* One label value: "..." with only \\, \" and \n escapes. Advances *p past it. */
static bool label_value_ok(const char **p)
{
    const char *s = *p;
    if (*s++ != '"')
        return false;
    for (; *s && *s != '"'; s++) {
        if (*s == '\n')
            return false;
        if (*s == '\\') {
            s++;
            if (*s != '\\' && *s != '"' && *s != 'n')
                return false;
        }
    }
    if (*s != '"')
        return false;
    *p = s + 1;
    return true;
}

/* Whether one sample line is name{label="value",...} number. */
static bool sample_line_ok(const char *line)
{
    const char *p = line;
    if (!isalpha((unsigned char)*p) && *p != '_')
        return false;
    while (isalnum((unsigned char)*p) || *p == '_' || *p == ':')
        p++;
    if (*p == '{') {
        p++;
        while (*p != '}') {
            if (!isalpha((unsigned char)*p) && *p != '_')
                return false;
            while (isalnum((unsigned char)*p) || *p == '_')
                p++;
            if (*p++ != '=' || !label_value_ok(&p))
                return false;
            if (*p == ',')
                p++;
            else if (*p != '}')
                return false;
        }
        p++;
    }
    if (*p++ != ' ')
        return false;
    char *end = NULL;
    strtod(p, &end);
    return end != p && *end == '\0';
}

/* Every line is a comment or a valid sample. */
static void assert_exposition_valid(const char *text)
{
    char *copy = strdup(text);
    ck_assert_ptr_nonnull(copy);
    size_t n = strlen(copy);
    ck_assert_msg(n == 0 || copy[n - 1] == '\n', "no final newline");
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#')
            continue;
        ck_assert_msg(sample_line_ok(line), "invalid exposition line: %s", line);
    }
    free(copy);
}

START_TEST(observe_then_render)
{
    metrics *m = metrics_new();
    ck_assert_ptr_nonnull(m);
    metrics_observe(m, "GET", "/api/residents/{id}", 200, 0.003);
    metrics_observe(m, "GET", "/api/residents/{id}", 404, 0.2);
    metrics_observe(m, "POST", "/api/residents", 201, 3.0);
    metrics_observe(m, "POST", "/api/residents", 500, 0.1); /* exactly on a bucket bound */
    metrics_observe(m, "GET", NULL, 404, 0.0001);

    size_t len = 0;
    char *t = metrics_render(m, NULL, &len);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(len, strlen(t));
    assert_exposition_valid(t);

    assert_has(t, "# TYPE " REQ " counter\n");
    assert_has(t, "# TYPE " DUR " histogram\n");

    /* Counters per status class. */
    assert_has(t, REQ "{method=\"GET\",route=\"/api/residents/{id}\",status=\"2xx\"} 1\n");
    assert_has(t, REQ "{method=\"GET\",route=\"/api/residents/{id}\",status=\"4xx\"} 1\n");
    assert_has(t, REQ "{method=\"POST\",route=\"/api/residents\",status=\"2xx\"} 1\n");
    assert_has(t, REQ "{method=\"POST\",route=\"/api/residents\",status=\"5xx\"} 1\n");
    assert_has(t, REQ "{method=\"GET\",route=\"unmatched\",status=\"4xx\"} 1\n");
    /* Classes with no requests are not listed. */
    assert_lacks(t, REQ "{method=\"GET\",route=\"/api/residents/{id}\",status=\"5xx\"}");
    assert_lacks(t, "status=\"3xx\"");

    /* Histogram, cumulative: 0.003 s and 0.2 s. */
#define B(le) DUR "_bucket{method=\"GET\",route=\"/api/residents/{id}\",le=\"" le "\"} "
    assert_has(t, B("0.001") "0\n");
    assert_has(t, B("0.0025") "0\n");
    assert_has(t, B("0.005") "1\n");
    assert_has(t, B("0.01") "1\n");
    assert_has(t, B("0.1") "1\n");
    assert_has(t, B("0.25") "2\n");
    assert_has(t, B("1") "2\n");
    assert_has(t, B("2.5") "2\n");
    assert_has(t, B("+Inf") "2\n");
#undef B
    assert_has(t, DUR "_sum{method=\"GET\",route=\"/api/residents/{id}\"} 0.203000\n");
    assert_has(t, DUR "_count{method=\"GET\",route=\"/api/residents/{id}\"} 2\n");

    /* 3.0 s is beyond the last bucket: only +Inf and count have it; 0.1 s is in le="0.1". */
#define B(le) DUR "_bucket{method=\"POST\",route=\"/api/residents\",le=\"" le "\"} "
    assert_has(t, B("0.05") "0\n");
    assert_has(t, B("0.1") "1\n");
    assert_has(t, B("2.5") "1\n");
    assert_has(t, B("+Inf") "2\n");
#undef B
    assert_has(t, DUR "_count{method=\"POST\",route=\"/api/residents\"} 2\n");
    assert_has(t, DUR "_bucket{method=\"GET\",route=\"unmatched\",le=\"0.001\"} 1\n");
    assert_has(t, DUR "_count{method=\"GET\",route=\"unmatched\"} 1\n");
    free(t);
    metrics_free(m);
}
END_TEST

START_TEST(buckets_are_cumulative_and_complete)
{
    metrics *m = metrics_new();
    static const double obs[] = {0.0005, 0.002, 0.004, 0.009, 0.02, 0.04, 0.09, 0.2, 0.4, 0.9, 2,
                                 10};
    for (size_t i = 0; i < sizeof obs / sizeof obs[0]; i++)
        metrics_observe(m, "GET", "/r", 200, obs[i]);
    size_t len = 0;
    char *t = metrics_render(m, NULL, &len);
    static const char *const les[] = {"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
                                      "0.1",   "0.25",   "0.5",   "1",    "2.5",   "+Inf"};
    char line[200];
    for (size_t i = 0; i < sizeof les / sizeof les[0]; i++) {
        /* One observation per bucket: bucket i holds i + 1, +Inf all 12. */
        snprintf(line, sizeof line, DUR "_bucket{method=\"GET\",route=\"/r\",le=\"%s\"} %zu\n",
                 les[i], i + 1);
        assert_has(t, line);
    }
    assert_has(t, DUR "_count{method=\"GET\",route=\"/r\"} 12\n");
    assert_has(t, REQ "{method=\"GET\",route=\"/r\",status=\"2xx\"} 12\n");
    free(t);
    metrics_free(m);
}
END_TEST

START_TEST(series_per_method_and_route)
{
    metrics *m = metrics_new();
    metrics_observe(m, "GET", "/a", 200, 0.01);
    metrics_observe(m, "PUT", "/a", 200, 0.01);
    metrics_observe(m, "GET", "/b", 302, 0.01);
    metrics_observe(m, "GET", "/a", 201, 0.01);
    size_t len = 0;
    char *t = metrics_render(m, NULL, &len);
    assert_has(t, REQ "{method=\"GET\",route=\"/a\",status=\"2xx\"} 2\n");
    assert_has(t, REQ "{method=\"PUT\",route=\"/a\",status=\"2xx\"} 1\n");
    assert_has(t, REQ "{method=\"GET\",route=\"/b\",status=\"3xx\"} 1\n");
    assert_has(t, DUR "_count{method=\"GET\",route=\"/a\"} 2\n");
    /* One histogram per series: 3 series × 12 bucket lines. */
    size_t buckets = 0;
    for (const char *p = t; (p = strstr(p, DUR "_bucket{")) != NULL; p++)
        buckets++;
    ck_assert_uint_eq(buckets, 36);
    free(t);
    metrics_free(m);
}
END_TEST

START_TEST(empty_and_extra)
{
    metrics *m = metrics_new();
    size_t len = 99;
    char *t = metrics_render(m, NULL, &len);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(len, strlen(t));
    assert_has(t, "# TYPE " REQ " counter\n");
    assert_lacks(t, REQ "{");
    assert_lacks(t, DUR "_bucket");
    assert_exposition_valid(t);
    free(t);

    /* extra is appended verbatim, at the end. */
    const char *extra = "# TYPE samspil_db_pool_idle gauge\nsamspil_db_pool_idle 3\n";
    metrics_observe(m, "GET", "/a", 200, 0.01);
    t = metrics_render(m, extra, &len);
    ck_assert_uint_eq(len, strlen(t));
    ck_assert_uint_gt(len, strlen(extra));
    ck_assert_str_eq(t + len - strlen(extra), extra);
    assert_exposition_valid(t);
    free(t);

    /* Output larger than the first buffer grows correctly. */
    char route[64];
    for (int i = 0; i < 200; i++) {
        snprintf(route, sizeof route, "/api/resource-number-%d/{id}/sub", i);
        metrics_observe(m, "GET", route, 200, 0.01);
    }
    t = metrics_render(m, NULL, &len);
    ck_assert_uint_gt(len, 8192);
    ck_assert_uint_eq(len, strlen(t));
    assert_has(t, DUR "_count{method=\"GET\",route=\"/api/resource-number-199/{id}/sub\"} 1\n");
    assert_exposition_valid(t);
    free(t);
    metrics_free(m);
    metrics_free(NULL);
}
END_TEST

START_TEST(many_series_do_not_crash)
{
    metrics *m = metrics_new();
    char route[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(route, sizeof route, "/r/%d", i);
        metrics_observe(m, "GET", route, 200, 0.01);
    }
    /* Odd statuses are still counted somewhere without overflowing the class array. */
    metrics_observe(m, "GET", "/r/0", 999, 0.01);
    metrics_observe(m, "GET", "/r/0", 0, 0.01);
    size_t len = 0;
    char *t = metrics_render(m, NULL, &len);
    ck_assert_ptr_nonnull(t);
    assert_has(t, REQ "{method=\"GET\",route=\"/r/0\",status=\"2xx\"} 1\n");
    assert_has(t, DUR "_count{method=\"GET\",route=\"/r/0\"} 3\n");
    assert_exposition_valid(t);
    free(t);
    metrics_free(m);
}
END_TEST

static void *observe_many(void *p)
{
    metrics *m = p;
    for (int i = 0; i < 5000; i++)
        metrics_observe(m, i % 2 ? "GET" : "POST", "/api/residents", 200 + (i % 3) * 100, 0.002);
    return NULL;
}

START_TEST(concurrent_observations)
{
    metrics *m = metrics_new();
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, observe_many, m), 0);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_join(th[i], NULL), 0);
    size_t len = 0;
    char *t = metrics_render(m, NULL, &len);
    assert_has(t, DUR "_count{method=\"GET\",route=\"/api/residents\"} 10000\n");
    assert_has(t, DUR "_count{method=\"POST\",route=\"/api/residents\"} 10000\n");
    assert_has(t, DUR "_bucket{method=\"GET\",route=\"/api/residents\",le=\"0.0025\"} 10000\n");
    free(t);
    metrics_free(m);
}
END_TEST

/* Fails until fixed: label values are printed unescaped. libmicrohttpd 0.9.75 hands any
 * request-line token to the server as the method (checked: `A"}1\ / HTTP/1.1` arrives as
 * method A"}1\), and routes.c observes every request, so one request makes the whole
 * exposition unparseable for Prometheus. */
START_TEST(label_values_escaped)
{
    metrics *m = metrics_new();
    metrics_observe(m, "A\"}1\\", NULL, 405, 0.01);
    metrics_observe(m, "GET", "/api/a\"b\\c\nd", 200, 0.01);
    size_t len = 0;
    char *t = metrics_render(m, NULL, &len);
    assert_exposition_valid(t);
    assert_has(t, REQ "{method=\"A\\\"}1\\\\\",route=\"unmatched\",status=\"4xx\"} 1\n");
    assert_has(t, "route=\"/api/a\\\"b\\\\c\\nd\"");
    free(t);
    metrics_free(m);
}
END_TEST

static Suite *metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("render");
    tcase_add_test(tc, observe_then_render);
    tcase_add_test(tc, buckets_are_cumulative_and_complete);
    tcase_add_test(tc, series_per_method_and_route);
    tcase_add_test(tc, empty_and_extra);
    tcase_add_test(tc, many_series_do_not_crash);
    tcase_add_test(tc, concurrent_observations);
    tcase_add_test(tc, label_values_escaped);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(metrics_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
