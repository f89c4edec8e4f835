/*
 * Behind a proxy (issue 12): X-Forwarded-For names the client only when the connection comes
 * from an address in TRUSTED_PROXIES (here 127.0.0.2), and then the right-most address the
 * proxy did not append itself; from anywhere else the header is ignored. The client address
 * is what the per-address request limit, the log-in limits and the audit log's client_addr
 * use, so a client that writes its own X-Forwarded-For neither escapes the limits nor
 * appears under another address in the audit log. Requests are sent over real sockets from
 * loopback addresses of their own (127.0.0.2 is the "proxy").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it_check.h"

#define LIMIT 12 /* RATE_LIMIT_PER_MINUTE */

static char *clinician_token(void)
{
    it_set_source_address(NULL);
    char *t = it_login("clinician@slagelse.demo");
    ck_assert_ptr_nonnull(t);
    return t;
}

/* Reads the Engen resident (an audited read) with one X-Forwarded-For line, or none. */
static it_response *read_resident(const char *token, const char *xff)
{
    char h[160];
    snprintf(h, sizeof h, "X-Forwarded-For: %s", xff ? xff : "");
    const char *headers[] = {h, NULL};
    return it_request("GET", "/api/residents/" IT_RESIDENT_ENGEN_1, token, NULL,
                      xff ? headers : NULL);
}

/* The client_addr of the audit rows the request of r wrote (all the same; malloc'd). */
static char *audited_address(const it_response *r)
{
    char *rid = it_header(r, "X-Request-Id");
    ck_assert_ptr_nonnull(rid);
    PGconn *db = it_db_owner();
    const char *p[] = {rid};
    char *n = it_db_value_params(
        db, "SELECT count(DISTINCT coalesce(client_addr, '-')) FROM audit_log WHERE request_id = $1",
        1, p);
    ck_assert_msg(n && strcmp(n, "1") == 0, "request %s: %s distinct client addresses", rid,
                  n ? n : "(null)");
    char *addr = it_db_value_params(
        db, "SELECT coalesce(client_addr, '-') FROM audit_log WHERE request_id = $1 LIMIT 1", 1,
        p);
    free(n);
    PQfinish(db);
    free(rid);
    return addr;
}

static it_response *login(const char *email, const char *password, const char *xff)
{
    json_t *o = json_pack("{s:s, s:s}", "email", email, "password", password);
    char *b = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    char h[160];
    snprintf(h, sizeof h, "X-Forwarded-For: %s", xff);
    const char *headers[] = {h, NULL};
    it_response *r = it_request("POST", "/api/auth/login", NULL, b, headers);
    free(b);
    return r;
}

static char *fresh_account(char **email)
{
    it_set_source_address(NULL);
    char *admin = it_login("admin@samspil.demo");
    ck_assert_ptr_nonnull(admin);
    char *id = it_create_user(admin, "facility_staff", IT_FACILITY_SKOVEN, "the-password-1",
                              email);
    free(admin);
    return id;
}

/* A client that is no proxy writes X-Forwarded-For: ignored for the audit log and the limit. */
START_TEST(test_untrusted_forwarded_for_is_ignored)
{
    char *token = clinician_token();
    it_set_source_address("127.0.0.3");
    it_response *r = read_resident(token, "203.0.113.50");
    IT_ASSERT_STATUS(r, 200);
    char *addr = audited_address(r);
    ck_assert_str_eq(addr, "127.0.0.3");
    free(addr);
    it_response_free(r);
    /* a new made-up address every time does not make a new client */
    for (int i = 1; i < LIMIT; i++) {
        char xff[64];
        snprintf(xff, sizeof xff, "198.51.100.%d", i);
        r = read_resident(token, xff);
        IT_ASSERT_STATUS(r, 200);
        it_response_free(r);
    }
    r = read_resident(token, "198.51.100.200");
    IT_ASSERT_PROBLEM(r, 429, "rate-limited");
    it_response_free(r);
    free(token);
}
END_TEST

/* From the trusted proxy: the address it appended is the client, whatever the client wrote
 * in front of it; limits count per forwarded client, not for the proxy as a whole. */
START_TEST(test_trusted_proxy_forwards_the_client)
{
    char *token = clinician_token();
    it_set_source_address("127.0.0.2");
    /* the client claimed 198.51.100.7; the proxy appended what it saw, 203.0.113.5 */
    it_response *r = read_resident(token, "198.51.100.7, 203.0.113.5");
    IT_ASSERT_STATUS(r, 200);
    char *addr = audited_address(r);
    ck_assert_str_eq(addr, "203.0.113.5");
    free(addr);
    it_response_free(r);
    for (int i = 1; i < LIMIT; i++) {
        char xff[64];
        snprintf(xff, sizeof xff, "198.51.100.%d, 203.0.113.5", i); /* a new lie each time */
        r = read_resident(token, xff);
        IT_ASSERT_STATUS(r, 200);
        it_response_free(r);
    }
    r = read_resident(token, "203.0.113.5");
    IT_ASSERT_PROBLEM(r, 429, "rate-limited");
    it_response_free(r);
    /* another client behind the same proxy is not limited with it */
    r = read_resident(token, "203.0.113.6");
    IT_ASSERT_STATUS(r, 200);
    addr = audited_address(r);
    ck_assert_str_eq(addr, "203.0.113.6");
    free(addr);
    it_response_free(r);
    /* nor the proxy itself (its own requests, without the header) */
    r = read_resident(token, NULL);
    IT_ASSERT_STATUS(r, 200);
    addr = audited_address(r);
    ck_assert_str_eq(addr, "127.0.0.2");
    free(addr);
    it_response_free(r);
    free(token);
}
END_TEST

/* The log-in limits (LOGIN_MAX_FAILURES=3) count per forwarded client behind the proxy, and
 * per real address for a client that forges the header. */
START_TEST(test_login_limits_use_the_client_address)
{
    char *email = NULL;
    char *id = fresh_account(&email);

    it_set_source_address("127.0.0.2");
    for (int i = 0; i < 3; i++) {
        it_response *r = login(email, "not-the-password", "203.0.113.20");
        IT_ASSERT_PROBLEM(r, 401, "invalid-credentials");
        it_response_free(r);
    }
    it_response *r = login(email, "the-password-1", "203.0.113.20");
    IT_ASSERT_PROBLEM(r, 429, "too-many-attempts");
    it_response_free(r);
    /* the owner, behind the same proxy from another address, gets in */
    r = login(email, "the-password-1", "203.0.113.21");
    IT_ASSERT_STATUS(r, 200);
    it_response_free(r);

    /* a client that is no proxy cannot shake off its count by naming other addresses */
    it_set_source_address("127.0.0.4");
    for (int i = 0; i < 3; i++) {
        char xff[32];
        snprintf(xff, sizeof xff, "198.51.100.%d", 30 + i);
        r = login(email, "not-the-password", xff);
        IT_ASSERT_PROBLEM(r, 401, "invalid-credentials");
        it_response_free(r);
    }
    r = login(email, "the-password-1", "198.51.100.99");
    IT_ASSERT_PROBLEM(r, 429, "too-many-attempts");
    it_response_free(r);
    free(id);
    free(email);
}
END_TEST

int main(void)
{
    const char *env[] = {"TRUSTED_PROXIES=127.0.0.2, 10.0.0.0/8", "RATE_LIMIT_PER_MINUTE=12",
                         "LOGIN_MAX_FAILURES=3", NULL};
    it_server_start(env);
    Suite *s = suite_create("proxy");
    TCase *tc = tcase_create("forwarded");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_untrusted_forwarded_for_is_ignored);
    tcase_add_test(tc, test_trusted_proxy_forwards_the_client);
    tcase_add_test(tc, test_login_limits_use_the_client_address);
    suite_add_tcase(s, tc);
    return it_run_suite(s);
}
