/*
 * bench_rules.c - time the config rule engine over a tree of configs.
 *
 * Usage: bench_rules [-j JOBS] RULES_PATH TREE...
 * Loads RULES_PATH (file or folder; the built-in pack is left out), then
 *   1. one thread: read + detect + parse + evaluate every config, timing
 *      parsing and rule evaluation apart;
 *   2. a whole scan (sh_scan_run, JOBS threads) with the same rules.
 * Prints files, bytes, lines, findings and MB/s. A developer tool: built
 * by tools/bench_rules.sh against the release library, not part of ctest.
 */
#include "base/sh_base.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "parse/cfg.h"
#include "rules/rules.h"
#include "salthunt/sh_scan.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void walk(struct sh_ptrvec *files, const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *de;

    if (lstat(path, &st) != 0)
        return;
    if (S_ISREG(st.st_mode)) {
        sh_ptrvec_push(files, sh_strdup(path));
        return;
    }
    if (!S_ISDIR(st.st_mode) || !(d = opendir(path)))
        return;
    while ((de = readdir(d)) != NULL) {
        char *c;
        if (de->d_name[0] == '.')
            continue;
        c = sh_strdup_printf("%s/%s", path, de->d_name);
        walk(files, c);
        sh_free(c);
    }
    closedir(d);
}

static void quiet(const sh_diag *d, void *ud)
{
    (void)d;
    (void)ud;
}

int main(int argc, char **argv)
{
    sh_rules_options ro = SH_RULES_OPTIONS_INIT;
    sh_scan_options so = SH_SCAN_OPTIONS_INIT;
    const char *rule_paths[2];
    struct sh_ptrvec files = {0};
    sh_ruleset *rs = NULL;
    struct sh_rules_worker *w;
    sh_scan_result *res = NULL;
    size_t i, n_cfg = 0, bytes = 0, lines = 0, findings = 0, all_bytes = 0;
    double t0, t_load, t_parse = 0, t_eval = 0, t_read = 0, t1;
    unsigned jobs = 2;
    int a = 1;
    sh_diag d;

    if (argc > 2 && strcmp(argv[1], "-j") == 0) {
        jobs = (unsigned)atoi(argv[2]);
        a = 3;
    }
    if (argc - a < 2) {
        fprintf(stderr, "usage: bench_rules [-j JOBS] RULES_PATH TREE...\n");
        return 2;
    }
    rule_paths[0] = argv[a];
    rule_paths[1] = NULL;
    ro.no_builtin = true;
    ro.paths = rule_paths;
    t0 = now();
    if (sh_ruleset_load(&rs, &ro, &d)) {
        fprintf(stderr, "rules: %s:%u: %s\n", d.source, d.line, d.text);
        return 2;
    }
    t_load = now() - t0;
    for (i = (size_t)a + 1; i < (size_t)argc; i++)
        walk(&files, argv[i]);
    w = sh_rules__worker_new(rs);
    for (i = 0; i < files.n; i++) {
        char *buf = NULL;
        size_t len = 0;
        struct sh_cfg_doc *doc = NULL;
        struct sh_rules_env env;
        sh_findings f = {0};
        sh_strlist feats = {0};
        enum sh_dialect dia;
        const char *basis;

        t0 = now();
        if (sh_file_read(&buf, &len, files.v[i], (size_t)64 << 20, &d)) {
            continue;
        }
        all_bytes += len;
        t1 = now();
        t_read += t1 - t0;
        if (sh_cfg_detect(buf, len < SH_SCAN_HEAD ? len : SH_SCAN_HEAD, &dia, &basis) <= 0) {
            sh_free(buf);
            continue;
        }
        t0 = now();
        if (sh_cfg_parse(&doc, buf, len, SH_DIALECT_UNKNOWN, NULL, files.v[i], &d)) {
            sh_free(buf);
            continue;
        }
        t1 = now();
        t_parse += t1 - t0;
        memset(&env, 0, sizeof(env));
        env.path = files.v[i];
        sh_rules__eval(rs, w, doc, &env, &f, &feats);
        t_eval += now() - t1;
        n_cfg++;
        bytes += len;
        lines += doc->n_lines;
        findings += f.n;
        sh_findings_clear(&f);
        sh_strlist_clear(&feats);
        sh_cfg_doc_free(doc);
        sh_free(buf);
    }
    sh_rules__worker_free(w);
    printf("rules: %zu rules, %zu patterns (%zu outside the prefilter), load+compile %.3f s\n",
           sh_ruleset_count(rs), rs->n_pats, rs->n_fallback, t_load);
    printf("files: %zu read (%.1f MB), %zu configs (%.1f MB, %zu lines)\n", files.n,
           (double)all_bytes / 1e6, n_cfg, (double)bytes / 1e6, lines);
    printf("1 thread: read %.3f s, parse %.3f s (%.1f MB/s), rules %.3f s (%.1f MB/s), "
           "findings %zu\n",
           t_read, t_parse, (double)bytes / 1e6 / t_parse, t_eval, (double)bytes / 1e6 / t_eval,
           findings);
    sh_ruleset_free(rs);

    so.jobs = jobs;
    so.no_builtin_rules = true;
    so.rule_paths = rule_paths;
    so.on_diag = quiet;
    t0 = now();
    if (sh_scan_run(&res, (const char *const *)argv + a + 1, (size_t)argc - (size_t)a - 1, &so,
                    &d) == 0) {
        t1 = now() - t0;
        printf("scan (%u jobs, incl. rule compile and indicator sweep): %.3f s, %zu files "
               "analysed, %zu findings, %.1f MB/s\n",
               jobs, t1, res->files_analysed, res->findings.n, (double)res->bytes / 1e6 / t1);
        sh_scan_result_free(res);
    }
    for (i = 0; i < files.n; i++)
        sh_free(files.v[i]);
    sh_ptrvec_free(&files);
    return 0;
}
