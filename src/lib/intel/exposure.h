/*
 * exposure.h - the exposure join: devices x CVE records -> findings.
 *
 * Devices are first merged by hostname across files (a `show version`
 * capture gives the version, a config gives the enabled features), then
 * every CVE record that concerns the device's platform is evaluated:
 * exposed, feature_off, not_affected or unknown (with what is missing).
 * Single-threaded; the database is only read.
 */
#ifndef SH_INTEL_EXPOSURE_H
#define SH_INTEL_EXPOSURE_H

#include "../base/sh_base.h"
#include "salthunt/sh_scan.h"

struct sh_cvedb;

/** A merged device and what kinds of evidence it came from. */
struct sh_inv_device {
    sh_device *dev;             /* owned */
    bool has_config;            /* some evidence other than a show capture (feature facts) */
    sh_strlist known;           /* features whose state a show capture settled (vstack) */
    sh_strlist cfg_features;    /* features seen on in configs (not show captures) */
    const char *version_source; /* borrowed from dev->sources: where the version came from */
    /* sh_exposure_merge_view: a device alone in its group is the input
     * record itself (dev borrowed, and cfg_features its feature list). */
    bool borrowed;
    bool first_own; /* borrowed: the record is a show capture */
};

/** Merge records by hostname into `out` (struct sh_inv_device *, owned). */
int sh_exposure_merge(sh_device *const *in, size_t n, struct sh_ptrvec *out);
/**
 * As sh_exposure_merge for a reader done before the input records go:
 * a device with one record borrows it instead of copying it (the eval of
 * a scan's exposure, where most devices have one config). The same
 * values, fields and order; release with sh_exposure_merge_free.
 */
int sh_exposure_merge_view(sh_device *const *in, size_t n, struct sh_ptrvec *out);
void sh_exposure_merge_free(struct sh_ptrvec *merged);

/**
 * Append exposure findings for every merged device to `out`; not_affected
 * results only when `all`. `detectable` names the features some loaded
 * rule can see in a config (NULL: all of them); a config counts as
 * evidence that a feature is off only when the feature is detectable
 * there, or some device of the scan shows it on.
 */
int sh_exposure_eval(const struct sh_cvedb *db, const struct sh_ptrvec *merged, bool all,
                     const sh_strlist *detectable, sh_findings *out);

/** Feature names declared by `feature:` keys in the built-in rule packs. */
int sh_exposure_builtin_features(sh_strlist *out);

#endif
