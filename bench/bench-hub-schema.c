/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench-hub-schema.c — rows/s of SQLite alone inserting bench-hub-load's
 * rows into variants of the hub's `events` schema, so a schema change is
 * measured before it is made (docs/scale.md, "Re-measured on another
 * machine"). No mamori code: the hub's DDL is copied here on purpose, as
 * the raw loop of bench-hub-load.c is.
 *
 * Build:
 *   cc -O2 -std=c11 -D_GNU_SOURCE bench/bench-hub-schema.c \
 *      $(pkg-config --libs sqlite3) -o build/bench-hub-schema
 * Run (alternate the variants; the machine is noisy):
 *   build/bench-hub-schema VARIANT [ROWS=1000000] [PER_STMT=64] [PER_TX=1000]
 * VARIANT:
 *   raw      bench-hub-load's raw loop: UNIQUE(tenant,event_id), events_ts,
 *            4 KiB pages (use PER_STMT=1)
 *   hub      the hub's events table and indexes, 16 KiB pages
 *   hub-noid hub without events_alerts_id
 *   hub-hash hub with an integer hash of (tenant, event id) as the
 *            duplicate key instead of the text UNIQUE
 * The database is made in $TMPDIR (default /tmp) and removed after.
 */
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct variant {
    const char *name;
    bool hub_indexes, alerts_id, hash_key, big_pages;
} variant;

static const variant variants[] = {
    {"raw", false, false, false, false},
    {"hub", true, true, false, true},
    {"hub-noid", true, false, false, true},
    {"hub-hash", true, true, true, true},
};

enum { COLS_MAX = 13, STMT_ROWS_MAX = 64 };

typedef struct row {
    char id[32], ip[20], json[300];
    int json_len;
    int64_t key;
} row;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t fnv1a(const char *tenant, const char *id)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = tenant; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    h *= 1099511628211ULL; /* the separator */
    for (const char *p = id; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return h >> 1; /* a positive int64 */
}

static bool exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return true;
    fprintf(stderr, "bench-hub-schema: %s\n", msg ? msg : "sqlite error");
    sqlite3_free(msg);
    return false;
}

static bool make_schema(sqlite3 *db, const variant *v)
{
    char sql[2048];
    if (v->big_pages && !exec(db, "PRAGMA page_size=16384"))
        return false;
    snprintf(
        sql, sizeof sql,
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
        "PRAGMA cache_size=-65536;"
        "CREATE TABLE events(id INTEGER PRIMARY KEY, tenant TEXT NOT "
        "NULL, event_id TEXT NOT NULL, kind TEXT NOT NULL, ts INTEGER "
        "NOT NULL, rule_id TEXT NOT NULL DEFAULT '', severity INTEGER "
        "NOT NULL DEFAULT 0, src_ip TEXT NOT NULL DEFAULT '', domain "
        "TEXT NOT NULL DEFAULT '', url_path TEXT NOT NULL DEFAULT '', "
        "users_hash INTEGER NOT NULL DEFAULT 0, received INTEGER NOT "
        "NULL, json TEXT NOT NULL%s);"
        "CREATE INDEX events_ts ON events(ts);%s",
        v->hash_key ? ", ekey INTEGER NOT NULL" : ", UNIQUE(tenant,event_id)",
        v->hash_key ? "CREATE UNIQUE INDEX events_key ON events(ekey);" : "");
    if (!exec(db, sql))
        return false;
    if (!v->hub_indexes)
        return true;
    snprintf(sql, sizeof sql,
             "CREATE INDEX events_mamori ON events(tenant,ts) WHERE "
             "kind='event';"
             "CREATE INDEX events_alerts ON events(tenant,id) WHERE "
             "kind='alert';%s"
             "CREATE INDEX events_alerts_critical ON events(id) WHERE "
             "kind='alert' AND (severity>=4 OR rule_id='web.exploit' OR "
             "rule_id='ransomware.note');",
             v->alerts_id ? "CREATE INDEX events_alerts_id ON events(id) "
                            "WHERE kind='alert';"
                          : "");
    return exec(db, sql);
}

static sqlite3_stmt *prepare_insert(sqlite3 *db, const variant *v, int rows)
{
    char sql[256 + STMT_ROWS_MAX * 32];
    size_t k = (size_t)snprintf(
        sql, sizeof sql,
        "INSERT OR IGNORE INTO events(tenant,event_id,kind,ts,rule_id,"
        "severity,src_ip,domain,url_path,users_hash,received,json%s) VALUES",
        v->hash_key ? ",ekey" : "");
    for (int r = 0; r < rows; r++)
        k += (size_t)snprintf(sql + k, sizeof sql - k,
                              "%s(?,?,?,?,?,?,?,?,?,?,?,?%s)", r ? "," : "",
                              v->hash_key ? ",?" : "");
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fprintf(stderr, "bench-hub-schema: %s\n", sqlite3_errmsg(db));
    return st;
}

/* bench-hub-load's rows: ids b<batch>-<i>, random 45.x addresses. */
static row *make_rows(size_t n)
{
    row *rows = malloc(n * sizeof *rows);
    uint32_t s = 1;
    for (size_t i = 0; rows && i < n; i++) {
        s ^= s << 13, s ^= s >> 17, s ^= s << 5;
        row *r = &rows[i];
        snprintf(r->id, sizeof r->id, "b%zu-%zu", i / 1000, i % 1000);
        snprintf(r->ip, sizeof r->ip, "45.%u.%u.%u", (s >> 16) & 255,
                 (s >> 8) & 255, (s & 255) | 1);
        r->json_len = snprintf(
            r->json, sizeof r->json,
            "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"%"
            "s\","
            "\"kind\":\"alert\",\"severity\":\"medium\"},\"rule\":{\"id\":"
            "\"ssh.bruteforce\"},\"source\":{\"ip\":\"%s\"}}",
            r->id, r->ip);
        r->key = (int64_t)fnv1a(i < n / 2 ? "a" : "b", r->id);
    }
    return rows;
}

static void bind_row(sqlite3_stmt *st, int at, const row *r, const char *t,
                     bool hash_key)
{
    sqlite3_bind_text(st, at + 1, t, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, at + 2, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, at + 3, "alert", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, at + 4, 1795305600000LL);
    sqlite3_bind_text(st, at + 5, "ssh.bruteforce", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, at + 6, 2);
    sqlite3_bind_text(st, at + 7, r->ip, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, at + 8, "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, at + 9, "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, at + 10, 0);
    sqlite3_bind_int64(st, at + 11, 1795305600000LL);
    sqlite3_bind_text(st, at + 12, r->json, r->json_len, SQLITE_STATIC);
    if (hash_key)
        sqlite3_bind_int64(st, at + 13, r->key);
}

/* Inserts rows[0..n) in transactions of per_tx, per_stmt rows a statement
 * (the last rows of a transaction one by one). */
static bool insert_all(sqlite3 *db, const variant *v, const row *rows,
                       size_t n, int per_stmt, size_t per_tx)
{
    sqlite3_stmt *multi = prepare_insert(db, v, per_stmt);
    sqlite3_stmt *one = prepare_insert(db, v, 1);
    int cols = v->hash_key ? COLS_MAX : COLS_MAX - 1;
    bool ok = multi && one;
    for (size_t i = 0; ok && i < n;) {
        size_t end = i + per_tx < n ? i + per_tx : n;
        ok = exec(db, "BEGIN IMMEDIATE");
        while (ok && i < end) {
            bool full = end - i >= (size_t)per_stmt;
            sqlite3_stmt *st = full ? multi : one;
            int k = full ? per_stmt : 1;
            for (int r = 0; r < k; r++, i++)
                bind_row(st, r * cols, &rows[i], i < n / 2 ? "a" : "b",
                         v->hash_key);
            ok = sqlite3_step(st) == SQLITE_DONE;
            sqlite3_reset(st);
        }
        ok = ok && exec(db, "COMMIT");
    }
    if (!ok)
        fprintf(stderr, "bench-hub-schema: %s\n", sqlite3_errmsg(db));
    sqlite3_finalize(multi);
    sqlite3_finalize(one);
    return ok;
}

int main(int argc, char **argv)
{
    const variant *v = NULL;
    for (size_t i = 0; argc > 1 && i < sizeof variants / sizeof *variants; i++)
        if (strcmp(argv[1], variants[i].name) == 0)
            v = &variants[i];
    size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000;
    int per_stmt = argc > 3 ? atoi(argv[3]) : 64;
    size_t per_tx = argc > 4 ? strtoul(argv[4], NULL, 10) : 1000;
    if (!v || !n || per_stmt < 1 || per_stmt > STMT_ROWS_MAX || !per_tx) {
        fprintf(stderr, "usage: bench-hub-schema raw|hub|hub-noid|hub-hash "
                        "[ROWS] [PER_STMT 1..64] [PER_TX]\n");
        return 2;
    }
    const char *tmp = getenv("TMPDIR");
    char path[512], wal[520];
    snprintf(path, sizeof path, "%s/bench-hub-schema-%d.db",
             tmp && *tmp ? tmp : "/tmp", (int)getpid());
    snprintf(wal, sizeof wal, "%s-wal", path);
    row *rows = make_rows(n);
    sqlite3 *db = NULL;
    bool ok =
        rows && sqlite3_open(path, &db) == SQLITE_OK && make_schema(db, v);
    double t0 = now_s();
    ok = ok && insert_all(db, v, rows, n, per_stmt, per_tx);
    double dt = now_s() - t0;
    sqlite3_close(db);
    remove(path);
    remove(wal);
    free(rows);
    if (!ok)
        return 1;
    printf("%s: %zu rows, %d per statement, %zu per transaction: %.2f s, "
           "%.0f rows/s\n",
           v->name, n, per_stmt, per_tx, dt, (double)n / dt);
    return 0;
}
