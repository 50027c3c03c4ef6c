/*
 * scan_int.h - analyzers: the extension point of a scan.
 *
 * An analyzer claims files by content (detect), analyses one file at a
 * time on a worker thread (analyze), and may join results across files
 * once every file is done (finish). Each analyzer builds its immutable
 * state once per scan (prepare: compiled rules, indicator sets, CVE data)
 * and its mutable per-thread scratch per worker (worker_new).
 *
 * To add one: write src/lib/<area>/analyzer_<name>.c exporting a
 * `const struct sh_analyzer sh_analyzer__<name>` and list it in
 * scan_registry.c. Order in the registry breaks detect() ties.
 */
#ifndef SH_SCAN_INT_H
#define SH_SCAN_INT_H

#include "../base/sh_base.h"
#include "salthunt/sh_scan.h"

struct sh_policy;
struct sh_ioc_set;

/** Immutable during the parallel phase; shared by every worker. */
struct sh_scan_ctx {
    const sh_scan_options *opts;
    struct sh_policy *policy; /* NULL without --policy */
    struct sh_ioc_set *iocs;  /* built-in advisory indicators (+ imported) */
    void *state[16];          /* per-analyzer prepared state, by registry index */
};

/** What one analyze() call produces; the scan merges these. */
struct sh_scan_out {
    sh_findings findings;
    struct sh_ptrvec devices; /* sh_device *, owned */
    size_t lines_unparsed;
    size_t bytes; /* streaming analyzers: bytes they read (decompressed) */
};

struct sh_analyzer {
    const char *name;
    /**
     * Runs on every readable file (e.g. the indicator sweep) and does not
     * count as recognising it. detect() is still asked and may decline.
     */
    bool always;
    /**
     * Score 0..100 that this file is ours; 0 = not ours. Pure. Sees at most
     * the first SH_SCAN_HEAD bytes (decompressed). Every analyzer scoring
     * above 0 analyses the file: one capture may hold a config and a
     * `show version`. `scratch` is the worker's (NULL when the analyzer has
     * none): detect() may leave there what analyze() of the same file, next
     * on the same worker, can reuse.
     */
    int (*detect)(const char *buf, size_t len, void *scratch);
    /** Build shared state before workers start (may be NULL). */
    int (*prepare)(struct sh_scan_ctx *ctx, void **state_out, sh_diag *diag);
    /**
     * Only finish() uses the prepared state (analyze() and worker_new()
     * get NULL): prepare() then runs while files are analysed, and the
     * scan waits for it just before finish().
     */
    bool state_at_finish;
    /**
     * analyze() may add device records. The prepares of state_at_finish
     * analyzers (CVE records: their finish() reads devices) start once a
     * file is claimed by such an analyzer, and are skipped in a scan that
     * makes no device: a scan of logs alone does not load them.
     */
    bool devices;
    void (*release)(void *state);
    /** Per-thread scratch (may be NULL). */
    void *(*worker_new)(const struct sh_scan_ctx *ctx, void *state);
    void (*worker_free)(void *scratch);
    /**
     * Analyse one file. `path` is as the user named it. Non-fatal input
     * problems go to ctx->opts->on_diag; a negative return skips the file
     * (reported with diag) without stopping the scan.
     */
    int (*analyze)(const struct sh_scan_ctx *ctx, void *state, void *scratch, const char *path,
                   const char *buf, size_t len, struct sh_scan_out *out, sh_diag *diag);
    /**
     * Streaming alternative to analyze() for inputs too large to load
     * (syslog archives): the analyzer opens and reads `path` itself; `head`
     * is what detect() saw. When set, analyze() is used only for files
     * that fit in the head (they are in memory already).
     */
    int (*analyze_path)(const struct sh_scan_ctx *ctx, void *state, void *scratch, const char *path,
                        const char *head, size_t head_len, struct sh_scan_out *out, sh_diag *diag);
    /**
     * After all files: join across files (may be NULL). The hooks run one
     * after another, while the scan joins the per-file device records into
     * per-device ones on another thread: finish() may add and change
     * findings but only reads res->devices and the records.
     * Findings from analyze() arrive fingerprinted; a finish() that changes
     * a fingerprinted field (rule, device, path, evidence, cve, time) of
     * one clears its fingerprint[0] so it is hashed again.
     */
    int (*finish)(const struct sh_scan_ctx *ctx, void *state, sh_scan_result *res, sh_diag *diag);
    /**
     * May be NULL. True when analyze_path() of this file (which this
     * analyzer claimed) also runs the indicator sweep over every line it
     * reads (src/lib/intel/sweep.h): the scan then does not run the
     * `always` analyzers on the file, so a large log is read once. Asked
     * on the worker that then calls analyze_path() for the same `path`;
     * the analyzer keeps the answer in its scratch for that call.
     */
    bool (*sweeps)(const struct sh_scan_ctx *ctx, void *state, void *scratch, const char *path);
};

#define SH_SCAN_HEAD 65536

extern const struct sh_analyzer *const sh_scan__analyzers[];
extern const size_t sh_scan__n_analyzers;

/** Report a non-fatal diagnostic through the scan's sink (thread-safe). */
void sh_scan__emit(const struct sh_scan_ctx *ctx, const sh_diag *d);

/** A new empty device record (owned); NULL on OOM. */
sh_device *sh_device_new(void);

#endif
