/*
 * logfile.c - reader + parser glue (see logfile.h).
 *
 * One heap event per walk (it carries a few KiB of scratch), reused for
 * every line.
 */
#include "../base/sh_base.h"

#include "logfile.h"

#include "reader.h"

#include <sys/stat.h>

static int walk(struct sh_logreader *rd, const char *name, const struct sh_syslog_opts *o,
                int (*cb)(const struct sh_log_event *ev, void *ud), void *ud,
                struct sh_logfile_stats *st, sh_diag *diag)
{
    struct sh_log_event *ev = NULL;
    const struct sh_logreader_stats *rs;
    const char *line;
    size_t len;
    uint64_t lineno;
    int rc;

    ev = sh_calloc(1, sizeof(*ev));
    if (!ev)
        return sh_diag_set(diag, SH_ENOMEM, name, 0, "out of memory");
    ev->path = name;
    while ((rc = sh_logreader_next(rd, &line, &len, &lineno, diag)) > 0) {
        ev->line = lineno;
        ev->pos = 0;
        sh_syslog_parse(ev, line, len, o);
        if (st) {
            st->lines++;
            if (ev->parsed)
                st->parsed++;
            else
                st->unparsed++;
        }
        if (cb && (rc = cb(ev, ud)) != 0)
            break;
    }
    rs = sh_logreader_stats(rd);
    if (st) {
        st->truncated = rs->truncated;
        st->bytes = rs->bytes;
        st->damaged = rs->damaged;
    }
    if (rc == 0 && rs->damaged)
        rc = sh_diag_set(diag, SH_EIO, name, (uint32_t)(rs->lines < UINT32_MAX ? rs->lines : 0),
                         "%s; lines after it are lost", sh_logreader_damage(rd));
    sh_free(ev);
    return rc;
}

int sh_logfile_each(const char *path, const struct sh_syslog_opts *o,
                    int (*cb)(const struct sh_log_event *ev, void *ud), void *ud,
                    struct sh_logfile_stats *st, sh_diag *diag)
{
    struct sh_logreader *rd = NULL;
    struct sh_syslog_opts def = SH_SYSLOG_OPTS_INIT;
    struct stat sb;
    int rc;

    SH_ASSERT_ARG(path);
    if (st)
        memset(st, 0, sizeof(*st));
    if (o)
        def = *o;
    if (def.year == 0 && def.ref_ms == 0 && stat(path, &sb) == 0)
        def.ref_ms = (int64_t)sb.st_mtime * 1000;
    o = &def;
    if ((rc = sh_logreader_open(&rd, path, 0, diag)) < 0)
        return rc;
    rc = walk(rd, path, o, cb, ud, st, diag);
    sh_logreader_close(rd);
    return rc;
}

int sh_logfile_each_mem(const void *data, size_t len, const char *name,
                        const struct sh_syslog_opts *o,
                        int (*cb)(const struct sh_log_event *ev, void *ud), void *ud,
                        struct sh_logfile_stats *st, sh_diag *diag)
{
    struct sh_logreader *rd = NULL;
    int rc;

    if (st)
        memset(st, 0, sizeof(*st));
    if ((rc = sh_logreader_open_mem(&rd, data, len, 0, diag)) < 0)
        return rc;
    rc = walk(rd, name ? name : "<memory>", o, cb, ud, st, diag);
    sh_logreader_close(rd);
    return rc;
}
