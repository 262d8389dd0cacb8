/* sshd.c — OpenSSH sshd messages (also sshd-session, OpenSSH >= 9.8, and
 * the old "sshd(pam_unix)" tag) into authentication events.
 *
 * Which lines give which action is documented in docs/formats.md. Lines
 * that carry nothing to detect on return MM_SKIP. Notably skipped:
 * "reverse mapping checking getaddrinfo ... POSSIBLE BREAK-IN ATTEMPT!"
 * (a DNS mismatch, not an attempt; the attempt itself is logged next),
 * "input_userauth_request: invalid user" (repeats "Invalid user") and
 * "PAM N more authentication failures" (repeats the failures already
 * logged one by one). */
#include "parse-int.h"

static mm_rc hit(mm_event *ev, mm_action a, mm_outcome o)
{
    ev->action = a;
    ev->outcome = o;
    return MM_OK;
}

/* "ADDR[ port N]..." at p: the address runs to the next ' ' (a trailing
 * ':' or ',' is dropped). Returns false when it is neither an address nor
 * a host name. */
static bool addr_port(const char *p, const char *e, mm_event *ev)
{
    const char *w = pp_word_end(p, e);
    const char *a = w;
    if (a > p && (a[-1] == ':' || a[-1] == ','))
        a--;
    if (!pp_peer(p, a, ev))
        return false;
    if (PP_STARTS(w, e, " port ")) {
        const char *d = w + 6, *q = d;
        while (q < e && pp_isdigit(*q))
            q++;
        pp_port(d, q, &ev->src_port);
    }
    return true;
}

/* "[invalid user |authenticating user |user ]USER ADDR port N" or just
 * "ADDR[ port N]": the address is the word before the last " port ".
 * *pre is set when the user is qualified as invalid or authenticating,
 * which OpenSSH only writes before authentication succeeded. */
static bool user_addr_port(const char *p, const char *e, mm_event *ev,
                           bool *pre)
{
    *pre = false;
    if (PP_STARTS(p, e, "invalid user ")) {
        p += 13;
        *pre = true;
    } else if (PP_STARTS(p, e, "authenticating user ")) {
        p += 20;
        *pre = true;
    } else if (PP_STARTS(p, e, "user ")) {
        p += 5;
    }
    const char *pe = PP_RFIND(p, e, " port ");
    const char *ae = pe ? pe : e;
    const char *as = ae;
    while (as > p && as[-1] != ' ')
        as--;
    if (!pp_peer(as, ae, ev))
        return false;
    if (pe) {
        const char *d = pe + 6, *q = d;
        while (q < e && pp_isdigit(*q))
            q++;
        pp_port(d, q, &ev->src_port);
    }
    if (as > p)
        ev->user = pp_span(p, as - 1);
    return true;
}

/* "USER from ADDR port N ..." (USER may hold spaces and even " from ":
 * the address follows the user, so the rightmost " from " followed by an
 * address or host name and then " port " or the end is the real one). */
static bool user_from(const char *p, const char *e, mm_event *ev)
{
    for (const char *end = e;;) {
        const char *f = PP_RFIND(p, end, " from ");
        if (!f)
            return false;
        const char *w = pp_word_end(f + 6, e);
        if ((w == e || PP_STARTS(w, e, " port ")) && addr_port(f + 6, e, ev)) {
            ev->user = pp_span(p, f);
            return true;
        }
        end = f + 5; /* look further left */
    }
}

/* pam_unix "authentication failure; logname= ... rhost=HOST [user=U]". */
static mm_rc pam_failure(const char *p, const char *e, mm_event *ev)
{
    const char *r = PP_FIND(p, e, " rhost=");
    if (r) {
        const char *v = r + 7, *w = pp_word_end(v, e);
        if (w > v && !pp_peer(v, w, ev))
            return MM_EPARSE;
        const char *u = PP_FIND(w, e, " user=");
        if (u) {
            u += 6;
            ev->user = pp_span(u, pp_word_end(u, e));
        }
    }
    return hit(ev, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE);
}

static mm_rc received_disconnect(const char *p, const char *e, bool preauth,
                                 mm_event *ev)
{
    if (!preauth)
        return MM_SKIP;
    if (!addr_port(p, e, ev))
        return MM_EPARSE;
    return hit(ev, MM_ACT_PREAUTH_CLOSE, MM_OUT_UNKNOWN);
}

static mm_rc sshd_msg(const char *p, const char *e, mm_event *ev, int depth)
{
    bool preauth = PP_ENDS(p, e, " [preauth]");
    if (preauth)
        e -= 10;
    if (p >= e)
        return MM_SKIP;
    switch (*p) {
    case 'A':
        if (PP_STARTS(p, e, "Accepted ")) {
            const char *f = PP_FIND(p + 9, e, " for ");
            if (!f || !user_from(f + 5, e, ev))
                return MM_EPARSE;
            return hit(ev, MM_ACT_AUTH_SUCCESS, MM_OUT_SUCCESS);
        }
        break;
    case 'F':
        if (PP_STARTS(p, e, "Failed ")) {
            const char *f = PP_FIND(p + 7, e, " for ");
            if (!f)
                return MM_EPARSE;
            f += 5;
            if (PP_STARTS(f, e, "invalid user "))
                f += 13;
            if (!user_from(f, e, ev))
                return MM_EPARSE;
            return hit(ev, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE);
        }
        break;
    case 'I':
        if (PP_STARTS(p, e, "Invalid user ")) {
            if (!user_from(p + 13, e, ev))
                return MM_EPARSE;
            return hit(ev, MM_ACT_INVALID_USER, MM_OUT_FAILURE);
        }
        break;
    case 'U':
        if (PP_STARTS(p, e, "User ")) {
            const char *n = PP_RFIND(p + 5, e, " not allowed because");
            if (!n)
                return MM_SKIP;
            if (!user_from(p + 5, n, ev))
                return MM_EPARSE;
            return hit(ev, MM_ACT_INVALID_USER, MM_OUT_FAILURE);
        }
        if (PP_STARTS(p, e, "Unable to negotiate with ")) {
            if (!addr_port(p + 25, e, ev))
                return MM_EPARSE;
            return hit(ev, MM_ACT_PREAUTH_CLOSE, MM_OUT_UNKNOWN);
        }
        break;
    case 'a':
        if (PP_STARTS(p, e, "authentication failure;"))
            return pam_failure(p, e, ev); /* tag "sshd(pam_unix)" */
        break;
    case 'p':
        if (PP_STARTS(p, e, "pam_")) {
            const char *c = PP_FIND(p, e, "): ");
            if (c && PP_STARTS(c + 3, e, "authentication failure;"))
                return pam_failure(c + 3, e, ev);
        }
        break;
    case 'D':
        if (PP_STARTS(p, e, "Did not receive identification string from ")) {
            if (!addr_port(p + 43, e, ev))
                return MM_EPARSE;
            return hit(ev, MM_ACT_NO_IDENT, MM_OUT_UNKNOWN);
        }
        if (PP_STARTS(p, e, "Disconnected from ")) {
            bool pre;
            if (!user_addr_port(p + 18, e, ev, &pre))
                return MM_EPARSE;
            if (!preauth && !pre)
                return MM_SKIP; /* end of a logged-in session */
            return hit(ev, MM_ACT_PREAUTH_CLOSE, MM_OUT_UNKNOWN);
        }
        if (PP_STARTS(p, e, "Disconnecting: Too many authentication failures")) {
            const char *u = p + 47;
            if (PP_STARTS(u, e, " for ")) {
                u += 5;
                if (PP_STARTS(u, e, "invalid user "))
                    u += 13;
                ev->user = pp_span(u, e);
            }
            return hit(ev, MM_ACT_TOO_MANY_AUTH, MM_OUT_FAILURE);
        }
        if (PP_STARTS(p, e, "Disconnecting ")) {
            /* OpenSSH >= 7.5: "Disconnecting invalid user U ADDR port N:
             * Too many authentication failures" */
            const char *c = PP_FIND(p, e, ": Too many authentication failures");
            if (!c)
                return MM_SKIP;
            bool pre;
            if (!user_addr_port(p + 14, c, ev, &pre))
                return MM_EPARSE;
            return hit(ev, MM_ACT_TOO_MANY_AUTH, MM_OUT_FAILURE);
        }
        break;
    case 'C':
        if (PP_STARTS(p, e, "Connection closed by ") ||
            PP_STARTS(p, e, "Connection reset by ")) {
            const char *s = p[11] == 'c' ? p + 21 : p + 20;
            bool pre;
            if (!user_addr_port(s, e, ev, &pre))
                return MM_EPARSE;
            if (preauth || pre)
                return hit(ev, MM_ACT_PREAUTH_CLOSE, MM_OUT_UNKNOWN);
            /* OpenSSH >= 8: a peer that closes before the banner exchange
             * logs "error: kex_exchange_identification: ..." and then this
             * line without [preauth] (the old "Did not receive
             * identification string"). At LogLevel INFO a session after
             * login ends with "Disconnected from user ...", not this. */
            if (ev->user.len == 0 && ev->src_port != 0)
                return hit(ev, MM_ACT_NO_IDENT, MM_OUT_UNKNOWN);
            return MM_SKIP;
        }
        break;
    case 'R':
        if (PP_STARTS(p, e, "Received disconnect from "))
            return received_disconnect(p + 25, e, preauth, ev);
        break;
    case 'T':
        if (PP_STARTS(p, e, "Timeout before authentication for ")) {
            if (!addr_port(p + 34, e, ev))
                return MM_EPARSE;
            return hit(ev, MM_ACT_PREAUTH_CLOSE, MM_OUT_UNKNOWN);
        }
        break;
    case 'B':
        if (PP_STARTS(p, e, "Bad protocol version identification ")) {
            const char *f = PP_RFIND(p, e, " from ");
            if (!f || !addr_port(f + 6, e, ev))
                return MM_EPARSE;
            return hit(ev, MM_ACT_NO_IDENT, MM_OUT_UNKNOWN);
        }
        break;
    case 'b':
        if (PP_STARTS(p, e, "banner exchange: Connection from ")) {
            if (!addr_port(p + 33, e, ev))
                return MM_EPARSE;
            return hit(ev, MM_ACT_NO_IDENT, MM_OUT_UNKNOWN);
        }
        break;
    case 'e':
        if (PP_STARTS(p, e, "error: maximum authentication attempts "
                            "exceeded for ")) {
            const char *u = p + 52;
            if (PP_STARTS(u, e, "invalid user "))
                u += 13;
            if (!user_from(u, e, ev))
                return MM_EPARSE;
            return hit(ev, MM_ACT_TOO_MANY_AUTH, MM_OUT_FAILURE);
        }
        if (PP_STARTS(p, e, "error: Received disconnect from "))
            return received_disconnect(p + 32, e, preauth, ev);
        if (PP_STARTS(p, e, "error: PAM: Authentication failure for ")) {
            const char *u = p + 39;
            if (PP_STARTS(u, e, "illegal user "))
                u += 13;
            if (!user_from(u, e, ev))
                return MM_EPARSE;
            return hit(ev, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE);
        }
        break;
    case 'm':
        if (depth == 0 && PP_STARTS(p, e, "message repeated ")) {
            const char *q = p + 17, *d = q;
            uint64_t n = 0; /* saturates at the cap */
            for (; q < e && pp_isdigit(*q); q++)
                if ((n = n * 10u + (uint64_t)(*q - '0')) > MM_PARSE_COUNT_MAX)
                    n = MM_PARSE_COUNT_MAX;
            if (q == d || n == 0 || !PP_STARTS(q, e, " times: ["))
                return MM_EPARSE;
            q += 9;
            if (q < e && *q == ' ')
                q++;
            const char *ie = e;
            if (ie > q && ie[-1] == ']')
                ie--;
            ev->count = (uint32_t)n;
            return sshd_msg(q, ie, ev, 1);
        }
        break;
    default:
        break;
    }
    return MM_SKIP;
}

mm_rc pp_sshd(const char *p, const char *e, mm_event *ev)
{
    ev->dataset = MM_DS_SSHD;
    ev->category = MM_CAT_AUTHENTICATION;
    while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    mm_rc rc = sshd_msg(p, e, ev, 0);
    if (rc != MM_OK) {
        /* Nothing half-filled leaks out of a skipped or broken line. */
        ev->user = mm_span_make(NULL, 0);
        ev->src_domain = mm_span_make(NULL, 0);
        memset(&ev->src, 0, sizeof ev->src);
        ev->src_port = 0;
        ev->action = MM_ACT_NONE;
        ev->outcome = MM_OUT_UNKNOWN;
        ev->anomalies &= ~MM_ANOM_HOSTNAME;
    }
    return rc;
}
