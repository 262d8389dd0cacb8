/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench-parse.c — lines/s of mm_parse_line over a log file repeated in
 * memory, with the counts (events / skipped / unparsed) and a checksum of
 * the output so a faster-but-wrong parser shows.
 *
 * Build (release flags, from the repository root, after `make`):
 *   cc -std=c11 -D_GNU_SOURCE -O2 -Isrc/core -Isrc/parse \
 *      bench/bench-parse.c build/libmamori.a -o build/bench-parse
 * Run:
 *   build/bench-parse data/samples/loghub-OpenSSH_2k.log sshd 1000
 *   build/bench-parse data/samples/elastic-apache_access_10k.log auto 200
 * Types: auto syslog sshd web-access web-error netfilter fortigate kv.
 * Options after REPEAT: "-v" prints each unparsed line first; "-now"
 * leaves opts.year at 0 (the current year, looked up per line) instead
 * of fixing it at 2024.
 */
#include "parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench-parse FILE TYPE REPEAT [-v] [-now]\n");
        return 2;
    }
    mm_logtype type;
    if (!mm_logtype_from_name(argv[2], &type)) {
        fprintf(stderr, "bench-parse: unknown type %s\n", argv[2]);
        return 2;
    }
    long repeat = strtol(argv[3], NULL, 10);
    bool verbose = false, now_year = false;
    for (int i = 4; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0)
            verbose = true;
        else if (strcmp(argv[i], "-now") == 0)
            now_year = true;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)size + 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "bench-parse: cannot read %s\n", argv[1]);
        return 1;
    }
    fclose(f);
    /* line table, built once: the benchmark measures parsing only */
    size_t nl = 0, cap = 1024;
    mm_span *lines = malloc(cap * sizeof *lines);
    for (char *p = buf, *e = buf + size; p < e;) {
        char *q = memchr(p, '\n', (size_t)(e - p));
        if (!q)
            q = e;
        if (nl == cap)
            lines = realloc(lines, (cap *= 2) * sizeof *lines);
        lines[nl++] = mm_span_make(p, (size_t)(q - p));
        p = q + 1;
    }
    mm_parse_opts opts = {.year = now_year ? 0 : 2024};
    mm_parse_stats st = {0};
    uint64_t sum = 0;
    mm_event ev;
    for (size_t i = 0; verbose && i < nl; i++)
        if (mm_parse_line(&opts, type, lines[i].p, lines[i].len, &ev) ==
            MM_EPARSE)
            printf("unparsed: %.*s\n", (int)lines[i].len, lines[i].p);
    double t0 = now_s(), c0 = cpu_s();
    for (long r = 0; r < repeat; r++) {
        for (size_t i = 0; i < nl; i++) {
            mm_rc rc =
                mm_parse_line(&opts, type, lines[i].p, lines[i].len, &ev);
            st.lines++;
            if (rc == MM_OK) {
                st.events++;
                sum += (uint64_t)ev.action * 31u + ev.src.bytes[3] +
                       ev.src_port + ev.user.len + ev.path.len + ev.count;
            } else if (rc == MM_SKIP) {
                st.skipped++;
            } else {
                st.unparsed++;
            }
        }
    }
    double dt = now_s() - t0;
    printf("%s type=%s lines=%llu events=%llu skipped=%llu unparsed=%llu "
           "checksum=%llu\n",
           argv[1], argv[2], (unsigned long long)st.lines,
           (unsigned long long)st.events, (unsigned long long)st.skipped,
           (unsigned long long)st.unparsed, (unsigned long long)sum);
    printf("%.3f s, %.0f lines/s, %.1f ns/line, %.0f MB/s\n", dt,
           (double)st.lines / dt, dt * 1e9 / (double)st.lines,
           (double)size * (double)repeat / dt / 1e6);
    /* on a shared machine wall time includes waiting for a core */
    double dc = cpu_s() - c0;
    printf("cpu %.3f s, %.0f lines per CPU second\n", dc,
           dc > 0 ? (double)st.lines / dc : 0.0);
    free(lines);
    free(buf);
    return 0;
}
