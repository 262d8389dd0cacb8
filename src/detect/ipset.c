/* SPDX-License-Identifier: Apache-2.0 */
/* ipset.c — IP prefix sets: a sorted array of prefixes per family, each
 * linked to the prefix enclosing it, searched by binary search. Memory is
 * 12 bytes per IPv4 entry and 24 per IPv6 entry; building is one sort. */
#include "detect-int.h"

#include <stdlib.h>
#include <string.h>

void mm_ipset_init(mm_ipset *s)
{
    memset(s, 0, sizeof *s);
}

void mm_ipset_fini(mm_ipset *s)
{
    mm_big_free(s->v4, s->cap4 * sizeof *s->v4);
    mm_big_free(s->v6, s->cap6 * sizeof *s->v6);
    memset(s, 0, sizeof *s);
}

static uint32_t mask4(unsigned plen)
{
    return plen == 0 ? 0 : 0xffffffffu << (32 - plen);
}

static uint64_t mask64(unsigned plen) /* plen 0..64 */
{
    return plen == 0 ? 0 : plen >= 64 ? ~0ull : ~0ull << (64 - plen);
}

static void addr6_words(const mm_addr *a, uint64_t *hi, uint64_t *lo)
{
    uint64_t h = 0, l = 0;
    for (int i = 0; i < 8; i++) {
        h = h << 8 | a->bytes[i];
        l = l << 8 | a->bytes[8 + i];
    }
    *hi = h;
    *lo = l;
}

static void mask6(uint64_t *hi, uint64_t *lo, unsigned plen)
{
    if (plen <= 64) {
        *hi &= mask64(plen);
        *lo = 0;
    } else {
        *lo &= mask64(plen - 64);
    }
}

mm_rc mm_ipset_add(mm_ipset *s, const mm_addr *a, unsigned plen, unsigned set)
{
    if (a->family == 4) {
        if (plen > 32)
            return MM_EINVAL;
        if (s->n4 == s->cap4) {
            void *p = s->v4;
            if (!mm_big_grow(&p, &s->cap4, sizeof *s->v4, 1024, 0))
                return MM_ENOMEM;
            s->v4 = p;
        }
        uint32_t v = (uint32_t)a->bytes[0] << 24 |
                     (uint32_t)a->bytes[1] << 16 | (uint32_t)a->bytes[2] << 8 |
                     a->bytes[3];
        mm_ip4 *e = &s->v4[s->n4++];
        e->start = v & mask4(plen);
        e->parent = UINT32_MAX;
        e->plen = (uint8_t)plen;
        e->set = (uint8_t)set;
        e->pad = 0;
    } else if (a->family == 6) {
        if (plen > 128)
            return MM_EINVAL;
        if (s->n6 == s->cap6) {
            void *p = s->v6;
            if (!mm_big_grow(&p, &s->cap6, sizeof *s->v6, 256, 0))
                return MM_ENOMEM;
            s->v6 = p;
        }
        mm_ip6 *e = &s->v6[s->n6++];
        addr6_words(a, &e->hi, &e->lo);
        mask6(&e->hi, &e->lo, plen);
        e->parent = UINT32_MAX;
        e->plen = (uint8_t)plen;
        e->set = (uint8_t)set;
        e->pad = 0;
    } else {
        return MM_EINVAL;
    }
    s->sorted = false;
    return MM_OK;
}

static int cmp4(const void *a, const void *b)
{
    const mm_ip4 *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->plen != y->plen) /* wider first, so parents precede children */
        return x->plen < y->plen ? -1 : 1;
    return (int)x->set - (int)y->set;
}

static int cmp6(const void *a, const void *b)
{
    const mm_ip6 *x = a, *y = b;
    if (x->hi != y->hi)
        return x->hi < y->hi ? -1 : 1;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    if (x->plen != y->plen)
        return x->plen < y->plen ? -1 : 1;
    return (int)x->set - (int)y->set;
}

static bool in4(const mm_ip4 *e, uint32_t v)
{
    return (v & mask4(e->plen)) == e->start;
}

static bool in6(const mm_ip6 *e, uint64_t hi, uint64_t lo)
{
    mask6(&hi, &lo, e->plen);
    return hi == e->hi && lo == e->lo;
}

/* In-place quicksort (median of three, insertion sort for short runs,
 * recursion on the smaller side): glibc's qsort takes a temporary copy of
 * the whole array, which would double the peak size of a large set. */
typedef int (*cmp_fn)(const void *, const void *);

static void swap_el(char *a, char *b, size_t size)
{
    char t[32];
    memcpy(t, a, size);
    memcpy(a, b, size);
    memcpy(b, t, size);
}

static void sort_inplace(char *base, size_t n, size_t size, cmp_fn cmp)
{
    while (n > 16) {
        char *lo = base, *mid = base + (n / 2) * size,
             *hi = base + (n - 1) * size;
        if (cmp(mid, lo) < 0)
            swap_el(mid, lo, size);
        if (cmp(hi, mid) < 0) {
            swap_el(hi, mid, size);
            if (cmp(mid, lo) < 0)
                swap_el(mid, lo, size);
        }
        swap_el(mid, hi - size, size); /* pivot at n-2 */
        char *pv = hi - size;
        char *i = lo, *j = pv;
        for (;;) {
            do
                i += size;
            while (cmp(i, pv) < 0);
            do
                j -= size;
            while (cmp(j, pv) > 0);
            if (i >= j)
                break;
            swap_el(i, j, size);
        }
        swap_el(i, pv, size);
        size_t left = (size_t)(i - base) / size, right = n - left - 1;
        if (left < right) {
            sort_inplace(base, left, size, cmp);
            base = i + size;
            n = right;
        } else {
            sort_inplace(i + size, right, size, cmp);
            n = left;
        }
    }
    for (size_t k = 1; k < n; k++)
        for (char *p = base + k * size; p > base && cmp(p, p - size) < 0;
             p -= size)
            swap_el(p, p - size, size);
}

mm_rc mm_ipset_build(mm_ipset *s)
{
    /* IPv4: sort, drop duplicates (same prefix: first set wins), then link
     * each prefix to the nearest enclosing one with a stack. */
    if (s->n4) {
        sort_inplace((char *)s->v4, s->n4, sizeof *s->v4, cmp4);
        size_t w = 0;
        for (size_t i = 0; i < s->n4; i++) {
            if (w && s->v4[w - 1].start == s->v4[i].start &&
                s->v4[w - 1].plen == s->v4[i].plen)
                continue;
            s->v4[w++] = s->v4[i];
        }
        s->n4 = w;
        uint32_t stack[33];
        unsigned sp = 0;
        for (size_t i = 0; i < s->n4; i++) {
            while (sp && !in4(&s->v4[stack[sp - 1]], s->v4[i].start))
                sp--;
            s->v4[i].parent = sp ? stack[sp - 1] : UINT32_MAX;
            if (sp < 33)
                stack[sp++] = (uint32_t)i;
        }
    }
    if (s->n6) {
        sort_inplace((char *)s->v6, s->n6, sizeof *s->v6, cmp6);
        size_t w = 0;
        for (size_t i = 0; i < s->n6; i++) {
            if (w && s->v6[w - 1].hi == s->v6[i].hi &&
                s->v6[w - 1].lo == s->v6[i].lo &&
                s->v6[w - 1].plen == s->v6[i].plen)
                continue;
            s->v6[w++] = s->v6[i];
        }
        s->n6 = w;
        uint32_t stack[129];
        unsigned sp = 0;
        for (size_t i = 0; i < s->n6; i++) {
            while (sp && !in6(&s->v6[stack[sp - 1]], s->v6[i].hi, s->v6[i].lo))
                sp--;
            s->v6[i].parent = sp ? stack[sp - 1] : UINT32_MAX;
            if (sp < 129)
                stack[sp++] = (uint32_t)i;
        }
    }
    /* Give back the growth slack. */
    if (s->n4 && s->n4 < s->cap4) {
        mm_ip4 *nv =
            mm_big_realloc(s->v4, s->cap4 * sizeof *nv, s->n4 * sizeof *nv);
        if (nv) {
            s->v4 = nv;
            s->cap4 = s->n4;
        }
    }
    if (s->n6 && s->n6 < s->cap6) {
        mm_ip6 *nv =
            mm_big_realloc(s->v6, s->cap6 * sizeof *nv, s->n6 * sizeof *nv);
        if (nv) {
            s->v6 = nv;
            s->cap6 = s->n6;
        }
    }
    s->sorted = true;
    return MM_OK;
}

size_t mm_ipset_count(const mm_ipset *s)
{
    return s->n4 + s->n6;
}

size_t mm_ipset_memory(const mm_ipset *s)
{
    return s->cap4 * sizeof(mm_ip4) + s->cap6 * sizeof(mm_ip6);
}

bool mm_ipset_lookup(const mm_ipset *s, const mm_addr *a, unsigned *set,
                     mm_addr *net, unsigned *plen)
{
    if (!s->sorted)
        return false;
    if (a->family == 4) {
        if (!s->n4)
            return false;
        uint32_t v = (uint32_t)a->bytes[0] << 24 |
                     (uint32_t)a->bytes[1] << 16 | (uint32_t)a->bytes[2] << 8 |
                     a->bytes[3];
        /* last entry with start <= v */
        size_t lo = 0, hi = s->n4;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (s->v4[mid].start <= v)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == 0)
            return false;
        uint32_t i = (uint32_t)(lo - 1);
        /* Entries with the same start are sorted wider first; the last one
         * is the most specific. Walk up the parents until one holds v. */
        while (i != UINT32_MAX && !in4(&s->v4[i], v))
            i = s->v4[i].parent;
        if (i == UINT32_MAX)
            return false;
        if (set)
            *set = s->v4[i].set;
        if (net) {
            memset(net, 0, sizeof *net);
            net->family = 4;
            net->bytes[0] = (uint8_t)(s->v4[i].start >> 24);
            net->bytes[1] = (uint8_t)(s->v4[i].start >> 16);
            net->bytes[2] = (uint8_t)(s->v4[i].start >> 8);
            net->bytes[3] = (uint8_t)s->v4[i].start;
        }
        if (plen)
            *plen = s->v4[i].plen;
        return true;
    }
    if (a->family != 6 || !s->n6)
        return false;
    uint64_t h, l;
    addr6_words(a, &h, &l);
    size_t lo = 0, hi = s->n6;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const mm_ip6 *e = &s->v6[mid];
        if (e->hi < h || (e->hi == h && e->lo <= l))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return false;
    uint32_t i = (uint32_t)(lo - 1);
    while (i != UINT32_MAX && !in6(&s->v6[i], h, l))
        i = s->v6[i].parent;
    if (i == UINT32_MAX)
        return false;
    if (set)
        *set = s->v6[i].set;
    if (net) {
        memset(net, 0, sizeof *net);
        net->family = 6;
        for (int k = 0; k < 8; k++) {
            net->bytes[k] = (uint8_t)(s->v6[i].hi >> (56 - 8 * k));
            net->bytes[8 + k] = (uint8_t)(s->v6[i].lo >> (56 - 8 * k));
        }
    }
    if (plen)
        *plen = s->v6[i].plen;
    return true;
}
