/*
 * ipaddr.c - strict IPv4/IPv6 parsing, CIDR containment and the
 * public-address test. No allocation; thread-safe.
 */
#include "sh_base.h"

#include "ipaddr.h"

#include <stdio.h>

static bool parse_v4(uint8_t out[4], const char *s, size_t len)
{
    size_t i = 0;
    int part;

    for (part = 0; part < 4; part++) {
        unsigned v = 0;
        size_t digits = 0;

        if (part > 0) {
            if (i >= len || s[i] != '.')
                return false;
            i++;
        }
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (digits == 1 && v == 0)
                return false; /* leading zero */
            v = v * 10 + (unsigned)(s[i] - '0');
            if (v > 255)
                return false;
            digits++;
            i++;
        }
        if (digits == 0)
            return false;
        out[part] = (uint8_t)v;
    }
    return i == len;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool parse_v6(uint8_t out[16], const char *s, size_t len)
{
    uint16_t words[8];
    int n = 0, gap = -1;
    size_t i = 0;

    if (len < 2 || len > 45)
        return false;
    if (s[0] == ':') {
        if (s[1] != ':')
            return false;
        gap = 0;
        i = 2;
        if (i == len)
            goto done;
    }
    for (;;) {
        size_t start = i;
        unsigned v = 0;
        int h;

        /* An embedded IPv4 tail: "::ffff:1.2.3.4". */
        while (i < len && hexval(s[i]) >= 0 && i - start < 5)
            i++;
        if (i < len && s[i] == '.') {
            uint8_t v4[4];
            if (n > 6 || !parse_v4(v4, s + start, len - start))
                return false;
            words[n++] = (uint16_t)(v4[0] << 8 | v4[1]);
            words[n++] = (uint16_t)(v4[2] << 8 | v4[3]);
            break;
        }
        if (i == start || i - start > 4 || n >= 8)
            return false;
        for (size_t k = start; k < i; k++) {
            h = hexval(s[k]);
            v = v << 4 | (unsigned)h;
        }
        words[n++] = (uint16_t)v;
        if (i == len)
            break;
        if (s[i] != ':')
            return false;
        i++;
        if (i < len && s[i] == ':') {
            if (gap >= 0)
                return false;
            gap = n;
            i++;
            if (i == len)
                break;
        } else if (i == len) {
            return false; /* trailing single colon */
        }
    }
done:
    if (gap < 0) {
        if (n != 8)
            return false;
    } else {
        int tail = n - gap, k;
        if (n >= 8)
            return false;
        for (k = 0; k < tail; k++)
            words[7 - k] = words[n - 1 - k];
        for (k = gap; k < 8 - tail; k++)
            words[k] = 0;
    }
    for (int k = 0; k < 8; k++) {
        out[2 * k] = (uint8_t)(words[k] >> 8);
        out[2 * k + 1] = (uint8_t)(words[k] & 0xff);
    }
    return true;
}

bool sh_ip_parse(struct sh_ip *out, const char *s, size_t len)
{
    struct sh_ip ip;

    if (!out || !s || len == 0 || len > 45)
        return false;
    memset(&ip, 0, sizeof(ip));
    if (memchr(s, ':', len)) {
        if (!parse_v6(ip.b, s, len))
            return false;
        ip.family = 6;
    } else {
        if (!parse_v4(ip.b, s, len))
            return false;
        ip.family = 4;
    }
    *out = ip;
    return true;
}

static void clear_host_bits(struct sh_ip *ip, unsigned prefix)
{
    unsigned total = ip->family == 4 ? 32 : 128, bit;

    for (bit = prefix; bit < total; bit++)
        ip->b[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
}

bool sh_ip_parse_cidr(struct sh_ip *net_out, unsigned *prefix_out, const char *s, size_t len)
{
    const char *slash;
    struct sh_ip ip;
    uint64_t prefix;
    unsigned max;

    if (!net_out || !prefix_out || !s)
        return false;
    slash = memchr(s, '/', len);
    if (!sh_ip_parse(&ip, s, slash ? (size_t)(slash - s) : len))
        return false;
    max = ip.family == 4 ? 32 : 128;
    if (slash) {
        size_t plen = len - (size_t)(slash - s) - 1;
        if (plen == 0 || plen > 3 || (plen > 1 && slash[1] == '0') ||
            !sh_str_to_u64(slash + 1, plen, max, &prefix))
            return false;
    } else {
        prefix = max;
    }
    clear_host_bits(&ip, (unsigned)prefix);
    *net_out = ip;
    *prefix_out = (unsigned)prefix;
    return true;
}

bool sh_ip_in_cidr(const struct sh_ip *addr, const struct sh_ip *net, unsigned prefix)
{
    unsigned full, rem;

    if (!addr || !net || addr->family != net->family)
        return false;
    if (prefix > (addr->family == 4 ? 32u : 128u))
        return false;
    full = prefix / 8;
    rem = prefix % 8;
    if (memcmp(addr->b, net->b, full) != 0)
        return false;
    if (rem) {
        uint8_t mask = (uint8_t)(0xffu << (8 - rem));
        if ((addr->b[full] & mask) != (net->b[full] & mask))
            return false;
    }
    return true;
}

struct range4 {
    uint8_t a, b, c, d;
    unsigned prefix;
};

/* Special-purpose IPv4 blocks (IANA registry) that are not reachable on the internet. */
static const struct range4 private4[] = {
    {0, 0, 0, 0, 8},      {10, 0, 0, 0, 8},     {100, 64, 0, 0, 10}, {127, 0, 0, 0, 8},
    {169, 254, 0, 0, 16}, {172, 16, 0, 0, 12},  {192, 0, 0, 0, 24},  {192, 0, 2, 0, 24},
    {192, 88, 99, 0, 24}, {192, 168, 0, 0, 16}, {198, 18, 0, 0, 15}, {198, 51, 100, 0, 24},
    {203, 0, 113, 0, 24}, {224, 0, 0, 0, 4},    {240, 0, 0, 0, 4},
};

static bool v4_public(const uint8_t b[4])
{
    struct sh_ip a, n;
    size_t i;

    memset(&a, 0, sizeof(a));
    a.family = 4;
    memcpy(a.b, b, 4);
    for (i = 0; i < SH_ARRAY_LEN(private4); i++) {
        memset(&n, 0, sizeof(n));
        n.family = 4;
        n.b[0] = private4[i].a;
        n.b[1] = private4[i].b;
        n.b[2] = private4[i].c;
        n.b[3] = private4[i].d;
        if (sh_ip_in_cidr(&a, &n, private4[i].prefix))
            return false;
    }
    return true;
}

bool sh_ip_is_public(const struct sh_ip *addr)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t zero[16] = {0};
    const uint8_t *b;

    if (!addr)
        return false;
    if (addr->family == 4)
        return v4_public(addr->b);
    if (addr->family != 6)
        return false;
    b = addr->b;
    if (memcmp(b, mapped, 12) == 0)
        return v4_public(b + 12);
    if (memcmp(b, zero, 15) == 0)
        return false; /* :: and ::1 */
    if ((b[0] & 0xfe) == 0xfc)
        return false; /* fc00::/7 unique local */
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
        return false; /* fe80::/10 link-local */
    if (b[0] == 0xff)
        return false; /* multicast */
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
        return false; /* 2001:db8::/32 documentation */
    if (b[0] == 0x01 && b[1] == 0x00 && memcmp(b + 2, zero, 6) == 0)
        return false; /* 100::/64 discard */
    /* Only 2000::/3 is allocated global unicast. */
    return (b[0] & 0xe0) == 0x20;
}

bool sh_ip_str_is_public(const char *s, size_t len)
{
    struct sh_ip ip;

    return sh_ip_parse(&ip, s, len) && sh_ip_is_public(&ip);
}

void sh_ip_format(const struct sh_ip *addr, char *buf, size_t size)
{
    if (!buf || size == 0)
        return;
    if (!addr || (addr->family != 4 && addr->family != 6)) {
        buf[0] = '\0';
        return;
    }
    if (addr->family == 4) {
        snprintf(buf, size, "%u.%u.%u.%u", addr->b[0], addr->b[1], addr->b[2], addr->b[3]);
        return;
    }
    {
        size_t off = 0;
        for (int k = 0; k < 8 && off < size; k++) {
            int n = snprintf(buf + off, size - off, "%s%x", k ? ":" : "",
                             (unsigned)(addr->b[2 * k] << 8 | addr->b[2 * k + 1]));
            if (n < 0)
                break;
            off += (size_t)n;
        }
    }
}
