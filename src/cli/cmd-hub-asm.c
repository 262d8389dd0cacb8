/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-hub-asm.c — `mamori hub asm add | verify | check`: the outside-in
 * self-check of an SME's own assets (the work is in src/hub/asm.c). */
#include "cmd-hub.h"
#include "scs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { A_ASSET = K_EXT, A_PORTS, A_RATE, A_KEV };

#define AOPT(name, key) OPT(name, key, true)

static const mm_cli_opt asm_opts[] = {O_DIR,
                                      O_TENANT,
                                      AOPT("--asset", A_ASSET),
                                      AOPT("--ports", A_PORTS),
                                      AOPT("--rate", A_RATE),
                                      AOPT("--kev", A_KEV),
                                      {0}};

/* Ports that should never face the internet. */
static const mm_hub_asm_port never_public[] = {
    {3389, "rdp"},        {445, "smb"},    {139, "netbios"},
    {23, "telnet"},       {1433, "mssql"}, {3306, "mysql"},
    {5432, "postgresql"}, {6379, "redis"}, {9200, "elasticsearch"},
    {27017, "mongodb"},   {5900, "vnc"},   {11211, "memcached"}};

static int run_asm_add(hub_args *a)
{
    const char *asset = mm_cli_hub_ext(a, A_ASSET);
    if (!asset)
        return mm_cli_usage_error(&mm_cmd_hub, "hub asm add needs --asset");
    char token[33];
    mm_err err;
    mm_rc r = mm_hub_admin_tenant_get(a->st, a->tenant, NULL, &err);
    if (r == MM_OK)
        r = mm_hub_asm_add(a->dir, a->tenant, asset, token, &err);
    if (r != MM_OK)
        return mm_cli_hub_fail_usage(r, &err);
    char line[sizeof token + 16];
    snprintf(line, sizeof line, "mamori-verify=%s", token);
    return mm_cli_hub_secret(
        line,
        "所有を確かめるため、次のどちらかを公開してから hub asm verify を"
        "実行してください / to prove you own it, publish one of these, "
        "then run hub asm verify:\n"
        "  DNS の TXT レコード / a DNS TXT record: _mamori.<ドメイン/domain> "
        "\"mamori-verify=%s\"\n"
        "  http(s)://%s/.well-known/mamori-verify.txt の中身 / content: "
        "mamori-verify=%s\n",
        token, asset, token);
}

static int run_asm_verify(hub_args *a)
{
    const char *asset = mm_cli_hub_ext(a, A_ASSET);
    if (!asset)
        return mm_cli_usage_error(&mm_cmd_hub, "hub asm verify needs --asset");
    mm_err err;
    /* hub.conf asm_dns: the resolver asked for the TXT proof */
    mm_hub_server_conf *c = calloc(1, sizeof *c);
    mm_rc r = c ? mm_hub_conf_load(a->dir, c, &err)
                : mm_err_set(&err, MM_ENOMEM, "hub.conf", 0, "out of memory");
    if (r == MM_OK)
        r = mm_hub_asm_verify(a->dir, a->tenant, asset,
                              c->asm_dns[0] ? c->asm_dns : NULL, mm_now_ms(),
                              &err);
    free(c);
    if (r != MM_OK)
        return mm_cli_hub_fail(&err);
    printf("%s: 所有を確認しました / ownership proven\n", asset);
    return MM_EXIT_OK;
}

/* --ports 13389=rdp,8445=smb (tests, non-standard ports) */
static size_t parse_ports(const char *s, mm_hub_asm_port *v, char *names,
                          size_t max)
{
    size_t n = 0;
    snprintf(names, 1024, "%s", s);
    char *save = NULL;
    for (char *t = strtok_r(names, ",", &save); t && n < max;
         t = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(t, '=');
        long p = strtol(t, NULL, 10);
        if (p < 1 || p > 65535)
            return 0;
        v[n].port = (unsigned)p;
        v[n++].name = eq ? eq + 1 : "port";
    }
    return n;
}

static int run_asm_check(hub_args *a)
{
    const char *ports = mm_cli_hub_ext(a, A_PORTS),
               *rate = mm_cli_hub_ext(a, A_RATE);
    const char *kevf = mm_cli_hub_ext(a, A_KEV);
    mm_hub_asm_port pv[32];
    char names[1024];
    mm_hub_asm_opts o = {never_public,
                         sizeof never_public / sizeof *never_public,
                         rate ? (unsigned)strtoul(rate, NULL, 10) : 5, NULL};
    if (ports && !(o.n_ports = parse_ports(ports, pv, names, 32)))
        return mm_cli_usage_error(&mm_cmd_hub,
                                  "--ports は 3389=rdp,445=smb の形です / "
                                  "--ports looks like 3389=rdp,445=smb");
    if (ports)
        o.ports = pv;
    if (o.rate < 1 || o.rate > 50)
        return mm_cli_usage_error(&mm_cmd_hub, "--rate must be 1..50");
    char path[4200];
    if (!kevf) {
        mm_scs_catalogue_path(NULL, path, sizeof path);
        char *sl = strrchr(path, '/');
        snprintf(sl ? sl + 1 : path,
                 sizeof path - (size_t)(sl ? sl + 1 - path : 0),
                 "kev-banners.txt");
        kevf = path;
    }
    char *kev = NULL;
    size_t kl;
    mm_err err;
    if (mm_file_read(kevf, 4u * 1024u * 1024u, &kev, &kl, &err) == MM_OK)
        o.kev = kev;
    mm_buf b;
    mm_buf_init(&b, 16u * 1024u * 1024u);
    mm_rc r = mm_hub_asm_check(a->dir, a->tenant, &o, mm_now_ms(), &b, &err);
    if (r == MM_OK && fwrite(b.data, 1, b.len, stdout) != b.len)
        r = mm_err_set(&err, MM_EIO, "stdout", 0, "cannot write");
    mm_buf_free(&b);
    free(kev);
    return r == MM_OK ? MM_EXIT_OK : mm_cli_hub_fail(&err);
}

const hub_sub mm_cli_hub_asm_subs[] = {
    {"asm add", asm_opts, NEED(K_DIR) | NEED(K_TENANT), 0,
     "hub asm add needs --dir DIR --tenant ID --asset DOMAIN|IP", 0, true,
     run_asm_add},
    {"asm verify", asm_opts, NEED(K_DIR) | NEED(K_TENANT), 0,
     "hub asm verify needs --dir DIR --tenant ID --asset A", 0, false,
     run_asm_verify},
    {"asm check", asm_opts, NEED(K_DIR) | NEED(K_TENANT), 0,
     "hub asm check needs --dir DIR --tenant ID", 0, false, run_asm_check},
    {0},
};
