/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-scs-hub.c — `mamori scs assess --hub URL`: the tenant's evidence as
 * the hub produces it (GET /api/v1/scs/evidence with the tenant's token),
 * used like an --evidence file. */
#include "cmd-scs.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    mm_buf *b = ud;
    return mm_buf_append(b, p, sz * n) == MM_OK ? sz * n : 0;
}

mm_rc mm_cli_scs_hub_evidence(const char *url, const char *token,
                              const char *cacert, mm_scs_evidence **out,
                              mm_err *err)
{
    if (!token)
        token = getenv("MAMORI_TOKEN");
    if (!token || !*token)
        return mm_err_set(err, MM_EINVAL, "--token", 0,
                          "--hub にはテナントのトークンが必要です（--token "
                          "か $MAMORI_TOKEN） / --hub needs the tenant's "
                          "token (--token or $MAMORI_TOKEN)");
    char full[2048], auth[512];
    size_t ul = strlen(url);
    while (ul && url[ul - 1] == '/')
        ul--;
    if (snprintf(full, sizeof full, "%.*s/api/v1/scs/evidence", (int)ul,
                 url) >= (int)sizeof full ||
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token) >=
            (int)sizeof auth)
        return mm_err_set(err, MM_EINVAL, "--hub", 0, "URL or token too long");
    CURL *c = curl_easy_init();
    if (!c)
        return mm_err_set(err, MM_ENOMEM, "--hub", 0, "curl_easy_init failed");
    mm_buf b;
    mm_buf_init(&b, MM_SCS_EVIDENCE_MAX);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    curl_easy_setopt(c, CURLOPT_URL, full);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (cacert)
        curl_easy_setopt(c, CURLOPT_CAINFO, cacert);
    CURLcode cr = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    mm_rc rc;
    if (cr != CURLE_OK)
        rc = mm_err_set(err, MM_EIO, full, 0,
                        "ハブに接続できません / cannot reach the hub: %s",
                        curl_easy_strerror(cr));
    else if (code != 200)
        rc = mm_err_set(err, MM_EIO, full, 0,
                        "ハブが証拠を返しませんでした / the hub answered "
                        "HTTP %ld",
                        code);
    else
        rc =
            mm_scs_evidence_parse(b.data ? b.data : "", b.len, full, out, err);
    mm_buf_free(&b);
    return rc;
}
