/*
 * test_corpus.c - the parser against real third-party device lines.
 *
 * Reads the Wazuh ruleset test files from $SH_CORPUS (GPL: read in place,
 * never copied). Every line of the wazuh/derived_logs files must yield an
 * event. For the Cisco decoders of the .ini files the expectation comes
 * from the decoder each line is filed under:
 *   cisco-ios              mnemonic ^FAC(-SUBFAC)?-[0-7]-MNEMONIC$, facility_code = FAC,
 *                          severity = the digit
 *   cisco-asa / cisco-ftd / pix
 *                          facility_code ASA / FTD / PIX, mnemonic ^[0-9]{6}$,
 *                          severity = the digit after the family
 * and the host: for a line opening with a BSD stamp and a host token
 * ("Mmm dd hh:mm:ss HOST %...") exactly that token; for device-native lines
 * (opening with '%', a sequence number or a device stamp ending in ':') no
 * host; any other host must match ^[A-Za-z0-9._>-]+$.
 * Per-file parse rates are printed.
 */
#include "log/logfile.h"

#include "test.h"

#include <glob.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>

static struct sh_log_event ev;

static char *field(const char *name)
{
    static char buf[4][1024];
    static int k;
    uint32_t n;
    const char *v = sh_log_event_get(&ev, name, &n);

    if (!v)
        return NULL;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof(buf[k]), "%.*s", (int)n, v);
    return buf[k];
}

static bool matches(const char *re, const char *s, char *group, size_t gcap)
{
    regex_t rx;
    regmatch_t m[2];
    bool ok;

    if (regcomp(&rx, re, REG_EXTENDED) != 0)
        return false;
    ok = s && regexec(&rx, s, 2, m, 0) == 0;
    if (ok && group && m[1].rm_so >= 0) {
        size_t n = (size_t)(m[1].rm_eo - m[1].rm_so);
        if (n >= gcap)
            n = gcap - 1;
        memcpy(group, s + m[1].rm_so, n);
        group[n] = '\0';
    }
    regfree(&rx);
    return ok;
}

static int fails_before;
static int n_checked;

static void check_cisco_line(const char *decoder, const char *line)
{
    struct sh_syslog_opts o = SH_SYSLOG_OPTS_INIT;
    const char *fam = NULL;
    char *mn, *fc, *sev, *host;
    char want_host[256], digit[4];

    o.year = 2024;
    sh_syslog_parse(&ev, line, strlen(line), &o);
    n_checked++;
    if (!ev.parsed)
        sh_test_fail(__FILE__, __LINE__, "[%s] not parsed: %s", decoder, line);
    mn = field("mnemonic");
    fc = field("facility_code");
    sev = field("severity");
    host = field("host");
    if (strcmp(decoder, "cisco-ios") == 0) {
        char fac[64];
        if (!matches("^([A-Z][A-Z0-9_]*)(-[A-Z0-9_]+)?-[0-7]-[A-Z0-9_]+$", mn, fac, sizeof(fac)))
            sh_test_fail(__FILE__, __LINE__, "[ios] mnemonic %s: %s", mn ? mn : "(none)", line);
        else if (!fc || strcmp(fc, fac) != 0)
            sh_test_fail(__FILE__, __LINE__, "[ios] facility_code %s: %s", fc ? fc : "-", line);
        if (mn && matches("-([0-7])-[A-Z0-9_]+$", mn, digit, sizeof(digit)) &&
            (!sev || strcmp(sev, digit) != 0))
            sh_test_fail(__FILE__, __LINE__, "[ios] severity %s: %s", sev ? sev : "-", line);
    } else {
        fam = strcmp(decoder, "cisco-asa") == 0   ? "ASA"
              : strcmp(decoder, "cisco-ftd") == 0 ? "FTD"
                                                  : "PIX";
        if (!fc || strcmp(fc, fam) != 0)
            sh_test_fail(__FILE__, __LINE__, "[%s] facility_code %s: %s", fam, fc ? fc : "-", line);
        if (!matches("^[0-9]{6}$", mn, NULL, 0))
            sh_test_fail(__FILE__, __LINE__, "[%s] mnemonic %s: %s", fam, mn ? mn : "-", line);
        {
            char re[64];
            snprintf(re, sizeof(re), "%%%s-([0-7])-", fam);
            if (matches(re, line, digit, sizeof(digit)) && (!sev || strcmp(sev, digit) != 0))
                sh_test_fail(__FILE__, __LINE__, "[%s] severity %s: %s", fam, sev ? sev : "-",
                             line);
        }
    }
    if (matches("^[A-Z][a-z]{2} +[0-9]{1,2} [0-9]{2}:[0-9]{2}:[0-9]{2} ([^ :%]+) %", line,
                want_host, sizeof(want_host))) {
        if (!host || strcmp(host, want_host) != 0)
            sh_test_fail(__FILE__, __LINE__, "host %s, expected %s: %s", host ? host : "-",
                         want_host, line);
    } else if (line[0] == '%' || matches("^[0-9]+: ", line, NULL, 0) ||
               matches("^\\*?[A-Z][a-z]{2} +[0-9]{1,2} [0-9:.]+( [A-Za-z]+)?: %", line, NULL, 0) ||
               matches("^[0-9:]+: %", line, NULL, 0)) {
        if (host)
            sh_test_fail(__FILE__, __LINE__, "device-native line got host %s: %s", host, line);
    } else if (host && !matches("^[A-Za-z0-9._>-]+$", host, NULL, 0)) {
        sh_test_fail(__FILE__, __LINE__, "odd host %s: %s", host, line);
    }
}

SH_TEST(wazuh_ini_cisco_decoders)
{
    glob_t g;
    size_t i;
    int files = 0;

    if (glob(sh_test_corpus("wazuh/ruleset/testing/tests/*.ini"), 0, NULL, &g) != 0) {
        sh_test_fail(__FILE__, __LINE__, "no wazuh .ini files under %s", sh_test_corpus(""));
        return;
    }
    for (i = 0; i < g.gl_pathc; i++) {
        FILE *f = fopen(g.gl_pathv[i], "r");
        static char lines[128][4096];
        int n = 0, k;
        char buf[8192];

        if (!f)
            continue;
        files++;
        while (fgets(buf, sizeof(buf), f)) {
            size_t l = strlen(buf);
            char *eq;
            while (l && (buf[l - 1] == '\n' || buf[l - 1] == '\r'))
                buf[--l] = '\0';
            if (strncmp(buf, "log ", 4) == 0 && (eq = strstr(buf, " = ")) != NULL && n < 128) {
                snprintf(lines[n++], sizeof(lines[0]), "%s", eq + 3);
            } else if (strncmp(buf, "decoder = ", 10) == 0) {
                const char *dec = buf + 10;
                bool cisco = strcmp(dec, "cisco-ios") == 0 || strcmp(dec, "cisco-asa") == 0 ||
                             strcmp(dec, "cisco-ftd") == 0 || strcmp(dec, "pix") == 0;
                for (k = 0; k < n && cisco; k++)
                    check_cisco_line(dec, lines[k]);
                n = 0;
            } else if (buf[0] == '[') {
                n = 0;
            }
        }
        fclose(f);
    }
    globfree(&g);
    CHECK(files >= 4);
    /* cisco_ios 17 + cisco_asa 88 + cisco_ftd 42 + pix lines */
    CHECK(n_checked >= 150);
    printf("  checked %d Cisco lines against their decoder expectations\n", n_checked);
    SH_UNUSED(fails_before);
}

struct rate {
    uint64_t with_mnemonic, with_host, with_time;
};

static int rate_cb(const struct sh_log_event *e, void *ud)
{
    struct rate *r = ud;

    r->with_mnemonic += sh_log_event_get(e, "mnemonic", NULL) != NULL;
    r->with_host += sh_log_event_get(e, "host", NULL) != NULL;
    r->with_time += e->ts_ms != 0;
    return 0;
}

SH_TEST(wazuh_derived_logs_every_line_parses)
{
    glob_t g;
    size_t i;
    uint64_t all = 0, parsed = 0;
    struct sh_syslog_opts o = SH_SYSLOG_OPTS_INIT;

    o.year = 2024;
    if (glob(sh_test_corpus("wazuh/derived_logs/*.log"), 0, NULL, &g) != 0) {
        sh_test_fail(__FILE__, __LINE__, "no derived logs under %s", sh_test_corpus(""));
        return;
    }
    for (i = 0; i < g.gl_pathc; i++) {
        struct sh_logfile_stats st;
        struct rate r = {0};
        const char *base = strrchr(g.gl_pathv[i], '/');
        sh_diag d;

        CHECK_OK(sh_logfile_each(g.gl_pathv[i], &o, rate_cb, &r, &st, &d));
        CHECK(st.lines > 0);
        CHECK_EQ_INT(st.lines, st.parsed + st.unparsed);
        printf(
            "  %-16s %3llu lines  parsed %5.1f%%  mnemonic %5.1f%%  host %5.1f%%  time %5.1f%%\n",
            base ? base + 1 : g.gl_pathv[i], (unsigned long long)st.lines,
            100.0 * (double)st.parsed / (double)st.lines,
            100.0 * (double)r.with_mnemonic / (double)st.lines,
            100.0 * (double)r.with_host / (double)st.lines,
            100.0 * (double)r.with_time / (double)st.lines);
        if (base && (strstr(base, "cisco") || strstr(base, "pix")))
            CHECK_EQ_INT(st.parsed, st.lines);
        all += st.lines;
        parsed += st.parsed;
    }
    globfree(&g);
    CHECK(all >= 250);
    CHECK(parsed * 100 >= all * 95);
    printf("  all files: %llu lines, %llu parsed\n", (unsigned long long)all,
           (unsigned long long)parsed);
}
