/*
 * scan_registry.c - the analyzers a scan offers, in tie-break order.
 */
#include "../base/sh_base.h"

#include "scan_int.h"

extern const struct sh_analyzer sh_analyzer__config;
extern const struct sh_analyzer sh_analyzer__ioc;
extern const struct sh_analyzer sh_analyzer__show;
extern const struct sh_analyzer sh_analyzer__log;

const struct sh_analyzer *const sh_scan__analyzers[] = {
    &sh_analyzer__config, &sh_analyzer__show, &sh_analyzer__ioc, &sh_analyzer__log, NULL,
};
const size_t sh_scan__n_analyzers = SH_ARRAY_LEN(sh_scan__analyzers) - 1;
