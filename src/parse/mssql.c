/* SPDX-License-Identifier: Apache-2.0 */
/* mssql.c — Microsoft SQL Server login failures (error 18456) as the
 * ERRORLOG, the Windows Application log text and syslog relays write them:
 *   "Login failed for user 'sa'. Reason: Password did not match that for
 *    the login provided. [CLIENT: 203.0.113.5]"
 * The user name is the peer's choice and may hold quotes: it runs to the
 * last "'. Reason:" (or "'." before " [CLIENT"). */
#include "parse-int.h"

bool pp_mssql_probe(const char *p, const char *e)
{
    return PP_FIND(p, e, "Login failed for user '") != NULL;
}

mm_rc pp_mssql(const char *p, const char *e, mm_event *ev)
{
    const char *l = PP_FIND(p, e, "Login failed for user '");
    if (!l)
        return MM_EPARSE;
    /* Only the message itself, or the ERRORLOG's source column "Logon":
     * text before it (another program quoting one) is no login. */
    const char *q = p;
    if (PP_STARTS(q, l, "Logon"))
        q += 5;
    while (q < l && (*q == ' ' || *q == '\t'))
        q++;
    if (q != l)
        return MM_EPARSE;
    ev->dataset = MM_DS_MSSQL;
    ev->category = MM_CAT_AUTHENTICATION;
    ev->service = MM_SVC_DB;
    ev->code = 18456;
    const char *u = l + 23;
    const char *c = PP_RFIND(u, e, "[CLIENT: ");
    const char *ue = PP_RFIND(u, c ? c : e, "'. Reason:");
    if (!ue)
        ue = PP_RFIND(u, c ? c : e, "'.");
    if (ue)
        ev->user = pp_span(u, ue);
    if (c) {
        const char *a = c + 9, *b = memchr(a, ']', (size_t)(e - a));
        if (!b || !pp_peer(a, b, ev)) {
            /* "<local machine>" and named pipes carry no address */
            memset(&ev->src, 0, sizeof ev->src);
        }
    }
    mm_action act = MM_ACT_AUTH_FAILURE;
    if (PP_FIND(l, e, "Could not find a login matching the name"))
        act = MM_ACT_INVALID_USER;
    ev->action = act;
    ev->outcome = MM_OUT_FAILURE;
    return MM_OK;
}
