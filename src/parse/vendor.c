/* SPDX-License-Identifier: Apache-2.0 */
/* vendor.c — recognition of network appliances (VPN gateways, UTMs,
 * routers) in syslog, and helpers their parsers share.
 *
 * Appliances rarely write a clean RFC 3164 header: FortiGate and SonicWall
 * send "<PRI>key=value…" with no stamp, YAMAHA routers "<PRI> message"
 * with neither stamp nor host, Cisco ASA "Mmm dd yyyy hh:mm:ss host :
 * %ASA-…", and PAN-OS CSV lines often carry no host, so the generic header
 * parser takes the CSV's first field for one. Each form is recognised here
 * by a few cheap byte checks and handed to the vendor's parser. Lines of
 * known programs (sshd, kernel) never come here, so the hot path of
 * mamori scan is untouched. Forms: docs/formats.md. */
#include "parse-int.h"

/* ---- shared helpers ---------------------------------------------------- */

void pp_auth_event(mm_event *ev, mm_service svc, mm_action act, mm_outcome out)
{
    ev->category = MM_CAT_AUTHENTICATION;
    ev->service = svc;
    ev->action = act;
    ev->outcome = out;
}

void pp_vendor_auth(mm_event *ev, mm_service svc, bool ok)
{
    pp_auth_event(ev, svc, ok ? MM_ACT_AUTH_SUCCESS : MM_ACT_AUTH_FAILURE,
                  ok ? MM_OUT_SUCCESS : MM_OUT_FAILURE);
}

/* "A", "A/port", "A(port)", "A:port" (IPv4, or IPv6 whose last group is a
 * port), with an optional "[AF_INET]" / "[AF_INET6]" prefix (OpenVPN). */
bool pp_vendor_addr_port(const char *p, const char *e, mm_addr *a,
                         uint16_t *port)
{
    uint16_t pt = 0;
    if (PP_STARTS(p, e, "[AF_INET6]"))
        p += 10;
    else if (PP_STARTS(p, e, "[AF_INET]"))
        p += 9;
    if (p >= e)
        return false;
    if (pp_addr(p, e, a)) {
        if (port)
            *port = 0;
        return true;
    }
    const char *s = memchr(p, '/', (size_t)(e - p));
    if (!s)
        s = memchr(p, '(', (size_t)(e - p));
    if (s) {
        const char *pe = s + 1;
        while (pe < e && pp_isdigit(*pe))
            pe++;
        if (!pp_addr(p, s, a))
            return false;
        if (!pp_port(s + 1, pe, &pt))
            pt = 0;
    } else {
        s = pp_rfind(p, e, ":", 1);
        if (!s || !pp_addr(p, s, a))
            return false;
        if (!pp_port(s + 1, e, &pt))
            pt = 0;
    }
    if (port)
        *port = pt;
    return true;
}

static bool punct(char c)
{
    return c == '[' || c == ']' || c == '(' || c == ')' || c == ',' ||
           c == '.' || c == ':' || c == ';' || c == '\'' || c == '"' ||
           c == '<' || c == '>';
}

/* The last space-separated token of [p, e) that is an address (with an
 * optional port), ignoring brackets and punctuation around it. */
bool pp_vendor_last_addr(const char *p, const char *e, mm_addr *a)
{
    const char *t = e;
    while (t > p) {
        const char *te = t;
        while (te > p && te[-1] == ' ')
            te--;
        const char *ts = te;
        while (ts > p && ts[-1] != ' ')
            ts--;
        const char *s = ts, *x = te;
        while (s < x && punct(*s) && !PP_STARTS(s, x, "[AF_INET"))
            s++;
        while (x > s && punct(x[-1]))
            x--;
        if (x > s && (pp_isdigit(*s) || *s == '[' || pp_isalpha(*s)) &&
            pp_vendor_addr_port(s, x, a, NULL))
            return true;
        t = ts;
    }
    return false;
}

/* The first '…' or "…" quoted run of [p, e) (without the quotes). */
mm_span pp_vendor_quoted(const char *p, const char *e)
{
    for (const char *q = p; q < e; q++) {
        if (*q != '\'' && *q != '"')
            continue;
        const char *c = memchr(q + 1, *q, (size_t)(e - q - 1));
        if (!c)
            break;
        return pp_span(q + 1, c);
    }
    return mm_span_make(p, 0);
}

/* ---- recognisers ------------------------------------------------------- */

/* "%ASA-", "%FTD-", "%PIX-" followed by a level digit and '-'. */
static bool is_cisco(const char *p, const char *e)
{
    return e - p > 7 && p[0] == '%' && p[4] == '-' && pp_isdigit(p[5]) &&
           p[6] == '-' &&
           (memcmp(p + 1, "ASA", 3) == 0 || memcmp(p + 1, "FTD", 3) == 0 ||
            memcmp(p + 1, "PIX", 3) == 0);
}

/* A Cisco tag in the first 96 bytes of [p, e). */
static const char *find_cisco(const char *p, const char *e)
{
    const char *lim = e - p > 96 ? p + 96 : e;
    for (const char *q = p; q < lim;) {
        q = memchr(q, '%', (size_t)(lim - q));
        if (!q)
            return NULL;
        if (is_cisco(q, e))
            return q;
        q++;
    }
    return NULL;
}

/* PAN-OS CSV start: "<digits>,YYYY/MM/DD" or "<digits>,YYYY-MM-DDT". */
static bool is_panos(const char *p, const char *e)
{
    const char *q = p;
    while (q < e && q - p < 12 && pp_isdigit(*q))
        q++;
    if (q == p || e - q < 12 || *q != ',')
        return false;
    q++;
    return pp_digits(q, e, 4) >= 0 && (q[4] == '/' || q[4] == '-') &&
           pp_digits(q + 5, e, 2) >= 0;
}

/* "Mmm dd [yyyy ]hh:mm:ss" (Cisco's own stamps, with the year and no host
 * or with a colon after the stamp). */
static void cisco_stamp(const mm_parse_opts *opts, const char *p,
                        const char *e, int64_t *ts_ms)
{
    if (p < e && *p == '<') {
        const char *q =
            memchr(p, '>', (size_t)(e - p) < 6 ? (size_t)(e - p) : 6);
        if (q)
            p = q + 1;
    }
    if (e - p < 15 || p[3] != ' ')
        return;
    int mo = mm_time_month(p);
    if (!mo)
        return;
    const char *q = p + 4;
    if (*q == ' ')
        q++;
    int d = pp_digits(q, e, 2);
    if (d < 0) {
        d = pp_digits(q, e, 1);
        q += 1;
    } else {
        q += 2;
    }
    if (d < 0 || q >= e || *q != ' ')
        return;
    q++;
    int y = pp_year(opts);
    if (e - q >= 5 && q[4] == ' ' && pp_digits(q, e, 4) >= 0) {
        y = pp_digits(q, e, 4);
        q += 5;
    }
    if (e - q < 8 || q[2] != ':' || q[5] != ':')
        return;
    int h = pp_digits(q, e, 2), mi = pp_digits(q + 3, e, 2),
        s = pp_digits(q + 6, e, 2);
    int64_t t;
    if ((h | mi | s) >= 0 &&
        pp_civil_ms(y, mo, d, h, mi, s, 0, opts ? opts->tz_offset_s : 0, &t))
        *ts_ms = t;
}

/* SonicWall and Pulse Secure both write WELF "id=firewall …" lines. */
static mm_rc welf(const mm_parse_opts *opts, const char *p, const char *e,
                  mm_event *ev)
{
    if (PP_FIND(p, e, " vpn=ive") || PP_FIND(p, e, "msg=\"AUT"))
        return pp_pulse_kv(p, e, ev);
    return pp_sonicwall_kv(opts, p, e, ev);
}

#define STARTS_CI(s, lit) pp_span_starts_ci((s), (lit), sizeof(lit) - 1)

static bool is_pulse_prog(mm_span s)
{
    return STARTS_CI(s, "pulsesecure") || STARTS_CI(s, "juniper") ||
           STARTS_CI(s, "ivanti");
}

mm_rc pp_vendor_msg(const mm_parse_opts *opts, const pp_syslog *h,
                    const char *line, const char *e, mm_event *ev)
{
    const char *m = h->msg;
    mm_span prog = h->program;
    /* most programs are none of these: one byte says so */
    if (prog.len) {
        char c = pp_lower(prog.p[0]);
        if (c != '%' && c != 'o' && c != 'p' && c != 'j' && c != 'i' &&
            !(h->host.len &&
              (pp_isdigit(h->host.p[0]) || h->host.p[0] == 'd')))
            return MM_EPARSE;
    }
    /* FortiGate with no host after the stamp: the header parser took
     * "date=…" for the host */
    if (h->host.len > 5 && memcmp(h->host.p, "date=", 5) == 0) {
        ev->message = pp_span(h->host.p, e);
        return pp_fortigate_kv(opts, h->host.p, e, ev);
    }
    if (prog.len > 6 && is_cisco(prog.p, e))
        return pp_asa_msg(prog.p, e, ev);
    /* PAN-OS without a host: the CSV's first fields were taken for host
     * and tag */
    if (h->host.len && pp_isdigit(h->host.p[0]) && is_panos(h->host.p, e))
        return pp_panos_csv(opts, h->host.p, e, ev);
    if (prog.len == 0) {
        const char *q = m;
        while (q < e && (*q == ':' || *q == ' '))
            q++;
        if (q < e && *q == '%' && is_cisco(q, e))
            return pp_asa_msg(q, e, ev);
        if (is_panos(m, e))
            return pp_panos_csv(opts, m, e, ev);
        if (PP_STARTS(m, e, "id="))
            return welf(opts, m, e, ev);
        /* an RFC 5424 line relayed inside an RFC 3164 one (Pulse) */
        const char *lim = e - m > 96 ? m + 96 : e;
        const char *ps = PP_FIND(m, lim, "PulseSecure: ");
        if (ps)
            return pp_pulse_msg(ps + 13, e, ev);
        /* OpenVPN's own log file: "YYYY-MM-DD hh:mm:ss peer:port msg" */
        if (pp_isdigit(line[0]) && h->host.len &&
            (memchr(h->host.p, ':', h->host.len) ||
             mm_span_eq(h->host, "TLS") || mm_span_eq(h->host, "VERIFY")))
            return pp_openvpn_msg(h->host.p, e, ev);
        return pp_yamaha_msg(m, e, ev);
    }
    if (STARTS_CI(prog, "openvpn") || STARTS_CI(prog, "ovpn-"))
        return pp_openvpn_msg(m, e, ev);
    if (is_pulse_prog(prog)) {
        while (m < e && (*m == '-' || *m == ' '))
            m++;
        if (PP_STARTS(m, e, "id="))
            return pp_pulse_kv(m, e, ev);
        return pp_pulse_msg(m, e, ev);
    }
    return MM_EPARSE;
}

/* ctime stamp "Www Mmm dd hh:mm:ss yyyy " (OpenVPN 2.4's own log file);
 * returns the byte after it or NULL. */
static const char *ctime_stamp(const mm_parse_opts *opts, const char *p,
                               const char *e, int64_t *ts_ms)
{
    static const char days[] = "MonTueWedThuFriSatSun";
    if (e - p < 25 || p[3] != ' ' || p[7] != ' ' || p[10] != ' ' ||
        p[13] != ':' || p[16] != ':' || p[19] != ' ' || p[24] != ' ')
        return NULL;
    bool day = false;
    for (int i = 0; i < 7 && !day; i++)
        day = memcmp(p, days + 3 * i, 3) == 0;
    int mo = mm_time_month(p + 4);
    int d = p[8] == ' ' ? pp_digits(p + 9, e, 1) : pp_digits(p + 8, e, 2);
    int h = pp_digits(p + 11, e, 2), mi = pp_digits(p + 14, e, 2),
        sec = pp_digits(p + 17, e, 2), y = pp_digits(p + 20, e, 4);
    int64_t t;
    if (!day || !mo || (d | h | mi | sec | y) < 0 ||
        !pp_civil_ms(y, mo, d, h, mi, sec, 0, opts ? opts->tz_offset_s : 0,
                     &t))
        return NULL;
    *ts_ms = t;
    return p + 25;
}

mm_rc pp_vendor_raw(const mm_parse_opts *opts, const char *p, const char *e,
                    mm_event *ev)
{
    const char *line = p;
    if (p < e && *p == '<') {
        const char *q = p + 1;
        while (q < e && q - p <= 4 && pp_isdigit(*q))
            q++;
        if (q > p + 1 && q < e && *q == '>')
            p = q + 1;
    }
    while (p < e && *p == ' ')
        p++;
    if (p >= e)
        return MM_EPARSE;
    ev->message = pp_span(p, e);
    if (PP_STARTS(p, e, "date=") || PP_STARTS(p, e, "logver=") ||
        PP_STARTS(p, e, "devname="))
        return pp_fortigate_kv(opts, p, e, ev);
    if (PP_STARTS(p, e, "id="))
        return welf(opts, p, e, ev);
    if (pp_isdigit(*p)) {
        if (is_panos(p, e))
            return pp_panos_csv(opts, p, e, ev);
        /* a relay's bare address before SonicWall's pairs */
        const char *w = pp_word_end(p, e), *q = w;
        while (q < e && *q == ' ')
            q++;
        mm_addr a;
        if (PP_STARTS(q, e, "id=") && pp_addr(p, w, &a)) {
            ev->message = pp_span(q, e);
            return welf(opts, q, e, ev);
        }
    }
    const char *ct = ctime_stamp(opts, p, e, &ev->ts_ms);
    if (ct) {
        mm_rc rc = pp_openvpn_msg(ct, e, ev);
        /* OpenVPN's other lines: about a peer, or its own start-up and
         * housekeeping words; anything else is some other program's */
        if (rc == MM_OK || ev->src.family || PP_STARTS(ct, e, "OpenVPN ") ||
            PP_STARTS(ct, e, "MULTI") || PP_STARTS(ct, e, "UDPv") ||
            PP_STARTS(ct, e, "TCPv") || PP_STARTS(ct, e, "TLS") ||
            PP_STARTS(ct, e, "Initialization Sequence") ||
            PP_STARTS(ct, e, "NOTE: ") || PP_STARTS(ct, e, "WARNING: ") ||
            PP_STARTS(ct, e, "TUN/TAP") ||
            PP_STARTS(ct, e, "Control Channel") ||
            PP_STARTS(ct, e, "Data Channel") ||
            PP_STARTS(ct, e, "Socket Buffers"))
            return rc;
        ev->ts_ms = 0;
        ev->dataset = MM_DS_NONE;
        return MM_EPARSE;
    }
    /* FortiGate behind a header the syslog parser does not know
     * ("2018 Apr 09 16:03:37 relay->10.0.0.1 date=…") */
    const char *lim = e - p > 96 ? p + 96 : e;
    const char *fd = PP_FIND(p, lim, " date=");
    if (fd && e - fd > 10 && pp_digits(fd + 6, e, 4) >= 0 &&
        PP_FIND(fd, e, " type=")) {
        ev->message = pp_span(fd + 1, e);
        return pp_fortigate_kv(opts, fd + 1, e, ev);
    }
    const char *c = find_cisco(p, e);
    if (c) {
        cisco_stamp(opts, line, c, &ev->ts_ms);
        return pp_asa_msg(c, e, ev);
    }
    /* YAMAHA routers send "<PRI> message" with neither stamp nor host */
    return pp_yamaha_msg(p, e, ev);
}
