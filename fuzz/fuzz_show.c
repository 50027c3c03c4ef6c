/*
 * fuzz_show.c - show-output parsers on arbitrary bytes: every record they
 * return must be well formed, and the parser must never read out of bounds.
 */
#include "base/sh_base.h"

#include <stdlib.h>

#include "intel/show.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sh_ptrvec devs = {0};
    size_t i;

    (void)sh_show_detect((const char *)data, size);
    (void)sh_show_parse((const char *)data, size, "fuzz", &devs, NULL);
    for (i = 0; i < devs.n; i++) {
        const sh_device *d = devs.v[i];
        if (!d->platform || !d->os || d->sources.n != 1)
            abort();
    }
    sh_show_free_devices(&devs);
    return 0;
}
