/*
 * The HTTP surface every endpoint shares: request bodies (size limit, strict JSON, content
 * type, unknown fields), routing errors, framing, the static frontend with its security
 * headers, path traversal, the probes and metrics, request ids and keep-alive. The server
 * runs with MAX_BODY_BYTES=2048 so the limit is cheap to cross.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "it_check.h"

#define LOGIN "/api/auth/login"

static it_response *post_login(const char *body, const char *content_type)
{
    char ct[128];
    snprintf(ct, sizeof ct, "Content-Type:%s%s", content_type ? " " : "",
             content_type ? content_type : "");
    const char *h[] = {ct, NULL};
    return it_request("POST", LOGIN, NULL, body, h);
}

/* ---- bodies ---- */

START_TEST(test_body_too_large)
{
    char *big = malloc(4097);
    memset(big, ' ', 4096);
    const char *login = "{\"email\":\"a@b.c\",\"password\":\"x\"}";
    memcpy(big, login, strlen(login));
    big[4096] = '\0';
    it_response *r = it_request("POST", LOGIN, NULL, big, NULL);
    IT_ASSERT_PROBLEM(r, 413, "body-too-large");
    it_response_free(r);

    /* the same without a Content-Length: a chunked body is cut off at the limit too */
    int fd = it_raw_connect();
    ck_assert_int_ge(fd, 0);
    char head[256];
    snprintf(head, sizeof head,
             "POST " LOGIN " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
             "Transfer-Encoding: chunked\r\n\r\n");
    ck_assert(it_raw_send(fd, head, strlen(head)));
    for (int i = 0; i < 4; i++) {
        char chunk[1100];
        int n = snprintf(chunk, sizeof chunk, "400\r\n%.*s\r\n", 1024, big);
        if (!it_raw_send(fd, chunk, (size_t)n))
            break; /* the server may stop reading once it has answered */
    }
    it_raw_send(fd, "0\r\n\r\n", 5);
    r = it_raw_read(fd, 5000);
    IT_ASSERT_PROBLEM(r, 413, "body-too-large");
    it_response_free(r);
    close(fd);

    /* a small chunked body is read as usual */
    fd = it_raw_connect();
    ck_assert_int_ge(fd, 0);
    const char *chunked = "POST " LOGIN " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "5\r\n{\"ema\r\n9\r\nil\":\"a@b\"\r\n1\r\n}\r\n0\r\n\r\n";
    ck_assert(it_raw_send(fd, chunked, strlen(chunked)));
    r = it_raw_read(fd, 5000);
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    ck_assert(it_problem_has_field(r, "password"));
    it_response_free(r);
    close(fd);

    /* just under the limit is parsed as usual */
    it_set_source_address("127.0.0.43");
    big[2000] = '\0';
    r = it_request("POST", LOGIN, NULL, big, NULL);
    IT_ASSERT_STATUS(r, 401);
    it_response_free(r);
    free(big);
}
END_TEST

START_TEST(test_malformed_json)
{
    const char *bodies[] = {
        "{",
        "{\"email\":\"a@b.c\",\"password\":\"x\"",
        "{\"email\":\"a@b.c\" \"password\":\"x\"}",
        "{\"email\":\"a@b.c\",\"password\":\"x\"} trailing",
        "[\"a@b.c\",\"x\"]",
        "\"just a string\"",
        "null",
        "{'email':'a@b.c'}",
        "{\"email\":\"a\\u0000b@c.d\",\"password\":\"x\"}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        it_response *r = post_login(bodies[i], "application/json");
        IT_ASSERT_PROBLEM(r, 400, "malformed-json");
        it_response_free(r);
    }
    /* an empty body */
    const char *h[] = {"Content-Type: application/json", "Content-Length: 0", NULL};
    it_response *r = it_request("POST", LOGIN, NULL, NULL, h);
    IT_ASSERT_PROBLEM(r, 400, "malformed-json");
    it_response_free(r);
    /* invalid UTF-8 */
    r = post_login("{\"email\":\"a\xff@b.c\",\"password\":\"x\"}", "application/json");
    IT_ASSERT_PROBLEM(r, 400, "malformed-json");
    it_response_free(r);
}
END_TEST

START_TEST(test_duplicate_keys)
{
    it_response *r = post_login(
        "{\"email\":\"a@b.c\",\"password\":\"x\",\"email\":\"admin@samspil.demo\"}",
        "application/json");
    IT_ASSERT_PROBLEM(r, 400, "malformed-json");
    it_response_free(r);
}
END_TEST

/* {"email":..., "password":..., "deep": [[...]]} nested to depth levels in total. */
static char *nested(int depth, const char *inner)
{
    size_t n = (size_t)depth * 2 + strlen(inner) + 128;
    char *s = malloc(n);
    int off = snprintf(s, n, "{\"email\":\"a@b.c\",\"password\":\"x\",\"deep\":");
    for (int i = 1; i < depth; i++)
        s[off++] = '[';
    off += snprintf(s + off, n - (size_t)off, "%s", inner);
    for (int i = 1; i < depth; i++)
        s[off++] = ']';
    snprintf(s + off, n - (size_t)off, "}");
    return s;
}

START_TEST(test_nesting_depth)
{
    /* 16 levels parse (and the unknown field is then named) */
    char *ok = nested(16, "1");
    it_response *r = post_login(ok, "application/json");
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    ck_assert(it_problem_has_field(r, "deep"));
    it_response_free(r);
    free(ok);
    /* 17 do not */
    char *deep = nested(17, "1");
    r = post_login(deep, "application/json");
    IT_ASSERT_PROBLEM(r, 400, "malformed-json");
    it_response_free(r);
    free(deep);
    /* far deeper: still a clean 400, not a crashed worker */
    char *abyss = nested(1000, "{}");
    r = post_login(abyss, "application/json");
    IT_ASSERT_PROBLEM(r, 400, "malformed-json");
    it_response_free(r);
    free(abyss);
    /* brackets inside strings are text, not nesting */
    it_set_source_address("127.0.0.42");
    r = post_login("{\"email\":\"[[[[[[[[[[[[[[[[[[[[[[[[@b.c\","
                   "\"password\":\"{{{{{{{{{{{{{{{{{{{{\"}",
                   "application/json");
    IT_ASSERT_PROBLEM(r, 401, "invalid-credentials");
    it_response_free(r);
}
END_TEST

/* A log-in body for an e-mail nobody has, so failed log-ins of one test lock nothing. */
static char *stranger_login(void)
{
    char *local = it_unique("stranger");
    json_t *o = json_pack("{s:s+, s:s}", "email", local, "@test.demo", "password", "x");
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    free(local);
    return s;
}

START_TEST(test_content_type)
{
    /* wrong log-ins below would count against this address */
    it_set_source_address("127.0.0.41");
    const char *body = "{\"email\":\"a@b.c\",\"password\":\"x\"}";
    const char *refused[] = {"text/plain", "application/x-www-form-urlencoded",
                             "multipart/form-data; boundary=x", "application/jsonp",
                             "application/json-patch+json", NULL};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        it_response *r = post_login(body, refused[i]);
        IT_ASSERT_PROBLEM(r, 415, "unsupported-media-type");
        it_response_free(r);
    }
    const char *accepted[] = {"application/json", "application/json; charset=utf-8",
                              "Application/JSON", "application/json;charset=UTF-8"};
    for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
        char *b = stranger_login();
        it_response *r = post_login(b, accepted[i]);
        IT_ASSERT_PROBLEM(r, 401, "invalid-credentials");
        it_response_free(r);
        free(b);
    }
}
END_TEST

START_TEST(test_validation_names_fields)
{
    it_response *r = post_login(
        "{\"email\":\"a@b.c\",\"password\":\"x\",\"remember_me\":true}", "application/json");
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    ck_assert(it_problem_has_field(r, "remember_me"));
    ck_assert_ptr_nonnull(strstr(it_json_str(r, "detail"), "remember_me"));
    it_response_free(r);

    /* every problem at once */
    r = post_login("{\"email\":5,\"extra\":null}", "application/json");
    IT_ASSERT_PROBLEM(r, 422, "validation-failed");
    ck_assert(it_problem_has_field(r, "email"));
    ck_assert(it_problem_has_field(r, "password"));
    ck_assert(it_problem_has_field(r, "extra"));
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "errors")), 3);
    it_response_free(r);
}
END_TEST

/* ---- routing ---- */

START_TEST(test_unknown_routes)
{
    char *t = it_login("clinician@slagelse.demo");
    const char *paths[] = {"/api/nothing", "/api", "/api/residents/" IT_RESIDENT_ENGEN_1 "/x",
                           "/api/me/", "/no-such-page.html", "/app/deep/link"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        it_response *r = it_request("GET", paths[i], t, NULL, NULL);
        IT_ASSERT_PROBLEM(r, 404, "not-found");
        it_response_free(r);
    }
    free(t);
}
END_TEST

START_TEST(test_wrong_method)
{
    struct {
        const char *method, *path, *allow[3];
    } cases[] = {
        {"DELETE", "/api/users", {"GET", "POST", NULL}},
        {"PUT", "/api/residents/" IT_RESIDENT_ENGEN_1, {"GET", NULL, NULL}},
        {"POST", "/api/me", {"GET", NULL, NULL}},
        {"GET", "/api/auth/login", {"POST", NULL, NULL}},
        {"POST", "/index.html", {"GET", "HEAD", NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        it_response *r = it_request(cases[i].method, cases[i].path, NULL,
                                    strcmp(cases[i].method, "GET") ? "{}" : NULL, NULL);
        IT_ASSERT_PROBLEM(r, 405, "method-not-allowed");
        char *allow = it_header(r, "Allow");
        ck_assert_msg(allow != NULL, "%s %s: no Allow header", cases[i].method, cases[i].path);
        for (int k = 0; k < 3 && cases[i].allow[k]; k++)
            ck_assert_msg(strstr(allow, cases[i].allow[k]), "%s %s: Allow: %s lacks %s",
                          cases[i].method, cases[i].path, allow, cases[i].allow[k]);
        ck_assert_ptr_null(strstr(allow, cases[i].method));
        free(allow);
        it_response_free(r);
    }
}
END_TEST

START_TEST(test_conflicting_framing)
{
    const char *requests[] = {
        "POST " LOGIN " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}",
        "POST " LOGIN " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST " LOGIN " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 2x\r\n\r\n{}",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++) {
        int fd = it_raw_connect();
        ck_assert_int_ge(fd, 0);
        ck_assert(it_raw_send(fd, requests[i], strlen(requests[i])));
        it_response *r = it_raw_read(fd, 5000);
        ck_assert_msg(r->status == 400, "request %zu: status %ld", i, r->status);
        it_response_free(r);
        close(fd);
    }
}
END_TEST

/* ---- the frontend ---- */

static void assert_security_headers(const it_response *r)
{
    char *csp = it_header(r, "Content-Security-Policy");
    ck_assert_ptr_nonnull(csp);
    ck_assert_msg(strstr(csp, "frame-ancestors 'none'"), "CSP: %s", csp);
    ck_assert_msg(strstr(csp, "default-src 'self'"), "CSP: %s", csp);
    ck_assert_msg(!strstr(csp, "unsafe-inline") && !strstr(csp, "unsafe-eval"), "CSP: %s", csp);
    char *nosniff = it_header(r, "X-Content-Type-Options");
    ck_assert_ptr_nonnull(nosniff);
    ck_assert_str_eq(nosniff, "nosniff");
    char *rp = it_header(r, "Referrer-Policy");
    ck_assert_ptr_nonnull(rp);
    ck_assert_msg(strstr(rp, "no-referrer") || strstr(rp, "same-origin"), "%s", rp);
    free(rp);
    free(nosniff);
    free(csp);
}

START_TEST(test_static_index)
{
    const char *paths[] = {"/", "/index.html"};
    for (size_t i = 0; i < 2; i++) {
        it_response *r = it_request("GET", paths[i], NULL, NULL, NULL);
        IT_ASSERT_STATUS(r, 200);
        char *ct = it_header(r, "Content-Type");
        ck_assert_msg(ct && strncmp(ct, "text/html", 9) == 0, "Content-Type %s", ct);
        ck_assert_ptr_nonnull(strstr(r->body, "Samspil"));
        assert_security_headers(r);
        free(ct);

        /* revalidation with the ETag */
        char *etag = it_header(r, "ETag");
        ck_assert_ptr_nonnull(etag);
        char inm[256];
        snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
        const char *h[] = {inm, NULL};
        it_response *again = it_request("GET", paths[i], NULL, NULL, h);
        IT_ASSERT_STATUS(again, 304);
        ck_assert_int_eq(again->body_len, 0);
        it_response_free(again);
        free(etag);
        it_response_free(r);
    }
    it_response *r = it_request("HEAD", "/", NULL, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_int_eq(r->body_len, 0);
    it_response_free(r);
    /* API answers carry the same headers */
    r = it_request("GET", "/api/me", NULL, NULL, NULL);
    assert_security_headers(r);
    it_response_free(r);
}
END_TEST

START_TEST(test_path_traversal)
{
    const char *paths[] = {
        "/../etc/passwd",
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E/migrations/0001_identity.sql",
        "/..%2f..%2f..%2fetc%2fpasswd",
        "/static/..%2f..%2fmigrations%2f0001_identity.sql",
        "/./index.html/../../migrations/0001_identity.sql",
        "/.git/config",
        "/..",
        "/%2e%2e",
        "/..\\..\\etc\\passwd",
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        it_response *r = it_request("GET", paths[i], NULL, NULL, NULL);
        ck_assert_msg(r->status == 404 || r->status == 400, "%s: status %ld", paths[i],
                      r->status);
        ck_assert_msg(!strstr(r->body, "root:") && !strstr(r->body, "CREATE"), "%s leaked",
                      paths[i]);
        it_response_free(r);
    }
    /* the plain cases are the server's own 404 problem */
    it_response *r = it_request("GET", "/../etc/passwd", NULL, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    it_response_free(r);
    r = it_request("GET", "/%2e%2e/%2e%2e/etc/passwd", NULL, NULL, NULL);
    IT_ASSERT_PROBLEM(r, 404, "not-found");
    it_response_free(r);
}
END_TEST

/* ---- probes ---- */

START_TEST(test_probes_and_metrics)
{
    it_response *r = it_request("GET", "/healthz", NULL, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);
    r = it_request("GET", "/readyz", NULL, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    ck_assert_str_eq(it_json_str(r, "status"), "ready");
    it_response_free(r);

    /* some traffic to count, including an id and an unknown address */
    char *t = it_login("clinician@slagelse.demo");
    r = it_request("GET", "/api/residents/" IT_RESIDENT_ENGEN_1, t, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);
    char *unique = it_unique("nowhere");
    char path[256];
    snprintf(path, sizeof path, "/api/%s", unique);
    r = it_request("GET", path, t, NULL, NULL);
    it_response_free(r);

    /* a request is counted when libmicrohttpd reports it complete, which may be just after
     * its client has the answer: ask again for up to two seconds */
    for (int tries = 0;; tries++) {
        r = it_request("GET", "/metrics", NULL, NULL, NULL);
        IT_ASSERT_STATUS(r, 200);
        if (strstr(r->body, "route=\"/api/residents/{id}\"") || tries == 40)
            break;
        it_response_free(r);
        usleep(50 * 1000);
    }
    char *ct = it_header(r, "Content-Type");
    ck_assert_msg(ct && strncmp(ct, "text/plain", 10) == 0, "Content-Type %s", ct);
    free(ct);
    ck_assert_ptr_nonnull(strstr(r->body, "samspil_http_requests_total{"));
    ck_assert_ptr_nonnull(strstr(r->body, "samspil_db_pool_connections{"));
    ck_assert_ptr_nonnull(strstr(r->body, "route=\"/api/residents/{id}\""));
    ck_assert_ptr_nonnull(strstr(r->body, "route=\"/api/auth/login\""));
    /* labels are route patterns: no ids, no client-chosen paths, no tokens */
    ck_assert_ptr_null(strstr(r->body, IT_RESIDENT_ENGEN_1));
    ck_assert_ptr_null(strstr(r->body, unique));
    ck_assert_ptr_null(strstr(r->body, t));
    it_response_free(r);
    free(unique);
    free(t);
}
END_TEST

START_TEST(test_request_ids)
{
    it_response *a = it_request("GET", "/healthz", NULL, NULL, NULL);
    it_response *b = it_request("GET", "/healthz", NULL, NULL, NULL);
    char *ia = it_header(a, "X-Request-Id"), *ib = it_header(b, "X-Request-Id");
    ck_assert_ptr_nonnull(ia);
    ck_assert_ptr_nonnull(ib);
    ck_assert_int_ge(strlen(ia), 16);
    ck_assert_str_ne(ia, ib);
    /* a client cannot choose its own request id (it goes into the audit log) */
    const char *h[] = {"X-Request-Id: forged-id", NULL};
    it_response *c = it_request("GET", "/healthz", NULL, NULL, h);
    char *ic = it_header(c, "X-Request-Id");
    ck_assert_ptr_nonnull(ic);
    ck_assert_str_ne(ic, "forged-id");
    free(ic);
    free(ia);
    free(ib);
    it_response_free(a);
    it_response_free(b);
    it_response_free(c);
}
END_TEST


int main(void)
{
    const char *env[] = {"MAX_BODY_BYTES=2048", NULL};
    it_server_start(env);
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("http");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_body_too_large);
    tcase_add_test(tc, test_malformed_json);
    tcase_add_test(tc, test_duplicate_keys);
    tcase_add_test(tc, test_nesting_depth);
    tcase_add_test(tc, test_content_type);
    tcase_add_test(tc, test_validation_names_fields);
    tcase_add_test(tc, test_unknown_routes);
    tcase_add_test(tc, test_wrong_method);
    tcase_add_test(tc, test_conflicting_framing);
    tcase_add_test(tc, test_static_index);
    tcase_add_test(tc, test_path_traversal);
    tcase_add_test(tc, test_probes_and_metrics);
    tcase_add_test(tc, test_request_ids);
    suite_add_tcase(s, tc);
    return it_run_suite(s);
}
