/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-scs-hub.c — `mamori scs assess --hub URL`: the tenant's evidence as
 * the hub produces it (GET /api/v1/scs/evidence with the tenant's token),
 * used like an --evidence file. */
#include "cmd-scs.h"

#include "hub.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    mm_buf *b = ud;
    return mm_buf_append(b, p, sz * n) == MM_OK ? sz * n : 0;
}

mm_rc mm_cli_scs_hub_call(const char *url, const char *path,
                          const char *method, const char *auth,
                          const char *body, size_t len, const char *cacert,
                          long *code, mm_buf *b, mm_err *err)
{
    char full[2048];
    size_t ul = strlen(url);
    while (ul && url[ul - 1] == '/')
        ul--;
    if (snprintf(full, sizeof full, "%.*s%s", (int)ul, url, path) >=
        (int)sizeof full)
        return mm_err_set(err, MM_EINVAL, "--hub", 0, "URL too long");
    CURL *c = curl_easy_init();
    if (!c)
        return mm_err_set(err, MM_ENOMEM, "--hub", 0, "curl_easy_init failed");
    struct curl_slist *h = curl_slist_append(NULL, auth);
    if (body)
        h = curl_slist_append(h, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, full);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (cacert)
        curl_easy_setopt(c, CURLOPT_CAINFO, cacert);
    CURLcode cr = curl_easy_perform(c);
    *code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (cr != CURLE_OK)
        return mm_err_set(err, MM_EIO, full, 0,
                          "ハブに接続できません / cannot reach the hub: %s",
                          curl_easy_strerror(cr));
    return MM_OK;
}

mm_rc mm_cli_scs_bearer(const char *token, char *out, size_t n, mm_err *err)
{
    if (!token)
        token = getenv("MAMORI_TOKEN");
    if (!token || !*token)
        return mm_err_set(err, MM_EINVAL, "--token", 0,
                          "--hub にはテナントのトークンが必要です（--token "
                          "か $MAMORI_TOKEN） / --hub needs the tenant's "
                          "token (--token or $MAMORI_TOKEN)");
    if (snprintf(out, n, "Authorization: Bearer %s", token) >= (int)n)
        return mm_err_set(err, MM_EINVAL, "--token", 0, "token too long");
    return MM_OK;
}

/* GET URL+path with the token into b; MM_EIO unless it answered 200. */
static mm_rc hub_get(const char *url, const char *path, const char *token,
                     const char *cacert, mm_buf *b, mm_err *err)
{
    char auth[512];
    long code = 0;
    mm_rc rc = mm_cli_scs_bearer(token, auth, sizeof auth, err);
    if (rc == MM_OK)
        rc = mm_cli_scs_hub_call(url, path, "GET", auth, NULL, 0, cacert,
                                 &code, b, err);
    if (rc == MM_OK && code != 200)
        return mm_err_set(err, MM_EIO, url, 0,
                          "ハブが応じませんでした / the hub answered HTTP %ld",
                          code);
    return rc;
}

mm_rc mm_cli_scs_hub_evidence(const char *url, const char *token,
                              const char *cacert, mm_scs_evidence **out,
                              mm_err *err)
{
    mm_buf b;
    mm_buf_init(&b, MM_SCS_EVIDENCE_MAX);
    mm_rc rc = hub_get(url, "/api/v1/scs/evidence", token, cacert, &b, err);
    if (rc == MM_OK)
        rc = mm_scs_evidence_parse(b.data ? b.data : "", b.len, url, out, err);
    mm_buf_free(&b);
    return rc;
}

/* ---- scs experts: the directory ------------------------------------------
 */

const mm_cli_opt mm_cli_scs_experts_opts[] = {VAL("--dir", dir),
                                              VAL("--hub", hub),
                                              VAL("--token", token),
                                              VAL("--cacert", cacert),
                                              VAL("--region", region),
                                              VAL("--industry", industry),
                                              VAL("--theme", theme),
                                              O_FORMAT,
                                              {0}};

/* `want` is empty or appears in the field (大阪 matches 大阪府). */
static bool field_has(const json_t *e, const char *key, const char *want)
{
    const char *v = json_string_value(json_object_get(e, key));
    return !want || !*want || (v && strstr(v, want));
}

static const char *jstr(const json_t *e, const char *key)
{
    const char *v = json_string_value(json_object_get(e, key));
    return v && *v ? v : "-";
}

static int print_directory(const opts *o, const mm_buf *b)
{
    json_t *d = json_loadb(b->data ? b->data : "", b->len, 0, NULL);
    json_t *keep = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(d, "entries"), i, e)
    {
        if (field_has(e, "region", o->region) &&
            field_has(e, "industries", o->industry) &&
            field_has(e, "themes", o->theme))
            json_array_append(keep, e);
    }
    if (o->format && strcmp(o->format, "json") == 0) {
        char *t = json_dumps(keep, JSON_INDENT(2));
        printf("%s\n", t ? t : "[]");
        free(t);
    } else {
        printf("登録番号 氏名 / 地域 / 業種 / テーマ / 連絡先 / 有効期限\n"
               "(registration no. name / region / industries / themes / "
               "contact / valid until)\n");
        json_array_foreach(keep, i, e)
        {
            printf("%s %s / %s / %s / %s / %s / %s\n",
                   jstr(e, "registration_no"), jstr(e, "name"),
                   jstr(e, "region"), jstr(e, "industries"), jstr(e, "themes"),
                   jstr(e, "contact"), jstr(e, "valid_until"));
        }
        fprintf(stderr, "mamori scs: %zu 人 / %zu expert(s)\n",
                json_array_size(keep), json_array_size(keep));
    }
    int code = d ? MM_EXIT_OK : MM_EXIT_FAIL;
    json_decref(keep);
    json_decref(d);
    return code;
}

int mm_cli_scs_experts(opts *o)
{
    if (!o->dir == !o->hub)
        return mm_cli_usage_error(&mm_cmd_scs,
                                  "--dir HUBDIR か --hub URL のどちらかを"
                                  "指定してください / give --dir HUBDIR or "
                                  "--hub URL");
    mm_buf b;
    mm_buf_init(&b, 64u * 1024u * 1024u);
    mm_err err;
    mm_rc rc;
    if (o->hub) {
        rc = hub_get(o->hub, "/api/v1/scs/experts", o->token, o->cacert, &b,
                     &err);
    } else {
        mm_store *st = NULL;
        rc = mm_hub_admin_open(o->dir, &st, &err);
        if (rc == MM_OK)
            rc = mm_hub_registry_directory(
                st, MM_HUB_REG_EXPERT, (mm_now_ms() / 1000 + 9 * 3600) / 86400,
                &b, &err);
        if (st)
            mm_store_close(st);
    }
    int code =
        rc == MM_OK ? print_directory(o, &b) : mm_cli_scs_report(&err, rc);
    mm_buf_free(&b);
    return code;
}
