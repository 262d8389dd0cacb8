/* SPDX-License-Identifier: Apache-2.0 */
/* prekeys.c — a second thread that resolves a group's correlation keys
 * while the committer thread writes the group's events into the store.
 *
 * On the embedded hub one thread writes every batch (SQLite has one
 * writer), and correlation used to run on that thread between the inserts:
 * deriving each event's keys, hashing them and finding or creating their
 * entries in the index (a cache miss per key, a table growth now and then)
 * cost it about a third of its time. None of that needs the store, so it
 * runs here, on the other core, during the inserts; the committer then only
 * updates entries it holds. Nothing else touches h->keys meanwhile: the
 * committer holds the hub lock and stays out of the index until it has
 * waited for this thread (hub-int.h). */
#include "hub-int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Fewer events than this are resolved inline: the hand-over costs more. */
#define PREKEYS_MIN_EVENTS 64u
/* Events resolved ahead per group at most (an evkeys is ~1.7 KiB); later
 * events of a larger group are resolved inline, after these are used. */
#define PREKEYS_MAX_EVENTS 8192u
/* Entries whose slot is prefetched ahead of the one being resolved. */
#define PREKEYS_AHEAD 8u

typedef enum { PK_IDLE, PK_WORK, PK_DONE, PK_STOP } pk_state;

struct prekeys {
    mm_hub *h;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pk_state state;
    const mm_hub_ingest_job *jobs; /* the group being resolved */
    size_t njobs;
    evkeys *keys; /* PREKEYS_MAX_EVENTS of them */
    size_t n;     /* events of the group resolved */
    mm_rc rc;     /* MM_ENOMEM when an entry could not be made */
};

/* Derives the keys of the group's first events in order, then finds or
 * creates their entries, prefetching the slots a few events ahead. */
static mm_rc resolve(prekeys *p)
{
    mm_hub *h = p->h;
    size_t n = 0;
    for (size_t j = 0; j < p->njobs && n < PREKEYS_MAX_EVENTS; j++) {
        if (p->jobs[j].rc != MM_OK)
            continue;
        const mm_hub_batch *b = p->jobs[j].batch;
        for (size_t i = 0; i < b->n && n < PREKEYS_MAX_EVENTS; i++)
            mm_hub__event_keys(h, &b->ev[i], &p->keys[n++]);
    }
    p->n = n;
    for (size_t i = 0; i < n; i++) {
        if (i + PREKEYS_AHEAD < n) {
            const evkeys *a = &p->keys[i + PREKEYS_AHEAD];
            for (unsigned k = 0; k < a->n; k++)
                mm_hub_smap_prefetch(&h->keys, a->hash[k]);
        }
        if (i + PREKEYS_AHEAD / 2 < n) { /* its slot fetched by now */
            const evkeys *a = &p->keys[i + PREKEYS_AHEAD / 2];
            for (unsigned k = 0; k < a->n; k++)
                mm_hub_smap_prefetch_key(&h->keys, a->hash[k]);
        }
        evkeys *ks = &p->keys[i];
        for (unsigned k = 0; k < ks->n; k++)
            if (mm_hub__key_resolve(h, ks, k, &ks->ke[k]) != MM_OK)
                return MM_ENOMEM;
    }
    return MM_OK;
}

static void *prekeys_main(void *arg)
{
    prekeys *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->state != PK_WORK && p->state != PK_STOP)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->state == PK_STOP)
            break;
        pthread_mutex_unlock(&p->mu);
        mm_rc rc = resolve(p);
        pthread_mutex_lock(&p->mu);
        p->rc = rc;
        p->state = PK_DONE;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

mm_rc mm_hub_set_prekeys(mm_hub *h, mm_err *err)
{
    if (h->pre)
        return MM_OK;
    prekeys *p = calloc(1, sizeof *p);
    if (p)
        p->keys = malloc(PREKEYS_MAX_EVENTS * sizeof *p->keys);
    if (!p || !p->keys) {
        free(p);
        return mm_err_set(err, MM_ENOMEM, "<hub>", 0, "out of memory");
    }
    p->h = h;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (pthread_create(&p->th, NULL, prekeys_main, p) != 0) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv);
        free(p->keys);
        free(p);
        return mm_err_set(err, MM_EINTERNAL, "<hub>", 0,
                          "cannot start the key thread");
    }
    h->pre = p;
    return MM_OK;
}

void mm_hub__prekeys_free(prekeys *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    while (p->state == PK_WORK) /* never left running by an ingest */
        pthread_cond_wait(&p->cv, &p->mu);
    p->state = PK_STOP;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->th, NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->keys);
    free(p);
}

bool mm_hub__prekeys_start(mm_hub *h, const mm_hub_ingest_job *jobs, size_t n)
{
    prekeys *p = h->pre;
    if (!p || h->p.part_n > 1 || h->st->ops->ingest_only)
        return false;
    size_t events = 0;
    for (size_t i = 0; i < n; i++)
        if (jobs[i].rc == MM_OK)
            events += jobs[i].batch->n;
    if (events < PREKEYS_MIN_EVENTS)
        return false;
    /* entries must stay where they are until the committer uses them: no
     * eviction at the cap may run in between */
    size_t ahead = events < PREKEYS_MAX_EVENTS ? events : PREKEYS_MAX_EVENTS;
    if (h->keys.n + ahead * MM_HUB_EVENT_KEYS >= mm_hub__keys_limit(h))
        return false;
    pthread_mutex_lock(&p->mu);
    p->jobs = jobs;
    p->njobs = n;
    p->n = 0;
    p->rc = MM_OK;
    p->state = PK_WORK;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return true;
}

mm_rc mm_hub__prekeys_wait(mm_hub *h)
{
    prekeys *p = h->pre;
    pthread_mutex_lock(&p->mu);
    while (p->state == PK_WORK)
        pthread_cond_wait(&p->cv, &p->mu);
    p->state = PK_IDLE;
    mm_rc rc = p->rc;
    pthread_mutex_unlock(&p->mu);
    return rc;
}

evkeys *mm_hub__prekeys_get(mm_hub *h, size_t i)
{
    return h->pre && i < h->pre->n ? &h->pre->keys[i] : NULL;
}
