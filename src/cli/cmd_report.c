/*
 * cmd_report.c - `salthunt report`: render stored scan results.
 *
 * Reads the store a scan wrote (never creates one), loads one scan's
 * findings with their new/seen status and the findings gone since the
 * previous scan of the same scope, and renders them in any output format.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "exit.h"
#include "salthunt/sh_report.h"
#include "salthunt/sh_store.h"

static const char usage_text[] =
    "usage: salthunt report [--db FILE] [--scan ID] [--format FORMAT] [-o FILE]\n"
    "                       [--fail-on SEVERITY] [--no-color]\n"
    "       salthunt report --list [--db FILE]\n"
    "\n"
    "Render the results of a stored scan (the latest unless --scan is given).\n"
    "\n"
    "options:\n"
    "  --db FILE          database to read (default: $XDG_STATE_HOME/salthunt/salthunt.db,\n"
    "                     else ~/.local/state/salthunt/salthunt.db)\n"
    "  --scan ID          render scan ID instead of the latest (see --list)\n"
    "  --format FORMAT    text (default), jsonl, sarif, csv, html or markdown\n"
    "  -o, --output FILE  write to FILE instead of standard output\n"
    "  --fail-on SEV      exit 1 when a finding is at or above SEV (info, low, medium,\n"
    "                     high, critical); the summary counts against it (default high)\n"
    "  --no-color         no ANSI colour in text output (also NO_COLOR=1)\n"
    "  --list             list stored scans: id, time, findings, new, gone, scope\n"
    "  -h, --help         show this help\n"
    "\n"
    "exit status: 0 rendered; 1 findings at or above --fail-on (only with --fail-on);\n"
    "2 usage error, missing database or unknown scan.\n";

static void diag_error(const sh_diag *d, int rc)
{
    if (d->source[0] && d->line)
        sh_cli_error("%s:%u: %s", d->source, d->line, d->text[0] ? d->text : sh_status_str(rc));
    else if (d->source[0])
        sh_cli_error("%s: %s", d->source, d->text[0] ? d->text : sh_status_str(rc));
    else
        sh_cli_error("%s", d->text[0] ? d->text : sh_status_str(rc));
}

static int list_scans(sh_store *st)
{
    sh_store_scan_list l = {0};
    sh_diag d = {0};
    size_t i;
    int rc = sh_store_list_scans(st, &l, &d);

    if (rc) {
        diag_error(&d, rc);
        return SH_EXIT_ERROR;
    }
    printf("%-6s  %-20s  %8s  %5s  %5s  %s\n", "id", "finished", "findings", "new", "gone",
           "scope");
    for (i = 0; i < l.n; i++) {
        const sh_store_scan_info *s = &l.v[i];
        const char *scope = s->scope ? s->scope : "";
        size_t first = strcspn(scope, "\n"), more = 0;
        const char *p;

        for (p = scope; (p = strchr(p, '\n')) != NULL; p++)
            more++;
        printf("%-6" PRId64 "  %-20s  %8zu  %5zu  %5zu  %.*s", s->id,
               s->finished ? s->finished : "-", s->n_findings, s->n_new, s->n_gone, (int)first,
               scope);
        if (more)
            printf(" (+%zu more)", more);
        putchar('\n');
    }
    sh_store_scan_list_clear(&l);
    return SH_EXIT_OK;
}

static bool want_color(const char *out_path, sh_format fmt, bool no_color)
{
    const char *term = getenv("TERM");

    if (no_color || out_path || fmt != SH_FMT_TEXT || getenv("NO_COLOR"))
        return false;
    if (term && strcmp(term, "dumb") == 0)
        return false;
    return isatty(STDOUT_FILENO);
}

int sh_cmd_report(int argc, char **argv)
{
    enum { OPT_DB = 256, OPT_SCAN, OPT_FORMAT, OPT_FAIL_ON, OPT_NO_COLOR, OPT_LIST };
    static const struct option longopts[] = {
        {"db", required_argument, NULL, OPT_DB},
        {"scan", required_argument, NULL, OPT_SCAN},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"output", required_argument, NULL, 'o'},
        {"fail-on", required_argument, NULL, OPT_FAIL_ON},
        {"no-color", no_argument, NULL, OPT_NO_COLOR},
        {"list", no_argument, NULL, OPT_LIST},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *out_path = NULL;
    char default_db[4096];
    sh_format fmt = SH_FMT_TEXT;
    sh_severity fail_on = SH_SEV_HIGH;
    bool have_fail_on = false, no_color = false, list = false, had_previous = false;
    int64_t scan_id = 0;
    sh_store *st = NULL;
    sh_store_scan_info info = {0};
    sh_scan_result counters;
    sh_findings findings = {0}, gone = {0};
    sh_report_info rinfo = SH_REPORT_INFO_INIT;
    sh_diag d = {0};
    FILE *out = stdout;
    int c, rc, exit_code = SH_EXIT_ERROR;
    size_t i;

    if (sh_cli_wants_help(argc, argv)) {
        fputs(usage_text, stdout);
        return SH_EXIT_OK;
    }
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_DB: db = optarg; break;
        case OPT_SCAN: {
            char *end = NULL;
            long long v = strtoll(optarg, &end, 10);
            if (!*optarg || *end || v <= 0) {
                sh_cli_error("--scan wants a scan id (a positive number), not '%s'", optarg);
                return SH_EXIT_ERROR;
            }
            scan_id = v;
            break;
        }
        case OPT_FORMAT:
            if (sh_format_parse(&fmt, optarg)) {
                sh_cli_error("unknown format '%s' (text, jsonl, sarif, csv, html, markdown)",
                             optarg);
                return SH_EXIT_ERROR;
            }
            break;
        case 'o': out_path = optarg; break;
        case OPT_FAIL_ON:
            if (sh_severity_parse(&fail_on, optarg)) {
                sh_cli_error("unknown severity '%s' (info, low, medium, high, critical)", optarg);
                return SH_EXIT_ERROR;
            }
            have_fail_on = true;
            break;
        case OPT_NO_COLOR: no_color = true; break;
        case OPT_LIST: list = true; break;
        default:
            sh_cli_error("report: unknown or incomplete option '%s' (see 'salthunt report --help')",
                         argv[optind - 1]);
            return SH_EXIT_ERROR;
        }
    }
    if (optind < argc) {
        sh_cli_error("report takes no arguments, got '%s' (see 'salthunt report --help')",
                     argv[optind]);
        return SH_EXIT_ERROR;
    }
    if (!db && !(db = sh_store_default_path(default_db, sizeof(default_db)))) {
        sh_cli_error("no database path: set --db, XDG_STATE_HOME or HOME");
        return SH_EXIT_ERROR;
    }
    rc = sh_store_open_existing(&st, db, &d);
    if (rc) {
        if (rc == SH_ENOTFOUND)
            sh_cli_error("%s: no database here (run 'salthunt scan' first, or give --db)", db);
        else
            diag_error(&d, rc);
        return SH_EXIT_ERROR;
    }
    if (list) {
        exit_code = list_scans(st);
        goto out;
    }
    rc = sh_store_get_scan(st, scan_id, &info, &d);
    if (!rc)
        rc = sh_store_load_findings(st, info.id, &findings, &d);
    if (!rc)
        rc = sh_store_load_gone(st, info.id, &gone, &had_previous, &d);
    if (rc) {
        diag_error(&d, rc);
        goto out;
    }
    memset(&counters, 0, sizeof(counters));
    counters.files_seen = info.files_seen;
    counters.files_analysed = info.files_analysed;
    counters.files_skipped = info.files_skipped;
    counters.bytes = info.bytes;
    counters.lines_unparsed = info.lines_unparsed;
    counters.n_errors = info.n_errors;
    rinfo.scan = &counters;
    rinfo.gone = &gone;
    rinfo.have_history = had_previous;
    rinfo.fail_on = fail_on;
    rinfo.color = want_color(out_path, fmt, no_color);
    if (out_path && !(out = fopen(out_path, "w"))) {
        sh_cli_error("%s: cannot write: %s", out_path, strerror(errno));
        goto out;
    }
    rc = sh_report_write(fmt, &findings, &rinfo, sh_report_file_sink, out, &d);
    if (!rc && fflush(out) != 0)
        rc = SH_EIO;
    if (out_path && fclose(out) != 0 && !rc)
        rc = SH_EIO;
    if (rc) {
        sh_cli_error("%s: %s", out_path ? out_path : "standard output",
                     d.text[0] ? d.text : sh_status_str(rc));
        goto out;
    }
    exit_code = SH_EXIT_OK;
    if (have_fail_on) {
        for (i = 0; i < findings.n; i++)
            if (findings.v[i]->severity >= fail_on)
                exit_code = SH_EXIT_FINDINGS;
    }
out:
    sh_findings_clear(&findings);
    sh_findings_clear(&gone);
    sh_store_scan_info_clear(&info);
    sh_store_close(st);
    return exit_code;
}
