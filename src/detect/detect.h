/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect.h — rules as data, indicator sets, allowlists, and the detector
 * that turns normalised events into alerts.
 *
 * A ruleset is loaded from rule files (see docs/rules.md for the format),
 * indicator files and allowlist CIDRs, then compiled once (one Hyperscan
 * database for every signature) and is immutable afterwards, so a reload
 * builds a new ruleset and swaps it in whole. A detector holds the mutable
 * state (time windows keyed by rule and key, counted in log time) for one
 * ruleset at a time; it is not thread-safe — use one per thread.
 */
#ifndef MM_DETECT_H
#define MM_DETECT_H

#include "core.h"

typedef enum mm_severity {
    MM_SEV_LOW = 1,
    MM_SEV_MEDIUM,
    MM_SEV_HIGH,
    MM_SEV_CRITICAL
} mm_severity;

const char *mm_severity_name(mm_severity s); /* "low" … "critical" */

/* ---- ruleset ------------------------------------------------------------ */

typedef struct mm_ruleset mm_ruleset;

mm_rc mm_ruleset_new(mm_ruleset **out);
void mm_ruleset_free(mm_ruleset *rs);

/* Adds the rules in one rule file's text; `name` is used in errors. A bad
 * rule stops the load with err = name:line: reason (nothing is added). */
mm_rc mm_ruleset_add_rules(mm_ruleset *rs, const char *name, const char *text,
                           size_t len, mm_err *err);
/* Reads every "*.rules" file of `dir` in name order. */
mm_rc mm_ruleset_add_rules_dir(mm_ruleset *rs, const char *dir, mm_err *err);
/* The default rules compiled into the binary (the rules/ folder). */
mm_rc mm_ruleset_add_default_rules(mm_ruleset *rs, mm_err *err);

/* Indicator file: one entry per line — IPv4/IPv6 address, CIDR, or domain
 * name (matches itself and its subdomains); '#' starts a comment; blank
 * lines ignored. A malformed line stops the load with file:line. `set`
 * names the list in alerts (e.g. the file's base name). */
mm_rc mm_ruleset_add_ioc_text(mm_ruleset *rs, const char *set,
                              const char *name, const char *text, size_t len,
                              mm_err *err);
mm_rc mm_ruleset_add_ioc_file(mm_ruleset *rs, const char *path, mm_err *err);
/* The set of the hub's state-backed indicators (the uplink's
 * feed-state.txt): only a rule that names it (`set feed-state`, rule
 * ioc.state) matches it; other ioc rules skip it. */
#define MM_IOC_STATE_SET "feed-state"

/* Allowlist: an address or CIDR whose events never raise alerts (the SME's
 * own networks, trusted scanners). */
mm_rc mm_ruleset_add_allow(mm_ruleset *rs, const char *cidr, mm_err *err);

/* Compiles signatures and sets; after this the ruleset is read-only and may
 * be shared by several detectors. */
mm_rc mm_ruleset_compile(mm_ruleset *rs, mm_err *err);

typedef struct mm_ruleset_info {
    unsigned rules;      /* all rules */
    unsigned signatures; /* of which single-line pattern rules */
    size_t ioc_ips;      /* addresses and prefixes in indicator sets */
    size_t ioc_domains;
    size_t allow;
} mm_ruleset_info;
void mm_ruleset_get_info(const mm_ruleset *rs, mm_ruleset_info *info);

/* ---- alerts ------------------------------------------------------------- */

#define MM_ALERT_SAMPLES 3
#define MM_ALERT_SAMPLE_MAX 512

typedef struct mm_alert {
    const char *rule_id;  /* stable, e.g. "ssh.bruteforce"; valid while the
                             ruleset lives */
    const char *title_ja; /* one-line explanation, Japanese */
    const char *title_en;
    const char *advice_ja; /* what to do now */
    const char *advice_en;
    mm_severity severity;
    char key[256];       /* the grouping key's value, e.g. "173.234.31.186" */
    mm_addr src;         /* source.ip when known */
    mm_addr dst;         /* destination.ip when known */
    char indicator[256]; /* for ioc.*: the matched indicator and its set */
    uint64_t count;      /* matching events (with message-repeat counts) */
    uint64_t distinct;   /* distinct values, for distinct-count rules */
    int64_t first_ms;    /* log time of the first and last matching event */
    int64_t last_ms;
    uint64_t id; /* stable: hash of rule id, key and first_ms */
    bool final;  /* true: window closed, counts are final */
    unsigned n_samples;
    char samples[MM_ALERT_SAMPLES][MM_ALERT_SAMPLE_MAX]; /* raw lines */
    /* added by the detect module: */
    const char *category;        /* rule.category or NULL; valid as rule_id */
    mm_dataset dataset;          /* event.dataset of the opening event */
    const char *techniques;      /* "T1110.001,T1078" (ATT&CK) or NULL */
    const char *vulnerabilities; /* "CVE-2018-13379,…" or NULL */
} mm_alert;

/* Called for each alert; the alert is valid only during the call. */
typedef void (*mm_alert_fn)(const mm_alert *alert, void *ud);

/* Appends the alert as one JSON object (no newline): {"@timestamp",
 * "event": {"kind": "alert", "id", "severity", …}, "rule": {"id", "name",
 * …}, "source": …, "mamori": {"count", "first_seen", "last_seen",
 * "samples", …}}. docs/rules.md gives the exact shape. */
mm_rc mm_alert_to_json(const mm_alert *alert, mm_buf *out);

/* ---- detector ----------------------------------------------------------- */

typedef struct mm_detector mm_detector;

typedef struct mm_detector_opts {
    size_t max_keys;   /* cap on (rule, key) windows plus first sightings
                          kept; 0 = 2,000,000. At the cap the least
                          recently seen are evicted. */
    bool emit_on_open; /* daemon mode: report an alert as soon as it opens
                          (final = false) and again when its suppression
                          window closes if the count grew (final = true).
                          Batch mode (false): report once, when it closes or
                          at mm_detector_flush. */
} mm_detector_opts;

mm_rc mm_detector_new(const mm_ruleset *rs, const mm_detector_opts *opts,
                      mm_detector **out);
void mm_detector_free(mm_detector *d);
/* Swaps in a new ruleset (reload). Windows of rules whose id is kept carry
 * over; others are dropped. The old ruleset is the caller's to free. */
mm_rc mm_detector_set_ruleset(mm_detector *d, const mm_ruleset *rs);

/* Single-line rules (signatures, indicators) that match this event, for
 * `mamori logtest`. ids stay valid while the ruleset lives. */
#define MM_LINE_HITS_MAX 16
typedef struct mm_line_hits {
    unsigned n;
    const char *ids[MM_LINE_HITS_MAX];
} mm_line_hits;
void mm_detector_match_line(mm_detector *d, const mm_event *ev,
                            const char *line, size_t len, mm_line_hits *hits);

/* Runs every rule over one event (`line` is its raw text, kept as a sample).
 * Calls `cb` for alerts that open or close. Allocates nothing per event
 * except when a new (rule, key) window or first-sighting record is created
 * (docs/rules.md, "Windows and alerts"). */
void mm_detector_feed(mm_detector *d, const mm_event *ev, const char *line,
                      size_t len, mm_alert_fn cb, void *ud);
/* Closes windows whose suppression period ended before `now_ms` (log time
 * or wall time in a daemon), reporting them; bounded work per call. */
void mm_detector_expire(mm_detector *d, int64_t now_ms, mm_alert_fn cb,
                        void *ud);
/* Reports every alert still open (end of a batch run). */
void mm_detector_flush(mm_detector *d, mm_alert_fn cb, void *ud);

typedef struct mm_detector_stats {
    uint64_t events;
    uint64_t alerts;
    uint64_t suppressed;    /* events on allowlisted sources */
    size_t windows;         /* (rule, key) windows currently held */
    size_t first_sightings; /* keys seen once, held without windows */
    size_t evicted; /* windows and first sightings dropped at the cap */
    size_t memory;  /* bytes held by windows and sets */
} mm_detector_stats;
void mm_detector_get_stats(const mm_detector *d, mm_detector_stats *st);

#endif /* MM_DETECT_H */
