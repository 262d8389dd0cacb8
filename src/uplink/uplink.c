/* SPDX-License-Identifier: Apache-2.0 */
/* uplink.c — the uploader (spool → POST /api/v1/events) and the feed puller
 * (GET /api/v1/feed long poll → state_dir/feed.txt), each on its own thread
 * with its own reused curl handle. */
#include "uplink.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

struct mm_uplink {
    mm_uplink_conf conf;
    mm_uplink_opts opts;
    mm_deid *deid;
    mm_spool *spool;
    char auth_header[600];
    char base_url[600];
    char state_dir[1024];
    char feed_path[1100];
    char feed_state_path[1100];

    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool wake;
    atomic_bool stop;
    pthread_t up_thr, feed_thr;
    bool up_started, feed_started;

    /* uploader thread */
    CURL *up_curl;
    struct curl_slist *up_headers;
    mm_spool_batch batch;
    bool batch_loaded;
    unsigned up_attempt;
    uint64_t up_rand;
    void *zbuf;
    size_t zcap;

    /* feed thread */
    CURL *feed_curl;
    struct curl_slist *feed_headers;
    json_t *feed_set; /* value -> {"type","confidence","valid_until",...} */
    char feed_cursor[256];
    unsigned feed_attempt;
    uint64_t feed_rand;

    /* stats, under mu */
    uint64_t submitted, uploaded, duplicates, batches, retries;
    uint64_t feed_polls, feed_updates;
    size_t feed_indicators;
    long last_status;
    bool auth_failed, feed_auth_failed;
    char last_error[256];
};

static void ulog(mm_uplink *u, mm_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void ulog(mm_uplink *u, mm_log_level lvl, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (lvl >= MM_LOG_WARN) {
        pthread_mutex_lock(&u->mu);
        size_t n = strnlen(msg, sizeof u->last_error - 1);
        memcpy(u->last_error, msg, n);
        u->last_error[n] = '\0';
        pthread_mutex_unlock(&u->mu);
    }
    if (u->opts.log)
        u->opts.log(u->opts.ud, lvl, msg);
}

/* An error a worker thread cannot hand to a caller: "what: <the error>". */
static void ulog_err(mm_uplink *u, const char *what, const mm_err *e)
{
    char msg[900];
    mm_err_format(e, msg, sizeof msg);
    ulog(u, MM_LOG_ERROR, "%s: %s", what, msg);
}

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ull;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

/* Exponential back-off with jitter: 0.5 s doubling up to the cap, a random
 * point in its upper half; at least Retry-After. */
static unsigned backoff_ms(unsigned attempt, unsigned cap_s, long retry_after,
                           uint64_t *rnd)
{
    uint64_t cap = (uint64_t)cap_s * 1000u;
    uint64_t d = 500ull << (attempt < 20 ? attempt : 20);
    if (d > cap)
        d = cap;
    d = d / 2 + xorshift(rnd) % (d / 2 + 1);
    if (retry_after > 0) {
        uint64_t ra = (uint64_t)(retry_after > 600 ? 600 : retry_after) * 1000;
        if (d < ra)
            d = ra;
    }
    return (unsigned)d;
}

/* ---- files ----------------------------------------------------------------
 */

/* First line of a secret file, surrounding blanks removed. */
static mm_rc read_secret(const char *path, char *out, size_t cap, mm_err *err)
{
    char *data;
    size_t len;
    mm_rc rc = mm_file_read(path, 64 * 1024, &data, &len, err);
    if (rc != MM_OK)
        return rc == MM_ENOTFOUND ? MM_EIO : rc;
    size_t s = 0;
    while (s < len && (data[s] == ' ' || data[s] == '\t'))
        s++;
    size_t e = s;
    while (e < len && data[e] != '\n' && data[e] != '\r')
        e++;
    while (e > s && (data[e - 1] == ' ' || data[e - 1] == '\t'))
        e--;
    if (e - s >= cap || e == s) {
        free(data);
        return mm_err_set(err, MM_EINVAL, path, 1,
                          e == s ? "the file is empty"
                                 : "the secret is too long");
    }
    memcpy(out, data + s, e - s);
    out[e - s] = '\0';
    sodium_memzero(data, len);
    free(data);
    return MM_OK;
}

/* ---- HTTP -----------------------------------------------------------------
 */

typedef struct http_resp {
    mm_buf body;
    long status;
    long retry_after; /* seconds, 0 = none */
} http_resp;

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    http_resp *r = ud;
    size_t n = size * nmemb;
    if (mm_buf_append(&r->body, p, n) != MM_OK)
        return 0; /* over the cap: abort the transfer */
    return n;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
    http_resp *r = ud;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";
    if (n > sizeof name - 1 && strncasecmp(p, name, sizeof name - 1) == 0) {
        char v[128];
        size_t s = sizeof name - 1, len = n - s;
        if (len >= sizeof v)
            len = sizeof v - 1;
        memcpy(v, p + s, len);
        v[len] = '\0';
        char *q = v;
        while (*q == ' ' || *q == '\t')
            q++;
        char *e = q + strlen(q);
        while (e > q && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' '))
            *--e = '\0';
        if (*q >= '0' && *q <= '9') {
            long secs = 0;
            for (; *q >= '0' && *q <= '9' && secs < 1000000; q++)
                secs = secs * 10 + (*q - '0');
            r->retry_after = secs;
        } else {
            time_t t = curl_getdate(q, NULL);
            time_t now = time(NULL);
            if (t > now)
                r->retry_after = (long)(t - now);
        }
    }
    return n;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut,
                       curl_off_t un)
{
    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    mm_uplink *u = ud;
    return atomic_load(&u->stop) ? 1 : 0;
}

static CURL *http_handle(mm_uplink *u)
{
    CURL *c = curl_easy_init();
    if (!c)
        return NULL;
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, u);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "mamori-sensor/" MM_VERSION);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (u->conf.ca_file[0]) {
        /* Pin: trust only the hub's own certificate. */
        curl_easy_setopt(c, CURLOPT_CAINFO, u->conf.ca_file);
        curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
    }
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    return c;
}

/* Performs one request; a transport failure is MM_AGAIN with err set. */
static mm_rc http_do(mm_uplink *u, CURL *c, struct curl_slist *headers,
                     const char *url, const void *body, size_t len,
                     long timeout_s, http_resp *r, mm_err *err)
{
    mm_buf_reset(&r->body);
    r->status = 0;
    r->retry_after = 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    CURLcode cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        if (cc == CURLE_ABORTED_BY_CALLBACK && atomic_load(&u->stop))
            return mm_err_set(err, MM_AGAIN, url, 0, "stopped");
        return mm_err_set(err, MM_AGAIN, url, 0, "%s", curl_easy_strerror(cc));
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    return MM_OK;
}

/* The "error" text of a hub reply, or the start of the body. */
static void reply_error(const http_resp *r, char *out, size_t cap)
{
    out[0] = '\0';
    if (!r->body.data)
        return;
    json_error_t je;
    json_t *o = json_loadb(r->body.data, r->body.len, 0, &je);
    json_t *e = o ? json_object_get(o, "error") : NULL;
    if (json_is_string(e)) {
        snprintf(out, cap, "%s", json_string_value(e));
    } else {
        size_t n = r->body.len < cap - 1 ? r->body.len : cap - 1;
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)r->body.data[i];
            out[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : ' ';
        }
        out[n] = '\0';
    }
    json_decref(o);
}

/* ---- upload ---------------------------------------------------------------
 */

static void batch_remove(mm_spool_batch *b, size_t i)
{
    size_t cut = b->len[i] + 1, at = b->off[i];
    memmove(b->body.data + at, b->body.data + at + cut,
            b->body.len - at - cut);
    b->body.len -= cut;
    b->body.data[b->body.len] = '\0';
    for (size_t j = i + 1; j < b->n; j++) {
        b->seq[j - 1] = b->seq[j];
        b->off[j - 1] = b->off[j] - cut;
        b->len[j - 1] = b->len[j];
    }
    b->n--;
}

/* "line 17: …" → 17; 0 when the text names no line. */
static size_t error_line(const char *msg)
{
    const char *p = strstr(msg, "line ");
    if (!p)
        return 0;
    p += 5;
    size_t v = 0;
    while (*p >= '0' && *p <= '9' && v < 1000000)
        v = v * 10 + (size_t)(*p++ - '0');
    return v;
}

static mm_rc reject_line(mm_uplink *u, size_t i, const char *reason,
                         mm_err *err)
{
    mm_spool_batch *b = &u->batch;
    mm_rc rc = mm_spool_reject(u->spool, b->seq[i], b->body.data + b->off[i],
                               b->len[i], reason, err);
    if (rc != MM_OK)
        return rc;
    ulog(u, MM_LOG_WARN,
         "ハブが記録 %" PRIu64
         " を拒否したため rejected/ に移しました / the hub "
         "refused record %" PRIu64 " (%s); moved to rejected/",
         b->seq[i], b->seq[i], reason);
    batch_remove(b, i);
    return MM_OK;
}

static mm_rc finish_batch(mm_uplink *u, mm_err *err)
{
    mm_rc rc = mm_spool_ack(u->spool, u->batch.last_seq, err);
    if (rc != MM_OK)
        return rc;
    u->batch_loaded = false;
    u->up_attempt = 0;
    return MM_OK;
}

/* MM_EINVAL once the hub has refused the token for `what` (*refused, set
 * under u->mu by the thread that saw the 401/403): no retry helps. */
static mm_rc check_refused(mm_uplink *u, const bool *refused, const char *what,
                           mm_err *err)
{
    pthread_mutex_lock(&u->mu);
    bool stopped = *refused;
    pthread_mutex_unlock(&u->mu);
    if (stopped)
        return mm_err_set(err, MM_EINVAL, u->base_url, 0,
                          "%s stopped: the hub refused the token", what);
    return MM_OK;
}

mm_rc mm_uplink_step_upload(mm_uplink *u, unsigned *retry_ms, mm_err *err)
{
    *retry_ms = 0;
    mm_rc rc = check_refused(u, &u->auth_failed, "uploads", err);
    if (rc != MM_OK)
        return rc;
    if (!u->batch_loaded) {
        rc = mm_spool_read(u->spool, &u->batch, u->conf.batch_max,
                           MM_UPLINK_BATCH_BYTES, err);
        if (rc != MM_OK)
            return rc;
        if (u->batch.n == 0)
            return MM_EOF;
        u->batch_loaded = true;
    }
    mm_spool_batch *b = &u->batch;
    if (b->n == 0) /* every line was rejected */
        return finish_batch(u, err);

    size_t bound = ZSTD_compressBound(b->body.len);
    if (bound > u->zcap) {
        void *nz = realloc(u->zbuf, bound);
        if (!nz)
            return MM_ENOMEM;
        u->zbuf = nz;
        u->zcap = bound;
    }
    size_t zn = ZSTD_compress(u->zbuf, u->zcap, b->body.data, b->body.len, 3);
    if (ZSTD_isError(zn))
        return mm_err_set(err, MM_EINTERNAL, "zstd", 0, "%s",
                          ZSTD_getErrorName(zn));

    char url[700];
    snprintf(url, sizeof url, "%s/api/v1/events", u->base_url);
    http_resp r;
    mm_buf_init(&r.body, 64 * 1024);
    rc = http_do(u, u->up_curl, u->up_headers, url, u->zbuf, zn, 60, &r, err);
    long st = r.status;
    char reason[300] = "";
    if (rc == MM_OK)
        reply_error(&r, reason, sizeof reason);
    pthread_mutex_lock(&u->mu);
    u->last_status = st;
    pthread_mutex_unlock(&u->mu);

    if (rc == MM_OK && st == 200) {
        uint64_t acc = b->n, dup = 0;
        json_error_t je;
        json_t *o =
            r.body.data ? json_loadb(r.body.data, r.body.len, 0, &je) : NULL;
        json_t *v;
        if (o && (v = json_object_get(o, "accepted")) && json_is_integer(v))
            acc = (uint64_t)json_integer_value(v);
        if (o && (v = json_object_get(o, "duplicates")) && json_is_integer(v))
            dup = (uint64_t)json_integer_value(v);
        json_decref(o);
        mm_buf_free(&r.body);
        size_t n = b->n;
        rc = finish_batch(u, err);
        if (rc != MM_OK)
            return rc;
        pthread_mutex_lock(&u->mu);
        u->uploaded += n;
        u->duplicates += dup;
        u->batches++;
        pthread_mutex_unlock(&u->mu);
        (void)acc;
        return MM_OK;
    }
    mm_buf_free(&r.body);

    if (rc == MM_OK && (st == 401 || st == 403)) {
        pthread_mutex_lock(&u->mu);
        u->auth_failed = true;
        pthread_mutex_unlock(&u->mu);
        ulog(
            u, MM_LOG_ERROR,
            "ハブが認証を拒否しました (HTTP %ld)。送信を止めます。token を確認"
            "してください / the hub refused the token (HTTP %ld: %s); uploads "
            "stopped, check token",
            st, st, reason);
        return mm_err_set(err, MM_EINVAL, url, 0, "HTTP %ld: %s", st, reason);
    }
    if (rc == MM_OK && st == 400) {
        /* Poison: the hub names the bad line; set it aside and resend the
         * rest. Without a line number the whole batch is set aside. */
        size_t line = error_line(reason);
        if (line >= 1 && line <= b->n) {
            rc = reject_line(u, line - 1, reason, err);
        } else {
            while (rc == MM_OK && b->n > 0)
                rc = reject_line(u, 0, reason, err);
        }
        if (rc != MM_OK)
            return rc;
        if (b->n == 0)
            return finish_batch(u, err);
        return MM_OK;
    }
    if (rc == MM_OK && st == 413) {
        if (b->n > 1) {
            size_t keep = b->n / 2;
            b->last_seq = b->seq[keep - 1];
            b->body.len = b->off[keep];
            b->body.data[b->body.len] = '\0';
            b->n = keep;
            return MM_OK;
        }
        rc = reject_line(u, 0, "413: record too large for the hub", err);
        if (rc != MM_OK)
            return rc;
        return finish_batch(u, err);
    }
    /* Retryable: transport error, 429, 5xx, and anything unexpected. */
    long ra = rc == MM_OK ? r.retry_after : 0;
    *retry_ms =
        backoff_ms(u->up_attempt, u->conf.backoff_cap_s, ra, &u->up_rand);
    if (u->up_attempt < 30)
        u->up_attempt++;
    pthread_mutex_lock(&u->mu);
    u->retries++;
    pthread_mutex_unlock(&u->mu);
    if (atomic_load(&u->stop))
        return MM_AGAIN;
    if (rc == MM_OK)
        ulog(u, st == 429 || st >= 500 ? MM_LOG_INFO : MM_LOG_WARN,
             "ハブへの送信を %u ms 後に再試行します / upload retry in %u ms "
             "(HTTP %ld%s%s)",
             *retry_ms, *retry_ms, st, reason[0] ? ": " : "", reason);
    else
        ulog(u, MM_LOG_INFO,
             "ハブに届きません。%u ms 後に再試行します / hub unreachable, "
             "retry "
             "in %u ms (%s)",
             *retry_ms, *retry_ms, err ? err->msg : "");
    return MM_AGAIN;
}

/* ---- feed -----------------------------------------------------------------
 */

/* "2026-11-22T01:02:03Z" (fraction and offset ignored) → ms, 0 if none. */
static int64_t parse_rfc3339(const char *s)
{
    int y, mo, d, h, mi, se;
    if (!s ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &se) != 6)
        return 0;
    return mm_time_from_civil(y, mo, d, h, mi, se) * 1000;
}

static bool valid_domain(const char *s, size_t n)
{
    if (n == 0 || n > 253 || s[0] == '.' || s[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!mm_name_char(s[i]))
            return false;
    return memchr(s, '.', n) != NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Writes one indicator file the sensor loads, atomically: the values of
 * the set that are (`state`) or are not state-backed, not expired, sorted.
 * `*live` gets their number. */
static mm_rc write_list(mm_uplink *u, const char *path, bool state,
                        size_t *live, mm_err *err)
{
    size_t n = json_object_size(u->feed_set);
    const char **vals = calloc(n ? n : 1, sizeof *vals);
    if (!vals)
        return MM_ENOMEM;
    size_t k = 0;
    const char *key;
    json_t *val;
    int64_t now = (int64_t)time(NULL) * 1000;
    json_object_foreach(u->feed_set, key, val)
    {
        json_t *vu = json_object_get(val, "valid_until");
        int64_t until =
            json_is_string(vu) ? parse_rfc3339(json_string_value(vu)) : 0;
        if (until && until < now)
            continue; /* expired: decays out even without a remove */
        if (json_is_true(json_object_get(val, "state")) == state)
            vals[k++] = key;
    }
    qsort(vals, k, sizeof *vals, cmp_str);
    mm_buf txt;
    mm_buf_init(&txt, (size_t)512 * 1024 * 1024);
    mm_rc rc = mm_buf_printf(
        &txt, "# mamori %s / %s from the hub\n# %zu indicators\n",
        state ? "国の機関が示す指標" : "共有フィード",
        state ? "state-backed indicators" : "shared feed", k);
    for (size_t i = 0; rc == MM_OK && i < k; i++) {
        rc = mm_buf_puts(&txt, vals[i]);
        if (rc == MM_OK)
            rc = mm_buf_puts(&txt, "\n");
    }
    free(vals);
    if (rc == MM_OK)
        rc = mm_file_write_atomic(path, txt.data, txt.len, 0600, err);
    mm_buf_free(&txt);
    *live = k;
    return rc;
}

/* Writes feed.txt (the ioc file the sensor loads), feed-state.txt (the
 * state-backed indicators: rule ioc.state) and feed.json (the set with its
 * cursor), all atomically; the lists first, so a crash between them only
 * makes the next poll re-fetch. */
static mm_rc feed_save(mm_uplink *u, size_t *live, mm_err *err)
{
    char spath[1200];
    snprintf(spath, sizeof spath, "%s/feed-state.txt", u->state_dir);
    size_t k = 0, ks = 0;
    mm_rc rc = write_list(u, u->feed_path, false, &k, err);
    if (rc == MM_OK)
        rc = write_list(u, spath, true, &ks, err);
    if (rc != MM_OK)
        return rc;
    json_t *st = json_object();
    json_object_set_new(st, "cursor", json_string(u->feed_cursor));
    json_object_set(st, "indicators", u->feed_set);
    char *js = json_dumps(st, JSON_COMPACT);
    json_decref(st);
    if (!js)
        return MM_ENOMEM;
    rc = mm_file_write_atomic(u->feed_state_path, js, strlen(js), 0600, err);
    free(js);
    *live = k + ks;
    return rc;
}

static void feed_load(mm_uplink *u)
{
    char *data;
    size_t len;
    mm_err e;
    u->feed_set = json_object();
    if (mm_file_read(u->feed_state_path, (size_t)1024 * 1024 * 1024, &data,
                     &len, &e) != MM_OK)
        return;
    json_error_t je;
    json_t *o = json_loadb(data, len, 0, &je);
    free(data);
    json_t *cur = o ? json_object_get(o, "cursor") : NULL;
    json_t *set = o ? json_object_get(o, "indicators") : NULL;
    if (json_is_string(cur) && json_is_object(set) &&
        json_string_length(cur) < sizeof u->feed_cursor) {
        snprintf(u->feed_cursor, sizeof u->feed_cursor, "%s",
                 json_string_value(cur));
        json_decref(u->feed_set);
        u->feed_set = json_incref(set);
        u->feed_indicators = json_object_size(set);
    } else {
        ulog(u, MM_LOG_WARN,
             "%s が壊れているため共有フィードを取り直します / %s is damaged; "
             "fetching the whole feed again",
             u->feed_state_path, u->feed_state_path);
    }
    json_decref(o);
}

/* Applies one feed answer; returns the number of changes or -1 when the
 * answer is malformed. */
static long feed_apply(mm_uplink *u, const char *body, size_t len, bool full)
{
    json_error_t je;
    json_t *o = json_loadb(body, len, 0, &je);
    json_t *cur = o ? json_object_get(o, "cursor") : NULL;
    json_t *inds = o ? json_object_get(o, "indicators") : NULL;
    char cursor[256];
    if (json_is_string(cur) && json_string_length(cur) < sizeof cursor)
        snprintf(cursor, sizeof cursor, "%s", json_string_value(cur));
    else if (json_is_integer(cur))
        snprintf(cursor, sizeof cursor, "%" JSON_INTEGER_FORMAT,
                 json_integer_value(cur));
    else
        cursor[0] = '\0';
    if (!o || !cursor[0] || !json_is_array(inds)) {
        json_decref(o);
        return -1;
    }
    long changed = 0;
    if (full && json_object_size(u->feed_set) > 0) {
        changed += (long)json_object_size(u->feed_set);
        json_object_clear(u->feed_set);
    }
    size_t i;
    json_t *it;
    unsigned refused = 0;
    json_array_foreach(inds, i, it)
    {
        json_t *jv = json_object_get(it, "value");
        json_t *jt = json_object_get(it, "type");
        json_t *jo = json_object_get(it, "op");
        if (!json_is_string(jv) || !json_is_string(jt))
            continue;
        const char *v = json_string_value(jv), *t = json_string_value(jt);
        size_t vn = json_string_length(jv);
        bool remove =
            json_is_string(jo) && strcmp(json_string_value(jo), "remove") == 0;
        char canon[256];
        if (!strcmp(t, "ipv4-addr") || !strcmp(t, "ipv6-addr")) {
            mm_addr a;
            if (mm_addr_parse(v, vn, &a) != MM_OK) {
                refused++;
                continue;
            }
            /* Never block ourselves: reserved and own addresses are refused
             * whatever the hub says. */
            if (!remove && mm_deid_addr_internal(u->deid, &a)) {
                refused++;
                continue;
            }
            mm_addr_format(&a, canon, sizeof canon);
        } else if (!strcmp(t, "domain-name")) {
            if (!valid_domain(v, vn) ||
                (!remove && mm_deid_domain_internal(u->deid, v, vn))) {
                refused++;
                continue;
            }
            snprintf(canon, sizeof canon, "%s", v);
            for (char *p = canon; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                    *p = (char)(*p - 'A' + 'a');
        } else {
            continue;
        }
        if (remove) {
            if (json_object_get(u->feed_set, canon)) {
                json_object_del(u->feed_set, canon);
                changed++;
            }
            continue;
        }
        if (json_object_size(u->feed_set) >= MM_FEED_MAX &&
            !json_object_get(u->feed_set, canon)) {
            refused++;
            continue;
        }
        json_t *e = json_object();
        json_object_set_new(e, "type", json_string(t));
        if (json_is_true(json_object_get(it, "state")))
            json_object_set_new(e, "state", json_true());
        static const char *const keep[] = {"id",          "confidence",
                                           "first_seen",  "last_seen",
                                           "valid_until", "campaign"};
        for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++) {
            json_t *x = json_object_get(it, keep[k]);
            if (x && (json_is_string(x) || json_is_integer(x)))
                json_object_set(e, keep[k], x);
        }
        if (!json_object_get(u->feed_set, canon))
            changed++;
        json_object_set_new(u->feed_set, canon, e);
    }
    if (refused)
        ulog(u, MM_LOG_WARN,
             "共有フィードの指標 %u 件を受け付けませんでした "
             "(内部・予約アドレス"
             "や不正な値) / refused %u feed indicators (reserved, own or "
             "malformed)",
             refused, refused);
    snprintf(u->feed_cursor, sizeof u->feed_cursor, "%s", cursor);
    json_decref(o);
    return changed;
}

mm_rc mm_uplink_step_feed(mm_uplink *u, unsigned wait_s, unsigned *retry_ms,
                          mm_err *err)
{
    *retry_ms = 0;
    mm_rc rc = check_refused(u, &u->feed_auth_failed, "feed", err);
    if (rc != MM_OK)
        return rc;
    if (wait_s > 60)
        wait_s = 60;
    char url[1200];
    bool full = u->feed_cursor[0] == '\0';
    if (full) {
        snprintf(url, sizeof url, "%s/api/v1/feed?wait=0", u->base_url);
    } else {
        char *esc = curl_easy_escape(u->feed_curl, u->feed_cursor, 0);
        if (!esc)
            return MM_ENOMEM;
        snprintf(url, sizeof url, "%s/api/v1/feed?since=%s&wait=%u",
                 u->base_url, esc, wait_s);
        curl_free(esc);
    }
    http_resp r;
    mm_buf_init(&r.body, MM_UPLINK_REPLY_MAX);
    rc = http_do(u, u->feed_curl, u->feed_headers, url, NULL, 0,
                 (long)wait_s + 30, &r, err);
    pthread_mutex_lock(&u->mu);
    u->feed_polls++;
    pthread_mutex_unlock(&u->mu);
    if (rc == MM_OK && r.status == 200) {
        long changed =
            feed_apply(u, r.body.data ? r.body.data : "", r.body.len, full);
        mm_buf_free(&r.body);
        if (changed < 0) {
            rc = mm_err_set(err, MM_AGAIN, url, 0,
                            "the feed answer is not valid JSON");
        } else {
            u->feed_attempt = 0;
            size_t live = 0;
            rc = feed_save(u, &live, err);
            if (rc != MM_OK)
                return rc;
            pthread_mutex_lock(&u->mu);
            u->feed_indicators = live;
            if (changed > 0)
                u->feed_updates++;
            pthread_mutex_unlock(&u->mu);
            if (changed > 0 && u->opts.on_feed)
                u->opts.on_feed(u->opts.ud, u->feed_path, live,
                                (size_t)changed);
            return changed > 0 ? MM_OK : MM_EOF;
        }
    } else if (rc == MM_OK && r.status == 304) {
        mm_buf_free(&r.body);
        u->feed_attempt = 0;
        return MM_EOF;
    } else if (rc == MM_OK && (r.status == 401 || r.status == 403)) {
        mm_buf_free(&r.body);
        pthread_mutex_lock(&u->mu);
        u->feed_auth_failed = true;
        pthread_mutex_unlock(&u->mu);
        ulog(u, MM_LOG_ERROR,
             "ハブがフィードの取得を拒否しました (HTTP %ld) / the hub refused "
             "the feed request (HTTP %ld)",
             r.status, r.status);
        return mm_err_set(err, MM_EINVAL, url, 0, "HTTP %ld", r.status);
    }
    long ra = rc == MM_OK ? r.retry_after : 0;
    if (rc == MM_OK && r.status != 200)
        rc = mm_err_set(err, MM_AGAIN, url, 0, "HTTP %ld", r.status);
    mm_buf_free(&r.body);
    *retry_ms =
        backoff_ms(u->feed_attempt, u->conf.backoff_cap_s, ra, &u->feed_rand);
    if (u->feed_attempt < 30)
        u->feed_attempt++;
    return MM_AGAIN;
}

/* ---- threads --------------------------------------------------------------
 */

/* Waits for a wake-up, stop, or `ms` milliseconds. */
static void nap(mm_uplink *u, unsigned ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&u->mu);
    while (!u->wake && !atomic_load(&u->stop))
        if (pthread_cond_timedwait(&u->cv, &u->mu, &ts) != 0)
            break;
    u->wake = false;
    pthread_mutex_unlock(&u->mu);
}

/* Sleeps `ms` unless stopped (a wake-up does not cut a back-off short). */
static void sleep_backoff(mm_uplink *u, unsigned ms)
{
    while (ms > 0 && !atomic_load(&u->stop)) {
        unsigned step = ms > 100 ? 100 : ms;
        struct timespec ts = {0, (long)step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

mm_rc mm_uplink_write_status(mm_uplink *u, mm_err *err)
{
    mm_uplink_stats st;
    mm_uplink_get_stats(u, &st);
    char t[32];
    mm_time_format(mm_now_ms(), t, sizeof t);
    mm_buf b;
    mm_buf_init(&b, 8192);
    mm_buf_printf(&b, "{\"updated\":\"%s\",\"hub_url\":", t);
    mm_buf_json_str(&b, u->base_url, strlen(u->base_url));
    mm_buf_printf(&b,
                  ",\"spool\":{\"spool_id\":\"%s\",\"next_seq\":%" PRIu64
                  ",\"acked\":%" PRIu64 ",\"pending\":%" PRIu64
                  ",\"bytes\":%" PRIu64 ",\"segments\":%u,\"dropped\":%" PRIu64
                  ",\"rejected\":%" PRIu64 ",\"corrupt\":%" PRIu64 "},",
                  st.spool.spool_id, st.spool.next_seq, st.spool.acked,
                  st.spool.pending, st.spool.bytes, st.spool.segments,
                  st.spool.dropped, st.spool.rejected, st.spool.corrupt);
    mm_buf_printf(&b,
                  "\"upload\":{\"submitted\":%" PRIu64 ",\"uploaded\":%" PRIu64
                  ",\"duplicates\":%" PRIu64 ",\"batches\":%" PRIu64
                  ",\"retries\":%" PRIu64 ",\"last_status\":%ld,"
                  "\"auth_failed\":%s},",
                  st.submitted, st.uploaded, st.duplicates, st.batches,
                  st.retries, st.last_status,
                  st.auth_failed ? "true" : "false");
    mm_buf_printf(&b,
                  "\"feed\":{\"indicators\":%zu,\"polls\":%" PRIu64
                  ",\"updates\":%" PRIu64 "},\"last_error\":",
                  st.feed_indicators, st.feed_polls, st.feed_updates);
    mm_buf_json_str(&b, st.last_error, strlen(st.last_error));
    mm_rc rc = mm_buf_puts(&b, "}\n");
    if (rc == MM_OK && b.data) {
        char path[1100];
        snprintf(path, sizeof path, "%s/uplink.json", u->state_dir);
        rc = mm_file_write_atomic(path, b.data, b.len, 0600, err);
    } else if (rc != MM_OK) {
        rc = mm_err_set(err, rc, "uplink.json", 0, "status too large");
    }
    mm_buf_free(&b);
    return rc;
}

/* The status file at most every 2 s, from the upload thread. */
static void maybe_status(mm_uplink *u, int64_t *last)
{
    int64_t now = mm_mono_ms();
    if (now - *last < 2000)
        return;
    *last = now;
    mm_err e;
    mm_uplink_write_status(u, &e);
}

static void *upload_main(void *arg)
{
    mm_uplink *u = arg;
    int64_t last_status = -100000;
    while (!atomic_load(&u->stop)) {
        unsigned retry = 0;
        mm_err e;
        mm_rc rc = mm_uplink_step_upload(u, &retry, &e);
        maybe_status(u, &last_status);
        if (rc == MM_OK)
            continue;
        if (rc == MM_EOF)
            nap(u, 1000);
        else if (rc == MM_AGAIN)
            sleep_backoff(u, retry);
        else if (rc == MM_EINVAL)
            nap(u, 60000);
        else {
            ulog_err(u, "スプールの読み書きに失敗 / spool error", &e);
            sleep_backoff(u, 5000);
        }
    }
    return NULL;
}

static void *feed_main(void *arg)
{
    mm_uplink *u = arg;
    while (!atomic_load(&u->stop)) {
        unsigned retry = 0;
        mm_err e;
        mm_rc rc = mm_uplink_step_feed(u, u->conf.feed_wait_s, &retry, &e);
        if (rc == MM_OK || rc == MM_EOF)
            continue;
        if (rc == MM_AGAIN)
            sleep_backoff(u, retry);
        else if (rc == MM_EINVAL)
            sleep_backoff(u, 60000);
        else {
            ulog_err(u, "共有フィードを保存できません / cannot save the feed",
                     &e);
            sleep_backoff(u, 5000);
        }
    }
    return NULL;
}

/* ---- lifecycle ------------------------------------------------------------
 */

static mm_rc mkdir_p(const char *dir, mm_err *err)
{
    char tmp[1024];
    size_t n = strlen(dir);
    if (n >= sizeof tmp)
        return mm_err_set(err, MM_EINVAL, dir, 0, "path is too long");
    memcpy(tmp, dir, n + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            return mm_err_set(err, MM_EIO, tmp, 0, "cannot create: %s",
                              strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
        return mm_err_set(err, MM_EIO, tmp, 0, "cannot create: %s",
                          strerror(errno));
    return MM_OK;
}

static bool token_ok(const char *t)
{
    if (!*t)
        return false;
    for (; *t; t++)
        if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f)
            return false;
    return true;
}

mm_rc mm_uplink_start(const mm_uplink_conf *conf, const mm_uplink_opts *opts,
                      mm_uplink **out, mm_err *err)
{
    *out = NULL;
    mm_rc rc = mm_uplink_conf_check(conf, err);
    if (rc != MM_OK)
        return rc;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return mm_err_set(err, MM_EINTERNAL, "libcurl", 0,
                          "curl_global_init failed");
    mm_uplink *u = calloc(1, sizeof *u);
    if (!u)
        return MM_ENOMEM;
    u->conf = *conf;
    if (opts)
        u->opts = *opts;
    pthread_mutex_init(&u->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&u->cv, &ca);
    pthread_condattr_destroy(&ca);
    atomic_init(&u->stop, false);
    mm_spool_batch_init(&u->batch);
    u->up_rand = mm_random_seed();
    u->feed_rand = mm_random_seed();
    if (u->conf.batch_max == 0 || u->conf.batch_max > MM_UPLINK_BATCH_CEIL)
        u->conf.batch_max = MM_UPLINK_BATCH_DEFAULT;
    if (u->conf.backoff_cap_s == 0)
        u->conf.backoff_cap_s = 30;
    if (u->conf.feed_wait_s == 0 || u->conf.feed_wait_s > 60)
        u->conf.feed_wait_s = 30;

    /* Secrets. */
    if (u->conf.token_file[0]) {
        rc = read_secret(u->conf.token_file, u->conf.token,
                         sizeof u->conf.token, err);
        if (rc != MM_OK)
            goto fail;
    }
    if (!token_ok(u->conf.token)) {
        rc = mm_err_set(err, MM_EINVAL, "<config>", 0,
                        "[uplink] token: only printable ASCII without spaces");
        goto fail;
    }
    if (u->conf.tenant_secret_file[0]) {
        rc = read_secret(u->conf.tenant_secret_file, u->conf.tenant_secret,
                         sizeof u->conf.tenant_secret, err);
        if (rc != MM_OK)
            goto fail;
    }
    rc = mm_deid_new(u->conf.deid_mode, u->conf.tenant_secret,
                     strlen(u->conf.tenant_secret), u->conf.send_raw, &u->deid,
                     err);
    if (rc != MM_OK)
        goto fail;
    if (u->conf.tenant[0])
        mm_deid_set_tenant(u->deid, u->conf.tenant);
    for (unsigned i = 0; i < u->conf.n_own_ranges && rc == MM_OK; i++)
        rc = mm_deid_add_own_range(u->deid, u->conf.own_ranges[i], err);
    for (unsigned i = 0; i < u->conf.n_own_domains && rc == MM_OK; i++)
        rc = mm_deid_add_own_domain(u->deid, u->conf.own_domains[i], err);
    if (rc != MM_OK)
        goto fail;

    /* Paths and URLs. */
    snprintf(u->base_url, sizeof u->base_url, "%s", u->conf.hub_url);
    size_t bl = strlen(u->base_url);
    while (bl > 0 && u->base_url[bl - 1] == '/')
        u->base_url[--bl] = '\0';
    snprintf(u->auth_header, sizeof u->auth_header, "Authorization: Bearer %s",
             u->conf.token);
    if ((rc = mkdir_p(u->conf.spool_dir, err)) != MM_OK)
        goto fail;
    snprintf(u->state_dir, sizeof u->state_dir, "%s",
             u->conf.state_dir[0] ? u->conf.state_dir : u->conf.spool_dir);
    if ((rc = mkdir_p(u->state_dir, err)) != MM_OK)
        goto fail;
    snprintf(u->feed_path, sizeof u->feed_path, "%s/feed.txt", u->state_dir);
    snprintf(u->feed_state_path, sizeof u->feed_state_path, "%s/feed.json",
             u->state_dir);
    mm_spool_opts so = {.max_bytes = u->conf.spool_max_bytes};
    if ((rc = mm_spool_open(u->conf.spool_dir, &so, &u->spool, err)) != MM_OK)
        goto fail;
    mm_spool_stats sst;
    mm_spool_get_stats(u->spool, &sst);
    if (sst.dropped > 0)
        ulog(u, MM_LOG_WARN,
             "スプールの上限で %" PRIu64 " 件を捨てています / %" PRIu64
             " events were dropped at the spool bound so far",
             sst.dropped, sst.dropped);

    /* HTTP handles. */
    u->up_curl = http_handle(u);
    u->feed_curl = http_handle(u);
    if (!u->up_curl || !u->feed_curl) {
        rc = mm_err_set(err, MM_ENOMEM, "libcurl", 0,
                        "cannot create a curl handle");
        goto fail;
    }
    u->up_headers = curl_slist_append(NULL, u->auth_header);
    u->up_headers =
        curl_slist_append(u->up_headers, "Content-Type: application/x-ndjson");
    u->up_headers = curl_slist_append(u->up_headers, "Content-Encoding: zstd");
    u->up_headers = curl_slist_append(u->up_headers, "Expect:");
    u->feed_headers = curl_slist_append(NULL, u->auth_header);
    u->feed_headers =
        curl_slist_append(u->feed_headers, "Accept: application/json");
    if (!u->up_headers || !u->feed_headers) {
        rc = MM_ENOMEM;
        goto fail;
    }
    if (u->conf.feed) {
        /* feed.txt always exists once the uplink started, so the sensor
         * can name it as an indicator file from the first start on. */
        feed_load(u);
        struct stat st;
        size_t live;
        if (stat(u->feed_path, &st) != 0 &&
            (rc = feed_save(u, &live, err)) != MM_OK)
            goto fail;
    } else {
        u->feed_set = json_object();
    }

    if (!u->opts.no_threads) {
        /* The threads take no signals: the daemon's own thread handles
         * SIGHUP/SIGTERM (through its signalfd). */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        if (pthread_create(&u->up_thr, NULL, upload_main, u) == 0)
            u->up_started = true;
        if (u->up_started && u->conf.feed &&
            pthread_create(&u->feed_thr, NULL, feed_main, u) == 0)
            u->feed_started = true;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (!u->up_started || (u->conf.feed && !u->feed_started)) {
            rc = mm_err_set(err, MM_EINTERNAL, "<uplink>", 0,
                            "cannot start the uplink threads");
            goto fail;
        }
    }
    *out = u;
    return MM_OK;
fail:
    mm_uplink_stop(u);
    return rc;
}

/* A thread's curl handle and its request headers (both may be NULL:
 * curl's cleanup functions do nothing then). */
static void transfer_free(CURL *c, struct curl_slist *headers)
{
    curl_easy_cleanup(c);
    curl_slist_free_all(headers);
}

void mm_uplink_stop(mm_uplink *u)
{
    if (!u)
        return;
    atomic_store(&u->stop, true);
    pthread_mutex_lock(&u->mu);
    u->wake = true;
    pthread_cond_broadcast(&u->cv);
    pthread_mutex_unlock(&u->mu);
    if (u->up_started) {
        pthread_join(u->up_thr, NULL);
        mm_err e;
        mm_uplink_write_status(u, &e);
    }
    if (u->feed_started)
        pthread_join(u->feed_thr, NULL);
    transfer_free(u->up_curl, u->up_headers);
    transfer_free(u->feed_curl, u->feed_headers);
    mm_spool_close(u->spool);
    mm_deid_free(u->deid);
    json_decref(u->feed_set);
    mm_spool_batch_free(&u->batch);
    free(u->zbuf);
    memset(u->conf.token, 0, sizeof u->conf.token);
    memset(u->conf.tenant_secret, 0, sizeof u->conf.tenant_secret);
    memset(u->auth_header, 0, sizeof u->auth_header);
    pthread_cond_destroy(&u->cv);
    pthread_mutex_destroy(&u->mu);
    free(u);
}

/* ---- submission -----------------------------------------------------------
 */

static void wake_uploader(mm_uplink *u)
{
    pthread_mutex_lock(&u->mu);
    u->wake = true;
    pthread_cond_broadcast(&u->cv);
    pthread_mutex_unlock(&u->mu);
}

/* Makes a record of an alert or event object (owned): event.kind present,
 * the detector's alert id kept as mamori.alert_id, @timestamp present, then
 * de-identified. */
static mm_rc prepare(mm_uplink *u, json_t *obj)
{
    json_t *ev = json_object_get(obj, "event");
    if (!json_is_object(ev)) {
        ev = json_object();
        json_object_set_new(obj, "event", ev);
    }
    if (!json_is_string(json_object_get(ev, "kind")))
        json_object_set_new(ev, "kind", json_string("event"));
    json_t *id = json_object_get(ev, "id");
    if (id) {
        json_t *mam = json_object_get(obj, "mamori");
        if (!json_is_object(mam)) {
            mam = json_object();
            json_object_set_new(obj, "mamori", mam);
        }
        json_object_set(mam, "alert_id", id);
        json_object_del(ev, "id");
    }
    if (!json_is_string(json_object_get(obj, "@timestamp"))) {
        char t[32];
        size_t n = mm_time_format(mm_now_ms(), t, sizeof t);
        json_object_set_new(obj, "@timestamp", json_stringn(t, n));
    }
    return mm_deid_json(u->deid, obj);
}

/* After a record went to the spool (or failed to): the drop warning, the
 * count, the uploader woken. */
static mm_rc submitted(mm_uplink *u, mm_rc rc, uint64_t dropped,
                       unsigned flags)
{
    if (dropped > 0)
        ulog(u, MM_LOG_WARN,
             "スプールが上限 (%" PRIu64 " バイト) に達したため古い %" PRIu64
             " 件を捨てました / spool full (%" PRIu64 " bytes): dropped the "
             "oldest %" PRIu64 " events",
             u->conf.spool_max_bytes, dropped, u->conf.spool_max_bytes,
             dropped);
    if (rc != MM_OK)
        return rc;
    pthread_mutex_lock(&u->mu);
    u->submitted++;
    pthread_mutex_unlock(&u->mu);
    if (!(flags & MM_UPLINK_DEFER))
        wake_uploader(u);
    return MM_OK;
}

static mm_rc submit_owned(mm_uplink *u, json_t *obj, unsigned flags,
                          mm_err *err)
{
    mm_rc rc = prepare(u, obj);
    if (rc != MM_OK) {
        json_decref(obj);
        return mm_err_set(err, rc, "<uplink>", 0,
                          "the record is not a JSON object");
    }
    uint64_t dropped = 0;
    rc = mm_spool_append(u->spool, &obj, 1, !(flags & MM_UPLINK_DEFER), NULL,
                         &dropped, err);
    json_decref(obj);
    return submitted(u, rc, dropped, flags);
}

mm_rc mm_uplink_submit(mm_uplink *u, const json_t *obj, unsigned flags,
                       mm_err *err)
{
    if (!json_is_object(obj))
        return mm_err_set(err, MM_EINVAL, "<uplink>", 0,
                          "the record is not a JSON object");
    json_t *copy = json_deep_copy(obj);
    if (!copy)
        return MM_ENOMEM;
    return submit_owned(u, copy, flags, err);
}

mm_rc mm_uplink_submit_text(mm_uplink *u, const char *json, size_t len,
                            unsigned flags, mm_err *err)
{
    json_error_t je;
    json_t *o = json_loadb(json, len, 0, &je);
    if (!o)
        return mm_err_set(err, MM_EPARSE, "<uplink>", 0,
                          "record is not JSON: %s", je.text);
    if (!json_is_object(o)) {
        json_decref(o);
        return mm_err_set(err, MM_EINVAL, "<uplink>", 0,
                          "the record is not a JSON object");
    }
    return submit_owned(u, o, flags, err);
}

bool mm_uplink_wants_event(const mm_uplink *u, const mm_event *ev)
{
    if ((unsigned)ev->action >= 32 ||
        !(u->conf.send_events & (1u << ev->action)))
        return false;
    if (ev->src.family != 4 && ev->src.family != 6)
        return false;
    return !mm_deid_addr_internal(u->deid, &ev->src);
}

mm_rc mm_uplink_submit_event(mm_uplink *u, const mm_event *ev, unsigned flags,
                             mm_err *err)
{
    /* The de-identified JSON is written once from the event's fields (no
     * print → parse → print); the spool adds event.id. */
    int64_t now = mm_now_ms();
    mm_buf b;
    mm_buf_init(&b, MM_SPOOL_RECORD_MAX);
    size_t id_at = 0;
    mm_rc rc = mm_deid_event(u->deid, ev, now, &b, &id_at);
    if (rc != MM_OK) {
        mm_buf_free(&b);
        return rc == MM_EPARSE
                   ? mm_err_set(err, MM_EINTERNAL, "<uplink>", 0,
                                "event JSON did not parse")
                   : mm_err_set(err, rc, "<uplink>", 0,
                                "the event does not fit in a spool record");
    }
    uint64_t dropped = 0;
    rc = mm_spool_append_text(u->spool, b.data, b.len, id_at,
                              !(flags & MM_UPLINK_DEFER), &dropped, err);
    mm_buf_free(&b);
    return submitted(u, rc, dropped, flags);
}

mm_rc mm_uplink_sync(mm_uplink *u, mm_err *err)
{
    mm_rc rc = mm_spool_sync(u->spool, err);
    if (rc == MM_OK)
        wake_uploader(u);
    return rc;
}

mm_rc mm_uplink_drain(mm_uplink *u, unsigned timeout_ms)
{
    int64_t t0 = mm_mono_ms();
    for (;;) {
        mm_spool_stats st;
        mm_spool_get_stats(u->spool, &st);
        if (st.pending == 0)
            return MM_OK;
        pthread_mutex_lock(&u->mu);
        bool dead = u->auth_failed;
        pthread_mutex_unlock(&u->mu);
        int64_t ms = mm_mono_ms() - t0;
        if (dead || ms >= timeout_ms)
            return MM_AGAIN;
        struct timespec nap_ts = {0, 20 * 1000000L};
        nanosleep(&nap_ts, NULL);
    }
}

void mm_uplink_get_stats(mm_uplink *u, mm_uplink_stats *st)
{
    memset(st, 0, sizeof *st);
    mm_spool_get_stats(u->spool, &st->spool);
    pthread_mutex_lock(&u->mu);
    st->submitted = u->submitted;
    st->uploaded = u->uploaded;
    st->duplicates = u->duplicates;
    st->batches = u->batches;
    st->retries = u->retries;
    st->feed_polls = u->feed_polls;
    st->feed_updates = u->feed_updates;
    st->feed_indicators = u->feed_indicators;
    st->last_status = u->last_status;
    st->auth_failed = u->auth_failed;
    snprintf(st->last_error, sizeof st->last_error, "%s", u->last_error);
    pthread_mutex_unlock(&u->mu);
}

const char *mm_uplink_feed_path(const mm_uplink *u)
{
    return u->feed_path;
}

void mm_uplink_set_origin(mm_uplink *u, uint64_t origin)
{
    mm_spool_set_origin(u->spool, origin);
}
