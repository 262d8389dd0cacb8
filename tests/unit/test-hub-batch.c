/* SPDX-License-Identifier: Apache-2.0 */
/* test-hub-batch.c — the batch decoder's fast path against the jansson-only
 * reference (mm_hub_batch_decode_ref): same accept/reject, same error text
 * and line, same extracted fields, on hand-written edge cases, the fuzz seed
 * corpus and many mutations of both. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "hub.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool same_event(const mm_hub_event *a, const mm_hub_event *b)
{
    return strcmp(a->id, b->id) == 0 && a->alert == b->alert &&
           a->ts_ms == b->ts_ms && strcmp(a->rule_id, b->rule_id) == 0 &&
           a->severity == b->severity && a->src.family == b->src.family &&
           memcmp(a->src.bytes, b->src.bytes, sizeof a->src.bytes) == 0 &&
           strcmp(a->src_text, b->src_text) == 0 &&
           strcmp(a->domain, b->domain) == 0 &&
           strcmp(a->path, b->path) == 0 && a->users_hash == b->users_hash &&
           a->n_users == b->n_users &&
           strcmp(a->observer_tenant, b->observer_tenant) == 0 &&
           a->json_len == b->json_len &&
           memcmp(a->json, b->json, a->json_len) == 0;
}

typedef struct tally {
    unsigned ok, rejected;
} tally;

/* Decodes `body` both ways and fails the test on any difference. */
static void diff(const char *body, size_t len, bool zstd, tally *t)
{
    mm_hub_batch b, r;
    mm_err err, rerr;
    memset(&err, 0, sizeof err);
    memset(&rerr, 0, sizeof rerr);
    mm_rc rc = mm_hub_batch_decode(body, len, zstd, &b, &err);
    mm_rc rrc = mm_hub_batch_decode_ref(body, len, zstd, &r, &rerr);
    if (rc != rrc)
        fail_msg("fast %d, reference %d on: %.*s", rc, rrc, (int)len, body);
    if (rc == MM_OK) {
        assert_int_equal(b.n, r.n);
        for (size_t i = 0; i < b.n; i++)
            if (!same_event(&b.ev[i], &r.ev[i]))
                fail_msg("event %zu differs on: %.*s", i, (int)len, body);
        mm_hub_batch_free(&b);
        mm_hub_batch_free(&r);
        t->ok++;
    } else {
        assert_string_equal(err.msg, rerr.msg);
        assert_int_equal(err.line, rerr.line);
        t->rejected++;
    }
}

static const char *const cases[] = {
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"a1\","
    "\"kind\":\"alert\","
    "\"severity\":\"medium\"},\"rule\":{\"id\":\"ssh.bruteforce\"},\"source\":"
    "{\"ip\":"
    "\"45.33.32.156\"}}",
    "{\"@timestamp\":\"2026-11-22T01:02:03.5+09:00\",\"event\":{\"id\":\"x1\","
    "\"kind\":\"event\"},\"source\":{\"ip\":\"::ffff:45.33.32.156\"},"
    "\"user\":{\"name\":[\"root\",\"admin\",\"root\",7,\"oracle\"]}}",
    " { \"event\" : { \"id\" : \"s\" , \"kind\" : \"event\" , \"severity\" : "
    "9 } ,"
    " \"@timestamp\" : \"2026-11-22T00:00:00Z\" , \"x\" : [ 1 , -2.50 , true "
    ", false ,"
    " null , { } , [ ] , \"\\n\\t\\\"\\\\\\/\" ] } ",
    /* escapes and \u: the reference decides */
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"a\\u0041\","
    "\"kind\":"
    "\"event\"}}",
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"a\\n\","
    "\"kind\":"
    "\"event\"}}",
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"a\\u0000b\","
    "\"kind\":"
    "\"event\"}}",
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"\\ud800\","
    "\"kind\":"
    "\"event\"}}",
    /* duplicates, at the top and deeper */
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"d\","
    "\"kind\":\"event\"},"
    "\"event\":{}}",
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"d\","
    "\"kind\":\"event\"},"
    "\"z\":{\"a\":1,\"a\":2}}",
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"d\","
    "\"kind\":\"event\"},"
    "\"z\":{\"a\":1,\"\\u0061\":2}}",
    /* numbers */
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"n\","
    "\"kind\":\"event\","
    "\"severity\":99999999999999999999999}}",
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"n\","
    "\"kind\":\"event\","
    "\"severity\":-3},\"v\":[0,-0,1e5,1E+400,01,1.,.5,-,2.0e-3]}",
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"n\","
    "\"kind\":\"event\","
    "\"severity\":3.0}}",
    /* UTF-8: good, overlong, surrogate, cut */
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"日本\","
    "\"kind\":\"event\"},"
    "\"url\":{\"path\":\"/ログイン\"},\"source\":{\"domain\":\"EXAMPLE.jp\"}}",
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"\xC0\xAF\","
    "\"kind\":"
    "\"event\"}}",
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":"
    "\"\xED\xA0\x80\",\"kind\":"
    "\"event\"}}",
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"\xE3\x81\","
    "\"kind\":"
    "\"event\"}}",
    /* what the hub rejects */
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"r\","
    "\"kind\":\"alert\"}}",
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"r\","
    "\"kind\":\"event\"},"
    "\"rule\":{\"id\":5}}",
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"r\","
    "\"kind\":\"event\"},"
    "\"source\":{\"ip\":\"999.1.1.1\"}}",
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"r\","
    "\"kind\":\"event\"},"
    "\"source\":{\"ip\":[]}}",
    "{\"@timestamp\":\"yesterday\",\"event\":{\"id\":\"r\",\"kind\":\"event\"}"
    "}",
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"\",\"kind\":"
    "\"event\"}}",
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"r\","
    "\"kind\":\"Alert\"}}",
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":\"x\"}",
    "[1,2]",
    "{\"a\":1} x",
    "{\"a\":1",
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"o\","
    "\"kind\":\"event\"},"
    "\"observer\":{\"tenant\":\"someone-else\"},\"destination\":{\"domain\":"
    "\"C2.Example\"},"
    "\"source\":{\"domain\":\"\"}}",
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"o\","
    "\"kind\":\"event\"},"
    "\"rule\":\"ssh\",\"source\":5,\"user\":{\"name\":\"root\"}}",
};

static void test_cases(void **state)
{
    (void)state;
    tally t = {0, 0};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        diff(cases[i], strlen(cases[i]), false, &t);
    assert_true(t.ok >= 8);
    assert_true(t.rejected >= 10);
    /* all in one batch: the first bad line decides */
    char all[16384];
    size_t n = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        n += (size_t)snprintf(all + n, sizeof all - n, "%s\r\n", cases[i]);
    diff(all, n, false, &t);
}

/* Issue 12 §3: every field that can reach another tenant is checked by
 * its type at ingest, with a 400 naming the field (fast path and
 * reference agree). */
static void expect_field(const char *members, const char *field)
{
    char line[2048];
    snprintf(line, sizeof line,
             "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":"
             "\"t1\",\"kind\":\"alert\"}%s%s}",
             strstr(members, "\"rule\"") ? ""
                                         : ",\"rule\":{\"id\":\"web.scan\"}",
             members);
    tally t = {0, 0};
    diff(line, strlen(line), false, &t);
    mm_hub_batch b;
    mm_err err;
    memset(&err, 0, sizeof err);
    mm_rc rc = mm_hub_batch_decode(line, strlen(line), false, &b, &err);
    if (!field) {
        if (rc != MM_OK)
            fail_msg("rejected (%s): %s", err.msg, line);
        mm_hub_batch_free(&b);
        return;
    }
    if (rc != MM_EPARSE || !strstr(err.msg, field))
        fail_msg("rc %d \"%s\", expected a 400 naming %s: %s", rc, err.msg,
                 field, line);
}

/* The exact text of a refused line: "<body>", its number, "line N: ...". */
static void test_error_text(void **state)
{
    (void)state;
    static const struct {
        const char *body, *msg;
        unsigned line;
    } bad[] = {
        {"\n  \n[1]\n", "line 3: not a JSON object", 3},
        {"{\"event\":{}}\n",
         "line 1: event.id must be a string of 1..64 bytes", 1},
        {"{}\n{\"event\":1}", "line 1: missing \"event\" object", 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mm_hub_batch b;
        mm_err err;
        memset(&err, 0, sizeof err);
        assert_int_equal(mm_hub_batch_decode(bad[i].body, strlen(bad[i].body),
                                             false, &b, &err),
                         MM_EPARSE);
        assert_string_equal(err.msg, bad[i].msg);
        assert_string_equal(err.file, "<body>");
        assert_int_equal(err.line, bad[i].line);
    }
}

static void test_field_types(void **state)
{
    (void)state;
    /* the attack: a newline in source.domain made feed.txt serve 0.0.0.0/0 */
    expect_field(",\"source\":{\"domain\":\"evil.example\\n0.0.0.0/0\"}",
                 "source.domain");
    expect_field(",\"source\":{\"domain\":\"0.0.0.0/0\"}", "source.domain");
    /* free text (a scam sentence) is not a domain */
    expect_field(",\"source\":{\"domain\":\"振込先が変更になりました。"
                 "新しい口座にお振込みください\"}",
                 "source.domain");
    expect_field(",\"source\":{\"domain\":\"please wire money.example\"}",
                 "source.domain");
    expect_field(",\"destination\":{\"domain\":\"*.example.com\"}",
                 "destination.domain");
    expect_field(",\"destination\":{\"domain\":\"192.0.2.1\"}",
                 "destination.domain");
    expect_field(",\"source\":{\"domain\":\"com\"}", "source.domain");
    expect_field(",\"source\":{\"domain\":\"-a.example\"}", "source.domain");
    expect_field(",\"source\":{\"domain\":\"a..example\"}", "source.domain");
    char big[400];
    memset(big, 'a', 300);
    memcpy(big + 300, ".example", 9);
    char m[600];
    snprintf(m, sizeof m, ",\"source\":{\"domain\":\"%s\"}", big);
    expect_field(m, "source.domain");
    expect_field(",\"url\":{\"path\":\"/a\\r\\nX-Injected: 1\"}", "url.path");
    expect_field(",\"url\":{\"path\":\"/送金先\"}", "url.path");
    expect_field(",\"user\":{\"name\":\"root\\nadmin\"}", "user.name");
    expect_field(",\"user\":{\"name\":[\"root\",\"a\\u0085b\"]}", "user.name");
    expect_field(",\"rule\":{\"id\":\"Web Scan\"}", "rule.id");
    /* valid values still pass */
    expect_field(",\"source\":{\"domain\":\"Mail.Example.co.jp.\"}", NULL);
    expect_field(",\"source\":{\"domain\":\"xn--wgv71a119e.jp\"}", NULL);
    expect_field(",\"destination\":{\"domain\":\"_dmarc.example.com\"}", NULL);
    expect_field(",\"url\":{\"path\":\"/wp-login.php?a=%E3%81%82\"}", NULL);
    expect_field(",\"user\":{\"name\":[\"山田\",\"root\",\"\"]}", NULL);
    /* the domain kept is the first valid one, lower-cased, without the dot */
    const char *ok = "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{"
                     "\"id\":\"t2\",\"kind\":\"event\"},\"source\":{"
                     "\"domain\":\"Mail.Example.co.jp.\"}}";
    mm_hub_batch b;
    mm_err err;
    assert_int_equal(mm_hub_batch_decode(ok, strlen(ok), false, &b, &err),
                     MM_OK);
    assert_string_equal(b.ev[0].domain, "mail.example.co.jp");
    mm_hub_batch_free(&b);
}

static uint64_t rng = 0x243f6a8885a308d3ULL;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

/* One random edit of `s` (len n, room cap) in place; returns the new len. */
static size_t mutate(char *s, size_t n, size_t cap)
{
    static const char pick[] =
        "\"\\{}[],:u0123456789.eE-+ ntf\x80\xC3\xE3\xED\xF4\xFF\t/";
    unsigned op = rnd() % 5;
    size_t at = n ? rnd() % n : 0;
    char c = pick[rnd() % (sizeof pick - 1)];
    if (op == 0 && n) { /* replace */
        s[at] = c;
    } else if (op == 1 && n + 1 < cap) { /* insert */
        memmove(s + at + 1, s + at, n - at);
        s[at] = c;
        n++;
    } else if (op == 2 && n) { /* delete */
        memmove(s + at, s + at + 1, n - at - 1);
        n--;
    } else if (op == 3 && n) { /* duplicate a short run */
        size_t k = 1 + rnd() % 16;
        if (at + k > n)
            k = n - at;
        if (n + k < cap) {
            memmove(s + at + k, s + at, n - at);
            n += k;
        }
    } else if (n) { /* flip a bit */
        s[at] = (char)(s[at] ^ (1 << (rnd() % 8)));
    }
    return n;
}

static void mutate_all(const char *seed, size_t len, unsigned rounds, tally *t)
{
    char buf[8192];
    if (len >= sizeof buf / 2)
        len = sizeof buf / 2;
    for (unsigned r = 0; r < rounds; r++) {
        memcpy(buf, seed, len);
        size_t n = len;
        unsigned edits = 1 + rnd() % 3;
        for (unsigned e = 0; e < edits; e++)
            n = mutate(buf, n, sizeof buf);
        diff(buf, n, false, t);
    }
}

static void test_mutations(void **state)
{
    (void)state;
    tally t = {0, 0};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        mutate_all(cases[i], strlen(cases[i]), 3000, &t);
    /* the mutations must reach both sides */
    assert_true(t.ok > 1000);
    assert_true(t.rejected > 1000);
}

static void test_corpus(void **state)
{
    (void)state;
    const char *srcdir = getenv("SRCDIR");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/fuzz/corpus/fuzz-hub-batch",
             srcdir ? srcdir : ".");
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    tally t = {0, 0};
    unsigned files = 0;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        FILE *fp = fopen(path, "rb");
        assert_non_null(fp);
        static char data[1 << 16];
        size_t n = fread(data, 1, sizeof data, fp);
        fclose(fp);
        if (n == 0)
            continue;
        files++;
        bool zstd = data[0] & 1;
        diff(data + 1, n - 1, zstd, &t);
        if (!zstd)
            mutate_all(data + 1, n - 1, 2000, &t);
    }
    closedir(d);
    assert_true(files >= 3);
    assert_true(t.ok >= 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),      cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_corpus),     cmocka_unit_test(test_field_types),
        cmocka_unit_test(test_error_text),
    };
    return cmocka_run_group_tests_name("hub-batch", tests, NULL, NULL);
}
