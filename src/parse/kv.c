/* SPDX-License-Identifier: Apache-2.0 */
/* kv.c — key=value logs: FortiGate syslog ("date=… time=… devname=…
 * type=traffic … srcip=… action=deny") and generic firewall key=value
 * (src=, dst=, sport=, dport=, proto=, action=, user=, time=). Values are
 * bare (up to the next space) or double-quoted with backslash escapes. */
#include "parse-int.h"

/* Next "key=value" at *pp; tokens without '=' are passed over. */
static bool kv_next(const char **pp, const char *e, mm_span *k, mm_span *v)
{
    const char *p = *pp;
    for (;;) {
        while (p < e && (*p == ' ' || *p == ',' || *p == ';' || *p == '\t'))
            p++;
        if (p >= e)
            return false;
        const char *ks = p;
        while (p < e && (pp_isalpha(*p) || pp_isdigit(*p) || *p == '_' ||
                         *p == '-' || *p == '.'))
            p++;
        if (p > ks && p < e && *p == '=') {
            *k = pp_span(ks, p);
            p++;
            if (p < e && *p == '"') {
                const char *vs = ++p;
                while (p < e && *p != '"') {
                    if (*p == '\\' && p + 1 < e)
                        p++;
                    p++;
                }
                *v = pp_span(vs, p);
                if (p < e)
                    p++;
            } else {
                const char *vs = p;
                p = pp_word_end(p, e);
                *v = pp_span(vs, p);
            }
            *pp = p;
            return true;
        }
        /* not a pair: skip the token (a quoted run counts as one) */
        while (p < e && *p != ' ') {
            if (*p == '"') {
                const char *q = memchr(p + 1, '"', (size_t)(e - p - 1));
                p = q ? q : e;
            }
            if (p < e)
                p++;
        }
    }
}

/* Case-insensitive equality of a span with a lower-case literal. */
static bool eq_lc(mm_span s, const char *lit, size_t n)
{
    return s.len == n && pp_span_starts_ci(s, lit, n);
}
#define EQ(s, lit) eq_lc((s), (lit), sizeof(lit) - 1)
/* a key spelt exactly lit (the compiler inlines the fixed-size compare) */
#define KEY(s, lit)                                                           \
    ((s).len == sizeof(lit) - 1 && memcmp((s).p, (lit), sizeof(lit) - 1) == 0)

static bool deny_word(mm_span a)
{
    return EQ(a, "deny") || EQ(a, "denied") || EQ(a, "drop") ||
           EQ(a, "dropped") || EQ(a, "block") || EQ(a, "blocked") ||
           EQ(a, "reject") || EQ(a, "rejected") || EQ(a, "reset");
}

static bool allow_word(mm_span a)
{
    return EQ(a, "allow") || EQ(a, "allowed") || EQ(a, "accept") ||
           EQ(a, "accepted") || EQ(a, "pass") || EQ(a, "passthrough") ||
           EQ(a, "permit") || EQ(a, "permitted");
}

static uint8_t proto_value(mm_span s)
{
    if (EQ(s, "tcp"))
        return 6;
    if (EQ(s, "udp"))
        return 17;
    if (EQ(s, "icmp"))
        return 1;
    if (EQ(s, "icmpv6") || EQ(s, "ipv6-icmp"))
        return 58;
    uint64_t v;
    const char *q = s.p;
    if (s.len && pp_uint(&q, s.p + s.len, 255u, &v) && q == s.p + s.len)
        return (uint8_t)v;
    return 0;
}

static void port_value(mm_span s, uint16_t *out)
{
    if (!pp_port(s.p, s.p + s.len, out))
        *out = 0;
}

static uint64_t num_value(mm_span s)
{
    uint64_t v;
    const char *q = s.p;
    if (s.len && pp_uint(&q, s.p + s.len, UINT64_MAX, &v) && q == s.p + s.len)
        return v;
    return 0;
}

/* ---- FortiGate --------------------------------------------------------- */

mm_rc pp_fortigate_kv(const mm_parse_opts *opts, const char *p, const char *e,
                      mm_event *ev)
{
    mm_span k, v, date = {0}, time = {0}, tz = {0}, type = {0}, subtype = {0},
                  action = {0}, status = {0}, msg = {0}, attack = {0},
                  srcip = {0}, remip = {0}, severity = {0}, virus = {0},
                  tunneltype = {0}, ui = {0}, src = {0}, dst = {0};
    unsigned pairs = 0;
    uint64_t sent = 0, rcvd = 0;
    ev->dataset = MM_DS_FORTIGATE;
    /* keys kept as they are, looked at after the loop (the length first:
     * most keys of a line are none of these) */
    const struct {
        const char *key;
        size_t len;
        mm_span *to;
    } keep[] = {
        {"action", sizeof "action" - 1, &action},
        {"attack", sizeof "attack" - 1, &attack},
        {"date", sizeof "date" - 1, &date},
        {"dst", sizeof "dst" - 1, &dst},
        {"msg", sizeof "msg" - 1, &msg},
        {"remip", sizeof "remip" - 1, &remip},
        {"srcip", sizeof "srcip" - 1, &srcip},
        {"subtype", sizeof "subtype" - 1, &subtype},
        {"status", sizeof "status" - 1, &status},
        {"severity", sizeof "severity" - 1, &severity},
        {"src", sizeof "src" - 1, &src},
        {"time", sizeof "time" - 1, &time},
        {"type", sizeof "type" - 1, &type},
        {"tz", sizeof "tz" - 1, &tz},
        {"tunneltype", sizeof "tunneltype" - 1, &tunneltype},
        {"virus", sizeof "virus" - 1, &virus},
        {"ui", sizeof "ui" - 1, &ui},
    };
    while (kv_next(&p, e, &k, &v)) {
        pairs++;
        size_t i = 0;
        while (i < sizeof keep / sizeof keep[0] &&
               (k.len != keep[i].len || memcmp(k.p, keep[i].key, k.len) != 0))
            i++;
        if (i < sizeof keep / sizeof keep[0])
            *keep[i].to = v;
        else if (KEY(k, "devname"))
            ev->host = v;
        else if (KEY(k, "dstip") && !pp_addr(v.p, v.p + v.len, &ev->dst))
            memset(&ev->dst, 0, sizeof ev->dst);
        else if (KEY(k, "dstport") || KEY(k, "dst_port"))
            port_value(v, &ev->dst_port);
        else if (KEY(k, "srcport") || KEY(k, "src_port"))
            port_value(v, &ev->src_port);
        else if (KEY(k, "hostname"))
            ev->dst_domain = v;
        else if (KEY(k, "proto"))
            ev->ip_proto = proto_value(v);
        else if (KEY(k, "rcvdbyte"))
            rcvd = num_value(v);
        else if (KEY(k, "sentbyte"))
            sent = num_value(v);
        else if (KEY(k, "user") && !(v.len == 1 && v.p[0] == '-'))
            ev->user = v;
    }
    if (pairs < 2 || type.len == 0)
        return MM_EPARSE;
    if (date.len == 10 && time.len >= 8) {
        int off = opts ? opts->tz_offset_s : 0;
        if (tz.len)
            mm_time_parse_offset(tz.p, tz.len, &off);
        int y = pp_digits(date.p, date.p + 10, 4),
            mo = pp_digits(date.p + 5, date.p + 10, 2),
            d = pp_digits(date.p + 8, date.p + 10, 2),
            h = pp_digits(time.p, time.p + 8, 2),
            mi = pp_digits(time.p + 3, time.p + 8, 2),
            s = pp_digits(time.p + 6, time.p + 8, 2);
        if ((y | mo | d | h | mi | s) >= 0 && date.p[4] == '-' &&
            date.p[7] == '-' && time.p[2] == ':' && time.p[5] == ':' &&
            !pp_civil_ms(y, mo, d, h, mi, s, 0, off, &ev->ts_ms))
            ev->ts_ms = 0;
    }
    mm_span peer = srcip.len ? srcip : remip.len ? remip : src;
    if (!peer.len && ui.len > 2 && ui.p[ui.len - 1] == ')') {
        /* admin logins without srcip: ui="ssh(203.0.113.9)" */
        const char *o = memchr(ui.p, '(', ui.len);
        if (o && pp_addr(o + 1, ui.p + ui.len - 1, &ev->src))
            peer = pp_span(o + 1, ui.p + ui.len - 1);
    }
    if (!ev->dst.family && dst.len &&
        !pp_addr(dst.p, dst.p + dst.len, &ev->dst))
        memset(&ev->dst, 0, sizeof ev->dst);
    if (!action.len && EQ(type, "traffic"))
        action = status; /* FortiOS 3/4: status=deny|accept */
    if (peer.len && !ev->src.family && !pp_peer(peer.p, peer.p + peer.len, ev))
        return MM_EPARSE;
    ev->bytes = sent + rcvd >= sent ? sent + rcvd : UINT64_MAX;
    if (attack.len)
        ev->message = attack;
    else if (virus.len)
        ev->message = virus;
    else if (msg.len)
        ev->message = msg;
    if (EQ(type, "event")) {
        bool failed = EQ(status, "failed") || EQ(status, "failure") ||
                      EQ(status, "fail");
        bool login =
            action.len && pp_find(action.p, action.p + action.len, "login", 5);
        /* SSL-VPN logins (subtype vpn), administrator logins to the GUI,
         * SSH or console (system), firewall/portal authentication (user) */
        ev->service = EQ(subtype, "vpn")      ? MM_SVC_VPN
                      : EQ(subtype, "system") ? MM_SVC_ADMIN
                                              : MM_SVC_WEB;
        ev->category = MM_CAT_AUTHENTICATION;
        if (EQ(action, "ssl-login-fail") || (login && failed)) {
            ev->action = MM_ACT_AUTH_FAILURE;
            ev->outcome = MM_OUT_FAILURE;
        } else if ((login && EQ(status, "success")) ||
                   (EQ(action, "tunnel-up") && tunneltype.len > 3 &&
                    memcmp(tunneltype.p, "ssl", 3) == 0)) {
            ev->action = MM_ACT_AUTH_SUCCESS;
            ev->outcome = MM_OUT_SUCCESS;
        } else {
            ev->service = MM_SVC_NONE;
            return MM_SKIP;
        }
        return MM_OK;
    }
    if (!peer.len)
        return MM_SKIP;
    ev->category = MM_CAT_NETWORK;
    bool ips = EQ(subtype, "ips") || EQ(type, "ips");
    if (ips || EQ(subtype, "anomaly") || EQ(type, "anomaly") ||
        EQ(subtype, "virus") || EQ(type, "virus")) {
        /* IPS signatures carry the attack's severity (info … critical);
         * "critical" ones are exploitation attempts against the UTM's own
         * services or the hosts behind it (rules/vpn.rules). DoS anomaly
         * policies (floods) rate themselves critical too: only detected. */
        ev->action = ips && EQ(severity, "critical") ? MM_ACT_THREAT_CRITICAL
                                                     : MM_ACT_THREAT_DETECTED;
        if (deny_word(action) || EQ(action, "clear_session") ||
            EQ(action, "blocked"))
            ev->outcome = MM_OUT_FAILURE;
        return MM_OK;
    }
    if (action.len == 0 || EQ(action, "detected") || EQ(action, "monitored")) {
        ev->action = MM_ACT_FIREWALL_LOG;
    } else if (deny_word(action)) {
        ev->action = MM_ACT_FIREWALL_DENY;
        ev->outcome = MM_OUT_FAILURE;
    } else if (EQ(type, "traffic") || allow_word(action)) {
        /* traffic: accept, start, close, timeout, client-rst, ... are
         * all states of a session the policy let through */
        ev->action = MM_ACT_FIREWALL_ALLOW;
        ev->outcome = MM_OUT_SUCCESS;
    } else {
        ev->action = MM_ACT_FIREWALL_LOG;
    }
    (void)subtype;
    return MM_OK;
}

mm_rc pp_fortigate_line(const mm_parse_opts *opts, const char *p,
                        const char *e, mm_event *ev)
{
    pp_syslog h;
    if (p < e && *p == '<') {
        const char *q = p + 1;
        while (q < e && q - p <= 4 && pp_isdigit(*q))
            q++;
        if (q < e && *q == '>' && q + 1 < e && pp_isalpha(q[1]) &&
            memchr(q + 1, '=',
                   (size_t)(e - q - 1) < 16 ? (size_t)(e - q - 1) : 16))
            p = q + 1;
    }
    if (!PP_STARTS(p, e, "date=") && !PP_STARTS(p, e, "logver=") &&
        pp_syslog_header(opts, p, e, &h)) {
        ev->ts_ms = h.ts_ms;
        p = h.msg;
    }
    ev->message = pp_span(p, e);
    return pp_fortigate_kv(opts, p, e, ev);
}

bool pp_kv_next(const char **pp, const char *e, mm_span *k, mm_span *v)
{
    return kv_next(pp, e, k, v);
}

/* ---- generic key=value ------------------------------------------------- */

mm_rc pp_kv_pairs(const mm_parse_opts *opts, const char *p, const char *e,
                  mm_event *ev)
{
    mm_span k, v, src = {0}, action = {0};
    unsigned pairs = 0;
    int off = opts ? opts->tz_offset_s : 0;
    ev->dataset = MM_DS_KV;
    while (kv_next(&p, e, &k, &v)) {
        pairs++;
        if (EQ(k, "src") || EQ(k, "src_ip") || EQ(k, "srcip") ||
            EQ(k, "source") || EQ(k, "source_ip")) {
            src = v;
        } else if (EQ(k, "dst") || EQ(k, "dst_ip") || EQ(k, "dstip") ||
                   EQ(k, "destination") || EQ(k, "destination_ip")) {
            if (!pp_addr(v.p, v.p + v.len, &ev->dst))
                memset(&ev->dst, 0, sizeof ev->dst);
        } else if (EQ(k, "sport") || EQ(k, "spt") || EQ(k, "src_port") ||
                   EQ(k, "srcport")) {
            port_value(v, &ev->src_port);
        } else if (EQ(k, "dport") || EQ(k, "dpt") || EQ(k, "dst_port") ||
                   EQ(k, "dstport")) {
            port_value(v, &ev->dst_port);
        } else if (EQ(k, "proto") || EQ(k, "protocol")) {
            ev->ip_proto = proto_value(v);
        } else if (EQ(k, "action")) {
            action = v;
        } else if (EQ(k, "user") || EQ(k, "username") || EQ(k, "usr")) {
            ev->user = v;
        } else if (EQ(k, "bytes")) {
            ev->bytes = num_value(v);
        } else if (EQ(k, "time") || EQ(k, "ts") || EQ(k, "timestamp")) {
            const char *q = v.p;
            int64_t t;
            if (pp_iso_time(&q, v.p + v.len, off, &t) && q == v.p + v.len)
                ev->ts_ms = t;
        }
    }
    if (pairs == 0)
        return MM_EPARSE;
    if (!src.len)
        return MM_SKIP;
    if (!pp_peer(src.p, src.p + src.len, ev))
        return MM_EPARSE;
    ev->category = MM_CAT_NETWORK;
    if (deny_word(action)) {
        ev->action = MM_ACT_FIREWALL_DENY;
        ev->outcome = MM_OUT_FAILURE;
    } else if (allow_word(action)) {
        ev->action = MM_ACT_FIREWALL_ALLOW;
        ev->outcome = MM_OUT_SUCCESS;
    } else {
        ev->action = MM_ACT_FIREWALL_LOG;
    }
    return MM_OK;
}

mm_rc pp_kv_line(const mm_parse_opts *opts, const char *p, const char *e,
                 mm_event *ev)
{
    p = pp_syslog_strip(opts, p, e, ev);
    return pp_kv_pairs(opts, p, e, ev);
}
