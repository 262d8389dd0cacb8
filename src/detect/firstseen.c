/* SPDX-License-Identifier: Apache-2.0 */
/* firstseen.c — the table of first sightings: one compact record per key
 * (source address, user name…) whose only event so far is still waiting
 * for a second one.
 *
 * Most keys on an exposed service appear once (scanners, sprays from
 * botnets), and one sshd failure would otherwise open a window for every
 * counting rule that sees it (three with the default rules). A record
 * keeps what those windows would hold — the event's log second, the
 * fields filters look at and the user.name hash distinct rules count — in
 * 24 bytes, shared by every rule keyed on the same field. The detector
 * turns it into the rules' windows when the key is seen again (see
 * promote() in detector.c).
 *
 * Layout as in window.c: dense entries, an open-addressing index of 32-bit
 * entry numbers with 8 key bits (linear probing, load <= 1/2),
 * backward-shift deletion. Keys are seeded 64-bit hashes. */
#include "detect-int.h"

_Static_assert(offsetof(mm_first, key) == 0, "denseidx.c reads the key first");
_Static_assert(sizeof(mm_first) == 24, "a first sighting stays 24 bytes");
_Static_assert(MM_OUT_COUNT <= 16 && MM_SVC_COUNT <= 16,
               "outcome and service share one byte of mm_first");
_Static_assert(MM_DS_COUNT <= 64 && MM_ACT_COUNT < 64 && MM_CAT_COUNT <= 64,
               "filter masks are 64 bits");

#include <string.h>

mm_rc mm_fstab_init(mm_fstab *t, size_t max)
{
    memset(t, 0, sizeof *t);
    t->max = max < MM_DIDX_MASK - 1 ? max : MM_DIDX_MASK - 1;
    t->ix.mask = 1023;
    t->ix.idx = mm_big_realloc(NULL, 0, (t->ix.mask + 1) * sizeof *t->ix.idx);
    return t->ix.idx ? MM_OK : MM_ENOMEM;
}

void mm_fstab_fini(mm_fstab *t)
{
    mm_big_free(t->ix.idx, (t->ix.mask + 1) * sizeof *t->ix.idx);
    mm_big_free(t->ents, t->cap * sizeof *t->ents);
    memset(t, 0, sizeof *t);
}

mm_first *mm_fstab_find(const mm_fstab *t, uint64_t key)
{
    size_t j = mm_didx_home(&t->ix, key);
    uint32_t v, fp = MM_DIDX_FP(key);
    while ((v = t->ix.idx[j]) != 0) {
        if ((v & ~MM_DIDX_MASK) == fp &&
            t->ents[(v & MM_DIDX_MASK) - 1].key == key)
            return &t->ents[(v & MM_DIDX_MASK) - 1];
        j = (j + 1) & t->ix.mask;
    }
    return NULL;
}

void mm_fstab_prefetch_slot(const mm_fstab *t, uint64_t key)
{
    __builtin_prefetch(&t->ix.idx[mm_didx_home(&t->ix, key)]);
}

static mm_rc reindex(mm_fstab *t, size_t size)
{
    return mm_didx_resize(&t->ix, size, t->ents, sizeof *t->ents, t->n);
}

mm_first *mm_fstab_insert(mm_fstab *t, uint64_t key)
{
    if (t->n >= t->max)
        return NULL;
    if ((t->n + 1) * 2 > t->ix.mask + 1) {
        if (reindex(t, (t->ix.mask + 1) * 2) != MM_OK)
            return NULL;
    }
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 1024;
        if (nc > t->max)
            nc = t->max;
        mm_first *ne =
            mm_big_realloc(t->ents, t->cap * sizeof *ne, nc * sizeof *ne);
        if (!ne)
            return NULL;
        t->ents = ne;
        t->cap = nc;
    }
    mm_didx_place(&t->ix, key, t->n);
    mm_first *e = &t->ents[t->n++];
    memset(e, 0, sizeof *e);
    e->key = key;
    return e;
}

void mm_fstab_remove(mm_fstab *t, mm_first *e)
{
    size_t ei = (size_t)(e - t->ents);
    mm_didx_remove(&t->ix, t->ents, sizeof *t->ents, t->n, ei);
    t->n--;
}

size_t mm_fstab_memory(const mm_fstab *t)
{
    return (t->ix.mask + 1) * sizeof *t->ix.idx + t->cap * sizeof(mm_first);
}
