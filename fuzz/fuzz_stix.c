/*
 * fuzz_stix.c - STIX bundles and bare patterns on arbitrary bytes.
 */
#include "base/sh_base.h"

#include "intel/ioc.h"
#include "intel/stix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int drop(enum sh_ioc_type t, const char *v, void *ud)
{
    (void)t;
    (void)v;
    (void)ud;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sh_ioc_set *set = NULL;
    struct sh_stix_stats st;
    sh_diag d;

    if (sh_ioc_set_new(&set))
        return 0;
    (void)sh_stix_sniff((const char *)data, size);
    (void)sh_stix_load(set, (const char *)data, size, "fuzz", false, &st, &d);
    (void)sh_stix_pattern_each((const char *)data, size, drop, NULL);
    sh_ioc_set_free(set);
    return 0;
}
