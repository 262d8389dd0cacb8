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
} mm_store_ops;

struct mm_store {
    const mm_store_ops *ops;
};

/* Opens a store by URI: "sqlite:PATH" or a bare PATH (SQLite, created with
 * its schema when missing). */
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

#endif /* MM_HUB_H */
