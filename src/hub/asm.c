/* SPDX-License-Identifier: Apache-2.0 */
/* asm.c — the outside-in self-check (ASM) of an SME's own assets: assets
 * are listed per tenant, their ownership is proven by a DNS TXT record
 * (dns-txt.c) or a file on the asset's web server before anything is probed,
 * then a polite check (rate-limited, no credentials tried): ports that should
 * never face the internet, banners against the shipped known-exploited list,
 * admin pages, the TLS certificate's expiry, TLS 1.0/1.1 still accepted
 * (docs/scs.md "Outside-in self-check"). State: DIR/asm-<tenant>.json, written
 * atomically. */
#include "hub.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netdb.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ASM_ASSETS_MAX 64u
#define WELL_KNOWN "/.well-known/mamori-verify.txt"

static void state_path(const char *dir, const char *tenant, char *out,
                       size_t n)
{
    snprintf(out, n, "%s/asm-%s.json", dir, tenant);
}

static json_t *state_load(const char *dir, const char *tenant)
{
    char p[4096];
    state_path(dir, tenant, p, sizeof p);
    json_t *s = json_load_file(p, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(s)) {
        json_decref(s);
        s = json_pack("{s:[]}", "assets");
    }
    return s;
}

static mm_rc state_save(const char *dir, const char *tenant, json_t *s,
                        mm_err *err)
{
    char p[4096];
    state_path(dir, tenant, p, sizeof p);
    char *t = json_dumps(s, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (!t)
        return mm_err_set(err, MM_ENOMEM, p, 0, "out of memory");
    mm_rc rc = mm_file_write_atomic(p, t, strlen(t), 0600, err);
    free(t);
    return rc;
}

/* HOST or HOST:PORT, HOST a domain name or an IPv4 address. */
static bool asset_ok(const char *a)
{
    size_t n = strlen(a);
    return n > 0 && n < 254 &&
           strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789.-:") == n &&
           a[0] != '-' && a[0] != '.' && a[0] != ':';
}

static json_t *find_asset(json_t *s, const char *asset)
{
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(s, "assets"), i, a)
    {
        if (strcmp(json_string_value(json_object_get(a, "asset")), asset) == 0)
            return a;
    }
    return NULL;
}

mm_rc mm_hub_asm_add(const char *dir, const char *tenant, const char *asset,
                     char token[33], mm_err *err)
{
    if (!mm_hub_id_valid(tenant) || !asset_ok(asset))
        return mm_err_set(err, MM_EINVAL, asset, 0,
                          "資産はドメイン名か IP アドレス（:ポート可）です / "
                          "an asset is a domain name or an IP address "
                          "(optionally :port)");
    json_t *s = state_load(dir, tenant);
    json_t *a = find_asset(s, asset);
    if (json_array_size(json_object_get(s, "assets")) >= ASM_ASSETS_MAX &&
        !a) {
        json_decref(s);
        return mm_err_set(err, MM_ELIMIT, asset, 0, "more than %u assets",
                          ASM_ASSETS_MAX);
    }
    unsigned char r[16];
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(token, 33, r, sizeof r);
    if (a) {
        json_object_set_new(a, "token", json_string(token));
        json_object_set_new(a, "verified_at", json_null());
    } else {
        json_array_append_new(json_object_get(s, "assets"),
                              json_pack("{s:s, s:s, s:n}", "asset", asset,
                                        "token", token, "verified_at"));
    }
    mm_rc rc = state_save(dir, tenant, s, err);
    json_decref(s);
    return rc;
}

/* ---- HTTP(S) through libcurl -------------------------------------------- */

typedef struct http_res {
    long code;
    mm_buf body;
    char server[256]; /* the Server header */
    char expire[64];  /* "Expire date" of the leaf certificate, or "" */
} http_res;

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    mm_buf *b = ud;
    (void)mm_buf_append(b, p, sz * n); /* capped: the rest is dropped */
    return sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    http_res *r = ud;
    size_t l = sz * n;
    if (l > 8 && strncasecmp(p, "Server:", 7) == 0) {
        size_t k = l - 7;
        while (k && (p[7 + k - 1] == '\r' || p[7 + k - 1] == '\n'))
            k--;
        snprintf(r->server, sizeof r->server, "%.*s", (int)k, p + 7);
    }
    return l;
}

/* GET url (no redirects, no credentials, certificate not trusted: we look
 * at it, we do not rely on it). */
static CURLcode http_get(const char *url, http_res *r)
{
    memset(r, 0, sizeof *r);
    mm_buf_init(&r->body, 64u * 1024u);
    CURL *c = curl_easy_init();
    if (!c)
        return CURLE_OUT_OF_MEMORY;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 3L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "mamori-asm (self-check)");
    CURLcode cr = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->code);
    struct curl_certinfo *ci = NULL;
    if (cr == CURLE_OK &&
        curl_easy_getinfo(c, CURLINFO_CERTINFO, &ci) == CURLE_OK && ci &&
        ci->num_of_certs > 0)
        for (struct curl_slist *s = ci->certinfo[0]; s; s = s->next)
            if (strncmp(s->data, "Expire date:", 12) == 0)
                snprintf(r->expire, sizeof r->expire, "%s", s->data + 12);
    curl_easy_cleanup(c);
    return cr;
}

static mm_rc on_txt(const char *txt, size_t len, void *ud)
{
    const char *want = ud;
    /* a match stops the walk: MM_EOF here means "found" */
    return len == strlen(want) && memcmp(txt, want, len) == 0 ? MM_EOF : MM_OK;
}

/* The TXT proof on _mamori.<domain>: domains only (an address has no
 * place of its own to publish a record). */
static bool txt_proof(const char *asset, const char *dns, const char *want)
{
    char host[256], name[300];
    snprintf(host, sizeof host, "%s", asset);
    char *colon = strchr(host, ':');
    if (colon)
        *colon = '\0';
    mm_addr ip;
    if (mm_addr_parse(host, strlen(host), &ip) == MM_OK)
        return false;
    snprintf(name, sizeof name, "_mamori.%s", host);
    mm_err e;
    return mm_hub_dns_txt_query(dns, name, on_txt, (void *)want, &e) == MM_EOF;
}

mm_rc mm_hub_asm_verify(const char *dir, const char *tenant, const char *asset,
                        const char *dns, int64_t now_ms, mm_err *err)
{
    json_t *s = state_load(dir, tenant);
    json_t *a = find_asset(s, asset);
    mm_rc rc = MM_OK;
    if (!a) {
        json_decref(s);
        return mm_err_set(err, MM_ENOTFOUND, asset, 0,
                          "登録されていない資産です（hub asm add） / not a "
                          "listed asset (hub asm add)");
    }
    char want[64];
    snprintf(want, sizeof want, "mamori-verify=%s",
             json_string_value(json_object_get(a, "token")));
    bool ok = txt_proof(asset, dns, want);
    const char *method = ok ? "dns txt" : "well-known file";
    static const char *const schemes[] = {"https://", "http://"};
    for (size_t i = 0; !ok && i < 2; i++) {
        char url[512];
        snprintf(url, sizeof url, "%s%s%s", schemes[i], asset, WELL_KNOWN);
        http_res r;
        if (http_get(url, &r) == CURLE_OK && r.code == 200 && r.body.data &&
            strstr(r.body.data, want))
            ok = true;
        mm_buf_free(&r.body);
    }
    if (ok) {
        char t[32];
        mm_time_format(now_ms, t, sizeof t);
        json_object_set_new(a, "verified_at", json_string(t));
        json_object_set_new(a, "method", json_string(method));
        rc = state_save(dir, tenant, s, err);
    } else {
        rc = mm_err_set(err, MM_EINVAL, asset, 0,
                        "所有の確認ができません: \"%s\" が DNS の TXT "
                        "レコード（_mamori.ドメイン）にも "
                        "http(s)://%s%s にもありません / ownership not "
                        "proven: \"%s\" found neither as a TXT record "
                        "(_mamori.DOMAIN) nor at http(s)://%s%s",
                        want, asset, WELL_KNOWN, want, asset, WELL_KNOWN);
    }
    json_decref(s);
    return rc;
}

/* ---- the check -----------------------------------------------------------
 */

/* TCP connect within 2 s; the first bytes the service sends (banner). */
static bool tcp_probe(const char *host, unsigned port, char *banner,
                      size_t blen)
{
    char ps[8];
    snprintf(ps, sizeof ps, "%u", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    banner[0] = '\0';
    if (getaddrinfo(host, ps, &hints, &ai) != 0 || !ai)
        return false;
    int fd =
        socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    bool open_ = false;
    if (fd >= 0) {
        int r = connect(fd, ai->ai_addr, ai->ai_addrlen);
        struct pollfd p = {fd, POLLOUT, 0};
        int e = 0;
        socklen_t el = sizeof e;
        if ((r == 0 || errno == EINPROGRESS) && poll(&p, 1, 2000) == 1 &&
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e == 0) {
            open_ = true;
            p.events = POLLIN;
            if (poll(&p, 1, 1000) == 1) {
                ssize_t n = read(fd, banner, blen - 1);
                banner[n > 0 ? n : 0] = '\0';
                for (char *q = banner; *q; q++)
                    if ((unsigned char)*q < 0x20 || (unsigned char)*q > 0x7e)
                        *q = ' ';
            }
        }
        close(fd);
    }
    freeaddrinfo(ai);
    return open_;
}

static void add_finding(json_t *arr, const char *kind, const char *ja,
                        const char *en, const char *detail)
{
    json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "kind", kind,
                                         "ja", ja, "en", en, "detail",
                                         detail ? detail : ""));
}

/* The shipped known-exploited list: "pattern<TAB>CVE<TAB>text" lines; a
 * banner containing the pattern (case-insensitive) matches. */
static void kev_match(const char *kev, const char *banner, json_t *arr)
{
    if (!kev || !*banner)
        return;
    char *copy = strdup(kev), *save = NULL;
    for (char *l = copy ? strtok_r(copy, "\n", &save) : NULL; l;
         l = strtok_r(NULL, "\n", &save)) {
        char *t1 = strchr(l, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (l[0] == '#' || !t2)
            continue;
        *t1 = *t2 = '\0';
        if (strcasestr(banner, l)) {
            char d[600];
            snprintf(d, sizeof d, "%s: %s (%s)", t1 + 1, t2 + 1, banner);
            add_finding(arr, "kev",
                        "悪用が確認されている脆弱性のある版です。すぐに更新"
                        "してください",
                        "a version with a known exploited vulnerability: "
                        "update it now",
                        d);
        }
    }
    free(copy);
}

/* Expired or expiring within 30 days ("Jan  1 00:00:00 2025 GMT"). */
static void cert_check(const char *expire, int64_t now_ms, json_t *arr)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *e = expire;
    while (*e == ' ')
        e++;
    if (!*e || !strptime(e, "%b %d %H:%M:%S %Y", &tm))
        return;
    int64_t t = (int64_t)timegm(&tm) * 1000;
    if (t < now_ms)
        add_finding(arr, "tls_expired", "TLS 証明書の有効期限が切れています",
                    "the TLS certificate has expired", e);
    else if (t < now_ms + 30LL * 86400 * 1000)
        add_finding(arr, "tls_expiring",
                    "TLS 証明書の有効期限が30日以内に切れます",
                    "the TLS certificate expires within 30 days", e);
}

static void pause_rate(unsigned per_s)
{
    struct timespec ts = {0, (long)(1000000000L / (per_s ? per_s : 1))};
    nanosleep(&ts, NULL);
}

/* Whether HOST:PORT completes a TLS handshake with exactly version `ver`
 * (min | max, e.g. TLSv1_0 | MAX_TLSv1_0): libcurl's OpenSSL back end, connect
 * only, security level 0 so that OpenSSL 3 is willing to offer the old version
 * at all. Nothing is sent after the handshake. */
static bool tls_accepts(const char *hostport, long ver)
{
    CURL *c = curl_easy_init();
    if (!c)
        return false;
    char url[320];
    snprintf(url, sizeof url, "https://%s/", hostport);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(c, CURLOPT_SSLVERSION, ver);
    curl_easy_setopt(c, CURLOPT_SSL_CIPHER_LIST, "DEFAULT:@SECLEVEL=0");
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 3L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
    CURLcode cr = curl_easy_perform(c);
    curl_easy_cleanup(c);
    return cr == CURLE_OK;
}

/* TLS 1.0 and 1.1 offered on the asset's address (its port, else 443).
 * SSLv3 cannot be tried: Debian's OpenSSL 3 is built without it (a server
 * still accepting SSLv3 nearly always accepts TLS 1.0 as well). */
static void weak_tls_checks(const char *asset, const mm_hub_asm_opts *o,
                            json_t *arr)
{
    static const struct {
        long ver;
        const char *name;
    } old[] = {
        {CURL_SSLVERSION_TLSv1_0 | CURL_SSLVERSION_MAX_TLSv1_0, "TLS 1.0"},
        {CURL_SSLVERSION_TLSv1_1 | CURL_SSLVERSION_MAX_TLSv1_1, "TLS 1.1"}};
    char hp[300];
    snprintf(hp, sizeof hp, "%s%s", asset, strchr(asset, ':') ? "" : ":443");
    for (size_t i = 0; i < sizeof old / sizeof *old; i++) {
        bool yes = tls_accepts(hp, old[i].ver);
        pause_rate(o->rate);
        if (!yes)
            continue;
        char d[400];
        snprintf(d, sizeof d, "%s accepts %s", hp, old[i].name);
        add_finding(arr, "tls_weak",
                    "古い暗号化方式（TLS 1.0/1.1）での接続を受け付けて"
                    "います。通信を盗み見・改ざんされないよう、機器やサーバー"
                    "の設定で TLS 1.2 以上だけにしてください",
                    "an old encryption protocol (TLS 1.0/1.1) is accepted: "
                    "set the server or device to TLS 1.2 or newer only, so "
                    "traffic cannot be read or altered",
                    d);
    }
}

static void web_checks(const char *asset, const mm_hub_asm_opts *o,
                       int64_t now_ms, json_t *arr)
{
    static const char *const admin[] = {
        "/admin/",       "/wp-admin/",
        "/phpmyadmin/",  "/manager/html",
        "/remote/login", "/dana-na/auth/url_default/welcome.cgi"};
    static const char *const schemes[] = {"https://", "http://"};
    for (size_t s = 0; s < 2; s++) {
        char url[600];
        http_res r;
        snprintf(url, sizeof url, "%s%s/", schemes[s], asset);
        CURLcode cr = http_get(url, &r);
        pause_rate(o->rate);
        mm_buf_free(&r.body);
        if (cr != CURLE_OK)
            continue;
        if (s == 0)
            cert_check(r.expire, now_ms, arr);
        if (r.server[0]) {
            char b[300];
            snprintf(b, sizeof b, "%s", r.server);
            kev_match(o->kev, b, arr);
        }
        for (size_t i = 0; i < sizeof admin / sizeof *admin; i++) {
            http_res a;
            snprintf(url, sizeof url, "%s%s%s", schemes[s], asset, admin[i]);
            if (http_get(url, &a) == CURLE_OK &&
                (a.code == 200 || a.code == 401))
                add_finding(arr, "admin_page",
                            "管理画面がインターネットから見えます。社内"
                            "かVPNからだけ開けるようにしてください",
                            "an admin page is reachable from the internet: "
                            "allow it only from inside or over the VPN",
                            url);
            mm_buf_free(&a.body);
            pause_rate(o->rate);
        }
        return; /* one scheme answered: enough */
    }
}

mm_rc mm_hub_asm_check(const char *dir, const char *tenant,
                       const mm_hub_asm_opts *o, int64_t now_ms, mm_buf *out,
                       mm_err *err)
{
    json_t *s = state_load(dir, tenant);
    json_t *assets = json_object_get(s, "assets");
    json_t *report = json_pack("{s:s, s:[]}", "tenant", tenant, "assets");
    size_t i;
    json_t *a;
    mm_rc rc = MM_OK;
    json_array_foreach(assets, i, a)
    {
        const char *asset = json_string_value(json_object_get(a, "asset"));
        json_t *f = json_array();
        json_t *row =
            json_pack("{s:s, s:O, s:o}", "asset", asset, "verified_at",
                      json_object_get(a, "verified_at"), "findings", f);
        json_array_append_new(json_object_get(report, "assets"), row);
        if (!json_string_value(json_object_get(a, "verified_at"))) {
            json_object_set_new(row, "refused",
                                json_string("所有が確認されていないため調べ"
                                            "ません / not probed: ownership "
                                            "not proven"));
            continue;
        }
        char host[256];
        snprintf(host, sizeof host, "%s", asset);
        char *colon = strchr(host, ':');
        if (colon)
            *colon = '\0';
        for (size_t p = 0; p < o->n_ports; p++) {
            char banner[256], d[640];
            bool up = tcp_probe(host, o->ports[p].port, banner, sizeof banner);
            pause_rate(o->rate);
            if (!up)
                continue;
            snprintf(d, sizeof d, "%s:%u (%s)%s%s", host, o->ports[p].port,
                     o->ports[p].name, banner[0] ? " banner: " : "", banner);
            add_finding(f, "open_port",
                        "インターネットに向けてはいけないポートが開いて"
                        "います。ファイアウォールで閉じてください",
                        "a port that should never face the internet is open: "
                        "close it on the firewall",
                        d);
            kev_match(o->kev, banner, f);
        }
        web_checks(asset, o, now_ms, f);
        weak_tls_checks(asset, o, f);
    }
    char t[32];
    mm_time_format(now_ms, t, sizeof t);
    json_object_set_new(report, "checked_at", json_string(t));
    json_object_set(s, "last_check", report);
    rc = state_save(dir, tenant, s, err);
    char *txt = rc == MM_OK ? json_dumps(report, JSON_INDENT(2)) : NULL;
    if (txt) {
        rc = mm_buf_puts(out, txt);
        mm_buf_puts(out, "\n");
    }
    free(txt);
    json_decref(report);
    json_decref(s);
    return rc;
}

mm_rc mm_hub_asm_view(const char *dir, const char *tenant, mm_buf *out,
                      mm_err *err)
{
    if (!mm_hub_id_valid(tenant))
        return mm_err_set(err, MM_EINVAL, "tenant", 0, "bad tenant id");
    json_t *s = state_load(dir, tenant);
    json_t *assets = json_array();
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(s, "assets"), i, a)
    {
        json_t *v = json_object_get(a, "verified_at");
        bool proven = json_is_string(v);
        json_t *row =
            json_pack("{s:O, s:O, s:O}", "asset", json_object_get(a, "asset"),
                      "verified_at", proven ? v : json_null(), "method",
                      proven && json_object_get(a, "method")
                          ? json_object_get(a, "method")
                          : json_null());
        /* what to publish is shown until it is proven */
        if (row && !proven)
            json_object_set(row, "token", json_object_get(a, "token"));
        json_array_append_new(assets, row);
    }
    json_t *last = json_object_get(s, "last_check");
    json_t *view =
        json_pack("{s:s, s:o, s:O}", "tenant", tenant, "assets", assets,
                  "last_check", json_is_object(last) ? last : json_null());
    char *txt = view ? json_dumps(view, JSON_COMPACT) : NULL;
    mm_rc rc = txt ? mm_buf_puts(out, txt) : MM_ENOMEM;
    free(txt);
    json_decref(view);
    json_decref(s);
    return rc == MM_OK ? MM_OK
                       : mm_err_set(err, rc, "asm", 0, "out of memory");
}
