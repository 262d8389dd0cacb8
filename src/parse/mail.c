/* SPDX-License-Identifier: Apache-2.0 */
/* mail.c — authentication lines of mail servers: postfix SASL, dovecot,
 * courier (imapd, pop3d, esmtpd) and exim. All give service "mail".
 *
 * postfix  "warning: unknown[203.0.113.5]: SASL LOGIN authentication
 *          failed: UGFzc3dvcmQ6"; success "client=h[a], sasl_method=PLAIN,
 *          sasl_username=u"
 * dovecot  "imap-login: Disconnected (auth failed, 3 attempts in 12 secs):
 *          user=<u>, method=PLAIN, rip=203.0.113.5, lip=…" (event.count =
 *          the attempts), "Aborted login (tried to use disabled plaintext
 *          auth): rip=…", "auth: pam(u,203.0.113.5): pam_authenticate()
 *          failed: …", "passwd-file(u,a): unknown user", "sql(u,a):
 *          Password mismatch", pam_unix "authentication failure; … rhost=";
 *          success "imap-login: Login: user=<u>, method=…, rip=…"
 * courier  "LOGIN FAILED, user=u, ip=[::ffff:203.0.113.5]",
 *          courieresmtpd "error,relay=::ffff:a,…msg=\"535 Authentication
 *          failed.\""
 * exim     "… authenticator failed for H (helo) [203.0.113.5]:N: 535
 *          Incorrect authentication data (set_id=u)" */
#include "parse-int.h"

static mm_rc hit(mm_event *ev, mm_dataset ds, mm_action a, mm_outcome o)
{
    ev->dataset = ds;
    ev->category = MM_CAT_AUTHENTICATION;
    ev->service = MM_SVC_MAIL;
    ev->action = a;
    ev->outcome = o;
    return MM_OK;
}

/* "…[ADDR]" ending at or before e: the address in the brackets. */
static bool bracket_addr(const char *p, const char *e, mm_event *ev)
{
    const char *o = memchr(p, '[', (size_t)(e - p));
    if (!o)
        return false;
    const char *c = memchr(o, ']', (size_t)(e - o));
    return c && pp_addr(o + 1, c, &ev->src);
}

/* Value of "key" up to ',' / ' ' / end ("rip=", "user=<…>"). */
static bool value(const char *p, const char *e, const char *key, size_t n,
                  mm_span *out)
{
    const char *k = pp_find(p, e, key, n);
    if (!k)
        return false;
    const char *v = k + n, *w = v;
    if (w < e && *w == '<') {
        const char *c = memchr(w, '>', (size_t)(e - w));
        if (c) {
            *out = pp_span(w + 1, c);
            return true;
        }
    }
    while (w < e && *w != ',' && *w != ' ')
        w++;
    *out = pp_span(v, w);
    return true;
}
#define VALUE(p, e, key, out) value((p), (e), (key), sizeof(key) - 1, (out))

/* ---- postfix --------------------------------------------------------------
 */

static mm_rc postfix(const char *p, const char *e, mm_event *ev)
{
    const char *s = PP_FIND(p, e, " authentication failed");
    if (s && PP_FIND(p, s, ": SASL ")) {
        if (!bracket_addr(p, s, ev))
            return MM_EPARSE;
        /* the server's own trouble, or a mechanism it does not offer */
        if (PP_FIND(s, e, "Connection lost to authentication server") ||
            PP_FIND(s, e, "Invalid authentication mechanism"))
            return hit(ev, MM_DS_POSTFIX, MM_ACT_AUTH_FAILURE, MM_OUT_UNKNOWN);
        return hit(ev, MM_DS_POSTFIX, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE);
    }
    const char *u = PP_FIND(p, e, "sasl_username=");
    if (u && PP_FIND(p, u, "client=")) {
        mm_span user;
        if (!bracket_addr(p, u, ev))
            return MM_SKIP;
        if (VALUE(u, e, "sasl_username=", &user) && user.len)
            ev->user = user;
        return hit(ev, MM_DS_POSTFIX, MM_ACT_AUTH_SUCCESS, MM_OUT_SUCCESS);
    }
    return MM_SKIP;
}

/* ---- dovecot --------------------------------------------------------------
 */

/* "pam(USER,ADDR[,session]): REASON" and the other passdbs. */
static mm_rc dovecot_passdb(const char *p, const char *e, mm_event *ev)
{
    static const char *const dbs[] = {
        "pam(",    "passwd-file(", "sql(",           "ldap(",
        "shadow(", "passwd(",      "checkpassword(", "bsdauth("};
    for (size_t i = 0; i < sizeof dbs / sizeof *dbs; i++) {
        const char *d = pp_find(p, e, dbs[i], strlen(dbs[i]));
        if (!d || (d > p && d[-1] != ' '))
            continue;
        const char *a = d + strlen(dbs[i]);
        const char *c = memchr(a, ')', (size_t)(e - a));
        if (!c || !PP_STARTS(c, e, "): "))
            continue;
        /* the user may hold ','; the address is the next field */
        const char *f = a, *ue = NULL, *ae = NULL;
        for (const char *q = a; q < c; q++)
            if (*q == ',') {
                if (!ue)
                    ue = q;
                else if (!ae)
                    ae = q;
            }
        if (!ue)
            return MM_SKIP;
        const char *as = ue + 1, *aend = ae ? ae : c;
        if (!pp_addr(as, aend, &ev->src)) {
            /* a ',' inside the user: try the last field */
            const char *l = c;
            while (l > a && l[-1] != ',')
                l--;
            if (!pp_addr(l, c, &ev->src))
                return MM_SKIP;
            ue = l - 1;
        }
        ev->user = pp_span(f, ue);
        const char *r = c + 3;
        if (PP_FIND(r, e, "unknown user") || PP_FIND(r, e, "User not known"))
            return hit(ev, MM_DS_DOVECOT, MM_ACT_INVALID_USER, MM_OUT_FAILURE);
        if (PP_FIND(r, e, "mismatch") || PP_FIND(r, e, "failed") ||
            PP_FIND(r, e, "Authentication failure") ||
            PP_FIND(r, e, "invalid credentials"))
            return hit(ev, MM_DS_DOVECOT, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE);
        return MM_SKIP;
    }
    return MM_SKIP;
}

static mm_rc dovecot(const char *p, const char *e, mm_event *ev)
{
    mm_span rip, user;
    const char *k = PP_FIND(p, e, "authentication failure;");
    if (k) { /* pam_unix(dovecot:auth): … rhost=A [user=U] */
        const char *r = PP_RFIND(k, e, " rhost=");
        if (!r)
            return MM_SKIP;
        const char *v = r + 7, *w = pp_word_end(v, e);
        if (!pp_addr(v, w, &ev->src))
            return MM_SKIP;
        const char *u = PP_FIND(w, e, " user=");
        if (u)
            ev->user = pp_span(u + 6, pp_word_end(u + 6, e));
        return hit(ev, MM_DS_DOVECOT, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE);
    }
    if (VALUE(p, e, "rip=", &rip)) {
        if (!pp_addr(rip.p, rip.p + rip.len, &ev->src))
            return MM_SKIP;
        if (VALUE(p, e, "user=", &user) && user.len)
            ev->user = user;
        const char *a = PP_FIND(p, e, "(auth failed, ");
        if (a) {
            const char *d = a + 14;
            uint64_t n;
            if (pp_uint(&d, e, 100000, &n) && n > 0)
                ev->count = (uint32_t)n;
            return hit(ev, MM_DS_DOVECOT, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE);
        }
        if (PP_FIND(p, e, "plaintext auth)") || PP_FIND(p, e, "auth failed)"))
            return hit(ev, MM_DS_DOVECOT, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE);
        if (PP_FIND(p, e, "-login: Login: ") || PP_STARTS(p, e, "Login: "))
            return hit(ev, MM_DS_DOVECOT, MM_ACT_AUTH_SUCCESS, MM_OUT_SUCCESS);
        return MM_SKIP;
    }
    return dovecot_passdb(p, e, ev);
}

/* ---- courier, exim --------------------------------------------------------
 */

static mm_rc cyrus(const char *p, const char *e, mm_event *ev);

static mm_rc courier(const char *p, const char *e, mm_event *ev)
{
    if (PP_FIND(p, e, "badlogin: ")) /* cyrus also calls itself imapd */
        return cyrus(p, e, ev);
    const char *f = PP_FIND(p, e, "LOGIN FAILED, ");
    if (f) {
        mm_span ip, user;
        if (!VALUE(f, e, "ip=[", &ip))
            return MM_EPARSE;
        const char *b = memchr(ip.p, ']', (size_t)(e - ip.p));
        if (!b || !pp_addr(ip.p, b, &ev->src))
            return MM_EPARSE;
        if (VALUE(f, e, "user=", &user) && user.len)
            ev->user = user;
        return hit(ev, MM_DS_MAIL_OTHER, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE);
    }
    const char *r = PP_FIND(p, e, "error,relay=");
    if (r && PP_FIND(r, e, "535 Authentication failed")) {
        const char *a = r + 12, *w = a;
        while (w < e && *w != ',')
            w++;
        if (!pp_addr(a, w, &ev->src))
            return MM_EPARSE;
        return hit(ev, MM_DS_MAIL_OTHER, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE);
    }
    return MM_SKIP;
}

/* exim: "SMTP protocol error in \"AUTH LOGIN\" H=(helo) [ADDR]:port …
 * AUTH command used when not advertised" and "SMTP call from [ADDR]
 * dropped: too many syntax or protocol errors (last command was \"AUTH"
 * — password guessing that the server cut short. */
static mm_rc exim_auth_error(const char *p, const char *e, mm_event *ev)
{
    const char *h = PP_FIND(p, e, "H=");
    if (!h)
        h = PP_FIND(p, e, "SMTP call from ");
    if (!h)
        return MM_SKIP;
    const char *o = memchr(h, '[', (size_t)(e - h));
    while (o) {
        const char *c = memchr(o, ']', (size_t)(e - o));
        if (!c)
            break;
        if (pp_addr(o + 1, c, &ev->src) &&
            !(c - o > 1 && o > h && o[-1] == '('))
            return hit(ev, MM_DS_MAIL_OTHER, MM_ACT_AUTH_FAILURE,
                       MM_OUT_FAILURE);
        memset(&ev->src, 0, sizeof ev->src);
        o = memchr(c, '[', (size_t)(e - c));
    }
    return MM_SKIP;
}

static mm_rc exim(const char *p, const char *e, mm_event *ev)
{
    if ((PP_FIND(p, e, "SMTP protocol error in \"AUTH") &&
         PP_FIND(p, e, "AUTH command used when not advertised")) ||
        (PP_FIND(p, e, "dropped: too many ") &&
         PP_FIND(p, e, "(last command was \"AUTH")))
        return exim_auth_error(p, e, ev);
    const char *f = PP_FIND(p, e, "authenticator failed for ");
    if (!f)
        return MM_SKIP;
    const char *c = PP_FIND(f, e, ": 535");
    if (c && c > f && c[-1] != ']') { /* "[ADDR]:PORT I=[…]:25: 535" */
        const char *q = PP_FIND(f, e, "]:");
        c = q ? q : c;
    }
    if (c && *c == ':')
        c--;
    if (!c)
        c = PP_FIND(f, e, "]:");
    const char *o = c;
    while (o && o > f && *o != '[')
        o--;
    if (!o || o <= f || !pp_addr(o + 1, c, &ev->src))
        return MM_EPARSE;
    const char *s = PP_FIND(c, e, "(set_id=");
    if (s) {
        const char *v = s + 8, *b = e;
        if (b > v && b[-1] == ')')
            b--;
        ev->user = pp_span(v, b);
    }
    return hit(ev, MM_DS_MAIL_OTHER, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE);
}

/* cyrus imapd/pop3d and timsieved: "badlogin: NAME [ADDR] MECH [USER]
 * SASL(-13): authentication failure…" (also "NAME[ADDR]"). */
static mm_rc cyrus(const char *p, const char *e, mm_event *ev)
{
    const char *b = PP_FIND(p, e, "badlogin: ");
    if (!b)
        return MM_SKIP;
    if (!bracket_addr(b, e, ev))
        return MM_EPARSE;
    return hit(ev, MM_DS_MAIL_OTHER, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE);
}

/* sendmail: "QID: NAME [ADDR]: possible SMTP attack: command=AUTH,
 * count=N" (the server counted N AUTH failures) and "AUTH failure (MECH):
 * … relay=NAME [ADDR]". */
static mm_rc sendmail(const char *p, const char *e, mm_event *ev)
{
    const char *a = PP_FIND(p, e, "possible SMTP attack: command=AUTH");
    if (a) {
        if (!bracket_addr(p, a, ev))
            return MM_EPARSE;
        const char *c = PP_FIND(a, e, "count=");
        uint64_t n;
        if (c && (c += 6, pp_uint(&c, e, 100000, &n)) && n > 0)
            ev->count = (uint32_t)n;
        return hit(ev, MM_DS_MAIL_OTHER, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE);
    }
    const char *f = PP_FIND(p, e, "AUTH failure (");
    /* the last relay= is sendmail's: the user name before it is not */
    const char *r = f ? PP_RFIND(f, e, "relay=") : NULL;
    if (r) {
        if (!bracket_addr(r, e, ev))
            return MM_EPARSE;
        return hit(ev, MM_DS_MAIL_OTHER, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE);
    }
    return MM_SKIP;
}

/* solid-pop3d: "authentication failed…: USER - ADDR", "root login not
 * allowed - ADDR", "can't find APOP secret for user U - ADDR". */
static mm_rc solid_pop3d(const char *p, const char *e, mm_event *ev)
{
    if (!PP_FIND(p, e, "authentication failed") &&
        !PP_FIND(p, e, "login not allowed") && !PP_FIND(p, e, "APOP secret"))
        return MM_SKIP;
    const char *d = PP_RFIND(p, e, " - ");
    if (!d || !pp_addr(d + 3, e, &ev->src))
        return MM_EPARSE;
    return hit(ev, MM_DS_MAIL_OTHER, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE);
}

/* ---- dispatch -------------------------------------------------------------
 */

static bool starts(mm_span s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len >= n && memcmp(s.p, lit, n) == 0;
}

int pp_mail_program(mm_span prog)
{
    if (starts(prog, "postfix") || mm_span_eq(prog, "smtpd"))
        return 1;
    if (starts(prog, "dovecot") || mm_span_eq(prog, "imap-login") ||
        mm_span_eq(prog, "pop3-login") || starts(prog, "auth") ||
        mm_span_eq(prog, "managesieve-login") ||
        mm_span_eq(prog, "submission-login"))
        return 2;
    if (starts(prog, "imapd") || starts(prog, "pop3d") ||
        starts(prog, "courier") || mm_span_eq(prog, "esmtpd"))
        return 3;
    if (starts(prog, "exim"))
        return 4;
    if (starts(prog, "cyrus") || mm_span_eq(prog, "imap") ||
        mm_span_eq(prog, "pop3") || starts(prog, "sieve") ||
        starts(prog, "timsieved"))
        return 5;
    if (starts(prog, "sm-") || starts(prog, "sendmail"))
        return 6;
    if (mm_span_eq(prog, "solid-pop3d"))
        return 7;
    return 0;
}

mm_rc pp_mail(int kind, const char *p, const char *e, mm_event *ev)
{
    while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    mm_rc rc;
    switch (kind) {
    case 1: rc = postfix(p, e, ev); break;
    case 2: rc = dovecot(p, e, ev); break;
    case 3: rc = courier(p, e, ev); break;
    case 5: rc = cyrus(p, e, ev); break;
    case 6: rc = sendmail(p, e, ev); break;
    case 7: rc = solid_pop3d(p, e, ev); break;
    default: rc = exim(p, e, ev); break;
    }
    if (rc == MM_SKIP) {
        ev->dataset = kind == 1   ? MM_DS_POSTFIX
                      : kind == 2 ? MM_DS_DOVECOT
                                  : MM_DS_MAIL_OTHER;
        ev->user = mm_span_make(NULL, 0);
        memset(&ev->src, 0, sizeof ev->src);
        ev->count = 1;
    }
    return rc;
}

/* The mail forms recognised in a message whatever its tag (relays, files
 * without a syslog header): 0 when none. */
int pp_mail_text(const char *p, const char *e)
{
    if (PP_FIND(p, e, "authenticator failed for ") ||
        PP_FIND(p, e, "AUTH command used when not advertised") ||
        PP_FIND(p, e, "(last command was \"AUTH"))
        return 4;
    if (PP_FIND(p, e, "LOGIN FAILED, ") || PP_FIND(p, e, "error,relay="))
        return 3;
    if (PP_FIND(p, e, "(auth failed, ") || PP_FIND(p, e, ", rip=") ||
        PP_FIND(p, e, "authentication failure;") ||
        PP_FIND(p, e, "): unknown user") ||
        PP_FIND(p, e, "): pam_authenticate() failed") ||
        PP_FIND(p, e, "): Password mismatch") ||
        PP_FIND(p, e, "): password mismatch") ||
        PP_FIND(p, e, "): invalid credentials"))
        return 2;
    if (PP_FIND(p, e, ": SASL ") || PP_FIND(p, e, "sasl_username="))
        return 1;
    return 0;
}
