/* SPDX-License-Identifier: Apache-2.0 */
/* test-parse-auth.c — authentication sources: sshd connections through
 * mm_parse_state (attempt weights, lines without an address), Dropbear,
 * mail servers, Samba, SQL Server and Exchange lines.
 *
 * Line sources: fail2ban's annotated test logs (fail2ban 1.0.2,
 * tests/files/logs/{sshd,dropbear,dovecot,postfix,exim,courier-auth,
 * mssql-auth,cyrus-imap,sendmail-auth}, GPL-2.0, quoted as test data);
 * Samba's auth_log.c message format (GPL-3.0), Microsoft's Exchange
 * protocol-log field lists and SQL Server error 18456 documentation
 * (forms written from them, addresses from the documentation ranges). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "parse.h"

/* Rows name only the fields that matter; the rest are zero. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <stdio.h>
#include <string.h>

typedef struct want {
    const char *line;
    mm_rc rc;
    mm_action action;
    mm_outcome outcome;
    const char *src; /* NULL: no source */
    const char *user;
    mm_dataset ds;
    mm_service svc;
} want;

static void check(const mm_parse_opts *o, mm_logtype t, const want *w)
{
    mm_event ev;
    mm_rc rc = mm_parse_line(o, t, w->line, strlen(w->line), &ev);
    if (rc != w->rc)
        fail_msg("%s: rc %d, want %d", w->line, rc, w->rc);
    if (rc != MM_OK)
        return;
    char got[64] = "";
    if (ev.src.family)
        mm_addr_format(&ev.src, got, sizeof got);
    else if (ev.src_domain.len)
        snprintf(got, sizeof got, "%.*s", (int)ev.src_domain.len,
                 ev.src_domain.p);
    if (strcmp(got, w->src ? w->src : "") != 0)
        fail_msg("%s: source \"%s\", want \"%s\"", w->line, got,
                 w->src ? w->src : "");
    if (ev.action != w->action || ev.outcome != w->outcome)
        fail_msg("%s: %s/%s, want %s/%s", w->line, mm_action_name(ev.action),
                 mm_outcome_name(ev.outcome), mm_action_name(w->action),
                 mm_outcome_name(w->outcome));
    if (w->user && (ev.user.len != strlen(w->user) ||
                    memcmp(ev.user.p, w->user, ev.user.len) != 0))
        fail_msg("%s: user \"%.*s\", want \"%s\"", w->line, (int)ev.user.len,
                 ev.user.p, w->user);
    if (w->ds && ev.dataset != w->ds)
        fail_msg("%s: dataset %s", w->line, mm_dataset_name(ev.dataset));
    if (w->svc && ev.service != w->svc)
        fail_msg("%s: service %s", w->line, mm_service_name(ev.service));
}

static void run(const want *w, size_t n, bool stateful)
{
    mm_parse_state *st = NULL;
    if (stateful)
        assert_int_equal(mm_parse_state_new(0, &st), MM_OK);
    mm_parse_opts o = {.year = 2024, .state = st};
    for (size_t i = 0; i < n; i++)
        check(&o, MM_LOG_AUTO, &w[i]);
    mm_parse_state_free(st);
}

#define F MM_OUT_FAILURE
#define U MM_OUT_UNKNOWN
#define S MM_OUT_SUCCESS

/* One connection, as OpenSSH logs it: each attempt counts once. */
static void test_sshd_connection(void **state)
{
    (void)state;
    static const want w[] = {
        {"Dec 10 06:55:46 h sshd[24200]: Invalid user admin from 203.0.113.9 "
         "port 4242",
         MM_OK, MM_ACT_INVALID_USER, F, "203.0.113.9", "admin", MM_DS_SSHD,
         MM_SVC_SSH},
        {"Dec 10 06:55:48 h sshd[24200]: Failed password for invalid user "
         "admin from 203.0.113.9 port 4242 ssh2",
         MM_OK, MM_ACT_AUTH_FAILURE, U, "203.0.113.9", "admin"},
        {"Dec 10 06:55:50 h sshd[24200]: Failed password for invalid user "
         "admin from 203.0.113.9 port 4242 ssh2",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "203.0.113.9", "admin"},
        {"Dec 10 06:55:51 h sshd[24200]: Disconnecting: Too many "
         "authentication failures [preauth]",
         MM_OK, MM_ACT_TOO_MANY_AUTH, F, "203.0.113.9"},
        {"Dec 10 06:55:51 h sshd[24200]: Connection closed by invalid user "
         "admin 203.0.113.9 port 4242 [preauth]",
         MM_OK, MM_ACT_PREAUTH_CLOSE, U, "203.0.113.9", "admin"},
        /* fail2ban sshd: a failure without address waits for the next line */
        {"Nov 23 21:50:19 sshd[8148]: Disconnecting: Too many authentication "
         "failures for root [preauth]",
         MM_OK, MM_ACT_TOO_MANY_AUTH, F, NULL, "root"},
        {"Nov 23 21:50:37 sshd[8148]: Connection closed by 61.0.0.1 [preauth]",
         MM_OK, MM_ACT_TOO_MANY_AUTH, F, "61.0.0.1"},
        {"Nov 23 21:50:37 sshd[7148]: Connection closed by 61.0.0.1", MM_SKIP},
        /* VERBOSE: "Connection from" names the peer */
        {"Feb 12 04:09:18 localhost sshd[26713]: Connection from "
         "115.249.163.77 port 51353 on 127.0.0.1 port 22",
         MM_SKIP},
        {"Feb 12 04:09:21 localhost sshd[26713]: Disconnecting: Too many "
         "authentication failures [preauth]",
         MM_OK, MM_ACT_TOO_MANY_AUTH, F, "115.249.163.77"},
        /* a key of an existing user is no attempt; the end of trying is */
        {"Nov 28 09:16:05 srv sshd[32310]: Failed publickey for git from "
         "192.0.2.111 port 57910 ssh2: ECDSA 1e:fe",
         MM_OK, MM_ACT_AUTH_FAILURE, U, "192.0.2.111", "git"},
        {"Nov 28 09:16:05 srv sshd[32310]: Disconnecting: Too many "
         "authentication failures for git [preauth]",
         MM_OK, MM_ACT_TOO_MANY_AUTH, F, "192.0.2.111", "git"},
        {"Nov 28 09:16:05 srv sshd[32310]: Connection closed by 192.0.2.111 "
         "[preauth]",
         MM_OK, MM_ACT_PREAUTH_CLOSE, U, "192.0.2.111"},
        /* pam_unix repeats sshd's own line, unless user names change */
        {"Mar  7 18:53:22 bar sshd[1558]: pam_unix(sshd:auth): authentication "
         "failure; logname= uid=0 euid=0 tty=ssh ruser=root rhost=192.0.2.114",
         MM_OK, MM_ACT_AUTH_FAILURE, U, "192.0.2.114", "root"},
        {"Mar  7 18:53:23 bar sshd[1558]: pam_unix(sshd:auth): authentication "
         "failure; logname= uid=0 euid=0 tty=ssh ruser=sudoer "
         "rhost=192.0.2.114",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "192.0.2.114", "sudoer"},
        /* locked account: the address comes with the disconnect */
        {"Apr 27 13:02:04 host sshd[29116]: User root not allowed because "
         "account is locked",
         MM_OK, MM_ACT_INVALID_USER, F, NULL, "root"},
        {"Apr 27 13:02:04 host sshd[29116]: input_userauth_request: invalid "
         "user root [preauth]",
         MM_SKIP},
        {"Apr 27 13:02:04 host sshd[29116]: Received disconnect from 1.2.3.4: "
         "11: Normal Shutdown, Thank you for playing [preauth]",
         MM_OK, MM_ACT_INVALID_USER, F, "1.2.3.4"},
        /* a key-only server: the refused login is the only trace */
        {"Jul 17 23:03:05 srv sshd[1296]: Connection closed by authenticating "
         "user root 192.0.2.10 port 46038 [preauth]",
         MM_OK, MM_ACT_PREAUTH_CLOSE, F, "192.0.2.10", "root"},
        {"Mar 15 09:21:01 host sshd[2717]: Connection closed by 192.0.2.212 "
         "[preauth]",
         MM_OK, MM_ACT_PREAUTH_CLOSE, U, "192.0.2.212"},
        /* probes carry the connection's address */
        {"Nov 24 23:46:41 host sshd[32686]: SSH: Server;Ltype: "
         "Authname;Remote: 127.0.0.1-1780;Name: root [preauth]",
         MM_SKIP},
        {"Nov 24 23:46:43 host sshd[32686]: fatal: Read from socket failed: "
         "Connection reset by peer [preauth]",
         MM_OK, MM_ACT_PREAUTH_CLOSE, U, "127.0.0.1"},
        {"Mar  7 18:53:24 bar sshd[1600]: Accepted password for known from "
         "192.0.2.114 port 52100 ssh2",
         MM_OK, MM_ACT_AUTH_SUCCESS, S, "192.0.2.114", "known"},
        {"Jun  1 00:00:00 h sshd[99]: drop connection #3 from "
         "[203.0.113.7]:41022 on [192.0.2.1]:22 penalty: failed "
         "authentication",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "203.0.113.7"},
        {"Jun  1 00:00:00 h sshd[99]: drop connection #4 from "
         "[203.0.113.7]:41023 on [192.0.2.1]:22 past MaxStartups",
         MM_OK, MM_ACT_PREAUTH_CLOSE, U, "203.0.113.7"},
    };
    run(w, sizeof w / sizeof *w, true);
}

/* Header variants and peer-chosen names (fail2ban sshd corpus). */
static void test_sshd_forms(void **state)
{
    (void)state;
    static const want w[] = {
        {"Mar 29 05:59:23 dusky sshd[20878]: [ID 800047 auth.info] Failed "
         "keyboard-interactive for <invalid username> from 205.186.180.55 "
         "port 42742 ssh2",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "205.186.180.55",
         "<invalid username>"},
        {"Mar  3 00:17:22 [sshd]: User root from 211.188.220.49 not allowed "
         "because not listed in AllowUsers",
         MM_OK, MM_ACT_INVALID_USER, F, "211.188.220.49", "root"},
        {"Jun 25 23:53:34 [sshd] User root from 1.2.3.4 not allowed because "
         "not listed in AllowUsers",
         MM_OK, MM_ACT_INVALID_USER, F, "1.2.3.4", "root"},
        {"Oct 11 22:14:15 host1 auth.info sshd[1234]: Invalid user x from "
         "198.51.100.3",
         MM_OK, MM_ACT_INVALID_USER, F, "198.51.100.3", "x"},
        {"srv sshd[13709]: error: PAM: Authentication failure for myhlj1374 "
         "from 192.030.0.6",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "192.30.0.6", "myhlj1374"},
        {"Apr 29 17:16:20 Jamess-iMac.local sshd[62312]: error: PAM: "
         "authentication error for james from example.com via 192.168.1.201",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "example.com", "james"},
        {"Nov 11 08:04:52 redbamboo sshd[2737]: Failed password for invalid "
         "user test from 10.10.1.2 port 55555 ssh2 from 127.0.0.1 port 58946 "
         "ssh2",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "127.0.0.1",
         "test from 10.10.1.2 port 55555 ssh2"},
        {"Nov 11 08:04:52 redbamboo sshd[2738]: Failed password for invalid "
         "user test from 127.0.0.1 port 58946 ssh2: from 10.10.1.2 port 55555 "
         "ssh2",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "127.0.0.1", "test"},
        {"Sep 29 17:15:02 spaceman sshd[12946]: Failed password for user from "
         "127.0.0.1 port 20000 ssh1: ruser from 1.2.3.4",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "127.0.0.1", "user"},
        {"Nov 11 23:33:27 Server sshd[5174]: refused connect from "
         "_U2FsdGVkX19P=_@::ffff:218.249.210.161 (::ffff:218.249.210.161)",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "218.249.210.161"},
        {"<38>1 2019-07-08T17:40:16.954167-04:00 hostname.example.com sshd "
         "57915 - - Failed unknown for invalid user redmond from 192.0.2.1 "
         "port 59197 ssh2",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "192.0.2.1", "redmond"},
        {"Dec 12 20:04:39 aragorn sshd[1328]: error: PAM: User not known to "
         "the underlying authentication module for illegal user kernelitshell "
         "from 10.215.4.227 ",
         MM_OK, MM_ACT_INVALID_USER, F, "10.215.4.227", "kernelitshell"},
        {"Jan  5 01:31:41 www sshd[1643]: Disconnecting", MM_SKIP},
        {"Jan  1 00:00:00 h sshd[10]: ssh_dispatch_run_fatal: Connection from "
         "authenticating user root 198.51.100.5 port 5555: Broken pipe "
         "[preauth]",
         MM_OK, MM_ACT_PREAUTH_CLOSE, F, "198.51.100.5", "root"},
        {"Jan  1 00:00:00 h sshd[11]: ssh_dispatch_run_fatal: Connection from "
         "198.51.100.6 port 5556: invalid format [preauth]",
         MM_OK, MM_ACT_PREAUTH_CLOSE, U, "198.51.100.6"},
        {"Jan  1 00:00:00 h sshd[12]: Protocol major versions differ for "
         "198.51.100.7 port 5557: SSH-2.0-OpenSSH_8.9 vs. SSH-1.5-NmapNSE_1.0",
         MM_OK, MM_ACT_NO_IDENT, U, "198.51.100.7"},
        {"Jan  1 00:00:00 h sshd[13]: error: PAM: Permission denied for "
         "illegal user bob from 198.51.100.8",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "198.51.100.8", "bob"},
        {"Jan  1 00:00:00 h sshd[14]: Failed password for illegal user bob "
         "from 198.51.100.9 port 22 ssh2",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "198.51.100.9", "bob"},
        {"Jan  5 01:31:41 www sshd[1643]: ROOT LOGIN REFUSED FROM 1.2.3.4 "
         "port 12345 [preauth]",
         MM_OK, MM_ACT_INVALID_USER, F, "1.2.3.4", "ROOT"},
        /* Dropbear */
        {"Mar 24 15:25:51 buffalo1 dropbear[4092]: bad password attempt for "
         "'root' from 198.51.100.87:5543",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "198.51.100.87", "root", MM_DS_SSHD,
         MM_SVC_SSH},
        {"Feb 11 15:23:17 dropbear[1252]: login attempt for nonexistent user "
         "from ::ffff:198.51.100.215:60495",
         MM_OK, MM_ACT_INVALID_USER, F, "198.51.100.215"},
        {"Jul 27 01:04:22 fail2ban-test dropbear[1335]: Exit before auth "
         "(user 'root', 10 fails): Max auth tries reached - user 'root' from "
         "1.2.3.4:60588",
         MM_OK, MM_ACT_TOO_MANY_AUTH, F, "1.2.3.4", "root"},
    };
    run(w, sizeof w / sizeof *w, true);
}

/* Mail, file and database servers. */
static void test_servers(void **state)
{
    (void)state;
    static const want w[] = {
        {"Sep  6 00:44:56 trianon postfix/submission/smtpd[11538]: warning: "
         "unknown[82.221.106.233]: SASL LOGIN authentication failed: "
         "UGFzc3dvcmQ6",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "82.221.106.233", NULL, MM_DS_POSTFIX,
         MM_SVC_MAIL},
        {"Feb  3 08:29:28 mail postfix/smtpd[21022]: warning: "
         "unknown[1.1.1.1]: SASL LOGIN authentication failed: Connection lost "
         "to authentication server",
         MM_OK, MM_ACT_AUTH_FAILURE, U, "1.1.1.1"},
        {"Jun 13 16:30:54 platypus dovecot: imap-login: Disconnected (auth "
         "failed, 2 attempts): user=<username.bob>, method=PLAIN, "
         "rip=49.176.98.87, lip=113.212.99.194, TLS",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "49.176.98.87", "username.bob",
         MM_DS_DOVECOT, MM_SVC_MAIL},
        {"Jan 29 13:54:06 auth-worker(22401): Info: "
         "sql(admin@example.de,192.0.2.5,<n4JLdHNVngZGpV2j>): unknown user",
         MM_OK, MM_ACT_INVALID_USER, F, "192.0.2.5", "admin@example.de"},
        {"@400000004c91b044077a9e94 dovecot-auth: pam_unix(dovecot:auth): "
         "authentication failure; logname= uid=0 euid=0 tty=dovecot "
         "ruser=root rhost=176.61.140.225  user=root",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "176.61.140.225", "root"},
        {"Jun 13 16:31:00 platypus dovecot: imap-login: Login: user=<bob>, "
         "method=PLAIN, rip=49.176.98.87, lip=113.212.99.194, TLS",
         MM_OK, MM_ACT_AUTH_SUCCESS, S, "49.176.98.87", "bob"},
        {"Apr 23 21:59:01 dns2 imapd: LOGIN FAILED, user=sales@example.com, "
         "ip=[::ffff:1.2.3.4]",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "1.2.3.4", "sales@example.com",
         MM_DS_MAIL_OTHER, MM_SVC_MAIL},
        {"2013-01-04 17:03:46 login authenticator failed for "
         "rrcs-24-106-174-74.se.biz.rr.com ([192.168.2.33]) [24.106.174.74]: "
         "535 Incorrect authentication data (set_id=brian)",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "24.106.174.74", "brian"},
        {"2014-12-02 03:00:23 auth_plain authenticator failed for (rom182) "
         "[193.254.202.35]:41556 I=[10.0.0.1]:25: 535 Incorrect "
         "authentication data (set_id=webmaster)",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "193.254.202.35", "webmaster"},
        {"Dec 21 10:01:57 hostname imapd[18454]: badlogin: example.com "
         "[198.51.100.57] CRAM-MD5 [SASL(-13): authentication failure: "
         "incorrect digest response]",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "198.51.100.57"},
        {"Feb 16 23:33:20 smtp1 sm-mta[5133]: s1GNXHYB005133: "
         "[190.5.230.178]: possible SMTP attack: command=AUTH, count=5",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "190.5.230.178"},
        {"2020-02-24 16:05:21.00 Logon       Login failed for user 'Backend'. "
         "Reason: Could not find a login matching the name provided. [CLIENT: "
         "192.0.2.1]",
         MM_OK, MM_ACT_INVALID_USER, F, "192.0.2.1", "Backend", MM_DS_MSSQL,
         MM_SVC_DB},
        {"2020-02-24 16:31:26.01 Logon       Login failed for user 'O'Leary'. "
         "Reason: Password did not match that for the login provided. "
         "[CLIENT: 192.0.2.4]",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "192.0.2.4", "O'Leary"},
        {"2020-02-24 16:31:26.02 Wrong data received: Logon       Login "
         "failed for user 'test'. Reason: Could not find a login matching the "
         "name provided. [CLIENT: 192.0.2.5]",
         MM_EPARSE},
        {"Jan  1 10:00:00 fs1 smbd[812]:   Auth: [SMB2,(null)] user "
         "[EXAMPLE]\\[bob] at [Tue, 01 Jan 2019 10:00:00.000000 UTC] with "
         "[NTLMv2] status [NT_STATUS_WRONG_PASSWORD] workstation [WS01] "
         "remote host [ipv4:203.0.113.5:49154] mapped to [EXAMPLE]\\[bob]. "
         "local host [ipv4:192.0.2.1:445]",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "203.0.113.5", "bob", MM_DS_SAMBA,
         MM_SVC_SMB},
        {"  Auth: [SMB2,(null)] user [EXAMPLE]\\[nobody] at [Tue, 01 Jan 2019 "
         "10:00:01.000000 UTC] with [NTLMv2] status [NT_STATUS_NO_SUCH_USER] "
         "workstation [WS01] remote host [ipv6:2001:db8::5:49155] mapped to "
         "[EXAMPLE]\\[nobody]. local host [ipv6:2001:db8::1:445]",
         MM_OK, MM_ACT_INVALID_USER, F, "2001:db8::5", "nobody"},
        {"2024-05-01T00:00:04.456Z,EX01\\Client Proxy "
         "EX01,08DC69A7A1B2C3D4,8,10.0.0.5:587,203.0.113.5:55012,>,535 5.7.3 "
         "Authentication unsuccessful,",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "203.0.113.5", NULL, MM_DS_EXCHANGE,
         MM_SVC_MAIL},
        {"2024-05-01T00:00:00.000Z,0000000000000031,0,10.0.0.5:993,203.0.113."
         "6:50123,bob@example.jp,15,45,40,authenticate,PLAIN,\"R=\"\"NO "
         "AUTHENTICATE failed.\"\";ErrMsg=AuthFailed:LogonDenied\"",
         MM_OK, MM_ACT_AUTH_FAILURE, F, "203.0.113.6", "bob@example.jp",
         MM_DS_EXCHANGE, MM_SVC_MAIL},
        {"[2019/01/01 10:00:00.000000,  2] "
         "../auth/auth_log.c:760(log_authentication_event_human_readable)",
         MM_SKIP},
        {"#Fields: "
         "date-time,connector-id,session-id,sequence-number,local-endpoint,"
         "remote-endpoint,event,data,context",
         MM_SKIP},
    };
    run(w, sizeof w / sizeof *w, false);
}

/* Ten identical "Invalid user" lines of one process are ten attempts. */
static void test_ten_invalid(void **state)
{
    (void)state;
    mm_parse_state *st;
    assert_int_equal(mm_parse_state_new(0, &st), MM_OK);
    mm_parse_opts o = {.year = 2024, .state = st};
    const char *l = "Dec 10 06:55:46 h sshd[24200]: Invalid user admin from "
                    "203.0.113.9 port 4242";
    for (int i = 0; i < 10; i++) {
        mm_event ev;
        assert_int_equal(mm_parse_line(&o, MM_LOG_SYSLOG, l, strlen(l), &ev),
                         MM_OK);
        assert_int_equal(ev.outcome, MM_OUT_FAILURE);
    }
    mm_parse_state_free(st);
}

/* The memory is fixed: a flood of PIDs only reuses entries. */
static void test_state_bounded(void **state)
{
    (void)state;
    mm_parse_state *st;
    assert_int_equal(mm_parse_state_new(16, &st), MM_OK);
    mm_parse_opts o = {.year = 2024, .state = st};
    char line[160];
    mm_event ev;
    for (int i = 0; i < 100000; i++) {
        int n = snprintf(line, sizeof line,
                         "Dec 10 06:55:46 h sshd[%d]: Failed password for "
                         "root from 10.%d.%d.1 port 22 ssh2",
                         i, (i >> 8) & 255, i & 255);
        assert_int_equal(
            mm_parse_line(&o, MM_LOG_SYSLOG, line, (size_t)n, &ev), MM_OK);
    }
    /* an old PID is forgotten: its line without address has no source */
    const char *l = "Dec 10 06:55:47 h sshd[5]: Disconnecting: Too many "
                    "authentication failures [preauth]";
    assert_int_equal(mm_parse_line(&o, MM_LOG_SYSLOG, l, strlen(l), &ev),
                     MM_OK);
    assert_int_equal(ev.src.family, 0);
    /* the latest one is remembered */
    const char *k = "Dec 10 06:55:47 h sshd[99999]: Disconnecting: Too many "
                    "authentication failures [preauth]";
    assert_int_equal(mm_parse_line(&o, MM_LOG_SYSLOG, k, strlen(k), &ev),
                     MM_OK);
    assert_int_equal(ev.src.family, 4);
    /* entries idle for longer than the limit are forgotten */
    const char *a = "Dec 10 07:00:00 h sshd[42]: Failed password for root "
                    "from 10.9.9.9 port 22 ssh2";
    const char *b = "Dec 10 08:00:00 h sshd[42]: Disconnecting: Too many "
                    "authentication failures [preauth]";
    assert_int_equal(mm_parse_line(&o, MM_LOG_SYSLOG, a, strlen(a), &ev),
                     MM_OK);
    assert_int_equal(mm_parse_line(&o, MM_LOG_SYSLOG, b, strlen(b), &ev),
                     MM_OK);
    assert_int_equal(ev.src.family, 0);
    mm_parse_state_clear(st);
    mm_parse_state_free(st);
    mm_parse_state_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sshd_connection),
        cmocka_unit_test(test_sshd_forms),
        cmocka_unit_test(test_servers),
        cmocka_unit_test(test_ten_invalid),
        cmocka_unit_test(test_state_bounded),
    };
    return cmocka_run_group_tests_name("parse-auth", tests, NULL, NULL);
}
