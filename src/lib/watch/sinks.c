/*
 * sinks.c - where alerts and raw messages go: JSON Lines (file or stdout),
 * forwarded syslog (RFC 5424 over UDP, the finding as JSON in MSG), and the
 * raw-message archive (zstd files rotated by size, readable by
 * `salthunt scan`).
 *
 * Used only by the processing thread; not thread-safe. Output is buffered
 * and flushed when the queue runs empty, on reload and at exit, so an alert
 * is on disk within one queue drain of its message.
 */
#include "../base/sh_base.h"

#include "watch_int.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

struct sh_watch_sinks {
    FILE *jsonl;
    int fwd_fd;
    struct sh_watch_endpoint fwd;
    char hostname[256];
    struct sh_buf line;
    /* archive */
    char *archive_dir;
    size_t rotate_bytes;
    FILE *arc;
    ZSTD_CCtx *zc;
    size_t arc_in; /* uncompressed bytes in the current file */
    unsigned arc_seq;
    char *zout;
    size_t zout_cap;
};

static int set_str(json_t *o, const char *k, const char *v)
{
    return json_object_set_new(o, k, v ? json_string(v) : json_null());
}

static json_t *list_json(const sh_strlist *l)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; a && i < l->n; i++)
        json_array_append_new(a, json_string(l->v[i]));
    return a;
}

int sh_watch__finding_json(const sh_finding *f, struct sh_buf *b)
{
    json_t *o = json_object();
    char *s = NULL;
    int rc = SH_ENOMEM;

    if (!o)
        return SH_ENOMEM;
    set_str(o, "rule", f->rule);
    set_str(o, "title", f->title);
    set_str(o, "kind", sh_kind_str(f->kind));
    set_str(o, "severity", sh_severity_str(f->severity));
    json_object_set_new(o, "attack", list_json(&f->attack));
    set_str(o, "device", f->device);
    set_str(o, "platform", f->platform);
    set_str(o, "path", f->path);
    json_object_set_new(o, "line", f->line ? json_integer(f->line) : json_null());
    json_object_set_new(o, "end_line", f->end_line ? json_integer(f->end_line) : json_null());
    set_str(o, "evidence", f->evidence);
    set_str(o, "message", f->message);
    set_str(o, "remediation", f->remediation);
    json_object_set_new(o, "references", list_json(&f->references));
    set_str(o, "time", f->time);
    if (f->cve)
        set_str(o, "cve", f->cve);
    if (f->state)
        set_str(o, "state", f->state);
    if (f->fingerprint[0])
        set_str(o, "fingerprint", f->fingerprint);
    {
        size_t flags = JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER;
        size_t need = json_dumpb(o, NULL, 0, flags);
        s = need ? sh_malloc(need) : NULL;
        if (s && json_dumpb(o, s, need, flags) == need)
            rc = sh_buf_add(b, s, need);
        sh_free(s);
    }
    json_decref(o);
    return rc;
}

static int zwrite(struct sh_watch_sinks *s, const void *data, size_t len, ZSTD_EndDirective mode,
                  sh_diag *diag)
{
    ZSTD_inBuffer in = {data, len, 0};
    bool done = false;

    while (!done) {
        ZSTD_outBuffer out = {s->zout, s->zout_cap, 0};
        size_t left = ZSTD_compressStream2(s->zc, &out, &in, mode);
        if (ZSTD_isError(left))
            return sh_diag_set(diag, SH_EIO, s->archive_dir, 0, "zstd: %s",
                               ZSTD_getErrorName(left));
        if (out.pos && fwrite(s->zout, 1, out.pos, s->arc) != out.pos)
            return sh_diag_set(diag, SH_EIO, s->archive_dir, 0, "archive write: %s",
                               strerror(errno));
        done = mode == ZSTD_e_continue ? in.pos == in.size : left == 0;
    }
    return SH_OK;
}

static int arc_close(struct sh_watch_sinks *s, sh_diag *diag)
{
    int rc = SH_OK;

    if (!s->arc)
        return SH_OK;
    rc = zwrite(s, "", 0, ZSTD_e_end, diag);
    if (fclose(s->arc) != 0 && rc == 0)
        rc = sh_diag_set(diag, SH_EIO, s->archive_dir, 0, "archive close: %s", strerror(errno));
    s->arc = NULL;
    return rc;
}

static int arc_open(struct sh_watch_sinks *s, sh_diag *diag)
{
    char path[4096], stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    int fd;

    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    for (;;) {
        snprintf(path, sizeof(path), "%s/watch-%s-%04u.log.zst", s->archive_dir, stamp,
                 s->arc_seq++);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
        if (fd >= 0 || errno != EEXIST || s->arc_seq > 9999)
            break;
    }
    if (fd < 0)
        return sh_diag_set(diag, SH_EIO, path, 0, "cannot create archive file: %s",
                           strerror(errno));
    s->arc = fdopen(fd, "wb");
    if (!s->arc) {
        close(fd);
        return SH_ENOMEM;
    }
    ZSTD_CCtx_reset(s->zc, ZSTD_reset_session_only);
    s->arc_in = 0;
    return SH_OK;
}

int sh_watch__sinks_open(struct sh_watch_sinks **out, const struct sh_watch_config *cfg,
                         sh_diag *diag)
{
    struct sh_watch_sinks *s;
    int rc = SH_OK;

    s = sh_calloc(1, sizeof(*s));
    if (!s)
        return SH_ENOMEM;
    s->fwd_fd = -1;
    sh_buf_init(&s->line, 0);
    if (gethostname(s->hostname, sizeof(s->hostname) - 1) != 0 || !s->hostname[0])
        snprintf(s->hostname, sizeof(s->hostname), "-");
    if (cfg->jsonl) {
        if (!strcmp(cfg->jsonl, "-")) {
            /* Our own stream on the standard output descriptor, so the
             * sink flushes and closes it like a file. */
            int fd = dup(STDOUT_FILENO);
            s->jsonl = fd >= 0 ? fdopen(fd, "a") : NULL;
            if (!s->jsonl) {
                if (fd >= 0)
                    close(fd);
                rc = sh_diag_set(diag, SH_EIO, "-", 0, "cannot write alerts to standard output");
                goto out;
            }
        } else {
            s->jsonl = fopen(cfg->jsonl, "ae");
            if (!s->jsonl) {
                rc = sh_diag_set(diag, SH_EIO, cfg->jsonl, 0, "cannot open alert file: %s",
                                 strerror(errno));
                goto out;
            }
        }
    }
    if (cfg->have_forward) {
        s->fwd = cfg->forward;
        if (!s->fwd.resolved && (rc = sh_watch__resolve(&s->fwd, diag)) != 0)
            goto out;
        s->fwd_fd = socket(s->fwd.addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s->fwd_fd < 0 ||
            connect(s->fwd_fd, (struct sockaddr *)&s->fwd.addr, s->fwd.addrlen) != 0) {
            rc = sh_diag_set(diag, SH_EIO, NULL, 0, "forward %s: %s", s->fwd.text, strerror(errno));
            goto out;
        }
    }
    if (cfg->archive_dir) {
        s->archive_dir = sh_strdup(cfg->archive_dir);
        s->rotate_bytes = cfg->archive_rotate_bytes;
        s->zc = ZSTD_createCCtx();
        s->zout_cap = ZSTD_CStreamOutSize();
        s->zout = sh_malloc(s->zout_cap);
        if (!s->archive_dir || !s->zc || !s->zout) {
            rc = SH_ENOMEM;
            goto out;
        }
        ZSTD_CCtx_setParameter(s->zc, ZSTD_c_compressionLevel, 3);
        if ((rc = sh_mkdirs(s->archive_dir, 0750, diag)) != 0 || (rc = arc_open(s, diag)) != 0)
            goto out;
    }
out:
    if (rc != 0) {
        sh_watch__sinks_close(s);
        return rc;
    }
    *out = s;
    return SH_OK;
}

static const int sev_to_syslog[] = {6, 5, 4, 3, 2}; /* info..critical -> informational..crit */

int sh_watch__sinks_alert(struct sh_watch_sinks *s, const sh_finding *f, sh_diag *diag)
{
    int rc;

    sh_buf_reset(&s->line);
    rc = sh_watch__finding_json(f, &s->line);
    if (rc != 0)
        return rc;
    if (s->jsonl) {
        if (fwrite(s->line.ptr, 1, s->line.len, s->jsonl) != s->line.len ||
            fputc('\n', s->jsonl) == EOF)
            return sh_diag_set(diag, SH_EIO, NULL, 0, "alert write: %s", strerror(errno));
    }
    if (s->fwd_fd >= 0) {
        char hdr[512], stamp[40];
        struct timespec ts;
        struct tm tm;
        struct iovec iov[2];
        struct msghdr mh;
        int pri = 13 * 8 + sev_to_syslog[f->severity <= SH_SEV_CRITICAL ? f->severity : 0];

        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
        /* RFC 5424: facility log audit (13), app salthunt, msgid ALERT */
        snprintf(hdr, sizeof(hdr), "<%d>1 %s.%03ldZ %s salthunt %ld ALERT - ", pri, stamp,
                 ts.tv_nsec / 1000000, s->hostname, (long)getpid());
        iov[0].iov_base = hdr;
        iov[0].iov_len = strlen(hdr);
        iov[1].iov_base = s->line.ptr;
        iov[1].iov_len = s->line.len;
        memset(&mh, 0, sizeof(mh));
        mh.msg_iov = iov;
        mh.msg_iovlen = 2;
        /* a SIEM that is down must not stop alerting to the other sinks */
        if (sendmsg(s->fwd_fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
            return sh_diag_set(diag, SH_EIO, NULL, 0, "forward %s: %s", s->fwd.text,
                               strerror(errno));
    }
    return SH_OK;
}

int sh_watch__sinks_archive(struct sh_watch_sinks *s, const struct sh_watch_item *it, sh_diag *diag)
{
    char tmp[1024];
    size_t off = 0;
    int rc;

    if (!s->arc)
        return SH_OK;
    /* one message per line: embedded line breaks become spaces */
    while (off < it->len) {
        size_t n = it->len - off, i;
        if (n > sizeof(tmp))
            n = sizeof(tmp);
        memcpy(tmp, it->data + off, n);
        for (i = 0; i < n; i++) {
            if (tmp[i] == '\n' || tmp[i] == '\r' || tmp[i] == '\0')
                tmp[i] = ' ';
        }
        if ((rc = zwrite(s, tmp, n, ZSTD_e_continue, diag)) != 0)
            return rc;
        off += n;
    }
    if ((rc = zwrite(s, "\n", 1, ZSTD_e_continue, diag)) != 0)
        return rc;
    s->arc_in += it->len + 1;
    if (s->arc_in >= s->rotate_bytes) {
        if ((rc = arc_close(s, diag)) != 0)
            return rc;
        return arc_open(s, diag);
    }
    return SH_OK;
}

int sh_watch__sinks_flush(struct sh_watch_sinks *s, sh_diag *diag)
{
    int rc = SH_OK;

    if (s->jsonl && fflush(s->jsonl) != 0)
        rc = sh_diag_set(diag, SH_EIO, NULL, 0, "alert flush: %s", strerror(errno));
    if (s->arc) {
        int r2 = zwrite(s, "", 0, ZSTD_e_flush, diag);
        if (r2 == 0 && fflush(s->arc) != 0)
            r2 = sh_diag_set(diag, SH_EIO, s->archive_dir, 0, "archive flush: %s", strerror(errno));
        if (rc == 0)
            rc = r2;
    }
    return rc;
}

void sh_watch__sinks_close(struct sh_watch_sinks *s)
{
    if (!s)
        return;
    if (s->jsonl) {
        fflush(s->jsonl);
        fclose(s->jsonl);
    }
    if (s->fwd_fd >= 0)
        close(s->fwd_fd);
    arc_close(s, NULL);
    ZSTD_freeCCtx(s->zc);
    sh_free(s->zout);
    sh_free(s->archive_dir);
    sh_buf_free(&s->line);
    sh_free(s);
}
