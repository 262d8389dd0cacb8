/* SPDX-License-Identifier: Apache-2.0 */
/* openvpn.c — OpenVPN server messages, through syslog ("openvpn[pid]: …")
 * or its own log file ("YYYY-MM-DD hh:mm:ss peer:port …"). Lines about a
 * client start with "A:port" or "cn/A:port". Failed attempts: a rejected
 * user name/password ("TLS Auth Error"), a failed TLS handshake or
 * certificate check, packets failing tls-auth/tls-crypt (scanners and
 * wrong keys); a success: "Username/Password authentication succeeded" or
 * "Peer Connection Initiated". "TLS key negotiation failed" and "SENT
 * CONTROL … AUTH_FAILED" repeat an attempt already counted and keep only
 * outcome failure. */
#include "parse-int.h"

#define HAS(p, e, lit) (PP_FIND((p), (e), (lit)) != NULL)

/* "A:port", "[AF_INET]A:port", "[AF_INET6]A:port": OpenVPN always writes
 * the port, so the last ':' separates it (an IPv6 address with a 4-digit
 * port would otherwise read as one longer address). */
static bool addr_port(const char *p, const char *e, mm_addr *a, uint16_t *port)
{
    if (PP_STARTS(p, e, "[AF_INET6]"))
        p += 10;
    else if (PP_STARTS(p, e, "[AF_INET]"))
        p += 9;
    const char *c = pp_rfind(p, e, ":", 1);
    if (c && pp_port(c + 1, e, port) && pp_addr(p, c, a))
        return true;
    *port = 0;
    return pp_addr(p, e, a);
}

/* "A:port" or "cn/A:port" at the start of the message. */
static const char *peer(const char *p, const char *e, mm_event *ev)
{
    const char *w = pp_word_end(p, e);
    const char *sl = pp_rfind(p, w, "/", 1);
    const char *a = sl ? sl + 1 : p;
    if (w - a < 3 || !memchr(a, ':', (size_t)(w - a)) ||
        !addr_port(a, w, &ev->src, &ev->src_port)) {
        memset(&ev->src, 0, sizeof ev->src);
        ev->src_port = 0;
        return p;
    }
    if (sl && sl > p && !(sl - p == 5 && memcmp(p, "UNDEF", 5) == 0))
        ev->user = pp_span(p, sl);
    return w < e ? w + 1 : e;
}

/* "… from [AF_INET]A:port" inside the message. */
static void from_addr(const char *p, const char *e, mm_event *ev)
{
    const char *f = PP_RFIND(p, e, " from ");
    if (!f)
        return;
    const char *s = f + 6, *w = pp_word_end(s, e);
    if (!addr_port(s, w, &ev->src, &ev->src_port)) {
        memset(&ev->src, 0, sizeof ev->src);
        ev->src_port = 0;
    }
}

mm_rc pp_openvpn_msg(const char *p, const char *e, mm_event *ev)
{
    ev->dataset = MM_DS_OPENVPN;
    const char *m = peer(p, e, ev);
    ev->message = pp_span(m, e);
    bool fail = false, ok = false, repeat = false;
    if (PP_STARTS(m, e, "TLS Auth Error:") ||
        PP_STARTS(m, e, "VERIFY ERROR") ||
        PP_STARTS(m, e, "TLS Error: TLS handshake failed")) {
        fail = true;
    } else if (PP_STARTS(m, e, "TLS Error: cannot locate HMAC") ||
               PP_STARTS(m, e, "TLS Error: tls-crypt unwrapping failed") ||
               PP_STARTS(m, e,
                         "TLS Error: incoming packet authentication failed") ||
               PP_STARTS(m, e, "TLS Error: Unroutable control packet")) {
        from_addr(m, e, ev);
        fail = true;
    } else if (PP_STARTS(m, e, "TLS Error: TLS key negotiation failed") ||
               (PP_STARTS(m, e, "SENT CONTROL") && HAS(m, e, "AUTH_FAILED"))) {
        repeat = true;
    } else if (PP_STARTS(m, e,
                         "TLS: Username/Password authentication succeeded")) {
        mm_span u = pp_vendor_quoted(m, e);
        if (u.len)
            ev->user = u;
        ok = true;
    } else {
        const char *q = m;
        if (q < e && *q == '[') { /* "[cn] Peer Connection Initiated with" */
            const char *c = memchr(q, ']', (size_t)(e - q));
            if (c) {
                if (!ev->user.len && c > q + 1)
                    ev->user = pp_span(q + 1, c);
                q = c + 1;
                while (q < e && *q == ' ')
                    q++;
            }
        }
        if (PP_STARTS(q, e, "Peer Connection Initiated with")) {
            const char *w = PP_FIND(q, e, " with ");
            if (!ev->src.family && w &&
                !addr_port(w + 6, pp_word_end(w + 6, e), &ev->src,
                           &ev->src_port))
                memset(&ev->src, 0, sizeof ev->src);
            ok = true;
        }
    }
    if (!ev->src.family || !(fail || ok || repeat))
        return MM_SKIP;
    if (repeat) {
        ev->category = MM_CAT_AUTHENTICATION;
        ev->service = MM_SVC_VPN;
        ev->outcome = MM_OUT_FAILURE;
        return MM_OK;
    }
    pp_vendor_auth(ev, MM_SVC_VPN, ok);
    return MM_OK;
}
