/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hub.h — the mamori hub: the store behind one interface, batch decoding,
 * the supply-chain graph, correlation into campaigns, warnings, the shared
 * indicator feed, escalation, and the HTTP server (docs/hub.md,
 * docs/api.md).
 *
 * Threading: an mm_store and an mm_hub are not thread-safe; the server
 * serialises every call into them with one mutex. Nothing here prints.
 *
 * This is the surface other modules, the CLI and the tests use; what only
 * the hub's own files share is in hub-int.h.
 */
#ifndef MM_HUB_H
#define MM_HUB_H

#include "core.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

/* ---- limits (default, and the threat each one guards) ------------------ */

/* Lines per uploaded batch (memory and transaction size). */
#define MM_HUB_BATCH_MAX_LINES 10000u
/* Bytes of a batch after decompression (zstd bombs, memory). */
#define MM_HUB_BATCH_MAX_BYTES (8u * 1024u * 1024u)
/* Longest single line of a batch (one hostile object eating the budget). */
#define MM_HUB_LINE_MAX (64u * 1024u)
/* event.id length (index size). */
#define MM_HUB_EVENT_ID_MAX 64u
/* Tenant id length; ids are [A-Za-z0-9._-]. */
#define MM_HUB_ID_MAX 64u
/* Own address ranges per tenant. */
#define MM_HUB_RANGES_MAX 32u
/* User names taken into the "tried user names" key per event. */
#define MM_HUB_USERS_MAX 64u
/* Lines of a graph CSV file (graph size, memory). */
#define MM_HUB_GRAPH_MAX_LINES 1000000u
/* Tenants a correlation key remembers (memory per key). */
#define MM_HUB_KEY_TENANTS_MAX 256u
/* Correlation keys kept in memory; beyond it the oldest are dropped. */
#define MM_HUB_KEYS_MAX 4000000u

/* ---- tenants and the supply-chain graph -------------------------------- */

typedef enum mm_tenant_kind {
    MM_TK_SME = 0,
    MM_TK_BUYER,
    MM_TK_CRITICAL,
    MM_TK_PROVIDER,
    MM_TK_COUNT
} mm_tenant_kind;

const char *mm_tenant_kind_name(mm_tenant_kind k); /* "sme", "buyer", … */
bool mm_tenant_kind_from_name(const char *s, mm_tenant_kind *out);
/* True for a valid tenant id: 1..64 of [A-Za-z0-9._-]. */
bool mm_hub_id_valid(const char *s);

typedef struct mm_tenant {
    char id[MM_HUB_ID_MAX + 1];
    char name[257];
    mm_tenant_kind kind;
    char industry[65];
    char region[65];
    char token_hash[65]; /* lower-case hex SHA-256 of the bearer token */
    char ranges[1024];   /* the tenant's own CIDRs, comma-separated */
} mm_tenant;

typedef struct mm_link {
    char supplier[MM_HUB_ID_MAX + 1];
    char customer[MM_HUB_ID_MAX + 1];
    bool disclose; /* the customer may see the supplier's name */
} mm_link;

/* Token helpers: a new random token "mmt_<64 hex>" (out needs 69 bytes)
 * and the lower-case hex SHA-256 of any token (out needs 65 bytes). */
void mm_hub_token_new(char *out, size_t outlen);
void mm_hub_token_hash(const char *token, size_t len, char *out,
                       size_t outlen);

/* Parses a graph CSV ("supplier,customer,disclose" per line; an optional
 * header line "supplier,customer,disclose"; '#' comments; disclose is
 * 1/0/true/false/yes/no or empty = false). Calls `fn` per link; stops at
 * the first bad line with err = name:line: reason. Nothing is written. */
typedef mm_rc (*mm_link_fn)(const mm_link *l, void *ud, mm_err *err);
mm_rc mm_hub_graph_parse(const char *name, const char *text, size_t len,
                         mm_link_fn fn, void *ud, mm_err *err);

/* ---- decoded batch ------------------------------------------------------ */

/* One validated line of an uploaded batch (what correlation needs plus the
 * raw JSON, which is stored as sent). */
typedef struct mm_hub_event {
    char id[MM_HUB_EVENT_ID_MAX + 1]; /* event.id */
    bool alert;                       /* event.kind == "alert" */
    int64_t ts_ms;                    /* @timestamp */
    char rule_id[129];                /* rule.id (alerts) */
    int severity;                     /* 0 none, 1 low … 4 critical */
    mm_addr src;                      /* source.ip, family 0 if absent */
    char src_text[46];                /* its canonical text, "" if absent */
    char domain[254];                 /* source.domain or destination.domain */
    char path[257];                   /* url.path, cut at 256 bytes */
    uint64_t users_hash;              /* hash of the sorted user names */
    unsigned n_users;                 /* distinct names behind users_hash */
    char observer_tenant[MM_HUB_ID_MAX + 1]; /* "observer.tenant" or "" */
    const char *json; /* the raw line inside the batch */
    size_t json_len;
} mm_hub_event;

typedef struct mm_hub_batch {
    char *buf; /* decompressed body (owned) */
    size_t len;
    mm_hub_event *ev; /* owned */
    size_t n;
} mm_hub_batch;

/* Decodes and validates a whole batch: optional zstd (decompressed with the
 * cap), NDJSON, every line checked (event.id, event.kind, @timestamp,
 * rule.id for alerts). Returns MM_OK, MM_ELIMIT (→ 413: too many lines or
 * bytes), MM_EPARSE (→ 400, err->line is the 1-based line) or MM_ENOMEM.
 * On failure `out` holds nothing. Free with mm_hub_batch_free. */
mm_rc mm_hub_batch_decode(const void *body, size_t len, bool zstd,
                          mm_hub_batch *out, mm_err *err);
/* The same decoder with jansson for every line (the reference the fast
 * path is checked against by tests/unit/test-hub.c and the fuzz target):
 * same results, same errors, slower. */
mm_rc mm_hub_batch_decode_ref(const void *body, size_t len, bool zstd,
                              mm_hub_batch *out, mm_err *err);
void mm_hub_batch_free(mm_hub_batch *b);

/* ---- records the correlation writes ------------------------------------ */

typedef struct mm_campaign {
    int64_t id;        /* 0 until stored */
    char key_type[8];  /* "ip", "net", "domain", "sig", "users" */
    char key[300];     /* the key's value (text) */
    int64_t opened_ms; /* hub clock */
    int64_t first_ts;  /* event time of the first and last sighting */
    int64_t last_ts;
    unsigned tenants; /* distinct tenants hit */
    unsigned score;   /* 0..100 */
    int severity;     /* highest severity seen */
    bool escalated;
    /* event time its window ended (last_ts + W); 0 = still open. A closed
     * campaign never takes new sightings: the same key opens a new one. */
    int64_t closed_ts;
} mm_campaign;

typedef struct mm_hit {
    int64_t campaign;
    char tenant[MM_HUB_ID_MAX + 1];
    int64_t first_ts, last_ts;
    uint64_t count;
} mm_hit;

typedef struct mm_indicator {
    int64_t seq;   /* change sequence: the feed cursor */
    char type[16]; /* "ipv4-addr", "ipv6-addr", "domain-name" */
    char value[254];
    int64_t campaign;
    unsigned confidence; /* base confidence 0..100 (decays on read) */
    int64_t first_seen;  /* hub clock, ms */
    int64_t last_seen;
    int64_t valid_until;
    bool removed; /* expired or withdrawn: op "remove" */
} mm_indicator;

#define MM_WARN_TEXT_MAX 2048u
typedef struct mm_warning {
    int64_t id;
    char tenant[MM_HUB_ID_MAX + 1]; /* recipient */
    int64_t campaign;
    char kind[16]; /* "hit", "supplier", "critical" */
    int severity;
    int64_t created_ms;
    char text_ja[MM_WARN_TEXT_MAX];
    char text_en[MM_WARN_TEXT_MAX];
    /* webhook delivery: 0 none (no webhook), 1 pending, 2 delivered,
     * 3 given up */
    int hook_state;
    unsigned hook_attempts;
    int64_t hook_next_ms;
} mm_warning;

typedef struct mm_escalation {
    int64_t id;
    int64_t campaign;
    char reason[512];
    unsigned score;
    int64_t created_ms;
} mm_escalation;

/* A state-backed indicator (imported advisory list). */
typedef struct mm_stateioc {
    char type[16];
    char value[254];
    char source[128];
} mm_stateioc;

typedef struct mm_store_stats {
    uint64_t events;
    uint64_t size_bytes; /* database plus write-ahead log */
    uint64_t campaigns;
    uint64_t warnings;
    uint64_t indicators; /* live (not removed) */
    uint64_t escalations;
    int64_t max_ts; /* highest event time stored, 0 if none */
} mm_store_stats;

/* Event row as read back for rebuilding the correlation index. */
typedef struct mm_event_row {
    const char *tenant;
    int64_t ts_ms;
    int severity;
    const char *rule_id;
    mm_addr src;
    const char *domain;
    const char *path;
    uint64_t users_hash;
} mm_event_row;

/* ---- the store: one interface, several back ends ------------------------ */

typedef struct mm_store mm_store;
typedef mm_rc (*mm_tenant_fn)(const mm_tenant *t, void *ud);
typedef mm_rc (*mm_campaign_fn)(const mm_campaign *c, void *ud);
typedef mm_rc (*mm_hit_fn)(const mm_hit *h, void *ud);
typedef mm_rc (*mm_indicator_fn)(const mm_indicator *i, void *ud);
typedef mm_rc (*mm_warning_fn)(const mm_warning *w, void *ud);
typedef mm_rc (*mm_escalation_fn)(const mm_escalation *e, void *ud);
typedef mm_rc (*mm_stateioc_fn)(const mm_stateioc *s, void *ud);
typedef mm_rc (*mm_event_row_fn)(const mm_event_row *r, void *ud);
typedef mm_rc (*mm_link_row_fn)(const mm_link *l, void *ud);
struct mm_hub_scs_confirmation; /* SCS section at the end */
struct mm_hub_scs_request;      /* SCS requests, at the end */
struct mm_token;                /* tokens section at the end */
/* Bytes of stored events per tenant (quota accounting). */
typedef mm_rc (*mm_usage_fn)(const char *tenant, uint64_t bytes, void *ud);
struct mm_notify_pref; /* notifications section at the end */
struct mm_outbox_msg;
struct mm_hub_registrant; /* SCS chain of trust, at the end */
/* One stored event of a tenant: @timestamp, "alert"/"event", its JSON. */
typedef mm_rc (*mm_tenant_event_fn)(int64_t ts_ms, const char *kind,
                                    const char *json, size_t len, void *ud);
typedef mm_rc (*mm_hub_registrant_fn)(const struct mm_hub_registrant *r,
                                      void *ud);
/* console section at the end */
struct mm_hub_user;
struct mm_hub_session;
struct mm_hub_alert_filter;
struct mm_hub_alert_row;
struct mm_hub_audit;
typedef mm_rc (*mm_hub_user_fn)(const struct mm_hub_user *u, void *ud);
typedef mm_rc (*mm_hub_alert_fn)(const struct mm_hub_alert_row *a, void *ud);
typedef mm_rc (*mm_hub_audit_fn)(const struct mm_hub_audit *a, void *ud);
struct mm_hub_case;
struct mm_hub_case_step;
struct mm_hub_dispatch;
typedef mm_rc (*mm_hub_case_fn)(const struct mm_hub_case *c, void *ud);
typedef mm_rc (*mm_hub_case_step_fn)(const struct mm_hub_case_step *s,
                                     void *ud);
typedef mm_rc (*mm_hub_dispatch_fn)(const struct mm_hub_dispatch *d, void *ud);
struct mm_store_prune; /* retention in steps, at the end */

/* Every back end fills this table. Callers only use the mm_store_* inline
 * wrappers below, so a PostgreSQL store (or an ingest path that appends to
 * NATS JetStream and acks after the stream's ack) is one more table plus a
 * URI scheme in mm_store_open. Writes between begin and commit are one
 * transaction; commit returns only when the data is durable (in server
 * mode: after the next sync, see `background`). A callback
 * returning non-MM_OK stops the iteration and is returned. */
typedef struct mm_store_ops {
    const char *name;
    void (*close)(mm_store *s);
    mm_rc (*begin)(mm_store *s, mm_err *err);
    mm_rc (*commit)(mm_store *s, mm_err *err);
    void (*rollback)(mm_store *s);
    /* Stores (tenant, ev->id) once; *dup = true when it was already there. */
    mm_rc (*put_event)(mm_store *s, const char *tenant, const mm_hub_event *ev,
                       int64_t received_ms, bool *dup, mm_err *err);
    mm_rc (*scan_events)(mm_store *s, int64_t since_ts, mm_event_row_fn fn,
                         void *ud, mm_err *err);
    mm_rc (*tenant_put)(mm_store *s, const mm_tenant *t, mm_err *err);
    mm_rc (*tenant_list)(mm_store *s, mm_tenant_fn fn, void *ud, mm_err *err);
    mm_rc (*link_put)(mm_store *s, const mm_link *l, mm_err *err);
    mm_rc (*link_list)(mm_store *s, mm_link_row_fn fn, void *ud, mm_err *err);
    /* Inserts when c->id == 0 (and sets it), else updates. */
    mm_rc (*campaign_put)(mm_store *s, mm_campaign *c, mm_err *err);
    mm_rc (*campaign_list)(mm_store *s, mm_campaign_fn fn, void *ud,
                           mm_err *err);
    mm_rc (*hit_put)(mm_store *s, const mm_hit *h, mm_err *err);
    mm_rc (*hit_list)(mm_store *s, int64_t campaign, mm_hit_fn fn, void *ud,
                      mm_err *err);
    /* Upserts by (type, value) and gives it the next sequence number. */
    mm_rc (*indicator_put)(mm_store *s, mm_indicator *i, mm_err *err);
    /* Indicators with seq > since, in seq order. */
    mm_rc (*indicator_list)(mm_store *s, int64_t since, mm_indicator_fn fn,
                            void *ud, mm_err *err);
    mm_rc (*warning_put)(mm_store *s, mm_warning *w, mm_err *err);
    /* Warnings of `tenant` (NULL = all) with id > since, in id order. */
    mm_rc (*warning_list)(mm_store *s, const char *tenant, int64_t since,
                          mm_warning_fn fn, void *ud, mm_err *err);
    /* Warnings with hook_state 1 and hook_next_ms <= now. */
    mm_rc (*warning_hooks_due)(mm_store *s, int64_t now, mm_warning_fn fn,
                               void *ud, mm_err *err);
    mm_rc (*warning_hook_mark)(mm_store *s, int64_t id, int state,
                               unsigned attempts, int64_t next_ms,
                               mm_err *err);
    mm_rc (*escalation_put)(mm_store *s, mm_escalation *e, mm_err *err);
    mm_rc (*escalation_list)(mm_store *s, mm_escalation_fn fn, void *ud,
                             mm_err *err);
    /* url "" removes the webhook. */
    mm_rc (*webhook_set)(mm_store *s, const char *tenant, const char *url,
                         const char *secret, mm_err *err);
    /* MM_ENOTFOUND when the tenant has none. url 1024, secret 128 bytes. */
    mm_rc (*webhook_get)(mm_store *s, const char *tenant, char *url,
                         char *secret, mm_err *err);
    mm_rc (*stateioc_put)(mm_store *s, const mm_stateioc *i, mm_err *err);
    mm_rc (*stateioc_list)(mm_store *s, mm_stateioc_fn fn, void *ud,
                           mm_err *err);
    mm_rc (*stats)(mm_store *s, mm_store_stats *st, mm_err *err);
    /* Server mode, for a long-running server: housekeeping of the log
     * (SQLite: WAL checkpoints) moves to a background thread with its own
     * connection, and commit no longer waits for the disk: it returns once
     * the transaction is written, and `sync` makes every commit so far
     * durable. sync is the one call that is safe without the caller's
     * store lock, so the next transaction can run while the disk flushes,
     * and one flush covers every commit before it. NULL when a back end
     * has none (then commit stays durable by itself). Stopped by close. */
    mm_rc (*background)(mm_store *s, mm_err *err);
    mm_rc (*sync)(mm_store *s, mm_err *err);
    /* SCS buyer view (see the SCS section at the end of this header). */
    mm_rc (*scs_requirement_put)(mm_store *s, const char *buyer,
                                 const char *supplier, int level,
                                 int64_t set_ms, mm_err *err);
    /* MM_ENOTFOUND when the buyer set none for this supplier. */
    mm_rc (*scs_requirement_get)(mm_store *s, const char *buyer,
                                 const char *supplier, int *level,
                                 int64_t *set_ms, mm_err *err);
    mm_rc (*scs_confirmation_put)(mm_store *s,
                                  const struct mm_hub_scs_confirmation *c,
                                  mm_err *err);
    /* The supplier's latest (newest confirmation date, then newest
     * received); MM_ENOTFOUND when it has none. document is left NULL. */
    mm_rc (*scs_confirmation_latest)(mm_store *s, const char *supplier,
                                     struct mm_hub_scs_confirmation *out,
                                     mm_err *err);
    /* Events stored for `tenant`, of `kind` ("alert" or "event") and from
     * source address `src_ip` (its text form); NULL matches any. Exact, but
     * a scan: for tools and reports (mamori demo), not the ingest path. */
    mm_rc (*event_count)(mm_store *s, const char *tenant, const char *kind,
                         const char *src_ip, uint64_t *n, mm_err *err);
    /* Optional (NULL: put_event per event): a whole batch of one tenant,
     * inside the open transaction, as put_event would store it one event
     * at a time in order; an event time above ts_max is stored as
     * received_ms (the engine's clamp). dup[i] = true when ev[i] was
     * stored already, or earlier in the same batch. */
    mm_rc (*put_events)(mm_store *s, const char *tenant,
                        const mm_hub_event *ev, size_t n, int64_t received_ms,
                        int64_t ts_max, bool *dup, mm_err *err);
    /* Bearer tokens (tokens section at the end). put inserts or updates by
     * id; get finds one by hash (id NULL) or by id (hash NULL),
     * MM_ENOTFOUND when none; list gives `tenant`'s (NULL = all) by
     * creation; touch sets last_used. */
    mm_rc (*token_put)(mm_store *s, const struct mm_token *t, mm_err *err);
    mm_rc (*token_get)(mm_store *s, const char *hash, const char *id,
                       struct mm_token *out, mm_err *err);
    mm_rc (*token_list)(mm_store *s, const char *tenant,
                        mm_rc (*fn)(const struct mm_token *t, void *ud),
                        void *ud, mm_err *err);
    mm_rc (*token_touch)(mm_store *s, const char *id, int64_t now_ms,
                         mm_err *err);
    /* Stored event bytes (the JSON as sent) per tenant. */
    mm_rc (*tenant_usage)(mm_store *s, mm_usage_fn fn, void *ud, mm_err *err);
    /* Deletes the events received before `before_ms` (retention), with
     * their keys and triage state, except an alert an open case points at;
     * fn gets the bytes freed per tenant. SQLite: one transaction.
     * PostgreSQL: whole month partitions are dropped and their keys deleted
     * in resumable batches, the rest row by row (store-pg-maint.c). */
    mm_rc (*events_prune)(mm_store *s, int64_t before_ms, mm_usage_fn fn,
                          void *ud, mm_err *err);
    /* A small write and commit, to tell whether the store can write now
     * (health check). */
    mm_rc (*probe)(mm_store *s, mm_err *err);
    /* Notifications (see "notifications" at the end of this header). A back
     * end without them leaves these NULL; callers then fail with MM_EINVAL
     * "not supported by this store". */
    mm_rc (*notify_pref_put)(mm_store *s, struct mm_notify_pref *p,
                             mm_err *err);
    /* MM_ENOTFOUND when `tenant` has no preference `id`. */
    mm_rc (*notify_pref_del)(mm_store *s, const char *tenant, int64_t id,
                             mm_err *err);
    /* Preferences of `tenant` (NULL = all), by id. */
    mm_rc (*notify_pref_list)(mm_store *s, const char *tenant,
                              mm_rc (*fn)(const struct mm_notify_pref *p,
                                          void *ud),
                              void *ud, mm_err *err);
    /* Inserts (sets m->id). Inside the caller's transaction. */
    mm_rc (*outbox_put)(mm_store *s, struct mm_outbox_msg *m, mm_err *err);
    /* Pending rows with next_ms <= now, by id, 100 at most. */
    mm_rc (*outbox_due)(mm_store *s, int64_t now,
                        mm_rc (*fn)(const struct mm_outbox_msg *m, void *ud),
                        void *ud, mm_err *err);
    /* Every row of `tenant` (NULL = all), by id. */
    mm_rc (*outbox_list)(mm_store *s, const char *tenant,
                         mm_rc (*fn)(const struct mm_outbox_msg *m, void *ud),
                         void *ud, mm_err *err);
    mm_rc (*outbox_mark)(mm_store *s, int64_t id, int state, unsigned attempts,
                         int64_t next_ms, const char *last_error, mm_err *err);
    /* Durable named values (e.g. "report-sent:TENANT:2026-11");
     * MM_ENOTFOUND when unset. */
    mm_rc (*flag_get)(mm_store *s, const char *key, int64_t *val, mm_err *err);
    mm_rc (*flag_put)(mm_store *s, const char *key, int64_t val, mm_err *err);
    /* Events of `tenant` and `kind` (NULL = any) whose rule.id starts with
     * `rule_prefix` (NULL = any), counted per bucket: counts[i] gets those
     * with from_ms + i*bucket_ms <= ts < from_ms + (i+1)*bucket_ms. */
    mm_rc (*event_histogram)(mm_store *s, const char *tenant, const char *kind,
                             const char *rule_prefix, int64_t from_ms,
                             int64_t bucket_ms, uint64_t *counts, size_t n,
                             mm_err *err);
    /* SCS chain of trust (registry.c): registered experts (role 0) and
     * assessors (role 1). put upserts by (role, id); by_key finds the
     * registrant of an Ed25519 key (MM_ENOTFOUND when none); list is by id.
     * NULL in a back end without a registry (callers say so). */
    mm_rc (*scs_registrant_put)(mm_store *s, const struct mm_hub_registrant *r,
                                mm_err *err);
    mm_rc (*scs_registrant_by_key)(mm_store *s, int role,
                                   const char *public_key,
                                   struct mm_hub_registrant *out, mm_err *err);
    mm_rc (*scs_registrant_list)(mm_store *s, int role,
                                 mm_hub_registrant_fn fn, void *ud,
                                 mm_err *err);
    /* ---- people: accounts, sessions, alert triage (console section at
     * the end of this header); NULL in a back end without them, and the
     * callers answer MM_EINVAL "not supported by this store". */
    mm_rc (*user_put)(mm_store *s, const struct mm_hub_user *u, mm_err *err);
    /* MM_ENOTFOUND when there is no such user. */
    mm_rc (*user_get)(mm_store *s, const char *name, struct mm_hub_user *out,
                      mm_err *err);
    mm_rc (*user_list)(mm_store *s, mm_hub_user_fn fn, void *ud, mm_err *err);
    /* Removes the user and its sessions; MM_ENOTFOUND when unknown. */
    mm_rc (*user_del)(mm_store *s, const char *name, mm_err *err);
    mm_rc (*provider_link_put)(mm_store *s, const char *provider,
                               const char *sme, mm_err *err);
    /* The SMEs linked to `provider` (NULL = every pair). */
    mm_rc (*provider_link_list)(mm_store *s, const char *provider,
                                mm_link_row_fn fn, void *ud, mm_err *err);
    mm_rc (*session_put)(mm_store *s, const struct mm_hub_session *se,
                         mm_err *err);
    mm_rc (*session_get)(mm_store *s, const char *id_hash,
                         struct mm_hub_session *out, mm_err *err);
    mm_rc (*session_touch)(mm_store *s, const char *id_hash, int64_t last_ms,
                           mm_err *err);
    mm_rc (*session_del)(mm_store *s, const char *id_hash, mm_err *err);
    /* Alerts (events of kind "alert") with their triage state, newest
     * first (id descending), as the filter asks. */
    mm_rc (*alert_list)(mm_store *s, const struct mm_hub_alert_filter *f,
                        mm_hub_alert_fn fn, void *ud, mm_err *err);
    mm_rc (*alert_state_set)(mm_store *s, int64_t id, const char *status,
                             const char *assignee, int64_t now_ms,
                             mm_err *err);
    mm_rc (*audit_put)(mm_store *s, const struct mm_hub_audit *a, mm_err *err);
    /* The trail of one alert or case (kind "alert" or "case"), oldest first.
     */
    mm_rc (*audit_list)(mm_store *s, const char *kind, int64_t ref,
                        mm_hub_audit_fn fn, void *ud, mm_err *err);
    /* put_events only queues the batch for correlators elsewhere (a front
     * end on the NATS bus): the engine correlates nothing itself, and
     * counts every event of a batch JetStream had not seen as accepted. */
    bool ingest_only;
    /* Incident cases: inserts when c->id == 0 (and sets it), else
     * updates status and closed time. */
    mm_rc (*case_put)(mm_store *s, struct mm_hub_case *c, mm_err *err);
    /* Cases by filter (newest first): id (0 any), tenant and status (NULL
     * any), alert (0 any). */
    mm_rc (*case_list)(mm_store *s, int64_t id, const char *tenant,
                       const char *status, int64_t alert, mm_hub_case_fn fn,
                       void *ud, mm_err *err);
    /* Ticks step `step` of case `id` (kept: the first tick counts). */
    mm_rc (*case_step_put)(mm_store *s, const struct mm_hub_case_step *st,
                           mm_err *err);
    mm_rc (*case_step_list)(mm_store *s, int64_t id, mm_hub_case_step_fn fn,
                            void *ud, mm_err *err);
    mm_rc (*dispatch_put)(mm_store *s, struct mm_hub_dispatch *d, mm_err *err);
    mm_rc (*dispatch_list)(mm_store *s, int64_t id, mm_hub_dispatch_fn fn,
                           void *ud, mm_err *err);
    /* A tenant's alerts with event time in [from, to): how many, how many
     * closed or false positive; and the receive time of its newest event
     * of any kind (0 when none). */
    mm_rc (*alert_summary)(mm_store *s, const char *tenant, int64_t from_ms,
                           int64_t to_ms, uint64_t *alerts, uint64_t *closed,
                           int64_t *last_received, mm_err *err);
    /* The stored events of one tenant with since <= @timestamp <= until,
     * oldest first, each with its JSON as received (the SCS evidence,
     * evidence.c). NULL in a back end without it. */
    mm_rc (*tenant_events)(mm_store *s, const char *tenant, int64_t since_ms,
                           int64_t until_ms, mm_tenant_event_fn fn, void *ud,
                           mm_err *err);
    /* The sensor's own reports: events of `tenant` (kind "event") whose
     * event.dataset is `dataset` (one starting "mamori.", e.g. mamori.block,
     * mamori.status) with since <= @timestamp < until, each with its JSON,
     * oldest first (newest first when `newest`), at most `limit` (0 = all).
     * NULL in a back end without it: callers give null figures. */
    mm_rc (*dataset_events)(mm_store *s, const char *tenant,
                            const char *dataset, int64_t since_ms,
                            int64_t until_ms, bool newest, size_t limit,
                            mm_tenant_event_fn fn, void *ud, mm_err *err);
    /* The SME's self-assessment in progress (the console's questionnaire,
     * scs-self.c): one answers document per tenant, replaced whole; `by`
     * is the account that saved it. get gives a NUL-terminated heap copy
     * (*doc, caller frees) and when it was saved, or MM_ENOTFOUND. NULL in
     * a back end without it: callers say "not supported by this store". */
    mm_rc (*scs_answers_put)(mm_store *s, const char *tenant, const char *doc,
                             size_t len, const char *by, int64_t now_ms,
                             mm_err *err);
    mm_rc (*scs_answers_get)(mm_store *s, const char *tenant, char **doc,
                             size_t *len, int64_t *saved_ms, mm_err *err);
    /* SCS requests an SME sends to a registered expert (scs-request.c):
     * put inserts (sets r->id); get fills *out, with the assessment in
     * out->document (malloc'd, the caller frees) when `doc`; MM_ENOTFOUND
     * when there is no such id. list gives those of `tenant` and/or
     * `expert` (NULL = any), newest first, without documents. mark sets
     * state, reason and the time. NULL in a back end without them. */
    mm_rc (*scs_request_put)(mm_store *s, struct mm_hub_scs_request *r,
                             mm_err *err);
    mm_rc (*scs_request_get)(mm_store *s, int64_t id, bool doc,
                             struct mm_hub_scs_request *out, mm_err *err);
    mm_rc (*scs_request_list)(mm_store *s, const char *tenant,
                              const char *expert,
                              mm_rc (*fn)(const struct mm_hub_scs_request *r,
                                          void *ud),
                              void *ud, mm_err *err);
    mm_rc (*scs_request_mark)(mm_store *s, int64_t id, int state,
                              const char *reason, int64_t now_ms, mm_err *err);
    /* Partitioned correlators (docs/scale.md). event_parts_claim, inside
     * the open transaction: fails (MM_EIO) unless this session still holds
     * partition `part`'s lock, then records that `part` correlates events
     * ev[0..n) of `tenant`; fresh[i] = not recorded before (the first of
     * a repeated id only). part_lock takes (lock) or gives back a session
     * lock `key` (< 64) of namespace `ns` (0 partitions, 1 correlator
     * slots) without waiting: *got. part_locks: the keys of `ns` this
     * session holds (*mine) and all sessions hold (*all), as bits. NULL in
     * a back end without them (SQLite: one engine owns every key). */
    mm_rc (*event_parts_claim)(mm_store *s, const char *tenant,
                               const struct mm_hub_event *ev, size_t n,
                               unsigned part, bool *fresh, mm_err *err);
    mm_rc (*part_lock)(mm_store *s, unsigned ns, unsigned key, bool lock,
                       bool *got, mm_err *err);
    mm_rc (*part_locks)(mm_store *s, unsigned ns, uint64_t *mine,
                        uint64_t *all, mm_err *err);
    /* events_prune in short steps (docs/scale.md): each call does one
     * bounded piece (a batch of rows by id, a batch of a dropped month's
     * keys, a month checked and detached), *more while work is left; the
     * caller may let others use the store between calls. p zeroed but for
     * before_ms (and rows_per_step) before the first call. NULL in a back
     * end without it (SQLite: events_prune, one transaction). */
    mm_rc (*events_prune_step)(mm_store *s, struct mm_store_prune *p,
                               mm_usage_fn fn, void *ud, bool *more,
                               mm_err *err);
} mm_store_ops;

struct mm_store {
    const mm_store_ops *ops;
};

/* Opens a store by URI: "sqlite:PATH" or a bare PATH (SQLite, created with
 * its schema when missing), or "postgresql://…" / "postgres://…" (libpq
 * URI; the schema is created in an empty database, see mm_store_migrate). */
mm_rc mm_store_open(const char *uri, mm_store **out, mm_err *err);

static inline void mm_store_close(mm_store *s)
{
    if (s)
        s->ops->close(s);
}
static inline mm_rc mm_store_begin(mm_store *s, mm_err *e)
{
    return s->ops->begin(s, e);
}
static inline mm_rc mm_store_commit(mm_store *s, mm_err *e)
{
    return s->ops->commit(s, e);
}
static inline void mm_store_rollback(mm_store *s)
{
    s->ops->rollback(s);
}
/* Ends the transaction of mm_store_begin after the work that returned rc:
 * commits when rc is MM_OK (returning the commit's result), else rolls
 * back and returns rc. */
static inline mm_rc mm_store_end(mm_store *s, mm_rc rc, mm_err *e)
{
    if (rc == MM_OK)
        return mm_store_commit(s, e);
    mm_store_rollback(s);
    return rc;
}
static inline mm_rc mm_store_tenant_put(mm_store *s, const mm_tenant *t,
                                        mm_err *e)
{
    return s->ops->tenant_put(s, t, e);
}
static inline mm_rc mm_store_tenant_list(mm_store *s, mm_tenant_fn fn,
                                         void *ud, mm_err *e)
{
    return s->ops->tenant_list(s, fn, ud, e);
}
static inline mm_rc mm_store_link_put(mm_store *s, const mm_link *l, mm_err *e)
{
    return s->ops->link_put(s, l, e);
}
static inline mm_rc mm_store_link_list(mm_store *s, mm_link_row_fn fn,
                                       void *ud, mm_err *e)
{
    return s->ops->link_list(s, fn, ud, e);
}
static inline mm_rc mm_store_put_event(mm_store *s, const char *tenant,
                                       const mm_hub_event *ev, int64_t now,
                                       bool *dup, mm_err *e)
{
    return s->ops->put_event(s, tenant, ev, now, dup, e);
}
static inline mm_rc mm_store_campaign_list(mm_store *s, mm_campaign_fn fn,
                                           void *ud, mm_err *e)
{
    return s->ops->campaign_list(s, fn, ud, e);
}
static inline mm_rc mm_store_hit_list(mm_store *s, int64_t c, mm_hit_fn fn,
                                      void *ud, mm_err *e)
{
    return s->ops->hit_list(s, c, fn, ud, e);
}
static inline mm_rc mm_store_indicator_list(mm_store *s, int64_t since,
                                            mm_indicator_fn fn, void *ud,
                                            mm_err *e)
{
    return s->ops->indicator_list(s, since, fn, ud, e);
}
static inline mm_rc mm_store_warning_list(mm_store *s, const char *tenant,
                                          int64_t since, mm_warning_fn fn,
                                          void *ud, mm_err *e)
{
    return s->ops->warning_list(s, tenant, since, fn, ud, e);
}
static inline mm_rc mm_store_escalation_list(mm_store *s, mm_escalation_fn fn,
                                             void *ud, mm_err *e)
{
    return s->ops->escalation_list(s, fn, ud, e);
}
static inline mm_rc mm_store_webhook_set(mm_store *s, const char *t,
                                         const char *url, const char *secret,
                                         mm_err *e)
{
    return s->ops->webhook_set(s, t, url, secret, e);
}
static inline mm_rc mm_store_stateioc_put(mm_store *s, const mm_stateioc *i,
                                          mm_err *e)
{
    return s->ops->stateioc_put(s, i, e);
}
static inline mm_rc mm_store_background(mm_store *s, mm_err *e)
{
    return s->ops->background ? s->ops->background(s, e) : MM_OK;
}
static inline mm_rc mm_store_sync(mm_store *s, mm_err *e)
{
    return s->ops->sync ? s->ops->sync(s, e) : MM_OK;
}
static inline mm_rc mm_store_stats_get(mm_store *s, mm_store_stats *st,
                                       mm_err *e)
{
    return s->ops->stats(s, st, e);
}

/* ---- state-backed indicator lists -------------------------------------- */

/* Parses an indicator list: plain text (one IPv4/IPv6 address or domain per
 * line, '#' comments) or, when the first non-blank byte is '{', Elastic
 * detection-rule NDJSON (e.g. ACSC 2020-008): IPs and domains are taken from
 * the `query` strings (source.ip / destination.ip / source.domain /
 * destination.domain terms). Calls fn per indicator; bad plain-text lines
 * stop with name:line. */
mm_rc mm_hub_ioc_parse(const char *name, const char *text, size_t len,
                       mm_stateioc_fn fn, void *ud, mm_err *err);

/* ---- the correlation engine --------------------------------------------- */

typedef struct mm_hub_params {
    unsigned k;              /* distinct tenants to open a campaign (2) */
    int64_t window_ms;       /* W, event time (24 h) */
    int64_t ip_ttl_ms;       /* indicator life after last sighting (14 d) */
    int64_t domain_ttl_ms;   /* same for domains (30 d) */
    unsigned escalate_score; /* CI-supplier campaign escalation (60) */
    unsigned ci_depth;       /* how far up the graph to look for CI (3) */
    uint32_t part_n; /* partitions of the correlation key space; 0 or 1 = this
                        engine owns every key */
    uint64_t part_owned; /* bit p set = owns partition p (p < part_n <= 64) */
    unsigned keys_max;   /* correlation keys held; 0 = MM_HUB_KEYS_MAX (at the
                            cap single-tenant keys are evicted, oldest first) */
} mm_hub_params;

void mm_hub_params_default(mm_hub_params *p);

typedef struct mm_hub mm_hub;

/* Loads tenants, links, campaigns and state indicators from `st` (which
 * stays the caller's) and rebuilds the in-memory index from the events of
 * the last window. */
mm_rc mm_hub_new(mm_store *st, const mm_hub_params *p, mm_hub **out,
                 mm_err *err);
void mm_hub_free(mm_hub *h);

const mm_tenant *mm_hub_tenant_by_id(const mm_hub *h, const char *id);

typedef struct mm_hub_ingest_result {
    size_t accepted, duplicates;
    unsigned campaigns_opened, warnings, indicators, escalations;
} mm_hub_ingest_result;

/* Stores a validated batch for tenant `t` in one transaction together with
 * everything correlation derives from it (campaigns, hits, warnings,
 * indicators, escalations); returns after the commit is durable. MM_EINVAL
 * with err when a line's observer.tenant names another tenant (→ 403,
 * nothing stored). */
mm_rc mm_hub_ingest(mm_hub *h, const mm_tenant *t, const mm_hub_batch *b,
                    int64_t now_ms, mm_hub_ingest_result *res, mm_err *err);

/* Group commit: several batches (from several requests) in ONE transaction
 * and one fsync. Each job is first checked on its own (unknown tenant →
 * MM_ENOTFOUND, observer.tenant of another tenant → MM_EINVAL; such a job
 * is left out, nothing of it stored); the others are stored and correlated
 * in order and committed together. Returns MM_OK when the commit is
 * durable (each job's rc/res then tell its own outcome), else the store's
 * error, which every job that was in the transaction also gets in rc/err:
 * none of them is stored. */
typedef struct mm_hub_ingest_job {
    const mm_tenant *tenant;
    const mm_hub_batch *batch;
    mm_hub_ingest_result res; /* out */
    mm_rc rc;                 /* out */
    mm_err err;               /* out, when rc != MM_OK */
    /* in: 1 + the bus partition the batch came from (a partitioned
     * correlator correlates only that partition's keys of it); 0 = none */
    uint32_t bus_part;
    /* in: the hop of a partitioned batch (hop.c): its first key and whether
     * a key before it acted; (0, false) for a front end's batch */
    uint8_t hop_start;
    bool hop_acted;
    /* out, a partitioned batch only: per event, where it goes next (NULL
     * otherwise); the caller frees it */
    struct mm_hub_fwd *fwd;
} mm_hub_ingest_job;
mm_rc mm_hub_ingest_group(mm_hub *h, mm_hub_ingest_job *jobs, size_t n,
                          int64_t now_ms, mm_err *err);

/* STIX 2.1 bundle of the escalation queue (store only, no engine). */
mm_rc mm_hub_escalations_stix(mm_store *st, int64_t now_ms, mm_buf *out,
                              mm_err *err);
/* Campaign list as JSON (store only). */
mm_rc mm_hub_campaigns_json(mm_store *st, mm_buf *out, mm_err *err);

/* ---- the HTTP server -----------------------------------------------------
 */

/* SMTP and report mail settings (hub.conf rows smtp_url, smtp_user,
 * smtp_password_file (relative to DIR), smtp_from, smtp_tls, report_mail). */
typedef struct mm_hub_mail_conf {
    char url[512];  /* smtp://host:port or smtps://host:port */
    char user[256]; /* "" = no AUTH */
    char password_file[1100];
    char from[256];
    bool tls_required;  /* smtp_tls = required (else: STARTTLS if offered) */
    bool report_mail;   /* monthly report on the 1st to e-mail preferences */
    char ca_file[1100]; /* smtp_ca_file: CA bundle for the server's
                           certificate ("" = the system's) */
    /* Called by the notifier thread at start and then once an hour, under
     * the store lock (NULL: none). `mamori hub serve` sets it to queue the
     * monthly reports (src/report) when report_mail is on, so the hub does
     * not depend on the report module. */
    mm_rc (*hourly)(mm_store *st, int64_t now_ms, void *ud, mm_err *err);
    void *hourly_ud;
} mm_hub_mail_conf;

typedef struct mm_hub_server_conf {
    char dir[1024];       /* hub directory (store, config, cert) */
    char listen_host[64]; /* "127.0.0.1" */
    unsigned port;
    bool tls;
    char cert_path[1100];
    char key_path[1100];
    mm_hub_params params;
    double rate;      /* requests per second per tenant (20) */
    double burst;     /* bucket size (40) */
    unsigned threads; /* thread pool (8) */
    unsigned allow_n;
    char allow[64][64];       /* extra allowlist CIDRs from the config */
    unsigned max_connections; /* open connections in all (22000) */
    unsigned max_connections_per_ip; /* open connections per address (256) */
    unsigned idle_timeout; /* s before an idle connection closes (15) */
    char store[1024];      /* store URI; "" = DIR/hub.db (SQLite) */
    /* resolver for the ASM TXT proof (hub.conf asm_dns); "" = the system's */
    char asm_dns[64];
    /* per-tenant quotas (issue 12 §4); 0 = the default */
    double tenant_events_per_s; /* events per second per tenant (2000) */
    double tenant_bytes_per_s;  /* event bytes per second per tenant (2e6) */
    unsigned tenant_quota_mb;   /* stored event bytes per tenant (1024) */
    unsigned retention_days;    /* events stored longer are pruned (90) */
    unsigned min_free_mb;       /* free disk below which writes stop (256) */
    mm_hub_mail_conf mail;      /* SMTP for notifications (smtp_* rows) */
    unsigned session_idle_s;    /* console session idle expiry (1800) */
    unsigned session_max_s;     /* console session absolute expiry (43200) */
    char bus[1024];             /* "nats://…": a front end (docs/scale.md) */
    /* the server's own log (certificate reloads); NULL: none */
    mm_log_fn log;
    void *log_ud;
    unsigned bus_partitions; /* partitions on the bus (0, 1: none) */
} mm_hub_server_conf;

/* Defaults, then DIR/hub.conf ("key = value" lines) when present. */
mm_rc mm_hub_conf_load(const char *dir, mm_hub_server_conf *c, mm_err *err);
/* Sets one option by name (as in hub.conf); file/line name it in errors. */
mm_rc mm_hub_conf_set(mm_hub_server_conf *c, const char *key, const char *val,
                      const char *file, unsigned line, mm_err *err);
/* Appends a new hub.conf to out: every option with its default from the
 * one table in conf.c, except those named in kv ("key", "value", …, NULL),
 * which get the given value. */
mm_rc mm_hub_conf_render(const char *const *kv, mm_buf *out);

typedef struct mm_hub_server mm_hub_server;
/* Starts the server (store at DIR/hub.db). */
mm_rc mm_hub_server_start(const mm_hub_server_conf *c, mm_hub_server **out,
                          mm_err *err);
/* The port actually bound (useful with port 0). */
unsigned mm_hub_server_port(const mm_hub_server *s);
void mm_hub_server_stop(mm_hub_server *s);
/* Re-reads the TLS certificate and key (SIGHUP, POST
 * /api/v1/admin/tls/reload): new connections get the new pair when the
 * key matches the certificate and the certificate is valid now; otherwise
 * the pair in use stays and err says why. Logs either outcome through
 * conf.log. MM_EINVAL on a hub without TLS. */
mm_rc mm_hub_server_reload_tls(mm_hub_server *s, mm_err *err);

/* ---- SCS: buyers' required ★ and suppliers' confirmed ★ ------------------
 */

/* A confirmed assessment (`mamori scs confirm`) a supplier submits: 1 MiB
 * at most (memory per request). */
#define MM_HUB_SCS_DOC_MAX (1024u * 1024u)
/* Suppliers listed in one buyer view (response size). */
#define MM_HUB_SCS_SUPPLIERS_MAX 10000u

/* One verified confirmation as stored (history is kept; the view uses the
 * latest). Levels: 4, 3, or 0 = none achieved. */
typedef struct mm_hub_scs_confirmation {
    char supplier[MM_HUB_ID_MAX + 1]; /* the submitting tenant */
    int64_t received_ms;
    int achieved;
    int target;
    char expert_name[257];
    char registration_no[16];
    char confirmed_date[16]; /* YYYY-MM-DD */
    char catalogue_version[65];
    char public_key[65];  /* the expert's Ed25519 key, hex */
    const char *document; /* the confirmed JSON as sent (put only) */
    size_t document_len;
    /* chain of trust: until when it is valid (the scheme's validity from
     * the confirmation date), the third-party assessor of a ★4 ("" when
     * none), and whether it has lapsed (set by the buyer view) */
    char valid_until[16];
    char assessor_name[257];
    char assessor_id[33];
    bool expired;
} mm_hub_scs_confirmation;

static inline mm_rc mm_store_scs_requirement_put(mm_store *s, const char *b,
                                                 const char *sup, int level,
                                                 int64_t now, mm_err *e)
{
    return s->ops->scs_requirement_put(s, b, sup, level, now, e);
}
static inline mm_rc mm_store_scs_requirement_get(mm_store *s, const char *b,
                                                 const char *sup, int *level,
                                                 int64_t *set_ms, mm_err *e)
{
    return s->ops->scs_requirement_get(s, b, sup, level, set_ms, e);
}
static inline mm_rc
mm_store_scs_confirmation_put(mm_store *s, const mm_hub_scs_confirmation *c,
                              mm_err *e)
{
    return s->ops->scs_confirmation_put(s, c, e);
}
static inline mm_rc
mm_store_scs_confirmation_latest(mm_store *s, const char *sup,
                                 mm_hub_scs_confirmation *out, mm_err *e)
{
    return s->ops->scs_confirmation_latest(s, sup, out, e);
}

/* Verifies a confirmed assessment with the scs module (canonical form and
 * Ed25519 signature) and stores it as `supplier`'s. MM_EINVAL or MM_EPARSE
 * (→ 400) when it is not a valid confirmation or too large; nothing is
 * stored then. *out (may be NULL) gets what was recorded. */
mm_rc mm_hub_scs_submit(mm_store *st, const char *supplier, const char *doc,
                        size_t len, int64_t now_ms,
                        mm_hub_scs_confirmation *out, mm_err *err);
/* Sets the ★ (3 or 4) `buyer` requires of `supplier`. MM_ENOTFOUND (→ 403)
 * when the graph has no link supplier→buyer; MM_EINVAL for a bad level. */
mm_rc mm_hub_scs_require(mm_store *st, const char *buyer, const char *supplier,
                         int level, int64_t now_ms, mm_err *err);

/* One row of the buyer view. */
typedef struct mm_hub_scs_row {
    char supplier[MM_HUB_ID_MAX + 1];
    char name[257]; /* "" unless the link has disclose */
    bool disclose;  /* the link lets the buyer see the name */
    int required;   /* 3, 4, or 0 = none set */
    bool has_conf;  /* a verified confirmation was submitted */
    mm_hub_scs_confirmation conf;
    int meets; /* 1 met, 0 not met, -1 no requirement */
    char status_ja[256];
    char status_en[256];
} mm_hub_scs_row;

/* The buyer view: one row per supplier linked to `buyer`, by supplier id.
 * *rows is the caller's to free. */
mm_rc mm_hub_scs_status(mm_store *st, const char *buyer, mm_hub_scs_row **rows,
                        size_t *n, mm_err *err);
/* The same as JSON ({"buyer":…,"suppliers":[…]}, docs/api.md). */
mm_rc mm_hub_scs_status_json(mm_store *st, const char *buyer, mm_buf *out,
                             mm_err *err);

/* The /api/v1/scs/ routes for an authenticated tenant: sets *status and
 * writes the JSON reply (or {"error": …}) to out. */
void mm_hub_scs_http(mm_store *st, const mm_tenant *caller, const char *method,
                     const char *url, const char *body, size_t len,
                     int64_t now_ms, unsigned *status, mm_buf *out);
/* The same with the hub directory: GET /api/v1/scs/evidence then also
 * carries the tenant's latest self-check (DIR/asm-<tenant>.json). */
void mm_hub_scs_http_dir(mm_store *st, const char *dir,
                         const mm_tenant *caller, const char *method,
                         const char *url, const char *body, size_t len,
                         int64_t now_ms, unsigned *status, mm_buf *out);

/* ---- administration of a hub directory (admin.c) --------------------------
 */

/* Creates a hub in `dir`: the directory (0700), the store DIR/hub.db, the
 * config DIR/hub.conf from the table of defaults (kept when it exists), and
 * a self-signed certificate DIR/hub-cert.pem + hub-key.pem (0600) made by
 * running the openssl command (no shell) for localhost, 127.0.0.1, ::1 and
 * each name of `san` (n_san of them). `listen` (NULL = the default) and
 * `tls` are written to hub.conf. MM_EINVAL (err names the problem) for a
 * bad listen address, a bad hub.conf or a hub that already exists; MM_EIO
 * when the directory, store or certificate cannot be made. */
mm_rc mm_hub_admin_init(const char *dir, const char *listen, bool tls,
                        const char *const *san, size_t n_san, mm_err *err);
/* Opens the store of an existing hub; MM_ENOTFOUND when DIR has none. */
mm_rc mm_hub_admin_open(const char *dir, mm_store **out, mm_err *err);
/* The tenant with this id (out may be NULL); MM_ENOTFOUND when unknown. */
mm_rc mm_hub_admin_tenant_get(mm_store *st, const char *id, mm_tenant *out,
                              mm_err *err);
/* Adds tenant `t` (id, name, kind, optional industry, region, ranges) with
 * a new bearer token: writes the token (shown once, never stored) to
 * `token` (69 bytes or more) and its hash to t->token_hash. MM_EINVAL when
 * a field is bad or the id is taken. */
mm_rc mm_hub_admin_tenant_add(mm_store *st, mm_tenant *t, char *token,
                              size_t toklen, mm_err *err);
/* Adds or updates a supplier→customer link between two different known
 * tenants (MM_EINVAL for bad ids, MM_ENOTFOUND for an unknown one). */
mm_rc mm_hub_admin_link_add(mm_store *st, const mm_link *l, mm_err *err);
/* Imports a graph CSV (mm_hub_graph_parse) all or nothing: every line is
 * checked (unknown tenants → MM_ENOTFOUND at name:line) before one
 * transaction stores every link. *n gets the number of links. */
mm_rc mm_hub_admin_graph_import(mm_store *st, const char *name,
                                const char *text, size_t len, size_t *n,
                                mm_err *err);
/* Sets the warning webhook of a known tenant (url "" removes it). secret
 * NULL makes a new random one; the secret used is copied to `secret_out`
 * (128 bytes). MM_EINVAL for a url that is not http(s):// or 1024 bytes or
 * longer, or a secret outside 16..127 bytes. */
mm_rc mm_hub_admin_webhook_set(mm_store *st, const char *tenant,
                               const char *url, const char *secret,
                               char *secret_out, size_t outlen, mm_err *err);
/* Imports a state-backed indicator list (mm_hub_ioc_parse) in one
 * transaction; *n gets the number of indicators. */
mm_rc mm_hub_admin_ioc_import(mm_store *st, const char *name, const char *text,
                              size_t len, size_t *n, mm_err *err);

/* ---- the PostgreSQL store (store-pg.c) -----------------------------------
 */

/* True for a "postgresql://" or "postgres://" URI. */
bool mm_store_is_pg(const char *uri);
mm_rc mm_store_pg_open(const char *uri, mm_store **out, mm_err *err);
/* Brings the schema of the store at `uri` to this build's version, in one
 * transaction; *from and *to (may be NULL) get the version before and
 * after (0 = empty). Opening an empty PostgreSQL database does the same;
 * opening an older one asks for this. MM_EINVAL when the schema is newer
 * than this build or the database holds other tables; MM_EIO when it
 * cannot be reached. A SQLite store makes its schema on open (0 → 0). */
mm_rc mm_store_migrate(const char *uri, int *from, int *to, mm_err *err);
/* ---- tokens: scopes, expiry, revocation (tokens.c) -------------------------
 * Every bearer token is a row of its own with scopes, an optional expiry,
 * a revocation time and a last-used time. A tenant's first token (from
 * `tenant add`, and every token made before tokens had scopes) is
 * upload+feed+read without expiry, as before. */

enum {
    MM_SCOPE_UPLOAD = 1u,  /* POST /api/v1/events and SCS submissions */
    MM_SCOPE_FEED = 2u,    /* GET /api/v1/feed, feed.txt, .nft, .stix */
    MM_SCOPE_READ = 4u,    /* read-only API: inbox, SCS views */
    MM_SCOPE_METRICS = 8u, /* GET /metrics (monitoring) */
    MM_SCOPE_ADMIN = 16u,  /* /api/v1/admin/…, and /metrics */
};
#define MM_SCOPE_LEGACY (MM_SCOPE_UPLOAD | MM_SCOPE_FEED | MM_SCOPE_READ)
#define MM_SCOPE_ALL 31u
/* last_used is written at most this often per token (one write a minute,
 * not one per request). */
#define MM_TOKEN_TOUCH_MS 60000
/* Tokens one tenant may hold (rows, list size). */
#define MM_TOKEN_PER_TENANT_MAX 64u

typedef struct mm_token {
    char id[20]; /* "tk_" + 16 hex of the hash: names it, not a secret */
    char tenant[MM_HUB_ID_MAX + 1];
    char hash[65];
    unsigned scopes;      /* MM_SCOPE_* bits */
    int64_t created_ms;   /* 0 = before tokens had rows (migrated) */
    int64_t expires_ms;   /* 0 = never; refused from this instant on */
    int64_t revoked_ms;   /* 0 = not revoked */
    int64_t last_used_ms; /* 0 = never used */
} mm_token;
typedef mm_rc (*mm_token_fn)(const mm_token *t, void *ud);

/* "upload,feed,read,metrics,admin" (comma-separated, any order) ↔ bits. */
bool mm_hub_scopes_parse(const char *s, unsigned *out);
void mm_hub_scopes_format(unsigned scopes, char *out, size_t outlen);
/* "YYYY-MM-DD" → the first instant after that day (UTC): a token with
 * --expires 2027-03-31 works through March 31 and not after. */
bool mm_hub_expiry_parse(const char *s, int64_t *out_ms);

/* Makes a token for a known tenant; writes the secret (shown once, 69
 * bytes) to `secret` and the row to *out (may be NULL). MM_ENOTFOUND for
 * an unknown tenant, MM_EINVAL for no scope, MM_ELIMIT past
 * MM_TOKEN_PER_TENANT_MAX live tokens. */
mm_rc mm_hub_token_add(mm_store *st, const char *tenant, unsigned scopes,
                       int64_t expires_ms, int64_t now_ms, char *secret,
                       size_t secretlen, mm_token *out, mm_err *err);
/* Revokes token `id` now (MM_ENOTFOUND when unknown). */
mm_rc mm_hub_token_revoke(mm_store *st, const char *id, int64_t now_ms,
                          mm_err *err);
/* A new token with the same tenant, scopes and expiry, and the old one
 * revoked, in one transaction. */
mm_rc mm_hub_token_rotate(mm_store *st, const char *id, int64_t now_ms,
                          char *secret, size_t secretlen, mm_token *out,
                          mm_err *err);
/* Checks a presented bearer token: 200 with *out when it is known, live
 * and has every scope of `need` (any one of them when `any`); 401 when it
 * is unknown, revoked or expired; 403 when it lacks the scope. Writes
 * last_used at most every MM_TOKEN_TOUCH_MS. */
unsigned mm_hub_token_check(mm_store *st, const char *secret, size_t len,
                            unsigned need, bool any, int64_t now_ms,
                            mm_token *out);
/* {"tokens":[{id,tenant,scopes,created,expires,revoked,last_used}…]}. */
mm_rc mm_hub_token_list_json(mm_store *st, const char *tenant, mm_buf *out,
                             mm_err *err);
/* The admin API (/api/v1/admin/tokens…, docs/api.md) for a caller that
 * holds the admin scope: sets *status and writes the JSON reply. */
void mm_hub_token_http(mm_store *st, const char *method, const char *url,
                       const char *tenant_arg, const char *body, size_t len,
                       int64_t now_ms, unsigned *status, mm_buf *out);
/* ---- notifications: preferences and the durable outbox -----------------
 * (outbox.c, notifier.c; the message formats and transports are in
 * src/notify). Every warning stored produces, in the same transaction, one
 * outbox row per matching preference of its tenant; the notifier thread of
 * `mamori hub serve` sends due rows, retries with back-off, and marks a row
 * sent only after the server accepted it. */

/* Outbox row states. */
enum { MM_OUTBOX_PENDING = 1, MM_OUTBOX_SENT = 2, MM_OUTBOX_GIVEN_UP = 3 };
#define MM_OUTBOX_BODY_MAX 8192u

typedef struct mm_notify_pref {
    int64_t id;
    char tenant[MM_HUB_ID_MAX + 1];
    char channel[8];   /* "email", "teams", "slack" */
    char target[1024]; /* mail address or https:// webhook URL */
    int min_severity;  /* 1 low … 4 critical */
    bool digest;       /* one daily digest instead of at once */
} mm_notify_pref;

typedef struct mm_outbox_msg {
    int64_t id;
    int64_t pref; /* the preference that made it (0: hub.conf report_to) */
    char tenant[MM_HUB_ID_MAX + 1];
    char channel[8];
    char target[1024];
    int64_t warning; /* source warning id, 0 for a report */
    int severity;
    int64_t created_ms;
    bool digest;
    char subject[512];             /* UTF-8, one line */
    char body[MM_OUTBOX_BODY_MAX]; /* UTF-8 */
    int state;                     /* MM_OUTBOX_… */
    unsigned attempts;
    int64_t next_ms;
    char last_error[256];
} mm_outbox_msg;

typedef mm_rc (*mm_notify_pref_fn)(const mm_notify_pref *p, void *ud);
typedef mm_rc (*mm_outbox_fn)(const mm_outbox_msg *m, void *ud);

/* "low" "medium" "high" "critical" or 1..4 → 1..4; 0 when unknown. */
int mm_hub_severity_from_name(const char *s);
const char *mm_hub_severity_name(int sev);

/* Checks and adds a preference of a known tenant (sets p->id): channel
 * "email" with a valid address, or "teams"/"slack" with an https:// URL
 * (http:// only to loopback). MM_EINVAL with err naming the bad field. */
mm_rc mm_hub_notify_add(mm_store *st, mm_notify_pref *p, mm_err *err);
mm_rc mm_hub_notify_del(mm_store *st, const char *tenant, int64_t id,
                        mm_err *err);
mm_rc mm_hub_notify_list(mm_store *st, const char *tenant,
                         mm_notify_pref_fn fn, void *ud, mm_err *err);
/* Puts the outbox rows for warning `w` (already stored, w->id set): one per
 * preference of w->tenant whose min_severity <= w->severity. Digest rows are
 * due at the next 09:00 JST. Call inside the transaction that stored w. A
 * store without notifications adds nothing. */
mm_rc mm_hub_outbox_warning(mm_store *st, const mm_warning *w, mm_err *err);

/* The notifier thread: sends due outbox rows every second (and once an
 * hour calls mc->hourly when set). It locks `mu`
 * around every store call, like the server's other threads. */
typedef struct mm_hub_notifier mm_hub_notifier;
mm_rc mm_hub_notifier_start(mm_store *st, pthread_mutex_t *mu,
                            const mm_hub_mail_conf *mc, mm_hub_notifier **out,
                            mm_err *err);
void mm_hub_notifier_stop(mm_hub_notifier *n);
/* One pass of the notifier (what the thread does each second), for tests
 * and `mamori hub notify send`: *sent and *failed get the counts. */
mm_rc mm_hub_notifier_pass(mm_store *st, const mm_hub_mail_conf *mc,
                           int64_t now_ms, unsigned *sent, unsigned *failed,
                           mm_err *err);
/* ---- SCS chain of trust: registered experts and assessors (registry.c) ---
 * A confirmation is accepted only when signed by a registered, currently
 * valid expert key (and, for ★4, countersigned by a registered assessor);
 * see mm_hub_scs_submit and docs/scs.md. */

typedef enum mm_hub_reg_role {
    MM_HUB_REG_EXPERT = 0, /* 登録セキスペ: 6-digit registration number */
    MM_HUB_REG_ASSESSOR    /* third-party assessor (★4) */
} mm_hub_reg_role;

/* Rows in one CSV import (memory). */
#define MM_HUB_REG_IMPORT_MAX 100000u

typedef struct mm_hub_registrant {
    mm_hub_reg_role role;
    char id[33]; /* registration number / assessor id */
    char name[257];
    char public_key[65];  /* Ed25519, lower-case hex */
    char valid_from[11];  /* YYYY-MM-DD, "" = from any date */
    char valid_until[11]; /* YYYY-MM-DD, "" = open-ended */
    char region[129];     /* e.g. 大阪 */
    char industries[257]; /* ';'-separated, e.g. 製造;物流 */
    char themes[257];     /* ';'-separated, e.g. ★3確認;ASM */
    char contact[257];
    int64_t added_ms;
} mm_hub_registrant;

const char *mm_hub_reg_role_name(mm_hub_reg_role role); /* "expert" */
/* Checks (and normalises the key of) a registrant; MM_EINVAL naming
 * name:line and the field. */
mm_rc mm_hub_registrant_check(mm_hub_registrant *r, const char *name,
                              unsigned line, mm_err *err);
/* Adds or replaces one registrant. */
mm_rc mm_hub_registry_add(mm_store *st, mm_hub_registrant *r, int64_t now_ms,
                          mm_err *err);
/* Imports the operator's CSV (header registration_no|assessor_id,name,
 * public_key,valid_from,valid_until,region,industries,themes,contact) all
 * or nothing: every line is checked first (errors name name:line), then one
 * transaction stores every row. *n gets the number of rows. */
mm_rc mm_hub_registry_import(mm_store *st, mm_hub_reg_role role,
                             const char *name, const char *text, size_t len,
                             int64_t now_ms, size_t *n, mm_err *err);
mm_rc mm_hub_registry_list(mm_store *st, mm_hub_reg_role role,
                           mm_hub_registrant_fn fn, void *ud, mm_err *err);
/* The directory an SME chooses an expert from: every entry of `role`
 * registered today, as {"role","entries":[{registration_no, name, region,
 * industries, themes, contact, valid_until, public_key}]} by number. */
mm_rc mm_hub_registry_directory(mm_store *st, mm_hub_reg_role role,
                                int64_t today_days, mm_buf *out, mm_err *err);
/* The same, only the entries whose region, industries and themes contain
 * `region`, `industry` and `theme` (each NULL or "": any), as
 * `mamori scs experts --region --industry --theme` filters. */
mm_rc mm_hub_registry_find(mm_store *st, mm_hub_reg_role role,
                           int64_t today_days, const char *region,
                           const char *industry, const char *theme,
                           mm_buf *out, mm_err *err);
/* The registrant of `public_key`, registered for the signing date and
 * still valid today (days since 1970). MM_EINVAL with the reason when it
 * is unknown or outside its validity. */
mm_rc mm_hub_registry_key(mm_store *st, mm_hub_reg_role role,
                          const char *public_key, int64_t date_days,
                          int64_t today_days, mm_hub_registrant *out,
                          mm_err *err);
/* ---- people: accounts, roles, sessions, access, alert triage ---------------
 * auth.c (passwords, session ids, login throttle, TOTP), access.c (the one
 * access decision), api-console.c (the /api/v1 console routes; docs/api.md
 * "Console API"). */

typedef enum mm_hub_role {
    MM_ROLE_SME = 0,
    MM_ROLE_PROVIDER,
    MM_ROLE_BUYER,
    MM_ROLE_COORDINATOR,
    MM_ROLE_ADMIN,
    MM_ROLE_COUNT
} mm_hub_role;

const char *mm_hub_role_name(mm_hub_role r); /* "sme", "provider", … */
bool mm_hub_role_from_name(const char *s, mm_hub_role *out);

/* User names: 1..64 of [A-Za-z0-9._@-]. */
#define MM_HUB_USER_MAX 64u
bool mm_hub_user_valid(const char *s);
/* Longest password taken (Argon2id hashes any length; this bounds work). */
#define MM_HUB_PASSWORD_MAX 256u

typedef struct mm_hub_user {
    char name[MM_HUB_USER_MAX + 1];
    char tenant[MM_HUB_ID_MAX + 1];
    mm_hub_role role;
    char pwhash[128]; /* crypto_pwhash_str: "$argon2id$v=19$m=…" */
    char totp[33];    /* base32 TOTP secret, "" = not enrolled */
    char tz[41];      /* IANA zone for the console, "Asia/Tokyo" */
    int64_t created_ms;
} mm_hub_user;

typedef struct mm_hub_session {
    char id_hash[65]; /* hex SHA-256 of the 32 random bytes of the cookie */
    char user[MM_HUB_USER_MAX + 1];
    char csrf[65]; /* hex of 32 random bytes, sent back in X-CSRF-Token */
    int64_t created_ms, last_ms;
} mm_hub_session;

typedef struct mm_hub_alert_filter {
    const char *tenant; /* NULL = any (only with id) */
    int64_t id;         /* one alert, 0 = any */
    int64_t before;     /* ids below this, 0 = no bound (paging) */
    int64_t after;      /* ids above this, 0 = no bound (case sweep) */
    const char *status; /* triage state, NULL = any */
    int min_severity;   /* 0..4 */
    unsigned limit;     /* rows at most, 0 = 1 */
    /* With tenant NULL: only this provider's own alerts and those of the
     * SMEs it watches (provider_links), in one query. NULL = no bound. */
    const char *provider;
    bool oldest_first; /* ascending ids (the case sweep's cursor) */
    /* Only alerts mm_hub_alert_is_critical calls critical (a store may
     * ignore it and return the others too: callers check each row). The
     * SQLite store reads them from a partial index (events_alerts_critical).
     */
    bool critical;
} mm_hub_alert_filter;

/* An alert as listed: pointers valid during the callback only. status is
 * "new" until someone triages it. */
typedef struct mm_hub_alert_row {
    int64_t id;
    const char *tenant, *rule_id, *src_ip, *status, *assignee;
    const char *json; /* the alert as the sensor sent it */
    size_t json_len;
    int severity;
    int64_t ts_ms, received_ms, updated_ms;
} mm_hub_alert_row;

/* One line of an audit trail: who did what to an alert or case, when. */
typedef struct mm_hub_audit {
    char kind[8]; /* "alert" or "case" */
    int64_t ref;
    int64_t ts_ms;
    char actor[MM_HUB_USER_MAX + 1];
    char what[96];
    char note[1024];
} mm_hub_audit;

/* ---- access: every console route asks this one function -------------- */

typedef enum mm_hub_res {
    MM_RES_TENANT = 0,  /* a tenant's name and relation */
    MM_RES_ALERTS,      /* its alerts (raw events inside) */
    MM_RES_ALERT_WRITE, /* triage: acknowledge, assign, close */
    MM_RES_CASES,       /* its incident cases */
    MM_RES_CASE_WRITE,  /* open a case, tick a step, record a dispatch */
    MM_RES_SUMMARY,     /* its month in figures and sensor health */
    MM_RES_WARNINGS,    /* warnings it received */
    MM_RES_SCS,         /* its confirmed ★ */
    MM_RES_CAMPAIGNS,   /* hub-wide, de-identified */
    MM_RES_GRAPH,       /* hub-wide, de-identified */
    MM_RES_ESCALATIONS, /* hub-wide */
    MM_RES_SUPPLIERS,   /* a buyer's supplier view (target = the buyer) */
    MM_RES_USERS,       /* accounts */
    MM_RES_SCS_SELF,    /* its ★ self-assessment in progress (read) */
    MM_RES_SCS_ANSWER,  /* answering it: the SME itself only */
    MM_RES_ASM,         /* its outside-in self-check (read) */
    MM_RES_COUNT
} mm_hub_res;

typedef enum mm_hub_decision {
    MM_ACCESS_ALLOW = 200,
    MM_ACCESS_FORBIDDEN = 403,
    MM_ACCESS_NOT_FOUND = 404 /* unrelated tenant: existence not revealed */
} mm_hub_decision;

typedef enum mm_hub_relation {
    MM_REL_NONE = 0,
    MM_REL_SELF,     /* the caller's own tenant */
    MM_REL_PROVIDER, /* the caller is a provider monitoring this SME */
    MM_REL_BUYER     /* this tenant supplies the caller along graph links */
} mm_hub_relation;

/* The relation lookups the decision needs (the server answers them from
 * the store; the tests from a table). */
typedef struct mm_hub_relations {
    bool (*provides)(void *ud, const char *provider, const char *sme);
    bool (*supplies)(void *ud, const char *supplier, const char *buyer);
    void *ud;
} mm_hub_relations;

const char *mm_hub_relation_name(mm_hub_relation r); /* "self", … */
mm_hub_relation mm_hub_relation_of(mm_hub_role role, const char *actor_tenant,
                                   const char *target,
                                   const mm_hub_relations *rel);
/* The decision for `role` of tenant `actor_tenant` on `res` of tenant
 * `target` (NULL for hub-wide resources). Rules (docs/api.md "Access"):
 * admin everything; sme its own tenant; provider its own and linked SMEs;
 * buyer its own, and of its suppliers only warnings, ★ and the tenant
 * row; coordinator campaigns, graph and escalations, no tenant's alerts.
 * A tenant the caller has no relation to answers NOT_FOUND. */
mm_hub_decision mm_hub_access(mm_hub_role role, const char *actor_tenant,
                              mm_hub_res res, const char *target,
                              const mm_hub_relations *rel);

/* ---- passwords, sessions, throttle (auth.c) ---------------------------- */

/* Argon2id with libsodium's interactive limits (crypto_pwhash_str); out
 * needs 128 bytes. MM_EINVAL for an empty or too long password, MM_ENOMEM
 * when the memory limit cannot be had. */
mm_rc mm_hub_password_hash(const char *pw, size_t len, char *out,
                           size_t outlen, mm_err *err);
bool mm_hub_password_verify(const char *hash, const char *pw, size_t len);
/* A new random password: 20 characters of an unambiguous alphabet (about
 * 100 bits); out needs 21 bytes. */
void mm_hub_password_new(char *out, size_t outlen);
/* A new session: cookie value id (64 hex = 32 random bytes), its SHA-256
 * hex id_hash (what is stored) and a CSRF token (64 hex); each 65 bytes. */
void mm_hub_session_new(char *id, char *id_hash, char *csrf);
/* Constant-time equality of two NUL-terminated strings. */
bool mm_hub_str_equal(const char *a, const char *b);

/* Login throttle: per key (an account, an address) failures within 15
 * minutes; from `limit` failures on, each attempt waits 30 s doubling up to
 * 1 h. Not thread-safe (the server holds its lock). */
typedef struct mm_hub_throttle mm_hub_throttle;
mm_hub_throttle *mm_hub_throttle_new(unsigned limit);
void mm_hub_throttle_free(mm_hub_throttle *t);
/* 0 when an attempt may go on now, else seconds to wait (Retry-After). */
unsigned mm_hub_throttle_wait(mm_hub_throttle *t, const char *key,
                              int64_t now_ms);
void mm_hub_throttle_fail(mm_hub_throttle *t, const char *key, int64_t now_ms);
void mm_hub_throttle_reset(mm_hub_throttle *t, const char *key);

/* TOTP (RFC 6238: HMAC-SHA-1, 6 digits, 30 s steps). A new base32 secret
 * (32 characters = 20 bytes; out 33 bytes); the code for a time; and the
 * check of a code against now ±1 step, constant time. */
void mm_hub_totp_secret_new(char *out, size_t outlen);
mm_rc mm_hub_totp_code(const char *secret_b32, int64_t unix_s, char out[7]);
bool mm_hub_totp_check(const char *secret_b32, const char *code,
                       int64_t unix_s);

/* ---- accounts (admin.c of people: auth.c) ------------------------------ */

/* Adds user u->name of known tenant u->tenant with role u->role; password
 * pw (NULL: a new random one, copied to pw_out, 21 bytes). MM_EINVAL for a
 * bad or taken name, MM_ENOTFOUND for an unknown tenant. */
mm_rc mm_hub_admin_user_add(mm_store *st, mm_hub_user *u, const char *pw,
                            char *pw_out, size_t outlen, mm_err *err);
/* Links provider tenant → SME tenant (both known; kinds provider and sme). */
mm_rc mm_hub_admin_provider_link(mm_store *st, const char *provider,
                                 const char *sme, mm_err *err);
/* Enrols a TOTP secret for the user; writes the otpauth:// URI to uri. */
mm_rc mm_hub_admin_user_totp(mm_store *st, const char *name, char *uri,
                             size_t urilen, mm_err *err);

/* ---- the NATS JetStream bus (bus-nats.c) -----------------------------------
 */

typedef struct mm_bus mm_bus;
/* Connects to "nats://HOST:PORT[,nats://…]" (reconnecting forever) and
 * makes sure the stream MAMORI exists (subjects mamori.batch.>, file
 * storage, R3 with three servers or more, 2-minute duplicate window). */
mm_rc mm_bus_open(const char *urls, mm_bus **out, mm_err *err);
void mm_bus_close(mm_bus *b);
/* Publishes one validated batch (NDJSON) of `tenant` with Nats-Msg-Id =
 * tenant/SHA-256(data) and waits for JetStream's ack; *dup = JetStream
 * already had that batch. MM_EIO when it was not acknowledged. */
mm_rc mm_bus_publish(mm_bus *b, const char *tenant, const char *data,
                     size_t len, bool *dup, mm_err *err);
/* Fetches up to `max` batches through the durable pull consumer `durable`
 * (explicit ack), waiting up to timeout_ms; hands them to fn together;
 * acks each after fn returned MM_OK, naks all otherwise (they come back).
 * *n = batches acknowledged. */
typedef mm_rc (*mm_bus_batch_fn)(const char *const *tenant,
                                 const char *const *data, const size_t *len,
                                 size_t n, void *ud, mm_err *err);
mm_rc mm_bus_consume(mm_bus *b, const char *durable, size_t max,
                     int timeout_ms, mm_bus_batch_fn fn, void *ud, size_t *n,
                     mm_err *err);
/* Makes a PostgreSQL store a front end's: opens the bus at `urls` (owned
 * by the store from then on, closed with it); put_events publishes each
 * batch to the bus (ingest_only) instead of storing it; everything else
 * reads and writes PostgreSQL. MM_EINVAL for a store that is not
 * PostgreSQL; mm_bus_open's errors. */
mm_rc mm_store_attach_bus(mm_store *st, const char *urls, mm_err *err);

typedef struct mm_hub_correlate_stats {
    uint64_t batches, events, duplicates, campaigns, warnings;
    uint64_t dropped;  /* undecodable or of an unknown tenant */
    uint64_t failures; /* fetches nak'ed (store or bus away) */
    char last_error[512];
    uint64_t forwards;       /* hop messages published (partitioned) */
    uint64_t forward_events; /* events in them */
    uint64_t indicators;     /* feed indicators written */
} mm_hub_correlate_stats;
/* `mamori hub correlate`: consumes the bus (durable "correlate") into the
 * store until one of the signals in `stop` (blocked by the caller) is
 * pending; each fetch of up to `group` batches is one group commit, acked
 * after it (group 1 gives exactly the single-node hub's results for
 * batches sent one at a time). */
mm_rc mm_hub_correlate_run(const char *store_uri, const char *bus_urls,
                           const mm_hub_params *p, size_t group,
                           const sigset_t *stop, mm_hub_correlate_stats *st,
                           mm_err *err);
/* The same with the key space split in p->part_n partitions (2..64)
 * shared by every correlator started so (docs/scale.md): each owns its
 * fair share through PostgreSQL session locks, takes over those of a
 * correlator that died within about a second, consumes each owned
 * partition through its durable consumer correlate-p<p>, and correlates
 * an event's keys of a partition exactly once (event_parts). `log` (may
 * be NULL) gets a line whenever the owned partitions change. */
mm_rc mm_hub_correlate_run_parts(const char *store_uri, const char *bus_urls,
                                 const mm_hub_params *p, size_t group,
                                 const sigset_t *stop, mm_log_fn log,
                                 void *log_ud, mm_hub_correlate_stats *st,
                                 mm_err *err);
/* A front end's partitions (docs/scale.md): with 2 or more, batches go
 * out by mm_bus_publish_events, one message per partition touched. */
void mm_bus_set_parts(mm_bus *b, uint32_t parts);
uint32_t mm_bus_parts(const mm_bus *b);
/* Publishes a validated batch split by partition: each event to its first
 * key's partition (mm_hub_event_first_partition; the hop chain takes it
 * on to the others), subject mamori.part.<p>.<tenant>,
 * Nats-Msg-Id <tenant>/<SHA-256 of the batch>/<p>; returns after every
 * partition's publish ack. dup[i] for every event: every partition had
 * it already. */
mm_rc mm_bus_publish_events(mm_bus *b, const char *tenant,
                            const mm_hub_event *ev, size_t n, bool *dup,
                            mm_err *err);
/* mm_store_attach_bus with `parts` partitions (0 or 1: one subject per
 * tenant, as before). */
mm_rc mm_store_attach_bus_parts(mm_store *st, const char *urls, uint32_t parts,
                                mm_err *err);

/* ---- incident cases (cases.c; docs/api.md "Cases") --------------------- */

typedef struct mm_hub_case {
    int64_t id;
    char tenant[MM_HUB_ID_MAX + 1];
    int64_t alert;   /* the alert that opened it */
    char status[16]; /* "open" or "closed" */
    int64_t opened_ms, closed_ms;
    char opened_by[MM_HUB_USER_MAX + 1]; /* "mamori" when automatic */
    bool personal_data; /* personal data may have leaked: PPC reports */
    char title[257];
} mm_hub_case;

typedef struct mm_hub_case_step {
    int64_t case_id;
    char step[33]; /* the checklist's id */
    char done_by[MM_HUB_USER_MAX + 1];
    int64_t done_ms;
    char note[1024];
} mm_hub_case_step;

/* On-site dispatch (駆付け): requested and arrival times. */
typedef struct mm_hub_dispatch {
    int64_t id, case_id;
    int64_t requested_ms, arrived_ms; /* 0 = not given */
    char by[MM_HUB_USER_MAX + 1];
    int64_t ts_ms; /* when it was recorded */
    char note[1024];
} mm_hub_dispatch;

/* The first-response checklist (data/incident/first-response.tsv, built
 * into the binary): each step's id, texts, and due date rule. */
typedef struct mm_hub_step_def {
    const char *id, *ja, *en;
    const char *when;                 /* "always" or "personal_data" */
    int due_days, due_days_malicious; /* 0 = no due date */
} mm_hub_step_def;
/* The steps in order; *n gets their number. */
const mm_hub_step_def *mm_hub_checklist(size_t *n);

/* True when an alert of this rule and severity opens a case by itself:
 * critical severity, success after failures on SSH, VPN or RDP, an
 * indicator match, or a cleared event log. */
bool mm_hub_alert_is_critical(const char *rule_id, int severity);
/* Opens a case for every critical alert above *cursor that has none (the
 * cursor moves on); *opened gets how many. All of it at once, for tools
 * and tests: the server takes one bounded pass at a time. */
mm_rc mm_hub_case_sweep(mm_store *st, int64_t *cursor, int64_t now_ms,
                        unsigned *opened, mm_err *err);
/* Opens a case for alert `alert_id` by `who` (MM_ENOTFOUND when there is
 * no such alert; an open case of the alert is returned as it is). */
mm_rc mm_hub_case_open(mm_store *st, int64_t alert_id, const char *who,
                       bool personal_data, int64_t now_ms, mm_hub_case *out,
                       mm_err *err);
/* The case as JSON (steps with due dates, dispatches, timeline), times in
 * `tz` (NULL = Asia/Tokyo). */
mm_rc mm_hub_case_json(mm_store *st, int64_t id, const char *tz, mm_buf *out,
                       mm_err *err);
/* The case as one self-contained HTML page: a timeline for the police or
 * an insurer, Japanese first. */
mm_rc mm_hub_case_html(mm_store *st, int64_t id, mm_buf *out, mm_err *err);

/* ---- SCS evidence produced by the hub (evidence.c) -----------------------
 * What the store knows about one tenant, as an SCS evidence file (docs/scs.md
 * "Evidence produced by the hub"): the log sources its sensors sent and when
 * (datasets_seen), and checks derived from its alerts and events —
 * auth_compromise, mfa_remote, exposed_services, alert_review — each with
 * its source, time and freshness. Events with @timestamp in
 * (now - window_days, now] are read. */
mm_rc mm_hub_evidence_json(mm_store *st, const char *tenant, int64_t now_ms,
                           unsigned window_days, mm_buf *out, mm_err *err);
/* The same plus the tenant's latest outside-in self-check from `dir`
 * (asm_exposure, asm_vulnerable, asm_tls; dir NULL: none). */
mm_rc mm_hub_evidence_json_dir(mm_store *st, const char *dir,
                               const char *tenant, int64_t now_ms,
                               unsigned window_days, mm_buf *out, mm_err *err);

/* ---- outside-in self-check of an SME's own assets (asm.c) ---------------
 * State in DIR/asm-<tenant>.json. Nothing is probed before the asset's
 * ownership is proven (verify). docs/scs.md "Outside-in self-check". */
typedef struct mm_hub_asm_port {
    unsigned port;
    const char *name; /* "rdp", "smb", ... */
} mm_hub_asm_port;

typedef struct mm_hub_asm_opts {
    const mm_hub_asm_port *ports; /* ports that should never face the net */
    size_t n_ports;
    unsigned rate;   /* probes per second at most */
    const char *kev; /* the known-exploited banner list's text, or NULL */
} mm_hub_asm_opts;

/* Lists an asset (domain or IPv4, optionally :port) for a tenant with a new
 * ownership token (32 hex, written to token). */
mm_rc mm_hub_asm_add(const char *dir, const char *tenant, const char *asset,
                     char token[33], mm_err *err);
/* Proves ownership: "mamori-verify=<token>" as a TXT record on
 * _mamori.<domain> (domain assets; asked of `dns` "A.B.C.D:PORT", or of the
 * system's resolver when NULL), or in
 * http(s)://ASSET/.well-known/mamori-verify.txt. MM_EINVAL saying what was
 * looked for when neither is there. */
mm_rc mm_hub_asm_verify(const char *dir, const char *tenant, const char *asset,
                        const char *dns, int64_t now_ms, mm_err *err);
/* Checks every verified asset (unverified ones are listed as refused) and
 * writes the report JSON to out. */
mm_rc mm_hub_asm_check(const char *dir, const char *tenant,
                       const mm_hub_asm_opts *o, int64_t now_ms, mm_buf *out,
                       mm_err *err);

/* The latest self-check as SCS evidence checks (evidence-asm.c):
 * asm_exposure, asm_vulnerable, asm_tls, each ok or not with the check's
 * time (last_seen), "self-check <time> <host:port>" as source and the
 * findings as lines. x owns the strings until mm_hub_asm_evidence_free.
 * Returns how many checks were written to c (0: no check in
 * (from_ms, now_ms], or nothing probed). */
#define MM_HUB_ASM_EV_CHECKS 3u
typedef struct mm_hub_asm_ev {
    char source[MM_HUB_ASM_EV_CHECKS][320];
    char *lines[MM_HUB_ASM_EV_CHECKS][8]; /* MM_SCS_CHECK_LINES_MAX */
} mm_hub_asm_ev;
struct mm_scs_check;
size_t mm_hub_asm_evidence(const char *dir, const char *tenant,
                           int64_t from_ms, int64_t now_ms, mm_hub_asm_ev *x,
                           struct mm_scs_check *c);
void mm_hub_asm_evidence_free(mm_hub_asm_ev *x);
/* The tenant's self-check as the console shows it: {"tenant","assets":
 * [{"asset","verified_at","method","token"}],"last_check":{…}|null}; the
 * token only of an asset not proven yet (what to publish). */
mm_rc mm_hub_asm_view(const char *dir, const char *tenant, mm_buf *out,
                      mm_err *err);

/* TXT records (dns-txt.c): fn gets each TXT record's character-strings
 * joined, NUL-terminated; a non-OK return stops the walk. */
typedef mm_rc (*mm_hub_txt_fn)(const char *txt, size_t len, void *ud);
/* Parses a DNS answer message (bounds-checked, compressed names). */
mm_rc mm_hub_dns_txt_parse(const unsigned char *msg, size_t len,
                           mm_hub_txt_fn fn, void *ud, mm_err *err);
/* Asks `server` ("A.B.C.D:PORT", NULL: the system's resolver) for the TXT
 * records of `name`; MM_ENOTFOUND when there are none. */
mm_rc mm_hub_dns_txt_query(const char *server, const char *name,
                           mm_hub_txt_fn fn, void *ud, mm_err *err);

/* ---- blocking lists and retraction (blocklist.c, docs/block.md) ---------
 */

/* The live IP indicators as the plain list a firewall pulls, for tenant
 * `t`: format "fortigate", "paloalto" or "cisco" (one address or CIDR per
 * line, the same for all three); never the tenant's own ranges, a member's
 * ranges, the hub's allowlist or a reserved address; only indicators whose
 * decayed confidence is at least min_conf. MM_ENOTFOUND for an unknown
 * format. The caller holds the hub's lock. */
mm_rc mm_hub_blocklist(mm_hub *h, const mm_tenant *t, const char *format,
                       unsigned min_conf, int64_t now_ms, mm_buf *out,
                       mm_err *err);
/* Retracts an indicator (IP address or domain name) in the store: it is
 * marked removed with a new feed sequence, so every sensor's feed puller
 * gets it as a removal, and it is never listed again whatever is seen
 * later. Works on a store another process serves (that server picks it up
 * through mm_hub_sync). *was_listed tells whether it was live. MM_EINVAL
 * for a value that is neither. */
mm_rc mm_hub_retract_store(mm_store *st, const char *value, int64_t now_ms,
                           bool *was_listed, mm_err *err);
/* The same through a running engine (store, index and cursor at once). */
mm_rc mm_hub_retract(mm_hub *h, const char *value, int64_t now_ms,
                     bool *was_listed, mm_err *err);
/* Takes in indicators another process wrote (a retraction from the CLI)
 * and moves the feed cursor past them, so long polls answer. */
mm_rc mm_hub_sync(mm_hub *h, mm_err *err);

/* The block routes: tenant t (authenticated) GETs
 * /api/v1/blocklist/<format>.txt[?min=N]; t NULL is the operator's
 * POST /api/v1/admin/retract?value=V (the server allows it from loopback
 * only). Sets *status, *text (plain list, else JSON) and the body. The
 * caller holds the hub's lock. */
void mm_hub_block_http(mm_hub *h, const mm_tenant *t, const char *url,
                       const char *value, const char *min, int64_t now_ms,
                       unsigned *status, bool *text, mm_buf *out);

/* ---- measured facts from the sensor's own reports (measured.c) ---------
 * "Blocked" only as the sensor's nftables counters measured it: the
 * mamori.block events a blocking sensor uploads (src/block). */

typedef struct mm_hub_blocked {
    bool known;       /* the tenant has a blocking sensor reporting */
    uint64_t entries; /* addresses/ranges listed in the month's reports */
    uint64_t packets, bytes; /* dropped in the month (counter increases) */
} mm_hub_blocked;

/* The month [from, to) of `tenant`: per entry, the increase of its dropped
 * packet and byte counters over the month's reports (a counter that went
 * down restarted: its new value counts), from the last report before the
 * month (up to 7 days back) on. known = false when no report is stored
 * from 7 days before the month to its end, or the store cannot say. */
mm_rc mm_hub_blocked_month(mm_store *st, const char *tenant, int64_t from_ms,
                           int64_t to_ms, mm_hub_blocked *out, mm_err *err);

/* ---- SCS renewal reminders (scs-renew.c) ----------------------------------
 */

/* Days from today (JST) to valid_until (YYYY-MM-DD): negative once it has
 * lapsed. false when valid_until is empty or not a date (open-ended). */
bool mm_hub_scs_days_left(const char *valid_until, int64_t now_ms,
                          int64_t *days);
/* "あと N 日で期限切れ" / "expires in N days", "期限切れ" / "lapsed". */
void mm_hub_scs_expiry_text(int64_t days, char *ja, char *en, size_t n);
/* The reminder due at days_left: 60 (60..15 days left), 14 (14..0), -1
 * (lapsed) or 0 (more than 60 days left). */
int mm_hub_scs_renewal_stage(int64_t days_left);
/* One pass at now_ms: for each tenant's latest confirmation of ★3/★4 whose
 * current reminder (60 days, 14 days, lapsed) was not sent yet, queues the
 * reminder to every notification preference of the tenant and of each
 * buyer linked to it (the supplier named to a buyer only when the link
 * discloses it), with the durable flag "scs-renew:TENANT:VALID_UNTIL:STAGE"
 * in the same transaction. A reminder whose time has passed (the hub was
 * down) is not sent late: only the current one. *queued (may be NULL) gets
 * the rows queued. MM_EINVAL when the store lacks notifications. */
mm_rc mm_hub_scs_renewal_due(mm_store *st, int64_t now_ms, unsigned *queued,
                             mm_err *err);

/* ---- SCS requests to an expert (scs-request.c) ----------------------------
 * An SME sends its assessment to a registered expert through the hub
 * (POST /api/v1/scs/requests with its token); the expert, who signs each of
 * its requests with its registered key (mm_scs_request_sign, header
 * X-Mamori-Expert: REGNO TS_MS SIG), lists and reads only the requests
 * addressed to it and answers with a signed confirmation (verified as
 * mm_hub_scs_submit does, then stored as the SME's) or a rejection with a
 * reason. */

#define MM_HUB_SCS_REQ_MESSAGE_MAX 2000u /* bytes of the SME's note */
#define MM_HUB_SCS_REQ_REASON_MAX 1000u  /* bytes of a rejection reason */
#define MM_HUB_SCS_REQ_LIST_MAX 1000u    /* requests in one listing */
/* How far an expert's signed time may be from the hub's clock. */
#define MM_HUB_SCS_REQ_SKEW_MS (300LL * 1000)

enum {
    MM_HUB_SCS_REQ_SENT = 0,
    MM_HUB_SCS_REQ_CONFIRMED = 1,
    MM_HUB_SCS_REQ_REJECTED = 2
};

typedef struct mm_hub_scs_request {
    int64_t id;
    char tenant[MM_HUB_ID_MAX + 1]; /* the SME that sent it */
    char expert[16];                /* the registration number */
    int64_t created_ms, updated_ms;
    int state;                   /* MM_HUB_SCS_REQ_… */
    char target[8], achieved[8]; /* from the assessment, e.g. "★3" */
    char message[MM_HUB_SCS_REQ_MESSAGE_MAX + 1];
    char reason[MM_HUB_SCS_REQ_REASON_MAX + 1];
    char *document; /* the assessment JSON (put: given; get: malloc'd) */
    size_t document_len;
} mm_hub_scs_request;

const char *mm_hub_scs_request_state(int state); /* "sent", … */
/* Checks and stores `tenant`'s request {"expert":"012345","assessment":
 * {…},"message":"…"} (every field by type; the expert registered and valid
 * today). MM_EINVAL / MM_EPARSE (→ 400) naming the field, MM_ENOTFOUND
 * (→ 404) for an unknown expert; *out (may be NULL) gets the row. When the
 * expert's directory contact is a mail address, a mail telling it a request
 * waits is queued in the outbox too: the caller holds the transaction. */
mm_rc mm_hub_scs_request_send(mm_store *st, const char *tenant,
                              const char *body, size_t len, int64_t now_ms,
                              mm_hub_scs_request *out, mm_err *err);
/* The expert's signed header checked against the registry: *regno gets the
 * registration number. MM_EINVAL (→ 401) with the reason. */
mm_rc mm_hub_scs_expert_auth(mm_store *st, const char *header,
                             const char *method, const char *path,
                             const char *body, size_t len, int64_t now_ms,
                             char regno[16], mm_err *err);
/* The /api/v1/scs/requests routes of a signed expert (`header` as sent). */
void mm_hub_scs_expert_http(mm_store *st, const char *header,
                            const char *method, const char *url,
                            const char *body, size_t len, int64_t now_ms,
                            unsigned *status, mm_buf *out);
/* The /api/v1/scs/requests routes of the sending tenant (from
 * mm_hub_scs_http). */
void mm_hub_scs_request_http(mm_store *st, const mm_tenant *caller,
                             const char *method, const char *url,
                             const char *body, size_t len, int64_t now_ms,
                             unsigned *status, mm_buf *out);

/* ---- partitions of the correlation key space (docs/scale.md) ---------- */

/* Most partitions a key space can have (one bit each in part_owned). */
#define MM_HUB_PARTS_MAX 64u
/* The partition of correlation key `key` ("ip:…", "net:…", "domain:…",
 * "sig:…", "users:…", the text correlate.c makes) among part_n: a hash
 * with a fixed seed, the same in every process and run. An "ip:" key goes
 * with its net key (the /24 or /64), so an address and its network are
 * correlated by the same engine. 0 when part_n <= 1. */
unsigned mm_hub_key_partition(const char *key, size_t len, uint32_t part_n);
/* The partitions (bit p) of every correlation key event `e` may have (the
 * engine's keys, before its allowlist and member ranges drop some: a front
 * end has no engine); 0 when it has none. */
uint64_t mm_hub_event_partitions(const mm_hub_event *e, uint32_t part_n);

/* ---- the hop chain of partitioned correlators (hop.c; docs/scale.md) ---
 *
 * The single engine walks an event's keys in order ip, net, domain, sig,
 * users and lets the first key that has or opens a campaign act. A front
 * end publishes an event to the partition of its first key only; the
 * correlator of a partition correlates the run of the event's keys that
 * are its own from the hop's start, then forwards the event to the
 * partition of the next key with whether a key acted already. */

/* Most correlation keys of one event. */
#define MM_HUB_EVENT_KEYS 5u
/* Each correlation key event `e` may have, in the engine's order: its
 * partition among part_n (part[i]) and its type's first letter (type[i]:
 * 'i'p, 'n'et, 'd'omain, 's'ig, 'u'sers). Returns the number of keys. */
unsigned mm_hub_event_key_parts(const mm_hub_event *e, uint32_t part_n,
                                uint8_t part[MM_HUB_EVENT_KEYS],
                                char type[MM_HUB_EVENT_KEYS]);
/* The run of keys partition `p` correlates on a hop that starts at key
 * `start` of an event whose n keys are in partitions part[]: keys start ..
 * *next - 1, every one in p; *next = the key the event goes to next (n:
 * the chain ends). Returns the run's length, 0 when key `start` is not in
 * p (then *next = start). */
unsigned mm_hub_hop_run(const uint8_t *part, unsigned n, unsigned start,
                        unsigned p, unsigned *next);
/* The one partition a front end publishes event `e` of `tenant` to: its
 * first key's, or for an event without a key one chosen by (tenant, event
 * id), so it is stored all the same. 0 when part_n <= 1. */
unsigned mm_hub_event_first_partition(const mm_hub_event *e,
                                      const char *tenant, uint32_t part_n);
/* A hop: the key the partition starts at, whether a key before acted. */
typedef struct mm_hub_hop {
    uint8_t start;
    bool acted;
} mm_hub_hop;
/* The Mamori-Hop header's value ("<start>" or "<start>a", start 1..4);
 * NULL or "" (a front end's message) is (0, false). False when malformed. */
bool mm_hub_hop_parse(const char *v, mm_hub_hop *out);
/* Writes the header value of `h` into out (at least 8 bytes). */
void mm_hub_hop_format(const mm_hub_hop *h, char *out, size_t n);
/* Where one correlated event goes next (mm_hub_ingest_job.fwd[i]). */
typedef struct mm_hub_fwd {
    bool on;      /* forwarded */
    uint8_t part; /* to this partition */
    mm_hub_hop hop;
} mm_hub_fwd;
/* Called by mm_hub_ingest_group after the group's writes and before its
 * commit (docs/scale.md: forwards published before the commit, the input
 * acked after it): a failure rolls the group back. */
typedef mm_rc (*mm_hub_precommit_fn)(void *ud, const mm_hub_ingest_job *jobs,
                                     size_t n, mm_err *err);
void mm_hub_set_precommit(mm_hub *h, mm_hub_precommit_fn fn, void *ud);
/* Starts the engine's second thread, which resolves a group's correlation
 * keys while mm_hub_ingest_group writes its events (prekeys.c); for a
 * process that ingests on one thread while another core is free (the
 * embedded hub's committer). Results are the same with or without it. */
mm_rc mm_hub_set_prekeys(mm_hub *h, mm_err *err);
/* The precommit of a partitioned correlator: every job's forwards
 * published to the bus, grouped by (partition, hop) into one message each
 * (subject mamori.part.<q>.<tenant>, header Mamori-Hop, Nats-Msg-Id
 * <tenant>/<SHA-256 of the message>/<q>/h<start>[a]: a re-forward after a
 * redelivery is a JetStream duplicate). `ud` is an mm_hub_hop_out. */
typedef struct mm_hub_hop_out {
    mm_bus *bus;
    uint64_t forwards; /* messages published */
    uint64_t events;   /* events in them */
} mm_hub_hop_out;
mm_rc mm_hub_hop_forward(void *ud, const mm_hub_ingest_job *jobs, size_t n,
                         mm_err *err);
/* Publishes `data` to `subj` with Nats-Msg-Id `id` and the Mamori-Hop
 * header `hop` (bus-nats.c); *dup: JetStream had it already. */
mm_rc mm_bus_publish_hop(mm_bus *b, const char *subj, const char *id,
                         const char *hop, const char *data, size_t len,
                         bool *dup, mm_err *err);

/* Where a prune in steps (mm_store_ops.events_prune_step) stands. */
typedef struct mm_store_prune {
    int64_t before_ms;      /* the horizon: events received before go */
    uint32_t rows_per_step; /* rows judged per step; 0: the store's own */
    unsigned phase;         /* the store's own from here on */
    bool locked;
    char month[64];
    int64_t row_cursor, hold, old_top;
    uint64_t steps; /* steps taken */
    /* the saved cursor, when it was past every row and the walk started
     * again from the lowest id (0: it was not) */
    int64_t cursor_reset;
} mm_store_prune;

/* `mamori hub bus upgrade` (bus-stream.c, docs/scale.md): the stream
 * MAMORI made by an older mamori with the limits policy is deleted and
 * made again as a work queue, unless messages in it are still to be
 * correlated (out->due > 0: state MM_BUS_REFUSED, nothing changed) or,
 * without `force`, a correlator is attached (a pull request of one of its
 * consumers waiting: MM_BUS_ATTACHED, nothing changed). Front ends only
 * publish: JetStream cannot show them. */
enum {
    MM_BUS_NO_STREAM,  /* none yet: a front end makes it a work queue */
    MM_BUS_WORK_QUEUE, /* already one: nothing to do */
    MM_BUS_REFUSED,    /* limits policy, messages still due */
    MM_BUS_RECREATED,  /* deleted and made again as a work queue */
    MM_BUS_ATTACHED    /* limits policy, a correlator still fetching */
};
typedef struct mm_bus_upgrade {
    int state;         /* MM_BUS_… */
    uint64_t due;      /* messages not yet delivered, acked or consumed */
    uint64_t waiting;  /* pull requests of correlators seen waiting */
    char consumer[64]; /* the consumer of one of them */
} mm_bus_upgrade;
mm_rc mm_bus_stream_upgrade(const char *urls, bool force, mm_bus_upgrade *out,
                            mm_err *err);

#endif /* MM_HUB_H */
