/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-sensor.c — `mamori sensor --config FILE`: the log-watching daemon. */
#include "cli.h"
#include "core.h"
#include "block.h"
#include "sensor.h"

#include <signal.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "使い方 / usage: mamori sensor --config FILE [--check] | --unblock\n"
    "\n"
    "  ログファイル（ローテーション・切り詰めに追従、再起動しても行を失わ"
    "ず二重に数えない）と\n"
    "  syslog（UDP/TCP）を監視し、検知した警告を JSON 行で書き出します。\n"
    "  Follows log files (across rotation and truncation; a restart "
    "neither loses\n"
    "  nor repeats a line) and syslog over UDP/TCP, and writes alerts as "
    "JSON lines.\n"
    "\n"
    "  --config FILE  設定ファイル / config file (docs/sensor.md; "
    "[uplink]:\n"
    "                 docs/uplink.md — "
    "ハブへ匿名化して送信し共有フィードを受信 /\n"
    "                 de-identified upload to the hub, shared feed)\n"
    "  --check        設定とルールを確かめて終了 / check the config and "
    "rules, then exit\n"
    "  --unblock      [block] が加えた遮断をすべて解除して終了 / remove "
    "every block\n"
    "                 [block] added, then exit (docs/block.md)\n"
    "\n"
    "  シグナル / signals: SIGHUP ルールと IOC を再読み込み / reload "
    "rules and indicators;\n"
    "  SIGTERM, SIGINT 位置を保存して停止 / save offsets and stop.\n"
    "  終了コード / exit: 0 停止 / stopped, 1 実行時エラー / run-time "
    "error,\n"
    "  2 設定・ルールの誤り / bad config or rules.\n";

static void sensor_log(void *ud, mm_log_level level, const char *msg)
{
    (void)ud;
    static const char *const tags[] = {"info", "warning", "error"};
    char stamp[32];
    mm_time_format(mm_now_ms(), stamp, sizeof stamp);
    fprintf(stderr, "%s mamori sensor [%s]: %s\n", stamp,
            tags[level > MM_LOG_ERROR ? 2 : level], msg);
    fflush(stderr);
}

/* Exit code for a failed start: bad input files are usage errors (2),
 * everything else (sockets, disks) a run-time failure (1). */
static int start_exit(mm_rc rc)
{
    return rc == MM_EPARSE || rc == MM_EINVAL || rc == MM_ELIMIT ||
                   rc == MM_ENOTFOUND
               ? MM_EXIT_USAGE
               : MM_EXIT_FAIL;
}

/* --unblock: everything [block] added goes (mamori's nftables table). */
static int sensor_unblock(void)
{
    mm_err err;
    bool removed = false;
    if (mm_block_remove(&removed, &err) != MM_OK) {
        char msg[900];
        mm_err_format(&err, msg, sizeof msg);
        fprintf(stderr, "mamori sensor: %s\n", msg);
        return MM_EXIT_FAIL;
    }
    fprintf(stderr, "mamori sensor: %s\n",
            removed ? "遮断をすべて解除しました / every block removed"
                    : "遮断はありません / nothing was blocked");
    return MM_EXIT_OK;
}

static int sensor_run(int argc, char **argv)
{
    const char *config = NULL;
    bool check_only = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "-c") == 0) {
            if (i + 1 >= argc)
                return mm_cli_usage_error(&mm_cmd_sensor,
                                          "%s には値が必要 / %s needs a file",
                                          argv[i], argv[i]);
            config = argv[++i];
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            config = argv[i] + 9;
        } else if (strcmp(argv[i], "--check") == 0) {
            check_only = true;
        } else if (strcmp(argv[i], "--unblock") == 0) {
            return sensor_unblock();
        } else {
            return mm_cli_usage_error(&mm_cmd_sensor,
                                      "不明なオプション / unknown option "
                                      "'%s'",
                                      argv[i]);
        }
    }
    if (!config)
        return mm_cli_usage_error(&mm_cmd_sensor,
                                  "--config が必要 / --config is required");
    mm_err err;
    memset(&err, 0, sizeof err);
    char msg[900];
    mm_sensor_config *cfg;
    mm_rc rc = mm_sensor_config_load(config, &cfg, &err);
    if (rc != MM_OK) {
        mm_err_format(&err, msg, sizeof msg);
        fprintf(stderr, "mamori sensor: 設定の誤り / bad config: %s\n", msg);
        return MM_EXIT_USAGE;
    }
    if (check_only) {
        mm_ruleset *rs;
        rc = mm_sensor_ruleset_build(cfg, &rs, &err);
        if (rc == MM_OK) {
            mm_ruleset_free(rs);
            printf("%s: ok (%u inputs)\n", config, cfg->n_inputs);
        } else {
            mm_err_format(&err, msg, sizeof msg);
            fprintf(stderr, "mamori sensor: ルールの誤り / bad rules: %s\n",
                    msg);
        }
        mm_sensor_config_free(cfg);
        return rc == MM_OK ? MM_EXIT_OK : start_exit(rc);
    }
    /* A signal that arrives while the sensor starts waits for its loop
     * (the loop takes them through a signalfd). The sensor starts the
     * uplink itself when the config has [uplink]. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGHUP);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigprocmask(SIG_BLOCK, &sigs, NULL);
    mm_sensor *s;
    rc = mm_sensor_new(cfg, sensor_log, NULL, &s, &err);
    mm_entra *entra = NULL; /* the Graph sign-in puller, [entra] */
    if (rc == MM_OK && cfg->entra_on)
        rc = mm_entra_start(cfg->entra, sensor_log, NULL, &entra, &err);
    if (rc == MM_OK)
        rc = mm_sensor_run(s, &err);
    mm_entra_stop(entra);
    int code = MM_EXIT_OK;
    if (rc != MM_OK) {
        mm_err_format(&err, msg, sizeof msg);
        fprintf(stderr, "mamori sensor: 起動できない / cannot run: %s\n", msg);
        code = start_exit(rc);
    }
    /* Records not yet uploaded stay in the spool for the next start. */
    mm_sensor_free(s);
    mm_sensor_config_free(cfg);
    return code;
}

const mm_command mm_cmd_sensor = {
    "sensor",
    "ログを監視して攻撃を検知（常駐）",
    "watch logs and syslog, detect attacks (daemon)",
    usage,
    sensor_run,
    NULL};
