/*
 * fuzz_cvejson.c - CVE JSON 5 records and preconditions on arbitrary
 * bytes, then every evaluation path over what was loaded.
 */
#include "base/sh_base.h"

#include "intel/cvedb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const plats[] = {"ios", "iosxe", "panos", "ivanti", "exchange", "nxos"};
    static const char *const vers[] = {"17.9.3", "15.2(7)E4", "10.2.9-h1", "22.4R2.1", NULL};
    struct sh_cvedb *db = NULL;
    struct sh_cve_eval ev;
    struct sh_cve_info ci;
    size_t i, p, v;
    sh_diag d;

    if (sh_cvedb_new(&db))
        return 0;
    (void)sh_cvedb_sniff((const char *)data, size);
    (void)sh_cvedb_add_cve_json(db, (const char *)data, size, "fuzz", &d);
    (void)sh_cvedb_add_preconditions(db, (const char *)data, size, "fuzz", &d);
    for (i = 0; i < sh_cvedb_count(db); i++) {
        sh_cvedb_info(db, i, &ci);
        for (p = 0; p < SH_ARRAY_LEN(plats); p++) {
            for (v = 0; v < SH_ARRAY_LEN(vers); v++)
                sh_cvedb_eval(db, i, plats[p], NULL, vers[v], &ev);
        }
    }
    sh_cvedb_free(db);
    return 0;
}
