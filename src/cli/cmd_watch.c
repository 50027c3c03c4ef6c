/*
 * cmd_watch.c - `salthunt watch`: the live syslog listener.
 *
 * Builds a sh_watch_config from --config and the command line (command-line
 * values are applied after the file, so they win for single values and add
 * to lists), builds the built-in engine (syslog parser + log rules) and
 * runs the daemon until SIGTERM. Log lines go to stderr, which systemd
 * captures in the journal.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "exit.h"
#include "salthunt/sh_watch.h"

static const char usage_text[] =
    "usage: salthunt watch [options]\n"
    "\n"
    "Receive syslog from devices or a relay, apply the log rules live and write\n"
    "alerts. Runs until SIGTERM/SIGINT; SIGHUP reloads rules and policy.\n"
    "\n"
    "options:\n"
    "  --config FILE          YAML config (listeners, sinks, rules, policy; docs/watch.md)\n"
    "  --listen URL           udp://ADDR:PORT, tcp://ADDR:PORT or tls://ADDR:PORT\n"
    "                         (repeatable; IPv6 as tcp://[::1]:5514)\n"
    "  --tls-cert FILE        server certificate chain (PEM) for tls:// listeners\n"
    "  --tls-key FILE         its private key (PEM)\n"
    "  --tls-ca FILE          CA bundle: only clients with a certificate from it may send\n"
    "  --jsonl FILE|-         write alerts as JSON Lines (- for stdout)\n"
    "  --forward udp://H:P    forward alerts as RFC 5424 syslog (JSON message) to a SIEM\n"
    "  --metrics ADDR:PORT    Prometheus metrics over HTTP (e.g. 127.0.0.1:9514)\n"
    "  --rules PATH           extra Sigma rule file or folder (repeatable)\n"
    "  --policy FILE          site policy YAML\n"
    "  --user NAME            drop privileges to NAME after binding\n"
    "  --archive DIR          keep raw messages in rotating zstd files\n"
    "  --max-message BYTES    longest message kept whole (default 8192)\n"
    "  --idle-timeout SEC     close silent connections (default 300, 0: never)\n"
    "  --max-connections N    concurrent TCP/TLS connections (default 1024)\n"
    "  -q, --quiet            log only warnings and errors\n"
    "  -h, --help             this text\n";

static bool g_quiet;

static void log_stderr(sh_watch_log_level lvl, const char *msg, void *ud)
{
    static const char *const names[] = {"error", "warning", "info"};

    (void)ud;
    if (g_quiet && lvl == SH_WATCH_LOG_INFO)
        return;
    fprintf(stderr, "salthunt watch: %s: %s\n", names[lvl], msg);
    fflush(stderr);
}

static void print_diag(const sh_diag *d)
{
    if (d->source[0] && d->line)
        sh_cli_error("%s:%u: %s", d->source, d->line, d->text);
    else if (d->source[0])
        sh_cli_error("%s: %s", d->source, d->text);
    else
        sh_cli_error("%s", d->text[0] ? d->text : sh_status_str(d->code));
}

int sh_cmd_watch(int argc, char **argv)
{
    enum {
        O_CONFIG = 256,
        O_LISTEN,
        O_CERT,
        O_KEY,
        O_CA,
        O_JSONL,
        O_FORWARD,
        O_METRICS,
        O_RULES,
        O_POLICY,
        O_USER,
        O_ARCHIVE,
        O_MAXMSG,
        O_IDLE,
        O_MAXCONN
    };
    static const struct option opts[] = {
        {"config", required_argument, NULL, O_CONFIG},
        {"listen", required_argument, NULL, O_LISTEN},
        {"tls-cert", required_argument, NULL, O_CERT},
        {"tls-key", required_argument, NULL, O_KEY},
        {"tls-ca", required_argument, NULL, O_CA},
        {"jsonl", required_argument, NULL, O_JSONL},
        {"forward", required_argument, NULL, O_FORWARD},
        {"metrics", required_argument, NULL, O_METRICS},
        {"rules", required_argument, NULL, O_RULES},
        {"policy", required_argument, NULL, O_POLICY},
        {"user", required_argument, NULL, O_USER},
        {"archive", required_argument, NULL, O_ARCHIVE},
        {"max-message", required_argument, NULL, O_MAXMSG},
        {"idle-timeout", required_argument, NULL, O_IDLE},
        {"max-connections", required_argument, NULL, O_MAXCONN},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    /* option id -> sh_watch_config_set key */
    static const char *const keys[] = {
        [O_LISTEN - O_LISTEN] = "listen",     [O_CERT - O_LISTEN] = "tls-cert",
        [O_KEY - O_LISTEN] = "tls-key",       [O_CA - O_LISTEN] = "tls-ca",
        [O_JSONL - O_LISTEN] = "jsonl",       [O_FORWARD - O_LISTEN] = "forward",
        [O_METRICS - O_LISTEN] = "metrics",   [O_RULES - O_LISTEN] = "rules",
        [O_POLICY - O_LISTEN] = "policy",     [O_USER - O_LISTEN] = "user",
        [O_ARCHIVE - O_LISTEN] = "archive",   [O_MAXMSG - O_LISTEN] = "max-message",
        [O_IDLE - O_LISTEN] = "idle-timeout", [O_MAXCONN - O_LISTEN] = "max-connections",
    };
    struct {
        int opt;
        const char *val;
    } later[256];
    size_t n_later = 0, i;
    const char *config = NULL;
    sh_watch_config *cfg = NULL;
    sh_watch_engine eng;
    bool have_engine = false;
    sh_diag d;
    int c, rc, ret = SH_EXIT_ERROR;

    memset(&eng, 0, sizeof(eng));
    sh_diag_clear(&d);
    if (sh_cli_wants_help(argc, argv)) {
        fputs(usage_text, stdout);
        return SH_EXIT_OK;
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        if (c == O_CONFIG) {
            config = optarg;
        } else if (c == 'q') {
            g_quiet = true;
        } else if (c >= O_LISTEN && c <= O_MAXCONN) {
            if (n_later == sizeof(later) / sizeof(later[0])) {
                sh_cli_error("too many options");
                return SH_EXIT_ERROR;
            }
            later[n_later].opt = c;
            later[n_later].val = optarg;
            n_later++;
        } else {
            fputs(usage_text, stderr);
            return SH_EXIT_ERROR;
        }
    }
    if (optind < argc) {
        sh_cli_error("watch takes no arguments ('%s'); see 'salthunt watch --help'", argv[optind]);
        return SH_EXIT_ERROR;
    }
    if (sh_watch_config_new(&cfg) != 0) {
        sh_cli_error("out of memory");
        return SH_EXIT_ERROR;
    }
    if (config && sh_watch_config_load(cfg, config, &d) != 0) {
        print_diag(&d);
        goto out;
    }
    for (i = 0; i < n_later; i++) {
        const char *key = keys[later[i].opt - O_LISTEN];
        if (sh_watch_config_set(cfg, key, later[i].val, &d) != 0) {
            sh_cli_error("--%s %s: %s", key, later[i].val, d.text);
            goto out;
        }
    }
    if (sh_watch_config_validate(cfg, &d) != 0) {
        print_diag(&d);
        goto out;
    }
    if (sh_watch_engine_builtin_new(&eng, cfg, &d) != 0) {
        print_diag(&d);
        goto out;
    }
    have_engine = true;
    rc = sh_watch_run(cfg, &eng, log_stderr, NULL, &d);
    if (rc != 0) {
        print_diag(&d);
        goto out;
    }
    ret = SH_EXIT_OK;
out:
    if (have_engine && eng.free)
        eng.free(eng.self);
    sh_watch_config_free(cfg);
    return ret;
}
