/* SPDX-License-Identifier: Apache-2.0 */
/* bench-correlate.c — the hub's correlation at national scale (issue 4):
 * 10,000 tenants in a supply-chain graph and 1,000,000 distinct attacker
 * addresses in the window. Throughput and memory.
 *
 * Build (release flags, from the repository root, after `make`):
 *   cc -std=c11 -D_GNU_SOURCE -O2 -Isrc/core -Isrc/hub \
 *      bench/bench-correlate.c build/libmamori.a \
 *      $(pkg-config --libs jansson libsodium libzstd libcurl libmicrohttpd
 * sqlite3) \ -lpthread -lm -o build/bench-correlate Run: build/bench-correlate
 * [INDICATORS [TENANTS [RANGES]]] (defaults 1000000 10000 1; RANGES 0 gives
 * tenants no own range, which shows what the per-event own-range check costs)
 *
 * The hub is driven through hub.h only, by mm_hub_ingest (the code path the
 * server's ingest uses), over a store that is a back end of the store
 * interface kept in this file: it holds the tenants and links, hands out
 * ids and sequence numbers and counts what correlation writes, and keeps
 * nothing else. So the figures are correlation alone (no SQLite, no fsync)
 * and the memory delta is the hub's own in-memory state.
 *
 * Tenants: 20 critical operators, 500 buyers (each supplies one critical
 * operator), the rest SMEs (each supplies 1–3 of the buyers); each tenant
 * owns one public /29 (133.x.y.0/29), so the own-range check has real work.
 * Sightings (fixed seed): each attacker address is in its own /24 (distinct
 * /24s from a permutation, reserved/allowlisted/tenant space skipped), seen
 * by one random tenant; 1% are seen by 2–5 distinct tenants, which opens
 * exactly one `ip` campaign each. One event per (tenant, address), event
 * times spread over 12 h (inside the 24 h window), one batch per tenant
 * (~100 events) — 10,000 ingest calls. Events are built outside the clock;
 * the rate is CPU time inside mm_hub_ingest (the machine is shared).
 *
 * Output: sightings/s, campaigns opened, warnings, indicators written,
 * VmRSS/VmHWM before the hub, after mm_hub_new (tenants and graph) and
 * after the feed, bytes per indicator, and a checksum over the campaign
 * keys (order-independent), so a faster-but-wrong change shows.
 */
#include "hub.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_CRITICAL 20u
#define N_BUYERS 500u
#define SHARED_PCT 1u
#define SPAN_MS (12LL * 3600LL * 1000LL)
#define T0_MS 1795000000000LL /* 2026-11-18 (hub clock = end of the span) */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double wall_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* VmRSS and VmHWM in kB. */
static void mem_kb(long *rss, long *hwm)
{
    FILE *f = fopen("/proc/self/status", "r");
    char l[256];
    *rss = *hwm = -1;
    while (f && fgets(l, sizeof l, f)) {
        if (strncmp(l, "VmRSS:", 6) == 0)
            *rss = strtol(l + 6, NULL, 10);
        else if (strncmp(l, "VmHWM:", 6) == 0)
            *hwm = strtol(l + 6, NULL, 10);
    }
    if (f)
        fclose(f);
}

static void die(const char *what, const mm_err *err)
{
    char m[1024];
    mm_err_format(err, m, sizeof m);
    fprintf(stderr, "%s: %s\n", what, m);
    exit(1);
}

/* ---- a counting store (a back end of the store interface) --------------- */

typedef struct nstore {
    mm_store base;
    mm_tenant *ten;
    size_t nten;
    mm_link *links;
    size_t nlinks;
    int64_t next_camp, next_ind, next_warn, next_esc;
    uint64_t events, hits, camp_updates, ind_puts;
    uint64_t warn_kind[3]; /* hit, supplier, critical */
    uint64_t check;        /* sum of hashes of opened campaign keys */
} nstore;

static void ns_close(mm_store *s)
{
    (void)s;
}
static mm_rc ns_begin(mm_store *s, mm_err *e)
{
    (void)s, (void)e;
    return MM_OK;
}
static mm_rc ns_commit(mm_store *s, mm_err *e)
{
    (void)s, (void)e;
    return MM_OK;
}
static void ns_rollback(mm_store *s)
{
    (void)s;
}

static mm_rc ns_put_event(mm_store *s, const char *tenant,
                          const mm_hub_event *ev, int64_t received_ms,
                          bool *dup, mm_err *e)
{
    (void)tenant, (void)ev, (void)received_ms, (void)e;
    ((nstore *)s)->events++;
    *dup = false;
    return MM_OK;
}

static mm_rc ns_scan_events(mm_store *s, int64_t since, mm_event_row_fn fn,
                            void *ud, mm_err *e)
{
    (void)s, (void)since, (void)fn, (void)ud, (void)e;
    return MM_OK;
}

static mm_rc ns_tenant_put(mm_store *s, const mm_tenant *t, mm_err *e)
{
    (void)s, (void)t, (void)e;
    return MM_OK;
}

static mm_rc ns_tenant_list(mm_store *s, mm_tenant_fn fn, void *ud, mm_err *e)
{
    nstore *n = (nstore *)s;
    (void)e;
    for (size_t i = 0; i < n->nten; i++) {
        mm_rc rc = fn(&n->ten[i], ud);
        if (rc != MM_OK)
            return rc;
    }
    return MM_OK;
}

static mm_rc ns_link_put(mm_store *s, const mm_link *l, mm_err *e)
{
    (void)s, (void)l, (void)e;
    return MM_OK;
}

static mm_rc ns_link_list(mm_store *s, mm_link_row_fn fn, void *ud, mm_err *e)
{
    nstore *n = (nstore *)s;
    (void)e;
    for (size_t i = 0; i < n->nlinks; i++) {
        mm_rc rc = fn(&n->links[i], ud);
        if (rc != MM_OK)
            return rc;
    }
    return MM_OK;
}

static mm_rc ns_campaign_put(mm_store *s, mm_campaign *c, mm_err *e)
{
    nstore *n = (nstore *)s;
    (void)e;
    if (c->id == 0) {
        c->id = ++n->next_camp;
        char k[320];
        int l = snprintf(k, sizeof k, "%s:%s", c->key_type, c->key);
        uint64_t h = mm_hash64(k, (size_t)l, 42) ^ (uint64_t)c->tenants;
        n->check += h * 0xbf58476d1ce4e5b9ull ^ (h >> 29);
    } else {
        n->camp_updates++;
    }
    return MM_OK;
}

static mm_rc ns_campaign_list(mm_store *s, mm_campaign_fn fn, void *ud,
                              mm_err *e)
{
    (void)s, (void)fn, (void)ud, (void)e;
    return MM_OK;
}

static mm_rc ns_hit_put(mm_store *s, const mm_hit *h, mm_err *e)
{
    (void)h, (void)e;
    ((nstore *)s)->hits++;
    return MM_OK;
}

static mm_rc ns_hit_list(mm_store *s, int64_t c, mm_hit_fn fn, void *ud,
                         mm_err *e)
{
    (void)s, (void)c, (void)fn, (void)ud, (void)e;
    return MM_OK;
}

static mm_rc ns_indicator_put(mm_store *s, mm_indicator *i, mm_err *e)
{
    nstore *n = (nstore *)s;
    (void)e;
    i->seq = ++n->next_ind;
    n->ind_puts++;
    return MM_OK;
}

static mm_rc ns_indicator_list(mm_store *s, int64_t since, mm_indicator_fn fn,
                               void *ud, mm_err *e)
{
    (void)s, (void)since, (void)fn, (void)ud, (void)e;
    return MM_OK;
}

static mm_rc ns_warning_put(mm_store *s, mm_warning *w, mm_err *e)
{
    nstore *n = (nstore *)s;
    (void)e;
    w->id = ++n->next_warn;
    n->warn_kind[w->kind[0] == 'h' ? 0 : w->kind[0] == 's' ? 1 : 2]++;
    return MM_OK;
}

static mm_rc ns_warning_list(mm_store *s, const char *tenant, int64_t since,
                             mm_warning_fn fn, void *ud, mm_err *e)
{
    (void)s, (void)tenant, (void)since, (void)fn, (void)ud, (void)e;
    return MM_OK;
}

static mm_rc ns_warning_hooks_due(mm_store *s, int64_t now, mm_warning_fn fn,
                                  void *ud, mm_err *e)
{
    (void)s, (void)now, (void)fn, (void)ud, (void)e;
    return MM_OK;
}

static mm_rc ns_warning_hook_mark(mm_store *s, int64_t id, int state,
                                  unsigned attempts, int64_t next_ms,
                                  mm_err *e)
{
    (void)s, (void)id, (void)state, (void)attempts, (void)next_ms, (void)e;
    return MM_OK;
}

static mm_rc ns_escalation_put(mm_store *s, mm_escalation *x, mm_err *e)
{
    (void)e;
    x->id = ++((nstore *)s)->next_esc;
    return MM_OK;
}

static mm_rc ns_escalation_list(mm_store *s, mm_escalation_fn fn, void *ud,
                                mm_err *e)
{
    (void)s, (void)fn, (void)ud, (void)e;
    return MM_OK;
}

static mm_rc ns_webhook_set(mm_store *s, const char *t, const char *url,
                            const char *secret, mm_err *e)
{
    (void)s, (void)t, (void)url, (void)secret, (void)e;
    return MM_OK;
}

static mm_rc ns_webhook_get(mm_store *s, const char *t, char *url,
                            char *secret, mm_err *e)
{
    (void)s, (void)t, (void)url, (void)secret, (void)e;
    return MM_ENOTFOUND;
}

static mm_rc ns_stateioc_put(mm_store *s, const mm_stateioc *i, mm_err *e)
{
    (void)s, (void)i, (void)e;
    return MM_OK;
}

static mm_rc ns_stateioc_list(mm_store *s, mm_stateioc_fn fn, void *ud,
                              mm_err *e)
{
    (void)s, (void)fn, (void)ud, (void)e;
    return MM_OK;
}

static mm_rc ns_stats(mm_store *s, mm_store_stats *st, mm_err *e)
{
    (void)s, (void)e;
    memset(st, 0, sizeof *st);
    return MM_OK;
}

static const mm_store_ops ns_ops = {
    .name = "bench-null",
    .close = ns_close,
    .begin = ns_begin,
    .commit = ns_commit,
    .rollback = ns_rollback,
    .put_event = ns_put_event,
    .scan_events = ns_scan_events,
    .tenant_put = ns_tenant_put,
    .tenant_list = ns_tenant_list,
    .link_put = ns_link_put,
    .link_list = ns_link_list,
    .campaign_put = ns_campaign_put,
    .campaign_list = ns_campaign_list,
    .hit_put = ns_hit_put,
    .hit_list = ns_hit_list,
    .indicator_put = ns_indicator_put,
    .indicator_list = ns_indicator_list,
    .warning_put = ns_warning_put,
    .warning_list = ns_warning_list,
    .warning_hooks_due = ns_warning_hooks_due,
    .warning_hook_mark = ns_warning_hook_mark,
    .escalation_put = ns_escalation_put,
    .escalation_list = ns_escalation_list,
    .webhook_set = ns_webhook_set,
    .webhook_get = ns_webhook_get,
    .stateioc_put = ns_stateioc_put,
    .stateioc_list = ns_stateioc_list,
    .stats = ns_stats,
    .background = NULL,
    .sync = NULL,
};

/* ---- the synthetic country ---------------------------------------------- */

static void make_graph(nstore *s, unsigned nten, bool ranges)
{
    s->ten = calloc(nten, sizeof *s->ten);
    s->links = calloc((size_t)nten * 3u, sizeof *s->links);
    if (!s->ten || !s->links) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    s->nten = nten;
    for (unsigned i = 0; i < nten; i++) {
        mm_tenant *t = &s->ten[i];
        snprintf(t->id, sizeof t->id, "t%05u", i);
        t->kind = i < N_CRITICAL              ? MM_TK_CRITICAL
                  : i < N_CRITICAL + N_BUYERS ? MM_TK_BUYER
                                              : MM_TK_SME;
        snprintf(t->name, sizeof t->name, "Company %u", i);
        snprintf(t->industry, sizeof t->industry, "manufacturing");
        snprintf(t->region, sizeof t->region, "region-%u", i % 47);
        if (ranges)
            snprintf(t->ranges, sizeof t->ranges, "133.%u.%u.0/29", i >> 8,
                     i & 255);
    }
    for (unsigned i = N_CRITICAL; i < nten; i++) {
        unsigned m =
            i < N_CRITICAL + N_BUYERS ? 1 : 1 + (unsigned)(next() % 3);
        unsigned used[3];
        for (unsigned j = 0; j < m; j++) {
            unsigned c;
            bool again;
            do {
                c = i < N_CRITICAL + N_BUYERS
                        ? (unsigned)(next() % N_CRITICAL)
                        : N_CRITICAL + (unsigned)(next() % N_BUYERS);
                again = false;
                for (unsigned k = 0; k < j; k++)
                    again |= used[k] == c;
            } while (again);
            used[j] = c;
            mm_link *l = &s->links[s->nlinks++];
            snprintf(l->supplier, sizeof l->supplier, "%s", s->ten[i].id);
            snprintf(l->customer, sizeof l->customer, "%s", s->ten[c].id);
            l->disclose = next() % 2;
        }
    }
}

/* First octets that hold allowlisted good actors, tenants' own ranges
 * (133) or that mm_addr_is_reserved covers in part: skipped whole. */
static bool octet_skipped(unsigned o)
{
    static const unsigned skip[] = {0,   1,   8,   9,   10,  40,  66,  100,
                                    103, 104, 108, 127, 131, 133, 141, 149,
                                    157, 162, 169, 172, 173, 188, 190, 192,
                                    197, 198, 203, 207, 208};
    for (size_t i = 0; i < sizeof skip / sizeof *skip; i++)
        if (o == skip[i])
            return true;
    return o >= 224;
}

typedef struct sighting {
    uint32_t tenant;
    uint32_t ip;
} sighting;

/* Distinct public /24s from a permutation of the 2^24 prefixes (odd
 * multiplier mod 2^24), one host address in each. */
static uint32_t *make_ips(size_t n)
{
    uint32_t *ip = malloc(n * sizeof *ip);
    if (!ip)
        exit(1);
    uint32_t p = 0;
    for (size_t i = 0; i < n; p++) {
        if (p >= (1u << 24)) {
            fprintf(stderr, "too many indicators for distinct /24s\n");
            exit(1);
        }
        uint32_t net = (p * 2654435761u + 12345u) & 0xffffffu;
        if (octet_skipped(net >> 16))
            continue;
        mm_addr a = {4, {0}};
        a.bytes[0] = (uint8_t)(net >> 16);
        a.bytes[1] = (uint8_t)(net >> 8);
        a.bytes[2] = (uint8_t)net;
        a.bytes[3] = (uint8_t)(1 + next() % 254);
        if (mm_addr_is_reserved(&a))
            continue;
        ip[i++] = net << 8 | a.bytes[3];
    }
    return ip;
}

int main(int argc, char **argv)
{
    size_t n_ind = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000u;
    unsigned n_ten = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 10000u;
    bool ranges = argc > 3 ? strtoul(argv[3], NULL, 10) != 0 : true;
    if (n_ind == 0 || n_ten < N_CRITICAL + N_BUYERS + 10 || n_ten > 65536) {
        fprintf(stderr,
                "usage: bench-correlate [INDICATORS [TENANTS %u..65536 "
                "[RANGES 0|1]]]\n",
                N_CRITICAL + N_BUYERS + 10);
        return 2;
    }
    mm_err err;
    memset(&err, 0, sizeof err);

    /* the country and its sightings, built before anything is measured */
    nstore *st = calloc(1, sizeof *st);
    if (!st)
        return 1;
    st->base.ops = &ns_ops;
    make_graph(st, n_ten, ranges);
    uint32_t *ip = make_ips(n_ind);
    size_t cap = n_ind + n_ind / 10 + 16, ns = 0, n_shared = 0;
    sighting *sg = malloc(cap * sizeof *sg);
    uint32_t *per = calloc(n_ten + 1u, sizeof *per);
    if (!sg || !per)
        return 1;
    for (size_t i = 0; i < n_ind; i++) {
        unsigned m =
            next() % 100 < SHARED_PCT ? 2 + (unsigned)(next() % 4) : 1;
        uint32_t used[5];
        n_shared += m > 1;
        for (unsigned j = 0; j < m; j++) {
            uint32_t t;
            bool again;
            do {
                t = (uint32_t)(next() % n_ten);
                again = false;
                for (unsigned k = 0; k < j; k++)
                    again |= used[k] == t;
            } while (again);
            used[j] = t;
            sg[ns].tenant = t;
            sg[ns++].ip = ip[i];
            per[t + 1]++;
        }
    }
    free(ip);
    /* group by tenant (counting sort): one batch per tenant */
    for (unsigned t = 0; t < n_ten; t++)
        per[t + 1] += per[t];
    sighting *by = malloc(ns * sizeof *by);
    uint32_t *pos = malloc((n_ten + 1u) * sizeof *pos);
    if (!by || !pos)
        return 1;
    memcpy(pos, per, (n_ten + 1u) * sizeof *pos);
    for (size_t i = 0; i < ns; i++)
        by[pos[sg[i].tenant]++] = sg[i];
    free(sg);
    free(pos);
    size_t maxb = 0;
    for (unsigned t = 0; t < n_ten; t++)
        if (per[t + 1] - per[t] > maxb)
            maxb = per[t + 1] - per[t];
    mm_hub_event *ev = calloc(maxb ? maxb : 1, sizeof *ev);
    if (!ev)
        return 1;

    long rss0, hwm0, rss1, hwm1, rss2, hwm2;
    mem_kb(&rss0, &hwm0);
    mm_hub *h;
    if (mm_hub_new(&st->base, NULL, &h, &err) != MM_OK)
        die("hub", &err);
    mem_kb(&rss1, &hwm1);

    int64_t now = T0_MS + SPAN_MS;
    uint64_t opened = 0, warnings = 0, indicators = 0, accepted = 0;
    double cpu = 0, w0 = wall_s();
    for (unsigned t = 0; t < n_ten; t++) {
        size_t nb = per[t + 1] - per[t];
        if (nb == 0)
            continue;
        for (size_t i = 0; i < nb; i++) {
            const sighting *s = &by[per[t] + i];
            mm_hub_event *e = &ev[i];
            memset(e, 0, sizeof *e);
            snprintf(e->id, sizeof e->id, "b%u-%zu", t, i);
            e->alert = true;
            e->ts_ms = T0_MS + (int64_t)(next() % (uint64_t)SPAN_MS);
            snprintf(e->rule_id, sizeof e->rule_id, "sshd.bruteforce");
            e->severity = 2 + (int)(next() % 2);
            e->src.family = 4;
            e->src.bytes[0] = (uint8_t)(s->ip >> 24);
            e->src.bytes[1] = (uint8_t)(s->ip >> 16);
            e->src.bytes[2] = (uint8_t)(s->ip >> 8);
            e->src.bytes[3] = (uint8_t)s->ip;
            mm_addr_format(&e->src, e->src_text, sizeof e->src_text);
            e->json = "{}";
            e->json_len = 2;
        }
        mm_hub_batch b = {NULL, 0, ev, nb};
        mm_hub_ingest_result res;
        const mm_tenant *tt = mm_hub_tenant_by_id(h, st->ten[t].id);
        double c0 = cpu_s();
        if (mm_hub_ingest(h, tt, &b, now, &res, &err) != MM_OK)
            die("ingest", &err);
        cpu += cpu_s() - c0;
        opened += res.campaigns_opened;
        warnings += res.warnings;
        indicators += res.indicators;
        accepted += res.accepted;
    }
    double wall = wall_s() - w0;
    mem_kb(&rss2, &hwm2);

    printf(
        "correlation: %u tenants (%u critical, %u buyers), %zu links, "
        "%zu distinct indicators (%zu seen by 2-5 tenants), %zu sightings%s\n",
        n_ten, N_CRITICAL, N_BUYERS, st->nlinks, n_ind, n_shared, ns,
        ranges ? "" : ", no own ranges");
    printf("  %.0f sightings/s (%.2f s CPU in mm_hub_ingest, %.2f s wall "
           "for the feed incl. building events), %.2f us/sighting\n",
           (double)accepted / cpu, cpu, wall, cpu * 1e6 / (double)accepted);
    printf("  campaigns opened %llu, warnings %llu (hit %llu, supplier %llu, "
           "critical %llu), indicators written %llu, hits written %llu\n",
           (unsigned long long)opened, (unsigned long long)warnings,
           (unsigned long long)st->warn_kind[0],
           (unsigned long long)st->warn_kind[1],
           (unsigned long long)st->warn_kind[2],
           (unsigned long long)indicators, (unsigned long long)st->hits);
    printf("  memory (kB) VmRSS/VmHWM: before hub %ld/%ld, empty hub %ld/%ld, "
           "after feed %ld/%ld\n",
           rss0, hwm0, rss1, hwm1, rss2, hwm2);
    printf("  hub state for the feed: %.1f MiB, %.0f bytes per indicator "
           "(VmRSS delta / %zu); tenants+graph %.1f MiB\n",
           (double)(rss2 - rss1) / 1024.0,
           (double)(rss2 - rss1) * 1024.0 / (double)n_ind, n_ind,
           (double)(rss1 - rss0) / 1024.0);
    printf("  checksum campaigns=%llu keys=%016llx\n",
           (unsigned long long)st->next_camp, (unsigned long long)st->check);
    bool ok = opened == n_shared && (uint64_t)st->next_camp == opened &&
              accepted == ns && st->events == ns;
    if (!ok)
        printf("  MISMATCH: expected %zu campaigns (one per shared address) "
               "and %zu accepted sightings\n",
               n_shared, ns);
    mm_hub_free(h);
    free(ev);
    free(by);
    free(per);
    free(st->ten);
    free(st->links);
    free(st);
    return ok ? 0 : 1;
}
