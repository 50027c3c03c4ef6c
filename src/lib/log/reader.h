/*
 * reader.h - streaming line reader over plain, gzip and zstd log files.
 *
 * The format is chosen by magic bytes, never by name. Memory is fixed at
 * open time (input chunk + a window of max_line + chunk bytes), so a file
 * of any size is read with flat memory. Lines longer than max_line are cut
 * to max_line and counted; CR before LF is dropped; NUL bytes and invalid
 * UTF-8 pass through as bytes. Gzip files may hold several members
 * (concatenated .gz); a damaged or truncated compressed stream ends the
 * lines early and is reported as damage, not as a failure.
 *
 * Ownership: a reader is owned (sh_logreader_close). A returned line is
 * borrowed until the next call. Not thread-safe per reader.
 */
#ifndef SH_LOG_READER_H
#define SH_LOG_READER_H

#include "../base/sh_base.h"

#define SH_LOGREADER_MAX_LINE_DEFAULT (64 * 1024)

enum sh_logreader_format {
    SH_LOGREADER_PLAIN = 0,
    SH_LOGREADER_GZIP,
    SH_LOGREADER_ZSTD,
};

struct sh_logreader;

struct sh_logreader_stats {
    uint64_t lines;     /* lines delivered */
    uint64_t truncated; /* lines cut to max_line */
    uint64_t bytes;     /* decompressed bytes read */
    uint64_t bytes_in;  /* bytes read from the file (compressed size) */
    bool damaged;       /* compressed stream truncated or corrupt */
};

/**
 * Open `path` for reading. `max_line` 0 means the default (64 KiB).
 * Returns 0 and an owned reader, or SH_EIO/SH_ENOMEM with diag filled.
 */
int sh_logreader_open(struct sh_logreader **out, const char *path, size_t max_line, sh_diag *diag);

/**
 * A reader over `len` bytes at `data` (borrowed until close), decoded like
 * a file; for tests and fuzzing.
 */
int sh_logreader_open_mem(struct sh_logreader **out, const void *data, size_t len, size_t max_line,
                          sh_diag *diag);

/**
 * Next line: 1 with line, len and lineno (1-based) set, 0 at the end, or a
 * negative status on a read error (diag filled). The line is borrowed
 * until the next call and is NUL-terminated at line[len].
 */
int sh_logreader_next(struct sh_logreader *r, const char **line, size_t *len, uint64_t *lineno,
                      sh_diag *diag);

/**
 * Up to `n` decoded bytes into dst, in order, without splitting lines: for
 * a caller that cuts lines itself (the log analyzer's range reader, which
 * does what sh_logreader_next does). *got < n only at the end of the data
 * (or at damage: see sh_logreader_damage). Do not mix with
 * sh_logreader_next on one reader. 0 or a negative status (diag filled).
 */
int sh_logreader_read(struct sh_logreader *r, char *dst, size_t n, size_t *got, sh_diag *diag);

enum sh_logreader_format sh_logreader_format(const struct sh_logreader *r);
const struct sh_logreader_stats *sh_logreader_stats(const struct sh_logreader *r);
/** Why the stream is damaged (static text), or NULL. */
const char *sh_logreader_damage(const struct sh_logreader *r);

void sh_logreader_close(struct sh_logreader *r);

#endif
