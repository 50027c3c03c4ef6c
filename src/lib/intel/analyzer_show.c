/*
 * analyzer_show.c - `show` captures -> device records; exposure join.
 *
 * analyze() turns every recognised command output of a file into a device
 * record (platform, OS, version, model, serial, uptime). finish() merges
 * all device records of the scan by hostname - this analyzer's and the
 * config analyzer's, whose records carry the enabled features - and judges
 * each device against the CVE records (exposure.c). The CVE database is
 * built once in prepare() from the data shipped in the binary plus what
 * was imported into the store, and is only read afterwards.
 */
#include "../base/sh_base.h"

#include "../scan/scan_int.h"
#include <unistd.h>

#include "cvedb.h"
#include "exposure.h"
#include "../store/intel_store.h"
#include "show.h"

static int detect(const char *buf, size_t len, void *scratch)
{
    return sh_show_detect_with(buf, len, scratch);
}

static void *worker_new(const struct sh_scan_ctx *ctx, void *state)
{
    SH_UNUSED(ctx);
    SH_UNUSED(state);
    return sh_show_scratch_new();
}

static void worker_free(void *scratch)
{
    sh_show_scratch_free(scratch);
}

struct show_state {
    struct sh_cvedb *db;
    sh_strlist detectable; /* features some built-in rule can see in a config */
};

static void release(void *state)
{
    struct show_state *st = state;

    if (!st)
        return;
    sh_cvedb_free(st->db);
    sh_strlist_clear(&st->detectable);
    sh_free(st);
}

static int prepare(struct sh_scan_ctx *ctx, void **state_out, sh_diag *diag)
{
    struct show_state *st;
    struct sh_cvedb *db = NULL;
    int rc;

    st = sh_calloc(1, sizeof(*st));
    if (!st)
        return SH_ENOMEM;
    rc = sh_cvedb_new(&db);
    st->db = db;
    if (!rc)
        rc = sh_exposure_builtin_features(&st->detectable);
    if (!rc)
        rc = sh_cvedb_load_builtin(db, diag);
    /* Imported intel: CVE records and KEV here; the indicator analyzer
     * loads the imported indicators. */
    if (!rc && ctx->opts->intel_db && access(ctx->opts->intel_db, R_OK) == 0) {
        sh_intel_store *store = NULL;
        rc = sh_intel_store_open(&store, ctx->opts->intel_db, diag);
        if (!rc)
            rc = sh_intel_store_load(store, db, NULL, ctx->opts->include_related_iocs, diag);
        sh_intel_store_close(store);
    }
    if (rc) {
        release(st);
        return rc;
    }
    *state_out = st;
    return SH_OK;
}

static int analyze(const struct sh_scan_ctx *ctx, void *state, void *scratch, const char *path,
                   const char *buf, size_t len, struct sh_scan_out *out, sh_diag *diag)
{
    int rc;

    SH_UNUSED(state);
    SH_UNUSED(scratch);
    rc = sh_show_parse(buf, len, path, &out->devices, diag);
    if (rc == SH_ELIMIT) {
        /* Keep what was read; say what was not. */
        sh_scan__emit(ctx, diag);
        rc = SH_OK;
    }
    return rc;
}

static int finish(const struct sh_scan_ctx *ctx, void *state, sh_scan_result *res, sh_diag *diag)
{
    struct show_state *st = state;
    struct sh_ptrvec merged;
    int rc;

    SH_UNUSED(diag);
    if (!st)
        return SH_OK;
    /* Only read here, while res->devices stand: most devices borrowed. */
    rc = sh_exposure_merge_view(res->devices, res->n_devices, &merged);
    if (rc)
        return rc;
    rc = sh_exposure_eval(st->db, &merged, ctx->opts->all, &st->detectable, &res->findings);
    sh_exposure_merge_free(&merged);
    return rc;
}

const struct sh_analyzer sh_analyzer__show = {
    .name = "show",
    .detect = detect,
    .prepare = prepare,
    .state_at_finish = true, /* the CVE records load while files are read */
    .devices = true,
    .release = release,
    .worker_new = worker_new,
    .worker_free = worker_free,
    .analyze = analyze,
    .finish = finish,
};
