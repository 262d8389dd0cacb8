/* SPDX-License-Identifier: Apache-2.0 */
/* cases.c — incident cases at the hub: a critical alert opens one by
 * itself (mm_hub_case_sweep), people open others; each carries the
 * first-response checklist (data/incident/first-response.tsv, built in),
 * ticks with who and when, on-site dispatch (駆付け) times and a timeline,
 * and exports as JSON for the console and as one HTML page for the police
 * or an insurer. */
#include "hub-int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rules whose alert opens a case whatever its severity: a login that
 * succeeded after failures on a remote door, an indicator match, and a
 * cleared event log (someone covering tracks). */
static const char *const critical_rules[] = {"ssh.success_after_failures",
                                             "auth.vpn.success_after_failures",
                                             "auth.rdp.success_after_failures",
                                             "ioc.ip",
                                             "ioc.domain",
                                             "win.log_cleared"};

bool mm_hub_alert_is_critical(const char *rule_id, int severity)
{
    if (severity >= 4)
        return true;
    for (size_t i = 0; i < sizeof critical_rules / sizeof *critical_rules; i++)
        if (strcmp(rule_id, critical_rules[i]) == 0)
            return true;
    return false;
}

void mm_hub__critical_sql(char *out, size_t n)
{
    /* ORed equalities, not IN (…): SQLite evaluates a partial index's IN
     * list through a temporary table on every insert (+50 % CPU per row,
     * measured), the comparisons cost nothing measurable */
    size_t k = (size_t)snprintf(out, n, "(severity>=4");
    for (size_t i = 0;
         i < sizeof critical_rules / sizeof *critical_rules && k < n; i++)
        k += (size_t)snprintf(out + k, n - k, " OR rule_id='%s'",
                              critical_rules[i]);
    if (k < n)
        snprintf(out + k, n - k, ")");
}

void mm_hub_time_tz(int64_t ms, const char *tz, char *out, size_t n)
{
    bool jst = !tz || !tz[0] || strcmp(tz, "Asia/Tokyo") == 0;
    char t[32];
    mm_time_format(ms + (jst ? 9 * HOUR_MS : 0), t, sizeof t);
    size_t l = strlen(t);
    if (jst && l && t[l - 1] == 'Z')
        snprintf(t + l - 1, sizeof t - (l - 1), "+09:00");
    snprintf(out, n, "%s", t);
}

void mm_hub_jtime(mm_buf *b, const char *key, int64_t ms, const char *tz)
{
    char t[40];
    if (ms <= 0) {
        mm_buf_printf(b, "\"%s\":null", key);
        return;
    }
    mm_hub_time_tz(ms, tz, t, sizeof t);
    mm_buf_printf(b, "\"%s\":\"%s\"", key, t);
}

void mm_hub_jstr(mm_buf *b, const char *key, const char *v)
{
    mm_buf_printf(b, "\"%s\":", key);
    if (v)
        mm_buf_json_str(b, v, strlen(v));
    else
        mm_buf_puts(b, "null");
}

#define jtime mm_hub_jtime
#define jstr mm_hub_jstr

void mm_hub_audit_json(mm_buf *b, const mm_hub_audit *a, const char *tz,
                       bool first)
{
    mm_buf_puts(b, first ? "{" : ",{");
    jtime(b, "at", a->ts_ms, tz);
    mm_buf_puts(b, ",");
    jstr(b, "actor", a->actor);
    mm_buf_puts(b, ",");
    jstr(b, "action", a->what);
    mm_buf_puts(b, ",");
    jstr(b, "note", a->note[0] ? a->note : NULL);
    mm_buf_puts(b, "}");
}

/* ---- opening -------------------------------------------------------------
 */

static mm_rc unsupported(mm_err *err)
{
    return mm_err_set(err, MM_EINVAL, "<store>", 0,
                      "this store has no incident cases (not supported)");
}

static mm_rc take_alert(const mm_hub_alert_row *a, void *ud)
{
    mm_hub_alert_brief *w = ud;
    w->found = true;
    snprintf(w->tenant, sizeof w->tenant, "%s", a->tenant);
    snprintf(w->rule_id, sizeof w->rule_id, "%s", a->rule_id);
    snprintf(w->src_ip, sizeof w->src_ip, "%s", a->src_ip);
    snprintf(w->status, sizeof w->status, "%s", a->status);
    snprintf(w->assignee, sizeof w->assignee, "%s", a->assignee);
    w->severity = a->severity;
    json_t *root = json_loadb(a->json, a->json_len, 0, NULL);
    json_t *rule = json_object_get(root, "rule");
    const char *ja = json_string_value(json_object_get(rule, "name_ja"));
    const char *en = json_string_value(json_object_get(rule, "name"));
    snprintf(w->title, sizeof w->title, "%s%s%s", ja ? ja : "",
             ja && en ? " / " : "", en ? en : (ja ? "" : a->rule_id));
    json_decref(root);
    return MM_OK;
}

mm_rc mm_hub_alert_brief_get(mm_store *st, int64_t id, mm_hub_alert_brief *out,
                             mm_err *err)
{
    mm_hub_alert_filter f = {.id = id, .limit = 1};
    memset(out, 0, sizeof *out);
    if (!st->ops->alert_list)
        return unsupported(err);
    mm_rc rc = st->ops->alert_list(st, &f, take_alert, out, err);
    if (rc == MM_OK && !out->found)
        return mm_err_set(err, MM_ENOTFOUND, "<alert>", 0, "no such alert");
    return rc;
}

static mm_rc take_case(const mm_hub_case *c, void *ud)
{
    mm_hub_case *out = ud;
    if (!out->id)
        *out = *c;
    return MM_OK;
}

mm_rc mm_hub_case_open(mm_store *st, int64_t alert_id, const char *who,
                       bool personal_data, int64_t now_ms, mm_hub_case *out,
                       mm_err *err)
{
    if (!st->ops->case_put || !st->ops->alert_list)
        return unsupported(err);
    mm_hub_alert_brief w;
    memset(out, 0, sizeof *out);
    mm_rc rc = mm_hub_alert_brief_get(st, alert_id, &w, err);
    if (rc != MM_OK)
        return rc;
    rc =
        st->ops->case_list(st, 0, NULL, "open", alert_id, take_case, out, err);
    if (rc != MM_OK || out->id)
        return rc; /* the alert's open case */
    snprintf(out->tenant, sizeof out->tenant, "%s", w.tenant);
    out->alert = alert_id;
    snprintf(out->status, sizeof out->status, "open");
    out->opened_ms = now_ms;
    snprintf(out->opened_by, sizeof out->opened_by, "%s", who);
    out->personal_data = personal_data;
    snprintf(out->title, sizeof out->title, "%s", w.title);
    mm_hub_audit a;
    memset(&a, 0, sizeof a);
    snprintf(a.kind, sizeof a.kind, "case");
    a.ts_ms = now_ms;
    snprintf(a.actor, sizeof a.actor, "%s", who);
    snprintf(a.what, sizeof a.what, "opened");
    snprintf(a.note, sizeof a.note, "alert %lld %s %s", (long long)alert_id,
             w.rule_id, w.src_ip);
    rc = mm_store_begin(st, err);
    if (rc == MM_OK)
        rc = st->ops->case_put(st, out, err);
    a.ref = out->id;
    if (rc == MM_OK)
        rc = st->ops->audit_put(st, &a, err);
    if (rc == MM_OK)
        rc = mm_hub__outbox_case(st, out, w.rule_id, w.severity, err);
    return mm_store_end(st, rc, err);
}

/* ---- the sweep -----------------------------------------------------------
 */

typedef struct sweep {
    mm_hub_vec ids;   /* of int64_t: the critical alerts */
    int64_t max_id;   /* of the rows seen */
    size_t rows;      /* rows seen in this pass */
    int64_t since_ms; /* only alerts received after this */
    mm_hub_vec iocs;  /* mm_stateioc: a hit on one is critical */
} sweep;

static mm_rc take_ioc(const mm_stateioc *i, void *ud)
{
    sweep *s = ud;
    return mm_hub_vec_push(&s->iocs, i);
}

static bool state_backed(const sweep *s, const char *ip)
{
    const mm_stateioc *v = s->iocs.v;
    for (size_t i = 0; ip[0] && i < s->iocs.n; i++)
        if (strcmp(v[i].value, ip) == 0)
            return true;
    return false;
}

static mm_rc pick_critical(const mm_hub_alert_row *a, void *ud)
{
    sweep *s = ud;
    if (a->id > s->max_id)
        s->max_id = a->id; /* rows come oldest first */
    s->rows++;
    if (a->received_ms < s->since_ms)
        return MM_OK;
    if (!mm_hub_alert_is_critical(a->rule_id, a->severity) &&
        !state_backed(s, a->src_ip))
        return MM_OK;
    return mm_hub_vec_push(&s->ids, &a->id);
}

static mm_rc count_case(const mm_hub_case *c, void *ud)
{
    (void)c;
    (*(unsigned *)ud)++;
    return MM_OK;
}

/* One pass reads at most this many alerts and opens at most SWEEP_OPEN
 * cases (each a durable commit), so the store lock is held for a short
 * while; the server runs passes until it has caught up. */
#define SWEEP_BATCH 1000u
#define SWEEP_OPEN 50u
/* ...and stops opening cases after this long (commits wait for the disk). */
#define SWEEP_BUDGET_MS 100
/* Alerts received longer ago than this never open a case by themselves. */
#define SWEEP_RECENT_MS (7LL * DAY_MS)

typedef struct probe {
    bool found;
    int64_t id, received_ms;
} probe;

static mm_rc take_probe(const mm_hub_alert_row *a, void *ud)
{
    probe *p = ud;
    *p = (probe){true, a->id, a->received_ms};
    return MM_OK;
}

/* The id after which every alert was received at or after `since`: a
 * binary search over ids (ids grow with arrival, and so does `received`),
 * about 20 indexed lookups instead of a read of every alert. */
static mm_rc first_recent(mm_store *st, int64_t since, int64_t *out,
                          mm_err *err)
{
    probe p = {false, 0, 0};
    mm_hub_alert_filter f = {.limit = 1};
    mm_rc rc = st->ops->alert_list(st, &f, take_probe, &p, err);
    int64_t lo = 0, hi = p.found ? p.id : 0;
    if (rc == MM_OK && p.found && p.received_ms < since)
        lo = hi; /* even the newest is old */
    while (rc == MM_OK && hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        p.found = false;
        f.before = mid + 1; /* the newest alert with id <= mid */
        rc = st->ops->alert_list(st, &f, take_probe, &p, err);
        if (!p.found || p.received_ms < since)
            lo = mid;
        else
            hi = mid;
    }
    *out = lo;
    return rc;
}

/* Opens the cases of the critical alerts in ids (oldest first) that have
 * none, at most SWEEP_OPEN within SWEEP_BUDGET_MS; *last gets the id up to
 * which every one was handled (a capped pass resumes after it). */
static mm_rc open_cases(mm_store *st, const mm_hub_vec *ids, int64_t now_ms,
                        unsigned *opened, int64_t *last, mm_err *err)
{
    const int64_t *v = ids->v;
    int64_t t0 = mm_mono_ms();
    mm_rc rc = MM_OK;
    for (size_t i = 0; rc == MM_OK && i < ids->n; i++) {
        if (*opened >= SWEEP_OPEN ||
            (*opened && mm_mono_ms() - t0 > SWEEP_BUDGET_MS)) {
            *last = v[i] - 1;
            break;
        }
        unsigned have = 0;
        mm_hub_case c;
        rc = st->ops->case_list(st, 0, NULL, NULL, v[i], count_case, &have,
                                err);
        if (rc == MM_OK && !have &&
            (rc = mm_hub_case_open(st, v[i], "mamori", false, now_ms, &c,
                                   err)) == MM_OK)
            (*opened)++;
    }
    return rc;
}

mm_rc mm_hub_case_sweep_pass(mm_store *st, int64_t *cursor, int64_t now_ms,
                             unsigned *opened, bool *more, mm_err *err)
{
    return mm_hub_case_sweep_split(st, st, NULL, cursor, now_ms, opened, more,
                                   err);
}

mm_rc mm_hub_case_sweep_split(mm_store *rd, mm_store *st, pthread_mutex_t *mu,
                              int64_t *cursor, int64_t now_ms,
                              unsigned *opened, bool *more, mm_err *err)
{
    *opened = 0;
    *more = false;
    if (!st->ops->case_put || !rd->ops->alert_list)
        return MM_OK; /* a store without cases: nothing to sweep */
    sweep s;
    memset(&s, 0, sizeof s);
    s.ids.size = sizeof(int64_t);
    /* history from before cases existed stays history: a hub that starts
     * on an old store opens cases only for recent alerts */
    s.since_ms = now_ms - SWEEP_RECENT_MS;
    s.iocs.size = sizeof(mm_stateioc);
    mm_rc rc = rd->ops->stateioc_list(rd, take_ioc, &s, err);
    int64_t recent = 0;
    if (rc == MM_OK && *cursor == 0) /* first sweep: skip the history */
        rc = first_recent(rd, s.since_ms, &recent, err);
    if (recent > *cursor)
        *cursor = recent;
    s.max_id = *cursor;
    /* oldest first from the cursor: after a crash the automatic cases
     * cover a prefix, so mm_hub_case_sweep_start may resume after the
     * newest of them */
    /* without state lists, only the critical alerts are read (a partial
     * index in SQLite): the others can open no case */
    mm_hub_alert_filter f = {.after = *cursor,
                             .limit = SWEEP_BATCH,
                             .oldest_first = true,
                             .critical = s.iocs.n == 0};
    /* the newest alert before the read: when the read ends short, every
     * alert up to it was seen (its snapshot is the later one) */
    probe top = {false, 0, 0};
    mm_hub_alert_filter newest = {.limit = 1};
    if (rc == MM_OK && f.critical)
        rc = rd->ops->alert_list(rd, &newest, take_probe, &top, err);
    if (rc == MM_OK)
        rc = rd->ops->alert_list(rd, &f, pick_critical, &s, err);
    if (rc == MM_OK && f.critical && s.rows < SWEEP_BATCH && top.id > s.max_id)
        s.max_id = top.id;
    int64_t last = s.max_id;
    /* the writes (and the check that no case exists yet) under the lock */
    if (rc == MM_OK && s.ids.n) {
        if (mu)
            pthread_mutex_lock(mu);
        rc = open_cases(st, &s.ids, now_ms, opened, &last, err);
        if (mu)
            pthread_mutex_unlock(mu);
    }
    if (rc == MM_OK) {
        *more = s.rows == SWEEP_BATCH || last < s.max_id;
        *cursor = last;
    }
    free(s.ids.v);
    free(s.iocs.v);
    return rc;
}

mm_rc mm_hub_case_sweep(mm_store *st, int64_t *cursor, int64_t now_ms,
                        unsigned *opened, mm_err *err)
{
    unsigned n = 0;
    bool more = true;
    mm_rc rc = MM_OK;
    *opened = 0;
    while (rc == MM_OK && more) {
        rc = mm_hub_case_sweep_pass(st, cursor, now_ms, &n, &more, err);
        *opened += n;
    }
    return rc;
}

static mm_rc newest_auto(const mm_hub_case *c, void *ud)
{
    int64_t *max = ud;
    if (strcmp(c->opened_by, "mamori") == 0 && c->alert > *max)
        *max = c->alert;
    return MM_OK;
}

int64_t mm_hub_case_sweep_start(mm_store *st)
{
    int64_t max = 0;
    mm_err err;
    if (st->ops->case_list)
        (void)st->ops->case_list(st, 0, NULL, NULL, 0, newest_auto, &max,
                                 &err);
    return max;
}

/* ---- reading a case ------------------------------------------------------
 */

typedef struct case_data {
    mm_hub_case c;
    mm_hub_vec steps; /* mm_hub_case_step */
    mm_hub_vec disp;  /* mm_hub_dispatch */
    mm_hub_vec audit; /* mm_hub_audit */
} case_data;

static mm_rc take_step(const mm_hub_case_step *s, void *ud)
{
    case_data *d = ud;
    return mm_hub_vec_push(&d->steps, s);
}

static mm_rc take_disp(const mm_hub_dispatch *x, void *ud)
{
    case_data *d = ud;
    return mm_hub_vec_push(&d->disp, x);
}

static mm_rc take_audit(const mm_hub_audit *a, void *ud)
{
    case_data *d = ud;
    return mm_hub_vec_push(&d->audit, a);
}

static void case_data_free(case_data *d)
{
    free(d->steps.v);
    free(d->disp.v);
    free(d->audit.v);
}

/* Loads case `id` with its steps, dispatches and timeline; MM_ENOTFOUND
 * when there is none. */
mm_rc mm_hub_case_get(mm_store *st, int64_t id, mm_hub_case *out, mm_err *err)
{
    if (!st->ops->case_list)
        return unsupported(err);
    memset(out, 0, sizeof *out);
    mm_rc rc = st->ops->case_list(st, id, NULL, NULL, 0, take_case, out, err);
    if (rc == MM_OK && !out->id)
        return mm_err_set(err, MM_ENOTFOUND, "<case>", 0, "no such case");
    return rc;
}

static mm_rc load(mm_store *st, int64_t id, case_data *d, mm_err *err)
{
    memset(d, 0, sizeof *d);
    d->steps.size = sizeof(mm_hub_case_step);
    d->disp.size = sizeof(mm_hub_dispatch);
    d->audit.size = sizeof(mm_hub_audit);
    mm_rc rc = mm_hub_case_get(st, id, &d->c, err);
    if (rc == MM_OK)
        rc = st->ops->case_step_list(st, id, take_step, d, err);
    if (rc == MM_OK)
        rc = st->ops->dispatch_list(st, id, take_disp, d, err);
    if (rc == MM_OK)
        rc = st->ops->audit_list(st, "case", id, take_audit, d, err);
    return rc;
}

static const mm_hub_case_step *done_of(const case_data *d, const char *id)
{
    const mm_hub_case_step *v = d->steps.v;
    for (size_t i = 0; i < d->steps.n; i++)
        if (strcmp(v[i].step, id) == 0)
            return &v[i];
    return NULL;
}

/* The due time of a step: the case is about an attack, so the longer
 * deadline for leaks by malicious acts applies to the final report. */
static int64_t due_of(const case_data *d, const mm_hub_step_def *s)
{
    int days = s->due_days_malicious ? s->due_days_malicious : s->due_days;
    return days ? d->c.opened_ms + (int64_t)days * DAY_MS : 0;
}

static void steps_json(mm_buf *b, const case_data *d, const char *tz)
{
    size_t n;
    const mm_hub_step_def *defs = mm_hub_checklist(&n);
    mm_buf_puts(b, ",\"steps\":[");
    for (size_t i = 0; i < n; i++) {
        const mm_hub_step_def *s = &defs[i];
        const mm_hub_case_step *k = done_of(d, s->id);
        mm_buf_puts(b, i ? ",{" : "{");
        jstr(b, "id", s->id);
        mm_buf_puts(b, ",");
        jstr(b, "text_ja", s->ja);
        mm_buf_puts(b, ",");
        jstr(b, "text_en", s->en);
        mm_buf_puts(b, ",");
        jstr(b, "applies", s->when);
        mm_buf_puts(b, ",");
        jtime(b, "due", due_of(d, s), tz);
        mm_buf_printf(b, ",\"done\":%s,", k ? "true" : "false");
        jstr(b, "done_by", k ? k->done_by : NULL);
        mm_buf_puts(b, ",");
        jtime(b, "done_at", k ? k->done_ms : 0, tz);
        mm_buf_puts(b, ",");
        jstr(b, "note", k && k->note[0] ? k->note : NULL);
        mm_buf_puts(b, "}");
    }
    mm_buf_puts(b, "]");
}

mm_rc mm_hub_case_json(mm_store *st, int64_t id, const char *tz, mm_buf *out,
                       mm_err *err)
{
    case_data d;
    mm_rc rc = load(st, id, &d, err);
    if (rc == MM_OK) {
        mm_buf_printf(out, "{\"id\":%lld,", (long long)d.c.id);
        jstr(out, "tenant", d.c.tenant);
        mm_buf_printf(out, ",\"alert_id\":%lld,", (long long)d.c.alert);
        jstr(out, "status", d.c.status);
        mm_buf_puts(out, ",");
        jstr(out, "title", d.c.title);
        mm_buf_puts(out, ",");
        jtime(out, "opened", d.c.opened_ms, tz);
        mm_buf_puts(out, ",");
        jstr(out, "opened_by", d.c.opened_by);
        mm_buf_puts(out, ",");
        jtime(out, "closed", d.c.closed_ms, tz);
        mm_buf_printf(out, ",\"personal_data\":%s",
                      d.c.personal_data ? "true" : "false");
        steps_json(out, &d, tz);
        mm_buf_puts(out, ",\"dispatch\":[");
        for (size_t i = 0; i < d.disp.n; i++) {
            const mm_hub_dispatch *x = (const mm_hub_dispatch *)d.disp.v + i;
            mm_buf_printf(out, "%s{\"id\":%lld,", i ? "," : "",
                          (long long)x->id);
            jtime(out, "requested_at", x->requested_ms, tz);
            mm_buf_puts(out, ",");
            jtime(out, "arrived_at", x->arrived_ms, tz);
            mm_buf_puts(out, ",");
            jstr(out, "by", x->by);
            mm_buf_puts(out, ",");
            jtime(out, "recorded", x->ts_ms, tz);
            mm_buf_puts(out, ",");
            jstr(out, "note", x->note[0] ? x->note : NULL);
            mm_buf_puts(out, "}");
        }
        mm_buf_puts(out, "],\"timeline\":[");
        for (size_t i = 0; i < d.audit.n; i++) {
            mm_hub_audit_json(out, (const mm_hub_audit *)d.audit.v + i, tz,
                              i == 0);
        }
        mm_buf_puts(out, "]}");
    }
    case_data_free(&d);
    return rc;
}

/* ---- the HTML timeline ---------------------------------------------------
 */

static void html_text(mm_buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': mm_buf_puts(b, "&lt;"); break;
        case '>': mm_buf_puts(b, "&gt;"); break;
        case '&': mm_buf_puts(b, "&amp;"); break;
        case '"': mm_buf_puts(b, "&quot;"); break;
        case '\'': mm_buf_puts(b, "&#39;"); break;
        default: mm_buf_append(b, s, 1);
        }
    }
}

static void html_time(mm_buf *b, int64_t ms)
{
    char t[40];
    if (ms <= 0) {
        mm_buf_puts(b, "—");
        return;
    }
    mm_hub_time_tz(ms, NULL, t, sizeof t);
    html_text(b, t);
}

/* A time as text, "—" when there is none. */
static const char *time_text(int64_t ms, char *out, size_t n)
{
    if (ms <= 0)
        return "—";
    mm_hub_time_tz(ms, NULL, out, n);
    return out;
}

/* One table row of four escaped cells. */
static void html_row(mm_buf *b, const char *c1, const char *c2, const char *c3,
                     const char *c4)
{
    const char *cells[4] = {c1, c2, c3, c4};
    mm_buf_puts(b, "<tr>");
    for (int i = 0; i < 4; i++) {
        mm_buf_puts(b, "<td>");
        html_text(b, cells[i]);
        mm_buf_puts(b, "</td>");
    }
    mm_buf_puts(b, "</tr>\n");
}

static void html_steps(mm_buf *b, const case_data *d)
{
    size_t n;
    const mm_hub_step_def *defs = mm_hub_checklist(&n);
    mm_buf_puts(b,
                "<h2>初動対応 / First response</h2>\n<table><tr><th>状態 / "
                "done</th><th>手順 / step</th><th>期限 / due</th><th>実施者・"
                "日時 / by, at</th><th>メモ / note</th></tr>\n");
    for (size_t i = 0; i < n; i++) {
        const mm_hub_case_step *k = done_of(d, defs[i].id);
        mm_buf_puts(b, k ? "<tr><td>✔</td><td>" : "<tr><td>□</td><td>");
        html_text(b, defs[i].ja);
        mm_buf_puts(b, "<br><span class=en>");
        html_text(b, defs[i].en);
        mm_buf_puts(b, "</span></td><td>");
        html_time(b, due_of(d, &defs[i]));
        mm_buf_puts(b, "</td><td>");
        if (k) {
            html_text(b, k->done_by);
            mm_buf_puts(b, "<br>");
            html_time(b, k->done_ms);
        }
        mm_buf_puts(b, "</td><td>");
        html_text(b, k ? k->note : "");
        mm_buf_puts(b, "</td></tr>\n");
    }
    mm_buf_puts(b, "</table>\n");
}

mm_rc mm_hub_case_html(mm_store *st, int64_t id, mm_buf *out, mm_err *err)
{
    case_data d;
    mm_rc rc = load(st, id, &d, err);
    if (rc != MM_OK) {
        case_data_free(&d);
        return rc;
    }
    mm_buf_printf(out,
                  "<!doctype html>\n<html lang=ja><head><meta charset=utf-8>"
                  "<title>インシデント記録 / Incident case %lld</title>\n"
                  "<style>body{font-family:sans-serif;margin:2em}table{"
                  "border-collapse:collapse}td,th{border:1px solid #888;"
                  "padding:4px;vertical-align:top}.en{color:#444;font-size:"
                  "90%%}</style></head><body>\n<h1>インシデント記録 / "
                  "Incident case %lld</h1>\n<dl><dt>会社 / tenant</dt><dd>",
                  (long long)d.c.id, (long long)d.c.id);
    html_text(out, d.c.tenant);
    mm_buf_puts(out, "</dd><dt>警報 / alert</dt><dd>");
    html_text(out, d.c.title);
    mm_buf_printf(out, " (#%lld)</dd><dt>開始 / opened</dt><dd>",
                  (long long)d.c.alert);
    html_time(out, d.c.opened_ms);
    mm_buf_puts(out, " — ");
    html_text(out, d.c.opened_by);
    mm_buf_puts(out, "</dd><dt>状態 / status</dt><dd>");
    html_text(out, d.c.status);
    mm_buf_puts(out, "</dd></dl>\n");
    html_steps(out, &d);
    mm_buf_puts(out, "<h2>駆付け / On-site dispatch</h2>\n<table><tr><th>依頼 "
                     "/ requested</th><th>到着 / arrived</th><th>記録者 / "
                     "by</th><th>メモ / note</th></tr>\n");
    const mm_hub_dispatch *dv = d.disp.v;
    for (size_t i = 0; i < d.disp.n; i++) {
        char t1[40], t2[40];
        html_row(out, time_text(dv[i].requested_ms, t1, sizeof t1),
                 time_text(dv[i].arrived_ms, t2, sizeof t2), dv[i].by,
                 dv[i].note);
    }
    mm_buf_puts(out, "</table>\n<h2>経過 / Timeline</h2>\n<table><tr><th>日時 "
                     "/ at</th><th>誰が / who</th><th>何を / what</th><th>"
                     "メモ / note</th></tr>\n");
    const mm_hub_audit *av = d.audit.v;
    for (size_t i = 0; i < d.audit.n; i++) {
        char t[40];
        html_row(out, time_text(av[i].ts_ms, t, sizeof t), av[i].actor,
                 av[i].what, av[i].note);
    }
    mm_buf_puts(out, "</table>\n<p>時刻は日本時間 (JST, +09:00) / times in "
                     "JST. mamori hub</p></body></html>\n");
    case_data_free(&d);
    return MM_OK;
}
