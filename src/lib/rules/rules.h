/*
 * rules.h - the compiled config ruleset and its evaluator (internal).
 *
 * Loading (ruleset.c) turns rule YAML into `struct sh_rule`s whose
 * regexes are interned in one pattern table: each distinct (regex, nocase)
 * pair is compiled once with PCRE2 and once into the shared Hyperscan
 * prefilter database. Evaluation (eval.c) scans a document's `norm`
 * buffer once, buckets the candidate (pattern, node) pairs, and confirms
 * each candidate with PCRE2 only where a rule asks for it.
 *
 * A ruleset is immutable after load (shared by threads); a worker
 * (struct sh_rules_worker) holds one thread's mutable scratch.
 */
#ifndef SH_RULES_RULES_H
#define SH_RULES_RULES_H

#include "../base/sh_base.h"

#include "salthunt/sh_rules.h"

#include "../parse/cfg.h"
#include "../policy/policy.h"

struct sh_regex;
struct sh_mpm;
struct sh_ioc_set;

/* Bounds on what one pack may ask for. */
#define SH_RULES_MAX_RULES 10000
#define SH_RULES_MAX_FILES 20000
#define SH_RULES_MAX_FILE_BYTES ((size_t)256 << 10)
#define SH_RULES_MAX_REGEX 4096
#define SH_RULES_MAX_CAPTURES 32
#define SH_RULES_MAX_SAMPLES 64
#define SH_RULES_MAX_CONDS 16
#define SH_RULES_MAX_LEVELS 8
#define SH_RULES_MAX_LIST 64   /* attack ids, references, platforms */
#define SH_RULES_MAX_TEXT 4096 /* titles, messages, remediations */
#define SH_RULES_MAX_VALUE 512 /* a capture's value as conditions see it */

enum sh_rule_shape { SH_SHAPE_LINE = 0, SH_SHAPE_SECTION, SH_SHAPE_DOCUMENT, SH_SHAPE_FEATURE };

enum sh_cond_type {
    SH_COND_NOT_IN_POLICY = 0,
    SH_COND_IN_POLICY,
    SH_COND_PORT_REGEX,
    SH_COND_PORT_RANGE,
    SH_COND_PUBLIC,
    SH_COND_IOC,
    SH_COND_REGEX,
    SH_COND_NOT_REGEX,
};

enum sh_without_policy { SH_WP_IOC_OR_PUBLIC = 0, SH_WP_FIRE, SH_WP_SKIP };

struct sh_rule_cond {
    enum sh_cond_type type;
    int cap;                /* index into rule->caps */
    enum sh_policy_key key; /* policy conditions */
    struct sh_regex *re;    /* regex conditions (owned by the ruleset) */
    uint32_t lo, hi;        /* port_range */
    bool flag;              /* public / ioc: the wanted truth value */
};

/* A named capture: which pattern of the rule produces it, and its group number there. */
struct sh_rule_cap {
    const char *name;
    int level; /* -1: the match pattern; 0..n_sections-1: that section level */
    int group;
};

struct sh_rule_sample {
    bool match;
    enum sh_dialect platform; /* SH_DIALECT_UNKNOWN: detect */
    struct sh_policy *policy; /* owned, or NULL */
    bool has_policy;
    long expect; /* -1: at least one */
    const char *config;
    uint32_t line;
};

struct sh_rule {
    const char *id;
    const char *title;
    const char *file;
    uint32_t line;
    sh_kind kind;
    sh_severity severity;
    sh_severity severity_without_policy;
    bool has_severity_without_policy;
    const char **attack;
    size_t n_attack;
    const char **refs;
    size_t n_refs;
    uint32_t platforms; /* bit per enum sh_dialect; 0 = every dialect */
    const char *platforms_text;
    enum sh_rule_shape shape;
    int match; /* pattern index, -1 when absent (same below) */
    int sections[SH_RULES_MAX_LEVELS];
    size_t n_sections;
    int require, forbid, absent, when_doc, unless_doc;
    struct sh_rule_cond conds[SH_RULES_MAX_CONDS];
    size_t n_conds;
    struct sh_rule_cap caps[SH_RULES_MAX_CAPTURES];
    size_t n_caps;
    const char *message;
    const char *remediation[SH_DIALECT__COUNT];
    const char *remediation_default;
    enum sh_without_policy without_policy;
    const char *feature;
    struct sh_rule_sample *samples;
    size_t n_samples;
};

struct sh_rule_pattern {
    const char *expr;
    bool nocase;
    bool line_level;     /* used to match lines (exported for benchmarks) */
    bool prefiltered;    /* in the Hyperscan database; false: every node is a candidate */
    const char *factor;  /* literal every match must contain (what Hyperscan looks for), or NULL */
    struct sh_regex *re; /* owned */
};

struct sh_ruleset {
    struct sh_arena arena;
    struct sh_rule **rules; /* sorted by id */
    size_t n_rules;
    struct sh_rule_pattern *pats;
    size_t n_pats;
    struct sh_mpm *mpm;
    unsigned max_groups;
    size_t n_fallback; /* patterns Hyperscan refused */
};

/** What the evaluator needs besides the document; every pointer borrowed. */
struct sh_rules_env {
    const struct sh_policy *policy; /* may be NULL */
    const struct sh_ioc_set *iocs;  /* may be NULL */
    const char *path;               /* evidence path as named by the user */
    const struct sh_rule *only;     /* evaluate this rule alone (sample tests), or NULL */
};

struct sh_rules_worker;

/** Per-thread scratch for `rs` (owned); NULL on OOM. */
struct sh_rules_worker *sh_rules__worker_new(const struct sh_ruleset *rs);
void sh_rules__worker_free(struct sh_rules_worker *w);

/**
 * Evaluate every applicable rule over `doc`, appending findings to `out`
 * and feature names (deduplicated) to `features`. SH_ENOMEM / SH_EINTERNAL.
 */
int sh_rules__eval(const struct sh_ruleset *rs, struct sh_rules_worker *w,
                   const struct sh_cfg_doc *doc, const struct sh_rules_env *env, sh_findings *out,
                   sh_strlist *features);

/**
 * The longest literal (at least 3 bytes) that every match of regex `re`
 * must contain, written to `out` (NUL-terminated, at most outsz - 1
 * bytes); returns its length, 0 when there is none or it cannot be told
 * safely (alternation at the top level, inline options, \\Q...\\E).
 */
size_t sh_rules__literal_factor(const char *re, char *out, size_t outsz);

/** Load one rule file from memory into a ruleset under construction (fuzzing and tests). */
int sh_ruleset__load_buf(sh_ruleset **out, const char *buf, size_t len, const char *source,
                         sh_diag_cb on_diag, void *ud, sh_diag *diag);

#endif
