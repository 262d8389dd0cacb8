/* SPDX-License-Identifier: Apache-2.0 */
/* main.c — `mamori <command>`: dispatch through the command table. */
#include "cli.h"
#include "core.h"

#include <stdarg.h>
#include <string.h>

static const mm_command *const commands[] = {
    &mm_cmd_demo, &mm_cmd_scan, &mm_cmd_logtest, &mm_cmd_sensor,
    &mm_cmd_hub,  &mm_cmd_scs,  &mm_cmd_version, &mm_cmd_block,
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

/* Options of `mamori` itself (every command also takes -h/--help). */
enum { G_HELP = 1, G_VERSION };
static const mm_cli_opt global_opts[] = {
    {"--help", "-h", G_HELP, false, "この説明 / this help"},
    {"--version", NULL, G_VERSION, false, "版を表示 / print the version"},
    {0},
};

static int global_key(const char *arg)
{
    const mm_cli_opt *o = mm_cli_opt_find(global_opts, arg);
    return o ? o->key : 0;
}

static void print_help(FILE *out)
{
    fprintf(out,
            "mamori %s — サプライチェーンの中小企業を互いに守る / collective "
            "cyber defence for SME supply chains\n\n",
            MM_VERSION);
    fprintf(out, "使い方 / usage: mamori <command> [options]\n\n"
                 "コマンド / commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-10s %s / %s\n", commands[i]->name,
                commands[i]->summary_ja, commands[i]->summary_en);
    fprintf(out, "  %-10s %s\n", "help", "この説明 / this help");
    fprintf(out,
            "\n各コマンドの詳細 / details: mamori <command> --help\n"
            "  --version  %s\n",
            mm_cli_opt_find(global_opts, "--version")->help);
}

int mm_cli_wants_help(const mm_command *cmd, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (global_key(argv[i]) == G_HELP) {
            fputs(cmd->usage, stdout);
            return 1;
        }
    }
    return 0;
}

int mm_cli_usage_error(const mm_command *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "mamori %s: ", cmd->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n\n");
    fputs(cmd->usage, stderr);
    return MM_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return MM_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "help") == 0 || global_key(name) == G_HELP) {
        if (argc > 2) {
            for (size_t i = 0; i < N_COMMANDS; i++)
                if (strcmp(commands[i]->name, argv[2]) == 0) {
                    fputs(commands[i]->usage, stdout);
                    return MM_EXIT_OK;
                }
        }
        print_help(stdout);
        return MM_EXIT_OK;
    }
    if (global_key(name) == G_VERSION)
        return mm_cmd_version.run(1, argv + 1);
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i]->name, name) == 0) {
            if (mm_cli_wants_help(commands[i], argc - 1, argv + 1))
                return MM_EXIT_OK;
            return commands[i]->run(argc - 1, argv + 1);
        }
    fprintf(stderr, "mamori: 不明なコマンド / unknown command '%s'\n\n", name);
    print_help(stderr);
    return MM_EXIT_USAGE;
}
