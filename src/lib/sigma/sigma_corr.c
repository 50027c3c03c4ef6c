/*
 * sigma_corr.c - correlation rules over the hit store (see sigma_corr.h).
 *
 * Semantics, per group (the values of the group-by fields):
 *  - event_count / value_count with gt/gte: a sliding window of `timespan`;
 *    the rule fires as soon as the window satisfies the condition, then
 *    the window starts empty again (one result per burst).
 *  - event_count / value_count with lt/lte/eq: tumbling windows that open
 *    at a group's first event; each closed window is tested once.
 *  - temporal: every referenced rule (or `gte` N of them) within timespan.
 *  - temporal_ordered: the referenced rules in the listed order within
 *    timespan.
 *  - x-salthunt-absence: an event of the rules that is not preceded by an
 *    event of `x-salthunt-absent` within timespan.
 *  - x-salthunt-gap: a device silent for longer than timespan.
 * Hits without a time take part in no correlation.
 *
 * Layout: a store of a large log holds millions of matches, and fresh
 * memory is what costs most, so a match is one 48-byte record (struct
 * sg_ev) and a pointer in the hits vector. What only correlation results
 * have (contributors, why, their group values) lives in struct sg_hit,
 * whose first member is its record. A match's values (host and the fields
 * its rule keeps) are one interned tuple shared by every match with the
 * same ones, and the evidence line of a plain file stays in the file.
 */
#include "../base/sh_base.h"

#include "sigma_corr.h"
#include "sigma_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../log/event.h"

#define MAX_VAL 256
#define MAX_RAW 1024
#define MAX_CONTRIB 256
#define MAX_WINDOW 4096
#define MAX_GKEY 4096
#define INTERN_MAX 65536 /* tuples a store shares */

_Static_assert(sizeof(struct sg_ev) <= 48, "a kept match is at most 48 bytes");
_Static_assert(SG_MAX_RULES <= 65536 && MAX_RAW < 16384, "sg_ev's bit fields hold them");

struct sg_seg {
    const char *host, *path;
    int64_t first_ts, last_ts;
    uint64_t first_line, last_line;
};

struct sg_gap {
    const char *host, *path, *raw;
    uint64_t line;
    int64_t from_ts, to_ts;
};

/* Records in an arena found by a hash of their key: the records hold their
 * keys, so the table holds a hash and a pointer per record and copies no
 * key (a store keeps up to millions of them, and a range's table is
 * reused for the next range). */
struct otab_ent {
    uint64_t hash;
    void *p; /* NULL: empty */
};

struct otab {
    struct otab_ent *e;
    size_t n, cap; /* cap: 0 or a power of two */
};

struct sg_hits {
    struct sh_arena arena;
    struct sh_ptrvec hits; /* struct sg_ev * */
    struct sh_ptrvec segs;
    struct sh_ptrvec gaps;
    struct sh_ptrvec subs; /* struct sh_arena *, owned: arenas of absorbed stores */
    size_t sub_bytes;
    size_t max_bytes;
    size_t evicted;
    /* Consecutive hits of one file share one copy of its path, hits with
     * the same values one tuple of them: up to INTERN_MAX tuples, in
     * `tarena` and the `tuples` table (exactly those), the others in the
     * arena. Joining a store into another moves its hits and arena and
     * re-finds its shared tuples among the other's, so a log read in
     * ranges keeps each tuple once, not once a range. */
    const char *path_copy;
    struct sh_arena tarena;
    struct otab tuples; /* struct sg_tuple * in tarena */
    /* Matches of absent-only rules (sg_rule.absent_for), by rule, group and
     * window-sized time bucket: struct absent_bucket * in barena (exactly
     * those: a join copies the buckets new to the store and frees the
     * others, which ranges of one file mostly share). */
    struct sh_arena barena;
    struct otab absent;
    uint64_t kmask; /* bits of a group key's hash used (tests clear some) */
    /* the file evidence lines were last read back from (sh_sigma__hit_raw) */
    int raw_fd;
    const char *raw_fd_path;
};

/*
 * An absence correlation asks of each event of its rules only whether an
 * event of its absent rule, same group, sorted before it, lies within
 * `timespan` before it. Cut time into buckets of one timespan: such an
 * event exists exactly when the latest one of the bucket before (in sort
 * order) or the earliest one of the event's own bucket qualifies, so
 * those two per bucket are all the store keeps of absent-only rules:
 * memory grows with groups and time covered, not with events.
 *
 * A bucket (64 bytes) keeps neither its group key nor its number: the key
 * is a function of the values it keeps (sg_rule.absent_gslot says which
 * are grouped on), compared with gkey_is(); the number is implied by the
 * table's hash. bucket_hash() is a bijection of (its key's hash + number *
 * an odd constant + rule), so two buckets of one rule and one key with
 * equal hashes have equal numbers, and the table compares whole hashes
 * before it compares records.
 */
struct absent_slot {
    int64_t ts;
    uint64_t line;
    const char *path;
};

struct absent_bucket {
    const struct sg_rule *r;
    const struct sg_tuple *kv; /* the values of the bucket's first match */
    struct absent_slot lo, hi;
};

_Static_assert(sizeof(struct absent_bucket) == 64, "a bucket fills one cache line");

/* A bucket from barena, which holds only buckets: when one does not start
 * a cache line (the first of an arena block), the room up to the next
 * line is taken too, so the block's later buckets each read one line. */
static struct absent_bucket *bucket_alloc(struct sg_hits *h)
{
    char *p = sh_arena_alloc_raw(&h->barena, sizeof(struct absent_bucket));
#ifndef SH_DEBUG_ARENA
    size_t mis = p ? (size_t)((uintptr_t)p & 63) : 0;

    if (mis && !sh_arena_alloc_raw(&h->barena, 64 - mis))
        return NULL;
#endif
    return (struct absent_bucket *)(void *)p;
}

/* Tuple and bucket arena blocks an emptied store keeps for its next range. */
#define TARENA_KEEP ((size_t)8 << 20)

/* What a store's memory cap counts: its records and their values. */
static size_t store_bytes(const struct sg_hits *h)
{
    return h->arena.used_total + h->tarena.used_total + h->barena.used_total + h->sub_bytes;
}

/* Value i of tuple t (NULL: the event had no such field). */
static const char *tuple_val(const struct sg_tuple *t, size_t i)
{
    return i < t->n && t->off[i] ? (const char *)t + t->off[i] : NULL;
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

/* The slot for `hash` in t whose record `eq` accepts, or the empty slot
 * where it would go. */
static struct otab_ent *otab_slot(const struct otab *t, uint64_t hash,
                                  bool (*eq)(const void *rec, const void *key), const void *key)
{
    size_t i = (size_t)hash & (t->cap - 1);

    for (;;) {
        struct otab_ent *e = &t->e[i];
        if (!e->p || (e->hash == hash && eq(e->p, key)))
            return e;
        i = (i + 1) & (t->cap - 1);
    }
}

/* `bytes` for a vector or table of a store, zeroed when asked: past a
 * huge page in whole huge pages, which a store of millions of hits fills
 * with a page fault per 2 MiB instead of per 4 KiB. Freed with sh_free. */
static void *big_alloc(size_t bytes, bool zero)
{
    void *p;

    if (bytes < SH_HUGE_ALIGN)
        return zero ? sh_calloc(1, bytes) : sh_malloc(bytes);
    if (!sh_size_add(&bytes, bytes, SH_HUGE_ALIGN - 1))
        return NULL;
    p = sh_malloc_huge(bytes & ~(SH_HUGE_ALIGN - 1));
    if (p && zero)
        memset(p, 0, bytes & ~(SH_HUGE_ALIGN - 1));
    return p;
}

/* Whether t has room for one more record: at most three quarters full
 * (the entries are small and hold the hash; the table of a large log's
 * absent buckets is the store's largest). */
static bool otab_fits(const struct otab *t)
{
    return (t->n + 1) * 4 <= t->cap * 3;
}

static int otab_room(struct otab *t)
{
    struct otab_ent *ne;
    size_t nc, i;

    if (otab_fits(t))
        return SH_OK;
    nc = t->cap ? t->cap * 2 : 64;
    if (nc > SIZE_MAX / 2 / sizeof(*ne))
        return SH_ELIMIT;
    if (!(ne = big_alloc(nc * sizeof(*ne), true)))
        return SH_ENOMEM;
    for (i = 0; i < t->cap; i++) {
        size_t j;
        if (!t->e[i].p)
            continue;
        for (j = (size_t)t->e[i].hash & (nc - 1); ne[j].p; j = (j + 1) & (nc - 1))
            ;
        ne[j] = t->e[i];
    }
    sh_free(t->e);
    t->e = ne;
    t->cap = nc;
    return SH_OK;
}

/* Forget every record, keeping the table's memory. */
static void otab_clear(struct otab *t)
{
    if (t->n)
        memset(t->e, 0, t->cap * sizeof(*t->e));
    t->n = 0;
}

static void otab_free(struct otab *t)
{
    sh_free(t->e);
    memset(t, 0, sizeof(*t));
}

/* A value of an event as a tuple keeps it: `s` NULL when the event has no
 * such field, else its first n bytes (up to NUL and MAX_VAL). */
struct tval {
    const char *s;
    size_t n;
    uint64_t h;  /* sh_hash_fast(s, n), once `hashed` */
    bool hashed; /* set by tuple_hash() or absent_add() */
};

/* What a bucket is looked up by: rule and group key, the bucket number
 * being in the hash. The key (gkey_is) is the grouped values each
 * followed by \x1f, or for a rule grouping on one field that value alone
 * (its \x1f implied). `kv`, when set, is a tuple of the store holding the
 * key's values: a bucket reading that very tuple has this key. */
struct bkey {
    const struct sg_rule *r;
    const char *g;
    size_t glen;
    const struct sg_tuple *kv;
};

/* Whether `g` is the group key of a match of absent-only rule r with the
 * values kv: the values absent_gslot names, each followed by \x1f, or
 * with one group-by field that value alone (a missing value is empty, as
 * it is in the joined key). */
static bool gkey_is(const struct sg_tuple *kv, const struct sg_rule *r, const char *g, size_t glen)
{
    const struct sg_corr *k = r->absent_for->corr;
    size_t i, at = 0;

    if (k->ngb == 1) {
        int s = r->absent_gslot[0];
        const char *v = s >= 0 ? tuple_val(kv, (size_t)s) : NULL;
        if (!v)
            return glen == 0;
        /* v ends at its NUL, and g holds none */
        return (!glen || memcmp(v, g, glen) == 0) && v[glen] == '\0';
    }
    for (i = 0; i < k->ngb; i++) {
        int s = r->absent_gslot[i];
        const char *v = s >= 0 ? tuple_val(kv, (size_t)s) : NULL;
        size_t n = v ? strlen(v) : 0;
        if (at + n + 1 > glen || (n && memcmp(g + at, v, n) != 0) || g[at + n] != '\x1f')
            return false;
        at += n + 1;
    }
    return at == glen;
}

/* The group key gkey_is() accepts for kv, at *key: the one value itself,
 * or written into g (room for MAX_GKEY); its length, or SIZE_MAX when it
 * does not fit. */
static size_t gkey_of(const struct sg_tuple *kv, const struct sg_rule *r, char *g, const char **key)
{
    const struct sg_corr *k = r->absent_for->corr;
    size_t i, at = 0;

    if (k->ngb == 1) {
        int s = r->absent_gslot[0];
        const char *v = s >= 0 ? tuple_val(kv, (size_t)s) : NULL;
        *key = v ? v : "";
        return strlen(*key);
    }
    *key = g;
    for (i = 0; i < k->ngb; i++) {
        int s = r->absent_gslot[i];
        const char *v = s >= 0 ? tuple_val(kv, (size_t)s) : NULL;
        size_t n = v ? strlen(v) : 0;
        if (at + n + 1 > MAX_GKEY)
            return SIZE_MAX;
        if (n)
            memcpy(g + at, v, n);
        at += n;
        g[at++] = '\x1f';
    }
    return at;
}

static bool bucket_eq(const void *rec, const void *key)
{
    const struct absent_bucket *b = rec;
    const struct bkey *k = key;

    if (b->r != k->r)
        return false;
    return (k->kv && b->kv == k->kv) || gkey_is(b->kv, b->r, k->g, k->glen);
}

/* The table hash of bucket `bno` of rule `rule` whose key hashes to kh
 * (sh_hash_fast of the key gkey_is() reads). */
static uint64_t bucket_hash(int rule, int64_t bno, uint64_t kh)
{
    return mix64(kh + (uint64_t)bno * 0x9e3779b97f4a7c15ULL + (uint64_t)(unsigned)rule);
}

struct tkey {
    const struct tval *v;
    uint32_t n;
};

static bool tuple_eq(const void *rec, const void *key)
{
    const struct sg_tuple *t = rec;
    const struct tkey *k = key;
    uint32_t i;

    if (t->n != k->n)
        return false;
    for (i = 0; i < t->n; i++) {
        const char *a = tuple_val(t, i);
        const struct tval *b = &k->v[i];
        if (!a != !b->s)
            return false;
        /* a ends at its NUL, and b holds none */
        if (a && ((b->n && memcmp(a, b->s, b->n) != 0) || a[b->n] != '\0'))
            return false;
    }
    return true;
}

/* The hash of a tuple of v[0 .. n-1], noting each value's own hash in v
 * (a value repeated in the next slots, as a kept "host" is, once). */
static uint64_t tuple_hash(struct tval *v, uint32_t n)
{
    uint64_t x = n;
    uint32_t i;

    for (i = 0; i < n; i++) {
        if (!v[i].s)
            v[i].h = 0;
        else if (v[i].hashed)
            ;
        else if (i && v[i].s == v[0].s && v[i].n == v[0].n)
            v[i].h = v[0].h;
        else
            v[i].h = sh_hash_fast(v[i].s, v[i].n);
        v[i].hashed = v[i].s != NULL;
        x = mix64(x * 0x9e3779b97f4a7c15ULL + (v[i].s ? v[i].h + 1 : 0));
    }
    return x;
}

int sh_sigma__hits_new(struct sg_hits **out, size_t max_bytes)
{
    struct sg_hits *h = sh_calloc(1, sizeof(*h));

    *out = NULL;
    if (!h)
        return SH_ENOMEM;
    sh_arena_init(&h->arena, 0);
    sh_arena_init(&h->tarena, 0);
    sh_arena_init(&h->barena, 0);
    h->max_bytes = max_bytes ? max_bytes : SG_HITS_DEFAULT_CAP;
    h->raw_fd = -1;
    h->kmask = ~(uint64_t)0;
    *out = h;
    return SH_OK;
}

/* cmp_hit's order for two matches of one rule */
static int slot_cmp(const struct absent_slot *a, const struct absent_slot *b)
{
    int c;

    if (a->ts != b->ts)
        return a->ts < b->ts ? -1 : 1;
    c = a->path == b->path ? 0 : strcmp(a->path, b->path);
    if (c)
        return c;
    return (a->line > b->line) - (a->line < b->line);
}

void sh_sigma__hits_free(struct sg_hits *h)
{
    if (!h)
        return;
    sh_ptrvec_free(&h->hits);
    sh_ptrvec_free(&h->segs);
    sh_ptrvec_free(&h->gaps);
    otab_free(&h->absent);
    otab_free(&h->tuples);
    while (h->subs.n) {
        struct sh_arena *a = h->subs.v[--h->subs.n];
        sh_arena_free(a);
        sh_free(a);
    }
    sh_ptrvec_free(&h->subs);
    sh_arena_free(&h->arena);
    sh_arena_free(&h->tarena);
    sh_arena_free(&h->barena);
    if (h->raw_fd >= 0)
        close(h->raw_fd);
    sh_free(h);
}

/* Room for `need` hits: twice the room there was, or just `need` when
 * that is more (a caller that knows how many come asks once). Past a huge
 * page the new vector is whole huge pages, touched only as it fills. */
static int hits_reserve(struct sg_hits *h, size_t need)
{
    size_t nc = h->hits.cap ? h->hits.cap : 256;
    void **nv;

    if (need <= h->hits.cap)
        return SH_OK;
    if (nc > SIZE_MAX / 2 / sizeof(void *) || need > SIZE_MAX / 2 / sizeof(void *))
        return SH_ELIMIT;
    nc = need > nc * 2 ? need : nc * 2;
    if (!(nv = big_alloc(nc * sizeof(*nv), false)))
        return SH_ENOMEM;
    if (h->hits.n)
        memcpy(nv, h->hits.v, h->hits.n * sizeof(*nv));
    sh_free(h->hits.v);
    h->hits.v = nv;
    h->hits.cap = nc;
    return SH_OK;
}

static int push_hit(struct sg_hits *h, struct sg_ev *x)
{
    if (h->hits.n >= h->hits.cap) {
        int rc = hits_reserve(h, h->hits.n + 1);
        if (rc)
            return rc;
    }
    h->hits.v[h->hits.n++] = x;
    return SH_OK;
}

/* Forget everything src holds, keeping its vectors for reuse. */
static void store_empty(struct sg_hits *src)
{
    while (src->subs.n) {
        struct sh_arena *a = src->subs.v[--src->subs.n];
        sh_arena_free(a);
        sh_free(a);
    }
    src->sub_bytes = 0;
    src->hits.n = 0;
    src->evicted = 0;
    src->path_copy = NULL;
    otab_clear(&src->tuples);
    sh_arena_reset(&src->tarena, TARENA_KEEP);
    otab_clear(&src->absent);
    sh_arena_reset(&src->barena, TARENA_KEEP);
    sh_arena_free(&src->arena);
    sh_arena_init(&src->arena, 0);
}

/* Move src's buckets (lines already shifted) into h's table. */
static int absorb_buckets(struct sg_hits *h, struct sg_hits *src)
{
    char g[MAX_GKEY];
    size_t i;
    int rc = SH_OK;

    if (!h->absent.n) {
        /* the first: take src's table and buckets as they are */
        struct otab t = h->absent;
        struct sh_arena ba = h->barena;
        h->absent = src->absent;
        src->absent = t;
        h->barena = src->barena;
        src->barena = ba;
    }
    for (i = 0; i < src->absent.cap && !rc; i++) {
        struct absent_bucket *b = src->absent.e[i].p, *d;
        struct otab_ent *e;
        struct bkey key;
        if (!b)
            continue;
        key.r = b->r;
        key.glen = gkey_of(b->kv, b->r, g, &key.g);
        key.kv = b->kv;
        if (key.glen == SIZE_MAX)
            return SH_ELIMIT; /* cannot be: it fitted when the bucket was made */
        if ((rc = otab_room(&h->absent)) != 0)
            break;
        e = otab_slot(&h->absent, src->absent.e[i].hash, bucket_eq, &key);
        if (!e->p) {
            if (!(d = bucket_alloc(h)))
                return SH_ENOMEM;
            *d = *b;
            e->hash = src->absent.e[i].hash;
            e->p = d;
            h->absent.n++;
            continue;
        }
        d = e->p;
        if (slot_cmp(&b->lo, &d->lo) < 0)
            d->lo = b->lo;
        if (slot_cmp(&b->hi, &d->hi) > 0)
            d->hi = b->hi;
    }
    otab_clear(&src->absent);
    sh_arena_reset(&src->barena, TARENA_KEEP);
    return rc;
}

/* The bytes a tuple takes (its values follow its offsets in order). */
static size_t tuple_size(const struct sg_tuple *t)
{
    size_t end = sizeof(*t) + t->n * sizeof(t->off[0]);
    uint32_t i;

    for (i = 0; i < t->n; i++)
        if (t->off[i] && t->off[i] + strlen((const char *)t + t->off[i]) + 1 > end)
            end = t->off[i] + strlen((const char *)t + t->off[i]) + 1;
    return end;
}

static bool tuple_same(const void *rec, const void *key)
{
    const struct sg_tuple *a = rec, *b = key;
    uint32_t i;

    if (a->n != b->n)
        return false;
    for (i = 0; i < a->n; i++) {
        const char *x = tuple_val(a, i), *y = tuple_val(b, i);
        if (!x != !y || (x && strcmp(x, y) != 0))
            return false;
    }
    return true;
}

/* Where a tuple's forwarding pointer is: the word before it (NULL: none). */
static const struct sg_tuple **fwd_of(const struct sg_tuple *t)
{
    return (const struct sg_tuple **)(uintptr_t)((const char *)t - sizeof(void *));
}

/* A tuple of `bytes` bytes with its forwarding word, in tarena when the
 * store shares it (then `shared`), else in the arena. */
static struct sg_tuple *tuple_alloc(struct sg_hits *h, size_t bytes, bool shared)
{
    void **p = sh_arena_alloc_raw(shared ? &h->tarena : &h->arena, sizeof(void *) + bytes);

    if (!p)
        return NULL;
    p[0] = NULL;
    return (struct sg_tuple *)(void *)(p + 1);
}

/* The tuple a hit or bucket of a joined store now reads. */
static const struct sg_tuple *tuple_now(const struct sg_tuple *t)
{
    return t && *fwd_of(t) ? *fwd_of(t) : t;
}

/* Find or copy src's shared tuples among h's, point each at its
 * counterpart, and point src's hits and buckets there: src's tuple arena
 * is then free for its next range. When h shares none yet, it takes
 * src's as they are. */
static int absorb_tuples(struct sg_hits *h, struct sg_hits *src)
{
    size_t i;

    if (!src->tuples.n)
        return SH_OK;
    if (!h->tuples.n) {
        struct sh_arena ta = h->tarena;
        struct otab tt = h->tuples;
        h->tarena = src->tarena;
        h->tuples = src->tuples;
        src->tarena = ta;
        src->tuples = tt;
        sh_arena_reset(&src->tarena, TARENA_KEEP);
        return SH_OK;
    }
    for (i = 0; i < src->tuples.cap; i++) {
        const struct sg_tuple *t = src->tuples.e[i].p;
        struct otab_ent *e;
        struct sg_tuple *c;
        bool shared;
        if (!t)
            continue;
        if (otab_room(&h->tuples))
            return SH_ENOMEM;
        e = otab_slot(&h->tuples, src->tuples.e[i].hash, tuple_same, t);
        if (e->p) {
            *fwd_of(t) = e->p;
            continue;
        }
        shared = h->tuples.n < INTERN_MAX;
        if (!(c = tuple_alloc(h, tuple_size(t), shared)))
            return SH_ENOMEM;
        memcpy(c, t, tuple_size(t));
        if (shared) {
            e->hash = src->tuples.e[i].hash;
            e->p = c;
            h->tuples.n++;
        }
        *fwd_of(t) = c;
    }
    for (i = 0; i < src->hits.n; i++) {
        struct sg_ev *x = src->hits.v[i];
        x->kv = tuple_now(x->kv);
    }
    for (i = 0; i < src->absent.cap; i++) {
        struct absent_bucket *b = src->absent.e[i].p;
        if (b)
            b->kv = tuple_now(b->kv);
    }
    otab_clear(&src->tuples);
    sh_arena_reset(&src->tarena, TARENA_KEEP);
    return SH_OK;
}

int sh_sigma__hits_absorb(struct sg_hits *h, struct sg_hits *src, uint64_t line_base)
{
    struct sh_arena *a;
    size_t i;
    int rc = SH_OK;

    if (!src->hits.n && !src->evicted && !src->absent.n)
        return SH_OK;
    if (store_bytes(h) >= h->max_bytes) {
        h->evicted += src->hits.n + src->absent.n + src->evicted;
        store_empty(src);
        return SH_OK;
    }
    /* src's memory becomes h's first, so whatever h points into stays
     * valid: its arena and the arenas it absorbed itself */
    a = sh_malloc(sizeof(*a));
    if (!a || sh_ptrvec_push(&h->subs, a)) {
        sh_free(a);
        return SH_ENOMEM;
    }
    *a = src->arena;
    sh_arena_init(&src->arena, 0);
    /* a store refilled for the next range of a file that needed many MiB
     * (sh_arena_huge) */
    if (a->used_total >= SH_HUGE_ALIGN)
        sh_arena_huge(&src->arena);
    h->sub_bytes += a->used_total;
    while (src->subs.n) {
        if (sh_ptrvec_push(&h->subs, src->subs.v[src->subs.n - 1]))
            return SH_ENOMEM;
        src->subs.n--;
    }
    h->sub_bytes += src->sub_bytes;
    src->sub_bytes = 0;
    src->path_copy = NULL;
    if ((rc = absorb_tuples(h, src)) != 0)
        return rc;
    h->evicted += src->evicted;
    src->evicted = 0;
    for (i = 0; i < src->absent.cap && line_base; i++) {
        struct absent_bucket *b = src->absent.e[i].p;
        if (b) {
            b->lo.line += line_base;
            b->hi.line += line_base;
        }
    }
    if ((rc = absorb_buckets(h, src)) != 0)
        return rc;
    if (!h->hits.n) {
        /* the first: take src's vector as it is */
        struct sh_ptrvec tv = h->hits;
        h->hits = src->hits;
        src->hits = tv;
        if (line_base)
            for (i = 0; i < h->hits.n; i++)
                ((struct sg_ev *)h->hits.v[i])->line += line_base;
    } else {
        if ((rc = hits_reserve(h, h->hits.n + src->hits.n)) != 0)
            return rc;
        for (i = 0; i < src->hits.n && !rc; i++) {
            struct sg_ev *x = src->hits.v[i];
            x->line += line_base;
            rc = push_hit(h, x);
        }
    }
    src->hits.n = 0;
    return rc;
}

void sh_sigma__hits_key_mask(struct sg_hits *h, uint64_t mask)
{
    h->kmask = mask;
}

size_t sh_sigma__hits_evicted(const struct sg_hits *h)
{
    return h ? h->evicted : 0;
}

size_t sh_sigma__hits_count(const struct sg_hits *h)
{
    return h ? h->hits.n : 0;
}

size_t sh_sigma__hits_bytes(const struct sg_hits *h)
{
    return h ? store_bytes(h) : 0;
}

static bool full(struct sg_hits *h)
{
    if (store_bytes(h) < h->max_bytes)
        return false;
    h->evicted++;
    return true;
}

static char *adup(struct sg_hits *h, const char *s, size_t n, size_t max)
{
    return sh_arena_strndup(&h->arena, s ? s : "", s ? (n < max ? n : max) : 0);
}

/* The values rule r keeps of ev into tv[0 .. r->nkeep]: the host, then
 * its keep fields, each cut to MAX_VAL bytes and its first NUL. */
static void ev_vals(const struct sg_rule *r, const struct sh_log_event *ev, struct tval *tv)
{
    size_t i, n = 0;
    const char *v = sh_sigma__event_field(ev, "host", &n);

    tv[0].s = v;
    tv[0].n = v ? strnlen(v, n < MAX_VAL ? n : MAX_VAL) : 0;
    tv[0].hashed = false;
    for (i = 0; i < r->nkeep; i++) {
        const char *f = r->keep[i];
        if (f[0] == 'h' && strcmp(f, "host") == 0) {
            tv[i + 1] = tv[0];
            continue;
        }
        v = sh_sigma__event_field(ev, f, &n);
        tv[i + 1].s = v;
        tv[i + 1].n = v ? strnlen(v, n < MAX_VAL ? n : MAX_VAL) : 0;
        tv[i + 1].hashed = false;
    }
}

/* The store's tuple of the values tv[0 .. n-1]: an earlier one with the
 * same values, or a new one (shared by later ones while fewer than
 * INTERN_MAX are), its values after its offsets in one piece of the
 * arena. NULL on OOM or a tuple past 4 GiB. */
static const struct sg_tuple *tuple_of(struct sg_hits *h, struct tval *tv, uint32_t n)
{
    struct tkey key;
    struct otab_ent *e = NULL;
    struct sg_tuple *t;
    uint64_t hash = tuple_hash(tv, n);
    size_t size = sizeof(*t) + n * sizeof(t->off[0]), at;
    uint32_t i;

    key.v = tv;
    key.n = n;
    if (h->tuples.cap && (e = otab_slot(&h->tuples, hash, tuple_eq, &key))->p)
        return e->p;
    for (i = 0; i < n; i++)
        if (tv[i].s && !(i && tv[i].s == tv[0].s && tv[i].n == tv[0].n))
            size += tv[i].n + 1;
    if (size > UINT32_MAX || !(t = tuple_alloc(h, size, h->tuples.n < INTERN_MAX)))
        return NULL;
    t->n = n;
    at = sizeof(*t) + n * sizeof(t->off[0]);
    for (i = 0; i < n; i++) {
        if (!tv[i].s) {
            t->off[i] = 0;
        } else if (i && tv[i].s == tv[0].s && tv[i].n == tv[0].n) {
            t->off[i] = t->off[0];
        } else {
            memcpy((char *)t + at, tv[i].s, tv[i].n);
            ((char *)t)[at + tv[i].n] = '\0';
            t->off[i] = (uint32_t)at;
            at += tv[i].n + 1;
        }
    }
    if (h->tuples.n < INTERN_MAX) {
        if (!e || !otab_fits(&h->tuples)) {
            if (otab_room(&h->tuples))
                return NULL;
            e = otab_slot(&h->tuples, hash, tuple_eq, &key);
        }
        e->hash = hash;
        e->p = t;
        h->tuples.n++;
    }
    return t;
}

/* The store's copy of `path`: consecutive hits of one file share one. */
static const char *path_of(struct sg_hits *h, const char *path)
{
    if (!h->path_copy || strncmp(h->path_copy, path, 4096) != 0)
        h->path_copy = adup(h, path, strlen(path), 4096);
    return h->path_copy;
}

/* Decimal text of v at d; its length (at most 20). */
static size_t put_dec(char *d, int64_t v)
{
    if (v >= 0)
        return sh_u64_dec(d, (uint64_t)v);
    d[0] = '-';
    return 1 + sh_u64_dec(d + 1, (uint64_t)0 - (uint64_t)v);
}

/* "<rule>\x1e<bucket>\x1eg" (what the group values follow) into key; its length. */
static size_t key_head(char *key, int rule, int64_t bucket)
{
    size_t kl = put_dec(key, rule);

    key[kl++] = '\x1e';
    kl += put_dec(key + kl, bucket);
    key[kl++] = '\x1e';
    key[kl++] = 'g';
    return kl;
}

/* Keep a match of an absent-only rule (its values tv, from ev_vals) as its
 * bucket's earliest or latest; 1 when the match needs a plain hit instead
 * (a key too long: the rule, bucket and group values written out as
 * "<rule>\x1e<bucket>\x1eg" and the values each followed by \x1f take
 * over 4 KiB). */
static int absent_add(struct sg_hits *h, const struct sg_rule *r, const struct sh_log_event *ev,
                      const char *path, struct tval *tv)
{
    const struct sg_corr *k = r->absent_for->corr;
    char gk[MAX_GKEY];
    size_t hl = 0, gl = 0, g;
    int64_t b, T = k->timespan_ms;
    struct absent_slot sl;
    struct absent_bucket *bk;
    struct otab_ent *e = NULL;
    struct bkey key;
    uint64_t hash;

    if (!ev->ts_ms)
        return SH_OK; /* hits without a time take part in no correlation */
    b = ev->ts_ms >= 0 ? ev->ts_ms / T : -((-ev->ts_ms + T - 1) / T);
    key.r = r;
    key.kv = NULL;
    if (k->ngb == 1) {
        /* the key is the value itself, hashed once for the bucket and,
         * when the bucket is new, its tuple */
        int s = r->absent_gslot[0];
        struct tval *v = s >= 0 && (size_t)s <= r->nkeep ? &tv[s] : NULL;
        if (v && v->s) {
            if (!v->hashed) {
                v->h = sh_hash_fast(v->s, v->n);
                v->hashed = true;
            }
            key.g = v->s;
            key.glen = v->n;
            hash = bucket_hash(r->index, b, v->h & h->kmask);
        } else {
            key.g = "";
            key.glen = 0;
            hash = bucket_hash(r->index, b, sh_hash_fast("", 0) & h->kmask);
        }
    } else {
        if (k->ngb * (MAX_VAL + 1) + 48 > sizeof(gk)) {
            char head[48];
            hl = key_head(head, r->index, b);
        }
        for (g = 0; g < k->ngb; g++) {
            int s = r->absent_gslot[g];
            const struct tval *v = s >= 0 && (size_t)s <= r->nkeep ? &tv[s] : NULL;
            size_t n = v && v->s ? v->n : 0;
            if (hl + gl + n + 2 > sizeof(gk))
                return 1;
            if (n)
                memcpy(gk + gl, v->s, n);
            gl += n;
            gk[gl++] = '\x1f';
        }
        key.g = gk;
        key.glen = gl;
        hash = bucket_hash(r->index, b, sh_hash_fast(gk, gl) & h->kmask);
    }
    if (!path_of(h, path))
        return SH_ENOMEM;
    sl.ts = ev->ts_ms;
    sl.line = ev->line;
    sl.path = h->path_copy;
    if (h->absent.cap && (e = otab_slot(&h->absent, hash, bucket_eq, &key))->p) {
        bk = e->p;
        if (slot_cmp(&sl, &bk->lo) < 0)
            bk->lo = sl;
        if (slot_cmp(&sl, &bk->hi) > 0)
            bk->hi = sl;
        return SH_OK;
    }
    if (!(bk = bucket_alloc(h)))
        return SH_ENOMEM;
    bk->r = r;
    bk->lo = bk->hi = sl;
    if (!(bk->kv = tuple_of(h, tv, (uint32_t)r->nkeep + 1)))
        return SH_ENOMEM;
    if (!e || !otab_fits(&h->absent)) {
        if (otab_room(&h->absent))
            return SH_ENOMEM;
        e = otab_slot(&h->absent, hash, bucket_eq, &key);
    }
    e->hash = hash;
    e->p = bk;
    h->absent.n++;
    return SH_OK;
}

/* How many hits the buckets of each rule become (absent_hits), added to count. */
static void absent_count(const struct sg_hits *h, size_t nrules, size_t *count)
{
    size_t i;

    for (i = 0; i < h->absent.cap; i++) {
        const struct absent_bucket *bk = h->absent.e[i].p;
        if (bk && bk->r->index >= 0 && (size_t)bk->r->index < nrules)
            count[bk->r->index] += slot_cmp(&bk->lo, &bk->hi) == 0 ? 1 : 2;
    }
}

/* Before correlating: the kept absent-rule matches of the rules some
 * correlation that can fire reads (need) become hits. */
static int absent_hits(struct sg_hits *h, size_t nrules, const uint8_t *need)
{
    size_t i, more = 0;
    int j;

    for (i = 0; i < h->absent.cap; i++) {
        const struct absent_bucket *bk = h->absent.e[i].p;
        more += bk && bk->r->index >= 0 && (size_t)bk->r->index < nrules && need[bk->r->index];
    }
    if (more > SIZE_MAX / 4 || hits_reserve(h, h->hits.n + 2 * more))
        return SH_ENOMEM;
    for (i = 0; i < h->absent.cap && more; i++) {
        const struct absent_bucket *bk = h->absent.e[i].p;
        if (!bk || bk->r->index < 0 || (size_t)bk->r->index >= nrules || !need[bk->r->index])
            continue;
        for (j = 0; j < 2; j++) {
            const struct absent_slot *sl = j ? &bk->hi : &bk->lo;
            struct sg_ev *x;
            if (j && slot_cmp(&bk->lo, &bk->hi) == 0)
                break;
            if (!(x = sh_arena_alloc_raw(&h->arena, sizeof(*x))))
                return SH_ENOMEM;
            x->ts_ms = sl->ts;
            x->path = sl->path;
            x->line = sl->line;
            x->kv = bk->kv;
            x->at.raw = "";
            x->raw_hash = 0;
            x->rule = (unsigned)bk->r->index;
            x->raw_len = 0;
            x->flags = SG_EV_TEXT;
            if (push_hit(h, x))
                return SH_ENOMEM;
        }
    }
    otab_free(&h->absent);
    return SH_OK;
}

int sh_sigma__hits_add(struct sg_hits *h, const struct sg_rule *r, const struct sh_log_event *ev,
                       const char *path)
{
    struct tval stack[16], *tv = stack;
    struct sg_ev *x;
    size_t rawn;
    int rc = SH_OK;

    if (full(h))
        return SH_OK;
    if (r->nkeep >= SH_ARRAY_LEN(stack) && !(tv = sh_malloc((r->nkeep + 1) * sizeof(*tv))))
        return SH_ENOMEM;
    ev_vals(r, ev, tv);
    if (r->absent_for && (rc = absent_add(h, r, ev, path, tv)) <= 0)
        goto out;
    rc = SH_ENOMEM;
    /* a line of a plain file stays where it is (most hits never become
     * evidence, and a large log has hundreds of thousands of logins);
     * another's copy comes in the same piece */
    rawn = ev->raw_len < MAX_RAW ? ev->raw_len : MAX_RAW;
    if (!(x = sh_arena_alloc_raw(&h->arena, sizeof(*x) + (ev->pos ? 0 : rawn + 1))))
        goto out;
    x->ts_ms = ev->ts_ms;
    x->line = ev->line;
    x->rule = (unsigned)r->index;
    x->raw_len = (unsigned)rawn;
    if (ev->pos) {
        x->at.pos = ev->pos;
        x->raw_hash = (uint32_t)sh_hash_fast(ev->raw, rawn);
        x->flags = 0;
    } else {
        char *raw = (char *)(x + 1);
        if (rawn)
            memcpy(raw, ev->raw, rawn);
        raw[rawn] = '\0';
        x->at.raw = raw;
        x->raw_hash = 0;
        x->flags = SG_EV_TEXT;
    }
    if (!(x->kv = tuple_of(h, tv, (uint32_t)r->nkeep + 1)) || !(x->path = path_of(h, path)))
        goto out;
    rc = push_hit(h, x);
out:
    if (tv != stack)
        sh_free(tv);
    return rc;
}

const char *sh_sigma__hit_raw(struct sg_hits *h, struct sg_ev *x)
{
    char *buf;
    size_t got = 0;

    if (x->flags & SG_EV_TEXT)
        return x->at.raw;
    if (!x->at.pos || !x->path)
        return NULL;
    if (h->raw_fd < 0 || h->raw_fd_path != x->path) {
        if (h->raw_fd >= 0)
            close(h->raw_fd);
        /* non-blocking: a FIFO put in the file's place must not stall the scan */
        h->raw_fd = open(x->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        h->raw_fd_path = h->raw_fd >= 0 ? x->path : NULL;
        if (h->raw_fd < 0)
            return NULL;
    }
    buf = sh_arena_alloc_raw(&h->arena, (size_t)x->raw_len + 1);
    if (!buf)
        return NULL;
    while (got < x->raw_len) {
        ssize_t r = pread(h->raw_fd, buf + got, x->raw_len - got, (off_t)(x->at.pos - 1 + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return NULL;
        got += (size_t)r;
    }
    /* the file changed since it was scanned: no evidence is better than
     * another line's */
    if ((uint32_t)sh_hash_fast(buf, got) != x->raw_hash)
        return NULL;
    buf[got] = '\0';
    x->at.raw = buf;
    x->flags |= SG_EV_TEXT;
    return buf;
}

int sh_sigma__hits_segment(struct sg_hits *h, const char *host, const char *path, int64_t first_ts,
                           uint64_t first_line, int64_t last_ts, uint64_t last_line)
{
    struct sg_seg *s;

    if (full(h))
        return SH_OK;
    s = sh_arena_alloc(&h->arena, sizeof(*s));
    if (!s)
        return SH_ENOMEM;
    s->host = adup(h, host, strlen(host), MAX_VAL);
    s->path = adup(h, path, strlen(path), 4096);
    if (!s->host || !s->path)
        return SH_ENOMEM;
    s->first_ts = first_ts;
    s->last_ts = last_ts;
    s->first_line = first_line;
    s->last_line = last_line;
    return sh_ptrvec_push(&h->segs, s);
}

int sh_sigma__hits_gap(struct sg_hits *h, const char *host, const char *path, uint64_t line,
                       int64_t from_ts, int64_t to_ts, const char *raw, size_t raw_len)
{
    struct sg_gap *g;

    if (full(h))
        return SH_OK;
    g = sh_arena_alloc(&h->arena, sizeof(*g));
    if (!g)
        return SH_ENOMEM;
    g->host = adup(h, host, strlen(host), MAX_VAL);
    g->path = adup(h, path, strlen(path), 4096);
    g->raw = adup(h, raw, raw_len, MAX_RAW);
    if (!g->host || !g->path || !g->raw)
        return SH_ENOMEM;
    g->line = line;
    g->from_ts = from_ts;
    g->to_ts = to_ts;
    return sh_ptrvec_push(&h->gaps, g);
}

int64_t sh_sigma__min_gap_ms(const struct sh_sigma_set *set)
{
    int64_t m = 0;
    size_t i;

    for (i = 0; i < set->rules.n; i++) {
        const struct sg_rule *r = set->rules.v[i];
        if (r->corr && r->corr->type == SG_CORR_GAP && (m == 0 || r->corr->timespan_ms < m))
            m = r->corr->timespan_ms;
    }
    return m;
}

/* ---- evaluation ---- */

static int cmp_hit(const void *pa, const void *pb)
{
    const struct sg_ev *a = *(const struct sg_ev *const *)pa;
    const struct sg_ev *b = *(const struct sg_ev *const *)pb;
    int c;

    if (a->ts_ms != b->ts_ms)
        return a->ts_ms < b->ts_ms ? -1 : 1;
    c = a->path == b->path ? 0 : strcmp(a->path, b->path);
    if (c)
        return c;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    return (a->rule > b->rule) - (a->rule < b->rule);
}

/* The correlation result whose record x is. */
static const struct sg_hit *result_of(const struct sg_ev *x)
{
    return (const struct sg_hit *)(const void *)x;
}

/* The device of hit x. */
static const char *ev_host(const struct sg_ev *x)
{
    if (x->flags & SG_EV_RESULT)
        return result_of(x)->host;
    return x->kv ? tuple_val(x->kv, 0) : NULL;
}

static const char *hit_val(const struct sh_sigma_set *set, const struct sg_corr *k,
                           const struct sg_ev *x, const char *name)
{
    const struct sg_rule *r = set->rules.v[x->rule];
    const char *f = sh_sigma__corr_field(k, r, name);
    size_t i;

    if (x->flags & SG_EV_RESULT) {
        const struct sg_hit *o = result_of(x);
        if (strcmp(f, "host") == 0 && o->host)
            return o->host;
        for (i = 0; i < o->nkv; i++)
            if (strcmp(o->keys[i], f) == 0)
                return o->vals[i];
        return NULL;
    }
    /* a base hit: its rule's kept fields, in its tuple after the host */
    if (!x->kv)
        return NULL;
    if (strcmp(f, "host") == 0 && tuple_val(x->kv, 0))
        return tuple_val(x->kv, 0);
    for (i = 0; i < r->nkeep && i + 1 < x->kv->n; i++)
        if (strcmp(r->keep[i], f) == 0)
            return tuple_val(x->kv, i + 1);
    return NULL;
}

struct gstate {
    struct sg_ev **w; /* window (event_count etc.) */
    size_t head, n, cap;
    struct sg_ev **last; /* temporal: latest hit per reference */
    int64_t last_absent;
    bool have_absent;
};

static void gstate_free(void *p)
{
    struct gstate *g = p;

    if (!g)
        return;
    sh_free(g->w);
    sh_free(g->last);
    sh_free(g);
}

static int win_push(struct gstate *g, struct sg_ev *x)
{
    if (g->head > 0 && g->head + g->n == g->cap) {
        memmove(g->w, g->w + g->head, g->n * sizeof(*g->w));
        g->head = 0;
    }
    if (g->n >= MAX_WINDOW) { /* bound: forget the oldest */
        g->head++;
        g->n--;
    }
    if (g->head + g->n == g->cap) {
        size_t nc = g->cap ? g->cap * 2 : 16;
        struct sg_ev **nw = sh_realloc(g->w, nc * sizeof(*nw));
        if (!nw)
            return SH_ENOMEM;
        g->w = nw;
        g->cap = nc;
    }
    g->w[g->head + g->n++] = x;
    return SH_OK;
}

struct run {
    const struct sh_sigma_set *set;
    struct sg_hits *h;
    const struct sg_rule *r;
    const struct sg_corr *k;
    struct sh_ptrvec out; /* new hits of this correlation */
    const int *rule_of;   /* rule index of every hit, in h->hits order */
    sh_sigma_corr_cb cb;
    void *ud;
    bool all;
};

static bool cond_ok(const struct sg_corr *k, double n)
{
    switch (k->cop) {
    case SG_LT: return n < k->cval;
    case SG_LTE: return n <= k->cval;
    case SG_GT: return n > k->cval;
    case SG_GTE: return n >= k->cval;
    case SG_EQ: return n == k->cval;
    }
    return false;
}

static const char *fmt_span(int64_t ms, char *buf, size_t len)
{
    if (ms % 86400000 == 0)
        snprintf(buf, len, "%lldd", (long long)(ms / 86400000));
    else if (ms % 3600000 == 0)
        snprintf(buf, len, "%lldh", (long long)(ms / 3600000));
    else if (ms % 60000 == 0)
        snprintf(buf, len, "%lldm", (long long)(ms / 60000));
    else
        snprintf(buf, len, "%llds", (long long)(ms / 1000));
    return buf;
}

/* Make the result hit of a correlation from its contributing hits. */
static int fire(struct run *u, struct sg_ev **xs, size_t n, const char *why)
{
    struct sg_hits *h = u->h;
    struct sg_ev *last = xs[n - 1];
    struct sg_hit *o;
    size_t i, j, total = 0, kept = 0;

    for (i = 0; i < n; i++)
        total += xs[i]->flags & SG_EV_RESULT ? result_of(xs[i])->ncontrib_total : 1;
    o = sh_arena_alloc(&h->arena, sizeof(*o));
    if (!o)
        return SH_ENOMEM;
    o->rule = u->r->index;
    o->ts_ms = last->ts_ms;
    o->host = ev_host(last);
    o->path = last->path;
    o->line = last->line;
    o->raw = sh_sigma__hit_raw(h, last);
    o->why = sh_arena_strdup(&h->arena, why);
    o->contrib = sh_arena_alloc(&h->arena,
                                (total < MAX_CONTRIB ? total : MAX_CONTRIB) * sizeof(*o->contrib) +
                                    sizeof(*o->contrib));
    if (!o->why || !o->contrib)
        return SH_ENOMEM;
    /* a base hit contributes itself, a result its contributors */
    for (i = 0; i < n; i++) {
        if (!(xs[i]->flags & SG_EV_RESULT)) {
            if (kept < MAX_CONTRIB)
                o->contrib[kept++] = xs[i];
            continue;
        }
        for (j = 0; j < result_of(xs[i])->ncontrib && kept < MAX_CONTRIB; j++)
            o->contrib[kept++] = result_of(xs[i])->contrib[j];
    }
    o->ncontrib = kept;
    o->ncontrib_total = total;
    if (u->k->ngb) {
        o->keys = sh_arena_alloc(&h->arena, u->k->ngb * sizeof(char *));
        o->vals = sh_arena_alloc(&h->arena, u->k->ngb * sizeof(char *));
        if (!o->keys || !o->vals)
            return SH_ENOMEM;
        for (i = 0; i < u->k->ngb; i++) {
            o->keys[i] = u->k->group_by[i];
            o->vals[i] = hit_val(u->set, u->k, last, u->k->group_by[i]);
            if (strcmp(u->k->group_by[i], "host") == 0 && o->vals[i])
                o->host = o->vals[i];
        }
        o->nkv = u->k->ngb;
    }
    o->ev.ts_ms = o->ts_ms;
    o->ev.path = o->path;
    o->ev.line = o->line;
    o->ev.at.raw = o->raw;
    o->ev.rule = (unsigned)o->rule;
    o->ev.flags = SG_EV_TEXT | SG_EV_RESULT;
    if (sh_ptrvec_push(&u->out, &o->ev))
        return SH_ENOMEM;
    if ((u->all || !u->r->suppressed) && u->cb)
        return u->cb(u->r, o, u->ud);
    return SH_OK;
}

static size_t distinct(const struct sh_sigma_set *set, const struct sg_corr *k, struct gstate *g)
{
    size_t i, j, d = 0;

    for (i = 0; i < g->n; i++) {
        const char *v = hit_val(set, k, g->w[g->head + i], k->cfield);
        bool seen = false;
        if (!v)
            continue;
        for (j = 0; j < i && !seen; j++) {
            const char *o = hit_val(set, k, g->w[g->head + j], k->cfield);
            seen = o && strcmp(o, v) == 0;
        }
        d += !seen;
    }
    return d;
}

static int count_fire(struct run *u, struct gstate *g)
{
    char why[160], span[32];
    size_t n = u->k->type == SG_CORR_VALUE_COUNT ? distinct(u->set, u->k, g) : g->n;
    int rc;

    if (!g->n || !cond_ok(u->k, (double)n))
        return SH_OK;
    if (u->k->type == SG_CORR_VALUE_COUNT)
        snprintf(why, sizeof(why), "%zu distinct %s values in %zu events within %s", n,
                 u->k->cfield, g->n, fmt_span(u->k->timespan_ms, span, sizeof(span)));
    else
        snprintf(why, sizeof(why), "%zu events within %s", n,
                 fmt_span(u->k->timespan_ms, span, sizeof(span)));
    rc = fire(u, g->w + g->head, g->n, why);
    g->head = g->n = 0;
    return rc;
}

static int on_hit(struct run *u, struct gstate *g, struct sg_ev *x, int ref)
{
    const struct sg_corr *k = u->k;
    int64_t t = x->ts_ms, T = k->timespan_ms;
    char why[200], span[32];
    int rc;

    switch (k->type) {
    case SG_CORR_EVENT_COUNT:
    case SG_CORR_VALUE_COUNT:
        if (k->cop == SG_GT || k->cop == SG_GTE) {
            if ((rc = win_push(g, x)))
                return rc;
            while (g->n && g->w[g->head]->ts_ms < t - T) {
                g->head++;
                g->n--;
            }
            return count_fire(u, g);
        }
        if (g->n && t > g->w[g->head]->ts_ms + T) {
            if ((rc = count_fire(u, g)))
                return rc;
            g->head = g->n = 0;
        }
        return win_push(g, x);
    case SG_CORR_TEMPORAL: {
        size_t i, have = 0, need = k->has_cond ? (size_t)k->cval : k->nrefs;
        struct sg_ev *picked[SG_MAX_CORR_RULES];
        g->last[ref] = x;
        for (i = 0; i < k->nrefs; i++)
            if (g->last[i] && g->last[i]->ts_ms >= t - T)
                picked[have++] = g->last[i];
        if (have < need || (k->has_cond && !cond_ok(k, (double)have)))
            return SH_OK;
        qsort(picked, have, sizeof(*picked), cmp_hit);
        snprintf(why, sizeof(why), "%zu of %zu rules within %s", have, k->nrefs,
                 fmt_span(T, span, sizeof(span)));
        memset(g->last, 0, k->nrefs * sizeof(*g->last));
        return fire(u, picked, have, why);
    }
    case SG_CORR_TEMPORAL_ORDERED: {
        size_t i, next = 0;
        struct sg_ev *picked[SG_MAX_CORR_RULES];
        if ((rc = win_push(g, x)))
            return rc;
        while (g->n && g->w[g->head]->ts_ms < t - T) {
            g->head++;
            g->n--;
        }
        for (i = 0; i < g->n && next < k->nrefs; i++)
            if (g->w[g->head + i]->rule == k->ridx[next])
                picked[next++] = g->w[g->head + i];
        if (next < k->nrefs)
            return SH_OK;
        snprintf(why, sizeof(why), "%zu rules in order within %s", k->nrefs,
                 fmt_span(T, span, sizeof(span)));
        g->head = g->n = 0;
        return fire(u, picked, k->nrefs, why);
    }
    case SG_CORR_ABSENCE:
        if (ref < 0) {
            g->last_absent = t;
            g->have_absent = true;
            return SH_OK;
        }
        if (g->have_absent && g->last_absent >= t - T)
            return SH_OK;
        snprintf(why, sizeof(why), "no '%s' event in the %s before it",
                 ((const struct sg_rule *)u->set->rules.v[k->absent_idx])->title,
                 fmt_span(T, span, sizeof(span)));
        return fire(u, &x, 1, why);
    case SG_CORR_GAP: return SH_OK;
    }
    return SH_OK;
}

static int group_key(struct run *u, const struct sg_ev *x, struct sh_buf *key)
{
    size_t i;
    int rc = SH_OK;

    sh_buf_reset(key);
    rc = sh_buf_addc(key, 'g');
    for (i = 0; i < u->k->ngb && !rc; i++) {
        const char *v = hit_val(u->set, u->k, x, u->k->group_by[i]);
        rc = sh_buf_adds(key, v ? v : "");
        if (!rc)
            rc = sh_buf_addc(key, '\x1f');
    }
    return rc;
}

static int ref_of(const struct sg_corr *k, int rule)
{
    size_t i;

    for (i = 0; i < k->nrefs; i++)
        if (k->ridx[i] == rule)
            return (int)i;
    return -2;
}

static int cmp_seg(const void *pa, const void *pb)
{
    const struct sg_seg *a = *(const struct sg_seg *const *)pa;
    const struct sg_seg *b = *(const struct sg_seg *const *)pb;
    int c = strcmp(a->host, b->host);

    if (c)
        return c;
    if (a->first_ts != b->first_ts)
        return a->first_ts < b->first_ts ? -1 : 1;
    return strcmp(a->path, b->path);
}

/* Silences between a device's files become gaps like those inside files. */
static int join_segments(struct sg_hits *h, int64_t min_gap)
{
    size_t i, j;
    int rc;

    if (!min_gap)
        return SH_OK;
    if (h->segs.n > 1)
        qsort(h->segs.v, h->segs.n, sizeof(void *), cmp_seg);
    for (i = 0; i + 1 < h->segs.n; i++) {
        const struct sg_seg *a = h->segs.v[i], *b = h->segs.v[i + 1];
        int64_t end = a->last_ts;
        if (strcmp(a->host, b->host) != 0)
            continue;
        /* the latest end among this host's earlier segments */
        for (j = i; j > 0 && strcmp(((struct sg_seg *)h->segs.v[j - 1])->host, a->host) == 0; j--)
            if (((struct sg_seg *)h->segs.v[j - 1])->last_ts > end)
                end = ((struct sg_seg *)h->segs.v[j - 1])->last_ts;
        if (b->first_ts - end > min_gap) {
            rc = sh_sigma__hits_gap(h, b->host, b->path, b->first_line, end, b->first_ts, "", 0);
            if (rc)
                return rc;
        }
    }
    return SH_OK;
}

/* x-salthunt-gap: every recorded silence longer than the rule's timespan. */
static int run_gap(struct run *u)
{
    struct sg_hits *h = u->h;
    size_t i;
    char why[200], span[32], len[32];
    int rc;

    for (i = 0; i < h->gaps.n; i++) {
        const struct sg_gap *g = h->gaps.v[i];
        struct sg_hit *c;
        int64_t d = g->to_ts - g->from_ts;
        if (d <= u->k->timespan_ms)
            continue;
        snprintf(why, sizeof(why), "no events for %s (more than %s)",
                 fmt_span(d - d % 60000, len, sizeof(len)),
                 fmt_span(u->k->timespan_ms, span, sizeof(span)));
        {
            struct sg_ev *cx;
            c = sh_arena_alloc(&h->arena, sizeof(*c));
            if (!c)
                return SH_ENOMEM;
            c->rule = u->r->index;
            c->ts_ms = g->to_ts;
            c->host = g->host;
            c->path = g->path;
            c->line = g->line;
            c->raw = g->raw;
            c->keys = sh_arena_alloc(&h->arena, sizeof(char *));
            c->vals = sh_arena_alloc(&h->arena, sizeof(char *));
            c->contrib = sh_arena_alloc(&h->arena, sizeof(*c->contrib));
            if (!c->keys || !c->vals || !c->contrib)
                return SH_ENOMEM;
            c->keys[0] = "host";
            c->vals[0] = g->host;
            c->nkv = 1;
            c->ev.ts_ms = c->ts_ms;
            c->ev.path = c->path;
            c->ev.line = c->line;
            c->ev.at.raw = c->raw;
            c->ev.rule = (unsigned)c->rule;
            c->ev.flags = SG_EV_TEXT | SG_EV_RESULT;
            c->contrib[0] = &c->ev;
            c->ncontrib = c->ncontrib_total = 1;
            cx = &c->ev;
            rc = fire(u, &cx, 1, why);
            if (rc)
                return rc;
        }
    }
    return SH_OK;
}

static int run_one(struct run *u)
{
    struct sh_strmap groups = {0};
    struct sh_buf key;
    size_t i;
    int rc = SH_OK;

    if (u->k->type == SG_CORR_GAP)
        return run_gap(u);
    if (u->k->nrefs == 0)
        return SH_OK;
    sh_buf_init(&key, 64 * 1024);
    for (i = 0; i < u->h->hits.n && !rc; i++) {
        struct sg_ev *x;
        struct gstate *g;
        /* the compact rule array skips other rules' hits without touching them */
        int rule = u->rule_of[i], ref = ref_of(u->k, rule);
        if (ref == -2 && !(u->k->type == SG_CORR_ABSENCE && rule == u->k->absent_idx))
            continue;
        x = u->h->hits.v[i];
        if (ref == -2)
            ref = -1;
        if (!x->ts_ms)
            continue;
        if ((rc = group_key(u, x, &key)))
            break;
        g = sh_strmap_get(&groups, key.ptr);
        if (!g) {
            g = sh_calloc(1, sizeof(*g));
            if (!g || (u->k->nrefs && !(g->last = sh_calloc(u->k->nrefs, sizeof(*g->last))))) {
                gstate_free(g);
                rc = SH_ENOMEM;
                break;
            }
            if (sh_strmap_put(&groups, key.ptr, g, NULL)) {
                gstate_free(g);
                rc = SH_ENOMEM;
                break;
            }
        }
        rc = on_hit(u, g, x, ref);
    }
    /* tumbling windows still open at the end */
    if (!rc && (u->k->type == SG_CORR_EVENT_COUNT || u->k->type == SG_CORR_VALUE_COUNT) &&
        !(u->k->cop == SG_GT || u->k->cop == SG_GTE)) {
        for (i = 0; i < groups.cap && !rc; i++)
            if (groups.ents && groups.ents[i].key)
                rc = count_fire(u, groups.ents[i].val);
    }
    sh_strmap_free(&groups, gstate_free);
    sh_buf_free(&key);
    return rc;
}

/* Merge the new hits `add` into the sorted `all` (and their rules into
 * `rule_of`, which follows `all`): the order a sort of the two together
 * gives. `all` holds every match and `add` usually a few, so each new hit
 * finds its place by binary search and the runs between are copied
 * without reading the hits. */
static int merge_sorted(struct sh_ptrvec *all, struct sh_ptrvec *add, int **rule_of)
{
    void **v;
    int *rv;
    size_t i, from = 0, k = 0, n;

    if (add->n > 1)
        qsort(add->v, add->n, sizeof(void *), cmp_hit);
    if (!sh_size_add(&n, all->n, add->n) || n > SIZE_MAX / sizeof(void *))
        return SH_ELIMIT;
    v = sh_malloc((n ? n : 1) * sizeof(void *));
    rv = sh_malloc((n ? n : 1) * sizeof(int));
    if (!v || !rv) {
        sh_free(v);
        sh_free(rv);
        return SH_ENOMEM;
    }
    for (i = 0; i < add->n; i++) {
        /* first position in [from, all->n) whose hit sorts after add[i]
         * (equal ones stay first, as a stable sort of all + add keeps them) */
        size_t lo = from, hi = all->n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cmp_hit(&all->v[mid], &add->v[i]) <= 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo > from) {
            memcpy(v + k, all->v + from, (lo - from) * sizeof(void *));
            memcpy(rv + k, *rule_of + from, (lo - from) * sizeof(int));
        }
        k += lo - from;
        from = lo;
        v[k] = add->v[i];
        rv[k++] = ((const struct sg_ev *)add->v[i])->rule;
    }
    if (all->n > from) {
        memcpy(v + k, all->v + from, (all->n - from) * sizeof(void *));
        memcpy(rv + k, *rule_of + from, (all->n - from) * sizeof(int));
    }
    sh_free(all->v);
    all->v = v;
    all->n = all->cap = n;
    sh_free(*rule_of);
    *rule_of = rv;
    return SH_OK;
}

/* Whether a correlation after position `c` in the run order reads rule `idx`. */
static bool read_later(const struct sh_sigma_set *set, size_t c, int idx)
{
    size_t j;

    for (j = c + 1; j < set->ncorr; j++) {
        const struct sg_corr *k = ((const struct sg_rule *)set->rules.v[set->corr_order[j]])->corr;
        if (ref_of(k, idx) != -2 || (k->type == SG_CORR_ABSENCE && k->absent_idx == idx))
            return true;
    }
    return false;
}

/* cmp_hit's order with the comparison data in the array itself: a store
 * holds up to millions of hits, and chasing each pointer on every
 * comparison costs more than the comparisons. Files are ranked once by
 * name. Keys are unique (one hit per rule and line), so the order is the
 * one qsort with cmp_hit gives. */
struct hkey {
    int64_t ts;
    uint64_t line;
    uint32_t path; /* rank of the file name */
    int32_t rule;
    struct sg_ev *x;
};

static inline bool hkey_lt(const struct hkey *a, const struct hkey *b)
{
    if (a->ts != b->ts)
        return a->ts < b->ts;
    if (a->path != b->path)
        return a->path < b->path;
    if (a->line != b->line)
        return a->line < b->line;
    return a->rule < b->rule;
}

static int cmp_str(const void *pa, const void *pb)
{
    return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

/* Sort `hits` and give the rule of each, in the new order, in *rule_of. */
static int sort_hits(struct sh_ptrvec *hits, int **rule_of)
{
    struct sh_strmap ranks = {0};
    struct sh_ptrvec names = {0};
    struct hkey *a = NULL, *b = NULL, *t;
    size_t *run = NULL, nrun, n = hits->n, i, w;
    const char *last = NULL;
    uint32_t last_rank = 0;
    int rc = SH_OK;

    if (n > SIZE_MAX / sizeof(*a)) /* cannot be: the hits are in memory */
        return SH_ELIMIT;
    a = sh_malloc((n ? n : 1) * sizeof(*a));
    b = sh_malloc((n ? n : 1) * sizeof(*b));
    run = sh_malloc((n ? n : 1) * sizeof(*run));
    *rule_of = sh_malloc((n ? n : 1) * sizeof(int));
    if (!a || !b || !run || !*rule_of) {
        rc = SH_ENOMEM;
        goto out;
    }
    /* rank the distinct file names by strcmp */
    for (i = 0; i < n && !rc; i++) {
        const char *p = ((struct sg_ev *)hits->v[i])->path;
        if (p == last || sh_strmap_has(&ranks, p))
            continue;
        last = p;
        if ((rc = sh_strmap_put(&ranks, p, NULL, NULL)) == SH_OK)
            rc = sh_ptrvec_push(&names, (void *)(uintptr_t)p);
    }
    if (rc)
        goto out;
    if (names.n > 1)
        qsort(names.v, names.n, sizeof(void *), cmp_str);
    for (i = 0; i < names.n && !rc; i++)
        rc = sh_strmap_put(&ranks, names.v[i], (void *)(uintptr_t)(i + 1), NULL);
    if (rc)
        goto out;
    last = NULL;
    for (i = 0; i < n; i++) {
        struct sg_ev *x = hits->v[i];
        if (i + 16 < n)
            __builtin_prefetch(hits->v[i + 16]);
        if (x->path != last) {
            last = x->path;
            last_rank = (uint32_t)(uintptr_t)sh_strmap_get(&ranks, x->path);
        }
        a[i].ts = x->ts_ms;
        a[i].line = x->line;
        a[i].path = last_rank;
        a[i].rule = x->rule;
        a[i].x = x;
    }
    /* Natural merge sort: hits arrive in file order, which is mostly time
     * order, so the input is a few long ascending runs; adjacent runs are
     * merged pairwise until one is left. */
    nrun = 0;
    for (i = 0; i < n; i = w) {
        for (w = i + 1; w < n && !hkey_lt(&a[w], &a[w - 1]); w++)
            ;
        run[nrun++] = w; /* run ends; run k spans [run[k-1], run[k]) */
    }
    while (nrun > 1) {
        size_t k, out = 0, start = 0;
        for (k = 0; k < nrun; k += 2) {
            size_t l = start, m = run[k], r = k + 1 < nrun ? run[k + 1] : run[k];
            size_t p = l, q = m, o = l;
            while (p < m && q < r)
                b[o++] = hkey_lt(&a[q], &a[p]) ? a[q++] : a[p++];
            while (p < m)
                b[o++] = a[p++];
            while (q < r)
                b[o++] = a[q++];
            run[out++] = r;
            start = r;
        }
        nrun = out;
        t = a;
        a = b;
        b = t;
    }
    for (i = 0; i < n; i++) {
        hits->v[i] = a[i].x;
        (*rule_of)[i] = a[i].rule;
    }
out:
    sh_free(a);
    sh_free(b);
    sh_free(run);
    sh_strmap_free(&ranks, NULL);
    sh_ptrvec_free(&names);
    return rc;
}

/* Whether correlation rule `r` could fire given how many matches each rule
 * has (`count`): a temporal correlation needs every rule it names (with a
 * `condition`, at least one), a count or an absence at least one of them;
 * silences do not read matches. */
static bool can_fire(const struct sg_rule *r, const size_t *count)
{
    const struct sg_corr *k = r->corr;
    size_t i, with = 0;

    if (k->type == SG_CORR_GAP)
        return true;
    for (i = 0; i < k->nrefs; i++)
        with += k->ridx[i] >= 0 && count[k->ridx[i]] > 0;
    if (k->type == SG_CORR_TEMPORAL_ORDERED || (k->type == SG_CORR_TEMPORAL && !k->has_cond))
        return with == k->nrefs;
    return with > 0; /* temporal with a condition: some of them */
}

/* The rules whose matches some correlation that can fire reads (need[]):
 * a correlation can fire when can_fire() says so of the matches there
 * are, counting each correlation that can fire as having results. */
static int needed_rules(const struct sh_sigma_set *set, const size_t *count, uint8_t *need)
{
    size_t *may = sh_malloc((set->rules.n ? set->rules.n : 1) * sizeof(*may));
    size_t c, i;

    if (!may)
        return SH_ENOMEM;
    memcpy(may, count, set->rules.n * sizeof(*may));
    for (c = 0; c < set->ncorr; c++) {
        const struct sg_rule *r = set->rules.v[set->corr_order[c]];
        const struct sg_corr *kc = r->corr;
        if (!can_fire(r, may))
            continue;
        may[r->index] = SIZE_MAX / 2;
        for (i = 0; i < kc->nrefs; i++)
            if (kc->ridx[i] >= 0 && (size_t)kc->ridx[i] < set->rules.n)
                need[kc->ridx[i]] = 1;
        if (kc->type == SG_CORR_ABSENCE && kc->absent_idx >= 0 &&
            (size_t)kc->absent_idx < set->rules.n)
            need[kc->absent_idx] = 1;
    }
    sh_free(may);
    return SH_OK;
}

/* Drop the matches of rules not in need[], before sorting. */
static void keep_needed(const struct sh_sigma_set *set, struct sg_hits *h, const uint8_t *need)
{
    size_t i, k = 0;

    for (i = 0; i < h->hits.n; i++) {
        int rule = ((const struct sg_ev *)h->hits.v[i])->rule;
        if (rule < 0 || (size_t)rule >= set->rules.n || !need[rule])
            continue;
        h->hits.v[k++] = h->hits.v[i];
    }
    h->hits.n = k;
}

int sh_sigma__corr_run(const struct sh_sigma_set *set, struct sg_hits *h, bool all,
                       sh_sigma_corr_cb cb, void *ud)
{
    int *rule_of = NULL;
    size_t *count = NULL;
    uint8_t *need = NULL;
    size_t c;
    int rc = SH_OK;

    count = sh_calloc(set->rules.n ? set->rules.n : 1, sizeof(*count));
    need = sh_calloc(set->rules.n ? set->rules.n : 1, 1);
    if (!count || !need) {
        rc = SH_ENOMEM;
        goto out;
    }
    /* the kept absent-rule matches count as the hits they become; only
     * those some correlation that can fire reads are made */
    absent_count(h, set->rules.n, count);
    for (c = 0; c < h->hits.n; c++) {
        int rule = ((const struct sg_ev *)h->hits.v[c])->rule;
        if (rule >= 0 && (size_t)rule < set->rules.n)
            count[rule]++;
    }
    if ((rc = needed_rules(set, count, need)) != 0 ||
        (rc = absent_hits(h, set->rules.n, need)) != 0 ||
        (rc = join_segments(h, sh_sigma__min_gap_ms(set))) != 0)
        goto out;
    keep_needed(set, h, need);
    rc = sort_hits(&h->hits, &rule_of);
    for (c = 0; c < set->ncorr && !rc; c++) {
        struct run u;
        if (!can_fire(set->rules.v[set->corr_order[c]], count))
            continue;
        memset(&u, 0, sizeof(u));
        u.set = set;
        u.h = h;
        u.rule_of = rule_of;
        u.r = set->rules.v[set->corr_order[c]];
        u.k = u.r->corr;
        u.cb = cb;
        u.ud = ud;
        u.all = all;
        rc = run_one(&u);
        /* results become input for correlations that read this one */
        if (!rc && u.out.n && read_later(set, c, u.r->index)) {
            count[u.r->index] += u.out.n;
            rc = merge_sorted(&h->hits, &u.out, &rule_of);
        }
        sh_ptrvec_free(&u.out);
    }
out:
    sh_free(rule_of);
    sh_free(count);
    sh_free(need);
    return rc;
}

/* ---- device timelines ---- */

struct tl_dev {
    int64_t first_ts, last_ts;
    uint64_t first_line, last_line;
};

struct tl_gap {
    char *host, *raw;
    uint64_t line;
    int64_t from_ts, to_ts;
};

#define TL_MAX_GAPS 10000
#define TL_MAX_DEVICES 65536

/* A range's view of one device (chunk timelines). */
struct tl_cdev {
    int64_t max_ts;
    uint64_t max_line;
    char host[]; /* NUL-terminated */
};

/* Chunk timelines keep, in line order, each device's first event in the
 * range and every event that is a silence measured from the range alone
 * (`lc`: the latest time before it in the range). Measured from the whole
 * file the latest time before it can only be later, so the file's
 * silences are among these; merge() decides which with the time the
 * device had reached before the range. */
struct tl_ent {
    const char *host; /* the tl_cdev's */
    char *raw;
    uint64_t line;
    int64_t ts, lc;
    bool first;
};

struct sg_timeline {
    struct sh_strmap devs; /* host -> struct tl_dev * (chunk: struct tl_cdev *) */
    struct sh_ptrvec gaps; /* struct tl_gap *, owned */
    int64_t min_gap;
    bool chunk;
    bool overflow;         /* chunk: a bound was hit; merge() refuses */
    struct sh_ptrvec ents; /* chunk: struct tl_ent *, owned */
    size_t ncand;
};

static void tl_gap_free(void *p)
{
    struct tl_gap *g = p;

    if (!g)
        return;
    sh_free(g->host);
    sh_free(g->raw);
    sh_free(g);
}

int sh_sigma__timeline_new(struct sg_timeline **out, int64_t min_gap_ms)
{
    struct sg_timeline *t = sh_calloc(1, sizeof(*t));

    *out = t;
    if (!t)
        return SH_ENOMEM;
    t->min_gap = min_gap_ms;
    return SH_OK;
}

int sh_sigma__timeline_chunk_new(struct sg_timeline **out, int64_t min_gap_ms)
{
    int rc = sh_sigma__timeline_new(out, min_gap_ms);

    if (!rc)
        (*out)->chunk = true;
    return rc;
}

static void chunk_reset(struct sg_timeline *t)
{
    while (t->ents.n) {
        struct tl_ent *e = t->ents.v[--t->ents.n];
        sh_free(e->raw);
        sh_free(e);
    }
    t->ncand = 0;
    t->overflow = false;
    sh_strmap_free(&t->devs, sh_free);
    memset(&t->devs, 0, sizeof(t->devs));
}

void sh_sigma__timeline_free(struct sg_timeline *t)
{
    if (!t)
        return;
    chunk_reset(t);
    sh_ptrvec_free(&t->ents);
    sh_strmap_free(&t->devs, sh_free);
    while (t->gaps.n)
        tl_gap_free(t->gaps.v[--t->gaps.n]);
    sh_ptrvec_free(&t->gaps);
    sh_free(t);
}

static int chunk_push(struct sg_timeline *t, const struct tl_cdev *d, const struct sh_log_event *ev,
                      int64_t lc, bool first)
{
    struct tl_ent *e = sh_calloc(1, sizeof(*e));

    if (!e)
        return SH_ENOMEM;
    e->host = d->host;
    e->raw = sh_strndup(ev->raw, ev->raw_len < MAX_RAW ? ev->raw_len : MAX_RAW);
    e->line = ev->line;
    e->ts = ev->ts_ms;
    e->lc = lc;
    e->first = first;
    if (!e->raw || sh_ptrvec_push(&t->ents, e)) {
        sh_free(e->raw);
        sh_free(e);
        return SH_ENOMEM;
    }
    return SH_OK;
}

/* A line of a device the chunk has seen before. */
static int chunk_seen(struct sg_timeline *t, struct tl_cdev *d, const struct sh_log_event *ev)
{
    if (ev->ts_ms - d->max_ts > t->min_gap) {
        int rc;
        if (t->ncand >= TL_MAX_GAPS) {
            t->overflow = true;
        } else {
            t->ncand++;
            if ((rc = chunk_push(t, d, ev, d->max_ts, false)))
                return rc;
        }
    }
    if (ev->ts_ms > d->max_ts) {
        d->max_ts = ev->ts_ms;
        d->max_line = ev->line;
    }
    return SH_OK;
}

static int chunk_event(struct sg_timeline *t, const char *host, size_t n,
                       const struct sh_log_event *ev, void **dev)
{
    struct tl_cdev *d = sh_strmap_get(&t->devs, host);

    if (!d) {
        if (t->devs.n >= TL_MAX_DEVICES) {
            t->overflow = true;
            return SH_OK;
        }
        d = sh_malloc(sizeof(*d) + n + 1);
        if (!d)
            return SH_ENOMEM;
        memcpy(d->host, host, n + 1);
        d->max_ts = ev->ts_ms;
        d->max_line = ev->line;
        if (sh_strmap_put(&t->devs, host, d, NULL)) {
            sh_free(d);
            return SH_ENOMEM;
        }
        if (dev)
            *dev = d;
        return chunk_push(t, d, ev, 0, true);
    }
    if (dev)
        *dev = d;
    return chunk_seen(t, d, ev);
}

static int add_gap(struct sg_timeline *t, const char *host, const char *raw, uint64_t line,
                   int64_t from, int64_t to)
{
    struct tl_gap *g = sh_calloc(1, sizeof(*g));

    if (!g)
        return SH_ENOMEM;
    g->host = sh_strdup(host);
    g->raw = sh_strdup(raw);
    g->line = line;
    g->from_ts = from;
    g->to_ts = to;
    if (!g->host || !g->raw || sh_ptrvec_push(&t->gaps, g)) {
        tl_gap_free(g);
        return SH_ENOMEM;
    }
    return SH_OK;
}

int sh_sigma__timeline_merge(struct sg_timeline *t, struct sg_timeline *c, uint64_t line_base)
{
    size_t i;
    int rc = SH_OK;

    if (c->overflow)
        return SH_ELIMIT;
    for (i = 0; i < c->ents.n && !rc; i++) {
        const struct tl_ent *e = c->ents.v[i];
        struct tl_dev *d = sh_strmap_get(&t->devs, e->host);
        int64_t from;

        if (!d && e->first) {
            /* a device new to the file starts its segment here */
            if (t->devs.n >= TL_MAX_DEVICES)
                continue;
            d = sh_calloc(1, sizeof(*d));
            if (!d || sh_strmap_put(&t->devs, e->host, d, NULL)) {
                sh_free(d);
                rc = SH_ENOMEM;
                break;
            }
            d->first_ts = d->last_ts = e->ts;
            d->first_line = d->last_line = e->line + line_base;
            continue;
        }
        if (!d)
            continue;
        /* d->last_ts is still the time reached before this range (the
         * range's own maxima are applied below), or the range's first
         * event when the range started the device */
        from = e->first ? d->last_ts : (d->last_ts > e->lc ? d->last_ts : e->lc);
        if (e->ts - from > t->min_gap && t->gaps.n < TL_MAX_GAPS)
            rc = add_gap(t, e->host, e->raw, e->line + line_base, from, e->ts);
    }
    for (i = 0; i < c->devs.cap && !rc; i++) {
        const struct tl_cdev *cd;
        struct tl_dev *d;
        if (!c->devs.ents || !c->devs.ents[i].key)
            continue;
        cd = c->devs.ents[i].val;
        d = sh_strmap_get(&t->devs, cd->host);
        if (d && cd->max_ts > d->last_ts) {
            d->last_ts = cd->max_ts;
            d->last_line = cd->max_line + line_base;
        }
    }
    chunk_reset(c);
    return rc;
}

int sh_sigma__timeline_event(struct sg_timeline *t, const struct sh_log_event *ev)
{
    return sh_sigma__timeline_event_at(t, ev, NULL);
}

int sh_sigma__timeline_event_at(struct sg_timeline *t, const struct sh_log_event *ev, void **dev)
{
    char host[MAX_VAL + 1];
    const char *v;
    size_t n = 0;
    struct tl_dev *d;
    bool named = false; /* host[] holds the host */

    if (!t->min_gap || !ev->ts_ms)
        return SH_OK;
    if (dev && *dev) {
        if (t->chunk)
            return chunk_seen(t, *dev, ev);
        d = *dev;
        goto seen;
    }
    v = sh_sigma__event_field(ev, "host", &n);
    if (!v || !n)
        return SH_OK;
    if (n > MAX_VAL)
        n = MAX_VAL;
    memcpy(host, v, n);
    host[n] = '\0';
    named = true;
    if (t->chunk)
        return chunk_event(t, host, n, ev, dev);
    d = sh_strmap_get(&t->devs, host);
    if (!d) {
        if (t->devs.n >= TL_MAX_DEVICES)
            return SH_OK;
        d = sh_calloc(1, sizeof(*d));
        if (!d || sh_strmap_put(&t->devs, host, d, NULL)) {
            sh_free(d);
            return SH_ENOMEM;
        }
        d->first_ts = d->last_ts = ev->ts_ms;
        d->first_line = d->last_line = ev->line;
        if (dev)
            *dev = d;
        return SH_OK;
    }
    if (dev)
        *dev = d;
seen:
    if (ev->ts_ms - d->last_ts > t->min_gap && t->gaps.n < TL_MAX_GAPS) {
        struct tl_gap *g = sh_calloc(1, sizeof(*g));
        if (!g)
            return SH_ENOMEM;
        if (!named) {
            /* the record came from the caller, who found it by this host */
            v = sh_sigma__event_field(ev, "host", &n);
            if (!v) {
                sh_free(g);
                return SH_EINVAL;
            }
            n = n > MAX_VAL ? MAX_VAL : n;
            memcpy(host, v, n);
            host[n] = '\0';
        }
        g->host = sh_strdup(host);
        g->raw = sh_strndup(ev->raw, ev->raw_len < MAX_RAW ? ev->raw_len : MAX_RAW);
        g->line = ev->line;
        g->from_ts = d->last_ts;
        g->to_ts = ev->ts_ms;
        if (!g->host || !g->raw || sh_ptrvec_push(&t->gaps, g)) {
            tl_gap_free(g);
            return SH_ENOMEM;
        }
    }
    if (ev->ts_ms > d->last_ts) {
        d->last_ts = ev->ts_ms;
        d->last_line = ev->line;
    }
    return SH_OK;
}

int sh_sigma__timeline_flush(struct sg_timeline *t, struct sg_hits *h, const char *path)
{
    size_t i;
    int rc = SH_OK;

    for (i = 0; i < t->devs.cap && !rc; i++) {
        struct tl_dev *d;
        if (!t->devs.ents || !t->devs.ents[i].key)
            continue;
        d = t->devs.ents[i].val;
        rc = sh_sigma__hits_segment(h, t->devs.ents[i].key, path, d->first_ts, d->first_line,
                                    d->last_ts, d->last_line);
    }
    for (i = 0; i < t->gaps.n; i++) {
        struct tl_gap *g = t->gaps.v[i];
        if (!rc)
            rc = sh_sigma__hits_gap(h, g->host, path, g->line, g->from_ts, g->to_ts, g->raw,
                                    strlen(g->raw));
        tl_gap_free(g);
    }
    t->gaps.n = 0;
    sh_strmap_free(&t->devs, sh_free);
    memset(&t->devs, 0, sizeof(t->devs));
    return rc;
}
