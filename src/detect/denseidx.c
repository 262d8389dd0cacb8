/* SPDX-License-Identifier: Apache-2.0 */
/* denseidx.c — the index both counting tables use (window.c, firstseen.c):
 * entries are kept dense in an array, and an open-addressing index of
 * 32-bit slots (linear probing, load <= 1/2) finds them. A slot holds the
 * entry number + 1 in its low MM_DIDX_BITS bits and 8 bits of the key
 * above, so most probes that miss never touch the entry. Every entry type
 * starts with its uint64_t key. */
#include "detect-int.h"

#include <string.h>

static uint64_t key_at(const void *ents, size_t stride, size_t i)
{
    uint64_t k;
    memcpy(&k, (const char *)ents + i * stride, sizeof k);
    return k;
}

mm_rc mm_didx_init(mm_didx *x, size_t max)
{
    x->n = x->cap = 0;
    x->max = max < MM_DIDX_MASK - 1 ? max : MM_DIDX_MASK - 1;
    x->mask = 1023;
    x->idx = mm_big_realloc(NULL, 0, (x->mask + 1) * sizeof *x->idx);
    return x->idx ? MM_OK : MM_ENOMEM;
}

void mm_didx_fini(mm_didx *x, void *ents, size_t stride)
{
    mm_big_free(x->idx, (x->mask + 1) * sizeof *x->idx);
    mm_big_free(ents, x->cap * stride);
}

size_t mm_didx_memory(const mm_didx *x, size_t stride)
{
    return (x->mask + 1) * sizeof *x->idx + x->cap * stride;
}

size_t mm_didx_pos(const mm_didx *x, uint64_t key, size_t ei)
{
    size_t j = mm_didx_home(x, key);
    while ((x->idx[j] & MM_DIDX_MASK) != ei + 1)
        j = (j + 1) & x->mask;
    return j;
}

void mm_didx_place(mm_didx *x, uint64_t key, size_t ei)
{
    size_t j = mm_didx_home(x, key);
    while (x->idx[j])
        j = (j + 1) & x->mask;
    x->idx[j] = MM_DIDX_FP(key) | (uint32_t)(ei + 1);
}

mm_rc mm_didx_resize(mm_didx *x, size_t size, const void *ents, size_t stride,
                     size_t n)
{
    uint32_t *ni = mm_big_realloc(NULL, 0, size * sizeof *ni);
    if (!ni)
        return MM_ENOMEM;
    mm_big_free(x->idx, (x->mask + 1) * sizeof *x->idx);
    x->idx = ni;
    x->mask = size - 1;
    for (size_t i = 0; i < n; i++)
        mm_didx_place(x, key_at(ents, stride, i), i);
    return MM_OK;
}

void mm_didx_remove(mm_didx *x, void *ents, size_t stride, size_t ei)
{
    size_t j = mm_didx_pos(x, key_at(ents, stride, ei), ei);
    /* Backward-shift deletion keeps probe chains intact without tombstones:
     * move idx[k] into the hole j when its home is not in (j, k]. */
    x->idx[j] = 0;
    size_t k = (j + 1) & x->mask;
    while (x->idx[k]) {
        size_t h = mm_didx_home(
            x, key_at(ents, stride, (x->idx[k] & MM_DIDX_MASK) - 1));
        bool between = j <= k ? (h > j && h <= k) : (h > j || h <= k);
        if (!between) {
            x->idx[j] = x->idx[k];
            x->idx[k] = 0;
            j = k;
        }
        k = (k + 1) & x->mask;
    }
    /* Keep entries dense: the last one takes the freed place. */
    size_t last = --x->n;
    if (ei != last) {
        uint64_t lk = key_at(ents, stride, last);
        size_t lp = mm_didx_pos(x, lk, last);
        memcpy((char *)ents + ei * stride, (char *)ents + last * stride,
               stride);
        x->idx[lp] = MM_DIDX_FP(lk) | (uint32_t)(ei + 1);
    }
}

void *mm_didx_add(mm_didx *x, void **ents, size_t stride, uint64_t key)
{
    if (x->n >= x->max)
        return NULL;
    if ((x->n + 1) * 2 > x->mask + 1 &&
        mm_didx_resize(x, (x->mask + 1) * 2, *ents, stride, x->n) != MM_OK)
        return NULL;
    if (x->n == x->cap && !mm_big_grow(ents, &x->cap, stride, 1024, x->max))
        return NULL;
    mm_didx_place(x, key, x->n);
    char *e = (char *)*ents + x->n++ * stride;
    memset(e, 0, stride);
    memcpy(e, &key, sizeof key);
    return e;
}
