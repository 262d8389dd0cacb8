/* SPDX-License-Identifier: Apache-2.0 */
/* mem.c — growable arrays: one doubling policy, overflow-checked sizes. */
#include "core.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

size_t mm_grow_cap(size_t cap, size_t need, size_t first)
{
    size_t nc = cap ? cap : first;
    while (nc < need && nc <= SIZE_MAX / 2)
        nc *= 2;
    return nc < need ? need : nc;
}

void *mm_grow(void *v, size_t *cap, size_t need, size_t size, size_t first)
{
    if (need <= *cap)
        return v;
    size_t nc = mm_grow_cap(*cap, need, first);
    if (size && nc > SIZE_MAX / size)
        return NULL;
    void *nv = realloc(v, nc * size);
    if (nv)
        *cap = nc;
    return nv;
}

mm_rc mm_vec_push(mm_vec *vec, const void *rec)
{
    char *nv = mm_grow(vec->v, &vec->cap, vec->n + 1, vec->size, 16);
    if (!nv)
        return MM_ENOMEM;
    memcpy(nv + vec->n++ * vec->size, rec, vec->size);
    vec->v = nv;
    return MM_OK;
}

mm_rc mm_resize(void *pp, size_t n, size_t size)
{
    if (n == 0 || size == 0 || n > SIZE_MAX / size)
        return MM_ENOMEM;
    void *old;
    memcpy(&old, pp, sizeof old); /* pp points at some T *: read it whole */
    void *nv = realloc(old, n * size);
    if (!nv)
        return MM_ENOMEM;
    memcpy(pp, &nv, sizeof nv);
    /* nv now lives at *pp, which cppcheck does not follow through memcpy */
    /* cppcheck-suppress memleak */
    return MM_OK;
}

void *mm_grow_slot(void *pp, size_t n, size_t *cap, size_t size, size_t first)
{
    void *old;
    memcpy(&old, pp, sizeof old); /* pp points at some T *: read it whole */
    char *nv = mm_grow(old, cap, n + 1, size, first);
    if (!nv)
        return NULL;
    memcpy(pp, &nv, sizeof nv);
    memset(nv + n * size, 0, size);
    return nv + n * size;
}
