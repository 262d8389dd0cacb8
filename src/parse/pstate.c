/* SPDX-License-Identifier: Apache-2.0 */
/* pstate.c — mm_parse_state: the bounded memory of connections (sshd by
 * host and PID) that lets a line without an address borrow the one an
 * earlier line of the same connection logged.
 *
 * A set-associative table: a key picks a set of PP_WAYS entries; a miss
 * takes an empty entry, else one idle for longer than
 * MM_PARSE_STATE_IDLE_S of log time, else the least recently used one.
 * Memory is fixed at creation and every call does bounded work. */
#include "parse-int.h"

#include <stdlib.h>

#define PP_WAYS 4u

struct mm_parse_state {
    pp_conn *slot;
    uint32_t mask; /* sets - 1 */
    uint32_t tick; /* LRU clock */
    uint64_t seed;
};

mm_rc mm_parse_state_new(size_t slots, mm_parse_state **out)
{
    *out = NULL;
    if (slots == 0)
        slots = MM_PARSE_STATE_SLOTS;
    if (slots > (1u << 20))
        slots = 1u << 20;
    size_t n = 16;
    while (n < slots)
        n <<= 1;
    mm_parse_state *s = calloc(1, sizeof *s);
    if (!s)
        return MM_ENOMEM;
    s->slot = calloc(n, sizeof *s->slot);
    if (!s->slot) {
        free(s);
        return MM_ENOMEM;
    }
    s->mask = (uint32_t)(n / PP_WAYS - 1);
    s->seed = mm_random_seed();
    *out = s;
    return MM_OK;
}

void mm_parse_state_free(mm_parse_state *s)
{
    if (!s)
        return;
    free(s->slot);
    free(s);
}

void mm_parse_state_clear(mm_parse_state *s)
{
    if (s)
        memset(s->slot, 0, ((size_t)s->mask + 1) * PP_WAYS * sizeof *s->slot);
}

/* An entry idle for longer than the limit belongs to a finished
 * connection whose PID may have been reused. */
static bool stale(const pp_conn *c, int64_t ts_ms)
{
    return ts_ms && c->ts_ms &&
           (ts_ms - c->ts_ms > (int64_t)MM_PARSE_STATE_IDLE_S * 1000 ||
            c->ts_ms - ts_ms > (int64_t)MM_PARSE_STATE_IDLE_S * 1000);
}

pp_conn *pp_conn_get(mm_parse_state *s, mm_span host, mm_span pid,
                     int64_t ts_ms)
{
    if (!s || pid.len == 0 || pid.len > 10)
        return NULL;
    uint64_t num = 0;
    for (size_t i = 0; i < pid.len; i++) {
        if (!pp_isdigit(pid.p[i]))
            return NULL;
        num = num * 10u + (uint64_t)(pid.p[i] - '0');
    }
    uint64_t key = mm_hash64(host.p ? host.p : "", host.len,
                             s->seed ^ (num * 0x9E3779B97F4A7C15ull));
    key |= 1; /* 0 marks an empty entry */
    pp_conn *set = s->slot + (size_t)(key & s->mask) * PP_WAYS, *victim = set;
    s->tick++;
    for (unsigned i = 0; i < PP_WAYS; i++) {
        pp_conn *c = set + i;
        if (c->key == key) {
            if (stale(c, ts_ms))
                memset(c, 0, sizeof *c);
            c->key = key;
            c->tick = s->tick;
            if (ts_ms)
                c->ts_ms = ts_ms;
            return c;
        }
        if (victim->key && (!c->key || stale(c, ts_ms) ||
                            (int32_t)(c->tick - victim->tick) < 0))
            victim = c;
    }
    memset(victim, 0, sizeof *victim);
    victim->key = key;
    victim->tick = s->tick;
    victim->ts_ms = ts_ms;
    return victim;
}

void pp_conn_forget(pp_conn *c)
{
    if (c)
        memset(c, 0, sizeof *c);
}
