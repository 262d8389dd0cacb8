/* SPDX-License-Identifier: Apache-2.0 */
/* catalogue.c — the SCS requirement catalogue: a line-oriented data file
 * ("[item ID]" blocks of "key = value" lines) loaded and validated with
 * file:line errors. Format: docs/scs.md. */
#include "scs-int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- name tables ----------------------------------------------------------
 */

static const scs_names unknown_names = {"?", "?", "?"};

static const scs_names cat_names[MM_SCS_CAT_COUNT] = {
    [MM_SCS_CAT_GOVERNANCE] = {"governance", "ガバナンスの整備", "Governance"},
    [MM_SCS_CAT_PARTNERS] = {"partners", "取引先管理",
                             "Business-partner management"},
    [MM_SCS_CAT_IDENTIFY] = {"identify", "リスクの特定",
                             "Risk identification"},
    [MM_SCS_CAT_PROTECT] = {"protect", "攻撃等の防御", "Protection"},
    [MM_SCS_CAT_DETECT] = {"detect", "攻撃等の検知", "Detection"},
    [MM_SCS_CAT_RESPOND] = {"respond", "インシデントへの対応",
                            "Incident response"},
    [MM_SCS_CAT_RECOVER] = {"recover", "インシデントからの復旧", "Recovery"},
};

static const scs_names help_names[MM_SCS_HELP_COUNT] = {
    [MM_SCS_HELP_IT_TOOL] = {"it-tool", "ITツールで対応", "IT tool"},
    [MM_SCS_HELP_POLICY] = {"policy", "規程・ルールづくり", "policy or rule"},
    [MM_SCS_HELP_PROCEDURE] = {"procedure", "手順書づくり",
                               "written procedure"},
    [MM_SCS_HELP_TRAINING] = {"training", "社員への教育", "staff training"},
    [MM_SCS_HELP_ROLE] = {"role", "担当・体制づくり",
                          "roles and responsibilities"},
};

#define NAMES_N(t) (sizeof t / sizeof *t)

static const scs_names *names_at(const scs_names *t, size_t n, unsigned i)
{
    return i < n ? &t[i] : &unknown_names;
}

const char *mm_scs_category_name(mm_scs_category c)
{
    return names_at(cat_names, NAMES_N(cat_names), (unsigned)c)->name;
}
const char *mm_scs_kind_name(mm_scs_kind k)
{
    return k == MM_SCS_KIND_TECHNICAL ? "technical" : "organisational";
}
const char *mm_scs_help_name(mm_scs_help h)
{
    return names_at(help_names, NAMES_N(help_names), (unsigned)h)->name;
}

const char *scs_category_label(const char *name, mm_scs_lang lang)
{
    return scs_names_label(cat_names, NAMES_N(cat_names), name, lang);
}
const char *scs_help_label(const char *name, mm_scs_lang lang)
{
    return scs_names_label(help_names, NAMES_N(help_names), name, lang);
}

bool scs_category_from_name(const char *s, mm_scs_category *out)
{
    int i = scs_names_find(cat_names, NAMES_N(cat_names), s);
    if (i >= 0)
        *out = (mm_scs_category)i;
    return i >= 0;
}

static bool help_from_name(const char *s, mm_scs_help *out)
{
    int i = scs_names_find(help_names, NAMES_N(help_names), s);
    if (i >= 0)
        *out = (mm_scs_help)i;
    return i >= 0;
}

/* The kind mm_scs_kind_name calls `s`; false when none is. */
static bool kind_from_name(const char *s, mm_scs_kind *out)
{
    for (int k = MM_SCS_KIND_TECHNICAL; k <= MM_SCS_KIND_ORGANISATIONAL; k++)
        if (strcmp(s, mm_scs_kind_name((mm_scs_kind)k)) == 0) {
            *out = (mm_scs_kind)k;
            return true;
        }
    return false;
}

/* ---- keys ------------------------------------------------------------------
 */

enum key_scope { SC_HEADER, SC_ITEM, SC_CRIT };

enum key_id {
    K_FORMAT,
    K_VERSION,
    K_SOURCE,
    K_COVERAGE,
    K_TOTAL4,
    K_NOTE_JA,
    K_NOTE_EN,
    K_CATEGORY,
    K_CSF,
    K_KIND,
    K_LEVEL,
    K_ALSO_CAT,
    K_ALSO_JA,
    K_ALSO_EN,
    K_GROUP_JA,
    K_GROUP_EN,
    K_TEXT_JA,
    K_TEXT_EN,
    K_HELP,
    K_NEXT_JA,
    K_NEXT_EN,
    K_EVIDENCE,
    K_VALID3,
    K_VALID4,
    K_VALID_SRC,
    K_COUNT
};

static const struct {
    const char *name;
    enum key_scope scope;
    bool required;
} keys[K_COUNT] = {
    [K_FORMAT] = {"format", SC_HEADER, true},
    [K_VERSION] = {"version", SC_HEADER, true},
    [K_SOURCE] = {"source", SC_HEADER, true},
    [K_COVERAGE] = {"coverage", SC_HEADER, true},
    [K_TOTAL4] = {"items_total_4", SC_HEADER, false},
    [K_NOTE_JA] = {"note_ja", SC_HEADER, false},
    [K_NOTE_EN] = {"note_en", SC_HEADER, false},
    [K_CATEGORY] = {"category", SC_ITEM, true},
    [K_CSF] = {"csf", SC_ITEM, true},
    [K_KIND] = {"kind", SC_ITEM, true},
    [K_LEVEL] = {"level", SC_ITEM, true},
    [K_ALSO_CAT] = {"also_category", SC_ITEM, false},
    [K_ALSO_JA] = {"also_ja", SC_ITEM, false},
    [K_ALSO_EN] = {"also_en", SC_ITEM, false},
    [K_GROUP_JA] = {"group_ja", SC_CRIT, true},
    [K_GROUP_EN] = {"group_en", SC_CRIT, true},
    [K_TEXT_JA] = {"text_ja", SC_CRIT, true},
    [K_TEXT_EN] = {"text_en", SC_CRIT, true},
    [K_HELP] = {"help", SC_CRIT, true},
    [K_NEXT_JA] = {"next_ja", SC_CRIT, true},
    [K_NEXT_EN] = {"next_en", SC_CRIT, true},
    [K_EVIDENCE] = {"evidence", SC_CRIT, false},
    [K_VALID3] = {"valid_days_3", SC_HEADER, false},
    [K_VALID4] = {"valid_days_4", SC_HEADER, false},
    [K_VALID_SRC] = {"valid_source", SC_HEADER, false},
};

/* Finds a key; for criterion keys "xxx4_yy" / "xxx4" selects crit 1. */
static bool key_lookup(const char *k, enum key_id *id, int *crit)
{
    char base[64];
    size_t n = strlen(k);
    if (n >= sizeof base)
        return false;
    for (int i = 0; i < K_COUNT; i++)
        if (strcmp(k, keys[i].name) == 0) {
            *id = (enum key_id)i;
            *crit = 0;
            return true;
        }
    /* strip a '4' before "_ja"/"_en" or at the end */
    const char *four = NULL;
    if (n >= 4 && k[n - 1] == '4')
        four = k + n - 1;
    else if (n >= 5 && k[n - 4] == '4' && k[n - 3] == '_')
        four = k + n - 4;
    if (!four)
        return false;
    size_t pre = (size_t)(four - k);
    memcpy(base, k, pre);
    memcpy(base + pre, four + 1, n - pre); /* includes the NUL */
    for (int i = 0; i < K_COUNT; i++)
        if (keys[i].scope == SC_CRIT && strcmp(base, keys[i].name) == 0) {
            *id = (enum key_id)i;
            *crit = 1;
            return true;
        }
    return false;
}

/* ---- parse state
 * ------------------------------------------------------------- */

typedef struct parser {
    const char *name;
    mm_err *err;
    mm_scs_catalogue *cat;
    unsigned line;
    /* keys seen in the current block: [crit][key] = line */
    unsigned seen[2][K_COUNT];
    unsigned header_seen[K_COUNT];
    bool in_item;
    bool both_levels;
    int base_level;
} parser;

static mm_rc perr(parser *p, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static mm_rc perr(parser *p, unsigned line, const char *fmt, ...)
{
    char msg[sizeof p->err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mm_err_set(p->err, MM_EPARSE, p->name, line, "%s", msg);
}

/* A copy of s[0..n) that the catalogue owns: every string of a catalogue
 * is in its one list and freed with it, so a new text field needs no free
 * of its own. NULL when out of memory. */
/* The error for a value that is none of the choices: "不明な<what_ja>です /
 * unknown <what_en> 'v' (choices)". */
static mm_rc unknown(parser *p, const char *what_ja, const char *what_en,
                     const char *v, const char *choices)
{
    return perr(p, p->line, "不明な%sです / unknown %s '%s' (%s)", what_ja,
                what_en, v, choices);
}

static char *own_str(mm_scs_catalogue *cat, const char *s, size_t n)
{
    if (cat->n_strings % 64 == 0) {
        char **m = realloc(cat->strings, (cat->n_strings + 64) * sizeof *m);
        if (!m)
            return NULL;
        cat->strings = m;
    }
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    cat->strings[cat->n_strings++] = d;
    return d;
}

void mm_scs_catalogue_free(mm_scs_catalogue *cat)
{
    if (!cat)
        return;
    for (size_t i = 0; i < cat->n_strings; i++)
        free(cat->strings[i]);
    free(cat->strings);
    free(cat->items);
    free(cat);
}

const mm_scs_item *mm_scs_catalogue_find(const mm_scs_catalogue *cat,
                                         const char *id)
{
    for (size_t i = 0; i < cat->n_items; i++)
        if (strcmp(cat->items[i].id, id) == 0)
            return &cat->items[i];
    return NULL;
}

/* Parses "seen:a|b within 7d; feed within 7d; hosts" into probes. */
static mm_rc parse_evidence(parser *p, const char *v, mm_scs_criterion *c)
{
    char buf[MM_SCS_TEXT_MAX];
    snprintf(buf, sizeof buf, "%s", v);
    char *save = NULL;
    c->n_probes = 0;
    for (char *tok = strtok_r(buf, ";", &save); tok;
         tok = strtok_r(NULL, ";", &save)) {
        while (*tok == ' ' || *tok == '\t')
            tok++;
        char *end = tok + strlen(tok);
        while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
            *--end = '\0';
        if (!*tok)
            continue;
        if (c->n_probes >= MM_SCS_PROBES_MAX)
            return perr(p, p->line,
                        "証拠の指定が多すぎます / too many evidence "
                        "probes (at most %u)",
                        MM_SCS_PROBES_MAX);
        mm_scs_probe *pr = &c->probes[c->n_probes];
        memset(pr, 0, sizeof *pr);
        /* split off " within Nd" */
        char *w = strstr(tok, " within ");
        if (w) {
            *w = '\0';
            const char *num = w + 8;
            char *e = NULL;
            unsigned long d = strtoul(num, &e, 10);
            if (e == num || strcmp(e, "d") != 0 || d < 1 || d > 3650)
                return perr(p, p->line,
                            "証拠の期間が不正です / bad evidence "
                            "window '%s' (want e.g. 'within 7d')",
                            num);
            pr->within_days = (unsigned)d;
            char *t = w;
            while (t > tok && t[-1] == ' ')
                *--t = '\0';
        }
        char *colon = strchr(tok, ':');
        char *args = NULL;
        if (colon) {
            *colon = '\0';
            args = colon + 1;
        }
        if (strcmp(tok, "seen") == 0 || strcmp(tok, "denied") == 0) {
            pr->kind = tok[0] == 's' ? MM_SCS_PROBE_SEEN : MM_SCS_PROBE_DENIED;
            if (!args || !*args || !pr->within_days)
                return perr(p, p->line,
                            "'%s' には datasets と期間が必要です / "
                            "'%s' needs datasets and a window, e.g. "
                            "'%s:netfilter|kv within 7d'",
                            tok, tok, tok);
            char *s2 = NULL;
            for (char *ds = strtok_r(args, "|", &s2); ds;
                 ds = strtok_r(NULL, "|", &s2)) {
                if (strcmp(ds, "*") == 0) {
                    pr->any_dataset = true;
                    continue;
                }
                size_t dl = strlen(ds);
                bool ok = dl > 0 && dl < sizeof pr->datasets[0];
                for (size_t i = 0; ok && i < dl; i++)
                    ok = (ds[i] >= 'a' && ds[i] <= 'z') ||
                         (ds[i] >= '0' && ds[i] <= '9') || ds[i] == '.' ||
                         ds[i] == '_' || ds[i] == '-';
                if (!ok)
                    return perr(p, p->line,
                                "データセット名が不正です / bad "
                                "dataset name '%s'",
                                ds);
                if (pr->n_datasets >= MM_SCS_PROBE_DS_MAX)
                    return perr(p, p->line,
                                "データセットが多すぎます / too many "
                                "datasets in one probe");
                memcpy(pr->datasets[pr->n_datasets++], ds, dl + 1);
            }
            if (!pr->any_dataset && pr->n_datasets == 0)
                return perr(p, p->line,
                            "データセットがありません / no dataset");
        } else if (strcmp(tok, "hosts") == 0 || strcmp(tok, "networks") == 0) {
            if (args || pr->within_days)
                return perr(p, p->line,
                            "'%s' は引数を取りません / '%s' takes no "
                            "arguments",
                            tok, tok);
            pr->kind =
                tok[0] == 'h' ? MM_SCS_PROBE_HOSTS : MM_SCS_PROBE_NETWORKS;
        } else if (strcmp(tok, "feed") == 0) {
            if (args || !pr->within_days)
                return perr(p, p->line,
                            "'feed' には期間が必要です / 'feed' needs "
                            "a window, e.g. 'feed within 7d'");
            pr->kind = MM_SCS_PROBE_FEED;
        } else if (strcmp(tok, "check") == 0) {
            size_t al = args ? strlen(args) : 0;
            if (!al || al >= sizeof pr->datasets[0] || !pr->within_days ||
                strspn(args, "abcdefghijklmnopqrstuvwxyz_") != al)
                return perr(p, p->line,
                            "'check' には名前と期間が必要です / 'check' "
                            "needs a name and a window, e.g. "
                            "'check:auth_compromise within 30d'");
            pr->kind = MM_SCS_PROBE_CHECK;
            memcpy(pr->datasets[0], args, al + 1);
            pr->n_datasets = 1;
        } else {
            return unknown(p, "証拠の種類", "evidence probe", tok,
                           "seen, denied, hosts, networks, feed, check");
        }
        c->n_probes++;
    }
    return MM_OK;
}

/* "next_ja" -> "next4_ja", "help" -> "help4". */
static void crit4_name(const char *base, char *out, size_t outlen)
{
    size_t n = strlen(base);
    if (n > 3 &&
        (strcmp(base + n - 3, "_ja") == 0 || strcmp(base + n - 3, "_en") == 0))
        snprintf(out, outlen, "%.*s4%s", (int)(n - 3), base, base + n - 3);
    else
        snprintf(out, outlen, "%s4", base);
}

/* Checks that the finished item block has what it needs. */
static mm_rc finish_item(parser *p)
{
    if (!p->in_item)
        return MM_OK;
    mm_scs_item *it = &p->cat->items[p->cat->n_items - 1];
    for (int i = 0; i < K_COUNT; i++) {
        if (keys[i].scope == SC_HEADER || !keys[i].required)
            continue;
        if (!p->seen[0][i])
            return perr(p, it->line,
                        "項目 %s に '%s' がありません / item %s "
                        "lacks '%s'",
                        it->id, keys[i].name, it->id, keys[i].name);
        if (keys[i].scope == SC_CRIT && p->both_levels && !p->seen[1][i]) {
            char k4[64];
            crit4_name(keys[i].name, k4, sizeof k4);
            return perr(p, it->line,
                        "項目 %s は level = 3+4 なので '%s' が必要"
                        "です / item %s has level = 3+4 and needs '%s'",
                        it->id, k4, it->id, k4);
        }
    }
    for (int i = 0; i < K_COUNT; i++)
        if (keys[i].scope == SC_CRIT && p->seen[1][i] && !p->both_levels)
            return perr(p, p->seen[1][i],
                        "'%s' の ★4 版は level = 3+4 の項目にだけ"
                        "書けます / a ★4 key is allowed only in an item with "
                        "level = 3+4 (item %s)",
                        keys[i].name, it->id);
    int also = !!p->seen[0][K_ALSO_CAT] + !!p->seen[0][K_ALSO_JA] +
               !!p->seen[0][K_ALSO_EN];
    if (also != 0 && also != 3)
        return perr(
            p, it->line,
            "項目 %s: also_category, also_ja, also_en は3つ"
            "そろえて書きます / item %s: give also_category, also_ja and "
            "also_en together",
            it->id, it->id);
    if (it->has_also && it->also_category == it->category)
        return perr(p, p->seen[0][K_ALSO_CAT],
                    "also_category が category と"
                    "同じです / also_category repeats the category");
    it->n_crit = p->both_levels ? 2 : 1;
    it->crit[0].level = p->base_level;
    if (p->both_levels)
        it->crit[1].level = 4;
    return MM_OK;
}

static mm_rc start_item(parser *p, const char *id, size_t idlen)
{
    mm_rc rc = finish_item(p);
    if (rc != MM_OK)
        return rc;
    char buf[MM_SCS_ID_MAX];
    if (idlen == 0 || idlen >= sizeof buf)
        return perr(p, p->line,
                    "項目IDが不正です / bad item ID (want e.g. "
                    "[item 4-5-2])");
    memcpy(buf, id, idlen);
    buf[idlen] = '\0';
    if (!scs_id_ok(buf))
        return perr(p, p->line,
                    "項目IDが不正です / bad item ID '%s' (want "
                    "digits-digits-digits, e.g. 4-5-2)",
                    buf);
    const mm_scs_item *dup = mm_scs_catalogue_find(p->cat, buf);
    if (dup)
        return perr(p, p->line,
                    "項目IDが重複しています / duplicate item ID %s "
                    "(first at line %u)",
                    buf, dup->line);
    if (p->cat->n_items >= MM_SCS_ITEMS_MAX)
        return mm_err_set(p->err, MM_ELIMIT, p->name, p->line,
                          "項目が多すぎます / too many items (limit %u)",
                          MM_SCS_ITEMS_MAX);
    if (p->cat->n_items % 32 == 0) {
        mm_scs_item *n =
            realloc(p->cat->items, (p->cat->n_items + 32) * sizeof *n);
        if (!n)
            return mm_err_set(p->err, MM_ENOMEM, p->name, p->line,
                              "out of memory");
        p->cat->items = n;
    }
    mm_scs_item *it = &p->cat->items[p->cat->n_items++];
    memset(it, 0, sizeof *it);
    memcpy(it->id, buf, idlen + 1);
    it->line = p->line;
    memset(p->seen, 0, sizeof p->seen);
    p->in_item = true;
    p->both_levels = false;
    p->base_level = 0;
    return MM_OK;
}

static mm_rc set_str(parser *p, char **dst, const char *v)
{
    *dst = own_str(p->cat, v, strlen(v));
    if (!*dst)
        return mm_err_set(p->err, MM_ENOMEM, p->name, p->line,
                          "out of memory");
    return MM_OK;
}

static mm_rc header_kv(parser *p, enum key_id k, const char *v)
{
    mm_scs_catalogue *cat = p->cat;
    switch (k) {
    case K_FORMAT:
        if (strcmp(v, "mamori-scs-catalogue 1") != 0)
            return perr(p, p->line,
                        "未対応の形式です / unsupported format '%s' "
                        "(want 'mamori-scs-catalogue 1')",
                        v);
        return MM_OK;
    case K_VERSION:
        if (strlen(v) > 64)
            return perr(p, p->line, "version が長すぎます / version too long");
        return set_str(p, &cat->version, v);
    case K_SOURCE: return set_str(p, &cat->source, v);
    case K_NOTE_JA: return set_str(p, &cat->note_ja, v);
    case K_NOTE_EN: return set_str(p, &cat->note_en, v);
    case K_COVERAGE:
        if (strcmp(v, "partial") == 0)
            cat->partial = true;
        else if (strcmp(v, "complete") == 0)
            cat->partial = false;
        else
            return perr(p, p->line,
                        "coverage は partial か complete です / "
                        "coverage must be partial or complete");
        return MM_OK;
    case K_TOTAL4: {
        char *e = NULL;
        unsigned long n = strtoul(v, &e, 10);
        if (e == v || *e || n < 1 || n > MM_SCS_ITEMS_MAX)
            return perr(p, p->line,
                        "items_total_4 が不正です / bad items_total_4 "
                        "'%s'",
                        v);
        cat->items_total4 = (unsigned)n;
        return MM_OK;
    }
    case K_VALID3:
    case K_VALID4: {
        char *e = NULL;
        unsigned long n = strtoul(v, &e, 10);
        if (e == v || *e || n < 1 || n > 3650)
            return perr(p, p->line,
                        "有効日数は 1〜3650 です / valid_days must be "
                        "1..3650, not '%s'",
                        v);
        cat->valid_days[k == K_VALID3 ? 3 : 4] = (unsigned)n;
        return MM_OK;
    }
    case K_VALID_SRC: return set_str(p, &cat->valid_source, v);
    default: return MM_OK;
    }
}

static mm_rc item_kv(parser *p, enum key_id k, int ci, const char *v)
{
    mm_scs_item *it = &p->cat->items[p->cat->n_items - 1];
    mm_scs_criterion *c = &it->crit[ci];
    switch (k) {
    case K_CATEGORY:
        if (!scs_category_from_name(v, &it->category))
            return unknown(p, "大分類", "category", v,
                           "governance, partners, identify, protect, "
                           "detect, respond, recover");
        return MM_OK;
    case K_ALSO_CAT:
        if (!scs_category_from_name(v, &it->also_category))
            return perr(p, p->line, "不明な大分類です / unknown category '%s'",
                        v);
        it->has_also = true;
        return MM_OK;
    case K_CSF: {
        static const char *const csf[] = {"GV", "ID", "PR", "DE",
                                          "RS", "RC", "-"};
        for (size_t i = 0; i < sizeof csf / sizeof *csf; i++)
            if (strcmp(v, csf[i]) == 0) {
                memcpy(it->csf, csf[i], strlen(csf[i]) + 1);
                return MM_OK;
            }
        return unknown(p, " CSF 機能", "CSF function", v,
                       "GV, ID, PR, DE, RS, RC or -");
    }
    case K_KIND:
        if (!kind_from_name(v, &it->kind))
            return unknown(p, " kind ", "kind", v,
                           "technical or organisational");
        return MM_OK;
    case K_LEVEL:
        if (v[0] >= '1' && v[0] <= '4' && v[1] == '\0')
            p->base_level = v[0] - '0'; /* 1, 2: SECURITY ACTION */
        else if (strcmp(v, "3+4") == 0)
            p->base_level = 3, p->both_levels = true;
        else
            return unknown(p, "レベル", "level", v, "1, 2, 3, 4 or 3+4");
        return MM_OK;
    case K_ALSO_JA: return set_str(p, &it->also_ja, v);
    case K_ALSO_EN: return set_str(p, &it->also_en, v);
    case K_GROUP_JA: return set_str(p, &c->group_ja, v);
    case K_GROUP_EN: return set_str(p, &c->group_en, v);
    case K_TEXT_JA: return set_str(p, &c->text_ja, v);
    case K_TEXT_EN: return set_str(p, &c->text_en, v);
    case K_NEXT_JA: return set_str(p, &c->next_ja, v);
    case K_NEXT_EN: return set_str(p, &c->next_en, v);
    case K_HELP:
        if (!help_from_name(v, &c->help))
            return unknown(p, " help ", "help", v,
                           "it-tool, policy, procedure, training, role");
        return MM_OK;
    case K_EVIDENCE: return parse_evidence(p, v, c);
    default: return MM_OK;
    }
}

static mm_rc parse_line(parser *p, const char *s, size_t n)
{
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    if (n == 0 || *s == '#')
        return MM_OK;
    if (!scs_text_ok(s, n))
        return perr(p, p->line,
                    "UTF-8 として不正か制御文字を含みます / invalid "
                    "UTF-8 or control character");
    if (*s == '[') {
        if (s[n - 1] != ']' || n < 7 || memcmp(s, "[item ", 6) != 0)
            return perr(p, p->line,
                        "見出しは [item ID] の形です / a block "
                        "header must look like [item 4-5-2]");
        const char *id = s + 6;
        size_t idl = n - 7;
        while (idl && *id == ' ')
            id++, idl--;
        while (idl && id[idl - 1] == ' ')
            idl--;
        return start_item(p, id, idl);
    }
    const char *eq = memchr(s, '=', n);
    if (!eq)
        return perr(p, p->line,
                    "'key = value' の形ではありません / expected "
                    "'key = value'");
    size_t kl = (size_t)(eq - s);
    while (kl && (s[kl - 1] == ' ' || s[kl - 1] == '\t'))
        kl--;
    const char *v = eq + 1;
    size_t vl = n - (size_t)(v - s);
    while (vl && (*v == ' ' || *v == '\t'))
        v++, vl--;
    char key[64];
    if (kl == 0 || kl >= sizeof key)
        return perr(p, p->line, "キーが不正です / bad key");
    memcpy(key, s, kl);
    key[kl] = '\0';
    if (vl == 0)
        return perr(p, p->line, "'%s' の値が空です / empty value for '%s'",
                    key, key);
    if (vl >= MM_SCS_TEXT_MAX)
        return perr(p, p->line,
                    "値が長すぎます / value too long (limit %u bytes)",
                    MM_SCS_TEXT_MAX - 1);
    char val[MM_SCS_TEXT_MAX];
    memcpy(val, v, vl);
    val[vl] = '\0';
    enum key_id k;
    int ci;
    if (!key_lookup(key, &k, &ci))
        return perr(p, p->line, "不明なキーです / unknown key '%s'", key);
    bool header = keys[k].scope == SC_HEADER;
    if (header == p->in_item)
        return perr(p, p->line,
                    header ? "'%s' はファイルの先頭（最初の [item] "
                             "より前）に書きます / '%s' belongs in the "
                             "header, before the first [item]"
                           : "'%s' は [item] の中に書きます / '%s' "
                             "belongs inside an [item] block",
                    key, key);
    unsigned *seen = header ? &p->header_seen[k] : &p->seen[ci][k];
    if (*seen)
        return perr(p, p->line,
                    "'%s' が重複しています / duplicate key '%s' "
                    "(first at line %u)",
                    key, key, *seen);
    *seen = p->line;
    return header ? header_kv(p, k, val) : item_kv(p, k, ci, val);
}

mm_rc mm_scs_catalogue_parse(const char *data, size_t len, const char *name,
                             mm_scs_catalogue **out, mm_err *err)
{
    *out = NULL;
    if (len > MM_SCS_FILE_MAX)
        return mm_err_set(err, MM_ELIMIT, name, 0,
                          "ファイルが大きすぎます / "
                          "file too large (limit %u bytes)",
                          MM_SCS_FILE_MAX);
    if (sodium_init() < 0)
        return mm_err_set(err, MM_EINTERNAL, name, 0, "libsodium init failed");
    parser p;
    memset(&p, 0, sizeof p);
    p.name = name;
    p.err = err;
    p.cat = calloc(1, sizeof *p.cat);
    if (!p.cat)
        return mm_err_set(err, MM_ENOMEM, name, 0, "out of memory");
    mm_rc rc = MM_OK;
    size_t pos = 0;
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
        pos = 3; /* UTF-8 BOM */
    while (pos < len && rc == MM_OK) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - data) : len;
        size_t ll = end - pos;
        p.line++;
        if (ll && data[pos + ll - 1] == '\r')
            ll--;
        if (ll > MM_SCS_TEXT_MAX + 64)
            rc = perr(&p, p.line, "行が長すぎます / line too long");
        else
            rc = parse_line(&p, data + pos, ll);
        pos = end + 1;
    }
    if (rc == MM_OK)
        rc = finish_item(&p);
    if (rc == MM_OK) {
        for (int i = 0; i < K_COUNT; i++)
            if (keys[i].scope == SC_HEADER && keys[i].required &&
                !p.header_seen[i]) {
                rc = perr(&p, 1,
                          "ヘッダーに '%s' がありません / the header "
                          "lacks '%s'",
                          keys[i].name, keys[i].name);
                break;
            }
    }
    if (rc == MM_OK && p.cat->n_items == 0)
        rc = perr(&p, p.line, "項目がありません / no [item] in the catalogue");
    if (rc == MM_OK) {
        p.cat->path = own_str(p.cat, name, strlen(name));
        if (!p.cat->path)
            rc = mm_err_set(err, MM_ENOMEM, name, 0, "out of memory");
    }
    if (rc != MM_OK) {
        mm_scs_catalogue_free(p.cat);
        return rc;
    }
    crypto_hash_sha256(p.cat->sha256, (const unsigned char *)data, len);
    *out = p.cat;
    return MM_OK;
}

/* mm_scs_catalogue_parse as an mm_file_parse_fn (`out` is the result). */
static mm_rc parse_file(const char *text, size_t len, const char *path,
                        void *out, mm_err *err)
{
    return mm_scs_catalogue_parse(text, len, path, out, err);
}

mm_rc mm_scs_catalogue_load(const char *path, mm_scs_catalogue **out,
                            mm_err *err)
{
    *out = NULL;
    return scs_file_parse(path, MM_SCS_FILE_MAX, parse_file, out, err);
}
