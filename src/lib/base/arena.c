/*
 * arena.c - bump allocator for objects that share one lifetime (a parsed
 * config document, a compiled rule pack). sh_arena_reset empties an arena
 * for reuse and keeps its blocks (up to a bound) on a spare list, taken
 * before any new block is allocated. Under SH_DEBUG_ARENA every
 * allocation is its own sh_malloc so ASan and valgrind see each object,
 * and a reset frees them all. Single owner, not thread-safe.
 */
#include "sh_base.h"

#define BLOCK_MIN 16384
#define BLOCK_MAX ((size_t)1 << 20)
/* A block this large is one or more whole huge pages (sh_malloc_huge): a
 * correlation store of millions of records otherwise takes a page fault
 * every 4 KiB it grows, and on virtual machines each costs microseconds. */
#define BLOCK_HUGE SH_HUGE_ALIGN

struct sh_arena_block {
    struct sh_arena_block *next;
    size_t used;
    size_t cap;
    max_align_t data[]; /* payload */
};

void sh_arena_init(struct sh_arena *a, size_t max)
{
    a->head = NULL;
    a->spare = NULL;
    a->used_total = 0;
    a->max = max;
    a->huge = false;
}

void sh_arena_huge(struct sh_arena *a)
{
    a->huge = true;
}

#ifndef SH_DEBUG_ARENA
/* The first spare block with room for `need` bytes, unlinked; NULL when
 * none has. */
static struct sh_arena_block *take_spare(struct sh_arena *a, size_t need)
{
    struct sh_arena_block **pp;

    for (pp = &a->spare; *pp; pp = &(*pp)->next) {
        struct sh_arena_block *b = *pp;
        if (b->cap >= need) {
            *pp = b->next;
            return b;
        }
    }
    return NULL;
}
#endif

static void *arena_take(struct sh_arena *a, size_t n, bool zero)
{
    struct sh_arena_block *b;
    size_t need, cap;

    if (!sh_size_add(&need, n, 7))
        return NULL;
    need &= ~(size_t)7;
    if (need == 0)
        need = 8;
    if (a->max && (a->used_total + need > a->max))
        return NULL;
#ifdef SH_DEBUG_ARENA
    SH_UNUSED(zero); /* always zeroed: calloc per allocation */
    cap = need;
    b = sh_calloc(1, sizeof(*b) + cap);
    if (!b)
        return NULL;
    b->cap = cap;
    b->used = cap;
    b->next = a->head;
    a->head = b;
    a->used_total += need;
    return b->data;
#else
    b = a->head;
    if (!b || b->cap - b->used < need) {
        cap = need > BLOCK_MIN ? need : BLOCK_MIN;
        /* A large arena (a correlation store holds millions of records)
         * grows in blocks of up to a quarter of its size, so its blocks,
         * and the system calls that map them, stay few. */
        if (a->used_total / 4 > cap)
            cap = a->used_total / 4 < BLOCK_MAX ? a->used_total / 4 : BLOCK_MAX;
        if ((b = take_spare(a, need)) == NULL) {
            if ((a->used_total >= BLOCK_HUGE || a->huge) && cap + sizeof(*b) <= BLOCK_HUGE) {
                cap = BLOCK_HUGE - sizeof(*b);
                b = sh_malloc_huge(BLOCK_HUGE);
            } else {
                b = sh_malloc(sizeof(*b) + cap);
            }
            if (!b)
                return NULL;
            b->cap = cap;
        }
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    {
        char *p = (char *)b->data + b->used;
        b->used += need;
        a->used_total += need;
        if (zero)
            memset(p, 0, need);
        return p;
    }
#endif
}

void *sh_arena_alloc(struct sh_arena *a, size_t n)
{
    return arena_take(a, n, true);
}

void *sh_arena_alloc_raw(struct sh_arena *a, size_t n)
{
    return arena_take(a, n, false);
}

char *sh_arena_strndup(struct sh_arena *a, const char *s, size_t n)
{
    char *d = arena_take(a, n + 1, false);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *sh_arena_strdup(struct sh_arena *a, const char *s)
{
    return sh_arena_strndup(a, s, strlen(s));
}

static void free_blocks(struct sh_arena_block *b)
{
    struct sh_arena_block *next;

    while (b) {
        next = b->next;
        sh_free(b);
        b = next;
    }
}

void sh_arena_reset(struct sh_arena *a, size_t keep)
{
#ifdef SH_DEBUG_ARENA
    SH_UNUSED(keep);
    free_blocks(a->head);
#else
    struct sh_arena_block *b = a->head, *next;
    size_t kept = 0;

    /* The blocks already spare count against `keep` first. */
    for (next = a->spare; next; next = next->next)
        kept += next->cap;
    while (b) {
        next = b->next;
        if (kept + b->cap <= keep) {
            kept += b->cap;
            b->used = 0;
            b->next = a->spare;
            a->spare = b;
        } else {
            sh_free(b);
        }
        b = next;
    }
#endif
    a->head = NULL;
    a->used_total = 0;
}

void sh_arena_free(struct sh_arena *a)
{
    free_blocks(a->head);
    free_blocks(a->spare);
    a->head = NULL;
    a->spare = NULL;
    a->used_total = 0;
}
