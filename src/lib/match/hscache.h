/*
 * hscache.h - Hyperscan compilation with an on-disk cache of the result.
 *
 * Compiling the built-in packs takes most of a small scan's time, and the
 * packs change only with the program. The cache keeps each compiled
 * database (serialised) or each compile error under a name derived from
 * everything that determines it: Hyperscan's version, the CPU features
 * it targets, and every expression with its flags and id. The whole key is
 * stored in the file and compared byte for byte, so a stale or colliding
 * file is a miss, never a wrong database. Writes are atomic renames, so
 * concurrent runs share a folder safely. The cache is off until
 * sh_set_cache_dir() names a folder.
 */
#ifndef SH_MATCH_HSCACHE_H
#define SH_MATCH_HSCACHE_H

#include "../base/sh_base.h"

#include <hs/hs.h>

struct sh_hs_error {
    int expression;    /* index of the rejected expression, -1 when none */
    char message[256]; /* Hyperscan's message */
};

/**
 * hs_compile_multi() in block mode, through the cache. SH_OK with an owned
 * *db (release with hs_free_database); SH_EINVAL with `err` filled when
 * Hyperscan rejects the set; SH_ENOMEM. Thread-safe.
 */
int sh_hs_compile(const char *const *exprs, const unsigned *flags, const unsigned *ids, unsigned n,
                  hs_database_t **db, struct sh_hs_error *err);

/** Cache lookups answered from disk and databases written, since start (tests read these). */
void sh_hs_cache_stats(unsigned long *hits, unsigned long *stores);

#endif
