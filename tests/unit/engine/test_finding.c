/*
 * test_finding.c - findings built in one block behave like findings built
 * field by field: same text, deep copies, fingerprints, and fields a later
 * step fills or replaces are owned as usual (ASan checks the frees), and
 * blocks taken from a slab outlive it and may be freed on any thread.
 */
#include "base/sh_base.h"

#include "engine/finding_block.h"
#include "test.h"

#include <pthread.h>
#include <stdio.h>

static const char *const attack[] = {"T1098", "T1562.004"};
static const char *const refs[] = {"AA25-239A", "https://example.org/a"};

static sh_finding *block(const char *device)
{
    struct sh_finding_fields in;

    memset(&in, 0, sizeof(in));
    in.rule = "SALT-R1";
    in.title = "A title";
    in.device = device;
    in.platform = "ios";
    in.path = "cfg/r1.cfg";
    in.evidence = "snmp-server community public RW";
    in.message = "r1 has a read-write community";
    in.attack = attack;
    in.n_attack = SH_ARRAY_LEN(attack);
    in.references = refs;
    in.n_references = SH_ARRAY_LEN(refs);
    return sh_finding__new_block(&in);
}

static sh_finding *by_field(const char *device)
{
    sh_finding *f = sh_finding_new();

    if (!f)
        return NULL;
    f->rule = sh_strdup("SALT-R1");
    f->title = sh_strdup("A title");
    f->device = device ? sh_strdup(device) : NULL;
    f->platform = sh_strdup("ios");
    f->path = sh_strdup("cfg/r1.cfg");
    f->evidence = sh_strdup("snmp-server community public RW");
    f->message = sh_strdup("r1 has a read-write community");
    sh_strlist_push(&f->attack, attack[0]);
    sh_strlist_push(&f->attack, attack[1]);
    sh_strlist_push(&f->references, refs[0]);
    sh_strlist_push(&f->references, refs[1]);
    return f;
}

SH_TEST(block_finding_holds_the_same_text)
{
    sh_finding *a = block("r1"), *b = by_field("r1");
    size_t i;

    CHECK(a && b);
    if (!a || !b)
        goto out;
    CHECK_STR(a->rule, b->rule);
    CHECK_STR(a->title, b->title);
    CHECK_STR(a->device, b->device);
    CHECK_STR(a->platform, b->platform);
    CHECK_STR(a->path, b->path);
    CHECK_STR(a->evidence, b->evidence);
    CHECK_STR(a->message, b->message);
    CHECK(a->remediation == NULL);
    CHECK_EQ_INT(a->attack.n, 2);
    CHECK_EQ_INT(a->references.n, 2);
    for (i = 0; i < 2; i++) {
        CHECK_STR(a->attack.v[i], attack[i]);
        CHECK_STR(a->references.v[i], refs[i]);
    }
    /* Copied, not borrowed. */
    CHECK(a->attack.v[0] != attack[0]);
    sh_finding_fingerprint(a);
    sh_finding_fingerprint(b);
    CHECK_STR(a->fingerprint, b->fingerprint);
out:
    sh_finding_free(a);
    sh_finding_free(b);
}

SH_TEST(block_finding_dup_is_owned_and_absent_fields_stay_fillable)
{
    sh_finding *a = block(NULL), *d;

    CHECK(a != NULL);
    if (!a)
        return;
    CHECK(a->device == NULL);
    CHECK((a->in_block & SH_FINDING_IN_BLOCK_DEVICE) == 0);
    /* A later step (the indicator join) names the device. */
    a->device = sh_strdup("r1");
    d = sh_finding_dup(a);
    CHECK(d != NULL);
    if (d) {
        CHECK_EQ_INT(d->in_block, 0);
        CHECK_STR(d->device, "r1");
        CHECK_STR(d->evidence, a->evidence);
        CHECK(d->evidence != a->evidence);
        CHECK_EQ_INT(d->references.n, 2);
        /* A copy's lists grow like any finding's. */
        CHECK_OK(sh_strlist_push(&d->references, "extra"));
    }
    /* Replacing a block string: assign an owned one, clear its bit. */
    a->message = sh_strdup("replaced");
    a->in_block &= ~SH_FINDING_IN_BLOCK_MESSAGE;
    sh_finding_free(d);
    sh_finding_free(a);
}

SH_TEST(block_finding_with_nothing)
{
    struct sh_finding_fields in;
    sh_finding *f;

    memset(&in, 0, sizeof(in));
    f = sh_finding__new_block(&in);
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK_EQ_INT(f->in_block, 0);
    CHECK(f->rule == NULL && f->attack.n == 0 && f->references.v == NULL);
    CHECK_OK(sh_strlist_push(&f->attack, "T1"));
    sh_finding_free(f);
}

/* ---- slabs ---- */

#define SLAB_N 12000 /* enough for several chunks, the 2 MiB ones included */

struct free_job {
    sh_finding **v;
    size_t from, to;
};

static void *free_range(void *arg)
{
    struct free_job *j = arg;
    size_t i;

    for (i = j->from; i < j->to; i++)
        sh_finding_free(j->v[i]);
    return NULL;
}

SH_TEST(slab_findings_match_and_outlive_their_slab)
{
    struct sh_finding_slab *slab = sh_finding__slab_new();
    sh_finding **v = sh_calloc(SLAB_N, sizeof(*v));
    sh_finding *ref = block("r1"), *big;
    struct sh_finding_fields in;
    struct free_job job;
    pthread_t t;
    char *long_msg = sh_malloc(100000), dev[32];
    size_t i, ok = 0;

    CHECK(slab && v && ref && long_msg);
    if (!slab || !v || !ref || !long_msg)
        goto out;
    memset(&in, 0, sizeof(in));
    in.rule = ref->rule;
    in.title = ref->title;
    in.platform = ref->platform;
    in.path = ref->path;
    in.evidence = ref->evidence;
    in.message = ref->message;
    in.attack = attack;
    in.n_attack = SH_ARRAY_LEN(attack);
    in.references = refs;
    in.n_references = SH_ARRAY_LEN(refs);
    for (i = 0; i < SLAB_N; i++) {
        snprintf(dev, sizeof(dev), "r%zu", i);
        in.device = dev;
        v[i] = sh_finding__new_block_in(slab, &in);
        if (v[i] && strcmp(v[i]->device, dev) == 0 && strcmp(v[i]->message, ref->message) == 0 &&
            v[i]->attack.n == 2 && strcmp(v[i]->references.v[1], refs[1]) == 0 &&
            ((uintptr_t)v[i] & 15) == 0)
            ok++;
    }
    CHECK_EQ_INT(ok, SLAB_N);
    /* A block too large for a chunk is allocated on its own. */
    memset(long_msg, 'x', 99999);
    long_msg[99999] = '\0';
    in.message = long_msg;
    big = sh_finding__new_block_in(slab, &in);
    CHECK(big && strlen(big->message) == 99999);
    /* A block's own fields are replaced as on any finding. */
    sh_free(v[0]->cve);
    v[0]->cve = sh_strdup("CVE-2023-20198");
    /* Half the findings go before the slab, half after it, on another thread. */
    job.v = v;
    job.from = 0;
    job.to = SLAB_N / 2;
    free_range(&job);
    sh_finding__slab_free(slab);
    slab = NULL;
    CHECK_STR(v[SLAB_N - 1]->path, "cfg/r1.cfg");
    job.from = SLAB_N / 2;
    job.to = SLAB_N;
    CHECK(pthread_create(&t, NULL, free_range, &job) == 0);
    pthread_join(t, NULL);
    sh_finding_free(big);
out:
    sh_finding__slab_free(slab);
    sh_finding_free(ref);
    sh_free(long_msg);
    sh_free(v);
}

/* Blocks of one slab share equal rule text and a file's path, and text
 * that arrives at a reused address with other content is never shared. */
SH_TEST(slab_shares_equal_text_only)
{
    struct sh_finding_slab *slab = sh_finding__slab_new();
    struct sh_finding_fields in;
    char title[32], path[32];
    sh_finding *a, *b, *c;

    CHECK(slab != NULL);
    if (!slab)
        return;
    memset(&in, 0, sizeof(in));
    in.rule = "SALT-R1";
    snprintf(title, sizeof(title), "first title");
    snprintf(path, sizeof(path), "cfg/a.cfg");
    in.title = title;
    in.path = path;
    in.evidence = "line one";
    in.message = "m";
    in.references = refs;
    in.n_references = SH_ARRAY_LEN(refs);
    a = sh_finding__new_block_in(slab, &in);
    in.evidence = "line two";
    b = sh_finding__new_block_in(slab, &in);
    snprintf(title, sizeof(title), "second title");
    snprintf(path, sizeof(path), "cfg/b.cfg");
    c = sh_finding__new_block_in(slab, &in);
    CHECK(a && b && c);
    if (a && b && c) {
#ifndef SH_DEBUG_ARENA
        CHECK(a->title == b->title && a->path == b->path && a->references.v == b->references.v);
#endif
        CHECK(a->evidence != b->evidence);
        CHECK_STR(b->evidence, "line two");
        CHECK_STR(a->title, "first title");
        CHECK_STR(c->title, "second title");
        CHECK_STR(a->path, "cfg/a.cfg");
        CHECK_STR(c->path, "cfg/b.cfg");
        CHECK_STR(c->references.v[1], refs[1]);
    }
    sh_finding__slab_free(slab);
    sh_finding_free(b);
    sh_finding_free(a);
    sh_finding_free(c);
}

/* ---- sort order ---- */

static int ref_cmp_str(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

/* PRODUCT.md order: device, path, line, time, rule, cve, evidence. */
static int ref_cmp(const sh_finding *a, const sh_finding *b)
{
    int c;

    if ((c = ref_cmp_str(a->device, b->device)) || (c = ref_cmp_str(a->path, b->path)))
        return c;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if ((c = ref_cmp_str(a->time, b->time)) || (c = ref_cmp_str(a->rule, b->rule)) ||
        (c = ref_cmp_str(a->cve, b->cve)))
        return c;
    return ref_cmp_str(a->evidence, b->evidence);
}

static const char *pick(uint64_t *seed, const char *const *from, size_t n)
{
    *seed = *seed * 6364136223846793005u + 1442695040888963407u;
    return from[(*seed >> 33) % n];
}

/* Small groups of one (device, path) take one path through the sort,
 * large ones another: both sizes are checked. */
static void check_sort(size_t n);

SH_TEST(sort_matches_the_reference_order_and_is_stable)
{
    check_sort(40);
    check_sort(600);
}

static void check_sort(size_t n)
{
    static const char *const devs[] = {NULL, "r1", "r2", "R1", "core-1"};
    static const char *const paths[] = {NULL, "a/r1.cfg", "a/r2.cfg", "b/r1.cfg"};
    static const char *const rules[] = {"SALT-A", "SALT-B", "IOC.x"};
    static const char *const evid[] = {NULL, "x", "y"};
    static const char *const times[] = {NULL, "2025-01-01T00:00:00Z"};
    sh_findings l = {0};
    sh_finding **ref = NULL;
    uint64_t seed = 239;
    size_t i, j;

    for (i = 0; i < n; i++) {
        sh_finding *f = sh_finding_new();
        const char *d, *p;
        CHECK(f != NULL);
        if (!f)
            goto out;
        /* Runs of one file, as analyzers hand them over, and stragglers. */
        if (i % 7 && i) {
            d = l.v[i - 1]->device;
            p = l.v[i - 1]->path;
        } else {
            d = pick(&seed, devs, SH_ARRAY_LEN(devs));
            p = pick(&seed, paths, SH_ARRAY_LEN(paths));
        }
        f->device = d ? sh_strdup(d) : NULL;
        f->path = p ? sh_strdup(p) : NULL;
        f->rule = sh_strdup(pick(&seed, rules, SH_ARRAY_LEN(rules)));
        f->evidence = evid[i % 3] ? sh_strdup(evid[i % 3]) : NULL;
        f->time = times[(i / 3) % 2] ? sh_strdup(times[(i / 3) % 2]) : NULL;
        f->line = (uint32_t)((seed >> 40) % 4);
        CHECK_OK(sh_findings_take(&l, f));
    }
    ref = sh_malloc(n * sizeof(*ref));
    CHECK(ref != NULL);
    if (!ref)
        goto out;
    /* Insertion sort: stable by construction. */
    for (i = 0; i < n; i++) {
        sh_finding *f = l.v[i];
        for (j = i; j > 0 && ref_cmp(ref[j - 1], f) > 0; j--)
            ref[j] = ref[j - 1];
        ref[j] = f;
    }
    sh_findings_sort(&l);
    for (i = 0; i < n; i++)
        CHECK(l.v[i] == ref[i]);
out:
    sh_free(ref);
    sh_findings_clear(&l);
}
