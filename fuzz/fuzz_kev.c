/*
 * fuzz_kev.c - the KEV catalog reader on arbitrary bytes.
 */
#include "base/sh_base.h"

#include "intel/cvedb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sh_cvedb *db = NULL;
    size_t n = 0;
    sh_diag d;

    if (sh_cvedb_new(&db))
        return 0;
    (void)sh_cvedb_add_kev_json(db, (const char *)data, size, "fuzz", &n, &d);
    (void)sh_cvedb_kev_date(db, "CVE-2023-20198");
    sh_cvedb_free(db);
    return 0;
}
