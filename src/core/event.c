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

void mm_jw_init(mm_jw *w, mm_buf *b)
{
    memset(w, 0, sizeof *w);
    w->b = b;
    w->first = true;
}

void mm_jw_raw(mm_jw *w, const char *p, size_t n)
{
    if (w->rc == MM_OK)
        w->rc = mm_buf_append(w->b, p, n);
}

static void jw_name(mm_jw *w, const char *key)
{
    if (!w->first)
        mm_jw_raw(w, ",", 1);
    w->first = false;
    mm_jw_raw(w, "\"", 1); /* keys are plain ASCII: no escaping */
    mm_jw_raw(w, key, strlen(key));
    mm_jw_raw(w, "\":", 2);
}

void mm_jw_flush(mm_jw *w)
{
    for (; w->open < w->depth; w->open++) {
        jw_name(w, w->pending[w->open]);
        mm_jw_raw(w, "{", 1);
        w->first = true;
    }
}

void mm_jw_key(mm_jw *w, const char *key)
{
    mm_jw_flush(w); /* the objects opened above this member */
    jw_name(w, key);
}

void mm_jw_open(mm_jw *w, const char *key)
{
    if (w->depth < sizeof w->pending / sizeof *w->pending)
        w->pending[w->depth++] = key;
    else
        w->rc = MM_ELIMIT;
}

void mm_jw_close(mm_jw *w)
{
    if (!w->depth)
        return;
    if (w->open == w->depth) { /* written: end it */
        mm_jw_raw(w, "}", 1);
        w->open--;
        w->first = false;
    }
    w->depth--;
}

void mm_jw_str(mm_jw *w, const char *key, const char *p, size_t n)
{
    mm_jw_key(w, key);
    if (w->rc == MM_OK)
        w->rc = mm_buf_json_str(w->b, p, n);
}

static void jw_name_of(mm_jw *w, const char *key, const char *name)
{
    mm_jw_str(w, key, name, strlen(name));
}

void mm_jw_uint(mm_jw *w, const char *key, uint64_t v)
{
    mm_jw_key(w, key);
    if (w->rc == MM_OK)
        w->rc = mm_buf_printf(w->b, "%llu", (unsigned long long)v);
}

static void jw_addr(mm_jw *w, const char *key, const mm_addr *a)
{
    char text[64];
    size_t n = mm_addr_format(a, text, sizeof text);
    if (n)
        mm_jw_str(w, key, text, n);
}

/* A text field through the hook, or as it is. */
static void jw_text(mm_jw *w, const mm_event_json_hooks *h, mm_ev_text f,
                    const char *key, mm_span s)
{
    if (!s.len)
        return;
    if (h->text)
        h->text(h->ud, w, f, key, s);
    else
        mm_jw_str(w, key, s.p, s.len);
}

/* An object holding one text field. */
static void jw_one_field(mm_jw *w, const mm_event_json_hooks *h,
                         const char *obj, mm_ev_text f, const char *key,
                         mm_span s)
{
    mm_jw_open(w, obj);
    jw_text(w, h, f, key, s);
    mm_jw_close(w);
}

static void jw_end(mm_jw *w, const mm_event_json_hooks *h, const char *obj)
{
    if (h->end)
        h->end(h->ud, w, obj);
}

static void json_endpoint(mm_jw *w, const mm_event_json_hooks *h,
                          const char *name, const mm_addr *ip, uint16_t port,
                          mm_span domain)
{
    if (h->endpoint) {
        h->endpoint(h->ud, w, name, ip, port, domain);
        return;
    }
    mm_jw_open(w, name);
    jw_addr(w, "ip", ip);
    if (port)
        mm_jw_uint(w, "port", port);
    if (domain.len)
        mm_jw_str(w, "domain", domain.p, domain.len);
    mm_jw_close(w);
}

static void json_http(mm_jw *w, const mm_event_json_hooks *h,
                      const mm_event *ev)
{
    bool body = ev->bytes && ev->category == MM_CAT_WEB;
    mm_jw_open(w, "http");
    mm_jw_open(w, "request");
    jw_text(w, h, MM_EVT_METHOD, "method", ev->method);
    jw_text(w, h, MM_EVT_REFERRER, "referrer", ev->referrer);
    mm_jw_close(w);
    mm_jw_open(w, "response");
    if (ev->status)
        mm_jw_uint(w, "status_code", ev->status);
    if (body) {
        mm_jw_open(w, "body");
        mm_jw_uint(w, "bytes", ev->bytes);
        mm_jw_close(w);
    }
    mm_jw_close(w);
    mm_jw_close(w);
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
    mm_jw wr, *w = &wr;
    mm_jw_init(w, out);
    w->first = !comma;
    mm_jw_open(w, "mamori");
    if (ev->auth_factors)
        mm_jw_uint(w, "auth_factors", ev->auth_factors);
    if (ev->count > 1)
        mm_jw_uint(w, "repeat", ev->count);
    if (ev->anomalies) {
        mm_jw_key(w, "anomalies");
        bool first = true;
        mm_jw_raw(w, "[", 1);
        for (unsigned i = 0; mm_anomaly_name(i); i++) {
            if (!(ev->anomalies & (1u << i)) || w->rc != MM_OK)
                continue;
            w->rc = mm_buf_printf(w->b, "%s\"%s\"", first ? "" : ",",
                                  mm_anomaly_name(i));
            first = false;
        }
        mm_jw_raw(w, "]", 1);
    }
    mm_jw_close(w);
    return w->rc;
}

/* The "mamori" member (mm_event_json_mamori), after what the writer holds
 * (its pending objects written first: none are open here). */
static void json_mamori(mm_jw *w, const mm_event *ev)
{
    bool wrote = false;
    if (w->rc == MM_OK)
        w->rc = mm_event_json_mamori(ev, !w->first, w->b, &wrote);
    if (wrote)
        w->first = false;
}

mm_rc mm_event_json_write(const mm_event *ev, mm_jw *w,
                          const mm_event_json_hooks *hooks)
{
    static const mm_event_json_hooks none;
    const mm_event_json_hooks *h = hooks ? hooks : &none;
    if (ev->ts_ms) {
        char ts[32];
        size_t n = mm_time_format(ev->ts_ms, ts, sizeof ts);
        mm_jw_str(w, "@timestamp", ts, n);
    }
    mm_jw_open(w, "event");
    jw_name_of(w, "dataset", mm_dataset_name(ev->dataset));
    if (ev->category)
        jw_name_of(w, "category", mm_category_name(ev->category));
    if (ev->action)
        jw_name_of(w, "action", mm_action_name(ev->action));
    jw_name_of(w, "outcome", mm_outcome_name(ev->outcome));
    if (ev->code) {
        char code[16];
        int n = snprintf(code, sizeof code, "%u", (unsigned)ev->code);
        mm_jw_str(w, "code", code, (size_t)n);
    }
    jw_end(w, h, "event");
    mm_jw_close(w);
    if (ev->service) {
        mm_jw_open(w, "service");
        jw_name_of(w, "type", mm_service_name(ev->service));
        mm_jw_close(w);
    }
    json_endpoint(w, h, "source", &ev->src, ev->src_port, ev->src_domain);
    json_endpoint(w, h, "destination", &ev->dst, ev->dst_port, ev->dst_domain);
    const char *transport = mm_transport_name(ev->ip_proto);
    bool web = ev->category == MM_CAT_WEB;
    mm_jw_open(w, "network");
    if (transport)
        jw_name_of(w, "transport", transport);
    if (ev->bytes && !web)
        mm_jw_uint(w, "bytes", ev->bytes);
    mm_jw_close(w);
    jw_one_field(w, h, "user", MM_EVT_USER, "name", ev->user);
    jw_one_field(w, h, "host", MM_EVT_HOST, "name", ev->host);
    mm_jw_open(w, "process");
    jw_text(w, h, MM_EVT_PROCESS, "name", ev->process);
    jw_text(w, h, MM_EVT_EXE, "executable", ev->executable);
    mm_jw_close(w);
    jw_one_field(w, h, "group", MM_EVT_GROUP, "name", ev->group);
    json_http(w, h, ev);
    mm_jw_open(w, "url");
    jw_text(w, h, MM_EVT_PATH, "path", ev->path);
    jw_text(w, h, MM_EVT_QUERY, "query", ev->query);
    mm_jw_close(w);
    jw_one_field(w, h, "user_agent", MM_EVT_UA, "original", ev->user_agent);
    json_mamori(w, ev);
    jw_text(w, h, MM_EVT_MESSAGE, "message", ev->message);
    jw_end(w, h, NULL);
    return w->rc;
}

mm_rc mm_event_json_members(const mm_event *ev, mm_buf *out)
{
    mm_jw w;
    mm_jw_init(&w, out);
    return mm_event_json_write(ev, &w, NULL);
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
