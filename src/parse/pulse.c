/* SPDX-License-Identifier: Apache-2.0 */
/* pulse.c — Ivanti (Pulse) Connect Secure syslog: the standard form
 * "YYYY-MM-DD hh:mm:ss - node - [A] user(realm)[roles] - message" and the
 * WELF form "id=firewall … vpn=ive user=… src=A … msg=\"AUT24326: …\"".
 *
 * One failed sign-in writes "Primary authentication failed for u/realm
 * from A" (AUT24326) and then one or two "Login failed …" lines; only the
 * first counts as an attempt (the others keep outcome failure with no
 * action), so an attacker's tries are not counted three times. */
#include "parse-int.h"

static bool starts(const char *p, const char *e, const char *lit, size_t n)
{
    return pp_starts(p, e, lit, n);
}
#define STARTS(p, e, lit) starts((p), (e), (lit), sizeof(lit) - 1)

/* Classifies the message text; the caller has set src, user, realm. */
static mm_rc classify(const char *p, const char *e, mm_span realm,
                      mm_event *ev)
{
    ev->message = pp_span(p, e);
    mm_service svc =
        realm.len && pp_has_upper(realm.p, realm.p + realm.len, "ADMIN", 5)
            ? MM_SVC_ADMIN
            : MM_SVC_VPN;
    bool fail = STARTS(p, e, "Primary authentication failed") ||
                STARTS(p, e, "Secondary authentication failed");
    bool ok = STARTS(p, e, "Primary authentication successful") ||
              STARTS(p, e, "Secondary authentication successful") ||
              STARTS(p, e, "Login succeeded") ||
              STARTS(p, e, "Agent login succeeded");
    if (fail || ok) {
        if (!ev->src.family)
            return MM_SKIP;
        pp_vendor_auth(ev, svc, ok);
        return MM_OK;
    }
    if (STARTS(p, e, "Login failed") && ev->src.family) {
        ev->category = MM_CAT_AUTHENTICATION;
        ev->service = svc;
        ev->outcome = MM_OUT_FAILURE; /* repeats the line above */
        return MM_OK;
    }
    return MM_SKIP;
}

mm_rc pp_pulse_msg(const char *p, const char *e, mm_event *ev)
{
    ev->dataset = MM_DS_PULSE;
    const char *b = PP_FIND(p, e, " - [");
    if (!b)
        return MM_SKIP;
    const char *a = b + 4, *ae = memchr(a, ']', (size_t)(e - a));
    if (!ae)
        return MM_EPARSE;
    if (!pp_addr(a, ae, &ev->src))
        memset(&ev->src, 0, sizeof ev->src);
    const char *u = ae + 1;
    while (u < e && *u == ' ')
        u++;
    const char *ue = memchr(u, '(', (size_t)(e - u));
    const char *m = PP_FIND(u, e, " - ");
    if (!m)
        return MM_EPARSE;
    mm_span realm = mm_span_make(u, 0);
    if (ue && ue < m) {
        /* "Default Network::user(realm)": the user after the last "::" */
        const char *c = pp_rfind(u, ue, "::", 2);
        if (c)
            u = c + 2;
        if (ue > u && !(ue - u == 6 && memcmp(u, "System", 6) == 0))
            ev->user = pp_span(u, ue);
        const char *re = memchr(ue, ')', (size_t)(m - ue));
        if (re)
            realm = pp_span(ue + 1, re);
    }
    return classify(m + 3, e, realm, ev);
}

mm_rc pp_pulse_kv(const char *p, const char *e, mm_event *ev)
{
    mm_span k, v, msg = {0}, realm = {0};
    ev->dataset = MM_DS_PULSE;
    while (pp_kv_next(&p, e, &k, &v)) {
        if (mm_span_eq(k, "msg"))
            msg = v;
        else if (mm_span_eq(k, "src") && !pp_addr(v.p, v.p + v.len, &ev->src))
            memset(&ev->src, 0, sizeof ev->src);
        else if (mm_span_eq(k, "user") && v.len && !mm_span_eq(v, "System"))
            ev->user = v;
        else if (mm_span_eq(k, "realm"))
            realm = v;
    }
    if (!msg.len)
        return MM_SKIP;
    const char *m = msg.p, *me = msg.p + msg.len;
    /* "AUT24326: …", "ADM20716: …": the id is event.code */
    if (me - m > 5 && pp_isupper(m[0]) && pp_isupper(m[1]) &&
        pp_isupper(m[2])) {
        const char *q = m + 3;
        uint64_t id;
        if (pp_uint(&q, me, 99999, &id) && q < me && *q == ':') {
            ev->code = (uint32_t)id;
            m = q + 1;
            while (m < me && *m == ' ')
                m++;
        }
    }
    return classify(m, me, realm, ev);
}
