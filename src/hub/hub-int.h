/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hub-int.h — what only the hub's own files share: the engine's state
 * (struct mm_hub), its string map, the calls between correlate.c,
 * keymap.c, warnings.c, feed.c and server.c, and the SQLite back end.
 * Other modules and the CLI use hub.h; tests of the internals may
 * include this header.
 *
 * Where new wings go: a new console page is one more route in server.c
 * rendering from mm_store_ops (like feed.c); a new notification channel
 * is one more delivery beside the webhook in server.c, fed by the
 * warnings warnings.c writes (mm_warning.hook_state).
 */
#ifndef MM_HUB_INT_H
#define MM_HUB_INT_H

#include "hub.h"

#define HOUR_MS (3600LL * 1000LL)
#define DAY_MS (24LL * HOUR_MS)

/* ---- engine calls used by the server and the tests ---------------------- */

/* Adds an address or CIDR to the allowlist of good actors. */
mm_rc mm_hub_allow_add(mm_hub *h, const char *cidr, mm_err *err);
/* True when the address is on the built-in or configured allowlist. */
bool mm_hub_allowed(const mm_hub *h, const mm_addr *a);

/* Re-reads tenants and links (after CLI changes). */
mm_rc mm_hub_reload(mm_hub *h, mm_err *err);

/* The tenant whose token has this SHA-256 hex, or NULL. */
const mm_tenant *mm_hub_tenant_by_hash(const mm_hub *h, const char *hash);

/* Marks indicators whose valid_until has passed as removed (a feed change).
 * Returns the number removed in *n. */
mm_rc mm_hub_expire(mm_hub *h, int64_t now_ms, unsigned *n, mm_err *err);
/* Current feed cursor (highest indicator sequence). */
int64_t mm_hub_cursor(const mm_hub *h);
/* Correlation keys held, and sightings of new keys not correlated because
 * the index was at its cap with nothing it may evict (every key has a
 * campaign or two tenants' sightings): never silent, /metrics exports both. */
size_t mm_hub_keys(const mm_hub *h);
uint64_t mm_hub_keys_skipped(const mm_hub *h);
/* Keys evicted to make room at the cap (mm_hub__keys_room): /metrics
 * exports it beside the skipped ones. */
uint64_t mm_hub_keys_evicted(const mm_hub *h);

/* Decayed confidence of an indicator at `now` (polynomial decay to 0 at
 * valid_until: base * (1 - (age/ttl)^2)). */
unsigned mm_hub_confidence(const mm_indicator *i, int64_t now_ms);

/* Feed renderings. `since` < 0 means the full current feed (live
 * indicators only); otherwise every change after `since`. */
mm_rc mm_hub_feed_json(mm_hub *h, int64_t since, int64_t now_ms, mm_buf *out,
                       mm_err *err);
mm_rc mm_hub_feed_txt(mm_hub *h, int64_t now_ms, mm_buf *out, mm_err *err);
mm_rc mm_hub_feed_nft(mm_hub *h, int64_t now_ms, mm_buf *out, mm_err *err);
mm_rc mm_hub_feed_stix(mm_hub *h, int64_t now_ms, mm_buf *out, mm_err *err);
/* The calling tenant's warnings with id > since as a JSON object. */
mm_rc mm_hub_inbox_json(mm_hub *h, const char *tenant, int64_t since,
                        mm_buf *out, mm_err *err);

/* A deterministic UUID (version 4 layout) from a name: "xxxxxxxx-…". */
void mm_hub_uuid(const char *ns, const char *name, char out[37]);

/* Parses an RFC 3339 time ("2026-11-22T01:02:03.456Z", "+09:00" offsets,
 * fraction optional) into ms since the epoch. */
mm_rc mm_hub_parse_time(const char *s, size_t len, int64_t *ms);

/* Type checks for every value one tenant sends that can reach another
 * (feed, warnings, STIX, campaign views; docs/api.md "Field types").
 * A DNS name: LDH labels of 1..63 bytes (and '_', as in service names;
 * punycode "xn--" is LDH), at least two labels, <= 253 bytes, no trailing
 * dot, a last label that is not all digits (so never an IPv4 address). */
bool mm_hub_valid_domain(const char *s, size_t n);
/* url.path: 1..2048 bytes of printable ASCII without space (RFC 3986
 * characters; anything else arrives percent-encoded). */
bool mm_hub_valid_path(const char *s, size_t n);
/* user.name: 0..256 bytes of UTF-8 with no C0/C1 control and no DEL. */
bool mm_hub_valid_name(const char *s, size_t n);
/* rule.id: 1..128 bytes of [a-z0-9._-]. */
bool mm_hub_valid_rule_id(const char *s, size_t n);

/* The SQLite back end directly. */
mm_rc mm_store_sqlite_open(const char *path, mm_store **out, mm_err *err);

/* A caller's row callback and its data, as the store back ends
 * (store-sqlite.c, store-pg.c) hand rows to it. */
typedef struct mm_store_visit {
    union {
        mm_event_row_fn event;
        mm_tenant_fn tenant;
        mm_link_row_fn link;
        mm_campaign_fn campaign;
        mm_hit_fn hit;
        mm_indicator_fn indicator;
        mm_warning_fn warning;
        mm_escalation_fn escalation;
        mm_stateioc_fn stateioc;
        mm_token_fn token;
        mm_usage_fn usage;
        mm_notify_pref_fn notify_pref;
        mm_outbox_fn outbox;
        mm_hub_user_fn user;
    } fn;
    void *ud;
    mm_warning *w; /* warning rows: one heap record (it holds both texts) */
} mm_store_visit;

/* Room for one more element in an array `v` of `n` elements of `size` bytes
 * and capacity *cap: v itself while there is room, else the array moved to
 * twice the capacity (`first` for an empty one) with *cap updated; NULL when
 * out of memory (v is kept). */
void *mm_hub__grow(void *v, size_t n, size_t *cap, size_t size, size_t first);

/* The engine's store (for feed.c, which needs no other internals). */
mm_store *mm_hub__store(mm_hub *h);

/* ---- string-keyed hash map (keymap.c) ------------------------------------
 */

typedef struct smap_ent {
    char *key;
    uint64_t h;
    void *val;
} smap_ent;

typedef struct smap {
    smap_ent *e;
    size_t cap, n;
    uint64_t seed;
} smap;

void mm_hub_smap_free(smap *m, void (*vfree)(void *));
/* The slot of key: its entry, or the empty slot where it would go. */
smap_ent *mm_hub_smap_slot(smap *m, const char *key, size_t len, uint64_t h);
void *mm_hub_smap_get(smap *m, const char *key);
/* Starts loading the slot a key with hash h will probe first. */
void mm_hub_smap_prefetch(const smap *m, uint64_t h);
/* The second stage, once the slot is in cache: the entry its key lives in,
 * when the slot holds the key (the compare on lookup then hits). */
void mm_hub_smap_prefetch_key(const smap *m, uint64_t h);
/* Returns the slot for key, creating it (val NULL) when missing. */
mm_rc mm_hub_smap_put(smap *m, const char *key, smap_ent **out);
/* Empties slot `i` (its key and value already freed by the caller) and
 * moves the later entries of its probe run back, so every key stays
 * reachable without tombstones. An entry after `i` may move to `i`. */
void mm_hub_smap_del_at(smap *m, size_t i);
/* Bytes of the engine's map tables that are mapped, not allocated (so not
 * in mallinfo2: bench-correlate adds them to the heap it reports). */
size_t mm_hub__mapped_bytes(const mm_hub *h);

/* ---- engine state (correlate.c) ------------------------------------------
 */

typedef struct htenant {
    mm_tenant t;
    mm_cidr ranges[MM_HUB_RANGES_MAX];
    unsigned nranges;
    /* customers, as indexes into links */
    unsigned *cust;
    unsigned ncust;
    size_t capcust;
} htenant;

typedef struct sighting {
    uint32_t tenant;
    int severity;
    int64_t first_ts, last_ts;
} sighting;

typedef struct chit {
    uint32_t tenant;
    int64_t first_ts, last_ts;
    uint64_t count; /* since the last flush */
    bool dirty;
} chit;

typedef struct camp {
    mm_campaign c;
    chit *hits;
    unsigned nhits;
    size_t caphits;
    bool dirty;
    unsigned ci_checked; /* nhits when the CI escalation was last checked
                            with the score above the threshold */
} camp;

typedef struct kentry {
    int64_t last_ts;
    uint32_t camp; /* index + 1 into h->camps, 0 = none */
    uint16_t n, cap;
    sighting *s;         /* inl until more than KENTRY_INLINE tenants */
    sighting inl[2];     /* most keys are seen by one or two tenants */
    int64_t closed_last; /* last_ts of the key's last closed campaign: older
                            sightings belong to it and count no more */
    char key[];          /* the key's text, in the same allocation (its slot in
                            h->keys points here): one allocation per new key */
} kentry;
#define KENTRY_INLINE 2u
/* Frees a correlation key's entry (its sightings array and key too). */
void mm_hub__kentry_free(void *v);
/* The entry of correlation key k (len bytes, hash hv in keys), made empty
 * with the key inside it when missing; MM_ENOMEM is the only failure. */
mm_rc mm_hub__key_entry(smap *keys, const char *k, size_t len, uint64_t hv,
                        kentry **out);
/* Frees every correlation key and the table (keys stays usable, empty). */
void mm_hub__keys_free(smap *keys);
/* Drops the keys without a campaign whose last sighting fell out of the
 * window and gives the table back down to what the rest needs. */
void mm_hub__keys_compact(mm_hub *h);
/* Room for one more correlation key when the index holds its cap
 * (p.keys_max, 0 = MM_HUB_KEYS_MAX): evicts keys that cannot make a
 * campaign as they stand — without one, and seen by one tenant only or
 * not within the window — oldest last sighting first, in one sweep
 * that frees an eighth of the cap. False (a skipped key) when nothing
 * could be evicted; then no new sweep before an eighth of the cap more
 * new keys were refused, so the cost stays O(1) amortised per key. */
bool mm_hub__keys_room(mm_hub *h);

typedef struct hind {
    mm_indicator i;
    int64_t written_last; /* last_seen as last written */
} hind;

/* Members' own ranges as disjoint, sorted [lo, hi] intervals, one array
 * per family, so the check on every event is a binary search instead of a
 * walk over every tenant (10,000 tenants made it 90% of ingest). */
typedef struct mrange {
    __uint128_t lo, hi;
} mrange;

typedef struct mranges {
    mrange *r;
    unsigned n;
} mranges;

struct mm_hub {
    mm_store *st;
    mm_hub_params p;
    htenant *ten;
    unsigned nten;
    size_t capten;
    mranges member[2]; /* [0] IPv4, [1] IPv6; rebuilt by mm_hub_reload */
    smap tid;          /* tenant id → index + 1 */
    smap thash;        /* token hash → index + 1 */
    mm_link *links;
    unsigned nlinks;
    mm_cidr *allow;
    unsigned nallow;
    size_t capallow;
    mranges allow_ix[2];   /* the allowlist as intervals, like member */
    smap keys;             /* correlation key → kentry */
    uint64_t keys_skipped; /* new keys refused at MM_HUB_KEYS_MAX */
    camp *camps;
    unsigned ncamps;
    size_t capcamps;
    smap inds; /* "type value" → hind */
    smap sioc; /* "type value" → source (char *) */
    int64_t cursor;
    int64_t max_ts;
    int64_t last_compact_ms;
    bool replay;      /* rebuilding from the store: no writes */
    bool stale;       /* a rebuild failed (store unreachable): redo it first */
    struct cdue *due; /* open campaigns, min-heap by last_ts (campclose.c) */
    size_t ndue, capdue;
    /* 1 + the bus partition being ingested; 0 = all it owns */
    uint32_t part_now;
    uint64_t keys_evicted; /* keys evicted at the cap (keymap.c) */
    uint64_t keys_sweeps;  /* eviction sweeps run */
    size_t keys_swept;     /* keys the last sweep evicted */
    size_t keys_refused;   /* new keys refused since the last sweep */
    /* called before each group's commit (hop.c) */
    mm_hub_precommit_fn precommit;
    void *precommit_ud;
    struct prekeys
        *pre; /* the second thread resolving keys (prekeys.c), or NULL */
};

/* The correlation index's cap (p.keys_max, or MM_HUB_KEYS_MAX when 0). */
static inline size_t mm_hub__keys_limit(const mm_hub *h)
{
    return h->p.keys_max ? h->p.keys_max : MM_HUB_KEYS_MAX;
}

/* An event's correlation keys, most specific first (ip, net, domain, sig,
 * users), with their hashes in h->keys; ke[k] is key k's entry when the
 * prekeys thread resolved it, else NULL. */
typedef struct evkeys {
    char ip[48]; /* source address text when ip_ok */
    char k[MM_HUB_EVENT_KEYS][320];
    size_t len[MM_HUB_EVENT_KEYS];
    uint64_t hash[MM_HUB_EVENT_KEYS];
    kentry *ke[MM_HUB_EVENT_KEYS];
    unsigned n;
    bool ip_ok;     /* the source address may be shared */
    bool domain_ok; /* the domain may be shared */
} evkeys;

/* The keys of e as the engine h correlates them (ke all NULL). */
void mm_hub__event_keys(const mm_hub *h, const mm_hub_event *e, evkeys *o);
/* Key k of ks's entry in h->keys, created when missing; *out NULL when the
 * index is at its cap and no key can be evicted. MM_ENOMEM only. */
mm_rc mm_hub__key_resolve(mm_hub *h, const evkeys *ks, unsigned k,
                          kentry **out);

/* ---- keys resolved on a second thread (prekeys.c) -------------------------
 * While the committer writes a group's events into the store, the prekeys
 * thread derives each event's keys and finds or creates their entries, so
 * the correlation after the inserts only updates entries in hand. Only
 * h->keys is touched meanwhile, and only by that thread. */
typedef struct prekeys prekeys;
/* Starts resolving the keys of the first events of the checked jobs
 * (jobs[i].rc == MM_OK), in order; false (nothing started) when the engine
 * has no prekeys thread, the group is small, or the index is too near its
 * cap for entries to stay put until they are used. */
bool mm_hub__prekeys_start(mm_hub *h, const mm_hub_ingest_job *jobs, size_t n);
/* Waits for the thread; MM_ENOMEM when it ran out of memory. */
mm_rc mm_hub__prekeys_wait(mm_hub *h);
/* The resolved keys of the i-th event of the started group (counting the
 * checked jobs' events in order), NULL past those resolved. */
evkeys *mm_hub__prekeys_get(mm_hub *h, size_t i);
void mm_hub__prekeys_free(prekeys *p);

/* One ingest (or replay) in progress. */
typedef struct ingest_ctx {
    mm_hub *h;
    int64_t now;
    mm_hub_ingest_result *res;
    mm_err *err;
    hind **dirty_ind;
    size_t ndirty, capdirty;
} ingest_ctx;

/* ---- campaign closing (campclose.c) ------------------------------------ */

/* A heap entry: campaign index and its last_ts when pushed (may be stale:
 * a later sighting moved it on, then it is pushed again when it surfaces). */
typedef struct cdue {
    int64_t last_ts;
    unsigned idx;
} cdue;
/* Adds open campaign `idx` to the closing heap. */
mm_rc mm_hub__due_push(mm_hub *h, unsigned idx);
/* Closes every open campaign whose last sighting is W or more before
 * h->max_ts (written in the open transaction); O(log n) per closed or
 * moved-on campaign, O(1) when none is due. */
mm_rc mm_hub__close_due(ingest_ctx *x);
/* Marks campaign `idx` (closed) on its key: the key no longer points to it
 * and the sightings it covered (of the key and, for an ip key, of its
 * net key) count no more for opening a campaign. */
mm_rc mm_hub__closed_mark(mm_hub *h, const mm_campaign *c, unsigned idx);
/* "net:a.b.c.0/24" or "net:x:y:z:w::/64" for an address text (correlate.c,
 * the same text event_keys makes); false when `ip` is no address. */
bool mm_hub__net_key(const char *ip, char *out, size_t n);
/* The correlation key text "type:key" of a campaign. */
void mm_hub__camp_key(const mm_campaign *c, char *out, size_t n);

/* Index of a tenant id in h->ten, or -1. */
int mm_hub__tenant_idx(const mm_hub *h, const char *id);

/* ---- warnings (warnings.c) -----------------------------------------------
 */

/* Tenants reachable from `from` over supplier→customer links within
 * `depth` steps: dist[i] = steps, 0 = not reached. */
void mm_hub__reach(const mm_hub *h, unsigned from, unsigned depth,
                   unsigned *dist, unsigned *queue);
/* Warnings for the tenants in `fresh` (newly hit): each of them, their
 * customers, and critical-infrastructure operators further up. */
mm_rc mm_hub__warn_new(ingest_ctx *x, const camp *c, const uint32_t *fresh,
                       unsigned nfresh);

/* ---- notifications (outbox.c, notifier.c) -------------------------------
 */

/* One smtp_* / report_mail row of hub.conf into `mc` (conf.c). */
mm_rc mm_hub__mail_conf_set(mm_hub_mail_conf *mc, const char *dir,
                            const char *key, const char *val, const char *file,
                            unsigned line, mm_err *err);

/* ---- SQLite back end, notification part (store-sqlite-notify.c) ---------
 */

/* The SQLite connection of a store opened by mm_store_sqlite_open, and its
 * path (for messages). */
struct sqlite3 *mm_hub__sqlite_db(mm_store *s, const char **path);
/* store-sqlite-migrate.c: brings the schema of the SQLite store at `path`
 * to the latest version (PRAGMA user_version, one transaction per step)
 * and rebuilds the critical-alert index when the critical-rule list
 * changed; run at open after the base schema. */
mm_rc mm_hub__sq_migrate(struct sqlite3 *db, const char *path, mm_err *err);
/* The schema version mm_hub__sq_migrate brings a store to. */
int mm_hub__sq_schema_version(void);
/* The outbox columns both back ends read, in their order. */
#define MM_HUB_OUTBOX_COLS                                                    \
    "SELECT id,pref,tenant,channel,target,warning,severity,created,digest,"   \
    "subject,body,state,attempts,next,last_error FROM outbox "
/* The notification-era ops (mm_store_ops) of both back ends, declared
 * below for SQLite and in store-pg-int.h for PostgreSQL. */
typedef mm_rc mm_hub__notify_pref_put_op(mm_store *s, mm_notify_pref *p,
                                         mm_err *err);
typedef mm_rc mm_hub__notify_pref_del_op(mm_store *s, const char *tenant,
                                         int64_t id, mm_err *err);
typedef mm_rc mm_hub__notify_pref_list_op(mm_store *s, const char *tenant,
                                          mm_notify_pref_fn fn, void *ud,
                                          mm_err *err);
typedef mm_rc mm_hub__outbox_put_op(mm_store *s, mm_outbox_msg *m,
                                    mm_err *err);
typedef mm_rc mm_hub__outbox_due_op(mm_store *s, int64_t now, mm_outbox_fn fn,
                                    void *ud, mm_err *err);
typedef mm_rc mm_hub__outbox_list_op(mm_store *s, const char *tenant,
                                     mm_outbox_fn fn, void *ud, mm_err *err);
typedef mm_rc mm_hub__outbox_mark_op(mm_store *s, int64_t id, int state,
                                     unsigned attempts, int64_t next_ms,
                                     const char *last_error, mm_err *err);
typedef mm_rc mm_hub__flag_get_op(mm_store *s, const char *key, int64_t *val,
                                  mm_err *err);
typedef mm_rc mm_hub__flag_put_op(mm_store *s, const char *key, int64_t val,
                                  mm_err *err);
typedef mm_rc mm_hub__event_histogram_op(mm_store *s, const char *tenant,
                                         const char *kind,
                                         const char *rule_prefix,
                                         int64_t from_ms, int64_t bucket_ms,
                                         uint64_t *counts, size_t n,
                                         mm_err *err);
mm_hub__notify_pref_put_op mm_hub__sq_notify_pref_put;
mm_hub__notify_pref_del_op mm_hub__sq_notify_pref_del;
mm_hub__notify_pref_list_op mm_hub__sq_notify_pref_list;
mm_hub__outbox_put_op mm_hub__sq_outbox_put;
mm_hub__outbox_due_op mm_hub__sq_outbox_due;
mm_hub__outbox_list_op mm_hub__sq_outbox_list;
mm_hub__outbox_mark_op mm_hub__sq_outbox_mark;
mm_hub__flag_get_op mm_hub__sq_flag_get;
mm_hub__flag_put_op mm_hub__sq_flag_put;
mm_hub__event_histogram_op mm_hub__sq_event_histogram;
/* Queues m (subject and body set) to every notification preference of
 * `tenant`, whatever its minimum severity, in the caller's transaction
 * (scs-renew.c); MM_OK without rows in a back end without notifications. */
mm_rc mm_hub__scs_notice(mm_store *st, const char *tenant, mm_outbox_msg *m,
                         int64_t now_ms, mm_err *err);
mm_rc mm_hub__sq_scs_request_put(mm_store *s, mm_hub_scs_request *r,
                                 mm_err *err);
mm_rc mm_hub__sq_scs_request_get(mm_store *s, int64_t id, bool doc,
                                 mm_hub_scs_request *out, mm_err *err);
mm_rc mm_hub__sq_scs_request_list(
    mm_store *s, const char *tenant, const char *expert,
    mm_rc (*fn)(const mm_hub_scs_request *r, void *ud), void *ud, mm_err *err);
mm_rc mm_hub__sq_scs_request_mark(mm_store *s, int64_t id, int state,
                                  const char *reason, int64_t now_ms,
                                  mm_err *err);
/* ---- the console API (api-console.c) ------------------------------------ */

#include <pthread.h>

typedef struct mm_hub_console mm_hub_console;
/* The console's state (login throttles, session limits from conf); `mu` is
 * the server's store lock (NULL when the caller is single-threaded). */
mm_rc mm_hub_console_new(mm_store *st, pthread_mutex_t *mu,
                         const mm_hub_server_conf *conf, mm_hub_console **out,
                         mm_err *err);
void mm_hub_console_free(mm_hub_console *cs);
/* True for the paths the console API answers. */
bool mm_hub_console_route(const char *url);

/* One request as the console sees it (no HTTP library in it). */
typedef struct mm_hub_http_req {
    const char *method, *path; /* path without the query */
    const char *body;
    size_t body_len;
    const char *cookie_session; /* value of the mamori_session cookie */
    const char *csrf_header;    /* X-CSRF-Token */
    const char *client_addr;    /* text, for the login throttle */
    const char *(*arg)(void *ctx, const char *name); /* query arguments */
    void *arg_ctx;
} mm_hub_http_req;

typedef struct mm_hub_http_resp {
    unsigned status;
    const char *ctype; /* NULL = application/json */
    mm_buf body;       /* the caller inits and frees it */
    char set_cookie[256];
    char retry_after[16];
} mm_hub_http_resp;

void mm_hub_console_handle(mm_hub_console *cs, const mm_hub_http_req *rq,
                           int64_t now_ms, mm_hub_http_resp *out);

/* libmicrohttpd glue for server.c: returns MHD_YES/MHD_NO; *state is the
 * request's (freed by mm_hub_console_mhd_done when the request ends). */
struct MHD_Connection;
int mm_hub_console_mhd(mm_hub_console *cs, struct MHD_Connection *c,
                       const char *url, const char *method, const char *upload,
                       size_t *upload_size, void **state);
void mm_hub_console_mhd_done(void *state);

/* ---- cases (cases.c) -----------------------------------------------------
 */

/* RFC 3339 time with its offset: +09:00 for Asia/Tokyo (and tz NULL or
 * ""), else UTC; out needs 32 bytes. */
void mm_hub_time_tz(int64_t ms, const char *tz, char *out, size_t n);
/* JSON members: "key":"time" (null when ms <= 0) and "key":"text" (null
 * when v is NULL). */
void mm_hub_jtime(mm_buf *b, const char *key, int64_t ms, const char *tz);
void mm_hub_jstr(mm_buf *b, const char *key, const char *v);
/* One audit line as {"at","actor","action","note"} (a comma before it
 * unless first). */
void mm_hub_audit_json(mm_buf *b, const mm_hub_audit *a, const char *tz,
                       bool first);
/* Where a server's first sweep starts: after the newest alert that has an
 * automatic case (the sweep opens cases oldest first, so every critical
 * alert below it has one), so a restart does not re-read every alert. */
int64_t mm_hub_case_sweep_start(mm_store *st);
/* One bounded pass of the case sweep: reads at most 1000 alerts after
 * *cursor (oldest first), opens at most 50 cases, moves the cursor past
 * what it handled; *more when there is more to do. The server runs one
 * pass at a time and lets go of the store lock in between. */
mm_rc mm_hub_case_sweep_pass(mm_store *st, int64_t *cursor, int64_t now_ms,
                             unsigned *opened, bool *more, mm_err *err);
/* The same pass with the reads (the alerts, the state lists) on `rd`, a
 * second connection to the same store, with no lock held, and only the
 * opening of cases on `st` under `mu` (NULL: no lock): the server's sweep
 * then never holds the store lock while it reads new alerts. */
mm_rc mm_hub_case_sweep_split(mm_store *rd, mm_store *st, pthread_mutex_t *mu,
                              int64_t *cursor, int64_t now_ms,
                              unsigned *opened, bool *more, mm_err *err);
/* mm_hub_alert_is_critical as an SQL condition on the columns severity and
 * rule_id, "(severity>=4 OR rule_id='…' OR …)": the SQLite store's
 * partial index of critical alerts and its query use it word for word. */
void mm_hub__critical_sql(char *out, size_t n);
/* What the console and the cases need of one alert. */
typedef struct mm_hub_alert_brief {
    bool found;
    char tenant[MM_HUB_ID_MAX + 1];
    char rule_id[129];
    char src_ip[46];
    char status[16];
    char assignee[MM_HUB_USER_MAX + 1];
    char title[257]; /* rule name, Japanese / English */
    int severity;
} mm_hub_alert_brief;
/* Alert `id`; MM_ENOTFOUND when there is none. */
mm_rc mm_hub_alert_brief_get(mm_store *st, int64_t id, mm_hub_alert_brief *out,
                             mm_err *err);
/* The case row alone; MM_ENOTFOUND when there is no such case. */
mm_rc mm_hub_case_get(mm_store *st, int64_t id, mm_hub_case *out, mm_err *err);
/* Called by the server's background thread with the store lock held:
 * opens the cases of new critical alerts (at most once a second). */
void mm_hub_console_tick(mm_hub_console *cs, int64_t now_ms);
/* Gives the console's case sweep its own connection to the store (owned
 * by the caller, used by the background thread only); from then on
 * mm_hub_console_tick_unlocked replaces mm_hub_console_tick. */
void mm_hub_console_sweep_store(mm_hub_console *cs, mm_store *rd);
/* mm_hub_console_tick called WITHOUT the store lock: reads new alerts on
 * the sweep's connection and takes the lock only to open cases. False
 * (nothing done) when the console has no sweep connection. */
bool mm_hub_console_tick_unlocked(mm_hub_console *cs, int64_t now_ms);

/* ---- console views (api-views.c) ---------------------------------------- */

/* A growable array of items of one size, and its push (for callbacks:
 * `vec` is an mm_hub_vec *; MM_ENOMEM leaves it as it was). */
typedef struct mm_hub_vec {
    void *v;
    size_t n, size;
} mm_hub_vec;
mm_rc mm_hub_vec_push(void *vec, const void *item);

/* {"tenant","month","attacks","alerts_open","alerts_closed","cases_open",
 * "feed_first_hit_stopped":null,"sensors":[…]} for `month` "YYYY-MM" (JST);
 * MM_EINVAL for a bad month. */
mm_rc mm_hub_summary_json(mm_store *st, const char *tenant, const char *month,
                          const char *tz, mm_buf *out, mm_err *err);
/* Campaigns and the supply-chain graph; with `key` (32 bytes) every tenant
 * id is replaced by a pseudonym keyed with it (the coordinator's
 * de-identified view), with key NULL the ids are shown (admin). */
mm_rc mm_hub_campaigns_view_json(mm_store *st, const uint8_t *key,
                                 const char *tz, mm_buf *out, mm_err *err);
mm_rc mm_hub_graph_json(mm_store *st, const uint8_t *key, mm_buf *out,
                        mm_err *err);
/* The escalations, newest as stored; with `key` every tenant id in a
 * reason is a pseudonym as in the views above (escalations.c). */
mm_rc mm_hub_escalations_json(mm_store *st, const uint8_t *key, const char *tz,
                              mm_buf *out, mm_err *err);
/* "t-" and 12 hex of a hash of `id` keyed with `key`; the id when key is
 * NULL. */
void mm_hub_pseudonym(const uint8_t *key, const char *id, char *out, size_t n);

/* ---- blocking lists and retraction (blocklist.c) ------------------------ */

/* indicator.campaign of an indicator the operator retracted: it stays
 * removed, whatever is seen later. */
#define MM_HUB_RETRACTED (-1)
/* correlate.c: indicators another process wrote since the cursor. */
mm_rc mm_hub__sync_indicators(mm_hub *h, mm_err *err);
/* correlate.c: inside a member's own ranges. */
bool mm_hub__member_range(const mm_hub *h, const mm_addr *a);

/* ---- notifications of alerts and cases (outbox.c, outbox-alert.c) ------ */

/* One outbox row per preference of m->tenant that m->severity reaches,
 * inside the caller's transaction (m: tenant, severity, created_ms,
 * subject and body filled; warning 0 unless a warning's). */
mm_rc mm_hub__outbox_fanout(mm_store *st, mm_outbox_msg *m, mm_err *err);
/* A stored alert that mm_hub_alert_is_critical calls critical: its rows,
 * at severity critical, in the ingest transaction. Others: nothing. */
mm_rc mm_hub__outbox_alert(mm_store *st, const char *tenant,
                           const mm_hub_event *ev, int64_t now_ms,
                           mm_err *err);
/* A newly opened case, in its transaction; nothing when its alert was
 * critical (that alert was told at ingest: one message per incident). */
mm_rc mm_hub__outbox_case(mm_store *st, const mm_hub_case *c,
                          const char *rule_id, int severity, mm_err *err);

/* store-sqlite-glue.c: the dataset_events op of the SQLite store. */
mm_rc mm_hub__sq_dataset_events(mm_store *s, const char *tenant,
                                const char *dataset, int64_t since_ms,
                                int64_t until_ms, bool newest, size_t limit,
                                mm_tenant_event_fn fn, void *ud, mm_err *err);

/* measured.c: ,"blocked":{entries,packets,bytes} or null, for the
 * console's summary of [from, to). */
mm_rc mm_hub__summary_measured(mm_store *st, const char *tenant,
                               int64_t from_ms, int64_t to_ms, mm_buf *out,
                               mm_err *err);

/* store-sqlite.c: steps `st` (ts, kind, json columns) into fn, then
 * finalizes it. */
struct sqlite3_stmt;
mm_rc mm_hub__sq_event_rows(mm_store *base, struct sqlite3_stmt *st,
                            mm_tenant_event_fn fn, void *ud, const char *what,
                            mm_err *err);

/* measured.c: a summary's sensor row after its "id": last_seen,
 * lines_per_s, unparsed_share and silent from the newest mamori.status
 * report (silent: none for more than 3 × its interval); without one,
 * last_seen = `last_received` and the figures null. */
mm_rc mm_hub__summary_sensor(mm_store *st, const char *tenant,
                             int64_t last_received, const char *tz,
                             int64_t now_ms, mm_buf *out, mm_err *err);

/* store-sqlite-answers.c: the scs_answers_put/get ops of the SQLite store. */
mm_rc mm_hub__sq_scs_answers_put(mm_store *s, const char *tenant,
                                 const char *doc, size_t len, const char *by,
                                 int64_t now_ms, mm_err *err);
mm_rc mm_hub__sq_scs_answers_get(mm_store *s, const char *tenant, char **doc,
                                 size_t *len, int64_t *saved_ms, mm_err *err);

/* scs-self.c: the SME's ★ self-assessment in the console (docs/api.md
 * "Self-assessment"). Access is decided by the caller (api-console.c).
 * questions: GET /api/v1/scs/questions?level=N from the scs catalogue;
 * answers_get: the stored answers document, or a new one for `tenant`
 * (organisation name = `org_name`, today's date) when none; answers_put:
 * validates `body` as an answers file (catalogue ids and values, at most
 * MM_HUB_SCS_ANSWERS_MAX bytes) and stores it; assess: the assessment of
 * the stored answers with the hub's evidence of `tenant`. MM_EINVAL /
 * MM_EPARSE / MM_ELIMIT with err for a bad request, MM_ENOTFOUND when
 * nothing is stored, MM_EINTERNAL "not supported by this store". */
#define MM_HUB_SCS_ANSWERS_MAX (32u * 1024u)
mm_rc mm_hub_scs_questions(int level, mm_buf *out, mm_err *err);
mm_rc mm_hub_scs_answers_get(mm_store *st, const char *tenant,
                             const char *org_name, int64_t now_ms, mm_buf *out,
                             mm_err *err);
mm_rc mm_hub_scs_answers_put(mm_store *st, const char *tenant,
                             const char *body, size_t len, const char *by,
                             int64_t now_ms, mm_err *err);
/* dir: the hub directory, for the outside-in self-check's evidence (as
 * GET /api/v1/scs/evidence gives it); NULL: none. */
mm_rc mm_hub_scs_self_assess(mm_store *st, const char *dir, const char *tenant,
                             int64_t now_ms, mm_buf *out, mm_err *err);
/* Sends the tenant's saved self-assessment, assessed now with the hub's
 * evidence, to the expert `expert` (mm_hub_scs_request_send); body is
 * {"message":"…"} or empty. The caller holds the transaction. */
mm_rc mm_hub_scs_self_send(mm_store *st, const char *dir, const char *tenant,
                           const char *expert, const char *body, size_t len,
                           int64_t now_ms, mm_hub_scs_request *out,
                           mm_err *err);

/* store-sqlite-glue.c: `"dataset":"<dataset>"` in pat (what a sensor's own
 * report holds), MM_EINVAL for a dataset not "mamori.*"; both back ends'
 * dataset_events look rows up by it. */
mm_rc mm_hub__dataset_pattern(const char *dataset, char *pat, size_t n,
                              mm_err *err);
/* The SCS-era ops (mm_store_ops) as types, for store-pg-int.h. */
typedef mm_rc mm_hub__tenant_events_op(mm_store *s, const char *tenant,
                                       int64_t since_ms, int64_t until_ms,
                                       mm_tenant_event_fn fn, void *ud,
                                       mm_err *err);
typedef mm_rc mm_hub__dataset_events_op(mm_store *s, const char *tenant,
                                        const char *dataset, int64_t since_ms,
                                        int64_t until_ms, bool newest,
                                        size_t limit, mm_tenant_event_fn fn,
                                        void *ud, mm_err *err);
typedef mm_rc mm_hub__scs_answers_put_op(mm_store *s, const char *tenant,
                                         const char *doc, size_t len,
                                         const char *by, int64_t now_ms,
                                         mm_err *err);
typedef mm_rc mm_hub__scs_answers_get_op(mm_store *s, const char *tenant,
                                         char **doc, size_t *len,
                                         int64_t *saved_ms, mm_err *err);
typedef mm_rc mm_hub__scs_request_put_op(mm_store *s, mm_hub_scs_request *r,
                                         mm_err *err);
typedef mm_rc mm_hub__scs_request_get_op(mm_store *s, int64_t id, bool doc,
                                         mm_hub_scs_request *out, mm_err *err);
typedef mm_rc mm_hub__scs_request_list_op(
    mm_store *s, const char *tenant, const char *expert,
    mm_rc (*fn)(const mm_hub_scs_request *r, void *ud), void *ud, mm_err *err);
typedef mm_rc mm_hub__scs_request_mark_op(mm_store *s, int64_t id, int state,
                                          const char *reason, int64_t now_ms,
                                          mm_err *err);

/* The two functions of an enum's names table (as core/event.c has them):
 * name_fn(v) is table[v], or `dflt` when v is out of range; from_fn(s, &v)
 * sets v to the index of name s and says whether there is one. */
#define MM_HUB_NAMES(name_fn, from_fn, type, table, count, dflt)              \
    const char *name_fn(type v)                                               \
    {                                                                         \
        return (unsigned)v < (count) ? (table)[v] : (dflt);                   \
    }                                                                         \
    bool from_fn(const char *s, type *out)                                    \
    {                                                                         \
        int i = mm_name_index(table, count, s, strlen(s));                    \
        if (i >= 0)                                                           \
            *out = (type)i;                                                   \
        return i >= 0;                                                        \
    }

/* ---- the hop chain (hop.c) ----------------------------------------------
 */

/* The hop step of event `e` of job `j` in partition `p` (of part_n): the
 * type letters of the keys it correlates here into run (NUL-ended, at
 * most MM_HUB_EVENT_KEYS + 1 bytes), and in *f where it goes next
 * (f->on left false: set once correlated). Returns the run's length. */
unsigned mm_hub__hop_plan(uint32_t part_n, unsigned p,
                          const mm_hub_ingest_job *j, const mm_hub_event *e,
                          char *run, mm_hub_fwd *f);

/* corr-health.c: a correlator's failure episodes, one log line when it
 * starts failing (the store or the bus away) and one when it works again. */
typedef struct mm_hub__corr_health {
    bool away;
    int64_t since_ms;  /* the first failure of the episode */
    uint64_t failures; /* the stats' count at that failure */
} mm_hub__corr_health;
void mm_hub__corr_away(mm_hub__corr_health *hl, uint64_t failures,
                       const char *why, mm_log_fn log, void *ud);
void mm_hub__corr_ok(mm_hub__corr_health *hl, uint64_t failures, mm_log_fn log,
                     void *ud);

/* prune-steps.c: retention through events_prune_step, the caller holding
 * `mu`, which is given back between steps; stops early when *stop. A row
 * cursor the store found past every row is logged (log may be NULL). */
mm_rc mm_hub__prune_steps(mm_store *st, int64_t before_ms, mm_usage_fn fn,
                          void *ud, pthread_mutex_t *mu, const bool *stop,
                          mm_log_fn log, void *log_ud, mm_err *err);

/* bus-notice.c: the plain NATS subject mamori.changed (docs/scale.md). A
 * correlator opens it with wake NULL and sends after a commit that changed
 * the feed or warnings (mm_bus_notice_after: when the stats' campaigns,
 * warnings or indicators moved past *mark); a front end opens it with the
 * condition its background thread waits on, signalled at each notice, and
 * asks mm_bus_notice_due (true once per notice burst, at most every
 * 100 ms) whether to reload now. NULL-safe. */
typedef struct mm_bus_notice mm_bus_notice;
mm_rc mm_bus_notice_open(const char *urls, pthread_cond_t *wake,
                         mm_bus_notice **out, mm_err *err);
void mm_bus_notice_send(mm_bus_notice *n);
bool mm_bus_notice_due(mm_bus_notice *n, int64_t since_last_ms);
void mm_bus_notice_close(mm_bus_notice *n);
void mm_bus_notice_after(mm_bus_notice *n, const mm_hub_correlate_stats *st,
                         uint64_t *mark);

#endif /* MM_HUB_INT_H */
