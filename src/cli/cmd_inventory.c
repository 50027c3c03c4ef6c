/*
 * cmd_inventory.c - `salthunt inventory PATH...`: what a scan learned per
 * device, merged across evidence files by hostname, with the file each
 * fact came from.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "exit.h"
#include "salthunt/sh_intel.h"
#include "salthunt/sh_scan.h"

static const char usage_text[] =
    "usage: salthunt inventory [options] PATH...\n"
    "\n"
    "Print what salthunt learned per device from all its evidence (show captures,\n"
    "configs): hostname, platform, OS, version, model, serial, uptime, enabled\n"
    "features, and the file each fact came from.\n"
    "\n"
    "options:\n"
    "  --format text|jsonl|csv   output format (default text)\n"
    "  -o FILE                   write to FILE instead of standard output\n"
    "  --jobs N                  worker threads (default: number of cores)\n"
    "  -q                        do not report unreadable or unparsed input\n";

enum fmt { FMT_TEXT, FMT_JSONL, FMT_CSV };

struct fact {
    const char *name;
    size_t off; /* offset of the char * field in sh_device */
};

static const struct fact facts[] = {
    {"platform", offsetof(sh_device, platform)}, {"os", offsetof(sh_device, os)},
    {"version", offsetof(sh_device, version)},   {"model", offsetof(sh_device, model)},
    {"serial", offsetof(sh_device, serial)},     {"uptime", offsetof(sh_device, uptime)},
};

static const char *field(const sh_device *d, size_t off)
{
    return *(char *const *)(const void *)((const char *)d + off);
}

/* The file a merged fact came from: the first raw record of the same
 * device carrying the same value. */
static const char *fact_source(const sh_scan_result *res, const sh_device *m, size_t off)
{
    const char *v = field(m, off);
    size_t i, pass;

    if (!v)
        return NULL;
    /* Show captures (the records that name an OS) first: they are what the
     * device itself reported. */
    for (pass = 0; pass < 2; pass++)
        for (i = 0; i < res->n_devices; i++) {
            const sh_device *r = res->devices[i];
            const char *rv = field(r, off);
            bool same_dev = m->hostname ? (r->hostname && strcasecmp(r->hostname, m->hostname) == 0)
                                        : (!r->hostname && r->sources.n && m->sources.n &&
                                           strcmp(r->sources.v[0], m->sources.v[0]) == 0);
            if ((pass == 1 || r->os) && same_dev && rv && strcmp(rv, v) == 0 && r->sources.n)
                return r->sources.v[0];
        }
    return NULL;
}

static void json_str(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void json_list(FILE *f, const sh_strlist *l)
{
    size_t i;
    fputc('[', f);
    for (i = 0; i < l->n; i++) {
        if (i)
            fputc(',', f);
        json_str(f, l->v[i]);
    }
    fputc(']', f);
}

static void csv_field(FILE *f, const char *s)
{
    if (!s)
        return;
    if (strpbrk(s, ",\"\r\n")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
}

static void csv_list(FILE *f, const sh_strlist *l)
{
    size_t i, n = 0;
    char *joined;

    for (i = 0; i < l->n; i++)
        n += strlen(l->v[i]) + 1;
    joined = calloc(1, n + 1);
    if (!joined)
        return;
    n = 0;
    for (i = 0; i < l->n; i++) {
        size_t k = strlen(l->v[i]);
        if (i)
            joined[n++] = ';';
        memcpy(joined + n, l->v[i], k);
        n += k;
    }
    joined[n] = '\0';
    csv_field(f, joined);
    free(joined);
}

static void print_text(FILE *f, const sh_scan_result *res, const sh_device *d)
{
    size_t i;

    fprintf(f, "%s\n", d->hostname ? d->hostname : "(unnamed device)");
    for (i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
        const char *v = field(d, facts[i].off), *src = fact_source(res, d, facts[i].off);
        if (v)
            fprintf(f, "  %-9s %-28s %s%s%s\n", facts[i].name, v, src ? "(" : "", src ? src : "",
                    src ? ")" : "");
    }
    if (d->features.n) {
        fprintf(f, "  %-9s ", "features");
        for (i = 0; i < d->features.n; i++)
            fprintf(f, "%s%s", i ? ", " : "", d->features.v[i]);
        fputc('\n', f);
    }
    fprintf(f, "  %-9s ", "evidence");
    for (i = 0; i < d->sources.n; i++)
        fprintf(f, "%s%s", i ? ", " : "", d->sources.v[i]);
    fputs("\n\n", f);
}

static void print_jsonl(FILE *f, const sh_scan_result *res, const sh_device *d)
{
    size_t i;

    fputs("{\"hostname\":", f);
    json_str(f, d->hostname);
    for (i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
        fprintf(f, ",\"%s\":", facts[i].name);
        json_str(f, field(d, facts[i].off));
    }
    fputs(",\"features\":", f);
    json_list(f, &d->features);
    fputs(",\"sources\":", f);
    json_list(f, &d->sources);
    fputs(",\"fact_sources\":{", f);
    {
        bool first = true;
        for (i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
            const char *src = fact_source(res, d, facts[i].off);
            if (!src)
                continue;
            fprintf(f, "%s\"%s\":", first ? "" : ",", facts[i].name);
            json_str(f, src);
            first = false;
        }
    }
    fputs("}}\n", f);
}

static void print_csv(FILE *f, const sh_device *d)
{
    size_t i;

    csv_field(f, d->hostname);
    for (i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
        fputc(',', f);
        csv_field(f, field(d, facts[i].off));
    }
    fputc(',', f);
    csv_list(f, &d->features);
    fputc(',', f);
    csv_list(f, &d->sources);
    fputc('\n', f);
}

static void on_diag(const sh_diag *d, void *ud)
{
    (void)ud;
    if (d->line)
        sh_cli_error("%s:%u: %s", d->source, d->line, d->text);
    else
        sh_cli_error("%s: %s", d->source, d->text);
}

int sh_cmd_inventory(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"jobs", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    sh_scan_options opts = SH_SCAN_OPTIONS_INIT;
    sh_scan_result *res = NULL;
    sh_device **inv = NULL;
    size_t n_inv = 0, i;
    enum fmt fmt = FMT_TEXT;
    const char *out_path = NULL;
    bool quiet = false;
    FILE *out = stdout;
    sh_diag d;
    int c, rc = SH_EXIT_OK;

    if (sh_cli_wants_help(argc, argv)) {
        fputs(usage_text, stdout);
        return SH_EXIT_OK;
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:q", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "text") == 0)
                fmt = FMT_TEXT;
            else if (strcmp(optarg, "jsonl") == 0)
                fmt = FMT_JSONL;
            else if (strcmp(optarg, "csv") == 0)
                fmt = FMT_CSV;
            else {
                sh_cli_error("inventory: unknown format '%s' (text, jsonl, csv)", optarg);
                return SH_EXIT_ERROR;
            }
            break;
        case 'j': {
            char *end;
            long j = strtol(optarg, &end, 10);
            if (*end || j < 1 || j > 256) {
                sh_cli_error("--jobs wants a number from 1 to 256");
                return SH_EXIT_ERROR;
            }
            opts.jobs = (unsigned)j;
            break;
        }
        case 'o': out_path = optarg; break;
        case 'q': quiet = true; break;
        default: fputs(usage_text, stderr); return SH_EXIT_ERROR;
        }
    }
    if (optind >= argc) {
        sh_cli_error("inventory needs at least one PATH");
        return SH_EXIT_ERROR;
    }
    if (!quiet)
        opts.on_diag = on_diag;
    memset(&d, 0, sizeof(d));
    if (sh_scan_run(&res, (const char *const *)(argv + optind), (size_t)(argc - optind), &opts,
                    &d) != 0) {
        on_diag(&d, NULL);
        return SH_EXIT_ERROR;
    }
    if (sh_inventory_merge(res->devices, res->n_devices, &inv, &n_inv) != 0) {
        sh_cli_error("inventory: out of memory");
        sh_scan_result_free(res);
        return SH_EXIT_ERROR;
    }
    if (out_path && !(out = fopen(out_path, "w"))) {
        sh_cli_error("%s: cannot write", out_path);
        rc = SH_EXIT_ERROR;
        goto done;
    }
    if (fmt == FMT_CSV)
        fputs("hostname,platform,os,version,model,serial,uptime,features,sources\n", out);
    for (i = 0; i < n_inv; i++) {
        if (fmt == FMT_TEXT)
            print_text(out, res, inv[i]);
        else if (fmt == FMT_JSONL)
            print_jsonl(out, res, inv[i]);
        else
            print_csv(out, inv[i]);
    }
    if (fmt == FMT_TEXT)
        fprintf(out, "%zu device%s from %zu file%s\n", n_inv, n_inv == 1 ? "" : "s",
                res->files_analysed, res->files_analysed == 1 ? "" : "s");
    if (out != stdout && fclose(out) != 0) {
        sh_cli_error("%s: write failed", out_path);
        rc = SH_EXIT_ERROR;
    }
done:
    sh_inventory_free(inv, n_inv);
    sh_scan_result_free(res);
    return rc;
}
