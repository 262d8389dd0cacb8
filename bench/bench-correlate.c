/* SPDX-License-Identifier: Apache-2.0 */
/* bench-correlate.c — the hub's correlation at national scale (issue 4):
 * 10,000 tenants in a supply-chain graph and 1,000,000 distinct attacker
 * addresses in the window. Throughput and memory.
 *
 * Build (release flags, from the repository root, after `make`; the
 * libraries are the Makefile's PKGS, as bench/run links it):
 *   cc -std=c11 -D_GNU_SOURCE -O2 -Isrc/core -Isrc/hub \
 *      bench/bench-correlate.c build/libmamori.a $HUB_LIBS \
 *      -o build/bench-correlate
 * Run: build/bench-correlate [INDICATORS [TENANTS [RANGES]]] [--cap KEYS]
 *      [--parts P]
 * (defaults 1000000 10000 1; RANGES 0 gives tenants no own range, which
 * shows what the per-event own-range check costs; --cap lowers the key cap
 * of MM_HUB_KEYS_MAX).
 *
 * --parts P (issue 11, correlation past one machine's memory): first one
 * engine owning every key (at its cap it evicts keys seen by one tenant),
 * then P engines one after another in this process, engine i owning
 * partition i of P (mm_hub_params part_n/part_owned) and fed only the
 * sightings of its partition (mm_hub_event_partitions, as a front end
 * routes them to the bus). Each prints sightings/s (CPU time), keys held,
 * evicted and skipped, how many of the planted multi-tenant campaigns it
 * found (a campaign on the address or its /24) and its memory: heap in use
 * (mallinfo2, the engine's own allocations incl. its tenants and graph,
 * plus its mapped key tables)
 * and peak RSS over the start (VmHWM reset through /proc/self/clear_refs).
 *
 * The hub is driven by mm_hub_ingest (the code path the server's ingest
 * uses; hub-int.h only for the key counters), over a store that is a back end
 * of the store interface kept in this file: it holds the tenants and links,
 * hands out ids and sequence numbers and counts what correlation writes, and
 * keeps nothing else. So the figures are correlation alone (no SQLite, no
 * fsync) and the memory delta is the hub's own in-memory state.
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
 * memory of the tenants and graph and of the hub state after the feed,
 * bytes per indicator, keys held/evicted/skipped, and a checksum over the
 * campaign keys (order-independent), so a faster-but-wrong change shows.
 */
#include "hub-int.h" /* keys held, evicted, skipped */

#include <malloc.h>
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
    /* the /24s of the addresses planted as seen by several tenants
     * (sorted), and which of them got a campaign (on the address or its
     * /24); campaigns on anything else */
    const uint32_t *planted;
    size_t nplanted;
    uint8_t *found;
    uint64_t other;
} nstore;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Marks the planted address a new campaign's key ("ip" a.b.c.d or "net"
 * a.b.c.0/24) stands for. */
static void planted_mark(nstore *n, const mm_campaign *c)
{
    mm_addr a;
    bool ipnet =
        strcmp(c->key_type, "ip") == 0 || strcmp(c->key_type, "net") == 0;
    if (!ipnet || mm_addr_parse(c->key, strcspn(c->key, "/"), &a) != MM_OK ||
        a.family != 4) {
        n->other++;
        return;
    }
    uint32_t net =
        (uint32_t)a.bytes[0] << 16 | (uint32_t)a.bytes[1] << 8 | a.bytes[2];
    const uint32_t *f =
        bsearch(&net, n->planted, n->nplanted, sizeof net, cmp_u32);
    if (f)
        n->found[f - n->planted] = 1;
    else
        n->other++;
}

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
        planted_mark(n, c);
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

typedef struct sight {
    uint32_t tenant;
    uint32_t ip;
} sight;

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

/* The country's sightings, grouped by tenant: tenant t's are
 * by[per[t] .. per[t + 1]). part[i] is by[i]'s partition among nparts. */
typedef struct country {
    nstore *st;
    unsigned n_ten;
    size_t n_ind, ns, n_shared;
    sight *by;
    uint32_t *per;
    uint8_t *part;
    unsigned nparts;
} country;

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return p;
}

/* n_ind distinct addresses; 1% of them seen by 2–5 tenants (planted). */
static void make_sightings(country *c)
{
    uint32_t *ip = make_ips(c->n_ind);
    size_t cap = c->n_ind + c->n_ind / 10 + 16;
    sight *sg = xmalloc(cap * sizeof *sg);
    uint32_t *planted = xmalloc((c->n_ind / 20 + 16) * sizeof *planted);
    c->per = calloc(c->n_ten + 1u, sizeof *c->per);
    if (!c->per)
        exit(1);
    for (size_t i = 0; i < c->n_ind; i++) {
        unsigned m =
            next() % 100 < SHARED_PCT ? 2 + (unsigned)(next() % 4) : 1;
        uint32_t used[5];
        if (m > 1 && c->n_shared < c->n_ind / 20 + 16)
            planted[c->n_shared++] = ip[i] >> 8;
        for (unsigned j = 0; j < m; j++) {
            uint32_t t;
            bool again;
            do {
                t = (uint32_t)(next() % c->n_ten);
                again = false;
                for (unsigned k = 0; k < j; k++)
                    again |= used[k] == t;
            } while (again);
            used[j] = t;
            sg[c->ns].tenant = t;
            sg[c->ns++].ip = ip[i];
            c->per[t + 1]++;
        }
    }
    free(ip);
    qsort(planted, c->n_shared, sizeof *planted, cmp_u32);
    c->st->planted = planted;
    c->st->nplanted = c->n_shared;
    c->st->found = calloc(c->n_shared + 1, 1);
    /* group by tenant (counting sort): one batch per tenant */
    for (unsigned t = 0; t < c->n_ten; t++)
        c->per[t + 1] += c->per[t];
    c->by = xmalloc(c->ns * sizeof *c->by);
    uint32_t *pos = xmalloc((c->n_ten + 1u) * sizeof *pos);
    memcpy(pos, c->per, (c->n_ten + 1u) * sizeof *pos);
    for (size_t i = 0; i < c->ns; i++)
        c->by[pos[sg[i].tenant]++] = sg[i];
    free(sg);
    free(pos);
}

static void event_of(const sight *s, unsigned t, size_t i, mm_hub_event *e)
{
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

/* Each sighting's partition among n, as a front end routes it (an address
 * and its /24 are in the same one: mm_hub_key_partition). */
static void route(country *c, unsigned n)
{
    c->part = xmalloc(c->ns);
    c->nparts = n;
    mm_hub_event e;
    for (size_t i = 0; i < c->ns; i++) {
        event_of(&c->by[i], 0, i, &e);
        uint64_t m = mm_hub_event_partitions(&e, n);
        c->part[i] = (uint8_t)(m ? __builtin_ctzll(m) : 255);
        if (m & (m - 1)) {
            fprintf(stderr, "an address and its /24 in two partitions\n");
            exit(1);
        }
    }
}

typedef struct run {
    size_t accepted;
    double cpu;
    uint64_t opened, warnings, indicators;
    size_t keys;
    uint64_t evicted, skipped, found, other;
    double heap_mib, peak_mib; /* engine heap in use; VmHWM over the start */
} run;

static size_t heap_used(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* Resets VmHWM to the current RSS (Linux >= 4.0), so each engine's peak
 * is its own. */
static void hwm_reset(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

/* One engine (`p`) fed every sighting of partition `part` (-1 = all), one
 * batch per tenant through mm_hub_ingest. */
static void run_engine(country *c, const mm_hub_params *p, int part, run *r)
{
    nstore *st = c->st;
    mm_err err;
    memset(r, 0, sizeof *r);
    memset(st->found, 0, c->n_shared);
    st->other = 0;
    malloc_trim(0);
    hwm_reset();
    long rss0, hwm0, rss1, hwm1;
    mem_kb(&rss0, &hwm0);
    size_t heap0 = heap_used();
    mm_hub *h;
    if (mm_hub_new(&st->base, p, &h, &err) != MM_OK)
        die("hub", &err);
    size_t maxb = 0;
    for (unsigned t = 0; t < c->n_ten; t++)
        if (c->per[t + 1] - c->per[t] > maxb)
            maxb = c->per[t + 1] - c->per[t];
    mm_hub_event *ev = xmalloc(maxb * sizeof *ev);
    int64_t now = T0_MS + SPAN_MS;
    for (unsigned t = 0; t < c->n_ten; t++) {
        size_t nb = 0;
        for (size_t i = c->per[t]; i < c->per[t + 1]; i++)
            if (part < 0 || c->part[i] == part)
                event_of(&c->by[i], t, i, &ev[nb++]);
        if (nb == 0)
            continue;
        mm_hub_batch b = {NULL, 0, ev, nb};
        mm_hub_ingest_result res;
        const mm_tenant *tt = mm_hub_tenant_by_id(h, st->ten[t].id);
        double c0 = cpu_s();
        if (mm_hub_ingest(h, tt, &b, now, &res, &err) != MM_OK)
            die("ingest", &err);
        r->cpu += cpu_s() - c0;
        r->opened += res.campaigns_opened;
        r->warnings += res.warnings;
        r->indicators += res.indicators;
        r->accepted += res.accepted;
    }
    free(ev);
    mem_kb(&rss1, &hwm1);
    /* the key tables past 2 MiB are mapped (keymap.c), not in mallinfo2 */
    r->heap_mib =
        (double)(heap_used() - heap0 + mm_hub__mapped_bytes(h)) / 1048576.0;
    r->peak_mib = (double)(hwm1 - rss0) / 1024.0;
    r->keys = mm_hub_keys(h);
    r->evicted = mm_hub_keys_evicted(h);
    r->skipped = mm_hub_keys_skipped(h);
    for (size_t i = 0; i < c->n_shared; i++)
        r->found += st->found[i];
    r->other = st->other;
    mm_hub_free(h);
}

static void run_print(const char *who, const run *r, size_t n_shared)
{
    printf("  %s: %zu sightings, %.0f sightings/s (%.2f s CPU); keys held "
           "%zu, evicted %llu, skipped %llu; planted campaigns found %llu "
           "of %zu, other campaigns %llu; heap %.0f MiB, peak RSS +%.0f "
           "MiB\n",
           who, r->accepted, (double)r->accepted / r->cpu, r->cpu, r->keys,
           (unsigned long long)r->evicted, (unsigned long long)r->skipped,
           (unsigned long long)r->found, n_shared,
           (unsigned long long)r->other, r->heap_mib, r->peak_mib);
}

/* --parts P: (a) one engine owning every key against the cap, then (b) P
 * engines, one after another, each owning one partition and fed only its
 * partition's sightings (what its bus subject carries). */
static int parts_mode(country *c, unsigned nparts, size_t cap)
{
    mm_hub_params p;
    mm_hub_params_default(&p);
    p.keys_max = (unsigned)cap;
    run one, r;
    run_engine(c, &p, -1, &one);
    printf("correlation past the key cap: %u tenants, %zu distinct addresses "
           "(each in its own /24), %zu sightings, %zu planted (seen by 2-5 "
           "tenants), cap %zu keys per engine\n",
           c->n_ten, c->n_ind, c->ns, c->n_shared,
           cap ? cap : (size_t)MM_HUB_KEYS_MAX);
    run_print("one engine, every key", &one, c->n_shared);
    route(c, nparts);
    p.part_n = nparts;
    double cpu_max = 0, cpu_sum = 0, heap_max = 0, peak_max = 0;
    size_t keys_max = 0, acc = 0;
    uint64_t found = 0, other = 0, skipped = 0, evicted = 0;
    for (unsigned i = 0; i < nparts; i++) {
        p.part_owned = (uint64_t)1 << i;
        run_engine(c, &p, (int)i, &r);
        char who[64];
        snprintf(who, sizeof who, "engine %u of %u", i + 1, nparts);
        run_print(who, &r, c->n_shared);
        cpu_max = r.cpu > cpu_max ? r.cpu : cpu_max;
        cpu_sum += r.cpu;
        heap_max = r.heap_mib > heap_max ? r.heap_mib : heap_max;
        peak_max = r.peak_mib > peak_max ? r.peak_mib : peak_max;
        keys_max = r.keys > keys_max ? r.keys : keys_max;
        acc += r.accepted;
        found += r.found;
        other += r.other;
        skipped += r.skipped;
        evicted += r.evicted;
    }
    double one_rate = (double)one.accepted / one.cpu;
    printf("  => %u partitions: planted campaigns found %llu of %zu (one "
           "engine: %llu), other campaigns %llu, keys evicted %llu, skipped "
           "%llu; at most %zu keys, %.0f MiB heap, +%.0f MiB peak RSS per "
           "engine\n",
           nparts, (unsigned long long)found, c->n_shared,
           (unsigned long long)one.found, (unsigned long long)other,
           (unsigned long long)evicted, (unsigned long long)skipped, keys_max,
           heap_max, peak_max);
    printf("  => sightings/s: %.0f per engine (mean of CPU time), %.0f for "
           "the %u together on %u machines (slowest engine) = %.1fx one "
           "engine's %.0f\n",
           (double)acc / cpu_sum, (double)acc / cpu_max, nparts, nparts,
           (double)acc / cpu_max / one_rate, one_rate);
    bool ok = acc == c->ns && found == c->n_shared && other == 0;
    if (!ok)
        printf("  MISMATCH: with partitions every sighting is correlated "
               "and every planted campaign found\n");
    return ok ? 0 : 1;
}

/* Default: one engine over the country (issue 4's figures), with its
 * campaign checksum. */
static int one_mode(country *c, size_t cap, bool ranges)
{
    nstore *st = c->st;
    mm_hub_params p;
    mm_hub_params_default(&p);
    p.keys_max = (unsigned)cap;
    long rss0, hwm0, rss1, hwm1;
    mem_kb(&rss0, &hwm0);
    mm_hub *h;
    mm_err err;
    if (mm_hub_new(&st->base, &p, &h, &err) != MM_OK)
        die("hub", &err);
    mem_kb(&rss1, &hwm1);
    mm_hub_free(h);
    double w0 = wall_s();
    run r;
    run_engine(c, &p, -1, &r);
    double wall = wall_s() - w0;
    printf(
        "correlation: %u tenants (%u critical, %u buyers), %zu links, "
        "%zu distinct indicators (%zu seen by 2-5 tenants), %zu sightings%s\n",
        c->n_ten, N_CRITICAL, N_BUYERS, st->nlinks, c->n_ind, c->n_shared,
        c->ns, ranges ? "" : ", no own ranges");
    printf("  %.0f sightings/s (%.2f s CPU in mm_hub_ingest, %.2f s wall "
           "for the feed incl. building events), %.2f us/sighting\n",
           (double)r.accepted / r.cpu, r.cpu, wall,
           r.cpu * 1e6 / (double)r.accepted);
    printf("  campaigns opened %llu, warnings %llu (hit %llu, supplier %llu, "
           "critical %llu), indicators written %llu, hits written %llu\n",
           (unsigned long long)r.opened, (unsigned long long)r.warnings,
           (unsigned long long)st->warn_kind[0],
           (unsigned long long)st->warn_kind[1],
           (unsigned long long)st->warn_kind[2],
           (unsigned long long)r.indicators, (unsigned long long)st->hits);
    printf("  memory: tenants+graph %.1f MiB (VmRSS of an empty hub), hub "
           "state for the feed %.1f MiB heap, %.0f bytes per indicator, "
           "peak RSS +%.1f MiB\n",
           (double)(rss1 - rss0) / 1024.0, r.heap_mib,
           r.heap_mib * 1048576.0 / (double)c->n_ind, r.peak_mib);
    printf("  keys held %zu (cap %zu), evicted %llu, skipped %llu; planted "
           "campaigns found %llu of %zu\n",
           r.keys, cap ? cap : (size_t)MM_HUB_KEYS_MAX,
           (unsigned long long)r.evicted, (unsigned long long)r.skipped,
           (unsigned long long)r.found, c->n_shared);
    printf("  checksum campaigns=%llu keys=%016llx\n",
           (unsigned long long)st->next_camp, (unsigned long long)st->check);
    bool full = r.evicted || r.skipped;
    bool ok = r.accepted == c->ns && st->events == c->ns &&
              (full || (r.opened == c->n_shared &&
                        (uint64_t)st->next_camp == r.opened));
    if (!ok)
        printf("  MISMATCH: expected %zu campaigns (one per shared address) "
               "and %zu accepted sightings\n",
               c->n_shared, c->ns);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    size_t num[3] = {1000000u, 10000u, 1u}, nnum = 0, cap = 0;
    unsigned nparts = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--parts") == 0 && i + 1 < argc)
            nparts = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--cap") == 0 && i + 1 < argc)
            cap = strtoul(argv[++i], NULL, 10);
        else if (nnum < 3)
            num[nnum++] = strtoul(argv[i], NULL, 10);
    }
    size_t n_ind = num[0];
    unsigned n_ten = (unsigned)num[1];
    bool ranges = num[2] != 0;
    if (n_ind == 0 || n_ten < N_CRITICAL + N_BUYERS + 10 || n_ten > 65536 ||
        nparts == 1 || nparts > MM_HUB_PARTS_MAX) {
        fprintf(stderr,
                "usage: bench-correlate [INDICATORS [TENANTS %u..65536 "
                "[RANGES 0|1]]] [--cap KEYS] [--parts 2..%u]\n",
                N_CRITICAL + N_BUYERS + 10, MM_HUB_PARTS_MAX);
        return 2;
    }
    /* the country and its sightings, built before anything is measured */
    country c;
    memset(&c, 0, sizeof c);
    c.st = calloc(1, sizeof *c.st);
    if (!c.st)
        return 1;
    c.st->base.ops = &ns_ops;
    c.n_ten = n_ten;
    c.n_ind = n_ind;
    make_graph(c.st, n_ten, ranges);
    make_sightings(&c);
    int rc = nparts ? parts_mode(&c, nparts, cap) : one_mode(&c, cap, ranges);
    free(c.by);
    free(c.per);
    free(c.part);
    free((void *)c.st->planted);
    free(c.st->found);
    free(c.st->ten);
    free(c.st->links);
    free(c.st);
    return rc;
}
