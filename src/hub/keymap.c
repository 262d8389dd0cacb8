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
