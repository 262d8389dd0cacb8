/* SPDX-License-Identifier: Apache-2.0 */
/* bus-stream.c — `mamori hub bus upgrade` (docs/scale.md): a MAMORI stream
 * made by an older mamori with JetStream's default limits policy keeps
 * every batch until the disk is full; JetStream cannot change a stream's
 * retention in place, so it is deleted and made again as a work queue
 * (the way mm_bus_open makes it). Only when nothing in it is still to be
 * correlated: every message on a subject some consumer covers, and no
 * consumer with messages not yet delivered or not yet acked. And only when
 * no correlator is attached (unless forced): its pull subscription would
 * be bound to a consumer deleted under it. */
#include "bus-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STREAM "MAMORI"
/* A correlator's fetch waits 500 ms (mm_bus_consume's callers) and the
 * next one follows at once: looked at 5 times over 0.8 s, a correlator
 * that is running has a pull request waiting in at least one look. */
#define ATTACH_LOOKS 5
#define ATTACH_GAP_NS 200000000L

/* NATS subject matching: `filter` may hold `*` (one token) and a final
 * `>` (the rest); an empty filter takes every subject. */
static bool subject_matches(const char *filter, const char *subj)
{
    if (!filter || !*filter)
        return true;
    for (;;) {
        if (strcmp(filter, ">") == 0)
            return *subj != '\0';
        size_t fl = strcspn(filter, "."), sl = strcspn(subj, ".");
        bool any = fl == 1 && filter[0] == '*';
        if (!any && (fl != sl || strncmp(filter, subj, fl) != 0))
            return false;
        filter += fl;
        subj += sl;
        if (*filter != *subj)
            return false; /* one has more tokens */
        if (!*filter)
            return true;
        filter++;
        subj++;
    }
}

static bool covered(const jsConsumerInfoList *cl, const char *subj)
{
    for (int i = 0; cl && i < cl->Count; i++) {
        const jsConsumerConfig *c = cl->List[i]->Config;
        if (subject_matches(c ? c->FilterSubject : NULL, subj))
            return true;
    }
    return false;
}

/* The stream's messages still to be correlated: not delivered or not
 * acked by a consumer, or on a subject no consumer covers. */
static mm_rc still_due(jsCtx *js, uint64_t *due, mm_err *err)
{
    *due = 0;
    jsConsumerInfoList *cl = NULL;
    jsErrCode jerr = 0;
    natsStatus s = js_Consumers(&cl, js, STREAM, NULL, &jerr);
    if (s == NATS_NOT_FOUND)
        s = NATS_OK; /* no consumer */
    for (int i = 0; s == NATS_OK && cl && i < cl->Count; i++)
        *due += cl->List[i]->NumPending + (uint64_t)cl->List[i]->NumAckPending;
    jsOptions o;
    jsOptions_Init(&o);
    o.Stream.Info.SubjectsFilter = ">";
    jsStreamInfo *si = NULL;
    if (s == NATS_OK)
        s = js_GetStreamInfo(&si, js, STREAM, &o, &jerr);
    const jsStreamStateSubjects *ss = si ? si->State.Subjects : NULL;
    for (int i = 0; s == NATS_OK && ss && i < ss->Count; i++)
        if (!covered(cl, ss->List[i].Subject))
            *due += ss->List[i].Msgs;
    jsStreamInfo_Destroy(si);
    jsConsumerInfoList_Destroy(cl);
    return s == NATS_OK
               ? MM_OK
               : mm_err_set(err, MM_EIO, "<bus>", 0, "nats stream %s: %s (%d)",
                            STREAM, natsStatus_GetText(s), (int)jerr);
}

/* Pull requests waiting on the stream's consumers (NumWaiting): a
 * correlator attached. out->consumer names one of them. */
static mm_rc attached(jsCtx *js, mm_bus_upgrade *out, mm_err *err)
{
    natsStatus s = NATS_OK;
    jsErrCode jerr = 0;
    for (int k = 0; s == NATS_OK && k < ATTACH_LOOKS && !out->waiting; k++) {
        if (k)
            nanosleep(&(struct timespec){0, ATTACH_GAP_NS}, NULL);
        jsConsumerInfoList *cl = NULL;
        s = js_Consumers(&cl, js, STREAM, NULL, &jerr);
        for (int i = 0; s == NATS_OK && cl && i < cl->Count; i++) {
            const jsConsumerInfo *ci = cl->List[i];
            if (ci->NumWaiting <= 0)
                continue;
            out->waiting += (uint64_t)ci->NumWaiting;
            snprintf(out->consumer, sizeof out->consumer, "%s",
                     ci->Name ? ci->Name : "");
        }
        jsConsumerInfoList_Destroy(cl);
        if (s == NATS_NOT_FOUND)
            s = NATS_OK; /* no consumer */
    }
    return s == NATS_OK
               ? MM_OK
               : mm_err_set(err, MM_EIO, "<bus>", 0, "nats stream %s: %s (%d)",
                            STREAM, natsStatus_GetText(s), (int)jerr);
}

/* The stream's retention: *exists, *queue (a work queue already). */
static mm_rc stream_kind(jsCtx *js, bool *exists, bool *queue, mm_err *err)
{
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    natsStatus s = js_GetStreamInfo(&si, js, STREAM, NULL, &jerr);
    *exists = s == NATS_OK;
    *queue = *exists && si->Config->Retention == js_WorkQueuePolicy;
    jsStreamInfo_Destroy(si);
    if (s == NATS_OK || jerr == JSStreamNotFoundErr)
        return MM_OK;
    return mm_err_set(err, MM_EIO, "<bus>", 0, "nats stream %s: %s (%d)",
                      STREAM, natsStatus_GetText(s), (int)jerr);
}

/* Connects to the bus for JetStream management. */
static mm_rc js_connect(const char *urls, natsConnection **nc, jsCtx **js,
                        mm_err *err)
{
    int n = 0;
    mm_rc rc = mm_bus__connect(urls, 5000, nc, &n, err);
    natsStatus s =
        rc == MM_OK ? natsConnection_JetStream(js, *nc, NULL) : NATS_OK;
    if (rc == MM_OK && s != NATS_OK)
        rc = mm_err_set(err, MM_EIO, "<bus>", 0, "nats JetStream: %s",
                        natsStatus_GetText(s));
    return rc;
}

mm_rc mm_bus_stream_upgrade(const char *urls, bool force, mm_bus_upgrade *out,
                            mm_err *err)
{
    memset(out, 0, sizeof *out);
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    bool exists = false, queue = false;
    mm_rc rc = js_connect(urls, &nc, &js, err);
    if (rc == MM_OK)
        rc = stream_kind(js, &exists, &queue, err);
    out->state = !exists ? MM_BUS_NO_STREAM
                 : queue ? MM_BUS_WORK_QUEUE
                         : MM_BUS_REFUSED;
    if (rc == MM_OK && exists && !queue)
        rc = still_due(js, &out->due, err);
    if (rc == MM_OK && out->state == MM_BUS_REFUSED && !out->due && !force)
        rc = attached(js, out, err);
    if (out->waiting)
        out->state = MM_BUS_ATTACHED;
    if (rc == MM_OK && out->state == MM_BUS_REFUSED && out->due == 0) {
        jsErrCode jerr = 0;
        natsStatus s = js_DeleteStream(js, STREAM, NULL, &jerr);
        rc = s == NATS_OK ? MM_OK
                          : mm_err_set(err, MM_EIO, "<bus>", 0,
                                       "nats delete stream: %s (%d)",
                                       natsStatus_GetText(s), (int)jerr);
        mm_bus *b = NULL; /* made again as front ends make it */
        if (rc == MM_OK)
            rc = mm_bus_open(urls, &b, err);
        mm_bus_close(b);
        if (rc == MM_OK)
            out->state = MM_BUS_RECREATED;
    }
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    return rc;
}
