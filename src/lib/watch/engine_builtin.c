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
 * A batch (process_batch) is evaluated in two phases. Phase A, per
 * message and independent of every other message: parse, Sigma detection
 * rules, indicator sweep. It runs on up to MAX_LANES lanes: the calling
 * thread plus helper threads, one per further online CPU, each with its
 * own event, Sigma scratch and path buffer, taking messages in chunks of
 * LANE_CHUNK from a shared counter. Phase B, on the calling thread in
 * message order once every lane is done: the correlation ring and replays.
 * Alerts therefore come out per message and in the same order as from one
 * process() call per message. Small batches skip the helpers.
 *
 * Each ring entry remembers which correlation-input rules matched it when
 * it arrived (up to ENT_RULES of them, under the generation that matched)
 * and the parsed event itself (fields and scratch, pointers kept as
 * offsets), so a replay rebuilds the event without parsing again and
 * records those hits without evaluating every rule again; entries from an
 * older generation or with more matches are evaluated in full.
 *
 * Reload builds a complete new generation (rules, policy, compiled
 * prefilter) aside and swaps it in only when everything loaded cleanly;
 * the correlation ring is kept. Used by the daemon's processing thread
 * only (helper threads run only inside a process_batch call); not
 * thread-safe.
 */
#include "../base/sh_base.h"

#include "watch_int.h"

#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

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
#define MAX_LANES 4
#define LANE_CHUNK 8
#define LANE_MIN_BATCH 16 /* fewer messages: not worth waking the helpers */
#define ENT_RULES 8

struct gen {
    sh_sigma_set *set;
    struct sg_scratch *scratch[MAX_LANES]; /* one per lane; [0] also replays */
    uint64_t id;                           /* distinct per generation */
    struct sh_policy *policy;
    struct sh_ioc_set *iocs; /* the advisory's indicators: a match on one is an ioc alert */
    int64_t max_span_ms;
    bool has_corr;
};

/*
 * A parsed event frozen for later: field values as offsets into the copied
 * raw text or scratch (or the static string they already were), so it can
 * be thawed into any event buffer. One allocation: header, fields, scratch
 * bytes, raw text.
 */
enum { SNAP_STATIC = 0, SNAP_RAW, SNAP_SCRATCH };

struct snap_field {
    const char *name;
    const char *ptr; /* SNAP_STATIC */
    size_t off;      /* SNAP_RAW, SNAP_SCRATCH */
    uint32_t len;
    uint8_t kind;
};

struct snap {
    size_t raw_len;
    uint32_t n_fields;
    uint32_t scratch_used;
    bool parsed;
    char *raw;     /* inside this allocation, NUL-terminated */
    char *scratch; /* inside this allocation */
    struct snap_field f[];
};

struct ring_ent {
    struct snap *ev; /* the message as parsed on arrival */
    char path[64];
    uint64_t seq;
    int64_t ts_ms; /* event time used (receive time when the message has none) */
    /* correlation-input rules that matched on arrival, under generation gen_id */
    const struct sg_rule *rules[ENT_RULES];
    uint8_t nrules;
    bool rules_known; /* false: more than ENT_RULES matched */
    uint64_t gen_id;
};

/* Phase A's result for one message, read by phase B. */
struct msg_res {
    struct snap *snap; /* the parsed event, when a correlation may need it */
    int64_t ts_ms;
    const struct sg_rule *rules[ENT_RULES]; /* correlation-input matches */
    uint8_t nrules;
    bool rules_known;
    bool corr_hit;
    char path[64];
};

struct builtin;

/* One evaluation lane: the state phase A needs for one message at a time. */
struct lane {
    struct builtin *b;
    struct sh_log_event *ev;
    struct sg_scratch *scratch;
    sh_findings *out;
    const sh_watch_msg *msg;
    struct msg_res *res;
    int err;
    char path[64]; /* "transport://peer" of the sender seen last */
    char path_peer[64];
    const char *path_transport;
};

/* The helper threads and the batch they are working on. */
struct pool {
    pthread_t th[MAX_LANES - 1];
    size_t n_th;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    uint64_t job; /* bumped per batch handed out */
    size_t busy;  /* helpers still working on the current job */
    bool quit;
    _Atomic size_t next; /* next message index to take */
    /* the current job */
    const sh_watch_msg *msgs;
    size_t n;
    sh_findings *outs;
    bool *parsed;
    int *rcs;
};

struct builtin {
    const sh_watch_config *cfg;
    struct gen *g;
    uint64_t gen_ids;
    struct lane lanes[MAX_LANES];
    size_t n_lanes;
    struct pool pool;
    bool pool_up;
    struct msg_res *res; /* per message of the current batch */
    size_t res_cap;
    struct sh_log_event *rev; /* replay */
    struct ring_ent ring[RING_MAX];
    size_t head, n;
    uint64_t seq;
    uint64_t evicted;
    sh_findings *out; /* where replays put correlation alerts */
    char path[64];    /* the latest message's listener path */
    /* correlation replays are batched: at most one per REPLAY_MS while
     * busy, and one whenever the queue runs empty */
    bool dirty;        /* the ring changed since the last replay */
    uint64_t replayed; /* results whose newest message is <= this were alerted */
    uint64_t last_replay_ns;
    uint64_t replay_cost_ns; /* duration of the last replay */
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
static int detection_finding(struct lane *l, const struct sg_rule *r, const struct sh_log_event *ev)
{
    sh_finding *f = NULL;
    int rc = sh_sigma__event_finding(&f, r, ev, l->res->path, l->b->g->iocs);

    return rc ? rc : sh_findings_take(l->out, f);
}

/* The indicator sweep of `salthunt scan`, on one live message. */
static void on_ioc(const struct sh_ioc *ioc, const char *tok, size_t off, size_t len, void *ud)
{
    struct lane *l = ud;
    sh_finding *f = NULL;

    SH_UNUSED(off);
    if (l->err)
        return;
    l->err = sh_ioc__hit_finding(&f, ioc, tok, len, l->msg->data, l->msg->len, NULL, NULL, 0, l->ev,
                                 l->res->path, 0);
    if (!l->err)
        l->err = sh_findings_take(l->out, f);
}

/* ---- generations ---- */

static void gen_free(struct gen *g)
{
    size_t i;

    if (!g)
        return;
    for (i = 0; i < MAX_LANES; i++)
        sh_sigma__scratch_free(g->scratch[i]);
    sh_sigma_set_free(g->set);
    sh_policy_free(g->policy);
    sh_ioc_set_free(g->iocs);
    sh_free(g);
}

static void no_ioc(const struct sh_ioc *ioc, const char *tok, size_t off, size_t len, void *ud)
{
    SH_UNUSED(ioc);
    SH_UNUSED(tok);
    SH_UNUSED(off);
    SH_UNUSED(len);
    SH_UNUSED(ud);
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

static int gen_build(struct gen **out, const sh_watch_config *cfg, size_t n_lanes, sh_diag *diag)
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
    /* the sweep fills a static character table on first use: do that here,
     * before any lane thread exists, so lanes only ever read it */
    sh_ioc_sweep(g->iocs, "", 0, no_ioc, NULL);
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
    for (i = 0; i < n_lanes; i++) {
        if ((rc = sh_sigma__scratch_new(g->set, &g->scratch[i])) != 0)
            goto out;
    }
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

/* ---- frozen events ---- */

static bool within(const char *p, const char *base, size_t len)
{
    return (uintptr_t)p >= (uintptr_t)base && (uintptr_t)p <= (uintptr_t)base + len;
}

static struct snap *snap_take(const struct sh_log_event *ev)
{
    uint32_t n = ev->n_fields < SH_LOG_MAX_FIELDS ? ev->n_fields : SH_LOG_MAX_FIELDS;
    uint32_t used = ev->scratch_used < SH_LOG_SCRATCH ? ev->scratch_used : SH_LOG_SCRATCH;
    size_t head = sizeof(struct snap) + n * sizeof(struct snap_field);
    struct snap *sn = sh_malloc(head + used + ev->raw_len + 1);
    uint32_t i;

    if (!sn)
        return NULL;
    sn->raw_len = ev->raw_len;
    sn->n_fields = n;
    sn->scratch_used = used;
    sn->parsed = ev->parsed;
    sn->scratch = (char *)sn + head;
    sn->raw = sn->scratch + used;
    memcpy(sn->scratch, ev->scratch, used);
    memcpy(sn->raw, ev->raw, ev->raw_len);
    sn->raw[ev->raw_len] = '\0';
    for (i = 0; i < n; i++) {
        const struct sh_log_field *fl = &ev->fields[i];
        struct snap_field *sf = &sn->f[i];
        sf->name = fl->name;
        sf->len = fl->len;
        sf->ptr = fl->value;
        sf->off = 0;
        sf->kind = SNAP_STATIC;
        if (fl->value && within(fl->value, ev->raw, ev->raw_len)) {
            sf->kind = SNAP_RAW;
            sf->off = (size_t)(fl->value - ev->raw);
        } else if (fl->value && within(fl->value, ev->scratch, SH_LOG_SCRATCH - 1)) {
            sf->kind = SNAP_SCRATCH;
            sf->off = (size_t)(fl->value - ev->scratch);
        }
    }
    return sn;
}

/* The event exactly as the parser left it (pointers into ev's own buffers). */
static void snap_thaw(const struct snap *sn, struct sh_log_event *ev)
{
    uint32_t i;

    ev->raw = sn->raw;
    ev->raw_len = sn->raw_len;
    ev->parsed = sn->parsed;
    ev->n_fields = sn->n_fields;
    ev->scratch_used = sn->scratch_used;
    memcpy(ev->scratch, sn->scratch, sn->scratch_used);
    for (i = 0; i < sn->n_fields; i++) {
        const struct snap_field *sf = &sn->f[i];
        struct sh_log_field *fl = &ev->fields[i];
        fl->name = sf->name;
        fl->len = sf->len;
        fl->value = sf->kind == SNAP_RAW       ? sn->raw + sf->off
                    : sf->kind == SNAP_SCRATCH ? ev->scratch + sf->off
                                               : sf->ptr;
    }
}

/* ---- correlation ring ---- */

static void ring_clear(struct builtin *b)
{
    size_t i;

    for (i = 0; i < RING_MAX; i++)
        SH_FREE(b->ring[i].ev);
    b->head = b->n = 0;
}

static void ring_drop_oldest(struct builtin *b)
{
    SH_FREE(b->ring[b->head].ev);
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

/* Takes r->snap. */
static int ring_add(struct builtin *b, struct msg_res *r)
{
    struct ring_ent *e;
    int rc;

    if (!r->snap)
        return SH_ENOMEM;
    if ((rc = ring_make_room(b, r->ts_ms)) != 0)
        return rc;
    e = &b->ring[(b->head + b->n) % RING_MAX];
    e->ev = r->snap;
    r->snap = NULL;
    memcpy(e->path, r->path, sizeof(e->path));
    e->seq = b->seq;
    e->ts_ms = r->ts_ms;
    memcpy(e->rules, r->rules, sizeof(e->rules));
    e->nrules = r->nrules;
    e->rules_known = r->rules_known;
    e->gen_id = b->g->id;
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
    size_t i, j;
    int rc;

    rp.b = b;
    rp.h = NULL;
    if ((rc = sh_sigma__hits_new(&rp.h, HITS_CAP)) != 0)
        return rc;
    for (i = 0; i < b->n && rc == 0; i++) {
        const struct ring_ent *e = &b->ring[(b->head + i) % RING_MAX];
        snap_thaw(e->ev, b->rev);
        b->rev->path = e->path;
        b->rev->line = e->seq;
        b->rev->pos = 0;
        b->rev->ts_ms = e->ts_ms;
        rp.path = e->path;
        if (e->rules_known && e->gen_id == b->g->id) {
            /* the same rules on the same text match the same: record them */
            for (j = 0; j < e->nrules && rc == 0; j++)
                rc = sh_sigma__hits_add(rp.h, e->rules[j], b->rev, rp.path);
        } else {
            rc = sh_sigma__eval(b->g->scratch[0], b->rev, replay_hit, &rp);
        }
    }
    if (rc == 0)
        rc = sh_sigma__corr_run(b->g->set, rp.h, false, on_corr, b);
    sh_sigma__hits_free(rp.h);
    if (rc == 0) {
        /* What this pass saw: the ring's newest message. Not b->seq: a
         * replay made while room is made for the next message runs before
         * that message is in the ring, and must not count it as seen (its
         * correlation results would then never be alerted). */
        if (b->n)
            b->replayed = b->ring[(b->head + b->n - 1) % RING_MAX].seq;
        b->dirty = false;
    }
    b->last_replay_ns = sh_watch__mono_ns();
    b->replay_cost_ns = b->last_replay_ns - t0;
    return rc;
}

/* Replay when due at monotonic time `now` (force: whenever anything is pending). */
static int maybe_replay(struct builtin *b, sh_findings *out, bool force, uint64_t now)
{
    if (!b->dirty)
        return SH_OK;
    /* while busy, replays take at most about a third of the time */
    if (!force) {
        uint64_t gap = (uint64_t)REPLAY_MS * 1000000u;
        if (gap < 2 * b->replay_cost_ns)
            gap = 2 * b->replay_cost_ns;
        /* `now` may predate a replay earlier in the same batch */
        if (now < b->last_replay_ns || now - b->last_replay_ns < gap)
            return SH_OK;
    }
    b->out = out;
    return replay_ring(b);
}

/* ---- phase A: one message, any lane ---- */

static int on_hit(const struct sg_rule *r, const struct sh_log_event *ev, void *ud)
{
    struct lane *l = ud;
    struct msg_res *res = l->res;

    if (r->corr_input) {
        res->corr_hit = true;
        if (res->nrules < ENT_RULES)
            res->rules[res->nrules++] = r;
        else
            res->rules_known = false;
    }
    if (r->suppressed)
        return 0; /* only feeds a correlation (generate: false) */
    return detection_finding(l, r, ev);
}

static int eval_msg(struct lane *l, const sh_watch_msg *m, struct msg_res *res, sh_findings *out,
                    bool *parsed)
{
    struct builtin *b = l->b;
    struct sh_log_event *ev = l->ev;
    int rc;

    l->out = out;
    l->msg = m;
    l->res = res;
    res->snap = NULL;
    res->corr_hit = false;
    res->nrules = 0;
    res->rules_known = true;
    /* consecutive messages mostly share a sender: format its path once */
    if (l->path_transport != m->transport || strcmp(l->path_peer, m->peer) != 0) {
        snprintf(l->path, sizeof(l->path), "%s://%s", m->transport, m->peer);
        snprintf(l->path_peer, sizeof(l->path_peer), "%s", m->peer);
        l->path_transport = m->transport;
    }
    memcpy(res->path, l->path, sizeof(res->path));
    sh_syslog_parse(ev, m->data, m->len, NULL);
    ev->path = res->path;
    ev->line = 0;
    ev->pos = 0;
    /* no time in the message: the receive time stands in for it */
    if (ev->ts_ms == 0)
        ev->ts_ms = m->recv_ms;
    res->ts_ms = ev->ts_ms;
    *parsed = ev->parsed;
    rc = sh_sigma__eval(l->scratch, ev, on_hit, l);
    if (rc == 0 && res->corr_hit && b->g->has_corr && !(res->snap = snap_take(ev)))
        rc = SH_ENOMEM;
    if (rc == 0 && b->g->iocs) {
        l->err = 0;
        sh_ioc_sweep(b->g->iocs, m->data, m->len, on_ioc, l);
        rc = l->err;
    }
    return rc;
}

/* ---- phase B: the calling thread, in message order ---- */

/* `rc`: phase A's result; a failed message still takes its sequence number. */
static int corr_step(struct builtin *b, struct msg_res *res, sh_findings *out, uint64_t now, int rc)
{
    b->seq++;
    b->out = out;
    memcpy(b->path, res->path, sizeof(b->path));
    if (rc != 0)
        return rc;
    if (res->corr_hit && b->g->has_corr) {
        rc = ring_add(b, res);
        b->dirty = true;
    }
    if (rc == 0)
        rc = maybe_replay(b, out, false, now);
    return rc;
}

static int fail_diag(sh_diag *diag, const struct msg_res *res, int rc)
{
    return sh_diag_set(diag, rc, res->path, 0, "rule evaluation failed: %s", sh_status_str(rc));
}

/* ---- helper threads ---- */

/* Take messages LANE_CHUNK at a time until the batch is used up. */
static void lane_run(struct lane *l, struct pool *p)
{
    size_t i, end;

    while ((i = atomic_fetch_add(&p->next, LANE_CHUNK)) < p->n) {
        end = i + LANE_CHUNK < p->n ? i + LANE_CHUNK : p->n;
        for (; i < end; i++)
            p->rcs[i] = eval_msg(l, &p->msgs[i], &l->b->res[i], &p->outs[i], &p->parsed[i]);
    }
}

struct helper_arg {
    struct builtin *b;
    size_t lane;
};

static void *helper_main(void *arg)
{
    struct builtin *b = ((struct helper_arg *)arg)->b;
    struct lane *l = &b->lanes[((struct helper_arg *)arg)->lane];
    struct pool *p = &b->pool;
    uint64_t seen = 0;

    sh_free(arg);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->job == seen && !p->quit)
            pthread_cond_wait(&p->go, &p->mu);
        if (p->quit)
            break;
        seen = p->job;
        pthread_mutex_unlock(&p->mu);
        l->scratch = b->g->scratch[l - b->lanes];
        lane_run(l, p);
        pthread_mutex_lock(&p->mu);
        if (--p->busy == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void pool_stop(struct builtin *b)
{
    struct pool *p = &b->pool;
    size_t i;

    if (!b->pool_up)
        return;
    pthread_mutex_lock(&p->mu);
    p->quit = true;
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    for (i = 0; i < p->n_th; i++)
        pthread_join(p->th[i], NULL);
    pthread_cond_destroy(&p->go);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->mu);
    b->pool_up = false;
}

/* Helpers for lanes 1..n_lanes-1; fewer lanes when a thread cannot start. */
static void pool_start(struct builtin *b)
{
    struct pool *p = &b->pool;
    size_t i;

    if (b->n_lanes < 2)
        return;
    if (pthread_mutex_init(&p->mu, NULL) != 0)
        goto single;
    pthread_cond_init(&p->go, NULL);
    pthread_cond_init(&p->done, NULL);
    b->pool_up = true;
    for (i = 1; i < b->n_lanes; i++) {
        struct helper_arg *a = sh_malloc(sizeof(*a));
        if (!a)
            break;
        a->b = b;
        a->lane = i;
        if (pthread_create(&p->th[p->n_th], NULL, helper_main, a) != 0) {
            sh_free(a);
            break;
        }
        p->n_th++;
    }
    b->n_lanes = p->n_th + 1;
    if (p->n_th > 0)
        return;
    pool_stop(b);
single:
    b->n_lanes = 1;
}

/* ---- engine vtable ---- */

static int process(void *self, const sh_watch_msg *m, sh_findings *out, bool *parsed, sh_diag *diag)
{
    struct builtin *b = self;
    struct lane *l = &b->lanes[0];
    struct msg_res *res = b->res;
    int rc;

    l->scratch = b->g->scratch[0];
    rc = eval_msg(l, m, res, out, parsed);
    rc = corr_step(b, res, out, sh_watch__mono_ns(), rc);
    SH_FREE(res->snap);
    if (rc != 0)
        return fail_diag(diag, res, rc);
    return SH_OK;
}

static int process_batch(void *self, const sh_watch_msg *msgs, size_t n, sh_findings *outs,
                         bool *parsed, int *rcs, sh_diag *diag)
{
    struct builtin *b = self;
    struct pool *p = &b->pool;
    bool helpers = b->pool_up && n >= LANE_MIN_BATCH;
    uint64_t now;
    size_t i;
    int first = SH_OK;

    if (n > b->res_cap) {
        struct msg_res *r = sh_realloc(b->res, n * sizeof(*r));
        if (!r)
            return SH_ENOMEM;
        b->res = r;
        b->res_cap = n;
    }
    b->lanes[0].scratch = b->g->scratch[0];
    p->msgs = msgs;
    p->n = n;
    p->outs = outs;
    p->parsed = parsed;
    p->rcs = rcs;
    atomic_store(&p->next, 0);
    if (helpers) {
        pthread_mutex_lock(&p->mu);
        p->job++;
        p->busy = p->n_th;
        pthread_cond_broadcast(&p->go);
        pthread_mutex_unlock(&p->mu);
    }
    lane_run(&b->lanes[0], p);
    if (helpers) {
        pthread_mutex_lock(&p->mu);
        while (p->busy > 0)
            pthread_cond_wait(&p->done, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
    now = sh_watch__mono_ns();
    for (i = 0; i < n; i++) {
        rcs[i] = corr_step(b, &b->res[i], &outs[i], now, rcs[i]);
        SH_FREE(b->res[i].snap); /* when the ring did not take it */
        if (rcs[i] != 0 && first == SH_OK)
            first = fail_diag(diag, &b->res[i], rcs[i]);
    }
    return first;
}

static int idle(void *self, sh_findings *out)
{
    return maybe_replay(self, out, true, sh_watch__mono_ns());
}

static int reload(void *self, sh_diag *diag)
{
    struct builtin *b = self;
    struct gen *g = NULL;
    int rc;

    rc = gen_build(&g, b->cfg, b->n_lanes, diag);
    if (rc != 0)
        return rc; /* the running generation stays */
    g->id = ++b->gen_ids;
    gen_free(b->g);
    b->g = g;
    /* the ring holds raw messages, so it is valid under the new rules too */
    return SH_OK;
}

static void engine_free(void *self)
{
    struct builtin *b = self;
    size_t i;

    if (!b)
        return;
    pool_stop(b);
    ring_clear(b);
    gen_free(b->g);
    for (i = 0; i < MAX_LANES; i++)
        sh_free(b->lanes[i].ev);
    sh_free(b->rev);
    sh_free(b->res);
    sh_free(b);
}

/* One lane per online CPU, at most MAX_LANES. */
static size_t lane_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    if (n < 1)
        return 1;
    return (size_t)n < MAX_LANES ? (size_t)n : MAX_LANES;
}

int sh_watch_engine_builtin_new(sh_watch_engine *out, const sh_watch_config *cfg, sh_diag *diag)
{
    struct builtin *b;
    size_t i;
    int rc;

    SH_ASSERT_ARG(out && cfg);
    b = sh_calloc(1, sizeof(*b));
    if (!b)
        return SH_ENOMEM;
    b->cfg = cfg;
    b->n_lanes = lane_count();
    b->rev = sh_calloc(1, sizeof(*b->rev));
    b->res = sh_calloc(1, sizeof(*b->res));
    b->res_cap = 1;
    if (!b->rev || !b->res) {
        engine_free(b);
        return SH_ENOMEM;
    }
    for (i = 0; i < b->n_lanes; i++) {
        b->lanes[i].b = b;
        b->lanes[i].ev = sh_calloc(1, sizeof(*b->lanes[i].ev));
        if (!b->lanes[i].ev) {
            engine_free(b);
            return SH_ENOMEM;
        }
    }
    rc = gen_build(&b->g, cfg, b->n_lanes, diag);
    if (rc != 0) {
        engine_free(b);
        return rc;
    }
    b->g->id = ++b->gen_ids;
    pool_start(b);
    memset(out, 0, sizeof(*out));
    out->self = b;
    out->process = process;
    out->process_batch = process_batch;
    out->reload = reload;
    out->idle = idle;
    out->flush = idle;
    out->free = engine_free;
    return SH_OK;
}
