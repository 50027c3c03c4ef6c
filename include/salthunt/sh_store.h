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

/** Open (creating folders, file and schema as needed) and migrate. Owned. */
SH_API int sh_store_open(sh_store **out, const char *path, sh_diag *diag);
SH_API void sh_store_close(sh_store *s);

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

/** Load the findings of scan `scan_id` (0: the latest scan) into `out`. */
SH_API int sh_store_load_findings(sh_store *s, int64_t scan_id, sh_findings *out, sh_diag *diag);

#ifdef __cplusplus
}
#endif
#endif
