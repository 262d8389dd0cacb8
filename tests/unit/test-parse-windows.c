/* SPDX-License-Identifier: Apache-2.0 */
/* test-parse-windows.c — unit tests of the Windows parsers of the parse
 * module (event XML, Winlogbeat/NXLog JSON, Snare MSWinEventLog) and of
 * the .evtx reader.
 *
 * XML records marked "sample" are records of the .evtx files in
 * tests/data/windows as libevtx renders them; the JSON and Snare lines are
 * written from the published formats (tests/data/windows/PROVENANCE.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check_spans(const mm_event *ev, const char *line, size_t len)
{
    const mm_span *spans[] = {&ev->src_domain, &ev->user,    &ev->host,
                              &ev->process,    &ev->message, &ev->executable,
                              &ev->group};
    for (size_t i = 0; i < sizeof spans / sizeof *spans; i++) {
        const mm_span *s = spans[i];
        if (s->len && (s->p < line || s->p + s->len > line + len))
            fail_msg("span %zu outside the line", i);
    }
}

static mm_rc parse(mm_logtype t, const char *line, mm_event *ev)
{
    mm_rc rc = mm_parse_line(NULL, t, line, strlen(line), ev);
    check_spans(ev, line, strlen(line));
    return rc;
}

static void assert_span(mm_span s, const char *want)
{
    char buf[512];
    mm_span_copy(s, buf, sizeof buf);
    assert_string_equal(buf, want);
}

static void assert_ip(const mm_addr *a, const char *want)
{
    char buf[64];
    mm_addr_format(a, buf, sizeof buf);
    assert_string_equal(buf, want);
}

/* sample: CA_4624_4625_LogonType2_LogonProc_chrome.evtx, record 1, with a
 * network address put in (the original has "-") */
static const char xml_4625[] =
    "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>"
    "<System><Provider Name='Microsoft-Windows-Security-Auditing' "
    "Guid='{54849625-5478-4994-A5BA-3E3B0328C30D}'/><EventID>4625</EventID>"
    "<TimeCreated SystemTime='2020-09-09T13:18:23.627952500Z'/>"
    "<Channel>Security</Channel><Computer>MSEDGEWIN10</Computer><Security/>"
    "</System><EventData><Data Name='SubjectUserName'>IEUser</Data>"
    "<Data Name='TargetUserName'>admin</Data>"
    "<Data Name='TargetDomainName'>MSEDGEWIN10</Data>"
    "<Data Name='Status'>0xc000006d</Data>"
    "<Data Name='SubStatus'>0xc0000064</Data>"
    "<Data Name='LogonType'>10</Data>"
    "<Data Name='WorkstationName'>KALI</Data>"
    "<Data Name='IpAddress'>203.0.113.9</Data>"
    "<Data Name='IpPort'>4242</Data></EventData></Event>";

static void test_xml_4625(void **state)
{
    (void)state;
    mm_event ev;
    assert_int_equal(parse(MM_LOG_WINDOWS, xml_4625, &ev), MM_OK);
    assert_int_equal(ev.dataset, MM_DS_WINDOWS);
    assert_int_equal(ev.code, 4625);
    assert_int_equal(ev.category, MM_CAT_AUTHENTICATION);
    assert_int_equal(ev.action, MM_ACT_INVALID_USER);
    assert_int_equal(ev.outcome, MM_OUT_FAILURE);
    assert_int_equal(ev.service, MM_SVC_RDP);
    assert_ip(&ev.src, "203.0.113.9");
    assert_int_equal(ev.src_port, 4242);
    assert_span(ev.user, "admin");
    assert_span(ev.host, "MSEDGEWIN10");
    char ts[32];
    mm_time_format(ev.ts_ms, ts, sizeof ts);
    assert_string_equal(ts, "2020-09-09T13:18:23.627Z");
    /* the same under auto */
    assert_int_equal(parse(MM_LOG_AUTO, xml_4625, &ev), MM_OK);
    assert_int_equal(ev.code, 4625);
}

static void test_xml_pretty_and_userdata(void **state)
{
    (void)state;
    /* sample: DE_RDP_Tunneling_…_1149.evtx, as libevtx renders it */
    const char *x =
        "<Event "
        "xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">\n"
        "  <System>\n"
        "    <Provider Name=\"Microsoft-Windows-TerminalServices-"
        "RemoteConnectionManager\" "
        "Guid=\"{C76BAA63-AE81-421C-B425-340B4B24157F}\"/>\n"
        "    <EventID>1149</EventID>\n"
        "    <TimeCreated SystemTime=\"2018-11-06T21:45:50.411264100Z\"/>\n"
        "    <Computer>IEWIN7</Computer>\n"
        "  </System>\n"
        "  <UserData>\n"
        "    <EventXML "
        "xmlns:auto-ns2=\"http://schemas.microsoft.com/win/2004/08/events\" "
        "xmlns=\"Event_NS\">\n"
        "      <Param1>administrator</Param1>\n"
        "      <Param2>ie11win7</Param2>\n"
        "      <Param3>10.0.2.16</Param3>\n"
        "    </EventXML>\n"
        "  </UserData>\n"
        "</Event>\n";
    mm_event ev;
    assert_int_equal(parse(MM_LOG_WINDOWS, x, &ev), MM_OK);
    assert_int_equal(ev.code, 1149);
    assert_int_equal(ev.service, MM_SVC_RDP);
    assert_int_equal(ev.action, MM_ACT_AUTH_SUCCESS);
    assert_span(ev.user, "administrator");
    assert_ip(&ev.src, "10.0.2.16");
}

static void test_xml_7045_4732(void **state)
{
    (void)state;
    /* sample: LM_Remote_Service02_7045.evtx record 1 */
    const char *svc =
        "<Event><System><Provider Name=\"Service Control Manager\"/>"
        "<EventID Qualifiers=\"16384\">7045</EventID><Channel>System</Channel>"
        "<Computer>WIN-77LTAPHIQ1R.example.corp</Computer></System><EventData>"
        "<Data Name=\"ServiceName\">spoolfool</Data>"
        "<Data Name=\"ImagePath\">cmd.exe</Data>"
        "<Data Name=\"AccountName\">LocalSystem</Data></EventData></Event>";
    mm_event ev;
    assert_int_equal(parse(MM_LOG_WINDOWS, svc, &ev), MM_OK);
    assert_int_equal(ev.action, MM_ACT_SERVICE_INSTALLED);
    assert_span(ev.executable, "cmd.exe");
    assert_span(ev.process, "spoolfool");
    /* sample: Network_Service_Guest_added_to_admins_4732.evtx record 2 */
    const char *grp =
        "<Event><System><EventID>4732</EventID><Computer>MSEDGEWIN10</"
        "Computer>"
        "</System><EventData><Data Name=\"MemberName\">-</Data>"
        "<Data Name=\"MemberSid\">S-1-5-20</Data>"
        "<Data Name=\"TargetUserName\">Administrators</Data>"
        "<Data Name=\"TargetSid\">S-1-5-32-544</Data></EventData></Event>";
    assert_int_equal(parse(MM_LOG_WINDOWS, grp, &ev), MM_OK);
    assert_int_equal(ev.action, MM_ACT_GROUP_MEMBER_ADDED);
    assert_int_equal(ev.category, MM_CAT_IAM);
    assert_span(ev.user, "S-1-5-20");
    assert_span(ev.group, "Administrators");
}

static void test_xml_hostile(void **state)
{
    (void)state;
    mm_event ev;
    const char *bad[] = {
        "<Event><System><EventID>4625</EventID></System>", /* no end */
        "<Event><System><EventID>x</EventID></System></Event>",
        "<Event><System></System></Event>", /* no id */
        "<?xml version='1.0'?><!DOCTYPE e [<!ENTITY a 'aa'>]>"
        "<Event><System><EventID>4625</EventID></System></Event>",
        "<Event><!-- c --><System><EventID>4625</EventID></System></Event>",
        "<Event><System><EventID>4625</EventID></System><EventData><Data "
        "Name='TargetUserName' <x</Data></EventData></Event>",
        "<Events>",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(parse(MM_LOG_WINDOWS, bad[i], &ev), MM_EPARSE);
    /* deep nesting */
    size_t depth = 40, n = 0;
    char *deep = malloc(depth * 7 + 64);
    assert_non_null(deep);
    n += (size_t)sprintf(deep, "<Event>");
    for (size_t i = 0; i < depth; i++)
        n += (size_t)sprintf(deep + n, "<a>");
    n += (size_t)sprintf(deep + n, "<EventID>4625</EventID>");
    for (size_t i = 0; i < depth; i++)
        n += (size_t)sprintf(deep + n, "</a>");
    sprintf(deep + n, "</Event>");
    assert_int_equal(parse(MM_LOG_WINDOWS, deep, &ev), MM_EPARSE);
    free(deep);
    /* a 1 MiB field */
    size_t big = 1u << 20;
    char *huge = malloc(big + 256);
    assert_non_null(huge);
    n = (size_t)sprintf(huge, "<Event><System><EventID>4625</EventID></System>"
                              "<EventData><Data Name='TargetUserName'>");
    memset(huge + n, 'A', big);
    sprintf(huge + n + big, "</Data></EventData></Event>");
    assert_int_equal(parse(MM_LOG_WINDOWS, huge, &ev), MM_EPARSE);
    free(huge);
}

static void test_json_winlogbeat(void **state)
{
    (void)state;
    const char *j =
        "{\"@timestamp\":\"2024-03-05T01:02:03.456Z\",\"event\":{\"code\":"
        "\"4771\",\"provider\":\"Microsoft-Windows-Security-Auditing\"},"
        "\"host\":{\"name\":\"dc01\"},\"winlog\":{\"channel\":\"Security\","
        "\"computer_name\":\"DC01.example.local\",\"event_id\":4771,"
        "\"event_data\":{\"TargetUserName\":\"suzuki\",\"Status\":\"0x6\","
        "\"IpAddress\":\"::ffff:192.0.2.50\",\"IpPort\":\"50123\"},"
        "\"logon\":{\"failure\":{\"status\":\"x\"}},\"keywords\":[\"Audit "
        "Failure\"],\"opcode\":null,\"flag\":true,\"n\":-1.5e3}}";
    mm_event ev;
    assert_int_equal(parse(MM_LOG_AUTO, j, &ev), MM_OK);
    assert_int_equal(ev.code, 4771);
    assert_int_equal(ev.action, MM_ACT_INVALID_USER);
    assert_int_equal(ev.service, MM_SVC_WINDOWS);
    assert_ip(&ev.src, "192.0.2.50");
    assert_span(ev.user, "suzuki");
    assert_span(ev.host, "DC01.example.local");
}

static void test_json_nxlog(void **state)
{
    (void)state;
    const char *j =
        "{\"EventTime\":\"2024-03-05 10:02:03\",\"Hostname\":\"FS01\","
        "\"EventID\":4776,\"SourceName\":\"Microsoft-Windows-Security-"
        "Auditing\",\"Channel\":\"Security\",\"TargetUserName\":"
        "\"EXAMPLE\\\\ghost\",\"Workstation\":\"KALI\",\"Status\":"
        "\"0xc0000064\",\"Message\":\"x\\r\\n\\\"y\\\"\"}";
    mm_event ev;
    assert_int_equal(parse(MM_LOG_WINDOWS, j, &ev), MM_OK);
    assert_int_equal(ev.code, 4776);
    assert_int_equal(ev.action, MM_ACT_INVALID_USER);
    assert_span(ev.user, "ghost");
    assert_span(ev.src_domain, "KALI");
    assert_span(ev.host, "FS01");
}

static void test_json_hostile(void **state)
{
    (void)state;
    mm_event ev;
    const char *bad[] = {
        "{\"winlog\":{\"event_id\":{\"a\":1},\"channel\":\"Security\"}}",
        "{\"winlog\":{\"event_id\":\"4625\",\"channel\":[\"Security\"]}}",
        "{\"EventID\":true,\"SourceName\":\"x\"}",
        "{\"EventID\":4625,\"SourceName\":\"x\"", /* unterminated */
        "{\"EventID\":4625,\"SourceName\":\"x}",
        "{\"EventID\":4625,\"SourceName\":\"x\"} trailing",
        "{\"EventID\" 4625}",
        "{\"event\":{\"code\":\"4625\"}}", /* nothing says it is Windows */
        "{\"user\":\"x\"}",
        "[1,2]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(parse(MM_LOG_WINDOWS, bad[i], &ev), MM_EPARSE);
    char deep[4096];
    size_t n = 0;
    for (int i = 0; i < 100; i++)
        n += (size_t)sprintf(deep + n, "{\"winlog\":");
    n += (size_t)sprintf(deep + n, "1");
    for (int i = 0; i < 100; i++)
        deep[n++] = '}';
    deep[n] = 0;
    assert_int_equal(parse(MM_LOG_WINDOWS, deep, &ev), MM_EPARSE);
}

static void test_snare(void **state)
{
    (void)state;
    const char *s =
        "<13>Mar  5 10:02:03 DC01 MSWinEventLog\t1\tSecurity\t42\tTue Mar 05 "
        "10:02:03 2024\t4625\tMicrosoft-Windows-Security-Auditing\tN/A\tN/A\t"
        "Failure Audit\tDC01.example.local\tLogon\t\tAn account failed to log "
        "on.  Subject:  Security ID:  S-1-0-0  Account Name:  -  Logon Type:  "
        " "
        "3  Account For Which Logon Failed:  Security ID:  S-1-0-0  Account "
        "Name:  guest  Failure Information:  Status:   0xC000006D  Sub "
        "Status:  "
        "0xC000006A  Network Information:  Workstation Name: KALI  Source "
        "Network Address: 192.0.2.44  Source Port:  0\t12";
    mm_event ev;
    for (int t = 0; t < 3; t++) {
        mm_logtype ty = t == 0   ? MM_LOG_AUTO
                        : t == 1 ? MM_LOG_SYSLOG
                                 : MM_LOG_WINDOWS;
        assert_int_equal(parse(ty, s, &ev), MM_OK);
        assert_int_equal(ev.code, 4625);
        assert_int_equal(ev.action, MM_ACT_AUTH_FAILURE);
        assert_int_equal(ev.service, MM_SVC_SMB);
        assert_span(ev.user, "guest");
        assert_ip(&ev.src, "192.0.2.44");
        assert_span(ev.host, "DC01.example.local");
    }
    assert_int_equal(parse(MM_LOG_WINDOWS, "MSWinEventLog\t1\tSecurity", &ev),
                     MM_EPARSE);
}

static void test_evtx(void **state)
{
    (void)state;
    mm_evtx *x;
    mm_err err;
    const char *dir = getenv("SRCDIR");
    char path[1024];
    snprintf(path, sizeof path,
             "%s/tests/data/windows/LM_Remote_Service02_7045.evtx",
             dir ? dir : ".");
    assert_int_equal(mm_evtx_open(path, &x, &err), MM_OK);
    mm_span xml;
    uint64_t recno;
    unsigned n = 0, svc = 0;
    while (mm_evtx_next(x, &xml, &recno) == MM_OK) {
        mm_event ev;
        n++;
        if (mm_parse_line(NULL, MM_LOG_WINDOWS, xml.p, xml.len, &ev) ==
                MM_OK &&
            ev.action == MM_ACT_SERVICE_INSTALLED)
            svc++;
    }
    assert_int_equal(svc, 3);
    assert_int_equal(n, 3);
    assert_int_equal(mm_evtx_skipped(x), 0);
    mm_evtx_free(x);
    assert_int_equal(mm_evtx_open("/dev/null", &x, &err), MM_EPARSE);
    assert_null(x);
    assert_false(mm_evtx_is("ElfChnk", 7));
    assert_true(mm_evtx_is("ElfFile\0\0", 8));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xml_4625),
        cmocka_unit_test(test_xml_pretty_and_userdata),
        cmocka_unit_test(test_xml_7045_4732),
        cmocka_unit_test(test_xml_hostile),
        cmocka_unit_test(test_json_winlogbeat),
        cmocka_unit_test(test_json_nxlog),
        cmocka_unit_test(test_json_hostile),
        cmocka_unit_test(test_snare),
        cmocka_unit_test(test_evtx),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
