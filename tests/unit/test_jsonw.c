/*
 * test_jsonw: lib/jsonw writes what json_dumps(v, JSON_COMPACT) writes, byte for byte, for
 * every value without reals (escapes, UTF-8, nesting, key order, integers at their limits,
 * a caseload-shaped page); reals in the shortest text that reads back as the same double;
 * and refuses what cannot be written (invalid UTF-8, too deep, NULL). The writer gives the
 * same text as the equivalent values and refuses misuse.
 */
#include "jsonw.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* jsonw and jansson agree on v (which the test owns and releases). */
static void same_as_jansson(json_t *v)
{
    ck_assert_ptr_nonnull(v);
    char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    size_t len = 0;
    char *got = jsonw_dumps(v, &len);
    ck_assert_ptr_nonnull(want);
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got, want);
    ck_assert_uint_eq(len, strlen(want));
    free(want);
    free(got);
    json_decref(v);
}

START_TEST(scalars_and_containers)
{
    same_as_jansson(json_null());
    same_as_jansson(json_true());
    same_as_jansson(json_false());
    same_as_jansson(json_integer(0));
    same_as_jansson(json_integer(-1));
    same_as_jansson(json_integer(INT64_MAX));
    same_as_jansson(json_integer(INT64_MIN));
    same_as_jansson(json_string(""));
    same_as_jansson(json_object());
    same_as_jansson(json_array());
    same_as_jansson(json_pack("{s:[], s:{}, s:[[[]]], s:{s:{s:n}}}", "a", "b", "c", "d",
                              "e", "f"));
    same_as_jansson(json_pack("[i, s, b, n, {s:i}]", 7, "x", 1, "k", 2));
}
END_TEST

START_TEST(strings_escaped_as_jansson_does)
{
    /* every control character, the quote and backslash, "/" and DEL */
    char all[40];
    size_t n = 0;
    for (int c = 1; c < 0x20; c++)
        all[n++] = (char)c;
    all[n++] = '"';
    all[n++] = '\\';
    all[n++] = '/';
    all[n++] = 0x7F;
    same_as_jansson(json_stringn(all, n));
    /* an embedded NUL */
    same_as_jansson(json_stringn("a\0b", 3));
    /* non-ASCII: two, three and four bytes, at the start, middle and end */
    same_as_jansson(json_string("\xc3\xa6" "blegr\xc3\xb8" "d p\xc3\xa5 \xe2\x82\xac" " 5 \xf0\x9f\x98\x80"));
    same_as_jansson(json_string("\xf0\x9f\x98\x80"));
    same_as_jansson(json_string("Bof\xc3\xa6llesskabet \"Granly\"\n\tSlagelse\\"));
    /* keys are escaped the same way, and keep their order */
    json_t *o = json_object();
    json_object_set_new(o, "z\"key\n", json_integer(1));
    json_object_set_new(o, "\xc3\xa5", json_integer(2));
    json_object_set_new(o, "a", json_integer(3));
    same_as_jansson(o);
}
END_TEST

START_TEST(caseload_shaped_page)
{
    json_t *items = json_array();
    for (int i = 0; i < 200; i++) {
        char name[64];
        snprintf(name, sizeof name, "Beboer %d S\xc3\xb8rensen", i);
        json_array_append_new(
            items, json_pack("{s:s, s:s, s:n, s:o, s:{s:b, s:s, s:n}, s:i, s:b}", "id",
                             "44805fea-49f9-b48e-d717-cb04e100e008", "name", name,
                             "discharged_at", "facility_name",
                             json_string("Bof\xc3\xa6llesskabet Granly, Slagelse"), "safety",
                             "risk", i % 3 == 0, "note", i % 5 ? "" : "Line\nnext \"quoted\"",
                             "assessed_by", "version", i, "admitted", i % 2));
    }
    same_as_jansson(json_pack("{s:o, s:s}", "items", items, "next", "opaque.cursor+/="));
}
END_TEST

/* The shortest text that reads back as d, laid out like jansson's (a "." or an "e"). */
static void real_ok(double d, const char *want)
{
    char buf[40];
    size_t n = jsonw_format_real(d, buf, sizeof buf);
    ck_assert_uint_gt(n, 0);
    ck_assert_uint_eq(n, strlen(buf));
    ck_assert_double_eq(strtod(buf, NULL), d);
    ck_assert(strchr(buf, '.') || strchr(buf, 'e'));
    if (want)
        ck_assert_str_eq(buf, want);
    /* inside a value too */
    json_t *v = json_pack("[f]", d);
    char *text = jsonw_dumps(v, NULL);
    char expect[48];
    snprintf(expect, sizeof expect, "[%s]", buf);
    ck_assert_str_eq(text, expect);
    free(text);
    json_decref(v);
}

START_TEST(reals_shortest_round_trip)
{
    real_ok(1.017, "1.017");          /* jansson: 1.0169999999999999 */
    real_ok(0.1, "0.1");              /* jansson: 0.10000000000000001 */
    real_ok(0.30000000000000004, "0.30000000000000004");
    real_ok(100.0, "100.0");
    real_ok(0.0, "0.0");
    real_ok(-0.0, "-0.0");
    real_ok(0.5, "0.5");
    real_ok(0.001, "0.001");
    real_ok(0.00001, "1e-5");         /* jansson: 1.0000000000000001e-5 */
    real_ok(1e20, "1e20");
    real_ok(1.5e300, "1.5e300");
    real_ok(-2.5e-300, "-2.5e-300");
    real_ok(123456789012345678.0, NULL);
    real_ok(5e-324, NULL);            /* the smallest subnormal */
    real_ok(1.7976931348623157e308, NULL);
    /* many values read back exactly */
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 4000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double d;
        memcpy(&d, &x, sizeof d);
        if (isfinite(d))
            real_ok(d, NULL);
    }
    char buf[40];
    ck_assert_uint_eq(jsonw_format_real(NAN, buf, sizeof buf), 0);
    ck_assert_uint_eq(jsonw_format_real(INFINITY, buf, sizeof buf), 0);
}
END_TEST

START_TEST(refuses_what_cannot_be_written)
{
    ck_assert_ptr_null(jsonw_dumps(NULL, NULL));
    /* invalid UTF-8: a lone continuation byte, an overlong form, a surrogate, past U+10FFFF,
     * a sequence cut short (json_stringn_nocheck lets them in) */
    const char *bad[] = {"a\x80", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ok\xe2\x82"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *s = json_stringn_nocheck(bad[i], strlen(bad[i]));
        ck_assert_ptr_null(jsonw_dumps(s, NULL));
        /* jansson refuses them too */
        ck_assert_ptr_null(json_dumps(s, JSON_ENCODE_ANY));
        json_decref(s);
    }
    /* nesting: JSONW_MAX_DEPTH levels are written, one more is not */
    json_t *deep = json_array();
    json_t *inner = deep;
    for (int i = 1; i < JSONW_MAX_DEPTH; i++) {
        json_t *a = json_array();
        json_array_append_new(inner, a);
        inner = a;
    }
    char *text = jsonw_dumps(deep, NULL);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(strlen(text), 2 * JSONW_MAX_DEPTH);
    free(text);
    json_array_append_new(inner, json_array());
    ck_assert_ptr_null(jsonw_dumps(deep, NULL));
    json_decref(deep);
}
END_TEST

START_TEST(writer_matches_the_values)
{
    jsonw w;
    jsonw_init(&w);
    jsonw_object_begin(&w);
    jsonw_key(&w, "items");
    jsonw_array_begin(&w);
    for (int i = 0; i < 3; i++) {
        jsonw_object_begin(&w);
        jsonw_key(&w, "id");
        jsonw_int(&w, i);
        jsonw_key(&w, "name");
        jsonw_string(&w, i == 1 ? "S\xc3\xb8ren \"Ib\"\n" : "Ane");
        jsonw_key(&w, "gone");
        jsonw_string(&w, NULL);
        jsonw_key(&w, "ok");
        jsonw_bool(&w, i % 2);
        jsonw_key(&w, "empty");
        jsonw_array_begin(&w);
        jsonw_array_end(&w);
        jsonw_key(&w, "dom");
        json_t *dom = json_pack("{s:[i,s], s:{}}", "a", i, "x", "b");
        jsonw_value(&w, dom);
        json_decref(dom);
        jsonw_object_end(&w);
    }
    jsonw_array_end(&w);
    jsonw_key(&w, "next");
    jsonw_null(&w);
    jsonw_object_end(&w);
    size_t len = 0;
    char *got = jsonw_finish(&w, &len);
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(len, strlen(got));

    json_t *items = json_array();
    for (int i = 0; i < 3; i++)
        json_array_append_new(
            items, json_pack("{s:i, s:s, s:n, s:b, s:[], s:{s:[i,s], s:{}}}", "id", i, "name",
                             i == 1 ? "S\xc3\xb8ren \"Ib\"\n" : "Ane", "gone", "ok", i % 2,
                             "empty", "dom", "a", i, "x", "b"));
    json_t *v = json_pack("{s:o, s:n}", "items", items, "next");
    char *want = json_dumps(v, JSON_COMPACT);
    ck_assert_str_eq(got, want);
    free(want);
    free(got);
    json_decref(v);

    /* a bare array of scalars */
    jsonw_init(&w);
    jsonw_array_begin(&w);
    jsonw_int(&w, -5);
    jsonw_stringn(&w, "a\0b", 3);
    jsonw_null(&w);
    jsonw_array_end(&w);
    got = jsonw_finish(&w, NULL);
    ck_assert_str_eq(got, "[-5,\"a\\u0000b\",null]");
    free(got);
}
END_TEST

START_TEST(writer_refuses_misuse)
{
    jsonw w;
    /* a container left open */
    jsonw_init(&w);
    jsonw_object_begin(&w);
    ck_assert_ptr_null(jsonw_finish(&w, NULL));
    /* a key without its value */
    jsonw_init(&w);
    jsonw_object_begin(&w);
    jsonw_key(&w, "k");
    jsonw_object_end(&w);
    ck_assert_ptr_null(jsonw_finish(&w, NULL));
    /* an end without a begin */
    jsonw_init(&w);
    jsonw_array_end(&w);
    ck_assert_ptr_null(jsonw_finish(&w, NULL));
    /* a key outside an object */
    jsonw_init(&w);
    jsonw_key(&w, "k");
    ck_assert_ptr_null(jsonw_finish(&w, NULL));
    /* invalid UTF-8 */
    jsonw_init(&w);
    jsonw_array_begin(&w);
    jsonw_string(&w, "ok\xff");
    jsonw_array_end(&w);
    ck_assert_ptr_null(jsonw_finish(&w, NULL));
    /* too deep */
    jsonw_init(&w);
    for (int i = 0; i <= JSONW_MAX_DEPTH; i++)
        jsonw_array_begin(&w);
    for (int i = 0; i <= JSONW_MAX_DEPTH; i++)
        jsonw_array_end(&w);
    ck_assert_ptr_null(jsonw_finish(&w, NULL));
    /* discarded */
    jsonw_init(&w);
    jsonw_array_begin(&w);
    jsonw_discard(&w);
    ck_assert_ptr_null(w.p);
}
END_TEST

static Suite *jsonw_suite(void)
{
    Suite *s = suite_create("jsonw");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, scalars_and_containers);
    tcase_add_test(tc, strings_escaped_as_jansson_does);
    tcase_add_test(tc, caseload_shaped_page);
    tcase_add_test(tc, reals_shortest_round_trip);
    tcase_add_test(tc, refuses_what_cannot_be_written);
    tcase_add_test(tc, writer_matches_the_values);
    tcase_add_test(tc, writer_refuses_misuse);
    tcase_set_timeout(tc, 60); /* sanitizers on a shared machine */
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(jsonw_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
