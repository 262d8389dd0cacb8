/* SPDX-License-Identifier: Apache-2.0 */
/* netfilter.c — iptables / nftables LOG lines from the kernel:
 * "[12345.678] [UFW BLOCK] IN=eth0 OUT= MAC=… SRC=1.2.3.4 DST=10.0.0.5
 * LEN=60 … PROTO=TCP SPT=51234 DPT=22 …", IPv4 and IPv6. The log prefix
 * (text before IN=) decides the action. */
#include "parse-int.h"

static uint8_t proto_number(const char *p, const char *e)
{
    static const struct {
        const char *name;
        uint8_t num;
    } names[] = {{"TCP", 6},       {"UDP", 17},    {"ICMP", 1},
                 {"ICMPv6", 58},   {"ICMPV6", 58}, {"SCTP", 132},
                 {"UDPLITE", 136}, {"GRE", 47},    {"ESP", 50}};
    mm_span s = pp_span(p, e);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (mm_span_eq(s, names[i].name))
            return names[i].num;
    uint64_t v;
    const char *q = p;
    if (pp_uint(&q, e, 255u, &v) && q == e)
        return (uint8_t)v;
    return 0;
}

mm_rc pp_netfilter_msg(const char *p, const char *e, mm_event *ev)
{
    /* The "IN=" that starts the field list. */
    const char *in = NULL;
    for (const char *q = p; (q = PP_FIND(q, e, "IN=")) != NULL; q += 3) {
        if (q == p || q[-1] == ' ') {
            in = q;
            break;
        }
    }
    if (!in)
        return MM_EPARSE;
    const char *pre = p;
    if (pre < in && *pre == '[') {
        const char *c = memchr(pre, ']', (size_t)(in - pre));
        if (c && c - pre < 24 && (c - pre < 2 || pp_isdigit(c[-1])))
            pre = c + 1;
    }
    ev->dataset = MM_DS_NETFILTER;
    ev->category = MM_CAT_NETWORK;
    bool have_src = false, have_len = false;
    for (const char *t = in; t < e;) {
        const char *w = pp_word_end(t, e);
        const char *eq = memchr(t, '=', (size_t)(w - t));
        if (eq) {
            const char *v = eq + 1;
            size_t kl = (size_t)(eq - t);
            if (kl == 3 && memcmp(t, "SRC", 3) == 0) {
                if (!pp_addr(v, w, &ev->src))
                    return MM_EPARSE;
                have_src = true;
            } else if (kl == 3 && memcmp(t, "DST", 3) == 0) {
                if (!pp_addr(v, w, &ev->dst))
                    memset(&ev->dst, 0, sizeof ev->dst);
            } else if (kl == 3 && memcmp(t, "SPT", 3) == 0) {
                pp_port(v, w, &ev->src_port);
            } else if (kl == 3 && memcmp(t, "DPT", 3) == 0) {
                pp_port(v, w, &ev->dst_port);
            } else if (kl == 5 && memcmp(t, "PROTO", 5) == 0) {
                ev->ip_proto = proto_number(v, w);
            } else if (kl == 3 && memcmp(t, "LEN", 3) == 0 && !have_len) {
                uint64_t n;
                const char *q = v;
                if (pp_uint(&q, w, UINT32_MAX, &n) && q == w)
                    ev->bytes = n;
                have_len = true;
            }
        }
        t = w < e ? w + 1 : e;
    }
    if (!have_src)
        return MM_EPARSE;
    if (pp_has_upper(pre, in, "BLOCK", 5) ||
        pp_has_upper(pre, in, "DROP", 4) ||
        pp_has_upper(pre, in, "REJECT", 6) ||
        pp_has_upper(pre, in, "DENY", 4)) {
        ev->action = MM_ACT_FIREWALL_DENY;
        ev->outcome = MM_OUT_FAILURE;
    } else if (pp_has_upper(pre, in, "ACCEPT", 6) ||
               pp_has_upper(pre, in, "ALLOW", 5)) {
        ev->action = MM_ACT_FIREWALL_ALLOW;
        ev->outcome = MM_OUT_SUCCESS;
    } else {
        ev->action = MM_ACT_FIREWALL_LOG;
    }
    return MM_OK;
}

mm_rc pp_netfilter_line(const mm_parse_opts *opts, const char *p,
                        const char *e, mm_event *ev)
{
    p = pp_syslog_strip(opts, p, e, ev);
    return pp_netfilter_msg(p, e, ev);
}
