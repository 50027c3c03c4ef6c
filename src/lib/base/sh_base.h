/*
 * sh_base.h - prelude included first by every library file.
 *
 * Feature macros, allocation wrappers, assertions, overflow-checked size
 * arithmetic and the small containers (buf, arena, ptr vector, string map)
 * that have no project semantics. Nothing here includes other project
 * modules. Everything is thread-compatible: distinct objects may be used
 * from distinct threads; the allocator hooks are process-wide and set once.
 */
#ifndef SH_BASE_H
#define SH_BASE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "salthunt/salthunt.h"

/* ---- assertions (libgit2 model: loud in debug, status in release) ---- */

void sh_assert_fail(const char *expr, const char *file, int line) __attribute__((noreturn));

#ifdef SH_DEBUG
#define SH_ASSERT_ARG(e)                                                                           \
    do {                                                                                           \
        if (!(e))                                                                                  \
            sh_assert_fail(#e, __FILE__, __LINE__);                                                \
    } while (0)
#define SH_ASSERT(e) SH_ASSERT_ARG(e)
#else
#define SH_ASSERT_ARG(e)                                                                           \
    do {                                                                                           \
        if (!(e))                                                                                  \
            return SH_EINVAL;                                                                      \
    } while (0)
#define SH_ASSERT(e)                                                                               \
    do {                                                                                           \
        if (!(e))                                                                                  \
            return SH_EINTERNAL;                                                                   \
    } while (0)
#endif

#define SH_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SH_UNUSED(x) (void)(x)

/* ---- allocation: every library allocation goes through these ---- */

void *sh_malloc(size_t n);
void *sh_calloc(size_t count, size_t size);
void *sh_realloc(void *p, size_t n);
char *sh_strdup(const char *s);
char *sh_strndup(const char *s, size_t n);
void sh_free(void *p);
/**
 * `n` bytes (a multiple of SH_HUGE_ALIGN) aligned to SH_HUGE_ALIGN, which
 * the kernel is asked to back with transparent huge pages: one page fault
 * per 2 MiB instead of per 4 KiB when the memory is first written. Freed
 * with sh_free.
 */
void *sh_malloc_huge(size_t n);
#define SH_HUGE_ALIGN ((size_t)2 << 20)
#define SH_FREE(p)                                                                                 \
    do {                                                                                           \
        sh_free(p);                                                                                \
        (p) = NULL;                                                                                \
    } while (0)

/**
 * Fail the Nth allocation from now (N >= 1) and every one after it, for
 * failure-injection tests; 0 turns injection off. Process-wide.
 */
void sh_alloc_fail_after(unsigned long n);

/** printf into a new owned string; NULL on failure. */
char *sh_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline bool sh_size_add(size_t *out, size_t a, size_t b)
{
    return !__builtin_add_overflow(a, b, out);
}
static inline bool sh_size_mul(size_t *out, size_t a, size_t b)
{
    return !__builtin_mul_overflow(a, b, out);
}

/* ---- sh_buf: growable byte buffer with a hard maximum ---- */

struct sh_buf {
    char *ptr; /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
    size_t max; /* SH_ELIMIT past this many bytes */
};

void sh_buf_init(struct sh_buf *b, size_t max);
int sh_buf_add(struct sh_buf *b, const void *data, size_t len);
int sh_buf_adds(struct sh_buf *b, const char *s);
int sh_buf_addc(struct sh_buf *b, char c);
int sh_buf_printf(struct sh_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sh_buf_vprintf(struct sh_buf *b, const char *fmt, va_list ap);
void sh_buf_reset(struct sh_buf *b); /* len = 0, keeps memory */
/** Make room for `extra` more bytes (and the NUL) at ptr + len; SH_ELIMIT past max. */
int sh_buf_reserve(struct sh_buf *b, size_t extra);
void sh_buf_free(struct sh_buf *b);
/** Detach: hand the buffer to the caller (owned) and reset b. */
char *sh_buf_detach(struct sh_buf *b);

/* ---- sh_arena: many small allocations with one lifetime ---- */

struct sh_arena_block;
struct sh_arena {
    struct sh_arena_block *head;
    struct sh_arena_block *spare; /* emptied blocks kept by sh_arena_reset */
    size_t used_total;
    size_t max; /* 0: unlimited */
    bool huge;  /* new blocks are whole huge pages (sh_arena_huge) */
};

void sh_arena_init(struct sh_arena *a, size_t max);
void *sh_arena_alloc(struct sh_arena *a, size_t n); /* 8-byte aligned, zeroed; NULL on limit/OOM */
/** As sh_arena_alloc, not zeroed: for buffers the caller fills before reading. */
void *sh_arena_alloc_raw(struct sh_arena *a, size_t n);
char *sh_arena_strndup(struct sh_arena *a, const char *s, size_t n);
char *sh_arena_strdup(struct sh_arena *a, const char *s);
/**
 * Drop every allocation but keep up to `keep` bytes of blocks for the
 * next ones: an arena refilled per item (a worker's config document)
 * then stops asking malloc, and the kernel, for fresh pages each time.
 */
void sh_arena_reset(struct sh_arena *a, size_t keep);
/**
 * Take new blocks as whole huge pages (sh_malloc_huge) from now on, not
 * only once the arena has grown past one: for an arena its owner expects
 * to grow to many MiB (a log range's correlation store, when the range
 * before it needed that much), which otherwise takes a page fault per
 * 4 KiB of its first megabytes.
 */
void sh_arena_huge(struct sh_arena *a);
void sh_arena_free(struct sh_arena *a);

/* ---- sh_ptrvec: growable vector of pointers ---- */

struct sh_ptrvec {
    void **v;
    size_t n;
    size_t cap;
};

int sh_ptrvec_push(struct sh_ptrvec *pv, void *p);
void sh_ptrvec_free(struct sh_ptrvec *pv); /* frees the array, not the elements */

/* ---- sh_strmap: string -> pointer hash map (open addressing) ---- */

struct sh_strmap_ent {
    char *key; /* owned by the map */
    void *val; /* borrowed */
    uint64_t hash;
};

struct sh_strmap {
    struct sh_strmap_ent *ents;
    size_t n;
    size_t cap; /* power of two */
};

uint64_t sh_hash64(const void *data, size_t len);
/** A faster hash (eight bytes a step) for values that never leave the
 * process: unlike sh_hash64's, its values may change between versions. */
uint64_t sh_hash_fast(const void *data, size_t len);
/** Insert or replace; on replace the old value is returned in *old (may be NULL). */
int sh_strmap_put(struct sh_strmap *m, const char *key, void *val, void **old);
void *sh_strmap_get(const struct sh_strmap *m, const char *key);
bool sh_strmap_has(const struct sh_strmap *m, const char *key);
/** Free keys and table; calls `free_val` on each value when non-NULL. */
void sh_strmap_free(struct sh_strmap *m, void (*free_val)(void *));

/*
 * ---- sh_ikmap: short keys to a small record, keys inside the entries ----
 *
 * For lookups done once a log line (a line's host): an entry is 64 bytes
 * holding its key, so a lookup reads no other memory. `ptr` and `flag`
 * are the owner's. Keys longer than
 * SH_IKMAP_KEY and maps at their `max` entries are refused (NULL), and the
 * owner takes its slower path. Zero-initialise, set max, single owner.
 */
#define SH_IKMAP_KEY 46

struct sh_ikmap_ent {
    uint64_t hash; /* 0: empty */
    void *ptr;
    uint8_t len;
    bool flag;
    char key[SH_IKMAP_KEY];
};

_Static_assert(sizeof(struct sh_ikmap_ent) == 64, "an inline-key entry is 64 bytes");

struct sh_ikmap {
    struct sh_ikmap_ent *ents;
    size_t n, cap, max;
};

/** The entry of the len bytes at key, added zeroed when new; NULL when the
 * key is too long or the map full (or out of memory). */
struct sh_ikmap_ent *sh_ikmap_find(struct sh_ikmap *m, const char *key, size_t len);
/** Forget every entry (keeps max). */
void sh_ikmap_free(struct sh_ikmap *m);

/* ---- strings ---- */

/** Trim ASCII whitespace at both ends of [s, s+*len); returns new start. */
const char *sh_str_trim(const char *s, size_t *len);

/** The decimal digits of v at out (room for 20); their count. No NUL. */
size_t sh_u64_dec(char *out, uint64_t v);
bool sh_str_startswith(const char *s, const char *prefix);
bool sh_str_istartswith(const char *s, const char *prefix);
/** Lower-case ASCII copy into a new owned string. */
char *sh_str_lower(const char *s);
/** The n bytes at src with A-Z lowered into dst (tolower() of the C
 * locale; dst may be src). */
void sh_ascii_lower(char *dst, const char *src, size_t n);
/** `n` bytes of `s` as a pattern's literal text: letters and digits as
 * they are, every other byte as \xHH (Hyperscan, PCRE). NULL on OOM. */
char *sh_str_escape_hex(const char *s, size_t n);
/** Parse a decimal unsigned integer in [0, max]; false on junk/overflow. */
bool sh_str_to_u64(const char *s, size_t len, uint64_t max, uint64_t *out);

/* ---- files ---- */

/**
 * Read a whole regular file into an owned, NUL-terminated buffer.
 * Fails with SH_ELIMIT past `max` bytes and SH_EIO otherwise; fills diag.
 * Transparently decompresses gzip (.gz) and zstd content by magic number.
 */
int sh_file_read(char **out, size_t *len_out, const char *path, size_t max, sh_diag *diag);

/**
 * Read at most `max` leading bytes (decompressed, as sh_file_read) into an
 * owned NUL-terminated buffer. A file shorter than `max` is read whole;
 * *complete tells whether the buffer holds the entire content.
 */
int sh_file_read_head(char **out, size_t *len_out, bool *complete, const char *path, size_t max,
                      sh_diag *diag);

/** mkdir -p: create `dir` and its missing parents with `mode`; SH_EIO names the folder. */
int sh_mkdirs(const char *dir, unsigned mode, sh_diag *diag);

/**
 * Replace `path` with `len` bytes atomically: written to a new file beside
 * it (mode 0600) and renamed over it, so readers see the old or the new
 * content, never a part. Concurrent writers of one path are safe.
 */
int sh_file_write_atomic(const char *path, const void *data, size_t len, sh_diag *diag);

/** As sh_file_read_head into a caller-owned buffer, reset first and reused (no allocation per
 * file). */
int sh_file_read_head_buf(struct sh_buf *b, bool *complete, const char *path, size_t max,
                          sh_diag *diag);

#endif
