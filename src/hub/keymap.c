/* SPDX-License-Identifier: Apache-2.0 */
/* keymap.c — the hub's string-keyed hash map (open addressing, seeded):
 * tenant ids, token hashes, correlation keys and indicators (hub-int.h). */
#include "hub-int.h"

#include <stdlib.h>
#include <string.h>

void mm_hub_smap_free(smap *m, void (*vfree)(void *))
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->e[i].key) {
            free(m->e[i].key);
            if (vfree)
                vfree(m->e[i].val);
        }
    free(m->e);
    memset(m, 0, sizeof *m);
}

smap_ent *mm_hub_smap_slot(smap *m, const char *key, size_t len, uint64_t h)
{
    size_t mask = m->cap - 1, i = (size_t)h & mask;
    for (;;) {
        smap_ent *e = &m->e[i];
        if (!e->key || (e->h == h && strncmp(e->key, key, len) == 0 &&
                        e->key[len] == '\0'))
            return e;
        i = (i + 1) & mask;
    }
}

static mm_rc smap_grow(smap *m)
{
    size_t nc = m->cap ? m->cap * 2 : 1024;
    smap_ent *ne = calloc(nc, sizeof *ne);
    if (!ne)
        return MM_ENOMEM;
    smap old = *m;
    m->e = ne;
    m->cap = nc;
    /* keys are distinct: only look for a free slot (no key reads, which
     * would be a cache miss per entry) */
    size_t mask = nc - 1;
    for (size_t i = 0; i < old.cap; i++)
        if (old.e[i].key) {
            size_t j = (size_t)old.e[i].h & mask;
            while (ne[j].key)
                j = (j + 1) & mask;
            ne[j] = old.e[i];
        }
    free(old.e);
    return MM_OK;
}

void *mm_hub_smap_get(smap *m, const char *key)
{
    if (!m->cap)
        return NULL;
    size_t len = strlen(key);
    smap_ent *e = mm_hub_smap_slot(m, key, len, mm_hash64(key, len, m->seed));
    return e->key ? e->val : NULL;
}

/* smap_put with the key's length and hash already known. */
mm_rc mm_hub_smap_put_h(smap *m, const char *key, size_t len, uint64_t h,
                        smap_ent **out)
{
    if ((m->n + 1) * 2 >= m->cap) {
        mm_rc rc = smap_grow(m);
        if (rc != MM_OK)
            return rc;
    }
    smap_ent *e = mm_hub_smap_slot(m, key, len, h);
    if (!e->key) {
        e->key = malloc(len + 1);
        if (!e->key)
            return MM_ENOMEM;
        memcpy(e->key, key, len + 1);
        e->h = h;
        e->val = NULL;
        m->n++;
    }
    *out = e;
    return MM_OK;
}

/* Starts loading the slot a key with hash h will probe first. */
void mm_hub_smap_prefetch(const smap *m, uint64_t h)
{
    if (m->cap)
        __builtin_prefetch(&m->e[(size_t)h & (m->cap - 1)]);
}

/* Returns the slot for key, creating it (val NULL) when missing. */
mm_rc mm_hub_smap_put(smap *m, const char *key, smap_ent **out)
{
    if ((m->n + 1) * 2 >= m->cap) { /* load <= 1/2: short probe runs */
        mm_rc rc = smap_grow(m);
        if (rc != MM_OK)
            return rc;
    }
    size_t len = strlen(key);
    uint64_t h = mm_hash64(key, len, m->seed);
    smap_ent *e = mm_hub_smap_slot(m, key, len, h);
    if (!e->key) {
        e->key = strdup(key);
        if (!e->key)
            return MM_ENOMEM;
        e->h = h;
        e->val = NULL;
        m->n++;
    }
    *out = e;
    return MM_OK;
}

void mm_hub_smap_del_at(smap *m, size_t i)
{
    size_t mask = m->cap - 1, j = i;
    m->e[i].key = NULL;
    m->n--;
    for (;;) {
        j = (j + 1) & mask;
        if (!m->e[j].key)
            return;
        /* entry j may fill the hole when the hole is on its probe path,
         * i.e. not after j's home slot and before j */
        size_t home = (size_t)m->e[j].h & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            m->e[i] = m->e[j];
            m->e[j].key = NULL;
            i = j;
        }
    }
}

/* ---- the correlation index at its cap ------------------------------------
 */

void mm_hub__kentry_free(void *v)
{
    kentry *k = v;
    if (k && k->s != k->inl)
        free(k->s);
    free(k);
}

/* Age buckets of a key's last sighting behind the hub clock: the window is
 * cut in 256, buckets 256..510 hold up to two windows, 511 anything older. */
#define AGE_BUCKETS 512u
/* Slots ahead whose entry is prefetched during a sweep (the entries are
 * scattered on the heap: without it each one is a cache miss in turn). */
#define SWEEP_AHEAD 16u

static unsigned age_bucket(const mm_hub *h, const kentry *ke)
{
    int64_t w = h->p.window_ms / 256 > 0 ? h->p.window_ms / 256 : 1;
    int64_t age = h->max_ts - ke->last_ts;
    if (age <= 0)
        return 0;
    return age / w >= AGE_BUCKETS - 1 ? AGE_BUCKETS - 1 : (unsigned)(age / w);
}

/* A key that cannot make a campaign as it stands: none of its own, and one
 * tenant's sighting only (a second tenant is needed) or nothing within the
 * window (the minute's compaction in mm_hub_expire drops those anyway). */
static bool evictable(const mm_hub *h, const kentry *ke)
{
    return !ke->camp &&
           (ke->n <= 1 || ke->last_ts < h->max_ts - h->p.window_ms);
}

static void sweep_prefetch(const smap *m, size_t i)
{
    if (i < m->cap && m->e[i].key)
        __builtin_prefetch(m->e[i].val);
}

/* Evicts `want` evictable keys, oldest last sighting first (ties in sweep
 * order), in two passes over the slots: a histogram of ages, then the
 * eviction of the buckets from the oldest down. Returns how many went. */
static size_t keys_sweep(mm_hub *h, size_t want)
{
    smap *m = &h->keys;
    size_t hist[AGE_BUCKETS] = {0};
    for (size_t i = 0; i < m->cap; i++) {
        sweep_prefetch(m, i + SWEEP_AHEAD);
        const smap_ent *e = &m->e[i];
        if (e->key && evictable(h, e->val))
            hist[age_bucket(h, e->val)]++;
    }
    /* the youngest bucket to touch, and how many of it may go */
    unsigned cut = AGE_BUCKETS;
    size_t older = 0;
    for (unsigned b = AGE_BUCKETS; b-- > 0;) {
        if (!hist[b])
            continue;
        cut = b;
        if (older + hist[b] >= want)
            break;
        older += hist[b];
    }
    if (cut == AGE_BUCKETS)
        return 0;
    size_t quota = want - older, gone = 0;
    for (size_t i = 0; i < m->cap; i++) {
        sweep_prefetch(m, i + SWEEP_AHEAD);
        /* a deletion moves a later entry into slot i: look again */
        for (smap_ent *e = &m->e[i]; e->key && evictable(h, e->val);) {
            unsigned b = age_bucket(h, e->val);
            if (b < cut || (b == cut && !quota))
                break;
            if (b == cut)
                quota--;
            free(e->key);
            mm_hub__kentry_free(e->val);
            mm_hub_smap_del_at(m, i);
            gone++;
        }
    }
    return gone;
}

bool mm_hub__keys_room(mm_hub *h)
{
    size_t limit = mm_hub__keys_limit(h);
    if (h->keys.n < limit)
        return true;
    size_t step = limit / 8 ? limit / 8 : 1;
    /* a sweep costs the whole table: run one only when the last one freed
     * a step's worth, or a step's worth of new keys was refused since */
    if (!h->keys_sweeps || h->keys_swept >= step || h->keys_refused >= step) {
        h->keys_swept = keys_sweep(h, h->keys.n - limit + step);
        h->keys_sweeps++;
        h->keys_refused = 0;
        h->keys_evicted += h->keys_swept;
        if (h->keys.n < limit)
            return true;
    }
    h->keys_refused++;
    h->keys_skipped++;
    return false;
}

uint64_t mm_hub_keys_evicted(const mm_hub *h)
{
    return h->keys_evicted;
}
