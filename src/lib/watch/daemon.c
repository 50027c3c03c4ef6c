/*
 * daemon.c - sh_watch_run: the listener event loop and the processing
 * thread (docs/internals/WATCH.md has the picture).
 *
 * Two threads. The I/O thread (the caller's) owns every socket: one epoll
 * set with the UDP, TCP, TLS and metrics listeners, the accepted
 * connections and a self-pipe that the signal handlers write to. It
 * de-frames TCP/TLS streams (framing.c) and pushes each message to the
 * queue. The processing thread pops messages, runs the engine, archives
 * the raw message and writes alerts to the sinks. Signal handlers only set
 * flags and write one byte to the self-pipe.
 *
 * Nothing read is lost: a TCP/TLS push waits for queue room (the sender is
 * slowed by TCP flow control), reloads happen between two messages on the
 * processing thread, and at SIGTERM every connection is read until the
 * kernel has nothing more, partial frames are delivered, and the queue is
 * drained through the engine and sinks before sh_watch_run returns. UDP
 * cannot be slowed: datagrams that find the queue full, and those the
 * kernel dropped (SO_RXQ_OVFL), are counted.
 */
#include "../base/sh_base.h"

#include "framing.h"
#include "watch_int.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define UDP_BATCH 32
#define UDP_RCVBUF (8 << 20) /* bytes: about 50,000 typical messages, 0.5 s at 100k/s */
#define READ_CHUNK 65536
#define READS_PER_EVENT 16
#define HTTP_MAX 2048
#define HTTP_TIMEOUT_S 5

enum fdkind { K_UDP = 1, K_TCP_LISTEN, K_HTTP_LISTEN, K_CONN, K_HTTP, K_WAKE };

struct lsock {
    enum fdkind kind;
    int fd;
    enum sh_watch_proto proto;
    uint32_t ovfl_last; /* UDP: last SO_RXQ_OVFL value */
    char name[160];
};

struct conn {
    enum fdkind kind;
    int fd;
    enum sh_watch_proto proto;
    SSL *ssl;
    bool handshaking;
    bool out_armed; /* EPOLLOUT registered */
    char peer[48];
    struct sh_frame_dec dec;
    uint64_t last_ns;
    struct conn *prev, *next;
    char *http;
    size_t http_len;
};

#define BATCH_MAX 1024 /* messages the processing thread takes from the queue at once */

/* The processing thread's view of one batch (process_batch engines). */
struct batch {
    struct sh_watch_item *items[BATCH_MAX];
    sh_watch_msg msgs[BATCH_MAX];
    sh_findings outs[BATCH_MAX];
    bool parsed[BATCH_MAX];
    int rcs[BATCH_MAX];
};

struct daemon {
    const struct sh_watch_config *cfg;
    sh_watch_engine *eng;
    sh_watch_log_fn log;
    void *log_ud;
    pthread_mutex_t log_mu;
    int ep;
    int wake[2];
    struct lsock ls[SH_WATCH_MAX_LISTENERS + 1];
    size_t n_ls;
    struct conn *conns;
    SSL_CTX *tls;
    struct sh_watch_queue q;
    bool q_ready;
    struct sh_watch_sinks *sinks;
    struct sh_watch_stats st;
    struct batch *batch;         /* processing thread only */
    struct sh_watch_chain chain; /* I/O thread: messages of the current read */
    char *rbuf;
    /* UDP batch buffers */
    char *ubuf;
    size_t ubuf_each;
};

static volatile sig_atomic_t g_term, g_hup;
static volatile int g_wake_fd = -1;

static void on_signal(int sig)
{
    int saved = errno;
    char c = 1;

    if (sig == SIGHUP)
        g_hup = 1;
    else
        g_term = 1;
    if (g_wake_fd >= 0)
        (void)!write(g_wake_fd, &c, 1);
    errno = saved;
}

static void logf_(struct daemon *d, sh_watch_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void logf_(struct daemon *d, sh_watch_log_level lvl, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    if (!d->log)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&d->log_mu);
    d->log(lvl, msg, d->log_ud);
    pthread_mutex_unlock(&d->log_mu);
}

static void log_diag(struct daemon *d, sh_watch_log_level lvl, const char *what, const sh_diag *dg)
{
    if (dg->source[0] && dg->line)
        logf_(d, lvl, "%s: %s:%u: %s", what, dg->source, dg->line, dg->text);
    else if (dg->source[0])
        logf_(d, lvl, "%s: %s: %s", what, dg->source, dg->text);
    else
        logf_(d, lvl, "%s: %s", what, dg->text[0] ? dg->text : sh_status_str(dg->code));
}

static const char *proto_name(int p)
{
    return p == SH_WATCH_UDP ? "udp" : p == SH_WATCH_TCP ? "tcp" : "tls";
}

/* ---- processing thread ---- */

static void bump_latency(struct sh_watch_stats *st, int64_t recv_ms)
{
    int64_t lat = sh_watch__now_ms() - recv_ms;
    int i;

    if (lat < 0)
        lat = 0;
    for (i = 0; i < 7; i++) {
        if ((double)lat <= sh_watch__lat_bounds_ms[i])
            break;
    }
    atomic_fetch_add(&st->lat_bucket[i], 1);
    atomic_fetch_add(&st->lat_sum_us, (uint64_t)lat * 1000);
    atomic_fetch_add(&st->lat_count, 1);
}

static void write_alerts(struct daemon *d, sh_findings *out, int64_t recv_ms)
{
    size_t i;
    sh_diag dg;

    for (i = 0; i < out->n; i++) {
        sh_finding *f = out->v[i];
        if (!f->fingerprint[0])
            sh_finding_fingerprint(f);
        sh_diag_clear(&dg);
        if (sh_watch__sinks_alert(d->sinks, f, &dg) != 0) {
            atomic_fetch_add(&d->st.drops[SH_DROP_SINK], 1);
            log_diag(d, SH_WATCH_LOG_ERROR, "alert sink", &dg);
            continue;
        }
        atomic_fetch_add(&d->st.alerts, 1);
        if (recv_ms)
            bump_latency(&d->st, recv_ms);
    }
    sh_findings_clear(out);
}

/* What follows the engine for one message: archive, alerts. */
static void after_engine(struct daemon *d, struct sh_watch_item *it, sh_findings *out)
{
    sh_diag dg;

    sh_diag_clear(&dg);
    if (sh_watch__sinks_archive(d->sinks, it, &dg) != 0) {
        atomic_fetch_add(&d->st.drops[SH_DROP_SINK], 1);
        log_diag(d, SH_WATCH_LOG_ERROR, "archive", &dg);
    } else if (d->cfg->archive_dir) {
        atomic_fetch_add(&d->st.archived, 1);
    }
    write_alerts(d, out, it->recv_ms);
}

static void fill_msg(sh_watch_msg *m, const struct sh_watch_item *it)
{
    m->data = it->data;
    m->len = it->len;
    m->truncated = it->truncated;
    m->peer = it->peer;
    m->transport = proto_name(it->proto);
    m->recv_ms = it->recv_ms;
}

/*
 * A batch through an engine with process_batch: one engine call (which
 * may spread the evaluation over several threads), then archive and
 * alerts per message in queue order. Frees the items.
 */
static void process_list(struct daemon *d, struct sh_watch_item *list)
{
    struct batch *bt = d->batch;
    struct sh_watch_item *it;
    size_t n = 0, i, parsed = 0;
    uint64_t t0;
    sh_diag dg;
    int rc;

    for (it = list; it && n < BATCH_MAX; it = it->next) {
        bt->items[n] = it;
        fill_msg(&bt->msgs[n], it);
        bt->parsed[n] = false;
        bt->rcs[n] = 0;
        n++;
    }
    sh_diag_clear(&dg);
    t0 = sh_watch__mono_ns();
    rc = d->eng->process_batch(d->eng->self, bt->msgs, n, bt->outs, bt->parsed, bt->rcs, &dg);
    atomic_fetch_add(&d->st.eval_ns, sh_watch__mono_ns() - t0);
    for (i = 0; i < n; i++) {
        if (rc < 0 && bt->rcs[i] == 0)
            bt->rcs[i] = rc; /* the batch as a whole failed */
        if (bt->rcs[i] < 0)
            atomic_fetch_add(&d->st.drops[SH_DROP_ENGINE], 1);
        parsed += bt->parsed[i];
    }
    if (rc < 0)
        log_diag(d, SH_WATCH_LOG_WARNING, "engine", &dg);
    atomic_fetch_add(&d->st.parsed, parsed);
    atomic_fetch_add(&d->st.unparsed, n - parsed);
    for (i = 0; i < n; i++) {
        after_engine(d, bt->items[i], &bt->outs[i]);
        sh_watch__item_free(bt->items[i]);
    }
}

static void process_item(struct daemon *d, struct sh_watch_item *it)
{
    sh_watch_msg m;
    sh_findings out = {0};
    bool parsed = false;
    sh_diag dg;
    uint64_t t0;
    int rc;

    fill_msg(&m, it);
    sh_diag_clear(&dg);
    t0 = sh_watch__mono_ns();
    rc = d->eng->process(d->eng->self, &m, &out, &parsed, &dg);
    atomic_fetch_add(&d->st.eval_ns, sh_watch__mono_ns() - t0);
    if (rc < 0) {
        atomic_fetch_add(&d->st.drops[SH_DROP_ENGINE], 1);
        log_diag(d, SH_WATCH_LOG_WARNING, "engine", &dg);
    }
    atomic_fetch_add(parsed ? &d->st.parsed : &d->st.unparsed, 1);
    after_engine(d, it, &out);
}

static void do_reload(struct daemon *d)
{
    sh_diag dg;
    int rc;

    sh_diag_clear(&dg);
    if (!d->eng->reload) {
        logf_(d, SH_WATCH_LOG_WARNING, "reload: this engine cannot reload");
        sh_watch__notify("READY=1");
        return;
    }
    rc = d->eng->reload(d->eng->self, &dg);
    if (rc == 0) {
        atomic_fetch_add(&d->st.reloads_ok, 1);
        logf_(d, SH_WATCH_LOG_INFO, "reload: new rules and policy active");
        sh_watch__notify("READY=1\nSTATUS=rules reloaded");
    } else {
        atomic_fetch_add(&d->st.reloads_failed, 1);
        log_diag(d, SH_WATCH_LOG_ERROR, "reload rejected, previous rules keep running", &dg);
        sh_watch__notify("READY=1\nSTATUS=reload rejected, previous rules running");
    }
}

static void *worker_main(void *arg)
{
    struct daemon *d = arg;
    struct sh_watch_queue *q = &d->q;
    sh_diag dg;

    for (;;) {
        struct sh_watch_item *batch, *it, *next;
        bool reload, empty_after;

        pthread_mutex_lock(&q->mu);
        while (!q->head && !q->closed && !q->reload)
            pthread_cond_wait(&q->not_empty, &q->mu);
        reload = q->reload;
        q->reload = false;
        if (reload) {
            pthread_mutex_unlock(&q->mu);
            /* everything taken before this point was processed under the
             * old rules; everything after runs under the new ones */
            do_reload(d);
            continue;
        }
        batch = q->head;
        if (!batch) {
            pthread_mutex_unlock(&q->mu); /* closed and drained */
            break;
        }
        /*
         * Take at most BATCH_MAX at a time so a reload request is seen soon.
         * The walk to the batch's last item runs outside the lock (it waits
         * on cache lines the I/O thread wrote, and the I/O thread should not
         * wait for it): the first `avail` items and the links between them
         * were complete when q->n was read, and the I/O thread only ever
         * appends after the tail, so only the last item's link is read
         * under the lock again.
         */
        {
            size_t k = 1, avail = q->n;
            struct sh_watch_item *last = batch;
            pthread_mutex_unlock(&q->mu);
            while (k < avail && k < BATCH_MAX) {
                last = last->next;
                k++;
            }
            pthread_mutex_lock(&q->mu);
            q->head = last->next;
            if (!q->head)
                q->tail = NULL;
            last->next = NULL;
            q->n -= k;
        }
        atomic_store(&d->st.queue_depth, q->n);
        /* a waiting TCP reader resumes once a quarter of the queue is free,
         * not after every batch: fewer wake-ups, same back-pressure */
        if (q->producer_waiting && q->n <= q->cap - q->cap / 4)
            pthread_cond_broadcast(&q->not_full);
        pthread_mutex_unlock(&q->mu);

        if (d->eng->process_batch) {
            process_list(d, batch);
        } else {
            for (it = batch; it; it = next) {
                next = it->next;
                process_item(d, it);
                sh_watch__item_free(it);
            }
        }
        pthread_mutex_lock(&q->mu);
        empty_after = q->head == NULL;
        pthread_mutex_unlock(&q->mu);
        if (empty_after) {
            if (d->eng->idle) {
                sh_findings out = {0};
                uint64_t t0 = sh_watch__mono_ns();
                if (d->eng->idle(d->eng->self, &out) != 0)
                    atomic_fetch_add(&d->st.drops[SH_DROP_ENGINE], 1);
                atomic_fetch_add(&d->st.eval_ns, sh_watch__mono_ns() - t0);
                write_alerts(d, &out, 0);
            }
            sh_diag_clear(&dg);
            if (sh_watch__sinks_flush(d->sinks, &dg) != 0)
                log_diag(d, SH_WATCH_LOG_ERROR, "flush", &dg);
        }
    }
    if (d->eng->flush) {
        sh_findings out = {0};
        if (d->eng->flush(d->eng->self, &out) == 0)
            write_alerts(d, &out, 0);
        sh_findings_clear(&out);
    }
    sh_diag_clear(&dg);
    if (sh_watch__sinks_flush(d->sinks, &dg) != 0)
        log_diag(d, SH_WATCH_LOG_ERROR, "flush", &dg);
    return NULL;
}

/* ---- I/O thread ---- */

static int ep_add(struct daemon *d, int fd, uint32_t events, void *ptr)
{
    struct epoll_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.events = events;
    ev.data.ptr = ptr;
    return epoll_ctl(d->ep, EPOLL_CTL_ADD, fd, &ev);
}

static int ep_mod(struct daemon *d, int fd, uint32_t events, void *ptr)
{
    struct epoll_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.events = events;
    ev.data.ptr = ptr;
    return epoll_ctl(d->ep, EPOLL_CTL_MOD, fd, &ev);
}

static int bind_one(struct daemon *d, const struct sh_watch_endpoint *e, enum fdkind kind,
                    sh_diag *diag)
{
    struct lsock *l = &d->ls[d->n_ls];
    struct sockaddr_storage got;
    socklen_t glen = sizeof(got);
    int one = 1, type = e->proto == SH_WATCH_UDP ? SOCK_DGRAM : SOCK_STREAM;
    char addr[64];

    memset(l, 0, sizeof(*l));
    l->kind = kind;
    l->proto = e->proto;
    l->fd = socket(e->addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (l->fd < 0)
        return sh_diag_set(diag, SH_EIO, NULL, 0, "%s: socket: %s", e->text, strerror(errno));
    setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (e->addr.ss_family == AF_INET6)
        setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (type == SOCK_DGRAM) {
        int rcv = UDP_RCVBUF;
        setsockopt(l->fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
        if (setsockopt(l->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) != 0)
            setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
    }
    if (bind(l->fd, (const struct sockaddr *)&e->addr, e->addrlen) != 0) {
        int rc = sh_diag_set(diag, SH_EIO, NULL, 0, "%s: bind: %s", e->text, strerror(errno));
        close(l->fd);
        return rc;
    }
    if (type == SOCK_DGRAM) {
        /* the kernel reports twice what it grants; without CAP_NET_ADMIN the
         * grant is capped by net.core.rmem_max */
        int got_rcv = 0;
        socklen_t rl = sizeof(got_rcv);
        if (getsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &got_rcv, &rl) == 0 &&
            got_rcv / 2 < UDP_RCVBUF)
            logf_(d, SH_WATCH_LOG_WARNING,
                  "%s: UDP receive buffer is %d KiB, not the %d KiB asked for "
                  "(raise net.core.rmem_max): bursts may overflow it",
                  e->text, got_rcv / 2 / 1024, UDP_RCVBUF / 1024);
    }
    if (type == SOCK_STREAM && listen(l->fd, 512) != 0) {
        int rc = sh_diag_set(diag, SH_EIO, NULL, 0, "%s: listen: %s", e->text, strerror(errno));
        close(l->fd);
        return rc;
    }
    getsockname(l->fd, (struct sockaddr *)&got, &glen);
    sh_watch__addr_str((struct sockaddr *)&got, glen, addr, sizeof(addr));
    snprintf(l->name, sizeof(l->name), "%s://%s",
             kind == K_HTTP_LISTEN ? "http" : proto_name(e->proto), addr);
    if (ep_add(d, l->fd, EPOLLIN, l) != 0) {
        close(l->fd);
        return sh_diag_set(diag, SH_EIO, NULL, 0, "epoll: %s", strerror(errno));
    }
    d->n_ls++;
    logf_(d, SH_WATCH_LOG_INFO, "listening on %s%s", l->name,
          kind == K_HTTP_LISTEN ? "/metrics" : "");
    return SH_OK;
}

static int tls_setup(struct daemon *d, sh_diag *diag)
{
    const struct sh_watch_config *c = d->cfg;
    bool verify = c->tls_ca && (c->tls_verify_set ? c->tls_verify_clients : true);

    d->tls = SSL_CTX_new(TLS_server_method());
    if (!d->tls)
        return SH_ENOMEM;
    SSL_CTX_set_min_proto_version(d->tls, TLS1_2_VERSION);
    SSL_CTX_set_mode(d->tls, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (SSL_CTX_use_certificate_chain_file(d->tls, c->tls_cert) != 1)
        return sh_diag_set(diag, SH_EIO, c->tls_cert, 0, "cannot load certificate: %s",
                           ERR_reason_error_string(ERR_get_error()));
    if (SSL_CTX_use_PrivateKey_file(d->tls, c->tls_key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(d->tls) != 1)
        return sh_diag_set(diag, SH_EIO, c->tls_key, 0, "cannot load private key: %s",
                           ERR_reason_error_string(ERR_get_error()));
    if (c->tls_ca) {
        if (SSL_CTX_load_verify_locations(d->tls, c->tls_ca, NULL) != 1)
            return sh_diag_set(diag, SH_EIO, c->tls_ca, 0, "cannot load CA: %s",
                               ERR_reason_error_string(ERR_get_error()));
    }
    if (verify)
        SSL_CTX_set_verify(d->tls, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    return SH_OK;
}

/* The frames of one read: gathered into d->chain, counted, then pushed at once. */
struct push_ctx {
    struct daemon *d;
    struct conn *c;
    int64_t now_ms; /* one receive time for everything one read delivered */
    uint64_t n, bytes, truncated, failed;
};

static int on_frame(const char *msg, size_t len, bool truncated, void *ud)
{
    struct push_ctx *p = ud;

    p->n++;
    p->bytes += len;
    p->truncated += truncated;
    if (sh_watch__chain_add(&p->d->chain, msg, len, truncated, p->c->proto, p->c->peer,
                            p->now_ms) != 0)
        p->failed++;
    return 0;
}

static void push_init(struct push_ctx *p, struct daemon *d, struct conn *c)
{
    memset(p, 0, sizeof(*p));
    p->d = d;
    p->c = c;
    p->now_ms = sh_watch__now_ms();
}

/* Counters, then the chain into the queue; waits for room: a stream is
 * never dropped, the sender is slowed. */
static void push_done(struct push_ctx *p)
{
    struct daemon *d = p->d;

    if (p->truncated)
        atomic_fetch_add(&d->st.drops[SH_DROP_TRUNCATED], p->truncated);
    if (p->n) {
        atomic_fetch_add(&d->st.received[p->c->proto], p->n);
        atomic_fetch_add(&d->st.bytes, p->bytes);
    }
    if (p->failed)
        atomic_fetch_add(&d->st.drops[SH_DROP_QUEUE_FULL], p->failed);
    sh_watch__queue_push_chain(&d->q, &d->chain, true, NULL);
}

static void conn_feed(struct daemon *d, struct conn *c, const char *data, size_t n)
{
    struct push_ctx p;
    uint64_t bad = c->dec.st.malformed;

    push_init(&p, d, c);
    sh_frame_feed(&c->dec, data, n, NULL, on_frame, &p);
    push_done(&p);
    if (c->dec.st.malformed != bad)
        atomic_fetch_add(&d->st.drops[SH_DROP_MALFORMED], c->dec.st.malformed - bad);
}

static void conn_close(struct daemon *d, struct conn *c)
{
    if (c->kind == K_CONN) {
        struct push_ctx p;
        push_init(&p, d, c);
        /* a last line without newline, or a cut frame: still delivered */
        sh_frame_finish(&c->dec, on_frame, &p);
        push_done(&p);
        sh_frame_free(&c->dec);
        atomic_fetch_sub(&d->st.conns_open, 1);
    }
    epoll_ctl(d->ep, EPOLL_CTL_DEL, c->fd, NULL);
    if (c->ssl) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
    }
    close(c->fd);
    if (c->prev)
        c->prev->next = c->next;
    else
        d->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    sh_free(c->http);
    sh_free(c);
}

static void do_accept(struct daemon *d, struct lsock *l)
{
    int i;

    for (i = 0; i < 64; i++) {
        struct sockaddr_storage sa;
        socklen_t slen = sizeof(sa);
        struct conn *c;
        int fd = accept4(l->fd, (struct sockaddr *)&sa, &slen, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0)
            return;
        if (l->kind == K_TCP_LISTEN && atomic_load(&d->st.conns_open) >= d->cfg->max_connections) {
            atomic_fetch_add(&d->st.drops[SH_DROP_CONN_LIMIT], 1);
            close(fd);
            continue;
        }
        c = sh_calloc(1, sizeof(*c));
        if (!c) {
            close(fd);
            continue;
        }
        c->fd = fd;
        c->proto = l->proto;
        c->kind = l->kind == K_TCP_LISTEN ? K_CONN : K_HTTP;
        c->last_ns = sh_watch__mono_ns();
        sh_watch__addr_str((struct sockaddr *)&sa, slen, c->peer, sizeof(c->peer));
        if (c->kind == K_CONN && sh_frame_init(&c->dec, d->cfg->max_message) != 0) {
            close(fd);
            sh_free(c);
            continue;
        }
        if (c->kind == K_HTTP && !(c->http = sh_malloc(HTTP_MAX))) {
            close(fd);
            sh_free(c);
            continue;
        }
        if (c->proto == SH_WATCH_TLS && c->kind == K_CONN) {
            c->ssl = SSL_new(d->tls);
            if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1) {
                SSL_free(c->ssl);
                sh_frame_free(&c->dec);
                close(fd);
                sh_free(c);
                continue;
            }
            SSL_set_accept_state(c->ssl);
            c->handshaking = true;
        }
        c->next = d->conns;
        if (d->conns)
            d->conns->prev = c;
        d->conns = c;
        if (c->kind == K_CONN) {
            atomic_fetch_add(&d->st.connections, 1);
            atomic_fetch_add(&d->st.conns_open, 1);
        }
        if (ep_add(d, fd, EPOLLIN | EPOLLRDHUP, c) != 0)
            conn_close(d, c);
    }
}

/* Returns false when the connection was closed. `drain`: read to EAGAIN. */
static bool conn_read(struct daemon *d, struct conn *c, bool drain)
{
    int rounds;

    c->last_ns = sh_watch__mono_ns();
    if (c->ssl && c->handshaking) {
        int r = SSL_do_handshake(c->ssl);
        if (r != 1) {
            int e = SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                bool want_out = e == SSL_ERROR_WANT_WRITE;
                if (want_out != c->out_armed) {
                    c->out_armed = want_out;
                    ep_mod(d, c->fd, EPOLLIN | EPOLLRDHUP | (want_out ? EPOLLOUT : 0), c);
                }
                return true;
            }
            atomic_fetch_add(&d->st.drops[SH_DROP_TLS], 1);
            logf_(d, SH_WATCH_LOG_WARNING, "tls handshake with %s failed: %s", c->peer,
                  ERR_reason_error_string(ERR_peek_last_error())
                      ? ERR_reason_error_string(ERR_peek_last_error())
                      : "connection closed");
            ERR_clear_error();
            conn_close(d, c);
            return false;
        }
        c->handshaking = false;
        if (c->out_armed) {
            c->out_armed = false;
            ep_mod(d, c->fd, EPOLLIN | EPOLLRDHUP, c);
        }
    }
    for (rounds = 0; drain || rounds < READS_PER_EVENT; rounds++) {
        ssize_t n;
        if (c->ssl) {
            int r = SSL_read(c->ssl, d->rbuf, READ_CHUNK);
            if (r <= 0) {
                int e = SSL_get_error(c->ssl, r);
                if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                    return true;
                if (e != SSL_ERROR_ZERO_RETURN && e != SSL_ERROR_SYSCALL)
                    atomic_fetch_add(&d->st.drops[SH_DROP_TLS], 1);
                ERR_clear_error();
                conn_close(d, c);
                return false;
            }
            n = r;
        } else {
            n = recv(c->fd, d->rbuf, READ_CHUNK, 0);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return true;
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                conn_close(d, c);
                return false;
            }
        }
        conn_feed(d, c, d->rbuf, (size_t)n);
    }
    return true;
}

static void http_serve(struct daemon *d, struct conn *c)
{
    ssize_t n = recv(c->fd, c->http + c->http_len, HTTP_MAX - 1 - c->http_len, 0);
    struct sh_buf body, resp;
    bool ok;

    if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        conn_close(d, c);
        return;
    }
    c->http_len += (size_t)n;
    c->http[c->http_len] = '\0';
    if (!strstr(c->http, "\r\n\r\n") && !strstr(c->http, "\n\n") && c->http_len < HTTP_MAX - 1)
        return;
    ok = sh_str_startswith(c->http, "GET /metrics ") || sh_str_startswith(c->http, "GET / ");
    sh_buf_init(&body, 1 << 20);
    sh_buf_init(&resp, 1 << 20);
    if (ok)
        sh_watch__metrics_render(&d->st, &body);
    else
        sh_buf_adds(&body, "not found: try /metrics\n");
    sh_buf_printf(&resp,
                  "HTTP/1.0 %s\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                  "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                  ok ? "200 OK" : "404 Not Found", body.len);
    if (body.len)
        sh_buf_add(&resp, body.ptr, body.len);
    if (resp.ptr)
        (void)!send(c->fd, resp.ptr, resp.len, MSG_NOSIGNAL);
    sh_buf_free(&body);
    sh_buf_free(&resp);
    conn_close(d, c);
}

static void udp_read(struct daemon *d, struct lsock *l)
{
    struct mmsghdr mm[UDP_BATCH];
    struct iovec iov[UDP_BATCH];
    struct sockaddr_storage from[UDP_BATCH];
    char ctl[UDP_BATCH][CMSG_SPACE(sizeof(uint32_t))];
    int rounds, i;

    for (rounds = 0; rounds < 8; rounds++) {
        int n;
        int64_t now;

        memset(mm, 0, sizeof(mm));
        for (i = 0; i < UDP_BATCH; i++) {
            iov[i].iov_base = d->ubuf + (size_t)i * d->ubuf_each;
            iov[i].iov_len = d->ubuf_each;
            mm[i].msg_hdr.msg_iov = &iov[i];
            mm[i].msg_hdr.msg_iovlen = 1;
            mm[i].msg_hdr.msg_name = &from[i];
            mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
            mm[i].msg_hdr.msg_control = ctl[i];
            mm[i].msg_hdr.msg_controllen = sizeof(ctl[i]);
        }
        size_t lost = 0;
        uint64_t got = 0, bytes = 0, cut_n = 0, failed = 0;

        n = recvmmsg(l->fd, mm, UDP_BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0)
            return;
        now = sh_watch__now_ms();
        for (i = 0; i < n; i++) {
            const char *p = iov[i].iov_base;
            size_t len = mm[i].msg_len;
            bool cut = (mm[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
            struct cmsghdr *cm;
            char peer[48];

            for (cm = CMSG_FIRSTHDR(&mm[i].msg_hdr); cm; cm = CMSG_NXTHDR(&mm[i].msg_hdr, cm)) {
                if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_RXQ_OVFL) {
                    uint32_t v;
                    memcpy(&v, CMSG_DATA(cm), sizeof(v));
                    if (v != l->ovfl_last) {
                        atomic_fetch_add(&d->st.drops[SH_DROP_KERNEL],
                                         (uint32_t)(v - l->ovfl_last));
                        l->ovfl_last = v;
                    }
                }
            }
            if (len > d->cfg->max_message) {
                len = d->cfg->max_message;
                cut = true;
            }
            while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r' || p[len - 1] == '\0'))
                len--;
            if (len == 0)
                continue;
            cut_n += cut;
            got++;
            bytes += len;
            sh_watch__addr_str((struct sockaddr *)&from[i], mm[i].msg_hdr.msg_namelen, peer,
                               sizeof(peer));
            if (sh_watch__chain_add(&d->chain, p, len, cut, SH_WATCH_UDP, peer, now) != 0)
                failed++;
        }
        /* never waits: what finds the queue full is counted as lost */
        sh_watch__queue_push_chain(&d->q, &d->chain, false, &lost);
        if (cut_n)
            atomic_fetch_add(&d->st.drops[SH_DROP_TRUNCATED], cut_n);
        if (got) {
            atomic_fetch_add(&d->st.received[SH_WATCH_UDP], got);
            atomic_fetch_add(&d->st.bytes, bytes);
        }
        if (lost + failed)
            atomic_fetch_add(&d->st.drops[SH_DROP_QUEUE_FULL], lost + failed);
        if (n < UDP_BATCH)
            return;
    }
}

static void sweep_idle(struct daemon *d)
{
    uint64_t now = sh_watch__mono_ns();
    struct conn *c, *next;

    for (c = d->conns; c; c = next) {
        uint64_t limit_s = c->kind == K_HTTP ? HTTP_TIMEOUT_S : d->cfg->idle_timeout;
        next = c->next;
        if (limit_s && now - c->last_ns > limit_s * 1000000000ull) {
            if (c->kind == K_CONN) {
                atomic_fetch_add(&d->st.drops[SH_DROP_IDLE], 1);
                logf_(d, SH_WATCH_LOG_INFO, "closing idle connection from %s", c->peer);
            }
            conn_close(d, c);
        }
    }
}

static void dispatch(struct daemon *d, struct epoll_event *ev)
{
    enum fdkind *k = ev->data.ptr;

    switch (*k) {
    case K_WAKE: {
        char tmp[64];
        while (read(d->wake[0], tmp, sizeof(tmp)) > 0)
            ;
        break;
    }
    case K_UDP: udp_read(d, (struct lsock *)(void *)k); break;
    case K_TCP_LISTEN:
    case K_HTTP_LISTEN: do_accept(d, (struct lsock *)(void *)k); break;
    case K_CONN: {
        struct conn *c = (struct conn *)(void *)k;
        conn_read(d, c, false);
        break;
    }
    case K_HTTP: http_serve(d, (struct conn *)(void *)k); break;
    }
}

static void shutdown_io(struct daemon *d)
{
    size_t i;

    /* stop accepting; what the kernel holds on UDP sockets is read once more */
    for (i = 0; i < d->n_ls; i++) {
        if (d->ls[i].kind == K_UDP)
            udp_read(d, &d->ls[i]);
        epoll_ctl(d->ep, EPOLL_CTL_DEL, d->ls[i].fd, NULL);
        close(d->ls[i].fd);
        d->ls[i].fd = -1;
    }
    d->n_ls = 0;
    /* every byte already accepted by the kernel on a stream is read and delivered */
    while (d->conns) {
        struct conn *c = d->conns;
        if (c->kind == K_CONN && !c->handshaking && conn_read(d, c, true) == false)
            continue;
        conn_close(d, c);
    }
}

static void install_signals(struct sigaction *old_term, struct sigaction *old_int,
                            struct sigaction *old_hup, struct sigaction *old_pipe)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, old_term);
    sigaction(SIGINT, &sa, old_int);
    sigaction(SIGHUP, &sa, old_hup);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, old_pipe);
}

int sh_watch_run(const sh_watch_config *cfg, sh_watch_engine *engine, sh_watch_log_fn log,
                 void *log_ud, sh_diag *diag)
{
    struct daemon *d;
    struct sigaction o_term, o_int, o_hup, o_pipe;
    struct lsock wake_ls;
    pthread_t worker;
    bool worker_started = false;
    uint64_t last_sweep = 0;
    size_t i;
    int rc;

    SH_ASSERT_ARG(cfg && engine && engine->process);
    if ((rc = sh_watch_config_validate(cfg, diag)) != 0)
        return rc;
    d = sh_calloc(1, sizeof(*d));
    if (!d)
        return SH_ENOMEM;
    d->cfg = cfg;
    d->eng = engine;
    d->log = log;
    d->log_ud = log_ud;
    d->ep = -1;
    d->wake[0] = d->wake[1] = -1;
    pthread_mutex_init(&d->log_mu, NULL);
    g_term = g_hup = 0;

    sh_watch__chain_init(&d->chain);
    d->rbuf = sh_malloc(READ_CHUNK);
    d->batch = sh_calloc(1, sizeof(*d->batch));
    d->ubuf_each = cfg->max_message + 1;
    d->ubuf = sh_malloc(d->ubuf_each * UDP_BATCH);
    if (!d->rbuf || !d->ubuf || !d->batch) {
        rc = SH_ENOMEM;
        goto out;
    }
    if ((rc = sh_watch__queue_init(&d->q, cfg->queue_messages, &d->st)) != 0)
        goto out;
    d->q_ready = true;
    d->ep = epoll_create1(EPOLL_CLOEXEC);
    if (d->ep < 0 || pipe2(d->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
        rc = sh_diag_set(diag, SH_EIO, NULL, 0, "epoll: %s", strerror(errno));
        goto out;
    }
    memset(&wake_ls, 0, sizeof(wake_ls));
    wake_ls.kind = K_WAKE;
    wake_ls.fd = d->wake[0];
    ep_add(d, d->wake[0], EPOLLIN, &wake_ls);
    g_wake_fd = d->wake[1];
    install_signals(&o_term, &o_int, &o_hup, &o_pipe);

    for (i = 0; i < cfg->n_listen; i++) {
        if (cfg->listen[i].proto == SH_WATCH_TLS && !d->tls && (rc = tls_setup(d, diag)) != 0)
            goto out;
        rc = bind_one(d, &cfg->listen[i],
                      cfg->listen[i].proto == SH_WATCH_UDP ? K_UDP : K_TCP_LISTEN, diag);
        if (rc != 0)
            goto out;
    }
    if (cfg->have_metrics && (rc = bind_one(d, &cfg->metrics, K_HTTP_LISTEN, diag)) != 0)
        goto out;
    if ((rc = sh_watch__sinks_open(&d->sinks, cfg, diag)) != 0)
        goto out;
    if (cfg->user && (rc = sh_watch__drop_privileges(cfg->user, diag)) != 0)
        goto out;
    if (pthread_create(&worker, NULL, worker_main, d) != 0) {
        rc = sh_diag_set(diag, SH_EINTERNAL, NULL, 0, "cannot start the processing thread");
        goto out;
    }
    worker_started = true;
    sh_watch__notify("READY=1\nSTATUS=listening");
    logf_(d, SH_WATCH_LOG_INFO, "ready");

    while (!g_term) {
        struct epoll_event evs[64];
        int n = epoll_wait(d->ep, evs, 64, 500), j;
        uint64_t now;

        for (j = 0; j < n; j++)
            dispatch(d, &evs[j]);
        if (g_hup) {
            g_hup = 0;
            sh_watch__notify("RELOADING=1\nSTATUS=reloading rules");
            logf_(d, SH_WATCH_LOG_INFO, "reload requested");
            sh_watch__queue_request_reload(&d->q);
        }
        now = sh_watch__mono_ns();
        if (now - last_sweep > 1000000000ull) {
            last_sweep = now;
            sweep_idle(d);
        }
    }
    sh_watch__notify("STOPPING=1\nSTATUS=draining");
    logf_(d, SH_WATCH_LOG_INFO, "stopping: draining connections and queue");
    shutdown_io(d);
    rc = SH_OK;
out:
    if (d->q_ready)
        sh_watch__queue_close(&d->q);
    if (worker_started)
        pthread_join(worker, NULL);
    if (worker_started)
        logf_(d, SH_WATCH_LOG_INFO,
              "stopped: %llu received, %llu alerts, %llu dropped in queue, %llu kernel drops",
              (unsigned long long)(atomic_load(&d->st.received[0]) +
                                   atomic_load(&d->st.received[1]) +
                                   atomic_load(&d->st.received[2])),
              (unsigned long long)atomic_load(&d->st.alerts),
              (unsigned long long)atomic_load(&d->st.drops[SH_DROP_QUEUE_FULL]),
              (unsigned long long)atomic_load(&d->st.drops[SH_DROP_KERNEL]));
    while (d->conns)
        conn_close(d, d->conns);
    for (i = 0; i < d->n_ls; i++)
        close(d->ls[i].fd);
    sh_watch__chain_release(&d->chain);
    sh_watch__sinks_close(d->sinks);
    if (d->q_ready)
        sh_watch__queue_destroy(&d->q);
    if (d->tls)
        SSL_CTX_free(d->tls);
    if (g_wake_fd >= 0) {
        g_wake_fd = -1;
        sigaction(SIGTERM, &o_term, NULL);
        sigaction(SIGINT, &o_int, NULL);
        sigaction(SIGHUP, &o_hup, NULL);
        sigaction(SIGPIPE, &o_pipe, NULL);
    }
    if (d->wake[0] >= 0)
        close(d->wake[0]);
    if (d->wake[1] >= 0)
        close(d->wake[1]);
    if (d->ep >= 0)
        close(d->ep);
    sh_free(d->rbuf);
    sh_free(d->ubuf);
    sh_free(d->batch);
    pthread_mutex_destroy(&d->log_mu);
    sh_free(d);
    return rc;
}
