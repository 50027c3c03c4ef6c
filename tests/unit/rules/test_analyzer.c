/*
 * test_analyzer.c - the config analyzer inside a real scan: user rules
 * from a folder, a policy file, findings and device records.
 */
#include "base/sh_base.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "salthunt/sh_scan.h"
#include "test.h"

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fputs(text, f);
    fclose(f);
}

static size_t count_rule(const sh_scan_result *res, const char *id, sh_finding **first)
{
    size_t i, n = 0;

    *first = NULL;
    for (i = 0; i < res->findings.n; i++) {
        if (strcmp(res->findings.v[i]->rule, id) == 0) {
            if (!n)
                *first = res->findings.v[i];
            n++;
        }
    }
    return n;
}

struct diags {
    int n;
    sh_diag first;
};

static void on_diag(const sh_diag *d, void *ud)
{
    struct diags *s = ud;
    if (!s->n++)
        s->first = *d;
}

SH_TEST(scan_with_user_rules_and_policy)
{
    char dir[] = "/tmp/sh_cfgscan_XXXXXX";
    char cfg[300], cfg2[300], pol[300], cmd[400];
    const char *rule_paths[2];
    const char *paths[1];
    sh_scan_options o = SH_SCAN_OPTIONS_INIT;
    sh_scan_result *res = NULL;
    struct diags ds = {0};
    sh_finding *f;
    sh_diag d;

    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    snprintf(cfg, sizeof(cfg), "%s/edge1.cfg", dir);
    write_file(cfg, "!\nversion 15.2\nhostname edge1\n!\n"
                    "username netops privilege 15 secret 9 $9$abc\n"
                    "username evil privilege 15 secret 0 x\n"
                    "line vty 0 4\n transport input telnet\n!\nend\n");
    snprintf(cfg2, sizeof(cfg2), "%s/edge2.cfg", dir);
    write_file(cfg2, "!\nversion 15.2\nhostname edge2\n!\nlogging host 10.250.1.20\n"
                     "line vty 0 4\n transport input ssh\n!\nend\n");
    snprintf(pol, sizeof(pol), "%s/policy.yml", dir);
    write_file(pol, "local_users: [netops]\n");
    rule_paths[0] = sh_test_src("tests/rules/examples");
    rule_paths[1] = NULL;
    paths[0] = dir;
    o.jobs = 2;
    o.no_builtin_rules = true;
    o.rule_paths = rule_paths;
    o.policy_path = pol;
    o.on_diag = on_diag;
    o.diag_ud = &ds;
    CHECK_OK(sh_scan_run(&res, paths, 1, &o, &d));
    if (!res)
        return;
    CHECK_EQ_INT(count_rule(res, "EX-01.priv15-user", &f), 1);
    if (f) {
        CHECK_STR(f->device, "edge1");
        CHECK_STR(f->path, cfg);
        CHECK_EQ_INT(f->line, 6);
        CHECK_EQ_INT(f->severity, SH_SEV_HIGH); /* the policy has local_users */
        CHECK(f->fingerprint[0] != '\0');
    }
    CHECK_EQ_INT(count_rule(res, "EX-02.vty-ssh-only", &f), 1);
    if (f) {
        CHECK_STR(f->device, "edge1");
        CHECK_EQ_INT(f->line, 7);
        CHECK_EQ_INT(f->end_line, 8);
    }
    CHECK_EQ_INT(count_rule(res, "EX-03.no-remote-logging", &f), 1);
    if (f)
        CHECK_STR(f->device, "edge1");
    CHECK(res->n_devices >= 2);
    if (res->n_devices >= 2) {
        CHECK_STR(res->devices[0]->hostname, "edge1");
        CHECK_STR(res->devices[0]->platform, "ios");
        CHECK(res->devices[0]->sources.n == 1 && strcmp(res->devices[0]->sources.v[0], cfg) == 0);
        CHECK(res->devices[0]->dialect_basis != NULL);
    }
    CHECK_EQ_INT(res->files_analysed, 2);
    sh_scan_result_free(res);
    res = NULL;

    /* A broken user rule stops the scan with its file and line. */
    {
        char bad[300];
        snprintf(bad, sizeof(bad), "%s/bad.yml", dir);
        write_file(bad, "id: X-1\ntitle: t\nkind: ttp\nseverity: extreme\n");
        rule_paths[0] = bad;
        o.policy_path = NULL;
        ds.n = 0;
        CHECK_EQ_INT(sh_scan_run(&res, paths, 1, &o, &d), SH_ERULE);
        CHECK(res == NULL);
        CHECK(strstr(d.source, "bad.yml") != NULL);
        CHECK(ds.n >= 2);
        CHECK_EQ_INT(ds.first.line, 4);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}
