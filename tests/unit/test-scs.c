/* SPDX-License-Identifier: Apache-2.0 */
/* test-scs.c — unit tests of the scs module: catalogue loader errors, the
 * ★ decision, evidence support and contradiction, renewal, the canonical
 * form, and sign/verify with tampering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "scs.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static mm_scs_catalogue *load_real(void)
{
    const char *src = getenv("SRCDIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/data/scs/catalogue.txt", src ? src : ".");
    mm_scs_catalogue *cat = NULL;
    mm_err err;
    mm_rc rc = mm_scs_catalogue_load(path, &cat, &err);
    if (rc != MM_OK)
        fail_msg("cannot load %s: %s", path, err.msg);
    return cat;
}

static const char *const published_ids[26] = {
    "1-2-1", "1-3-1", "1-4-1", "2-1-1", "2-1-2", "2-1-3", "2-1-4",
    "3-1-1", "3-1-2", "3-1-3", "3-2-1", "4-1-1", "4-1-2", "4-1-4",
    "4-1-5", "4-3-1", "4-3-2", "4-4-1", "4-4-3", "4-4-4", "4-5-1",
    "4-5-2", "5-1-1", "5-1-2", "6-1-1", "7-1-1",
};

static void test_catalogue_real(void **state)
{
    (void)state;
    mm_scs_catalogue *cat = load_real();
    assert_int_equal(cat->n_items, 58); /* 26 SCS, 6 ★1, 26 ★2 */
    for (size_t i = 0; i < 26; i++)
        assert_non_null(mm_scs_catalogue_find(cat, published_ids[i]));
    assert_null(mm_scs_catalogue_find(cat, "9-9-9"));
    size_t crit = 0, lvl3 = 0, sa[3] = {0};
    for (size_t i = 0; i < cat->n_items; i++) {
        int l = cat->items[i].crit[0].level;
        if (l <= 2) {
            sa[l]++;
            continue;
        }
        crit += cat->items[i].n_crit;
        lvl3 += l == 3;
    }
    assert_int_equal(crit, 29);
    assert_int_equal(lvl3, 16);
    assert_int_equal(sa[1], 6);  /* the 5 articles + backups */
    assert_int_equal(sa[2], 26); /* the 25 questions + basic policy */
    assert_true(cat->partial);
    assert_int_equal(cat->items_total4, 44);
    const mm_scs_item *it = mm_scs_catalogue_find(cat, "5-1-1");
    assert_int_equal(it->n_crit, 2);
    assert_string_equal(it->crit[0].text_ja, "ネットワーク接続・データの監視");
    assert_string_equal(it->crit[1].text_ja,
                        "情報機器等の状態、挙動の監視・対応や分析");
    it = mm_scs_catalogue_find(cat, "3-1-3");
    assert_true(it->has_also);
    assert_int_equal(it->also_category, MM_SCS_CAT_PARTNERS);
    mm_scs_catalogue_free(cat);
}

#define HDR                                                                   \
    "format = mamori-scs-catalogue 1\nversion = t1\nsource = test\ncoverage " \
    "= partial\n"
#define ITEM(id, extra)                                                       \
    "[item " id "]\ncategory = governance\ncsf = GV\nkind = organisational\n" \
    "level = 3\ngroup_ja = g\ngroup_en = g\ntext_ja = t\ntext_en = t\n"       \
    "help = role\nnext_ja = n\nnext_en = n\n" extra

static void test_catalogue_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *want; /* substring of "file:line: msg" */
    } cases[] = {
        {HDR ITEM("1-2-1", "") ITEM("1-2-1", ""),
         "bad.cat:17: 項目IDが重複しています / duplicate item ID 1-2-1 (first "
         "at line 5)"},
        {HDR "[item 1-2-1]\ncategory = finance\n",
         "bad.cat:6: 不明な大分類です / unknown category 'finance'"},
        {HDR "[item 1-2-1]\nlevel = 5\n",
         "bad.cat:6: 不明なレベルです / unknown level '5'"},
        {HDR "[item 1-2-1]\ncategory = governance\n",
         "bad.cat:5: 項目 1-2-1 に 'csf' がありません"},
        {HDR ITEM("1-2-1", "colour = red\n"),
         "bad.cat:17: 不明なキーです / unknown key 'colour'"},
        {HDR ITEM("1-2-1", "text4_ja = x\n"),
         "bad.cat:17: 'text_ja' の ★4 版は level = 3+4"},
        {HDR "[item 4-5-1]\ncategory = protect\ncsf = PR\nkind = "
             "technical\nlevel = 3+4\n"
             "group_ja = g\ngroup_en = g\ntext_ja = t\ntext_en = t\nhelp = "
             "it-tool\n"
             "next_ja = n\nnext_en = n\n",
         "bad.cat:5: 項目 4-5-1 は level = 3+4 なので 'group4_ja' が必要です"},
        {HDR ITEM("1-2-1", "evidence = smoke:signals within 7d\n"),
         "bad.cat:17: 不明な証拠の種類です / unknown evidence probe 'smoke'"},
        {HDR ITEM("1-2-1", "evidence = seen:netfilter within 7x\n"),
         "bad.cat:17: 証拠の期間が不正です"},
        {HDR ITEM("1-2-1", "category = detect\n"),
         "bad.cat:17: 'category' が重複しています / duplicate key 'category' "
         "(first at line 6)"},
        {"format = other 2\n", "bad.cat:1: 未対応の形式です"},
        {"version = x\nsource = y\ncoverage = partial\n" ITEM("1-2-1", ""),
         "bad.cat:1: ヘッダーに 'format' がありません"},
        {HDR "[item 12-x-1]\n",
         "bad.cat:5: 項目IDが不正です / bad item ID '12-x-1'"},
        {HDR "[item 1-2-1]\ncategory = gov\xff\n",
         "bad.cat:6: UTF-8 として不正か制御文字を含みます"},
        {HDR "[item 1-2-1]\njust words\n",
         "bad.cat:6: 'key = value' の形ではありません"},
        {HDR "version = again\n", "bad.cat:5: 'version' が重複しています"},
        {HDR, "bad.cat:4: 項目がありません"},
        {HDR ITEM("1-2-1", "") "coverage = partial\n",
         "bad.cat:17: 'coverage' はファイルの先頭"},
        {HDR ITEM("1-2-1", "help = magic\n"),
         "bad.cat:17: 'help' が重複しています"},
        {HDR ITEM("1-2-1", "csf = XX\n"),
         "bad.cat:17: 'csf' が重複しています"},
        {HDR "[item 1-2-1]\ncsf = XX\n", "bad.cat:6: 不明な CSF 機能です"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mm_scs_catalogue *cat = (mm_scs_catalogue *)1;
        mm_err err;
        memset(&err, 0, sizeof err);
        mm_rc rc = mm_scs_catalogue_parse(cases[i].text, strlen(cases[i].text),
                                          "bad.cat", &cat, &err);
        char msg[1024];
        mm_err_format(&err, msg, sizeof msg);
        if (rc == MM_OK || !strstr(msg, cases[i].want))
            fail_msg("case %zu: got rc %d '%s', want '%s'", i, rc, msg,
                     cases[i].want);
        assert_null(cat);
    }
    /* a good minimal catalogue parses, and an added item needs no code */
    mm_scs_catalogue *cat = NULL;
    const char *good = HDR ITEM("1-2-1", "")
        ITEM("9-1-1", "evidence = seen:* within 7d; feed within 3d\n");
    assert_int_equal(
        mm_scs_catalogue_parse(good, strlen(good), "good", &cat, NULL), MM_OK);
    assert_int_equal(cat->n_items, 2);
    assert_int_equal(mm_scs_catalogue_find(cat, "9-1-1")->crit[0].n_probes, 2);
    mm_scs_catalogue_free(cat);
}

/* ---- answers helpers
 * -------------------------------------------------------- */

/* Every SCS item (★3/★4; the SECURITY ACTION rungs are left out, so
 * they stay unknown) answered `base`, then "id=value" overrides (value may
 * be a JSON fragment when it starts with '{'). */
static char *answers_json(const mm_scs_catalogue *cat, const char *target,
                          const char *base, const char *const *over,
                          size_t n_over, const char *extra_top)
{
    json_t *ans = json_object();
    for (size_t i = 0; i < cat->n_items; i++)
        if (cat->items[i].crit[0].level >= 3)
            json_object_set_new(ans, cat->items[i].id, json_string(base));
    for (size_t i = 0; i < n_over; i++) {
        char id[16];
        const char *eq = strchr(over[i], '=');
        snprintf(id, sizeof id, "%.*s", (int)(eq - over[i]), over[i]);
        if (eq[1] == '{')
            json_object_set_new(ans, id, json_loads(eq + 1, 0, NULL));
        else if (strcmp(eq + 1, "-") == 0)
            json_object_del(ans, id);
        else
            json_object_set_new(ans, id, json_string(eq + 1));
    }
    json_t *doc =
        json_pack("{s:{s:s, s:b}, s:s, s:s, s:o}", "organisation", "name",
                  "テスト株式会社 <b>&", "onsite_responder", 0, "target",
                  target, "assessed_at", "2026-11-20", "answers", ans);
    if (extra_top) {
        json_t *x = json_loads(extra_top, 0, NULL);
        json_object_update(doc, x);
        json_decref(x);
    }
    char *s = json_dumps(doc, JSON_INDENT(1));
    json_decref(doc);
    return s;
}

static mm_scs_assessment *run(const mm_scs_catalogue *cat, const char *answers,
                              const char *const *ev_texts, size_t n_ev,
                              const char *prev)
{
    mm_scs_answers *ans = NULL;
    mm_err err;
    if (mm_scs_answers_parse(answers, strlen(answers), "answers.json", cat,
                             &ans, &err) != MM_OK)
        fail_msg("answers: %s (line %u)", err.msg, err.line);
    mm_scs_evidence *ev[4] = {0};
    for (size_t i = 0; i < n_ev; i++)
        if (mm_scs_evidence_parse(ev_texts[i], strlen(ev_texts[i]), "ev",
                                  &ev[i], &err) != MM_OK)
            fail_msg("evidence: %s", err.msg);
    mm_scs_assessment *as = NULL;
    if (mm_scs_assess(cat, ans, ev, n_ev, prev, prev ? strlen(prev) : 0,
                      "prev", "2026-11-21", &as, &err) != MM_OK)
        fail_msg("assess: %s", err.msg);
    for (size_t i = 0; i < n_ev; i++)
        mm_scs_evidence_free(ev[i]);
    mm_scs_answers_free(ans);
    return as;
}

static mm_scs_status st(const mm_scs_assessment *as, const char *id, int level)
{
    mm_scs_status s;
    assert_int_equal(mm_scs_status_of(as, id, level, &s), MM_OK);
    return s;
}

static void test_decision(void **state)
{
    (void)state;
    mm_scs_catalogue *cat = load_real();
    /* all met -> ★4 */
    char *a = answers_json(cat, "★4", "yes", NULL, 0, NULL);
    mm_scs_assessment *as = run(cat, a, NULL, 0, NULL);
    assert_int_equal(mm_scs_achieved(as), 4);
    assert_int_equal(mm_scs_gap_count(as), 0);
    mm_scs_assessment_free(as);
    free(a);
    /* all ★3 met, some ★4 unmet (incl. a stricter criterion) -> ★3 */
    static const char *const s3[] = {"4-5-2=no", "1-4-1=-",
                                     "5-1-1={\"3\":\"yes\",\"4\":\"no\"}"};
    a = answers_json(cat, "★4", "yes", s3, 3, NULL);
    as = run(cat, a, NULL, 0, NULL);
    assert_int_equal(mm_scs_achieved(as), 3);
    assert_int_equal(mm_scs_gap_count(as), 3);
    assert_int_equal(st(as, "5-1-1", 3), MM_SCS_ST_MET);
    assert_int_equal(st(as, "5-1-1", 4), MM_SCS_ST_NOT_MET);
    assert_int_equal(st(as, "1-4-1", 4), MM_SCS_ST_UNKNOWN);
    mm_scs_assessment_free(as);
    free(a);
    /* one ★3 item unmet -> none, even with every ★4 item met */
    static const char *const s0[] = {"6-1-1=no"};
    a = answers_json(cat, "★3", "yes", s0, 1, NULL);
    as = run(cat, a, NULL, 0, NULL);
    assert_int_equal(mm_scs_achieved(as), 0);
    assert_int_equal(mm_scs_gap_count(as),
                     1); /* only ★3 gaps for a ★3 target */
    mm_scs_assessment_free(as);
    free(a);
    /* an item left out counts as unknown = not met */
    static const char *const su[] = {"1-2-1=-"};
    a = answers_json(cat, "★3", "yes", su, 1, NULL);
    as = run(cat, a, NULL, 0, NULL);
    assert_int_equal(mm_scs_achieved(as), 0);
    assert_int_equal(st(as, "1-2-1", 3), MM_SCS_ST_UNKNOWN);
    mm_scs_assessment_free(as);
    free(a);
    /* the stricter ★4 criterion alone keeps ★3 */
    static const char *const s7[] = {
        "7-1-1={\"3\":\"yes\",\"4\":\"unknown\"}"};
    a = answers_json(cat, "★4", "はい", s7, 1, NULL);
    as = run(cat, a, NULL, 0, NULL);
    assert_int_equal(mm_scs_achieved(as), 3);
    mm_scs_assessment_free(as);
    free(a);
    mm_scs_catalogue_free(cat);
}

/* The bounded text fields of the answers (scs_str_ok): an organisation
 * value of 512 bytes and a key of 64 pass, one byte more fails. */
static void test_answers_bounds(void **state)
{
    (void)state;
    mm_scs_catalogue *cat = load_real();
    static const struct {
        size_t value, key;
        const char *want; /* NULL: accepted */
    } cases[] = {
        {512, 4, NULL},
        {513, 4, "organisation.name is too long"},
        {1, 64, NULL},
        {1, 65, "bad organisation key"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char value[600], key[80], extra[800];
        memset(value, 'v', cases[i].value);
        value[cases[i].value] = '\0';
        memset(key, 'k', cases[i].key);
        key[cases[i].key] = '\0';
        snprintf(extra, sizeof extra,
                 "{\"organisation\":{\"name\":\"%s\",\"%s\":1}}", value, key);
        char *a = answers_json(cat, "★3", "yes", NULL, 0, extra);
        mm_scs_answers *ans = NULL;
        mm_err err;
        memset(&err, 0, sizeof err);
        mm_rc rc =
            mm_scs_answers_parse(a, strlen(a), "a.json", cat, &ans, &err);
        if (cases[i].want ? rc != MM_EPARSE || !strstr(err.msg, cases[i].want)
                          : rc != MM_OK)
            fail_msg("case %zu: rc %d '%s'", i, rc, err.msg);
        mm_scs_answers_free(ans);
        free(a);
    }
    mm_scs_catalogue_free(cat);
}

static void test_answers_errors(void **state)
{
    (void)state;
    mm_scs_catalogue *cat = load_real();
    static const struct {
        const char *over;
        const char *extra;
        const char *want;
    } cases[] = {
        {"9-9-9=yes", NULL, "unknown requirement ID \"9-9-9\""},
        {"1-2-1={\"4\":\"yes\"}", NULL,
         "1-2-1: この項目に ★4 の基準はありません"},
        {"1-2-1=maybe", NULL,
         "the answer must be \"yes\", \"no\" or \"unknown\""},
        {"5-1-1={\"answer\":\"yes\",\"3\":\"no\"}", NULL,
         "give either \"answer\" or per-level"},
        {"5-1-1={\"5\":\"yes\"}", NULL, "unknown key \"5\""},
        {NULL, "{\"target\":\"★5\"}",
         "\"target\" must be \"★1\", \"★2\", \"★3\" or \"★4\""},
        {NULL, "{\"organisation\":{\"employees\":3}}", "organisation.name"},
        {NULL, "{\"organisation\":{\"name\":\"a\",\"rating\":1.5}}",
         "organisation.rating must be"},
        {NULL, "{\"inventory\":{\"networks\":[\"10.0.0.0/33\"]}}",
         "inventory.networks[0]"},
        {NULL, "{\"answerz\":{}}", "unknown key \"answerz\""},
        {NULL, "{\"assessed_at\":\"2026-02-30\"}",
         "assessed_at must be a date"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *ov[1] = {cases[i].over};
        char *a = answers_json(cat, "★3", "yes", ov, cases[i].over ? 1 : 0,
                               cases[i].extra);
        mm_scs_answers *ans = (mm_scs_answers *)1;
        mm_err err;
        memset(&err, 0, sizeof err);
        mm_rc rc =
            mm_scs_answers_parse(a, strlen(a), "a.json", cat, &ans, &err);
        if (rc != MM_EPARSE || !strstr(err.msg, cases[i].want))
            fail_msg("case %zu: rc %d '%s', want '%s'", i, rc, err.msg,
                     cases[i].want);
        assert_null(ans);
        free(a);
    }
    /* malformed and duplicate keys: line numbers from the parser */
    static const char *const bad[] = {
        "{\"organisation\":{\"name\":\"x\"},\n\"target\":\"★3\",\n\"answers\":"
        "{\"1-2-1\":\"yes\",}}",
        "{\"organisation\":{\"name\":\"x\"},\"target\":\"★3\",\"answers\":{"
        "\n\"1-2-1\":\"yes\",\n\"1-2-1\":\"no\"}}",
        "",
        "[]",
        "\"yes\"",
    };
    static const char *const want[] = {
        "a.json:3:", "a.json:3:", "a.json:", "a.json:", "a.json:"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        mm_scs_answers *ans = NULL;
        mm_err err;
        memset(&err, 0, sizeof err);
        assert_int_equal(mm_scs_answers_parse(bad[i], strlen(bad[i]), "a.json",
                                              cat, &ans, &err),
                         MM_EPARSE);
        char msg[1024];
        mm_err_format(&err, msg, sizeof msg);
        if (!strstr(msg, want[i]))
            fail_msg("bad %zu: '%s'", i, msg);
    }
    /* the unknown ID's line is found */
    const char *u = "{\"organisation\":{\"name\":\"x\"},\n\"target\":\"★3\","
                    "\n\"answers\":{\n\"1-2-1\":\"yes\",\n\"9-9-9\":\"no\"}}";
    mm_scs_answers *ans = NULL;
    mm_err err;
    assert_int_equal(
        mm_scs_answers_parse(u, strlen(u), "a.json", cat, &ans, &err),
        MM_EPARSE);
    assert_int_equal(err.line, 5);
    mm_scs_catalogue_free(cat);
}

static const char ev_good[] =
    "{\"source\":\"sensor\",\"tenant\":\"t1\",\"generated_at\":\"2026-11-"
    "20T09:00:00+09:00\","
    "\"window_days\":30,\"datasets_seen\":{\"netfilter\":{\"last_seen\":"
    "\"2026-11-19T23:00:00Z\","
    "\"events\":100,\"denied\":7},\"sshd\":{\"last_seen\":\"2026-11-19T10:00:"
    "00Z\",\"events\":5}},"
    "\"hosts_observed\":12,\"networks_observed\":[\"192.168.10.0/"
    "24\",\"10.1.0.0/16\"],"
    "\"feed\":{\"applied\":true,\"last_pull\":\"2026-11-19T23:50:00Z\","
    "\"blocking\":\"nftables\"}}";
static const char ev_bad[] =
    "{\"source\":\"sensor\",\"generated_at\":\"2026-11-20T00:00:00Z\","
    "\"window_days\":30,"
    "\"datasets_seen\":{\"netfilter\":{\"last_seen\":\"2026-10-01T00:00:00Z\","
    "\"events\":3},"
    "\"sshd\":{\"last_seen\":\"2026-11-19T10:00:00Z\",\"events\":5}},"
    "\"feed\":{\"applied\":false,\"last_pull\":null,\"blocking\":\"none\"}}";
static const char ev_short[] = "{\"source\":\"hub\",\"generated_at\":\"2026-"
                               "11-20T00:00:00Z\",\"window_days\":2}";

static void test_evidence(void **state)
{
    (void)state;
    mm_scs_catalogue *cat = load_real();
    /* support: unknown -> met by evidence; yes stays met */
    static const char *const o1[] = {"4-4-3=unknown", "5-1-1=yes", "4-5-2=-"};
    char *a = answers_json(cat, "★4", "yes", o1, 3, NULL);
    const char *e1[] = {ev_good};
    mm_scs_assessment *as = run(cat, a, e1, 1, NULL);
    assert_int_equal(st(as, "4-4-3", 4), MM_SCS_ST_MET_BY_EVIDENCE);
    assert_int_equal(st(as, "4-5-2", 4), MM_SCS_ST_MET_BY_EVIDENCE);
    assert_int_equal(st(as, "5-1-1", 3), MM_SCS_ST_MET);
    assert_int_equal(mm_scs_contradiction_count(as), 0);
    assert_int_equal(mm_scs_achieved(as), 4);
    mm_scs_assessment_free(as);
    free(a);
    /* contradiction: yes with no recent network logs / feed not applied */
    a = answers_json(cat, "★4", "yes", NULL, 0, NULL);
    const char *e2[] = {ev_bad};
    as = run(cat, a, e2, 1, NULL);
    assert_int_equal(st(as, "5-1-1", 3), MM_SCS_ST_CONTRADICTED);
    assert_int_equal(st(as, "4-5-2", 4), MM_SCS_ST_CONTRADICTED);
    assert_int_equal(st(as, "4-4-3", 4), MM_SCS_ST_MET); /* sshd is recent */
    assert_int_equal(mm_scs_contradiction_count(as), 2);
    assert_int_equal(mm_scs_achieved(as), 0); /* 5-1-1 is a ★3 item */
    mm_buf b;
    mm_buf_init(&b, 0);
    assert_int_equal(mm_scs_assessment_json(as, false, &b), MM_OK);
    assert_non_null(strstr(b.data, "\"contradictions\":[{"));
    assert_non_null(
        strstr(b.data, "netfilter/fortigate/kv logs for 7 days or more"));
    mm_buf_free(&b);
    mm_scs_assessment_free(as);
    free(a);
    /* a "no" that evidence supports is also a contradiction, not a flip */
    static const char *const o3[] = {"4-5-2=no"};
    a = answers_json(cat, "★4", "yes", o3, 1, NULL);
    as = run(cat, a, e1, 1, NULL);
    assert_int_equal(st(as, "4-5-2", 4), MM_SCS_ST_CONTRADICTED);
    assert_int_equal(mm_scs_achieved(as), 3);
    mm_scs_assessment_free(as);
    free(a);
    /* a window shorter than the probe says nothing */
    const char *e3[] = {ev_short};
    a = answers_json(cat, "★4", "yes", NULL, 0, NULL);
    as = run(cat, a, e3, 1, NULL);
    assert_int_equal(mm_scs_contradiction_count(as), 0);
    assert_int_equal(mm_scs_achieved(as), 4);
    mm_scs_assessment_free(as);
    free(a);
    /* inventory: more hosts seen than declared, a network not declared */
    a = answers_json(
        cat, "★3", "yes", NULL, 0,
        "{\"inventory\":{\"hosts\":5,\"networks\":[\"192.168.0.0/16\"]}}");
    as = run(cat, a, e1, 1, NULL);
    assert_int_equal(st(as, "3-1-1", 3), MM_SCS_ST_CONTRADICTED);
    assert_int_equal(st(as, "3-1-2", 3), MM_SCS_ST_CONTRADICTED);
    mm_scs_assessment_free(as);
    free(a);
    a = answers_json(cat, "★3", "yes", NULL, 0,
                     "{\"inventory\":{\"hosts\":40,\"networks\":[\"192.168.0."
                     "0/16\",\"10.0.0.0/8\"]}}");
    as = run(cat, a, e1, 1, NULL);
    assert_int_equal(st(as, "3-1-1", 3), MM_SCS_ST_MET);
    assert_int_equal(st(as, "3-1-2", 3), MM_SCS_ST_MET);
    mm_scs_assessment_free(as);
    free(a);
    /* two files: a contradiction in either one is shown */
    const char *e4[] = {ev_good, ev_bad};
    a = answers_json(cat, "★4", "yes", NULL, 0, NULL);
    as = run(cat, a, e4, 2, NULL);
    assert_int_equal(st(as, "5-1-1", 3), MM_SCS_ST_CONTRADICTED);
    mm_scs_assessment_free(as);
    free(a);
    /* evidence from another time (over 30 days before the assessment) is
     * listed as stale and not used */
    static const char *const o5[] = {"4-4-3=unknown"};
    a = answers_json(cat, "★4", "yes", o5, 1,
                     "{\"assessed_at\":\"2027-01-30\"}");
    as = run(cat, a, e1, 1, NULL);
    assert_int_equal(st(as, "4-4-3", 4), MM_SCS_ST_UNKNOWN);
    char *js = NULL;
    {
        mm_buf jb;
        mm_buf_init(&jb, 0);
        assert_int_equal(mm_scs_assessment_json(as, false, &jb), MM_OK);
        js = jb.data;
    }
    assert_non_null(strstr(js, "\"stale\":true"));
    free(js);
    mm_scs_assessment_free(as);
    free(a);
    /* malformed evidence */
    static const char *const badev[] = {
        "{\"source\":\"cloud\",\"generated_at\":\"2026-11-20T00:00:00Z\","
        "\"window_days\":3}",
        "{\"source\":\"hub\",\"generated_at\":\"yesterday\",\"window_days\":"
        "3}",
        "{\"source\":\"hub\",\"generated_at\":\"2026-11-20T00:00:00Z\","
        "\"window_days\":0}",
        "{\"source\":\"hub\",\"generated_at\":\"2026-11-20T00:00:00Z\","
        "\"window_days\":3,\"networks_observed\":[\"x\"]}",
        "{\"source\":\"hub\",\"generated_at\":\"2026-11-20T00:00:00Z\","
        "\"window_days\":3,\"datasets_seen\":{\"kv\":{\"events\":-1}}}",
        "{\"source\":\"hub\",\"generated_at\":\"2026-11-20T00:00:00Z\","
        "\"window_days\":3,\"feed\":{\"applied\":\"yes\"}}",
        "{",
    };
    for (size_t i = 0; i < sizeof badev / sizeof *badev; i++) {
        mm_scs_evidence *ev = NULL;
        mm_err err;
        assert_int_equal(
            mm_scs_evidence_parse(badev[i], strlen(badev[i]), "e", &ev, &err),
            MM_EPARSE);
        assert_null(ev);
    }
    mm_scs_catalogue_free(cat);
}

static void test_evidence_write(void **state)
{
    (void)state;
    mm_scs_catalogue *cat = load_real();
    const int64_t now = mm_time_from_civil(2026, 11, 20, 0, 0, 0) * 1000;
    mm_scs_dataset_seen ds[] = {
        {"netfilter", now - 3600 * 1000, 500, 20},
        {"sshd", 0, 0, 0},
    };
    const char *const nets[] = {"192.168.1.0/24"};
    mm_scs_evidence_state es = {
        .source = "sensor",
        .tenant = "t",
        .generated_at_ms = now,
        .window_days = 30,
        .datasets = ds,
        .n_datasets = 2,
        .has_hosts = true,
        .hosts_observed = 9,
        .networks = nets,
        .n_networks = 1,
        .has_feed = true,
        .feed_applied = true,
        .feed_last_pull_ms = now - 60000,
        .blocking = "nftables",
    };
    mm_buf b;
    mm_buf_init(&b, 0);
    mm_err err;
    assert_int_equal(mm_scs_evidence_write(&es, &b, &err), MM_OK);
    assert_non_null(strstr(b.data, "\"last_seen\": null"));
    /* what is written is read back and supports the items */
    static const char *const o[] = {"5-1-1=unknown", "4-5-2=unknown",
                                    "3-1-1=unknown"};
    char *a = answers_json(cat, "★4", "yes", o, 3, NULL);
    const char *e[] = {b.data};
    mm_scs_assessment *as = run(cat, a, e, 1, NULL);
    assert_int_equal(st(as, "5-1-1", 3), MM_SCS_ST_MET_BY_EVIDENCE);
    assert_int_equal(st(as, "4-5-2", 4), MM_SCS_ST_MET_BY_EVIDENCE);
    assert_int_equal(st(as, "3-1-1", 3), MM_SCS_ST_MET_BY_EVIDENCE);
    mm_scs_assessment_free(as);
    free(a);
    /* a bad network is refused, nothing appended */
    const char *const badnets[] = {"not-a-cidr"};
    es.networks = badnets;
    mm_buf_reset(&b);
    assert_int_equal(mm_scs_evidence_write(&es, &b, &err), MM_EINVAL);
    assert_int_equal(b.len, 0);
    mm_buf_free(&b);
    mm_scs_catalogue_free(cat);
}

static char *as_json(const mm_scs_assessment *as, bool pretty)
{
    mm_buf b;
    mm_buf_init(&b, 0);
    assert_int_equal(mm_scs_assessment_json(as, pretty, &b), MM_OK);
    return b.data;
}

static void test_renewal(void **state)
{
    (void)state;
    mm_scs_catalogue *cat = load_real();
    static const char *const p[] = {"6-1-1=no", "4-3-2=no"};
    char *a = answers_json(cat, "★4", "yes", p, 2, NULL);
    mm_scs_assessment *as = run(cat, a, NULL, 0, NULL);
    char *prev = as_json(as, true);
    mm_scs_assessment_free(as);
    free(a);
    static const char *const c[] = {"4-4-1=no", "4-3-2=no"};
    a = answers_json(cat, "★4", "yes", c, 2, NULL);
    as = run(cat, a, NULL, 0, prev);
    char *cur = as_json(as, false);
    json_t *d = json_loads(cur, 0, NULL);
    json_t *r = json_object_get(d, "renewal");
    assert_non_null(r);
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(json_object_get(r, "became_met"), 0), "id")),
        "6-1-1");
    assert_int_equal(json_array_size(json_object_get(r, "became_met")), 1);
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(json_object_get(r, "regressed"), 0), "id")),
        "4-4-1");
    assert_int_equal(json_array_size(json_object_get(r, "regressed")), 1);
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(json_object_get(r, "still_open"), 0), "id")),
        "4-3-2");
    assert_int_equal(json_array_size(json_object_get(r, "new")), 0);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(r, "previous"), "achieved")),
                        "none");
    json_decref(d);
    free(cur);
    mm_scs_assessment_free(as);
    /* a previous file that is not an assessment is an error */
    mm_scs_answers *ans = NULL;
    assert_int_equal(mm_scs_answers_parse(a, strlen(a), "a", cat, &ans, NULL),
                     MM_OK);
    mm_err err;
    assert_int_equal(mm_scs_assess(cat, ans, NULL, 0, "{\"x\":1}", 7,
                                   "old.json", "2026-11-21", &as, &err),
                     MM_EPARSE);
    assert_string_equal(err.file, "old.json");
    mm_scs_answers_free(ans);
    free(a);
    free(prev);
    mm_scs_catalogue_free(cat);
}

static void test_canonical(void **state)
{
    (void)state;
    mm_scs_catalogue *cat = load_real();
    char *a = answers_json(cat, "★3", "yes", NULL, 0, NULL);
    const char *e1[] = {ev_good};
    mm_scs_assessment *x = run(cat, a, e1, 1, NULL);
    mm_scs_assessment *y = run(cat, a, e1, 1, NULL);
    char *cx = as_json(x, false), *cy = as_json(y, false);
    assert_string_equal(cx, cy);
    /* the canonical form re-serialises to itself */
    json_t *j = json_loads(cx, 0, NULL);
    char *again = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
    assert_string_equal(cx, again);
    /* and carries what must be signed */
    assert_non_null(json_object_get(j, "organisation"));
    assert_non_null(
        json_object_get(json_object_get(j, "catalogue"), "sha256"));
    assert_int_equal(
        strlen(json_string_value(json_object_get(
            json_array_get(json_object_get(j, "evidence"), 0), "sha256"))),
        64);
    free(again);
    json_decref(j);
    free(cx);
    free(cy);
    mm_scs_assessment_free(x);
    mm_scs_assessment_free(y);
    free(a);
    mm_scs_catalogue_free(cat);
}

static void test_sign_verify(void **state)
{
    (void)state;
    mm_scs_catalogue *cat = load_real();
    char *a = answers_json(cat, "★3", "yes", NULL, 0, NULL);
    mm_scs_assessment *as = run(cat, a, NULL, 0, NULL);
    char *doc = as_json(as, true);
    char pk[MM_SCS_PK_HEX + 1], sk[MM_SCS_SK_HEX + 1];
    char pk2[MM_SCS_PK_HEX + 1], sk2[MM_SCS_SK_HEX + 1];
    assert_int_equal(mm_scs_keygen(pk, sk), MM_OK);
    assert_int_equal(mm_scs_keygen(pk2, sk2), MM_OK);
    mm_scs_expert ex = {"山田 太郎", "012345", "2026-11-21", NULL};
    mm_buf c;
    mm_buf_init(&c, 0);
    mm_err err;
    assert_int_equal(mm_scs_confirm(doc, strlen(doc), "a", &ex, sk, &c, &err),
                     MM_OK);
    assert_int_equal(mm_scs_verify(c.data, c.len, "c", NULL, &err), MM_OK);
    assert_int_equal(mm_scs_verify(c.data, c.len, "c", pk, &err), MM_OK);
    assert_int_equal(mm_scs_verify(c.data, c.len, "c", pk2, &err), MM_EINVAL);
    /* every single-byte change is detected (invalid or unreadable) */
    size_t step = c.len / 97 + 1, flips = 0;
    for (size_t i = 0; i < c.len; i += step) {
        char *t = malloc(c.len + 1);
        memcpy(t, c.data, c.len + 1);
        t[i] = (char)(t[i] ^ 0x01);
        mm_rc rc = mm_scs_verify(t, c.len, "t", NULL, &err);
        if (rc == MM_OK)
            fail_msg("byte %zu flipped ('%c') still verifies", i, c.data[i]);
        free(t);
        flips++;
    }
    assert_true(flips > 90);
    /* changing the expert's name breaks the signature even if canonical */
    char *t = strdup(c.data);
    char *p = strstr(t, "012345");
    p[5] = '6';
    assert_int_equal(mm_scs_verify(t, strlen(t), "t", NULL, &err), MM_EINVAL);
    free(t);
    /* re-formatting (not canonical) is detected */
    json_t *j = json_loads(c.data, 0, NULL);
    char *pretty = json_dumps(j, JSON_SORT_KEYS | JSON_INDENT(2));
    assert_int_equal(mm_scs_verify(pretty, strlen(pretty), "t", NULL, &err),
                     MM_EINVAL);
    free(pretty);
    json_decref(j);
    /* bad inputs to confirm */
    mm_scs_expert bad = {"x", "12345", "2026-11-21", NULL};
    mm_buf z;
    mm_buf_init(&z, 0);
    assert_int_equal(mm_scs_confirm(doc, strlen(doc), "a", &bad, sk, &z, &err),
                     MM_EINVAL);
    bad.registration_no = "01234a";
    assert_int_equal(mm_scs_confirm(doc, strlen(doc), "a", &bad, sk, &z, &err),
                     MM_EINVAL);
    assert_int_equal(mm_scs_confirm("{}", 2, "a", &ex, sk, &z, &err),
                     MM_EPARSE);
    assert_int_equal(
        mm_scs_confirm(doc, strlen(doc), "a", &ex, "abcd", &z, &err),
        MM_EINVAL);
    assert_int_equal(mm_scs_verify(doc, strlen(doc), "a", NULL, &err),
                     MM_EPARSE);
    assert_true(mm_scs_registration_no_valid("012345"));
    assert_false(mm_scs_registration_no_valid("0123456"));
    mm_buf_free(&z);
    mm_buf_free(&c);
    free(doc);
    mm_scs_assessment_free(as);
    free(a);
    mm_scs_catalogue_free(cat);
}

static void test_reports(void **state)
{
    (void)state;
    mm_scs_catalogue *cat = load_real();
    static const char *const o[] = {"6-1-1=no"};
    char *a = answers_json(cat, "★3", "yes", o, 1, NULL);
    mm_scs_assessment *as = run(cat, a, NULL, 0, NULL);
    char *doc = as_json(as, true);
    mm_buf h;
    mm_buf_init(&h, 0);
    mm_err err;
    assert_int_equal(
        mm_scs_report_html(doc, strlen(doc), MM_SCS_JA, false, &h, &err),
        MM_OK);
    assert_non_null(strstr(h.data, "テスト株式会社 &lt;b&gt;&amp;"));
    assert_null(strstr(h.data, "<b>&"));
    assert_non_null(strstr(h.data, "@page{size:A4"));
    assert_non_null(strstr(h.data, "★ 未達成"));
    assert_non_null(strstr(h.data, "インシデント対応手順の作成"));
    assert_null(strstr(h.data, "http://"));
    assert_null(strstr(h.data, "https://"));
    mm_buf_reset(&h);
    assert_int_equal(
        mm_scs_report_html(doc, strlen(doc), MM_SCS_EN, false, &h, &err),
        MM_OK);
    assert_non_null(strstr(h.data, "No ★ level yet"));
    mm_buf_reset(&h);
    assert_int_equal(mm_scs_report_text(doc, strlen(doc), MM_SCS_JA, &h, &err),
                     MM_OK);
    assert_non_null(strstr(h.data, "達成: 未達成"));
    assert_int_equal(mm_scs_report_text("{}", 2, MM_SCS_JA, &h, &err),
                     MM_EPARSE);
    mm_buf_free(&h);
    free(doc);
    mm_scs_assessment_free(as);
    free(a);
    mm_scs_catalogue_free(cat);
}

/* The hub's checks: written, read back, and held against an answer. */
static void test_evidence_checks(void **state)
{
    (void)state;
    mm_scs_catalogue *cat = load_real();
    const char *lines[] = {"<189>date=2026-11-20 action=\"tunnel-up\""};
    mm_scs_check ck[] = {
        {"auth_compromise", false, 1795000000000LL, "alert x", "ja", "en",
         lines, 1},
        {"exposed_services", true, 1795000000000LL, "hub", "ja", "en", NULL,
         0},
    };
    mm_scs_evidence_state s = {.source = "hub",
                               .tenant = "t",
                               .generated_at_ms = 1795100000000LL,
                               .window_days = 90,
                               .checks = ck,
                               .n_checks = 2};
    mm_buf b;
    mm_buf_init(&b, 0);
    mm_err err;
    assert_int_equal(mm_scs_evidence_write(&s, &b, &err), MM_OK);
    assert_non_null(strstr(b.data, "\"stale\": false"));
    static const char *const o[] = {"4-1-4=yes", "4-5-1=yes"};
    char *a = answers_json(cat, "★3", "yes", o, 2, NULL);
    const char *e[] = {b.data};
    mm_scs_assessment *as = run(cat, a, e, 1, NULL);
    assert_int_equal(st(as, "4-1-4", 3), MM_SCS_ST_CONTRADICTED);
    assert_int_equal(st(as, "4-5-1", 3), MM_SCS_ST_MET);
    char *js = as_json(as, false);
    assert_non_null(strstr(js, "source line: <189>date=2026-11-20"));
    free(js);
    mm_scs_assessment_free(as);
    free(a);
    /* a bad check is refused */
    mm_scs_evidence *ev = NULL;
    const char *bad = "{\"source\":\"hub\",\"generated_at\":"
                      "\"2026-11-20T00:00:00Z\",\"window_days\":1,"
                      "\"checks\":{\"x\":{\"ok\":1}}}";
    assert_int_equal(mm_scs_evidence_parse(bad, strlen(bad), "e", &ev, &err),
                     MM_EPARSE);
    mm_buf_free(&b);
    mm_scs_catalogue_free(cat);
}

/* SECURITY ACTION ★1/★2: the rungs below SCS, and the next rung. */
static void test_ladder(void **state)
{
    (void)state;
    mm_scs_catalogue *cat = load_real();
    json_t *ans = json_object();
    for (size_t i = 0; i < cat->n_items; i++)
        if (cat->items[i].crit[0].level <= 2)
            json_object_set_new(ans, cat->items[i].id, json_string("yes"));
    json_object_set_new(ans, "0-2-26", json_string("no")); /* no policy */
    json_t *doc =
        json_pack("{s:{s:s}, s:s, s:s, s:o}", "organisation", "name", "x",
                  "target", "★2", "assessed_at", "2026-11-20", "answers", ans);
    char *a = json_dumps(doc, 0);
    json_decref(doc);
    mm_scs_assessment *as = run(cat, a, NULL, 0, NULL);
    assert_int_equal(mm_scs_achieved(as), 1);
    assert_int_equal(mm_scs_gap_count(as), 1); /* only 0-2-26 */
    char *js = as_json(as, false);
    json_t *d = json_loads(js, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(d, "next")), "★2");
    assert_int_equal(json_array_size(json_object_get(d, "ladder")), 4);
    json_decref(d);
    free(js);
    mm_scs_assessment_free(as);
    free(a);
    mm_scs_catalogue_free(cat);
}

/* The questions the interview and the console ask: one per criterion of
 * the rung, a requirement asked as a question, the hint the unmet step. */
static void test_questions(void **state)
{
    (void)state;
    mm_scs_catalogue *cat = load_real();
    const mm_scs_item *it = mm_scs_catalogue_find(cat, "1-2-1");
    assert_non_null(it);
    mm_buf b;
    mm_buf_init(&b, 1u << 20);
    assert_int_equal(mm_scs_question(&it->crit[0], MM_SCS_JA, &b), MM_OK);
    char want[4096];
    snprintf(want, sizeof want, "「%s」はできていますか？",
             it->crit[0].text_ja);
    assert_string_equal(b.data, want);
    mm_buf_reset(&b);
    for (int level = 1; level <= 4; level++) {
        unsigned n = 0;
        for (size_t i = 0; i < cat->n_items; i++)
            for (unsigned c = 0; c < cat->items[i].n_crit; c++)
                n += mm_scs_level_needs(level, cat->items[i].crit[c].level);
        mm_buf_reset(&b);
        assert_int_equal(mm_scs_questions_json(cat, level, &b), MM_OK);
        json_t *d = json_loadb(b.data, b.len, 0, NULL);
        assert_non_null(d);
        json_t *qs = json_object_get(d, "questions");
        assert_int_equal(json_array_size(qs), n);
        assert_int_equal(json_integer_value(json_object_get(d, "total")), n);
        json_t *q0 = json_array_get(qs, 0);
        assert_int_equal(json_integer_value(json_object_get(q0, "n")), 1);
        assert_true(strlen(json_string_value(json_object_get(q0, "hint_ja"))) >
                    0);
        json_decref(d);
    }
    assert_int_equal(mm_scs_questions_json(cat, 5, &b), MM_EINVAL);
    assert_int_equal(mm_scs_questions_json(cat, 0, &b), MM_EINVAL);
    mm_buf_free(&b);
    mm_scs_catalogue_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_questions),
        cmocka_unit_test(test_ladder),
        cmocka_unit_test(test_evidence_checks),
        cmocka_unit_test(test_catalogue_real),
        cmocka_unit_test(test_catalogue_errors),
        cmocka_unit_test(test_decision),
        cmocka_unit_test(test_answers_errors),
        cmocka_unit_test(test_answers_bounds),
        cmocka_unit_test(test_evidence),
        cmocka_unit_test(test_evidence_write),
        cmocka_unit_test(test_renewal),
        cmocka_unit_test(test_canonical),
        cmocka_unit_test(test_sign_verify),
        cmocka_unit_test(test_reports),
    };
    return cmocka_run_group_tests_name("scs", tests, NULL, NULL);
}
