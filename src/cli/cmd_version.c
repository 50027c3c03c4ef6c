/*
 * cmd_version.c - `salthunt version`.
 */
#include <stdio.h>

#include "cmd.h"
#include "exit.h"
#include "salthunt/salthunt.h"

int sh_cmd_version(int argc, char **argv)
{
    if (sh_cli_wants_help(argc, argv)) {
        puts("usage: salthunt version\n\nPrint the salthunt version.");
        return SH_EXIT_OK;
    }
    if (argc > 1) {
        sh_cli_error("version takes no arguments");
        return SH_EXIT_ERROR;
    }
    printf("salthunt %s\n", SH_VERSION_STRING);
    return SH_EXIT_OK;
}
