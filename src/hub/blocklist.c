/* SPDX-License-Identifier: Apache-2.0 */
/* blocklist.c — the feed as the plain lists firewalls pull (FortiGate
 * External Threat Feed, Palo Alto External Dynamic List, Cisco Secure
 * Firewall Security Intelligence; docs/block.md), per tenant: never its own
 * ranges, a member's ranges or the hub's allowlist; and the operator's
 * retraction of an indicator, which reaches every sensor as a removal
 * through the feed cursor. */
#include "block.h"
#include "hub-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What list_row needs: the indicators are offered to the plan. */
typedef struct list_ctx {
    int64_t now;
    unsigned min_conf;
    mm_hub *h;
    const mm_block_allow *allow;
    mm_block_plan *plan;
} list_ctx;

static mm_rc list_row(const mm_indicator *i, void *ud)
{
    list_ctx *x = ud;
    if (i->removed || i->valid_until <= x->now ||
        mm_hub_confidence(i, x->now) < x->min_conf)
        return MM_OK; /* the same decay as the feed */
    if (strcmp(i->type, "ipv4-addr") != 0 && strcmp(i->type, "ipv6-addr") != 0)
        return MM_OK;
    mm_cidr c;
    if (mm_cidr_parse(i->value, strlen(i->value), &c) != MM_OK ||
        mm_addr_is_reserved(&c.addr) || mm_hub_allowed(x->h, &c.addr) ||
        mm_hub__member_range(x->h, &c.addr))
        return MM_OK;
    return mm_block_plan_add(x->plan, x->allow, &c, 0);
}

/* The tenant's own ranges ("a, b, c") on top of loopback. */
static mm_rc tenant_allow(const mm_tenant *t, mm_block_allow *a)
{
    mm_rc rc = mm_block_allow_init(a);
    char buf[sizeof t->ranges];
    snprintf(buf, sizeof buf, "%s", t->ranges);
    char *save = NULL;
    for (char *r = strtok_r(buf, ", ", &save); r && rc == MM_OK;
         r = strtok_r(NULL, ", ", &save))
        rc = mm_block_allow_add(a, r, "ranges", NULL) == MM_ENOMEM ? MM_ENOMEM
                                                                   : MM_OK;
    return rc;
}

mm_rc mm_hub_blocklist(mm_hub *h, const mm_tenant *t, const char *format,
                       unsigned min_conf, int64_t now_ms, mm_buf *out,
                       mm_err *err)
{
    mm_block_list_format f;
    if (!mm_block_list_format_from_name(format, &f))
        return mm_err_set(err, MM_ENOTFOUND, "<blocklist>", 0,
                          "no such list format");
    mm_block_allow a;
    mm_block_plan p;
    mm_block_plan_init(&p, MM_BLOCK_MAX_CEILING);
    mm_rc rc = tenant_allow(t, &a);
    list_ctx x = {now_ms, min_conf, h, &a, &p};
    if (rc == MM_OK)
        rc = mm_store_indicator_list(mm_hub__store(h), 0, list_row, &x, err);
    if (rc == MM_OK) {
        mm_block_plan_finish(&p);
        rc = mm_block_render_list(&p, f, out);
    }
    mm_block_plan_free(&p);
    mm_block_allow_free(&a);
    if (rc == MM_ENOMEM || rc == MM_ELIMIT)
        return mm_err_set(err, rc, "<blocklist>", 0, "list too large");
    return rc;
}

/* ---- retraction ------------------------------------------------------------
 */

typedef struct find_ctx {
    const char *type, *value;
    mm_indicator found;
    bool hit;
} find_ctx;

static mm_rc find_row(const mm_indicator *i, void *ud)
{
    find_ctx *x = ud;
    if (strcmp(i->type, x->type) == 0 && strcmp(i->value, x->value) == 0) {
        x->found = *i;
        x->hit = true;
    }
    return MM_OK;
}

/* The indicator's type and canonical value: an address as mm_addr prints
 * it, a domain in lower case. */
static mm_rc canon(const char *value, char *type, char *out, size_t outlen,
                   mm_err *err)
{
    size_t n = strlen(value);
    mm_addr a;
    if (mm_addr_parse(value, n, &a) == MM_OK) {
        mm_addr_format(&a, out, outlen);
        snprintf(type, 16, "%s", a.family == 4 ? "ipv4-addr" : "ipv6-addr");
        return MM_OK;
    }
    if (n == 0 || n >= outlen || !mm_hub_valid_domain(value, n))
        return mm_err_set(err, MM_EINVAL, "<retract>", 0,
                          "IP アドレスかドメイン名を指定してください / not "
                          "an IP address or domain name: '%.64s'",
                          value);
    for (size_t i = 0; i <= n; i++)
        out[i] = (char)(value[i] >= 'A' && value[i] <= 'Z' ? value[i] + 32
                                                           : value[i]);
    snprintf(type, 16, "domain-name");
    return MM_OK;
}

mm_rc mm_hub_retract_store(mm_store *st, const char *value, int64_t now_ms,
                           bool *was_listed, mm_err *err)
{
    char type[16], val[254];
    *was_listed = false;
    mm_rc rc = canon(value, type, val, sizeof val, err);
    if (rc != MM_OK)
        return rc;
    find_ctx x = {type, val, {0}, false};
    rc = mm_store_indicator_list(st, 0, find_row, &x, err);
    if (rc != MM_OK)
        return rc;
    mm_indicator i = x.found;
    if (!x.hit) { /* a tombstone: it will never be listed */
        memset(&i, 0, sizeof i);
        snprintf(i.type, sizeof i.type, "%s", type);
        snprintf(i.value, sizeof i.value, "%s", val);
        i.first_seen = i.last_seen = now_ms;
    }
    *was_listed = x.hit && !i.removed && i.valid_until > now_ms;
    i.removed = true;
    i.campaign = MM_HUB_RETRACTED;
    i.confidence = 0;
    i.valid_until = now_ms;
    rc = mm_store_begin(st, err);
    if (rc != MM_OK)
        return rc;
    rc = st->ops->indicator_put(st, &i, err);
    return mm_store_end(st, rc, err);
}

mm_rc mm_hub_retract(mm_hub *h, const char *value, int64_t now_ms,
                     bool *was_listed, mm_err *err)
{
    mm_rc rc =
        mm_hub_retract_store(mm_hub__store(h), value, now_ms, was_listed, err);
    return rc ? rc : mm_hub__sync_indicators(h, err);
}

mm_rc mm_hub_sync(mm_hub *h, mm_err *err)
{
    return mm_hub__sync_indicators(h, err);
}

/* ---- HTTP (server.c dispatches, authenticates and locks) ------------------
 */

static void http_err(unsigned code, const char *msg, unsigned *status,
                     mm_buf *out)
{
    *status = code;
    mm_buf_puts(out, "{\"error\":");
    mm_buf_json_str(out, msg, strlen(msg));
    mm_buf_puts(out, "}");
}

void mm_hub_block_http(mm_hub *h, const mm_tenant *t, const char *url,
                       const char *value, const char *min, int64_t now_ms,
                       unsigned *status, bool *text, mm_buf *out)
{
    mm_err err;
    *text = false;
    if (!t) { /* POST /api/v1/admin/retract?value=… (operator, loopback) */
        bool was = false;
        if (!value || !*value)
            return http_err(400, "value is required", status, out);
        if (mm_hub_retract(h, value, now_ms, &was, &err) != MM_OK)
            return http_err(400, err.msg, status, out);
        *status = 200;
        mm_buf_puts(out, "{\"retracted\":");
        mm_buf_json_str(out, value, strlen(value));
        mm_buf_printf(out, ",\"was_listed\":%s,\"cursor\":%lld}",
                      was ? "true" : "false", (long long)mm_hub_cursor(h));
        return;
    }
    /* GET /api/v1/blocklist/<format>.txt[?min=N] */
    char fmt[32];
    const char *name = url + strlen("/api/v1/blocklist/");
    size_t n = strlen(name);
    if (n < 5 || n - 4 >= sizeof fmt || strcmp(name + n - 4, ".txt") != 0)
        return http_err(404,
                        "no such list (fortigate.txt, paloalto.txt, "
                        "cisco.txt)",
                        status, out);
    memcpy(fmt, name, n - 4);
    fmt[n - 4] = '\0';
    unsigned long mc = 0;
    char *end = NULL;
    if (min && (mc = strtoul(min, &end, 10), *end || !*min || mc > 100))
        return http_err(400, "min must be 0..100", status, out);
    mm_rc rc = mm_hub_blocklist(h, t, fmt, (unsigned)mc, now_ms, out, &err);
    if (rc != MM_OK) {
        out->len = 0;
        return http_err(rc == MM_ENOTFOUND ? 404 : 500, err.msg, status, out);
    }
    *status = 200;
    *text = true;
}
