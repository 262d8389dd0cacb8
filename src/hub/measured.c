/* SPDX-License-Identifier: Apache-2.0 */
/* measured.c — figures the hub can only say because a sensor measured and
 * uploaded them: dropped packets and bytes of the blocking set
 * (mamori.block events, src/block). Every figure is summed from stored
 * events; nothing is estimated. */
#include "hub-int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    char net[64];
    uint64_t packets, bytes; /* the last counters reported */
    bool in_month;           /* listed by a report of the month */
} entry;

typedef struct blk {
    int64_t from_ms;
    mm_hub_vec v; /* entry */
    mm_hub_blocked *out;
} blk;

static uint64_t juint(json_t *o, const char *k)
{
    json_int_t v = json_integer_value(json_object_get(o, k));
    return v > 0 ? (uint64_t)v : 0;
}

/* What a counter added since its last report: a lower value means the
 * entry expired and came back, counting from zero again. */
static uint64_t rise(uint64_t last, uint64_t now)
{
    return now >= last ? now - last : now;
}

static entry *find(blk *b, const char *net)
{
    entry *v = b->v.v;
    for (size_t i = 0; i < b->v.n; i++)
        if (strcmp(v[i].net, net) == 0)
            return &v[i];
    entry e;
    memset(&e, 0, sizeof e);
    snprintf(e.net, sizeof e.net, "%s", net);
    if (mm_hub_vec_push(&b->v, &e) != MM_OK)
        return NULL;
    return (entry *)b->v.v + b->v.n - 1;
}

static mm_rc take_block(int64_t ts, const char *kind, const char *json,
                        size_t len, void *ud)
{
    (void)kind;
    blk *b = ud;
    bool month = ts >= b->from_ms;
    json_t *root = json_loadb(json, len, 0, NULL);
    json_t *ents = json_object_get(
        json_object_get(json_object_get(root, "mamori"), "block"), "entries");
    b->out->known = true;
    size_t i;
    json_t *it;
    mm_rc rc = MM_OK;
    json_array_foreach(ents, i, it)
    {
        const char *net = json_string_value(json_object_get(it, "net"));
        if (!net)
            continue;
        entry *e = find(b, net);
        if (!e) {
            rc = MM_ENOMEM;
            break;
        }
        uint64_t p = juint(it, "packets"), by = juint(it, "bytes");
        if (month) {
            b->out->packets += rise(e->packets, p);
            b->out->bytes += rise(e->bytes, by);
            b->out->entries += !e->in_month;
            e->in_month = true;
        }
        e->packets = p;
        e->bytes = by;
    }
    json_decref(root);
    return rc;
}

mm_rc mm_hub_blocked_month(mm_store *st, const char *tenant, int64_t from_ms,
                           int64_t to_ms, mm_hub_blocked *out, mm_err *err)
{
    memset(out, 0, sizeof *out);
    if (!st->ops->dataset_events)
        return MM_OK; /* not known: the caller prints null */
    blk b = {from_ms, {NULL, 0, sizeof(entry)}, out};
    mm_rc rc = st->ops->dataset_events(st, tenant, "mamori.block",
                                       from_ms - 7 * DAY_MS, to_ms, false, 0,
                                       take_block, &b, err);
    if (rc == MM_ENOMEM)
        rc = mm_err_set(err, MM_ENOMEM, "blocked", 0, "out of memory");
    free(b.v.v);
    return rc;
}

mm_rc mm_hub__summary_measured(mm_store *st, const char *tenant,
                               int64_t from_ms, int64_t to_ms, mm_buf *out,
                               mm_err *err)
{
    mm_hub_blocked b;
    mm_rc rc = mm_hub_blocked_month(st, tenant, from_ms, to_ms, &b, err);
    if (rc != MM_OK)
        return rc;
    if (!b.known)
        return mm_buf_puts(out, ",\"blocked\":null");
    return mm_buf_printf(out,
                         ",\"blocked\":{\"entries\":%llu,\"packets\":%llu,"
                         "\"bytes\":%llu}",
                         (unsigned long long)b.entries,
                         (unsigned long long)b.packets,
                         (unsigned long long)b.bytes);
}

/* ---- sensor health (mamori.status) ---------------------------------------
 */

typedef struct health {
    bool found;
    int64_t ts_ms;
    double interval, lines_per_s, unparsed_share;
} health;

static mm_rc take_status(int64_t ts, const char *kind, const char *json,
                         size_t len, void *ud)
{
    (void)kind;
    health *h = ud;
    json_t *root = json_loadb(json, len, 0, NULL);
    json_t *st = json_object_get(json_object_get(root, "mamori"), "status");
    h->found = json_is_object(st);
    h->ts_ms = ts;
    h->interval = json_number_value(json_object_get(st, "interval"));
    h->lines_per_s = json_number_value(json_object_get(st, "lines_per_s"));
    h->unparsed_share =
        json_number_value(json_object_get(st, "unparsed_share"));
    json_decref(root);
    return MM_OK;
}

mm_rc mm_hub__summary_sensor(mm_store *st, const char *tenant,
                             int64_t last_received, const char *tz,
                             int64_t now_ms, mm_buf *out, mm_err *err)
{
    health h = {false, 0, 0, 0, 0};
    if (st->ops->dataset_events) {
        /* the newest report of the last 30 days (a report from further
         * back says nothing about now) */
        mm_rc rc = st->ops->dataset_events(
            st, tenant, "mamori.status", now_ms - 30 * DAY_MS, now_ms + DAY_MS,
            true, 1, take_status, &h, err);
        if (rc != MM_OK)
            return rc;
    }
    if (!h.found) {
        mm_hub_jtime(out, "last_seen", last_received, tz);
        return mm_buf_puts(out, ",\"lines_per_s\":null,\"unparsed_share\":"
                                "null,\"silent\":null");
    }
    bool silent = h.interval > 0 &&
                  (double)(now_ms - h.ts_ms) > 3.0 * h.interval * 1000.0;
    mm_hub_jtime(out, "last_seen", h.ts_ms, tz);
    return mm_buf_printf(out,
                         ",\"lines_per_s\":%.3f,\"unparsed_share\":%.4f,"
                         "\"silent\":%s",
                         h.lines_per_s, h.unparsed_share,
                         silent ? "true" : "false");
}
