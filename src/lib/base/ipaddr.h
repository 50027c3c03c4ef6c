/*
 * ipaddr.h - IPv4/IPv6 address and CIDR helpers shared by the policy,
 * the rule engine and the indicator code.
 *
 * Addresses are held as 16 bytes (IPv4 in the first 4) plus a family, so
 * comparisons never allocate. Parsing is strict: no leading zeros in IPv4
 * octets (they mean octal to some tools), no zone ids, no trailing junk.
 * Pure functions over caller memory; thread-safe.
 */
#ifndef SH_BASE_IPADDR_H
#define SH_BASE_IPADDR_H

#include "sh_base.h"

struct sh_ip {
    uint8_t family; /* 4 or 6 */
    uint8_t b[16];  /* network order; IPv4 uses b[0..3] */
};

/** Parse an address from [s, s+len). True on success. */
bool sh_ip_parse(struct sh_ip *out, const char *s, size_t len);

/**
 * Parse "addr" or "addr/prefix" from [s, s+len). A bare address gets the
 * full prefix (32/128). Host bits set below the prefix are accepted and
 * cleared ("10.1.2.3/8" means 10.0.0.0/8). True on success.
 */
bool sh_ip_parse_cidr(struct sh_ip *net_out, unsigned *prefix_out, const char *s, size_t len);

/** True when `addr` lies in net/prefix (families must agree). */
bool sh_ip_in_cidr(const struct sh_ip *addr, const struct sh_ip *net, unsigned prefix);

/**
 * True for a globally routable address: not RFC 1918, loopback,
 * link-local, CGNAT (100.64/10), documentation, multicast, unspecified,
 * reserved (240/4), benchmarking (198.18/15), IPv6 ULA (fc00::/7),
 * link-local (fe80::/10), multicast (ff00::/8), documentation
 * (2001:db8::/32), IPv4-mapped addresses judged by their IPv4 part.
 */
bool sh_ip_is_public(const struct sh_ip *addr);

/** Convenience: parse [s, s+len) and test sh_ip_is_public; false if not an address. */
bool sh_ip_str_is_public(const char *s, size_t len);

/** Format as text into buf (at least 46 bytes). */
void sh_ip_format(const struct sh_ip *addr, char *buf, size_t size);

#endif
