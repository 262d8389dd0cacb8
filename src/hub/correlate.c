/* SPDX-License-Identifier: Apache-2.0 */
/* correlate.c — the hub engine: tenants and graph in memory, the
 * correlation index (key → tenants that saw it), campaigns, indicators
 * and escalation (the key map is in keymap.c, warning texts in warnings.c).
 * Runs inline at ingest inside the batch's transaction, so what correlation
 * derives is durable with the events. */
#include "hub-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* An indicator's last_seen is rewritten at most this often per value. */
#define IND_REFRESH_MS (60LL * 1000LL)
/* Event times further ahead of the hub clock than this are clamped. */
#define FUTURE_SKEW_MS HOUR_MS
/* Built-in allowlist of good actors whose addresses never become shared
 * indicators or correlation keys: public DNS resolvers, major search-engine
 * crawlers and CDN edge ranges (docs/hub.md lists them). */
static const char *const builtin_allow[] = {
    /* public DNS */
    "8.8.8.0/24",
    "8.8.4.0/24",
    "1.1.1.0/24",
    "1.0.0.0/24",
    "9.9.9.0/24",
    "149.112.112.0/24",
    "208.67.222.0/24",
    "208.67.220.0/24",
    "2001:4860:4860::/48",
    "2606:4700:4700::/48",
    "2620:fe::/48",
    /* crawlers: Googlebot, Bingbot */
    "66.249.64.0/19",
    "40.77.167.0/24",
    "157.55.39.0/24",
    "207.46.13.0/24",
    /* CDN: Cloudflare edge */
    "173.245.48.0/20",
    "103.21.244.0/22",
    "103.22.200.0/22",
    "103.31.4.0/22",
    "141.101.64.0/18",
    "108.162.192.0/18",
    "190.93.240.0/20",
    "188.114.96.0/20",
    "197.234.240.0/22",
    "198.41.128.0/17",
    "162.158.0.0/15",
    "104.16.0.0/13",
    "104.24.0.0/14",
    "172.64.0.0/13",
    "131.0.72.0/22",
};
static const char *const builtin_allow_domains[] = {
    "google.com",     "googlebot.com",     "bing.com",  "microsoft.com",
    "cloudflare.com", "windowsupdate.com", "apple.com",
};

/* interval indexes of address ranges (the allowlist, members' ranges) */
static mm_rc ranges_build(mranges m[2], const mm_cidr *c, size_t n);
static bool ranges_contain(const mranges m2[2], const mm_addr *a);
static void ranges_clear(mranges m[2]);

void mm_hub_free(mm_hub *h)
{
    if (!h)
        return;
    for (unsigned i = 0; i < h->nten; i++)
        free(h->ten[i].cust);
    free(h->ten);
    ranges_clear(h->member);
    ranges_clear(h->allow_ix);
    mm_hub_smap_free(&h->tid, NULL);
    mm_hub_smap_free(&h->thash, NULL);
    free(h->links);
    free(h->allow);
    mm_hub__prekeys_free(h->pre);
    mm_hub__keys_free(&h->keys);
    for (unsigned i = 0; i < h->ncamps; i++)
        free(h->camps[i].hits);
    free(h->camps);
    free(h->due);
    mm_hub_smap_free(&h->inds, free);
    mm_hub_smap_free(&h->sioc, free);
    free(h);
}

mm_rc mm_hub_allow_add(mm_hub *h, const char *cidr, mm_err *err)
{
    mm_cidr c;
    if (mm_cidr_parse(cidr, strlen(cidr), &c) != MM_OK)
        return mm_err_set(err, MM_EINVAL, "<allow>", 0,
                          "'%s' is not an address or CIDR", cidr);
    mm_cidr *na =
        mm_hub__grow(h->allow, h->nallow, &h->capallow, sizeof *na, 64);
    if (!na)
        return mm_err_set(err, MM_ENOMEM, "<allow>", 0, "out of memory");
    h->allow = na;
    h->allow[h->nallow++] = c;
    /* a few dozen entries, added at start and on reload */
    if (ranges_build(h->allow_ix, h->allow, h->nallow) != MM_OK)
        return mm_err_set(err, MM_ENOMEM, "<allow>", 0, "out of memory");
    return MM_OK;
}

bool mm_hub_allowed(const mm_hub *h, const mm_addr *a)
{
    return ranges_contain(h->allow_ix, a);
}

static bool domain_allowed(const char *d)
{
    size_t n = strlen(d);
    for (size_t i = 0;
         i < sizeof builtin_allow_domains / sizeof *builtin_allow_domains;
         i++) {
        const char *a = builtin_allow_domains[i];
        size_t an = strlen(a);
        if (n == an && strcmp(d, a) == 0)
            return true;
        if (n > an && d[n - an - 1] == '.' && strcmp(d + n - an, a) == 0)
            return true;
    }
    return false;
}

/* ---- tenants and links ---------------------------------------------------
 */

static mm_rc load_sioc(const mm_stateioc *s, void *ud);

static void parse_ranges(htenant *x)
{
    x->nranges = 0;
    const char *p = x->t.ranges;
    while (*p && x->nranges < MM_HUB_RANGES_MAX) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        if (n && mm_cidr_parse(p, n, &x->ranges[x->nranges]) == MM_OK)
            x->nranges++;
        p += n + (c ? 1 : 0);
    }
}

/* Adds a tenant or refreshes the one with the same id; indexes of existing
 * tenants never change (the correlation index holds them). */
static mm_rc load_tenant(const mm_tenant *t, void *ud)
{
    mm_hub *h = ud;
    uintptr_t v = (uintptr_t)mm_hub_smap_get(&h->tid, t->id);
    if (v) {
        h->ten[v - 1].t = *t;
        parse_ranges(&h->ten[v - 1]);
        return MM_OK;
    }
    htenant *x = mm_grow_slot(&h->ten, h->nten, &h->capten, sizeof *x, 64);
    if (!x)
        return MM_ENOMEM;
    x->t = *t;
    parse_ranges(x);
    smap_ent *e;
    mm_rc rc = mm_hub_smap_put(&h->tid, t->id, &e);
    if (rc != MM_OK)
        return rc;
    e->val = (void *)(uintptr_t)(h->nten + 1);
    h->nten++;
    return MM_OK;
}

int mm_hub__tenant_idx(const mm_hub *h, const char *id)
{
    uintptr_t v = (uintptr_t)mm_hub_smap_get((smap *)&h->tid, id);
    return v ? (int)(v - 1) : -1;
}

static mm_rc load_link(const mm_link *l, void *ud)
{
    mm_hub *h = ud;
    int s = mm_hub__tenant_idx(h, l->supplier);
    if (s < 0 || mm_hub__tenant_idx(h, l->customer) < 0)
        return MM_OK;
    mm_link *nl = realloc(h->links, (h->nlinks + 1) * sizeof *nl);
    if (!nl)
        return MM_ENOMEM;
    h->links = nl;
    h->links[h->nlinks] = *l;
    htenant *t = &h->ten[s];
    unsigned *na = mm_hub__grow(t->cust, t->ncust, &t->capcust, sizeof *na, 4);
    if (!na)
        return MM_ENOMEM;
    t->cust = na;
    t->cust[t->ncust++] = h->nlinks;
    h->nlinks++;
    return MM_OK;
}

static mm_rc member_ranges_build(mm_hub *h);

/* A front end (ingest_only store) does not write indicators: the
 * correlators do, and its feed cursor follows the store's on reload. */
static mm_rc follow_cursor(const mm_indicator *i, void *ud)
{
    mm_hub *h = ud;
    if (i->seq > h->cursor)
        h->cursor = i->seq;
    return MM_OK;
}

static mm_rc collect_link(const mm_link *l, void *ud)
{
    return mm_vec_push(ud, l);
}

/* The links are listed aside before anything changes: when listing them
 * (or the tenants) fails, the old ones stay, since a front end without
 * links would warn no buyer until its next reload. */
mm_rc mm_hub_reload(mm_hub *h, mm_err *err)
{
    mm_vec nl = {NULL, 0, 0, sizeof(mm_link)};
    mm_rc rc = mm_store_link_list(h->st, collect_link, &nl, err);
    if (rc == MM_OK)
        rc = mm_store_tenant_list(h->st, load_tenant, h, err);
    if (rc == MM_OK)
        rc = member_ranges_build(h);
    if (rc != MM_OK) {
        free(nl.v);
        return rc == MM_ENOMEM
                   ? mm_err_set(err, rc, "<store>", 0, "out of memory")
                   : rc;
    }
    mm_hub_smap_free(&h->thash, NULL);
    h->thash.seed = h->keys.seed;
    for (unsigned i = 0; i < h->nten; i++) {
        smap_ent *e;
        if (!h->ten[i].t.token_hash[0])
            continue;
        if (mm_hub_smap_put(&h->thash, h->ten[i].t.token_hash, &e) != MM_OK) {
            free(nl.v);
            return mm_err_set(err, MM_ENOMEM, "<store>", 0, "out of memory");
        }
        e->val = (void *)(uintptr_t)(i + 1);
    }
    free(h->links);
    h->links = NULL;
    h->nlinks = 0;
    for (unsigned i = 0; i < h->nten; i++)
        h->ten[i].ncust = 0;
    for (size_t i = 0; rc == MM_OK && i < nl.n; i++)
        rc = load_link((const mm_link *)nl.v + i, h);
    free(nl.v);
    if (rc == MM_OK) { /* state-backed lists imported while running */
        mm_hub_smap_free(&h->sioc, free);
        h->sioc.seed = h->keys.seed;
        rc = h->st->ops->stateioc_list(h->st, load_sioc, h, err);
    }
    if (rc == MM_OK && h->st->ops->ingest_only)
        rc = mm_store_indicator_list(h->st, h->cursor, follow_cursor, h, err);
    if (rc == MM_ENOMEM)
        return mm_err_set(err, rc, "<store>", 0, "out of memory");
    return rc;
}

const mm_tenant *mm_hub_tenant_by_hash(const mm_hub *h, const char *hash)
{
    uintptr_t v = (uintptr_t)mm_hub_smap_get((smap *)&h->thash, hash);
    return v ? &h->ten[v - 1].t : NULL;
}

const mm_tenant *mm_hub_tenant_by_id(const mm_hub *h, const char *id)
{
    int i = mm_hub__tenant_idx(h, id);
    return i >= 0 ? &h->ten[i].t : NULL;
}

/* ---- campaigns and indicators in memory ----------------------------------
 */

static mm_rc camp_add(mm_hub *h, const mm_campaign *c, unsigned *idx)
{
    camp *x = mm_grow_slot(&h->camps, h->ncamps, &h->capcamps, sizeof *x, 64);
    if (!x)
        return MM_ENOMEM;
    x->c = *c;
    *idx = h->ncamps++;
    return MM_OK;
}

static chit *camp_hit(camp *c, uint32_t tenant, bool *created)
{
    *created = false;
    for (unsigned i = 0; i < c->nhits; i++)
        if (c->hits[i].tenant == tenant)
            return &c->hits[i];
    chit *x = mm_grow_slot(&c->hits, c->nhits, &c->caphits, sizeof *x, 8);
    if (!x)
        return NULL;
    c->nhits++;
    x->tenant = tenant;
    *created = true;
    return x;
}

static mm_rc load_campaign(const mm_campaign *c, void *ud)
{
    mm_hub *h = ud;
    unsigned idx;
    char k[320];
    mm_hub__camp_key(c, k, sizeof k);
    if (h->p.part_n > 1 &&
        !(h->p.part_owned >> mm_hub_key_partition(k, strlen(k), h->p.part_n) &
          1))
        return MM_OK; /* another partition's: its owner keeps it */
    mm_rc rc = camp_add(h, c, &idx);
    if (rc != MM_OK)
        return rc;
    kentry *ke;
    size_t len = strlen(k);
    rc = mm_hub__key_entry(&h->keys, k, len, mm_hash64(k, len, h->keys.seed),
                           &ke);
    if (rc != MM_OK)
        return rc;
    if (c->last_ts > ke->last_ts)
        ke->last_ts = c->last_ts;
    ke->camp = idx + 1;
    if (c->closed_ts) /* stays closed; its sightings stay with it */
        return mm_hub__closed_mark(h, c, idx);
    return mm_hub__due_push(h, idx);
}

static mm_rc load_hit(const mm_hit *hit, void *ud)
{
    mm_hub *h = ud;
    camp *c = &h->camps[h->ncamps - 1];
    int ti = mm_hub__tenant_idx(h, hit->tenant);
    if (ti < 0)
        return MM_OK;
    bool created;
    chit *x = camp_hit(c, (uint32_t)ti, &created);
    if (!x)
        return MM_ENOMEM;
    x->first_ts = hit->first_ts;
    x->last_ts = hit->last_ts;
    return MM_OK;
}

/* Indicator maps (h->inds, h->sioc) are keyed "<type> <value>". */
#define IND_KEY_MAX 300

static void ind_key(char out[IND_KEY_MAX], const char *type, const char *value)
{
    snprintf(out, IND_KEY_MAX, "%s %s", type, value);
}

/* The entry of (type, value) in m, added (val NULL) when new; NULL when
 * out of memory (the only way mm_hub_smap_put fails). */
static smap_ent *ind_put(smap *m, const char *type, const char *value)
{
    char k[IND_KEY_MAX];
    ind_key(k, type, value);
    smap_ent *e;
    return mm_hub_smap_put(m, k, &e) == MM_OK ? e : NULL;
}

static mm_rc load_indicator(const mm_indicator *i, void *ud)
{
    mm_hub *h = ud;
    smap_ent *e = ind_put(&h->inds, i->type, i->value);
    if (!e || (!e->val && !(e->val = calloc(1, sizeof(hind)))))
        return MM_ENOMEM;
    hind *x = e->val;
    x->i = *i;
    x->written_last = i->last_seen;
    if (i->seq > h->cursor)
        h->cursor = i->seq;
    return MM_OK;
}

static mm_rc load_sioc(const mm_stateioc *s, void *ud)
{
    mm_hub *h = ud;
    smap_ent *e = ind_put(&h->sioc, s->type, s->value);
    if (!e || (!e->val && !(e->val = strdup(s->source))))
        return MM_ENOMEM;
    return MM_OK;
}

/* ---- correlation keys -----------------------------------------------------
 */

static __uint128_t addr_u128(const mm_addr *a)
{
    unsigned n = a->family == 4 ? 4 : 16;
    __uint128_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = (v << 8) | a->bytes[i];
    return v;
}

static int mrange_cmp(const void *x, const void *y)
{
    const mrange *a = x, *b = y;
    return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/* Sorts each family's intervals and merges those that overlap or touch. */
static void ranges_merge(mranges m2[2])
{
    for (int f = 0; f < 2; f++) {
        mranges *m = &m2[f];
        if (!m->n)
            continue;
        qsort(m->r, m->n, sizeof *m->r, mrange_cmp);
        unsigned w = 0;
        for (unsigned i = 1; i < m->n; i++) {
            if (m->r[i].lo <= m->r[w].hi + 1 || m->r[w].hi + 1 == 0) {
                if (m->r[i].hi > m->r[w].hi)
                    m->r[w].hi = m->r[i].hi;
            } else {
                m->r[++w] = m->r[i];
            }
        }
        m->n = w + 1;
    }
}

/* Puts one CIDR into its family's intervals (room made by the caller). */
static void ranges_put(mranges m[2], const mm_cidr *c)
{
    unsigned width = c->addr.family == 4 ? 32 : 128;
    if ((c->addr.family != 4 && c->addr.family != 6) || c->bits > width)
        return;
    unsigned hostbits = width - c->bits; /* 0..128 */
    __uint128_t host =
        hostbits == 128 ? ~(__uint128_t)0 : (((__uint128_t)1 << hostbits) - 1);
    __uint128_t base = addr_u128(&c->addr) & ~host;
    mranges *f = &m[c->addr.family == 6];
    f->r[f->n].lo = base;
    f->r[f->n].hi = base | host;
    f->n++;
}

static void ranges_clear(mranges m[2])
{
    for (int f = 0; f < 2; f++) {
        free(m[f].r);
        m[f].r = NULL;
        m[f].n = 0;
    }
}

/* Makes room for `total` intervals per family (emptied first). */
static mm_rc ranges_alloc(mranges m[2], size_t total)
{
    ranges_clear(m);
    for (int f = 0; total && f < 2; f++)
        if (!(m[f].r = malloc(total * sizeof(mrange)))) {
            ranges_clear(m);
            return MM_ENOMEM;
        }
    return MM_OK;
}

/* Rebuilds an interval index from a list of CIDRs. */
static mm_rc ranges_build(mranges m[2], const mm_cidr *c, size_t n)
{
    if (ranges_alloc(m, n) != MM_OK)
        return MM_ENOMEM;
    for (size_t i = 0; i < n; i++)
        ranges_put(m, &c[i]);
    ranges_merge(m);
    return MM_OK;
}

/* Rebuilds the interval index from every tenant's parsed ranges. */
static mm_rc member_ranges_build(mm_hub *h)
{
    size_t total = 0;
    for (unsigned k = 0; k < h->nten; k++)
        total += h->ten[k].nranges;
    if (ranges_alloc(h->member, total) != MM_OK)
        return MM_ENOMEM;
    for (unsigned k = 0; k < h->nten; k++)
        for (unsigned i = 0; i < h->ten[k].nranges; i++)
            ranges_put(h->member, &h->ten[k].ranges[i]);
    ranges_merge(h->member);
    return MM_OK;
}

/* True when the address lies in one of the intervals (binary search). */
static bool ranges_contain(const mranges m2[2], const mm_addr *a)
{
    if (a->family != 4 && a->family != 6)
        return false;
    const mranges *m = &m2[a->family == 6];
    __uint128_t v = addr_u128(a);
    unsigned lo = 0, hi = m->n; /* first interval with lo > v */
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (m->r[mid].lo <= v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && v <= m->r[lo - 1].hi;
}

/* True when the address is inside any tenant's own ranges: a member's
 * network is never correlated as an attacker nor shared as an indicator. */
static bool tenant_range(const mm_hub *h, const mm_addr *a)
{
    return ranges_contain(h->member, a);
}

/* Appends "prefix" + value (cut to fit) to a key buffer. */
static void key_make(char *out, size_t outlen, const char *prefix,
                     const char *v1, const char *sep, const char *v2)
{
    size_t n = 0;
    const char *parts[4] = {prefix, v1, sep, v2};
    for (int i = 0; i < 4; i++) {
        if (!parts[i])
            continue;
        size_t l = strlen(parts[i]);
        if (l > outlen - 1 - n)
            l = outlen - 1 - n;
        memcpy(out + n, parts[i], l);
        n += l;
    }
    out[n] = '\0';
}

/* "a.b.c.0" for an IPv4 address (what mm_addr_format gives for the /24,
 * without the printf machinery: this runs for every event). */
static void ipv4_net_text(const uint8_t *b, char *out)
{
    char *p = out;
    for (int i = 0; i < 3; i++) {
        unsigned v = b[i];
        if (v >= 100)
            *p++ = (char)('0' + v / 100);
        if (v >= 10)
            *p++ = (char)('0' + v / 10 % 10);
        *p++ = (char)('0' + v % 10);
        *p++ = '.';
    }
    *p++ = '0';
    *p = '\0';
}

/* ---- partitions of the key space (docs/scale.md) ---- */

/* Fixed: a key's partition is the same in every correlator and front end
 * (h->keys.seed is random per process). */
#define PART_SEED 0x6d616d6f72692e70ull

static unsigned part_of(const char *k, size_t len, uint32_t n)
{
    return (unsigned)(mm_hash64(k, len, PART_SEED) % n);
}

/* The partition of key i of o (an address key goes with its net key,
 * k[1], so closing an address campaign and its network stay together). */
static unsigned evkey_part(const evkeys *o, unsigned i, uint32_t n)
{
    unsigned j = o->ip_ok && i == 0 ? 1 : i;
    return part_of(o->k[j], strlen(o->k[j]), n);
}

/* A partitioned engine keeps only the keys of the partitions it owns (of
 * the one partition it is ingesting a bus batch of); the others are not
 * its to correlate, so they count nowhere (not as skipped at the cap). */
static void keys_keep_mine(const mm_hub *h, evkeys *o)
{
    unsigned n = 0;
    for (unsigned i = 0; i < o->n; i++) {
        unsigned p = evkey_part(o, i, h->p.part_n);
        if (!(h->p.part_owned >> p & 1) ||
            (h->part_now && p + 1 != h->part_now))
            continue;
        if (n != i)
            memmove(o->k[n], o->k[i], strlen(o->k[i]) + 1);
        n++;
    }
    o->n = n;
}

static void event_keys(const mm_hub *h, const mm_addr *src,
                       const char *src_text, const char *domain,
                       const char *rule, const char *path, uint64_t users,
                       evkeys *o)
{
    o->n = 0;
    memset(o->ke, 0, sizeof o->ke);
    /* without an engine (a front end): every key the engine may keep */
    o->ip_ok = src->family && !mm_addr_is_reserved(src) &&
               (!h || (!mm_hub_allowed(h, src) && !tenant_range(h, src)));
    if (o->ip_ok) {
        char ip[48];
        if (src_text && src_text[0]) {
            size_t l = strnlen(src_text, sizeof ip - 1);
            memcpy(ip, src_text, l);
            ip[l] = '\0';
        } else {
            mm_addr_format(src, ip, sizeof ip);
        }
        key_make(o->k[o->n++], sizeof o->k[0], "ip:", ip, NULL, NULL);
        memcpy(o->ip, ip, sizeof o->ip);
        mm_addr net = *src;
        if (net.family == 4) {
            ipv4_net_text(net.bytes, ip);
        } else {
            memset(net.bytes + 8, 0, 8);
            mm_addr_format(&net, ip, sizeof ip);
        }
        key_make(o->k[o->n++], sizeof o->k[0], "net:", ip,
                 net.family == 4 ? "/24" : "/64", NULL);
    }
    o->domain_ok = domain && domain[0] && !domain_allowed(domain);
    if (o->domain_ok)
        key_make(o->k[o->n++], sizeof o->k[0], "domain:", domain, NULL, NULL);
    if (rule && rule[0] && path && path[0])
        key_make(o->k[o->n++], sizeof o->k[0], "sig:", rule, " ", path);
    if (users) {
        char hx[17];
        static const char dg[] = "0123456789abcdef";
        for (int i = 0; i < 16; i++)
            hx[i] = dg[(users >> (60 - 4 * i)) & 15];
        hx[16] = '\0';
        key_make(o->k[o->n++], sizeof o->k[0], "users:", hx, NULL, NULL);
    }
    if (h && h->p.part_n > 1)
        keys_keep_mine(h, o);
    for (unsigned i = 0; i < o->n; i++) {
        o->len[i] = strlen(o->k[i]);
        o->hash[i] = mm_hash64(o->k[i], o->len[i], h ? h->keys.seed : 0);
    }
}

bool mm_hub__net_key(const char *ip, char *out, size_t n)
{
    mm_addr a;
    char t[48];
    if (mm_addr_parse(ip, strlen(ip), &a) != MM_OK ||
        (a.family != 4 && a.family != 6))
        return false;
    if (a.family == 4) {
        ipv4_net_text(a.bytes, t);
    } else {
        memset(a.bytes + 8, 0, 8);
        mm_addr_format(&a, t, sizeof t);
    }
    key_make(out, n, "net:", t, a.family == 4 ? "/24" : "/64", NULL);
    return true;
}

unsigned mm_hub_key_partition(const char *key, size_t len, uint32_t part_n)
{
    if (part_n <= 1)
        return 0;
    char ip[64], net[96];
    if (len > 3 && len - 3 < sizeof ip && memcmp(key, "ip:", 3) == 0) {
        memcpy(ip, key + 3, len - 3);
        ip[len - 3] = '\0';
        if (mm_hub__net_key(ip, net, sizeof net))
            return part_of(net, strlen(net), part_n);
    }
    return part_of(key, len, part_n);
}

uint64_t mm_hub_event_partitions(const mm_hub_event *e, uint32_t part_n)
{
    if (part_n <= 1)
        return 1;
    evkeys ks;
    event_keys(NULL, &e->src, e->src_text, e->domain, e->rule_id, e->path,
               e->users_hash, &ks);
    uint64_t m = 0;
    for (unsigned i = 0; i < ks.n; i++)
        m |= (uint64_t)1 << evkey_part(&ks, i, part_n);
    return m;
}

unsigned mm_hub_event_key_parts(const mm_hub_event *e, uint32_t part_n,
                                uint8_t part[MM_HUB_EVENT_KEYS],
                                char type[MM_HUB_EVENT_KEYS])
{
    evkeys ks;
    event_keys(NULL, &e->src, e->src_text, e->domain, e->rule_id, e->path,
               e->users_hash, &ks);
    for (unsigned i = 0; i < ks.n; i++) {
        part[i] = (uint8_t)(part_n > 1 ? evkey_part(&ks, i, part_n) : 0);
        type[i] = ks.k[i][0];
    }
    return ks.n;
}

/* Keeps of ks the keys whose type letter is in `types` (a hop's run). */
static void keys_only(evkeys *ks, const char *types)
{
    unsigned n = 0;
    for (unsigned i = 0; i < ks->n; i++) {
        if (!strchr(types, ks->k[i][0]))
            continue;
        if (n != i) {
            memcpy(ks->k[n], ks->k[i], ks->len[i] + 1);
            ks->len[n] = ks->len[i];
            ks->hash[n] = ks->hash[i];
            ks->ke[n] = ks->ke[i];
        }
        n++;
    }
    ks->n = n;
}

void mm_hub__event_keys(const mm_hub *h, const mm_hub_event *e, evkeys *o)
{
    event_keys(h, &e->src, e->src_text, e->domain, e->rule_id, e->path,
               e->users_hash, o);
}

mm_rc mm_hub__key_resolve(mm_hub *h, const evkeys *ks, unsigned k,
                          kentry **out)
{
    *out = NULL;
    if (h->keys.n >= mm_hub__keys_limit(h) &&
        !mm_hub_smap_slot(&h->keys, ks->k[k], ks->len[k], ks->hash[k])->key &&
        !mm_hub__keys_room(h))
        return MM_OK; /* full of keys that may still make a campaign */
    return mm_hub__key_entry(&h->keys, ks->k[k], ks->len[k], ks->hash[k], out);
}

/* Keys of an event to be correlated a few events later: computed now, and
 * their slots prefetched, so the random accesses into a large index overlap
 * the work on the events before. */
static void keys_ahead(const mm_hub *h, const mm_hub_event *e, evkeys *o)
{
    event_keys(h, &e->src, e->src_text, e->domain, e->rule_id, e->path,
               e->users_hash, o);
    for (unsigned i = 0; i < o->n; i++)
        mm_hub_smap_prefetch(&h->keys, o->hash[i]);
}

/* ---- score and escalation --------------------------------------------------
 */

static int cmp_u(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return x < y ? -1 : x > y;
}

/* Customers with at least two hit suppliers: the supply chain being
 * walked. O(links of the hit tenants · log). */
static unsigned shared_customers(const mm_hub *h, const camp *c)
{
    size_t total = 0;
    for (unsigned i = 0; i < c->nhits; i++)
        total += h->ten[c->hits[i].tenant].ncust;
    if (total < 2)
        return 0;
    unsigned *v = malloc(total * sizeof *v);
    if (!v)
        return 0;
    size_t n = 0;
    for (unsigned i = 0; i < c->nhits; i++) {
        const htenant *t = &h->ten[c->hits[i].tenant];
        for (unsigned j = 0; j < t->ncust; j++) {
            int cu = mm_hub__tenant_idx(h, h->links[t->cust[j]].customer);
            if (cu >= 0)
                v[n++] = (unsigned)cu;
        }
    }
    qsort(v, n, sizeof *v, cmp_u);
    unsigned shared = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && v[j] == v[i])
            j++;
        if (j - i >= 2)
            shared++; /* one customer, several hit suppliers */
        i = j;
    }
    free(v);
    return shared;
}

static void score(const mm_hub *h, camp *c)
{
    unsigned t = c->c.tenants;
    int64_t s = 20 + 15 * (int64_t)(t > 1 ? t - 1 : 0);
    int64_t span = c->c.last_ts - c->c.first_ts;
    if (t >= 2) {
        if (span <= HOUR_MS)
            s += 15;
        else if (span <= 6 * HOUR_MS)
            s += 10;
        else if (span <= DAY_MS)
            s += 5;
    }
    s += 5 * c->c.severity;
    int64_t sc = 10 * (int64_t)shared_customers(h, c);
    s += sc > 30 ? 30 : sc;
    c->c.score = (unsigned)(s > 100 ? 100 : s);
}

static mm_rc escalate(ingest_ctx *x, camp *c, const char *reason)
{
    mm_escalation e;
    memset(&e, 0, sizeof e);
    e.campaign = c->c.id;
    snprintf(e.reason, sizeof e.reason, "%s", reason);
    e.score = c->c.score;
    e.created_ms = x->now;
    c->c.escalated = true;
    c->dirty = true;
    mm_rc rc = x->h->st->ops->escalation_put(x->h->st, &e, x->err);
    if (rc == MM_OK)
        x->res->escalations++;
    return rc;
}

static const char *state_match(mm_hub *h, const char *type, const char *value)
{
    char k[IND_KEY_MAX];
    ind_key(k, type, value);
    return mm_hub_smap_get(&h->sioc, k);
}

static mm_rc check_ci_escalation(ingest_ctx *x, camp *c)
{
    mm_hub *h = x->h;
    if (c->c.escalated || c->c.score < h->p.escalate_score ||
        c->ci_checked == c->nhits)
        return MM_OK; /* nothing new since the last check */
    c->ci_checked = c->nhits;
    unsigned *dist = calloc(h->nten, sizeof *dist);
    unsigned *queue = calloc(h->nten + 1, sizeof *queue);
    /* hit suppliers reaching each operator: one supplier touched by an
     * ordinary campaign is a warning; the operator's supply chain being
     * walked (two or more of its suppliers) is an escalation (issue 12) */
    unsigned *reached = calloc(h->nten, sizeof *reached);
    mm_rc rc = MM_OK;
    if (!dist || !queue || !reached) {
        free(dist);
        free(queue);
        free(reached);
        return mm_err_set(x->err, MM_ENOMEM, "<hub>", 0, "out of memory");
    }
    for (unsigned i = 0; i < c->nhits && !c->c.escalated && rc == MM_OK; i++) {
        unsigned ti = c->hits[i].tenant;
        if (h->ten[ti].t.kind == MM_TK_CRITICAL) {
            char r[512];
            snprintf(r, sizeof r,
                     "critical-infrastructure operator %s hit by a campaign "
                     "seen at %u tenants (score %u)",
                     h->ten[ti].t.id, c->c.tenants, c->c.score);
            rc = escalate(x, c, r);
            break;
        }
        mm_hub__reach(h, ti, h->p.ci_depth, dist, queue);
        for (unsigned v = 0; v < h->nten; v++)
            if (dist[v] && h->ten[v].t.kind == MM_TK_CRITICAL &&
                ++reached[v] >= 2) {
                char r[512];
                snprintf(r, sizeof r,
                         "campaign reached %u suppliers of critical-"
                         "infrastructure operator %s (the latest %s, %u "
                         "tier%s up), %u tenants hit, score %u",
                         reached[v], h->ten[v].t.id, h->ten[ti].t.id, dist[v],
                         dist[v] == 1 ? "" : "s", c->c.tenants, c->c.score);
                rc = escalate(x, c, r);
                break;
            }
    }
    free(dist);
    free(queue);
    free(reached);
    return rc;
}

/* ---- indicators ------------------------------------------------------------
 */

static unsigned conf_base(const camp *c)
{
    int v = 40 + 15 * ((int)c->c.tenants - 2) + 5 * c->c.severity;
    return (unsigned)(v < 10 ? 10 : v > 100 ? 100 : v);
}

static mm_rc touch_indicator(ingest_ctx *x, camp *c, const char *type,
                             const char *value)
{
    mm_hub *h = x->h;
    smap_ent *e = ind_put(&h->inds, type, value);
    if (!e)
        return mm_err_set(x->err, MM_ENOMEM, "<hub>", 0, "out of memory");
    int64_t ttl =
        strcmp(type, "domain-name") == 0 ? h->p.domain_ttl_ms : h->p.ip_ttl_ms;
    hind *d = e->val;
    bool dirty = false;
    if (!d) {
        d = calloc(1, sizeof *d);
        if (!d)
            return mm_err_set(x->err, MM_ENOMEM, "<hub>", 0, "out of memory");
        e->val = d;
        snprintf(d->i.type, sizeof d->i.type, "%s", type);
        snprintf(d->i.value, sizeof d->i.value, "%s", value);
        d->i.first_seen = x->now;
        d->written_last = 0;
        dirty = true;
    }
    if (d->i.removed && d->i.campaign == MM_HUB_RETRACTED)
        return MM_OK; /* retracted by the operator: never listed again */
    unsigned cb = conf_base(c);
    if (d->i.removed || x->now - d->written_last >= IND_REFRESH_MS ||
        d->i.confidence != cb || d->i.campaign != c->c.id)
        dirty = true;
    if (!dirty)
        return MM_OK;
    d->i.removed = false;
    d->i.campaign = c->c.id;
    d->i.confidence = cb;
    d->i.last_seen = x->now;
    d->i.valid_until = x->now + ttl;
    for (size_t i = 0; i < x->ndirty; i++)
        if (x->dirty_ind[i] == d)
            return MM_OK;
    hind **na =
        mm_hub__grow(x->dirty_ind, x->ndirty, &x->capdirty, sizeof *na, 64);
    if (!na)
        return mm_err_set(x->err, MM_ENOMEM, "<hub>", 0, "out of memory");
    x->dirty_ind = na;
    x->dirty_ind[x->ndirty++] = d;
    return MM_OK;
}

/* touch_indicator, then escalates the campaign when the value is on a
 * state-backed list; `what` names it in the reason ("source", "domain"). */
static mm_rc indicate(ingest_ctx *x, camp *c, const char *type,
                      const char *value, const char *what)
{
    mm_rc rc = touch_indicator(x, c, type, value);
    if (rc != MM_OK)
        return rc;
    const char *st = state_match(x->h, type, value);
    if (!st || c->c.escalated)
        return MM_OK;
    char r[512];
    snprintf(r, sizeof r,
             "campaign %s %s matches the state-backed indicator list %s", what,
             value, st);
    return escalate(x, c, r);
}

/* ---- the per-event step
 * ----------------------------------------------------- */

static mm_rc open_campaign(ingest_ctx *x, kentry *ke, const char *ktext,
                           int64_t ts, unsigned *idx)
{
    mm_hub *h = x->h;
    mm_campaign c;
    memset(&c, 0, sizeof c);
    const char *colon = strchr(ktext, ':');
    snprintf(c.key_type, sizeof c.key_type, "%.*s", (int)(colon - ktext),
             ktext);
    snprintf(c.key, sizeof c.key, "%s", colon + 1);
    c.opened_ms = x->now;
    c.first_ts = c.last_ts = ts;
    mm_rc rc = camp_add(h, &c, idx);
    if (rc != MM_OK)
        return mm_err_set(x->err, rc, "<hub>", 0, "out of memory");
    camp *cp = &h->camps[*idx];
    for (unsigned i = 0; i < ke->n; i++) {
        sighting *s = &ke->s[i];
        if (s->last_ts < ts - h->p.window_ms ||
            s->first_ts > ts + h->p.window_ms || s->last_ts <= ke->closed_last)
            continue;
        bool created;
        chit *hi = camp_hit(cp, s->tenant, &created);
        if (!hi)
            return mm_err_set(x->err, MM_ENOMEM, "<hub>", 0, "out of memory");
        hi->first_ts =
            s->first_ts > ke->closed_last ? s->first_ts : s->last_ts;
        hi->last_ts = s->last_ts;
        hi->count = 1;
        hi->dirty = true;
        if (s->first_ts < cp->c.first_ts)
            cp->c.first_ts = s->first_ts;
        if (s->last_ts > cp->c.last_ts)
            cp->c.last_ts = s->last_ts;
        if (s->severity > cp->c.severity)
            cp->c.severity = s->severity;
    }
    cp->c.tenants = cp->nhits;
    score(h, cp);
    if ((rc = h->st->ops->campaign_put(h->st, &cp->c, x->err)) != MM_OK)
        return rc;
    if (mm_hub__due_push(h, *idx) != MM_OK)
        return mm_err_set(x->err, MM_ENOMEM, "<hub>", 0, "out of memory");
    cp->dirty = true;
    ke->camp = *idx + 1;
    x->res->campaigns_opened++;
    uint32_t *fresh = malloc(cp->nhits * sizeof *fresh);
    if (!fresh)
        return mm_err_set(x->err, MM_ENOMEM, "<hub>", 0, "out of memory");
    for (unsigned i = 0; i < cp->nhits; i++)
        fresh[i] = cp->hits[i].tenant;
    rc = mm_hub__warn_new(x, cp, fresh, cp->nhits);
    free(fresh);
    return rc;
}

/* Correlates one event whose keys are `ks` (from event_keys); *acted: a
 * key before these acted already (in), one of them or before did (out). */
static mm_rc correlate_keys(ingest_ctx *x, unsigned ti, int64_t ts, int sev,
                            const mm_addr *src, const char *domain,
                            const evkeys *ks, bool *acted_io)
{
    mm_hub *h = x->h;
    if (ts > h->max_ts) {
        h->max_ts = ts;
        mm_rc rc = h->replay ? MM_OK : mm_hub__close_due(x);
        if (rc != MM_OK)
            return rc;
    }
    /* Keys go from most to least specific (ip, net, domain, sig, users).
     * Only the first key that has or opens a campaign acts for this event
     * (opens, warns); the others only record the sighting, so one attacker
     * does not produce a warning per key. */
    bool acted = *acted_io;
    for (unsigned k = 0; k < ks->n; k++) {
        kentry *ke = ks->ke[k]; /* resolved ahead by the prekeys thread */
        if (!ke && mm_hub__key_resolve(h, ks, k, &ke) != MM_OK)
            return mm_err_set(x->err, MM_ENOMEM, "<hub>", 0, "out of memory");
        if (!ke)
            continue; /* the index is full */
        if (ts > ke->last_ts)
            ke->last_ts = ts;
        /* the tenant's sighting of this key */
        sighting *s = NULL;
        for (unsigned i = 0; i < ke->n; i++)
            if (ke->s[i].tenant == ti) {
                s = &ke->s[i];
                break;
            }
        if (!s) {
            if (!ke->s) {
                ke->s = ke->inl;
                ke->cap = KENTRY_INLINE;
            }
            if (ke->n == ke->cap && ke->cap < MM_HUB_KEY_TENANTS_MAX) {
                unsigned nc = ke->cap * 2u;
                sighting *ns = malloc(nc * sizeof *ns);
                if (!ns)
                    return mm_err_set(x->err, MM_ENOMEM, "<hub>", 0,
                                      "out of memory");
                memcpy(ns, ke->s, ke->n * sizeof *ns);
                if (ke->s != ke->inl)
                    free(ke->s);
                ke->s = ns;
                ke->cap = (uint16_t)nc;
            }
            if (ke->n < ke->cap) {
                s = &ke->s[ke->n++];
            } else { /* full: reuse the stalest sighting */
                s = &ke->s[0];
                for (unsigned i = 1; i < ke->n; i++)
                    if (ke->s[i].last_ts < s->last_ts)
                        s = &ke->s[i];
            }
            s->tenant = ti;
            s->first_ts = s->last_ts = ts;
            s->severity = sev;
        } else {
            if (ts < s->first_ts)
                s->first_ts = ts;
            if (ts > s->last_ts)
                s->last_ts = ts;
            if (sev > s->severity)
                s->severity = sev;
        }
        if (h->replay || acted)
            continue;
        mm_rc rc;
        if (!ke->camp) {
            unsigned n = 0;
            for (unsigned i = 0; i < ke->n; i++)
                if (ke->s[i].last_ts >= ts - h->p.window_ms &&
                    ke->s[i].first_ts <= ts + h->p.window_ms &&
                    ke->s[i].last_ts > ke->closed_last)
                    n++;
            if (n < h->p.k)
                continue;
            unsigned idx;
            if ((rc = open_campaign(x, ke, ks->k[k], ts, &idx)) != MM_OK)
                return rc;
        } else {
            camp *c = &h->camps[ke->camp - 1];
            bool created;
            chit *hi = camp_hit(c, ti, &created);
            if (!hi)
                return mm_err_set(x->err, MM_ENOMEM, "<hub>", 0,
                                  "out of memory");
            if (created)
                hi->first_ts = hi->last_ts = ts;
            if (ts < hi->first_ts)
                hi->first_ts = ts;
            if (ts > hi->last_ts)
                hi->last_ts = ts;
            hi->count++;
            hi->dirty = true;
            c->dirty = true;
            if (ts < c->c.first_ts)
                c->c.first_ts = ts;
            if (ts > c->c.last_ts)
                c->c.last_ts = ts;
            if (sev > c->c.severity)
                c->c.severity = sev;
            if (created) {
                c->c.tenants = c->nhits;
                score(h, c);
                uint32_t fresh = ti;
                if ((rc = mm_hub__warn_new(x, c, &fresh, 1)) != MM_OK)
                    return rc;
            }
        }
        acted = *acted_io = true;
        camp *c = &h->camps[ke->camp - 1];
        const char *ip = ks->ip;
        if (ks->ip_ok) {
            const char *type = src->family == 4 ? "ipv4-addr" : "ipv6-addr";
            if ((rc = indicate(x, c, type, ip, "source")) != MM_OK)
                return rc;
        }
        if (ks->domain_ok &&
            (rc = indicate(x, c, "domain-name", domain, "domain")) != MM_OK)
            return rc;
    }
    return MM_OK;
}

static mm_rc correlate_one(ingest_ctx *x, unsigned ti, int64_t ts, int sev,
                           const mm_addr *src, const char *src_text,
                           const char *domain, const char *rule,
                           const char *path, uint64_t users)
{
    evkeys ks;
    event_keys(x->h, src, src_text, domain, rule, path, users, &ks);
    return correlate_keys(x, ti, ts, sev, src, domain, &ks, &(bool){false});
}

static mm_rc flush(ingest_ctx *x)
{
    mm_hub *h = x->h;
    mm_rc rc = MM_OK;
    for (unsigned i = 0; i < h->ncamps && rc == MM_OK; i++) {
        camp *c = &h->camps[i];
        if (!c->dirty)
            continue;
        score(h, c);
        if ((rc = check_ci_escalation(x, c)) != MM_OK)
            break;
        for (unsigned j = 0; j < c->nhits && rc == MM_OK; j++) {
            chit *hi = &c->hits[j];
            if (!hi->dirty)
                continue;
            mm_hit row;
            row.campaign = c->c.id;
            snprintf(row.tenant, sizeof row.tenant, "%s",
                     h->ten[hi->tenant].t.id);
            row.first_ts = hi->first_ts;
            row.last_ts = hi->last_ts;
            row.count = hi->count;
            rc = h->st->ops->hit_put(h->st, &row, x->err);
            hi->count = 0;
            hi->dirty = false;
        }
        if (rc == MM_OK)
            rc = h->st->ops->campaign_put(h->st, &c->c, x->err);
        c->dirty = false;
    }
    for (size_t i = 0; i < x->ndirty && rc == MM_OK; i++) {
        hind *d = x->dirty_ind[i];
        rc = h->st->ops->indicator_put(h->st, &d->i, x->err);
        if (rc == MM_OK) {
            d->written_last = d->i.last_seen;
            if (d->i.seq > h->cursor)
                h->cursor = d->i.seq;
            x->res->indicators++;
        }
    }
    return rc;
}

/* ---- build, rebuild, ingest
 * -------------------------------------------------- */

static mm_rc replay_row(const mm_event_row *r, void *ud)
{
    ingest_ctx *x = ud;
    int ti = mm_hub__tenant_idx(x->h, r->tenant);
    if (ti < 0)
        return MM_OK;
    return correlate_one(x, (unsigned)ti, r->ts_ms, r->severity, &r->src, NULL,
                         r->domain, r->rule_id, r->path, r->users_hash);
}

static mm_rc load_all(mm_hub *h, mm_err *err)
{
    mm_rc rc = mm_hub_reload(h, err);
    if (rc != MM_OK)
        return rc;
    if ((rc = mm_store_campaign_list(h->st, load_campaign, h, err)) != MM_OK)
        return rc;
    for (unsigned i = 0; i < h->ncamps && rc == MM_OK; i++) {
        /* load_hit appends to the last campaign: load in order */
        unsigned keep = h->ncamps;
        h->ncamps = i + 1;
        rc = mm_store_hit_list(h->st, h->camps[i].c.id, load_hit, h, err);
        h->ncamps = keep;
    }
    if (rc == MM_OK)
        rc = mm_store_indicator_list(h->st, 0, load_indicator, h, err);
    mm_store_stats ss;
    if (rc == MM_OK)
        rc = mm_store_stats_get(h->st, &ss, err);
    int64_t wall = (int64_t)time(NULL) * 1000;
    if (rc == MM_OK && ss.max_ts > wall + FUTURE_SKEW_MS)
        ss.max_ts = wall; /* stored before clamping existed: ignore */
    if (rc == MM_OK && ss.max_ts) {
        mm_hub_ingest_result res;
        ingest_ctx x = {h, 0, &res, err, NULL, 0, 0};
        h->replay = true;
        rc = h->st->ops->scan_events(h->st, ss.max_ts - h->p.window_ms,
                                     replay_row, &x, err);
        h->replay = false;
        free(x.dirty_ind);
    }
    if (rc == MM_ENOMEM)
        return mm_err_set(err, rc, "<hub>", 0, "out of memory");
    return rc;
}

static void clear_state(mm_hub *h)
{
    mm_hub__keys_free(&h->keys);
    for (unsigned i = 0; i < h->ncamps; i++)
        free(h->camps[i].hits);
    h->ncamps = 0;
    h->ndue = 0;
    mm_hub_smap_free(&h->inds, free);
    mm_hub_smap_free(&h->sioc, free);
    h->keys.seed = h->inds.seed = h->sioc.seed = h->tid.seed;
    h->cursor = 0;
    h->max_ts = 0;
}

mm_rc mm_hub_new(mm_store *st, const mm_hub_params *p, mm_hub **out,
                 mm_err *err)
{
    *out = NULL;
    mm_hub *h = calloc(1, sizeof *h);
    if (!h)
        return mm_err_set(err, MM_ENOMEM, "<hub>", 0, "out of memory");
    h->st = st;
    if (p)
        h->p = *p;
    else
        mm_hub_params_default(&h->p);
    if (h->p.k < 2)
        h->p.k = 2;
    if (h->p.part_n > MM_HUB_PARTS_MAX) {
        free(h);
        return mm_err_set(err, MM_EINVAL, "<hub>", 0, "at most %u partitions",
                          MM_HUB_PARTS_MAX);
    }
    uint64_t seed = mm_random_seed();
    h->tid.seed = h->thash.seed = h->keys.seed = h->inds.seed = h->sioc.seed =
        seed;
    mm_rc rc = MM_OK;
    for (size_t i = 0;
         i < sizeof builtin_allow / sizeof *builtin_allow && rc == MM_OK; i++)
        rc = mm_hub_allow_add(h, builtin_allow[i], err);
    if (rc == MM_OK)
        rc = load_all(h, err);
    if (rc != MM_OK) {
        mm_hub_free(h);
        return rc;
    }
    *out = h;
    return MM_OK;
}

/* Checks a job before any write: known tenant, observer.tenant its own. */
static mm_rc ingest_check(mm_hub *h, mm_hub_ingest_job *j, int *ti)
{
    const mm_hub_batch *b = j->batch;
    *ti = mm_hub__tenant_idx(h, j->tenant->id);
    if (*ti < 0)
        return mm_err_set(&j->err, MM_ENOTFOUND, "<hub>", 0,
                          "unknown tenant '%s'", j->tenant->id);
    for (size_t i = 0; i < b->n; i++)
        if (b->ev[i].observer_tenant[0] &&
            strcmp(b->ev[i].observer_tenant, j->tenant->id) != 0)
            return mm_err_set(&j->err, MM_EINVAL, "<body>", (unsigned)(i + 1),
                              "event %zu: observer.tenant '%s' is not the "
                              "authenticated tenant",
                              i + 1, b->ev[i].observer_tenant);
    return MM_OK;
}

/* Records in the store that this partition correlates job j's events
 * (fails unless this engine's session still owns the partition): *fresh
 * says which it has not correlated before. */
static mm_rc parts_claim(ingest_ctx *x, const mm_hub_ingest_job *j,
                         bool **fresh)
{
    mm_hub *h = x->h;
    const mm_hub_batch *b = j->batch;
    if (!h->st->ops->event_parts_claim)
        return mm_err_set(x->err, MM_EINVAL, "<hub>", 0,
                          "partitioned correlation needs a PostgreSQL store");
    *fresh = malloc((b->n ? b->n : 1) * sizeof **fresh);
    if (!*fresh)
        return mm_err_set(x->err, MM_ENOMEM, "<hub>", 0, "out of memory");
    /* one partition may own keys 0-1 and 3 of an event: one claim per
     * (partition, hop start) */
    return h->st->ops->event_parts_claim(
        h->st, j->tenant->id, b->ev, b->n,
        h->part_now - 1 + MM_HUB_PARTS_MAX * j->hop_start, *fresh, x->err);
}

/* Stores a checked job's events; dups[i] tells which were there already. */
static mm_rc store_batch(ingest_ctx *x, mm_hub_ingest_job *j, bool *dups)
{
    mm_hub *h = x->h;
    const mm_hub_batch *b = j->batch;
    if (h->st->ops->put_events)
        return h->st->ops->put_events(h->st, j->tenant->id, b->ev, b->n,
                                      x->now, x->now + FUTURE_SKEW_MS, dups,
                                      x->err);
    for (size_t i = 0; i < b->n; i++) {
        mm_hub_event e = b->ev[i];
        if (e.ts_ms > x->now + FUTURE_SKEW_MS)
            e.ts_ms = x->now;
        mm_rc rc = mm_store_put_event(h->st, j->tenant->id, &e, x->now,
                                      &dups[i], x->err);
        if (rc != MM_OK)
            return rc;
    }
    return MM_OK;
}

/* Stores one checked job's events and correlates them (inside the open
 * transaction). */
static mm_rc ingest_one(ingest_ctx *x, unsigned ti, mm_hub_ingest_job *j)
{
    mm_hub *h = x->h;
    const mm_hub_batch *b = j->batch;
    int64_t now_ms = x->now;
    mm_hub_ingest_result *res = &j->res;
    mm_rc rc = MM_OK;
    x->res = res;
    enum { AHEAD = 4 };
    evkeys ring[AHEAD + 1]; /* 9 KB: no allocation per batch */
    h->part_now = h->p.part_n > 1 ? j->bus_part : 0;
    for (size_t i = 0; i < AHEAD && i < b->n; i++)
        keys_ahead(h, &b->ev[i], &ring[i % (AHEAD + 1)]);
    /* a store that takes the batch whole (PostgreSQL: one COPY) */
    bool *dups = NULL;
    /* a hop's events were stored by the partition of their first key */
    bool hop = j->hop_start > 0;
    if (h->st->ops->put_events && !hop) {
        dups = malloc((b->n ? b->n : 1) * sizeof *dups);
        rc = !dups ? mm_err_set(x->err, MM_ENOMEM, "<hub>", 0, "out of memory")
                   : store_batch(x, j, dups);
    }
    /* a partitioned bus batch: the events this partition has not
     * correlated yet, whoever stored them first */
    bool *fresh = NULL;
    if (rc == MM_OK && h->part_now)
        rc = parts_claim(x, j, &fresh);
    if (rc == MM_OK && h->part_now &&
        !(j->fwd = calloc(b->n ? b->n : 1, sizeof *j->fwd)))
        rc = mm_err_set(x->err, MM_ENOMEM, "<hub>", 0, "out of memory");
    for (size_t i = 0; i < b->n && rc == MM_OK; i++) {
        const mm_hub_event *e = &b->ev[i];
        if (i + AHEAD < b->n)
            keys_ahead(h, &b->ev[i + AHEAD], &ring[(i + AHEAD) % (AHEAD + 1)]);
        mm_hub_event clamped;
        if (e->ts_ms > now_ms + FUTURE_SKEW_MS) {
            /* a clock far ahead (or a hostile tenant) must not move the
             * correlation window for everyone: store and correlate it at
             * the hub's time; the raw JSON keeps what was sent */
            clamped = *e;
            clamped.ts_ms = now_ms;
            e = &clamped;
        }
        bool dup = hop || (dups && dups[i]);
        if (!dups && !hop)
            rc = mm_store_put_event(h->st, j->tenant->id, e, now_ms, &dup,
                                    x->err);
        if (rc != MM_OK)
            break;
        if (dup) {
            res->duplicates += !hop;
            if (!fresh || !fresh[i])
                continue;
        } else {
            res->accepted++;
            rc = mm_hub__outbox_alert(h->st, j->tenant->id, e, now_ms, x->err);
            if (rc != MM_OK)
                break;
        }
        if (h->st->ops->ingest_only || (fresh && !fresh[i]))
            continue; /* queued for the correlators */
        evkeys *ks = &ring[i % (AHEAD + 1)];
        bool acted = false;
        if (j->fwd) { /* the hop chain: this partition's run of keys */
            char run[MM_HUB_EVENT_KEYS + 1];
            if (!mm_hub__hop_plan(h->p.part_n, h->part_now - 1, j, e, run,
                                  &j->fwd[i]))
                continue; /* not its first key's partition: an old front
                             end's copy, the chain brings it */
            keys_only(ks, run);
            acted = j->hop_acted;
        }
        rc = correlate_keys(x, ti, e->ts_ms, e->severity, &e->src, e->domain,
                            ks, &acted);
        if (j->fwd && j->fwd[i].part != MM_HUB_PARTS_MAX) {
            j->fwd[i].on = true;
            j->fwd[i].hop.acted = acted;
        }
    }
    free(dups);
    free(fresh);
    h->part_now = 0;
    return rc;
}

/* Correlates a stored job's fresh events in order (with their alerts'
 * outbox messages, as ingest_one does); the keys of the first ones were
 * resolved by the prekeys thread, from event number `first` of the group. */
static mm_rc correlate_batch(ingest_ctx *x, unsigned ti, mm_hub_ingest_job *j,
                             const bool *dups, size_t first)
{
    enum { AHEAD = 4 }; /* events whose entries are fetched ahead */
    mm_hub *h = x->h;
    const mm_hub_batch *b = j->batch;
    x->res = &j->res;
    evkeys own;
    for (size_t i = 0; i < b->n; i++) {
        /* the entries were last touched on the other core */
        const evkeys *next = mm_hub__prekeys_get(h, first + i + AHEAD);
        for (unsigned k = 0; next && k < next->n; k++)
            __builtin_prefetch(next->ke[k]);
        if (dups[i]) {
            j->res.duplicates++;
            continue;
        }
        j->res.accepted++;
        const mm_hub_event *e = &b->ev[i];
        mm_hub_event clamped;
        if (e->ts_ms > x->now + FUTURE_SKEW_MS) { /* as stored: ingest_one */
            clamped = *e;
            clamped.ts_ms = x->now;
            e = &clamped;
        }
        mm_rc rc =
            mm_hub__outbox_alert(h->st, j->tenant->id, e, x->now, x->err);
        evkeys *ks = mm_hub__prekeys_get(h, first + i);
        if (!ks) {
            mm_hub__event_keys(h, e, &own);
            ks = &own;
        }
        bool acted = false;
        if (rc == MM_OK)
            rc = correlate_keys(x, ti, e->ts_ms, e->severity, &e->src,
                                e->domain, ks, &acted);
        if (rc != MM_OK)
            return rc;
    }
    return MM_OK;
}

/* The group with its keys resolved on the prekeys thread: every batch is
 * stored first while that thread works, then each one's fresh events are
 * correlated in order. The store ends with the same rows and memory with
 * the same state as ingest_one batch after batch would leave: correlation
 * reads nothing from the events table. */
static mm_rc ingest_prekeyed(ingest_ctx *x, mm_hub_ingest_job *jobs, size_t n,
                             const int *tis)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        if (jobs[i].rc == MM_OK)
            total += jobs[i].batch->n;
    bool *dups = malloc((total ? total : 1) * sizeof *dups);
    mm_rc rc =
        dups ? MM_OK
             : mm_err_set(x->err, MM_ENOMEM, "<hub>", 0, "out of memory");
    size_t off = 0;
    for (size_t i = 0; i < n && rc == MM_OK; i++)
        if (jobs[i].rc == MM_OK) {
            rc = store_batch(x, &jobs[i], dups + off);
            off += jobs[i].batch->n;
        }
    /* always waited for: the thread must be out of the index before it is
     * used or rebuilt */
    if (mm_hub__prekeys_wait(x->h) != MM_OK && rc == MM_OK)
        rc = mm_err_set(x->err, MM_ENOMEM, "<hub>", 0, "out of memory");
    off = 0;
    for (size_t i = 0; i < n && rc == MM_OK; i++)
        if (jobs[i].rc == MM_OK) {
            rc = correlate_batch(x, (unsigned)tis[i], &jobs[i], dups + off,
                                 off);
            off += jobs[i].batch->n;
        }
    free(dups);
    return rc;
}

mm_rc mm_hub_ingest_group(mm_hub *h, mm_hub_ingest_job *jobs, size_t n,
                          int64_t now_ms, mm_err *err)
{
    int *tis = malloc((n ? n : 1) * sizeof *tis);
    if (!tis) {
        /* every job fails too: callers read each job's rc, not ours */
        for (size_t i = 0; i < n; i++) {
            memset(&jobs[i].res, 0, sizeof jobs[i].res);
            jobs[i].rc = mm_err_set(&jobs[i].err, MM_ENOMEM, "<hub>", 0,
                                    "out of memory");
        }
        return mm_err_set(err, MM_ENOMEM, "<hub>", 0, "out of memory");
    }
    /* the last rebuild failed (a PostgreSQL restart): memory is not the
     * store's until it succeeds, so nothing is ingested before */
    mm_rc lrc = MM_OK;
    mm_err lerr;
    if (h->stale) {
        clear_state(h);
        lrc = load_all(h, &lerr);
        h->stale = lrc != MM_OK;
        if (lrc != MM_OK && err)
            *err = lerr;
    }
    size_t live = 0;
    for (size_t i = 0; i < n; i++) {
        jobs[i].fwd = NULL; /* set by ingest_one for a partitioned batch */
        if (lrc != MM_OK) {
            memset(&jobs[i].res, 0, sizeof jobs[i].res);
            jobs[i].rc = lrc;
            jobs[i].err = lerr;
            continue;
        }
        memset(&jobs[i].res, 0, sizeof jobs[i].res);
        memset(&jobs[i].err, 0, sizeof jobs[i].err);
        jobs[i].rc = ingest_check(h, &jobs[i], &tis[i]);
        if (jobs[i].rc == MM_OK)
            live++;
    }
    if (live == 0) {
        free(tis);
        return lrc;
    }
    mm_rc rc = mm_store_begin(h->st, err);
    mm_hub_ingest_result scratch;
    ingest_ctx x = {h, now_ms, &scratch, err, NULL, 0, 0};
    mm_hub_ingest_job *last = NULL;
    /* campaigns due since the last rebuild (the replay writes nothing) */
    if (rc == MM_OK && !h->st->ops->ingest_only)
        rc = mm_hub__close_due(&x);
    if (rc == MM_OK && mm_hub__prekeys_start(h, jobs, n)) {
        rc = ingest_prekeyed(&x, jobs, n, tis);
        for (size_t i = 0; i < n; i++)
            if (jobs[i].rc == MM_OK)
                last = &jobs[i];
    } else {
        for (size_t i = 0; i < n && rc == MM_OK; i++) {
            if (jobs[i].rc != MM_OK)
                continue;
            rc = ingest_one(&x, (unsigned)tis[i], &jobs[i]);
            last = &jobs[i];
        }
    }
    /* indicators written by the flush count for the group's last batch */
    if (rc == MM_OK && last)
        x.res = &last->res;
    if (rc == MM_OK)
        rc = flush(&x);
    /* the hop chain's forwards: published before the commit, so a crash
     * between leaves the input unacked and its forwards duplicates */
    if (rc == MM_OK && h->precommit)
        rc = h->precommit(h->precommit_ud, jobs, n, err);
    rc = mm_store_end(h->st, rc, err);
    free(x.dirty_ind);
    if (rc != MM_OK) {
        /* nothing of the group is stored: every batch in it fails */
        for (size_t i = 0; i < n; i++)
            if (jobs[i].rc == MM_OK) {
                jobs[i].rc = rc;
                jobs[i].err = *err;
                memset(&jobs[i].res, 0, sizeof jobs[i].res);
            }
        /* memory may be ahead of the store: rebuild from what is durable */
        mm_err e2;
        clear_state(h);
        h->stale = load_all(h, &e2) != MM_OK;
    }
    free(tis);
    return rc;
}

void mm_hub_set_precommit(mm_hub *h, mm_hub_precommit_fn fn, void *ud)
{
    h->precommit = fn;
    h->precommit_ud = ud;
}

mm_rc mm_hub_ingest(mm_hub *h, const mm_tenant *t, const mm_hub_batch *b,
                    int64_t now_ms, mm_hub_ingest_result *res, mm_err *err)
{
    mm_hub_ingest_job j;
    memset(&j, 0, sizeof j);
    j.tenant = t;
    j.batch = b;
    mm_hub_ingest_group(h, &j, 1, now_ms, err);
    *res = j.res;
    if (j.rc != MM_OK && err)
        *err = j.err;
    return j.rc;
}

mm_rc mm_hub_expire(mm_hub *h, int64_t now_ms, unsigned *n, mm_err *err)
{
    *n = 0;
    bool any = false;
    for (size_t i = 0; i < h->inds.cap; i++) {
        hind *d = h->inds.e[i].key ? h->inds.e[i].val : NULL;
        if (d && !d->i.removed && d->i.valid_until <= now_ms) {
            any = true;
            break;
        }
    }
    /* drop correlation keys without a campaign that fell out of the window;
     * the sweep reads the whole table, so at most once a minute */
    if (h->keys.n > 0 && now_ms - h->last_compact_ms >= 60000) {
        h->last_compact_ms = now_ms;
        mm_hub__keys_compact(h);
    }
    if (!any)
        return MM_OK;
    mm_rc rc = mm_store_begin(h->st, err);
    if (rc != MM_OK)
        return rc;
    for (size_t i = 0; i < h->inds.cap && rc == MM_OK; i++) {
        hind *d = h->inds.e[i].key ? h->inds.e[i].val : NULL;
        if (!d || d->i.removed || d->i.valid_until > now_ms)
            continue;
        d->i.removed = true;
        rc = h->st->ops->indicator_put(h->st, &d->i, err);
        if (rc == MM_OK) {
            if (d->i.seq > h->cursor)
                h->cursor = d->i.seq;
            (*n)++;
        }
    }
    if (rc == MM_OK)
        return mm_store_commit(h->st, err);
    mm_store_rollback(h->st);
    clear_state(h);
    mm_err e2;
    load_all(h, &e2);
    return rc;
}

int64_t mm_hub_cursor(const mm_hub *h)
{
    return h->cursor;
}

size_t mm_hub_keys(const mm_hub *h)
{
    return h->keys.n;
}

uint64_t mm_hub_keys_skipped(const mm_hub *h)
{
    return h->keys_skipped;
}

unsigned mm_hub_confidence(const mm_indicator *i, int64_t now_ms)
{
    if (i->removed || now_ms >= i->valid_until)
        return 0;
    double ttl = (double)(i->valid_until - i->last_seen);
    double age = (double)(now_ms - i->last_seen);
    if (ttl <= 0)
        return 0;
    if (age < 0)
        age = 0;
    double f = age / ttl;
    double c = (double)i->confidence * (1.0 - f * f);
    return c < 0 ? 0u : (unsigned)(c + 0.5);
}

/* For feed.c (same module): the engine's store. */
mm_store *mm_hub__store(mm_hub *h)
{
    return h->st;
}

/* For blocklist.c: indicators written by another process (`mamori hub feed
 * retract`) since our cursor, applied to the in-memory index. */
mm_rc mm_hub__sync_indicators(mm_hub *h, mm_err *err)
{
    return mm_store_indicator_list(h->st, h->cursor, load_indicator, h, err);
}

/* For blocklist.c: inside a member's own ranges. */
bool mm_hub__member_range(const mm_hub *h, const mm_addr *a)
{
    return tenant_range(h, a);
}
