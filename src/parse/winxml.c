/* SPDX-License-Identifier: Apache-2.0 */
/* winxml.c — one Windows event as XML (wevtutil qe /f:xml, Windows Event
 * Forwarding, Get-WinEvent ToXml(), libevtx for .evtx files), on one line
 * or spread over several (the caller frames multi-line records; newlines
 * are just white space here).
 *
 * Not a general XML parser: a single flat pass over the tags. Each start
 * tag's name (or, for <Data Name='X'>, its Name attribute) is looked up in
 * the field table of win.c and the text up to the next '<' becomes the
 * value. Nothing is expanded, so entity bombs cost no more than their
 * length; a DOCTYPE, entity declaration, comment or CDATA section makes the
 * record unparsed (Windows writes none), and so does nesting deeper than
 * XML_DEPTH (Windows events are 4 levels deep). */
#include "parse-int.h"

#define XML_DEPTH 16

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *skip_ws(const char *p, const char *e)
{
    while (p < e && is_ws(*p))
        p++;
    return p;
}

/* End of a tag starting at p ('<'): its '>', or NULL. Quotes are not
 * tracked: Windows escapes '>' in attribute values, and a stray one only
 * ends the tag early (every read stays inside the record). A '<' before
 * the '>' is malformed. */
static const char *tag_end(const char *p, const char *e)
{
    const char *gt = memchr(p + 1, '>', (size_t)(e - p - 1));
    if (!gt || memchr(p + 1, '<', (size_t)(gt - p - 1)))
        return NULL;
    return gt;
}

/* Value of attribute `name` in [p, e) (the tag's attribute text). */
static bool attr(const char *p, const char *e, const char *name, size_t n,
                 mm_span *out)
{
    for (;;) {
        const char *a = pp_find(p, e, name, n);
        if (!a)
            return false;
        const char *q = a + n;
        if (a > p && is_ws(a[-1]) && q + 1 < e && *q == '=' &&
            (q[1] == '"' || q[1] == '\'')) {
            char quote = q[1];
            const char *v = q + 2;
            const char *ve = memchr(v, quote, (size_t)(e - v));
            if (!ve)
                return false;
            *out = pp_span(v, ve);
            return true;
        }
        p = a + 1;
    }
}

/* Skips an optional BOM, XML declaration and <Events> wrapper. */
static const char *skip_prolog(const char *p, const char *e)
{
    p = skip_ws(p, e);
    if (PP_STARTS(p, e, "\xEF\xBB\xBF"))
        p = skip_ws(p + 3, e);
    if (PP_STARTS(p, e, "<?xml")) {
        const char *q = PP_FIND(p, e, "?>");
        if (!q)
            return e;
        p = skip_ws(q + 2, e);
    }
    if (PP_STARTS(p, e, "<Events>"))
        p = skip_ws(p + 8, e);
    return p;
}

static const char *trim_end(const char *p, const char *e)
{
    while (e > p && is_ws(e[-1]))
        e--;
    if (PP_ENDS(p, e, "</Events>")) {
        e -= 9;
        while (e > p && is_ws(e[-1]))
            e--;
    }
    return e;
}

/* One start tag at t ('<', not '</'); te is its '>'. */
static bool start_tag(pp_winrec *r, const char *t, const char *te,
                      const char *e)
{
    const char *n = t + 1, *ne = n;
    while (ne < te && !is_ws(*ne) && *ne != '/')
        ne++;
    const char *colon = memchr(n, ':', (size_t)(ne - n));
    if (colon)
        n = colon + 1; /* namespace prefix */
    size_t nl = (size_t)(ne - n);
    bool self = te[-1] == '/';
    mm_span a;
    int slot;
    if (nl == 4 && memcmp(n, "Data", 4) == 0) {
        if (!attr(ne, te, "Name", 4, &a))
            return true; /* <Data> without a name: ignored */
        slot = pp_win_slot(a.p, a.len);
    } else if (nl == 11 && memcmp(n, "TimeCreated", 11) == 0) {
        if (attr(ne, te, "SystemTime", 10, &a))
            return pp_win_set(r, PP_WF_TIME, a.p, a.p + a.len);
        return true;
    } else if (nl == 8 && memcmp(n, "Provider", 8) == 0) {
        if (attr(ne, te, "Name", 4, &a))
            return pp_win_set(r, PP_WF_PROVIDER, a.p, a.p + a.len);
        return true;
    } else {
        slot = pp_win_slot(n, nl);
    }
    if (slot < 0 || self)
        return true;
    const char *v = te + 1;
    const char *ve = memchr(v, '<', (size_t)(e - v));
    if (!ve || ve + 1 >= e || ve[1] != '/')
        return true; /* element with children, or unterminated */
    return pp_win_set(r, slot, v, ve);
}

mm_rc pp_winxml_line(const mm_parse_opts *opts, const char *p, const char *e,
                     mm_event *ev)
{
    p = skip_prolog(p, e);
    e = trim_end(p, e);
    if (!PP_STARTS(p, e, "<Event") || e - p < 7 ||
        !(is_ws(p[6]) || p[6] == '>') || !PP_ENDS(p, e, "</Event>"))
        return MM_EPARSE;
    pp_winrec r;
    memset(&r, 0, sizeof r);
    const char *q = p;
    int depth = 0;
    while (q < e) {
        const char *t = memchr(q, '<', (size_t)(e - q));
        if (!t)
            break;
        if (t + 1 >= e)
            return MM_EPARSE;
        if (t[1] == '!')
            return MM_EPARSE; /* DOCTYPE, ENTITY, comment, CDATA */
        const char *te = tag_end(t, e);
        if (!te)
            return MM_EPARSE;
        if (t[1] == '/') {
            depth--;
        } else if (t[1] != '?') {
            if (te[-1] != '/' && ++depth > XML_DEPTH)
                return MM_EPARSE;
            if (!start_tag(&r, t, te, e))
                return MM_EPARSE;
        }
        q = te + 1;
    }
    return pp_win_event(opts, &r, ev);
}
