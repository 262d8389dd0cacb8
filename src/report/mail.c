/* SPDX-License-Identifier: Apache-2.0 */
/* mail.c — the monthly report by mail: once a month has ended (JST), its
 * report goes into the outbox for every e-mail preference of each tenant,
 * together with a durable flag in one transaction; the hub's notifier
 * sends it like any other outbox row. */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The e-mail preferences, gathered before any write (one statement at a
 * time on the store). */
static mm_rc gather(const mm_notify_pref *p, void *ud)
{
    if (strcmp(p->channel, "email") != 0)
        return MM_OK;
    return mm_buf_append(ud, p, sizeof *p);
}

/* Last month in JST: the month before the one `now_ms` falls in. */
static void last_month(int64_t now_ms, int *y, int *m)
{
    time_t t = (time_t)(now_ms / 1000) + 9 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    *y = tm.tm_year + 1900;
    *m = tm.tm_mon; /* 0-based this month = 1-based last month */
    if (*m == 0) {
        *m = 12;
        (*y)--;
    }
}

/* The message of one tenant's report: subject and plain-text body. */
static mm_rc compose(mm_store *st, const char *tenant, int y, int m,
                     int64_t now_ms, mm_outbox_msg *o, mm_err *err)
{
    mm_report *r = malloc(sizeof *r);
    if (!r)
        return mm_err_set(err, MM_ENOMEM, "report", 0, "out of memory");
    mm_buf text;
    mm_buf_init(&text, 1u << 20);
    mm_rc rc = mm_report_collect(st, tenant, y, m, now_ms, r, err);
    if (rc == MM_OK)
        rc = mm_report_render(r, MM_REPORT_TEXT, &text, err);
    if (rc == MM_OK) {
        snprintf(o->subject, sizeof o->subject,
                 "[mamori] 月次セキュリティ報告 %d年%d月 / monthly security "
                 "report %04d-%02d",
                 y, m, y, m);
        snprintf(o->body, sizeof o->body,
                 "%s\n----\nPDF: mamori hub report --dir DIR --tenant %s "
                 "--month %04d-%02d -o report.pdf\n",
                 text.data, tenant, y, m);
    }
    mm_buf_free(&text);
    free(r);
    return rc;
}

/* Queues one tenant's report to each of its addresses, with the flag. */
static mm_rc queue_tenant(mm_store *st, const mm_notify_pref *p, size_t n,
                          size_t first, const char *key, int y, int m,
                          int64_t now_ms, unsigned *queued, mm_err *err)
{
    mm_outbox_msg *o = calloc(1, sizeof *o);
    if (!o)
        return mm_err_set(err, MM_ENOMEM, "report", 0, "out of memory");
    mm_rc rc = compose(st, p[first].tenant, y, m, now_ms, o, err);
    if (rc == MM_OK)
        rc = mm_store_begin(st, err);
    for (size_t i = first; rc == MM_OK && i < n; i++) {
        if (strcmp(p[i].tenant, p[first].tenant) != 0)
            continue;
        o->id = 0;
        o->pref = p[i].id;
        snprintf(o->tenant, sizeof o->tenant, "%s", p[i].tenant);
        snprintf(o->channel, sizeof o->channel, "email");
        snprintf(o->target, sizeof o->target, "%s", p[i].target);
        o->created_ms = o->next_ms = now_ms;
        o->state = MM_OUTBOX_PENDING;
        rc = st->ops->outbox_put(st, o, err);
        *queued += rc == MM_OK;
    }
    if (rc == MM_OK)
        rc = st->ops->flag_put(st, key, now_ms, err);
    rc = mm_store_end(st, rc, err);
    free(o);
    return rc;
}

mm_rc mm_report_mail_due(mm_store *st, int64_t now_ms, unsigned *queued,
                         mm_err *err)
{
    unsigned dummy = 0;
    queued = queued ? queued : &dummy;
    *queued = 0;
    if (!st->ops->flag_get || !st->ops->outbox_put)
        return mm_err_set(err, MM_EINVAL, "store", 0,
                          "notifications are not supported by this store");
    int y, m;
    last_month(now_ms, &y, &m);
    mm_buf prefs;
    mm_buf_init(&prefs, 64u << 20);
    mm_rc rc = mm_hub_notify_list(st, NULL, gather, &prefs, err);
    const mm_notify_pref *p = (const mm_notify_pref *)(void *)prefs.data;
    size_t n = prefs.len / sizeof *p;
    for (size_t i = 0; rc == MM_OK && i < n; i++) {
        bool seen = false; /* the tenant's first preference handles it */
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(p[j].tenant, p[i].tenant) == 0;
        char key[128];
        snprintf(key, sizeof key, "report-mail:%s:%04d-%02d", p[i].tenant, y,
                 m);
        int64_t v;
        mm_rc f = seen ? MM_OK : st->ops->flag_get(st, key, &v, err);
        if (f == MM_ENOTFOUND)
            rc = queue_tenant(st, p, n, i, key, y, m, now_ms, queued, err);
        else if (f != MM_OK)
            rc = f;
    }
    mm_buf_free(&prefs);
    return rc;
}

mm_rc mm_report_mail_hourly(mm_store *st, int64_t now_ms, void *ud,
                            mm_err *err)
{
    (void)ud;
    return mm_report_mail_due(st, now_ms, NULL, err);
}
