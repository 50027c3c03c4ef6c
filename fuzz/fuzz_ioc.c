/*
 * fuzz_ioc.c - indicator lists and the token sweep on arbitrary bytes.
 *
 * The input is loaded as an indicator list (CSV or plain) into a set that
 * already holds the advisory's indicators, then swept line by line; every
 * reported hit must lie inside the line it was found in.
 */
#include "base/sh_base.h"

#include <stdlib.h>

#include "intel/ioc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct span {
    size_t len;
};

static void on_hit(const struct sh_ioc *ioc, const char *tok, size_t off, size_t len, void *ud)
{
    const struct span *s = ud;

    if (!ioc || !tok || off + len > s->len)
        abort();
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
        struct span sp = {n};
        sh_ioc_sweep(builtin, p, n, on_hit, &sp);
        sh_ioc_sweep(set, p, n, on_hit, &sp);
        (void)sh_ioc_lookup(builtin, p, n);
        p = nl ? nl + 1 : e;
    }
    sh_ioc_set_free(set);
    return 0;
}
