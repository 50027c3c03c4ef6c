/*
 * engine_builtin.c - the built-in watch engine: device syslog parser plus
 * the Sigma log rules (built-in pack + the config's rule paths), with
 * correlations evaluated live in event time.
 *
 * Detection rules and the indicator sweep run on each message as it
 * arrives. Correlations need history: every message that matched a rule
 * some correlation reads is kept in a bounded ring (RING_MAX messages, and
 * none older in event time than the longest correlation timespan). The ring
 * is replayed through the correlation evaluator (sigma_corr.c, the code
 * `salthunt scan` uses) at most every REPLAY_MS while busy, when the queue
 * runs empty, at shutdown, and before a match no replay has seen would
 * leave the ring; results whose newest message is newer than the previous
 * replay are alerts, so each result is written once. Count correlations
 * with lt/lte/eq conditions (too FEW events) and silence checks only close
 * at the end of an archive and are left to `salthunt scan`.
 *
 * Reload builds a complete new generation (rules, policy, compiled
 * prefilter) aside and swaps it in only when everything loaded cleanly;
 * the correlation ring is kept. Used by the daemon's processing thread
 * only; not thread-safe.
 */
#include "../base/sh_base.h"

#include "watch_int.h"

#include <stdio.h>
#include <time.h>

#include "../intel/ioc.h"
#include "../log/event.h"
#include "../log/syslog.h"
#include "../policy/policy.h"
#include "../sigma/sigma_corr.h"
#include "../sigma/sigma_eval.h"
#include "../sigma/sigma_int.h"

#define RING_MAX 1024
#define HITS_CAP ((size_t)16 << 20)
#define REPLAY_MS 50

struct gen {
    sh_sigma_set *set;
    struct sg_scratch *scratch;
    struct sh_policy *policy;
    struct sh_ioc_set *iocs; /* the advisory's indicators: a match on one is an ioc alert */
    int64_t max_span_ms;
    bool has_corr;
};

struct ring_ent {
    char *raw;
    size_t len;
    char path[64];
    uint64_t seq;
    int64_t ts_ms; /* event time used (receive time when the message has none) */
};

struct builtin {
    const sh_watch_config *cfg;
    struct gen *g;
    struct sh_log_event *ev;
    struct sh_log_event *rev; /* replay */
    struct ring_ent ring[RING_MAX];
    size_t head, n;
    uint64_t seq;
    uint64_t evicted;
    /* per-process() state */
    sh_findings *out;
    const sh_watch_msg *msg;
    char *msg_z; /* the message NUL-terminated, for substring checks */
    size_t msg_z_cap;
    char path[64];
    bool corr_hit;
    /* correlation replays are batched: at most one per REPLAY_MS while
     * busy, and one whenever the queue runs empty */
    bool dirty;        /* the ring changed since the last replay */
    uint64_t replayed; /* results whose newest message is <= this were alerted */
    uint64_t last_replay_ns;
    uint64_t replay_cost_ns; /* duration of the last replay */
    int err;
};

/* ---- findings ---- */

static char *rfc3339(int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char buf[80];

    if (ms <= 0 || !gmtime_r(&t, &tm))
        return NULL;
    snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
    return sh_strdup(buf);
}

/* The event's time as the parser wrote it, else from its timestamp. */
static int detection_finding(struct builtin *b, const struct sg_rule *r,
                             const struct sh_log_event *ev)
{
    sh_finding *f = NULL;
    int rc = sh_sigma__event_finding(&f, r, ev, b->path, b->g->iocs);

    return rc ? rc : sh_findings_take(b->out, f);
}

/* The indicator sweep of `salthunt scan`, on one live message. */
static void on_ioc(const struct sh_ioc *ioc, const char *tok, size_t off, size_t len, void *ud)
{
    struct builtin *b = ud;
    sh_finding *f = NULL;

    SH_UNUSED(off);
    if (b->err)
        return;
    b->err = sh_ioc__hit_finding(&f, ioc, tok, len, b->msg->data, b->msg->len, NULL, NULL, 0, b->ev,
                                 b->path, 0);
    if (!b->err)
        b->err = sh_findings_take(b->out, f);
}

/* ---- generations ---- */

static void gen_free(struct gen *g)
{
    if (!g)
        return;
    sh_sigma__scratch_free(g->scratch);
    sh_sigma_set_free(g->set);
    sh_policy_free(g->policy);
    sh_ioc_set_free(g->iocs);
    sh_free(g);
}

struct first_err {
    sh_diag *diag;
    bool have;
};

static bool policy_contains(const struct sh_policy *p, enum sh_policy_key k, const char *v)
{
    return sh_policy_contains(p, k, v);
}

static void on_sigma_diag(const sh_diag *d, bool error, void *ud)
{
    struct first_err *fe = ud;

    if (error && !fe->have && fe->diag) {
        *fe->diag = *d;
        fe->have = true;
    }
}

static int gen_build(struct gen **out, const sh_watch_config *cfg, sh_diag *diag)
{
    const char *const *paths = sh_watch_config_rules(cfg);
    const char *policy = sh_watch_config_policy(cfg);
    struct first_err fe = {diag, false};
    struct gen *g;
    size_t i;
    int rc;

    g = sh_calloc(1, sizeof(*g));
    if (!g)
        return SH_ENOMEM;
    if ((rc = sh_sigma_set_new(&g->set)) != 0)
        goto out;
    sh_sigma_set_on_diag(g->set, on_sigma_diag, &fe);
    if (policy && (rc = sh_policy_load_file(&g->policy, policy, diag)) != 0)
        goto out;
    if ((rc = sh_ioc_set_new(&g->iocs)) != 0 ||
        (rc = sh_ioc_set_load_builtin(g->iocs, false, diag)) != 0)
        goto out;
    if ((rc = sh_sigma_load_builtin(g->set, diag)) != 0)
        goto out;
    /* a rules folder may also hold config-rule packs: only Sigma documents are ours */
    g->set->skip_foreign = true;
    for (i = 0; paths && paths[i]; i++) {
        if ((rc = sh_sigma_load_path(g->set, paths[i], diag)) != 0)
            goto out;
    }
    g->set->policy_contains = policy_contains;
    if ((rc = sh_sigma_compile(g->set, g->policy, diag)) != 0)
        goto out;
    if ((rc = sh_sigma__scratch_new(g->set, &g->scratch)) != 0)
        goto out;
    for (i = 0; i < g->set->rules.n; i++) {
        const struct sg_corr *k = ((const struct sg_rule *)g->set->rules.v[i])->corr;
        if (!k)
            continue;
        g->has_corr = true;
        if (k->timespan_ms > g->max_span_ms)
            g->max_span_ms = k->timespan_ms;
    }
out:
    if (rc != 0) {
        if (fe.have && diag)
            rc = diag->code ? diag->code : rc;
        gen_free(g);
        return rc;
    }
    *out = g;
    return SH_OK;
}

/* ---- correlation ring ---- */

static void ring_clear(struct builtin *b)
{
    size_t i;

    for (i = 0; i < RING_MAX; i++)
        SH_FREE(b->ring[i].raw);
    b->head = b->n = 0;
}

static void ring_drop_oldest(struct builtin *b)
{
    SH_FREE(b->ring[b->head].raw);
    b->head = (b->head + 1) % RING_MAX;
    b->n--;
}

static int replay_ring(struct builtin *b);

/*
 * Make room for a message, oldest first. A message that no replay has seen
 * yet is replayed before it is dropped, so every match takes part in at
 * least one correlation pass whatever the batching.
 */
static int ring_make_room(struct builtin *b, int64_t newest)
{
    int rc;

    while (b->n > 0) {
        const struct ring_ent *old = &b->ring[b->head];
        bool aged = b->g->max_span_ms > 0 && old->ts_ms < newest - b->g->max_span_ms;
        if (!aged && b->n < RING_MAX)
            break;
        if (old->seq > b->replayed && (rc = replay_ring(b)) != 0)
            return rc;
        if (!aged)
            b->evicted++;
        ring_drop_oldest(b);
    }
    return SH_OK;
}

static int ring_add(struct builtin *b, const struct sh_log_event *ev)
{
    struct ring_ent *e;
    int rc;

    if ((rc = ring_make_room(b, ev->ts_ms)) != 0)
        return rc;
    e = &b->ring[(b->head + b->n) % RING_MAX];
    e->raw = sh_strndup(ev->raw, ev->raw_len);
    if (!e->raw)
        return SH_ENOMEM;
    e->len = ev->raw_len;
    snprintf(e->path, sizeof(e->path), "%s", b->path);
    e->seq = b->seq;
    e->ts_ms = ev->ts_ms;
    b->n++;
    return SH_OK;
}

struct replay {
    struct builtin *b;
    struct sg_hits *h;
    const char *path;
};

static int replay_hit(const struct sg_rule *r, const struct sh_log_event *ev, void *ud)
{
    struct replay *rp = ud;

    if (!r->corr_input)
        return 0;
    return sh_sigma__hits_add(rp->h, r, ev, rp->path);
}

static int on_corr(const struct sg_rule *corr, const struct sg_hit *o, void *ud)
{
    struct builtin *b = ud;
    const struct sg_corr *k = corr->corr;
    uint64_t newest = o->line;
    sh_finding *f;
    size_t i;
    int rc;

    for (i = 0; i < o->ncontrib; i++) {
        if (o->contrib[i]->line > newest)
            newest = o->contrib[i]->line;
    }
    if (newest <= b->replayed)
        return 0; /* alerted by an earlier replay */
    if ((k->type == SG_CORR_EVENT_COUNT || k->type == SG_CORR_VALUE_COUNT) && k->has_cond &&
        !(k->cop == SG_GT || k->cop == SG_GTE))
        return 0; /* "too few" windows close only at the end of an archive */
    f = sh_finding_new();
    if (!f)
        return SH_ENOMEM;
    rc = sh_sigma__rule_meta(f, corr);
    if (rc == 0 && o->host)
        f->device = sh_strdup(o->host);
    f->path = sh_strdup(o->path ? o->path : b->path);
    f->evidence = o->raw ? sh_strdup(o->raw) : NULL;
    f->time = rfc3339(o->ts_ms);
    f->message = sh_strdup_printf("%s: %s (%zu events)", corr->title ? corr->title : "correlation",
                                  o->why ? o->why : "correlated events", o->ncontrib_total);
    if (rc == 0 && (!f->path || !f->message))
        rc = SH_ENOMEM;
    if (rc != 0) {
        sh_finding_free(f);
        return rc;
    }
    return sh_findings_take(b->out, f);
}

static int replay_ring(struct builtin *b)
{
    struct replay rp;
    uint64_t t0 = sh_watch__mono_ns();
    size_t i;
    int rc;

    rp.b = b;
    rp.h = NULL;
    if ((rc = sh_sigma__hits_new(&rp.h, HITS_CAP)) != 0)
        return rc;
    for (i = 0; i < b->n && rc == 0; i++) {
        const struct ring_ent *e = &b->ring[(b->head + i) % RING_MAX];
        sh_syslog_parse(b->rev, e->raw, e->len, NULL);
        b->rev->path = e->path;
        b->rev->line = e->seq;
        b->rev->ts_ms = e->ts_ms;
        rp.path = e->path;
        rc = sh_sigma__eval(b->g->scratch, b->rev, replay_hit, &rp);
    }
    if (rc == 0)
        rc = sh_sigma__corr_run(b->g->set, rp.h, false, on_corr, b);
    sh_sigma__hits_free(rp.h);
    if (rc == 0) {
        b->replayed = b->seq;
        b->dirty = false;
    }
    b->last_replay_ns = sh_watch__mono_ns();
    b->replay_cost_ns = b->last_replay_ns - t0;
    return rc;
}

/* Replay when due (force: whenever anything is pending). */
static int maybe_replay(struct builtin *b, sh_findings *out, bool force)
{
    if (!b->dirty)
        return SH_OK;
    /* while busy, replays take at most about a third of the time */
    if (!force) {
        uint64_t gap = (uint64_t)REPLAY_MS * 1000000u;
        if (gap < 2 * b->replay_cost_ns)
            gap = 2 * b->replay_cost_ns;
        if (sh_watch__mono_ns() - b->last_replay_ns < gap)
            return SH_OK;
    }
    b->out = out;
    return replay_ring(b);
}

/* ---- engine vtable ---- */

static int on_hit(const struct sg_rule *r, const struct sh_log_event *ev, void *ud)
{
    struct builtin *b = ud;

    if (r->corr_input)
        b->corr_hit = true;
    if (r->suppressed)
        return 0; /* only feeds a correlation (generate: false) */
    return detection_finding(b, r, ev);
}

static int process(void *self, const sh_watch_msg *m, sh_findings *out, bool *parsed, sh_diag *diag)
{
    struct builtin *b = self;
    int rc;

    b->seq++;
    b->out = out;
    b->msg = m;
    b->corr_hit = false;
    snprintf(b->path, sizeof(b->path), "%s://%s", m->transport, m->peer);
    if (m->len + 1 > b->msg_z_cap) {
        char *p = sh_realloc(b->msg_z, m->len + 1);
        if (!p)
            return SH_ENOMEM;
        b->msg_z = p;
        b->msg_z_cap = m->len + 1;
    }
    memcpy(b->msg_z, m->data, m->len);
    b->msg_z[m->len] = '\0';
    sh_syslog_parse(b->ev, m->data, m->len, NULL);
    b->ev->path = b->path;
    b->ev->line = 0;
    /* no time in the message: the receive time stands in for it */
    if (b->ev->ts_ms == 0)
        b->ev->ts_ms = m->recv_ms;
    *parsed = b->ev->parsed;
    rc = sh_sigma__eval(b->g->scratch, b->ev, on_hit, b);
    if (rc == 0 && b->g->iocs) {
        b->err = 0;
        sh_ioc_sweep(b->g->iocs, m->data, m->len, on_ioc, b);
        rc = b->err;
    }
    if (rc == 0 && b->corr_hit && b->g->has_corr) {
        rc = ring_add(b, b->ev);
        b->dirty = true;
    }
    if (rc == 0)
        rc = maybe_replay(b, out, false);
    if (rc != 0)
        return sh_diag_set(diag, rc, b->path, 0, "rule evaluation failed: %s", sh_status_str(rc));
    return SH_OK;
}

static int idle(void *self, sh_findings *out)
{
    return maybe_replay(self, out, true);
}

static int reload(void *self, sh_diag *diag)
{
    struct builtin *b = self;
    struct gen *g = NULL;
    int rc;

    rc = gen_build(&g, b->cfg, diag);
    if (rc != 0)
        return rc; /* the running generation stays */
    gen_free(b->g);
    b->g = g;
    /* the ring holds raw messages, so it is valid under the new rules too */
    return SH_OK;
}

static void engine_free(void *self)
{
    struct builtin *b = self;

    if (!b)
        return;
    ring_clear(b);
    gen_free(b->g);
    sh_free(b->ev);
    sh_free(b->rev);
    sh_free(b->msg_z);
    sh_free(b);
}

int sh_watch_engine_builtin_new(sh_watch_engine *out, const sh_watch_config *cfg, sh_diag *diag)
{
    struct builtin *b;
    int rc;

    SH_ASSERT_ARG(out && cfg);
    b = sh_calloc(1, sizeof(*b));
    if (!b)
        return SH_ENOMEM;
    b->cfg = cfg;
    b->ev = sh_calloc(1, sizeof(*b->ev));
    b->rev = sh_calloc(1, sizeof(*b->rev));
    if (!b->ev || !b->rev) {
        engine_free(b);
        return SH_ENOMEM;
    }
    rc = gen_build(&b->g, cfg, diag);
    if (rc != 0) {
        engine_free(b);
        return rc;
    }
    memset(out, 0, sizeof(*out));
    out->self = b;
    out->process = process;
    out->reload = reload;
    out->idle = idle;
    out->flush = idle;
    out->free = engine_free;
    return SH_OK;
}
