/* SPDX-License-Identifier: Apache-2.0 */
/* event.c — names of event enums and the ECS JSON form of an event. */
#include "core.h"

#include <stdio.h>
#include <string.h>

static const char *const dataset_names[MM_DS_COUNT] = {
    [MM_DS_NONE] = "none",
    [MM_DS_SSHD] = "sshd",
    [MM_DS_WEB_ACCESS] = "web.access",
    [MM_DS_WEB_ERROR] = "web.error",
    [MM_DS_NETFILTER] = "netfilter",
    [MM_DS_FORTIGATE] = "fortigate",
    [MM_DS_KV] = "kv",
    [MM_DS_WINDOWS] = "windows",
    [MM_DS_PANOS] = "panos",
    [MM_DS_CISCO_ASA] = "cisco.asa",
    [MM_DS_SONICWALL] = "sonicwall",
    [MM_DS_PULSE] = "pulse_secure",
    [MM_DS_OPENVPN] = "openvpn",
    [MM_DS_YAMAHA] = "yamaha.rtx",
    [MM_DS_POSTFIX] = "postfix",
    [MM_DS_DOVECOT] = "dovecot",
    [MM_DS_EXCHANGE] = "exchange",
    [MM_DS_SAMBA] = "samba",
    [MM_DS_MSSQL] = "mssql",
    [MM_DS_M365] = "azure.signinlogs",
    [MM_DS_GWORKSPACE] = "google_workspace.login",
    [MM_DS_MAIL_OTHER] = "mail",
};

static const char *const service_names[MM_SVC_COUNT] = {
    [MM_SVC_NONE] = "none",       [MM_SVC_SSH] = "ssh",
    [MM_SVC_RDP] = "rdp",         [MM_SVC_VPN] = "vpn",
    [MM_SVC_MAIL] = "mail",       [MM_SVC_SMB] = "smb",
    [MM_SVC_CLOUD] = "cloud",     [MM_SVC_DB] = "db",
    [MM_SVC_WEB] = "web",         [MM_SVC_ADMIN] = "admin",
    [MM_SVC_WINDOWS] = "windows",
};

static const char *const category_names[MM_CAT_COUNT] = {
    [MM_CAT_NONE] = "none", [MM_CAT_AUTHENTICATION] = "authentication",
    [MM_CAT_WEB] = "web",   [MM_CAT_NETWORK] = "network",
    [MM_CAT_IAM] = "iam",   [MM_CAT_CONFIGURATION] = "configuration",
};

static const char *const action_names[MM_ACT_COUNT] = {
    [MM_ACT_NONE] = "none",
    [MM_ACT_AUTH_FAILURE] = "authentication_failure",
    [MM_ACT_INVALID_USER] = "invalid_user",
    [MM_ACT_AUTH_SUCCESS] = "authentication_success",
    [MM_ACT_NO_IDENT] = "no_identification",
    [MM_ACT_PREAUTH_CLOSE] = "preauth_disconnect",
    [MM_ACT_TOO_MANY_AUTH] = "too_many_authentication_failures",
    [MM_ACT_HTTP_REQUEST] = "http_request",
    [MM_ACT_HTTP_ERROR] = "http_error",
    [MM_ACT_FIREWALL_DENY] = "firewall_deny",
    [MM_ACT_FIREWALL_ALLOW] = "firewall_allow",
    [MM_ACT_FIREWALL_LOG] = "firewall_log",
    [MM_ACT_THREAT_DETECTED] = "threat_detected",
    [MM_ACT_THREAT_CRITICAL] = "threat_critical",
    [MM_ACT_ACCOUNT_LOCKED] = "account_locked",
    [MM_ACT_EXPLICIT_CRED] = "explicit_credential_logon",
    [MM_ACT_USER_CREATED] = "user_account_created",
    [MM_ACT_GROUP_MEMBER_ADDED] = "group_member_added",
    [MM_ACT_LOG_CLEARED] = "audit_log_cleared",
    [MM_ACT_SERVICE_INSTALLED] = "service_installed",
    [MM_ACT_TASK_CREATED] = "scheduled_task_created",
    [MM_ACT_SESSION_END] = "remote_session_ended",
};

static const char *const outcome_names[MM_OUT_COUNT] = {
    [MM_OUT_UNKNOWN] = "unknown",
    [MM_OUT_SUCCESS] = "success",
    [MM_OUT_FAILURE] = "failure",
};

#define NAME_OF(table, v, n) ((unsigned)(v) < (n) ? (table)[v] : "none")

const char *mm_dataset_name(mm_dataset d)
{
    return NAME_OF(dataset_names, d, MM_DS_COUNT);
}
const char *mm_category_name(mm_category c)
{
    return NAME_OF(category_names, c, MM_CAT_COUNT);
}
const char *mm_action_name(mm_action a)
{
    return NAME_OF(action_names, a, MM_ACT_COUNT);
}
const char *mm_outcome_name(mm_outcome o)
{
    return NAME_OF(outcome_names, o, MM_OUT_COUNT);
}
const char *mm_service_name(mm_service s)
{
    return NAME_OF(service_names, s, MM_SVC_COUNT);
}

/* The reverse lookups for rule files, one per names table. */
#define FROM_NAME(fn, type, table, count)                                     \
    bool fn(const char *name, size_t len, type *out)                          \
    {                                                                         \
        int v = mm_name_index(table, count, name, len);                       \
        if (v >= 0)                                                           \
            *out = (type)v;                                                   \
        return v >= 0;                                                        \
    }

FROM_NAME(mm_action_from_name, mm_action, action_names, MM_ACT_COUNT)
FROM_NAME(mm_dataset_from_name, mm_dataset, dataset_names, MM_DS_COUNT)
FROM_NAME(mm_category_from_name, mm_category, category_names, MM_CAT_COUNT)
FROM_NAME(mm_service_from_name, mm_service, service_names, MM_SVC_COUNT)

/* ---- JSON ----------------------------------------------------------------
 */

/* Writes `"key":` preceded by a comma unless it opens an object. */
typedef struct jw {
    mm_buf *b;
    bool first;
    mm_rc rc;
} jw;

static void jw_key(jw *w, const char *key)
{
    if (w->rc != MM_OK)
        return;
    if (!w->first)
        w->rc = mm_buf_append(w->b, ",", 1);
    w->first = false;
    if (w->rc == MM_OK)
        w->rc = mm_buf_printf(w->b, "\"%s\":", key);
}

static void jw_open(jw *w, const char *key)
{
    jw_key(w, key);
    if (w->rc == MM_OK)
        w->rc = mm_buf_append(w->b, "{", 1);
    w->first = true;
}

static void jw_close(jw *w)
{
    if (w->rc == MM_OK)
        w->rc = mm_buf_append(w->b, "}", 1);
    w->first = false;
}

static void jw_str(jw *w, const char *key, const char *p, size_t n)
{
    jw_key(w, key);
    if (w->rc == MM_OK)
        w->rc = mm_buf_json_str(w->b, p, n);
}

static void jw_span(jw *w, const char *key, mm_span s)
{
    if (s.len)
        jw_str(w, key, s.p, s.len);
}

static void jw_uint(jw *w, const char *key, uint64_t v)
{
    jw_key(w, key);
    if (w->rc == MM_OK)
        w->rc = mm_buf_printf(w->b, "%llu", (unsigned long long)v);
}

static void jw_addr(jw *w, const char *key, const mm_addr *a)
{
    char text[64];
    size_t n = mm_addr_format(a, text, sizeof text);
    if (n)
        jw_str(w, key, text, n);
}

static void json_endpoint(jw *w, const char *name, const mm_addr *ip,
                          uint16_t port, mm_span domain)
{
    if (!ip->family && !port && !domain.len)
        return;
    jw_open(w, name);
    jw_addr(w, "ip", ip);
    if (port)
        jw_uint(w, "port", port);
    jw_span(w, "domain", domain);
    jw_close(w);
}

static void json_one_field(jw *w, const char *obj, const char *key, mm_span s)
{
    if (!s.len)
        return;
    jw_open(w, obj);
    jw_span(w, key, s);
    jw_close(w);
}

static void json_http(jw *w, const mm_event *ev)
{
    bool body = ev->bytes && ev->category == MM_CAT_WEB;
    if (!ev->method.len && !ev->status && !ev->referrer.len && !body)
        return;
    jw_open(w, "http");
    if (ev->method.len || ev->referrer.len) {
        jw_open(w, "request");
        jw_span(w, "method", ev->method);
        jw_span(w, "referrer", ev->referrer);
        jw_close(w);
    }
    if (ev->status || body) {
        jw_open(w, "response");
        if (ev->status)
            jw_uint(w, "status_code", ev->status);
        if (body) {
            jw_open(w, "body");
            jw_uint(w, "bytes", ev->bytes);
            jw_close(w);
        }
        jw_close(w);
    }
    jw_close(w);
}

const char *mm_transport_name(uint8_t proto)
{
    switch (proto) {
    case 1: return "icmp";
    case 6: return "tcp";
    case 17: return "udp";
    case 58: return "ipv6-icmp";
    default: return NULL;
    }
}

const char *mm_anomaly_name(unsigned i)
{
    static const char *const names[] = {"truncated", "nul_byte",
                                        "invalid_utf8", "hostname"};
    return i < sizeof names / sizeof *names ? names[i] : NULL;
}

mm_rc mm_event_json_mamori(const mm_event *ev, bool comma, mm_buf *out,
                           bool *wrote)
{
    *wrote = false;
    if (ev->count <= 1 && !ev->anomalies && !ev->auth_factors)
        return MM_OK;
    *wrote = true;
    jw wr = {out, !comma, MM_OK}, *w = &wr;
    jw_open(w, "mamori");
    if (ev->auth_factors)
        jw_uint(w, "auth_factors", ev->auth_factors);
    if (ev->count > 1)
        jw_uint(w, "repeat", ev->count);
    if (ev->anomalies) {
        jw_key(w, "anomalies");
        bool first = true;
        if (w->rc == MM_OK)
            w->rc = mm_buf_append(w->b, "[", 1);
        for (unsigned i = 0; mm_anomaly_name(i); i++) {
            if (!(ev->anomalies & (1u << i)) || w->rc != MM_OK)
                continue;
            w->rc = mm_buf_printf(w->b, "%s\"%s\"", first ? "" : ",",
                                  mm_anomaly_name(i));
            first = false;
        }
        if (w->rc == MM_OK)
            w->rc = mm_buf_append(w->b, "]", 1);
    }
    jw_close(w);
    return w->rc;
}

/* The "mamori" member, shared with the de-identifier (mm_event_json_mamori).
 */
static void json_mamori(jw *w, const mm_event *ev)
{
    bool wrote = false;
    if (w->rc == MM_OK)
        w->rc = mm_event_json_mamori(ev, !w->first, w->b, &wrote);
    if (wrote)
        w->first = false;
}

mm_rc mm_event_json_members(const mm_event *ev, mm_buf *out)
{
    jw w = {out, true, MM_OK};
    if (ev->ts_ms) {
        char ts[32];
        size_t n = mm_time_format(ev->ts_ms, ts, sizeof ts);
        jw_str(&w, "@timestamp", ts, n);
    }
    jw_open(&w, "event");
    jw_str(&w, "dataset", mm_dataset_name(ev->dataset),
           strlen(mm_dataset_name(ev->dataset)));
    if (ev->category)
        jw_str(&w, "category", mm_category_name(ev->category),
               strlen(mm_category_name(ev->category)));
    if (ev->action)
        jw_str(&w, "action", mm_action_name(ev->action),
               strlen(mm_action_name(ev->action)));
    jw_str(&w, "outcome", mm_outcome_name(ev->outcome),
           strlen(mm_outcome_name(ev->outcome)));
    if (ev->code) {
        char code[16];
        int n = snprintf(code, sizeof code, "%u", (unsigned)ev->code);
        jw_str(&w, "code", code, (size_t)n);
    }
    jw_close(&w);
    if (ev->service) {
        jw_open(&w, "service");
        jw_str(&w, "type", mm_service_name(ev->service),
               strlen(mm_service_name(ev->service)));
        jw_close(&w);
    }
    json_endpoint(&w, "source", &ev->src, ev->src_port, ev->src_domain);
    json_endpoint(&w, "destination", &ev->dst, ev->dst_port, ev->dst_domain);
    const char *transport = mm_transport_name(ev->ip_proto);
    bool web = ev->category == MM_CAT_WEB;
    if (transport || (ev->bytes && !web)) {
        jw_open(&w, "network");
        if (transport)
            jw_str(&w, "transport", transport, strlen(transport));
        if (ev->bytes && !web)
            jw_uint(&w, "bytes", ev->bytes);
        jw_close(&w);
    }
    json_one_field(&w, "user", "name", ev->user);
    json_one_field(&w, "host", "name", ev->host);
    if (ev->process.len || ev->executable.len) {
        jw_open(&w, "process");
        jw_span(&w, "name", ev->process);
        jw_span(&w, "executable", ev->executable);
        jw_close(&w);
    }
    json_one_field(&w, "group", "name", ev->group);
    json_http(&w, ev);
    if (ev->path.len || ev->query.len) {
        jw_open(&w, "url");
        jw_span(&w, "path", ev->path);
        jw_span(&w, "query", ev->query);
        jw_close(&w);
    }
    json_one_field(&w, "user_agent", "original", ev->user_agent);
    json_mamori(&w, ev);
    jw_span(&w, "message", ev->message);
    return w.rc;
}

mm_rc mm_event_to_json(const mm_event *ev, mm_buf *out)
{
    mm_rc rc = mm_buf_append(out, "{", 1);
    if (rc == MM_OK)
        rc = mm_event_json_members(ev, out);
    if (rc == MM_OK)
        rc = mm_buf_append(out, "}", 1);
    return rc;
}
