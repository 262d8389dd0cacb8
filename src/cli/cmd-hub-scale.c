/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-hub-scale.c — `mamori hub` subcommands of the scale-out hub
 * (docs/scale.md): `migrate` creates or upgrades the schema of a
 * PostgreSQL store. */
#include "cmd-hub.h"

#include <stdio.h>

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

static const mm_cli_opt migrate_opts[] = {OPT("--store", K_STORE, true), {0}};

const hub_sub mm_cli_hub_scale_subs[] = {
    {"migrate", migrate_opts, NEED(K_STORE), 0,
     "migrate needs --store postgresql://…", 0, false, run_migrate},
    {0},
};
