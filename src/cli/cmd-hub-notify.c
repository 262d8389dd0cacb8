/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-hub-notify.c — `mamori hub notify add | list | del | outbox` and
 * `mamori hub report`: options in, src/hub/outbox.c and src/report do the
 * work, the result printed or written. */
#include "cmd-hub.h"
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int run_notify_add(hub_args *a)
{
    mm_notify_pref p;
    memset(&p, 0, sizeof p);
    int given = (a->email != NULL) + (a->teams != NULL) + (a->slack != NULL);
    if (given != 1)
        return mm_cli_usage_error(&mm_cmd_hub,
                                  "notify add needs one of --email, --teams, "
                                  "--slack");
    const char *ch = a->email ? "email" : a->teams ? "teams" : "slack";
    const char *target = a->email ? a->email : a->teams ? a->teams : a->slack;
    if (strlen(a->tenant) >= sizeof p.tenant ||
        strlen(target) >= sizeof p.target)
        return mm_cli_usage_error(&mm_cmd_hub, "--tenant or target too long");
    snprintf(p.tenant, sizeof p.tenant, "%s", a->tenant);
    snprintf(p.channel, sizeof p.channel, "%s", ch);
    snprintf(p.target, sizeof p.target, "%s", target);
    p.min_severity = a->minsev ? mm_hub_severity_from_name(a->minsev) : 1;
    if (a->digest && strcmp(a->digest, "daily") != 0)
        return mm_cli_usage_error(&mm_cmd_hub, "--digest takes only 'daily'");
    p.digest = a->digest != NULL;
    mm_err err;
    mm_rc rc = mm_hub_notify_add(a->st, &p, &err);
    if (rc != MM_OK)
        return mm_cli_hub_fail_usage(rc, &err);
    printf("%lld\n", (long long)p.id);
    fprintf(stderr, "通知先を追加しました / notification added (id above)\n");
    return MM_EXIT_OK;
}

static mm_rc print_pref(const mm_notify_pref *p, void *ud)
{
    const hub_args *a = ud;
    if (HAS(a, K_JSON)) {
        mm_buf b;
        mm_buf_init(&b, 4096);
        mm_buf_printf(&b, "{\"id\":%lld,\"tenant\":", (long long)p->id);
        mm_buf_json_str(&b, p->tenant, strlen(p->tenant));
        mm_buf_printf(&b, ",\"channel\":\"%s\",\"target\":", p->channel);
        mm_buf_json_str(&b, p->target, strlen(p->target));
        mm_buf_printf(&b, ",\"min_severity\":\"%s\",\"digest\":%s}",
                      mm_hub_severity_name(p->min_severity),
                      p->digest ? "\"daily\"" : "null");
        printf("%s\n", b.data);
        mm_buf_free(&b);
    } else {
        printf("%lld\t%s\t%s\t%s\t%s\t%s\n", (long long)p->id, p->tenant,
               p->channel, p->target, mm_hub_severity_name(p->min_severity),
               p->digest ? "daily" : "at-once");
    }
    return MM_OK;
}

static int run_notify_list(hub_args *a)
{
    mm_err err;
    mm_rc rc = mm_hub_notify_list(a->st, a->tenant, print_pref, a, &err);
    return rc == MM_OK ? MM_EXIT_OK : mm_cli_hub_fail_rc(rc, &err);
}

static int run_notify_del(hub_args *a)
{
    char *end;
    errno = 0;
    long long id = strtoll(a->id, &end, 10);
    if (errno || *end || id <= 0)
        return mm_cli_usage_error(&mm_cmd_hub, "--id must be a number");
    mm_err err;
    mm_rc rc = mm_hub_notify_del(a->st, a->tenant, id, &err);
    if (rc != MM_OK)
        return mm_cli_hub_fail_rc(rc, &err);
    fprintf(stderr, "通知先を削除しました / notification removed\n");
    return MM_EXIT_OK;
}

static mm_rc print_outbox(const mm_outbox_msg *m, void *ud)
{
    (void)ud;
    static const char *const states[] = {"?", "pending", "sent", "given-up"};
    char t[32];
    mm_time_format(m->next_ms, t, sizeof t);
    printf("%lld\t%s\t%s\t%s\twarning %lld\t%s\t%u attempt(s)\tnext %s\t%s\n",
           (long long)m->id, m->tenant, m->channel, m->target,
           (long long)m->warning,
           m->state >= 1 && m->state <= 3 ? states[m->state] : "?",
           m->attempts, t, m->last_error);
    return MM_OK;
}

static int run_notify_outbox(hub_args *a)
{
    mm_err err;
    if (!a->st->ops->outbox_list) {
        mm_err_set(&err, MM_EINVAL, "store", 0,
                   "notifications are not supported by this store");
        return mm_cli_hub_fail(&err);
    }
    mm_rc rc =
        a->st->ops->outbox_list(a->st, a->tenant, print_outbox, a, &err);
    return rc == MM_OK ? MM_EXIT_OK : mm_cli_hub_fail_rc(rc, &err);
}

static int run_report(hub_args *a)
{
    int year, month;
    if (mm_report_month_parse(a->month, &year, &month) != MM_OK)
        return mm_cli_usage_error(&mm_cmd_hub, "--month must be YYYY-MM");
    const char *fmt = a->format ? a->format : "pdf";
    if (strcmp(fmt, "pdf") != 0 && strcmp(fmt, "html") != 0)
        return mm_cli_usage_error(&mm_cmd_hub, "--format must be pdf or html");
    mm_report *r = malloc(sizeof *r);
    if (!r)
        return MM_EXIT_FAIL;
    mm_err err;
    mm_buf out;
    mm_buf_init(&out, 64u << 20);
    mm_rc rc =
        mm_report_collect(a->st, a->tenant, year, month, mm_now_ms(), r, &err);
    if (rc == MM_OK)
        rc = mm_report_render(r, *fmt == 'p' ? MM_REPORT_PDF : MM_REPORT_HTML,
                              &out, &err);
    if (rc == MM_OK)
        rc = mm_file_write_atomic(a->out, out.data, out.len, 0644, &err);
    if (rc == MM_OK)
        fprintf(stderr,
                "月次報告を書き出しました / monthly report written: %s "
                "(%llu alerts)\n",
                a->out, (unsigned long long)r->alerts);
    mm_buf_free(&out);
    free(r);
    mm_report_release_fonts();
    return rc == MM_OK ? MM_EXIT_OK : mm_cli_hub_fail_rc(rc, &err);
}

/* Every option of the notify subcommands but --json takes a value. */
#define O_VAL(name, key) OPT(name, key, true)
static const mm_cli_opt add_opts[] = {O_DIR,
                                      O_VAL("--tenant", K_TENANT),
                                      O_VAL("--email", K_EMAIL),
                                      O_VAL("--teams", K_TEAMS),
                                      O_VAL("--slack", K_SLACK),
                                      O_VAL("--min-severity", K_MINSEV),
                                      O_VAL("--digest", K_DIGEST),
                                      {0}};
static const mm_cli_opt list_opts[] = {
    O_DIR, O_VAL("--tenant", K_TENANT), O_JSON, {0}};
static const mm_cli_opt report_opts[] = {O_DIR,
                                         O_VAL("--tenant", K_TENANT),
                                         O_VAL("--month", K_MONTH),
                                         O_VAL("--format", K_FORMAT),
                                         O_VAL("-o", K_OUT),
                                         {0}};
static const mm_cli_opt del_opts[] = {
    O_DIR, O_VAL("--tenant", K_TENANT), O_VAL("--id", K_ID), {0}};

const hub_sub mm_cli_hub_notify_subs[] = {
    {"notify add", add_opts, NEED(K_DIR) | NEED(K_TENANT), 0,
     "notify add needs --dir, --tenant and --email, --teams or --slack", 0,
     true, run_notify_add},
    {"notify list", list_opts, NEED(K_DIR), 0, "notify list needs --dir DIR",
     0, true, run_notify_list},
    {"notify del", del_opts, NEED(K_DIR) | NEED(K_TENANT) | NEED(K_ID), 0,
     "notify del needs --dir, --tenant and --id", 0, true, run_notify_del},
    {"notify outbox", list_opts, NEED(K_DIR), 0,
     "notify outbox needs --dir DIR", 0, true, run_notify_outbox},
    {"report", report_opts,
     NEED(K_DIR) | NEED(K_TENANT) | NEED(K_MONTH) | NEED(K_OUT), 0,
     "report needs --dir, --tenant, --month YYYY-MM and -o FILE", 0, true,
     run_report},
    {0},
};
