/* cmd-version.c — `mamori version` / `mamori --version`. */
#include "cli.h"
#include "core.h"

static int version_run(int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return mm_cli_usage_error(&mm_cmd_version, "余分な引数 / unexpected "
                                                   "argument '%s'", argv[1]);
    printf("mamori %s\n", MM_VERSION);
    return MM_EXIT_OK;
}

const mm_command mm_cmd_version = {
    .name = "version",
    .summary_ja = "版を表示",
    .summary_en = "print the version",
    .usage = "使い方 / usage: mamori version   (= mamori --version)\n",
    .run = version_run,
};
