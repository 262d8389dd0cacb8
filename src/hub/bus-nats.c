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
#include "bus-int.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BUS_STREAM "MAMORI"
#define BUS_SUBJECT_PREFIX "mamori.batch."
/* Partitioned: mamori.part.<p>.<tenant> (docs/scale.md). */
#define BUS_PART_PREFIX "mamori.part."
/* A forwarded batch's hop (hop.c): "<start>" or "<start>a". */
#define BUS_HOP_HEADER "Mamori-Hop"
/* Ack wait of a partition's consumer: a batch a dead correlator fetched
 * comes back to the partition's next owner after this (ns). */
#define BUS_PART_ACK_WAIT ((int64_t)5 * 1000000000)
/* Publish ack wait and connect timeout (ms). */
#define BUS_WAIT_MS 5000
/* how long a starting process waits for the stream (a leader election) */
#define BUS_START_WAIT_MS 30000

struct mm_bus {
    natsConnection *nc;
    jsCtx *js;
    natsSubscription *sub; /* the pull consumer, made on first consume */
    uint32_t parts;        /* a front end's partitions (0, 1: none) */
    natsSubscription *psub[MM_HUB_PARTS_MAX]; /* a correlator's, by part */
};

static mm_rc nats_fail(mm_err *err, natsStatus s, jsErrCode jerr,
                       const char *what)
{
    const char *last = nats_GetLastError(NULL);
    return mm_err_set(err, MM_EIO, "nats", 0, "nats %s: %s%s%s (%d)", what,
                      natsStatus_GetText(s), last ? ": " : "",
                      last ? last : "", (int)jerr);
}

/* Waits (until `until`, mm_now_ms) for the stream's leader: a new R3
 * stream elects one after it is created, and a cluster that just lost a
 * node elects another; a publish before that fails (the sensor would retry,
 * but the first batches need not fail). */
static mm_rc stream_ready(mm_bus *b, int64_t until, mm_err *err)
{
    natsStatus s = NATS_OK;
    jsErrCode jerr = 0;
    for (;;) {
        jsStreamInfo *si = NULL;
        s = js_GetStreamInfo(&si, b->js, BUS_STREAM, NULL, &jerr);
        bool led =
            s == NATS_OK &&
            (!si->Cluster || (si->Cluster->Leader && *si->Cluster->Leader));
        jsStreamInfo_Destroy(si);
        if (led)
            return MM_OK;
        if (mm_now_ms() >= until)
            return nats_fail(err, s, jerr, "stream without a leader");
        nanosleep(&(struct timespec){0, 50000000}, NULL);
    }
}

/* A stream made before partitions gets their subjects added (one stream:
 * one duplicate window, one replication, one set of nodes to run). */
static mm_rc stream_add_parts(mm_bus *b, jsStreamInfo *si, mm_err *err)
{
    jsStreamConfig *c = si->Config;
    for (int i = 0; i < c->SubjectsLen; i++)
        if (strcmp(c->Subjects[i], BUS_PART_PREFIX ">") == 0)
            return MM_OK;
    const char *subj[8];
    if (c->SubjectsLen >= 8)
        return MM_OK; /* not ours to rewrite */
    for (int i = 0; i < c->SubjectsLen; i++)
        subj[i] = c->Subjects[i];
    subj[c->SubjectsLen] = BUS_PART_PREFIX ">";
    const char **keep = c->Subjects;
    int keepn = c->SubjectsLen;
    c->Subjects = subj;
    c->SubjectsLen = keepn + 1;
    jsStreamInfo *nsi = NULL;
    jsErrCode jerr = 0;
    natsStatus s = js_UpdateStream(&nsi, b->js, c, NULL, &jerr);
    c->Subjects = keep;
    c->SubjectsLen = keepn;
    jsStreamInfo_Destroy(nsi);
    return s == NATS_OK ? MM_OK : nats_fail(err, s, jerr, "update stream");
}

/* Creates the stream, with R3 when the bus has three servers or more (the
 * issue's cluster), else R1. */
static natsStatus stream_create(mm_bus *b, int servers, jsErrCode *jerr)
{
    jsStreamConfig sc;
    jsStreamConfig_Init(&sc);
    const char *subj[] = {BUS_SUBJECT_PREFIX ">", BUS_PART_PREFIX ">"};
    sc.Name = BUS_STREAM;
    sc.Subjects = subj;
    sc.SubjectsLen = 2;
    sc.Storage = js_FileStorage;
    sc.Replicas = servers >= 3 ? 3 : 1;
    sc.Duplicates = (int64_t)120 * 1000000000; /* 2 min, in ns */
    /* A batch leaves the stream once a correlator has acked it (each
     * consumer filters its own subjects, which never overlap); with the
     * default limits policy the stream would keep every batch until the
     * disk is full. While no correlator runs, batches stay: nothing
     * acknowledged to a sensor is dropped for age or size. */
    sc.Retention = js_WorkQueuePolicy;
    jsStreamInfo *si = NULL;
    natsStatus s = js_AddStream(&si, b->js, &sc, NULL, jerr);
    jsStreamInfo_Destroy(si);
    return s;
}

/* The stream, kept as it is when it exists. A cluster that just lost a node
 * answers nothing about the stream while it elects a leader: that is waited
 * out (BUS_START_WAIT_MS), and the stream is created only when NATS says it
 * does not exist — a process (re)started then must not fail. */
static mm_rc ensure_stream(mm_bus *b, int servers, mm_err *err)
{
    int64_t until = mm_now_ms() + BUS_START_WAIT_MS;
    for (;;) {
        jsStreamInfo *si = NULL;
        jsErrCode jerr = 0;
        natsStatus s = js_GetStreamInfo(&si, b->js, BUS_STREAM, NULL, &jerr);
        if (s == NATS_OK) {
            mm_rc rc = stream_add_parts(b, si, err);
            jsStreamInfo_Destroy(si);
            return rc == MM_OK ? stream_ready(b, until, err) : rc;
        }
        if (jerr == JSStreamNotFoundErr) {
            s = stream_create(b, servers, &jerr);
            if (s == NATS_OK || jerr == JSStreamNameExistErr)
                return stream_ready(b, until, err);
        }
        if (mm_now_ms() >= until)
            return nats_fail(err, s, jerr, "stream");
        nanosleep(&(struct timespec){0, 100000000}, NULL);
    }
}

mm_rc mm_bus_open(const char *urls, mm_bus **out, mm_err *err)
{
    *out = NULL;
    mm_bus *b = calloc(1, sizeof *b);
    if (!b)
        return mm_err_set(err, MM_ENOMEM, "<bus>", 0, "out of memory");
    int n = 0;
    mm_rc rc = mm_bus__connect(urls, BUS_WAIT_MS, &b->nc, &n, err);
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = BUS_WAIT_MS;
    natsStatus s =
        rc == MM_OK ? natsConnection_JetStream(&b->js, b->nc, &jo) : NATS_OK;
    if (rc == MM_OK)
        rc = s == NATS_OK ? ensure_stream(b, n, err)
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
    for (unsigned p = 0; p < MM_HUB_PARTS_MAX; p++)
        natsSubscription_Destroy(b->psub[p]);
    jsCtx_Destroy(b->js);
    natsConnection_Destroy(b->nc);
    free(b);
}

/* Publishes `data` to `subj` with Nats-Msg-Id `id` (and the hop header
 * when `hop` is not NULL); returns once JetStream acknowledged it (*dup: it
 * had it already). */
static mm_rc publish_one(mm_bus *b, const char *subj, const char *id,
                         const char *hop, const char *data, size_t len,
                         bool *dup, mm_err *err)
{
    natsMsg *m = NULL;
    natsStatus s = natsMsg_Create(&m, subj, NULL, data, (int)len);
    if (s == NATS_OK && hop)
        s = natsMsgHeader_Set(m, BUS_HOP_HEADER, hop);
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MsgId = id;
    po.MaxWait = BUS_WAIT_MS;
    jsPubAck *ack = NULL;
    jsErrCode jerr = 0;
    if (s == NATS_OK)
        s = js_PublishMsg(&ack, b->js, m, &po, &jerr);
    natsMsg_Destroy(m);
    if (s != NATS_OK)
        return nats_fail(err, s, jerr, "publish");
    *dup = ack && ack->Duplicate;
    jsPubAck_Destroy(ack);
    return MM_OK;
}

mm_rc mm_bus_publish_hop(mm_bus *b, const char *subj, const char *id,
                         const char *hop, const char *data, size_t len,
                         bool *dup, mm_err *err)
{
    return publish_one(b, subj, id, hop, data, len, dup, err);
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
    return publish_one(b, subj, id, NULL, data, len, dup, err);
}

void mm_bus_set_parts(mm_bus *b, uint32_t parts)
{
    b->parts = parts;
}

uint32_t mm_bus_parts(const mm_bus *b)
{
    return b ? b->parts : 0;
}

/* The lines of the events whose bit p is set in mask[], one per line. */
static mm_rc part_lines(const mm_hub_event *ev, const uint64_t *mask, size_t n,
                        unsigned p, mm_buf *out)
{
    mm_rc rc = MM_OK;
    for (size_t i = 0; i < n && rc == MM_OK; i++)
        if (mask[i] >> p & 1) {
            rc = mm_buf_append(out, ev[i].json, ev[i].json_len);
            if (rc == MM_OK)
                rc = mm_buf_append(out, "\n", 1);
        }
    return rc;
}

/* Each event's partition: its first key's (the hop chain brings it to the
 * others), or for an event without a key one chosen by (tenant, event
 * id), so it is stored all the same. */
static uint64_t *event_masks(const char *tenant, const mm_hub_event *ev,
                             size_t n, uint32_t parts, uint64_t *used)
{
    uint64_t *mask = malloc((n ? n : 1) * sizeof *mask);
    *used = 0;
    for (size_t i = 0; mask && i < n; i++) {
        mask[i] = (uint64_t)1
                  << mm_hub_event_first_partition(&ev[i], tenant, parts);
        *used |= mask[i];
    }
    return mask;
}

mm_rc mm_bus_publish_events(mm_bus *b, const char *tenant,
                            const mm_hub_event *ev, size_t n, bool *dup,
                            mm_err *err)
{
    mm_buf all;
    mm_buf_init(&all, (size_t)1 << 30);
    uint64_t used = 0;
    uint64_t *mask = event_masks(tenant, ev, n, b->parts, &used);
    mm_rc rc = mask ? MM_OK : MM_ENOMEM;
    for (size_t i = 0; i < n && rc == MM_OK; i++) {
        rc = mm_buf_append(&all, ev[i].json, ev[i].json_len);
        if (rc == MM_OK)
            rc = mm_buf_append(&all, "\n", 1);
    }
    char hash[65];
    if (rc == MM_OK)
        mm_hub_token_hash(all.data, all.len, hash, sizeof hash);
    else
        rc = mm_err_set(err, MM_ENOMEM, "<bus>", 0, "out of memory");
    /* every partition's publish acknowledged before the sensor is: a
     * failed one fails the batch, and the resend's partitions published
     * already are dropped by JetStream as duplicates (same id) */
    bool seen = true;
    for (unsigned p = 0; rc == MM_OK && p < b->parts; p++) {
        if (!(used >> p & 1))
            continue;
        mm_buf pb;
        mm_buf_init(&pb, (size_t)1 << 30);
        char subj[sizeof BUS_PART_PREFIX + 8 + MM_HUB_ID_MAX];
        char id[MM_HUB_ID_MAX + 1 + 65 + 8];
        snprintf(subj, sizeof subj, BUS_PART_PREFIX "%u.%s", p, tenant);
        snprintf(id, sizeof id, "%s/%s/%u", tenant, hash, p);
        bool d = false;
        rc = part_lines(ev, mask, n, p, &pb) == MM_OK
                 ? publish_one(b, subj, id, NULL, pb.data, pb.len, &d, err)
                 : mm_err_set(err, MM_ENOMEM, "<bus>", 0, "out of memory");
        seen = seen && d;
        mm_buf_free(&pb);
    }
    for (size_t i = 0; i < n; i++)
        dup[i] = rc == MM_OK && seen;
    free(mask);
    mm_buf_free(&all);
    return rc;
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

/* The tenant in a batch's subject: mamori.batch.<tenant> or
 * mamori.part.<p>.<tenant>. */
static const char *subject_tenant(const char *subj)
{
    size_t pl = sizeof BUS_SUBJECT_PREFIX - 1;
    if (strncmp(subj, BUS_SUBJECT_PREFIX, pl) == 0)
        return subj + pl;
    pl = sizeof BUS_PART_PREFIX - 1;
    if (strncmp(subj, BUS_PART_PREFIX, pl) != 0)
        return "";
    const char *t = strchr(subj + pl, '.');
    return t ? t + 1 : "";
}

static mm_rc consume_sub(natsSubscription *sub, size_t max, int timeout_ms,
                         mm_bus_batch_fn fn, void *ud, const char ***hops,
                         size_t *n, mm_err *err);

mm_rc mm_bus_consume(mm_bus *b, const char *durable, size_t max,
                     int timeout_ms, mm_bus_batch_fn fn, void *ud, size_t *n,
                     mm_err *err)
{
    *n = 0;
    mm_rc rc = pull_sub(b, durable, err);
    if (rc != MM_OK)
        return rc;
    return consume_sub(b->sub, max, timeout_ms, fn, ud, NULL, n, err);
}

/* One fetch of up to `max` batches from `sub`, handed to fn together;
 * each acked once fn returned MM_OK, all nak'ed otherwise. With `hops`,
 * *hops is each message's Mamori-Hop header (NULL: none) while fn runs. */
static mm_rc consume_sub(natsSubscription *sub, size_t max, int timeout_ms,
                         mm_bus_batch_fn fn, void *ud, const char ***hops,
                         size_t *n, mm_err *err)
{
    *n = 0;
    mm_rc rc = MM_OK;
    natsMsgList l = {0};
    jsErrCode jerr = 0;
    natsStatus s =
        natsSubscription_Fetch(&l, sub, (int)max, timeout_ms, &jerr);
    if (s == NATS_TIMEOUT)
        return MM_OK;
    if (s != NATS_OK)
        return nats_fail(err, s, jerr, "fetch");
    size_t k = (size_t)l.Count;
    const char **tenant = calloc(k ? k : 1, sizeof *tenant);
    const char **data = calloc(k ? k : 1, sizeof *data);
    size_t *len = calloc(k ? k : 1, sizeof *len);
    const char **hop = calloc(k ? k : 1, sizeof *hop);
    if (!tenant || !data || !len || !hop) {
        rc = mm_err_set(err, MM_ENOMEM, "<bus>", 0, "out of memory");
    } else {
        for (size_t i = 0; i < k; i++) {
            tenant[i] = subject_tenant(natsMsg_GetSubject(l.Msgs[i]));
            data[i] = natsMsg_GetData(l.Msgs[i]);
            len[i] = (size_t)natsMsg_GetDataLength(l.Msgs[i]);
            if (natsMsgHeader_Get(l.Msgs[i], BUS_HOP_HEADER, &hop[i]) !=
                NATS_OK)
                hop[i] = NULL;
        }
        if (hops)
            *hops = hop;
        rc = fn(tenant, data, len, k, ud, err);
        if (hops)
            *hops = NULL;
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
    free(hop);
    natsMsgList_Destroy(&l);
    return rc;
}

/* ---- the correlator (mamori hub correlate) ------------------------------ */

typedef struct corr {
    mm_hub *h;
    mm_hub_correlate_stats *st;
    uint32_t part;     /* 1 + the partition fetched from; 0 = none */
    const char **hops; /* the fetched messages' hop headers (NULL: none) */
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
        mm_hub_hop hop;
        if (!t || !mm_hub_hop_parse(c->hops ? c->hops[i] : NULL, &hop) ||
            mm_hub_batch_decode(data[i], len[i], false, &b[m], &e) != MM_OK) {
            c->st->dropped++;
            continue;
        }
        jobs[m].tenant = t;
        jobs[m].batch = &b[m];
        jobs[m].bus_part = c->part;
        jobs[m].hop_start = hop.start;
        jobs[m].hop_acted = hop.acted;
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
            c->st->indicators += jobs[i].res.indicators;
        }
        mm_hub_batch_free(&b[i]);
        free(jobs[i].fwd);
    }
    free(b);
    free(jobs);
    return rc;
}

/* The notice a correlator sends after a commit that changed what front
 * ends serve, so they reload at once (bus-notice.c). Best effort: without
 * it (NULL) front ends still reload every 5 s. */
static mm_bus_notice *correlator_notice(const char *bus_urls)
{
    mm_bus_notice *note = NULL;
    mm_err ne;
    (void)mm_bus_notice_open(bus_urls, NULL, &note, &ne);
    return note;
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
    corr c = {h, st, 0, NULL};
    struct timespec zero = {0, 0};
    mm_bus_notice *note = rc == MM_OK ? correlator_notice(bus_urls) : NULL;
    uint64_t mark = 0;
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
        mm_bus_notice_after(note, st, &mark);
    }
    mm_bus_notice_close(note);
    mm_hub_free(h);
    mm_bus_close(bus);
    mm_store_close(s);
    return rc;
}

/* ---- partitioned correlators (mamori hub correlate --partitions N) ------
 *
 * Each correlator holds a slot lock (namespace 1) while it lives; the
 * slots held tell how many correlators share the partitions and which
 * rank this one has. About every second it gives back the partitions
 * above its fair share (ceil(N / correlators), those of other ranks
 * first) and claims free ones (its rank's first: p % correlators ==
 * rank). The locks are session locks on the store's own connection:
 * when a correlator dies, or its database session does, its partitions
 * are free at once, and a correlator whose session was lost fails the
 * event_parts fence before it writes anything for a partition it lost. */

typedef struct owner {
    mm_store *st;
    mm_bus *bus;
    mm_hub *h;
    mm_hub_params p;
    uint64_t owned; /* the partitions h was built for */
    mm_log_fn log;
    void *log_ud;
    mm_hub_hop_out fw; /* the hop chain's forwards (hop.c) */
} owner;

static unsigned bits(uint64_t v)
{
    return (unsigned)__builtin_popcountll(v);
}

/* This correlator's slot: kept, or the lowest free one taken. */
static mm_rc claim_slot(mm_store *st, uint64_t *mine, uint64_t *all,
                        mm_err *err)
{
    mm_rc rc = st->ops->part_locks(st, 1, mine, all, err);
    for (unsigned i = 0; rc == MM_OK && !*mine && i < MM_HUB_PARTS_MAX; i++) {
        bool got = false;
        if (*all >> i & 1)
            continue;
        rc = st->ops->part_lock(st, 1, i, true, &got, err);
        if (rc == MM_OK && got) {
            *mine = (uint64_t)1 << i;
            *all |= *mine;
        }
    }
    if (rc == MM_OK && !*mine)
        rc = mm_err_set(err, MM_ELIMIT, "<bus>", 0, "more than %u correlators",
                        MM_HUB_PARTS_MAX);
    return rc;
}

/* One look at the locks: *want = the partitions held after giving back
 * those above the fair share and claiming free ones. */
static mm_rc claim_tick(owner *o, uint64_t *want, mm_err *err)
{
    const mm_store_ops *ops = o->st->ops;
    uint64_t mine = 0, all = 0, pm = 0, pall = 0;
    mm_rc rc = claim_slot(o->st, &mine, &all, err);
    if (rc == MM_OK)
        rc = ops->part_locks(o->st, 0, &pm, &pall, err);
    if (rc != MM_OK)
        return rc;
    if (o->owned & ~pm) /* lost with a database session: rebuild */
        o->owned = 0;
    unsigned live = bits(all), rank = bits(all & (mine - 1));
    uint32_t n = o->p.part_n;
    unsigned share = (n + live - 1) / live;
    bool got;
    /* pass 0: other ranks' partitions, pass 1: any */
    for (int pass = 0; rc == MM_OK && pass < 2; pass++)
        for (unsigned p = n; rc == MM_OK && p-- > 0 && bits(pm) > share;)
            if ((pm >> p & 1) && (pass || p % live != rank)) {
                rc = ops->part_lock(o->st, 0, p, false, &got, err);
                pm &= ~((uint64_t)1 << p);
            }
    for (int pass = 0; rc == MM_OK && pass < 2; pass++)
        for (unsigned p = 0; rc == MM_OK && p < n && bits(pm) < share; p++)
            if (!(pall >> p & 1) && !(pm >> p & 1) &&
                (pass || p % live == rank)) {
                rc = ops->part_lock(o->st, 0, p, true, &got, err);
                if (rc == MM_OK && got)
                    pm |= (uint64_t)1 << p;
            }
    *want = pm;
    return rc;
}

static void own_log(const owner *o, uint64_t want)
{
    if (!o->log)
        return;
    char list[MM_HUB_PARTS_MAX * 3 + 8] = "";
    size_t l = 0;
    for (unsigned p = 0; p < o->p.part_n; p++)
        if (want >> p & 1)
            l += (size_t)snprintf(list + l, sizeof list - l, "%s%u",
                                  l ? "," : "", p);
    char msg[512];
    snprintf(msg, sizeof msg,
             "担当パーティション: %s（全 %u、%u 個）/ partitions owned: %s "
             "(of %u, %u)",
             l ? list : "なし", o->p.part_n, bits(want), l ? list : "none",
             o->p.part_n, bits(want));
    o->log(o->log_ud, MM_LOG_INFO, msg);
}

/* Makes `want` the owned set: the engine is rebuilt for it from the store
 * (the window of every newly owned partition), the consumers of the
 * partitions given back are let go. */
static mm_rc own(owner *o, uint64_t want, mm_err *err)
{
    if (want == o->owned && o->h)
        return MM_OK;
    for (unsigned p = 0; p < MM_HUB_PARTS_MAX; p++)
        if (!(want >> p & 1) && o->bus->psub[p]) {
            natsSubscription_Destroy(o->bus->psub[p]);
            o->bus->psub[p] = NULL;
        }
    mm_hub_free(o->h);
    o->h = NULL;
    o->p.part_owned = want;
    own_log(o, want);
    mm_rc rc = mm_hub_new(o->st, &o->p, &o->h, err);
    o->owned = rc == MM_OK ? want : 0;
    if (rc == MM_OK)
        mm_hub_set_precommit(o->h, mm_hub_hop_forward, &o->fw);
    return rc;
}

/* Partition p's durable pull consumer correlate-p<p>, bound on first use:
 * explicit ack, BUS_PART_ACK_WAIT before a redelivery. */
static mm_rc part_sub(mm_bus *b, unsigned p, mm_err *err)
{
    if (b->psub[p])
        return MM_OK;
    char subj[32], durable[32];
    snprintf(subj, sizeof subj, BUS_PART_PREFIX "%u.>", p);
    snprintf(durable, sizeof durable, "correlate-p%u", p);
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = BUS_STREAM;
    so.Config.AckPolicy = js_AckExplicit;
    so.Config.AckWait = BUS_PART_ACK_WAIT;
    so.Config.MaxAckPending = 10000;
    jsErrCode jerr = 0;
    natsStatus s =
        js_PullSubscribe(&b->psub[p], b->js, subj, durable, NULL, &so, &jerr);
    return s == NATS_OK ? MM_OK : nats_fail(err, s, jerr, "pull subscribe");
}

static void failed(mm_hub_correlate_stats *st, const mm_err *e)
{
    st->failures++;
    snprintf(st->last_error, sizeof st->last_error, "%s", e->msg);
}

/* One round over the owned partitions: a fetch from each, ingested as
 * one group. A fetch waits 5 ms while batches come, up to 200 ms in all
 * for a round when the last one found none. *got = batches of the round.
 * MM_OK, or the first failure (the batches come back). */
static mm_rc consume_round(owner *o, size_t group, bool idle, size_t *got,
                           mm_hub_correlate_stats *st, mm_err *err)
{
    unsigned nown = bits(o->owned);
    int wait_ms = idle && nown ? 200 / (int)nown : 5;
    *got = 0;
    for (unsigned p = 0; p < o->p.part_n; p++) {
        if (!(o->owned >> p & 1))
            continue;
        corr c = {o->h, st, p + 1, NULL};
        size_t n = 0;
        mm_rc rc = part_sub(o->bus, p, err);
        if (rc == MM_OK)
            rc = consume_sub(o->bus->psub[p], group, wait_ms < 5 ? 5 : wait_ms,
                             ingest_fetch, &c, &c.hops, &n, err);
        st->forwards = o->fw.forwards;
        st->forward_events = o->fw.events;
        if (rc != MM_OK)
            return rc;
        *got += n;
    }
    return MM_OK;
}

mm_rc mm_hub_correlate_run_parts(const char *store_uri, const char *bus_urls,
                                 const mm_hub_params *p, size_t group,
                                 const sigset_t *stop, mm_log_fn log,
                                 void *log_ud, mm_hub_correlate_stats *st,
                                 mm_err *err)
{
    memset(st, 0, sizeof *st);
    if (p->part_n < 2 || p->part_n > MM_HUB_PARTS_MAX)
        return mm_err_set(err, MM_EINVAL, "<bus>", 0,
                          "--partitions は 2〜%u / --partitions must be "
                          "2..%u",
                          MM_HUB_PARTS_MAX, MM_HUB_PARTS_MAX);
    owner o = {0};
    o.p = *p;
    o.log = log;
    o.log_ud = log_ud;
    mm_rc rc = mm_store_open(store_uri, &o.st, err);
    if (rc == MM_OK && !o.st->ops->part_locks)
        rc = mm_err_set(err, MM_EINVAL, "<bus>", 0,
                        "partitioned correlators need a PostgreSQL store");
    if (rc == MM_OK)
        rc = mm_bus_open(bus_urls, &o.bus, err);
    o.fw.bus = o.bus;
    int64_t next_tick = 0;
    bool idle = true;
    struct timespec zero = {0, 0};
    mm_hub__corr_health hl = {0};
    mm_bus_notice *note = rc == MM_OK ? correlator_notice(bus_urls) : NULL;
    uint64_t mark = 0;
    while (rc == MM_OK && sigtimedwait(stop, NULL, &zero) < 0) {
        mm_err e;
        bool ticked = false; /* the store answered this round */
        if (mm_now_ms() >= next_tick) {
            uint64_t want = 0;
            next_tick = mm_now_ms() + 1000;
            ticked = claim_tick(&o, &want, &e) == MM_OK &&
                     own(&o, want, &e) == MM_OK;
            if (!ticked) {
                failed(st, &e);
                mm_hub__corr_away(&hl, st->failures, e.msg, log, log_ud);
            }
        }
        if (!o.h || !o.owned) {
            if (ticked)
                mm_hub__corr_ok(&hl, st->failures, log, log_ud);
            nanosleep(&(struct timespec){0, 200000000}, NULL);
            continue;
        }
        size_t got = 0;
        if (consume_round(&o, group ? group : 1, idle, &got, st, &e) !=
            MM_OK) {
            /* the store or the bus is away, or a partition was lost:
             * look at the locks again before the next round */
            failed(st, &e);
            mm_hub__corr_away(&hl, st->failures, e.msg, log, log_ud);
            next_tick = 0;
            nanosleep(&(struct timespec){0, 200000000}, NULL);
        } else if (ticked || got) {
            mm_hub__corr_ok(&hl, st->failures, log, log_ud);
        }
        mm_bus_notice_after(note, st, &mark);
        idle = got == 0;
    }
    mm_bus_notice_close(note);
    mm_hub_free(o.h);
    mm_bus_close(o.bus);
    mm_store_close(o.st);
    return rc;
}
