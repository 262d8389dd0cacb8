/* SPDX-License-Identifier: Apache-2.0 */
/* win.c — Windows events: the fields the XML, JSON and Snare readers pull
 * out of a record (pp_winrec) turned into one mm_event by event id. The
 * mapping is documented in docs/formats.md ("Windows"). */
#include "parse-int.h"

/* Field names as Windows writes them (EventData Data Name=…, UserData
 * element names, Winlogbeat winlog.event_data keys, NXLog keys) → slot.
 * Several names may share a slot (4776 "Workstation" and 4625
 * "WorkstationName"). */

/* Sorted by length; names of one length in the order they are tried. */
static const struct {
    char name[17];
    uint8_t len;
    int8_t slot;
} win_names[] = {
    {"IpPort", 6, PP_WF_IP_PORT},
    {"Status", 6, PP_WF_STATUS},
    {"Param1", 6, PP_WF_PARAM1},
    {"Param2", 6, PP_WF_PARAM2},
    {"Param3", 6, PP_WF_PARAM3},
    {"EventID", 7, PP_WF_EVENT_ID},
    {"Channel", 7, PP_WF_CHANNEL},
    {"channel", 7, PP_WF_CHANNEL},
    {"TaskName", 8, PP_WF_TASK_NAME},
    {"Username", 8, PP_WF_GW_USER},
    {"event_id", 8, PP_WF_EVENT_ID},
    {"Computer", 8, PP_WF_COMPUTER},
    {"Hostname", 8, PP_WF_COMPUTER},
    {"TargetSid", 9, PP_WF_TARGET_SID},
    {"IpAddress", 9, PP_WF_IP},
    {"LogonType", 9, PP_WF_LOGON_TYPE},
    {"SubStatus", 9, PP_WF_SUBSTATUS},
    {"ImagePath", 9, PP_WF_IMAGE_PATH},
    {"MemberSid", 9, PP_WF_MEMBER_SID},
    {"ErrorCode", 9, PP_WF_ERROR_CODE},
    {"EventTime", 9, PP_WF_TIME},
    {"MemberName", 10, PP_WF_MEMBER_NAME},
    {"SourceName", 10, PP_WF_PROVIDER},
    {"@timestamp", 10, PP_WF_TIME},
    {"SystemTime", 10, PP_WF_TIME},
    {"Workstation", 11, PP_WF_WORKSTATION},
    {"ServiceName", 11, PP_WF_SERVICE_NAME},
    {"TaskContent", 11, PP_WF_TASK_CONTENT},
    {"AccountName", 11, PP_WF_ACCOUNT_NAME},
    {"ProcessName", 11, PP_WF_PROCESS_NAME},
    {"TimeCreated", 11, PP_WF_TIME},
    {"ProviderName", 12, PP_WF_PROVIDER},
    {"computer_name", 13, PP_WF_COMPUTER},
    {"provider_name", 13, PP_WF_PROVIDER},
    {"TargetUserName", 14, PP_WF_TARGET_USER},
    {"SubjectUserName", 15, PP_WF_SUBJECT_USER},
    {"WorkstationName", 15, PP_WF_WORKSTATION},
    {"ServiceFileName", 15, PP_WF_IMAGE_PATH},
    {"TargetDomainName", 16, PP_WF_TARGET_DOMAIN},
};

int pp_win_slot(const char *p, size_t n)
{
    /* a miss costs a scan of one-byte lengths up to the first longer name
     * (every tag and key of a record is looked up) */
    for (size_t i = 0; i < sizeof win_names / sizeof *win_names; i++) {
        if (win_names[i].len > n)
            break;
        if (win_names[i].len == n && memcmp(p, win_names[i].name, n) == 0)
            return win_names[i].slot;
    }
    return -1;
}

bool pp_win_set(pp_winrec *r, int slot, const char *p, const char *e)
{
    if ((size_t)(e - p) > PP_WIN_VALUE_MAX)
        return false;
    if (slot >= 0 && slot < PP_WF_COUNT && !r->f[slot].len)
        r->f[slot] = pp_span(p, e);
    return true;
}

/* Hex or decimal status code ("0xC000006D", "0x18", "23003"). */
static bool num(mm_span s, uint64_t *out)
{
    *out = 0;
    if (!s.len)
        return false;
    const char *p = s.p, *e = s.p + s.len;
    if (PP_STARTS(p, e, "0x") || PP_STARTS(p, e, "0X")) {
        p += 2;
        if (p >= e || e - p > 16)
            return false;
        uint64_t v = 0;
        for (; p < e; p++) {
            char c = pp_lower(*p);
            unsigned d = pp_isdigit(c)            ? (unsigned)(c - '0')
                         : (c >= 'a' && c <= 'f') ? (unsigned)(c - 'a' + 10)
                                                  : 16u;
            if (d > 15)
                return false;
            v = v << 4 | d;
        }
        *out = v;
        return true;
    }
    return pp_uint(&p, e, UINT32_MAX, out) && p == e;
}

static bool empty(mm_span s)
{
    return s.len == 0 || (s.len == 1 && s.p[0] == '-');
}

/* "DOMAIN\user" (also JSON's "DOMAIN\\user") → "user"; "user@realm" is
 * kept as written. */
static mm_span strip_domain(mm_span s)
{
    const char *e = s.p + s.len;
    const char *b = s.len ? pp_rfind(s.p, e, "\\", 1) : NULL;
    return b ? pp_span(b + 1, e) : s;
}

static void set_user(mm_event *ev, mm_span s)
{
    if (!empty(s))
        ev->user = strip_domain(s);
}

static void set_addr(mm_event *ev, const pp_winrec *r, mm_span a)
{
    if (empty(a))
        return;
    mm_addr ad;
    if (pp_addr(a.p, a.p + a.len, &ad))
        ev->src = ad;
    else if (pp_is_hostname(a.p, a.p + a.len))
        ev->src_domain = a;
    uint64_t port;
    if (num(r->f[PP_WF_IP_PORT], &port) && port > 0 && port < 65536)
        ev->src_port = (uint16_t)port;
}

/* A change the event records as done (an account, a group membership, the
 * system's configuration); `who` is the user it names. */
static void change(mm_event *ev, mm_category cat, mm_action act, mm_span who)
{
    ev->category = cat;
    ev->action = act;
    ev->outcome = MM_OUT_SUCCESS;
    set_user(ev, who);
}

static void auth(mm_event *ev, mm_service svc, mm_action act)
{
    pp_auth_event(ev, svc, act,
                  act == MM_ACT_AUTH_SUCCESS ? MM_OUT_SUCCESS
                                             : MM_OUT_FAILURE);
}

/* LogonType → service: 10 RemoteInteractive = rdp, 3 Network = smb (file
 * sharing and other network logons), 7 Unlock over RDP is not visible
 * here, everything else (2 interactive, 4 batch, 5 service, 8 cleartext,
 * 9 new credentials, 11 cached) = windows. */
static mm_service logon_service(const pp_winrec *r)
{
    uint64_t t;
    if (!num(r->f[PP_WF_LOGON_TYPE], &t))
        return MM_SVC_WINDOWS;
    return t == 10 ? MM_SVC_RDP : t == 3 ? MM_SVC_SMB : MM_SVC_WINDOWS;
}

/* NTSTATUS for "no such user" (STATUS_NO_SUCH_USER). */
#define ST_NO_SUCH_USER 0xC0000064u
/* Kerberos KDC_ERR_C_PRINCIPAL_UNKNOWN. */
#define KRB_PRINCIPAL_UNKNOWN 0x6u

static void logon_failure(mm_event *ev, const pp_winrec *r)
{
    uint64_t st = 0, sub = 0;
    num(r->f[PP_WF_STATUS], &st);
    num(r->f[PP_WF_SUBSTATUS], &sub);
    bool unknown = st == ST_NO_SUCH_USER || sub == ST_NO_SUCH_USER;
    auth(ev, logon_service(r),
         unknown ? MM_ACT_INVALID_USER : MM_ACT_AUTH_FAILURE);
    set_user(ev, r->f[PP_WF_TARGET_USER]);
    set_addr(ev, r, r->f[PP_WF_IP]);
    if (!ev->src.family && !ev->src_domain.len &&
        !empty(r->f[PP_WF_WORKSTATION]) &&
        pp_is_hostname(r->f[PP_WF_WORKSTATION].p,
                       r->f[PP_WF_WORKSTATION].p +
                           r->f[PP_WF_WORKSTATION].len))
        ev->src_domain = r->f[PP_WF_WORKSTATION];
}

/* Kerberos 4768 (TGT), 4771 (pre-auth failed): Status 0x0 is success,
 * 0x6 an unknown name, anything else (0x18 bad password, 0x12 disabled
 * or locked) a failure. NTLM 4776 the same with NTSTATUS codes. */
static void kerberos_ntlm(mm_event *ev, const pp_winrec *r, bool ntlm)
{
    uint64_t st = 0;
    bool have = num(r->f[PP_WF_STATUS], &st);
    mm_action a =
        have && st == 0 ? MM_ACT_AUTH_SUCCESS
        : (ntlm ? st == ST_NO_SUCH_USER : st == KRB_PRINCIPAL_UNKNOWN)
            ? MM_ACT_INVALID_USER
            : MM_ACT_AUTH_FAILURE;
    if (r->id == 4771 && a == MM_ACT_AUTH_SUCCESS)
        a = MM_ACT_AUTH_FAILURE;
    auth(ev, MM_SVC_WINDOWS, a);
    set_user(ev, r->f[PP_WF_TARGET_USER]);
    set_addr(ev, r, r->f[PP_WF_IP]);
    mm_span ws = r->f[PP_WF_WORKSTATION];
    if (ntlm && !empty(ws) && pp_is_hostname(ws.p, ws.p + ws.len))
        ev->src_domain = ws;
}

/* The <Command> of a scheduled task's XML definition (TaskContent holds
 * it escaped in event XML, raw in JSON). */
static mm_span task_command(mm_span c)
{
    if (!c.len)
        return c;
    const char *p = c.p, *e = c.p + c.len, *s, *t;
    if ((s = PP_FIND(p, e, "Command&gt;")) != NULL) {
        s += sizeof "Command&gt;" - 1;
        t = PP_FIND(s, e, "&lt;/");
    } else if ((s = PP_FIND(p, e, "Command>")) != NULL) {
        s += sizeof "Command>" - 1;
        t = PP_FIND(s, e, "</");
    } else {
        return mm_span_make(NULL, 0);
    }
    return t ? pp_span(s, t) : mm_span_make(NULL, 0);
}

static bool provider_is(const pp_winrec *r, const char *lit, size_t n)
{
    mm_span p = r->f[PP_WF_PROVIDER];
    return p.len == 0 || pp_find(p.p, p.p + p.len, lit, n) != NULL;
}

mm_rc pp_win_event(const mm_parse_opts *opts, pp_winrec *r, mm_event *ev)
{
    uint64_t id;
    if (!num(r->f[PP_WF_EVENT_ID], &id) || id == 0 || id > 65535)
        return MM_EPARSE;
    r->id = (uint32_t)id;
    ev->dataset = MM_DS_WINDOWS;
    ev->code = r->id;
    if (!empty(r->f[PP_WF_COMPUTER]))
        ev->host = r->f[PP_WF_COMPUTER];
    mm_span t = r->f[PP_WF_TIME];
    if (t.len) {
        const char *p = t.p;
        int64_t ms;
        int off = opts ? opts->tz_offset_s : 0;
        if (pp_iso_time(&p, t.p + t.len, off, &ms))
            ev->ts_ms = ms;
    }
    switch (r->id) {
    case 4624:
        auth(ev, logon_service(r), MM_ACT_AUTH_SUCCESS);
        set_user(ev, r->f[PP_WF_TARGET_USER]);
        set_addr(ev, r, r->f[PP_WF_IP]);
        return MM_OK;
    case 4625: logon_failure(ev, r); return MM_OK;
    case 4740:
        pp_auth_event(ev, MM_SVC_WINDOWS, MM_ACT_ACCOUNT_LOCKED,
                      MM_OUT_FAILURE);
        set_user(ev, r->f[PP_WF_TARGET_USER]);
        /* TargetDomainName is the caller computer here */
        if (!empty(r->f[PP_WF_TARGET_DOMAIN]) &&
            pp_is_hostname(r->f[PP_WF_TARGET_DOMAIN].p,
                           r->f[PP_WF_TARGET_DOMAIN].p +
                               r->f[PP_WF_TARGET_DOMAIN].len))
            ev->src_domain = r->f[PP_WF_TARGET_DOMAIN];
        return MM_OK;
    case 4768:
    case 4771: kerberos_ntlm(ev, r, false); return MM_OK;
    case 4776: kerberos_ntlm(ev, r, true); return MM_OK;
    case 4648:
        pp_auth_event(ev, MM_SVC_WINDOWS, MM_ACT_EXPLICIT_CRED,
                      MM_OUT_SUCCESS);
        set_user(ev, r->f[PP_WF_TARGET_USER]);
        set_addr(ev, r, r->f[PP_WF_IP]);
        if (!empty(r->f[PP_WF_PROCESS_NAME]))
            ev->executable = r->f[PP_WF_PROCESS_NAME];
        return MM_OK;
    case 4720:
        change(ev, MM_CAT_IAM, MM_ACT_USER_CREATED, r->f[PP_WF_TARGET_USER]);
        return MM_OK;
    case 4728:
    case 4732:
    case 4756:
        /* the member: its name (domain members: a DN) or, for local
         * groups, which log "-", its SID */
        change(ev, MM_CAT_IAM, MM_ACT_GROUP_MEMBER_ADDED,
               empty(r->f[PP_WF_MEMBER_NAME]) ? r->f[PP_WF_MEMBER_SID]
                                              : r->f[PP_WF_MEMBER_NAME]);
        /* group.name as logged ("Administrators", "Domain Admins"; rules
         * match the names), its SID when the name is missing */
        ev->group = !empty(r->f[PP_WF_TARGET_USER]) ? r->f[PP_WF_TARGET_USER]
                                                    : r->f[PP_WF_TARGET_SID];
        return MM_OK;
    case 1102:
    case 104:
        if (!provider_is(r, "Eventlog", 8))
            return MM_SKIP;
        change(ev, MM_CAT_CONFIGURATION, MM_ACT_LOG_CLEARED,
               r->f[PP_WF_SUBJECT_USER]);
        return MM_OK;
    case 7045:
        change(ev, MM_CAT_CONFIGURATION, MM_ACT_SERVICE_INSTALLED,
               r->f[PP_WF_ACCOUNT_NAME]);
        if (!empty(r->f[PP_WF_IMAGE_PATH]))
            ev->executable = r->f[PP_WF_IMAGE_PATH];
        if (!empty(r->f[PP_WF_SERVICE_NAME]))
            ev->process = r->f[PP_WF_SERVICE_NAME];
        return MM_OK;
    case 4698:
        change(ev, MM_CAT_CONFIGURATION, MM_ACT_TASK_CREATED,
               r->f[PP_WF_SUBJECT_USER]);
        ev->executable = task_command(r->f[PP_WF_TASK_CONTENT]);
        if (!empty(r->f[PP_WF_TASK_NAME]))
            ev->process = r->f[PP_WF_TASK_NAME];
        return MM_OK;
    case 1149: /* RemoteConnectionManager: "User authentication succeeded" */
        if (!provider_is(r, "RemoteConnectionManager", 23))
            return MM_SKIP;
        auth(ev, MM_SVC_RDP, MM_ACT_AUTH_SUCCESS);
        set_user(ev, r->f[PP_WF_PARAM1]);
        set_addr(ev, r, r->f[PP_WF_PARAM3]);
        return MM_OK;
    case 200: /* RD Gateway: connection authorization policy met */
    case 201: /* … not met */
    case 302: /* connected to the resource */
    case 303: /* disconnected from the resource */
    case 304: /* connection to the resource failed */
        if (!provider_is(r, "Gateway", 7))
            return MM_SKIP;
        if (r->id == 303) {
            pp_auth_event(ev, MM_SVC_RDP, MM_ACT_SESSION_END, MM_OUT_SUCCESS);
        } else {
            auth(ev, MM_SVC_RDP,
                 r->id == 201 || r->id == 304 ? MM_ACT_AUTH_FAILURE
                                              : MM_ACT_AUTH_SUCCESS);
        }
        set_user(ev, r->f[PP_WF_GW_USER]);
        set_addr(ev, r, r->f[PP_WF_IP]);
        return MM_OK;
    default: return MM_SKIP;
    }
}

/* A Windows record in any form, bare or behind a syslog header (Windows
 * Event Forwarding relays, NXLog om_udp/om_tcp, Snare agents). */
mm_rc pp_windows_line(const mm_parse_opts *opts, const char *p, const char *e,
                      mm_event *ev)
{
    const char *s = p;
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    if (s < e && *s == '{')
        return pp_winjson_line(opts, s, e, ev);
    if (s < e && *s == '<' && s + 1 < e && (s[1] == 'E' || s[1] == '?'))
        return pp_winxml_line(opts, s, e, ev);
    const char *snare = PP_FIND(s, e, "MSWinEventLog\t");
    pp_syslog h;
    bool hdr = pp_syslog_header(opts, s, e, &h);
    if (snare) {
        mm_rc rc = pp_winsnare_msg(opts, snare, e, ev);
        if (rc == MM_OK && !ev->ts_ms && hdr)
            ev->ts_ms = h.ts_ms;
        if (rc == MM_OK && !ev->host.len && hdr)
            ev->host = h.host;
        return rc;
    }
    if (!hdr)
        return MM_EPARSE;
    const char *m = h.msg;
    while (m < e && (*m == ' ' || *m == '\t'))
        m++;
    mm_rc rc = MM_EPARSE;
    if (m < e && *m == '{')
        rc = pp_winjson_line(opts, m, e, ev);
    else if (m < e && *m == '<')
        rc = pp_winxml_line(opts, m, e, ev);
    if (rc == MM_OK && !ev->host.len)
        ev->host = h.host;
    return rc;
}
