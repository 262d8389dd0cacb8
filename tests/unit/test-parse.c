/* SPDX-License-Identifier: Apache-2.0 */
/* test-parse.c — unit tests of the parse module.
 *
 * Lines marked "sample" are copied from data/samples/ (file named); lines
 * marked "synth" are written here from the format strings of the program
 * that logs them (OpenSSH log.c/auth.c, Apache/nginx docs, netfilter
 * LOG target, FortiOS log reference) where the samples have none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "parse.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ----------------------------------------------------------- */

/* Every span of `ev` must lie inside [line, line + len). */
static void check_spans(const mm_event *ev, const char *line, size_t len)
{
    const mm_span *spans[] = {
        &ev->src_domain, &ev->dst_domain, &ev->user,   &ev->host,
        &ev->process,    &ev->method,     &ev->path,   &ev->query,
        &ev->user_agent, &ev->referrer,   &ev->message};
    for (size_t i = 0; i < sizeof spans / sizeof *spans; i++) {
        const mm_span *s = spans[i];
        if (s->len == 0)
            continue;
        if (s->p < line || s->p + s->len > line + len)
            fail_msg("span %zu (len %u) outside the line", i, s->len);
    }
    assert_true(ev->count >= 1);
}

/* The copy parse_copy made last; freed on the next call (so a failed
 * assertion, which jumps out of the test, leaks nothing). */
static char *last_copy;

static void release(char *c)
{
    (void)c;
    free(last_copy);
    last_copy = NULL;
}

static int teardown(void **state)
{
    (void)state;
    release(NULL);
    return 0;
}

/* Parses a heap copy of exactly `len` bytes so ASan sees any over-read. */
static mm_rc parse_copy(const mm_parse_opts *o, mm_logtype t, const char *s,
                        size_t len, mm_event *ev, char **copy)
{
    release(NULL);
    char *c = last_copy = malloc(len ? len : 1);
    assert_non_null(c);
    memcpy(c, s, len);
    mm_rc rc = mm_parse_line(o, t, c, len, ev);
    check_spans(ev, c, len);
    *copy = c;
    return rc;
}

static void expect_span(const char *what, const char *line, mm_span s,
                        const char *want)
{
    size_t wl = want ? strlen(want) : 0;
    if (s.len != wl || (wl && memcmp(s.p, want, wl) != 0))
        fail_msg("%s: %s is \"%.*s\", want \"%s\"", line, what, (int)s.len,
                 s.p ? s.p : "", want ? want : "");
}

static void expect_addr(const char *what, const char *line, const mm_addr *a,
                        const char *want)
{
    char got[64] = "";
    mm_addr_format(a, got, sizeof got);
    if (strcmp(got, want ? want : "") != 0)
        fail_msg("%s: %s is \"%s\", want \"%s\"", line, what, got,
                 want ? want : "");
}

/* ---- the table --------------------------------------------------------- */

typedef struct tcase {
    mm_logtype type;
    const char *line;
    mm_rc rc;
    mm_action action;
    mm_outcome outcome;
    const char *src; /* expected source.ip ("" / NULL: none) */
    uint16_t sport;
    const char *user;   /* NULL: empty */
    uint32_t count;     /* 0 means 1 */
    const char *domain; /* source.domain */
    const char *dst;
    uint16_t dport;
    uint8_t proto;
    uint16_t status;
    uint64_t bytes;
    const char *method, *path, *query, *referrer, *ua, *dst_domain;
    const char *ts;      /* RFC 3339, NULL: not checked */
    const char *host;    /* NULL: not checked */
    const char *process; /* NULL: not checked */
    const char *message; /* NULL: not checked */
    uint32_t anom;
    int tz;       /* opts.tz_offset_s */
    bool xff;     /* opts.trust_xff */
    bool no_auto; /* MM_LOG_AUTO gives another result */
    size_t len;   /* 0: strlen(line) (set for lines holding NUL) */
} tcase;

/* Rows name only the fields that matter; the rest are zero. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#define S(x) x
static const tcase cases[] = {
    /* ---- sshd, sample loghub-OpenSSH_2k.log ---- */
    {MM_LOG_SSHD,
     "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from "
     "173.234.31.186",
     MM_OK, MM_ACT_INVALID_USER, MM_OUT_FAILURE, "173.234.31.186", 0,
     "webmaster", .ts = "2024-12-10T06:55:46.000Z", .host = "LabSZ",
     .process = "sshd",
     .message = "Invalid user webmaster from 173.234.31.186"},
    {MM_LOG_SSHD,
     "Dec 10 06:55:48 LabSZ sshd[24200]: Failed password for invalid user "
     "webmaster from 173.234.31.186 port 38926 ssh2",
     MM_OK, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE, "173.234.31.186", 38926,
     "webmaster"},
    {MM_LOG_SSHD,
     "Dec 10 07:13:43 LabSZ sshd[24227]: Failed password for root from "
     "5.36.59.76 port 42393 ssh2",
     MM_OK, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE, "5.36.59.76", 42393, "root"},
    {MM_LOG_SSHD,
     "Dec 10 07:13:56 LabSZ sshd[24227]: message repeated 5 times: [ Failed "
     "password for root from 5.36.59.76 port 42393 ssh2]",
     MM_OK, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE, "5.36.59.76", 42393, "root",
     5},
    {MM_LOG_SSHD,
     "Dec 10 07:13:56 LabSZ sshd[24227]: Disconnecting: Too many "
     "authentication failures for root [preauth]",
     MM_OK, MM_ACT_TOO_MANY_AUTH, MM_OUT_FAILURE, NULL, 0, "root"},
    {MM_LOG_SSHD,
     "Dec 10 06:55:46 LabSZ sshd[24200]: pam_unix(sshd:auth): authentication "
     "failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=173.234.31.186 ",
     MM_OK, MM_ACT_AUTH_FAILURE, MM_OUT_UNKNOWN, "173.234.31.186"},
    {MM_LOG_SSHD,
     "Dec 10 07:13:31 LabSZ sshd[24227]: pam_unix(sshd:auth): authentication "
     "failure; logname= uid=0 euid=0 tty=ssh ruser= "
     "rhost=5.36.59.76.dynamic-dsl-ip.omantel.net.om  user=root",
     MM_OK, MM_ACT_AUTH_FAILURE, MM_OUT_UNKNOWN, NULL, 0, "root",
     .domain = "5.36.59.76.dynamic-dsl-ip.omantel.net.om",
     .anom = MM_ANOM_HOSTNAME},
    {MM_LOG_SSHD,
     "Dec 10 09:32:20 LabSZ sshd[24680]: Accepted password for fztu from "
     "119.137.62.142 port 49116 ssh2",
     MM_OK, MM_ACT_AUTH_SUCCESS, MM_OUT_SUCCESS, "119.137.62.142", 49116,
     "fztu"},
    {MM_LOG_SSHD,
     "Dec 10 07:34:33 LabSZ sshd[24301]: Did not receive identification "
     "string from 123.235.32.19",
     MM_OK, MM_ACT_NO_IDENT, MM_OUT_UNKNOWN, "123.235.32.19"},
    {MM_LOG_SSHD,
     "Dec 10 06:55:48 LabSZ sshd[24200]: Connection closed by 173.234.31.186 "
     "[preauth]",
     MM_OK, MM_ACT_PREAUTH_CLOSE, MM_OUT_UNKNOWN, "173.234.31.186"},
    {MM_LOG_SSHD,
     "Dec 10 09:31:24 LabSZ sshd[24676]: Received disconnect from "
     "104.192.3.34: 11: Bye Bye [preauth]",
     MM_OK, MM_ACT_PREAUTH_CLOSE, MM_OUT_UNKNOWN, "104.192.3.34"},
    {MM_LOG_SSHD,
     "Dec 10 07:51:15 LabSZ sshd[24324]: error: Received disconnect from "
     "195.154.37.122: 3: com.jcraft.jsch.JSchException: Auth fail [preauth]",
     MM_OK, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE, "195.154.37.122"},
    {MM_LOG_SSHD,
     "Dec 10 09:45:06 LabSZ sshd[24761]: Received disconnect from "
     "119.137.62.142: 11: disconnected by user",
     MM_SKIP},
    {MM_LOG_SSHD,
     "Dec 10 06:55:46 LabSZ sshd[24200]: reverse mapping checking getaddrinfo "
     "for ns.marryaldkfaczcz.com [173.234.31.186] failed - POSSIBLE BREAK-IN "
     "ATTEMPT!",
     MM_SKIP},
    {MM_LOG_SSHD,
     "Dec 10 08:24:40 LabSZ sshd[24363]: Failed none for invalid user 0 from "
     "5.188.10.180 port 49811 ssh2",
     MM_OK, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE, "5.188.10.180", 49811, "0"},
    {MM_LOG_SSHD,
     "Dec 10 08:24:32 LabSZ sshd[24361]: Invalid user  0101 from 5.188.10.180",
     MM_OK, MM_ACT_INVALID_USER, MM_OUT_FAILURE, "5.188.10.180", 0, " 0101"},
    {MM_LOG_SSHD,
     "Dec 10 09:32:20 LabSZ sshd[24680]: pam_unix(sshd:session): session "
     "opened for user fztu by (uid=0)",
     MM_SKIP},
    {MM_LOG_SSHD,
     "Dec 10 06:55:46 LabSZ sshd[24200]: input_userauth_request: invalid user "
     "webmaster [preauth]",
     MM_SKIP},
    {MM_LOG_SSHD,
     "Dec 10 07:13:56 LabSZ sshd[24227]: PAM 5 more authentication failures; "
     "logname= uid=0 euid=0 tty=ssh ruser= "
     "rhost=5.36.59.76.dynamic-dsl-ip.omantel.net.om  user=root",
     MM_SKIP},
    /* ---- sshd(pam_unix), sample loghub-Linux_2k.log ---- */
    {MM_LOG_SYSLOG,
     "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; "
     "logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 ",
     MM_OK, MM_ACT_AUTH_FAILURE, MM_OUT_UNKNOWN, "218.188.2.4",
     .host = "combo", .process = "sshd(pam_unix)",
     .ts = "2024-06-14T15:16:01.000Z"},
    {MM_LOG_SYSLOG,
     "Jun 15 02:04:59 combo sshd(pam_unix)[20882]: authentication failure; "
     "logname= uid=0 euid=0 tty=NODEVssh ruser= "
     "rhost=220-135-151-1.hinet-ip.hinet.net  user=root",
     MM_OK, MM_ACT_AUTH_FAILURE, MM_OUT_UNKNOWN, NULL, 0, "root",
     .domain = "220-135-151-1.hinet-ip.hinet.net", .anom = MM_ANOM_HOSTNAME},
    {MM_LOG_SYSLOG,
     "Jun 15 04:06:18 combo su(pam_unix)[21416]: session opened for user "
     "cyrus by (uid=0)",
     MM_SKIP, .process = "su(pam_unix)"},
    {MM_LOG_SYSLOG,
     "Jul 27 14:41:57 combo kernel: klogd 1.4.1, log source = /proc/kmsg "
     "started.",
     MM_SKIP, .process = "kernel"},
    /* ---- sshd, synth: current OpenSSH wording (auth.c, sshd-session) ---- */
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd-session[1234]: Connection closed by invalid "
     "user admin 45.155.205.10 port 40232 [preauth]",
     MM_OK, MM_ACT_PREAUTH_CLOSE, MM_OUT_FAILURE, "45.155.205.10", 40232,
     "admin", .process = "sshd-session", .ts = "2024-01-05T10:00:01.000Z"},
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd-session[1234]: Disconnected from "
     "authenticating user root 45.155.205.10 port 51000 [preauth]",
     MM_OK, MM_ACT_PREAUTH_CLOSE, MM_OUT_FAILURE, "45.155.205.10", 51000,
     "root"},
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: Disconnected from user alice 198.51.100.9 "
     "port 5000",
     MM_SKIP},
    /* kex-stage close of OpenSSH >= 8 (shape as in Termix-SSH/Support
     * issues 136 and 412, server logs quoted there) */
    {MM_LOG_SSHD,
     "Jan 13 09:57:13 mail sshd[1391397]: error: kex_exchange_identification: "
     "Connection closed by remote host",
     MM_SKIP},
    {MM_LOG_SSHD,
     "Jan 13 09:57:13 mail sshd[1391397]: Connection closed by 45.155.205.10 "
     "port 41180",
     MM_OK, MM_ACT_NO_IDENT, MM_OUT_UNKNOWN, "45.155.205.10", 41180},
    {MM_LOG_SSHD,
     "Aug 26 17:42:29 proxmox sshd-session[1439011]: Connection closed by "
     "2001:db8::8 port 50122",
     MM_OK, MM_ACT_NO_IDENT, MM_OUT_UNKNOWN, "2001:db8::8", 50122},
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: Connection closed by authenticating user "
     "root 45.155.205.10 port 40232",
     MM_OK, MM_ACT_PREAUTH_CLOSE, MM_OUT_FAILURE, "45.155.205.10", 40232,
     "root"},
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: Disconnected from invalid user admin "
     "45.155.205.10 port 40232",
     MM_OK, MM_ACT_PREAUTH_CLOSE, MM_OUT_FAILURE, "45.155.205.10", 40232,
     "admin"},
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: Connection closed by user alice "
     "198.51.100.9 port 5000",
     MM_SKIP},
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: Connection reset by 45.155.205.10 port "
     "40232 [preauth]",
     MM_OK, MM_ACT_PREAUTH_CLOSE, MM_OUT_UNKNOWN, "45.155.205.10", 40232},
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: Received disconnect from 45.155.205.10 "
     "port 40232:11: Bye Bye [preauth]",
     MM_OK, MM_ACT_PREAUTH_CLOSE, MM_OUT_UNKNOWN, "45.155.205.10", 40232},
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: error: maximum authentication attempts "
     "exceeded for invalid user admin from 45.155.205.10 port 40232 ssh2 "
     "[preauth]",
     MM_OK, MM_ACT_TOO_MANY_AUTH, MM_OUT_FAILURE, "45.155.205.10", 40232,
     "admin"},
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: Disconnecting invalid user admin "
     "45.155.205.10 port 40232: Too many authentication failures [preauth]",
     MM_OK, MM_ACT_TOO_MANY_AUTH, MM_OUT_FAILURE, "45.155.205.10", 40232,
     "admin"},
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: Accepted publickey for deploy from "
     "2001:db8:1::5 port 50022 ssh2: ED25519 "
     "SHA256:kX2b3mFfXo3oQqfF0d7i3aH2JYbYw9s0dS0yK7p1Zk0",
     MM_OK, MM_ACT_AUTH_SUCCESS, MM_OUT_SUCCESS, "2001:db8:1::5", 50022,
     "deploy"},
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: Failed password for root from "
     "::ffff:45.155.205.10 port 40232 ssh2",
     MM_OK, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE, "45.155.205.10", 40232,
     "root"},
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: Failed keyboard-interactive/pam for "
     "invalid user oracle from 45.155.205.10 port 40232 ssh2",
     MM_OK, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE, "45.155.205.10", 40232,
     "oracle"},
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: Failed publickey for git from "
     "45.155.205.10 port 40232 ssh2: RSA SHA256:3q2+7w",
     MM_OK, MM_ACT_AUTH_FAILURE, MM_OUT_UNKNOWN, "45.155.205.10", 40232,
     "git"},
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: Failed password for root from "
     "scanner.example.com port 22 ssh2",
     MM_OK, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE, NULL, 22, "root",
     .domain = "scanner.example.com", .anom = MM_ANOM_HOSTNAME},
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: Failed password for invalid user a from b "
     "from 45.155.205.10 port 1 ssh2",
     MM_OK, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE, "45.155.205.10", 1,
     "a from b"},
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: Accepted publickey for ci from "
     "45.155.205.10 port 4 ssh2: ED25519-CERT SHA256:x ID build from ci "
     "(serial 1) CA ED25519 SHA256:y",
     MM_OK, MM_ACT_AUTH_SUCCESS, MM_OUT_SUCCESS, "45.155.205.10", 4, "ci"},
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: Invalid user test from 45.155.205.10 port "
     "40232",
     MM_OK, MM_ACT_INVALID_USER, MM_OUT_FAILURE, "45.155.205.10", 40232,
     "test"},
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: Did not receive identification string "
     "from 45.155.205.10 port 40232",
     MM_OK, MM_ACT_NO_IDENT, MM_OUT_UNKNOWN, "45.155.205.10", 40232},
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: User root from 45.155.205.10 not allowed "
     "because not listed in AllowUsers",
     MM_OK, MM_ACT_INVALID_USER, MM_OUT_FAILURE, "45.155.205.10", 0, "root"},
    /* regression: the needle overlapping the "User " prefix once made a
     * backwards search start before its slice */
    {MM_LOG_SSHD, "Jan  5 10:00:01 web1 sshd[1]: User not allowed because",
     MM_SKIP},
    {MM_LOG_SSHD, "Jan  5 10:00:01 web1 sshd[1]: User  not allowed because x",
     MM_OK, MM_ACT_INVALID_USER,
     MM_OUT_FAILURE}, /* no address: from the connection */
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: Server listening on 0.0.0.0 port 22.",
     MM_SKIP},
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: Failed password for root from 999.1.1.1 "
     "port 22 ssh2",
     MM_EPARSE},
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: message repeated 99999999999999999999 "
     "times: [ Failed password for root from 45.155.205.10 port 22 ssh2]",
     MM_OK, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE, "45.155.205.10", 22, "root",
     1000000},
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: Invalid user x from 45.155.205.10 port "
     "99999",
     MM_OK, MM_ACT_INVALID_USER, MM_OUT_FAILURE, "45.155.205.10", 0, "x"},
    /* syslog header variants (synth) */
    {MM_LOG_SSHD,
     "<38>1 2024-01-02T03:04:05.123Z host1 sshd 1234 - - Failed password for "
     "root from 45.155.205.10 port 40232 ssh2",
     MM_OK, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE, "45.155.205.10", 40232,
     "root", .ts = "2024-01-02T03:04:05.123Z", .host = "host1",
     .process = "sshd"},
    {MM_LOG_SSHD,
     "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com sshd - ID47 "
     "[exampleSDID@32473 iut=\"3\" eventSource=\"App]\" eventID=\"1011\"][b "
     "x=\"y\"] \xEF\xBB\xBFInvalid user x from 45.155.205.10",
     MM_OK, MM_ACT_INVALID_USER, MM_OUT_FAILURE, "45.155.205.10", 0, "x",
     .ts = "2003-10-11T22:14:15.003Z", .host = "mymachine.example.com"},
    {MM_LOG_SSHD,
     "<38>Jan  2 03:04:05 host1 sshd[1234]: Invalid user x from 45.155.205.10",
     MM_OK, MM_ACT_INVALID_USER, MM_OUT_FAILURE, "45.155.205.10", 0, "x",
     .ts = "2024-01-02T03:04:05.000Z", .host = "host1"},
    {MM_LOG_SSHD,
     "2024-01-02T03:04:05.123456+09:00 host1 sshd[1]: Invalid user x from "
     "45.155.205.10",
     MM_OK, MM_ACT_INVALID_USER, MM_OUT_FAILURE, "45.155.205.10", 0, "x",
     .ts = "2024-01-01T18:04:05.123Z", .host = "host1"},
    {MM_LOG_SSHD,
     "Jan  2 03:04:05 host1 sshd[1]: Invalid user x from 45.155.205.10", MM_OK,
     MM_ACT_INVALID_USER, MM_OUT_FAILURE, "45.155.205.10", 0, "x",
     .ts = "2024-01-01T18:04:05.000Z", .tz = 9 * 3600},
    {MM_LOG_SSHD,
     "Jan 2 03:04:05 host1 sshd[1]: Invalid user x from 45.155.205.10", MM_OK,
     MM_ACT_INVALID_USER, MM_OUT_FAILURE, "45.155.205.10", 0, "x",
     .ts = "2024-01-02T03:04:05.000Z", .host = "host1"},
    {MM_LOG_SSHD,
     "Jan 12 03:04:05.250 host1 sshd[1]: Invalid user x from 45.155.205.10",
     MM_OK, MM_ACT_INVALID_USER, MM_OUT_FAILURE, "45.155.205.10", 0, "x",
     .ts = "2024-01-12T03:04:05.250Z", .host = "host1"},
    {MM_LOG_SSHD,
     "Feb 30 03:04:05 host1 sshd[1]: Invalid user x from 45.155.205.10",
     MM_EPARSE},
    {MM_LOG_SSHD,
     "Jan 2x 03:04:05 host1 sshd[1]: Invalid user x from 45.155.205.10",
     MM_EPARSE, .no_auto = true},
    {MM_LOG_SSHD,
     "Jan  2 03:04:05 host1 kernel: [1.2] IN=eth0 OUT= SRC=45.155.205.10 "
     "DST=10.0.0.5 PROTO=TCP SPT=1 DPT=22",
     MM_SKIP, .no_auto = true},
    {MM_LOG_SYSLOG, "hello world", MM_EPARSE, .no_auto = true},
    /* ---- web access, sample elastic-apache_access_10k.log ---- */
    {MM_LOG_WEB_ACCESS,
     "83.149.9.216 - - [17/May/2015:10:05:03 +0000] \"GET "
     "/presentations/logstash-monitorama-2013/images/kibana-search.png "
     "HTTP/1.1\" 200 203023 "
     "\"http://semicomplete.com/presentations/logstash-monitorama-2013/\" "
     "\"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 "
     "(KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36\"",
     MM_OK, MM_ACT_HTTP_REQUEST, MM_OUT_SUCCESS, "83.149.9.216", .status = 200,
     .bytes = 203023, .method = "GET",
     .path =
         "/presentations/logstash-monitorama-2013/images/kibana-search.png",
     .referrer =
         "http://semicomplete.com/presentations/logstash-monitorama-2013/",
     .ua = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 "
           "(KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36",
     .ts = "2015-05-17T10:05:03.000Z"},
    {MM_LOG_WEB_ACCESS,
     "66.249.73.185 - - [17/May/2015:10:05:22 +0000] \"GET "
     "/doc/index.html?org/elasticsearch/action/search/SearchResponse.html "
     "HTTP/1.1\" 404 294 \"-\" \"Mozilla/5.0 (compatible; Googlebot/2.1; "
     "+http://www.google.com/bot.html)\"",
     MM_OK, MM_ACT_HTTP_REQUEST, MM_OUT_FAILURE, "66.249.73.185",
     .status = 404, .bytes = 294, .method = "GET", .path = "/doc/index.html",
     .query = "org/elasticsearch/action/search/SearchResponse.html",
     .ua = "Mozilla/5.0 (compatible; Googlebot/2.1; "
           "+http://www.google.com/bot.html)"},
    {MM_LOG_WEB_ACCESS,
     "46.118.127.106 - - [20/May/2015:12:05:17 +0000] \"GET "
     "/scripts/grok-py-test/configlib.py HTTP/1.1\" 200 235 \"-\" "
     "\"Mozilla/5.0 (compatible; Googlebot/2.1; "
     "+http://www.google.com/bot.html",
     MM_OK, MM_ACT_HTTP_REQUEST, MM_OUT_SUCCESS, "46.118.127.106",
     .status = 200, .bytes = 235, .method = "GET",
     .path = "/scripts/grok-py-test/configlib.py",
     .ua = "Mozilla/5.0 (compatible; Googlebot/2.1; "
           "+http://www.google.com/bot.html"},
    /* web access, synth (Apache docs "common" example; nginx escapes) */
    {MM_LOG_WEB_ACCESS,
     "frank.example.com - frank [10/Oct/2000:13:55:36 -0700] \"GET "
     "/apache_pb.gif HTTP/1.0\" 200 2326",
     MM_OK, MM_ACT_HTTP_REQUEST, MM_OUT_SUCCESS, NULL, 0, "frank",
     .domain = "frank.example.com", .anom = MM_ANOM_HOSTNAME, .status = 200,
     .bytes = 2326, .method = "GET", .path = "/apache_pb.gif",
     .ts = "2000-10-10T20:55:36.000Z",
     .message = "frank.example.com - frank [10/Oct/2000:13:55:36 -0700] \"GET "
                "/apache_pb.gif HTTP/1.0\" 200 2326"},
    {MM_LOG_WEB_ACCESS,
     "2001:db8::7 - - [02/Jan/2024:03:04:05 +0900] \"POST /wp-login.php "
     "HTTP/1.1\" 200 -",
     MM_OK, MM_ACT_HTTP_REQUEST, MM_OUT_SUCCESS, "2001:db8::7", .status = 200,
     .method = "POST", .path = "/wp-login.php",
     .ts = "2024-01-01T18:04:05.000Z"},
    {MM_LOG_WEB_ACCESS,
     "45.155.205.10 - - [02/Jan/2024:03:04:05 +0000] \"-\" 400 0 \"-\" \"-\"",
     MM_OK, MM_ACT_HTTP_REQUEST, MM_OUT_FAILURE, "45.155.205.10",
     .status = 400},
    {MM_LOG_WEB_ACCESS,
     "45.155.205.10 - - [02/Jan/2024:03:04:05 +0000] "
     "\"\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03\" 400 166 "
     "\"-\" \"-\"",
     MM_OK, MM_ACT_HTTP_REQUEST, MM_OUT_FAILURE, "45.155.205.10",
     .status = 400, .bytes = 166},
    {MM_LOG_WEB_ACCESS,
     "45.155.205.10 - - [02/Jan/2024:03:04:05 +0000] \"GET /a\\\"b HTTP/1.1\" "
     "404 10 \"-\" \"curl/8.0\"",
     MM_OK, MM_ACT_HTTP_REQUEST, MM_OUT_FAILURE, "45.155.205.10",
     .status = 404, .bytes = 10, .method = "GET", .path = "/a\\\"b",
     .ua = "curl/8.0"},
    {MM_LOG_WEB_ACCESS,
     "10.0.0.2 - - [02/Jan/2024:03:04:05 +0000] \"GET /wp-login.php "
     "HTTP/1.1\" 404 153 \"-\" \"Mozilla/5.0\" \"45.155.205.10, 10.0.0.1\"",
     MM_OK, MM_ACT_HTTP_REQUEST, MM_OUT_FAILURE, "45.155.205.10",
     .status = 404, .bytes = 153, .method = "GET", .path = "/wp-login.php",
     .ua = "Mozilla/5.0", .xff = true},
    {MM_LOG_WEB_ACCESS,
     "10.0.0.2 - - [02/Jan/2024:03:04:05 +0000] \"GET /wp-login.php "
     "HTTP/1.1\" 404 153 \"-\" \"Mozilla/5.0\" \"45.155.205.10, 10.0.0.1\"",
     MM_OK, MM_ACT_HTTP_REQUEST, MM_OUT_FAILURE, "10.0.0.2", .status = 404,
     .bytes = 153, .method = "GET", .path = "/wp-login.php",
     .ua = "Mozilla/5.0"},
    {MM_LOG_WEB_ACCESS,
     "45.155.205.10 - - [02/Jan/2024:03:04:05 +0000] \"GET / HTTP/1.1\" 1000 "
     "5",
     MM_EPARSE},
    {MM_LOG_WEB_ACCESS,
     "45.155.205.10 - - [02/Jan/2024:03:04:05 +0000] \"GET / HTTP/1.1\" 200 "
     "99999999999999999999999",
     MM_EPARSE},
    {MM_LOG_WEB_ACCESS,
     "45.155.205.10 - - [31/Feb/2024:03:04:05 +0000] \"GET / HTTP/1.1\" 200 5",
     MM_EPARSE},
    {MM_LOG_WEB_ACCESS,
     "45.155.205.10 - - [02/Jan/2024:03:04:05 +0000] \"GET / HTTP/1.1",
     MM_EPARSE},
    {MM_LOG_WEB_ACCESS,
     "shop.example.jp:443 45.155.205.10 - - [02/Jan/2024:03:04:05 +0000] "
     "\"GET /.git/config HTTP/1.1\" 404 437 \"-\" \"Go-http-client/1.1\"",
     MM_OK, MM_ACT_HTTP_REQUEST, MM_OUT_FAILURE, "45.155.205.10",
     .status = 404, .bytes = 437, .method = "GET", .path = "/.git/config",
     .ua = "Go-http-client/1.1", .dst_domain = "shop.example.jp"},
    {MM_LOG_WEB_ACCESS, "hello world", MM_EPARSE, .no_auto = true},
    /* ---- web error, sample loghub-Apache_2k_error.log (Apache 2.2) ---- */
    {MM_LOG_WEB_ERROR,
     "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok "
     "/etc/httpd/conf/workers2.properties",
     MM_SKIP},
    {MM_LOG_WEB_ERROR,
     "[Sun Dec 04 05:15:09 2005] [error] [client 222.166.160.184] Directory "
     "index forbidden by rule: /var/www/html/",
     MM_OK, MM_ACT_HTTP_ERROR, MM_OUT_FAILURE, "222.166.160.184",
     .ts = "2005-12-04T05:15:09.000Z",
     .message = "Directory index forbidden by rule: /var/www/html/"},
    /* web error, synth (Apache 2.2/2.4 and nginx documentation forms) */
    {MM_LOG_WEB_ERROR,
     "[Sun Dec 04 04:47:44 2005] [error] [client 45.155.205.10] File does not "
     "exist: /var/www/html/phpmyadmin",
     MM_OK, MM_ACT_HTTP_ERROR, MM_OUT_FAILURE, "45.155.205.10",
     .path = "/var/www/html/phpmyadmin"},
    {MM_LOG_WEB_ERROR,
     "[Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 35708:tid "
     "4328636416] [client 45.155.205.10:51234] AH00128: File does not exist: "
     "/usr/local/apache2/htdocs/favicon.ico",
     MM_OK, MM_ACT_HTTP_ERROR, MM_OUT_FAILURE, "45.155.205.10", 51234,
     .path = "/usr/local/apache2/htdocs/favicon.ico",
     .ts = "2000-10-11T14:32:52.123Z"},
    {MM_LOG_WEB_ERROR,
     "[Wed Oct 11 14:32:52.123456 2000] [auth_basic:error] [pid 35708:tid "
     "4328636416] [client 45.155.205.10:51234] AH01617: user admin: "
     "authentication failure for \"/admin\": Password Mismatch, referer: "
     "http://example.com/",
     MM_OK, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE, "45.155.205.10", 51234,
     "admin", .path = "/admin", .referrer = "http://example.com/"},
    {MM_LOG_WEB_ERROR,
     "[Wed Oct 11 14:32:52 2000] [auth_basic:error] [pid 35708] [client "
     "2001:db8::7:51234] AH01618: user bob not found: /admin",
     MM_OK, MM_ACT_INVALID_USER, MM_OUT_FAILURE, "2001:db8::7", 51234, "bob",
     .path = "/admin"},
    {MM_LOG_WEB_ERROR,
     "[Wed Oct 11 14:32:52 2000] [mpm_event:notice] [pid 1:tid 2] AH00489: "
     "Apache/2.4.57 configured -- resuming normal operations",
     MM_SKIP},
    {MM_LOG_WEB_ERROR,
     "2024/01/02 03:04:05 [error] 1234#0: *5 open() "
     "\"/usr/share/nginx/html/.env\" failed (2: No such file or directory), "
     "client: 45.155.205.10, server: _, request: \"GET /.env HTTP/1.1\", "
     "host: \"x\"",
     MM_OK, MM_ACT_HTTP_ERROR, MM_OUT_FAILURE, "45.155.205.10",
     .method = "GET", .path = "/.env", .dst_domain = "x",
     .ts = "2024-01-02T03:04:05.000Z",
     .message = "open() \"/usr/share/nginx/html/.env\" failed (2: No such "
                "file or directory)"},
    {MM_LOG_WEB_ERROR,
     "2024/01/02 03:04:05 [error] 1234#0: *7 no user/password was provided "
     "for basic authentication, client: 45.155.205.10, server: _, request: "
     "\"GET /admin HTTP/1.1\", host: \"x\"",
     MM_OK, MM_ACT_HTTP_ERROR, MM_OUT_FAILURE, "45.155.205.10",
     .method = "GET", .path = "/admin", .dst_domain = "x"},
    {MM_LOG_WEB_ERROR,
     "2024/01/02 03:04:05 [error] 1234#0: *8 user \"admin\" was not found in "
     "\"/etc/nginx/.htpasswd\", client: 45.155.205.10, server: _, request: "
     "\"GET /admin HTTP/1.1\", host: \"x\"",
     MM_OK, MM_ACT_INVALID_USER, MM_OUT_FAILURE, "45.155.205.10", 0, "admin",
     .method = "GET", .path = "/admin", .dst_domain = "x"},
    {MM_LOG_WEB_ERROR,
     "2024/01/02 03:04:05 [error] 1234#0: *9 user \"admin\": password "
     "mismatch, client: 45.155.205.10, server: _, request: \"GET /admin?x=1 "
     "HTTP/1.1\", host: \"x\", referrer: \"http://x/\"",
     MM_OK, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE, "45.155.205.10", 0, "admin",
     .method = "GET", .path = "/admin", .query = "x=1", .dst_domain = "x",
     .referrer = "http://x/"},
    {MM_LOG_WEB_ERROR,
     "2024/01/02 03:04:05 [notice] 1234#1234: signal process started",
     MM_SKIP},
    {MM_LOG_WEB_ERROR, "hello world", MM_EPARSE, .no_auto = true},
    /* ---- netfilter, synth (ipt_LOG / nf_log format, UFW prefixes) ---- */
    {MM_LOG_NETFILTER,
     "Jan  2 03:04:05 fw kernel: [12345.678901] [UFW BLOCK] IN=eth0 OUT= "
     "MAC=00:16:3e:aa:bb:cc:00:16:3e:dd:ee:ff:08:00 SRC=45.155.205.10 "
     "DST=10.0.0.5 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=54321 DF PROTO=TCP "
     "SPT=51234 DPT=22 WINDOW=29200 RES=0x00 SYN URGP=0",
     MM_OK, MM_ACT_FIREWALL_DENY, MM_OUT_FAILURE, "45.155.205.10", 51234,
     .dst = "10.0.0.5", .dport = 22, .proto = 6, .bytes = 60, .host = "fw",
     .process = "kernel", .ts = "2024-01-02T03:04:05.000Z"},
    {MM_LOG_SYSLOG,
     "Jan  2 03:04:05 fw kernel: DROP: IN=eth0 OUT= "
     "MAC=00:16:3e:aa:bb:cc:00:16:3e:dd:ee:ff:86:dd SRC=2001:db8:1::5 "
     "DST=2001:db8:2::1 LEN=80 TC=0 HOPLIMIT=57 FLOWLBL=0 PROTO=UDP SPT=5353 "
     "DPT=53 LEN=40",
     MM_OK, MM_ACT_FIREWALL_DENY, MM_OUT_FAILURE, "2001:db8:1::5", 5353,
     .dst = "2001:db8:2::1", .dport = 53, .proto = 17, .bytes = 80},
    {MM_LOG_NETFILTER,
     "Jan  2 03:04:05 fw kernel: [ 2.000] [UFW ALLOW] IN=eth0 OUT= "
     "SRC=45.155.205.10 DST=10.0.0.5 LEN=40 PROTO=TCP SPT=1 DPT=443",
     MM_OK, MM_ACT_FIREWALL_ALLOW, MM_OUT_SUCCESS, "45.155.205.10", 1,
     .dst = "10.0.0.5", .dport = 443, .proto = 6, .bytes = 40},
    {MM_LOG_NETFILTER,
     "Jan  2 03:04:05 fw kernel: IN=eth0 OUT= SRC=45.155.205.10 DST=10.0.0.5 "
     "LEN=40 PROTO=47",
     MM_OK, MM_ACT_FIREWALL_LOG, MM_OUT_UNKNOWN, "45.155.205.10",
     .dst = "10.0.0.5", .proto = 47, .bytes = 40},
    {MM_LOG_NETFILTER,
     "[12345.678901] nft-reject: IN=eth0 OUT= SRC=45.155.205.10 DST=10.0.0.5 "
     "LEN=84 PROTO=ICMP TYPE=8 CODE=0 ID=1 SEQ=1",
     MM_OK, MM_ACT_FIREWALL_DENY, MM_OUT_FAILURE, "45.155.205.10",
     .dst = "10.0.0.5", .proto = 1, .bytes = 84},
    {MM_LOG_NETFILTER,
     "[UFW BLOCK] IN=eth0 OUT= SRC=45.155.205.10 DST=10.0.0.5 LEN=40 "
     "PROTO=TCP SPT=1 DPT=22",
     MM_OK, MM_ACT_FIREWALL_DENY, MM_OUT_FAILURE, "45.155.205.10", 1,
     .dst = "10.0.0.5", .dport = 22, .proto = 6, .bytes = 40},
    {MM_LOG_NETFILTER,
     "Jan  2 03:04:05 fw kernel: IN=eth0 OUT= SRC=not-an-ip DST=10.0.0.5",
     MM_EPARSE},
    {MM_LOG_NETFILTER, "Jan  2 03:04:05 fw kernel: usb 1-1: new device",
     MM_EPARSE, .no_auto = true},
    /* ---- FortiGate, synth (FortiOS 7 log reference field names) ---- */
    {MM_LOG_FORTIGATE,
     "date=2024-01-02 time=03:04:05 devname=\"FG100E\" "
     "devid=\"FG100E0000000000\" logid=\"0000000013\" type=\"traffic\" "
     "subtype=\"forward\" level=\"notice\" vd=\"root\" eventtime=1704164645 "
     "srcip=45.155.205.10 srcport=5555 srcintf=\"wan1\" dstip=10.0.0.5 "
     "dstport=22 dstintf=\"internal\" proto=6 action=\"deny\" policyid=0 "
     "service=\"SSH\" sentbyte=0 rcvdbyte=0",
     MM_OK, MM_ACT_FIREWALL_DENY, MM_OUT_FAILURE, "45.155.205.10", 5555,
     .dst = "10.0.0.5", .dport = 22, .proto = 6, .host = "FG100E",
     .ts = "2024-01-02T03:04:05.000Z"},
    {MM_LOG_FORTIGATE,
     "<189>date=2024-01-02 time=03:04:05 devname=FG100E devid=FG100E "
     "logid=0000000013 type=traffic subtype=forward level=notice "
     "srcip=45.155.205.10 srcport=5555 dstip=10.0.0.5 dstport=443 proto=6 "
     "action=accept tz=\"+0900\" sentbyte=100 rcvdbyte=2000",
     MM_OK, MM_ACT_FIREWALL_ALLOW, MM_OUT_SUCCESS, "45.155.205.10", 5555,
     .dst = "10.0.0.5", .dport = 443, .proto = 6, .bytes = 2100,
     .host = "FG100E", .ts = "2024-01-01T18:04:05.000Z"},
    {MM_LOG_FORTIGATE,
     "date=2024-01-02 time=03:04:05 devname=\"FG100E\" devid=\"FG100E\" "
     "logid=\"0419016384\" type=\"utm\" subtype=\"ips\" "
     "eventtype=\"signature\" level=\"alert\" srcip=45.155.205.10 "
     "dstip=10.0.0.5 srcport=40000 dstport=80 proto=6 action=\"dropped\" "
     "attack=\"Apache.Log4j.Error.Log.Remote.Code.Execution\" "
     "msg=\"applications3: Apache.Log4j\"",
     MM_OK, MM_ACT_THREAT_DETECTED, MM_OUT_FAILURE, "45.155.205.10", 40000,
     .dst = "10.0.0.5", .dport = 80, .proto = 6,
     .message = "Apache.Log4j.Error.Log.Remote.Code.Execution"},
    {MM_LOG_FORTIGATE,
     "date=2024-01-02 time=03:04:05 devname=\"FG100E\" devid=\"FG100E\" "
     "logid=\"0419016384\" type=\"utm\" subtype=\"ips\" level=\"alert\" "
     "srcip=45.155.205.10 dstip=10.0.0.5 action=\"detected\" attack=\"Scan\"",
     MM_OK, MM_ACT_THREAT_DETECTED, MM_OUT_UNKNOWN, "45.155.205.10",
     .dst = "10.0.0.5"},
    {MM_LOG_FORTIGATE,
     "date=2024-01-02 time=03:04:05 devname=\"FG100E\" devid=\"FG100E\" "
     "logid=\"0101039426\" type=\"event\" subtype=\"vpn\" level=\"alert\" "
     "action=\"ssl-login-fail\" tunneltype=\"ssl-web\" remip=45.155.205.10 "
     "user=\"admin\" reason=\"sslvpn_login_unknown_user\" msg=\"SSL user "
     "failed to logged in\"",
     MM_OK, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE, "45.155.205.10", 0, "admin"},
    {MM_LOG_FORTIGATE,
     "date=2024-01-02 time=03:04:05 devname=\"FG100E\" devid=\"FG100E\" "
     "logid=\"0100032002\" type=\"event\" subtype=\"system\" level=\"alert\" "
     "srcip=45.155.205.10 user=\"admin\" action=\"login\" status=\"failed\" "
     "reason=\"passwd_invalid\" msg=\"Administrator admin login failed from "
     "https(45.155.205.10) because of invalid password\"",
     MM_OK, MM_ACT_AUTH_FAILURE, MM_OUT_FAILURE, "45.155.205.10", 0, "admin"},
    {MM_LOG_FORTIGATE,
     "date=2024-01-02 time=03:04:05 devname=\"FG100E\" devid=\"FG100E\" "
     "logid=\"0100032001\" type=\"event\" subtype=\"system\" "
     "level=\"information\" srcip=198.51.100.7 user=\"admin\" "
     "action=\"login\" status=\"success\"",
     MM_OK, MM_ACT_AUTH_SUCCESS, MM_OUT_SUCCESS, "198.51.100.7", 0, "admin"},
    {MM_LOG_FORTIGATE,
     "date=2024-01-02 time=03:04:05 devname=\"FG100E\" devid=\"FG100E\" "
     "logid=\"0101037138\" type=\"event\" subtype=\"vpn\" level=\"notice\" "
     "action=\"tunnel-up\" remip=198.51.100.7",
     MM_SKIP},
    {MM_LOG_FORTIGATE,
     "Jan  2 03:04:05 192.168.1.99 date=2024-01-02 time=03:04:05 "
     "devname=\"FG100E\" type=\"traffic\" srcip=45.155.205.10 dstip=10.0.0.5 "
     "action=\"deny\"",
     MM_OK, MM_ACT_FIREWALL_DENY, MM_OUT_FAILURE, "45.155.205.10",
     .dst = "10.0.0.5", .host = "FG100E"},
    {MM_LOG_FORTIGATE, "date=2024-01-02 time=03:04:05", MM_EPARSE,
     .no_auto = true},
    /* ---- generic key=value, synth ---- */
    {MM_LOG_KV,
     "time=2024-01-02T03:04:05Z src=45.155.205.10 dst=10.0.0.5 sport=40000 "
     "dport=3389 proto=tcp action=drop",
     MM_OK, MM_ACT_FIREWALL_DENY, MM_OUT_FAILURE, "45.155.205.10", 40000,
     .dst = "10.0.0.5", .dport = 3389, .proto = 6,
     .ts = "2024-01-02T03:04:05.000Z"},
    {MM_LOG_KV,
     "src_ip=45.155.205.10 dst_ip=10.0.0.5 spt=1 dpt=2 proto=17 "
     "action=\"allow\" user=bob",
     MM_OK, MM_ACT_FIREWALL_ALLOW, MM_OUT_SUCCESS, "45.155.205.10", 1, "bob",
     .dst = "10.0.0.5", .dport = 2, .proto = 17},
    {MM_LOG_KV, "src=45.155.205.10 dst=10.0.0.5", MM_OK, MM_ACT_FIREWALL_LOG,
     MM_OUT_UNKNOWN, "45.155.205.10", .dst = "10.0.0.5"},
    {MM_LOG_KV,
     "Jan  2 03:04:05 gw fw: src=45.155.205.10 dst=10.0.0.5 action=block",
     MM_OK, MM_ACT_FIREWALL_DENY, MM_OUT_FAILURE, "45.155.205.10",
     .dst = "10.0.0.5", .host = "gw", .no_auto = true},
    {MM_LOG_KV, "foo=bar baz=1", MM_SKIP},
    {MM_LOG_KV, "no pairs here", MM_EPARSE},
    /* ---- hostile bytes inside otherwise valid lines ---- */
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: Invalid user a\0b from 45.155.205.10",
     MM_OK, MM_ACT_INVALID_USER, MM_OUT_FAILURE, "45.155.205.10", 0, S("a\0b"),
     .anom = MM_ANOM_NUL, .len = 65},
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: Invalid user \xff\xfe\xc0\xaf from "
     "45.155.205.10",
     MM_OK, MM_ACT_INVALID_USER, MM_OUT_FAILURE, "45.155.205.10", 0,
     "\xff\xfe\xc0\xaf", .anom = MM_ANOM_BAD_UTF8},
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: Invalid user \xe5\xae\x88\xe3\x82\x8a "
     "from 45.155.205.10",
     MM_OK, MM_ACT_INVALID_USER, MM_OUT_FAILURE, "45.155.205.10", 0,
     "\xe5\xae\x88\xe3\x82\x8a"},
    {MM_LOG_SSHD,
     "Jan  5 10:00:01 web1 sshd[1]: Invalid user x from 45.155.205.10\r",
     MM_OK, MM_ACT_INVALID_USER, MM_OUT_FAILURE, "45.155.205.10", 0, "x"},
    {MM_LOG_AUTO, "", MM_EPARSE},
};

static size_t case_len(const tcase *c)
{
    return c->len ? c->len : strlen(c->line);
}

static void check_case(const tcase *c, mm_logtype type)
{
    mm_parse_opts o = {
        .year = 2024, .tz_offset_s = c->tz, .trust_xff = c->xff};
    mm_event ev;
    char *copy;
    size_t len = case_len(c);
    mm_rc rc = parse_copy(&o, type, c->line, len, &ev, &copy);
    const char *l = c->line;
    if (rc != c->rc)
        fail_msg("%s [%s]: rc %s, want %s", l, mm_logtype_name(type),
                 mm_rc_name(rc), mm_rc_name(c->rc));
    if (ev.action != c->action)
        fail_msg("%s: action %s, want %s", l, mm_action_name(ev.action),
                 mm_action_name(c->action));
    if (ev.outcome != c->outcome)
        fail_msg("%s: outcome %s, want %s", l, mm_outcome_name(ev.outcome),
                 mm_outcome_name(c->outcome));
    if (c->rc != MM_OK) {
        if (c->process)
            expect_span("process", l, ev.process, c->process);
        release(copy);
        return;
    }
    expect_addr("source.ip", l, &ev.src, c->src);
    expect_addr("destination.ip", l, &ev.dst, c->dst);
    if (ev.src_port != c->sport || ev.dst_port != c->dport)
        fail_msg("%s: ports %u/%u, want %u/%u", l, ev.src_port, ev.dst_port,
                 c->sport, c->dport);
    if (c->len) {
        /* the user holds a NUL: compare bytes */
        assert_int_equal(ev.user.len, 3);
        assert_memory_equal(ev.user.p, "a\0b", 3);
    } else {
        expect_span("user", l, ev.user, c->user);
    }
    if (ev.count != (c->count ? c->count : 1u))
        fail_msg("%s: count %u", l, ev.count);
    expect_span("source.domain", l, ev.src_domain, c->domain);
    expect_span("method", l, ev.method, c->method);
    expect_span("path", l, ev.path, c->path);
    expect_span("query", l, ev.query, c->query);
    expect_span("referrer", l, ev.referrer, c->referrer);
    expect_span("user_agent", l, ev.user_agent, c->ua);
    expect_span("destination.domain", l, ev.dst_domain, c->dst_domain);
    if (c->host)
        expect_span("host", l, ev.host, c->host);
    if (c->process)
        expect_span("process", l, ev.process, c->process);
    if (c->message)
        expect_span("message", l, ev.message, c->message);
    if (ev.status != c->status || ev.bytes != c->bytes ||
        ev.ip_proto != c->proto)
        fail_msg("%s: status %u bytes %llu proto %u", l, ev.status,
                 (unsigned long long)ev.bytes, ev.ip_proto);
    if (ev.anomalies != c->anom)
        fail_msg("%s: anomalies %#x, want %#x", l, ev.anomalies, c->anom);
    if (c->ts) {
        char ts[32];
        mm_time_format(ev.ts_ms, ts, sizeof ts);
        if (strcmp(ts, c->ts) != 0)
            fail_msg("%s: @timestamp %s, want %s", l, ts, c->ts);
    }
    release(copy);
}

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check_case(&cases[i], cases[i].type);
}

/* Every case also through MM_LOG_AUTO, with the same result. */
static void test_table_auto(void **state)
{
    (void)state;
    size_t n = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        if (cases[i].no_auto)
            continue;
        check_case(&cases[i], MM_LOG_AUTO);
        n++;
    }
    assert_true(n > 60);
}

/* The MM_LOG_SSHD filter: other programs are skipped, sshd is not. */
static void test_sshd_filter(void **state)
{
    (void)state;
    static const char kern[] = "Jan  2 03:04:05 fw kernel: [1.0] [UFW BLOCK] "
                               "IN=eth0 OUT= SRC=45.155.205.10 DST=10.0.0.5 "
                               "LEN=40 PROTO=TCP SPT=1 DPT=22";
    mm_event ev;
    assert_int_equal(
        mm_parse_line(NULL, MM_LOG_SSHD, kern, sizeof kern - 1, &ev), MM_SKIP);
    assert_int_equal(
        mm_parse_line(NULL, MM_LOG_SYSLOG, kern, sizeof kern - 1, &ev), MM_OK);
    assert_int_equal(ev.action, MM_ACT_FIREWALL_DENY);
    assert_int_equal(
        mm_parse_line(NULL, MM_LOG_AUTO, kern, sizeof kern - 1, &ev), MM_OK);
    assert_int_equal(ev.dataset, MM_DS_NETFILTER);
    assert_int_equal(
        mm_parse_line(NULL, MM_LOG_COUNT, kern, sizeof kern - 1, &ev),
        MM_EINVAL);
}

static void test_names(void **state)
{
    (void)state;
    for (int t = 0; t < MM_LOG_COUNT; t++) {
        mm_logtype back;
        assert_true(
            mm_logtype_from_name(mm_logtype_name((mm_logtype)t), &back));
        assert_int_equal(back, t);
    }
    mm_logtype t;
    assert_true(mm_logtype_from_name("web_access", &t));
    assert_int_equal(t, MM_LOG_WEB_ACCESS);
    assert_false(mm_logtype_from_name("apache", &t));
    assert_false(mm_logtype_from_name(NULL, &t));
}

/* ---- the year when the stamp has none ---------------------------------- */

static void test_current_year(void **state)
{
    (void)state;
    static const char l[] =
        "Jan  2 03:04:05 h sshd[1]: Invalid user x from 45.155.205.10";
    mm_event ev;
    assert_int_equal(mm_parse_line(NULL, MM_LOG_SSHD, l, sizeof l - 1, &ev),
                     MM_OK);
    char ts[32];
    mm_time_format(ev.ts_ms, ts, sizeof ts);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char want[16];
    snprintf(want, sizeof want, "%04d", tm.tm_year + 1900);
    assert_memory_equal(ts, want, 4);
}

/* ---- whole sample files ------------------------------------------------ */

typedef struct counts {
    uint64_t lines, events, skipped, unparsed;
    uint64_t by_action[MM_ACT_COUNT];
} counts;

static const char *srcdir(void)
{
    const char *d = getenv("SRCDIR");
    return d && *d ? d : ".";
}

static void scan_file(const char *name, mm_logtype type,
                      const mm_parse_opts *o, counts *c)
{
    char path[512];
    snprintf(path, sizeof path, "%s/data/samples/%s", srcdir(), name);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        fail_msg("cannot open %s (set SRCDIR to the repository root)", path);
    mm_lines lr;
    assert_int_equal(mm_lines_init(&lr, fd, 0), MM_OK);
    memset(c, 0, sizeof *c);
    mm_span line;
    bool trunc;
    while (mm_lines_next(&lr, &line, &trunc) == MM_OK) {
        mm_event ev;
        mm_rc rc = mm_parse_line(o, type, line.p, line.len, &ev);
        check_spans(&ev, line.p, line.len);
        c->lines++;
        if (rc == MM_OK) {
            c->events++;
            c->by_action[ev.action]++;
        } else if (rc == MM_SKIP) {
            c->skipped++;
        } else {
            c->unparsed++;
        }
    }
    mm_lines_fini(&lr);
    close(fd);
}

/* A file written on 5 January 2015 holding December lines: those lines are
 * from 2014; a January line in the same file stays in 2015. */
static void test_year_rollover(void **state)
{
    (void)state;
    mm_parse_opts o = {0};
    o.year = 2015;
    o.not_after_s = 1420416000; /* 2015-01-05T00:00:00Z */
    mm_event ev;
    const char *dec = "Dec 31 23:59:58 LabSZ sshd[1]: Failed password for "
                      "root from 1.2.3.4 port 22 ssh2";
    const char *jan = "Jan  4 10:00:00 LabSZ sshd[1]: Failed password for "
                      "root from 1.2.3.4 port 22 ssh2";
    assert_int_equal(mm_parse_line(&o, MM_LOG_SYSLOG, dec, strlen(dec), &ev),
                     MM_OK);
    assert_int_equal(ev.ts_ms, 1420070398000LL); /* 2014-12-31T23:59:58Z */
    assert_int_equal(mm_parse_line(&o, MM_LOG_SYSLOG, jan, strlen(jan), &ev),
                     MM_OK);
    assert_int_equal(ev.ts_ms, 1420365600000LL); /* 2015-01-04T10:00:00Z */
    o.not_after_s = 0; /* an explicit --year is taken as it is */
    assert_int_equal(mm_parse_line(&o, MM_LOG_SYSLOG, dec, strlen(dec), &ev),
                     MM_OK);
    assert_int_equal(ev.ts_ms, 1451606398000LL); /* 2015-12-31T23:59:58Z */
}

static void test_file_openssh(void **state)
{
    (void)state;
    mm_parse_opts o = {.year = 2024};
    counts c;
    /* loghub OpenSSH_2k: every attack line gives an event; the 354 skipped
     * lines are "check pass; user unknown", "reverse mapping ...",
     * "input_userauth_request", "PAM N more ...", "PAM service ignoring
     * max retries", session open/close, one post-login disconnect and one
     * "fatal: Write failed". */
    for (int t = 0; t < 3; t++) {
        mm_logtype type = t == 0   ? MM_LOG_SSHD
                          : t == 1 ? MM_LOG_SYSLOG
                                   : MM_LOG_AUTO;
        scan_file("loghub-OpenSSH_2k.log", type, &o, &c);
        assert_int_equal(c.lines, 2000);
        assert_int_equal(c.events, 1646);
        assert_int_equal(c.skipped, 354);
        assert_int_equal(c.unparsed, 0);
        assert_int_equal(c.by_action[MM_ACT_AUTH_FAILURE], 1020);
        assert_int_equal(c.by_action[MM_ACT_INVALID_USER], 113);
        assert_int_equal(c.by_action[MM_ACT_AUTH_SUCCESS], 1);
        assert_int_equal(c.by_action[MM_ACT_NO_IDENT], 10);
        assert_int_equal(c.by_action[MM_ACT_PREAUTH_CLOSE], 499);
        assert_int_equal(c.by_action[MM_ACT_TOO_MANY_AUTH], 3);
    }
}

static void test_file_linux(void **state)
{
    (void)state;
    mm_parse_opts o = {.year = 2024};
    counts c;
    /* loghub Linux_2k: 489 "sshd(pam_unix) authentication failure" lines;
     * everything else (ftpd, su, kernel without SRC=, ...) is skipped. */
    scan_file("loghub-Linux_2k.log", MM_LOG_SYSLOG, &o, &c);
    assert_int_equal(c.lines, 2000);
    assert_int_equal(c.events, 489);
    assert_int_equal(c.by_action[MM_ACT_AUTH_FAILURE], 489);
    assert_int_equal(c.skipped, 1511);
    assert_int_equal(c.unparsed, 0);
    scan_file("loghub-Linux_2k.log", MM_LOG_AUTO, &o, &c);
    assert_int_equal(c.events, 489);
    assert_int_equal(c.unparsed, 0);
}

static void test_file_access(void **state)
{
    (void)state;
    mm_parse_opts o = {.year = 2024};
    counts c;
    scan_file("elastic-apache_access_10k.log", MM_LOG_WEB_ACCESS, &o, &c);
    assert_int_equal(c.lines, 10000);
    assert_int_equal(c.events, 10000);
    assert_int_equal(c.by_action[MM_ACT_HTTP_REQUEST], 10000);
    scan_file("elastic-apache_access_10k.log", MM_LOG_AUTO, &o, &c);
    assert_int_equal(c.events, 10000);
}

static void test_file_error(void **state)
{
    (void)state;
    mm_parse_opts o = {.year = 2024};
    counts c;
    scan_file("loghub-Apache_2k_error.log", MM_LOG_WEB_ERROR, &o, &c);
    assert_int_equal(c.lines, 2000);
    assert_int_equal(c.events, 32); /* the "[client …]" lines */
    assert_int_equal(c.skipped, 1968);
    assert_int_equal(c.unparsed, 0);
    scan_file("loghub-Apache_2k_error.log", MM_LOG_AUTO, &o, &c);
    assert_int_equal(c.events, 32);
    assert_int_equal(c.unparsed, 0);
}

/* ---- LogFormat -----------------------------------------------------------
 */

static char *slurp(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/data/samples/%s", srcdir(), name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* The combined LogFormat gives the same events as the built-in parser on
 * every line of the access-log sample. */
static void test_webfmt_combined(void **state)
{
    (void)state;
    mm_webfmt *f;
    mm_err err;
    assert_int_equal(
        mm_webfmt_compile("%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" "
                          "\"%{User-Agent}i\"",
                          &f, &err),
        MM_OK);
    mm_parse_opts def = {0}, fmt = {.web_format = f};
    size_t len, n = 0;
    char *buf = slurp("elastic-apache_access_10k.log", &len);
    for (char *p = buf, *e = buf + len; p < e;) {
        char *q = memchr(p, '\n', (size_t)(e - p));
        if (!q)
            q = e;
        mm_event a, b;
        /* the one line whose user agent lacks its closing quote is
         * parsed by both, but the format needs the quote */
        mm_rc ra =
            mm_parse_line(&def, MM_LOG_WEB_ACCESS, p, (size_t)(q - p), &a);
        mm_rc rb =
            mm_parse_line(&fmt, MM_LOG_WEB_ACCESS, p, (size_t)(q - p), &b);
        assert_int_equal(ra, MM_OK);
        if (rb == MM_OK) {
            n++;
            assert_true(mm_addr_eq(&a.src, &b.src));
            assert_int_equal(a.status, b.status);
            assert_int_equal(a.bytes, b.bytes);
            assert_int_equal(a.ts_ms, b.ts_ms);
            assert_int_equal(a.path.len, b.path.len);
            assert_int_equal(a.query.len, b.query.len);
            assert_int_equal(a.user_agent.len, b.user_agent.len);
            assert_int_equal(a.referrer.len, b.referrer.len);
            assert_int_equal(a.method.len, b.method.len);
            assert_int_equal(a.outcome, b.outcome);
        }
        p = q + 1;
    }
    assert_int_equal(n, 9999);
    free(buf);
    mm_webfmt_free(f);
}

static void test_webfmt_custom(void **state)
{
    (void)state;
    mm_webfmt *f;
    mm_err err;
    /* vhost first, %U%q, microseconds, XFF last (synth) */
    assert_int_equal(
        mm_webfmt_compile("%v %a %l %u %t \"%m %U%q %H\" %>s %B %D "
                          "\"%{X-Forwarded-For}i\"",
                          &f, &err),
        MM_OK);
    static const char l[] =
        "shop.example.jp 10.0.0.2 - - [02/Jan/2024:03:04:05 +0900] "
        "\"GET /search?q=%27or%201=1 HTTP/1.1\" 403 199 1234 "
        "\"45.155.205.10\"";
    mm_parse_opts o = {.web_format = f, .trust_xff = true};
    mm_event ev;
    char *copy;
    assert_int_equal(
        parse_copy(&o, MM_LOG_WEB_ACCESS, l, sizeof l - 1, &ev, &copy), MM_OK);
    expect_addr("src", l, &ev.src, "45.155.205.10");
    expect_span("vhost", l, ev.dst_domain, "shop.example.jp");
    expect_span("method", l, ev.method, "GET");
    expect_span("path", l, ev.path, "/search");
    expect_span("query", l, ev.query, "q=%27or%201=1");
    assert_int_equal(ev.status, 403);
    assert_int_equal(ev.bytes, 199);
    assert_int_equal(ev.outcome, MM_OUT_FAILURE);
    release(copy);
    /* and the same line under AUTO with the format set */
    assert_int_equal(parse_copy(&o, MM_LOG_AUTO, l, sizeof l - 1, &ev, &copy),
                     MM_OK);
    expect_span("path", l, ev.path, "/search");
    release(copy);
    o.trust_xff = false;
    assert_int_equal(
        parse_copy(&o, MM_LOG_WEB_ACCESS, l, sizeof l - 1, &ev, &copy), MM_OK);
    expect_addr("src", l, &ev.src, "10.0.0.2");
    release(copy);
    static const char bad[] =
        "shop.example.jp 10.0.0.2 - - [02/Jan/2024:03:04:05 +0900] "
        "\"GET / HTTP/1.1\" 2000 1 1 \"-\"";
    assert_int_equal(
        parse_copy(&o, MM_LOG_WEB_ACCESS, bad, sizeof bad - 1, &ev, &copy),
        MM_EPARSE);
    release(copy);
    mm_webfmt_free(f);
}

static void test_webfmt_errors(void **state)
{
    (void)state;
    static const struct {
        const char *spec;
        unsigned col;
    } bad[] = {
        {"", 1},          {"%h %Z", 4},        {"%h %{foo}x", 4},
        {"%h%u", 3},      {"%h %{Referer", 4}, {"%h %", 4},
        {"just text", 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        mm_webfmt *f = (mm_webfmt *)1;
        mm_err err = {0};
        assert_int_equal(mm_webfmt_compile(bad[i].spec, &f, &err), MM_EINVAL);
        assert_null(f);
        if (err.col != bad[i].col)
            fail_msg("%s: column %u, want %u (%s)", bad[i].spec, err.col,
                     bad[i].col, err.msg);
        assert_true(strlen(err.msg) > 0);
    }
    char big[2000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    mm_webfmt *f;
    assert_int_equal(mm_webfmt_compile(big, &f, NULL), MM_EINVAL);
    char many[400] = "";
    for (int i = 0; i < 70; i++)
        strcat(many, "%h ");
    assert_int_equal(mm_webfmt_compile(many, &f, NULL), MM_EINVAL);
    assert_int_equal(mm_webfmt_compile("%% %h \\\"%r\\\"", &f, NULL), MM_OK);
    static const char l[] = "% 45.155.205.10 \"GET /x HTTP/1.0\"";
    mm_parse_opts o = {.web_format = f};
    mm_event ev;
    assert_int_equal(
        mm_parse_line(&o, MM_LOG_WEB_ACCESS, l, sizeof l - 1, &ev), MM_OK);
    expect_span("path", l, ev.path, "/x");
    mm_webfmt_free(f);
    mm_webfmt_free(NULL);
}

/* ---- hostile input ----------------------------------------------------- */

static void all_types(const char *p, size_t len, const mm_parse_opts *o)
{
    for (int t = 0; t < MM_LOG_COUNT; t++) {
        mm_event ev;
        mm_rc rc = mm_parse_line(o, (mm_logtype)t, p, len, &ev);
        assert_true(rc == MM_OK || rc == MM_SKIP || rc == MM_EPARSE);
        check_spans(&ev, p, len);
    }
}

/* Lines of 1 MiB: filler alone, and a valid header with a huge payload. */
static void test_huge_lines(void **state)
{
    (void)state;
    size_t n = 1u << 20;
    char *b = malloc(n);
    assert_non_null(b);
    mm_parse_opts o = {.year = 2024};
    memset(b, 'A', n);
    all_types(b, n, &o);
    memset(b, ' ', n);
    all_types(b, n, &o);
    memset(b, '"', n);
    all_types(b, n, &o);
    memset(b, '[', n);
    all_types(b, n, &o);
    static const char hdr[] =
        "Jan  5 10:00:01 web1 sshd[1]: Failed password for ";
    memcpy(b, hdr, sizeof hdr - 1);
    memset(b + sizeof hdr - 1, 'u', n - (sizeof hdr - 1));
    static const char tail[] = " from 45.155.205.10 port 22 ssh2";
    memcpy(b + n - (sizeof tail - 1), tail, sizeof tail - 1);
    mm_event ev;
    assert_int_equal(mm_parse_line(&o, MM_LOG_SSHD, b, n, &ev), MM_OK);
    assert_int_equal(ev.action, MM_ACT_AUTH_FAILURE);
    assert_int_equal(ev.user.len, n - (sizeof hdr - 1) - (sizeof tail - 1));
    all_types(b, n, &o);
    static const char web[] =
        "45.155.205.10 - - [02/Jan/2024:03:04:05 +0000] \"GET /";
    memset(b, 'x', n);
    memcpy(b, web, sizeof web - 1);
    memcpy(b + n - 20, " HTTP/1.1\" 200 5 \"-\"", 20);
    assert_int_equal(mm_parse_line(&o, MM_LOG_WEB_ACCESS, b, n, &ev), MM_OK);
    all_types(b, n, &o);
    for (size_t i = 0; i < n; i += 7)
        b[i] = (char)(i * 131u);
    all_types(b, n, &o);
    free(b);
}

/* NUL and invalid UTF-8 are seen at every position (vector and tail
 * parts of the scan); valid multi-byte UTF-8 is not flagged. */
static void test_anomaly_scan(void **state)
{
    (void)state;
    char b[80];
    mm_event ev;
    for (size_t len = 1; len <= sizeof b; len++) {
        for (size_t at = 0; at < len; at++) {
            memset(b, 'a', len);
            b[at] = '\0';
            mm_parse_line(NULL, MM_LOG_KV, b, len, &ev);
            if (ev.anomalies != MM_ANOM_NUL)
                fail_msg("NUL at %zu of %zu: anomalies %#x", at, len,
                         ev.anomalies);
            b[at] = (char)0xff;
            mm_parse_line(NULL, MM_LOG_KV, b, len, &ev);
            if (ev.anomalies != MM_ANOM_BAD_UTF8)
                fail_msg("0xff at %zu of %zu: anomalies %#x", at, len,
                         ev.anomalies);
            if (at + 3 <= len) {
                memcpy(b + at, "\xe5\xae\x88", 3); /* U+5B88 */
                mm_parse_line(NULL, MM_LOG_KV, b, len, &ev);
                if (ev.anomalies != 0)
                    fail_msg("UTF-8 at %zu of %zu: anomalies %#x", at, len,
                             ev.anomalies);
                b[at + 2] = 'a'; /* cut sequence */
                mm_parse_line(NULL, MM_LOG_KV, b, len, &ev);
                assert_int_equal(ev.anomalies, MM_ANOM_BAD_UTF8);
            }
        }
    }
    /* overlong, surrogate and too-large forms */
    static const char *const bad[] = {"\xc0\xaf", "\xe0\x80\xaf",
                                      "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                      "\xf8\x88\x80\x80\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        mm_parse_line(NULL, MM_LOG_KV, bad[i], strlen(bad[i]), &ev);
        assert_int_equal(ev.anomalies, MM_ANOM_BAD_UTF8);
    }
    mm_parse_line(NULL, MM_LOG_KV, "\xf0\x9f\x98\x80", 4, &ev); /* U+1F600 */
    assert_int_equal(ev.anomalies, 0);
}

/* Deterministic random garbage and random mutations of real lines. */
static void test_garbage(void **state)
{
    (void)state;
    uint64_t x = 0x9E3779B97F4A7C15ull;
    mm_parse_opts o = {.year = 2024, .trust_xff = true};
    for (int i = 0; i < 4000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t len = (size_t)(x % 300);
        char *b = malloc(len ? len : 1);
        const tcase *c = &cases[x % (sizeof cases / sizeof *cases)];
        size_t cl = case_len(c);
        for (size_t j = 0; j < len; j++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            /* half the time mutate a real line, else pure noise */
            b[j] = (i & 1) && j < cl && (x & 7) ? c->line[j] : (char)(x >> 24);
        }
        all_types(b, len, &o);
        free(b);
    }
}

/* Every table line and the first lines of every sample, cut at every byte
 * offset, through every type: no crash, no read past the cut, every span
 * inside the prefix. */
static void prefixes(const char *line, size_t len, const mm_parse_opts *o)
{
    for (size_t k = 0; k <= len; k++) {
        char *b = malloc(k ? k : 1);
        memcpy(b, line, k);
        all_types(b, k, o);
        free(b);
    }
}

static void test_every_offset(void **state)
{
    (void)state;
    mm_webfmt *f;
    assert_int_equal(
        mm_webfmt_compile("%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" "
                          "\"%{User-Agent}i\" \"%{X-Forwarded-For}i\"",
                          &f, NULL),
        MM_OK);
    mm_parse_opts o = {.year = 2024, .trust_xff = true};
    mm_parse_opts of = {.year = 2024, .trust_xff = true, .web_format = f};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        prefixes(cases[i].line, case_len(&cases[i]), &o);
        prefixes(cases[i].line, case_len(&cases[i]), &of);
    }
    static const char *const files[] = {
        "loghub-OpenSSH_2k.log", "loghub-Linux_2k.log",
        "loghub-Apache_2k_error.log", "elastic-apache_access_10k.log"};
    for (size_t fi = 0; fi < 4; fi++) {
        size_t len;
        char *buf = slurp(files[fi], &len);
        int n = 0;
        for (char *p = buf, *e = buf + len; p < e && n < 40; n++) {
            char *q = memchr(p, '\n', (size_t)(e - p));
            if (!q)
                q = e;
            prefixes(p, (size_t)(q - p), &o);
            p = q + 1;
        }
        free(buf);
    }
    mm_webfmt_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_table_auto),
        cmocka_unit_test(test_sshd_filter),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_current_year),
        cmocka_unit_test(test_year_rollover),
        cmocka_unit_test(test_file_openssh),
        cmocka_unit_test(test_file_linux),
        cmocka_unit_test(test_file_access),
        cmocka_unit_test(test_file_error),
        cmocka_unit_test(test_webfmt_combined),
        cmocka_unit_test(test_webfmt_custom),
        cmocka_unit_test(test_webfmt_errors),
        cmocka_unit_test(test_huge_lines),
        cmocka_unit_test(test_anomaly_scan),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_every_offset),
    };
    return cmocka_run_group_tests_name("parse", tests, NULL, teardown);
}
