/*
 * test_stix.c - STIX 2.1 import: the advisory bundle gives all 93
 * indicators, each of which the built-in set also holds; pattern corners.
 */
#include "base/sh_base.h"

#include "test.h"

#include "intel/ioc.h"
#include "intel/stix.h"

static int check_in_builtin(const struct sh_ioc *ioc, void *ud)
{
    const struct sh_ioc_set *builtin = ud;
    if (!sh_ioc_lookup(builtin, ioc->value, strlen(ioc->value)))
        sh_test_fail(__FILE__, __LINE__, "%s not in the built-in set", ioc->value);
    return 0;
}

SH_TEST(advisory_bundle)
{
    struct sh_ioc_set *set = NULL, *builtin = NULL;
    struct sh_stix_stats st;
    char *buf = NULL;
    size_t len = 0;
    sh_diag d;

    CHECK_OK(sh_file_read(&buf, &len, sh_test_corpus("cisa-aa25-239a/AA25-239A.stix_.json"),
                          1 << 24, NULL));
    CHECK(sh_stix_sniff(buf, len));
    CHECK_OK(sh_ioc_set_new(&set));
    CHECK_OK(sh_stix_load(set, buf, len, "AA25-239A.stix_.json", false, &st, &d));
    CHECK_EQ_INT(st.indicators, 93);
    CHECK_EQ_INT(st.values, 96); /* 89 addresses + 7 hashes */
    CHECK(st.skipped >= 1);      /* the SSDEEP hash and the file:name conditions */
    CHECK(sh_ioc_lookup(set, "193.43.104.185", 14) != NULL);
    CHECK(sh_ioc_lookup(set, "f2bbba1ea0f34b262f158ff31e00d39d89bbc471d04e8fca60a034cabe18e4f4",
                        64) != NULL);
    {
        const struct sh_ioc *i = sh_ioc_lookup(set, "33e692f435d6cf3c637ba54836c63373", 32);
        CHECK(i != NULL);
        if (i)
            CHECK(i->note && strstr(i->note, "cmd1"));
    }
    CHECK_OK(sh_ioc_set_new(&builtin));
    CHECK_OK(sh_ioc_set_load_builtin(builtin, false, &d));
    CHECK_OK(sh_ioc_set_each(set, check_in_builtin, builtin));
    sh_ioc_set_free(builtin);
    sh_ioc_set_free(set);
    sh_free(buf);
}

static int collect(enum sh_ioc_type t, const char *v, void *ud)
{
    char *out = ud;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "%s=%s;", sh_ioc_type_name(t), v);
    return 0;
}

SH_TEST(patterns)
{
    char out[512];
    const char *p;

    out[0] = '\0';
    p = "[domain-name:value = 'evil.example' OR url:value = 'http://x.example/a\\'b']";
    CHECK_EQ_INT(sh_stix_pattern_each(p, strlen(p), collect, out), 0);
    CHECK_STR(out, "domain=evil.example;url=http://x.example/a'b;");
    out[0] = '\0';
    p = "[ipv4-addr:value = '10.0.0.1'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.2']";
    CHECK_EQ_INT(sh_stix_pattern_each(p, strlen(p), collect, out), 1);
    CHECK_STR(out, "");
    out[0] = '\0';
    p = "[ipv4-addr:value ISSUBSET '198.51.100.0/24' AND network-traffic:dst_port = 443]";
    CHECK_EQ_INT(sh_stix_pattern_each(p, strlen(p), collect, out), 2);
    p = "[ipv4-addr:value = 'unterminated]";
    CHECK_EQ_INT(sh_stix_pattern_each(p, strlen(p), collect, out), -1);
}

SH_TEST(not_a_bundle)
{
    struct sh_ioc_set *set = NULL;
    sh_diag d;

    CHECK_OK(sh_ioc_set_new(&set));
    CHECK_EQ_INT(sh_stix_load(set, "{\"type\":\"x\"}", 12, "a.json", false, NULL, &d), SH_EPARSE);
    CHECK_EQ_INT(sh_stix_load(set, "{", 1, "b.json", false, NULL, &d), SH_EPARSE);
    CHECK_STR(d.source, "b.json");
    sh_ioc_set_free(set);
}
