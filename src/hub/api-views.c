/* SPDX-License-Identifier: Apache-2.0 */
/* api-views.c — the console's read-only views built from the store: a
 * tenant's month in figures (GET /api/v1/summary), and the coordinator's
 * de-identified campaigns and supply-chain graph (GET /api/v1/campaigns,
 * /api/v1/graph). Access is decided by the caller (api-console.c); every
 * figure here is counted from the store, and what the store cannot back is
 * null. */
#include "hub-int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define jstr mm_hub_jstr
#define jtime mm_hub_jtime

/* [from, to) of month "YYYY-MM" in JST. */
static bool month_range(const char *m, int64_t *from, int64_t *to)
{
    if (strlen(m) != 7 || m[4] != '-')
        return false;
    for (int i = 0; i < 7; i++)
        if (i != 4 && (m[i] < '0' || m[i] > '9'))
            return false;
    int y = (m[0] - '0') * 1000 + (m[1] - '0') * 100 + (m[2] - '0') * 10 +
            (m[3] - '0');
    int mo = (m[5] - '0') * 10 + (m[6] - '0');
    if (y < 1970 || mo < 1 || mo > 12)
        return false;
    *from = (mm_time_from_civil(y, mo, 1, 0, 0, 0) - 9 * 3600) * 1000;
    *to = (mm_time_from_civil(mo == 12 ? y + 1 : y, mo == 12 ? 1 : mo + 1, 1,
                              0, 0, 0) -
           9 * 3600) *
          1000;
    return true;
}

static mm_rc count_open(const mm_hub_case *c, void *ud)
{
    (void)c;
    (*(uint64_t *)ud)++;
    return MM_OK;
}

mm_rc mm_hub_summary_json(mm_store *st, const char *tenant, const char *month,
                          const char *tz, mm_buf *out, mm_err *err)
{
    int64_t from, to, last = 0;
    if (!month_range(month, &from, &to))
        return mm_err_set(err, MM_EINVAL, "<summary>", 0,
                          "month は YYYY-MM / month must be YYYY-MM");
    if (!st->ops->alert_summary || !st->ops->case_list)
        return mm_err_set(err, MM_EINVAL, "<store>", 0,
                          "this store has no console tables");
    uint64_t alerts = 0, closed = 0, cases = 0;
    mm_rc rc = st->ops->alert_summary(st, tenant, from, to, &alerts, &closed,
                                      &last, err);
    if (rc == MM_OK)
        rc = st->ops->case_list(st, 0, tenant, "open", 0, count_open, &cases,
                                err);
    if (rc != MM_OK)
        return rc;
    mm_buf_puts(out, "{");
    jstr(out, "tenant", tenant);
    mm_buf_puts(out, ",");
    jstr(out, "month", month);
    /* attacks: alerts raised in the month (each alert is one attack seen,
     * however many lines it grouped); the feed's first-hit stops are not
     * recorded at the hub, so that figure is null */
    mm_buf_printf(out,
                  ",\"attacks\":%llu,\"alerts_open\":%llu,\"alerts_closed\":"
                  "%llu,\"cases_open\":%llu,\"feed_first_hit_stopped\":null,"
                  "\"sensors\":[{",
                  (unsigned long long)alerts,
                  (unsigned long long)(alerts - closed),
                  (unsigned long long)closed, (unsigned long long)cases);
    jstr(out, "id", tenant);
    mm_buf_puts(out, ",");
    rc = mm_hub__summary_sensor(st, tenant, last, tz, mm_now_ms(), out, err);
    mm_buf_puts(out, "}]");
    if (rc == MM_OK)
        rc = mm_hub__summary_measured(st, tenant, from, to, out, err);
    mm_buf_puts(out, "}");
    return rc;
}

/* ---- de-identified views -------------------------------------------------
 */

/* "t-" and 12 hex of a keyed hash of the id, or the id itself. */
static void name_of(const uint8_t *key, const char *id, char *out, size_t n)
{
    if (!key) {
        snprintf(out, n, "%s", id);
        return;
    }
    uint8_t h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)id, strlen(id), key,
                       32);
    snprintf(out, n, "t-%02x%02x%02x%02x%02x%02x", h[0], h[1], h[2], h[3],
             h[4], h[5]);
}

typedef struct view_ctx {
    const uint8_t *key;
    const char *tz;
    mm_buf *out;
    size_t n;
} view_ctx;

typedef mm_hub_vec vec;

mm_rc mm_hub_vec_push(void *xv, const void *item)
{
    mm_hub_vec *x = xv;
    char *nv = realloc(x->v, (x->n + 1) * x->size);
    if (!nv)
        return MM_ENOMEM;
    memcpy(nv + x->n * x->size, item, x->size);
    x->v = nv;
    x->n++;
    return MM_OK;
}

static mm_rc push(vec *x, const void *item)
{
    return mm_hub_vec_push(x, item);
}

static mm_rc push_campaign(const mm_campaign *c, void *ud)
{
    return push(ud, c);
}

static mm_rc push_hit(const mm_hit *h, void *ud)
{
    return push(ud, h);
}

static mm_rc push_tenant(const mm_tenant *t, void *ud)
{
    return push(ud, t);
}

static mm_rc push_link(const mm_link *l, void *ud)
{
    return push(ud, l);
}

static mm_rc hit_json(const mm_hit *h, void *ud)
{
    view_ctx *x = ud;
    char name[MM_HUB_ID_MAX + 1];
    name_of(x->key, h->tenant, name, sizeof name);
    mm_buf_puts(x->out, x->n++ ? ",{" : "{");
    jstr(x->out, "tenant", name);
    mm_buf_puts(x->out, ",");
    jtime(x->out, "first_seen", h->first_ts, x->tz);
    mm_buf_puts(x->out, ",");
    jtime(x->out, "last_seen", h->last_ts, x->tz);
    mm_buf_printf(x->out, ",\"count\":%llu}", (unsigned long long)h->count);
    return MM_OK;
}

mm_rc mm_hub_campaigns_view_json(mm_store *st, const uint8_t *key,
                                 const char *tz, mm_buf *out, mm_err *err)
{
    vec cv = {NULL, 0, sizeof(mm_campaign)};
    mm_rc rc = mm_store_campaign_list(st, push_campaign, &cv, err);
    mm_buf_puts(out, "{\"campaigns\":[");
    for (size_t i = 0; rc == MM_OK && i < cv.n; i++) {
        const mm_campaign *c = (const mm_campaign *)cv.v + i;
        mm_buf_printf(out, "%s{\"id\":\"c-%lld\",", i ? "," : "",
                      (long long)c->id);
        jstr(out, "key_type", c->key_type);
        mm_buf_puts(out, ",");
        jstr(out, "key", c->key);
        mm_buf_puts(out, ",");
        jtime(out, "opened", c->opened_ms, tz);
        mm_buf_puts(out, ",");
        jtime(out, "first_seen", c->first_ts, tz);
        mm_buf_puts(out, ",");
        jtime(out, "last_seen", c->last_ts, tz);
        mm_buf_printf(out, ",\"state\":\"%s\"",
                      c->closed_ts ? "closed" : "open");
        if (c->closed_ts) {
            mm_buf_puts(out, ",");
            jtime(out, "closed", c->closed_ts, tz);
        }
        mm_buf_printf(out,
                      ",\"tenants\":%u,\"score\":%u,\"severity\":%d,"
                      "\"escalated\":%s,\"hits\":[",
                      c->tenants, c->score, c->severity,
                      c->escalated ? "true" : "false");
        view_ctx x = {key, tz, out, 0};
        rc = mm_store_hit_list(st, c->id, hit_json, &x, err);
        mm_buf_puts(out, "]}");
    }
    mm_buf_puts(out, "]}");
    free(cv.v);
    return rc;
}

/* Tenants hit by any campaign (the graph highlights them). */
static bool was_hit(const vec *hits, const char *id)
{
    for (size_t i = 0; i < hits->n; i++)
        if (strcmp(((const mm_hit *)hits->v)[i].tenant, id) == 0)
            return true;
    return false;
}

static mm_rc count_warning(const mm_warning *w, void *ud)
{
    (void)w;
    (*(unsigned *)ud)++;
    return MM_ELIMIT; /* one is enough */
}

static void graph_nodes(mm_store *st, const uint8_t *key, const vec *ts,
                        const vec *hits, mm_buf *out)
{
    mm_buf_puts(out, "{\"nodes\":[");
    for (size_t i = 0; i < ts->n; i++) {
        const mm_tenant *t = (const mm_tenant *)ts->v + i;
        char name[MM_HUB_ID_MAX + 1];
        unsigned warned = 0;
        mm_err err;
        (void)mm_store_warning_list(st, t->id, 0, count_warning, &warned,
                                    &err);
        name_of(key, t->id, name, sizeof name);
        mm_buf_puts(out, i ? ",{" : "{");
        jstr(out, "id", name);
        mm_buf_puts(out, ",");
        jstr(out, "kind", mm_tenant_kind_name(t->kind));
        mm_buf_puts(out, ",");
        jstr(out, "industry", t->industry[0] ? t->industry : NULL);
        mm_buf_puts(out, ",");
        jstr(out, "region", t->region[0] ? t->region : NULL);
        mm_buf_printf(out, ",\"hit\":%s,\"warned\":%s}",
                      was_hit(hits, t->id) ? "true" : "false",
                      warned ? "true" : "false");
    }
}

mm_rc mm_hub_graph_json(mm_store *st, const uint8_t *key, mm_buf *out,
                        mm_err *err)
{
    vec ts = {NULL, 0, sizeof(mm_tenant)}, ls = {NULL, 0, sizeof(mm_link)};
    vec cv = {NULL, 0, sizeof(mm_campaign)}, hits = {NULL, 0, sizeof(mm_hit)};
    mm_rc rc = mm_store_tenant_list(st, push_tenant, &ts, err);
    if (rc == MM_OK)
        rc = mm_store_link_list(st, push_link, &ls, err);
    if (rc == MM_OK)
        rc = mm_store_campaign_list(st, push_campaign, &cv, err);
    for (size_t i = 0; rc == MM_OK && i < cv.n; i++)
        rc = mm_store_hit_list(st, ((const mm_campaign *)cv.v)[i].id, push_hit,
                               &hits, err);
    if (rc == MM_OK) {
        graph_nodes(st, key, &ts, &hits, out);
        mm_buf_puts(out, "],\"edges\":[");
        for (size_t i = 0; i < ls.n; i++) {
            const mm_link *l = (const mm_link *)ls.v + i;
            char a[MM_HUB_ID_MAX + 1], b[MM_HUB_ID_MAX + 1];
            name_of(key, l->supplier, a, sizeof a);
            name_of(key, l->customer, b, sizeof b);
            mm_buf_puts(out, i ? ",{" : "{");
            jstr(out, "supplier", a);
            mm_buf_puts(out, ",");
            jstr(out, "customer", b);
            mm_buf_puts(out, "}");
        }
        mm_buf_puts(out, "]}");
    }
    free(ts.v);
    free(ls.v);
    free(cv.v);
    free(hits.v);
    return rc;
}

void mm_hub_pseudonym(const uint8_t *key, const char *id, char *out, size_t n)
{
    name_of(key, id, out, n);
}
