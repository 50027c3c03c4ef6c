/*
 * report.c - format names, the writer table, buffered output and the
 * helpers every writer shares (UTF-8 checks, grouping, totals).
 *
 * Writers never see the user's sink directly: they write into a
 * `struct sh_report_out` that batches small writes into 64 KiB chunks and
 * remembers the first failure, so writer code needs no error check per
 * write. Thread-safe as long as each call has its own sink.
 */
#include "../base/sh_base.h"

#include "report_int.h"

#include <stdio.h>
#include <stdlib.h>

static const struct sh_report_writer *const writers[] = {
    [SH_FMT_TEXT] = &sh_report__text_writer,   [SH_FMT_JSONL] = &sh_report__jsonl_writer,
    [SH_FMT_SARIF] = &sh_report__sarif_writer, [SH_FMT_CSV] = &sh_report__csv_writer,
    [SH_FMT_HTML] = &sh_report__html_writer,   [SH_FMT_MARKDOWN] = &sh_report__markdown_writer,
};

int sh_format_parse(sh_format *out, const char *name)
{
    size_t i;

    if (!out || !name)
        return SH_EINVAL;
    for (i = 0; i < SH_ARRAY_LEN(writers); i++) {
        if (strcasecmp(name, writers[i]->name) == 0) {
            *out = (sh_format)i;
            return SH_OK;
        }
    }
    if (strcasecmp(name, "md") == 0) {
        *out = SH_FMT_MARKDOWN;
        return SH_OK;
    }
    return SH_EINVAL;
}

const char *sh_format_name(sh_format f)
{
    return (unsigned)f < SH_ARRAY_LEN(writers) ? writers[f]->name : "unknown";
}

int sh_report_file_sink(const char *data, size_t len, void *ud)
{
    FILE *f = ud;

    if (!f)
        return SH_EINVAL;
    if (len && fwrite(data, 1, len, f) != len)
        return SH_EIO;
    return SH_OK;
}

int sh_report_write(sh_format fmt, const sh_findings *findings, const sh_report_info *info,
                    sh_sink_fn sink, void *ud, sh_diag *diag)
{
    static const sh_report_info defaults = SH_REPORT_INFO_INIT;
    static const sh_findings empty = {NULL, 0, 0};
    struct sh_report_out o;
    int rc;

    SH_ASSERT_ARG(sink);
    if ((unsigned)fmt >= SH_ARRAY_LEN(writers))
        return sh_diag_set(diag, SH_EINVAL, NULL, 0, "unknown output format %d", (int)fmt);
    if (info && info->version != SH_REPORT_INFO_VERSION)
        return sh_diag_set(diag, SH_EINVAL, NULL, 0, "report info version %u, expected %u",
                           info->version, SH_REPORT_INFO_VERSION);
    sh_report__out_init(&o, sink, ud);
    rc = writers[fmt]->write(&o, findings ? findings : &empty, info ? info : &defaults);
    if (rc) {
        o.err = o.err ? o.err : rc;
    }
    rc = sh_report__out_finish(&o);
    if (rc)
        return sh_diag_set(diag, rc, NULL, 0, "writing %s output: %s", writers[fmt]->name,
                           sh_status_str(rc));
    return SH_OK;
}

/* ---- buffered output ---- */

void sh_report__out_init(struct sh_report_out *o, sh_sink_fn sink, void *ud)
{
    o->sink = sink;
    o->ud = ud;
    o->err = 0;
    sh_buf_init(&o->buf, 0);
}

static void flush(struct sh_report_out *o)
{
    if (!o->sink)
        return; /* a piece of output kept whole (sh_report__piece_init) */
    if (!o->err && o->buf.len) {
        int rc = o->sink(o->buf.ptr, o->buf.len, o->ud);
        if (rc)
            o->err = rc < 0 ? rc : SH_EIO;
    }
    sh_buf_reset(&o->buf);
}

void sh_report__piece_init(struct sh_report_out *o)
{
    sh_report__out_init(o, NULL, NULL);
}

void sh_report__put_piece(struct sh_report_out *o, struct sh_report_out *piece)
{
    if (!o->err && piece->err)
        o->err = piece->err;
    if (!o->err && piece->buf.len) {
        int rc;
        flush(o);
        if (!o->err) {
            rc = o->sink(piece->buf.ptr, piece->buf.len, o->ud);
            if (rc)
                o->err = rc < 0 ? rc : SH_EIO;
        }
    }
    sh_buf_free(&piece->buf);
}

void sh_report__add_slow(struct sh_report_out *o, const char *data, size_t len)
{
    int rc;

    if (o->err || !len)
        return;
    rc = sh_buf_add(&o->buf, data, len);
    if (rc) {
        o->err = rc;
        return;
    }
    if (o->buf.len >= SH_REPORT_OUT_CHUNK)
        flush(o);
}

char *sh_report__reserve_slow(struct sh_report_out *o, size_t len)
{
    int rc;

    if (o->err)
        return NULL;
    rc = sh_buf_reserve(&o->buf, len);
    if (rc) {
        o->err = rc;
        return NULL;
    }
    return o->buf.ptr + o->buf.len;
}

void sh_report__commit_slow(struct sh_report_out *o)
{
    flush(o);
}

void sh_report__adds(struct sh_report_out *o, const char *s)
{
    if (s)
        sh_report__add(o, s, strlen(s));
}

void sh_report__printf(struct sh_report_out *o, const char *fmt, ...)
{
    va_list ap;
    int rc;

    if (o->err)
        return;
    va_start(ap, fmt);
    rc = sh_buf_vprintf(&o->buf, fmt, ap);
    va_end(ap);
    if (rc) {
        o->err = rc;
        return;
    }
    if (o->buf.len >= SH_REPORT_OUT_CHUNK)
        flush(o);
}

int sh_report__out_finish(struct sh_report_out *o)
{
    flush(o);
    sh_buf_free(&o->buf);
    return o->err;
}

/* ---- text helpers ---- */

size_t sh_report__utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
    uint32_t c;
    size_t n, i;

    if (!len)
        return 0;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        n = 2;
        c = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        n = 3;
        c = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        n = 4;
        c = s[0] & 0x07;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) || c > 0x10ffff ||
        (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

bool sh_report__cp_hidden(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f || cp == 0x061c;
}

char *sh_report__utf8_clean(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), i = 0;
    struct sh_buf b;

    sh_buf_init(&b, 0);
    if (sh_buf_add(&b, "", 0))
        return NULL;
    while (i < len) {
        uint32_t cp;
        size_t n = sh_report__utf8_next(p + i, len - i, &cp);
        int rc = n ? sh_buf_add(&b, p + i, n) : sh_buf_add(&b, "\xef\xbf\xbd", 3);
        if (rc) {
            sh_buf_free(&b);
            return NULL;
        }
        i += n ? n : 1;
    }
    return sh_buf_detach(&b);
}

void sh_report__add_visible(struct sh_report_out *o, const char *s, const char *newline,
                            const char *(*esc)(unsigned char c))
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len, i = 0, run = 0;

    if (!s)
        return;
    len = strlen(s);
    while (i < len) {
        uint32_t cp;
        size_t n = sh_report__utf8_next(p + i, len - i, &cp);
        const char *rep = NULL;

        if (n == 1 && esc)
            rep = esc(p[i]);
        if (n && !rep && (cp == '\t' || !sh_report__cp_hidden(cp))) {
            i += n;
            run += n;
            continue;
        }
        /* Flush the plain run before the character that needs care. */
        sh_report__add(o, (const char *)p + i - run, run);
        run = 0;
        if (rep)
            sh_report__adds(o, rep);
        else if (!n)
            sh_report__printf(o, "\\x%02x", p[i]);
        else if (cp == '\n')
            sh_report__adds(o, newline ? newline : "\\n");
        else if (cp < 0x80)
            sh_report__printf(o, "\\x%02x", (unsigned)cp);
        else
            sh_report__printf(o, "\\u%04x", (unsigned)cp);
        i += n ? n : 1;
    }
    sh_report__add(o, (const char *)p + i - run, run);
}

void sh_report__fingerprint(const sh_finding *f, char out[17])
{
    sh_finding tmp;

    if (f->fingerprint[0]) {
        memcpy(out, f->fingerprint, 17);
        out[16] = '\0';
        return;
    }
    /* A shallow copy: fingerprinting only reads the strings. */
    tmp = *f;
    sh_finding_fingerprint(&tmp);
    memcpy(out, tmp.fingerprint, 17);
}

static int dup_sink(const char *data, size_t len, void *ud)
{
    return sh_buf_add(ud, data, len);
}

char *sh_report__visible_dup(const char *s)
{
    struct sh_report_out o;
    struct sh_buf b;

    sh_buf_init(&b, 0);
    sh_report__out_init(&o, dup_sink, &b);
    sh_report__add_visible(&o, s, "\n", NULL);
    if (sh_report__out_finish(&o) || sh_buf_add(&b, "", 0)) {
        sh_buf_free(&b);
        return NULL;
    }
    return sh_buf_detach(&b);
}

uint32_t sh_report__end_line(const sh_finding *f)
{
    return f->end_line >= f->line ? f->end_line : f->line;
}

void sh_report__location(struct sh_report_out *o, const sh_finding *f, const char *newline,
                         const char *(*esc)(unsigned char c))
{
    if (!f->path) {
        sh_report__adds(o, "-");
        return;
    }
    sh_report__add_visible(o, f->path, newline, esc);
    if (f->line) {
        uint32_t end = sh_report__end_line(f);
        if (end > f->line)
            sh_report__printf(o, ":%u-%u", f->line, end);
        else
            sh_report__printf(o, ":%u", f->line);
    }
}

const char *sh_report__sev_upper(sh_severity s)
{
    static const char *const names[] = {"INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"};
    return (unsigned)s < SH_ARRAY_LEN(names) ? names[s] : "UNKNOWN";
}

static sh_severity sev_clamp(sh_severity s)
{
    return (unsigned)s <= SH_SEV_CRITICAL ? s : SH_SEV_INFO;
}

/* ---- grouping ---- */

/* Most severe first, ties in the given order: a counting sort over the
 * five severities is stable and linear. g->count holds the bucket sizes. */
static int sort_group(struct sh_report_group *g, const sh_findings *fs)
{
    size_t start[SH_SEV_CRITICAL + 1], pos = 0, i;
    size_t *tmp;
    int s;

    if (g->n < 2)
        return SH_OK;
    tmp = sh_calloc(g->n, sizeof(*tmp));
    if (!tmp)
        return SH_ENOMEM;
    for (s = SH_SEV_CRITICAL; s >= 0; s--) {
        start[s] = pos;
        pos += g->count[s];
    }
    for (i = 0; i < g->n; i++)
        tmp[start[sev_clamp(fs->v[g->idx[i]]->severity)]++] = g->idx[i];
    memcpy(g->idx, tmp, g->n * sizeof(*tmp));
    sh_free(tmp);
    return SH_OK;
}

int sh_report__group(struct sh_report_groups *out, const sh_findings *fs,
                     const sh_report_info *info)
{
    struct sh_strmap map = {0}, devs = {0};
    size_t i, cap = 0;
    int rc = SH_OK;

    out->v = NULL;
    out->n = 0;
    for (i = 0; info->scan && i < info->scan->n_devices && !rc; i++) {
        const sh_device *d = info->scan->devices[i];
        if (d && d->hostname && !sh_strmap_has(&devs, d->hostname))
            rc = sh_strmap_put(&devs, d->hostname, (void *)(uintptr_t)(i + 1), NULL);
    }
    for (i = 0; i < fs->n && !rc; i++) {
        const sh_finding *f = fs->v[i];
        struct sh_report_group *g = NULL;
        char *key = f->device ? sh_strdup_printf("d:%s", f->device)
                              : sh_strdup_printf("f:%s", f->path ? f->path : "");
        void *hit;

        if (!key) {
            rc = SH_ENOMEM;
            goto out;
        }
        hit = sh_strmap_get(&map, key);
        if (hit) {
            g = &out->v[(size_t)(uintptr_t)hit - 1];
        } else {
            if (out->n == cap) {
                size_t ncap = cap ? cap * 2 : 8;
                struct sh_report_group *v = sh_realloc(out->v, ncap * sizeof(*v));
                if (!v) {
                    sh_free(key);
                    rc = SH_ENOMEM;
                    goto out;
                }
                out->v = v;
                cap = ncap;
            }
            g = &out->v[out->n];
            memset(g, 0, sizeof(*g));
            g->device = f->device;
            g->path = f->device ? NULL : f->path;
            if (f->device) {
                size_t di = (size_t)(uintptr_t)sh_strmap_get(&devs, f->device);
                if (di)
                    g->dev = info->scan->devices[di - 1];
            }
            out->n++;
            rc = sh_strmap_put(&map, key, (void *)(uintptr_t)out->n, NULL);
            if (rc) {
                sh_free(key);
                goto out;
            }
        }
        sh_free(key);
        if (!g->platform && f->platform)
            g->platform = f->platform;
        /* Count first, fill indexes in a second pass. */
        g->n++;
        g->count[sev_clamp(f->severity)]++;
    }
    for (i = 0; i < out->n && !rc; i++) {
        out->v[i].idx = sh_calloc(out->v[i].n, sizeof(size_t));
        if (!out->v[i].idx) {
            rc = SH_ENOMEM;
            goto out;
        }
        out->v[i].n = 0;
    }
    for (i = 0; i < fs->n && !rc; i++) {
        const sh_finding *f = fs->v[i];
        char *key = f->device ? sh_strdup_printf("d:%s", f->device)
                              : sh_strdup_printf("f:%s", f->path ? f->path : "");
        struct sh_report_group *g;

        if (!key) {
            rc = SH_ENOMEM;
            goto out;
        }
        g = &out->v[(size_t)(uintptr_t)sh_strmap_get(&map, key) - 1];
        sh_free(key);
        g->idx[g->n++] = i;
    }
    for (i = 0; i < out->n && !rc; i++)
        rc = sort_group(&out->v[i], fs);
out:
    sh_strmap_free(&map, NULL);
    sh_strmap_free(&devs, NULL);
    if (rc)
        sh_report__groups_free(out);
    return rc;
}

void sh_report__group_title(struct sh_report_out *o, const struct sh_report_group *g,
                            void (*put)(struct sh_report_out *o, const char *s))
{
    const char *platform = g->dev && g->dev->platform ? g->dev->platform : g->platform;
    const char *parts[3] = {platform, NULL, NULL};
    size_t i, n = 0;

    if (!g->device) {
        put(o, g->path ? g->path : "(no device, no file)");
        if (g->path)
            put(o, " [device name unknown]");
        return;
    }
    put(o, g->device);
    if (g->dev) {
        parts[1] = g->dev->version;
        parts[2] = g->dev->model;
    }
    for (i = 0; i < 3; i++) {
        if (!parts[i])
            continue;
        put(o, n++ ? ", " : " (");
        if (i == 1 && g->dev->os) {
            put(o, g->dev->os);
            put(o, " ");
        }
        put(o, parts[i]);
    }
    if (n)
        put(o, ")");
}

void sh_report__groups_free(struct sh_report_groups *g)
{
    size_t i;

    for (i = 0; i < g->n; i++)
        sh_free(g->v[i].idx);
    SH_FREE(g->v);
    g->n = 0;
}

/* ---- totals ---- */

static int count_distinct(size_t *out, const sh_findings *fs, bool device)
{
    struct sh_strmap m = {0};
    size_t i;
    int rc = SH_OK;

    for (i = 0; i < fs->n; i++) {
        const char *k = device ? fs->v[i]->device : fs->v[i]->path;
        if (k && !sh_strmap_has(&m, k)) {
            rc = sh_strmap_put(&m, k, NULL, NULL);
            if (rc)
                break;
        }
    }
    *out = m.n;
    sh_strmap_free(&m, NULL);
    return rc;
}

int sh_report__totals(struct sh_report_totals *t, const sh_findings *fs, const sh_report_info *info)
{
    size_t i;
    int rc;

    memset(t, 0, sizeof(*t));
    for (i = 0; i < fs->n; i++) {
        const sh_finding *f = fs->v[i];
        t->count[sev_clamp(f->severity)]++;
        if (sev_clamp(f->severity) >= info->fail_on)
            t->at_or_above++;
        if (f->status && strcmp(f->status, "new") == 0)
            t->n_new++;
    }
    t->gone = info->gone ? info->gone->n : 0;
    rc = count_distinct(&t->devices, fs, true);
    if (!rc)
        rc = count_distinct(&t->files, fs, false);
    return rc;
}

void sh_report__summary(struct sh_report_out *o, const struct sh_report_totals *t,
                        const sh_report_info *info, size_t n)
{
    sh_report__printf(o, "%zu finding%s (%zu critical, %zu high, %zu medium, %zu low, %zu info)", n,
                      n == 1 ? "" : "s", t->count[SH_SEV_CRITICAL], t->count[SH_SEV_HIGH],
                      t->count[SH_SEV_MEDIUM], t->count[SH_SEV_LOW], t->count[SH_SEV_INFO]);
    sh_report__printf(o, " on %zu device%s", t->devices, t->devices == 1 ? "" : "s");
    if (info->scan)
        sh_report__printf(o, "; %zu files, %zu analysed, %zu skipped", info->scan->files_seen,
                          info->scan->files_analysed, info->scan->files_skipped);
    else
        sh_report__printf(o, "; %zu file%s with findings", t->files, t->files == 1 ? "" : "s");
    sh_report__printf(o, "; %zu at or above %s", t->at_or_above, sh_severity_str(info->fail_on));
}

void sh_report__history(struct sh_report_out *o, const struct sh_report_totals *t)
{
    sh_report__printf(o, "new since last scan: %zu, gone: %zu", t->n_new, t->gone);
}
