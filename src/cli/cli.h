/* SPDX-License-Identifier: Apache-2.0 */
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

#include "core.h"
#include "detect.h"
#include "parse.h"

#include <stdio.h>

enum {
    MM_EXIT_OK = 0,
    MM_EXIT_FAIL = 1,
    MM_EXIT_USAGE = 2,
    MM_EXIT_ALERTS = 3,
};

typedef struct mm_input_opts mm_input_opts;

typedef struct mm_command {
    const char *name;
    const char *summary_ja;
    const char *summary_en;
    const char *usage; /* full --help text (Japanese first, then English) */
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
    const struct mm_cli_opt *opts;     /* its options (cli-opts.c), or NULL */
} mm_command;

/* ---- options: one parser for every command (cli-opts.c) ----------------- */

/* One option of a command; a table ends with a row whose name is NULL.
 * Commands build their tables from rows, e.g.
 *   {"--config", "-c", K_CONFIG, true, "--config FILE  設定 / config file"} */
typedef struct mm_cli_opt {
    const char *name;  /* long form, "--dir" */
    const char *alias; /* short form ("-q"), or NULL */
    int key;           /* handed to the callback */
    bool arg;          /* takes a value: "--dir D" or "--dir=D" */
    const char *help;  /* its usage line */
} mm_cli_opt;

/* Key for a plain argument (anything not starting with '-', "-" itself,
 * and everything after "--"). */
#define MM_CLI_POSITIONAL (-1)

/* Called per option and per plain argument in command-line order; `val`
 * is the option's value (NULL for a flag) or the argument. Returns 0 to go
 * on, or an exit code that stops parsing (mm_cli_usage_error for a bad
 * value). */
typedef int (*mm_cli_opt_fn)(int key, const char *val, void *ud);

/* Parses argv[first..argc) against `tab`: options and plain arguments in
 * any order. An unknown option, a missing value or a value given to a flag
 * prints "mamori <cmd>: …" and the usage on stderr and returns 2
 * (MM_EXIT_USAGE); otherwise the first non-zero callback result, or 0. */
int mm_cli_opts_parse(const mm_command *cmd, const mm_cli_opt *tab, int argc,
                      char **argv, int first, mm_cli_opt_fn fn, void *ud);
/* The row of `tab` whose name or alias is exactly `arg`, or NULL. */
const mm_cli_opt *mm_cli_opt_find(const mm_cli_opt *tab, const char *arg);
/* A value out of `names` (NULL-terminated), e.g. --format: *idx is its
 * index, `dflt` when val is NULL. Returns -1 to go on, else prints the
 * usage error `msg` and returns 2. */
int mm_cli_choice(const mm_command *cmd, const char *val,
                  const char *const *names, int dflt, const char *msg,
                  int *idx);

/* ---- inputs shared by scan and logtest (cli-input.c) -------------------- */

struct mm_input_opts {
    mm_logtype type;
    mm_parse_opts parse;
    mm_webfmt *web_format;
    const char *rules_dir; /* NULL = rules compiled into the binary */
    const char **iocs;
    size_t n_iocs;
    const char **allows;
    size_t n_allows;
    const char **files; /* none = stdin */
    size_t n_files;
    /* The command's own options (rows of cmd->opts besides
     * MM_INPUT_OPT_ROWS), or NULL when it has none. */
    mm_cli_opt_fn cmd_opt;
    void *cmd_ud;
};

/* One input being read: its name and the parse settings for it. */
typedef struct mm_input {
    const char *name;
    mm_logtype type;
    mm_parse_opts parse; /* year filled from the file's time */
} mm_input;

typedef struct mm_input_visitor {
    void (*on_line)(const mm_input *in, mm_span line, bool truncated,
                    uint64_t lineno, void *ud);
    void (*on_end)(const mm_input *in, void *ud); /* may be NULL */
} mm_input_visitor;

void mm_input_opts_init(mm_input_opts *o);
void mm_input_opts_fini(mm_input_opts *o);
/* Keys and table rows of the input options; a command's table starts with
 * MM_INPUT_OPT_ROWS and its own keys stay below MM_INPUT_K_TYPE. */
enum {
    MM_INPUT_K_TYPE = 1000,
    MM_INPUT_K_RULES,
    MM_INPUT_K_IOC,
    MM_INPUT_K_ALLOW,
    MM_INPUT_K_YEAR,
    MM_INPUT_K_TIMEZONE,
    MM_INPUT_K_WEB_FORMAT,
    MM_INPUT_K_TRUST_XFF,
};
#define MM_INPUT_OPT_ROWS                                                     \
    {"--type", NULL, MM_INPUT_K_TYPE, true, "log type"},                      \
        {"--rules", NULL, MM_INPUT_K_RULES, true, "rule directory"},          \
        {"--ioc", NULL, MM_INPUT_K_IOC, true, "indicator list (repeatable)"}, \
        {"--allow", NULL, MM_INPUT_K_ALLOW, true,                             \
         "never alert on this CIDR"},                                         \
        {"--year", NULL, MM_INPUT_K_YEAR, true,                               \
         "year of stamps without one"},                                       \
        {"--timezone", NULL, MM_INPUT_K_TIMEZONE, true, "zone of stamps"},    \
        {"--web-format", NULL, MM_INPUT_K_WEB_FORMAT, true,                   \
         "Apache LogFormat"},                                                 \
    {                                                                         \
        "--trust-xff", NULL, MM_INPUT_K_TRUST_XFF, false, "X-Forwarded-For"   \
    }

/* Parses cmd->opts over argv: the input options, file names, and the
 * command's own options through o->cmd_opt; returns an exit code (0 = go
 * on). */
int mm_input_opts_parse(const mm_command *cmd, mm_input_opts *o, int argc,
                        char **argv);
/* Builds and compiles the ruleset; on error prints file:line, returns 2. */
int mm_input_build_ruleset(const char *cmd, const mm_input_opts *o,
                           mm_ruleset **out);
/* Parses the options, builds the ruleset and a detector over it: the
 * start of scan and logtest. Returns an exit code (0 = go on); on failure
 * nothing is left to release but `o` itself. */
int mm_input_prepare(const mm_command *cmd, mm_input_opts *o, int argc,
                     char **argv, const mm_detector_opts *dopts,
                     mm_ruleset **rs, mm_detector **det);
/* The end of scan and logtest: frees what mm_input_prepare made and `o`;
 * returns `status`. */
int mm_input_finish(mm_input_opts *o, mm_ruleset *rs, mm_detector *det,
                    int status);
/* Records that span lines or are not text (cli-input-records.c). Event
 * XML in a text file: one <Event> per line, several on one line or one over
 * many lines; `acc` holds an unfinished record. */
typedef struct mm_xml_frame {
    mm_buf acc; /* an unfinished record */
} mm_xml_frame;

void mm_input_xml_emit(const mm_input *in, mm_xml_frame *f, mm_span line,
                       bool cut, uint64_t lineno, const mm_input_visitor *v,
                       void *ud);
/* A file starting with "<?xml" or "<Event", read in blocks and framed at
 * "</Event>"; an .evtx file, each record's XML as one "windows" line. */
bool mm_input_is_xml_file(int fd);
int mm_input_each_xml(const char *cmd, const char *path, int fd,
                      const mm_input *in, const mm_input_visitor *v, void *ud);
bool mm_input_is_evtx(int fd);
int mm_input_each_evtx(const char *cmd, const char *path, const mm_input *in0,
                       const mm_input_visitor *v, void *ud);
/* Parses one line of `in` and counts it in st (lines, truncated, then
 * events, skipped or unparsed). Returns mm_parse_line's result: MM_OK when
 * it gave an event (flagged MM_ANOM_TRUNCATED when the line was cut). */
mm_rc mm_input_parse(const mm_input *in, mm_span line, bool truncated,
                     mm_parse_stats *st, mm_event *ev);
/* Prints one input's counters on stderr, Japanese then English. */
void mm_input_print_stats(const char *cmd, const char *name,
                          const mm_parse_stats *st);

/* Usage lines of the options mm_input_opts_parse understands. */
#define MM_INPUT_OPTIONS_USAGE                                                \
    "  --type T          auto|syslog|sshd|web-access|web-error|netfilter|\n"  \
    "                    fortigate|kv (default auto: recognised per line)\n"  \
    "                    windows: event XML, Winlogbeat/NXLog JSON, Snare\n"  \
    "                    (.evtx files are recognised by their header)\n"      \
    "  --rules DIR       rule files (default: the built-in rules)\n"          \
    "  --ioc FILE        indicator list (IP, CIDR or domain per line); "      \
    "repeatable\n"                                                            \
    "  --allow CIDR      never alert on this source; repeatable\n"            \
    "  --year Y          year for syslog stamps without one (default: the "   \
    "file's)\n"                                                               \
    "  --timezone +HH:MM zone of stamps without one (default +00:00)\n"       \
    "  --web-format FMT  Apache LogFormat of the access log\n"                \
    "  --trust-xff       client address from X-Forwarded-For\n"

/* Reads every input ("-" or none = stdin) line by line. Returns 0, or 1 if
 * an input could not be read (the others are still read). */
int mm_input_each_file(const char *cmd, const mm_input_opts *o,
                       const mm_input_visitor *v, void *ud);

/* Commands, each defined in its own cmd-<name>.c. */
extern const mm_command mm_cmd_scan;
extern const mm_command mm_cmd_logtest;
extern const mm_command mm_cmd_version;
extern const mm_command mm_cmd_scs;
extern const mm_command mm_cmd_hub;
extern const mm_command mm_cmd_sensor;
extern const mm_command mm_cmd_demo;
extern const mm_command mm_cmd_block;

/* True when argv holds -h or --help; prints the command's usage then. */
int mm_cli_wants_help(const mm_command *cmd, int argc, char **argv);
/* Prints "mamori <cmd>: <msg>" and the usage hint to stderr; returns 2. */
int mm_cli_usage_error(const mm_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
