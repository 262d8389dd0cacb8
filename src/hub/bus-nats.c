/* SPDX-License-Identifier: Apache-2.0 */
/* bus-nats.c — the NATS JetStream bus between stateless front ends and
 * correlators (docs/scale.md).
 *
 * A front end validates a batch as always, publishes it to the stream
 * MAMORI (subject mamori.batch.<tenant>) with Nats-Msg-Id =
 * <tenant>/<SHA-256 of the batch>, and answers the sensor only after
 * JetStream's publish ack: a retried batch is dropped by JetStream's
 * duplicate window, and after it by the store's idempotence on (tenant,
 * event id). `mamori hub correlate` fetches batches through a durable pull
 * consumer with explicit ack, ingests a fetch as one group (one PostgreSQL
 * transaction), and acks each message only after the commit; on any
 * failure the messages are nak'ed and come back. */
#include "hub-int.h"

#include <nats/nats.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BUS_STREAM "MAMORI"
#define BUS_SUBJECT_PREFIX "mamori.batch."
/* Publish ack wait and connect timeout (ms). */
#define BUS_WAIT_MS 5000
/* Server URLs in one --bus list. */
#define BUS_URLS_MAX 16

struct mm_bus {
    natsConnection *nc;
    jsCtx *js;
    natsSubscription *sub; /* the pull consumer, made on first consume */
};

static mm_rc nats_fail(mm_err *err, natsStatus s, jsErrCode jerr,
                       const char *what)
{
    const char *last = nats_GetLastError(NULL);
    return mm_err_set(err, MM_EIO, "nats", 0, "nats %s: %s%s%s (%d)", what,
                      natsStatus_GetText(s), last ? ": " : "",
                      last ? last : "", (int)jerr);
}

/* Waits (BUS_WAIT_MS at most) until the stream has a leader: a new R3
 * stream elects one after it is created, and a publish before that fails
 * (the sensor would retry, but the first batches need not fail). */
static mm_rc stream_ready(mm_bus *b, mm_err *err)
{
    natsStatus s = NATS_OK;
    jsErrCode jerr = 0;
    for (int i = 0; i < BUS_WAIT_MS / 50; i++) {
        jsStreamInfo *si = NULL;
        s = js_GetStreamInfo(&si, b->js, BUS_STREAM, NULL, &jerr);
        bool led =
            s == NATS_OK &&
            (!si->Cluster || (si->Cluster->Leader && *si->Cluster->Leader));
        jsStreamInfo_Destroy(si);
        if (led)
            return MM_OK;
        nanosleep(&(struct timespec){0, 50000000}, NULL);
    }
    return nats_fail(err, s, jerr, "stream without a leader");
}

/* The stream, with R3 when the bus has three servers or more (the
 * issue's cluster), else R1; kept as it is when it exists. */
static mm_rc ensure_stream(mm_bus *b, int servers, mm_err *err)
{
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    natsStatus s = js_GetStreamInfo(&si, b->js, BUS_STREAM, NULL, &jerr);
    if (s == NATS_OK) {
        jsStreamInfo_Destroy(si);
        return stream_ready(b, err);
    }
    jsStreamConfig sc;
    jsStreamConfig_Init(&sc);
    const char *subj[] = {BUS_SUBJECT_PREFIX ">"};
    sc.Name = BUS_STREAM;
    sc.Subjects = subj;
    sc.SubjectsLen = 1;
    sc.Storage = js_FileStorage;
    sc.Replicas = servers >= 3 ? 3 : 1;
    sc.Duplicates = (int64_t)120 * 1000000000; /* 2 min, in ns */
    s = js_AddStream(&si, b->js, &sc, NULL, &jerr);
    if (s != NATS_OK && jerr != JSStreamNameExistErr)
        return nats_fail(err, s, jerr, "create stream");
    jsStreamInfo_Destroy(si);
    return stream_ready(b, err);
}

mm_rc mm_bus_open(const char *urls, mm_bus **out, mm_err *err)
{
    *out = NULL;
    char copy[2048];
    if (strlen(urls) >= sizeof copy)
        return mm_err_set(err, MM_EINVAL, "<bus>", 0, "bus URL list too long");
    snprintf(copy, sizeof copy, "%s", urls);
    const char *srv[BUS_URLS_MAX];
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t && n < BUS_URLS_MAX;
         t = strtok_r(NULL, ",", &save))
        if (strncmp(t, "nats://", 7) == 0)
            srv[n++] = t;
    if (n == 0)
        return mm_err_set(err, MM_EINVAL, "<bus>", 0,
                          "the bus is nats://HOST:PORT[,nats://…]");
    mm_bus *b = calloc(1, sizeof *b);
    if (!b)
        return mm_err_set(err, MM_ENOMEM, "<bus>", 0, "out of memory");
    natsOptions *o = NULL;
    natsStatus s = natsOptions_Create(&o);
    if (s == NATS_OK)
        s = natsOptions_SetServers(o, srv, n);
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(o, BUS_WAIT_MS);
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(o, -1); /* forever: nodes restart */
    if (s == NATS_OK)
        s = natsOptions_SetReconnectWait(o, 100);
    if (s == NATS_OK)
        s = natsConnection_Connect(&b->nc, o);
    natsOptions_Destroy(o);
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = BUS_WAIT_MS;
    if (s == NATS_OK)
        s = natsConnection_JetStream(&b->js, b->nc, &jo);
    mm_rc rc = s == NATS_OK ? ensure_stream(b, n, err)
                            : nats_fail(err, s, 0, "connect");
    if (rc != MM_OK) {
        mm_bus_close(b);
        return rc;
    }
    *out = b;
    return MM_OK;
}

void mm_bus_close(mm_bus *b)
{
    if (!b)
        return;
    natsSubscription_Destroy(b->sub);
    jsCtx_Destroy(b->js);
    natsConnection_Destroy(b->nc);
    free(b);
}

mm_rc mm_bus_publish(mm_bus *b, const char *tenant, const char *data,
                     size_t len, bool *dup, mm_err *err)
{
    char subj[sizeof BUS_SUBJECT_PREFIX + MM_HUB_ID_MAX];
    char id[MM_HUB_ID_MAX + 1 + 65];
    char hash[65];
    snprintf(subj, sizeof subj, BUS_SUBJECT_PREFIX "%s", tenant);
    mm_hub_token_hash(data, len, hash, sizeof hash);
    snprintf(id, sizeof id, "%s/%s", tenant, hash);
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MsgId = id;
    po.MaxWait = BUS_WAIT_MS;
    jsPubAck *ack = NULL;
    jsErrCode jerr = 0;
    natsStatus s = js_Publish(&ack, b->js, subj, data, (int)len, &po, &jerr);
    if (s != NATS_OK)
        return nats_fail(err, s, jerr, "publish");
    *dup = ack && ack->Duplicate;
    jsPubAck_Destroy(ack);
    return MM_OK;
}

/* The durable pull consumer, bound on first use: explicit ack, 30 s to
 * ack before a redelivery. */
static mm_rc pull_sub(mm_bus *b, const char *durable, mm_err *err)
{
    if (b->sub)
        return MM_OK;
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = BUS_STREAM;
    so.Config.AckPolicy = js_AckExplicit;
    so.Config.AckWait = (int64_t)30 * 1000000000;
    so.Config.MaxAckPending = 10000;
    jsErrCode jerr = 0;
    natsStatus s = js_PullSubscribe(&b->sub, b->js, BUS_SUBJECT_PREFIX ">",
                                    durable, NULL, &so, &jerr);
    return s == NATS_OK ? MM_OK : nats_fail(err, s, jerr, "pull subscribe");
}

mm_rc mm_bus_consume(mm_bus *b, const char *durable, size_t max,
                     int timeout_ms, mm_bus_batch_fn fn, void *ud, size_t *n,
                     mm_err *err)
{
    *n = 0;
    mm_rc rc = pull_sub(b, durable, err);
    if (rc != MM_OK)
        return rc;
    natsMsgList l = {0};
    jsErrCode jerr = 0;
    natsStatus s =
        natsSubscription_Fetch(&l, b->sub, (int)max, timeout_ms, &jerr);
    if (s == NATS_TIMEOUT)
        return MM_OK;
    if (s != NATS_OK)
        return nats_fail(err, s, jerr, "fetch");
    size_t k = (size_t)l.Count;
    const char **tenant = calloc(k ? k : 1, sizeof *tenant);
    const char **data = calloc(k ? k : 1, sizeof *data);
    size_t *len = calloc(k ? k : 1, sizeof *len);
    if (!tenant || !data || !len) {
        rc = mm_err_set(err, MM_ENOMEM, "<bus>", 0, "out of memory");
    } else {
        for (size_t i = 0; i < k; i++) {
            const char *subj = natsMsg_GetSubject(l.Msgs[i]);
            size_t pl = sizeof BUS_SUBJECT_PREFIX - 1;
            tenant[i] =
                strncmp(subj, BUS_SUBJECT_PREFIX, pl) == 0 ? subj + pl : "";
            data[i] = natsMsg_GetData(l.Msgs[i]);
            len[i] = (size_t)natsMsg_GetDataLength(l.Msgs[i]);
        }
        rc = fn(tenant, data, len, k, ud, err);
    }
    /* acked only once the group is committed; else all come back */
    for (size_t i = 0; i < k; i++) {
        if (rc == MM_OK) {
            s = natsMsg_AckSync(l.Msgs[i], NULL, &jerr);
            if (s != NATS_OK)
                rc = nats_fail(err, s, jerr, "ack");
        } else {
            natsMsg_Nak(l.Msgs[i], NULL);
        }
    }
    if (rc == MM_OK)
        *n = k;
    free(tenant);
    free(data);
    free(len);
    natsMsgList_Destroy(&l);
    return rc;
}

/* ---- the correlator (mamori hub correlate) ------------------------------ */

typedef struct corr {
    mm_hub *h;
    mm_hub_correlate_stats *st;
} corr;

/* One fetch: each message decoded and ingested as one group. A message
 * that does not decode (cannot come from a front end, which validated
 * it) or names an unknown tenant is counted and left out, so it cannot
 * block the stream. */
static mm_rc ingest_fetch(const char *const *tenant, const char *const *data,
                          const size_t *len, size_t n, void *ud, mm_err *err)
{
    corr *c = ud;
    mm_hub_batch *b = calloc(n ? n : 1, sizeof *b);
    mm_hub_ingest_job *jobs = calloc(n ? n : 1, sizeof *jobs);
    if (!b || !jobs) {
        free(b);
        free(jobs);
        return mm_err_set(err, MM_ENOMEM, "<bus>", 0, "out of memory");
    }
    size_t m = 0;
    bool reloaded = false;
    for (size_t i = 0; i < n; i++) {
        mm_err e;
        const mm_tenant *t = mm_hub_tenant_by_id(c->h, tenant[i]);
        if (!t && !reloaded) { /* added since the correlator started */
            reloaded = true;
            if (mm_hub_reload(c->h, &e) == MM_OK)
                t = mm_hub_tenant_by_id(c->h, tenant[i]);
        }
        if (!t ||
            mm_hub_batch_decode(data[i], len[i], false, &b[m], &e) != MM_OK) {
            c->st->dropped++;
            continue;
        }
        jobs[m].tenant = t;
        jobs[m].batch = &b[m];
        m++;
    }
    mm_rc rc =
        m ? mm_hub_ingest_group(c->h, jobs, m, mm_now_ms(), err) : MM_OK;
    for (size_t i = 0; i < m; i++) {
        if (rc == MM_OK) {
            c->st->batches++;
            c->st->events += jobs[i].res.accepted;
            c->st->duplicates += jobs[i].res.duplicates;
            c->st->campaigns += jobs[i].res.campaigns_opened;
            c->st->warnings += jobs[i].res.warnings;
        }
        mm_hub_batch_free(&b[i]);
    }
    free(b);
    free(jobs);
    return rc;
}

mm_rc mm_hub_correlate_run(const char *store_uri, const char *bus_urls,
                           const mm_hub_params *p, size_t group,
                           const sigset_t *stop, mm_hub_correlate_stats *st,
                           mm_err *err)
{
    memset(st, 0, sizeof *st);
    mm_store *s = NULL;
    mm_bus *bus = NULL;
    mm_hub *h = NULL;
    mm_rc rc = mm_store_open(store_uri, &s, err);
    if (rc == MM_OK)
        rc = mm_bus_open(bus_urls, &bus, err);
    if (rc == MM_OK)
        rc = mm_hub_new(s, p, &h, err);
    corr c = {h, st};
    struct timespec zero = {0, 0};
    while (rc == MM_OK && sigtimedwait(stop, NULL, &zero) < 0) {
        size_t n = 0;
        mm_err e;
        if (mm_bus_consume(bus, "correlate", group ? group : 1, 500,
                           ingest_fetch, &c, &n, &e) != MM_OK) {
            /* the store or the bus is away: the batches come back */
            st->failures++;
            snprintf(st->last_error, sizeof st->last_error, "%s", e.msg);
            nanosleep(&(struct timespec){0, 200000000}, NULL);
        }
    }
    mm_hub_free(h);
    mm_bus_close(bus);
    mm_store_close(s);
    return rc;
}
