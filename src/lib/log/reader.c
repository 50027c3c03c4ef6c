/*
 * reader.c - streaming line reader (see reader.h).
 *
 * Bytes flow file -> `in` (IN_CHUNK) -> decoder -> `win` (max_line +
 * OUT_CHUNK). Lines are found in `win` and handed out in place; when the
 * window holds no complete line its tail is moved to the front and the
 * decoder refills the rest, so memory never depends on the file size.
 */
#include "../base/sh_base.h"

#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define IN_CHUNK (64 * 1024)
#define OUT_CHUNK (64 * 1024)
#define MAX_LINE_LIMIT (16 * 1024 * 1024)

struct sh_logreader {
    int fd; /* -1 for memory readers */
    const unsigned char *mem;
    size_t mem_len, mem_off;
    char *path; /* owned; for diagnostics */
    enum sh_logreader_format fmt;

    unsigned char *in;
    size_t in_len, in_off;
    bool in_eof;

    z_stream zs;
    bool z_init, z_member_done;
    ZSTD_DStream *zd;
    size_t z_last; /* last zstd hint: 0 when a frame just completed */

    char *win;
    size_t cap, start, end, scan;
    size_t max_line;
    bool dec_eof, skipping;
    uint64_t lineno;

    struct sh_logreader_stats st;
    const char *damage;
};

static int fill_in(struct sh_logreader *r, sh_diag *diag)
{
    size_t keep = r->in_len - r->in_off;

    if (r->in_eof)
        return 0;
    if (keep && r->in_off)
        memmove(r->in, r->in + r->in_off, keep);
    r->in_len = keep;
    r->in_off = 0;
    if (r->fd < 0) {
        size_t n = r->mem_len - r->mem_off;
        if (n > IN_CHUNK - keep)
            n = IN_CHUNK - keep;
        memcpy(r->in + keep, r->mem + r->mem_off, n);
        r->mem_off += n;
        r->in_len += n;
        r->st.bytes_in += n;
        if (r->mem_off == r->mem_len)
            r->in_eof = true;
        return 0;
    }
    for (;;) {
        ssize_t n = read(r->fd, r->in + keep, IN_CHUNK - keep);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return sh_diag_set(diag, SH_EIO, r->path, 0, "read: %s", strerror(errno));
        if (n == 0)
            r->in_eof = true;
        r->in_len += (size_t)n;
        r->st.bytes_in += (uint64_t)n;
        return 0;
    }
}

static void set_damage(struct sh_logreader *r, const char *why)
{
    r->st.damaged = true;
    r->damage = why;
    r->dec_eof = true;
}

/* Decode more bytes into win[end, cap); sets dec_eof when nothing is left. */
static int produce(struct sh_logreader *r, sh_diag *diag)
{
    int rc;

    for (;;) {
        size_t room = r->cap - r->end, got = 0;

        if (r->in_off == r->in_len && !r->in_eof) {
            if ((rc = fill_in(r, diag)) < 0)
                return rc;
        }
        if (r->fmt == SH_LOGREADER_PLAIN) {
            got = r->in_len - r->in_off;
            if (got > room)
                got = room;
            memcpy(r->win + r->end, r->in + r->in_off, got);
            r->in_off += got;
            if (got == 0 && r->in_eof)
                r->dec_eof = true;
        } else if (r->fmt == SH_LOGREADER_GZIP) {
            int zrc;
            if (r->z_member_done) {
                if (r->in_off == r->in_len) {
                    if (r->in_eof) {
                        r->dec_eof = true;
                        return 0;
                    }
                    continue;
                }
                if (r->in[r->in_off] != 0x1f) {
                    /* zero padding after the last member is common; anything else is not */
                    size_t i;
                    for (i = r->in_off; i < r->in_len && r->in[i] == 0; i++)
                        ;
                    if (i < r->in_len) {
                        set_damage(r, "data after the end of the gzip stream");
                        return 0;
                    }
                    r->in_off = r->in_len;
                    continue;
                }
                if (inflateReset(&r->zs) != Z_OK) {
                    set_damage(r, "gzip member reset failed");
                    return 0;
                }
                r->z_member_done = false;
            }
            r->zs.next_in = r->in + r->in_off;
            r->zs.avail_in = (uInt)(r->in_len - r->in_off);
            r->zs.next_out = (unsigned char *)r->win + r->end;
            r->zs.avail_out = (uInt)room;
            zrc = inflate(&r->zs, Z_NO_FLUSH);
            r->in_off = r->in_len - r->zs.avail_in;
            got = room - r->zs.avail_out;
            if (zrc == Z_STREAM_END) {
                r->z_member_done = true;
            } else if (zrc == Z_BUF_ERROR || (zrc == Z_OK && got == 0)) {
                if (r->in_off == r->in_len && r->in_eof && got == 0) {
                    set_damage(r, "gzip stream truncated");
                    return 0;
                }
            } else if (zrc != Z_OK) {
                r->end += got;
                r->st.bytes += got;
                set_damage(r, "gzip data corrupt");
                return 0;
            }
        } else {
            ZSTD_inBuffer ib = {r->in, r->in_len, r->in_off};
            ZSTD_outBuffer ob = {r->win + r->end, room, 0};
            size_t zr = ZSTD_decompressStream(r->zd, &ob, &ib);
            bool moved = ib.pos != r->in_off || ob.pos > 0;
            r->in_off = ib.pos;
            got = ob.pos;
            if (ZSTD_isError(zr)) {
                r->end += got;
                r->st.bytes += got;
                set_damage(r, "zstd data corrupt");
                return 0;
            }
            if (moved) /* an idle call after a frame asks for the next header */
                r->z_last = zr;
            if (got == 0 && r->in_off == r->in_len && r->in_eof) {
                if (r->z_last != 0)
                    set_damage(r, "zstd stream truncated");
                r->dec_eof = true;
                return 0;
            }
        }
        r->end += got;
        r->st.bytes += got;
        if (got > 0 || r->dec_eof)
            return 0;
    }
}

static int reader_new(struct sh_logreader **out, int fd, const void *mem, size_t mem_len,
                      const char *path, size_t max_line, sh_diag *diag)
{
    struct sh_logreader *r;
    int rc;

    *out = NULL;
    if (max_line == 0)
        max_line = SH_LOGREADER_MAX_LINE_DEFAULT;
    if (max_line > MAX_LINE_LIMIT)
        max_line = MAX_LINE_LIMIT;
    r = sh_calloc(1, sizeof(*r));
    if (!r)
        return sh_diag_set(diag, SH_ENOMEM, path, 0, "out of memory");
    r->fd = fd;
    r->mem = mem;
    r->mem_len = mem_len;
    r->max_line = max_line;
    r->cap = max_line + OUT_CHUNK;
    r->path = sh_strdup(path ? path : "<memory>");
    r->in = sh_malloc(IN_CHUNK);
    r->win = sh_malloc(r->cap + 1);
    if (!r->path || !r->in || !r->win) {
        rc = sh_diag_set(diag, SH_ENOMEM, path, 0, "out of memory");
        goto fail;
    }
    if ((rc = fill_in(r, diag)) < 0)
        goto fail;
    while (r->in_len < 4 && !r->in_eof)
        if ((rc = fill_in(r, diag)) < 0)
            goto fail;
    if (r->in_len >= 2 && r->in[0] == 0x1f && r->in[1] == 0x8b) {
        r->fmt = SH_LOGREADER_GZIP;
        if (inflateInit2(&r->zs, 15 + 16) != Z_OK) {
            rc = sh_diag_set(diag, SH_ENOMEM, r->path, 0, "gzip: cannot initialise");
            goto fail;
        }
        r->z_init = true;
    } else if (r->in_len >= 4 && r->in[0] == 0x28 && r->in[1] == 0xb5 && r->in[2] == 0x2f &&
               r->in[3] == 0xfd) {
        r->fmt = SH_LOGREADER_ZSTD;
        r->zd = ZSTD_createDStream();
        if (!r->zd || ZSTD_isError(ZSTD_initDStream(r->zd))) {
            rc = sh_diag_set(diag, SH_ENOMEM, r->path, 0, "zstd: cannot initialise");
            goto fail;
        }
    }
    *out = r;
    return 0;
fail:
    r->fd = -1; /* the caller closes its own fd on failure */
    sh_logreader_close(r);
    return rc;
}

int sh_logreader_open(struct sh_logreader **out, const char *path, size_t max_line, sh_diag *diag)
{
    int fd, rc;

    SH_ASSERT_ARG(out);
    SH_ASSERT_ARG(path);
    *out = NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sh_diag_set(diag, SH_EIO, path, 0, "cannot open: %s", strerror(errno));
    rc = reader_new(out, fd, NULL, 0, path, max_line, diag);
    if (rc < 0)
        close(fd);
    return rc;
}

int sh_logreader_open_mem(struct sh_logreader **out, const void *data, size_t len, size_t max_line,
                          sh_diag *diag)
{
    SH_ASSERT_ARG(out);
    SH_ASSERT_ARG(data || len == 0);
    return reader_new(out, -1, data ? data : "", len, NULL, max_line, diag);
}

static void compact(struct sh_logreader *r)
{
    if (r->start == 0)
        return;
    if (r->end > r->start)
        memmove(r->win, r->win + r->start, r->end - r->start);
    r->end -= r->start;
    r->scan -= r->start;
    r->start = 0;
}

static int deliver(struct sh_logreader *r, size_t len, const char **line, size_t *len_out,
                   uint64_t *lineno)
{
    char *l = r->win + r->start;

    if (len && l[len - 1] == '\r')
        len--;
    if (len > r->max_line) {
        len = r->max_line;
        r->st.truncated++;
    }
    l[len] = '\0';
    *line = l;
    *len_out = len;
    r->lineno++;
    r->st.lines++;
    if (lineno)
        *lineno = r->lineno;
    return 1;
}

int sh_logreader_next(struct sh_logreader *r, const char **line, size_t *len, uint64_t *lineno,
                      sh_diag *diag)
{
    int rc;

    SH_ASSERT_ARG(r && line && len);
    for (;;) {
        if (r->skipping) {
            char *nl = memchr(r->win + r->start, '\n', r->end - r->start);
            if (nl) {
                r->start = (size_t)(nl + 1 - r->win);
                r->scan = r->start;
                r->skipping = false;
                continue;
            }
            r->start = r->scan = r->end;
        } else {
            char *nl = memchr(r->win + r->scan, '\n', r->end - r->scan);
            if (nl) {
                size_t at = r->start;
                size_t n = (size_t)(nl - (r->win + at));
                rc = deliver(r, n, line, len, lineno);
                r->start = r->scan = (size_t)(nl + 1 - r->win);
                return rc;
            }
            r->scan = r->end;
            if (r->end - r->start >= r->max_line) {
                /* cut here; the rest up to the next newline is dropped */
                size_t at = r->start;
                char *l = r->win + at;
                r->st.truncated++;
                r->lineno++;
                r->st.lines++;
                *line = l;
                *len = r->max_line;
                if (lineno)
                    *lineno = r->lineno;
                /* the byte at max_line is not a newline (none in the window) */
                l[r->max_line] = '\0';
                r->start = r->scan = at + r->max_line + 1 <= r->end ? at + r->max_line + 1 : r->end;
                r->skipping = true;
                return 1;
            }
        }
        if (r->dec_eof) {
            if (!r->skipping && r->start < r->end) {
                size_t n = r->end - r->start;
                rc = deliver(r, n, line, len, lineno);
                r->start = r->scan = r->end;
                return rc;
            }
            return 0;
        }
        compact(r);
        if (r->skipping)
            r->start = r->end = r->scan = 0;
        if ((rc = produce(r, diag)) < 0)
            return rc;
    }
}

int sh_logreader_read(struct sh_logreader *r, char *dst, size_t n, size_t *got, sh_diag *diag)
{
    int rc;

    SH_ASSERT_ARG(r && got && (dst || n == 0));
    *got = 0;
    while (*got < n) {
        size_t k;
        if (r->start == r->end) {
            if (r->dec_eof)
                break;
            r->start = r->end = r->scan = 0;
            if ((rc = produce(r, diag)) < 0)
                return rc;
            continue;
        }
        k = r->end - r->start < n - *got ? r->end - r->start : n - *got;
        memcpy(dst + *got, r->win + r->start, k);
        r->start += k;
        r->scan = r->start;
        *got += k;
    }
    return SH_OK;
}

enum sh_logreader_format sh_logreader_format(const struct sh_logreader *r)
{
    return r ? r->fmt : SH_LOGREADER_PLAIN;
}

const struct sh_logreader_stats *sh_logreader_stats(const struct sh_logreader *r)
{
    return r ? &r->st : NULL;
}

const char *sh_logreader_damage(const struct sh_logreader *r)
{
    return r ? r->damage : NULL;
}

void sh_logreader_close(struct sh_logreader *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    if (r->z_init)
        inflateEnd(&r->zs);
    if (r->zd)
        ZSTD_freeDStream(r->zd);
    sh_free(r->win);
    sh_free(r->in);
    sh_free(r->path);
    sh_free(r);
}
