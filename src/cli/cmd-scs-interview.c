/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-scs-interview.c — `mamori scs interview`: the answers file made by
 * asking plain questions on a terminal, one per criterion of the chosen
 * rung, instead of writing JSON by hand. "わからない / don't know" is
 * allowed (counted as not met, with a hint). The file is saved atomically
 * after every answer, and a second run resumes where the first stopped. */
#include "cmd-scs.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const mm_cli_opt mm_cli_scs_interview_opts[] = {
    O_CATALOGUE,
    VAL("--level", level),
    {"--out", "-o", (int)offsetof(opts, out), true, NULL},
    O_LANG,
    {0}};

#define T(ja, en) (v->lang == MM_SCS_JA ? (ja) : (en))
#define LINE_MAX_IV 1024

typedef struct iv {
    json_t *doc; /* the answers document being written */
    const char *path;
    mm_scs_lang lang;
    unsigned asked, total;
} iv;

/* One line of stdin without the line end and surrounding blanks; false at
 * the end of input. */
static bool read_reply(char *buf, size_t n)
{
    if (!fgets(buf, (int)n, stdin))
        return false;
    size_t l = strlen(buf);
    while (l && (buf[l - 1] == '\n' || buf[l - 1] == '\r' ||
                 buf[l - 1] == ' ' || buf[l - 1] == '\t'))
        buf[--l] = '\0';
    size_t s = strspn(buf, " \t");
    memmove(buf, buf + s, l - s + 1);
    return true;
}

/* 'y', 'n', 'u' (don't know) or 0 when the reply is none of them. */
static int reply_kind(const char *s)
{
    static const char *const yes[] = {"y", "yes", "はい", "1", "Y", "YES"};
    static const char *const no[] = {"n", "no", "いいえ", "2", "N", "NO"};
    static const char *const dk[] = {"?",    "u",          "unknown",
                                     "3",    "わからない", "分からない",
                                     "不明", "dk",         "don't know"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        if (strcmp(s, yes[i]) == 0)
            return 'y';
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        if (strcmp(s, no[i]) == 0)
            return 'n';
    for (size_t i = 0; i < sizeof dk / sizeof *dk; i++)
        if (strcmp(s, dk[i]) == 0)
            return 'u';
    return 0;
}

static int save(const iv *v)
{
    char *text = json_dumps(v->doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!text) {
        fprintf(stderr, "mamori scs: out of memory\n");
        return MM_EXIT_FAIL;
    }
    size_t len = strlen(text);
    text[len] = '\n';
    mm_err err;
    mm_rc rc = mm_file_write_atomic(v->path, text, len + 1, 0644, &err);
    free(text);
    return rc == MM_OK ? MM_EXIT_OK : mm_cli_scs_report(&err, rc);
}

/* Asks until a valid reply: 'y', 'n', 'u', or 0 at the end of input. */
static int ask_ynu(const iv *v)
{
    char buf[LINE_MAX_IV];
    for (;;) {
        printf("  %s ", T("[はい / いいえ / わからない] →",
                          "[yes / no / don't know] →"));
        fflush(stdout);
        if (!read_reply(buf, sizeof buf))
            return 0;
        int k = reply_kind(buf);
        if (k)
            return k;
        printf("  %s\n", T("「はい」「いいえ」「わからない」のどれかで答えて"
                           "ください（y / n / ? でも可）。",
                           "Please answer yes, no or don't know (y / n / "
                           "?)."));
    }
}

/* Whether (id, level) already has an answer in the document. */
static bool answered(const iv *v, const char *id, int level, bool per_level)
{
    json_t *a = json_object_get(json_object_get(v->doc, "answers"), id);
    if (!a)
        return false;
    if (!per_level || json_is_string(a))
        return true;
    char k[2] = {(char)('0' + level), '\0'};
    return json_object_get(a, k) != NULL;
}

static int set_answer(iv *v, const char *id, int level, bool per_level,
                      const char *val)
{
    json_t *ans = json_object_get(v->doc, "answers");
    if (!per_level)
        json_object_set_new(ans, id, json_string(val));
    else {
        json_t *a = json_object_get(ans, id);
        if (!json_is_object(a)) {
            a = json_object();
            json_object_set_new(ans, id, a);
        }
        char k[2] = {(char)('0' + level), '\0'};
        json_object_set_new(a, k, json_string(val));
    }
    return save(v);
}

/* The question in plain words (the scs module's wording, the same the
 * console asks). */
static void print_question(const iv *v, const mm_scs_item *it,
                           const mm_scs_criterion *c)
{
    const char *g = v->lang == MM_SCS_JA ? c->group_ja : c->group_en;
    mm_buf q;
    mm_buf_init(&q, 2 * MM_SCS_TEXT_MAX);
    printf("\n[%u/%u] ★%d %s — %s\n", v->asked, v->total, c->level, it->id, g);
    if (mm_scs_question(c, v->lang, &q) == MM_OK)
        printf("  %s\n", q.data);
    mm_buf_free(&q);
}

/* One criterion: asks, saves; 1 to go on, 0 at the end of input, or an
 * exit code + 2 on failure. */
static int ask_criterion(iv *v, const mm_scs_item *it, unsigned ci,
                         bool per_level)
{
    const mm_scs_criterion *c = &it->crit[ci];
    print_question(v, it, c);
    int k = ask_ynu(v);
    if (!k)
        return 0;
    if (k == 'u')
        printf("  → %s\n    %s %s\n",
               T("「満たしていない」として数えます。", "Counted as not met."),
               T("ヒント:", "Hint:"),
               v->lang == MM_SCS_JA ? c->next_ja : c->next_en);
    int r = set_answer(v, it->id, c->level, per_level,
                       k == 'y'   ? "yes"
                       : k == 'n' ? "no"
                                  : "unknown");
    return r == MM_EXIT_OK ? 1 : r + 2;
}

/* The company's name and whether someone can respond on site. */
static int ask_org(iv *v)
{
    json_t *org = json_object_get(v->doc, "organisation");
    char buf[LINE_MAX_IV];
    while (!json_string_value(json_object_get(org, "name"))) {
        printf("%s ", T("会社名（組織名）を入力してください →",
                        "Your company's name →"));
        fflush(stdout);
        if (!read_reply(buf, sizeof buf))
            return 0;
        if (*buf && mm_scs_text_valid(buf, strlen(buf))) {
            json_object_set_new(org, "name", json_string(buf));
            if (save(v) != MM_EXIT_OK)
                return MM_EXIT_FAIL + 2;
        }
    }
    if (json_object_get(org, "onsite_responder"))
        return 1;
    printf("\n%s\n", T("事故が起きたとき、社内で現場対応できる人はいますか？",
                       "If an incident happens, can someone in the company "
                       "handle it on site?"));
    int k = ask_ynu(v);
    if (!k)
        return 0;
    /* don't know: as "no one", which suggests on-site help */
    json_object_set_new(org, "onsite_responder", json_boolean(k == 'y'));
    return save(v) == MM_EXIT_OK ? 1 : MM_EXIT_FAIL + 2;
}

/* The existing file (resume) or a new document for `target`. */
static int open_doc(iv *v, int target, bool level_given)
{
    if (access(v->path, F_OK) == 0) {
        json_error_t je;
        v->doc = json_load_file(v->path, JSON_REJECT_DUPLICATES, &je);
        if (!json_is_object(v->doc) ||
            !json_is_object(json_object_get(v->doc, "answers")) ||
            !json_is_object(json_object_get(v->doc, "organisation"))) {
            fprintf(stderr,
                    "mamori scs: %s: 回答ファイルとして読めません / not an "
                    "answers file (%s)\n",
                    v->path, je.text);
            return MM_EXIT_USAGE;
        }
        const char *t = json_string_value(json_object_get(v->doc, "target"));
        if (level_given || !t || !mm_scs_level_parse(t))
            json_object_set_new(v->doc, "target",
                                json_string(target == 1   ? "★1"
                                            : target == 2 ? "★2"
                                            : target == 3 ? "★3"
                                                          : "★4"));
        printf("%s: %s\n", T("続きから再開します", "Resuming"), v->path);
        return MM_EXIT_OK;
    }
    char today[11];
    mm_cli_scs_today(today);
    v->doc = json_pack("{s:{}, s:s, s:s, s:{}}", "organisation", "target",
                       target == 1   ? "★1"
                       : target == 2 ? "★2"
                       : target == 3 ? "★3"
                                     : "★4",
                       "assessed_at", today, "answers");
    return v->doc ? MM_EXIT_OK : MM_EXIT_FAIL;
}

/* Asks every criterion of the target not yet answered; an exit code. */
static int run_questions(iv *v, const mm_scs_catalogue *cat, int target)
{
    for (size_t i = 0; i < cat->n_items; i++)
        for (unsigned c = 0; c < cat->items[i].n_crit; c++)
            v->total +=
                mm_scs_level_needs(target, cat->items[i].crit[c].level);
    int r = ask_org(v);
    for (size_t i = 0; r == 1 && i < cat->n_items; i++) {
        const mm_scs_item *it = &cat->items[i];
        /* both criteria of a 3+4 item asked: answer per level */
        bool per_level = mm_scs_question_per_level(it, target);
        for (unsigned c = 0; r == 1 && c < it->n_crit; c++) {
            if (!mm_scs_level_needs(target, it->crit[c].level))
                continue;
            v->asked++;
            if (!answered(v, it->id, it->crit[c].level, per_level))
                r = ask_criterion(v, it, c, per_level);
        }
    }
    if (r == 0) {
        printf("\n%s %s\n",
               T("途中まで保存しました。もう一度同じコマンドを実行すると"
                 "続きから始まります:",
                 "Saved so far. Run the same command again to continue:"),
               v->path);
        return MM_EXIT_OK;
    }
    if (r != 1)
        return r - 2;
    printf("\n%s %s\n  mamori scs assess --answers %s\n",
           T("すべて答えました。回答ファイル:", "All answered. Answers file:"),
           v->path, v->path);
    return MM_EXIT_OK;
}

int mm_cli_scs_interview(opts *o)
{
    int r;
    iv v;
    memset(&v, 0, sizeof v);
    v.path = o->out ? o->out : "answers.json";
    if ((r = mm_cli_scs_lang(o->lang, &v.lang)) >= 0)
        return r;
    int target = o->level ? mm_scs_level_parse(o->level) : 3;
    if (!target)
        return mm_cli_usage_error(&mm_cmd_scs,
                                  "--level は ★1〜★4 です / --level must be "
                                  "★1, ★2, ★3 or ★4");
    mm_scs_catalogue *cat;
    if ((r = mm_cli_scs_load_catalogue(o->catalogue, &cat)) >= 0)
        return r;
    r = open_doc(&v, target, o->level != NULL);
    if (r == MM_EXIT_OK) {
        target = mm_scs_level_parse(
            json_string_value(json_object_get(v.doc, "target")));
        r = run_questions(&v, cat, target);
    }
    json_decref(v.doc);
    mm_scs_catalogue_free(cat);
    return r;
}
