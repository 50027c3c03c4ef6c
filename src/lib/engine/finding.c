/*
 * finding.c - the finding record and finding lists (PRODUCT.md §5).
 *
 * A finding owns all its strings, each allocated on its own or all in the
 * finding's block (finding_block.h); a block taken from a slab may point
 * at equal text in an earlier block of its chunk, which lives as long as
 * any block of the chunk. Lists own their findings. Fingerprints
 * hash rule, device, path and evidence but not the line, so a finding keeps
 * its identity when lines above it move. Thread-compatible.
 */
#include "../base/sh_base.h"

#include "finding_block.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

/* in_block bit of a block that lives in a slab chunk (finding_block.h);
 * above the public SH_FINDING_IN_BLOCK_* bits. */
#define IN_SLAB (1u << 31)

static void chunk_release_of(sh_finding *f);

int sh_strlist_push(sh_strlist *l, const char *s)
{
    char *d;

    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        char **v = sh_realloc(l->v, cap * sizeof(*v));
        if (!v)
            return SH_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    d = sh_strdup(s);
    if (!d)
        return SH_ENOMEM;
    l->v[l->n++] = d;
    return SH_OK;
}

void sh_strlist_clear(sh_strlist *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        sh_free(l->v[i]);
    SH_FREE(l->v);
    l->n = l->cap = 0;
}

sh_finding *sh_finding_new(void)
{
    return sh_calloc(1, sizeof(sh_finding));
}

void sh_finding_free(sh_finding *f)
{
    uint32_t b;

    if (!f)
        return;
    b = f->in_block;
    if (!(b & SH_FINDING_IN_BLOCK_RULE))
        sh_free(f->rule);
    if (!(b & SH_FINDING_IN_BLOCK_TITLE))
        sh_free(f->title);
    if (!(b & SH_FINDING_IN_BLOCK_ATTACK))
        sh_strlist_clear(&f->attack);
    if (!(b & SH_FINDING_IN_BLOCK_DEVICE))
        sh_free(f->device);
    if (!(b & SH_FINDING_IN_BLOCK_PLATFORM))
        sh_free(f->platform);
    if (!(b & SH_FINDING_IN_BLOCK_PATH))
        sh_free(f->path);
    if (!(b & SH_FINDING_IN_BLOCK_EVIDENCE))
        sh_free(f->evidence);
    if (!(b & SH_FINDING_IN_BLOCK_MESSAGE))
        sh_free(f->message);
    if (!(b & SH_FINDING_IN_BLOCK_REMEDIATION))
        sh_free(f->remediation);
    if (!(b & SH_FINDING_IN_BLOCK_REFERENCES))
        sh_strlist_clear(&f->references);
    sh_free(f->time);
    sh_free(f->cve);
    sh_free(f->state);
    sh_free(f->first_seen);
    if (b & IN_SLAB)
        chunk_release_of(f);
    else
        sh_free(f);
}

/* Where the next string of a block goes; advances *at. */
static char *put(char **at, const char *s, size_t n)
{
    char *d = *at;

    memcpy(d, s, n);
    d[n] = '\0';
    *at = d + n + 1;
    return d;
}

static size_t text_len(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

/* Bytes of the block for `in`: the record, its list arrays, its text. */
static bool block_size(const struct sh_finding_fields *in, size_t lens[8], size_t *total_out)
{
    const char *const str_in[8] = {in->rule, in->title,    in->device,  in->platform,
                                   in->path, in->evidence, in->message, in->remediation};
    size_t total = sizeof(sh_finding), i;
    size_t lists = in->n_attack + in->n_references;

    /* Pointer arrays right after the struct (aligned), then the text. */
    if (lists > SIZE_MAX / 8 / sizeof(char *))
        return false;
    total += lists * sizeof(char *);
    for (i = 0; i < 8; i++) {
        lens[i] = text_len(str_in[i]);
        if (!sh_size_add(&total, total, lens[i]))
            return false;
    }
    for (i = 0; i < in->n_attack; i++)
        if (!sh_size_add(&total, total, strlen(in->attack[i]) + 1))
            return false;
    for (i = 0; i < in->n_references; i++)
        if (!sh_size_add(&total, total, strlen(in->references[i]) + 1))
            return false;
    *total_out = total;
    return true;
}

/* Fill the block at `f` (block_size bytes) from `in`. */
static sh_finding *fill_block(sh_finding *f, const struct sh_finding_fields *in,
                              const size_t lens[8])
{
    const char *const str_in[8] = {in->rule, in->title,    in->device,  in->platform,
                                   in->path, in->evidence, in->message, in->remediation};
    size_t lists = in->n_attack + in->n_references, i;
    char *at, **list;
    char *out[8];

    memset(f, 0, sizeof(*f));
    list = (char **)(f + 1);
    at = (char *)(list + lists);
    for (i = 0; i < 8; i++)
        out[i] = str_in[i] ? put(&at, str_in[i], lens[i] - 1) : NULL;
    f->rule = out[0];
    f->title = out[1];
    f->device = out[2];
    f->platform = out[3];
    f->path = out[4];
    f->evidence = out[5];
    f->message = out[6];
    f->remediation = out[7];
    if (in->n_attack) {
        f->attack.v = list;
        f->attack.n = f->attack.cap = in->n_attack;
        for (i = 0; i < in->n_attack; i++)
            list[i] = put(&at, in->attack[i], strlen(in->attack[i]));
        list += in->n_attack;
    }
    if (in->n_references) {
        f->references.v = list;
        f->references.n = f->references.cap = in->n_references;
        for (i = 0; i < in->n_references; i++)
            list[i] = put(&at, in->references[i], strlen(in->references[i]));
    }
    /* Only what is in the block is marked: an absent string or an empty
     * list stays the finding's own to fill later, as on any finding. */
    for (i = 0; i < 8; i++)
        if (out[i])
            f->in_block |= SH_FINDING_IN_BLOCK_RULE << i;
    if (in->n_attack)
        f->in_block |= SH_FINDING_IN_BLOCK_ATTACK;
    if (in->n_references)
        f->in_block |= SH_FINDING_IN_BLOCK_REFERENCES;
    return f;
}

sh_finding *sh_finding__new_block(const struct sh_finding_fields *in)
{
    return sh_finding__new_block_in(NULL, in);
}

/* ---- slabs ---- */

#define SLAB_HDR 16 /* before each block: its chunk; keeps malloc's 16-byte alignment */
#define CHUNK_FIRST ((size_t)64 << 10)
#define CHUNK_MAX SH_HUGE_ALIGN /* one transparent huge page */
#define SLAB_BLOCK_MAX (CHUNK_FIRST / 4)

struct chunk {
    atomic_size_t refs; /* the slab's hold while it carves here + one per block */
    char *next, *end;   /* free space; only the slab's thread touches these */
};

/* Text a block shares with earlier blocks of the same chunk instead of
 * copying it: a file's device, platform and path (equal to the last
 * block's), and a rule's id, title, remediation and lists (found in a
 * small table by content). The copies share the chunk, and so its
 * lifetime, with every block that points at them; all is forgotten when
 * the slab moves to a new chunk. Messages and evidence, different for
 * almost every finding, are always copied. */
#define SHARE_SLOTS 2048 /* power of two */
#define SHARE_FILL 1536  /* entries at most, so probes stay short */

struct share_slot {
    uint64_t h;       /* 0: empty */
    const void *copy; /* const char * for a string, char ** for a list */
    size_t n;         /* list length; 0 for a string */
};

struct sh_finding_slab {
    struct chunk *cur;
    size_t next_size;     /* of the next chunk */
    const char *last[8];  /* by field, as in struct sh_finding_fields */
    struct share_slot *t; /* SHARE_SLOTS entries, or NULL (no table) */
    size_t t_used;
};

static void chunk_release(struct chunk *c)
{
    if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) == 1)
        sh_free(c);
}

static void chunk_release_of(sh_finding *f)
{
    struct chunk *c;

    memcpy(&c, (char *)f - SLAB_HDR, sizeof(c));
    chunk_release(c);
}

#ifndef SH_DEBUG_ARENA
/* A chunk of `size` bytes (a multiple of 64 KiB); a huge-page-sized one
 * is one transparent huge page (sh_malloc_huge). */
static struct chunk *chunk_new(size_t size)
{
    char *p = size == CHUNK_MAX ? sh_malloc_huge(size) : sh_malloc(size);
    struct chunk *c;

    if (!p)
        return NULL;
    c = (struct chunk *)(void *)p;
    atomic_init(&c->refs, 1);
    c->next = p + ((sizeof(*c) + 15) & ~(size_t)15);
    c->end = p + size;
    return c;
}
#endif

struct sh_finding_slab *sh_finding__slab_new(void)
{
    struct sh_finding_slab *s = sh_calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    s->next_size = CHUNK_FIRST;
    s->t = sh_calloc(SHARE_SLOTS, sizeof(*s->t)); /* NULL: nothing shared by table */
    return s;
}

void sh_finding__slab_free(struct sh_finding_slab *s)
{
    if (!s)
        return;
    if (s->cur)
        chunk_release(s->cur);
    sh_free(s->t);
    sh_free(s);
}

#ifndef SH_DEBUG_ARENA
/* Move the slab to a fresh chunk; false when none can be mapped. */
static bool slab_next_chunk(struct sh_finding_slab *s)
{
    struct chunk *c = chunk_new(s->next_size);

    if (!c)
        return false;
    if (s->next_size < CHUNK_MAX)
        s->next_size *= 2;
    if (s->cur)
        chunk_release(s->cur);
    s->cur = c;
    memset(s->last, 0, sizeof(s->last));
    if (s->t && s->t_used)
        memset(s->t, 0, SHARE_SLOTS * sizeof(*s->t));
    s->t_used = 0;
    return true;
}

/* Table key of a string (kind 0..7: its field) or a list (kind 8, 9). The
 * rule's own text arrives by the same pointers for every finding of the
 * rule, so the address (and length) is the key; the content is always
 * compared before a copy is shared, so an address reused for other text
 * only misses. The remediation, expanded into one reused buffer, is
 * keyed by its content. */
static uint64_t share_key(unsigned kind, const char *const *v, size_t n)
{
    uint64_t h;

    if (kind == 7)
        h = sh_hash64(v[0], strlen(v[0]));
    else
        h = (uint64_t)(uintptr_t)(kind >= 8 ? (const void *)v : (const void *)v[0]);
    h = (h ^ (kind + 1) ^ (n << 56)) * 0x9e3779b97f4a7c15ULL;
    return h ? h : 1;
}

static bool share_same(const struct share_slot *e, const char *const *v, size_t n, bool list)
{
    size_t i;

    if (!list)
        return strcmp(e->copy, v[0]) == 0;
    if (e->n != n)
        return false;
    for (i = 0; i < n; i++)
        if (strcmp(((char *const *)e->copy)[i], v[i]) != 0)
            return false;
    return true;
}

/* The slot for this key: *hit says whether it holds an equal copy;
 * otherwise it is where a copy goes, empty or holding other text under
 * the same key (replaced: the newest text of an address wins). NULL when
 * the table is full or absent. */
static struct share_slot *share_find(struct sh_finding_slab *s, uint64_t h, const char *const *v,
                                     size_t n, bool list, bool *hit)
{
    size_t i = (size_t)(h ^ (h >> 29)) & (SHARE_SLOTS - 1);

    *hit = false;
    if (!s->t)
        return NULL;
    for (;;) {
        struct share_slot *e = &s->t[i];
        if (!e->h)
            return s->t_used < SHARE_FILL ? e : NULL;
        if (e->h == h) {
            *hit = share_same(e, v, n, list);
            return e;
        }
        i = (i + 1) & (SHARE_SLOTS - 1);
    }
}

/* Fields shared through the table, and through the last block. */
#define BY_TABLE ((1u << 0) | (1u << 1) | (1u << 7))
#define BY_LAST ((1u << 2) | (1u << 3) | (1u << 4))

/* A block for `in` from the slab, sharing what it can with the blocks
 * before it in the same chunk; NULL when it does not fit a chunk (the
 * caller allocates it on its own). */
static sh_finding *slab_block(struct sh_finding_slab *s, const struct sh_finding_fields *in)
{
    const char *const str_in[8] = {in->rule, in->title,    in->device,  in->platform,
                                   in->path, in->evidence, in->message, in->remediation};
    const char *const *list_in[2] = {in->attack, in->references};
    const size_t list_n[2] = {in->n_attack, in->n_references};
    const void *shared[10];      /* the copy to point at, or NULL: copy it here */
    struct share_slot *slot[10]; /* where a new copy is remembered, or NULL */
    uint64_t key[10];
    size_t lens[8], need = 0, total, i, k;
    int pass;
    bool hit;
    char *p, *at, **arr;
    sh_finding *f;

    for (i = 0; i < 8; i++)
        lens[i] = str_in[i] ? strlen(str_in[i]) : 0;
    for (k = 0; k < 10; k++)
        key[k] = 0;
    for (pass = 0; pass < 2; pass++) {
        /* Pass 0 shares with the current chunk; pass 1 has a fresh one. */
        total = sizeof(sh_finding);
        for (i = 0; i < 10; i++) {
            shared[i] = NULL;
            slot[i] = NULL;
        }
        for (i = 0; i < 8; i++) {
            if (!str_in[i])
                continue;
            if (pass == 0 && ((1u << i) & BY_LAST) && s->last[i] &&
                strcmp(s->last[i], str_in[i]) == 0) {
                shared[i] = s->last[i];
            } else if ((1u << i) & BY_TABLE) {
                if (!key[i])
                    key[i] = share_key((unsigned)i, &str_in[i], 1);
                slot[i] = share_find(s, key[i], &str_in[i], 1, false, &hit);
                if (hit) {
                    shared[i] = slot[i]->copy;
                    slot[i] = NULL;
                }
            }
            if (!shared[i])
                total += lens[i] + 1;
        }
        for (k = 0; k < 2; k++) {
            if (!list_n[k])
                continue;
            if (list_n[k] > SLAB_BLOCK_MAX)
                return NULL;
            if (!key[8 + k])
                key[8 + k] = share_key((unsigned)(8 + k), list_in[k], list_n[k]);
            slot[8 + k] = share_find(s, key[8 + k], list_in[k], list_n[k], true, &hit);
            if (hit) {
                shared[8 + k] = slot[8 + k]->copy;
                slot[8 + k] = NULL;
                continue;
            }
            total += list_n[k] * sizeof(char *);
            for (i = 0; i < list_n[k]; i++) {
                total += strlen(list_in[k][i]) + 1;
                if (total > SLAB_BLOCK_MAX)
                    return NULL;
            }
        }
        if (total > SLAB_BLOCK_MAX - SLAB_HDR)
            return NULL;
        need = SLAB_HDR + ((total + 15) & ~(size_t)15);
        if (s->cur && (size_t)(s->cur->end - s->cur->next) >= need)
            break;
        if (pass == 1 || !slab_next_chunk(s))
            return NULL;
    }
    p = s->cur->next;
    s->cur->next += need;
    atomic_fetch_add_explicit(&s->cur->refs, 1, memory_order_relaxed);
    memcpy(p, &s->cur, sizeof(s->cur));
    f = (sh_finding *)(void *)(p + SLAB_HDR);
    memset(f, 0, sizeof(*f));
    /* List arrays right after the record (aligned), then the text. */
    arr = (char **)(f + 1);
    for (k = 0; k < 2; k++)
        if (list_n[k] && !shared[8 + k])
            arr += list_n[k];
    at = (char *)arr;
    arr = (char **)(f + 1);
    for (k = 0; k < 2; k++) {
        sh_strlist *l = k == 0 ? &f->attack : &f->references;
        if (!list_n[k])
            continue;
        if (shared[8 + k]) {
            l->v = (char **)(uintptr_t)shared[8 + k];
        } else {
            l->v = arr;
            for (i = 0; i < list_n[k]; i++)
                arr[i] = put(&at, list_in[k][i], strlen(list_in[k][i]));
            arr += list_n[k];
            if (slot[8 + k]) {
                s->t_used += !slot[8 + k]->h;
                slot[8 + k]->h = key[8 + k];
                slot[8 + k]->copy = l->v;
                slot[8 + k]->n = list_n[k];
            }
        }
        l->n = l->cap = list_n[k];
        f->in_block |= k == 0 ? SH_FINDING_IN_BLOCK_ATTACK : SH_FINDING_IN_BLOCK_REFERENCES;
    }
    for (i = 0; i < 8; i++) {
        char *v;
        if (!str_in[i])
            continue;
        if (shared[i]) {
            v = (char *)(uintptr_t)shared[i];
        } else {
            v = put(&at, str_in[i], lens[i]);
            if (slot[i]) {
                s->t_used += !slot[i]->h;
                slot[i]->h = key[i];
                slot[i]->copy = v;
                slot[i]->n = 0;
            }
        }
        if ((1u << i) & BY_LAST)
            s->last[i] = v;
        switch (i) {
        case 0: f->rule = v; break;
        case 1: f->title = v; break;
        case 2: f->device = v; break;
        case 3: f->platform = v; break;
        case 4: f->path = v; break;
        case 5: f->evidence = v; break;
        case 6: f->message = v; break;
        default: f->remediation = v; break;
        }
        f->in_block |= SH_FINDING_IN_BLOCK_RULE << i;
    }
    f->in_block |= IN_SLAB;
    return f;
}
#endif

sh_finding *sh_finding__new_block_in(struct sh_finding_slab *s, const struct sh_finding_fields *in)
{
    size_t lens[8], total;
    sh_finding *f;

#ifndef SH_DEBUG_ARENA
    if (s && (f = slab_block(s, in)) != NULL)
        return f;
#else
    SH_UNUSED(s);
#endif
    if (!block_size(in, lens, &total))
        return NULL;
    f = sh_malloc(total);
    if (!f)
        return NULL;
    return fill_block(f, in, lens);
}

static int dup_str(char **dst, const char *src)
{
    if (!src)
        return SH_OK;
    *dst = sh_strdup(src);
    return *dst ? SH_OK : SH_ENOMEM;
}

static int dup_list(sh_strlist *dst, const sh_strlist *src)
{
    size_t i;
    int rc;

    for (i = 0; i < src->n; i++) {
        rc = sh_strlist_push(dst, src->v[i]);
        if (rc)
            return rc;
    }
    return SH_OK;
}

sh_finding *sh_finding_dup(const sh_finding *f)
{
    sh_finding *d = sh_finding_new();
    int rc = 0;

    if (!d)
        return NULL;
    d->kind = f->kind;
    d->severity = f->severity;
    d->line = f->line;
    d->end_line = f->end_line;
    d->status = f->status;
    memcpy(d->fingerprint, f->fingerprint, sizeof(d->fingerprint));
    rc |= dup_str(&d->rule, f->rule);
    rc |= dup_str(&d->title, f->title);
    rc |= dup_list(&d->attack, &f->attack);
    rc |= dup_str(&d->device, f->device);
    rc |= dup_str(&d->platform, f->platform);
    rc |= dup_str(&d->path, f->path);
    rc |= dup_str(&d->evidence, f->evidence);
    rc |= dup_str(&d->message, f->message);
    rc |= dup_str(&d->remediation, f->remediation);
    rc |= dup_list(&d->references, &f->references);
    rc |= dup_str(&d->time, f->time);
    rc |= dup_str(&d->cve, f->cve);
    rc |= dup_str(&d->state, f->state);
    rc |= dup_str(&d->first_seen, f->first_seen);
    if (rc) {
        sh_finding_free(d);
        return NULL;
    }
    return d;
}

static uint64_t mix_field(uint64_t h, const char *s)
{
    uint64_t x = s ? sh_hash64(s, strlen(s)) : 0x9e3779b97f4a7c15ULL;
    return (h ^ x) * 0x100000001b3ULL + (h >> 17);
}

static uint64_t fingerprint_hash(const sh_finding *f)
{
    uint64_t h = 0x84222325cbf29ce4ULL;

    h = mix_field(h, f->rule);
    h = mix_field(h, f->device);
    h = mix_field(h, f->path);
    h = mix_field(h, f->evidence);
    h = mix_field(h, f->cve);
    /* Log events repeat the same evidence text at different times. */
    h = mix_field(h, f->time);
    return h;
}

/* "%016llx" without the printf machinery: every finding gets one. */
static void hex16(char out[17], uint64_t h)
{
    static const char digits[] = "0123456789abcdef";
    int i;

    for (i = 15; i >= 0; i--) {
        out[i] = digits[h & 15];
        h >>= 4;
    }
    out[16] = '\0';
}

void sh_finding_fingerprint(sh_finding *f)
{
    hex16(f->fingerprint, fingerprint_hash(f));
}

void sh_finding_fingerprint_nth(sh_finding *f, unsigned nth)
{
    char n[16];
    uint64_t h;

    snprintf(n, sizeof(n), "#%u", nth);
    h = mix_field(fingerprint_hash(f), n);
    hex16(f->fingerprint, h);
}

int sh_findings_take(sh_findings *l, sh_finding *f)
{
    if (!f)
        return SH_ENOMEM;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        sh_finding **v = sh_realloc(l->v, cap * sizeof(*v));
        if (!v) {
            sh_finding_free(f);
            return SH_ENOMEM;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = f;
    return SH_OK;
}

int sh_findings_splice(sh_findings *dst, sh_findings *src)
{
    size_t i;

    for (i = 0; i < src->n; i++) {
        int rc = sh_findings_take(dst, src->v[i]);
        src->v[i] = NULL;
        if (rc) {
            for (i = i + 1; i < src->n; i++)
                sh_finding_free(src->v[i]);
            SH_FREE(src->v);
            src->n = src->cap = 0;
            return rc;
        }
    }
    SH_FREE(src->v);
    src->n = src->cap = 0;
    return SH_OK;
}

static int cmp_str(const char *a, const char *b)
{
    if (a == b) /* slab blocks of one file share their device and path */
        return 0;
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

static int cmp_loc(const sh_finding *a, const sh_finding *b)
{
    int c;

    if ((c = cmp_str(a->device, b->device)))
        return c;
    if ((c = cmp_str(a->path, b->path)))
        return c;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if ((c = cmp_str(a->time, b->time)))
        return c;
    if ((c = cmp_str(a->rule, b->rule)))
        return c;
    if ((c = cmp_str(a->cve, b->cve)))
        return c;
    return cmp_str(a->evidence, b->evidence);
}

static int cmp_default(const void *pa, const void *pb)
{
    return cmp_loc(*(const sh_finding *const *)pa, *(const sh_finding *const *)pb);
}

static int cmp_severity(const void *pa, const void *pb)
{
    const sh_finding *a = *(const sh_finding *const *)pa;
    const sh_finding *b = *(const sh_finding *const *)pb;
    int c = cmp_str(a->device, b->device);

    if (c)
        return c;
    if (a->severity != b->severity)
        return a->severity > b->severity ? -1 : 1;
    return cmp_loc(a, b);
}

/* Sorting a scan's findings compares device and path first, long strings
 * that a file's findings share. They are ranked once per run of findings
 * from one file (analyzers hand over a file's findings together), and the
 * findings then sorted by rank and the remaining keys: the same order as
 * cmp_default. The original position breaks full ties, so the order is
 * stable whatever qsort's algorithm. */
struct ranked {
    sh_finding *f;
    size_t rank; /* first the run's index, then the (device, path) rank */
    size_t pos;
};

static int cmp_run(const void *pa, const void *pb)
{
    const struct ranked *a = pa, *b = pb;
    int c = cmp_str(a->f->device, b->f->device);

    if (!c)
        c = cmp_str(a->f->path, b->f->path);
    if (!c && a->pos != b->pos)
        c = a->pos < b->pos ? -1 : 1;
    return c;
}

static int cmp_ranked(const void *pa, const void *pb)
{
    const struct ranked *a = pa, *b = pb;
    const sh_finding *x = a->f, *y = b->f;
    int c;

    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if ((c = cmp_str(x->time, y->time)) || (c = cmp_str(x->rule, y->rule)) ||
        (c = cmp_str(x->cve, y->cve)) || (c = cmp_str(x->evidence, y->evidence)))
        return c;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

void sh_findings_sort(sh_findings *l)
{
    struct ranked *items, *runs;
    size_t n = l->n, n_runs = 0, i, rank = 0;

    if (n <= 1)
        return;
    items = sh_malloc(n * sizeof(*items));
    runs = sh_malloc(n * sizeof(*runs));
    if (!items || !runs) {
        /* The same order, only slower. */
        sh_free(items);
        sh_free(runs);
        qsort(l->v, n, sizeof(*l->v), cmp_default);
        return;
    }
    for (i = 0; i < n; i++) {
        sh_finding *f = l->v[i];
        if (!i || cmp_str(f->device, l->v[i - 1]->device) || cmp_str(f->path, l->v[i - 1]->path)) {
            runs[n_runs].f = f;
            runs[n_runs].pos = n_runs;
            n_runs++;
        }
        items[i].f = f;
        items[i].rank = n_runs - 1;
        items[i].pos = i;
    }
    qsort(runs, n_runs, sizeof(*runs), cmp_run);
    /* runs[k].pos is now the run index at sorted place k; equal keys share a rank. */
    {
        size_t *rank_of = sh_malloc(n_runs * sizeof(*rank_of));
        if (!rank_of) {
            sh_free(items);
            sh_free(runs);
            qsort(l->v, n, sizeof(*l->v), cmp_default);
            return;
        }
        for (i = 0; i < n_runs; i++) {
            if (i && (cmp_str(runs[i].f->device, runs[i - 1].f->device) ||
                      cmp_str(runs[i].f->path, runs[i - 1].f->path)))
                rank++;
            rank_of[runs[i].pos] = rank;
        }
        for (i = 0; i < n; i++)
            items[i].rank = rank_of[items[i].rank];
        sh_free(rank_of);
    }
    /* Counting sort by rank (stable), then each rank's few findings by
     * the remaining keys: one file's findings, mostly a handful. */
    {
        size_t *start = sh_calloc(rank + 2, sizeof(*start)), r, k;
        struct ranked *by = runs; /* n entries, free again */
        if (!start) {
            qsort(items, n, sizeof(*items), cmp_ranked);
            by = items;
        } else {
            for (i = 0; i < n; i++)
                start[items[i].rank + 1]++;
            for (r = 1; r <= rank + 1; r++)
                start[r] += start[r - 1];
            for (i = 0; i < n; i++)
                by[start[items[i].rank]++] = items[i];
            /* start[r] is now the end of rank r's slice. */
            for (r = 0, k = 0; r <= rank; k = start[r], r++) {
                size_t len = start[r] - k, a, b;
                if (len > 16) {
                    qsort(by + k, len, sizeof(*by), cmp_ranked);
                    continue;
                }
                for (a = k + 1; a < start[r]; a++) {
                    struct ranked t = by[a];
                    for (b = a; b > k && cmp_ranked(&by[b - 1], &t) > 0; b--)
                        by[b] = by[b - 1];
                    by[b] = t;
                }
            }
            sh_free(start);
        }
        for (i = 0; i < n; i++)
            l->v[i] = by[i].f;
    }
    sh_free(items);
    sh_free(runs);
}

void sh_findings_sort_by_severity(sh_findings *l)
{
    if (l->n > 1)
        qsort(l->v, l->n, sizeof(*l->v), cmp_severity);
}

void sh_findings_clear(sh_findings *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        sh_finding_free(l->v[i]);
    SH_FREE(l->v);
    l->n = l->cap = 0;
}
