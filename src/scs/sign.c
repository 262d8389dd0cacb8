/* SPDX-License-Identifier: Apache-2.0 */
/* sign.c — the expert's confirmation: an Ed25519 signature (libsodium) over
 * the canonical form of the assessment and the confirmation record, and
 * its verification. A confirmed file is itself canonical JSON, so any
 * change to any byte is detected. */
#include "scs-int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOMAIN "mamori-scs-confirmation 1\n"
/* The third-party assessor's countersignature (★4) covers the whole
 * confirmed document, the expert's signature included. */
#define DOMAIN_ASSESSOR "mamori-scs-assessor 1\n"

mm_rc mm_scs_keygen(char pk_hex[MM_SCS_PK_HEX + 1],
                    char sk_hex[MM_SCS_SK_HEX + 1])
{
    if (sodium_init() < 0)
        return MM_EINTERNAL;
    unsigned char pk[crypto_sign_PUBLICKEYBYTES],
        sk[crypto_sign_SECRETKEYBYTES];
    if (crypto_sign_keypair(pk, sk) != 0)
        return MM_EINTERNAL;
    scs_hex(pk, sizeof pk, pk_hex);
    scs_hex(sk, sizeof sk, sk_hex);
    sodium_memzero(sk, sizeof sk);
    return MM_OK;
}

bool mm_scs_registration_no_valid(const char *s)
{
    if (!s || strlen(s) != 6)
        return false;
    for (int i = 0; i < 6; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Exactly `n` bytes from lower- or upper-case hex; false otherwise. */
static bool unhex(const char *hex, unsigned char *out, size_t n)
{
    if (!hex || strlen(hex) != 2 * n)
        return false;
    size_t got = 0;
    return sodium_hex2bin(out, n, hex, 2 * n, NULL, &got, NULL) == 0 &&
           got == n;
}

/* DOMAIN + canonical({"assessment": a, "confirmation": c minus signature}). */
static mm_rc payload(const json_t *a, const json_t *c, mm_buf *out)
{
    json_t *cc = json_deep_copy(c);
    if (!cc)
        return MM_ENOMEM;
    json_object_del(cc, "signature");
    json_t *env = json_pack("{s:O, s:o}", "assessment", a, "confirmation", cc);
    if (!env)
        return MM_ENOMEM;
    mm_rc rc = mm_buf_puts(out, DOMAIN);
    if (rc == MM_OK)
        rc = scs_json_dump(env, false, out);
    json_decref(env);
    return rc;
}

static bool text_field_ok(const char *s, size_t max)
{
    return s && *s && scs_str_ok(s, max);
}

/* Adds "tenant" to a signer's record when one is named; NULL (record
 * freed) when out of memory. */
static json_t *with_tenant(json_t *rec, const char *tenant)
{
    if (rec && tenant &&
        json_object_set_new(rec, "tenant", json_string(tenant)) != 0) {
        json_decref(rec);
        return NULL;
    }
    return rec;
}

/* Signs msg with sk and sets the hex signature as rec's "signature". */
static mm_rc sign_into(json_t *rec, const mm_buf *msg, const unsigned char *sk)
{
    unsigned char sig[crypto_sign_BYTES];
    char sig_hex[2 * crypto_sign_BYTES + 1];
    crypto_sign_detached(sig, NULL, (const unsigned char *)msg->data, msg->len,
                         sk);
    scs_hex(sig, sizeof sig, sig_hex);
    return json_object_set_new(rec, "signature", json_string(sig_hex)) == 0
               ? MM_OK
               : MM_ENOMEM;
}

static mm_rc secret_key(const char *sk_hex,
                        unsigned char sk[crypto_sign_SECRETKEYBYTES],
                        mm_err *err)
{
    if (unhex(sk_hex, sk, crypto_sign_SECRETKEYBYTES))
        return MM_OK;
    return mm_err_set(err, MM_EINVAL, "--key", 0,
                      "秘密鍵の形式が正しくありません / the secret key is "
                      "not %d hex characters",
                      MM_SCS_SK_HEX);
}

/* The signing date, and the tenant when one is named. */
static mm_rc date_tenant_check(const char *date, const char *tenant,
                               mm_err *err)
{
    if (!date || !scs_date_ok(date))
        return mm_err_set(err, MM_EINVAL, "--date", 0,
                          "日付は YYYY-MM-DD です / "
                          "the date must be YYYY-MM-DD");
    if (tenant && !scs_tenant_ok(tenant))
        return mm_err_set(err, MM_EINVAL, "--tenant", 0,
                          "テナントIDが正しくありません / bad tenant id "
                          "(letters, digits, '.', '_', '-'; 64 at most)");
    return MM_OK;
}

mm_rc mm_scs_confirm(const char *assessment_json, size_t len, const char *name,
                     const mm_scs_expert *expert, const char *sk_hex,
                     mm_buf *out, mm_err *err)
{
    if (sodium_init() < 0)
        return mm_err_set(err, MM_EINTERNAL, name, 0, "libsodium init failed");
    if (!text_field_ok(expert->name, 200))
        return mm_err_set(
            err, MM_EINVAL, "--expert-name", 0,
            "専門家の氏名が"
            "空か長すぎます / the expert's name is empty or too long");
    if (!mm_scs_registration_no_valid(expert->registration_no))
        return mm_err_set(
            err, MM_EINVAL, "--registration-no", 0,
            "登録番号は6桁"
            "の数字です（例 012345） / the registration number must "
            "be 6 digits, e.g. 012345");
    mm_rc drc = date_tenant_check(expert->date, expert->tenant, err);
    if (drc != MM_OK)
        return drc;
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    if ((drc = secret_key(sk_hex, sk, err)) != MM_OK)
        return drc;
    if (len > MM_SCS_FILE_MAX) {
        sodium_memzero(sk, sizeof sk);
        return mm_err_set(err, MM_ELIMIT, name, 0, "file too large");
    }
    json_t *a = scs_json_parse(assessment_json, len, name, err);
    if (!a) {
        sodium_memzero(sk, sizeof sk);
        return MM_EPARSE;
    }
    const char *f = json_string_value(json_object_get(a, "format"));
    if (!f || strcmp(f, "mamori-scs-assessment 1") != 0) {
        json_decref(a);
        sodium_memzero(sk, sizeof sk);
        return mm_err_set(
            err, MM_EPARSE, name, 0,
            "診断結果 (assess --format json "
            "の出力) ではありません / not an assessment (want the "
            "output of `mamori scs assess --format json`)");
    }
    char pk_hex[MM_SCS_PK_HEX + 1];
    scs_hex(sk + crypto_sign_SEEDBYTES, crypto_sign_PUBLICKEYBYTES, pk_hex);
    json_t *c = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s}", "expert_name", expert->name,
        "registration_no", expert->registration_no, "date", expert->date,
        "public_key", pk_hex, "algorithm", "ed25519", "scheme",
        "専門家確認付き自己評価 / self-assessment confirmed by an expert");
    c = with_tenant(c, expert->tenant);
    mm_buf msg;
    mm_buf_init(&msg, MM_SCS_REPORT_MAX);
    mm_rc rc = c ? payload(a, c, &msg) : MM_ENOMEM;
    if (rc == MM_OK) {
        json_t *env =
            json_pack("{s:O, s:O}", "assessment", a, "confirmation", c);
        if (!env || sign_into(c, &msg, sk) != MM_OK)
            rc = MM_ENOMEM;
        if (rc == MM_OK)
            rc = scs_json_dump(env, false, out);
        if (rc == MM_OK)
            rc = mm_buf_puts(out, "\n");
        json_decref(env);
    }
    sodium_memzero(sk, sizeof sk);
    mm_buf_free(&msg);
    json_decref(c);
    json_decref(a);
    if (rc != MM_OK)
        return mm_err_set(err, rc, name, 0, "out of memory");
    return MM_OK;
}

/* DOMAIN_ASSESSOR + canonical(root, the assessor's signature left out). */
static mm_rc assessor_payload(const json_t *root, mm_buf *out)
{
    json_t *cp = json_deep_copy(root);
    if (!cp)
        return MM_ENOMEM;
    json_object_del(json_object_get(cp, "assessor"), "signature");
    mm_rc rc = mm_buf_puts(out, DOMAIN_ASSESSOR);
    if (rc == MM_OK)
        rc = scs_json_dump(cp, false, out);
    json_decref(cp);
    return rc;
}

/* The third-party assessor's countersignature over the confirmed file. */
static mm_rc verify_assessor(const json_t *root, const json_t *x,
                             const char *name, mm_err *err)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];
    const char *date = json_string_value(json_object_get(x, "date"));
    if (!unhex(json_string_value(json_object_get(x, "public_key")), pk,
               sizeof pk) ||
        !unhex(json_string_value(json_object_get(x, "signature")), sig,
               sizeof sig))
        return mm_err_set(err, MM_EINVAL, name, 0,
                          "評価機関の公開鍵か署名の形式が正しくありません / "
                          "the assessor's public key or signature is "
                          "malformed");
    if (!scs_assessor_id_ok(
            json_string_value(json_object_get(x, "assessor_id"))) ||
        !date || !scs_date_ok(date))
        return mm_err_set(err, MM_EINVAL, name, 0,
                          "評価機関のIDか日付が正しくありません / the "
                          "assessor's id or date is malformed");
    mm_buf msg;
    mm_buf_init(&msg, MM_SCS_REPORT_MAX);
    mm_rc rc = assessor_payload(root, &msg);
    if (rc != MM_OK)
        rc = mm_err_set(err, rc, name, 0, "out of memory");
    else if (crypto_sign_verify_detached(sig, (const unsigned char *)msg.data,
                                         msg.len, pk) != 0)
        rc = mm_err_set(err, MM_EINVAL, name, 0,
                        "評価機関の署名が一致しません / the assessor's "
                        "signature does not match");
    mm_buf_free(&msg);
    return rc;
}

mm_rc mm_scs_verify(const char *text, size_t len, const char *name,
                    const char *pk_hex, mm_err *err)
{
    if (sodium_init() < 0)
        return mm_err_set(err, MM_EINTERNAL, name, 0, "libsodium init failed");
    if (len > MM_SCS_FILE_MAX)
        return mm_err_set(err, MM_ELIMIT, name, 0, "file too large");
    json_t *root = scs_json_parse(text, len, name, err);
    if (!root)
        return MM_EPARSE;
    json_t *a = json_object_get(root, "assessment");
    json_t *c = json_object_get(root, "confirmation");
    json_t *x = json_object_get(root, "assessor");
    if (!json_is_object(a) || !json_is_object(c) ||
        (x && !json_is_object(x)) || json_object_size(root) != (x ? 3u : 2u)) {
        json_decref(root);
        return mm_err_set(err, MM_EPARSE, name, 0,
                          "確認済みの診断結果ではありま"
                          "せん / not a confirmed assessment (want "
                          "{\"assessment\":…, \"confirmation\":…})");
    }
    mm_rc rc = MM_OK;
    mm_buf canon, msg;
    mm_buf_init(&canon, MM_SCS_REPORT_MAX);
    mm_buf_init(&msg, MM_SCS_REPORT_MAX);
    const char *pk_s = json_string_value(json_object_get(c, "public_key"));
    const char *sig_s = json_string_value(json_object_get(c, "signature"));
    unsigned char pk[crypto_sign_PUBLICKEYBYTES],
        want[crypto_sign_PUBLICKEYBYTES];
    unsigned char sig[crypto_sign_BYTES];
    if (scs_json_dump(root, false, &canon) != MM_OK ||
        mm_buf_puts(&canon, "\n") != MM_OK) {
        rc = mm_err_set(err, MM_ENOMEM, name, 0, "out of memory");
    } else if (!(canon.len == len && memcmp(canon.data, text, len) == 0) &&
               !(canon.len == len + 1 && memcmp(canon.data, text, len) == 0)) {
        rc = mm_err_set(
            err, MM_EINVAL, name, 0,
            "確認後に書き換えられています（正規形ではありません） / "
            "altered after confirmation: the file is not in the canonical "
            "form it was signed in");
    } else if (!unhex(pk_s, pk, sizeof pk) || !unhex(sig_s, sig, sizeof sig)) {
        rc =
            mm_err_set(err, MM_EINVAL, name, 0,
                       "公開鍵か署名の形式が正しくありません / the public key "
                       "or the signature is malformed");
    } else if (!mm_scs_registration_no_valid(
                   json_string_value(json_object_get(c, "registration_no")))) {
        rc = mm_err_set(err, MM_EINVAL, name, 0,
                        "登録番号が6桁の数字ではありません / the registration "
                        "number is not 6 digits");
    } else if (!json_string_value(json_object_get(c, "date")) ||
               !scs_date_ok(json_string_value(json_object_get(c, "date")))) {
        rc =
            mm_err_set(err, MM_EINVAL, name, 0,
                       "確認日が YYYY-MM-DD ではありません / the confirmation "
                       "date is not YYYY-MM-DD");
    } else if (pk_hex && (!unhex(pk_hex, want, sizeof want) ||
                          sodium_memcmp(want, pk, sizeof pk) != 0)) {
        rc = mm_err_set(err, MM_EINVAL, name, 0,
                        "指定の公開鍵による署名ではありません / not signed by "
                        "the expected public key (file has %.16s…)",
                        pk_s);
    } else if ((rc = payload(a, c, &msg)) != MM_OK) {
        rc = mm_err_set(err, rc, name, 0, "out of memory");
    } else if (crypto_sign_verify_detached(
                   sig, (const unsigned char *)msg.data, msg.len, pk) != 0) {
        rc = mm_err_set(
            err, MM_EINVAL, name, 0,
            "署名が一致しません（確認後に書き換えられています） / "
            "the signature does not match: the file was altered after "
            "confirmation");
    } else if (x) {
        rc = verify_assessor(root, x, name, err);
    }
    mm_buf_free(&canon);
    mm_buf_free(&msg);
    json_decref(root);
    return rc;
}

static mm_rc countersign_check(const mm_scs_assessor *as, mm_err *err)
{
    if (!text_field_ok(as->name, 200))
        return mm_err_set(err, MM_EINVAL, "--assessor-name", 0,
                          "評価機関の名前が空か長すぎます / the assessor's "
                          "name is empty or too long");
    if (!scs_assessor_id_ok(as->assessor_id))
        return mm_err_set(err, MM_EINVAL, "--assessor-id", 0,
                          "評価機関IDは英数字と '-'（32文字まで）です / the "
                          "assessor id is letters, digits and '-' (32 at "
                          "most)");
    return date_tenant_check(as->date, as->tenant, err);
}

mm_rc mm_scs_countersign(const char *confirmed, size_t len, const char *name,
                         const mm_scs_assessor *as, const char *sk_hex,
                         mm_buf *out, mm_err *err)
{
    mm_rc rc = countersign_check(as, err);
    if (rc != MM_OK)
        return rc;
    if ((rc = mm_scs_verify(confirmed, len, name, NULL, err)) != MM_OK)
        return rc;
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    if ((rc = secret_key(sk_hex, sk, err)) != MM_OK)
        return rc;
    json_t *root = scs_json_parse(confirmed, len, name, err);
    if (!root) {
        sodium_memzero(sk, sizeof sk);
        return MM_EPARSE;
    }
    if (json_object_get(root, "assessor")) {
        json_decref(root);
        sodium_memzero(sk, sizeof sk);
        return mm_err_set(err, MM_EINVAL, name, 0,
                          "既に評価機関の署名があります / already "
                          "countersigned by an assessor");
    }
    char pk_hex[MM_SCS_PK_HEX + 1];
    scs_hex(sk + crypto_sign_SEEDBYTES, crypto_sign_PUBLICKEYBYTES, pk_hex);
    json_t *x = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", as->name,
                          "assessor_id", as->assessor_id, "date", as->date,
                          "public_key", pk_hex, "algorithm", "ed25519",
                          "scheme", "第三者評価 / third-party assessment");
    x = with_tenant(x, as->tenant);
    rc =
        x && json_object_set_new(root, "assessor", x) == 0 ? MM_OK : MM_ENOMEM;
    mm_buf msg;
    mm_buf_init(&msg, MM_SCS_REPORT_MAX);
    if (rc == MM_OK)
        rc = assessor_payload(root, &msg);
    if (rc == MM_OK)
        rc = sign_into(x, &msg, sk);
    if (rc == MM_OK)
        rc = scs_json_dump(root, false, out);
    if (rc == MM_OK)
        rc = mm_buf_puts(out, "\n");
    sodium_memzero(sk, sizeof sk);
    mm_buf_free(&msg);
    json_decref(root);
    return rc == MM_OK ? MM_OK : mm_err_set(err, rc, name, 0, "out of memory");
}
