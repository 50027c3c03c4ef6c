/*
 * exit.h - exit codes of the salthunt CLI (docs/EXIT-CODES.md).
 * 0: nothing at or above --fail-on; 1: findings at or above it;
 * 2: usage, input or internal error (one-line message naming file:line).
 */
#ifndef SH_CLI_EXIT_H
#define SH_CLI_EXIT_H

#define SH_EXIT_OK 0
#define SH_EXIT_FINDINGS 1
#define SH_EXIT_ERROR 2

#endif
