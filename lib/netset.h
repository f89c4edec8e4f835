/*
 * netset: a set of IP networks (addresses and CIDR prefixes, IPv4 and IPv6), and the client
 * address of a request that came through proxies: X-Forwarded-For is believed only as far as
 * the hops that appended to it are in the set (TRUSTED_PROXIES).
 */
#ifndef SAMSPIL_NETSET_H
#define SAMSPIL_NETSET_H

#include <stdbool.h>
#include <stddef.h>

typedef struct netset netset;

/* Parses a comma-separated list ("10.0.0.0/8, 127.0.0.2, ::1, fd00::/8"; spaces allowed,
 * empty: the empty set). Returns a new set (free with netset_free), or NULL with err set
 * when an entry is not an address or its prefix is out of range. */
netset *netset_parse(const char *spec, char *err, size_t err_len);
void netset_free(netset *s);
/* Entries in the set (0 for NULL). */
size_t netset_size(const netset *s);
/* Whether the numeric address text (IPv4, IPv6, IPv4-mapped IPv6) is in the set. */
bool netset_contains(const netset *s, const char *addr);

/* The client address of a request from peer (the socket's numeric address) whose
 * X-Forwarded-For header lines, in the order received, are xff[0..n). When peer is not in
 * trusted (or trusted is empty), the headers are ignored and the client is peer. Otherwise
 * the list is read from the right: each trusted hop passes the word to the address before
 * it, and the client is the right-most address that is not trusted (or the left-most one
 * when all are). An entry that is not an address ends the walk at the hop that
 * forwarded it. The result is written in canonical numeric form to out (always terminated;
 * out_len >= 46 holds any address). */
void netset_client_address(const netset *trusted, const char *peer, const char *const *xff,
                           size_t n, char *out, size_t out_len);

#endif
