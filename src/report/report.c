/* SPDX-License-Identifier: Apache-2.0 */
/* report.c — the monthly report's figures (through mm_store_ops only) and
 * its lines in Japanese and English, which the PDF and the HTML share. */
#include "report.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define DAY_MS (86400LL * 1000)
#define JST_S (9 * 3600)

mm_rc mm_report_month_parse(const char *s, int *year, int *month)
{
    int y, m;
    if (!s || strlen(s) != 7 || s[4] != '-' || !mm_digits(s, 4, &y) ||
        !mm_digits(s + 5, 2, &m))
        return MM_EINVAL;
    if (y < 2000 || y > 2999 || m < 1 || m > 12)
        return MM_EINVAL;
    *year = y;
    *month = m;
    return MM_OK;
}

/* Warnings are read in pages (by id): `last` is where the next page
 * starts, `seen` how many rows the page had. */
typedef struct warn_ctx {
    mm_report *r;
    int64_t last;
    unsigned seen;
} warn_ctx;

static mm_rc need(mm_store *st, bool have, const char *what, mm_err *err)
{
    (void)st;
    return have ? MM_OK
                : mm_err_set(err, MM_EINVAL, "store", 0,
                             "this store cannot give %s for a report", what);
}

static mm_rc count_warning(const mm_warning *w, void *ud)
{
    warn_ctx *x = ud;
    mm_report *r = x->r;
    x->last = w->id;
    x->seen++;
    unsigned in = w->created_ms >= r->from_ms && w->created_ms < r->to_ms;
    unsigned *by_kind = strcmp(w->kind, "hit") == 0        ? &r->warn_hit
                        : strcmp(w->kind, "supplier") == 0 ? &r->warn_supplier
                                                           : &r->warn_critical;
    r->warnings += in;
    *by_kind += in;
    return MM_OK;
}

typedef struct link_ctx {
    mm_store *st;
    mm_report *r;
    mm_err *err;
} link_ctx;

/* Each customer of the tenant, and the ★ it requires of it. */
static mm_rc count_buyer(const mm_link *l, void *ud)
{
    link_ctx *x = ud;
    if (strcmp(l->supplier, x->r->tenant) != 0)
        return MM_OK;
    x->r->buyers++;
    int level = 0;
    mm_rc rc = mm_store_scs_requirement_get(x->st, l->customer, l->supplier,
                                            &level, NULL, x->err);
    if (rc == MM_ENOTFOUND)
        return MM_OK;
    if (rc != MM_OK)
        return rc;
    x->r->buyers_requiring++;
    if (level > x->r->required_max)
        x->r->required_max = level;
    if (!x->r->has_conf || x->r->achieved < level)
        x->r->buyers_unmet++;
    return MM_OK;
}

static mm_rc collect_scs(mm_store *st, mm_report *r, mm_err *err)
{
    mm_hub_scs_confirmation c;
    mm_rc rc = mm_store_scs_confirmation_latest(st, r->tenant, &c, err);
    if (rc == MM_OK) {
        r->has_conf = true;
        r->achieved = c.achieved;
        snprintf(r->confirmed_date, sizeof r->confirmed_date, "%s",
                 c.confirmed_date);
    } else if (rc != MM_ENOTFOUND) {
        return rc;
    }
    link_ctx x = {st, r, err};
    return mm_store_link_list(st, count_buyer, &x, err);
}

static mm_rc collect_events(mm_store *st, mm_report *r, mm_err *err)
{
    uint64_t all[31], one = 0;
    mm_rc rc =
        st->ops->event_histogram(st, r->tenant, "alert", NULL, r->from_ms,
                                 DAY_MS, r->per_day, (size_t)r->days, err);
    if (rc == MM_OK)
        rc = st->ops->event_histogram(st, r->tenant, NULL, NULL, r->from_ms,
                                      DAY_MS, all, (size_t)r->days, err);
    if (rc == MM_OK)
        rc = st->ops->event_histogram(st, r->tenant, "alert", "ioc.",
                                      r->from_ms, r->to_ms - r->from_ms, &one,
                                      1, err);
    if (rc != MM_OK)
        return rc;
    r->shared_alerts = one;
    for (int d = 0; d < r->days; d++) {
        r->alerts += r->per_day[d];
        r->events += all[d] - r->per_day[d];
        r->days_reporting += all[d] > 0;
    }
    return MM_OK;
}

static mm_rc count_case(const mm_hub_case *c, void *ud)
{
    mm_report *r = ud;
    r->cases_opened += c->opened_ms >= r->from_ms && c->opened_ms < r->to_ms;
    r->cases_closed += strcmp(c->status, "closed") == 0 &&
                       c->closed_ms >= r->from_ms && c->closed_ms < r->to_ms;
    return MM_OK;
}

/* Cases opened and closed in the month; none when the store has no cases
 * (then the report says it cannot show a figure). */
static mm_rc collect_cases(mm_store *st, mm_report *r, mm_err *err)
{
    r->has_cases = st->ops->case_list != NULL;
    if (!r->has_cases)
        return MM_OK;
    return st->ops->case_list(st, 0, r->tenant, NULL, 0, count_case, r, err);
}

mm_rc mm_report_collect(mm_store *st, const char *tenant, int year, int month,
                        int64_t now_ms, mm_report *r, mm_err *err)
{
    memset(r, 0, sizeof *r);
    mm_tenant t;
    mm_rc rc = mm_hub_admin_tenant_get(st, tenant, &t, err);
    if (rc != MM_OK)
        return rc;
    rc = need(st, st->ops->event_histogram != NULL, "events per day", err);
    if (rc != MM_OK)
        return rc;
    snprintf(r->tenant, sizeof r->tenant, "%s", t.id);
    snprintf(r->name, sizeof r->name, "%s", t.name);
    r->year = year;
    r->month = month;
    r->generated_ms = now_ms;
    int ny = month == 12 ? year + 1 : year, nm = month == 12 ? 1 : month + 1;
    r->from_ms = (mm_time_from_civil(year, month, 1, 0, 0, 0) - JST_S) * 1000;
    r->to_ms = (mm_time_from_civil(ny, nm, 1, 0, 0, 0) - JST_S) * 1000;
    r->days = (int)((r->to_ms - r->from_ms) / DAY_MS);
    /* the days so far, for a month that has not ended */
    r->days_elapsed = r->days;
    if (now_ms < r->to_ms)
        r->days_elapsed =
            now_ms <= r->from_ms
                ? 0
                : (int)((now_ms - r->from_ms + DAY_MS - 1) / DAY_MS);
    rc = collect_events(st, r, err);
    warn_ctx wx = {r, 0, 1};
    while (rc == MM_OK && wx.seen) {
        wx.seen = 0;
        rc = mm_store_warning_list(st, r->tenant, wx.last, count_warning, &wx,
                                   err);
    }
    if (rc == MM_OK)
        rc = collect_scs(st, r, err);
    if (rc == MM_OK)
        rc = collect_cases(st, r, err);
    if (rc == MM_OK)
        rc = mm_hub_blocked_month(st, r->tenant, r->from_ms, r->to_ms,
                                  &r->blocked, err);
    return rc;
}

/* ---- the lines -------------------------------------------------------------
 */

typedef struct lines {
    mm_report_block *b;
    size_t n;
} lines;

static mm_report_block *add(lines *l, mm_report_kind k)
{
    static mm_report_block spare;
    if (l->n >= MM_REPORT_BLOCKS_MAX)
        return &spare; /* never reached: the report has fewer lines */
    mm_report_block *b = &l->b[l->n++];
    b->kind = k;
    b->ja[0] = b->en[0] = '\0';
    return b;
}

/* A line whose texts have no figures in them. */
static void pair(lines *l, mm_report_kind k, const char *ja, const char *en)
{
    mm_report_block *b = add(l, k);
    snprintf(b->ja, sizeof b->ja, "%s", ja);
    snprintf(b->en, sizeof b->en, "%s", en);
}

/* Lines without figures that say what is not there or not measured. */
enum { F_NO_SHARED, F_NOT_MEASURED, F_NO_CASES };
static const struct {
    const char *ja, *en;
} fixed_text[] = {
    [F_NO_SHARED] = {"今月、共有リストに載った相手からのアクセスはありません"
                     "でした。",
                     "No access from anyone on the shared list this month."},
    [F_NOT_MEASURED] = {"それで攻撃を止めたかどうか（遮断の件数）は、この製品"
                        "では測っていません。",
                        "Whether they were blocked is not measured by this "
                        "product."},
    [F_NO_CASES] = {"このハブには事故対応（インシデント）の記録がないため、"
                    "件数は示せません。",
                    "This hub keeps no incident case records, so no figure "
                    "is shown."},
};

static void fixed(lines *l, int which)
{
    pair(l, MM_RB_TEXT, fixed_text[which].ja, fixed_text[which].en);
}

#define LINE(l, k, ...) (void)snprintf(add(l, k)->ja, 512, __VA_ARGS__)
#define EN(l, ...) (void)snprintf((l)->b[(l)->n - 1].en, 512, __VA_ARGS__)

static const char *const month_en[] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

static void attacks_peak(const mm_report *r, lines *l, int peak)
{
    LINE(l, MM_RB_TEXT,
         "今月、センサーが見つけた攻撃の警報は %llu 件でした。最も多かった"
         "のは %d 日（%llu 件）です。",
         (unsigned long long)r->alerts, peak + 1,
         (unsigned long long)r->per_day[peak]);
    EN(l,
       "Your sensors raised %llu attack alerts this month; the busiest day "
       "was the %d%s (%llu).",
       (unsigned long long)r->alerts, peak + 1,
       peak == 0 || peak == 20 || peak == 30 ? "st"
       : peak == 1 || peak == 21             ? "nd"
       : peak == 2 || peak == 22             ? "rd"
                                             : "th",
       (unsigned long long)r->per_day[peak]);
}

static void attacks(const mm_report *r, lines *l)
{
    pair(l, MM_RB_HEADING, "今月の攻撃", "Attacks this month");
    int peak = 0;
    for (int d = 1; d < r->days; d++)
        if (r->per_day[d] > r->per_day[peak])
            peak = d;
    if (r->alerts == 0) {
        pair(l, MM_RB_TEXT,
             "今月、センサーが見つけた攻撃の警報は 0 件でした。",
             "Your sensors raised no attack alerts this month.");
    } else {
        attacks_peak(r, l, peak);
    }
    add(l, MM_RB_PLOT);
    pair(l, MM_RB_NOTE, "日ごとの攻撃の警報の件数（日本時間）",
         "Attack alerts per day (Japan time)");
}

static void shared(const mm_report *r, lines *l)
{
    pair(l, MM_RB_HEADING, "共有リストの効果", "What the shared list did");
    if (r->shared_alerts) {
        LINE(l, MM_RB_TEXT,
             "他の会社で見つかった攻撃者のリスト（共有リスト）に載った相手"
             "を %llu 件見分けました。",
             (unsigned long long)r->shared_alerts);
        EN(l,
           "The list of attackers other companies saw (the shared list) "
           "recognised %llu alerts.",
           (unsigned long long)r->shared_alerts);
    } else {
        fixed(l, F_NO_SHARED);
    }
    if (!r->blocked.known) {
        fixed(l, F_NOT_MEASURED);
        return;
    }
    LINE(l, MM_RB_TEXT,
         "遮断: センサーが %llu 件の相手を遮断し、その通信 %llu 回（%llu "
         "バイト）を止めました（センサーの計数）。",
         (unsigned long long)r->blocked.entries,
         (unsigned long long)r->blocked.packets,
         (unsigned long long)r->blocked.bytes);
    EN(l,
       "Blocked: your sensor blocked %llu addresses and dropped %llu packets "
       "(%llu bytes) from them, as its counters measured.",
       (unsigned long long)r->blocked.entries,
       (unsigned long long)r->blocked.packets,
       (unsigned long long)r->blocked.bytes);
}

static void warnings(const mm_report *r, lines *l)
{
    pair(l, MM_RB_HEADING, "届いた警告", "Warnings received");
    char ja[160], en[160];
    snprintf(ja, sizeof ja,
             "自社がねらわれた %u 件、取引先がねらわれた %u 件、その他 %u 件",
             r->warn_hit, r->warn_supplier, r->warn_critical);
    snprintf(en, sizeof en, "%u about you, %u about your suppliers, %u other",
             r->warn_hit, r->warn_supplier, r->warn_critical);
    LINE(l, MM_RB_TEXT,
         "同じ攻撃者が複数の会社をねらっているという警告を %u 件受け取りま"
         "した（%s）。",
         r->warnings, ja);
    EN(l, "%u warnings that one attacker is targeting several companies (%s).",
       r->warnings, en);
    pair(l, MM_RB_HEADING, "事故対応の記録", "Incident cases");
    if (!r->has_cases) {
        fixed(l, F_NO_CASES);
        return;
    }
    LINE(l, MM_RB_TEXT,
         "今月、事故対応の記録（事案）を %u 件開き、%u 件を対応済みとして閉じ"
         "ました。",
         r->cases_opened, r->cases_closed);
    EN(l, "This month %u incident cases were opened and %u closed.",
       r->cases_opened, r->cases_closed);
}

static void coverage(const mm_report *r, lines *l)
{
    pair(l, MM_RB_HEADING, "センサーの稼働", "Sensor coverage");
    LINE(l, MM_RB_TEXT, "%d 日のうち %u 日、センサーから報告が届きました。%s",
         r->days_elapsed, r->days_reporting,
         (int)r->days_reporting < r->days_elapsed
             ? "届かなかった日は、センサーの電源やネットワークが止まって"
               "いたかもしれません。"
             : "");
    EN(l, "Reports arrived from your sensors on %u of %d days.%s",
       r->days_reporting, r->days_elapsed,
       (int)r->days_reporting < r->days_elapsed
           ? " On the other days the sensor may have been off or offline."
           : "");
}

static void stars(const mm_report *r, lines *l)
{
    pair(l, MM_RB_HEADING, "取引先に示す対策の段階（SCS ★）",
         "Supply-chain security level (SCS ★)");
    if (r->has_conf && r->achieved)
        LINE(l, MM_RB_TEXT, "専門家が確認した段階: ★%d（%s 確認）。",
             r->achieved, r->confirmed_date);
    else
        LINE(l, MM_RB_TEXT, "専門家が確認した★はまだありません。");
    if (r->has_conf && r->achieved)
        EN(l, "Confirmed by an expert: ★%d (on %s).", r->achieved,
           r->confirmed_date);
    else
        EN(l, "No ★ confirmed by an expert yet.");
    LINE(l, MM_RB_TEXT,
         "取引先 %u 社のうち、★を求めているのは %u 社、満たしていないのは "
         "%u 社です。",
         r->buyers, r->buyers_requiring, r->buyers_unmet);
    EN(l, "Of %u customers, %u require a ★ and %u of those are not met.",
       r->buyers, r->buyers_requiring, r->buyers_unmet);
}

typedef struct step {
    bool when;
    const char *ja, *en;
} step;

static void next_steps(const mm_report *r, lines *l)
{
    const step all[] = {
        {r->buyers_unmet > 0,
         "取引先が求める★に足りない項目を、mamori scs の診断で確かめて"
         "埋めましょう。",
         "Close the gaps to the ★ your customers require (the mamori scs "
         "check lists them)."},
        {!r->has_conf,
         "SCS ★3 の自己評価をして、専門家に確認してもらいましょう。",
         "Do the SCS ★3 self-assessment and have an expert confirm it."},
        {(int)r->days_reporting < r->days_elapsed,
         "センサーが止まっていた日があります。電源とネットワークを確か"
         "めましょう。",
         "Your sensor was silent on some days: check its power and "
         "network."},
        {r->shared_alerts > 0,
         "共有リストの相手と通信した機器を調べ、ウイルス検査をしましょう。",
         "Find the machines that talked to someone on the shared list and "
         "scan them for malware."},
        {r->alerts > 0,
         "外から入れる入口（VPN、リモートデスクトップ、メール）のパスワー"
         "ドを長くし、二段階の確認（多要素認証）を有効にしましょう。",
         "Use long passwords and two-step sign-in on every way in from "
         "outside (VPN, remote desktop, mail)."},
        {true,
         "大事なデータのバックアップを取り、ネットワークから切り離して保管"
         "しましょう。",
         "Back up important data and keep a copy disconnected from the "
         "network."},
        {true, "パソコンやルーターの更新（アップデート）を毎月行いましょう。",
         "Update your computers and router every month."},
    };
    pair(l, MM_RB_HEADING, "次の三つの手順", "The next three steps");
    int k = 0;
    for (size_t i = 0; i < sizeof all / sizeof *all && k < 3; i++)
        if (all[i].when) {
            k++;
            LINE(l, MM_RB_TEXT, "%d. %s", k, all[i].ja);
            EN(l, "%d. %s", k, all[i].en);
        }
}

void mm_report_blocks(const mm_report *r, mm_report_block *blocks, size_t *n)
{
    lines l = {blocks, 0};
    LINE(&l, MM_RB_TITLE, "月次セキュリティ報告 %d年%d月 — %s", r->year,
         r->month, r->name);
    EN(&l, "Monthly security report, %s %d — %s", month_en[r->month - 1],
       r->year, r->name);
    char t[32];
    time_t s = (time_t)(r->generated_ms / 1000) + JST_S;
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(t, sizeof t, "%Y-%m-%d %H:%M", &tm);
    LINE(&l, MM_RB_NOTE, "会社 ID: %s ・ 作成 %s（日本時間）・ mamori",
         r->tenant, t);
    EN(&l, "Company id: %s · made %s (Japan time) · mamori", r->tenant, t);
    attacks(r, &l);
    shared(r, &l);
    warnings(r, &l);
    coverage(r, &l);
    stars(r, &l);
    next_steps(r, &l);
    *n = l.n;
}
