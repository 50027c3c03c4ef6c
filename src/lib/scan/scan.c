/*
 * scan.c - walk evidence paths and analyse files in parallel.
 *
 * The walk collects regular files first (sorted, so results and progress
 * are deterministic), then `jobs` worker threads take files by an atomic
 * index. Each worker reads a file's head once, asks every analyzer's
 * detect() about it and hands the file to each analyzer that claims it
 * (one capture can hold a config and a show version; the indicator sweep
 * sees every file). Each worker keeps its outputs and hands them to the
 * result once, under a mutex; findings are sorted at the end. Analyzer
 * finish() hooks then join results across files (e.g. a device's show
 * version + config) while the per-file device records are joined per
 * device alongside.
 */
#include "../base/sh_base.h"

#include "scan_int.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../intel/ioc.h"
#include "salthunt/sh_intel.h"
#include "../policy/policy.h"

#define DEFAULT_MAX_FILE ((size_t)256 << 20)
#define MAX_WALK_DEPTH 64
#define MAX_FILES 10000000

struct prep {
    const struct sh_analyzer *an;
    struct sh_scan_ctx *ctx;
    void **state;
    sh_diag d;
    int rc;
    pthread_t thread;
    bool started;
};

struct scan_run {
    struct sh_scan_ctx ctx;
    struct sh_ptrvec files; /* char *, owned */
    atomic_size_t next;
    atomic_size_t done;
    pthread_mutex_t lock;
    pthread_mutex_t diag_lock;
    sh_scan_result *res;
    size_t devices_cap; /* room in res->devices */
    int fatal;          /* first merge failure (OOM) */
    /* The prepares only finish() needs: started (under lock) once a file
     * is claimed by an analyzer that makes devices (late_wanted). */
    struct prep *preps;
    atomic_bool late_wanted;
};

static void *prepare_thread(void *arg)
{
    struct prep *p = arg;

    sh_diag_clear(&p->d);
    p->rc = p->an->prepare(p->ctx, p->state, &p->d);
    return NULL;
}

/* Start the prepares only finish() needs, once: a file of an analyzer
 * that makes devices was claimed. */
static void start_late(struct scan_run *run)
{
    size_t a;

    if (atomic_load(&run->late_wanted) || atomic_exchange(&run->late_wanted, true))
        return;
    pthread_mutex_lock(&run->lock);
    for (a = 0; a < sh_scan__n_analyzers; a++) {
        struct prep *p = &run->preps[a];
        if (p->an->state_at_finish && p->an->prepare && !p->started &&
            pthread_create(&p->thread, NULL, prepare_thread, p) == 0)
            p->started = true;
    }
    pthread_mutex_unlock(&run->lock);
}

void sh_scan__emit(const struct sh_scan_ctx *ctx, const sh_diag *d)
{
    /* ctx is the first member of struct scan_run. */
    struct scan_run *run = (struct scan_run *)(uintptr_t)ctx;

    if (!ctx->opts->on_diag)
        return;
    pthread_mutex_lock(&run->diag_lock);
    ctx->opts->on_diag(d, ctx->opts->diag_ud);
    pthread_mutex_unlock(&run->diag_lock);
}

sh_device *sh_device_new(void)
{
    return sh_calloc(1, sizeof(sh_device));
}

void sh_device_free(sh_device *d)
{
    if (!d)
        return;
    sh_free(d->hostname);
    sh_free(d->platform);
    sh_free(d->os);
    sh_free(d->version);
    sh_free(d->model);
    sh_free(d->serial);
    sh_free(d->uptime);
    sh_free(d->dialect_basis);
    sh_strlist_clear(&d->sources);
    sh_strlist_clear(&d->features);
    sh_free(d);
}

void sh_scan_result_free(sh_scan_result *r)
{
    size_t i;

    if (!r)
        return;
    sh_findings_clear(&r->findings);
    for (i = 0; i < r->n_devices; i++)
        sh_device_free(r->devices[i]);
    sh_free(r->devices);
    sh_free(r);
}

static void emit_simple(struct scan_run *run, int code, const char *path, const char *text)
{
    sh_diag d;

    sh_diag_set(&d, code, path, 0, "%s", text);
    sh_scan__emit(&run->ctx, &d);
}

static int add_file(struct scan_run *run, const char *path)
{
    char *p;

    if (run->files.n >= MAX_FILES)
        return SH_ELIMIT;
    p = sh_strdup(path);
    if (!p)
        return SH_ENOMEM;
    if (sh_ptrvec_push(&run->files, p)) {
        sh_free(p);
        return SH_ENOMEM;
    }
    return SH_OK;
}

static int cmp_path(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* `dtype` is the folder entry's type (DT_UNKNOWN at the top or when the
 * file system does not say): a regular file or a link below the top is
 * then settled without a stat call per file. */
static int walk(struct scan_run *run, const char *path, int depth, unsigned char dtype)
{
    struct stat st;
    DIR *dir;
    struct dirent *de;
    int rc = SH_OK;

    if (depth > 0 && dtype == DT_REG)
        return add_file(run, path);
    if (depth > 0 && dtype == DT_LNK)
        return SH_OK; /* links below the top are never followed */
    if (lstat(path, &st) != 0) {
        char msg[160];
        snprintf(msg, sizeof(msg), "cannot stat: %s", strerror(errno));
        emit_simple(run, SH_EIO, path, msg);
        run->res->n_errors++;
        return SH_OK;
    }
    if (S_ISLNK(st.st_mode) && depth == 0 && stat(path, &st) != 0)
        return SH_OK;
    if (S_ISREG(st.st_mode))
        return add_file(run, path);
    if (!S_ISDIR(st.st_mode))
        return SH_OK; /* links below the top, sockets, devices: never followed */
    if (depth >= MAX_WALK_DEPTH) {
        emit_simple(run, SH_ELIMIT, path, "folder nesting too deep; not descended");
        return SH_OK;
    }
    dir = opendir(path);
    if (!dir) {
        emit_simple(run, SH_EIO, path, "cannot open folder");
        run->res->n_errors++;
        return SH_OK;
    }
    while ((de = readdir(dir)) != NULL) {
        char *child;
        /* Skip dot entries and VCS metadata (a RANCID/Oxidized tree is a git repo). */
        if (de->d_name[0] == '.')
            continue;
        child =
            sh_strdup_printf("%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", de->d_name);
        if (!child) {
            rc = SH_ENOMEM;
            break;
        }
        rc = walk(run, child, depth + 1, de->d_type);
        sh_free(child);
        if (rc)
            break;
    }
    closedir(dir);
    return rc;
}

/* What one worker produced, kept on the worker and handed to the result
 * once when it runs out of files: a lock per file and analyzer made the
 * threads wait on each other. A file's outputs stay together and in
 * analyzer order, and the end of the scan sorts everything. */
struct worker_out {
    sh_findings findings;
    struct sh_ptrvec devices; /* sh_device *, owned */
    size_t lines_unparsed, files_analysed, files_skipped, bytes, n_errors;
    int fatal; /* first failure to keep an output (OOM) */
};

static void keep(struct worker_out *w, struct sh_scan_out *o)
{
    size_t i;
    int rc;

    /* Fingerprints are hashed here, on the worker, rather than in the
     * single-threaded end of the scan. */
    for (i = 0; i < o->findings.n; i++)
        sh_finding_fingerprint(o->findings.v[i]);
    rc = sh_findings_splice(&w->findings, &o->findings);
    w->lines_unparsed += o->lines_unparsed;
    for (i = 0; i < o->devices.n; i++) {
        sh_device *d = o->devices.v[i];
        if (rc || (rc = sh_ptrvec_push(&w->devices, d)) != 0)
            sh_device_free(d);
    }
    sh_ptrvec_free(&o->devices);
    if (rc && !w->fatal)
        w->fatal = rc;
}

/* Hand a worker's outputs to the result (under the lock). */
static void hand_over(struct scan_run *run, struct worker_out *w)
{
    size_t i;
    int rc;

    pthread_mutex_lock(&run->lock);
    rc = w->fatal;
    if (!rc)
        rc = sh_findings_splice(&run->res->findings, &w->findings);
    sh_findings_clear(&w->findings);
    run->res->lines_unparsed += w->lines_unparsed;
    run->res->files_analysed += w->files_analysed;
    run->res->files_skipped += w->files_skipped;
    run->res->bytes += w->bytes;
    run->res->n_errors += w->n_errors;
    for (i = 0; i < w->devices.n; i++) {
        sh_device *d = w->devices.v[i];
        sh_device **v;
        if (rc) {
            sh_device_free(d);
            continue;
        }
        if (run->res->n_devices == run->devices_cap) {
            size_t cap = run->devices_cap ? run->devices_cap * 2 : 64;
            while (cap < run->res->n_devices + (w->devices.n - i))
                cap *= 2;
            v = sh_realloc(run->res->devices, cap * sizeof(*v));
            if (!v) {
                rc = SH_ENOMEM;
                sh_device_free(d);
                continue;
            }
            run->res->devices = v;
            run->devices_cap = cap;
        }
        run->res->devices[run->res->n_devices++] = d;
    }
    sh_ptrvec_free(&w->devices);
    if (rc && !run->fatal)
        run->fatal = rc;
    pthread_mutex_unlock(&run->lock);
}

/* The prepared state an analyzer's per-file hooks get: none for one whose
 * state only finish() uses (its prepare may still be running). */
static void *worker_state(const struct scan_run *run, size_t a)
{
    return sh_scan__analyzers[a]->state_at_finish ? NULL : run->ctx.state[a];
}

/* Read the head once for detection; load the whole file only when an
 * analyzer that needs it claims the file and the head was not all of it. */
static void scan_one(struct scan_run *run, const char *path, void **scratch, size_t max,
                     struct sh_buf *hb, struct worker_out *wo)
{
    const char *head;
    char *full = NULL;
    size_t head_len = 0, full_len = 0, file_bytes = 0, a;
    bool complete = false, claimed = false, failed = false, swept = false;
    int scores[SH_ARRAY_LEN(run->ctx.state)];
    sh_diag d;
    int rc;

    sh_diag_clear(&d);
    rc = sh_file_read_head_buf(hb, &complete, path, SH_SCAN_HEAD, &d);
    head = hb->ptr ? hb->ptr : "";
    head_len = hb->len;
    if (rc) {
        sh_scan__emit(&run->ctx, &d);
        wo->files_skipped++;
        wo->n_errors++;
        return;
    }
    /* An analyzer that sweeps the lines it reads spares the file a second
     * read, when the sweep (the `always` analyzers) wants the file at all. */
    for (a = 0; a < sh_scan__n_analyzers; a++) {
        scores[a] = sh_scan__analyzers[a]->detect(head, head_len, scratch[a]);
        swept |= sh_scan__analyzers[a]->always && scores[a] > 0;
        if (scores[a] > 0 && sh_scan__analyzers[a]->devices)
            start_late(run);
    }
    for (a = 0; a < sh_scan__n_analyzers && swept; a++) {
        const struct sh_analyzer *an = sh_scan__analyzers[a];
        if (scores[a] > 0 && an->sweeps && an->analyze_path && !(complete && an->analyze) &&
            an->sweeps(&run->ctx, worker_state(run, a), scratch[a], path))
            break;
    }
    swept = swept && a < sh_scan__n_analyzers;
    for (a = 0; a < sh_scan__n_analyzers; a++) {
        const struct sh_analyzer *an = sh_scan__analyzers[a];
        struct sh_scan_out o;
        bool in_memory;

        if (scores[a] <= 0 || (swept && an->always))
            continue;
        memset(&o, 0, sizeof(o));
        sh_diag_clear(&d);
        /* A file loaded whole for an earlier analyzer (a large config) is
         * swept from memory rather than read a second time. */
        in_memory = an->analyze && (complete || (full && an->always));
        if (an->analyze_path && !in_memory) {
            rc = an->analyze_path(&run->ctx, worker_state(run, a), scratch[a], path, head, head_len,
                                  &o, &d);
        } else {
            if (complete) {
                full = hb->ptr ? hb->ptr : NULL;
                full_len = head_len;
            } else if (!full) {
                rc = sh_file_read(&full, &full_len, path, max, &d);
                if (rc) {
                    sh_scan__emit(&run->ctx, &d);
                    failed = true;
                    break;
                }
            }
            rc = an->analyze(&run->ctx, worker_state(run, a), scratch[a], path, full, full_len, &o,
                             &d);
        }
        if (rc) {
            if (!d.source[0])
                sh_diag_set(&d, rc, path, d.line, "%s: %s", an->name,
                            d.text[0] ? d.text : sh_status_str(rc));
            sh_scan__emit(&run->ctx, &d);
            failed = true;
        } else if (!an->always) {
            claimed = true;
        }
        if (o.bytes > file_bytes)
            file_bytes = o.bytes;
        if ((!an->analyze_path || in_memory) && full_len > file_bytes)
            file_bytes = full_len;
        keep(wo, &o);
    }
    if (claimed) {
        wo->files_analysed++;
        wo->bytes += file_bytes;
    } else {
        wo->files_skipped++;
    }
    if (failed)
        wo->n_errors++;
    if (full != hb->ptr)
        sh_free(full);
}

static void *worker(void *arg)
{
    struct scan_run *run = arg;
    void *scratch[SH_ARRAY_LEN(run->ctx.state)] = {0};
    size_t max = run->ctx.opts->max_file_size ? run->ctx.opts->max_file_size : DEFAULT_MAX_FILE;
    struct sh_buf headbuf; /* one head buffer per worker, reused for every file */
    struct worker_out out;
    size_t a;

    sh_buf_init(&headbuf, 0);
    memset(&out, 0, sizeof(out));

    for (a = 0; a < sh_scan__n_analyzers; a++) {
        const struct sh_analyzer *an = sh_scan__analyzers[a];
        if (an->worker_new)
            scratch[a] = an->worker_new(&run->ctx, worker_state(run, a));
    }
    for (;;) {
        size_t i = atomic_fetch_add(&run->next, 1);

        if (i >= run->files.n)
            break;
        scan_one(run, run->files.v[i], scratch, max, &headbuf, &out);
        {
            size_t done = atomic_fetch_add(&run->done, 1) + 1;
            if (run->ctx.opts->on_progress)
                run->ctx.opts->on_progress(done, run->files.n, run->ctx.opts->progress_ud);
        }
    }
    for (a = 0; a < sh_scan__n_analyzers; a++) {
        const struct sh_analyzer *an = sh_scan__analyzers[a];
        if (an->worker_free && scratch[a])
            an->worker_free(scratch[a]);
    }
    sh_buf_free(&headbuf);
    hand_over(run, &out);
    return NULL;
}

static int cmp_device(const void *pa, const void *pb)
{
    const sh_device *a = *(const sh_device *const *)pa, *b = *(const sh_device *const *)pb;
    const char *ka = a->hostname ? a->hostname : "", *kb = b->hostname ? b->hostname : "";
    int c = strcmp(ka, kb);
    if (c)
        return c;
    ka = a->sources.n ? a->sources.v[0] : "";
    kb = b->sources.n ? b->sources.v[0] : "";
    return strcmp(ka, kb);
}

/* Two findings of one rule with the same evidence in one file (the same
 * `exec-timeout 0 0` under two line blocks) would share a fingerprint and
 * count as one in new/gone: number the repeats in file order instead.
 * The fingerprint hashes device and path, and the sorted list keeps each
 * (device, path) together, so repeats are looked for within each such run:
 * a run of one finding has none, a longer run is counted in a small
 * open-addressing table keyed by the fingerprint's bytes (the original
 * ones: a renumbered fingerprint is not looked up again) and reused from
 * run to run. */
struct fp_slot {
    uint64_t k[2];
    uint32_t count; /* 0: empty */
};

static bool same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static void number_repeats(sh_finding *const *v, size_t n, struct fp_slot *t, size_t mask)
{
    size_t i;

    for (i = 0; i < n; i++) {
        sh_finding *f = v[i];
        char key[16] = {0};
        uint64_t k[2];
        size_t h;

        memcpy(key, f->fingerprint, strnlen(f->fingerprint, sizeof(key)));
        memcpy(k, key, sizeof(k));
        h = (size_t)((k[0] ^ (k[1] * 0x9e3779b97f4a7c15ULL)) * 0xbf58476d1ce4e5b9ULL >> 17);
        for (;;) {
            struct fp_slot *e = &t[h & mask];
            if (!e->count) {
                e->k[0] = k[0];
                e->k[1] = k[1];
                e->count = 1;
                break;
            }
            if (e->k[0] == k[0] && e->k[1] == k[1]) {
                sh_finding_fingerprint_nth(f, e->count++);
                break;
            }
            h++;
        }
    }
}

static int disambiguate(sh_findings *l)
{
    struct fp_slot *t = NULL;
    size_t cap = 0, i = 0, j;

    while (i < l->n) {
        size_t want = 16;
        for (j = i + 1; j < l->n && same_str(l->v[j]->device, l->v[i]->device) &&
                        same_str(l->v[j]->path, l->v[i]->path);
             j++)
            ;
        if (j - i > 1) {
            while (want < (j - i) * 2)
                want *= 2;
            if (want > cap) {
                sh_free(t);
                t = sh_malloc(want * sizeof(*t));
                if (!t)
                    return SH_ENOMEM;
                cap = want;
            }
            memset(t, 0, want * sizeof(*t));
            number_repeats(l->v + i, j - i, t, want - 1);
        }
        i = j;
    }
    sh_free(t);
    return SH_OK;
}

/* Analyzers report one record per file; users see one per device, with the
 * facts of its config, show captures and logs joined (show output wins for
 * version, model and serial). The join only reads the per-file records,
 * as finish() hooks do, so it runs on its own thread while they run and
 * replaces the records once they are done. */
struct device_join {
    const sh_scan_result *res;
    sh_device **merged;
    size_t n;
    int rc;
    pthread_t thread;
    bool started;
};

static void *device_join_run(void *arg)
{
    struct device_join *j = arg;

    j->rc = sh_inventory_merge(j->res->devices, j->res->n_devices, &j->merged, &j->n);
    return NULL;
}

static void device_join_start(struct device_join *j, const sh_scan_result *res)
{
    memset(j, 0, sizeof(*j));
    j->res = res;
    j->started = pthread_create(&j->thread, NULL, device_join_run, j) == 0;
}

/* Wait for the join (or run it here when no thread could start) and, when
 * `apply`, put its records in place of the per-file ones. */
static int device_join_finish(struct device_join *j, sh_scan_result *res, bool apply)
{
    size_t i;

    if (j->started)
        pthread_join(j->thread, NULL);
    else if (apply)
        device_join_run(j);
    j->started = false;
    if (!apply || j->rc) {
        for (i = 0; i < j->n; i++)
            sh_device_free(j->merged[i]);
        sh_free(j->merged);
        return j->rc;
    }
    for (i = 0; i < res->n_devices; i++)
        sh_device_free(res->devices[i]);
    sh_free(res->devices);
    res->devices = j->merged;
    res->n_devices = j->n;
    return SH_OK;
}

/* Wait for the analyzers' prepare threads: those whose state the workers
 * use (late = false), or those only finish() needs (late = true; with
 * `need` one not started yet runs here, without it is skipped and its
 * state stays NULL). The first failure becomes the scan's, unless it
 * already has one. */
static int join_prepares(struct prep *preps, int rc, bool late, bool need, sh_diag *diag)
{
    size_t a;

    for (a = 0; a < sh_scan__n_analyzers; a++) {
        if (preps[a].an->state_at_finish != late)
            continue;
        if (preps[a].started) {
            pthread_join(preps[a].thread, NULL);
            preps[a].started = false;
        } else if (late && need && preps[a].an->prepare) {
            prepare_thread(&preps[a]);
        }
        if (preps[a].rc && !rc) {
            rc = preps[a].rc;
            if (diag)
                *diag = preps[a].d;
        }
    }
    return rc;
}

static unsigned default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

int sh_scan_run(sh_scan_result **out, const char *const *paths, size_t n_paths,
                const sh_scan_options *opts, sh_diag *diag)
{
    struct scan_run *run;
    struct prep preps[SH_ARRAY_LEN(run->ctx.state)];
    struct device_join join;
    pthread_t *threads = NULL;
    unsigned jobs, t, started = 0;
    size_t a, i, prepared = 0;
    int rc = SH_OK;

    SH_ASSERT_ARG(out && opts && opts->version == SH_SCAN_OPTIONS_VERSION);
    memset(preps, 0, sizeof(preps));
    *out = NULL;
    run = sh_calloc(1, sizeof(*run));
    if (!run)
        return SH_ENOMEM;
    run->ctx.opts = opts;
    pthread_mutex_init(&run->lock, NULL);
    pthread_mutex_init(&run->diag_lock, NULL);
    run->res = sh_calloc(1, sizeof(*run->res));
    if (!run->res) {
        rc = SH_ENOMEM;
        goto out;
    }
    if (SH_ARRAY_LEN(run->ctx.state) < sh_scan__n_analyzers) {
        rc = sh_diag_set(diag, SH_EINTERNAL, NULL, 0, "too many analyzers");
        goto out;
    }
    if (opts->policy_path) {
        rc = sh_policy_load_file(&run->ctx.policy, opts->policy_path, diag);
        if (rc)
            goto out;
    }
    rc = sh_ioc_set_new(&run->ctx.iocs);
    if (!rc)
        rc = sh_ioc_set_load_builtin(run->ctx.iocs, opts->include_related_iocs, diag);
    if (rc)
        goto out;
    /* Compiling rule packs is the fixed cost of a scan: analyzers prepare in
     * parallel with each other and with the walk of the evidence tree. */
    run->preps = preps;
    for (a = 0; a < sh_scan__n_analyzers; a++) {
        preps[a].an = sh_scan__analyzers[a];
        preps[a].ctx = &run->ctx;
        preps[a].state = &run->ctx.state[a];
        if (!preps[a].an->prepare || preps[a].an->state_at_finish)
            continue; /* late ones: start_late() */
        if (pthread_create(&preps[a].thread, NULL, prepare_thread, &preps[a]) == 0)
            preps[a].started = true;
        else
            prepare_thread(&preps[a]);
    }
    prepared = sh_scan__n_analyzers;
    for (i = 0; i < n_paths && !rc; i++) {
        rc = walk(run, paths[i], 0, DT_UNKNOWN);
        if (rc)
            sh_diag_set(diag, rc, paths[i], 0, "walking: %s", sh_status_str(rc));
    }
    rc = join_prepares(preps, rc, false, false, diag);
    if (rc)
        goto out;
    if (run->files.n > 1)
        qsort(run->files.v, run->files.n, sizeof(*run->files.v), cmp_path);
    run->res->files_seen = run->files.n;

    jobs = opts->jobs ? opts->jobs : default_jobs();
    if (jobs > 256)
        jobs = 256;
    if (jobs > run->files.n)
        jobs = run->files.n ? (unsigned)run->files.n : 1;
    threads = sh_calloc(jobs, sizeof(*threads));
    if (!threads) {
        rc = SH_ENOMEM;
        goto out;
    }
    for (t = 1; t < jobs; t++) {
        if (pthread_create(&threads[t], NULL, worker, run) != 0)
            break;
        started++;
    }
    worker(run); /* the calling thread works too */
    for (t = 1; t <= started; t++)
        pthread_join(threads[t], NULL);
    if (run->fatal) {
        rc = sh_diag_set(diag, run->fatal, NULL, 0, "merging results: %s",
                         sh_status_str(run->fatal));
        goto out;
    }
    rc = join_prepares(preps, rc, true, atomic_load(&run->late_wanted) || run->res->n_devices > 0,
                       diag);
    if (rc)
        goto out;
    /* Workers append devices in completion order; finishers pick "the first
     * record of a host" and must see the same order on every run. */
    if (run->res->n_devices > 1)
        qsort(run->res->devices, run->res->n_devices, sizeof(*run->res->devices), cmp_device);
    device_join_start(&join, run->res);
    for (a = 0; a < sh_scan__n_analyzers && !rc; a++) {
        const struct sh_analyzer *an = sh_scan__analyzers[a];
        if (an->finish)
            rc = an->finish(&run->ctx, run->ctx.state[a], run->res, diag);
    }
    if (rc) {
        device_join_finish(&join, run->res, false);
        goto out;
    }
    rc = device_join_finish(&join, run->res, true);
    if (rc)
        goto out;
    for (i = 0; i < run->res->findings.n; i++) {
        if (!run->res->findings.v[i]->fingerprint[0]) /* made or changed by finish() */
            sh_finding_fingerprint(run->res->findings.v[i]);
    }
    sh_findings_sort(&run->res->findings);
    rc = disambiguate(&run->res->findings);
    if (rc)
        goto out;
    if (run->res->n_devices > 1)
        qsort(run->res->devices, run->res->n_devices, sizeof(*run->res->devices), cmp_device);
    *out = run->res;
    run->res = NULL;
out:
    for (a = 0; a < prepared; a++) {
        if (preps[a].started) /* a late prepare still running when the scan failed */
            pthread_join(preps[a].thread, NULL);
    }
    for (a = 0; a < prepared; a++) {
        const struct sh_analyzer *an = sh_scan__analyzers[a];
        if (an->release && run->ctx.state[a])
            an->release(run->ctx.state[a]);
    }
    sh_free(threads);
    for (i = 0; i < run->files.n; i++)
        sh_free(run->files.v[i]);
    sh_ptrvec_free(&run->files);
    sh_scan_result_free(run->res);
    sh_ioc_set_free(run->ctx.iocs);
    sh_policy_free(run->ctx.policy);
    pthread_mutex_destroy(&run->lock);
    pthread_mutex_destroy(&run->diag_lock);
    sh_free(run);
    return rc;
}
