/*
 * analyzer_config.c - the config analyzer: parse a device configuration,
 * run the compiled config ruleset over it, and describe the device.
 *
 * prepare() loads the built-in pack and the user's --rules paths once per
 * scan (every load problem goes to the scan's diagnostic sink); each
 * worker thread owns a rule worker (Hyperscan scratch + PCRE2 match data).
 */
#include "../base/sh_base.h"

#include "rules.h"

#include "../parse/cfg.h"
#include "../scan/scan_int.h"

struct cfg_state {
    sh_ruleset *rs;
};

/* Per worker: the rule matcher, the config document every file is parsed
 * into (its memory reused from file to file), and what detect() found for
 * the file the worker is on. When the head held the whole file, analyze()
 * gets that same buffer and reuses the detection instead of repeating it. */
struct cfg_worker {
    struct sh_rules_worker *rw;
    struct sh_cfg_doc *doc;
    const char *seen_buf;
    size_t seen_len;
    enum sh_dialect dialect;
    const char *basis;
};

static int detect(const char *buf, size_t len, void *scratch)
{
    struct cfg_worker *w = scratch;
    enum sh_dialect d = SH_DIALECT_UNKNOWN;
    const char *basis = NULL;
    int score = sh_cfg_detect(buf, len, &d, &basis);

    if (w) {
        w->seen_buf = buf;
        w->seen_len = len;
        w->dialect = d;
        w->basis = basis;
    }
    return score;
}

static void forward_diag(const sh_diag *d, void *ud)
{
    sh_scan__emit((const struct sh_scan_ctx *)ud, d);
}

static int prepare(struct sh_scan_ctx *ctx, void **state_out, sh_diag *diag)
{
    sh_rules_options o = SH_RULES_OPTIONS_INIT;
    struct cfg_state *st;
    int rc;

    st = sh_calloc(1, sizeof(*st));
    if (!st)
        return SH_ENOMEM;
    o.no_builtin = ctx->opts->no_builtin_rules;
    o.paths = ctx->opts->rule_paths;
    o.on_diag = forward_diag;
    o.diag_ud = ctx;
    rc = sh_ruleset_load(&st->rs, &o, diag);
    if (rc) {
        sh_free(st);
        return rc;
    }
    *state_out = st;
    return SH_OK;
}

static void release(void *state)
{
    struct cfg_state *st = state;

    if (!st)
        return;
    sh_ruleset_free(st->rs);
    sh_free(st);
}

static void *worker_new(const struct sh_scan_ctx *ctx, void *state)
{
    struct cfg_state *st = state;
    struct cfg_worker *w;

    SH_UNUSED(ctx);
    if (!st || !(w = sh_calloc(1, sizeof(*w))))
        return NULL;
    if (!(w->rw = sh_rules__worker_new(st->rs)) || !(w->doc = sh_cfg_doc_new())) {
        sh_rules__worker_free(w->rw);
        sh_free(w);
        return NULL;
    }
    return w;
}

static void worker_free(void *scratch)
{
    struct cfg_worker *w = scratch;

    if (!w)
        return;
    sh_rules__worker_free(w->rw);
    sh_cfg_doc_free(w->doc);
    sh_free(w);
}

static int describe(sh_device **out, const struct sh_cfg_doc *doc, const char *path,
                    sh_strlist *features)
{
    sh_device *dev = sh_device_new();

    *out = NULL;
    if (!dev)
        return SH_ENOMEM;
    if ((doc->hostname && !(dev->hostname = sh_strdup(doc->hostname))) ||
        (doc->dialect != SH_DIALECT_UNKNOWN &&
         !(dev->platform = sh_strdup(sh_dialect_name(doc->dialect)))) ||
        (doc->version && !(dev->version = sh_strdup(doc->version))) ||
        (doc->dialect_basis && !(dev->dialect_basis = sh_strdup(doc->dialect_basis))) ||
        sh_strlist_push(&dev->sources, path)) {
        sh_device_free(dev);
        return SH_ENOMEM;
    }
    dev->features = *features;
    memset(features, 0, sizeof(*features));
    *out = dev;
    return SH_OK;
}

static int analyze(const struct sh_scan_ctx *ctx, void *state, void *scratch, const char *path,
                   const char *buf, size_t len, struct sh_scan_out *out, sh_diag *diag)
{
    struct cfg_state *st = state;
    struct cfg_worker *w = scratch;
    struct sh_cfg_doc *doc;
    struct sh_rules_env env;
    sh_strlist features = {0};
    sh_device *dev = NULL;
    int rc;

    if (!st || !w)
        return sh_diag_set(diag, SH_ENOMEM, path, 0, "config analyzer has no scratch");
    doc = w->doc;
    if (w->seen_buf == buf && w->seen_len == len && w->basis)
        rc = sh_cfg_parse_into(doc, buf, len, w->dialect, w->basis, NULL, path, diag);
    else
        rc = sh_cfg_parse_into(doc, buf, len, SH_DIALECT_UNKNOWN, NULL, NULL, path, diag);
    w->seen_buf = NULL;
    if (rc)
        return rc;
    memset(&env, 0, sizeof(env));
    env.policy = ctx->policy;
    env.iocs = ctx->iocs;
    env.path = path;
    rc = sh_rules__eval(st->rs, w->rw, doc, &env, &out->findings, &features);
    if (rc) {
        sh_diag_set(diag, rc, path, 0, "evaluating config rules: %s", sh_status_str(rc));
        goto out;
    }
    rc = describe(&dev, doc, path, &features);
    if (!rc && (rc = sh_ptrvec_push(&out->devices, dev)) != 0)
        sh_device_free(dev);
    if (rc)
        goto out;
    out->lines_unparsed += doc->n_unparsed;
    if (doc->n_unparsed) {
        sh_diag d;
        sh_diag_set(&d, SH_EPARSE, path, doc->first_unparsed,
                    "%zu config line%s not understood and kept as plain text (the first is here)",
                    doc->n_unparsed, doc->n_unparsed == 1 ? "" : "s");
        sh_scan__emit(ctx, &d);
    }
out:
    sh_strlist_clear(&features);
    return rc;
}

const struct sh_analyzer sh_analyzer__config = {
    .devices = true,
    .name = "config",
    .always = false,
    .detect = detect,
    .prepare = prepare,
    .release = release,
    .worker_new = worker_new,
    .worker_free = worker_free,
    .analyze = analyze,
    .analyze_path = NULL,
    .finish = NULL,
};
