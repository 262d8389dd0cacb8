/* SPDX-License-Identifier: Apache-2.0 */
/* detector.c — runs a compiled ruleset over events: counting rules through
 * the window table (a key's first event through a shared first-sighting
 * record, promoted to windows on its second), signatures through one
 * Hyperscan scan per field,
 * indicators through the IP and domain sets; aggregates hits into one
 * alert per (rule, key) per suppression period. */
#include "detect-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPIRE_PER_FEED 1u    /* windows (and records) examined per event */
#define EXPIRE_PER_CALL 4096u /* windows examined per mm_detector_expire */
#define EVICT_SAMPLES 16u     /* windows sampled to find an old one */
#define ALERT_ID_SEED 0x616c657274696473ull
#define PIPELINE 8u                  /* counting rules looked up in stages */
#define FS_TAG 0x6669727374736565ull /* first-sighting key = mix(key, tag) */
#define FS_NEW_MAX 8u /* first sightings recorded by one event */

/* An open alert, kept compact (the 2 KB mm_alert is built only to report
 * it): texts are one malloc'd block "key\0indicator\0" and one per sample. */
typedef struct alert_rec {
    uint64_t count, distinct;
    uint64_t emitted_count; /* count when last reported, 0 = never */
    uint64_t win_key;       /* the window holding it */
    uint64_t id;
    int64_t first_ms, last_ms;
    int64_t close_ms; /* log time when the suppression period ends */
    mm_addr src, dst;
    uint16_t win_rule;
    uint8_t n_samples;
    uint8_t dataset;
    bool used;
    char *text; /* key '\0' indicator '\0' */
    char *samples[MM_ALERT_SAMPLES];
} alert_rec;

/* A grouping key of one event, hashed once and formatted on demand. */
typedef struct keyval {
    mm_field field;
    uint8_t plen;
    mm_addr addr;     /* masked address */
    mm_span text;     /* user.name, or a matched domain */
    const char *cstr; /* explicit text (ioc) */
    uint64_t h;
    uint64_t fkey; /* first-sighting key, 0 = not computed yet */
    uint8_t fs;    /* FS_*: first-sighting state for this event */
} keyval;

/* keyval.fs: whether this event is held by a first-sighting record. */
enum { FS_UNKNOWN = 0, FS_HELD, FS_DONE };

struct mm_detector {
    const mm_ruleset *rs;
    mm_detector_opts opts;
    uint64_t seed;
    uint64_t rng;
    mm_wintab wt;
    mm_fstab fs;                    /* first sightings (firstseen.c) */
    uint32_t fs_life[MM_ACT_COUNT]; /* seconds a record of an action lives */
    uint64_t fs_new[FS_NEW_MAX];    /* records made by the current event */
    unsigned n_fs_new;
    alert_rec *alerts;
    size_t n_alerts, cap_alerts;
    uint32_t *alert_free;
    size_t n_alert_free;
    size_t open_alerts;
    hs_scratch_t *scratch;
    uint8_t *hit;   /* per rule: matched by the current scan */
    uint16_t *hits; /* rules matched, in order */
    unsigned n_hits;
    uint32_t scan_field;
    bool scan_matched; /* the current scan matched a rule of its field */
    char url[MM_URL_SCAN_MAX + 1];
    char dec[MM_URL_SCAN_MAX + 1];
    uint64_t *clean; /* per field: hashes of values that matched nothing */
    /* Keys of the current event. The pipeline in mm_detector_feed keeps
     * pointers to at most PIPELINE of them; a key first asked for after
     * that is used at once, so further keys share the last slot. */
    keyval kcache[PIPELINE + 1];
    unsigned n_kcache;
    mm_detector_stats st;
};

/* ---- helpers -------------------------------------------------------------
 */

static uint64_t mix(uint64_t a, uint64_t b)
{
    __uint128_t r =
        (__uint128_t)(a ^ 0xa0761d6478bd642full) * (b ^ 0xe7037ed1a0b428dbull);
    uint64_t v = (uint64_t)(r >> 64) ^ (uint64_t)r;
    return v ? v : 1;
}

static uint64_t rng_next(mm_detector *d)
{
    d->rng ^= d->rng << 13;
    d->rng ^= d->rng >> 7;
    d->rng ^= d->rng << 17;
    return d->rng;
}

static uint32_t sec_of(int64_t ms)
{
    if (ms <= 0)
        return 0;
    int64_t s = ms / 1000;
    return s > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

static bool in_ranges(const mm_range *r, unsigned n, uint32_t v)
{
    for (unsigned i = 0; i < n; i++)
        if (v >= r[i].lo && v <= r[i].hi)
            return true;
    return false;
}

static bool bit_ok(uint64_t mask, unsigned v)
{
    return !mask || (v < 64 && (mask >> v & 1u));
}

static bool filter_ok(const mm_filter *f, const mm_event *ev)
{
    return bit_ok(f->datasets, ev->dataset) &&
           bit_ok(f->categories, ev->category) &&
           bit_ok(f->actions, ev->action) &&
           bit_ok(f->outcomes, ev->outcome) &&
           bit_ok(f->services, ev->service) &&
           (!f->n_status || in_ranges(f->status, f->n_status, ev->status)) &&
           (!f->n_port || in_ranges(f->port, f->n_port, ev->dst_port));
}

/* filter_ok on the event a first-sighting record stands for. */
static bool filter_first(const mm_filter *f, const mm_first *r)
{
    return bit_ok(f->datasets, r->dataset) &&
           bit_ok(f->categories, r->category) &&
           bit_ok(f->actions, r->action) &&
           bit_ok(f->outcomes, r->outcome_service & 15u) &&
           bit_ok(f->services, r->outcome_service >> 4) &&
           (!f->n_status || in_ranges(f->status, f->n_status, r->status)) &&
           (!f->n_port || in_ranges(f->port, f->n_port, r->port));
}

/* Hash of a distinct rule's value (0 = the event lacks it). */
static uint32_t value_hash(const mm_detector *d, mm_field f, mm_span user,
                           uint16_t port, const mm_addr *dst)
{
    mm_span val = {0};
    char buf[8];
    if (f == MM_F_USER) {
        val = user;
    } else if (f == MM_F_DST_PORT && port) {
        int n = snprintf(buf, sizeof buf, "%u", port);
        val = mm_span_make(buf, (size_t)n);
    } else if (f == MM_F_DST_IP && dst && dst->family) {
        val = mm_span_make((const char *)dst->bytes, 16);
    }
    if (!val.len || !val.p)
        return 0;
    uint32_t h = (uint32_t)mm_hash64(val.p, val.len, d->seed);
    return h ? h : 1;
}

/* Rules whose window a key's first event need not open: one event cannot
 * raise them, and a first-sighting record holds all they need of it. */
static bool deferrable(const mm_rule *r)
{
    switch (r->kind) {
    case MM_KIND_THRESHOLD: return r->count >= 2;
    case MM_KIND_DISTINCT:
        return r->count >= 2 &&
               (r->distinct == MM_F_USER || r->distinct == MM_F_DST_PORT);
    case MM_KIND_SEQUENCE: return true;
    default: return false;
    }
}

static void mask_addr(mm_addr *a, unsigned plen)
{
    unsigned bytes = a->family == 4 ? 4 : 16;
    for (unsigned i = 0; i < 16; i++) {
        if (i >= bytes) {
            a->bytes[i] = 0;
            continue;
        }
        unsigned lo = i * 8;
        if (plen >= lo + 8)
            continue;
        a->bytes[i] =
            plen <= lo ? 0
                       : (uint8_t)(a->bytes[i] & (0xffu << (8 - (plen - lo))));
    }
}

/* Key of rule `r` for event `ev`; false when the event lacks it. */
static keyval *key_of(mm_detector *d, const mm_rule *r, const mm_event *ev)
{
    const mm_addr *src = r->key == MM_F_DST_IP ? &ev->dst : &ev->src;
    uint8_t plen = 0;
    /* host.name keys, like user.name ones, are text */
    mm_span text = r->key == MM_F_HOST ? ev->host : ev->user;
    if (r->key == MM_F_USER || r->key == MM_F_HOST) {
        if (!text.len || !text.p)
            return NULL;
    } else {
        if (src->family != 4 && src->family != 6)
            return NULL;
        plen = src->family == 4 ? r->key_prefix4 : r->key_prefix6;
    }
    for (unsigned i = 0; i < d->n_kcache; i++)
        if (d->kcache[i].field == r->key && d->kcache[i].plen == plen)
            return &d->kcache[i];
    keyval *k =
        &d->kcache[d->n_kcache < PIPELINE + 1 ? d->n_kcache++ : PIPELINE];
    memset(k, 0, sizeof *k);
    k->field = r->key;
    k->plen = plen;
    if (r->key == MM_F_USER || r->key == MM_F_HOST) {
        k->text = text;
        k->h = mm_hash64(
            text.p, text.len,
            d->seed ^ (r->key == MM_F_USER ? 0x75736572ull : 0x686f7374ull));
    } else {
        k->addr = *src;
        mask_addr(&k->addr, plen);
        uint8_t b[18];
        b[0] = k->addr.family;
        b[1] = plen;
        memcpy(b + 2, k->addr.bytes, 16);
        k->h = mm_hash64(b, sizeof b, d->seed);
    }
    return k;
}

static void key_text(const keyval *k, char *out, size_t outlen)
{
    if (k->cstr) {
        snprintf(out, outlen, "%s", k->cstr);
    } else if (k->field == MM_F_USER || k->text.len) {
        mm_span_copy(k->text, out, outlen);
    } else {
        char a[64];
        mm_addr_format(&k->addr, a, sizeof a);
        unsigned full = k->addr.family == 4 ? 32 : 128;
        if (k->plen && k->plen < full)
            snprintf(out, outlen, "%s/%u", a, k->plen);
        else
            snprintf(out, outlen, "%s", a);
    }
}

/* ---- alerts ----------------------------------------------------------------
 */

static alert_rec *rec_of(mm_detector *d, const mm_win *e)
{
    return e->alert ? &d->alerts[e->alert - 1] : NULL;
}

static void add_sample(alert_rec *ar, const char *line, size_t len)
{
    if (!line || ar->n_samples >= MM_ALERT_SAMPLES)
        return;
    size_t n = len < MM_ALERT_SAMPLE_MAX - 1 ? len : MM_ALERT_SAMPLE_MAX - 1;
    char *c = malloc(n + 1);
    if (!c)
        return;
    memcpy(c, line, n);
    c[n] = '\0';
    ar->samples[ar->n_samples++] = c;
}

static uint64_t alert_id(const char *rule_id, const char *key, int64_t first)
{
    char buf[400];
    int n = snprintf(buf, sizeof buf, "%s%c%s%c%lld", rule_id, 0, key, 0,
                     (long long)first);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof buf)
        n = (int)sizeof buf - 1;
    return mm_hash64(buf, (size_t)n, ALERT_ID_SEED);
}

/* Builds the public alert of record `ar` (rule `ri`) into *a. */
static void fill_alert(const mm_detector *d, const alert_rec *ar, mm_alert *a)
{
    const mm_rule *r = &d->rs->rules[ar->win_rule];
    memset(a, 0, offsetof(mm_alert, samples));
    a->rule_id = r->id;
    a->title_ja = r->title_ja;
    a->title_en = r->title_en;
    a->advice_ja = r->advice_ja;
    a->advice_en = r->advice_en;
    a->severity = r->severity;
    a->category = r->category;
    a->techniques = r->techniques;
    a->vulnerabilities = r->vulnerabilities;
    a->dataset = (mm_dataset)ar->dataset;
    snprintf(a->key, sizeof a->key, "%s", ar->text);
    snprintf(a->indicator, sizeof a->indicator, "%s",
             ar->text + strlen(ar->text) + 1);
    a->src = ar->src;
    a->dst = ar->dst;
    a->count = ar->count;
    a->distinct = ar->distinct;
    a->first_ms = ar->first_ms;
    a->last_ms = ar->last_ms;
    a->id = ar->id;
    a->n_samples = ar->n_samples;
    for (unsigned i = 0; i < ar->n_samples; i++)
        snprintf(a->samples[i], MM_ALERT_SAMPLE_MAX, "%s", ar->samples[i]);
}

static void report(mm_detector *d, const alert_rec *ar, bool final,
                   mm_alert_fn cb, void *ud)
{
    mm_alert a;
    fill_alert(d, ar, &a);
    a.final = final;
    cb(&a, ud);
}

static void free_rec(mm_detector *d, alert_rec *ar, uint32_t idx)
{
    free(ar->text);
    for (unsigned i = 0; i < ar->n_samples; i++)
        free(ar->samples[i]);
    ar->text = NULL;
    ar->n_samples = 0;
    ar->used = false;
    d->alert_free[d->n_alert_free++] = idx;
    d->open_alerts--;
}

/* Reports the alert of window `e` as closed and frees its record. */
static void close_alert(mm_detector *d, mm_win *e, mm_alert_fn cb, void *ud)
{
    alert_rec *ar = rec_of(d, e);
    if (!ar)
        return;
    if (cb && (!d->opts.emit_on_open || ar->count > ar->emitted_count))
        report(d, ar, true, cb, ud);
    free_rec(d, ar, e->alert - 1);
    e->alert = 0;
    e->n = 0; /* counting starts afresh after a suppression period */
}

static void remove_win(mm_detector *d, mm_win *e, mm_alert_fn cb, void *ud)
{
    close_alert(d, e, cb, ud);
    mm_wintab_remove(&d->wt, e);
}

static alert_rec *alloc_rec(mm_detector *d, mm_alert_fn cb, void *ud)
{
    if (d->n_alert_free) {
        uint32_t i = d->alert_free[--d->n_alert_free];
        return &d->alerts[i];
    }
    if (d->n_alerts == d->cap_alerts) {
        if (d->cap_alerts >= MM_OPEN_ALERTS_MAX) {
            /* Full: close an early-closing sampled alert to make room. */
            alert_rec *best = NULL;
            for (unsigned s = 0; s < EVICT_SAMPLES; s++) {
                alert_rec *ar = &d->alerts[rng_next(d) % d->n_alerts];
                if (ar->used && (!best || ar->close_ms < best->close_ms))
                    best = ar;
            }
            if (!best)
                return NULL;
            mm_win *e = mm_wintab_find(&d->wt, best->win_key, best->win_rule);
            if (!e)
                return NULL;
            close_alert(d, e, cb, ud);
            return &d->alerts[d->alert_free[--d->n_alert_free]];
        }
        size_t nc = mm_grow_cap(d->cap_alerts, d->n_alerts + 1, 16);
        if (nc > MM_OPEN_ALERTS_MAX)
            nc = MM_OPEN_ALERTS_MAX;
        if (mm_resize(&d->alerts, nc, sizeof *d->alerts) != MM_OK ||
            mm_resize(&d->alert_free, nc, sizeof *d->alert_free) != MM_OK)
            return NULL;
        d->cap_alerts = nc;
    }
    /* zeroed: a caller that fails before filling it leaves used = false */
    alert_rec *ar = &d->alerts[d->n_alerts++];
    memset(ar, 0, sizeof *ar);
    return ar;
}

/* Opens an alert on window `e` (which may move if a record had to be
 * evicted, so it is found again by key). */
static void open_alert(mm_detector *d, uint64_t wkey, uint16_t ri,
                       const keyval *k, const mm_event *ev, const char *line,
                       size_t len, uint64_t count, uint64_t distinct,
                       int64_t first_ms, const char *indicator, mm_alert_fn cb,
                       void *ud)
{
    const mm_rule *r = &d->rs->rules[ri];
    alert_rec *ar = alloc_rec(d, cb, ud);
    mm_win *e = mm_wintab_find(&d->wt, wkey, ri);
    if (!ar)
        return;
    if (!e) {
        d->alert_free[d->n_alert_free++] = (uint32_t)(ar - d->alerts);
        return;
    }
    uint32_t idx = (uint32_t)(ar - d->alerts);
    char key[256];
    key_text(k, key, sizeof key);
    size_t kl = strlen(key), il = indicator ? strlen(indicator) : 0;
    char *text = malloc(kl + il + 2);
    if (!text) {
        d->alert_free[d->n_alert_free++] = idx;
        return;
    }
    memcpy(text, key, kl + 1);
    if (il)
        memcpy(text + kl + 1, indicator, il);
    text[kl + 1 + il] = '\0';
    memset(ar, 0, sizeof *ar);
    ar->used = true;
    ar->text = text;
    ar->win_key = wkey;
    ar->win_rule = ri;
    ar->dataset = (uint8_t)ev->dataset;
    ar->src = ev->src;
    ar->dst = ev->dst;
    ar->count = count;
    ar->distinct = distinct;
    ar->first_ms = first_ms < ev->ts_ms ? first_ms : ev->ts_ms;
    ar->last_ms = ev->ts_ms;
    ar->id = alert_id(r->id, key, ar->first_ms);
    add_sample(ar, line, len);
    ar->close_ms = ar->first_ms + (int64_t)r->suppress_s * 1000;
    if (ar->close_ms < ev->ts_ms + 1)
        ar->close_ms = ev->ts_ms + 1;
    e->alert = idx + 1;
    d->open_alerts++;
    d->st.alerts++;
    if (d->opts.emit_on_open && cb) {
        ar->emitted_count = ar->count;
        report(d, ar, false, cb, ud);
    }
}

/* ---- windows
 * ---------------------------------------------------------------- */

/* How many of a table's n entries eviction looks at: all of a small
 * table, EVICT_SAMPLES of a large one. */
static size_t samples(size_t n)
{
    return n <= EVICT_SAMPLES ? n : EVICT_SAMPLES;
}

/* The s-th entry looked at: each in turn, or a random one. */
static size_t sample_at(mm_detector *d, size_t n, size_t s)
{
    return n <= EVICT_SAMPLES ? s : rng_next(d) % n;
}

/* Drops the least recently touched of a sample of windows and first
 * sightings (both count towards max_keys). */
static void evict_one(mm_detector *d, mm_alert_fn cb, void *ud)
{
    mm_wintab *t = &d->wt;
    mm_fstab *f = &d->fs;
    mm_win *best = NULL;
    mm_first *fbest = NULL;
    for (size_t s = 0; s < samples(t->ix.n); s++) {
        mm_win *e = &t->ents[sample_at(d, t->ix.n, s)];
        if (!best || e->last_s < best->last_s)
            best = e;
    }
    for (size_t s = 0; s < samples(f->ix.n); s++) {
        mm_first *e = &f->ents[sample_at(d, f->ix.n, s)];
        if (!fbest || e->ts < fbest->ts)
            fbest = e;
    }
    if (fbest && (!best || fbest->ts <= best->last_s))
        mm_fstab_remove(f, fbest);
    else if (best)
        remove_win(d, best, cb, ud);
    else
        return;
    d->st.evicted++;
}

static bool at_cap(const mm_detector *d)
{
    return d->wt.ix.n + d->fs.ix.n >= d->wt.ix.max;
}

static mm_win *win_create(mm_detector *d, uint64_t wkey, uint16_t ri,
                          mm_alert_fn cb, void *ud)
{
    if (at_cap(d))
        evict_one(d, cb, ud);
    return mm_wintab_insert(&d->wt, wkey, ri);
}

static int64_t sdiff(uint32_t now, uint32_t t)
{
    int64_t v = (int64_t)now - (int64_t)t;
    return v < 0 ? -v : v;
}

/* Index of the slot to reuse when full: the oldest. */
static unsigned oldest_slot(const uint32_t *ts, unsigned n)
{
    unsigned o = 0;
    for (unsigned i = 1; i < n; i++)
        if (ts[i] < ts[o])
            o = i;
    return o;
}

/* Drops slots that left the window. */
static void prune(uint32_t *ts, uint32_t *v, mm_win *e, uint32_t now,
                  uint32_t window)
{
    unsigned w = 0;
    for (unsigned i = 0; i < e->n; i++) {
        if (sdiff(now, ts[i]) >= window && ts[i] <= now)
            continue;
        ts[w] = ts[i];
        v[w] = v[i];
        w++;
    }
    e->n = (uint8_t)w;
}

/* Adds `add` events at `now` (threshold, sequence); returns the number of
 * events inside the window, and the oldest slot's second. */
static uint64_t slots_count(mm_detector *d, mm_win *e, const mm_rule *r,
                            uint32_t now, uint32_t add, uint32_t *oldest)
{
    uint32_t *ts = mm_win_ts(&d->wt, e), *v = mm_win_v(&d->wt, e);
    prune(ts, v, e, now, r->window_s);
    uint32_t q = r->quantum_s > 1 ? now - now % r->quantum_s : now;
    if (add) {
        unsigned i;
        for (i = 0; i < e->n; i++)
            if (ts[i] == q)
                break;
        if (i < e->n) {
            v[i] = v[i] > UINT32_MAX - add ? UINT32_MAX : v[i] + add;
        } else {
            /* `need` slots suffice: each holds at least one event, so when
             * all of them are inside the window the count is reached. */
            unsigned need = r->count < MM_SLOTS_BIG ? r->count : MM_SLOTS_BIG;
            if (e->n >= mm_win_cap(e) && need > mm_win_cap(e) &&
                mm_win_grow(&d->wt, e)) {
                ts = mm_win_ts(&d->wt, e);
                v = mm_win_v(&d->wt, e);
            }
            unsigned cap = mm_win_cap(e) < need ? mm_win_cap(e) : need;
            if (e->n < cap)
                i = e->n++;
            else
                i = oldest_slot(ts, e->n);
            ts[i] = q;
            v[i] = add;
        }
    }
    uint64_t sum = 0;
    uint32_t old = now;
    for (unsigned i = 0; i < e->n; i++) {
        sum += v[i];
        if (ts[i] < old)
            old = ts[i];
    }
    if (oldest)
        *oldest = old;
    return sum;
}

/* Records value hash `val` at `now` (distinct); returns distinct count. */
static uint64_t slots_distinct(mm_detector *d, mm_win *e, const mm_rule *r,
                               uint32_t now, uint32_t val, uint32_t *oldest)
{
    uint32_t *ts = mm_win_ts(&d->wt, e), *v = mm_win_v(&d->wt, e);
    prune(ts, v, e, now, r->window_s);
    unsigned i;
    for (i = 0; i < e->n; i++)
        if (v[i] == val)
            break;
    if (i < e->n) {
        if (now > ts[i])
            ts[i] = now;
    } else {
        if (e->n >= mm_win_cap(e) && r->count > mm_win_cap(e) &&
            mm_win_grow(&d->wt, e)) {
            ts = mm_win_ts(&d->wt, e);
            v = mm_win_v(&d->wt, e);
        }
        if (e->n < mm_win_cap(e))
            i = e->n++;
        else
            i = oldest_slot(ts, e->n);
        ts[i] = now;
        v[i] = val;
    }
    uint32_t old = now;
    for (i = 0; i < e->n; i++)
        if (ts[i] < old)
            old = ts[i];
    if (oldest)
        *oldest = old;
    return e->n;
}

/* Adds an event to the open alert of `e`. */
static void aggregate(mm_detector *d, mm_win *e, const mm_event *ev,
                      const char *line, size_t len, uint64_t distinct)
{
    alert_rec *ar = rec_of(d, e);
    ar->count += ev->count ? ev->count : 1;
    if (distinct > ar->distinct)
        ar->distinct = distinct;
    if (ev->ts_ms > ar->last_ms)
        ar->last_ms = ev->ts_ms;
    add_sample(ar, line, len);
}

/* ---- first sightings -----------------------------------------------------
 */

/* Opens the windows the record's event would have opened for every
 * deferrable rule keyed like `k`, exactly as that event would have filled
 * them (the record was removed by the caller). Windows that exist already
 * hold the event; those that would have expired by `now` are left out. */
static void promote(mm_detector *d, const keyval *k, const mm_first *f,
                    uint32_t now, mm_alert_fn cb, void *ud)
{
    const mm_ruleset *rs = d->rs;
    unsigned svc = f->outcome_service >> 4;
    if (f->action >= MM_ACT_COUNT || svc >= MM_SVC_COUNT)
        return;
    const uint16_t *list = rs->by_action_svc[f->action][svc];
    unsigned n = rs->n_by_action_svc[f->action][svc];
    for (unsigned i = 0; i < n; i++) {
        uint16_t ri = list[i];
        const mm_rule *r = &rs->rules[ri];
        if (!deferrable(r) || r->key != k->field)
            continue;
        unsigned plen = r->key == MM_F_USER || r->key == MM_F_HOST ? 0
                        : k->addr.family == 4 ? r->key_prefix4
                                              : r->key_prefix6;
        if (plen != k->plen)
            continue;
        if (r->kind == MM_KIND_SEQUENCE && filter_first(&r->then, f))
            continue; /* it was this rule's `then` event */
        if (!filter_first(&r->match, f))
            continue;
        if ((uint64_t)f->ts + r->window_s + r->quantum_s <= now)
            continue;
        uint32_t h = 0;
        if (r->kind == MM_KIND_DISTINCT) {
            h = r->distinct == MM_F_USER
                    ? f->user_h
                    : value_hash(d, r->distinct, (mm_span){0}, f->port, NULL);
            if (!h)
                continue;
        }
        uint64_t wkey = mix(k->h, r->id_hash);
        if (mm_wintab_find(&d->wt, wkey, ri))
            continue;
        mm_win *e = win_create(d, wkey, ri, cb, ud);
        if (!e)
            continue;
        e->last_s = f->ts;
        if (r->kind == MM_KIND_DISTINCT)
            slots_distinct(d, e, r, f->ts, h, NULL);
        else
            slots_count(d, e, r, f->ts, 1, NULL);
    }
}

static uint64_t fkey_of(keyval *k)
{
    if (!k->fkey)
        k->fkey = mix(k->h, FS_TAG ^ (uint64_t)k->field);
    return k->fkey;
}

static bool made_now(const mm_detector *d, uint64_t fkey)
{
    for (unsigned i = 0; i < d->n_fs_new; i++)
        if (d->fs_new[i] == fkey)
            return true;
    return false;
}

/* Called when a deferrable rule finds no window for key `k`. True when the
 * event is held by a first-sighting record (made by this event: the rule
 * has nothing more to do). Otherwise an earlier record of the key has been
 * promoted to windows, or there is none, and the caller goes on. */
static bool first_sighting(mm_detector *d, keyval *k, const mm_event *ev,
                           uint32_t now, uint32_t add, bool is_then,
                           mm_alert_fn cb, void *ud)
{
    if (k->fs != FS_UNKNOWN)
        return k->fs == FS_HELD;
    uint64_t fkey = fkey_of(k);
    if (made_now(d, fkey)) {
        k->fs = FS_HELD;
        return true;
    }
    mm_first *f = mm_fstab_find(&d->fs, fkey);
    if (f) {
        mm_first rec = *f;
        mm_fstab_remove(&d->fs, f);
        k->fs = FS_DONE;
        promote(d, k, &rec, now, cb, ud);
        return false;
    }
    if (is_then)
        return false; /* no window to look at; other rules may record */
    k->fs = FS_DONE;
    if (add != 1 || d->n_fs_new == FS_NEW_MAX)
        return false;
    if (at_cap(d))
        evict_one(d, cb, ud);
    f = mm_fstab_insert(&d->fs, fkey);
    if (!f)
        return false;
    f->ts = now;
    f->user_h = value_hash(d, MM_F_USER, ev->user, 0, NULL);
    f->status = ev->status;
    f->port = ev->dst_port;
    f->dataset = (uint8_t)ev->dataset;
    f->category = (uint8_t)ev->category;
    f->action = (uint8_t)ev->action;
    f->outcome_service = (uint8_t)(((unsigned)ev->service << 4) |
                                   ((unsigned)ev->outcome & 15u));
    d->fs_new[d->n_fs_new++] = fkey;
    k->fs = FS_HELD;
    return true;
}

/* One counting hit of rule `ri` with key `k`. kind decides the logic. */
static void rule_hit(mm_detector *d, uint16_t ri, keyval *k,
                     const mm_event *ev, const char *line, size_t len,
                     bool is_then, const char *indicator, mm_alert_fn cb,
                     void *ud)
{
    const mm_rule *r = &d->rs->rules[ri];
    uint64_t wkey = mix(k->h, r->id_hash);
    uint32_t now = sec_of(ev->ts_ms);
    uint32_t add = ev->count ? ev->count : 1;
    mm_win *e = mm_wintab_find(&d->wt, wkey, ri);
    if (!e && deferrable(r)) {
        if (first_sighting(d, k, ev, now, add, is_then, cb, ud))
            return;
        e = mm_wintab_find(&d->wt, wkey, ri);
    }
    if (!e && !is_then)
        e = win_create(d, wkey, ri, cb, ud);
    if (!e)
        return;
    e->last_s = now > e->last_s ? now : e->last_s;
    alert_rec *ar = rec_of(d, e);
    if (ar && ev->ts_ms >= ar->close_ms) {
        close_alert(d, e, cb, ud);
        ar = NULL;
    }
    if (r->kind == MM_KIND_DISTINCT) {
        uint32_t h =
            value_hash(d, r->distinct, ev->user, ev->dst_port, &ev->dst);
        if (!h)
            return;
        uint32_t old;
        uint64_t n = slots_distinct(d, e, r, now, h, &old);
        if (ar)
            aggregate(d, e, ev, line, len, n);
        else if (n >= r->count)
            open_alert(d, wkey, ri, k, ev, line, len, add, n,
                       (int64_t)old * 1000, NULL, cb, ud);
        return;
    }
    if (r->kind == MM_KIND_SEQUENCE) {
        if (is_then) {
            uint32_t old;
            uint64_t n = slots_count(d, e, r, now, 0, &old);
            if (ar)
                aggregate(d, e, ev, line, len, 0);
            else if (n >= r->count)
                open_alert(d, wkey, ri, k, ev, line, len, n + add, 0,
                           (int64_t)old * 1000, NULL, cb, ud);
        } else if (!ar) {
            slots_count(d, e, r, now, add, NULL);
        }
        return;
    }
    /* threshold, signature, ioc */
    if (ar) {
        aggregate(d, e, ev, line, len, 0);
        return;
    }
    uint32_t old = now;
    uint64_t n = r->count <= 1 ? add : slots_count(d, e, r, now, add, &old);
    if (n >= r->count)
        open_alert(d, wkey, ri, k, ev, line, len, n, 0, (int64_t)old * 1000,
                   indicator, cb, ud);
}

/* ---- signatures and indicators -------------------------------------------
 */

static int on_match(unsigned id, unsigned long long from,
                    unsigned long long to, unsigned flags, void *ctx)
{
    (void)from, (void)to, (void)flags;
    mm_detector *d = ctx;
    uint16_t ri = d->rs->pattern_rule[id];
    if (!(d->rs->rules[ri].fields & d->scan_field))
        return 0;
    d->scan_matched = true;
    if (d->hit[ri])
        return 0;
    d->hit[ri] = 1;
    if (d->n_hits < MM_RULES_MAX)
        d->hits[d->n_hits++] = ri;
    return 0;
}

/* Web logs repeat the same URLs, user agents and referrers line after
 * line, and a Hyperscan call costs more than hashing a short string, so
 * each field remembers recent values that matched no signature (a
 * direct-mapped cache of seeded 64-bit hashes; the seed is random per
 * process, so nobody can craft a collision that hides an attack). */
#define SIG_CACHE_SLOTS 4096u

static void scan(mm_detector *d, mm_field f, const char *p, size_t n)
{
    if (!p || !n)
        return;
    const hs_database_t *db = d->rs->db_field[f];
    if (!db)
        return;
    uint64_t h = mm_hash64(p, n, d->seed) | 1u;
    uint64_t *slot =
        &d->clean[(size_t)f * SIG_CACHE_SLOTS + (h >> 32) % SIG_CACHE_SLOTS];
    if (*slot == h)
        return;
    d->scan_field = 1u << f;
    d->scan_matched = false;
    hs_scan(db, p, (unsigned)n, 0, d->scratch, on_match, d);
    if (!d->scan_matched)
        *slot = h;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Runs every signature over the event; fills d->hits. */
static void run_signatures(mm_detector *d, const mm_event *ev)
{
    d->n_hits = 0;
    if (!d->rs->n_patterns || (unsigned)ev->dataset >= MM_DS_COUNT)
        return;
    uint32_t fields = d->rs->sig_fields[ev->dataset];
    if (!fields)
        return;
    if ((fields & (1u << MM_F_URL)) && ev->path.len) {
        size_t n = 0;
        size_t pl =
            ev->path.len < MM_URL_SCAN_MAX ? ev->path.len : MM_URL_SCAN_MAX;
        memcpy(d->url, ev->path.p, pl);
        n = pl;
        if (ev->query.len && n < MM_URL_SCAN_MAX) {
            d->url[n++] = '?';
            size_t ql = ev->query.len < MM_URL_SCAN_MAX - n
                            ? ev->query.len
                            : MM_URL_SCAN_MAX - n;
            memcpy(d->url + n, ev->query.p, ql);
            n += ql;
        }
        scan(d, MM_F_URL, d->url, n);
        /* Percent-decode once ('+' as space) and scan again if it changed. */
        size_t m = 0;
        bool changed = false;
        for (size_t i = 0; i < n; i++) {
            char c = d->url[i];
            int h1, h2;
            if (c == '%' && i + 2 < n && (h1 = hexval(d->url[i + 1])) >= 0 &&
                (h2 = hexval(d->url[i + 2])) >= 0) {
                d->dec[m++] = (char)(h1 * 16 + h2);
                i += 2;
                changed = true;
            } else if (c == '+') {
                d->dec[m++] = ' ';
                changed = true;
            } else {
                d->dec[m++] = c;
            }
        }
        if (changed)
            scan(d, MM_F_URL, d->dec, m);
    }
    if (fields & (1u << MM_F_UA))
        scan(d, MM_F_UA, ev->user_agent.p, ev->user_agent.len);
    if (fields & (1u << MM_F_REFERRER))
        scan(d, MM_F_REFERRER, ev->referrer.p, ev->referrer.len);
    if (fields & (1u << MM_F_MESSAGE))
        scan(d, MM_F_MESSAGE, ev->message.p, ev->message.len);
    if (fields & (1u << MM_F_EXE))
        scan(d, MM_F_EXE, ev->executable.p, ev->executable.len);
    if (fields & (1u << MM_F_GROUP))
        scan(d, MM_F_GROUP, ev->group.p, ev->group.len);
    for (unsigned i = 0; i < d->n_hits; i++)
        d->hit[d->hits[i]] = 0;
}

typedef struct ioc_hit {
    mm_field field;
    keyval k;
    char indicator[256];
} ioc_hit;

/* A rule naming a set matches only it; the others never match the
 * state-backed list (its own rule, ioc.state, raises it as critical). */
static bool set_ok(const mm_ruleset *rs, const mm_rule *r, unsigned set)
{
    const char *name = rs->set_names[set];
    return r->ioc_set[0] ? strcmp(name, r->ioc_set) == 0
                         : strcmp(name, MM_IOC_STATE_SET) != 0;
}

/* Indicator matches of rule `r` on the event (at most 4: one per field). */
static unsigned run_ioc(const mm_detector *d, const mm_rule *r,
                        const mm_event *ev, ioc_hit *out)
{
    const mm_ruleset *rs = d->rs;
    unsigned n = 0;
    static const mm_field order[4] = {MM_F_SRC_IP, MM_F_DST_IP,
                                      MM_F_SRC_DOMAIN, MM_F_DST_DOMAIN};
    for (unsigned i = 0; i < 4; i++) {
        mm_field f = order[i];
        if (!(r->fields & (1u << f)))
            continue;
        ioc_hit *h = &out[n];
        memset(&h->k, 0, sizeof h->k);
        unsigned set = 0;
        if (f == MM_F_SRC_IP || f == MM_F_DST_IP) {
            const mm_addr *a = f == MM_F_SRC_IP ? &ev->src : &ev->dst;
            mm_addr net;
            unsigned plen;
            if (!a->family ||
                !mm_ipset_lookup(&rs->ioc_ip, a, &set, &net, &plen) ||
                !set_ok(rs, r, set))
                continue;
            char ns[64], as[64];
            mm_addr_format(&net, ns, sizeof ns);
            mm_addr_format(a, as, sizeof as);
            unsigned full = a->family == 4 ? 32 : 128;
            if (plen < full)
                snprintf(h->indicator, sizeof h->indicator, "%s/%u %.60s", ns,
                         plen, rs->set_names[set]);
            else
                snprintf(h->indicator, sizeof h->indicator, "%s %.60s", ns,
                         rs->set_names[set]);
            h->k.field = f;
            h->k.addr = *a;
            h->k.plen = 0;
            uint8_t b[18];
            b[0] = a->family;
            b[1] = 0xff;
            memcpy(b + 2, a->bytes, 16);
            h->k.h = mm_hash64(b, sizeof b, d->seed);
        } else {
            mm_span s = f == MM_F_SRC_DOMAIN ? ev->src_domain : ev->dst_domain;
            char m[256];
            if (!s.len || !s.p ||
                !mm_domainset_lookup(&rs->ioc_dom, s.p, s.len, &set, m,
                                     sizeof m) ||
                !set_ok(rs, r, set))
                continue;
            snprintf(h->indicator, sizeof h->indicator, "%.190s %.60s", m,
                     rs->set_names[set]);
            h->k.field = f;
            h->k.text = s;
            h->k.h = mm_hash64(s.p, s.len, d->seed ^ 0x646f6dull);
        }
        h->field = f;
        n++;
    }
    return n;
}

/* ---- public API
 * ------------------------------------------------------------- */

static mm_rc attach(mm_detector *d, const mm_ruleset *rs)
{
    if (!rs->compiled)
        return MM_EINVAL;
    unsigned nr = rs->n_rules ? rs->n_rules : 1;
    uint8_t *hit = calloc(nr, 1);
    uint16_t *hits = malloc(nr * sizeof *hits);
    if (!hit || !hits) {
        free(hit);
        free(hits);
        return MM_ENOMEM;
    }
    for (unsigned f = 0; f < MM_F_COUNT; f++)
        if (rs->db_field[f] &&
            hs_alloc_scratch(rs->db_field[f], &d->scratch) != HS_SUCCESS) {
            free(hit);
            free(hits);
            return MM_ENOMEM;
        }
    free(d->hit);
    free(d->hits);
    d->hit = hit;
    d->hits = hits;
    d->rs = rs;
    /* A first sighting lives as long as the longest window it can open. */
    for (unsigned a = 0; a < MM_ACT_COUNT; a++) {
        uint32_t life = 0;
        for (unsigned i = 0; i < rs->n_by_action[a]; i++) {
            const mm_rule *r = &rs->rules[rs->by_action[a][i]];
            if (deferrable(r) && r->window_s + r->quantum_s > life)
                life = r->window_s + r->quantum_s;
        }
        d->fs_life[a] = life;
    }
    /* Verdicts belong to the old signatures. */
    memset(d->clean, 0,
           (size_t)MM_F_COUNT * SIG_CACHE_SLOTS * sizeof *d->clean);
    return MM_OK;
}

mm_rc mm_detector_new(const mm_ruleset *rs, const mm_detector_opts *opts,
                      mm_detector **out)
{
    mm_detector *d = calloc(1, sizeof *d);
    if (!d)
        return MM_ENOMEM;
    if (opts)
        d->opts = *opts;
    if (!d->opts.max_keys)
        d->opts.max_keys = 2000000;
    if (d->opts.max_keys > UINT32_MAX - 1)
        d->opts.max_keys = UINT32_MAX - 1;
    d->seed = mm_random_seed();
    d->rng = d->seed | 1;
    d->clean = calloc((size_t)MM_F_COUNT * SIG_CACHE_SLOTS, sizeof *d->clean);
    mm_rc rc = d->clean ? mm_wintab_init(&d->wt, d->opts.max_keys) : MM_ENOMEM;
    if (rc == MM_OK)
        rc = mm_fstab_init(&d->fs, d->opts.max_keys);
    if (rc == MM_OK)
        rc = attach(d, rs);
    if (rc != MM_OK) {
        mm_detector_free(d);
        return rc;
    }
    *out = d;
    return MM_OK;
}

void mm_detector_free(mm_detector *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_alerts; i++)
        if (d->alerts[i].used) {
            free(d->alerts[i].text);
            for (unsigned j = 0; j < d->alerts[i].n_samples; j++)
                free(d->alerts[i].samples[j]);
        }
    mm_wintab_fini(&d->wt);
    mm_fstab_fini(&d->fs);
    free(d->alerts);
    free(d->alert_free);
    if (d->scratch)
        hs_free_scratch(d->scratch);
    free(d->hit);
    free(d->hits);
    free(d->clean);
    free(d);
}

mm_rc mm_detector_set_ruleset(mm_detector *d, const mm_ruleset *rs)
{
    const mm_ruleset *old = d->rs;
    mm_rc rc = attach(d, rs);
    if (rc != MM_OK)
        return rc;
    /* Map windows to the new rule numbers; drop those of vanished rules. */
    for (size_t i = d->wt.ix.n; i-- > 0;) {
        mm_win *e = &d->wt.ents[i];
        const mm_rule *orule = &old->rules[e->rule];
        int ni = mm_ruleset_find(rs, orule->id);
        if (ni < 0 || rs->rules[ni].kind != orule->kind) {
            alert_rec *ar = rec_of(d, e);
            if (ar) {
                free_rec(d, ar, e->alert - 1);
                e->alert = 0;
            }
            mm_wintab_remove(&d->wt, e);
            continue;
        }
        e->rule = (uint16_t)ni;
        alert_rec *ar = rec_of(d, e);
        if (ar)
            ar->win_rule = (uint16_t)ni;
    }
    return MM_OK;
}

static void expire_some(mm_detector *d, int64_t now_ms, uint32_t now,
                        size_t budget, mm_alert_fn cb, void *ud)
{
    mm_wintab *t = &d->wt;
    while (budget-- && t->ix.n) {
        if (t->cursor >= t->ix.n)
            t->cursor = 0;
        mm_win *e = &t->ents[t->cursor];
        const mm_rule *r = &d->rs->rules[e->rule];
        if (t->cursor + 1 < t->ix.n && t->ents[t->cursor + 1].alert)
            __builtin_prefetch(&d->alerts[t->ents[t->cursor + 1].alert - 1]);
        alert_rec *ar = rec_of(d, e);
        if (ar) {
            if (now_ms >= ar->close_ms)
                close_alert(d, e, cb, ud);
            t->cursor++;
            continue;
        }
        if ((uint64_t)e->last_s + r->window_s + r->quantum_s <= now) {
            mm_wintab_remove(t, e); /* the last entry moved here */
            continue;
        }
        t->cursor++;
    }
}

static void expire_first(mm_detector *d, uint32_t now, size_t budget)
{
    mm_fstab *t = &d->fs;
    while (budget-- && t->ix.n) {
        if (t->cursor >= t->ix.n)
            t->cursor = 0;
        mm_first *e = &t->ents[t->cursor];
        uint32_t life = e->action < MM_ACT_COUNT ? d->fs_life[e->action] : 0;
        if ((uint64_t)e->ts + life <= now) {
            mm_fstab_remove(t, e); /* the last record moved here */
            continue;
        }
        t->cursor++;
    }
}

void mm_detector_expire(mm_detector *d, int64_t now_ms, mm_alert_fn cb,
                        void *ud)
{
    uint32_t now = sec_of(now_ms);
    expire_some(d, now_ms, now, EXPIRE_PER_CALL, cb, ud);
    expire_first(d, now, EXPIRE_PER_CALL);
}

void mm_detector_flush(mm_detector *d, mm_alert_fn cb, void *ud)
{
    for (size_t i = 0; i < d->wt.ix.n; i++)
        if (d->wt.ents[i].alert)
            close_alert(d, &d->wt.ents[i], cb, ud);
}

void mm_detector_feed(mm_detector *d, const mm_event *ev, const char *line,
                      size_t len, mm_alert_fn cb, void *ud)
{
    const mm_ruleset *rs = d->rs;
    d->st.events++;
    if (rs->allow.n4 + rs->allow.n6 && ev->src.family &&
        mm_ipset_lookup(&rs->allow, &ev->src, NULL, NULL, NULL)) {
        d->st.suppressed++;
        return;
    }
    uint32_t now = sec_of(ev->ts_ms);
    expire_some(d, ev->ts_ms, now, EXPIRE_PER_FEED, cb, ud);
    expire_first(d, now, EXPIRE_PER_FEED);
    d->n_kcache = 0;
    d->n_fs_new = 0;
    /* Counting rules that can see this action. Their windows are random
     * memory: the lookups run in stages (index slot, entry, alert record),
     * prefetching each stage for every rule before using any, so the cache
     * misses overlap instead of queueing. */
    if ((unsigned)ev->action < MM_ACT_COUNT &&
        (unsigned)ev->service < MM_SVC_COUNT) {
        const uint16_t *list = rs->by_action_svc[ev->action][ev->service];
        unsigned n = rs->n_by_action_svc[ev->action][ev->service];
        struct {
            uint16_t ri;
            bool is_then;
            keyval *k;
            uint64_t wkey;
        } pending[PIPELINE];
        unsigned nt = 0;
        for (unsigned i = 0; i < n; i++) {
            const mm_rule *r = &rs->rules[list[i]];
            bool is_then =
                r->kind == MM_KIND_SEQUENCE && filter_ok(&r->then, ev);
            if (!is_then && !filter_ok(&r->match, ev))
                continue;
            keyval *k = key_of(d, r, ev);
            if (!k)
                continue;
            if (nt == PIPELINE) {
                rule_hit(d, list[i], k, ev, line, len, is_then, NULL, cb, ud);
                continue;
            }
            pending[nt].ri = list[i];
            pending[nt].is_then = is_then;
            pending[nt].k = k;
            pending[nt].wkey = mix(k->h, r->id_hash);
            mm_wintab_prefetch_slot(&d->wt, pending[nt].wkey);
            nt++;
        }
        for (unsigned i = 0; i < nt; i++)
            mm_wintab_prefetch_entry(&d->wt, pending[i].wkey);
        for (unsigned i = 0; i < nt; i++) {
            mm_win *e = mm_wintab_find(&d->wt, pending[i].wkey, pending[i].ri);
            if (e && e->alert)
                __builtin_prefetch(&d->alerts[e->alert - 1]);
            else if (!e && d->fs.ix.n && pending[i].k->fs == FS_UNKNOWN)
                mm_fstab_prefetch_slot(&d->fs, fkey_of(pending[i].k));
        }
        for (unsigned i = 0; i < nt; i++)
            rule_hit(d, pending[i].ri, pending[i].k, ev, line, len,
                     pending[i].is_then, NULL, cb, ud);
    }
    run_signatures(d, ev);
    for (unsigned i = 0; i < d->n_hits; i++) {
        uint16_t ri = d->hits[i];
        const mm_rule *r = &rs->rules[ri];
        if (!filter_ok(&r->match, ev))
            continue;
        keyval *k = key_of(d, r, ev);
        if (k)
            rule_hit(d, ri, k, ev, line, len, false, NULL, cb, ud);
    }
    if (rs->n_ioc_rules && (mm_ipset_count(&rs->ioc_ip) || rs->ioc_dom.n)) {
        for (unsigned i = 0; i < rs->n_ioc_rules; i++) {
            uint16_t ri = rs->ioc_rules[i];
            const mm_rule *r = &rs->rules[ri];
            if (!filter_ok(&r->match, ev))
                continue;
            ioc_hit hits[4];
            unsigned nh = run_ioc(d, r, ev, hits);
            for (unsigned j = 0; j < nh; j++)
                rule_hit(d, ri, &hits[j].k, ev, line, len, false,
                         hits[j].indicator, cb, ud);
        }
    }
}

void mm_detector_match_line(mm_detector *d, const mm_event *ev,
                            const char *line, size_t len, mm_line_hits *hits)
{
    (void)line, (void)len;
    const mm_ruleset *rs = d->rs;
    hits->n = 0;
    run_signatures(d, ev);
    for (unsigned i = 0; i < d->n_hits && hits->n < MM_LINE_HITS_MAX; i++) {
        const mm_rule *r = &rs->rules[d->hits[i]];
        if (filter_ok(&r->match, ev))
            hits->ids[hits->n++] = r->id;
    }
    for (unsigned i = 0; i < rs->n_ioc_rules && hits->n < MM_LINE_HITS_MAX;
         i++) {
        const mm_rule *r = &rs->rules[rs->ioc_rules[i]];
        ioc_hit ih[4];
        if (filter_ok(&r->match, ev) && run_ioc(d, r, ev, ih))
            hits->ids[hits->n++] = r->id;
    }
}

void mm_detector_get_stats(const mm_detector *d, mm_detector_stats *st)
{
    *st = d->st;
    st->windows = d->wt.ix.n;
    st->first_sightings = d->fs.ix.n;
    st->memory = mm_wintab_memory(&d->wt) + mm_fstab_memory(&d->fs) +
                 d->cap_alerts * (sizeof(alert_rec) + sizeof(uint32_t)) +
                 mm_ipset_memory(&d->rs->ioc_ip) +
                 mm_ipset_memory(&d->rs->allow) +
                 mm_domainset_memory(&d->rs->ioc_dom);
}
