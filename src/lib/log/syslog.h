/*
 * syslog.h - sans-IO parser of one device log line into a sh_log_event.
 *
 * Understands RFC 3164 (with the Cisco, NX-OS, IOS XR, ASA/FTD, Junos, EOS,
 * Huawei variants and relay-prepended headers), RFC 5424 with structured
 * data, TACACS+ accounting records, FortiGate/Sophos key=value and PAN-OS
 * CSV lines; docs/internals/SYSLOG.md explains the heuristics and
 * docs/log-fields.md the fields. The parser never allocates and never
 * fails on content: a line it cannot place still yields an event with
 * parsed = false. Pure and thread-safe (state lives in the event).
 */
#ifndef SH_LOG_SYSLOG_H
#define SH_LOG_SYSLOG_H

#include "../base/sh_base.h"

#include "event.h"

/** Which header grammar to try. AUTO picks per line. */
enum sh_syslog_mode {
    SH_SYSLOG_AUTO = 0,
    SH_SYSLOG_RFC3164, /* BSD syslog and device-native lines only */
    SH_SYSLOG_RFC5424, /* `<PRI>1 ...` only; anything else is unparsed */
    SH_SYSLOG_ACCT,    /* TACACS+ accounting records only */
};

struct sh_syslog_opts {
    unsigned version;
    enum sh_syslog_mode mode;
    /* Year for stamps that carry none; 0 derives it from ref_ms. */
    int year;
    /* "Now" of the log (a file's mtime), Unix ms; 0 means the current
     * time. A yearless stamp that would lie more than a day after it is
     * placed in the previous year (a December log read in January). */
    int64_t ref_ms;
    /* Offset of stamps without a (known) zone, minutes east of UTC. */
    int tz_offset_min;
};

#define SH_SYSLOG_OPTS_VERSION 1
#define SH_SYSLOG_OPTS_INIT                                                                        \
    {                                                                                              \
        SH_SYSLOG_OPTS_VERSION, SH_SYSLOG_AUTO, 0, 0, 0                                            \
    }

/**
 * Parse `line` (borrowed; no newline; need not be NUL-terminated) into
 * `ev`, replacing its fields; `ev->path` and `ev->line` are left as they
 * are. Field values point into `line` or ev->scratch, so `line` must stay
 * valid as long as the event is used. `o` may be NULL (defaults).
 * Returns 0, or SH_EINVAL for NULL arguments; ev->parsed tells whether a
 * header was recognised.
 */
int sh_syslog_parse(struct sh_log_event *ev, const char *line, size_t len,
                    const struct sh_syslog_opts *o);

/* Hints from sh_syslog_parse_header(): what a full parse of the line could
 * produce. Conservative: a bit may be set needlessly, never left out. */
#define SH_SYSLOG_HINT_NONRAW                                                                      \
    1u                            /* a field value not found as such in the line (decoded XML,     \
                                     joined command words, RFC 5424 escapes, a fixed               \
                                     facility_code); time/facility/severity do not count */
#define SH_SYSLOG_HINT_COMMAND 2u /* a `command` field */

/**
 * The header-only parse, for lines no rule can match: sets ev->parsed,
 * ev->ts_ms and the `host` field exactly as sh_syslog_parse() would, and
 * *hint (may be NULL) to SH_SYSLOG_HINT_* bits, skipping the extraction of
 * users, addresses and commands and the other fields. Without a full
 * parse the event's other fields are absent. On NULL `ev` (or NULL `line`
 * with len > 0) only *hint is set, to every bit. Pure and thread-safe.
 */
void sh_syslog_parse_header(struct sh_log_event *ev, const char *line, size_t len,
                            const struct sh_syslog_opts *o, unsigned *hint);

/**
 * sh_syslog_parse() and sh_syslog_parse_header() through the general code
 * only, without the fast paths for common layouts (docs/internals/
 * SYSLOG.md). Results are the same by design; the differential test and
 * the syslog fuzz targets compare the two.
 */
int sh_syslog__parse_general(struct sh_log_event *ev, const char *line, size_t len,
                             const struct sh_syslog_opts *o);
void sh_syslog__parse_header_general(struct sh_log_event *ev, const char *line, size_t len,
                                     const struct sh_syslog_opts *o, unsigned *hint);

/**
 * Score 0..100 that `head` (the first bytes of a file) is a device log:
 * the share of its first lines with a syslog header, a Cisco-style
 * mnemonic or an accounting record. Configs, indicator CSVs and prose
 * score 0 or low. Pure.
 */
int sh_syslog_detect(const char *head, size_t len);

#endif
