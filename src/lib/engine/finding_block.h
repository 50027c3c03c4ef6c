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
 * A worker that makes many of them takes the blocks from a finding slab:
 * large chunks of memory, carved in order, each counting the blocks it
 * holds and returned to the system when the last of them is freed. The
 * chunks reach 2 MiB and ask the kernel for transparent huge pages, so
 * the tens of megabytes a large scan's findings fill cost a few page
 * faults rather than one per 4 KiB. A slab block also points at equal
 * text already in its chunk (a file's path and device, a rule's title,
 * remediation and lists) instead of copying it again. Under
 * SH_DEBUG_ARENA (sanitizer builds) every block is its own allocation
 * again.
 *
 * Ownership: the inputs are borrowed and copied. A slab is used by one
 * thread; its findings may be freed by any thread, before or after the
 * slab itself (a chunk goes when both the slab and its findings are done
 * with it).
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

struct sh_finding_slab;

/** A new slab (release with sh_finding__slab_free); NULL on OOM. */
struct sh_finding_slab *sh_finding__slab_new(void);
/** Drop the slab; chunks that still hold findings stay until those are freed. */
void sh_finding__slab_free(struct sh_finding_slab *s);
/** As sh_finding__new_block, the block taken from `s` (NULL: a plain allocation). */
sh_finding *sh_finding__new_block_in(struct sh_finding_slab *s, const struct sh_finding_fields *in);

#endif
