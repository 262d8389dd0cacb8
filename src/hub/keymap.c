/* SPDX-License-Identifier: Apache-2.0 */
/* keymap.c — the hub's string-keyed hash map (open addressing, seeded):
 * tenant ids, token hashes, correlation keys and indicators (hub-int.h). */
#include "hub-int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#if defined(__SANITIZE_ADDRESS__)
#define SMAP_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SMAP_LSAN 1
#endif
#endif
#ifdef SMAP_LSAN
#include <sanitizer/lsan_interface.h>
#endif

/* Slots of a map's first table. */
#define SMAP_FIRST 1024u
/* Tables from this size on come straight from mmap, advised to transparent
 * hugepages: a grow then faults a few 2 MiB pages that read as zero instead
 * of clearing a heap block (the hub keeps blocks up to 32 MiB on the heap,
 * server.c) 4 KiB page by page, and munmap gives the memory back at once. */
#define SMAP_HUGE_BYTES ((size_t)2 << 20)

static size_t table_bytes(size_t cap)
{
    return cap * sizeof(smap_ent);
}

/* What a large table maps: whole hugepages (the pages past the table are
 * never touched, so never resident). */
static size_t table_span(size_t cap)
{
    return (table_bytes(cap) + SMAP_HUGE_BYTES - 1) & ~(SMAP_HUGE_BYTES - 1);
}

/* Maps `span` bytes starting on a hugepage boundary (a region off the
 * boundary could not be backed by hugepages at its ends). */
static void *map_aligned(size_t span)
{
    size_t over = span + SMAP_HUGE_BYTES;
    char *p = mmap(NULL, over, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    uintptr_t at = ((uintptr_t)p + SMAP_HUGE_BYTES - 1) &
                   ~(uintptr_t)(SMAP_HUGE_BYTES - 1);
    size_t head = at - (uintptr_t)p;
    if (head)
        munmap(p, head);
    munmap((char *)at + span, over - head - span);
    return (void *)at;
}

static smap_ent *table_new(size_t cap)
{
    if (table_bytes(cap) < SMAP_HUGE_BYTES)
        return calloc(cap, sizeof(smap_ent));
    size_t span = table_span(cap);
    smap_ent *e = map_aligned(span);
    if (!e)
        return NULL;
    (void)madvise(e, span, MADV_HUGEPAGE); /* a hint: THP may be off */
#ifdef SMAP_LSAN
    /* LeakSanitizer scans only the heap, stacks and globals for pointers:
     * without this every value held only by a mapped table is "leaked" */
    __lsan_register_root_region(e, span);
#endif
    return e;
}

static void table_free(smap_ent *e, size_t cap)
{
    if (!e)
        return;
    if (table_bytes(cap) < SMAP_HUGE_BYTES) {
        free(e);
        return;
    }
#ifdef SMAP_LSAN
    __lsan_unregister_root_region(e, table_span(cap));
#endif
    munmap(e, table_span(cap));
}

static size_t smap_mapped(const smap *m)
{
    return m->e && table_bytes(m->cap) >= SMAP_HUGE_BYTES ? table_bytes(m->cap)
                                                          : 0;
}

size_t mm_hub__mapped_bytes(const mm_hub *h)
{
    return smap_mapped(&h->tid) + smap_mapped(&h->thash) +
           smap_mapped(&h->keys) + smap_mapped(&h->inds) +
           smap_mapped(&h->sioc);
}

/* Frees the table, each key when the map owns its keys (not when they
 * live inside the values) and each value with vfree. */
static void smap_release(smap *m, bool own_keys, void (*vfree)(void *))
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->e[i].key) {
            if (own_keys)
                free(m->e[i].key);
            if (vfree)
                vfree(m->e[i].val);
        }
    table_free(m->e, m->cap);
    memset(m, 0, sizeof *m);
}

void mm_hub_smap_free(smap *m, void (*vfree)(void *))
{
    smap_release(m, true, vfree);
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

/* Moves every entry into a new table of nc slots (nc > m->n). */
static mm_rc smap_resize(smap *m, size_t nc)
{
    smap_ent *ne = table_new(nc);
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
    table_free(old.e, old.cap);
    return MM_OK;
}

/* Room for one more key at a load of at most 1/2 (short probe runs). */
static mm_rc smap_room(smap *m)
{
    if ((m->n + 1) * 2 < m->cap)
        return MM_OK;
    return smap_resize(m, m->cap ? m->cap * 2 : SMAP_FIRST);
}

void *mm_hub_smap_get(smap *m, const char *key)
{
    if (!m->cap)
        return NULL;
    size_t len = strlen(key);
    smap_ent *e = mm_hub_smap_slot(m, key, len, mm_hash64(key, len, m->seed));
    return e->key ? e->val : NULL;
}

/* Starts loading the slot a key with hash h will probe first. */
void mm_hub_smap_prefetch(const smap *m, uint64_t h)
{
    if (m->cap)
        __builtin_prefetch(&m->e[(size_t)h & (m->cap - 1)]);
}

void mm_hub_smap_prefetch_key(const smap *m, uint64_t h)
{
    if (!m->cap)
        return;
    const smap_ent *e = &m->e[(size_t)h & (m->cap - 1)];
    if (e->key && e->h == h)
        __builtin_prefetch(e->key);
}

/* Returns the slot for key, creating it (val NULL) when missing. */
mm_rc mm_hub_smap_put(smap *m, const char *key, smap_ent **out)
{
    mm_rc rc = smap_room(m);
    if (rc != MM_OK)
        return rc;
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

mm_rc mm_hub__key_entry(smap *keys, const char *k, size_t len, uint64_t hv,
                        kentry **out)
{
    mm_rc rc = smap_room(keys);
    if (rc != MM_OK)
        return rc;
    smap_ent *e = mm_hub_smap_slot(keys, k, len, hv);
    if (!e->key) {
        kentry *ke = calloc(1, sizeof *ke + len + 1);
        if (!ke)
            return MM_ENOMEM;
        memcpy(ke->key, k, len);
        e->key = ke->key;
        e->h = hv;
        e->val = ke;
        keys->n++;
    }
    *out = e->val;
    return MM_OK;
}

void mm_hub__keys_free(smap *keys)
{
    smap_release(keys, false, mm_hub__kentry_free);
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
/* Without a campaign and out of the window: nothing can come of it. */
static bool stale(const mm_hub *h, const kentry *ke)
{
    return !ke->camp && ke->last_ts < h->max_ts - h->p.window_ms;
}

static bool evictable(const mm_hub *h, const kentry *ke)
{
    return stale(h, ke) || (!ke->camp && ke->n <= 1);
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
            mm_hub__kentry_free(e->val);
            mm_hub_smap_del_at(m, i);
            gone++;
        }
    }
    return gone;
}

void mm_hub__keys_compact(mm_hub *h)
{
    smap *m = &h->keys;
    for (size_t i = 0; i < m->cap; i++) {
        sweep_prefetch(m, i + SWEEP_AHEAD);
        /* a deletion moves a later entry into slot i: look again */
        for (smap_ent *e = &m->e[i]; e->key && stale(h, e->val);) {
            mm_hub__kentry_free(e->val);
            mm_hub_smap_del_at(m, i);
        }
    }
    size_t fit = SMAP_FIRST;
    while ((m->n + 1) * 2 >= fit)
        fit *= 2;
    /* out of memory for the smaller table: the larger one still serves */
    if (fit < m->cap)
        (void)smap_resize(m, fit);
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
