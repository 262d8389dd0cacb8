/* SPDX-License-Identifier: Apache-2.0 */
/*
 * block.h — blocking that really blocks (docs/block.md): the shared feed and
 * the sensor's own high-confidence detections applied to an nftables set
 * with timeouts in mamori's own table (`table inet mamori`), never touching
 * the SME's rules; an allowlist that always wins; a cap on the set size;
 * per-entry counters of dropped packets and bytes read back; and the same
 * list rendered for appliances that pull lists (FortiGate, Palo Alto,
 * Cisco) or take pasted configuration (YAMAHA RTX).
 *
 * Planning (allowlist, cap, rendering) is pure and allocates only the plan;
 * applying talks to the kernel through libnftables.
 */
#ifndef MM_BLOCK_H
#define MM_BLOCK_H

#include "core.h"

/* Entries in the set by default, and the ceiling a config may raise it to
 * (kernel memory; a runaway feed must not fill the firewall). */
#define MM_BLOCK_MAX_DEFAULT 10000u
#define MM_BLOCK_MAX_CEILING 200000u
/* Default time an entry stays blocked without being renewed (s), and the
 * longest a config may ask for. A sensor that dies leaves entries that
 * expire by themselves after at most this long. */
#define MM_BLOCK_TTL_DEFAULT 3600u
#define MM_BLOCK_TTL_MAX (7u * 24u * 3600u)
/* Allowlist entries at most (memory). */
#define MM_BLOCK_ALLOW_MAX 4096u
/* Feed file size read at most (memory). */
#define MM_BLOCK_FEED_MAX_BYTES (64u * 1024u * 1024u)
/* The widest prefix ever blocked: a wider one in a feed is refused (a
 * typo like 0.0.0.0/0 must not cut the site off). */
#define MM_BLOCK_MIN_BITS_V4 16u
#define MM_BLOCK_MIN_BITS_V6 32u

/* The nftables names mamori owns (docs/block.md). */
#define MM_BLOCK_TABLE "mamori"
#define MM_BLOCK_SET_V4 "block_v4"
#define MM_BLOCK_SET_V6 "block_v6"

/* One blocked (or to-be-blocked) prefix. */
typedef struct mm_block_entry {
    mm_cidr net;
    unsigned ttl_s;     /* timeout given when added */
    unsigned expires_s; /* status: seconds left (0 = unknown) */
    uint64_t packets;   /* status: dropped packets */
    uint64_t bytes;     /* status: dropped bytes */
} mm_block_entry;

/* ---- allowlist: always wins ----------------------------------------------
 */

typedef struct mm_block_allow {
    mm_cidr *v;
    size_t n, cap;
} mm_block_allow;

/* Starts with loopback (127.0.0.0/8, ::1/128), which is never blocked. */
mm_rc mm_block_allow_init(mm_block_allow *a);
void mm_block_allow_free(mm_block_allow *a);
/* Adds one address or CIDR (mm_cidr_parse); `what` names it in errors.
 * MM_EPARSE for a bad value, MM_ELIMIT past MM_BLOCK_ALLOW_MAX. */
mm_rc mm_block_allow_add(mm_block_allow *a, const char *cidr, const char *what,
                         mm_err *err);
/* Adds every "nameserver ADDR" of a resolv.conf (the DNS upstreams). A
 * missing file adds nothing and is not an error. */
mm_rc mm_block_allow_add_resolv(mm_block_allow *a, const char *path,
                                mm_err *err);
/* Adds every address a host name (or literal) resolves to, e.g. the hub's
 * or an NTP server's. A name that does not resolve is MM_ENOTFOUND. */
mm_rc mm_block_allow_add_host(mm_block_allow *a, const char *host,
                              mm_err *err);
/* True when `c` overlaps an allowlisted prefix (either one inside the
 * other): such an entry is never blocked. */
bool mm_block_allowed(const mm_block_allow *a, const mm_cidr *c);

/* ---- the plan: what to block -------------------------------------------- */

typedef struct mm_block_plan {
    mm_block_entry *v;
    size_t n, cap;
    size_t max; /* cap on n (MM_BLOCK_MAX_DEFAULT when 0) */
    /* what was left out, and why */
    size_t allowed;  /* overlaps the allowlist */
    size_t capped;   /* over the cap */
    size_t domains;  /* domain names (not blockable by address) */
    size_t too_wide; /* prefix wider than MM_BLOCK_MIN_BITS_* */
    size_t dups;     /* the same or inside another entry */
} mm_block_plan;

/* max 0 = MM_BLOCK_MAX_DEFAULT; larger than MM_BLOCK_MAX_CEILING is cut
 * to it. */
void mm_block_plan_init(mm_block_plan *p, size_t max);
void mm_block_plan_free(mm_block_plan *p);
/* Offers one prefix with its TTL: left out (and counted) when allowlisted,
 * too wide or over the cap; MM_ENOMEM only on allocation failure. */
mm_rc mm_block_plan_add(mm_block_plan *p, const mm_block_allow *a,
                        const mm_cidr *c, unsigned ttl_s);
/* Reads a feed (the sensor's feed.txt, an indicator list, a pasted list):
 * one IPv4/IPv6 address or CIDR per line; blank lines and '#' comments are
 * skipped, so are domain names (counted); anything after the first space
 * or tab is ignored. A line that is neither is MM_EPARSE at name:line. */
mm_rc mm_block_feed_parse(mm_block_plan *p, const mm_block_allow *a,
                          const char *name, const char *text, size_t len,
                          unsigned ttl_s, mm_err *err);
/* Sorts the plan and drops entries inside another (nftables interval sets
 * refuse overlaps), counted in dups. */
void mm_block_plan_finish(mm_block_plan *p);
/* Index of `c` in a finished plan (exact prefix), or -1. */
long mm_block_plan_find(const mm_block_plan *p, const mm_cidr *c);

/* ---- renderings -----------------------------------------------------------
 */

/* Formats a prefix: "192.0.2.1" for a host, "198.51.100.0/24" otherwise;
 * out needs 50 bytes. */
void mm_block_cidr_format(const mm_cidr *c, char *out, size_t outlen);

/* The nftables batch that makes the kernel's set equal the plan: creates
 * mamori's table, sets and chains if missing (idempotent), deletes the
 * current entries the plan no longer holds, adds the new ones, and renews
 * entries that have less than half their TTL left (their counters are
 * carried over). `current` (may be NULL) is the set as read by
 * mm_block_status. */
mm_rc mm_block_render_nft(const mm_block_plan *want,
                          const mm_block_plan *current, mm_buf *out);

/* Plain-text lists appliances pull (docs/block.md cites each vendor):
 * FortiGate External Threat Feed, Palo Alto External Dynamic List and
 * Cisco Secure Firewall Security Intelligence all read one IP address or
 * CIDR per line; comment lines differ ('#' is accepted by none of them
 * everywhere, so no comments are written). */
typedef enum mm_block_list_format {
    MM_BLOCK_LIST_FORTIGATE = 0,
    MM_BLOCK_LIST_PALOALTO,
    MM_BLOCK_LIST_CISCO,
} mm_block_list_format;
/* "fortigate", "paloalto", "cisco" → format; false when unknown. */
bool mm_block_list_format_from_name(const char *name, mm_block_list_format *f);
mm_rc mm_block_render_list(const mm_block_plan *p, mm_block_list_format f,
                           mm_buf *out);

/* Filters written for a YAMAHA RTX at most (one interface filter list). */
#define MM_BLOCK_YAMAHA_MAX 1000u
/* YAMAHA RTX configuration an operator pastes: one
 * "ip filter N reject SRC * * * *" per IPv4 entry from filter_base up and
 * the "ip IFACE secure filter in …" line listing them followed by `keep`
 * (the filter numbers the interface already has: the command replaces the
 * whole list), and the removal lines ("no ip filter N", then the
 * interface line with `keep` alone). IPv6 entries use "ipv6 filter" and
 * "ipv6 IFACE secure filter in" the same way. MM_EINVAL for a bad
 * interface name, a `keep` that is not filter numbers, or a base that
 * leaves no room. */
typedef struct mm_block_yamaha_opts {
    unsigned filter_base; /* first filter number (e.g. 200000) */
    const char *iface;    /* "lan2", "pp1", "tunnel1" */
    const char *keep;     /* "1010 1011 1099" or NULL */
} mm_block_yamaha_opts;
mm_rc mm_block_render_yamaha(const mm_block_plan *p,
                             const mm_block_yamaha_opts *o, mm_buf *apply,
                             mm_buf *remove, mm_err *err);

/* ---- the kernel (libnftables) --------------------------------------------
 */

/* Reads mamori's sets with their counters into `out` (a plan the caller
 * initialised; entries carry packets, bytes, expires_s). No table → empty
 * plan, MM_OK. MM_EIO (err says why) when nftables cannot be asked. */
mm_rc mm_block_status(mm_block_plan *out, mm_err *err);
/* Makes the kernel's set equal the finished plan in one atomic batch. With
 * dry_run the batch is only checked (nothing changes) and left in
 * `script` (may be NULL) either way. */
mm_rc mm_block_apply(const mm_block_plan *want, bool dry_run, mm_buf *script,
                     mm_err *err);
/* Deletes mamori's table and with it everything it added. No table is
 * MM_OK (*removed false). */
mm_rc mm_block_remove(bool *removed, mm_err *err);
/* Status as JSON: {"entries":[{"net":…,"packets":…,"bytes":…,
 * "expires":…}],"packets":…,"bytes":…}. */
mm_rc mm_block_status_json(const mm_block_plan *st, mm_buf *out);

/* ---- the sensor's blocker: config and state ------------------------------
 */

#define MM_BLOCK_CONF_ALLOW_MAX 256u
#define MM_BLOCK_CONF_HOSTS_MAX 16u

/* [block] of the sensor config (docs/block.md), one key per field. */
typedef struct mm_block_conf {
    bool enabled;        /* enabled = yes; no (default): dry run only */
    unsigned ttl_s;      /* ttl: feed entries (3600) */
    unsigned ttl_high_s; /* ttl_high: own high-severity detections (3600) */
    unsigned ttl_critical_s; /* ttl_critical: own critical ones (86400) */
    unsigned max;            /* max: entries at most (10000) */
    bool detections;         /* detections = yes: own high/critical alerts */
    char resolv[512];        /* resolv: DNS servers to allowlist */
    unsigned n_allow; /* allow = CIDR (repeatable): provider admin … */
    char allow[MM_BLOCK_CONF_ALLOW_MAX][64];
    unsigned n_hosts; /* allow_host = NAME (repeatable): NTP, … */
    char hosts[MM_BLOCK_CONF_HOSTS_MAX][256];
    unsigned sync_s;   /* sync: seconds between applies (10) */
    char feed[512];    /* feed: file to block ("" = the hub's feed) */
    unsigned report_s; /* report: seconds between reports to the hub
                          (60; 0 = never) */
} mm_block_conf;

void mm_block_conf_init(mm_block_conf *c);
/* Sets one key by name; MM_ENOTFOUND for an unknown key, MM_EINVAL (err
 * says why) for a bad value. */
mm_rc mm_block_conf_set(mm_block_conf *c, const char *key, const char *val,
                        mm_err *err);

typedef struct mm_blocker mm_blocker;
/* A blocker with config `c` (copied) and allowlist `allow` (taken over,
 * also on failure; the caller adds its own ranges, the hub …). */
mm_rc mm_blocker_new(const mm_block_conf *c, mm_block_allow *allow,
                     mm_blocker **out, mm_err *err);
void mm_blocker_free(mm_blocker *b);
/* Reads the feed file (a missing file is an empty feed). */
mm_rc mm_blocker_load_feed(mm_blocker *b, const char *path, mm_err *err);
/* One of the sensor's own detections: blocked for the TTL of its severity
 * (3 = high, 4 = critical; lower ones are ignored) when detections = yes. */
void mm_blocker_detection(mm_blocker *b, const mm_addr *src, int severity,
                          int64_t now_ms);
/* Applies the feed and live detections (dry run unless enabled) and reads
 * the counters back; at most once per sync_s unless force. */
mm_rc mm_blocker_sync(mm_blocker *b, int64_t now_ms, bool force, mm_err *err);
/* "block":{…} members for the status file: mode, planned, blocked
 * entries, dropped packets and bytes, what was left out, last error. */
mm_rc mm_blocker_status_json(const mm_blocker *b, mm_buf *out);
/* The report the sensor uploads to the hub when one is due (every
 * report_s, and only in enforce mode): one ECS event line,
 * {"@timestamp","event":{"kind":"event","id","dataset":"mamori.block",
 * "action":"block_status"},"mamori":{"block":{"mode","blocked",
 * "dropped_packets","dropped_bytes","entries":[{"net","packets","bytes"}]}}}
 * with public addresses only (at most 100 entries). MM_SKIP when none is
 * due. `id_prefix` makes event.id unique per sensor run. */
mm_rc mm_blocker_report_json(mm_blocker *b, int64_t now_ms,
                             const char *id_prefix, mm_buf *out);
/* Dropped packets and bytes summed over the last read. */
void mm_blocker_dropped(const mm_blocker *b, uint64_t *packets,
                        uint64_t *bytes);

#endif /* MM_BLOCK_H */
