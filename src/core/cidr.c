/* SPDX-License-Identifier: Apache-2.0 */
/* cidr.c — the one CIDR prefix parser (IPv4, IPv6, IPv4-mapped IPv6). */
#include "core.h"

#include <string.h>

static mm_rc fail(const char **why, const char *reason)
{
    if (why)
        *why = reason;
    return MM_EPARSE;
}

/* Clears the host bits so equal prefixes compare equal. */
static void clear_host_bits(mm_cidr *c)
{
    unsigned nbytes = c->addr.family == 4 ? 4u : 16u;
    for (unsigned i = 0; i < nbytes; i++) {
        unsigned lo = i * 8u;
        if (lo >= c->bits)
            c->addr.bytes[i] = 0;
        else if (c->bits - lo < 8u)
            c->addr.bytes[i] &= (uint8_t)(0xffu << (8u - (c->bits - lo)));
    }
}

mm_rc mm_cidr_parse_why(const char *s, size_t len, mm_cidr *out,
                        const char **why)
{
    memset(out, 0, sizeof *out);
    const char *slash = memchr(s, '/', len);
    size_t alen = slash ? (size_t)(slash - s) : len;
    if (mm_addr_parse(s, alen, &out->addr) != MM_OK)
        return fail(why, "not an IP address");
    unsigned max = out->addr.family == 4 ? 32u : 128u;
    /* mm_addr_parse turned ::ffff:a.b.c.d into IPv4; its prefix length
     * was written for the 128-bit form. */
    bool mapped = out->addr.family == 4 && memchr(s, ':', alen) != NULL;
    if (!slash) {
        out->bits = max;
        return MM_OK;
    }
    size_t rest = len - alen - 1;
    if (rest == 0 || rest > 3)
        return fail(why, "bad prefix length");
    unsigned bits = 0;
    for (size_t i = 0; i < rest; i++) {
        char c = slash[1 + i];
        if (c < '0' || c > '9')
            return fail(why, "bad prefix length");
        bits = bits * 10u + (unsigned)(c - '0');
    }
    if (mapped) {
        if (bits < 96u || bits > 128u)
            return fail(why, "prefix length out of range");
        bits -= 96u;
    }
    if (bits > max)
        return fail(why, "prefix length out of range");
    out->bits = bits;
    clear_host_bits(out);
    return MM_OK;
}

mm_rc mm_cidr_parse(const char *s, size_t len, mm_cidr *out)
{
    return mm_cidr_parse_why(s, len, out, NULL);
}

static bool bits_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    unsigned full = bits / 8u, rest = bits % 8u;
    if (memcmp(a, b, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xffu << (8u - rest));
    return (a[full] & mask) == (b[full] & mask);
}

bool mm_cidr_contains(const mm_cidr *c, const mm_addr *a)
{
    if (c->addr.family != a->family || a->family == 0)
        return false;
    return bits_equal(c->addr.bytes, a->bytes, c->bits);
}

bool mm_cidr_within(const mm_cidr *inner, const mm_cidr *outer)
{
    if (inner->bits < outer->bits)
        return false;
    return mm_cidr_contains(outer, &inner->addr);
}
