/*
 * sweep.h - the indicator sweep as a line consumer (internal).
 *
 * The scan runs the sweep (analyzer_ioc.c) over every file on its own
 * read. An analyzer that reads a file line by line anyway (the log
 * analyzer over a plain syslog archive) feeds the same lines here instead,
 * so a large log is read once; the findings are those the sweep's own pass
 * makes, line for line. A feeder may sweep a file in several ranges (one
 * per thread): each range gets its own sweeper, seeded with the line just
 * before it, and the caller keeps the first SH_IOC_SWEEP_MAX_HITS findings
 * of the ranges in file order.
 *
 * A sweeper is single-threaded; its findings go to the sh_scan_out given
 * at creation (line numbers as fed).
 */
#ifndef SH_INTEL_SWEEP_H
#define SH_INTEL_SWEEP_H

#include "../base/sh_base.h"

struct sh_scan_ctx;
struct sh_scan_out;
struct sh_ioc_lines;
struct sh_ioc_set;

/** Bytes of a line that are swept. */
#define SH_IOC_SWEEP_MAX_LINE ((size_t)65536)
/** Lines at least this long (the sweep's read window) are swept by their head only. */
#define SH_IOC_SWEEP_WINDOW (2 * SH_IOC_SWEEP_MAX_LINE + 65536)
/** Findings per file. */
#define SH_IOC_SWEEP_MAX_HITS ((size_t)10000)

/** True when the scan has indicators to sweep for. */
bool sh_ioc__lines_wanted(const struct sh_scan_ctx *ctx);

/**
 * A sweeper for lines of `path`, whose first bytes (as detect() saw them)
 * are `head`. Findings go to `out`. NULL on OOM.
 */
struct sh_ioc_lines *sh_ioc__lines_new(const struct sh_scan_ctx *ctx, const char *path,
                                       const char *head, size_t head_len, struct sh_scan_out *out);
void sh_ioc__lines_free(struct sh_ioc_lines *l);

/**
 * Line `lineno` of the file, `ll` bytes long without its newline; `line`
 * holds at least min(ll, SH_IOC_SWEEP_MAX_LINE) bytes, which must stay
 * where they are until the next sh_ioc__lines_detach() (the sweeper keeps
 * pointers to recent lines as the enclosing-section context of later
 * ones). Returns 0 or a negative status (OOM).
 */
int sh_ioc__lines_feed(struct sh_ioc_lines *l, const char *line, size_t ll, uint64_t lineno);

/**
 * Line `lineno` as sh_ioc__lines_feed() takes it, for a line the caller
 * knows holds no hit (no prefilter text below is in it): it only
 * sets the enclosing-section context for the lines after it.
 */
int sh_ioc__lines_pass(struct sh_ioc_lines *l, const char *line, size_t ll, uint64_t lineno);

/** Copy what the sweeper still points at in fed lines: call before their bytes change. */
void sh_ioc__lines_detach(struct sh_ioc_lines *l);

/** Let a line before the fed range set the enclosing-section context. */
void sh_ioc__lines_seed(struct sh_ioc_lines *l, const char *line, size_t ll);

/**
 * True when a line of `ll` bytes at the start of a range makes the
 * enclosing-section context independent of the lines before it (an
 * unindented, non-blank, non-comment line).
 */
bool sh_ioc__lines_resets(const char *line, size_t ll);

/**
 * The prefilter (ioc_prefilter.c): Hyperscan expressions of text every
 * sweep hit of `set` holds within its line, each caseless or not; a line
 * holding none of them needs no sweep (sh_ioc__lines_pass()). *n 0 when
 * the set cannot be prefiltered (then every line is swept). Free with
 * sh_ioc__prefilter_texts_free().
 */
int sh_ioc__prefilter_texts(const struct sh_ioc_set *set, char ***exprs, bool **caseless,
                            size_t *n);
void sh_ioc__prefilter_texts_free(char **exprs, bool *caseless, size_t n);

#endif
