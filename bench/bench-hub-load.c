/* SPDX-License-Identifier: Apache-2.0 */
/* bench-hub-load.c — load generator for the hub (see bench/bench-hub.sh,
 * bench/bench-hub-pg.sh).
 *
 *   bench-hub-load URL[,URL…] TOKEN_A TOKEN_B HUB_DB BASELINE_DB [EVENTS]
 *                  [--zstd] [--tag T] [--no-baseline] [--no-latency]
 *                  [--bus-latency] [--batch N]
 *
 * 1. Sustained ingest: per URL (one per front end) two threads, each with
 *    one keep-alive libcurl connection, one with tenant A's token, one
 *    with tenant B's, POST batches of 1000 events (bodies generated before
 *    the clock starts; each tenant's batches split evenly over the URLs).
 *    Reports events/s. --batch N (1..1000) sends N events per request
 *    instead: real sensors upload a few events at a time.
 * 2. Baseline in the same run: the same rows inserted straight into SQLite
 *    (same table and unique index, WAL, synchronous=FULL, one transaction
 *    per 1000 rows, prepared statement). Reports rows/s and the ratio.
 * 3. Ingest→warning latency: 200 times, tenant A reports a fresh attacker,
 *    then tenant B reports it; B's request opens the campaign and writes the
 *    warnings before it is acknowledged, so its round trip bounds the time
 *    from the k-th sighting's arrival to the durable warning. Reports p50
 *    and p99, and checks the warnings are really in the store (HUB_DB, a
 *    SQLite file; "-" skips the check).
 * --bus-latency replaces 1–3 for a hub whose front ends acknowledge at the
 * bus (`serve --bus`): the warning is written later by the correlator, so
 * after B's upload is acknowledged, A's inbox (GET /api/v1/inbox, read
 * from PostgreSQL by a front end) is polled every 0.5 ms until the warning
 * shows: p50/p99 of ack → warning durable and readable. A's upload, B's
 * upload and the polls go to three different front ends when there are.
 * --tag T prefixes every event id and seeds the addresses, so a second run
 * sends other batches (JetStream drops a batch it saw in the last 2 minutes
 * as a duplicate: same tenant, same bytes).
 * Output ends with a checksum of the generated rows (fixed seed per tag).
 */
#include <curl/curl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

#define BATCH_MAX 1000
#define URLS_MAX 16
#define NLAT 200

typedef struct body {
    char *p;
    size_t len;
} body;

typedef struct worker {
    const char *url, *token;
    body *bodies;
    size_t n;
    bool zstd;
    size_t ok, failed;
} worker;

typedef struct opts {
    char *urls[URLS_MAX];
    int nurl;
    const char *token_a, *token_b, *hub_db, *base_db, *tag;
    size_t total, batch;
    bool zstd, baseline, latency, bus_latency;
} opts;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

typedef struct reply {
    char buf[4096];
    size_t len;
} reply;

/* Keeps the first 4 KiB of a reply (the inbox's "next" is near its end
 * only when there are many warnings; a poll returns one or two). */
static size_t sink(char *p, size_t s, size_t n, void *ud)
{
    reply *r = ud;
    size_t k = s * n;
    if (r) {
        size_t room = sizeof r->buf - 1 - r->len;
        size_t c = k < room ? k : room;
        memcpy(r->buf + r->len, p, c);
        r->len += c;
        r->buf[r->len] = 0;
    }
    return k;
}

static CURL *easy(const char *url, const char *token, bool zstd,
                  struct curl_slist **hs)
{
    CURL *c = curl_easy_init();
    char auth[300];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    *hs = curl_slist_append(NULL, auth);
    *hs = curl_slist_append(*hs, "Content-Type: application/x-ndjson");
    *hs = curl_slist_append(*hs, "Expect:");
    if (zstd)
        *hs = curl_slist_append(*hs, "Content-Encoding: zstd");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, *hs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, NULL);
    curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
    return c;
}

static long post(CURL *c, const char *p, size_t len)
{
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, p);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    long code = 0;
    if (curl_easy_perform(c) != CURLE_OK)
        return 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

static void *run_worker(void *arg)
{
    worker *w = arg;
    struct curl_slist *hs;
    CURL *c = easy(w->url, w->token, w->zstd, &hs);
    for (size_t i = 0; i < w->n; i++) {
        if (post(c, w->bodies[i].p, w->bodies[i].len) == 200)
            w->ok++;
        else
            w->failed++;
    }
    curl_easy_cleanup(c);
    curl_slist_free_all(hs);
    return NULL;
}

typedef struct row {
    char id[48];
    char ip[16];
} row;

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static const char ts[] = "2026-11-22T00:00:00Z";

/* The batches: the first half tenant A's (45.x addresses), the second
 * tenant B's (47.x), so the load itself opens no campaign. */
static body *make_bodies(const opts *o, row *rows, size_t nb, size_t *raw,
                         uint64_t *sum)
{
    body *bodies = malloc(nb * sizeof *bodies);
    for (size_t b = 0; b < nb; b++) {
        char *p = malloc(o->batch * 256);
        size_t len = 0;
        for (size_t i = 0; i < o->batch; i++) {
            row *r = &rows[b * o->batch + i];
            uint32_t v = rnd();
            snprintf(r->id, sizeof r->id, "%s%sb%zu-%zu", o->tag,
                     *o->tag ? "-" : "", b, i);
            snprintf(r->ip, sizeof r->ip, "%u.%u.%u.%u",
                     b < nb / 2 ? 45u : 47u, (v >> 16) & 255, (v >> 8) & 255,
                     (v & 255) | 1);
            len += (size_t)snprintf(
                p + len, o->batch * 256 - len,
                "{\"@timestamp\":\"%s\",\"event\":{\"id\":\"%s\",\"kind\":"
                "\"alert\",\"severity\":\"medium\"},\"rule\":{\"id\":"
                "\"ssh.bruteforce\"},\"source\":{\"ip\":\"%s\"}}\n",
                ts, r->id, r->ip);
            *sum = *sum * 31 + v;
        }
        *raw += len;
        if (o->zstd) {
            size_t cap = ZSTD_compressBound(len);
            char *z = malloc(cap);
            size_t zl = ZSTD_compress(z, cap, p, len, 1);
            free(p);
            p = z;
            len = zl;
        }
        bodies[b].p = p;
        bodies[b].len = len;
    }
    return bodies;
}

/* 1: each tenant's batches split over the URLs, one connection per tenant
 * and URL. Returns the acknowledged events/s; *failed gets the failures. */
static double ingest(const opts *o, body *bodies, size_t nb, size_t raw,
                     size_t *failed)
{
    int nw = 2 * o->nurl;
    worker w[2 * URLS_MAX];
    pthread_t th[2 * URLS_MAX];
    size_t half[2] = {nb / 2, nb - nb / 2};
    body *first[2] = {bodies, bodies + nb / 2};
    for (int t = 0; t < 2; t++) {
        size_t at = 0;
        for (int u = 0; u < o->nurl; u++) {
            size_t n = half[t] / (size_t)o->nurl +
                       ((size_t)u < half[t] % (size_t)o->nurl);
            w[t * o->nurl + u] = (worker){o->urls[u],
                                          t ? o->token_b : o->token_a,
                                          first[t] + at,
                                          n,
                                          o->zstd,
                                          0,
                                          0};
            at += n;
        }
    }
    double t0 = now_s();
    for (int i = 0; i < nw; i++)
        pthread_create(&th[i], NULL, run_worker, &w[i]);
    size_t okb = 0;
    *failed = 0;
    for (int i = 0; i < nw; i++) {
        pthread_join(th[i], NULL);
        okb += w[i].ok;
        *failed += w[i].failed;
    }
    double hub_s = now_s() - t0;
    double rate = (double)(okb * o->batch) / hub_s;
    printf("hub ingest: %zu events in %zu batches of %zu over %d keep-alive "
           "connections to %d front end%s%s: "
           "%.2f s, %.0f events/s (%.1f MB/s of NDJSON), %zu failed batches\n",
           okb * o->batch, okb, o->batch, nw, o->nurl, o->nurl > 1 ? "s" : "",
           o->zstd ? " (zstd)" : "", hub_s, rate, (double)raw / hub_s / 1e6,
           *failed);
    return rate;
}

/* 2: the raw SQLite insert loop of the same rows. */
static double baseline(const opts *o, const row *rows, size_t nb)
{
    sqlite3 *db;
    remove(o->base_db);
    sqlite3_open(o->base_db, &db);
    sqlite3_exec(
        db,
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
        "CREATE TABLE events(id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, "
        "event_id TEXT NOT NULL, kind TEXT NOT NULL, ts INTEGER NOT NULL, "
        "rule_id TEXT NOT NULL DEFAULT '', severity INTEGER NOT NULL DEFAULT "
        "0, "
        "src_ip TEXT NOT NULL DEFAULT '', domain TEXT NOT NULL DEFAULT '', "
        "url_path TEXT NOT NULL DEFAULT '', users_hash INTEGER NOT NULL "
        "DEFAULT 0, "
        "received INTEGER NOT NULL, json TEXT NOT NULL, "
        "UNIQUE(tenant,event_id));"
        "CREATE INDEX events_ts ON events(ts);",
        NULL, NULL, NULL);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db,
                       "INSERT OR IGNORE INTO "
                       "events(tenant,event_id,kind,ts,rule_id,severity,"
                       "src_ip,domain,url_path,users_hash,received,json) "
                       "VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                       -1, &st, NULL);
    char json[300];
    double t0 = now_s();
    for (size_t b = 0; b < nb; b++) {
        sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        for (size_t i = 0; i < o->batch; i++) {
            const row *r = &rows[b * o->batch + i];
            int jl = snprintf(
                json, sizeof json,
                "{\"@timestamp\":\"%s\",\"event\":{\"id\":\"%s\",\"kind\":"
                "\"alert\",\"severity\":\"medium\"},\"rule\":{\"id\":"
                "\"ssh.bruteforce\"},\"source\":{\"ip\":\"%s\"}}",
                ts, r->id, r->ip);
            sqlite3_bind_text(st, 1, b < nb / 2 ? "a" : "b", -1,
                              SQLITE_STATIC);
            sqlite3_bind_text(st, 2, r->id, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, "alert", -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 4, 1795305600000LL);
            sqlite3_bind_text(st, 5, "ssh.bruteforce", -1, SQLITE_STATIC);
            sqlite3_bind_int(st, 6, 2);
            sqlite3_bind_text(st, 7, r->ip, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 8, "", -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 9, "", -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 10, 0);
            sqlite3_bind_int64(st, 11, 1795305600000LL);
            sqlite3_bind_text(st, 12, json, jl, SQLITE_STATIC);
            sqlite3_step(st);
            sqlite3_reset(st);
        }
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    }
    double base_s = now_s() - t0;
    sqlite3_finalize(st);
    sqlite3_close(db);
    double rate = (double)(nb * o->batch) / base_s;
    printf("baseline raw SQLite insert of the same rows (WAL, "
           "synchronous=FULL, %zu per "
           "transaction): %.2f s, %.0f rows/s\n",
           o->batch, base_s, rate);
    return rate;
}

/* One sighting of latency key i by tenant T ('a' or 'b'), as NDJSON. */
static void sighting(char *out, size_t cap, const opts *o, char t, int i)
{
    snprintf(out, cap,
             "{\"@timestamp\":\"%s\",\"event\":{\"id\":\"%s%slat-%c-%d\","
             "\"kind\":\"alert\","
             "\"severity\":\"high\"},\"rule\":{\"id\":\"ssh.bruteforce\"},"
             "\"source\":"
             "{\"ip\":\"46.%d.%d.7\"}}\n",
             ts, o->tag, *o->tag ? "-" : "", t, i, 100 + i / 200, i % 200);
}

/* Latency key i: tenant A's sighting posted on ca, then tenant B's (the
 * k-th, which opens the campaign) on cb; *rt gets B's round trip and *acked
 * the time B's answer came. Returns the failed requests (0..2). */
static int sighting_pair(const opts *o, CURL *ca, CURL *cb, int i, double *rt,
                         double *acked)
{
    char l1[400], l2[400];
    sighting(l1, sizeof l1, o, 'a', i);
    sighting(l2, sizeof l2, o, 'b', i);
    int bad = post(ca, l1, strlen(l1)) != 200;
    double s = now_s();
    bad += post(cb, l2, strlen(l2)) != 200;
    *acked = now_s();
    *rt = *acked - s;
    return bad;
}

static long store_warned(const char *hub_db)
{
    sqlite3 *db;
    sqlite3_stmt *q;
    long warned = -1;
    if (strcmp(hub_db, "-") == 0)
        return -1;
    sqlite3_open_v2(hub_db, &db, SQLITE_OPEN_READONLY, NULL);
    if (sqlite3_prepare_v2(
            db,
            "SELECT count(DISTINCT c.id) FROM campaigns c JOIN warnings w ON "
            "w.campaign=c.id WHERE c.key LIKE '46.%' AND c.key_type='ip'",
            -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        warned = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return warned;
}

/* 3: the k-th sighting's round trip; returns the failures. */
static int latency(const opts *o)
{
    struct curl_slist *ha, *hb;
    CURL *ca = easy(o->urls[0], o->token_a, false, &ha),
         *cb = easy(o->urls[0], o->token_b, false, &hb);
    double lat[NLAT];
    int bad = 0;
    for (int i = 0; i < NLAT; i++) {
        double acked;
        bad += sighting_pair(o, ca, cb, i, &lat[i], &acked);
    }
    qsort(lat, NLAT, sizeof lat[0], cmp_d);
    curl_easy_cleanup(ca);
    curl_easy_cleanup(cb);
    curl_slist_free_all(ha);
    curl_slist_free_all(hb);
    long warned = store_warned(o->hub_db);
    printf("ingest->warning latency (k-th sighting's request to durable "
           "warning, %d "
           "campaigns): p50 %.2f ms, p99 %.2f ms, max %.2f ms; campaigns with "
           "warnings "
           "in the store: %ld/%d; failed requests %d\n",
           NLAT, lat[NLAT / 2] * 1e3, lat[NLAT * 99 / 100] * 1e3,
           lat[NLAT - 1] * 1e3, warned, NLAT, bad);
    if (warned >= 0 && warned != NLAT)
        bad++;
    return bad;
}

/* The front end's inbox URL for tenant polls: URL's ".../events" becomes
 * ".../inbox?since=N". */
static void inbox_url(char *out, size_t cap, const char *events_url,
                      long long since)
{
    size_t n = strlen(events_url);
    size_t k = n >= 6 && strcmp(events_url + n - 6, "events") == 0 ? n - 6 : n;
    snprintf(out, cap, "%.*sinbox?since=%lld", (int)k, events_url, since);
}

/* GET the inbox since `since`: the reply's "next" (since when empty), -1
 * on a failed request. */
static long long inbox_next(CURL *c, const char *events_url, long long since)
{
    char url[1200];
    reply r = {.len = 0};
    inbox_url(url, sizeof url, events_url, since);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    long code = 0;
    CURLcode cc = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, NULL);
    if (cc != CURLE_OK)
        return -1;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    const char *p = strstr(r.buf, "\"next\":");
    if (code != 200 || !p)
        return -1;
    return strtoll(p + 7, NULL, 10);
}

static void nap_us(long us)
{
    nanosleep(&(struct timespec){0, us * 1000}, NULL);
}

/* --bus-latency: B's upload acknowledged (at JetStream) → the warning in
 * A's inbox, read back through a front end from PostgreSQL. */
static int bus_latency(const opts *o)
{
    struct curl_slist *ha, *hb, *hp;
    int k = o->nurl;
    CURL *ca = easy(o->urls[0], o->token_a, false, &ha),
         *cb = easy(o->urls[1 % k], o->token_b, false, &hb),
         *cp = easy(o->urls[2 % k], o->token_a, false, &hp);
    double lat[NLAT], ack[NLAT];
    int bad = 0, got = 0;
    long long last = inbox_next(cp, o->urls[2 % k], 0);
    for (int i = 0; i < NLAT; i++) {
        double acked;
        bad += sighting_pair(o, ca, cb, i, &ack[i], &acked);
        lat[i] = 1e9;
        while (now_s() - acked < 30) {
            long long n = inbox_next(cp, o->urls[2 % k], last);
            if (n > last) {
                lat[i] = now_s() - acked;
                last = n;
                got++;
                break;
            }
            nap_us(500);
        }
    }
    qsort(lat, NLAT, sizeof lat[0], cmp_d);
    qsort(ack, NLAT, sizeof ack[0], cmp_d);
    curl_easy_cleanup(ca);
    curl_easy_cleanup(cb);
    curl_easy_cleanup(cp);
    curl_slist_free_all(ha);
    curl_slist_free_all(hb);
    curl_slist_free_all(hp);
    printf("bus warning latency (ack of the 2nd tenant's sighting to the "
           "warning readable from PostgreSQL in the 1st tenant's inbox, %d "
           "keys, %d front end%s): p50 %.2f ms, p99 %.2f ms, max %.2f ms; "
           "warnings seen %d/%d; failed requests %d\n",
           NLAT, k, k > 1 ? "s" : "", lat[NLAT / 2] * 1e3,
           lat[NLAT * 99 / 100] * 1e3, lat[NLAT - 1] * 1e3, got, NLAT, bad);
    printf("bus ack latency of that upload (one-event batch): p50 %.2f ms, "
           "p99 %.2f ms\n",
           ack[NLAT / 2] * 1e3, ack[NLAT * 99 / 100] * 1e3);
    return bad + (NLAT - got);
}

static bool parse_args(int argc, char **argv, opts *o)
{
    if (argc < 6)
        return false;
    *o = (opts){.nurl = 0,
                .tag = "",
                .batch = BATCH_MAX,
                .baseline = true,
                .latency = true};
    char *save = NULL;
    for (char *t = strtok_r(argv[1], ",", &save); t && o->nurl < URLS_MAX;
         t = strtok_r(NULL, ",", &save))
        o->urls[o->nurl++] = t;
    o->token_a = argv[2];
    o->token_b = argv[3];
    o->hub_db = argv[4];
    o->base_db = argv[5];
    o->total = argc > 6 ? strtoul(argv[6], NULL, 10) : 400000;
    for (int i = 7; i < argc; i++) {
        if (!*argv[i]) /* bench-hub.sh passes "" when not zstd */
            continue;
        if (strcmp(argv[i], "--zstd") == 0)
            o->zstd = true;
        else if (strcmp(argv[i], "--no-baseline") == 0)
            o->baseline = false;
        else if (strcmp(argv[i], "--no-latency") == 0)
            o->latency = false;
        else if (strcmp(argv[i], "--bus-latency") == 0)
            o->bus_latency = true;
        else if (strcmp(argv[i], "--tag") == 0 && i + 1 < argc)
            o->tag = argv[++i];
        else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc)
            o->batch = strtoul(argv[++i], NULL, 10);
        else
            return false;
    }
    return o->nurl > 0 && o->batch >= 1 && o->batch <= BATCH_MAX;
}

int main(int argc, char **argv)
{
    opts o;
    if (!parse_args(argc, argv, &o)) {
        fprintf(stderr,
                "usage: bench-hub-load URL[,URL…] TOKEN_A TOKEN_B HUB_DB|- "
                "BASELINE_DB [EVENTS] [--zstd] [--tag T] [--no-baseline] "
                "[--no-latency] [--bus-latency] [--batch N]\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_ALL);
    for (const char *t = o.tag; *t; t++)
        rng = rng * 1099511628211ULL ^ (unsigned char)*t;
    int bad = 0;
    if (o.bus_latency) {
        bad = bus_latency(&o);
        curl_global_cleanup();
        return bad ? 1 : 0;
    }
    size_t nb = o.total / o.batch;
    size_t total = nb * o.batch, raw = 0, failed = 0;
    uint64_t sum = 0;
    row *rows = malloc((total ? total : 1) * sizeof *rows);
    body *bodies = make_bodies(&o, rows, nb, &raw, &sum);
    double hub_rate = ingest(&o, bodies, nb, raw, &failed);
    if (o.baseline) {
        double base_rate = baseline(&o, rows, nb);
        printf("ratio hub/baseline: %.2f\n", hub_rate / base_rate);
    }
    if (o.latency)
        bad = latency(&o);
    printf("checksum %016llx\n", (unsigned long long)sum);
    for (size_t b = 0; b < nb; b++)
        free(bodies[b].p);
    free(bodies);
    free(rows);
    curl_global_cleanup();
    return (failed + (size_t)bad) ? 1 : 0;
}
