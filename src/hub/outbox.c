/* SPDX-License-Identifier: Apache-2.0 */
/* outbox.c — who is told what: notification preferences (checked here,
 * stored through mm_store_ops) and the outbox rows every stored warning
 * makes, in the same transaction (hub.h "notifications"). */
#include "hub-int.h"
#include "notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const sev_names[] = {"none", "low", "medium", "high",
                                        "critical"};
static const char *const sev_ja[] = {"情報", "低", "中", "高", "緊急"};

int mm_hub_severity_from_name(const char *s)
{
    for (int i = 1; i <= 4; i++)
        if (strcmp(s, sev_names[i]) == 0 ||
            (s[0] == (char)('0' + i) && s[1] == '\0'))
            return i;
    return 0;
}

const char *mm_hub_severity_name(int sev)
{
    return sev >= 0 && sev <= 4 ? sev_names[sev] : "none";
}

static mm_rc unsupported(mm_err *err)
{
    return mm_err_set(err, MM_EINVAL, "store", 0,
                      "notifications are not supported by this store");
}

/* https:// anywhere; http:// only to a loopback host (tests, a local
 * relay). */
static bool chat_url_ok(const char *u)
{
    if (strlen(u) >= 1024 || !mm_notify_header_safe(u) || strchr(u, ' '))
        return false;
    if (strncmp(u, "https://", 8) == 0)
        return u[8] != '\0';
    return strncmp(u, "http://127.", 11) == 0 ||
           strncmp(u, "http://localhost:", 17) == 0 ||
           strncmp(u, "http://[::1]:", 13) == 0;
}

mm_rc mm_hub_notify_add(mm_store *st, mm_notify_pref *p, mm_err *err)
{
    if (!st->ops->notify_pref_put)
        return unsupported(err);
    mm_rc rc = mm_hub_admin_tenant_get(st, p->tenant, NULL, err);
    if (rc != MM_OK)
        return rc;
    if (strcmp(p->channel, "email") == 0) {
        if (!mm_notify_addr_valid(p->target))
            return mm_err_set(err, MM_EINVAL, "--email", 0,
                              "'%s' is not a plain mail address "
                              "(name@example.jp)",
                              p->target);
    } else if (strcmp(p->channel, "teams") == 0 ||
               strcmp(p->channel, "slack") == 0) {
        if (!chat_url_ok(p->target))
            return mm_err_set(err, MM_EINVAL, p->channel, 0,
                              "the webhook URL must be https://");
    } else {
        return mm_err_set(err, MM_EINVAL, "channel", 0,
                          "channel must be email, teams or slack");
    }
    if (p->min_severity < 1 || p->min_severity > 4)
        return mm_err_set(err, MM_EINVAL, "--min-severity", 0,
                          "must be low, medium, high or critical");
    return st->ops->notify_pref_put(st, p, err);
}

mm_rc mm_hub_notify_del(mm_store *st, const char *tenant, int64_t id,
                        mm_err *err)
{
    if (!st->ops->notify_pref_del)
        return unsupported(err);
    return st->ops->notify_pref_del(st, tenant, id, err);
}

mm_rc mm_hub_notify_list(mm_store *st, const char *tenant,
                         mm_notify_pref_fn fn, void *ud, mm_err *err)
{
    if (!st->ops->notify_pref_list)
        return unsupported(err);
    return st->ops->notify_pref_list(st, tenant, fn, ud, err);
}

/* ---- outbox rows of one warning ------------------------------------------
 */

typedef struct enq {
    mm_store *st;
    mm_outbox_msg *m; /* filled once, copied per preference */
    mm_err *err;
} enq;

/* The warning's subject: fixed words only (the warning text goes into the
 * body), so it is always short and header-safe. */
static void warning_message(const mm_warning *w, mm_outbox_msg *m)
{
    int sev = w->severity >= 0 && w->severity <= 4 ? w->severity : 0;
    snprintf(m->subject, sizeof m->subject,
             "[mamori] 攻撃の警告（重要度: %s）/ attack warning (%s)",
             sev_ja[sev], sev_names[sev]);
    snprintf(m->body, sizeof m->body,
             "%s\n\n"
             "----\n%s\n\n"
             "警告番号 / warning: %lld\n"
             "この通知は mamori の設定で送っています。止めるには管理者に "
             "`mamori hub notify del` を依頼してください。\n"
             "You receive this because of a mamori notification setting.\n",
             w->text_ja, w->text_en, (long long)w->id);
}

static mm_rc enqueue_pref(const mm_notify_pref *p, void *ud)
{
    enq *e = ud;
    if (e->m->severity < p->min_severity)
        return MM_OK;
    mm_outbox_msg *m = e->m;
    int64_t created = m->created_ms;
    m->id = 0;
    m->pref = p->id;
    snprintf(m->channel, sizeof m->channel, "%s", p->channel);
    snprintf(m->target, sizeof m->target, "%s", p->target);
    m->digest = p->digest;
    /* A digest goes out at the next 09:00 JST (00:00 UTC). */
    m->next_ms = p->digest ? (created / DAY_MS + 1) * DAY_MS : created;
    return e->st->ops->outbox_put(e->st, m, e->err);
}

mm_rc mm_hub__outbox_fanout(mm_store *st, mm_outbox_msg *m, mm_err *err)
{
    if (!st->ops->notify_pref_list || !st->ops->outbox_put)
        return MM_OK; /* a back end without notifications: nothing to do */
    m->state = MM_OUTBOX_PENDING;
    enq e = {st, m, err};
    return st->ops->notify_pref_list(st, m->tenant, enqueue_pref, &e, err);
}

mm_rc mm_hub_outbox_warning(mm_store *st, const mm_warning *w, mm_err *err)
{
    if (!st->ops->notify_pref_list || !st->ops->outbox_put)
        return MM_OK; /* a back end without notifications: nothing to do */
    mm_outbox_msg *m = calloc(1, sizeof *m);
    if (!m)
        return mm_err_set(err, MM_ENOMEM, "outbox", 0, "out of memory");
    snprintf(m->tenant, sizeof m->tenant, "%s", w->tenant);
    m->warning = w->id;
    m->severity = w->severity;
    m->created_ms = w->created_ms;
    warning_message(w, m);
    mm_rc rc = mm_hub__outbox_fanout(st, m, err);
    free(m);
    return rc;
}
