/*
 * intel_store.h - internal view of the intel tables for the scan.
 */
#ifndef SH_INTEL_STORE_H
#define SH_INTEL_STORE_H

#include "../base/sh_base.h"
#include "salthunt/sh_intel.h"

struct sh_cvedb;
struct sh_ioc_set;

/**
 * Add everything imported into the store to `db` (CVE records, KEV) and
 * `iocs` (indicators; the related ones only when `include_related`).
 * Either target may be NULL.
 */
int sh_intel_store_load(sh_intel_store *s, struct sh_cvedb *db, struct sh_ioc_set *iocs,
                        bool include_related, sh_diag *diag);

#endif
