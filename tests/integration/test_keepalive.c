/*
 * Keep-alive, where it is switched on (KEEP_ALIVE=1, for a server behind a proxy that checks
 * request framing itself): requests reuse the connection, and a later request on it that
 * breaks the framing rules is answered 400 and ends the connection, so nothing after it is
 * read as a request; served as https://, every answer carries HSTS. (By default every connection carries one request: test_edge.c.)
 */
#define _GNU_SOURCE /* strcasestr */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "it.h"
#include "it_check.h"

#define LOGIN "/api/auth/login"

START_TEST(test_keep_alive)
{
    it_client *c = it_client_new();
    struct {
        const char *method, *path, *body;
        long status;
    } steps[] = {
        {"GET", "/healthz", NULL, 200},
        {"GET", "/api/me", NULL, 401},
        {"POST", LOGIN, "{", 400},
        {"POST", LOGIN, "{\"email\":\"a@b.c\"}", 422},
        {"GET", "/readyz", NULL, 200},
        {"GET", "/index.html", NULL, 200},
        {"GET", "/api/nothing", NULL, 404},
        {"POST", LOGIN, "{\"email\":\"clinician@slagelse.demo\",\"password\":\"demo-password\"}",
         200},
        {"GET", "/healthz", NULL, 200},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        it_response *r = it_client_request(c, steps[i].method, steps[i].path, NULL,
                                           steps[i].body, NULL);
        IT_ASSERT_STATUS(r, steps[i].status);
        ck_assert_msg(r->connects == (i == 0 ? 1 : 0),
                      "request %zu (%s %s) opened %ld new connections", i, steps[i].method,
                      steps[i].path, r->connects);
        it_response_free(r);
    }
    it_client_free(c);
}
END_TEST

/* Everything until the server closes (3 s at most), NUL-terminated, malloc'd. */
static char *read_all(int fd)
{
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap + 1);
    for (;;) {
        struct timeval tv = {3, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ssize_t n = recv(fd, out + len, cap - len, 0);
        if (n <= 0)
            break;
        len += (size_t)n;
        if (len == cap)
            break;
    }
    out[len] = '\0';
    return out;
}

static int answers(const char *s)
{
    int n = 0;
    for (const char *p = s; (p = strcasestr(p, "\r\nX-Request-Id: ")); p += 16)
        n++;
    return n;
}

START_TEST(test_later_request_breaking_framing_ends_the_connection)
{
    const char *cases[] = {
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length : 33\r\n\r\n"
        "GET /api/me HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /index.html%00.js HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /api/me HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n"
        "GET /api/me HTTP/1.1\r\nHost: x\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int fd = it_raw_connect();
        ck_assert_int_ge(fd, 0);
        ck_assert(it_raw_send(fd, cases[i], strlen(cases[i])));
        char *all = read_all(fd);
        close(fd);
        ck_assert_msg(answers(all) == 2, "case %zu: %d answers:\n%s", i, answers(all), all);
        ck_assert_msg(strncmp(all, "HTTP/1.1 200", 12) == 0, "case %zu: %s", i, all);
        const char *second = strstr(all + 1, "HTTP/1.1 ");
        ck_assert_msg(second && (strncmp(second, "HTTP/1.1 400", 12) == 0 ||
                                 strncmp(second, "HTTP/1.1 501", 12) == 0),
                      "case %zu: %s", i, all);
        ck_assert_msg(strstr(second, "application/problem+json"), "case %zu: %s", i, all);
        free(all);
    }
}
END_TEST

/* Served as https:// (behind the TLS proxy): browsers are told to stay on https. */
START_TEST(test_hsts_behind_tls)
{
    it_response *r = it_request("GET", "/healthz", NULL, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    char *hsts = it_header(r, "Strict-Transport-Security");
    ck_assert_msg(hsts && strstr(hsts, "max-age=31536000"), "HSTS: %s", hsts ? hsts : "-");
    free(hsts);
    it_response_free(r);
    /* the acceptor's own answers too */
    int fd = it_raw_connect();
    const char bad[] = "GET /a%00 HTTP/1.1\r\nHost: x\r\n\r\n";
    ck_assert(it_raw_send(fd, bad, sizeof bad - 1));
    r = it_raw_read(fd, 3000);
    close(fd);
    IT_ASSERT_PROBLEM(r, 400, "bad-target");
    hsts = it_header(r, "Strict-Transport-Security");
    ck_assert_ptr_nonnull(hsts);
    free(hsts);
    it_response_free(r);
}
END_TEST

int main(void)
{
    const char *env[] = {"KEEP_ALIVE=1", "PUBLIC_ORIGIN=https://samspil.example", NULL};
    it_server_start(env);
    Suite *s = suite_create("keepalive");
    TCase *tc = tcase_create("keepalive");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_keep_alive);
    tcase_add_test(tc, test_later_request_breaking_framing_ends_the_connection);
    tcase_add_test(tc, test_hsts_behind_tls);
    suite_add_tcase(s, tc);
    return it_run_suite(s);
}
