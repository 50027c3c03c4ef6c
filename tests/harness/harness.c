/*
 * harness.c - runner for SH_TEST functions (see test.h).
 */
#include "test.h"

#include "salthunt/sh_sigma.h"

#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#define MAX_TESTS 1024

static struct {
    const char *name;
    sh_test_fn fn;
} tests[MAX_TESTS];
static int n_tests;
static int cur_failed;

void sh_test_register(const char *name, sh_test_fn fn)
{
    if (n_tests < MAX_TESTS) {
        tests[n_tests].name = name;
        tests[n_tests].fn = fn;
        n_tests++;
    }
}

void sh_test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "  %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    cur_failed = 1;
}

const char *sh_test_corpus(const char *rel)
{
    static char buf[4096];
    const char *root = getenv("SH_CORPUS");

    snprintf(buf, sizeof(buf), "%s/%s", root ? root : "../shared/corpus", rel);
    return buf;
}

const char *sh_test_src(const char *rel)
{
    static char buf[4096];
    const char *root = getenv("SH_SRC");

    snprintf(buf, sizeof(buf), "%s/%s", root ? root : ".", rel);
    return buf;
}

int main(int argc, char **argv)
{
    int i, passed = 0, failed = 0;
    const char *filter = argc > 1 ? argv[1] : NULL;

    for (i = 0; i < n_tests; i++) {
        if (filter && !strstr(tests[i].name, filter))
            continue;
        cur_failed = 0;
        tests[i].fn();
        if (cur_failed) {
            fprintf(stderr, "FAIL %s\n", tests[i].name);
            failed++;
        } else {
            passed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed || passed == 0 ? 1 : 0;
}

static void file_lines(const char *path, bool ini, size_t skip, sh_test_line_fn fn, void *ud)
{
    FILE *f = fopen(path, "rb");
    static char buf[65536];
    size_t lineno = 0;

    if (!f) {
        sh_test_fail(__FILE__, __LINE__, "cannot open %s", path);
        return;
    }
    while (fgets(buf, sizeof(buf), f)) {
        size_t n = strlen(buf);
        const char *p = buf;
        lineno++;
        while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
            n--;
        if (ini) {
            const char *eq = strstr(buf, " = ");
            if (strncmp(buf, "log ", 4) != 0 || !eq)
                continue;
            p = eq + 3;
            n -= (size_t)(p - buf);
        } else if (lineno == 1 && skip && n >= skip) {
            p += skip;
            n -= skip;
        }
        fn(path, lineno, p, n, ud);
    }
    fclose(f);
}

size_t sh_test_glob_lines(const char *pattern, bool ini, size_t skip, sh_test_line_fn fn, void *ud)
{
    glob_t g;
    size_t i, n;

    if (glob(pattern, 0, NULL, &g) != 0)
        return 0;
    for (i = 0; i < g.gl_pathc; i++)
        file_lines(g.gl_pathv[i], ini, skip, fn, ud);
    n = g.gl_pathc;
    globfree(&g);
    return n;
}

struct sh_sigma_set *sh_test_sigma(const char *yaml)
{
    sh_sigma_set *s = NULL;
    sh_diag d;

    if (sh_sigma_set_new(&s) != SH_OK) {
        sh_test_fail(__FILE__, __LINE__, "sh_sigma_set_new failed");
        return NULL;
    }
    if (sh_sigma_load_buf(s, yaml, strlen(yaml), "t.yml", &d) != SH_OK ||
        sh_sigma_compile(s, NULL, &d) != SH_OK) {
        sh_test_fail(__FILE__, __LINE__, "rules do not load: %s", d.text);
        sh_sigma_set_free(s);
        return NULL;
    }
    return s;
}
