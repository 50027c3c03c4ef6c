/*
 * main.c - entry point: dispatch to a subcommand (see cmd.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "salthunt/salthunt.h"
#include "exit.h"

const struct sh_cmd sh_cmds[] = {
    {"scan", "hunt, harden and check exposure over config, show and log files", sh_cmd_scan},
    {"rules", "list, test, lint and export rule packs (config rules and Sigma)", sh_cmd_rules},
    {"report", "render stored results (text, jsonl, sarif, csv, html, markdown)", sh_cmd_report},
    {"inventory", "what salthunt learned per device: platform, OS, version, model, serial",
     sh_cmd_inventory},
    {"intel", "import or list indicators, CVE records and the KEV catalog", sh_cmd_intel},
    {"watch", "live syslog listener applying the log rules", sh_cmd_watch},
    {"version", "print the version", sh_cmd_version},
    {NULL, NULL, NULL},
};

void sh_cli_error(const char *fmt, ...)
{
    va_list ap;

    fputs("salthunt: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

bool sh_cli_wants_help(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return true;
    }
    return false;
}

static void usage(FILE *f)
{
    const struct sh_cmd *c;

    fputs("usage: salthunt <command> [options] [args]\n\n"
          "Hunt for AA25-239A (Salt Typhoon) tradecraft in network device evidence.\n\n"
          "commands:\n",
          f);
    for (c = sh_cmds; c->name; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fputs("\nRun 'salthunt <command> --help' for a command's options.\n", f);
}

int main(int argc, char **argv)
{
    const struct sh_cmd *c;

    if (argc < 2) {
        usage(stderr);
        return SH_EXIT_ERROR;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return SH_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0)
        return sh_cmd_version(1, argv + 1);
    for (c = sh_cmds; c->name; c++) {
        if (strcmp(argv[1], c->name) == 0) {
            char *cache = sh_cache_dir_default();
            int rc;
            /* compiled rule packs are kept between runs (README "Files") */
            sh_set_cache_dir(cache);
            free(cache);
            rc = c->run(argc - 1, argv + 1);
            sh_set_cache_dir(NULL);
            return rc;
        }
    }
    sh_cli_error("unknown command '%s' (see 'salthunt --help')", argv[1]);
    return SH_EXIT_ERROR;
}
