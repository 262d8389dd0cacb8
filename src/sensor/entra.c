/* SPDX-License-Identifier: Apache-2.0 */
/* entra.c — pulls Microsoft Entra ID sign-ins through Microsoft Graph
 * (GET /auditLogs/signIns) with an app registration's client credentials,
 * and appends them as NDJSON to a file the sensor follows as an input of
 * type `cloud`. One sweep: a token from the token URL (client_credentials),
 * then every page since the cursor ($filter=createdDateTime ge CURSOR,
 * following @odata.nextLink on the same origin only, honouring 429/503
 * Retry-After), buffered, written and fsync'd, and only then the cursor
 * (newest createdDateTime and the ids seen at that instant) is replaced
 * atomically. A crash between the two repeats a sweep's records at most
 * once; never loses one. docs/sensor.md, "[entra]". */
#include "sensor.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define ENTRA_BODY_MAX (64u << 20)   /* one HTTP response */
#define ENTRA_SWEEP_MAX (256u << 20) /* records buffered in one sweep */
#define ENTRA_RETRIES 6              /* 429/503/5xx per request */
#define ENTRA_RETRY_CAP_S 300        /* longest Retry-After obeyed */
#define ENTRA_IDS_MAX 256            /* ids kept at the cursor instant */

/* ---- configuration ------------------------------------------------------ */

void mm_entra_conf_defaults(mm_entra_conf *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->graph_url, sizeof c->graph_url, "%s",
             "https://graph.microsoft.com/v1.0/auditLogs/signIns");
    snprintf(c->scope, sizeof c->scope, "%s",
             "https://graph.microsoft.com/.default");
    c->interval_s = 300;
    c->page_size = 500;
    c->max_pages = 200;
    c->lookback_h = 24;
}

static mm_rc set_str(char *dst, size_t n, const char *key, const char *v,
                     mm_err *err)
{
    if (!*v || strlen(v) >= n)
        return mm_err_set(err, MM_EINVAL, NULL, 0, "%s: empty or too long",
                          key);
    snprintf(dst, n, "%s", v);
    return MM_OK;
}

static mm_rc set_uint(unsigned *dst, const char *key, const char *v,
                      unsigned lo, unsigned hi, mm_err *err)
{
    char *end;
    errno = 0;
    unsigned long x = strtoul(v, &end, 10);
    if (!*v || *end || errno || x < lo || x > hi)
        return mm_err_set(err, MM_EINVAL, NULL, 0,
                          "%s: '%s' is not a number in %u..%u", key, v, lo,
                          hi);
    *dst = (unsigned)x;
    return MM_OK;
}

mm_rc mm_entra_conf_set(mm_entra_conf *c, const char *key, const char *value,
                        mm_err *err)
{
#define STR(k, f)                                                             \
    if (!strcmp(key, k))                                                      \
    return set_str(c->f, sizeof c->f, key, value, err)
    STR("token_url", token_url);
    STR("graph_url", graph_url);
    STR("client_id", client_id);
    STR("client_secret_file", client_secret_file);
    STR("scope", scope);
    STR("output", output);
    STR("cursor", cursor);
    STR("start", start);
#undef STR
    if (!strcmp(key, "interval"))
        return set_uint(&c->interval_s, key, value, 1, 86400, err);
    if (!strcmp(key, "page_size"))
        return set_uint(&c->page_size, key, value, 1, 1000, err);
    if (!strcmp(key, "max_pages"))
        return set_uint(&c->max_pages, key, value, 1, 100000, err);
    if (!strcmp(key, "lookback_hours"))
        return set_uint(&c->lookback_h, key, value, 1, 24 * 30, err);
    return MM_ENOTFOUND;
}

/* http(s)://host[:port] of a URL, for the same-origin check. */
static size_t origin_len(const char *url)
{
    const char *p = strstr(url, "://");
    if (!p)
        return 0;
    const char *slash = strchr(p + 3, '/');
    return slash ? (size_t)(slash - url) : strlen(url);
}

static bool url_ok(const char *u)
{
    /* https, or plain http to the loopback only (tests, local proxies) */
    return !strncmp(u, "https://", 8) || !strncmp(u, "http://127.0.0.1", 16) ||
           !strncmp(u, "http://[::1]", 12) ||
           !strncmp(u, "http://localhost", 16);
}

mm_rc mm_entra_conf_check(const mm_entra_conf *c, mm_err *err)
{
    if (!c->token_url[0] || !c->client_id[0] || !c->client_secret_file[0])
        return mm_err_set(err, MM_EINVAL, NULL, 0,
                          "[entra] needs token_url, client_id and "
                          "client_secret_file");
    if (!url_ok(c->token_url) || !url_ok(c->graph_url))
        return mm_err_set(err, MM_EINVAL, NULL, 0,
                          "[entra] URLs must be https (http only to "
                          "127.0.0.1, ::1 or localhost)");
    if (!c->output[0] || !c->cursor[0])
        return mm_err_set(err, MM_EINVAL, NULL, 0,
                          "[entra] output and cursor paths are not set");
    return MM_OK;
}

/* ---- HTTP --------------------------------------------------------------- */

typedef struct resp {
    char *data;
    size_t len;
    bool over;
    long retry_after; /* seconds, -1 = not given */
} resp;

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    resp *r = ud;
    size_t k = sz * n;
    if (r->len + k > ENTRA_BODY_MAX) {
        r->over = true;
        return 0;
    }
    char *d = realloc(r->data, r->len + k + 1);
    if (!d)
        return 0;
    memcpy(d + r->len, p, k);
    r->data = d;
    r->len += k;
    d[r->len] = '\0';
    return k;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    resp *r = ud;
    size_t k = sz * n;
    if (k > 12 && !strncasecmp(p, "Retry-After:", 12)) {
        char buf[32];
        size_t m = k - 12 < sizeof buf - 1 ? k - 12 : sizeof buf - 1;
        memcpy(buf, p + 12, m);
        buf[m] = '\0';
        char *end;
        long v = strtol(buf, &end, 10);
        if (end != buf && v >= 0)
            r->retry_after = v; /* an HTTP date is treated as absent */
    }
    return k;
}

typedef struct puller {
    const mm_entra_conf *c;
    CURL *h;
    char token[8192];
    const atomic_bool *stop;
    mm_entra_stats *st;
} puller;

/* Sleeps `s` seconds unless asked to stop; false when stopping. */
static bool nap(const puller *pl, long s)
{
    for (long i = 0; i < s * 10; i++) {
        if (pl->stop && *pl->stop)
            return false;
        struct timespec ts = {0, 100000000L};
        nanosleep(&ts, NULL);
    }
    return !(pl->stop && *pl->stop);
}

/* One request (POST when `form` is set), retried on 429, 503 and other
 * 5xx with Retry-After (or 2, 4, 8… s). *code = final HTTP status. */
static mm_rc request(puller *pl, const char *url, const char *form,
                     bool bearer, resp *r, long *code, mm_err *err)
{
    for (int attempt = 0;; attempt++) {
        free(r->data);
        memset(r, 0, sizeof *r);
        r->retry_after = -1;
        curl_easy_reset(pl->h);
        curl_easy_setopt(pl->h, CURLOPT_URL, url);
        curl_easy_setopt(pl->h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(pl->h, CURLOPT_WRITEDATA, r);
        curl_easy_setopt(pl->h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(pl->h, CURLOPT_HEADERDATA, r);
        curl_easy_setopt(pl->h, CURLOPT_TIMEOUT, 120L);
        curl_easy_setopt(pl->h, CURLOPT_CONNECTTIMEOUT, 20L);
        curl_easy_setopt(pl->h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(pl->h, CURLOPT_PROTOCOLS_STR, "http,https");
        struct curl_slist *hdr = NULL;
        char auth[8300];
        if (bearer) {
            snprintf(auth, sizeof auth, "Authorization: Bearer %s", pl->token);
            hdr = curl_slist_append(hdr, auth);
        }
        hdr = curl_slist_append(hdr, "Accept: application/json");
        curl_easy_setopt(pl->h, CURLOPT_HTTPHEADER, hdr);
        if (form)
            curl_easy_setopt(pl->h, CURLOPT_POSTFIELDS, form);
        CURLcode cc = curl_easy_perform(pl->h);
        curl_slist_free_all(hdr);
        *code = 0;
        curl_easy_getinfo(pl->h, CURLINFO_RESPONSE_CODE, code);
        if (cc != CURLE_OK && !r->over)
            *code = 0;
        if (r->over)
            return mm_err_set(err, MM_ELIMIT, NULL, 0,
                              "response larger than %u bytes", ENTRA_BODY_MAX);
        bool again = *code == 429 || *code >= 500 || *code == 0;
        if (!again)
            return MM_OK;
        if (attempt + 1 >= ENTRA_RETRIES)
            return mm_err_set(
                err, MM_EIO, NULL, 0, "%s: %s after %d attempts", url,
                *code ? "HTTP error" : curl_easy_strerror(cc), attempt + 1);
        long wait = r->retry_after >= 0 ? r->retry_after : 2L << attempt;
        if (wait > ENTRA_RETRY_CAP_S)
            wait = ENTRA_RETRY_CAP_S;
        if (*code == 429)
            pl->st->throttled++;
        else
            pl->st->retries++;
        if (!nap(pl, wait))
            return mm_err_set(err, MM_EIO, NULL, 0, "stopped");
    }
}

static void append_enc(CURL *h, char *out, size_t n, const char *k,
                       const char *v)
{
    char *e = curl_easy_escape(h, v, 0);
    size_t used = strlen(out);
    snprintf(out + used, n - used, "%s%s=%s", used ? "&" : "", k, e ? e : "");
    curl_free(e);
}

static mm_rc get_token(puller *pl, mm_err *err)
{
    const mm_entra_conf *c = pl->c;
    char *secret;
    size_t n;
    mm_err rerr;
    if (mm_file_read(c->client_secret_file, 4096, &secret, &n, &rerr) != MM_OK)
        return mm_err_set(err, MM_EIO, c->client_secret_file, 0,
                          "cannot read the client secret: %s", rerr.msg);
    while (n && (secret[n - 1] == '\n' || secret[n - 1] == '\r' ||
                 secret[n - 1] == ' '))
        secret[--n] = '\0';
    char form[12288] = "";
    append_enc(pl->h, form, sizeof form, "grant_type", "client_credentials");
    append_enc(pl->h, form, sizeof form, "client_id", c->client_id);
    append_enc(pl->h, form, sizeof form, "client_secret", secret);
    append_enc(pl->h, form, sizeof form, "scope", c->scope);
    memset(secret, 0, n);
    free(secret);
    resp r = {0};
    long code;
    mm_rc rc = request(pl, c->token_url, form, false, &r, &code, err);
    memset(form, 0, sizeof form);
    if (rc != MM_OK) {
        free(r.data);
        return rc;
    }
    json_t *j = r.data ? json_loads(r.data, 0, NULL) : NULL;
    const char *tok = json_string_value(json_object_get(j, "access_token"));
    if (code != 200 || !tok || strlen(tok) >= sizeof pl->token) {
        const char *why =
            json_string_value(json_object_get(j, "error_description"));
        rc = mm_err_set(err, MM_EIO, NULL, 0,
                        "token request refused (HTTP %ld): %.200s", code,
                        why ? why : "no access_token");
    } else {
        snprintf(pl->token, sizeof pl->token, "%s", tok);
    }
    json_decref(j);
    free(r.data);
    return rc;
}

/* ---- cursor ------------------------------------------------------------- */

typedef struct cursor {
    char since[64]; /* createdDateTime of the newest record, as Graph wrote it
                     */
    unsigned n_ids;
    char ids[ENTRA_IDS_MAX][64];
} cursor;

static void cursor_load(const mm_entra_conf *c, cursor *cur)
{
    memset(cur, 0, sizeof *cur);
    json_t *j = json_load_file(c->cursor, 0, NULL);
    const char *s = json_string_value(json_object_get(j, "since"));
    if (s && strlen(s) < sizeof cur->since)
        snprintf(cur->since, sizeof cur->since, "%s", s);
    json_t *ids = json_object_get(j, "ids");
    for (size_t i = 0; i < json_array_size(ids) && cur->n_ids < ENTRA_IDS_MAX;
         i++) {
        const char *id = json_string_value(json_array_get(ids, i));
        if (id && strlen(id) < sizeof cur->ids[0])
            snprintf(cur->ids[cur->n_ids++], sizeof cur->ids[0], "%s", id);
    }
    json_decref(j);
    if (!cur->since[0] && c->start[0])
        snprintf(cur->since, sizeof cur->since, "%s", c->start);
    if (!cur->since[0]) {
        time_t t = time(NULL) - (time_t)c->lookback_h * 3600;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(cur->since, sizeof cur->since, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
}

static bool seen(const cursor *cur, const char *t, const char *id)
{
    if (strcmp(t, cur->since) != 0)
        return false;
    for (unsigned i = 0; i < cur->n_ids; i++)
        if (!strcmp(cur->ids[i], id))
            return true;
    return false;
}

/* Writes the cursor atomically (core: temporary file, fsync, rename,
 * directory fsync). */
static mm_rc cursor_save(const mm_entra_conf *c, const cursor *cur,
                         mm_err *err)
{
    json_t *ids = json_array();
    for (unsigned i = 0; i < cur->n_ids; i++)
        json_array_append_new(ids, json_string(cur->ids[i]));
    json_t *j = json_pack("{s:s, s:o}", "since", cur->since, "ids", ids);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text)
        return mm_err_set(err, MM_ENOMEM, c->cursor, 0, "out of memory");
    mm_rc rc = mm_file_write_atomic(c->cursor, text, strlen(text), 0600, err);
    free(text);
    return rc;
}

/* ---- one sweep ---------------------------------------------------------- */

typedef struct sweep {
    char *buf; /* NDJSON lines */
    size_t len, cap;
    cursor next;
} sweep;

static bool add_line(sweep *s, const char *line)
{
    size_t n = strlen(line);
    if (s->len + n + 1 > ENTRA_SWEEP_MAX)
        return false;
    char *b = mm_grow(s->buf, &s->cap, s->len + n + 1, 1, 65536);
    if (!b)
        return false;
    s->buf = b;
    memcpy(s->buf + s->len, line, n);
    s->buf[s->len + n] = '\n';
    s->len += n + 1;
    return true;
}

/* Takes the records of one page; remembers the newest instant and its ids.
 * Graph writes createdDateTime in one fixed format, so text order is time
 * order. */
static mm_rc take_page(const cursor *cur, sweep *s, json_t *page,
                       mm_entra_stats *st, mm_err *err)
{
    json_t *v = json_object_get(page, "value");
    if (!json_is_array(v))
        return mm_err_set(err, MM_EPARSE, NULL, 0,
                          "page without a \"value\" array");
    for (size_t i = 0; i < json_array_size(v); i++) {
        json_t *r = json_array_get(v, i);
        const char *t =
            json_string_value(json_object_get(r, "createdDateTime"));
        const char *id = json_string_value(json_object_get(r, "id"));
        if (!t || !id || strlen(t) >= sizeof s->next.since ||
            strlen(id) >= sizeof s->next.ids[0]) {
            st->bad++;
            continue;
        }
        if (strcmp(t, cur->since) < 0 || seen(cur, t, id)) {
            st->duplicates++;
            continue;
        }
        char *line = json_dumps(r, JSON_COMPACT | JSON_PRESERVE_ORDER);
        bool ok = line && add_line(s, line);
        free(line);
        if (!ok)
            return mm_err_set(err, MM_ELIMIT, NULL, 0,
                              "more than %u bytes of sign-ins in one sweep",
                              ENTRA_SWEEP_MAX);
        st->records++;
        int c = strcmp(t, s->next.since);
        if (c > 0) {
            snprintf(s->next.since, sizeof s->next.since, "%s", t);
            s->next.n_ids = 0;
        }
        if (c >= 0 && s->next.n_ids < ENTRA_IDS_MAX)
            snprintf(s->next.ids[s->next.n_ids++], sizeof s->next.ids[0], "%s",
                     id);
    }
    return MM_OK;
}

static mm_rc write_out(const mm_entra_conf *c, const sweep *s, mm_err *err)
{
    if (!s->len)
        return MM_OK;
    int fd = open(c->output, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return mm_err_set(err, MM_EIO, c->output, 0, "cannot open: %s",
                          strerror(errno));
    size_t off = 0;
    while (off < s->len) {
        ssize_t w = write(fd, s->buf + off, s->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            return mm_err_set(err, MM_EIO, c->output, 0, "write: %s",
                              strerror(errno));
        }
        off += (size_t)w;
    }
    bool ok = fsync(fd) == 0;
    close(fd);
    if (!ok)
        return mm_err_set(err, MM_EIO, c->output, 0, "fsync: %s",
                          strerror(errno));
    return MM_OK;
}

static mm_rc sweep_pages(puller *pl, const cursor *cur, sweep *s, mm_err *err)
{
    const mm_entra_conf *c = pl->c;
    char url[8192];
    char *f = curl_easy_escape(pl->h, "createdDateTime ge ", 0);
    snprintf(url, sizeof url, "%s?$filter=%s%s&$top=%u", c->graph_url,
             f ? f : "", cur->since, c->page_size);
    curl_free(f);
    size_t olen = origin_len(c->graph_url);
    bool refreshed = false;
    for (unsigned page = 0; page < c->max_pages; page++) {
        resp r = {0};
        long code;
        mm_rc rc = request(pl, url, NULL, true, &r, &code, err);
        if (rc == MM_OK && code == 401 && !refreshed) {
            refreshed = true; /* token expired during a long sweep */
            free(r.data);
            if ((rc = get_token(pl, err)) != MM_OK)
                return rc;
            page--;
            continue;
        }
        if (rc == MM_OK && code != 200)
            rc = mm_err_set(err, MM_EIO, NULL, 0, "%s: HTTP %ld", url, code);
        json_t *j = rc == MM_OK && r.data ? json_loads(r.data, 0, NULL) : NULL;
        free(r.data);
        if (rc == MM_OK && !j)
            rc = mm_err_set(err, MM_EPARSE, NULL, 0, "%s: not JSON", url);
        if (rc == MM_OK)
            rc = take_page(cur, s, j, pl->st, err);
        if (rc != MM_OK) {
            json_decref(j);
            return rc;
        }
        pl->st->pages++;
        const char *next =
            json_string_value(json_object_get(j, "@odata.nextLink"));
        /* the bearer token only goes back to the origin it was meant for */
        bool follow = next && strlen(next) < sizeof url && olen &&
                      !strncmp(next, c->graph_url, olen) &&
                      (next[olen] == '/' || next[olen] == '?');
        if (next && !follow)
            rc = mm_err_set(err, MM_EINVAL, NULL, 0,
                            "@odata.nextLink leaves %.*s", (int)olen,
                            c->graph_url);
        if (follow)
            snprintf(url, sizeof url, "%s", next);
        json_decref(j);
        if (rc != MM_OK || !follow)
            return rc;
    }
    return mm_err_set(err, MM_ELIMIT, NULL, 0,
                      "more than max_pages (%u) pages in one sweep",
                      c->max_pages);
}

static mm_rc pull(const mm_entra_conf *c, const atomic_bool *stop,
                  mm_entra_stats *st, mm_err *err)
{
    puller pl = {.c = c, .stop = stop, .st = st};
    pl.h = curl_easy_init();
    if (!pl.h)
        return mm_err_set(err, MM_ENOMEM, NULL, 0, "curl_easy_init failed");
    cursor cur;
    cursor_load(c, &cur);
    sweep s = {0};
    s.next = cur;
    mm_rc rc = get_token(&pl, err);
    if (rc == MM_OK)
        rc = sweep_pages(&pl, &cur, &s, err);
    if (rc == MM_OK)
        rc = write_out(c, &s, err); /* records first, durable… */
    if (rc == MM_OK)
        rc = cursor_save(c, &s.next, err); /* …then the cursor */
    memset(pl.token, 0, sizeof pl.token);
    free(s.buf);
    curl_easy_cleanup(pl.h);
    return rc;
}

mm_rc mm_entra_pull(const mm_entra_conf *c, mm_entra_stats *st, mm_err *err)
{
    mm_entra_stats dummy;
    return pull(c, NULL, st ? st : &dummy, err);
}

/* ---- the thread --------------------------------------------------------- */

struct mm_entra {
    mm_entra_conf c;
    mm_sensor_log_fn log;
    void *log_ud;
    pthread_t th;
    atomic_bool stop;
    mm_entra_stats st;
};

static void *run(void *ud)
{
    mm_entra *e = ud;
    while (!e->stop) {
        mm_err err;
        memset(&err, 0, sizeof err);
        mm_entra_stats st = {0};
        mm_rc rc = pull(&e->c, &e->stop, &st, &err);
        char msg[1200];
        if (rc == MM_OK) {
            snprintf(msg, sizeof msg,
                     "Entra サインインを取得 / pulled Entra sign-ins: %llu "
                     "records, %llu pages, %llu throttled",
                     (unsigned long long)st.records,
                     (unsigned long long)st.pages,
                     (unsigned long long)st.throttled);
        } else {
            char m[900];
            mm_err_format(&err, m, sizeof m);
            snprintf(msg, sizeof msg,
                     "Entra サインインを取得できない / cannot pull Entra "
                     "sign-ins: %s",
                     m);
        }
        if (e->log && !e->stop)
            e->log(e->log_ud, rc == MM_OK ? MM_LOG_INFO : MM_LOG_WARN, msg);
        for (unsigned i = 0; i < e->c.interval_s * 10 && !e->stop; i++) {
            struct timespec ts = {0, 100000000L};
            nanosleep(&ts, NULL);
        }
    }
    return NULL;
}

mm_rc mm_entra_start(const mm_entra_conf *c, mm_sensor_log_fn log,
                     void *log_ud, mm_entra **out, mm_err *err)
{
    *out = NULL;
    mm_rc rc = mm_entra_conf_check(c, err);
    if (rc != MM_OK)
        return rc;
    mm_entra *e = calloc(1, sizeof *e);
    if (!e)
        return mm_err_set(err, MM_ENOMEM, NULL, 0, "out of memory");
    e->c = *c;
    e->log = log;
    e->log_ud = log_ud;
    if (pthread_create(&e->th, NULL, run, e) != 0) {
        free(e);
        return mm_err_set(err, MM_EIO, NULL, 0, "cannot start the thread");
    }
    *out = e;
    return MM_OK;
}

void mm_entra_stop(mm_entra *e)
{
    if (!e)
        return;
    e->stop = true;
    pthread_join(e->th, NULL);
    free(e);
}
