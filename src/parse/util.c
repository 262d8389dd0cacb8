/* SPDX-License-Identifier: Apache-2.0 */
/* util.c — cursor helpers shared by the parsers: numbers, addresses, host
 * names, time stamps. Every function stays inside [p, e). */
#include "parse-int.h"

#include <time.h>

const char *pp_rfind(const char *p, const char *e, const char *needle,
                     size_t n)
{
    if (n == 0 || p >= e || (size_t)(e - p) < n)
        return NULL;
    for (const char *q = e - n;; q--) {
        if (*q == needle[0] && memcmp(q, needle, n) == 0)
            return q;
        if (q == p)
            return NULL;
    }
}

bool pp_uint(const char **pp, const char *e, uint64_t max, uint64_t *out)
{
    const char *p = *pp;
    uint64_t v = 0;
    if (p >= e || !pp_isdigit(*p))
        return false;
    while (p < e && pp_isdigit(*p)) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (max - d) / 10u)
            return false;
        v = v * 10u + d;
        p++;
    }
    *pp = p;
    *out = v;
    return true;
}

int pp_digits(const char *p, const char *e, size_t n)
{
    if ((size_t)(e - p) < n)
        return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!pp_isdigit(p[i]))
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

bool pp_addr_v4(const char *p, const char *e, bool lead0, mm_addr *out)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++) {
        if (i > 0) {
            if (p >= e || *p != '.')
                return false;
            p++;
        }
        const char *s = p;
        unsigned v = 0;
        while (p < e && pp_isdigit(*p) && p - s < 3)
            v = v * 10u + (unsigned)(*p++ - '0');
        if (p == s || v > 255u || (!lead0 && p - s > 1 && *s == '0'))
            return false;
        b[i] = (uint8_t)v;
    }
    if (p != e)
        return false;
    memset(out, 0, sizeof *out);
    out->family = 4;
    memcpy(out->bytes, b, 4);
    return true;
}

bool pp_addr(const char *p, const char *e, mm_addr *out)
{
    if (p >= e)
        return false;
    if (*p == '[' && e[-1] == ']' && e - p >= 2) {
        p++;
        e--;
    }
    if (p < e && pp_isdigit(*p) && e - p <= 15 && pp_addr_v4(p, e, false, out))
        return true;
    size_t n = (size_t)(e - p);
    if (n < 2 || n > 45 || !memchr(p, ':', n))
        return false;
    return mm_addr_parse(p, n, out) == MM_OK;
}

bool pp_is_hostname(const char *p, const char *e)
{
    if (p >= e || e - p > 253)
        return false;
    bool letter = false;
    for (const char *q = p; q < e; q++) {
        char c = *q;
        if (pp_isalpha(c))
            letter = true;
        else if (!pp_isdigit(c) && c != '-' && c != '.' && c != '_')
            return false;
    }
    return letter;
}

bool pp_peer(const char *p, const char *e, mm_event *ev)
{
    if (pp_addr(p, e, &ev->src))
        return true;
    memset(&ev->src, 0, sizeof ev->src);
    if (!pp_is_hostname(p, e))
        return false;
    ev->src_domain = pp_span(p, e);
    ev->anomalies |= MM_ANOM_HOSTNAME;
    return true;
}

bool pp_port(const char *p, const char *e, uint16_t *out)
{
    uint64_t v;
    if (!pp_uint(&p, e, 65535u, &v) || p != e || v == 0)
        return false;
    *out = (uint16_t)v;
    return true;
}

bool pp_has_upper(const char *p, const char *e, const char *upper, size_t n)
{
    if (n == 0)
        return true;
    for (; (size_t)(e - p) >= n; p++) {
        if (pp_lower(*p) != pp_lower(upper[0]))
            continue;
        size_t i = 1;
        while (i < n && pp_lower(p[i]) == pp_lower(upper[i]))
            i++;
        if (i == n)
            return true;
    }
    return false;
}

bool pp_civil_ms(int y, int mo, int d, int h, int mi, int s, int ms, int off_s,
                 int64_t *ts_ms)
{
    static const unsigned char mdays[12] = {31, 29, 31, 30, 31, 30,
                                            31, 31, 30, 31, 30, 31};
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
        d > mdays[mo - 1] || h > 23 || mi > 59 || s > 60 || ms < 0)
        return false;
    int64_t secs = mm_time_from_civil(y, mo, d, h, mi, s) - off_s;
    *ts_ms = secs * 1000 + ms;
    return true;
}

int pp_frac_ms(const char **pp, const char *e)
{
    const char *p = *pp;
    int ms = 0, n = 0;
    for (; p < e && pp_isdigit(*p); p++, n++)
        if (n < 3)
            ms = ms * 10 + (*p - '0');
    for (; n < 3; n++)
        ms *= 10;
    *pp = p;
    return ms;
}

/* Reads ".123456" or ",123" into milliseconds; advances *pp. */
static int frac_ms(const char **pp, const char *e)
{
    const char *p = *pp;
    if (p < e && (*p == '.' || *p == ',') && p + 1 < e && pp_isdigit(p[1])) {
        *pp = p + 1;
        return pp_frac_ms(pp, e);
    }
    return 0;
}

bool pp_iso_time(const char **pp, const char *e, int def_off, int64_t *ts_ms)
{
    const char *p = *pp;
    if (e - p < 19 || p[4] != '-' || p[7] != '-' ||
        (p[10] != 'T' && p[10] != ' ') || p[13] != ':' || p[16] != ':')
        return false;
    int y = pp_digits(p, e, 4), mo = pp_digits(p + 5, e, 2),
        d = pp_digits(p + 8, e, 2), h = pp_digits(p + 11, e, 2),
        mi = pp_digits(p + 14, e, 2), s = pp_digits(p + 17, e, 2);
    if ((y | mo | d | h | mi | s) < 0)
        return false;
    p += 19;
    int ms = frac_ms(&p, e);
    int off = def_off;
    if (p < e && (*p == 'Z' || *p == 'z')) {
        off = 0;
        p++;
    } else if (p < e && (*p == '+' || *p == '-')) {
        size_t n = (e - p >= 6 && p[3] == ':') ? 6 : 5;
        if ((size_t)(e - p) < n || mm_time_parse_offset(p, n, &off) != MM_OK)
            return false;
        p += n;
    }
    if (!pp_civil_ms(y, mo, d, h, mi, s, ms, off, ts_ms))
        return false;
    *pp = p;
    return true;
}

int pp_year(const mm_parse_opts *opts)
{
    if (opts && opts->year > 0)
        return opts->year;
    /* Year of the current UTC day (H. Hinnant's civil_from_days). */
    int64_t z = (int64_t)time(NULL) / 86400 + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    return (int)(yoe + era * 400 + (mp >= 10));
}
