/*
 * sh_scan.h - run a scan over files and folders (the main job).
 *
 * A scan walks the paths it is given, recognises each file by content
 * (config, show capture, syslog, ...), hands it to the analyzer that
 * claims it, and gathers findings and device facts. Files are analysed in
 * parallel by `jobs` worker threads; the result is deterministic
 * whatever the thread count (findings are sorted at the end).
 */
#ifndef SALTHUNT_SH_SCAN_H
#define SALTHUNT_SH_SCAN_H

#include "salthunt.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Diagnostic sink: called for every non-fatal problem (unparsed input, skipped file). */
typedef void (*sh_diag_cb)(const sh_diag *d, void *ud);

/** Progress callback: files done out of files total; called from worker threads. */
typedef void (*sh_progress_cb)(size_t done, size_t total, void *ud);

typedef struct sh_scan_options {
    unsigned version;              /* SH_SCAN_OPTIONS_VERSION */
    unsigned jobs;                 /* worker threads; 0 = number of cores */
    const char *policy_path;       /* site policy YAML, or NULL */
    const char *const *rule_paths; /* user rule files/folders, NULL-terminated, or NULL */
    bool no_builtin_rules;         /* only the user's rules */
    bool include_related_iocs;     /* also the third-party indicator set (off by default) */
    bool all;                      /* also report not_affected exposure results */
    size_t max_file_size;          /* bytes; 0 = default (256 MiB) */
    sh_diag_cb on_diag;
    void *diag_ud;
    sh_progress_cb on_progress;
    void *progress_ud;
    /* Database whose imported intel (salthunt intel import) joins the
     * built-in indicators and CVE records; NULL = built-in data only. */
    const char *intel_db;
} sh_scan_options;

#define SH_SCAN_OPTIONS_VERSION 1
#define SH_SCAN_OPTIONS_INIT                                                                       \
    {                                                                                              \
        SH_SCAN_OPTIONS_VERSION, 0, NULL, NULL, false, false, false, 0, NULL, NULL, NULL, NULL,    \
            NULL                                                                                   \
    }

/** What a scan learned about one device (one per hostname, or per file when unnamed). */
typedef struct sh_device {
    char *hostname; /* NULL when unknown */
    char *platform; /* "ios", "iosxe", ... or NULL */
    char *os;       /* e.g. "IOS XE", or NULL */
    char *version;  /* software version, or NULL */
    char *model;
    char *serial;
    char *uptime;
    char *dialect_basis; /* how the platform was recognised */
    sh_strlist sources;  /* evidence files, as the user named them */
    sh_strlist features; /* enabled features seen in config: "http_server", "vstack", ... */
} sh_device;

typedef struct sh_scan_result {
    sh_findings findings; /* sorted deterministically */
    sh_device **devices;  /* sorted by hostname */
    size_t n_devices;
    size_t files_seen;     /* regular files visited */
    size_t files_analysed; /* claimed by an analyzer */
    size_t files_skipped;  /* not recognised / unreadable */
    size_t bytes;          /* bytes analysed */
    size_t lines_unparsed; /* input lines kept raw */
    size_t n_errors;       /* diagnostics of error class emitted */
} sh_scan_result;

/**
 * Scan `paths` (files or folders, recursively). Fills an owned *out
 * (release with sh_scan_result_free). Returns 0, or a negative status for
 * failures that stop the scan (bad policy or rules: SH_ERULE / SH_EPARSE
 * with `diag` naming file and line). Problems with single evidence files
 * do not stop the scan: they go to opts->on_diag and are counted.
 */
SH_API int sh_scan_run(sh_scan_result **out, const char *const *paths, size_t n_paths,
                       const sh_scan_options *opts, sh_diag *diag);

SH_API void sh_scan_result_free(sh_scan_result *r);
SH_API void sh_device_free(sh_device *d);

#ifdef __cplusplus
}
#endif
#endif
