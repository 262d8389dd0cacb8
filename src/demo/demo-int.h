/* SPDX-License-Identifier: Apache-2.0 */
/*
 * demo-int.h — what the files of src/demo share: child processes
 * (proc.c), the local cluster of `mamori demo --cluster` (cluster.c) and
 * its loopback balancer in front of the front ends (balance.c).
 */
#ifndef MM_DEMO_INT_H
#define MM_DEMO_INT_H

#include "demo.h"

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

/* ---- child processes (proc.c) ------------------------------------------ */

/* The user a child runs as (PostgreSQL refuses root); uid 0 = unchanged. */
typedef struct mm_demo_user {
    uid_t uid;
    gid_t gid;
} mm_demo_user;

/* Starts `path` with argv (argv[0] included, NULL-terminated): stdout to
 * `out_fd` when >= 0, else with stderr to `log` (appended; NULL =
 * /dev/null). The child gets SIGINT/SIGTERM unblocked, stdin from
 * /dev/null, and `death_sig` (SIGTERM, SIGQUIT …) when the demo goes away
 * however it ends. Returns the pid, or -1. */
pid_t mm_demo_spawn(const char *path, const char *const *argv, const char *log,
                    int out_fd, const mm_demo_user *as, int death_sig);
/* Sends `sig`, waits up to 5 s, then SIGKILL; *pid becomes 0. */
void mm_demo_stop(pid_t *pid, int sig);
/* Waits for a child started by mm_demo_spawn; its exit status or -1. */
int mm_demo_wait(pid_t pid);
/* Blocks SIGINT, SIGTERM and SIGHUP (the old mask into *old): mm_demo_run
 * holds them so it can stop its children and remove its directory first,
 * then restores *old and the signal is delivered. */
void mm_demo_hold_signals(sigset_t *old);
/* True once one of them is pending. */
bool mm_demo_interrupted(void);
/* Sleeps `ms` (less when interrupted). */
void mm_demo_nap(unsigned ms);
/* A TCP port free on 127.0.0.1 now; 0 on error. */
unsigned mm_demo_free_port(void);
/* True when something accepts TCP connections on 127.0.0.1:port. */
bool mm_demo_port_open(unsigned port);

/* ---- the local cluster (cluster.c) ------------------------------------- */

#define MM_DEMO_FRONTENDS 3
#define MM_DEMO_NATS 3
#define MM_DEMO_CORRELATORS_MAX 2

typedef struct mm_demo_cluster mm_demo_cluster;

/* Checks that PostgreSQL's and NATS's programs are installed, then starts
 * PostgreSQL (initdb in dir/pg, as the postgres user when run as root) and
 * a 3-node NATS JetStream cluster on loopback. MM_ENOTFOUND (err says
 * which Debian package) when a program is missing; MM_EIO when one does
 * not start (err names its log). */
mm_rc mm_demo_cluster_up(const char *self, const char *dir,
                         mm_demo_cluster **out, mm_err *err);
/* postgresql://… of the store, nats://…,… of the bus. */
const char *mm_demo_cluster_store(const mm_demo_cluster *c);
const char *mm_demo_cluster_bus(const mm_demo_cluster *c);
/* Starts the front ends (copies of hub_dir with the bus added), the
 * correlators and the balancer; *port is the balancer's (the one address
 * the sensors are given). */
mm_rc mm_demo_cluster_hubs(mm_demo_cluster *c, const char *hub_dir,
                           unsigned *port, mm_err *err);
/* Node counts (front ends, correlators, NATS nodes). */
void mm_demo_cluster_counts(const mm_demo_cluster *c, int *fe, int *corr,
                            int *nats);
/* --chaos: called after each visit of the replay is written (step 0…);
 * kills (SIGKILL) one front end, one correlator and one NATS node at
 * fixed steps and notes each in r->kills (the correlator: the one owning
 * the partition of `ip`, the visit's attacker). say(…) narrates. */
void mm_demo_cluster_chaos(mm_demo_cluster *c, int step, const char *ip,
                           int64_t t0_ms, mm_demo_result *r,
                           mm_demo_say_fn say, void *ud);
/* Stops everything still running (also after errors); frees c. */
void mm_demo_cluster_down(mm_demo_cluster *c);

/* ---- the balancer (balance.c) ------------------------------------------ */

typedef struct mm_demo_balancer mm_demo_balancer;

/* Listens on 127.0.0.1 (a free port, *port) and forwards each connection
 * to the first of `ports` (round robin) that accepts it: the sensors'
 * one address, as a load balancer in front of the front ends would be. */
mm_rc mm_demo_balancer_start(const unsigned *ports, int n, unsigned *port,
                             mm_demo_balancer **out, mm_err *err);
void mm_demo_balancer_stop(mm_demo_balancer *b);

#endif /* MM_DEMO_INT_H */
