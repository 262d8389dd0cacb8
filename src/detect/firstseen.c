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
    return mm_didx_init(&t->ix, max);
}

void mm_fstab_fini(mm_fstab *t)
{
    mm_didx_fini(&t->ix, t->ents, sizeof *t->ents);
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

mm_first *mm_fstab_insert(mm_fstab *t, uint64_t key)
{
    void *ents = t->ents;
    mm_first *e = mm_didx_add(&t->ix, &ents, sizeof *e, key);
    t->ents = ents;
    return e;
}

void mm_fstab_remove(mm_fstab *t, mm_first *e)
{
    size_t ei = (size_t)(e - t->ents);
    mm_didx_remove(&t->ix, t->ents, sizeof *t->ents, ei);
}

size_t mm_fstab_memory(const mm_fstab *t)
{
    return mm_didx_memory(&t->ix, sizeof(mm_first));
}
