/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-scs-request.c — `mamori scs send | requests | reply`: an SME sends
 * its assessment to a registered expert through the hub (its token), the
 * expert lists and reads what is addressed to it and answers with its
 * signed confirmation or a reason to decline. The expert has no token: it
 * signs each request with its registered key (src/scs/request.c). */
#include "cmd-scs.h"

#include "hub.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REQS "/api/v1/scs/requests"

const mm_cli_opt mm_cli_scs_send_opts[] = {VAL("--hub", hub),
                                           VAL("--token", token),
                                           VAL("--cacert", cacert),
                                           VAL("--expert", expert),
                                           VAL("--assessment", assessment),
                                           VAL("--message", message),
                                           {0}};
const mm_cli_opt mm_cli_scs_requests_opts[] = {
    VAL("--hub", hub),
    VAL("--token", token),
    VAL("--cacert", cacert),
    VAL("--key", key),
    VAL("--registration-no", registration_no),
    VAL("--id", id),
    O_OUT,
    {0}};
const mm_cli_opt mm_cli_scs_reply_opts[] = {
    VAL("--hub", hub),       VAL("--cacert", cacert),
    VAL("--key", key),       VAL("--registration-no", registration_no),
    VAL("--id", id),         VAL("--confirmed", confirmed),
    VAL("--reject", reject), {0}};

/* The header of an expert's request: "X-Mamori-Expert: REGNO TS SIG". */
static int expert_header(const opts *o, const char *method, const char *path,
                         const char *body, size_t len, char *out, size_t n)
{
    char sk[MM_SCS_SK_HEX + 1], sig[MM_SCS_SIG_HEX + 1];
    int r = mm_cli_scs_read_key(o->key, MM_SCS_SK_HEX, sk, sizeof sk);
    if (r >= 0)
        return r;
    if (!mm_scs_registration_no_valid(o->registration_no))
        return mm_cli_usage_error(&mm_cmd_scs,
                                  "--registration-no は 6 桁の数字です / "
                                  "--registration-no is 6 digits");
    int64_t ts = mm_now_ms();
    mm_err err;
    mm_rc rc = mm_scs_request_sign(sk, method, path, ts, body, len, sig, &err);
    memset(sk, 0, sizeof sk);
    if (rc != MM_OK)
        return mm_cli_scs_report(&err, rc);
    snprintf(out, n, "X-Mamori-Expert: %s %lld %s", o->registration_no,
             (long long)ts, sig);
    return -1;
}

/* The hub's error when the status is not `want`: printed; an exit code,
 * or -1 when it is `want`. */
static int refused(mm_rc rc, mm_err *err, long code, long want,
                   const mm_buf *b)
{
    if (rc != MM_OK)
        return mm_cli_scs_report(err, rc);
    if (code == want)
        return -1;
    json_t *j = json_loadb(b->data ? b->data : "", b->len, 0, NULL);
    const char *e = json_string_value(json_object_get(j, "error"));
    fprintf(stderr,
            "mamori scs: ハブが断りました / the hub refused (HTTP %ld): %s\n",
            code, e ? e : "?");
    json_decref(j);
    return code >= 400 && code < 500 ? MM_EXIT_USAGE : MM_EXIT_FAIL;
}

/* METHOD path with the body, as the tenant (no --key) or the expert, into
 * b; -1 when the hub answered `want`, else the exit code. */
static int fetch(const opts *o, const char *method, const char *path,
                 const char *body, size_t len, long want, mm_buf *b)
{
    if (!o->hub)
        return mm_cli_usage_error(&mm_cmd_scs, "--hub URL が必要です / "
                                               "--hub URL is needed");
    char auth[600];
    mm_err err;
    if (o->key) {
        int r = expert_header(o, method, path, body, len, auth, sizeof auth);
        if (r >= 0)
            return r;
    } else {
        mm_rc rc = mm_cli_scs_bearer(o->token, auth, sizeof auth, &err);
        if (rc != MM_OK)
            return mm_cli_scs_report(&err, rc);
    }
    long code = 0;
    mm_rc rc = mm_cli_scs_hub_call(o->hub, path, method, auth, body, len,
                                   o->cacert, &code, b, &err);
    return refused(rc, &err, code, want, b);
}

/* fetch, then the answer printed (or written to `out`). */
static int call(const opts *o, const char *method, const char *path,
                const char *body, size_t len, long want, const char *out)
{
    mm_buf b;
    mm_buf_init(&b, 8u << 20);
    int ex = fetch(o, method, path, body, len, want, &b);
    if (ex < 0) {
        mm_buf_puts(&b, "\n");
        ex = mm_cli_scs_emit(out, &b, 0644);
    }
    mm_buf_free(&b);
    return ex;
}

int mm_cli_scs_send(opts *o)
{
    if (!o->expert || !o->assessment)
        return mm_cli_usage_error(&mm_cmd_scs,
                                  "--expert と --assessment が必要です / "
                                  "--expert and --assessment are needed");
    json_error_t je;
    json_t *a = json_load_file(o->assessment, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(a)) {
        json_decref(a);
        fprintf(stderr,
                "mamori scs: %s: mamori scs assess --format json の"
                "出力ではありません / not the output of mamori scs "
                "assess --format json\n",
                o->assessment);
        return MM_EXIT_USAGE;
    }
    json_t *req =
        json_pack("{s:s, s:o}", "expert", o->expert, "assessment", a);
    if (req && o->message)
        json_object_set_new(req, "message", json_string(o->message));
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (!body) {
        fprintf(stderr, "mamori scs: --expert か --message が UTF-8 ではあり"
                        "ません / --expert or --message is not UTF-8\n");
        return MM_EXIT_USAGE;
    }
    int ex = call(o, "POST", REQS, body, strlen(body), 201, NULL);
    free(body);
    return ex;
}

/* The id of --id: a positive number. */
static bool id_ok(const char *s)
{
    return s && *s >= '1' && *s <= '9' && strlen(s) <= 15 &&
           strspn(s, "0123456789") == strlen(s);
}

int mm_cli_scs_requests(opts *o)
{
    if (o->id && !id_ok(o->id))
        return mm_cli_usage_error(&mm_cmd_scs,
                                  "--id は依頼番号です / --id is a request "
                                  "number");
    char path[64];
    snprintf(path, sizeof path, "%s%s%s", REQS, o->id ? "/" : "",
             o->id ? o->id : "");
    if (!(o->key && o->id && o->out))
        return call(o, "GET", path, NULL, 0, 200, o->out);
    /* the expert saves the assessment of one request for scs confirm */
    mm_buf b, a;
    mm_buf_init(&b, 8u << 20);
    mm_buf_init(&a, 8u << 20);
    int ex = fetch(o, "GET", path, NULL, 0, 200, &b);
    json_t *j = ex < 0 ? json_loadb(b.data, b.len, 0, NULL) : NULL;
    char *t = j ? json_dumps(json_object_get(j, "assessment"), JSON_INDENT(2))
                : NULL;
    json_decref(j);
    if (ex < 0 && !t) {
        fprintf(stderr, "mamori scs: 依頼に診断結果がありません / the request "
                        "holds no assessment\n");
        ex = MM_EXIT_FAIL;
    } else if (ex < 0) {
        mm_buf_puts(&a, t);
        mm_buf_puts(&a, "\n");
        ex = mm_cli_scs_emit(o->out, &a, 0644);
    }
    free(t);
    mm_buf_free(&a);
    mm_buf_free(&b);
    return ex;
}

int mm_cli_scs_reply(opts *o)
{
    if (!o->key || !o->id || !id_ok(o->id) || !o->confirmed == !o->reject)
        return mm_cli_usage_error(&mm_cmd_scs,
                                  "--key、--registration-no、--id と、"
                                  "--confirmed FILE か --reject REASON の"
                                  "どちらかが必要です / --key, "
                                  "--registration-no, --id and one of "
                                  "--confirmed FILE or --reject REASON are "
                                  "needed");
    char path[80];
    snprintf(path, sizeof path, "%s/%s/%s", REQS, o->id,
             o->confirmed ? "confirmation" : "rejection");
    char *body = NULL;
    size_t len = 0;
    if (o->confirmed) {
        mm_err err;
        mm_rc rc = mm_scs_read_file(o->confirmed, MM_HUB_SCS_DOC_MAX, &body,
                                    &len, &err);
        if (rc != MM_OK)
            return mm_cli_scs_report(&err, rc);
    } else {
        json_t *j = json_pack("{s:s}", "reason", o->reject);
        body = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        if (!body)
            return mm_cli_usage_error(&mm_cmd_scs, "--reject must be UTF-8");
        len = strlen(body);
    }
    int ex = call(o, "POST", path, body, len, 200, NULL);
    free(body);
    return ex;
}
