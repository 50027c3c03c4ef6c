/*
 * test_prefilter.c - the Hyperscan prefilter never loses a match: for every
 * event of the pack samples and the example network logs, the rules that
 * match with the prefilter are exactly those that match when every
 * applicable rule is evaluated in full, both when each line is scanned on
 * its own and when a whole file is scanned as one block (the plain-file
 * reader's path). Also checks the bounds of the correlation store and of
 * condition nesting.
 */
#include "../../../src/lib/base/sh_base.h"

#include <ftw.h>
#include <stdio.h>

#include "log/logfile.h"
#include "log/reader.h"
#include "log/syslog.h"
#include "sigma/sigma_corr.h"
#include "sigma/sigma_eval.h"
#include "sigma/sigma_int.h"
#include "test.h"

static sh_sigma_set *set;
static struct sg_scratch *sc;
static uint8_t *fast;
static size_t events, matches, mismatches;

static int on_fast(const struct sg_rule *r, const struct sh_log_event *ev, void *ud)
{
    (void)ev;
    (void)ud;
    fast[r->index] = 1;
    return 0;
}

static int on_event(const struct sh_log_event *ev, void *ud)
{
    size_t i;

    (void)ud;
    memset(fast, 0, set->rules.n);
    sh_sigma__eval(sc, ev, on_fast, NULL);
    events++;
    for (i = 0; i < set->rules.n; i++) {
        const struct sg_rule *r = set->rules.v[i];
        bool full = !r->corr && r->applicable && sh_sigma__eval_rule(sc, r, ev);
        matches += full;
        if (full != (fast[i] != 0)) {
            mismatches++;
            fprintf(stderr, "  prefilter disagrees on rule '%s' at %s:%llu\n", r->title, ev->path,
                    (unsigned long long)ev->line);
        }
    }
    return 0;
}

static size_t block_lines, quiet_lines, head_lines;

/* The whole file as one block, each line evaluated from the block's matches. */
static void check_block(const char *path)
{
    static struct sh_log_event ev;
    static char line[SH_LOGREADER_MAX_LINE_DEFAULT + 1];
    char *data = NULL;
    size_t len = 0, at = 0, whole, i;
    bool quiet, head, settled;
    int q;
    sh_diag d;

    if (sh_file_read(&data, &len, path, 64u << 20, &d) != SH_OK)
        return;
    whole = len;
    while (whole && data[whole - 1] != '\n')
        whole--;
    CHECK(sh_sigma__block_scan(sc, data, whole));
    while (at < whole) {
        const char *nl = memchr(data + at, '\n', whole - at);
        size_t ll = (size_t)(nl - (data + at)), n = ll;
        if (n && data[at + n - 1] == '\r')
            n--;
        memcpy(line, data + at, n);
        line[n] = '\0';
        memset(&ev, 0, sizeof(ev));
        memset(fast, 0, set->rules.n);
        quiet = head = settled = false;
        /* as the log analyzer reads a line (chunk_line) */
        if ((q = sh_sigma__span_quiet_ex(sc, at, at + ll)) != 0) {
            unsigned hint = 0;
            bool nonraw, command;
            sh_syslog_parse_header(&ev, line, n, NULL, &hint);
            nonraw = (hint & SH_SYSLOG_HINT_NONRAW) != 0;
            command = (hint & SH_SYSLOG_HINT_COMMAND) != 0;
            if (q == 3) {
                head = true;
                settled = sh_sigma__eval_span_header(sc, &ev, nonraw, command, at, at + ll, on_fast,
                                                     NULL) == 1;
                head_lines += settled;
            } else {
                quiet = sh_sigma__quiet_hints(sc, q, nonraw, command);
                quiet_lines += quiet;
            }
        }
        sh_syslog_parse(&ev, line, n, NULL);
        ev.path = path;
        ev.line = ++block_lines;
        if (!settled)
            sh_sigma__eval_span(sc, &ev, at, at + ll, on_fast, NULL);
        for (i = 0; i < set->rules.n; i++) {
            const struct sg_rule *r = set->rules.v[i];
            bool full = !r->corr && r->applicable && sh_sigma__eval_rule(sc, r, &ev);
            if (full != (fast[i] != 0) || (full && quiet)) {
                mismatches++;
                fprintf(stderr, "  block prefilter disagrees on rule '%s' at %s\n", r->title, path);
            }
        }
        at += ll + 1;
    }
    sh_sigma__block_reset(sc);
    sh_free(data);
}

static int visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    sh_diag d;
    (void)st;
    (void)ftw;
    if (flag == FTW_F && (strstr(path, ".log") || strstr(path, ".raw"))) {
        (void)sh_logfile_each(path, NULL, on_event, NULL, NULL, &d);
        check_block(path);
    }
    return 0;
}

SH_TEST(prefilter_is_exact)
{
    sh_diag d;

    CHECK_OK(sh_sigma_set_new(&set));
    CHECK_OK(sh_sigma_load_builtin(set, &d));
    CHECK_OK(sh_sigma_load_path(set, sh_test_corpus("sigma"), &d));
    CHECK_OK(sh_sigma_compile(set, NULL, &d));
    CHECK_OK(sh_sigma__scratch_new(set, &sc));
    fast = sh_calloc(set->rules.n, 1);
    nftw(sh_test_src("rules/logs/tests"), visit, 16, FTW_PHYS);
    nftw(sh_test_src("examples/network/logs"), visit, 16, FTW_PHYS);
    nftw(sh_test_corpus("sigma/regression_data"), visit, 16, FTW_PHYS);
    nftw(sh_test_src("fuzz/corpus/logblock"), visit, 16, FTW_PHYS);
    fprintf(stderr,
            "  %zu events (%zu through block scans, %zu of them header-only, %zu more settled "
            "from the header), %zu rule matches, %zu disagreements\n",
            events, block_lines, quiet_lines, head_lines, matches, mismatches);
    CHECK(events > 400);
    CHECK(block_lines > 400);
    CHECK(quiet_lines > 100);
    CHECK(head_lines > 10);
    CHECK(matches > 100);
    CHECK_EQ_INT(mismatches, 0);
    sh_free(fast);
    sh_sigma__scratch_free(sc);
    sh_sigma_set_free(set);
}

static int keep(const struct sg_rule *r, const struct sh_log_event *ev, void *ud)
{
    return sh_sigma__hits_add(ud, r, ev, "t.log");
}

/* Anchors are clauses: L-20 needs '%LINEPROTO-5-UPDOWN' and 'Interface
 * Loopback' together (or a Loopback command), so a line-protocol change on
 * another interface completes no rule and gets the header-only parse,
 * while one on a Loopback does not. A single anchor set per rule would
 * make both candidates. */
SH_TEST(anchor_clauses_need_every_part)
{
    static const char block[] =
        "Mar 11 00:00:05 10.0.15.1 1005: r015-chi: Mar 11 2025 00:00:05.325 UTC: "
        "%LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet1/0/10, changed state "
        "to up\n"
        "Mar 11 00:00:06 10.0.15.1 1006: r015-chi: Mar 11 2025 00:00:06.325 UTC: "
        "%LINEPROTO-5-UPDOWN: Line protocol on Interface Loopback7, changed state to up\n";
    const char *second = strchr(block, '\n') + 1;
    size_t first_len = (size_t)(second - block) - 1;
    sh_sigma_set *s = NULL;
    struct sg_scratch *x = NULL;
    sh_diag d;

    CHECK_OK(sh_sigma_set_new(&s));
    CHECK_OK(sh_sigma_load_builtin(s, &d));
    CHECK_OK(sh_sigma_compile(s, NULL, &d));
    CHECK_OK(sh_sigma__scratch_new(s, &x));
    CHECK(sh_sigma__block_scan(x, block, strlen(block)));
    CHECK(sh_sigma__span_quiet(x, 0, first_len) != 0);
    CHECK_EQ_INT(sh_sigma__span_quiet(x, first_len + 1, strlen(block) - 1), 0);
    sh_sigma__scratch_free(x);
    sh_sigma_set_free(s);
}

SH_TEST(correlation_store_is_bounded)
{
    static const char rules[] =
        "title: b\nname: b\nlogsource: {product: cisco}\ndetection:\n  s:\n    - 'BADAUTH'\n"
        "  condition: s\n---\ntitle: c\nid: c\ncorrelation:\n  type: event_count\n"
        "  rules: [b]\n  group-by: [host]\n  timespan: 5m\n  condition: {gte: 2}\n";
    static struct sh_log_event ev;
    static const char line[] = "Oct 12 10:15:01 r1 %TCP-6-BADAUTH: Invalid MD5 digest from "
                               "10.0.0.1(179) to 10.0.0.2(1234)";
    sh_sigma_set *s = sh_test_sigma(rules);
    struct sg_scratch *x = NULL;
    struct sg_hits *h = NULL;
    int i;

    if (!s)
        return;
    CHECK_OK(sh_sigma__scratch_new(s, &x));
    CHECK_OK(sh_sigma__hits_new(&h, 4096)); /* a few hits' worth */
    for (i = 0; i < 200; i++) {
        memset(&ev, 0, sizeof(ev));
        sh_syslog_parse(&ev, line, strlen(line), NULL);
        ev.line = (uint64_t)i + 1;
        CHECK_OK(sh_sigma__eval(x, &ev, keep, h));
    }
    CHECK(sh_sigma__hits_count(h) < 200);
    CHECK(sh_sigma__hits_evicted(h) > 0);
    CHECK_EQ_INT(sh_sigma__hits_count(h) + sh_sigma__hits_evicted(h), 200);
    sh_sigma__hits_free(h);
    sh_sigma__scratch_free(x);
    sh_sigma_set_free(s);
}

SH_TEST(condition_nesting_is_bounded)
{
    struct sh_buf b;
    sh_sigma_set *s = NULL;
    sh_diag d;
    int i, rc;

    sh_buf_init(&b, 0);
    sh_buf_adds(&b, "title: deep\nlogsource: {product: cisco}\ndetection:\n  s:\n    - x\n"
                    "  condition: ");
    for (i = 0; i < 200; i++)
        sh_buf_addc(&b, '(');
    sh_buf_adds(&b, "s");
    for (i = 0; i < 200; i++)
        sh_buf_addc(&b, ')');
    sh_buf_addc(&b, '\n');
    CHECK_OK(sh_sigma_set_new(&s));
    rc = sh_sigma_load_buf(s, b.ptr, b.len, "deep.yml", &d);
    CHECK_EQ_INT(rc, SH_ERULE);
    CHECK(strstr(d.text, "nested too deeply") != NULL);
    CHECK_EQ_INT(d.line, 6);
    sh_sigma_set_free(s);
    sh_buf_free(&b);
}

static const char *hdr_names[8];
static size_t hdr_n;

static int on_hdr(const struct sg_rule *r, const struct sh_log_event *ev, void *ud)
{
    (void)ev;
    (void)ud;
    if (hdr_n < SH_ARRAY_LEN(hdr_names))
        hdr_names[hdr_n++] = r->name;
    return 0;
}

/* How the log analyzer settles a one-line block: 1 from the header, 0 in
 * full (q == 3 but undecided), -1 the header path not tried; the matching
 * rule names in hdr_names. */
static int settle(struct sg_scratch *x, const char *line)
{
    static struct sh_log_event ev;
    size_t n = strlen(line);
    unsigned hint = 0;
    int rc;

    hdr_n = 0;
    memset(&ev, 0, sizeof(ev));
    CHECK(sh_sigma__block_scan(x, line, n));
    if (sh_sigma__span_quiet_ex(x, 0, n) != 3) {
        sh_sigma__block_reset(x);
        return -1;
    }
    sh_syslog_parse_header(&ev, line, n, NULL, &hint);
    rc = sh_sigma__eval_span_header(x, &ev, (hint & SH_SYSLOG_HINT_NONRAW) != 0,
                                    (hint & SH_SYSLOG_HINT_COMMAND) != 0, 0, n, on_hdr, NULL);
    if (rc == 0) {
        sh_syslog_parse(&ev, line, n, NULL);
        CHECK_OK(sh_sigma__eval_span(x, &ev, 0, n, on_hdr, NULL));
    }
    sh_sigma__block_reset(x);
    return rc;
}

/* A rule a correlation reads, that keeps only the host, is settled from
 * the header when its raw-line and host selections decide its condition;
 * a selection on another field that could change the answer sends the
 * line to its full parse, as do decoded values and rules that keep more. */
SH_TEST(header_evaluation_settles_only_what_the_header_decides)
{
    static const char rules[] =
        "title: kw\nname: kw\nlogsource: {product: cisco}\ndetection:\n"
        "  k:\n    - 'CFGLOG_LOGGEDCMD'\n  c:\n    command|exists: true\n  condition: k or c\n---\n"
        "title: both\nname: both\nlogsource: {product: cisco}\ndetection:\n"
        "  k:\n    - 'LOGIN_FAILED'\n  u:\n    user|contains: adm\n  condition: k and u\n---\n"
        "title: hostkw\nname: hostkw\nlogsource: {product: cisco}\ndetection:\n"
        "  k:\n    - 'CONFIG_I'\n  h:\n    host|startswith: core\n  condition: k and not h\n---\n"
        "title: a\nid: a\ncorrelation:\n  type: event_count\n  rules: [kw, both, hostkw]\n"
        "  group-by: [host]\n  timespan: 5m\n  condition: {gte: 2}\n";
    sh_sigma_set *s = sh_test_sigma(rules);
    struct sg_scratch *x = NULL;
    size_t i;

    if (!s)
        return;
    CHECK(s->header_eval);
    for (i = 0; i < s->rules.n; i++) {
        const struct sg_rule *r = s->rules.v[i];
        if (r->name && strcmp(r->name, "kw") == 0)
            CHECK(r->hdr_eval);
    }
    CHECK_OK(sh_sigma__scratch_new(s, &x));
    /* the keyword decides "k or c" */
    CHECK_EQ_INT(settle(x, "Mar 11 00:00:01 r1 1: r1: Mar 11 2025 00:00:01.334 UTC: "
                           "%PARSER-5-CFGLOG_LOGGEDCMD: User:netops  logged command:no logging "
                           "host 10.9.9.9"),
                 1);
    CHECK(hdr_n == 1 && strcmp(hdr_names[0], "kw") == 0);
    /* the XML form decodes its values: full parse, same answer */
    CHECK_EQ_INT(settle(x, "<189>42: r1: *Mar  1 00:01:02.003 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: "
                           "<auditRecord><user>admin</user><cli>show run | inc a&gt;b</cli>"
                           "</auditRecord>"),
                 0);
    CHECK(hdr_n == 1 && strcmp(hdr_names[0], "kw") == 0);
    /* "k and u": the user decides, only the full parse knows it */
    CHECK_EQ_INT(settle(x, "Mar 11 00:00:02 r1 2: r1: Mar 11 2025 00:00:02.000 UTC: "
                           "%SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: admin] [Source: "
                           "10.1.1.1] [localport: 22] [Reason: Login Authentication Failed]"),
                 0);
    CHECK(hdr_n == 1 && strcmp(hdr_names[0], "both") == 0);
    /* the host is known from the header: decided both ways */
    CHECK_EQ_INT(settle(x, "Mar 11 00:00:03 edge1 3: edge1: Mar 11 2025 00:00:03.000 UTC: "
                           "%SYS-5-CONFIG_I: Configured from console by admin on vty0"),
                 1);
    CHECK(hdr_n == 1 && strcmp(hdr_names[0], "hostkw") == 0);
    CHECK_EQ_INT(settle(x, "Mar 11 00:00:03 core1 3: core1: Mar 11 2025 00:00:03.000 UTC: "
                           "%SYS-5-CONFIG_I: Configured from console by admin on vty0"),
                 1);
    CHECK_EQ_INT(hdr_n, 0);
    sh_sigma__scratch_free(x);
    sh_sigma_set_free(s);
}

/* A keyword value read off the block's anchor matches counts only the
 * matches inside the event's raw line: a line cut at the reader's limit
 * does not hold a keyword that lies past the cut, even though the block
 * scan saw it in the span. */
SH_TEST(keyword_anchor_past_the_raw_line_does_not_match)
{
    static const char rules[] = "title: tok\nname: tok\nlogsource: {product: cisco}\ndetection:\n"
                                "  k:\n    - 'ZZTOKEN'\n  condition: k\n";
    static const char line[] =
        "Mar 11 00:00:01 r1 1: r1: Mar 11 2025 00:00:01.000 UTC: %SYS-5-X: aaaa ZZTOKEN";
    static struct sh_log_event ev;
    size_t n = strlen(line), cut = (size_t)(strstr(line, "ZZTOKEN") - line) + 3;
    sh_sigma_set *s = sh_test_sigma(rules);
    struct sg_scratch *x = NULL;
    size_t i;

    if (!s)
        return;
    for (i = 0; i < s->rules.n; i++)
        CHECK(((struct sg_rule *)s->rules.v[i])->sels[0].groups[0].items[0].v[0].anchor != 0);
    CHECK_OK(sh_sigma__scratch_new(s, &x));
    /* the whole line: a match */
    hdr_n = 0;
    CHECK(sh_sigma__block_scan(x, line, n));
    sh_syslog_parse(&ev, line, n, NULL);
    CHECK_OK(sh_sigma__eval_span(x, &ev, 0, n, on_hdr, NULL));
    CHECK_EQ_INT(hdr_n, 1);
    sh_sigma__block_reset(x);
    /* the same span, the event's raw line cut inside the keyword: none */
    hdr_n = 0;
    CHECK(sh_sigma__block_scan(x, line, n));
    sh_syslog_parse(&ev, line, cut, NULL);
    CHECK_OK(sh_sigma__eval_span(x, &ev, 0, n, on_hdr, NULL));
    CHECK_EQ_INT(hdr_n, 0);
    sh_sigma__block_reset(x);
    sh_sigma__scratch_free(x);
    sh_sigma_set_free(s);
}
