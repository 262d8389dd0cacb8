/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-hub.h — what the files of `mamori hub` share: the options a
 * subcommand was given, the error helpers and one run function per
 * subcommand (cmd-hub.c parses and dispatches; cmd-hub-admin.c creates and
 * changes a hub; cmd-hub-view.c serves it and shows what it holds). */
#ifndef MM_CMD_HUB_H
#define MM_CMD_HUB_H

#include "cli.h"
#include "core.h"
#include "hub.h"

/* Largest file read or document printed (memory). */
#define FILE_MAX (64u * 1024u * 1024u)

enum {
    K_DIR,
    K_LISTEN,
    K_PLAIN,
    K_TLS,
    K_SAN,
    K_ID,
    K_NAME,
    K_KIND,
    K_INDUSTRY,
    K_REGION,
    K_RANGE,
    K_DISCLOSE,
    K_JSON,
    K_STIX,
    K_TENANT,
    K_URL,
    K_SECRET,
    K_BUYER,
    K_SUPPLIER,
    K_LEVEL,
    K_STORE,
    K_SCOPE,
    K_EXPIRES,
    K_EMAIL,
    K_TEAMS,
    K_SLACK,
    K_MINSEV,
    K_DIGEST,
    K_MONTH,
    K_FORMAT,
    K_OUT,
    K_ROLE,
    K_PASSWORD_STDIN,
    K_PROVIDER,
    K_SME,
    K_BUS,
    K_CASE,
    K_GROUP,
    K_VALUE,
    K_REASON,
    K_PARTITIONS,
    K_FORCE,
};
#define SAN_MAX 64u
/* Keys from K_EXT up are kept in hub_args.ext (not in `given`). */
#define K_EXT 64
#define EXT_MAX 32u

/* What a subcommand was given, and what the dispatcher prepared. */
typedef struct hub_args {
    uint64_t given; /* 1 << K_… of every option seen (keys below K_EXT) */
    const char *dir, *listen, *id, *name, *kind, *industry, *region, *tenant;
    const char *url, *secret, *buyer, *supplier, *level;
    const char *value, *reason; /* hub feed retract */
    int tls; /* -1 not given, 0 --plain, 1 --tls (the last one counts) */
    const char *san[SAN_MAX];
    size_t n_san;
    const char *range[MM_HUB_RANGES_MAX + 1];
    size_t n_range;
    const char *pos[3];
    size_t n_pos;
    /* options of keys K_EXT and up (rows of cmd-hub-scs.c), in order */
    struct {
        int key;
        const char *val;
    } ext[EXT_MAX];
    size_t n_ext;
    mm_store *st; /* the hub's store, open for rows with .store */
    char *text;   /* FILE read, for rows with .file */
    size_t len;
    const char *store;           /* --store URI */
    const char *scope, *expires; /* token add */
    /* notify and report (cmd-hub-notify.c) */
    const char *email, *teams, *slack, *minsev, *digest, *month, *format;
    const char *out;
    const char *role, *provider, *sme; /* user add, provider link */
    const char *bus;                   /* --bus nats://… */
    const char *case_id;               /* case export (-o: out) */
    const char *group;                 /* --group N */
    const char *partitions;            /* --partitions N */
} hub_args;

/* True when option `k` was given. */
#define HAS(a, k) (((a)->given >> (k)) & 1u)
#define NEED(k) (UINT64_C(1) << (k))
#define OPT(name, key, arg)                                                   \
    {                                                                         \
        name, NULL, key, arg, NULL                                            \
    }
#define O_DIR OPT("--dir", K_DIR, true)
#define O_JSON OPT("--json", K_JSON, false)
#define O_TENANT OPT("--tenant", K_TENANT, true)
#define O_NAME OPT("--name", K_NAME, true)
#define O_ID OPT("--id", K_ID, true)

/* One subcommand: its options, what it cannot do without, and what the
 * dispatcher prepares before `run` (the one scaffold of every row). */
typedef struct hub_sub {
    const char *name; /* "tenant add"; NULL ends a table */
    const mm_cli_opt *opts;
    uint64_t need;     /* NEED(K_…) of the options it requires */
    size_t n_pos;      /* plain arguments it takes */
    const char *needs; /* the usage error when one is missing */
    int file;          /* 0, or: read pos[0] into text/len first, and
                          this exit code when it cannot be read */
    bool store;        /* open DIR's store into st (closed after) */
    int (*run)(hub_args *a);
} hub_sub;

/* The rows of cmd-hub-admin.c, cmd-hub-view.c and cmd-hub-scs.c. */
extern const hub_sub mm_cli_hub_admin_subs[];
extern const hub_sub mm_cli_hub_view_subs[];
/* The rows of cmd-hub-scale.c (migrate, correlate). */
extern const hub_sub mm_cli_hub_scale_subs[];
extern const hub_sub mm_cli_hub_token_subs[]; /* cmd-hub-token.c */
extern const hub_sub mm_cli_hub_notify_subs[];
extern const hub_sub mm_cli_hub_scs_subs[];
extern const hub_sub mm_cli_hub_asm_subs[]; /* cmd-hub-asm.c */
/* The last value of an option of key K_EXT or above, or NULL. */
const char *mm_cli_hub_ext(const hub_args *a, int key);
/* The rows of cmd-hub-user.c (accounts and provider links). */
extern const hub_sub mm_cli_hub_user_subs[];
extern const hub_sub mm_cli_hub_block_subs[]; /* cmd-hub-block.c */

/* Prints err as "mamori hub: …" and returns 1. */
int mm_cli_hub_fail(const mm_err *err);
/* The same; input errors (bad file, bad value) return 2, run-time ones 1. */
int mm_cli_hub_fail_rc(mm_rc rc, const mm_err *err);
/* A bad value the hub refused (MM_EINVAL) as a usage error, else as above. */
int mm_cli_hub_fail_usage(mm_rc rc, const mm_err *err);
/* A listing: {"<key>":[row,row…]} with --json, else a table. `n` counts
 * the rows printed (a JSON row after the first starts with a comma). */
typedef struct hub_list {
    bool json;
    unsigned n;
} hub_list;
/* Prints a secret on stdout, the one time it is shown, and `note`
 * (printf format) on stderr; returns 0. */
int mm_cli_hub_secret(const char *secret, const char *note, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends {"k[0]":"v[0]",…}: n string fields, JSON-escaped. */
void mm_cli_hub_json_object(mm_buf *b, const char *const *k,
                            const char *const *v, size_t n);
/* The options of a plain listing: --dir DIR [--json]. */
extern const mm_cli_opt mm_cli_hub_list_opts[];
/* Prints the JSON opening, or the table's header line: printf(header, …)
 * with the same widths as its rows. */
void mm_cli_hub_list_begin(const hub_list *l, const char *key,
                           const char *header, ...)
    __attribute__((format(printf, 3, 4)));
/* Closes the JSON; returns the exit code for the listing's result r. */
int mm_cli_hub_list_end(const hub_list *l, mm_rc r, const mm_err *err);
/* Opens the hub in dir; returns an exit code (0 = open). */
int mm_cli_hub_open(const char *dir, mm_store **st);

#endif
