/* SPDX-License-Identifier: Apache-2.0 */
/* outbox-alert.c — the outbox rows of a critical alert (written in the
 * ingest transaction that stores it) and of a newly opened incident case
 * (in the case's transaction): one message per incident, to every
 * preference of the tenant whose minimum severity it reaches. */
#include "hub-int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FOOTER                                                                             \
    "この通知は mamori の設定で送っています。止めるには管理者に " \
    "`mamori hub notify del` を依頼してください。\n"                             \
    "You receive this because of a mamori notification setting.\n"

/* rule.name_ja / rule.name of the alert as sent ("" when absent). */
static void rule_names(const mm_hub_event *ev, char *ja, size_t nja, char *en,
                       size_t nen)
{
    json_t *root = json_loadb(ev->json ? ev->json : "", ev->json_len, 0, NULL);
    json_t *rule = json_object_get(root, "rule");
    const char *j = json_string_value(json_object_get(rule, "name_ja"));
    const char *e = json_string_value(json_object_get(rule, "name"));
    snprintf(ja, nja, "%s", j ? j : "");
    snprintf(en, nen, "%s", e ? e : "");
    json_decref(root);
}

mm_rc mm_hub__outbox_alert(mm_store *st, const char *tenant,
                           const mm_hub_event *ev, int64_t now_ms, mm_err *err)
{
    if (!ev->alert || !mm_hub_alert_is_critical(ev->rule_id, ev->severity) ||
        !st->ops->notify_pref_list || !st->ops->outbox_put)
        return MM_OK;
    mm_outbox_msg *m = calloc(1, sizeof *m);
    if (!m)
        return mm_err_set(err, MM_ENOMEM, "outbox", 0, "out of memory");
    char ja[257], en[257], when[40];
    rule_names(ev, ja, sizeof ja, en, sizeof en);
    mm_hub_time_tz(ev->ts_ms, NULL, when, sizeof when);
    snprintf(m->tenant, sizeof m->tenant, "%s", tenant);
    m->severity = 4;
    m->created_ms = now_ms;
    snprintf(m->subject, sizeof m->subject,
             "[mamori] 緊急の警報 / critical alert");
    snprintf(
        m->body, sizeof m->body,
        "緊急の警報が出ました。すぐに確認してください。\n"
        "A critical alert was raised. Please look at it now.\n\n"
        "内容 / what: %s%s%s\n"
        "ルール / rule: %s\n"
        "送信元 / source: %s\n"
        "日時 / time: %s\n"
        "事象番号 / event: %s\n\n"
        "mamori の画面の「警報」と「事案」に、最初にすることの一覧が"
        "出ます。\n"
        "The console lists the first steps under Alerts and Cases.\n\n" FOOTER,
        ja[0] ? ja : ev->rule_id, en[0] ? " / " : "", en, ev->rule_id,
        ev->src_text[0] ? ev->src_text : "-", when, ev->id);
    mm_rc rc = mm_hub__outbox_fanout(st, m, err);
    free(m);
    return rc;
}

mm_rc mm_hub__outbox_case(mm_store *st, const mm_hub_case *c,
                          const char *rule_id, int severity, mm_err *err)
{
    if (mm_hub_alert_is_critical(rule_id, severity) ||
        !st->ops->notify_pref_list || !st->ops->outbox_put)
        return MM_OK;
    mm_outbox_msg *m = calloc(1, sizeof *m);
    if (!m)
        return mm_err_set(err, MM_ENOMEM, "outbox", 0, "out of memory");
    char when[40];
    mm_hub_time_tz(c->opened_ms, NULL, when, sizeof when);
    snprintf(m->tenant, sizeof m->tenant, "%s", c->tenant);
    m->severity = 4; /* an incident: told like a critical alert */
    m->created_ms = c->opened_ms;
    snprintf(m->subject, sizeof m->subject,
             "[mamori] 事案を開きました / incident case opened");
    snprintf(m->body, sizeof m->body,
             "警報から事案（インシデント）を開きました。mamori の画面の"
             "「事案」で、最初にすることの一覧を順に進めてください。\n"
             "An incident case was opened from an alert. Work through its "
             "first steps under Cases in the console.\n\n"
             "事案番号 / case: %lld\n"
             "件名 / title: %s\n"
             "開いた人 / opened by: %s\n"
             "日時 / time: %s\n\n" FOOTER,
             (long long)c->id, c->title, c->opened_by, when);
    mm_rc rc = mm_hub__outbox_fanout(st, m, err);
    free(m);
    return rc;
}
