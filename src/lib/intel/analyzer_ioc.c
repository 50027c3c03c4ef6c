/*
 * analyzer_ioc.c - the indicator sweep over every evidence file.
 *
 * Runs on every readable text file (configs, show captures, logs, anything
 * else) line by line, streaming so that large logs never load whole.
 * Each line's address, domain and hash tokens are looked up in the scan's
 * indicator set (ioc.c); a hit becomes an `ioc` finding that says what the
 * line is (ACL entry, logging host, AAA server, ...), because "an advisory
 * address is in an ACL permit" and "it appears in a comment" call for
 * different urgency. Device names are filled in finish() from the devices
 * other analyzers found in the same file.
 */
#include "../base/sh_base.h"

#include "../log/syslog.h"
#include "../scan/scan_int.h"
#include "../store/intel_store.h"
#include "ioc.h"
#include "sweep.h"

#include <ctype.h>
#include <stdio.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define MAX_LINE SH_IOC_SWEEP_MAX_LINE
#define MAX_HITS_PER_FILE SH_IOC_SWEEP_MAX_HITS

struct line_ctx {
    const char *pattern; /* lower-case substring */
    const char *what;    /* with its article: "an ACL entry" */
    sh_severity severity;
};

/* First match wins: the more specific contexts come first. A line is
 * classified by its own text, then by its enclosing sections (nearest
 * first), so `address ipv4 X` under `tacacs server T` is an AAA server. */
static const struct line_ctx contexts[] = {
    {"access-list", "an ACL entry", SH_SEV_CRITICAL},
    {"permit ", "an ACL entry", SH_SEV_CRITICAL},
    {"tacacs", "an AAA server", SH_SEV_CRITICAL},
    {"tacplus", "an AAA server", SH_SEV_CRITICAL},
    {"radius", "an AAA server", SH_SEV_CRITICAL},
    {"tunnel destination", "a tunnel destination", SH_SEV_CRITICAL},
    {"erspan", "a traffic-mirror destination", SH_SEV_CRITICAL},
    {"monitor session", "a traffic-mirror destination", SH_SEV_CRITICAL},
    {"logging host", "a logging host", SH_SEV_CRITICAL},
    {"logging server", "a logging host", SH_SEV_CRITICAL},
    {"syslog", "a logging host", SH_SEV_CRITICAL},
    {"snmp-server host", "an SNMP trap host", SH_SEV_CRITICAL},
    {"snmp", "an SNMP setting", SH_SEV_CRITICAL},
    {"ntp", "an NTP server", SH_SEV_HIGH},
    {"neighbor", "a routing neighbour", SH_SEV_CRITICAL},
    {"ip route", "a static route", SH_SEV_CRITICAL},
    {"next-hop", "a static route", SH_SEV_CRITICAL},
    {"login_success", "a login source", SH_SEV_CRITICAL},
    {"login success", "a login source", SH_SEV_CRITICAL},
    {"accepted", "a login source", SH_SEV_CRITICAL},
    {"login", "a login event", SH_SEV_HIGH},
    {"copy ", "a file transfer", SH_SEV_CRITICAL},
    {"export ", "a file transfer", SH_SEV_CRITICAL},
    {"tftp", "a file transfer", SH_SEV_CRITICAL},
    {"ftp:", "a file transfer", SH_SEV_CRITICAL},
    {"tunnel", "a tunnel", SH_SEV_CRITICAL},
    {"deny", "an ACL deny entry", SH_SEV_MEDIUM},
};

#define MAX_ANCESTORS 8
#define ANCESTOR_TEXT 160

struct ancestor {
    size_t indent;
    size_t len;
    const char *p; /* the line in the swept buffer, or `text` */
    char text[ANCESTOR_TEXT];
};

struct sweep {
    const struct sh_scan_ctx *ctx;
    const char *path;
    uint64_t lineno;
    const char *line;
    size_t line_len;
    struct sh_scan_out *out;
    size_t hits;
    int rc;
    /* Hits in logs take device and time from the line's syslog header;
     * whether the file is a log is decided at the first hit (-1: not yet),
     * because hits are rare and the check parses the head. */
    int is_log;
    const char *head;
    size_t head_len;
    /* Enclosing sections of the current line, by indentation (configs). */
    struct ancestor anc[MAX_ANCESTORS];
    size_t n_anc;
    /* The swept lines stay in memory until the sweep ends (a whole file):
     * ancestors point at them instead of being copied. */
    bool lines_stay;
};

static const struct line_ctx *classify_text(const char *line, size_t len)
{
    char low[512];
    size_t i, n = len < sizeof(low) - 1 ? len : sizeof(low) - 1;

    for (i = 0; i < n; i++)
        low[i] = (char)tolower((unsigned char)line[i]);
    low[n] = '\0';
    for (i = 0; i < SH_ARRAY_LEN(contexts); i++) {
        if (strstr(low, contexts[i].pattern))
            return &contexts[i];
    }
    return NULL;
}

/* Keep the chain of less-indented lines above the current one. */
static void track_ancestors(struct sweep *s, const char *line, size_t len)
{
    size_t indent = 0, n;

    while (indent < len && (line[indent] == ' ' || line[indent] == '\t'))
        indent++;
    if (indent == len || line[indent] == '!' || line[indent] == '#')
        return; /* blank lines and comments do not open sections */
    while (s->n_anc > 0 && s->anc[s->n_anc - 1].indent >= indent)
        s->n_anc--;
    if (s->n_anc == MAX_ANCESTORS)
        return;
    n = len - indent < ANCESTOR_TEXT ? len - indent : ANCESTOR_TEXT;
    if (s->lines_stay) {
        s->anc[s->n_anc].p = line + indent;
    } else {
        memcpy(s->anc[s->n_anc].text, line + indent, n);
        s->anc[s->n_anc].p = s->anc[s->n_anc].text;
    }
    s->anc[s->n_anc].len = n;
    s->anc[s->n_anc].indent = indent;
    s->n_anc++;
}

int sh_ioc__hit_finding(sh_finding **out, const struct sh_ioc *ioc, const char *tok, size_t len,
                        const char *line, size_t line_len, const char *const *parents,
                        const size_t *parent_lens, size_t n_parents, const struct sh_log_event *ev,
                        const char *path, uint64_t lineno)
{
    const struct line_ctx *lc = classify_text(line, line_len);
    sh_finding *f;
    size_t elen, i;
    const char *evid;
    int rc = 0;

    *out = NULL;
    for (i = n_parents; !lc && i > 0; i--)
        lc = classify_text(parents[i - 1], parent_lens[i - 1]);
    f = sh_finding_new();
    if (!f)
        return SH_ENOMEM;
    elen = line_len;
    evid = sh_str_trim(line, &elen);
    f->kind = SH_KIND_IOC;
    f->severity = ioc->related ? SH_SEV_MEDIUM : (lc ? lc->severity : SH_SEV_HIGH);
    f->rule = sh_strdup(ioc->related ? "IOC.related-indicator" : "IOC.advisory-indicator");
    f->title = sh_strdup(ioc->related ? "Indicator from related reporting in evidence"
                                      : "AA25-239A indicator in evidence");
    f->path = sh_strdup(path);
    f->line = f->end_line = (uint32_t)lineno;
    f->evidence = sh_strndup(evid, elen > 1024 ? 1024 : elen);
    f->message = sh_strdup_printf(
        "%s %.*s%s%s%s, %s%s%s, appears here as %s.", sh_ioc_type_name(ioc->type), (int)len, tok,
        ioc->note ? " (" : "", ioc->note ? ioc->note : "", ioc->note ? ")" : "",
        ioc->related ? "an indicator from other reporting than the advisory"
                     : "an indicator of advisory AA25-239A",
        ioc->related ? ": " : "", ioc->related ? ioc->source : "",
        lc ? lc->what : "a mention in this line");
    f->remediation = sh_strdup(
        lc && strcmp(lc->what, "an ACL entry") == 0
            ? "Remove the entry unless it is approved, and review who changed the ACL and when."
            : "Find out why this address or file appears here; treat the device as possibly "
              "compromised and hunt its logs for the same indicator.");
    if (ev && ev->parsed) {
        uint32_t hl = 0, tl = 0;
        const char *host = sh_log_event_get(ev, "host", &hl);
        const char *t = sh_log_event_get(ev, "time", &tl);
        if (host && hl)
            f->device = sh_strndup(host, hl);
        if (t && tl)
            f->time = sh_strndup(t, tl);
    }
    rc |= sh_strlist_push(&f->references, "AA25-239A");
    if (ioc->prefix && ioc->type <= SH_IOC_IPV6 && strchr(ioc->value, '/'))
        rc |= sh_strlist_push(&f->references, ioc->value);
    if (!f->rule || !f->title || !f->path || !f->evidence || !f->message || !f->remediation || rc) {
        sh_finding_free(f);
        return SH_ENOMEM;
    }
    *out = f;
    return SH_OK;
}

static void on_hit(const struct sh_ioc *ioc, const char *tok, size_t off, size_t len, void *ud)
{
    struct sweep *s = ud;
    struct sh_log_event *le = NULL;
    const char *parents[MAX_ANCESTORS];
    size_t lens[MAX_ANCESTORS], i;
    sh_finding *f = NULL;

    SH_UNUSED(off);
    if (s->rc || s->hits >= MAX_HITS_PER_FILE)
        return;
    s->hits++;
    for (i = 0; i < s->n_anc; i++) {
        parents[i] = s->anc[i].p;
        lens[i] = s->anc[i].len;
    }
    if (s->is_log < 0)
        s->is_log = sh_syslog_detect(s->head, s->head_len) > 0;
    if (s->is_log) {
        /* Hits are rare, so parsing the line again here costs nothing. */
        le = sh_calloc(1, sizeof(*le));
        if (le)
            sh_syslog_parse(le, s->line, s->line_len, NULL);
    }
    s->rc = sh_ioc__hit_finding(&f, ioc, tok, len, s->line, s->line_len, parents, lens, s->n_anc,
                                le, s->path, s->lineno);
    sh_free(le);
    if (!s->rc)
        s->rc = sh_findings_take(&s->out->findings, f);
}

/* One complete line of `ll` bytes (without its newline): the first
 * MAX_LINE bytes are swept, a trailing CR dropped. */
static int sweep_line(struct sweep *s, const char *line, size_t ll)
{
    s->lineno++;
    s->line = line;
    s->line_len = ll > MAX_LINE ? MAX_LINE : ll;
    if (s->line_len && s->line[s->line_len - 1] == '\r')
        s->line_len--;
    sh_ioc_sweep(s->ctx->iocs, s->line, s->line_len, on_hit, s);
    track_ancestors(s, s->line, s->line_len);
    return s->rc;
}

/* A line longer than the window: its head is swept as it is, and it opens
 * no section (its end was never seen). */
static int sweep_long_head(struct sweep *s, const char *line)
{
    s->lineno++;
    s->line = line;
    s->line_len = MAX_LINE;
    sh_ioc_sweep(s->ctx->iocs, line, MAX_LINE, on_hit, s);
    return s->rc;
}

static int sweep_buf(struct sweep *s, const char *buf, size_t len, bool final, size_t *used)
{
    size_t pos = 0;

    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t ll;
        if (!nl && !final)
            break;
        ll = nl ? (size_t)(nl - (buf + pos)) : len - pos;
        if (sweep_line(s, buf + pos, ll))
            return s->rc;
        pos += ll + (nl ? 1 : 0);
    }
    *used = pos;
    return SH_OK;
}

static int detect(const char *buf, size_t len, void *scratch)
{
    SH_UNUSED(scratch);
    /* Text only: a NUL in the first page means a binary file. */
    if (memchr(buf, '\0', len < 4096 ? len : 4096))
        return 0;
    return len ? 1 : 0;
}

#define WINDOW SH_IOC_SWEEP_WINDOW

/* Per-worker buffers, so a tree of 10,000 small files does not allocate
 * (and return to the kernel) a large window per file. */
struct ioc_scratch {
    char *win;
    ZSTD_DCtx *z;
};

static void *worker_new(const struct sh_scan_ctx *ctx, void *state)
{
    struct ioc_scratch *sc = sh_calloc(1, sizeof(*sc));

    SH_UNUSED(ctx);
    SH_UNUSED(state);
    if (!sc)
        return NULL;
    sc->win = sh_malloc(WINDOW);
    if (!sc->win) {
        sh_free(sc);
        return NULL;
    }
    return sc;
}

static void worker_free(void *scratch)
{
    struct ioc_scratch *sc = scratch;

    if (!sc)
        return;
    ZSTD_freeDCtx(sc->z);
    sh_free(sc->win);
    sh_free(sc);
}

static void sweep_init(struct sweep *s, const struct sh_scan_ctx *ctx, const char *path,
                       const char *head, size_t head_len, struct sh_scan_out *out)
{
    memset(s, 0, sizeof(*s));
    s->ctx = ctx;
    s->path = path;
    s->out = out;
    s->is_log = -1;
    s->head = head;
    s->head_len = head_len;
}

/* The whole file is already in memory (most configs and captures). */
static int analyze(const struct sh_scan_ctx *ctx, void *state, void *scratch, const char *path,
                   const char *buf, size_t len, struct sh_scan_out *out, sh_diag *diag)
{
    struct sweep s;
    size_t used = 0;

    SH_UNUSED(state);
    SH_UNUSED(scratch);
    SH_UNUSED(diag);
    if (!ctx->iocs || sh_ioc_set_count(ctx->iocs) == 0)
        return SH_OK;
    sweep_init(&s, ctx, path, buf, len, out);
    s.lines_stay = true;
    return sweep_buf(&s, buf, len, true, &used);
}

static bool file_is_zstd(const char *path)
{
    unsigned char m[4];
    FILE *f = fopen(path, "rb");
    bool z;

    if (!f)
        return false;
    z = fread(m, 1, 4, f) == 4 && memcmp(m, "\x28\xb5\x2f\xfd", 4) == 0;
    fclose(f);
    return z;
}

/* Next chunk of decompressed bytes: >0 bytes, 0 at end, -1 on corrupt data. */
static long read_more(gzFile g, ZSTD_DCtx *z, FILE *zf, char *zin, ZSTD_inBuffer *zib, char *dst,
                      size_t room)
{
    if (g) {
        int r = gzread(g, dst, (unsigned)room);
        return r < 0 ? -1 : r;
    }
    for (;;) {
        ZSTD_outBuffer zob = {dst, room, 0};
        size_t zr;
        if (zib->pos == zib->size) {
            zib->size = fread(zin, 1, 65536, zf);
            zib->pos = 0;
            if (zib->size == 0)
                return 0;
        }
        zr = ZSTD_decompressStream(z, &zob, zib);
        if (ZSTD_isError(zr))
            return -1;
        if (zob.pos > 0)
            return (long)zob.pos;
    }
}

/* Streams the file through a fixed window so a 10 GB syslog never loads whole. */
static int analyze_path(const struct sh_scan_ctx *ctx, void *state, void *scratch, const char *path,
                        const char *head, size_t head_len, struct sh_scan_out *out, sh_diag *diag)
{
    struct ioc_scratch *sc = scratch;
    struct sweep s;
    gzFile g = NULL;
    ZSTD_DCtx *z = NULL;
    FILE *zf = NULL;
    char *win;
    size_t have = 0, cap = WINDOW;
    bool eof = false, skipping = false;
    int rc = SH_OK;
    char zin[65536];
    ZSTD_inBuffer zib = {zin, 0, 0};

    SH_UNUSED(state);
    if (!ctx->iocs || sh_ioc_set_count(ctx->iocs) == 0)
        return SH_OK;
    if (!sc)
        return SH_ENOMEM;
    win = sc->win;
    sweep_init(&s, ctx, path, head, head_len, out);
    /* `head` is decompressed already: the magic must come from the file. */
    if (file_is_zstd(path)) {
        if (!sc->z)
            sc->z = ZSTD_createDCtx();
        z = sc->z;
        if (z)
            ZSTD_DCtx_reset(z, ZSTD_reset_session_only);
        zf = fopen(path, "rb");
        if (!z || !zf) {
            rc = sh_diag_set(diag, SH_EIO, path, 0, "cannot open for the indicator sweep");
            goto out;
        }
    } else {
        g = gzopen(path, "rb");
        if (!g) {
            rc = sh_diag_set(diag, SH_EIO, path, 0, "cannot open for the indicator sweep");
            goto out;
        }
        gzbuffer(g, 131072);
    }
    while (!eof || have) {
        size_t used = 0;
        if (!eof && have < cap) {
            long n = read_more(g, z, zf, zin, &zib, win + have, cap - have);
            if (n < 0) {
                rc = sh_diag_set(diag, SH_EPARSE, path, (uint32_t)s.lineno,
                                 "corrupt compressed data");
                goto out;
            }
            if (n == 0)
                eof = true;
            have += (size_t)n;
            out->bytes += (size_t)n;
        }
        if (skipping) {
            /* Drop the rest of an over-long line up to its newline. */
            char *nl = memchr(win, '\n', have);
            used = nl ? (size_t)(nl + 1 - win) : have;
            skipping = nl == NULL;
        } else {
            rc = sweep_buf(&s, win, have, eof, &used);
            if (rc)
                goto out;
            if (used == 0 && have == cap) {
                /* A line longer than the window: sweep its head, skip the rest. */
                sweep_long_head(&s, win);
                used = have;
                skipping = true;
            }
        }
        memmove(win, win + used, have - used);
        have -= used;
        if (eof && (have == 0 || skipping))
            break;
    }
    rc = s.rc;
out:
    if (g)
        gzclose(g);
    if (zf)
        fclose(zf);
    return rc;
}

/* ---- the sweep fed by another reader (sweep.h) ---- */

struct sh_ioc_lines {
    struct sweep s;
};

bool sh_ioc__lines_wanted(const struct sh_scan_ctx *ctx)
{
    return ctx->iocs && sh_ioc_set_count(ctx->iocs) > 0;
}

struct sh_ioc_lines *sh_ioc__lines_new(const struct sh_scan_ctx *ctx, const char *path,
                                       const char *head, size_t head_len, struct sh_scan_out *out)
{
    struct sh_ioc_lines *l = sh_malloc(sizeof(*l));

    if (l) {
        sweep_init(&l->s, ctx, path, head, head_len, out);
        /* the feeder's lines stay put until it calls sh_ioc__lines_detach() */
        l->s.lines_stay = true;
    }
    return l;
}

void sh_ioc__lines_detach(struct sh_ioc_lines *l)
{
    size_t i;

    for (i = 0; l && i < l->s.n_anc; i++) {
        struct ancestor *a = &l->s.anc[i];
        if (a->p != a->text) {
            memmove(a->text, a->p, a->len);
            a->p = a->text;
        }
    }
}

void sh_ioc__lines_free(struct sh_ioc_lines *l)
{
    sh_free(l);
}

int sh_ioc__lines_feed(struct sh_ioc_lines *l, const char *line, size_t ll, uint64_t lineno)
{
    l->s.lineno = lineno - 1;
    if (ll >= WINDOW)
        return sweep_long_head(&l->s, line);
    return sweep_line(&l->s, line, ll);
}

static size_t swept_len(const char *line, size_t ll);

int sh_ioc__lines_pass(struct sh_ioc_lines *l, const char *line, size_t ll, uint64_t lineno)
{
    l->s.lineno = lineno;
    if (ll < WINDOW)
        track_ancestors(&l->s, line, swept_len(line, ll));
    return l->s.rc;
}

static size_t swept_len(const char *line, size_t ll)
{
    size_t n = ll > MAX_LINE ? MAX_LINE : ll;

    if (n && line[n - 1] == '\r')
        n--;
    return n;
}

void sh_ioc__lines_seed(struct sh_ioc_lines *l, const char *line, size_t ll)
{
    if (ll < WINDOW)
        track_ancestors(&l->s, line, swept_len(line, ll));
    sh_ioc__lines_detach(l);
}

bool sh_ioc__lines_resets(const char *line, size_t ll)
{
    size_t n = ll < WINDOW ? swept_len(line, ll) : 0;

    return n > 0 && line[0] != ' ' && line[0] != '\t' && line[0] != '!' && line[0] != '#';
}

/* Name the device of each hit from the other analyzers' view of the same
 * file: the first device record (in the scan's sorted order) that names a
 * host and lists the file among its sources. */
static int finish(const struct sh_scan_ctx *ctx, void *state, sh_scan_result *res, sh_diag *diag)
{
    struct sh_strmap by_path = {0}; /* source path -> device index + 1 */
    size_t i, d, k;
    int rc = SH_OK;

    SH_UNUSED(ctx);
    SH_UNUSED(state);
    SH_UNUSED(diag);
    for (i = 0; i < res->findings.n; i++) {
        if (res->findings.v[i]->kind == SH_KIND_IOC && !res->findings.v[i]->device)
            break;
    }
    if (i == res->findings.n)
        return SH_OK; /* no unnamed hit: no index needed */
    for (d = 0; d < res->n_devices && !rc; d++) {
        const sh_device *dev = res->devices[d];
        if (!dev->hostname)
            continue;
        for (k = 0; k < dev->sources.n && !rc; k++) {
            if (!sh_strmap_has(&by_path, dev->sources.v[k]))
                rc = sh_strmap_put(&by_path, dev->sources.v[k], (void *)(uintptr_t)(d + 1), NULL);
        }
    }
    for (i = 0; i < res->findings.n && !rc; i++) {
        sh_finding *f = res->findings.v[i];
        const sh_device *dev;
        uintptr_t at;
        if (f->kind != SH_KIND_IOC || f->device || !f->path)
            continue;
        at = (uintptr_t)sh_strmap_get(&by_path, f->path);
        if (!at)
            continue;
        dev = res->devices[at - 1];
        f->device = sh_strdup(dev->hostname);
        if (dev->platform && !f->platform)
            f->platform = sh_strdup(dev->platform);
        if (!f->device)
            rc = SH_ENOMEM;
        f->fingerprint[0] = '\0'; /* the device is part of it */
    }
    sh_strmap_free(&by_path, NULL);
    if (rc)
        return rc;
    return SH_OK;
}

/* Indicators imported with `salthunt intel` join the scan's set before any
 * file is swept (the set is still writable while analyzers prepare). */
static int prepare(struct sh_scan_ctx *ctx, void **state_out, sh_diag *diag)
{
    sh_intel_store *store = NULL;
    int rc;

    *state_out = NULL;
    if (!ctx->opts->intel_db || access(ctx->opts->intel_db, R_OK) != 0)
        return SH_OK;
    rc = sh_intel_store_open(&store, ctx->opts->intel_db, diag);
    if (!rc)
        rc = sh_intel_store_load(store, NULL, ctx->iocs, ctx->opts->include_related_iocs, diag);
    sh_intel_store_close(store);
    return rc;
}

const struct sh_analyzer sh_analyzer__ioc = {
    .name = "ioc",
    .always = true,
    .detect = detect,
    .prepare = prepare,
    .worker_new = worker_new,
    .worker_free = worker_free,
    .analyze = analyze,
    .analyze_path = analyze_path,
    .finish = finish,
};
