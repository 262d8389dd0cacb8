/* SPDX-License-Identifier: Apache-2.0 */
/* campclose.c — campaigns close after their window. Open campaigns sit in
 * a min-heap by last sighting (event time); as ingest moves the hub's event
 * clock (h->max_ts) on, the ones whose last sighting is W or more behind are
 * closed with a final state, so the check per event is one comparison with
 * the heap's top. A closed campaign leaves its key: the next sightings of
 * the same key open a new campaign once k tenants see it again. */
#include "hub-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mm_hub__camp_key(const mm_campaign *c, char *out, size_t n)
{
    snprintf(out, n, "%s:%s", c->key_type, c->key);
}

static void due_swap(cdue *a, cdue *b)
{
    cdue t = *a;
    *a = *b;
    *b = t;
}

mm_rc mm_hub__due_push(mm_hub *h, unsigned idx)
{
    cdue *na = mm_hub__grow(h->due, h->ndue, &h->capdue, sizeof *na, 64);
    if (!na)
        return MM_ENOMEM;
    h->due = na;
    size_t i = h->ndue++;
    h->due[i] = (cdue){h->camps[idx].c.last_ts, idx};
    while (i > 0 && h->due[(i - 1) / 2].last_ts > h->due[i].last_ts) {
        due_swap(&h->due[(i - 1) / 2], &h->due[i]);
        i = (i - 1) / 2;
    }
    return MM_OK;
}

static cdue due_pop(mm_hub *h)
{
    cdue top = h->due[0];
    h->due[0] = h->due[--h->ndue];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->ndue && h->due[l].last_ts < h->due[m].last_ts)
            m = l;
        if (r < h->ndue && h->due[r].last_ts < h->due[m].last_ts)
            m = r;
        if (m == i)
            break;
        due_swap(&h->due[m], &h->due[i]);
        i = m;
    }
    return top;
}

/* Raises a key's closed_last to `last` (the entry is made when missing:
 * a rebuild replays the sightings into it afterwards). */
static mm_rc key_close_mark(mm_hub *h, const char *k, int64_t last,
                            kentry **out)
{
    kentry *ke;
    size_t len = strlen(k);
    mm_rc rc = mm_hub__key_entry(&h->keys, k, len,
                                 mm_hash64(k, len, h->keys.seed), &ke);
    if (rc != MM_OK)
        return rc;
    if (last > ke->closed_last)
        ke->closed_last = last;
    if (last > ke->last_ts)
        ke->last_ts = last;
    if (out)
        *out = ke;
    return MM_OK;
}

mm_rc mm_hub__closed_mark(mm_hub *h, const mm_campaign *c, unsigned idx)
{
    char k[320];
    mm_hub__camp_key(c, k, sizeof k);
    kentry *ke;
    mm_rc rc = key_close_mark(h, k, c->last_ts, &ke);
    if (rc != MM_OK)
        return rc;
    if (ke->camp == idx + 1)
        ke->camp = 0;
    /* the same events recorded the address's /24 (/64) too: those
     * sightings end with the campaign as well */
    if (strcmp(c->key_type, "ip") == 0 && mm_hub__net_key(c->key, k, sizeof k))
        rc = key_close_mark(h, k, c->last_ts, NULL);
    return rc;
}

mm_rc mm_hub__close_due(ingest_ctx *x)
{
    mm_hub *h = x->h;
    while (h->ndue && h->due[0].last_ts <= h->max_ts - h->p.window_ms) {
        cdue d = due_pop(h);
        camp *c = &h->camps[d.idx];
        if (c->c.closed_ts)
            continue;
        if (c->c.last_ts > d.last_ts) { /* seen since: not due yet */
            if (mm_hub__due_push(h, d.idx) != MM_OK)
                return mm_err_set(x->err, MM_ENOMEM, "<hub>", 0,
                                  "out of memory");
            continue;
        }
        c->c.closed_ts = c->c.last_ts + h->p.window_ms;
        mm_rc rc = mm_hub__closed_mark(h, &c->c, d.idx);
        if (rc == MM_ENOMEM)
            return mm_err_set(x->err, rc, "<hub>", 0, "out of memory");
        rc = rc ? rc : h->st->ops->campaign_put(h->st, &c->c, x->err);
        if (rc != MM_OK)
            return rc;
    }
    return MM_OK;
}
