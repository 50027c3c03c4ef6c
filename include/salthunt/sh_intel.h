/*
 * sh_intel.h - exposure, inventory and threat-intel files.
 *
 * Inventory: what a scan learned per device, merged across evidence files
 * by hostname. Intel import: CVE JSON 5.x records, the CISA KEV catalog,
 * STIX 2.1 bundles, CSV and one-per-line indicator lists, recognised by
 * content and kept in a store so later scans use them.
 *
 * Functions are thread-compatible; results are owned by the caller.
 */
#ifndef SALTHUNT_SH_INTEL_H
#define SALTHUNT_SH_INTEL_H

#include "salthunt.h"
#include "sh_scan.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Merge device records by hostname (case-insensitive; records without a
 * hostname stay apart, one per file). Each merged record takes the first
 * value of each field, preferring `show` captures for version, model and
 * serial; sources and features are the union. Owned; free with
 * sh_inventory_free. Order: hostname, then first source.
 */
SH_API int sh_inventory_merge(sh_device *const *devs, size_t n, sh_device ***out, size_t *n_out);
SH_API void sh_inventory_free(sh_device **devs, size_t n);

/** What an import recognised a file as. */
typedef enum sh_intel_kind {
    SH_INTEL_UNKNOWN = 0,
    SH_INTEL_CVE_RECORD,
    SH_INTEL_KEV,
    SH_INTEL_STIX,
    SH_INTEL_IOC_LIST, /* CSV with a type,value header, or one indicator per line */
} sh_intel_kind;

SH_API const char *sh_intel_kind_str(sh_intel_kind k);

/** Per-file outcome of an import. */
typedef struct sh_intel_import_stats {
    sh_intel_kind kind;
    size_t items;   /* CVE records (1), KEV entries or indicators imported */
    size_t skipped; /* STIX patterns or objects that could not be expressed */
} sh_intel_import_stats;

typedef struct sh_intel_store sh_intel_store;

/**
 * Open the intel tables in the SQLite database at `path` (created with
 * its folders as needed; tables are created IF NOT EXISTS). Owned.
 */
SH_API int sh_intel_store_open(sh_intel_store **out, const char *path, sh_diag *diag);
SH_API void sh_intel_store_close(sh_intel_store *s);

/**
 * Validate and import one file's content. The kind is recognised from the
 * content. A CVE record or KEV catalog replaces earlier imports of the
 * same CVE / the whole catalog; indicators are added (by type and value).
 * Indicators are labelled `related` (reporting other than the advisory;
 * used by scans only with --related-iocs) when asked.
 * Fails with diag naming the file and line on malformed input; nothing of
 * that file is kept then (one transaction per file).
 */
SH_API int sh_intel_import(sh_intel_store *s, const char *buf, size_t len, const char *source,
                           bool related, sh_intel_import_stats *stats, sh_diag *diag);

/** sh_intel_import on a file's content (gzip/zstd decompressed; at most 256 MiB). */
SH_API int sh_intel_import_file(sh_intel_store *s, const char *path, bool related,
                                sh_intel_import_stats *stats, sh_diag *diag);

/** Callback for sh_intel_list: one line per item. */
typedef void (*sh_intel_list_cb)(const char *kind, const char *id, const char *detail,
                                 const char *source, void *ud);

/**
 * List what salthunt knows: built-in and imported indicators ("ioc"),
 * CVE records ("cve", detail = KEV date and title) and KEV entries for
 * which no record is held are not listed one by one (their count is).
 * `s` may be NULL (built-in data only). `what`: "iocs", "cves" or NULL for both.
 */
SH_API int sh_intel_list(sh_intel_store *s, const char *what, bool include_related,
                         sh_intel_list_cb cb, void *ud, sh_diag *diag);

#ifdef __cplusplus
}
#endif
#endif
