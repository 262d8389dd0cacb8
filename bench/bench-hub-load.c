/* SPDX-License-Identifier: Apache-2.0 */
/* bench-hub-load.c — load generator for the hub (see bench/bench-hub.sh).
 *
 *   bench-hub-load URL TOKEN_A TOKEN_B HUB_DB BASELINE_DB [EVENTS] [--zstd]
 *
 * 1. Sustained ingest: two threads, each with one keep-alive libcurl
 *    connection and its own tenant token, POST batches of 1000 events
 *    (bodies generated before the clock starts). Reports events/s.
 * 2. Baseline in the same run: the same rows inserted straight into SQLite
 *    (same table and unique index, WAL, synchronous=FULL, one transaction
 *    per 1000 rows, prepared statement). Reports rows/s and the ratio.
 * 3. Ingest→warning latency: 200 times, tenant A reports a fresh attacker,
 *    then tenant B reports it; B's request opens the campaign and writes the
 *    warnings before it is acknowledged, so its round trip bounds the time
 *    from the k-th sighting's arrival to the durable warning. Reports p50
 *    and p99, and checks the warnings are really in the store.
 * Output ends with a checksum of the generated rows (fixed seed).
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

#define BATCH 1000

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

static size_t sink(char *p, size_t s, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return s * n;
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
    char id[32];
    char ip[16];
} row;

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr,
                "usage: bench-hub-load URL TOKEN_A TOKEN_B HUB_DB BASELINE_DB "
                "[EVENTS] [--zstd]\n");
        return 2;
    }
    const char *url = argv[1], *hub_db = argv[4], *base_db = argv[5];
    size_t total = argc > 6 ? strtoul(argv[6], NULL, 10) : 400000;
    bool zstd = argc > 7 && strcmp(argv[7], "--zstd") == 0;
    size_t nb = total / BATCH;
    total = nb * BATCH;
    curl_global_init(CURL_GLOBAL_ALL);
    char ts[] = "2026-11-22T00:00:00Z";
    row *rows = malloc(total * sizeof *rows);
    body *bodies = malloc(nb * sizeof *bodies);
    uint64_t sum = 0;
    size_t raw_bytes = 0;
    for (size_t b = 0; b < nb; b++) {
        char *p = malloc(BATCH * 256);
        size_t len = 0;
        for (size_t i = 0; i < BATCH; i++) {
            row *r = &rows[b * BATCH + i];
            uint32_t v = rnd();
            snprintf(r->id, sizeof r->id, "b%zu-%zu", b, i);
            snprintf(r->ip, sizeof r->ip, "%u.%u.%u.%u",
                     b < nb / 2 ? 45u : 47u, (v >> 16) & 255, (v >> 8) & 255,
                     (v & 255) | 1);
            len += (size_t)snprintf(
                p + len, BATCH * 256 - len,
                "{\"@timestamp\":\"%s\",\"event\":{\"id\":\"%s\",\"kind\":"
                "\"alert\",\"severity\":\"medium\"},\"rule\":{\"id\":"
                "\"ssh.bruteforce\"},\"source\":{\"ip\":\"%s\"}}\n",
                ts, r->id, r->ip);
            sum = sum * 31 + v;
        }
        raw_bytes += len;
        if (zstd) {
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
    /* 1: hub ingest, two connections */
    worker w[2] = {{url, argv[2], bodies, nb / 2, zstd, 0, 0},
                   {url, argv[3], bodies + nb / 2, nb - nb / 2, zstd, 0, 0}};
    pthread_t th[2];
    double t0 = now_s();
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, run_worker, &w[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    double hub_s = now_s() - t0;
    size_t okb = w[0].ok + w[1].ok;
    double hub_rate = (double)(okb * BATCH) / hub_s;
    printf("hub ingest: %zu events in %zu batches of %d over 2 keep-alive "
           "connections%s: "
           "%.2f s, %.0f events/s (%.1f MB/s of NDJSON), %zu failed batches\n",
           okb * BATCH, okb, BATCH, zstd ? " (zstd)" : "", hub_s, hub_rate,
           (double)raw_bytes / hub_s / 1e6, w[0].failed + w[1].failed);
    /* 2: raw SQLite baseline of the same rows */
    sqlite3 *db;
    remove(base_db);
    sqlite3_open(base_db, &db);
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
    t0 = now_s();
    for (size_t b = 0; b < nb; b++) {
        sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        for (size_t i = 0; i < BATCH; i++) {
            row *r = &rows[b * BATCH + i];
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
    double base_rate = (double)total / base_s;
    printf("baseline raw SQLite insert of the same rows (WAL, "
           "synchronous=FULL, 1000 per "
           "transaction): %.2f s, %.0f rows/s\n",
           base_s, base_rate);
    printf("ratio hub/baseline: %.2f\n", hub_rate / base_rate);
    /* 3: ingest → warning latency */
    struct curl_slist *ha, *hb;
    CURL *ca = easy(url, argv[2], false, &ha),
         *cb = easy(url, argv[3], false, &hb);
    enum { NLAT = 200 };
    double lat[NLAT];
    int bad = 0;
    for (int i = 0; i < NLAT; i++) {
        char l1[400], l2[400];
        snprintf(l1, sizeof l1,
                 "{\"@timestamp\":\"%s\",\"event\":{\"id\":\"lat-a-%d\","
                 "\"kind\":\"alert\","
                 "\"severity\":\"high\"},\"rule\":{\"id\":\"ssh.bruteforce\"},"
                 "\"source\":"
                 "{\"ip\":\"46.%d.%d.7\"}}\n",
                 ts, i, 100 + i / 200, i % 200);
        snprintf(l2, sizeof l2,
                 "{\"@timestamp\":\"%s\",\"event\":{\"id\":\"lat-b-%d\","
                 "\"kind\":\"alert\","
                 "\"severity\":\"high\"},\"rule\":{\"id\":\"ssh.bruteforce\"},"
                 "\"source\":"
                 "{\"ip\":\"46.%d.%d.7\"}}\n",
                 ts, i, 100 + i / 200, i % 200);
        if (post(ca, l1, strlen(l1)) != 200)
            bad++;
        double s = now_s();
        if (post(cb, l2, strlen(l2)) != 200)
            bad++;
        lat[i] = now_s() - s;
    }
    qsort(lat, NLAT, sizeof lat[0], cmp_d);
    curl_easy_cleanup(ca);
    curl_easy_cleanup(cb);
    curl_slist_free_all(ha);
    curl_slist_free_all(hb);
    sqlite3_open_v2(hub_db, &db, SQLITE_OPEN_READONLY, NULL);
    sqlite3_stmt *q;
    long warned = -1;
    if (sqlite3_prepare_v2(
            db,
            "SELECT count(DISTINCT c.id) FROM campaigns c JOIN warnings w ON "
            "w.campaign=c.id WHERE c.key LIKE '46.%' AND c.key_type='ip'",
            -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        warned = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    printf("ingest->warning latency (k-th sighting's request to durable "
           "warning, %d "
           "campaigns): p50 %.2f ms, p99 %.2f ms, max %.2f ms; campaigns with "
           "warnings "
           "in the store: %ld/%d; failed requests %d\n",
           NLAT, lat[NLAT / 2] * 1e3, lat[NLAT * 99 / 100] * 1e3,
           lat[NLAT - 1] * 1e3, warned, NLAT, bad);
    printf("checksum %016llx\n", (unsigned long long)sum);
    for (size_t b = 0; b < nb; b++)
        free(bodies[b].p);
    free(bodies);
    free(rows);
    curl_global_cleanup();
    return (w[0].failed + w[1].failed + (size_t)bad)
               ? 1
               : (warned == NLAT ? 0 : 1);
}
