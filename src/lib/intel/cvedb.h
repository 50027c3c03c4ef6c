/*
 * cvedb.h - vulnerability data: CVE JSON 5.x records, the CISA KEV
 * catalog and feature preconditions, and the question "is this version
 * of this platform affected?".
 *
 * Built once (single-threaded) from the records embedded under data/cve/
 * and from imported files, then read concurrently. Owned by its creator;
 * every string is owned by the database.
 */
#ifndef SH_INTEL_CVEDB_H
#define SH_INTEL_CVEDB_H

#include "../base/sh_base.h"

#define SH_CVEDB_MAX_FILE ((size_t)64 << 20)

struct sh_cvedb;

/** Why a version is or is not affected, from the record's data. */
enum sh_cve_verdict {
    SH_CVE_NOT_FOR_PLATFORM = 0, /* the record names no product of this platform */
    SH_CVE_AFFECTED,
    SH_CVE_NOT_AFFECTED,
    SH_CVE_INCOMPARABLE, /* ranges the version model cannot order ("publication") */
};

struct sh_cve_eval {
    enum sh_cve_verdict verdict;
    const char *fixed; /* first fixed release where the data names one, else NULL */
    bool any_version;  /* the record lists the product without versions */
};

/** One CVE as the database knows it (borrowed views). */
struct sh_cve_info {
    const char *id;
    const char *title;
    const char *kev_date; /* NULL when not KEV-listed */
    const char *kev_name;
    bool advisory;               /* named by AA25-239A (else related reporting) */
    const char *const *features; /* preconditions, NULL-terminated; NULL when none */
};

int sh_cvedb_new(struct sh_cvedb **out);
void sh_cvedb_free(struct sh_cvedb *db);

/** Load everything shipped in the binary (data/cve/). */
int sh_cvedb_load_builtin(struct sh_cvedb *db, sh_diag *diag);

/**
 * Add one CVE JSON 5.x record. A record for a CVE already present replaces
 * it when its dateUpdated is not older. SH_EPARSE with diag (source named)
 * when it is not a CVE record.
 */
int sh_cvedb_add_cve_json(struct sh_cvedb *db, const char *buf, size_t len, const char *source,
                          sh_diag *diag);

/** Add the KEV catalog (known_exploited_vulnerabilities.json); *n_out = entries. */
int sh_cvedb_add_kev_json(struct sh_cvedb *db, const char *buf, size_t len, const char *source,
                          size_t *n_out, sh_diag *diag);

/**
 * Preconditions file: lines "CVE-ID: [feature, feature]" (any one enabled
 * makes the CVE exploitable) and "advisory: [CVE-ID, ...]"; '#' comments.
 */
int sh_cvedb_add_preconditions(struct sh_cvedb *db, const char *buf, size_t len, const char *source,
                               sh_diag *diag);

/** What kind of JSON document this is: 1 CVE record, 2 KEV catalog, 0 neither. */
int sh_cvedb_sniff(const char *buf, size_t len);

size_t sh_cvedb_count(const struct sh_cvedb *db);
size_t sh_cvedb_kev_count(const struct sh_cvedb *db);

/** The i-th CVE (0 <= i < count), in id order. */
int sh_cvedb_info(const struct sh_cvedb *db, size_t i, struct sh_cve_info *out);

/** KEV date for any CVE id (also ones without a record), or NULL. */
const char *sh_cvedb_kev_date(const struct sh_cvedb *db, const char *cve_id);

/**
 * Evaluate CVE i for a device: `platform` ("iosxe", ...), `os` (tells
 * Ivanti Connect Secure from Policy Secure; may be NULL), `version` (may be
 * NULL: then only whether the record concerns the platform is answered,
 * as SH_CVE_INCOMPARABLE vs SH_CVE_NOT_FOR_PLATFORM).
 */
void sh_cvedb_eval(const struct sh_cvedb *db, size_t i, const char *platform, const char *os,
                   const char *version, struct sh_cve_eval *out);

#endif
