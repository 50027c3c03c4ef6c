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
static size_t nlines = NLINES; /* how many of them one pass reads */

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
    const char *path; /* NULL: t.log */
};

static int keep(const struct sg_rule *r, const struct sh_log_event *ev, void *ud)
{
    struct sink *k = ud;

    if (r->name && strcmp(r->name, "cmd") == 0)
        k->fed_cmd++;
    return r->corr_input ? sh_sigma__hits_add(k->h, r, ev, k->path ? k->path : "t.log") : 0;
}

/* A reader's per-host record of a timeline, as the log analyzer keeps it
 * (by host spelling; the logs here have three hosts). */
struct devcache {
    char host[3][16];
    void *dev[3];
    size_t n;
};

static void **dev_of(struct devcache *dc, const struct sh_log_event *ev)
{
    size_t n = 0, i;
    const char *v = sh_sigma__event_field(ev, "host", &n);

    if (!dc || !v || !n || n >= sizeof(dc->host[0]))
        return NULL;
    for (i = 0; i < dc->n; i++)
        if (strlen(dc->host[i]) == n && memcmp(dc->host[i], v, n) == 0)
            return &dc->dev[i];
    if (dc->n == SH_ARRAY_LEN(dc->host))
        return NULL;
    memcpy(dc->host[dc->n], v, n);
    dc->host[dc->n][n] = '\0';
    dc->dev[dc->n] = NULL;
    return &dc->dev[dc->n++];
}

/* Feed lines [from, to) numbered from 1 into a store and a timeline
 * (through the per-host records of `dc` when given). */
static void feed_at(sh_sigma_set *s, struct sg_scratch *sc, struct sink *k, struct sg_timeline *tl,
                    size_t from, size_t to, struct devcache *dc)
{
    static struct sh_log_event ev;
    size_t i;

    for (i = from; i < to; i++) {
        memset(&ev, 0, sizeof(ev));
        sh_syslog_parse(&ev, lines[i], strlen(lines[i]), NULL);
        ev.line = i - from + 1;
        CHECK_OK(sh_sigma__timeline_event_at(tl, &ev, dev_of(dc, &ev)));
        CHECK_OK(sh_sigma__eval(sc, &ev, keep, k));
    }
    (void)s;
}

static void feed(sh_sigma_set *s, struct sg_scratch *sc, struct sink *k, struct sg_timeline *tl,
                 size_t from, size_t to)
{
    feed_at(s, sc, k, tl, from, to, NULL);
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
    struct sink k = {NULL, 0, NULL};
    struct sg_timeline *tl = NULL;
    char *r;

    CHECK_OK(sh_sigma__hits_new(&k.h, 0));
    CHECK_OK(sh_sigma__timeline_new(&tl, sh_sigma__min_gap_ms(s)));
    feed(s, sc, &k, tl, 0, nlines);
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

/* The results of the log read as ranges cut at `cuts`; `bytes` (may be
 * NULL) gets the joined store's bytes after the first join and the last. */
static char *in_ranges(sh_sigma_set *s, struct sg_scratch *sc, const size_t *cuts, size_t ncuts,
                       size_t bytes[2])
{
    struct sg_hits *h = NULL;
    struct sg_timeline *file = NULL;
    size_t c;
    char *r;

    CHECK_OK(sh_sigma__hits_new(&h, 0));
    CHECK_OK(sh_sigma__timeline_new(&file, sh_sigma__min_gap_ms(s)));
    for (c = 0; c + 1 < ncuts; c++) {
        struct sink k = {NULL, 0, NULL};
        struct sg_timeline *tl = NULL;
        CHECK_OK(sh_sigma__hits_new(&k.h, 0));
        CHECK_OK(sh_sigma__timeline_chunk_new(&tl, sh_sigma__min_gap_ms(s)));
        feed(s, sc, &k, tl, cuts[c], cuts[c + 1]);
        CHECK_OK(sh_sigma__timeline_merge(file, tl, cuts[c]));
        CHECK_OK(sh_sigma__hits_absorb(h, k.h, cuts[c]));
        CHECK_EQ_INT(sh_sigma__hits_count(k.h), 0);
        if (bytes) {
            bytes[1] = sh_sigma__hits_bytes(h);
            if (c == 0)
                bytes[0] = bytes[1];
        }
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
    return sh_test_sigma(rules);
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
        char *got = in_ranges(s, sc, cuts[i], ncuts[i], NULL);
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

/* One pass over the log into `h` as file `path`, its timeline fed through
 * per-host records. */
static void whole_file(sh_sigma_set *s, struct sg_scratch *sc, struct sg_hits *h, const char *path)
{
    struct sink k = {h, 0, path};
    struct sg_timeline *tl = NULL;
    struct devcache dc;

    memset(&dc, 0, sizeof(dc));
    CHECK_OK(sh_sigma__timeline_new(&tl, sh_sigma__min_gap_ms(s)));
    feed_at(s, sc, &k, tl, 0, nlines, &dc);
    CHECK_OK(sh_sigma__timeline_flush(tl, h, path));
    sh_sigma__timeline_free(tl);
}

/*
 * The log analyzer's join: ranges are read in any order on any thread,
 * each into a store taken from a pool of emptied ones; whoever finishes a
 * range absorbs every finished range after the joined ones into the
 * file's store, in file order, and gives their stores back to the pool;
 * the file's store is absorbed into the scan's at the end. Here the
 * ranges finish in a scrambled order, cut inside absence buckets, and the
 * scan's store is empty or already holds another file.
 */
static char *joined_out_of_order(sh_sigma_set *s, struct sg_scratch *sc, const size_t *cuts,
                                 size_t nr, const size_t *order, bool other_first)
{
    struct sg_hits *scan = NULL, *file = NULL, *pool[16], *store[16];
    struct sg_timeline *ftl = NULL, *tls[16];
    struct devcache dcs[16];
    bool done[16];
    size_t npool = 0, joined = 0, i, made = 0;
    char *r;

    CHECK(nr <= 16);
    CHECK_OK(sh_sigma__hits_new(&scan, 0));
    if (other_first)
        whole_file(s, sc, scan, "a.log");
    CHECK_OK(sh_sigma__hits_new(&file, 0));
    CHECK_OK(sh_sigma__timeline_new(&ftl, sh_sigma__min_gap_ms(s)));
    memset(done, 0, sizeof(done));
    for (i = 0; i < nr; i++) {
        size_t k = order[i];
        struct sink sk = {NULL, 0, NULL};
        if (npool) {
            store[k] = pool[--npool];
        } else {
            CHECK_OK(sh_sigma__hits_new(&store[k], 0));
            made++;
        }
        sk.h = store[k];
        memset(&dcs[k], 0, sizeof(dcs[k]));
        CHECK_OK(sh_sigma__timeline_chunk_new(&tls[k], sh_sigma__min_gap_ms(s)));
        feed_at(s, sc, &sk, tls[k], cuts[k], cuts[k + 1], &dcs[k]);
        done[k] = true;
        for (; joined < nr && done[joined]; joined++) {
            CHECK_OK(sh_sigma__timeline_merge(ftl, tls[joined], cuts[joined]));
            CHECK_OK(sh_sigma__hits_absorb(file, store[joined], cuts[joined]));
            CHECK_EQ_INT(sh_sigma__hits_count(store[joined]), 0);
            sh_sigma__timeline_free(tls[joined]);
            pool[npool++] = store[joined];
        }
    }
    CHECK_EQ_INT(joined, nr);
    /* ranges finishing in file order all refill the first store */
    for (i = 0; i < nr && order[i] == i; i++)
        ;
    if (i == nr)
        CHECK_EQ_INT(made, 1);
    CHECK_OK(sh_sigma__hits_absorb(scan, file, 0));
    /* what the scan's store holds outlives the stores it came from */
    sh_sigma__hits_free(file);
    while (npool)
        sh_sigma__hits_free(pool[--npool]);
    CHECK_OK(sh_sigma__timeline_flush(ftl, scan, "t.log"));
    r = results(s, scan);
    sh_sigma__timeline_free(ftl);
    sh_sigma__hits_free(scan);
    return r;
}

SH_TEST(ranges_finishing_out_of_order_join_like_one_pass)
{
    /* cuts a few lines apart inside runs of steady time, so absence
     * buckets (30 minutes) and silences straddle range boundaries */
    static const size_t cuts[] = {0, 400, 401, 900, 1333, 1334, 2100, 2600, 3333, NLINES};
    static const size_t orders[][9] = {
        {8, 7, 6, 5, 4, 3, 2, 1, 0},
        {1, 3, 0, 2, 5, 4, 8, 6, 7},
        {0, 1, 2, 3, 4, 5, 6, 7, 8},
    };
    sh_sigma_set *s = load();
    struct sg_scratch *sc = NULL;
    struct sg_hits *h = NULL;
    char *ref, *ref2;
    size_t i, nr = SH_ARRAY_LEN(cuts) - 1;

    CHECK(s != NULL);
    if (!s)
        return;
    make_log();
    CHECK_OK(sh_sigma__scratch_new(s, &sc));
    ref = one_pass(s, sc, NULL, NULL);
    CHECK(strstr(ref, "unlogged ") != NULL);
    CHECK(strstr(ref, "quiet ") != NULL);
    /* the same file after another one, read in one pass each */
    CHECK_OK(sh_sigma__hits_new(&h, 0));
    whole_file(s, sc, h, "a.log");
    whole_file(s, sc, h, "t.log");
    ref2 = results(s, h);
    sh_sigma__hits_free(h);
    /* a timeline fed through per-host records changes nothing */
    CHECK_OK(sh_sigma__hits_new(&h, 0));
    whole_file(s, sc, h, "t.log");
    {
        char *via = results(s, h);
        CHECK_STR(via, ref);
        sh_free(via);
    }
    sh_sigma__hits_free(h);
    for (i = 0; i < SH_ARRAY_LEN(orders); i++) {
        char *got = joined_out_of_order(s, sc, cuts, nr, orders[i], false);
        char *got2 = joined_out_of_order(s, sc, cuts, nr, orders[i], true);
        CHECK_STR(got, ref);
        CHECK_STR(got2, ref2);
        sh_free(got);
        sh_free(got2);
    }
    sh_free(ref);
    sh_free(ref2);
    sh_sigma__scratch_free(sc);
    sh_sigma_set_free(s);
    for (i = 0; i < NLINES; i++)
        sh_free(lines[i]);
}

/* An absence bucket split by a range boundary keeps its latest match
 * from the later range: the change at 10:45 follows a logged command by
 * 25 minutes (10:20, in the second range), not 45 (10:00, the first). */
SH_TEST(absence_bucket_across_ranges_keeps_its_latest_match)
{
    static const char *const day[] = {
        "2023 Oct 12 10:00:00 rtr0 %PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged command:end",
        "2023 Oct 12 10:20:00 rtr0 %PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged command:end",
        "2023 Oct 12 10:45:00 rtr0 %SYS-5-CONFIG_I: Configured from console by admin on vty0",
        "2023 Oct 12 13:00:00 rtr0 %SYS-5-CONFIG_I: Configured from console by admin on vty0",
    };
    static const size_t cuts[] = {0, 1, 3, 4};
    static const size_t orders[][3] = {{2, 1, 0}, {0, 1, 2}};
    sh_sigma_set *s = load();
    struct sg_scratch *sc = NULL;
    char *ref;
    size_t i;

    CHECK(s != NULL);
    if (!s)
        return;
    for (i = 0; i < SH_ARRAY_LEN(day); i++)
        lines[i] = sh_strdup(day[i]);
    nlines = SH_ARRAY_LEN(day);
    CHECK_OK(sh_sigma__scratch_new(s, &sc));
    ref = one_pass(s, sc, NULL, NULL);
    /* only the change at 13:00 went unlogged */
    CHECK(strstr(ref, "unlogged rtr0 4 ") != NULL);
    CHECK(strstr(ref, "unlogged rtr0 3 ") == NULL);
    for (i = 0; i < SH_ARRAY_LEN(orders); i++) {
        char *got = joined_out_of_order(s, sc, cuts, SH_ARRAY_LEN(cuts) - 1, orders[i], false);
        CHECK_STR(got, ref);
        sh_free(got);
    }
    sh_free(ref);
    sh_sigma__scratch_free(sc);
    sh_sigma_set_free(s);
    for (i = 0; i < SH_ARRAY_LEN(day); i++)
        sh_free(lines[i]);
    nlines = NLINES;
}

/* Ranges whose logged commands fall in buckets the file already has (one
 * device's half hours of a day, again in every range, as when a clock
 * steps back) fold into those buckets: the joined store does not grow
 * with the number of ranges, and the results are a single pass's. */
SH_TEST(absence_buckets_shared_by_ranges_are_kept_once)
{
    enum { BLOCK = 45, RANGES = 40 };
    sh_sigma_set *s = load();
    struct sg_scratch *sc = NULL;
    size_t cuts[RANGES + 1], i, bytes[2] = {0, 0};
    char *ref, *got;

    CHECK(s != NULL);
    if (!s)
        return;
    for (i = 0; i < BLOCK * RANGES; i++) {
        char buf[160];
        size_t k = i % BLOCK; /* a command every half hour */
        snprintf(buf, sizeof(buf),
                 "2023 Oct 12 %02zu:%02zu:00 rtr0 %%PARSER-5-CFGLOG_LOGGEDCMD: User:admin  "
                 "logged command:interface Gi1/0/%zu",
                 k / 2, k % 2 * 30, i / BLOCK);
        lines[i] = sh_strdup(buf);
    }
    /* a change 10 minutes after the last command, one 4 hours after */
    lines[i++] = sh_strdup("2023 Oct 12 22:10:00 rtr0 %SYS-5-CONFIG_I: Configured from console");
    lines[i++] = sh_strdup("2023 Oct 13 02:00:00 rtr0 %SYS-5-CONFIG_I: Configured from console");
    nlines = i;
    CHECK_OK(sh_sigma__scratch_new(s, &sc));
    ref = one_pass(s, sc, NULL, NULL);
    CHECK(strstr(ref, "unlogged rtr0 1802 ") != NULL);
    CHECK(strstr(ref, "unlogged rtr0 1801 ") == NULL);
    for (i = 0; i < RANGES; i++)
        cuts[i] = i * BLOCK;
    cuts[RANGES] = nlines;
    got = in_ranges(s, sc, cuts, RANGES + 1, bytes);
    /* forty copies of the first range's buckets would take forty times its bytes */
    CHECK(bytes[0] > 0);
    CHECK(bytes[1] < 2 * bytes[0]);
    CHECK_STR(got, ref);
    sh_free(got);
    sh_free(ref);
    sh_sigma__scratch_free(sc);
    sh_sigma_set_free(s);
    for (i = 0; i < nlines; i++)
        sh_free(lines[i]);
    nlines = NLINES;
}
