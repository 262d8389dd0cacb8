/* SPDX-License-Identifier: Apache-2.0 */
/* sshd.c — OpenSSH sshd messages (also sshd-session and sshd-auth, OpenSSH
 * >= 9.8, and the old "sshd(pam_unix)" tag) and Dropbear into
 * authentication events.
 *
 * Every line form an unauthenticated peer causes is recognised; which ones
 * are attempts (event.outcome failure, counted by the brute-force rules)
 * and which only repeat or end an attempt already counted is documented
 * in docs/formats.md ("sshd: attempts and their weight"). The reference is
 * fail2ban's sshd filter in its normal mode, with one difference: the
 * "Failed … for invalid user U" right after "Invalid user U" in the same
 * connection repeats that attempt and is not counted twice.
 *
 * With an mm_parse_state the lines of one sshd process (host + PID: one
 * connection) share a pp_conn: its peer address, whether an attempt was
 * counted, a failure still waiting for an address. Without one every line
 * stands alone (lines without an address then give no source). */
#include "parse-int.h"

/* pp_conn.flags */
#define CF_ADDR 0x01u    /* addr/port known */
#define CF_COUNTED 0x02u /* an attempt of this connection was counted */
#define CF_INVALID 0x04u /* "Invalid user" counted, its "Failed" not seen */
#define CF_MULTI 0x08u   /* more than one user name tried */

/* ---- addresses -----------------------------------------------------------
 */

/* Address or host name in [p, e) into ev->src / ev->src_domain. */
static bool peer(const char *p, const char *e, mm_event *ev)
{
    if (pp_peer(p, e, ev))
        return true;
    /* sshd writes a dotted quad's leading zeros ("192.030.0.6") as given;
     * they are read as decimal. */
    return pp_addr_v4(p, e, true, &ev->src);
}

static bool has_src(const mm_event *ev)
{
    return ev->src.family != 0 || ev->src_domain.len != 0;
}

/* " port N" at p: sets the port, returns the byte after the digits. */
static const char *port_at(const char *p, const char *e, mm_event *ev)
{
    if (!PP_STARTS(p, e, " port "))
        return p;
    const char *d = p + 6, *q = d;
    while (q < e && pp_isdigit(*q))
        q++;
    if (q == d)
        return p;
    pp_port(d, q, &ev->src_port);
    return q;
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
    if (!peer(p, a, ev))
        return false;
    port_at(w, e, ev);
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
    if (!peer(as, ae, ev))
        return false;
    if (pe)
        port_at(pe, e, ev);
    if (as > p)
        ev->user = pp_span(p, as - 1);
    else if (*pre && as == p)
        ev->user = pp_span(p, p); /* "invalid user  ADDR": empty name */
    return true;
}

/* Whether " from ADDR" at f ends the sshd sentence: ADDR, then optionally
 * " port N" and " sshN", then the end, ": " (key or auth details, only
 * when `extra`), " via HOST" (PAM on macOS) or " on …" (interface).
 * Sets the source on success. */
static bool from_at(const char *f, const char *e, bool extra, mm_event *ev)
{
    const char *a = f + 6, *w = pp_word_end(a, e);
    mm_event t = *ev;
    if (!peer(a, w, &t))
        return false;
    const char *q = port_at(w, e, &t);
    if (PP_STARTS(q, e, " ssh1") || PP_STARTS(q, e, " ssh2"))
        q += 5;
    if (q == e || (extra && PP_STARTS(q, e, ": ")) ||
        PP_STARTS(q, e, " via ") || PP_STARTS(q, e, " on ")) {
        ev->src = t.src;
        ev->src_domain = t.src_domain;
        ev->src_port = t.src_port;
        ev->anomalies = t.anomalies;
        return true;
    }
    return false;
}

/* "USER from ADDR[ port N][ ssh2][: extra]": USER may hold spaces and even
 * " from " (an invalid user's name is the peer's choice), so the first
 * " from " that is followed by a well-formed end of the sentence is the
 * one sshd wrote. */
static bool user_from(const char *p, const char *e, bool extra, mm_event *ev)
{
    for (const char *s = p;;) {
        const char *f = PP_FIND(s, e, " from ");
        if (!f)
            return false;
        if (from_at(f, e, extra, ev)) {
            ev->user = pp_span(p, f);
            return true;
        }
        s = f + 1;
    }
}

/* ---- the connection ------------------------------------------------------
 */

static uint32_t user_hash(mm_span u)
{
    uint32_t h = 2166136261u; /* FNV-1a: short names, no attacker gain */
    for (size_t i = 0; i < u.len; i++)
        h = (h ^ (uint8_t)u.p[i]) * 16777619u;
    return h | 1u;
}

/* Takes what the line says about the peer into the connection, and what
 * the connection knows into a line that has no address. */
static void exchange(pp_conn *c, mm_event *ev)
{
    if (!c)
        return;
    if (ev->src.family) {
        c->addr = ev->src;
        c->port = ev->src_port;
        c->flags |= CF_ADDR;
    } else if (!ev->src_domain.len && (c->flags & CF_ADDR)) {
        ev->src = c->addr;
        ev->src_port = c->port;
    }
    if (ev->user.len) {
        uint32_t h = user_hash(ev->user);
        if (c->user && c->user != h)
            c->flags |= CF_MULTI;
        else
            c->user = h;
    }
}

static mm_rc set(mm_event *ev, mm_action a, mm_outcome o)
{
    ev->action = a;
    ev->outcome = o;
    return MM_OK;
}

/* An attempt: counted once it has an address; without one it waits in the
 * connection for the next line that brings the address. */
static mm_rc attempt(pp_conn *c, mm_event *ev, mm_action a)
{
    exchange(c, ev);
    if (c) {
        if (has_src(ev)) {
            c->flags |= CF_COUNTED;
            c->pending = 0;
        } else {
            c->pending = (uint8_t)a;
        }
    }
    return set(ev, a, MM_OUT_FAILURE);
}

/* A line of an attempt counted on another line (outcome unknown). */
static mm_rc repeat(pp_conn *c, mm_event *ev, mm_action a)
{
    exchange(c, ev);
    return set(ev, a, MM_OUT_UNKNOWN);
}

/* A line that is no attempt on its own but brings the address an earlier
 * failure of the connection waited for (fail2ban's "nofail" helpers):
 * then it completes that failure. */
static mm_rc helper(pp_conn *c, mm_event *ev, mm_action a)
{
    exchange(c, ev);
    if (c && c->pending && has_src(ev)) {
        mm_action p = (mm_action)c->pending;
        return attempt(c, ev, p < MM_ACT_COUNT ? p : a);
    }
    return set(ev, a, MM_OUT_UNKNOWN);
}

/* A new connection under the same key ("Connection from"): everything
 * but the key and its clocks starts afresh. */
static void restart(pp_conn *c)
{
    if (!c)
        return;
    pp_conn k = *c;
    memset(c, 0, sizeof *c);
    c->key = k.key;
    c->ts_ms = k.ts_ms;
    c->tick = k.tick;
}

/* The connection ends: forget it after `rc` was decided. */
static mm_rc end(pp_conn *c, mm_rc rc)
{
    pp_conn_forget(c);
    return rc;
}

/* ---- line forms ----------------------------------------------------------
 */

/* pam_unix "authentication failure; logname= … ruser=R rhost=HOST
 * [user=U]". sshd writes its own "Failed password" line for the same
 * try, so this one counts only when it completes a waiting failure or a
 * second user name was tried in the connection. */
static mm_rc pam_failure(const char *p, const char *e, pp_conn *c,
                         mm_event *ev)
{
    const char *r = PP_FIND(p, e, " rhost=");
    if (!r)
        return MM_SKIP;
    const char *v = r + 7, *w = pp_word_end(v, e);
    if (w == v)
        return MM_SKIP; /* local (su, sudo) */
    if (!peer(v, w, ev))
        return MM_EPARSE;
    const char *u = PP_FIND(w, e, " user=");
    if (u) {
        u += 6;
        ev->user = pp_span(u, pp_word_end(u, e));
    } else if ((u = PP_FIND(p, r + 1, " ruser=")) != NULL) {
        u += 7;
        const char *ue = pp_word_end(u, e);
        if (ue > u)
            ev->user = pp_span(u, ue);
    }
    exchange(c, ev);
    if (c) {
        c->held++;
        if ((c->flags & CF_MULTI) && !(c->flags & CF_COUNTED))
            return attempt(c, ev, MM_ACT_AUTH_FAILURE);
    }
    return helper(c, ev, MM_ACT_AUTH_FAILURE);
}

/* "Failed METHOD for [invalid user ]USER from ADDR port N ssh2[: …]". */
static mm_rc failed(const char *p, const char *e, pp_conn *c, mm_event *ev)
{
    const char *f = PP_FIND(p, e, " for ");
    if (!f)
        return MM_EPARSE;
    bool pubkey = f - p == 9 && memcmp(p, "publickey", 9) == 0;
    f += 5;
    bool invalid = PP_STARTS(f, e, "invalid user ") ||
                   PP_STARTS(f, e, "illegal user "); /* OpenSSH 3.x */
    if (invalid)
        f += 13;
    if (!user_from(f, e, true, ev))
        return MM_EPARSE;
    if (pubkey && !invalid) {
        /* A client offers its keys in turn: a rejected key of an existing
         * user is no attempt (the "Too many authentication failures" that
         * ends a connection of only such keys is). */
        if (c)
            c->held++;
        return helper(c, ev, MM_ACT_AUTH_FAILURE);
    }
    if (invalid && c && (c->flags & CF_INVALID)) {
        c->flags &= (uint8_t)~CF_INVALID;
        return repeat(c, ev, MM_ACT_AUTH_FAILURE);
    }
    return attempt(c, ev, MM_ACT_AUTH_FAILURE);
}

/* "[user ]USER" up to e, optionally after " for ". */
static void user_for(const char *u, const char *e, mm_event *ev)
{
    if (!PP_STARTS(u, e, " for "))
        return;
    u += 5;
    if (PP_STARTS(u, e, "invalid user "))
        u += 13;
    ev->user = pp_span(u, e);
}

/* "Connection closed|reset by …", "Disconnected from …". */
static mm_rc closed(const char *p, const char *e, bool preauth, bool conn,
                    pp_conn *c, mm_event *ev)
{
    bool pre;
    if (!user_addr_port(p, e, ev, &pre))
        return MM_EPARSE;
    exchange(c, ev);
    if (c && c->pending)
        return end(c, helper(c, ev, MM_ACT_PREAUTH_CLOSE));
    if (!preauth && !pre) {
        /* OpenSSH >= 8: a peer that closes before the banner exchange
         * logs "error: kex_exchange_identification: …" and then this line
         * without [preauth] (the old "Did not receive identification
         * string"). At LogLevel INFO a session after login ends with
         * "Disconnected from user …", not this. */
        if (conn && ev->user.len == 0 && ev->src_port != 0)
            return end(c, set(ev, MM_ACT_NO_IDENT, MM_OUT_UNKNOWN));
        return end(c, MM_SKIP);
    }
    if (c && (c->flags & CF_COUNTED))
        return end(c, repeat(c, ev, MM_ACT_PREAUTH_CLOSE));
    if (pre) /* an invalid or existing user gave up or was refused */
        return end(c, attempt(c, ev, MM_ACT_PREAUTH_CLOSE));
    return end(c, set(ev, MM_ACT_PREAUTH_CLOSE, MM_OUT_UNKNOWN));
}

/* "Received disconnect from ADDR[ port N]:[ ]CODE: TEXT". */
static mm_rc received_disconnect(const char *p, const char *e, bool preauth,
                                 pp_conn *c, mm_event *ev)
{
    if (!addr_port(p, e, ev))
        return MM_EPARSE;
    const char *k = memchr(p, ':', (size_t)(e - p));
    while (k && k < e && (*k == ':' || *k == ' '))
        k++;
    unsigned code = 0;
    while (k && k < e && pp_isdigit(*k) && code < 1000)
        code = code * 10u + (unsigned)(*k++ - '0');
    if (code == 3 && PP_FIND(p, e, ": Auth fail"))
        return end(c, attempt(c, ev, MM_ACT_AUTH_FAILURE));
    exchange(c, ev);
    if (c && c->pending)
        return end(c, helper(c, ev, MM_ACT_PREAUTH_CLOSE));
    if (!preauth)
        return end(c, MM_SKIP); /* the end of a session */
    return end(c, repeat(c, ev, MM_ACT_PREAUTH_CLOSE));
}

/* "Disconnecting[ invalid| authenticating] user U ADDR port N: REASON"
 * (OpenSSH >= 7.5) and the older "Disconnecting: REASON[ for U]". */
static mm_rc disconnecting(const char *p, const char *e, bool preauth,
                           pp_conn *c, mm_event *ev)
{
    if (PP_STARTS(p, e, "Disconnecting: ")) {
        const char *r = p + 15;
        if (PP_STARTS(r, e, "Too many authentication failures")) {
            user_for(r + 32, e, ev);
            return attempt(c, ev, MM_ACT_TOO_MANY_AUTH);
        }
        if (PP_STARTS(r, e, "Change of username or service not allowed"))
            return attempt(c, ev, MM_ACT_INVALID_USER);
        return MM_SKIP;
    }
    const char *s = p + 14;
    const char *r = PP_FIND(s, e, ": ");
    if (!r)
        return MM_SKIP;
    bool pre;
    if (!user_addr_port(s, r, ev, &pre))
        return MM_EPARSE;
    r += 2;
    if (PP_STARTS(r, e, "Too many authentication failures"))
        return attempt(c, ev, MM_ACT_TOO_MANY_AUTH);
    if (PP_STARTS(r, e, "Change of username or service not allowed"))
        return attempt(c, ev, MM_ACT_INVALID_USER);
    if (!preauth && !pre)
        return MM_SKIP;
    return repeat(c, ev, MM_ACT_PREAUTH_CLOSE);
}

/* "drop connection #N from [ADDR]:PORT on [ADDR]:PORT penalty: REASON"
 * or "… past MaxStartups" (OpenSSH >= 9.8 PerSourcePenalties). A source
 * penalised for failed logins that comes back tries again: an attempt;
 * other drops are probes. */
static mm_rc drop_connection(const char *p, const char *e, pp_conn *c,
                             mm_event *ev)
{
    const char *f = PP_FIND(p, e, " from [");
    if (!f)
        return MM_SKIP;
    const char *a = f + 7, *b = memchr(a, ']', (size_t)(e - a));
    if (!b || !peer(a, b, ev))
        return MM_EPARSE;
    if (b + 1 < e && b[1] == ':') {
        const char *d = b + 2, *q = d;
        while (q < e && pp_isdigit(*q))
            q++;
        pp_port(d, q, &ev->src_port);
    }
    (void)c; /* the listener's PID: not a connection */
    if (PP_FIND(b, e, "penalty: failed authentication"))
        return set(ev, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE);
    return set(ev, MM_ACT_PREAUTH_CLOSE, MM_OUT_UNKNOWN);
}

/* "SSH: Server;Ltype: …;Remote: ADDR-PORT;…" (a patched sshd, VERBOSE):
 * names the peer of the connection. */
static mm_rc ltype(const char *p, const char *e, pp_conn *c, mm_event *ev)
{
    const char *r = PP_FIND(p, e, ";Remote: ");
    if (!r)
        return MM_SKIP;
    r += 9;
    const char *s = memchr(r, ';', (size_t)(e - r));
    if (!s)
        s = e;
    const char *d = s;
    while (d > r && d[-1] != '-')
        d--;
    if (d > r && pp_addr(r, d - 1, &ev->src)) {
        pp_port(d, s, &ev->src_port);
        exchange(c, ev);
    }
    return MM_SKIP;
}

/* A probe without an address of its own (kex and negotiation failures,
 * resets): the connection's address when known. */
static mm_rc probe(pp_conn *c, mm_event *ev, mm_action a, bool finish)
{
    exchange(c, ev);
    mm_rc rc = has_src(ev) ? helper(c, ev, a) : MM_SKIP;
    return finish ? end(c, rc) : rc;
}

/* Past "invalid user " or OpenSSH 3.x's "illegal user " at u. */
static const char *past_invalid(const char *u, const char *e)
{
    if (PP_STARTS(u, e, "invalid user ") || PP_STARTS(u, e, "illegal user "))
        return u + 13;
    return u;
}

/* "USER from ADDR…" at u: an attempt `a`. */
static mm_rc user_attempt(const char *u, const char *e, pp_conn *c,
                          mm_event *ev, mm_action a)
{
    if (!user_from(u, e, false, ev))
        return MM_EPARSE;
    return attempt(c, ev, a);
}

/* "ADDR[ port N]…" at a: the connection ends with `act` before any
 * attempt. */
static mm_rc addr_ends(const char *a, const char *e, pp_conn *c, mm_event *ev,
                       mm_action act)
{
    if (!addr_port(a, e, ev))
        return MM_EPARSE;
    return end(c, helper(c, ev, act));
}

/* "[Aa]uthentication failure|error|failed for [illegal user ]USER from
 * ADDR…" (older and Solaris sshd). */
static mm_rc auth_failure_for(const char *p, const char *e, pp_conn *c,
                              mm_event *ev)
{
    if (!PP_STARTS(p + 1, e, "uthentication failure for ") &&
        !PP_STARTS(p + 1, e, "uthentication error for ") &&
        !PP_STARTS(p + 1, e, "uthentication failed for "))
        return MM_SKIP;
    const char *u = memchr(p + 15, ' ', (size_t)(e - p - 15));
    u = u ? u + 5 : e; /* past " for " */
    return user_attempt(past_invalid(u, e), e, c, ev, MM_ACT_AUTH_FAILURE);
}

/* Solaris "[ID 800047 auth.info] " and the prefixes OpenSSH puts before
 * its messages ("error: ", "fatal: ", "error: PAM: "). */
static const char *strip_prefix(const char *p, const char *e, bool *pam)
{
    *pam = false;
    if (PP_STARTS(p, e, "[ID ")) {
        const char *q = memchr(p, ']', (size_t)(e - p));
        if (q && q - p < 64) {
            p = q + 1;
            if (p < e && *p == ' ')
                p++;
        }
    }
    if (PP_STARTS(p, e, "kernel:")) { /* "kernel:[  970.699396]: " */
        const char *q = memchr(p, ']', (size_t)(e - p));
        if (q && q - p < 40) {
            p = q + 1;
            if (p < e && *p == ':')
                p++;
            if (p < e && *p == ' ')
                p++;
        }
    }
    if (PP_STARTS(p, e, "error: ") || PP_STARTS(p, e, "fatal: "))
        p += 7;
    if (PP_STARTS(p, e, "PAM: ")) {
        p += 5;
        *pam = true;
    }
    return p;
}

static mm_rc sshd_msg(const char *p, const char *e, pp_conn *c, mm_event *ev,
                      int depth);
static mm_rc sshd_form(const char *p, const char *e, bool preauth, pp_conn *c,
                       mm_event *ev, int depth);

/* "message repeated N times: [ MSG]" (rsyslog's reduction). */
static mm_rc repeated(const char *p, const char *e, pp_conn *c, mm_event *ev)
{
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
    return sshd_msg(q, ie, c, ev, 1);
}

static mm_rc sshd_msg(const char *p, const char *e, pp_conn *c, mm_event *ev,
                      int depth)
{
    bool preauth = PP_ENDS(p, e, " [preauth]");
    if (preauth)
        e -= 10;
    while (e > p && e[-1] == ' ')
        e--;
    bool pam;
    p = strip_prefix(p, e, &pam);
    if (p >= e)
        return MM_SKIP;
    mm_rc rc = sshd_form(p, e, preauth, c, ev, depth);
    if (rc == MM_SKIP && pam) {
        /* "error: PAM: <any PAM error> for [illegal user ]X from ADDR" */
        const char *f = PP_FIND(p, e, " for ");
        if (f) {
            f += 5;
            if (PP_STARTS(f, e, "illegal user ") ||
                PP_STARTS(f, e, "invalid user "))
                f += 13;
            if (user_from(f, e, false, ev))
                return attempt(c, ev, MM_ACT_AUTH_FAILURE);
        }
    }
    return rc;
}

/* The message after its prefixes, by its first byte. */
static mm_rc sshd_form(const char *p, const char *e, bool preauth, pp_conn *c,
                       mm_event *ev, int depth)
{
    switch (*p) {
    case 'A':
        if (PP_STARTS(p, e, "Accepted ")) {
            const char *f = PP_FIND(p + 9, e, " for ");
            if (!f || !user_from(f + 5, e, true, ev))
                return MM_EPARSE;
            exchange(c, ev);
            return end(c, set(ev, MM_ACT_AUTH_SUCCESS, MM_OUT_SUCCESS));
        }
        return auth_failure_for(p, e, c, ev);
    case 'a':
        if (PP_STARTS(p, e, "authentication failure;"))
            return pam_failure(p, e, c, ev); /* tag "sshd(pam_unix)" */
        return auth_failure_for(p, e, c, ev);
    case 'p':
        if (PP_STARTS(p, e, "pam_")) {
            const char *k = PP_FIND(p, e, "): ");
            if (k && PP_STARTS(k + 3, e, "authentication failure;"))
                return pam_failure(k + 3, e, c, ev);
        }
        break;
    case 'F':
        if (PP_STARTS(p, e, "Failed "))
            return failed(p + 7, e, c, ev);
        break;
    case 'I':
        if (PP_STARTS(p, e, "Invalid user ") ||
            PP_STARTS(p, e, "Illegal user ")) {
            mm_rc rc = user_attempt(p + 13, e, c, ev, MM_ACT_INVALID_USER);
            if (c)
                c->flags |= CF_INVALID;
            return rc;
        }
        break;
    case 'i':
        if (PP_STARTS(p, e, "invalid user ") ||
            PP_STARTS(p, e, "illegal user "))
            return user_attempt(p + 13, e, c, ev, MM_ACT_INVALID_USER);
        break;
    case 'U':
        if (PP_STARTS(p, e,
                      "User not known to the underlying authentication "
                      "module for "))
            return user_attempt(past_invalid(p + 59, e), e, c, ev,
                                MM_ACT_INVALID_USER);
        if (PP_STARTS(p, e, "User ")) {
            const char *n = PP_RFIND(p + 5, e, " not allowed because");
            if (!n)
                return MM_SKIP;
            if (!user_from(p + 5, n, false, ev)) {
                /* "User root not allowed because account is locked":
                 * the address comes from the connection. */
                memset(&ev->src, 0, sizeof ev->src);
                ev->src_domain = mm_span_make(NULL, 0);
                ev->src_port = 0;
                ev->anomalies &= ~MM_ANOM_HOSTNAME;
                ev->user = pp_span(p + 5, n);
            }
            return attempt(c, ev, MM_ACT_INVALID_USER);
        }
        if (PP_STARTS(p, e, "Unable to negotiate with "))
            return addr_ends(p + 25, e, c, ev, MM_ACT_PREAUTH_CLOSE);
        if (PP_STARTS(p, e, "Unable to negotiate a "))
            return probe(c, ev, MM_ACT_PREAUTH_CLOSE, false);
        break;
    case 'R':
        if (PP_STARTS(p, e, "ROOT LOGIN REFUSED FROM ")) {
            ev->user = pp_span(p, p + 4);
            if (!addr_port(p + 24, e, ev))
                return MM_EPARSE;
            return attempt(c, ev, MM_ACT_INVALID_USER);
        }
        if (PP_STARTS(p, e, "Received disconnect from "))
            return received_disconnect(p + 25, e, preauth, c, ev);
        if (PP_STARTS(p, e, "Read from socket failed: "))
            return probe(c, ev, MM_ACT_PREAUTH_CLOSE, true);
        break;
    case 'r':
        if (PP_STARTS(p, e, "refused connect from ")) {
            /* tcp_wrappers: "refused connect from NAME (ADDR)" */
            const char *o = PP_RFIND(p, e, " (");
            const char *a = o ? o + 2 : NULL;
            if (!a || e[-1] != ')' || !peer(a, e - 1, ev))
                return MM_EPARSE;
            return attempt(c, ev, MM_ACT_AUTH_FAILURE);
        }
        break;
    case 'D':
        if (PP_STARTS(p, e, "Did not receive identification string from "))
            return addr_ends(p + 43, e, c, ev, MM_ACT_NO_IDENT);
        if (PP_STARTS(p, e, "Disconnected from "))
            return closed(p + 18, e, preauth, false, c, ev);
        if (PP_STARTS(p, e, "Disconnecting: ") ||
            PP_STARTS(p, e, "Disconnecting "))
            return disconnecting(p, e, preauth, c, ev);
        break;
    case 'C':
        if (PP_STARTS(p, e, "Connection closed by "))
            return closed(p + 21, e, preauth, true, c, ev);
        if (PP_STARTS(p, e, "Connection reset by "))
            return closed(p + 20, e, preauth, true, c, ev);
        if (PP_STARTS(p, e, "Connection from ")) {
            /* LogLevel VERBOSE: the first line of a connection */
            restart(c);
            if (addr_port(p + 16, e, ev))
                exchange(c, ev);
            return MM_SKIP;
        }
        break;
    case 'T':
        if (PP_STARTS(p, e, "Timeout before authentication for "))
            return addr_ends(p + 34, e, c, ev, MM_ACT_PREAUTH_CLOSE);
        break;
    case 'B':
        if (PP_STARTS(p, e, "Bad protocol version identification ")) {
            const char *f = PP_RFIND(p, e, " from ");
            if (!f || !addr_port(f + 6, e, ev))
                return MM_EPARSE;
            return end(c, helper(c, ev, MM_ACT_NO_IDENT));
        }
        break;
    case 'b':
        if (PP_STARTS(p, e, "banner exchange: Connection from "))
            return addr_ends(p + 33, e, c, ev, MM_ACT_NO_IDENT);
        break;
    case 'k':
        if (PP_STARTS(p, e, "kex_exchange_identification: "))
            return probe(c, ev, MM_ACT_NO_IDENT, false);
        break;
    case 'n':
        if (PP_STARTS(p, e, "no matching "))
            return probe(c, ev, MM_ACT_PREAUTH_CLOSE, false);
        break;
    case 'S':
        if (PP_STARTS(p, e, "SSH: Server;Ltype: "))
            return ltype(p, e, c, ev);
        break;
    case 's':
        if (PP_STARTS(p, e, "ssh_dispatch_run_fatal: Connection from ")) {
            /* "… from [invalid|authenticating user X ]ADDR port N: MSG" */
            const char *s0 = p + 40, *r = PP_FIND(s0, e, ": ");
            return closed(s0, r ? r : e, true, true, c, ev);
        }
        break;
    case 'P':
        if (PP_STARTS(p, e, "Protocol major versions differ for ")) {
            const char *a = p + 35, *w = pp_word_end(a, e);
            if (w > a && w[-1] == ':')
                w--;
            if (!addr_port(a, e, ev) && !peer(a, w, ev))
                return MM_EPARSE;
            return end(c, helper(c, ev, MM_ACT_NO_IDENT));
        }
        break;
    case 'm':
        if (PP_STARTS(p, e, "maximum authentication attempts exceeded for "))
            return user_attempt(past_invalid(p + 45, e), e, c, ev,
                                MM_ACT_TOO_MANY_AUTH);
        if (depth == 0 && PP_STARTS(p, e, "message repeated "))
            return repeated(p, e, c, ev);
        break;
    case 'd':
        if (PP_STARTS(p, e, "drop connection #"))
            return drop_connection(p, e, c, ev);
        break;
    default: break;
    }
    return MM_SKIP;
}

/* Nothing half-filled leaks out of a skipped or broken line. */
static mm_rc finish(mm_rc rc, mm_event *ev)
{
    if (rc != MM_OK) {
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

mm_rc pp_sshd_conn(const char *p, const char *e, pp_conn *c, mm_event *ev)
{
    ev->dataset = MM_DS_SSHD;
    ev->category = MM_CAT_AUTHENTICATION;
    ev->service = MM_SVC_SSH;
    while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    return finish(sshd_msg(p, e, c, ev, 0), ev);
}

mm_rc pp_sshd(const char *p, const char *e, mm_event *ev)
{
    return pp_sshd_conn(p, e, NULL, ev);
}

/* ---- Dropbear ------------------------------------------------------------
 */

/* "ADDR:PORT" or "<ADDR:PORT>" in [p, e) (IPv6 addresses hold ':' too:
 * the port follows the last one). */
static bool db_addr(const char *p, const char *e, mm_event *ev)
{
    if (p < e && *p == '<')
        p++;
    if (e > p && e[-1] == '>')
        e--;
    const char *k = e;
    while (k > p && k[-1] != ':')
        k--;
    if (k > p && k < e && pp_isdigit(*k) && pp_port(k, e, &ev->src_port) &&
        peer(p, k - 1, ev))
        return true;
    ev->src_port = 0;
    return peer(p, e, ev);
}

/* "… from ADDR:PORT" at the end of [p, e). */
static bool db_from(const char *p, const char *e, mm_event *ev)
{
    const char *f = PP_RFIND(p, e, " from ");
    if (!f)
        return false;
    const char *a = f + 6, *w = pp_word_end(a, e);
    if (w > a && w[-1] == ':')
        w--; /* "from <ADDR:PORT>: reason" */
    return db_addr(a, w, ev);
}

/* "… 'USER' …": the first quoted name after p. */
static void db_user(const char *p, const char *e, mm_event *ev)
{
    const char *q = memchr(p, '\'', (size_t)(e - p));
    if (!q)
        return;
    const char *r = memchr(q + 1, '\'', (size_t)(e - q - 1));
    if (r)
        ev->user = pp_span(q + 1, r);
}

static mm_rc dropbear_msg(const char *p, const char *e, pp_conn *c,
                          mm_event *ev)
{
    if (p >= e)
        return MM_SKIP;
    char k = pp_lower(*p);
    if (k == 'b' && pp_has_upper(p, (size_t)(e - p) > 20 ? p + 20 : e,
                                 "BAD PASSWORD", 12)) {
        db_user(p, e, ev);
        if (!db_from(p, e, ev))
            return MM_EPARSE;
        return attempt(c, ev, MM_ACT_AUTH_FAILURE);
    }
    if (k == 'l' && PP_STARTS(p + 1, e, "ogin attempt for nonexistent user")) {
        db_user(p, e, ev);
        if (!db_from(p, e, ev))
            return MM_EPARSE;
        return attempt(c, ev, MM_ACT_INVALID_USER);
    }
    if (PP_STARTS(p, e, "Exit before auth")) {
        const char *f = PP_FIND(p, e, " from <");
        if (f) {
            const char *g = memchr(f, '>', (size_t)(e - f));
            if (!g || !db_addr(f + 6, g + 1, ev))
                return MM_EPARSE;
        } else if (!db_from(p, e, ev)) {
            exchange(c, ev); /* "(user 'x', 3 fails): …" with no address */
        }
        const char *u = PP_FIND(p, e, "(user ");
        if (u)
            db_user(u, e, ev);
        if (PP_FIND(p, e, "Max auth tries reached"))
            return end(c, attempt(c, ev, MM_ACT_TOO_MANY_AUTH));
        exchange(c, ev);
        if (!has_src(ev))
            return end(c, MM_SKIP);
        if (c && (c->flags & CF_COUNTED))
            return end(c, repeat(c, ev, MM_ACT_PREAUTH_CLOSE));
        return end(c, helper(c, ev, MM_ACT_PREAUTH_CLOSE));
    }
    if (PP_STARTS(p, e, "Password auth succeeded for ") ||
        PP_STARTS(p, e, "Pubkey auth succeeded for ")) {
        db_user(p, e, ev);
        if (!db_from(p, e, ev))
            return MM_EPARSE;
        exchange(c, ev);
        return set(ev, MM_ACT_AUTH_SUCCESS, MM_OUT_SUCCESS);
    }
    if (PP_STARTS(p, e, "Child connection from ")) {
        restart(c);
        const char *a = p + 22;
        if (db_addr(a, pp_word_end(a, e), ev))
            exchange(c, ev);
        return MM_SKIP;
    }
    if (PP_STARTS(p, e, "User account '") ||
        (PP_STARTS(p, e, "User '") && PP_FIND(p, e, "rejected"))) {
        db_user(p, e, ev);
        return attempt(c, ev, MM_ACT_INVALID_USER);
    }
    return MM_SKIP;
}

mm_rc pp_dropbear(const char *p, const char *e, pp_conn *c, mm_event *ev)
{
    ev->dataset = MM_DS_SSHD;
    ev->category = MM_CAT_AUTHENTICATION;
    ev->service = MM_SVC_SSH;
    while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    return finish(dropbear_msg(p, e, c, ev), ev);
}
