/* SPDX-License-Identifier: Apache-2.0 */
/* corr-health.c — what a correlator says about the failures it rides out
 * (docs/scale.md): PostgreSQL restarted or a NATS node gone, the batches
 * come back and are retried; one line when it starts failing and one when
 * it works again, not one per retry (a restart of PostgreSQL fails a few
 * rounds a second). */
#include "hub-int.h"

#include <stdio.h>

void mm_hub__corr_away(mm_hub__corr_health *hl, uint64_t failures,
                       const char *why, mm_log_fn log, void *ud)
{
    if (hl->away)
        return;
    hl->away = true;
    hl->since_ms = mm_now_ms();
    hl->failures = failures;
    if (!log)
        return;
    static const char head[] =
        "ストアまたはバスに届きません。バッチは戻り、再試行します / the "
        "store or the bus is away, the batches come back and are retried: ";
    char msg[768];
    snprintf(msg, sizeof msg, "%s%s", head, why);
    for (char *p = msg + sizeof head - 1; *p; p++) /* libpq's: one line */
        if (*p == '\n' || *p == '\t')
            *p = ' ';
    log(ud, MM_LOG_WARN, msg);
}

void mm_hub__corr_ok(mm_hub__corr_health *hl, uint64_t failures, mm_log_fn log,
                     void *ud)
{
    if (!hl->away)
        return;
    hl->away = false;
    if (!log)
        return;
    unsigned long long n = (unsigned long long)(failures - hl->failures + 1);
    double s = (double)(mm_now_ms() - hl->since_ms) / 1000.0;
    char msg[256];
    snprintf(msg, sizeof msg,
             "復旧しました（失敗 %llu 回、%.1f 秒）/ recovered after %llu "
             "failed attempts (%.1f s)",
             n, s, n, s);
    log(ud, MM_LOG_INFO, msg);
}
