/*
 * test_head: lib/head, the strict request-head check the acceptor runs before
 * libmicrohttpd sees a connection. Well-formed heads pass with their exact length;
 * every framing trick is refused with its status and code; an unfinished head waits
 * until it passes the size limit.
 */
#include "head.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BODY 2048ULL

static head_result check(const char *s, head_verdict *v)
{
    return head_check(s, strlen(s), MAX_BODY, v);
}

static void refused(const char *s, unsigned status, const char *code)
{
    head_verdict v;
    head_result r = check(s, &v);
    ck_assert_msg(r == HEAD_REJECT, "accepted (%d): %s", r, s);
    ck_assert_msg(v.status == status, "status %u, expected %u: %s", v.status, status, s);
    ck_assert_msg(strcmp(v.code, code) == 0, "code %s, expected %s: %s", v.code, code, s);
    ck_assert_ptr_nonnull(v.detail);
}

START_TEST(accepts_well_formed_heads)
{
    const char *ok[] = {
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /api/residents?limit=50&after=abc%2F HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
        "Accept: application/json\r\nCookie: a=b; c=d\r\n\r\n",
        "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n",
        "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n",
        "GET /healthz HTTP/1.0\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nX-Name: caf\xc3\xa9 \t ok\r\nX-Empty:\r\n\r\n",
        "\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        head_verdict v;
        ck_assert_msg(check(ok[i], &v) == HEAD_OK, "refused %s: %s", ok[i],
                      v.detail ? v.detail : "");
        ck_assert_uint_eq(v.head_len, strlen(ok[i]));
    }
}
END_TEST

START_TEST(head_len_excludes_the_body)
{
    const char *s = "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
    head_verdict v;
    ck_assert_int_eq(check(s, &v), HEAD_OK);
    ck_assert_uint_eq(v.head_len, strlen(s) - 5);
}
END_TEST

START_TEST(waits_for_the_rest)
{
    head_verdict v;
    ck_assert_int_eq(check("GET / HTTP/1.1\r\nHost: x\r\n", &v), HEAD_INCOMPLETE);
    ck_assert_int_eq(check("GET / HTTP/1.1\r\nHost: x\r\n\r", &v), HEAD_INCOMPLETE);
    ck_assert_int_eq(check("", &v), HEAD_INCOMPLETE);
    ck_assert_int_eq(check("GE", &v), HEAD_INCOMPLETE);
}
END_TEST

START_TEST(refuses_header_names_that_are_not_tokens)
{
    refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\n", 400, "bad-header-name");
    refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length\t: 5\r\n\r\n", 400, "bad-header-name");
    refused("GET / HTTP/1.1\r\nHost: x\r\nX(A): b\r\n\r\n", 400, "bad-header-name");
    refused("GET / HTTP/1.1\r\nHost: x\r\n: b\r\n\r\n", 400, "bad-header-name");
    refused("GET / HTTP/1.1\r\nHost: x\r\nno colon\r\n\r\n", 400, "bad-header-name");
}
END_TEST

START_TEST(refuses_obs_fold)
{
    refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n 5\r\n\r\n", 400, "obs-fold");
    refused("GET / HTTP/1.1\r\nHost: x\r\nX-A: b\r\n\tc\r\n\r\n", 400, "obs-fold");
    refused("GET / HTTP/1.1\r\n Host: x\r\n\r\n", 400, "obs-fold");
}
END_TEST

START_TEST(refuses_bad_line_endings)
{
    refused("GET / HTTP/1.1\nHost: x\n\n", 400, "bad-line-ending");
    refused("GET / HTTP/1.1\r\nHost: x\n\r\n", 400, "bad-line-ending");
    refused("GET / HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n", 400, "bad-line-ending");
    /* refused before the head is complete: it never would be */
    refused("GET / HTTP/1.1\nHost", 400, "bad-line-ending");
}
END_TEST

START_TEST(refuses_control_characters)
{
    refused("GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad-target");
    refused("GET /a?b=%0A HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad-target");
    refused("GET /a?b=%1f HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad-target");
    refused("GET /a?b=%7f HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad-target");
    refused("GET /a\x7f HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad-target");
    refused("GET /a\x01 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad-target");
    refused("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x01z\r\n\r\n", 400, "bad-header-value");
    refused("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x7fz\r\n\r\n", 400, "bad-header-value");
    /* a NUL in the middle of a head: strlen() would stop there, so pass the length */
    const char nul[] = "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n";
    head_verdict v;
    ck_assert_int_eq(head_check(nul, sizeof nul - 1, MAX_BODY, &v), HEAD_REJECT);
    ck_assert_str_eq(v.code, "bad-header-value");
    const char nul_path[] = "GET /a\0.js HTTP/1.1\r\nHost: x\r\n\r\n";
    ck_assert_int_eq(head_check(nul_path, sizeof nul_path - 1, MAX_BODY, &v), HEAD_REJECT);
    ck_assert_str_eq(v.code, "bad-target");
    /* encoded, but not a control character */
    ck_assert_int_eq(check("GET /a%20b%2F%7E%25 HTTP/1.1\r\nHost: x\r\n\r\n", &v), HEAD_OK);
    ck_assert_int_eq(check("GET /a%zz%0 HTTP/1.1\r\nHost: x\r\n\r\n", &v), HEAD_OK);
}
END_TEST

START_TEST(refuses_ambiguous_framing)
{
    refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n", 400,
            "bad-framing");
    refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 64, 64\r\n\r\n", 400, "bad-framing");
    refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n", 400, "bad-framing");
    refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n", 400, "bad-framing");
    refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 12345678901234567890\r\n\r\n", 400,
            "bad-framing");
    refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
            400, "bad-framing");
    refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            "Transfer-Encoding: chunked\r\n\r\n",
            400, "bad-framing");
    refused("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "bad-framing");
    refused("GET / HTTP/1.1\r\n\r\n", 400, "bad-framing");
    refused("GET / HTTP/1.1\r\nHost: x\r\nhost: y\r\n\r\n", 400, "bad-framing");
}
END_TEST

START_TEST(refuses_unknown_transfer_encodings)
{
    refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n", 501,
            "unsupported-transfer-encoding");
    refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity, chunked\r\n\r\n", 501,
            "unsupported-transfer-encoding");
    refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 501,
            "unsupported-transfer-encoding");
}
END_TEST

START_TEST(refuses_sizes)
{
    refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2049\r\n\r\n", 413, "body-too-large");

    char *big = malloc(HEAD_MAX_BYTES + 64);
    int n = snprintf(big, 64, "GET / HTTP/1.1\r\nHost: x\r\nX-A: ");
    memset(big + n, 'a', HEAD_MAX_BYTES);
    big[n + HEAD_MAX_BYTES] = '\0';
    refused(big, 431, "header-too-large"); /* no blank line within the limit */
    free(big);

    char many[4096];
    n = snprintf(many, sizeof many, "GET / HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < HEAD_MAX_FIELDS; i++)
        n += snprintf(many + n, sizeof many - (size_t)n, "X-%d: v\r\n", i);
    snprintf(many + n, sizeof many - (size_t)n, "\r\n");
    refused(many, 431, "too-many-headers");

    n = snprintf(many, sizeof many, "GET / HTTP/1.1\r\nHost: x\r\nCookie: ");
    for (int i = 0; i <= HEAD_MAX_COOKIES; i++)
        n += snprintf(many + n, sizeof many - (size_t)n, "%sc%d=v", i ? "; " : "", i);
    snprintf(many + n, sizeof many - (size_t)n, "\r\n\r\n");
    refused(many, 431, "too-many-cookies");
}
END_TEST

START_TEST(refuses_bad_request_lines)
{
    refused("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, "http-version-not-supported");
    refused("GET / HTTP/1.1 \r\nHost: x\r\n\r\n", 400, "bad-request-line");
    refused("GET /  HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad-request-line");
    refused("GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad-target");
    refused("G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad-request-line");
    refused("GET\r\nHost: x\r\n\r\n", 400, "bad-request-line");
    refused("GET / FTP/1.1\r\nHost: x\r\n\r\n", 400, "bad-request-line");
}
END_TEST

START_TEST(token_and_value_rules)
{
    ck_assert(head_is_token("Content-Length", 14));
    ck_assert(head_is_token("x!#$%&'*+-.^_`|~9", 17));
    ck_assert(!head_is_token("", 0));
    ck_assert(!head_is_token("a b", 3));
    ck_assert(!head_is_token("a:b", 3));
    ck_assert(!head_is_token("\xc3\xa9", 2));
    ck_assert(head_value_ok("a\tb c\x80\xff", 7));
    ck_assert(!head_value_ok("a\nb", 3));
    ck_assert(!head_value_ok("a\0b", 3));
}
END_TEST

static Suite *head_suite(void)
{
    Suite *s = suite_create("head");
    TCase *tc = tcase_create("head");
    tcase_add_test(tc, accepts_well_formed_heads);
    tcase_add_test(tc, head_len_excludes_the_body);
    tcase_add_test(tc, waits_for_the_rest);
    tcase_add_test(tc, refuses_header_names_that_are_not_tokens);
    tcase_add_test(tc, refuses_obs_fold);
    tcase_add_test(tc, refuses_bad_line_endings);
    tcase_add_test(tc, refuses_control_characters);
    tcase_add_test(tc, refuses_ambiguous_framing);
    tcase_add_test(tc, refuses_unknown_transfer_encodings);
    tcase_add_test(tc, refuses_sizes);
    tcase_add_test(tc, refuses_bad_request_lines);
    tcase_add_test(tc, token_and_value_rules);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(head_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
