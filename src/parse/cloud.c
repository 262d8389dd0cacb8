/* SPDX-License-Identifier: Apache-2.0 */
/* cloud.c — cloud account sign-in logs, one JSON object per line:
 *   - Microsoft Entra ID (Azure AD / Microsoft 365) sign-ins as Microsoft
 *     Graph returns them (/auditLogs/signIns: createdDateTime,
 *     userPrincipalName, ipAddress, status.errorCode, …) and as Azure
 *     Monitor exports them (time, callerIpAddress, resultType and the same
 *     fields under "properties");
 *   - Google Workspace login audit activities (Admin SDK Reports API:
 *     id.time, id.applicationName = login, actor.email, ipAddress,
 *     events[].name, events[].parameters[]).
 * The object is walked once by a small zero-copy JSON scanner (no
 * allocation; nesting capped at CJ_DEPTH_MAX, deeper input is unparsed);
 * fields of the wrong type are ignored, never trusted. Mapping:
 * docs/formats.md, "Cloud sign-in logs". */
#include "parse-int.h"

#define CJ_DEPTH_MAX 32 /* deeper objects are hostile or not a sign-in */
#define CJ_PATH 6       /* levels of key path a field is matched on */

typedef enum cj_type { CJ_STR, CJ_NUM, CJ_TRUE, CJ_FALSE, CJ_NULL } cj_type;

/* What the walker found; spans point into the line. */
typedef struct cloud_fields {
    /* Entra */
    mm_span created, time, upn, ip, caller_ip, auth_req, user_agent;
    mm_span error_code, result_type; /* digits (number or string) */
    bool has_status;
    /* Google */
    mm_span g_time, g_app, g_email, g_kind;
    mm_span g_event;           /* the chosen events[].name */
    int g_event_rank;          /* preference of g_event (higher wins) */
    int g_event_idx;           /* events[] index of g_event */
    int g_param_key;           /* (event, parameter) being walked */
    mm_span g_param;           /* its name */
    unsigned g_vals;           /* its values: 1 password, 2 other, 4 failed */
    bool g_pw, g_other_factor; /* login_challenge_method values seen */
    bool g_challenge_failed;
} cloud_fields;

typedef struct cj {
    const char *e;
    cloud_fields *f;
    mm_span path[CJ_PATH]; /* keys; an array level has p == NULL */
    int idx[CJ_PATH];      /* element index at array levels */
} cj;

static bool span_is(mm_span s, const char *lit, size_t n)
{
    return s.len == n && s.p && memcmp(s.p, lit, n) == 0;
}
#define IS(s, lit) span_is((s), (lit), sizeof(lit) - 1)

static const char *ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* End of a string whose opening quote is at p[-1]: the closing quote, or
 * NULL. A quote preceded by an odd run of backslashes is escaped; each
 * run is scanned once, so this is linear. */
static const char *str_end(const char *p, const char *e)
{
    const char *s = p;
    while (s < e) {
        const char *q = memchr(s, '"', (size_t)(e - s));
        if (!q)
            return NULL;
        size_t bs = 0;
        for (const char *b = q; b > p && b[-1] == '\\'; b--)
            bs++;
        if (!(bs & 1))
            return q;
        s = q + 1;
    }
    return NULL;
}

/* A parameter value as bits: 1 "password", 4 a failed challenge
 * ("Challenge Failed.", "failed"), 2 any other (a second factor). */
static unsigned value_bits(mm_span v)
{
    if (IS(v, "password"))
        return 1u;
    if (PP_STARTS(v.p, v.p + v.len, "Challenge Failed") || IS(v, "failed"))
        return 4u;
    return v.len && !IS(v, "none") ? 2u : 0u;
}

/* events[].name: keeps the most telling login event of the activity. */
static void google_event(cloud_fields *f, mm_span v, int ev_i)
{
    static const struct {
        const char *name;
        int rank;
    } pref[] = {{"login_failure", 5},
                {"login_success", 4},
                {"login_challenge", 3},
                {"login_verification", 2},
                {"logout", 1}};
    for (size_t i = 0; i < sizeof pref / sizeof pref[0]; i++)
        if (span_is(v, pref[i].name, strlen(pref[i].name)) &&
            pref[i].rank > f->g_event_rank) {
            f->g_event = v;
            f->g_event_rank = pref[i].rank;
            f->g_event_idx = ev_i;
            return;
        }
    if (!f->g_event.len) {
        f->g_event = v; /* another event: understood, nothing to count */
        f->g_event_idx = ev_i;
    }
}

/* A scalar at `depth` (1 = member of the root object). */
static void on_value(cj *c, int depth, mm_span v, cj_type t)
{
    cloud_fields *f = c->f;
    const mm_span *k = c->path;
    bool str = t == CJ_STR, num = t == CJ_NUM;
    /* Entra: at the root or under "properties" (Azure Monitor export) */
    int d = depth;
    const mm_span *kk = k;
    if (depth >= 2 && IS(k[0], "properties")) {
        d = depth - 1;
        kk = k + 1;
    }
    if (d == 1) {
        mm_span key = kk[0];
        if (str && IS(key, "createdDateTime"))
            f->created = v;
        else if (str && IS(key, "userPrincipalName"))
            f->upn = v;
        else if (str && IS(key, "ipAddress"))
            f->ip = v;
        else if (str && IS(key, "authenticationRequirement"))
            f->auth_req = v;
        else if (str && IS(key, "userAgent"))
            f->user_agent = v;
        else if ((str || num) && IS(key, "resultType") && depth == 1)
            f->result_type = v;
        else if (str && IS(key, "time") && depth == 1)
            f->time = v;
        else if (str && IS(key, "callerIpAddress") && depth == 1)
            f->caller_ip = v;
        else if (str && IS(key, "kind") && depth == 1)
            f->g_kind = v;
    } else if (d == 2 && IS(kk[0], "status") && IS(kk[1], "errorCode") &&
               (num || str)) {
        f->error_code = v;
        f->has_status = true;
    }
    if (depth == 2 && str) {
        if (IS(k[0], "id") && IS(k[1], "time"))
            f->g_time = v;
        else if (IS(k[0], "id") && IS(k[1], "applicationName"))
            f->g_app = v;
        else if (IS(k[0], "actor") && IS(k[1], "email"))
            f->g_email = v;
    }
    /* Google: events[i].name and events[i].parameters[j].{name, value,
     * multiValue[]}; "events" is an array in the API and a single object
     * in some exports (one event per document). */
    if (!str || depth < 2 || !IS(k[0], "events"))
        return;
    int b = k[1].p ? 1 : 2; /* level of the event's own keys */
    int ev_i = b == 2 ? c->idx[1] : 0;
    if (depth == b + 1 && IS(k[b], "name")) {
        google_event(f, v, ev_i);
        return;
    }
    if (depth == b + 3 && IS(k[b], "parameters") && !k[b + 1].p) {
        int key = ev_i * 4096 + (c->idx[b + 1] & 4095);
        if (f->g_param_key != key) {
            f->g_param_key = key;
            f->g_param = (mm_span){0};
            f->g_vals = 0;
        }
        if (IS(k[b + 2], "name"))
            f->g_param = v;
        else if (IS(k[b + 2], "value") || IS(k[b + 2], "multiValue"))
            f->g_vals |= value_bits(v);
        if (IS(f->g_param, "login_challenge_method")) {
            f->g_pw |= (f->g_vals & 1u) != 0;
            f->g_other_factor |= (f->g_vals & 2u) != 0;
        } else if (IS(f->g_param, "login_challenge_status")) {
            f->g_challenge_failed |= (f->g_vals & 4u) != 0;
        }
    }
}

static const char *walk(cj *c, const char *p, int depth);

/* Members of an object or elements of an array whose '{' or '[' was just
 * consumed (`close` is '}' or ']'): an object member records its key at
 * `depth`, an array element its index. */
static const char *walk_members(cj *c, const char *p, int depth, char close)
{
    const char *e = c->e;
    p = ws(p, e);
    if (p < e && *p == close)
        return p + 1;
    for (int i = 0;; i++) {
        mm_span key = {0};
        if (close == '}') {
            p = ws(p, e);
            if (p >= e || *p != '"')
                return NULL;
            const char *ks = p + 1, *ke = str_end(ks, e);
            if (!ke)
                return NULL;
            p = ws(ke + 1, e);
            if (p >= e || *p != ':')
                return NULL;
            key = pp_span(ks, ke);
            p++;
        }
        if (depth < CJ_PATH) {
            c->path[depth] = key;
            c->idx[depth] = close == '}' ? 0 : i;
        }
        p = walk(c, p, depth + 1);
        if (!p)
            return NULL;
        p = ws(p, e);
        if (p < e && *p == ',') {
            p++;
            continue;
        }
        if (p < e && *p == close)
            return p + 1;
        return NULL;
    }
}

/* One value at `depth` (its key, if any, is path[depth-1]). */
static const char *walk(cj *c, const char *p, int depth)
{
    const char *e = c->e;
    p = ws(p, e);
    if (p >= e || depth > CJ_DEPTH_MAX)
        return NULL;
    char ch = *p;
    if (ch == '{')
        return walk_members(c, p + 1, depth, '}');
    if (ch == '[')
        return walk_members(c, p + 1, depth, ']');
    /* array elements deeper than the recorded path keep the array's key as
     * their deepest one: multiValue["a","b"] reports each as multiValue */
    int rd = depth <= CJ_PATH ? depth : CJ_PATH;
    if (depth > 1 && depth - 1 < CJ_PATH && !c->path[depth - 1].p &&
        c->path[depth - 2].p)
        rd = depth - 1;
    if (ch == '"') {
        const char *ve = str_end(p + 1, e);
        if (!ve)
            return NULL;
        if (depth <= CJ_PATH)
            on_value(c, rd, pp_span(p + 1, ve), CJ_STR);
        return ve + 1;
    }
    const char *s = p;
    if (ch == '-' || pp_isdigit(ch)) {
        while (p < e && (pp_isdigit(*p) || *p == '-' || *p == '+' ||
                         *p == '.' || *p == 'e' || *p == 'E'))
            p++;
        if (depth <= CJ_PATH)
            on_value(c, rd, pp_span(s, p), CJ_NUM);
        return p;
    }
    if (PP_STARTS(p, e, "true"))
        return p + 4;
    if (PP_STARTS(p, e, "false"))
        return p + 5;
    if (PP_STARTS(p, e, "null"))
        return p + 4;
    return NULL;
}

/* Digits of a number or numeric string (optional minus ignored: Azure
 * Monitor never writes one) as an error code; false if not one. */
static bool code_of(mm_span v, uint32_t *out)
{
    if (!v.len)
        return false;
    const char *p = v.p, *e = v.p + v.len;
    uint64_t n;
    if (!pp_uint(&p, e, 4000000000u, &n) || p != e)
        return false;
    *out = (uint32_t)n;
    return true;
}

/* Entra error codes that interrupt a sign-in without judging the
 * credential (keep-me-signed-in prompt, account picker, device or session
 * checks, consent, expired refresh tokens): understood, not an attempt. */
static bool entra_interrupt(uint32_t code)
{
    static const uint32_t codes[] = {16000, 16001, 16002, 16003, 50058, 50097,
                                     50125, 50129, 50140, 50199, 65001, 70043,
                                     70044, 81010, 81012, 81016, 700082};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (codes[i] == code)
            return true;
    return false;
}

static bool set_time(mm_span v, int64_t *ts)
{
    const char *p = v.p;
    return v.len && pp_iso_time(&p, v.p + v.len, 0, ts);
}

static mm_rc entra(const cloud_fields *f, mm_event *ev)
{
    mm_span t = f->created.len ? f->created : f->time;
    if (!set_time(t, &ev->ts_ms))
        return MM_EPARSE;
    uint32_t code = 0;
    mm_span cv = f->has_status ? f->error_code : f->result_type;
    if (!code_of(cv, &code))
        return MM_EPARSE; /* no outcome: nothing to count */
    ev->dataset = MM_DS_M365;
    ev->service = MM_SVC_CLOUD;
    ev->category = MM_CAT_AUTHENTICATION;
    ev->user = f->upn;
    if (f->user_agent.len)
        ev->user_agent = f->user_agent;
    mm_span ip = f->ip.len ? f->ip : f->caller_ip;
    if (ip.len)
        pp_addr(ip.p, ip.p + ip.len, &ev->src);
    ev->code = code;
    if (code == 0) {
        ev->action = MM_ACT_AUTH_SUCCESS;
        ev->outcome = MM_OUT_SUCCESS;
        if (IS(f->auth_req, "singleFactorAuthentication"))
            ev->auth_factors = 1;
        else if (IS(f->auth_req, "multiFactorAuthentication"))
            ev->auth_factors = 2;
        return MM_OK;
    }
    if (entra_interrupt(code))
        return MM_SKIP;
    ev->action = code == 50034 ? MM_ACT_INVALID_USER : MM_ACT_AUTH_FAILURE;
    ev->outcome = MM_OUT_FAILURE;
    return MM_OK;
}

static mm_rc google(const cloud_fields *f, mm_event *ev)
{
    if (!set_time(f->g_time, &ev->ts_ms))
        return MM_EPARSE;
    ev->dataset = MM_DS_GWORKSPACE;
    if (f->g_app.len && !IS(f->g_app, "login"))
        return MM_SKIP; /* another Reports application: not a sign-in */
    ev->service = MM_SVC_CLOUD;
    ev->category = MM_CAT_AUTHENTICATION;
    ev->user = f->g_email;
    if (f->ip.len)
        pp_addr(f->ip.p, f->ip.p + f->ip.len, &ev->src);
    if (IS(f->g_event, "login_failure") ||
        (IS(f->g_event, "login_challenge") && f->g_challenge_failed)) {
        ev->action = MM_ACT_AUTH_FAILURE;
        ev->outcome = MM_OUT_FAILURE;
        return MM_OK;
    }
    if (IS(f->g_event, "login_success")) {
        ev->action = MM_ACT_AUTH_SUCCESS;
        ev->outcome = MM_OUT_SUCCESS;
        if (f->g_other_factor)
            ev->auth_factors = 2;
        else if (f->g_pw)
            ev->auth_factors = 1;
        return MM_OK;
    }
    return f->g_event.len ? MM_SKIP : MM_EPARSE;
}

mm_rc pp_cloud_line(const mm_parse_opts *opts, const char *p, const char *e,
                    mm_event *ev)
{
    (void)opts;
    p = ws(p, e);
    if (p >= e || *p != '{')
        return MM_EPARSE;
    cloud_fields f;
    memset(&f, 0, sizeof f);
    f.g_param_key = -1;
    cj c;
    memset(&c, 0, sizeof c);
    c.e = e;
    c.f = &f;
    const char *q = walk(&c, p, 0);
    if (!q || ws(q, e) != e)
        return MM_EPARSE; /* not one complete JSON object */
    if (f.g_time.len && (f.g_app.len || f.g_email.len ||
                         IS(f.g_kind, "admin#reports#activity")))
        return google(&f, ev);
    if (f.upn.len || f.has_status || f.result_type.len)
        return entra(&f, ev);
    return MM_EPARSE;
}
