/*
 * cli.h — the `mamori` command line: one table row per command.
 *
 * Exit codes (docs/cli.md): 0 success, 1 the work ran and found a runtime
 * failure (I/O, server), 2 usage or input error (bad option, bad config,
 * bad rule file), 3 detection finished and alerts were raised (scan only,
 * with --fail-on-alert).
 */
#ifndef MM_CLI_H
#define MM_CLI_H

#include <stdio.h>

enum {
    MM_EXIT_OK = 0,
    MM_EXIT_FAIL = 1,
    MM_EXIT_USAGE = 2,
    MM_EXIT_ALERTS = 3,
};

typedef struct mm_command {
    const char *name;
    const char *summary_ja;
    const char *summary_en;
    const char *usage; /* full --help text (Japanese first, then English) */
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
} mm_command;

/* Commands, each defined in its own cmd-<name>.c. */
extern const mm_command mm_cmd_version;
extern const mm_command mm_cmd_hub;
extern const mm_command mm_cmd_sensor;

/* True when argv holds -h or --help; prints the command's usage then. */
int mm_cli_wants_help(const mm_command *cmd, int argc, char **argv);
/* Prints "mamori <cmd>: <msg>" and the usage hint to stderr; returns 2. */
int mm_cli_usage_error(const mm_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
