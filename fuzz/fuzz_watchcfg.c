/*
 * fuzz_watchcfg.c - the watch daemon's YAML config loader on arbitrary
 * bytes. Names in addresses are never resolved while loading, so the
 * fuzzer does not touch DNS.
 */
#include "base/sh_base.h"

#include "salthunt/sh_watch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sh_watch_config *c = NULL;
    sh_diag d;

    if (sh_watch_config_new(&c) != 0)
        return 0;
    if (sh_watch_config_load_buf(c, (const char *)data, size, "fuzz.yml", &d) == 0)
        (void)sh_watch_config_validate(c, &d);
    sh_watch_config_free(c);
    return 0;
}
