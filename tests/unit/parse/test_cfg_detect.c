/*
 * test_cfg_detect.c - dialect detection: each signal, its basis string,
 * IOS vs IOS XE, and text that is not a config scoring 0.
 */
#include "base/sh_base.h"
#include "parse/cfg.h"
#include "test.h"

static enum sh_dialect detect(const char *text, int *score, const char **basis)
{
    enum sh_dialect d = SH_DIALECT__COUNT;
    const char *b = NULL;
    int s = sh_cfg_detect(text, strlen(text), &d, &b);
    if (score)
        *score = s;
    if (basis)
        *basis = b;
    if (!b)
        sh_test_fail(__FILE__, __LINE__, "no basis string");
    return d;
}

SH_TEST(rancid_header_decides)
{
    static const struct {
        const char *text;
        enum sh_dialect d;
    } cases[] = {
        {"!RANCID-CONTENT-TYPE: arista\n!\nhostname a\n", SH_DIALECT_EOS},
        {"!RANCID-CONTENT-TYPE: cisco-nx\nhostname a\n", SH_DIALECT_NXOS},
        {"!RANCID-CONTENT-TYPE: cisco-xr\nhostname a\n", SH_DIALECT_IOSXR},
        {"# RANCID-CONTENT-TYPE: juniper\nsystem { host-name a; }\n", SH_DIALECT_JUNOS},
        {"#RANCID-CONTENT-TYPE: paloalto\nset deviceconfig system hostname a\n",
         SH_DIALECT_PANOS},
        {"!RANCID-CONTENT-TYPE: cisco\nhostname a\n", SH_DIALECT_IOS},
        {"!RANCID-CONTENT-TYPE: cisco\nversion 17.3\nhostname a\n", SH_DIALECT_IOSXE},
        {"!RANCID-CONTENT-TYPE: cisco\nASA Version 9.8(4)\nhostname a\n", SH_DIALECT_ASA},
    };
    size_t i;

    for (i = 0; i < SH_ARRAY_LEN(cases); i++) {
        int score;
        const char *basis;
        enum sh_dialect d = detect(cases[i].text, &score, &basis);
        if (d != cases[i].d)
            sh_test_fail(__FILE__, __LINE__, "case %zu: %s, expected %s", i, sh_dialect_name(d),
                         sh_dialect_name(cases[i].d));
        CHECK_EQ_INT(score, 100);
        CHECK(basis && strstr(basis, "RANCID-CONTENT-TYPE"));
    }
}

SH_TEST(content_signals)
{
    static const struct {
        const char *text;
        enum sh_dialect d;
        const char *basis_has;
    } cases[] = {
        {"!! IOS XR Configuration 7.3.2\nhostname xr\n", SH_DIALECT_IOSXR, "IOS XR"},
        {"hostname xr\ninterface Gi0/0/0/0\n ipv4 address 192.0.2.1 255.255.255.0\n",
         SH_DIALECT_IOSXR, "ipv4 address"},
        {"route-policy PASS\n  pass\nend-policy\n", SH_DIALECT_IOSXR, "IOS XR"},
        {"router static\n address-family ipv4 unicast\n  0.0.0.0/0 192.0.2.254\n",
         SH_DIALECT_IOSXR, "router static"},
        {"! device: leaf1 (DCS-7280SR-48C6, EOS-4.28.3M)\nhostname leaf1\n", SH_DIALECT_EOS,
         "device"},
        {"hostname a\nmanagement api http-commands\n   no shutdown\n", SH_DIALECT_EOS, "EOS"},
        {"daemon TerminAttr\n   exec /usr/bin/TerminAttr\nhostname a\n", SH_DIALECT_EOS, "EOS"},
        {"transceiver qsfp default-mode 4x10G\nhostname a\n", SH_DIALECT_EOS, "EOS"},
        {"!Command: show running-config\nversion 9.3(8)\nfeature ssh\nhostname n\n",
         SH_DIALECT_NXOS, "!Command"},
        {"hostname n\nfeature bgp\nfeature lacp\ninterface Ethernet1/1\n", SH_DIALECT_NXOS,
         "feature"},
        {"ASA Version 9.8(4)\nhostname fw\n", SH_DIALECT_ASA, "ASA Version"},
        {"hostname fw\ninterface Gi0/0\n nameif inside\n security-level 100\n", SH_DIALECT_ASA,
         "nameif"},
        {"system {\n    host-name r1;\n}\ninterfaces {\n    ge-0/0/0 {\n        disable;\n    }\n}\n",
         SH_DIALECT_JUNOS, "brace"},
        {"set system host-name r1\nset interfaces ge-0/0/0 disable\n", SH_DIALECT_JUNOS, "set"},
        {"config system global\n    set hostname fw\nend\n", SH_DIALECT_FORTIOS, "FortiOS"},
        {"set deviceconfig system hostname pa\n", SH_DIALECT_PANOS, "PAN-OS"},
        {"<config version=\"10.1.0\">\n<devices/>\n</config>\n", SH_DIALECT_PANOS, "PAN-OS"},
        {"version 15.2\nhostname r1\ninterface Gi0/0\n ip address 10.0.0.1 255.255.255.0\n",
         SH_DIALECT_IOS, "version"},
        {"version 16.9\nhostname r1\n", SH_DIALECT_IOSXE, "16"},
        {"version 17.3\nhostname r1\n", SH_DIALECT_IOSXE, "16"},
        {"hostname r1\nlicense udi pid ISR4331/K9 sn FDO1\nplatform punt-keepalive disable-kernel-core\n",
         SH_DIALECT_IOSXE, "XE"},
        {"version 12.4\nhostname r1\nlicense udi pid CISCO1941/K9 sn FTX1\n", SH_DIALECT_IOS,
         "version"},
    };
    size_t i;

    for (i = 0; i < SH_ARRAY_LEN(cases); i++) {
        int score;
        const char *basis;
        enum sh_dialect d = detect(cases[i].text, &score, &basis);
        if (d != cases[i].d || score <= 0)
            sh_test_fail(__FILE__, __LINE__, "case %zu: %s (%d, %s), expected %s", i,
                         sh_dialect_name(d), score, basis, sh_dialect_name(cases[i].d));
        else if (!strstr(basis, cases[i].basis_has))
            sh_test_fail(__FILE__, __LINE__, "case %zu: basis \"%s\" lacks \"%s\"", i, basis,
                         cases[i].basis_has);
    }
}

SH_TEST(non_configs_score_zero)
{
    static const char *const texts[] = {
        "",
        "<189>Jan  1 00:00:00 r1 123: %SYS-5-CONFIG_I: Configured from console by admin\n"
        "<189>Jan  1 00:00:01 r1 124: %LINK-3-UPDOWN: Interface Gi0/0, changed state to up\n"
        "<190>Jan  1 00:00:02 r1 125: %SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: x]\n",
        "2024-01-01T00:00:00Z r1 sshd[1]: Accepted password for root from 203.0.113.5\n",
        "hostname,ip,platform\nr1,10.0.0.1,ios\nr2,10.0.0.2,eos\n",
        "The router was configured last week. Its interface list is below and\n"
        "the version is recent. Nothing else to report.\n",
        "Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M), Version 15.0(2)SE4\n"
        "Technical Support: http://www.cisco.com/techsupport\n"
        "ROM: Bootstrap program is C2960 boot loader\n"
        "r1 uptime is 2 weeks, 3 days\n"
        "System image file is \"flash:c2960-lanbasek9-mz.150-2.SE4.bin\"\n"
        "Configuration register is 0xF\n",
        "Cisco IOS XE Software, Version 17.03.04a\n"
        "Cisco IOS Software [Amsterdam], Virtual XE Software\n"
        "ROM: IOS-XE ROMMON\n",
        "{\"hostname\": \"r1\", \"interfaces\": {\"Gi0/0\": {}}}\n",
    };
    size_t i;

    for (i = 0; i < SH_ARRAY_LEN(texts); i++) {
        int score;
        const char *basis;
        enum sh_dialect d = detect(texts[i], &score, &basis);
        if (score != 0 || d != SH_DIALECT_UNKNOWN)
            sh_test_fail(__FILE__, __LINE__, "text %zu detected as %s (%d, %s)", i,
                         sh_dialect_name(d), score, basis);
    }
    CHECK_EQ_INT(sh_cfg_detect(NULL, 0, NULL, NULL), 0);
}

SH_TEST(detect_looks_at_head_only)
{
    /* 300 KiB of prose, then a config: past the 256 KiB window. */
    size_t pad = 300 * 1024, n;
    char *buf = sh_malloc(pad + 64);
    enum sh_dialect d;
    const char *basis;

    if (!buf)
        return;
    memset(buf, 'x', pad);
    for (n = 79; n < pad; n += 80)
        buf[n] = '\n';
    memcpy(buf + pad, "\nASA Version 9.8(4)\nhostname fw\n", 32);
    CHECK_EQ_INT(sh_cfg_detect(buf, pad + 32, &d, &basis), 0);
    CHECK(sh_cfg_detect(buf + pad, 32, &d, &basis) > 0 && d == SH_DIALECT_ASA);
    sh_free(buf);
}
