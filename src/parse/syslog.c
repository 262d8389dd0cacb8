/* SPDX-License-Identifier: Apache-2.0 */
/* syslog.c — syslog headers (RFC 3164, journalctl -o short, RFC 5424,
 * ISO-8601 "high precision" stamps) and dispatch of the payload by
 * program: sshd → sshd parser, kernel with SRC= → netfilter parser. */
#include "parse-int.h"

/* "<PRI>" with 1-3 digits; returns the byte after '>' or NULL. */
static const char *skip_pri(const char *p, const char *e)
{
    if (p >= e || *p != '<')
        return NULL;
    const char *q = p + 1;
    while (q < e && q - p <= 3 && pp_isdigit(*q))
        q++;
    if (q == p + 1 || q >= e || *q != '>')
        return NULL;
    return q + 1;
}

/* "Mmm dd hh:mm:ss[.frac]" (day space-padded, or not padded at all). */
static bool bsd_time(const mm_parse_opts *opts, const char **pp, const char *e,
                     int64_t *ts_ms)
{
    const char *p = *pp;
    if (e - p < 14 || p[3] != ' ')
        return false;
    int mo = mm_time_month(p), d;
    if (mo == 0)
        return false;
    if (p[4] == ' ') { /* "Jan  2" */
        d = pp_digits(p + 5, e, 1);
        p += 7;
    } else if (p[5] == ' ') { /* "Jan 2" (some relays do not pad) */
        d = pp_digits(p + 4, e, 1);
        p += 6;
    } else {
        d = pp_digits(p + 4, e, 2);
        p += 7;
    }
    if (e - p < 8 || p[-1] != ' ' || p[2] != ':' || p[5] != ':')
        return false;
    int h = pp_digits(p, e, 2), mi = pp_digits(p + 3, e, 2),
        s = pp_digits(p + 6, e, 2);
    if ((d | h | mi | s) < 0)
        return false;
    p += 8;
    int ms = 0;
    if (p + 1 < e && *p == '.' && pp_isdigit(p[1])) {
        p++;
        ms = pp_frac_ms(&p, e);
    }
    int off = opts ? opts->tz_offset_s : 0;
    int year = pp_year(opts);
    if (!pp_civil_ms(year, mo, d, h, mi, s, ms, off, ts_ms))
        return false;
    /* A December stamp in a file written in January is last year's. */
    if (opts && opts->not_after_s &&
        *ts_ms / 1000 > opts->not_after_s + 86400 &&
        !pp_civil_ms(year - 1, mo, d, h, mi, s, ms, off, ts_ms))
        return false;
    *pp = p;
    return true;
}

/* syslog-ng's "$FACILITY.$LEVEL" before the tag ("auth.info"). */
static bool is_fac_level(const char *p, const char *e)
{
    const char *d = memchr(p, '.', (size_t)(e - p));
    if (!d || d == p || d + 1 >= e || e - p > 24)
        return false;
    for (const char *q = p; q < e; q++)
        if (q != d && !pp_isalpha(*q) && !pp_isdigit(*q))
            return false;
    return true;
}

/* "tag[pid]: msg" at t; false (out untouched) when there is no tag. */
static bool tag_at(const char *t, const char *e, pp_syslog *out)
{
    const char *p = t;
    while (p < e && *p != '[' && *p != ':' && *p != ' ' && p - t < 128)
        p++;
    const char *te = p;
    mm_span pid = mm_span_make(NULL, 0);
    if (p < e && *p == '[') {
        const char *q =
            memchr(p, ']', (size_t)(e - p) < 32 ? (size_t)(e - p) : 32);
        if (q) {
            pid = pp_span(p + 1, q);
            p = q + 1;
        }
    }
    if (te == t || p >= e || *p != ':')
        return false;
    out->program = pp_span(t, te);
    out->pid = pid;
    p++;
    if (p < e && *p == ' ')
        p++;
    out->msg = p;
    return true;
}

/* "host tag[pid]: msg" at p (the host's first byte); a missing tag leaves
 * program empty and the message at the token that was not a tag. Also
 * "tag[pid]: msg" and "[tag]: msg" / "[tag] msg" without a host (seen from
 * old syslogds and relays), and syslog-ng's "host facility.level tag:". */
static bool host_tag_at(const char *p, const char *e, pp_syslog *out)
{
    const char *h = p;
    p = pp_word_end(p, e);
    if (p == h)
        return false;
    if (*h == '[' &&
        (p[-1] == ']' || (p - h > 2 && p[-1] == ':' && p[-2] == ']'))) {
        const char *te = p[-1] == ']' ? p - 1 : p - 2;
        out->host = mm_span_make(h, 0);
        out->program = pp_span(h + 1, te);
        out->msg = p < e ? p + 1 : p;
        return true;
    }
    if (p[-1] == ':' && tag_at(h, p, out) && out->pid.len) {
        out->host = mm_span_make(h, 0);
        out->msg = p < e ? p + 1 : p;
        return true;
    }
    out->host = pp_span(h, p);
    if (p < e)
        p++;
    const char *t = p;
    if (tag_at(t, e, out))
        return true;
    const char *w = pp_word_end(t, e);
    if (w < e && is_fac_level(t, w) && tag_at(w + 1, e, out))
        return true;
    out->program = mm_span_make(t, 0);
    out->msg = t;
    return true;
}

static bool host_tag(const char *p, const char *e, pp_syslog *out)
{
    if (p >= e || *p != ' ')
        return false;
    while (p < e && *p == ' ')
        p++;
    return host_tag_at(p, e, out);
}

/* RFC 5424 after "<PRI>1 ": TIMESTAMP HOST APP PROCID MSGID SD [MSG]. */
static bool rfc5424(const mm_parse_opts *opts, const char *p, const char *e,
                    pp_syslog *out)
{
    int off = opts ? opts->tz_offset_s : 0;
    if (p < e && *p == '-')
        p++;
    else if (!pp_iso_time(&p, e, off, &out->ts_ms))
        return false;
    mm_span f[4];
    for (int i = 0; i < 4; i++) {
        if (p >= e || *p != ' ')
            return false;
        p++;
        const char *s = p;
        p = pp_word_end(p, e);
        if (p == s)
            return false;
        f[i] = (p - s == 1 && *s == '-') ? mm_span_make(s, 0) : pp_span(s, p);
    }
    out->host = f[0];
    out->program = f[1];
    out->pid = f[2];
    if (p >= e || *p != ' ')
        return false;
    p++;
    if (p < e && *p == '-') {
        p++;
    } else {
        if (p >= e || *p != '[')
            return false;
        while (p < e && *p == '[') {
            bool quoted = false;
            for (p++; p < e; p++) {
                if (*p == '\\' && quoted && p + 1 < e)
                    p++;
                else if (*p == '"')
                    quoted = !quoted;
                else if (*p == ']' && !quoted)
                    break;
            }
            if (p >= e)
                return false;
            p++;
        }
    }
    if (p < e && *p == ' ')
        p++;
    if (PP_STARTS(p, e, "\xEF\xBB\xBF"))
        p += 3;
    out->msg = p;
    return true;
}

bool pp_syslog_header(const mm_parse_opts *opts, const char *p, const char *e,
                      pp_syslog *out)
{
    memset(out, 0, sizeof *out);
    const char *q = skip_pri(p, e);
    if (q) {
        p = q;
        if (e - p >= 2 && pp_isdigit(p[0]) && p[1] == ' ')
            return rfc5424(opts, p + 2, e, out);
    }
    if (p < e && pp_isdigit(*p)) {
        int off = opts ? opts->tz_offset_s : 0;
        if (!pp_iso_time(&p, e, off, &out->ts_ms))
            return false;
    } else if (!bsd_time(opts, &p, e, &out->ts_ms)) {
        return false;
    }
    return host_tag(p, e, out);
}

bool pp_syslog_stampless(const char *p, const char *e, pp_syslog *out)
{
    memset(out, 0, sizeof *out);
    if (p >= e || *p == ' ' || !host_tag_at(p, e, out) ||
        out->program.len == 0 || out->pid.len == 0) {
        memset(out, 0, sizeof *out);
        return false;
    }
    return true;
}

static bool is_sshd(mm_span s)
{
    if (s.len < 4 || memcmp(s.p, "sshd", 4) != 0)
        return false;
    return s.len == 4 || mm_span_eq(s, "sshd-session") ||
           mm_span_eq(s, "sshd-auth") || mm_span_eq(s, "sshd(pam_unix)");
}

/* VPN gateways, UTMs, routers (vendor.c); other programs stay skipped.
 * Out of line so the sshd path keeps its small frame. */
static __attribute__((noinline)) mm_rc
vendor_or_skip(const mm_parse_opts *opts, const pp_syslog *h, const char *p,
               const char *e, mm_event *ev)
{
    mm_rc rc = pp_vendor_msg(opts, h, p, e, ev);
    if (rc == MM_EPARSE) {
        /* a skipped line keeps only stamp, dataset, host, process and
         * message (mm_parse_line): put back what a recogniser changed */
        ev->ts_ms = h->ts_ms;
        ev->dataset = MM_DS_NONE;
        ev->message = pp_span(h->msg, e);
        return MM_SKIP;
    }
    return rc;
}

/* Windows events relayed over syslog (NXLog JSON, event XML, Snare's
 * MSWinEventLog). On MM_EPARSE the event is as it was before. */
static __attribute__((noinline)) mm_rc
windows_relayed(const mm_parse_opts *opts, const pp_syslog *h, const char *e,
                mm_event *ev)
{
    mm_event before = *ev;
    mm_rc rc = MM_EPARSE;
    if (*h->msg == '{')
        rc = pp_winjson_line(opts, h->msg, e, ev);
    else if (*h->msg == '<')
        rc = pp_winxml_line(opts, h->msg, e, ev);
    else if (PP_STARTS(h->msg, e, "MSWinEventLog\t"))
        rc = pp_winsnare_msg(opts, h->msg, e, ev);
    if (rc == MM_EPARSE)
        *ev = before;
    return rc;
}

/* A line without a syslog header: a Windows record (XML, JSON, Snare),
 * else an appliance's own form (vendor.c). */
static __attribute__((noinline)) mm_rc headerless(const mm_parse_opts *opts,
                                                  const char *p, const char *e,
                                                  mm_event *ev)
{
    mm_event before = *ev;
    mm_rc rc = pp_windows_line(opts, p, e, ev);
    if (rc != MM_EPARSE)
        return rc;
    *ev = before;
    return pp_vendor_raw(opts, p, e, ev);
}

/* Mail, Samba and SQL Server lines: by tag, else by content when the
 * tag is none of the known ones (relays, ISO-stamped files). */
static bool pp_authsrv_msg(const pp_syslog *h, const char *e, mm_event *ev,
                           mm_rc *rc)
{
    int k = pp_mail_program(h->program);
    if (k) {
        *rc = pp_mail(k, h->msg, e, ev);
        return true;
    }
    if (mm_span_eq(h->program, "smbd") || mm_span_eq(h->program, "samba") ||
        pp_samba_probe(h->msg, e)) {
        if (pp_samba_probe(h->msg, e)) {
            *rc = pp_samba(h->msg, e, ev);
            return true;
        }
        return false;
    }
    if (pp_mssql_probe(h->msg, e)) {
        *rc = pp_mssql(h->msg, e, ev);
        return true;
    }
    if ((k = pp_mail_text(h->msg, e)) != 0) {
        *rc = pp_mail(k, h->msg, e, ev);
        return true;
    }
    return false;
}

mm_rc pp_syslog_line(const mm_parse_opts *opts, mm_logtype type, const char *p,
                     const char *e, mm_event *ev)
{
    pp_syslog h;
    if (!pp_syslog_header(opts, p, e, &h) && !pp_syslog_stampless(p, e, &h)) {
        /* a bare sshd message (journalctl -o cat): only when it is one */
        if (type == MM_LOG_SSHD)
            return pp_sshd_conn(p, e, NULL, ev) == MM_OK ? MM_OK : MM_EPARSE;
        return headerless(opts, p, e, ev);
    }
    ev->ts_ms = h.ts_ms;
    ev->host = h.host;
    ev->process = h.program;
    ev->message = pp_span(h.msg, e);
    mm_parse_state *st = opts ? opts->state : NULL;
    if (is_sshd(h.program))
        return pp_sshd_conn(h.msg, e, pp_conn_get(st, h.host, h.pid, h.ts_ms),
                            ev);
    if (mm_span_eq(h.program, "dropbear"))
        return pp_dropbear(h.msg, e, pp_conn_get(st, h.host, h.pid, h.ts_ms),
                           ev);
    if (type == MM_LOG_SSHD)
        return MM_SKIP;
    mm_rc arc;
    if (pp_authsrv_msg(&h, e, ev, &arc))
        return arc;
    if (mm_span_eq(h.program, "kernel") && PP_FIND(h.msg, e, "SRC="))
        return pp_netfilter_msg(h.msg, e, ev);
    if (h.program.len == 0 &&
        (PP_STARTS(h.msg, e, "date=") || PP_STARTS(h.msg, e, "logver=")))
        return pp_fortigate_kv(opts, h.msg, e, ev);
    if (h.msg < e && (*h.msg == '{' || *h.msg == '<' || *h.msg == 'M')) {
        mm_rc rc = windows_relayed(opts, &h, e, ev);
        if (rc != MM_EPARSE)
            return rc;
    }
    return vendor_or_skip(opts, &h, p, e, ev);
}

const char *pp_syslog_strip(const mm_parse_opts *opts, const char *p,
                            const char *e, mm_event *ev)
{
    pp_syslog h;
    if (pp_syslog_header(opts, p, e, &h)) {
        ev->ts_ms = h.ts_ms;
        ev->host = h.host;
        ev->process = h.program;
        p = h.msg;
    }
    ev->message = pp_span(p, e);
    return p;
}
