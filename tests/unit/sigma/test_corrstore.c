/*
 * test_corrstore.c - the correlation store's compact layout changes no result.
 *
 * Matches keep their values as one tuple shared by every match with the
 * same ones, up to a bound on shared tuples; past it each match has its
 * own. These tests check that a store of a plain file holds a match in
 * little memory, that matches past the bound correlate with their own
 * values, and that an absence correlation grouped by a field other than
 * the device finds its buckets by the values they keep.
 */
#include "../../../src/lib/base/sh_base.h"

#include <stdio.h>

#include "log/event.h"
#include "log/syslog.h"
#include "sigma/sigma_corr.h"
#include "sigma/sigma_eval.h"
#include "sigma/sigma_int.h"
#include "test.h"

static const char *rules =
    "title: fail\nname: fail\nlogsource: {product: cisco}\ndetection:\n"
    "  s:\n    - 'LOGIN_FAILED'\n  condition: s\n---\n"
    "title: burst\nid: burst\ncorrelation:\n  type: event_count\n  rules: [fail]\n"
    "  group-by: [host, src_ip]\n  timespan: 10m\n  condition: {gte: 2}\n---\n"
    "title: ok\nname: ok\nlogsource: {product: cisco}\ndetection:\n"
    "  s:\n    - 'LOGIN_SUCCESS'\n  condition: s\n---\n"
    "title: check\nname: check\nlogsource: {product: cisco}\ndetection:\n"
    "  s:\n    - 'AUTHZ_CHECK'\n  condition: s\n---\n"
    "title: unchecked\nid: unchecked\ncorrelation:\n  type: x-salthunt-absence\n"
    "  rules: [ok]\n  group-by: [src_ip]\n  timespan: 30m\n  x-salthunt-absent: check\n";

static sh_sigma_set *load(void)
{
    return sh_test_sigma(rules);
}

static int keep(const struct sg_rule *r, const struct sh_log_event *ev, void *ud)
{
    return r->corr_input ? sh_sigma__hits_add(ud, r, ev, "t.log") : 0;
}

/* Feed one line as line `n` of plain file t.log (kept by position). */
static void feed(struct sg_scratch *sc, struct sg_hits *h, const char *line, uint64_t n)
{
    static struct sh_log_event ev;

    memset(&ev, 0, sizeof(ev));
    sh_syslog_parse(&ev, line, strlen(line), NULL);
    ev.line = n;
    ev.pos = n * 200 + 1;
    CHECK_OK(sh_sigma__eval(sc, &ev, keep, h));
}

/* Feed a login line of `host` from `ip` at `t` seconds past Oct 12. */
static void feed_at(struct sg_scratch *sc, struct sg_hits *h, const char *host, const char *what,
                    const char *ip, long t, uint64_t n)
{
    char line[256];

    snprintf(line, sizeof(line),
             "2023 Oct %02ld %02ld:%02ld:%02ld %s %%SEC_LOGIN-4-%s: Login [user: x] [Source: %s]",
             12 + t / 86400, t / 3600 % 24, t / 60 % 60, t % 60, host, what, ip);
    feed(sc, h, line, n);
}

struct seen {
    size_t n, bad;
    char first[160];
};

static int on_result(const struct sg_rule *r, const struct sg_hit *o, void *ud)
{
    struct seen *s = ud;
    char want[32];
    size_t k = s->n++;
    const char *ip = o->nkv > 1 ? o->vals[1] : NULL;

    if (!s->first[0])
        snprintf(s->first, sizeof(s->first), "%s %s %s %zu", r->id ? r->id : "-",
                 o->host ? o->host : "-", ip ? ip : "-", o->ncontrib);
    /* the k-th burst is that of the k-th source (see below) */
    snprintf(want, sizeof(want), "10.%u.%u.%u", (unsigned)(k >> 16), (unsigned)(k >> 8 & 255),
             (unsigned)(k & 255));
    if (!ip || strcmp(ip, want) != 0 || !o->host || strcmp(o->host, "r1") != 0 || o->ncontrib != 2)
        s->bad++;
    return 0;
}

SH_TEST(matches_of_a_plain_file_take_little_memory)
{
    sh_sigma_set *s = load();
    struct sg_scratch *sc = NULL;
    struct sg_hits *h = NULL;
    uint64_t i;

    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_OK(sh_sigma__scratch_new(s, &sc));
    /* a store capped at 1 MiB keeps at least 20,000 matches with the same
     * values (a 48-byte record each, and one tuple) */
    CHECK_OK(sh_sigma__hits_new(&h, (size_t)1 << 20));
    for (i = 0; i < 30000; i++)
        feed_at(sc, h, "r1", "LOGIN_FAILED", "192.0.2.7", 36000 + (long)(i % 3000), i + 1);
    CHECK(sh_sigma__hits_count(h) >= 20000);
    CHECK_EQ_INT(sh_sigma__hits_count(h) + sh_sigma__hits_evicted(h), 30000);
    sh_sigma__hits_free(h);
    sh_sigma__scratch_free(sc);
    sh_sigma_set_free(s);
}

SH_TEST(distinct_values_past_the_shared_tuples_correlate_alike)
{
    sh_sigma_set *s = load();
    struct sg_scratch *sc = NULL;
    struct sg_hits *h = NULL;
    struct seen seen;
    size_t i, n = 70000; /* more than the 65,536 tuples a store shares */

    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_OK(sh_sigma__scratch_new(s, &sc));
    CHECK_OK(sh_sigma__hits_new(&h, 0));
    /* two failures of each source in a row, one second apart */
    for (i = 0; i < n; i++) {
        char ip[32];
        snprintf(ip, sizeof(ip), "10.%u.%u.%u", (unsigned)(i >> 16), (unsigned)(i >> 8 & 255),
                 (unsigned)(i & 255));
        feed_at(sc, h, "r1", "LOGIN_FAILED", ip, 2 * (long)i, 2 * i + 1);
        feed_at(sc, h, "r1", "LOGIN_FAILED", ip, 2 * (long)i + 1, 2 * i + 2);
    }
    memset(&seen, 0, sizeof(seen));
    CHECK_OK(sh_sigma__corr_run(s, h, true, on_result, &seen));
    CHECK_EQ_INT(seen.n, n);
    CHECK_EQ_INT(seen.bad, 0);
    CHECK_STR(seen.first, "burst r1 10.0.0.0 2");
    sh_sigma__hits_free(h);
    sh_sigma__scratch_free(sc);
    sh_sigma_set_free(s);
}

struct found {
    size_t n;
    char what[256];
};

static int on_absent(const struct sg_rule *r, const struct sg_hit *o, void *ud)
{
    struct found *f = ud;
    size_t len = strlen(f->what);

    f->n++;
    snprintf(f->what + len, sizeof(f->what) - len, "%s@%llu%s ", r->id ? r->id : "-",
             (unsigned long long)o->line, o->nkv && o->vals[0] ? o->vals[0] : "-");
    return 0;
}

SH_TEST(absence_buckets_group_by_a_kept_field_across_devices)
{
    sh_sigma_set *s = load();
    struct sg_scratch *sc = NULL;
    struct sg_hits *h = NULL, *r2 = NULL;
    struct found f;

    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_OK(sh_sigma__scratch_new(s, &sc));
    CHECK_OK(sh_sigma__hits_new(&h, 0));
    CHECK_OK(sh_sigma__hits_new(&r2, 0));
    /* checks of one source from two devices share a bucket (the group is
     * the source alone); a range read on its own joins it */
    feed_at(sc, h, "r1", "AUTHZ_CHECK", "192.0.2.1", 3600, 1);
    feed_at(sc, h, "r2", "AUTHZ_CHECK", "192.0.2.1", 3700, 2);
    feed_at(sc, r2, "r3", "AUTHZ_CHECK", "192.0.2.1", 3650, 1);
    feed_at(sc, r2, "r3", "AUTHZ_CHECK", "192.0.2.9", 3660, 2);
    CHECK_OK(sh_sigma__hits_absorb(h, r2, 2));
    /* a login of that source from a third device, checked: no result */
    feed_at(sc, h, "r4", "LOGIN_SUCCESS", "192.0.2.1", 3800, 5);
    /* one of a source checked only after it, and one long after: results */
    feed_at(sc, h, "r4", "LOGIN_SUCCESS", "192.0.2.2", 3800, 6);
    feed_at(sc, h, "r5", "AUTHZ_CHECK", "192.0.2.2", 3900, 7);
    feed_at(sc, h, "r4", "LOGIN_SUCCESS", "192.0.2.1", 3700 + 1900, 8);
    /* the source checked in the range only */
    feed_at(sc, h, "r1", "LOGIN_SUCCESS", "192.0.2.9", 3700, 9);
    memset(&f, 0, sizeof(f));
    CHECK_OK(sh_sigma__corr_run(s, h, true, on_absent, &f));
    CHECK_EQ_INT(f.n, 2);
    CHECK_STR(f.what, "unchecked@6192.0.2.2 unchecked@8192.0.2.1 ");
    sh_sigma__hits_free(r2);
    sh_sigma__hits_free(h);
    sh_sigma__scratch_free(sc);
    sh_sigma_set_free(s);
}

struct ranged {
    size_t n, bad, per; /* per: sources a range */
};

static int on_ranged(const struct sg_rule *r, const struct sg_hit *o, void *ud)
{
    struct ranged *c = ud;
    size_t k = c->n++, src = k % c->per, v = (src + k / c->per * 50) % 400;
    char want[32];
    const char *ip = o->nkv > 1 ? o->vals[1] : NULL;

    (void)r;
    snprintf(want, sizeof(want), "10.1.%u.%u", (unsigned)(v >> 8), (unsigned)(v & 255));
    /* the second of the two lines of source src in range k / per */
    if (!ip || strcmp(ip, want) != 0 || !o->host || strcmp(o->host, src % 2 ? "r2" : "r1") != 0 ||
        o->line != (uint64_t)(k / c->per) * 1000 + 2 * src + 2 || o->ncontrib != 2 ||
        o->contrib[0]->line + 1 != o->line)
        c->bad++;
    return 0;
}

SH_TEST(ranges_joined_through_one_reused_store_keep_their_values)
{
    sh_sigma_set *s = load();
    struct sg_scratch *sc = NULL;
    struct sg_hits *file = NULL, *range = NULL;
    struct ranged c;
    size_t k, i, nr = 6, per = 300;

    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_OK(sh_sigma__scratch_new(s, &sc));
    CHECK_OK(sh_sigma__hits_new(&file, 0));
    CHECK_OK(sh_sigma__hits_new(&range, 0));
    /* the ranges share most sources (the file keeps one tuple each; the
     * range store is emptied and refilled, its tuples in other places),
     * each failing twice in a row */
    for (k = 0; k < nr; k++) {
        for (i = 0; i < per; i++) {
            char ip[32];
            long t = (long)(k * 4000 + 2 * i);
            size_t v = (i + k * 50) % 400;
            snprintf(ip, sizeof(ip), "10.1.%u.%u", (unsigned)(v >> 8), (unsigned)(v & 255));
            feed_at(sc, range, i % 2 ? "r2" : "r1", "LOGIN_FAILED", ip, t, 2 * i + 1);
            feed_at(sc, range, i % 2 ? "r2" : "r1", "LOGIN_FAILED", ip, t + 1, 2 * i + 2);
        }
        CHECK_OK(sh_sigma__hits_absorb(file, range, k * 1000));
        CHECK_EQ_INT(sh_sigma__hits_count(range), 0);
    }
    sh_sigma__hits_free(range);
    CHECK_EQ_INT(sh_sigma__hits_count(file), nr * per * 2);
    memset(&c, 0, sizeof(c));
    c.per = per;
    CHECK_OK(sh_sigma__corr_run(s, file, true, on_ranged, &c));
    CHECK_EQ_INT(c.n, nr * per);
    CHECK_EQ_INT(c.bad, 0);
    sh_sigma__hits_free(file);
    sh_sigma__scratch_free(sc);
    sh_sigma_set_free(s);
}

static int count_result(const struct sg_rule *r, const struct sg_hit *o, void *ud)
{
    (void)r;
    (void)o;
    ++*(size_t *)ud;
    return 0;
}

/* Two ranges of logins, failures and checks joined into a file's store
 * and correlated: the first failing status, or 0 and the result count. */
static int ranges_run(sh_sigma_set *s, struct sg_scratch *sc, size_t *results)
{
    static struct sh_log_event ev;
    struct sg_hits *file = NULL, *range = NULL;
    size_t k, i;
    int rc;

    *results = 0;
    if ((rc = sh_sigma__hits_new(&file, 0)) != 0 || (rc = sh_sigma__hits_new(&range, 0)) != 0)
        goto out;
    for (k = 0; k < 2 && !rc; k++) {
        for (i = 0; i < 12 && !rc; i++) {
            static const char *const what[] = {"LOGIN_FAILED", "LOGIN_SUCCESS", "AUTHZ_CHECK"};
            char line[256];
            long t = (long)(k * 600 + i * 20);
            snprintf(line, sizeof(line),
                     "2023 Oct 12 %02ld:%02ld:%02ld r%zu %%SEC_LOGIN-4-%s: Login [user: x] "
                     "[Source: 192.0.2.%zu]",
                     t / 3600, t / 60 % 60, t % 60, i % 2, what[i % 3], (i + k) % 4);
            memset(&ev, 0, sizeof(ev));
            sh_syslog_parse(&ev, line, strlen(line), NULL);
            ev.line = i + 1;
            ev.pos = i * 100 + 1;
            rc = sh_sigma__eval(sc, &ev, keep, range);
        }
        if (!rc)
            rc = sh_sigma__hits_absorb(file, range, k * 12);
    }
    if (!rc)
        rc = sh_sigma__corr_run(s, file, true, count_result, results);
out:
    sh_sigma__hits_free(range);
    sh_sigma__hits_free(file);
    return rc;
}

SH_TEST(store_survives_every_allocation_failure)
{
    sh_sigma_set *s = load();
    struct sg_scratch *sc = NULL;
    size_t want = 0, got = 0;
    unsigned long n;
    bool ok = false;

    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_OK(sh_sigma__scratch_new(s, &sc));
    CHECK_OK(ranges_run(s, sc, &want));
    CHECK(want > 0);
    for (n = 1; n < 2000 && !ok; n++) {
        int rc;
        sh_alloc_fail_after(n);
        rc = ranges_run(s, sc, &got);
        sh_alloc_fail_after(0);
        if (rc == 0) {
            CHECK_EQ_INT(got, want);
            ok = true;
        } else {
            CHECK(rc == SH_ENOMEM);
        }
    }
    CHECK(ok);
    sh_sigma__scratch_free(sc);
    sh_sigma_set_free(s);
}

/* Checks of seven sources in one half hour, from the file's own store and
 * from a range store read twice, then logins of eight sources:
 * what the absence correlation reports with the store's group-key hashes
 * masked by `mask`. */
static void collide_run(sh_sigma_set *s, struct sg_scratch *sc, uint64_t mask, struct found *f)
{
    struct sg_hits *h = NULL, *r = NULL;
    size_t i;

    memset(f, 0, sizeof(*f));
    CHECK_OK(sh_sigma__hits_new(&h, 0));
    CHECK_OK(sh_sigma__hits_new(&r, 0));
    if (!h || !r)
        goto out;
    sh_sigma__hits_key_mask(h, mask);
    sh_sigma__hits_key_mask(r, mask);
    feed_at(sc, h, "r9", "AUTHZ_CHECK", "192.0.2.4", 5300, 300);
    feed_at(sc, h, "r9", "AUTHZ_CHECK", "192.0.2.5", 5310, 301);
    feed_at(sc, h, "r9", "AUTHZ_CHECK", "192.0.2.6", 3700, 302);
    /* the first range: sources 0-3 in turn, over half an hour before the logins */
    for (i = 0; i < 12; i++) {
        char ip[32];
        snprintf(ip, sizeof(ip), "192.0.2.%zu", i % 4);
        feed_at(sc, r, "r1", "AUTHZ_CHECK", ip, 3600 + (long)i * 20, i + 1);
    }
    CHECK_OK(sh_sigma__hits_absorb(h, r, 100));
    /* the next, read by the same store: each of them once more, within
     * the half hour before the logins, source 3 (the last one before)
     * first */
    for (i = 0; i < 4; i++) {
        char ip[32];
        snprintf(ip, sizeof(ip), "192.0.2.%zu", (i + 3) % 4);
        feed_at(sc, r, "r2", "AUTHZ_CHECK", ip, 5200 + (long)i * 20, i + 1);
    }
    CHECK_OK(sh_sigma__hits_absorb(h, r, 200));
    for (i = 0; i < 8; i++) {
        char ip[32];
        snprintf(ip, sizeof(ip), "192.0.2.%zu", i);
        feed_at(sc, h, "r4", "LOGIN_SUCCESS", ip, 5700, 400 + i);
    }
    CHECK_OK(sh_sigma__corr_run(s, h, true, on_absent, f));
out:
    sh_sigma__hits_free(r);
    sh_sigma__hits_free(h);
}

SH_TEST(absence_buckets_with_colliding_key_hashes_stay_apart)
{
    sh_sigma_set *s = load();
    struct sg_scratch *sc = NULL;
    struct found plain, collided;

    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_OK(sh_sigma__scratch_new(s, &sc));
    /* the sources checked only too early (6) or never (7) */
    collide_run(s, sc, ~(uint64_t)0, &plain);
    CHECK_EQ_INT(plain.n, 2);
    CHECK_STR(plain.what, "unchecked@406192.0.2.6 unchecked@407192.0.2.7 ");
    /* every source's bucket of one half hour with the same hash: the
     * table tells them apart by their values, in a store, when a range is
     * joined, and in a range store emptied and refilled */
    collide_run(s, sc, 0, &collided);
    CHECK_EQ_INT(collided.n, 2);
    CHECK_STR(collided.what, plain.what);
    sh_sigma__scratch_free(sc);
    sh_sigma_set_free(s);
}
