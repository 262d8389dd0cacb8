/* SPDX-License-Identifier: Apache-2.0 */
/*
 * uplink.h — the sensor side of the sensor ⇄ hub protocol (docs/uplink.md,
 * /work/hub-protocol.md): de-identification, the durable on-disk spool,
 * the uploader and the shared-feed puller.
 *
 *   alert / event ──mm_deid──▶ mm_spool (fsync) ──uploader thread──▶ hub
 *   hub feed ──puller thread──▶ state_dir/feed.txt ──callback──▶ reload
 *
 * Libraries here never print: warnings go through the log callback of
 * mm_uplink_opts; errors come back as mm_rc plus a caller-owned mm_err.
 */
#ifndef MM_UPLINK_H
#define MM_UPLINK_H

#include "core.h"

#include <jansson.h>

/* ---- limits --------------------------------------------------------------
 */

/* Longest spool record (one de-identified JSON line); larger are refused. */
#define MM_SPOOL_RECORD_MAX (256u * 1024u)
/* Default and ceiling of the lines in one upload batch (the hub takes up
 * to 10,000 lines and 8 MiB per request). */
#define MM_UPLINK_BATCH_DEFAULT 1000u
#define MM_UPLINK_BATCH_CEIL 10000u
/* Uncompressed bytes of one batch (below the hub's 8 MiB cap). */
#define MM_UPLINK_BATCH_BYTES (4u * 1024u * 1024u)
/* Default spool bound; ceiling is 1 TiB. */
#define MM_SPOOL_MAX_DEFAULT (256ull * 1024u * 1024u)
/* Own ranges and own domains kept per tenant (configuration, not input). */
#define MM_DEID_RANGES_MAX 256u
/* Largest hub reply read (error text, feed answer). */
#define MM_UPLINK_REPLY_MAX (16u * 1024u * 1024u)
/* Indicators kept from the feed. */
#define MM_FEED_MAX 1000000u

/* ---- de-identification ---------------------------------------------------
 */

/* What is done with an internal address, a user name or a host name. */
typedef enum mm_deid_mode {
    MM_DEID_HASH = 0, /* replaced by "h:" + 16 hex of HMAC-SHA256(secret) */
    MM_DEID_DROP      /* removed */
} mm_deid_mode;

typedef struct mm_deid mm_deid;

/* `secret` is the per-tenant key of the hash (at least 16 bytes for
 * MM_DEID_HASH; ignored for MM_DEID_DROP). `send_raw` keeps raw log lines
 * (message, mamori.samples, event.original) — off unless the tenant opts
 * in. Returns MM_OK, MM_EINVAL (short secret), MM_ENOMEM. */
mm_rc mm_deid_new(mm_deid_mode mode, const void *secret, size_t secret_len,
                  bool send_raw, mm_deid **out, mm_err *err);
void mm_deid_free(mm_deid *d);
/* Adds one of the tenant's own address ranges ("192.0.2.0/24", an address,
 * or an IPv6 prefix): its addresses count as internal even when public. */
mm_rc mm_deid_add_own_range(mm_deid *d, const char *cidr, mm_err *err);
/* Adds one of the tenant's own DNS domains (matches itself and its
 * subdomains, e.g. "example.co.jp"). */
mm_rc mm_deid_add_own_domain(mm_deid *d, const char *domain, mm_err *err);

/* Mixes the tenant id into the pseudonym key: HMAC-SHA256(secret,
 * "mamori-deid-tenant" NUL tenant) becomes the key, so one secret reused by
 * two tenants still gives unrelated pseudonyms. Calling it again with the
 * same id gives the same key. */
void mm_deid_set_tenant(mm_deid *d, const char *tenant);

/* True for reserved addresses (mm_addr_is_reserved) and own ranges. */
bool mm_deid_addr_internal(const mm_deid *d, const mm_addr *a);
/* True for own domains, single-label names and the private suffixes
 * .local .lan .internal .intranet .corp .home .home.arpa .localdomain. */
bool mm_deid_domain_internal(const mm_deid *d, const char *name, size_t len);
/* Writes "h:" + 16 hex digits of HMAC-SHA256(secret, value); `out` needs
 * 19 bytes. */
void mm_deid_hash(const mm_deid *d, const char *value, size_t len,
                  char out[19]);

/* De-identifies an ECS object (an alert of mm_alert_to_json or an event of
 * mm_event_to_json) in place:
 *  - source/destination/client/server/host .ip and related.ip: internal
 *    addresses → hash in <endpoint>.address (the ECS keyword field), or
 *    removed; the endpoint's .domain goes with an internal address;
 *  - destination.domain / source.domain when internal → hash / removed;
 *  - user.* (name, id, email, full_name) → user.name hash / removed;
 *  - host.name, host.hostname, observer.name/hostname → hash / removed;
 *  - mamori.key (a grouping key: internal address or user name) → hash;
 *  - internal IPv4 literals inside url.query, url.original, url.full and
 *    http.request.referrer → hash;
 *  - message, event.original, log.original, mamori.samples removed unless
 *    send_raw.
 * Public source addresses, url.path, rule.*, user_agent stay. Returns
 * MM_OK or MM_EINVAL when `obj` is not an object. */
mm_rc mm_deid_json(const mm_deid *d, json_t *obj);

/* De-identifies a plain event straight from its fields and appends it as
 * one compact JSON object: byte for byte what mm_event_to_json, parsing,
 * event.kind = "event", "@timestamp" = now_ms when the event has none and
 * mm_deid_json would give printed by jansson (JSON_COMPACT), without the
 * text round trip. `*id_at` gets the offset, inside `out`, just before the
 * '}' that closes the "event" object, where mm_spool_append_text puts
 * event.id. MM_EPARSE for what that JSON path refused (a NUL byte in a
 * field, a byte count over INT64_MAX), MM_ENOMEM / MM_ELIMIT when `out`
 * cannot grow. */
mm_rc mm_deid_event(const mm_deid *d, const mm_event *ev, int64_t now_ms,
                    mm_buf *out, size_t *id_at);

/* ---- spool ---------------------------------------------------------------
 */

/* The spool is a directory of segment files "<first-seq 20 digits>.seg",
 * each holding records as JSON lines, plus "state.json" (spool id, upload
 * cursor, drop counters) replaced atomically. Every record gets
 * event.id = "<spool id>-<seq>", seq increasing across restarts. */
typedef struct mm_spool mm_spool;

typedef struct mm_spool_opts {
    uint64_t max_bytes;     /* bound on all segments; 0 = default */
    uint64_t segment_bytes; /* rotate at this size; 0 = max_bytes/16 within
                               [64 KiB, 8 MiB] */
} mm_spool_opts;

typedef struct mm_spool_stats {
    uint64_t next_seq; /* sequence the next record will get */
    uint64_t acked;    /* upload cursor: all seq <= acked are done */
    uint64_t pending;  /* records after the cursor */
    uint64_t bytes;    /* bytes in segments */
    unsigned segments;
    uint64_t dropped;  /* records dropped at the size bound (total) */
    uint64_t rejected; /* records the hub refused (400), in rejected/ */
    uint64_t corrupt;  /* unreadable lines skipped (torn or garbage) */
    char spool_id[17];
} mm_spool_stats;

/* Opens (creating) `dir`: reads state.json, scans the newest segment,
 * truncates a torn last record (counted in corrupt). MM_EIO / MM_EPARSE
 * with err naming the file. */
mm_rc mm_spool_open(const char *dir, const mm_spool_opts *opts, mm_spool **out,
                    mm_err *err);
void mm_spool_close(mm_spool *sp);

/* Appends records: each JSON object gets event.id set (in place) to
 * "<spool id>-<next sequence>" and is written as one line. With `sync`, fsyncs
 * before returning MM_OK (durable); otherwise call mm_spool_sync. `*first_seq`
 * (may be NULL) gets the sequence of objs[0]. When the bound is reached the
 * oldest segments are dropped (their unacknowledged records are counted in
 * dropped; `*dropped_now` gets how many, may be NULL). MM_ELIMIT for a
 * record over MM_SPOOL_RECORD_MAX or over the bound on its own. */
mm_rc mm_spool_append(mm_spool *sp, json_t *const *objs, size_t n, bool sync,
                      uint64_t *first_seq, uint64_t *dropped_now, mm_err *err);
/* Appends one record given as JSON text (one object, no newline), with
 * `,"id":"<spool id>-<seq>"` inserted at offset `id_at` (just before the
 * '}' closing its non-empty "event" object, see mm_deid_event). Otherwise
 * as mm_spool_append. */
mm_rc mm_spool_append_text(mm_spool *sp, const char *json, size_t len,
                           size_t id_at, bool sync, uint64_t *dropped_now,
                           mm_err *err);
/* fsyncs what was appended; records become readable by mm_spool_read only
 * once durable. */
mm_rc mm_spool_sync(mm_spool *sp, mm_err *err);

/* One batch of records after the cursor, in order. */
typedef struct mm_spool_batch {
    size_t n;
    uint64_t *seq; /* seq[i] of line i */
    size_t *off;   /* line i is body.data[off[i] .. off[i]+len[i]) */
    size_t *len;   /* without the newline */
    mm_buf body;   /* NDJSON, each line ends with '\n' */
    size_t cap;
    uint64_t last_seq; /* highest seq in the batch as read (ack up to it) */
} mm_spool_batch;

void mm_spool_batch_init(mm_spool_batch *b);
void mm_spool_batch_free(mm_spool_batch *b);
/* Fills `b` with up to max_lines durable records after the cursor (and at
 * most max_bytes of body). b->n == 0 means nothing pending. Corrupt lines
 * are skipped and counted. */
mm_rc mm_spool_read(mm_spool *sp, mm_spool_batch *b, size_t max_lines,
                    size_t max_bytes, mm_err *err);
/* Moves the cursor to `seq` (all records <= seq are done), persists it
 * atomically, deletes fully acknowledged segments. */
mm_rc mm_spool_ack(mm_spool *sp, uint64_t seq, mm_err *err);
/* Where the next records come from (a hash of source, file and line; 0 =
 * nowhere in particular): until the next call, records get the event.id
 * "<spool id>-o<origin 16 hex>.<k>" (k = 0, 1, … per record since the
 * call) and their sequence in event.sequence, so a line read again after a
 * crash is sent under the same id and the hub stores it once. */
void mm_spool_set_origin(mm_spool *sp, uint64_t origin);
/* Writes one poison record to <dir>/rejected/<seq>.json with the hub's
 * reason (fsynced) and counts it. The caller then acks past it. */
mm_rc mm_spool_reject(mm_spool *sp, uint64_t seq, const char *line, size_t len,
                      const char *reason, mm_err *err);
void mm_spool_get_stats(mm_spool *sp, mm_spool_stats *st);

/* Parses one segment's bytes (the reader the spool uses, exposed for the
 * fuzz target and tests): calls `fn` for each valid record with its seq,
 * counts corrupt lines and a torn (unterminated) last line. Returns the
 * length of the valid prefix (where a torn tail starts). */
typedef void (*mm_spool_record_fn)(uint64_t seq, const char *line, size_t len,
                                   void *ud);
size_t mm_spool_parse_segment(const char *data, size_t len,
                              mm_spool_record_fn fn, void *ud,
                              uint64_t *corrupt, bool *torn);

/* ---- uplink: uploader and feed puller ------------------------------------
 */

typedef mm_log_fn mm_uplink_log_fn; /* core's one logger signature */
/* Called from the feed thread after state_dir/feed.txt was replaced. */
typedef void (*mm_uplink_feed_fn)(void *ud, const char *feed_path,
                                  size_t indicators, size_t changed);

/* Which plain events (besides alerts) are "concerning communications" worth
 * sending: a bit per mm_action, and only when the source is public. */
typedef struct mm_uplink_conf {
    char hub_url[512];     /* https://hub.example:8443 or
                              http://127.0.0.1:port */
    char token[512];       /* bearer token */
    char token_file[1024]; /* or read it from here (first line) */
    char ca_file[1024];    /* hub certificate to pin (PEM) */
    char spool_dir[1024];
    char state_dir[1024]; /* feed files; "" = spool_dir */
    uint64_t spool_max_bytes;
    unsigned batch_max;
    char tenant_secret[256];
    char tenant_secret_file[1024];
    mm_deid_mode deid_mode;
    bool send_raw;
    uint32_t send_events;   /* bit (1u << mm_action) */
    bool feed;              /* pull the feed (default true) */
    unsigned feed_wait_s;   /* long-poll wait, 1..60 (default 30) */
    unsigned backoff_cap_s; /* default 30 */
    unsigned n_own_ranges;
    char own_ranges[MM_DEID_RANGES_MAX][64];
    unsigned n_own_domains;
    char own_domains[MM_DEID_RANGES_MAX][256];
    char tenant[65]; /* the hub's tenant id: mixed into the pseudonym key */
    /* [uplink] status_interval: seconds between the sensor's health
     * reports (mamori.status events: lines read, lines/s, unparsed share
     * per source); default 60, 0 = none. */
    unsigned status_interval_s;
} mm_uplink_conf;

/* Fills defaults (batch 1000, spool 256 MiB, feed on, wait 30 s). */
void mm_uplink_conf_init(mm_uplink_conf *c);
/* Sets one `[uplink]` key from text (the sensor's config loader delegates
 * here): hub_url token token_file ca_file spool_dir state_dir
 * spool_max_bytes batch_max tenant_secret tenant_secret_file deid
 * (hash|drop) own_ranges own_domains (repeatable) send_raw send_events
 * (comma list of action names, e.g. "authentication_failure,firewall_deny")
 * feed feed_wait backoff_cap. MM_ENOTFOUND for an unknown key, MM_EINVAL
 * for a bad value (err->msg says why). */
mm_rc mm_uplink_conf_set(mm_uplink_conf *c, const char *key, const char *value,
                         mm_err *err);
/* Checks a complete configuration: URL (https, or http to 127.0.0.1/::1
 * only), token present, spool_dir set, secret for hash mode. */
mm_rc mm_uplink_conf_check(const mm_uplink_conf *c, mm_err *err);

typedef struct mm_uplink mm_uplink;

typedef struct mm_uplink_opts {
    mm_uplink_log_fn log;      /* may be NULL */
    mm_uplink_feed_fn on_feed; /* may be NULL */
    void *ud;
    bool no_threads; /* tests: drive mm_uplink_step_* by hand */
} mm_uplink_opts;

/* Opens the spool, loads the feed state and starts the uploader and feed
 * threads (unless no_threads). */
mm_rc mm_uplink_start(const mm_uplink_conf *conf, const mm_uplink_opts *opts,
                      mm_uplink **out, mm_err *err);
/* Stops the threads (waits at most for one request to be cancelled),
 * closes the spool. NULL is a no-op. */
void mm_uplink_stop(mm_uplink *u);

/* Submission flags. */
#define MM_UPLINK_DEFER 1u /* do not fsync now; call mm_uplink_sync */

/* De-identifies a copy of `obj` (an alert or event JSON object), spools it
 * and, unless MM_UPLINK_DEFER, fsyncs before returning MM_OK. The uploader
 * is woken. */
mm_rc mm_uplink_submit(mm_uplink *u, const json_t *obj, unsigned flags,
                       mm_err *err);
/* Same for JSON text (one object). MM_EPARSE for bad JSON. */
mm_rc mm_uplink_submit_text(mm_uplink *u, const char *json, size_t len,
                            unsigned flags, mm_err *err);
/* True when this event is one send_events selects (public source, action
 * chosen). */
bool mm_uplink_wants_event(const mm_uplink *u, const mm_event *ev);
/* Submits a plain event (mm_event_to_json, then as above). */
mm_rc mm_uplink_submit_event(mm_uplink *u, const mm_event *ev, unsigned flags,
                             mm_err *err);
/* fsyncs deferred submissions and wakes the uploader. */
mm_rc mm_uplink_sync(mm_uplink *u, mm_err *err);
/* mm_spool_set_origin on the uplink's spool (from the submitting thread). */
void mm_uplink_set_origin(mm_uplink *u, uint64_t origin);

/* One upload attempt (what the thread does in a loop): reads a batch, POSTs
 * it, acks on 200. Returns MM_OK after progress, MM_EOF when nothing is
 * pending, MM_AGAIN on a retryable failure (*retry_ms = the back-off to
 * wait), MM_EINVAL after 401/403 (uploads stopped), MM_EIO on spool error. */
mm_rc mm_uplink_step_upload(mm_uplink *u, unsigned *retry_ms, mm_err *err);
/* One feed request with the given wait; applies the answer. MM_OK when
 * indicators changed, MM_EOF when nothing new, MM_AGAIN on a retryable
 * failure, MM_EINVAL after 401/403. */
mm_rc mm_uplink_step_feed(mm_uplink *u, unsigned wait_s, unsigned *retry_ms,
                          mm_err *err);
/* Blocks until every spooled record is acknowledged or `timeout_ms` passes;
 * MM_OK or MM_AGAIN. */
mm_rc mm_uplink_drain(mm_uplink *u, unsigned timeout_ms);

typedef struct mm_uplink_stats {
    mm_spool_stats spool;
    uint64_t submitted;  /* records spooled by this process */
    uint64_t uploaded;   /* records acknowledged by the hub */
    uint64_t duplicates; /* of which the hub already had */
    uint64_t batches;    /* 200 answers */
    uint64_t retries;    /* failed attempts that will be retried */
    uint64_t feed_polls;
    uint64_t feed_updates;  /* answers that changed the feed */
    size_t feed_indicators; /* indicators in feed.txt */
    long last_status;       /* HTTP status of the last upload, 0 = none */
    bool auth_failed;       /* 401/403: uploads stopped */
    char last_error[256];
} mm_uplink_stats;
void mm_uplink_get_stats(mm_uplink *u, mm_uplink_stats *st);
/* Writes the stats as JSON to state_dir/uplink.json (atomically); the
 * upload thread does it every 2 s and at stop. */
mm_rc mm_uplink_write_status(mm_uplink *u, mm_err *err);
/* Path of the local indicator file (state_dir/feed.txt). */
const char *mm_uplink_feed_path(const mm_uplink *u);

#endif /* MM_UPLINK_H */
