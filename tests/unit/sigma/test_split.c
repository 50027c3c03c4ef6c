/*
 * test_split.c - a log read in ranges correlates exactly as one pass does.
 *
 * The log analyzer reads a large plain file in line-aligned ranges on
 * several threads: each range has its own hit store and chunk timeline,
 * joined in file order (sh_sigma__hits_absorb, sh_sigma__timeline_merge).
 * These tests feed one generated log both ways and compare every
 * correlation result (silences, absences, counts). They also check that the
 * store keeps few matches of a rule only an absence correlation reads, and
 * that this changes no result.
 */
#include "../../../src/lib/base/sh_base.h"

#include <stdio.h>
#include <stdlib.h>

#include "log/event.h"
#include "log/syslog.h"
#include "sigma/sigma_corr.h"
#include "sigma/sigma_eval.h"
#include "sigma/sigma_int.h"
#include "test.h"

static const char *rules =
    "title: change\nname: change\nlogsource: {product: cisco}\ndetection:\n"
    "  s:\n    - '%SYS-5-CONFIG_I'\n  condition: s\n---\n"
    "title: cmd\nname: cmd\nlogsource: {product: cisco}\ndetection:\n"
    "  s:\n    - 'CFGLOG_LOGGEDCMD'\n  condition: s\n---\n"
    "title: fail\nname: fail\nlogsource: {product: cisco}\ndetection:\n"
    "  s:\n    - 'LOGIN_FAILED'\n  condition: s\n---\n"
    "title: unlogged\nid: unlogged\ncorrelation:\n  type: x-salthunt-absence\n"
    "  rules: [change]\n  group-by: [host]\n  timespan: 30m\n  x-salthunt-absent: cmd\n---\n"
    "title: burst\nid: burst\ncorrelation:\n  type: event_count\n  rules: [fail]\n"
    "  group-by: [host]\n  timespan: 10m\n  condition: {gte: 3}\n---\n"
    "title: quiet\nid: quiet\ncorrelation:\n  type: x-salthunt-gap\n  group-by: [host]\n"
    "  timespan: 1h\n";

#define NLINES 4000

static char *lines[NLINES];

/* A deterministic log of three devices: mostly steady time, with silences
 * of hours, clocks that step back, and lines without a time or host. */
static void make_log(void)
{
    static const char *const msgs[] = {
        "%SYS-5-CONFIG_I: Configured from console by admin on vty0",
        "%PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged command:interface Gi1/0/1",
        "%SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: x] [Source: 192.0.2.7]",
        "%LINK-3-UPDOWN: Interface GigabitEthernet1/0/1, changed state to up",
    };
    uint32_t seed = 239;
    long t = 12L * 86400 + 8 * 3600;
    size_t i;

    for (i = 0; i < NLINES; i++) {
        char buf[256];
        unsigned r, host;
        seed = seed * 1103515245u + 12345u;
        r = (seed >> 8) % 1000;
        host = (seed >> 20) % 3;
        if (r < 3)
            t += 2 * 3600 + (long)r * 60;
        else if (r < 5)
            t -= 3 * 3600;
        else
            t += (long)(r % 7) * 2;
        if (r == 500) {
            snprintf(buf, sizeof(buf), "no header here %u", r);
        } else {
            long d = t / 86400, s = t % 86400;
            snprintf(buf, sizeof(buf), "2023 Oct %2ld %02ld:%02ld:%02ld rtr%u %s", d, s / 3600,
                     s / 60 % 60, s % 60, host, msgs[(seed >> 4) % 4]);
        }
        lines[i] = sh_strdup(buf);
    }
}

struct sink {
    struct sg_hits *h;
    size_t fed_cmd;
};

static int keep(const struct sg_rule *r, const struct sh_log_event *ev, void *ud)
{
    struct sink *k = ud;

    if (r->name && strcmp(r->name, "cmd") == 0)
        k->fed_cmd++;
    return r->corr_input ? sh_sigma__hits_add(k->h, r, ev, "t.log") : 0;
}

/* Feed lines [from, to) numbered from 1 into a store and a timeline. */
static void feed(sh_sigma_set *s, struct sg_scratch *sc, struct sink *k, struct sg_timeline *tl,
                 size_t from, size_t to)
{
    static struct sh_log_event ev;
    size_t i;

    for (i = from; i < to; i++) {
        memset(&ev, 0, sizeof(ev));
        sh_syslog_parse(&ev, lines[i], strlen(lines[i]), NULL);
        ev.line = i - from + 1;
        CHECK_OK(sh_sigma__timeline_event(tl, &ev));
        CHECK_OK(sh_sigma__eval(sc, &ev, keep, k));
    }
    (void)s;
}

static int collect(const struct sg_rule *r, const struct sg_hit *o, void *ud)
{
    return sh_buf_printf(ud, "%s %s %llu %lld %zu %s\n", r->id, o->host ? o->host : "-",
                         (unsigned long long)o->line, (long long)o->ts_ms, o->ncontrib,
                         o->why ? o->why : "");
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The results, one per line, sorted (the join may emit them in another order). */
static char *results(sh_sigma_set *s, struct sg_hits *h)
{
    struct sh_buf b, out;
    struct sh_ptrvec v = {0};
    char *p, *save = NULL;
    size_t i;

    sh_buf_init(&b, 0);
    sh_buf_init(&out, 0);
    CHECK_OK(sh_sigma__corr_run(s, h, true, collect, &b));
    for (p = b.ptr ? strtok_r(b.ptr, "\n", &save) : NULL; p; p = strtok_r(NULL, "\n", &save))
        CHECK_OK(sh_ptrvec_push(&v, p));
    if (v.n > 1)
        qsort(v.v, v.n, sizeof(*v.v), cmp_line);
    for (i = 0; i < v.n; i++)
        CHECK_OK(sh_buf_printf(&out, "%s\n", (char *)v.v[i]));
    sh_ptrvec_free(&v);
    sh_buf_free(&b);
    p = sh_buf_detach(&out);
    return p ? p : sh_strdup("");
}

static char *one_pass(sh_sigma_set *s, struct sg_scratch *sc, size_t *kept, size_t *fed)
{
    struct sink k = {NULL, 0};
    struct sg_timeline *tl = NULL;
    char *r;

    CHECK_OK(sh_sigma__hits_new(&k.h, 0));
    CHECK_OK(sh_sigma__timeline_new(&tl, sh_sigma__min_gap_ms(s)));
    feed(s, sc, &k, tl, 0, NLINES);
    CHECK_OK(sh_sigma__timeline_flush(tl, k.h, "t.log"));
    if (kept)
        *kept = sh_sigma__hits_count(k.h);
    if (fed)
        *fed = k.fed_cmd;
    r = results(s, k.h);
    sh_sigma__timeline_free(tl);
    sh_sigma__hits_free(k.h);
    return r;
}

static char *in_ranges(sh_sigma_set *s, struct sg_scratch *sc, const size_t *cuts, size_t ncuts)
{
    struct sg_hits *h = NULL;
    struct sg_timeline *file = NULL;
    size_t c;
    char *r;

    CHECK_OK(sh_sigma__hits_new(&h, 0));
    CHECK_OK(sh_sigma__timeline_new(&file, sh_sigma__min_gap_ms(s)));
    for (c = 0; c + 1 < ncuts; c++) {
        struct sink k = {NULL, 0};
        struct sg_timeline *tl = NULL;
        CHECK_OK(sh_sigma__hits_new(&k.h, 0));
        CHECK_OK(sh_sigma__timeline_chunk_new(&tl, sh_sigma__min_gap_ms(s)));
        feed(s, sc, &k, tl, cuts[c], cuts[c + 1]);
        CHECK_OK(sh_sigma__timeline_merge(file, tl, cuts[c]));
        CHECK_OK(sh_sigma__hits_absorb(h, k.h, cuts[c]));
        CHECK_EQ_INT(sh_sigma__hits_count(k.h), 0);
        sh_sigma__timeline_free(tl);
        sh_sigma__hits_free(k.h);
    }
    CHECK_OK(sh_sigma__timeline_flush(file, h, "t.log"));
    r = results(s, h);
    sh_sigma__timeline_free(file);
    sh_sigma__hits_free(h);
    return r;
}

static sh_sigma_set *load(void)
{
    sh_sigma_set *s = NULL;
    sh_diag d;

    if (sh_sigma_set_new(&s))
        return NULL;
    if (sh_sigma_load_buf(s, rules, strlen(rules), "t.yml", &d) || sh_sigma_compile(s, NULL, &d)) {
        sh_sigma_set_free(s);
        return NULL;
    }
    return s;
}

SH_TEST(ranges_join_like_one_pass)
{
    static const size_t cuts[][6] = {
        {0, NLINES, 0, 0, 0, 0},
        {0, 1, NLINES, 0, 0, 0},
        {0, 1000, 2000, 3000, NLINES, 0},
        {0, 7, 1333, 1334, 3999, NLINES},
    };
    static const size_t ncuts[] = {2, 3, 5, 6};
    sh_sigma_set *s = load();
    struct sg_scratch *sc = NULL;
    char *ref;
    size_t i;

    CHECK(s != NULL);
    if (!s)
        return;
    make_log();
    CHECK_OK(sh_sigma__scratch_new(s, &sc));
    ref = one_pass(s, sc, NULL, NULL);
    /* the log exercises every kind of result */
    CHECK(strstr(ref, "quiet ") != NULL);
    CHECK(strstr(ref, "unlogged ") != NULL);
    CHECK(strstr(ref, "burst ") != NULL);
    for (i = 0; i < SH_ARRAY_LEN(cuts); i++) {
        char *got = in_ranges(s, sc, cuts[i], ncuts[i]);
        CHECK_STR(got, ref);
        sh_free(got);
    }
    sh_free(ref);
    sh_sigma__scratch_free(sc);
    sh_sigma_set_free(s);
    for (i = 0; i < NLINES; i++)
        sh_free(lines[i]);
}

SH_TEST(absent_rule_matches_are_few_and_change_nothing)
{
    sh_sigma_set *s = load();
    struct sg_scratch *sc = NULL;
    struct sg_rule *cmd = NULL;
    size_t i, kept = 0, kept_full = 0, fed = 0;
    char *reduced, *full;

    CHECK(s != NULL);
    if (!s)
        return;
    make_log();
    for (i = 0; i < s->rules.n; i++) {
        struct sg_rule *r = s->rules.v[i];
        if (r->name && strcmp(r->name, "cmd") == 0)
            cmd = r;
    }
    CHECK(cmd != NULL && cmd->absent_for != NULL);
    CHECK_OK(sh_sigma__scratch_new(s, &sc));
    reduced = one_pass(s, sc, &kept, &fed);
    if (cmd)
        cmd->absent_for = NULL; /* keep every match as a hit */
    full = one_pass(s, sc, &kept_full, NULL);
    /* a thousand logged commands, none of them kept as a full hit */
    CHECK(fed > 500);
    CHECK_EQ_INT(kept_full - kept, fed);
    CHECK_STR(reduced, full);
    CHECK(strstr(full, "unlogged ") != NULL);
    sh_free(reduced);
    sh_free(full);
    sh_sigma__scratch_free(sc);
    sh_sigma_set_free(s);
    for (i = 0; i < NLINES; i++)
        sh_free(lines[i]);
}
