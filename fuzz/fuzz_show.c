/*
 * fuzz_show.c - show-output parsers on arbitrary bytes: every record they
 * return must be well formed, the parser must never read out of bounds, and
 * detection through the Hyperscan marker pass must decide as without it.
 */
#include "base/sh_base.h"

#include <stdlib.h>

#include "intel/show.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sh_show_scratch *sc; /* one per process, as a scan worker keeps one */
    struct sh_ptrvec devs = {0};
    size_t i;

    if (!sc)
        sc = sh_show_scratch_new();
    if (sh_show_detect((const char *)data, size) !=
        sh_show_detect_with((const char *)data, size, sc))
        abort();
    (void)sh_show_parse((const char *)data, size, "fuzz", &devs, NULL);
    for (i = 0; i < devs.n; i++) {
        const sh_device *d = devs.v[i];
        /* a `show vstack config` record has no platform facts by design */
        if ((!sh_show_is_vstack(d) && (!d->platform || !d->os)) || d->sources.n != 1)
            abort();
    }
    sh_show_free_devices(&devs);
    return 0;
}
