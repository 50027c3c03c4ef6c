/*
 * salthunt.h - public API of libsalthunt.
 *
 * libsalthunt hunts for the tradecraft of advisory AA25-239A in network
 * device evidence (configs, show captures, syslog) and audits hardening.
 * This header holds the types every part of the program shares: status
 * codes, the diagnostic record, and the finding contract of PRODUCT.md §5.
 *
 * Ownership words used in every comment: owned, borrowed, takes, detach
 * (see docs/internals/MEMORY.md). Thread-safety is stated per function.
 */
#ifndef SALTHUNT_H
#define SALTHUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SH_API __attribute__((visibility("default")))

#define SH_VERSION_STRING "0.1.0"

/** Status codes: 0 is success, everything else is negative. */
typedef enum sh_status {
    SH_OK = 0,
    SH_ENOMEM = -1,       /* allocation failed */
    SH_EINVAL = -2,       /* caller misuse */
    SH_EPARSE = -3,       /* syntax error in input */
    SH_ERULE = -4,        /* rule or policy semantics */
    SH_EIO = -5,          /* read/write failure */
    SH_ENOTFOUND = -6,    /* lookup found nothing */
    SH_ELIMIT = -7,       /* a configured bound was hit */
    SH_EDB = -8,          /* database error */
    SH_EUNSUPPORTED = -9, /* input recognised but not supported */
    SH_EINTERNAL = -10,   /* bug */
} sh_status;

/** Human text for a status code; never NULL, borrowed (static). */
SH_API const char *sh_status_str(int status);

/**
 * Folder where compiled pattern databases are kept between runs (a
 * subfolder hs/ is created in it). NULL or "" turns the cache off, the
 * library's default. Call before scans start; not thread-safe.
 */
SH_API int sh_set_cache_dir(const char *dir);
/**
 * The command line's cache folder: $SALTHUNT_CACHE_DIR ("" or "off" for
 * none), else $XDG_CACHE_HOME/salthunt, else $HOME/.cache/salthunt.
 * Owned string (free()), or NULL.
 */
SH_API char *sh_cache_dir_default(void);

#define SH_DIAG_TEXT 256
#define SH_DIAG_SOURCE 160

/**
 * Diagnostic detail, filled by functions that parse untrusted text.
 * Fixed size so that filling it never allocates (jansson's json_error_t).
 */
typedef struct sh_diag {
    int code;                    /* sh_status of the failure */
    char source[SH_DIAG_SOURCE]; /* file name or "<builtin:...>" */
    uint32_t line;               /* 1-based; 0 when unknown */
    uint32_t column;             /* 1-based; 0 when unknown */
    char text[SH_DIAG_TEXT];     /* one line, lower case, no trailing period */
} sh_diag;

/** Clear a diag (all zero). Accepts NULL. */
SH_API void sh_diag_clear(sh_diag *d);

/**
 * Fill a diag and return `code` so callers can `return sh_diag_set(...)`.
 * Accepts NULL for `d` (then only returns `code`). `source` may be NULL.
 */
SH_API int sh_diag_set(sh_diag *d, int code, const char *source, uint32_t line, const char *fmt,
                       ...) __attribute__((format(printf, 5, 6)));

/** Severity, ordered: a larger value is more severe. */
typedef enum sh_severity {
    SH_SEV_INFO = 0,
    SH_SEV_LOW,
    SH_SEV_MEDIUM,
    SH_SEV_HIGH,
    SH_SEV_CRITICAL,
} sh_severity;

/** Finding kind (PRODUCT.md §5). */
typedef enum sh_kind {
    SH_KIND_TTP = 0,
    SH_KIND_IOC,
    SH_KIND_EXPOSURE,
    SH_KIND_HARDENING,
    SH_KIND_DRIFT,
    SH_KIND_RARITY,
    SH_KIND_COVERAGE,
} sh_kind;

SH_API const char *sh_severity_str(sh_severity s);
/** Parse "high" etc.; returns 0 and sets *out, or SH_EINVAL. */
SH_API int sh_severity_parse(sh_severity *out, const char *s);
SH_API const char *sh_kind_str(sh_kind k);
SH_API int sh_kind_parse(sh_kind *out, const char *s);

/** A list of owned strings. */
typedef struct sh_strlist {
    char **v;
    size_t n;
    size_t cap;
} sh_strlist;

SH_API int sh_strlist_push(sh_strlist *l, const char *s);
SH_API void sh_strlist_clear(sh_strlist *l);

/**
 * One finding: the contract every output carries (PRODUCT.md §5).
 * Every string is owned by the finding and may be NULL when absent.
 * `line`/`end_line` are 1-based; 0 means no line (e.g. a missing line).
 */
typedef struct sh_finding {
    char *rule;
    char *title;
    sh_kind kind;
    sh_severity severity;
    sh_strlist attack;
    char *device;
    char *platform;
    char *path;
    uint32_t line;
    uint32_t end_line;
    char *evidence;
    char *message;
    char *remediation;
    sh_strlist references;
    char *time;  /* RFC 3339, log findings */
    char *cve;   /* exposure findings */
    char *state; /* exposure findings: exposed, feature_off, not_affected, unknown */
    /* Stable identity across scans: hex of a hash over rule, device, path
     * and evidence (not the line number, which moves as configs change). */
    char fingerprint[17];
    /* Filled by the store after a scan: "new", "seen" (or NULL). */
    const char *status;
    char *first_seen; /* RFC 3339, from the store */
    /* SH_FINDING_IN_BLOCK_* bits: fields stored in the finding's own
     * allocation (the analyzers that make many findings build each in one
     * block). sh_finding_free releases them with the finding; they are
     * read-only (replace a string by assigning a new owned one and
     * clearing its bit). 0 for a finding built field by field. */
    uint32_t in_block;
} sh_finding;

#define SH_FINDING_IN_BLOCK_RULE (1u << 0)
#define SH_FINDING_IN_BLOCK_TITLE (1u << 1)
#define SH_FINDING_IN_BLOCK_DEVICE (1u << 2)
#define SH_FINDING_IN_BLOCK_PLATFORM (1u << 3)
#define SH_FINDING_IN_BLOCK_PATH (1u << 4)
#define SH_FINDING_IN_BLOCK_EVIDENCE (1u << 5)
#define SH_FINDING_IN_BLOCK_MESSAGE (1u << 6)
#define SH_FINDING_IN_BLOCK_REMEDIATION (1u << 7)
#define SH_FINDING_IN_BLOCK_ATTACK (1u << 8)     /* the list and its strings */
#define SH_FINDING_IN_BLOCK_REFERENCES (1u << 9) /* the list and its strings */

/** Allocate a zeroed finding; owned, release with sh_finding_free. */
SH_API sh_finding *sh_finding_new(void);
SH_API void sh_finding_free(sh_finding *f);
/** Deep copy; owned. */
SH_API sh_finding *sh_finding_dup(const sh_finding *f);
/** Compute f->fingerprint from its fields. */
SH_API void sh_finding_fingerprint(sh_finding *f);
/** Fingerprint of the nth (1-based) repeat of an identical finding in one file. */
SH_API void sh_finding_fingerprint_nth(sh_finding *f, unsigned nth);

/** A growable list of owned findings. */
typedef struct sh_findings {
    sh_finding **v;
    size_t n;
    size_t cap;
} sh_findings;

/** Append, taking `f` (freed on failure too). */
SH_API int sh_findings_take(sh_findings *l, sh_finding *f);
/** Move every finding of `src` to the end of `dst`; src is left empty. */
SH_API int sh_findings_splice(sh_findings *dst, sh_findings *src);
/** Deterministic order: device, path, line, rule, evidence. */
SH_API void sh_findings_sort(sh_findings *l);
/** Most severe first within each device (text report order). */
SH_API void sh_findings_sort_by_severity(sh_findings *l);
SH_API void sh_findings_clear(sh_findings *l);

#ifdef __cplusplus
}
#endif
#endif
