/* SPDX-License-Identifier: Apache-2.0 */
/* report-text.c — console rendering of an assessment and of the catalogue,
 * and the labels the HTML report shares. */
#include "scs-int.h"

#include <stdio.h>
#include <string.h>

#define T(ja, en) (lang == MM_SCS_JA ? (ja) : (en))

const char *scs_jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

const char *scs_answer_label(const char *a, mm_scs_lang lang)
{
    if (strcmp(a, "yes") == 0)
        return T("はい", "yes");
    if (strcmp(a, "no") == 0)
        return T("いいえ", "no");
    return T("不明・未回答", "unknown");
}

mm_rc scs_doc_open(scs_doc *d, const char *text, size_t len, mm_err *err)
{
    memset(d, 0, sizeof *d);
    if (len > MM_SCS_FILE_MAX)
        return mm_err_set(err, MM_ELIMIT, "", 0, "file too large");
    d->root = scs_json_parse(text, len, "", err);
    if (!d->root)
        return MM_EPARSE;
    d->a = d->root;
    json_t *a = json_object_get(d->root, "assessment");
    json_t *c = json_object_get(d->root, "confirmation");
    if (json_is_object(a) && json_is_object(c)) {
        d->a = a;
        d->conf = c;
    }
    const char *f = scs_jstr(d->a, "format");
    if (strcmp(f, "mamori-scs-assessment 1") != 0 ||
        !json_is_array(json_object_get(d->a, "items")) ||
        !json_is_array(json_object_get(d->a, "gaps"))) {
        scs_doc_close(d);
        return mm_err_set(err, MM_EPARSE, "", 0,
                          "診断結果ではありません / not an "
                          "assessment document");
    }
    return MM_OK;
}

void scs_doc_close(scs_doc *d)
{
    json_decref(d->root);
    memset(d, 0, sizeof *d);
}

static const char *lvl_label(const char *achieved, mm_scs_lang lang)
{
    if (strcmp(achieved, "none") == 0)
        return T("未達成（★3 に届いていません）", "none (★3 not yet reached)");
    return achieved;
}

static mm_rc text_renewal(const json_t *ren, mm_scs_lang lang, mm_buf *o)
{
    static const char *const buckets[] = {"became_met", "regressed",
                                          "still_open", "new"};
    const char *ja[] = {
        "満たすようになった項目", "後退した項目（前回は満たしていた）",
        "前回から未対応のままの項目", "今回の診断で初めて入った項目"};
    const char *en[] = {"now met", "regressed (met last time)", "still open",
                        "new in this catalogue"};
    const json_t *prev = json_object_get(ren, "previous");
    mm_rc rc =
        mm_buf_printf(o, "\n%s (%s %s, %s %s)\n",
                      T("前回からの変化", "Since the previous assessment"),
                      T("前回", "previous"), scs_jstr(prev, "assessed_at"),
                      T("達成", "achieved"), scs_jstr(prev, "achieved"));
    for (int b = 0; b < 4 && rc == MM_OK; b++) {
        const json_t *arr = json_object_get(ren, buckets[b]);
        rc = mm_buf_printf(o, "  %s: %zu", T(ja[b], en[b]),
                           json_array_size(arr));
        size_t i;
        json_t *e;
        json_array_foreach(arr, i, e)
        {
            if (rc == MM_OK)
                rc = mm_buf_printf(o, "%s%s(★%lld)", i ? ", " : "  ",
                                   scs_jstr(e, "id"),
                                   (long long)json_integer_value(
                                       json_object_get(e, "level")));
        }
        if (rc == MM_OK)
            rc = mm_buf_puts(o, "\n");
    }
    return rc;
}

mm_rc scs_ladder_text(const json_t *a, mm_scs_lang lang, bool html, mm_buf *o)
{
    /* SECURITY ACTION ★1 → ★2 → SCS ★3 → ★4, each rung with how many of
     * its own criteria are met, then the next rung to climb */
    mm_rc rc = mm_buf_puts(o, html ? "<p class=\"ladder\">" : "");
    if (rc == MM_OK)
        rc = mm_buf_printf(o, "%s:", T("★のはしご", "The ★ ladder"));
    size_t i;
    const json_t *r;
    json_array_foreach(json_object_get(a, "ladder"), i, r)
    {
        if (rc != MM_OK)
            break;
        bool ok = json_is_true(json_object_get(r, "reached"));
        rc = mm_buf_printf(
            o, "%s %s %lld/%lld%s", i ? (html ? " &middot;" : " ·") : "",
            scs_jstr(r, "level"),
            (long long)json_integer_value(json_object_get(r, "met")),
            (long long)json_integer_value(json_object_get(r, "total")),
            ok ? T(" 達成", " reached") : "");
    }
    const char *next = json_string_value(json_object_get(a, "next"));
    if (rc == MM_OK)
        rc = next ? mm_buf_printf(o, "  — %s %s", T("次の段", "next rung"),
                                  next)
                  : mm_buf_printf(o, "  — %s",
                                  T("最上段まで達成", "top rung reached"));
    if (rc == MM_OK)
        rc = mm_buf_puts(o, html ? "</p>\n" : "\n");
    return rc;
}

mm_rc mm_scs_report_text(const char *json_text, size_t len, mm_scs_lang lang,
                         mm_buf *o, mm_err *err)
{
    scs_doc d;
    mm_rc rc = scs_doc_open(&d, json_text, len, err);
    if (rc != MM_OK)
        return rc;
    const json_t *a = d.a;
    const json_t *org = json_object_get(a, "organisation");
    const json_t *lv = json_object_get(a, "levels");
    const json_t *tier = json_object_get(a, "tier");
    rc = mm_buf_printf(o, "%s — %s\n%s: %s   %s: %s   %s: %s\n",
                       T("SCS評価制度 診断結果", "SCS assessment"),
                       scs_jstr(org, "name"), T("診断日", "Assessed"),
                       scs_jstr(a, "assessed_at"), T("目標", "Target"),
                       scs_jstr(a, "target"), T("達成", "Achieved"),
                       lvl_label(scs_jstr(a, "achieved"), lang));
    if (rc == MM_OK && json_object_get(a, "ladder"))
        rc = scs_ladder_text(a, lang, false, o);
    for (int l = 3; l <= 4 && rc == MM_OK; l++) {
        const json_t *x = json_object_get(lv, l == 3 ? "3" : "4");
        rc = mm_buf_printf(
            o, "  ★%d: %lld / %lld %s\n", l,
            (long long)json_integer_value(json_object_get(x, "met")),
            (long long)json_integer_value(json_object_get(x, "total")),
            T("項目を満たしています", "criteria met"));
    }
    if (rc == MM_OK)
        rc = mm_buf_printf(
            o, "%s: %s — %s\n", T("お勧めのサービス", "Suggested tier"),
            scs_jstr(tier, "name"),
            scs_jstr(tier, lang == MM_SCS_JA ? "reason_ja" : "reason_en"));
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(a, "evidence"), i, g)
    {
        if (rc != MM_OK)
            break;
        bool stale = json_is_true(json_object_get(g, "stale"));
        rc = mm_buf_printf(
            o, "%s: %s%s%s (%s, %lld %s)%s\n", T("自動の証拠", "Evidence"),
            scs_jstr(g, "source"), *scs_jstr(g, "tenant") ? ":" : "",
            scs_jstr(g, "tenant"), scs_jstr(g, "generated_at"),
            (long long)json_integer_value(json_object_get(g, "window_days")),
            T("日分", "days"),
            stale ? T(" — 診断日から30日以上離れているため使っていません",
                      " — not used: more than 30 days away from the "
                      "assessment date")
                  : "");
    }
    const json_t *gaps = json_object_get(a, "gaps");
    if (rc == MM_OK)
        rc = mm_buf_printf(o, "\n%s (%zu)\n",
                           T("目標に足りない項目", "Gaps to the target"),
                           json_array_size(gaps));
    json_array_foreach(gaps, i, g)
    {
        if (rc != MM_OK)
            break;
        bool it = strcmp(scs_jstr(g, "closable_with"), "it") == 0;
        rc = mm_buf_printf(
            o, "  %s ★%lld%s [%s%s] %s\n      %s: %s\n", scs_jstr(g, "id"),
            (long long)json_integer_value(json_object_get(g, "level")),
            json_is_true(json_object_get(g, "stricter"))
                ? T("(厳格化)", "(stricter)")
                : "",
            it ? "" : T("IT以外の支援: ", "non-IT help: "),
            scs_help_label(scs_jstr(g, "help"), lang),
            scs_jstr(g, lang == MM_SCS_JA ? "text_ja" : "text_en"),
            T("次にやること", "Next step"),
            scs_jstr(g, lang == MM_SCS_JA ? "next_ja" : "next_en"));
        const char *why =
            scs_jstr(g, lang == MM_SCS_JA ? "evidence_ja" : "evidence_en");
        if (rc == MM_OK && *why)
            rc = mm_buf_printf(o, "      %s: %s\n",
                               T("自動の証拠", "Evidence"), why);
    }
    const json_t *contra = json_object_get(a, "contradictions");
    if (rc == MM_OK && json_array_size(contra))
        rc = mm_buf_printf(
            o, "\n%s (%zu)\n",
            T("回答と自動の証拠が食い違う項目（解消するまで未達扱い）",
              "Answers contradicted by evidence (not met until resolved)"),
            json_array_size(contra));
    json_array_foreach(contra, i, g)
    {
        if (rc != MM_OK)
            break;
        rc = mm_buf_printf(
            o, "  %s ★%lld  %s: %s\n", scs_jstr(g, "id"),
            (long long)json_integer_value(json_object_get(g, "level")),
            T("回答", "answer"),
            scs_answer_label(scs_jstr(g, "answer"), lang));
        size_t k;
        json_t *f;
        json_array_foreach(json_object_get(g, "findings"), k, f)
        {
            if (rc == MM_OK)
                rc = mm_buf_printf(
                    o, "      [%s] %s: %s\n", scs_jstr(f, "source"),
                    strcmp(scs_jstr(f, "verdict"), "supports") == 0
                        ? T("裏付け", "supports")
                        : T("反証", "contradicts"),
                    scs_jstr(f,
                             lang == MM_SCS_JA ? "reason_ja" : "reason_en"));
        }
    }
    const json_t *ren = json_object_get(a, "renewal");
    if (rc == MM_OK && ren)
        rc = text_renewal(ren, lang, o);
    if (rc == MM_OK)
        rc = mm_buf_printf(o, "\n%s\n", T("全項目", "All criteria"));
    json_array_foreach(json_object_get(a, "items"), i, g)
    {
        if (rc != MM_OK)
            break;
        rc = mm_buf_printf(
            o, "  %-6s ★%lld %-4s %s — %s\n", scs_jstr(g, "id"),
            (long long)json_integer_value(json_object_get(g, "level")),
            json_is_true(json_object_get(g, "met")) ? "OK" : "--",
            scs_jstr(g, lang == MM_SCS_JA ? "text_ja" : "text_en"),
            scs_status_label(scs_jstr(g, "status"), lang));
    }
    const json_t *cat = json_object_get(a, "catalogue");
    if (rc == MM_OK)
        rc = mm_buf_printf(
            o, "\n%s %s. %s\n", T("カタログ", "Catalogue"),
            scs_jstr(cat, "version"),
            scs_jstr(cat, lang == MM_SCS_JA ? "note_ja" : "note_en"));
    if (rc == MM_OK && d.conf)
        rc = mm_buf_printf(
            o, "%s: %s (%s %s) %s\n", T("専門家の確認", "Expert confirmation"),
            scs_jstr(d.conf, "expert_name"), T("登録番号", "reg. no."),
            scs_jstr(d.conf, "registration_no"), scs_jstr(d.conf, "date"));
    scs_doc_close(&d);
    return rc;
}

/* ---- catalogue listing
 * -------------------------------------------------------- */

/* Display columns of UTF-8 text: CJK and full-width forms count 2. */
static int text_cols(const char *s)
{
    int cols = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned cp = *p;
        int n = cp < 0x80 ? 1 : cp < 0xe0 ? 2 : cp < 0xf0 ? 3 : 4;
        if (n == 3 && p[1] && p[2])
            cp = ((cp & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);
        cols += (cp >= 0x2e80 && cp <= 0xa4cf) ||
                        (cp >= 0xac00 && cp <= 0xd7a3) ||
                        (cp >= 0xf900 && cp <= 0xfaff) ||
                        (cp >= 0xff00 && cp <= 0xff60)
                    ? 2
                    : 1;
        for (int i = 0; i < n && *p; i++)
            p++;
    }
    return cols;
}

/* Appends `s` padded with spaces to `width` columns, then one space. */
static mm_rc cell(mm_buf *o, const char *s, int width)
{
    mm_rc rc = mm_buf_puts(o, s);
    for (int c = text_cols(s); rc == MM_OK && c <= width; c++)
        rc = mm_buf_puts(o, " ");
    return rc;
}

static bool crit_in(const mm_scs_criterion *c, int level)
{
    return level == 0 || scs_level_needs(level, c->level);
}

mm_rc mm_scs_catalogue_table(const mm_scs_catalogue *cat, int level,
                             mm_scs_lang lang, mm_buf *o)
{
    mm_rc rc = mm_buf_printf(
        o, "%s %s (%zu %s)%s\n",
        T("SCS 要求事項カタログ", "SCS requirement catalogue"), cat->version,
        cat->n_items, T("項目", "items"),
        cat->partial ? T(" — 公表分のみ・一部", " — published part only")
                     : "");
    static const int w[] = {6, 6, 3, 14, 9};
    const char *head[] = {"ID", T("レベル", "level"), "CSF", T("種類", "kind"),
                          T("対応", "closed by")};
    for (int k = 0; k < 5 && rc == MM_OK; k++)
        rc = cell(o, head[k], w[k]);
    if (rc == MM_OK)
        rc = mm_buf_printf(o, "%s\n", T("要求事項", "requirement"));
    for (size_t i = 0; i < cat->n_items && rc == MM_OK; i++) {
        const mm_scs_item *it = &cat->items[i];
        for (unsigned c = 0; c < it->n_crit && rc == MM_OK; c++) {
            const mm_scs_criterion *cr = &it->crit[c];
            if (!crit_in(cr, level))
                continue;
            char lv[16];
            snprintf(lv, sizeof lv, "★%d%s", cr->level, c == 1 ? "+" : "");
            const char *row[] = {it->id, lv, it->csf,
                                 mm_scs_kind_name(it->kind),
                                 mm_scs_help_name(cr->help)};
            for (int k = 0; k < 5 && rc == MM_OK; k++)
                rc = cell(o, row[k], w[k]);
            if (rc == MM_OK)
                rc = mm_buf_printf(
                    o, "%s\n", lang == MM_SCS_JA ? cr->text_ja : cr->text_en);
        }
    }
    if (rc == MM_OK && (cat->note_ja || cat->note_en))
        rc = mm_buf_printf(o, "\n%s\n",
                           lang == MM_SCS_JA && cat->note_ja ? cat->note_ja
                           : cat->note_en                    ? cat->note_en
                                                             : "");
    if (rc == MM_OK)
        rc = mm_buf_printf(o, "%s\n",
                           T("★4+ = ★4 でより厳しい基準が加わる項目",
                             "★4+ = the stricter ★4 criterion of an item"));
    return rc;
}

static json_t *probe_json(const mm_scs_criterion *c)
{
    json_t *arr = json_array();
    static const char *const kinds[] = {
        [MM_SCS_PROBE_SEEN] = "seen",   [MM_SCS_PROBE_DENIED] = "denied",
        [MM_SCS_PROBE_HOSTS] = "hosts", [MM_SCS_PROBE_NETWORKS] = "networks",
        [MM_SCS_PROBE_FEED] = "feed",   [MM_SCS_PROBE_CHECK] = "check"};
    for (unsigned p = 0; arr && p < c->n_probes; p++) {
        const mm_scs_probe *pr = &c->probes[p];
        json_t *ds = json_array();
        if (pr->any_dataset)
            json_array_append_new(ds, json_string("*"));
        for (unsigned k = 0; k < pr->n_datasets; k++)
            json_array_append_new(ds, json_string(pr->datasets[k]));
        json_array_append_new(arr, json_pack("{s:s, s:I, s:o}", "probe",
                                             kinds[pr->kind], "within_days",
                                             (json_int_t)pr->within_days,
                                             "datasets", ds));
    }
    return arr;
}

mm_rc mm_scs_catalogue_json(const mm_scs_catalogue *cat, int level, mm_buf *o)
{
    json_t *items = json_array();
    json_t *doc =
        json_pack("{s:s, s:s, s:s, s:b, s:I, s:s, s:s, s:o}", "format",
                  "mamori-scs-catalogue 1", "version", cat->version, "source",
                  cat->source, "partial", cat->partial, "items_total_4",
                  (json_int_t)cat->items_total4, "note_ja",
                  cat->note_ja ? cat->note_ja : "", "note_en",
                  cat->note_en ? cat->note_en : "", "items", items);
    if (!doc)
        return MM_ENOMEM;
    for (size_t i = 0; i < cat->n_items; i++) {
        const mm_scs_item *it = &cat->items[i];
        for (unsigned c = 0; c < it->n_crit; c++) {
            const mm_scs_criterion *cr = &it->crit[c];
            if (!crit_in(cr, level))
                continue;
            json_t *j = json_pack(
                "{s:s, s:I, s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
                "s:s,"
                " s:o}",
                "id", it->id, "level", (json_int_t)cr->level, "stricter",
                c == 1, "category", mm_scs_category_name(it->category), "csf",
                it->csf, "kind", mm_scs_kind_name(it->kind), "group_ja",
                cr->group_ja, "group_en", cr->group_en, "text_ja", cr->text_ja,
                "text_en", cr->text_en, "help", mm_scs_help_name(cr->help),
                "next_ja", cr->next_ja, "next_en", cr->next_en, "evidence",
                probe_json(cr));
            if (j && it->has_also)
                json_object_set_new(
                    j, "also",
                    json_pack("{s:s, s:s, s:s}", "category",
                              mm_scs_category_name(it->also_category),
                              "text_ja", it->also_ja, "text_en", it->also_en));
            if (!j || json_array_append_new(items, j) != 0) {
                json_decref(doc);
                return MM_ENOMEM;
            }
        }
    }
    mm_rc rc = scs_json_dump(doc, true, o);
    if (rc == MM_OK)
        rc = mm_buf_puts(o, "\n");
    json_decref(doc);
    return rc;
}
