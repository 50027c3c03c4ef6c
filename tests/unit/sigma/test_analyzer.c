/*
 * test_analyzer.c - the log analyzer inside a scan: findings carry the
 * contract fields, correlations join a device's rotated files, advisory
 * indicators turn a TTP into an IOC, and coverage findings name the log
 * rules a device cannot fire.
 */
#include "../../../src/lib/base/sh_base.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "salthunt/sh_scan.h"
#include "scan/scan_int.h"
#include "test.h"

extern const struct sh_analyzer sh_analyzer__log;

static char dir[64];

static void write_file(const char *name, const char *text)
{
    char path[128];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    if (!f)
        return;
    fputs(text, f);
    fclose(f);
}

static const sh_finding *find(const sh_scan_result *r, const char *rule, int nth)
{
    size_t i;

    for (i = 0; i < r->findings.n; i++)
        if (strcmp(r->findings.v[i]->rule, rule) == 0 && nth-- == 0)
            return r->findings.v[i];
    return NULL;
}

static bool has_ref(const sh_finding *f, const char *needle)
{
    size_t i;

    for (i = 0; f && i < f->references.n; i++)
        if (strstr(f->references.v[i], needle))
            return true;
    return false;
}

SH_TEST(correlation_joins_rotated_files)
{
    sh_scan_options o = SH_SCAN_OPTIONS_INIT;
    sh_scan_result *r = NULL;
    const char *paths[1];
    const sh_finding *f;
    sh_diag d;

    snprintf(dir, sizeof(dir), "/tmp/sh-sigma-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    write_file("rtr-gs.log.1",
               "Oct 12 10:00:00 rtr-gs 1: *Oct 12 10:00:00.000 UTC: "
               "%PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged command:guestshell enable\n");
    write_file("rtr-gs.log",
               "Oct 12 10:20:00 rtr-gs 2: *Oct 12 10:20:00.000 UTC: "
               "%PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged command:guestshell destroy\n"
               "Oct 12 10:21:00 rtr-gs 3: *Oct 12 10:21:00.000 UTC: %SYS-5-CONFIG_I: "
               "Configured from console by admin on vty0 (45.61.165.157)\n");
    paths[0] = dir;
    o.jobs = 2;
    CHECK_OK(sh_scan_run(&r, paths, 1, &o, &d));
    if (!r)
        return;
    f = find(r, "L-05", 0);
    CHECK(f != NULL);
    if (f) {
        CHECK_STR(f->device, "rtr-gs");
        CHECK_STR(f->platform, "ios");
        CHECK(f->line == 1);
        CHECK(f->time && strstr(f->time, "-10-12T10:") != NULL);
        CHECK(f->attack.n == 1 && strcmp(f->attack.v[0], "T1610") == 0);
        CHECK(f->kind == SH_KIND_TTP);
        CHECK(f->evidence && strstr(f->evidence, "guestshell") != NULL);
    }
    f = find(r, "X-05", 0);
    CHECK(f != NULL);
    if (f) {
        CHECK(strstr(f->path, "rtr-gs.log") != NULL && f->line == 1);
        CHECK(has_ref(f, "rtr-gs.log.1:1"));
        CHECK(has_ref(f, "rtr-gs.log:1"));
        CHECK(f->severity == SH_SEV_HIGH);
        /* the line is read back from the file for the evidence */
        CHECK_STR(f->evidence, "Oct 12 10:20:00 rtr-gs 2: *Oct 12 10:20:00.000 UTC: "
                               "%PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged command:guestshell "
                               "destroy");
    }
    /* a configuration change from an advisory address is an IOC finding */
    f = find(r, "L-29", 0);
    CHECK(f != NULL);
    if (f) {
        CHECK(f->kind == SH_KIND_IOC);
        CHECK(f->severity >= SH_SEV_HIGH);
        CHECK(strstr(f->message, "45.61.165.157") != NULL);
    }
    sh_scan_result_free(r);
    {
        char p[128];
        snprintf(p, sizeof(p), "%s/rtr-gs.log", dir);
        unlink(p);
        snprintf(p, sizeof(p), "%s/rtr-gs.log.1", dir);
        unlink(p);
    }
    rmdir(dir);
}

SH_TEST(coverage_names_rules_a_device_cannot_fire)
{
    sh_scan_options o = SH_SCAN_OPTIONS_INIT;
    struct sh_scan_ctx ctx;
    struct sh_scan_out out;
    sh_scan_result res;
    sh_device *dev, *dev2, *devs[2];
    void *state = NULL, *w;
    const sh_finding *f;
    char path[128];
    sh_diag d;

    snprintf(dir, sizeof(dir), "/tmp/sh-sigma-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    write_file("cov.log", "Oct 12 10:00:00 rtr-cov 1: *Oct 12 10:00:00.000 UTC: "
                          "%LINK-3-UPDOWN: Interface Gi0/1, changed state to up\n");
    snprintf(path, sizeof(path), "%s/cov.log", dir);
    memset(&ctx, 0, sizeof(ctx));
    memset(&out, 0, sizeof(out));
    memset(&res, 0, sizeof(res));
    ctx.opts = &o;
    CHECK_OK(sh_analyzer__log.prepare(&ctx, &state, &d));
    w = sh_analyzer__log.worker_new(&ctx, state);
    CHECK(w != NULL);
    CHECK(sh_analyzer__log.detect("Oct 12 10:00:00 rtr-cov 1: *Oct 12 10:00:00.000 UTC: "
                                  "%LINK-3-UPDOWN: Interface Gi0/1, changed state to up\n",
                                  90, NULL) > 0);
    CHECK_OK(sh_analyzer__log.analyze_path(&ctx, state, w, path, NULL, 0, &out, &d));
    sh_analyzer__log.worker_free(w);
    dev = sh_device_new();
    dev->hostname = sh_strdup("RTR-COV");
    dev->platform = sh_strdup("iosxe");
    sh_strlist_push(&dev->sources, "configs/rtr-cov.cfg");
    sh_strlist_push(&dev->features, "logging_host");
    sh_strlist_push(&dev->features, "aaa_accounting");
    /* a second record of the same device (its startup config) logs logins */
    dev2 = sh_device_new();
    dev2->hostname = sh_strdup("rtr-cov");
    sh_strlist_push(&dev2->sources, "configs/rtr-cov-startup.cfg");
    sh_strlist_push(&dev2->features, "login_logging");
    devs[0] = dev;
    devs[1] = dev2;
    res.devices = devs;
    res.n_devices = 2;
    CHECK_OK(sh_analyzer__log.finish(&ctx, state, &res, &d));
    f = find(&res, "COV-cmd_logging", 0);
    CHECK(f != NULL);
    if (f) {
        CHECK(f->kind == SH_KIND_COVERAGE);
        CHECK_STR(f->device, "RTR-COV");
        CHECK_STR(f->path, "configs/rtr-cov.cfg");
        CHECK(strstr(f->message, "L-01") && strstr(f->message, "X-05"));
        CHECK(f->remediation && strstr(f->remediation, "logging enable"));
    }
    CHECK(find(&res, "COV-cmd_logging", 1) == NULL); /* once per device, not per record */
    CHECK(find(&res, "COV-login_logging", 0) == NULL);
    CHECK(find(&res, "COV-logging_host", 0) == NULL);
    CHECK(find(&res, "COV-aaa_accounting", 0) == NULL);
    sh_findings_clear(&res.findings);
    sh_findings_clear(&out.findings);
    sh_device_free(dev);
    sh_device_free(dev2);
    sh_analyzer__log.release(state);
    unlink(path);
    rmdir(dir);
}
