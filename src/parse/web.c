/* SPDX-License-Identifier: Apache-2.0 */
/* web.c — Apache/nginx access logs in common or combined format,
 * recognised per line, with an optional trailing X-Forwarded-For field:
 *   HOST IDENT USER [dd/Mon/yyyy:hh:mm:ss +zzzz] "REQUEST" STATUS BYTES
 *   ["REFERER" "USER-AGENT" ["X-FORWARDED-FOR"]] ...
 * optionally behind Debian's vhost_combined "VHOST:PORT " prefix.
 * Also the helpers the LogFormat-driven parser (webfmt.c) shares. */
#include "parse-int.h"

bool pp_escaped(const char *p, const char *q)
{
    size_t bs = 0;
    while (q - bs > p && q[-1 - (ptrdiff_t)bs] == '\\')
        bs++;
    return bs % 2 != 0;
}

const char *pp_quoted_end(const char *p, const char *e)
{
    while (p < e) {
        const char *q = memchr(p, '"', (size_t)(e - p));
        if (!q)
            return NULL;
        if (!pp_escaped(p, q))
            return q;
        p = q + 1;
    }
    return NULL;
}

bool pp_clf_time(const char *p, const char *e, int64_t *ts_ms)
{
    /* 17/May/2015:10:05:03 +0000 */
    if (e - p != 26 || p[2] != '/' || p[6] != '/' || p[11] != ':' ||
        p[14] != ':' || p[17] != ':' || p[20] != ' ')
        return false;
    int d = pp_digits(p, e, 2), mo = mm_time_month(p + 3),
        y = pp_digits(p + 7, e, 4), h = pp_digits(p + 12, e, 2),
        mi = pp_digits(p + 15, e, 2), s = pp_digits(p + 18, e, 2);
    int off;
    if ((d | y | h | mi | s) < 0 || mo == 0 ||
        mm_time_parse_offset(p + 21, 5, &off) != MM_OK)
        return false;
    return pp_civil_ms(y, mo, d, h, mi, s, 0, off, ts_ms);
}

void pp_http_target(const char *p, const char *e, mm_event *ev)
{
    const char *q = memchr(p, '?', (size_t)(e - p));
    if (q) {
        ev->path = pp_span(p, q);
        ev->query = pp_span(q + 1, e);
    } else {
        ev->path = pp_span(p, e);
    }
}

void pp_http_request(const char *p, const char *e, mm_event *ev)
{
    const char *m = p;
    while (p < e && (pp_isupper(*p) || *p == '-' || *p == '_') && p - m < 24)
        p++;
    if (p == m || p >= e || *p != ' ')
        return; /* "-", binary garbage, or no target: no method/path */
    ev->method = pp_span(m, p);
    p++;
    const char *t = e;
    while (t > p && t[-1] != ' ')
        t--;
    if (t > p && PP_STARTS(t, e, "HTTP/"))
        e = t - 1;
    if (e > p)
        pp_http_target(p, e, ev);
}

void pp_web_outcome(mm_event *ev)
{
    ev->dataset = MM_DS_WEB_ACCESS;
    ev->category = MM_CAT_WEB;
    ev->action = MM_ACT_HTTP_REQUEST;
    if (ev->status == 0)
        ev->outcome = MM_OUT_UNKNOWN;
    else
        ev->outcome = ev->status < 400 ? MM_OUT_SUCCESS : MM_OUT_FAILURE;
}

void pp_xff(const mm_parse_opts *opts, const char *p, const char *e,
            mm_event *ev)
{
    if (!opts || !opts->trust_xff)
        return;
    const char *c = memchr(p, ',', (size_t)(e - p));
    if (c)
        e = c;
    while (p < e && *p == ' ')
        p++;
    while (e > p && e[-1] == ' ')
        e--;
    mm_addr a;
    if (pp_addr(p, e, &a)) {
        ev->src = a;
        ev->src_domain = mm_span_make(NULL, 0);
        ev->anomalies &= ~MM_ANOM_HOSTNAME;
    }
}

/* STATUS (100-999 or "-") then ' ' BYTES (digits or "-"). */
static bool status_bytes(const char **pp, const char *e, mm_event *ev)
{
    const char *p = *pp;
    if (p < e && *p == '-') {
        p++;
    } else {
        int st = pp_digits(p, e, 3);
        if (st < 100 || (p + 3 < e && pp_isdigit(p[3])))
            return false;
        ev->status = (uint16_t)st;
        p += 3;
    }
    if (p >= e || *p != ' ')
        return false;
    p++;
    if (p < e && *p == '-') {
        p++;
    } else if (!pp_uint(&p, e, UINT64_MAX, &ev->bytes)) {
        return false;
    }
    if (p < e && *p != ' ')
        return false;
    *pp = p;
    return true;
}

/* ` "…"` at *pp: the span inside the quotes; a missing closing quote
 * (a cut line) takes the rest of the line. */
static bool quoted_field(const char **pp, const char *e, mm_span *out)
{
    const char *p = *pp;
    if (e - p < 2 || p[0] != ' ' || p[1] != '"')
        return false;
    p += 2;
    const char *q = pp_quoted_end(p, e);
    if (!q)
        q = e;
    *out = pp_span(p, q);
    *pp = q < e ? q + 1 : e;
    return true;
}

static bool dash(mm_span s)
{
    return s.len == 1 && s.p[0] == '-';
}

static mm_rc access_line(const mm_parse_opts *opts, const char *p,
                         const char *e, mm_event *ev)
{
    const char *w = pp_word_end(p, e);
    if (w >= e || !pp_peer(p, w, ev))
        return MM_EPARSE;
    p = w + 1;
    w = pp_word_end(p, e); /* ident */
    if (w >= e)
        return MM_EPARSE;
    p = w + 1;
    const char *b = PP_FIND(p, e, " [");
    if (!b)
        return MM_EPARSE;
    if (!(b - p == 1 && *p == '-'))
        ev->user = pp_span(p, b);
    p = b + 2;
    const char *c =
        memchr(p, ']', (size_t)(e - p) < 40 ? (size_t)(e - p) : 40);
    if (!c || !pp_clf_time(p, c, &ev->ts_ms))
        return MM_EPARSE;
    p = c + 1;
    if (e - p < 2 || p[0] != ' ' || p[1] != '"')
        return MM_EPARSE;
    p += 2;
    /* The request ends at the first unescaped quote followed by a status;
     * old Apache versions left quotes inside %r unescaped. */
    const char *rq = p, *q = p;
    for (;;) {
        q = pp_quoted_end(q, e);
        if (!q)
            return MM_EPARSE;
        if (e - q >= 3 && q[1] == ' ' && (pp_isdigit(q[2]) || q[2] == '-'))
            break;
        q++;
    }
    pp_http_request(rq, q, ev);
    p = q + 2;
    if (!status_bytes(&p, e, ev))
        return MM_EPARSE;
    mm_span f;
    if (quoted_field(&p, e, &f)) {
        if (!dash(f))
            ev->referrer = f;
        if (quoted_field(&p, e, &f)) {
            if (!dash(f))
                ev->user_agent = f;
            if (quoted_field(&p, e, &f) && !dash(f))
                pp_xff(opts, f.p, f.p + f.len, ev);
        }
    }
    pp_web_outcome(ev);
    return MM_OK;
}

mm_rc pp_access_line(const mm_parse_opts *opts, const char *p, const char *e,
                     mm_event *ev)
{
    mm_rc rc = access_line(opts, p, e, ev);
    if (rc != MM_EPARSE)
        return rc;
    /* Debian's vhost_combined: "%v:%p %h %l %u %t ..." */
    const char *w = pp_word_end(p, e);
    const char *c = w;
    while (c > p && pp_isdigit(c[-1]))
        c--;
    if (w >= e || c == w || c - 1 <= p || c[-1] != ':' ||
        !pp_is_hostname(p, c - 1))
        return MM_EPARSE;
    uint32_t an = ev->anomalies;
    memset(ev, 0, sizeof *ev);
    ev->count = 1;
    ev->anomalies = an & ~MM_ANOM_HOSTNAME;
    rc = access_line(opts, w + 1, e, ev);
    if (rc == MM_OK)
        ev->dst_domain = pp_span(p, c - 1);
    return rc;
}
