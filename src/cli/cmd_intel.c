/*
 * cmd_intel.c - `salthunt intel import|list`: threat-intel and
 * vulnerability data in the store.
 *
 * import takes files and folders (walked recursively, in name order) and
 * recognises each file by content: CVE JSON 5 record, CISA KEV catalog,
 * STIX 2.1 bundle, indicator CSV or one-per-line list. Each file is one
 * transaction; a bad file is reported with file and line and the others
 * still import (exit 2 at the end). list prints what scans will use:
 * built-in plus imported.
 */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "exit.h"
#include "salthunt/sh_intel.h"

static const char usage_text[] =
    "usage: salthunt intel import [--db FILE] [--related] FILE|DIR...\n"
    "       salthunt intel list [--db FILE | --no-db] [--related-iocs] [cves|iocs]\n"
    "\n"
    "Load indicators, CVE records and the CISA KEV catalog into the store, or list\n"
    "what scans use (built-in data plus imports).\n"
    "\n"
    "  import   files are recognised by content: CVE JSON 5.x records, the KEV catalog\n"
    "           (known_exploited_vulnerabilities.json), STIX 2.1 bundles, CSV with a\n"
    "           type,value header, or one indicator per line\n"
    "  list     one line per item: kind, id/value, detail, source\n"
    "\n"
    "options:\n"
    "  --db FILE        database (default $XDG_STATE_HOME/salthunt/salthunt.db)\n"
    "  --no-db          list built-in data only\n"
    "  --related        import: label the indicators as coming from reporting other\n"
    "                   than the advisory (scans use them only with --related-iocs)\n"
    "  --related-iocs   also list indicators from reporting other than the advisory\n"
    "  -q               import: print nothing but errors\n";

/* Same location rule as the scan store (PRODUCT.md §4). */
static const char *default_db(char *buf, size_t size)
{
    const char *x = getenv("XDG_STATE_HOME"), *h = getenv("HOME");

    if (x && *x)
        snprintf(buf, size, "%s/salthunt/salthunt.db", x);
    else if (h && *h)
        snprintf(buf, size, "%s/.local/state/salthunt/salthunt.db", h);
    else
        return NULL;
    return buf;
}

static void report_diag(const sh_diag *d, const char *fallback)
{
    const char *src = d->source[0] ? d->source : fallback;

    if (d->line)
        sh_cli_error("%s:%u: %s", src, d->line, d->text[0] ? d->text : sh_status_str(d->code));
    else
        sh_cli_error("%s: %s", src, d->text[0] ? d->text : sh_status_str(d->code));
}

struct import_run {
    sh_intel_store *st;
    bool quiet;
    bool related;
    int failed;
    size_t files;
};

/* First non-blank byte is '{' or '[' (CVE, KEV and STIX files all are). */
static bool looks_like_json(const char *path)
{
    FILE *f = fopen(path, "rb");
    int c = EOF;

    if (!f)
        return false;
    while ((c = fgetc(f)) != EOF && (c == ' ' || c == '\t' || c == '\r' || c == '\n'))
        ;
    fclose(f);
    return c == '{' || c == '[';
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void import_path(struct import_run *r, const char *path, int depth)
{
    struct stat sb;

    if (stat(path, &sb) != 0) {
        sh_cli_error("%s: cannot read", path);
        r->failed++;
        return;
    }
    if (S_ISDIR(sb.st_mode)) {
        DIR *dir;
        struct dirent *de;
        char **names = NULL;
        size_t n = 0, cap = 0, i;

        if (depth > 32) {
            sh_cli_error("%s: folders nested too deep", path);
            r->failed++;
            return;
        }
        dir = opendir(path);
        if (!dir) {
            sh_cli_error("%s: cannot open folder", path);
            r->failed++;
            return;
        }
        while ((de = readdir(dir)) != NULL) {
            if (de->d_name[0] == '.')
                continue;
            if (n == cap) {
                char **nv = realloc(names, (cap ? cap * 2 : 16) * sizeof(*names));
                if (!nv)
                    break;
                names = nv;
                cap = cap ? cap * 2 : 16;
            }
            {
                size_t sz = strlen(path) + strlen(de->d_name) + 2;
                names[n] = malloc(sz);
                if (!names[n])
                    break;
                snprintf(names[n], sz, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/",
                         de->d_name);
            }
            n++;
        }
        closedir(dir);
        if (n > 1)
            qsort(names, n, sizeof(*names), cmp_str);
        for (i = 0; i < n; i++) {
            import_path(r, names[i], depth + 1);
            free(names[i]);
        }
        free(names);
        return;
    }
    if (!S_ISREG(sb.st_mode))
        return;
    {
        sh_intel_import_stats stats;
        sh_diag d;
        memset(&d, 0, sizeof(d));
        r->files++;
        if (sh_intel_import_file(r->st, path, r->related, &stats, &d) != 0) {
            /* Inside a folder, text that is no intel (a LICENSE, a README)
             * is passed over; a file named on the command line must import. */
            if (depth > 0 && d.code == SH_EPARSE && !looks_like_json(path)) {
                if (!r->quiet)
                    printf("skipped %s: not an intel file\n", path);
                r->files--;
                return;
            }
            report_diag(&d, path);
            r->failed++;
            return;
        }
        if (!r->quiet) {
            printf("imported %s: %s, %zu item%s", path, sh_intel_kind_str(stats.kind), stats.items,
                   stats.items == 1 ? "" : "s");
            if (stats.skipped)
                printf(" (%zu pattern part%s not expressible, skipped)", stats.skipped,
                       stats.skipped == 1 ? "" : "s");
            putchar('\n');
        }
    }
}

static void print_item(const char *kind, const char *id, const char *detail, const char *source,
                       void *ud)
{
    (void)ud;
    printf("%-8s %-66s %s%s%s\n", kind, id, detail ? detail : "", source && *source ? " | " : "",
           source ? source : "");
}

int sh_cmd_intel(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},     {"no-db", no_argument, NULL, 'n'},
        {"related-iocs", no_argument, NULL, 'r'}, {"related", no_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *db_path = NULL, *sub;
    bool no_db = false, related = false, related_import = false, quiet = false;
    char dbbuf[4096];
    sh_intel_store *st = NULL;
    sh_diag d;
    int c, rc;

    if (sh_cli_wants_help(argc, argv)) {
        fputs(usage_text, stdout);
        return SH_EXIT_OK;
    }
    if (argc < 2) {
        fputs(usage_text, stderr);
        return SH_EXIT_ERROR;
    }
    sub = argv[1];
    argc--;
    argv++;
    optind = 1;
    while ((c = getopt_long(argc, argv, "q", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db_path = optarg; break;
        case 'n': no_db = true; break;
        case 'r': related = true; break;
        case 'R': related_import = true; break;
        case 'q': quiet = true; break;
        default: fputs(usage_text, stderr); return SH_EXIT_ERROR;
        }
    }
    if (!db_path && !no_db && !(db_path = default_db(dbbuf, sizeof(dbbuf)))) {
        sh_cli_error("no database location: set --db, XDG_STATE_HOME or HOME");
        return SH_EXIT_ERROR;
    }
    memset(&d, 0, sizeof(d));
    if (strcmp(sub, "import") == 0) {
        struct import_run r = {NULL, quiet, related_import, 0, 0};
        int i;

        if (no_db) {
            sh_cli_error("intel import needs a database (drop --no-db)");
            return SH_EXIT_ERROR;
        }
        if (optind >= argc) {
            sh_cli_error("intel import needs at least one FILE or DIR");
            return SH_EXIT_ERROR;
        }
        if (sh_intel_store_open(&st, db_path, &d) != 0) {
            report_diag(&d, db_path);
            return SH_EXIT_ERROR;
        }
        r.st = st;
        for (i = optind; i < argc; i++)
            import_path(&r, argv[i], 0);
        sh_intel_store_close(st);
        if (!quiet)
            printf("%zu file%s, %d failed\n", r.files, r.files == 1 ? "" : "s", r.failed);
        return r.failed ? SH_EXIT_ERROR : SH_EXIT_OK;
    }
    if (strcmp(sub, "list") == 0) {
        const char *what = optind < argc ? argv[optind] : NULL;
        struct stat sb;

        if (what && strcmp(what, "cves") != 0 && strcmp(what, "iocs") != 0) {
            sh_cli_error("intel list: unknown '%s' (cves or iocs)", what);
            return SH_EXIT_ERROR;
        }
        if (!no_db && stat(db_path, &sb) == 0 && sh_intel_store_open(&st, db_path, &d) != 0) {
            report_diag(&d, db_path);
            return SH_EXIT_ERROR;
        }
        rc = sh_intel_list(st, what, related, print_item, NULL, &d);
        sh_intel_store_close(st);
        if (rc) {
            report_diag(&d, db_path ? db_path : "intel");
            return SH_EXIT_ERROR;
        }
        return SH_EXIT_OK;
    }
    sh_cli_error("intel: unknown subcommand '%s' (import or list)", sub);
    return SH_EXIT_ERROR;
}
