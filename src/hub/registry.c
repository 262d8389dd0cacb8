/* SPDX-License-Identifier: Apache-2.0 */
/* registry.c — the ★ chain of trust: the registry of experts (登録セキスペ)
 * and third-party assessors whose keys the hub accepts on a confirmation,
 * added one by one or imported from the operator's CSV all or nothing
 * (docs/scs.md "The chain of trust"). */
#include "hub.h"
#include "scs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *mm_hub_reg_role_name(mm_hub_reg_role role)
{
    return role == MM_HUB_REG_ASSESSOR ? "assessor" : "expert";
}

/* UTF-8 text without control characters, at most max bytes ("" allowed
 * unless `required`). */
static bool text_ok(const char *s, size_t max, bool required)
{
    size_t n = strlen(s);
    if (n > max || (required && n == 0) || strchr(s, '\t'))
        return false;
    return mm_scs_text_valid(s, n);
}

static bool hex64(char *s)
{
    if (strlen(s) != MM_SCS_PK_HEX)
        return false;
    for (char *p = s; *p; p++) {
        if (*p >= 'A' && *p <= 'F')
            *p = (char)(*p - 'A' + 'a');
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    }
    return true;
}

static bool id_ok(mm_hub_reg_role role, const char *id)
{
    if (role == MM_HUB_REG_EXPERT)
        return mm_scs_registration_no_valid(id);
    size_t n = strlen(id);
    if (n == 0 || n > 32)
        return false;
    return strspn(id, "0123456789abcdefghijklmnopqrstuvwxyz"
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ-") == n;
}

mm_rc mm_hub_registrant_check(mm_hub_registrant *r, const char *name,
                              unsigned line, mm_err *err)
{
    const char *what = NULL;
    if (!id_ok(r->role, r->id))
        what = r->role == MM_HUB_REG_EXPERT
                   ? "登録番号は6桁の数字です / the registration number "
                     "must be 6 digits"
                   : "評価機関IDは英数字と '-'（32文字まで） / the assessor "
                     "id is letters, digits and '-' (32 at most)";
    else if (!text_ok(r->name, 256, true))
        what = "名前が空か長すぎます / the name is empty or too long";
    else if (!hex64(r->public_key))
        what = "公開鍵は16進64文字です（mamori scs keygen の .pub） / the "
               "public key must be 64 hex characters (the .pub of mamori "
               "scs keygen)";
    else if ((r->valid_from[0] && mm_scs_date_days(r->valid_from) < 0) ||
             (r->valid_until[0] && mm_scs_date_days(r->valid_until) < 0))
        what = "日付は YYYY-MM-DD です / dates must be YYYY-MM-DD";
    else if (r->valid_from[0] && r->valid_until[0] &&
             strcmp(r->valid_from, r->valid_until) > 0)
        what = "有効期限が開始日より前です / valid_until is before "
               "valid_from";
    else if (!text_ok(r->region, 128, false) ||
             !text_ok(r->industries, 256, false) ||
             !text_ok(r->themes, 256, false) ||
             !text_ok(r->contact, 256, false))
        what = "地域・業種・テーマ・連絡先に制御文字があるか長すぎます / "
               "region, industries, themes or contact has control "
               "characters or is too long";
    if (what)
        return mm_err_set(err, MM_EINVAL, name, line, "%s", what);
    return MM_OK;
}

mm_rc mm_hub_registry_add(mm_store *st, mm_hub_registrant *r, int64_t now_ms,
                          mm_err *err)
{
    mm_rc rc =
        mm_hub_registrant_check(r, mm_hub_reg_role_name(r->role), 0, err);
    if (rc != MM_OK)
        return rc;
    if (!st->ops->scs_registrant_put)
        return mm_err_set(err, MM_EINVAL, "store", 0,
                          "this store has no expert registry");
    r->added_ms = now_ms;
    return st->ops->scs_registrant_put(st, r, err);
}

/* ---- CSV import -------------------------------------------------------- */

#define CSV_COLS 9

static const char *const csv_header[2][CSV_COLS] = {
    {"registration_no", "name", "public_key", "valid_from", "valid_until",
     "region", "industries", "themes", "contact"},
    {"assessor_id", "name", "public_key", "valid_from", "valid_until",
     "region", "industries", "themes", "contact"},
};

/* Splits one CSV line (RFC 4180 quoting, no line breaks inside a field)
 * into f[] (NUL-terminated copies in buf). Returns the number of fields,
 * or -1 for a bad quote / too long a line. */
static int csv_split(const char *p, size_t n, char *buf, size_t buflen,
                     char *f[CSV_COLS + 1])
{
    size_t o = 0, i = 0;
    int nf = 0;
    for (;;) {
        if (nf > CSV_COLS)
            return nf;
        f[nf++] = buf + o;
        bool quoted = i < n && p[i] == '"';
        i += quoted;
        for (; i < n; i++) {
            if (quoted && p[i] == '"') {
                if (i + 1 < n && p[i + 1] == '"') {
                    i++;
                } else {
                    quoted = false;
                    continue;
                }
            } else if (!quoted && p[i] == ',') {
                break;
            } else if (!quoted && p[i] == '"') {
                return -1;
            }
            if (o + 2 >= buflen)
                return -1;
            buf[o++] = p[i];
        }
        if (quoted || o + 1 >= buflen)
            return -1;
        buf[o++] = '\0';
        if (i >= n)
            return nf;
        i++; /* the comma */
    }
}

static void put_field(char *dst, size_t len, const char *v, bool *too_long)
{
    size_t n = strlen(v);
    if (n >= len) {
        *too_long = true;
        n = len - 1;
    }
    memcpy(dst, v, n);
    dst[n] = '\0';
}

/* Fills r from the 9 fields of a line. */
static bool fill_row(mm_hub_registrant *r, char **f)
{
    bool tl = false;
    put_field(r->id, sizeof r->id, f[0], &tl);
    put_field(r->name, sizeof r->name, f[1], &tl);
    put_field(r->public_key, sizeof r->public_key, f[2], &tl);
    put_field(r->valid_from, sizeof r->valid_from, f[3], &tl);
    put_field(r->valid_until, sizeof r->valid_until, f[4], &tl);
    put_field(r->region, sizeof r->region, f[5], &tl);
    put_field(r->industries, sizeof r->industries, f[6], &tl);
    put_field(r->themes, sizeof r->themes, f[7], &tl);
    put_field(r->contact, sizeof r->contact, f[8], &tl);
    return !tl;
}

/* The checked rows; room for one per line of the file, allocated once. */
typedef struct csv_rows {
    mm_hub_registrant *v;
    unsigned *line;
    size_t n;
} csv_rows;

/* Parses and checks one data line into x (errors name name:line). */
static mm_rc csv_line(mm_hub_reg_role role, const char *name, unsigned line,
                      const char *p, size_t n, csv_rows *x, mm_err *err)
{
    char buf[2048];
    char *f[CSV_COLS + 1];
    int nf = csv_split(p, n, buf, sizeof buf, f);
    if (nf != CSV_COLS)
        return mm_err_set(err, MM_EPARSE, name, line,
                          "%d 列ではありません（引用符の誤りか行が長すぎ） / "
                          "not %d columns (bad quoting or line too long)",
                          CSV_COLS, CSV_COLS);
    mm_hub_registrant r;
    memset(&r, 0, sizeof r);
    r.role = role;
    if (!fill_row(&r, f))
        return mm_err_set(err, MM_EINVAL, name, line,
                          "値が長すぎます / a value is too long");
    mm_rc rc = mm_hub_registrant_check(&r, name, line, err);
    if (rc != MM_OK)
        return rc;
    for (size_t i = 0; i < x->n; i++)
        if (strcmp(x->v[i].id, r.id) == 0)
            return mm_err_set(err, MM_EINVAL, name, line,
                              "'%s' が重複しています（%u 行目） / '%s' "
                              "given twice (first at line %u)",
                              r.id, x->line[i], r.id, x->line[i]);
    x->line[x->n] = line;
    x->v[x->n++] = r;
    return MM_OK;
}

/* Checks the header line: exactly the documented columns. */
static mm_rc csv_head(mm_hub_reg_role role, const char *name, const char *p,
                      size_t n, mm_err *err)
{
    char buf[1024];
    char *f[CSV_COLS + 1];
    int nf = csv_split(p, n, buf, sizeof buf, f);
    bool ok = nf == CSV_COLS;
    for (int i = 0; ok && i < CSV_COLS; i++)
        ok = strcmp(f[i], csv_header[role][i]) == 0;
    if (!ok)
        return mm_err_set(err, MM_EPARSE, name, 1,
                          "1行目は見出し %s,name,public_key,valid_from,"
                          "valid_until,region,industries,themes,contact "
                          "です / the first line must be that header",
                          csv_header[role][0]);
    return MM_OK;
}

static mm_rc csv_parse(mm_hub_reg_role role, const char *name,
                       const char *text, size_t len, csv_rows *x, mm_err *err)
{
    size_t pos = 0;
    unsigned line = 0;
    bool head = false;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3; /* a BOM, as spreadsheet programs write it */
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        const char *p = text + pos;
        size_t n = end - pos;
        pos = end + 1;
        line++;
        if (n && p[n - 1] == '\r')
            n--;
        if (n == 0 || p[0] == '#')
            continue;
        mm_rc rc = head ? csv_line(role, name, line, p, n, x, err)
                        : csv_head(role, name, p, n, err);
        if (rc != MM_OK)
            return rc;
        head = true;
    }
    if (!head)
        return mm_err_set(err, MM_EPARSE, name, 0,
                          "空のファイルです / the file is empty");
    return MM_OK;
}

mm_rc mm_hub_registry_import(mm_store *st, mm_hub_reg_role role,
                             const char *name, const char *text, size_t len,
                             int64_t now_ms, size_t *n, mm_err *err)
{
    *n = 0;
    if (!st->ops->scs_registrant_put)
        return mm_err_set(err, MM_EINVAL, "store", 0,
                          "this store has no expert registry");
    size_t lines = 1;
    for (const char *p = text; (p = memchr(p, '\n', len - (size_t)(p - text)));
         p++)
        lines++;
    if (lines > MM_HUB_REG_IMPORT_MAX)
        return mm_err_set(err, MM_ELIMIT, name, 0,
                          "%zu 行は多すぎます / more than %u lines", lines,
                          MM_HUB_REG_IMPORT_MAX);
    csv_rows x = {calloc(lines, sizeof *x.v), calloc(lines, sizeof *x.line),
                  0};
    mm_rc rc = x.v && x.line
                   ? csv_parse(role, name, text, len, &x, err)
                   : mm_err_set(err, MM_ENOMEM, name, 0, "out of memory");
    /* all or nothing: every line was checked; one transaction stores all */
    if (rc == MM_OK)
        rc = mm_store_begin(st, err);
    if (rc == MM_OK) {
        for (size_t i = 0; i < x.n && rc == MM_OK; i++) {
            x.v[i].added_ms = now_ms;
            rc = st->ops->scs_registrant_put(st, &x.v[i], err);
        }
        rc = mm_store_end(st, rc, err);
    }
    if (rc == MM_OK)
        *n = x.n;
    free(x.v);
    free(x.line);
    return rc;
}

mm_rc mm_hub_registry_list(mm_store *st, mm_hub_reg_role role,
                           mm_hub_registrant_fn fn, void *ud, mm_err *err)
{
    if (!st->ops->scs_registrant_list)
        return mm_err_set(err, MM_EINVAL, "store", 0,
                          "this store has no expert registry");
    return st->ops->scs_registrant_list(st, (int)role, fn, ud, err);
}

mm_rc mm_hub_registry_key(mm_store *st, mm_hub_reg_role role,
                          const char *public_key, int64_t date_days,
                          int64_t today_days, mm_hub_registrant *out,
                          mm_err *err)
{
    const char *who =
        role == MM_HUB_REG_EXPERT ? "登録された専門家" : "登録された評価機関";
    const char *who_en = role == MM_HUB_REG_EXPERT ? "a registered expert"
                                                   : "a registered "
                                                     "assessor";
    if (!st->ops->scs_registrant_by_key)
        return mm_err_set(err, MM_EINVAL, "store", 0,
                          "this store has no expert registry");
    mm_rc rc =
        st->ops->scs_registrant_by_key(st, (int)role, public_key, out, err);
    if (rc == MM_ENOTFOUND)
        return mm_err_set(err, MM_EINVAL, "confirmation", 0,
                          "%sの鍵による署名ではありません（鍵 %.16s…） / "
                          "not signed by %s's key (key %.16s…)",
                          who, public_key, who_en, public_key);
    if (rc != MM_OK)
        return rc;
    int64_t from = out->valid_from[0] ? mm_scs_date_days(out->valid_from) : 0;
    int64_t until =
        out->valid_until[0] ? mm_scs_date_days(out->valid_until) : INT64_MAX;
    if (date_days < from || date_days > until || today_days > until)
        return mm_err_set(
            err, MM_EINVAL, "confirmation", 0,
            "%s（%s）の登録の有効期間外です（%s〜%s） / %s "
            "'%s' is not registered for that date (valid %s to "
            "%s)",
            who, out->id, out->valid_from[0] ? out->valid_from : "",
            out->valid_until[0] ? out->valid_until : "", who_en, out->id,
            out->valid_from[0] ? out->valid_from : "any time",
            out->valid_until[0] ? out->valid_until : "open");
    return MM_OK;
}

/* Registered on that day (days since 1970)? */
static bool registered_on(const mm_hub_registrant *r, int64_t day)
{
    return !(r->valid_until[0] && mm_scs_date_days(r->valid_until) < day) &&
           !(r->valid_from[0] && mm_scs_date_days(r->valid_from) > day);
}

typedef struct dir_ctx {
    int64_t today;
    size_t n;
    mm_buf *out;
    const char *region, *industry, *theme; /* NULL or "": any */
} dir_ctx;

/* `want` is empty or appears in the field (大阪 matches 大阪府), as
 * `mamori scs experts` filters. */
static bool field_has(const char *field, const char *want)
{
    return !want || !*want || strstr(field, want);
}

static mm_rc dir_row(const mm_hub_registrant *r, void *ud)
{
    const dir_ctx *c = ud;
    if (!registered_on(r, c->today) || !field_has(r->region, c->region) ||
        !field_has(r->industries, c->industry) ||
        !field_has(r->themes, c->theme))
        return MM_OK;
    dir_ctx *x = ud;
    const char *k[] = {"registration_no", "name",      "region",
                       "industries",      "themes",    "contact",
                       "valid_until",     "public_key"};
    const char *v[] = {r->id,     r->name,    r->region,      r->industries,
                       r->themes, r->contact, r->valid_until, r->public_key};
    mm_buf_puts(x->out, x->n++ ? ",{" : "{");
    for (size_t i = 0; i < sizeof k / sizeof *k; i++) {
        mm_buf_printf(x->out, "%s\"%s\":", i ? "," : "", k[i]);
        mm_buf_json_str(x->out, v[i], strlen(v[i]));
    }
    return mm_buf_puts(x->out, "}");
}

mm_rc mm_hub_registry_directory(mm_store *st, mm_hub_reg_role role,
                                int64_t today_days, mm_buf *out, mm_err *err)
{
    return mm_hub_registry_find(st, role, today_days, NULL, NULL, NULL, out,
                                err);
}

mm_rc mm_hub_registry_find(mm_store *st, mm_hub_reg_role role,
                           int64_t today_days, const char *region,
                           const char *industry, const char *theme,
                           mm_buf *out, mm_err *err)
{
    dir_ctx x = {today_days, 0, out, region, industry, theme};
    mm_buf_printf(out, "{\"role\":\"%s\",\"entries\":[",
                  mm_hub_reg_role_name(role));
    mm_rc rc = mm_hub_registry_list(st, role, dir_row, &x, err);
    if (rc == MM_OK && mm_buf_puts(out, "]}\n") != MM_OK)
        rc = mm_err_set(err, MM_ELIMIT, "directory", 0,
                        "reply larger than its cap");
    return rc;
}
