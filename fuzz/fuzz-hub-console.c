/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-hub-console.c — the console API's request bodies and query values
 * on hostile input, through the real handler with a logged-in session: the
 * first byte picks the route, the rest is the body (and every query
 * value). Every answer must be a known status with a JSON body (HTML for
 * the export). One in-memory store for the whole run. */
#include "hub-int.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mm_store *st;
static mm_hub_console *cs;
static char cookie[65], csrf[65];
static char qval[256];

static void trap_if(bool bad)
{
    if (bad)
        __builtin_trap();
}

static const char *qarg(void *ctx, const char *name)
{
    (void)ctx;
    (void)name;
    return qval;
}

static void init(void)
{
    mm_err err;
    trap_if(mm_store_open(":memory:", &st, &err) != MM_OK);
    mm_hub_server_conf conf;
    memset(&conf, 0, sizeof conf);
    trap_if(mm_hub_console_new(st, NULL, &conf, &cs, &err) != MM_OK);
    mm_tenant t;
    memset(&t, 0, sizeof t);
    snprintf(t.id, sizeof t.id, "s1");
    snprintf(t.name, sizeof t.name, "S1");
    mm_hub_token_hash("s1", 2, t.token_hash, sizeof t.token_hash);
    trap_if(mm_store_tenant_put(st, &t, &err) != MM_OK);
    mm_hub_user u;
    memset(&u, 0, sizeof u);
    snprintf(u.name, sizeof u.name, "alice");
    snprintf(u.tenant, sizeof u.tenant, "s1");
    trap_if(mm_hub_admin_user_add(st, &u, "pw", NULL, 0, &err) != MM_OK);
    static const char line[] =
        "{\"@timestamp\":\"2026-12-01T00:00:00Z\",\"event\":{\"id\":\"e1\","
        "\"kind\":\"alert\",\"severity\":4},\"rule\":{\"id\":\"ioc.ip\"}}\n";
    mm_hub_batch b;
    trap_if(mm_hub_batch_decode(line, sizeof line - 1, false, &b, &err) !=
            MM_OK);
    bool dup;
    trap_if(mm_store_put_event(st, "s1", &b.ev[0], 1, &dup, &err) != MM_OK);
    mm_hub_batch_free(&b);
    mm_hub_session se;
    memset(&se, 0, sizeof se);
    mm_hub_session_new(cookie, se.id_hash, se.csrf);
    memcpy(csrf, se.csrf, sizeof csrf);
    snprintf(se.user, sizeof se.user, "alice");
    se.created_ms = se.last_ms = 1;
    trap_if(st->ops->session_put(st, &se, &err) != MM_OK);
}

static const struct {
    const char *method, *path;
} routes[] = {
    {"POST", "/api/v1/alerts/1"},
    {"POST", "/api/v1/cases"},
    {"POST", "/api/v1/cases/1"},
    {"POST", "/api/v1/cases/1/dispatch"},
    {"POST", "/api/v1/cases/1/steps/ipa"},
    {"GET", "/api/v1/alerts"},
    {"GET", "/api/v1/cases"},
    {"GET", "/api/v1/summary"},
    {"GET", "/api/v1/cases/1/export.html"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!st)
        init();
    if (size == 0)
        return 0;
    size_t r = data[0] % (sizeof routes / sizeof *routes);
    size_t qn = size - 1 < sizeof qval - 1 ? size - 1 : sizeof qval - 1;
    memcpy(qval, data + 1, qn);
    qval[qn] = '\0';
    mm_hub_http_req rq = {.method = routes[r].method,
                          .path = routes[r].path,
                          .body = (const char *)data + 1,
                          .body_len = size - 1,
                          .cookie_session = cookie,
                          .csrf_header = csrf,
                          .client_addr = "192.0.2.1",
                          .arg = qarg};
    mm_hub_http_resp o;
    memset(&o, 0, sizeof o);
    mm_buf_init(&o.body, 1u << 24);
    mm_hub_console_handle(cs, &rq, 1000, &o);
    unsigned s = o.status;
    trap_if(s != 200 && s != 201 && s != 400 && s != 404);
    if (!o.ctype) { /* JSON unless the export */
        json_t *j =
            json_loadb(o.body.data ? o.body.data : "", o.body.len, 0, NULL);
        trap_if(!j);
        json_decref(j);
    }
    mm_buf_free(&o.body);
    return 0;
}
