/*
 * fuzz_ioc.c - indicator lists and the token sweep on arbitrary bytes.
 *
 * The input is loaded as an indicator list (CSV or plain) into a set that
 * already holds the advisory's indicators, then swept line by line; every
 * reported hit must lie inside the line it was found in, and every
 * tokenizer of the sweep (portable, SSE2, AVX2) must report the same hits
 * at the same places.
 */
#include "base/sh_base.h"

#include <stdlib.h>

#include "intel/ioc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_HITS 256

struct span {
    size_t len, n;
    uint64_t sig; /* the hits in order, folded */
};

static void on_hit(const struct sh_ioc *ioc, const char *tok, size_t off, size_t len, void *ud)
{
    struct span *s = ud;

    if (!ioc || !tok || off + len > s->len)
        abort();
    s->n++;
    s->sig = (s->sig ^ (uint64_t)(uintptr_t)ioc ^ (off << 20) ^ len) * 0x100000001b3ULL;
}

/* Each tokenizer over one line; they must agree hit for hit. */
static void sweep_all(const struct sh_ioc_set *set, const char *p, size_t n)
{
    static const int impls[] = {SH_IOC_SWEEP_PORTABLE, SH_IOC_SWEEP_SSE2, SH_IOC_SWEEP_AVX2};
    struct span first = {n, 0, 0};
    size_t i;

    (void)sh_ioc__sweep_with(set, p, n, on_hit, &first, impls[0]);
    for (i = 1; i < sizeof(impls) / sizeof(impls[0]); i++) {
        struct span sp = {n, 0, 0};
        (void)sh_ioc__sweep_with(set, p, n, on_hit, &sp, impls[i]);
        if (sp.n != first.n || sp.sig != first.sig)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sh_ioc_set *builtin;
    struct sh_ioc_set *set = NULL;
    const char *p = (const char *)data, *e = p + size;

    if (!builtin && (sh_ioc_set_new(&builtin) || sh_ioc_set_load_builtin(builtin, true, NULL)))
        return 0;
    if (sh_ioc_set_new(&set))
        return 0;
    (void)sh_ioc_set_load_text(set, p, size, "fuzz", false, NULL);
    while (p < e) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
        sweep_all(builtin, p, n);
        sweep_all(set, p, n);
        (void)sh_ioc_lookup(builtin, p, n);
        p = nl ? nl + 1 : e;
    }
    sh_ioc_set_free(set);
    return 0;
}
