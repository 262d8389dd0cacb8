/* SPDX-License-Identifier: Apache-2.0 */
/* test-block.c — unit tests of the block module: the allowlist always
 * wins, the cap, the feed reader, and every rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "block.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static mm_cidr cidr(const char *s)
{
    mm_cidr c;
    assert_int_equal(mm_cidr_parse(s, strlen(s), &c), MM_OK);
    return c;
}

static void plan_from(mm_block_plan *p, mm_block_allow *a, const char *text,
                      size_t max)
{
    mm_err err;
    mm_block_plan_init(p, max);
    assert_int_equal(
        mm_block_feed_parse(p, a, "feed", text, strlen(text), 600, &err),
        MM_OK);
    mm_block_plan_finish(p);
}

static void test_allow_wins(void **state)
{
    (void)state;
    mm_block_allow a;
    mm_err err;
    assert_int_equal(mm_block_allow_init(&a), MM_OK);
    assert_int_equal(mm_block_allow_add(&a, "192.0.2.0/28", "t", &err), MM_OK);
    assert_int_equal(mm_block_allow_add(&a, "2001:db8::5", "t", &err), MM_OK);
    assert_int_equal(mm_block_allow_add(&a, "nope", "t", &err), MM_EPARSE);
    mm_block_plan p;
    /* an address inside, a prefix around it, and loopback: all refused */
    plan_from(&p, &a,
              "192.0.2.3\n192.0.2.0/24\n127.0.0.1\n2001:db8::5\n"
              "2001:db8::/64\n198.51.100.1\n2001:db8:1::1\n",
              0);
    assert_int_equal(p.allowed, 5);
    assert_int_equal(p.n, 2);
    char net[64];
    mm_block_cidr_format(&p.v[0].net, net, sizeof net);
    assert_string_equal(net, "198.51.100.1");
    mm_block_cidr_format(&p.v[1].net, net, sizeof net);
    assert_string_equal(net, "2001:db8:1::1");
    mm_cidr c = cidr("192.0.2.9");
    assert_true(mm_block_allowed(&a, &c));
    c = cidr("192.0.2.16");
    assert_false(mm_block_allowed(&a, &c));
    mm_block_plan_free(&p);
    mm_block_allow_free(&a);
}

static void test_cap_wide_dups(void **state)
{
    (void)state;
    mm_block_plan p;
    plan_from(&p, NULL, "203.0.113.1\n203.0.113.2\n203.0.113.3\n203.0.113.4\n",
              3);
    assert_int_equal(p.n, 3);
    assert_int_equal(p.capped, 1);
    mm_block_plan_free(&p);
    plan_from(&p, NULL,
              "0.0.0.0/0\n10.0.0.0/8\n::/0\n2001:db8::/16\n"
              "198.51.100.7\n198.51.100.0/24\n198.51.100.0/24\n",
              0);
    assert_int_equal(p.too_wide, 4);
    assert_int_equal(p.dups, 2);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.v[0].net.bits, 24);
    assert_int_equal(p.v[0].ttl_s, 600);
    mm_cidr c = cidr("198.51.100.0/24");
    assert_int_equal(mm_block_plan_find(&p, &c), 0);
    c = cidr("198.51.100.7");
    assert_int_equal(mm_block_plan_find(&p, &c), -1);
    mm_block_plan_free(&p);
}

static void test_feed_parse(void **state)
{
    (void)state;
    mm_block_plan p;
    plan_from(&p, NULL,
              "# mamori 共有フィード\n\n  203.0.113.9\t# note\r\n"
              "evil.example.com\n2001:db8:2::/48 extra\n",
              0);
    assert_int_equal(p.n, 2);
    assert_int_equal(p.domains, 1);
    mm_block_plan_free(&p);
    mm_err err;
    mm_block_plan_init(&p, 0);
    const char *bad = "203.0.113.9\n1.2.3\n";
    assert_int_equal(
        mm_block_feed_parse(&p, NULL, "f.txt", bad, strlen(bad), 0, &err),
        MM_EPARSE);
    assert_int_equal(err.line, 2);
    assert_int_equal(p.v[0].ttl_s, MM_BLOCK_TTL_DEFAULT);
    mm_block_plan_free(&p);
}

static void test_resolv(void **state)
{
    (void)state;
    char path[] = "/tmp/mm-block-resolvXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *t = "# x\nsearch example.com\nnameserver 9.9.9.9\n"
                    "nameserver fe80::1%eth0\nnameserver bogus\n";
    assert_int_equal(write(fd, t, strlen(t)), (ssize_t)strlen(t));
    close(fd);
    mm_block_allow a;
    mm_err err;
    mm_block_allow_init(&a);
    assert_int_equal(mm_block_allow_add_resolv(&a, path, &err), MM_OK);
    assert_int_equal(a.n, 4);
    mm_cidr c = cidr("9.9.9.9");
    assert_true(mm_block_allowed(&a, &c));
    c = cidr("fe80::1");
    assert_true(mm_block_allowed(&a, &c));
    unlink(path);
    assert_int_equal(mm_block_allow_add_resolv(&a, path, &err), MM_OK);
    assert_int_equal(mm_block_allow_add_host(&a, "127.0.0.1", &err), MM_OK);
    assert_int_equal(a.n, 5);
    mm_block_allow_free(&a);
}

static void test_render_nft(void **state)
{
    (void)state;
    mm_block_plan want, cur;
    plan_from(&want, NULL, "203.0.113.1\n203.0.113.2\n2001:db8:9::/48\n", 0);
    plan_from(&cur, NULL, "203.0.113.2\n203.0.113.3\n2001:db8:9::/48\n", 0);
    cur.v[0].expires_s = 100; /* 203.0.113.2: less than half of 600 left */
    cur.v[0].packets = 7;
    cur.v[0].bytes = 420;
    cur.v[2].expires_s = 500; /* the /48: keep as is */
    mm_buf b;
    mm_buf_init(&b, 1 << 20);
    assert_int_equal(mm_block_render_nft(&want, &cur, &b), MM_OK);
    assert_non_null(strstr(b.data, "add table inet mamori\n"));
    assert_non_null(strstr(b.data, "flags interval,timeout; counter;"));
    assert_non_null(strstr(b.data, "hook input priority -10"));
    assert_non_null(strstr(b.data, "hook forward priority -10"));
    assert_non_null(strstr(b.data, "delete element inet mamori block_v4 { "
                                   "203.0.113.3 }\n"));
    assert_non_null(strstr(b.data, "add element inet mamori block_v4 { "
                                   "203.0.113.1 counter packets 0 bytes 0 "
                                   "timeout 600s }\n"));
    assert_non_null(strstr(b.data, "delete element inet mamori block_v4 { "
                                   "203.0.113.2 }\nadd element inet mamori "
                                   "block_v4 { 203.0.113.2 counter packets 7 "
                                   "bytes 420 timeout 600s }\n"));
    assert_null(strstr(b.data, "2001:db8:9::/48 counter"));
    mm_buf_free(&b);
    mm_block_plan_free(&want);
    mm_block_plan_free(&cur);
}

static void test_render_lists(void **state)
{
    (void)state;
    mm_block_plan p;
    plan_from(&p, NULL, "203.0.113.1\n198.51.100.0/24\n2001:db8:9::/48\n", 0);
    mm_block_list_format f;
    assert_true(mm_block_list_format_from_name("paloalto", &f));
    assert_false(mm_block_list_format_from_name("checkpoint", &f));
    for (int i = 0; i < 3; i++) {
        mm_buf b;
        mm_buf_init(&b, 1 << 20);
        assert_int_equal(mm_block_render_list(&p, (mm_block_list_format)i, &b),
                         MM_OK);
        assert_string_equal(b.data,
                            "198.51.100.0/24\n203.0.113.1\n2001:db8:9::/48\n");
        mm_buf_free(&b);
    }
    mm_block_plan_free(&p);
}

static void test_render_yamaha(void **state)
{
    (void)state;
    mm_block_plan p;
    plan_from(&p, NULL, "203.0.113.1\n198.51.100.0/24\n2001:db8:9::/48\n", 0);
    mm_buf a, r;
    mm_buf_init(&a, 1 << 20);
    mm_buf_init(&r, 1 << 20);
    mm_err err;
    mm_block_yamaha_opts o = {200000, "lan2", "1010 1099"};
    assert_int_equal(mm_block_render_yamaha(&p, &o, &a, &r, &err), MM_OK);
    assert_string_equal(a.data,
                        "ip filter 200000 reject 198.51.100.0/24 * * * *\n"
                        "ip filter 200001 reject 203.0.113.1 * * * *\n"
                        "ip lan2 secure filter in 200000 200001 1010 1099\n"
                        "ipv6 filter 200002 reject 2001:db8:9::/48 * * * *\n"
                        "ipv6 lan2 secure filter in 200002 1010 1099\n");
    assert_string_equal(r.data, "no ip filter 200000\nno ip filter 200001\n"
                                "ip lan2 secure filter in 1010 1099\n"
                                "no ipv6 filter 200002\n"
                                "ipv6 lan2 secure filter in 1010 1099\n");
    mm_buf_reset(&a);
    mm_buf_reset(&r);
    o.iface = "lan2; no ip";
    assert_int_equal(mm_block_render_yamaha(&p, &o, &a, &r, &err), MM_EINVAL);
    o.iface = "lan2";
    o.keep = "1010;";
    assert_int_equal(mm_block_render_yamaha(&p, &o, &a, &r, &err), MM_EINVAL);
    o.keep = NULL;
    o.filter_base = 0;
    assert_int_equal(mm_block_render_yamaha(&p, &o, &a, &r, &err), MM_EINVAL);
    o.filter_base = 100;
    assert_int_equal(mm_block_render_yamaha(&p, &o, &a, &r, &err), MM_OK);
    assert_non_null(strstr(r.data, "no ip lan2 secure filter in\n"));
    mm_buf_free(&a);
    mm_buf_free(&r);
    mm_block_plan_free(&p);
}

static void test_status_json(void **state)
{
    (void)state;
    mm_block_plan p;
    plan_from(&p, NULL, "203.0.113.1\n203.0.113.2\n", 0);
    p.v[0].packets = 3;
    p.v[0].bytes = 180;
    p.v[1].packets = 1;
    p.v[1].bytes = 60;
    p.v[1].expires_s = 42;
    mm_buf b;
    mm_buf_init(&b, 1 << 20);
    assert_int_equal(mm_block_status_json(&p, &b), MM_OK);
    assert_string_equal(
        b.data, "{\"entries\":[{\"net\":\"203.0.113.1\",\"packets\":3,"
                "\"bytes\":180,\"expires\":0},{\"net\":\"203.0.113.2\","
                "\"packets\":1,\"bytes\":60,\"expires\":42}],\"packets\":4,"
                "\"bytes\":240}");
    mm_buf_free(&b);
    mm_block_plan_free(&p);
}

static void test_conf_and_report(void **state)
{
    (void)state;
    mm_block_conf c;
    mm_err err;
    mm_block_conf_init(&c);
    assert_false(c.enabled);
    assert_int_equal(mm_block_conf_set(&c, "enabled", "yes", &err), MM_OK);
    assert_int_equal(mm_block_conf_set(&c, "enabled", "maybe", &err),
                     MM_EINVAL);
    assert_int_equal(mm_block_conf_set(&c, "ttl", "0", &err), MM_EINVAL);
    assert_int_equal(mm_block_conf_set(&c, "ttl", "120", &err), MM_OK);
    assert_int_equal(mm_block_conf_set(&c, "allow", "10.0.0.0/8", &err),
                     MM_OK);
    assert_int_equal(mm_block_conf_set(&c, "allow", "10.0.0.0/99", &err),
                     MM_EINVAL);
    assert_int_equal(mm_block_conf_set(&c, "nope", "1", &err), MM_ENOTFOUND);
    assert_int_equal(c.ttl_s, 120);
    mm_block_allow a;
    mm_block_allow_init(&a);
    mm_blocker *b;
    assert_int_equal(mm_blocker_new(&c, &a, &b, &err), MM_OK);
    mm_buf js;
    mm_buf_init(&js, 1 << 20);
    assert_int_equal(mm_blocker_report_json(b, 1000, "s1", &js), MM_OK);
    assert_non_null(strstr(js.data, "\"id\":\"s1-block-1\""));
    assert_non_null(strstr(js.data, "\"dataset\":\"mamori.block\""));
    assert_non_null(strstr(js.data, "\"dropped_packets\":0"));
    mm_buf_reset(&js);
    assert_int_equal(mm_blocker_report_json(b, 2000, "s1", &js), MM_SKIP);
    assert_int_equal(mm_blocker_report_json(b, 61000, "s1", &js), MM_OK);
    assert_non_null(strstr(js.data, "s1-block-2"));
    /* own detections: high and critical only, never an allowlisted one */
    mm_addr src;
    mm_addr_parse("45.33.32.9", 10, &src);
    mm_blocker_detection(b, &src, 2, 1000);
    mm_addr_parse("10.1.2.3", 8, &src);
    mm_blocker_detection(b, &src, 4, 1000);
    mm_buf_reset(&js);
    assert_int_equal(mm_blocker_status_json(b, &js), MM_OK);
    assert_non_null(strstr(js.data, "\"own_detections\":1"));
    mm_buf_free(&js);
    mm_blocker_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allow_wins),
        cmocka_unit_test(test_cap_wide_dups),
        cmocka_unit_test(test_feed_parse),
        cmocka_unit_test(test_resolv),
        cmocka_unit_test(test_render_nft),
        cmocka_unit_test(test_render_lists),
        cmocka_unit_test(test_render_yamaha),
        cmocka_unit_test(test_status_json),
        cmocka_unit_test(test_conf_and_report),
    };
    return cmocka_run_group_tests_name("block", tests, NULL, NULL);
}
