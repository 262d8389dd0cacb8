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

/* An event with a key of each type (ip, net, domain, sig), and one with
 * no key at all (a reserved address). */
static const char EVENT_KEYED[] =
    "{\"@timestamp\":\"2025-11-22T00:00:00Z\",\"event\":{\"id\":\"p1\","
    "\"kind\":\"alert\"},\"rule\":{\"id\":\"web.scan\"},\"url\":{"
    "\"path\":\"/x\"},\"source\":{\"ip\":\"45.33.32.156\",\"domain\":"
    "\"bad.example\"}}\n";
static const char EVENT_NO_KEY[] =
    "{\"@timestamp\":\"2025-11-22T00:00:00Z\",\"event\":{\"id\":\"p2\","
    "\"kind\":\"event\"},\"source\":{\"ip\":\"10.0.0.1\"}}\n";

static void decode_one(const char *line, mm_hub_batch *b)
{
    mm_err err;
    assert_int_equal(mm_hub_batch_decode(line, strlen(line), false, b, &err),
                     MM_OK);
}

static void test_event_partitions(void **state)
{
    (void)state;
    mm_hub_batch b;
    decode_one(EVENT_KEYED, &b);
    const char *k[] = {"net:45.33.32.0/24", "domain:bad.example",
                       "sig:web.scan /x"};
    uint64_t want = 0;
    for (int i = 0; i < 3; i++)
        want |= (uint64_t)1 << mm_hub_key_partition(k[i], strlen(k[i]), 64);
    assert_true(mm_hub_event_partitions(&b.ev[0], 64) == want);
    assert_true(mm_hub_event_partitions(&b.ev[0], 1) == 1);
    mm_hub_batch_free(&b);
    /* no key at all: no partition */
    decode_one(EVENT_NO_KEY, &b);
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

/* The hop chain's pure part (hop.c): which keys a partition takes from a
 * hop's start, where the event goes next, the header. */
static void test_hop_run(void **state)
{
    (void)state;
    const uint8_t part[] = {3, 3, 5, 3, 1};
    unsigned next = 9;
    assert_int_equal(mm_hub_hop_run(part, 5, 0, 3, &next), 2);
    assert_int_equal(next, 2);
    assert_int_equal(mm_hub_hop_run(part, 5, 2, 5, &next), 1);
    assert_int_equal(next, 3);
    /* partition 3 again, on a later hop: keys 0-1 and 3 are its */
    assert_int_equal(mm_hub_hop_run(part, 5, 3, 3, &next), 1);
    assert_int_equal(next, 4);
    assert_int_equal(mm_hub_hop_run(part, 5, 4, 1, &next), 1);
    assert_int_equal(next, 5); /* the chain ends */
    /* not the start key's partition (an old front end's copy): nothing */
    assert_int_equal(mm_hub_hop_run(part, 5, 0, 5, &next), 0);
    assert_int_equal(next, 0);
    assert_int_equal(mm_hub_hop_run(part, 0, 0, 3, &next), 0);
    const uint8_t one[] = {2, 2, 2};
    assert_int_equal(mm_hub_hop_run(one, 3, 0, 2, &next), 3);
    assert_int_equal(next, 3);

    mm_hub_hop h = {9, true};
    assert_true(mm_hub_hop_parse(NULL, &h));
    assert_int_equal(h.start, 0);
    assert_false(h.acted);
    assert_true(mm_hub_hop_parse("", &h));
    assert_int_equal(h.start, 0);
    assert_true(mm_hub_hop_parse("3a", &h));
    assert_int_equal(h.start, 3);
    assert_true(h.acted);
    char v[8];
    mm_hub_hop_format(&h, v, sizeof v);
    assert_string_equal(v, "3a");
    assert_true(mm_hub_hop_parse("4", &h));
    assert_int_equal(h.start, 4);
    assert_false(h.acted);
    mm_hub_hop_format(&h, v, sizeof v);
    assert_string_equal(v, "4");
    const char *bad[] = {"0", "5", "2b", "2aa", "x", "12", "a"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(mm_hub_hop_parse(bad[i], &h));
}

/* An event's keys, their partitions and the front end's one partition;
 * the hop plan of a job follows mm_hub_hop_run. */
static void test_hop_plan(void **state)
{
    (void)state;
    mm_hub_batch b;
    decode_one(EVENT_KEYED, &b);
    uint8_t part[MM_HUB_EVENT_KEYS];
    char type[MM_HUB_EVENT_KEYS];
    const char *k[] = {"ip:45.33.32.156", "net:45.33.32.0/24",
                       "domain:bad.example", "sig:web.scan /x"};
    for (uint32_t pn = 2; pn <= 64; pn *= 2) {
        assert_int_equal(mm_hub_event_key_parts(&b.ev[0], pn, part, type), 4);
        assert_memory_equal(type, "inds", 4);
        for (int i = 0; i < 4; i++)
            assert_int_equal(part[i],
                             mm_hub_key_partition(k[i], strlen(k[i]), pn));
        assert_int_equal(mm_hub_event_first_partition(&b.ev[0], "t", pn),
                         part[0]);
        /* the plan of a front end's batch in the first key's partition */
        mm_hub_ingest_job j;
        memset(&j, 0, sizeof j);
        j.batch = &b;
        char run[MM_HUB_EVENT_KEYS + 1];
        mm_hub_fwd f;
        unsigned next;
        unsigned len = mm_hub_hop_run(part, 4, 0, part[0], &next);
        assert_true(len >= 2); /* ip goes with its net */
        assert_int_equal(mm_hub__hop_plan(pn, part[0], &j, &b.ev[0], run, &f),
                         len);
        assert_int_equal(strlen(run), len);
        assert_memory_equal(run, "inds", len);
        assert_false(f.on);
        assert_int_equal(f.hop.start, next);
        assert_int_equal(f.part, next < 4 ? part[next] : MM_HUB_PARTS_MAX);
        /* a later hop, a key before acted: carried on */
        j.hop_start = 3;
        j.hop_acted = true;
        assert_int_equal(mm_hub__hop_plan(pn, part[3], &j, &b.ev[0], run, &f),
                         1);
        assert_string_equal(run, "s");
        assert_true(f.hop.acted);
        assert_int_equal(f.part, MM_HUB_PARTS_MAX);
    }
    assert_int_equal(mm_hub_event_first_partition(&b.ev[0], "t", 1), 0);
    mm_hub_batch_free(&b);
    /* no key: by tenant and event id */
    decode_one(EVENT_NO_KEY, &b);
    assert_int_equal(mm_hub_event_key_parts(&b.ev[0], 8, part, type), 0);
    assert_int_equal(mm_hub_event_first_partition(&b.ev[0], "t", 8),
                     mm_hub_key_partition("t/p2", 4, 8));
    mm_hub_batch_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_partition_stable),
        cmocka_unit_test(test_event_partitions),
        cmocka_unit_test(test_complementary_halves),
        cmocka_unit_test(test_hop_run),
        cmocka_unit_test(test_hop_plan),
    };
    return cmocka_run_group_tests_name("hub-part", tests, NULL, NULL);
}
