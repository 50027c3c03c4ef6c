/*
 * scan_registry.c - the analyzers a scan offers, in tie-break order.
 */
#include "../base/sh_base.h"

#include "scan_int.h"

const struct sh_analyzer *const sh_scan__analyzers[] = {
    NULL,
};
const size_t sh_scan__n_analyzers = SH_ARRAY_LEN(sh_scan__analyzers) - 1;
