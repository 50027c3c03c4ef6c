/*
 * test_peer.c - SigmaHQ's own rules (corpus/sigma) load unmodified, lint
 * clean, and the Cisco regression sample fires its rule exactly as the
 * regression data says (match_count 1).
 */
#include "../../../src/lib/base/sh_base.h"

#include <ftw.h>
#include <stdio.h>

#include "log/logfile.h"
#include "log/syslog.h"
#include "sigma/sigma_eval.h"
#include "sigma/sigma_int.h"
#include "test.h"

struct notes {
    int errors, notes;
};

static void on_diag(const sh_diag *d, bool error, void *ud)
{
    struct notes *n = ud;
    if (error) {
        n->errors++;
        fprintf(stderr, "  lint error: %s:%u: %s\n", d->source, d->line, d->text);
    } else {
        n->notes++;
    }
}

static int n_rule_files;

static int count_file(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    size_t n = strlen(path);
    (void)st;
    (void)ftw;
    if (flag == FTW_F && n > 4 && strcmp(path + n - 4, ".yml") == 0 &&
        !strstr(path, "/regression_data/"))
        n_rule_files++;
    return 0;
}

SH_TEST(every_peer_rule_loads_and_lints_clean)
{
    const char *paths[] = {sh_test_corpus("sigma")};
    struct notes n = {0, 0};
    size_t errors = 99;
    sh_sigma_set *s = NULL;
    sh_diag d;

    CHECK_OK(sh_sigma_lint(paths, 1, false, NULL, on_diag, &n, &errors));
    CHECK_EQ_INT(errors, 0);
    CHECK_EQ_INT(n.errors, 0);
    CHECK(n.notes > 0); /* windows / webserver rules are loaded but noted as not device logs */

    CHECK_OK(sh_sigma_set_new(&s));
    CHECK_OK(sh_sigma_load_path(s, sh_test_corpus("sigma"), &d));
    CHECK_OK(sh_sigma_compile(s, NULL, &d));
    n_rule_files = 0;
    nftw(sh_test_corpus("sigma"), count_file, 16, FTW_PHYS);
    CHECK(n_rule_files > 30);
    CHECK_EQ_INT(sh_sigma_count(s), n_rule_files); /* one rule per file, none lost */
    sh_sigma_set_free(s);
}

struct reg {
    struct sg_scratch *sc;
    int target;
    int fired;
};

static int on_hit(const struct sg_rule *r, const struct sh_log_event *ev, void *ud)
{
    struct reg *g = ud;
    (void)ev;
    if (r->index == g->target)
        g->fired++;
    return 0;
}

static int on_event(const struct sh_log_event *ev, void *ud)
{
    struct reg *g = ud;
    return sh_sigma__eval(g->sc, ev, on_hit, g);
}

SH_TEST(cisco_regression_sample_fires_its_rule)
{
    sh_sigma_set *s = NULL;
    struct reg g = {NULL, -1, 0};
    sh_diag d;
    size_t i;

    CHECK_OK(sh_sigma_set_new(&s));
    CHECK_OK(sh_sigma_load_path(s, sh_test_corpus("sigma/rules"), &d));
    CHECK_OK(sh_sigma_compile(s, NULL, &d));
    for (i = 0; i < s->rules.n; i++) {
        const struct sg_rule *r = s->rules.v[i];
        if (r->id && strcmp(r->id, "ef0ff092-a24a-4fbc-beea-06c08d53e085") == 0)
            g.target = (int)i;
    }
    CHECK(g.target >= 0);
    CHECK_OK(sh_sigma__scratch_new(s, &g.sc));
    CHECK_OK(sh_logfile_each(sh_test_corpus("sigma/regression_data/rules/cisco/aaa/"
                                            "cisco_cli_dot1x_disabled/"
                                            "ef0ff092-a24a-4fbc-beea-06c08d53e085.raw"),
                             NULL, on_event, &g, NULL, &d));
    CHECK_EQ_INT(g.fired, 1); /* info.yml: match_count 1 */
    sh_sigma__scratch_free(g.sc);
    sh_sigma_set_free(s);
}

static int on_any(const struct sg_rule *r, const struct sh_log_event *ev, void *ud)
{
    char *titles = ud;
    (void)ev;
    if (strlen(titles) + strlen(r->title) + 2 < 1024) {
        strcat(titles, r->title);
        strcat(titles, ";");
    }
    return 0;
}

SH_TEST(fortigate_peer_rules_run_on_key_value_logs)
{
    static struct sh_log_event ev;
    static const char line[] =
        "Oct 12 10:15:01 fw1 date=2025-10-12 time=10:15:01 devname=\"FGT-EDGE\" devid=\"FG100F\" "
        "logid=\"0100044547\" type=\"event\" subtype=\"system\" level=\"information\" vd=\"root\" "
        "logdesc=\"Object attribute configured\" user=\"admin\" ui=\"ssh(10.1.1.5)\" "
        "action=\"Add\" cfgtid=1234 cfgpath=\"system.admin\" cfgobj=\"backdoor\" "
        "msg=\"Add system.admin backdoor\"";
    sh_sigma_set *s = NULL;
    struct sg_scratch *sc = NULL;
    char titles[1024] = "";
    sh_diag d;

    CHECK_OK(sh_sigma_set_new(&s));
    CHECK_OK(sh_sigma_load_path(s, sh_test_corpus("sigma/rules/network/fortinet"), &d));
    CHECK_OK(sh_sigma_compile(s, NULL, &d));
    CHECK_OK(sh_sigma__scratch_new(s, &sc));
    memset(&ev, 0, sizeof(ev));
    sh_syslog_parse(&ev, line, strlen(line), NULL);
    CHECK_OK(sh_sigma__eval(sc, &ev, on_any, titles));
    CHECK_STR(titles, "FortiGate - New Administrator Account Created;");
    sh_sigma__scratch_free(sc);
    sh_sigma_set_free(s);
}
