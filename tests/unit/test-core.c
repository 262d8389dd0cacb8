/* SPDX-License-Identifier: Apache-2.0 */
/* test-core.c — unit tests of the core module. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_addr_parse(void **state)
{
    (void)state;
    mm_addr a;
    char out[64];
    assert_int_equal(mm_addr_parse("173.234.31.186", 14, &a), MM_OK);
    assert_int_equal(a.family, 4);
    mm_addr_format(&a, out, sizeof out);
    assert_string_equal(out, "173.234.31.186");
    assert_int_equal(mm_addr_parse("2001:db8::1", 11, &a), MM_OK);
    assert_int_equal(a.family, 6);
    assert_int_equal(mm_addr_parse("::ffff:10.0.0.1", 15, &a), MM_OK);
    assert_int_equal(a.family, 4); /* mapped normalised to IPv4 */
    mm_addr_format(&a, out, sizeof out);
    assert_string_equal(out, "10.0.0.1");
    assert_int_equal(mm_addr_parse("1.2.3", 5, &a), MM_EPARSE);
    assert_int_equal(mm_addr_parse("256.1.1.1", 9, &a), MM_EPARSE);
    assert_int_equal(mm_addr_parse("", 0, &a), MM_EPARSE);
    assert_int_equal(mm_addr_parse("host.example", 12, &a), MM_EPARSE);
}

/* The IPv4 text is inet_ntop's, byte for byte, for every octet value in
 * every position (the hub stores and compares it as a key). */
static void test_addr_format_v4_is_inet_ntop(void **state)
{
    (void)state;
    for (unsigned pos = 0; pos < 4; pos++)
        for (unsigned v = 0; v < 256; v++) {
            mm_addr a = {.family = 4, .bytes = {1, 20, 255, 0}};
            a.bytes[pos] = (uint8_t)v;
            char want[INET_ADDRSTRLEN], got[48];
            inet_ntop(AF_INET, a.bytes, want, sizeof want);
            size_t n = mm_addr_format(&a, got, sizeof got);
            assert_string_equal(got, want);
            assert_int_equal(n, strlen(want));
        }
}

static void test_addr_reserved(void **state)
{
    (void)state;
    static const struct {
        const char *ip;
        bool reserved;
    } cases[] = {
        {"10.1.2.3", true},
        {"192.168.0.1", true},
        {"172.31.255.255", true},
        {"172.32.0.1", false},
        {"127.0.0.1", true},
        {"100.64.0.1", true},
        {"8.8.8.8", false},
        {"173.234.31.186", false},
        {"fe80::1", true},
        {"fd00::1", true},
        {"::1", true},
        {"2400:cb00::1", false},
        {"2001:db8::5", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mm_addr a;
        assert_int_equal(mm_addr_parse(cases[i].ip, strlen(cases[i].ip), &a),
                         MM_OK);
        if (mm_addr_is_reserved(&a) != cases[i].reserved)
            fail_msg("%s: reserved should be %d", cases[i].ip,
                     cases[i].reserved);
    }
}

static void test_time(void **state)
{
    (void)state;
    assert_int_equal(mm_time_from_civil(1970, 1, 1, 0, 0, 0), 0);
    assert_int_equal(mm_time_from_civil(2015, 5, 17, 10, 5, 3), 1431857103);
    assert_int_equal(mm_time_from_civil(2024, 2, 29, 23, 59, 59), 1709251199);
    assert_int_equal(mm_time_month("Dec"), 12);
    assert_int_equal(mm_time_month("Foo"), 0);
    char out[32];
    mm_time_format(1431857103000LL, out, sizeof out);
    assert_string_equal(out, "2015-05-17T10:05:03.000Z");
    int off = 0;
    assert_int_equal(mm_time_parse_offset("+0900", 5, &off), MM_OK);
    assert_int_equal(off, 9 * 3600);
    assert_int_equal(mm_time_parse_offset("-07:00", 6, &off), MM_OK);
    assert_int_equal(off, -7 * 3600);
    assert_int_equal(mm_time_parse_offset("+2500", 5, &off), MM_EPARSE);
}

static void test_buf_json(void **state)
{
    (void)state;
    mm_buf b;
    mm_buf_init(&b, 0);
    assert_int_equal(mm_buf_json_str(&b, "a\"b\\c\n\x01", 7), MM_OK);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\u000a\\u0001\"");
    mm_buf_reset(&b);
    /* valid UTF-8 passes, an invalid byte becomes U+FFFD */
    assert_int_equal(mm_buf_json_str(&b, "守\xff", 4), MM_OK);
    assert_string_equal(b.data, "\"守\xef\xbf\xbd\"");
    mm_buf_free(&b);
    mm_buf_init(&b, 8);
    assert_int_equal(mm_buf_puts(&b, "12345678"), MM_OK);
    assert_int_equal(mm_buf_puts(&b, "9"), MM_ELIMIT);
    assert_int_equal(b.len, 8);
    mm_buf_free(&b);
}

/* Writes `data` to a temporary file and opens a line reader on it. */
static int temp_fd(const char *data, size_t len)
{
    char path[] = "/tmp/mm-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    lseek(fd, 0, SEEK_SET);
    return fd;
}

static void test_lines_basic(void **state)
{
    (void)state;
    const char data[] = "one\r\ntwo\n\nlast-without-newline";
    int fd = temp_fd(data, sizeof data - 1);
    mm_lines lr;
    mm_span line;
    bool cut;
    assert_int_equal(mm_lines_init(&lr, fd, 0), MM_OK);
    assert_int_equal(mm_lines_next(&lr, &line, &cut), MM_OK);
    assert_true(mm_span_eq(line, "one"));
    assert_int_equal(mm_lines_next(&lr, &line, &cut), MM_OK);
    assert_true(mm_span_eq(line, "two"));
    assert_int_equal(mm_lines_next(&lr, &line, &cut), MM_OK);
    assert_int_equal(line.len, 0);
    assert_int_equal(mm_lines_next(&lr, &line, &cut), MM_OK);
    assert_true(mm_span_eq(line, "last-without-newline"));
    assert_int_equal(lr.lineno, 4);
    assert_int_equal(mm_lines_next(&lr, &line, &cut), MM_EOF);
    mm_lines_fini(&lr);
    close(fd);
}

static void test_lines_overlong_and_follow(void **state)
{
    (void)state;
    size_t big = 100000;
    char *data = malloc(big + 16);
    memset(data, 'x', big);
    memcpy(data + big, "\nnext\npart", 10);
    int fd = temp_fd(data, big + 10);
    mm_lines lr;
    mm_span line;
    bool cut;
    assert_int_equal(mm_lines_init(&lr, fd, 1000), MM_OK);
    lr.follow = true;
    assert_int_equal(mm_lines_next(&lr, &line, &cut), MM_OK);
    assert_true(cut);
    assert_int_equal(line.len, 1000);
    assert_int_equal(mm_lines_next(&lr, &line, &cut), MM_OK);
    assert_false(cut);
    assert_true(mm_span_eq(line, "next"));
    /* follow mode keeps the unterminated "part" back */
    assert_int_equal(mm_lines_next(&lr, &line, &cut), MM_EOF);
    assert_int_equal(lr.consumed, big + 6);
    assert_int_equal(pwrite(fd, "ial\n", 4, (off_t)(big + 10)), 4);
    lseek(fd, (off_t)(big + 10), SEEK_SET);
    assert_int_equal(mm_lines_next(&lr, &line, &cut), MM_OK);
    assert_true(mm_span_eq(line, "partial"));
    mm_lines_fini(&lr);
    close(fd);
    free(data);
}

static void test_event_json(void **state)
{
    (void)state;
    const char *line = "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user "
                       "webmaster from 173.234.31.186";
    mm_event ev = {0};
    ev.ts_ms = 1418194546000LL;
    ev.dataset = MM_DS_SSHD;
    ev.category = MM_CAT_AUTHENTICATION;
    ev.action = MM_ACT_INVALID_USER;
    ev.outcome = MM_OUT_FAILURE;
    ev.count = 1;
    mm_addr_parse("173.234.31.186", 14, &ev.src);
    ev.user = mm_span_make(strstr(line, "webmaster"), 9);
    ev.host = mm_span_make(strstr(line, "LabSZ"), 5);
    mm_buf b;
    mm_buf_init(&b, 0);
    assert_int_equal(mm_event_to_json(&ev, &b), MM_OK);
    char json[512];
    snprintf(json, sizeof json, "%s", b.data);
    mm_buf_free(&b);
    assert_string_equal(
        json,
        "{\"@timestamp\":\"2014-12-10T06:55:46.000Z\",\"event\":{\"dataset\":"
        "\"sshd\",\"category\":\"authentication\",\"action\":\"invalid_user\","
        "\"outcome\":\"failure\"},\"source\":{\"ip\":\"173.234.31.186\"},"
        "\"user\":{\"name\":\"webmaster\"},\"host\":{\"name\":\"LabSZ\"}}");
    mm_action act;
    assert_true(mm_action_from_name("invalid_user", 12, &act));
    assert_int_equal(act, MM_ACT_INVALID_USER);
    assert_false(mm_action_from_name("bogus", 5, &act));
}

/* Hooks of the one event writer (mm_event_json_write): a text hook that
 * leaves a field out removes its object too, unless it flushed the object
 * first; the endpoint and end hooks write in place of and after the
 * writer's own members. */
static void hook_text(void *ud, mm_jw *w, mm_ev_text f, const char *key,
                      mm_span s)
{
    (void)ud;
    if (f == MM_EVT_USER)
        return; /* left out: no "user":{} */
    if (f == MM_EVT_HOST) {
        mm_jw_flush(w); /* kept, empty */
        return;
    }
    mm_jw_str(w, key, "X", 1);
    (void)s;
}

static void hook_endpoint(void *ud, mm_jw *w, const char *name,
                          const mm_addr *ip, uint16_t port, mm_span domain)
{
    (void)ud, (void)ip, (void)domain;
    mm_jw_open(w, name);
    if (port)
        mm_jw_uint(w, "port", port);
    mm_jw_close(w);
}

static void hook_end(void *ud, mm_jw *w, const char *obj)
{
    ++*(int *)ud;
    mm_jw_str(w, obj ? "end" : "last", "1", 1);
}

static void test_event_json_hooks(void **state)
{
    (void)state;
    mm_event ev = {0};
    ev.dataset = MM_DS_SSHD;
    mm_addr_parse("10.1.2.3", 8, &ev.src);
    ev.dst_port = 22;
    ev.user = mm_span_make("alice", 5);
    ev.host = mm_span_make("pc1", 3);
    ev.process = mm_span_make("sshd", 4);
    int ends = 0;
    mm_event_json_hooks h = {hook_text, hook_endpoint, hook_end, &ends};
    mm_buf b;
    mm_buf_init(&b, 0);
    mm_jw w;
    mm_jw_init(&w, &b);
    assert_int_equal(mm_event_json_write(&ev, &w, &h), MM_OK);
    assert_int_equal(mm_buf_append(&b, "", 1), MM_OK);
    assert_string_equal(
        b.data, "\"event\":{\"dataset\":\"sshd\",\"outcome\":\"unknown\","
                "\"end\":\"1\"},\"destination\":{\"port\":22},\"host\":{},"
                "\"process\":{\"name\":\"X\"},\"last\":\"1\"");
    assert_int_equal(ends, 2);
    mm_buf_free(&b);
}

static void test_hash_seeded(void **state)
{
    (void)state;
    uint64_t a = mm_hash64("key", 3, 1), b = mm_hash64("key", 3, 2);
    assert_true(a != b);
    assert_true(mm_hash64("key", 3, 1) == a);
    assert_true(mm_hash64("kez", 3, 1) != a);
}

static void test_err_format(void **state)
{
    (void)state;
    mm_err e;
    char out[600];
    assert_int_equal(mm_err_set(&e, MM_EPARSE, "rules/ssh.rules", 12,
                                "unknown key '%s'", "cnt"),
                     MM_EPARSE);
    mm_err_format(&e, out, sizeof out);
    assert_string_equal(out, "rules/ssh.rules:12: unknown key 'cnt'");
}

/* One parser for every module: the spellings it accepts and the reasons it
 * gives for the ones it refuses. */
static void test_cidr_parse(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        mm_rc rc;
        unsigned family, bits;
        const char *net; /* canonical network, host bits cleared */
    } cases[] = {
        {"10.0.0.0/8", MM_OK, 4, 8, "10.0.0.0"},
        {"10.1.2.3/8", MM_OK, 4, 8, "10.0.0.0"},
        {"192.168.1.77", MM_OK, 4, 32, "192.168.1.77"},
        {"0.0.0.0/0", MM_OK, 4, 0, "0.0.0.0"},
        {"2001:db8::/32", MM_OK, 6, 32, "2001:db8::"},
        {"2001:db8::1", MM_OK, 6, 128, "2001:db8::1"},
        {"::ffff:10.0.0.0/104", MM_OK, 4, 8, "10.0.0.0"},
        {"::ffff:10.9.9.9/104", MM_OK, 4, 8, "10.0.0.0"},
        {"::ffff:192.0.2.1", MM_OK, 4, 32, "192.0.2.1"},
        {"::ffff:192.0.2.1/128", MM_OK, 4, 32, "192.0.2.1"},
        {"::ffff:1.2.3.4/96", MM_OK, 4, 0, "0.0.0.0"},
        {"10.0.0.0/024", MM_OK, 4, 24, "10.0.0.0"},
        {"::ffff:10.0.0.0/95", MM_EPARSE, 0, 0, NULL},
        {"::ffff:10.0.0.0/8", MM_EPARSE, 0, 0, NULL},
        {"::ffff:10.0.0.0/129", MM_EPARSE, 0, 0, NULL},
        {"10.0.0.0/33", MM_EPARSE, 0, 0, NULL},
        {"2001:db8::/129", MM_EPARSE, 0, 0, NULL},
        {"10.0.0.0/", MM_EPARSE, 0, 0, NULL},
        {"10.0.0.0/1000", MM_EPARSE, 0, 0, NULL},
        {"10.0.0.0/+8", MM_EPARSE, 0, 0, NULL},
        {"10.0.0.0/ 8", MM_EPARSE, 0, 0, NULL},
        {"10.0.0.0/8/8", MM_EPARSE, 0, 0, NULL},
        {"/8", MM_EPARSE, 0, 0, NULL},
        {"", MM_EPARSE, 0, 0, NULL},
        {"10.0.0/8", MM_EPARSE, 0, 0, NULL},
        {"example.com/8", MM_EPARSE, 0, 0, NULL},
        {"fe80::1%eth0/64", MM_EPARSE, 0, 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mm_cidr c;
        const char *why = NULL;
        mm_rc rc =
            mm_cidr_parse_why(cases[i].in, strlen(cases[i].in), &c, &why);
        if (rc != cases[i].rc)
            fail_msg("%s: rc %s", cases[i].in, mm_rc_name(rc));
        if (rc != MM_OK) {
            assert_non_null(why);
            continue;
        }
        char net[64];
        mm_addr_format(&c.addr, net, sizeof net);
        if (c.addr.family != cases[i].family || c.bits != cases[i].bits ||
            strcmp(net, cases[i].net) != 0)
            fail_msg("%s: got %s/%u family %u", cases[i].in, net, c.bits,
                     c.addr.family);
    }
    const char *why = NULL;
    mm_cidr c;
    mm_cidr_parse_why("10.0.0.0/40", 11, &c, &why);
    assert_string_equal(why, "prefix length out of range");
    mm_cidr_parse_why("nope", 4, &c, &why);
    assert_string_equal(why, "not an IP address");
    mm_cidr_parse_why("1.2.3.4/x", 9, &c, &why);
    assert_string_equal(why, "bad prefix length");
    /* Only `len` bytes are read: the rest of the buffer is not part of it. */
    assert_int_equal(mm_cidr_parse("10.0.0.0/8 trailing", 10, &c), MM_OK);
    assert_int_equal(c.bits, 8);
}

static void test_cidr_contains(void **state)
{
    (void)state;
    mm_cidr mapped, plain, v6, all;
    mm_addr a;
    assert_int_equal(mm_cidr_parse("::ffff:10.0.0.0/104", 19, &mapped), MM_OK);
    assert_int_equal(mm_cidr_parse("10.0.0.0/8", 10, &plain), MM_OK);
    assert_int_equal(mm_cidr_parse("2001:db8::/32", 13, &v6), MM_OK);
    assert_int_equal(mm_cidr_parse("0.0.0.0/0", 9, &all), MM_OK);
    /* The mapped spelling is the same prefix as the plain one. */
    assert_int_equal(mapped.addr.family, plain.addr.family);
    assert_int_equal(mapped.bits, plain.bits);
    assert_memory_equal(mapped.addr.bytes, plain.addr.bytes, 16);
    assert_int_equal(mm_addr_parse("10.200.1.1", 10, &a), MM_OK);
    assert_true(mm_cidr_contains(&mapped, &a));
    assert_true(mm_cidr_contains(&plain, &a));
    assert_true(mm_cidr_contains(&all, &a));
    assert_false(mm_cidr_contains(&v6, &a));
    assert_int_equal(mm_addr_parse("::ffff:10.3.3.3", 15, &a), MM_OK);
    assert_true(mm_cidr_contains(&mapped, &a));
    assert_int_equal(mm_addr_parse("11.0.0.1", 8, &a), MM_OK);
    assert_false(mm_cidr_contains(&plain, &a));
    assert_int_equal(mm_addr_parse("2001:db8:ffff::1", 16, &a), MM_OK);
    assert_true(mm_cidr_contains(&v6, &a));
    assert_false(mm_cidr_contains(&all, &a));
    mm_addr none = {0};
    assert_false(mm_cidr_contains(&all, &none));
    mm_cidr sub;
    assert_int_equal(mm_cidr_parse("10.1.0.0/16", 11, &sub), MM_OK);
    assert_true(mm_cidr_within(&sub, &plain));
    assert_false(mm_cidr_within(&plain, &sub));
    assert_true(mm_cidr_within(&plain, &plain));
    assert_false(mm_cidr_within(&v6, &all));
}

static void tmp_path(char *out, size_t n, const char *name)
{
    const char *dir = getenv("TMPDIR");
    snprintf(out, n, "%s/mm-core-%ld-%s", dir && *dir ? dir : "/tmp",
             (long)getpid(), name);
}

static void test_file_read_write(void **state)
{
    (void)state;
    char path[512], tmp[600];
    tmp_path(path, sizeof path, "f.txt");
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    mm_err err;
    char *text;
    size_t len;
    unlink(path);
    assert_int_equal(mm_file_read(path, 0, &text, &len, &err), MM_ENOTFOUND);
    assert_null(text);
    assert_non_null(strstr(err.msg, "cannot open"));
    assert_int_equal(mm_file_write_atomic(path, "hello\n", 6, 0600, &err),
                     MM_OK);
    assert_int_equal(access(tmp, F_OK), -1); /* no temporary left behind */
    assert_int_equal(mm_file_read(path, 6, &text, &len, &err), MM_OK);
    assert_int_equal(len, 6);
    assert_string_equal(text, "hello\n");
    free(text);
    assert_int_equal(mm_file_read(path, 5, &text, &len, &err), MM_ELIMIT);
    assert_null(text);
    /* Replacing keeps exactly the new content. */
    assert_int_equal(mm_file_write_atomic(path, "", 0, 0600, &err), MM_OK);
    assert_int_equal(mm_file_read(path, 0, &text, NULL, &err), MM_OK);
    assert_string_equal(text, ""); /* empty file: still a NUL-ended buffer */
    free(text);
    unlink(path);
    /* A directory is not a file; a missing directory cannot be written. */
    const char *dir = getenv("TMPDIR");
    assert_int_equal(
        mm_file_read(dir && *dir ? dir : "/tmp", 0, &text, NULL, &err),
        MM_EIO);
    assert_int_equal(
        mm_file_write_atomic("/nonexistent-mm/x", "a", 1, 0600, &err), MM_EIO);
    /* A file that is not regular (a pipe) is refused, not waited on. */
    assert_int_equal(mm_file_read("/dev/null", 0, &text, NULL, &err), MM_EIO);
}

static void test_clocks(void **state)
{
    (void)state;
    int64_t ms = mm_now_ms(), s = mm_now_s();
    assert_true(ms > 1600000000000LL); /* after 2020 */
    assert_true(s >= ms / 1000 && s <= ms / 1000 + 1);
    int64_t m0 = mm_mono_ms();
    assert_true(mm_mono_ms() >= m0);
    assert_true(mm_mono_ns() > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addr_parse),
        cmocka_unit_test(test_addr_format_v4_is_inet_ntop),
        cmocka_unit_test(test_addr_reserved),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_buf_json),
        cmocka_unit_test(test_lines_basic),
        cmocka_unit_test(test_lines_overlong_and_follow),
        cmocka_unit_test(test_event_json),
        cmocka_unit_test(test_hash_seeded),
        cmocka_unit_test(test_err_format),
        cmocka_unit_test(test_cidr_parse),
        cmocka_unit_test(test_cidr_contains),
        cmocka_unit_test(test_file_read_write),
        cmocka_unit_test(test_clocks),
        cmocka_unit_test(test_event_json_hooks),
    };
    return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
