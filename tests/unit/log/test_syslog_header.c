/*
 * test_syslog_header.c - the header-only parse against the full parse.
 *
 * Over real and sample device lines (the Wazuh ruleset tests and derived
 * logs from $SH_CORPUS, read in place; the rule samples; the example
 * network's log; the syslog fuzz seeds), in every parser mode:
 * sh_syslog_parse_header must give the same parsed, ts_ms and host as
 * sh_syslog_parse, and its hints must cover what the full parse produced
 * (a value outside the line other than time/facility/severity needs
 * NONRAW, a command field needs COMMAND). Then specific lines check that
 * the hints are set where they must be and left clear on plain lines.
 */
#include "log/syslog.h"

#include "test.h"

#include <stdio.h>
#include <stdlib.h>

static struct sh_log_event full, hdr;
static size_t n_lines, n_plain;

static bool same_host(void)
{
    uint32_t na = 0, nb = 0;
    const char *a = sh_log_event_get(&full, "host", &na), *b = sh_log_event_get(&hdr, "host", &nb);

    if (!a || !b)
        return !a && !b;
    return na == nb && memcmp(a, b, na) == 0;
}

/* Both parses of one line in every mode; failures name the file and line. */
static void check_line(const char *path, size_t lineno, const char *line, size_t len)
{
    struct sh_syslog_opts o = SH_SYSLOG_OPTS_INIT;
    int mode;

    o.ref_ms = 1741694400000LL; /* 2025-03-11: a fixed "now" for yearless stamps */
    for (mode = SH_SYSLOG_AUTO; mode <= SH_SYSLOG_ACCT; mode++) {
        unsigned hint = 0;
        uint32_t i;
        o.mode = (enum sh_syslog_mode)mode;
        sh_syslog_parse(&full, line, len, &o);
        sh_syslog_parse_header(&hdr, line, len, &o, &hint);
        n_lines++;
        if (mode == SH_SYSLOG_AUTO && hint == 0 && full.parsed)
            n_plain++;
        if (full.parsed != hdr.parsed || full.ts_ms != hdr.ts_ms || !same_host())
            sh_test_fail(__FILE__, __LINE__, "%s:%zu mode %d: header-only parse differs", path,
                         lineno, mode);
        for (i = 0; i < full.n_fields; i++) {
            const struct sh_log_field *f = &full.fields[i];
            bool inside = f->value >= line && f->value + f->len <= line + len;
            bool header = !strcmp(f->name, "time") || !strcmp(f->name, "facility") ||
                          !strcmp(f->name, "severity");
            if (!inside && !header && !(hint & SH_SYSLOG_HINT_NONRAW))
                sh_test_fail(__FILE__, __LINE__, "%s:%zu mode %d: %s not in the line, no NONRAW",
                             path, lineno, mode, f->name);
            if (!strcmp(f->name, "command") && !(hint & SH_SYSLOG_HINT_COMMAND))
                sh_test_fail(__FILE__, __LINE__, "%s:%zu mode %d: command without COMMAND", path,
                             lineno, mode);
        }
    }
}

static void on_line(const char *path, size_t lineno, const char *line, size_t len, void *ud)
{
    (void)ud;
    check_line(path, lineno, line, len);
}

static size_t check_glob(const char *pattern, bool ini, size_t skip)
{
    return sh_test_glob_lines(pattern, ini, skip, on_line, NULL);
}

SH_TEST(header_parse_matches_full_parse_on_real_lines)
{
    size_t files = 0;

    files += check_glob(sh_test_corpus("wazuh/derived_logs/*.log"), false, 0);
    files += check_glob(sh_test_corpus("wazuh/ruleset/testing/tests/*.ini"), true, 0);
    files += check_glob(sh_test_src("rules/logs/tests/*/*/*"), false, 0);
    files += check_glob(sh_test_src("examples/network/logs/*"), false, 0);
    files += check_glob(sh_test_src("fuzz/corpus/syslog/*"), false, 1);
    printf("header-only vs full parse: %zu files, %zu line parses, %zu plain parsed lines\n", files,
           n_lines, n_plain);
    CHECK(files > 40);
    CHECK(n_lines > 4000);
    /* the hints must leave ordinary lines clear, or the fast path never applies */
    CHECK(n_plain > n_lines / 8);
}

static unsigned hint_of(const char *line)
{
    unsigned hint = 0xff;

    sh_syslog_parse_header(&hdr, line, strlen(line), NULL, &hint);
    return hint;
}

SH_TEST(header_parse_hints)
{
    /* plain lines: nothing a rule on commands or decoded values could see */
    CHECK_EQ_INT(
        hint_of("Mar 11 00:00:02 10.0.68.1 1004: r068-mia: Mar 11 2025 00:00:02.315 UTC: "
                "%SNMP-3-AUTHFAIL: Authentication failure for SNMP req from host 10.250.2.2"),
        0);
    CHECK_EQ_INT(hint_of("not a log line at all"), 0);
    /* IOS configuration log: a command, kept as written (the log hunt
     * settles the archive's records from their header when that is all
     * the rules need, so NONRAW must stay clear here) */
    CHECK_EQ_INT(hint_of("Mar 11 00:00:01 r1 1003: r1: Mar 11 2025 00:00:01.334 UTC: "
                         "%PARSER-5-CFGLOG_LOGGEDCMD: User:netops  logged command:no logging host "
                         "10.9.9.9"),
                 SH_SYSLOG_HINT_COMMAND);
    CHECK_EQ_INT(hint_of("Mar 11 00:00:01 10.0.8.1 1003: r1: Mar 11 2025 00:00:01.334 UTC: "
                         "%PARSER-5-CFGLOG_LOGGEDCMD: User:netops  logged command:interface "
                         "Tunnel7 <cr>"),
                 SH_SYSLOG_HINT_COMMAND);
    /* its XML form: the command is decoded */
    CHECK_EQ_INT(hint_of("<189>42: r1: *Mar  1 00:01:02.003 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: "
                         "<auditRecord><user>admin</user><cli>show run | inc a&gt;b</cli>"
                         "</auditRecord>"),
                 SH_SYSLOG_HINT_COMMAND | SH_SYSLOG_HINT_NONRAW);
    /* TACACS+ accounting with one argument per pair: joined */
    CHECK_EQ_INT(hint_of("Mar 11 10:00:00\t10.1.1.1\tadmin\ttty2\t10.2.2.2\tstop\ttask_id=7\t"
                         "cmd=show\tcmd-arg=running-config"),
                 SH_SYSLOG_HINT_COMMAND | SH_SYSLOG_HINT_NONRAW);
    /* RFC 5424 structured data with an escaped quote */
    CHECK(hint_of("<13>1 2025-03-11T10:00:00Z sw1 mgd 42 UI_AUTH_EVENT [junos@2636 "
                  "username=\"ad\\\"min\"] login") &
          SH_SYSLOG_HINT_NONRAW);
    /* a key=value line with a key named command */
    CHECK(hint_of("date=2024-03-11 time=10:11:12 devname=FW1 logid=0100032002 command=\"exec x\" "
                  "msg=\"m\"") &
          SH_SYSLOG_HINT_COMMAND);
    /* NULL event: every bit, nothing else */
    {
        unsigned hint = 0;
        sh_syslog_parse_header(NULL, "x", 1, NULL, &hint);
        CHECK_EQ_INT(hint, SH_SYSLOG_HINT_COMMAND | SH_SYSLOG_HINT_NONRAW);
    }
}

SH_TEST(header_parse_sets_host_and_time_only)
{
    static const char line[] = "Mar 11 00:00:02 10.0.68.1 1004: r068-mia: Mar 11 2025 "
                               "00:00:02.315 UTC: %SNMP-3-AUTHFAIL: Authentication failure";
    unsigned hint = 0;
    uint32_t n = 0;
    const char *h;

    sh_syslog_parse_header(&hdr, line, sizeof(line) - 1, NULL, &hint);
    CHECK(hdr.parsed);
    CHECK_EQ_INT(hdr.ts_ms, 1741651202315LL);
    h = sh_log_event_get(&hdr, "host", &n);
    CHECK(h && n == 8 && memcmp(h, "r068-mia", 8) == 0);
    CHECK(!sh_log_event_get(&hdr, "mnemonic", NULL));
}

/* A key=value record that names no device (no devname) but has a "host"
 * key: the full parse reports that value as the event's host, and the
 * header-only parse must report the same one, or a device would be listed
 * and timed from some of its lines and not from others. */
SH_TEST(header_parse_takes_the_host_a_full_parse_reports)
{
    static const char *const lines[] = {
        "date=2025-03-11 time=10:00:01 logid=0100032001 type=event host=fw-edge1 msg=\"x\"",
        "<134>1 2025-03-11T10:00:01Z - app - - [meta host=\"sd-host\"] text",
        "date=2025-03-11 time=10:00:01 devname=FW1 host=other msg=\"y\""};
    size_t i;

    for (i = 0; i < SH_ARRAY_LEN(lines); i++) {
        size_t len = strlen(lines[i]);
        unsigned hint = 0;
        uint32_t nf = 0, nh = 0;
        const char *hf, *hh;
        sh_syslog_parse(&full, lines[i], len, NULL);
        sh_syslog_parse_header(&hdr, lines[i], len, NULL, &hint);
        hf = sh_log_event_get(&full, "host", &nf);
        hh = sh_log_event_get(&hdr, "host", &nh);
        CHECK(hf != NULL);
        CHECK(hh != NULL && nh == nf && memcmp(hh, hf, nf) == 0);
        CHECK_EQ_INT(hdr.ts_ms, full.ts_ms);
    }
}
