/* SPDX-License-Identifier: Apache-2.0 */
/* domainset.c — a set of domain names (open addressing over seeded hashes,
 * names kept in one string pool); a lookup tries the name and then each
 * parent domain, so "evil.example" also matches "a.b.evil.example". */
#include "detect-int.h"

#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 253u

void mm_domainset_init(mm_domainset *s, uint64_t seed)
{
    memset(s, 0, sizeof *s);
    s->seed = seed;
}

void mm_domainset_fini(mm_domainset *s)
{
    free(s->slots);
    free(s->pool);
    memset(s, 0, sizeof *s);
}

static uint64_t name_hash(const mm_domainset *s, const char *p, size_t n)
{
    uint64_t h = mm_hash64(p, n, s->seed);
    return h ? h : 1;
}

static bool slot_eq(const mm_domainset *s, const mm_dslot *e, uint64_t h,
                    const char *p, size_t n)
{
    return e->hash == h && e->len == n && memcmp(s->pool + e->off, p, n) == 0;
}

static mm_rc grow(mm_domainset *s)
{
    size_t nc = s->cap ? s->cap * 2 : 1024;
    mm_dslot *ns = calloc(nc, sizeof *ns);
    if (!ns)
        return MM_ENOMEM;
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->slots[i].hash)
            continue;
        size_t j = s->slots[i].hash & (nc - 1);
        while (ns[j].hash)
            j = (j + 1) & (nc - 1);
        ns[j] = s->slots[i];
    }
    free(s->slots);
    s->slots = ns;
    s->cap = nc;
    return MM_OK;
}

/* Lower-cases and validates: letters, digits, '-', '_', '.', labels 1..63,
 * at least one dot, trailing dot dropped. */
static bool normalise(const char *p, size_t len, char *out, size_t *outlen)
{
    if (len && p[len - 1] == '.')
        len--;
    if (len == 0 || len > NAME_MAX_LEN)
        return false;
    size_t label = 0;
    bool dot = false;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c == '.') {
            if (label == 0)
                return false;
            label = 0;
            dot = true;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_') {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
        out[i] = c;
    }
    if (label == 0 || !dot)
        return false;
    *outlen = len;
    return true;
}

bool mm_domain_valid(const char *name, size_t len)
{
    char buf[NAME_MAX_LEN + 1];
    size_t n;
    return normalise(name, len, buf, &n);
}

mm_rc mm_domainset_add(mm_domainset *s, const char *name, size_t len,
                       unsigned set, const char **why)
{
    char buf[NAME_MAX_LEN + 1];
    size_t n;
    if (!normalise(name, len, buf, &n)) {
        *why = "not a domain name";
        return MM_EPARSE;
    }
    if ((s->n + 1) * 4 > s->cap * 3) {
        mm_rc rc = grow(s);
        if (rc != MM_OK)
            return rc;
    }
    uint64_t h = name_hash(s, buf, n);
    size_t j = h & (s->cap - 1);
    while (s->slots[j].hash) {
        if (slot_eq(s, &s->slots[j], h, buf, n))
            return MM_OK; /* duplicate: first set wins */
        j = (j + 1) & (s->cap - 1);
    }
    if (s->pool_len + n > s->pool_cap) {
        size_t nc = mm_grow_cap(s->pool_cap, s->pool_len + n, 65536);
        if (nc > UINT32_MAX)
            return MM_ELIMIT;
        if (mm_resize(&s->pool, nc, 1) != MM_OK)
            return MM_ENOMEM;
        s->pool_cap = nc;
    }
    memcpy(s->pool + s->pool_len, buf, n);
    s->slots[j].hash = h;
    s->slots[j].off = (uint32_t)s->pool_len;
    s->slots[j].len = (uint16_t)n;
    s->slots[j].set = (uint8_t)set;
    s->pool_len += n;
    s->n++;
    return MM_OK;
}

static const mm_dslot *find(const mm_domainset *s, const char *p, size_t n)
{
    uint64_t h = name_hash(s, p, n);
    size_t j = h & (s->cap - 1);
    while (s->slots[j].hash) {
        if (slot_eq(s, &s->slots[j], h, p, n))
            return &s->slots[j];
        j = (j + 1) & (s->cap - 1);
    }
    return NULL;
}

bool mm_domainset_lookup(const mm_domainset *s, const char *name, size_t len,
                         unsigned *set, char *out, size_t outlen)
{
    if (!s->n)
        return false;
    char buf[NAME_MAX_LEN + 1];
    size_t n;
    if (!normalise(name, len, buf, &n))
        return false;
    const char *p = buf;
    /* Walk suffixes while at least one dot remains ("example.com" is the
     * shortest name tried; a bare TLD never matches). */
    for (;;) {
        const mm_dslot *e = find(s, p, n);
        if (e) {
            if (set)
                *set = e->set;
            if (out && outlen) {
                size_t c = n < outlen - 1 ? n : outlen - 1;
                memcpy(out, p, c);
                out[c] = '\0';
            }
            return true;
        }
        const char *dot = memchr(p, '.', n);
        if (!dot)
            return false;
        n -= (size_t)(dot + 1 - p);
        p = dot + 1;
        if (!memchr(p, '.', n))
            return false;
    }
}

size_t mm_domainset_memory(const mm_domainset *s)
{
    return s->cap * sizeof(mm_dslot) + s->pool_cap;
}
