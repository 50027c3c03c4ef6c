/*
 * metrics.c - the daemon's counters in Prometheus text exposition format.
 *
 * Counters are atomics updated by the I/O and processing threads; a scrape
 * reads them without locks, so one scrape may mix values a few messages
 * apart, which Prometheus tolerates. Thread-safe.
 */
#include "../base/sh_base.h"

#include "watch_int.h"

const char *const sh_watch__drop_names[SH_DROP__COUNT] = {
    "queue_full",   "kernel_overflow", "truncated",    "malformed_frame", "connection_limit",
    "idle_timeout", "tls_error",       "engine_error", "sink_error",
};

const double sh_watch__lat_bounds_ms[8] = {1, 5, 10, 50, 100, 500, 1000, -1};

#define LOAD(x) ((unsigned long long)atomic_load(&(x)))

static int counter(struct sh_buf *b, const char *name, const char *help, unsigned long long v)
{
    return sh_buf_printf(b, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,
                         v);
}

static int gauge(struct sh_buf *b, const char *name, const char *help, unsigned long long v)
{
    return sh_buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n%s %llu\n", name, help, name, name, v);
}

int sh_watch__metrics_render(struct sh_watch_stats *st, struct sh_buf *b)
{
    static const char *const protos[3] = {"udp", "tcp", "tls"};
    unsigned long long cum = 0;
    int rc = 0, i;

    rc |= sh_buf_adds(b, "# HELP salthunt_watch_received_total Syslog messages received.\n"
                         "# TYPE salthunt_watch_received_total counter\n");
    for (i = 0; i < 3; i++)
        rc |= sh_buf_printf(b, "salthunt_watch_received_total{transport=\"%s\"} %llu\n", protos[i],
                            LOAD(st->received[i]));
    rc |= counter(b, "salthunt_watch_received_bytes_total", "Message bytes received.",
                  LOAD(st->bytes));
    rc |= counter(b, "salthunt_watch_parsed_total", "Messages whose syslog header was recognised.",
                  LOAD(st->parsed));
    rc |= counter(b, "salthunt_watch_unparsed_total",
                  "Messages kept raw (header not recognised; keyword rules still apply).",
                  LOAD(st->unparsed));
    rc |= counter(b, "salthunt_watch_alerts_total", "Alerts (findings) written.", LOAD(st->alerts));
    rc |= sh_buf_adds(b, "# HELP salthunt_watch_drops_total Messages, bytes or connections lost "
                         "or cut, by reason.\n# TYPE salthunt_watch_drops_total counter\n");
    for (i = 0; i < SH_DROP__COUNT; i++)
        rc |= sh_buf_printf(b, "salthunt_watch_drops_total{reason=\"%s\"} %llu\n",
                            sh_watch__drop_names[i], LOAD(st->drops[i]));
    rc |= counter(b, "salthunt_watch_connections_total", "TCP and TLS connections accepted.",
                  LOAD(st->connections));
    rc |= gauge(b, "salthunt_watch_connections_open", "TCP and TLS connections open.",
                LOAD(st->conns_open));
    rc |= gauge(b, "salthunt_watch_queue_depth", "Messages waiting for the rule engine.",
                LOAD(st->queue_depth));
    rc |= gauge(b, "salthunt_watch_queue_depth_max", "Highest queue depth since start.",
                LOAD(st->queue_high));
    rc |= sh_buf_printf(b,
                        "# HELP salthunt_watch_rule_eval_seconds_total Time spent in the rule "
                        "engine.\n# TYPE salthunt_watch_rule_eval_seconds_total counter\n"
                        "salthunt_watch_rule_eval_seconds_total %.6f\n",
                        (double)LOAD(st->eval_ns) / 1e9);
    rc |= counter(b, "salthunt_watch_reloads_total", "Successful rule and policy reloads.",
                  LOAD(st->reloads_ok));
    rc |= counter(b, "salthunt_watch_reload_failures_total",
                  "Rejected reloads (the previous rules kept running).", LOAD(st->reloads_failed));
    rc |= counter(b, "salthunt_watch_archived_total", "Raw messages written to the archive.",
                  LOAD(st->archived));
    rc |= sh_buf_adds(b, "# HELP salthunt_watch_alert_latency_seconds Receive to alert written.\n"
                         "# TYPE salthunt_watch_alert_latency_seconds histogram\n");
    for (i = 0; i < 8; i++) {
        cum += LOAD(st->lat_bucket[i]);
        if (sh_watch__lat_bounds_ms[i] < 0)
            rc |= sh_buf_printf(
                b, "salthunt_watch_alert_latency_seconds_bucket{le=\"+Inf\"} %llu\n", cum);
        else
            rc |= sh_buf_printf(b, "salthunt_watch_alert_latency_seconds_bucket{le=\"%g\"} %llu\n",
                                sh_watch__lat_bounds_ms[i] / 1000.0, cum);
    }
    rc |= sh_buf_printf(b,
                        "salthunt_watch_alert_latency_seconds_sum %.6f\n"
                        "salthunt_watch_alert_latency_seconds_count %llu\n",
                        (double)LOAD(st->lat_sum_us) / 1e6, LOAD(st->lat_count));
    return rc ? SH_ENOMEM : SH_OK;
}
