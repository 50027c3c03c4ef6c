/*
 * regex.h - exact regular expressions (PCRE2, JIT when available): the
 * confirm-and-capture step after the prefilter, and the engine for
 * user-written conditions.
 *
 * A compiled regex is immutable and shared by threads. Matching needs a
 * match-data object per thread (sh_regex_md), sized for the largest
 * capture count of the ruleset; it also carries the backtracking limits
 * that keep a hostile subject from stalling a scan. PCRE2 headers stay
 * inside this module.
 */
#ifndef SH_MATCH_REGEX_H
#define SH_MATCH_REGEX_H

#include "../base/sh_base.h"

struct sh_regex;
struct sh_regex_md;

/**
 * Compile `pattern` (PCRE2 syntax, no UTF mode: config text is bytes).
 * On a syntax error returns SH_ERULE with the message and the 0-based
 * offset in the pattern in diag->text / *erroff_out. Owned result.
 */
int sh_regex_compile(struct sh_regex **out, const char *pattern, bool nocase, size_t *erroff_out,
                     sh_diag *diag);
void sh_regex_free(struct sh_regex *re);

/** Number of capture groups. */
unsigned sh_regex_captures(const struct sh_regex *re);

/** Group number of a named group, or -1. */
int sh_regex_group_number(const struct sh_regex *re, const char *name);

/** Call `cb` for every named group (name, number). */
void sh_regex_each_name(const struct sh_regex *re, void (*cb)(const char *name, int num, void *ud),
                        void *ud);

/** Per-thread match data for up to `max_groups` groups (owned); NULL on OOM. */
struct sh_regex_md *sh_regex_md_new(unsigned max_groups);
void sh_regex_md_free(struct sh_regex_md *md);

/**
 * Match `re` anywhere in [s, s+len). Returns 1 on a match (groups then
 * readable with sh_regex_group), 0 on none, SH_ELIMIT when the
 * backtracking limit was hit (treated as no match by callers).
 */
int sh_regex_match(const struct sh_regex *re, struct sh_regex_md *md, const char *s, size_t len);

/** Group `num` of the last successful match; false when it did not take part. */
bool sh_regex_group(const struct sh_regex_md *md, int num, const char **s_out, size_t *len_out,
                    const char *subject);

#endif
