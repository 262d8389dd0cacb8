/* SPDX-License-Identifier: Apache-2.0 */
/* blocker.c — what the sensor runs: [block] config keys, the feed and the
 * sensor's own detections kept between syncs, and one sync that applies
 * them (or only plans them in dry-run mode) and reads the counters back. */
#include "block.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mm_block_conf_init(mm_block_conf *c)
{
    memset(c, 0, sizeof *c);
    c->ttl_s = MM_BLOCK_TTL_DEFAULT;
    c->ttl_high_s = 3600;
    c->ttl_critical_s = 86400;
    c->max = MM_BLOCK_MAX_DEFAULT;
    c->detections = true;
    c->sync_s = 10;
    c->report_s = 60;
    snprintf(c->resolv, sizeof c->resolv, "/etc/resolv.conf");
}

static mm_rc yes_no(const char *key, const char *val, bool *out, mm_err *err)
{
    if (!strcmp(val, "yes") || !strcmp(val, "true") || !strcmp(val, "on"))
        *out = true;
    else if (!strcmp(val, "no") || !strcmp(val, "false") ||
             !strcmp(val, "off"))
        *out = false;
    else
        return mm_err_set(err, MM_EINVAL, "[block]", 0,
                          "%s: '%.32s' must be yes or no", key, val);
    return MM_OK;
}

static mm_rc uint_in(const char *key, const char *val, unsigned lo,
                     unsigned hi, unsigned *out, mm_err *err)
{
    char *end = NULL;
    unsigned long v = strtoul(val, &end, 10);
    if (!val[0] || val[0] == '-' || *end || v < lo || v > hi)
        return mm_err_set(err, MM_EINVAL, "[block]", 0,
                          "%s: '%.32s' is not a number in %u..%u", key, val,
                          lo, hi);
    *out = (unsigned)v;
    return MM_OK;
}

mm_rc mm_block_conf_set(mm_block_conf *c, const char *key, const char *val,
                        mm_err *err)
{
    if (!strcmp(key, "enabled"))
        return yes_no(key, val, &c->enabled, err);
    if (!strcmp(key, "detections"))
        return yes_no(key, val, &c->detections, err);
    if (!strcmp(key, "ttl"))
        return uint_in(key, val, 1, MM_BLOCK_TTL_MAX, &c->ttl_s, err);
    if (!strcmp(key, "ttl_high"))
        return uint_in(key, val, 1, MM_BLOCK_TTL_MAX, &c->ttl_high_s, err);
    if (!strcmp(key, "ttl_critical"))
        return uint_in(key, val, 1, MM_BLOCK_TTL_MAX, &c->ttl_critical_s, err);
    if (!strcmp(key, "max"))
        return uint_in(key, val, 1, MM_BLOCK_MAX_CEILING, &c->max, err);
    if (!strcmp(key, "sync"))
        return uint_in(key, val, 1, 3600, &c->sync_s, err);
    if (!strcmp(key, "report"))
        return uint_in(key, val, 0, 86400, &c->report_s, err);
    if (!strcmp(key, "resolv") || !strcmp(key, "feed")) {
        char *dst = key[0] == 'r' ? c->resolv : c->feed;
        if (strlen(val) >= sizeof c->resolv)
            return mm_err_set(err, MM_EINVAL, "[block]", 0, "%s: too long",
                              key);
        snprintf(dst, sizeof c->resolv, "%s", val);
        return MM_OK;
    }
    if (!strcmp(key, "allow")) {
        mm_cidr x;
        if (c->n_allow >= MM_BLOCK_CONF_ALLOW_MAX ||
            strlen(val) >= sizeof c->allow[0] ||
            mm_cidr_parse(val, strlen(val), &x) != MM_OK)
            return mm_err_set(err, MM_EINVAL, "[block]", 0,
                              "allow: '%.64s' is not an address or CIDR (or "
                              "more than %u)",
                              val, MM_BLOCK_CONF_ALLOW_MAX);
        snprintf(c->allow[c->n_allow++], sizeof c->allow[0], "%s", val);
        return MM_OK;
    }
    if (!strcmp(key, "allow_host")) {
        if (c->n_hosts >= MM_BLOCK_CONF_HOSTS_MAX || !val[0] ||
            strlen(val) >= sizeof c->hosts[0])
            return mm_err_set(err, MM_EINVAL, "[block]", 0,
                              "allow_host: empty, too long or more than %u",
                              MM_BLOCK_CONF_HOSTS_MAX);
        snprintf(c->hosts[c->n_hosts++], sizeof c->hosts[0], "%s", val);
        return MM_OK;
    }
    return MM_ENOTFOUND;
}

/* One own detection: blocked until `until`. */
typedef struct local_ent {
    mm_cidr net;
    int64_t until_ms;
} local_ent;

struct mm_blocker {
    mm_block_conf c;
    mm_block_allow allow;
    char *feed; /* the feed file's text, NULL = none */
    size_t feed_len;
    local_ent *loc;
    size_t nloc, caploc;
    int64_t last_sync_ms;
    /* last sync */
    mm_block_plan plan;   /* what was planned (its left-out counters) */
    mm_block_plan status; /* what the kernel holds, with counters */
    uint64_t syncs, sync_failures;
    char last_error[300];
    int64_t last_report_ms;
    uint64_t reports;
};

mm_rc mm_blocker_new(const mm_block_conf *c, mm_block_allow *allow,
                     mm_blocker **out, mm_err *err)
{
    *out = NULL;
    mm_blocker *b = calloc(1, sizeof *b);
    if (!b) {
        mm_block_allow_free(allow);
        return mm_err_set(err, MM_ENOMEM, "[block]", 0, "out of memory");
    }
    b->c = *c;
    b->allow = *allow;
    memset(allow, 0, sizeof *allow);
    mm_block_plan_init(&b->plan, c->max);
    mm_block_plan_init(&b->status, 0);
    mm_rc rc = MM_OK;
    for (unsigned i = 0; rc == MM_OK && i < c->n_allow; i++)
        rc = mm_block_allow_add(&b->allow, c->allow[i], "[block]", err);
    if (rc == MM_OK)
        *out = b;
    else
        mm_blocker_free(b);
    return rc;
}

void mm_blocker_free(mm_blocker *b)
{
    if (!b)
        return;
    mm_block_allow_free(&b->allow);
    free(b->feed);
    free(b->loc);
    mm_block_plan_free(&b->plan);
    mm_block_plan_free(&b->status);
    free(b);
}

mm_rc mm_blocker_load_feed(mm_blocker *b, const char *path, mm_err *err)
{
    char *text = NULL;
    size_t len = 0;
    mm_rc rc = mm_file_read(path, MM_BLOCK_FEED_MAX_BYTES, &text, &len, err);
    if (rc == MM_ENOTFOUND) {
        text = NULL;
        len = 0;
    } else if (rc != MM_OK) {
        return rc;
    }
    free(b->feed);
    b->feed = text;
    b->feed_len = len;
    return MM_OK;
}

void mm_blocker_detection(mm_blocker *b, const mm_addr *src, int severity,
                          int64_t now_ms)
{
    if (!b->c.detections || severity < 3 ||
        (src->family != 4 && src->family != 6))
        return;
    unsigned ttl = severity >= 4 ? b->c.ttl_critical_s : b->c.ttl_high_s;
    mm_cidr c = {*src, src->family == 4 ? 32u : 128u};
    for (size_t i = 0; i < b->nloc; i++)
        if (mm_addr_eq(&b->loc[i].net.addr, src)) {
            int64_t u = now_ms + (int64_t)ttl * 1000;
            if (u > b->loc[i].until_ms)
                b->loc[i].until_ms = u;
            return;
        }
    if (b->nloc >= b->c.max)
        return; /* the cap: counted as capped at the next sync */
    if (b->nloc == b->caploc) {
        size_t nc = b->caploc ? b->caploc * 2 : 16;
        local_ent *nv = realloc(b->loc, nc * sizeof *nv);
        if (!nv)
            return;
        b->loc = nv;
        b->caploc = nc;
    }
    b->loc[b->nloc++] = (local_ent){c, now_ms + (int64_t)ttl * 1000};
    b->last_sync_ms = 0; /* apply at the next tick */
}

/* The plan: own detections first (they are this site's attackers), then
 * the feed, all under the allowlist and the cap. */
static mm_rc build(mm_blocker *b, int64_t now_ms, mm_err *err)
{
    mm_block_plan_free(&b->plan);
    mm_block_plan_init(&b->plan, b->c.max);
    size_t k = 0;
    for (size_t i = 0; i < b->nloc; i++) {
        if (b->loc[i].until_ms <= now_ms)
            continue;
        b->loc[k++] = b->loc[i];
        unsigned left = (unsigned)((b->loc[i].until_ms - now_ms + 999) / 1000);
        if (mm_block_plan_add(&b->plan, &b->allow, &b->loc[i].net, left) !=
            MM_OK)
            return mm_err_set(err, MM_ENOMEM, "[block]", 0, "out of memory");
    }
    b->nloc = k;
    mm_rc rc = MM_OK;
    if (b->feed)
        rc = mm_block_feed_parse(&b->plan, &b->allow, "feed", b->feed,
                                 b->feed_len, b->c.ttl_s, err);
    mm_block_plan_finish(&b->plan);
    return rc;
}

mm_rc mm_blocker_sync(mm_blocker *b, int64_t now_ms, bool force, mm_err *err)
{
    if (!force && b->last_sync_ms &&
        now_ms - b->last_sync_ms < (int64_t)b->c.sync_s * 1000)
        return MM_OK;
    b->last_sync_ms = now_ms;
    b->syncs++;
    mm_rc rc = build(b, now_ms, err);
    if (rc == MM_OK && b->c.enabled)
        rc = mm_block_apply(&b->plan, false, NULL, err);
    if (rc == MM_OK && b->c.enabled) { /* dry run: the kernel is not asked */
        mm_block_plan_free(&b->status);
        mm_block_plan_init(&b->status, 0);
        rc = mm_block_status(&b->status, err);
    }
    if (rc != MM_OK) {
        b->sync_failures++;
        mm_err_format(err, b->last_error, sizeof b->last_error);
    } else {
        b->last_error[0] = '\0';
    }
    return rc;
}

void mm_blocker_dropped(const mm_blocker *b, uint64_t *packets,
                        uint64_t *bytes)
{
    *packets = *bytes = 0;
    for (size_t i = 0; i < b->status.n; i++) {
        *packets += b->status.v[i].packets;
        *bytes += b->status.v[i].bytes;
    }
}

mm_rc mm_blocker_status_json(const mm_blocker *b, mm_buf *out)
{
    uint64_t pk, by;
    mm_blocker_dropped(b, &pk, &by);
    const mm_block_plan *p = &b->plan;
    mm_rc rc = mm_buf_printf(
        out,
        "\"block\":{\"mode\":\"%s\",\"planned\":%zu,\"blocked\":%zu,"
        "\"dropped_packets\":%llu,\"dropped_bytes\":%llu,\"own_detections\":"
        "%zu,\"left_out\":{\"allowlisted\":%zu,\"capped\":%zu,\"too_wide\":"
        "%zu,\"domains\":%zu},\"syncs\":%llu,\"sync_failures\":%llu,"
        "\"last_error\":",
        b->c.enabled ? "enforce" : "dry-run", p->n, b->status.n,
        (unsigned long long)pk, (unsigned long long)by, b->nloc, p->allowed,
        p->capped, p->too_wide, p->domains, (unsigned long long)b->syncs,
        (unsigned long long)b->sync_failures);
    rc = rc ? rc : mm_buf_json_str(out, b->last_error, strlen(b->last_error));
    rc = rc ? rc : mm_buf_puts(out, ",\"set\":");
    rc = rc ? rc : mm_block_status_json(&b->status, out);
    return rc ? rc : mm_buf_puts(out, "}");
}

mm_rc mm_blocker_report_json(mm_blocker *b, int64_t now_ms,
                             const char *id_prefix, mm_buf *out)
{
    if (!b->c.enabled || b->c.report_s == 0 ||
        (b->last_report_ms &&
         now_ms - b->last_report_ms < (int64_t)b->c.report_s * 1000))
        return MM_SKIP;
    b->last_report_ms = now_ms;
    uint64_t pk, by;
    mm_blocker_dropped(b, &pk, &by);
    char t[32];
    mm_time_format(now_ms, t, sizeof t);
    mm_rc rc = mm_buf_printf(
        out,
        "{\"@timestamp\":\"%s\",\"event\":{\"kind\":\"event\",\"id\":", t);
    char id[128];
    snprintf(id, sizeof id, "%.100s-block-%llu", id_prefix,
             (unsigned long long)++b->reports);
    rc = rc ? rc : mm_buf_json_str(out, id, strlen(id));
    rc = rc ? rc
            : mm_buf_printf(out,
                            ",\"dataset\":\"mamori.block\",\"action\":"
                            "\"block_status\"},\"mamori\":{\"block\":{"
                            "\"mode\":\"enforce\",\"blocked\":%zu,"
                            "\"dropped_packets\":%llu,\"dropped_bytes\":%llu,"
                            "\"entries\":[",
                            b->status.n, (unsigned long long)pk,
                            (unsigned long long)by);
    unsigned n = 0;
    for (size_t i = 0; i < b->status.n && n < 100 && rc == MM_OK; i++) {
        const mm_block_entry *e = &b->status.v[i];
        if (mm_addr_is_reserved(&e->net.addr))
            continue; /* an internal address never leaves the site */
        char net[64];
        mm_block_cidr_format(&e->net, net, sizeof net);
        rc = mm_buf_printf(out,
                           "%s{\"net\":\"%s\",\"packets\":%llu,\"bytes\":"
                           "%llu}",
                           n++ ? "," : "", net, (unsigned long long)e->packets,
                           (unsigned long long)e->bytes);
    }
    return rc ? rc : mm_buf_puts(out, "]}}}");
}
