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
    K_DIR, K_LISTEN, K_PLAIN, K_TLS, K_SAN, K_ID, K_NAME, K_KIND, K_INDUSTRY,
    K_REGION, K_RANGE, K_DISCLOSE, K_JSON, K_STIX, K_TENANT, K_URL, K_SECRET,
    K_BUYER, K_SUPPLIER, K_LEVEL,
};
#define SAN_MAX 64u

/* What a subcommand was given. */
typedef struct hub_args {
    unsigned given; /* 1u << K_… of every option seen */
    const char *dir, *listen, *id, *name, *kind, *industry, *region, *tenant;
    const char *url, *secret, *buyer, *supplier, *level;
    int tls; /* -1 not given, 0 --plain, 1 --tls (the last one counts) */
    const char *san[SAN_MAX];
    size_t n_san;
    const char *range[MM_HUB_RANGES_MAX + 1];
    size_t n_range;
    const char *pos[3];
    size_t n_pos;
} hub_args;

/* Prints err as "mamori hub: …" and returns 1. */
int mm_cli_hub_fail(const mm_err *err);
/* The same; input errors (bad file, bad value) return 2, run-time ones 1. */
int mm_cli_hub_fail_rc(mm_rc rc, const mm_err *err);
/* A bad value the hub refused (MM_EINVAL) as a usage error, else as above. */
int mm_cli_hub_fail_usage(mm_rc rc, const mm_err *err);
/* Opens the hub in dir; returns an exit code (0 = open). */
int mm_cli_hub_open(const char *dir, mm_store **st);
/* Reads a whole file (64 MiB at most), NUL-terminated; NULL after
 * printing why. */
char *mm_cli_hub_slurp(const char *path, size_t *len);

/* One per subcommand; each returns an exit code. */
int mm_cli_hub_init(const hub_args *a);
int mm_cli_hub_tenant_add(const hub_args *a);
int mm_cli_hub_tenant_list(const hub_args *a);
int mm_cli_hub_link(const hub_args *a);
int mm_cli_hub_graph_import(const hub_args *a);
int mm_cli_hub_ioc_import(const hub_args *a);
int mm_cli_hub_webhook_set(const hub_args *a);
int mm_cli_hub_campaigns(const hub_args *a);
int mm_cli_hub_escalations(const hub_args *a);
int mm_cli_hub_serve(const hub_args *a);
int mm_cli_hub_scs_submit(const hub_args *a);
int mm_cli_hub_scs_require(const hub_args *a);
int mm_cli_hub_scs_status(const hub_args *a);

#endif
