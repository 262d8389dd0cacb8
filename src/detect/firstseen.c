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

#include <string.h>

#define IDX_BITS 24u
#define IDX_MASK ((1u << IDX_BITS) - 1u)
#define FP(key) ((uint32_t)((key) >> 56) << IDX_BITS)

mm_rc mm_fstab_init(mm_fstab *t, size_t max)
{
    memset(t, 0, sizeof *t);
    t->max = max < IDX_MASK - 1 ? max : IDX_MASK - 1;
    t->mask = 1023;
    t->idx = mm_big_realloc(NULL, 0, (t->mask + 1) * sizeof *t->idx);
    return t->idx ? MM_OK : MM_ENOMEM;
}

void mm_fstab_fini(mm_fstab *t)
{
    mm_big_free(t->idx, (t->mask + 1) * sizeof *t->idx);
    mm_big_free(t->ents, t->cap * sizeof *t->ents);
    memset(t, 0, sizeof *t);
}

static size_t home(const mm_fstab *t, uint64_t key)
{
    return (size_t)(key ^ (key >> 29)) & t->mask;
}

static size_t pos_of(const mm_fstab *t, size_t ei)
{
    size_t j = home(t, t->ents[ei].key);
    while ((t->idx[j] & IDX_MASK) != ei + 1)
        j = (j + 1) & t->mask;
    return j;
}

mm_first *mm_fstab_find(const mm_fstab *t, uint64_t key)
{
    size_t j = home(t, key);
    uint32_t v, fp = FP(key);
    while ((v = t->idx[j]) != 0) {
        if ((v & ~IDX_MASK) == fp && t->ents[(v & IDX_MASK) - 1].key == key)
            return &t->ents[(v & IDX_MASK) - 1];
        j = (j + 1) & t->mask;
    }
    return NULL;
}

void mm_fstab_prefetch_slot(const mm_fstab *t, uint64_t key)
{
    __builtin_prefetch(&t->idx[home(t, key)]);
}

static mm_rc reindex(mm_fstab *t, size_t size)
{
    uint32_t *ni = mm_big_realloc(NULL, 0, size * sizeof *ni);
    if (!ni)
        return MM_ENOMEM;
    mm_big_free(t->idx, (t->mask + 1) * sizeof *t->idx);
    t->idx = ni;
    t->mask = size - 1;
    for (size_t i = 0; i < t->n; i++) {
        size_t j = home(t, t->ents[i].key);
        while (t->idx[j])
            j = (j + 1) & t->mask;
        t->idx[j] = FP(t->ents[i].key) | (uint32_t)(i + 1);
    }
    return MM_OK;
}

mm_first *mm_fstab_insert(mm_fstab *t, uint64_t key)
{
    if (t->n >= t->max)
        return NULL;
    if ((t->n + 1) * 2 > t->mask + 1) {
        if (reindex(t, (t->mask + 1) * 2) != MM_OK)
            return NULL;
    }
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 1024;
        if (nc > t->max)
            nc = t->max;
        mm_first *ne = mm_big_realloc(t->ents, t->cap * sizeof *ne,
                                      nc * sizeof *ne);
        if (!ne)
            return NULL;
        t->ents = ne;
        t->cap = nc;
    }
    size_t j = home(t, key);
    while (t->idx[j])
        j = (j + 1) & t->mask;
    mm_first *e = &t->ents[t->n];
    memset(e, 0, sizeof *e);
    e->key = key;
    t->idx[j] = FP(key) | (uint32_t)(++t->n);
    return e;
}

void mm_fstab_remove(mm_fstab *t, mm_first *e)
{
    size_t ei = (size_t)(e - t->ents);
    size_t j = pos_of(t, ei);
    t->idx[j] = 0;
    size_t k = (j + 1) & t->mask;
    while (t->idx[k]) {
        size_t h = home(t, t->ents[(t->idx[k] & IDX_MASK) - 1].key);
        bool between = j <= k ? (h > j && h <= k) : (h > j || h <= k);
        if (!between) {
            t->idx[j] = t->idx[k];
            t->idx[k] = 0;
            j = k;
        }
        k = (k + 1) & t->mask;
    }
    size_t last = t->n - 1;
    if (ei != last) {
        size_t lp = pos_of(t, last);
        t->ents[ei] = t->ents[last];
        t->idx[lp] = FP(t->ents[ei].key) | (uint32_t)(ei + 1);
    }
    t->n--;
}

size_t mm_fstab_memory(const mm_fstab *t)
{
    return (t->mask + 1) * sizeof *t->idx + t->cap * sizeof(mm_first);
}
