/* SPDX-License-Identifier: Apache-2.0 */
/*
 * demo.h — helpers of `mamori demo`: moving real log lines (data/samples)
 * to another time and host so that the same attackers reach several SMEs
 * one after another; mm_demo_run (run.c) is the whole demo, src/cli/cmd-demo.c
 * its options and output.
 */
#ifndef MM_DEMO_H
#define MM_DEMO_H

#include "core.h"

/* Log time (seconds since the epoch, UTC) of a syslog line
 * "Mmm dd hh:mm:ss host …" in `year`; false when the line has none. */
bool mm_demo_syslog_time(const char *line, size_t len, int year, int64_t *t);
/* Log time of an access-log line "… [dd/Mon/yyyy:hh:mm:ss +zzzz] …". */
bool mm_demo_access_time(const char *line, size_t len, int64_t *t);

/* Appends the syslog line to `out` with its time replaced by `t` (UTC) and
 * its host field by `host` (NULL keeps it), plus a newline. MM_EPARSE when
 * the line has no syslog time stamp. */
mm_rc mm_demo_rewrite_syslog(const char *line, size_t len, int64_t t,
                             const char *host, mm_buf *out);
/* Appends the access-log line with its time replaced by `t` (as +0000),
 * plus a newline. MM_EPARSE when it has no [time]. */
mm_rc mm_demo_rewrite_access(const char *line, size_t len, int64_t t,
                             mm_buf *out);

/* One narration message: Japanese, then the same in English. */
typedef void (*mm_demo_say_fn)(void *ud, const char *ja, const char *en);

/* One process --chaos killed (mm_demo_result.kills). */
typedef struct mm_demo_kill {
    char what[16]; /* "frontend", "correlator", "nats" */
    char name[32]; /* "fe2", "correlate1", "n3" */
    long pid;
    int after_visit; /* killed right after the replay's visit no. N */
    int64_t at_ms;   /* … this long after the replay began (demo clock) */
} mm_demo_kill;
#define MM_DEMO_KILLS_MAX 4

typedef struct mm_demo_opts {
    const char *self;    /* the mamori binary started as hub and sensors */
    const char *samples; /* data/samples; NULL = ./data/samples or next to
                            `self` (an explicit one must be right) */
    const char *dir;     /* work directory, created and kept; NULL = a
                            temporary one, removed unless `keep` */
    bool keep;
    mm_demo_say_fn say; /* may be NULL (silent) */
    void *ud;
    bool cluster; /* PostgreSQL + 3-node NATS + 3 front ends + correlator(s)
                     (cluster.c) instead of one SQLite hub */
    bool chaos;   /* with cluster: SIGKILL of one front end, one correlator
                     and one NATS node during the replay */
} mm_demo_opts;

typedef struct mm_demo_result {
    unsigned tenants; /* tenants registered at the hub */
    long events;      /* events at the hub (its store) */
    long campaigns;
    long warned_buyers; /* buyers and critical operators with warnings */
    long escalations;
    int protected_before;   /* SMEs whose sensor had an attacker from the
                               shared list before its first line there
                               (one clock: the demo's) */
    double median_lead_s;   /* median of those leads, log time */
    int first_line_hits;    /* (attacker, SME) pairs where ioc.ip fired on
                               the first line: the address was on the
                               shared block list */
    double feed_ms[2];      /* per attacker, on the demo's monotonic clock:
                               the line that made the campaign written →
                               the address in the last sensor's feed.txt;
                               -1 when not measured (not every sensor) */
    int reached_after_open; /* (attacker, SME) visits after the
                               attacker's campaign opened */
    int protected_pairs;    /* … of them with the sensor protected first */
    double protected_fraction; /* protected_pairs / reached_after_open;
                                  -1 when none was reached */
    char dir[1024];            /* the work directory ("" before it exists) */
    bool kept;                 /* … and it is kept */
    bool cluster;              /* the hub was the local cluster */
    int frontends, correlators, nats_nodes; /* … its node counts */
    mm_demo_kill kills[MM_DEMO_KILLS_MAX];  /* --chaos: what was killed */
    int n_kills;
} mm_demo_result;

/* Runs the whole demo, narrating through o->say, and fills `r`. MM_OK when
 * it ran to the end (r->campaigns says whether the hub saw a campaign);
 * MM_ENOTFOUND when data/samples is not found (or, with o->cluster,
 * PostgreSQL's or NATS's programs; err names the Debian package),
 * MM_EPARSE when the attackers' lines are missing from it, MM_EIO when
 * the work directory, hub or sensors cannot be set up (err says which log
 * to read) or on SIGINT/SIGTERM/SIGHUP. Children are stopped and a
 * temporary directory removed before it returns (after a signal, the
 * signal is then delivered). */
mm_rc mm_demo_run(const mm_demo_opts *o, mm_demo_result *r, mm_err *err);

/* One line of output (a JSON object without its newline). */
typedef void (*mm_demo_line_fn)(void *ud, const char *line);

/* `mamori demo --serve` (serve.c): after mm_demo_run kept DIR, adds a
 * monitoring provider and an analysis centre, one console account per role
 * (sme, provider, buyer, coordinator; random passwords), starts `self hub
 * serve --plain` on DIR/hub, calls `ready` with {"console_url", "accounts"}
 * and keeps the hub up until SIGINT or SIGTERM. MM_EIO when the hub does
 * not start (err names its log). */
mm_rc mm_demo_serve(const char *self, const char *dir, mm_demo_line_fn ready,
                    void *ud, mm_err *err);

#endif /* MM_DEMO_H */
