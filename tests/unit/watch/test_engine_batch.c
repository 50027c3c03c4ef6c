/*
 * test_engine_batch.c - the built-in watch engine gives the same alerts
 * whether messages come one process() call at a time or in process_batch()
 * batches evaluated on several lanes: same detection and indicator alerts,
 * per message, in the same order. Also the queue's chains: what a full
 * queue cannot take is counted and freed, and items outlive the chain's
 * block hand-over.
 */
#include "base/sh_base.h"
#include "watch/watch_int.h"

#include <stdio.h>

#include "test.h"

#define MAXMSG 4096
#define BATCH 256

struct stream {
    char *buf;
    sh_watch_msg m[MAXMSG];
    size_t n;
};

/* The example network's day of syslog, three times over (more than one batch). */
static int load_stream(struct stream *s)
{
    size_t len = 0, rep;
    sh_diag d;
    char *p, *e;
    int rc;

    memset(&d, 0, sizeof(d));
    rc = sh_file_read(&s->buf, &len, sh_test_src("examples/network/logs/network-2025-03-11.log"),
                      1u << 24, &d);
    if (rc != 0)
        return rc;
    for (rep = 0; rep < 3; rep++) {
        for (p = s->buf, e = s->buf + len; p < e && s->n < MAXMSG;) {
            char *nl = memchr(p, '\n', (size_t)(e - p));
            size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
            if (n) {
                sh_watch_msg *m = &s->m[s->n++];
                m->data = p;
                m->len = n;
                m->truncated = false;
                m->peer = s->n % 7 ? "10.250.10.11:51234" : "10.250.10.12:40000";
                m->transport = "tcp";
                m->recv_ms = 1741737600000LL + (int64_t)s->n;
            }
            p = nl ? nl + 1 : e;
        }
    }
    return 0;
}

/* Correlation alerts depend on when replays run; the rest must match exactly. */
static bool is_corr(const sh_finding *f)
{
    size_t n = f->message ? strlen(f->message) : 0;

    return n > 8 && strcmp(f->message + n - 8, " events)") == 0;
}

static void key(const sh_finding *f, char *buf, size_t size)
{
    snprintf(buf, size, "%s|%s|%s|%s|%s|%s", f->rule ? f->rule : "", f->device ? f->device : "",
             f->path ? f->path : "", f->time ? f->time : "", f->evidence ? f->evidence : "",
             f->message ? f->message : "");
}

static size_t non_corr(const sh_findings *l, const sh_finding **v, size_t cap)
{
    size_t i, n = 0;

    for (i = 0; i < l->n && n < cap; i++)
        if (!is_corr(l->v[i]))
            v[n++] = l->v[i];
    return n;
}

SH_TEST(batch_equals_one_by_one)
{
    static struct stream s;
    static sh_findings one[MAXMSG], outs[BATCH];
    static bool parsed[BATCH], one_parsed[MAXMSG];
    static int rcs[BATCH];
    sh_watch_config *cfg = NULL;
    sh_watch_engine a, b;
    sh_diag d;
    size_t i, j, alerts = 0, mismatched = 0, parsed_diff = 0;

    memset(&d, 0, sizeof(d));
    CHECK_OK(load_stream(&s));
    CHECK(s.n > BATCH);
    CHECK_OK(sh_watch_config_new(&cfg));
    CHECK_OK(sh_watch_engine_builtin_new(&a, cfg, &d));
    CHECK_OK(sh_watch_engine_builtin_new(&b, cfg, &d));
    CHECK(b.process_batch != NULL);
    for (i = 0; i < s.n; i++) {
        CHECK_OK(a.process(a.self, &s.m[i], &one[i], &one_parsed[i], &d));
    }
    for (i = 0; i < s.n; i += BATCH) {
        size_t n = s.n - i < BATCH ? s.n - i : BATCH;
        CHECK_OK(b.process_batch(b.self, &s.m[i], n, outs, parsed, rcs, &d));
        for (j = 0; j < n; j++) {
            const sh_finding *x[64], *y[64];
            size_t nx = non_corr(&one[i + j], x, 64), ny = non_corr(&outs[j], y, 64), k;
            CHECK_EQ_INT(rcs[j], 0);
            if (parsed[j] != one_parsed[i + j])
                parsed_diff++;
            if (nx != ny)
                mismatched++;
            for (k = 0; k < nx && k < ny; k++) {
                char kx[2048], ky[2048];
                key(x[k], kx, sizeof(kx));
                key(y[k], ky, sizeof(ky));
                if (strcmp(kx, ky) != 0)
                    mismatched++;
            }
            alerts += nx;
            sh_findings_clear(&outs[j]);
        }
    }
    CHECK_EQ_INT((int)mismatched, 0);
    CHECK_EQ_INT((int)parsed_diff, 0);
    /* the fixture holds the advisory's tradecraft: alerts must come out */
    CHECK(alerts >= 10);
    for (i = 0; i < s.n; i++)
        sh_findings_clear(&one[i]);
    a.free(a.self);
    b.free(b.self);
    sh_watch_config_free(cfg);
    sh_free(s.buf);
}

SH_TEST(chain_into_full_queue)
{
    struct sh_watch_queue q;
    struct sh_watch_chain c;
    struct sh_watch_stats st;
    struct sh_watch_item *it, *next;
    char msg[64];
    size_t lost = 0, i, got = 0;

    memset(&st, 0, sizeof(st));
    CHECK_OK(sh_watch__queue_init(&q, 10, &st));
    sh_watch__chain_init(&c);
    for (i = 0; i < 25; i++) {
        snprintf(msg, sizeof(msg), "message %zu", i);
        CHECK_OK(sh_watch__chain_add(&c, msg, strlen(msg), false, SH_WATCH_UDP, "127.0.0.1:9",
                                     1000 + (int64_t)i));
    }
    /* UDP never waits: ten fit, fifteen are counted and freed */
    sh_watch__queue_push_chain(&q, &c, false, &lost);
    CHECK_EQ_INT((int)lost, 15);
    CHECK_EQ_INT((int)q.n, 10);
    CHECK(c.head == NULL && c.n == 0);
    /* the chain keeps filling its block while queued items are still alive */
    CHECK_OK(sh_watch__chain_add(&c, "late", 4, false, SH_WATCH_TCP, "127.0.0.1:10", 2000));
    /* a stream push waits only while the queue is full: drain it first */
    for (it = q.head; it; it = next) {
        next = it->next;
        snprintf(msg, sizeof(msg), "message %zu", got);
        CHECK(it->len == strlen(msg) && memcmp(it->data, msg, it->len) == 0);
        CHECK_STR(it->peer, "127.0.0.1:9");
        got++;
        sh_watch__item_free(it);
    }
    q.head = q.tail = NULL;
    q.n = 0;
    CHECK_EQ_INT((int)got, 10);
    sh_watch__queue_push_chain(&q, &c, true, &lost);
    CHECK_EQ_INT((int)lost, 0);
    CHECK(q.head != NULL && q.head->len == 4 && memcmp(q.head->data, "late", 4) == 0);
    /* a message bigger than a block gets a block of its own */
    {
        size_t big = WATCH_BLOCK_BYTES + 100;
        char *p = sh_malloc(big);
        CHECK(p != NULL);
        if (p) {
            memset(p, 'x', big);
            CHECK_OK(sh_watch__chain_add(&c, p, big, true, SH_WATCH_TCP, "127.0.0.1:10", 3000));
            sh_free(p);
        }
    }
    sh_watch__queue_close(&q);
    sh_watch__queue_push_chain(&q, &c, true, &lost);
    CHECK_EQ_INT((int)lost, 1); /* a closed queue takes nothing */
    sh_watch__chain_release(&c);
    sh_watch__queue_destroy(&q); /* frees "late"; ASan reports any leaked block */
}
