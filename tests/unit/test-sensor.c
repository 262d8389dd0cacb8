/* SPDX-License-Identifier: Apache-2.0 */
/* test-sensor.c — unit tests of the sensor module and the INI reader:
 * config (good file, table of bad files with exact messages), offsets
 * state, syslog framing split at every byte, file following across
 * append / rename rotation / copytruncate / restart, alerts file rotation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sensor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------ */

static char tmpdir[256];

static int setup_dir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/mm-test-sensor.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void tpath(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", tmpdir, name);
}

static void write_file(const char *path, const char *text, const char *mode)
{
    FILE *f = fopen(path, mode);
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Collected lines, joined with '|' for easy comparison. */
typedef struct collect {
    char text[65536];
    size_t len;
    unsigned n;
    unsigned truncated;
} collect;

static void collect_fn(const char *line, size_t len, bool truncated, void *ud)
{
    collect *c = ud;
    if (c->len + len + 2 < sizeof c->text) {
        memcpy(c->text + c->len, line, len);
        c->len += len;
        c->text[c->len++] = '|';
        c->text[c->len] = '\0';
    }
    c->n++;
    c->truncated += truncated;
}

/* ---- INI reader --------------------------------------------------------- */

typedef struct conf_seen {
    char out[2048];
} conf_seen;

static mm_rc conf_cb(const mm_conf_item *it, void *ud, mm_err *err)
{
    (void)err;
    conf_seen *s = ud;
    size_t n = strlen(s->out);
    if (!it->key)
        snprintf(s->out + n, sizeof s->out - n, "[%s/%s]%u;", it->section,
                 it->label, it->line);
    else
        snprintf(s->out + n, sizeof s->out - n, "%s=<%s>;", it->key,
                 it->value);
    return MM_OK;
}

static void test_conf_reader(void **state)
{
    (void)state;
    const char *text = "\xEF\xBB\xBF# comment\n"
                       "; other comment\n"
                       "[sensor]\r\n"
                       "  a = 1   # inline\n"
                       "b=x#y\n"
                       "c = \"with # and \\\" quote\"  ; tail\n"
                       "d =\n"
                       "[input  auth ]\n"
                       "path = /var/log/auth.log\n";
    conf_seen s = {{0}};
    mm_err err;
    assert_int_equal(
        mm_conf_parse("t.ini", text, strlen(text), conf_cb, &s, &err), MM_OK);
    assert_string_equal(s.out, "[sensor/]3;a=<1>;b=<x#y>;c=<with # and \" "
                               "quote>;d=<>;[input/auth]8;path=</var/log/"
                               "auth.log>;");

    static const struct {
        const char *text;
        const char *msg;
    } bad[] = {
        {"a = 1\n", "t.ini:1: key outside a section"},
        {"[sensor\n", "t.ini:1: section header without ']'"},
        {"[sensor] x\n", "t.ini:1: unexpected text after ']'"},
        {"[]\n", "t.ini:1: bad section name (letters, digits, '_', '-', "
                 "'.', at most 63 bytes)"},
        {"[s]\njunk\n", "t.ini:2: expected 'key = value' or '[section]'"},
        {"[s]\nk y = 1\n", "t.ini:2: bad key name (letters, digits, '_', "
                           "'-', '.', at most 63 bytes)"},
        {"[s]\nk = \"open\n", "t.ini:2: unterminated quoted value"},
        {"[s]\nk = \"a\\n\"\n", "t.ini:2: bad escape in quoted value (only "
                                "\\\" and \\\\)"},
        {"[s]\nk = \"a\" b\n", "t.ini:2: unexpected text after quoted value"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        conf_seen s2 = {{0}};
        char out[700];
        assert_int_not_equal(mm_conf_parse("t.ini", bad[i].text,
                                           strlen(bad[i].text), conf_cb, &s2,
                                           &err),
                             MM_OK);
        mm_err_format(&err, out, sizeof out);
        assert_string_equal(out, bad[i].msg);
    }
    /* NUL byte and over-long line */
    conf_seen s3 = {{0}};
    assert_int_equal(
        mm_conf_parse("t.ini", "[s]\nk=\0v\n", 9, conf_cb, &s3, &err),
        MM_EPARSE);
    assert_int_equal(err.line, 2);
    char *big = malloc(MM_FIELD_MAX + 20);
    assert_non_null(big);
    memset(big, 'x', MM_FIELD_MAX + 19);
    memcpy(big, "[s]\nk=", 6);
    assert_int_equal(
        mm_conf_parse("t.ini", big, MM_FIELD_MAX + 19, conf_cb, &s3, &err),
        MM_ELIMIT);
    assert_int_equal(err.line, 2);
    free(big);
}

/* ---- sensor config ------------------------------------------------------ */

static void test_config_good(void **state)
{
    (void)state;
    const char *text = "[sensor]\n"
                       "state_dir = /var/lib/mamori\n"
                       "alerts_max_bytes = 2M\n"
                       "alerts_keep = 3\n"
                       "ioc = /etc/mamori/ioc/bad-ips.txt\n"
                       "ioc = /etc/mamori/ioc/bad-domains.txt\n"
                       "allow = 192.168.0.0/16\n"
                       "allow = 2001:db8::1\n"
                       "year = 2026\n"
                       "timezone = +09:00\n"
                       "[input auth]\n"
                       "path = /var/log/auth.log\n"
                       "type = syslog\n"
                       "[input web]\n"
                       "path = /var/log/nginx/access.log\n"
                       "type = web-access\n"
                       "[syslog]\n"
                       "udp = 127.0.0.1:5514\n"
                       "tcp = 5514\n";
    mm_sensor_config *cfg;
    mm_err err;
    assert_int_equal(
        mm_sensor_config_parse("s.conf", text, strlen(text), &cfg, &err),
        MM_OK);
    assert_string_equal(cfg->state_dir, "/var/lib/mamori");
    assert_string_equal(cfg->alerts, "/var/lib/mamori/alerts.json");
    assert_true(cfg->alerts_max_bytes == 2u * 1024u * 1024u);
    assert_int_equal(cfg->alerts_keep, 3);
    assert_int_equal(cfg->n_ioc, 2);
    assert_string_equal(cfg->ioc[1], "/etc/mamori/ioc/bad-domains.txt");
    assert_int_equal(cfg->n_allow, 2);
    assert_int_equal(cfg->year, 2026);
    assert_int_equal(cfg->tz_offset_s, 9 * 3600);
    assert_int_equal(cfg->state_interval_s, 5);
    assert_int_equal(cfg->rescan_ms, 1000);
    assert_false(cfg->start_at_end);
    assert_int_equal(cfg->n_inputs, 2);
    assert_string_equal(cfg->inputs[0].name, "auth");
    assert_int_equal(cfg->inputs[0].type, MM_LOG_SYSLOG);
    assert_int_equal(cfg->inputs[1].type, MM_LOG_WEB_ACCESS);
    assert_int_equal(cfg->inputs[1].line, 14);
    assert_string_equal(cfg->syslog_udp, "127.0.0.1:5514");
    assert_int_equal(cfg->syslog_type, MM_LOG_SYSLOG);
    assert_int_equal(cfg->syslog_max_connections, 64);
    assert_int_equal(cfg->syslog_max_message, 65536);
    mm_sensor_config_free(cfg);

    mm_addr a;
    uint16_t port;
    assert_int_equal(mm_sensor_parse_endpoint("5514", &a, &port), MM_OK);
    assert_int_equal(port, 5514);
    assert_int_equal(a.family, 4);
    assert_int_equal(mm_sensor_parse_endpoint("[::1]:0", &a, &port), MM_OK);
    assert_int_equal(a.family, 6);
    assert_int_equal(mm_sensor_parse_endpoint("::1:5", &a, &port), MM_EPARSE);
    assert_int_equal(mm_sensor_parse_endpoint("1.2.3.4:70000", &a, &port),
                     MM_EPARSE);
}

static void test_config_bad(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *msg;
    } bad[] = {
        {"[sensor]\nstate_dir = /s\n[inptu x]\n",
         "b.conf:3: unknown section [inptu] (sensor, input NAME, syslog, "
         "uplink)"},
        /* [uplink]: the uplink module's checks, placed at file:line */
        {"[sensor]\nstate_dir = /s\n[input a]\npath = /x\n[uplink]\n"
         "hub_url = http://10.0.0.1:1\ntoken = t\n"
         "tenant_secret = 0123456789abcdef\n",
         "b.conf:5: [uplink] hub_url 'http://10.0.0.1:1': plain http is "
         "allowed only to 127.0.0.1 or [::1]; use https with ca_file"},
        {"[sensor]\nstate_dir = /s\n[input a]\npath = /x\n[uplink]\n"
         "hub = https://h\n",
         "b.conf:6: unknown key 'hub' in [uplink] (docs/uplink.md)"},
        {"[sensor]\nstate_dir = /s\n[input a]\npath = /x\n[uplink]\n"
         "token = a\ntoken = b\n",
         "b.conf:7: 'token' given twice in [uplink]"},
        {"[sensor]\nstate_dir = /s\n[input a]\npath = /x\n[uplink]\n"
         "hub_url = https://h\ntoken = a\n",
         "b.conf:5: [uplink] deid = hash needs tenant_secret (16 characters "
         "or more) or tenant_secret_file; or set deid = drop"},
        {"[sensor]\nstate_dir = /s\n[input a]\npath = /x\n[uplink]\n"
         "batch_max = 0\n",
         "b.conf:6: [uplink] batch_max: 0 is outside 1..10000"},
        {"[sensor]\nstate_dir = /s\nalert = /a\n",
         "b.conf:3: unknown key 'alert' in [sensor]"},
        {"[sensor]\nstate_dir = /s\nalerts_keep = 1000\n[syslog]\nudp=1\n",
         "b.conf:3: alerts_keep: 1000 is out of range 0..100"},
        {"[sensor]\nstate_dir = /s\nalerts_max_bytes = 10X\n",
         "b.conf:3: alerts_max_bytes: '10X' is not a number (bytes, or with "
         "K, M, G)"},
        {"[sensor]\nstate_dir = /s\ntimezone = JST\n",
         "b.conf:3: timezone: 'JST' is not an offset like +09:00 or Z"},
        {"[sensor]\nstate_dir = /s\nallow = 10.0.0.0/33\n",
         "b.conf:3: allow: '10.0.0.0/33' is not an address or CIDR"},
        {"[sensor]\nstate_dir = /s\n[input a]\npath = /x\ntype = apache\n",
         "b.conf:5: type: unknown log type 'apache' (auto, syslog, sshd, "
         "web-access, web-error, netfilter, fortigate, kv)"},
        {"[sensor]\nstate_dir = /s\n[input a]\ntype = sshd\n",
         "b.conf:3: [input a] needs 'path'"},
        {"[sensor]\nalerts = /a\n[input a]\npath = /x\n",
         "b.conf:1: [sensor] needs 'state_dir'"},
        {"[input a]\npath = /x\n",
         "b.conf: missing section [sensor] (state_dir is required)"},
        {"[sensor]\nstate_dir = /s\n",
         "b.conf: nothing to watch: add an [input NAME] section or a "
         "[syslog] udp/tcp listener"},
        {"[sensor]\nstate_dir = /s\n[input a]\npath = /x\n[input a]\n",
         "b.conf:5: [input a] given twice (first at line 3)"},
        {"[sensor]\nstate_dir = /s\nstate_dir = /t\n",
         "b.conf:3: 'state_dir' given twice in [sensor]"},
        {"[sensor]\nstate_dir = /s\n[input]\npath = /x\n",
         "b.conf:3: [input NAME] needs a name of letters, digits, '_', '-', "
         "'.'"},
        {"[sensor]\nstate_dir = /s\n[input syslog-udp]\npath = /x\n",
         "b.conf:3: input name 'syslog-udp': names starting with 'syslog-' "
         "are reserved"},
        {"[sensor]\nstate_dir = /s\n[syslog]\nudp = localhost:514\n",
         "b.conf:4: udp: 'localhost:514' is not host:port, [v6]:port or "
         "port"},
        {"[sensor]\nstate_dir = /s\n[syslog x]\n",
         "b.conf:3: [syslog] takes no name"},
        {"[sensor]\nstate_dir = /s\n[input a]\npath = /x\n[input b]\n"
         "path = /x\n",
         "b.conf:5: [input b] follows the same path as [input a]"},
        {"[sensor]\nstate_dir = /s\nstart_at = middle\n",
         "b.conf:3: start_at: 'middle' must be 'beginning' or 'end'"},
        {"[sensor]\nstate_dir = /s\n[syslog]\nmax_connections = 0\n",
         "b.conf:4: max_connections: 0 is out of range 1..4096"},
        {"[sensor]\nstate_dir = \n", "b.conf:2: state_dir: empty path"},
        {"[sensor]\nstate_dir = /s\nalerts = /s/x.json\n[input a]\n"
         "path = /s/x.json\n",
         "b.conf:4: [input a] reads the alerts file itself"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mm_sensor_config *cfg = NULL;
        mm_err err;
        char out[700];
        mm_rc rc = mm_sensor_config_parse("b.conf", bad[i].text,
                                          strlen(bad[i].text), &cfg, &err);
        if (rc == MM_OK)
            fail_msg("case %zu accepted", i);
        assert_null(cfg);
        mm_err_format(&err, out, sizeof out);
        if (strcmp(out, bad[i].msg) != 0)
            fail_msg("case %zu: got '%s'", i, out);
    }
}

/* [uplink]: defaults taken from [sensor], the feed file named. */
static void test_config_uplink(void **state)
{
    (void)state;
    const char *text = "[sensor]\nstate_dir = /var/lib/m\n"
                       "[input a]\npath = /x\n"
                       "[uplink]\nhub_url = https://hub.example:8443\n"
                       "token = abc\ntenant_secret = 0123456789abcdef\n"
                       "own_ranges = 198.51.100.0/24\n"
                       "own_ranges = 2001:db8::/32\n"
                       "send_events = authentication_failure\n";
    mm_sensor_config *cfg = NULL;
    mm_err err;
    assert_int_equal(
        mm_sensor_config_parse("u.conf", text, strlen(text), &cfg, &err),
        MM_OK);
    assert_true(cfg->uplink_on);
    assert_string_equal(cfg->uplink.spool_dir, "/var/lib/m/spool");
    assert_string_equal(cfg->uplink.state_dir, "/var/lib/m");
    assert_string_equal(cfg->feed_ioc, "/var/lib/m/feed.txt");
    assert_int_equal(cfg->uplink.n_own_ranges, 2);
    assert_int_equal(cfg->uplink.send_events, 1u << MM_ACT_AUTH_FAILURE);
    mm_sensor_config_free(cfg);
    /* without [uplink], nothing of it */
    const char *plain = "[sensor]\nstate_dir = /s\n[input a]\npath = /x\n";
    assert_int_equal(
        mm_sensor_config_parse("p.conf", plain, strlen(plain), &cfg, &err),
        MM_OK);
    assert_false(cfg->uplink_on);
    assert_string_equal(cfg->feed_ioc, "");
    mm_sensor_config_free(cfg);
}

/* ---- state file --------------------------------------------------------- */

static void test_state_roundtrip(void **state)
{
    (void)state;
    char path[300], tmp[320];
    tpath(path, sizeof path, "state.json");
    mm_sensor_state_entry e[2];
    memset(e, 0, sizeof e);
    snprintf(e[0].name, sizeof e[0].name, "auth");
    snprintf(e[0].path, sizeof e[0].path, "/var/log/auth.log");
    e[0].pos = (mm_follow_pos){.dev = 2049,
                               .ino = 1234567,
                               .offset = 987654321,
                               .head_len = 256,
                               .head_hash = 0xfedcba9876543210ull,
                               .skipping = true,
                               .valid = true};
    e[0].stats.parse.lines = 10;
    e[0].stats.parse.unparsed = 3;
    e[0].stats.rotations = 2;
    snprintf(e[1].name, sizeof e[1].name, "syslog-udp");
    e[1].stats.parse.lines = 7;
    mm_err err;
    assert_int_equal(mm_sensor_state_save(path, e, 2, &err), MM_OK);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_not_equal(access(tmp, F_OK), 0); /* temp renamed away */
    mm_sensor_state_entry *got;
    size_t n;
    assert_int_equal(mm_sensor_state_load(path, &got, &n, &err), MM_OK);
    assert_int_equal(n, 2);
    assert_string_equal(got[0].name, "auth");
    assert_true(got[0].pos.valid);
    assert_true(got[0].pos.skipping);
    assert_true(got[0].pos.ino == 1234567);
    assert_true(got[0].pos.offset == 987654321);
    assert_true(got[0].pos.head_hash == 0xfedcba9876543210ull);
    assert_int_equal(got[0].pos.head_len, 256);
    assert_true(got[0].stats.parse.unparsed == 3);
    assert_true(got[0].stats.rotations == 2);
    assert_false(got[1].pos.valid);
    assert_true(got[1].stats.parse.lines == 7);
    free(got);

    /* Missing, and corrupt in several ways: a clear error naming the file. */
    char missing[300];
    tpath(missing, sizeof missing, "none.json");
    assert_int_equal(mm_sensor_state_load(missing, &got, &n, &err),
                     MM_ENOTFOUND);
    static const char *const corrupt[] = {
        "{\"version\":1,\"sources\":[{\"name\":\"a\"",
        "{\"version\":2,\"sources\":[]}",
        "{\"version\":1,\"sources\":[{\"name\":\"a\",\"path\":\"p\"}]}",
        "{\"version\":1,\"sources\":[{\"name\":\"a\",\"path\":\"p\","
        "\"lines\":-1,\"events\":0,\"skipped\":0,\"unparsed\":0,"
        "\"truncated\":0,\"rotations\":0,\"truncations\":0,\"valid\":0}]}",
        "{\"version\":1,\"sources\":[{\"name\":\"a\",\"path\":\"p\","
        "\"lines\":1,\"events\":0,\"skipped\":0,\"unparsed\":0,"
        "\"truncated\":0,\"rotations\":0,\"truncations\":0,\"valid\":1,"
        "\"file\":{\"dev\":1,\"ino\":2,\"offset\":3,\"head_len\":999,"
        "\"head_hash\":\"0000000000000000\",\"skipping\":false}}]}",
        "\x00\x01garbage",
    };
    for (size_t i = 0; i < sizeof corrupt / sizeof corrupt[0]; i++) {
        write_file(path, corrupt[i], "w");
        got = NULL;
        assert_int_equal(mm_sensor_state_load(path, &got, &n, &err),
                         MM_EPARSE);
        assert_null(got);
        assert_string_equal(err.file, path);
    }
}

/* ---- syslog framing ----------------------------------------------------- */

static void test_framer_split_everywhere(void **state)
{
    (void)state;
    /* octet-counted (RFC 5424 with an embedded newline), newline-framed
     * RFC 3164, CRLF, a newline message starting with digits, another
     * octet frame with a trailing LF inside its count. */
    const char *m1 = "<34>1 2026-11-22T01:02:03Z host sshd 42 - - a\nb";
    const char *m2 = "<38>Nov 22 01:02:03 host sshd[42]: Failed password";
    char stream[1024];
    int n = snprintf(stream, sizeof stream,
                     "%zu %s%s\n<13>crlf line\r\n12x is a number\n"
                     "6 abcde\n",
                     strlen(m1), m1, m2);
    const char *want = "<34>1 2026-11-22T01:02:03Z host sshd 42 - - a\nb|"
                       "<38>Nov 22 01:02:03 host sshd[42]: Failed password|"
                       "<13>crlf line|12x is a number|abcde|";
    for (int cut = 0; cut <= n; cut++) {
        mm_syslog_framer fr;
        collect c;
        memset(&c, 0, sizeof c);
        assert_int_equal(mm_syslog_framer_init(&fr, 4096), MM_OK);
        assert_int_equal(
            mm_syslog_framer_feed(&fr, stream, (size_t)cut, collect_fn, &c),
            MM_OK);
        assert_int_equal(mm_syslog_framer_feed(&fr, stream + cut,
                                               (size_t)(n - cut), collect_fn,
                                               &c),
                         MM_OK);
        assert_int_equal(mm_syslog_framer_finish(&fr, collect_fn, &c), MM_OK);
        if (strcmp(c.text, want) != 0)
            fail_msg("cut at %d: got '%s'", cut, c.text);
        mm_syslog_framer_fini(&fr);
    }
    /* one byte at a time */
    mm_syslog_framer fr;
    collect c;
    memset(&c, 0, sizeof c);
    assert_int_equal(mm_syslog_framer_init(&fr, 4096), MM_OK);
    for (int i = 0; i < n; i++)
        mm_syslog_framer_feed(&fr, stream + i, 1, collect_fn, &c);
    mm_syslog_framer_finish(&fr, collect_fn, &c);
    assert_string_equal(c.text, want);
    mm_syslog_framer_fini(&fr);
}

static void test_framer_caps(void **state)
{
    (void)state;
    mm_syslog_framer fr;
    collect c;
    memset(&c, 0, sizeof c);
    assert_int_equal(mm_syslog_framer_init(&fr, 480), MM_OK);
    /* An octet frame of 1000 bytes is cut at 480 and the stream stays in
     * sync; a 2000-byte newline line likewise. */
    char *big = malloc(4000);
    assert_non_null(big);
    int k = snprintf(big, 4000, "1000 ");
    memset(big + k, 'a', 1000);
    k += 1000;
    memset(big + k, 'b', 2000);
    k += 2000;
    big[k++] = '\n';
    k += snprintf(big + k, (size_t)(4000 - k), "5 hello");
    assert_int_equal(
        mm_syslog_framer_feed(&fr, big, (size_t)k, collect_fn, &c), MM_OK);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.truncated, 2);
    assert_int_equal(c.len, 480 + 1 + 480 + 1 + 5 + 1);
    assert_string_equal(c.text + c.len - 6, "hello|");
    /* an unfinished octet frame at the end is reported as dropped */
    assert_int_equal(mm_syslog_framer_feed(&fr, "20 abc", 6, collect_fn, &c),
                     MM_OK);
    assert_int_equal(mm_syslog_framer_finish(&fr, collect_fn, &c), MM_AGAIN);
    assert_int_equal(c.n, 3);
    mm_syslog_framer_fini(&fr);
    free(big);
}

/* ---- following files ---------------------------------------------------- */

static void follow_poll_all(mm_follow *f, collect *c)
{
    for (int i = 0; i < 20; i++)
        if (mm_follow_poll(f, 0, collect_fn, c) != MM_AGAIN)
            return;
}

static void test_follow_append_rotate_truncate(void **state)
{
    (void)state;
    char path[300], rot[300];
    tpath(path, sizeof path, "app.log");
    tpath(rot, sizeof rot, "app.log.1");
    unlink(path);
    unlink(rot);
    mm_source_stats st;
    memset(&st, 0, sizeof st);
    mm_follow f;
    collect c;
    memset(&c, 0, sizeof c);
    assert_int_equal(mm_follow_init(&f, path, NULL, false, &st), MM_OK);
    follow_poll_all(&f, &c); /* not there yet: waits */
    assert_int_equal(c.n, 0);
    assert_int_equal(f.fd, -1);

    write_file(path, "one\ntwo\nthr", "w");
    follow_poll_all(&f, &c);
    assert_string_equal(c.text, "one|two|");
    mm_follow_pos pos;
    mm_follow_get_pos(&f, &pos);
    assert_true(pos.offset == 8);

    write_file(path, "ee\nfour\n", "a");
    follow_poll_all(&f, &c);
    assert_string_equal(c.text, "one|two|three|four|");

    /* rename rotation: lines written to the old file after the rename are
     * still read before switching; a partial last line too. */
    assert_int_equal(rename(path, rot), 0);
    write_file(rot, "five\nsix", "a");
    write_file(path, "seven\n", "w");
    follow_poll_all(&f, &c);
    assert_string_equal(c.text, "one|two|three|four|five|six|seven|");
    assert_true(st.rotations == 1);

    /* copytruncate: copy, then truncate, then the writer goes on */
    write_file(path, "eight\n", "a");
    char cmd[700];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", path, rot);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(truncate(path, 0), 0);
    write_file(path, "nine\n", "a");
    follow_poll_all(&f, &c);
    assert_string_equal(c.text,
                        "one|two|three|four|five|six|seven|eight|nine|");
    assert_true(st.truncations >= 1);

    /* truncation to a longer new content with a different head */
    write_file(path, "ten-is-a-longer-line-than-before\n", "w");
    follow_poll_all(&f, &c);
    assert_string_equal(c.text, "one|two|three|four|five|six|seven|eight|"
                                "nine|ten-is-a-longer-line-than-before|");
    mm_follow_fini(&f);
}

static void test_follow_restart(void **state)
{
    (void)state;
    char path[300], rot[300];
    tpath(path, sizeof path, "r.log");
    tpath(rot, sizeof rot, "r.log-20261122");
    unlink(path);
    unlink(rot);
    mm_source_stats st;
    memset(&st, 0, sizeof st);
    mm_follow f;
    collect c;
    memset(&c, 0, sizeof c);
    write_file(path, "a1\na2\na", "w");
    assert_int_equal(mm_follow_init(&f, path, NULL, false, &st), MM_OK);
    follow_poll_all(&f, &c);
    mm_follow_pos pos;
    mm_follow_get_pos(&f, &pos);
    mm_follow_fini(&f);
    assert_string_equal(c.text, "a1|a2|");

    /* restart: same file grew */
    write_file(path, "3\na4\n", "a");
    assert_int_equal(mm_follow_init(&f, path, &pos, false, &st), MM_OK);
    follow_poll_all(&f, &c);
    mm_follow_get_pos(&f, &pos);
    mm_follow_fini(&f);
    assert_string_equal(c.text, "a1|a2|a3|a4|");

    /* rotated by rename while stopped: the rest of the old file first */
    write_file(path, "a5\n", "a");
    assert_int_equal(rename(path, rot), 0);
    write_file(path, "b1\n", "w");
    assert_int_equal(mm_follow_init(&f, path, &pos, false, &st), MM_OK);
    follow_poll_all(&f, &c);
    mm_follow_get_pos(&f, &pos);
    mm_follow_fini(&f);
    assert_string_equal(c.text, "a1|a2|a3|a4|a5|b1|");

    /* rotated while stopped and no new file yet: the old one is finished
     * at once, the new one followed when it appears */
    write_file(path, "b2\n", "a");
    char rot2[300];
    tpath(rot2, sizeof rot2, "r.log.1");
    assert_int_equal(rename(path, rot2), 0);
    write_file(rot2, "b3\n", "a");
    assert_int_equal(mm_follow_init(&f, path, &pos, false, &st), MM_OK);
    follow_poll_all(&f, &c);
    assert_string_equal(c.text, "a1|a2|a3|a4|a5|b1|b2|b3|");
    write_file(path, "b4\n", "w");
    follow_poll_all(&f, &c);
    mm_follow_get_pos(&f, &pos);
    mm_follow_fini(&f);
    assert_string_equal(c.text, "a1|a2|a3|a4|a5|b1|b2|b3|b4|");

    /* truncated while stopped (no copy): from 0 */
    write_file(path, "c1\n", "w");
    assert_int_equal(mm_follow_init(&f, path, &pos, false, &st), MM_OK);
    follow_poll_all(&f, &c);
    mm_follow_get_pos(&f, &pos);
    mm_follow_fini(&f);
    assert_string_equal(c.text, "a1|a2|a3|a4|a5|b1|b2|b3|b4|c1|");

    /* start_at_end applies only to a file without saved state */
    write_file(path, "c2\n", "a");
    assert_int_equal(mm_follow_init(&f, path, NULL, true, &st), MM_OK);
    follow_poll_all(&f, &c);
    write_file(path, "c3\n", "a");
    follow_poll_all(&f, &c);
    mm_follow_fini(&f);
    assert_string_equal(c.text, "a1|a2|a3|a4|a5|b1|b2|b3|b4|c1|c3|");
}

/* Every rotated file has the same content (so the same first bytes): old
 * copies must not be taken for the new copy, and an empty file that got
 * lines, was copied and truncated before the next look is recovered. */
static void test_follow_identical_copies(void **state)
{
    (void)state;
    char path[300], cmd[700];
    tpath(path, sizeof path, "same.log");
    mm_source_stats st;
    memset(&st, 0, sizeof st);
    mm_follow f;
    collect c;
    memset(&c, 0, sizeof c);
    assert_int_equal(mm_follow_init(&f, path, NULL, false, &st), MM_OK);
    const struct timespec tick = {0, 20 * 1000 * 1000};
    unsigned want = 0;
    for (int round = 1; round <= 6; round++) {
        write_file(path, "l1\nl2\nl3\n", "a");
        want += 3;
        if (round % 2)
            follow_poll_all(&f, &c); /* sometimes read before rotating */
        nanosleep(&tick, NULL);
        snprintf(cmd, sizeof cmd, "cp '%s' '%s.c%d'", path, path, round);
        assert_int_equal(system(cmd), 0);
        assert_int_equal(truncate(path, 0), 0);
        nanosleep(&tick, NULL);
        follow_poll_all(&f, &c);
        if (c.n != want)
            fail_msg("round %d: %u lines, want %u", round, c.n, want);
        nanosleep(&tick, NULL);
    }
    mm_follow_fini(&f);
}

static void test_follow_overlong(void **state)
{
    (void)state;
    char path[300];
    tpath(path, sizeof path, "long.log");
    size_t big = MM_LINE_MAX * 3;
    char *buf = malloc(big + 16);
    assert_non_null(buf);
    memset(buf, 'x', big);
    memcpy(buf + big, "\nok\n", 5);
    write_file(path, buf, "w");
    free(buf);
    mm_source_stats st;
    memset(&st, 0, sizeof st);
    mm_follow f;
    collect c;
    memset(&c, 0, sizeof c);
    assert_int_equal(mm_follow_init(&f, path, NULL, false, &st), MM_OK);
    follow_poll_all(&f, &c);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.truncated, 1);
    mm_follow_fini(&f);
}

/* Issue 12 §6: a symbolic link in place of a log file is refused (the
 * sensor runs as root), and a FIFO neither hangs open() nor is followed. */
static void test_follow_symlink_fifo(void **state)
{
    (void)state;
    char target[300], link[300], fifo[300];
    tpath(target, sizeof target, "secret.txt");
    tpath(link, sizeof link, "linked.log");
    tpath(fifo, sizeof fifo, "fifo.log");
    write_file(target, "root:x:0:0\n", "w");
    unlink(link);
    unlink(fifo);
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    mm_source_stats st;
    memset(&st, 0, sizeof st);
    mm_follow f;
    collect c;
    memset(&c, 0, sizeof c);
    assert_int_equal(mm_follow_init(&f, link, NULL, false, &st), MM_OK);
    errno = 0;
    assert_int_equal(mm_follow_poll(&f, 0, collect_fn, &c), MM_EIO);
    assert_int_equal(errno, ELOOP);
    assert_int_equal(c.n, 0);
    mm_follow_fini(&f);
    /* a hang fails the test (SIGALRM) instead of stalling the suite */
    alarm(5);
    assert_int_equal(mm_follow_init(&f, fifo, NULL, false, &st), MM_OK);
    errno = 0;
    assert_int_equal(mm_follow_poll(&f, 0, collect_fn, &c), MM_EIO);
    assert_int_equal(errno, EINVAL);
    alarm(0);
    assert_int_equal(c.n, 0);
    mm_follow_fini(&f);
    unlink(link);
    unlink(fifo);
}

/* ---- alerts file -------------------------------------------------------- */

static void test_alertlog_rotation(void **state)
{
    (void)state;
    char path[300], p1[320], p2[320], p3[320];
    tpath(path, sizeof path, "alerts.json");
    snprintf(p1, sizeof p1, "%s.1", path);
    snprintf(p2, sizeof p2, "%s.2", path);
    snprintf(p3, sizeof p3, "%s.3", path);
    mm_alertlog al;
    mm_err err;
    assert_int_equal(mm_alertlog_open(&al, path, 100, 2, &err), MM_OK);
    char line[64];
    for (int i = 0; i < 20; i++) {
        int n =
            snprintf(line, sizeof line, "{\"n\":%d,\"pad\":\"%030d\"}", i, 0);
        assert_int_equal(mm_alertlog_write(&al, line, (size_t)n, &err), MM_OK);
    }
    mm_alertlog_close(&al);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_true(sb.st_size <= 100);
    assert_int_equal(stat(p1, &sb), 0);
    assert_int_equal(stat(p2, &sb), 0);
    assert_int_not_equal(stat(p3, &sb), 0);
    /* the newest line is last in the current file */
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char got[256] = {0};
    char last[256] = {0};
    while (fgets(got, sizeof got, fp))
        snprintf(last, sizeof last, "%s", got);
    fclose(fp);
    assert_non_null(strstr(last, "\"n\":19,"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conf_reader),
        cmocka_unit_test(test_config_good),
        cmocka_unit_test(test_config_bad),
        cmocka_unit_test(test_config_uplink),
        cmocka_unit_test(test_state_roundtrip),
        cmocka_unit_test(test_framer_split_everywhere),
        cmocka_unit_test(test_framer_caps),
        cmocka_unit_test(test_follow_append_rotate_truncate),
        cmocka_unit_test(test_follow_restart),
        cmocka_unit_test(test_follow_identical_copies),
        cmocka_unit_test(test_follow_overlong),
        cmocka_unit_test(test_follow_symlink_fifo),
        cmocka_unit_test(test_alertlog_rotation),
    };
    return cmocka_run_group_tests_name("sensor", tests, setup_dir,
                                       teardown_dir);
}
