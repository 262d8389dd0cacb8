/* SPDX-License-Identifier: Apache-2.0 */
/* sonicwall.c — SonicWall (SonicOS) syslog, the default "id=firewall sn=…
 * time=… fw=… pri=… c=… m=… msg=… src=A:port:zone dst=…" form. The event
 * is identified by m= (the "SonicOS Log Events Reference" message id, kept
 * as event.code): administrator and user/VPN login failures and
 * successes, IPS/anti-virus/anti-spyware alerts, drops; other ids are
 * understood and skipped. */
#include "parse-int.h"

typedef enum sw_kind {
    SW_NONE = 0,
    SW_ADMIN_FAIL,
    SW_ADMIN_OK,
    SW_USER_FAIL,
    SW_USER_OK,
    SW_VPN_FAIL,
    SW_VPN_OK,
    SW_IPS,    /* severity from ipspri= (1 = high) */
    SW_THREAT, /* anti-virus, anti-spyware, port scans */
    SW_DROP,
    SW_CONN
} sw_kind;

static const struct {
    uint16_t m;
    uint8_t kind;
} sw_ids[] = {
    {29, SW_ADMIN_OK},   /* Administrator login allowed */
    {30, SW_ADMIN_FAIL}, /* Administrator login denied due to bad credentials
                          */
    {31, SW_USER_OK},    /* User login from an internal zone allowed */
    {32, SW_USER_FAIL},  /* User login denied due to bad credentials */
    {33, SW_USER_FAIL},  /* Unknown user login attempt */
    {36, SW_DROP},       /* TCP connection dropped */
    {37, SW_DROP},       /* UDP packet dropped */
    {38, SW_DROP},       /* ICMP packet dropped due to policy */
    {67, SW_VPN_FAIL},   /* IPsec Authentication Failed */
    {82, SW_THREAT},     /* Possible port scan detected */
    {83, SW_THREAT},     /* Probable port scan detected */
    {97, SW_CONN},       /* Web site hit */
    {98, SW_CONN},       /* Connection Opened */
    {139, SW_VPN_OK},    /* XAUTH Succeeded with VPN */
    {140, SW_VPN_FAIL},  /* XAUTH Failed with VPN, Authentication failure */
    {173, SW_DROP},      /* TCP connection from LAN denied */
    {174, SW_DROP},       {175, SW_DROP},
    {199, SW_ADMIN_OK},   /* CLI administrator login allowed */
    {200, SW_ADMIN_FAIL}, /* CLI administrator login denied, bad credentials */
    {235, SW_ADMIN_OK},   /* VPN zone administrator login allowed */
    {236, SW_ADMIN_OK},   /* WAN zone administrator login allowed */
    {237, SW_USER_OK},    /* VPN zone remote user login allowed */
    {238, SW_USER_OK},    /* WAN zone remote user login allowed */
    {243, SW_USER_FAIL},  /* User login denied - RADIUS authentication failure
                           */
    {311, SW_VPN_FAIL},   /* L2TP Server: RADIUS/LDAP reports Authentication
                             Failure */
    {312, SW_VPN_FAIL},   /* L2TP Server: Local Authentication Failure */
    {318, SW_VPN_OK},     /* L2TP Server: Local Authentication Success */
    {319, SW_VPN_OK},     /* L2TP Server: RADIUS/LDAP Authentication Success */
    {344, SW_VPN_FAIL},   /* L2TP Server: User Name authentication Failure */
    {537, SW_CONN},       /* Connection Closed */
    {608, SW_IPS},        /* IPS Detection Alert */
    {609, SW_IPS},        /* IPS Prevention Alert */
    {745, SW_USER_FAIL},  /* User login denied - LDAP authentication failure */
    {749, SW_USER_FAIL},  /* User login denied - invalid credentials on LDAP */
    {789, SW_IPS},        /* IDP Detection Alert */
    {790, SW_IPS},        /* IDP Prevention Alert */
    {794, SW_THREAT},     /* Anti-Spyware Prevention Alert */
    {795, SW_THREAT},     /* Anti-Spyware Detection Alert */
    {809, SW_THREAT},     /* Gateway Anti-Virus Alert */
    {987, SW_USER_FAIL},  /* User login denied - not found locally */
    {1080, SW_USER_OK},   /* SSL VPN zone remote user login allowed */
};

static sw_kind kind_of(uint64_t m)
{
    for (size_t i = 0; i < sizeof sw_ids / sizeof *sw_ids; i++)
        if (sw_ids[i].m == m)
            return (sw_kind)sw_ids[i].kind;
    return SW_NONE;
}

/* "A:port[:zone[:host]]", "A", or ":port:zone" with the address in
 * srcV6=/dstV6= instead. */
static void sw_addr(mm_span v, mm_addr *a, uint16_t *port)
{
    const char *p = v.p, *e = v.p + v.len;
    const char *c = memchr(p, ':', (size_t)(e - p));
    if (!c) {
        if (!pp_addr(p, e, a))
            memset(a, 0, sizeof *a);
        return;
    }
    if (!pp_addr(p, c, a))
        memset(a, 0, sizeof *a);
    const char *pe = c + 1;
    while (pe < e && pp_isdigit(*pe))
        pe++;
    if (!pp_port(c + 1, pe, port))
        *port = 0;
}

static uint64_t num(mm_span v)
{
    const char *q = v.p;
    uint64_t n;
    return pp_uint(&q, v.p + v.len, 1000000, &n) ? n : 0;
}

mm_rc pp_sonicwall_kv(const mm_parse_opts *opts, const char *p, const char *e,
                      mm_event *ev)
{
    mm_span k, v, msg = {0}, src = {0}, dst = {0}, src6 = {0}, dst6 = {0},
                  user = {0}, time = {0};
    uint64_t m = 0, ipspri = 0;
    bool have_m = false;
    unsigned pairs = 0;
    ev->dataset = MM_DS_SONICWALL;
    while (pp_kv_next(&p, e, &k, &v)) {
        pairs++;
        if (mm_span_eq(k, "m")) {
            m = num(v);
            have_m = true;
        } else if (mm_span_eq(k, "msg")) {
            if (!msg.len)
                msg = v; /* IPS lines repeat msg=, the first is fuller */
        } else if (mm_span_eq(k, "src")) {
            src = v;
        } else if (mm_span_eq(k, "dst")) {
            dst = v;
        } else if (mm_span_eq(k, "srcV6")) {
            src6 = v;
        } else if (mm_span_eq(k, "dstV6")) {
            dst6 = v;
        } else if (mm_span_eq(k, "usr") || mm_span_eq(k, "user")) {
            user = v;
        } else if (mm_span_eq(k, "time")) {
            time = v;
        } else if (mm_span_eq(k, "ipspri")) {
            ipspri = num(v);
        }
    }
    if (pairs < 3)
        return MM_EPARSE;
    if (time.len >= 19) {
        const char *q = time.p, *te = time.p + time.len;
        int off = opts ? opts->tz_offset_s : 0;
        if (time.len >= 23 && PP_ENDS(q, te, " UTC")) {
            off = 0;
            te -= 4;
        }
        int64_t t;
        if (pp_iso_time(&q, te, off, &t) && q == te)
            ev->ts_ms = t;
    }
    if (msg.len)
        ev->message = msg;
    if (src.len)
        sw_addr(src, &ev->src, &ev->src_port);
    if (!ev->src.family && src6.len &&
        !pp_addr(src6.p, src6.p + src6.len, &ev->src))
        memset(&ev->src, 0, sizeof ev->src);
    if (dst.len)
        sw_addr(dst, &ev->dst, &ev->dst_port);
    if (!ev->dst.family && dst6.len &&
        !pp_addr(dst6.p, dst6.p + dst6.len, &ev->dst))
        memset(&ev->dst, 0, sizeof ev->dst);
    if (!have_m)
        return MM_SKIP;
    ev->code = (uint32_t)m;
    sw_kind kd = kind_of(m);
    if (kd == SW_NONE || !ev->src.family)
        return MM_SKIP;
    if (user.len && !pp_has_upper(user.p, user.p + user.len, "UNKNOWN", 7))
        ev->user = user;
    switch (kd) {
    case SW_ADMIN_FAIL:
    case SW_ADMIN_OK:
        pp_vendor_auth(ev, MM_SVC_ADMIN, kd == SW_ADMIN_OK);
        return MM_OK;
    case SW_USER_FAIL:
    case SW_USER_OK:
    case SW_VPN_FAIL:
    case SW_VPN_OK:
        /* users log in to SonicWall for SSL VPN (NetExtender, Virtual
         * Office) or the user portal; both face the internet */
        pp_vendor_auth(ev, MM_SVC_VPN, kd == SW_USER_OK || kd == SW_VPN_OK);
        return MM_OK;
    case SW_IPS:
    case SW_THREAT:
        ev->category = MM_CAT_NETWORK;
        ev->action = kd == SW_IPS && ipspri == 1 ? MM_ACT_THREAT_CRITICAL
                                                 : MM_ACT_THREAT_DETECTED;
        if (m == 609 || m == 790 || m == 794)
            ev->outcome = MM_OUT_FAILURE; /* prevented */
        return MM_OK;
    case SW_DROP:
        ev->category = MM_CAT_NETWORK;
        ev->action = MM_ACT_FIREWALL_DENY;
        ev->outcome = MM_OUT_FAILURE;
        return MM_OK;
    case SW_CONN:
        ev->category = MM_CAT_NETWORK;
        ev->action = MM_ACT_FIREWALL_ALLOW;
        ev->outcome = MM_OUT_SUCCESS;
        return MM_OK;
    default: return MM_SKIP;
    }
}
