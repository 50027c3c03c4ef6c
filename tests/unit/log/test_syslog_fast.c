/*
 * test_syslog_fast.c - the parser's fast paths against its general code.
 *
 * sh_syslog_parse() and sh_syslog_parse_header() take fast paths for
 * common layouts; sh_syslog__parse_general() and
 * sh_syslog__parse_header_general() run the general code only. Every
 * input here is parsed both ways in every mode and with two option sets,
 * and the events must be identical: parsed, ts_ms, every field (name,
 * order, value bytes, and whether the value lies in the line at the same
 * place) and the header-only hints. Inputs: the Wazuh ruleset tests and
 * derived logs from $SH_CORPUS (read in place), the rule samples, the
 * example network's log, the syslog fuzz seeds, generated relay lines of
 * many layouts, and mutations of the generated lines and the seeds (cut
 * at every byte, each separator replaced by each other one, each byte
 * deleted).
 */
#include "log/syslog.h"

#include "test.h"

#include <stdio.h>
#include <stdlib.h>

static struct sh_log_event fast, gen;
static size_t n_cmp, n_relay, n_bad;

static bool same_event(const char *line, size_t len)
{
    return sh_log_event_same(&fast, &gen, line, len);
}

static void compare(const char *what, const char *line, size_t len)
{
    int mode, set;

    for (mode = SH_SYSLOG_AUTO; mode <= SH_SYSLOG_ACCT; mode++) {
        for (set = 0; set < 2; set++) {
            struct sh_syslog_opts o = SH_SYSLOG_OPTS_INIT;
            unsigned hf = 0, hg = 0;
            o.mode = (enum sh_syslog_mode)mode;
            o.year = set ? 2024 : 0;
            o.ref_ms = set ? 1736035200000LL : 1741694400000LL;
            o.tz_offset_min = set ? -300 : 0;
            n_cmp++;
            sh_syslog_parse(&fast, line, len, &o);
            sh_syslog__parse_general(&gen, line, len, &o);
            if (!same_event(line, len) && n_bad++ < 10)
                sh_test_fail(__FILE__, __LINE__, "%s mode %d set %d: full parse differs: %.*s",
                             what, mode, set, (int)len, line);
            if (mode == SH_SYSLOG_AUTO && set == 0 && sh_log_event_get(&fast, "relay", NULL) &&
                sh_log_event_get(&fast, "sequence", NULL))
                n_relay++;
            sh_syslog_parse_header(&fast, line, len, &o, &hf);
            sh_syslog__parse_header_general(&gen, line, len, &o, &hg);
            if ((!same_event(line, len) || hf != hg) && n_bad++ < 10)
                sh_test_fail(__FILE__, __LINE__,
                             "%s mode %d set %d: header-only parse differs (hints %u, %u): %.*s",
                             what, mode, set, hf, hg, (int)len, line);
        }
    }
}

/* The line cut at every byte, each separator replaced by each other, each byte deleted. */
static void mutate(const char *line, size_t len)
{
    static const char seps[] = " \t:.%-[]=,*";
    static char m[4096];
    size_t k, j;

    if (len >= sizeof(m))
        return;
    for (k = 0; k < len; k++)
        compare("cut", line, k);
    for (k = 0; k < len; k++) {
        memcpy(m, line, len);
        if (memchr(seps, line[k], sizeof(seps) - 1)) {
            for (j = 0; j + 1 < sizeof(seps); j++) {
                if (seps[j] == line[k])
                    continue;
                m[k] = seps[j];
                compare("flip", m, len);
            }
        }
        memcpy(m, line, k);
        memcpy(m + k, line + k + 1, len - k - 1);
        compare("delete", m, len - 1);
    }
}

/* One sample line, compared as it is and, with `ud` set, mutated. */
static void on_line(const char *path, size_t lineno, const char *line, size_t len, void *ud)
{
    (void)lineno;
    compare(path, line, len);
    if (ud)
        mutate(line, len);
}

static size_t each_glob(const char *pattern, size_t skip, bool ini, bool mut)
{
    static int yes;

    return sh_test_glob_lines(pattern, ini, skip, on_line, mut ? &yes : NULL);
}

SH_TEST(fast_paths_match_general_code_on_real_lines)
{
    size_t files = 0;

    files += each_glob(sh_test_corpus("wazuh/derived_logs/*.log"), 0, false, false);
    files += each_glob(sh_test_corpus("wazuh/ruleset/testing/tests/*.ini"), 0, true, false);
    files += each_glob(sh_test_src("rules/logs/tests/*/*/*"), 0, false, false);
    files += each_glob(sh_test_src("examples/network/logs/*"), 0, false, false);
    printf("fast vs general: %zu files, %zu comparisons\n", files, n_cmp);
    CHECK(files > 40);
    CHECK(n_cmp > 8000);
}

SH_TEST(fast_paths_match_general_code_on_mutated_seeds)
{
    size_t files = 0;

    files += each_glob(sh_test_src("fuzz/corpus/syslog/*"), 1, false, true);
    files += each_glob(sh_test_src("fuzz/corpus/syslog_header/*"), 1, false, true);
    printf("fast vs general (seeds, mutated): %zu files, %zu comparisons\n", files, n_cmp);
    CHECK(files > 20);
}

/* Relay layouts: the fast path's own shape and its near misses. */
static const char *const layouts[] = {
    "Mar %2d %02d:%02d:%02d 10.0.%d.1 %d: r%03d-nyc: Mar %2d 2025 %02d:%02d:%02d.%03d UTC: "
    "%%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: netops] [Source: 10.250.3.10] "
    "[localport: 22] at 02:46:29 UTC Tue Mar 11 2025",
    "Mar %2d %02d:%02d:%02d 10.0.%d.1 %d: r%03d-chi: Mar %2d 2025 %02d:%02d:%02d.%03d UTC: "
    "%%PARSER-5-CFGLOG_LOGGEDCMD: User:netops  logged command:description port %d",
    "Mar %2d %02d:%02d:%02d 10.0.%d.1 %d: r%03d-sea: *Mar %2d %02d:%02d:%02d.%03d: "
    "%%SYS-5-CONFIG_I: Configured from console by admin on vty0 (10.%d.1.1)",
    "Mar %2d %02d:%02d:%02d 10.0.%d.1 %d: r%03d-dal: .Mar %2d %02d:%02d:%02d.%03d EST: "
    "%%LINK-3-UPDOWN: Interface GigabitEthernet1/0/%d, changed state to up",
    "Tue Mar %2d %02d:%02d:%02d 10.0.%d.1 %d: r%03d-mia: Tue Mar %2d %02d:%02d:%02d.%03d CET: "
    "%%BGP-5-ADJCHANGE: neighbor 10.255.%d.1 Up",
    "Mar %2d %02d:%02d:%02d 10.0.%d.1 %d: r%03d-bos: Mar %2d 2025 %02d:%02d:%02d.%03d UTC+1: "
    "%%ASA-6-111008: User 'admin' executed the 'write mem %d' command.",
    "Mar %2d %02d:%02d:%02d 10.0.%d.1 %d: r%03d: %d:%02d:%02d:%02d.%03d: %%SYS-%d-RESTART: up",
    "Mar %2d %02d:%02d:%02d 10.0.%d.1 %d: %d: Mar %2d %02d:%02d:%02d.%03d UTC: %%X-5-Y: z %d",
    "Mar %2d %02d:%02d:%02d 10.0.%d.1 %d: r%03d: Tue %d:%02d:%02d:%02d.%03d: %%SYS-5-Z: up %d",
    "Mar %2d %02d:%02d:%02d host%d %d: r%03d: 2025-03-%02dT%02d:%02d:%02d.%03dZ: %%A-5-B: c %d",
    "Mar %2d %02d:%02d:%02d 10.0.%d.1 %d: r%03d: Mar %2d %02d:%02d:%02d.%03d UTC: mgd[%d]: "
    "UI_CMDLINE_READ_LINE: User 'admin', command 'show config'",
    "Mar %2d %02d:%02d:%02d 10.0.%d.1 %d: r%03d-nyc: Mar %2d 2025 %02d:%02d:%02d.%03d UTC: "
    "%%AAA-6-AAA_ACCOUNTING_MESSAGE: update:10.250.1.%d@pts/0:admin:conf t ; hostname x (SUCCESS)",
    "Mar %2d %02d:%02d:%02d 10.0.%d.1 %d: r%03d-nyc: Mar %2d 2025 %02d:%02d:%02d.%03d UTC: "
    "CISE_TACACS_Accounting 1 0 2025-03-11 Device IP Address=10.9.%d.9, CmdSet=[ CmdAV=show ]",
    "Mar %2d %02d:%02d:%02d 10.0.%d.1 %d: r%03d-nyc: Mar %2d 2025 %02d:%02d:%02d.%03d UTC: "
    "date=2025-03-11 time=10:00:00 devname=FW%d logid=1 msg=\"x\"",
    "Mar %2d %02d:%02d:%02d 10.0.%d.1 %d: r%03d-nyc: Mar %2d 2025 %02d:%02d:%02d.%03d UTC: "
    "<189>1 2025-03-11T10:00:00Z sw%d app - ID [x@1 command=\"a b\"] m",
    "Mar %2d %02d:%02d:%02d 10.0.%d.1 %d: r%03d-nyc: Mar %2d 2025 %02d:%02d:%02d.%03d UTC : "
    "%%A-5-B: c %d",
    "Mar %2d %02d:%02d:%02d 10.0.%d.1 %d:  r%03d-nyc:  Mar  %d 2025 %02d:%02d:%02d.%03d  UTC: "
    "%%A-5-B: c %d",
    "Mar %2d %02d:%02d:%02d 10.0.%d.1 %d: RP/0/RSP%d/CPU0:Mar %2d %02d:%02d:%02d.%03d UTC: "
    "config[%d]: %%MGBL-CONFIG-6-DB_COMMIT : Configuration committed by user 'admin'.",
    "Mar %2d %02d:%02d:%02d 10.0.%d.1 %d: r%03d-nyc: Mar %2d 2025 %02d:%02d:%02d.%03d UTC: "
    "%%HA_EM-6-LOG: catchall: show run %d",
    "May 00 %02d:%02d:%02d 10.0.%d.1 %d: r%03d-nyc: Mar %2d 2025 %02d:%02d:%02d.%03d UTC: "
    "%%A-5-B: c %d %d",
    "Mar %2d %02d:%02d:%02d 10.0.%d.1 %d: r%03d-nyc: Feb 30 2024 %02d:%02d:%02d.%03d UTC: "
    "%%A-5-B: c %d %d",
    "Mar %2d %02d:%02d:%02d 10.0.%d.1 %d: r%03d-nyc: Mar %2d 2025 %02d:%02d:%02d.%03d UTC: "
    "%%%%01SHELL/5/CMDRECORD(s): Recorded command information. (Command=\"display %d\")",
};

SH_TEST(fast_paths_match_general_code_on_generated_relay_lines)
{
    char line[1024];
    size_t i, k;

    for (i = 0; i < 40 * SH_ARRAY_LEN(layouts); i++) {
        int a = (int)(i % 28) + 1, h = (int)(i % 24), mi = (int)(i / 3 % 60), s = (int)(i % 61);
        int n;
        k = i % SH_ARRAY_LEN(layouts);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        n = snprintf(line, sizeof(line), layouts[k], a, h, mi, s, (int)(i % 250), (int)(1000 + i),
                     (int)(i % 400), a, h, mi, s, (int)(i * 7 % 1000), (int)i);
#pragma GCC diagnostic pop
        if (n <= 0 || (size_t)n >= sizeof(line))
            continue;
        compare("generated", line, (size_t)n);
        /* the same minute twice in a row, then a mutation of every third */
        compare("generated again", line, (size_t)n);
        if (i % 3 == 0)
            mutate(line, (size_t)n);
    }
    printf("fast vs general (generated): %zu comparisons, %zu relay lines\n", n_cmp, n_relay);
    CHECK(n_relay > 100);
}

/*
 * The header-only fast path reads the tab test and the hints in one pass
 * of sixteen-byte blocks, the last one overlapping: each hint word and a
 * tab put at every offset of relay lines of many lengths, so that they
 * fall on every place within and across the blocks.
 */
SH_TEST(fast_header_hints_and_tabs_at_every_offset)
{
    static const char *const words[] = {
        "cmd=x", "Cmd=", "CMD=", "cmD", "c", "C", "CmdSet=[", "CISE_TACACS_Accounting", "\t"};
    static const char head[] = "Mar 11 00:00:01 10.1.118.1 1001: r368-chi: Mar 11 2025 "
                               "00:00:00.491 UTC: %NTP-5-PEERSYNC: ";
    static const char tail[] = "NTP synced to peer 10.250.1.30 via GigabitEthernet0/0/1 ok";
    char base[256], line[512];
    size_t w, cut, at, before = n_cmp;

    for (cut = 0; cut < sizeof(tail); cut += 3) {
        size_t bn = (size_t)snprintf(base, sizeof(base), "%s%.*s", head, (int)cut, tail);
        for (w = 0; w < SH_ARRAY_LEN(words); w++) {
            size_t wn = strlen(words[w]);
            for (at = 0; at <= bn; at++) {
                memcpy(line, base, at);
                memcpy(line + at, words[w], wn);
                memcpy(line + at + wn, base + at, bn - at);
                compare("word", line, bn + wn);
            }
        }
    }
    printf("fast vs general (hint words, tabs): %zu comparisons\n", n_cmp - before);
    CHECK(n_cmp - before > 10000);
}

/*
 * Mnemonic tokens for the fast path's reading from class masks: every
 * joining of up to nine parts (empty, one digit, words, ASA family codes)
 * by dashes, so that tokens end in a dash, pass 31 bytes, hold more than
 * seven dashes or several one-digit parts, each in a relay line and in a
 * line cut short after it.
 */
SH_TEST(fast_mnemonic_tokens_match_general_code)
{
    static const char *const parts[] = {
        "", "5", "8", "SYS", "ASA", "FTD", "A_B", "x9", "LONGPART", "PARSER", "CFGLOG_LOGGEDCMD"};
    static const char *const after[] = {": text c", " : text", " x", ":", ""};
    static const char head[] = "Mar 11 00:00:01 10.1.118.1 1001: r368-chi: Mar 11 2025 "
                               "00:00:00.491 UTC: %";
    char tok[256], line[512];
    size_t i, before = n_cmp;
    unsigned seed = 1;

    for (i = 0; i < 12000; i++) {
        size_t np = 1 + i % 9, k, tn = 0;
        int n;
        for (k = 0; k < np; k++) {
            const char *w;
            seed = seed * 1103515245u + 12345u;
            w = parts[(seed >> 8) % SH_ARRAY_LEN(parts)];
            if (k == 0 && !*w)
                w = "SEC";
            tn += (size_t)snprintf(tok + tn, sizeof(tok) - tn, "%s%s", k ? "-" : "", w);
            if (tn >= 200)
                break;
        }
        n = snprintf(line, sizeof(line), "%s%s%s", head, tok, after[i % SH_ARRAY_LEN(after)]);
        if (n <= 0 || (size_t)n >= sizeof(line))
            continue;
        compare("mnemonic", line, (size_t)n);
    }
    printf("fast vs general (mnemonic tokens): %zu comparisons\n", n_cmp - before);
    CHECK(n_cmp - before > 50000);
}
