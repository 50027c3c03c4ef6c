/*
 * sh_rules.h - config rule packs: load, list, test and export.
 *
 * A ruleset is the compiled form of the built-in pack and/or user rule
 * files (docs/rules/config-rules.md). Loading reports every problem it
 * finds through `on_diag` (file, line, column) and keeps going, then
 * fails with SH_ERULE. A loaded ruleset is immutable and may be shared by
 * threads; it is owned by the loader's caller (sh_ruleset_free).
 */
#ifndef SALTHUNT_SH_RULES_H
#define SALTHUNT_SH_RULES_H

#include "salthunt.h"
#include "sh_scan.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sh_ruleset sh_ruleset;

typedef struct sh_rules_options {
    unsigned version;         /* SH_RULES_OPTIONS_VERSION */
    bool no_builtin;          /* leave out the built-in pack */
    const char *const *paths; /* rule files/folders (*.yml, recursive), NULL-terminated, or NULL */
    sh_diag_cb on_diag;       /* every load problem; may be NULL */
    void *diag_ud;
} sh_rules_options;

#define SH_RULES_OPTIONS_VERSION 1
#define SH_RULES_OPTIONS_INIT                                                                      \
    {                                                                                              \
        SH_RULES_OPTIONS_VERSION, false, NULL, NULL, NULL                                          \
    }

/**
 * Load and compile rules. On failure returns SH_ERULE (or SH_ELIMIT,
 * SH_EIO, SH_ENOMEM) with `diag` holding the first problem and a count;
 * every problem also went to opts->on_diag.
 */
SH_API int sh_ruleset_load(sh_ruleset **out, const sh_rules_options *opts, sh_diag *diag);
SH_API void sh_ruleset_free(sh_ruleset *rs);

SH_API size_t sh_ruleset_count(const sh_ruleset *rs);

/** One rule as `salthunt rules list` shows it; strings borrowed until the ruleset is freed. */
typedef struct sh_rule_info {
    const char *id;
    const char *title; /* "" for feature rules without a title */
    const char *file;  /* where it was loaded from ("rules/builtin/..." for built-ins) */
    uint32_t line;
    sh_kind kind;
    sh_severity severity;
    const char *platforms; /* "ios,iosxe" or "all" */
    const char *shape;     /* "line", "section", "document" or "feature" */
    const char *feature;   /* feature name for feature rules, else NULL */
    size_t n_samples;
} sh_rule_info;

/** Fill *out for rule `i` (0..count-1, sorted by id). SH_EINVAL when out of range. */
SH_API int sh_ruleset_rule_info(const sh_ruleset *rs, size_t i, sh_rule_info *out);

/** Called for every failing sample of `salthunt rules test`; `sample_index` counts from 0
 *  within the rule's match (or nomatch) list. */
typedef void (*sh_rules_test_cb)(const sh_rule_info *rule, size_t sample_index, bool match_sample,
                                 const char *problem, void *ud);

/**
 * Run every rule's samples: a match sample must produce findings of its
 * rule (exactly `expect` when given; a feature rule must record its
 * feature), a nomatch sample none. Counts samples in *passed / *failed.
 * Returns 0 when the run itself worked (failures are counted, not errors).
 */
SH_API int sh_ruleset_test(const sh_ruleset *rs, size_t *passed, size_t *failed,
                           sh_rules_test_cb cb, void *ud, sh_diag *diag);

/**
 * Call `cb` once for each distinct regex the rules match lines with
 * (match/section/require/forbid/absent patterns), with its nocase flag.
 */
SH_API void sh_ruleset_each_pattern(const sh_ruleset *rs,
                                    void (*cb)(const char *regex, bool nocase, void *ud), void *ud);

#ifdef __cplusplus
}
#endif
#endif
