/* SPDX-License-Identifier: Apache-2.0 */
/* prune-steps.c — retention without holding the hub's lock for the whole
 * prune (docs/scale.md): a store that prunes in short steps
 * (events_prune_step) gets one step at a time, and the lock is given back
 * between steps so the front end's requests are served meanwhile (a
 * catch-up prune of a large PostgreSQL store takes tens of seconds). */
#include "hub-int.h"

#include <stdio.h>
#include <time.h>

static void log_cursor_reset(const mm_store_prune *p, mm_log_fn log,
                             void *log_ud)
{
    char msg[300];
    snprintf(msg, sizeof msg,
             "保存期間の行カーソル %lld が最大の id を超えていたため、最小の "
             "id から削除をやり直します / the retention row cursor %lld was "
             "past every event id (a restored database?): the row prune "
             "starts again from the lowest id",
             (long long)p->cursor_reset, (long long)p->cursor_reset);
    log(log_ud, MM_LOG_WARN, msg);
}

mm_rc mm_hub__prune_steps(mm_store *st, int64_t before_ms, mm_usage_fn fn,
                          void *ud, pthread_mutex_t *mu, const bool *stop,
                          mm_log_fn log, void *log_ud, mm_err *err)
{
    mm_store_prune p = {.before_ms = before_ms};
    bool more = true;
    mm_rc rc = MM_OK;
    while (rc == MM_OK && more && !*stop) {
        rc = st->ops->events_prune_step(st, &p, fn, ud, &more, err);
        if (p.cursor_reset && log) {
            log_cursor_reset(&p, log, log_ud);
            p.cursor_reset = 0;
        }
        if (rc != MM_OK || !more)
            break;
        /* a waiting request takes the lock now (the mutex is not fair) */
        pthread_mutex_unlock(mu);
        nanosleep(&(struct timespec){0, 2000000}, NULL);
        pthread_mutex_lock(mu);
    }
    return rc;
}
