/*
 * fixture.h - a fixed set of findings for report and store tests.
 *
 * Covers every field and the hostile text outputs must survive: quotes,
 * <script>, newlines, commas, formula starters (= + - @), an ANSI escape,
 * a bidi override, non-Latin text and bytes that are not UTF-8. Included
 * by unit tests and the test helper; everything here is static.
 */
#ifndef SH_TEST_REPORT_FIXTURE_H
#define SH_TEST_REPORT_FIXTURE_H

#include <string.h>

#include "base/sh_base.h"
#include "salthunt/salthunt.h"
#include "salthunt/sh_scan.h"

struct fixture_spec {
    const char *rule, *title;
    sh_kind kind;
    sh_severity severity;
    const char *attack[3];
    const char *device, *platform, *path;
    uint32_t line, end_line;
    const char *evidence, *message, *remediation;
    const char *references[3];
    const char *time, *cve, *state;
};

static const struct fixture_spec fixture_specs[] = {
    {"C-01",
     "Unapproved privilege-15 local user",
     SH_KIND_TTP,
     SH_SEV_CRITICAL,
     {"T1136", "T1078", NULL},
     "core-rtr-01",
     "iosxe",
     "configs/core-rtr-01.cfg",
     12,
     12,
     "username backup privilege 15 secret 9 $9$nhEmQVczB7dqsO$X.HsgL6x1il0RxkOSSvyQ",
     "Local user \"backup\" has privilege 15 and is not in the policy's local_users.",
     "Remove the account unless it is approved:\n  no username backup\nthen rotate every "
     "credential on this device.",
     {"AA25-239A", "https://www.cisa.gov/news-events/cybersecurity-advisories/aa25-239a", NULL},
     NULL,
     NULL,
     NULL},
    {"C-05",
     "Access list permits an advisory address",
     SH_KIND_IOC,
     SH_SEV_HIGH,
     {"T1090", NULL},
     "core-rtr-01",
     "iosxe",
     "configs/core-rtr-01.cfg",
     40,
     42,
     "<script>alert('x')</script>, =cmd|' /C calc'!A0",
     "ACL \"mgmt\" permits 1.2.3.4, an indicator from AA25-239A, with \"quotes\" and, commas.",
     NULL,
     {"AA25-239A", NULL},
     NULL,
     NULL,
     NULL},
    {"D-07",
     "Configuration text with controls",
     SH_KIND_HARDENING,
     SH_SEV_MEDIUM,
     {NULL},
     "core-rtr-01",
     "iosxe",
     "configs/core-rtr-01.cfg",
     88,
     0,
     "description \xd0\xbe\xd0\xbf\xd0\xb8\xd1\x81\xd0\xb0\xd0\xbd\xd0\xb8\xd0\xb5 \xe2\x80\x94 "
     "\xe2\x9c\x93 \xe2\x80\xae\x1b[31mred\x1b[0m",
     "Text with | pipes | and `backticks` and *stars* and [a](http://x) link.",
     "=HYPERLINK(\"http://evil\")",
     {NULL},
     NULL,
     NULL,
     NULL},
    {"X-CVE-2024-3400",
     "PAN-OS GlobalProtect command injection",
     SH_KIND_EXPOSURE,
     SH_SEV_CRITICAL,
     {"T1190", NULL},
     "edge-fw-02",
     "panos",
     "/srv/backups/edge fw#2.txt",
     0,
     0,
     NULL,
     "PAN-OS 10.2.9 with GlobalProtect enabled is exposed to CVE-2024-3400 (KEV).",
     "Upgrade to 10.2.9-h1 or later.",
     {"CVE-2024-3400", NULL},
     NULL,
     "CVE-2024-3400",
     "exposed"},
    {"C-01",
     "Unapproved privilege-15 local user",
     SH_KIND_TTP,
     SH_SEV_LOW,
     {"T1136", NULL},
     "edge-fw-02",
     "panos",
     "/srv/backups/edge fw#2.txt",
     3,
     3,
     "-set mgt-config users x",
     "@import user x",
     NULL,
     {NULL},
     NULL,
     NULL,
     NULL},
    {"L-12",
     "Logging cleared",
     SH_KIND_TTP,
     SH_SEV_LOW,
     {"T1070.002", NULL},
     NULL,
     NULL,
     "logs/syslog.1",
     7,
     7,
     "\xff\xfe\x01 junk \xc3( %SYS-5-LOG_CLEARED",
     "+SUM(1,2)\r\nsecond line",
     NULL,
     {NULL},
     "2025-08-27T10:11:12Z",
     NULL,
     NULL},
    {"COV-01",
     "No command accounting",
     SH_KIND_COVERAGE,
     SH_SEV_INFO,
     {NULL},
     NULL,
     NULL,
     NULL,
     0,
     0,
     NULL,
     "-no AAA accounting seen, so command rules cannot fire",
     NULL,
     {NULL},
     NULL,
     NULL,
     NULL},
};

static const struct fixture_spec fixture_gone_spec = {
    "C-09",
    "GRE tunnel to an unapproved peer",
    SH_KIND_TTP,
    SH_SEV_HIGH,
    {"T1572", NULL},
    "core-rtr-01",
    "iosxe",
    "configs/core-rtr-01.cfg",
    120,
    124,
    "interface Tunnel7",
    "Tunnel7 goes to 203.0.113.9, which is not in tunnel_peers.",
    NULL,
    {NULL},
    NULL,
    NULL,
    NULL};

static sh_finding *fixture_make(const struct fixture_spec *s)
{
    sh_finding *f = sh_finding_new();
    size_t i;

    if (!f)
        return NULL;
    f->kind = s->kind;
    f->severity = s->severity;
    f->line = s->line;
    f->end_line = s->end_line;
#define DUP(x)                                                                                     \
    do {                                                                                           \
        if (s->x && !(f->x = sh_strdup(s->x)))                                                     \
            goto fail;                                                                             \
    } while (0)
    DUP(rule);
    DUP(title);
    DUP(device);
    DUP(platform);
    DUP(path);
    DUP(evidence);
    DUP(message);
    DUP(remediation);
    DUP(time);
    DUP(cve);
    DUP(state);
#undef DUP
    for (i = 0; i < 3 && s->attack[i]; i++)
        if (sh_strlist_push(&f->attack, s->attack[i]))
            goto fail;
    for (i = 0; i < 3 && s->references[i]; i++)
        if (sh_strlist_push(&f->references, s->references[i]))
            goto fail;
    sh_finding_fingerprint(f);
    return f;
fail:
    sh_finding_free(f);
    return NULL;
}

/* Fill `out` with the fixture findings; statuses as a second scan would set them. */
static int fixture_findings(sh_findings *out, bool with_status)
{
    size_t i;

    for (i = 0; i < sizeof(fixture_specs) / sizeof(fixture_specs[0]); i++) {
        sh_finding *f = fixture_make(&fixture_specs[i]);
        if (f && with_status) {
            f->status = i % 2 ? "seen" : "new";
            if (i % 2 && !(f->first_seen = sh_strdup("2026-01-05T08:00:00Z"))) {
                sh_finding_free(f);
                return -1;
            }
        }
        if (sh_findings_take(out, f))
            return -1;
    }
    return 0;
}

#endif
