/* SPDX-License-Identifier: Apache-2.0 */
/* test-cloud.c — the cloud sign-in parsers (src/parse/cloud.c): Microsoft
 * Entra ID sign-ins (Graph /auditLogs/signIns and the Azure Monitor export)
 * and Google Workspace login activities, line by line from tests/data, the
 * same under `auto` and `cloud`, and hostile input (wrong types, deep
 * nesting, huge fields, truncation) counted as unparsed, never a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct want {
    mm_rc rc;
    const char *action; /* NULL: not checked (SKIP/EPARSE) */
    const char *outcome;
    const char *ip;
    const char *user;
    uint32_t code;
    uint8_t factors;
    const char *ts; /* @timestamp, ms precision */
} want;

/* tests/data/entra-signins.ndjson, line by line */
static const want entra[] = {
    {MM_OK, "authentication_failure", "failure", "198.51.100.23",
     "tanaka@example.co.jp", 50126, 0, "2024-05-14T01:02:00.000Z"},
    {MM_OK, "authentication_failure", "failure", "198.51.100.23",
     "suzuki@example.co.jp", 50126, 0, NULL},
    {MM_OK, "authentication_failure", "failure", "198.51.100.23",
     "sato@example.co.jp", 50126, 0, NULL},
    {MM_OK, "authentication_failure", "failure", "198.51.100.23",
     "takahashi@example.co.jp", 50126, 0, NULL},
    {MM_OK, "authentication_failure", "failure", "198.51.100.23",
     "ito@example.co.jp", 50126, 0, NULL},
    {MM_OK, "authentication_failure", "failure", "198.51.100.23",
     "watanabe@example.co.jp", 50126, 0, NULL},
    {MM_OK, "authentication_failure", "failure", "198.51.100.23",
     "yamamoto@example.co.jp", 50126, 0, NULL},
    {MM_OK, "authentication_failure", "failure", "198.51.100.23",
     "nakamura@example.co.jp", 50126, 0, NULL},
    {MM_OK, "authentication_failure", "failure", "198.51.100.23",
     "kobayashi@example.co.jp", 50053, 0, NULL}, /* locked */
    {MM_OK, "authentication_failure", "failure", "198.51.100.23",
     "kato@example.co.jp", 50057, 0, NULL}, /* disabled */
    {MM_OK, "invalid_user", "failure", "198.51.100.23", "admin@example.co.jp",
     50034, 0, NULL},
    {MM_OK, "authentication_failure", "failure", "198.51.100.23",
     "yoshida@example.co.jp", 50076, 0, NULL}, /* right password, MFA */
    {MM_OK, "authentication_failure", "failure", "198.51.100.23",
     "yamada@example.co.jp", 50074, 0, NULL},
    {MM_OK, "authentication_success", "success", "198.51.100.23",
     "sasaki@example.co.jp", 0, 1, "2024-05-14T01:07:20.000Z"},
    {MM_OK, "authentication_success", "success", "203.0.113.80",
     "tanaka@example.co.jp", 0, 2, "2024-05-14T00:31:12.548Z"},
    {MM_SKIP, NULL, NULL, NULL, NULL, 0, 0, NULL}, /* 50140 interrupt */
    {MM_OK, "authentication_success", "success",
     "2001:db8:85a3::8a2e:370:7334", "suzuki@example.co.jp", 0, 2, NULL},
    {MM_OK, "authentication_failure", "failure", "198.51.100.23",
     "inoue@example.co.jp", 50126, 0, "2024-05-14T01:08:11.072Z"}, /* Azure
                                                                   Monitor */
};

/* tests/data/gworkspace-login.ndjson */
static const want google[] = {
    {MM_OK, "authentication_failure", "failure", "198.51.100.61",
     "tanaka@example.jp", 0, 0, "2024-06-03T02:10:00.000Z"},
    {MM_OK, "authentication_failure", "failure", "198.51.100.61",
     "suzuki@example.jp", 0, 0, NULL},
    {MM_OK, "authentication_failure", "failure", "198.51.100.61",
     "sato@example.jp", 0, 0, NULL},
    {MM_OK, "authentication_failure", "failure", "198.51.100.61",
     "ito@example.jp", 0, 0, NULL},
    {MM_OK, "authentication_failure", "failure", "198.51.100.61",
     "kato@example.jp", 0, 0, NULL},
    {MM_OK, "authentication_failure", "failure", "198.51.100.61",
     "yamada@example.jp", 0, 0, NULL},
    {MM_OK, "authentication_success", "success", "198.51.100.61",
     "kimura@example.jp", 0, 1, "2024-06-03T02:12:40.118Z"},
    {MM_OK, "authentication_success", "success", "203.0.113.90",
     "tanaka@example.jp", 0, 2, NULL},
    {MM_OK, "authentication_failure", "failure", "198.51.100.61",
     "mori@example.jp", 0, 0, NULL}, /* failed 2-step challenge */
    {MM_SKIP, NULL, NULL, NULL, NULL, 0, 0, NULL}, /* logout */
    {MM_SKIP, NULL, NULL, NULL, NULL, 0, 0, NULL}, /* suspicious_login */
    {MM_SKIP, NULL, NULL, NULL, NULL, 0, 0, NULL}, /* admin application */
    {MM_OK, "authentication_failure", "failure", "198.51.100.61",
     "abe@example.jp", 0, 0, NULL}, /* "events" as one object */
};

static void check_event(const char *file, unsigned n, const want *w, mm_rc rc,
                        const mm_event *ev, mm_dataset ds)
{
    if (rc != w->rc)
        fail_msg("%s:%u: rc %d, want %d", file, n, rc, w->rc);
    if (rc != MM_OK)
        return;
    assert_int_equal(ev->dataset, ds);
    assert_int_equal(ev->service, MM_SVC_CLOUD);
    assert_int_equal(ev->category, MM_CAT_AUTHENTICATION);
    assert_string_equal(mm_action_name(ev->action), w->action);
    assert_string_equal(mm_outcome_name(ev->outcome), w->outcome);
    char ip[64];
    mm_addr_format(&ev->src, ip, sizeof ip);
    if (strcmp(ip, w->ip) != 0)
        fail_msg("%s:%u: source %s, want %s", file, n, ip, w->ip);
    if (ev->user.len != strlen(w->user) ||
        memcmp(ev->user.p, w->user, ev->user.len) != 0)
        fail_msg("%s:%u: user %.*s, want %s", file, n, (int)ev->user.len,
                 ev->user.p, w->user);
    assert_int_equal(ev->code, w->code);
    assert_int_equal(ev->auth_factors, w->factors);
    if (w->ts) {
        char ts[40];
        mm_time_format(ev->ts_ms, ts, sizeof ts);
        assert_string_equal(ts, w->ts);
    }
}

static void run_file(const char *path, const want *w, size_t nw, mm_dataset ds)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char line[1 << 16];
    unsigned n = 0;
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        if (len && line[len - 1] == '\n')
            line[--len] = '\0';
        assert_true(n < nw);
        mm_event ev;
        /* the documented type and auto give the same event */
        mm_rc rc = mm_parse_line(NULL, MM_LOG_CLOUD, line, len, &ev);
        check_event(path, n + 1, &w[n], rc, &ev, ds);
        rc = mm_parse_line(NULL, MM_LOG_AUTO, line, len, &ev);
        check_event(path, n + 1, &w[n], rc, &ev, ds);
        n++;
    }
    fclose(f);
    assert_int_equal(n, nw);
}

static void test_entra_file(void **state)
{
    (void)state;
    run_file("tests/data/entra-signins.ndjson", entra,
             sizeof entra / sizeof entra[0], MM_DS_M365);
}

static void test_google_file(void **state)
{
    (void)state;
    run_file("tests/data/gworkspace-login.ndjson", google,
             sizeof google / sizeof google[0], MM_DS_GWORKSPACE);
}

static mm_rc parse(const char *s, mm_event *ev)
{
    return mm_parse_line(NULL, MM_LOG_CLOUD, s, strlen(s), ev);
}

/* Fields of the wrong type are ignored; a line without what makes it a
 * sign-in (time, outcome) is unparsed. */
static void test_wrong_types(void **state)
{
    (void)state;
    mm_event ev;
    /* errorCode as a string, user as a number, ip as an object */
    assert_int_equal(parse("{\"createdDateTime\":\"2024-05-14T01:02:00Z\","
                           "\"userPrincipalName\":12,\"ipAddress\":{\"v\":1},"
                           "\"status\":{\"errorCode\":\"50126\"}}",
                           &ev),
                     MM_OK);
    assert_int_equal(ev.code, 50126);
    assert_int_equal(ev.user.len, 0);
    assert_int_equal(ev.src.family, 0);
    /* status as a string, no resultType: no outcome */
    assert_int_equal(parse("{\"createdDateTime\":\"2024-05-14T01:02:00Z\","
                           "\"userPrincipalName\":\"a@b\",\"status\":\"bad\"}",
                           &ev),
                     MM_EPARSE);
    /* errorCode negative, fractional, huge */
    static const char *const bad_codes[] = {
        "-1", "1.5", "99999999999", "true", "null", "\"\"", "[]"};
    for (size_t i = 0; i < sizeof bad_codes / sizeof *bad_codes; i++) {
        char l[256];
        snprintf(
            l, sizeof l,
            "{\"createdDateTime\":\"2024-05-14T01:02:00Z\","
            "\"userPrincipalName\":\"a@b\",\"status\":{\"errorCode\":%s}}",
            bad_codes[i]);
        if (parse(l, &ev) != MM_EPARSE)
            fail_msg("errorCode %s parsed", bad_codes[i]);
    }
    /* no time / a bad time */
    assert_int_equal(parse("{\"userPrincipalName\":\"a@b\",\"status\":"
                           "{\"errorCode\":0}}",
                           &ev),
                     MM_EPARSE);
    assert_int_equal(parse("{\"createdDateTime\":\"yesterday\","
                           "\"userPrincipalName\":\"a@b\",\"status\":"
                           "{\"errorCode\":0}}",
                           &ev),
                     MM_EPARSE);
    /* Google: events of the wrong type, email as an array */
    assert_int_equal(parse("{\"id\":{\"time\":\"2024-06-03T02:10:00Z\","
                           "\"applicationName\":\"login\"},\"actor\":"
                           "{\"email\":[1]},\"events\":\"login_failure\"}",
                           &ev),
                     MM_EPARSE);
    /* escaped quotes and backslashes inside strings */
    assert_int_equal(
        parse("{\"createdDateTime\":\"2024-05-14T01:02:00Z\",\"x\":"
              "\"a\\\"b\\\\\","
              "\"userPrincipalName\":\"u@example.jp\",\"status\":{"
              "\"failureReason\":\"say \\\"no\\\"\",\"errorCode\":50126}}",
              &ev),
        MM_OK);
    assert_int_equal(ev.user.len, 12);
    /* not JSON, or not one whole object */
    static const char *const junk[] = {
        "",
        "{",
        "{}",
        "[]",
        "{\"a\":1",
        "{\"a\":1}}",
        "{\"a\" 1}",
        "{'a':1}",
        "{\"a\":tru}",
        "{\"a\":\"x}",
        "{\"value\":[{\"createdDateTime\":"
        "\"2024-05-14T01:02:00Z\",\"userPrincipalName\":\"a@b\",\"status\":"
        "{\"errorCode\":0}}]}"};
    for (size_t i = 0; i < sizeof junk / sizeof *junk; i++)
        assert_int_equal(parse(junk[i], &ev), MM_EPARSE);
}

/* Deep nesting, a 1 MiB field, and every prefix of a real line. */
static void test_hostile(void **state)
{
    (void)state;
    mm_event ev;
    size_t n = 1u << 20;
    char *s = malloc(n + 256);
    assert_non_null(s);
    /* 100,000 nested arrays: capped, unparsed, no stack overflow */
    size_t k = 0;
    s[k++] = '{';
    memcpy(s + k, "\"a\":", 4);
    k += 4;
    for (int i = 0; i < 100000; i++)
        s[k++] = '[';
    assert_int_equal(mm_parse_line(NULL, MM_LOG_AUTO, s, k, &ev), MM_EPARSE);
    /* a 1 MiB user name: parsed, the span covers it */
    k = (size_t)snprintf(s, 256,
                         "{\"createdDateTime\":\"2024-05-14T01:02:00Z\","
                         "\"status\":{\"errorCode\":50126},"
                         "\"userPrincipalName\":\"");
    memset(s + k, 'a', n - 256);
    k += n - 256;
    memcpy(s + k, "\"}", 2);
    k += 2;
    assert_int_equal(mm_parse_line(NULL, MM_LOG_CLOUD, s, k, &ev), MM_OK);
    assert_int_equal(ev.user.len, n - 256);
    /* a 1 MiB run of backslashes inside a string, then truncation */
    memset(s + 20, '\\', n - 256);
    assert_int_equal(mm_parse_line(NULL, MM_LOG_CLOUD, s, k, &ev), MM_EPARSE);
    free(s);
    /* every prefix of a real line is unparsed (or, at full length, OK) */
    FILE *f = fopen("tests/data/entra-signins.ndjson", "r");
    assert_non_null(f);
    static char line[1 << 16];
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    size_t len = strcspn(line, "\n");
    for (size_t i = 0; i < len; i++) {
        char *cut = malloc(i ? i : 1);
        memcpy(cut, line, i);
        mm_rc rc = mm_parse_line(NULL, MM_LOG_CLOUD, cut, i, &ev);
        if (rc != MM_EPARSE)
            fail_msg("prefix %zu: rc %d", i, rc);
        free(cut);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entra_file),
        cmocka_unit_test(test_google_file),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
