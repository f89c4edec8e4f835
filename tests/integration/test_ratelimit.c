/*
 * The request rate limit per client address (RATE_LIMIT_PER_MINUTE, here 20): above it
 * every request gets 429 with Retry-After before it reaches authentication or a handler,
 * other addresses are not affected, and the probes stay reachable for the orchestrator.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it_check.h"

START_TEST(test_limit_per_address)
{
    /* a valid token obtained first (from the default address) */
    char *t = it_login("clinician@slagelse.demo");
    ck_assert_ptr_nonnull(t);

    it_set_source_address("127.0.0.31");
    for (int i = 0; i < 20; i++) {
        /* a client-supplied forwarding header changes nothing: the peer address counts */
        char xff[64];
        snprintf(xff, sizeof xff, "X-Forwarded-For: 10.0.0.%d", i + 1);
        const char *h[] = {xff, NULL};
        it_response *r = it_request("GET", "/api/me", t, NULL, h);
        ck_assert_msg(r->status == 200, "request %d: %ld", i + 1, r->status);
        it_response_free(r);
    }
    const char *spoof[] = {"X-Forwarded-For: 192.0.2.99", "X-Real-IP: 192.0.2.99", NULL};
    it_response *r = it_request("GET", "/api/me", t, NULL, spoof);
    IT_ASSERT_PROBLEM(r, 429, "rate-limited");
    char *ra = it_header(r, "Retry-After");
    ck_assert_ptr_nonnull(ra);
    char *end = NULL;
    long secs = strtol(ra, &end, 10);
    ck_assert_msg(*end == '\0' && secs >= 1 && secs <= 60, "Retry-After: %s", ra);
    char *cc = it_header(r, "Cache-Control");
    ck_assert_msg(cc && strstr(cc, "no-store"), "API 429 without Cache-Control: no-store");
    free(cc);
    free(ra);
    it_response_free(r);

    /* everything else from that address too, authenticated or not, pages included */
    const char *paths[] = {"/api/residents", "/api/auth/login", "/", "/api/nothing"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        r = it_request(strcmp(paths[i], "/api/auth/login") ? "GET" : "POST", paths[i], t,
                       strcmp(paths[i], "/api/auth/login") ? NULL : "{}", NULL);
        IT_ASSERT_PROBLEM(r, 429, "rate-limited");
        it_response_free(r);
    }

    /* the probes are exempt */
    const char *probes[] = {"/healthz", "/readyz", "/metrics"};
    for (size_t i = 0; i < 3; i++) {
        r = it_request("GET", probes[i], NULL, NULL, NULL);
        IT_ASSERT_STATUS(r, 200);
        it_response_free(r);
    }

    /* another address is not affected */
    it_set_source_address("127.0.0.32");
    r = it_request("GET", "/api/me", t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);
    free(t);
}
END_TEST

int main(void)
{
    const char *env[] = {"RATE_LIMIT_PER_MINUTE=20", NULL};
    it_server_start(env);
    Suite *s = suite_create("ratelimit");
    TCase *tc = tcase_create("requests");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_limit_per_address);
    suite_add_tcase(s, tc);
    return it_run_suite(s);
}
