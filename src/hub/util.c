/* SPDX-License-Identifier: Apache-2.0 */
/* util.c — small hub helpers: tenant kinds and ids, CIDRs, tokens, UUIDs,
 * RFC 3339 time. */
#include "hub-int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[MM_TK_COUNT] = {"sme", "buyer", "critical",
                                                    "provider"};

MM_HUB_NAMES(mm_tenant_kind_name, mm_tenant_kind_from_name, mm_tenant_kind,
             kind_names, MM_TK_COUNT, "sme")

bool mm_hub_id_valid(const char *s)
{
    return mm_name_valid(s, strlen(s), MM_HUB_ID_MAX);
}

void mm_hub_token_new(char *out, size_t outlen)
{
    uint8_t r[32];
    char h[65];
    if (sodium_init() < 0) {
        /* libsodium could not initialise: fall back to getrandom-backed
         * seeds from core, still 256 bits. */
        for (int i = 0; i < 4; i++) {
            uint64_t v = mm_random_seed();
            memcpy(r + 8 * i, &v, 8);
        }
    } else {
        randombytes_buf(r, sizeof r);
    }
    sodium_bin2hex(h, sizeof h, r, sizeof r);
    snprintf(out, outlen, "mmt_%s", h);
}

void mm_hub_token_hash(const char *token, size_t len, char *out, size_t outlen)
{
    uint8_t d[crypto_hash_sha256_BYTES];
    char h[65];
    crypto_hash_sha256(d, (const unsigned char *)token, len);
    sodium_bin2hex(h, sizeof h, d, sizeof d);
    snprintf(out, outlen, "%s", h);
}

void mm_hub_uuid(const char *ns, const char *name, char out[37])
{
    crypto_hash_sha256_state st;
    uint8_t d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)ns, strlen(ns));
    crypto_hash_sha256_update(&st, (const unsigned char *)"\0", 1);
    crypto_hash_sha256_update(&st, (const unsigned char *)name, strlen(name));
    crypto_hash_sha256_final(&st, d);
    d[6] = (uint8_t)((d[6] & 0x0f) | 0x40); /* version 4 layout */
    d[8] = (uint8_t)((d[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    char h[33];
    sodium_bin2hex(h, sizeof h, d, 16);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16,
             h + 20);
}

mm_rc mm_hub_parse_time(const char *s, size_t len, int64_t *ms)
{
    int y, mo, d, h, mi, se;
    if (len < 20 || !mm_digits(s, 4, &y) || s[4] != '-' ||
        !mm_digits(s + 5, 2, &mo) || s[7] != '-' || !mm_digits(s + 8, 2, &d) ||
        (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        !mm_digits(s + 11, 2, &h) || s[13] != ':' ||
        !mm_digits(s + 14, 2, &mi) || s[16] != ':' ||
        !mm_digits(s + 17, 2, &se))
        return MM_EPARSE;
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
        h > 23 || mi > 59 || se > 60)
        return MM_EPARSE;
    size_t i = 19;
    int frac = 0;
    if (i < len && s[i] == '.') {
        i++;
        int nd = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (nd < 3)
                frac = frac * 10 + (s[i] - '0');
            nd++;
            i++;
        }
        if (nd == 0 || nd > 9)
            return MM_EPARSE;
        for (; nd < 3; nd++)
            frac *= 10;
    }
    int off = 0;
    if (i >= len || mm_time_parse_offset(s + i, len - i, &off) != MM_OK)
        return MM_EPARSE;
    *ms = (mm_time_from_civil(y, mo, d, h, mi, se) - off) * 1000 + frac;
    return MM_OK;
}

void *mm_hub__grow(void *v, size_t n, size_t *cap, size_t size, size_t first)
{
    return mm_grow(v, cap, n + 1, size, first);
}

bool mm_hub_valid_domain(const char *s, size_t n)
{
    if (n == 0 || n > 253)
        return false;
    size_t lab = 0, labels = 0, start = 0;
    bool digits = true;
    for (size_t i = 0; i <= n; i++) {
        char c = i < n ? s[i] : '.';
        if (c == '.') {
            /* a label: 1..63 bytes, no hyphen at either end */
            if (lab == 0 || lab > 63 || s[start] == '-' || s[i - 1] == '-')
                return false;
            labels++;
            if (i < n)
                digits = true;
            lab = 0;
            start = i + 1;
            continue;
        }
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        bool digit = c >= '0' && c <= '9';
        if (!alpha && !digit && c != '-' && c != '_')
            return false;
        if (!digit)
            digits = false;
        lab++;
    }
    return labels >= 2 && !digits;
}

bool mm_hub_valid_path(const char *s, size_t n)
{
    if (n == 0 || n > 2048)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return false;
    return true;
}

bool mm_hub_valid_name(const char *s, size_t n)
{
    if (n > 256)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return false;
        /* C1 controls U+0080..U+009F are C2 80..C2 9F in UTF-8 */
        if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] < 0xA0)
            return false;
    }
    return true;
}

bool mm_hub_valid_rule_id(const char *s, size_t n)
{
    if (n == 0 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}
