/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-hub-user.c — `mamori hub user add | list | del | totp` and `mamori
 * hub provider link`: the people who log in to the console and the SMEs a
 * monitoring provider watches. The work is in src/hub/auth.c. */
#include "cmd-hub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The password from stdin (one line, the newline dropped); false when
 * there is none. */
static bool read_password(char *pw, size_t n)
{
    if (!fgets(pw, (int)n, stdin))
        return false;
    size_t l = strcspn(pw, "\r\n");
    pw[l] = '\0';
    return l > 0;
}

static int run_user_add(hub_args *a)
{
    mm_hub_user u;
    memset(&u, 0, sizeof u);
    if (!mm_hub_role_from_name(a->role, &u.role))
        return mm_cli_usage_error(&mm_cmd_hub,
                                  "--role は sme|provider|buyer|coordinator|"
                                  "admin / --role must be sme, provider, "
                                  "buyer, coordinator or admin");
    if (strlen(a->name) > MM_HUB_USER_MAX || strlen(a->tenant) > MM_HUB_ID_MAX)
        return mm_cli_usage_error(&mm_cmd_hub, "--name or --tenant too long");
    snprintf(u.name, sizeof u.name, "%s", a->name);
    snprintf(u.tenant, sizeof u.tenant, "%s", a->tenant);
    char pw[MM_HUB_PASSWORD_MAX + 2], shown[21] = "";
    bool given = HAS(a, K_PASSWORD_STDIN);
    if (given && !read_password(pw, sizeof pw))
        return mm_cli_usage_error(&mm_cmd_hub,
                                  "--password-stdin: 標準入力にパスワードが"
                                  "ありません / no password on stdin");
    mm_err err;
    mm_rc r = mm_hub_admin_user_add(a->st, &u, given ? pw : NULL, shown,
                                    sizeof shown, &err);
    memset(pw, 0, sizeof pw);
    if (r != MM_OK)
        return mm_cli_hub_fail_usage(r, &err);
    if (given)
        return MM_EXIT_OK;
    return mm_cli_hub_secret(
        shown,
        "ユーザー %s を追加しました。上の行が初期パスワード"
        "です（一度だけ表示） / user %s added; the line "
        "above is its password (shown once)\n",
        u.name, u.name);
}

static mm_rc print_user(const mm_hub_user *u, void *ud)
{
    hub_list *x = ud;
    if (!x->json) {
        printf("%-24s %-12s %-20s %s\n", u->name, mm_hub_role_name(u->role),
               u->tenant, u->totp[0] ? "totp" : "-");
        return MM_OK;
    }
    printf("%s{\"name\":\"%s\",\"role\":\"%s\",\"tenant\":\"%s\","
           "\"totp\":%s}",
           x->n++ ? "," : "", u->name, mm_hub_role_name(u->role), u->tenant,
           u->totp[0] ? "true" : "false");
    return MM_OK;
}

static int unsupported(void)
{
    fprintf(stderr, "mamori hub: this store has no accounts\n");
    return MM_EXIT_FAIL;
}

static int run_user_list(hub_args *a)
{
    if (!a->st->ops->user_list)
        return unsupported();
    hub_list x = {HAS(a, K_JSON), 0};
    mm_err err;
    mm_cli_hub_list_begin(&x, "users", "%-24s %-12s %-20s %s\n", "NAME",
                          "ROLE", "TENANT", "2FA");
    mm_rc r = a->st->ops->user_list(a->st, print_user, &x, &err);
    return mm_cli_hub_list_end(&x, r, &err);
}

static int run_user_del(hub_args *a)
{
    if (!a->st->ops->user_del)
        return unsupported();
    mm_err err;
    mm_rc r = a->st->ops->user_del(a->st, a->name, &err);
    if (r == MM_ENOTFOUND)
        r = mm_err_set(&err, MM_EINVAL, "<user>", 0,
                       "不明なユーザー / unknown user '%s'", a->name);
    if (r != MM_OK)
        return mm_cli_hub_fail_usage(r, &err);
    fprintf(stderr, "ユーザー %s を削除しました / user %s removed\n", a->name,
            a->name);
    return MM_EXIT_OK;
}

static int run_user_totp(hub_args *a)
{
    char uri[512];
    mm_err err;
    mm_rc r = mm_hub_admin_user_totp(a->st, a->name, uri, sizeof uri, &err);
    if (r != MM_OK)
        return mm_cli_hub_fail_usage(r, &err);
    printf("%s\n", uri);
    fprintf(stderr, "認証アプリに登録してください。次回からログインに 6 桁の"
                    "コードが必要です / add it to an authenticator app; "
                    "logins now need the 6-digit code\n");
    return MM_EXIT_OK;
}

static int run_provider_link(hub_args *a)
{
    mm_err err;
    mm_rc r = mm_hub_admin_provider_link(a->st, a->provider, a->sme, &err);
    if (r != MM_OK)
        return mm_cli_hub_fail_usage(r, &err);
    fprintf(stderr, "%s が %s を見守ります / %s now monitors %s\n",
            a->provider, a->sme, a->provider, a->sme);
    return MM_EXIT_OK;
}

static int run_case_export(hub_args *a)
{
    char *end;
    long long id = strtoll(a->case_id, &end, 10);
    if (*end || id <= 0)
        return mm_cli_usage_error(&mm_cmd_hub, "--case は番号 / --case must "
                                               "be a case number");
    mm_buf b;
    mm_buf_init(&b, FILE_MAX);
    mm_err err;
    mm_rc r = mm_hub_case_html(a->st, id, &b, &err);
    if (r == MM_OK)
        r = mm_file_write_atomic(a->out, b.data, b.len, 0600, &err);
    mm_buf_free(&b);
    if (r != MM_OK)
        return mm_cli_hub_fail_rc(r, &err);
    fprintf(stderr,
            "インシデント記録 %lld を %s に書きました / case %lld "
            "written to %s\n",
            id, a->out, id, a->out);
    return MM_EXIT_OK;
}

static const mm_cli_opt user_add_opts[] = {
    O_DIR,
    O_TENANT,
    OPT("--role", K_ROLE, true),
    O_NAME,
    OPT("--password-stdin", K_PASSWORD_STDIN, false),
    {0}};
static const mm_cli_opt user_name_opts[] = {O_DIR, O_NAME, {0}};
static const mm_cli_opt provider_opts[] = {O_DIR,
                                           OPT("--provider", K_PROVIDER, true),
                                           OPT("--sme", K_SME, true),
                                           {0}};
static const mm_cli_opt case_opts[] = {O_DIR,
                                       OPT("--case", K_CASE, true),
                                       OPT("-o", K_OUT, true),
                                       OPT("--output", K_OUT, true),
                                       {0}};

const hub_sub mm_cli_hub_user_subs[] = {
    {"user add", user_add_opts,
     NEED(K_DIR) | NEED(K_TENANT) | NEED(K_ROLE) | NEED(K_NAME), 0,
     "user add needs --dir, --tenant, --role and --name", 0, true,
     run_user_add},
    {"user list", mm_cli_hub_list_opts, NEED(K_DIR), 0,
     "user list needs --dir DIR", 0, true, run_user_list},
    {"user del", user_name_opts, NEED(K_DIR) | NEED(K_NAME), 0,
     "user del needs --dir and --name", 0, true, run_user_del},
    {"user totp", user_name_opts, NEED(K_DIR) | NEED(K_NAME), 0,
     "user totp needs --dir and --name", 0, true, run_user_totp},
    {"case export", case_opts, NEED(K_DIR) | NEED(K_CASE) | NEED(K_OUT), 0,
     "case export needs --dir, --case and -o FILE", 0, true, run_case_export},
    {"provider link", provider_opts,
     NEED(K_DIR) | NEED(K_PROVIDER) | NEED(K_SME), 0,
     "provider link needs --dir, --provider and --sme", 0, true,
     run_provider_link},
    {0},
};
