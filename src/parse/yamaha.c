/* SPDX-License-Identifier: Apache-2.0 */
/* yamaha.c — YAMAHA RTX/NVR/FWX routers. They send "<PRI> message" with
 * neither stamp nor host (a relay such as rsyslog adds both), messages
 * such as
 *   PP[01] Rejected at IN(1020) filter: TCP 203.0.113.9:4242 > 198.51.100.1:23
 *   Login failed for TELNET: 203.0.113.9
 *   [L2TP] … authentication failed … / [IKE] … pre-shared key mismatch …
 * Filter rejects are firewall_deny; management logins (TELNET, SSH, HTTP,
 * SFTP) are service admin; L2TP/IPsec/PPTP/IKE authentication is service
 * vpn. The login and VPN forms vary between firmware revisions, so they
 * are recognised by their key words and the peer is the last address of
 * the line. Session logs ([INSPECT]) and interface messages are
 * understood and skipped; anything else is not YAMAHA (MM_EPARSE). */
#include "parse-int.h"

#define HAS(p, e, lit) (PP_FIND((p), (e), (lit)) != NULL)
#define HAS_CI(p, e, up) pp_has_upper((p), (e), (up), sizeof(up) - 1)

/* "PROTO A[:port] > B[:port]" after "filter: ". */
static mm_rc rejected(const char *r, const char *e, mm_event *ev)
{
    const char *f = PP_FIND(r, e, "filter: ");
    if (!f)
        return MM_EPARSE;
    const char *q = f + 8, *w = pp_word_end(q, e);
    ev->ip_proto = HAS_CI(q, w, "TCP")    ? 6
                   : HAS_CI(q, w, "UDP")  ? 17
                   : HAS_CI(q, w, "ICMP") ? 1
                                          : 0;
    if (w >= e)
        return MM_EPARSE;
    const char *s = w + 1, *se = pp_word_end(s, e);
    /* "A:port", or "A.port" on some revisions (not for IPv6) */
    if (!pp_vendor_addr_port(s, se, &ev->src, &ev->src_port)) {
        const char *dot = pp_rfind(s, se, ".", 1);
        if (!dot || !pp_addr(s, dot, &ev->src))
            return MM_EPARSE;
        if (!pp_port(dot + 1, se, &ev->src_port))
            ev->src_port = 0;
    }
    const char *gt = PP_FIND(se, e, " > ");
    if (gt) {
        const char *d = gt + 3, *de = pp_word_end(d, e);
        while (de > d && (de[-1] == ',' || de[-1] == ':'))
            de--;
        if (!pp_vendor_addr_port(d, de, &ev->dst, &ev->dst_port)) {
            const char *dot = pp_rfind(d, de, ".", 1);
            if (!dot || !pp_addr(d, dot, &ev->dst) ||
                !pp_port(dot + 1, de, &ev->dst_port)) {
                memset(&ev->dst, 0, sizeof ev->dst);
                ev->dst_port = 0;
            }
        }
    }
    ev->category = MM_CAT_NETWORK;
    ev->action = MM_ACT_FIREWALL_DENY;
    ev->outcome = MM_OUT_FAILURE;
    return MM_OK;
}

static bool mgmt_proto(const char *p, const char *e)
{
    return HAS(p, e, "TELNET") || HAS(p, e, "SSH") || HAS(p, e, "HTTP") ||
           HAS(p, e, "SFTP") || HAS(p, e, "CONSOLE") || HAS(p, e, "REMOTE") ||
           HAS(p, e, "SERIAL");
}

static bool vpn_word(const char *p, const char *e)
{
    return HAS(p, e, "L2TP") || HAS(p, e, "PPTP") || HAS(p, e, "IKE") ||
           HAS(p, e, "IPsec") || HAS(p, e, "IPSEC") ||
           HAS(p, e, "PP[ANONYMOUS");
}

static mm_rc auth(const char *p, const char *e, mm_event *ev, mm_service svc,
                  bool ok)
{
    if (!pp_vendor_last_addr(p, e, &ev->src))
        return MM_SKIP;
    ev->user = pp_vendor_quoted(p, e);
    pp_vendor_auth(ev, svc, ok);
    return MM_OK;
}

mm_rc pp_yamaha_msg(const char *p, const char *e, mm_event *ev)
{
    const char *r = PP_FIND(p, e, "Rejected at ");
    if (r && (PP_STARTS(r + 12, e, "IN(") || PP_STARTS(r + 12, e, "OUT("))) {
        ev->dataset = MM_DS_YAMAHA;
        ev->message = pp_span(p, e);
        return rejected(r, e, ev);
    }
    bool lfail = HAS(p, e, "Login fail") || HAS(p, e, "login fail");
    bool lok = HAS(p, e, "Login succe") || HAS(p, e, "login succe");
    if ((lfail || lok) && mgmt_proto(p, e)) {
        ev->dataset = MM_DS_YAMAHA;
        ev->message = pp_span(p, e);
        return auth(p, e, ev, MM_SVC_ADMIN, !lfail);
    }
    if (vpn_word(p, e) && HAS_CI(p, e, "AUTH")) {
        bool fail = HAS_CI(p, e, "FAIL") || HAS_CI(p, e, "REJECT") ||
                    HAS_CI(p, e, "MISMATCH");
        bool ok = !fail && HAS_CI(p, e, "SUCCE");
        if (fail || ok) {
            ev->dataset = MM_DS_YAMAHA;
            ev->message = pp_span(p, e);
            return auth(p, e, ev, MM_SVC_VPN, ok);
        }
    }
    if (PP_STARTS(p, e, "[INSPECT]") || PP_STARTS(p, e, "PP[") ||
        PP_STARTS(p, e, "TUNNEL[") || PP_STARTS(p, e, "IP Tunnel[") ||
        PP_STARTS(p, e, "[IKE]") || PP_STARTS(p, e, "[L2TP]") ||
        PP_STARTS(p, e, "Logout from ") ||
        (PP_STARTS(p, e, "LAN") && e - p > 4 && pp_isdigit(p[3]) &&
         p[4] == ' ')) {
        ev->dataset = MM_DS_YAMAHA;
        ev->message = pp_span(p, e);
        return MM_SKIP;
    }
    return MM_EPARSE;
}
