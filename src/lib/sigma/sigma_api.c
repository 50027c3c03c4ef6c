/*
 * sigma_api.c - lint and pack tests over Sigma rule sets (sh_sigma.h).
 *
 * Linting loads and compiles the given rules with every problem routed to
 * the caller. A pack test runs each sample file of tests/<rule-id>/
 * {match,nomatch}/ through the device log parser and the whole set
 * (correlations included) and checks whether the rule fired.
 * Single-threaded; nothing here keeps state between calls.
 */
#include "../base/sh_base.h"

#include "sigma_corr.h"
#include "sigma_eval.h"
#include "sigma_int.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "../log/logfile.h"

#define MAX_SAMPLES 1000

int sh_sigma_lint(const char *const *paths, size_t n_paths, bool builtin,
                  const struct sh_policy *policy, sh_sigma_diag_cb cb, void *ud, size_t *n_errors)
{
    sh_sigma_set *set = NULL;
    size_t i;
    int rc;

    if (n_errors)
        *n_errors = 0;
    rc = sh_sigma_set_new(&set);
    if (rc)
        return rc;
    /* Folders may mix config rules and Sigma rules; only Sigma is linted here. */
    set->skip_foreign = true;
    sh_sigma_set_on_diag(set, cb, ud);
    if (builtin && sh_sigma_load_builtin(set, NULL) == SH_ENOMEM) {
        rc = SH_ENOMEM;
        goto out;
    }
    for (i = 0; i < n_paths; i++) {
        if (sh_sigma_load_path(set, paths[i], NULL) == SH_ENOMEM) {
            rc = SH_ENOMEM;
            goto out;
        }
    }
    rc = sh_sigma_compile(set, policy, NULL);
    if (rc == SH_ERULE)
        rc = SH_OK;
    if (n_errors)
        *n_errors = set->n_errors;
out:
    sh_sigma_set_free(set);
    return rc;
}

/* ---- pack tests ---- */

struct sample_run {
    const sh_sigma_set *set;
    struct sg_scratch *sc;
    struct sg_hits *hits;
    struct sg_timeline *tl;
    const char *path;
    int target;
    size_t fired;
    uint32_t first_line;
    int rc;
};

static int on_match(const struct sg_rule *r, const struct sh_log_event *ev, void *ud)
{
    struct sample_run *s = ud;

    if (r->index == s->target) {
        if (!s->fired)
            s->first_line = (uint32_t)ev->line;
        s->fired++;
    }
    return sh_sigma__hits_add(s->hits, r, ev, s->path);
}

static int on_event(const struct sh_log_event *ev, void *ud)
{
    struct sample_run *s = ud;
    int rc = sh_sigma__timeline_event(s->tl, ev);

    return rc ? rc : sh_sigma__eval(s->sc, ev, on_match, s);
}

static int on_corr(const struct sg_rule *r, const struct sg_hit *o, void *ud)
{
    struct sample_run *s = ud;

    if (r->index == s->target) {
        if (!s->fired)
            s->first_line = (uint32_t)o->line;
        s->fired++;
    }
    return SH_OK;
}

/* How often rule `target` fires on one sample file. */
static int run_sample(const sh_sigma_set *set, int target, const char *path, size_t *fired,
                      uint32_t *line, sh_diag *diag)
{
    struct sample_run s;
    int rc;

    memset(&s, 0, sizeof(s));
    s.set = set;
    s.path = path;
    s.target = target;
    rc = sh_sigma__scratch_new(set, &s.sc);
    if (!rc)
        rc = sh_sigma__hits_new(&s.hits, 0);
    if (!rc)
        rc = sh_sigma__timeline_new(&s.tl, sh_sigma__min_gap_ms(set));
    if (!rc)
        rc = sh_logfile_each(path, NULL, on_event, &s, NULL, diag);
    if (!rc)
        rc = sh_sigma__timeline_flush(s.tl, s.hits, path);
    if (!rc)
        rc = sh_sigma__corr_run(set, s.hits, true, on_corr, &s);
    *fired = s.fired;
    *line = s.first_line;
    sh_sigma__timeline_free(s.tl);
    sh_sigma__hits_free(s.hits);
    sh_sigma__scratch_free(s.sc);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Regular files of a folder, sorted; owned strings in *out. */
static int list_files(const char *dir, struct sh_ptrvec *out)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int rc = SH_OK;

    if (!d)
        return SH_ENOTFOUND;
    while ((de = readdir(d)) != NULL && !rc) {
        struct stat st;
        char *p;
        if (de->d_name[0] == '.')
            continue;
        p = sh_strdup_printf("%s/%s", dir, de->d_name);
        if (!p) {
            rc = SH_ENOMEM;
            break;
        }
        if (stat(p, &st) != 0 || !S_ISREG(st.st_mode) || out->n >= MAX_SAMPLES) {
            sh_free(p);
            continue;
        }
        if (sh_ptrvec_push(out, p)) {
            sh_free(p);
            rc = SH_ENOMEM;
        }
    }
    closedir(d);
    if (out->n > 1)
        qsort(out->v, out->n, sizeof(void *), cmp_str);
    return rc;
}

static void free_list(struct sh_ptrvec *v)
{
    size_t i;

    for (i = 0; i < v->n; i++)
        sh_free(v->v[i]);
    sh_ptrvec_free(v);
}

int sh_sigma_test_pack(const sh_sigma_set *set, const char *tests_dir, sh_sigma_test_cb cb,
                       void *ud, size_t *passed, size_t *failed)
{
    size_t i, np = 0, nf = 0;
    int rc = SH_OK;

    SH_ASSERT_ARG(set && tests_dir);
    for (i = 0; i < set->rules.n && rc != SH_ENOMEM; i++) {
        const struct sg_rule *r = set->rules.v[i];
        int kind;

        if (!r->id)
            continue;
        for (kind = 1; kind >= 0; kind--) {
            struct sh_ptrvec files = {0};
            char *dir = sh_strdup_printf("%s/%s/%s", tests_dir, r->id, kind ? "match" : "nomatch");
            size_t f;

            if (!dir)
                return SH_ENOMEM;
            rc = list_files(dir, &files);
            sh_free(dir);
            if (rc == SH_ENOMEM) {
                free_list(&files);
                break;
            }
            rc = SH_OK;
            if (files.n == 0) {
                sh_sigma_test_case c = {
                    r->id, tests_dir, kind == 1,
                    false, 0,         kind ? "no match/ samples" : "no nomatch/ samples"};
                nf++;
                if (cb)
                    cb(&c, ud);
            }
            for (f = 0; f < files.n; f++) {
                size_t fired = 0;
                uint32_t line = 0;
                sh_diag d;
                sh_sigma_test_case c;
                int src;

                sh_diag_clear(&d);
                src = run_sample(set, r->index, files.v[f], &fired, &line, &d);
                memset(&c, 0, sizeof(c));
                c.rule = r->id;
                c.path = files.v[f];
                c.expect_match = kind == 1;
                if (src) {
                    c.detail = d.text[0] ? d.text : sh_status_str(src);
                } else if (kind == 1) {
                    c.ok = fired > 0;
                    c.detail = c.ok ? NULL : "rule did not fire";
                } else {
                    c.ok = fired == 0;
                    c.line = line;
                    c.detail = c.ok ? NULL : "rule fired on a nomatch sample";
                }
                if (c.ok)
                    np++;
                else
                    nf++;
                if (cb)
                    cb(&c, ud);
            }
            free_list(&files);
        }
    }
    if (passed)
        *passed = np;
    if (failed)
        *failed = nf;
    return rc == SH_ENOMEM ? rc : SH_OK;
}

void sh_sigma_set_skip_foreign(sh_sigma_set *set, bool skip)
{
    if (set)
        set->skip_foreign = skip;
}
