/* SPDX-License-Identifier: Apache-2.0 */
/* addr.c — IPv4/IPv6 addresses: parse, format, reserved ranges. */
#include "core.h"

#include <arpa/inet.h>
#include <string.h>

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0,    0,
                                             0, 0, 0, 0, 0xff, 0xff};

mm_rc mm_addr_parse(const char *s, size_t len, mm_addr *out)
{
    char tmp[48];
    if (len == 0 || len >= sizeof tmp)
        return MM_EPARSE;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    memset(out, 0, sizeof *out);
    if (memchr(tmp, ':', len)) {
        if (inet_pton(AF_INET6, tmp, out->bytes) != 1)
            return MM_EPARSE;
        if (memcmp(out->bytes, v4_mapped_prefix, 12) == 0) {
            memmove(out->bytes, out->bytes + 12, 4);
            memset(out->bytes + 4, 0, 12);
            out->family = 4;
        } else {
            out->family = 6;
        }
        return MM_OK;
    }
    if (inet_pton(AF_INET, tmp, out->bytes) != 1)
        return MM_EPARSE;
    out->family = 4;
    return MM_OK;
}

/* IPv4 as inet_ntop writes it ("%u.%u.%u.%u"), without printf: the hub
 * formats every uploaded address, and glibc's inet_ntop went through
 * vfprintf (~20 % of an upload thread, perf). */
static size_t format_v4(const uint8_t b[4], char *out)
{
    size_t k = 0;
    for (int i = 0; i < 4; i++) {
        unsigned v = b[i];
        if (i)
            out[k++] = '.';
        if (v >= 100)
            out[k++] = (char)('0' + v / 100);
        if (v >= 10)
            out[k++] = (char)('0' + v / 10 % 10);
        out[k++] = (char)('0' + v % 10);
    }
    out[k] = '\0';
    return k;
}

size_t mm_addr_format(const mm_addr *a, char *out, size_t outlen)
{
    if (outlen < 46 || (a->family != 4 && a->family != 6)) {
        if (outlen)
            out[0] = '\0';
        return 0;
    }
    if (a->family == 4)
        return format_v4(a->bytes, out);
    inet_ntop(AF_INET6, a->bytes, out, (socklen_t)outlen);
    return strlen(out);
}

bool mm_addr_eq(const mm_addr *a, const mm_addr *b)
{
    if (a->family != b->family)
        return false;
    return memcmp(a->bytes, b->bytes, a->family == 4 ? 4 : 16) == 0;
}

/* Reserved prefixes as (bytes, prefix length); an immutable table. */
typedef struct prefix {
    uint8_t b[16];
    uint8_t bits;
} prefix;

static const prefix reserved_v4[] = {
    {{0}, 8},
    {{10}, 8},
    {{100, 64}, 10},
    {{127}, 8},
    {{169, 254}, 16},
    {{172, 16}, 12},
    {{192, 0, 0}, 24},
    {{192, 0, 2}, 24},
    {{192, 168}, 16},
    {{198, 18}, 15},
    {{198, 51, 100}, 24},
    {{203, 0, 113}, 24},
    {{224}, 4},
    {{240}, 4},
};

static const prefix reserved_v6[] = {
    {{0}, 127},                     /* :: and ::1 */
    {{0x01, 0x00}, 64},             /* discard-only 100::/64 */
    {{0x20, 0x01, 0x0d, 0xb8}, 32}, /* documentation */
    {{0xfc}, 7},                    /* unique local */
    {{0xfe, 0x80}, 10},             /* link-local */
    {{0xff}, 8},                    /* multicast */
};

static bool prefix_match(const uint8_t *addr, const prefix *p)
{
    unsigned full = p->bits / 8u, rest = p->bits % 8u;
    if (memcmp(addr, p->b, full) != 0)
        return false;
    if (!rest)
        return true;
    uint8_t mask = (uint8_t)(0xffu << (8u - rest));
    return (addr[full] & mask) == (p->b[full] & mask);
}

bool mm_addr_is_reserved(const mm_addr *a)
{
    const prefix *tab = a->family == 4 ? reserved_v4 : reserved_v6;
    size_t n = a->family == 4 ? sizeof reserved_v4 / sizeof *reserved_v4
                              : sizeof reserved_v6 / sizeof *reserved_v6;
    if (a->family != 4 && a->family != 6)
        return true;
    for (size_t i = 0; i < n; i++)
        if (prefix_match(a->bytes, &tab[i]))
            return true;
    return false;
}
