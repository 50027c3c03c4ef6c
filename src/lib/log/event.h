/*
 * event.h - one parsed log record, the unit the log rules evaluate.
 *
 * A syslog/accounting line parses into named fields (docs/log-fields.md
 * lists them: the Sigma field names salthunt offers for network devices).
 * Field values point into the raw line or into the event's small scratch
 * storage; an event is valid until the next line is parsed into it.
 * Lines that do not parse still produce an event with `message` = the raw
 * text and parsed = false, so keyword rules can search them.
 */
#ifndef SH_LOG_EVENT_H
#define SH_LOG_EVENT_H

#include "../base/sh_base.h"

#define SH_LOG_MAX_FIELDS 48
#define SH_LOG_SCRATCH 4096

struct sh_log_field {
    const char *name;  /* static string, e.g. "mnemonic" */
    const char *value; /* not NUL-terminated in general */
    uint32_t len;
};

struct sh_log_event {
    const char *raw; /* the whole line, without its newline */
    size_t raw_len;
    const char *path; /* evidence file as the user named it (or listener name) */
    uint64_t line;    /* 1-based line in that file (0 for live messages) */
    /* 1 + the byte offset of the line in that file, when the file can be
     * read there again (plain files); 0 otherwise (compressed, live) */
    uint64_t pos;
    int64_t ts_ms; /* event time, Unix ms UTC; 0 when unknown */
    bool parsed;   /* header recognised */
    struct sh_log_field fields[SH_LOG_MAX_FIELDS];
    uint32_t n_fields;
    char scratch[SH_LOG_SCRATCH]; /* decoded values (e.g. un-escaped XML commands) */
    uint32_t scratch_used;
};

/** The value of field `name` (case-sensitive), or NULL; *len gets its length. */
const char *sh_log_event_get(const struct sh_log_event *e, const char *name, uint32_t *len);

/**
 * The core field names the parser can set (docs/log-fields.md), static and
 * in emission order; *n gets the count. Formats with their own names (RFC
 * 5424 structured data, key=value lines) add further fields per event.
 */
const char *const *sh_log_event_core_fields(size_t *n);

/**
 * Whether two events of one `line` (`len` bytes) are the same: parsed,
 * ts_ms, every field's name, order and value bytes, and whether a value
 * lies in the line and, if so, at the same place. Tests and fuzz targets
 * compare the parser's fast paths with its general code this way.
 */
bool sh_log_event_same(const struct sh_log_event *a, const struct sh_log_event *b, const char *line,
                       size_t len);

/**
 * Forget every field and the scratch contents, keeping path and line; the
 * event then describes `raw` (borrowed until the next reset) as unparsed.
 */
void sh_log_event__reset(struct sh_log_event *e, const char *raw, size_t raw_len);

/**
 * Append a field. `name` and `value` must outlive the event (static
 * strings, the raw line or the event's scratch). SH_ELIMIT when full.
 */
int sh_log_event__add(struct sh_log_event *e, const char *name, const char *value, size_t len);

/**
 * Reserve `n` bytes of scratch (NUL-terminated room is the caller's job);
 * NULL when the scratch is exhausted.
 */
char *sh_log_event__scratch(struct sh_log_event *e, size_t n);

#endif
