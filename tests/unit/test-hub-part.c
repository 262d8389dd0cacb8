/* SPDX-License-Identifier: Apache-2.0 */
/* test-hub-part.c — partitions of the correlation key space
 * (docs/scale.md): a stable key → partition hash, and engines owning
 * complementary partitions together opening exactly the campaigns of one
 * engine owning every key, none twice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hub-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOW 1795000000000LL
#define PARTS 8u

typedef struct eng {
    char dir[64];
    mm_store *st;
    mm_hub *h;
} eng;

static void eng_open(eng *e, uint32_t part_n, uint64_t owned)
{
    snprintf(e->dir, sizeof e->dir, "/tmp/mm-test-hub-part.XXXXXX");
    assert_non_null(mkdtemp(e->dir));
    char path[128];
    snprintf(path, sizeof path, "%s/hub.db", e->dir);
    mm_err err;
    assert_int_equal(mm_store_open(path, &e->st, &err), MM_OK);
    const char *ids[] = {"a", "b", "c", "d", "x"};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        mm_tenant t;
        memset(&t, 0, sizeof t);
        snprintf(t.id, sizeof t.id, "%s", ids[i]);
        snprintf(t.name, sizeof t.name, "Tenant %s", ids[i]);
        t.kind = ids[i][0] == 'x' ? MM_TK_BUYER : MM_TK_SME;
        mm_hub_token_hash(t.id, strlen(t.id), t.token_hash,
                          sizeof t.token_hash);
        assert_int_equal(mm_store_tenant_put(e->st, &t, &err), MM_OK);
    }
    mm_hub_params p;
    mm_hub_params_default(&p);
    assert_int_equal(p.part_n, 0); /* default: every key */
    p.part_n = part_n;
    p.part_owned = owned;
    assert_int_equal(mm_hub_new(e->st, &p, &e->h, &err), MM_OK);
}

static void eng_close(eng *e)
{
    mm_hub_free(e->h);
    mm_store_close(e->st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", e->dir);
    assert_int_equal(system(cmd), 0);
}

static void feed(eng *e, const char *tenant, const char *line)
{
    mm_hub_batch b;
    mm_err err;
    assert_int_equal(mm_hub_batch_decode(line, strlen(line), false, &b, &err),
                     MM_OK);
    mm_hub_ingest_result r;
    assert_int_equal(mm_hub_ingest(e->h, mm_hub_tenant_by_id(e->h, tenant), &b,
                                   NOW, &r, &err),
                     MM_OK);
    mm_hub_batch_free(&b);
}

/* Event i of the replay: addresses in 12 /24s (three per /24), domains
 * and user-name lists without an address, from four tenants. */
static void event_line(unsigned i, char *out, size_t n)
{
    unsigned r = i * 2654435761u >> 7;
    char t[32];
    mm_time_format(1763770000000LL + (int64_t)i * 60000, t, sizeof t);
    int k = snprintf(out, n,
                     "{\"@timestamp\":\"%s\",\"event\":{\"id\":\"e%u\","
                     "\"kind\":\"event\"},",
                     t, i);
    if (r % 4 < 2)
        snprintf(out + k, n - (size_t)k,
                 "\"source\":{\"ip\":\"45.%u.7.%u\"}}\n", 20 + r % 12,
                 1 + r / 12 % 3);
    else if (r % 4 == 2)
        snprintf(out + k, n - (size_t)k,
                 "\"source\":{\"domain\":\"bad-%u.example\"}}\n", r / 4 % 5);
    else
        snprintf(out + k, n - (size_t)k,
                 "\"user\":{\"name\":[\"admin\",\"u%u\"]}}\n", r / 4 % 4);
}

typedef struct keys {
    char k[64][320];
    unsigned n;
} keys;

static mm_rc add_key(const mm_campaign *c, void *ud)
{
    keys *ks = ud;
    assert_true(ks->n < 64);
    mm_hub__camp_key(c, ks->k[ks->n++], sizeof ks->k[0]);
    return MM_OK;
}

static bool has(const keys *ks, const char *k)
{
    for (unsigned i = 0; i < ks->n; i++)
        if (strcmp(ks->k[i], k) == 0)
            return true;
    return false;
}

static void campaign_keys(eng *e, keys *ks)
{
    memset(ks, 0, sizeof *ks);
    mm_err err;
    assert_int_equal(mm_store_campaign_list(e->st, add_key, ks, &err), MM_OK);
}

static void test_partition_stable(void **state)
{
    (void)state;
    /* fixed seed: the same answer in every process (these values were
     * computed once; a per-process seed would change them) */
    const char *k = "domain:bad-1.example";
    unsigned p = mm_hub_key_partition(k, strlen(k), PARTS);
    assert_true(p < PARTS);
    assert_int_equal(p, mm_hub_key_partition(k, strlen(k), PARTS));
    assert_int_equal(mm_hub_key_partition(k, strlen(k), 1), 0);
    assert_int_equal(mm_hub_key_partition(k, strlen(k), 0), 0);
    /* an address goes with its network */
    const char *ip = "ip:45.33.32.156", *net = "net:45.33.32.0/24";
    for (uint32_t n = 2; n <= 64; n++)
        assert_int_equal(mm_hub_key_partition(ip, strlen(ip), n),
                         mm_hub_key_partition(net, strlen(net), n));
    /* keys spread over the partitions */
    unsigned seen = 0;
    for (unsigned i = 0; i < 64; i++) {
        char d[64];
        int l = snprintf(d, sizeof d, "domain:d%u.example", i);
        seen |= 1u << mm_hub_key_partition(d, (size_t)l, PARTS);
    }
    assert_int_equal(seen, 0xffu);
}

static void test_event_partitions(void **state)
{
    (void)state;
    const char *l = "{\"@timestamp\":\"2025-11-22T00:00:00Z\",\"event\":{"
                    "\"id\":\"p1\",\"kind\":\"alert\"},\"rule\":{\"id\":"
                    "\"web.scan\"},\"url\":{\"path\":\"/x\"},\"source\":{"
                    "\"ip\":\"45.33.32.156\",\"domain\":\"bad.example\"}}\n";
    mm_hub_batch b;
    mm_err err;
    assert_int_equal(mm_hub_batch_decode(l, strlen(l), false, &b, &err),
                     MM_OK);
    const char *k[] = {"net:45.33.32.0/24", "domain:bad.example",
                       "sig:web.scan /x"};
    uint64_t want = 0;
    for (int i = 0; i < 3; i++)
        want |= (uint64_t)1 << mm_hub_key_partition(k[i], strlen(k[i]), 64);
    assert_true(mm_hub_event_partitions(&b.ev[0], 64) == want);
    assert_true(mm_hub_event_partitions(&b.ev[0], 1) == 1);
    mm_hub_batch_free(&b);
    /* no key at all (a reserved address): no partition */
    l = "{\"@timestamp\":\"2025-11-22T00:00:00Z\",\"event\":{\"id\":\"p2\","
        "\"kind\":\"event\"},\"source\":{\"ip\":\"10.0.0.1\"}}\n";
    assert_int_equal(mm_hub_batch_decode(l, strlen(l), false, &b, &err),
                     MM_OK);
    assert_true(mm_hub_event_partitions(&b.ev[0], 8) == 0);
    mm_hub_batch_free(&b);
}

/* Two engines owning complementary halves of 8 partitions, fed the same
 * events, open exactly the campaigns of one engine owning all, none in
 * both; each rebuilt from its store keeps only its own. */
static void test_complementary_halves(void **state)
{
    (void)state;
    eng all, lo, hi;
    eng_open(&all, 0, 0);
    eng_open(&lo, PARTS, 0x0f);
    eng_open(&hi, PARTS, 0xf0);
    const char *ten[] = {"a", "b", "c", "d"};
    for (unsigned i = 0; i < 400; i++) {
        char line[512];
        event_line(i, line, sizeof line);
        const char *t = ten[(i * 7 + i / 5) % 4];
        feed(&all, t, line);
        feed(&lo, t, line);
        feed(&hi, t, line);
    }
    keys ka, kl, kh;
    campaign_keys(&all, &ka);
    campaign_keys(&lo, &kl);
    campaign_keys(&hi, &kh);
    assert_true(ka.n >= 10);
    assert_true(kl.n > 0 && kh.n > 0);
    assert_int_equal(kl.n + kh.n, ka.n);
    for (unsigned i = 0; i < kl.n; i++) {
        assert_true(has(&ka, kl.k[i]));
        assert_false(has(&kh, kl.k[i]));
        assert_true(mm_hub_key_partition(kl.k[i], strlen(kl.k[i]), PARTS) < 4);
    }
    for (unsigned i = 0; i < kh.n; i++) {
        assert_true(has(&ka, kh.k[i]));
        assert_true(mm_hub_key_partition(kh.k[i], strlen(kh.k[i]), PARTS) >=
                    4);
    }
    /* the other half's keys are not counted as refused at the cap */
    assert_int_equal(mm_hub_keys_skipped(lo.h), 0);
    assert_true(mm_hub_keys(lo.h) < mm_hub_keys(all.h));
    assert_true(mm_hub_keys(lo.h) + mm_hub_keys(hi.h) == mm_hub_keys(all.h));
    /* rebuilt from its store (the replay path): the same keys again */
    size_t nk = mm_hub_keys(lo.h);
    mm_hub_free(lo.h);
    mm_hub_params p;
    mm_hub_params_default(&p);
    p.part_n = PARTS;
    p.part_owned = 0x0f;
    mm_err err;
    assert_int_equal(mm_hub_new(lo.st, &p, &lo.h, &err), MM_OK);
    assert_int_equal(mm_hub_keys(lo.h), nk);
    p.part_n = 65;
    mm_hub *bad = NULL;
    assert_int_equal(mm_hub_new(lo.st, &p, &bad, &err), MM_EINVAL);
    eng_close(&all);
    eng_close(&lo);
    eng_close(&hi);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_partition_stable),
        cmocka_unit_test(test_event_partitions),
        cmocka_unit_test(test_complementary_halves),
    };
    return cmocka_run_group_tests_name("hub-part", tests, NULL, NULL);
}
