/*
 * cmd_scan.c - `salthunt scan`: the main job.
 *
 * Runs the scan, records it in the store (unless --no-db), renders the
 * findings and maps them to an exit code (exit.h). Evidence files that
 * cannot be read or parsed are reported on stderr with file and line and
 * do not stop the scan; a bad policy or rule file does (exit 2).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "exit.h"
#include "salthunt/salthunt.h"
#include "salthunt/sh_report.h"
#include "salthunt/sh_scan.h"
#include "salthunt/sh_store.h"

static const char usage_text[] =
    "usage: salthunt scan [options] PATH...\n"
    "\n"
    "Hunt for AA25-239A tradecraft, missing hardening and exposed software in config backups,\n"
    "show captures and syslog files. Folders are walked recursively; files are recognised by\n"
    "content, not name (.gz and .zst are read transparently).\n"
    "\n"
    "options:\n"
    "  --policy FILE        site policy (YAML): approved users, servers, networks, ports\n"
    "  --rules PATH         extra rule file or folder (repeatable)\n"
    "  --no-builtin         use only the rules given with --rules\n"
    "  --related-iocs       also sweep for indicators from reporting other than the advisory\n"
    "  --all                also report devices found not affected by a CVE\n"
    "  -f, --format FMT     text (default), jsonl, sarif, csv, html, markdown\n"
    "  -o, --output FILE    write the report to FILE instead of standard output\n"
    "  --db FILE            results database (default $XDG_STATE_HOME/salthunt/salthunt.db)\n"
    "  --no-db              do not record this scan\n"
    "  --fail-on SEV        exit 1 when a finding is at or above SEV (info, low, medium,\n"
    "                       high, critical; default high) or 'none'\n"
    "  -j, --jobs N         worker threads (default: number of cores)\n"
    "  --progress           show progress on stderr (default: on a terminal)\n"
    "  --color WHEN         auto (default), always, never\n"
    "  -q, --quiet          no warnings about unreadable or unparsed input\n"
    "  -h, --help           this help\n"
    "\n"
    "exit status: 0 nothing at or above --fail-on, 1 findings at or above it,\n"
    "2 usage, input or internal error.\n";

struct diag_state {
    bool quiet;
    size_t warnings;
};

static void on_diag(const sh_diag *d, void *ud)
{
    struct diag_state *st = ud;

    st->warnings++;
    if (st->quiet)
        return;
    if (d->line)
        fprintf(stderr, "salthunt: %s:%u: %s\n", d->source, d->line, d->text);
    else if (d->source[0])
        fprintf(stderr, "salthunt: %s: %s\n", d->source, d->text);
    else
        fprintf(stderr, "salthunt: %s\n", d->text);
}

static void on_progress(size_t done, size_t total, void *ud)
{
    (void)ud;
    if (done == total || done % 64 == 0)
        fprintf(stderr, "\rscanning: %zu/%zu files%s", done, total, done == total ? "\n" : "");
}

static int write_err(const sh_diag *d, const char *what)
{
    if (d->line)
        sh_cli_error("%s:%u: %s", d->source, d->line, d->text);
    else if (d->source[0])
        sh_cli_error("%s: %s", d->source, d->text[0] ? d->text : what);
    else
        sh_cli_error("%s", d->text[0] ? d->text : what);
    return SH_EXIT_ERROR;
}

static void now_rfc3339(char *buf, size_t n)
{
    const char *fixed = getenv("SALTHUNT_NOW"); /* tests pin the clock */
    time_t t = time(NULL);
    struct tm tm;

    if (fixed && *fixed) {
        snprintf(buf, n, "%s", fixed);
        return;
    }
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

enum {
    OPT_POLICY = 256,
    OPT_RULES,
    OPT_NO_BUILTIN,
    OPT_RELATED,
    OPT_ALL,
    OPT_DB,
    OPT_NO_DB,
    OPT_FAIL_ON,
    OPT_PROGRESS,
    OPT_COLOR,
};

int sh_cmd_scan(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"policy", required_argument, NULL, OPT_POLICY},
        {"rules", required_argument, NULL, OPT_RULES},
        {"no-builtin", no_argument, NULL, OPT_NO_BUILTIN},
        {"related-iocs", no_argument, NULL, OPT_RELATED},
        {"all", no_argument, NULL, OPT_ALL},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"db", required_argument, NULL, OPT_DB},
        {"no-db", no_argument, NULL, OPT_NO_DB},
        {"fail-on", required_argument, NULL, OPT_FAIL_ON},
        {"jobs", required_argument, NULL, 'j'},
        {"progress", no_argument, NULL, OPT_PROGRESS},
        {"color", required_argument, NULL, OPT_COLOR},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    sh_scan_options opts = SH_SCAN_OPTIONS_INIT;
    sh_report_info info = SH_REPORT_INFO_INIT;
    struct diag_state dst = {false, 0};
    const char **rules = NULL;
    size_t n_rules = 0, i;
    sh_format fmt = SH_FMT_TEXT;
    const char *out_path = NULL, *db_path = NULL, *color = "auto";
    char db_buf[4096], now[64];
    bool no_db = false, progress = false, fail_none = false;
    sh_severity fail_on = SH_SEV_HIGH;
    sh_scan_result *res = NULL;
    sh_store *store = NULL;
    sh_findings gone = {0};
    FILE *out = stdout;
    sh_diag d;
    int c, rc, ret = SH_EXIT_ERROR;

    sh_diag_clear(&d);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "f:o:j:qh", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_POLICY: opts.policy_path = optarg; break;
        case OPT_RULES: {
            const char **r = realloc(rules, (n_rules + 2) * sizeof(*r));
            if (!r) {
                sh_cli_error("out of memory");
                goto out;
            }
            rules = r;
            rules[n_rules++] = optarg;
            rules[n_rules] = NULL;
            break;
        }
        case OPT_NO_BUILTIN: opts.no_builtin_rules = true; break;
        case OPT_RELATED: opts.include_related_iocs = true; break;
        case OPT_ALL: opts.all = true; break;
        case 'f':
            if (sh_format_parse(&fmt, optarg) != 0) {
                sh_cli_error("unknown format '%s' (text, jsonl, sarif, csv, html, markdown)",
                             optarg);
                goto out;
            }
            break;
        case 'o': out_path = optarg; break;
        case OPT_DB: db_path = optarg; break;
        case OPT_NO_DB: no_db = true; break;
        case OPT_FAIL_ON:
            if (strcmp(optarg, "none") == 0) {
                fail_none = true;
            } else if (sh_severity_parse(&fail_on, optarg) != 0) {
                sh_cli_error("--fail-on takes info, low, medium, high, critical or none");
                goto out;
            }
            break;
        case 'j': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 256) {
                sh_cli_error("--jobs takes a number from 1 to 256");
                goto out;
            }
            opts.jobs = (unsigned)n;
            break;
        }
        case OPT_PROGRESS: progress = true; break;
        case OPT_COLOR:
            if (strcmp(optarg, "auto") && strcmp(optarg, "always") && strcmp(optarg, "never")) {
                sh_cli_error("--color takes auto, always or never");
                goto out;
            }
            color = optarg;
            break;
        case 'q': dst.quiet = true; break;
        case 'h':
            fputs(usage_text, stdout);
            ret = SH_EXIT_OK;
            goto out;
        default:
            sh_cli_error("unknown or incomplete option '%s' (see 'salthunt scan --help')",
                         argv[optind - 1]);
            goto out;
        }
    }
    if (optind >= argc) {
        sh_cli_error("scan needs at least one file or folder (see 'salthunt scan --help')");
        goto out;
    }
    opts.rule_paths = rules;
    opts.on_diag = on_diag;
    opts.diag_ud = &dst;
    if (progress || (!dst.quiet && isatty(STDERR_FILENO)))
        opts.on_progress = on_progress;

    if (!no_db) {
        if (!db_path && !(db_path = sh_store_default_path(db_buf, sizeof(db_buf)))) {
            sh_cli_error("no database location: set XDG_STATE_HOME or HOME, or use --db/--no-db");
            goto out;
        }
        if (sh_store_open(&store, db_path, &d) != 0) {
            write_err(&d, "cannot open the database");
            goto out;
        }
        opts.intel_db = db_path; /* intel imported with `salthunt intel import` */
    }
    if (store) {
        now_rfc3339(now, sizeof(now));
        if (sh_store_set_started(store, now) != 0) {
            sh_cli_error("out of memory");
            goto out;
        }
    }
    rc =
        sh_scan_run(&res, (const char *const *)(argv + optind), (size_t)(argc - optind), &opts, &d);
    if (rc) {
        write_err(&d, sh_status_str(rc));
        goto out;
    }
    if (store) {
        now_rfc3339(now, sizeof(now));
        rc =
            sh_store_record_scan(store, res, (const char *const *)(argv + optind),
                                 (size_t)(argc - optind), now, &gone, &info.have_history, NULL, &d);
        if (rc) {
            write_err(&d, "cannot record the scan");
            goto out;
        }
        info.gone = &gone;
    }
    if (out_path) {
        out = fopen(out_path, "w");
        if (!out) {
            sh_cli_error("%s: %s", out_path, strerror(errno));
            out = stdout;
            goto out;
        }
    }
    /* The report comes in pieces of tens of KiB: a larger buffer writes it
     * in a few hundred system calls rather than two per piece. A terminal
     * keeps its own buffering. Nothing has been written to `out` yet. */
    if (!isatty(fileno(out))) {
        static char out_buf[256 << 10]; /* glibc ignores the size without a buffer */
        (void)setvbuf(out, out_buf, _IOFBF, sizeof(out_buf));
    }
    info.scan = res;
    info.fail_on = fail_on;
    info.color = strcmp(color, "always") == 0 || (strcmp(color, "auto") == 0 && !out_path &&
                                                  isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
    if (fmt == SH_FMT_TEXT)
        sh_findings_sort_by_severity(&res->findings);
    rc = sh_report_write(fmt, &res->findings, &info, sh_report_file_sink, out, &d);
    if (rc == 0 && fflush(out) != 0)
        rc = SH_EIO;
    if (rc) {
        sh_cli_error("writing the report: %s", sh_status_str(rc));
        goto out;
    }
    ret = SH_EXIT_OK;
    if (!fail_none) {
        for (i = 0; i < res->findings.n; i++) {
            if (res->findings.v[i]->severity >= fail_on) {
                ret = SH_EXIT_FINDINGS;
                break;
            }
        }
    }
out:
    if (out && out != stdout && fclose(out) != 0 && ret != SH_EXIT_ERROR) {
        sh_cli_error("%s: %s", out_path, strerror(errno));
        ret = SH_EXIT_ERROR;
    }
    sh_findings_clear(&gone);
    /* The process ends after this: a release build leaves the scan's result
     * (tens of thousands of findings and device records) to the operating
     * system rather than freeing it piece by piece, a twentieth of a large
     * scan's time. Debug and sanitizer builds free it, so leak checks stay
     * exact. */
#ifdef SH_DEBUG
    sh_scan_result_free(res);
#endif
    sh_store_close(store);
    free(rules);
    return ret;
}
