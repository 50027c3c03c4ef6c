/*
 * fuzz_logblock.c - the block prefilter never changes what matches. The
 * input is device log lines; they are scanned once as a block
 * (sh_sigma__block_scan) and each line is then evaluated from the block's
 * matches (sh_sigma__eval_span). For every line and every rule of the
 * built-in pack (plus a few rules on decoded and header fields), the
 * result must equal full evaluation of the rule on the parsed line, or
 * the target traps; so it does if a line that the reader would only parse
 * the header of (sh_sigma__span_quiet and the parser's hints) matches any
 * rule. Also must never crash, leak or hang.
 */
#include "base/sh_base.h"

#include <stdlib.h>

#include "log/syslog.h"
#include "sigma/sigma_eval.h"
#include "sigma/sigma_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINE 4096

/* Anchors on a decoded value, a header value and a static string. */
static const char *const extra =
    "title: decoded\nname: decoded\nlogsource: {product: cisco}\ndetection:\n"
    "  s:\n    command|contains: 'a<b'\n  condition: s\n---\n"
    "title: sev\nname: sev\nlogsource: {product: cisco}\ndetection:\n"
    "  s:\n    facility: 'local7'\n  condition: s\n---\n"
    "title: when\nname: when\nlogsource: {product: cisco}\ndetection:\n"
    "  s:\n    time|startswith: '2024-'\n  condition: s\n";

static sh_sigma_set *set;
static struct sg_scratch *sc;
static struct sh_log_event ev;
static uint8_t *hit;
static char line[MAX_LINE + 1];

static int on_hit(const struct sg_rule *r, const struct sh_log_event *e, void *ud)
{
    (void)e;
    (void)ud;
    hit[r->index] = 1;
    return 0;
}

static void init(void)
{
    sh_diag d;

    if (sh_sigma_set_new(&set) || sh_sigma_load_builtin(set, &d) ||
        sh_sigma_load_buf(set, extra, strlen(extra), "extra.yml", &d) ||
        sh_sigma_compile(set, NULL, &d) || sh_sigma__scratch_new(set, &sc))
        abort();
    hit = sh_calloc(set->rules.n, 1);
    if (!hit)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *e = p + size;
    size_t i, scanned;
    bool quiet;
    int q;

    if (!set)
        init();
    /* the block is every whole line, as the log reader scans it */
    scanned = size;
    while (scanned && p[scanned - 1] != '\n')
        scanned--;
    (void)sh_sigma__block_scan(sc, p, scanned);
    while (p < e) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        size_t ll = nl ? (size_t)(nl - p) : (size_t)(e - p), n = ll;
        size_t at = (size_t)(p - (const char *)data);
        if (n && p[n - 1] == '\r')
            n--;
        if (n > MAX_LINE)
            n = MAX_LINE;
        memcpy(line, p, n);
        line[n] = '\0';
        memset(&ev, 0, sizeof(ev));
        quiet = false;
        if (nl && (q = sh_sigma__span_quiet(sc, at, at + ll)) != 0) {
            unsigned hint = 0;
            sh_syslog_parse_header(&ev, line, n, NULL, &hint);
            quiet = sh_sigma__quiet_hints(sc, q, (hint & SH_SYSLOG_HINT_NONRAW) != 0,
                                          (hint & SH_SYSLOG_HINT_COMMAND) != 0);
        }
        sh_syslog_parse(&ev, line, n, NULL);
        memset(hit, 0, set->rules.n);
        if (nl)
            (void)sh_sigma__eval_span(sc, &ev, at, at + ll, on_hit, NULL);
        else
            (void)sh_sigma__eval(sc, &ev, on_hit, NULL);
        for (i = 0; i < set->rules.n; i++) {
            const struct sg_rule *r = set->rules.v[i];
            bool full = !r->corr && r->applicable && sh_sigma__eval_rule(sc, r, &ev);
            /* a line the reader would only parse the header of matches nothing */
            if (full != (hit[i] != 0) || (full && quiet))
                __builtin_trap();
        }
        p += ll + (nl ? 1 : 0);
    }
    sh_sigma__block_reset(sc);
    return 0;
}
