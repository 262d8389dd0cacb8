/* SPDX-License-Identifier: Apache-2.0 */
/* fault.h — allocation-failure testing (SQLite's fault simulator, for
 * mamori).
 *
 * A fault binary links libmamori.a with -Wl,--wrap=malloc,calloc,realloc,
 * strdup,strndup, so every allocation mamori's own code makes (and, through
 * json_set_alloc_funcs, every jansson allocation made on its behalf) goes
 * through a counter. For each scenario the runner first records a clean
 * run, then runs it again with allocation N failing, for N = 1, 2, 3 …
 * until a run completes without reaching allocation N. Each run must end
 * with either an error code (the clean OOM path) or MM_OK and exactly the
 * clean run's result (the failure was absorbed); a crash or a sanitizer
 * report ends the binary, and LeakSanitizer checks at exit that no failed
 * path leaked. SQLite, Hyperscan, zstd and libc allocate with their own
 * allocators and are not counted.
 */
#ifndef MM_FAULT_H
#define MM_FAULT_H

#include "core.h"

/* One scenario: does its work, appends a digest of the result (alert JSON,
 * report text, …) to `out`, frees everything it made on every path, and
 * returns MM_OK or the first error. */
typedef mm_rc (*fault_fn)(mm_buf *out, mm_err *err);

typedef struct fault_scenario {
    const char *name;
    fault_fn fn;
    /* The API degrades instead of failing (a detector that drops a window
     * it cannot allocate): MM_OK with a different result is allowed. */
    bool lossy;
    /* Spare jansson: its allocations are counted but never fail. jansson
     * 2.14's lexer asserts (abort) when growing a string buffer fails, so
     * scenarios that parse escaped JSON strings set this. */
    bool spare_json;
} fault_scenario;

/* Runs every scenario as described above and prints one TAP line for the
 * whole binary (`suite`), with "# …" detail lines. Returns the exit code.
 * FAULT_ONLY=name[:N] in the environment runs one scenario (and one N). */
int fault_main(const char *suite, const fault_scenario *sc, size_t n);

/* Absolute path of a file in the source tree ($SRCDIR or "."). */
const char *fault_src(const char *rel, char *out, size_t outlen);
/* A fresh private directory under $TMPDIR for a scenario's files. */
const char *fault_tmpdir(char *out, size_t outlen);

#endif
