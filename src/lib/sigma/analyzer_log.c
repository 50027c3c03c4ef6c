/*
 * analyzer_log.c - the log analyzer: Sigma rules over device log files.
 *
 * Claims files that look like device logs (sh_syslog_detect), reads them
 * a buffer at a time (flat memory whatever the size), and turns every
 * match of a generating rule into a finding. Matches that
 * correlation rules read, and per-device time segments, go to one bounded
 * store shared by all workers (under a mutex; matches are rare next to
 * events). finish() runs the correlations across every file of the scan,
 * so a device's rotated logs join up, and reports coverage: log rules that
 * cannot fire for a device whose config in the same scan shows it does not
 * log what they need.
 *
 * Plain (uncompressed) files are read by this analyzer itself, in
 * line-aligned ranges on up to --jobs threads of its own, with the
 * indicator sweep fed the same lines so the file is read once (see "plain
 * files" below and docs/internals/SYSLOG.md); compressed files are decoded
 * by sh_logreader and read the same way as one range.
 *
 * State: the compiled rule set and the store are built in prepare() and
 * owned by the analyzer state; each worker owns a scratch (and the threads
 * of a range read own theirs for that file only).
 */
#include "../base/sh_base.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../intel/ioc.h"
#include "../intel/sweep.h"
#include "../log/reader.h"
#include "../log/syslog.h"
#include "../policy/policy.h"
#include "../scan/scan_int.h"
#include "sigma_corr.h"
#include "sigma_eval.h"
#include "sigma_int.h"

#define MAX_EVIDENCE 4096
#define MAX_MSG_EVENTS 10
#define MAX_REF_EVENTS 256
#define MAX_HOSTS 100000

struct log_state {
    sh_sigma_set *set;
    struct sg_hits *hits;
    struct sh_strmap hosts; /* lower-case hostnames seen in logs */
    pthread_mutex_t lock;
    /* The block database with the indicator prefilter's texts (sweep.h),
     * built on first use under `lock` (the scan's indicator set is complete
     * only once every analyzer has prepared); NULL: every line is swept. */
    struct sg_xblock *xb;
    bool xb_tried;
};

/* One thread's buffers for reading plain files (see "plain files" below). */
struct lane {
    struct sg_scratch *sc;
    struct sh_log_event *ev;
    char *buf; /* BUF_CAP bytes of the file, and a byte to end the last line on */
    bool xb;   /* its scratch scans blocks with log_state.xb */
};

struct log_worker {
    struct sg_scratch *sc;
    struct sg_timeline *tl;
    struct lane *lane; /* made on first use */
    /* sweeps() said this file's lines get the indicator sweep here */
    const char *sweep_path;
    bool sweep;
};

static void lane_free(struct lane *ln);

/* ---- prepare / release ---- */

static bool policy_contains(const struct sh_policy *p, enum sh_policy_key k, const char *v)
{
    return sh_policy_contains(p, k, v);
}

static void release(void *state)
{
    struct log_state *st = state;

    if (!st)
        return;
    sh_sigma_set_free(st->set);
    sh_sigma__hits_free(st->hits);
    sh_sigma__xblock_free(st->xb);
    sh_strmap_free(&st->hosts, NULL);
    pthread_mutex_destroy(&st->lock);
    sh_free(st);
}

struct first_err {
    sh_diag d;
    bool have;
};

static void keep_first(const sh_diag *d, bool error, void *ud)
{
    struct first_err *f = ud;

    if (error && !f->have) {
        f->d = *d;
        f->have = true;
    }
}

static int prepare(struct sh_scan_ctx *ctx, void **state_out, sh_diag *diag)
{
    struct log_state *st = sh_calloc(1, sizeof(*st));
    struct first_err fe;
    int rc = SH_OK;

    *state_out = NULL;
    if (!st)
        return SH_ENOMEM;
    pthread_mutex_init(&st->lock, NULL);
    memset(&fe, 0, sizeof(fe));
    rc = sh_sigma_set_new(&st->set);
    if (!rc)
        rc = sh_sigma__hits_new(&st->hits, 0);
    if (rc)
        goto fail;
    sh_sigma_set_on_diag(st->set, keep_first, &fe);
    if (!ctx->opts->no_builtin_rules) {
        rc = sh_sigma_load_builtin(st->set, diag);
        if (rc)
            goto fail;
    }
    if (ctx->opts->rule_paths) {
        const char *const *p;
        /* --rules also names config-rule packs: only Sigma documents are ours */
        st->set->skip_foreign = true;
        for (p = ctx->opts->rule_paths; *p; p++) {
            rc = sh_sigma_load_path(st->set, *p, diag);
            if (rc)
                goto fail;
        }
    }
    st->set->policy_contains = policy_contains;
    rc = sh_sigma_compile(st->set, ctx->policy, diag);
    if (rc)
        goto fail;
    sh_sigma_set_on_diag(st->set, NULL, NULL);
    *state_out = st;
    return SH_OK;
fail:
    if (fe.have && diag)
        *diag = fe.d;
    if (diag && !diag->code)
        sh_diag_set(diag, rc, NULL, 0, "loading log rules: %s", sh_status_str(rc));
    release(st);
    return rc;
}

static void *worker_new(const struct sh_scan_ctx *ctx, void *state)
{
    struct log_state *st = state;
    struct log_worker *w = sh_calloc(1, sizeof(*w));

    (void)ctx;
    if (!w || !st)
        goto fail;
    if (sh_sigma__scratch_new(st->set, &w->sc) ||
        sh_sigma__timeline_new(&w->tl, sh_sigma__min_gap_ms(st->set)))
        goto fail;
    return w;
fail:
    if (w) {
        sh_sigma__scratch_free(w->sc);
        sh_sigma__timeline_free(w->tl);
        sh_free(w);
    }
    return NULL;
}

static void worker_free(void *scratch)
{
    struct log_worker *w = scratch;

    if (!w)
        return;
    sh_sigma__scratch_free(w->sc);
    sh_sigma__timeline_free(w->tl);
    lane_free(w->lane);
    sh_free(w);
}

static int detect(const char *buf, size_t len, void *scratch)
{
    SH_UNUSED(scratch);
    return sh_syslog_detect(buf, len);
}

/* ---- findings ---- */

static char *field_dup(const struct sh_log_event *ev, const char *name)
{
    size_t n = 0;
    const char *v = sh_sigma__event_field(ev, name, &n);

    return v ? sh_strndup(v, n) : NULL;
}

/* A best guess at the platform from the shape of the line. */
static const char *platform_of(const char *raw)
{
    if (!raw)
        return NULL;
    if (strstr(raw, "%ASA-"))
        return "asa";
    if (strstr(raw, "%FTD-"))
        return "ftd";
    if (strstr(raw, "RP/0/") || strstr(raw, "LC/0/") || strstr(raw, "%MGBL-") ||
        strstr(raw, "%INFRA-") || strstr(raw, "%SECURITY-"))
        return "iosxr";
    if (strstr(raw, "%AAA-6-AAA_ACCOUNTING_MESSAGE") || strstr(raw, "%VSHD-") ||
        strstr(raw, "%VMAN-") || strstr(raw, "%ETHPORT-") || strstr(raw, "%ETH_SPAN-"))
        return "nxos";
    if (strstr(raw, "<enteredCommand>") || strstr(raw, "%WEBUI-") || strstr(raw, "%IM-6-IOX") ||
        strstr(raw, "%BUFCAP-") || strstr(raw, "SEP_webui_wsma"))
        return "iosxe";
    if (strstr(raw, "devname=") && strstr(raw, "logid="))
        return "fortios";
    if (strstr(raw, "UI_COMMIT") || strstr(raw, " mgd[") || strstr(raw, " rpd["))
        return "junos";
    if (strstr(raw, "%%01") || strstr(raw, "%%10"))
        return "vrp";
    if (strstr(raw, "%PARSER-") || strstr(raw, "%SYS-") || strstr(raw, "%SEC_LOGIN-") ||
        strstr(raw, "%HA_EM-") || strstr(raw, "%LINEPROTO-"))
        return "ios";
    return NULL;
}

static int add_attack(sh_finding *f, const struct sg_rule *r)
{
    size_t i;

    for (i = 0; i < r->ntags; i++) {
        const char *t = r->tags[i];
        char buf[32];
        size_t j, n;
        if (strncasecmp(t, "attack.t", 8) != 0 || !isdigit((unsigned char)t[8]))
            continue;
        n = strlen(t + 7);
        if (n >= sizeof(buf))
            continue;
        for (j = 0; j < n; j++)
            buf[j] = (char)toupper((unsigned char)t[7 + j]);
        buf[n] = '\0';
        if (sh_strlist_push(&f->attack, buf))
            return SH_ENOMEM;
    }
    return SH_OK;
}

static char *rfc3339(int64_t ms)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    char buf[96];

    if (!ms || !gmtime_r(&s, &tm))
        return NULL;
    snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
    return sh_strdup(buf);
}

int sh_sigma__rule_meta(sh_finding *f, const struct sg_rule *r)
{
    size_t i;

    f->rule = sh_strdup(r->id ? r->id : r->title);
    f->title = sh_strdup(r->title);
    f->kind = SH_KIND_TTP;
    f->severity = r->severity;
    if (!f->rule || !f->title)
        return SH_ENOMEM;
    for (i = 0; i < r->nrefs; i++)
        if (sh_strlist_push(&f->references, r->refs[i]))
            return SH_ENOMEM;
    return add_attack(f, r);
}

/* An advisory indicator among the event's addresses turns a TTP into an IOC. */
static const struct sh_ioc *ioc_of(const struct sh_ioc_set *iocs, const struct sh_log_event *ev,
                                   const char **which)
{
    static const char *const fields[] = {"src_ip", "dst_ip"};
    size_t i, n = 0;

    if (!iocs)
        return NULL;
    for (i = 0; i < SH_ARRAY_LEN(fields); i++) {
        const char *v = sh_sigma__event_field(ev, fields[i], &n);
        const struct sh_ioc *ioc = v ? sh_ioc_lookup(iocs, v, n) : NULL;
        if (ioc) {
            *which = fields[i];
            return ioc;
        }
    }
    return NULL;
}

int sh_sigma__event_finding(sh_finding **out, const struct sg_rule *r,
                            const struct sh_log_event *ev, const char *path,
                            const struct sh_ioc_set *iocs)
{
    sh_finding *f = sh_finding_new();
    struct sh_buf msg;
    static const char *const keys[] = {"user", "src_ip", "command"};
    const struct sh_ioc *ioc;
    const char *which = NULL;
    size_t i, n = 0;
    bool first = true;
    int rc;

    *out = NULL;
    if (!f)
        return SH_ENOMEM;
    sh_buf_init(&msg, 8192);
    rc = sh_sigma__rule_meta(f, r);
    if (rc)
        goto out;
    f->device = field_dup(ev, "host");
    f->platform = platform_of(ev->raw) ? sh_strdup(platform_of(ev->raw)) : NULL;
    f->path = sh_strdup(path);
    f->line = f->end_line = (uint32_t)ev->line;
    f->evidence = sh_strndup(ev->raw, ev->raw_len < MAX_EVIDENCE ? ev->raw_len : MAX_EVIDENCE);
    f->time = field_dup(ev, "time");
    if (!f->time)
        f->time = rfc3339(ev->ts_ms);
    if (!f->path || !f->evidence) {
        rc = SH_ENOMEM;
        goto out;
    }
    rc = sh_buf_adds(&msg, r->title);
    for (i = 0; i < SH_ARRAY_LEN(keys) && !rc; i++) {
        const char *v = sh_sigma__event_field(ev, keys[i], &n);
        if (v && n) {
            rc = sh_buf_printf(&msg, "%s %s=%.*s", first ? ":" : ",", keys[i],
                               (int)(n > 512 ? 512 : n), v);
            first = false;
        }
    }
    ioc = ioc_of(iocs, ev, &which);
    if (ioc && !rc) {
        f->kind = SH_KIND_IOC;
        if (f->severity < SH_SEV_HIGH)
            f->severity = SH_SEV_HIGH;
        rc = sh_buf_printf(&msg, "; %s %s is an indicator from %s%s", which, ioc->value,
                           ioc->source ? ioc->source : "threat intelligence",
                           ioc->related ? " (related reporting, not the advisory)" : "");
        if (!rc && ioc->source)
            rc = sh_strlist_push(&f->references, ioc->source);
    }
    if (rc)
        goto out;
    f->message = sh_buf_detach(&msg);
    if (!f->message) {
        rc = SH_ENOMEM;
        goto out;
    }
    *out = f;
    f = NULL;
out:
    sh_buf_free(&msg);
    sh_finding_free(f);
    return rc;
}

/* Add the event's host to m, lower-cased; *in tells whether it is there. */
static int note_host(struct sh_strmap *m, const struct sh_log_event *ev, bool *in)
{
    size_t n = 0;
    const char *v = sh_sigma__event_field(ev, "host", &n);
    char buf[256];

    *in = false;
    if (!v || !n || n >= sizeof(buf))
        return SH_OK;
    sh_ascii_lower(buf, v, n);
    buf[n] = '\0';
    if (sh_strmap_has(m, buf)) {
        *in = true;
        return SH_OK;
    }
    if (m->n >= MAX_HOSTS)
        return SH_OK;
    *in = true;
    return sh_strmap_put(m, buf, NULL, NULL);
}

/* ---- plain files: read once, in line-aligned ranges on every core ----
 *
 * An uncompressed log is read with pread() in ranges that start at a line
 * start, one range at a time per thread. Every line gets exactly what the
 * streaming path gives it (the same cut at the reader's line limit, the
 * same CR handling, the same parse options), and the indicator sweep is
 * fed the same lines (sweep.h) instead of reading the file again. Lines
 * are numbered within their range and shifted when the ranges are joined
 * in file order: findings, correlation hits, device timelines (merged by
 * sh_sigma__timeline_merge) and hosts come out as one pass over the file
 * would make them. Ranges are joined into the file's own store, timeline
 * and host list as soon as every range before them is (by the thread that
 * finishes the last of those), and the file's state goes to the scan's in
 * one step at the end. When a range hits a bound under which the join
 * would not be exact, nothing has reached the scan's state yet: the file
 * is read again in one piece.
 */

#define LOG_MAX_LINE SH_LOGREADER_MAX_LINE_DEFAULT
#define BLOCK ((size_t)1 << 20)
#define BUF_CAP (BLOCK + SH_IOC_SWEEP_WINDOW)
/* Files below two ranges are read by one thread. A build may set a small
 * value (-DSH_LOG_RANGE_MIN=...) to exercise the joins on small files. */
#ifndef SH_LOG_RANGE_MIN
#define SH_LOG_RANGE_MIN ((uint64_t)16 << 20)
#endif
#define RANGE_MIN ((uint64_t)SH_LOG_RANGE_MIN)
#define MAX_RANGES 256
#define MAX_THREADS 64
#define SPLIT_LOOK ((size_t)256 << 10)

struct chunk {
    uint64_t off, len;
    char *seed; /* the line before the range (sweep context), owned */
    size_t seed_len;
    struct sh_scan_out out;  /* rule findings */
    struct sh_scan_out iout; /* indicator findings */
    struct sg_hits *hits;
    struct sg_timeline *tl; /* chunk timeline, or the file's when alone */
    struct sh_strmap hosts;
    /* Every line names its host, and the host list and the range timeline
     * each looked it up by name: one entry per host spelling holds the
     * timeline's device record (ptr) and whether the list has it (flag). */
    struct sh_ikmap hc;
    uint64_t lines, unparsed;
    int rc;
    sh_diag diag;
    bool finished; /* read (or failed); under plain_run.jlock */
};

struct plain_run {
    const struct sh_scan_ctx *ctx;
    struct log_state *st;
    struct log_worker *w;
    const char *path, *head;
    size_t head_len;
    int fd;
    struct sh_logreader *rd; /* compressed input: read in one range through it */
    uint64_t lines;          /* lines of the file, once joined */
    struct sh_syslog_opts opts;
    bool sweep;
    struct chunk *chunks;
    size_t n;
    atomic_size_t next;
    /* The join (several ranges): whichever thread finishes a range joins
     * every finished range that follows the joined ones, in file order, one
     * joiner at a time. jlock guards finished, joined, joining and pool;
     * the rest belongs to the joiner of the moment. */
    pthread_mutex_t jlock;
    size_t joined;
    bool joining;
    /* emptied range stores and timelines, for the next ranges */
    struct sh_ptrvec pool, tpool; /* struct sg_hits *, struct sg_timeline * */
    struct sg_hits *fh;           /* the file's hits so far */
    struct sg_timeline *ftl;
    struct sh_strmap hosts;
    uint64_t base;    /* lines of the joined ranges */
    int jrc;          /* first failure of the join (SH_ELIMIT: read in one piece) */
    atomic_bool stop; /* a range failed or the join refused: read no more ranges */
};

struct chunk_ctx {
    const struct plain_run *pr;
    struct chunk *c;
};

static void lane_free(struct lane *ln)
{
    if (!ln)
        return;
    sh_sigma__scratch_free(ln->sc);
    sh_free(ln->ev);
    sh_free(ln->buf);
    sh_free(ln);
}

static struct lane *lane_new(const struct log_state *st)
{
    struct lane *ln = sh_calloc(1, sizeof(*ln));

    if (!ln)
        return NULL;
    ln->ev = sh_calloc(1, sizeof(*ln->ev));
    ln->buf = sh_malloc(BUF_CAP + 1);
    if (!ln->ev || !ln->buf || sh_sigma__scratch_new(st->set, &ln->sc)) {
        lane_free(ln);
        return NULL;
    }
    return ln;
}

static void chunk_clear(struct chunk *c, bool own_tl)
{
    sh_findings_clear(&c->out.findings);
    sh_findings_clear(&c->iout.findings);
    sh_sigma__hits_free(c->hits);
    if (own_tl)
        sh_sigma__timeline_free(c->tl);
    sh_strmap_free(&c->hosts, NULL);
    sh_ikmap_free(&c->hc);
    sh_free(c->seed);
    memset(c, 0, sizeof(*c));
}

static int chunk_match(const struct sg_rule *r, const struct sh_log_event *ev, void *ud)
{
    struct chunk_ctx *cc = ud;
    sh_finding *f = NULL;
    int rc;

    if (r->corr_input && (rc = sh_sigma__hits_add(cc->c->hits, r, ev, cc->pr->path)) != 0)
        return rc;
    if (r->suppressed)
        return SH_OK;
    rc = sh_sigma__event_finding(&f, r, ev, cc->pr->path, cc->pr->ctx->iocs);
    return rc ? rc : sh_findings_take(&cc->c->out.findings, f);
}

/* sh_sigma__event_field(ev, "host"): the parsers name the host first
 * when there is one, so the first field settles nearly every line. */
static inline const char *event_host(const struct sh_log_event *ev, size_t *len)
{
    const struct sh_log_field *f = &ev->fields[0];

    if (ev->n_fields && f->value && f->name && f->name[0] == 'h' && f->name[1] == 'o' &&
        f->name[2] == 's' && f->name[3] == 't' && f->name[4] == '\0') {
        *len = f->len;
        return f->value;
    }
    return sh_sigma__event_field(ev, "host", len);
}

/* One line of `ll` bytes (without its newline; `p` holds at least the
 * first BUF_CAP of them, in the lane's buffer). `at` is its offset in the
 * lane's last block scan, SIZE_MAX when it was not in one; `pos` 1 + its
 * offset in the file, 0 when the file cannot be read there (compressed).
 * The line is NUL-terminated where it stands, on its newline (or CR, or
 * the byte past the reader's limit), and that byte is put back after:
 * the buffer's bytes after the line are read later. */
static int chunk_line(struct chunk_ctx *cc, struct lane *ln, struct sh_ioc_lines *sw, char *p,
                      size_t ll, uint64_t lineno, size_t at, uint64_t pos)
{
    struct chunk *c = cc->c;
    struct sh_log_event *ev = ln->ev;
    struct sh_ikmap_ent *he;
    const char *v;
    size_t n = ll, vn = 0;
    bool quiet = false, head = false, nonraw = false, command = false;
    int rc, q;
    char saved;

    /* a line the indicator prefilter found nothing in holds no hit */
    if (sw && (rc = at != SIZE_MAX && ln->xb && !sh_sigma__block_text_in(ln->sc, at, at + ll)
                        ? sh_ioc__lines_pass(sw, p, ll, lineno)
                        : sh_ioc__lines_feed(sw, p, ll, lineno)) != 0)
        return rc;
    /* as the streaming reader delivers it: CR dropped, then cut at its limit */
    if (n && p[n - 1] == '\r')
        n--;
    if (n > LOG_MAX_LINE)
        n = LOG_MAX_LINE;
    saved = p[n];
    p[n] = '\0';
    ev->path = cc->pr->path;
    ev->line = lineno;
    ev->pos = pos;
    /* A line whose prefilter anchors make no rule a candidate only needs
     * its header (host and time, for the host list and silences), unless
     * the parser says the rest of it could yield a value a rule reads. A
     * line whose candidates only read the raw line and keep only the host
     * (`head`) may be settled from its header too; the rules decide below. */
    if (at != SIZE_MAX && (q = sh_sigma__span_quiet_ex(ln->sc, at, at + ll)) != 0) {
        unsigned hint = 0;
        sh_syslog_parse_header(ev, p, n, &cc->pr->opts, &hint);
        nonraw = (hint & SH_SYSLOG_HINT_NONRAW) != 0;
        command = (hint & SH_SYSLOG_HINT_COMMAND) != 0;
        if (q == 3)
            head = true;
        else
            quiet = sh_sigma__quiet_hints(ln->sc, q, nonraw, command);
    }
    if (!quiet && !head)
        sh_syslog_parse(ev, p, n, &cc->pr->opts);
    c->lines++;
    if (!ev->parsed)
        c->unparsed++;
    he = NULL;
    if ((v = event_host(ev, &vn)) != NULL && vn && !memchr(v, '\0', vn)) {
        c->hc.max = MAX_HOSTS;
        he = sh_ikmap_find(&c->hc, v, vn);
    }
    rc = SH_OK;
    if (!he || !he->flag) {
        bool in;
        rc = note_host(&c->hosts, ev, &in);
        if (he)
            he->flag = in;
    }
    if (!rc)
        rc = sh_sigma__timeline_event_at(c->tl, ev, he ? &he->ptr : NULL);
    if (!rc && head) {
        /* host and time are the full parse's already */
        rc = sh_sigma__eval_span_header(ln->sc, ev, nonraw, command, at, at + ll, chunk_match, cc);
        if (rc == 0) {
            sh_syslog_parse(ev, p, n, &cc->pr->opts);
            rc = sh_sigma__eval_span(ln->sc, ev, at, at + ll, chunk_match, cc);
        } else if (rc > 0) {
            rc = SH_OK;
        }
    } else if (!rc && !quiet) {
        rc = at == SIZE_MAX ? sh_sigma__eval(ln->sc, ev, chunk_match, cc)
                            : sh_sigma__eval_span(ln->sc, ev, at, at + ll, chunk_match, cc);
    }
    p[n] = saved;
    return rc;
}

static int read_at(int fd, char *dst, size_t n, uint64_t off, size_t *got)
{
    *got = 0;
    while (*got < n) {
        ssize_t r = pread(fd, dst + *got, n - *got, (off_t)(off + *got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return SH_EIO;
        if (r == 0)
            break;
        *got += (size_t)r;
    }
    return SH_OK;
}

/* buf[0, end) holds the file's bytes up to `pos`; compressed input has no
 * positions to read back at */
#define POS(i) (pr->rd ? 0 : pos - end + (i) + 1)

static int chunk_run(const struct plain_run *pr, struct chunk *c, struct lane *ln)
{
    struct chunk_ctx cc = {pr, c};
    struct sh_ioc_lines *sw = NULL;
    char *buf = ln->buf;
    uint64_t pos = c->off, stop = c->off + c->len, lineno = 0;
    size_t start = 0, end = 0, blk_from = 0, blk_to = 0;
    bool skipping = false, eof = c->len == 0, blk = false;
    int rc = SH_OK;

    if (pr->sweep) {
        sw = sh_ioc__lines_new(pr->ctx, pr->path, pr->head, pr->head_len, &c->iout);
        if (!sw)
            return SH_ENOMEM;
        /* the prefilter rides along in the block scans from now on (a
         * scratch that cannot take it sweeps every line) */
        if (pr->st->xb && !ln->xb)
            ln->xb = sh_sigma__scratch_xblock(ln->sc, pr->st->xb) == SH_OK;
        if (c->seed)
            sh_ioc__lines_seed(sw, c->seed, c->seed_len);
    }
    for (;;) {
        char *nl = start < end ? memchr(buf + start, '\n', end - start) : NULL;
        size_t want, got = 0;

        if (nl) {
            size_t ll = (size_t)(nl - (buf + start));
            if (start >= blk_to) {
                /* the prefilter runs once over every whole line in the buffer */
                const char *last = memrchr(buf + start, '\n', end - start);
                blk_from = start;
                blk_to = (size_t)(last - buf) + 1;
                blk = sh_sigma__block_scan(ln->sc, buf + blk_from, blk_to - blk_from);
            }
            if (skipping)
                skipping = false;
            else if ((rc = chunk_line(&cc, ln, sw, buf + start, ll, ++lineno,
                                      blk ? start - blk_from : SIZE_MAX, POS(start))) != 0)
                break;
            start += ll + 1;
            continue;
        }
        blk = false;
        blk_to = 0;
        sh_sigma__block_reset(ln->sc);
        sh_ioc__lines_detach(sw); /* the buffer's lines are about to move */
        if (eof) {
            if (!skipping && start < end)
                rc = chunk_line(&cc, ln, sw, buf + start, end - start, ++lineno, SIZE_MAX,
                                POS(start));
            break;
        }
        if (skipping) {
            start = end = 0;
        } else if (start == 0 && end == BUF_CAP) {
            /* longer than the buffer: its head is the line, the rest is dropped */
            if ((rc = chunk_line(&cc, ln, sw, buf, end, ++lineno, SIZE_MAX, POS(0))) != 0)
                break;
            skipping = true;
            start = end = 0;
        } else if (start > 0) {
            memmove(buf, buf + start, end - start);
            end -= start;
            start = 0;
        }
        want = BUF_CAP - end;
        if (want > stop - pos)
            want = (size_t)(stop - pos);
        if (pr->rd) {
            if ((rc = sh_logreader_read(pr->rd, buf + end, want, &got, &c->diag)) < 0)
                break;
        } else if (read_at(pr->fd, buf + end, want, pos, &got) != 0) {
            rc = sh_diag_set(&c->diag, SH_EIO, pr->path, 0, "read: %s", strerror(errno));
            break;
        }
        pos += got;
        end += got;
        if (got < want || pos == stop)
            eof = true;
    }
    sh_ioc__lines_free(sw);
    return rc;
}

#undef POS

static int union_hosts(struct sh_strmap *dst, const struct sh_strmap *src, size_t max, bool *over)
{
    size_t i;
    int rc = SH_OK;

    for (i = 0; i < src->cap && !rc; i++) {
        if (!src->ents || !src->ents[i].key || sh_strmap_has(dst, src->ents[i].key))
            continue;
        if (dst->n >= max) {
            *over = true;
            break;
        }
        rc = sh_strmap_put(dst, src->ents[i].key, NULL, NULL);
    }
    return rc;
}

/* A range's store and chunk timeline: emptied ones of earlier ranges
 * first, so their vectors and tables are not grown (and faulted in) again. */
static int chunk_stores(struct plain_run *pr, struct chunk *c)
{
    int64_t gap = sh_sigma__min_gap_ms(pr->st->set);

    pthread_mutex_lock(&pr->jlock);
    if (pr->pool.n)
        c->hits = pr->pool.v[--pr->pool.n];
    if (pr->tpool.n)
        c->tl = pr->tpool.v[--pr->tpool.n];
    pthread_mutex_unlock(&pr->jlock);
    if (!c->hits && sh_sigma__hits_new(&c->hits, 0))
        return SH_ENOMEM;
    if (!c->tl && sh_sigma__timeline_chunk_new(&c->tl, gap))
        return SH_ENOMEM;
    return SH_OK;
}

/* Join range `c` (the one after every joined range) into the file's
 * state: first what may refuse, then the hits. The scan's state is only
 * touched once every range is joined (run_ranges), so a refusal leaves
 * nothing behind when the file is read again in one piece. */
static void join_one(struct plain_run *pr, struct chunk *c)
{
    bool over = false;
    int rc = pr->jrc;

    if (!rc)
        rc = c->rc;
    if (!rc)
        rc = sh_sigma__timeline_merge(pr->ftl, c->tl, pr->base);
    /* a range that filled its host list may have missed some */
    if (!rc && c->hosts.n >= MAX_HOSTS)
        over = true;
    if (!rc && !over)
        rc = union_hosts(&pr->hosts, &c->hosts, MAX_HOSTS, &over);
    if (!rc && over)
        rc = SH_ELIMIT;
    if (!rc)
        rc = sh_sigma__hits_absorb(pr->fh, c->hits, pr->base);
    pr->base += c->lines;
    pr->jrc = rc;
    if (rc)
        atomic_store(&pr->stop, true);
    sh_strmap_free(&c->hosts, NULL);
    memset(&c->hosts, 0, sizeof(c->hosts));
    /* the host table points into the chunk timeline */
    sh_ikmap_free(&c->hc);
}

/* Range `k` is read: join what is ready, unless another thread is at it
 * (it will find this range before it stops). */
static void chunk_done(struct plain_run *pr, size_t k)
{
    pthread_mutex_lock(&pr->jlock);
    pr->chunks[k].finished = true;
    if (pr->joining) {
        pthread_mutex_unlock(&pr->jlock);
        return;
    }
    pr->joining = true;
    while (pr->joined < pr->n && pr->chunks[pr->joined].finished) {
        struct chunk *c = &pr->chunks[pr->joined];
        bool keep;
        pthread_mutex_unlock(&pr->jlock);
        join_one(pr, c);
        pthread_mutex_lock(&pr->jlock);
        pr->joined++;
        /* a store the join emptied serves the next range; after a failure
         * it may hold what was not joined */
        keep = !pr->jrc && c->hits && sh_ptrvec_push(&pr->pool, c->hits) == 0;
        if (!keep)
            sh_sigma__hits_free(c->hits);
        c->hits = NULL;
        keep = !pr->jrc && c->tl && sh_ptrvec_push(&pr->tpool, c->tl) == 0;
        if (!keep)
            sh_sigma__timeline_free(c->tl);
        c->tl = NULL;
    }
    pr->joining = false;
    pthread_mutex_unlock(&pr->jlock);
}

static void chunk_loop(struct plain_run *pr, struct lane *ln)
{
    size_t k;

    while ((k = atomic_fetch_add(&pr->next, 1)) < pr->n) {
        struct chunk *c = &pr->chunks[k];
        if (pr->n == 1) {
            c->rc = chunk_run(pr, c, ln);
            continue;
        }
        /* after a failure the file's result is that failure (or a read
         * in one piece): the ranges left are not read */
        if (!atomic_load(&pr->stop)) {
            c->rc = chunk_stores(pr, c);
            if (!c->rc)
                c->rc = chunk_run(pr, c, ln);
            if (c->rc)
                atomic_store(&pr->stop, true);
        }
        chunk_done(pr, k);
    }
}

static void *chunk_thread(void *arg)
{
    struct plain_run *pr = arg;
    struct lane *ln = lane_new(pr->st);

    if (ln)
        chunk_loop(pr, ln);
    lane_free(ln);
    return NULL;
}

/* Range boundaries: a line start after `at` such that both it and the line
 * before it reset the sweep's section context (sh_ioc__lines_resets), so a
 * range needs only that one line before it. 0 when none is near. */
static uint64_t split_after(int fd, uint64_t at, uint64_t size, char *buf, char **seed,
                            size_t *seed_len)
{
    size_t got = 0, i, prev = SIZE_MAX, cur;
    const char *nl;

    if (read_at(fd, buf, SPLIT_LOOK, at, &got) != 0)
        return 0;
    nl = memchr(buf, '\n', got);
    if (!nl)
        return 0;
    for (i = (size_t)(nl - buf) + 1; i < got; i = cur + 1) {
        nl = memchr(buf + i, '\n', got - i);
        if (!nl)
            return 0;
        cur = (size_t)(nl - buf);
        if (!sh_ioc__lines_resets(buf + i, cur - i)) {
            prev = SIZE_MAX;
            continue;
        }
        if (prev != SIZE_MAX) {
            if (at + i >= size)
                return 0;
            *seed = sh_strndup(buf + prev, i - 1 - prev);
            *seed_len = i - 1 - prev;
            return *seed ? at + i : 0;
        }
        prev = i;
    }
    return 0;
}

/* Cut the file into ranges that shrink towards its end (each about a
 * 2*threads-th of what is left, at least RANGE_MIN): threads take them in
 * turn, so the last ones to finish are small and no thread idles long
 * while another reads a large range. */
static size_t plan(struct plain_run *pr, uint64_t size, unsigned threads)
{
    size_t cap = 1;
    uint64_t off = 0;

    if (threads > 1 && size >= 2 * RANGE_MIN) {
        cap = size / RANGE_MIN < MAX_RANGES ? (size_t)(size / RANGE_MIN) : MAX_RANGES;
    }
    pr->chunks = sh_calloc(cap, sizeof(*pr->chunks));
    if (!pr->chunks)
        return 0;
    pr->n = 1;
    while (pr->n < cap) {
        struct chunk *c = &pr->chunks[pr->n];
        uint64_t len = (size - off) / (2 * (uint64_t)threads), at, s = 0;
        if (len < RANGE_MIN)
            len = RANGE_MIN;
        /* no boundary near the mark: look further on */
        for (at = off + len; at + RANGE_MIN <= size && s <= off; at += len) {
            sh_free(c->seed);
            c->seed = NULL;
            s = split_after(pr->fd, at, size, pr->w->lane->buf, &c->seed, &c->seed_len);
        }
        if (s <= off) {
            sh_free(c->seed);
            c->seed = NULL;
            break;
        }
        pr->chunks[pr->n - 1].len = s - off;
        c->off = off = s;
        pr->n++;
    }
    pr->chunks[pr->n - 1].len = size - pr->chunks[pr->n - 1].off;
    return pr->n;
}

static void plain_free(struct plain_run *pr)
{
    size_t k;

    for (k = 0; k < pr->n; k++)
        chunk_clear(&pr->chunks[k], pr->n > 1);
    sh_free(pr->chunks);
    pr->chunks = NULL;
    pr->n = 0;
    while (pr->pool.n)
        sh_sigma__hits_free(pr->pool.v[--pr->pool.n]);
    sh_ptrvec_free(&pr->pool);
    while (pr->tpool.n)
        sh_sigma__timeline_free(pr->tpool.v[--pr->tpool.n]);
    sh_ptrvec_free(&pr->tpool);
    sh_sigma__hits_free(pr->fh);
    pr->fh = NULL;
    sh_sigma__timeline_free(pr->ftl);
    pr->ftl = NULL;
    sh_strmap_free(&pr->hosts, NULL);
    memset(&pr->hosts, 0, sizeof(pr->hosts));
    pthread_mutex_destroy(&pr->jlock);
}

/* Shift a range's findings to file lines and move them to `dst`; `*left`
 * of them at most (the rest are dropped). */
static int take_findings(sh_findings *dst, sh_findings *src, uint64_t base, size_t *left)
{
    size_t i;
    int rc = SH_OK;

    for (i = 0; i < src->n; i++) {
        sh_finding *f = src->v[i];
        src->v[i] = NULL;
        if (rc || (left && *left == 0)) {
            sh_finding_free(f);
            continue;
        }
        f->line = (uint32_t)(f->line + base);
        f->end_line = (uint32_t)(f->end_line + base);
        if (left)
            (*left)--;
        rc = sh_findings_take(dst, f);
    }
    src->n = 0;
    return rc;
}

/*
 * Read plain file `fd` in `threads` threads. SH_ELIMIT (nothing changed)
 * when the ranges cannot be joined exactly and the file must be read in
 * one piece (threads = 1).
 */
static int run_ranges(struct plain_run *pr, uint64_t size, unsigned threads,
                      struct sh_scan_out *out, sh_diag *diag)
{
    pthread_t tids[MAX_THREADS];
    unsigned t, started = 0;
    uint64_t base = 0;
    size_t k, ioc_left = SH_IOC_SWEEP_MAX_HITS;
    struct sg_hits *fh;
    struct sh_strmap *hosts;
    int rc = SH_OK;

    pthread_mutex_init(&pr->jlock, NULL);
    pr->joined = 0;
    pr->joining = false;
    pr->base = 0;
    pr->jrc = SH_OK;
    atomic_store(&pr->stop, false);
    if (!plan(pr, size, threads)) {
        pthread_mutex_destroy(&pr->jlock);
        return sh_diag_set(diag, SH_ENOMEM, pr->path, 0, "log analyzer: out of memory");
    }
    if (pr->n > 1) {
        rc = sh_sigma__timeline_new(&pr->ftl, sh_sigma__min_gap_ms(pr->st->set));
        if (!rc)
            rc = sh_sigma__hits_new(&pr->fh, 0);
    } else {
        /* one range: the worker's file timeline and the range's own store */
        pr->chunks[0].tl = pr->w->tl;
        rc = sh_sigma__hits_new(&pr->chunks[0].hits, 0);
    }
    if (rc)
        goto out;
    atomic_store(&pr->next, 0);
    if (threads > pr->n)
        threads = (unsigned)pr->n;
    for (t = 1; t < threads && t < MAX_THREADS; t++) {
        if (pthread_create(&tids[started], NULL, chunk_thread, pr) != 0)
            break;
        started++;
    }
    chunk_loop(pr, pr->w->lane);
    for (t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
    for (k = 0; k < pr->n; k++) {
        if (pr->chunks[k].rc) {
            rc = pr->chunks[k].rc;
            if (diag)
                *diag = pr->chunks[k].diag;
            goto out;
        }
    }
    /* every range is joined into the file's state (chunk_done), or the
     * join refused */
    if ((rc = pr->jrc) != 0)
        goto out;
    fh = pr->n > 1 ? pr->fh : pr->chunks[0].hits;
    hosts = pr->n > 1 ? &pr->hosts : &pr->chunks[0].hosts;
    pthread_mutex_lock(&pr->st->lock);
    rc = sh_sigma__hits_absorb(pr->st->hits, fh, 0);
    if (!rc)
        rc = sh_sigma__timeline_flush(pr->n > 1 ? pr->ftl : pr->w->tl, pr->st->hits, pr->path);
    if (!rc) {
        bool full = false;
        rc = union_hosts(&pr->st->hosts, hosts, MAX_HOSTS, &full);
    }
    pthread_mutex_unlock(&pr->st->lock);
    for (k = 0; k < pr->n && !rc; k++) {
        struct chunk *c = &pr->chunks[k];
        rc = take_findings(&out->findings, &c->out.findings, base, NULL);
        if (!rc)
            rc = take_findings(&out->findings, &c->iout.findings, base, &ioc_left);
        out->lines_unparsed += c->unparsed;
        base += c->lines;
    }
    pr->lines = base;
    out->bytes = (size_t)size;
out:
    if (rc && pr->n == 1) {
        /* leave the worker's timeline empty for the next file */
        struct sg_hits *tmp = NULL;
        if (sh_sigma__hits_new(&tmp, 0) == 0)
            sh_sigma__timeline_flush(pr->w->tl, tmp, pr->path);
        sh_sigma__hits_free(tmp);
    }
    if (rc && rc != SH_ELIMIT && diag && !diag->code)
        sh_diag_set(diag, rc, pr->path, 0, "log analyzer: %s", sh_status_str(rc));
    plain_free(pr);
    return rc;
}

static bool plain_magic(int fd)
{
    unsigned char m[4];
    size_t got = 0;

    if (read_at(fd, (char *)m, sizeof(m), 0, &got) != 0)
        return false;
    return !(got >= 2 && m[0] == 0x1f && m[1] == 0x8b) &&
           !(got >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd);
}

static unsigned scan_jobs(const struct sh_scan_ctx *ctx)
{
    long n = ctx->opts->jobs ? (long)ctx->opts->jobs : sysconf(_SC_NPROCESSORS_ONLN);

    if (n < 1)
        n = 1;
    return n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

/* What sweeps() answered for `path` on this worker (asked once per file). */
static bool fr_sweep(struct log_worker *w, const char *path)
{
    bool yes = w->sweep_path == path && w->sweep;

    w->sweep_path = NULL;
    w->sweep = false;
    return yes;
}

/* A run over `path` for the worker, its times read as sh_logfile_each
 * reads them (the file's modification time as the reference); false on OOM. */
static bool run_init(struct plain_run *pr, const struct sh_scan_ctx *ctx, struct log_state *st,
                     struct log_worker *w, const char *path, const char *head, size_t head_len,
                     time_t mtime)
{
    if (!w->lane && !(w->lane = lane_new(st)))
        return false;
    pthread_mutex_lock(&st->lock);
    if (!st->xb_tried && sh_ioc__lines_wanted(ctx)) {
        char **tx = NULL;
        bool *tf = NULL;
        size_t tn = 0;
        /* without it (no memory, an indicator no text covers) every line
         * is swept */
        if (sh_ioc__prefilter_texts(ctx->iocs, &tx, &tf, &tn) == SH_OK && tn)
            (void)sh_sigma__xblock_new(st->set, tx, tf, tn, &st->xb);
        sh_ioc__prefilter_texts_free(tx, tf, tn);
        st->xb_tried = true;
    }
    pthread_mutex_unlock(&st->lock);
    memset(pr, 0, sizeof(*pr));
    pr->ctx = ctx;
    pr->st = st;
    pr->w = w;
    pr->path = path;
    pr->head = head;
    pr->head_len = head_len;
    pr->fd = -1;
    pr->opts = (struct sh_syslog_opts)SH_SYSLOG_OPTS_INIT;
    pr->opts.ref_ms = (int64_t)mtime * 1000;
    return true;
}

/* A regular uncompressed file: read here with every core. Returns 1 when
 * the file is not one (the caller reads it as compressed), else 0 or a
 * status. */
static int analyze_plain(const struct sh_scan_ctx *ctx, struct log_state *st, struct log_worker *w,
                         const char *path, const char *head, size_t head_len, bool sweep,
                         struct sh_scan_out *out, sh_diag *diag)
{
    struct plain_run pr;
    struct stat sb;
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

    if (fd < 0)
        return 1;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || !plain_magic(fd)) {
        close(fd);
        return 1;
    }
    if (!run_init(&pr, ctx, st, w, path, head, head_len, sb.st_mtime)) {
        close(fd);
        return sh_diag_set(diag, SH_ENOMEM, path, 0, "log analyzer: out of memory");
    }
    pr.fd = fd;
    pr.sweep = sweep && sh_ioc__lines_wanted(ctx);
    rc = run_ranges(&pr, (uint64_t)sb.st_size, scan_jobs(ctx), out, diag);
    if (rc == SH_ELIMIT)
        rc = run_ranges(&pr, (uint64_t)sb.st_size, 1, out, diag);
    close(fd);
    return rc;
}

/* A compressed log: decoded through sh_logreader and read as one range
 * (it cannot be split), so its lines get the same treatment as a plain
 * file's. Damage keeps the lines before it, as sh_logfile_each does. The
 * indicator analyzer sweeps such files on its own read. */
static int analyze_stream(const struct sh_scan_ctx *ctx, struct log_state *st, struct log_worker *w,
                          const char *path, const char *head, size_t head_len, bool sweep,
                          struct sh_scan_out *out, sh_diag *diag)
{
    struct plain_run pr;
    struct stat sb;
    const char *damage;
    int rc;

    if (stat(path, &sb) != 0)
        sb.st_mtime = 0; /* the open below reports the file */
    if (!run_init(&pr, ctx, st, w, path, head, head_len, sb.st_mtime))
        return sh_diag_set(diag, SH_ENOMEM, path, 0, "log analyzer: out of memory");
    pr.sweep = sweep && sh_ioc__lines_wanted(ctx);
    if ((rc = sh_logreader_open(&pr.rd, path, 0, diag)) < 0)
        return rc;
    rc = run_ranges(&pr, UINT64_MAX, 1, out, diag);
    if (!rc) {
        out->bytes = (size_t)sh_logreader_stats(pr.rd)->bytes;
        if ((damage = sh_logreader_damage(pr.rd)) != NULL) {
            /* the lines before the damage were analysed */
            sh_diag_set(diag, SH_EIO, path, (uint32_t)(pr.lines < UINT32_MAX ? pr.lines : 0),
                        "%s; lines after it are lost", damage);
            sh_scan__emit(ctx, diag);
        }
    }
    sh_logreader_close(pr.rd);
    return rc;
}

/* Every file the analyzer reads (plain in ranges, compressed through the
 * reader) feeds its lines to the sweep: a compressed archive is then
 * decompressed once, not once here and once more by the sweep's own pass. */
static bool sweeps(const struct sh_scan_ctx *ctx, void *state, void *scratch, const char *path)
{
    struct log_state *st = state;
    struct log_worker *w = scratch;

    (void)ctx;
    if (!st || !w || sh_sigma_count(st->set) == 0)
        return false;
    w->sweep_path = path;
    w->sweep = true;
    return true;
}

static int analyze_path(const struct sh_scan_ctx *ctx, void *state, void *scratch, const char *path,
                        const char *head, size_t head_len, struct sh_scan_out *out, sh_diag *diag)
{
    bool sweep;
    int rc;

    if (!state || !scratch)
        return sh_diag_set(diag, SH_ENOMEM, path, 0, "log analyzer: out of memory");
    /* No log rules loaded (--no-builtin without Sigma rules): nothing can
     * fire, and parsing every line of a large archive would be wasted. */
    if (sh_sigma_count(((struct log_state *)state)->set) == 0)
        return SH_OK;
    sweep = fr_sweep(scratch, path);
    rc = analyze_plain(ctx, state, scratch, path, head, head_len, sweep, out, diag);
    if (rc <= 0)
        return rc;
    rc = analyze_stream(ctx, state, scratch, path, head, head_len, sweep, out, diag);
    if (rc && diag && !diag->code)
        sh_diag_set(diag, rc, path, 0, "log analyzer: %s", sh_status_str(rc));
    return rc;
}

/* ---- finish: correlations and coverage ---- */

struct fin {
    const struct sh_scan_ctx *ctx;
    sh_scan_result *res;
};

static int corr_finding(const struct sg_rule *r, const struct sg_hit *o, void *ud)
{
    struct fin *fn = ud;
    sh_finding *f = sh_finding_new();
    struct sh_buf msg;
    size_t i;
    int rc;

    if (!f)
        return SH_ENOMEM;
    sh_buf_init(&msg, 16384);
    rc = sh_sigma__rule_meta(f, r);
    if (rc)
        goto out;
    f->device = o->host ? sh_strdup(o->host) : NULL;
    f->platform = platform_of(o->raw) ? sh_strdup(platform_of(o->raw)) : NULL;
    f->path = sh_strdup(o->path);
    f->line = f->end_line = (uint32_t)o->line;
    f->evidence = sh_strdup(o->raw ? o->raw : "");
    f->time = rfc3339(o->ts_ms);
    rc = sh_buf_printf(&msg, "%s: %s", r->title, o->why ? o->why : "correlated events");
    for (i = 0; i < o->nkv && !rc; i++)
        if (o->vals[i] && strcmp(o->keys[i], "host") != 0)
            rc = sh_buf_printf(&msg, ", %s=%s", o->keys[i], o->vals[i]);
    if (!rc)
        rc = sh_buf_adds(&msg, "; events:");
    for (i = 0; i < o->ncontrib && i < MAX_MSG_EVENTS && !rc; i++)
        rc = sh_buf_printf(&msg, " %s:%llu", o->contrib[i]->path,
                           (unsigned long long)o->contrib[i]->line);
    if (!rc && o->ncontrib_total > MAX_MSG_EVENTS)
        rc = sh_buf_printf(&msg, " and %zu more (see references)",
                           o->ncontrib_total - MAX_MSG_EVENTS);
    for (i = 0; i < o->ncontrib && i < MAX_REF_EVENTS && !rc; i++) {
        char *ref = sh_strdup_printf("%s:%llu", o->contrib[i]->path,
                                     (unsigned long long)o->contrib[i]->line);
        rc = ref ? sh_strlist_push(&f->references, ref) : SH_ENOMEM;
        sh_free(ref);
    }
    if (!rc && (!f->path || !f->evidence))
        rc = SH_ENOMEM;
    if (rc)
        goto out;
    f->message = sh_buf_detach(&msg);
    if (!f->message) {
        rc = SH_ENOMEM;
        goto out;
    }
    rc = sh_findings_take(&fn->res->findings, f);
    f = NULL;
out:
    sh_buf_free(&msg);
    sh_finding_free(f);
    return rc;
}

/* What each coverage feature means and how to turn it on (IOS family). */
static const struct {
    const char *feature, *what, *fix;
} coverage[] = {
    {"cmd_logging", "does not log configuration commands",
     "archive\n log config\n  logging enable\n  notify syslog contenttype plaintext"},
    {"login_logging", "does not log logins", "login on-failure log\nlogin on-success log"},
    {"aaa_accounting", "sends no AAA command accounting",
     "aaa accounting commands 15 default start-stop group tacacs+\n"
     "aaa accounting exec default start-stop group tacacs+"},
    {"logging_host", "sends no syslog to a collector", "logging host <collector-address>"},
};

/* A device may have several records (running and startup config, show
 * outputs): its features are the union over its records with features. */
static bool has_feature(const sh_scan_result *res, const char *host, const char *f)
{
    size_t di, i;

    for (di = 0; di < res->n_devices; di++) {
        const sh_device *d = res->devices[di];
        if (!d->hostname || strcasecmp(d->hostname, host) != 0)
            continue;
        for (i = 0; i < d->features.n; i++)
            if (strcmp(d->features.v[i], f) == 0)
                return true;
    }
    return false;
}

/* True when an earlier record of the same host already got its coverage check. */
static bool host_done(const sh_scan_result *res, size_t upto, const char *host)
{
    size_t di;

    for (di = 0; di < upto; di++) {
        const sh_device *d = res->devices[di];
        if (d->hostname && d->features.n && strcasecmp(d->hostname, host) == 0)
            return true;
    }
    return false;
}

static int coverage_findings(struct log_state *st, sh_scan_result *res)
{
    size_t di, c, i, j;
    int rc = SH_OK;

    for (di = 0; di < res->n_devices && !rc; di++) {
        const sh_device *d = res->devices[di];
        char host[256];

        if (!d->hostname || !d->features.n || strlen(d->hostname) >= sizeof(host))
            continue;
        for (i = 0; d->hostname[i]; i++)
            host[i] = (char)tolower((unsigned char)d->hostname[i]);
        host[i] = '\0';
        /* hosts seen in the logs first: the earlier-record check is a scan */
        if (!sh_strmap_has(&st->hosts, host) || host_done(res, di, d->hostname))
            continue;
        for (c = 0; c < SH_ARRAY_LEN(coverage) && !rc; c++) {
            struct sh_buf ids;
            size_t nids = 0;
            sh_finding *f;

            if (has_feature(res, d->hostname, coverage[c].feature))
                continue;
            sh_buf_init(&ids, 8192);
            for (i = 0; i < st->set->rules.n && !rc; i++) {
                const struct sg_rule *r = st->set->rules.v[i];
                /* name the rules a user sees: reporting rules with an id */
                if (!r->applicable || !r->id || r->no_report)
                    continue;
                for (j = 0; j < r->nrequires && !rc; j++)
                    if (strcmp(r->requires[j], coverage[c].feature) == 0) {
                        rc = sh_buf_printf(&ids, "%s%s", nids ? ", " : "", r->id);
                        nids++;
                    }
            }
            if (rc || !nids) {
                sh_buf_free(&ids);
                continue;
            }
            f = sh_finding_new();
            if (!f) {
                sh_buf_free(&ids);
                return SH_ENOMEM;
            }
            f->rule = sh_strdup_printf("COV-%s", coverage[c].feature);
            f->title = sh_strdup_printf("Log rules cannot fire: device %s", coverage[c].what);
            f->kind = SH_KIND_COVERAGE;
            f->severity = SH_SEV_LOW;
            f->device = sh_strdup(d->hostname);
            f->platform = d->platform ? sh_strdup(d->platform) : NULL;
            f->path = d->sources.n ? sh_strdup(d->sources.v[0]) : NULL;
            f->message = sh_strdup_printf("%s %s (config feature '%s' not found), so %zu log "
                                          "rule%s cannot fire for it: %s",
                                          d->hostname, coverage[c].what, coverage[c].feature, nids,
                                          nids == 1 ? "" : "s", ids.ptr ? ids.ptr : "");
            f->remediation = sh_strdup(coverage[c].fix);
            sh_buf_free(&ids);
            if (!f->rule || !f->title || !f->device || !f->message || !f->remediation) {
                sh_finding_free(f);
                return SH_ENOMEM;
            }
            rc = sh_findings_take(&res->findings, f);
        }
    }
    return rc;
}

static int finish(const struct sh_scan_ctx *ctx, void *state, sh_scan_result *res, sh_diag *diag)
{
    struct log_state *st = state;
    struct fin fn = {ctx, res};
    int rc;

    if (!st)
        return SH_OK;
    rc = sh_sigma__corr_run(st->set, st->hits, false, corr_finding, &fn);
    if (rc)
        return sh_diag_set(diag, rc, NULL, 0, "log correlations: %s", sh_status_str(rc));
    if (sh_sigma__hits_evicted(st->hits)) {
        sh_diag d;
        sh_diag_set(&d, SH_ELIMIT, NULL, 0,
                    "correlation store full: %zu rule matches were not correlated",
                    sh_sigma__hits_evicted(st->hits));
        sh_scan__emit(ctx, &d);
    }
    rc = coverage_findings(st, res);
    if (rc)
        return sh_diag_set(diag, rc, NULL, 0, "log coverage: %s", sh_status_str(rc));
    return SH_OK;
}

const struct sh_analyzer sh_analyzer__log = {
    .name = "log",
    .always = false,
    .detect = detect,
    .prepare = prepare,
    .release = release,
    .worker_new = worker_new,
    .worker_free = worker_free,
    .analyze = NULL,
    .analyze_path = analyze_path,
    .finish = finish,
    .sweeps = sweeps,
};
