/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-hub-block.c — `mamori hub feed retract`: the operator undoes a false
 * positive. The indicator is marked removed in the store with a new feed
 * sequence; a running `mamori hub serve` takes it in within 5 s and every
 * sensor's feed puller gets it as a removal (docs/block.md). */
#include "cmd-hub.h"

#include <stdio.h>
#include <string.h>

static const mm_cli_opt retract_opts[] = {O_DIR,
                                          OPT("--value", K_VALUE, true),
                                          OPT("--reason", K_REASON, true),
                                          {0}};

/* Appends "time value reason" to DIR/retractions.log: who undid what is
 * kept next to the store. */
static void audit(const hub_args *a, int64_t now)
{
    char path[1200], t[32];
    snprintf(path, sizeof path, "%s/retractions.log", a->dir);
    mm_time_format(now, t, sizeof t);
    FILE *f = fopen(path, "a");
    if (!f)
        return;
    fprintf(f, "%s\t%s\t", t, a->value);
    for (const char *r = a->reason ? a->reason : ""; *r; r++)
        fputc(*r == '\n' || *r == '\t' ? ' ' : *r, f);
    fputc('\n', f);
    fclose(f);
}

static int run_retract(hub_args *a)
{
    mm_err err;
    bool was = false;
    int64_t now = mm_now_ms();
    mm_rc rc = mm_hub_retract_store(a->st, a->value, now, &was, &err);
    if (rc != MM_OK)
        return mm_cli_hub_fail_usage(rc, &err);
    audit(a, now);
    printf("%s: %s\n", a->value,
           was ? "取り消しました。全センサーと一覧から 1 分以内に消えます / "
                 "retracted: removed from every sensor and list within a "
                 "minute"
               : "共有中ではありませんでした。今後も共有しません / was not "
                 "listed; it will not be listed from now on");
    return MM_EXIT_OK;
}

const hub_sub mm_cli_hub_block_subs[] = {
    {"feed retract", retract_opts, NEED(K_DIR) | NEED(K_VALUE), 0,
     "feed retract needs --dir DIR and --value IP", 0, true, run_retract},
    {0},
};
