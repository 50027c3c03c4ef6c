/*
 * file.c - read a whole evidence file into memory, bounded.
 *
 * gzip and zstd content is recognised by its magic bytes and decompressed
 * on the fly, so a `.gz` config backup reads like a plain one. The size
 * bound applies to the decompressed bytes (a small bomb cannot blow the
 * heap). Thread-safe.
 */
#include "sh_base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

static int read_all_fd(struct sh_buf *b, int fd, const char *path, sh_diag *diag)
{
    char tmp[65536];

    for (;;) {
        ssize_t n = read(fd, tmp, sizeof(tmp));
        int rc;

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return sh_diag_set(diag, SH_EIO, path, 0, "read: %s", strerror(errno));
        }
        if (n == 0)
            return SH_OK;
        rc = sh_buf_add(b, tmp, (size_t)n);
        if (rc == SH_ELIMIT)
            return sh_diag_set(diag, rc, path, 0, "file larger than %zu bytes", b->max);
        if (rc)
            return sh_diag_set(diag, rc, path, 0, "%s", sh_status_str(rc));
    }
}

static int gunzip(struct sh_buf *out, const struct sh_buf *in, const char *path, sh_diag *diag)
{
    z_stream zs;
    char tmp[65536];
    int zrc, rc = SH_OK;

    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, 15 + 32) != Z_OK)
        return sh_diag_set(diag, SH_ENOMEM, path, 0, "gzip: cannot initialise");
    zs.next_in = (Bytef *)in->ptr;
    zs.avail_in = (uInt)in->len;
    do {
        zs.next_out = (Bytef *)tmp;
        zs.avail_out = sizeof(tmp);
        zrc = inflate(&zs, Z_NO_FLUSH);
        if (zrc != Z_OK && zrc != Z_STREAM_END) {
            rc = sh_diag_set(diag, SH_EPARSE, path, 0, "gzip: corrupt data (%d)", zrc);
            break;
        }
        rc = sh_buf_add(out, tmp, sizeof(tmp) - zs.avail_out);
        if (rc) {
            sh_diag_set(diag, rc, path, 0, "decompressed size over %zu bytes", out->max);
            break;
        }
        /* Concatenated gzip members are legal (logrotate appends). */
        if (zrc == Z_STREAM_END && zs.avail_in > 0) {
            if (inflateReset(&zs) != Z_OK) {
                rc = sh_diag_set(diag, SH_EPARSE, path, 0, "gzip: reset failed");
                break;
            }
            zrc = Z_OK;
        }
    } while (zrc != Z_STREAM_END && (zs.avail_in > 0 || zs.avail_out == 0));
    if (!rc && zrc != Z_STREAM_END)
        rc = sh_diag_set(diag, SH_EPARSE, path, 0, "gzip: truncated stream");
    inflateEnd(&zs);
    return rc;
}

static int unzstd(struct sh_buf *out, const struct sh_buf *in, const char *path, sh_diag *diag)
{
    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    ZSTD_inBuffer zin = {in->ptr, in->len, 0};
    char tmp[65536];
    size_t zr = 1;
    int rc = SH_OK;

    if (!dctx)
        return sh_diag_set(diag, SH_ENOMEM, path, 0, "zstd: cannot initialise");
    while (zin.pos < zin.size) {
        ZSTD_outBuffer zout = {tmp, sizeof(tmp), 0};
        zr = ZSTD_decompressStream(dctx, &zout, &zin);
        if (ZSTD_isError(zr)) {
            rc = sh_diag_set(diag, SH_EPARSE, path, 0, "zstd: %s", ZSTD_getErrorName(zr));
            break;
        }
        rc = sh_buf_add(out, tmp, zout.pos);
        if (rc) {
            sh_diag_set(diag, rc, path, 0, "decompressed size over %zu bytes", out->max);
            break;
        }
        if (zout.pos == 0 && zr != 0 && zin.pos == zin.size)
            break;
    }
    if (!rc && zr != 0)
        rc = sh_diag_set(diag, SH_EPARSE, path, 0, "zstd: truncated stream");
    ZSTD_freeDCtx(dctx);
    return rc;
}

int sh_file_read(char **out, size_t *len_out, const char *path, size_t max, sh_diag *diag)
{
    struct sh_buf raw, dec;
    struct stat st;
    int fd, rc;

    *out = NULL;
    *len_out = 0;
    sh_buf_init(&raw, max);
    sh_buf_init(&dec, max);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sh_diag_set(diag, SH_EIO, path, 0, "cannot open: %s", strerror(errno));
    if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
        close(fd);
        return sh_diag_set(diag, SH_EIO, path, 0, "not a regular file");
    }
    rc = read_all_fd(&raw, fd, path, diag);
    close(fd);
    if (rc)
        goto out;
    if (raw.len >= 2 && (unsigned char)raw.ptr[0] == 0x1f && (unsigned char)raw.ptr[1] == 0x8b) {
        rc = gunzip(&dec, &raw, path, diag);
    } else if (raw.len >= 4 && memcmp(raw.ptr, "\x28\xb5\x2f\xfd", 4) == 0) {
        rc = unzstd(&dec, &raw, path, diag);
    } else {
        *len_out = raw.len;
        *out = sh_buf_detach(&raw);
        goto out;
    }
    if (!rc) {
        *len_out = dec.len;
        *out = sh_buf_detach(&dec);
    }
out:
    sh_buf_free(&raw);
    sh_buf_free(&dec);
    return rc;
}

static int head_zstd(struct sh_buf *b, int fd, size_t max, bool *complete, const char *path,
                     sh_diag *diag)
{
    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    char in[65536], tmp[65536];
    int rc = SH_OK;
    bool eof = false;

    if (!dctx)
        return sh_diag_set(diag, SH_ENOMEM, path, 0, "zstd: cannot initialise");
    *complete = false;
    while (b->len < max && !eof) {
        ssize_t n = read(fd, in, sizeof(in));
        ZSTD_inBuffer zin;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = sh_diag_set(diag, SH_EIO, path, 0, "read: %s", strerror(errno));
            break;
        }
        if (n == 0) {
            eof = true;
            break;
        }
        zin.src = in;
        zin.size = (size_t)n;
        zin.pos = 0;
        while (zin.pos < zin.size && b->len < max) {
            ZSTD_outBuffer zout = {tmp, sizeof(tmp), 0};
            size_t zr = ZSTD_decompressStream(dctx, &zout, &zin);
            size_t take;
            if (ZSTD_isError(zr)) {
                rc = sh_diag_set(diag, SH_EPARSE, path, 0, "zstd: %s", ZSTD_getErrorName(zr));
                goto out;
            }
            take = zout.pos < max - b->len ? zout.pos : max - b->len;
            rc = sh_buf_add(b, tmp, take);
            if (rc)
                goto out;
        }
    }
    *complete = eof;
out:
    ZSTD_freeDCtx(dctx);
    return rc;
}

/* read() into the buffer until `max` bytes in all or end of file; *eof
 * tells which. Grows in steps, so a large `max` costs nothing for a small
 * file. */
static int read_into(struct sh_buf *b, int fd, size_t max, bool *eof, const char *path,
                     sh_diag *diag)
{
    *eof = false;
    while (b->len < max) {
        size_t step = b->len > 65536 ? b->len : 65536, want;
        ssize_t n;
        int rc;

        want = max - b->len < step ? max - b->len : step;
        rc = sh_buf_reserve(b, want);
        if (rc)
            return sh_diag_set(diag, rc, path, 0, "%s", sh_status_str(rc));
        n = read(fd, b->ptr + b->len, want);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return sh_diag_set(diag, SH_EIO, path, 0, "read: %s", strerror(errno));
        }
        if (n == 0) {
            *eof = true;
            break;
        }
        b->len += (size_t)n;
        b->ptr[b->len] = '\0';
    }
    return SH_OK;
}

static int head_gzip(struct sh_buf *b, int fd, size_t max, bool *complete, const char *path,
                     sh_diag *diag)
{
    gzFile g;
    char tmp[65536];
    int rc = SH_OK;

    sh_buf_reset(b);
    if (lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return sh_diag_set(diag, SH_EIO, path, 0, "cannot rewind: %s", strerror(errno));
    }
    g = gzdopen(fd, "rb");
    if (!g) {
        close(fd);
        return sh_diag_set(diag, SH_ENOMEM, path, 0, "cannot open reader");
    }
    while (b->len < max) {
        unsigned want = (unsigned)((max - b->len) < sizeof(tmp) ? (max - b->len) : sizeof(tmp));
        int n = gzread(g, tmp, want);
        if (n < 0) {
            int zerr;
            rc = sh_diag_set(diag, SH_EPARSE, path, 0, "gzip: %s", gzerror(g, &zerr));
            break;
        }
        if (n == 0) {
            *complete = true;
            break;
        }
        rc = sh_buf_add(b, tmp, (size_t)n);
        if (rc)
            break;
    }
    if (!rc && !*complete) {
        char one;
        *complete = gzread(g, &one, 1) == 0;
    }
    gzclose(g);
    return rc;
}

int sh_file_read_head_buf(struct sh_buf *b, bool *complete, const char *path, size_t max,
                          sh_diag *diag)
{
    int fd, rc;
    bool eof = false;

    *complete = false;
    sh_buf_reset(b);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sh_diag_set(diag, SH_EIO, path, 0, "cannot open: %s", strerror(errno));
    /* Most evidence files are small plain text: read straight into the
     * caller's buffer, and look at the first bytes for a compression magic
     * only once they are there. */
    rc = read_into(b, fd, max, &eof, path, diag);
    if (rc) {
        close(fd);
        return rc;
    }
    if (b->len >= 4 && memcmp(b->ptr, "\x28\xb5\x2f\xfd", 4) == 0) {
        sh_buf_reset(b);
        if (lseek(fd, 0, SEEK_SET) != 0)
            rc = sh_diag_set(diag, SH_EIO, path, 0, "cannot rewind: %s", strerror(errno));
        else
            rc = head_zstd(b, fd, max, complete, path, diag);
        close(fd);
        return rc;
    }
    if (b->len >= 2 && (unsigned char)b->ptr[0] == 0x1f && (unsigned char)b->ptr[1] == 0x8b)
        return head_gzip(b, fd, max, complete, path, diag); /* closes fd */
    if (!eof) {
        char one;
        ssize_t n;
        do
            n = read(fd, &one, 1);
        while (n < 0 && errno == EINTR);
        eof = n == 0;
    }
    *complete = eof;
    close(fd);
    return SH_OK;
}

int sh_file_read_head(char **out, size_t *len_out, bool *complete, const char *path, size_t max,
                      sh_diag *diag)
{
    struct sh_buf b;
    int rc;

    *out = NULL;
    *len_out = 0;
    sh_buf_init(&b, 0);
    rc = sh_file_read_head_buf(&b, complete, path, max, diag);
    if (rc) {
        sh_buf_free(&b);
        return rc;
    }
    *len_out = b.len;
    *out = sh_buf_detach(&b);
    return SH_OK;
}

int sh_mkdirs(const char *dir, unsigned mode, sh_diag *diag)
{
    char tmp[4096];
    size_t i, n = dir ? strlen(dir) : 0;

    if (n == 0 || n >= sizeof(tmp))
        return sh_diag_set(diag, SH_EINVAL, dir, 0, "bad folder name");
    memcpy(tmp, dir, n + 1);
    for (i = 1; i <= n; i++) {
        if (tmp[i] == '/' || tmp[i] == '\0') {
            char c = tmp[i];
            tmp[i] = '\0';
            if (mkdir(tmp, (mode_t)mode) != 0 && errno != EEXIST)
                return sh_diag_set(diag, SH_EIO, tmp, 0, "cannot create folder: %s",
                                   strerror(errno));
            tmp[i] = c;
        }
    }
    return SH_OK;
}

int sh_file_write_atomic(const char *path, const void *data, size_t len, sh_diag *diag)
{
    static atomic_uint serial;
    char tmp[4096];
    const char *p = data;
    int fd, n;

    n = snprintf(tmp, sizeof(tmp), "%s.%ld.%u.tmp", path, (long)getpid(),
                 atomic_fetch_add(&serial, 1));
    if (n < 0 || (size_t)n >= sizeof(tmp))
        return sh_diag_set(diag, SH_EINVAL, path, 0, "path too long");
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return sh_diag_set(diag, SH_EIO, tmp, 0, "cannot create: %s", strerror(errno));
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            return sh_diag_set(diag, SH_EIO, tmp, 0, "write failed: %s", strerror(e));
        }
        p += w;
        len -= (size_t)w;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return sh_diag_set(diag, SH_EIO, path, 0, "cannot replace: %s", strerror(e));
    }
    return SH_OK;
}
