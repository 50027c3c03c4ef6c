/*
 * test_store.c - the SQLite store: new/seen/gone across scans of one
 * scope, device fact history, migrations from an older schema, refusal of
 * foreign or newer files, rollback on failure, and crash consistency (a
 * child recording a large scan is SIGKILLed mid-transaction).
 */
#include "base/sh_base.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>

#include "../../report/fixture.h"
#include "salthunt/sh_store.h"
#include "store/store_int.h"
#include "test.h"

static char tmpdir[] = "/tmp/salthunt-store-XXXXXX";
static bool have_tmpdir;
static pid_t tmpdir_owner;
static char dbpath[512];

__attribute__((destructor)) static void remove_tmpdir(void)
{
    char cmd[600];

    /* Forked children exit with _exit; only the test process cleans up. */
    if (have_tmpdir && getpid() == tmpdir_owner) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmpdir);
    }
}

static void fresh_db(const char *name)
{
    char cmd[600];

    if (!have_tmpdir) {
        if (!mkdtemp(tmpdir)) {
            sh_test_fail(__FILE__, __LINE__, "mkdtemp failed");
            return;
        }
        have_tmpdir = true;
        tmpdir_owner = getpid();
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'/*", tmpdir);
    if (system(cmd) != 0)
        sh_test_fail(__FILE__, __LINE__, "cleanup failed");
    snprintf(dbpath, sizeof(dbpath), "%s/state/sub/%s.db", tmpdir, name);
}

static int64_t q(sh_store *s, const char *sql)
{
    int64_t v = -1;

    if (sh_store__query_int(s, sql, &v))
        sh_test_fail(__FILE__, __LINE__, "query failed: %s", sql);
    return v;
}

static void free_scan(sh_scan_result *r)
{
    size_t i;

    if (!r)
        return;
    sh_findings_clear(&r->findings);
    for (i = 0; i < r->n_devices; i++) {
        sh_device *d = r->devices[i];
        sh_free(d->hostname);
        sh_free(d->platform);
        sh_free(d->version);
        sh_strlist_clear(&d->sources);
        sh_strlist_clear(&d->features);
        sh_free(d);
    }
    sh_free(r->devices);
    sh_free(r);
}

static sh_scan_result *fixture_scan(bool drop_second, bool add_extra, const char *version)
{
    sh_scan_result *r = sh_calloc(1, sizeof(*r));
    sh_device *d = sh_calloc(1, sizeof(*d));
    size_t i;

    if (!r || !d)
        return NULL;
    CHECK_OK(fixture_findings(&r->findings, false));
    if (drop_second) {
        sh_finding_free(r->findings.v[1]);
        for (i = 1; i + 1 < r->findings.n; i++)
            r->findings.v[i] = r->findings.v[i + 1];
        r->findings.n--;
    }
    if (add_extra)
        CHECK_OK(sh_findings_take(&r->findings, fixture_make(&fixture_gone_spec)));
    d->hostname = sh_strdup("core-rtr-01");
    d->platform = sh_strdup("iosxe");
    d->version = sh_strdup(version);
    CHECK_OK(sh_strlist_push(&d->sources, "configs/core-rtr-01.cfg"));
    CHECK_OK(sh_strlist_push(&d->features, "http_server"));
    r->devices = sh_calloc(1, sizeof(*r->devices));
    r->devices[0] = d;
    r->n_devices = 1;
    r->files_seen = 4;
    r->files_analysed = 3;
    r->files_skipped = 1;
    return r;
}

static const char *const scope_a[] = {"configs", "logs/"};
static const char *const scope_a2[] = {"./logs", "configs/", "configs"};
static const char *const scope_b[] = {"elsewhere"};

SH_TEST(open_creates_private_folders_and_schema)
{
    sh_store *s = NULL;
    struct stat st;
    char dir[600];

    fresh_db("open");
    CHECK_OK(sh_store_open(&s, dbpath, NULL));
    CHECK(s != NULL);
    if (!s)
        return;
    snprintf(dir, sizeof(dir), "%s/state/sub", tmpdir);
    CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
    CHECK_EQ_INT(sh_store__user_version(s), sh_store__latest_version());
    CHECK(sh_store__latest_version() >= 3);
    CHECK_EQ_INT(q(s, "PRAGMA foreign_keys"), 1);
    CHECK_EQ_INT(q(s, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 1);
    CHECK_EQ_INT(q(s, "PRAGMA application_id"), 0x53414c54);
    sh_store_close(s);
    /* Reopening an up-to-date file changes nothing. */
    CHECK_OK(sh_store_open(&s, dbpath, NULL));
    CHECK_EQ_INT(sh_store__user_version(s), sh_store__latest_version());
    sh_store_close(s);
}

SH_TEST(new_seen_gone_across_scans)
{
    sh_store *s = NULL;
    sh_scan_result *r1 = fixture_scan(false, false, "17.3.1");
    sh_scan_result *r2 = fixture_scan(true, true, "17.9.4");
    sh_findings gone = {0}, loaded = {0};
    bool had = true;
    int64_t id1 = 0, id2 = 0;
    size_t i;

    fresh_db("history");
    CHECK_OK(sh_store_open(&s, dbpath, NULL));
    if (!s || !r1 || !r2)
        return;
    CHECK_OK(sh_store_set_started(s, "2026-01-05T07:59:00Z"));
    CHECK_OK(
        sh_store_record_scan(s, r1, scope_a, 2, "2026-01-05T08:00:00Z", &gone, &had, &id1, NULL));
    CHECK(!had);
    CHECK_EQ_INT(gone.n, 0);
    for (i = 0; i < r1->findings.n; i++) {
        CHECK_STR(r1->findings.v[i]->status, "new");
        CHECK_STR(r1->findings.v[i]->first_seen, "2026-01-05T08:00:00Z");
    }
    /* Same scope written differently: the second scan compares with the first. */
    CHECK_OK(
        sh_store_record_scan(s, r2, scope_a2, 3, "2026-01-06T08:00:00Z", &gone, &had, &id2, NULL));
    CHECK(had);
    CHECK(id2 > id1);
    CHECK_EQ_INT(r2->findings.n, r1->findings.n);
    for (i = 0; i + 1 < r2->findings.n; i++) {
        CHECK_STR(r2->findings.v[i]->status, "seen");
        CHECK_STR(r2->findings.v[i]->first_seen, "2026-01-05T08:00:00Z");
    }
    CHECK_STR(r2->findings.v[r2->findings.n - 1]->status, "new");
    CHECK_STR(r2->findings.v[r2->findings.n - 1]->rule, "C-09");
    CHECK_EQ_INT(gone.n, 1);
    if (gone.n)
        CHECK_STR(gone.v[0]->rule, "C-05");
    CHECK_EQ_INT(q(s, "SELECT n_new FROM scans ORDER BY id DESC LIMIT 1"), 1);
    CHECK_EQ_INT(q(s, "SELECT n_gone FROM scans ORDER BY id DESC LIMIT 1"), 1);
    CHECK_EQ_INT(q(s, "SELECT count(*) FROM scans WHERE started = '2026-01-05T07:59:00Z'"), 1);
    /* The device's version change is visible to later readers. */
    CHECK_EQ_INT(q(s, "SELECT count(*) FROM device_changes WHERE identity = 'core-rtr-01' AND "
                      "old_version = '17.3.1' AND new_version = '17.9.4'"),
                 1);

    {
        sh_store_change_list ch = {0};
        CHECK_OK(sh_store_device_changes(s, 0, &ch, NULL));
        CHECK_EQ_INT(ch.n, 1);
        if (ch.n) {
            CHECK_STR(ch.v[0].device, "core-rtr-01");
            CHECK_STR(ch.v[0].fact, "version");
            CHECK_STR(ch.v[0].old_value, "17.3.1");
            CHECK_STR(ch.v[0].new_value, "17.9.4");
            CHECK_EQ_INT(ch.v[0].previous_scan_id, id1);
        }
        sh_store_change_list_clear(&ch);
        CHECK_OK(sh_store_device_changes(s, id1, &ch, NULL));
        CHECK_EQ_INT(ch.n, 0);
        sh_store_change_list_clear(&ch);
    }

    /* Loading the latest scan gives the same findings, in order, with status. */
    CHECK_OK(sh_store_load_findings(s, 0, &loaded, NULL));
    CHECK_EQ_INT(loaded.n, r2->findings.n);
    for (i = 0; i < loaded.n && i < r2->findings.n; i++) {
        const sh_finding *a = loaded.v[i], *b = r2->findings.v[i];
        CHECK_STR(a->fingerprint, b->fingerprint);
        CHECK_STR(a->status, b->status);
        CHECK_STR(a->first_seen, b->first_seen);
        CHECK_EQ_INT(a->line, b->line);
        CHECK_EQ_INT(a->severity, b->severity);
        CHECK_EQ_INT(a->kind, b->kind);
        CHECK_EQ_INT(a->attack.n, b->attack.n);
        CHECK_EQ_INT(a->references.n, b->references.n);
        CHECK((a->evidence == NULL) == (b->evidence == NULL));
        if (a->evidence && b->evidence)
            CHECK_STR(a->evidence, b->evidence);
        CHECK((a->device == NULL) == (b->device == NULL));
    }
    sh_findings_clear(&loaded);
    /* The first scan is still there as it was. */
    CHECK_OK(sh_store_load_findings(s, id1, &loaded, NULL));
    CHECK_EQ_INT(loaded.n, r1->findings.n);
    sh_findings_clear(&loaded);
    sh_findings_clear(&gone);
    CHECK_OK(sh_store_load_gone(s, 0, &gone, &had, NULL));
    CHECK(had);
    CHECK_EQ_INT(gone.n, 1);
    sh_findings_clear(&gone);
    CHECK_OK(sh_store_load_gone(s, id1, &gone, &had, NULL));
    CHECK(!had);
    CHECK_EQ_INT(gone.n, 0);
    CHECK_EQ_INT(sh_store_load_findings(s, 99, &loaded, NULL), SH_ENOTFOUND);

    free_scan(r1);
    free_scan(r2);
    sh_store_close(s);
}

SH_TEST(reappearing_finding_keeps_first_seen_and_scopes_are_apart)
{
    sh_store *s = NULL;
    sh_scan_result *r1 = fixture_scan(false, false, "1"), *r2 = fixture_scan(true, false, "1"),
                   *r3 = fixture_scan(false, false, "1"), *r4 = fixture_scan(false, false, "1");
    sh_findings gone = {0};
    bool had = false;

    fresh_db("reappear");
    CHECK_OK(sh_store_open(&s, dbpath, NULL));
    if (!s || !r1 || !r2 || !r3 || !r4)
        return;
    CHECK_OK(
        sh_store_record_scan(s, r1, scope_a, 2, "2026-01-01T00:00:00Z", NULL, NULL, NULL, NULL));
    CHECK_OK(
        sh_store_record_scan(s, r2, scope_a, 2, "2026-01-02T00:00:00Z", NULL, NULL, NULL, NULL));
    CHECK_OK(
        sh_store_record_scan(s, r3, scope_a, 2, "2026-01-03T00:00:00Z", &gone, &had, NULL, NULL));
    CHECK(had);
    CHECK_EQ_INT(gone.n, 0);
    CHECK_STR(r3->findings.v[1]->status, "seen");
    CHECK_STR(r3->findings.v[1]->first_seen, "2026-01-01T00:00:00Z");
    /* Another scope has its own history. */
    CHECK_OK(
        sh_store_record_scan(s, r4, scope_b, 1, "2026-01-04T00:00:00Z", &gone, &had, NULL, NULL));
    CHECK(!had);
    CHECK_STR(r4->findings.v[0]->status, "new");
    CHECK_STR(r4->findings.v[0]->first_seen, "2026-01-04T00:00:00Z");
    CHECK_EQ_INT(q(s, "SELECT count(*) FROM scans"), 4);
    CHECK_EQ_INT(q(s, "SELECT count(DISTINCT scope) FROM scans"), 2);
    free_scan(r1);
    free_scan(r2);
    free_scan(r3);
    free_scan(r4);
    sh_store_close(s);
}

SH_TEST(scan_info_and_device_facts)
{
    sh_store *s = NULL;
    sh_scan_result *r1 = fixture_scan(false, false, "17.3.1");
    sh_store_scan_info info;
    sh_store_scan_list l = {0};

    fresh_db("scaninfo");
    CHECK_OK(sh_store_open(&s, dbpath, NULL));
    if (!s || !r1)
        return;
    CHECK_OK(
        sh_store_record_scan(s, r1, scope_a, 2, "2026-01-01T00:00:00Z", NULL, NULL, NULL, NULL));
    CHECK_OK(sh_store_get_scan(s, 0, &info, NULL));
    CHECK_EQ_INT(info.id, 1);
    CHECK_EQ_INT(info.files_seen, 4);
    CHECK_EQ_INT(info.files_skipped, 1);
    CHECK_EQ_INT(info.n_findings, r1->findings.n);
    CHECK_EQ_INT(info.n_new, r1->findings.n);
    CHECK_STR(info.finished, "2026-01-01T00:00:00Z");
    CHECK(info.scope && strchr(info.scope, '\n') != NULL && info.scope[0] == '/');
    sh_store_scan_info_clear(&info);
    CHECK_EQ_INT(sh_store_get_scan(s, 5, &info, NULL), SH_ENOTFOUND);
    CHECK_OK(sh_store_list_scans(s, &l, NULL));
    CHECK_EQ_INT(l.n, 1);
    sh_store_scan_list_clear(&l);
    {
        sh_store_device_list dl = {0};
        CHECK_OK(sh_store_list_devices(s, 0, &dl, NULL));
        CHECK_EQ_INT(dl.n, 1);
        if (dl.n) {
            CHECK_STR(dl.v[0].hostname, "core-rtr-01");
            CHECK_STR(dl.v[0].version, "17.3.1");
            CHECK(dl.v[0].model == NULL);
        }
        sh_store_device_list_clear(&dl);
    }
    CHECK_EQ_INT(q(s, "SELECT count(*) FROM device_facts AS x JOIN devices AS d ON d.id = "
                      "x.device_id WHERE d.hostname = 'core-rtr-01' AND x.version = '17.3.1' "
                      "AND x.features = '[\"http_server\"]'"),
                 1);
    free_scan(r1);
    sh_store_close(s);
}

SH_TEST(old_schema_is_migrated)
{
    sh_store *s = NULL;
    sh_findings loaded = {0};

    fresh_db("migrate");
    CHECK_OK(sh_store__open_version(&s, dbpath, 1, true, NULL));
    if (!s)
        return;
    CHECK_EQ_INT(sh_store__user_version(s), 1);
    CHECK_EQ_INT(q(s, "SELECT count(*) FROM sqlite_schema WHERE name = 'device_changes'"), 0);
    /* Rows as the version-1 program wrote them. */
    CHECK_OK(sh_store__exec(s, "INSERT INTO scans (id, started, finished, scope, tool_version) "
                               "VALUES (1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', "
                               "'/configs', '0.1.0')"));
    CHECK_OK(sh_store__exec(s, "INSERT INTO findings (fingerprint, rule, kind, severity, "
                               "message, remediation, first_seen, last_seen, last_scan_id) "
                               "VALUES ('00112233aabbccdd', 'C-01', 'ttp', 'critical', "
                               "'Local user backup has privilege 15.', 'no username backup', "
                               "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 1)"));
    CHECK_OK(sh_store__exec(s, "INSERT INTO scan_findings (scan_id, seq, fingerprint, line, "
                               "end_line, status, first_seen) VALUES (1, 0, '00112233aabbccdd', "
                               "12, 12, 'new', '2026-01-01T00:00:00Z')"));
    sh_store_close(s);
    s = NULL;
    CHECK_OK(sh_store_open_existing(&s, dbpath, NULL));
    if (!s)
        return;
    CHECK_EQ_INT(sh_store__user_version(s), sh_store__latest_version());
    CHECK_EQ_INT(q(s, "SELECT count(*) FROM sqlite_schema WHERE name = 'device_changes'"), 1);
    CHECK_EQ_INT(q(s, "SELECT count(*) FROM pragma_table_info('scan_findings') "
                      "WHERE name IN ('message', 'remediation')"),
                 2);
    CHECK_OK(sh_store_load_findings(s, 0, &loaded, NULL));
    CHECK_EQ_INT(loaded.n, 1);
    if (loaded.n) {
        CHECK_STR(loaded.v[0]->message, "Local user backup has privilege 15.");
        CHECK_STR(loaded.v[0]->remediation, "no username backup");
        CHECK_EQ_INT(loaded.v[0]->line, 12);
        CHECK_STR(loaded.v[0]->status, "new");
    }
    CHECK_OK(sh_store__integrity_check(s, NULL));
    sh_findings_clear(&loaded);
    sh_store_close(s);
}

SH_TEST(refuses_newer_foreign_and_missing_files)
{
    sh_store *s = NULL;
    sh_diag d;
    FILE *f;
    struct stat st;

    fresh_db("refuse");
    CHECK_EQ_INT(sh_store_open_existing(&s, dbpath, &d), SH_ENOTFOUND);
    CHECK(s == NULL && stat(dbpath, &st) != 0);

    CHECK_OK(sh_store_open(&s, dbpath, NULL));
    CHECK_OK(sh_store__exec(s, "PRAGMA user_version = 999"));
    sh_store_close(s);
    s = NULL;
    CHECK_EQ_INT(sh_store_open(&s, dbpath, &d), SH_EDB);
    CHECK(strstr(d.text, "newer") != NULL);

    fresh_db("foreign");
    CHECK_OK(sh_store__open_version(&s, dbpath, 1, true, NULL));
    CHECK_OK(sh_store__exec(s, "PRAGMA application_id = 7"));
    sh_store_close(s);
    s = NULL;
    CHECK_EQ_INT(sh_store_open(&s, dbpath, &d), SH_EDB);
    CHECK(strstr(d.text, "not a salthunt database") != NULL);

    fresh_db("text");
    CHECK_OK(sh_store_open(&s, dbpath, NULL)); /* creates the folders */
    sh_store_close(s);
    s = NULL;
    f = fopen(dbpath, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("hostname core-rtr-01\nthis is not a database, it is a config backup\n", f);
        for (int i = 0; i < 200; i++)
            fputs("interface GigabitEthernet0/0\n", f);
        fclose(f);
    }
    {
        char wal[600];
        snprintf(wal, sizeof(wal), "%s-wal", dbpath);
        unlink(wal);
    }
    CHECK_EQ_INT(sh_store_open(&s, dbpath, &d), SH_EDB);
    CHECK(s == NULL);
}

SH_TEST(default_path_follows_xdg)
{
    char buf[512];
    char *old_xdg = getenv("XDG_STATE_HOME") ? strdup(getenv("XDG_STATE_HOME")) : NULL;
    char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;

    setenv("XDG_STATE_HOME", "/var/tmp/xdg", 1);
    CHECK_STR(sh_store_default_path(buf, sizeof(buf)), "/var/tmp/xdg/salthunt/salthunt.db");
    unsetenv("XDG_STATE_HOME");
    setenv("HOME", "/home/analyst", 1);
    CHECK_STR(sh_store_default_path(buf, sizeof(buf)),
              "/home/analyst/.local/state/salthunt/salthunt.db");
    CHECK(sh_store_default_path(buf, 10) == NULL);
    if (old_xdg)
        setenv("XDG_STATE_HOME", old_xdg, 1);
    if (old_home)
        setenv("HOME", old_home, 1);
    free(old_xdg);
    free(old_home);
}

SH_TEST(failed_record_leaves_database_unchanged)
{
    sh_store *s = NULL;
    unsigned long n;
    int64_t scans_before;

    fresh_db("oom");
    CHECK_OK(sh_store_open(&s, dbpath, NULL));
    if (!s)
        return;
    scans_before = q(s, "SELECT count(*) FROM scans");
    for (n = 1; n < 100000; n++) {
        sh_scan_result *r = fixture_scan(false, false, "1");
        sh_findings gone = {0};
        size_t i;
        int rc;

        sh_alloc_fail_after(n);
        rc =
            sh_store_record_scan(s, r, scope_a, 2, "2026-01-01T00:00:00Z", &gone, NULL, NULL, NULL);
        sh_alloc_fail_after(0);
        if (rc == 0) {
            CHECK_EQ_INT(q(s, "SELECT count(*) FROM scans"), scans_before + 1);
            free_scan(r);
            break;
        }
        CHECK_EQ_INT(rc, SH_ENOMEM);
        CHECK_EQ_INT(q(s, "SELECT count(*) FROM scans"), scans_before);
        CHECK_EQ_INT(q(s, "SELECT count(*) FROM findings"), 0);
        for (i = 0; i < r->findings.n; i++)
            CHECK(r->findings.v[i]->status == NULL && r->findings.v[i]->first_seen == NULL);
        sh_findings_clear(&gone);
        free_scan(r);
    }
    CHECK(n > 1);
    sh_store_close(s);
}

/* ---- crash consistency ---- */

#define BIG 2000

static sh_scan_result *big_scan(unsigned salt)
{
    sh_scan_result *r = sh_calloc(1, sizeof(*r));
    size_t i;

    for (i = 0; r && i < BIG; i++) {
        sh_finding *f = sh_finding_new();
        if (!f)
            break;
        f->rule = sh_strdup("C-01");
        f->severity = SH_SEV_HIGH;
        f->device = sh_strdup_printf("dev-%zu", i % 50);
        f->path = sh_strdup_printf("configs/dev-%zu.cfg", i % 50);
        f->line = (uint32_t)i + 1;
        f->evidence = sh_strdup_printf("username u%zu-%u privilege 15", i, salt);
        f->message = sh_strdup("Unapproved privilege-15 local user.");
        sh_finding_fingerprint(f);
        if (sh_findings_take(&r->findings, f))
            break;
    }
    return r;
}

static int hook_fd = -1;
static void stop_here(size_t done, void *ud)
{
    size_t at = *(size_t *)ud;

    if (done == at) {
        if (write(hook_fd, "k", 1) != 1)
            _exit(3);
        for (;;)
            pause();
    }
}

/* Fork a child recording a big scan; kill it at finding `kill_at` (0: never)
 * or after `delay_us`. Returns the child's wait status. */
static int record_in_child(size_t kill_at, unsigned delay_us, unsigned salt)
{
    int fds[2];
    pid_t pid;
    int status = 0;

    if (pipe(fds) != 0)
        return -1;
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        sh_store *s = NULL;
        sh_scan_result *r;
        close(fds[0]);
        hook_fd = fds[1];
        if (sh_store_open(&s, dbpath, NULL))
            _exit(2);
        r = big_scan(salt);
        if (kill_at)
            sh_store__set_record_hook(s, stop_here, &kill_at);
        if ((kill_at || delay_us) && write(fds[1], "s", 1) != 1)
            _exit(3);
        if (sh_store_record_scan(s, r, scope_b, 1, "2026-02-01T00:00:00Z", NULL, NULL, NULL, NULL))
            _exit(4);
        _exit(0);
    }
    close(fds[1]);
    if (kill_at || delay_us) {
        char c;
        if (read(fds[0], &c, 1) != 1) /* "s": started */
            c = 0;
        if (kill_at && read(fds[0], &c, 1) != 1) /* "k": inside the transaction */
            c = 0;
        if (delay_us)
            usleep(delay_us);
        kill(pid, SIGKILL);
    }
    waitpid(pid, &status, 0);
    close(fds[0]);
    return status;
}

static void check_whole_or_nothing(int64_t scans_before, int64_t *scans_now)
{
    sh_store *s = NULL;
    sh_diag d;
    int64_t n, latest;

    CHECK_OK(sh_store_open(&s, dbpath, &d));
    if (!s)
        return;
    CHECK_OK(sh_store__integrity_check(s, &d));
    n = q(s, "SELECT count(*) FROM scans");
    latest = q(s, "SELECT count(*) FROM scan_findings WHERE scan_id = (SELECT max(id) FROM scans)");
    CHECK(n == scans_before || n == scans_before + 1);
    /* Either the killed scan is there whole, or the latest is the one before it. */
    if (n == scans_before + 1)
        CHECK_EQ_INT(latest, BIG);
    else
        CHECK_EQ_INT(latest, scans_before == 1 ? 7 : BIG);
    CHECK_EQ_INT(
        q(s, "SELECT count(*) FROM scan_findings WHERE scan_id NOT IN (SELECT id FROM scans)"), 0);
    *scans_now = n;
    sh_store_close(s);
}

SH_TEST(killed_scan_leaves_all_or_nothing)
{
    sh_store *s = NULL;
    sh_scan_result *r = fixture_scan(false, false, "1");
    static const long fractions[] = {20, 60, 100, 130};
    int64_t n = 0;
    long full_us;
    int status;
    size_t i;

    fresh_db("crash");
    CHECK_OK(sh_store_open(&s, dbpath, NULL));
    if (!s || !r)
        return;
    CHECK_OK(
        sh_store_record_scan(s, r, scope_a, 2, "2026-01-01T00:00:00Z", NULL, NULL, NULL, NULL));
    sh_store_close(s);
    free_scan(r);

    /* Killed inside the transaction, half-way through the findings. */
    status = record_in_child(BIG / 2, 0, 1);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    check_whole_or_nothing(1, &n);
    CHECK_EQ_INT(n, 1);

    /* Left alone, the child records the whole scan; time it. */
    {
        struct timespec t0, t1;
        int64_t before = n;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        status = record_in_child(0, 0, 99);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        full_us = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        check_whole_or_nothing(before, &n);
        CHECK_EQ_INT(n, before + 1);
    }

    /* Killed at moments spread over a whole run, the commit included: each
     * time the database holds all of that scan or none of it. */
    for (i = 0; i < SH_ARRAY_LEN(fractions); i++) {
        int64_t before = n;
        record_in_child(0, (unsigned)(full_us * fractions[i] / 100), 10 + i);
        check_whole_or_nothing(before, &n);
    }
}

/* Two processes recording at the same time: the second waits for the
 * first (busy timeout) and both scans land whole. */
SH_TEST(concurrent_writers_both_land)
{
    sh_store *s = NULL;
    pid_t pids[2];
    int i, status;

    fresh_db("concurrent");
    CHECK_OK(sh_store_open(&s, dbpath, NULL));
    sh_store_close(s);
    s = NULL;
    fflush(NULL);
    for (i = 0; i < 2; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            sh_store *cs = NULL;
            sh_scan_result *r = big_scan(500u + (unsigned)i);
            if (sh_store_open(&cs, dbpath, NULL) ||
                sh_store_record_scan(cs, r, i ? scope_a : scope_b, i ? 2 : 1,
                                     "2026-03-01T00:00:00Z", NULL, NULL, NULL, NULL))
                _exit(1);
            _exit(0);
        }
    }
    for (i = 0; i < 2; i++) {
        CHECK(waitpid(pids[i], &status, 0) == pids[i]);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    CHECK_OK(sh_store_open(&s, dbpath, NULL));
    if (!s)
        return;
    CHECK_EQ_INT(q(s, "SELECT count(*) FROM scans"), 2);
    CHECK_EQ_INT(q(s, "SELECT count(*) FROM scan_findings"), 2 * BIG);
    CHECK_OK(sh_store__integrity_check(s, NULL));
    sh_store_close(s);
}

/* The same evidence twice in one file: one fingerprint, two places. */
SH_TEST(duplicate_fingerprints_keep_their_lines)
{
    sh_store *s = NULL;
    sh_scan_result r;
    sh_findings loaded = {0};
    const struct fixture_spec *spec = &fixture_specs[0];
    size_t i;

    fresh_db("dup");
    memset(&r, 0, sizeof(r));
    for (i = 0; i < 2; i++) {
        sh_finding *f = fixture_make(spec);
        if (f) {
            f->line = f->end_line = (uint32_t)(10 + i * 100);
            sh_free(f->message);
            f->message = sh_strdup(i ? "under line aux 0" : "under line con 0");
        }
        CHECK_OK(sh_findings_take(&r.findings, f));
    }
    CHECK_STR(r.findings.v[0]->fingerprint, r.findings.v[1]->fingerprint);
    CHECK_OK(sh_store_open(&s, dbpath, NULL));
    if (!s)
        return;
    CHECK_OK(
        sh_store_record_scan(s, &r, scope_a, 2, "2026-01-01T00:00:00Z", NULL, NULL, NULL, NULL));
    CHECK_OK(sh_store_load_findings(s, 0, &loaded, NULL));
    CHECK_EQ_INT(loaded.n, 2);
    if (loaded.n == 2) {
        CHECK_EQ_INT(loaded.v[0]->line, 10);
        CHECK_EQ_INT(loaded.v[1]->line, 110);
        CHECK_STR(loaded.v[0]->message, "under line con 0");
        CHECK_STR(loaded.v[1]->message, "under line aux 0");
    }
    CHECK_EQ_INT(q(s, "SELECT count(*) FROM findings"), 1);
    sh_findings_clear(&loaded);
    sh_findings_clear(&r.findings);
    sh_store_close(s);
}
