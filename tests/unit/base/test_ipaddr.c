/*
 * test_ipaddr.c - address parsing, CIDR containment, public-address test.
 */
#include "base/sh_base.h"

#include "base/ipaddr.h"
#include "test.h"

static bool parses(const char *s)
{
    struct sh_ip ip;
    return sh_ip_parse(&ip, s, strlen(s));
}

static bool in(const char *addr, const char *cidr)
{
    struct sh_ip a, n;
    unsigned p;
    return sh_ip_parse(&a, addr, strlen(addr)) && sh_ip_parse_cidr(&n, &p, cidr, strlen(cidr)) &&
           sh_ip_in_cidr(&a, &n, p);
}

static bool pub(const char *s)
{
    return sh_ip_str_is_public(s, strlen(s));
}

static const char *fmt(const char *s)
{
    static char buf[64];
    struct sh_ip ip;
    if (!sh_ip_parse(&ip, s, strlen(s)))
        return "(bad)";
    sh_ip_format(&ip, buf, sizeof(buf));
    return buf;
}

SH_TEST(ipv4_parse)
{
    CHECK(parses("0.0.0.0"));
    CHECK(parses("10.250.1.10"));
    CHECK(parses("255.255.255.255"));
    CHECK(!parses("256.1.1.1"));
    CHECK(!parses("1.2.3"));
    CHECK(!parses("1.2.3.4.5"));
    CHECK(!parses("01.2.3.4")); /* leading zero: octal to some tools */
    CHECK(!parses("1.2.3.4 "));
    CHECK(!parses(""));
    CHECK(!parses("a.b.c.d"));
    CHECK_STR(fmt("192.0.2.1"), "192.0.2.1");
}

SH_TEST(ipv6_parse)
{
    CHECK(parses("::"));
    CHECK(parses("::1"));
    CHECK(parses("2001:db8::1"));
    CHECK(parses("fe80::1:2:3:4"));
    CHECK(parses("1:2:3:4:5:6:7:8"));
    CHECK(parses("1::"));
    CHECK(parses("::ffff:192.0.2.1"));
    CHECK(!parses("1:2:3:4:5:6:7:8:9"));
    CHECK(!parses("1::2::3"));
    CHECK(!parses("12345::"));
    CHECK(!parses(":1"));
    CHECK(!parses("1:"));
    CHECK(!parses("g::1"));
    CHECK_STR(fmt("2001:db8::1"), "2001:db8:0:0:0:0:0:1");
}

SH_TEST(cidr_contains)
{
    struct sh_ip n;
    unsigned p;

    CHECK(in("10.250.3.4", "10.250.0.0/16"));
    CHECK(!in("10.251.3.4", "10.250.0.0/16"));
    CHECK(in("10.250.1.10", "10.250.1.10"));
    CHECK(!in("10.250.1.11", "10.250.1.10"));
    CHECK(in("1.2.3.4", "0.0.0.0/0"));
    CHECK(in("10.0.0.1", "10.1.2.3/8")); /* host bits cleared */
    CHECK(in("2001:db8::5", "2001:db8::/32"));
    CHECK(!in("2001:db9::5", "2001:db8::/32"));
    CHECK(!in("10.0.0.1", "::/0")); /* families never mix */
    CHECK(in("10.255.0.200", "10.255.0.0/24"));
    CHECK(in("10.0.0.129", "10.0.0.128/25"));
    CHECK(!in("10.0.0.127", "10.0.0.128/25"));
    CHECK(!sh_ip_parse_cidr(&n, &p, "10.0.0.0/33", 11));
    CHECK(!sh_ip_parse_cidr(&n, &p, "10.0.0.0/", 9));
    CHECK(!sh_ip_parse_cidr(&n, &p, "10.0.0.0/08", 11));
    CHECK(!sh_ip_parse_cidr(&n, &p, "::/129", 6));
    CHECK(sh_ip_parse_cidr(&n, &p, "::/128", 6) && p == 128);
}

SH_TEST(public_addresses)
{
    CHECK(pub("8.8.8.8"));
    CHECK(pub("45.61.165.157"));
    CHECK(!pub("10.1.1.1"));
    CHECK(!pub("172.16.0.1"));
    CHECK(!pub("172.31.255.255"));
    CHECK(pub("172.32.0.1"));
    CHECK(!pub("192.168.1.1"));
    CHECK(!pub("127.0.0.1"));
    CHECK(!pub("169.254.1.1"));
    CHECK(!pub("100.64.0.1"));
    CHECK(pub("100.128.0.1"));
    CHECK(!pub("192.0.2.1"));
    CHECK(!pub("198.51.100.7"));
    CHECK(!pub("203.0.113.9"));
    CHECK(!pub("224.0.0.5"));
    CHECK(!pub("255.255.255.255"));
    CHECK(!pub("0.0.0.0"));
    CHECK(pub("2600::1"));
    CHECK(!pub("2001:db8::1"));
    CHECK(!pub("fd00::1"));
    CHECK(!pub("fe80::1"));
    CHECK(!pub("::1"));
    CHECK(!pub("ff02::1"));
    CHECK(!pub("::ffff:10.0.0.1"));
    CHECK(pub("::ffff:8.8.4.4"));
    CHECK(!pub("not-an-ip"));
}
