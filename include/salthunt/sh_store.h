/*
 * sh_store.h - the embedded SQLite store of scans, devices and findings.
 *
 * Schema versioned with PRAGMA user_version and ordered migrations. A scan
 * is recorded in one transaction, so a scan killed mid-way leaves the
 * database as it was before. One connection per sh_store; not shared
 * between threads.
 */
#ifndef SALTHUNT_SH_STORE_H
#define SALTHUNT_SH_STORE_H

#include "salthunt.h"
#include "sh_scan.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sh_store sh_store;

/**
 * Default database path: $XDG_STATE_HOME/salthunt/salthunt.db, else
 * $HOME/.local/state/salthunt/salthunt.db. Writes into buf; returns buf or NULL.
 */
SH_API const char *sh_store_default_path(char *buf, size_t size);

/**
 * Open (creating folders with mode 0700, file and schema as needed) and
 * migrate to the newest schema. Owned; release with sh_store_close.
 */
SH_API int sh_store_open(sh_store **out, const char *path, sh_diag *diag);

/**
 * Open a database that must already exist (SH_ENOTFOUND when it does
 * not), migrating it if it is older. For commands that only read results.
 */
SH_API int sh_store_open_existing(sh_store **out, const char *path, sh_diag *diag);

/** Accepts NULL. */
SH_API void sh_store_close(sh_store *s);

/** Write the current UTC time as RFC 3339 ("2026-01-05T08:00:00Z"); returns buf or NULL. */
SH_API const char *sh_store_now(char *buf, size_t size);

/**
 * Start time (RFC 3339) recorded for the next sh_store_record_scan; without
 * it the scan's `now` is used for both start and finish. Copied.
 */
SH_API int sh_store_set_started(sh_store *s, const char *started);

/**
 * Record a finished scan of `paths`: devices, inventory facts, findings.
 * Sets each finding's `status` ("new" or "seen") and `first_seen`; fills
 * `gone` (owned copies) with findings of the previous scan of the same
 * scope that are no longer present; *had_previous tells whether such a
 * scan existed. One transaction. `now` is RFC 3339 (tests pass a fixed one).
 */
SH_API int sh_store_record_scan(sh_store *s, sh_scan_result *res, const char *const *paths,
                                size_t n_paths, const char *now, sh_findings *gone,
                                bool *had_previous, int64_t *scan_id_out, sh_diag *diag);

/**
 * Load the findings of scan `scan_id` (0: the latest scan) into `out`, in
 * the order the scan reported them, with status and first_seen set.
 * SH_ENOTFOUND when there is no such scan (or no scan at all).
 */
SH_API int sh_store_load_findings(sh_store *s, int64_t scan_id, sh_findings *out, sh_diag *diag);

/**
 * The findings of the scan before `scan_id` (0: the latest) with the same
 * scope that `scan_id` no longer has, appended to `gone` (owned copies);
 * *had_previous tells whether such an earlier scan exists.
 */
SH_API int sh_store_load_gone(sh_store *s, int64_t scan_id, sh_findings *gone, bool *had_previous,
                              sh_diag *diag);

/** One stored scan. Strings owned by the record (or by its list). */
typedef struct sh_store_scan_info {
    int64_t id;
    char *started;
    char *finished;
    char *scope; /* canonical scanned paths, one per line */
    size_t n_findings, n_new, n_gone;
    size_t files_seen, files_analysed, files_skipped, bytes, lines_unparsed, n_errors;
} sh_store_scan_info;

/**
 * Describe scan `scan_id` (0: the latest). Fills *out (owned strings,
 * release with sh_store_scan_info_clear). SH_ENOTFOUND when there is none.
 */
SH_API int sh_store_get_scan(sh_store *s, int64_t scan_id, sh_store_scan_info *out, sh_diag *diag);
SH_API void sh_store_scan_info_clear(sh_store_scan_info *i);

typedef struct sh_store_scan_list {
    sh_store_scan_info *v;
    size_t n;
} sh_store_scan_list;

/** Every stored scan, oldest first. Owned; release with sh_store_scan_list_clear. */
SH_API int sh_store_list_scans(sh_store *s, sh_store_scan_list *out, sh_diag *diag);
SH_API void sh_store_scan_list_clear(sh_store_scan_list *l);

/** What one scan learned about one device. Strings owned by the list; NULL when unknown. */
typedef struct sh_store_device_info {
    char *hostname; /* NULL for a device known only by its file */
    char *platform, *os, *version, *model, *serial;
} sh_store_device_info;

typedef struct sh_store_device_list {
    sh_store_device_info *v;
    size_t n;
} sh_store_device_list;

/**
 * The devices scan `scan_id` (0: the latest) learned about, with the facts
 * of that scan, ordered by identity. Owned; release with
 * sh_store_device_list_clear.
 */
SH_API int sh_store_list_devices(sh_store *s, int64_t scan_id, sh_store_device_list *out,
                                 sh_diag *diag);
SH_API void sh_store_device_list_clear(sh_store_device_list *l);

/** One fact of one device that differs from the previous scan that saw the device. */
typedef struct sh_store_device_change {
    char *device;             /* hostname, or "file:<first evidence file>" */
    const char *fact;         /* "platform", "os", "version", "model" or "serial" (static) */
    char *old_value;          /* NULL when the earlier scan did not know it */
    char *new_value;          /* NULL when this scan did not learn it */
    int64_t previous_scan_id; /* the earlier scan compared with */
} sh_store_device_change;

typedef struct sh_store_change_list {
    sh_store_device_change *v;
    size_t n;
} sh_store_change_list;

/**
 * Device facts that scan `scan_id` (0: the latest) found changed since the
 * previous scan (of any scope) that saw the same device: a new software
 * version, a swapped chassis (serial), ... Ordered by device, then fact.
 * Owned; release with sh_store_change_list_clear.
 */
SH_API int sh_store_device_changes(sh_store *s, int64_t scan_id, sh_store_change_list *out,
                                   sh_diag *diag);
SH_API void sh_store_change_list_clear(sh_store_change_list *l);

#ifdef __cplusplus
}
#endif
#endif
