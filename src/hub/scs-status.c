/* SPDX-License-Identifier: Apache-2.0 */
/* scs-status.c — the hub's SCS buyer view: suppliers submit their
 * expert-confirmed ★ (verified with the scs module), buyers set the ★ they
 * require of each of their suppliers (graph links only) and read each
 * supplier's latest confirmed ★ against it (docs/hub.md, docs/api.md). */
#include "hub.h"
#include "scs.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int level_from(const char *s)
{
    if (!s)
        return -1;
    if (strcmp(s, "★4") == 0)
        return 4;
    if (strcmp(s, "★3") == 0)
        return 3;
    if (strcmp(s, "none") == 0 || strcmp(s, "★1") == 0 || strcmp(s, "★2") == 0)
        return 0; /* SECURITY ACTION rungs: no SCS ★ */
    return -1;
}

static const char *level_text(int level)
{
    return level == 4 ? "★4" : level == 3 ? "★3" : "none";
}

/* Copies a JSON string member into out; false when missing or too long. */
static bool take(json_t *o, const char *key, char *out, size_t outlen)
{
    const char *v = json_string_value(json_object_get(o, key));
    if (!v || strlen(v) >= outlen)
        return false;
    memcpy(out, v, strlen(v) + 1);
    return true;
}

/* ---- the chain of trust (issue 12 §1) -------------------------------------
 * A verified signature only proves the file matches the key inside it. The
 * hub also wants: the key registered (expert; assessor for ★4) and valid,
 * the document made for this tenant, a date neither in the future nor past
 * the scheme's validity, and an `achieved` that the signed answers give. */

#define REFUSE(err, ...)                                                      \
    mm_err_set(err, MM_EINVAL, "confirmation", 0, __VA_ARGS__)

/* Today as a Japanese calendar date (the scheme's dates are), in days. */
static int64_t jst_days(int64_t now_ms)
{
    return (now_ms / 1000 + 9 * 3600) / 86400;
}

static void days_text(int64_t days, char out[16])
{
    char t[32];
    mm_time_format(days * 86400 * 1000, t, sizeof t);
    snprintf(out, 16, "%.10s", t);
}

/* The document names `supplier` and is dated on or before today. */
static mm_rc check_party(const json_t *o, const char *who, const char *who_en,
                         const char *supplier, int64_t today, int64_t *days,
                         mm_err *err)
{
    const char *tenant = json_string_value(json_object_get(o, "tenant"));
    const char *date = json_string_value(json_object_get(o, "date"));
    if (!tenant)
        return REFUSE(err,
                      "%sの署名に宛先テナントがありません（mamori scs "
                      "confirm --tenant ID で作り直してください） / the %s "
                      "signature does not name the tenant it is for (make "
                      "it again with --tenant ID)",
                      who, who_en);
    if (strcmp(tenant, supplier) != 0)
        return REFUSE(err,
                      "この確認はテナント '%s' 宛てで、'%s' のものではあり"
                      "ません / this confirmation was made for tenant '%s', "
                      "not '%s'",
                      tenant, supplier, tenant, supplier);
    *days = mm_scs_date_days(date);
    if (*days < 0 || *days > today)
        return REFUSE(err,
                      "%sの日付 %s が未来です / the %s date %s is in the "
                      "future",
                      who, date ? date : "?", who_en, date ? date : "?");
    return MM_OK;
}

/* The ★ recomputed from the signed answers must be the signed one. */
static mm_rc check_level(const char *doc, size_t len, int *achieved,
                         unsigned *valid_days, mm_err *err)
{
    char path[4096 + 64];
    mm_scs_catalogue_path(NULL, path, sizeof path);
    mm_scs_catalogue *cat = NULL;
    mm_rc rc = mm_scs_catalogue_load(path, &cat, err);
    if (rc != MM_OK)
        return mm_err_set(err, MM_EIO, path, 0,
                          "ハブがSCSカタログを読めません / the hub cannot "
                          "read its SCS catalogue");
    int claimed = -1;
    rc = mm_scs_recompute(cat, doc, len, "confirmation", achieved, &claimed,
                          err);
    for (int l = 0; l < 5; l++)
        valid_days[l] = cat->valid_days[l];
    mm_scs_catalogue_free(cat);
    if (rc != MM_OK)
        return rc;
    if (claimed != *achieved)
        return REFUSE(err,
                      "署名された達成レベル %s は、署名された回答から計算"
                      "した %s と一致しません / the signed achieved level %s "
                      "does not follow from the signed answers (they give "
                      "%s)",
                      level_text(claimed), level_text(*achieved),
                      level_text(claimed), level_text(*achieved));
    return MM_OK;
}

/* ★4 needs a registered assessor's countersignature for this tenant. */
static mm_rc check_assessor(mm_store *st, const json_t *x,
                            const char *supplier, int64_t today, int64_t *days,
                            mm_hub_scs_confirmation *c, mm_err *err)
{
    if (!x)
        return REFUSE(err,
                      "★4 には登録された第三者評価機関の署名が必要です"
                      "（mamori scs countersign） / ★4 needs the "
                      "countersignature of a registered third-party assessor "
                      "(mamori scs countersign)");
    mm_rc rc =
        check_party(x, "評価機関", "assessor's", supplier, today, days, err);
    if (rc != MM_OK)
        return rc;
    mm_hub_registrant reg;
    rc = mm_hub_registry_key(
        st, MM_HUB_REG_ASSESSOR,
        json_string_value(json_object_get(x, "public_key")), *days, today,
        &reg, err);
    if (rc != MM_OK)
        return rc;
    snprintf(c->assessor_name, sizeof c->assessor_name, "%s", reg.name);
    snprintf(c->assessor_id, sizeof c->assessor_id, "%s", reg.id);
    return MM_OK;
}

static mm_rc check_trust(mm_store *st, const char *supplier,
                         const json_t *root, const char *doc, size_t len,
                         int64_t now_ms, mm_hub_scs_confirmation *c,
                         mm_err *err)
{
    const json_t *k = json_object_get(root, "confirmation");
    const json_t *x = json_object_get(root, "assessor");
    int64_t today = jst_days(now_ms), days = 0;
    mm_rc rc =
        check_party(k, "専門家", "expert's", supplier, today, &days, err);
    mm_hub_registrant reg;
    if (rc == MM_OK)
        rc = mm_hub_registry_key(st, MM_HUB_REG_EXPERT, c->public_key, days,
                                 today, &reg, err);
    if (rc == MM_OK && strcmp(reg.id, c->registration_no) != 0)
        rc = REFUSE(err,
                    "登録番号 %s はこの鍵の登録（%s）と違います / "
                    "registration number %s is not the one registered for "
                    "this key (%s)",
                    c->registration_no, reg.id, c->registration_no, reg.id);
    unsigned valid[5] = {0};
    if (rc == MM_OK)
        rc = check_level(doc, len, &c->achieved, valid, err);
    if (rc != MM_OK)
        return rc;
    snprintf(c->expert_name, sizeof c->expert_name, "%s", reg.name);
    if (c->achieved == 4 && !x && c->target == 3)
        c->achieved = 3; /* a ★3 confirmation of a company that meets more */
    else if (c->achieved == 4 && (rc = check_assessor(st, x, supplier, today,
                                                      &days, c, err)) != MM_OK)
        return rc;
    unsigned vd = valid[c->achieved == 4 ? 4 : 3];
    if (vd == 0)
        return REFUSE(err,
                      "SCSカタログに有効期間 (valid_days_%d) があり"
                      "ません / the SCS catalogue states no validity "
                      "(valid_days_%d)",
                      c->achieved == 4 ? 4 : 3, c->achieved == 4 ? 4 : 3);
    char from[16];
    days_text(days, from);
    if (today - days > (int64_t)vd)
        return REFUSE(err,
                      "%s の確認は有効期間（%u 日）を過ぎています / the "
                      "confirmation of %s is older than the scheme's "
                      "validity of %u days",
                      from, vd, from, vd);
    days_text(days + vd, c->valid_until);
    return MM_OK;
}

mm_rc mm_hub_scs_submit(mm_store *st, const char *supplier, const char *doc,
                        size_t len, int64_t now_ms,
                        mm_hub_scs_confirmation *out, mm_err *err)
{
    if (!mm_hub_id_valid(supplier))
        return mm_err_set(err, MM_EINVAL, "confirmation", 0, "bad tenant id");
    if (len > MM_HUB_SCS_DOC_MAX)
        return mm_err_set(
            err, MM_EINVAL, "confirmation", 0,
            "確認済み評価が大きすぎます / confirmed assessment larger "
            "than %u bytes",
            MM_HUB_SCS_DOC_MAX);
    mm_rc rc = mm_scs_verify(doc, len, "confirmation", NULL, err);
    if (rc != MM_OK)
        return rc == MM_EPARSE ? MM_EPARSE : MM_EINVAL;
    json_error_t je;
    json_t *root = json_loadb(doc, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return mm_err_set(err, MM_EPARSE, "confirmation", (unsigned)je.line,
                          "%s", je.text);
    mm_hub_scs_confirmation c;
    memset(&c, 0, sizeof c);
    snprintf(c.supplier, sizeof c.supplier, "%s", supplier);
    c.received_ms = now_ms;
    json_t *a = json_object_get(root, "assessment");
    json_t *k = json_object_get(root, "confirmation");
    c.achieved = level_from(json_string_value(json_object_get(a, "achieved")));
    c.target = level_from(json_string_value(json_object_get(a, "target")));
    bool ok = c.achieved >= 0 && c.target >= 3 &&
              take(k, "expert_name", c.expert_name, sizeof c.expert_name) &&
              take(k, "registration_no", c.registration_no,
                   sizeof c.registration_no) &&
              take(k, "date", c.confirmed_date, sizeof c.confirmed_date) &&
              take(k, "public_key", c.public_key, sizeof c.public_key) &&
              take(json_object_get(a, "catalogue"), "version",
                   c.catalogue_version, sizeof c.catalogue_version);
    rc = ok ? check_trust(st, supplier, root, doc, len, now_ms, &c, err)
            : mm_err_set(err, MM_EPARSE, "confirmation", 0,
                         "確認済み評価の項目が不正です / the confirmed "
                         "assessment lacks achieved, target, expert or "
                         "catalogue fields");
    json_decref(root);
    if (rc != MM_OK)
        return rc;
    c.document = doc;
    c.document_len = len;
    if ((rc = mm_store_scs_confirmation_put(st, &c, err)) != MM_OK)
        return rc;
    c.document = NULL;
    c.document_len = 0;
    if (out)
        *out = c;
    return MM_OK;
}

typedef struct link_find {
    const char *supplier, *customer;
    bool found, disclose;
} link_find;

static mm_rc find_link(const mm_link *l, void *ud)
{
    link_find *f = ud;
    if (strcmp(l->supplier, f->supplier) == 0 &&
        strcmp(l->customer, f->customer) == 0) {
        f->found = true;
        f->disclose = l->disclose;
        return MM_ELIMIT; /* stop: found */
    }
    return MM_OK;
}

mm_rc mm_hub_scs_require(mm_store *st, const char *buyer, const char *supplier,
                         int level, int64_t now_ms, mm_err *err)
{
    if (level != 3 && level != 4)
        return mm_err_set(
            err, MM_EINVAL, "level", 0,
            "要求レベルは ★3 か ★4 です / the level must be ★3 or ★4");
    if (!mm_hub_id_valid(buyer) || !mm_hub_id_valid(supplier))
        return mm_err_set(err, MM_EINVAL, "supplier", 0, "bad tenant id");
    link_find f = {supplier, buyer, false, false};
    mm_rc rc = mm_store_link_list(st, find_link, &f, err);
    if (rc != MM_OK && rc != MM_ELIMIT)
        return rc;
    if (!f.found)
        return mm_err_set(
            err, MM_ENOTFOUND, supplier, 0,
            "'%s' は '%s' の仕入先ではありません / '%s' is not a "
            "supplier of '%s'",
            supplier, buyer, supplier, buyer);
    return mm_store_scs_requirement_put(st, buyer, supplier, level, now_ms,
                                        err);
}

/* ---- the buyer view
 * --------------------------------------------------------- */

typedef struct rows_ctx {
    const char *buyer;
    mm_hub_scs_row *v; /* n rows, room for cap (mm_grow) */
    size_t n, cap;
} rows_ctx;

/* A row for each supplier of the buyer. */
static mm_rc collect_supplier(const mm_link *l, void *ud)
{
    rows_ctx *x = ud;
    if (strcmp(l->customer, x->buyer) != 0)
        return MM_OK;
    if (x->n >= MM_HUB_SCS_SUPPLIERS_MAX)
        return MM_ELIMIT;
    mm_hub_scs_row *nv = mm_grow(x->v, &x->cap, x->n + 1, sizeof *nv, 8);
    if (!nv)
        return MM_ENOMEM;
    x->v = nv;
    mm_hub_scs_row *r = &x->v[x->n++];
    memset(r, 0, sizeof *r);
    snprintf(r->supplier, sizeof r->supplier, "%s", l->supplier);
    r->disclose = l->disclose;
    return MM_OK;
}

static mm_rc name_rows(const mm_tenant *t, void *ud)
{
    rows_ctx *x = ud;
    for (size_t i = 0; i < x->n; i++)
        if (x->v[i].disclose && strcmp(x->v[i].supplier, t->id) == 0)
            snprintf(x->v[i].name, sizeof x->v[i].name, "%s", t->name);
    return MM_OK;
}

/* The verdict in both languages, e.g.
 * 「要求 ★4 に対し確認済み ★3：未達」 / "required ★4, confirmed ★3: not met".
 */
static void describe(mm_hub_scs_row *r)
{
    char cja[160], cen[160];
    int64_t left = 0;
    if (!r->has_conf) {
        snprintf(cja, sizeof cja, "確認の提出なし");
        snprintf(cen, sizeof cen, "no confirmation submitted");
    } else if (r->conf.achieved == 0) {
        snprintf(cja, sizeof cja, "確認済み ★なし");
        snprintf(cen, sizeof cen, "confirmed none");
    } else if (r->conf.expired) {
        snprintf(cja, sizeof cja, "確認済み %s（%s に期限切れ）",
                 level_text(r->conf.achieved), r->conf.valid_until);
        snprintf(cen, sizeof cen, "confirmed %s (lapsed %s)",
                 level_text(r->conf.achieved), r->conf.valid_until);
    } else if (mm_hub_scs_days_left(r->conf.valid_until, mm_now_ms(), &left) &&
               left <= 60) { /* the renewal reminders' window */
        char ja[64], en[64];
        mm_hub_scs_expiry_text(left, ja, en, sizeof ja);
        snprintf(cja, sizeof cja, "確認済み %s（%s）",
                 level_text(r->conf.achieved), ja);
        snprintf(cen, sizeof cen, "confirmed %s (%s)",
                 level_text(r->conf.achieved), en);
    } else {
        snprintf(cja, sizeof cja, "確認済み %s", level_text(r->conf.achieved));
        snprintf(cen, sizeof cen, "confirmed %s",
                 level_text(r->conf.achieved));
    }
    if (!r->required) {
        r->meets = -1;
        snprintf(r->status_ja, sizeof r->status_ja, "要求なし・%s", cja);
        snprintf(r->status_en, sizeof r->status_en, "no requirement set, %s",
                 cen);
        return;
    }
    r->meets =
        r->has_conf && !r->conf.expired && r->conf.achieved >= r->required ? 1
                                                                           : 0;
    snprintf(r->status_ja, sizeof r->status_ja, "要求 %s に対し%s：%s",
             level_text(r->required), cja, r->meets ? "達成" : "未達");
    snprintf(r->status_en, sizeof r->status_en, "required %s, %s: %s",
             level_text(r->required), cen, r->meets ? "met" : "not met");
}

static int cmp_row(const void *a, const void *b)
{
    return strcmp(((const mm_hub_scs_row *)a)->supplier,
                  ((const mm_hub_scs_row *)b)->supplier);
}

mm_rc mm_hub_scs_status(mm_store *st, const char *buyer, mm_hub_scs_row **rows,
                        size_t *n, mm_err *err)
{
    *rows = NULL;
    *n = 0;
    rows_ctx x = {.buyer = buyer};
    mm_rc rc = mm_store_link_list(st, collect_supplier, &x, err);
    if (rc == MM_ELIMIT)
        rc = mm_err_set(err, MM_ELIMIT, buyer, 0, "more than %u suppliers",
                        MM_HUB_SCS_SUPPLIERS_MAX);
    else if (rc == MM_ENOMEM)
        rc = mm_err_set(err, MM_ENOMEM, buyer, 0, "out of memory");
    if (rc == MM_OK)
        rc = mm_store_tenant_list(st, name_rows, &x, err);
    for (size_t i = 0; rc == MM_OK && i < x.n; i++) {
        mm_hub_scs_row *r = &x.v[i];
        rc = mm_store_scs_requirement_get(st, buyer, r->supplier, &r->required,
                                          NULL, err);
        if (rc == MM_ENOTFOUND) {
            r->required = 0;
            rc = MM_OK;
        }
        if (rc != MM_OK)
            break;
        rc = mm_store_scs_confirmation_latest(st, r->supplier, &r->conf, err);
        r->has_conf = rc == MM_OK;
        if (rc == MM_ENOTFOUND)
            rc = MM_OK;
        if (r->has_conf && r->conf.valid_until[0]) {
            char today[16];
            days_text(jst_days(mm_now_ms()), today);
            r->conf.expired = strcmp(today, r->conf.valid_until) > 0;
        }
        describe(r);
    }
    if (rc != MM_OK) {
        free(x.v);
        return rc;
    }
    if (x.n > 1)
        qsort(x.v, x.n, sizeof *x.v, cmp_row);
    *rows = x.v;
    *n = x.n;
    return MM_OK;
}

static void json_str_or_null(mm_buf *b, const char *s)
{
    if (s && *s)
        mm_buf_json_str(b, s, strlen(s));
    else
        mm_buf_puts(b, "null");
}

/* ,"expires_in_days":N,"expiry_ja":…,"expiry_en":… (nulls when there is
 * no date): how long a confirmation still holds, in days (negative once
 * lapsed) and in words. */
static void expiry_json(mm_buf *b, const char *valid_until, int64_t now_ms)
{
    int64_t days;
    if (!mm_hub_scs_days_left(valid_until, now_ms, &days)) {
        mm_buf_puts(b, ",\"expires_in_days\":null,\"expiry_ja\":null,"
                       "\"expiry_en\":null");
        return;
    }
    char ja[64], en[64];
    mm_hub_scs_expiry_text(days, ja, en, sizeof ja);
    mm_buf_printf(b,
                  ",\"expires_in_days\":%lld,\"expiry_ja\":", (long long)days);
    mm_buf_json_str(b, ja, strlen(ja));
    mm_buf_puts(b, ",\"expiry_en\":");
    mm_buf_json_str(b, en, strlen(en));
}

mm_rc mm_hub_scs_status_json(mm_store *st, const char *buyer, mm_buf *out,
                             mm_err *err)
{
    mm_hub_scs_row *v;
    size_t n;
    mm_rc rc = mm_hub_scs_status(st, buyer, &v, &n, err);
    if (rc != MM_OK)
        return rc;
    mm_buf_puts(out, "{\"buyer\":");
    mm_buf_json_str(out, buyer, strlen(buyer));
    mm_buf_puts(out, ",\"suppliers\":[");
    for (size_t i = 0; i < n; i++) {
        const mm_hub_scs_row *r = &v[i];
        mm_buf_puts(out, i ? ",{\"supplier\":" : "{\"supplier\":");
        mm_buf_json_str(out, r->supplier, strlen(r->supplier));
        mm_buf_puts(out, ",\"name\":");
        json_str_or_null(out, r->name);
        mm_buf_puts(out, ",\"required\":");
        json_str_or_null(out, r->required ? level_text(r->required) : NULL);
        mm_buf_puts(out, ",\"confirmed\":");
        json_str_or_null(out,
                         r->has_conf ? level_text(r->conf.achieved) : NULL);
        mm_buf_puts(out, ",\"confirmed_date\":");
        json_str_or_null(out, r->has_conf ? r->conf.confirmed_date : NULL);
        mm_buf_puts(out, ",\"expert_registration_no\":");
        json_str_or_null(out, r->has_conf ? r->conf.registration_no : NULL);
        mm_buf_puts(out, ",\"catalogue_version\":");
        json_str_or_null(out, r->has_conf ? r->conf.catalogue_version : NULL);
        /* the chain of trust: who confirmed, until when, the assessor */
        const char *const trust[][2] = {
            {"expert_name", r->conf.expert_name},
            {"valid_until", r->conf.valid_until},
            {"assessor_name", r->conf.assessor_name},
            {"assessor_id", r->conf.assessor_id}};
        for (size_t t = 0; t < sizeof trust / sizeof *trust; t++) {
            mm_buf_printf(out, ",\"%s\":", trust[t][0]);
            json_str_or_null(out, r->has_conf ? trust[t][1] : NULL);
        }
        mm_buf_printf(out, ",\"expired\":%s",
                      r->has_conf && r->conf.expired ? "true" : "false");
        expiry_json(out, r->has_conf ? r->conf.valid_until : NULL,
                    mm_now_ms());
        mm_buf_printf(out, ",\"meets\":%s,\"status_ja\":",
                      r->meets < 0 ? "null"
                      : r->meets   ? "true"
                                   : "false");
        mm_buf_json_str(out, r->status_ja, strlen(r->status_ja));
        mm_buf_puts(out, ",\"status_en\":");
        mm_buf_json_str(out, r->status_en, strlen(r->status_en));
        mm_buf_puts(out, "}");
    }
    rc = mm_buf_puts(out, "]}\n");
    free(v);
    if (rc != MM_OK)
        return mm_err_set(err, rc, buyer, 0, "reply larger than its cap");
    return MM_OK;
}

/* ---- HTTP routes (called by server.c with the store lock held) -------------
 */

static void http_error(mm_buf *out, unsigned *status, unsigned code,
                       const char *msg)
{
    *status = code;
    out->len = 0;
    mm_buf_puts(out, "{\"error\":");
    mm_buf_json_str(out, msg, strlen(msg));
    mm_buf_puts(out, "}");
}

/* A stored confirmation as the supplier sees it: what, by whom, until when
 * and how long it still holds. */
static void own_json(mm_buf *out, const mm_hub_scs_confirmation *c,
                     int64_t now_ms)
{
    mm_buf_puts(out, "{\"supplier\":");
    mm_buf_json_str(out, c->supplier, strlen(c->supplier));
    mm_buf_printf(out, ",\"confirmed\":\"%s\",\"confirmed_date\":",
                  level_text(c->achieved));
    mm_buf_json_str(out, c->confirmed_date, strlen(c->confirmed_date));
    mm_buf_puts(out, ",\"expert_name\":");
    mm_buf_json_str(out, c->expert_name, strlen(c->expert_name));
    mm_buf_puts(out, ",\"expert_registration_no\":");
    mm_buf_json_str(out, c->registration_no, strlen(c->registration_no));
    mm_buf_puts(out, ",\"valid_until\":");
    json_str_or_null(out, c->valid_until);
    expiry_json(out, c->valid_until, now_ms);
    mm_buf_puts(out, "}");
}

/* POST: submit a confirmation; GET: the caller's latest one. */
static void confirmation_http(mm_store *st, const mm_tenant *caller,
                              const char *method, const char *body, size_t len,
                              int64_t now_ms, unsigned *status, mm_buf *out)
{
    mm_err err;
    memset(&err, 0, sizeof err);
    mm_hub_scs_confirmation c;
    if (strcmp(method, "GET") == 0) {
        mm_rc rc = mm_store_scs_confirmation_latest(st, caller->id, &c, &err);
        if (rc == MM_OK)
            return own_json(out, &c, now_ms);
        bool none = rc == MM_ENOTFOUND;
        return http_error(out, status, none ? 404 : 500,
                          none ? "確認はまだ提出されていません / no "
                                 "confirmation submitted yet"
                               : err.msg);
    }
    if (strcmp(method, "POST") != 0)
        return http_error(out, status, 405, "use GET or POST");
    mm_rc rc = mm_hub_scs_submit(st, caller->id, body ? body : "", len, now_ms,
                                 &c, &err);
    if (rc == MM_EINVAL || rc == MM_EPARSE) {
        char msg[700];
        mm_err_format(&err, msg, sizeof msg);
        return http_error(out, status, 400, msg);
    }
    if (rc != MM_OK)
        return http_error(out, status, 500, "the store could not save it");
    own_json(out, &c, now_ms);
}

#define REQ_PREFIX "/api/v1/scs/requirements/"

void mm_hub_scs_http(mm_store *st, const mm_tenant *caller, const char *method,
                     const char *url, const char *body, size_t len,
                     int64_t now_ms, unsigned *status, mm_buf *out)
{
    mm_hub_scs_http_dir(st, NULL, caller, method, url, body, len, now_ms,
                        status, out);
}

void mm_hub_scs_http_dir(mm_store *st, const char *dir,
                         const mm_tenant *caller, const char *method,
                         const char *url, const char *body, size_t len,
                         int64_t now_ms, unsigned *status, mm_buf *out)
{
    mm_err err;
    memset(&err, 0, sizeof err);
    *status = 200;
    if (strcmp(url, "/api/v1/scs/suppliers") == 0) {
        if (strcmp(method, "GET") != 0)
            return http_error(out, status, 405, "use GET");
        if (mm_hub_scs_status_json(st, caller->id, out, &err) != MM_OK)
            return http_error(out, status, 500, err.msg);
        return;
    }
    if (strcmp(url, "/api/v1/scs/experts") == 0 ||
        strcmp(url, "/api/v1/scs/assessors") == 0) {
        /* the public directory: any tenant may read it */
        if (strcmp(method, "GET") != 0)
            return http_error(out, status, 405, "use GET");
        if (mm_hub_registry_directory(
                st, url[12] == 'e' ? MM_HUB_REG_EXPERT : MM_HUB_REG_ASSESSOR,
                jst_days(now_ms), out, &err) != MM_OK)
            return http_error(out, status, 500, err.msg);
        return;
    }
    if (strcmp(url, "/api/v1/scs/evidence") == 0) {
        /* the calling tenant's own evidence, 90 days back */
        if (strcmp(method, "GET") != 0)
            return http_error(out, status, 405, "use GET");
        if (mm_hub_evidence_json_dir(st, dir, caller->id, now_ms, 90, out,
                                     &err) != MM_OK)
            return http_error(out, status, 500, err.msg);
        return;
    }
    if (strcmp(url, "/api/v1/scs/confirmation") == 0)
        return confirmation_http(st, caller, method, body, len, now_ms, status,
                                 out);
    if (strncmp(url, REQ_PREFIX, strlen(REQ_PREFIX)) == 0) {
        const char *sup = url + strlen(REQ_PREFIX);
        if (strcmp(method, "PUT") != 0)
            return http_error(out, status, 405, "use PUT");
        if (!mm_hub_id_valid(sup))
            return http_error(out, status, 400, "bad supplier id");
        json_error_t je;
        json_t *j =
            json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &je);
        int level =
            j ? level_from(json_string_value(json_object_get(j, "level")))
              : -1;
        json_decref(j);
        if (level != 3 && level != 4)
            return http_error(
                out, status, 400,
                "body must be {\"level\":\"★3\"} or {\"level\":\"★4\"}");
        mm_rc rc =
            mm_hub_scs_require(st, caller->id, sup, level, now_ms, &err);
        if (rc == MM_ENOTFOUND)
            return http_error(out, status, 403,
                              "a buyer can only set a level for "
                              "its own suppliers");
        if (rc != MM_OK)
            return http_error(out, status, 500, err.msg);
        mm_buf_puts(out, "{\"buyer\":");
        mm_buf_json_str(out, caller->id, strlen(caller->id));
        mm_buf_puts(out, ",\"supplier\":");
        mm_buf_json_str(out, sup, strlen(sup));
        mm_buf_printf(out, ",\"required\":\"%s\"}", level_text(level));
        return;
    }
    if (strcmp(url, "/api/v1/scs/requests") == 0 ||
        strncmp(url, "/api/v1/scs/requests/", 21) == 0)
        return mm_hub_scs_request_http(st, caller, method, url, body, len,
                                       now_ms, status, out);
    http_error(out, status, 404, "no such endpoint");
}
