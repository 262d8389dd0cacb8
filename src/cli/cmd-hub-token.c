/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-hub-token.c — `mamori hub token add | list | revoke | rotate`:
 * bearer tokens with scopes and an expiry (src/hub/tokens.c does the
 * work; docs/security.md). */
#include "cmd-hub.h"

#include <stdio.h>
#include <string.h>

/* Prints a new secret on stdout (the one time it is shown) and what it is
 * on stderr. */
static int show_secret(const mm_token *t, const char *secret, const char *what)
{
    char sc[64], ex[32] = "なし / never";
    mm_hub_scopes_format(t->scopes, sc, sizeof sc);
    if (t->expires_ms)
        mm_time_format(t->expires_ms, ex, sizeof ex);
    return mm_cli_hub_secret(
        secret,
        "トークン %s（テナント %s、権限 %s、期限 %s）を%s。上のトークンは"
        "二度と表示されません。\n"
        "token %s (tenant %s, scopes %s, expires %s) %s. The token "
        "above is shown only once.\n",
        t->id, t->tenant, sc, ex,
        strcmp(what, "added") == 0 ? "追加しました" : "再発行しました", t->id,
        t->tenant, sc, ex, what);
}

static int run_token_add(hub_args *a)
{
    unsigned scopes = MM_SCOPE_LEGACY;
    int64_t expires = 0;
    if (a->scope && !mm_hub_scopes_parse(a->scope, &scopes))
        return mm_cli_usage_error(
            &mm_cmd_hub, "--scope: one or more of upload,feed,read,metrics,"
                         "admin (comma-separated)");
    if (a->expires && !mm_hub_expiry_parse(a->expires, &expires))
        return mm_cli_usage_error(&mm_cmd_hub, "--expires: a date YYYY-MM-DD");
    char secret[80];
    mm_token t;
    mm_err err;
    mm_rc rc = mm_hub_token_add(a->st, a->tenant, scopes, expires, mm_now_ms(),
                                secret, sizeof secret, &t, &err);
    if (rc != MM_OK)
        return mm_cli_hub_fail_rc(rc, &err);
    return show_secret(&t, secret, "added");
}

static mm_rc print_token(const mm_token *t, void *ud)
{
    (void)ud;
    char sc[64], c[32] = "-", e[32] = "-", u[32] = "-";
    mm_hub_scopes_format(t->scopes, sc, sizeof sc);
    if (t->created_ms)
        mm_time_format(t->created_ms, c, sizeof c);
    if (t->expires_ms)
        mm_time_format(t->expires_ms, e, sizeof e);
    if (t->last_used_ms)
        mm_time_format(t->last_used_ms, u, sizeof u);
    const char *state = t->revoked_ms ? "revoked"
                        : t->expires_ms && t->expires_ms <= mm_now_ms()
                            ? "expired"
                            : "live";
    printf("%-19s %-16s %-8s %-28s %-24s %-24s %s\n", t->id, t->tenant, state,
           sc, c, e, u);
    return MM_OK;
}

static int run_token_list(hub_args *a)
{
    mm_err err;
    mm_rc rc;
    if (HAS(a, K_JSON)) {
        mm_buf b;
        mm_buf_init(&b, FILE_MAX);
        rc = mm_hub_token_list_json(a->st, a->tenant, &b, &err);
        if (rc == MM_OK)
            printf("%s\n", b.data ? b.data : "");
        mm_buf_free(&b);
    } else {
        printf("%-19s %-16s %-8s %-28s %-24s %-24s %s\n", "ID", "TENANT",
               "STATE", "SCOPES", "CREATED", "EXPIRES", "LAST USED");
        rc = a->st->ops->token_list
                 ? a->st->ops->token_list(a->st, a->tenant, print_token, NULL,
                                          &err)
                 : MM_OK;
    }
    return rc == MM_OK ? MM_EXIT_OK : mm_cli_hub_fail_rc(rc, &err);
}

static int run_token_revoke(hub_args *a)
{
    mm_err err;
    mm_rc rc = mm_hub_token_revoke(a->st, a->id, mm_now_ms(), &err);
    if (rc != MM_OK)
        return mm_cli_hub_fail_rc(rc, &err);
    printf("トークン %s を失効させました / token %s revoked\n", a->id, a->id);
    return MM_EXIT_OK;
}

static int run_token_rotate(hub_args *a)
{
    char secret[80];
    mm_token t;
    mm_err err;
    mm_rc rc = mm_hub_token_rotate(a->st, a->id, mm_now_ms(), secret,
                                   sizeof secret, &t, &err);
    if (rc != MM_OK)
        return mm_cli_hub_fail_rc(rc, &err);
    return show_secret(&t, secret, "rotated (the old one is revoked)");
}

static const mm_cli_opt add_opts[] = {O_DIR,
                                      O_TENANT,
                                      OPT("--scope", K_SCOPE, true),
                                      OPT("--expires", K_EXPIRES, true),
                                      {0}};
static const mm_cli_opt list_opts[] = {O_DIR, O_TENANT, O_JSON, {0}};
static const mm_cli_opt id_opts[] = {O_DIR, O_ID, {0}};

const hub_sub mm_cli_hub_token_subs[] = {
    {"token add", add_opts, NEED(K_DIR) | NEED(K_TENANT), 0,
     "token add needs --dir and --tenant", 0, true, run_token_add},
    {"token list", list_opts, NEED(K_DIR), 0, "token list needs --dir", 0,
     true, run_token_list},
    {"token revoke", id_opts, NEED(K_DIR) | NEED(K_ID), 0,
     "token revoke needs --dir and --id TOKEN-ID", 0, true, run_token_revoke},
    {"token rotate", id_opts, NEED(K_DIR) | NEED(K_ID), 0,
     "token rotate needs --dir and --id TOKEN-ID", 0, true, run_token_rotate},
    {0},
};
