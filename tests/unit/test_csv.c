/*
 * test_csv: lib/csv. What a spreadsheet user gets: a BOM so Excel reads UTF-8,
 * ';' between cells and CRLF between rows, quotes only where a cell needs them
 * (separator, quote, line break, edge spaces), and text that would start a formula
 * (= + - @ TAB CR) shown with a leading apostrophe instead of being evaluated.
 */
#include "csv.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* The document after the BOM, malloc'd. */
static char *body_of(csv *c)
{
    size_t len = 0;
    char *doc = csv_finish(c, &len);
    ck_assert_ptr_nonnull(doc);
    ck_assert_uint_ge(len, 3);
    ck_assert_int_eq(memcmp(doc, "\xEF\xBB\xBF", 3), 0);
    ck_assert_uint_eq(strlen(doc), len);
    char *out = strdup(doc + 3);
    free(doc);
    return out;
}

START_TEST(bom_separator_and_crlf)
{
    csv c;
    ck_assert(csv_init(&c, ';'));
    csv_text(&c, "name");
    csv_text(&c, "count");
    csv_end_row(&c);
    csv_text(&c, "Engen");
    csv_number(&c, "12", ',');
    csv_end_row(&c);
    char *s = body_of(&c);
    ck_assert_str_eq(s, "name;count\r\nEngen;12\r\n");
    free(s);
}
END_TEST

START_TEST(danish_letters_pass_unchanged)
{
    csv c;
    csv_init(&c, ';');
    csv_text(&c, "Bofællesskabet Skoven, Holbæk");
    csv_end_row(&c);
    char *s = body_of(&c);
    ck_assert_str_eq(s, "Bofællesskabet Skoven, Holbæk\r\n");
    free(s);
}
END_TEST

START_TEST(quoting)
{
    csv c;
    csv_init(&c, ';');
    csv_text(&c, "a;b");
    csv_text(&c, "say \"hi\"");
    csv_text(&c, "two\nlines");
    csv_text(&c, " padded");
    csv_text(&c, NULL);
    csv_text(&c, "");
    csv_end_row(&c);
    char *s = body_of(&c);
    ck_assert_str_eq(s, "\"a;b\";\"say \"\"hi\"\"\";\"two\nlines\";\" padded\";;\r\n");
    free(s);
}
END_TEST

START_TEST(formulas_are_neutralised)
{
    csv c;
    csv_init(&c, ';');
    csv_text(&c, "=HYPERLINK(\"http://x\")");
    csv_text(&c, "+45 12345678");
    csv_text(&c, "-1+1");
    csv_text(&c, "@SUM(A1)");
    csv_text(&c, "\tx");
    csv_text(&c, "\rx");
    csv_text(&c, "a=b");
    csv_end_row(&c);
    char *s = body_of(&c);
    ck_assert_str_eq(s, "\"'=HYPERLINK(\"\"http://x\"\")\";'+45 12345678;'-1+1;'@SUM(A1);"
                        "'\tx;\"'\rx\";a=b\r\n");
    free(s);
}
END_TEST

START_TEST(numbers)
{
    ck_assert(csv_is_number("0"));
    ck_assert(csv_is_number("-3"));
    ck_assert(csv_is_number("12.50"));
    ck_assert(!csv_is_number("1e5"));
    ck_assert(!csv_is_number("-"));
    ck_assert(!csv_is_number("1."));
    ck_assert(!csv_is_number(".5"));
    ck_assert(!csv_is_number("=1"));
    ck_assert(!csv_is_number(NULL));
    csv c;
    csv_init(&c, ';');
    csv_number(&c, "-3", ',');
    csv_number(&c, "0.25", ',');
    csv_number(&c, "0.25", '\0');
    csv_number(&c, "=1+1", ',');   /* not a number: written as neutralised text */
    csv_number(&c, NULL, ',');
    csv_end_row(&c);
    char *s = body_of(&c);
    ck_assert_str_eq(s, "-3;0,25;0.25;'=1+1;\r\n");
    free(s);
    /* a decimal comma with ',' as separator is quoted */
    csv_init(&c, ',');
    csv_number(&c, "1.5", ',');
    csv_number(&c, "2", ',');
    csv_end_row(&c);
    s = body_of(&c);
    ck_assert_str_eq(s, "\"1,5\",2\r\n");
    free(s);
}
END_TEST

START_TEST(large_documents_grow)
{
    csv c;
    csv_init(&c, ';');
    for (int i = 0; i < 10000; i++) {
        csv_text(&c, "some text that repeats");
        if (i % 10 == 9)
            csv_end_row(&c);
    }
    size_t len = 0;
    char *doc = csv_finish(&c, &len);
    ck_assert_ptr_nonnull(doc);
    ck_assert_uint_eq(len, 3 + 1000 * (10 * 22 + 9 + 2));
    free(doc);
    csv_free(&c); /* after finish: harmless */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, bom_separator_and_crlf);
    tcase_add_test(tc, danish_letters_pass_unchanged);
    tcase_add_test(tc, quoting);
    tcase_add_test(tc, formulas_are_neutralised);
    tcase_add_test(tc, numbers);
    tcase_add_test(tc, large_documents_grow);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
