/*
 * sigma_int.h - internal model of loaded Sigma rules and the compiled set.
 *
 * A rule set (struct sh_sigma_set) holds detection rules, filters and
 * correlation rules, all allocated in the set's arena (regexes and the
 * Hyperscan database are released explicitly). Loading is single-threaded;
 * after sh_sigma__compile the set is immutable and may be read by any
 * number of threads, each with its own struct sg_scratch.
 */
#ifndef SH_SIGMA_INT_H
#define SH_SIGMA_INT_H

#include "../base/sh_base.h"

#include "salthunt/sh_sigma.h"

#include "../policy/policy.h"

struct sh_log_event;

/* ---- bounds ---- */
#define SG_MAX_RULES 20000
#define SG_MAX_SELECTIONS 256 /* search identifiers per rule */
#define SG_MAX_VALUES 4096    /* values per field item, after expansion */
#define SG_MAX_COND_LEN 4096  /* condition text */
#define SG_MAX_COND_DEPTH 64  /* parenthesis / operator nesting */
#define SG_MAX_COND_NODES 2048
#define SG_MAX_REGEX 8192 /* bytes of one regex */
#define SG_MAX_GROUP_BY 8
#define SG_MAX_CORR_RULES 64

/* ---- values ---- */

enum sg_vkind {
    SG_V_STR = 0, /* glob pattern (with * and ?) */
    SG_V_RE,      /* PCRE2 */
    SG_V_CIDR,
    SG_V_NUM, /* lt/lte/gt/gte */
    SG_V_EXISTS,
    SG_V_NULL,
    SG_V_FIELDREF,
    SG_V_EXPAND, /* %placeholder%: membership in a site policy key */
};

enum sg_numop { SG_LT = 0, SG_LTE, SG_GT, SG_GTE, SG_EQ };

struct sg_value {
    enum sg_vkind kind;
    bool cased;       /* SG_V_STR / SG_V_FIELDREF: case-sensitive */
    bool want;        /* SG_V_EXISTS: exists: true/false */
    enum sg_numop op; /* SG_V_NUM */
    double num;
    char *pat;     /* SG_V_STR: pattern bytes; SG_V_FIELDREF: other field */
    uint8_t *wild; /* SG_V_STR: 1 where pat[i] is a wildcard (* or ?) */
    size_t pat_len;
    void *re;   /* SG_V_RE: pcre2_code * */
    uint8_t af; /* SG_V_CIDR: 4 or 6 */
    uint8_t prefix;
    uint8_t addr[16];
    int policy_key;   /* SG_V_EXPAND */
    int fref_mode;    /* SG_V_FIELDREF: 0 equal, 1 contains, 2 startswith, 3 endswith */
    uint8_t shape;    /* SG_V_STR: 0 general glob, 1 exact, 2 prefix, 3 suffix, 4 contains */
    const char *core; /* SG_V_STR shapes 1-4: the wildcard-free part of pat */
    size_t core_len;
    char *lit; /* prefilter anchor (may appear in the text when this value matches) */
    size_t lit_len;
    char *re_src;        /* SG_V_RE: source, for the prefilter */
    unsigned re_hsflags; /* SG_V_RE: Hyperscan flags */
    const char *field;   /* the event field its item reads (`mapped`), NULL for keywords */
    /* A caseless keyword `contains` whose anchor is its whole text: 1 + the
     * block database id, which matches in a line exactly where this value
     * does (0: none). */
    unsigned anchor;
};

/* One `field|mods: values` entry, or a keyword list (field == NULL). */
struct sg_item {
    char *field;  /* as written, NULL for keywords */
    char *mapped; /* salthunt event field it reads, NULL for keywords */
    bool all;     /* AND of values (|all) instead of OR */
    struct sg_value *v;
    size_t nv;
};

/* A search identifier: OR of groups, each group an AND of items. */
struct sg_group {
    struct sg_item *items;
    size_t n;
};

struct sg_sel {
    char *name;
    struct sg_group *groups;
    size_t n;
    bool hdr; /* reads only the raw line and the host: a header-only parse decides it */
};

enum sg_cop { SG_C_SEL = 0, SG_C_AND, SG_C_OR, SG_C_NOT, SG_C_NOF, SG_C_TRUE };

struct sg_cond {
    enum sg_cop op;
    int sel;       /* SG_C_SEL: selection index */
    unsigned need; /* SG_C_NOF: how many children must hold */
    struct sg_cond **kids;
    size_t n;
};

/* ---- correlation ---- */

enum sg_ctype {
    SG_CORR_EVENT_COUNT = 0,
    SG_CORR_VALUE_COUNT,
    SG_CORR_TEMPORAL,
    SG_CORR_TEMPORAL_ORDERED,
    SG_CORR_GAP,     /* salthunt extension: silence longer than timespan per group */
    SG_CORR_ABSENCE, /* salthunt extension: a rule's event not preceded by another's */
};

struct sg_alias {
    char *name;
    char **rule_ref; /* rule id or name per entry */
    char **field;
    size_t n;
};

struct sg_corr {
    enum sg_ctype type;
    char **refs; /* rule ids or names as written */
    int *ridx;   /* resolved rule indexes */
    size_t nrefs;
    char **group_by;
    size_t ngb;
    int64_t timespan_ms;
    bool has_cond;
    enum sg_numop cop;
    double cval;
    char *cfield; /* value_count */
    bool generate;
    char *absent_ref; /* SG_CORR_ABSENCE */
    int absent_idx;
    struct sg_alias *aliases;
    size_t naliases;
};

/* ---- rules ---- */

struct sg_filter;

struct sg_rule {
    char *id, *name, *title, *description, *status, *level;
    sh_severity severity;
    char **tags, **refs, **falsepos, **requires, **fields;
    size_t ntags, nrefs, nfalsepos, nrequires, nfields;
    char *product, *service, *category;
    char *source; /* file it came from, or "<builtin:...>" */
    uint32_t line;
    bool applicable; /* logsource is one salthunt evaluates on device logs */
    bool suppressed; /* only a correlation's input (generate: false) */
    bool corr_input; /* some correlation reads this rule's matches */
    bool no_report;  /* x-salthunt-report: false (a helper that only feeds correlations) */
    struct sg_sel *sels;
    size_t nsel;
    struct sg_cond *cond;
    struct sg_filter **filters; /* filters that apply to this rule */
    size_t nfilters;
    struct sg_corr *corr; /* non-NULL: a correlation rule */
    bool anchored;        /* has an exact prefilter anchor set */
    /* Its matches can be decided and kept from a header-only parse when
     * its `hdr` selections decide its condition (sh_sigma__eval_span_header):
     * it makes no finding of its own, has no filters and the store keeps
     * no value of it but the host. */
    bool hdr_eval;
    /* field names whose values correlations need from this rule's events */
    char **keep;
    size_t nkeep;
    int index;
    /* The one correlation that reads this rule, when it reads it only as
     * its x-salthunt-absent rule: the hit store keeps just what that
     * correlation can tell apart (sigma_corr.c). */
    const struct sg_rule *absent_for;
    /* With absent_for: for each group-by field of that correlation, which
     * of the kept values (struct sg_tuple) holds it: 0 the host, 1 + i
     * keep[i], -1 none (the group value is then empty). */
    int *absent_gslot;
};

struct sg_filter {
    char *id, *title, *source;
    uint32_t line;
    char **targets;
    size_t ntargets;
    struct sg_sel *sels;
    size_t nsel;
    struct sg_cond *cond;
};

/* Prefilter: one Hyperscan pattern per anchor literal / regex. */
struct sg_mpm;
struct sg_xblock;

struct sh_sigma_set {
    struct sh_arena arena;
    struct sh_ptrvec rules;   /* struct sg_rule * (detection and correlation) */
    struct sh_ptrvec filters; /* struct sg_filter * */
    struct sh_ptrvec regexes; /* pcre2_code *, released with the set */
    const struct sh_policy *policy;
    /* sh_policy_contains, supplied by whoever links the policy module (the
     * log analyzer); `expand` values never match without it. */
    bool (*policy_contains)(const struct sh_policy *p, enum sh_policy_key key, const char *value);
    bool compiled;
    struct sg_mpm *mpm;
    /* Hyperscan id u stands for anchor entries pat_first[u] to
     * pat_first[u + 1] - 1 (one id per distinct expression) */
    uint32_t *pat_first;
    uint32_t *pat_rule;  /* entry -> rule index */
    uint8_t *pat_clause; /* entry -> anchor clause of its rule */
    uint8_t *pat_cmd;    /* entry -> 1 when it reads the `command` field */
    uint32_t *rule_need; /* per rule: the clause bits that make it a candidate */
    size_t npat;         /* Hyperscan ids */
    int *always;         /* rules evaluated on every event */
    size_t nalways;
    /* Anchors that are a field's presence (`field|exists: true`): the rule
     * is a candidate for an event that has the field. */
    uint32_t *exists_rule;
    uint8_t *exists_clause;
    const char **exists_field;
    size_t nexists;
    /* Distinct event fields read by text anchors (keyword anchors read the
     * raw line and are not listed). */
    const char **anchor_fields;
    size_t nanchor_fields;
    /* lines with no rule's anchors complete may get a header-only parse
     * (sh_sigma__span_quiet) */
    bool header_ok;
    /* some rule has hdr_eval (and header_ok holds) */
    bool header_eval;
    int *corr_order; /* correlation rules, dependencies first */
    size_t ncorr;
    size_t unanchored_patterns;
    sh_sigma_diag_cb on_diag;
    void *diag_ud;
    size_t n_errors;
    bool skip_foreign; /* silently skip YAML documents that are not Sigma rules */
};

/* Prefilter matches of one block of lines (sh_sigma__block_scan). */
struct sg_bmatch {
    size_t to; /* end offset in the block */
    unsigned id;
};

struct sg_block {
    struct sg_bmatch *m;
    size_t n, cap, k; /* k: first match not before the last span asked for */
    size_t len;       /* bytes scanned */
    size_t last_from;
    bool valid, full, unsorted;
};

#define SG_FIELD_MEMO 16

/* Per-thread evaluation scratch. */
struct sg_scratch {
    const struct sh_sigma_set *set;
    void *hs_scratch;
    uint32_t *cand; /* per rule: bit c set when a value of anchor clause c was seen */
    int *touched;   /* rules with a bit set in cand */
    size_t ntouched;
    int *list; /* candidate rule indexes */
    size_t nlist;
    int8_t *selmemo;
    size_t selmemo_cap;
    void *md; /* pcre2 match data */
    char lower[8192];
    /* The current event's raw line lower-cased, made on first need: most
     * fields are slices of it, and many items read the same field. */
    bool raw_lowered;
    char lower_raw[8192];
    /* the event's text outside its raw line, for one prefilter scan */
    char other[8192];
    struct sg_block blk;
    /* While a span's rules are evaluated: its anchor matches are
     * blk.m[sk0, sk1), those inside the event's raw line end by send. */
    bool span;
    size_t sk0, sk1, send;
    /* the block database with a reader's own texts (sh_sigma__scratch_xblock),
     * and the end offsets of those texts in the last block, ascending */
    const struct sg_xblock *xb;
    size_t *xe, nxe, capxe, kxe;
    bool xunsorted;
    /* anchored_field() answers for recent field-name pointers */
    const char *fmemo_name[SG_FIELD_MEMO];
    bool fmemo_yes[SG_FIELD_MEMO];
};

/* ---- internal API ---- */

/** Report a load/lint problem through the set's sink and count errors. */
void sh_sigma__report(struct sh_sigma_set *set, int code, const char *source, uint32_t line,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/** Parse a condition expression over the rule's selections into an arena tree. */
int sh_sigma__cond_parse(struct sh_arena *arena, const char *text, struct sg_sel *sels, size_t nsel,
                         struct sg_cond **out, char *err, size_t errlen);

/** Build the values of one item from a YAML node and its modifier chain. */
struct sy_node;
int sh_sigma__values_build(struct sh_sigma_set *set, struct sg_item *it, const char *mods,
                           const struct sy_node *vals, char *err, size_t errlen);

/** Field name of a Sigma rule mapped to a salthunt log event field. */
const char *sh_sigma__field_map(const char *sigma_name);

/** Whether a value/item/selection matches the event. */
bool sh_sigma__eval_rule(struct sg_scratch *s, const struct sg_rule *r,
                         const struct sh_log_event *ev);

/** The value of a (mapped) field in the event; NULL when absent. */
const char *sh_sigma__event_field(const struct sh_log_event *ev, const char *name, size_t *len);

/* Prefilter (Hyperscan). */
int sh_sigma__mpm_build(struct sh_sigma_set *set, sh_diag *diag);
void sh_sigma__mpm_free(struct sg_mpm *m);
void *sh_sigma__mpm_scratch_new(const struct sg_mpm *m);
void sh_sigma__mpm_scratch_free(void *s);
/** Whether the set has the database for block scans. */
bool sh_sigma__mpm_has_block(const struct sg_mpm *m);

/**
 * Scan a block of many lines, calling cb(pattern id, end offset) for every
 * match of every anchor (not once per anchor). With `x`, its database is
 * scanned instead: the anchors, then a reader's own texts (ids from
 * set->npat on). A non-zero return from cb stops the scan early, without
 * error.
 */
int sh_sigma__mpm_scan_block(const struct sg_mpm *m, const struct sg_xblock *x, void *scratch,
                             const char *text, size_t len,
                             int (*cb)(unsigned id, size_t to, void *ud), void *ud);
/** Make `*scratch` (from sh_sigma__mpm_scratch_new) serve x too. */
int sh_sigma__mpm_scratch_grow(const struct sg_xblock *x, void **scratch);

/** Scan text; calls back with each matching pattern id (once per id per call). */
int sh_sigma__mpm_scan(const struct sg_mpm *m, void *scratch, const char *text, size_t len,
                       void (*cb)(unsigned id, void *ud), void *ud);

/** The field of rule `r` that correlation `k` calls `name` (aliases resolved). */
const char *sh_sigma__corr_field(const struct sg_corr *k, const struct sg_rule *r,
                                 const char *name);

/**
 * Literal-anchor analysis of a rule's condition; true when an exact anchor
 * set exists. vals_out gets clauses: runs of struct sg_value * each ended
 * by NULL; the rule can only match an event in which every clause has one
 * of its values.
 */
bool sh_sigma__anchors(const struct sg_rule *r, struct sh_ptrvec *vals_out);

struct sh_ioc_set;
struct sh_log_event;

/**
 * The finding for one event that rule `r` matched (analyzer_log.c): rule
 * metadata, device, platform guess, path/line, time, key fields in the
 * message, and kind `ioc` when src_ip or dst_ip is in `iocs` (may be NULL).
 * Shared by `salthunt scan` and `salthunt watch` so both report alike.
 * *out is owned by the caller.
 */
/** Rule id, title, kind ttp, severity, references and ATT&CK ids of `r` into `f`. */
int sh_sigma__rule_meta(sh_finding *f, const struct sg_rule *r);

int sh_sigma__event_finding(sh_finding **out, const struct sg_rule *r,
                            const struct sh_log_event *ev, const char *path,
                            const struct sh_ioc_set *iocs);

#endif
