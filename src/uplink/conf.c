/* SPDX-License-Identifier: Apache-2.0 */
/* conf.c — the [uplink] configuration keys: one table row per key. */
#include "uplink.h"

#include <curl/curl.h>
#include <errno.h>
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

mm_rc mm_uplink_conf_set(mm_uplink_conf *c, const char *key, const char *value,
                         mm_err *err)
{
    uint64_t n;
    mm_rc rc;
    if (!strcmp(key, "hub_url"))
        return set_str(c->hub_url, sizeof c->hub_url, key, value, err);
    if (!strcmp(key, "token"))
        return set_str(c->token, sizeof c->token, key, value, err);
    if (!strcmp(key, "token_file"))
        return set_str(c->token_file, sizeof c->token_file, key, value, err);
    if (!strcmp(key, "ca_file"))
        return set_str(c->ca_file, sizeof c->ca_file, key, value, err);
    if (!strcmp(key, "spool_dir"))
        return set_str(c->spool_dir, sizeof c->spool_dir, key, value, err);
    if (!strcmp(key, "state_dir"))
        return set_str(c->state_dir, sizeof c->state_dir, key, value, err);
    if (!strcmp(key, "tenant_secret"))
        return set_str(c->tenant_secret, sizeof c->tenant_secret, key, value,
                       err);
    if (!strcmp(key, "tenant_secret_file"))
        return set_str(c->tenant_secret_file, sizeof c->tenant_secret_file,
                       key, value, err);
    if (!strcmp(key, "spool_max_bytes")) {
        rc = parse_size(key, value, 4096, 1ull << 40, &n, err);
        if (rc == MM_OK)
            c->spool_max_bytes = n;
        return rc;
    }
    if (!strcmp(key, "batch_max")) {
        rc = parse_size(key, value, 1, MM_UPLINK_BATCH_CEIL, &n, err);
        if (rc == MM_OK)
            c->batch_max = (unsigned)n;
        return rc;
    }
    if (!strcmp(key, "feed_wait")) {
        rc = parse_size(key, value, 1, 60, &n, err);
        if (rc == MM_OK)
            c->feed_wait_s = (unsigned)n;
        return rc;
    }
    if (!strcmp(key, "backoff_cap")) {
        rc = parse_size(key, value, 1, 3600, &n, err);
        if (rc == MM_OK)
            c->backoff_cap_s = (unsigned)n;
        return rc;
    }
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
    if (!strcmp(key, "own_ranges") || !strcmp(key, "own_range")) {
        if (c->n_own_ranges >= MM_DEID_RANGES_MAX)
            return bad(err, key, "too many ranges", value);
        rc = set_str(c->own_ranges[c->n_own_ranges], sizeof c->own_ranges[0],
                     key, value, err);
        if (rc == MM_OK)
            c->n_own_ranges++;
        return rc;
    }
    if (!strcmp(key, "own_domains") || !strcmp(key, "own_domain")) {
        if (c->n_own_domains >= MM_DEID_RANGES_MAX)
            return bad(err, key, "too many domains", value);
        rc = set_str(c->own_domains[c->n_own_domains],
                     sizeof c->own_domains[0], key, value, err);
        if (rc == MM_OK)
            c->n_own_domains++;
        return rc;
    }
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
