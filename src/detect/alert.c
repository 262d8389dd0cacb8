/* SPDX-License-Identifier: Apache-2.0 */
/* alert.c — an alert as one ECS-style JSON object (shape in docs/rules.md). */
#include "detect-int.h"

#include <stdio.h>
#include <string.h>

/* The alert is written through a sticky error: after the first failure
 * every write is skipped, and the caller checks w.rc once. */
typedef struct aw {
    mm_buf *b;
    mm_rc rc;
} aw;

static void aw_puts(aw *w, const char *s)
{
    if (w->rc == MM_OK)
        w->rc = mm_buf_puts(w->b, s);
}

static void aw_json(aw *w, const char *s, size_t n)
{
    if (w->rc == MM_OK)
        w->rc = mm_buf_json_str(w->b, s, n);
}

/* sep (",", "" …), then "key":"s" (NULL s: ""). */
static void aw_str(aw *w, const char *sep, const char *key, const char *s)
{
    aw_puts(w, sep);
    aw_json(w, key, strlen(key));
    aw_puts(w, ":");
    aw_json(w, s ? s : "", s ? strlen(s) : 0);
}

static void aw_time(aw *w, const char *sep, const char *key, int64_t ms)
{
    char t[32];
    mm_time_format(ms, t, sizeof t);
    aw_str(w, sep, key, t);
}

/* Writes head, then "a,b" as ["a","b"], then tail. The ids were checked
 * by the rule loader ([A-Z0-9.-] only), so they need no escaping. */
static void aw_ids(aw *w, const char *head, const char *ids, const char *tail)
{
    aw_puts(w, head);
    aw_puts(w, "[\"");
    for (const char *p = ids; w->rc == MM_OK && *p; p++)
        w->rc =
            *p == ',' ? mm_buf_puts(w->b, "\",\"") : mm_buf_append(w->b, p, 1);
    aw_puts(w, "\"]");
    aw_puts(w, tail);
}

static void aw_addr(aw *w, const char *name, const mm_addr *a)
{
    char s[64];
    mm_addr_format(a, s, sizeof s);
    if (w->rc == MM_OK)
        w->rc = mm_buf_printf(w->b, ",\"%s\":{", name);
    aw_str(w, "", "ip", s);
    aw_puts(w, "}");
}

/* threat.indicator from "value set" in alert->indicator. */
static void aw_indicator(aw *w, const mm_alert *a)
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
    aw_str(w, "\"indicator\":{", "type",
           !is_ip           ? "domain-name"
           : ka.family == 4 ? "ipv4-addr"
                            : "ipv6-addr");
    if (is_ip) {
        aw_str(w, ",", "ip", a->key);
    } else {
        aw_str(w, ",\"url\":{", "domain", a->key);
        aw_puts(w, "}");
    }
    aw_str(w, ",", "matched", val);
    aw_str(w, ",", "provider", set);
    aw_puts(w, "}");
}

/* threat: the rule's ATT&CK techniques and, for ioc rules, the indicator. */
static void aw_threat(aw *w, const mm_alert *a)
{
    aw_puts(w, ",\"threat\":{");
    if (a->techniques)
        aw_ids(w, "\"framework\":\"MITRE ATT&CK\",\"technique\":{\"id\":",
               a->techniques, "}");
    if (a->techniques && a->indicator[0])
        aw_puts(w, ",");
    if (a->indicator[0])
        aw_indicator(w, a);
    aw_puts(w, "}");
}

mm_rc mm_alert_to_json(const mm_alert *a, mm_buf *out)
{
    size_t start = out->len;
    aw w = {out, MM_OK};
    aw_time(&w, "{", "@timestamp", a->last_ms);
    if (w.rc == MM_OK)
        w.rc =
            mm_buf_printf(out,
                          ",\"event\":{\"kind\":\"alert\",\"id\":\"%016llx\","
                          "\"severity\":%d",
                          (unsigned long long)a->id, (int)a->severity);
    if (a->dataset != MM_DS_NONE)
        aw_str(&w, ",", "dataset", mm_dataset_name(a->dataset));
    aw_time(&w, ",", "start", a->first_ms);
    aw_time(&w, ",", "end", a->last_ms);
    aw_str(&w, "},\"rule\":{", "id", a->rule_id);
    aw_str(&w, ",", "name", a->title_en);
    aw_str(&w, ",", "name_ja", a->title_ja);
    if (a->category)
        aw_str(&w, ",", "category", a->category);
    aw_puts(&w, "}");
    if (a->vulnerabilities)
        aw_ids(&w, ",\"vulnerability\":{\"id\":", a->vulnerabilities, "}");
    if (a->src.family)
        aw_addr(&w, "source", &a->src);
    if (a->dst.family)
        aw_addr(&w, "destination", &a->dst);
    if (a->indicator[0] || a->techniques)
        aw_threat(&w, a);
    char msg[2048];
    snprintf(msg, sizeof msg, "%s / %s", a->title_ja ? a->title_ja : "",
             a->title_en ? a->title_en : "");
    aw_str(&w, ",", "message", msg);
    if (w.rc == MM_OK)
        w.rc = mm_buf_printf(
            out, ",\"mamori\":{\"count\":%llu,\"distinct\":%llu,",
            (unsigned long long)a->count, (unsigned long long)a->distinct);
    aw_str(&w, "", "key", a->key);
    aw_str(&w, ",", "severity", mm_severity_name(a->severity));
    if (w.rc == MM_OK)
        w.rc =
            mm_buf_printf(out, ",\"final\":%s,", a->final ? "true" : "false");
    aw_time(&w, "", "first_seen", a->first_ms);
    aw_time(&w, ",", "last_seen", a->last_ms);
    aw_str(&w, ",\"advice\":{", "ja", a->advice_ja);
    aw_str(&w, ",", "en", a->advice_en);
    aw_puts(&w, "},\"samples\":[");
    unsigned ns =
        a->n_samples < MM_ALERT_SAMPLES ? a->n_samples : MM_ALERT_SAMPLES;
    for (unsigned i = 0; i < ns; i++) {
        aw_puts(&w, i ? "," : "");
        aw_json(&w, a->samples[i],
                strnlen(a->samples[i], MM_ALERT_SAMPLE_MAX));
    }
    aw_puts(&w, "]}}");
    if (w.rc != MM_OK) {
        /* never leave half an object behind */
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
    }
    return w.rc;
}
