/*
 * intel_store.c - imported intel in the SQLite database (sh_intel.h).
 *
 * Lives with the store because SQLite stays behind this module; the
 * intel parsers (../intel/) validate every file before it is written.
 *
 * The file is created and migrated by the scan store (sh_store_open); the
 * three intel tables are created IF NOT EXISTS here, beside the store's own
 * tables, because the store's numbered migrations belong to the store:
 * intel_cve (one row per CVE, the record's JSON kept whole so a newer
 * salthunt can re-read it), intel_kev (the latest catalog, whole) and
 * intel_ioc (one row per indicator). An import is validated completely in
 * memory first and then written in one transaction, so a malformed file
 * leaves the store as it was.
 * One connection per sh_intel_store; not shared between threads.
 */
#include "../base/sh_base.h"

#include "intel_store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../intel/cvedb.h"
#include "../intel/ioc.h"
#include "../intel/stix.h"
#include "salthunt/sh_store.h"

struct sh_intel_store {
    sqlite3 *db;
    char *path;
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS intel_cve(\n"
    "  cve TEXT PRIMARY KEY, source TEXT NOT NULL,\n"
    "  imported_at TEXT NOT NULL, record TEXT NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS intel_kev(\n"
    "  id INTEGER PRIMARY KEY CHECK (id = 1), source TEXT NOT NULL,\n"
    "  imported_at TEXT NOT NULL, entries INTEGER NOT NULL, catalog TEXT NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS intel_ioc(\n"
    "  type TEXT NOT NULL, value TEXT NOT NULL, source TEXT NOT NULL, note TEXT,\n"
    "  related INTEGER NOT NULL DEFAULT 0, imported_at TEXT NOT NULL,\n"
    "  PRIMARY KEY (type, value));\n";

const char *sh_intel_kind_str(sh_intel_kind k)
{
    switch (k) {
    case SH_INTEL_CVE_RECORD: return "cve-record";
    case SH_INTEL_KEV: return "kev-catalog";
    case SH_INTEL_STIX: return "stix-bundle";
    case SH_INTEL_IOC_LIST: return "indicator-list";
    default: return "unknown";
    }
}

static int db_err(sqlite3 *db, sh_diag *diag, const char *path, const char *what)
{
    return sh_diag_set(diag, SH_EDB, path, 0, "%s: %s", what, db ? sqlite3_errmsg(db) : "?");
}

int sh_intel_store_open(sh_intel_store **out, const char *path, sh_diag *diag)
{
    sh_intel_store *s;
    char *err = NULL;

    SH_ASSERT_ARG(out && path);
    *out = NULL;
    /* The scan store creates and migrates the file (and refuses files that
     * are not salthunt's); the intel tables then live beside its tables. */
    {
        sh_store *main_store = NULL;
        int rc = sh_store_open(&main_store, path, diag);
        sh_store_close(main_store);
        if (rc)
            return rc;
    }
    s = sh_calloc(1, sizeof(*s));
    if (!s || !(s->path = sh_strdup(path))) {
        sh_free(s);
        return SH_ENOMEM;
    }
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        int rc = db_err(s->db, diag, path, "opening");
        sh_intel_store_close(s);
        return rc;
    }
    sqlite3_busy_timeout(s->db, 5000);
    if (sqlite3_exec(s->db, schema, NULL, NULL, &err) != SQLITE_OK) {
        int rc = sh_diag_set(diag, SH_EDB, path, 0, "creating intel tables: %s", err ? err : "?");
        sqlite3_free(err);
        sh_intel_store_close(s);
        return rc;
    }
    *out = s;
    return SH_OK;
}

void sh_intel_store_close(sh_intel_store *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    sh_free(s->path);
    sh_free(s);
}

static void now_rfc3339(char *buf, size_t size)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- writing ---- */

struct ioc_writer {
    sqlite3_stmt *st;
    const char *now;
    size_t n;
    int rc;
};

static int write_ioc(const struct sh_ioc *ioc, void *ud)
{
    struct ioc_writer *w = ud;

    sqlite3_reset(w->st);
    sqlite3_bind_text(w->st, 1, sh_ioc_type_name(ioc->type), -1, SQLITE_STATIC);
    sqlite3_bind_text(w->st, 2, ioc->value, -1, SQLITE_STATIC);
    sqlite3_bind_text(w->st, 3, ioc->source, -1, SQLITE_STATIC);
    if (ioc->note)
        sqlite3_bind_text(w->st, 4, ioc->note, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(w->st, 4);
    sqlite3_bind_int(w->st, 5, ioc->related ? 1 : 0);
    sqlite3_bind_text(w->st, 6, w->now, -1, SQLITE_STATIC);
    if (sqlite3_step(w->st) != SQLITE_DONE)
        return w->rc = SH_EDB;
    w->n++;
    return SH_OK;
}

static int exec(sh_intel_store *s, const char *sql, sh_diag *diag)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return db_err(s->db, diag, s->path, sql);
    return SH_OK;
}

int sh_intel_import(sh_intel_store *s, const char *buf, size_t len, const char *source,
                    bool related, sh_intel_import_stats *stats, sh_diag *diag)
{
    struct sh_cvedb *cdb = NULL;
    struct sh_ioc_set *set = NULL;
    sh_intel_import_stats st = {0};
    sqlite3_stmt *stmt = NULL;
    char now[32], id[64];
    int kind, rc;

    SH_ASSERT_ARG(s && (buf || !len) && source);
    now_rfc3339(now, sizeof(now));
    kind = sh_cvedb_sniff(buf, len);
    if (kind == 0 && sh_stix_sniff(buf, len))
        kind = 3;
    rc = sh_cvedb_new(&cdb);
    if (!rc)
        rc = sh_ioc_set_new(&set);
    if (rc)
        goto out;
    /* Validate everything in memory first. */
    switch (kind) {
    case 1:
        st.kind = SH_INTEL_CVE_RECORD;
        rc = sh_cvedb_add_cve_json(cdb, buf, len, source, diag);
        st.items = 1;
        break;
    case 2:
        st.kind = SH_INTEL_KEV;
        rc = sh_cvedb_add_kev_json(cdb, buf, len, source, &st.items, diag);
        break;
    case 3: {
        struct sh_stix_stats ss;
        st.kind = SH_INTEL_STIX;
        rc = sh_stix_load(set, buf, len, source, related, &ss, diag);
        st.items = sh_ioc_set_count(set);
        st.skipped = ss.skipped;
        break;
    }
    default:
        st.kind = SH_INTEL_IOC_LIST;
        rc = sh_ioc_set_load_text(set, buf, len, source, related, diag);
        st.items = sh_ioc_set_count(set);
        if (!rc && st.items == 0)
            rc = sh_diag_set(diag, SH_EPARSE, source, 0,
                             "no indicators, CVE record, KEV catalog or STIX bundle recognised");
        break;
    }
    if (rc)
        goto out;
    if ((rc = exec(s, "BEGIN IMMEDIATE", diag)) != SH_OK)
        goto out;
    if (kind == 1) {
        struct sh_cve_info ci;
        sh_cvedb_info(cdb, 0, &ci);
        snprintf(id, sizeof(id), "%s", ci.id);
        if (sqlite3_prepare_v2(s->db,
                               "INSERT OR REPLACE INTO intel_cve(cve,source,imported_at,record) "
                               "VALUES(?,?,?,?)",
                               -1, &stmt, NULL) != SQLITE_OK) {
            rc = db_err(s->db, diag, s->path, "preparing");
            goto rollback;
        }
        sqlite3_bind_text(stmt, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, source, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 4, buf, (int)len, SQLITE_STATIC);
        if (sqlite3_step(stmt) != SQLITE_DONE) {
            rc = db_err(s->db, diag, s->path, "storing the CVE record");
            goto rollback;
        }
    } else if (kind == 2) {
        if (sqlite3_prepare_v2(s->db,
                               "INSERT OR REPLACE INTO intel_kev(id,source,imported_at,entries,"
                               "catalog) VALUES(1,?,?,?,?)",
                               -1, &stmt, NULL) != SQLITE_OK) {
            rc = db_err(s->db, diag, s->path, "preparing");
            goto rollback;
        }
        sqlite3_bind_text(stmt, 1, source, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, now, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 3, (sqlite3_int64)st.items);
        sqlite3_bind_text(stmt, 4, buf, (int)len, SQLITE_STATIC);
        if (sqlite3_step(stmt) != SQLITE_DONE) {
            rc = db_err(s->db, diag, s->path, "storing the KEV catalog");
            goto rollback;
        }
    } else {
        struct ioc_writer w = {NULL, now, 0, SH_OK};
        if (sqlite3_prepare_v2(s->db,
                               "INSERT OR REPLACE INTO intel_ioc(type,value,source,note,related,"
                               "imported_at) VALUES(?,?,?,?,?,?)",
                               -1, &stmt, NULL) != SQLITE_OK) {
            rc = db_err(s->db, diag, s->path, "preparing");
            goto rollback;
        }
        w.st = stmt;
        rc = sh_ioc_set_each(set, write_ioc, &w);
        if (rc) {
            rc = db_err(s->db, diag, s->path, "storing indicators");
            goto rollback;
        }
    }
    sqlite3_finalize(stmt);
    stmt = NULL;
    rc = exec(s, "COMMIT", diag);
    goto out;
rollback:
    sqlite3_finalize(stmt);
    stmt = NULL;
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
out:
    sqlite3_finalize(stmt);
    sh_cvedb_free(cdb);
    sh_ioc_set_free(set);
    if (stats)
        *stats = st;
    return rc;
}

int sh_intel_import_file(sh_intel_store *s, const char *path, bool related,
                         sh_intel_import_stats *stats, sh_diag *diag)
{
    char *buf = NULL;
    size_t len = 0;
    int rc;

    SH_ASSERT_ARG(s && path);
    rc = sh_file_read(&buf, &len, path, (size_t)256 << 20, diag);
    if (!rc)
        rc = sh_intel_import(s, buf, len, path, related, stats, diag);
    sh_free(buf);
    return rc;
}

/* ---- reading back ---- */

int sh_intel_store_load(sh_intel_store *s, struct sh_cvedb *db, struct sh_ioc_set *iocs,
                        bool include_related, sh_diag *diag)
{
    sqlite3_stmt *st = NULL;
    int rc = SH_OK, step;

    SH_ASSERT_ARG(s);
    if (db) {
        /* KEV first: a CVE record's ADP listing only fills gaps. */
        if (sqlite3_prepare_v2(s->db, "SELECT source, catalog FROM intel_kev", -1, &st, NULL) !=
            SQLITE_OK)
            return db_err(s->db, diag, s->path, "reading KEV");
        while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
            const char *src = (const char *)sqlite3_column_text(st, 0);
            const char *cat = (const char *)sqlite3_column_blob(st, 1);
            rc = sh_cvedb_add_kev_json(db, cat, (size_t)sqlite3_column_bytes(st, 1), src, NULL,
                                       diag);
        }
        sqlite3_finalize(st);
        st = NULL;
        if (rc)
            return rc;
        if (sqlite3_prepare_v2(s->db, "SELECT source, record FROM intel_cve ORDER BY cve", -1, &st,
                               NULL) != SQLITE_OK)
            return db_err(s->db, diag, s->path, "reading CVE records");
        while (!rc && sqlite3_step(st) == SQLITE_ROW) {
            const char *src = (const char *)sqlite3_column_text(st, 0);
            const char *rec = (const char *)sqlite3_column_blob(st, 1);
            rc = sh_cvedb_add_cve_json(db, rec, (size_t)sqlite3_column_bytes(st, 1), src, diag);
        }
        sqlite3_finalize(st);
        st = NULL;
        if (rc)
            return rc;
    }
    if (iocs) {
        if (sqlite3_prepare_v2(s->db, "SELECT type, value, source, note, related FROM intel_ioc",
                               -1, &st, NULL) != SQLITE_OK)
            return db_err(s->db, diag, s->path, "reading indicators");
        while (!rc && sqlite3_step(st) == SQLITE_ROW) {
            int t = sh_ioc_type_parse((const char *)sqlite3_column_text(st, 0));
            bool related = sqlite3_column_int(st, 4) != 0;
            if (t < 0 || (related && !include_related))
                continue;
            rc = sh_ioc_set_add(iocs, (enum sh_ioc_type)t, (const char *)sqlite3_column_text(st, 1),
                                (const char *)sqlite3_column_text(st, 2),
                                (const char *)sqlite3_column_text(st, 3), related, diag);
            if (rc == SH_EPARSE)
                rc = SH_OK; /* a row an older salthunt accepted; skip it */
        }
        sqlite3_finalize(st);
    }
    return rc;
}

/* ---- listing ---- */

struct list_ctx {
    struct sh_ptrvec items; /* const struct sh_ioc * */
};

static int collect_ioc(const struct sh_ioc *ioc, void *ud)
{
    struct list_ctx *l = ud;
    return sh_ptrvec_push(&l->items, (void *)(uintptr_t)ioc);
}

static int cmp_ioc(const void *a, const void *b)
{
    const struct sh_ioc *x = *(const struct sh_ioc *const *)a;
    const struct sh_ioc *y = *(const struct sh_ioc *const *)b;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    return strcmp(x->value, y->value);
}

int sh_intel_list(sh_intel_store *s, const char *what, bool include_related, sh_intel_list_cb cb,
                  void *ud, sh_diag *diag)
{
    struct sh_cvedb *db = NULL;
    struct sh_ioc_set *set = NULL;
    struct list_ctx l = {{0}};
    size_t i;
    int rc;

    SH_ASSERT_ARG(cb);
    rc = sh_cvedb_new(&db);
    if (!rc)
        rc = sh_ioc_set_new(&set);
    if (!rc)
        rc = sh_cvedb_load_builtin(db, diag);
    if (!rc)
        rc = sh_ioc_set_load_builtin(set, include_related, diag);
    if (!rc && s)
        rc = sh_intel_store_load(s, db, set, include_related, diag);
    if (rc)
        goto out;
    if (!what || strcmp(what, "cves") == 0) {
        for (i = 0; i < sh_cvedb_count(db); i++) {
            struct sh_cve_info ci;
            char detail[400];
            sh_cvedb_info(db, i, &ci);
            snprintf(detail, sizeof(detail), "%s%s%s | %.200s", ci.kev_date ? "KEV " : "not in KEV",
                     ci.kev_date ? ci.kev_date : "",
                     ci.advisory ? " | AA25-239A" : " | related reporting",
                     ci.title ? ci.title : "");
            cb("cve", ci.id, detail, ci.advisory ? "advisory" : "related", ud);
        }
        {
            char n[32];
            snprintf(n, sizeof(n), "%zu", sh_cvedb_kev_count(db));
            cb("kev", "entries", n, "CISA KEV catalog", ud);
        }
    }
    if (!what || strcmp(what, "iocs") == 0) {
        rc = sh_ioc_set_each(set, collect_ioc, &l);
        if (rc)
            goto out;
        if (l.items.n > 1)
            qsort(l.items.v, l.items.n, sizeof(*l.items.v), cmp_ioc);
        for (i = 0; i < l.items.n; i++) {
            const struct sh_ioc *ioc = l.items.v[i];
            cb(sh_ioc_type_name(ioc->type), ioc->value, ioc->note ? ioc->note : "", ioc->source,
               ud);
        }
    }
out:
    sh_ptrvec_free(&l.items);
    sh_cvedb_free(db);
    sh_ioc_set_free(set);
    return rc;
}
