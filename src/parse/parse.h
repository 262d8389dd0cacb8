/* SPDX-License-Identifier: Apache-2.0 */
/*
 * parse.h — log lines in, normalised events out.
 *
 * Every parser is hand-written and zero-copy: it takes a byte slice, fills a
 * caller-owned mm_event whose spans point into that slice, allocates nothing,
 * prints nothing and keeps no state between lines. Results:
 *   MM_OK      the line yielded an event
 *   MM_SKIP    the line was understood but carries nothing to detect on
 *              (e.g. an sshd "Received disconnect" line, a notice in an
 *              error log); counted apart from unparsed lines
 *   MM_EPARSE  the line is not in the expected format (counted as unparsed)
 */
#ifndef MM_PARSE_H
#define MM_PARSE_H

#include "core.h"

/* Which format to expect. MM_LOG_AUTO recognises each line on its own. */
typedef enum mm_logtype {
    MM_LOG_AUTO = 0,
    MM_LOG_SYSLOG,     /* RFC 3164/5424 or journalctl -o short; payload
                          dispatched by program: sshd, kernel (netfilter) */
    MM_LOG_SSHD,       /* same as SYSLOG, but only sshd lines count */
    MM_LOG_WEB_ACCESS, /* Apache/nginx common or combined (or --web-format) */
    MM_LOG_WEB_ERROR,  /* Apache 2.2/2.4 and nginx error logs */
    MM_LOG_NETFILTER,  /* iptables/nftables kernel lines with SRC= DST= */
    MM_LOG_FORTIGATE,  /* FortiGate key=value syslog */
    MM_LOG_KV,         /* generic key=value (src=, dst=, sport=, ...) */
    MM_LOG_CLOUD,      /* JSON sign-ins: Entra ID (Graph / Azure Monitor),
                          Google Workspace login audit */
    MM_LOG_WINDOWS,    /* Windows events: event XML, Winlogbeat/NXLog JSON,
                          Snare/NXLog MSWinEventLog (also behind syslog) */
    MM_LOG_COUNT
} mm_logtype;

/* Stable names: "auto", "syslog", "sshd", "web-access", "web-error",
 * "netfilter", "fortigate", "kv", "cloud" ("unknown" for other values). The
 * reverse lookup also accepts '_' for '-'; false (and *out untouched) when the
 * name is unknown or NULL. */
const char *mm_logtype_name(mm_logtype t);
bool mm_logtype_from_name(const char *name, mm_logtype *out);

/* A compiled web access-log format (Apache LogFormat subset: %h %a %l %u
 * %t %r %>s %s %b %B %{Referer}i %{User-Agent}i %{X-Forwarded-For}i %D %T
 * %v %m %U %q %H and literal text). NULL means "common or combined,
 * recognised per line". */
typedef struct mm_webfmt mm_webfmt;
/* On MM_OK *out is a new format owned by the caller (mm_webfmt_free; it
 * is immutable, so threads may share it). On MM_EINVAL (unsupported
 * directive, two fields with nothing between them, no field, longer than
 * 1024 bytes or 64 parts) or MM_ENOMEM, *out is NULL and `err` (may be
 * NULL) says what and at which column. */
mm_rc mm_webfmt_compile(const char *spec, mm_webfmt **out, mm_err *err);
void mm_webfmt_free(mm_webfmt *f); /* NULL is a no-op */

/* Memory a parser keeps across the lines of one input (one file, one
 * syslog source): today the sshd connections by (host, program, PID), so
 * that a line without an address ("Disconnecting: Too many authentication
 * failures", "fatal: Read from socket failed ... [preauth]") is given the
 * address an earlier line of the same connection logged, and so that the
 * lines of one attempt count once (docs/formats.md, "sshd connections").
 * Fixed memory chosen at creation: a set-associative table (4 ways) whose
 * oldest entry is reused when a set is full; entries idle for more than
 * MM_PARSE_STATE_IDLE_S of log time are forgotten. Not thread-safe: one
 * state per input, used by one thread. */
typedef struct mm_parse_state mm_parse_state;
#define MM_PARSE_STATE_SLOTS 4096 /* default: 192 KiB (48-byte entries) */
#define MM_PARSE_STATE_IDLE_S 1800
/* slots = 0 means MM_PARSE_STATE_SLOTS (rounded up to a power of two,
 * at least 16, at most 1 << 20). MM_OK or MM_ENOMEM (*out = NULL). */
mm_rc mm_parse_state_new(size_t slots, mm_parse_state **out);
void mm_parse_state_free(mm_parse_state *s); /* NULL is a no-op */
/* Forgets every connection (e.g. when the input is rotated). */
void mm_parse_state_clear(mm_parse_state *s);

/* Settings that apply to every line of one input. Zero = defaults. */
typedef struct mm_parse_opts {
    int year; /* for RFC 3164 stamps without a year; 0 = this year */
    int64_t not_after_s; /* when set (the file's modification time): a
                            stamp without a year more than a day after it
                            belongs to the year before */
    int tz_offset_s;     /* zone of stamps without an offset, seconds east */
    const mm_webfmt *web_format; /* custom access-log format, or NULL */
    bool trust_xff; /* client address from X-Forwarded-For when present */
    mm_parse_state *state; /* memory across lines (owned by the caller), or
                              NULL: every line parsed on its own */
} mm_parse_opts;

/* Parses one line (without its newline) of the given type into `ev`
 * (which it zeroes first). `ev->count` is at least 1; "message repeated N
 * times: [ ... ]" sets it to N and parses the inner message.
 * `opts` may be NULL (defaults). A trailing CR is ignored. The line need
 * not be NUL-terminated and is never read past `len`; every span of `ev`
 * points inside it. ev->anomalies gets MM_ANOM_NUL / MM_ANOM_BAD_UTF8 /
 * MM_ANOM_HOSTNAME (the caller adds MM_ANOM_TRUNCATED). `message` is the
 * payload after any syslog header, else the whole line. On MM_SKIP only
 * ts_ms, dataset, host, process, message and anomalies are kept; on
 * MM_EPARSE only anomalies, and message = the whole line. MM_EINVAL for
 * an unknown type. Formats and mappings: docs/formats.md. */
mm_rc mm_parse_line(const mm_parse_opts *opts, mm_logtype type,
                    const char *line, size_t len, mm_event *ev);

/* Counters a reader keeps per input, reported as "lines it could not parse,
 * per source" so format gaps are never silent. */
typedef struct mm_parse_stats {
    uint64_t lines;
    uint64_t events;
    uint64_t skipped;
    uint64_t unparsed;
    uint64_t truncated;
} mm_parse_stats;

/* ---- Windows .evtx files (evtx.c, libevtx) ---------------------------- */

/* A record rendered larger than this is skipped (as unreadable). */
#define MM_EVTX_RECORD_MAX (1024u * 1024u)

typedef struct mm_evtx mm_evtx;
/* True when `head` (the first n bytes of a file) is an EVTX header. */
bool mm_evtx_is(const void *head, size_t n);
/* Opens an .evtx file for reading. MM_EPARSE (with libevtx's reason in
 * `err`) when it is not one, MM_ENOMEM. */
mm_rc mm_evtx_open(const char *path, mm_evtx **out, mm_err *err);
/* Next record as UTF-8 event XML, to be parsed with MM_LOG_WINDOWS; `xml`
 * is valid until the next call, `recno` is the 1-based record index
 * (live records only, like evtxexport). MM_EOF at the end. Unreadable records
 * are skipped and counted (mm_evtx_skipped). */
mm_rc mm_evtx_next(mm_evtx *x, mm_span *xml, uint64_t *recno);
uint64_t mm_evtx_skipped(const mm_evtx *x);
void mm_evtx_free(mm_evtx *x); /* NULL is a no-op */

#endif /* MM_PARSE_H */
