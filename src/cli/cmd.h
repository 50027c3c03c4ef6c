/*
 * cmd.h - the subcommand table of the salthunt CLI (git style).
 *
 * Each command lives in cmd_<name>.c, parses its own options with
 * getopt_long, prints --help from its own usage text, and returns an exit
 * code from exit.h.
 */
#ifndef SH_CLI_CMD_H
#define SH_CLI_CMD_H

#include <stdbool.h>

struct sh_cmd {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
};

int sh_cmd_rules(int argc, char **argv);
int sh_cmd_report(int argc, char **argv);
int sh_cmd_scan(int argc, char **argv);
int sh_cmd_intel(int argc, char **argv);
int sh_cmd_inventory(int argc, char **argv);
int sh_cmd_version(int argc, char **argv);
int sh_cmd_watch(int argc, char **argv);

extern const struct sh_cmd sh_cmds[];

/** Print "salthunt: <msg>" to stderr. */
void sh_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** True if the argument list asks for help (-h / --help anywhere before "--"). */
bool sh_cli_wants_help(int argc, char **argv);

#endif
