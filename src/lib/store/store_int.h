/*
 * store_int.h - store internals that tests reach (schema version, crash
 * hooks, raw counts). Not part of the public API. Same thread rules as
 * sh_store.h: one connection, one thread.
 */
#ifndef SH_STORE_INT_H
#define SH_STORE_INT_H

#include "../base/sh_base.h"

#include "salthunt/sh_store.h"

/** Open and migrate only up to `max_version` (tests build old-version files). */
int sh_store__open_version(sh_store **out, const char *path, int max_version, bool create,
                           sh_diag *diag);

/** Newest schema version this build knows (the highest migration number). */
int sh_store__latest_version(void);

/** PRAGMA user_version of the open database, or a negative status. */
int sh_store__user_version(sh_store *s);

/** Run one read-only query that yields one integer (trusted SQL from tests). */
int sh_store__query_int(sh_store *s, const char *sql, int64_t *out);

/** Run one statement that returns no rows (trusted SQL from tests). */
int sh_store__exec(sh_store *s, const char *sql);

/** PRAGMA integrity_check: 0 when it says "ok", else SH_EDB with its first line. */
int sh_store__integrity_check(sh_store *s, sh_diag *diag);

/**
 * Called inside sh_store_record_scan after each finding is written (still
 * inside the transaction), so crash tests can kill the process there.
 */
void sh_store__set_record_hook(sh_store *s, void (*fn)(size_t done, void *ud), void *ud);

#endif
