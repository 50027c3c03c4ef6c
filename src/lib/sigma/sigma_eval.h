/*
 * sigma_eval.h - evaluate a compiled Sigma set on log events (internal).
 *
 * One struct sg_scratch per thread (owned, sh_sigma__scratch_free); the
 * set is shared read-only. Used by the log analyzer, the live listener and
 * the pack test runner.
 */
#ifndef SH_SIGMA_EVAL_H
#define SH_SIGMA_EVAL_H

#include "../base/sh_base.h"

struct sh_sigma_set;
struct sg_scratch;
struct sg_rule;
struct sh_log_event;

/** Called for every detection rule the event matches; non-zero stops. */
typedef int (*sh_sigma_hit_cb)(const struct sg_rule *r, const struct sh_log_event *ev, void *ud);

int sh_sigma__scratch_new(const struct sh_sigma_set *set, struct sg_scratch **out);
void sh_sigma__scratch_free(struct sg_scratch *s);

/**
 * Evaluate every applicable detection rule that the prefilter proposes
 * (and every unanchored one) on `ev`, calling `cb` per match in rule
 * order. Returns the first non-zero callback result, else 0.
 */
int sh_sigma__eval(struct sg_scratch *s, const struct sh_log_event *ev, sh_sigma_hit_cb cb,
                   void *ud);

/**
 * Run the prefilter once over a block of whole lines (`len` bytes), for
 * sh_sigma__eval_span on those lines. False when the block could not be
 * scanned that way (no block database, too many matches): the spans then
 * fall back to sh_sigma__eval, so results never depend on it.
 */
bool sh_sigma__block_scan(struct sg_scratch *s, const char *text, size_t len);

/*
 * A reader that also wants to know where texts of its own occur in a block
 * (the indicator prefilter, sweep.h) builds the set's block database with
 * them once (`n` Hyperscan expressions, each caseless or not; *out NULL when the set
 * has no block database or Hyperscan refuses them) and gives it to each
 * thread's scratch; block scans then find both in one pass.
 */
struct sg_xblock;
int sh_sigma__xblock_new(const struct sh_sigma_set *set, char *const *extra, const bool *caseless,
                         size_t n, struct sg_xblock **out);
void sh_sigma__xblock_free(struct sg_xblock *x);
/** Scan blocks with `x` from now on (it must outlive the scratch's use of it). */
int sh_sigma__scratch_xblock(struct sg_scratch *s, const struct sg_xblock *x);
/**
 * Whether one of the reader's texts ends within bytes [from, to) of the
 * last scanned block: true too when there is no valid block or no `x`.
 * Spans come in increasing order.
 */
bool sh_sigma__block_text_in(struct sg_scratch *s, size_t from, size_t to);

/** Forget the last block (its buffer is about to change). */
void sh_sigma__block_reset(struct sg_scratch *s);

/**
 * For a reader that can parse a line's header alone: whether no rule can
 * match the line at bytes [from, to) of the last scanned block as far as
 * the block and the rule set tell. 0: some rule may (parse it in full);
 * 1: none can, unless the full parse adds what the line does not hold
 * (see sh_sigma__quiet_hints); 2: as 1, and also unless the line has a
 * command. Never non-zero when a rule runs on every event or reads what a
 * header parse makes outside the line (time, facility, severity). Spans
 * must come in increasing order, as for sh_sigma__eval_span.
 */
int sh_sigma__span_quiet(struct sg_scratch *s, size_t from, size_t to);

/**
 * Whether a line with sh_sigma__span_quiet() result `quiet` matches no
 * rule, given what the parser says a full parse could add: values not
 * found in the line (`nonraw`) or a `command` field (`command`).
 */
bool sh_sigma__quiet_hints(const struct sg_scratch *s, int quiet, bool nonraw, bool command);

/**
 * sh_sigma__span_quiet(), and 3 where it says 0 because the line's anchors
 * make rules candidates that all have sg_rule.hdr_eval: a header-only parse
 * may then be enough (sh_sigma__eval_span_header).
 */
int sh_sigma__span_quiet_ex(struct sg_scratch *s, size_t from, size_t to);

/**
 * sh_sigma__eval_span() for an event that has only had its header parsed
 * (sh_syslog_parse_header, whose hints give `nonraw` and `command`): 1
 * when every candidate rule is decided by what the header parse gives
 * exactly as a full parse (the raw line, the host), after calling `cb` for
 * those that match, as sh_sigma__eval_span() would on the full parse; 0,
 * having called nothing, when the line needs the full parse and
 * sh_sigma__eval_span() for the same span; or cb's failure.
 */
int sh_sigma__eval_span_header(struct sg_scratch *s, const struct sh_log_event *ev, bool nonraw,
                               bool command, size_t from, size_t to, sh_sigma_hit_cb cb, void *ud);

/**
 * sh_sigma__eval for the event parsed from bytes [from, to) of the last
 * scanned block, using the block's prefilter matches instead of scanning
 * the line again. Spans must come in increasing order; an event whose raw
 * line is not those bytes (or a prefix of them) must not be passed.
 */
int sh_sigma__eval_span(struct sg_scratch *s, const struct sh_log_event *ev, size_t from, size_t to,
                        sh_sigma_hit_cb cb, void *ud);

#endif
