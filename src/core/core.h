/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core.h — mamori's shared vocabulary: status codes, caller-owned errors,
 * limits, byte spans, addresses, time, bounded buffers with JSON helpers,
 * the line reader, and the one normalised event every parser fills.
 *
 * Nothing here allocates per event, prints, or keeps global state.
 */
#ifndef MM_CORE_H
#define MM_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MM_VERSION "0.1.0"

/* ---- status codes ------------------------------------------------------ */

typedef enum mm_rc {
    MM_OK = 0,
    MM_SKIP,      /* input understood but carries no event (not an error) */
    MM_EOF,       /* no more input */
    MM_AGAIN,     /* partial input: more bytes needed */
    MM_EPARSE,    /* input malformed */
    MM_EINVAL,    /* bad argument or configuration value */
    MM_ENOMEM,    /* allocation failed */
    MM_ELIMIT,    /* a size or count cap was hit */
    MM_EIO,       /* operating-system I/O error (errno kept by caller) */
    MM_ENOTFOUND, /* named thing does not exist */
    MM_EINTERNAL  /* a library call failed in an unexpected way */
} mm_rc;

/* Stable lower-case name of a status code, e.g. "eparse". */
const char *mm_rc_name(mm_rc rc);

/* ---- limits (default, and the threat each one guards) ------------------ */

/* Longest log line kept; longer lines are cut and flagged (memory blow-up). */
#define MM_LINE_MAX (64u * 1024u)
/* Read-buffer size of the line reader (throughput vs memory). */
#define MM_READ_BUF (1024u * 1024u)
/* Longest value of one config or rule field. */
#define MM_FIELD_MAX 4096u

/* ---- errors: caller-owned, written only on failure --------------------- */

typedef struct mm_err {
    char file[256]; /* input file (or "-", "<arg>") the problem is in */
    unsigned line;  /* 1-based line, 0 if not applicable */
    unsigned col;   /* 1-based column, 0 if not applicable */
    char msg[512];  /* what is wrong, one sentence, no trailing newline */
} mm_err;

/* Records a problem; `err` may be NULL. Returns `rc` so callers can write
 * `return mm_err_set(err, MM_EPARSE, path, line, "...")`. */
mm_rc mm_err_set(mm_err *err, mm_rc rc, const char *file, unsigned line,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Formats as "file:line:col: msg" (parts that are unset are left out). */
void mm_err_format(const mm_err *err, char *out, size_t outlen);

/* ---- spans ------------------------------------------------------------- */

/* A view into someone else's bytes; never NUL-terminated. */
typedef struct mm_span {
    const char *p;
    uint32_t len;
} mm_span;

static inline mm_span mm_span_make(const char *p, size_t len)
{
    mm_span s = {p, (uint32_t)len};
    return s;
}
bool mm_span_eq(mm_span s, const char *cstr);
/* Copies into `out` (NUL-terminated, cut to outlen-1). Returns bytes copied.
 */
size_t mm_span_copy(mm_span s, char *out, size_t outlen);

/* ---- addresses --------------------------------------------------------- */

typedef struct mm_addr {
    uint8_t family; /* 0 = none, 4 = IPv4 (bytes[0..3]), 6 = IPv6 */
    uint8_t bytes[16];
} mm_addr;

/* Parses a textual IPv4 or IPv6 address (no brackets, no port, no zone).
 * IPv4-mapped IPv6 (::ffff:a.b.c.d) is normalised to IPv4 so that
 * indicator sets match either spelling. Returns MM_OK or MM_EPARSE. */
mm_rc mm_addr_parse(const char *s, size_t len, mm_addr *out);
/* Writes the canonical text form; `out` needs 46 bytes. Returns its length. */
size_t mm_addr_format(const mm_addr *a, char *out, size_t outlen);
bool mm_addr_eq(const mm_addr *a, const mm_addr *b);
/* True for private, loopback, link-local, CGNAT, multicast, documentation
 * and other reserved ranges that must never be shared as indicators. */
bool mm_addr_is_reserved(const mm_addr *a);

/* ---- time -------------------------------------------------------------- */

/* Seconds since the epoch for a UTC civil time (no libc time zone state). */
int64_t mm_time_from_civil(int year, int month, int day, int hour, int min,
                           int sec);
/* Month from a three-letter English abbreviation ("Jan" = 1); 0 if none. */
int mm_time_month(const char *p);
/* Formats milliseconds since the epoch as RFC 3339 UTC
 * ("2015-05-17T10:05:03.000Z"); `out` needs 25 bytes. */
size_t mm_time_format(int64_t ts_ms, char *out, size_t outlen);
/* Parses "+0900", "-07:00", "Z" into seconds east of UTC. */
mm_rc mm_time_parse_offset(const char *p, size_t len, int *offset_s);

/* ---- bounded growable buffer ------------------------------------------- */

typedef struct mm_buf {
    char *data; /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
    size_t max; /* ceiling; appends beyond it fail with MM_ELIMIT */
} mm_buf;

void mm_buf_init(mm_buf *b, size_t max);
void mm_buf_free(mm_buf *b);
void mm_buf_reset(mm_buf *b); /* keeps the allocation */
mm_rc mm_buf_append(mm_buf *b, const void *p, size_t n);
mm_rc mm_buf_puts(mm_buf *b, const char *s);
mm_rc mm_buf_printf(mm_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends `p` as a JSON string with quotes; control bytes are escaped and
 * invalid UTF-8 is replaced by U+FFFD, so any input gives valid JSON. */
mm_rc mm_buf_json_str(mm_buf *b, const char *p, size_t n);

/* ---- line reader ------------------------------------------------------- */

/* Reads lines from a file descriptor with memchr; drops a trailing CR; cuts
 * lines longer than max_line and flags them (the rest of such a line is
 * skipped, never silently joined to the next). */
typedef struct mm_lines {
    int fd;
    char *buf;
    size_t cap;
    size_t start; /* first unconsumed byte in buf */
    size_t end;   /* one past the last byte read */
    size_t max_line;
    bool eof;
    bool follow;       /* at EOF keep a partial last line for later */
    bool skipping;     /* inside the tail of an over-long line */
    uint64_t consumed; /* file offset just after the last returned line */
    uint64_t lineno;   /* 1-based number of the last returned line */
} mm_lines;

/* `fd` stays owned by the caller. max_line 0 means MM_LINE_MAX. */
mm_rc mm_lines_init(mm_lines *lr, int fd, size_t max_line);
void mm_lines_fini(mm_lines *lr);
/* Returns MM_OK with `*line` valid until the next call, MM_EOF at the end
 * (in follow mode: no complete line yet; call again when the file grows),
 * or MM_EIO. `*truncated` is set when the line was cut at max_line. */
mm_rc mm_lines_next(mm_lines *lr, mm_span *line, bool *truncated);

/* ---- the normalised event ---------------------------------------------- */

/* Which parser produced the event (ECS event.dataset). */
typedef enum mm_dataset {
    MM_DS_NONE = 0,
    MM_DS_SSHD,       /* "sshd" */
    MM_DS_WEB_ACCESS, /* "web.access" */
    MM_DS_WEB_ERROR,  /* "web.error" */
    MM_DS_NETFILTER,  /* "netfilter" (iptables / nftables kernel log) */
    MM_DS_FORTIGATE,  /* "fortigate" */
    MM_DS_KV,         /* "kv" (generic key=value firewall/UTM) */
    /* Authentication sources (issue 9); parsers fill them in. */
    MM_DS_WINDOWS,    /* "windows" (Security/System/RDP event logs) */
    MM_DS_PANOS,      /* "panos" (Palo Alto Networks) */
    MM_DS_CISCO_ASA,  /* "cisco.asa" (ASA / FTD) */
    MM_DS_SONICWALL,  /* "sonicwall" */
    MM_DS_PULSE,      /* "pulse_secure" (Ivanti / Pulse Connect Secure) */
    MM_DS_OPENVPN,    /* "openvpn" */
    MM_DS_YAMAHA,     /* "yamaha.rtx" (YAMAHA RTX/NVR routers) */
    MM_DS_POSTFIX,    /* "postfix" */
    MM_DS_DOVECOT,    /* "dovecot" */
    MM_DS_EXCHANGE,   /* "exchange" (IMAP/POP/SMTP protocol logs) */
    MM_DS_SAMBA,      /* "samba" */
    MM_DS_MSSQL,      /* "mssql" */
    MM_DS_M365,       /* "azure.signinlogs" (Entra ID / Microsoft 365) */
    MM_DS_GWORKSPACE, /* "google_workspace.login" */
    MM_DS_MAIL_OTHER, /* "mail" (exim, courier and other MTAs/IMAP) */
    MM_DS_COUNT
} mm_dataset;

/* ECS event.category. */
typedef enum mm_category {
    MM_CAT_NONE = 0,
    MM_CAT_AUTHENTICATION, /* "authentication" */
    MM_CAT_WEB,            /* "web" */
    MM_CAT_NETWORK,        /* "network" */
    MM_CAT_IAM,            /* "iam" (accounts and groups changed) */
    MM_CAT_CONFIGURATION,  /* "configuration" (services, tasks, logs) */
    MM_CAT_COUNT
} mm_category;

/* ECS event.action; names are stable and used by rules. */
typedef enum mm_action {
    MM_ACT_NONE = 0,
    MM_ACT_AUTH_FAILURE,   /* "authentication_failure" */
    MM_ACT_INVALID_USER,   /* "invalid_user" */
    MM_ACT_AUTH_SUCCESS,   /* "authentication_success" */
    MM_ACT_NO_IDENT,       /* "no_identification" (scanner) */
    MM_ACT_PREAUTH_CLOSE,  /* "preauth_disconnect" */
    MM_ACT_TOO_MANY_AUTH,  /* "too_many_authentication_failures" */
    MM_ACT_HTTP_REQUEST,   /* "http_request" */
    MM_ACT_HTTP_ERROR,     /* "http_error" (error log entry) */
    MM_ACT_FIREWALL_DENY,  /* "firewall_deny" */
    MM_ACT_FIREWALL_ALLOW, /* "firewall_allow" */
    MM_ACT_FIREWALL_LOG,   /* "firewall_log" (action not stated) */
    /* UTM / IPS / anti-virus detections (FortiGate, PAN-OS, ASA, SonicWall) */
    MM_ACT_THREAT_DETECTED, /* "threat_detected" (rated below critical) */
    MM_ACT_THREAT_CRITICAL, /* "threat_critical" (the device rated it critical)
                             */
    /* Windows host events (issue 9) */
    MM_ACT_ACCOUNT_LOCKED,     /* "account_locked" (4740) */
    MM_ACT_EXPLICIT_CRED,      /* "explicit_credential_logon" (4648) */
    MM_ACT_USER_CREATED,       /* "user_account_created" (4720) */
    MM_ACT_GROUP_MEMBER_ADDED, /* "group_member_added" (4728/4732/4756) */
    MM_ACT_LOG_CLEARED,        /* "audit_log_cleared" (1102, 104) */
    MM_ACT_SERVICE_INSTALLED,  /* "service_installed" (7045) */
    MM_ACT_TASK_CREATED,       /* "scheduled_task_created" (4698) */
    MM_ACT_SESSION_END,        /* "remote_session_ended" (RD Gateway 303) */
    MM_ACT_COUNT
} mm_action;

/* Which service an authentication or network event concerns (ECS
 * service.type), so one brute-force family can count attempts per service
 * whatever log they came from. Names are stable and used by rules. */
typedef enum mm_service {
    MM_SVC_NONE = 0,
    MM_SVC_SSH,     /* "ssh" */
    MM_SVC_RDP,     /* "rdp" (Remote Desktop, RD Gateway) */
    MM_SVC_VPN,     /* "vpn" (SSL-VPN, IPsec, L2TP, PPTP, OpenVPN) */
    MM_SVC_MAIL,    /* "mail" (SMTP AUTH, IMAP, POP3) */
    MM_SVC_SMB,     /* "smb" (file sharing, Windows network logon) */
    MM_SVC_CLOUD,   /* "cloud" (Microsoft 365, Google Workspace) */
    MM_SVC_DB,      /* "db" (SQL Server and other databases) */
    MM_SVC_WEB,     /* "web" (web application logins) */
    MM_SVC_ADMIN,   /* "admin" (appliance/router management login) */
    MM_SVC_WINDOWS, /* "windows" (other Windows logons: Kerberos, NTLM) */
    MM_SVC_COUNT
} mm_service;

typedef enum mm_outcome {
    MM_OUT_UNKNOWN = 0, /* "unknown" */
    MM_OUT_SUCCESS,     /* "success" */
    MM_OUT_FAILURE,     /* "failure" */
    MM_OUT_COUNT
} mm_outcome;

/* Anomaly bits: things a parser noticed about the line itself. */
#define MM_ANOM_TRUNCATED (1u << 0) /* line cut at MM_LINE_MAX */
#define MM_ANOM_NUL (1u << 1)       /* NUL byte inside the line */
#define MM_ANOM_BAD_UTF8 (1u << 2)  /* invalid UTF-8 */
#define MM_ANOM_HOSTNAME (1u << 3)  /* peer given as host name, not address */

/* One normalised event. Fixed size; spans point into the input line and are
 * valid only as long as it is — whoever keeps an event copies what it needs.
 * A zeroed struct is an empty event. */
typedef struct mm_event {
    int64_t ts_ms; /* @timestamp: ms since epoch, UTC; 0 = unknown */
    mm_dataset dataset;
    mm_category category;
    mm_action action;
    mm_outcome outcome;
    uint32_t count;       /* occurrences this line stands for (>= 1) */
    uint32_t anomalies;   /* MM_ANOM_* */
    mm_service service;   /* service.type, MM_SVC_NONE = not stated */
    uint32_t code;        /* event.code (e.g. a Windows event id), 0 = none */
    mm_addr src;          /* source.ip */
    mm_addr dst;          /* destination.ip */
    uint16_t src_port;    /* source.port, 0 = unknown */
    uint16_t dst_port;    /* destination.port, 0 = unknown */
    uint8_t ip_proto;     /* network.iana_number: 6 tcp, 17 udp, 1 icmp... */
    uint16_t status;      /* http.response.status_code, 0 = none */
    uint64_t bytes;       /* http.response.body.bytes / network.bytes */
    mm_span src_domain;   /* source.domain (host name given for the peer) */
    mm_span dst_domain;   /* destination.domain (e.g. a queried name) */
    mm_span user;         /* user.name */
    mm_span host;         /* host.name (the logging machine) */
    mm_span process;      /* process.name */
    mm_span method;       /* http.request.method */
    mm_span path;         /* url.path */
    mm_span query;        /* url.query (without '?') */
    mm_span user_agent;   /* user_agent.original */
    mm_span referrer;     /* http.request.referrer */
    mm_span message;      /* message: the payload after any syslog header */
    uint8_t auth_factors; /* on a successful sign-in: 1 = single factor
                             (password only; no MFA), 2 = multi-factor,
                             0 = not stated (mamori.auth_factors) */
    mm_span executable;   /* process.executable (Windows: a service's
                             ImagePath, a scheduled task's command) */
    mm_span group;        /* group.name (Windows group membership events) */
} mm_event;

const char *mm_dataset_name(mm_dataset d);
const char *mm_category_name(mm_category c);
const char *mm_action_name(mm_action a);
const char *mm_outcome_name(mm_outcome o);
const char *mm_service_name(mm_service s);
/* Reverse lookups for rule files; return false when the name is unknown. */
bool mm_action_from_name(const char *name, size_t len, mm_action *out);
bool mm_dataset_from_name(const char *name, size_t len, mm_dataset *out);
bool mm_category_from_name(const char *name, size_t len, mm_category *out);
bool mm_service_from_name(const char *name, size_t len, mm_service *out);

/* Appends the event as one JSON object with nested ECS field names
 * ({"@timestamp":…, "event":{…}, "source":{"ip":…}, …}); absent fields are
 * left out. No trailing newline. */
mm_rc mm_event_to_json(const mm_event *ev, mm_buf *out);
/* Appends the ECS members only (no braces), for callers that add fields. */
mm_rc mm_event_json_members(const mm_event *ev, mm_buf *out);
/* ECS network.transport of an IP protocol number ("tcp", …), NULL when it
 * has none. */
const char *mm_transport_name(uint8_t proto);
/* Name of anomaly bit i (1u << i of MM_ANOM_*: "truncated", …), NULL past
 * the last. */
const char *mm_anomaly_name(unsigned i);
/* Appends the "mamori" member of ev (auth factors, repeat count,
 * anomalies), after a comma when `comma`; nothing when ev has none of
 * them. *wrote says whether it appended. Shared by mm_event_to_json and
 * the de-identifier (uplink), which must write the same bytes. */
mm_rc mm_event_json_mamori(const mm_event *ev, bool comma, mm_buf *out,
                           bool *wrote);

/* ---- small hashing helper ---------------------------------------------- */

/* 64-bit keyed hash (wyhash-style mix) for hash tables. Seed it randomly
 * per process so crafted keys cannot force collisions. */
uint64_t mm_hash64(const void *p, size_t len, uint64_t seed);
/* A random 64-bit seed from getrandom(2), falling back to time and pid. */
uint64_t mm_random_seed(void);

/* ---- INI-style configuration reader (conf.c) ---------------------------- */
/*
 * Format: "[section]" or "[section label]" headers, "key = value" lines,
 * blank lines, and comments starting with '#' or ';' (at line start, or
 * after whitespace following a value). A value may be "double-quoted" to
 * keep '#' or surrounding spaces (escapes \" and \\). Keys are
 * [A-Za-z0-9_.-]+; a key before any header is an error. Lines are capped
 * at MM_FIELD_MAX bytes, files at MM_CONF_MAX_BYTES; NUL bytes are errors.
 */
#define MM_CONF_MAX_BYTES (1024u * 1024u)
#define MM_CONF_NAME_MAX 64u

typedef struct mm_conf_item {
    const char *file;    /* as passed to the reader, for errors */
    unsigned line;       /* 1-based line of this header or key */
    const char *section; /* "input" in "[input auth]" */
    const char *label;   /* "auth" in "[input auth]"; "" when absent */
    const char *key;     /* NULL when the item is the section header */
    const char *value;   /* unquoted, NUL-terminated; NULL for a header */
} mm_conf_item;

/* Called once per header and once per key; strings are valid only during
 * the call. A non-MM_OK return stops the read and is returned as is (the
 * callback fills `err`, typically with item->file and item->line). */
typedef mm_rc (*mm_conf_fn)(const mm_conf_item *item, void *ud, mm_err *err);

/* Reads INI text; `file` names it in errors. Syntax errors return
 * MM_EPARSE with err = file:line: reason. Allocates nothing. */
mm_rc mm_conf_parse(const char *file, const char *text, size_t len,
                    mm_conf_fn fn, void *ud, mm_err *err);
/* mm_file_read (at most MM_CONF_MAX_BYTES) + mm_conf_parse. */
mm_rc mm_conf_parse_file(const char *path, mm_conf_fn fn, void *ud,
                         mm_err *err);

/* ---- CIDR prefixes (cidr.c) --------------------------------------------- */

/* An address prefix with its host bits cleared. IPv4-mapped IPv6 prefixes
 * are kept as IPv4, like mm_addr: ::ffff:10.0.0.0/104 is 10.0.0.0/8. */
typedef struct mm_cidr {
    mm_addr addr;
    unsigned bits; /* 0..32 for IPv4, 0..128 for IPv6 */
} mm_cidr;

/* Parses "a.b.c.d/n", "x::/n", "::ffff:a.b.c.d/n" (n = 96..128) or a bare
 * address (/32 or /128). The length is 1-3 decimal digits. Returns MM_OK or
 * MM_EPARSE; on failure `*why` (if not NULL) gets a static English reason
 * ("not an IP address", "bad prefix length", "prefix length out of
 * range"). The one CIDR parser of mamori: every module uses it. */
mm_rc mm_cidr_parse_why(const char *s, size_t len, mm_cidr *out,
                        const char **why);
/* mm_cidr_parse_why without the reason. */
mm_rc mm_cidr_parse(const char *s, size_t len, mm_cidr *out);
/* True when `a` lies inside `c` (same family, first c->bits bits equal). */
bool mm_cidr_contains(const mm_cidr *c, const mm_addr *a);
/* True when every address of `inner` lies inside `outer`. */
bool mm_cidr_within(const mm_cidr *inner, const mm_cidr *outer);

/* ---- whole files (file.c) ------------------------------------------------
 */

/* Default cap of mm_file_read when `max` is 0 (memory blow-up). */
#define MM_FILE_MAX_DEFAULT (16u * 1024u * 1024u)

/* Reads a whole regular file of at most `max` bytes (0 = MM_FILE_MAX_DEFAULT)
 * into a malloc'd, NUL-terminated buffer the caller frees (also for an
 * empty file). `len` may be NULL. Errors: MM_ENOTFOUND (no such file),
 * MM_EIO (unreadable, not a regular file), MM_ELIMIT (larger than max),
 * MM_ENOMEM; `*out` is NULL then. */
mm_rc mm_file_read(const char *path, size_t max, char **out, size_t *len,
                   mm_err *err);
/* Turns a whole file's text (NUL-terminated, `len` bytes) into what `ud`
 * points at; `path` names the file in errors. */
typedef mm_rc (*mm_file_parse_fn)(const char *text, size_t len,
                                  const char *path, void *ud, mm_err *err);
/* mm_file_read (at most `max` bytes) + `parse`, then frees the text: the
 * "load" of every "parse"-from-text loader. Returns mm_file_read's error,
 * else what `parse` returns. */
mm_rc mm_file_parse(const char *path, size_t max, mm_file_parse_fn parse,
                    void *ud, mm_err *err);
/* Replaces `path` atomically: writes "<path>.tmp", fsyncs it, renames it
 * over `path`, then fsyncs the directory so the rename survives a crash.
 * `mode` is the new file's permission (e.g. 0600). Nothing is left
 * half-written; on failure the temporary file is removed. MM_EIO or
 * MM_EINVAL (path too long). */
mm_rc mm_file_write_atomic(const char *path, const void *data, size_t len,
                           unsigned mode, mm_err *err);

/* ---- clocks (time.c) -----------------------------------------------------
 */

/* Wall-clock time since the epoch (CLOCK_REALTIME). */
int64_t mm_now_ms(void);
int64_t mm_now_s(void);
/* Monotonic milliseconds for measuring intervals (CLOCK_MONOTONIC). */
int64_t mm_mono_ms(void);
/* Monotonic nanoseconds, for timing short operations. */
int64_t mm_mono_ns(void);

/* ---- logging -------------------------------------------------------------
 */

/* Severity of a log message handed to a library's log callback. */
typedef enum mm_log_level {
    MM_LOG_INFO = 0,
    MM_LOG_WARN,
    MM_LOG_ERROR
} mm_log_level;
/* The one logger signature: libraries never print, they call this with a
 * finished message (Japanese / English, no trailing newline). */
typedef void (*mm_log_fn)(void *ud, mm_log_level level, const char *msg);

/* ---- growable arrays (mem.c) ---------------------------------------------
 */

/* The capacity that holds `need` elements: `cap` (or `first` when cap is
 * 0) doubled until it suffices. */
size_t mm_grow_cap(size_t cap, size_t need, size_t first);
/* Room for `need` elements of `size` bytes in the array v of *cap: when
 * need > *cap the array is reallocated to mm_grow_cap() elements and *cap
 * updated. Returns the (possibly moved) array, or NULL when out of memory
 * (v and *cap are then unchanged and v must still be freed). */
void *mm_grow(void *v, size_t *cap, size_t need, size_t size, size_t first);
/* Records of `size` bytes copied into one growable array: what a store
 * listing hands to its callback, kept after the call. Start as
 * {NULL, 0, 0, sizeof(T)}; free(v) when done. */
typedef struct mm_vec {
    void *v;
    size_t n, cap, size;
} mm_vec;
/* Appends a copy of the vector's `size` bytes at rec. MM_ENOMEM leaves the
 * vector as it was. */
mm_rc mm_vec_push(mm_vec *vec, const void *rec);
/* Reallocates the array whose pointer is at pp (a `T **`) to n elements of
 * `size` bytes, for arrays that share one capacity. MM_ENOMEM (also on
 * overflow or n == 0) leaves *pp unchanged. */
mm_rc mm_resize(void *pp, size_t n, size_t size);

/* ---- positioned reads (file.c) -------------------------------------------
 */

/* Reads up to `len` bytes at offset `off`, retrying short reads and EINTR
 * until `len` bytes or the end of the file; *got says how many. MM_EIO on
 * a read error (*got then holds what was read before it). */
mm_rc mm_pread_full(int fd, void *buf, size_t len, uint64_t off, size_t *got);

/* ---- fixed-form text (text.c) -------------------------------------------
 */

/* Exactly n (<= 9) decimal digits at p, their value in *v. */
bool mm_digits(const char *p, size_t n, int *v);
/* A letter, digit, '.', '_' or '-': the characters of identifiers and
 * host names. */
bool mm_name_char(char c);
/* Whether the n bytes at p are a name: 1..max of them, each mm_name_char. */
bool mm_name_valid(const char *p, size_t n, size_t max);
/* Index of the `len` bytes at `name` in a table of n names (none NULL), -1
 * when absent: the reverse of a names table. */
int mm_name_index(const char *const *table, unsigned n, const char *name,
                  size_t len);

/* mm_err_set for a caller's own variadic error helper (file:line of its
 * input, a fixed status). */
mm_rc mm_err_vset(mm_err *err, mm_rc rc, const char *file, unsigned line,
                  const char *fmt, va_list ap);

/* ---- event JSON with hooks (event.c) -------------------------------------
 * The one writer of an event's ECS JSON: mm_event_to_json uses it plain,
 * the uplink's de-identifier with hooks that hash, scrub or drop fields as
 * they are written. Objects open lazily: one whose members were all left
 * out is not written at all. */
typedef struct mm_jw {
    mm_buf *b;
    mm_rc rc;
    bool first;             /* no member yet in the innermost written object */
    unsigned depth, open;   /* objects opened / already written */
    const char *pending[8]; /* keys of the objects opened, by depth */
} mm_jw;

/* A writer of members into b, as after an object's '{'. */
void mm_jw_init(mm_jw *w, mm_buf *b);
/* `"key":`, after a comma unless it starts an object (writing the objects
 * opened above it first). The value follows with mm_jw_raw. */
void mm_jw_key(mm_jw *w, const char *key);
/* Writes the objects opened so far, so they stand even if left empty. */
void mm_jw_flush(mm_jw *w);
void mm_jw_raw(mm_jw *w, const char *p, size_t n);
void mm_jw_str(mm_jw *w, const char *key, const char *p, size_t n);
void mm_jw_uint(mm_jw *w, const char *key, uint64_t v);
void mm_jw_open(mm_jw *w, const char *key);
void mm_jw_close(mm_jw *w);

/* The free-text members of an event, as a hook sees them. */
typedef enum mm_ev_text {
    MM_EVT_USER,     /* user.name */
    MM_EVT_HOST,     /* host.name */
    MM_EVT_PROCESS,  /* process.name */
    MM_EVT_EXE,      /* process.executable */
    MM_EVT_GROUP,    /* group.name */
    MM_EVT_METHOD,   /* http.request.method */
    MM_EVT_REFERRER, /* http.request.referrer */
    MM_EVT_PATH,     /* url.path */
    MM_EVT_QUERY,    /* url.query */
    MM_EVT_UA,       /* user_agent.original */
    MM_EVT_MESSAGE,  /* message */
} mm_ev_text;

/* What a caller changes; a NULL hook writes the field as it is. */
typedef struct mm_event_json_hooks {
    /* Writes the non-empty text field `f` as member `key`, or nothing. */
    void (*text)(void *ud, mm_jw *w, mm_ev_text f, const char *key, mm_span s);
    /* Writes the endpoint object `name` ("source", "destination"). */
    void (*endpoint)(void *ud, mm_jw *w, const char *name, const mm_addr *ip,
                     uint16_t port, mm_span domain);
    /* Adds members at the end of object `obj` ("event"; NULL: the event
     * itself). */
    void (*end)(void *ud, mm_jw *w, const char *obj);
    void *ud;
} mm_event_json_hooks;

/* The event's ECS members through w, changed by h (NULL: none). */
mm_rc mm_event_json_write(const mm_event *ev, mm_jw *w,
                          const mm_event_json_hooks *h);

/* ---- growable arrays, one more element (mem.c) ---------------------------
 */

/* Room for element n of the array whose pointer is at pp (a `T **`) of
 * *cap elements of `size` bytes: grows it as mm_grow(.., n + 1, ..), stores
 * the (possibly moved) array at *pp and returns element n, zeroed. The
 * caller counts it (n++). NULL when out of memory: *pp and *cap are then
 * unchanged. */
void *mm_grow_slot(void *pp, size_t n, size_t *cap, size_t size, size_t first);

#endif /* MM_CORE_H */
