/* SPDX-License-Identifier: Apache-2.0 */
/* bench-detect.c — detection throughput and memory.
 *
 * Build (release flags, from the repository root, after `make`):
 *   cc -std=c11 -D_GNU_SOURCE -O2 -Isrc/core -Isrc/detect \
 *      $(pkg-config --cflags libhs) bench/bench-detect.c build/libmamori.a \
 *      $(pkg-config --libs libhs) -lm -o build/bench-detect
 * Run:
 *   build/bench-detect            # throughput, then the memory figure
 *   build/bench-detect --throughput   # part 1 only
 *   build/bench-detect --memory       # part 2 only (clean VmRSS figures)
 *
 * Part 1 feeds 2,000,000 synthetic events (fixed seed): sshd failures and
 * successes from 10,000 sources and web requests (clean pages, 404s, some
 * probes and attacks) from another 10,000, through the default rules, and
 * prints events/s, ns/event and an alert checksum (so a change that makes
 * it faster by missing alerts shows). Events are built before the clock
 * starts: this measures detection only, not parsing.
 *
 * Part 2 loads 1,000,000 IP indicators, then counts 1,000,000 distinct
 * sources (one 404 each; then one sshd failure each: one first-sighting
 * record per source, which would otherwise be one web.scan window or three
 * sshd windows per source), printing VmRSS after each step.
 */
#include "detect.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_EVENTS 2000000u
#define N_SOURCES 10000u

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID,
                  &t); /* CPU time: the machine is shared */
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char l[256];
    long v = -1;
    while (f && fgets(l, sizeof l, f))
        if (strncmp(l, "VmRSS:", 6) == 0)
            v = strtol(l + 6, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

typedef struct sum {
    uint64_t alerts;
    uint64_t check;
} sum;

static void on_alert(const mm_alert *a, void *ud)
{
    sum *s = ud;
    s->alerts++;
    /* a sum: the same alerts in another order (flush order follows the
     * window table) give the same checksum */
    uint64_t h =
        (a->id ^ a->count * 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull;
    s->check += h ^ (h >> 31);
}

static void die(const char *what, const mm_err *err)
{
    char m[1024];
    mm_err_format(err, m, sizeof m);
    fprintf(stderr, "%s: %s\n", what, m);
    exit(1);
}

static mm_ruleset *load(size_t n_ioc)
{
    mm_ruleset *rs;
    mm_err err;
    if (mm_ruleset_new(&rs) != MM_OK)
        exit(1);
    if (mm_ruleset_add_default_rules(rs, &err) != MM_OK)
        die("rules", &err);
    if (n_ioc) {
        size_t cap = n_ioc * 20;
        char *text = malloc(cap);
        size_t len = 0;
        for (size_t i = 0; i < n_ioc; i++) {
            uint32_t ip = 0x01000000u + (uint32_t)(next() % 0xdf000000u);
            len += (size_t)snprintf(text + len, cap - len, "%u.%u.%u.%u\n",
                                    ip >> 24, ip >> 16 & 255, ip >> 8 & 255,
                                    ip & 255);
        }
        double t = now_s();
        if (mm_ruleset_add_ioc_text(rs, "bench", "bench.txt", text, len,
                                    &err) != MM_OK)
            die("ioc", &err);
        free(text);
        if (mm_ruleset_compile(rs, &err) != MM_OK)
            die("compile", &err);
        printf("  loaded %zu indicators in %.3f s\n", n_ioc, now_s() - t);
        return rs;
    }
    if (mm_ruleset_compile(rs, &err) != MM_OK)
        die("compile", &err);
    return rs;
}

static void addr4(mm_addr *a, uint32_t v)
{
    memset(a, 0, sizeof *a);
    a->family = 4;
    a->bytes[0] = (uint8_t)(v >> 24);
    a->bytes[1] = (uint8_t)(v >> 16);
    a->bytes[2] = (uint8_t)(v >> 8);
    a->bytes[3] = (uint8_t)v;
}

static const char *const users[] = {"root",   "admin", "test",     "oracle",
                                    "ubuntu", "git",   "postgres", "user"};
static const char *const paths[] = {
    "/",
    "/index.html",
    "/robots.txt",
    "/blog/tags/puppet",
    "/presentations/logstash-monitorama-2013/images/kibana-search.png",
    "/style.css",
    "/favicon.ico",
    "/blog/geekery/xvfb-firefox.html",
    "/wp-login.php",
    "/.env",
    "/cgi-bin/test.cgi",
    "/missing.html"};
static const char *const queries[] = {
    NULL, NULL, NULL, "flav=rss20",
    NULL, NULL, NULL, "utm_source=feedburner&utm_medium=feed",
    NULL, NULL, NULL, NULL};

/* Part 1b: the 10,000 real requests of data/samples/elastic-apache_access_
 * 10k.log (read with a minimal combined-log reader), replayed 200 times with
 * shifted timestamps: the cost on real URLs and user agents. */
static bool parse_combined(char *line, mm_event *ev)
{
    memset(ev, 0, sizeof *ev);
    char *sp = strchr(line, ' ');
    if (!sp || mm_addr_parse(line, (size_t)(sp - line), &ev->src) != MM_OK)
        return false;
    char *req = strchr(sp, '"');
    if (!req)
        return false;
    char *u = strchr(req + 1, ' ');
    if (!u)
        return false;
    u++;
    char *ue = strchr(u, ' '), *rq_end = strchr(u, '"');
    if (!ue || !rq_end || ue > rq_end)
        return false;
    char *q = memchr(u, '?', (size_t)(ue - u));
    ev->path = mm_span_make(u, (size_t)((q ? q : ue) - u));
    if (q)
        ev->query = mm_span_make(q + 1, (size_t)(ue - q - 1));
    ev->status = (uint16_t)strtoul(rq_end + 2, NULL, 10);
    char *last = strrchr(line, '"');
    if (last && last > rq_end) {
        *last = '\0';
        char *uas = strrchr(line, '"');
        if (uas)
            ev->user_agent = mm_span_make(uas + 1, strlen(uas + 1));
    }
    ev->dataset = MM_DS_WEB_ACCESS;
    ev->category = MM_CAT_WEB;
    ev->action = MM_ACT_HTTP_REQUEST;
    ev->count = 1;
    return true;
}

static void replay_apache(void)
{
    FILE *f = fopen("data/samples/elastic-apache_access_10k.log", "r");
    if (!f) {
        printf("== (data/samples/elastic-apache_access_10k.log not found: run "
               "from the repository root for the replay figure)\n");
        return;
    }
    enum { MAXL = 10000 };
    static char lines[MAXL][1024];
    static mm_event evs[MAXL];
    unsigned n = 0;
    while (n < MAXL && fgets(lines[n], sizeof lines[n], f))
        if (parse_combined(lines[n], &evs[n]))
            n++;
    fclose(f);
    mm_ruleset *rs = load(0);
    mm_detector *d;
    if (mm_detector_new(rs, NULL, &d) != MM_OK)
        exit(1);
    sum s = {0, 0};
    unsigned rounds = 200;
    double t0 = now_s();
    for (unsigned r = 0; r < rounds; r++)
        for (unsigned i = 0; i < n; i++) {
            evs[i].ts_ms = 1431856800000LL + (int64_t)(r * n + i) * 50;
            mm_detector_feed(d, &evs[i], lines[i], 100, on_alert, &s);
        }
    mm_detector_flush(d, on_alert, &s);
    double dt = now_s() - t0;
    printf("== replay of %u real web requests x %u: %.0f events/s, %.1f "
           "ns/event, alerts %llu\n",
           n, rounds, n * rounds / dt, dt * 1e9 / (n * rounds),
           (unsigned long long)s.alerts);
    mm_detector_free(d);
    mm_ruleset_free(rs);
}

static void make_event(mm_event *ev, unsigned i, unsigned *n_ssh,
                       unsigned *n_web)
{
    static const char ua[] = "Mozilla/5.0 (X11; Linux x86_64) Firefox/115.0";
    memset(ev, 0, sizeof *ev);
    ev->ts_ms = 1763769600000LL + (int64_t)i; /* 1 ms apart */
    ev->count = 1;
    uint64_t r = next();
    if (r % 100 < 55) { /* sshd */
        (*n_ssh)++;
        ev->dataset = MM_DS_SSHD;
        ev->category = MM_CAT_AUTHENTICATION;
        unsigned k = (unsigned)(r >> 8) % 100;
        ev->action = k < 70   ? MM_ACT_AUTH_FAILURE
                     : k < 90 ? MM_ACT_INVALID_USER
                     : k < 95 ? MM_ACT_PREAUTH_CLOSE
                              : MM_ACT_AUTH_SUCCESS;
        addr4(&ev->src, 0xc6330000u + (uint32_t)((r >> 20) % N_SOURCES));
        const char *u = users[(r >> 40) % 8];
        ev->user = mm_span_make(u, strlen(u));
    } else { /* web */
        (*n_web)++;
        ev->dataset = MM_DS_WEB_ACCESS;
        ev->category = MM_CAT_WEB;
        ev->action = MM_ACT_HTTP_REQUEST;
        addr4(&ev->src, 0x0a000000u + (uint32_t)((r >> 20) % N_SOURCES));
        unsigned p = (unsigned)((r >> 40) % 100);
        unsigned pi = p < 90 ? p % 8 : 8 + p % 4;
        ev->path = mm_span_make(paths[pi], strlen(paths[pi]));
        if (queries[pi])
            ev->query = mm_span_make(queries[pi], strlen(queries[pi]));
        ev->user_agent = mm_span_make(ua, sizeof ua - 1);
        ev->status = pi >= 8 ? 404 : 200;
        ev->method = mm_span_make("GET", 3);
    }
}

int main(int argc, char **argv)
{
    bool memory_only = argc > 1 && strcmp(argv[1], "--memory") == 0;
    mm_ruleset *rs;
    mm_detector *d;
    sum s = {0, 0};
    mm_detector_stats st;
    static const char line[] = "Nov 22 00:00:00 host sshd[1]: Failed password";
    if (memory_only)
        goto memory;
    printf("== detection throughput (%u events, default rules)\n", N_EVENTS);
    rs = load(0);
    if (mm_detector_new(rs, NULL, &d) != MM_OK)
        return 1;
    unsigned n_ssh = 0, n_web = 0;
    /* Events are generated in the timed loop into one struct, as a parser
     * would fill them; the same loop without detection is timed too. */
    uint64_t seed0 = rng;
    double tg = now_s();
    uint64_t sink = 0;
    for (unsigned i = 0; i < N_EVENTS; i++) {
        mm_event ev;
        make_event(&ev, i, &n_ssh, &n_web);
        sink += ev.src.bytes[3] + ev.path.len;
    }
    double gen = now_s() - tg;
    rng = seed0;
    n_ssh = n_web = 0;
    double t0 = now_s();
    for (unsigned i = 0; i < N_EVENTS; i++) {
        mm_event ev;
        make_event(&ev, i, &n_ssh, &n_web);
        mm_detector_feed(d, &ev, line, sizeof line - 1, on_alert, &s);
    }
    mm_detector_flush(d, on_alert, &s);
    double dt = now_s() - t0 - gen;
    mm_detector_get_stats(d, &st);
    printf("  %u sshd + %u web events; generating them %.3f s (%llu)\n", n_ssh,
           n_web, gen, (unsigned long long)(sink & 1));
    printf("  detection %.3f s: %.0f events/s, %.1f ns/event\n", dt,
           N_EVENTS / dt, dt * 1e9 / N_EVENTS);
    printf("  alerts %llu, checksum %016llx, windows %zu, first sightings "
           "%zu\n",
           (unsigned long long)s.alerts, (unsigned long long)s.check,
           st.windows, st.first_sightings);
    mm_detector_free(d);
    mm_ruleset_free(rs);
    replay_apache();
    if (argc > 1 && strcmp(argv[1], "--throughput") == 0)
        return 0;

memory:
    printf("== memory: 1,000,000 indicators + 1,000,000 distinct sources\n");
    long base = rss_kb();
    printf("  VmRSS at start: %ld KB\n", base);
    rs = load(1000000);
    printf("  VmRSS with indicators: %ld KB\n", rss_kb());
    if (mm_detector_new(rs, NULL, &d) != MM_OK)
        return 1;
    s.alerts = 0;
    double t1 = now_s();
    for (uint32_t i = 0; i < 1000000; i++) {
        mm_event ev;
        memset(&ev, 0, sizeof ev);
        ev.ts_ms = 1763769600000LL + i / 100;
        ev.dataset = MM_DS_WEB_ACCESS;
        ev.category = MM_CAT_WEB;
        ev.action = MM_ACT_HTTP_REQUEST;
        ev.count = 1;
        ev.status = 404;
        ev.path = mm_span_make("/missing.html", 13);
        addr4(&ev.src, 0x0b000000u + i * 7u);
        mm_detector_feed(d, &ev, line, sizeof line - 1, on_alert, &s);
    }
    mm_detector_get_stats(d, &st);
    printf("  1M web sources (404): %zu windows, %zu first sightings, %.3f s, "
           "detector memory %zu KB, VmRSS %ld KB\n",
           st.windows, st.first_sightings, now_s() - t1, st.memory / 1024,
           rss_kb());
    mm_detector_free(d);
    if (mm_detector_new(rs, NULL, &d) != MM_OK)
        return 1;
    t1 = now_s();
    for (uint32_t i = 0; i < 1000000; i++) {
        mm_event ev;
        memset(&ev, 0, sizeof ev);
        ev.ts_ms = 1763769600000LL + i / 100;
        ev.dataset = MM_DS_SSHD;
        ev.category = MM_CAT_AUTHENTICATION;
        ev.action = MM_ACT_AUTH_FAILURE;
        ev.count = 1;
        ev.user = mm_span_make("root", 4);
        addr4(&ev.src, 0x0b000000u + i * 7u);
        mm_detector_feed(d, &ev, line, sizeof line - 1, on_alert, &s);
    }
    mm_detector_get_stats(d, &st);
    printf("  1M sshd sources (failure): %zu windows, %zu first sightings, "
           "%zu evicted, %.3f s, detector memory %zu KB, VmRSS %ld KB\n",
           st.windows, st.first_sightings, st.evicted, now_s() - t1,
           st.memory / 1024, rss_kb());
    mm_detector_free(d);
    mm_ruleset_free(rs);
    return 0;
}
