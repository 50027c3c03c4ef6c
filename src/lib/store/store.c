/*
 * store.c - the SQLite store of scans, devices and findings. The only file
 * that includes sqlite3.h.
 *
 * The schema lives in embedded migration files schema/NNN_name.sql, applied
 * in order, each in its own transaction, with PRAGMA user_version holding
 * the number of the last one applied. The database runs in WAL mode with
 * synchronous=FULL and foreign keys on. A scan is recorded in one
 * transaction, so a process killed mid-way leaves the database as it was.
 * Every statement is prepared and bound; no SQL is built from data.
 *
 * Ownership: sh_store owns its connection; loaded findings are owned by
 * the caller's list. One sh_store per thread (SQLite's own locking keeps
 * several processes safe; the busy timeout makes writers wait their turn).
 */
#include "../base/sh_base.h"

#include "store_int.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../base/embed.h"

#define SCHEMA_PREFIX "src/lib/store/schema/"
#define BUSY_TIMEOUT_MS 10000
#define MAX_MIGRATIONS 999
/* 'SALT': marks the file as ours, so a foreign database is refused. */
#define APPLICATION_ID 0x53414c54

struct sh_store {
    sqlite3 *db;
    char *path;
    char *started;
    void (*hook)(size_t done, void *ud);
    void *hook_ud;
};

static int db_fail(sh_store *s, sh_diag *diag, const char *what)
{
    return sh_diag_set(diag, SH_EDB, s->path, 0, "%s: %s", what, sqlite3_errmsg(s->db));
}

static int prepare(sh_store *s, sqlite3_stmt **st, const char *sql, sh_diag *diag)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return db_fail(s, diag, "preparing a statement");
    return SH_OK;
}

/* Run one statement that returns no rows we need. */
static int exec1(sh_store *s, const char *sql, sh_diag *diag)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(s, &st, sql, diag);

    if (rc)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        ;
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(s, diag, sql);
    return SH_OK;
}

static int bind_text(sqlite3_stmt *st, int i, const char *v)
{
    return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

static char *col_dup(sqlite3_stmt *st, int i, int *err)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    char *d;

    if (!t)
        return NULL;
    d = sh_strdup((const char *)t);
    if (!d)
        *err = SH_ENOMEM;
    return d;
}

/* ---- paths and time ---- */

const char *sh_store_default_path(char *buf, size_t size)
{
    const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    int n;

    if (!buf || !size)
        return NULL;
    if (xdg && xdg[0] == '/')
        n = snprintf(buf, size, "%s/salthunt/salthunt.db", xdg);
    else if (home && home[0])
        n = snprintf(buf, size, "%s/.local/state/salthunt/salthunt.db", home);
    else
        return NULL;
    return n > 0 && (size_t)n < size ? buf : NULL;
}

const char *sh_store_now(char *buf, size_t size)
{
    time_t t = time(NULL);
    struct tm tm;

    if (!buf || !gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return NULL;
    return buf;
}

/* mkdir -p of the folder holding `path`, new folders private to the user. */
static int make_parent_dirs(const char *path, sh_diag *diag)
{
    char *dir = sh_strdup(path), *p;
    int rc = SH_OK;

    if (!dir)
        return SH_ENOMEM;
    p = strrchr(dir, '/');
    if (p && p != dir) {
        *p = '\0';
        rc = sh_mkdirs(dir, 0700, diag);
    }
    sh_free(dir);
    return rc;
}

/* ---- migrations ---- */

struct migrations {
    const struct sh_embedded *v[MAX_MIGRATIONS + 1]; /* v[n] is version n */
    int latest;
    int bad; /* a file name without its NNN_ prefix, or a gap */
};

static int collect_one(const struct sh_embedded *e, void *ud)
{
    struct migrations *m = ud;
    const char *base = e->name + strlen(SCHEMA_PREFIX);
    uint64_t n;

    if (strlen(base) < 5 || base[3] != '_' || !sh_str_to_u64(base, 3, MAX_MIGRATIONS, &n) ||
        n == 0 || m->v[n]) {
        m->bad = 1;
        return SH_OK;
    }
    m->v[n] = e;
    if ((int)n > m->latest)
        m->latest = (int)n;
    return SH_OK;
}

static void collect_migrations(struct migrations *m)
{
    int i;

    memset(m, 0, sizeof(*m));
    sh_embed_each(SCHEMA_PREFIX, collect_one, m);
    for (i = 1; i <= m->latest; i++)
        if (!m->v[i])
            m->bad = 1;
}

int sh_store__latest_version(void)
{
    struct migrations m;

    collect_migrations(&m);
    return m.latest;
}

static int read_int_pragma(sh_store *s, const char *sql, int64_t *out, sh_diag *diag)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(s, &st, sql, diag);

    if (rc)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        rc = SH_OK;
    } else {
        rc = db_fail(s, diag, "reading the schema version");
    }
    sqlite3_finalize(st);
    return rc;
}

/* Run every statement of a migration script (trusted, embedded text). */
static int run_script(sh_store *s, const char *sql, const char *name, sh_diag *diag)
{
    const char *tail = sql;

    while (tail && *tail) {
        sqlite3_stmt *st = NULL;
        int rc;

        if (sqlite3_prepare_v2(s->db, tail, -1, &st, &tail) != SQLITE_OK)
            return sh_diag_set(diag, SH_EDB, name, 0, "%s", sqlite3_errmsg(s->db));
        if (!st) /* only comments or whitespace left */
            break;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            ;
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return sh_diag_set(diag, SH_EDB, name, 0, "%s", sqlite3_errmsg(s->db));
    }
    return SH_OK;
}

static int migrate(sh_store *s, int max_version, sh_diag *diag)
{
    struct migrations m;
    int64_t cur = 0, app = 0;
    int v, rc;

    collect_migrations(&m);
    if (m.bad || m.latest == 0)
        return sh_diag_set(diag, SH_EINTERNAL, SCHEMA_PREFIX, 0,
                           "embedded schema migrations are not numbered 001.. without gaps");
    if (max_version <= 0 || max_version > m.latest)
        max_version = m.latest;
    rc = read_int_pragma(s, "PRAGMA user_version", &cur, diag);
    if (!rc)
        rc = read_int_pragma(s, "PRAGMA application_id", &app, diag);
    if (rc)
        return rc;
    if (cur > m.latest)
        return sh_diag_set(diag, SH_EDB, s->path, 0,
                           "database schema version %lld is newer than this salthunt knows (%d)",
                           (long long)cur, m.latest);
    if (cur == 0 && app == 0) {
        int64_t tables = 0;
        rc = read_int_pragma(s, "SELECT count(*) FROM sqlite_schema", &tables, diag);
        if (rc)
            return rc;
        if (tables)
            app = -1; /* somebody else's tables: leave them alone */
    }
    if (app != APPLICATION_ID && (cur > 0 || app != 0))
        return sh_diag_set(diag, SH_EDB, s->path, 0, "not a salthunt database");
    for (v = (int)cur + 1; v <= max_version; v++) {
        char pragma[64];

        rc = exec1(s, "BEGIN IMMEDIATE", diag);
        if (rc)
            return rc;
        /* Another process may have migrated while we waited for the lock. */
        rc = read_int_pragma(s, "PRAGMA user_version", &cur, diag);
        if (!rc && cur >= v) {
            rc = exec1(s, "COMMIT", diag);
            if (rc)
                return rc;
            v = (int)cur;
            continue;
        }
        if (!rc)
            rc = run_script(s, (const char *)m.v[v]->data, m.v[v]->name, diag);
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v);
        if (!rc)
            rc = exec1(s, pragma, diag);
        if (!rc && v == 1) {
            snprintf(pragma, sizeof(pragma), "PRAGMA application_id = %d", APPLICATION_ID);
            rc = exec1(s, pragma, diag);
        }
        if (!rc)
            rc = exec1(s, "COMMIT", diag);
        if (rc) {
            exec1(s, "ROLLBACK", NULL);
            return rc;
        }
    }
    return SH_OK;
}

/* ---- open and close ---- */

int sh_store__open_version(sh_store **out, const char *path, int max_version, bool create,
                           sh_diag *diag)
{
    sh_store *s = NULL;
    int rc, flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    bool memory = strcmp(path, ":memory:") == 0;
    struct stat st;

    SH_ASSERT_ARG(out && path);
    *out = NULL;
    if (!memory && !create && stat(path, &st) != 0)
        return sh_diag_set(diag, SH_ENOTFOUND, path, 0, "no database here (run a scan first)");
    if (!memory && create) {
        rc = make_parent_dirs(path, diag);
        if (rc)
            return rc;
        flags |= SQLITE_OPEN_CREATE;
    }
    s = sh_calloc(1, sizeof(*s));
    if (!s || !(s->path = sh_strdup(path))) {
        sh_free(s);
        return SH_ENOMEM;
    }
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        rc = sh_diag_set(diag, SH_EDB, path, 0, "cannot open database: %s",
                         s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    rc = exec1(s, "PRAGMA foreign_keys = ON", diag);
    if (!rc && !memory)
        rc = exec1(s, "PRAGMA journal_mode = WAL", diag);
    if (!rc)
        rc = exec1(s, "PRAGMA synchronous = FULL", diag);
    /* A big scan touches index pages all over the file (fingerprints are
     * random); SQLite's default 2 MiB cache would re-read them from disk. */
    if (!rc)
        rc = exec1(s, "PRAGMA cache_size = -65536", diag);
    if (!rc)
        rc = migrate(s, max_version, diag);
    if (rc && (sqlite3_errcode(s->db) & 0xff) == SQLITE_NOTADB)
        rc = sh_diag_set(diag, SH_EDB, path, 0, "not a salthunt database (not SQLite at all)");
    if (rc)
        goto fail;
    *out = s;
    return SH_OK;
fail:
    sh_store_close(s);
    return rc;
}

int sh_store_open(sh_store **out, const char *path, sh_diag *diag)
{
    return sh_store__open_version(out, path, 0, true, diag);
}

int sh_store_open_existing(sh_store **out, const char *path, sh_diag *diag)
{
    return sh_store__open_version(out, path, 0, false, diag);
}

void sh_store_close(sh_store *s)
{
    if (!s)
        return;
    sqlite3_close_v2(s->db);
    sh_free(s->path);
    sh_free(s->started);
    sh_free(s);
}

int sh_store_set_started(sh_store *s, const char *started)
{
    char *d;

    SH_ASSERT_ARG(s && started);
    d = sh_strdup(started);
    if (!d)
        return SH_ENOMEM;
    sh_free(s->started);
    s->started = d;
    return SH_OK;
}

int sh_store__user_version(sh_store *s)
{
    int64_t v = 0;
    int rc = read_int_pragma(s, "PRAGMA user_version", &v, NULL);

    return rc ? rc : (int)v;
}

int sh_store__query_int(sh_store *s, const char *sql, int64_t *out)
{
    return read_int_pragma(s, sql, out, NULL);
}

int sh_store__exec(sh_store *s, const char *sql)
{
    return exec1(s, sql, NULL);
}

int sh_store__integrity_check(sh_store *s, sh_diag *diag)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(s, &st, "PRAGMA integrity_check", diag);

    if (rc)
        return rc;
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = db_fail(s, diag, "integrity check");
    } else if (strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
        rc = sh_diag_set(diag, SH_EDB, s->path, 0, "integrity check: %s",
                         (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return rc;
}

void sh_store__set_record_hook(sh_store *s, void (*fn)(size_t done, void *ud), void *ud)
{
    s->hook = fn;
    s->hook_ud = ud;
}

/* ---- JSON string lists (attack, references, sources, features) ---- */

static int list_cb(const char *buffer, size_t size, void *data)
{
    return sh_buf_add(data, buffer, size) ? -1 : 0;
}

/* Owned JSON text of the list; NULL on OOM. */
static char *list_to_json(const sh_strlist *l)
{
    json_t *a = json_array();
    struct sh_buf b;
    size_t i;
    int bad = !a;

    sh_buf_init(&b, 0);
    for (i = 0; i < l->n && !bad; i++) {
        json_t *v = json_string(l->v[i]);
        if (!v) {
            /* Not UTF-8 (a file name, say): keep ASCII, mark other bytes. */
            char *c = sh_strdup(l->v[i]), *p;
            if (!c) {
                bad = 1;
                break;
            }
            for (p = c; *p; p++)
                if ((unsigned char)*p >= 0x80)
                    *p = '?';
            v = json_string(c);
            sh_free(c);
        }
        bad = json_array_append_new(a, v) != 0;
    }
    if (!bad)
        bad = json_dump_callback(a, list_cb, &b, JSON_COMPACT) != 0;
    if (!bad)
        bad = sh_buf_add(&b, "", 0) != 0;
    json_decref(a);
    if (bad) {
        sh_buf_free(&b);
        return NULL;
    }
    return sh_buf_detach(&b);
}

static int json_to_list(sh_strlist *l, const char *text)
{
    json_t *a;
    size_t i;
    int rc = SH_OK;

    if (!text || !*text)
        return SH_OK;
    a = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    if (!a || !json_is_array(a)) {
        json_decref(a);
        return SH_EDB;
    }
    for (i = 0; i < json_array_size(a) && !rc; i++) {
        const char *v = json_string_value(json_array_get(a, i));
        if (v)
            rc = sh_strlist_push(l, v);
    }
    json_decref(a);
    return rc;
}

/* ---- scope ---- */

/*
 * An absolute path: realpath when the path exists, else the working folder
 * joined with a lexical clean-up (no "//", "/./", trailing "/").
 */
static char *normalise_path(const char *p)
{
    char resolved[PATH_MAX];
    struct sh_buf b;
    const char *c;
    int rc = 0;

    if (realpath(p, resolved))
        return sh_strdup(resolved);
    sh_buf_init(&b, 0);
    if (p[0] != '/') {
        if (!getcwd(resolved, sizeof(resolved)))
            snprintf(resolved, sizeof(resolved), ".");
        rc = sh_buf_adds(&b, resolved);
        if (!rc)
            rc = sh_buf_addc(&b, '/');
    }
    for (c = p; *c && !rc; c++) {
        if (*c == '/' && b.len && b.ptr[b.len - 1] == '/')
            continue;
        if (*c == '.' && (c == p || c[-1] == '/') && (c[1] == '/' || c[1] == '\0') && c[1]) {
            c++;
            continue;
        }
        rc = sh_buf_addc(&b, *c);
    }
    while (!rc && b.len > 1 && b.ptr[b.len - 1] == '/')
        b.ptr[--b.len] = '\0';
    if (!rc && !b.len)
        rc = sh_buf_addc(&b, '.');
    if (rc) {
        sh_buf_free(&b);
        return NULL;
    }
    return sh_buf_detach(&b);
}

static int cmp_strp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The canonical scope: resolved paths, sorted, unique, one per line. */
static char *make_scope(const char *const *paths, size_t n)
{
    char **v = sh_calloc(n ? n : 1, sizeof(*v));
    struct sh_buf b;
    size_t i;
    int rc = v ? 0 : SH_ENOMEM;

    sh_buf_init(&b, 0);
    for (i = 0; i < n && !rc; i++) {
        v[i] = normalise_path(paths[i] ? paths[i] : "");
        if (!v[i])
            rc = SH_ENOMEM;
    }
    if (!rc)
        qsort(v, n, sizeof(*v), cmp_strp);
    for (i = 0; i < n && !rc; i++) {
        if (i && strcmp(v[i], v[i - 1]) == 0)
            continue;
        if (b.len)
            rc = sh_buf_addc(&b, '\n');
        if (!rc)
            rc = sh_buf_adds(&b, v[i]);
    }
    if (!rc)
        rc = sh_buf_add(&b, "", 0);
    for (i = 0; v && i < n; i++)
        sh_free(v[i]);
    sh_free(v);
    if (rc) {
        sh_buf_free(&b);
        return NULL;
    }
    return sh_buf_detach(&b);
}

/* ---- loading findings ---- */

/* Columns every finding query selects, in this order. */
#define FINDING_COLS                                                                               \
    "f.rule, f.title, f.kind, f.severity, f.attack, f.device, f.platform, f.path, f.evidence, "    \
    "coalesce(sf.message, f.message), coalesce(sf.remediation, f.remediation), f.refs, f.time, "   \
    "f.cve, f.state, f.fingerprint, sf.line, sf.end_line, sf.status, sf.first_seen"

static int row_to_finding(sh_store *s, sqlite3_stmt *st, bool with_status, sh_findings *out,
                          sh_diag *diag)
{
    sh_finding *f = sh_finding_new();
    const char *kind, *sev, *fp, *status;
    int err = 0, rc;

    if (!f)
        return SH_ENOMEM;
    kind = (const char *)sqlite3_column_text(st, 2);
    sev = (const char *)sqlite3_column_text(st, 3);
    if (!kind || !sev || sh_kind_parse(&f->kind, kind) || sh_severity_parse(&f->severity, sev)) {
        sh_finding_free(f);
        return sh_diag_set(diag, SH_EDB, s->path, 0,
                           "stored finding has an unknown kind or severity");
    }
    f->rule = col_dup(st, 0, &err);
    f->title = col_dup(st, 1, &err);
    f->device = col_dup(st, 5, &err);
    f->platform = col_dup(st, 6, &err);
    f->path = col_dup(st, 7, &err);
    f->evidence = col_dup(st, 8, &err);
    f->message = col_dup(st, 9, &err);
    f->remediation = col_dup(st, 10, &err);
    f->time = col_dup(st, 12, &err);
    f->cve = col_dup(st, 13, &err);
    f->state = col_dup(st, 14, &err);
    fp = (const char *)sqlite3_column_text(st, 15);
    snprintf(f->fingerprint, sizeof(f->fingerprint), "%s", fp ? fp : "");
    f->line = (uint32_t)sqlite3_column_int64(st, 16);
    f->end_line = (uint32_t)sqlite3_column_int64(st, 17);
    status = (const char *)sqlite3_column_text(st, 18);
    if (with_status && status)
        f->status = strcmp(status, "new") == 0 ? "new" : "seen";
    f->first_seen = col_dup(st, 19, &err);
    if (!err)
        err = json_to_list(&f->attack, (const char *)sqlite3_column_text(st, 4));
    if (!err)
        err = json_to_list(&f->references, (const char *)sqlite3_column_text(st, 11));
    if (err) {
        sh_finding_free(f);
        if (err == SH_EDB)
            return sh_diag_set(diag, SH_EDB, s->path, 0, "stored finding has a malformed list");
        return err;
    }
    rc = sh_findings_take(out, f);
    return rc;
}

static int load_rows(sh_store *s, sqlite3_stmt *st, bool with_status, sh_findings *out,
                     sh_diag *diag)
{
    int rc;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int r = row_to_finding(s, st, with_status, out, diag);
        if (r)
            return r;
    }
    return rc == SQLITE_DONE ? SH_OK : db_fail(s, diag, "reading findings");
}

/* Resolve 0 to the latest scan; check that the scan exists. */
static int resolve_scan(sh_store *s, int64_t *id, sh_diag *diag)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(
        s, &st, *id ? "SELECT id FROM scans WHERE id = ?1" : "SELECT max(id) FROM scans", diag);

    if (rc)
        return rc;
    if (*id)
        sqlite3_bind_int64(st, 1, *id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        *id = sqlite3_column_int64(st, 0);
        rc = SH_OK;
    } else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        rc = *id ? sh_diag_set(diag, SH_ENOTFOUND, s->path, 0, "no scan %lld in the database",
                               (long long)*id)
                 : sh_diag_set(diag, SH_ENOTFOUND, s->path, 0, "the database holds no scans yet");
    } else {
        rc = db_fail(s, diag, "looking up the scan");
    }
    sqlite3_finalize(st);
    return rc;
}

int sh_store_load_findings(sh_store *s, int64_t scan_id, sh_findings *out, sh_diag *diag)
{
    sqlite3_stmt *st = NULL;
    int rc;

    SH_ASSERT_ARG(s && out);
    rc = resolve_scan(s, &scan_id, diag);
    if (!rc)
        rc = prepare(s, &st,
                     "SELECT " FINDING_COLS " FROM scan_findings AS sf JOIN findings AS f "
                     "ON f.fingerprint = sf.fingerprint WHERE sf.scan_id = ?1 ORDER BY sf.seq",
                     diag);
    if (!rc) {
        sqlite3_bind_int64(st, 1, scan_id);
        rc = load_rows(s, st, true, out, diag);
    }
    sqlite3_finalize(st);
    return rc;
}

/* The latest earlier scan with the same scope as `scan_id`, or 0. */
static int previous_scan(sh_store *s, int64_t scan_id, const char *scope, int64_t *prev,
                         sh_diag *diag)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(s, &st,
                     scope ? "SELECT max(id) FROM scans WHERE scope = ?2 AND id < ?1"
                           : "SELECT max(p.id) FROM scans AS p JOIN scans AS c ON c.id = ?1 "
                             "WHERE p.scope = c.scope AND p.id < c.id",
                     diag);

    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, scan_id);
    if (scope)
        sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
    *prev = 0;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *prev = sqlite3_column_int64(st, 0);
        rc = SH_OK;
    } else {
        rc = db_fail(s, diag, "looking up the previous scan");
    }
    sqlite3_finalize(st);
    return rc;
}

static int load_gone_between(sh_store *s, int64_t prev, int64_t cur, sh_findings *gone,
                             sh_diag *diag)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(s, &st,
                     "SELECT " FINDING_COLS " FROM scan_findings AS sf JOIN findings AS f "
                     "ON f.fingerprint = sf.fingerprint WHERE sf.scan_id = ?1 AND NOT EXISTS "
                     "(SELECT 1 FROM scan_findings AS c WHERE c.scan_id = ?2 "
                     "AND c.fingerprint = sf.fingerprint) ORDER BY sf.seq",
                     diag);

    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, prev);
    sqlite3_bind_int64(st, 2, cur);
    rc = load_rows(s, st, false, gone, diag);
    sqlite3_finalize(st);
    return rc;
}

int sh_store_load_gone(sh_store *s, int64_t scan_id, sh_findings *gone, bool *had_previous,
                       sh_diag *diag)
{
    int64_t prev = 0;
    int rc;

    SH_ASSERT_ARG(s && gone);
    rc = resolve_scan(s, &scan_id, diag);
    if (!rc)
        rc = previous_scan(s, scan_id, NULL, &prev, diag);
    if (had_previous)
        *had_previous = !rc && prev;
    if (!rc && prev)
        rc = load_gone_between(s, prev, scan_id, gone, diag);
    return rc;
}

/* ---- recording a scan ---- */

enum {
    ST_INSERT_SCAN,
    ST_DEVICE,
    ST_FACTS,
    ST_IN_PREV,
    ST_IN_SCOPE,
    ST_FINDING,
    ST_SCAN_FINDING,
    ST_COUNT
};

static const char *const record_sql[ST_COUNT] = {
    [ST_INSERT_SCAN] = "INSERT INTO scans (started, finished, scope, tool_version, files_seen, "
                       "files_analysed, files_skipped, bytes, lines_unparsed, n_errors) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [ST_DEVICE] = "INSERT INTO devices (identity, hostname, platform, os, version, model, "
                  "serial, first_seen, last_seen, last_scan_id) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9) "
                  "ON CONFLICT (identity) DO UPDATE SET "
                  "platform = coalesce(excluded.platform, platform), "
                  "os = coalesce(excluded.os, os), version = coalesce(excluded.version, version), "
                  "model = coalesce(excluded.model, model), "
                  "serial = coalesce(excluded.serial, serial), last_seen = excluded.last_seen, "
                  "last_scan_id = excluded.last_scan_id RETURNING id",
    [ST_FACTS] = "INSERT OR REPLACE INTO device_facts (device_id, scan_id, platform, os, "
                 "version, model, serial, uptime, dialect_basis, sources, features) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [ST_IN_PREV] = "SELECT first_seen FROM scan_findings WHERE scan_id = ?1 AND "
                   "fingerprint = ?2 LIMIT 1",
    [ST_IN_SCOPE] = "SELECT min(sf.first_seen) FROM scan_findings AS sf JOIN scans AS s "
                    "ON s.id = sf.scan_id WHERE sf.fingerprint = ?1 AND s.scope = ?2 "
                    "AND sf.scan_id < ?3",
    [ST_FINDING] = "INSERT INTO findings (fingerprint, rule, title, kind, severity, attack, "
                   "device, platform, path, line, end_line, evidence, message, remediation, "
                   "refs, time, cve, state, first_seen, last_seen, last_scan_id) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
                   "?16, ?17, ?18, ?19, ?19, ?20) ON CONFLICT (fingerprint) DO UPDATE SET "
                   "title = excluded.title, kind = excluded.kind, severity = excluded.severity, "
                   "attack = excluded.attack, platform = excluded.platform, "
                   "line = excluded.line, end_line = excluded.end_line, "
                   "message = excluded.message, remediation = excluded.remediation, "
                   "refs = excluded.refs, state = excluded.state, "
                   "last_seen = excluded.last_seen, last_scan_id = excluded.last_scan_id",
    [ST_SCAN_FINDING] = "INSERT INTO scan_findings (scan_id, seq, fingerprint, line, end_line, "
                        "status, first_seen, message, remediation) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
};

struct record {
    sh_store *s;
    sqlite3_stmt *st[ST_COUNT];
    sh_diag *diag;
    const char *now;
    const char *scope;
    int64_t scan_id;
    int64_t prev;
};

/* Step a statement that returns no row, then reset it for the next use. */
static int step_done(struct record *r, int which, const char *what)
{
    sqlite3_stmt *st = r->st[which];
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? SH_OK : db_fail(r->s, r->diag, what);
}

static int record_device(struct record *r, const sh_device *d)
{
    sqlite3_stmt *st = r->st[ST_DEVICE];
    char *identity, *sources = NULL, *features = NULL;
    int64_t device_id = 0;
    int rc;

    identity = d->hostname ? sh_strdup(d->hostname)
                           : sh_strdup_printf("file:%s", d->sources.n ? d->sources.v[0] : "");
    if (!identity)
        return SH_ENOMEM;
    bind_text(st, 1, identity);
    bind_text(st, 2, d->hostname);
    bind_text(st, 3, d->platform);
    bind_text(st, 4, d->os);
    bind_text(st, 5, d->version);
    bind_text(st, 6, d->model);
    bind_text(st, 7, d->serial);
    bind_text(st, 8, r->now);
    sqlite3_bind_int64(st, 9, r->scan_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        device_id = sqlite3_column_int64(st, 0);
        rc = sqlite3_step(st);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    sh_free(identity);
    if (rc != SQLITE_DONE)
        return db_fail(r->s, r->diag, "recording a device");
    sources = list_to_json(&d->sources);
    features = list_to_json(&d->features);
    if (!sources || !features) {
        rc = SH_ENOMEM;
        goto out;
    }
    st = r->st[ST_FACTS];
    sqlite3_bind_int64(st, 1, device_id);
    sqlite3_bind_int64(st, 2, r->scan_id);
    bind_text(st, 3, d->platform);
    bind_text(st, 4, d->os);
    bind_text(st, 5, d->version);
    bind_text(st, 6, d->model);
    bind_text(st, 7, d->serial);
    bind_text(st, 8, d->uptime);
    bind_text(st, 9, d->dialect_basis);
    bind_text(st, 10, sources);
    bind_text(st, 11, features);
    rc = step_done(r, ST_FACTS, "recording device facts");
out:
    sh_free(sources);
    sh_free(features);
    return rc;
}

/* Decide new/seen: seen in the previous scan of this scope, or in any earlier one. */
static int finding_status(struct record *r, const char *fp, char **first_seen)
{
    sqlite3_stmt *st;
    int rc;

    *first_seen = NULL;
    if (!r->prev)
        return SH_OK;
    st = r->st[ST_IN_PREV];
    sqlite3_bind_int64(st, 1, r->prev);
    bind_text(st, 2, fp);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
        *first_seen = sh_strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(r->s, r->diag, "looking up a finding");
    if (rc == SQLITE_ROW)
        return *first_seen ? SH_OK : SH_ENOMEM;
    /* Gone from the last scan but seen before: it came back, it is not new. */
    st = r->st[ST_IN_SCOPE];
    bind_text(st, 1, fp);
    bind_text(st, 2, r->scope);
    sqlite3_bind_int64(st, 3, r->prev);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0)) {
        *first_seen = sh_strdup((const char *)sqlite3_column_text(st, 0));
        if (!*first_seen)
            rc = SH_ENOMEM;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == SH_ENOMEM)
        return rc;
    return rc == SQLITE_ROW ? SH_OK : db_fail(r->s, r->diag, "looking up a finding");
}

static int record_finding(struct record *r, sh_finding *f, size_t seq, bool *is_new)
{
    sqlite3_stmt *st = r->st[ST_FINDING];
    char *attack = NULL, *refs = NULL, *first_seen = NULL;
    int rc;

    if (!f->fingerprint[0])
        sh_finding_fingerprint(f);
    rc = finding_status(r, f->fingerprint, &first_seen);
    if (rc)
        return rc;
    *is_new = first_seen == NULL;
    if (!first_seen && !(first_seen = sh_strdup(r->now)))
        return SH_ENOMEM;
    attack = list_to_json(&f->attack);
    refs = list_to_json(&f->references);
    if (!attack || !refs) {
        rc = SH_ENOMEM;
        goto out;
    }
    bind_text(st, 1, f->fingerprint);
    bind_text(st, 2, f->rule);
    bind_text(st, 3, f->title);
    bind_text(st, 4, sh_kind_str(f->kind));
    bind_text(st, 5, sh_severity_str(f->severity));
    bind_text(st, 6, attack);
    bind_text(st, 7, f->device);
    bind_text(st, 8, f->platform);
    bind_text(st, 9, f->path);
    sqlite3_bind_int64(st, 10, f->line);
    sqlite3_bind_int64(st, 11, f->end_line);
    bind_text(st, 12, f->evidence);
    bind_text(st, 13, f->message);
    bind_text(st, 14, f->remediation);
    bind_text(st, 15, refs);
    bind_text(st, 16, f->time);
    bind_text(st, 17, f->cve);
    bind_text(st, 18, f->state);
    bind_text(st, 19, r->now);
    sqlite3_bind_int64(st, 20, r->scan_id);
    rc = step_done(r, ST_FINDING, "recording a finding");
    if (rc)
        goto out;
    st = r->st[ST_SCAN_FINDING];
    sqlite3_bind_int64(st, 1, r->scan_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
    bind_text(st, 3, f->fingerprint);
    sqlite3_bind_int64(st, 4, f->line);
    sqlite3_bind_int64(st, 5, f->end_line);
    bind_text(st, 6, *is_new ? "new" : "seen");
    bind_text(st, 7, first_seen);
    bind_text(st, 8, f->message);
    bind_text(st, 9, f->remediation);
    rc = step_done(r, ST_SCAN_FINDING, "recording a finding");
    if (rc)
        goto out;
    sh_free(f->first_seen);
    f->first_seen = first_seen;
    first_seen = NULL;
    f->status = *is_new ? "new" : "seen";
out:
    sh_free(attack);
    sh_free(refs);
    sh_free(first_seen);
    return rc;
}

static int update_counts(struct record *r, size_t n, size_t n_new, size_t n_gone)
{
    sqlite3_stmt *st = NULL;
    int rc =
        prepare(r->s, &st,
                "UPDATE scans SET n_findings = ?2, n_new = ?3, n_gone = ?4 WHERE id = ?1", r->diag);

    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, r->scan_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)n);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)n_new);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)n_gone);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SH_OK : db_fail(r->s, r->diag, "updating the scan");
}

int sh_store_record_scan(sh_store *s, sh_scan_result *res, const char *const *paths, size_t n_paths,
                         const char *now, sh_findings *gone, bool *had_previous,
                         int64_t *scan_id_out, sh_diag *diag)
{
    struct record r;
    sh_findings now_gone = {0};
    size_t i, n_new = 0;
    bool in_tx = false;
    char *scope = NULL;
    int rc;

    SH_ASSERT_ARG(s && res && now && (paths || !n_paths));
    memset(&r, 0, sizeof(r));
    r.s = s;
    r.diag = diag;
    r.now = now;
    if (had_previous)
        *had_previous = false;
    scope = make_scope(paths, n_paths);
    if (!scope)
        return SH_ENOMEM;
    r.scope = scope;
    for (i = 0; i < ST_COUNT; i++) {
        rc = prepare(s, &r.st[i], record_sql[i], diag);
        if (rc)
            goto out;
    }
    rc = exec1(s, "BEGIN IMMEDIATE", diag);
    if (rc)
        goto out;
    in_tx = true;
    rc = previous_scan(s, INT64_MAX, scope, &r.prev, diag);
    if (rc)
        goto out;
    {
        sqlite3_stmt *st = r.st[ST_INSERT_SCAN];
        bind_text(st, 1, s->started ? s->started : now);
        bind_text(st, 2, now);
        bind_text(st, 3, scope);
        bind_text(st, 4, SH_VERSION_STRING);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)res->files_seen);
        sqlite3_bind_int64(st, 6, (sqlite3_int64)res->files_analysed);
        sqlite3_bind_int64(st, 7, (sqlite3_int64)res->files_skipped);
        sqlite3_bind_int64(st, 8, (sqlite3_int64)res->bytes);
        sqlite3_bind_int64(st, 9, (sqlite3_int64)res->lines_unparsed);
        sqlite3_bind_int64(st, 10, (sqlite3_int64)res->n_errors);
        rc = step_done(&r, ST_INSERT_SCAN, "recording the scan");
        if (rc)
            goto out;
        r.scan_id = sqlite3_last_insert_rowid(s->db);
    }
    for (i = 0; i < res->n_devices && !rc; i++)
        rc = record_device(&r, res->devices[i]);
    for (i = 0; i < res->findings.n && !rc; i++) {
        bool is_new = false;
        rc = record_finding(&r, res->findings.v[i], i, &is_new);
        n_new += is_new;
        if (!rc && s->hook)
            s->hook(i + 1, s->hook_ud);
    }
    if (rc)
        goto out;
    if (r.prev) {
        rc = load_gone_between(s, r.prev, r.scan_id, &now_gone, diag);
        if (rc)
            goto out;
    }
    rc = update_counts(&r, res->findings.n, n_new, now_gone.n);
    if (!rc)
        rc = exec1(s, "COMMIT", diag);
    if (!rc)
        in_tx = false;
out:
    if (in_tx)
        exec1(s, "ROLLBACK", NULL);
    for (i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(r.st[i]);
    sh_free(scope);
    if (rc) {
        /* Nothing was recorded: take back what the findings were told. */
        for (i = 0; i < res->findings.n; i++) {
            res->findings.v[i]->status = NULL;
            SH_FREE(res->findings.v[i]->first_seen);
        }
        sh_findings_clear(&now_gone);
        return rc;
    }
    SH_FREE(s->started);
    /* The scan is committed; a failure to hand over the copies is only memory. */
    if (gone)
        rc = sh_findings_splice(gone, &now_gone);
    sh_findings_clear(&now_gone);
    if (had_previous)
        *had_previous = r.prev != 0;
    if (scan_id_out)
        *scan_id_out = r.scan_id;
    return rc;
}

/* ---- describing and listing scans ---- */

#define SCAN_COLS                                                                                  \
    "id, started, finished, scope, n_findings, n_new, n_gone, files_seen, files_analysed, "        \
    "files_skipped, bytes, lines_unparsed, n_errors"

static int row_to_info(sqlite3_stmt *st, sh_store_scan_info *e)
{
    int err = 0;

    memset(e, 0, sizeof(*e));
    e->id = sqlite3_column_int64(st, 0);
    e->started = col_dup(st, 1, &err);
    e->finished = col_dup(st, 2, &err);
    e->scope = col_dup(st, 3, &err);
    e->n_findings = (size_t)sqlite3_column_int64(st, 4);
    e->n_new = (size_t)sqlite3_column_int64(st, 5);
    e->n_gone = (size_t)sqlite3_column_int64(st, 6);
    e->files_seen = (size_t)sqlite3_column_int64(st, 7);
    e->files_analysed = (size_t)sqlite3_column_int64(st, 8);
    e->files_skipped = (size_t)sqlite3_column_int64(st, 9);
    e->bytes = (size_t)sqlite3_column_int64(st, 10);
    e->lines_unparsed = (size_t)sqlite3_column_int64(st, 11);
    e->n_errors = (size_t)sqlite3_column_int64(st, 12);
    if (err)
        sh_store_scan_info_clear(e);
    return err;
}

int sh_store_get_scan(sh_store *s, int64_t scan_id, sh_store_scan_info *out, sh_diag *diag)
{
    sqlite3_stmt *st = NULL;
    int rc;

    SH_ASSERT_ARG(s && out);
    memset(out, 0, sizeof(*out));
    rc = resolve_scan(s, &scan_id, diag);
    if (!rc)
        rc = prepare(s, &st, "SELECT " SCAN_COLS " FROM scans WHERE id = ?1", diag);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, scan_id);
    if (sqlite3_step(st) == SQLITE_ROW)
        rc = row_to_info(st, out);
    else
        rc = db_fail(s, diag, "reading the scan");
    sqlite3_finalize(st);
    return rc;
}

void sh_store_scan_info_clear(sh_store_scan_info *i)
{
    if (!i)
        return;
    SH_FREE(i->started);
    SH_FREE(i->finished);
    SH_FREE(i->scope);
}

int sh_store_list_scans(sh_store *s, sh_store_scan_list *out, sh_diag *diag)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;

    SH_ASSERT_ARG(s && out);
    out->v = NULL;
    out->n = 0;
    rc = prepare(s, &st, "SELECT " SCAN_COLS " FROM scans ORDER BY id", diag);
    if (rc)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int err;

        if (out->n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            sh_store_scan_info *v = sh_realloc(out->v, ncap * sizeof(*v));
            if (!v) {
                rc = SH_ENOMEM;
                break;
            }
            out->v = v;
            cap = ncap;
        }
        err = row_to_info(st, &out->v[out->n]);
        if (err) {
            rc = err;
            break;
        }
        out->n++;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return SH_OK;
    sh_store_scan_list_clear(out);
    return rc < 0 ? rc : db_fail(s, diag, "listing scans");
}

void sh_store_scan_list_clear(sh_store_scan_list *l)
{
    size_t i;

    if (!l)
        return;
    for (i = 0; i < l->n; i++)
        sh_store_scan_info_clear(&l->v[i]);
    SH_FREE(l->v);
    l->n = 0;
}

/* ---- devices of a scan ---- */

int sh_store_list_devices(sh_store *s, int64_t scan_id, sh_store_device_list *out, sh_diag *diag)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;

    SH_ASSERT_ARG(s && out);
    out->v = NULL;
    out->n = 0;
    rc = resolve_scan(s, &scan_id, diag);
    if (!rc)
        rc = prepare(s, &st,
                     "SELECT d.hostname, x.platform, x.os, x.version, x.model, x.serial "
                     "FROM device_facts AS x JOIN devices AS d ON d.id = x.device_id "
                     "WHERE x.scan_id = ?1 ORDER BY d.identity",
                     diag);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, scan_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sh_store_device_info *e;
        int err = 0;

        if (out->n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            sh_store_device_info *v = sh_realloc(out->v, ncap * sizeof(*v));
            if (!v) {
                rc = SH_ENOMEM;
                break;
            }
            out->v = v;
            cap = ncap;
        }
        e = &out->v[out->n++];
        e->hostname = col_dup(st, 0, &err);
        e->platform = col_dup(st, 1, &err);
        e->os = col_dup(st, 2, &err);
        e->version = col_dup(st, 3, &err);
        e->model = col_dup(st, 4, &err);
        e->serial = col_dup(st, 5, &err);
        if (err) {
            rc = err;
            break;
        }
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return SH_OK;
    sh_store_device_list_clear(out);
    return rc < 0 ? rc : db_fail(s, diag, "reading devices");
}

void sh_store_device_list_clear(sh_store_device_list *l)
{
    size_t i;

    if (!l)
        return;
    for (i = 0; i < l->n; i++) {
        sh_free(l->v[i].hostname);
        sh_free(l->v[i].platform);
        sh_free(l->v[i].os);
        sh_free(l->v[i].version);
        sh_free(l->v[i].model);
        sh_free(l->v[i].serial);
    }
    SH_FREE(l->v);
    l->n = 0;
}

/* ---- device changes ---- */

static int push_change(sh_store_change_list *l, size_t *cap, sqlite3_stmt *st, const char *fact,
                       int col)
{
    const unsigned char *a = sqlite3_column_text(st, col), *b = sqlite3_column_text(st, col + 1);
    sh_store_device_change *c;
    int err = 0;

    if ((!a && !b) || (a && b && strcmp((const char *)a, (const char *)b) == 0))
        return SH_OK;
    if (l->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        sh_store_device_change *v = sh_realloc(l->v, ncap * sizeof(*v));
        if (!v)
            return SH_ENOMEM;
        l->v = v;
        *cap = ncap;
    }
    c = &l->v[l->n++];
    memset(c, 0, sizeof(*c));
    c->fact = fact;
    c->device = col_dup(st, 0, &err);
    c->previous_scan_id = sqlite3_column_int64(st, 1);
    c->old_value = col_dup(st, col, &err);
    c->new_value = col_dup(st, col + 1, &err);
    return err;
}

int sh_store_device_changes(sh_store *s, int64_t scan_id, sh_store_change_list *out, sh_diag *diag)
{
    static const char *const facts[] = {"platform", "os", "version", "model", "serial"};
    sqlite3_stmt *st = NULL;
    size_t cap = 0, i;
    int rc;

    SH_ASSERT_ARG(s && out);
    out->v = NULL;
    out->n = 0;
    rc = resolve_scan(s, &scan_id, diag);
    if (!rc)
        rc = prepare(s, &st,
                     "SELECT identity, previous_scan_id, old_platform, new_platform, old_os, "
                     "new_os, old_version, new_version, old_model, new_model, old_serial, "
                     "new_serial FROM device_changes WHERE scan_id = ?1 ORDER BY identity",
                     diag);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, scan_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int err = 0;
        for (i = 0; i < SH_ARRAY_LEN(facts) && !err; i++)
            err = push_change(out, &cap, st, facts[i], 2 + 2 * (int)i);
        if (err) {
            rc = err;
            break;
        }
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return SH_OK;
    sh_store_change_list_clear(out);
    return rc < 0 ? rc : db_fail(s, diag, "reading device changes");
}

void sh_store_change_list_clear(sh_store_change_list *l)
{
    size_t i;

    if (!l)
        return;
    for (i = 0; i < l->n; i++) {
        sh_free(l->v[i].device);
        sh_free(l->v[i].old_value);
        sh_free(l->v[i].new_value);
    }
    SH_FREE(l->v);
    l->n = 0;
}
