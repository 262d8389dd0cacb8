/* SPDX-License-Identifier: Apache-2.0 */
/* conf.c — the [uplink] configuration keys: one table row per key. */
#include "uplink.h"

#include <curl/curl.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void mm_uplink_conf_init(mm_uplink_conf *c)
{
    memset(c, 0, sizeof *c);
    c->spool_max_bytes = MM_SPOOL_MAX_DEFAULT;
    c->batch_max = MM_UPLINK_BATCH_DEFAULT;
    c->deid_mode = MM_DEID_HASH;
    c->feed = true;
    c->feed_wait_s = 30;
    c->backoff_cap_s = 30;
    c->status_interval_s = 60;
}

static mm_rc bad(mm_err *err, const char *key, const char *why,
                 const char *value)
{
    return mm_err_set(err, MM_EINVAL, "<config>", 0,
                      "[uplink] %s: %s ('%.80s')", key, why, value);
}

static mm_rc set_str(char *dst, size_t cap, const char *key, const char *value,
                     mm_err *err)
{
    size_t n = strlen(value);
    if (n >= cap)
        return bad(err, key, "value is too long", value);
    memcpy(dst, value, n + 1);
    return MM_OK;
}

static mm_rc parse_bool(const char *key, const char *v, bool *out, mm_err *err)
{
    if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
        !strcasecmp(v, "on") || !strcmp(v, "1")) {
        *out = true;
        return MM_OK;
    }
    if (!strcasecmp(v, "false") || !strcasecmp(v, "no") ||
        !strcasecmp(v, "off") || !strcmp(v, "0")) {
        *out = false;
        return MM_OK;
    }
    return bad(err, key, "expected true or false", v);
}

/* Unsigned number with an optional K/M/G suffix (powers of 1024). */
static mm_rc parse_size(const char *key, const char *v, uint64_t lo,
                        uint64_t hi, uint64_t *out, mm_err *err)
{
    if (*v < '0' || *v > '9')
        return bad(err, key, "expected a number", v);
    errno = 0;
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno)
        return bad(err, key, "number out of range", v);
    uint64_t mul = 1;
    if (*end == 'K' || *end == 'k')
        mul = 1024;
    else if (*end == 'M' || *end == 'm')
        mul = 1024 * 1024;
    else if (*end == 'G' || *end == 'g')
        mul = 1024ull * 1024 * 1024;
    if (mul != 1) {
        end++;
        if (*end == 'i')
            end++;
        if (*end == 'B' || *end == 'b')
            end++;
    }
    if (*end != '\0')
        return bad(err, key, "trailing characters after the number", v);
    if (n > hi / mul || n * mul < lo || n * mul > hi) {
        return mm_err_set(err, MM_EINVAL, "<config>", 0,
                          "[uplink] %s: %s is outside %llu..%llu", key, v,
                          (unsigned long long)lo, (unsigned long long)hi);
    }
    *out = n * mul;
    return MM_OK;
}

static mm_rc parse_events(const char *key, const char *v, uint32_t *out,
                          mm_err *err)
{
    uint32_t bits = 0;
    const char *p = v;
    if (!strcasecmp(v, "none") || *v == '\0') {
        *out = 0;
        return MM_OK;
    }
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        const char *s = p;
        while (*p && *p != ',' && *p != ' ' && *p != '\t')
            p++;
        if (p == s)
            break;
        mm_action a;
        if (!mm_action_from_name(s, (size_t)(p - s), &a) || a == MM_ACT_NONE ||
            a >= 32)
            return bad(err, key, "unknown event action (see docs/uplink.md)",
                       v);
        bits |= 1u << a;
    }
    *out = bits;
    return MM_OK;
}

#define TEXT_KEY(f)                                                           \
#f, offsetof(mm_uplink_conf, f), sizeof(((mm_uplink_conf *)0)->f)

/* The keys that hold text, each in the field of its name. */
static const struct {
    const char *key;
    size_t off, cap;
} text_keys[] = {
    {TEXT_KEY(hub_url)},       {TEXT_KEY(token)},
    {TEXT_KEY(token_file)},    {TEXT_KEY(ca_file)},
    {TEXT_KEY(spool_dir)},     {TEXT_KEY(state_dir)},
    {TEXT_KEY(tenant_secret)}, {TEXT_KEY(tenant_secret_file)},
    {TEXT_KEY(tenant)},
};

static mm_rc set_uint(const char *key, const char *v, uint64_t lo, uint64_t hi,
                      unsigned *out, mm_err *err)
{
    uint64_t n;
    mm_rc rc = parse_size(key, v, lo, hi, &n, err);
    if (rc == MM_OK)
        *out = (unsigned)n;
    return rc;
}

/* Appends to a repeatable key's list (*n of MM_DEID_RANGES_MAX slots of
 * `cap` bytes). */
static mm_rc add_str(char *slots, size_t cap, unsigned *n, const char *key,
                     const char *value, const char *full, mm_err *err)
{
    if (*n >= MM_DEID_RANGES_MAX)
        return bad(err, key, full, value);
    mm_rc rc = set_str(slots + *n * cap, cap, key, value, err);
    if (rc == MM_OK)
        (*n)++;
    return rc;
}

mm_rc mm_uplink_conf_set(mm_uplink_conf *c, const char *key, const char *value,
                         mm_err *err)
{
    for (size_t i = 0; i < sizeof text_keys / sizeof *text_keys; i++)
        if (!strcmp(key, text_keys[i].key))
            return set_str((char *)c + text_keys[i].off, text_keys[i].cap, key,
                           value, err);
    if (!strcmp(key, "spool_max_bytes"))
        return parse_size(key, value, 4096, 1ull << 40, &c->spool_max_bytes,
                          err);
    if (!strcmp(key, "batch_max"))
        return set_uint(key, value, 1, MM_UPLINK_BATCH_CEIL, &c->batch_max,
                        err);
    if (!strcmp(key, "feed_wait"))
        return set_uint(key, value, 1, 60, &c->feed_wait_s, err);
    if (!strcmp(key, "backoff_cap"))
        return set_uint(key, value, 1, 3600, &c->backoff_cap_s, err);
    if (!strcmp(key, "status_interval"))
        return set_uint(key, value, 0, 86400, &c->status_interval_s, err);
    if (!strcmp(key, "deid")) {
        if (!strcmp(value, "hash"))
            c->deid_mode = MM_DEID_HASH;
        else if (!strcmp(value, "drop"))
            c->deid_mode = MM_DEID_DROP;
        else
            return bad(err, key, "expected hash or drop", value);
        return MM_OK;
    }
    if (!strcmp(key, "send_raw"))
        return parse_bool(key, value, &c->send_raw, err);
    if (!strcmp(key, "feed"))
        return parse_bool(key, value, &c->feed, err);
    if (!strcmp(key, "send_events"))
        return parse_events(key, value, &c->send_events, err);
    if (!strcmp(key, "own_ranges") || !strcmp(key, "own_range"))
        return add_str(c->own_ranges[0], sizeof c->own_ranges[0],
                       &c->n_own_ranges, key, value, "too many ranges", err);
    if (!strcmp(key, "own_domains") || !strcmp(key, "own_domain"))
        return add_str(c->own_domains[0], sizeof c->own_domains[0],
                       &c->n_own_domains, key, value, "too many domains", err);
    return mm_err_set(err, MM_ENOTFOUND, "<config>", 0,
                      "[uplink] unknown key '%.80s'", key);
}

mm_rc mm_uplink_conf_check(const mm_uplink_conf *c, mm_err *err)
{
    if (c->hub_url[0] == '\0')
        return mm_err_set(err, MM_EINVAL, "<config>", 0,
                          "[uplink] hub_url is not set");
    CURLU *h = curl_url();
    if (!h)
        return MM_ENOMEM;
    char *scheme = NULL, *host = NULL;
    mm_rc rc = MM_OK;
    if (curl_url_set(h, CURLUPART_URL, c->hub_url, 0) != CURLUE_OK ||
        curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        rc = mm_err_set(err, MM_EINVAL, "<config>", 0,
                        "[uplink] hub_url '%.200s' is not a URL", c->hub_url);
    } else if (!strcmp(scheme, "http")) {
        if (strcmp(host, "127.0.0.1") != 0 && strcmp(host, "[::1]") != 0)
            rc = mm_err_set(err, MM_EINVAL, "<config>", 0,
                            "[uplink] hub_url '%.200s': plain http is allowed "
                            "only to 127.0.0.1 or [::1]; use https with "
                            "ca_file",
                            c->hub_url);
    } else if (strcmp(scheme, "https") != 0) {
        rc = mm_err_set(err, MM_EINVAL, "<config>", 0,
                        "[uplink] hub_url '%.200s': scheme must be https",
                        c->hub_url);
    }
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(h);
    if (rc != MM_OK)
        return rc;
    if (c->token[0] == '\0' && c->token_file[0] == '\0')
        return mm_err_set(err, MM_EINVAL, "<config>", 0,
                          "[uplink] token or token_file is required");
    if (c->spool_dir[0] == '\0')
        return mm_err_set(err, MM_EINVAL, "<config>", 0,
                          "[uplink] spool_dir is not set");
    if (c->deid_mode == MM_DEID_HASH && c->tenant_secret_file[0] == '\0' &&
        strlen(c->tenant_secret) < 16)
        return mm_err_set(err, MM_EINVAL, "<config>", 0,
                          "[uplink] deid = hash needs tenant_secret (16 "
                          "characters or more) or tenant_secret_file; or "
                          "set deid = drop");
    return MM_OK;
}
