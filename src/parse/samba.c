/* SPDX-License-Identifier: Apache-2.0 */
/* samba.c — Samba authentication audit lines (smb.conf "log level =
 * 1 auth_audit:3", Samba >= 4.5), in log.smbd (the message on the line
 * after its "[date, level] file:line(func)" header) or over syslog:
 *   Auth: [SMB2,(null)] user [DOM]\[bob] at [Tue, 01 Jan 2019 10:00:00.1
 *   UTC] with [NTLMv2] status [NT_STATUS_WRONG_PASSWORD] workstation [WS]
 *   remote host [ipv4:192.0.2.5:49154] mapped to [DOM]\[bob]. local host
 *   [ipv4:192.0.2.1:445]
 * NT_STATUS_OK is a success; NT_STATUS_NO_SUCH_USER an unknown name;
 * every other status a failure. */
#include "parse-int.h"

bool pp_samba_probe(const char *p, const char *e)
{
    while (p < e && *p == ' ')
        p++;
    return PP_STARTS(p, e, "Auth: [");
}

bool pp_samba_header(const char *p, const char *e)
{
    /* "[2019/01/01 10:00:00.000000,  2] ../auth/auth_log.c:760(…)" */
    return e - p > 22 && p[0] == '[' && pp_digits(p + 1, e, 4) >= 0 &&
           p[5] == '/' && p[8] == '/' && p[11] == ' ' && p[14] == ':';
}

/* "[VALUE]" right after `key` in [p, e): the value's span. */
static bool bracket(const char *p, const char *e, const char *key, size_t n,
                    mm_span *out)
{
    const char *k = pp_find(p, e, key, n);
    if (!k)
        return false;
    const char *v = k + n, *b = memchr(v, ']', (size_t)(e - v));
    if (!b)
        return false;
    *out = pp_span(v, b);
    return true;
}
#define BRACKET(p, e, key, out)                                               \
    bracket((p), (e), (key), sizeof(key) - 1, (out))

mm_rc pp_samba(const char *p, const char *e, mm_event *ev)
{
    while (p < e && *p == ' ')
        p++;
    if (!PP_STARTS(p, e, "Auth: ["))
        return MM_EPARSE;
    ev->dataset = MM_DS_SAMBA;
    ev->category = MM_CAT_AUTHENTICATION;
    ev->service = MM_SVC_SMB;
    mm_span status, user, remote;
    if (!BRACKET(p, e, " status [", &status))
        return MM_EPARSE;
    if (BRACKET(p, e, " user [", &user)) {
        /* "[DOM]\[name]": the name is the second bracket */
        const char *s = user.p + user.len;
        if (PP_STARTS(s, e, "]\\[")) {
            const char *b = memchr(s + 3, ']', (size_t)(e - s - 3));
            if (b)
                user = pp_span(s + 3, b);
        }
        if (user.len)
            ev->user = user;
    }
    if (BRACKET(p, e, " remote host [", &remote)) {
        const char *a = remote.p, *re = remote.p + remote.len;
        if (PP_STARTS(a, re, "ipv4:") || PP_STARTS(a, re, "ipv6:"))
            a += 5;
        const char *k = re; /* the port follows the last ':' */
        while (k > a && k[-1] != ':')
            k--;
        if (k > a && pp_port(k, re, &ev->src_port) &&
            pp_addr(a, k - 1, &ev->src)) {
            /* address and port */
        } else {
            ev->src_port = 0;
            if (!pp_addr(a, re, &ev->src))
                memset(&ev->src, 0, sizeof ev->src);
        }
    }
    const char *s = status.p, *se = status.p + status.len;
    if (PP_STARTS(s, se, "NT_STATUS_OK") && se - s == 12) {
        ev->action = MM_ACT_AUTH_SUCCESS;
        ev->outcome = MM_OUT_SUCCESS;
    } else if (PP_STARTS(s, se, "NT_STATUS_NO_SUCH_USER")) {
        ev->action = MM_ACT_INVALID_USER;
        ev->outcome = MM_OUT_FAILURE;
    } else {
        ev->action = MM_ACT_AUTH_FAILURE;
        ev->outcome = MM_OUT_FAILURE;
    }
    return MM_OK;
}
