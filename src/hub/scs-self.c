/* SPDX-License-Identifier: Apache-2.0 */
/* scs-self.c — the SME's ★ self-assessment in the console: the questions
 * come from the scs catalogue (the same wording `mamori scs interview`
 * asks), the answers are an answers file (docs/scs.md) kept per tenant in
 * the store as the SME goes, and the result is the scs module's
 * assessment of those answers with the hub's own evidence (evidence.c), so
 * the file downloaded from the console assesses the same with
 * `mamori scs assess`. Access is decided by the caller (api-console.c). */
#include "hub-int.h"
#include "scs.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Evidence window, as GET /api/v1/scs/evidence. */
#define EVIDENCE_DAYS 90

static mm_rc load_catalogue(mm_scs_catalogue **cat, mm_err *err)
{
    char path[4096 + 64];
    mm_scs_catalogue_path(NULL, path, sizeof path);
    if (mm_scs_catalogue_load(path, cat, err) != MM_OK)
        return mm_err_set(err, MM_EIO, path, 0,
                          "ハブがSCSカタログを読めません / the hub cannot "
                          "read its SCS catalogue");
    return MM_OK;
}

static mm_rc unsupported(mm_err *err)
{
    return mm_err_set(err, MM_EINTERNAL, "store", 0,
                      "自己診断はこのストアでは使えません / self-assessment "
                      "is not supported by this store");
}

mm_rc mm_hub_scs_questions(int level, mm_buf *out, mm_err *err)
{
    if (level < 1 || level > 4)
        return mm_err_set(err, MM_EINVAL, "level", 0,
                          "level は 1〜4 です / level must be 1, 2, 3 or 4");
    mm_scs_catalogue *cat;
    mm_rc rc = load_catalogue(&cat, err);
    if (rc != MM_OK)
        return rc;
    rc = mm_scs_questions_json(cat, level, out);
    mm_scs_catalogue_free(cat);
    return rc == MM_OK ? MM_OK
                       : mm_err_set(err, rc, "questions", 0, "out of memory");
}

/* Today in Japan, "YYYY-MM-DD". */
static void today_jst(int64_t now_ms, char out[11])
{
    char t[40];
    mm_hub_time_tz(now_ms, "Asia/Tokyo", t, sizeof t);
    snprintf(out, 11, "%.10s", t);
}

/* The document as the interview writes it: 2-space indent, keys in the
 * order given, a final newline. */
static mm_rc dump_doc(const json_t *doc, mm_buf *out, mm_err *err)
{
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    mm_rc rc = text ? mm_buf_puts(out, text) : MM_ENOMEM;
    free(text);
    if (rc == MM_OK)
        rc = mm_buf_puts(out, "\n");
    return rc == MM_OK ? MM_OK
                       : mm_err_set(err, rc, "answers", 0, "out of memory");
}

mm_rc mm_hub_scs_answers_get(mm_store *st, const char *tenant,
                             const char *org_name, int64_t now_ms, mm_buf *out,
                             mm_err *err)
{
    if (!st->ops->scs_answers_get)
        return unsupported(err);
    char *doc = NULL;
    size_t len = 0;
    mm_rc rc = st->ops->scs_answers_get(st, tenant, &doc, &len, NULL, err);
    if (rc == MM_OK) {
        rc = mm_buf_append(out, doc, len);
        free(doc);
        return rc;
    }
    if (rc != MM_ENOTFOUND)
        return rc;
    /* nothing yet: a new file for this company, ★1 until it picks */
    char today[11];
    today_jst(now_ms, today);
    json_t *j = json_pack("{s:{s:s}, s:s, s:s, s:{}}", "organisation", "name",
                          org_name && *org_name ? org_name : tenant, "target",
                          "★1", "assessed_at", today, "answers");
    if (!j)
        return mm_err_set(err, MM_ENOMEM, "answers", 0, "out of memory");
    rc = dump_doc(j, out, err);
    json_decref(j);
    return rc;
}

mm_rc mm_hub_scs_answers_put(mm_store *st, const char *tenant,
                             const char *body, size_t len, const char *by,
                             int64_t now_ms, mm_err *err)
{
    (void)now_ms;
    if (!st->ops->scs_answers_put)
        return unsupported(err);
    if (len > MM_HUB_SCS_ANSWERS_MAX)
        return mm_err_set(err, MM_ELIMIT, "answers", 0,
                          "回答が大きすぎます / answers larger than %u bytes",
                          MM_HUB_SCS_ANSWERS_MAX);
    mm_scs_catalogue *cat;
    mm_rc rc = load_catalogue(&cat, err);
    if (rc != MM_OK)
        return rc;
    /* the scs module's own check: catalogue ids, values, target, org */
    mm_scs_answers *a = NULL;
    rc = mm_scs_answers_parse(body ? body : "", len, "answers", cat, &a, err);
    mm_scs_answers_free(a);
    mm_scs_catalogue_free(cat);
    if (rc != MM_OK)
        return rc == MM_ENOMEM ? rc : MM_EPARSE;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    mm_buf doc;
    mm_buf_init(&doc, 2 * MM_HUB_SCS_ANSWERS_MAX);
    rc = j ? dump_doc(j, &doc, err)
           : mm_err_set(err, MM_EPARSE, "answers", 0, "not JSON");
    json_decref(j);
    if (rc == MM_OK)
        rc = st->ops->scs_answers_put(st, tenant, doc.data, doc.len, by,
                                      now_ms, err);
    mm_buf_free(&doc);
    return rc;
}

/* The hub's evidence of `tenant` (with its self-check from `dir`, as the
 * evidence API gives it), parsed; NULL when it has none. */
static mm_scs_evidence *hub_evidence(mm_store *st, const char *dir,
                                     const char *tenant, int64_t now_ms)
{
    mm_buf b;
    mm_buf_init(&b, MM_SCS_EVIDENCE_MAX);
    mm_err e;
    mm_scs_evidence *ev = NULL;
    if (mm_hub_evidence_json_dir(st, dir, tenant, now_ms, EVIDENCE_DAYS, &b,
                                 &e) == MM_OK)
        (void)mm_scs_evidence_parse(b.data, b.len, "hub evidence", &ev, &e);
    mm_buf_free(&b);
    return ev;
}

mm_rc mm_hub_scs_self_assess(mm_store *st, const char *dir, const char *tenant,
                             int64_t now_ms, mm_buf *out, mm_err *err)
{
    if (!st->ops->scs_answers_get)
        return unsupported(err);
    char *doc = NULL;
    size_t len = 0;
    mm_rc rc = st->ops->scs_answers_get(st, tenant, &doc, &len, NULL, err);
    if (rc == MM_ENOTFOUND)
        return mm_err_set(err, MM_ENOTFOUND, "answers", 0,
                          "まだ回答がありません / nothing answered yet");
    if (rc != MM_OK)
        return rc;
    mm_scs_catalogue *cat = NULL;
    mm_scs_answers *ans = NULL;
    mm_scs_assessment *as = NULL;
    mm_scs_evidence *ev = NULL;
    char today[11];
    today_jst(now_ms, today);
    if ((rc = load_catalogue(&cat, err)) == MM_OK &&
        (rc = mm_scs_answers_parse(doc, len, "answers", cat, &ans, err)) ==
            MM_OK) {
        ev = hub_evidence(st, dir, tenant, now_ms);
        rc = mm_scs_assess(cat, ans, &ev, ev ? 1 : 0, NULL, 0, NULL, today,
                           &as, err);
    }
    if (rc == MM_OK && mm_scs_assessment_json(as, false, out) != MM_OK)
        rc = mm_err_set(err, MM_ENOMEM, "assessment", 0, "out of memory");
    mm_scs_assessment_free(as);
    mm_scs_evidence_free(ev);
    mm_scs_answers_free(ans);
    mm_scs_catalogue_free(cat);
    free(doc);
    return rc;
}

mm_rc mm_hub_scs_self_send(mm_store *st, const char *dir, const char *tenant,
                           const char *expert, const char *body, size_t len,
                           int64_t now_ms, mm_hub_scs_request *out,
                           mm_err *err)
{
    /* {"message":"…"} or nothing: the hub adds the assessment itself */
    json_t *in = len ? json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL)
                     : json_object();
    const json_t *msg = json_object_get(in, "message");
    if (!json_is_object(in) || json_object_size(in) > (msg ? 1u : 0u) ||
        (msg && !json_is_string(msg))) {
        json_decref(in);
        return mm_err_set(err, MM_EINVAL, "request", 0,
                          "本文は {\"message\":\"…\"} か空です / the body is "
                          "{\"message\":\"…\"} or empty");
    }
    mm_buf a;
    mm_buf_init(&a, MM_HUB_SCS_DOC_MAX);
    mm_rc rc = mm_hub_scs_self_assess(st, dir, tenant, now_ms, &a, err);
    json_t *as = rc == MM_OK ? json_loadb(a.data, a.len, 0, NULL) : NULL;
    mm_buf_free(&a);
    json_t *req =
        as ? json_pack("{s:s, s:o, s:s}", "expert", expert, "assessment", as,
                       "message", msg ? json_string_value(msg) : "")
           : NULL;
    char *doc = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    json_decref(in);
    if (rc == MM_OK && !doc)
        rc = mm_err_set(err, MM_ENOMEM, "request", 0, "out of memory");
    if (rc == MM_OK)
        rc = mm_hub_scs_request_send(st, tenant, doc, strlen(doc), now_ms, out,
                                     err);
    free(doc);
    return rc;
}
