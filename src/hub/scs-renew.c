/* SPDX-License-Identifier: Apache-2.0 */
/* scs-renew.c — renewal reminders for SCS confirmations: each tenant's
 * latest confirmation lapses on its valid_until; 60 and 14 days before,
 * and once it has lapsed, the hub queues one reminder to the tenant and to
 * each buyer linked to it (outbox rows and a durable flag in one
 * transaction, so each reminder goes exactly once, across restarts). */
#include "hub-int.h"
#include "scs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Today as a Japanese calendar date (the scheme's dates are), in days. */
static int64_t today_jst(int64_t now_ms)
{
    return (now_ms / 1000 + 9 * 3600) / 86400;
}

bool mm_hub_scs_days_left(const char *valid_until, int64_t now_ms,
                          int64_t *days)
{
    int64_t until = valid_until ? mm_scs_date_days(valid_until) : -1;
    if (until < 0)
        return false;
    *days = until - today_jst(now_ms);
    return true;
}

void mm_hub_scs_expiry_text(int64_t days, char *ja, char *en, size_t n)
{
    if (days < 0) {
        snprintf(ja, n, "期限切れ");
        snprintf(en, n, "lapsed");
    } else if (days == 0) {
        snprintf(ja, n, "今日で期限切れ");
        snprintf(en, n, "expires today");
    } else {
        snprintf(ja, n, "あと %lld 日で期限切れ", (long long)days);
        snprintf(en, n, "expires in %lld day%s", (long long)days,
                 days == 1 ? "" : "s");
    }
}

/* Which reminder is due: 60, 14, -1 (lapsed) or 0 (none yet). */
int mm_hub_scs_renewal_stage(int64_t days_left)
{
    if (days_left < 0)
        return -1;
    if (days_left <= 14)
        return 14;
    if (days_left <= 60)
        return 60;
    return 0;
}

/* ---- what the pass gathers before writing (one statement at a time) ----
 */

typedef struct party {
    char id[MM_HUB_ID_MAX + 1];
    char name[257];
} party;

typedef struct gathered {
    mm_buf tenants; /* party */
    mm_buf links;   /* mm_link */
    mm_buf prefs;   /* mm_notify_pref */
} gathered;

static mm_rc add_tenant(const mm_tenant *t, void *ud)
{
    party p;
    memset(&p, 0, sizeof p);
    snprintf(p.id, sizeof p.id, "%s", t->id);
    snprintf(p.name, sizeof p.name, "%s", t->name);
    return mm_buf_append(ud, &p, sizeof p);
}

static mm_rc add_link(const mm_link *l, void *ud)
{
    return mm_buf_append(ud, l, sizeof *l);
}

static mm_rc add_pref(const mm_notify_pref *p, void *ud)
{
    return mm_buf_append(ud, p, sizeof *p);
}

/* ---- the message
 * ----------------------------------------------------------- */

static const char *star(int achieved)
{
    return achieved == 4 ? "★4" : "★3";
}

/* Subject and body for the supplier itself (who == NULL) or for one of its
 * buyers (who = the supplier as the buyer may see it). */
static void compose(const mm_hub_scs_confirmation *c, int64_t days,
                    const char *who, mm_outbox_msg *m)
{
    char ja[64], en[64];
    mm_hub_scs_expiry_text(days, ja, en, sizeof ja);
    const char *s = star(c->achieved);
    char sja[400], sen[400];
    if (who) {
        snprintf(sja, sizeof sja, "取引先（仕入先）%s の", who);
        snprintf(sen, sizeof sen, "Your supplier %s's", who);
    } else {
        snprintf(sja, sizeof sja, "あなたの会社の");
        snprintf(sen, sizeof sen, "Your company's");
    }
    snprintf(m->subject, sizeof m->subject,
             "[mamori] SCS %s の確認: %s / SCS %s confirmation: %s", s, ja, s,
             en);
    const char *do_ja =
        who ? "必要であれば、取引先に更新（再確認）の予定を尋ねてください。"
        : days < 0
            ? "取引先からは「期限切れ」と見えています。登録情報処理安全確保"
              "支援士（登録セキスペ）に再確認を依頼し、新しい確認を mamori "
              "に提出してください（専門家は mamori scs experts で探せます）。"
            : "期限が切れると、取引先からは「期限切れ」と見えます。早めに"
              "登録情報処理安全確保支援士（登録セキスペ）に再確認を依頼し、"
              "新しい確認を mamori に提出してください（専門家は mamori scs "
              "experts で探せます）。";
    const char *do_en =
        who ? "If it matters to you, ask the supplier when it will renew."
        : days < 0
            ? "Your buyers now see it as lapsed. Ask a Registered Information "
              "Security Specialist to confirm again and submit the new "
              "confirmation to mamori (find one with mamori scs experts)."
            : "Once it lapses your buyers see it as lapsed. Ask a Registered "
              "Information Security Specialist to confirm again soon and "
              "submit the new confirmation to mamori (find one with mamori "
              "scs experts).";
    snprintf(m->body, sizeof m->body,
             "%sSCS %s の確認（確認日 %s、専門家 %s、登録番号 %s）は "
             "%s まで有効です。%s。\n%s\n\n----\n"
             "%s SCS %s confirmation (dated %s, expert %s, registration no. "
             "%s) is valid until %s: %s.\n%s\n\n"
             "この通知は mamori の設定で送っています。 / You receive this "
             "because of a mamori notification setting.\n",
             sja, s, c->confirmed_date, c->expert_name, c->registration_no,
             c->valid_until, ja, do_ja, sen, s, c->confirmed_date,
             c->expert_name, c->registration_no, c->valid_until, en, do_en);
}

/* Queues the message to every preference of `tenant` (digest preferences
 * get it with the next 09:00 JST digest, as warnings do). */
static mm_rc queue_to(mm_store *st, const gathered *g, const char *tenant,
                      mm_outbox_msg *m, int64_t now_ms, unsigned *queued,
                      mm_err *err)
{
    const mm_notify_pref *p = (const mm_notify_pref *)(void *)g->prefs.data;
    size_t n = g->prefs.len / sizeof *p;
    mm_rc rc = MM_OK;
    for (size_t i = 0; rc == MM_OK && i < n; i++) {
        if (strcmp(p[i].tenant, tenant) != 0)
            continue;
        m->id = 0;
        m->pref = p[i].id;
        snprintf(m->tenant, sizeof m->tenant, "%s", tenant);
        snprintf(m->channel, sizeof m->channel, "%s", p[i].channel);
        snprintf(m->target, sizeof m->target, "%s", p[i].target);
        m->digest = p[i].digest;
        m->created_ms = now_ms;
        m->next_ms = p[i].digest ? (now_ms / DAY_MS + 1) * DAY_MS : now_ms;
        m->state = MM_OUTBOX_PENDING;
        rc = st->ops->outbox_put(st, m, err);
        *queued += rc == MM_OK;
    }
    return rc;
}

/* The supplier as a buyer may see it: its name only when the link
 * discloses it (as in the buyer view). */
static void seen_as(const party *sup, bool disclose, char *out, size_t n)
{
    if (disclose && sup->name[0])
        snprintf(out, n, "%s（%s）", sup->name, sup->id);
    else
        snprintf(out, n, "%s", sup->id);
}

/* One reminder of one supplier: rows for it and its buyers, and the flag,
 * in one transaction. */
static mm_rc remind(mm_store *st, const gathered *g, const party *sup,
                    const mm_hub_scs_confirmation *c, int64_t days,
                    const char *key, int64_t now_ms, unsigned *queued,
                    mm_err *err)
{
    mm_outbox_msg *m = calloc(1, sizeof *m);
    if (!m)
        return mm_err_set(err, MM_ENOMEM, "renewal", 0, "out of memory");
    m->severity = 2;
    unsigned q = 0;
    compose(c, days, NULL, m);
    mm_rc rc = mm_store_begin(st, err);
    if (rc == MM_OK)
        rc = queue_to(st, g, sup->id, m, now_ms, &q, err);
    const mm_link *l = (const mm_link *)(void *)g->links.data;
    size_t nl = g->links.len / sizeof *l;
    for (size_t i = 0; rc == MM_OK && i < nl; i++) {
        if (strcmp(l[i].supplier, sup->id) != 0)
            continue;
        char who[400];
        seen_as(sup, l[i].disclose, who, sizeof who);
        compose(c, days, who, m);
        rc = queue_to(st, g, l[i].customer, m, now_ms, &q, err);
    }
    if (rc == MM_OK)
        rc = st->ops->flag_put(st, key, now_ms, err);
    rc = mm_store_end(st, rc, err);
    if (rc == MM_OK)
        *queued += q;
    free(m);
    return rc;
}

/* The reminder due for one supplier, if any and not sent yet. */
static mm_rc check_supplier(mm_store *st, const gathered *g, const party *sup,
                            int64_t now_ms, unsigned *queued, mm_err *err)
{
    mm_hub_scs_confirmation c;
    mm_rc rc = mm_store_scs_confirmation_latest(st, sup->id, &c, err);
    if (rc == MM_ENOTFOUND)
        return MM_OK;
    if (rc != MM_OK)
        return rc;
    int64_t days;
    if (c.achieved < 3 || !mm_hub_scs_days_left(c.valid_until, now_ms, &days))
        return MM_OK; /* nothing confirmed, or open-ended */
    int stage = mm_hub_scs_renewal_stage(days);
    if (stage == 0)
        return MM_OK;
    char key[160];
    snprintf(key, sizeof key, "scs-renew:%s:%s:%s", sup->id, c.valid_until,
             stage < 0     ? "lapsed"
             : stage == 14 ? "14"
                           : "60");
    int64_t v;
    rc = st->ops->flag_get(st, key, &v, err);
    if (rc == MM_OK)
        return MM_OK; /* already sent */
    if (rc != MM_ENOTFOUND)
        return rc;
    return remind(st, g, sup, &c, days, key, now_ms, queued, err);
}

mm_rc mm_hub_scs_renewal_due(mm_store *st, int64_t now_ms, unsigned *queued,
                             mm_err *err)
{
    unsigned dummy = 0;
    queued = queued ? queued : &dummy;
    *queued = 0;
    const mm_store_ops *o = st->ops;
    if (!o->flag_get || !o->flag_put || !o->outbox_put ||
        !o->notify_pref_list || !o->scs_confirmation_latest)
        return mm_err_set(err, MM_EINVAL, "store", 0,
                          "renewal reminders are not supported by this "
                          "store");
    gathered g;
    mm_buf_init(&g.tenants, 64u << 20);
    mm_buf_init(&g.links, 64u << 20);
    mm_buf_init(&g.prefs, 64u << 20);
    mm_rc rc = mm_store_tenant_list(st, add_tenant, &g.tenants, err);
    if (rc == MM_OK)
        rc = mm_store_link_list(st, add_link, &g.links, err);
    if (rc == MM_OK)
        rc = o->notify_pref_list(st, NULL, add_pref, &g.prefs, err);
    const party *t = (const party *)(void *)g.tenants.data;
    size_t n = g.tenants.len / sizeof *t;
    for (size_t i = 0; rc == MM_OK && i < n; i++)
        rc = check_supplier(st, &g, &t[i], now_ms, queued, err);
    mm_buf_free(&g.tenants);
    mm_buf_free(&g.links);
    mm_buf_free(&g.prefs);
    return rc;
}

/* ---- one notice to one tenant (scs-request.c) ----------------------------
 */

mm_rc mm_hub__scs_notice(mm_store *st, const char *tenant, mm_outbox_msg *m,
                         int64_t now_ms, mm_err *err)
{
    const mm_store_ops *o = st->ops;
    if (!o->notify_pref_list || !o->outbox_put)
        return MM_OK; /* a back end without notifications: nothing to do */
    gathered g;
    memset(&g, 0, sizeof g);
    mm_buf_init(&g.prefs, 64u << 20);
    unsigned q = 0;
    mm_rc rc = o->notify_pref_list(st, tenant, add_pref, &g.prefs, err);
    if (rc == MM_OK)
        rc = queue_to(st, &g, tenant, m, now_ms, &q, err);
    mm_buf_free(&g.prefs);
    return rc;
}
