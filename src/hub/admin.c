/* SPDX-License-Identifier: Apache-2.0 */
/* admin.c — what `mamori hub …` does to a hub directory: create it (store,
 * hub.conf from the table of defaults, certificate), add tenants with their
 * tokens, links, graph and indicator imports, webhooks. The CLI only parses
 * options and prints (src/cli/cmd-hub.c). */
#include "hub.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs a program without a shell; returns its exit status or -1. */
static int run_prog(char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- init ----------------------------------------------------------------
 */

/* hub.conf from the one table of defaults; an existing file is kept. */
static mm_rc write_conf(const char *dir, const char *listen, bool tls,
                        mm_err *err)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/hub.conf", dir);
    const char *const kv[] = {"listen", listen, "tls", tls ? "on" : "off",
                              NULL};
    mm_buf b;
    mm_buf_init(&b, 64u * 1024u);
    mm_rc rc = mm_hub_conf_render(listen ? kv : kv + 2, &b);
    if (rc != MM_OK) {
        mm_buf_free(&b);
        return mm_err_set(err, rc, path, 0, "out of memory");
    }
    FILE *f = fopen(path, "wx");
    if (f) {
        bool ok = fwrite(b.data, 1, b.len, f) == b.len;
        if (fclose(f) != 0 || !ok)
            rc = mm_err_set(err, MM_EIO, path, 0, "cannot write: %s",
                            strerror(errno));
    }
    mm_buf_free(&b);
    return rc;
}

/* The self-signed certificate, made by the openssl command. */
static mm_rc make_cert(const char *dir, const char *const *san, size_t n_san,
                       mm_err *err)
{
    char names[1024] = "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1";
    for (size_t i = 0; i < n_san; i++) {
        mm_addr a;
        size_t l = strlen(names);
        snprintf(names + l, sizeof names - l, ",%s:%s",
                 mm_addr_parse(san[i], strlen(san[i]), &a) == MM_OK ? "IP"
                                                                    : "DNS",
                 san[i]);
    }
    char key[1100], crt[1100];
    snprintf(key, sizeof key, "%s/hub-key.pem", dir);
    snprintf(crt, sizeof crt, "%s/hub-cert.pem", dir);
    char *const av[] = {
        "openssl", "req",     "-x509", "-newkey",        "rsa:2048",
        "-nodes",  "-keyout", key,     "-out",           crt,
        "-days",   "825",     "-subj", "/CN=mamori-hub", "-addext",
        names,     NULL};
    if (run_prog(av) != 0)
        return mm_err_set(err, MM_EIO, "", 0,
                          "証明書を作れません / cannot create the certificate "
                          "(is the openssl command installed?)");
    chmod(key, 0600);
    return MM_OK;
}

mm_rc mm_hub_admin_init(const char *dir, const char *listen, bool tls,
                        const char *const *san, size_t n_san, mm_err *err)
{
    mm_hub_server_conf c;
    if (mm_hub_conf_load(dir, &c, err) != MM_OK)
        return MM_EINVAL;
    if (listen &&
        mm_hub_conf_set(&c, "listen", listen, "--listen", 0, err) != MM_OK)
        return MM_EINVAL;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return mm_err_set(err, MM_EIO, dir, 0, "%s", strerror(errno));
    char path[1100];
    snprintf(path, sizeof path, "%s/hub.db", dir);
    struct stat sb;
    if (stat(path, &sb) == 0)
        return mm_err_set(err, MM_EINVAL, dir, 0,
                          "既にハブがあります / a hub already exists");
    mm_store *st;
    mm_rc rc = mm_store_open(path, &st, err);
    if (rc != MM_OK)
        return rc == MM_ENOMEM ? rc : MM_EIO;
    mm_store_close(st);
    rc = write_conf(dir, listen, tls, err);
    return rc == MM_OK ? make_cert(dir, san, n_san, err) : rc;
}

mm_rc mm_hub_admin_open(const char *dir, mm_store **out, mm_err *err)
{
    char db[1100];
    struct stat sb;
    snprintf(db, sizeof db, "%s/hub.db", dir);
    if (stat(db, &sb) != 0)
        return mm_err_set(
            err, MM_ENOTFOUND, dir, 0,
            "ハブがありません / no hub here (run mamori hub init "
            "--dir %s)",
            dir);
    /* hub.conf may name another store (store = postgresql://…) */
    mm_hub_server_conf c;
    if (mm_hub_conf_load(dir, &c, err) != MM_OK)
        return MM_EINVAL;
    mm_rc rc = mm_store_open(c.store[0] ? c.store : db, out, err);
    return rc == MM_OK || rc == MM_ENOMEM ? rc : MM_EIO; /* exit 1, not 2 */
}

/* ---- tenants -------------------------------------------------------------
 */

static mm_rc find_tenant(const mm_tenant *t, void *ud)
{
    mm_tenant *want = ud;
    if (strcmp(t->id, want->id) == 0) {
        *want = *t;
        return MM_ELIMIT; /* stop: found */
    }
    return MM_OK;
}

mm_rc mm_hub_admin_tenant_get(mm_store *st, const char *id, mm_tenant *out,
                              mm_err *err)
{
    mm_tenant t;
    memset(&t, 0, sizeof t);
    snprintf(t.id, sizeof t.id, "%s", id);
    mm_rc rc = mm_store_tenant_list(st, find_tenant, &t, err);
    if (rc == MM_ELIMIT) {
        if (out)
            *out = t;
        return MM_OK;
    }
    if (rc != MM_OK)
        return rc;
    return mm_err_set(err, MM_ENOTFOUND, "", 0,
                      "不明なテナント / unknown tenant '%s'", id);
}

/* The fields `tenant add` takes: the checks the HTTP API relies on. */
static mm_rc tenant_check(const mm_tenant *t, mm_err *err)
{
    if (!mm_hub_id_valid(t->id))
        return mm_err_set(err, MM_EINVAL, "", 0,
                          "id: 1..64 of A-Z a-z 0-9 . _ -");
    if (!t->name[0])
        return mm_err_set(err, MM_EINVAL, "", 0, "name: 1..256 bytes");
    if ((unsigned)t->kind >= MM_TK_COUNT)
        return mm_err_set(err, MM_EINVAL, "", 0,
                          "kind must be sme, buyer, critical or provider");
    char ranges[sizeof t->ranges];
    snprintf(ranges, sizeof ranges, "%s", t->ranges);
    unsigned n = 0;
    for (char *save = NULL, *r = strtok_r(ranges, ",", &save); r;
         r = strtok_r(NULL, ",", &save)) {
        mm_cidr c;
        if (++n > MM_HUB_RANGES_MAX ||
            mm_cidr_parse(r, strlen(r), &c) != MM_OK)
            return mm_err_set(err, MM_EINVAL, "", 0,
                              "range '%s' is not a CIDR "
                              "(or more than %u ranges)",
                              r, MM_HUB_RANGES_MAX);
    }
    return MM_OK;
}

mm_rc mm_hub_admin_tenant_add(mm_store *st, mm_tenant *t, char *token,
                              size_t toklen, mm_err *err)
{
    mm_rc rc = tenant_check(t, err);
    if (rc != MM_OK)
        return rc;
    if (toklen < 69)
        return mm_err_set(err, MM_EINVAL, "", 0, "token buffer too small");
    rc = mm_hub_admin_tenant_get(st, t->id, NULL, err);
    if (rc == MM_OK)
        return mm_err_set(err, MM_EINVAL, "", 0,
                          "テナント '%s' は既にあります / "
                          "tenant '%s' already exists",
                          t->id, t->id);
    if (rc != MM_ENOTFOUND)
        return rc;
    mm_hub_token_new(token, toklen);
    mm_hub_token_hash(token, strlen(token), t->token_hash,
                      sizeof t->token_hash);
    return mm_store_tenant_put(st, t, err);
}

/* ---- links and the graph --------------------------------------------------
 */

mm_rc mm_hub_admin_link_add(mm_store *st, const mm_link *l, mm_err *err)
{
    if (!mm_hub_id_valid(l->supplier) || !mm_hub_id_valid(l->customer) ||
        strcmp(l->supplier, l->customer) == 0)
        return mm_err_set(err, MM_EINVAL, "", 0,
                          "SUPPLIER and CUSTOMER must be "
                          "two different tenant ids");
    mm_rc rc = mm_hub_admin_tenant_get(st, l->supplier, NULL, err);
    if (rc == MM_OK)
        rc = mm_hub_admin_tenant_get(st, l->customer, NULL, err);
    return rc == MM_OK ? mm_store_link_put(st, l, err) : rc;
}

typedef struct graph_ctx {
    mm_store *st;
    mm_link *v;
    size_t n, cap;
    char **ids;
    size_t nids;
} graph_ctx;

static mm_rc collect_id(const mm_tenant *t, void *ud)
{
    graph_ctx *g = ud;
    char **n = realloc(g->ids, (g->nids + 1) * sizeof *n);
    if (!n)
        return MM_ENOMEM;
    g->ids = n;
    if (!(g->ids[g->nids] = strdup(t->id)))
        return MM_ENOMEM;
    g->nids++;
    return MM_OK;
}

static int cmp_id(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool known(graph_ctx *g, const char *id)
{
    return bsearch(&id, g->ids, g->nids, sizeof *g->ids, cmp_id) != NULL;
}

static mm_rc collect_link(const mm_link *l, void *ud, mm_err *err)
{
    graph_ctx *g = ud;
    if (!known(g, l->supplier))
        return mm_err_set(err, MM_ENOTFOUND, "", 0,
                          "unknown tenant '%s' (supplier)", l->supplier);
    if (!known(g, l->customer))
        return mm_err_set(err, MM_ENOTFOUND, "", 0,
                          "unknown tenant '%s' (customer)", l->customer);
    if (g->n == g->cap) {
        size_t nc = g->cap ? g->cap * 2 : 256;
        mm_link *nv = realloc(g->v, nc * sizeof *nv);
        if (!nv)
            return mm_err_set(err, MM_ENOMEM, "", 0, "out of memory");
        g->v = nv;
        g->cap = nc;
    }
    g->v[g->n++] = *l;
    return MM_OK;
}

mm_rc mm_hub_admin_graph_import(mm_store *st, const char *name,
                                const char *text, size_t len, size_t *n,
                                mm_err *err)
{
    graph_ctx g;
    memset(&g, 0, sizeof g);
    g.st = st;
    mm_rc r = mm_store_tenant_list(g.st, collect_id, &g, err);
    if (r == MM_ENOMEM)
        mm_err_set(err, r, "", 0, "out of memory");
    if (r == MM_OK) {
        qsort(g.ids, g.nids, sizeof *g.ids, cmp_id);
        r = mm_hub_graph_parse(name, text, len, collect_link, &g, err);
    }
    /* all or nothing: one transaction for every link */
    if (r == MM_OK)
        r = mm_store_begin(g.st, err);
    if (r == MM_OK) {
        for (size_t i = 0; i < g.n && r == MM_OK; i++)
            r = mm_store_link_put(g.st, &g.v[i], err);
        r = mm_store_end(g.st, r, err);
    }
    *n = r == MM_OK ? g.n : 0;
    for (size_t i = 0; i < g.nids; i++)
        free(g.ids[i]);
    free(g.ids);
    free(g.v);
    return r;
}

/* ---- webhooks and state indicator lists ------------------------------------
 */

mm_rc mm_hub_admin_webhook_set(mm_store *st, const char *tenant,
                               const char *url, const char *secret,
                               char *secret_out, size_t outlen, mm_err *err)
{
    if (*url && strncmp(url, "https://", 8) != 0 &&
        strncmp(url, "http://", 7) != 0)
        return mm_err_set(err, MM_EINVAL, "", 0,
                          "--url must start with https:// or http://");
    if (strlen(url) >= 1024 ||
        (secret && (strlen(secret) < 16 || strlen(secret) >= 128)))
        return mm_err_set(err, MM_EINVAL, "", 0,
                          "--url under 1024 bytes, --secret 16..127 bytes");
    mm_rc rc = mm_hub_admin_tenant_get(st, tenant, NULL, err);
    if (rc != MM_OK)
        return rc;
    char gen[80];
    if (!secret) {
        mm_hub_token_new(gen, sizeof gen);
        secret = gen + 4; /* the hex after "mmt_" */
    }
    rc = mm_store_webhook_set(st, tenant, url, secret, err);
    if (rc == MM_OK)
        snprintf(secret_out, outlen, "%s", secret);
    return rc;
}

typedef struct ioc_ctx {
    mm_store *st;
    size_t n;
    mm_err *err;
} ioc_ctx;

static mm_rc put_ioc(const mm_stateioc *i, void *ud)
{
    ioc_ctx *x = ud;
    x->n++;
    return mm_store_stateioc_put(x->st, i, x->err);
}

mm_rc mm_hub_admin_ioc_import(mm_store *st, const char *name, const char *text,
                              size_t len, size_t *n, mm_err *err)
{
    ioc_ctx x = {st, 0, err};
    mm_rc r = mm_store_begin(st, err);
    if (r == MM_OK) {
        r = mm_hub_ioc_parse(name, text, len, put_ioc, &x, err);
        r = mm_store_end(st, r, err);
    }
    *n = r == MM_OK ? x.n : 0;
    return r;
}
