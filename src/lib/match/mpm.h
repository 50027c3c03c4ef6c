/*
 * mpm.h - multi-pattern prefilter: many regexes, one pass over a buffer.
 *
 * Backed by Hyperscan (or Vectorscan) in block mode. Patterns are compiled
 * in prefilter mode, so a report is a candidate (a superset of the true
 * matches) that the caller confirms with the exact regex engine (regex.h).
 * Patterns Hyperscan cannot take even as prefilters are flagged at compile
 * time; the caller must check those itself.
 *
 * A database is immutable after compile and shared by threads; each thread
 * owns one scratch. Hyperscan headers stay inside this module.
 */
#ifndef SH_MATCH_MPM_H
#define SH_MATCH_MPM_H

#include "../base/sh_base.h"

#define SH_MPM_NOCASE 1u

struct sh_mpm;
struct sh_mpm_scratch;

/**
 * Compile `n` NUL-terminated patterns (pattern id = index). Each pattern
 * is matched multi-line (^ and $ at line boundaries). Patterns Hyperscan
 * rejects get rejected_out[i] = true (the array has n entries) and are
 * left out of the database; that is not an error. Owned result.
 */
int sh_mpm_compile(struct sh_mpm **out, const char *const *patterns, const unsigned *flags,
                   size_t n, bool *rejected_out, sh_diag *diag);
void sh_mpm_free(struct sh_mpm *m);

/** Per-thread scratch for `m` (owned); NULL on OOM. A database without patterns needs none. */
struct sh_mpm_scratch *sh_mpm_scratch_new(const struct sh_mpm *m);
void sh_mpm_scratch_free(struct sh_mpm_scratch *s);

/** Called for every candidate: pattern id and end offset (exclusive). Non-zero stops the scan. */
typedef int (*sh_mpm_match_cb)(unsigned id, size_t to, void *ud);

/** Scan one buffer. Returns 0, or SH_ELIMIT for a buffer too large, SH_EINTERNAL. */
int sh_mpm_scan(const struct sh_mpm *m, struct sh_mpm_scratch *s, const char *buf, size_t len,
                sh_mpm_match_cb cb, void *ud);

/** Bytes of the compiled database (0 when empty). */
size_t sh_mpm_size(const struct sh_mpm *m);

#endif
