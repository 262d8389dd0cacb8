/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-scs-sign.c — `mamori scs keygen | confirm | verify`: the expert's
 * key, the signed confirmation and its check (the work is in src/scs). */
#include "cmd-scs.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const mm_cli_opt mm_cli_scs_keygen_opts[] = {
    O_OUT, {"--force", NULL, K_FORCE, false, NULL}, {0}};
const mm_cli_opt mm_cli_scs_confirm_opts[] = {
    VAL("--assessment", assessment),
    VAL("--key", key),
    VAL("--expert-name", expert_name),
    VAL("--registration-no", registration_no),
    VAL("--date", date),
    VAL("--tenant", tenant),
    O_OUT,
    {0}};
const mm_cli_opt mm_cli_scs_countersign_opts[] = {
    VAL("--confirmed", confirmed),
    VAL("--key", key),
    VAL("--assessor-name", assessor_name),
    VAL("--assessor-id", assessor_id),
    VAL("--date", date),
    VAL("--tenant", tenant),
    O_OUT,
    {0}};
const mm_cli_opt mm_cli_scs_verify_opts[] = {
    VAL("--pubkey", pubkey), O_FORMAT, O_LANG, O_OUT, {0}};

int mm_cli_scs_keygen(opts *o)
{
    if (!o->out)
        return mm_cli_usage_error(&mm_cmd_scs,
                                  "--out FILE が必要です / --out FILE "
                                  "is required");
    char pub_path[PATH_MAX];
    if (snprintf(pub_path, sizeof pub_path, "%s.pub", o->out) >=
        (int)sizeof pub_path)
        return mm_cli_usage_error(&mm_cmd_scs, "path too long");
    if (!o->force &&
        (access(o->out, F_OK) == 0 || access(pub_path, F_OK) == 0)) {
        fprintf(stderr,
                "mamori scs: %s: 既にあります。上書きするには --force / "
                "already exists; use --force to replace it\n",
                o->out);
        return MM_EXIT_FAIL;
    }
    char pk[MM_SCS_PK_HEX + 1], sk[MM_SCS_SK_HEX + 2];
    if (mm_scs_keygen(pk, sk) != MM_OK) {
        fprintf(stderr,
                "mamori scs: 鍵を作れません / key generation failed\n");
        return MM_EXIT_FAIL;
    }
    size_t skl = strlen(sk);
    sk[skl] = '\n';
    mm_err err;
    mm_rc rc = mm_file_write_atomic(o->out, sk, skl + 1, 0600, &err);
    memset(sk, 0, sizeof sk);
    if (rc != MM_OK)
        return mm_cli_scs_report(&err, rc);
    char pkl[MM_SCS_PK_HEX + 2];
    snprintf(pkl, sizeof pkl, "%s\n", pk);
    rc = mm_file_write_atomic(pub_path, pkl, strlen(pkl), 0644, &err);
    if (rc != MM_OK)
        return mm_cli_scs_report(&err, rc);
    printf("%s\n", pk);
    fprintf(stderr,
            "mamori scs: 秘密鍵 / secret key: %s (0600)\n"
            "            公開鍵 / public key: %s\n",
            o->out, pub_path);
    return MM_EXIT_OK;
}

int mm_cli_scs_read_key(const char *arg, size_t hexlen, char *out,
                        size_t outlen)
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
        return mm_cli_scs_report(&err, rc);
    while (len && (data[len - 1] == '\n' || data[len - 1] == '\r' ||
                   data[len - 1] == ' '))
        data[--len] = '\0';
    int ok = len == hexlen && strspn(data, "0123456789abcdefABCDEF") == hexlen;
    if (ok)
        snprintf(out, outlen, "%s", data);
    memset(data, 0, len);
    free(data);
    if (!ok) {
        fprintf(stderr,
                "mamori scs: %s: 鍵の形式が正しくありません（16進 %zu 文字） "
                "/ not a key (%zu hex characters)\n",
                arg, hexlen, hexlen);
        return MM_EXIT_USAGE;
    }
    return -1;
}

/* Who signs and how: the expert's confirmation or the assessor's
 * countersignature. */
typedef struct signer {
    const mm_scs_expert *expert;
    const mm_scs_assessor *assessor;
} signer;

/* Reads the key and the input, signs, writes --out; an exit code. */
static int sign_file(const char *in, const char *keyfile, const char *out,
                     const signer *who, const char *done)
{
    int r;
    char sk[MM_SCS_SK_HEX + 1];
    if ((r = mm_cli_scs_read_key(keyfile, MM_SCS_SK_HEX, sk, sizeof sk)) >= 0)
        return r;
    char *text;
    size_t len;
    mm_err err;
    mm_rc rc = mm_scs_read_file(in, MM_SCS_FILE_MAX, &text, &len, &err);
    if (rc != MM_OK) {
        memset(sk, 0, sizeof sk);
        return mm_cli_scs_report(&err, rc);
    }
    mm_buf b;
    mm_buf_init(&b, MM_SCS_REPORT_MAX);
    rc = who->expert
             ? mm_scs_confirm(text, len, in, who->expert, sk, &b, &err)
             : mm_scs_countersign(text, len, in, who->assessor, sk, &b, &err);
    memset(sk, 0, sizeof sk);
    free(text);
    int code = rc == MM_OK ? mm_cli_scs_emit(out, &b, 0644)
                           : mm_cli_scs_report(&err, rc);
    mm_buf_free(&b);
    if (code == MM_EXIT_OK)
        fprintf(stderr, "mamori scs: %s: %s\n", done, out);
    return code;
}

/* --date, or today (UTC) written into buf. */
static const char *date_or_today(const char *date, char buf[11])
{
    if (date)
        return date;
    mm_cli_scs_today(buf);
    return buf;
}

/* confirm (the expert) and countersign (the assessor): the same steps
 * over the other role's options. */
static int sign_as(opts *o, bool expert)
{
    const char *in = expert ? o->assessment : o->confirmed;
    const char *name = expert ? o->expert_name : o->assessor_name;
    const char *id = expert ? o->registration_no : o->assessor_id;
    if (!in || !o->key || !name || !id || !o->out)
        return mm_cli_usage_error(
            &mm_cmd_scs, "%s",
            expert ? "--assessment, --key, --expert-name, "
                     "--registration-no, --out が必要です / are required"
                   : "--confirmed, --key, --assessor-name, "
                     "--assessor-id, --out が必要です / are required");
    if (expert && !mm_scs_registration_no_valid(id))
        return mm_cli_usage_error(
            &mm_cmd_scs, "--registration-no は6桁の数字です"
                         "（例 012345） / --registration-no must be 6 digits, "
                         "e.g. 012345");
    char today[11];
    const char *date = date_or_today(o->date, today);
    mm_scs_expert ex = {name, id, date, o->tenant};
    mm_scs_assessor as = {name, id, date, o->tenant};
    signer who = {expert ? &ex : NULL, expert ? NULL : &as};
    return sign_file(in, o->key, o->out, &who,
                     expert ? "確認を記録しました / confirmation recorded"
                            : "第三者評価の署名を付けました / assessor's "
                              "countersignature added");
}

int mm_cli_scs_confirm(opts *o)
{
    return sign_as(o, true);
}

int mm_cli_scs_countersign(opts *o)
{
    return sign_as(o, false);
}

int mm_cli_scs_verify(opts *o)
{
    int r;
    if (!o->positional)
        return mm_cli_usage_error(&mm_cmd_scs,
                                  "確認済みファイルを指定してください / "
                                  "give the confirmed file");
    static const char *const formats[] = {"html", "text", NULL};
    int fmt;
    if ((r = mm_cli_choice(&mm_cmd_scs, o->format, formats, -1,
                           "--format は text か html です / "
                           "--format must be text or html",
                           &fmt)) >= 0)
        return r;
    bool html = fmt == 0, text = fmt == 1;
    mm_scs_lang lang;
    if ((r = mm_cli_scs_lang(o->lang, &lang)) >= 0)
        return r;
    char pk[MM_SCS_PK_HEX + 1];
    if (o->pubkey && (r = mm_cli_scs_read_key(o->pubkey, MM_SCS_PK_HEX, pk,
                                              sizeof pk)) >= 0)
        return r;
    char *data;
    size_t len;
    mm_err err;
    mm_rc rc =
        mm_scs_read_file(o->positional, MM_SCS_FILE_MAX, &data, &len, &err);
    if (rc != MM_OK)
        return mm_cli_scs_report(&err, rc);
    rc = mm_scs_verify(data, len, o->positional, o->pubkey ? pk : NULL, &err);
    if (rc != MM_OK) {
        free(data);
        char msg[1024];
        mm_err_format(&err, msg, sizeof msg);
        fprintf(stderr, "mamori scs verify: %s: %s\n",
                rc == MM_EINVAL ? "無効 / INVALID" : "読めません / unreadable",
                msg);
        return rc == MM_EINVAL ? MM_EXIT_FAIL : mm_cli_scs_rc_exit(rc);
    }
    fprintf(
        stderr, "mamori scs verify: 有効 / VALID: %s — %s\n", o->positional,
        o->pubkey
            ? "指定の公開鍵による署名です / signed by the given public key"
            : "ファイル内の公開鍵による署名です。専門家本人の鍵かは --pubkey "
              "で確かめてください / signed by the key inside the file; "
              "check it is the expert's with --pubkey");
    int code = MM_EXIT_OK;
    if (html || text) {
        mm_buf b;
        mm_buf_init(&b, MM_SCS_REPORT_MAX);
        rc = html ? mm_scs_report_html(data, len, lang, true, &b, &err)
                  : mm_scs_report_text(data, len, lang, &b, &err);
        code = rc == MM_OK ? mm_cli_scs_emit(o->out, &b, 0644)
                           : mm_cli_scs_report(&err, rc);
        mm_buf_free(&b);
    }
    free(data);
    return code;
}
