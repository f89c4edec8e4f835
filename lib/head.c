/*
 * head: the strict request-head check; see head.h.
 */
#include "head.h"

#include <string.h>
#include <strings.h>

/* RFC 9110 5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
 * "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

bool head_is_token(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_tchar((unsigned char)s[i]))
            return false;
    return true;
}

bool head_value_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool head_target_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f)
            return false;
        if (c == '%' && i + 2 < n) {
            int hi = hex_value((unsigned char)s[i + 1]);
            int lo = hex_value((unsigned char)s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                int v = hi * 16 + lo;
                if (v < 0x20 || v == 0x7f)
                    return false;
            }
        }
    }
    return true;
}

static head_result reject(head_verdict *v, unsigned status, const char *code, const char *field,
                          const char *detail)
{
    v->status = status;
    v->code = code;
    v->field = field;
    v->detail = detail;
    return HEAD_REJECT;
}

static bool name_is(const char *name, size_t n, const char *want)
{
    return strlen(want) == n && strncasecmp(name, want, n) == 0;
}

/* Counts the non-empty name=value pairs of one Cookie line. */
static size_t cookie_pairs(const char *s, size_t n)
{
    size_t pairs = 0;
    bool in_pair = false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ';') {
            in_pair = false;
        } else if (s[i] != ' ' && s[i] != '\t' && !in_pair) {
            in_pair = true;
            pairs++;
        }
    }
    return pairs;
}

/* The end of the line starting at p (the index of its '\n'), or -1 if buf holds no '\n'. */
static long line_end(const char *buf, size_t len, size_t p)
{
    const char *nl = memchr(buf + p, '\n', len - p);
    return nl ? (long)(nl - buf) : -1;
}

static head_result check_request_line(const char *s, size_t n, head_verdict *v, bool *http10)
{
    const char *sp1 = memchr(s, ' ', n);
    if (!sp1 || !head_is_token(s, (size_t)(sp1 - s)))
        return reject(v, 400, "bad-request-line", NULL,
                      "The request line must be: METHOD SP /path SP HTTP/1.1.");
    const char *target = sp1 + 1;
    const char *sp2 = memchr(target, ' ', n - (size_t)(target - s));
    if (!sp2 || sp2 == target)
        return reject(v, 400, "bad-request-line", NULL,
                      "The request line must be: METHOD SP /path SP HTTP/1.1.");
    size_t tlen = (size_t)(sp2 - target);
    if (!head_target_ok(target, tlen))
        return reject(v, 400, "bad-target", NULL,
                      "The path or query string contains a control character (raw or as "
                      "%00-%1F, %7F).");
    if (target[0] != '/' && !(tlen == 1 && target[0] == '*'))
        return reject(v, 400, "bad-target", NULL, "The request target must be a path (/...).");
    const char *ver = sp2 + 1;
    size_t vlen = n - (size_t)(ver - s);
    if (vlen == 8 && memcmp(ver, "HTTP/1.1", 8) == 0) {
        *http10 = false;
    } else if (vlen == 8 && memcmp(ver, "HTTP/1.0", 8) == 0) {
        *http10 = true;
    } else if (vlen == 8 && memcmp(ver, "HTTP/", 5) == 0 && ver[5] >= '0' && ver[5] <= '9' &&
               ver[6] == '.' && ver[7] >= '0' && ver[7] <= '9') {
        return reject(v, 505, "http-version-not-supported", NULL,
                      "Only HTTP/1.1 and HTTP/1.0 are served.");
    } else {
        return reject(v, 400, "bad-request-line", NULL,
                      "The request line must end with the HTTP version (HTTP/1.1).");
    }
    return HEAD_OK;
}

head_result head_check(const char *buf, size_t len, unsigned long long max_body,
                       head_verdict *v)
{
    memset(v, 0, sizeof *v);
    size_t scan = len < HEAD_MAX_BYTES ? len : HEAD_MAX_BYTES;
    size_t p = 0;
    /* RFC 9112 2.2: at least one empty line before the request line is to be ignored */
    for (int i = 0; i < 4 && p + 1 < scan && buf[p] == '\r' && buf[p + 1] == '\n'; i++)
        p += 2;

    /* the whole head must be there before anything is judged, except its size */
    const char *end = NULL;
    for (size_t i = p; i < scan; i++) {
        /* a bare LF or CR is refused as soon as it is seen: a head made of them would never
         * end with CR LF CR LF, and libmicrohttpd accepts bare LF */
        if ((buf[i] == '\n' && (i == 0 || buf[i - 1] != '\r')) ||
            (buf[i] == '\r' && i + 1 < scan && buf[i + 1] != '\n'))
            return reject(v, 400, "bad-line-ending", NULL, "Lines must end with CR LF.");
        if (i + 3 < scan && buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' &&
            buf[i + 3] == '\n') {
            end = buf + i;
            break;
        }
    }
    if (!end) {
        if (len >= HEAD_MAX_BYTES)
            return reject(v, 431, "header-too-large", NULL,
                          "The request line and headers are larger than 8 KiB.");
        return HEAD_INCOMPLETE;
    }
    size_t hlen = (size_t)(end - buf) + 4;

    /* request line */
    long nl = line_end(buf, hlen, p);
    if (nl < 0 || nl == (long)p || buf[nl - 1] != '\r')
        return reject(v, 400, "bad-line-ending", NULL, "Lines must end with CR LF.");
    bool http10 = false;
    head_result r = check_request_line(buf + p, (size_t)nl - 1 - p, v, &http10);
    if (r != HEAD_OK)
        return r;
    p = (size_t)nl + 1;

    int fields = 0, content_length = 0, transfer_encoding = 0, host = 0;
    size_t cookies = 0;
    bool chunked = false;
    unsigned long long declared = 0;
    while (p < hlen) {
        nl = line_end(buf, hlen, p);
        if (nl < 0 || nl == (long)p || buf[nl - 1] != '\r')
            return reject(v, 400, "bad-line-ending", NULL, "Lines must end with CR LF.");
        size_t llen = (size_t)nl - 1 - p; /* without CR LF */
        const char *line = buf + p;
        p = (size_t)nl + 1;
        if (llen == 0)
            break; /* the blank line */
        if (p < hlen && (buf[p] == ' ' || buf[p] == '\t'))
            return reject(v, 400, "obs-fold", NULL,
                          "A header line continues the previous one (obsolete line folding).");
        if (++fields > HEAD_MAX_FIELDS)
            return reject(v, 431, "too-many-headers", NULL,
                          "A request may have at most 64 header lines.");
        if (line[0] == ' ' || line[0] == '\t')
            return reject(v, 400, "obs-fold", NULL,
                          "A header line continues the previous one (obsolete line folding).");
        const char *colon = memchr(line, ':', llen);
        size_t nlen = colon ? (size_t)(colon - line) : 0;
        if (!colon || !head_is_token(line, nlen))
            return reject(v, 400, "bad-header-name", NULL,
                          "A header name is not a token, or is followed by whitespace before "
                          "the colon.");
        const char *val = colon + 1;
        size_t vlen = llen - nlen - 1;
        while (vlen && (*val == ' ' || *val == '\t'))
            val++, vlen--;
        while (vlen && (val[vlen - 1] == ' ' || val[vlen - 1] == '\t'))
            vlen--;
        if (!head_value_ok(val, vlen))
            return reject(v, 400, "bad-header-value", NULL,
                          "A header value contains a control character.");

        if (name_is(line, nlen, "Content-Length")) {
            if (++content_length > 1)
                return reject(v, 400, "bad-framing", "Content-Length",
                              "Content-Length is given more than once.");
            if (vlen == 0 || vlen > 19)
                return reject(v, 400, "bad-framing", "Content-Length",
                              "Content-Length must be one decimal number.");
            declared = 0;
            for (size_t i = 0; i < vlen; i++) {
                if (val[i] < '0' || val[i] > '9')
                    return reject(v, 400, "bad-framing", "Content-Length",
                                  "Content-Length must be one decimal number.");
                declared = declared * 10 + (unsigned)(val[i] - '0');
            }
        } else if (name_is(line, nlen, "Transfer-Encoding")) {
            if (++transfer_encoding > 1)
                return reject(v, 400, "bad-framing", "Transfer-Encoding",
                              "Transfer-Encoding is given more than once.");
            chunked = vlen == 7 && strncasecmp(val, "chunked", 7) == 0;
        } else if (name_is(line, nlen, "Host")) {
            if (++host > 1)
                return reject(v, 400, "bad-framing", "Host", "Host is given more than once.");
        } else if (name_is(line, nlen, "Cookie")) {
            cookies += cookie_pairs(val, vlen);
            if (cookies > HEAD_MAX_COOKIES)
                return reject(v, 431, "too-many-cookies", "Cookie",
                              "A request may carry at most 50 cookies.");
        }
    }

    if (transfer_encoding && content_length)
        return reject(v, 400, "bad-framing", "Transfer-Encoding",
                      "Content-Length and Transfer-Encoding must not both be given.");
    if (transfer_encoding && http10)
        return reject(v, 400, "bad-framing", "Transfer-Encoding",
                      "HTTP/1.0 has no Transfer-Encoding.");
    if (transfer_encoding && !chunked)
        return reject(v, 501, "unsupported-transfer-encoding", "Transfer-Encoding",
                      "The only Transfer-Encoding served is chunked.");
    if (!http10 && host == 0)
        return reject(v, 400, "bad-framing", "Host", "An HTTP/1.1 request must name its Host.");
    if (content_length && declared > max_body)
        return reject(v, 413, "body-too-large", "Content-Length",
                      "The request body is larger than the server accepts.");
    v->head_len = hlen;
    return HEAD_OK;
}
