/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-hub-scale.c — `mamori hub` subcommands of the scale-out hub
 * (docs/scale.md): `migrate` creates or upgrades the schema of a
 * PostgreSQL store; `correlate` consumes the NATS bus into it. */
#include "cmd-hub.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static int run_migrate(hub_args *a)
{
    mm_err err;
    int from = 0, to = 0;
    mm_rc r = mm_store_migrate(a->store, &from, &to, &err);
    if (r != MM_OK)
        return mm_cli_hub_fail_rc(r, &err);
    if (from == to)
        printf("スキーマは最新です（版 %d）/ the schema is up to date "
               "(version %d)\n",
               to, to);
    else
        printf("スキーマを版 %d から %d に更新しました / migrated the schema "
               "from version %d to %d\n",
               from, to, from, to);
    return MM_EXIT_OK;
}

/* A partitioned correlator's ownership changes, on stderr. */
static void log_line(void *ud, mm_log_level level, const char *msg)
{
    (void)ud;
    (void)level;
    fprintf(stderr, "mamori hub: %s\n", msg);
}

/* Runs until SIGINT or SIGTERM; the correlation parameters come from
 * DIR/hub.conf when --dir is given. */
static int run_correlate(hub_args *a)
{
    mm_hub_server_conf c;
    mm_err err;
    if (mm_hub_conf_load(a->dir ? a->dir : "/nonexistent", &c, &err) != MM_OK)
        return mm_cli_hub_fail_rc(MM_EINVAL, &err);
    char *end = NULL;
    unsigned long group = a->group ? strtoul(a->group, &end, 10) : 256;
    if (a->group && (*end || group < 1 || group > 10000))
        return mm_cli_usage_error(&mm_cmd_hub,
                                  "--group は 1〜10000 / --group must be "
                                  "1..10000");
    unsigned long parts = a->partitions ? strtoul(a->partitions, &end, 10) : 1;
    if (a->partitions && (*end || parts < 1 || parts > MM_HUB_PARTS_MAX))
        return mm_cli_usage_error(&mm_cmd_hub,
                                  "--partitions は 1〜64 / --partitions must "
                                  "be 1..64");
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    fprintf(stderr, "mamori hub: 相関を開始 / correlating %s\n", a->bus);
    mm_hub_correlate_stats st;
    mm_rc r;
    if (parts > 1) {
        c.params.part_n = (uint32_t)parts;
        r = mm_hub_correlate_run_parts(a->store, a->bus, &c.params,
                                       (size_t)group, &set, log_line, NULL,
                                       &st, &err);
    } else {
        r = mm_hub_correlate_run(a->store, a->bus, &c.params, (size_t)group,
                                 &set, &st, &err);
    }
    if (r != MM_OK)
        return mm_cli_hub_fail_rc(r == MM_EINVAL ? MM_EINVAL : MM_EIO, &err);
    fprintf(stderr,
            "mamori hub: 停止 / stopped: %llu batches, %llu events, %llu "
            "duplicates, %llu campaigns, %llu warnings, %llu dropped, %llu "
            "retried fetches, %llu hops forwarded (%llu events)%s%s\n",
            (unsigned long long)st.batches, (unsigned long long)st.events,
            (unsigned long long)st.duplicates,
            (unsigned long long)st.campaigns, (unsigned long long)st.warnings,
            (unsigned long long)st.dropped, (unsigned long long)st.failures,
            (unsigned long long)st.forwards,
            (unsigned long long)st.forward_events,
            st.last_error[0] ? "; last error: " : "", st.last_error);
    return MM_EXIT_OK;
}

/* Recreates a stream of an older mamori as a work queue, when nothing in
 * it is still to be correlated (docs/scale.md). */
static int run_bus_upgrade(hub_args *a)
{
    mm_err err;
    mm_bus_upgrade u;
    mm_rc r = mm_bus_stream_upgrade(a->bus, HAS(a, K_FORCE), &u, &err);
    if (r != MM_OK)
        return mm_cli_hub_fail_rc(r, &err);
    switch (u.state) {
    case MM_BUS_NO_STREAM:
        printf(
            "ストリーム MAMORI "
            "はまだありません（最初のフロントエンドが作業キューとして"
            "作ります）/ no stream MAMORI yet (the first front end makes it a "
            "work queue)\n");
        return MM_EXIT_OK;
    case MM_BUS_WORK_QUEUE:
        printf("ストリーム MAMORI はすでに作業キューです / the stream MAMORI "
               "is a "
               "work queue already\n");
        return MM_EXIT_OK;
    case MM_BUS_RECREATED:
        printf("ストリーム MAMORI "
               "を作業キューとして作り直しました（処理済みのバッチは"
               "消え、ディスクが空きます）/ recreated the stream MAMORI as a "
               "work "
               "queue (batches already correlated are gone, the disk is "
               "freed)\n");
        return MM_EXIT_OK;
    case MM_BUS_ATTACHED:
        fprintf(
            stderr,
            "mamori hub: 相関器が接続中です（コンシューマ %s に待機中の"
            "取得要求が %llu 件）。相関器とフロントエンドを止めてから、"
            "もう一度実行してください（フロントエンドは送信するだけなので"
            "ここからは見えません。止めたことを確かめてから --force で"
            "実行できます）。何も変えていません / a correlator is "
            "attached (consumer %s has %llu pull request(s) waiting): stop "
            "the correlators and the front ends, then run this again "
            "(front ends only publish, so they cannot be seen from here; "
            "once you are sure they are stopped, --force skips this "
            "check). Nothing was changed\n",
            u.consumer, (unsigned long long)u.waiting, u.consumer,
            (unsigned long long)u.waiting);
        return MM_EXIT_FAIL;
    default:
        fprintf(
            stderr,
            "mamori hub: ストリーム MAMORI には、まだ相関していないバッチが "
            "%llu 件あります。相関器を動かして処理し終えてから、もう一度"
            "実行してください（何も変えていません）/ the stream MAMORI still "
            "holds %llu messages not yet correlated: let the correlators "
            "finish them, then run this again (nothing was changed)\n",
            (unsigned long long)u.due, (unsigned long long)u.due);
        return MM_EXIT_FAIL;
    }
}

static const mm_cli_opt bus_opts[] = {
    OPT("--bus", K_BUS, true), OPT("--force", K_FORCE, false), {0}};

static const mm_cli_opt correlate_opts[] = {
    OPT("--store", K_STORE, true),
    OPT("--bus", K_BUS, true),
    O_DIR,
    OPT("--group", K_GROUP, true),
    OPT("--partitions", K_PARTITIONS, true),
    {0}};

static const mm_cli_opt migrate_opts[] = {OPT("--store", K_STORE, true), {0}};

const hub_sub mm_cli_hub_scale_subs[] = {
    {"migrate", migrate_opts, NEED(K_STORE), 0,
     "migrate needs --store postgresql://…", 0, false, run_migrate},
    {"correlate", correlate_opts, NEED(K_STORE) | NEED(K_BUS), 0,
     "correlate needs --store postgresql://… and --bus nats://…", 0, false,
     run_correlate},
    {"bus upgrade", bus_opts, NEED(K_BUS), 0,
     "bus upgrade needs --bus nats://…", 0, false, run_bus_upgrade},
    {0},
};
