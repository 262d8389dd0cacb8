/* SPDX-License-Identifier: Apache-2.0 */
/* window.c — one hash table for every (rule, key) time window.
 *
 * Entries are 32 bytes, kept dense in one array; an open-addressing index
 * of 32-bit entry numbers (linear probing, load <= 1/2) finds them. Keys
 * are seeded 64-bit hashes of the rule id and the key value, so crafted
 * input cannot aim at one bucket. An entry holds one (second, value) slot
 * inline; a rule that needs more slots moves the entry to a 256-byte
 * extension block from a free-listed pool. Nothing is allocated per event
 * once the arrays have grown to the working set. */
#include "detect-int.h"

_Static_assert(offsetof(mm_win, key) == 0, "denseidx.c reads the key first");

#include <stdlib.h>
#include <string.h>

mm_rc mm_wintab_init(mm_wintab *t, size_t max)
{
    memset(t, 0, sizeof *t);
    return mm_didx_init(&t->ix, max);
}

void mm_wintab_fini(mm_wintab *t)
{
    mm_didx_fini(&t->ix, t->ents, sizeof *t->ents);
    mm_big_free(t->bigs, t->cap_big * sizeof *t->bigs);
    mm_big_free(t->big_free, t->cap_big_free * sizeof *t->big_free);
    memset(t, 0, sizeof *t);
}

mm_win *mm_wintab_find(mm_wintab *t, uint64_t key, uint16_t rule)
{
    size_t j = mm_didx_home(&t->ix, key);
    uint32_t v, fp = MM_DIDX_FP(key);
    while ((v = t->ix.idx[j]) != 0) {
        if ((v & ~MM_DIDX_MASK) == fp) {
            mm_win *e = &t->ents[(v & MM_DIDX_MASK) - 1];
            if (e->key == key && e->rule == rule)
                return e;
        }
        j = (j + 1) & t->ix.mask;
    }
    return NULL;
}

void mm_wintab_prefetch_slot(const mm_wintab *t, uint64_t key)
{
    __builtin_prefetch(&t->ix.idx[mm_didx_home(&t->ix, key)]);
}

void mm_wintab_prefetch_entry(const mm_wintab *t, uint64_t key)
{
    uint32_t v = t->ix.idx[mm_didx_home(&t->ix, key)];
    if (v && (v & ~MM_DIDX_MASK) == MM_DIDX_FP(key))
        __builtin_prefetch(&t->ents[(v & MM_DIDX_MASK) - 1]);
}

mm_rc mm_wintab_rehash(mm_wintab *t)
{
    return mm_didx_resize(&t->ix, t->ix.mask + 1, t->ents, sizeof *t->ents,
                          t->ix.n);
}

mm_win *mm_wintab_insert(mm_wintab *t, uint64_t key, uint16_t rule)
{
    void *ents = t->ents;
    mm_win *e = mm_didx_add(&t->ix, &ents, sizeof *e, key);
    t->ents = ents;
    if (e)
        e->rule = rule;
    return e;
}

static void big_release(mm_wintab *t, uint32_t big)
{
    if (!big)
        return;
    /* The free list has room for every block ever made. */
    t->big_free[t->n_big_free++] = big - 1;
}

void mm_wintab_remove(mm_wintab *t, mm_win *e)
{
    size_t ei = (size_t)(e - t->ents);
    big_release(t, e->big);
    mm_didx_remove(&t->ix, t->ents, sizeof *t->ents, ei);
}

unsigned mm_win_cap(const mm_win *e)
{
    return e->big ? MM_SLOTS_BIG : 1;
}

uint32_t *mm_win_ts(mm_wintab *t, mm_win *e)
{
    return e->big ? t->bigs[e->big - 1].ts : &e->ts0;
}

uint32_t *mm_win_v(mm_wintab *t, mm_win *e)
{
    return e->big ? t->bigs[e->big - 1].v : &e->v0;
}

bool mm_win_grow(mm_wintab *t, mm_win *e)
{
    if (e->big)
        return true;
    uint32_t b;
    if (t->n_big_free) {
        b = t->big_free[--t->n_big_free];
    } else {
        if (t->n_big == t->cap_big) {
            size_t nc = t->cap_big ? t->cap_big * 2 : 256;
            if (nc > UINT32_MAX - 1)
                return false;
            /* The free list has room for every block: grow it first. */
            if (t->cap_big_free < nc) {
                uint32_t *nf =
                    mm_big_realloc(t->big_free, t->cap_big_free * sizeof *nf,
                                   nc * sizeof *nf);
                if (!nf)
                    return false;
                t->big_free = nf;
                t->cap_big_free = nc;
            }
            mm_winbig *nb = mm_big_realloc(t->bigs, t->cap_big * sizeof *nb,
                                           nc * sizeof *nb);
            if (!nb)
                return false;
            t->bigs = nb;
            t->cap_big = nc;
        }
        b = (uint32_t)t->n_big++;
    }
    mm_winbig *blk = &t->bigs[b];
    blk->ts[0] = e->ts0;
    blk->v[0] = e->v0;
    e->big = b + 1;
    return true;
}

size_t mm_wintab_memory(const mm_wintab *t)
{
    return mm_didx_memory(&t->ix, sizeof(mm_win)) +
           t->cap_big * sizeof(mm_winbig) + t->cap_big_free * sizeof(uint32_t);
}
