/* SPDX-License-Identifier: Apache-2.0 */
/* fault.c — the counting allocator and the N = 1, 2, 3 … runner. */
#include "fault.h"

#include <jansson.h>

/* The stack and leak helpers exist only in sanitizer builds (the tests are
 * meant for SAN=1; a plain build still runs, without leak checks). */
#if defined(__SANITIZE_ADDRESS__)
#define FAULT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FAULT_ASAN 1
#endif
#endif
#ifdef FAULT_ASAN
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>
#else
static void __sanitizer_print_stack_trace(void)
{
}
static int __lsan_do_recoverable_leak_check(void)
{
    return 0;
}
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

/* Test-only state: the runner is single-threaded (scenarios start no
 * threads), so plain counters do. */
static long fail_at;       /* allocation number that fails; 0 = none */
static long seen;          /* allocations since arming */
static long injected;      /* failures handed out since arming */
static long injected_json; /* … of which inside jansson */
static bool spare_json;    /* jansson allocations never fail */

static bool should_fail(void)
{
    seen++;
    if (fail_at > 0 && seen == fail_at) {
        injected++;
        if (getenv("FAULT_TRACE")) /* where allocation N is */
            __sanitizer_print_stack_trace();
        return true;
    }
    return false;
}

void *__wrap_malloc(size_t n)
{
    return should_fail() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t k, size_t n)
{
    return should_fail() ? NULL : __real_calloc(k, n);
}

void *__wrap_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    return should_fail() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    return should_fail() ? NULL : __real_strndup(s, n);
}

/* jansson's allocations made on mamori's behalf. jansson itself does not
 * always report a failed allocation (its lexer drops a byte of a string
 * when growing the buffer fails), so a changed result after a failure
 * inside jansson is counted apart, not held against mamori. */
static void *json_alloc(size_t n)
{
    if (spare_json) {
        seen++;
        return __real_malloc(n);
    }
    if (should_fail()) {
        injected_json++;
        return NULL;
    }
    return __real_malloc(n);
}

static void arm(long n)
{
    fail_at = n;
    seen = 0;
    injected = 0;
    injected_json = 0;
}

const char *fault_src(const char *rel, char *out, size_t outlen)
{
    const char *root = getenv("SRCDIR");
    snprintf(out, outlen, "%s/%s", root && *root ? root : ".", rel);
    return out;
}

const char *fault_tmpdir(char *out, size_t outlen)
{
    const char *t = getenv("TMPDIR");
    snprintf(out, outlen, "%s/mm-fault-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(out))
        out[0] = '\0';
    return out;
}

typedef struct tally {
    long points;   /* runs with an injected failure */
    long errors;   /* … that returned an error code */
    long absorbed; /* … that returned MM_OK with the clean result */
    long degraded; /* … MM_OK with another result, allowed (lossy) */
    long jansson;  /* … MM_OK with another result after a jansson failure */
    long bad;      /* … that returned MM_OK with another result */
    long no_msg;   /* errors without a message in mm_err */
} tally;

static bool run_one(const fault_scenario *s, long n, const mm_buf *clean,
                    tally *t)
{
    mm_buf out;
    mm_buf_init(&out, 64u * 1024u * 1024u);
    mm_err err;
    memset(&err, 0, sizeof err);
    arm(n);
    mm_rc rc = s->fn(&out, &err);
    long hit = injected, hit_json = injected_json;
    /* go on while runs still reach allocation N (with spare_json it may be
     * a jansson one that was not failed) */
    bool more = seen >= n;
    arm(0);
    if (hit) {
        t->points++;
        if (rc != MM_OK) {
            t->errors++;
            if (!err.msg[0] && t->no_msg++ < 3 && getenv("FAULT_VERBOSE"))
                printf("# %s: allocation %ld: %s without a message\n", s->name,
                       n, mm_rc_name(rc));
        } else if (out.len == clean->len &&
                   (out.len == 0 ||
                    memcmp(out.data, clean->data, out.len) == 0)) {
            t->absorbed++;
        } else if (s->lossy) {
            t->degraded++;
        } else if (hit_json) {
            t->jansson++;
            if (getenv("FAULT_VERBOSE"))
                printf("# %s: allocation %ld (jansson) failed, MM_OK with "
                       "another result:\n%.2000s\n# clean:\n%.2000s\n",
                       s->name, n, out.data ? out.data : "",
                       clean->data ? clean->data : "");
        } else {
            t->bad++;
            printf("# %s: allocation %ld failed, MM_OK returned with a "
                   "different result\n",
                   s->name, n);
            if (getenv("FAULT_VERBOSE"))
                printf("# clean:\n%.2000s\n# got:\n%.2000s\n",
                       clean->data ? clean->data : "",
                       out.data ? out.data : "");
        }
    }
    mm_buf_free(&out);
    /* FAULT_LEAKS=1: a leak check after every run names the allocation
     * whose failure leaked (slow; for finding the path). */
    if (hit && getenv("FAULT_LEAKS") && __lsan_do_recoverable_leak_check())
        printf("# %s: allocation %ld failed and leaked (see above)\n", s->name,
               n);
    return more;
}

int fault_main(const char *suite, const fault_scenario *sc, size_t n)
{
    json_set_alloc_funcs(json_alloc, free);
    const char *only = getenv("FAULT_ONLY");
    long only_n = 0;
    size_t only_len = only ? strcspn(only, ":") : 0;
    if (only && only[only_len] == ':')
        only_n = strtol(only + only_len + 1, NULL, 10);
    tally all = {0};
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        const fault_scenario *s = &sc[i];
        spare_json = s->spare_json;
        if (only && (strlen(s->name) != only_len ||
                     strncmp(s->name, only, only_len) != 0))
            continue;
        mm_buf clean;
        mm_buf_init(&clean, 64u * 1024u * 1024u);
        mm_err err;
        memset(&err, 0, sizeof err);
        arm(0);
        mm_rc rc = s->fn(&clean, &err);
        long total = seen;
        if (rc != MM_OK) {
            printf("# %s: the clean run failed: %s: %s\n", s->name,
                   mm_rc_name(rc), err.msg);
            ok = false;
            mm_buf_free(&clean);
            continue;
        }
        tally t = {0};
        if (only_n > 0)
            run_one(s, only_n, &clean, &t);
        else
            for (long k = 1; run_one(s, k, &clean, &t); k++)
                ;
        printf("# %-22s %6ld allocations, %6ld failed: %ld errors "
               "(%ld without message), %ld absorbed, %ld degraded, "
               "%ld changed inside jansson, %ld wrong\n",
               s->name, total, t.points, t.errors, t.no_msg, t.absorbed,
               t.degraded, t.jansson, t.bad);
        if (t.bad)
            ok = false;
        all.points += t.points;
        all.errors += t.errors;
        all.absorbed += t.absorbed;
        all.bad += t.bad;
        mm_buf_free(&clean);
    }
    printf("%s - %s: %ld injected allocation failures, %ld clean errors, "
           "%ld absorbed\n",
           ok ? "ok 1" : "not ok 1", suite, all.points, all.errors,
           all.absorbed);
    printf("1..1\n");
    fflush(stdout);
    return ok ? 0 : 1;
}
