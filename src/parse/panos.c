/* SPDX-License-Identifier: Apache-2.0 */
/* panos.c — Palo Alto Networks PAN-OS syslog in its default CSV form
 * ("1,2024/01/05 10:00:00,serial,TYPE,subtype,…"), field positions from
 * the PAN-OS "Syslog Field Descriptions": GLOBALPROTECT (9.1+: portal and
 * gateway logins), SYSTEM (administrator auth-fail/auth-success and the
 * globalprotect* events of older releases), THREAT (severity, action,
 * threat name) and TRAFFIC. Other types are understood and skipped. */
#include "parse-int.h"

#define PAN_FIELDS 40

/* Splits CSV into at most `max` fields; quoted fields ("a, b", with ""
 * for a quote) lose their quotes. Returns the number of fields. */
static unsigned split(const char *p, const char *e, mm_span *f, unsigned max)
{
    unsigned n = 0;
    while (n < max) {
        const char *c;
        if (p < e && *p == '"') {
            const char *s = p + 1, *x = s;
            for (;;) {
                x = x < e ? memchr(x, '"', (size_t)(e - x)) : NULL;
                if (!x) {
                    x = e;
                    break;
                }
                if (x + 1 < e && x[1] == '"') {
                    x += 2;
                    continue;
                }
                break;
            }
            f[n++] = pp_span(s, x);
            p = x < e ? x + 1 : e;
            c = p < e ? memchr(p, ',', (size_t)(e - p)) : NULL;
        } else {
            c = p < e ? memchr(p, ',', (size_t)(e - p)) : NULL;
            f[n++] = pp_span(p, c ? c : e);
        }
        if (!c)
            break;
        p = c + 1;
    }
    return n;
}

static bool eq(mm_span s, const char *lit)
{
    return mm_span_eq(s, lit);
}

static bool ends(mm_span s, const char *lit, size_t n)
{
    return s.len >= n && memcmp(s.p + s.len - n, lit, n) == 0;
}

static void addr_field(mm_span s, mm_addr *a)
{
    if (!s.len || !pp_addr(s.p, s.p + s.len, a))
        memset(a, 0, sizeof *a);
}

static void port_field(mm_span s, uint16_t *port)
{
    if (!pp_port(s.p, s.p + s.len, port))
        *port = 0;
}

/* "YYYY/MM/DD hh:mm:ss" (device local time) or ISO 8601. */
static void time_field(const mm_parse_opts *opts, mm_span s, int64_t *ts)
{
    const char *p = s.p, *e = s.p + s.len;
    int off = opts ? opts->tz_offset_s : 0;
    if (s.len == 19 && p[4] == '/' && p[7] == '/' && p[10] == ' ') {
        int y = pp_digits(p, e, 4), mo = pp_digits(p + 5, e, 2),
            d = pp_digits(p + 8, e, 2), h = pp_digits(p + 11, e, 2),
            mi = pp_digits(p + 14, e, 2), sec = pp_digits(p + 17, e, 2);
        int64_t t;
        if ((y | mo | d | h | mi | sec) >= 0 && p[13] == ':' && p[16] == ':' &&
            pp_civil_ms(y, mo, d, h, mi, sec, 0, off, &t))
            *ts = t;
        return;
    }
    int64_t t;
    if (pp_iso_time(&p, e, off, &t))
        *ts = t;
}

static uint8_t proto_field(mm_span s)
{
    return eq(s, "tcp") ? 6 : eq(s, "udp") ? 17 : eq(s, "icmp") ? 1 : 0;
}

static bool blocked(mm_span a)
{
    return eq(a, "deny") || eq(a, "drop") || eq(a, "drop-all-packets") ||
           eq(a, "block") || eq(a, "block-url") || eq(a, "block-ip") ||
           eq(a, "sinkhole") || eq(a, "drop-icmp") ||
           eq(a, "block-continue") ||
           (a.len > 6 && memcmp(a.p, "reset-", 6) == 0);
}

/* Text after `key` up to ',' or '.'+space or the end ("Login from: A,"). */
static mm_span after(mm_span d, const char *key, size_t n)
{
    const char *e = d.p + d.len, *k = pp_find(d.p, e, key, n);
    if (!k)
        return mm_span_make(d.p, 0);
    const char *s = k + n;
    while (s < e && *s == ' ')
        s++;
    const char *x = s;
    while (x < e && *x != ',' && *x != ' ')
        x++;
    while (x > s && x[-1] == '.')
        x--;
    return pp_span(s, x);
}

static mm_rc system_log(mm_span *f, unsigned n, mm_event *ev)
{
    if (n < 15)
        return MM_EPARSE;
    mm_span id = f[8], d = f[14];
    bool gp = id.len > 13 && memcmp(id.p, "globalprotect", 13) == 0;
    bool fail = eq(id, "auth-fail") || (gp && ends(id, "-auth-fail", 10));
    bool ok = eq(id, "auth-success") || (gp && ends(id, "-auth-succ", 10));
    if (!fail && !ok)
        return MM_SKIP;
    ev->message = d;
    mm_span a, u;
    if (gp) {
        /* "GlobalProtect gateway user authentication failed. Login from:
         * A, Source region: JP, User name: u, …" */
        a = after(d, "Login from:", 11);
        u = after(d, "User name:", 10);
    } else {
        /* "failed authentication for user 'admin'. Reason: …. From: A." */
        a = after(d, "From:", 5);
        u = pp_vendor_quoted(d.p, d.p + d.len);
    }
    if (!a.len || !pp_addr(a.p, a.p + a.len, &ev->src))
        return MM_SKIP;
    ev->user = u;
    pp_vendor_auth(ev, gp ? MM_SVC_VPN : MM_SVC_ADMIN, ok);
    return MM_OK;
}

static bool unspecified(const mm_addr *a)
{
    for (size_t i = 0; i < sizeof a->bytes; i++)
        if (a->bytes[i])
            return false;
    return true;
}

/* GLOBALPROTECT (9.1+): 8 eventid, 9 stage, 12 user, 15 public IPv4,
 * 16 public IPv6, 26 error, 28 status. */
static mm_rc gp_log(mm_span *f, unsigned n, mm_event *ev)
{
    if (n < 29)
        return MM_EPARSE;
    mm_span id = f[8], st = f[28];
    bool login = eq(f[9], "login") || ends(id, "-auth", 5);
    if (!login || !(eq(st, "success") || eq(st, "failure")))
        return MM_SKIP;
    mm_span a = f[15].len && !eq(f[15], "0.0.0.0") ? f[15] : f[16];
    if (!a.len || !pp_addr(a.p, a.p + a.len, &ev->src) ||
        unspecified(&ev->src)) {
        memset(&ev->src, 0, sizeof ev->src);
        return MM_SKIP;
    }
    ev->user = f[12];
    if (f[26].len)
        ev->message = f[26];
    pp_vendor_auth(ev, MM_SVC_VPN, eq(st, "success"));
    return MM_OK;
}

/* THREAT and TRAFFIC share the connection columns: 7 src, 8 dst, 24/25
 * ports, 29 proto, 30 action. THREAT adds 4 subtype, 12 user, 31 URL or
 * file, 32 threat name (id), 34 severity. MM_SKIP without a source
 * address. */
static mm_rc flow_log(mm_span *f, unsigned n, bool threat, mm_event *ev)
{
    if (n < (threat ? 35u : 31u))
        return MM_EPARSE;
    addr_field(f[7], &ev->src);
    addr_field(f[8], &ev->dst);
    if (!ev->src.family)
        return MM_SKIP;
    port_field(f[24], &ev->src_port);
    port_field(f[25], &ev->dst_port);
    ev->ip_proto = proto_field(f[29]);
    ev->category = MM_CAT_NETWORK;
    bool blk = blocked(f[30]);
    ev->outcome = blk      ? MM_OUT_FAILURE
                  : threat ? MM_OUT_UNKNOWN
                           : MM_OUT_SUCCESS;
    if (!threat) {
        ev->action = blk ? MM_ACT_FIREWALL_DENY : MM_ACT_FIREWALL_ALLOW;
    } else if (eq(f[4], "url")) {
        ev->message = f[31];
        ev->action = blk ? MM_ACT_FIREWALL_DENY : MM_ACT_FIREWALL_LOG;
    } else {
        ev->message = f[32];
        ev->action = eq(f[34], "critical") ? MM_ACT_THREAT_CRITICAL
                                           : MM_ACT_THREAT_DETECTED;
    }
    return MM_OK;
}

mm_rc pp_panos_csv(const mm_parse_opts *opts, const char *p, const char *e,
                   mm_event *ev)
{
    mm_span f[PAN_FIELDS];
    unsigned n = split(p, e, f, PAN_FIELDS);
    ev->dataset = MM_DS_PANOS;
    ev->message = pp_span(p, e);
    if (n < 8)
        return MM_EPARSE;
    if (!ev->ts_ms)
        time_field(opts, f[1], &ev->ts_ms);
    mm_span t = f[3];
    if (eq(t, "GLOBALPROTECT"))
        return gp_log(f, n, ev);
    if (eq(t, "SYSTEM"))
        return system_log(f, n, ev);
    bool threat = eq(t, "THREAT");
    if (threat || eq(t, "TRAFFIC"))
        return flow_log(f, n, threat, ev);
    return MM_SKIP;
}
