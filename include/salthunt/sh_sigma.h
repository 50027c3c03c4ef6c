/*
 * sh_sigma.h - Sigma rules: load, lint, list and test (the log rule engine).
 *
 * salthunt evaluates Sigma rules (detection rules, filters and correlation
 * rules of the v2 specification) on parsed device log events. This header
 * is what the CLI needs for `salthunt rules list|lint|test` over Sigma
 * packs; scans use the same set through the log analyzer.
 *
 * A set is built single-threaded (load, then compile) and is immutable
 * afterwards. Owned by its creator; everything it returns is borrowed
 * until sh_sigma_set_free. docs/rules/sigma.md describes what is supported.
 */
#ifndef SALTHUNT_SH_SIGMA_H
#define SALTHUNT_SH_SIGMA_H

#include "salthunt.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sh_sigma_set sh_sigma_set;
struct sh_policy;

/**
 * Problem sink for loading and linting: `error` is true for a rule that
 * cannot be run (it is skipped), false for a note (the rule runs, but e.g.
 * its logsource is not one salthunt sees, so it will never match).
 */
typedef void (*sh_sigma_diag_cb)(const sh_diag *d, bool error, void *ud);

/** New empty set; owned, release with sh_sigma_set_free. */
SH_API int sh_sigma_set_new(sh_sigma_set **out);
SH_API void sh_sigma_set_free(sh_sigma_set *set);
/** Route every load/compile problem to `cb` (otherwise only the first error reaches diag). */
SH_API void sh_sigma_set_on_diag(sh_sigma_set *set, sh_sigma_diag_cb cb, void *ud);

/**
 * Silently skip YAML documents that are not Sigma rules (no detection,
 * filter, correlation or logsource key): for folders that mix config rules
 * and Sigma rules. Off by default.
 */
SH_API void sh_sigma_set_skip_foreign(sh_sigma_set *set, bool skip);

/**
 * Load one rule file, or every *.yml / *.yaml under a folder (recursively,
 * skipping `tests` folders of packs). Rules that fail are reported and
 * skipped; returns SH_ERULE (diag = first error) when any failed.
 */
SH_API int sh_sigma_load_path(sh_sigma_set *set, const char *path, sh_diag *diag);
/** Load rules from memory; `source` names them in diagnostics. */
SH_API int sh_sigma_load_buf(sh_sigma_set *set, const char *buf, size_t len, const char *source,
                             sh_diag *diag);
/** Load the built-in log pack (rules/logs/ compiled into the binary). */
SH_API int sh_sigma_load_builtin(sh_sigma_set *set, sh_diag *diag);

/**
 * Resolve references (filters, correlations, `expand` placeholders against
 * `policy`, which may be NULL and is borrowed until the set is freed) and
 * build the prefilter. Problems are reported like load errors.
 */
SH_API int sh_sigma_compile(sh_sigma_set *set, const struct sh_policy *policy, sh_diag *diag);

typedef struct sh_sigma_rule_info {
    const char *id;   /* may be NULL for rules without id */
    const char *name; /* may be NULL */
    const char *title;
    const char *kind;                         /* "detection", "correlation" or "filter" */
    const char *level;                        /* as written, may be NULL */
    const char *status;                       /* may be NULL */
    const char *product, *service, *category; /* logsource, may be NULL */
    const char *source;                       /* rule file */
    uint32_t line;
    bool applicable; /* evaluated on device logs */
    bool anchored;   /* has an exact literal prefilter (else evaluated on every event) */
    const char *const *tags;
    size_t n_tags;
    const char *const *requires; /* x-salthunt-requires */
    size_t n_requires;
} sh_sigma_rule_info;

/** Number of rules (detection, correlation and filter) in the set. */
SH_API size_t sh_sigma_count(const sh_sigma_set *set);
/** Describe rule `i` (0 <= i < count); strings borrowed from the set. */
SH_API int sh_sigma_rule_get(const sh_sigma_set *set, size_t i, sh_sigma_rule_info *out);

/**
 * Lint rule files/folders (built-in pack too when `builtin`): load and
 * compile them, calling `cb` for every rule that cannot be run and why, and
 * for notes. *n_errors gets the number of errors. Returns 0 or SH_ENOMEM.
 */
SH_API int sh_sigma_lint(const char *const *paths, size_t n_paths, bool builtin,
                         const struct sh_policy *policy, sh_sigma_diag_cb cb, void *ud,
                         size_t *n_errors);

/** One sample file's outcome in sh_sigma_test_pack. */
typedef struct sh_sigma_test_case {
    const char *rule;   /* rule id (the tests/<rule-id> folder name) */
    const char *path;   /* sample file */
    bool expect_match;  /* from match/ (true) or nomatch/ (false) */
    bool ok;            /* outcome agreed with expectation */
    uint32_t line;      /* first offending line (0 for a whole-file failure) */
    const char *detail; /* why it failed, or NULL */
} sh_sigma_test_case;

typedef void (*sh_sigma_test_cb)(const sh_sigma_test_case *c, void *ud);

/**
 * Prove a pack: every rule with an id must have tests_dir/<id>/match/ and
 * nomatch/ sample files (device log lines). Each file is read as one log
 * (correlations run over it): the rule must fire at least once on every
 * match/ file and never on a nomatch/ file. `set` must be compiled.
 * Counts go to *passed / *failed; a missing match/ or nomatch/ folder
 * counts as a failure. Returns 0 or SH_ENOMEM.
 */
SH_API int sh_sigma_test_pack(const sh_sigma_set *set, const char *tests_dir, sh_sigma_test_cb cb,
                              void *ud, size_t *passed, size_t *failed);

#ifdef __cplusplus
}
#endif
#endif
