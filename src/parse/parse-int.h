/* SPDX-License-Identifier: Apache-2.0 */
/*
 * parse-int.h — helpers shared by the parsers of the parse module. Private
 * to src/parse (the module's public surface is parse.h).
 *
 * Every helper works on [p, e) slices of a line that is NOT NUL-terminated
 * and never reads at or beyond `e`.
 */
#ifndef MM_PARSE_INT_H
#define MM_PARSE_INT_H

#include "parse.h"

#include <string.h>

/* Cap on "message repeated N times" and similar counters. */
#define MM_PARSE_COUNT_MAX 1000000u

static inline bool pp_isdigit(char c)
{
    return (unsigned char)(c - '0') < 10u;
}

static inline bool pp_isupper(char c)
{
    return (unsigned char)(c - 'A') < 26u;
}

static inline bool pp_isalpha(char c)
{
    return (unsigned char)((c | 0x20) - 'a') < 26u;
}

static inline char pp_lower(char c)
{
    return pp_isupper(c) ? (char)(c | 0x20) : c;
}

/* True when span s starts with the n bytes of the lower-case lit, in any
 * case. */
static inline bool pp_span_starts_ci(mm_span s, const char *lit, size_t n)
{
    if (s.len < n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (pp_lower(s.p[i]) != lit[i])
            return false;
    return true;
}

/* True when [p, e) starts with the n bytes of lit. */
static inline bool pp_starts(const char *p, const char *e, const char *lit,
                             size_t n)
{
    return (size_t)(e - p) >= n && memcmp(p, lit, n) == 0;
}
#define PP_STARTS(p, e, lit) pp_starts((p), (e), (lit), sizeof(lit) - 1)

/* True when [p, e) ends with the n bytes of lit. */
static inline bool pp_ends(const char *p, const char *e, const char *lit,
                           size_t n)
{
    return (size_t)(e - p) >= n && memcmp(e - n, lit, n) == 0;
}
#define PP_ENDS(p, e, lit) pp_ends((p), (e), (lit), sizeof(lit) - 1)

static inline mm_span pp_span(const char *p, const char *e)
{
    return mm_span_make(p, (size_t)(e - p));
}

/* First occurrence of needle (n >= 1) in [p, e), or NULL. Faster than
 * memmem on the short lines and needles the parsers use: memchr on one
 * byte of the needle (the second when the first is a space), then
 * memcmp. */
static inline const char *pp_find(const char *p, const char *e,
                                  const char *needle, size_t n)
{
    if (n == 0 || (size_t)(e - p) < n || p >= e)
        return NULL;
    size_t k = (n > 1 && needle[0] == ' ') ? 1 : 0;
    const char *last = e - n; /* last possible start */
    for (const char *s = p + k; s <= last + k;) {
        const char *q = memchr(s, needle[k], (size_t)(last + k - s) + 1);
        if (!q)
            return NULL;
        if (memcmp(q - k, needle, n) == 0)
            return q - k;
        s = q + 1;
    }
    return NULL;
}
#define PP_FIND(p, e, lit) pp_find((p), (e), (lit), sizeof(lit) - 1)

/* Last occurrence of needle in [p, e), or NULL. */
const char *pp_rfind(const char *p, const char *e, const char *needle,
                     size_t n);
#define PP_RFIND(p, e, lit) pp_rfind((p), (e), (lit), sizeof(lit) - 1)

/* End of the run of bytes that are not ' ' starting at p. */
static inline const char *pp_word_end(const char *p, const char *e)
{
    const char *s = p < e ? memchr(p, ' ', (size_t)(e - p)) : NULL;
    return s ? s : e;
}

/* Unsigned decimal at *pp (at least one digit); value must be <= max.
 * Advances *pp past the digits. Overflow-safe. */
bool pp_uint(const char **pp, const char *e, uint64_t max, uint64_t *out);

/* Exactly n digits at p (n <= 9); -1 if any is not a digit. */
int pp_digits(const char *p, const char *e, size_t n);

/* The digits of a fraction of a second at *pp (after its '.' or ','), as
 * milliseconds: the first three count, the rest are passed over; advances
 * *pp past all of them (0 and no move when there is no digit). */
int pp_frac_ms(const char **pp, const char *e);

/* Dotted quad of four parts of 1-3 digits, each <= 255; leading zeros only
 * when lead0 (otherwise the rules of inet_pton(AF_INET)). */
bool pp_addr_v4(const char *p, const char *e, bool lead0, mm_addr *out);
/* Address in [p, e): IPv4 (fast path), IPv6, IPv4-mapped IPv6 (normalised
 * to IPv4). Brackets around IPv6 are accepted. */
bool pp_addr(const char *p, const char *e, mm_addr *out);

/* True when [p, e) is a plausible DNS host name: letters, digits, '-',
 * '_' and '.', at least one letter, at most 253 bytes. */
bool pp_is_hostname(const char *p, const char *e);

/* Peer in [p, e): an address sets ev->src, a host name sets
 * ev->src_domain and MM_ANOM_HOSTNAME. False when it is neither. */
bool pp_peer(const char *p, const char *e, mm_event *ev);

/* Port number 1..65535 in [p, e) (all digits). */
bool pp_port(const char *p, const char *e, uint16_t *out);

/* Case-insensitive search of an upper-case literal in [p, e). */
bool pp_has_upper(const char *p, const char *e, const char *upper, size_t n);

/* ISO-8601 date-time at *pp: "YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|+hh:mm|
 * +hhmm]". Without an offset `def_off` applies. Advances *pp. */
bool pp_iso_time(const char **pp, const char *e, int def_off, int64_t *ts_ms);

/* Validates a civil time and turns it into ms since the epoch (UTC). */
bool pp_civil_ms(int y, int mo, int d, int h, int mi, int s, int ms, int off_s,
                 int64_t *ts_ms);

/* Year to use for stamps without one. */
int pp_year(const mm_parse_opts *opts);

/* The syslog header of a line. */
typedef struct pp_syslog {
    int64_t ts_ms;
    mm_span host;
    mm_span program; /* tag without "[pid]" */
    const char *msg; /* message start */
    mm_span pid;     /* digits of "[pid]" (RFC 5424: PROCID), may be empty */
} pp_syslog;

/* Parses an RFC 3164 / 5424 / ISO-8601 syslog header. */
bool pp_syslog_header(const mm_parse_opts *opts, const char *p, const char *e,
                      pp_syslog *out);
/* A line with or without a syslog header: the header's stamp, host and
 * program go into ev; ev->message is the rest, which is returned. */
const char *pp_syslog_strip(const mm_parse_opts *opts, const char *p,
                            const char *e, mm_event *ev);

/* "host tag[pid]: msg" without a time stamp (the journal's form as
 * fail2ban and `journalctl -o cat`-style relays give it): only with a tag
 * and a PID, so that free text is not taken for syslog. ts_ms stays 0. */
bool pp_syslog_stampless(const char *p, const char *e, pp_syslog *out);

/* The two forms most parsers below share: a message or payload [p, e) into
 * `ev`, and the same reading the parse options too. */
typedef mm_rc pp_msg_fn(const char *p, const char *e, mm_event *ev);
typedef mm_rc pp_line_fn(const mm_parse_opts *opts, const char *p,
                         const char *e, mm_event *ev);

/* Payload parsers: they fill `ev` (already zeroed, count 1) from [p, e). */
pp_msg_fn pp_sshd;
pp_msg_fn pp_netfilter_msg;
pp_line_fn pp_fortigate_kv;
pp_line_fn pp_kv_pairs;

/* Line parsers. */
mm_rc pp_syslog_line(const mm_parse_opts *opts, mm_logtype type, const char *p,
                     const char *e, mm_event *ev);
pp_line_fn pp_netfilter_line;
pp_line_fn pp_fortigate_line;
pp_line_fn pp_kv_line;
pp_line_fn pp_access_line;
mm_rc pp_access_fmt(const mm_parse_opts *opts, const mm_webfmt *f,
                    const char *p, const char *e, mm_event *ev);
pp_line_fn pp_error_line;
pp_line_fn pp_cloud_line;

/* Shared by the access-log parsers. */
void pp_http_request(const char *p, const char *e, mm_event *ev);
void pp_http_target(const char *p, const char *e, mm_event *ev);
bool pp_clf_time(const char *p, const char *e, int64_t *ts_ms);
const char *pp_quoted_end(const char *p, const char *e);
/* Whether the character at q (> p) is escaped: an odd run of backslashes
 * after p stands before it. */
bool pp_escaped(const char *p, const char *q);
void pp_web_outcome(mm_event *ev);
void pp_xff(const mm_parse_opts *opts, const char *p, const char *e,
            mm_event *ev);

/* ---- network appliances: VPN gateways, UTMs, routers (vendor.c) -------- */

/* Next "key=value" pair at *pp (kv.c); tokens without '=' are passed over;
 * values bare or double-quoted. */
bool pp_kv_next(const char **pp, const char *e, mm_span *k, mm_span *v);

/* An appliance message after a parsed syslog header (`line` is the whole
 * line, `h` its header). MM_EPARSE when no appliance form is recognised
 * (the caller then treats the line as it did before). */
mm_rc pp_vendor_msg(const mm_parse_opts *opts, const pp_syslog *h,
                    const char *line, const char *e, mm_event *ev);
/* A line without a usable syslog header: "<PRI>" with no stamp, odd
 * appliance stamps, a relay's bare address, or no header at all.
 * MM_EPARSE when no appliance form is recognised. */
pp_line_fn pp_vendor_raw;

/* Shared by the appliance parsers (vendor.c). */
bool pp_vendor_addr_port(const char *p, const char *e, mm_addr *a,
                         uint16_t *port);
bool pp_vendor_last_addr(const char *p, const char *e, mm_addr *a);
mm_span pp_vendor_quoted(const char *p, const char *e);
/* An authentication event of `svc`: category, service, action, outcome. */
void pp_auth_event(mm_event *ev, mm_service svc, mm_action act,
                   mm_outcome out);
void pp_vendor_auth(mm_event *ev, mm_service svc, bool ok);

/* One parser per vendor; p is where its own text starts. */
pp_msg_fn pp_asa_msg;
pp_line_fn pp_panos_csv;
pp_line_fn pp_sonicwall_kv;
pp_msg_fn pp_pulse_msg;
pp_msg_fn pp_pulse_kv;
pp_msg_fn pp_openvpn_msg;
pp_msg_fn pp_yamaha_msg;
/* ---- Windows events (win.c, winxml.c, winjson.c, winsnare.c) --------- */

/* The fields a Windows record reader pulls out, by slot. */
enum {
    PP_WF_EVENT_ID,
    PP_WF_COMPUTER,
    PP_WF_CHANNEL,
    PP_WF_PROVIDER,
    PP_WF_TIME,
    PP_WF_TARGET_USER,
    PP_WF_TARGET_DOMAIN,
    PP_WF_TARGET_SID,
    PP_WF_SUBJECT_USER,
    PP_WF_IP,
    PP_WF_IP_PORT,
    PP_WF_LOGON_TYPE,
    PP_WF_STATUS,
    PP_WF_SUBSTATUS,
    PP_WF_WORKSTATION,
    PP_WF_SERVICE_NAME,
    PP_WF_IMAGE_PATH,
    PP_WF_TASK_NAME,
    PP_WF_TASK_CONTENT,
    PP_WF_MEMBER_NAME,
    PP_WF_MEMBER_SID,
    PP_WF_PARAM1,
    PP_WF_PARAM2,
    PP_WF_PARAM3,
    PP_WF_GW_USER,
    PP_WF_ERROR_CODE,
    PP_WF_ACCOUNT_NAME,
    PP_WF_PROCESS_NAME,
    PP_WF_COUNT
};

/* A value longer than this makes the record unparsed (a 1 MiB field is
 * hostile, not a log). */
#define PP_WIN_VALUE_MAX (32u * 1024u)

typedef struct pp_winrec {
    uint32_t id;
    mm_span f[PP_WF_COUNT]; /* raw: XML entities / JSON escapes kept */
} pp_winrec;

/* Slot of a field name, or -1. */
int pp_win_slot(const char *p, size_t n);
/* Stores [p, e) in `slot` (first value wins; slot -1 ignored); false when
 * the value is longer than PP_WIN_VALUE_MAX. */
bool pp_win_set(pp_winrec *r, int slot, const char *p, const char *e);
/* Maps a filled record to `ev` by event id: MM_OK, MM_SKIP (an id
 * mamori does not use) or MM_EPARSE (no usable EventID). */
mm_rc pp_win_event(const mm_parse_opts *opts, pp_winrec *r, mm_event *ev);

pp_line_fn pp_winxml_line;
pp_line_fn pp_winjson_line;
/* Any Windows form, with or without a syslog header. */
pp_line_fn pp_windows_line;
pp_line_fn pp_winsnare_msg;
/* ---- connections across lines (pstate.c) -------------------------------- */

/* One connection remembered by mm_parse_state (sshd: host + PID). */
typedef struct pp_conn {
    uint64_t key;    /* 0 = empty */
    int64_t ts_ms;   /* log time of its last line */
    uint32_t tick;   /* LRU */
    uint32_t user;   /* hash of the first user name tried, 0 = none */
    mm_addr addr;    /* peer, family 0 = not known yet */
    uint8_t flags;   /* PP_CONN_* (meaning private to the parser) */
    uint8_t pending; /* mm_action of a failure still waiting for an address */
    uint16_t port;
    uint16_t held; /* failures not counted on their own (e.g. keys) */
} pp_conn;

/* The entry of (host, pid), created when absent; NULL when `s` is NULL or
 * pid is not a number. An entry idle for too long starts afresh. */
pp_conn *pp_conn_get(mm_parse_state *s, mm_span host, mm_span pid,
                     int64_t ts_ms);
void pp_conn_forget(pp_conn *c); /* NULL is a no-op */

/* sshd (and Dropbear) with the connection of its line, or NULL. */
mm_rc pp_sshd_conn(const char *p, const char *e, pp_conn *c, mm_event *ev);
mm_rc pp_dropbear(const char *p, const char *e, pp_conn *c, mm_event *ev);

/* Mail, file and database servers (mail.c, samba.c, mssql.c). */
int pp_mail_program(mm_span prog); /* kind (1..4) by syslog tag, 0 none */
int pp_mail_text(const char *p, const char *e); /* kind by content, 0 none */
mm_rc pp_mail(int kind, const char *p, const char *e, mm_event *ev);
bool pp_samba_probe(const char *p, const char *e);
bool pp_samba_header(const char *p, const char *e); /* log.smbd stamp line */
pp_msg_fn pp_samba;
bool pp_exchange_probe(const char *p, const char *e);
pp_line_fn pp_exchange_line;
bool pp_mssql_probe(const char *p, const char *e);
pp_msg_fn pp_mssql;

#endif /* MM_PARSE_INT_H */
