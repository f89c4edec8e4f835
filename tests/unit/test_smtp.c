/*
 * test_smtp: the Subject encoder of lib/smtp (RFC 2047). What a mail reader gets: an ASCII
 * subject as it is; any other as "B" encoded-words of at most 75 characters, each decoding to
 * whole UTF-8 characters (a reader decodes word by word, so a character split over two words
 * is garbled), folded with CRLF SP so that no header line exceeds 76 characters, and the
 * words together giving back the subject exactly, long ones too.
 */
#include "smtp.h"

#include <check.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether s (len bytes) is whole, valid UTF-8 (no sequence cut at either end). */
static int utf8_whole(const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t n = s[i] < 0x80 ? 1 : (s[i] & 0xE0) == 0xC0 ? 2 : (s[i] & 0xF0) == 0xE0 ? 3
                   : (s[i] & 0xF8) == 0xF0                ? 4
                                                          : 0;
        if (n == 0 || i + n > len)
            return 0;
        for (size_t k = 1; k < n; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
        i += n;
    }
    return 1;
}

/* Decodes the encoded header value into out (the subject again), checking every line and
 * every word on the way. Returns the decoded length. */
static size_t decode_checked(const char *value, unsigned char *out, size_t cap)
{
    size_t o = 0;
    const char *line = value;
    int first = 1;
    for (;;) {
        const char *end = strstr(line, "\r\n");
        size_t ll = end ? (size_t)(end - line) : strlen(line);
        /* the header line as sent: "Subject: " before the first */
        ck_assert_msg((first ? 9 : 0) + ll <= 76, "line of %zu characters", ll);
        const char *w = line;
        if (!first) {
            ck_assert_msg(*w == ' ', "a folded line starts with a space");
            w++;
        }
        size_t wl = ll - (size_t)(w - line);
        ck_assert_msg(wl <= 75, "encoded-word of %zu characters", wl);
        ck_assert_msg(wl > 12 && strncmp(w, "=?UTF-8?B?", 10) == 0 && w[wl - 2] == '?' &&
                          w[wl - 1] == '=',
                      "not an encoded-word: %.*s", (int)wl, w);
        size_t n = 0;
        ck_assert_int_eq(sodium_base642bin(out + o, cap - o, w + 10, wl - 12, NULL, &n, NULL,
                                           sodium_base64_VARIANT_ORIGINAL),
                         0);
        ck_assert_msg(utf8_whole(out + o, n), "a word splits a UTF-8 character");
        o += n;
        first = 0;
        if (!end)
            break;
        line = end + 2;
    }
    return o;
}

START_TEST(ascii_is_kept)
{
    char out[SMTP_SUBJECT_OUT];
    ck_assert_uint_eq(smtp_encode_subject("Monday mail week 48", out, sizeof out), 19);
    ck_assert_str_eq(out, "Monday mail week 48");
}
END_TEST

START_TEST(danish_subject_of_the_monday_mail)
{
    /* the notification's subject for a facility with a long Danish name: one word would be
     * 76-84 characters */
    const char *subject = "Mandagsmail uge 48 er klar – Bostedet Æblehaven ved Søen, Køge";
    char out[SMTP_SUBJECT_OUT];
    size_t n = smtp_encode_subject(subject, out, sizeof out);
    ck_assert_uint_gt(n, 0);
    ck_assert_uint_eq(strlen(out), n);
    ck_assert_ptr_nonnull(strstr(out, "\r\n ")); /* more than one word */
    unsigned char back[1024];
    size_t len = decode_checked(out, back, sizeof back);
    ck_assert_uint_eq(len, strlen(subject));
    ck_assert_int_eq(memcmp(back, subject, len), 0);
}
END_TEST

START_TEST(every_length_splits_between_characters)
{
    /* 1..200 characters of mixed widths: 'a' (1 byte), 'ø' (2), '–' (3), an emoji (4) */
    static const char *const pieces[] = {"a", "ø", "–", "\xF0\x9F\x98\x80"};
    char subject[1024];
    for (int count = 1; count <= 200; count++) {
        size_t len = 0;
        for (int i = 0; i < count; i++) {
            const char *p = pieces[(i * 7 + count) % 4];
            memcpy(subject + len, p, strlen(p));
            len += strlen(p);
        }
        subject[len] = '\0';
        char out[SMTP_SUBJECT_OUT];
        ck_assert_uint_gt(smtp_encode_subject(subject, out, sizeof out), 0);
        if (count == 1 && strcmp(subject, "a") == 0)
            continue; /* ASCII, kept */
        unsigned char back[1024];
        size_t got = decode_checked(out, back, sizeof back);
        ck_assert_uint_eq(got, len);
        ck_assert_int_eq(memcmp(back, subject, len), 0);
    }
}
END_TEST

START_TEST(a_long_subject_is_cut_between_characters)
{
    /* 400 × "æ" = 800 bytes: cut at SMTP_SUBJECT_MAX bytes, never inside a character */
    char subject[801];
    for (int i = 0; i < 400; i++)
        memcpy(subject + 2 * i, "\xC3\xA6", 2);
    subject[800] = '\0';
    char out[SMTP_SUBJECT_OUT];
    ck_assert_uint_gt(smtp_encode_subject(subject, out, sizeof out), 0);
    unsigned char back[1024];
    size_t got = decode_checked(out, back, sizeof back);
    ck_assert_uint_eq(got, SMTP_SUBJECT_MAX);
    ck_assert_int_eq(memcmp(back, subject, got), 0);
    /* an odd limit would fall inside "æ": 'x' first moves every character by one byte */
    subject[0] = 'x';
    for (int i = 0; i < 399; i++)
        memcpy(subject + 1 + 2 * i, "\xC3\xA6", 2);
    subject[799] = '\0';
    ck_assert_uint_gt(smtp_encode_subject(subject, out, sizeof out), 0);
    got = decode_checked(out, back, sizeof back);
    ck_assert_uint_eq(got, SMTP_SUBJECT_MAX - 1);
}
END_TEST

START_TEST(too_small_a_buffer_is_refused)
{
    char out[20];
    ck_assert_uint_eq(smtp_encode_subject("Mandagsmail uge 48 – Engen", out, sizeof out), 0);
}
END_TEST

int main(void)
{
    if (sodium_init() < 0)
        return EXIT_FAILURE;
    Suite *s = suite_create("smtp");
    TCase *tc = tcase_create("subject");
    tcase_add_test(tc, ascii_is_kept);
    tcase_add_test(tc, danish_subject_of_the_monday_mail);
    tcase_add_test(tc, every_length_splits_between_characters);
    tcase_add_test(tc, a_long_subject_is_cut_between_characters);
    tcase_add_test(tc, too_small_a_buffer_is_refused);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
