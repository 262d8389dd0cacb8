/* SPDX-License-Identifier: Apache-2.0 */
/* ciscoasa.c — Cisco ASA and Firepower Threat Defense syslog messages
 * ("%ASA-6-113015: …", "%FTD-4-716039: …"). The message id becomes
 * event.code; the forms are those of Cisco's "ASA Series Syslog Messages"
 * reference. Authentication failures and successes (AAA, WebVPN and
 * AnyConnect, management logins), access-list denies, and threat
 * detection (scanning, shunned hosts, IPS signatures) yield events; other
 * ids are understood and skipped. */
#include "parse-int.h"

/* Text after "key" up to the next " :" or the end (113005/113015 list
 * "reason = … : server = … : user = … : user IP = …"). */
static mm_span field_after(const char *p, const char *e, const char *key,
                           size_t n)
{
    const char *k = pp_find(p, e, key, n);
    if (!k)
        return mm_span_make(p, 0);
    const char *s = k + n, *x = s;
    /* up to " : " (most releases) or ':' / ',' (some write "User = u:") */
    while (x < e && *x != ',' && !(*x == ':' && (x + 1 == e || x[1] == ' ')))
        x++; /* IPv6 colons are never followed by a space */
    while (x > s && (x[-1] == ' ' || x[-1] == '.'))
        x--;
    return pp_span(s, x);
}

/* "<…>" after "key" ("Group <g> User <u> IP <a>"); some versions leave the
 * brackets out ("User u IP a"). */
static mm_span angle_after(const char *p, const char *e, const char *key,
                           size_t n)
{
    const char *k = pp_find(p, e, key, n);
    if (!k)
        return mm_span_make(p, 0);
    const char *s = k + n, *x;
    if (s < e && *s == '<') {
        s++;
        x = memchr(s, '>', (size_t)(e - s));
    } else {
        x = pp_word_end(s, e);
    }
    return x ? pp_span(s, x) : mm_span_make(p, 0);
}

static bool set_src(mm_event *ev, mm_span a)
{
    const char *x = a.p + a.len;
    while (x > a.p && (x[-1] == ',' || x[-1] == '.' || x[-1] == ';'))
        x--;
    return x > a.p && pp_vendor_addr_port(a.p, x, &ev->src, &ev->src_port);
}

/* "[iface:]addr[/port][(name)]" */
static bool iface_addr(const char *p, const char *e, mm_addr *a,
                       uint16_t *port)
{
    const char *w = pp_word_end(p, e);
    const char *c = memchr(p, ':', (size_t)(w - p));
    const char *paren = memchr(p, '(', (size_t)(w - p));
    if (c && (!paren || c < paren) && !pp_addr(p, w, a)) {
        /* "outside:1.2.3.4/80": the interface name holds no ':' */
        p = c + 1;
    }
    if (paren && paren > p && memchr(p, '/', (size_t)(paren - p)))
        w = paren; /* "…/51635(hostname)" */
    return pp_vendor_addr_port(p, w, a, port);
}

static uint8_t proto_of(const char *p, const char *e)
{
    const char *w = pp_word_end(p, e);
    if (pp_has_upper(p, w, "TCP", 3))
        return 6;
    if (pp_has_upper(p, w, "UDP", 3))
        return 17;
    if (pp_has_upper(p, w, "ICMP6", 5))
        return 58;
    if (pp_has_upper(p, w, "ICMP", 4))
        return 1;
    uint64_t v;
    if (PP_STARTS(p, e, "protocol ")) {
        const char *q = p + 9;
        if (pp_uint(&q, e, 255, &v))
            return (uint8_t)v;
    }
    return 0;
}

static mm_rc deny(mm_event *ev, bool denied)
{
    ev->category = MM_CAT_NETWORK;
    ev->action = denied ? MM_ACT_FIREWALL_DENY : MM_ACT_FIREWALL_ALLOW;
    ev->outcome = denied ? MM_OUT_FAILURE : MM_OUT_SUCCESS;
    return MM_OK;
}

/* The source after the word `sw` (" from "), then the destination after
 * `dw` (" to "); false without a source. A bad destination is left out. */
static bool src_dst(const char *p, const char *e, const char *sw,
                    const char *dw, mm_event *ev)
{
    const char *s = pp_find(p, e, sw, strlen(sw));
    if (!s)
        return false;
    s += strlen(sw);
    if (!iface_addr(s, e, &ev->src, &ev->src_port))
        return false;
    const char *d = pp_find(s, e, dw, strlen(dw));
    if (d && !iface_addr(d + strlen(dw), e, &ev->dst, &ev->dst_port))
        memset(&ev->dst, 0, sizeof ev->dst);
    return true;
}

/* "… from A/p to [if:]B/p …" (106001, 106006, 106015, 710003, 605004). */
static bool from_to(const char *p, const char *e, mm_event *ev)
{
    return src_dst(p, e, " from ", " to ", ev);
}

/* 106023: "Deny tcp src outside:A/p dst inside:B/p by access-group …" */
static mm_rc acl_deny(const char *p, const char *e, mm_event *ev)
{
    ev->ip_proto = proto_of(p + 5, e);
    if (!src_dst(p, e, " src ", " dst ", ev))
        return MM_EPARSE;
    return deny(ev, true);
}

/* 106100: "access-list NAME denied tcp if/A(p) -> if/B(p) hit-cnt …" */
static mm_rc acl_hit(const char *p, const char *e, mm_event *ev)
{
    const char *v = PP_FIND(p, e, " denied ");
    bool denied = v != NULL;
    if (!v)
        v = PP_FIND(p, e, " permitted ");
    if (!v)
        return MM_SKIP;
    v = memchr(v + 1, ' ', (size_t)(e - v - 1));
    if (!v)
        return MM_EPARSE;
    ev->ip_proto = proto_of(v + 1, e);
    const char *s = pp_word_end(v + 1, e);
    if (s >= e)
        return MM_EPARSE;
    s++;
    const char *sl = memchr(s, '/', (size_t)(pp_word_end(s, e) - s));
    if (!sl || !pp_vendor_addr_port(sl + 1, pp_word_end(s, e), &ev->src,
                                    &ev->src_port))
        return MM_EPARSE;
    const char *d = PP_FIND(s, e, " -> ");
    if (d) {
        d += 4;
        const char *de = pp_word_end(d, e),
                   *dl = memchr(d, '/', (size_t)(de - d));
        if (!dl || !pp_vendor_addr_port(dl + 1, de, &ev->dst, &ev->dst_port))
            memset(&ev->dst, 0, sizeof ev->dst);
    }
    return deny(ev, denied);
}

/* Threat detection: 733100 "[ Scanning] drop rate-1 exceeded …" or
 * "[ 192.0.2.1] drop rate …", 733101 "Host A is attacking" / "Subnet A is
 * targeted", 733102 "Threat-detection adds host A to shun list". */
static mm_rc threat(uint64_t id, const char *p, const char *e, mm_event *ev)
{
    ev->category = MM_CAT_NETWORK;
    if (id == 733100) {
        ev->action = MM_ACT_THREAT_DETECTED;
        if (p < e && *p == '[') {
            const char *c = memchr(p, ']', (size_t)(e - p));
            const char *s = p + 1;
            while (c && s < c && *s == ' ')
                s++;
            if (c && !pp_addr(s, c, &ev->src))
                memset(&ev->src, 0, sizeof ev->src);
        }
        return MM_OK;
    }
    const char *h = PP_FIND(p, e, "host ");
    if (!h)
        h = PP_STARTS(p, e, "Host ") ? p : NULL;
    if (h) {
        const char *s = h + 5, *w = pp_word_end(s, e);
        if (!pp_addr(s, w, &ev->src))
            memset(&ev->src, 0, sizeof ev->src);
    }
    /* a host the ASA rates as attacking, or shuns: the device's own
     * verdict, critical; a targeted subnet names the victim, not the
     * attacker */
    ev->action =
        ev->src.family ? MM_ACT_THREAT_CRITICAL : MM_ACT_THREAT_DETECTED;
    /* threat detection counts packets the ASA dropped; 733102 shuns */
    ev->outcome = MM_OUT_FAILURE;
    return MM_OK;
}

static mm_rc auth(mm_event *ev, mm_service svc, bool ok, mm_span user,
                  mm_span addr)
{
    if (!set_src(ev, addr))
        return MM_SKIP; /* nothing to attribute the attempt to */
    if (user.len && !(user.len == 5 && memcmp(user.p, "*****", 5) == 0))
        ev->user = user;
    pp_vendor_auth(ev, svc, ok);
    return MM_OK;
}

mm_rc pp_asa_msg(const char *p, const char *e, mm_event *ev)
{
    ev->dataset = MM_DS_CISCO_ASA;
    p += 5; /* "%ASA-" */
    if (e - p < 3 || !pp_isdigit(p[0]) || p[1] != '-')
        return MM_EPARSE;
    p += 2;
    uint64_t id;
    if (!pp_uint(&p, e, 999999, &id))
        return MM_EPARSE;
    ev->code = (uint32_t)id;
    if (p < e && *p == ':')
        p++;
    while (p < e && *p == ' ')
        p++;
    ev->message = pp_span(p, e);
    switch (id) {
    case 113005: /* AAA user authentication Rejected : reason = … */
    case 113015: /* … : local database : user = … : user IP = … */ {
        mm_span u = field_after(p, e, "user = ", 7);
        if (!u.len)
            u = field_after(p, e, "User = ", 7);
        return auth(ev, MM_SVC_VPN, false, u,
                    field_after(p, e, "user IP = ", 10));
    }
    case 308001: /* console enable password incorrect … (from A) */
        if (!pp_vendor_last_addr(p, e, &ev->src))
            return MM_SKIP;
        pp_vendor_auth(ev, MM_SVC_ADMIN, false);
        return MM_OK;
    case 113004: /* AAA user authentication Successful : … */
    case 113012:
        return auth(ev, MM_SVC_VPN, true, field_after(p, e, "user = ", 7),
                    field_after(p, e, "user IP = ", 10));
    case 716039: /* Group <g> User <u> IP <a> Authentication: rejected */
    case 716038: /* … Authentication: successful, Session Type: WebVPN. */
    case 113039: /* … AnyConnect parent session started. */
        return auth(ev, MM_SVC_VPN, id != 716039,
                    angle_after(p, e, "User ", 5),
                    angle_after(p, e, "IP ", 3));
    case 605004: /* Login denied from A/p to if:B/svc for user "u" */
    case 605005: /* Login permitted from … */
        if (!from_to(p, e, ev))
            return MM_SKIP;
        ev->user = pp_vendor_quoted(p, e);
        if (ev->user.len == 5 && memcmp(ev->user.p, "*****", 5) == 0)
            ev->user = mm_span_make(p, 0);
        ev->dst_port = 0; /* "/https", "/ssh": a service name, not a port */
        pp_vendor_auth(ev, MM_SVC_ADMIN, id == 605005);
        return MM_OK;
    case 611102: /* User authentication failed: IP address: A, Uname: u */
    case 611101: /* User authentication succeeded: … */
        return auth(ev, MM_SVC_ADMIN, id == 611101,
                    field_after(p, e, "Uname: ", 7),
                    angle_after(p, e, "IP address: ", 12));
    case 109006: /* Authentication failed for user 'u' from A/p to B/p … */
    case 109005: /* Authentication succeeded for user … (cut-through) */
        if (!from_to(p, e, ev))
            return MM_SKIP;
        ev->user = pp_vendor_quoted(p, e);
        pp_vendor_auth(ev, MM_SVC_WEB, id == 109005);
        return MM_OK;
    case 106023: /* Deny tcp src if:A/p dst if:B/p by access-group … */
    case 106010: /* Deny inbound protocol 47 src if:A dst if:B */
    case 106014: /* Deny inbound icmp src if:A dst if:B (type 3, code 2) */
        if (!PP_STARTS(p, e, "Deny "))
            return MM_SKIP;
        if (PP_STARTS(p + 5, e, "inbound "))
            p += 8;
        return acl_deny(p, e, ev);
    case 420002: /* IPS requested to drop UDP packet from if:A/p to … */
    case 434002: /* SFR requested to drop TCP packet from if:A/p to … */
        if (!from_to(p, e, ev))
            return MM_SKIP;
        ev->category = MM_CAT_NETWORK;
        ev->action = MM_ACT_THREAT_DETECTED;
        ev->outcome = MM_OUT_FAILURE;
        return MM_OK;
    case 106100: return acl_hit(p, e, ev);
    case 106001: /* Inbound TCP connection denied from A/p to B/p … */
    case 106006: /* Deny inbound UDP from A/p to B/p on interface … */
    case 106007:
    case 106015: /* Deny TCP (no connection) from A/p to B/p … */
    case 106017: /* Deny IP due to Land Attack from A to B */
    case 106020: /* Deny IP teardrop fragment (…) from A to B */
    case 106021: /* Deny TCP reverse path check from A to B on interface … */
    case 106022: /* Deny protocol connection spoof from A to B on … */
    case 710003: /* TCP access denied by ACL from A/p to if:B/p */
    case 401004: /* Shunned packet: A ==> B on interface … */
        if (id == 401004) {
            const char *s = PP_FIND(p, e, ": ");
            if (!s || !pp_addr(s + 2, pp_word_end(s + 2, e), &ev->src))
                return MM_SKIP;
        } else if (!from_to(p, e, ev)) {
            return MM_SKIP;
        }
        ev->ip_proto = pp_has_upper(p, e, "UDP", 3)    ? 17
                       : pp_has_upper(p, e, "ICMP", 4) ? 1
                       : pp_has_upper(p, e, "TCP", 3)  ? 6
                                                       : 0;
        return deny(ev, true);
    case 733100:
    case 733101:
    case 733102: return threat(id, p, e, ev);
    default: break;
    }
    /* 4000nn: IPS signatures "IPS:2003 ICMP redirect from A to B on …" */
    if (id >= 400000 && id <= 400099 && PP_STARTS(p, e, "IPS:")) {
        const char *f = PP_FIND(p, e, " from ");
        if (f && pp_addr(f + 6, pp_word_end(f + 6, e), &ev->src)) {
            const char *t = PP_FIND(f + 6, e, " to ");
            if (t && !pp_addr(t + 4, pp_word_end(t + 4, e), &ev->dst))
                memset(&ev->dst, 0, sizeof ev->dst);
            ev->category = MM_CAT_NETWORK;
            ev->action = MM_ACT_THREAT_DETECTED;
            return MM_OK;
        }
    }
    return MM_SKIP;
}
