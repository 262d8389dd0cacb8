/* SPDX-License-Identifier: Apache-2.0 */
/* bigmem.c — large arrays straight from mmap/mremap. The window table and
 * the indicator sets grow by doubling to tens of megabytes; through malloc
 * the old copies stay in the heap after a grow (glibc raises its mmap
 * threshold once a large block is freed), so the resident set ends up far
 * above what the arrays hold. mremap grows in place or moves pages without
 * copying, and munmap returns memory at once. New pages read as zero. */
#include "detect-int.h"

#include <sys/mman.h>
#include <unistd.h>

static size_t round_up(size_t n)
{
    size_t pg = 4096;
    return (n + pg - 1) & ~(pg - 1);
}

void *mm_big_realloc(void *p, size_t old_size, size_t new_size)
{
    if (new_size == 0) {
        mm_big_free(p, old_size);
        return NULL;
    }
    size_t o = round_up(old_size), n = round_up(new_size);
    void *q;
    if (!p || !old_size)
        q = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                 -1, 0);
    else if (o == n)
        return p;
    else
        q = mremap(p, o, n, MREMAP_MAYMOVE);
    return q == MAP_FAILED ? NULL : q;
}

bool mm_big_grow(void **p, size_t *cap, size_t stride, size_t first,
                 size_t max)
{
    size_t nc = *cap ? *cap * 2 : first;
    if (max && nc > max)
        nc = max;
    void *q = mm_big_realloc(*p, *cap * stride, nc * stride);
    if (!q)
        return false;
    *p = q;
    *cap = nc;
    return true;
}

void mm_big_free(void *p, size_t size)
{
    if (p && size)
        munmap(p, round_up(size));
}
