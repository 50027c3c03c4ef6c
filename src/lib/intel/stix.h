/*
 * stix.h - indicators from STIX 2.1 bundles.
 *
 * Reads `indicator` objects with pattern_type "stix" and turns every
 * equality comparison on ipv4-addr, ipv6-addr, domain-name, url or
 * file:hashes (MD5, SHA-1, SHA-256) into one indicator. Comparisons joined
 * by OR are alternatives, which a token sweep expresses exactly; a
 * condition joined by AND on something the sweep cannot see (file:name) is
 * dropped, so the hash alone matches. Anything else (other object types,
 * other operators, SSDEEP, temporal qualifiers) is counted as skipped and
 * reported, never guessed at.
 *
 * Pure functions over a buffer; the set is written single-threaded.
 */
#ifndef SH_INTEL_STIX_H
#define SH_INTEL_STIX_H

#include "../base/sh_base.h"
#include "ioc.h"

#define SH_STIX_MAX_FILE ((size_t)256 << 20)
#define SH_STIX_MAX_OBJECTS 1000000
#define SH_STIX_MAX_PATTERN 65536

struct sh_stix_stats {
    size_t indicators; /* indicator objects that gave at least one value */
    size_t values;     /* indicator values added (before de-duplication) */
    size_t skipped;    /* comparisons or objects that could not be expressed */
};

/** True when the buffer looks like a STIX 2.x bundle. */
bool sh_stix_sniff(const char *buf, size_t len);

/**
 * Add the bundle's indicators to `set` with `source` (e.g. the file name)
 * and `related`. SH_EPARSE with diag for malformed JSON or a non-bundle.
 */
int sh_stix_load(struct sh_ioc_set *set, const char *buf, size_t len, const char *source,
                 bool related, struct sh_stix_stats *stats, sh_diag *diag);

/**
 * Parse one STIX pattern and call `cb` for every expressible comparison
 * (type, value). Returns the number of comparisons skipped, or -1 when the
 * pattern is malformed.
 */
long sh_stix_pattern_each(const char *pattern, size_t len,
                          int (*cb)(enum sh_ioc_type t, const char *value, void *ud), void *ud);

#endif
