/* SPDX-License-Identifier: Apache-2.0 */
/* evidence.c — automatic evidence from a mamori sensor or hub (a JSON file,
 * docs/scs.md) and the probes that turn it into support or contradiction
 * of a requirement criterion. */
#include "scs-int.h"

#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DS_MAX 64u
#define DAY 86400

typedef struct ds_seen {
    char name[24];
    int64_t last_seen; /* 0 = never */
    uint64_t events;
    uint64_t denied;
} ds_seen;

typedef struct net {
    mm_cidr c;
    char text[64];
} net;

/* One hub finding ("checks"); the reason quotes the first source line. */
typedef struct ev_check {
    char name[24];
    bool ok;
    int64_t last_seen; /* 0 = none */
    char source[160];
    char detail_ja[320], detail_en[320];
    char line[480]; /* the first source line, cut */
} ev_check;

struct mm_scs_evidence {
    char source[16];
    char tenant[128];
    char label[160];
    char generated_at_s[40];
    int64_t generated_at;
    unsigned window_days;
    unsigned n_ds;
    ds_seen ds[DS_MAX];
    bool has_hosts;
    uint64_t hosts_observed;
    size_t n_nets;
    net *nets; /* NULL when networks_observed is absent */
    bool has_networks;
    bool has_feed;
    bool feed_applied;
    int64_t feed_last_pull; /* 0 = never */
    char blocking[24];
    uint8_t sha256[32];
    unsigned n_checks;
    ev_check checks[MM_SCS_CHECKS_MAX];
};

void mm_scs_evidence_free(mm_scs_evidence *ev)
{
    if (!ev)
        return;
    free(ev->nets);
    free(ev);
}

static int num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool scs_time_parse(const char *s, int64_t *out)
{
    size_t n = strlen(s);
    if (n < 20 || s[4] != '-' || s[7] != '-' ||
        (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
        return false;
    int y = num(s, 4), mo = num(s + 5, 2), d = num(s + 8, 2),
        h = num(s + 11, 2), mi = num(s + 14, 2), se = num(s + 17, 2);
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
        h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60)
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        const char *q = p;
        while (*p >= '0' && *p <= '9' && p - q < 9)
            p++;
        if (p == q)
            return false;
    }
    int off = 0;
    if (*p == 'Z' && p[1] == '\0') {
        off = 0;
    } else if (*p == '+' || *p == '-') {
        if (mm_time_parse_offset(p, strlen(p), &off) != MM_OK)
            return false;
    } else {
        return false;
    }
    *out = mm_time_from_civil(y, mo, d, h, mi, se) - off;
    return true;
}

bool scs_cidr_parse(const char *s, mm_cidr *out)
{
    /* SCS documents always spell the prefix length out. */
    return s && strchr(s, '/') && mm_cidr_parse(s, strlen(s), out) == MM_OK;
}

static mm_rc everr(const char *name, mm_err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static mm_rc everr(const char *name, mm_err *err, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mm_err_set(err, MM_EPARSE, name, 0, "証拠ファイル / evidence: %s",
                      msg);
}

static bool small_str(json_t *v, size_t max, const char **out)
{
    const char *s = json_string_value(v);
    if (!scs_str_ok(s, max - 1))
        return false;
    *out = s;
    return true;
}

/* `key` must be an object of at most `max` members. */
static mm_rc small_object(const json_t *o, size_t max, const char *key,
                          const char *name, mm_err *err)
{
    if (json_is_object(o) && json_object_size(o) <= max)
        return MM_OK;
    return everr(name, err,
                 "\"%s\" はオブジェクトです（%zu 件まで） / \"%s\" must be "
                 "an object of at most %zu entries",
                 key, max, key, max);
}

/* Copies a string member (cut to fit, UTF-8 safe enough for display: a
 * cut is only shown, never parsed); false when present and not text. */
static bool copy_text(json_t *o, const char *key, char *out, size_t outlen)
{
    json_t *v = json_object_get(o, key);
    out[0] = '\0';
    if (!v || json_is_null(v))
        return true;
    const char *s = json_string_value(v);
    if (!s || !scs_text_ok(s, strlen(s)))
        return false;
    size_t n = strlen(s);
    if (n >= outlen) {
        n = outlen - 1;
        while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--; /* do not cut a character */
    }
    memcpy(out, s, n);
    out[n] = '\0';
    return true;
}

static mm_rc parse_checks(json_t *cks, const char *name, mm_scs_evidence *ev,
                          mm_err *err)
{
    if (!cks)
        return MM_OK;
    mm_rc rc = small_object(cks, MM_SCS_CHECKS_MAX, "checks", name, err);
    for (void *it = json_object_iter(cks); rc == MM_OK && it;
         it = json_object_iter_next(cks, it)) {
        const char *k = json_object_iter_key(it);
        json_t *v = json_object_iter_value(it);
        ev_check *c = &ev->checks[ev->n_checks];
        json_t *ok = json_object_get(v, "ok");
        json_t *ls = json_object_get(v, "last_seen");
        json_t *lines = json_object_get(v, "lines");
        const char *s;
        bool good =
            strlen(k) > 0 && strlen(k) < sizeof c->name && json_is_object(v) &&
            json_is_boolean(ok) &&
            copy_text(v, "source", c->source, sizeof c->source) &&
            copy_text(v, "detail_ja", c->detail_ja, sizeof c->detail_ja) &&
            copy_text(v, "detail_en", c->detail_en, sizeof c->detail_en) &&
            (!ls || json_is_null(ls) ||
             (small_str(ls, 40, &s) && scs_time_parse(s, &c->last_seen))) &&
            (!lines || (json_is_array(lines) &&
                        json_array_size(lines) <= MM_SCS_CHECK_LINES_MAX));
        if (good && json_array_size(lines))
            good = json_is_string(json_array_get(lines, 0));
        if (!good)
            return everr(name, err,
                         "checks.%s が不正です（ok, last_seen, source, "
                         "detail_ja, detail_en, lines） / bad check '%s'",
                         k, k);
        if (json_array_size(lines)) {
            json_t *wrap = json_pack("{s:O}", "l", json_array_get(lines, 0));
            bool t = wrap && copy_text(wrap, "l", c->line, sizeof c->line);
            json_decref(wrap);
            if (!t)
                return everr(name, err, "checks.%s.lines is not text", k);
        }
        snprintf(c->name, sizeof c->name, "%s", k);
        c->ok = json_is_true(ok);
        ev->n_checks++;
    }
    return rc;
}

static mm_rc parse_doc(json_t *root, const char *name, mm_scs_evidence *ev,
                       mm_err *err)
{
    const char *s;
    if (!json_is_object(root))
        return everr(name, err,
                     "JSON オブジェクトではありません / not a JSON object");
    if (!small_str(json_object_get(root, "source"), sizeof ev->source, &s) ||
        (strcmp(s, "sensor") != 0 && strcmp(s, "hub") != 0))
        return everr(name, err,
                     "\"source\" は \"sensor\" か \"hub\" です / "
                     "\"source\" must be \"sensor\" or \"hub\"");
    snprintf(ev->source, sizeof ev->source, "%s", s);
    json_t *t = json_object_get(root, "tenant");
    if (t) {
        if (!small_str(t, sizeof ev->tenant, &s))
            return everr(name, err,
                         "\"tenant\" は %zu バイト未満の文字列です / "
                         "\"tenant\" must be a string shorter than %zu bytes",
                         sizeof ev->tenant, sizeof ev->tenant);
        snprintf(ev->tenant, sizeof ev->tenant, "%s", s);
    }
    snprintf(ev->label, sizeof ev->label, "%s%s%s", ev->source,
             ev->tenant[0] ? ":" : "", ev->tenant);
    if (!small_str(json_object_get(root, "generated_at"),
                   sizeof ev->generated_at_s, &s) ||
        !scs_time_parse(s, &ev->generated_at))
        return everr(name, err,
                     "\"generated_at\" は RFC 3339 の時刻です / "
                     "\"generated_at\" must be an RFC 3339 time such as "
                     "\"2026-11-20T09:00:00Z\"");
    snprintf(ev->generated_at_s, sizeof ev->generated_at_s, "%s", s);
    json_t *w = json_object_get(root, "window_days");
    if (!json_is_integer(w) || json_integer_value(w) < 1 ||
        json_integer_value(w) > 3650)
        return everr(name, err,
                     "\"window_days\" は 1〜3650 の整数です / "
                     "\"window_days\" must be an integer from 1 to 3650");
    ev->window_days = (unsigned)json_integer_value(w);

    json_t *dss = json_object_get(root, "datasets_seen");
    if (dss) {
        mm_rc rc = small_object(dss, DS_MAX, "datasets_seen", name, err);
        if (rc != MM_OK)
            return rc;
        const char *k;
        json_t *v;
        json_object_foreach(dss, k, v)
        {
            ds_seen *d = &ev->ds[ev->n_ds];
            if (strlen(k) == 0 || strlen(k) >= sizeof d->name ||
                !scs_text_ok(k, strlen(k)) || !json_is_object(v))
                return everr(
                    name, err,
                    "datasets_seen のデータセット名か値が不正"
                    "です / bad dataset name or value in datasets_seen");
            snprintf(d->name, sizeof d->name, "%s", k);
            json_t *ls = json_object_get(v, "last_seen");
            if (ls && !json_is_null(ls)) {
                if (!small_str(ls, 40, &s) ||
                    !scs_time_parse(s, &d->last_seen))
                    return everr(
                        name, err,
                        "datasets_seen.%s.last_seen は RFC "
                        "3339 の時刻です / datasets_seen.%s.last_seen must "
                        "be an RFC 3339 time",
                        d->name, d->name);
            }
            json_t *e = json_object_get(v, "events");
            json_t *dn = json_object_get(v, "denied");
            if (!json_is_integer(e) || json_integer_value(e) < 0 ||
                (dn && (!json_is_integer(dn) || json_integer_value(dn) < 0)))
                return everr(
                    name, err,
                    "datasets_seen.%s.events / denied は 0 以上"
                    "の整数です / datasets_seen.%s.events and denied must "
                    "be non-negative integers",
                    d->name, d->name);
            d->events = (uint64_t)json_integer_value(e);
            d->denied = dn ? (uint64_t)json_integer_value(dn) : 0;
            if (d->events == 0)
                d->last_seen = 0;
            ev->n_ds++;
        }
    }
    json_t *h = json_object_get(root, "hosts_observed");
    if (h) {
        if (!json_is_integer(h) || json_integer_value(h) < 0)
            return everr(name, err,
                         "\"hosts_observed\" は 0 以上の整数です / "
                         "\"hosts_observed\" must be a non-negative integer");
        ev->has_hosts = true;
        ev->hosts_observed = (uint64_t)json_integer_value(h);
    }
    json_t *nets = json_object_get(root, "networks_observed");
    if (nets) {
        if (!json_is_array(nets) ||
            json_array_size(nets) > MM_SCS_NETWORKS_MAX)
            return everr(
                name, err,
                "\"networks_observed\" は CIDR の配列です（%u 件"
                "まで） / \"networks_observed\" must be an array of at most "
                "%u CIDRs",
                MM_SCS_NETWORKS_MAX, MM_SCS_NETWORKS_MAX);
        ev->has_networks = true;
        ev->nets = calloc(json_array_size(nets) + 1, sizeof *ev->nets);
        if (!ev->nets)
            return mm_err_set(err, MM_ENOMEM, name, 0, "out of memory");
        size_t i;
        json_t *n;
        json_array_foreach(nets, i, n)
        {
            net *x = &ev->nets[ev->n_nets];
            const char *cs = json_string_value(n);
            if (!cs || !scs_cidr_parse(cs, &x->c))
                return everr(
                    name, err,
                    "networks_observed[%zu] は "
                    "\"192.168.1.0/24\" の形です / networks_observed[%zu] "
                    "must be a CIDR such as \"192.168.1.0/24\"",
                    i, i);
            snprintf(x->text, sizeof x->text, "%s", cs);
            ev->n_nets++;
        }
    }
    mm_rc rc = parse_checks(json_object_get(root, "checks"), name, ev, err);
    if (rc != MM_OK)
        return rc;
    json_t *feed = json_object_get(root, "feed");
    if (feed) {
        json_t *ap = json_object_get(feed, "applied");
        json_t *lp = json_object_get(feed, "last_pull");
        json_t *bl = json_object_get(feed, "blocking");
        if (!json_is_object(feed) || !json_is_boolean(ap))
            return everr(name, err,
                         "feed.applied は true か false です / "
                         "feed.applied must be true or false");
        ev->has_feed = true;
        ev->feed_applied = json_is_true(ap);
        if (lp && !json_is_null(lp) &&
            (!small_str(lp, 40, &s) ||
             !scs_time_parse(s, &ev->feed_last_pull)))
            return everr(name, err,
                         "feed.last_pull は RFC 3339 の時刻です / "
                         "feed.last_pull must be an RFC 3339 time");
        if (!bl || !small_str(bl, sizeof ev->blocking, &s))
            return everr(
                name, err,
                "feed.blocking は文字列です（\"nftables\"、"
                "\"none\" など） / feed.blocking must be a string such "
                "as \"nftables\" or \"none\"");
        snprintf(ev->blocking, sizeof ev->blocking, "%s", s);
    }
    return MM_OK;
}

mm_rc mm_scs_evidence_parse(const char *data, size_t len, const char *name,
                            mm_scs_evidence **out, mm_err *err)
{
    *out = NULL;
    if (len > MM_SCS_EVIDENCE_MAX)
        return mm_err_set(err, MM_ELIMIT, name, 0,
                          "ファイルが大きすぎます / file "
                          "too large (limit %u bytes)",
                          MM_SCS_EVIDENCE_MAX);
    if (sodium_init() < 0)
        return mm_err_set(err, MM_EINTERNAL, name, 0, "libsodium init failed");
    json_t *root = scs_json_parse(data, len, name, err);
    if (!root)
        return MM_EPARSE;
    mm_scs_evidence *ev = calloc(1, sizeof *ev);
    if (!ev) {
        json_decref(root);
        return mm_err_set(err, MM_ENOMEM, name, 0, "out of memory");
    }
    mm_rc rc = parse_doc(root, name, ev, err);
    json_decref(root);
    if (rc != MM_OK) {
        mm_scs_evidence_free(ev);
        return rc;
    }
    crypto_hash_sha256(ev->sha256, (const unsigned char *)data, len);
    *out = ev;
    return MM_OK;
}

/* mm_scs_evidence_parse as an mm_file_parse_fn (`out` is the result). */
static mm_rc parse_file(const char *text, size_t len, const char *path,
                        void *out, mm_err *err)
{
    return mm_scs_evidence_parse(text, len, path, out, err);
}

mm_rc mm_scs_evidence_load(const char *path, mm_scs_evidence **out,
                           mm_err *err)
{
    *out = NULL;
    return scs_file_parse(path, MM_SCS_EVIDENCE_MAX, parse_file, out, err);
}

int64_t scs_evidence_time(const mm_scs_evidence *ev)
{
    return ev->generated_at;
}

const char *scs_evidence_label(const mm_scs_evidence *ev)
{
    return ev->label;
}

json_t *scs_evidence_summary(const mm_scs_evidence *ev)
{
    char hex[65];
    scs_hex(ev->sha256, 32, hex);
    return json_pack("{s:s, s:s, s:s, s:I, s:s}", "source", ev->source,
                     "tenant", ev->tenant, "generated_at", ev->generated_at_s,
                     "window_days", (json_int_t)ev->window_days, "sha256",
                     hex);
}

/* "netfilter|fortigate|kv" or "どのログ" for a probe's dataset list. */
static void ds_list(const mm_scs_probe *pr, char *out, size_t outlen)
{
    out[0] = '\0';
    if (pr->any_dataset) {
        snprintf(out, outlen, "*");
        return;
    }
    size_t used = 0;
    for (unsigned i = 0; i < pr->n_datasets && used < outlen; i++) {
        int n = snprintf(out + used, outlen - used, "%s%s", i ? "/" : "",
                         pr->datasets[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

static bool ds_match(const mm_scs_probe *pr, const char *name)
{
    if (pr->any_dataset)
        return true;
    for (unsigned i = 0; i < pr->n_datasets; i++)
        if (strcmp(pr->datasets[i], name) == 0)
            return true;
    return false;
}

static void day_of(int64_t t, char out[11])
{
    char buf[32];
    mm_time_format(t * 1000, buf, sizeof buf);
    memcpy(out, buf, 10);
    out[10] = '\0';
}

/* The reason in both languages, for the findings whose Japanese and English
 * texts take the same arguments in the same order. */
static void say(char *ja, size_t jl, char *en, size_t el, const char *fja,
                const char *fen, ...) __attribute__((format(printf, 5, 7)));
static void say(char *ja, size_t jl, char *en, size_t el, const char *fja,
                const char *fen, ...)
{
    va_list ap, aq;
    va_start(ap, fen);
    va_copy(aq, ap);
    vsnprintf(ja, jl, fja, ap);
    vsnprintf(en, el, fen, aq);
    va_end(aq);
    va_end(ap);
}

/* check:NAME within Nd — the hub's finding, if its data is recent. */
static scs_verdict eval_check(const mm_scs_evidence *ev,
                              const mm_scs_probe *pr, char *ja, size_t jl,
                              char *en, size_t el)
{
    const ev_check *c = NULL;
    for (unsigned i = 0; i < ev->n_checks; i++)
        if (strcmp(ev->checks[i].name, pr->datasets[0]) == 0)
            c = &ev->checks[i];
    if (!c || !c->last_seen ||
        c->last_seen < ev->generated_at - (int64_t)pr->within_days * DAY)
        return SCS_EV_NONE; /* absent or stale: not used */
    char t[32];
    mm_time_format(c->last_seen * 1000, t, sizeof t);
    snprintf(ja, jl, "%s（%s、%s）%s%s", c->detail_ja, c->source, t,
             c->line[0] ? " 元のログ: " : "", c->line);
    snprintf(en, el, "%s (%s, %s)%s%s", c->detail_en, c->source, t,
             c->line[0] ? " source line: " : "", c->line);
    return c->ok ? SCS_EV_SUPPORTS : SCS_EV_CONTRADICTS;
}

scs_verdict scs_evidence_eval(const mm_scs_evidence *ev,
                              const mm_scs_probe *pr, const json_t *inventory,
                              char *ja, size_t jl, char *en, size_t el)
{
    char dl[200], day[11];
    int64_t limit = ev->generated_at - (int64_t)pr->within_days * DAY;
    switch (pr->kind) {
    case MM_SCS_PROBE_SEEN:
    case MM_SCS_PROBE_DENIED: {
        const ds_seen *best = NULL;
        for (unsigned i = 0; i < ev->n_ds; i++) {
            const ds_seen *d = &ev->ds[i];
            if (!ds_match(pr, d->name) || d->events == 0 || !d->last_seen)
                continue;
            if (pr->kind == MM_SCS_PROBE_DENIED && d->denied == 0)
                continue;
            if (!best || d->last_seen > best->last_seen)
                best = d;
        }
        ds_list(pr, dl, sizeof dl);
        if (best && best->last_seen >= limit) {
            day_of(best->last_seen, day);
            if (pr->kind == MM_SCS_PROBE_SEEN) {
                say(ja, jl, en, el,
                    "%s のログを %s まで受信しています（%llu 件）",
                    "%s logs received up to %s (%llu events)", best->name, day,
                    (unsigned long long)best->events);
            } else {
                say(ja, jl, en, el,
                    "%s のログで通信の遮断を確認しました（%llu "
                    "件、%s まで）",
                    "%s logs show traffic being denied (%llu, up to "
                    "%s)",
                    best->name, (unsigned long long)best->denied, day);
            }
            return SCS_EV_SUPPORTS;
        }
        if (pr->kind == MM_SCS_PROBE_DENIED ||
            ev->window_days < pr->within_days)
            return SCS_EV_NONE;
        const char *any_ja = pr->any_dataset ? "どのログ" : dl;
        const char *any_en = pr->any_dataset ? "any logs" : dl;
        if (best) {
            day_of(best->last_seen, day);
            snprintf(ja, jl, "%s のログは %s を最後に %u 日以上届いていません",
                     any_ja, day, pr->within_days);
            snprintf(en, el, "no %s%s for %u days or more (last on %s)",
                     any_en, pr->any_dataset ? "" : " logs", pr->within_days,
                     day);
        } else {
            if (pr->any_dataset)
                snprintf(ja, jl, "直近 %u 日間、ログが1件も届いていません",
                         ev->window_days);
            else
                snprintf(ja, jl,
                         "直近 %u 日間、%s のログが1件も届いていません",
                         ev->window_days, dl);
            snprintf(en, el, "no %s%s at all in the last %u days", any_en,
                     pr->any_dataset ? "" : " logs", ev->window_days);
        }
        return SCS_EV_CONTRADICTS;
    }
    case MM_SCS_PROBE_HOSTS: {
        if (!ev->has_hosts || ev->hosts_observed == 0)
            return SCS_EV_NONE;
        json_t *ih = json_object_get(inventory, "hosts");
        if (ih && (uint64_t)json_integer_value(ih) < ev->hosts_observed) {
            say(ja, jl, en, el,
                "センサーは %llu 台の機器を観測しましたが、台帳には "
                "%lld 台しかありません",
                "the sensor observed %llu hosts but the inventory "
                "lists only %lld",
                (unsigned long long)ev->hosts_observed,
                (long long)json_integer_value(ih));
            return SCS_EV_CONTRADICTS;
        }
        snprintf(ja, jl, "センサーが %llu 台の機器を観測しています%s",
                 (unsigned long long)ev->hosts_observed,
                 ih ? "（台帳の台数と矛盾なし）" : "");
        snprintf(en, el, "the sensor observed %llu hosts%s",
                 (unsigned long long)ev->hosts_observed,
                 ih ? " (consistent with the inventory)" : "");
        return SCS_EV_SUPPORTS;
    }
    case MM_SCS_PROBE_NETWORKS: {
        if (!ev->has_networks || ev->n_nets == 0)
            return SCS_EV_NONE;
        json_t *inets = json_object_get(inventory, "networks");
        if (inets) {
            char miss[200] = "";
            size_t used = 0, n_miss = 0;
            for (size_t i = 0; i < ev->n_nets; i++) {
                bool in = false;
                size_t k;
                json_t *v;
                json_array_foreach(inets, k, v)
                {
                    mm_cidr c;
                    if (scs_cidr_parse(json_string_value(v), &c) &&
                        mm_cidr_within(&ev->nets[i].c, &c)) {
                        in = true;
                        break;
                    }
                }
                if (in)
                    continue;
                if (n_miss++ < 3 && used < sizeof miss) {
                    int w = snprintf(miss + used, sizeof miss - used, "%s%s",
                                     used ? ", " : "", ev->nets[i].text);
                    if (w > 0)
                        used += (size_t)w;
                }
            }
            if (n_miss) {
                snprintf(ja, jl,
                         "台帳にないネットワークを %zu 個観測しました（%s%s）",
                         n_miss, miss, n_miss > 3 ? " など" : "");
                snprintf(en, el,
                         "%zu observed network(s) are not in the "
                         "inventory (%s%s)",
                         n_miss, miss, n_miss > 3 ? ", …" : "");
                return SCS_EV_CONTRADICTS;
            }
        }
        snprintf(ja, jl, "センサーが %zu 個のネットワークを観測しています%s",
                 ev->n_nets, inets ? "（すべて台帳にあります）" : "");
        snprintf(en, el, "the sensor observed %zu network(s)%s", ev->n_nets,
                 inets ? ", all in the inventory" : "");
        return SCS_EV_SUPPORTS;
    }
    case MM_SCS_PROBE_CHECK: return eval_check(ev, pr, ja, jl, en, el);
    case MM_SCS_PROBE_FEED: {
        if (!ev->has_feed)
            return SCS_EV_NONE;
        if (!ev->feed_applied || strcmp(ev->blocking, "none") == 0) {
            say(ja, jl, en, el,
                "共有フィードが通信の遮断に使われていません（applied=%s, "
                "blocking=%s）",
                "the shared feed is not used for blocking "
                "(applied=%s, blocking=%s)",
                ev->feed_applied ? "true" : "false", ev->blocking);
            return SCS_EV_CONTRADICTS;
        }
        if (!ev->feed_last_pull || ev->feed_last_pull < limit) {
            if (ev->feed_last_pull)
                day_of(ev->feed_last_pull, day);
            else
                snprintf(day, sizeof day, "-");
            say(ja, jl, en, el,
                "共有フィードが %u 日以上更新されていません（最終取得 %s）",
                "the shared feed has not been pulled for %u days or "
                "more (last pull %s)",
                pr->within_days, day);
            return SCS_EV_CONTRADICTS;
        }
        day_of(ev->feed_last_pull, day);
        say(ja, jl, en, el,
            "共有フィードを %s で適用し、危険な宛先への通信を遮断して"
            "います（最終取得 %s）",
            "the shared feed is applied with %s and blocks dangerous "
            "destinations (last pull %s)",
            ev->blocking, day);
        return SCS_EV_SUPPORTS;
    }
    }
    return SCS_EV_NONE;
}

/* ---- writing
 * ------------------------------------------------------------------ */

static json_t *time_or_null(int64_t ms)
{
    if (ms <= 0)
        return json_null();
    char buf[32];
    mm_time_format(ms, buf, sizeof buf);
    return json_string(buf);
}

/* "checks": {name: {ok, last_seen, stale, source, detail_*, lines}}; a
 * check whose data is older than 7 days is marked stale. */
static json_t *checks_json(const mm_scs_evidence_state *st)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < st->n_checks; i++) {
        const mm_scs_check *c = &st->checks[i];
        json_t *lines = json_array();
        for (size_t l = 0;
             lines && l < c->n_lines && l < MM_SCS_CHECK_LINES_MAX; l++)
            json_array_append_new(lines, json_string(c->lines[l]));
        bool stale = !c->last_seen_ms ||
                     c->last_seen_ms < st->generated_at_ms - 7LL * DAY * 1000;
        json_t *x =
            json_pack("{s:b, s:o, s:b, s:s, s:s, s:s, s:o}", "ok", c->ok,
                      "last_seen", time_or_null(c->last_seen_ms), "stale",
                      stale, "source", c->source ? c->source : "", "detail_ja",
                      c->detail_ja ? c->detail_ja : "", "detail_en",
                      c->detail_en ? c->detail_en : "", "lines", lines);
        if (!c->name || !x || json_object_set_new(o, c->name, x) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

mm_rc mm_scs_evidence_write(const mm_scs_evidence_state *st, mm_buf *out,
                            mm_err *err)
{
    if (!st->source || st->n_datasets > DS_MAX ||
        st->n_networks > MM_SCS_NETWORKS_MAX)
        return mm_err_set(err, MM_EINVAL, "evidence", 0, "bad evidence state");
    char gen[32];
    mm_time_format(st->generated_at_ms, gen, sizeof gen);
    json_t *ds = json_object();
    json_t *doc = json_pack("{s:s, s:s, s:I, s:o}", "source", st->source,
                            "generated_at", gen, "window_days",
                            (json_int_t)st->window_days, "datasets_seen", ds);
    if (!doc)
        return mm_err_set(err, MM_ENOMEM, "evidence", 0, "out of memory");
    int bad = 0;
    if (st->tenant)
        bad |= json_object_set_new(doc, "tenant", json_string(st->tenant));
    for (size_t i = 0; i < st->n_datasets; i++) {
        const mm_scs_dataset_seen *d = &st->datasets[i];
        if (!d->name || d->events > INT64_MAX || d->denied > INT64_MAX) {
            bad = 1;
            break;
        }
        bad |= json_object_set_new(ds, d->name,
                                   json_pack("{s:o, s:I, s:I}", "last_seen",
                                             time_or_null(d->last_seen_ms),
                                             "events", (json_int_t)d->events,
                                             "denied", (json_int_t)d->denied));
    }
    if (st->has_hosts)
        bad |=
            st->hosts_observed > INT64_MAX ||
            json_object_set_new(doc, "hosts_observed",
                                json_integer((json_int_t)st->hosts_observed));
    if (st->networks) {
        json_t *arr = json_array();
        for (size_t i = 0; arr && i < st->n_networks; i++)
            bad |= json_array_append_new(arr, json_string(st->networks[i]));
        bad |= json_object_set_new(doc, "networks_observed", arr);
    }
    if (st->has_feed)
        bad |= json_object_set_new(
            doc, "feed",
            json_pack("{s:b, s:o, s:s}", "applied", st->feed_applied,
                      "last_pull", time_or_null(st->feed_last_pull_ms),
                      "blocking", st->blocking ? st->blocking : "none"));
    if (st->n_checks)
        bad |= st->n_checks > MM_SCS_CHECKS_MAX ||
               json_object_set_new(doc, "checks", checks_json(st));
    mm_buf tmp;
    mm_buf_init(&tmp, MM_SCS_EVIDENCE_MAX);
    mm_rc rc = bad ? mm_err_set(err, MM_EINVAL, "evidence", 0,
                                "bad evidence state (names must be UTF-8)")
                   : scs_json_dump(doc, true, &tmp);
    json_decref(doc);
    if (rc == MM_OK) {
        mm_scs_evidence *check = NULL;
        rc = mm_scs_evidence_parse(tmp.data, tmp.len, "evidence", &check, err);
        mm_scs_evidence_free(check);
        if (rc != MM_OK)
            rc = MM_EINVAL;
    }
    if (rc == MM_OK)
        rc = mm_buf_append(out, tmp.data, tmp.len);
    if (rc == MM_OK)
        rc = mm_buf_puts(out, "\n");
    mm_buf_free(&tmp);
    return rc;
}
