/*
 * test_logpack.c - the built-in log pack (rules/logs): every rule loads and
 * compiles without errors, every rule with an id has samples, fires on
 * each file of tests/<id>/match/ and never on tests/<id>/nomatch/, and
 * every catalogue rule L-01..L-31 and X-01..X-06 is present.
 */
#include "../../../src/lib/base/sh_base.h"

#include <stdio.h>

#include "sigma/sigma_int.h"
#include "test.h"

static void on_diag(const sh_diag *d, bool error, void *ud)
{
    int *n = ud;
    if (error) {
        (*n)++;
        fprintf(stderr, "  rule error: %s:%u: %s\n", d->source, d->line, d->text);
    }
}

static void on_case(const sh_sigma_test_case *c, void *ud)
{
    (void)ud;
    if (!c->ok)
        fprintf(stderr, "  %s: %s%s%s (line %u)\n", c->rule, c->path, c->detail ? ": " : "",
                c->detail ? c->detail : "", c->line);
}

SH_TEST(builtin_pack_loads_clean)
{
    sh_sigma_set *s = NULL;
    int errors = 0;
    sh_diag d;

    CHECK_OK(sh_sigma_set_new(&s));
    sh_sigma_set_on_diag(s, on_diag, &errors);
    CHECK_OK(sh_sigma_load_builtin(s, &d));
    CHECK_OK(sh_sigma_compile(s, NULL, &d));
    CHECK_EQ_INT(errors, 0);
    sh_sigma_set_free(s);
}

SH_TEST(catalogue_rules_present)
{
    sh_sigma_set *s = NULL;
    sh_diag d;
    char want[16];
    int i;

    CHECK_OK(sh_sigma_set_new(&s));
    CHECK_OK(sh_sigma_load_builtin(s, &d));
    for (i = 1; i <= 37; i++) {
        size_t k;
        bool found = false;
        if (i <= 31)
            snprintf(want, sizeof(want), "L-%02d", i);
        else
            snprintf(want, sizeof(want), "X-%02d", i - 31);
        for (k = 0; k < sh_sigma_count(s); k++) {
            sh_sigma_rule_info info;
            if (sh_sigma_rule_get(s, k, &info) == 0 && info.id && strcmp(info.id, want) == 0)
                found = true;
        }
        if (!found)
            sh_test_fail(__FILE__, __LINE__, "catalogue rule %s missing from rules/logs", want);
    }
    sh_sigma_set_free(s);
}

SH_TEST(every_rule_matches_its_samples)
{
    sh_sigma_set *s = NULL;
    size_t passed = 0, failed = 0;
    sh_diag d;

    CHECK_OK(sh_sigma_set_new(&s));
    CHECK_OK(sh_sigma_load_builtin(s, &d));
    CHECK_OK(sh_sigma_compile(s, NULL, &d));
    CHECK_OK(
        sh_sigma_test_pack(s, sh_test_src("rules/logs/tests"), on_case, NULL, &passed, &failed));
    fprintf(stderr, "  log pack samples: %zu passed, %zu failed\n", passed, failed);
    CHECK(passed >= 2 * 37);
    CHECK_EQ_INT(failed, 0);
    sh_sigma_set_free(s);
}
