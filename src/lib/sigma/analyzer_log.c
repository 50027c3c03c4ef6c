/*
 * analyzer_log.c - the log analyzer: Sigma rules over device log files.
 *
 * Claims files that look like device logs (sh_syslog_detect), streams them
 * event by event (sh_logfile_each: flat memory whatever the size), and
 * turns every match of a generating rule into a finding. Matches that
 * correlation rules read, and per-device time segments, go to one bounded
 * store shared by all workers (under a mutex; matches are rare next to
 * events). finish() runs the correlations across every file of the scan,
 * so a device's rotated logs join up, and reports coverage: log rules that
 * cannot fire for a device whose config in the same scan shows it does not
 * log what they need.
 *
 * State: the compiled rule set and the store are built in prepare() and
 * owned by the analyzer state; each worker owns a scratch.
 */
#include "../base/sh_base.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "../intel/ioc.h"
#include "../log/logfile.h"
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
};

struct log_worker {
    struct sg_scratch *sc;
    struct sg_timeline *tl;
};

struct file_run {
    const struct sh_scan_ctx *ctx;
    struct log_state *st;
    struct log_worker *w;
    const char *path;
    struct sh_scan_out *out;
    struct sh_strmap hosts;
    int rc;
};

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

static int on_match(const struct sg_rule *r, const struct sh_log_event *ev, void *ud)
{
    struct file_run *fr = ud;
    sh_finding *f = NULL;
    int rc = SH_OK;

    if (r->corr_input) {
        pthread_mutex_lock(&fr->st->lock);
        rc = sh_sigma__hits_add(fr->st->hits, r, ev, fr->path);
        pthread_mutex_unlock(&fr->st->lock);
        if (rc)
            return rc;
    }
    if (r->suppressed)
        return SH_OK;
    rc = sh_sigma__event_finding(&f, r, ev, fr->path, fr->ctx ? fr->ctx->iocs : NULL);
    return rc ? rc : sh_findings_take(&fr->out->findings, f);
}

static int note_host(struct sh_strmap *m, const struct sh_log_event *ev)
{
    size_t n = 0, i;
    const char *v = sh_sigma__event_field(ev, "host", &n);
    char buf[256];

    if (!v || !n || n >= sizeof(buf) || m->n >= MAX_HOSTS)
        return SH_OK;
    for (i = 0; i < n; i++)
        buf[i] = (char)tolower((unsigned char)v[i]);
    buf[n] = '\0';
    if (sh_strmap_has(m, buf))
        return SH_OK;
    return sh_strmap_put(m, buf, NULL, NULL);
}

static int on_event(const struct sh_log_event *ev, void *ud)
{
    struct file_run *fr = ud;
    int rc = note_host(&fr->hosts, ev);

    if (!rc)
        rc = sh_sigma__timeline_event(fr->w->tl, ev);
    if (!rc)
        rc = sh_sigma__eval(fr->w->sc, ev, on_match, fr);
    return rc;
}

static int analyze_path(const struct sh_scan_ctx *ctx, void *state, void *scratch, const char *path,
                        const char *head, size_t head_len, struct sh_scan_out *out, sh_diag *diag)
{
    struct file_run fr;
    struct sh_logfile_stats lst;
    size_t i;
    int rc, rc2;

    (void)head;
    (void)head_len;
    if (!state || !scratch)
        return sh_diag_set(diag, SH_ENOMEM, path, 0, "log analyzer: out of memory");
    /* No log rules loaded (--no-builtin without Sigma rules): nothing can
     * fire, and parsing every line of a large archive would be wasted. */
    if (sh_sigma_count(((struct log_state *)state)->set) == 0)
        return SH_OK;
    memset(&fr, 0, sizeof(fr));
    memset(&lst, 0, sizeof(lst));
    fr.ctx = ctx;
    fr.st = state;
    fr.w = scratch;
    fr.path = path;
    fr.out = out;
    rc = sh_logfile_each(path, NULL, on_event, &fr, &lst, diag);
    if (rc == SH_EIO && lst.damaged) {
        sh_scan__emit(ctx, diag); /* lines before the damage were analysed */
        rc = SH_OK;
    }
    out->bytes = lst.bytes;
    out->lines_unparsed += lst.unparsed;
    pthread_mutex_lock(&fr.st->lock);
    rc2 = sh_sigma__timeline_flush(fr.w->tl, fr.st->hits, path);
    for (i = 0; i < fr.hosts.cap && !rc2; i++)
        if (fr.hosts.ents && fr.hosts.ents[i].key && fr.st->hosts.n < MAX_HOSTS &&
            !sh_strmap_has(&fr.st->hosts, fr.hosts.ents[i].key))
            rc2 = sh_strmap_put(&fr.st->hosts, fr.hosts.ents[i].key, NULL, NULL);
    pthread_mutex_unlock(&fr.st->lock);
    sh_strmap_free(&fr.hosts, NULL);
    if (!rc)
        rc = rc2;
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
};
