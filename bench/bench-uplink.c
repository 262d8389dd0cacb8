/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench-uplink.c — events/s of the sensor → hub path on the sensor side:
 * plain events handed to the uplink (mm_uplink_submit_event: de-identify,
 * then append to the on-disk spool), with one fsync at the end, and a
 * checksum of the spooled records (event.id, random per spool, left out)
 * so a faster-but-different de-identifier shows.
 *
 * Build (release flags, from the repository root, after `make`):
 *   cc -std=c11 -D_GNU_SOURCE -O2 -Isrc/core -Isrc/parse -Isrc/uplink \
 *      $(pkg-config --cflags jansson) bench/bench-uplink.c \
 *      build/libmamori.a $(pkg-config --libs jansson libsodium libzstd \
 *      libcurl libhs libmicrohttpd sqlite3) -lpthread -lm \
 *      -o build/bench-uplink
 * Run:
 *   build/bench-uplink 200000 data/samples/loghub-OpenSSH_2k.log \
 *      data/samples/elastic-apache_access_10k.log
 * Every parsed event whose source is public is sent (send_events = all
 * actions), so web events (URL, referrer, user agent) are in the mix;
 * own_ranges makes some public sources internal. The files' events are
 * cycled until N have been submitted.
 */
#include "parse.h"
#include "uplink.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = size >= 0 ? malloc((size_t)size + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[size] = '\0';
        *len = (size_t)size;
    }
    return buf;
}

/* FNV-1a over every spooled line with its "id":"…" member cut out. */
static uint64_t spool_checksum(const char *dir, uint64_t *lines)
{
    uint64_t h = 1469598103934665603ull;
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        size_t nl = strlen(name);
        if (nl > 4 && strcmp(name + nl - 4, ".seg") == 0) {
            char path[2048];
            snprintf(path, sizeof path, "%s/%s", dir, name);
            size_t len = 0;
            char *t = slurp(path, &len);
            for (char *p = t; p && p < t + len; p++) {
                if (*p == '\n')
                    (*lines)++;
                if (strncmp(p, ",\"id\":\"", 7) == 0) {
                    char *q = strchr(p + 7, '"');
                    if (q) {
                        p = q;
                        continue;
                    }
                }
                h = (h ^ (unsigned char)*p) * 1099511628211ull;
            }
            free(t);
        }
        free(ents[i]);
    }
    free(ents);
    return h;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench-uplink N FILE...\n");
        return 2;
    }
    long want = strtol(argv[1], NULL, 10);
    mm_parse_opts popts = {.year = 2024};
    size_t nev = 0, cap = 1024;
    mm_event *evs = malloc(cap * sizeof *evs);
    char *bufs[16] = {0};
    for (int a = 2; a < argc && a < 18; a++) {
        size_t size = 0;
        char *buf = bufs[a - 2] = slurp(argv[a], &size);
        if (!buf) {
            perror(argv[a]);
            return 1;
        }
        for (char *p = buf, *e = buf + size; p < e;) {
            char *q = memchr(p, '\n', (size_t)(e - p));
            if (!q)
                q = e;
            if (nev == cap)
                evs = realloc(evs, (cap *= 2) * sizeof *evs);
            if (mm_parse_line(&popts, MM_LOG_AUTO, p, (size_t)(q - p),
                              &evs[nev]) == MM_OK)
                nev++;
            p = q + 1;
        }
    }
    char dir[] = "/tmp/mamori-bench-uplink-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    mm_uplink_conf c;
    mm_uplink_conf_init(&c);
    snprintf(c.hub_url, sizeof c.hub_url, "http://127.0.0.1:9");
    snprintf(c.token, sizeof c.token, "bench");
    snprintf(c.spool_dir, sizeof c.spool_dir, "%s/spool", dir);
    snprintf(c.state_dir, sizeof c.state_dir, "%s", dir);
    snprintf(c.tenant_secret, sizeof c.tenant_secret,
             "0123456789abcdef-bench");
    c.spool_max_bytes = 4ull << 30;
    c.send_events = 0xffffffffu;
    c.feed = false;
    mm_err err;
    mm_uplink_conf_set(&c, "own_ranges", "133.5.10.0/24", &err);
    mm_uplink_conf_set(&c, "own_ranges", "183.62.140.0/24", &err);
    mm_uplink *u;
    mm_uplink_opts uo = {.no_threads = true};
    if (mm_uplink_start(&c, &uo, &u, &err) != MM_OK) {
        fprintf(stderr, "bench-uplink: %s\n", err.msg);
        return 1;
    }
    long sent = 0, tried = 0, failed = 0;
    double t0 = now_s();
    for (size_t i = 0; nev && sent < want; i = (i + 1) % nev, tried++) {
        if (!mm_uplink_wants_event(u, &evs[i])) {
            if (tried > want * 100)
                break;
            continue;
        }
        if (mm_uplink_submit_event(u, &evs[i], MM_UPLINK_DEFER, &err) != MM_OK)
            failed++;
        sent++;
    }
    mm_uplink_sync(u, &err);
    double dt = now_s() - t0;
    mm_uplink_stop(u);
    uint64_t lines = 0;
    uint64_t sum = spool_checksum(c.spool_dir, &lines);
    printf("events parsed=%zu submitted=%ld failed=%ld spooled=%llu "
           "checksum=%016llx\n",
           nev, sent, failed, (unsigned long long)lines,
           (unsigned long long)sum);
    printf("%.3f s, %.0f events/s, %.2f us/event\n", dt, (double)sent / dt,
           dt * 1e6 / (double)(sent ? sent : 1));
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    for (int i = 0; i < 16; i++)
        free(bufs[i]);
    free(evs);
    return 0;
}
