/* cmd-scs.c — `mamori scs`: the SCS ★3/★4 diagnosis (catalogue, assess,
 * keygen, confirm, verify). The work is in src/scs; this file parses
 * options, reads and writes files and maps status codes to exit codes. */
#include "cli.h"
#include "core.h"
#include "scs.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CATALOGUE_REL "data/scs/catalogue.txt"

static int rc_exit(mm_rc rc)
{
    switch (rc) {
    case MM_OK: return MM_EXIT_OK;
    case MM_EIO:
    case MM_ENOMEM:
    case MM_EINTERNAL: return MM_EXIT_FAIL;
    default: return MM_EXIT_USAGE;
    }
}

static int report(const mm_err *err, mm_rc rc)
{
    char msg[1024];
    mm_err_format(err, msg, sizeof msg);
    fprintf(stderr, "mamori scs: %s\n", msg);
    return rc_exit(rc);
}

/* ---- option parsing ------------------------------------------------------- */

typedef struct opts {
    const char *answers, *catalogue, *previous, *format, *lang, *out, *level;
    const char *assessment, *key, *expert_name, *registration_no, *date, *pubkey;
    const char *today;
    const char *evidence[MM_SCS_EVIDENCE_FILES_MAX];
    size_t n_evidence;
    const char *positional;
    int force;
} opts;

static const struct {
    const char *name;
    size_t off;
} value_opts[] = {
    {"--answers", offsetof(opts, answers)},
    {"--catalogue", offsetof(opts, catalogue)},
    {"--previous", offsetof(opts, previous)},
    {"--format", offsetof(opts, format)},
    {"--lang", offsetof(opts, lang)},
    {"--out", offsetof(opts, out)},
    {"--level", offsetof(opts, level)},
    {"--assessment", offsetof(opts, assessment)},
    {"--key", offsetof(opts, key)},
    {"--expert-name", offsetof(opts, expert_name)},
    {"--registration-no", offsetof(opts, registration_no)},
    {"--date", offsetof(opts, date)},
    {"--pubkey", offsetof(opts, pubkey)},
    {"--today", offsetof(opts, today)},
};


/* `allowed` lists the options this subcommand takes, space-separated. */
static int parse_opts(int argc, char **argv, const char *allowed, opts *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == '\0') {
            if (o->positional || !strstr(allowed, "FILE"))
                return mm_cli_usage_error(&mm_cmd_scs, "余分な引数 / unexpected "
                                                       "argument '%s'", a);
            o->positional = a;
            continue;
        }
        char name[64];
        const char *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        if (nl >= sizeof name)
            return mm_cli_usage_error(&mm_cmd_scs, "不明なオプション / unknown "
                                                   "option '%s'", a);
        memcpy(name, a, nl);
        name[nl] = '\0';
        char pat[70];
        snprintf(pat, sizeof pat, " %s ", name);
        char allowed_sp[512];
        snprintf(allowed_sp, sizeof allowed_sp, " %s ", allowed);
        if (!strstr(allowed_sp, pat))
            return mm_cli_usage_error(&mm_cmd_scs, "不明なオプション / unknown "
                                                   "option '%s'", name);
        if (strcmp(name, "--force") == 0) {
            o->force = 1;
            continue;
        }
        const char *val = eq ? eq + 1 : NULL;
        if (!val) {
            if (i + 1 >= argc)
                return mm_cli_usage_error(&mm_cmd_scs, "%s には値が必要です / %s "
                                                       "needs a value", name, name);
            val = argv[++i];
        }
        if (strcmp(name, "--evidence") == 0) {
            if (o->n_evidence >= MM_SCS_EVIDENCE_FILES_MAX)
                return mm_cli_usage_error(&mm_cmd_scs, "--evidence は %u 個までです "
                                          "/ at most %u --evidence files",
                                          MM_SCS_EVIDENCE_FILES_MAX,
                                          MM_SCS_EVIDENCE_FILES_MAX);
            o->evidence[o->n_evidence++] = val;
            continue;
        }
        for (size_t k = 0; k < sizeof value_opts / sizeof *value_opts; k++)
            if (strcmp(name, value_opts[k].name) == 0) {
                const char **slot = (const char **)((char *)o + value_opts[k].off);
                if (*slot)
                    return mm_cli_usage_error(&mm_cmd_scs, "%s が2回あります / %s "
                                              "given twice", name, name);
                *slot = val;
            }
    }
    return -1;
}

static int parse_lang(const char *s, mm_scs_lang *out)
{
    if (!s || strcmp(s, "ja") == 0)
        *out = MM_SCS_JA;
    else if (strcmp(s, "en") == 0)
        *out = MM_SCS_EN;
    else
        return mm_cli_usage_error(&mm_cmd_scs, "--lang は ja か en です / --lang "
                                               "must be ja or en");
    return -1;
}

/* The catalogue: --catalogue, $MAMORI_SCS_CATALOGUE, next to the binary
 * (../data, ../../data), /usr/share/mamori, then ./data. */
static int find_catalogue(const char *given, char *out, size_t outlen)
{
    if (given) {
        snprintf(out, outlen, "%s", given);
        return 0;
    }
    const char *env = getenv("MAMORI_SCS_CATALOGUE");
    if (env && *env) {
        snprintf(out, outlen, "%s", env);
        return 0;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            static const char *const ups[] = {"/..", "/../..", "/../../.."};
            for (size_t i = 0; i < sizeof ups / sizeof *ups; i++) {
                int w = snprintf(out, outlen, "%s%s/%s", exe, ups[i], CATALOGUE_REL);
                if (w > 0 && (size_t)w < outlen && access(out, R_OK) == 0)
                    return 0;
            }
        }
    }
    snprintf(out, outlen, "/usr/share/mamori/scs/catalogue.txt");
    if (access(out, R_OK) == 0)
        return 0;
    snprintf(out, outlen, "%s", CATALOGUE_REL);
    return 0;
}

static int load_catalogue(const char *given, mm_scs_catalogue **cat)
{
    char path[PATH_MAX + 64];
    find_catalogue(given, path, sizeof path);
    mm_err err;
    mm_rc rc = mm_scs_catalogue_load(path, cat, &err);
    if (rc != MM_OK) {
        report(&err, rc);
        return MM_EXIT_USAGE;
    }
    return -1;
}

static void today_utc(char out[11])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    if (strftime(out, 11, "%Y-%m-%d", &tm) != 10)
        snprintf(out, 11, "2026-01-01");
}

/* Writes to --out (atomically) or stdout. */
static int emit(const char *out, const mm_buf *b, unsigned mode)
{
    if (!out || strcmp(out, "-") == 0) {
        if (b->len && fwrite(b->data, 1, b->len, stdout) != b->len) {
            fprintf(stderr, "mamori scs: 標準出力に書けません / cannot write stdout\n");
            return MM_EXIT_FAIL;
        }
        return fflush(stdout) == 0 ? MM_EXIT_OK : MM_EXIT_FAIL;
    }
    mm_err err;
    mm_rc rc = mm_file_write_atomic(out, b->data ? b->data : "", b->len, mode, &err);
    return rc == MM_OK ? MM_EXIT_OK : report(&err, rc);
}

/* ---- subcommands ------------------------------------------------------------ */

static int cmd_catalogue(int argc, char **argv)
{
    opts o;
    int r = parse_opts(argc, argv, "--catalogue --level --format --lang --out", &o);
    if (r >= 0)
        return r;
    int level = 0;
    if (o.level) {
        if (strcmp(o.level, "3") == 0 || strcmp(o.level, "★3") == 0)
            level = 3;
        else if (strcmp(o.level, "4") == 0 || strcmp(o.level, "★4") == 0)
            level = 4;
        else
            return mm_cli_usage_error(&mm_cmd_scs, "--level は 3 か 4 です / --level "
                                                   "must be 3 or 4");
    }
    bool json = false;
    if (o.format && strcmp(o.format, "json") == 0)
        json = true;
    else if (o.format && strcmp(o.format, "table") != 0)
        return mm_cli_usage_error(&mm_cmd_scs, "--format は table か json です / "
                                               "--format must be table or json");
    mm_scs_lang lang;
    if ((r = parse_lang(o.lang, &lang)) >= 0)
        return r;
    mm_scs_catalogue *cat;
    if ((r = load_catalogue(o.catalogue, &cat)) >= 0)
        return r;
    mm_buf b;
    mm_buf_init(&b, MM_SCS_REPORT_MAX);
    mm_rc rc = json ? mm_scs_catalogue_json(cat, level, &b)
                    : mm_scs_catalogue_table(cat, level, lang, &b);
    int ex = rc == MM_OK ? emit(o.out, &b, 0644) : MM_EXIT_FAIL;
    mm_buf_free(&b);
    mm_scs_catalogue_free(cat);
    return ex;
}

static int cmd_assess(int argc, char **argv)
{
    opts o;
    int r = parse_opts(argc, argv, "--answers --catalogue --evidence --previous "
                                   "--format --lang --out --today", &o);
    if (r >= 0)
        return r;
    if (!o.answers)
        return mm_cli_usage_error(&mm_cmd_scs, "--answers FILE が必要です / "
                                               "--answers FILE is required");
    enum { F_TEXT, F_JSON, F_HTML } fmt = F_TEXT;
    if (o.format && strcmp(o.format, "json") == 0)
        fmt = F_JSON;
    else if (o.format && strcmp(o.format, "html") == 0)
        fmt = F_HTML;
    else if (o.format && strcmp(o.format, "text") != 0)
        return mm_cli_usage_error(&mm_cmd_scs, "--format は json, html, text のどれか"
                                               "です / --format must be json, html "
                                               "or text");
    mm_scs_lang lang;
    if ((r = parse_lang(o.lang, &lang)) >= 0)
        return r;
    char today[11];
    if (o.today && (strlen(o.today) != 10 || o.today[4] != '-' || o.today[7] != '-'))
        return mm_cli_usage_error(&mm_cmd_scs, "--today は YYYY-MM-DD です / --today "
                                               "must be YYYY-MM-DD");
    if (o.today)
        snprintf(today, sizeof today, "%s", o.today);
    else
        today_utc(today);
    mm_scs_catalogue *cat;
    if ((r = load_catalogue(o.catalogue, &cat)) >= 0)
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
    mm_rc rc = mm_scs_answers_load(o.answers, cat, &ans, &err);
    for (size_t i = 0; rc == MM_OK && i < o.n_evidence; i++)
        rc = mm_scs_evidence_load(o.evidence[i], &ev[i], &err);
    if (rc == MM_OK && o.previous)
        rc = mm_scs_read_file(o.previous, MM_SCS_FILE_MAX, &prev, &prev_len, &err);
    if (rc == MM_OK)
        rc = mm_scs_assess(cat, ans, ev, o.n_evidence, prev, prev_len, o.previous,
                           today, &as, &err);
    if (rc != MM_OK) {
        ex = report(&err, rc);
        goto done;
    }
    rc = mm_scs_assessment_json(as, fmt == F_JSON, &json);
    if (rc == MM_OK && fmt == F_TEXT)
        rc = mm_scs_report_text(json.data, json.len, lang, &outb, &err);
    else if (rc == MM_OK && fmt == F_HTML)
        rc = mm_scs_report_html(json.data, json.len, lang, false, &outb, &err);
    if (rc != MM_OK) {
        ex = report(&err, rc);
        goto done;
    }
    ex = emit(o.out, fmt == F_JSON ? &json : &outb, 0644);
    if (ex == MM_EXIT_OK && mm_scs_contradiction_count(as))
        fprintf(stderr, "mamori scs: 回答と自動の証拠が食い違う項目が %zu 件あります"
                        "（満たしていない扱い） / %zu answer(s) contradicted by "
                        "evidence (counted as not met)\n",
                mm_scs_contradiction_count(as), mm_scs_contradiction_count(as));
done:
    mm_buf_free(&json);
    mm_buf_free(&outb);
    free(prev);
    mm_scs_assessment_free(as);
    for (size_t i = 0; i < o.n_evidence; i++)
        mm_scs_evidence_free(ev[i]);
    mm_scs_answers_free(ans);
    mm_scs_catalogue_free(cat);
    return ex;
}

static int cmd_keygen(int argc, char **argv)
{
    opts o;
    int r = parse_opts(argc, argv, "--out --force", &o);
    if (r >= 0)
        return r;
    if (!o.out)
        return mm_cli_usage_error(&mm_cmd_scs, "--out FILE が必要です / --out FILE "
                                               "is required");
    char pub_path[PATH_MAX];
    if (snprintf(pub_path, sizeof pub_path, "%s.pub", o.out) >= (int)sizeof pub_path)
        return mm_cli_usage_error(&mm_cmd_scs, "path too long");
    if (!o.force && (access(o.out, F_OK) == 0 || access(pub_path, F_OK) == 0)) {
        fprintf(stderr, "mamori scs: %s: 既にあります。上書きするには --force / "
                        "already exists; use --force to replace it\n", o.out);
        return MM_EXIT_FAIL;
    }
    char pk[MM_SCS_PK_HEX + 1], sk[MM_SCS_SK_HEX + 2];
    if (mm_scs_keygen(pk, sk) != MM_OK) {
        fprintf(stderr, "mamori scs: 鍵を作れません / key generation failed\n");
        return MM_EXIT_FAIL;
    }
    size_t skl = strlen(sk);
    sk[skl] = '\n';
    mm_err err;
    mm_rc rc = mm_file_write_atomic(o.out, sk, skl + 1, 0600, &err);
    memset(sk, 0, sizeof sk);
    if (rc != MM_OK)
        return report(&err, rc);
    char pkl[MM_SCS_PK_HEX + 2];
    snprintf(pkl, sizeof pkl, "%s\n", pk);
    rc = mm_file_write_atomic(pub_path, pkl, strlen(pkl), 0644, &err);
    if (rc != MM_OK)
        return report(&err, rc);
    printf("%s\n", pk);
    fprintf(stderr, "mamori scs: 秘密鍵 / secret key: %s (0600)\n"
                    "            公開鍵 / public key: %s\n", o.out, pub_path);
    return MM_EXIT_OK;
}

/* Reads a hex key from a file, or takes the argument itself when it is hex. */
static int read_key(const char *arg, size_t hexlen, char *out, size_t outlen)
{
    size_t al = strlen(arg);
    if (al == hexlen && strspn(arg, "0123456789abcdefABCDEF") == hexlen) {
        snprintf(out, outlen, "%s", arg);
        return -1;
    }
    char *data;
    size_t len;
    mm_err err;
    mm_rc rc = mm_scs_read_file(arg, 4096, &data, &len, &err);
    if (rc != MM_OK)
        return report(&err, rc);
    while (len && (data[len - 1] == '\n' || data[len - 1] == '\r' ||
                   data[len - 1] == ' '))
        data[--len] = '\0';
    int ok = len == hexlen && strspn(data, "0123456789abcdefABCDEF") == hexlen;
    if (ok)
        snprintf(out, outlen, "%s", data);
    memset(data, 0, len);
    free(data);
    if (!ok) {
        fprintf(stderr, "mamori scs: %s: 鍵の形式が正しくありません（16進 %zu 文字） "
                        "/ not a key (%zu hex characters)\n", arg, hexlen, hexlen);
        return MM_EXIT_USAGE;
    }
    return -1;
}

static int cmd_confirm(int argc, char **argv)
{
    opts o;
    int r = parse_opts(argc, argv, "--assessment --key --expert-name "
                                   "--registration-no --date --out", &o);
    if (r >= 0)
        return r;
    if (!o.assessment || !o.key || !o.expert_name || !o.registration_no || !o.out)
        return mm_cli_usage_error(&mm_cmd_scs, "--assessment, --key, --expert-name, "
                                  "--registration-no, --out が必要です / are required");
    if (!mm_scs_registration_no_valid(o.registration_no))
        return mm_cli_usage_error(&mm_cmd_scs, "--registration-no は6桁の数字です"
                                  "（例 012345） / --registration-no must be 6 digits, "
                                  "e.g. 012345");
    char today[11];
    if (!o.date)
        today_utc(today);
    char sk[MM_SCS_SK_HEX + 1];
    if ((r = read_key(o.key, MM_SCS_SK_HEX, sk, sizeof sk)) >= 0)
        return r;
    char *text;
    size_t len;
    mm_err err;
    mm_rc rc = mm_scs_read_file(o.assessment, MM_SCS_FILE_MAX, &text, &len, &err);
    if (rc != MM_OK) {
        memset(sk, 0, sizeof sk);
        return report(&err, rc);
    }
    mm_scs_expert ex = {o.expert_name, o.registration_no, o.date ? o.date : today};
    mm_buf b;
    mm_buf_init(&b, MM_SCS_REPORT_MAX);
    rc = mm_scs_confirm(text, len, o.assessment, &ex, sk, &b, &err);
    memset(sk, 0, sizeof sk);
    free(text);
    int code = rc == MM_OK ? emit(o.out, &b, 0644) : report(&err, rc);
    mm_buf_free(&b);
    if (code == MM_EXIT_OK)
        fprintf(stderr, "mamori scs: 確認を記録しました / confirmation recorded: %s\n",
                o.out);
    return code;
}

static int cmd_verify(int argc, char **argv)
{
    opts o;
    int r = parse_opts(argc, argv, "FILE --pubkey --format --lang --out", &o);
    if (r >= 0)
        return r;
    if (!o.positional)
        return mm_cli_usage_error(&mm_cmd_scs, "確認済みファイルを指定してください / "
                                               "give the confirmed file");
    bool html = false, text = false;
    if (o.format && strcmp(o.format, "html") == 0)
        html = true;
    else if (o.format && strcmp(o.format, "text") == 0)
        text = true;
    else if (o.format)
        return mm_cli_usage_error(&mm_cmd_scs, "--format は text か html です / "
                                               "--format must be text or html");
    mm_scs_lang lang;
    if ((r = parse_lang(o.lang, &lang)) >= 0)
        return r;
    char pk[MM_SCS_PK_HEX + 1];
    if (o.pubkey && (r = read_key(o.pubkey, MM_SCS_PK_HEX, pk, sizeof pk)) >= 0)
        return r;
    char *data;
    size_t len;
    mm_err err;
    mm_rc rc = mm_scs_read_file(o.positional, MM_SCS_FILE_MAX, &data, &len, &err);
    if (rc != MM_OK)
        return report(&err, rc);
    rc = mm_scs_verify(data, len, o.positional, o.pubkey ? pk : NULL, &err);
    if (rc != MM_OK) {
        free(data);
        char msg[1024];
        mm_err_format(&err, msg, sizeof msg);
        fprintf(stderr, "mamori scs verify: %s: %s\n",
                rc == MM_EINVAL ? "無効 / INVALID" : "読めません / unreadable", msg);
        return rc == MM_EINVAL ? MM_EXIT_FAIL : rc_exit(rc);
    }
    fprintf(stderr, "mamori scs verify: 有効 / VALID: %s — %s\n", o.positional,
            o.pubkey ? "指定の公開鍵による署名です / signed by the given public key"
                     : "ファイル内の公開鍵による署名です。専門家本人の鍵かは --pubkey "
                       "で確かめてください / signed by the key inside the file; "
                       "check it is the expert's with --pubkey");
    int code = MM_EXIT_OK;
    if (html || text) {
        mm_buf b;
        mm_buf_init(&b, MM_SCS_REPORT_MAX);
        rc = html ? mm_scs_report_html(data, len, lang, true, &b, &err)
                  : mm_scs_report_text(data, len, lang, &b, &err);
        code = rc == MM_OK ? emit(o.out, &b, 0644) : report(&err, rc);
        mm_buf_free(&b);
    }
    free(data);
    return code;
}

static const struct {
    const char *name;
    int (*run)(int, char **);
} subs[] = {
    {"catalogue", cmd_catalogue}, {"assess", cmd_assess}, {"keygen", cmd_keygen},
    {"confirm", cmd_confirm},     {"verify", cmd_verify},
};

static int scs_run(int argc, char **argv)
{
    if (argc < 2)
        return mm_cli_usage_error(&mm_cmd_scs, "サブコマンドを指定してください / "
                                               "give a subcommand");
    for (size_t i = 0; i < sizeof subs / sizeof *subs; i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            return subs[i].run(argc - 2, argv + 2);
    return mm_cli_usage_error(&mm_cmd_scs, "不明なサブコマンド / unknown "
                                           "subcommand '%s'", argv[1]);
}

const mm_command mm_cmd_scs = {
    .name = "scs",
    .summary_ja = "SCS評価制度 ★3/★4 の診断",
    .summary_en = "SCS ★3/★4 supply-chain security diagnosis",
    .usage =
        "使い方 / usage:\n"
        "  mamori scs catalogue [--level 3|4] [--format table|json] [--lang ja|en]\n"
        "  mamori scs assess --answers FILE [--evidence FILE]... [--previous FILE]\n"
        "                    [--format text|json|html] [--lang ja|en] [--out FILE]\n"
        "                    [--today YYYY-MM-DD]\n"
        "  mamori scs keygen --out SECRET_KEY_FILE [--force]\n"
        "  mamori scs confirm --assessment FILE --key SECRET_KEY_FILE\n"
        "                    --expert-name NAME --registration-no 012345\n"
        "                    [--date YYYY-MM-DD] --out FILE\n"
        "  mamori scs verify FILE [--pubkey HEX|FILE] [--format text|html] [--out FILE]\n"
        "\n"
        "  catalogue  要求事項カタログを一覧表示する\n"
        "  assess     回答と自動の証拠から ★ を判定し、足りない項目と次にやることを示す\n"
        "  keygen     専門家の署名鍵を作る（秘密鍵は 0600、公開鍵は FILE.pub）\n"
        "  confirm    登録セキスペが診断結果を確認し、Ed25519 で署名する\n"
        "  verify     確認済みの診断結果が書き換えられていないか確かめる\n"
        "             （0 = 有効、1 = 無効、2 = 読めない）\n"
        "  共通: --catalogue FILE（既定は data/scs/catalogue.txt）\n"
        "\n"
        "  catalogue  list the requirement catalogue\n"
        "  assess     decide the ★ level from answers and automatic evidence, with\n"
        "             the gap list and next steps (docs/scs.md)\n"
        "  keygen     make an expert's signing key (secret 0600, public FILE.pub)\n"
        "  confirm    record a Registered Information Security Specialist's\n"
        "             confirmation and sign the assessment (Ed25519)\n"
        "  verify     check a confirmed assessment was not altered\n"
        "             (exit 0 valid, 1 invalid, 2 unreadable or not a confirmation)\n"
        "  all: --catalogue FILE (default data/scs/catalogue.txt, found next to\n"
        "       the binary, or $MAMORI_SCS_CATALOGUE)\n",
    .run = scs_run,
};
