/*
 * test_oom.c - allocation failure at every point of rule loading and
 * evaluation: an error code, never a crash or a leak (ASan checks leaks).
 */
#include "base/sh_base.h"

#include "parse/cfg.h"
#include "policy/policy.h"
#include "rules/rules.h"
#include "test.h"

static const char cfg[] = "hostname edge1\n"
                          "username evil privilege 15 secret 0 x\n"
                          "username 45.61.165.157 privilege 15 secret 0 x\n"
                          "line vty 0 4\n"
                          " transport input telnet\n"
                          "line vty 5 15\n";

SH_TEST(load_survives_every_allocation_failure)
{
    const char *paths[2];
    sh_rules_options o = SH_RULES_OPTIONS_INIT;
    unsigned long n;
    bool ok = false;

    paths[0] = sh_test_src("tests/rules/examples");
    paths[1] = NULL;
    o.no_builtin = true;
    o.paths = paths;
    for (n = 1; n < 5000 && !ok; n++) {
        sh_ruleset *rs = NULL;
        sh_diag d;
        int rc;

        sh_alloc_fail_after(n);
        rc = sh_ruleset_load(&rs, &o, &d);
        sh_alloc_fail_after(0);
        if (rc == 0) {
            CHECK(rs != NULL);
            CHECK_EQ_INT(sh_ruleset_count(rs), 3);
            ok = true;
        } else {
            CHECK(rs == NULL);
        }
        sh_ruleset_free(rs);
    }
    CHECK(ok);
}

SH_TEST(eval_survives_every_allocation_failure)
{
    const char *paths[2];
    sh_rules_options o = SH_RULES_OPTIONS_INIT;
    sh_ruleset *rs = NULL;
    struct sh_cfg_doc *doc = NULL;
    unsigned long n;
    size_t expected = 0;
    sh_diag d;
    bool ok = false;

    paths[0] = sh_test_src("tests/rules/examples");
    paths[1] = NULL;
    o.no_builtin = true;
    o.paths = paths;
    CHECK_OK(sh_ruleset_load(&rs, &o, &d));
    CHECK_OK(sh_cfg_parse(&doc, cfg, strlen(cfg), SH_DIALECT_IOS, NULL, "cfg", &d));
    if (!rs || !doc)
        goto out;
    for (n = 0; n < 5000 && !ok; n++) {
        struct sh_rules_worker *w;
        struct sh_rules_env env;
        sh_findings f = {0};
        sh_strlist feats = {0};
        int rc = SH_ENOMEM;

        memset(&env, 0, sizeof(env));
        env.path = "cfg";
        sh_alloc_fail_after(n); /* n == 0: the reference run without failures */
        w = sh_rules__worker_new(rs);
        if (w)
            rc = sh_rules__eval(rs, w, doc, &env, &f, &feats);
        sh_alloc_fail_after(0);
        if (n == 0) {
            CHECK_OK(rc);
            expected = f.n;
            CHECK(expected >= 3);
        } else if (rc == 0) {
            CHECK_EQ_INT(f.n, expected);
            ok = true;
        } else {
            CHECK_EQ_INT(rc, SH_ENOMEM);
        }
        sh_findings_clear(&f);
        sh_strlist_clear(&feats);
        sh_rules__worker_free(w);
    }
    CHECK(ok);
out:
    sh_cfg_doc_free(doc);
    sh_ruleset_free(rs);
}
