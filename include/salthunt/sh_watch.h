/*
 * sh_watch.h - the live syslog listener behind `salthunt watch`.
 *
 * A watch daemon receives syslog over UDP, TCP (RFC 6587, both framings) and
 * TLS (RFC 5425), hands every message to a processing engine, and writes the
 * engine's alerts (findings) to sinks: JSON Lines, forwarded syslog, and an
 * optional compressed raw-message archive. It answers Prometheus scrapes,
 * reloads on SIGHUP, drains and flushes on SIGTERM, and speaks the systemd
 * notify protocol. docs/watch.md is the operations guide and
 * docs/internals/WATCH.md the design.
 *
 * Ownership: a config is owned by its creator; sh_watch_run borrows it and
 * the engine. sh_watch_run installs process-wide signal handlers and must be
 * called from one thread at a time.
 */
#ifndef SALTHUNT_SH_WATCH_H
#define SALTHUNT_SH_WATCH_H

#include "salthunt.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sh_watch_config sh_watch_config;

/** A new config holding the defaults (no listeners, no sinks). Owned. */
SH_API int sh_watch_config_new(sh_watch_config **out);
SH_API void sh_watch_config_free(sh_watch_config *c);

/**
 * Read a YAML config file into `c` (keys it sets replace defaults; lists
 * are appended). Unknown keys and bad values are SH_EPARSE with file and
 * line in diag.
 */
SH_API int sh_watch_config_load(sh_watch_config *c, const char *path, sh_diag *diag);
/** Same from a buffer; `source` names it in diagnostics. */
SH_API int sh_watch_config_load_buf(sh_watch_config *c, const char *buf, size_t len,
                                    const char *source, sh_diag *diag);

/**
 * Set one option as the CLI spells it without dashes ("listen", "tls-cert",
 * "tls-key", "tls-ca", "jsonl", "forward", "metrics", "rules",
 * "policy", "user", "archive", "max-message", "idle-timeout",
 * "max-connections"). "listen" and "rules" append. SH_EINVAL with diag for
 * an unknown option or a bad value.
 */
SH_API int sh_watch_config_set(sh_watch_config *c, const char *key, const char *value,
                               sh_diag *diag);

/** Check the whole config (at least one listener, TLS files for tls://). */
SH_API int sh_watch_config_validate(const sh_watch_config *c, sh_diag *diag);

/** Accessors the engine needs: rule paths (NULL-terminated) and policy file (or NULL). */
SH_API const char *const *sh_watch_config_rules(const sh_watch_config *c);
SH_API const char *sh_watch_config_policy(const sh_watch_config *c);

/** One received message as the engine sees it. Borrowed for the call. */
typedef struct sh_watch_msg {
    const char *data; /* the syslog message, framing removed; not NUL-terminated */
    size_t len;
    bool truncated;        /* longer than max_message and cut */
    const char *peer;      /* sender address "ip:port" */
    const char *transport; /* "udp", "tcp" or "tls" */
    int64_t recv_ms;       /* receive time, Unix ms UTC */
} sh_watch_msg;

/**
 * The processing engine: parse + rules + correlation. Called only from the
 * daemon's processing thread, one call at a time, so an engine needs no
 * locking (one that evaluates a batch on helper threads of its own keeps
 * that to itself). `self` is the engine's state.
 */
typedef struct sh_watch_engine {
    void *self;
    /**
     * Process one message; append alerts to `out` (the daemon takes them).
     * *parsed tells whether the syslog header was recognised. A negative
     * return is counted as an engine error and the message is still
     * archived; it never stops the daemon.
     */
    int (*process)(void *self, const sh_watch_msg *msg, sh_findings *out, bool *parsed,
                   sh_diag *diag);
    /**
     * Rebuild rules and policy from the config's paths. On failure the
     * engine must keep its old ruleset and return the error with diag.
     */
    int (*reload)(void *self, sh_diag *diag);
    /**
     * The queue ran empty: a chance to finish batched work (e.g. evaluate
     * correlations) and append its alerts. May be NULL.
     */
    int (*idle)(void *self, sh_findings *out);
    /** At shutdown: alerts still held (e.g. open correlation windows). May be NULL. */
    int (*flush)(void *self, sh_findings *out);
    void (*free)(void *self);
    /**
     * Optional: process msgs[0..n) exactly as n process() calls in that
     * order would, filling outs[i], parsed[i] and rcs[i] (0 or negative)
     * per message; diag describes the first failure. The engine may
     * evaluate the messages on several threads. May be NULL.
     */
    int (*process_batch)(void *self, const sh_watch_msg *msgs, size_t n, sh_findings *outs,
                         bool *parsed, int *rcs, sh_diag *diag);
} sh_watch_engine;

/**
 * The built-in engine: every message is parsed as device syslog and run
 * through the built-in log rules plus the config's rule paths (Sigma),
 * with correlations in event time; reload() re-reads rules and policy.
 * Fills *out (call out->free(out->self) when done). `cfg` is borrowed for
 * the engine's lifetime. Rule or policy errors: SH_ERULE / SH_EPARSE.
 */
SH_API int sh_watch_engine_builtin_new(sh_watch_engine *out, const sh_watch_config *cfg,
                                       sh_diag *diag);

typedef enum sh_watch_log_level {
    SH_WATCH_LOG_ERROR = 0,
    SH_WATCH_LOG_WARNING,
    SH_WATCH_LOG_INFO,
} sh_watch_log_level;

/** Log sink: called from the daemon's threads (serialised by the daemon). */
typedef void (*sh_watch_log_fn)(sh_watch_log_level level, const char *msg, void *ud);

/**
 * Run the daemon until SIGTERM or SIGINT: bind, drop privileges, notify
 * systemd, serve, then drain every read message through the engine, flush
 * the sinks and return 0. Start-up failures (bind, TLS files, sinks) return
 * a negative status with diag.
 */
SH_API int sh_watch_run(const sh_watch_config *cfg, sh_watch_engine *engine, sh_watch_log_fn log,
                        void *log_ud, sh_diag *diag);

#ifdef __cplusplus
}
#endif
#endif
