/* SPDX-License-Identifier: Apache-2.0 */
/* scs-request.c — an SME sends its assessment to a registered expert
 * through the hub, and the expert's signed confirmation comes back
 * (hub.h "SCS requests to an expert"). The SME uses its tenant token; the
 * expert signs each request with its registered key, so only what is
 * addressed to that registration number is ever shown to it. Everything
 * crossing from one party to the other is checked field by field. */
#include "hub-int.h"
#include "notify.h"
#include "scs.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REQS "/api/v1/scs/requests"

const char *mm_hub_scs_request_state(int state)
{
    return state == MM_HUB_SCS_REQ_CONFIRMED  ? "confirmed"
           : state == MM_HUB_SCS_REQ_REJECTED ? "rejected"
                                              : "sent";
}

static mm_rc unsupported(mm_err *err)
{
    return mm_err_set(err, MM_EINVAL, "store", 0,
                      "SCS requests are not supported by this store");
}

static bool have_ops(const mm_store *st)
{
    return st->ops->scs_request_put && st->ops->scs_request_get &&
           st->ops->scs_request_list && st->ops->scs_request_mark;
}

/* Today (Japan) as YYYY-MM-DD. */
static void today_text(int64_t now_ms, char out[11])
{
    char t[32];
    mm_time_format(now_ms + 9 * 3600 * 1000LL, t, sizeof t);
    snprintf(out, 11, "%.10s", t);
}

/* ---- the registered expert
 * ---------------------------------------------------------- */

/* Looking for one registration number: `want` in, the entry out. */
typedef struct find_reg {
    bool found;
    mm_hub_registrant *out;
    const char *want;
} find_reg;

static mm_rc match_reg(const mm_hub_registrant *r, void *ud)
{
    find_reg *f = ud;
    f->found = strcmp(r->id, f->want) == 0;
    if (f->found)
        *f->out = *r;
    return f->found ? MM_ELIMIT /* stop: found */ : MM_OK;
}

/* The expert `regno`, registered and valid today; MM_ENOTFOUND else. */
static mm_rc expert_today(mm_store *st, const char *regno, int64_t now_ms,
                          mm_hub_registrant *out, mm_err *err)
{
    memset(out, 0, sizeof *out);
    find_reg f = {false, out, regno};
    mm_rc rc = mm_hub_registry_list(st, MM_HUB_REG_EXPERT, match_reg, &f, err);
    if (rc != MM_OK && rc != MM_ELIMIT)
        return rc;
    char today[11];
    today_text(now_ms, today);
    if (!f.found ||
        (out->valid_from[0] && strcmp(out->valid_from, today) > 0) ||
        (out->valid_until[0] && strcmp(out->valid_until, today) < 0))
        return mm_err_set(err, MM_ENOTFOUND, "expert", 0,
                          "登録番号 %s の専門家は今日有効な登録がありません / "
                          "no expert with registration number %s is "
                          "registered today",
                          regno, regno);
    return MM_OK;
}

/* ---- the SME sends
 * ------------------------------------------------------------------ */

#define BAD(err, ...) mm_err_set(err, MM_EINVAL, "request", 0, __VA_ARGS__)

/* A string member no longer than max bytes, without control characters
 * other than newline (it is shown to another party). NULL when absent;
 * *bad when present but wrong. */
static const char *text_field(const json_t *o, const char *key, size_t max,
                              bool *bad)
{
    const json_t *v = json_object_get(o, key);
    if (!v)
        return NULL;
    const char *s = json_string_value(v);
    size_t n = s ? json_string_length(v) : 0;
    bool ok = s && n <= max && strlen(s) == n;
    for (size_t i = 0; ok && i < n; i++)
        ok = (unsigned char)s[i] >= 0x20 || s[i] == '\n';
    *bad = *bad || !ok;
    return ok ? s : NULL;
}

/* The assessment as `mamori scs assess --format json` writes it: checked
 * by type, its target and achieved level copied into r. */
static mm_rc check_assessment(const json_t *a, mm_hub_scs_request *r,
                              mm_err *err)
{
    if (!json_is_object(a))
        return BAD(err, "\"assessment\" must be the JSON object of mamori "
                        "scs assess --format json");
    bool bad = false;
    const char *target = text_field(a, "target", 7, &bad);
    const char *achieved = text_field(a, "achieved", 7, &bad);
    const json_t *items = json_object_get(a, "items");
    if (bad || !target || !achieved || !json_is_array(items) ||
        json_array_size(items) == 0 || json_array_size(items) > 1000 ||
        !json_is_object(json_object_get(a, "catalogue")))
        return BAD(err, "\"assessment\" needs target, achieved (strings), "
                        "items (1 to 1000) and catalogue");
    size_t i;
    const json_t *it;
    json_array_foreach(items, i, it)
    {
        bool b = false;
        if (!json_is_object(it) || !text_field(it, "id", 32, &b) ||
            !text_field(it, "answer", 32, &b) || b)
            return BAD(err, "assessment item %zu needs id and answer strings",
                       i + 1);
    }
    snprintf(r->target, sizeof r->target, "%s", target);
    snprintf(r->achieved, sizeof r->achieved, "%s", achieved);
    return MM_OK;
}

typedef struct open_count {
    unsigned n;
} open_count;

static mm_rc count_open(const mm_hub_scs_request *r, void *ud)
{
    ((open_count *)ud)->n += r->state == MM_HUB_SCS_REQ_SENT;
    return MM_OK;
}

/* Tells the expert a request waits, when its directory entry's contact is a
 * mail address: an outbox row in the caller's transaction. Only that a
 * request waits and how to fetch it — never the assessment. */
static mm_rc tell_expert(mm_store *st, const mm_hub_scs_request *r,
                         const mm_hub_registrant *reg, int64_t now_ms,
                         mm_err *err)
{
    if (!st->ops->outbox_put || !mm_notify_addr_valid(reg->contact))
        return MM_OK; /* no address to write to: the expert lists them */
    mm_outbox_msg *m = calloc(1, sizeof *m);
    if (!m)
        return mm_err_set(err, MM_ENOMEM, "request", 0, "out of memory");
    snprintf(m->tenant, sizeof m->tenant, "%s", r->tenant);
    snprintf(m->channel, sizeof m->channel, "email");
    snprintf(m->target, sizeof m->target, "%s", reg->contact);
    m->severity = 2;
    m->created_ms = m->next_ms = now_ms;
    m->state = MM_OUTBOX_PENDING;
    snprintf(m->subject, sizeof m->subject,
             "[mamori] SCS 確認の依頼 #%lld が届いています / SCS request "
             "#%lld is waiting for you",
             (long long)r->id, (long long)r->id);
    snprintf(m->body, sizeof m->body,
             "%s 様\n\n"
             "mamori を使う会社から、セキュリティ対策の診断結果（めざす段階 "
             "%s）の確認の依頼（依頼番号 %lld）が届いています。\n"
             "依頼の一覧と内容は、登録番号 %s の鍵で次のように取り出せます"
             "（内容はこのメールには含めていません）:\n\n"
             "  mamori scs requests --hub URL --key 鍵ファイル "
             "--registration-no %s\n\n"
             "----\n"
             "Dear %s,\n\n"
             "A company using mamori sent you its security assessment (target "
             "%s) to confirm: request no. %lld. List and read it with the key "
             "of registration no. %s (the assessment is not in this mail):\n\n"
             "  mamori scs requests --hub URL --key KEYFILE "
             "--registration-no %s\n\n"
             "この通知は、専門家の名簿に登録された連絡先に送っています。 / "
             "You receive this at the contact address of the expert "
             "directory.\n",
             reg->name, r->target, (long long)r->id, r->expert, r->expert,
             reg->name, r->target, (long long)r->id, r->expert, r->expert);
    mm_rc rc = st->ops->outbox_put(st, m, err);
    free(m);
    return rc;
}

/* Fields of the body into r (the document as compact JSON, malloc'd), the
 * expert's directory entry into *reg. */
static mm_rc parse_send(mm_store *st, json_t *root, int64_t now_ms,
                        mm_hub_scs_request *r, mm_hub_registrant *reg,
                        mm_err *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        if (strcmp(key, "expert") && strcmp(key, "assessment") &&
            strcmp(key, "message"))
            return BAD(err, "unknown field \"%.40s\"", key);
    }
    bool bad = false;
    const char *expert = text_field(root, "expert", 6, &bad);
    const char *msg =
        text_field(root, "message", MM_HUB_SCS_REQ_MESSAGE_MAX, &bad);
    if (!expert || !mm_scs_registration_no_valid(expert))
        return BAD(err, "\"expert\" must be a registration number of 6 "
                        "digits");
    if (bad)
        return BAD(err,
                   "\"message\" must be a string of at most %u bytes "
                   "without control characters",
                   MM_HUB_SCS_REQ_MESSAGE_MAX);
    mm_rc rc = check_assessment(json_object_get(root, "assessment"), r, err);
    memset(reg, 0, sizeof *reg);
    if (rc == MM_OK)
        rc = expert_today(st, expert, now_ms, reg, err);
    if (rc != MM_OK)
        return rc;
    snprintf(r->expert, sizeof r->expert, "%s", expert);
    snprintf(r->message, sizeof r->message, "%s", msg ? msg : "");
    r->document = json_dumps(json_object_get(root, "assessment"),
                             JSON_COMPACT | JSON_ENSURE_ASCII);
    if (!r->document)
        return mm_err_set(err, MM_ENOMEM, "request", 0, "out of memory");
    r->document_len = strlen(r->document);
    return MM_OK;
}

mm_rc mm_hub_scs_request_send(mm_store *st, const char *tenant,
                              const char *body, size_t len, int64_t now_ms,
                              mm_hub_scs_request *out, mm_err *err)
{
    if (!have_ops(st))
        return unsupported(err);
    if (len > MM_HUB_SCS_DOC_MAX)
        return BAD(err, "request larger than %u bytes", MM_HUB_SCS_DOC_MAX);
    open_count oc = {0};
    mm_rc rc =
        st->ops->scs_request_list(st, tenant, NULL, count_open, &oc, err);
    if (rc != MM_OK)
        return rc;
    if (oc.n >= 100)
        return mm_err_set(err, MM_ELIMIT, "request", 0,
                          "返事待ちの依頼が 100 件あります / 100 requests are "
                          "still waiting for an answer");
    json_error_t je;
    json_t *root =
        json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(root)) {
        json_decref(root);
        return mm_err_set(err, MM_EPARSE, "request", 0,
                          "the body must be a JSON object {\"expert\", "
                          "\"assessment\", \"message\"}");
    }
    mm_hub_scs_request *r = calloc(1, sizeof *r);
    if (!r) {
        json_decref(root);
        return mm_err_set(err, MM_ENOMEM, "request", 0, "out of memory");
    }
    mm_hub_registrant reg;
    rc = parse_send(st, root, now_ms, r, &reg, err);
    json_decref(root);
    if (rc == MM_OK) {
        snprintf(r->tenant, sizeof r->tenant, "%s", tenant);
        r->created_ms = r->updated_ms = now_ms;
        r->state = MM_HUB_SCS_REQ_SENT;
        rc = st->ops->scs_request_put(st, r, err);
    }
    if (rc == MM_OK)
        rc = tell_expert(st, r, &reg, now_ms, err);
    free(r->document);
    r->document = NULL;
    if (rc == MM_OK && out)
        *out = *r;
    free(r);
    return rc;
}

/* ---- JSON of requests
 * --------------------------------------------------------------- */

static void row_json(mm_buf *b, const mm_hub_scs_request *r)
{
    char t[32];
    mm_buf_printf(b, "{\"id\":%lld,\"tenant\":", (long long)r->id);
    mm_buf_json_str(b, r->tenant, strlen(r->tenant));
    mm_buf_puts(b, ",\"expert\":");
    mm_buf_json_str(b, r->expert, strlen(r->expert));
    mm_time_format(r->created_ms, t, sizeof t);
    mm_buf_printf(b, ",\"sent_at\":\"%s\"", t);
    mm_time_format(r->updated_ms, t, sizeof t);
    mm_buf_printf(b, ",\"updated_at\":\"%s\",\"state\":\"%s\",\"target\":", t,
                  mm_hub_scs_request_state(r->state));
    mm_buf_json_str(b, r->target, strlen(r->target));
    const char *const text[][2] = {{"achieved", r->achieved},
                                   {"message", r->message},
                                   {"reason", r->reason}};
    for (size_t i = 0; i < sizeof text / sizeof *text; i++) {
        mm_buf_printf(b, ",\"%s\":", text[i][0]);
        mm_buf_json_str(b, text[i][1], strlen(text[i][1]));
    }
}

/* Appends each request to the reply, comma-separated, up to the cap. */
typedef struct list_ctx {
    unsigned n;
    mm_buf *out;
} list_ctx;

static mm_rc list_row(const mm_hub_scs_request *r, void *ud)
{
    list_ctx *x = ud;
    if (x->n == MM_HUB_SCS_REQ_LIST_MAX)
        return MM_ELIMIT;
    mm_buf_puts(x->out, x->n++ ? "," : "");
    row_json(x->out, r);
    return mm_buf_puts(x->out, "}");
}

static void http_error(mm_buf *out, unsigned *status, unsigned code,
                       const mm_err *err, const char *msg)
{
    char m[700];
    if (err)
        mm_err_format(err, m, sizeof m);
    *status = code;
    out->len = 0;
    mm_buf_puts(out, "{\"error\":");
    mm_buf_json_str(out, err ? m : msg, strlen(err ? m : msg));
    mm_buf_puts(out, "}");
}

/* Starts a reply: status 200, or 501 (false) in a back end without
 * requests. */
static bool http_ready(mm_store *st, mm_err *err, unsigned *status,
                       mm_buf *out)
{
    memset(err, 0, sizeof *err);
    *status = 200;
    if (have_ops(st))
        return true;
    http_error(out, status, 501, NULL,
               "SCS requests are not supported by this store");
    return false;
}

/* {"requests":[…]} of `tenant` or `expert`. */
static void list_http(mm_store *st, const char *tenant, const char *expert,
                      unsigned *status, mm_buf *out)
{
    mm_err err;
    list_ctx x = {0, out};
    mm_buf_puts(out, "{\"requests\":[");
    mm_rc rc =
        st->ops->scs_request_list(st, tenant, expert, list_row, &x, &err);
    if (rc != MM_OK && rc != MM_ELIMIT)
        return http_error(out, status, 500, &err, NULL);
    mm_buf_puts(out, "]}");
}

/* The id after REQS "/" and what follows it ("" or "/confirmation"…);
 * false when it is not a positive number. */
static bool parse_id(const char *url, int64_t *id, const char **rest)
{
    const char *p = url + strlen(REQS);
    if (*p != '/' || p[1] < '1' || p[1] > '9')
        return false;
    char *end;
    long long v = strtoll(p + 1, &end, 10);
    if (v <= 0 || end - (p + 1) > 15)
        return false;
    *id = v;
    *rest = end;
    return true;
}

/* One request, when it is the caller's (tenant or expert): 404 else, as
 * if it did not exist. */
static mm_rc get_own(mm_store *st, int64_t id, const char *tenant,
                     const char *expert, bool doc, mm_hub_scs_request *r,
                     mm_err *err)
{
    mm_rc rc = st->ops->scs_request_get(st, id, doc, r, err);
    if (rc == MM_OK && ((tenant && strcmp(r->tenant, tenant) != 0) ||
                        (expert && strcmp(r->expert, expert) != 0))) {
        free(r->document);
        r->document = NULL;
        rc = MM_ENOTFOUND;
    }
    if (rc == MM_ENOTFOUND)
        mm_err_set(err, MM_ENOTFOUND, "request", 0,
                   "その依頼はありません / no such request");
    return rc;
}

void mm_hub_scs_request_http(mm_store *st, const mm_tenant *caller,
                             const char *method, const char *url,
                             const char *body, size_t len, int64_t now_ms,
                             unsigned *status, mm_buf *out)
{
    mm_err err;
    if (!http_ready(st, &err, status, out))
        return;
    if (strcmp(url, REQS) == 0) {
        if (strcmp(method, "GET") == 0)
            return list_http(st, caller->id, NULL, status, out);
        if (strcmp(method, "POST") != 0)
            return http_error(out, status, 405, NULL, "use GET or POST");
        mm_hub_scs_request r;
        /* the request and the expert's mail in one transaction */
        mm_rc rc = mm_store_begin(st, &err);
        if (rc == MM_OK) {
            rc = mm_hub_scs_request_send(st, caller->id, body, len, now_ms, &r,
                                         &err);
            rc = mm_store_end(st, rc, &err);
        }
        if (rc != MM_OK)
            return http_error(out, status,
                              rc == MM_ENOTFOUND                   ? 404
                              : rc == MM_ELIMIT                    ? 429
                              : rc == MM_EINVAL || rc == MM_EPARSE ? 400
                                                                   : 500,
                              &err, NULL);
        *status = 201;
        row_json(out, &r);
        mm_buf_puts(out, "}");
        return;
    }
    int64_t id;
    const char *rest;
    mm_hub_scs_request r;
    if (!parse_id(url, &id, &rest) || *rest)
        return http_error(out, status, 404, NULL, "no such endpoint");
    if (strcmp(method, "GET") != 0)
        return http_error(out, status, 405, NULL, "use GET");
    mm_rc rc = get_own(st, id, caller->id, NULL, false, &r, &err);
    if (rc != MM_OK)
        return http_error(out, status, rc == MM_ENOTFOUND ? 404 : 500, &err,
                          NULL);
    row_json(out, &r);
    mm_buf_puts(out, "}");
}

/* ---- the expert
 * --------------------------------------------------------------------- */

#define DENY(err, ...)                                                        \
    mm_err_set(err, MM_EINVAL, "X-Mamori-Expert", 0, __VA_ARGS__)

mm_rc mm_hub_scs_expert_auth(mm_store *st, const char *header,
                             const char *method, const char *path,
                             const char *body, size_t len, int64_t now_ms,
                             char regno[16], mm_err *err)
{
    char no[8], sig[MM_SCS_SIG_HEX + 2];
    long long ts = 0;
    int used = 0;
    if (!header || strlen(header) > 200 ||
        sscanf(header, "%7s %lld %129s%n", no, &ts, sig, &used) != 3 ||
        header[used] != '\0' || !mm_scs_registration_no_valid(no) ||
        strlen(sig) != MM_SCS_SIG_HEX)
        return DENY(err,
                    "the header must be 'REGNO TIME_MS SIGNATURE' (mamori "
                    "scs requests signs it)");
    if (ts < now_ms - MM_HUB_SCS_REQ_SKEW_MS ||
        ts > now_ms + MM_HUB_SCS_REQ_SKEW_MS)
        return DENY(err, "署名の時刻がハブの時計と 5 分以上ずれています / the "
                         "signed time is more than 5 minutes off the hub's "
                         "clock");
    mm_hub_registrant reg;
    if (expert_today(st, no, now_ms, &reg, err) != MM_OK)
        return DENY(err,
                    "登録番号 %s は今日有効な専門家の登録ではありません / "
                    "%s is not a registered expert today",
                    no, no);
    if (!mm_scs_request_verify(reg.public_key, method, path, ts, body, len,
                               sig))
        return DENY(err, "署名が登録された鍵と合いません / the signature "
                         "does not match the registered key");
    snprintf(regno, 16, "%s", no);
    return MM_OK;
}

/* Tells the SME its request was answered (outbox rows in the caller's
 * transaction): `state_ja` / `state_en` for the subject, the texts for
 * the body. */
static mm_rc tell_sme(mm_store *st, const mm_hub_scs_request *r,
                      const char *state_ja, const char *state_en,
                      const char *ja, const char *en, int64_t now_ms,
                      mm_err *err)
{
    mm_outbox_msg *m = calloc(1, sizeof *m);
    if (!m)
        return mm_err_set(err, MM_ENOMEM, "request", 0, "out of memory");
    m->severity = 2;
    snprintf(m->subject, sizeof m->subject,
             "[mamori] SCS 確認の依頼 #%lld: %s / SCS request #%lld: %s",
             (long long)r->id, state_ja, (long long)r->id, state_en);
    snprintf(m->body, sizeof m->body,
             "%s\n\n----\n%s\n\n"
             "この通知は mamori の設定で送っています。 / You receive this "
             "because of a mamori notification setting.\n",
             ja, en);
    mm_rc rc = mm_hub__scs_notice(st, r->tenant, m, now_ms, err);
    free(m);
    return rc;
}

static mm_rc tell_confirmed(mm_store *st, const mm_hub_scs_request *r,
                            const mm_hub_scs_confirmation *c, int64_t now_ms,
                            mm_err *err)
{
    const char *lv = c->achieved == 4   ? "★4"
                     : c->achieved == 3 ? "★3"
                                        : "★なし / none";
    char ja[600], en[600];
    snprintf(ja, sizeof ja,
             "登録セキスペ（登録番号 %s）が、あなたの会社の診断結果を確認"
             "し、署名した確認を返しました。確認された ★ は %s、有効期限は "
             "%s です。取引先（バイヤー）からもこの確認が見えます。",
             r->expert, lv, c->valid_until);
    snprintf(en, sizeof en,
             "The registered expert (no. %s) checked your assessment and "
             "returned a signed confirmation: %s, valid until %s. Your buyers "
             "see it now.",
             r->expert, lv, c->valid_until);
    return tell_sme(st, r, "確認されました", "confirmed", ja, en, now_ms, err);
}

/* The confirmation the expert returns for request r: signed by this
 * expert, then verified and stored as the SME's (mm_hub_scs_submit) and
 * the request marked confirmed, in one transaction. */
static void confirm_http(mm_store *st, const char *regno,
                         const mm_hub_scs_request *r, const char *body,
                         size_t len, int64_t now_ms, unsigned *status,
                         mm_buf *out)
{
    mm_err err;
    memset(&err, 0, sizeof err);
    json_t *root =
        json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, NULL);
    const char *no = json_string_value(json_object_get(
        json_object_get(root, "confirmation"), "registration_no"));
    bool mine = no && strcmp(no, regno) == 0;
    json_decref(root);
    if (!mine)
        return http_error(out, status, 403, NULL,
                          "この確認はあなたの登録番号で署名されていません / "
                          "this confirmation is not signed under your "
                          "registration number");
    mm_hub_scs_confirmation c;
    mm_rc rc = mm_store_begin(st, &err);
    if (rc == MM_OK)
        rc = mm_hub_scs_submit(st, r->tenant, body, len, now_ms, &c, &err);
    if (rc == MM_OK)
        rc = st->ops->scs_request_mark(st, r->id, MM_HUB_SCS_REQ_CONFIRMED, "",
                                       now_ms, &err);
    if (rc == MM_OK)
        rc = tell_confirmed(st, r, &c, now_ms, &err);
    rc = mm_store_end(st, rc, &err);
    if (rc != MM_OK)
        return http_error(out, status,
                          rc == MM_EINVAL || rc == MM_EPARSE ? 400 : 500, &err,
                          NULL);
    mm_buf_printf(out, "{\"id\":%lld,\"state\":\"confirmed\",\"tenant\":",
                  (long long)r->id);
    mm_buf_json_str(out, r->tenant, strlen(r->tenant));
    mm_buf_printf(out, ",\"confirmed\":\"%s\",\"valid_until\":",
                  c.achieved == 4   ? "★4"
                  : c.achieved == 3 ? "★3"
                                    : "none");
    mm_buf_json_str(out, c.valid_until, strlen(c.valid_until));
    mm_buf_puts(out, "}");
}

static void reject_http(mm_store *st, const mm_hub_scs_request *r,
                        const char *body, size_t len, int64_t now_ms,
                        unsigned *status, mm_buf *out)
{
    mm_err err;
    json_t *root =
        json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, NULL);
    bool bad = !json_is_object(root) || json_object_size(root) != 1;
    const char *why =
        root ? text_field(root, "reason", MM_HUB_SCS_REQ_REASON_MAX, &bad)
             : NULL;
    char reason[MM_HUB_SCS_REQ_REASON_MAX + 1];
    snprintf(reason, sizeof reason, "%s", why ? why : "");
    json_decref(root);
    if (bad || !reason[0])
        return http_error(out, status, 400, NULL,
                          "body must be {\"reason\":\"…\"} (1 to 1000 bytes)");
    char ja[MM_HUB_SCS_REQ_REASON_MAX + 400],
        en[MM_HUB_SCS_REQ_REASON_MAX + 400];
    snprintf(ja, sizeof ja,
             "登録セキスペ（登録番号 %s）は、この依頼の確認を見送りました。"
             "理由: %s\n理由に書かれた点を直してから、もう一度送ってください"
             "（mamori scs send）。",
             r->expert, reason);
    snprintf(en, sizeof en,
             "The registered expert (no. %s) declined this request. Reason: "
             "%s\nFix what it names, then send again (mamori scs send).",
             r->expert, reason);
    mm_rc rc = mm_store_begin(st, &err);
    if (rc == MM_OK)
        rc = st->ops->scs_request_mark(st, r->id, MM_HUB_SCS_REQ_REJECTED,
                                       reason, now_ms, &err);
    if (rc == MM_OK)
        rc = tell_sme(st, r, "見送られました", "declined", ja, en, now_ms,
                      &err);
    rc = mm_store_end(st, rc, &err);
    if (rc != MM_OK)
        return http_error(out, status, 500, &err, NULL);
    mm_buf_printf(out, "{\"id\":%lld,\"state\":\"rejected\"}",
                  (long long)r->id);
}

void mm_hub_scs_expert_http(mm_store *st, const char *header,
                            const char *method, const char *url,
                            const char *body, size_t len, int64_t now_ms,
                            unsigned *status, mm_buf *out)
{
    mm_err err;
    char regno[16];
    if (!http_ready(st, &err, status, out))
        return;
    if (mm_hub_scs_expert_auth(st, header, method, url, body, len, now_ms,
                               regno, &err) != MM_OK)
        return http_error(out, status, 401, &err, NULL);
    if (strcmp(url, REQS) == 0) {
        if (strcmp(method, "GET") != 0)
            return http_error(out, status, 405, NULL, "use GET");
        return list_http(st, NULL, regno, status, out);
    }
    int64_t id;
    const char *rest;
    if (!parse_id(url, &id, &rest))
        return http_error(out, status, 404, NULL, "no such endpoint");
    bool get = strcmp(rest, "") == 0,
         conf = strcmp(rest, "/confirmation") == 0,
         rej = strcmp(rest, "/rejection") == 0;
    if (!get && !conf && !rej)
        return http_error(out, status, 404, NULL, "no such endpoint");
    if (strcmp(method, get ? "GET" : "POST") != 0)
        return http_error(out, status, 405, NULL,
                          get ? "use GET" : "use POST");
    mm_hub_scs_request r;
    mm_rc rc = get_own(st, id, NULL, regno, get, &r, &err);
    if (rc != MM_OK)
        return http_error(out, status, rc == MM_ENOTFOUND ? 404 : 500, &err,
                          NULL);
    if (get) {
        row_json(out, &r);
        mm_buf_puts(out, ",\"assessment\":");
        mm_buf_append(out, r.document, r.document_len);
        mm_buf_puts(out, "}");
        free(r.document);
        return;
    }
    if (r.state != MM_HUB_SCS_REQ_SENT)
        return http_error(
            out, status, 409, NULL,
            "この依頼にはもう返事をしています / this request has "
            "already been answered");
    if (conf)
        confirm_http(st, regno, &r, body, len, now_ms, status, out);
    else
        reject_http(st, &r, body, len, now_ms, status, out);
}
