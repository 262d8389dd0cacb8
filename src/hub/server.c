/* SPDX-License-Identifier: Apache-2.0 */
/* server.c — the hub's HTTP API on libmicrohttpd (internal polling thread,
 * epoll, thread pool): authentication, per-tenant token buckets, batch
 * ingest, the feed with long poll, the inbox, health and Prometheus
 * metrics, plus one background thread for webhooks and feed expiry. Every
 * call into the store and the engine holds `mu`. */
#include "hub-int.h"
#include "hub-tls.h"
#include "console-assets.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <malloc.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <time.h>

#define HOOK_MAX_ATTEMPTS 10u
#define LONGPOLL_MAX_S 60
/* Long polls parked at once (memory; each holds a socket). */
#define LONGPOLL_MAX_WAITERS 20000u
/* GnuTLS priorities: TLS 1.2 and 1.3 only, AEAD ciphers with forward
 * secrecy (issue 12 §6; docs/hub.md "TLS"). */
#define TLS_PRIORITIES                                                        \
    "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:" \
    "+AES-128-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:"    \
    "+ECDHE-RSA:%SERVER_PRECEDENCE"

/* Response bodies (feed, inbox, metrics) are capped here. */
#define RESP_MAX (64u * 1024u * 1024u)

static const double lat_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                    0.1,   0.25,   0.5,   1.0,  2.5};
#define N_LAT (sizeof lat_bounds / sizeof lat_bounds[0])

/* A suspended long poll: resumed when the feed moves past `since`, at its
 * deadline, or at shutdown. */
typedef struct waiter {
    struct MHD_Connection *conn;
    int64_t since;
    int64_t deadline_ms;
} waiter;

typedef struct tstate {
    char id[MM_HUB_ID_MAX + 1];
    double tokens;
    int64_t refill_ms;
    int64_t last_seen_ms;
    uint64_t events;
    /* quotas: events and bytes buckets, stored bytes */
    double ev_tokens, by_tokens;
    int64_t q_refill_ms;
    uint64_t stored;
} tstate;

/* One batch waiting for the group commit (lives on its request's stack). */
typedef struct gjob {
    mm_hub_ingest_job j;
    double t0;
    bool done;
    struct gjob *next;
    struct MHD_Connection *conn; /* suspended until done */
    mm_hub_batch b;              /* the decoded batch (owned) */
    size_t bytes;                /* of its events' JSON */
} gjob;

/* Batches in one transaction at most (bounds its size and the wait of the
 * first batch in it). */
#define GROUP_MAX_BATCHES 32u

struct mm_hub_server {
    mm_hub_server_conf conf;
    /* group commit: requests queue their decoded batch under qmu (and are
     * suspended); the committer thread commits everything queued in one
     * transaction (under mu) while new requests queue behind it */
    pthread_mutex_t qmu;
    pthread_cond_t qcv;
    gjob *qhead, **qtail;
    struct MHD_Daemon *d;
    mm_store *st;
    mm_hub *h;
    pthread_mutex_t mu;
    pthread_cond_t bg_cv;
    pthread_t bg;
    bool bg_started, stop;
    unsigned port;
    int64_t last_reload_ms;
    waiter *w;
    unsigned nw, capw;
    tstate *ts;
    unsigned nts, capts;
    /* metrics */
    uint64_t events_total, duplicates_total, batches_total, commits_total;
    uint64_t rejected[6]; /* 400 401 403 413 429 500 */
    uint64_t campaigns_opened, warnings_total, escalations_total;
    uint64_t hooks_ok, hooks_failed;
    uint64_t lat_bucket[N_LAT + 1];
    double lat_sum;
    uint64_t lat_count;
    /* disk and store health (health_ok), cached for a second */
    int64_t health_ms;
    bool health_good;
    char health_why[160];
    uint64_t pruned_total;
    uint64_t housekeeping_failed; /* housekeeping passes failed (logged) */
    mm_hub_notifier *notifier;    /* the outbox sender (notifier.c) */
    mm_hub_console *console;      /* the console API (api-console.c) */
    mm_hub_tls *tls;              /* certificate and key (tls.c) */
    /* the upload path without mu (docs/scale.md, issue 11): per-tenant
     * buckets and the cached health verdict under tmu; upload tokens
     * checked on a second SQLite connection (rst, under amu), so a batch
     * is authorised and decoded while the group commit holds mu */
    pthread_mutex_t tmu, amu;
    mm_store *rst;
    mm_store *sst; /* the case sweep's connection (bg thread only) */
    /* the committer and syncer threads (under qmu: cstop, cdone, the
     * syncer's queue) */
    pthread_t committer, syncer;
    bool commit_started;
    bool cstop, cdone;
    pthread_cond_t scv;
    struct sgroup *shead, **stail;
    mm_bus_notice *notice; /* a front end: correlators' notices */
};

static double mono_s(void)
{
    return (double)mm_mono_ns() / 1e9;
}

/* ---- per-request state ----------------------------------------------------
 */

typedef struct req {
    bool is_events;
    int status; /* early rejection, 0 = none */
    char msg[600];
    mm_tenant tenant;
    bool authed;
    mm_buf body;
    bool waited;           /* long poll: suspended once already */
    struct gjob *job;      /* an upload queued for the committer */
    bool retried;          /* … queued again after a tenant reload */
    void *console;         /* console API request state (api-console.c) */
    bool expert;           /* an expert's signed request (scs-request.c) … */
    char expert_auth[256]; /* … and its X-Mamori-Expert header */
} req;

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
                             const char *ctype, const char *body, size_t len,
                             const char *h1, const char *v1)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", ctype);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (h1)
        MHD_add_response_header(r, h1, v1);
    if (status == 401) /* an unauthenticated client keeps no connection */
        MHD_add_response_header(r, "Connection", "close");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static void count_reject(mm_hub_server *s, unsigned status)
{
    int i = status == 400   ? 0
            : status == 401 ? 1
            : status == 403 ? 2
            : status == 413 ? 3
            : status == 429 ? 4
                            : 5;
    pthread_mutex_lock(&s->mu);
    s->rejected[i]++;
    pthread_mutex_unlock(&s->mu);
}

/* Replies with the JSON built in b ("{}" when building it ran out of
 * memory) and frees b. */
static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status,
                                  mm_buf *b, const char *h1, const char *v1)
{
    enum MHD_Result r =
        reply(c, status, "application/json", b->data ? b->data : "{}",
              b->data ? b->len : 2, h1, v1);
    mm_buf_free(b);
    return r;
}

static enum MHD_Result reply_error(mm_hub_server *s, struct MHD_Connection *c,
                                   unsigned status, const char *msg,
                                   const char *h1, const char *v1)
{
    mm_buf b;
    mm_buf_init(&b, 4096);
    mm_buf_puts(&b, "{\"error\":");
    mm_buf_json_str(&b, msg, strlen(msg));
    mm_buf_puts(&b, "}");
    count_reject(s, status);
    return reply_json(c, status, &b, h1, v1);
}

/* 429 with Retry-After: `retry` seconds. */
static enum MHD_Result reply_retry(mm_hub_server *s, struct MHD_Connection *c,
                                   const char *msg, unsigned retry)
{
    char ra[16];
    snprintf(ra, sizeof ra, "%u", retry);
    return reply_error(s, c, 429, msg, "Retry-After", ra);
}

/* Adds an uploaded piece to the request's body; once the body is over its
 * cap it is dropped and the request is answered 413 `too_big` when the
 * upload ends. */
static enum MHD_Result take_body(req *r, const char *upload,
                                 size_t *upload_size, const char *too_big)
{
    if (!r->status && mm_buf_append(&r->body, upload, *upload_size) != MM_OK) {
        r->status = 413;
        snprintf(r->msg, sizeof r->msg, "%s", too_big);
    }
    *upload_size = 0;
    return MHD_YES;
}

/* ---- authentication and rate limit ----------------------------------------
 */

/* The bearer token of the request, or NULL; *n gets its length. */
static const char *bearer(struct MHD_Connection *c, size_t *n)
{
    const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_AUTHORIZATION);
    if (!a || strncasecmp(a, "Bearer ", 7) != 0)
        return NULL;
    const char *tok = a + 7;
    while (*tok == ' ')
        tok++;
    *n = strlen(tok);
    return *n ? tok : NULL;
}

/* Checks a token (live, and holding at least one scope of `need`) and
 * copies its tenant to *out. 200, 401 (missing, unknown, expired, revoked)
 * or 403 (lacks the scope); 500 when the store did not answer. */
static unsigned check_token(mm_hub_server *s, const char *tok, size_t n,
                            unsigned need, mm_tenant *out)
{
    mm_token tk;
    pthread_mutex_lock(&s->mu);
    unsigned st =
        mm_hub_token_check(s->st, tok, n, need, true, mm_now_ms(), &tk);
    const mm_tenant *t =
        st == 200 ? mm_hub_tenant_by_id(s->h, tk.tenant) : NULL;
    if (st == 200 && !t && mm_now_ms() - s->last_reload_ms > 1000) {
        /* a tenant added by the CLI while we run */
        mm_err err;
        s->last_reload_ms = mm_now_ms();
        if (mm_hub_reload(s->h, &err) == MM_OK)
            t = mm_hub_tenant_by_id(s->h, tk.tenant);
    }
    if (t)
        *out = *t;
    else if (st == 200)
        st = 401;
    pthread_mutex_unlock(&s->mu);
    return st;
}

/* check_token on the request's bearer token. */
static unsigned authorize(mm_hub_server *s, struct MHD_Connection *c,
                          unsigned need, mm_tenant *out)
{
    size_t n = 0;
    const char *tok = bearer(c, &n);
    return tok ? check_token(s, tok, n, need, out) : 401;
}

/* authorize() for an upload: on the second connection when there is one
 * (it sees every commit, the CLI's revocations included, at once), without
 * mu; only the tenant's id is filled in (the upload needs no more, and an
 * id the engine does not know yet is reloaded at ingest). */
static unsigned authorize_upload(mm_hub_server *s, struct MHD_Connection *c,
                                 mm_tenant *out)
{
    size_t n = 0;
    const char *tok = bearer(c, &n);
    if (!tok || !s->rst)
        return tok ? check_token(s, tok, n, MM_SCOPE_UPLOAD, out) : 401;
    mm_token tk;
    pthread_mutex_lock(&s->amu);
    unsigned st = mm_hub_token_check(s->rst, tok, n, MM_SCOPE_UPLOAD, true,
                                     mm_now_ms(), &tk);
    pthread_mutex_unlock(&s->amu);
    memset(out, 0, sizeof *out);
    if (st == 200)
        memcpy(out->id, tk.tenant, sizeof out->id);
    return st;
}

/* The reply to a request authorize() refused. */
static enum MHD_Result reply_auth(mm_hub_server *s, struct MHD_Connection *c,
                                  unsigned status)
{
    if (status == 403)
        return reply_error(s, c, 403,
                           "this token does not have the scope this "
                           "endpoint needs",
                           NULL, NULL);
    if (status == 500) /* the store did not answer: the sensor retries */
        return reply_error(s, c, 500, "the store is not available now", NULL,
                           NULL);
    return reply_error(s, c, 401,
                       "missing, unknown, expired or revoked bearer token",
                       "WWW-Authenticate", "Bearer");
}

/* The reply when an authorization check answered st (not 200): its own
 * reply_auth when st is `own`, else `status` with msg and header hk: hv
 * (the endpoint's own wording of a refusal). */
static enum MHD_Result reply_denied(mm_hub_server *s, struct MHD_Connection *c,
                                    unsigned st, unsigned own, unsigned status,
                                    const char *msg, const char *hk,
                                    const char *hv)
{
    if (st == own)
        return reply_auth(s, c, st);
    return reply_error(s, c, status, msg, hk, hv);
}

/* Bucket sizes: ten seconds of the rate, and never less than one largest
 * batch (else a valid batch could never pass). */
static double ev_burst(const mm_hub_server_conf *c)
{
    double b = c->tenant_events_per_s * 10;
    return b > MM_HUB_BATCH_MAX_LINES ? b : MM_HUB_BATCH_MAX_LINES;
}

static double by_burst(const mm_hub_server_conf *c)
{
    double b = c->tenant_bytes_per_s * 10;
    return b > MM_HUB_BATCH_MAX_BYTES ? b : MM_HUB_BATCH_MAX_BYTES;
}

static tstate *tenant_state(mm_hub_server *s, const char *id)
{
    for (unsigned i = 0; i < s->nts; i++)
        if (strcmp(s->ts[i].id, id) == 0)
            return &s->ts[i];
    if (s->nts == s->capts) {
        unsigned nc = s->capts ? s->capts * 2 : 64;
        tstate *n = realloc(s->ts, nc * sizeof *n);
        if (!n)
            return NULL;
        s->ts = n;
        s->capts = nc;
    }
    tstate *t = &s->ts[s->nts++];
    memset(t, 0, sizeof *t);
    snprintf(t->id, sizeof t->id, "%s", id);
    t->tokens = s->conf.burst;
    t->refill_ms = mm_now_ms();
    t->ev_tokens = ev_burst(&s->conf);
    t->by_tokens = by_burst(&s->conf);
    t->q_refill_ms = t->refill_ms;
    return t;
}

/* Token bucket: true when the request may go on; else *retry seconds. */
static bool rate_ok(mm_hub_server *s, const char *id, unsigned *retry)
{
    pthread_mutex_lock(&s->tmu);
    tstate *t = tenant_state(s, id);
    bool ok = true;
    if (t) {
        int64_t now = mm_now_ms();
        t->tokens += (double)(now - t->refill_ms) / 1000.0 * s->conf.rate;
        if (t->tokens > s->conf.burst)
            t->tokens = s->conf.burst;
        t->refill_ms = now;
        if (t->tokens >= 1.0) {
            t->tokens -= 1.0;
        } else {
            ok = false;
            double wait = (1.0 - t->tokens) / s->conf.rate;
            *retry = (unsigned)wait + 1;
        }
    }
    pthread_mutex_unlock(&s->tmu);
    return ok;
}

/* Whether a request whose token check answered st may go on: a passed
 * check within the tenant's request rate. Otherwise *res is the refusal
 * (reply_auth, or reply_retry with `over`). */
static bool admitted(mm_hub_server *s, struct MHD_Connection *c, unsigned st,
                     const char *tenant, const char *over,
                     enum MHD_Result *res)
{
    unsigned retry = 1;
    if (st != 200)
        *res = reply_auth(s, c, st);
    else if (!rate_ok(s, tenant, &retry))
        *res = reply_retry(s, c, over, retry);
    else
        return true;
    return false;
}

/* Per-tenant quotas for a decoded batch of n events and len bytes: 0 when
 * it may be stored (its events and bytes are then taken from the
 * buckets), else 429 with *retry seconds and *msg. */
static unsigned quota_check(mm_hub_server *s, const char *id, size_t n,
                            size_t len, unsigned *retry, const char **msg)
{
    const mm_hub_server_conf *c = &s->conf;
    unsigned st = 0;
    pthread_mutex_lock(&s->tmu);
    tstate *t = tenant_state(s, id);
    if (t) {
        int64_t now = mm_now_ms();
        double dt = (double)(now - t->q_refill_ms) / 1000.0;
        t->q_refill_ms = now;
        t->ev_tokens += dt * c->tenant_events_per_s;
        if (t->ev_tokens > ev_burst(c))
            t->ev_tokens = ev_burst(c);
        t->by_tokens += dt * c->tenant_bytes_per_s;
        if (t->by_tokens > by_burst(c))
            t->by_tokens = by_burst(c);
        double need_e = ((double)n - t->ev_tokens) / c->tenant_events_per_s;
        double need_b = ((double)len - t->by_tokens) / c->tenant_bytes_per_s;
        double wait = need_e > need_b ? need_e : need_b;
        if (t->stored + len > (uint64_t)c->tenant_quota_mb * 1000000u) {
            st = 429;
            *retry = 3600;
            *msg = "this tenant's storage quota (tenant_quota_mb) is full; "
                   "events older than retention_days are removed";
        } else if (wait > 0) {
            st = 429;
            *retry = (unsigned)wait + 1;
            *msg = "over this tenant's events/s or bytes/s limit; retry "
                   "later";
        } else {
            t->ev_tokens -= (double)n;
            t->by_tokens -= (double)len;
        }
    }
    pthread_mutex_unlock(&s->tmu);
    return st;
}

/* Adds stored bytes to a tenant; mm_usage_fn. */
static mm_rc usage_add(const char *tenant, uint64_t bytes, void *ud)
{
    mm_hub_server *s = ud;
    pthread_mutex_lock(&s->tmu);
    tstate *t = tenant_state(s, tenant);
    if (t)
        t->stored += bytes;
    pthread_mutex_unlock(&s->tmu);
    return MM_OK;
}

/* Takes pruned bytes off a tenant (caller holds mu); mm_usage_fn. */
static mm_rc usage_sub(const char *tenant, uint64_t bytes, void *ud)
{
    mm_hub_server *s = ud;
    pthread_mutex_lock(&s->tmu);
    tstate *t = tenant_state(s, tenant);
    if (t)
        t->stored = t->stored > bytes ? t->stored - bytes : 0;
    pthread_mutex_unlock(&s->tmu);
    s->pruned_total += bytes;
    return MM_OK;
}

/* Whether the store can take writes: free disk at least min_free_mb and a
 * probe write that commits. Checked at most once a second (the health
 * check needs no token, so it must stay cheap); caller holds mu. */
static bool health_ok(mm_hub_server *s, const char **why)
{
    int64_t now = mm_now_ms();
    if (now - s->health_ms >= 1000) {
        bool good = true;
        char msg[sizeof s->health_why] = "";
        struct statvfs v;
        mm_err err;
        if (statvfs(s->conf.dir, &v) == 0 &&
            (uint64_t)v.f_bavail * v.f_frsize <
                (uint64_t)s->conf.min_free_mb * 1000000u) {
            good = false;
            snprintf(msg, sizeof msg,
                     "less than min_free_mb (%u MB) free on the store's disk",
                     s->conf.min_free_mb);
        } else if (s->st->ops->probe &&
                   s->st->ops->probe(s->st, &err) != MM_OK) {
            good = false;
            snprintf(msg, sizeof msg, "the store cannot write: %.100s",
                     err.msg);
        }
        /* the verdict as a whole, for upload_healthy (under tmu only) */
        pthread_mutex_lock(&s->tmu);
        s->health_ms = now;
        s->health_good = good;
        memcpy(s->health_why, msg, sizeof msg);
        pthread_mutex_unlock(&s->tmu);
    }
    *why = s->health_why;
    return s->health_good;
}

/* health_ok for an upload: the cached verdict while it is younger than a
 * second, read under tmu, so a batch is not held up by the group commit
 * that holds mu; only a stale verdict is renewed under mu. */
static bool upload_healthy(mm_hub_server *s, char *why, size_t n)
{
    pthread_mutex_lock(&s->tmu);
    bool fresh = mm_now_ms() - s->health_ms < 1000;
    bool good = s->health_good;
    snprintf(why, n, "%s", s->health_why);
    pthread_mutex_unlock(&s->tmu);
    if (fresh)
        return good;
    const char *w = NULL;
    pthread_mutex_lock(&s->mu);
    good = health_ok(s, &w);
    snprintf(why, n, "%s", w);
    pthread_mutex_unlock(&s->mu);
    return good;
}

/* The connection limits of hub.conf, made reachable: the open-files limit is
 * raised to its hard limit as far as needed, and the total connection
 * limit is cut to what the descriptors allow (64 kept for the store,
 * certificates and webhooks), so the hub refuses a connection rather than
 * failing accept(). Zero values (a conf not from mm_hub_conf_load) get the
 * documented defaults. */
static void fit_connections(mm_hub_server_conf *c)
{
    if (!c->max_connections)
        c->max_connections = 22000;
    if (!c->max_connections_per_ip)
        c->max_connections_per_ip = 256;
    if (!c->idle_timeout)
        c->idle_timeout = 15;
    if (!c->tenant_quota_mb || !(c->tenant_events_per_s > 0)) {
        /* a conf without the quota rows: all of them from the defaults */
        c->tenant_events_per_s = 2000;
        c->tenant_bytes_per_s = 2e6;
        c->tenant_quota_mb = 1024;
        c->retention_days = c->retention_days ? c->retention_days : 90;
        c->min_free_mb = c->min_free_mb ? c->min_free_mb : 256;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t want = (rlim_t)c->max_connections + 64;
    if (rl.rlim_cur < want) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want
                          ? want
                          : rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
        (void)getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want)
        c->max_connections =
            rl.rlim_cur > 128 ? (unsigned)(rl.rlim_cur - 64) : 64;
}

static bool client_is_loopback(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return false;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in =
            (const struct sockaddr_in *)(const void *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 =
            (const struct sockaddr_in6 *)(const void *)sa;
        return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    }
    return false;
}

/* ---- handlers
 * --------------------------------------------------------------- */

/* Resumes long polls that can be answered now; caller holds mu. */
static void wake_waiters(mm_hub_server *s, bool all)
{
    int64_t now = mm_now_ms(), cur = mm_hub_cursor(s->h);
    unsigned k = 0;
    for (unsigned i = 0; i < s->nw; i++) {
        waiter *w = &s->w[i];
        if (all || cur > w->since || now >= w->deadline_ms)
            MHD_resume_connection(w->conn);
        else
            s->w[k++] = *w;
    }
    s->nw = k;
}

static void observe_latency(mm_hub_server *s, double sec)
{
    size_t i = 0;
    while (i < N_LAT && sec > lat_bounds[i])
        i++;
    s->lat_bucket[i]++;
    s->lat_sum += sec;
    s->lat_count++;
}

/* Accounts one committed batch (sign 1), or takes it back (-1) when the
 * flush after the commit failed; caller holds mu. */
static void account(mm_hub_server *s, const mm_hub_ingest_job *j, double t0,
                    int sign)
{
    const mm_hub_ingest_result *res = &j->res;
    uint64_t k = (uint64_t)(int64_t)sign;
    s->events_total += k * res->accepted;
    s->duplicates_total += k * res->duplicates;
    s->batches_total += k;
    s->campaigns_opened += k * res->campaigns_opened;
    s->warnings_total += k * res->warnings;
    s->escalations_total += k * res->escalations;
    pthread_mutex_lock(&s->tmu);
    tstate *t = tenant_state(s, j->tenant->id);
    if (t) {
        t->last_seen_ms = mm_now_ms();
        t->events += k * res->accepted;
    }
    pthread_mutex_unlock(&s->tmu);
    if (sign > 0)
        observe_latency(s, mono_s() - t0);
}

/* One group between its commit and its flush: the syncer's queue. */
typedef struct sgroup {
    gjob *grp[GROUP_MAX_BATCHES];
    mm_hub_ingest_job jobs[GROUP_MAX_BATCHES];
    unsigned n;
    bool any, ind, warn;
    struct sgroup *next;
} sgroup;

/* The committer thread: stores every queued batch (up to
 * GROUP_MAX_BATCHES) in one transaction under mu, then hands the group to
 * the syncer and goes on with the next, so the next group is written while
 * this one's log flush runs. The HTTP threads only decode and queue (their
 * requests suspended meanwhile), so a worker thread that holds two
 * connections decodes the second batch while the first is written. */
static void *committer_main(void *arg)
{
    mm_hub_server *s = arg;
    pthread_mutex_lock(&s->qmu);
    for (;;) {
        while (!s->qhead && !s->cstop)
            pthread_cond_wait(&s->qcv, &s->qmu);
        if (!s->qhead)
            break; /* stopping, and nothing left */
        sgroup *g = calloc(1, sizeof *g);
        while (g && s->qhead && g->n < GROUP_MAX_BATCHES) {
            g->grp[g->n] = s->qhead;
            s->qhead = s->qhead->next;
            g->jobs[g->n] = g->grp[g->n]->j;
            g->n++;
        }
        if (!s->qhead)
            s->qtail = &s->qhead;
        pthread_mutex_unlock(&s->qmu);
        if (!g) { /* out of memory: try again shortly */
            nanosleep(&(struct timespec){0, 10 * 1000000L}, NULL);
            pthread_mutex_lock(&s->qmu);
            continue;
        }
        pthread_mutex_lock(&s->mu);
        mm_err err;
        memset(&err, 0, sizeof err);
        mm_hub_ingest_group(s->h, g->jobs, g->n, mm_now_ms(), &err);
        for (unsigned i = 0; i < g->n; i++) {
            if (g->jobs[i].rc != MM_OK)
                continue;
            g->any = true;
            account(s, &g->jobs[i], g->grp[i]->t0, 1);
            g->ind |= g->jobs[i].res.indicators > 0;
            g->warn |= g->jobs[i].res.warnings > 0;
        }
        if (g->any)
            s->commits_total++;
        pthread_mutex_unlock(&s->mu);
        pthread_mutex_lock(&s->qmu);
        *s->stail = g;
        s->stail = &g->next;
        pthread_cond_broadcast(&s->scv);
    }
    s->cdone = true;
    pthread_cond_broadcast(&s->scv);
    pthread_mutex_unlock(&s->qmu);
    return NULL;
}

/* After the commit: the log flush (no lock held; mu is taken again only
 * when there is something to announce or to take back); only then are the
 * group's requests resumed, and only then do webhooks and long polls hear
 * of what it derived. */
static void group_done(mm_hub_server *s, sgroup *g)
{
    mm_err err;
    memset(&err, 0, sizeof err);
    if (g->any && mm_store_sync(s->st, &err) != MM_OK) {
        pthread_mutex_lock(&s->mu);
        for (unsigned i = 0; i < g->n; i++)
            if (g->jobs[i].rc == MM_OK) {
                account(s, &g->jobs[i], 0, -1);
                g->jobs[i].rc = MM_EIO;
                g->jobs[i].err = err;
            }
        s->commits_total--;
        pthread_mutex_unlock(&s->mu);
        g->ind = g->warn = false;
    }
    pthread_mutex_lock(&s->qmu);
    for (unsigned i = 0; i < g->n; i++) {
        g->grp[i]->j = g->jobs[i];
        g->grp[i]->done = true;
        MHD_resume_connection(g->grp[i]->conn);
    }
    pthread_mutex_unlock(&s->qmu);
    /* the uploads first: their answers must not queue behind thousands of
     * parked long polls the same commit wakes */
    if (g->ind || g->warn) {
        pthread_mutex_lock(&s->mu);
        if (g->ind)
            wake_waiters(s, false);
        if (g->warn)
            pthread_cond_signal(&s->bg_cv);
        pthread_mutex_unlock(&s->mu);
    }
}

/* The next committed group to flush; NULL once the committer stopped and
 * every group is answered. */
static sgroup *sync_next(mm_hub_server *s)
{
    pthread_mutex_lock(&s->qmu);
    while (!s->shead && !s->cdone)
        pthread_cond_wait(&s->scv, &s->qmu);
    sgroup *g = s->shead;
    if (g && !(s->shead = g->next))
        s->stail = &s->shead;
    pthread_mutex_unlock(&s->qmu);
    return g;
}

/* The syncer thread: flushes each committed group and answers it. */
static void *syncer_main(void *arg)
{
    mm_hub_server *s = arg;
    for (sgroup *g; (g = sync_next(s)) != NULL; free(g))
        group_done(s, g);
    return NULL;
}

/* Tells the committer to store what is queued and stop (later uploads get
 * 503). */
static void commit_stop(mm_hub_server *s)
{
    pthread_mutex_lock(&s->qmu);
    s->cstop = true;
    pthread_cond_broadcast(&s->qcv);
    pthread_mutex_unlock(&s->qmu);
}

/* Queues the request's batch for the committer and suspends the request
 * (resumed once the batch is durable or failed); false when the server
 * is stopping (nothing queued). */
static bool commit_async(mm_hub_server *s, struct MHD_Connection *c, gjob *j)
{
    pthread_mutex_lock(&s->qmu);
    bool ok = !s->cstop;
    if (ok) {
        j->conn = c;
        j->done = false;
        j->next = NULL;
        MHD_suspend_connection(c);
        *s->qtail = j;
        s->qtail = &j->next;
        pthread_cond_signal(&s->qcv);
    }
    pthread_mutex_unlock(&s->qmu);
    return ok;
}

static void gjob_free(gjob *j)
{
    if (j) {
        mm_hub_batch_free(&j->b);
        free(j);
    }
}

/* After an upload of a tenant the engine does not know: reloads the
 * tenants (at most once a second, as check_token does); true when the
 * tenant is known now. */
static bool reload_for(mm_hub_server *s, const char *id)
{
    mm_err err;
    pthread_mutex_lock(&s->mu);
    bool known = mm_hub_tenant_by_id(s->h, id) != NULL;
    if (!known && mm_now_ms() - s->last_reload_ms > 1000) {
        s->last_reload_ms = mm_now_ms();
        known = mm_hub_reload(s->h, &err) == MM_OK &&
                mm_hub_tenant_by_id(s->h, id) != NULL;
    }
    pthread_mutex_unlock(&s->mu);
    return known;
}

/* The reply to an upload whose batch the committer has handled. */
static enum MHD_Result events_reply(mm_hub_server *s, struct MHD_Connection *c,
                                    req *r)
{
    gjob *j = r->job;
    if (j->j.rc == MM_ENOTFOUND && !r->retried &&
        reload_for(s, r->tenant.id)) {
        r->retried = true; /* a tenant added while we run: once more */
        memset(&j->j.res, 0, sizeof j->j.res);
        j->j.rc = MM_OK;
        j->t0 = mono_s();
        if (commit_async(s, c, j))
            return MHD_YES;
    }
    mm_rc rc = j->j.rc;
    mm_hub_ingest_result res = j->j.res;
    size_t lines = j->b.n, bytes = j->bytes;
    mm_err jerr = j->j.err;
    gjob_free(j);
    r->job = NULL;
    if (rc == MM_OK && lines) /* stored bytes: duplicates were not stored
                                 again */
        usage_add(r->tenant.id, (uint64_t)bytes * res.accepted / lines, s);
    if (rc == MM_EINVAL)
        return reply_error(s, c, 403, jerr.msg, NULL, NULL);
    if (rc != MM_OK)
        return reply_error(s, c, 500, "the store could not save the batch",
                           NULL, NULL);
    char out[128];
    int n = snprintf(out, sizeof out, "{\"accepted\":%zu,\"duplicates\":%zu}",
                     res.accepted, res.duplicates);
    return reply(c, 200, "application/json", out, (size_t)n, NULL, NULL);
}

static enum MHD_Result handle_events(mm_hub_server *s,
                                     struct MHD_Connection *c, req *r)
{
    if (r->job) { /* resumed: the batch is durable, or failed */
        pthread_mutex_lock(&s->qmu);
        bool done = r->job->done;
        pthread_mutex_unlock(&s->qmu);
        return done ? events_reply(s, c, r) : MHD_YES;
    }
    double t0 = mono_s();
    const char *enc = MHD_lookup_connection_value(
        c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_ENCODING);
    bool zstd = false;
    if (enc && *enc) {
        if (strcasecmp(enc, "zstd") == 0)
            zstd = true;
        else if (strcasecmp(enc, "identity") != 0)
            return reply_error(s, c, 400,
                               "unsupported Content-Encoding (use zstd)", NULL,
                               NULL);
    }
    char sick[160];
    if (!upload_healthy(s, sick, sizeof sick)) /* a full disk: refuse before
                                                  the store fails mid-way */
        return reply_error(s, c, 503, sick, "Retry-After", "60");
    gjob *j = calloc(1, sizeof *j);
    if (!j)
        return reply_error(s, c, 500, "out of memory", NULL, NULL);
    mm_err err;
    memset(&err, 0, sizeof err);
    mm_rc rc = mm_hub_batch_decode(r->body.data ? r->body.data : "",
                                   r->body.len, zstd, &j->b, &err);
    if (rc != MM_OK) {
        free(j);
        return reply_error(s, c,
                           rc == MM_ELIMIT   ? 413
                           : rc == MM_EPARSE ? 400
                                             : 500,
                           err.msg, NULL, NULL);
    }
    unsigned retry = 1;
    const char *why = NULL;
    for (size_t i = 0; i < j->b.n; i++)
        j->bytes += j->b.ev[i].json_len;
    if (quota_check(s, r->tenant.id, j->b.n, j->bytes, &retry, &why)) {
        gjob_free(j);
        return reply_retry(s, c, why, retry);
    }
    mm_buf_free(&r->body); /* the batch holds its own copy */
    j->j.tenant = &r->tenant;
    j->j.batch = &j->b;
    j->t0 = t0;
    r->job = j;
    if (!commit_async(s, c, j)) {
        gjob_free(j);
        r->job = NULL;
        return reply_error(s, c, 503, "the hub is stopping", "Retry-After",
                           "5");
    }
    return MHD_YES;
}

static bool parse_i64(const char *v, int64_t *out)
{
    if (!v || !*v)
        return false;
    int64_t x = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9' || x > (INT64_MAX - 9) / 10)
            return false;
        x = x * 10 + (*p - '0');
    }
    *out = x;
    return true;
}

static enum MHD_Result handle_feed(mm_hub_server *s, struct MHD_Connection *c,
                                   req *r, int kind)
{
    int64_t since = -1, wait = 0;
    const char *sv =
        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "since");
    const char *wv =
        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "wait");
    if (sv && !parse_i64(sv, &since))
        return reply_error(s, c, 400,
                           "since must be a cursor from an earlier reply",
                           NULL, NULL);
    if (wv && !parse_i64(wv, &wait))
        return reply_error(s, c, 400, "wait must be whole seconds", NULL,
                           NULL);
    if (wait > LONGPOLL_MAX_S)
        wait = LONGPOLL_MAX_S;
    mm_buf out;
    mm_buf_init(&out, RESP_MAX);
    mm_err err;
    mm_rc rc;
    pthread_mutex_lock(&s->mu);
    if (kind == 0 && since >= 0 && wait > 0 && !r->waited && !s->stop &&
        mm_hub_cursor(s->h) <= since && s->nw < LONGPOLL_MAX_WAITERS) {
        /* Long poll: park the connection (its pool thread stays free for
         * other connections); wake_waiters resumes it and MHD calls the
         * handler again, which then answers. */
        if (s->nw == s->capw) {
            unsigned nc = s->capw ? s->capw * 2 : 64;
            waiter *nwp = realloc(s->w, nc * sizeof *nwp);
            if (nwp) {
                s->w = nwp;
                s->capw = nc;
            }
        }
        if (s->nw < s->capw) {
            s->w[s->nw].conn = c;
            s->w[s->nw].since = since;
            s->w[s->nw].deadline_ms = mm_now_ms() + wait * 1000;
            s->nw++;
            r->waited = true;
            MHD_suspend_connection(c);
            pthread_mutex_unlock(&s->mu);
            mm_buf_free(&out);
            return MHD_YES;
        }
    }
    int64_t now = mm_now_ms();
    switch (kind) {
    case 0: rc = mm_hub_feed_json(s->h, since, now, &out, &err); break;
    case 1: rc = mm_hub_feed_txt(s->h, now, &out, &err); break;
    case 2: rc = mm_hub_feed_nft(s->h, now, &out, &err); break;
    default: rc = mm_hub_feed_stix(s->h, now, &out, &err); break;
    }
    char etag[40];
    snprintf(etag, sizeof etag, "\"%lld\"", (long long)mm_hub_cursor(s->h));
    pthread_mutex_unlock(&s->mu);
    enum MHD_Result ret;
    if (rc != MM_OK) {
        ret = reply_error(s, c, 500, err.msg, NULL, NULL);
    } else {
        static const char *const types[] = {
            "application/json", "text/plain; charset=utf-8",
            "text/plain; charset=utf-8", "application/stix+json;version=2.1"};
        ret = reply(c, 200, types[kind], out.data ? out.data : "", out.len,
                    "ETag", etag);
    }
    mm_buf_free(&out);
    return ret;
}

static enum MHD_Result handle_inbox(mm_hub_server *s, struct MHD_Connection *c,
                                    const mm_tenant *t)
{
    int64_t since = 0;
    const char *sv =
        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "since");
    const char *tv =
        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "tenant");
    if (sv && !parse_i64(sv, &since))
        return reply_error(s, c, 400, "since must be a warning id", NULL,
                           NULL);
    if (tv && strcmp(tv, t->id) != 0)
        return reply_error(s, c, 403, "a tenant can only read its own inbox",
                           NULL, NULL);
    mm_buf out;
    mm_buf_init(&out, RESP_MAX);
    mm_err err;
    pthread_mutex_lock(&s->mu);
    mm_rc rc = mm_hub_inbox_json(s->h, t->id, since, &out, &err);
    pthread_mutex_unlock(&s->mu);
    enum MHD_Result ret =
        rc == MM_OK
            ? reply(c, 200, "application/json", out.data, out.len, NULL, NULL)
            : reply_error(s, c, 500, err.msg, NULL, NULL);
    mm_buf_free(&out);
    return ret;
}

static enum MHD_Result handle_metrics(mm_hub_server *s,
                                      struct MHD_Connection *c)
{
    mm_buf b;
    mm_buf_init(&b, RESP_MAX);
    mm_store_stats ss;
    mm_err err;
    pthread_mutex_lock(&s->mu);
    memset(&ss, 0, sizeof ss);
    mm_store_stats_get(s->st, &ss, &err);
    mm_buf_printf(
        &b,
        "# HELP mamori_hub_events_ingested_total Events stored (duplicates "
        "excluded).\n"
        "# TYPE mamori_hub_events_ingested_total counter\n"
        "mamori_hub_events_ingested_total %llu\n"
        "# HELP mamori_hub_events_duplicate_total Events acknowledged again "
        "by id.\n"
        "# TYPE mamori_hub_events_duplicate_total counter\n"
        "mamori_hub_events_duplicate_total %llu\n"
        "# HELP mamori_hub_batches_total Batches committed.\n"
        "# TYPE mamori_hub_batches_total counter\n"
        "mamori_hub_batches_total %llu\n"
        "# HELP mamori_hub_commits_total Transactions committed for batches "
        "(several batches share one under load).\n"
        "# TYPE mamori_hub_commits_total counter\n"
        "mamori_hub_commits_total %llu\n",
        (unsigned long long)s->events_total,
        (unsigned long long)s->duplicates_total,
        (unsigned long long)s->batches_total,
        (unsigned long long)s->commits_total);
    static const char *const codes[] = {"400", "401", "403",
                                        "413", "429", "500"};
    mm_buf_puts(&b, "# HELP mamori_hub_requests_rejected_total Rejected "
                    "requests by status.\n"
                    "# TYPE mamori_hub_requests_rejected_total counter\n");
    for (int i = 0; i < 6; i++)
        mm_buf_printf(&b,
                      "mamori_hub_requests_rejected_total{code=\"%s\"} %llu\n",
                      codes[i], (unsigned long long)s->rejected[i]);
    mm_buf_puts(&b, "# HELP mamori_hub_tenant_last_seen_seconds Last upload "
                    "per tenant (unix time).\n"
                    "# TYPE mamori_hub_tenant_last_seen_seconds gauge\n");
    pthread_mutex_lock(&s->tmu);
    for (unsigned i = 0; i < s->nts; i++)
        if (s->ts[i].last_seen_ms)
            mm_buf_printf(
                &b,
                "mamori_hub_tenant_last_seen_seconds{tenant=\"%s\"} %.3f\n",
                s->ts[i].id, (double)s->ts[i].last_seen_ms / 1000.0);
    mm_buf_puts(
        &b, "# HELP mamori_hub_tenant_events_total Events stored per tenant.\n"
            "# TYPE mamori_hub_tenant_events_total counter\n");
    for (unsigned i = 0; i < s->nts; i++)
        if (s->ts[i].last_seen_ms)
            mm_buf_printf(
                &b, "mamori_hub_tenant_events_total{tenant=\"%s\"} %llu\n",
                s->ts[i].id, (unsigned long long)s->ts[i].events);
    mm_buf_puts(&b, "# HELP mamori_hub_tenant_stored_bytes Stored event "
                    "bytes per tenant (tenant_quota_mb).\n"
                    "# TYPE mamori_hub_tenant_stored_bytes gauge\n");
    for (unsigned i = 0; i < s->nts; i++)
        mm_buf_printf(&b,
                      "mamori_hub_tenant_stored_bytes{tenant=\"%s\"} %llu\n",
                      s->ts[i].id, (unsigned long long)s->ts[i].stored);
    pthread_mutex_unlock(&s->tmu);
    mm_buf_printf(&b,
                  "# HELP mamori_hub_pruned_bytes_total Event bytes removed "
                  "by retention.\n"
                  "# TYPE mamori_hub_pruned_bytes_total counter\n"
                  "mamori_hub_pruned_bytes_total %llu\n",
                  (unsigned long long)s->pruned_total);
    mm_buf_printf(&b,
                  "# HELP mamori_hub_longpolls_parked Feed long polls parked "
                  "now (suspended, no thread held; cap %u).\n"
                  "# TYPE mamori_hub_longpolls_parked gauge\n"
                  "mamori_hub_longpolls_parked %u\n",
                  LONGPOLL_MAX_WAITERS, s->nw);
    mm_buf_puts(&b, "# HELP mamori_hub_batch_seconds Time from a complete "
                    "upload to its durable commit and correlation.\n"
                    "# TYPE mamori_hub_batch_seconds histogram\n");
    uint64_t cum = 0;
    for (size_t i = 0; i < N_LAT; i++) {
        cum += s->lat_bucket[i];
        mm_buf_printf(&b, "mamori_hub_batch_seconds_bucket{le=\"%g\"} %llu\n",
                      lat_bounds[i], (unsigned long long)cum);
    }
    cum += s->lat_bucket[N_LAT];
    mm_buf_printf(&b,
                  "mamori_hub_batch_seconds_bucket{le=\"+Inf\"} %llu\n"
                  "mamori_hub_batch_seconds_sum %.6f\n"
                  "mamori_hub_batch_seconds_count %llu\n",
                  (unsigned long long)cum, s->lat_sum,
                  (unsigned long long)s->lat_count);
    mm_buf_printf(
        &b,
        "# HELP mamori_hub_store_size_bytes Database plus write-ahead log.\n"
        "# TYPE mamori_hub_store_size_bytes gauge\n"
        "mamori_hub_store_size_bytes %llu\n"
        "# HELP mamori_hub_campaigns Campaigns in the store.\n"
        "# TYPE mamori_hub_campaigns gauge\n"
        "mamori_hub_campaigns %llu\n"
        "# HELP mamori_hub_notifications_total Warnings written to inboxes.\n"
        "# TYPE mamori_hub_notifications_total counter\n"
        "mamori_hub_notifications_total %llu\n"
        "# HELP mamori_hub_webhooks_total Webhook deliveries by result.\n"
        "# TYPE mamori_hub_webhooks_total counter\n"
        "mamori_hub_webhooks_total{result=\"ok\"} %llu\n"
        "mamori_hub_webhooks_total{result=\"failed\"} %llu\n"
        "# HELP mamori_hub_escalations Escalations in the queue.\n"
        "# TYPE mamori_hub_escalations gauge\n"
        "mamori_hub_escalations %llu\n"
        "# HELP mamori_hub_feed_indicators Live indicators in the shared "
        "feed.\n"
        "# TYPE mamori_hub_feed_indicators gauge\n"
        "mamori_hub_feed_indicators %llu\n"
        "# HELP mamori_hub_feed_cursor Current feed cursor.\n"
        "# TYPE mamori_hub_feed_cursor gauge\n"
        "mamori_hub_feed_cursor %lld\n"
        "# HELP mamori_hub_correlation_keys Keys in the correlation index.\n"
        "# TYPE mamori_hub_correlation_keys gauge\n"
        "mamori_hub_correlation_keys %zu\n"
        "# HELP mamori_hub_correlation_keys_skipped_total Sightings of new "
        "keys "
        "not correlated because the index was full.\n"
        "# TYPE mamori_hub_correlation_keys_skipped_total counter\n"
        "mamori_hub_correlation_keys_skipped_total %llu\n"
        "# HELP mamori_hub_correlation_keys_evicted_total Keys seen by one "
        "tenant evicted, oldest first, to make room at the index's cap.\n"
        "# TYPE mamori_hub_correlation_keys_evicted_total counter\n"
        "mamori_hub_correlation_keys_evicted_total %llu\n"
        "# HELP mamori_hub_housekeeping_failures_total Retention, expiry "
        "or reminder passes that failed (logged, retried).\n"
        "# TYPE mamori_hub_housekeeping_failures_total counter\n"
        "mamori_hub_housekeeping_failures_total %llu\n",
        (unsigned long long)ss.size_bytes, (unsigned long long)ss.campaigns,
        (unsigned long long)ss.warnings, (unsigned long long)s->hooks_ok,
        (unsigned long long)s->hooks_failed,
        (unsigned long long)ss.escalations, (unsigned long long)ss.indicators,
        (long long)mm_hub_cursor(s->h), mm_hub_keys(s->h),
        (unsigned long long)mm_hub_keys_skipped(s->h),
        (unsigned long long)mm_hub_keys_evicted(s->h),
        (unsigned long long)s->housekeeping_failed);
    pthread_mutex_unlock(&s->mu);
    enum MHD_Result ret = reply(c, 200, "text/plain; version=0.0.4",
                                b.data ? b.data : "", b.len, NULL, NULL);
    mm_buf_free(&b);
    return ret;
}

/* Firewalls that pull lists send HTTP Basic (FortiGate, Palo Alto): the
 * tenant token is the password, the user name is ignored. */
static unsigned basic_token(mm_hub_server *s, struct MHD_Connection *c,
                            unsigned need, mm_tenant *out)
{
    char *pw = NULL;
    char *user = MHD_basic_auth_get_username_password(c, &pw);
    unsigned st = 401;
    if (pw && strlen(pw) > 0 && strlen(pw) <= 256)
        st = check_token(s, pw, strlen(pw), need, out);
    MHD_free(user);
    MHD_free(pw);
    return st;
}

/* Block lists (tenant token) and retraction (operator, loopback only):
 * docs/block.md; the work is in blocklist.c. */
static enum MHD_Result block_access(mm_hub_server *s, struct MHD_Connection *c,
                                    const char *url, const char *method)
{
    bool admin = url[8] == 'a';
    mm_tenant t;
    if (strcmp(method, admin ? "POST" : "GET") != 0)
        return reply_error(s, c, 405, admin ? "use POST" : "use GET", "Allow",
                           admin ? "POST" : "GET");
    if (admin && !client_is_loopback(c))
        return reply_error(s, c, 403, "retraction is for the hub host only",
                           NULL, NULL);
    unsigned st = 200;
    if (!admin && (st = authorize(s, c, MM_SCOPE_FEED, &t)) == 401)
        st = basic_token(s, c, MM_SCOPE_FEED, &t);
    if (st != 200)
        return reply_denied(s, c, st, 403, 401,
                            "missing, unknown, expired or revoked token "
                            "(Bearer, or Basic with the token as password)",
                            "WWW-Authenticate", "Basic realm=\"mamori\"");
    mm_buf out;
    mm_buf_init(&out, RESP_MAX);
    unsigned status = 500;
    bool text = false;
    pthread_mutex_lock(&s->mu);
    mm_hub_block_http(
        s->h, admin ? NULL : &t, url,
        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "value"),
        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "min"),
        mm_now_ms(), &status, &text, &out);
    if (admin)
        wake_waiters(s, false); /* sensors hear of the removal now */
    pthread_mutex_unlock(&s->mu);
    enum MHD_Result r = reply(
        c, status, text ? "text/plain; charset=utf-8" : "application/json",
        out.data ? out.data : "", out.len, NULL, NULL);
    mm_buf_free(&out);
    return r;
}

/* POST /api/v1/admin/tls/reload: as SIGHUP, for an admin token. 200 with
 * the new certificate's expiry and fingerprint; 422 with the reason the
 * pair was refused (the old one stays); 400 on a hub without TLS. */
static enum MHD_Result
tls_reload_http(mm_hub_server *s, struct MHD_Connection *c, const char *method)
{
    if (strcmp(method, "POST") != 0)
        return reply_error(s, c, 405, "use POST", "Allow", "POST");
    mm_err err;
    char msg[700];
    bool ok = mm_hub_server_reload_tls(s, &err) == MM_OK;
    if (ok)
        mm_hub_tls_describe(s->tls, msg, sizeof msg);
    else
        mm_err_format(&err, msg, sizeof msg);
    mm_buf b;
    mm_buf_init(&b, 4096);
    mm_buf_puts(&b, ok ? "{\"status\":\"reloaded\",\"certificate\":"
                       : "{\"error\":");
    mm_buf_json_str(&b, msg, strlen(msg));
    mm_buf_puts(&b, "}");
    unsigned status = ok ? 200 : s->tls ? 422 : 400;
    return reply_json(c, status, &b, NULL, NULL);
}

/* /api/v1/scs/… (the SCS buyer view, routes in scs-status.c: reading
 * needs the read scope, submitting the upload scope) and /api/v1/admin/…
 * (tokens.c, the admin scope). Bodies of at most MM_HUB_SCS_DOC_MAX
 * bytes. */
static enum MHD_Result scs_access(mm_hub_server *s, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *upload, size_t *upload_size,
                                  void **con_cls)
{
    req *r = *con_cls;
    bool admin = strncmp(url, "/api/v1/admin/", 14) == 0;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        *con_cls = r;
        const char *ex =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Mamori-Expert");
        /* a registered expert signs its requests (scs-request.c): the
         * signature is checked with the body, below */
        r->expert = ex && strncmp(url, "/api/v1/scs/requests", 20) == 0;
        if (r->expert) { /* experts share one rate bucket, "expert:" */
            snprintf(r->expert_auth, sizeof r->expert_auth, "%s", ex);
            snprintf(r->tenant.id, sizeof r->tenant.id, "expert:");
        }
        unsigned need = admin                        ? MM_SCOPE_ADMIN
                        : strcmp(method, "GET") == 0 ? MM_SCOPE_READ
                                                     : MM_SCOPE_UPLOAD;
        unsigned st = r->expert ? 200 : authorize(s, c, need, &r->tenant);
        enum MHD_Result res;
        if (!admitted(s, c, st, r->tenant.id,
                      "over the request rate; retry later", &res))
            return res;
        mm_buf_init(&r->body, MM_HUB_SCS_DOC_MAX);
        r->authed = true;
        return MHD_YES;
    }
    if (*upload_size)
        return take_body(r, upload, upload_size, "body larger than 1 MiB");
    if (r->status)
        return reply_error(s, c, (unsigned)r->status, r->msg, NULL, NULL);
    if (admin && strcmp(url, "/api/v1/admin/tls/reload") == 0)
        return tls_reload_http(s, c, method);
    mm_buf out;
    mm_buf_init(&out, RESP_MAX);
    unsigned status = 500;
    pthread_mutex_lock(&s->mu);
    if (admin)
        mm_hub_token_http(
            s->st, method, url,
            MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "tenant"),
            r->body.data, r->body.len, mm_now_ms(), &status, &out);
    else if (r->expert)
        mm_hub_scs_expert_http(s->st, r->expert_auth, method, url,
                               r->body.data, r->body.len, mm_now_ms(), &status,
                               &out);
    else
        mm_hub_scs_http_dir(s->st, s->conf.dir, &r->tenant, method, url,
                            r->body.data, r->body.len, mm_now_ms(), &status,
                            &out);
    pthread_mutex_unlock(&s->mu);
    if ((status == 200 || status == 201) && strcmp(method, "GET") != 0) {
        /* server mode: the write is durable only after the log flush */
        mm_err serr;
        if (mm_store_sync(s->st, &serr) != MM_OK) {
            status = 500;
            out.len = 0;
            mm_buf_puts(&out,
                        "{\"error\":\"the store could not flush its log\"}");
        }
    }
    if (status == 400 || status == 403 || status == 500)
        count_reject(s, status);
    return reply_json(c, status, &out, NULL, NULL);
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *c,
                                 const char *url, const char *method,
                                 const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
    mm_hub_server *s = cls;
    (void)version;
    /* /api/v1/admin/retract is the block lists' (loopback, below) */
    if ((strncmp(url, "/api/v1/scs/", 12) == 0 &&
         !mm_hub_console_route(url)) ||
        (strncmp(url, "/api/v1/admin/", 14) == 0 &&
         strcmp(url, "/api/v1/admin/retract") != 0))
        return scs_access(s, c, url, method, upload, upload_size, con_cls);
    if (mm_hub_console_route(url)) {
        req *cr = *con_cls ? *con_cls : (*con_cls = calloc(1, sizeof *cr));
        return cr ? (enum MHD_Result)mm_hub_console_mhd(
                        s->console, c, url, method, upload, upload_size,
                        &cr->console)
                  : MHD_NO;
    }
    req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        *con_cls = r;
        r->is_events = strcmp(url, "/api/v1/events") == 0;
        if (!r->is_events)
            return MHD_YES;
        if (strcmp(method, "POST") != 0)
            return reply_error(s, c, 405, "use POST", "Allow", "POST");
        unsigned st = authorize_upload(s, c, &r->tenant);
        enum MHD_Result res;
        if (!admitted(s, c, st, r->tenant.id,
                      "over the upload rate; retry later", &res))
            return res;
        const char *cl = MHD_lookup_connection_value(
            c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        int64_t len;
        if (cl && parse_i64(cl, &len) && len > (int64_t)MM_HUB_BATCH_MAX_BYTES)
            return reply_error(s, c, 413, "batch larger than 8 MiB", NULL,
                               NULL);
        mm_buf_init(&r->body, MM_HUB_BATCH_MAX_BYTES);
        r->authed = true;
        return MHD_YES;
    }
    if (r->is_events) {
        if (*upload_size)
            return take_body(r, upload, upload_size,
                             "batch larger than 8 MiB");
        if (r->status)
            return reply_error(s, c, (unsigned)r->status, r->msg, NULL, NULL);
        return handle_events(s, c, r);
    }
    if (*upload_size) { /* a body sent to a GET endpoint: drop it */
        *upload_size = 0;
        return MHD_YES;
    }
    if (strncmp(url, "/api/v1/blocklist/", 18) == 0 ||
        strcmp(url, "/api/v1/admin/retract") == 0)
        return block_access(s, c, url, method);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply_error(s, c, 405, "use GET", "Allow", "GET");
    if (mm_hub_console_asset_route(url)) /* the web console (console.c) */
        return (enum MHD_Result)mm_hub_console_asset_mhd(c, url);
    if (strcmp(url, "/api/v1/health") == 0) {
        /* 503 when the store cannot take writes (issue 12 §4) */
        pthread_mutex_lock(&s->mu);
        const char *why = NULL;
        bool good = health_ok(s, &why);
        mm_buf hb;
        mm_buf_init(&hb, 4096);
        mm_buf_puts(&hb, good ? "{\"status\":\"ok\""
                              : "{\"status\":\"error\",\"error\":");
        if (!good)
            mm_buf_json_str(&hb, why, strlen(why));
        mm_buf_puts(&hb, "}");
        pthread_mutex_unlock(&s->mu);
        return reply_json(c, good ? 200 : 503, &hb, NULL, NULL);
    }
    if (strcmp(url, "/metrics") == 0) {
        /* metrics name every tenant: for the operator only (issue 12 §6).
         * A request with a token is judged by its scope (metrics or admin;
         * an SME's upload/feed token gets 403 from anywhere); one without
         * a token only from the hub host (a local Prometheus, SSH
         * tunnel). */
        size_t tl;
        mm_tenant mt;
        unsigned st =
            bearer(c, &tl)
                ? authorize(s, c, MM_SCOPE_METRICS | MM_SCOPE_ADMIN, &mt)
            : client_is_loopback(c) ? 200
                                    : 403;
        if (st != 200)
            return reply_denied(s, c, st, 401, 403,
                                "metrics need a token with the metrics or "
                                "admin scope, or a loopback client",
                                NULL, NULL);
        return handle_metrics(s, c);
    }
    int feed = strcmp(url, "/api/v1/feed") == 0        ? 0
               : strcmp(url, "/api/v1/feed.txt") == 0  ? 1
               : strcmp(url, "/api/v1/feed.nft") == 0  ? 2
               : strcmp(url, "/api/v1/feed.stix") == 0 ? 3
                                                       : -1;
    bool inbox = strcmp(url, "/api/v1/inbox") == 0;
    if (feed < 0 && !inbox)
        return reply_error(s, c, 404, "no such endpoint", NULL, NULL);
    mm_tenant t;
    if (inbox && mm_hub_console_session_tenant(s->console, c, t.id,
                                               sizeof t.id)) /* console.c */
        return handle_inbox(s, c, &t);
    unsigned st = authorize(s, c, inbox ? MM_SCOPE_READ : MM_SCOPE_FEED, &t);
    if (st != 200)
        return reply_auth(s, c, st);
    return inbox ? handle_inbox(s, c, &t) : handle_feed(s, c, r, feed);
}

static void completed_cb(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    req *r = *con_cls;
    if (r) {
        gjob_free(r->job); /* answered already (resumed only when done) */
        mm_hub_console_mhd_done(r->console);
        mm_buf_free(&r->body);
        free(r);
        *con_cls = NULL;
    }
}

/* ---- background: webhooks, feed expiry, graph reload -----------------------
 */

static mm_rc collect_due(const mm_warning *w, void *ud)
{
    return mm_vec_push(ud, w);
}

static size_t discard_cb(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

static bool deliver(const mm_warning *w, const char *url, const char *secret)
{
    mm_buf b;
    mm_buf_init(&b, 64 * 1024);
    char t[32];
    mm_time_format(w->created_ms, t, sizeof t);
    mm_buf_printf(&b, "{\"id\":%lld,\"tenant\":", (long long)w->id);
    mm_buf_json_str(&b, w->tenant, strlen(w->tenant));
    mm_buf_printf(&b,
                  ",\"campaign\":\"c-%lld\",\"kind\":\"%s\",\"severity\":%d,"
                  "\"created\":\"%s\",\"text\":{\"ja\":",
                  (long long)w->campaign, w->kind, w->severity, t);
    mm_buf_json_str(&b, w->text_ja, strlen(w->text_ja));
    mm_buf_puts(&b, ",\"en\":");
    mm_buf_json_str(&b, w->text_en, strlen(w->text_en));
    mm_buf_puts(&b, "}}");
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret,
                                strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)b.data, b.len);
    crypto_auth_hmacsha256_final(&st, mac);
    char hdr[128] = "X-Mamori-Signature: sha256=";
    size_t hl = strlen(hdr);
    for (size_t i = 0; i < sizeof mac; i++)
        hl += (size_t)snprintf(hdr + hl, sizeof hdr - hl, "%02x", mac[i]);
    bool ok = false;
    CURL *cu = curl_easy_init();
    if (cu) {
        struct curl_slist *hs = NULL;
        hs = curl_slist_append(hs, "Content-Type: application/json");
        hs = curl_slist_append(hs, hdr);
        hs = curl_slist_append(hs, "Expect:");
        curl_easy_setopt(cu, CURLOPT_URL, url);
        curl_easy_setopt(cu, CURLOPT_HTTPHEADER, hs);
        curl_easy_setopt(cu, CURLOPT_POSTFIELDS, b.data);
        curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE, (long)b.len);
        curl_easy_setopt(cu, CURLOPT_TIMEOUT, 10L);
        curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, discard_cb);
        long code = 0;
        if (curl_easy_perform(cu) == CURLE_OK &&
            curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK)
            ok = code >= 200 && code < 300;
        curl_slist_free_all(hs);
        curl_easy_cleanup(cu);
    }
    mm_buf_free(&b);
    return ok;
}

/* A housekeeping step that failed: logged (ja/en) and counted in
 * /metrics; the next pass tries again. Caller holds mu. */
static void housekeeping_failed(mm_hub_server *s, const char *ja,
                                const char *en, const mm_err *err)
{
    char why[256], msg[512];
    mm_err_format(err, why, sizeof why);
    snprintf(msg, sizeof msg,
             "%sに失敗、次の回に再試行します / %s failed, "
             "retried at the next pass: %s",
             ja, en, why);
    s->housekeeping_failed++;
    if (s->conf.log)
        s->conf.log(s->conf.log_ud, MM_LOG_ERROR, msg);
}

/* Retention: events stored longer than retention_days go, and
 * their bytes leave the tenants' quotas; SCS renewal reminders due are
 * queued. Caller holds mu. */
#define PRUNE_EVERY_MS (10 * 60 * 1000)
static void prune(mm_hub_server *s, int64_t now)
{
    mm_err err;
    mm_rc rc = MM_OK;
    int64_t before = now - (int64_t)s->conf.retention_days * 86400000;
    if (s->st->ops->events_prune_step) /* the lock given back between steps */
        rc = mm_hub__prune_steps(s->st, before, usage_sub, s, &s->mu, &s->stop,
                                 s->conf.log, s->conf.log_ud, &err);
    else if (s->st->ops->events_prune)
        rc = s->st->ops->events_prune(s->st, before, usage_sub, s, &err);
    if (rc != MM_OK)
        housekeeping_failed(s, "保存期間を過ぎたイベントの削除",
                            "retention pruning", &err);
    /* SCS renewal reminders (scs-renew.c): queued at most once each */
    if (s->st->ops->flag_get && s->st->ops->outbox_put &&
        mm_hub_scs_renewal_due(s->st, now, NULL, &err) != MM_OK)
        housekeeping_failed(s, "★更新の案内の作成", "SCS renewal reminders",
                            &err);
}

static void *bg_main(void *arg)
{
    mm_hub_server *s = arg;
    int64_t last_expire = 0, last_reload = 0, last_prune = 0;
    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_nsec += 200 * 1000000L;
        if (dl.tv_nsec >= 1000000000L) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->bg_cv, &s->mu, &dl);
        if (s->stop)
            break;
        int64_t now = mm_now_ms();
        mm_err err;
        if (now - last_expire >= 10000) {
            unsigned n = 0;
            last_expire = now;
            if (mm_hub_expire(s->h, now, &n, &err) != MM_OK)
                housekeeping_failed(s, "期限切れ指標の失効",
                                    "indicator expiry", &err);
        }
        if (now - last_prune >= PRUNE_EVERY_MS) {
            last_prune = now;
            prune(s, now);
        }
        wake_waiters(s, false); /* new changes, or deadlines reached */
        if (s->sst) {           /* the sweep reads new alerts without mu */
            pthread_mutex_unlock(&s->mu);
            mm_hub_console_tick_unlocked(s->console, now);
            pthread_mutex_lock(&s->mu);
            if (s->stop)
                break;
        } else {
            mm_hub_console_tick(s->console,
                                now); /* cases of critical alerts */
        }
        if (now - last_reload >= 5000 ||
            mm_bus_notice_due(s->notice, now - last_reload)) {
            last_reload = now;
            mm_hub_reload(s->h, &err);
            mm_hub_sync(s->h, &err); /* retractions made by the CLI */
            wake_waiters(s, false);  /* long polls hear of it now */
        }
        mm_vec d = {NULL, 0, 0, sizeof(mm_warning)};
        s->st->ops->warning_hooks_due(s->st, now, collect_due, &d, &err);
        for (size_t i = 0; i < d.n && !s->stop; i++) {
            mm_warning *w = (mm_warning *)d.v + i;
            char url[1024], secret[128];
            if (s->st->ops->webhook_get(s->st, w->tenant, url, secret, &err) !=
                MM_OK) {
                s->st->ops->warning_hook_mark(s->st, w->id, 0,
                                              w->hook_attempts, 0, &err);
                continue;
            }
            pthread_mutex_unlock(&s->mu);
            bool ok = deliver(w, url, secret);
            pthread_mutex_lock(&s->mu);
            unsigned att = w->hook_attempts + 1;
            if (ok) {
                s->hooks_ok++;
                s->st->ops->warning_hook_mark(s->st, w->id, 2, att,
                                              mm_now_ms(), &err);
            } else {
                s->hooks_failed++;
                int64_t back = 1000LL
                               << (att < 12 ? att : 12); /* 2 s … ~68 min */
                s->st->ops->warning_hook_mark(s->st, w->id,
                                              att >= HOOK_MAX_ATTEMPTS ? 3 : 1,
                                              att, mm_now_ms() + back, &err);
            }
        }
        free(d.v);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* ---- start and stop
 * ----------------------------------------------------------- */

static bool host_is_loopback(const char *host)
{
    mm_addr a;
    if (mm_addr_parse(host, strlen(host), &a) != MM_OK)
        return false;
    if (a.family == 4)
        return a.bytes[0] == 127;
    static const uint8_t one[16] = {0, 0, 0, 0, 0, 0, 0, 0,
                                    0, 0, 0, 0, 0, 0, 0, 1};
    return memcmp(a.bytes, one, 16) == 0;
}

void mm_hub_server_stop(mm_hub_server *s)
{
    if (!s)
        return;
    if (s->commit_started) {
        /* every queued upload is stored and resumed before the daemon
         * stops (it must not stop with suspended connections) */
        commit_stop(s);
        pthread_join(s->committer, NULL);
        pthread_join(s->syncer, NULL);
        s->commit_started = false;
    }
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    if (s->h)
        wake_waiters(s, true);
    pthread_cond_broadcast(&s->bg_cv);
    pthread_mutex_unlock(&s->mu);
    if (s->d)
        MHD_stop_daemon(s->d);
    if (s->bg_started)
        pthread_join(s->bg, NULL);
    mm_bus_notice_close(s->notice); /* its thread signals bg_cv */
    mm_hub_notifier_stop(s->notifier);
    mm_hub_console_free(s->console);
    mm_hub_free(s->h);
    mm_store_close(s->st);
    if (s->rst)
        mm_store_close(s->rst);
    if (s->sst)
        mm_store_close(s->sst);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->tmu);
    pthread_mutex_destroy(&s->amu);
    pthread_mutex_destroy(&s->qmu);
    pthread_cond_destroy(&s->qcv);
    pthread_cond_destroy(&s->scv);
    pthread_cond_destroy(&s->bg_cv);
    mm_hub_tls_free(s->tls); /* after the daemon: handshakes use it */
    free(s->ts);
    free(s->w);
    free(s);
}

mm_rc mm_hub_server_reload_tls(mm_hub_server *s, mm_err *err)
{
    char msg[900], why[700];
    mm_rc rc =
        s->tls ? mm_hub_tls_reload(s->tls, mm_now_ms(), err)
               : mm_err_set(err, MM_EINVAL, "<tls>", 0,
                            "TLS なしのハブです / this hub runs without TLS");
    if (rc == MM_OK) {
        mm_hub_tls_describe(s->tls, why, sizeof why);
        snprintf(msg, sizeof msg,
                 "証明書を再読み込みしました / certificate reloaded (%s)",
                 why);
    } else {
        mm_err_format(err, why, sizeof why);
        snprintf(msg, sizeof msg,
                 "証明書の再読み込みを拒否、前の証明書を使い続けます / "
                 "certificate reload refused, the old one stays: %s",
                 why);
    }
    if (s->conf.log)
        s->conf.log(s->conf.log_ud, rc == MM_OK ? MM_LOG_INFO : MM_LOG_ERROR,
                    msg);
    return rc;
}

unsigned mm_hub_server_port(const mm_hub_server *s)
{
    return s->port;
}

/* Starts the committer and the syncer (before the daemon: no upload is
 * ever queued without them). */
static mm_rc commit_threads(mm_hub_server *s, mm_err *err)
{
    if (pthread_create(&s->committer, NULL, committer_main, s) != 0)
        return mm_err_set(err, MM_EINTERNAL, "<hub>", 0,
                          "cannot start a thread");
    if (pthread_create(&s->syncer, NULL, syncer_main, s) != 0) {
        commit_stop(s); /* the committer alone */
        pthread_join(s->committer, NULL);
        return mm_err_set(err, MM_EINTERNAL, "<hub>", 0,
                          "cannot start a thread");
    }
    s->commit_started = true;
    return MM_OK;
}

mm_rc mm_hub_server_start(const mm_hub_server_conf *conf, mm_hub_server **out,
                          mm_err *err)
{
    *out = NULL;
    if (!conf->tls && !host_is_loopback(conf->listen_host))
        return mm_err_set(
            err, MM_EINVAL, "<listen>", 0,
            "plain HTTP only on loopback (127.0.0.1 or ::1); use TLS "
            "for %s",
            conf->listen_host);
    if (sodium_init() < 0)
        return mm_err_set(err, MM_EINTERNAL, "<hub>", 0,
                          "libsodium failed to start");
    /* Every batch allocates a few MB (body, decompressed text, decoded
     * events); from fresh mmap'd pages that is a page fault and a page
     * clear per 4 KiB, every batch. Keep such blocks on the heap and the
     * heap untrimmed, so a worker thread's arena reuses them. */
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 128 * 1024 * 1024);
    mm_hub_server *s = calloc(1, sizeof *s);
    if (!s)
        return mm_err_set(err, MM_ENOMEM, "<hub>", 0, "out of memory");
    s->conf = *conf;
    if (s->conf.threads < 4)
        s->conf.threads = 4;
    fit_connections(&s->conf);
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->tmu, NULL);
    pthread_mutex_init(&s->amu, NULL);
    pthread_mutex_init(&s->qmu, NULL);
    pthread_cond_init(&s->qcv, NULL);
    pthread_cond_init(&s->scv, NULL);
    s->qtail = &s->qhead;
    s->stail = &s->shead;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_cond_init(&s->bg_cv, &ca);
    pthread_condattr_destroy(&ca);
    char db[1100];
    snprintf(db, sizeof db, "%s/hub.db", conf->dir);
    mm_rc rc = mm_store_open(conf->store[0] ? conf->store : db, &s->st, err);
    if (rc == MM_OK && conf->bus[0]) /* a front end: docs/scale.md */
        rc = mm_store_attach_bus_parts(s->st, conf->bus, conf->bus_partitions,
                                       err);
    if (rc == MM_OK && conf->bus[0]) { /* without it: the 5 s reload */
        mm_err ne;
        (void)mm_bus_notice_open(conf->bus, &s->bg_cv, &s->notice, &ne);
    }
    if (rc == MM_OK)
        rc = mm_store_background(s->st, err);
    /* a second connection for upload tokens (SQLite; PostgreSQL front
     * ends keep checking them under mu) */
    if (rc == MM_OK && !conf->bus[0] && !mm_store_is_pg(conf->store) &&
        mm_store_open(conf->store[0] ? conf->store : db, &s->rst, err) !=
            MM_OK)
        s->rst = NULL;
    /* and one for the case sweep's reads */
    if (rc == MM_OK && s->rst &&
        mm_store_open(conf->store[0] ? conf->store : db, &s->sst, err) !=
            MM_OK)
        s->sst = NULL;
    if (rc == MM_OK)
        rc = mm_hub_new(s->st, &conf->params, &s->h, err);
    /* the committer correlates what it writes: keys on the other core */
    if (rc == MM_OK && !conf->bus[0])
        rc = mm_hub_set_prekeys(s->h, err);
    if (rc == MM_OK)
        rc = mm_hub_console_new(s->st, &s->mu, &s->conf, &s->console, err);
    if (rc == MM_OK)
        mm_hub_console_sweep_store(s->console, s->sst);
    if (rc == MM_OK)
        rc = commit_threads(s, err);
    for (unsigned i = 0; rc == MM_OK && i < conf->allow_n; i++)
        rc = mm_hub_allow_add(s->h, conf->allow[i], err);
    /* what each tenant stores now (one scan at start), for the quota */
    if (rc == MM_OK && s->st->ops->tenant_usage)
        rc = s->st->ops->tenant_usage(s->st, usage_add, s, err);
    if (rc == MM_OK && conf->tls)
        rc = mm_hub_tls_new(conf->cert_path, conf->key_path, mm_now_ms(),
                            &s->tls, err);
    if (rc != MM_OK) {
        mm_hub_server_stop(s);
        return rc;
    }
    s->last_reload_ms = mm_now_ms();
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    mm_addr a;
    mm_addr_parse(conf->listen_host, strlen(conf->listen_host), &a);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                     MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (a.family == 4) {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)conf->port);
        memcpy(&in->sin_addr, a.bytes, 4);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)conf->port);
        memcpy(&in6->sin6_addr, a.bytes, 16);
        flags |= MHD_USE_IPv6;
    }
    if (conf->tls)
        flags |= MHD_USE_TLS;
    /* the options of both daemons; callbacks stay in the argument lists
     * (an option array would hold them cast to integers) */
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_SOCK_ADDR, 0, &ss},
        {MHD_OPTION_THREAD_POOL_SIZE, s->conf.threads, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, s->conf.idle_timeout, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, s->conf.max_connections, NULL},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->conf.max_connections_per_ip,
         NULL},
        {MHD_OPTION_END, 0, NULL}};
    if (conf->tls)
        s->d = MHD_start_daemon(
            flags, (uint16_t)conf->port, NULL, NULL, access_cb, s,
            MHD_OPTION_ARRAY, opts, MHD_OPTION_NOTIFY_COMPLETED, completed_cb,
            s, MHD_OPTION_NOTIFY_CONNECTION, mm_hub_tls_notify, s->tls,
            MHD_OPTION_HTTPS_CERT_CALLBACK, mm_hub_tls_retrieve,
            MHD_OPTION_HTTPS_PRIORITIES, TLS_PRIORITIES, MHD_OPTION_END);
    else
        s->d = MHD_start_daemon(flags, (uint16_t)conf->port, NULL, NULL,
                                access_cb, s, MHD_OPTION_ARRAY, opts,
                                MHD_OPTION_NOTIFY_COMPLETED, completed_cb, s,
                                MHD_OPTION_END);
    if (!s->d) {
        mm_hub_server_stop(s);
        return mm_err_set(
            err, MM_EIO, "<listen>", 0,
            "cannot listen on %s:%u (in use, or TLS key/cert invalid)",
            conf->listen_host, conf->port);
    }
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : conf->port;
    if (pthread_create(&s->bg, NULL, bg_main, s) != 0) {
        mm_hub_server_stop(s);
        return mm_err_set(err, MM_EINTERNAL, "<hub>", 0,
                          "cannot start a thread");
    }
    s->bg_started = true;
    mm_rc nrc =
        mm_hub_notifier_start(s->st, &s->mu, &conf->mail, &s->notifier, err);
    if (nrc != MM_OK) {
        mm_hub_server_stop(s);
        return nrc;
    }
    *out = s;
    return MM_OK;
}
