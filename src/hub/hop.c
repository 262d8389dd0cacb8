/* SPDX-License-Identifier: Apache-2.0 */
/* hop.c — the hop chain of partitioned correlators (docs/scale.md).
 *
 * The single engine walks an event's keys in order (ip, net, domain, sig,
 * users) and the first key that has or opens a campaign acts; the later
 * ones only record the sighting. Whether a key qualifies depends only on
 * its own state, so the partitions can walk the keys in the same order one
 * after the other: the front end sends an event to its first key's
 * partition, which correlates its run of keys and forwards the event, with
 * whether a key acted, to the partition of the next key. */
#include "hub-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOP_SUBJECT_PREFIX "mamori.part."

unsigned mm_hub_hop_run(const uint8_t *part, unsigned n, unsigned start,
                        unsigned p, unsigned *next)
{
    unsigned j = start;
    while (j < n && part[j] == p)
        j++;
    *next = j;
    return j - start;
}

unsigned mm_hub_event_first_partition(const mm_hub_event *e,
                                      const char *tenant, uint32_t part_n)
{
    if (part_n <= 1)
        return 0;
    uint8_t part[MM_HUB_EVENT_KEYS];
    char type[MM_HUB_EVENT_KEYS];
    if (mm_hub_event_key_parts(e, part_n, part, type))
        return part[0];
    char k[MM_HUB_ID_MAX + MM_HUB_EVENT_ID_MAX + 2];
    int l = snprintf(k, sizeof k, "%s/%s", tenant, e->id);
    return mm_hub_key_partition(k, (size_t)l, part_n);
}

bool mm_hub_hop_parse(const char *v, mm_hub_hop *out)
{
    out->start = 0;
    out->acted = false;
    if (!v || !*v)
        return true;
    if (v[0] < '1' || v[0] >= (char)('0' + MM_HUB_EVENT_KEYS))
        return false;
    if (v[1] && (v[1] != 'a' || v[2]))
        return false;
    out->start = (uint8_t)(v[0] - '0');
    out->acted = v[1] == 'a';
    return true;
}

void mm_hub_hop_format(const mm_hub_hop *h, char *out, size_t n)
{
    snprintf(out, n, "%u%s", (unsigned)h->start, h->acted ? "a" : "");
}

unsigned mm_hub__hop_plan(uint32_t part_n, unsigned p,
                          const mm_hub_ingest_job *j, const mm_hub_event *e,
                          char *run, mm_hub_fwd *f)
{
    uint8_t part[MM_HUB_EVENT_KEYS];
    char type[MM_HUB_EVENT_KEYS];
    unsigned n = mm_hub_event_key_parts(e, part_n, part, type);
    unsigned next = 0;
    unsigned len = mm_hub_hop_run(part, n, j->hop_start, p, &next);
    memcpy(run, type + j->hop_start, len);
    run[len] = '\0';
    f->on = false;
    f->part = next < n ? part[next] : (uint8_t)MM_HUB_PARTS_MAX;
    f->hop.start = (uint8_t)next;
    f->hop.acted = j->hop_acted;
    return len;
}

/* The events of job `j` going to (part, hop) as NDJSON into `out`; each
 * one marked done in `sent`. */
static mm_rc hop_lines(const mm_hub_ingest_job *j, const mm_hub_fwd *g,
                       bool *sent, mm_buf *out, size_t *nev)
{
    mm_rc rc = MM_OK;
    const mm_hub_batch *b = j->batch;
    *nev = 0;
    for (size_t i = 0; i < b->n && rc == MM_OK; i++) {
        const mm_hub_fwd *f = &j->fwd[i];
        if (sent[i] || !f->on || f->part != g->part ||
            f->hop.start != g->hop.start || f->hop.acted != g->hop.acted)
            continue;
        sent[i] = true;
        (*nev)++;
        rc = mm_buf_append(out, b->ev[i].json, b->ev[i].json_len);
        if (rc == MM_OK)
            rc = mm_buf_append(out, "\n", 1);
    }
    return rc;
}

/* Publishes one message of job j's forwards: those going where g does. */
static mm_rc hop_publish(mm_hub_hop_out *o, const mm_hub_ingest_job *j,
                         const mm_hub_fwd *g, bool *sent, mm_err *err)
{
    mm_buf m;
    mm_buf_init(&m, (size_t)1 << 30);
    size_t nev = 0;
    if (hop_lines(j, g, sent, &m, &nev) != MM_OK) {
        mm_buf_free(&m);
        return mm_err_set(err, MM_ENOMEM, "<bus>", 0, "out of memory");
    }
    const char *tenant = j->tenant->id;
    char hash[65], hop[8];
    char subj[sizeof HOP_SUBJECT_PREFIX + 8 + MM_HUB_ID_MAX];
    char id[MM_HUB_ID_MAX + 1 + 65 + 16];
    mm_hub_token_hash(m.data, m.len, hash, sizeof hash);
    mm_hub_hop_format(&g->hop, hop, sizeof hop);
    snprintf(subj, sizeof subj, HOP_SUBJECT_PREFIX "%u.%s", g->part, tenant);
    snprintf(id, sizeof id, "%s/%s/%u/h%s", tenant, hash, g->part, hop);
    bool dup = false;
    mm_rc rc =
        mm_bus_publish_hop(o->bus, subj, id, hop, m.data, m.len, &dup, err);
    if (rc == MM_OK) {
        o->forwards++;
        o->events += nev;
    }
    mm_buf_free(&m);
    return rc;
}

mm_rc mm_hub_hop_forward(void *ud, const mm_hub_ingest_job *jobs, size_t n,
                         mm_err *err)
{
    mm_hub_hop_out *o = ud;
    mm_rc rc = MM_OK;
    for (size_t k = 0; k < n && rc == MM_OK; k++) {
        const mm_hub_ingest_job *j = &jobs[k];
        if (j->rc != MM_OK || !j->fwd)
            continue;
        size_t ne = j->batch->n;
        bool *sent = calloc(ne ? ne : 1, sizeof *sent);
        if (!sent)
            return mm_err_set(err, MM_ENOMEM, "<bus>", 0, "out of memory");
        /* one message per (partition, hop), in the order of first use */
        for (size_t i = 0; i < ne && rc == MM_OK; i++)
            if (j->fwd[i].on && !sent[i])
                rc = hop_publish(o, j, &j->fwd[i], sent, err);
        free(sent);
    }
    return rc;
}
