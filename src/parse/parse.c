/* SPDX-License-Identifier: Apache-2.0 */
/* parse.c — mm_parse_line: anomaly scan, dispatch by log type, and the
 * per-line recognition of MM_LOG_AUTO (order documented in
 * docs/formats.md). */
#include "parse-int.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

static const char *const type_names[MM_LOG_COUNT] = {
    [MM_LOG_AUTO] = "auto",           [MM_LOG_SYSLOG] = "syslog",
    [MM_LOG_SSHD] = "sshd",           [MM_LOG_WEB_ACCESS] = "web-access",
    [MM_LOG_WEB_ERROR] = "web-error", [MM_LOG_NETFILTER] = "netfilter",
    [MM_LOG_FORTIGATE] = "fortigate", [MM_LOG_KV] = "kv",
    [MM_LOG_CLOUD] = "cloud",         [MM_LOG_WINDOWS] = "windows",
};

const char *mm_logtype_name(mm_logtype t)
{
    return (unsigned)t < MM_LOG_COUNT ? type_names[t] : "unknown";
}

bool mm_logtype_from_name(const char *name, mm_logtype *out)
{
    if (!name)
        return false;
    for (unsigned i = 0; i < MM_LOG_COUNT; i++) {
        const char *n = type_names[i];
        size_t j = 0;
        while (n[j] && (name[j] == n[j] || (n[j] == '-' && name[j] == '_')))
            j++;
        if (!n[j] && !name[j]) {
            *out = (mm_logtype)i;
            return true;
        }
    }
    return false;
}

/* Well-formed UTF-8 (The Unicode Standard, table 3-7): by lead byte, how
 * many continuation bytes follow and the range of the first of them (which
 * rules out overlongs, surrogates and code points past U+10FFFF). */
static const struct {
    unsigned char first, last; /* lead bytes */
    unsigned char n, lo, hi;   /* continuation bytes, range of the first */
} utf8_leads[] = {
    {0xC2, 0xDF, 1, 0x80, 0xBF}, {0xE0, 0xE0, 2, 0xA0, 0xBF},
    {0xE1, 0xEC, 2, 0x80, 0xBF}, {0xED, 0xED, 2, 0x80, 0x9F},
    {0xEE, 0xEF, 2, 0x80, 0xBF}, {0xF0, 0xF0, 3, 0x90, 0xBF},
    {0xF1, 0xF3, 3, 0x80, 0xBF}, {0xF4, 0xF4, 3, 0x80, 0x8F},
};

/* Strict UTF-8 check of [p, e). */
static bool utf8_valid(const unsigned char *p, const unsigned char *e)
{
    const size_t nleads = sizeof utf8_leads / sizeof *utf8_leads;
    while (p < e) {
        unsigned c = *p;
        if (c < 0x80) {
            p++;
            continue;
        }
        size_t k = 0;
        while (k < nleads && c > utf8_leads[k].last)
            k++;
        if (k == nleads || c < utf8_leads[k].first)
            return false;
        size_t n = utf8_leads[k].n;
        if ((size_t)(e - p) <= n || p[1] < utf8_leads[k].lo ||
            p[1] > utf8_leads[k].hi)
            return false;
        for (size_t i = 2; i <= n; i++)
            if ((p[i] & 0xC0) != 0x80)
                return false;
        p += n + 1;
    }
    return true;
}

/* NUL bytes and invalid UTF-8: a quick pass for "any NUL, any byte >=
 * 0x80" (16 bytes at a time with SSE2, else 8), then the exact checks
 * only when needed. */
static uint32_t scan_anomalies(const char *line, size_t len)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint32_t a = 0;
    size_t i = 0;
    uint64_t zero = 0, high = 0;
#ifdef __SSE2__
    __m128i vz = _mm_setzero_si128(), acc_z = vz, acc_h = vz;
    for (; i + 16 <= len; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(line + i));
        acc_z = _mm_or_si128(acc_z, _mm_cmpeq_epi8(v, vz));
        acc_h = _mm_or_si128(acc_h, v);
    }
    zero = (uint64_t)_mm_movemask_epi8(acc_z);
    high = (uint64_t)_mm_movemask_epi8(acc_h);
#endif
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, line + i, 8);
        zero |= (w - ones) & ~w & highs;
        high |= w & highs;
    }
    for (; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c == 0)
            zero = 1;
        high |= c & 0x80u;
    }
    if (zero && memchr(line, 0, len))
        a |= MM_ANOM_NUL;
    if (high && !utf8_valid((const unsigned char *)line,
                            (const unsigned char *)line + len))
        a |= MM_ANOM_BAD_UTF8;
    return a;
}

static mm_rc access_any(const mm_parse_opts *opts, const char *p,
                        const char *e, mm_event *ev)
{
    if (opts->web_format)
        return pp_access_fmt(opts, opts->web_format, p, e, ev);
    return pp_access_line(opts, p, e, ev);
}

static void reset(mm_event *ev, uint32_t anomalies)
{
    memset(ev, 0, sizeof *ev);
    ev->count = 1;
    ev->anomalies = anomalies;
}

/* Tries the access-log parser and then generic key=value. */
static mm_rc access_or_kv(const mm_parse_opts *opts, const char *p,
                          const char *e, mm_event *ev)
{
    uint32_t an = ev->anomalies;
    mm_rc rc = access_any(opts, p, e, ev);
    if (rc != MM_EPARSE)
        return rc;
    reset(ev, an);
    rc = pp_vendor_raw(opts, p, e, ev); /* PAN-OS CSV, relayed WELF, … */
    if (rc != MM_EPARSE)
        return rc;
    reset(ev, an);
    return pp_kv_line(opts, p, e, ev);
}

static bool is_weekday(const char *p)
{
    static const char names[] = "MonTueWedThuFriSatSun";
    for (int i = 0; i < 7; i++)
        if (memcmp(p, names + 3 * i, 3) == 0)
            return true;
    return false;
}

static mm_rc parse_auto(const mm_parse_opts *opts, const char *p,
                        const char *e, mm_event *ev)
{
    size_t n = (size_t)(e - p);
    if (n == 0)
        return MM_EPARSE;
    char c = p[0];
    if (c == '<') {
        if (n > 7 && (p[1] == 'E' || p[1] == '?') &&
            (PP_STARTS(p, e, "<Event") || PP_STARTS(p, e, "<?xml")))
            return pp_winxml_line(opts, p, e, ev);
        const char *q = p + 1;
        while (q < e && q - p <= 4 && pp_isdigit(*q))
            q++;
        if (q < e && *q == '>' &&
            (PP_STARTS(q + 1, e, "date=") || PP_STARTS(q + 1, e, "logver=")))
            return pp_fortigate_line(opts, p, e, ev);
        return pp_syslog_line(opts, MM_LOG_AUTO, p, e, ev);
    }
    if (c == '[') {
        if (n > 5 && p[4] == ' ' && is_weekday(p + 1))
            return pp_error_line(opts, p, e, ev);
        if (pp_samba_header(p, e)) { /* Samba's debug header line */
            ev->dataset = MM_DS_SAMBA;
            return MM_SKIP;
        }
        return pp_netfilter_line(opts, p, e, ev);
    }
    if (pp_isdigit(c)) {
        if (n >= 20 && p[4] == '/' && p[7] == '/' && p[10] == ' ')
            return pp_error_line(opts, p, e, ev);
        if (n >= 20 && p[4] == '-' && p[7] == '-' &&
            (p[10] == 'T' || p[10] == ' ') && p[13] == ':') {
            if (p[10] == 'T' && pp_exchange_probe(p, e)) /* CSV */
                return pp_exchange_line(opts, p, e, ev);
            return pp_syslog_line(opts, MM_LOG_AUTO, p, e, ev);
        }
        return access_or_kv(opts, p, e, ev);
    }
    if (n > 16 && pp_isupper(c) && p[3] == ' ' && mm_time_month(p))
        return pp_syslog_line(opts, MM_LOG_AUTO, p, e, ev);
    if (PP_STARTS(p, e, "date=") || PP_STARTS(p, e, "logver="))
        return pp_fortigate_line(opts, p, e, ev);
    if (c == '{') { /* JSON: Windows events, cloud sign-ins, else below */
        mm_rc rc = pp_winjson_line(opts, p, e, ev);
        if (rc != MM_EPARSE)
            return rc;
        reset(ev, ev->anomalies);
        rc = pp_cloud_line(opts, p, e, ev);
        if (rc != MM_EPARSE)
            return rc;
        reset(ev, ev->anomalies);
    }
    if (c == '#' &&
        (PP_STARTS(p, e, "#Fields: ") || PP_STARTS(p, e, "#Software: ") ||
         PP_STARTS(p, e, "#Version: ") || PP_STARTS(p, e, "#Log-type: ") ||
         PP_STARTS(p, e, "#Date: ")))
        return MM_SKIP; /* W3C-style headers (Exchange, IIS) */
    if (c == ' ' && pp_samba_probe(p, e)) /* log.smbd: "  Auth: [" */
        return pp_samba(p, e, ev);
    if (c == '@' && n > 26 && p[25] == ' ') { /* daemontools TAI64N stamp */
        const char *m = p + 26, *t = m;
        while (t < e && *t != ':' && *t != ' ')
            t++;
        int k = t < e && *t == ':' ? pp_mail_program(pp_span(m, t)) : 0;
        if (!k)
            k = pp_mail_text(m, e);
        if (k)
            return pp_mail(k, m, e, ev);
    }
    if (pp_isalpha(c)) {
        pp_syslog h; /* "host sshd[pid]: …" without a stamp (journal) */
        if (pp_syslog_stampless(p, e, &h))
            return pp_syslog_line(opts, MM_LOG_AUTO, p, e, ev);
    }
    return access_or_kv(opts, p, e, ev);
}

mm_rc mm_parse_line(const mm_parse_opts *opts, mm_logtype type,
                    const char *line, size_t len, mm_event *ev)
{
    static const mm_parse_opts defaults;
    if (!opts)
        opts = &defaults;
    static const char empty[1];
    if (!line) {
        line = empty;
        len = 0;
    }
    if (len > UINT32_MAX)
        len = UINT32_MAX; /* spans hold 32-bit lengths */
    if (len > 0 && line[len - 1] == '\r')
        len--; /* CRLF files; the line reader drops it too */
    uint32_t an = scan_anomalies(line, len);
    reset(ev, an);
    const char *p = line, *e = line + len;
    mm_rc rc;
    switch (type) {
    case MM_LOG_AUTO: rc = parse_auto(opts, p, e, ev); break;
    case MM_LOG_SYSLOG:
    case MM_LOG_SSHD: rc = pp_syslog_line(opts, type, p, e, ev); break;
    case MM_LOG_WEB_ACCESS: rc = access_any(opts, p, e, ev); break;
    case MM_LOG_WEB_ERROR: rc = pp_error_line(opts, p, e, ev); break;
    case MM_LOG_NETFILTER: rc = pp_netfilter_line(opts, p, e, ev); break;
    case MM_LOG_FORTIGATE: rc = pp_fortigate_line(opts, p, e, ev); break;
    case MM_LOG_KV: rc = pp_kv_line(opts, p, e, ev); break;
    case MM_LOG_CLOUD: rc = pp_cloud_line(opts, p, e, ev); break;
    case MM_LOG_WINDOWS: rc = pp_windows_line(opts, p, e, ev); break;
    default: return MM_EINVAL;
    }
    if (rc == MM_OK && ev->message.len == 0)
        ev->message = mm_span_make(line, len); /* e.g. access-log lines */
    if (rc == MM_SKIP) {
        /* keep what says where the line came from, drop the rest */
        mm_event k = *ev;
        reset(ev, an);
        ev->ts_ms = k.ts_ms;
        ev->dataset = k.dataset;
        ev->host = k.host;
        ev->process = k.process;
        ev->message = k.message;
    } else if (rc != MM_OK) {
        reset(ev, an);
        ev->message = mm_span_make(line, len);
        rc = MM_EPARSE;
    }
    return rc;
}
