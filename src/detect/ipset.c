/* SPDX-License-Identifier: Apache-2.0 */
/* ipset.c — IP prefix sets: a sorted array of prefixes per family, each
 * linked to the prefix enclosing it, searched by binary search. Memory is
 * 12 bytes per IPv4 entry and 24 per IPv6 entry; building is one sort. */
#include "detect-int.h"

#include <stddef.h>
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

static uint32_t addr4_word(const mm_addr *a)
{
    return (uint32_t)a->bytes[0] << 24 | (uint32_t)a->bytes[1] << 16 |
           (uint32_t)a->bytes[2] << 8 | a->bytes[3];
}

/* Appends entry `e` of `size` bytes, growing the array first when full. */
static mm_rc push(void **v, size_t *n, size_t *cap, const void *e, size_t size,
                  size_t first)
{
    if (*n == *cap && !mm_big_grow(v, cap, size, first, 0))
        return MM_ENOMEM;
    memcpy((char *)*v + (*n)++ * size, e, size);
    return MM_OK;
}

mm_rc mm_ipset_add(mm_ipset *s, const mm_addr *a, unsigned plen, unsigned set)
{
    mm_rc rc = MM_EINVAL;
    void *p;
    if (a->family == 4 && plen <= 32) {
        mm_ip4 e = {.start = addr4_word(a) & mask4(plen),
                    .parent = UINT32_MAX,
                    .plen = (uint8_t)plen,
                    .set = (uint8_t)set};
        p = s->v4;
        rc = push(&p, &s->n4, &s->cap4, &e, sizeof e, 1024);
        s->v4 = p;
    } else if (a->family == 6 && plen <= 128) {
        mm_ip6 e = {
            .parent = UINT32_MAX, .plen = (uint8_t)plen, .set = (uint8_t)set};
        addr6_words(a, &e.hi, &e.lo);
        mask6(&e.hi, &e.lo, plen);
        p = s->v6;
        rc = push(&p, &s->n6, &s->cap6, &e, sizeof e, 256);
        s->v6 = p;
    }
    if (rc == MM_OK)
        s->sorted = false;
    return rc;
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

/* What building needs to know of one family's entries; the steps are the
 * same for both, only the key width differs. */
typedef struct family {
    size_t size;       /* bytes of one entry */
    size_t parent_off; /* offset of its uint32_t parent */
    unsigned depth;    /* nesting depth at most: prefix lengths 0..width */
    cmp_fn cmp;
    bool (*same)(const void *a, const void *b);       /* same prefix */
    bool (*holds)(const void *outer, const void *in); /* outer encloses in */
    bool (*starts_by)(const void *e, const void *in); /* e starts <= in */
} family;

static bool same4(const void *a, const void *b)
{
    const mm_ip4 *x = a, *y = b;
    return x->start == y->start && x->plen == y->plen;
}

static bool same6(const void *a, const void *b)
{
    const mm_ip6 *x = a, *y = b;
    return x->hi == y->hi && x->lo == y->lo && x->plen == y->plen;
}

static bool holds4(const void *outer, const void *in)
{
    return in4(outer, ((const mm_ip4 *)in)->start);
}

static bool holds6(const void *outer, const void *in)
{
    const mm_ip6 *e = in;
    return in6(outer, e->hi, e->lo);
}

static bool starts_by4(const void *e, const void *in)
{
    return ((const mm_ip4 *)e)->start <= ((const mm_ip4 *)in)->start;
}

static bool starts_by6(const void *e, const void *in)
{
    const mm_ip6 *x = e, *y = in;
    return x->hi < y->hi || (x->hi == y->hi && x->lo <= y->lo);
}

static const family fam4 = {
    sizeof(mm_ip4), offsetof(mm_ip4, parent), 33, cmp4, same4, holds4,
    starts_by4};
static const family fam6 = {
    sizeof(mm_ip6), offsetof(mm_ip6, parent), 129, cmp6, same6, holds6,
    starts_by6};

static uint32_t parent_of(const char *b, uint32_t i, const family *f)
{
    uint32_t parent;
    memcpy(&parent, b + i * f->size + f->parent_off, sizeof parent);
    return parent;
}

/* Sorts, drops duplicates (same prefix: first set wins), links each prefix
 * to the nearest enclosing one with a stack and gives back the growth
 * slack. Returns the new count. */
static size_t build_family(void **v, size_t n, size_t *cap, const family *f)
{
    char *b = *v;
    if (!n)
        return 0;
    sort_inplace(b, n, f->size, f->cmp);
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (w && f->same(b + (w - 1) * f->size, b + i * f->size))
            continue;
        memmove(b + w++ * f->size, b + i * f->size, f->size);
    }
    uint32_t stack[129];
    unsigned sp = 0;
    for (size_t i = 0; i < w; i++) {
        while (sp && !f->holds(b + stack[sp - 1] * f->size, b + i * f->size))
            sp--;
        uint32_t parent = sp ? stack[sp - 1] : UINT32_MAX;
        memcpy(b + i * f->size + f->parent_off, &parent, sizeof parent);
        if (sp < f->depth)
            stack[sp++] = (uint32_t)i;
    }
    if (w < *cap) {
        void *nv = mm_big_realloc(b, *cap * f->size, w * f->size);
        if (nv) {
            *v = nv;
            *cap = w;
        }
    }
    return w;
}

mm_rc mm_ipset_build(mm_ipset *s)
{
    void *p = s->v4;
    s->n4 = build_family(&p, s->n4, &s->cap4, &fam4);
    s->v4 = p;
    p = s->v6;
    s->n6 = build_family(&p, s->n6, &s->cap6, &fam6);
    s->v6 = p;
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

/* Index of the most specific prefix holding the address of `probe`, or
 * UINT32_MAX. Inline so that each family's call sees its own descriptor
 * and calls the comparisons directly (this is the per-event path). */
static inline uint32_t find(const char *b, size_t n, const family *f,
                            const void *probe)
{
    /* last entry with start <= the address */
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->starts_by(b + mid * f->size, probe))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return UINT32_MAX;
    uint32_t i = (uint32_t)(lo - 1);
    /* Entries with the same start are sorted wider first; the last one is
     * the most specific. Walk up the parents until one holds the address. */
    while (i != UINT32_MAX && !f->holds(b + i * f->size, probe))
        i = parent_of(b, i, f);
    return i;
}

bool mm_ipset_lookup(const mm_ipset *s, const mm_addr *a, unsigned *set,
                     mm_addr *net, unsigned *plen)
{
    if (!s->sorted)
        return false;
    mm_addr n;
    memset(&n, 0, sizeof n);
    n.family = a->family;
    unsigned eset, eplen;
    if (a->family == 4) {
        mm_ip4 probe = {.start = addr4_word(a)};
        uint32_t i = find((const char *)s->v4, s->n4, &fam4, &probe);
        if (i == UINT32_MAX)
            return false;
        const mm_ip4 *e = &s->v4[i];
        for (int k = 0; k < 4; k++)
            n.bytes[k] = (uint8_t)(e->start >> (24 - 8 * k));
        eset = e->set;
        eplen = e->plen;
    } else if (a->family == 6) {
        mm_ip6 probe;
        addr6_words(a, &probe.hi, &probe.lo);
        uint32_t i = find((const char *)s->v6, s->n6, &fam6, &probe);
        if (i == UINT32_MAX)
            return false;
        const mm_ip6 *e = &s->v6[i];
        for (int k = 0; k < 8; k++) {
            n.bytes[k] = (uint8_t)(e->hi >> (56 - 8 * k));
            n.bytes[8 + k] = (uint8_t)(e->lo >> (56 - 8 * k));
        }
        eset = e->set;
        eplen = e->plen;
    } else {
        return false;
    }
    if (set)
        *set = eset;
    if (net)
        *net = n;
    if (plen)
        *plen = eplen;
    return true;
}
