/* SPDX-License-Identifier: Apache-2.0 */
/* exchange.c — Microsoft Exchange protocol logs (CSV, one event per line,
 * "#Fields:" headers skipped), forms from Microsoft's documentation
 * ("Protocol logging", "IMAP4 and POP3 protocol logs"):
 *
 * SMTP Receive  date-time,connector-id,session-id,sequence-number,
 *               local-endpoint,remote-endpoint,event,data,context
 *   "2024-05-01T00:00:04.456Z,EX01\Default Frontend EX01,08DC69A7,8,
 *    10.0.0.5:587,203.0.113.5:55012,>,535 5.7.3 Authentication
 *    unsuccessful,"
 * IMAP4/POP3    dateTime,sessionId,seqNumber,sIp,cIp,user,duration,rqsize,
 *               rpsize,command,parameters,context
 *   "2024-05-01T00:00:00.000Z,0000000000000031,0,10.0.0.5:993,
 *    203.0.113.5:50123,bob@example.jp,15,45,40,authenticate,PLAIN,
 *    "R=""NO AUTHENTICATE failed."";…;ErrMsg=AuthFailed:LogonDenied""
 *
 * A failed AUTH/LOGIN gives authentication_failure (service mail); other
 * lines are skipped. Fields may be quoted with "" doubling. */
#include "parse-int.h"

#define EX_FIELDS 12

/* Splits [p, e) on commas outside quotes into at most EX_FIELDS spans;
 * returns how many. Quotes stay in the spans. */
static int fields(const char *p, const char *e, mm_span *f)
{
    int n = 0;
    const char *s = p;
    bool q = false;
    for (const char *c = p; c <= e; c++) {
        if (c < e && *c == '"') {
            q = !q;
            continue;
        }
        if (c == e || (*c == ',' && !q)) {
            if (n == EX_FIELDS)
                return n;
            f[n++] = pp_span(s, c);
            s = c + 1;
        }
    }
    return n;
}

/* "ADDR:PORT" / "[v6]:PORT" endpoint into the source. */
static bool endpoint(mm_span s, mm_event *ev)
{
    const char *p = s.p, *e = s.p + s.len;
    const char *k = e;
    while (k > p && k[-1] != ':')
        k--;
    if (k > p && k < e && pp_port(k, e, &ev->src_port) &&
        pp_addr(p, k - 1, &ev->src))
        return true;
    ev->src_port = 0;
    return pp_addr(p, e, &ev->src);
}

bool pp_exchange_probe(const char *p, const char *e)
{
    /* an ISO stamp directly followed by ',' */
    size_t n = (size_t)(e - p);
    if (n < 24 || !pp_isdigit(p[0]) || p[4] != '-' || p[10] != 'T')
        return false;
    const char *c = memchr(p, ',', n < 40 ? n : 40);
    return c && !memchr(p, ' ', (size_t)(c - p));
}

mm_rc pp_exchange_line(const mm_parse_opts *opts, const char *p, const char *e,
                       mm_event *ev)
{
    if (p < e && *p == '#')
        return MM_SKIP;
    mm_span f[EX_FIELDS];
    int n = fields(p, e, f);
    if (n < 6)
        return MM_EPARSE;
    const char *t = f[0].p;
    int off = opts ? opts->tz_offset_s : 0;
    if (!pp_iso_time(&t, f[0].p + f[0].len, off, &ev->ts_ms))
        return MM_EPARSE;
    ev->dataset = MM_DS_EXCHANGE;
    ev->category = MM_CAT_AUTHENTICATION;
    ev->service = MM_SVC_MAIL;
    if (n >= 8 && f[6].len == 1 &&
        (*f[6].p == '>' || *f[6].p == '<' || *f[6].p == '+' ||
         *f[6].p == '-' || *f[6].p == '*')) {
        /* SMTP: the server's reply "535 5.7.3 Authentication unsuccessful" */
        const char *d = f[7].p, *de = d + f[7].len;
        if (*f[6].p != '>' || !PP_STARTS(d, de, "535"))
            return MM_SKIP;
        if (!endpoint(f[5], ev))
            return MM_EPARSE;
        ev->action = MM_ACT_AUTH_FAILURE;
        ev->outcome = MM_OUT_FAILURE;
        return MM_OK;
    }
    if (n >= 10) { /* IMAP4 / POP3 */
        const char *c = f[9].p, *ce = c + f[9].len;
        bool login = pp_has_upper(c, ce, "AUTH", 4) ||
                     pp_has_upper(c, ce, "LOGIN", 5) ||
                     pp_has_upper(c, ce, "USER", 4) ||
                     pp_has_upper(c, ce, "PASS", 4);
        if (!login)
            return MM_SKIP;
        const char *x = f[n - 1].p, *xe = x + f[n - 1].len;
        bool failed = PP_FIND(x, xe, "AuthFailed") ||
                      PP_FIND(x, xe, "failed.") ||
                      PP_FIND(x, xe, "LogonDenied");
        if (!endpoint(f[4], ev))
            return MM_EPARSE;
        if (f[5].len)
            ev->user = f[5];
        ev->action = failed ? MM_ACT_AUTH_FAILURE : MM_ACT_AUTH_SUCCESS;
        ev->outcome = failed ? MM_OUT_FAILURE : MM_OUT_SUCCESS;
        if (!failed && !PP_FIND(x, xe, "OK"))
            return MM_SKIP;
        return MM_OK;
    }
    return MM_SKIP;
}
