/*
 * syslog_opts.h - the parser options the syslog fuzz targets derive from an
 * input's first byte (year known or not, reference time, default zone),
 * for one parser mode. Shared so both targets explore the same settings.
 */
#ifndef SH_FUZZ_SYSLOG_OPTS_H
#define SH_FUZZ_SYSLOG_OPTS_H

#include "log/syslog.h"

static inline struct sh_syslog_opts fuzz_syslog_opts(unsigned char flags, int mode)
{
    struct sh_syslog_opts o = SH_SYSLOG_OPTS_INIT;

    o.mode = (enum sh_syslog_mode)mode;
    o.year = (flags & 1) ? 2024 : 0;
    o.ref_ms = (flags & 2) ? 1736035200000LL : 1;
    o.tz_offset_min = (flags & 4) ? -300 : 0;
    return o;
}

#endif
