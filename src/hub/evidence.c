/* SPDX-License-Identifier: Apache-2.0 */
/* evidence.c — SCS evidence produced by the hub: what the store knows about
 * one tenant (the log sources its sensors sent, and checks derived from its
 * alerts and events) written with the scs module's evidence writer, so
 * `mamori scs assess` can hold an SME's answers against what the
 * monitoring actually saw, plus the latest outside-in self-check
 * (evidence-asm.c) (docs/scs.md "Evidence produced by the hub"). */
#include "hub.h"
#include "scs.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS (86400LL * 1000)
#define DS_MAX 64u
/* A service reachable from the internet counts as exposed for this long
 * after it was last seen (then "no longer seen" while logs keep coming). */
#define EXPOSURE_DAYS 7

/* The newest record behind a finding: when, what, which lines. */
typedef struct seen {
    int64_t ts;
    char source[160];
    char *lines[MM_SCS_CHECK_LINES_MAX];
    size_t n_lines;
} seen;

typedef struct ev_acc {
    mm_scs_dataset_seen ds[DS_MAX];
    char ds_names[DS_MAX][24];
    size_t n_ds;
    int64_t last_any;  /* newest record of any kind (sensor alive) */
    int64_t last_auth; /* newest authentication record */
    seen saf;          /* newest success-after-failures alert */
    seen mfa;          /* newest sign-in with multi-factor (vpn/cloud) */
    seen single;       /* newest remote sign-in with a password only */
    seen exposed;      /* newest sign-in attempt on RDP/SMB/DB from outside */
    seen alert;        /* newest alert */
} ev_acc;

static void seen_clear(seen *s)
{
    for (size_t i = 0; i < s->n_lines; i++)
        free(s->lines[i]);
    memset(s, 0, sizeof *s);
}

/* Records `j` as the newest for `s` (ts ordered: later rows win). */
static void seen_set(seen *s, int64_t ts, const json_t *j, const char *what)
{
    seen_clear(s);
    s->ts = ts;
    const json_t *ev = json_object_get(j, "event");
    const char *rule =
        json_string_value(json_object_get(json_object_get(j, "rule"), "id"));
    const char *id = json_string_value(json_object_get(ev, "id"));
    const char *ds = json_string_value(json_object_get(ev, "dataset"));
    snprintf(s->source, sizeof s->source, "%s %s%s%s (%s)", what,
             rule ? rule : "", rule ? " " : "", id ? id : "", ds ? ds : "?");
    const json_t *samples =
        json_object_get(json_object_get(j, "mamori"), "samples");
    const json_t *orig = json_object_get(ev, "original");
    size_t i;
    const json_t *l;
    json_array_foreach(samples, i, l)
    {
        if (s->n_lines < MM_SCS_CHECK_LINES_MAX && json_string_value(l))
            s->lines[s->n_lines++] = strdup(json_string_value(l));
    }
    if (!s->n_lines && json_string_value(orig))
        s->lines[s->n_lines++] = strdup(json_string_value(orig));
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = s ? strlen(s) : 0, m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool starts_with(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Whether the record's source address is outside the private ranges. */
static bool public_source(const json_t *j)
{
    const char *ip =
        json_string_value(json_object_get(json_object_get(j, "source"), "ip"));
    mm_addr a;
    if (!ip || mm_addr_parse(ip, strlen(ip), &a) != MM_OK)
        return false;
    /* the SME's own networks: RFC 1918, loopback, link-local, CGNAT, ULA
     * (documentation ranges count as outside: replays use them) */
    static const char *const inside[] = {
        "10.0.0.0/8",  "172.16.0.0/12",  "192.168.0.0/16",
        "127.0.0.0/8", "169.254.0.0/16", "100.64.0.0/10",
        "::1/128",     "fc00::/7",       "fe80::/10"};
    for (size_t i = 0; i < sizeof inside / sizeof *inside; i++) {
        mm_cidr c;
        if (mm_cidr_parse(inside[i], strlen(inside[i]), &c) == MM_OK &&
            mm_cidr_contains(&c, &a))
            return false;
    }
    return true;
}

static void count_dataset(ev_acc *x, const char *name, int64_t ts, bool denied)
{
    size_t i = 0;
    while (i < x->n_ds && strcmp(x->ds_names[i], name) != 0)
        i++;
    if (i == x->n_ds) {
        if (x->n_ds == DS_MAX || strlen(name) >= sizeof x->ds_names[0] ||
            !mm_scs_text_valid(name, strlen(name)))
            return;
        snprintf(x->ds_names[i], sizeof x->ds_names[i], "%s", name);
        x->ds[i].name = x->ds_names[i];
        x->n_ds++;
    }
    x->ds[i].events++;
    x->ds[i].denied += denied;
    if (ts > x->ds[i].last_seen_ms)
        x->ds[i].last_seen_ms = ts;
}

/* One stored record: which findings it feeds. */
static void take_record(ev_acc *x, int64_t ts, bool alert, const json_t *j)
{
    const json_t *ev = json_object_get(j, "event");
    const char *ds = json_string_value(json_object_get(ev, "dataset"));
    const char *action = json_string_value(json_object_get(ev, "action"));
    const char *rule =
        json_string_value(json_object_get(json_object_get(j, "rule"), "id"));
    const char *svc = json_string_value(
        json_object_get(json_object_get(j, "service"), "type"));
    json_int_t factors = json_integer_value(
        json_object_get(json_object_get(j, "mamori"), "auth_factors"));
    bool remote =
        svc && (strcmp(svc, "vpn") == 0 || strcmp(svc, "cloud") == 0);
    if (ds)
        count_dataset(x, ds, ts, action && strstr(action, "deny") != NULL);
    x->last_any = ts > x->last_any ? ts : x->last_any;
    if (starts_with(rule, "auth.") || (action && strstr(action, "authent")))
        x->last_auth = ts;
    if (alert)
        seen_set(&x->alert, ts, j, "alert");
    if (alert && ends_with(rule, ".success_after_failures"))
        seen_set(&x->saf, ts, j, "alert");
    if (factors == 2 && (remote || alert))
        seen_set(&x->mfa, ts, j, alert ? "alert" : "event");
    if (factors == 1 && remote)
        seen_set(&x->single, ts, j, "event");
    bool exposed_rule = starts_with(rule, "auth.rdp.") ||
                        starts_with(rule, "auth.smb.") ||
                        starts_with(rule, "auth.db.");
    bool exposed_event =
        svc && (strcmp(svc, "rdp") == 0 || strcmp(svc, "smb") == 0 ||
                strcmp(svc, "db") == 0);
    if ((exposed_rule || exposed_event) && public_source(j))
        seen_set(&x->exposed, ts, j, alert ? "alert" : "event");
}

static mm_rc on_event(int64_t ts, const char *kind, const char *json,
                      size_t len, void *ud)
{
    json_t *j = json_loadb(json, len, 0, NULL);
    if (j)
        take_record(ud, ts, kind && strcmp(kind, "alert") == 0, j);
    json_decref(j);
    return MM_OK;
}

/* What each finding says, Japanese and English; findings[] is in the
 * order of the F_ names. */
typedef struct {
    const char *name;
    bool ok;
    const char *ja, *en;
} finding;

enum {
    F_GUESSED,
    F_GUESSED_THEN_MFA,
    F_NO_GUESS,
    F_PASSWORD_ONLY,
    F_MFA,
    F_EXPOSED,
    F_NOT_EXPOSED_NOW,
    F_NOT_EXPOSED,
    F_COUNT
};

static const finding findings[] = {
    {"auth_compromise", false,
     "ログイン失敗が続いた後に同じ送信元からログインが成功"
     "しています（パスワードを当てられた疑い）",
     "a login succeeded after many failures from the same "
     "source (a guessed password)"},
    {"auth_compromise", true,
     "総当たり後の成功の後、多要素認証でのサインインを"
     "確認しました",
     "after the success-after-failures, sign-ins with "
     "multi-factor authentication are seen"},
    {"auth_compromise", true, "認証ログに、総当たりの後の成功はありません",
     "the authentication logs show no success after "
     "failures"},
    {"mfa_remote", false,
     "VPN・クラウドへのサインインがパスワードだけで通って"
     "います（多要素認証なし）",
     "VPN or cloud sign-ins pass with a password only (no "
     "multi-factor authentication)"},
    {"mfa_remote", true,
     "VPN・クラウドへのサインインで多要素認証を確認しました",
     "multi-factor authentication is seen on VPN or cloud "
     "sign-ins"},
    {"exposed_services", false,
     "インターネットから RDP・SMB・データベースへの接続が"
     "見えています（外に公開されています）",
     "RDP, SMB or database sign-ins come from the internet "
     "(the service is exposed)"},
    {"exposed_services", true,
     "直近7日間、インターネットからの RDP・SMB・"
     "データベースへの接続は見えていません"
     "（以前はありました）",
     "no RDP, SMB or database sign-ins from the "
     "internet in the last 7 days (there were "
     "before)"},
    {"exposed_services", true,
     "インターネットからの RDP・SMB・データベース"
     "への接続は見えていません",
     "no RDP, SMB or database sign-ins from the "
     "internet are seen"},
};
_Static_assert(sizeof findings / sizeof *findings == F_COUNT,
               "one findings[] row per F_ name");

/* Finding f, with its evidence: what was seen (s), else the time of the
 * last record that let the hub judge (last). */
static void add_check(mm_scs_check *c, unsigned f, const seen *s, int64_t last)
{
    bool have = s && s->ts;
    c->name = findings[f].name;
    c->ok = findings[f].ok;
    c->last_seen_ms = have ? s->ts : last;
    c->source = have ? s->source : "hub: stored alerts and events";
    c->detail_ja = findings[f].ja;
    c->detail_en = findings[f].en;
    c->lines = have ? (const char *const *)s->lines : NULL;
    c->n_lines = have ? s->n_lines : 0;
}

/* The findings, from what take_record gathered. */
static size_t derive_checks(const ev_acc *x, int64_t now, mm_scs_check *c)
{
    size_t n = 0;
    /* a password guessed: a success after many failures, and no
     * multi-factor sign-in seen since */
    if (x->saf.ts && x->mfa.ts <= x->saf.ts)
        add_check(&c[n++], F_GUESSED, &x->saf, 0);
    else if (x->saf.ts)
        add_check(&c[n++], F_GUESSED_THEN_MFA, &x->mfa, 0);
    else if (x->last_auth)
        add_check(&c[n++], F_NO_GUESS, NULL, x->last_auth);
    /* multi-factor on remote sign-ins: the newest one decides */
    const seen *pw = x->single.ts > x->saf.ts ? &x->single : &x->saf;
    if (pw->ts && pw->ts >= x->mfa.ts)
        add_check(&c[n++], F_PASSWORD_ONLY, pw, 0);
    else if (x->mfa.ts)
        add_check(&c[n++], F_MFA, &x->mfa, 0);
    /* RDP/SMB/DB reached from the internet */
    if (x->exposed.ts && x->exposed.ts > now - EXPOSURE_DAYS * DAY_MS)
        add_check(&c[n++], F_EXPOSED, &x->exposed, 0);
    else if (x->last_any)
        add_check(&c[n++], x->exposed.ts ? F_NOT_EXPOSED_NOW : F_NOT_EXPOSED,
                  NULL, x->last_any);
    return n;
}

mm_rc mm_hub_evidence_json(mm_store *st, const char *tenant, int64_t now_ms,
                           unsigned window_days, mm_buf *out, mm_err *err)
{
    return mm_hub_evidence_json_dir(st, NULL, tenant, now_ms, window_days, out,
                                    err);
}

mm_rc mm_hub_evidence_json_dir(mm_store *st, const char *dir,
                               const char *tenant, int64_t now_ms,
                               unsigned window_days, mm_buf *out, mm_err *err)
{
    if (!mm_hub_id_valid(tenant))
        return mm_err_set(err, MM_EINVAL, "tenant", 0, "bad tenant id");
    if (window_days < 1 || window_days > 3650)
        return mm_err_set(err, MM_EINVAL, "window", 0,
                          "window_days must be 1..3650");
    if (!st->ops->tenant_events)
        return mm_err_set(err, MM_EINVAL, "store", 0,
                          "this store cannot list a tenant's events");
    ev_acc *x = calloc(1, sizeof *x);
    if (!x)
        return mm_err_set(err, MM_ENOMEM, tenant, 0, "out of memory");
    mm_rc rc = st->ops->tenant_events(st, tenant,
                                      now_ms - (int64_t)window_days * DAY_MS,
                                      now_ms, on_event, x, err);
    mm_scs_check checks[MM_SCS_CHECKS_MAX];
    size_t n = rc == MM_OK ? derive_checks(x, now_ms, checks) : 0;
    /* the latest outside-in self-check within the window (evidence-asm.c) */
    mm_hub_asm_ev asm_ev;
    n += mm_hub_asm_evidence(dir, tenant,
                             now_ms - (int64_t)window_days * DAY_MS, now_ms,
                             &asm_ev, checks + n);
    mm_scs_evidence_state s = {
        .source = "hub",
        .tenant = tenant,
        .generated_at_ms = now_ms,
        .window_days = window_days,
        .datasets = x->ds,
        .n_datasets = x->n_ds,
        .checks = checks,
        .n_checks = n,
    };
    if (rc == MM_OK)
        rc = mm_scs_evidence_write(&s, out, err);
    mm_hub_asm_evidence_free(&asm_ev);
    seen *all[] = {&x->saf, &x->mfa, &x->single, &x->exposed, &x->alert};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        seen_clear(all[i]);
    free(x);
    return rc;
}
