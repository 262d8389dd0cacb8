/* SPDX-License-Identifier: Apache-2.0 */
/* weberror.c — web server error logs:
 *   Apache 2.2  [Sun Dec 04 04:47:44 2005] [error] [client 1.2.3.4] msg
 *   Apache 2.4  [Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 1:tid 2]
 *               [client 1.2.3.4:51234] AH00128: msg[, referer: URL]
 *   nginx       2024/01/02 03:04:05 [error] 1234#0: *5 msg, client: 1.2.3.4,
 *               server: _, request: "GET / HTTP/1.1", host: "x"
 * Entries with a client give http_error (or an authentication action for
 * basic-auth failures); entries without one (notices) are MM_SKIP. Stamps
 * carry no zone: opts->tz_offset_s applies. */
#include "parse-int.h"

static mm_rc auth(mm_event *ev, mm_action a)
{
    ev->category = MM_CAT_AUTHENTICATION;
    ev->action = a;
    ev->outcome = MM_OUT_FAILURE;
    return MM_OK;
}

/* "[client 1.2.3.4:51234]" value: 2.4 adds ":port" (also after IPv6). */
static bool apache_client(const char *p, const char *e, bool v24, mm_event *ev)
{
    if (v24) {
        const char *c = e;
        while (c > p && pp_isdigit(c[-1]))
            c--;
        if (c > p + 1 && c < e && c[-1] == ':' &&
            pp_addr(p, c - 1, &ev->src)) {
            pp_port(c, e, &ev->src_port);
            return true;
        }
    }
    return pp_peer(p, e, ev);
}

/* Apache message after the bracket groups. */
static mm_rc apache_msg(const char *p, const char *e, mm_event *ev)
{
    const char *r = PP_RFIND(p, e, ", referer: ");
    if (r) {
        ev->referrer = pp_span(r + 11, e);
        e = r;
    }
    /* 2.4 message ids: "AH01617: " */
    if (e - p >= 9 && p[0] == 'A' && p[1] == 'H' &&
        pp_digits(p + 2, e, 5) >= 0 && p[7] == ':' && p[8] == ' ')
        p += 9;
    if (PP_STARTS(p, e, "File does not exist: ")) {
        ev->path = pp_span(p + 21, e);
        return MM_OK;
    }
    if (PP_STARTS(p, e, "user ")) {
        const char *u = p + 5;
        const char *a = PP_FIND(u, e, ": authentication failure for \"");
        if (a) {
            ev->user = pp_span(u, a);
            const char *s = a + 30;
            const char *q = memchr(s, '"', (size_t)(e - s));
            if (q)
                ev->path = pp_span(s, q);
            return auth(ev, MM_ACT_AUTH_FAILURE);
        }
        const char *n = PP_FIND(u, e, " not found: ");
        if (n) {
            ev->user = pp_span(u, n);
            ev->path = pp_span(n + 12, e);
            return auth(ev, MM_ACT_INVALID_USER);
        }
    }
    return MM_OK;
}

static mm_rc apache_line(const mm_parse_opts *opts, const char *p,
                         const char *e, mm_event *ev)
{
    /* [Www Mmm dd hh:mm:ss[.usec] yyyy] */
    if (e - p < 26 || p[0] != '[' || p[4] != ' ' || p[8] != ' ' ||
        p[11] != ' ' || p[14] != ':' || p[17] != ':')
        return MM_EPARSE;
    int mo = mm_time_month(p + 5);
    int d = p[9] == ' ' ? pp_digits(p + 10, e, 1) : pp_digits(p + 9, e, 2);
    int h = pp_digits(p + 12, e, 2), mi = pp_digits(p + 15, e, 2),
        s = pp_digits(p + 18, e, 2);
    const char *q = p + 20;
    int ms = 0;
    if (q < e && *q == '.') {
        q++;
        ms = pp_frac_ms(&q, e);
    }
    if (e - q < 6 || *q != ' ' || q[5] != ']')
        return MM_EPARSE;
    int y = pp_digits(q + 1, e, 4);
    if (mo == 0 || (d | h | mi | s | y) < 0 ||
        !pp_civil_ms(y, mo, d, h, mi, s, ms, opts ? opts->tz_offset_s : 0,
                     &ev->ts_ms))
        return MM_EPARSE;
    p = q + 6;
    /* [level] or [module:level] */
    if (e - p < 3 || p[0] != ' ' || p[1] != '[')
        return MM_EPARSE;
    const char *c = memchr(p + 2, ']', (size_t)(e - p - 2));
    if (!c || c - p > 64)
        return MM_EPARSE;
    bool v24 = memchr(p + 2, ':', (size_t)(c - p - 2)) != NULL;
    p = c + 1;
    ev->dataset = MM_DS_WEB_ERROR;
    ev->category = MM_CAT_WEB;
    bool client = false;
    while (e - p >= 2 && p[0] == ' ' && p[1] == '[') {
        const char *g = p + 2;
        c = memchr(g, ']', (size_t)(e - g));
        if (!c)
            break;
        if (PP_STARTS(g, c, "client ")) {
            if (!apache_client(g + 7, c, v24, ev))
                return MM_EPARSE;
            client = true;
        } else if (!PP_STARTS(g, c, "pid ") && !PP_STARTS(g, c, "remote ")) {
            break;
        }
        p = c + 1;
    }
    if (p < e && *p == ' ')
        p++;
    ev->message = pp_span(p, e);
    if (!client)
        return MM_SKIP;
    ev->action = MM_ACT_HTTP_ERROR;
    ev->outcome = MM_OUT_FAILURE;
    return apache_msg(p, e, ev);
}

/* `, name: "value"` (quoted) or `, name: value` (up to ", ") at p. */
static const char *ctx_value(const char *p, const char *e, mm_span *v)
{
    if (p < e && *p == '"') {
        const char *q = pp_quoted_end(p + 1, e);
        if (!q)
            q = e;
        *v = pp_span(p + 1, q);
        return q < e ? q + 1 : e;
    }
    const char *c = PP_FIND(p, e, ", ");
    if (!c)
        c = e;
    *v = pp_span(p, c);
    return c;
}

static mm_rc nginx_line(const mm_parse_opts *opts, const char *p,
                        const char *e, mm_event *ev)
{
    /* YYYY/MM/DD HH:MM:SS [level] PID#TID: [*CID ]msg */
    if (e - p < 22 || p[4] != '/' || p[7] != '/' || p[10] != ' ' ||
        p[13] != ':' || p[16] != ':' || p[19] != ' ' || p[20] != '[')
        return MM_EPARSE;
    int y = pp_digits(p, e, 4), mo = pp_digits(p + 5, e, 2),
        d = pp_digits(p + 8, e, 2), h = pp_digits(p + 11, e, 2),
        mi = pp_digits(p + 14, e, 2), s = pp_digits(p + 17, e, 2);
    if ((y | mo | d | h | mi | s) < 0 ||
        !pp_civil_ms(y, mo, d, h, mi, s, 0, opts ? opts->tz_offset_s : 0,
                     &ev->ts_ms))
        return MM_EPARSE;
    p += 21;
    const char *c =
        memchr(p, ']', (size_t)(e - p) < 16 ? (size_t)(e - p) : 16);
    if (!c)
        return MM_EPARSE;
    p = c + 1;
    if (p < e && *p == ' ')
        p++;
    const char *id = p;
    while (p < e && (pp_isdigit(*p) || *p == '#'))
        p++;
    if (p > id && PP_STARTS(p, e, ": "))
        p += 2;
    if (p < e && *p == '*') {
        const char *q = p + 1;
        while (q < e && pp_isdigit(*q))
            q++;
        if (q > p + 1 && q < e && *q == ' ')
            p = q + 1;
    }
    ev->dataset = MM_DS_WEB_ERROR;
    ev->category = MM_CAT_WEB;
    const char *msg = p, *me = NULL;
    for (const char *q = p; (q = PP_FIND(q, e, ", client: ")) != NULL; q++) {
        const char *v = q + 10, *ve = memchr(v, ',', (size_t)(e - v));
        if (!ve)
            ve = e;
        if (pp_peer(v, ve, ev)) {
            me = q;
            p = ve;
            break;
        }
    }
    if (!me) {
        ev->message = pp_span(msg, e);
        return MM_SKIP;
    }
    ev->message = pp_span(msg, me);
    /* the rest: ", server: x, request: "…", upstream: "…", host: "…"" */
    while (PP_STARTS(p, e, ", ")) {
        const char *k = p + 2, *ke = PP_FIND(k, e, ": ");
        if (!ke || ke - k > 16)
            break;
        mm_span v;
        p = ctx_value(ke + 2, e, &v);
        if (PP_STARTS(k, ke, "request"))
            pp_http_request(v.p, v.p + v.len, ev);
        else if (PP_STARTS(k, ke, "host"))
            ev->dst_domain = v;
        else if (PP_STARTS(k, ke, "referrer"))
            ev->referrer = v;
    }
    ev->action = MM_ACT_HTTP_ERROR;
    ev->outcome = MM_OUT_FAILURE;
    const char *m = msg;
    e = me;
    if (PP_STARTS(m, e, "open() \"") && !ev->path.len) {
        const char *q = memchr(m + 8, '"', (size_t)(e - m - 8));
        if (q)
            ev->path = pp_span(m + 8, q);
    } else if (PP_STARTS(m, e, "user \"")) {
        const char *u = m + 6;
        const char *q = memchr(u, '"', (size_t)(e - u));
        if (q) {
            ev->user = pp_span(u, q);
            if (PP_STARTS(q, e, "\": password mismatch"))
                return auth(ev, MM_ACT_AUTH_FAILURE);
            if (PP_STARTS(q, e, "\" was not found in "))
                return auth(ev, MM_ACT_INVALID_USER);
        }
    }
    return MM_OK;
}

mm_rc pp_error_line(const mm_parse_opts *opts, const char *p, const char *e,
                    mm_event *ev)
{
    if (p < e && *p == '[')
        return apache_line(opts, p, e, ev);
    return nginx_line(opts, p, e, ev);
}
