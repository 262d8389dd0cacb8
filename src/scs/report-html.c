/* SPDX-License-Identifier: Apache-2.0 */
/* report-html.c — the self-contained HTML report (inline CSS, no external
 * fetch, A4 print layout): page 1 a summary for executives, then the gap
 * list with next steps, then the full item table. Every string taken from
 * the input is HTML-escaped. */
#include "scs-int.h"

#include <stdio.h>
#include <string.h>

#define T(ja, en) (lang == MM_SCS_JA ? (ja) : (en))
#define SUMMARY_GAPS_MAX 8u   /* gap lines on page 1 at most */
#define SUMMARY_CONTRA_MAX 3u /* contradictions on page 1 */
#define SUMMARY_IDS_MAX 10u   /* regressed IDs on page 1 */

static const char css[] =
    "@page{size:A4;margin:14mm}"
    "*{box-sizing:border-box}"
    "body{font-family:'IPAGothic','IPAPGothic','Noto Sans CJK JP','Hiragino "
    "Sans',"
    "'Yu "
    "Gothic',sans-serif;color:#1f2328;margin:0;padding:24px;font-size:14px;"
    "line-height:1.55;background:#fff}"
    ".page{max-width:190mm;margin:0 auto}"
    "#summary{page-break-after:always;break-after:page}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:18px 0 6px;"
    "border-bottom:2px solid #d0d7de;padding-bottom:2px}"
    ".meta{color:#57606a;margin-bottom:12px}"
    ".badge{display:inline-block;padding:14px "
    "28px;border-radius:10px;color:#fff;"
    "font-size:30px;font-weight:bold;margin:6px 0 10px}"
    ".ok{background:#1a7f37}.ng{background:#b42318}"
    ".bar{background:#eaeef2;border-radius:4px;height:12px;width:100%;margin:"
    "2px 0 8px}"
    ".bar span{display:block;height:12px;border-radius:4px;background:#0969da}"
    ".box{border:1px solid #d0d7de;border-radius:8px;padding:8px "
    "12px;margin:8px 0}"
    ".warn{border-color:#bf8700;background:#fff8c5}"
    ".conf{border-color:#1a7f37;background:#dafbe1}"
    "ul{margin:4px 0;padding-left:20px}li{margin:3px 0}"
    ".tag{display:inline-block;font-size:11px;border-radius:4px;padding:0 5px;"
    "margin-right:4px;border:1px solid #8c959f}"
    ".it{border-color:#0969da;color:#0969da}.nonit{border-color:#8250df;color:"
    "#8250df}"
    "table{border-collapse:collapse;width:100%;font-size:12px}"
    "th,td{border:1px solid #d0d7de;padding:3px "
    "5px;vertical-align:top;text-align:left}"
    "th{background:#f6f8fa}tr{page-break-inside:avoid}"
    ".s-met{color:#1a7f37}.s-no{color:#b42318}.s-c{color:#9a6700;font-weight:"
    "bold}"
    ".small{font-size:11px;color:#57606a}.id{white-space:nowrap}"
    "@media print{body{padding:0;font-size:12px}.page{max-width:none}"
    ".badge{font-size:24px;padding:8px 20px}h2{margin:10px 0 4px}}";

static mm_rc esc(mm_buf *o, const char *s)
{
    return scs_html_esc(o, s);
}

/* Appends fixed markup followed by an escaped string. */
static mm_rc put2(mm_buf *o, const char *markup, const char *text)
{
    mm_rc rc = mm_buf_puts(o, markup);
    return rc == MM_OK ? esc(o, text) : rc;
}

static mm_rc bar(mm_buf *o, const char *label, long long met, long long total)
{
    long long pct = total > 0 ? met * 100 / total : 0;
    mm_rc rc = put2(o, "<div>", label);
    if (rc == MM_OK)
        rc = mm_buf_printf(o,
                           ": %lld / %lld</div><div class=\"bar\"><span "
                           "style=\"width:%lld%%\"></span></div>",
                           met, total, pct);
    return rc;
}

static mm_rc gap_li(mm_buf *o, const json_t *g, mm_scs_lang lang, bool full)
{
    bool it = strcmp(scs_jstr(g, "closable_with"), "it") == 0;
    mm_rc rc =
        mm_buf_printf(o, "<li><span class=\"tag %s\">", it ? "it" : "nonit");
    if (rc == MM_OK)
        rc = esc(o, scs_help_label(scs_jstr(g, "help"), lang));
    if (rc == MM_OK)
        rc = put2(o, "</span><b>",
                  scs_jstr(g, lang == MM_SCS_JA ? "text_ja" : "text_en"));
    if (rc == MM_OK)
        rc = put2(o, "</b> <span class=\"small\">[", scs_jstr(g, "id"));
    if (rc == MM_OK)
        rc = mm_buf_printf(
            o, " ★%lld]</span><br>",
            (long long)json_integer_value(json_object_get(g, "level")));
    if (rc == MM_OK)
        rc = put2(o, T("→ ", "→ "),
                  scs_jstr(g, lang == MM_SCS_JA ? "next_ja" : "next_en"));
    const char *why =
        scs_jstr(g, lang == MM_SCS_JA ? "evidence_ja" : "evidence_en");
    if (rc == MM_OK && full && *why)
        rc = put2(o,
                  T("<br><span class=\"small\">自動の証拠: ",
                    "<br><span class=\"small\">Evidence: "),
                  why);
    if (rc == MM_OK && full && *why)
        rc = mm_buf_puts(o, "</span>");
    if (rc == MM_OK)
        rc = mm_buf_puts(o, "</li>");
    return rc;
}

static mm_rc summary(mm_buf *o, const scs_doc *d, mm_scs_lang lang,
                     bool verified)
{
    const json_t *a = d->a;
    const json_t *org = json_object_get(a, "organisation");
    const char *achieved = scs_jstr(a, "achieved");
    const char *target = scs_jstr(a, "target");
    bool got = strcmp(achieved, "none") != 0;
    bool reached = got && strcmp(achieved, target) >= 0; /* "★4" > "★3" */
    const json_t *gaps = json_object_get(a, "gaps");
    size_t n_gaps = json_array_size(gaps);
    mm_rc rc = mm_buf_puts(o, "<section id=\"summary\" class=\"page\">");
    if (rc == MM_OK)
        rc = put2(o, T("<h1>SCS評価制度 診断結果：", "<h1>SCS assessment: "),
                  scs_jstr(org, "name"));
    if (rc == MM_OK)
        rc = put2(o,
                  T("</h1><div class=\"meta\">診断日 ",
                    "</h1><div class=\"meta\">Assessed "),
                  scs_jstr(a, "assessed_at"));
    if (rc == MM_OK)
        rc = put2(o, T("　目標 ", " · target "), target);
    if (rc == MM_OK)
        rc = mm_buf_puts(o, "</div>");
    if (rc == MM_OK)
        rc = mm_buf_printf(o, "<div id=\"achieved\" class=\"badge %s\">",
                           got ? "ok" : "ng");
    if (rc == MM_OK) {
        if (got)
            rc = put2(o, "", achieved),
            rc = rc == MM_OK ? mm_buf_puts(o, T(" 達成", " achieved")) : rc;
        else
            rc = mm_buf_puts(o, T("★ 未達成", "No ★ level yet"));
    }
    if (rc == MM_OK)
        rc = mm_buf_puts(o, "</div>");
    if (rc == MM_OK) {
        if (reached)
            rc = put2(o, T("<p>目標の ", "<p>The target "), target),
            rc = rc == MM_OK
                     ? mm_buf_puts(o,
                                   T(" を満たしています。すべての要求事項を満"
                                     "たし続けることが更新の条件です。</p>",
                                     " is met. Keep every requirement met for "
                                     "the renewal.</p>"))
                     : rc;
        else
            rc = put2(o, T("<p>目標の ", "<p>To reach "), target),
            rc = rc == MM_OK
                     ? mm_buf_printf(
                           o,
                           T(" まで、あと <b>%zu "
                             "項目</"
                             "b>"
                             "です。★は対象レベルのすべての項目を満たしたとき"
                             "に取得できます。</p>",
                             ", <b>%zu item(s)</b> remain. A ★ is granted "
                             "only when every item of the level is met.</p>"),
                           n_gaps)
                     : rc;
    }
    const json_t *lv = json_object_get(a, "levels");
    if (rc == MM_OK && json_object_get(a, "ladder"))
        rc = scs_ladder_text(a, lang, true, o);
    for (int l = 3; l <= 4 && rc == MM_OK; l++) {
        const json_t *x = json_object_get(lv, l == 3 ? "3" : "4");
        rc =
            bar(o,
                l == 3 ? T("★3 の項目", "★3 criteria")
                       : T("★4 の項目（★3 を含む）", "★4 criteria (incl. ★3)"),
                (long long)json_integer_value(json_object_get(x, "met")),
                (long long)json_integer_value(json_object_get(x, "total")));
    }
    /* gaps in plain words: IT first, then non-IT; fewer when the other
     * boxes need room, so that the summary stays on one A4 page */
    const json_t *contra = json_object_get(a, "contradictions");
    const json_t *ren = json_object_get(a, "renewal");
    size_t n_contra = json_array_size(contra);
    size_t budget =
        SUMMARY_GAPS_MAX -
        (n_contra < SUMMARY_CONTRA_MAX ? n_contra : SUMMARY_CONTRA_MAX) -
        (ren ? 1u : 0u) - (d->conf ? 1u : 0u);
    if (budget < 3)
        budget = 3;
    if (rc == MM_OK && n_gaps) {
        size_t n_it = 0;
        size_t i;
        json_t *g;
        json_array_foreach(gaps, i, g) n_it +=
            strcmp(scs_jstr(g, "closable_with"), "it") == 0;
        rc = mm_buf_printf(o,
                           T("<h2>次にやること</"
                             "h2><p>ITツールで解決できる項目 <b>%zu 件</b>、"
                             "規程・手順・教育など IT 以外の支援が必要な項目 "
                             "<b>%zu 件</b>。</p><ul>",
                             "<h2>Next steps</h2><p><b>%zu</b> item(s) can be "
                             "closed with an IT tool, "
                             "<b>%zu</b> need non-IT help (policy, procedure, "
                             "training).</p><ul>"),
                           n_it, n_gaps - n_it);
        size_t shown = 0;
        for (int pass = 0; pass < 2 && rc == MM_OK; pass++)
            json_array_foreach(gaps, i, g)
            {
                bool it = strcmp(scs_jstr(g, "closable_with"), "it") == 0;
                if (rc != MM_OK || shown >= budget || it != (pass == 0))
                    continue;
                rc = gap_li(o, g, lang, false);
                shown++;
            }
        if (rc == MM_OK)
            rc = mm_buf_puts(o, "</ul>");
        if (rc == MM_OK && n_gaps > shown)
            rc = mm_buf_printf(
                o,
                T("<p class=\"small\">ほか %zu "
                  "件は次のページの一覧にあります。</p>",
                  "<p class=\"small\">%zu more on the next page.</p>"),
                n_gaps - shown);
    }
    if (rc == MM_OK && n_contra) {
        rc = mm_buf_printf(
            o,
            T("<div class=\"box warn\" "
              "id=\"contradictions\"><b>回答と自動の証拠が食い違う項目が %zu "
              "件あります。</b>"
              "確認して回答か設定を直すまで、満たしていない扱いです：",
              "<div class=\"box warn\" id=\"contradictions\"><b>%zu answer(s) "
              "are contradicted by automatic evidence.</b> "
              "They count as not met until resolved: "),
            json_array_size(contra));
        size_t i;
        json_t *c;
        json_array_foreach(contra, i, c)
        {
            if (rc != MM_OK || i >= SUMMARY_CONTRA_MAX)
                break;
            rc = put2(o, i ? "<br>" : "<br>", scs_jstr(c, "id"));
            if (rc == MM_OK)
                rc = put2(o, T("：回答「", ": answered \""),
                          scs_answer_label(scs_jstr(c, "answer"), lang));
            const json_t *f =
                json_array_get(json_object_get(c, "findings"), 0);
            if (rc == MM_OK && f)
                rc = put2(o, T("」／自動の証拠「", "\" / evidence: \""),
                          scs_jstr(f, lang == MM_SCS_JA ? "reason_ja"
                                                        : "reason_en"));
            if (rc == MM_OK)
                rc = mm_buf_puts(o, T("」", "\""));
        }
        if (rc == MM_OK && n_contra > SUMMARY_CONTRA_MAX)
            rc = mm_buf_printf(
                o,
                T("<br>ほか %zu 件は全項目の表を参照してください。",
                  "<br>%zu more in the item table."),
                n_contra - SUMMARY_CONTRA_MAX);
        if (rc == MM_OK)
            rc = mm_buf_puts(o, "</div>");
    }
    if (rc == MM_OK && ren) {
        const json_t *prev = json_object_get(ren, "previous");
        rc = put2(o,
                  T("<div class=\"box\" id=\"renewal\"><b>前回（",
                    "<div class=\"box\" id=\"renewal\"><b>Since last time ("),
                  scs_jstr(prev, "assessed_at"));
        if (rc == MM_OK)
            rc = put2(o, T("、達成 ", ", achieved "),
                      scs_jstr(prev, "achieved"));
        if (rc == MM_OK)
            rc = mm_buf_printf(
                o,
                T("）からの変化：</b> 満たすようになった %zu 件、後退 %zu "
                  "件、未対応のまま %zu 件",
                  "):</b> %zu now met, %zu regressed, %zu still open"),
                json_array_size(json_object_get(ren, "became_met")),
                json_array_size(json_object_get(ren, "regressed")),
                json_array_size(json_object_get(ren, "still_open")));
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(ren, "regressed"), i, e)
        {
            if (rc == MM_OK && i < SUMMARY_IDS_MAX)
                rc = put2(o, i ? ", " : T("（後退: ", " (regressed: "),
                          scs_jstr(e, "id"));
            else if (rc == MM_OK && i == SUMMARY_IDS_MAX)
                rc = mm_buf_puts(o, ", …");
        }
        if (rc == MM_OK && json_array_size(json_object_get(ren, "regressed")))
            rc = mm_buf_puts(o, T("）", ")"));
        if (rc == MM_OK)
            rc = mm_buf_puts(o, "</div>");
    }
    const json_t *tier = json_object_get(a, "tier");
    if (rc == MM_OK)
        rc = put2(
            o,
            T("<div class=\"box\" id=\"tier\"><b>お勧めのお助け隊サービス：",
              "<div class=\"box\" id=\"tier\"><b>Suggested service tier: "),
            scs_jstr(tier, "name"));
    if (rc == MM_OK)
        rc = put2(
            o, "</b><br>",
            scs_jstr(tier, lang == MM_SCS_JA ? "reason_ja" : "reason_en"));
    if (rc == MM_OK)
        rc = mm_buf_puts(o, "</div>");
    if (rc == MM_OK && d->conf) {
        rc = put2(o,
                  verified ? "<div class=\"box conf\" id=\"confirmation\"><b>"
                           : "<div class=\"box warn\" id=\"confirmation\"><b>",
                  T("専門家による確認", "Expert confirmation"));
        if (rc == MM_OK)
            rc = put2(o, "：</b>", scs_jstr(d->conf, "expert_name"));
        if (rc == MM_OK)
            rc = put2(o, T("（登録番号 ", " (registration no. "),
                      scs_jstr(d->conf, "registration_no"));
        if (rc == MM_OK)
            rc = put2(o, T("）確認日 ", "), confirmed "),
                      scs_jstr(d->conf, "date"));
        if (rc == MM_OK)
            rc = mm_buf_puts(o, verified ? T("。署名を検証済みです。",
                                             ". Signature verified.")
                                         : T("。署名は未検証です（mamori scs "
                                             "verify で確認できます）。",
                                             ". Signature not verified (check "
                                             "with mamori scs verify)."));
        if (rc == MM_OK)
            rc = put2(o, "<br><span class=\"small\">Ed25519 ",
                      scs_jstr(d->conf, "public_key"));
        if (rc == MM_OK)
            rc = mm_buf_puts(o, "</span></div>");
    }
    const json_t *cat = json_object_get(a, "catalogue");
    if (rc == MM_OK)
        rc = put2(o,
                  T("<p class=\"small\">要求事項カタログ ",
                    "<p class=\"small\">Requirement catalogue "),
                  scs_jstr(cat, "version"));
    size_t ei;
    json_t *ev;
    json_array_foreach(json_object_get(a, "evidence"), ei, ev)
    {
        if (rc != MM_OK)
            break;
        rc = put2(o, ei ? "; " : T("。自動の証拠: ", ". Evidence: "),
                  scs_jstr(ev, "source"));
        if (rc == MM_OK && *scs_jstr(ev, "tenant"))
            rc = put2(o, ":", scs_jstr(ev, "tenant"));
        if (rc == MM_OK)
            rc = put2(o, " ", scs_jstr(ev, "generated_at"));
        if (rc == MM_OK && json_is_true(json_object_get(ev, "stale")))
            rc = mm_buf_puts(
                o,
                T("（診断日から30日以上離れているため不使用）",
                  " (not used: more than 30 days from the assessment date)"));
    }
    if (rc == MM_OK)
        rc = put2(o, ". ",
                  scs_jstr(cat, lang == MM_SCS_JA ? "note_ja" : "note_en"));
    if (rc == MM_OK)
        rc = mm_buf_puts(o, "</p></section>");
    return rc;
}

static mm_rc gap_page(mm_buf *o, const json_t *a, mm_scs_lang lang)
{
    const json_t *gaps = json_object_get(a, "gaps");
    if (!json_array_size(gaps))
        return MM_OK;
    mm_rc rc = mm_buf_printf(
        o,
        T("<section id=\"gaps\" "
          "class=\"page\"><h2>足りない項目と次にやること（%zu 件）</h2><ul>",
          "<section id=\"gaps\" class=\"page\"><h2>Gaps and next steps "
          "(%zu)</h2><ul>"),
        json_array_size(gaps));
    size_t i;
    json_t *g;
    json_array_foreach(gaps, i, g)
    {
        if (rc == MM_OK)
            rc = gap_li(o, g, lang, true);
    }
    if (rc == MM_OK)
        rc = mm_buf_puts(o, "</ul></section>");
    return rc;
}

static mm_rc item_table(mm_buf *o, const json_t *a, mm_scs_lang lang)
{
    mm_rc rc = mm_buf_puts(
        o, T("<section id=\"items\" class=\"page\"><h2>全項目</h2><table><tr>"
             "<th>ID</th><th>レベル</th><th>大分類</th><th>要求事項</th>"
             "<th>回答</th><th>自動の証拠</th><th>判定</th></tr>",
             "<section id=\"items\" class=\"page\"><h2>All "
             "criteria</h2><table><tr>"
             "<th>ID</th><th>Level</th><th>Category</th><th>Requirement</th>"
             "<th>Answer</th><th>Evidence</th><th>Status</th></tr>"));
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(a, "items"), i, it)
    {
        if (rc != MM_OK)
            break;
        const char *st = scs_jstr(it, "status");
        const char *cls = json_is_true(json_object_get(it, "met")) ? "s-met"
                          : strcmp(st, "contradicted") == 0        ? "s-c"
                                                                   : "s-no";
        rc = put2(o, "<tr><td class=\"id\">", scs_jstr(it, "id"));
        if (rc == MM_OK)
            rc = mm_buf_printf(
                o, "</td><td class=\"id\">★%lld%s</td><td>",
                (long long)json_integer_value(json_object_get(it, "level")),
                json_is_true(json_object_get(it, "stricter"))
                    ? T("（厳格化）", " (stricter)")
                    : "");
        if (rc == MM_OK)
            rc = esc(o, scs_category_label(scs_jstr(it, "category"), lang));
        if (rc == MM_OK)
            rc = put2(o, "</td><td>",
                      scs_jstr(it, lang == MM_SCS_JA ? "text_ja" : "text_en"));
        if (rc == MM_OK && *scs_jstr(it, "note"))
            rc = put2(o, "<br><span class=\"small\">", scs_jstr(it, "note")),
            rc = rc == MM_OK ? mm_buf_puts(o, "</span>") : rc;
        if (rc == MM_OK)
            rc = put2(o, "</td><td>",
                      scs_answer_label(scs_jstr(it, "answer"), lang));
        if (rc == MM_OK)
            rc = mm_buf_puts(o, "</td><td>");
        size_t k;
        json_t *f;
        json_array_foreach(json_object_get(it, "findings"), k, f)
        {
            if (rc != MM_OK)
                break;
            rc = put2(o, k ? "<br>" : "",
                      strcmp(scs_jstr(f, "verdict"), "supports") == 0
                          ? T("裏付け: ", "supports: ")
                          : T("反証: ", "contradicts: "));
            if (rc == MM_OK)
                rc = esc(o, scs_jstr(f, lang == MM_SCS_JA ? "reason_ja"
                                                          : "reason_en"));
        }
        if (rc == MM_OK)
            rc = mm_buf_printf(o, "</td><td class=\"%s\">", cls);
        if (rc == MM_OK)
            rc = esc(o, scs_status_label(st, lang));
        if (rc == MM_OK)
            rc = mm_buf_puts(o, "</td></tr>");
    }
    if (rc == MM_OK)
        rc = mm_buf_puts(o, "</table></section>");
    return rc;
}

mm_rc mm_scs_report_html(const char *json_text, size_t len, mm_scs_lang lang,
                         bool verified, mm_buf *o, mm_err *err)
{
    scs_doc d;
    mm_rc rc = scs_doc_open(&d, json_text, len, err);
    if (rc != MM_OK)
        return rc;
    rc = mm_buf_printf(
        o,
        "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width\">"
        "<title>",
        lang == MM_SCS_JA ? "ja" : "en");
    if (rc == MM_OK)
        rc = esc(o, T("SCS評価制度 診断結果 — ", "SCS assessment — "));
    if (rc == MM_OK)
        rc = esc(o, scs_jstr(json_object_get(d.a, "organisation"), "name"));
    if (rc == MM_OK)
        rc = mm_buf_printf(o, "</title><style>%s</style></head><body>\n", css);
    if (rc == MM_OK)
        rc = summary(o, &d, lang, verified);
    if (rc == MM_OK)
        rc = gap_page(o, d.a, lang);
    if (rc == MM_OK)
        rc = item_table(o, d.a, lang);
    if (rc == MM_OK)
        rc = mm_buf_puts(o, "\n</body></html>\n");
    scs_doc_close(&d);
    if (rc != MM_OK)
        return mm_err_set(err, rc, "", 0, "report too large or out of memory");
    return MM_OK;
}
