/*
 * watch_int.h - internals shared by the watch daemon's files.
 *
 * The config record (built by watchcfg.c, read-only once sh_watch_run
 * starts), endpoint addresses, the daemon-wide counters (atomics written by
 * the I/O and processing threads, read by the metrics endpoint), the
 * message queue between the two threads, and the sinks.
 */
#ifndef SH_WATCH_INT_H
#define SH_WATCH_INT_H

#include "../base/sh_base.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/socket.h>

#include "salthunt/sh_watch.h"

#define SH_WATCH_MAX_LISTENERS 32
#define SH_WATCH_MAX_RULE_PATHS 64
#define SH_WATCH_CFG_MAX_BYTES (1u << 20)

enum sh_watch_proto { SH_WATCH_UDP = 0, SH_WATCH_TCP, SH_WATCH_TLS };

struct sh_watch_endpoint {
    enum sh_watch_proto proto;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    char text[128]; /* as configured, for messages */
    char host[256]; /* "" for the wildcard address */
    char port[8];
    bool resolved; /* addr is valid */
};

struct sh_watch_config {
    struct sh_watch_endpoint listen[SH_WATCH_MAX_LISTENERS];
    size_t n_listen;
    char *tls_cert, *tls_key, *tls_ca;
    bool tls_verify_clients; /* defaults to true when tls_ca is set */
    bool tls_verify_set;
    size_t max_message;    /* bytes; default 8192 (RFC 5425 asks for >= 2048) */
    unsigned idle_timeout; /* seconds; 0: never */
    unsigned max_connections;
    size_t queue_messages; /* queue capacity between I/O and processing */
    char *jsonl;           /* path or "-" for stdout */
    bool have_forward;
    struct sh_watch_endpoint forward;
    bool have_metrics;
    struct sh_watch_endpoint metrics;
    char *rules[SH_WATCH_MAX_RULE_PATHS + 1]; /* NULL-terminated */
    size_t n_rules;
    char *policy;
    char *user;
    char *archive_dir;
    size_t archive_rotate_bytes;
};

/**
 * Parse "udp://host:port", "tcp://[v6]:port", "tls://..." or "host:port"
 * (default_proto given, -1: a scheme is required). Numeric addresses are
 * resolved at once; names only when resolve_names (else sh_watch__resolve
 * later, so parsing a config never touches DNS).
 */
int sh_watch__parse_endpoint(struct sh_watch_endpoint *out, const char *text, int default_proto,
                             bool resolve_names, sh_diag *diag);
int sh_watch__resolve(struct sh_watch_endpoint *ep, sh_diag *diag);
/** "ip:port" / "[ip6]:port" of a socket address into buf. */
void sh_watch__addr_str(const struct sockaddr *sa, socklen_t len, char *buf, size_t size);

/* ---- counters (Prometheus metrics) ---- */

enum sh_watch_drop {
    SH_DROP_QUEUE_FULL = 0, /* UDP message arrived while the queue was full */
    SH_DROP_KERNEL,         /* UDP datagrams the kernel dropped (SO_RXQ_OVFL) */
    SH_DROP_TRUNCATED,      /* bytes past max_message cut from a message */
    SH_DROP_MALFORMED,      /* bad octet-count frame header */
    SH_DROP_CONN_LIMIT,     /* connection refused over max_connections */
    SH_DROP_IDLE,           /* connection closed by the idle timeout */
    SH_DROP_TLS,            /* TLS handshake or record failure */
    SH_DROP_ENGINE,         /* engine returned an error */
    SH_DROP_SINK,           /* alert could not be written */
    SH_DROP__COUNT
};

struct sh_watch_stats {
    atomic_uint_fast64_t received[3]; /* by enum sh_watch_proto */
    atomic_uint_fast64_t bytes;
    atomic_uint_fast64_t parsed;
    atomic_uint_fast64_t unparsed;
    atomic_uint_fast64_t alerts;
    atomic_uint_fast64_t drops[SH_DROP__COUNT];
    atomic_uint_fast64_t connections; /* accepted, total */
    atomic_uint_fast64_t conns_open;
    atomic_uint_fast64_t queue_depth;
    atomic_uint_fast64_t queue_high; /* highest depth seen */
    atomic_uint_fast64_t eval_ns;    /* engine time, total */
    atomic_uint_fast64_t reloads_ok;
    atomic_uint_fast64_t reloads_failed;
    atomic_uint_fast64_t archived;
    /* alert latency, receive -> written, histogram in ms buckets */
    atomic_uint_fast64_t lat_bucket[8];
    atomic_uint_fast64_t lat_sum_us;
    atomic_uint_fast64_t lat_count;
};

extern const char *const sh_watch__drop_names[SH_DROP__COUNT];
extern const double sh_watch__lat_bounds_ms[8]; /* last is +Inf */

/** Render every counter in Prometheus text format into b. */
int sh_watch__metrics_render(struct sh_watch_stats *st, struct sh_buf *b);

/* ---- the queue between the I/O thread and the processing thread ---- */

/*
 * Items are carved from blocks of about WATCH_BLOCK_BYTES: the I/O thread
 * copies every message of one read (or one recvmmsg batch) into a chain of
 * items carved from shared blocks, and pushes the chain under one lock. The
 * processing thread frees items one by one; a block goes when its last
 * item has been freed and no chain fills it any more.
 */
#define WATCH_BLOCK_BYTES ((size_t)64 << 10)

struct sh_watch_block {
    atomic_size_t live; /* references: unfreed items, plus one while a chain fills it */
};

struct sh_watch_item {
    struct sh_watch_item *next;
    struct sh_watch_block *blk;
    int64_t recv_ms;
    uint32_t len;
    uint8_t proto;
    bool truncated;
    char peer[48];
    char data[]; /* len bytes */
};

/* Messages read together, not yet in the queue (I/O thread only). */
struct sh_watch_chain {
    struct sh_watch_item *head, *tail;
    size_t n;
    struct sh_watch_block *blk; /* block being filled */
    size_t used, cap;           /* bytes of blk */
};

struct sh_watch_queue {
    pthread_mutex_t mu;
    pthread_cond_t not_empty;
    pthread_cond_t not_full;
    struct sh_watch_item *head, *tail;
    size_t n, cap;
    bool closed;           /* no more pushes; the consumer drains and exits */
    bool reload;           /* consumer: reload the engine before the next item */
    bool producer_waiting; /* a TCP push waits for room */
    struct sh_watch_stats *st;
};

int sh_watch__queue_init(struct sh_watch_queue *q, size_t cap, struct sh_watch_stats *st);
void sh_watch__queue_destroy(struct sh_watch_queue *q);
void sh_watch__chain_init(struct sh_watch_chain *c);
/** Copy one message into the chain. SH_ENOMEM / SH_ELIMIT (over 4 GiB). */
int sh_watch__chain_add(struct sh_watch_chain *c, const char *data, size_t len, bool truncated,
                        int proto, const char *peer, int64_t recv_ms);
/**
 * Move the whole chain into the queue (the chain is empty afterwards).
 * `wait`: block while the queue is full (TCP); the queue may then exceed
 * its capacity by one chain. Otherwise the messages past the free room are
 * discarded and counted in *dropped. A closed queue discards everything.
 */
void sh_watch__queue_push_chain(struct sh_watch_queue *q, struct sh_watch_chain *c, bool wait,
                                size_t *dropped);
/** Discard what the chain holds and let go of its block (the chain stays usable). */
void sh_watch__chain_release(struct sh_watch_chain *c);
/** Free one popped item (its block goes with its last item). */
void sh_watch__item_free(struct sh_watch_item *it);
void sh_watch__queue_close(struct sh_watch_queue *q);
void sh_watch__queue_request_reload(struct sh_watch_queue *q);

/* ---- sinks (processing thread only) ---- */

struct sh_watch_sinks;
int sh_watch__sinks_open(struct sh_watch_sinks **out, const struct sh_watch_config *cfg,
                         sh_diag *diag);
/** Write one alert to every sink. */
int sh_watch__sinks_alert(struct sh_watch_sinks *s, const sh_finding *f, sh_diag *diag);
/** Archive one raw message (no-op without an archive). */
int sh_watch__sinks_archive(struct sh_watch_sinks *s, const struct sh_watch_item *it,
                            sh_diag *diag);
/** Flush buffered output (called when the queue runs empty and at exit). */
int sh_watch__sinks_flush(struct sh_watch_sinks *s, sh_diag *diag);
void sh_watch__sinks_close(struct sh_watch_sinks *s);

/** One finding as one JSON object (no newline) appended to b. */
int sh_watch__finding_json(const sh_finding *f, struct sh_buf *b);

/* ---- systemd notify and privileges ---- */

/** Send one sd_notify datagram to $NOTIFY_SOCKET (no-op without it). */
void sh_watch__notify(const char *state);
/** setgroups/setgid/setuid to `user`. SH_EINVAL with diag when unknown. */
int sh_watch__drop_privileges(const char *user, sh_diag *diag);

int64_t sh_watch__now_ms(void);
uint64_t sh_watch__mono_ns(void);

#endif
