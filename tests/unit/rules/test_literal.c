/*
 * test_literal.c - the literal a regex's every match must contain (the
 * prefilter's fast path): right when present, absent whenever in doubt.
 */
#include "base/sh_base.h"

#include "rules/rules.h"
#include "test.h"

static const char *factor(const char *re)
{
    static char out[256];
    size_t n = sh_rules__literal_factor(re, out, sizeof(out));
    return n ? out : "(none)";
}

SH_TEST(literal_found)
{
    CHECK_STR(factor("^username (?<user>\\S+)\\b.*\\bprivilege 15\\b"), "privilege 15");
    CHECK_STR(factor("^ip ssh port (?<port>\\d+)"), "ip ssh port ");
    CHECK_STR(factor("^transport input ssh\\s*$"), "transport input ssh");
    CHECK_STR(factor("^logging (host )?\\d+\\.\\d+"), "logging ");
    CHECK_STR(factor("^set system login user (?<u>\\S+) class super-user\\b"),
              "set system login user ");
    CHECK_STR(factor("^monitor capture \\S+ match ipv4 protocol tcp"), " match ipv4 protocol tcp");
    CHECK_STR(factor("a\\.b\\-c\\ d"), "a.b-c d"); /* escaped punctuation is literal */
    CHECK_STR(factor("^abcd+ef"), "abcd");         /* d repeats: abcd, then ef */
    CHECK_STR(factor("^abcde?fgh"), "abcd");       /* e optional: abcd | fgh (first longest) */
    CHECK_STR(factor("^ab[0-9]cdef"), "cdef");
    CHECK_STR(factor("^(?:no )?vstack\\b"), "vstack");
    CHECK_STR(factor("x(?=abc)yzw"), "yzw"); /* lookaround contents never count */
}

SH_TEST(no_literal_when_in_doubt)
{
    CHECK_STR(factor("^snmp-server host|^set snmp trap-group"), "(none)"); /* top-level | */
    CHECK_STR(factor("(?i)^username"), "(none)");                          /* inline options */
    CHECK_STR(factor("(?-i)^Username"), "(none)");
    CHECK_STR(factor("\\Qa|b\\E"), "(none)");
    CHECK_STR(factor("^ab"), "(none)"); /* shorter than 3 */
    CHECK_STR(factor("^a{2}b{3}"), "(none)");
    CHECK_STR(factor("^(username|user) x"), "(none)"); /* " x" too short */
    CHECK_STR(factor("^\\d+\\.\\d+"), "(none)");
    CHECK_STR(factor("^[abc]+[def]*"), "(none)");
    CHECK_STR(factor("^abc*"), "(none)"); /* "ab" only */
    CHECK_STR(factor("(?#comment)abcdef"), "(none)");
}

SH_TEST(literal_prefilter_finds_what_the_regex_finds)
{
    /* A rule whose literal is in the middle, and one in a different case. */
    const char *rule =
        "id: T-20.lit\ntitle: t\nkind: ttp\nseverity: low\n"
        "match: '^monitor capture (?<c>\\S+) match ipv4 protocol tcp any any eq 49'\n"
        "message: '{c}'\n"
        "samples:\n  match:\n    - config: |\n        hostname r\n"
        "        MONITOR capture CAP match IPv4 protocol TCP any any eq 49\n"
        "  nomatch:\n    - config: |\n        hostname r\n"
        "        monitor capture CAP match ipv4 protocol udp any any eq 49\n";
    sh_ruleset *rs = NULL;
    size_t passed = 0, failed = 0;
    sh_diag d;

    CHECK_OK(sh_ruleset__load_buf(&rs, rule, strlen(rule), "lit.yml", NULL, NULL, &d));
    if (!rs)
        return;
    CHECK(rs->n_pats == 1 && rs->pats[0].factor &&
          strcmp(rs->pats[0].factor, " match ipv4 protocol tcp any any eq 49") == 0);
    CHECK_OK(sh_ruleset_test(rs, &passed, &failed, NULL, NULL, &d));
    CHECK_EQ_INT(passed, 2);
    CHECK_EQ_INT(failed, 0);
    sh_ruleset_free(rs);
}
