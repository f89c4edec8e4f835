/*
 * The HTTP edge attacked over real sockets (issue 9): request smuggling through header
 * names and folded lines, chunked bodies past the limit or without an end, unknown
 * Transfer-Encodings, control characters in paths and headers, the errors libmicrohttpd
 * used to answer in HTML, and slow clients from a few addresses while a probe from
 * another address must keep being answered.
 *
 * The server runs with HEADER_TIMEOUT_SECONDS=2 so the deadlines show within seconds.
 */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "it.h"
#include "it_check.h"

#define MAX_BODY 2048

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int server_port(void)
{
    int port = 0;
    ck_assert_int_eq(sscanf(it_base_url(), "http://127.0.0.1:%d", &port), 1);
    return port;
}

/* A connected socket from the loopback address src (e.g. "127.0.0.5"); blocking unless
 * nonblock. -1 on failure. */
static int connect_from(const char *src, bool nonblock)
{
    int fd = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in me = {.sin_family = AF_INET};
    inet_pton(AF_INET, src, &me.sin_addr);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((unsigned short)server_port()),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(fd, (struct sockaddr *)&me, sizeof me) != 0 ||
        (connect(fd, (struct sockaddr *)&to, sizeof to) != 0 && errno != EINPROGRESS)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Everything the server sends until it closes the connection (or timeout_ms passes): the
 * bytes (malloc'd, NUL-terminated) and whether the connection was closed. */
static char *read_to_close(int fd, int timeout_ms, bool *closed)
{
    size_t cap = 65536, len = 0;
    char *out = malloc(cap + 1);
    double end = now_s() + timeout_ms / 1000.0;
    *closed = false;
    for (;;) {
        int left = (int)((end - now_s()) * 1000);
        if (left <= 0)
            break;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, left) <= 0)
            break;
        if (len == cap)
            out = realloc(out, (cap *= 2) + 1);
        ssize_t n = recv(fd, out + len, cap - len, 0);
        if (n <= 0) {
            *closed = true; /* EOF, or reset after the answer */
            break;
        }
        len += (size_t)n;
    }
    out[len] = '\0';
    return out;
}

/* Every answer of this server carries X-Request-Id (a body may well say "HTTP/1.1"). */
static int count_responses(const char *s)
{
    int n = 0;
    for (const char *p = s; (p = strcasestr(p, "\r\nX-Request-Id: ")); p += 16)
        n++;
    return n;
}

/* One raw request (len bytes; may hold NULs): the server's whole answer, checked to be a
 * single problem+json response of status with code, after which the connection closes. */
static void expect_refusal(const char *req, size_t len, long status, const char *code)
{
    int fd = connect_from("127.0.0.1", false);
    ck_assert_int_ge(fd, 0);
    ck_assert(it_raw_send(fd, req, len));
    bool closed = false;
    char *all = read_to_close(fd, 3000, &closed);
    close(fd);
    ck_assert_msg(closed, "the connection stayed open after: %.120s", all);
    ck_assert_msg(count_responses(all) == 1, "%d responses to %.80s:\n%s", count_responses(all),
                  req, all);
    /* parse the one response as the support library does */
    int fd2[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fd2), 0);
    ck_assert(it_raw_send(fd2[0], all, strlen(all)));
    close(fd2[0]);
    it_response *r = it_raw_read(fd2[1], 1000);
    close(fd2[1]);
    IT_ASSERT_PROBLEM(r, status, code);
    char *conn = it_header(r, "Connection");
    ck_assert_msg(conn && strcasecmp(conn, "close") == 0, "Connection: %s", conn ? conn : "-");
    free(conn);
    it_response_free(r);
    free(all);
}

#define REFUSE(lit, status, code) expect_refusal(lit, sizeof lit - 1, status, code)

/* 2. Request desync: the body of the first request must never be answered as a second. */
START_TEST(test_smuggling_is_refused)
{
    REFUSE("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length : 33\r\n\r\n"
           "GET /api/me HTTP/1.1\r\nHost: x\r\n\r\n",
           400, "bad-header-name");
    REFUSE("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length\t: 33\r\n\r\n"
           "GET /api/me HTTP/1.1\r\nHost: x\r\n\r\n",
           400, "bad-header-name");
    REFUSE("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n 33\r\n\r\n"
           "GET /api/me HTTP/1.1\r\nHost: x\r\n\r\n",
           400, "obs-fold");
    REFUSE("POST /healthz HTTP/1.1\r\nHost: x\r\nX-A: b\r\n\tContent-Length: 33\r\n\r\n"
           "GET /api/me HTTP/1.1\r\nHost: x\r\n\r\n",
           400, "obs-fold");
    REFUSE("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n"
           "{}GET /api/me HTTP/1.1\r\nHost: x\r\n\r\n",
           400, "bad-framing");
    REFUSE("GET /healthz HTTP/1.1\nHost: x\n\nGET /api/me HTTP/1.1\nHost: x\n\n", 400,
           "bad-line-ending");
}
END_TEST

/* Without keep-alive (the default) a connection carries one request: what follows the
 * first is never read, so every request head is checked before libmicrohttpd parses it. */
START_TEST(test_one_request_per_connection)
{
    int fd = connect_from("127.0.0.1", false);
    ck_assert_int_ge(fd, 0);
    const char req[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                       "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    ck_assert(it_raw_send(fd, req, sizeof req - 1));
    bool closed = false;
    char *all = read_to_close(fd, 3000, &closed);
    close(fd);
    ck_assert_msg(closed, "the connection stayed open");
    ck_assert_int_eq(count_responses(all), 1);
    ck_assert_msg(strstr(all, "HTTP/1.1 200") == all, "%s", all);
    ck_assert_msg(strcasestr(all, "\r\nConnection: close\r\n"), "%s", all);
    /* served as http:// here: no HSTS (test_keepalive.c has the https:// case) */
    ck_assert_msg(!strcasestr(all, "Strict-Transport-Security"), "%s", all);
    free(all);
}
END_TEST

/* 3. A chunked body past MAX_BODY_BYTES is answered 413 at the limit, not read to its end. */
START_TEST(test_chunked_body_stops_at_the_limit)
{
    int fd = connect_from("127.0.0.1", true);
    ck_assert_int_ge(fd, 0);
    struct pollfd w = {.fd = fd, .events = POLLOUT};
    ck_assert_int_eq(poll(&w, 1, 2000), 1);
    const char head[] = "POST /api/auth/login HTTP/1.1\r\nHost: x\r\n"
                        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    ck_assert(send(fd, head, sizeof head - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof head - 1));
    static char chunk[16384 + 16];
    int hn = snprintf(chunk, sizeof chunk, "%x\r\n", 16384);
    memset(chunk + hn, 'x', 16384);
    memcpy(chunk + hn + 16384, "\r\n", 2);
    size_t clen = (size_t)hn + 16384 + 2, off = 0;
    size_t sent = 0, limit = 100u << 20;
    char reply[8192];
    size_t rlen = 0;
    bool gone = false;
    double end = now_s() + 20;
    while (sent < limit && !gone && now_s() < end) {
        struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
        if (poll(&p, 1, 1000) <= 0)
            continue;
        if (p.revents & POLLIN) {
            ssize_t n = recv(fd, reply + rlen, sizeof reply - 1 - rlen, 0);
            if (n <= 0)
                gone = true;
            else
                rlen += (size_t)n;
        }
        if (!gone && (p.revents & POLLOUT)) {
            ssize_t n = send(fd, chunk + off, clen - off, MSG_NOSIGNAL);
            if (n < 0 && errno != EAGAIN)
                gone = true;
            else if (n > 0) {
                sent += (size_t)n;
                off = (off + (size_t)n) % clen;
            }
        }
        if (p.revents & (POLLERR | POLLHUP))
            gone = true;
    }
    reply[rlen] = '\0';
    close(fd);
    ck_assert_msg(strncmp(reply, "HTTP/1.1 413 ", 13) == 0, "answer after %zu bytes: %.200s", sent,
                  reply);
    ck_assert_msg(strstr(reply, "application/problem+json"), "%s", reply);
    ck_assert_msg(sent < (16u << 20), "the server read %zu bytes of a %d-byte limit", sent,
                  MAX_BODY);
}
END_TEST

/* A chunked body that stops before its last chunk is answered 408 when it stops arriving. */
START_TEST(test_chunked_body_without_end_times_out)
{
    int fd = connect_from("127.0.0.1", false);
    ck_assert_int_ge(fd, 0);
    const char req[] = "POST /api/auth/login HTTP/1.1\r\nHost: x\r\n"
                       "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "2\r\n{}\r\n";
    ck_assert(it_raw_send(fd, req, sizeof req - 1));
    it_response *r = it_raw_read(fd, 8000);
    IT_ASSERT_PROBLEM(r, 408, "request-timeout");
    it_response_free(r);
    close(fd);
}
END_TEST

/* 4. Unknown Transfer-Encodings are answered at once (501) and closed. */
START_TEST(test_unknown_transfer_encoding)
{
    double t0 = now_s();
    REFUSE("POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n"
           "5\r\nhello\r\n0\r\n\r\n",
           501, "unsupported-transfer-encoding");
    REFUSE("POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity, chunked\r\n\r\n",
           501, "unsupported-transfer-encoding");
    REFUSE("POST /healthz HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "bad-framing");
    /* answered, not held until a time-out */
    ck_assert_msg(now_s() - t0 < 1.9, "%.1f s", now_s() - t0);
}
END_TEST

/* 5. NUL and other control characters in paths, query strings and header values. */
START_TEST(test_control_characters)
{
    REFUSE("GET /api/residents/" IT_RESIDENT_ENGEN_1 "%00 HTTP/1.1\r\nHost: x\r\n\r\n", 400,
           "bad-target");
    REFUSE("GET /index.html%00.js HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad-target");
    REFUSE("GET /healthz?x=%0a HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad-target");
    REFUSE("GET /healthz?x=%7F HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad-target");
    REFUSE("GET /heal\x01thz HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad-target");
    REFUSE("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x01" "b\r\n\r\n", 400, "bad-header-value");
    REFUSE("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n", 400, "bad-header-value");
    REFUSE("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400, "bad-line-ending");
    /* a percent-encoded slash or space is no control character */
    it_response *r = it_request("GET", "/healthz?x=%20%2F", NULL, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);
}
END_TEST

/* 6. What libmicrohttpd used to answer in HTML, or not at all, is problem+json. */
START_TEST(test_library_errors_are_problems)
{
    REFUSE("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 64, 64\r\n\r\n", 400,
           "bad-framing");
    REFUSE("GET /healthz HTTP/1.1\r\n\r\n", 400, "bad-framing");
    REFUSE("GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400, "bad-framing");
    REFUSE("GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505, "http-version-not-supported");
    REFUSE("GET http://x/healthz HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad-target");
    REFUSE("POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 999999\r\n\r\n", 413,
           "body-too-large");

    /* 20 KiB of headers */
    size_t cap = 32768;
    char *big = malloc(cap);
    int n = snprintf(big, cap, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: ");
    memset(big + n, 'a', 20000);
    n += 20000;
    n += snprintf(big + n, cap - (size_t)n, "\r\n\r\n");
    expect_refusal(big, (size_t)n, 431, "header-too-large");

    /* a Cookie header with 1 000 pairs (libmicrohttpd closed the connection without a word) */
    n = snprintf(big, cap, "GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: ");
    for (int i = 0; i < 1000 && (size_t)n < cap - 64; i++)
        n += snprintf(big + n, cap - (size_t)n, "%sc%d=v", i ? "; " : "", i);
    n += snprintf(big + n, cap - (size_t)n, "\r\n\r\n");
    ck_assert_int_lt(n, 8192); /* under the head limit: refused for the cookies */
    expect_refusal(big, (size_t)n, 431, "too-many-cookies");

    /* 100 header lines */
    n = snprintf(big, cap, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 100; i++)
        n += snprintf(big + n, cap - (size_t)n, "X-%d: v\r\n", i);
    n += snprintf(big + n, cap - (size_t)n, "\r\n");
    expect_refusal(big, (size_t)n, 431, "too-many-headers");
    free(big);
}
END_TEST

/* ---- 1. slow clients ---- */

#define ATTACK_ADDRESSES 5
#define ATTACK_PER_ADDRESS 200

typedef struct attack {
    int fds[ATTACK_ADDRESSES * ATTACK_PER_ADDRESS];
    const char *addr[ATTACK_ADDRESSES * ATTACK_PER_ADDRESS];
    bool body; /* trickle a body rather than header lines */
    long opened, cut;
} attack;

static void attack_open(attack *a, int i)
{
    static char srcs[ATTACK_ADDRESSES][24];
    int k = i / ATTACK_PER_ADDRESS;
    snprintf(srcs[k], sizeof srcs[k], "127.0.0.%d", 2 + k);
    a->addr[i] = srcs[k];
    a->fds[i] = connect_from(srcs[k], true);
    if (a->fds[i] >= 0)
        a->opened++;
}

/* Keeps every attacking connection open and trickling: one header line (or one body byte)
 * per connection per round; a connection the server ends is opened again at once. */
static void attack_round(attack *a, bool first)
{
    const char *head = a->body ? "POST /api/auth/login HTTP/1.1\r\nHost: x\r\n"
                                 "Content-Type: application/json\r\nContent-Length: 8192\r\n\r\n"
                               : "GET /healthz HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < ATTACK_ADDRESSES * ATTACK_PER_ADDRESS; i++) {
        if (first || a->fds[i] < 0) {
            attack_open(a, i);
            if (a->fds[i] >= 0) {
                struct pollfd p = {.fd = a->fds[i], .events = POLLOUT};
                poll(&p, 1, 100);
                send(a->fds[i], head, strlen(head), MSG_NOSIGNAL);
            }
            continue;
        }
        char junk[4096];
        ssize_t r = recv(a->fds[i], junk, sizeof junk, MSG_DONTWAIT);
        ssize_t s = send(a->fds[i], a->body ? "x" : "X-Slow: 1\r\n", a->body ? 1 : 11,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (r == 0 || (r < 0 && errno != EAGAIN) || (s < 0 && errno != EAGAIN) || r > 0) {
            close(a->fds[i]);
            a->fds[i] = -1;
            a->cut++;
        }
    }
}

/* A probe from an address of its own, while the attack runs: /healthz must answer 200 within
 * a second, every time. */
static void probe_during(attack *a, double seconds, int *probes, double *worst)
{
    attack_round(a, true);
    double end = now_s() + seconds, next_round = now_s() + 0.5;
    *probes = 0;
    *worst = 0;
    while (now_s() < end) {
        if (now_s() >= next_round) {
            attack_round(a, false);
            next_round = now_s() + 0.5;
        }
        double t0 = now_s();
        int fd = connect_from("127.0.0.9", false);
        ck_assert_msg(fd >= 0, "probe %d: no connection", *probes);
        const char req[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
        ck_assert(it_raw_send(fd, req, sizeof req - 1));
        it_response *r = it_raw_read(fd, 1000);
        double took = now_s() - t0;
        close(fd);
        ck_assert_msg(r->status == 200, "probe %d during the attack: status %ld after %.0f ms",
                      *probes, r->status, took * 1000);
        ck_assert_msg(took < 1.0, "probe %d took %.0f ms", *probes, took * 1000);
        if (took > *worst)
            *worst = took;
        (*probes)++;
        it_response_free(r);
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    for (int i = 0; i < ATTACK_ADDRESSES * ATTACK_PER_ADDRESS; i++)
        if (a->fds[i] >= 0)
            close(a->fds[i]);
}

/* A burst of connections from one address, each sending its request at once (a proxy, an
 * office behind one address, wrk -c64): every one is answered, none refused as unfinished. */
START_TEST(test_burst_from_one_address_is_served)
{
    enum { BURST = 120 };
    int fd[BURST];
    const char *req = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    for (int i = 0; i < BURST; i++) {
        fd[i] = it_raw_connect();
        ck_assert_int_ge(fd[i], 0);
        ck_assert(it_raw_send(fd[i], req, strlen(req)));
    }
    int ok = 0;
    for (int i = 0; i < BURST; i++) {
        it_response *r = it_raw_read(fd[i], 5000);
        ck_assert_msg(r->status == 200, "connection %d of the burst: status %ld", i, r->status);
        ok++;
        it_response_free(r);
        close(fd[i]);
    }
    ck_assert_int_eq(ok, BURST);
}
END_TEST

/* A burst as wrk or a proxy makes it: every connection opened first, the requests sent
 * after. Up to four times the per-address limit of unfinished heads (32) is a burst and
 * served; more than that at once from one address is refused 429 like a slow attack. */
START_TEST(test_connections_opened_before_their_requests_are_served)
{
    enum { BURST = 64, FLOOD = 4 * 32 + 16 };
    int fd[FLOOD];
    const char *req = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    for (int i = 0; i < BURST; i++) {
        fd[i] = it_raw_connect();
        ck_assert_int_ge(fd[i], 0);
    }
    struct timespec ts = {0, 200 * 1000 * 1000}; /* all accepted before any head */
    nanosleep(&ts, NULL);
    for (int i = 0; i < BURST; i++)
        ck_assert(it_raw_send(fd[i], req, strlen(req)));
    for (int i = 0; i < BURST; i++) {
        it_response *r = it_raw_read(fd[i], 5000);
        ck_assert_msg(r->status == 200, "connection %d of the burst: status %ld", i, r->status);
        it_response_free(r);
        close(fd[i]);
    }

    for (int i = 0; i < FLOOD; i++) {
        fd[i] = it_raw_connect();
        ck_assert_int_ge(fd[i], 0);
    }
    nanosleep(&ts, NULL);
    int ok = 0, refused = 0;
    for (int i = 0; i < FLOOD; i++) {
        it_raw_send(fd[i], req, strlen(req)); /* a refused one may be closed already */
        it_response *r = it_raw_read(fd[i], 5000);
        if (r->status == 200)
            ok++;
        else if (r->status == 429 && r->body && strstr(r->body, "too-many-connections"))
            refused++;
        it_response_free(r);
        close(fd[i]);
    }
    ck_assert_int_ge(ok, 4 * 32);
    ck_assert_int_ge(refused, 1);
    ck_assert_int_eq(ok + refused, FLOOD);
}
END_TEST

START_TEST(test_slow_heads_from_a_few_addresses)
{
    static attack a;
    memset(&a, 0, sizeof a);
    int probes = 0;
    double worst = 0;
    probe_during(&a, 7.0, &probes, &worst); /* over three head deadlines of 2 s */
    fprintf(stderr, "slow heads: %ld connections opened, %ld cut by the server, %d probes, "
                    "slowest %.0f ms\n",
            a.opened, a.cut, probes, worst * 1000);
    ck_assert_int_ge(probes, 20);
    ck_assert_msg(a.cut > 0, "the server cut no slow connection");
}
END_TEST

START_TEST(test_slow_bodies_from_a_few_addresses)
{
    static attack a;
    memset(&a, 0, sizeof a);
    a.body = true;
    int probes = 0;
    double worst = 0;
    probe_during(&a, 7.0, &probes, &worst);
    fprintf(stderr, "slow bodies: %ld connections opened, %ld cut by the server, %d probes, "
                    "slowest %.0f ms\n",
            a.opened, a.cut, probes, worst * 1000);
    ck_assert_int_ge(probes, 20);
    ck_assert_msg(a.cut > 0, "the server cut no slow connection");
}
END_TEST

/* One slow head and one slow body: answered 408 when their time is up, not held. */
START_TEST(test_deadlines_answer_408)
{
    int fd = connect_from("127.0.0.1", false);
    ck_assert_int_ge(fd, 0);
    const char part[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
    ck_assert(it_raw_send(fd, part, sizeof part - 1));
    it_response *r = NULL;
    double t0 = now_s();
    for (int i = 0; i < 8; i++) { /* a header line every half second: never idle */
        if (!it_raw_send(fd, "X-Slow: 1\r\n", 11))
            break;
        r = it_raw_read(fd, 500);
        if (r->status)
            break;
        it_response_free(r);
        r = NULL;
    }
    if (!r)
        r = it_raw_read(fd, 2000);
    IT_ASSERT_PROBLEM(r, 408, "request-timeout");
    ck_assert_msg(now_s() - t0 < 3.5, "answered after %.1f s", now_s() - t0);
    it_response_free(r);
    close(fd);

    fd = connect_from("127.0.0.1", false);
    const char body[] = "POST /api/auth/login HTTP/1.1\r\nHost: x\r\n"
                        "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{";
    ck_assert(it_raw_send(fd, body, sizeof body - 1));
    r = NULL;
    t0 = now_s();
    for (int i = 0; i < 12; i++) { /* one byte every half second */
        if (!it_raw_send(fd, " ", 1))
            break;
        r = it_raw_read(fd, 500);
        if (r->status)
            break;
        it_response_free(r);
        r = NULL;
    }
    if (!r)
        r = it_raw_read(fd, 2000);
    IT_ASSERT_PROBLEM(r, 408, "request-timeout");
    ck_assert_msg(now_s() - t0 < 5.0, "answered after %.1f s", now_s() - t0);
    it_response_free(r);
    close(fd);
}
END_TEST

int main(void)
{
    /* a thousand attacking sockets, and the server's own */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    const char *env[] = {"MAX_BODY_BYTES=2048", "HEADER_TIMEOUT_SECONDS=2", NULL};
    it_server_start(env);
    Suite *s = suite_create("edge");
    TCase *tc = tcase_create("edge");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_smuggling_is_refused);
    tcase_add_test(tc, test_one_request_per_connection);
    tcase_add_test(tc, test_chunked_body_stops_at_the_limit);
    tcase_add_test(tc, test_chunked_body_without_end_times_out);
    tcase_add_test(tc, test_unknown_transfer_encoding);
    tcase_add_test(tc, test_control_characters);
    tcase_add_test(tc, test_library_errors_are_problems);
    tcase_add_test(tc, test_deadlines_answer_408);
    tcase_add_test(tc, test_burst_from_one_address_is_served);
    tcase_add_test(tc, test_connections_opened_before_their_requests_are_served);
    tcase_add_test(tc, test_slow_heads_from_a_few_addresses);
    tcase_add_test(tc, test_slow_bodies_from_a_few_addresses);
    suite_add_tcase(s, tc);
    return it_run_suite(s);
}
