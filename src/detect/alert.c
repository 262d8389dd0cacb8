/* SPDX-License-Identifier: Apache-2.0 */
/* alert.c — an alert as one ECS-style JSON object (shape in docs/rules.md). */
#include "detect-int.h"

#include <stdio.h>
#include <string.h>

static mm_rc key_str(mm_buf *b, const char *key, const char *s)
{
    mm_rc rc = mm_buf_json_str(b, key, strlen(key));
    if (rc == MM_OK)
        rc = mm_buf_puts(b, ":");
    if (rc == MM_OK)
        rc = mm_buf_json_str(b, s ? s : "", s ? strlen(s) : 0);
    return rc;
}

/* Writes head, then "a,b" as ["a","b"], then tail. The ids were checked
 * by the rule loader ([A-Z0-9.-] only), so they need no escaping. */
static mm_rc id_array(mm_buf *b, const char *head, const char *ids,
                      const char *tail)
{
    mm_rc rc = mm_buf_puts(b, head);
    if (rc == MM_OK)
        rc = mm_buf_puts(b, "[\"");
    for (const char *p = ids; rc == MM_OK && *p; p++)
        rc = *p == ',' ? mm_buf_puts(b, "\",\"") : mm_buf_append(b, p, 1);
    if (rc == MM_OK)
        rc = mm_buf_puts(b, "\"]");
    if (rc == MM_OK)
        rc = mm_buf_puts(b, tail);
    return rc;
}

static mm_rc time_str(mm_buf *b, const char *key, int64_t ms)
{
    char t[32];
    mm_time_format(ms, t, sizeof t);
    return key_str(b, key, t);
}

static mm_rc addr_obj(mm_buf *b, const char *name, const mm_addr *a)
{
    char s[64];
    mm_addr_format(a, s, sizeof s);
    mm_rc rc = mm_buf_printf(b, ",\"%s\":{", name);
    if (rc == MM_OK)
        rc = key_str(b, "ip", s);
    if (rc == MM_OK)
        rc = mm_buf_puts(b, "}");
    return rc;
}

/* threat.indicator from "value set" in alert->indicator. */
static mm_rc indicator_obj(mm_buf *b, const mm_alert *a)
{
    char val[256], set[256];
    const char *sp = strrchr(a->indicator, ' ');
    if (sp) {
        snprintf(val, sizeof val, "%.*s", (int)(sp - a->indicator),
                 a->indicator);
        snprintf(set, sizeof set, "%s", sp + 1);
    } else {
        snprintf(val, sizeof val, "%s", a->indicator);
        set[0] = '\0';
    }
    mm_addr ka;
    bool is_ip = mm_addr_parse(a->key, strlen(a->key), &ka) == MM_OK;
    mm_rc rc = mm_buf_puts(b, "\"indicator\":{");
    if (rc == MM_OK)
        rc = key_str(b, "type",
                     !is_ip           ? "domain-name"
                     : ka.family == 4 ? "ipv4-addr"
                                      : "ipv6-addr");
    if (rc == MM_OK)
        rc = mm_buf_puts(b, ",");
    if (rc == MM_OK && is_ip) {
        rc = key_str(b, "ip", a->key);
    } else if (rc == MM_OK) {
        rc = mm_buf_puts(b, "\"url\":{");
        if (rc == MM_OK)
            rc = key_str(b, "domain", a->key);
        if (rc == MM_OK)
            rc = mm_buf_puts(b, "}");
    }
    if (rc == MM_OK)
        rc = mm_buf_puts(b, ",");
    if (rc == MM_OK)
        rc = key_str(b, "matched", val);
    if (rc == MM_OK)
        rc = mm_buf_puts(b, ",");
    if (rc == MM_OK)
        rc = key_str(b, "provider", set);
    if (rc == MM_OK)
        rc = mm_buf_puts(b, "}");
    return rc;
}

/* threat: the rule's ATT&CK techniques and, for ioc rules, the indicator. */
static mm_rc threat_obj(mm_buf *b, const mm_alert *a)
{
    mm_rc rc = mm_buf_puts(b, ",\"threat\":{");
    if (rc == MM_OK && a->techniques)
        rc = id_array(b,
                      "\"framework\":\"MITRE ATT&CK\",\"technique\":{\"id\":",
                      a->techniques, "}");
    if (rc == MM_OK && a->techniques && a->indicator[0])
        rc = mm_buf_puts(b, ",");
    if (rc == MM_OK && a->indicator[0])
        rc = indicator_obj(b, a);
    if (rc == MM_OK)
        rc = mm_buf_puts(b, "}");
    return rc;
}

mm_rc mm_alert_to_json(const mm_alert *a, mm_buf *out)
{
    size_t start = out->len;
    mm_rc rc = mm_buf_puts(out, "{");
    if (rc == MM_OK)
        rc = time_str(out, "@timestamp", a->last_ms);
    if (rc == MM_OK)
        rc = mm_buf_printf(out,
                           ",\"event\":{\"kind\":\"alert\",\"id\":\"%016llx\","
                           "\"severity\":%d",
                           (unsigned long long)a->id, (int)a->severity);
    if (rc == MM_OK && a->dataset != MM_DS_NONE) {
        rc = mm_buf_puts(out, ",");
        if (rc == MM_OK)
            rc = key_str(out, "dataset", mm_dataset_name(a->dataset));
    }
    if (rc == MM_OK)
        rc = mm_buf_puts(out, ",");
    if (rc == MM_OK)
        rc = time_str(out, "start", a->first_ms);
    if (rc == MM_OK)
        rc = mm_buf_puts(out, ",");
    if (rc == MM_OK)
        rc = time_str(out, "end", a->last_ms);
    if (rc == MM_OK)
        rc = mm_buf_puts(out, "},\"rule\":{");
    if (rc == MM_OK)
        rc = key_str(out, "id", a->rule_id);
    if (rc == MM_OK)
        rc = mm_buf_puts(out, ",");
    if (rc == MM_OK)
        rc = key_str(out, "name", a->title_en);
    if (rc == MM_OK)
        rc = mm_buf_puts(out, ",");
    if (rc == MM_OK)
        rc = key_str(out, "name_ja", a->title_ja);
    if (rc == MM_OK && a->category) {
        rc = mm_buf_puts(out, ",");
        if (rc == MM_OK)
            rc = key_str(out, "category", a->category);
    }
    if (rc == MM_OK)
        rc = mm_buf_puts(out, "}");
    if (rc == MM_OK && a->vulnerabilities)
        rc = id_array(out, ",\"vulnerability\":{\"id\":", a->vulnerabilities,
                      "}");
    if (rc == MM_OK && a->src.family)
        rc = addr_obj(out, "source", &a->src);
    if (rc == MM_OK && a->dst.family)
        rc = addr_obj(out, "destination", &a->dst);
    if (rc == MM_OK && (a->indicator[0] || a->techniques))
        rc = threat_obj(out, a);
    if (rc == MM_OK) {
        char msg[2048];
        snprintf(msg, sizeof msg, "%s / %s", a->title_ja ? a->title_ja : "",
                 a->title_en ? a->title_en : "");
        rc = mm_buf_puts(out, ",");
        if (rc == MM_OK)
            rc = key_str(out, "message", msg);
    }
    if (rc == MM_OK)
        rc = mm_buf_printf(
            out, ",\"mamori\":{\"count\":%llu,\"distinct\":%llu,",
            (unsigned long long)a->count, (unsigned long long)a->distinct);
    if (rc == MM_OK)
        rc = key_str(out, "key", a->key);
    if (rc == MM_OK)
        rc = mm_buf_puts(out, ",");
    if (rc == MM_OK)
        rc = key_str(out, "severity", mm_severity_name(a->severity));
    if (rc == MM_OK)
        rc = mm_buf_printf(out, ",\"final\":%s,", a->final ? "true" : "false");
    if (rc == MM_OK)
        rc = time_str(out, "first_seen", a->first_ms);
    if (rc == MM_OK)
        rc = mm_buf_puts(out, ",");
    if (rc == MM_OK)
        rc = time_str(out, "last_seen", a->last_ms);
    if (rc == MM_OK)
        rc = mm_buf_puts(out, ",\"advice\":{");
    if (rc == MM_OK)
        rc = key_str(out, "ja", a->advice_ja);
    if (rc == MM_OK)
        rc = mm_buf_puts(out, ",");
    if (rc == MM_OK)
        rc = key_str(out, "en", a->advice_en);
    if (rc == MM_OK)
        rc = mm_buf_puts(out, "},\"samples\":[");
    unsigned ns =
        a->n_samples < MM_ALERT_SAMPLES ? a->n_samples : MM_ALERT_SAMPLES;
    for (unsigned i = 0; i < ns && rc == MM_OK; i++) {
        if (i)
            rc = mm_buf_puts(out, ",");
        if (rc == MM_OK)
            rc = mm_buf_json_str(out, a->samples[i],
                                 strnlen(a->samples[i], MM_ALERT_SAMPLE_MAX));
    }
    if (rc == MM_OK)
        rc = mm_buf_puts(out, "]}}");
    if (rc != MM_OK) {
        /* never leave half an object behind */
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
    }
    return rc;
}
