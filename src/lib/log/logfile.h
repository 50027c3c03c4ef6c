/*
 * logfile.h - iterate the parsed events of one device log file.
 *
 * The entry point the log analyzer uses: it streams a plain, gzip or zstd
 * file line by line (reader.h), parses each line (syslog.h) into one
 * reusable event and hands it to a callback. Memory stays flat whatever
 * the file size. Thread-safe: distinct calls share nothing.
 */
#ifndef SH_LOG_LOGFILE_H
#define SH_LOG_LOGFILE_H

#include "../base/sh_base.h"

#include "event.h"
#include "syslog.h"

struct sh_logfile_stats {
    uint64_t lines;     /* lines read (each produced an event) */
    uint64_t parsed;    /* events with a recognised header */
    uint64_t unparsed;  /* events kept as raw text */
    uint64_t truncated; /* lines cut at the line-length limit */
    uint64_t bytes;     /* decompressed bytes read */
    bool damaged;       /* compressed stream truncated or corrupt */
};

/**
 * Parse every line of `path` and call `cb(ev, ud)` for each, in order. The
 * event (path, 1-based line, fields) is borrowed for the duration of the
 * call only. `o` may be NULL (defaults). When it sets neither `year` nor
 * `ref_ms`, yearless stamps take their year from the file's modification
 * time (with the December/January rollback of syslog.h). A non-zero callback return stops the walk
 * and is returned. A damaged compressed stream (truncated or corrupt) is
 * reported after the fact: every line before the damage has been delivered,
 * then the call returns SH_EIO with st->damaged set and diag naming the
 * cause, so callers can keep what they found and report the damage.
 * `st` and `diag` may be NULL.
 * Returns 0, the callback's value, or SH_EIO/SH_ENOMEM with diag filled
 * (st->damaged tells a damaged stream from a file that could not be read).
 */
int sh_logfile_each(const char *path, const struct sh_syslog_opts *o,
                    int (*cb)(const struct sh_log_event *ev, void *ud), void *ud,
                    struct sh_logfile_stats *st, sh_diag *diag);

/** As sh_logfile_each over bytes in memory; `name` labels events and diags. */
int sh_logfile_each_mem(const void *data, size_t len, const char *name,
                        const struct sh_syslog_opts *o,
                        int (*cb)(const struct sh_log_event *ev, void *ud), void *ud,
                        struct sh_logfile_stats *st, sh_diag *diag);

#endif
