/* SPDX-License-Identifier: Apache-2.0 */
/* send.c — the transports: SMTP (STARTTLS, AUTH) and chat incoming
 * webhooks (Teams, Slack), both through libcurl. A message counts as sent
 * only when the server said so: 250 after DATA, or a 2xx answer. */
#include "notify.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

typedef struct reader {
    const char *p;
    size_t left;
} reader;

static size_t read_cb(char *dst, size_t size, size_t nmemb, void *ud)
{
    reader *r = ud;
    size_t n = size * nmemb;
    if (n > r->left)
        n = r->left;
    memcpy(dst, r->p, n);
    r->p += n;
    r->left -= n;
    return n;
}

static size_t discard_cb(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

static mm_rc curl_fail(CURL *cu, CURLcode cc, const char *what, mm_err *err)
{
    long code = 0;
    curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &code);
    return mm_err_set(err, MM_EIO, what, 0, "%s (server code %ld)",
                      curl_easy_strerror(cc), code);
}

mm_rc mm_notify_smtp_send(const mm_smtp_conf *c, const char *from,
                          const char *to, const char *msg, size_t len,
                          mm_err *err)
{
    bool smtps = strncmp(c->url, "smtps://", 8) == 0;
    if (!smtps && strncmp(c->url, "smtp://", 7) != 0)
        return mm_err_set(err, MM_EINVAL, "smtp", 0,
                          "smtp_url must start with smtp:// or smtps://");
    if (!mm_notify_addr_valid(from) || !mm_notify_addr_valid(to))
        return mm_err_set(err, MM_EINVAL, "smtp", 0, "bad address");
    char f[MM_NOTIFY_ADDR_MAX + 3], t[MM_NOTIFY_ADDR_MAX + 3];
    snprintf(f, sizeof f, "<%s>", from);
    snprintf(t, sizeof t, "<%s>", to);
    CURL *cu = curl_easy_init();
    if (!cu)
        return mm_err_set(err, MM_ENOMEM, "smtp", 0, "curl_easy_init failed");
    struct curl_slist *rcpt = curl_slist_append(NULL, t);
    reader r = {msg, len};
    curl_easy_setopt(cu, CURLOPT_URL, c->url);
    curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(cu, CURLOPT_USE_SSL,
                     smtps || c->tls_required ? (long)CURLUSESSL_ALL
                                              : (long)CURLUSESSL_TRY);
    if (c->user && *c->user) {
        curl_easy_setopt(cu, CURLOPT_USERNAME, c->user);
        curl_easy_setopt(cu, CURLOPT_PASSWORD, c->password ? c->password : "");
    }
    if (c->ca_file && *c->ca_file)
        curl_easy_setopt(cu, CURLOPT_CAINFO, c->ca_file);
    curl_easy_setopt(cu, CURLOPT_MAIL_FROM, f);
    curl_easy_setopt(cu, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(cu, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(cu, CURLOPT_READDATA, &r);
    curl_easy_setopt(cu, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(cu, CURLOPT_TIMEOUT,
                     c->timeout_s > 0 ? c->timeout_s : 30L);
    CURLcode cc = curl_easy_perform(cu);
    mm_rc rc = cc == CURLE_OK ? MM_OK : curl_fail(cu, cc, "smtp", err);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(cu);
    return rc;
}

/* Appends {"k1":"v1",…} from NULL-ended key/value pairs (values escaped). */
static mm_rc json_object(mm_buf *out, const char *const *kv)
{
    mm_rc rc = mm_buf_puts(out, "{");
    for (size_t i = 0; rc == MM_OK && kv[i]; i += 2) {
        rc = mm_buf_printf(out, "%s\"%s\":", i ? "," : "", kv[i]);
        if (rc == MM_OK)
            rc = mm_buf_json_str(out, kv[i + 1], strlen(kv[i + 1]));
    }
    return rc == MM_OK ? mm_buf_puts(out, "}") : rc;
}

mm_rc mm_notify_chat_json(mm_chat_kind k, const char *title, const char *text,
                          mm_buf *out)
{
    if (k == MM_CHAT_TEAMS) {
        const char *const kv[] = {"@type",    "MessageCard",
                                  "@context", "https://schema.org/extensions",
                                  "summary",  title,
                                  "title",    title,
                                  "text",     text,
                                  NULL};
        return json_object(out, kv);
    }
    mm_buf t;
    mm_buf_init(&t, MM_NOTIFY_BODY_MAX);
    mm_rc rc = mm_buf_printf(&t, "*%s*\n%s", title, text);
    const char *const kv[] = {"text", t.data, NULL};
    if (rc == MM_OK)
        rc = json_object(out, kv);
    mm_buf_free(&t);
    return rc;
}

mm_rc mm_notify_chat_send(mm_chat_kind k, const char *url, const char *title,
                          const char *text, mm_err *err)
{
    mm_buf b;
    mm_buf_init(&b, MM_NOTIFY_BODY_MAX * 2);
    mm_rc rc = mm_notify_chat_json(k, title, text, &b);
    if (rc != MM_OK) {
        mm_buf_free(&b);
        return mm_err_set(err, rc, "chat", 0, "message too large");
    }
    CURL *cu = curl_easy_init();
    if (!cu) {
        mm_buf_free(&b);
        return mm_err_set(err, MM_ENOMEM, "chat", 0, "curl_easy_init failed");
    }
    struct curl_slist *hs =
        curl_slist_append(NULL, "Content-Type: application/json");
    hs = curl_slist_append(hs, "Expect:");
    curl_easy_setopt(cu, CURLOPT_URL, url);
    curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(cu, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(cu, CURLOPT_POSTFIELDS, b.data);
    curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE, (long)b.len);
    curl_easy_setopt(cu, CURLOPT_TIMEOUT, 15L);
    curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, discard_cb);
    CURLcode cc = curl_easy_perform(cu);
    long code = 0;
    curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &code);
    rc = MM_OK;
    if (cc != CURLE_OK)
        rc = curl_fail(cu, cc, "chat", err);
    else if (code < 200 || code > 299)
        rc = mm_err_set(err, MM_EIO, "chat", 0, "webhook answered %ld", code);
    curl_slist_free_all(hs);
    curl_easy_cleanup(cu);
    mm_buf_free(&b);
    return rc;
}
