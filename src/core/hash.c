/* SPDX-License-Identifier: Apache-2.0 */
/* hash.c — keyed 64-bit hashing and random seeds. */
#include "core.h"

#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static uint64_t mix(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)(r >> 64) ^ (uint64_t)r;
}

static uint64_t read64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static uint64_t read_tail(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    memcpy(&v, p, n);
    return v;
}

uint64_t mm_hash64(const void *data, size_t len, uint64_t seed)
{
    const uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull;
    const uint8_t *p = data;
    uint64_t h = seed ^ mix(seed ^ k0, k1) ^ (uint64_t)len;
    while (len >= 16) {
        h = mix(read64(p) ^ k1, read64(p + 8) ^ h);
        p += 16;
        len -= 16;
    }
    uint64_t a = len >= 8 ? read64(p) : read_tail(p, len);
    uint64_t b = len > 8 ? read_tail(p + 8, len - 8) : 0;
    return mix(a ^ k1 ^ h, b ^ k0) ^ h;
}

uint64_t mm_random_seed(void)
{
    uint64_t seed;
    if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) == (ssize_t)sizeof seed)
        return seed;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return mix((uint64_t)ts.tv_nsec ^ 0x9e3779b97f4a7c15ull,
               (uint64_t)getpid() ^ (uint64_t)ts.tv_sec);
}
