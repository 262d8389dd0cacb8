/* SPDX-License-Identifier: Apache-2.0 */
/* winjson.c — one Windows event as JSON: Winlogbeat / Elastic Agent (ECS:
 * winlog.event_id, winlog.event_data.*, winlog.computer_name,
 * winlog.channel, winlog.provider_name, event.code, @timestamp) and NXLog
 * im_msvistalog to_json() (flat: EventID, Hostname, SourceName, Channel,
 * EventTime and the EventData fields by name).
 *
 * A validating, iterative walk (no recursion; nesting capped at
 * JSON_DEPTH) that looks up every scalar member's key in the field table of
 * win.c, wherever it sits. Values stay raw spans (escapes not decoded). A
 * known field whose value is an object, array or boolean is a wrong type:
 * the record is unparsed. */
#include "parse-int.h"

#define JSON_DEPTH 16

static const char *ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* p at the opening quote; returns the closing quote or NULL. Most keys
 * and values are short: a byte loop first, memchr for long strings. */
static const char *str_end(const char *p, const char *e)
{
    const char *q = p + 1;
    for (const char *lim = e - q > 24 ? q + 24 : e; q < lim; q++) {
        if (*q == '"')
            return q;
        if (*q == '\\') {
            if (++q >= e)
                return NULL;
        }
    }
    while (q < e) {
        const char *c = memchr(q, '"', (size_t)(e - q));
        if (!c)
            return NULL;
        const char *b = c;
        while (b > q && b[-1] == '\\')
            b--;
        if (((c - b) & 1) == 0)
            return c;
        q = c + 1;
    }
    return NULL;
}

static const char *num_end(const char *p, const char *e)
{
    const char *q = p;
    while (q < e && (pp_isdigit(*q) || *q == '-' || *q == '+' || *q == '.' ||
                     *q == 'e' || *q == 'E'))
        q++;
    return q > p ? q : NULL;
}

static bool span_is(mm_span s, const char *lit, size_t n)
{
    return s.len == n && memcmp(s.p, lit, n) == 0;
}

typedef struct jwalk {
    pp_winrec *r;
    mm_span host; /* ECS host.name: a fallback for the computer */
    bool windows; /* a member only Windows records have */
} jwalk;

/* A scalar member `key` (in an object under `parent`) = [v, ve); `type` is
 * 's' string, 'n' number, 'b' true/false, 'z' null, 'o' object/array. */
static bool member(jwalk *w, mm_span parent, mm_span key, char type,
                   const char *v, const char *ve)
{
    int slot;
    if (span_is(key, "code", 4) && span_is(parent, "event", 5))
        slot = PP_WF_EVENT_ID;
    else if (span_is(key, "name", 4) && span_is(parent, "host", 4)) {
        if (type == 's')
            w->host = pp_span(v, ve);
        return true;
    } else
        slot = pp_win_slot(key.p, key.len);
    if (span_is(key, "winlog", 6) || span_is(key, "EventID", 7) ||
        span_is(key, "SourceName", 10))
        w->windows = true;
    if (slot < 0 || type == 'z')
        return true;
    if (type != 's' && type != 'n')
        return false; /* wrong type for a known field */
    return pp_win_set(w->r, slot, v, ve);
}

mm_rc pp_winjson_line(const mm_parse_opts *opts, const char *p, const char *e,
                      mm_event *ev)
{
    pp_winrec r;
    memset(&r, 0, sizeof r);
    jwalk w = {.r = &r};
    mm_span keys[JSON_DEPTH + 1]; /* key of each open container */
    char kind[JSON_DEPTH + 1];    /* '{' or '[' */
    int depth = 0;
    mm_span key = {0}, none = {0};
    bool want_key = false;
    p = ws(p, e);
    if (p >= e || *p != '{')
        return MM_EPARSE;
    /* the top object is opened like any other value */
    for (;;) {
        p = ws(p, e);
        if (p >= e)
            return MM_EPARSE;
        if (depth > 0 && kind[depth] == '{' && want_key) {
            if (*p == '}')
                goto close;
            if (*p != '"')
                return MM_EPARSE;
            const char *ke = str_end(p, e);
            if (!ke)
                return MM_EPARSE;
            key = pp_span(p + 1, ke);
            p = ws(ke + 1, e);
            if (p >= e || *p != ':')
                return MM_EPARSE;
            p = ws(p + 1, e);
            if (p >= e)
                return MM_EPARSE;
            want_key = false;
        } else if (depth > 0 && kind[depth] == '[' && *p == ']') {
            goto close;
        }
        /* a value at p; its key is `key` inside objects */
        mm_span k = depth > 0 && kind[depth] == '{' ? key : none;
        mm_span parent = depth > 0 ? keys[depth] : none;
        char c = *p;
        if (c == '{' || c == '[') {
            if (depth > 0 && !member(&w, parent, k, 'o', p, p))
                return MM_EPARSE;
            if (depth == JSON_DEPTH)
                return MM_EPARSE;
            depth++;
            keys[depth] = k;
            kind[depth] = c;
            want_key = c == '{';
            p++;
            continue;
        }
        const char *v = p, *ve;
        char type;
        if (c == '"') {
            const char *q = str_end(p, e);
            if (!q)
                return MM_EPARSE;
            v = p + 1;
            ve = q;
            p = q + 1;
            type = 's';
        } else if (c == 't' && PP_STARTS(p, e, "true")) {
            ve = p += 4;
            type = 'b';
        } else if (c == 'f' && PP_STARTS(p, e, "false")) {
            ve = p += 5;
            type = 'b';
        } else if (c == 'n' && PP_STARTS(p, e, "null")) {
            ve = p += 4;
            type = 'z';
        } else if ((ve = num_end(p, e)) != NULL) {
            p = ve;
            type = 'n';
        } else {
            return MM_EPARSE;
        }
        if (depth == 0)
            return MM_EPARSE;
        if (!member(&w, parent, k, type, v, ve))
            return MM_EPARSE;
    next:
        p = ws(p, e);
        if (p >= e)
            return MM_EPARSE;
        if (*p == ',') {
            p++;
            want_key = kind[depth] == '{';
            continue;
        }
        if (*p != (kind[depth] == '{' ? '}' : ']'))
            return MM_EPARSE;
    close:
        p++;
        depth--;
        if (depth == 0)
            break;
        goto next;
    }
    if (ws(p, e) != e || !w.windows)
        return MM_EPARSE;
    if (!r.f[PP_WF_COMPUTER].len)
        r.f[PP_WF_COMPUTER] = w.host;
    return pp_win_event(opts, &r, ev);
}
