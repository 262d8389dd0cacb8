/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-hub-scs.c — `mamori hub expert | assessor add | import | list` and
 * `hub evidence`: the
 * registry of experts (登録セキスペ) and third-party assessors whose keys
 * the hub accepts on an SCS confirmation (the work is in
 * src/hub/registry.c). */
#include "cmd-hub.h"
#include "scs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    X_REGNO = K_EXT,
    X_ASSESSOR_ID,
    X_PUBKEY,
    X_VALID_FROM,
    X_VALID_UNTIL,
    X_INDUSTRY,
    X_THEME,
    X_CONTACT,
    X_CSV,
    X_OUT,
    X_NOW,
    X_WINDOW,
};

#define XOPT(name, key) OPT(name, key, true)
#define REG_COMMON                                                            \
    O_DIR, O_NAME, XOPT("--pubkey", X_PUBKEY),                                \
        XOPT("--valid-from", X_VALID_FROM),                                   \
        XOPT("--valid-until", X_VALID_UNTIL),                                 \
        OPT("--region", K_REGION, true), XOPT("--industry", X_INDUSTRY),      \
        XOPT("--theme", X_THEME), XOPT("--contact", X_CONTACT)

static const mm_cli_opt expert_add_opts[] = {
    REG_COMMON, XOPT("--registration-no", X_REGNO), {0}};
static const mm_cli_opt assessor_add_opts[] = {
    REG_COMMON, XOPT("--assessor-id", X_ASSESSOR_ID), {0}};
static const mm_cli_opt import_opts[] = {O_DIR, XOPT("--csv", X_CSV), {0}};
static const mm_cli_opt evidence_opts[] = {O_DIR,
                                           O_TENANT,
                                           {"--out", "-o", X_OUT, true, NULL},
                                           XOPT("--now", X_NOW),
                                           XOPT("--window-days", X_WINDOW),
                                           {0}};

/* Every value of a repeatable option joined with ';'; false when too long. */
static bool ext_join(const hub_args *a, int key, char *out, size_t outlen)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < a->n_ext; i++) {
        if (a->ext[i].key != key)
            continue;
        int w =
            snprintf(out + o, outlen - o, "%s%s", o ? ";" : "", a->ext[i].val);
        if (w < 0 || (size_t)w >= outlen - o)
            return false;
        o += (size_t)w;
    }
    return true;
}

/* The public key: the argument itself when 64 hex characters, else the
 * file it names (the .pub written by `mamori scs keygen`). */
static int read_pubkey(const char *arg, char out[MM_SCS_PK_HEX + 1])
{
    if (strlen(arg) == MM_SCS_PK_HEX &&
        strspn(arg, "0123456789abcdefABCDEF") == MM_SCS_PK_HEX) {
        snprintf(out, MM_SCS_PK_HEX + 1, "%s", arg);
        return 0;
    }
    char *text;
    size_t len;
    mm_err err;
    if (mm_file_read(arg, 4096, &text, &len, &err) != MM_OK)
        return mm_cli_hub_fail_rc(MM_EINVAL, &err);
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
                   text[len - 1] == ' '))
        text[--len] = '\0';
    snprintf(out, MM_SCS_PK_HEX + 1, "%s", text);
    bool ok = len == MM_SCS_PK_HEX;
    free(text);
    if (!ok)
        return mm_cli_usage_error(&mm_cmd_hub,
                                  "%s: 公開鍵（16進64文字）ではありません / "
                                  "not a public key (64 hex characters)",
                                  arg);
    return 0;
}

static int reg_add(hub_args *a, mm_hub_reg_role role)
{
    mm_hub_registrant r;
    memset(&r, 0, sizeof r);
    r.role = role;
    const char *id =
        mm_cli_hub_ext(a, role == MM_HUB_REG_EXPERT ? X_REGNO : X_ASSESSOR_ID);
    const char *pub = mm_cli_hub_ext(a, X_PUBKEY);
    if (!id || !pub || !a->name)
        return mm_cli_usage_error(
            &mm_cmd_hub, "%s add needs --dir, %s, --name and --pubkey FILE",
            mm_hub_reg_role_name(role),
            role == MM_HUB_REG_EXPERT ? "--registration-no N"
                                      : "--assessor-id ID");
    int rc = read_pubkey(pub, r.public_key);
    if (rc)
        return rc;
    const char *vf = mm_cli_hub_ext(a, X_VALID_FROM),
               *vu = mm_cli_hub_ext(a, X_VALID_UNTIL);
    const char *ct = mm_cli_hub_ext(a, X_CONTACT);
    snprintf(r.id, sizeof r.id, "%s", id);
    snprintf(r.name, sizeof r.name, "%s", a->name);
    snprintf(r.valid_from, sizeof r.valid_from, "%s", vf ? vf : "");
    snprintf(r.valid_until, sizeof r.valid_until, "%s", vu ? vu : "");
    snprintf(r.region, sizeof r.region, "%s", a->region ? a->region : "");
    snprintf(r.contact, sizeof r.contact, "%s", ct ? ct : "");
    if (strlen(id) >= sizeof r.id || strlen(a->name) >= sizeof r.name ||
        (vf && strlen(vf) >= sizeof r.valid_from) ||
        (vu && strlen(vu) >= sizeof r.valid_until) ||
        !ext_join(a, X_INDUSTRY, r.industries, sizeof r.industries) ||
        !ext_join(a, X_THEME, r.themes, sizeof r.themes))
        return mm_cli_usage_error(&mm_cmd_hub,
                                  "値が長すぎます / a value is too long");
    mm_err err;
    mm_rc r2 = mm_hub_registry_add(a->st, &r, mm_now_ms(), &err);
    if (r2 != MM_OK)
        return mm_cli_hub_fail_usage(r2, &err);
    printf("%s %s（%s）を登録しました / registered %s %s (%s), key %.16s…\n",
           role == MM_HUB_REG_EXPERT ? "専門家" : "評価機関", r.id, r.name,
           mm_hub_reg_role_name(role), r.id, r.name, r.public_key);
    return MM_EXIT_OK;
}

static int reg_import(hub_args *a, mm_hub_reg_role role)
{
    const char *csv = mm_cli_hub_ext(a, X_CSV);
    if (!csv)
        return mm_cli_usage_error(&mm_cmd_hub, "%s import needs --csv FILE",
                                  mm_hub_reg_role_name(role));
    char *text;
    size_t len, n = 0;
    mm_err err;
    mm_rc r = mm_file_read(csv, FILE_MAX, &text, &len, &err);
    if (r != MM_OK)
        return mm_cli_hub_fail(&err);
    r = mm_hub_registry_import(a->st, role, csv, text, len, mm_now_ms(), &n,
                               &err);
    free(text);
    if (r != MM_OK) {
        fprintf(stderr,
                "mamori hub: %s: 何も登録していません / nothing was "
                "imported\n",
                csv);
        return mm_cli_hub_fail_rc(r, &err);
    }
    printf("%zu 件を登録しました / imported %zu %s(s)\n", n, n,
           mm_hub_reg_role_name(role));
    return MM_EXIT_OK;
}

static mm_rc print_reg(const mm_hub_registrant *r, void *ud)
{
    bool json = *(const bool *)ud;
    if (!json) {
        printf("%-8s %-20s %-10s %-10s %-8s %-16s %-16s %s\n", r->id, r->name,
               r->valid_from[0] ? r->valid_from : "-",
               r->valid_until[0] ? r->valid_until : "-",
               r->region[0] ? r->region : "-",
               r->industries[0] ? r->industries : "-",
               r->themes[0] ? r->themes : "-",
               r->contact[0] ? r->contact : "-");
        return MM_OK;
    }
    mm_buf b;
    mm_buf_init(&b, 8192);
    const char *role = mm_hub_reg_role_name(r->role);
    const char *k[] = {"role",       "id",          "name",   "public_key",
                       "valid_from", "valid_until", "region", "industries",
                       "themes",     "contact"};
    const char *v[] = {role,          r->id,          r->name,   r->public_key,
                       r->valid_from, r->valid_until, r->region, r->industries,
                       r->themes,     r->contact};
    mm_cli_hub_json_object(&b, k, v, sizeof k / sizeof *k);
    mm_buf_puts(&b, "\n");
    fwrite(b.data, 1, b.len, stdout);
    mm_buf_free(&b);
    return MM_OK;
}

static int reg_list(hub_args *a, mm_hub_reg_role role)
{
    bool json = HAS(a, K_JSON);
    mm_err err;
    mm_rc r = mm_hub_registry_list(a->st, role, print_reg, &json, &err);
    return r == MM_OK ? MM_EXIT_OK : mm_cli_hub_fail_rc(r, &err);
}

/* The row functions: one per (role, verb). */
#define ROLE_RUN(verb, role_word, role)                                       \
    static int run_##role_word##_##verb(hub_args *a)                          \
    {                                                                         \
        return reg_##verb(a, role);                                           \
    }
ROLE_RUN(add, expert, MM_HUB_REG_EXPERT)
ROLE_RUN(add, assessor, MM_HUB_REG_ASSESSOR)
ROLE_RUN(import, expert, MM_HUB_REG_EXPERT)
ROLE_RUN(import, assessor, MM_HUB_REG_ASSESSOR)
ROLE_RUN(list, expert, MM_HUB_REG_EXPERT)
ROLE_RUN(list, assessor, MM_HUB_REG_ASSESSOR)

/* `hub evidence`: the tenant's SCS evidence as of --now (default: now). */
static int run_evidence(hub_args *a)
{
    const char *now_s = mm_cli_hub_ext(a, X_NOW),
               *win = mm_cli_hub_ext(a, X_WINDOW);
    const char *out = mm_cli_hub_ext(a, X_OUT);
    int64_t now = mm_now_ms();
    mm_err err;
    mm_rc r = mm_hub_admin_tenant_get(a->st, a->tenant, NULL, &err);
    if (r != MM_OK)
        return mm_cli_hub_fail_rc(r, &err);
    if (now_s && !mm_scs_time_parse_ms(now_s, &now))
        return mm_cli_usage_error(&mm_cmd_hub,
                                  "--now は RFC 3339 の時刻です / --now must "
                                  "be an RFC 3339 time");
    char *end = NULL;
    long days = win ? strtol(win, &end, 10) : 90;
    if (win && (*end || days < 1 || days > 3650))
        return mm_cli_usage_error(&mm_cmd_hub,
                                  "--window-days は 1〜3650 / must be "
                                  "1..3650");
    mm_buf b;
    mm_buf_init(&b, MM_SCS_EVIDENCE_MAX);
    r = mm_hub_evidence_json_dir(a->st, a->dir, a->tenant, now, (unsigned)days,
                                 &b, &err);
    if (r == MM_OK && out)
        r = mm_file_write_atomic(out, b.data, b.len, 0644, &err);
    else if (r == MM_OK && fwrite(b.data, 1, b.len, stdout) != b.len)
        r = mm_err_set(&err, MM_EIO, "stdout", 0, "cannot write");
    mm_buf_free(&b);
    return r == MM_OK ? MM_EXIT_OK : mm_cli_hub_fail_rc(r, &err);
}

const hub_sub mm_cli_hub_scs_subs[] = {
    {"expert add", expert_add_opts, NEED(K_DIR), 0,
     "hub expert add needs --dir DIR --registration-no N --name NAME "
     "--pubkey FILE",
     0, true, run_expert_add},
    {"expert import", import_opts, NEED(K_DIR), 0,
     "hub expert import needs --dir DIR --csv FILE", 0, true,
     run_expert_import},
    {"expert list", mm_cli_hub_list_opts, NEED(K_DIR), 0,
     "hub expert list needs --dir DIR", 0, true, run_expert_list},
    {"assessor add", assessor_add_opts, NEED(K_DIR), 0,
     "hub assessor add needs --dir DIR --assessor-id ID --name NAME "
     "--pubkey FILE",
     0, true, run_assessor_add},
    {"assessor import", import_opts, NEED(K_DIR), 0,
     "hub assessor import needs --dir DIR --csv FILE", 0, true,
     run_assessor_import},
    {"assessor list", mm_cli_hub_list_opts, NEED(K_DIR), 0,
     "hub assessor list needs --dir DIR", 0, true, run_assessor_list},
    {"evidence", evidence_opts, NEED(K_DIR) | NEED(K_TENANT), 0,
     "hub evidence needs --dir DIR --tenant ID", 0, true, run_evidence},
    {0},
};
