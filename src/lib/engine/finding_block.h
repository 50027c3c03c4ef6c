/*
 * finding_block.h - findings built in one allocation.
 *
 * An analyzer that makes a finding per matching line (the config rules)
 * would otherwise allocate every string and list of every finding on its
 * own: a dozen allocations per finding, most of them copies of the rule's
 * text. A block finding is one allocation holding the record, its list
 * arrays and its text; sh_finding_free releases it like any other
 * (sh_finding.in_block says which fields live in the block).
 *
 * Ownership: the inputs are borrowed and copied. Thread-safe.
 */
#ifndef SH_FINDING_BLOCK_H
#define SH_FINDING_BLOCK_H

#include "../base/sh_base.h"

/** The text of a new finding; NULL strings stay NULL. */
struct sh_finding_fields {
    const char *rule;
    const char *title;
    const char *device;
    const char *platform;
    const char *path;
    const char *evidence;
    const char *message;
    const char *remediation;
    const char *const *attack;
    size_t n_attack;
    const char *const *references;
    size_t n_references;
};

/**
 * A new finding (owned, release with sh_finding_free) holding copies of
 * `in` in one block; every other field is zero. NULL on OOM.
 */
sh_finding *sh_finding__new_block(const struct sh_finding_fields *in);

#endif
