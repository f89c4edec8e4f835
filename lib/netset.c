/*
 * netset: IP networks and the forwarded client address; see netset.h.
 */
#include "netset.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct net {
    unsigned char addr[16]; /* IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d) */
    unsigned prefix;        /* bits of addr that must match, 0..128 */
} net;

struct netset {
    size_t n;
    net nets[]; /* n entries */
};

static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Parses a numeric address into 16 bytes; *v4 says whether it was written as IPv4. */
static bool parse_addr(const char *s, unsigned char out[16], bool *v4)
{
    struct in_addr a4;
    if (inet_pton(AF_INET, s, &a4) == 1) {
        memcpy(out, v4_mapped, sizeof v4_mapped);
        memcpy(out + 12, &a4, 4);
        *v4 = true;
        return true;
    }
    *v4 = false;
    return inet_pton(AF_INET6, s, out) == 1;
}

static bool prefix_match(const unsigned char *a, const unsigned char *b, unsigned bits)
{
    unsigned whole = bits / 8, rest = bits % 8;
    if (memcmp(a, b, whole) != 0)
        return false;
    if (!rest)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

/* Copies s[0..len) without surrounding spaces into buf; false when it does not fit. */
static bool trimmed(const char *s, size_t len, char *buf, size_t cap)
{
    while (len && isspace((unsigned char)*s)) {
        s++;
        len--;
    }
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    if (len >= cap)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return true;
}

netset *netset_parse(const char *spec, char *err, size_t err_len)
{
    size_t cap = 1;
    for (const char *p = spec ? spec : ""; *p; p++)
        cap += *p == ',';
    netset *s = calloc(1, sizeof *s + cap * sizeof(net));
    if (!s) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    const char *p = spec ? spec : "";
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char item[80];
        if (!trimmed(p, len, item, sizeof item)) {
            snprintf(err, err_len, "entry too long: %.*s", (int)(len > 60 ? 60 : len), p);
            goto fail;
        }
        p += len + (end ? 1 : 0);
        if (!item[0])
            continue;
        char *slash = strchr(item, '/');
        long bits = -1;
        if (slash) {
            *slash = '\0';
            char *e = NULL;
            bits = strtol(slash + 1, &e, 10);
            if (!slash[1] || *e || bits < 0) {
                snprintf(err, err_len, "bad prefix length in %s/%s", item, slash + 1);
                goto fail;
            }
        }
        net *nt = &s->nets[s->n];
        bool v4;
        if (!parse_addr(item, nt->addr, &v4)) {
            snprintf(err, err_len, "not a numeric IP address: %s", item);
            goto fail;
        }
        long max = v4 ? 32 : 128;
        if (bits > max) {
            snprintf(err, err_len, "prefix length %ld is more than %ld for %s", bits, max, item);
            goto fail;
        }
        nt->prefix = (unsigned)(bits < 0 ? 128 : (v4 ? 96 + bits : bits));
        s->n++;
    }
    return s;
fail:
    free(s);
    return NULL;
}

void netset_free(netset *s)
{
    free(s);
}

size_t netset_size(const netset *s)
{
    return s ? s->n : 0;
}

static bool contains_bytes(const netset *s, const unsigned char a[16])
{
    for (size_t i = 0; s && i < s->n; i++)
        if (prefix_match(a, s->nets[i].addr, s->nets[i].prefix))
            return true;
    return false;
}

bool netset_contains(const netset *s, const char *addr)
{
    unsigned char a[16];
    bool v4;
    return addr && parse_addr(addr, a, &v4) && contains_bytes(s, a);
}

/* One X-Forwarded-For element into 16 bytes: an address, "[v6]" or "[v6]:port", "v4:port". */
static bool parse_element(const char *s, size_t len, unsigned char out[16])
{
    char buf[64];
    if (!trimmed(s, len, buf, sizeof buf) || !buf[0])
        return false;
    char *a = buf;
    if (*a == '[') {
        char *close = strchr(a, ']');
        if (!close || (close[1] && close[1] != ':'))
            return false;
        *close = '\0';
        a++;
    } else {
        char *colon = strchr(a, ':');
        if (colon && !strchr(colon + 1, ':')) /* one colon: v4:port */
            *colon = '\0';
    }
    bool v4;
    return parse_addr(a, out, &v4);
}

static void format_addr(const unsigned char a[16], char *out, size_t out_len)
{
    char buf[INET6_ADDRSTRLEN];
    const char *ok = memcmp(a, v4_mapped, sizeof v4_mapped) == 0
                         ? inet_ntop(AF_INET, a + 12, buf, sizeof buf)
                         : inet_ntop(AF_INET6, a, buf, sizeof buf);
    snprintf(out, out_len, "%s", ok ? buf : "unknown");
}

void netset_client_address(const netset *trusted, const char *peer, const char *const *xff,
                           size_t n, char *out, size_t out_len)
{
    unsigned char cur[16];
    bool v4;
    if (!peer || !parse_addr(peer, cur, &v4)) {
        snprintf(out, out_len, "%s", peer ? peer : "unknown");
        return;
    }
    /* cur is the hop whose word we are weighing; while it is trusted, believe the element
     * it appended (the right-most one not yet read) */
    for (size_t h = n; h-- > 0 && contains_bytes(trusted, cur);) {
        const char *v = xff[h] ? xff[h] : "";
        size_t end = strlen(v);
        bool stop = false;
        while (contains_bytes(trusted, cur)) {
            size_t start = end;
            while (start > 0 && v[start - 1] != ',')
                start--;
            unsigned char next[16];
            bool empty = true;
            for (size_t i = start; i < end; i++)
                empty = empty && isspace((unsigned char)v[i]);
            if (!empty) {
                if (!parse_element(v + start, end - start, next)) {
                    stop = true; /* garbage: the trusted hop that passed it is the client */
                    break;
                }
                memcpy(cur, next, sizeof cur);
            }
            if (start == 0)
                break; /* this header line is used up: the one before it */
            end = start - 1;
        }
        if (stop)
            break;
    }
    format_addr(cur, out, out_len);
}
