/*
 * test_ioc.c - indicator sets: loading, canonical lookups, CIDRs, the sweep.
 */
#include "base/sh_base.h"

#include "intel/ioc.h"
#include "test.h"

struct hits {
    int n;
    char last[128];
};

static void on_hit(const struct sh_ioc *ioc, const char *tok, size_t off, size_t len, void *ud)
{
    struct hits *h = ud;
    (void)ioc;
    (void)off;
    h->n++;
    snprintf(h->last, sizeof(h->last), "%.*s", (int)len, tok);
}

SH_TEST(builtin_set_has_every_advisory_indicator)
{
    struct sh_ioc_set *s = NULL;
    sh_diag d;

    CHECK_OK(sh_ioc_set_new(&s));
    CHECK_OK(sh_ioc_set_load_builtin(s, false, &d));
    /* 87 IPv4 + 2 IPv6 + 4 SHA-256 + 1 SHA-1 + 2 MD5 rows in reference/iocs.csv */
    CHECK_EQ_INT(sh_ioc_set_count(s), 96);
    CHECK(sh_ioc_lookup(s, "1.222.84.29", 11) != NULL);
    CHECK(sh_ioc_lookup(s, "2001:41d0:700:65dc::f656:929f", 29) != NULL);
    CHECK(sh_ioc_lookup(s, "F2BBBA1EA0F34B262F158FF31E00D39D89BBC471D04E8FCA60A034CABE18E4F4", 64));
    CHECK(sh_ioc_lookup(s, "1.222.84.30", 11) == NULL);
    CHECK(!sh_ioc_lookup(s, "8.8.8.8", 7));
    sh_ioc_set_free(s);
}

SH_TEST(related_set_is_separate_and_labelled)
{
    struct sh_ioc_set *s = NULL;
    const struct sh_ioc *hit;
    sh_diag d;
    size_t base;

    CHECK_OK(sh_ioc_set_new(&s));
    CHECK_OK(sh_ioc_set_load_builtin(s, false, &d));
    base = sh_ioc_set_count(s);
    sh_ioc_set_free(s);
    CHECK_OK(sh_ioc_set_new(&s));
    CHECK_OK(sh_ioc_set_load_builtin(s, true, &d));
    CHECK(sh_ioc_set_count(s) > base);
    hit = sh_ioc_lookup(s, "69c2083e7d401e0fe61230c271e94b84e4c1e8edf180501ae56d072282525db0", 64);
    CHECK(hit && hit->related);
    hit = sh_ioc_lookup(s, "1.222.84.29", 11);
    CHECK(hit && !hit->related);
    sh_ioc_set_free(s);
}

SH_TEST(cidr_and_host_entries)
{
    struct sh_ioc_set *s = NULL;
    const struct sh_ioc *hit;
    sh_diag d;

    CHECK_OK(sh_ioc_set_new(&s));
    CHECK_OK(sh_ioc_set_add(s, SH_IOC_IPV4, "203.0.113.0/24", "t", NULL, false, &d));
    CHECK_OK(sh_ioc_set_add(s, SH_IOC_IPV4, "203.0.113.7", "host", NULL, false, &d));
    CHECK_OK(sh_ioc_set_add(s, SH_IOC_IPV6, "2001:db8::/32", "t6", NULL, false, &d));
    hit = sh_ioc_lookup(s, "203.0.113.99", 12);
    CHECK(hit && hit->prefix == 24);
    hit = sh_ioc_lookup(s, "203.0.113.7", 11);
    CHECK(hit && hit->prefix == 32); /* longest prefix wins */
    CHECK(sh_ioc_lookup(s, "203.0.114.1", 11) == NULL);
    CHECK(sh_ioc_lookup(s, "2001:db8:1::5", 13) != NULL);
    CHECK(sh_ioc_lookup(s, "2001:db9::5", 11) == NULL);
    CHECK_EQ_INT(sh_ioc_set_add(s, SH_IOC_IPV4, "300.1.1.1", "t", NULL, false, &d), SH_EPARSE);
    CHECK_EQ_INT(sh_ioc_set_add(s, SH_IOC_IPV4, "1.2.3.4/33", "t", NULL, false, &d), SH_EPARSE);
    CHECK_EQ_INT(sh_ioc_set_add(s, SH_IOC_MD5, "abc", "t", NULL, false, &d), SH_EPARSE);
    sh_ioc_set_free(s);
}

SH_TEST(sweep_finds_tokens_with_boundaries)
{
    struct sh_ioc_set *s = NULL;
    struct hits h = {0, ""};
    sh_diag d;
    const char *l1 = "access-list 20 permit host 45.61.165.157 log";
    const char *l2 = "x145.61.165.157 and 45.61.165.1570 and 245.61.165.157";
    const char *l3 =
        "Nov  3 10:00:01 r1 %SEC_LOGIN-5-LOGIN_SUCCESS: [user: x] [Source: 45.61.165.157:4431]";
    const char *l4 = "dns query for www.Evil.example. and cmd1 sha "
                     "f2bbba1ea0f34b262f158ff31e00d39d89bbc471d04e8fca60a034cabe18e4f4";

    CHECK_OK(sh_ioc_set_new(&s));
    CHECK_OK(sh_ioc_set_load_builtin(s, false, &d));
    CHECK_OK(sh_ioc_set_add(s, SH_IOC_DOMAIN, "evil.example", "t", NULL, false, &d));
    CHECK(sh_ioc_lookup(s, "45.61.165.157", 13) != NULL);
    CHECK_EQ_INT(sh_ioc_sweep(s, l1, strlen(l1), on_hit, &h), 1);
    CHECK_STR(h.last, "45.61.165.157");
    h.n = 0;
    CHECK_EQ_INT(sh_ioc_sweep(s, l2, strlen(l2), on_hit, &h), 0);
    CHECK_EQ_INT(sh_ioc_sweep(s, l3, strlen(l3), on_hit, &h), 1);
    CHECK_STR(h.last, "45.61.165.157");
    h.n = 0;
    CHECK_EQ_INT(sh_ioc_sweep(s, l4, strlen(l4), on_hit, &h), 2);
    sh_ioc_set_free(s);
}

/* Indicators as people write them in prose: a hash that ends a sentence,
 * a URL in brackets or before a comma. */
SH_TEST(sweep_finds_hashes_and_urls_in_running_text)
{
    struct sh_ioc_set *s = NULL;
    struct hits h = {0, ""};
    sh_diag d;
    const char *l1 = "implant sha256 "
                     "f2bbba1ea0f34b262f158ff31e00d39d89bbc471d04e8fca60a034cabe18e4f4. Then:";
    const char *l2 = "beacon to (http://Evil.example/stage2.bin), then https://evil.example/ok";
    const char *l3 = "copy http://evil.example/stage2.bin: done; http://evil.example/stage2.binx";

    CHECK_OK(sh_ioc_set_new(&s));
    CHECK_OK(sh_ioc_set_load_builtin(s, false, &d));
    CHECK_OK(sh_ioc_set_add(s, SH_IOC_URL, "http://evil.example/stage2.bin", "t", NULL, false, &d));
    CHECK_EQ_INT(sh_ioc_sweep(s, l1, strlen(l1), on_hit, &h), 1);
    CHECK_STR(h.last, "f2bbba1ea0f34b262f158ff31e00d39d89bbc471d04e8fca60a034cabe18e4f4");
    h.n = 0;
    CHECK_EQ_INT(sh_ioc_sweep(s, l2, strlen(l2), on_hit, &h), 1);
    CHECK_STR(h.last, "http://Evil.example/stage2.bin");
    h.n = 0;
    CHECK_EQ_INT(sh_ioc_sweep(s, l3, strlen(l3), on_hit, &h), 1);
    CHECK_STR(h.last, "http://evil.example/stage2.bin");
    sh_ioc_set_free(s);
}

SH_TEST(text_lists_report_bad_lines)
{
    struct sh_ioc_set *s = NULL;
    sh_diag d;
    const char *plain = "# my list\n198.51.100.9\n\nbad value here\n";
    const char *csv = "type,value,source\nipv4,192.0.2.1,x\nsha256,nothex,x\n";

    CHECK_OK(sh_ioc_set_new(&s));
    sh_diag_clear(&d);
    CHECK_EQ_INT(sh_ioc_set_load_text(s, plain, strlen(plain), "list.txt", false, &d), SH_EPARSE);
    CHECK_EQ_INT(d.line, 4);
    CHECK_STR(d.source, "list.txt");
    CHECK(sh_ioc_lookup(s, "198.51.100.9", 12) != NULL);
    sh_diag_clear(&d);
    CHECK_EQ_INT(sh_ioc_set_load_text(s, csv, strlen(csv), "x.csv", false, &d), SH_EPARSE);
    CHECK_EQ_INT(d.line, 3);
    CHECK(sh_ioc_lookup(s, "192.0.2.1", 9) != NULL);
    sh_ioc_set_free(s);
}
