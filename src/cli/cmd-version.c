/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-version.c — `mamori version` / `mamori --version`. */
#include "cli.h"
#include "core.h"

static const mm_cli_opt version_opts[] = {{0}};

static int no_args(int key, const char *val, void *ud)
{
    (void)key;
    (void)ud;
    return mm_cli_usage_error(&mm_cmd_version,
                              "余分な引数 / unexpected "
                              "argument '%s'",
                              val);
}

static int version_run(int argc, char **argv)
{
    int r = mm_cli_opts_parse(&mm_cmd_version, version_opts, argc, argv, 1,
                              no_args, NULL);
    if (r)
        return r;
    printf("mamori %s\n", MM_VERSION);
    return MM_EXIT_OK;
}

const mm_command mm_cmd_version = {
    .name = "version",
    .summary_ja = "版を表示",
    .summary_en = "print the version",
    .usage = "使い方 / usage: mamori version   (= mamori --version)\n",
    .run = version_run,
    .opts = version_opts,
};
