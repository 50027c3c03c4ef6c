/*
 * test_version.c - ordering of OS versions: known pairs per family and
 * property tests (antisymmetry, transitivity, equality of normal forms)
 * over generated versions.
 */
#include "base/sh_base.h"

#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "intel/version.h"

struct pair {
    enum sh_vfamily f;
    const char *older, *newer;
};

static const struct pair ordered[] = {
    {SH_VF_IOS, "12.2(55)SE12", "15.2(7)E4"},
    {SH_VF_IOS, "15.2(7)E3", "15.2(7)E4"},
    {SH_VF_IOS, "15.2(7)E", "15.2(7)E4"},
    {SH_VF_IOS, "12.2(55)SE9", "12.2(55)SE12"},
    {SH_VF_IOS, "15.2(4)E", "15.2(7)E"},
    {SH_VF_IOSXE, "17.9.4", "17.9.4a"},
    {SH_VF_IOSXE, "17.09.03", "17.9.4a"},
    {SH_VF_IOSXE, "16.12.9", "16.12.10a"},
    {SH_VF_IOSXE, "17.3.8", "17.3.8a"},
    {SH_VF_IOSXE, "17.9.4a", "17.10.1"},
    {SH_VF_NXOS, "9.3(8)", "9.3(10)"},
    {SH_VF_NXOS, "9.3(8)", "10.2(3)F"},
    {SH_VF_NXOS, "10.2(3)", "10.2(3)F"},
    {SH_VF_IOSXR, "7.5.2", "7.10.1"},
    {SH_VF_JUNOS, "21.4R3", "21.4R3-S5.4"},
    {SH_VF_JUNOS, "21.4R3.4", "21.4R3-S5.4"},
    {SH_VF_JUNOS, "21.4R3-S4.9", "21.4R3-S5.4"},
    {SH_VF_JUNOS, "19.4R3-S1.3", "21.4R3-S5.4"},
    {SH_VF_PANOS, "10.2.9", "10.2.9-h1"},
    {SH_VF_PANOS, "10.2.9-h1", "10.2.10"},
    {SH_VF_PANOS, "11.0.4", "11.0.4-h1"},
    {SH_VF_FORTIOS, "7.0.9", "7.0.12"},
    {SH_VF_IVANTI, "22.6R2", "22.7R2.3"},
    {SH_VF_IVANTI, "9.1R18", "9.1R18.3"},
    {SH_VF_IVANTI, "9.1R18.3", "22.6R1"},
    {SH_VF_EXCHANGE, "15.2.1544.4", "15.2.1544.9"},
    {SH_VF_EXCHANGE, "15.1.2507.6", "15.2.986.5"},
};

static const struct pair equal[] = {
    {SH_VF_IOSXE, "17.09.04a", "17.9.4a"},
    {SH_VF_IOSXE, "17.09.04A", "17.9.4a"},
    {SH_VF_IOSXE, "03.06.05E", "3.6.5E"},
    {SH_VF_EXCHANGE, "15.02.1544.004", "15.2.1544.4"},
    {SH_VF_EXCHANGE, "Version 15.2 (Build 1544.4)", "15.2.1544.4"},
    {SH_VF_NXOS, " 9.3(8) ", "9.3(8)"},
};

SH_TEST(known_pairs)
{
    size_t i;

    for (i = 0; i < SH_ARRAY_LEN(ordered); i++) {
        const struct pair *p = &ordered[i];
        if (sh_version_cmp(p->f, p->older, p->newer) >= 0)
            sh_test_fail(__FILE__, __LINE__, "%s should be older than %s", p->older, p->newer);
        if (sh_version_cmp(p->f, p->newer, p->older) <= 0)
            sh_test_fail(__FILE__, __LINE__, "%s should be newer than %s", p->newer, p->older);
    }
    for (i = 0; i < SH_ARRAY_LEN(equal); i++) {
        const struct pair *p = &equal[i];
        if (sh_version_cmp(p->f, p->older, p->newer) != 0)
            sh_test_fail(__FILE__, __LINE__, "%s should equal %s", p->older, p->newer);
    }
}

SH_TEST(normalize)
{
    char buf[64];

    CHECK_STR(sh_version_normalize(SH_VF_IOSXE, "17.09.04a", buf, sizeof(buf)), "17.9.4a");
    CHECK_STR(sh_version_normalize(SH_VF_IOSXE, "16.12.10a", buf, sizeof(buf)), "16.12.10a");
    CHECK_STR(sh_version_normalize(SH_VF_EXCHANGE, "15.02.1544.004", buf, sizeof(buf)),
              "15.2.1544.4");
    CHECK_STR(sh_version_normalize(SH_VF_IOS, "15.0(2)SE10", buf, sizeof(buf)), "15.0(2)SE10");
    CHECK(sh_version_valid(SH_VF_IOSXE, "17.9.4a"));
    CHECK(sh_version_valid(SH_VF_IOS, "15.2(7)E4"));
    CHECK(!sh_version_valid(SH_VF_IOS, "Cisco IOS and IOS XE"));
    CHECK(!sh_version_valid(SH_VF_PANOS, "publication"));
    CHECK(sh_version_family("iosxe") == SH_VF_IOSXE);
    CHECK(sh_version_family("nothing") == SH_VF_GENERIC);
}

/* Generated versions in every family's shape, with random zero padding. */
static void gen(char *out, size_t size, unsigned *seed)
{
    static const char *const letters[] = {"", "a", "E", "SE", "R", "S", "h", "F", "M"};
    unsigned shape = (unsigned)rand_r(seed) % 6;
    int a = rand_r(seed) % 4 + 15, b = rand_r(seed) % 4, c = rand_r(seed) % 12,
        d = rand_r(seed) % 6;
    const char *l = letters[(unsigned)rand_r(seed) % SH_ARRAY_LEN(letters)];
    const char *pad = (rand_r(seed) % 3 == 0) ? "0" : "";

    switch (shape) {
    case 0: snprintf(out, size, "%d.%s%d(%d)%s%d", a, pad, b, c, l, d); break;
    case 1: snprintf(out, size, "%d.%s%d.%s%d%s", a, pad, b, pad, c, l); break;
    case 2: snprintf(out, size, "%d.%dR%d-S%d.%d", a, b, c, d, c); break;
    case 3: snprintf(out, size, "%d.%d.%d-h%d", a, b, c, d); break;
    case 4: snprintf(out, size, "%d.%dR%d.%d", a, b, c, d); break;
    default: snprintf(out, size, "%d.%d.%d.%s%d", a, b, c * 100, pad, d); break;
    }
}

#define N_GEN 120

SH_TEST(properties)
{
    static char v[N_GEN][48];
    unsigned seed = 239;
    size_t i, j, k, bad = 0;

    for (i = 0; i < N_GEN; i++)
        gen(v[i], sizeof(v[i]), &seed);
    for (i = 0; i < N_GEN; i++) {
        for (j = 0; j < N_GEN; j++) {
            int ab = sh_version_cmp(SH_VF_GENERIC, v[i], v[j]);
            int ba = sh_version_cmp(SH_VF_GENERIC, v[j], v[i]);
            char ni[64], nj[64];

            /* antisymmetry */
            if ((ab > 0) != (ba < 0) || (ab == 0) != (ba == 0))
                bad++;
            /* equal exactly when the normal forms are equal */
            sh_version_normalize(SH_VF_GENERIC, v[i], ni, sizeof(ni));
            sh_version_normalize(SH_VF_GENERIC, v[j], nj, sizeof(nj));
            if ((ab == 0) != (strcasecmp(ni, nj) == 0))
                bad++;
            /* transitivity over a sample of triples */
            for (k = 0; k < N_GEN; k += 7) {
                int bc = sh_version_cmp(SH_VF_GENERIC, v[j], v[k]);
                int ac = sh_version_cmp(SH_VF_GENERIC, v[i], v[k]);
                if (ab <= 0 && bc <= 0 && ac > 0)
                    bad++;
                if (ab < 0 && bc < 0 && ac >= 0)
                    bad++;
            }
        }
    }
    CHECK_EQ_INT(bad, 0);
    /* a padded and an unpadded spelling of one version are equal */
    CHECK_EQ_INT(sh_version_cmp(SH_VF_IOSXE, "017.009.004a", "17.9.4a"), 0);
}

SH_TEST(hostile)
{
    char big[600];

    memset(big, '9', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    CHECK(sh_version_cmp(SH_VF_GENERIC, big, "1.0") > 0);
    CHECK(sh_version_cmp(SH_VF_GENERIC, NULL, "1.0") < 0);
    CHECK(!sh_version_valid(SH_VF_GENERIC, big));
}
