/* SPDX-License-Identifier: Apache-2.0 */
/* warnings.c — the warnings correlation sends (hub-int.h): to each newly
 * hit tenant, to their customers, and to critical-infrastructure operators
 * up the supply-chain graph, in Japanese and English. */
#include "hub-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How a campaign key reads in each language: the key between a prefix and a
 * suffix, found by its type. */
typedef struct {
    const char *type, *ja_pre, *ja_post, *en_pre, *en_post;
} key_words;

static const key_words key_table[] = {
    {"ip", "送信元 ", "", "source ", ""},
    {"net", "同じネットワーク ", "", "network ", ""},
    {"domain", "ドメイン ", "", "domain ", ""},
    {"sig", "同じ攻撃手口（", "）", "the same attack (", ")"},
};

static void describe_key(const mm_campaign *c, char *ja, char *en, size_t n)
{
    for (size_t i = 0; i < sizeof key_table / sizeof *key_table; i++) {
        const key_words *k = &key_table[i];
        if (strcmp(c->key_type, k->type) == 0) {
            snprintf(ja, n, "%s%s%s", k->ja_pre, c->key, k->ja_post);
            snprintf(en, n, "%s%s%s", k->en_pre, c->key, k->en_post);
            return;
        }
    }
    snprintf(ja, n, "同じユーザー名リストを試すパスワード攻撃");
    snprintf(en, n,
             "a password attack trying the same list of user "
             "names");
}

/* The clause around the supplier names a warning may disclose, in one
 * language: named, named plus a hidden count, or none named. */
typedef struct {
    const char *sep, *pre, *hidden_pre, *hidden_post, *post, *none;
} clause_words;

static const clause_words clause_ja = {"、", "（社名: ", " ほか非公開",
                                       "社", "）",       "（社名は非公開）"};
static const clause_words clause_en = {
    ", ", " (named: ", "; ", " not disclosed", ")", " (names not disclosed)"};

/* The supplier names in one language, and the words around them. */
typedef struct {
    const clause_words *w;
    char list[900];
    size_t len;
} name_list;

static void name_list_add(name_list *l, const char *name)
{
    if (l->len < sizeof l->list - 300)
        l->len += (size_t)snprintf(l->list + l->len, sizeof l->list - l->len,
                                   "%s%s", l->len ? l->w->sep : "", name);
}

static void name_clause(const name_list *l, unsigned hidden, char *out,
                        size_t n)
{
    const clause_words *w = l->w;
    if (l->len && hidden)
        snprintf(out, n, "%s%s%s%u%s%s", w->pre, l->list, w->hidden_pre,
                 hidden, w->hidden_post, w->post);
    else if (l->len)
        snprintf(out, n, "%s%s%s", w->pre, l->list, w->post);
    else
        snprintf(out, n, "%s", w->none);
}

/* The texts of the three warnings, Japanese and English; the arguments
 * each takes follow it where it is formatted. */
#define SUPPLIER_JA                                                                                       \
    "【mamori 取引先警告】あなたの取引先（仕入先）%u社が、%u時間以内に"        \
    "同じ攻撃元（%s）から攻撃を受けました%s。攻撃者がサプライチェーンを"   \
    "たどっている可能性があります。今すぐ行うこと: (1) 今週はこれらの"       \
    "取引先からのメール・添付ファイル・振込先変更の依頼に特に注意する、" \
    "(2) 取引先に状況と支援の要否を確認する、(3) 同じ攻撃元を自社でも"        \
    "遮断する（mamori の共有リストに登録済み）。"

#define SUPPLIER_EN                                                           \
    "[mamori supply-chain warning] %u of your suppliers were "                \
    "attacked by the same source (%s) within %u hour%s%s. The "               \
    "attacker may be walking your supply chain. Do now: (1) this "            \
    "week, treat mail, attachments and requests to change bank "              \
    "details from these suppliers with extra care; (2) ask them what "        \
    "happened and whether they need help; (3) block the same source "         \
    "at your company (it is already in the mamori shared feed)."

#define HIT_JA                                                                                     \
    "【mamori 警告】あなたの会社を狙った%sからの攻撃が、%u時間以内に"    \
    "%u社で確認されました（あなたの会社を含む）。同じ攻撃者が複数の" \
    "会社を順番に狙っています。今すぐ行うこと: (1) この攻撃元を遮断"   \
    "する（mamori の共有リストに登録済み）、(2) インターネットに公開"    \
    "している管理画面・SSH・VPN のパスワードが使い回しでないか確認"     \
    "する、(3) 心当たりのないログイン成功がないか、IT 担当者または"     \
    "サポート窓口に確認を依頼する。"

#define HIT_EN                                                                \
    "[mamori warning] The attack on your company from %s was "                \
    "seen at %u companies within %u hour%s (yours included). The "            \
    "same attacker is working through several companies. Do now: "            \
    "(1) block this source (it is already in the mamori shared "              \
    "feed); (2) check that the passwords of admin pages, SSH and "            \
    "VPN open to the internet are not reused; (3) ask your IT "               \
    "contact or support desk to look for logins you do not "                  \
    "recognise."

#define CRITICAL_JA                                                                                 \
    "【mamori 重要インフラ警告】あなたのサプライチェーン（%u段階以内）" \
    "の%u社が同じ攻撃元（%s）から攻撃を受けています（確認%u社、"          \
    "スコア%u）。今すぐ行うこと: (1) 取引先経由の接続（VPN・保守回線・"  \
    "ファイル共有）のログを確認する、(2) この攻撃元を遮断する、"         \
    "(3) 必要に応じて所管省庁・IPA・JPCERT/CC へ報告する。"

#define CRITICAL_EN                                                           \
    "[mamori critical-infrastructure warning] %u companies in "               \
    "your supply chain (within %u tiers) were attacked by the "               \
    "same source (%s) (seen at %u companies, score %u). Do now: "             \
    "(1) review the logs of supplier connections (VPN, "                      \
    "maintenance lines, file sharing); (2) block this source; "               \
    "(3) report to your regulator, IPA or JPCERT/CC as needed."

/* Starts warning w of this kind; the caller formats its two texts. */
static void warning_begin(mm_warning *w, const char *kind)
{
    memset(w, 0, sizeof *w);
    snprintf(w->kind, sizeof w->kind, "%s", kind);
}

static unsigned span_hours(const mm_campaign *c)
{
    int64_t span = c->last_ts - c->first_ts;
    if (span < 0)
        span = 0;
    unsigned hrs = (unsigned)((span + HOUR_MS - 1) / HOUR_MS);
    return hrs ? hrs : 1;
}

static mm_rc put_warning(ingest_ctx *x, const camp *c, unsigned recipient,
                         mm_warning *w)
{
    mm_hub *h = x->h;
    char url[1024], secret[128];
    snprintf(w->tenant, sizeof w->tenant, "%s", h->ten[recipient].t.id);
    w->campaign = c->c.id;
    w->severity = c->c.severity;
    w->created_ms = x->now;
    mm_rc rc = h->st->ops->webhook_get(h->st, w->tenant, url, secret, x->err);
    if (rc == MM_OK) {
        w->hook_state = 1;
        w->hook_next_ms = x->now;
    } else if (rc == MM_ENOTFOUND) {
        w->hook_state = 0;
    } else {
        return rc;
    }
    w->hook_attempts = 0;
    rc = h->st->ops->warning_put(h->st, w, x->err);
    if (rc == MM_OK)
        rc = mm_hub_outbox_warning(h->st, w, x->err);
    if (rc == MM_OK)
        x->res->warnings++;
    return rc;
}

static bool is_customer_of(const mm_hub *h, unsigned supplier, unsigned cust,
                           bool *disclose)
{
    const htenant *t = &h->ten[supplier];
    for (unsigned i = 0; i < t->ncust; i++) {
        const mm_link *l = &h->links[t->cust[i]];
        if (strcmp(l->customer, h->ten[cust].t.id) == 0) {
            if (disclose)
                *disclose = l->disclose;
            return true;
        }
    }
    return false;
}

/* Tenants reachable from `from` over supplier→customer links within
 * `depth` steps: dist[i] = steps, 0 = not reached. */
void mm_hub__reach(const mm_hub *h, unsigned from, unsigned depth,
                   unsigned *dist, unsigned *queue)
{
    memset(dist, 0, h->nten * sizeof *dist);
    unsigned qh = 0, qt = 0;
    queue[qt++] = from;
    dist[from] = 0;
    while (qh < qt) {
        unsigned u = queue[qh++];
        unsigned du = u == from ? 0 : dist[u];
        if (du >= depth)
            continue;
        const htenant *t = &h->ten[u];
        for (unsigned i = 0; i < t->ncust; i++) {
            int v = mm_hub__tenant_idx(h, h->links[t->cust[i]].customer);
            if (v < 0 || (unsigned)v == from || dist[v])
                continue;
            dist[v] = du + 1;
            queue[qt++] = (unsigned)v;
        }
    }
}

static mm_rc warn_supplier(ingest_ctx *x, const camp *c, unsigned cust,
                           mm_warning *w)
{
    mm_hub *h = x->h;
    unsigned m = 0, hidden = 0;
    name_list ja = {.w = &clause_ja}, en = {.w = &clause_en};
    for (unsigned i = 0; i < c->nhits; i++) {
        bool disc = false;
        if (!is_customer_of(h, c->hits[i].tenant, cust, &disc))
            continue;
        m++;
        if (!disc) {
            hidden++;
            continue;
        }
        const char *nm = h->ten[c->hits[i].tenant].t.name;
        name_list_add(&ja, nm);
        name_list_add(&en, nm);
    }
    if (m == 0)
        return MM_OK;
    char kja[400], ken[400], pj[1100], pe[1100];
    describe_key(&c->c, kja, ken, sizeof kja);
    name_clause(&ja, hidden, pj, sizeof pj);
    name_clause(&en, hidden, pe, sizeof pe);
    unsigned hrs = span_hours(&c->c);
    warning_begin(w, "supplier");
    snprintf(w->text_ja, sizeof w->text_ja, SUPPLIER_JA, m, hrs, kja, pj);
    snprintf(w->text_en, sizeof w->text_en, SUPPLIER_EN, m, ken, hrs,
             hrs == 1 ? "" : "s", pe);
    return put_warning(x, c, cust, w);
}

/* Warnings for the tenants in `fresh` (newly hit): each of them, their
 * customers, and critical-infrastructure operators further up. */
mm_rc mm_hub__warn_new(ingest_ctx *x, const camp *c, const uint32_t *fresh,
                       unsigned nfresh)
{
    mm_hub *h = x->h;
    mm_rc rc = MM_OK;
    mm_warning *w = malloc(sizeof *w);
    unsigned *sent = calloc(h->nten, sizeof *sent);
    unsigned *dist = calloc(h->nten, sizeof *dist);
    unsigned *queue = calloc(h->nten + 1, sizeof *queue);
    unsigned *chain = calloc(h->nten, sizeof *chain);
    if (!w || !sent || !dist || !queue || !chain) {
        rc = mm_err_set(x->err, MM_ENOMEM, "<hub>", 0, "out of memory");
        goto out;
    }
    char kja[400], ken[400];
    describe_key(&c->c, kja, ken, sizeof kja);
    unsigned hrs = span_hours(&c->c);
    /* 1: every newly hit tenant */
    for (unsigned i = 0; i < nfresh && rc == MM_OK; i++) {
        warning_begin(w, "hit");
        snprintf(w->text_ja, sizeof w->text_ja, HIT_JA, kja, hrs,
                 c->c.tenants);
        snprintf(w->text_en, sizeof w->text_en, HIT_EN, ken, c->c.tenants, hrs,
                 hrs == 1 ? "" : "s");
        rc = put_warning(x, c, fresh[i], w);
        sent[fresh[i]] = 1;
    }
    /* 2: customers of newly hit tenants (count all their hit suppliers) */
    for (unsigned i = 0; i < nfresh && rc == MM_OK; i++) {
        const htenant *t = &h->ten[fresh[i]];
        for (unsigned j = 0; j < t->ncust && rc == MM_OK; j++) {
            int cu = mm_hub__tenant_idx(h, h->links[t->cust[j]].customer);
            if (cu < 0 || sent[cu] & 2)
                continue;
            sent[cu] |= 2;
            rc = warn_supplier(x, c, (unsigned)cu, w);
        }
    }
    /* 3: critical-infrastructure operators up the graph (depth ≤ ci_depth)
     * that were not warned as direct customers */
    for (unsigned i = 0; i < c->nhits && rc == MM_OK; i++) {
        mm_hub__reach(h, c->hits[i].tenant, h->p.ci_depth, dist, queue);
        for (unsigned v = 0; v < h->nten; v++)
            if (dist[v] && h->ten[v].t.kind == MM_TK_CRITICAL)
                chain[v]++;
    }
    unsigned *reached_new = dist; /* reuse: marks CI reached from fresh */
    for (unsigned v = 0; v < h->nten; v++)
        reached_new[v] = 0;
    for (unsigned i = 0; i < nfresh && rc == MM_OK; i++) {
        unsigned *d2 = calloc(h->nten, sizeof *d2);
        if (!d2) {
            rc = mm_err_set(x->err, MM_ENOMEM, "<hub>", 0, "out of memory");
            break;
        }
        mm_hub__reach(h, fresh[i], h->p.ci_depth, d2, queue);
        for (unsigned v = 0; v < h->nten; v++)
            if (d2[v])
                reached_new[v] = 1;
        free(d2);
    }
    for (unsigned v = 0; v < h->nten && rc == MM_OK; v++) {
        if (!reached_new[v] || h->ten[v].t.kind != MM_TK_CRITICAL || sent[v])
            continue;
        warning_begin(w, "critical");
        snprintf(w->text_ja, sizeof w->text_ja, CRITICAL_JA, h->p.ci_depth,
                 chain[v], kja, c->c.tenants, c->c.score);
        snprintf(w->text_en, sizeof w->text_en, CRITICAL_EN, chain[v],
                 h->p.ci_depth, ken, c->c.tenants, c->c.score);
        rc = put_warning(x, c, v, w);
        sent[v] |= 4;
    }
out:
    free(w);
    free(sent);
    free(dist);
    free(queue);
    free(chain);
    return rc;
}
