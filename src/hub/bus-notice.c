/* SPDX-License-Identifier: Apache-2.0 */
/* bus-notice.c — "something changed" between correlators and front ends
 * (docs/scale.md): a correlator publishes an empty message on the plain
 * NATS subject mamori.changed (no JetStream: nothing stored, a notice
 * missed is only a later reload) after a commit that wrote campaigns,
 * warnings or indicators; a front end subscribed to it reloads from the
 * store at once, so a sensor's long poll hears of a new indicator within
 * milliseconds instead of at the next 5-second reload, which stays as the
 * fallback. Its own connection, apart from the JetStream one. */
#include "bus-int.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOTICE_SUBJECT "mamori.changed"
/* Reloads on notices at most this often (ms): under a stream of campaigns
 * a front end reloads a few times a second, not once per notice. */
#define NOTICE_MIN_GAP_MS 100

struct mm_bus_notice {
    natsConnection *nc;
    natsSubscription *sub;
    pthread_cond_t *wake;
    atomic_bool pending;
};

/* On a NATS thread: marked, and the waiting thread woken (without its
 * lock: a wakeup lost in between costs one wait of the caller's period). */
static void on_notice(natsConnection *nc, natsSubscription *sub, natsMsg *msg,
                      void *ud)
{
    (void)nc;
    (void)sub;
    mm_bus_notice *n = ud;
    natsMsg_Destroy(msg);
    atomic_store(&n->pending, true);
    if (n->wake)
        pthread_cond_signal(n->wake);
}

/* The nats:// URLs of a comma-separated bus list: up to max pointers into
 * copy (cap bytes); their number, 0 or -1 (too long) with err set. */
static int servers_of(const char *urls, char *copy, size_t cap,
                      const char **srv, int max, mm_err *err)
{
    if (strlen(urls) >= cap) {
        mm_err_set(err, MM_EINVAL, "<bus>", 0, "bus URL list too long");
        return -1;
    }
    snprintf(copy, cap, "%s", urls);
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t && n < max;
         t = strtok_r(NULL, ",", &save))
        if (strncmp(t, "nats://", 7) == 0)
            srv[n++] = t;
    if (n == 0)
        mm_err_set(err, MM_EINVAL, "<bus>", 0,
                   "the bus is nats://HOST:PORT[,nats://…]");
    return n;
}

mm_rc mm_bus__connect(const char *urls, int wait_ms, natsConnection **nc,
                      int *servers, mm_err *err)
{
    char copy[2048];
    const char *srv[16];
    int n = servers_of(urls, copy, sizeof copy, srv, 16, err);
    *servers = n;
    if (n <= 0)
        return MM_EINVAL;
    natsOptions *o = NULL;
    natsStatus s = natsOptions_Create(&o);
    if (s == NATS_OK)
        s = natsOptions_SetServers(o, srv, n);
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(o, wait_ms);
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(o, -1); /* forever: nodes restart */
    if (s == NATS_OK)
        s = natsOptions_SetReconnectWait(o, 100);
    if (s == NATS_OK)
        s = natsConnection_Connect(nc, o);
    natsOptions_Destroy(o);
    if (s == NATS_OK)
        return MM_OK;
    const char *last = nats_GetLastError(NULL);
    return mm_err_set(err, MM_EIO, "<bus>", 0, "nats connect: %s%s%s",
                      natsStatus_GetText(s), last ? ": " : "",
                      last ? last : "");
}

mm_rc mm_bus_notice_open(const char *urls, pthread_cond_t *wake,
                         mm_bus_notice **out, mm_err *err)
{
    *out = NULL;
    mm_bus_notice *n = calloc(1, sizeof *n);
    if (!n)
        return mm_err_set(err, MM_ENOMEM, "<bus>", 0, "out of memory");
    atomic_init(&n->pending, false);
    n->wake = wake;
    int servers = 0;
    mm_rc rc = mm_bus__connect(urls, 5000, &n->nc, &servers, err);
    natsStatus s = NATS_OK;
    if (rc == MM_OK && wake)
        s = natsConnection_Subscribe(&n->sub, n->nc, NOTICE_SUBJECT, on_notice,
                                     n);
    if (rc == MM_OK && s != NATS_OK)
        rc = mm_err_set(err, MM_EIO, "<bus>", 0, "nats notices: %s",
                        natsStatus_GetText(s));
    if (rc != MM_OK) {
        mm_bus_notice_close(n);
        return rc;
    }
    *out = n;
    return MM_OK;
}

void mm_bus_notice_send(mm_bus_notice *n)
{
    if (n) /* buffered; libnats' flusher sends it within milliseconds */
        natsConnection_Publish(n->nc, NOTICE_SUBJECT, NULL, 0);
}

bool mm_bus_notice_due(mm_bus_notice *n, int64_t since_last_ms)
{
    if (!n || since_last_ms < NOTICE_MIN_GAP_MS)
        return false;
    return atomic_exchange(&n->pending, false);
}

void mm_bus_notice_close(mm_bus_notice *n)
{
    if (!n)
        return;
    if (n->sub)
        natsSubscription_Unsubscribe(n->sub);
    natsSubscription_Destroy(n->sub);
    if (n->nc) /* its threads done before n goes */
        natsConnection_Close(n->nc);
    natsConnection_Destroy(n->nc);
    free(n);
}

void mm_bus_notice_after(mm_bus_notice *n, const mm_hub_correlate_stats *st,
                         uint64_t *mark)
{
    uint64_t now = st->campaigns + st->warnings + st->indicators;
    if (now != *mark)
        mm_bus_notice_send(n);
    *mark = now;
}
