/*
 * smtp: one plain-text message to one recipient via libcurl; see smtp.h.
 */
#include "smtp.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef struct upload {
    const char *data;
    size_t len, pos;
} upload;

static size_t read_cb(char *buf, size_t size, size_t nitems, void *userp)
{
    upload *u = userp;
    size_t room = size * nitems, left = u->len - u->pos;
    size_t n = left < room ? left : room;
    memcpy(buf, u->data + u->pos, n);
    u->pos += n;
    return n;
}

static bool header_safe(const char *s)
{
    return s && *s && !strpbrk(s, "\r\n<>");
}

static bool is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

bool smtp_url_is_loopback(const char *url)
{
    CURLU *h = curl_url();
    char *host = NULL;
    bool loopback = false;
    if (h && curl_url_set(h, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(h, CURLUPART_HOST, &host, 0) == CURLUE_OK && host) {
        loopback = strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0 ||
                   strcmp(host, "::1") == 0 || strncmp(host, "127.", 4) == 0;
        /* 127.x must be a dotted quad, not a name such as 127.example.org */
        if (strncmp(host, "127.", 4) == 0)
            for (const char *p = host; *p; p++)
                if (!(*p == '.' || (*p >= '0' && *p <= '9')))
                    loopback = false;
    }
    curl_free(host);
    curl_url_cleanup(h);
    return loopback;
}

/* Bytes of UTF-8 text per encoded-word: 39 bytes are 52 base64 characters, a word of 64
 * ("=?UTF-8?B?" + 52 + "?="), so even the first line, "Subject: " and a word, stays within
 * RFC 2047's 76 characters. */
#define WORD_BYTES 39

/* How many bytes of s (len bytes) to take, at most max, ending between two characters: never
 * before a continuation byte (10xxxxxx), unless a malformed run leaves no choice. */
static size_t utf8_cut(const unsigned char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && (s[n] & 0xC0) == 0x80)
        n--;
    return n > 0 ? n : max;
}

size_t smtp_encode_subject(const char *subject, char *out, size_t outlen)
{
    const unsigned char *s = (const unsigned char *)subject;
    size_t len = utf8_cut(s, strlen(subject), SMTP_SUBJECT_MAX);
    if (is_ascii(subject)) {
        if (len + 1 > outlen)
            return 0;
        memcpy(out, subject, len);
        out[len] = '\0';
        return len;
    }
    size_t o = 0;
    for (size_t pos = 0; pos < len;) {
        size_t n = utf8_cut(s + pos, len - pos, WORD_BYTES);
        char b64[64];
        sodium_bin2base64(b64, sizeof b64, s + pos, n, sodium_base64_VARIANT_ORIGINAL);
        int w = snprintf(out + o, outlen - o, "%s=?UTF-8?B?%s?=", pos ? "\r\n " : "", b64);
        if (w < 0 || (size_t)w >= outlen - o)
            return 0;
        o += (size_t)w;
        pos += n;
    }
    if (o == 0) {
        if (outlen < 1)
            return 0;
        out[0] = '\0';
    }
    return o;
}

/* The message as sent: headers, a blank line, the body with CRLF line ends. malloc'd. */
static char *compose(const smtp_message *m, size_t *len_out)
{
    char subject[SMTP_SUBJECT_OUT];
    if (!smtp_encode_subject(m->subject, subject, sizeof subject) && *m->subject)
        return NULL;
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    unsigned char rnd[12];
    randombytes_buf(rnd, sizeof rnd);
    char id[32];
    sodium_bin2hex(id, sizeof id, rnd, sizeof rnd);
    const char *domain = strchr(m->from, '@');

    size_t cap = strlen(m->body) * 2 + 2048;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    int n = snprintf(out, cap,
                     "Date: %s\r\nFrom: <%s>\r\nTo: <%s>\r\nSubject: %s\r\n"
                     "Message-ID: <%s%s>\r\nMIME-Version: 1.0\r\n"
                     "Content-Type: text/plain; charset=UTF-8\r\n"
                     "Content-Transfer-Encoding: 8bit\r\n\r\n",
                     date, m->from, m->to, subject, id, domain ? domain : "@samspil");
    if (n < 0 || (size_t)n >= cap) {
        free(out);
        return NULL;
    }
    size_t o = (size_t)n;
    for (const char *p = m->body; *p; p++) {
        if (*p == '\r')
            continue;
        if (*p == '\n')
            out[o++] = '\r';
        out[o++] = *p;
    }
    if (o < 2 || out[o - 1] != '\n') {
        out[o++] = '\r';
        out[o++] = '\n';
    }
    out[o] = '\0';
    *len_out = o;
    return out;
}

bool smtp_send(const char *url, const smtp_message *m, long timeout_seconds, char *err,
               size_t errlen)
{
    if (!url || !*url) {
        snprintf(err, errlen, "no SMTP server configured");
        return false;
    }
    if (!header_safe(m->from) || !header_safe(m->to) || !m->subject ||
        strpbrk(m->subject, "\r\n") || !m->body) {
        snprintf(err, errlen, "invalid sender, recipient or subject");
        return false;
    }
    size_t len = 0;
    char *text = compose(m, &len);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    CURL *h = curl_easy_init();
    if (!h) {
        free(text);
        snprintf(err, errlen, "cannot start libcurl");
        return false;
    }
    upload u = {text, len, 0};
    char from[300], to[300];
    snprintf(from, sizeof from, "<%s>", m->from);
    snprintf(to, sizeof to, "<%s>", m->to);
    struct curl_slist *rcpt = curl_slist_append(NULL, to);
    char curl_err[CURL_ERROR_SIZE] = "";

    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(h, CURLOPT_READDATA, &u);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout_seconds < 5 ? timeout_seconds : 5L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout_seconds);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
    /* Sensitive or not, mail leaves the building: encrypted, except to a local sink. */
    curl_easy_setopt(h, CURLOPT_USE_SSL,
                     smtp_url_is_loopback(url) ? (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL);

    CURLcode rc = curl_easy_perform(h);
    bool ok = rc == CURLE_OK;
    if (!ok)
        snprintf(err, errlen, "%s", curl_err[0] ? curl_err : curl_easy_strerror(rc));
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(h);
    free(text);
    return ok;
}
