/*
 * report_int.h - internals shared by the report writers.
 *
 * Every writer is one file exporting one `struct sh_report_writer`; the
 * table in report.c maps format names to them. A writer gets the whole
 * finding list at once (SARIF needs its rules[] before the results, the
 * grouped formats need every finding of a device) and writes only through
 * a `struct sh_report_out`, which buffers and forwards to the user's sink.
 * Text escaping and grouping helpers live here so that all formats treat
 * attacker-written text the same way. Single-threaded per output.
 */
#ifndef SH_REPORT_INT_H
#define SH_REPORT_INT_H

#include "../base/sh_base.h"

#include "salthunt/sh_report.h"

/** Buffered output with a sticky error: after a failure, writes are no-ops. */
struct sh_report_out {
    sh_sink_fn sink;
    void *ud;
    struct sh_buf buf;
    int err;
};

void sh_report__out_init(struct sh_report_out *o, sh_sink_fn sink, void *ud);
void sh_report__add_slow(struct sh_report_out *o, const char *data, size_t len);

/* Output is handed to the sink in chunks of about this size. */
#define SH_REPORT_OUT_CHUNK (64u * 1024u)

/** Append bytes. Inline: the writers call this for every key and value. */
static inline void sh_report__add(struct sh_report_out *o, const char *data, size_t len)
{
    struct sh_buf *b = &o->buf;

    if (!o->err && len && b->cap - b->len > len && b->len + len < SH_REPORT_OUT_CHUNK) {
        memcpy(b->ptr + b->len, data, len);
        b->len += len;
        b->ptr[b->len] = '\0';
        return;
    }
    sh_report__add_slow(o, data, len);
}

char *sh_report__reserve_slow(struct sh_report_out *o, size_t len);
void sh_report__commit_slow(struct sh_report_out *o);

/**
 * Room for `len` more bytes at the end of the buffer, to be filled and
 * then kept with sh_report__commit (at most `len` bytes); NULL after a
 * failure (sticky, like every other write).
 */
static inline char *sh_report__reserve(struct sh_report_out *o, size_t len)
{
    struct sh_buf *b = &o->buf;

    if (!o->err && b->ptr && b->cap - b->len > len)
        return b->ptr + b->len;
    return sh_report__reserve_slow(o, len);
}

static inline void sh_report__commit(struct sh_report_out *o, size_t len)
{
    struct sh_buf *b = &o->buf;

    b->len += len;
    b->ptr[b->len] = '\0';
    if (b->len >= SH_REPORT_OUT_CHUNK)
        sh_report__commit_slow(o);
}
void sh_report__adds(struct sh_report_out *o, const char *s);
void sh_report__printf(struct sh_report_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/**
 * An output that keeps everything in its buffer (no sink): a piece of a
 * report formatted apart, e.g. on another thread, and handed to the real
 * output with sh_report__put_piece.
 */
void sh_report__piece_init(struct sh_report_out *o);
/** Write `piece`'s bytes (or its error) to `o` and free the piece. */
void sh_report__put_piece(struct sh_report_out *o, struct sh_report_out *piece);

/** Flush what is buffered, free the buffer, return the first error (or 0). */
int sh_report__out_finish(struct sh_report_out *o);

struct sh_report_writer {
    const char *name;
    int (*write)(struct sh_report_out *o, const sh_findings *fs, const sh_report_info *info);
};

extern const struct sh_report_writer sh_report__text_writer;
extern const struct sh_report_writer sh_report__jsonl_writer;
extern const struct sh_report_writer sh_report__sarif_writer;
extern const struct sh_report_writer sh_report__csv_writer;
extern const struct sh_report_writer sh_report__html_writer;
extern const struct sh_report_writer sh_report__markdown_writer;

/**
 * Decode one UTF-8 code point at s[0..len). Returns the byte length
 * (1..4) and sets *cp, or returns 0 for an invalid or truncated sequence
 * (overlong forms, surrogates and values past U+10FFFF are invalid).
 */
size_t sh_report__utf8_next(const unsigned char *s, size_t len, uint32_t *cp);

/**
 * Code points a human-facing format must not pass through raw: C0 and C1
 * controls, DEL, and the bidirectional overrides and isolates that can
 * make text display differently from what it is (CVE-2021-42574).
 */
bool sh_report__cp_hidden(uint32_t cp);

/**
 * Add `s` with invalid UTF-8 bytes replaced by U+FFFD, so JSON and CSV
 * consumers always get valid UTF-8. Returns an owned string, or NULL on OOM.
 */
char *sh_report__utf8_clean(const char *s);

/**
 * Add attacker-written text for a human reader: invalid UTF-8 bytes and
 * hidden code points become visible escapes (\xNN, \uNNNN), '\n' becomes
 * `newline` (or a visible \n when NULL), and ASCII characters for which
 * `esc` returns a string are replaced by it (esc may be NULL).
 */
void sh_report__add_visible(struct sh_report_out *o, const char *s, const char *newline,
                            const char *(*esc)(unsigned char c));

/** sh_report__add_visible into a new owned string, newlines kept; NULL on OOM. */
char *sh_report__visible_dup(const char *s);

/** The finding's fingerprint, computed when the producer left it empty. */
void sh_report__fingerprint(const sh_finding *f, char out[17]);

/** Line span for display: end_line when it is at or after line, else line. */
uint32_t sh_report__end_line(const sh_finding *f);

/**
 * "path:line" or "path:line-end" of a finding ("-" without a path), the
 * path added as sh_report__add_visible with `newline` and `esc`.
 */
void sh_report__location(struct sh_report_out *o, const sh_finding *f, const char *newline,
                         const char *(*esc)(unsigned char c));

/** Findings of one device (or of one file when the device is unknown). */
struct sh_report_group {
    const char *device;   /* borrowed; NULL for a file group */
    const char *path;     /* borrowed; the file of a file group */
    const char *platform; /* first platform seen in the group, or NULL */
    const sh_device *dev; /* what the scan learned about the device, or NULL */
    size_t *idx;          /* indexes into the finding list, most severe first */
    size_t n;
    size_t count[SH_SEV_CRITICAL + 1];
};

struct sh_report_groups {
    struct sh_report_group *v;
    size_t n;
};

/**
 * Group findings by device (file when no device), groups in order of first
 * appearance, findings inside a group most severe first and otherwise in
 * the order given. Owned; release with sh_report__groups_free.
 */
int sh_report__group(struct sh_report_groups *out, const sh_findings *fs,
                     const sh_report_info *info);

/**
 * The heading of a group, every piece of text through `put` (the format's
 * escaping): "core-rtr-01 (iosxe, IOS XE 17.9.4, C8300-1N1S)",
 * "logs/syslog.1 [device name unknown]" or "(no device, no file)".
 */
void sh_report__group_title(struct sh_report_out *o, const struct sh_report_group *g,
                            void (*put)(struct sh_report_out *o, const char *s));
void sh_report__groups_free(struct sh_report_groups *g);

/** Totals for summary lines. */
struct sh_report_totals {
    size_t count[SH_SEV_CRITICAL + 1];
    size_t devices;     /* distinct device names among the findings */
    size_t files;       /* distinct paths among the findings */
    size_t at_or_above; /* findings at or above info->fail_on */
    size_t n_new;       /* findings the store marked "new" */
    size_t gone;
};

int sh_report__totals(struct sh_report_totals *t, const sh_findings *fs,
                      const sh_report_info *info);

/**
 * The one-line summary shared by the human formats (no newline):
 * "N findings (c critical, ...) on D devices; F files, ...; K at or above X".
 * `n` is the number of findings.
 */
void sh_report__summary(struct sh_report_out *o, const struct sh_report_totals *t,
                        const sh_report_info *info, size_t n);
/** "new since last scan: N, gone: N" (no newline). */
void sh_report__history(struct sh_report_out *o, const struct sh_report_totals *t);

/* ---- JSON Lines ---- */

/** Write one finding as a §5 JSON Lines record, newline included. */
void sh_report__jsonl_finding(struct sh_report_out *o, const sh_finding *f);

/** Upper-case severity name ("CRITICAL"). */
const char *sh_report__sev_upper(sh_severity s);

#endif
