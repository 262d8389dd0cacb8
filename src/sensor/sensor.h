/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sensor.h — the sensor daemon: follows log files (rotation, truncation,
 * restart without loss or duplicates) and syslog over UDP/TCP, runs every
 * line through parse → detect, and hands alerts to a list of sinks (the
 * rotating alerts file is the first one).
 *
 * The daemon is one epoll loop on one thread. Its pieces are exported so
 * that tests can drive them without the loop:
 *   config   mm_sensor_config_load — the INI file (docs/sensor.md)
 *   follow   mm_follow — one followed file and its persisted position
 *   state    mm_sensor_state_save/load — the offsets file, written atomically
 *   framing  mm_syslog_framer — RFC 6587 octet-counting / newline framing
 *   alerts   mm_alertlog — JSON-lines file rotated at a size cap
 *   daemon   mm_sensor_new / add_sink / run / free
 */
#ifndef MM_SENSOR_H
#define MM_SENSOR_H

#include "core.h"
#include "detect.h"
#include "parse.h"
#include "uplink.h"

#include <sys/types.h>

/* ---- limits ------------------------------------------------------------- */

#define MM_SENSOR_PATH_MAX 1024u        /* longest path in the config */
#define MM_SENSOR_INPUTS_MAX 64u        /* [input] sections */
#define MM_SENSOR_IOC_MAX 32u           /* ioc = lines */
#define MM_SENSOR_ALLOW_MAX 256u        /* allow = lines */
#define MM_SENSOR_HEAD_BYTES 256u       /* bytes hashed to recognise a file */
#define MM_SYSLOG_MSG_MAX (64u * 1024u) /* largest syslog message kept */

/* ---- configuration ------------------------------------------------------ */

typedef struct mm_sensor_input {
    char name[MM_CONF_NAME_MAX]; /* [input NAME]; the source name */
    char path[MM_SENSOR_PATH_MAX];
    mm_logtype type;
    unsigned line; /* where the section starts, for messages */
} mm_sensor_input;

typedef struct mm_sensor_config {
    char file[MM_SENSOR_PATH_MAX]; /* the config file itself */
    /* [sensor] */
    char state_dir[MM_SENSOR_PATH_MAX];
    char alerts[MM_SENSOR_PATH_MAX]; /* default <state_dir>/alerts.json */
    uint64_t alerts_max_bytes;
    unsigned alerts_keep;
    char rules[MM_SENSOR_PATH_MAX]; /* file or directory; "" = built-in */
    unsigned n_ioc;
    char ioc[MM_SENSOR_IOC_MAX][MM_SENSOR_PATH_MAX];
    unsigned n_allow;
    char allow[MM_SENSOR_ALLOW_MAX][64];
    int year;
    int tz_offset_s;
    unsigned state_interval_s;
    unsigned status_interval_s;
    unsigned rescan_ms;
    bool start_at_end; /* files without saved state: start at their end */
    /* [input NAME] */
    unsigned n_inputs;
    mm_sensor_input inputs[MM_SENSOR_INPUTS_MAX];
    /* [syslog] */
    char syslog_udp[128]; /* "host:port", "" = off */
    char syslog_tcp[128];
    mm_logtype syslog_type;
    unsigned syslog_max_message;
    unsigned syslog_max_connections;
    /* [uplink] (docs/uplink.md): keys go to mm_uplink_conf_set; spool_dir
     * defaults to <state_dir>/spool and the uplink's state_dir to the
     * sensor's. With feed on, feed_ioc (<uplink state_dir>/feed.txt) is
     * loaded as one more indicator file whenever it exists. */
    bool uplink_on;
    unsigned uplink_line; /* where [uplink] starts, for messages */
    mm_uplink_conf uplink;
    char feed_ioc[MM_SENSOR_PATH_MAX];
    /* [entra] (entra.c): the Graph sign-in puller; its output file is
     * added as input "entra" of type cloud */
    bool entra_on;
    unsigned entra_line;
    struct mm_entra_conf *entra; /* owned; NULL when off */
    /* [syslog] TCP discipline (issue 12 §2) */
    unsigned syslog_max_per_ip; /* connections from one address (16) */
    unsigned syslog_idle_s;     /* silent connection closed after (60) */
    /* [block] (src/block, docs/block.md): the feed and own detections
     * applied to mamori's nftables set; dry run unless enabled = yes */
    bool block_on;
    unsigned block_line;
    struct mm_block_conf *block; /* owned; NULL when off */
} mm_sensor_config;

/* Reads and checks the config file. On success *out is a new config (free
 * with mm_sensor_config_free). A bad file returns MM_EPARSE / MM_EINVAL
 * with err = file:line: reason (unknown section or key, bad value, value
 * out of bounds, missing required key, duplicate); an unreadable file
 * MM_ENOTFOUND / MM_EIO. */
mm_rc mm_sensor_config_load(const char *path, mm_sensor_config **out,
                            mm_err *err);
/* Same from text in memory; `name` is used in messages. */
mm_rc mm_sensor_config_parse(const char *name, const char *text, size_t len,
                             mm_sensor_config **out, mm_err *err);
void mm_sensor_config_free(mm_sensor_config *cfg);

/* Builds and compiles the ruleset the config names (rules, ioc, allow).
 * Errors name the rule or indicator file and line. */
mm_rc mm_sensor_ruleset_build(const mm_sensor_config *cfg, mm_ruleset **out,
                              mm_err *err);

/* ---- one source's counters ---------------------------------------------- */

typedef struct mm_source_stats {
    mm_parse_stats parse; /* lines, events, skipped, unparsed, truncated */
    uint64_t rotations;   /* rename rotations followed */
    uint64_t truncations; /* copytruncate (or other shrink) seen */
} mm_source_stats;

/* ---- following one file ------------------------------------------------- */

/* The persisted position of one followed file: which file (device, inode
 * and a hash of its first bytes) and how far it has been read (the offset
 * just after the last complete line). */
typedef struct mm_follow_pos {
    uint64_t dev;
    uint64_t ino;
    uint64_t offset;
    uint32_t head_len;  /* bytes hashed, <= MM_SENSOR_HEAD_BYTES */
    uint64_t head_hash; /* mm_hash64(first head_len bytes, seed 0) */
    int64_t seen_ns;    /* coarse wall time at the start of the last poll
                           that read the file to its end intact: a copy
                           made before then holds nothing unread, so only
                           newer files count as its copytruncate copy */
    bool skipping;      /* offset is inside the cut-off tail of an
                           over-long line: skip to the next newline */
    bool valid;         /* false: nothing known about this file yet */
} mm_follow_pos;

typedef struct mm_follow {
    char path[MM_SENSOR_PATH_MAX];
    int fd;            /* -1 while the file does not exist */
    bool at_path;      /* fd is the file now at `path` (not a rotated one) */
    bool start_at_end; /* a first-seen file starts at its end */
    mm_follow_pos pos; /* of the file open on fd */
    uint64_t base;     /* file offset the reader started at */
    mm_lines lr;
    bool lr_ready;
    int64_t mtime_ns;   /* file's mtime when last caught up (0 = unknown) */
    uint64_t copies[4]; /* inodes of copytruncate copies already read */
    unsigned n_copies;
    mm_source_stats *stats; /* rotations / truncations are counted here */
} mm_follow;

/* Called for each complete line (without newline; `truncated` when cut at
 * MM_LINE_MAX). The line is valid only during the call. */
typedef void (*mm_line_fn)(const char *line, size_t len, bool truncated,
                           void *ud);

/* Prepares to follow `path`, resuming from `saved` (may be NULL or
 * !valid). Opens nothing yet. */
mm_rc mm_follow_init(mm_follow *f, const char *path,
                     const mm_follow_pos *saved, bool start_at_end,
                     mm_source_stats *stats);
void mm_follow_fini(mm_follow *f);

/* Reads what is new: opens the file when it appears; resumes a saved
 * position if the file (or a rotated sibling "path.*"/"path-*" with the
 * same inode or, after copytruncate, the same first bytes and a change
 * time after pos.seen_ns) is the one saved; reads a renamed-away file to its
 * end before switching to the new file at the path; restarts at 0 when the
 * file shrank or its first bytes changed. Reads at most `budget` bytes (0 = no
 * limit) and returns MM_AGAIN when more is waiting, MM_OK when caught up,
 * MM_EIO on a read error. The path is opened with O_NOFOLLOW|O_NONBLOCK:
 * a symbolic link is MM_EIO with errno ELOOP, anything but a regular file
 * (FIFO, device, directory) MM_EIO with errno EINVAL, at once. */
mm_rc mm_follow_poll(mm_follow *f, size_t budget, mm_line_fn fn, void *ud);

/* The position to persist now (offset after the last complete line). */
void mm_follow_get_pos(const mm_follow *f, mm_follow_pos *pos);

/* ---- state file --------------------------------------------------------- */

typedef struct mm_sensor_state_entry {
    char name[MM_CONF_NAME_MAX]; /* source name */
    char path[MM_SENSOR_PATH_MAX];
    mm_follow_pos pos; /* valid only for file sources */
    mm_source_stats stats;
} mm_sensor_state_entry;

/* Writes the entries as JSON to `path` atomically: a temporary file in the
 * same directory, fsync, rename over `path`, fsync of the directory. */
mm_rc mm_sensor_state_save(const char *path,
                           const mm_sensor_state_entry *entries, size_t n,
                           mm_err *err);
/* Reads a state file written by mm_sensor_state_save into a new array
 * (*out, *n; free with free()). MM_ENOTFOUND when there is none; a file
 * that is not valid state returns MM_EPARSE with err naming the file and
 * the problem (the daemon then keeps it aside and starts fresh). */
mm_rc mm_sensor_state_load(const char *path, mm_sensor_state_entry **out,
                           size_t *n, mm_err *err);

/* ---- syslog framing (RFC 6587) ------------------------------------------ */

/* Splits a TCP byte stream into syslog messages. Each frame is recognised
 * on its own (RFC 6587 section 3.4): a leading digit 1-9 means octet
 * counting ("LEN SP MSG"), anything else non-transparent framing (message
 * ends at LF). Messages longer than max_msg are cut and flagged; the rest
 * of the frame is skipped. */
typedef struct mm_syslog_framer {
    char *buf;
    size_t len;
    size_t max_msg;
    int mode;          /* 0 between frames, 1 length digits, 2 octet body,
                          3 newline body */
    uint64_t want;     /* octet body: bytes still to come */
    uint64_t declared; /* octet body: LEN of the frame */
    unsigned digits;
    bool truncated; /* current message exceeded max_msg */
} mm_syslog_framer;

mm_rc mm_syslog_framer_init(mm_syslog_framer *fr, size_t max_msg);
void mm_syslog_framer_fini(mm_syslog_framer *fr);
/* Feeds bytes; calls fn for each complete message (trailing CR/LF/NUL
 * removed). A frame that starts with digits not followed by a space (or
 * with more than 10 digits) is taken as a newline-framed message, so the
 * stream never desynchronises for good. Returns MM_OK. */
mm_rc mm_syslog_framer_feed(mm_syslog_framer *fr, const char *p, size_t n,
                            mm_line_fn fn, void *ud);
/* End of stream: hands out a pending newline-framed message that had no
 * final LF. An unfinished octet-counted frame is dropped (returns
 * MM_AGAIN so the caller can count it). */
mm_rc mm_syslog_framer_finish(mm_syslog_framer *fr, mm_line_fn fn, void *ud);

/* Parses "host:port", "[v6]:port" or "port" (host 127.0.0.1). */
mm_rc mm_sensor_parse_endpoint(const char *s, mm_addr *host, uint16_t *port);

/* ---- alerts file -------------------------------------------------------- */

/* Appends JSON lines to `path`, one write per line; before a line would
 * take the file past max_bytes it is rotated: path.(keep-1) → path.keep,
 * …, path → path.1, and a new file is created (keep 0: the old file is
 * removed). */
typedef struct mm_alertlog {
    char path[MM_SENSOR_PATH_MAX];
    int fd;
    uint64_t size;
    uint64_t max_bytes;
    unsigned keep;
    uint64_t written; /* lines written since open */
    uint64_t rotations;
} mm_alertlog;

mm_rc mm_alertlog_open(mm_alertlog *al, const char *path, uint64_t max_bytes,
                       unsigned keep, mm_err *err);
/* Writes `len` bytes plus a newline. */
mm_rc mm_alertlog_write(mm_alertlog *al, const char *line, size_t len,
                        mm_err *err);
void mm_alertlog_close(mm_alertlog *al);

/* ---- the daemon --------------------------------------------------------- */

typedef struct mm_sensor mm_sensor;

/* An alert sink: gets each alert and its JSON text (one line, no newline),
 * both valid only during the call. The alerts file is the first sink; the
 * uplink (with [uplink]) the second. Returns MM_OK or an error that is
 * counted and logged (the alert still goes to the other sinks). */
typedef mm_rc (*mm_sensor_sink_fn)(const mm_alert *alert, const char *json,
                                   size_t len, void *ud);

/* Log messages of the daemon (start, reload, warnings, I/O problems):
 * core's one logger signature. Text is Japanese / English. */
typedef mm_log_fn mm_sensor_log_fn;

/* Builds the daemon from a config: starts the uplink when the config has
 * [uplink] (before the ruleset, which loads the feed file it writes; then
 * it is the second alert sink and the event hook, and a feed update
 * reloads the ruleset through the loop), loads and compiles the ruleset,
 * opens the alerts file, reads saved offsets, binds the syslog listeners.
 * Errors: MM_EPARSE / MM_EINVAL for a bad rule or indicator file (err names
 * file:line), MM_EIO for files or sockets it cannot open. `cfg` must stay
 * alive while the sensor runs. `log` may be NULL. */
mm_rc mm_sensor_new(const mm_sensor_config *cfg, mm_sensor_log_fn log,
                    void *log_ud, mm_sensor **out, mm_err *err);
/* Adds a sink (at most 8); call before mm_sensor_run. */
mm_rc mm_sensor_add_sink(mm_sensor *s, mm_sensor_sink_fn fn, void *ud);

/* An event hook: called for every parsed event with its raw line (both
 * valid only during the call), before detection — the uplink picks the
 * "concerning" events it sends. `flush` (may be NULL) runs before the
 * offsets are saved: what the hook buffered must be durable first, and a
 * failing flush keeps the old offsets (the lines are read again). One hook;
 * call before mm_sensor_run. */
typedef void (*mm_sensor_event_fn)(const mm_event *ev, const char *line,
                                   size_t len, void *ud);
typedef mm_rc (*mm_sensor_flush_fn)(void *ud);
void mm_sensor_set_event_hook(mm_sensor *s, mm_sensor_event_fn fn,
                              mm_sensor_flush_fn flush, void *ud);
/* Runs the loop until SIGTERM or SIGINT (SIGHUP, and a new shared feed
 * from the uplink, reload rules and indicators). Blocks those signals in the
 * calling thread and takes them through a signalfd. On stop: flushes the
 * detector, saves offsets and status. Returns MM_OK after a clean stop, MM_EIO
 * on a fatal error. */
mm_rc mm_sensor_run(mm_sensor *s, mm_err *err);
/* Rebuilds the ruleset from the config's files and swaps it in; on
 * failure keeps the current one and returns the error (file:line). */
mm_rc mm_sensor_reload(mm_sensor *s, mm_err *err);
/* Bound syslog ports (0 when off), useful when the config asked for 0. */
uint16_t mm_sensor_udp_port(const mm_sensor *s);
uint16_t mm_sensor_tcp_port(const mm_sensor *s);
void mm_sensor_free(mm_sensor *s);

/* ---- Entra ID sign-in puller (entra.c) -----------------------------------
 */
/*
 * [entra] in the config: a thread pulls Microsoft Entra ID sign-ins through
 * Microsoft Graph (client credentials of an app registration with
 * AuditLog.Read.All) every `interval` seconds and appends them, one JSON
 * object per line, to `output`, which the config adds as an input of type
 * `cloud` (source name "entra"). Paging by @odata.nextLink (same origin
 * only), 429/503 Retry-After obeyed, the cursor (newest createdDateTime and
 * the ids at that instant) persisted atomically in `cursor` after the
 * records are durable. docs/sensor.md.
 */
typedef struct mm_entra_conf {
    /* e.g. https://login.microsoftonline.com/T/oauth2/v2.0/token */
    char token_url[1024];
    char graph_url[1024]; /* default
                             https://graph.microsoft.com/v1.0/auditLogs/signIns
                           */
    char client_id[256];
    char client_secret_file[MM_SENSOR_PATH_MAX]; /* the secret, not in the
                                                    config */
    char scope[256]; /* default https://graph.microsoft.com/.default */
    char output[MM_SENSOR_PATH_MAX]; /* default
                                        <state_dir>/entra-signins.ndjson */
    char
        cursor[MM_SENSOR_PATH_MAX]; /* default <state_dir>/entra-cursor.json */
    unsigned interval_s;            /* between sweeps, default 300 */
    unsigned page_size;             /* $top, default 500 */
    unsigned max_pages;             /* per sweep, default 200 */
    unsigned lookback_h; /* first sweep without a cursor, default 24 */
    char start[64];      /* or this createdDateTime (ISO-8601 UTC) */
} mm_entra_conf;

typedef struct mm_entra_stats {
    uint64_t records, pages, duplicates, bad, throttled, retries;
} mm_entra_stats;

void mm_entra_conf_defaults(mm_entra_conf *c);
/* One key of [entra]: MM_ENOTFOUND for an unknown key, MM_EINVAL for a bad
 * value (err->msg says why). */
mm_rc mm_entra_conf_set(mm_entra_conf *c, const char *key, const char *value,
                        mm_err *err);
mm_rc mm_entra_conf_check(const mm_entra_conf *c, mm_err *err);
/* One sweep, in the calling thread (tests, one-shot runs). */
mm_rc mm_entra_pull(const mm_entra_conf *c, mm_entra_stats *st, mm_err *err);
typedef struct mm_entra mm_entra;
/* Starts the pulling thread (first sweep at once); stop joins it. */
mm_rc mm_entra_start(const mm_entra_conf *c, mm_sensor_log_fn log,
                     void *log_ud, mm_entra **out, mm_err *err);
void mm_entra_stop(mm_entra *e); /* NULL is a no-op */

#endif /* MM_SENSOR_H */
