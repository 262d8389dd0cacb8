/* SPDX-License-Identifier: Apache-2.0 */
/* feed.c — renderings of what the hub shares: the indicator feed (JSON,
 * text, nftables, STIX 2.1), a tenant's inbox, the campaign list and the
 * escalation queue as a STIX 2.1 bundle. */
#include "hub-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct feed_ctx {
    mm_buf *out;
    int64_t now;
    bool full; /* full current feed: live indicators only */
    unsigned n;
    int kind;         /* 0 json, 1 txt, 2 nft v4, 3 nft v6, 4 stix */
    int64_t campaign; /* stix of one campaign: only its indicators (0 = all) */
    const char *ident;
    const char *camp_ref;
} feed_ctx;

static bool live(const mm_indicator *i, int64_t now)
{
    return !i->removed && i->valid_until > now;
}

static mm_rc ts(mm_buf *b, int64_t ms)
{
    char t[32];
    mm_time_format(ms, t, sizeof t);
    return mm_buf_printf(b, "\"%s\"", t);
}

/* `,"name":"<time>"`: a time member after the first of an object. */
static mm_rc ts_member(mm_buf *b, const char *name, int64_t ms)
{
    char t[32];
    mm_time_format(ms, t, sizeof t);
    return mm_buf_printf(b, ",\"%s\":\"%s\"", name, t);
}

static mm_rc stix_indicator(mm_buf *b, const mm_indicator *i, int64_t now,
                            const char *ident, bool first)
{
    char uuid[37], name[300];
    snprintf(name, sizeof name, "%s %s", i->type, i->value);
    mm_hub_uuid("mamori-indicator", name, uuid);
    mm_rc rc =
        mm_buf_printf(b,
                      "%s{\"type\":\"indicator\",\"spec_version\":\"2.1\","
                      "\"id\":\"indicator--%s\",\"created_by_ref\":\"%s\","
                      "\"created\":",
                      first ? "" : ",", uuid, ident);
    rc = rc ? rc : ts(b, i->first_seen);
    rc = rc ? rc
            : ts_member(b, "modified",
                        i->last_seen > i->first_seen ? i->last_seen
                                                     : i->first_seen);
    rc = rc ? rc : mm_buf_puts(b, ",\"name\":");
    char nm[320];
    snprintf(nm, sizeof nm, "mamori campaign c-%lld: %s",
             (long long)i->campaign, i->value);
    rc = rc ? rc : mm_buf_json_str(b, nm, strlen(nm));
    rc = rc ? rc
            : mm_buf_puts(b, ",\"indicator_types\":[\"malicious-activity\"],"
                             "\"pattern_type\":\"stix\",\"pattern\":");
    char pat[400];
    /* values are validated addresses and domain names: no quote or
     * backslash can occur, but escape anyway for the pattern grammar */
    char v[300];
    size_t k = 0;
    for (size_t j = 0; i->value[j] && k < sizeof v - 2; j++) {
        if (i->value[j] == '\'' || i->value[j] == '\\')
            v[k++] = '\\';
        v[k++] = i->value[j];
    }
    v[k] = '\0';
    snprintf(pat, sizeof pat, "[%s:value = '%s']", i->type, v);
    rc = rc ? rc : mm_buf_json_str(b, pat, strlen(pat));
    rc = rc ? rc : ts_member(b, "valid_from", i->first_seen);
    rc = rc ? rc
            : ts_member(b, "valid_until",
                        i->valid_until > i->first_seen ? i->valid_until
                                                       : i->first_seen + 1);
    rc = rc ? rc
            : mm_buf_printf(b, ",\"confidence\":%u}",
                            mm_hub_confidence(i, now));
    return rc;
}

/* Defence in depth: a value is shared only when it is of its type (a store
 * written before ingest checked types, or a bug, must never make feed.txt
 * or an nft set carry a second line or a network). */
static bool value_ok(const mm_indicator *i)
{
    size_t n = strlen(i->value);
    if (strcmp(i->type, "domain-name") == 0)
        return mm_hub_valid_domain(i->value, n);
    bool v4 = strcmp(i->type, "ipv4-addr") == 0;
    if (!v4 && strcmp(i->type, "ipv6-addr") != 0)
        return false;
    mm_addr a;
    char canon[64];
    if (mm_addr_parse(i->value, n, &a) != MM_OK)
        return false;
    mm_addr_format(&a, canon, sizeof canon);
    return strcmp(canon, i->value) == 0 && (strchr(canon, ':') == NULL) == v4;
}

static mm_rc feed_row(const mm_indicator *i, void *ud)
{
    feed_ctx *x = ud;
    if (!value_ok(i))
        return MM_OK;
    bool alive = live(i, x->now);
    if ((x->full || x->kind != 0) && !alive)
        return MM_OK;
    mm_buf *b = x->out;
    mm_rc rc = MM_OK;
    char uuid[37], name[300];
    switch (x->kind) {
    case 0:
        snprintf(name, sizeof name, "%s %s", i->type, i->value);
        mm_hub_uuid("mamori-indicator", name, uuid);
        rc = mm_buf_printf(
            b, "%s{\"id\":\"indicator--%s\",\"type\":\"%s\",\"value\":",
            x->n ? "," : "", uuid, i->type);
        rc = rc ? rc : mm_buf_json_str(b, i->value, strlen(i->value));
        rc = rc ? rc
                : mm_buf_printf(b, ",\"confidence\":%u,\"first_seen\":",
                                mm_hub_confidence(i, x->now));
        rc = rc ? rc : ts(b, i->first_seen);
        rc = rc ? rc : ts_member(b, "last_seen", i->last_seen);
        rc = rc ? rc : ts_member(b, "valid_until", i->valid_until);
        rc = rc ? rc
                : mm_buf_printf(b, ",\"campaign\":\"c-%lld\",\"op\":\"%s\"}",
                                (long long)i->campaign,
                                alive ? "add" : "remove");
        break;
    case 1: rc = mm_buf_printf(b, "%s\n", i->value); break;
    case 2:
    case 3:
        if (strcmp(i->type, x->kind == 2 ? "ipv4-addr" : "ipv6-addr") != 0)
            return MM_OK;
        rc = mm_buf_printf(b, "%s%s", x->n ? ", " : "", i->value);
        break;
    default:
        if (x->campaign && i->campaign != x->campaign)
            return MM_OK;
        rc = stix_indicator(b, i, x->now, x->ident, false);
        if (rc == MM_OK && x->camp_ref) {
            char rel[37], nm2[400];
            snprintf(name, sizeof name, "%s %s", i->type, i->value);
            mm_hub_uuid("mamori-indicator", name, uuid);
            snprintf(nm2, sizeof nm2, "%s>%s", uuid, x->camp_ref);
            mm_hub_uuid("mamori-relationship", nm2, rel);
            rc = mm_buf_printf(b,
                               ",{\"type\":\"relationship\",\"spec_version\":"
                               "\"2.1\",\"id\":\"relationship--%s\","
                               "\"created_by_ref\":\"%s\",\"created\":",
                               rel, x->ident);
            rc = rc ? rc : ts(b, i->first_seen);
            rc = rc ? rc : ts_member(b, "modified", i->first_seen);
            rc = rc ? rc
                    : mm_buf_printf(b,
                                    ",\"relationship_type\":\"indicates\","
                                    "\"source_ref\":\"indicator--%s\","
                                    "\"target_ref\":\"%s\"}",
                                    uuid, x->camp_ref);
        }
        break;
    }
    x->n++;
    return rc;
}

static mm_rc buf_fail(mm_rc rc, mm_err *err)
{
    return mm_err_set(err, rc, "<feed>", 0,
                      rc == MM_ELIMIT ? "response too large"
                                      : "out of memory");
}

typedef struct state_ctx {
    feed_ctx *x;
    const mm_hub *h;
} state_ctx;

/* A state-backed indicator (stateioc) in the sensors' feed, marked
 * "state": true (the sensor's rule ioc.state, critical). The same checks
 * as a shared indicator: of its type, and no allowlisted address. */
static mm_rc state_row(const mm_stateioc *s, void *ud)
{
    state_ctx *c = ud;
    mm_indicator i;
    memset(&i, 0, sizeof i);
    snprintf(i.type, sizeof i.type, "%s", s->type);
    snprintf(i.value, sizeof i.value, "%s", s->value);
    mm_addr a;
    if (!value_ok(&i) ||
        (strcmp(i.type, "domain-name") != 0 &&
         mm_addr_parse(i.value, strlen(i.value), &a) == MM_OK &&
         mm_hub_allowed(c->h, &a)))
        return MM_OK;
    char uuid[37], name[300];
    snprintf(name, sizeof name, "state %s %s", i.type, i.value);
    mm_hub_uuid("mamori-indicator", name, uuid);
    mm_buf *b = c->x->out;
    mm_rc rc = mm_buf_printf(
        b, "%s{\"id\":\"indicator--%s\",\"type\":\"%s\",\"value\":",
        c->x->n ? "," : "", uuid, i.type);
    rc = rc ? rc : mm_buf_json_str(b, i.value, strlen(i.value));
    rc = rc ? rc
            : mm_buf_puts(b, ",\"confidence\":100,\"state\":true,"
                             "\"op\":\"add\"}");
    c->x->n++;
    return rc;
}

/* Every answer carries the whole state-backed list (short, and it has no
 * cursor of its own); a store without the op sends none. */
static mm_rc state_rows(mm_hub *h, feed_ctx *x, mm_err *err)
{
    mm_store *st = mm_hub__store(h);
    if (!st->ops->stateioc_list)
        return MM_OK;
    state_ctx c = {x, h};
    return st->ops->stateioc_list(st, state_row, &c, err);
}

mm_rc mm_hub_feed_json(mm_hub *h, int64_t since, int64_t now_ms, mm_buf *out,
                       mm_err *err)
{
    feed_ctx x = {out, now_ms, since < 0, 0, 0, 0, NULL, NULL};
    mm_rc rc = mm_buf_printf(out, "{\"cursor\":\"%lld\",\"indicators\":[",
                             (long long)mm_hub_cursor(h));
    if (rc != MM_OK)
        return buf_fail(rc, err);
    rc = mm_store_indicator_list(mm_hub__store(h), since < 0 ? 0 : since,
                                 feed_row, &x, err);
    if (rc == MM_OK)
        rc = state_rows(h, &x, err);
    if (rc == MM_ELIMIT || rc == MM_ENOMEM)
        return buf_fail(rc, err);
    if (rc != MM_OK)
        return rc;
    rc = mm_buf_puts(out, "]}");
    return rc ? buf_fail(rc, err) : MM_OK;
}

mm_rc mm_hub_feed_txt(mm_hub *h, int64_t now_ms, mm_buf *out, mm_err *err)
{
    char t[32];
    mm_time_format(now_ms, t, sizeof t);
    feed_ctx x = {out, now_ms, true, 0, 1, 0, NULL, NULL};
    mm_rc rc =
        mm_buf_printf(out,
                      "# mamori shared feed, cursor %lld, %s\n"
                      "# one indicator per line (IP address or domain)\n",
                      (long long)mm_hub_cursor(h), t);
    if (rc != MM_OK)
        return buf_fail(rc, err);
    rc = mm_store_indicator_list(mm_hub__store(h), 0, feed_row, &x, err);
    return rc == MM_ELIMIT || rc == MM_ENOMEM ? buf_fail(rc, err) : rc;
}

mm_rc mm_hub_feed_nft(mm_hub *h, int64_t now_ms, mm_buf *out, mm_err *err)
{
    char t[32];
    mm_time_format(now_ms, t, sizeof t);
    mm_rc rc =
        mm_buf_printf(out,
                      "# mamori shared feed, cursor %lld, %s\n"
                      "# load with: nft -f FILE (then reference @feed_v4 / "
                      "@feed_v6 in a drop rule)\n"
                      "table inet mamori {\n",
                      (long long)mm_hub_cursor(h), t);
    for (int k = 2; k <= 3 && rc == MM_OK; k++) {
        feed_ctx x = {out, now_ms, true, 0, k, 0, NULL, NULL};
        size_t mark = out->len;
        rc = mm_buf_printf(out,
                           "\tset feed_v%d {\n\t\ttype %s\n\t\telements = { ",
                           k == 2 ? 4 : 6, k == 2 ? "ipv4_addr" : "ipv6_addr");
        if (rc == MM_OK)
            rc = mm_store_indicator_list(mm_hub__store(h), 0, feed_row, &x,
                                         err);
        if (rc != MM_OK)
            break;
        if (x.n == 0) { /* nft rejects an empty element list */
            out->len = mark;
            out->data[mark] = '\0';
            rc = mm_buf_printf(out, "\tset feed_v%d {\n\t\ttype %s\n\t}\n",
                               k == 2 ? 4 : 6,
                               k == 2 ? "ipv4_addr" : "ipv6_addr");
        } else {
            rc = mm_buf_puts(out, " }\n\t}\n");
        }
    }
    if (rc == MM_OK)
        rc = mm_buf_puts(out, "}\n");
    return rc == MM_ELIMIT || rc == MM_ENOMEM ? buf_fail(rc, err) : rc;
}

#define HUB_IDENTITY "identity--5b3c6b0e-6d61-4d6f-8f72-69000000a001"

static mm_rc identity(mm_buf *b, int64_t now)
{
    (void)now;
    return mm_buf_puts(b, "{\"type\":\"identity\",\"spec_version\":\"2.1\","
                          "\"id\":\"" HUB_IDENTITY
                          "\",\"created\":\"2026-01-01T00:00:00.000Z\","
                          "\"modified\":\"2026-01-01T00:00:00.000Z\",\"name\":"
                          "\"mamori hub\",\"identity_class\":\"system\"}");
}

static mm_rc bundle_head(mm_buf *b, const char *what, int64_t now)
{
    char uuid[37], seed[64];
    snprintf(seed, sizeof seed, "%s-%lld", what, (long long)now);
    mm_hub_uuid("mamori-bundle", seed, uuid);
    mm_rc rc = mm_buf_printf(
        b, "{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[", uuid);
    return rc ? rc : identity(b, now);
}

mm_rc mm_hub_feed_stix(mm_hub *h, int64_t now_ms, mm_buf *out, mm_err *err)
{
    feed_ctx x = {out, now_ms, true, 0, 4, 0, HUB_IDENTITY, NULL};
    mm_rc rc = bundle_head(out, "feed", mm_hub_cursor(h));
    if (rc == MM_OK)
        rc = mm_store_indicator_list(mm_hub__store(h), 0, feed_row, &x, err);
    if (rc == MM_OK)
        rc = mm_buf_puts(out, "]}");
    return rc == MM_ELIMIT || rc == MM_ENOMEM ? buf_fail(rc, err) : rc;
}

typedef struct inbox_ctx {
    mm_buf *out;
    unsigned n;
    int64_t last;
} inbox_ctx;

static mm_rc inbox_row(const mm_warning *w, void *ud)
{
    inbox_ctx *x = ud;
    mm_buf *b = x->out;
    static const char *const sev[] = {"none", "low", "medium", "high",
                                      "critical"};
    mm_rc rc = mm_buf_printf(
        b,
        "%s{\"id\":%lld,\"campaign\":\"c-%lld\",\"kind\":\"%s\","
        "\"severity\":\"%s\",\"created\":",
        x->n ? "," : "", (long long)w->id, (long long)w->campaign, w->kind,
        sev[w->severity < 0 || w->severity > 4 ? 0 : w->severity]);
    rc = rc ? rc : ts(b, w->created_ms);
    rc = rc ? rc : mm_buf_puts(b, ",\"text\":{\"ja\":");
    rc = rc ? rc : mm_buf_json_str(b, w->text_ja, strlen(w->text_ja));
    rc = rc ? rc : mm_buf_puts(b, ",\"en\":");
    rc = rc ? rc : mm_buf_json_str(b, w->text_en, strlen(w->text_en));
    rc = rc ? rc : mm_buf_puts(b, "}}");
    x->n++;
    x->last = w->id;
    return rc;
}

mm_rc mm_hub_inbox_json(mm_hub *h, const char *tenant, int64_t since,
                        mm_buf *out, mm_err *err)
{
    inbox_ctx x = {out, 0, since};
    mm_rc rc = mm_buf_puts(out, "{\"tenant\":");
    rc = rc ? rc : mm_buf_json_str(out, tenant, strlen(tenant));
    rc = rc ? rc : mm_buf_puts(out, ",\"warnings\":[");
    if (rc == MM_OK)
        rc = mm_store_warning_list(mm_hub__store(h), tenant, since, inbox_row,
                                   &x, err);
    if (rc == MM_OK)
        rc = mm_buf_printf(out, "],\"next\":%lld}", (long long)x.last);
    return rc == MM_ELIMIT || rc == MM_ENOMEM ? buf_fail(rc, err) : rc;
}

/* ---- store-only renderings (CLI) ------------------------------------------
 */

static mm_rc camp_collect(const mm_campaign *c, void *ud)
{
    return mm_vec_push(ud, c);
}

typedef struct hit_ctx {
    mm_buf *out;
    unsigned n;
} hit_ctx;

static mm_rc hit_row(const mm_hit *h, void *ud)
{
    hit_ctx *x = ud;
    mm_rc rc = mm_buf_printf(x->out, "%s{\"tenant\":", x->n ? "," : "");
    rc = rc ? rc : mm_buf_json_str(x->out, h->tenant, strlen(h->tenant));
    rc = rc ? rc : ts_member(x->out, "first_seen", h->first_ts);
    rc = rc ? rc : ts_member(x->out, "last_seen", h->last_ts);
    rc = rc ? rc
            : mm_buf_printf(x->out, ",\"count\":%llu}",
                            (unsigned long long)h->count);
    x->n++;
    return rc;
}

/* "state" (open, closed) and, once closed, the event time it closed. */
static mm_rc camp_state(mm_buf *out, const mm_campaign *c)
{
    mm_rc rc = mm_buf_printf(out, ",\"state\":\"%s\"",
                             c->closed_ts ? "closed" : "open");
    return rc || !c->closed_ts ? rc : ts_member(out, "closed", c->closed_ts);
}

mm_rc mm_hub_campaigns_json(mm_store *st, mm_buf *out, mm_err *err)
{
    mm_vec cv = {NULL, 0, 0, sizeof(mm_campaign)};
    mm_rc rc = mm_store_campaign_list(st, camp_collect, &cv, err);
    if (rc == MM_OK)
        rc = mm_buf_puts(out, "{\"campaigns\":[");
    for (size_t i = 0; i < cv.n && rc == MM_OK; i++) {
        const mm_campaign *c = (const mm_campaign *)cv.v + i;
        rc = mm_buf_printf(out,
                           "%s{\"id\":\"c-%lld\",\"key_type\":\"%s\",\"key\":",
                           i ? "," : "", (long long)c->id, c->key_type);
        rc = rc ? rc : mm_buf_json_str(out, c->key, strlen(c->key));
        rc = rc ? rc : ts_member(out, "opened", c->opened_ms);
        rc = rc ? rc : ts_member(out, "first_seen", c->first_ts);
        rc = rc ? rc : ts_member(out, "last_seen", c->last_ts);
        rc = rc ? rc : camp_state(out, c);
        rc = rc ? rc
                : mm_buf_printf(out,
                                ",\"tenants\":%u,\"score\":%u,\"severity\":%d,"
                                "\"escalated\":%s,\"hits\":[",
                                c->tenants, c->score, c->severity,
                                c->escalated ? "true" : "false");
        hit_ctx hx = {out, 0};
        if (rc == MM_OK)
            rc = mm_store_hit_list(st, c->id, hit_row, &hx, err);
        rc = rc ? rc : mm_buf_puts(out, "]}");
    }
    if (rc == MM_OK)
        rc = mm_buf_puts(out, "]}\n");
    free(cv.v);
    return rc == MM_ELIMIT || rc == MM_ENOMEM ? buf_fail(rc, err) : rc;
}

static mm_rc esc_collect(const mm_escalation *e, void *ud)
{
    return mm_vec_push(ud, e);
}

mm_rc mm_hub_escalations_stix(mm_store *st, int64_t now_ms, mm_buf *out,
                              mm_err *err)
{
    mm_vec ev = {NULL, 0, 0, sizeof(mm_escalation)};
    mm_vec cv = {NULL, 0, 0, sizeof(mm_campaign)};
    mm_rc rc = mm_store_escalation_list(st, esc_collect, &ev, err);
    if (rc == MM_OK)
        rc = mm_store_campaign_list(st, camp_collect, &cv, err);
    if (rc == MM_OK)
        rc = bundle_head(out, "escalations", now_ms);
    for (size_t i = 0; i < ev.n && rc == MM_OK; i++) {
        const mm_escalation *e = (const mm_escalation *)ev.v + i;
        const mm_campaign *c = NULL, *camps = cv.v;
        for (size_t j = 0; j < cv.n; j++)
            if (camps[j].id == e->campaign)
                c = &camps[j];
        if (!c)
            continue;
        char uuid[37], nm[64], ref[64];
        snprintf(nm, sizeof nm, "c-%lld", (long long)c->id);
        mm_hub_uuid("mamori-campaign", nm, uuid);
        snprintf(ref, sizeof ref, "campaign--%s", uuid);
        rc = mm_buf_printf(
            out,
            ",{\"type\":\"campaign\",\"spec_version\":\"2.1\","
            "\"id\":\"%s\",\"created_by_ref\":\"%s\",\"created\":",
            ref, HUB_IDENTITY);
        rc = rc ? rc : ts(out, c->opened_ms);
        rc = rc ? rc
                : ts_member(out, "modified",
                            e->created_ms > c->opened_ms ? e->created_ms
                                                         : c->opened_ms);
        char title[400];
        snprintf(title, sizeof title, "mamori %s (%s %s)", nm, c->key_type,
                 c->key);
        rc = rc ? rc : mm_buf_puts(out, ",\"name\":");
        rc = rc ? rc : mm_buf_json_str(out, title, strlen(title));
        rc = rc ? rc : mm_buf_puts(out, ",\"description\":");
        rc = rc ? rc : mm_buf_json_str(out, e->reason, strlen(e->reason));
        rc = rc ? rc : ts_member(out, "first_seen", c->first_ts);
        rc = rc ? rc
                : ts_member(out, "last_seen",
                            c->last_ts >= c->first_ts ? c->last_ts
                                                      : c->first_ts);
        rc = rc ? rc : mm_buf_puts(out, "}");
        feed_ctx x = {out, now_ms, true, 0, 4, c->id, HUB_IDENTITY, ref};
        if (rc == MM_OK)
            rc = mm_store_indicator_list(st, 0, feed_row, &x, err);
    }
    if (rc == MM_OK)
        rc = mm_buf_puts(out, "]}\n");
    free(ev.v);
    free(cv.v);
    return rc == MM_ELIMIT || rc == MM_ENOMEM ? buf_fail(rc, err) : rc;
}
