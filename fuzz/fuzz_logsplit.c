/*
 * fuzz_logsplit.c - a log read in ranges must correlate exactly as one pass
 * over it does. The first byte picks up to three range boundaries (as line
 * indexes), the rest is device log lines. Every line is parsed and
 * evaluated against a small fixed rule set (an absence, a count and a
 * silence correlation); the results of one pass and of the joined ranges
 * (sh_sigma__timeline_merge, sh_sigma__hits_absorb) must be equal, or the
 * target traps. Also must never crash, leak or hang.
 */
#include "base/sh_base.h"

#include <stdlib.h>

#include "log/syslog.h"
#include "sigma/sigma_corr.h"
#include "sigma/sigma_eval.h"
#include "sigma/sigma_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINES 512

static const char *const rules =
    "title: change\nname: change\nlogsource: {product: cisco}\ndetection:\n"
    "  s:\n    - 'CONFIG_I'\n  condition: s\n---\n"
    "title: cmd\nname: cmd\nlogsource: {product: cisco}\ndetection:\n"
    "  s:\n    - 'LOGGEDCMD'\n  condition: s\n---\n"
    "title: fail\nname: fail\nlogsource: {product: cisco}\ndetection:\n"
    "  s:\n    - 'FAILED'\n  condition: s\n---\n"
    "title: unlogged\nid: unlogged\ncorrelation:\n  type: x-salthunt-absence\n"
    "  rules: [change]\n  group-by: [host]\n  timespan: 1m\n  x-salthunt-absent: cmd\n---\n"
    "title: burst\nid: burst\ncorrelation:\n  type: event_count\n  rules: [fail]\n"
    "  group-by: [host]\n  timespan: 1m\n  condition: {gte: 2}\n---\n"
    "title: quiet\nid: quiet\ncorrelation:\n  type: x-salthunt-gap\n  group-by: [host]\n"
    "  timespan: 1m\n";

static sh_sigma_set *set;
static struct sg_scratch *sc;
static struct sh_log_event ev;

struct line {
    const char *p;
    size_t n;
};

static int keep(const struct sg_rule *r, const struct sh_log_event *e, void *ud)
{
    return r->corr_input ? sh_sigma__hits_add(ud, r, e, "fuzz.log") : 0;
}

static void feed(struct sg_hits *h, struct sg_timeline *tl, const struct line *ls, size_t from,
                 size_t to)
{
    size_t i;

    for (i = from; i < to; i++) {
        memset(&ev, 0, sizeof(ev));
        sh_syslog_parse(&ev, ls[i].p, ls[i].n, NULL);
        ev.line = i - from + 1;
        (void)sh_sigma__timeline_event(tl, &ev);
        (void)sh_sigma__eval(sc, &ev, keep, h);
    }
}

static int collect(const struct sg_rule *r, const struct sg_hit *o, void *ud)
{
    return sh_buf_printf(ud, "%s|%s|%llu|%lld|%zu|%s\n", r->id, o->host ? o->host : "-",
                         (unsigned long long)o->line, (long long)o->ts_ms, o->ncontrib_total,
                         o->why ? o->why : "");
}

/* Results as a sorted multiset of lines (the join may report in another order). */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *results(struct sg_hits *h)
{
    struct sh_buf b;
    struct sh_ptrvec v = {0};
    char *p, *save = NULL, *out = NULL;
    size_t i, total = 0;

    sh_buf_init(&b, 0);
    if (sh_sigma__corr_run(set, h, true, collect, &b) != 0) {
        sh_buf_free(&b);
        return NULL;
    }
    for (p = b.ptr ? strtok_r(b.ptr, "\n", &save) : NULL; p; p = strtok_r(NULL, "\n", &save)) {
        if (sh_ptrvec_push(&v, p))
            goto out;
        total += strlen(p) + 1;
    }
    if (v.n > 1)
        qsort(v.v, v.n, sizeof(*v.v), cmp_str);
    out = sh_malloc(total + 1);
    if (out) {
        size_t at = 0;
        for (i = 0; i < v.n; i++) {
            size_t n = strlen(v.v[i]);
            memcpy(out + at, v.v[i], n);
            out[at + n] = '\n';
            at += n + 1;
        }
        out[at] = '\0';
    }
out:
    sh_ptrvec_free(&v);
    sh_buf_free(&b);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct line ls[MAX_LINES];
    size_t nl = 0, cuts[5], nc = 0, i;
    const char *p, *end;
    struct sg_hits *one = NULL, *joined = NULL;
    struct sg_timeline *tl = NULL, *file = NULL;
    char *a = NULL, *b = NULL;
    bool refused = false;

    if (!set) {
        sh_diag d;
        if (sh_sigma_set_new(&set) || sh_sigma_load_buf(set, rules, strlen(rules), "f.yml", &d) ||
            sh_sigma_compile(set, NULL, &d) || sh_sigma__scratch_new(set, &sc))
            __builtin_trap();
    }
    if (size < 1)
        return 0;
    p = (const char *)data + 1;
    end = (const char *)data + size;
    while (p < end && nl < MAX_LINES) {
        const char *q = memchr(p, '\n', (size_t)(end - p));
        size_t n = q ? (size_t)(q - p) : (size_t)(end - p);
        ls[nl].p = p;
        ls[nl].n = n;
        nl++;
        p += n + 1;
    }
    /* range boundaries: the first byte's bit pairs, as shares of the lines */
    cuts[nc++] = 0;
    for (i = 0; i < 3; i++) {
        size_t c = nl * (size_t)((data[0] >> (2 * i)) & 3) / 4;
        if (c > cuts[nc - 1] && c < nl)
            cuts[nc++] = c;
    }
    cuts[nc++] = nl;

    if (sh_sigma__hits_new(&one, 0) || sh_sigma__timeline_new(&tl, sh_sigma__min_gap_ms(set)))
        goto out;
    feed(one, tl, ls, 0, nl);
    if (sh_sigma__timeline_flush(tl, one, "fuzz.log"))
        goto out;
    a = results(one);

    if (sh_sigma__hits_new(&joined, 0) || sh_sigma__timeline_new(&file, sh_sigma__min_gap_ms(set)))
        goto out;
    for (i = 0; i + 1 < nc; i++) {
        struct sg_hits *h = NULL;
        struct sg_timeline *c = NULL;
        int rc = sh_sigma__hits_new(&h, 0);
        if (!rc)
            rc = sh_sigma__timeline_chunk_new(&c, sh_sigma__min_gap_ms(set));
        if (!rc) {
            feed(h, c, ls, cuts[i], cuts[i + 1]);
            rc = sh_sigma__timeline_merge(file, c, cuts[i]);
            refused |= rc == SH_ELIMIT;
        }
        if (!rc)
            rc = sh_sigma__hits_absorb(joined, h, cuts[i]);
        sh_sigma__timeline_free(c);
        sh_sigma__hits_free(h);
        if (rc)
            goto out;
    }
    if (sh_sigma__timeline_flush(file, joined, "fuzz.log"))
        goto out;
    b = results(joined);
    if (a && b && !refused && strcmp(a, b) != 0)
        __builtin_trap();
out:
    sh_free(a);
    sh_free(b);
    sh_sigma__timeline_free(tl);
    sh_sigma__timeline_free(file);
    sh_sigma__hits_free(one);
    sh_sigma__hits_free(joined);
    return 0;
}
