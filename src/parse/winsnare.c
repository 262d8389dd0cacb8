/* SPDX-License-Identifier: Apache-2.0 */
/* winsnare.c — the Snare / NXLog (to_syslog_snare) tab-separated form:
 *   MSWinEventLog<TAB>criticality<TAB>channel<TAB>counter<TAB>date<TAB>
 *   event id<TAB>source<TAB>user<TAB>SID type<TAB>event type<TAB>
 *   computer<TAB>category<TAB>data<TAB>expanded message[<TAB>…]
 * The event's fields are only in the English expanded message ("Account
 * Name: bob  Source Network Address: 203.0.113.9 …"), so they are taken
 * from its labels; which occurrence of a repeated label counts (the
 * subject's or the target's account) is said in the table below. */
#include "parse-int.h"

#define SNARE_COLS 14

/* Value after `label` at v: single tokens end at white space; multi-word
 * values (file names, task names) at two spaces, a tab or the end. */
static mm_span value_at(const char *v, const char *e, bool multi)
{
    while (v < e && (*v == ' ' || *v == '\t'))
        v++;
    const char *q = v;
    if (multi) {
        while (q < e && *q != '\t' && !(*q == ' ' && q + 1 < e && q[1] == ' '))
            q++;
    } else {
        while (q < e && *q != ' ' && *q != '\t')
            q++;
    }
    return pp_span(v, q);
}

/* Occurrence of label in [p, e): first, or last when `last`; a label must
 * start the message or follow white space ("Sub Status:" is not
 * "Status:"). */
static const char *label(const char *p, const char *e, const char *lab,
                         size_t n, bool last)
{
    const char *found = NULL;
    for (const char *s = p; s < e;) {
        const char *a = pp_find(s, e, lab, n);
        if (!a)
            break;
        bool start = a == p || a[-1] == ' ' || a[-1] == '\t';
        if (start && !(a - p >= 4 && memcmp(a - 4, "Sub ", 4) == 0)) {
            found = a + n;
            if (!last)
                break;
        }
        s = a + n;
    }
    return found;
}

typedef struct snare_label {
    const char *label;
    uint8_t len;
    uint8_t slot;
    bool last;  /* the last occurrence (the target, not the subject) */
    bool multi; /* value may hold single spaces */
} snare_label;

#define L(s, slot, last, multi)                                               \
    {                                                                         \
        s, sizeof(s) - 1, slot, last, multi                                   \
    }
static const snare_label labels[] = {
    L("Group Name:", PP_WF_TARGET_USER, false, true), /* before Account */
    L("Logon Account:", PP_WF_TARGET_USER, false, false),
    L("Account Name:", PP_WF_TARGET_USER, true, false),
    L("Account Name:", PP_WF_SUBJECT_USER, false, false),
    L("Security ID:", PP_WF_TARGET_SID, true, false),
    L("User:", PP_WF_PARAM1, false, false),
    L("Logon Type:", PP_WF_LOGON_TYPE, false, false),
    L("Source Network Address:", PP_WF_IP, false, false),
    L("Source Network Address:", PP_WF_PARAM3, false, false),
    L("Client Address:", PP_WF_IP, false, false),
    L("Network Address:", PP_WF_IP, false, false),
    L("Source Port:", PP_WF_IP_PORT, false, false),
    L("Client Port:", PP_WF_IP_PORT, false, false),
    L("Sub Status:", PP_WF_SUBSTATUS, false, false),
    L("Status:", PP_WF_STATUS, false, false),
    L("Failure Code:", PP_WF_STATUS, false, false),
    L("Result Code:", PP_WF_STATUS, false, false),
    L("Error Code:", PP_WF_STATUS, false, false),
    L("Workstation Name:", PP_WF_WORKSTATION, false, false),
    L("Source Workstation:", PP_WF_WORKSTATION, false, false),
    L("Caller Computer Name:", PP_WF_TARGET_DOMAIN, false, false),
    L("Service Name:", PP_WF_SERVICE_NAME, false, true),
    L("Service File Name:", PP_WF_IMAGE_PATH, false, true),
    L("Service Account:", PP_WF_ACCOUNT_NAME, false, false),
    L("Task Name:", PP_WF_TASK_NAME, false, true),
    L("Process Name:", PP_WF_PROCESS_NAME, false, true),
};
#undef L

/* p at "MSWinEventLog\t". */
mm_rc pp_winsnare_msg(const mm_parse_opts *opts, const char *p, const char *e,
                      mm_event *ev)
{
    mm_span col[SNARE_COLS];
    size_t n = 0;
    const char *s = p;
    while (n < SNARE_COLS) {
        const char *t = memchr(s, '\t', (size_t)(e - s));
        const char *ce = (n == SNARE_COLS - 1 || !t) ? e : t;
        if (n == SNARE_COLS - 1 && t)
            ce = t; /* trailing MD5 / counter columns */
        col[n++] = pp_span(s, ce);
        if (!t)
            break;
        s = t + 1;
    }
    if (n < SNARE_COLS)
        return MM_EPARSE;
    pp_winrec r;
    memset(&r, 0, sizeof r);
    if (!pp_win_set(&r, PP_WF_EVENT_ID, col[5].p, col[5].p + col[5].len) ||
        !pp_win_set(&r, PP_WF_CHANNEL, col[2].p, col[2].p + col[2].len) ||
        !pp_win_set(&r, PP_WF_PROVIDER, col[6].p, col[6].p + col[6].len) ||
        !pp_win_set(&r, PP_WF_COMPUTER, col[10].p, col[10].p + col[10].len))
        return MM_EPARSE;
    const char *m = col[13].p, *me = m + col[13].len;
    if ((size_t)(me - m) > PP_WIN_VALUE_MAX)
        return MM_EPARSE;
    mm_span id = col[5];
    bool group = mm_span_eq(id, "4728") || mm_span_eq(id, "4732") ||
                 mm_span_eq(id, "4756");
    for (size_t i = 0; i < sizeof labels / sizeof *labels; i++) {
        const snare_label *l = &labels[i];
        uint8_t slot = l->slot;
        if (group && slot == PP_WF_TARGET_USER && l->len == 13)
            slot = PP_WF_MEMBER_NAME; /* the member's "Account Name:" */
        else if (!group && l->len == 11 && l->label[0] == 'G')
            continue;
        const char *v = label(m, me, l->label, l->len, l->last);
        if (v) {
            mm_span val = value_at(v, me, l->multi);
            pp_win_set(&r, slot, val.p, val.p + val.len);
        }
    }
    const char *mb = group ? label(m, me, "Member:", 7, false) : NULL;
    const char *ms = mb ? label(mb, me, "Security ID:", 12, false) : NULL;
    if (ms) {
        mm_span val = value_at(ms, me, false);
        pp_win_set(&r, PP_WF_MEMBER_SID, val.p, val.p + val.len);
    }
    const char *tc = label(m, me, "Task Content:", 13, false);
    if (tc)
        pp_win_set(&r, PP_WF_TASK_CONTENT, tc, me);
    return pp_win_event(opts, &r, ev);
}
