/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-scs.c — `mamori scs`: the SCS ★3/★4 diagnosis (catalogue, assess,
 * keygen, confirm, verify). The work is in src/scs; this file parses
 * options, reads and writes files and maps status codes to exit codes
 * (keygen, confirm and verify are in cmd-scs-sign.c, the helpers every
 * subcommand shares in cmd-scs-common.c). */
#include "cmd-scs.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "使い方 / usage:\n"
    "  mamori scs catalogue [--level 3|4] [--format table|json] [--lang "
    "ja|en]\n"
    "  mamori scs assess --answers FILE [--evidence FILE]... [--previous "
    "FILE]\n"
    "                    [--format text|json|html] [--lang ja|en] [--out "
    "FILE]\n"
    "                    [--today YYYY-MM-DD] [--hub URL [--token T] "
    "[--cacert F]]\n"
    "  mamori scs keygen --out SECRET_KEY_FILE [--force]\n"
    "  mamori scs confirm --assessment FILE --key SECRET_KEY_FILE\n"
    "                    --expert-name NAME --registration-no 012345\n"
    "                    [--date YYYY-MM-DD] --tenant ID --out FILE\n"
    "  mamori scs countersign --confirmed FILE --key SECRET_KEY_FILE\n"
    "                    --assessor-name NAME --assessor-id ID\n"
    "                    [--date YYYY-MM-DD] --tenant ID --out FILE\n"
    "  mamori scs interview [--level ★1|★2|★3|★4] [-o answers.json] "
    "[--lang ja|en]\n"
    "  mamori scs experts (--dir HUBDIR | --hub URL --token T) [--region "
    "R]\n"
    "                    [--industry I] [--theme T] [--format "
    "table|json]\n"
    "  mamori scs verify FILE [--pubkey HEX|FILE] [--format text|html] "
    "[--out FILE]\n"
    "\n"
    "  catalogue  要求事項カタログを一覧表示する\n"
    "  assess     回答と自動の証拠から ★ "
    "を判定し、足りない項目と次にやることを示す\n"
    "  keygen     専門家の署名鍵を作る（秘密鍵は 0600、公開鍵は "
    "FILE.pub）\n"
    "  confirm    登録セキスペが診断結果を確認し、Ed25519 で署名する\n"
    "  countersign 第三者評価機関が確認済みの診断結果に署名する（★4）\n"
    "  interview  "
    "質問に答えて回答ファイルを作る（1問ごとに保存、続きから再開）\n"
    "  experts    確認を頼める登録セキスペを地域・業種・テーマで探す\n"
    "  verify     確認済みの診断結果が書き換えられていないか確かめる\n"
    "             （0 = 有効、1 = 無効、2 = 読めない）\n"
    "  共通: --catalogue FILE（既定は data/scs/catalogue.txt）\n"
    "\n"
    "  catalogue  list the requirement catalogue\n"
    "  assess     decide the ★ level from answers and automatic evidence, "
    "with\n"
    "             the gap list and next steps (docs/scs.md)\n"
    "  keygen     make an expert's signing key (secret 0600, public "
    "FILE.pub)\n"
    "  confirm    record a Registered Information Security Specialist's\n"
    "             confirmation and sign the assessment (Ed25519)\n"
    "  experts    find a registered expert by region, industry and theme\n"
    "  interview  answer plain questions to make the answers file (saved "
    "after\n"
    "             each answer; run again to resume)\n"
    "  countersign a third-party assessor countersigns a confirmed "
    "assessment (★4)\n"
    "  verify     check a confirmed assessment was not altered\n"
    "             (exit 0 valid, 1 invalid, 2 unreadable or not a "
    "confirmation)\n"
    "  all: --catalogue FILE (default data/scs/catalogue.txt, found next "
    "to\n"
    "       the binary, or $MAMORI_SCS_CATALOGUE)\n"
    "\n"
    "  mamori scs send --hub URL [--token T] --expert 012345 --assessment "
    "FILE\n"
    "                    [--message TEXT]\n"
    "  mamori scs requests --hub URL (--token T | --key K --registration-no "
    "R)\n"
    "                    [--id N [--out FILE]]\n"
    "  mamori scs reply --hub URL --key K --registration-no R --id N\n"
    "                    (--confirmed FILE | --reject REASON)\n"
    "  send       診断結果（mamori scs assess --format json）をハブ経由で"
    "専門家に送る\n"
    "  requests   送った依頼の状態を見る（トークン）／専門家が自分宛ての"
    "依頼を見る（鍵）\n"
    "  reply      専門家が署名した確認（または断る理由）をハブ経由で返す\n"
    "  send       send the assessment (scs assess --format json) to an "
    "expert\n"
    "             through the hub\n"
    "  requests   the SME: its requests and their state (token); the "
    "expert:\n"
    "             the requests addressed to it (key), --id N --out FILE "
    "saves one\n"
    "  reply      the expert returns the signed confirmation, or declines "
    "with\n"
    "             a reason\n"
    "  all: --cacert FILE for a hub with its own certificate\n";

/* ---- option parsing -------------------------------------------------------
 */

static const mm_cli_opt catalogue_opts[] = {
    O_CATALOGUE, VAL("--level", level), O_FORMAT, O_LANG, O_OUT, {0}};
static const mm_cli_opt assess_opts[] = {
    VAL("--answers", answers),
    O_CATALOGUE,
    {"--evidence", NULL, K_EVIDENCE, true, NULL},
    VAL("--previous", previous),
    O_FORMAT,
    O_LANG,
    O_OUT,
    VAL("--today", today),
    VAL("--hub", hub),
    VAL("--token", token),
    VAL("--cacert", cacert),
    {0}};
/* ---- subcommands
 * ------------------------------------------------------------ */

static int cmd_catalogue(opts *o)
{
    int r;
    int level = 0;
    if (o->level) {
        level = mm_scs_level_parse(o->level);
        if (!level)
            return mm_cli_usage_error(&mm_cmd_scs,
                                      "--level は 1〜4 です / --level "
                                      "must be 1, 2, 3 or 4");
    }
    static const char *const formats[] = {"table", "json", NULL};
    int fmt;
    if ((r = mm_cli_choice(&mm_cmd_scs, o->format, formats, 0,
                           "--format は table か json です / "
                           "--format must be table or json",
                           &fmt)) >= 0)
        return r;
    bool json = fmt == 1;
    mm_scs_lang lang;
    if ((r = mm_cli_scs_lang(o->lang, &lang)) >= 0)
        return r;
    mm_scs_catalogue *cat;
    if ((r = mm_cli_scs_load_catalogue(o->catalogue, &cat)) >= 0)
        return r;
    mm_buf b;
    mm_buf_init(&b, MM_SCS_REPORT_MAX);
    mm_rc rc = json ? mm_scs_catalogue_json(cat, level, &b)
                    : mm_scs_catalogue_table(cat, level, lang, &b);
    int ex = rc == MM_OK ? mm_cli_scs_emit(o->out, &b, 0644) : MM_EXIT_FAIL;
    mm_buf_free(&b);
    mm_scs_catalogue_free(cat);
    return ex;
}

static int cmd_assess(opts *o)
{
    int r;
    if (!o->answers)
        return mm_cli_usage_error(&mm_cmd_scs, "--answers FILE が必要です / "
                                               "--answers FILE is required");
    enum { F_TEXT, F_JSON, F_HTML };
    static const char *const formats[] = {"text", "json", "html", NULL};
    int fmt;
    if ((r = mm_cli_choice(&mm_cmd_scs, o->format, formats, F_TEXT,
                           "--format は json, html, text のどれか"
                           "です / --format must be json, html "
                           "or text",
                           &fmt)) >= 0)
        return r;
    mm_scs_lang lang;
    if ((r = mm_cli_scs_lang(o->lang, &lang)) >= 0)
        return r;
    char today[11];
    if (o->today &&
        (strlen(o->today) != 10 || o->today[4] != '-' || o->today[7] != '-'))
        return mm_cli_usage_error(&mm_cmd_scs,
                                  "--today は YYYY-MM-DD です / --today "
                                  "must be YYYY-MM-DD");
    if (o->today)
        snprintf(today, sizeof today, "%s", o->today);
    else
        mm_cli_scs_today(today);
    mm_scs_catalogue *cat;
    if ((r = mm_cli_scs_load_catalogue(o->catalogue, &cat)) >= 0)
        return r;
    mm_err err;
    mm_scs_answers *ans = NULL;
    mm_scs_evidence *ev[MM_SCS_EVIDENCE_FILES_MAX] = {0};
    mm_scs_assessment *as = NULL;
    char *prev = NULL;
    size_t prev_len = 0;
    mm_buf json, outb;
    mm_buf_init(&json, MM_SCS_REPORT_MAX);
    mm_buf_init(&outb, MM_SCS_REPORT_MAX);
    int ex = MM_EXIT_OK;
    mm_rc rc = mm_scs_answers_load(o->answers, cat, &ans, &err);
    size_t n_ev = o->n_evidence;
    for (size_t i = 0; rc == MM_OK && i < o->n_evidence; i++)
        rc = mm_scs_evidence_load(o->evidence[i], &ev[i], &err);
    if (rc == MM_OK && o->hub && n_ev < MM_SCS_EVIDENCE_FILES_MAX)
        rc = mm_cli_scs_hub_evidence(o->hub, o->token, o->cacert, &ev[n_ev++],
                                     &err);
    if (rc == MM_OK && o->previous)
        rc = mm_scs_read_file(o->previous, MM_SCS_FILE_MAX, &prev, &prev_len,
                              &err);
    if (rc == MM_OK)
        rc = mm_scs_assess(cat, ans, ev, n_ev, prev, prev_len, o->previous,
                           today, &as, &err);
    if (rc != MM_OK) {
        ex = mm_cli_scs_report(&err, rc);
        goto done;
    }
    rc = mm_scs_assessment_json(as, fmt == F_JSON, &json);
    if (rc == MM_OK && fmt == F_TEXT)
        rc = mm_scs_report_text(json.data, json.len, lang, &outb, &err);
    else if (rc == MM_OK && fmt == F_HTML)
        rc = mm_scs_report_html(json.data, json.len, lang, false, &outb, &err);
    if (rc != MM_OK) {
        ex = mm_cli_scs_report(&err, rc);
        goto done;
    }
    ex = mm_cli_scs_emit(o->out, fmt == F_JSON ? &json : &outb, 0644);
    if (ex == MM_EXIT_OK && mm_scs_contradiction_count(as))
        fprintf(stderr,
                "mamori scs: 回答と自動の証拠が食い違う項目が %zu 件あります"
                "（満たしていない扱い） / %zu answer(s) contradicted by "
                "evidence (counted as not met)\n",
                mm_scs_contradiction_count(as),
                mm_scs_contradiction_count(as));
done:
    mm_buf_free(&json);
    mm_buf_free(&outb);
    free(prev);
    mm_scs_assessment_free(as);
    for (size_t i = 0; i < n_ev; i++)
        mm_scs_evidence_free(ev[i]);
    mm_scs_answers_free(ans);
    mm_scs_catalogue_free(cat);
    return ex;
}

/* One row per subcommand: its options, whether it takes one FILE, and
 * the code that runs once they are parsed. */
static const struct {
    const char *name;
    const mm_cli_opt *opts;
    bool file;
    int (*run)(opts *o);
} subs[] = {
    {"catalogue", catalogue_opts, false, cmd_catalogue},
    {"assess", assess_opts, false, cmd_assess},
    {"keygen", mm_cli_scs_keygen_opts, false, mm_cli_scs_keygen},
    {"confirm", mm_cli_scs_confirm_opts, false, mm_cli_scs_confirm},
    {"verify", mm_cli_scs_verify_opts, true, mm_cli_scs_verify},
    {"countersign", mm_cli_scs_countersign_opts, false,
     mm_cli_scs_countersign},
    {"interview", mm_cli_scs_interview_opts, false, mm_cli_scs_interview},
    {"experts", mm_cli_scs_experts_opts, false, mm_cli_scs_experts},
    {"send", mm_cli_scs_send_opts, false, mm_cli_scs_send},
    {"requests", mm_cli_scs_requests_opts, false, mm_cli_scs_requests},
    {"reply", mm_cli_scs_reply_opts, false, mm_cli_scs_reply},
};

static int scs_run(int argc, char **argv)
{
    if (argc < 2)
        return mm_cli_usage_error(&mm_cmd_scs,
                                  "サブコマンドを指定してください / "
                                  "give a subcommand");
    for (size_t i = 0; i < sizeof subs / sizeof *subs; i++)
        if (strcmp(argv[1], subs[i].name) == 0) {
            opts o;
            int r = mm_cli_scs_parse_opts(argc - 2, argv + 2, subs[i].opts,
                                          subs[i].file, &o);
            return r >= 0 ? r : subs[i].run(&o);
        }
    return mm_cli_usage_error(&mm_cmd_scs,
                              "不明なサブコマンド / unknown "
                              "subcommand '%s'",
                              argv[1]);
}

const mm_command mm_cmd_scs = {"scs",
                               "SCS評価制度 ★1〜★4 の診断・専門家の確認",
                               "SCS ★1-★4 diagnosis and expert confirmation",
                               usage,
                               scs_run,
                               NULL};
