/*
 * version.h - software versions of network operating systems, ordered.
 *
 * One model covers every family salthunt inventories: a version is split
 * into numeric and alphabetic components ("15.2(7)E4" -> 15 2 7 E 4,
 * "21.4R3-S5.4" -> 21 4 R 3 S 5 4). Numbers compare numerically, so
 * "17.09.04a" equals "17.9.4a"; letters compare case-insensitively; a
 * letter component sorts after a number at the same position (Junos
 * "R3-S5.4" after "R3.4"); a version that ends sorts before one that goes
 * on ("10.2.9" < "10.2.9-h1", "17.9.4" < "17.9.4a"). Equal components are
 * finally ordered by the normalised text so the order is total and two
 * versions compare equal exactly when their normalised forms match.
 *
 * Pure functions; thread-safe. Strings are borrowed.
 */
#ifndef SH_INTEL_VERSION_H
#define SH_INTEL_VERSION_H

#include "../base/sh_base.h"

enum sh_vfamily {
    SH_VF_GENERIC = 0,
    SH_VF_IOS,
    SH_VF_IOSXE,
    SH_VF_NXOS,
    SH_VF_IOSXR,
    SH_VF_ASA,
    SH_VF_EOS,
    SH_VF_JUNOS,
    SH_VF_PANOS,
    SH_VF_FORTIOS,
    SH_VF_IVANTI,
    SH_VF_EXCHANGE,
};

/** Family for a platform name ("iosxe", "junos", ...); SH_VF_GENERIC when unknown. */
enum sh_vfamily sh_version_family(const char *platform);

/** True when `s` looks like a version of family `f` (starts with a digit, no junk). */
bool sh_version_valid(enum sh_vfamily f, const char *s);

/** <0, 0, >0 as a is older than, the same as, or newer than b. NULL sorts first. */
int sh_version_cmp(enum sh_vfamily f, const char *a, const char *b);

/**
 * Normalised form into `out` (size `size`, truncated): leading zeros of
 * numbers dropped ("17.09.04a" -> "17.9.4a"), surrounding space trimmed,
 * Exchange "Version 15.2 (Build 1544.4)" -> "15.2.1544.4". Returns out.
 */
char *sh_version_normalize(enum sh_vfamily f, const char *s, char *out, size_t size);

#endif
