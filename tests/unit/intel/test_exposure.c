/*
 * test_exposure.c - CVE/KEV data and the exposure join.
 *
 * The CVE and KEV imports are tested on the corpus files; the join on a
 * `show version` capture and a config record of the same device coming
 * from two different files, through each state: exposed, feature_off,
 * not_affected and unknown.
 */
#include "base/sh_base.h"

#include "test.h"

#include <stdio.h>

#include "intel/cvedb.h"
#include "intel/exposure.h"
#include "intel/show.h"
#include "salthunt/sh_intel.h"

static struct sh_cvedb *builtin_db(void)
{
    struct sh_cvedb *db = NULL;
    sh_diag d;

    CHECK_OK(sh_cvedb_new(&db));
    if (sh_cvedb_load_builtin(db, &d) != 0)
        sh_test_fail(__FILE__, __LINE__, "builtin: %s:%u %s", d.source, d.line, d.text);
    return db;
}

static size_t find_cve(const struct sh_cvedb *db, const char *id)
{
    size_t i;
    struct sh_cve_info ci;

    for (i = 0; i < sh_cvedb_count(db); i++) {
        sh_cvedb_info(db, i, &ci);
        if (strcmp(ci.id, id) == 0)
            return i;
    }
    sh_test_fail(__FILE__, __LINE__, "%s not in the database", id);
    return 0;
}

static enum sh_cve_verdict verdict(const struct sh_cvedb *db, const char *id, const char *plat,
                                   const char *os, const char *ver, const char **fixed)
{
    struct sh_cve_eval ev;
    sh_cvedb_eval(db, find_cve(db, id), plat, os, ver, &ev);
    if (fixed)
        *fixed = ev.fixed;
    return ev.verdict;
}

SH_TEST(corpus_cve_and_kev_imports)
{
    static const char *const files[] = {
        "cvelistV5/cves/2023/20xxx/CVE-2023-20198.json",
        "cvelistV5/cves/2024/3xxx/CVE-2024-3400.json",
        "cvelistV5/cves/2018/0xxx/CVE-2018-0171.json",
        "cvelistV5/cves/2024/21xxx/CVE-2024-21887.json",
        "vulnrichment/2024/20xxx/CVE-2024-20399.json",
    };
    struct sh_cvedb *db = NULL;
    size_t i, n = 0;
    char *buf;
    size_t len;
    sh_diag d;

    CHECK_OK(sh_cvedb_new(&db));
    for (i = 0; i < SH_ARRAY_LEN(files); i++) {
        CHECK_OK(sh_file_read(&buf, &len, sh_test_corpus(files[i]), 1 << 24, NULL));
        CHECK_EQ_INT(sh_cvedb_sniff(buf, len), 1);
        CHECK_OK(sh_cvedb_add_cve_json(db, buf, len, files[i], &d));
        sh_free(buf);
    }
    CHECK_EQ_INT(sh_cvedb_count(db), SH_ARRAY_LEN(files));
    CHECK_OK(sh_file_read(&buf, &len,
                          sh_test_corpus("cisa-kev/known_exploited_vulnerabilities.json"), 1 << 24,
                          NULL));
    CHECK_EQ_INT(sh_cvedb_sniff(buf, len), 2);
    CHECK_OK(sh_cvedb_add_kev_json(db, buf, len, "kev", &n, &d));
    sh_free(buf);
    CHECK_EQ_INT(n, 1404);
    CHECK_STR(sh_cvedb_kev_date(db, "CVE-2023-20198"), "2023-10-16");
    CHECK_STR(sh_cvedb_kev_date(db, "CVE-2024-3400"), "2024-04-12");
    CHECK_STR(sh_cvedb_kev_date(db, "CVE-2018-0171"), "2021-11-03");

    /* Explicit list: 17.9.3 listed, 17.09.04a (zero-padded, fixed) not. */
    CHECK_EQ_INT(verdict(db, "CVE-2023-20198", "iosxe", NULL, "17.09.03", NULL), SH_CVE_AFFECTED);
    CHECK_EQ_INT(verdict(db, "CVE-2023-20198", "iosxe", NULL, "17.09.04a", NULL),
                 SH_CVE_NOT_AFFECTED);
    CHECK_EQ_INT(verdict(db, "CVE-2023-20198", "nxos", NULL, "9.3(8)", NULL),
                 SH_CVE_NOT_FOR_PLATFORM);
    /* Ranges with lessThan and changes. */
    {
        const char *fixed = NULL;
        CHECK_EQ_INT(verdict(db, "CVE-2024-3400", "panos", NULL, "10.2.8", &fixed),
                     SH_CVE_AFFECTED);
        CHECK_STR(fixed, "10.2.9-h1");
        CHECK_EQ_INT(verdict(db, "CVE-2024-3400", "panos", NULL, "10.2.9-h1", NULL),
                     SH_CVE_NOT_AFFECTED);
        CHECK_EQ_INT(verdict(db, "CVE-2024-3400", "panos", NULL, "10.1.11", NULL),
                     SH_CVE_NOT_AFFECTED);
        CHECK_EQ_INT(verdict(db, "CVE-2024-3400", "panos", NULL, "11.1.2-h1", &fixed),
                     SH_CVE_AFFECTED);
        CHECK_STR(fixed, "11.1.2-h3");
    }
    /* lessThanOrEqual, "X and earlier" within X's release line. */
    CHECK_EQ_INT(verdict(db, "CVE-2024-21887", "ivanti", "Ivanti Connect Secure", "22.4R2.1", NULL),
                 SH_CVE_AFFECTED);
    CHECK_EQ_INT(verdict(db, "CVE-2024-21887", "ivanti", "Ivanti Connect Secure", "22.7R2.3", NULL),
                 SH_CVE_NOT_AFFECTED);
    CHECK_EQ_INT(verdict(db, "CVE-2024-21887", "ivanti", "Ivanti Connect Secure", "9.1R18.3", NULL),
                 SH_CVE_NOT_AFFECTED);
    /* No version list: every IOS / IOS XE version. */
    CHECK_EQ_INT(verdict(db, "CVE-2018-0171", "ios", NULL, "15.2(7)E4", NULL), SH_CVE_AFFECTED);
    /* Exchange ranges end at "publication": cannot be ordered, so unknown. */
    {
        struct sh_cvedb *b = builtin_db();
        CHECK_EQ_INT(verdict(b, "CVE-2021-26855", "exchange", NULL, "15.2.1544.4", NULL),
                     SH_CVE_INCOMPARABLE);
        /* Policy Secure has its own ranges: 22.6R2 is past IPS's 22.6R1. */
        CHECK_EQ_INT(verdict(b, "CVE-2024-21887", "ivanti", "Ivanti Policy Secure", "22.6R2", NULL),
                     SH_CVE_NOT_AFFECTED);
        CHECK_EQ_INT(
            verdict(b, "CVE-2024-21887", "ivanti", "Ivanti Connect Secure", "22.6R2", NULL),
            SH_CVE_AFFECTED);
        sh_cvedb_free(b);
    }
    /* NX-OS list from vulnrichment. */
    CHECK_EQ_INT(verdict(db, "CVE-2024-20399", "nxos", NULL, "9.3(8)", NULL), SH_CVE_AFFECTED);
    sh_cvedb_free(db);
}

SH_TEST(bad_records)
{
    struct sh_cvedb *db = NULL;
    sh_diag d;

    CHECK_OK(sh_cvedb_new(&db));
    CHECK_EQ_INT(sh_cvedb_add_cve_json(db, "{\"a\":1}", 7, "x.json", &d), SH_EPARSE);
    CHECK_STR(d.source, "x.json");
    CHECK_EQ_INT(sh_cvedb_add_cve_json(db, "{\"a\":", 5, "y.json", &d), SH_EPARSE);
    CHECK(d.line >= 1);
    CHECK_EQ_INT(sh_cvedb_add_kev_json(db, "[]", 2, "k.json", NULL, &d), SH_EPARSE);
    CHECK_EQ_INT(sh_cvedb_add_preconditions(db, "CVE-2023-20198 http\n", 20, "p.yml", &d),
                 SH_EPARSE);
    CHECK_EQ_INT(d.line, 1);
    sh_cvedb_free(db);
}

/* One device in two files: a show version capture and a config record. */
static const char *const SHOWV =
    "edge7#show version\n"
    "Cisco IOS XE Software, Version 17.09.03\n"
    "Cisco IOS Software [Cupertino], Catalyst L3 Switch Software (CAT9K_IOSXE), Version 17.9.3, "
    "RELEASE SOFTWARE (fc4)\n"
    "edge7 uptime is 2 weeks, 3 days\n"
    "cisco C9300-24P (X86) processor with 1331521K/6147K bytes of memory.\n"
    "Processor board ID FOC9999Z1AB\n";

static void run_join(const char *version_text, const char *const *features, bool with_config,
                     bool all, sh_findings *out)
{
    struct sh_ptrvec devs = {0}, merged;
    struct sh_cvedb *db = builtin_db();
    sh_device *cfg;
    size_t i;

    CHECK_OK(
        sh_show_parse(version_text, strlen(version_text), "captures/edge7-show.txt", &devs, NULL));
    if (with_config) {
        cfg = sh_calloc(1, sizeof(*cfg));
        cfg->hostname = sh_strdup("EDGE7"); /* case differs: still the same device */
        cfg->platform = sh_strdup("ios");
        cfg->dialect_basis = sh_strdup("config: version line and interface names");
        sh_strlist_push(&cfg->sources, "configs/edge7.cfg");
        for (i = 0; features && features[i]; i++)
            sh_strlist_push(&cfg->features, features[i]);
        sh_ptrvec_push(&devs, cfg);
    }
    CHECK_OK(sh_exposure_merge((sh_device *const *)devs.v, devs.n, &merged));
    CHECK_EQ_INT(merged.n, 1);
    CHECK_OK(sh_exposure_eval(db, &merged, all, NULL, out));
    sh_exposure_merge_free(&merged);
    sh_show_free_devices(&devs);
    sh_cvedb_free(db);
}

static const sh_finding *by_cve(const sh_findings *l, const char *cve)
{
    size_t i;
    for (i = 0; i < l->n; i++) {
        if (l->v[i]->cve && strcmp(l->v[i]->cve, cve) == 0)
            return l->v[i];
    }
    return NULL;
}

SH_TEST(exposed_when_feature_on)
{
    static const char *const feats[] = {"https_server", NULL};
    sh_findings out = {0};
    const sh_finding *f;

    run_join(SHOWV, feats, true, false, &out);
    f = by_cve(&out, "CVE-2023-20198");
    CHECK(f != NULL);
    if (f) {
        CHECK_STR(f->state, "exposed");
        CHECK(f->kind == SH_KIND_EXPOSURE);
        CHECK(f->severity == SH_SEV_CRITICAL);
        CHECK_STR(f->device, "edge7");
        CHECK_STR(f->platform, "iosxe");
        CHECK_STR(f->path, "captures/edge7-show.txt");
        CHECK(strstr(f->message, "17.9.3") != NULL);
        CHECK(strstr(f->message, "2023-10-16") != NULL);
        CHECK(strstr(f->message, "https_server") != NULL);
        CHECK(strstr(f->remediation, "no ip http secure-server") != NULL);
    }
    /* Smart Install is not on: feature_off, medium. */
    f = by_cve(&out, "CVE-2018-0171");
    CHECK(f != NULL);
    if (f) {
        CHECK_STR(f->state, "feature_off");
        CHECK(f->severity == SH_SEV_MEDIUM);
        CHECK(strstr(f->message, "vstack") != NULL);
    }
    /* No platform mismatch: nothing about PAN-OS or Ivanti. */
    CHECK(by_cve(&out, "CVE-2024-3400") == NULL);
    CHECK(by_cve(&out, "CVE-2024-21887") == NULL);
    sh_findings_clear(&out);
}

SH_TEST(feature_off_without_http)
{
    static const char *const feats[] = {"snmp", NULL};
    sh_findings out = {0};
    const sh_finding *f;

    run_join(SHOWV, feats, true, false, &out);
    f = by_cve(&out, "CVE-2023-20198");
    CHECK(f != NULL);
    if (f) {
        CHECK_STR(f->state, "feature_off");
        CHECK(f->severity == SH_SEV_MEDIUM);
    }
    sh_findings_clear(&out);
}

SH_TEST(not_affected_only_with_all)
{
    static const char *const feats[] = {"http_server", NULL};
    const char *fixed_text = "edge7#show version\n"
                             "Cisco IOS XE Software, Version 17.09.04a\n"
                             "Cisco IOS Software [Cupertino], Catalyst L3 Switch Software "
                             "(CAT9K_IOSXE), Version 17.9.4a, RELEASE SOFTWARE (fc4)\n";
    sh_findings out = {0};
    const sh_finding *f;

    run_join(fixed_text, feats, true, false, &out);
    CHECK(by_cve(&out, "CVE-2023-20198") == NULL);
    sh_findings_clear(&out);
    run_join(fixed_text, feats, true, true, &out);
    f = by_cve(&out, "CVE-2023-20198");
    CHECK(f != NULL);
    if (f) {
        CHECK_STR(f->state, "not_affected");
        CHECK(f->severity == SH_SEV_INFO);
    }
    sh_findings_clear(&out);
}

SH_TEST(unknown_names_what_is_missing)
{
    sh_findings out = {0};
    const sh_finding *f;

    /* Version known, no config: feature evidence missing. */
    run_join(SHOWV, NULL, false, false, &out);
    f = by_cve(&out, "CVE-2023-20198");
    CHECK(f != NULL);
    if (f) {
        CHECK_STR(f->state, "unknown");
        CHECK(strstr(f->message, "no configuration") != NULL);
    }
    sh_findings_clear(&out);

    /* Config only (no show version): version missing. */
    {
        struct sh_ptrvec devs = {0}, merged;
        struct sh_cvedb *db = builtin_db();
        sh_device *cfg = sh_calloc(1, sizeof(*cfg));

        cfg->hostname = sh_strdup("edge8");
        cfg->platform = sh_strdup("iosxe");
        cfg->dialect_basis = sh_strdup("config");
        sh_strlist_push(&cfg->sources, "configs/edge8.cfg");
        sh_strlist_push(&cfg->features, "http_server");
        sh_ptrvec_push(&devs, cfg);
        CHECK_OK(sh_exposure_merge((sh_device *const *)devs.v, devs.n, &merged));
        CHECK_OK(sh_exposure_eval(db, &merged, false, NULL, &out));
        f = by_cve(&out, "CVE-2023-20198");
        CHECK(f != NULL);
        if (f) {
            CHECK_STR(f->state, "unknown");
            CHECK(strstr(f->message, "no software version") != NULL);
            CHECK_STR(f->path, "configs/edge8.cfg");
        }
        sh_exposure_merge_free(&merged);
        sh_show_free_devices(&devs);
        sh_cvedb_free(db);
        sh_findings_clear(&out);
    }
}

SH_TEST(inventory_merge_public)
{
    struct sh_ptrvec devs = {0};
    sh_device **inv = NULL, *cfg;
    size_t n = 0;

    CHECK_OK(sh_show_parse(SHOWV, strlen(SHOWV), "a/show.txt", &devs, NULL));
    cfg = sh_calloc(1, sizeof(*cfg));
    cfg->hostname = sh_strdup("edge7");
    cfg->platform = sh_strdup("ios");
    cfg->version = sh_strdup("17.9");
    sh_strlist_push(&cfg->sources, "b/edge7.cfg");
    sh_ptrvec_push(&devs, cfg);
    CHECK_OK(sh_inventory_merge((sh_device *const *)devs.v, devs.n, &inv, &n));
    CHECK_EQ_INT(n, 1);
    if (n == 1) {
        CHECK_STR(inv[0]->version, "17.9.3"); /* the show capture wins over the config */
        CHECK_STR(inv[0]->platform, "iosxe");
        CHECK_STR(inv[0]->serial, "FOC9999Z1AB");
        CHECK_EQ_INT(inv[0]->sources.n, 2);
    }
    sh_inventory_free(inv, n);
    sh_show_free_devices(&devs);
}

static sh_device *config_record(const char *host, const char *path, const char *feature)
{
    sh_device *d = sh_calloc(1, sizeof(*d));

    d->hostname = sh_strdup(host);
    d->platform = sh_strdup("ios");
    d->dialect_basis = sh_strdup("config: version line and interface names");
    sh_strlist_push(&d->sources, path);
    if (feature)
        sh_strlist_push(&d->features, feature);
    return d;
}

/* The borrowing view gives the findings the copying merge gives: a show
 * capture joined with a config (a group), a lone config and a lone
 * capture (borrowed). */
SH_TEST(merge_view_matches_merge)
{
    struct sh_ptrvec devs = {0}, a, b;
    struct sh_cvedb *db = builtin_db();
    sh_findings fa = {0}, fb = {0};
    size_t i;

    CHECK_OK(sh_show_parse(SHOWV, strlen(SHOWV), "a/show.txt", &devs, NULL));
    sh_ptrvec_push(&devs, config_record("EDGE7", "b/edge7.cfg", "http_server"));
    sh_ptrvec_push(&devs, config_record("core1", "b/core1.cfg", "http_server"));
    sh_ptrvec_push(&devs, config_record("core2", "b/core2.cfg", NULL));
    CHECK_OK(sh_exposure_merge((sh_device *const *)devs.v, devs.n, &a));
    CHECK_OK(sh_exposure_merge_view((sh_device *const *)devs.v, devs.n, &b));
    CHECK_EQ_INT(a.n, 3);
    CHECK_EQ_INT(b.n, a.n);
    for (i = 0; i < a.n && i < b.n; i++) {
        const struct sh_inv_device *x = a.v[i], *y = b.v[i];
        CHECK_STR(x->dev->hostname, y->dev->hostname);
        CHECK(x->has_config == y->has_config);
        CHECK((x->version_source == NULL) == (y->version_source == NULL));
        CHECK_EQ_INT(x->cfg_features.n, y->cfg_features.n);
    }
    for (i = 0; i < b.n; i++) {
        const struct sh_inv_device *y = b.v[i];
        /* edge7 is a group of two records; each core is one record, borrowed */
        CHECK(y->borrowed == (strncmp(y->dev->hostname, "core", 4) == 0));
    }
    CHECK_OK(sh_exposure_eval(db, &a, true, NULL, &fa));
    CHECK_OK(sh_exposure_eval(db, &b, true, NULL, &fb));
    CHECK(fa.n > 0);
    CHECK_EQ_INT(fb.n, fa.n);
    for (i = 0; i < fa.n && i < fb.n; i++) {
        CHECK_STR(fa.v[i]->message, fb.v[i]->message);
        CHECK_STR(fa.v[i]->path, fb.v[i]->path);
        CHECK_STR(fa.v[i]->state, fb.v[i]->state);
    }
    sh_findings_clear(&fa);
    sh_findings_clear(&fb);
    sh_exposure_merge_free(&a);
    sh_exposure_merge_free(&b);
    sh_show_free_devices(&devs);
    sh_cvedb_free(db);
}

/* The example network's branch router: show version and show vstack config
 * in one capture; Smart Install is on, so CVE-2018-0171 is exposed even
 * without a config, while the web UI CVEs stay unknown (no config). */
SH_TEST(example_capture_with_vstack)
{
    struct sh_ptrvec devs = {0}, merged;
    struct sh_cvedb *db = builtin_db();
    sh_findings out = {0};
    const sh_finding *f;
    char *buf = NULL;
    size_t len = 0;

    CHECK_OK(sh_file_read(&buf, &len, sh_test_src("examples/network/show/ce1-branch12.txt"),
                          1 << 20, NULL));
    CHECK_OK(sh_show_parse(buf, len, "ce1-branch12.txt", &devs, NULL));
    CHECK_EQ_INT(devs.n, 2);
    CHECK_OK(sh_exposure_merge((sh_device *const *)devs.v, devs.n, &merged));
    CHECK_EQ_INT(merged.n, 1);
    CHECK_OK(sh_exposure_eval(db, &merged, false, NULL, &out));
    f = by_cve(&out, "CVE-2018-0171");
    CHECK(f != NULL);
    if (f) {
        CHECK_STR(f->state, "exposed");
        CHECK(f->severity == SH_SEV_CRITICAL);
        CHECK_STR(f->device, "ce1-branch12");
        CHECK(strstr(f->message, "vstack") != NULL);
    }
    sh_findings_clear(&out);
    sh_exposure_merge_free(&merged);
    sh_show_free_devices(&devs);
    sh_cvedb_free(db);
    sh_free(buf);
}

/* A config whose rules cannot see the web server says nothing about it:
 * unknown, not feature_off. */
SH_TEST(undetectable_feature_is_unknown)
{
    struct sh_ptrvec devs = {0}, merged;
    struct sh_cvedb *db = builtin_db();
    sh_strlist detectable = {0};
    sh_findings out = {0};
    const sh_finding *f;
    sh_device *cfg = sh_calloc(1, sizeof(*cfg));

    CHECK_OK(sh_show_parse(SHOWV, strlen(SHOWV), "s.txt", &devs, NULL));
    cfg->hostname = sh_strdup("edge7");
    cfg->dialect_basis = sh_strdup("config");
    sh_strlist_push(&cfg->sources, "c.cfg");
    sh_ptrvec_push(&devs, cfg);
    sh_strlist_push(&detectable, "vstack");
    CHECK_OK(sh_exposure_merge((sh_device *const *)devs.v, devs.n, &merged));
    CHECK_OK(sh_exposure_eval(db, &merged, false, &detectable, &out));
    f = by_cve(&out, "CVE-2023-20198");
    CHECK(f != NULL);
    if (f) {
        CHECK_STR(f->state, "unknown");
        CHECK(strstr(f->message, "no loaded rule detects") != NULL);
    }
    f = by_cve(&out, "CVE-2018-0171");
    CHECK(f != NULL);
    if (f)
        CHECK_STR(f->state, "feature_off");
    sh_findings_clear(&out);
    sh_strlist_clear(&detectable);
    sh_exposure_merge_free(&merged);
    sh_show_free_devices(&devs);
    sh_cvedb_free(db);
}
