/*
 * alloc.c - allocation wrappers and failure injection.
 *
 * Every library allocation goes through sh_malloc and friends so tests can
 * fail the Nth allocation (curl torture, jansson chaos). The injection
 * counter is process-wide and meant for single-threaded tests only.
 */
#include "sh_base.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

static unsigned long fail_after; /* 0: off */
static unsigned long alloc_count;

void sh_alloc_fail_after(unsigned long n)
{
    fail_after = n;
    alloc_count = 0;
}

static bool should_fail(void)
{
    if (fail_after == 0)
        return false;
    return ++alloc_count >= fail_after;
}

void *sh_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *sh_calloc(size_t count, size_t size)
{
    if (should_fail())
        return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *sh_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

void *sh_malloc_huge(size_t n)
{
    void *p = NULL;

    if (should_fail() || posix_memalign(&p, SH_HUGE_ALIGN, n ? n : 1) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    /* advice only: without transparent huge pages this is plain memory */
    (void)madvise(p, n, MADV_HUGEPAGE);
#endif
    return p;
}

static char *copy_n(const char *s, size_t len)
{
    char *d = sh_malloc(len + 1);

    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *sh_strdup(const char *s)
{
    return s ? copy_n(s, strlen(s)) : NULL;
}

char *sh_strndup(const char *s, size_t n)
{
    const char *nul;

    if (!s)
        return NULL;
    /* `s` may be shorter than n (NUL-terminated) or longer (not). */
    nul = memchr(s, '\0', n);
    return copy_n(s, nul ? (size_t)(nul - s) : n);
}

void sh_free(void *p)
{
    free(p);
}

char *sh_strdup_printf(const char *fmt, ...)
{
    char small[256];
    va_list ap;
    int n;
    char *s;

    /* Most results are short: format once into the stack, copy the bytes. */
    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    s = sh_malloc((size_t)n + 1);
    if (!s)
        return NULL;
    if ((size_t)n < sizeof(small)) {
        memcpy(s, small, (size_t)n + 1);
        return s;
    }
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

void sh_assert_fail(const char *expr, const char *file, int line)
{
    /* The one place the library writes to stderr: an assertion is a bug. */
    fprintf(stderr, "salthunt: assertion failed: %s (%s:%d)\n", expr, file, line);
    abort();
}
