/*
 * helper_mkdb.c - write a store holding two scans of the report fixture,
 * for the `salthunt report` shell suite (the CLI can only read stores).
 *
 * usage: sh_helper_mkdb DB
 * Scan 1 has the seven fixture findings; scan 2, of the same scope, loses
 * C-05 and gains C-09, so it has one new and one gone finding.
 */
#include "base/sh_base.h"

#include <stdio.h>

#include "fixture.h"
#include "salthunt/sh_store.h"

static int record(sh_store *s, bool second, const char *now)
{
    static const char *const scope[] = {"fixture-evidence"};
    sh_scan_result r;
    sh_findings gone = {0};
    sh_diag d = {0};
    size_t i;
    int rc;

    memset(&r, 0, sizeof(r));
    if (fixture_findings(&r.findings, false))
        return SH_ENOMEM;
    if (second) {
        sh_finding_free(r.findings.v[1]);
        for (i = 1; i + 1 < r.findings.n; i++)
            r.findings.v[i] = r.findings.v[i + 1];
        r.findings.n--;
        rc = sh_findings_take(&r.findings, fixture_make(&fixture_gone_spec));
        if (rc)
            return rc;
    }
    r.files_seen = 9;
    r.files_analysed = 7;
    r.files_skipped = 2;
    rc = sh_store_record_scan(s, &r, scope, 1, now, &gone, NULL, NULL, &d);
    if (rc)
        fprintf(stderr, "sh_helper_mkdb: %s\n", d.text);
    sh_findings_clear(&r.findings);
    sh_findings_clear(&gone);
    return rc;
}

int main(int argc, char **argv)
{
    sh_store *s = NULL;
    sh_diag d = {0};
    int rc;

    if (argc != 2) {
        fputs("usage: sh_helper_mkdb DB\n", stderr);
        return 2;
    }
    rc = sh_store_open(&s, argv[1], &d);
    if (rc) {
        fprintf(stderr, "sh_helper_mkdb: %s\n", d.text);
        return 1;
    }
    rc = record(s, false, "2026-01-05T08:00:00Z");
    if (!rc)
        rc = record(s, true, "2026-01-06T08:00:00Z");
    sh_store_close(s);
    return rc ? 1 : 0;
}
