/*
 * test_netset: lib/netset. TRUSTED_PROXIES parses addresses and CIDR prefixes (IPv4 and
 * IPv6) and refuses anything else; X-Forwarded-For is ignored unless the peer is trusted,
 * and then read from the right up to the first untrusted address, over several header lines;
 * a client cannot put itself further left than the proxy's own entry.
 */
#include "netset.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static char out[64];

static const char *client(const netset *t, const char *peer, const char *const *xff, size_t n)
{
    netset_client_address(t, peer, xff, n, out, sizeof out);
    return out;
}

START_TEST(parse_and_contain)
{
    char err[128];
    netset *s = netset_parse(" 10.0.0.0/8, 127.0.0.2 ,fd00::/8,::1,192.168.1.0/24,", err,
                             sizeof err);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(netset_size(s), 5);
    ck_assert(netset_contains(s, "10.200.3.4"));
    ck_assert(!netset_contains(s, "11.0.0.1"));
    ck_assert(netset_contains(s, "127.0.0.2"));
    ck_assert(!netset_contains(s, "127.0.0.3"));
    ck_assert(netset_contains(s, "::ffff:127.0.0.2")); /* IPv4-mapped is the same address */
    ck_assert(netset_contains(s, "fdab::1"));
    ck_assert(!netset_contains(s, "fe80::1"));
    ck_assert(netset_contains(s, "::1"));
    ck_assert(netset_contains(s, "192.168.1.255"));
    ck_assert(!netset_contains(s, "192.168.2.0"));
    ck_assert(!netset_contains(s, "not-an-address"));
    ck_assert(!netset_contains(s, NULL));
    netset_free(s);

    s = netset_parse("", err, sizeof err);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(netset_size(s), 0);
    ck_assert(!netset_contains(s, "127.0.0.1"));
    netset_free(s);

    s = netset_parse("0.0.0.0/0", err, sizeof err);
    ck_assert(netset_contains(s, "8.8.8.8"));
    ck_assert(!netset_contains(s, "2001:db8::1")); /* an IPv4 prefix covers IPv4 only */
    netset_free(s);
}
END_TEST

START_TEST(parse_refuses)
{
    const char *bad[] = {"proxy.example", "10.0.0.0/33", "::/129", "10.0.0.1/", "10.0.0.1/x",
                         "10.0.0.1/-1", "1.2.3.4, 300.1.1.1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[128] = "";
        netset *s = netset_parse(bad[i], err, sizeof err);
        ck_assert_msg(s == NULL, "accepted %s", bad[i]);
        ck_assert_msg(err[0], "no reason for %s", bad[i]);
    }
}
END_TEST

START_TEST(untrusted_peer_is_the_client)
{
    char err[64];
    netset *t = netset_parse("127.0.0.2", err, sizeof err);
    const char *xff[] = {"203.0.113.9"};
    ck_assert_str_eq(client(t, "127.0.0.3", xff, 1), "127.0.0.3");
    ck_assert_str_eq(client(NULL, "127.0.0.3", xff, 1), "127.0.0.3");
    netset *none = netset_parse("", err, sizeof err);
    ck_assert_str_eq(client(none, "127.0.0.2", xff, 1), "127.0.0.2");
    netset_free(none);
    netset_free(t);
}
END_TEST

START_TEST(trusted_peer_forwards)
{
    char err[64];
    netset *t = netset_parse("127.0.0.2, 10.0.0.0/8", err, sizeof err);
    const char *one[] = {"203.0.113.9"};
    ck_assert_str_eq(client(t, "127.0.0.2", one, 1), "203.0.113.9");
    /* the client wrote its own X-Forwarded-For; the proxy appended the real address */
    const char *faked[] = {"198.51.100.1, 198.51.100.2, 203.0.113.9"};
    ck_assert_str_eq(client(t, "127.0.0.2", faked, 1), "203.0.113.9");
    /* the same as separate header lines (HAProxy adds a line of its own) */
    const char *lines[] = {"198.51.100.1", "203.0.113.9"};
    ck_assert_str_eq(client(t, "127.0.0.2", lines, 2), "203.0.113.9");
    /* through two trusted proxies */
    const char *chain[] = {"198.51.100.1, 203.0.113.9, 10.1.2.3"};
    ck_assert_str_eq(client(t, "127.0.0.2", chain, 1), "203.0.113.9");
    /* every hop trusted: the left-most */
    const char *inner[] = {"10.0.0.5, 10.0.0.6"};
    ck_assert_str_eq(client(t, "127.0.0.2", inner, 1), "10.0.0.5");
    /* no header: the proxy itself */
    ck_assert_str_eq(client(t, "127.0.0.2", NULL, 0), "127.0.0.2");
    /* garbage at the right-most place: the trusted hop that sent it */
    const char *junk[] = {"203.0.113.9, evil"};
    ck_assert_str_eq(client(t, "127.0.0.2", junk, 1), "127.0.0.2");
    const char *junk2[] = {"evil, 203.0.113.9, 10.9.9.9"};
    ck_assert_str_eq(client(t, "127.0.0.2", junk2, 1), "203.0.113.9");
    /* ports, brackets, IPv6, spaces and empty elements; canonical output */
    const char *ports[] = {" 203.0.113.9:4711 "};
    ck_assert_str_eq(client(t, "127.0.0.2", ports, 1), "203.0.113.9");
    const char *v6[] = {"[2001:DB8:0::1]:443"};
    ck_assert_str_eq(client(t, "127.0.0.2", v6, 1), "2001:db8::1");
    const char *v6b[] = {"2001:db8::2,,"};
    ck_assert_str_eq(client(t, "127.0.0.2", v6b, 1), "2001:db8::2");
    const char *mapped[] = {"::ffff:203.0.113.7"};
    ck_assert_str_eq(client(t, "127.0.0.2", mapped, 1), "203.0.113.7");
    /* an overlong element is garbage, and the output always fits */
    const char *longer[] = {"1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc:dddd"};
    ck_assert_str_eq(client(t, "127.0.0.2", longer, 1), "127.0.0.2");
    netset_free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("netset");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, parse_and_contain);
    tcase_add_test(tc, parse_refuses);
    tcase_add_test(tc, untrusted_peer_is_the_client);
    tcase_add_test(tc, trusted_peer_forwards);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
