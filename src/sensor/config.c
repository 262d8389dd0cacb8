/* SPDX-License-Identifier: Apache-2.0 */
/* config.c — the sensor's INI config: every option is one table row. */
#include "sensor.h"
#include "block.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef enum opt_section {
    SEC_SENSOR,
    SEC_INPUT,
    SEC_SYSLOG,
    SEC_UPLINK, /* keys handled by mm_uplink_conf_set */
    SEC_ENTRA,  /* keys handled by mm_entra_conf_set */
    SEC_BLOCK   /* keys handled by mm_block_conf_set */
} opt_section;

typedef enum opt_type {
    T_PATH,     /* char[MM_SENSOR_PATH_MAX], absolute or relative */
    T_PATHLIST, /* repeatable path */
    T_CIDRLIST, /* repeatable address or CIDR */
    T_UINT,     /* unsigned, bounds min..max */
    T_SIZE,     /* uint64_t bytes; suffixes K, M, G */
    T_SIZE32,   /* same into an unsigned */
    T_INT,      /* int, bounds min..max */
    T_TZ,       /* "+09:00", "Z" → seconds east */
    T_LOGTYPE,  /* mm_logtype name */
    T_ENDPOINT, /* "host:port" or "port" */
    T_START,    /* "beginning" | "end" */
} opt_type;

typedef struct opt_def {
    opt_section section;
    const char *name;
    opt_type type;
    int64_t min, max;
    const char *def; /* default as text, NULL = empty / none */
    bool required;
    size_t off; /* offsetof into mm_sensor_config or mm_sensor_input */
} opt_def;

#define CFG(f) offsetof(mm_sensor_config, f)
#define INP(f) offsetof(mm_sensor_input, f)

/* Every option, once. docs/sensor.md is written from this table. */
static const opt_def opts[] = {
    {SEC_SENSOR, "state_dir", T_PATH, 0, 0, NULL, true, CFG(state_dir)},
    {SEC_SENSOR, "alerts", T_PATH, 0, 0, NULL, false, CFG(alerts)},
    {SEC_SENSOR, "alerts_max_bytes", T_SIZE, 4096, (int64_t)1 << 40,
     "10485760", false, CFG(alerts_max_bytes)},
    {SEC_SENSOR, "alerts_keep", T_UINT, 0, 100, "5", false, CFG(alerts_keep)},
    {SEC_SENSOR, "rules", T_PATH, 0, 0, NULL, false, CFG(rules)},
    {SEC_SENSOR, "ioc", T_PATHLIST, 0, MM_SENSOR_IOC_MAX, NULL, false,
     CFG(ioc)},
    {SEC_SENSOR, "allow", T_CIDRLIST, 0, MM_SENSOR_ALLOW_MAX, NULL, false,
     CFG(allow)},
    {SEC_SENSOR, "year", T_INT, 1970, 9999, NULL, false, CFG(year)},
    {SEC_SENSOR, "timezone", T_TZ, 0, 0, "Z", false, CFG(tz_offset_s)},
    {SEC_SENSOR, "state_interval", T_UINT, 1, 3600, "5", false,
     CFG(state_interval_s)},
    {SEC_SENSOR, "status_interval", T_UINT, 1, 3600, "5", false,
     CFG(status_interval_s)},
    {SEC_SENSOR, "rescan_ms", T_UINT, 50, 60000, "1000", false,
     CFG(rescan_ms)},
    {SEC_SENSOR, "start_at", T_START, 0, 0, "beginning", false,
     CFG(start_at_end)},
    {SEC_INPUT, "path", T_PATH, 0, 0, NULL, true, INP(path)},
    {SEC_INPUT, "type", T_LOGTYPE, 0, 0, "auto", false, INP(type)},
    {SEC_SYSLOG, "udp", T_ENDPOINT, 0, 0, NULL, false, CFG(syslog_udp)},
    {SEC_SYSLOG, "tcp", T_ENDPOINT, 0, 0, NULL, false, CFG(syslog_tcp)},
    {SEC_SYSLOG, "type", T_LOGTYPE, 0, 0, "syslog", false, CFG(syslog_type)},
    {SEC_SYSLOG, "max_message", T_SIZE32, 480, MM_SYSLOG_MSG_MAX, "65536",
     false, CFG(syslog_max_message)},
    {SEC_SYSLOG, "max_connections", T_UINT, 1, 4096, "64", false,
     CFG(syslog_max_connections)},
    {SEC_SYSLOG, "max_connections_per_ip", T_UINT, 1, 4096, "16", false,
     CFG(syslog_max_per_ip)},
    {SEC_SYSLOG, "idle_timeout", T_UINT, 1, 86400, "60", false,
     CFG(syslog_idle_s)},
};
#define N_OPTS (sizeof opts / sizeof opts[0])

static const char *const section_names[] = {"sensor", "input", "syslog",
                                            "uplink", "entra", "block"};
#define N_SECTIONS 6

typedef struct load_ctx {
    mm_sensor_config *cfg;
    int section;            /* -1 before the first header */
    mm_sensor_input *input; /* current [input] */
    bool seen_section[N_SECTIONS];
    unsigned section_line[N_SECTIONS];
    /* [uplink] keys already given (own_ranges/own_domains may repeat) */
    unsigned n_uplink_keys;
    char uplink_keys[32][MM_CONF_NAME_MAX];
    /* which options were set in the current section (by table index) */
    bool set[N_OPTS];
} load_ctx;

static bool parse_u64(const char *v, uint64_t *out)
{
    if (!*v || *v < '0' || *v > '9')
        return false;
    errno = 0;
    char *end;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || *end)
        return false;
    *out = x;
    return true;
}

/* Bytes with an optional K, M or G suffix (powers of 1024). */
static bool parse_size(const char *v, uint64_t *out)
{
    char num[32];
    size_t n = strlen(v);
    if (n == 0 || n >= sizeof num)
        return false;
    uint64_t mul = 1;
    char last = v[n - 1];
    if (last == 'K' || last == 'k')
        mul = 1024;
    else if (last == 'M' || last == 'm')
        mul = 1024 * 1024;
    else if (last == 'G' || last == 'g')
        mul = 1024 * 1024 * 1024;
    memcpy(num, v, n);
    num[mul > 1 ? n - 1 : n] = '\0';
    uint64_t x;
    if (!parse_u64(num, &x) || x > UINT64_MAX / mul)
        return false;
    *out = x * mul;
    return true;
}

mm_rc mm_sensor_parse_endpoint(const char *s, mm_addr *host, uint16_t *port)
{
    const char *ps;
    size_t hlen;
    const char *h = s;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return MM_EPARSE;
        h = s + 1;
        hlen = (size_t)(close - h);
        ps = close + 2;
    } else {
        const char *colon = strrchr(s, ':');
        if (colon) {
            if (strchr(s, ':') != colon)
                return MM_EPARSE; /* bare IPv6 needs brackets */
            hlen = (size_t)(colon - s);
            ps = colon + 1;
        } else {
            h = "127.0.0.1";
            hlen = 9;
            ps = s;
        }
    }
    uint64_t p;
    if (!parse_u64(ps, &p) || p > 65535)
        return MM_EPARSE;
    if (mm_addr_parse(h, hlen, host) != MM_OK)
        return MM_EPARSE;
    *port = (uint16_t)p;
    return MM_OK;
}

/* Applies one value through the option's type; `base` is the config or the
 * current input. Errors name file:line. */
static mm_rc opt_set(const opt_def *o, void *base, const char *v,
                     const char *file, unsigned line, mm_err *err)
{
    char *field = (char *)base + o->off;
    switch (o->type) {
    case T_PATH:
        if (!*v)
            return mm_err_set(err, MM_EINVAL, file, line, "%s: empty path",
                              o->name);
        if (strlen(v) >= MM_SENSOR_PATH_MAX)
            return mm_err_set(err, MM_EINVAL, file, line,
                              "%s: path longer than %u bytes", o->name,
                              MM_SENSOR_PATH_MAX - 1);
        snprintf(field, MM_SENSOR_PATH_MAX, "%s", v);
        return MM_OK;
    case T_PATHLIST: {
        mm_sensor_config *cfg = base;
        if (cfg->n_ioc >= MM_SENSOR_IOC_MAX)
            return mm_err_set(err, MM_ELIMIT, file, line,
                              "%s: more than %u entries", o->name,
                              MM_SENSOR_IOC_MAX);
        if (!*v || strlen(v) >= MM_SENSOR_PATH_MAX)
            return mm_err_set(err, MM_EINVAL, file, line,
                              "%s: empty or too long path", o->name);
        snprintf(cfg->ioc[cfg->n_ioc++], MM_SENSOR_PATH_MAX, "%s", v);
        return MM_OK;
    }
    case T_CIDRLIST: {
        mm_sensor_config *cfg = base;
        if (cfg->n_allow >= MM_SENSOR_ALLOW_MAX)
            return mm_err_set(err, MM_ELIMIT, file, line,
                              "%s: more than %u entries", o->name,
                              MM_SENSOR_ALLOW_MAX);
        mm_cidr c;
        if (strlen(v) >= sizeof cfg->allow[0] ||
            mm_cidr_parse(v, strlen(v), &c) != MM_OK)
            return mm_err_set(err, MM_EINVAL, file, line,
                              "%s: '%s' is not an address or CIDR", o->name,
                              v);
        snprintf(cfg->allow[cfg->n_allow++], sizeof cfg->allow[0], "%s", v);
        return MM_OK;
    }
    case T_UINT:
    case T_INT:
    case T_SIZE:
    case T_SIZE32: {
        uint64_t x;
        bool sized = o->type == T_SIZE || o->type == T_SIZE32;
        bool good = sized ? parse_size(v, &x) : parse_u64(v, &x);
        if (!good)
            return mm_err_set(err, MM_EINVAL, file, line,
                              "%s: '%s' is not a number%s", o->name, v,
                              sized ? " (bytes, or with K, M, G)" : "");
        if (x < (uint64_t)o->min || x > (uint64_t)o->max)
            return mm_err_set(err, MM_EINVAL, file, line,
                              "%s: %s is out of range %lld..%lld", o->name, v,
                              (long long)o->min, (long long)o->max);
        if (o->type == T_SIZE)
            *(uint64_t *)(void *)field = x;
        else if (o->type == T_INT)
            *(int *)(void *)field = (int)x;
        else
            *(unsigned *)(void *)field = (unsigned)x;
        return MM_OK;
    }
    case T_TZ:
        if (mm_time_parse_offset(v, strlen(v), (int *)(void *)field) != MM_OK)
            return mm_err_set(err, MM_EINVAL, file, line,
                              "%s: '%s' is not an offset like +09:00 or Z",
                              o->name, v);
        return MM_OK;
    case T_LOGTYPE:
        if (!mm_logtype_from_name(v, (mm_logtype *)(void *)field))
            return mm_err_set(err, MM_EINVAL, file, line,
                              "%s: unknown log type '%s' (auto, syslog, "
                              "sshd, web-access, web-error, netfilter, "
                              "fortigate, kv)",
                              o->name, v);
        return MM_OK;
    case T_ENDPOINT: {
        mm_addr a;
        uint16_t port;
        if (strlen(v) >= 128 ||
            mm_sensor_parse_endpoint(v, &a, &port) != MM_OK)
            return mm_err_set(err, MM_EINVAL, file, line,
                              "%s: '%s' is not host:port, [v6]:port or port",
                              o->name, v);
        snprintf(field, 128, "%s", v);
        return MM_OK;
    }
    case T_START:
        if (strcmp(v, "beginning") == 0)
            *(bool *)(void *)field = false;
        else if (strcmp(v, "end") == 0)
            *(bool *)(void *)field = true;
        else
            return mm_err_set(err, MM_EINVAL, file, line,
                              "%s: '%s' must be 'beginning' or 'end'", o->name,
                              v);
        return MM_OK;
    }
    return mm_err_set(err, MM_EINTERNAL, file, line, "bad option type");
}

static void *section_base(load_ctx *c, opt_section s)
{
    return s == SEC_INPUT ? (void *)c->input : (void *)c->cfg;
}

/* Applies defaults and checks required options of the section just ended. */
static mm_rc section_close(load_ctx *c, const char *file, mm_err *err)
{
    if (c->section < 0)
        return MM_OK;
    for (size_t i = 0; i < N_OPTS; i++) {
        const opt_def *o = &opts[i];
        if ((int)o->section != c->section || c->set[i])
            continue;
        if (o->required)
            return mm_err_set(
                err, MM_EINVAL, file, c->section_line[c->section],
                "[%s%s%s] needs '%s'", section_names[c->section],
                c->section == SEC_INPUT ? " " : "",
                c->section == SEC_INPUT ? c->input->name : "", o->name);
        if (o->def) {
            mm_rc rc = opt_set(o, section_base(c, o->section), o->def, file,
                               c->section_line[c->section], err);
            if (rc != MM_OK)
                return rc;
        }
    }
    memset(c->set, 0, sizeof c->set);
    return MM_OK;
}

static bool valid_source_name(const char *s)
{
    return mm_name_valid(s, strlen(s), MM_CONF_NAME_MAX - 1);
}

static mm_rc on_header(load_ctx *c, const mm_conf_item *it, mm_err *err)
{
    mm_rc rc = section_close(c, it->file, err);
    if (rc != MM_OK)
        return rc;
    int s = -1;
    for (int i = 0; i < N_SECTIONS; i++)
        if (strcmp(it->section, section_names[i]) == 0)
            s = i;
    if (s < 0)
        return mm_err_set(err, MM_EINVAL, it->file, it->line,
                          "unknown section [%s] (sensor, input NAME, syslog, "
                          "uplink)",
                          it->section);
    if (s == SEC_UPLINK && !c->seen_section[SEC_UPLINK]) {
        mm_uplink_conf_init(&c->cfg->uplink);
        c->cfg->uplink_on = true;
        c->cfg->uplink_line = it->line;
    }
    if (s == SEC_ENTRA && !c->cfg->entra) {
        c->cfg->entra = malloc(sizeof *c->cfg->entra);
        if (!c->cfg->entra)
            return mm_err_set(err, MM_ENOMEM, it->file, it->line,
                              "out of memory");
        mm_entra_conf_defaults(c->cfg->entra);
        c->cfg->entra_on = true;
        c->cfg->entra_line = it->line;
    }
    if (s == SEC_BLOCK && !c->cfg->block) {
        c->cfg->block = malloc(sizeof *c->cfg->block);
        if (!c->cfg->block)
            return mm_err_set(err, MM_ENOMEM, it->file, it->line,
                              "out of memory");
        mm_block_conf_init(c->cfg->block);
        c->cfg->block_on = true;
        c->cfg->block_line = it->line;
    }
    if (s == SEC_INPUT) {
        if (!valid_source_name(it->label))
            return mm_err_set(err, MM_EINVAL, it->file, it->line,
                              "[input NAME] needs a name of letters, digits, "
                              "'_', '-', '.'");
        if (strncmp(it->label, "syslog-", 7) == 0)
            return mm_err_set(err, MM_EINVAL, it->file, it->line,
                              "input name '%s': names starting with "
                              "'syslog-' are reserved",
                              it->label);
        for (unsigned i = 0; i < c->cfg->n_inputs; i++)
            if (strcmp(c->cfg->inputs[i].name, it->label) == 0)
                return mm_err_set(err, MM_EINVAL, it->file, it->line,
                                  "[input %s] given twice (first at line "
                                  "%u)",
                                  it->label, c->cfg->inputs[i].line);
        if (c->cfg->n_inputs >= MM_SENSOR_INPUTS_MAX)
            return mm_err_set(err, MM_ELIMIT, it->file, it->line,
                              "more than %u [input] sections",
                              MM_SENSOR_INPUTS_MAX);
        c->input = &c->cfg->inputs[c->cfg->n_inputs++];
        snprintf(c->input->name, sizeof c->input->name, "%s", it->label);
        c->input->line = it->line;
    } else {
        if (it->label[0])
            return mm_err_set(err, MM_EINVAL, it->file, it->line,
                              "[%s] takes no name", it->section);
        if (c->seen_section[s])
            return mm_err_set(err, MM_EINVAL, it->file, it->line,
                              "[%s] given twice (first at line %u)",
                              it->section, c->section_line[s]);
    }
    c->seen_section[s] = true;
    c->section_line[s] = it->line;
    c->section = s;
    return MM_OK;
}

/* One [uplink] key: the uplink module owns the keys and their checks; the
 * error is placed at this file and line. */
static mm_rc uplink_item(load_ctx *c, const mm_conf_item *it, mm_err *err)
{
    bool repeatable =
        !strcmp(it->key, "own_ranges") || !strcmp(it->key, "own_range") ||
        !strcmp(it->key, "own_domains") || !strcmp(it->key, "own_domain");
    if (!repeatable) {
        for (unsigned i = 0; i < c->n_uplink_keys; i++)
            if (!strcmp(c->uplink_keys[i], it->key))
                return mm_err_set(err, MM_EINVAL, it->file, it->line,
                                  "'%s' given twice in [uplink]", it->key);
        if (c->n_uplink_keys < 32)
            snprintf(c->uplink_keys[c->n_uplink_keys++], MM_CONF_NAME_MAX,
                     "%s", it->key);
    }
    mm_err e;
    mm_rc rc = mm_uplink_conf_set(&c->cfg->uplink, it->key, it->value, &e);
    if (rc == MM_ENOTFOUND)
        return mm_err_set(err, MM_EINVAL, it->file, it->line,
                          "unknown key '%s' in [uplink] (docs/uplink.md)",
                          it->key);
    if (rc != MM_OK)
        return mm_err_set(err, rc, it->file, it->line, "%s", e.msg);
    return MM_OK;
}

static mm_rc on_item(const mm_conf_item *it, void *ud, mm_err *err)
{
    load_ctx *c = ud;
    if (!it->key)
        return on_header(c, it, err);
    if (c->section == SEC_UPLINK)
        return uplink_item(c, it, err);
    if (c->section == SEC_ENTRA) {
        mm_err e;
        mm_rc rc = mm_entra_conf_set(c->cfg->entra, it->key, it->value, &e);
        if (rc == MM_ENOTFOUND)
            return mm_err_set(err, MM_EINVAL, it->file, it->line,
                              "unknown key '%s' in [entra]", it->key);
        return rc == MM_OK
                   ? MM_OK
                   : mm_err_set(err, rc, it->file, it->line, "%s", e.msg);
    }
    if (c->section == SEC_BLOCK) {
        mm_err e;
        mm_rc rc = mm_block_conf_set(c->cfg->block, it->key, it->value, &e);
        if (rc == MM_ENOTFOUND)
            return mm_err_set(err, MM_EINVAL, it->file, it->line,
                              "unknown key '%s' in [block] (docs/block.md)",
                              it->key);
        return rc == MM_OK
                   ? MM_OK
                   : mm_err_set(err, rc, it->file, it->line, "%s", e.msg);
    }
    for (size_t i = 0; i < N_OPTS; i++) {
        const opt_def *o = &opts[i];
        if ((int)o->section != c->section || strcmp(o->name, it->key) != 0)
            continue;
        bool list = o->type == T_PATHLIST || o->type == T_CIDRLIST;
        if (c->set[i] && !list)
            return mm_err_set(err, MM_EINVAL, it->file, it->line,
                              "'%s' given twice in [%s]", it->key,
                              section_names[c->section]);
        c->set[i] = true;
        return opt_set(o, section_base(c, o->section), it->value, it->file,
                       it->line, err);
    }
    return mm_err_set(err, MM_EINVAL, it->file, it->line,
                      "unknown key '%s' in [%s]", it->key,
                      section_names[c->section]);
}

/* Defaults of [uplink] that depend on [sensor], then the uplink's checks. */
static mm_rc uplink_finish(mm_sensor_config *cfg, const char *file,
                           mm_err *err)
{
    mm_uplink_conf *u = &cfg->uplink;
    if (!u->spool_dir[0] &&
        snprintf(u->spool_dir, sizeof u->spool_dir, "%s/spool",
                 cfg->state_dir) >= (int)sizeof u->spool_dir)
        return mm_err_set(err, MM_EINVAL, file, cfg->uplink_line,
                          "state_dir too long for the spool");
    if (!u->state_dir[0])
        snprintf(u->state_dir, sizeof u->state_dir, "%s", cfg->state_dir);
    mm_err e;
    if (mm_uplink_conf_check(u, &e) != MM_OK)
        return mm_err_set(err, MM_EINVAL, file, cfg->uplink_line, "%s", e.msg);
    if (u->feed && snprintf(cfg->feed_ioc, sizeof cfg->feed_ioc, "%s/feed.txt",
                            u->state_dir) >= (int)sizeof cfg->feed_ioc)
        return mm_err_set(err, MM_EINVAL, file, cfg->uplink_line,
                          "[uplink] state_dir too long");
    return MM_OK;
}

/* [entra]: output and cursor default into state_dir; the output becomes
 * input "entra" of type cloud. */
static mm_rc entra_finish(mm_sensor_config *cfg, const char *file, mm_err *err)
{
    mm_entra_conf *e = cfg->entra;
    if (!e->output[0] &&
        snprintf(e->output, sizeof e->output, "%s/entra-signins.ndjson",
                 cfg->state_dir) >= (int)sizeof e->output)
        return mm_err_set(err, MM_EINVAL, file, cfg->entra_line,
                          "state_dir too long");
    if (!e->cursor[0] &&
        snprintf(e->cursor, sizeof e->cursor, "%s/entra-cursor.json",
                 cfg->state_dir) >= (int)sizeof e->cursor)
        return mm_err_set(err, MM_EINVAL, file, cfg->entra_line,
                          "state_dir too long");
    mm_err e2;
    if (mm_entra_conf_check(e, &e2) != MM_OK)
        return mm_err_set(err, MM_EINVAL, file, cfg->entra_line, "%s", e2.msg);
    for (unsigned i = 0; i < cfg->n_inputs; i++)
        if (!strcmp(cfg->inputs[i].name, "entra"))
            return mm_err_set(err, MM_EINVAL, file, cfg->inputs[i].line,
                              "input name 'entra' is taken by [entra]");
    if (cfg->n_inputs >= MM_SENSOR_INPUTS_MAX)
        return mm_err_set(err, MM_ELIMIT, file, cfg->entra_line,
                          "more than %u inputs", MM_SENSOR_INPUTS_MAX);
    mm_sensor_input *in = &cfg->inputs[cfg->n_inputs++];
    snprintf(in->name, sizeof in->name, "entra");
    snprintf(in->path, sizeof in->path, "%s", e->output);
    in->type = MM_LOG_CLOUD;
    in->line = cfg->entra_line;
    return MM_OK;
}

static mm_rc config_finish(load_ctx *c, const char *file, mm_err *err)
{
    mm_rc rc = section_close(c, file, err);
    if (rc != MM_OK)
        return rc;
    mm_sensor_config *cfg = c->cfg;
    if (!c->seen_section[SEC_SENSOR])
        return mm_err_set(err, MM_EINVAL, file, 0,
                          "missing section [sensor] (state_dir is "
                          "required)");
    if (cfg->entra_on) {
        rc = entra_finish(cfg, file, err);
        if (rc != MM_OK)
            return rc;
    }
    if (cfg->n_inputs == 0 && !cfg->syslog_udp[0] && !cfg->syslog_tcp[0])
        return mm_err_set(err, MM_EINVAL, file, 0,
                          "nothing to watch: add an [input NAME] section or "
                          "a [syslog] udp/tcp listener");
    if (!c->seen_section[SEC_SYSLOG]) {
        cfg->syslog_type = MM_LOG_SYSLOG;
        cfg->syslog_max_message = MM_SYSLOG_MSG_MAX;
        cfg->syslog_max_connections = 64;
        cfg->syslog_max_per_ip = 16;
        cfg->syslog_idle_s = 60;
    }
    if (!cfg->alerts[0]) {
        if (strlen(cfg->state_dir) + sizeof "/alerts.json" >
            MM_SENSOR_PATH_MAX)
            return mm_err_set(err, MM_EINVAL, file, c->section_line[0],
                              "state_dir too long");
        snprintf(cfg->alerts, sizeof cfg->alerts, "%.*s/alerts.json",
                 (int)(sizeof cfg->alerts - sizeof "/alerts.json"),
                 cfg->state_dir);
    }
    if (cfg->uplink_on) {
        rc = uplink_finish(cfg, file, err);
        if (rc != MM_OK)
            return rc;
    }
    for (unsigned i = 0; i < cfg->n_inputs; i++) {
        if (strcmp(cfg->inputs[i].path, cfg->alerts) == 0)
            return mm_err_set(err, MM_EINVAL, file, cfg->inputs[i].line,
                              "[input %s] reads the alerts file itself",
                              cfg->inputs[i].name);
        for (unsigned j = 0; j < i; j++)
            if (strcmp(cfg->inputs[i].path, cfg->inputs[j].path) == 0)
                return mm_err_set(err, MM_EINVAL, file, cfg->inputs[i].line,
                                  "[input %s] follows the same path as "
                                  "[input %s]",
                                  cfg->inputs[i].name, cfg->inputs[j].name);
    }
    return MM_OK;
}

/* The config in `text` (len bytes), or in the file `name` when text is
 * NULL (mm_conf_parse_file: at most MM_CONF_MAX_BYTES). */
static mm_rc config_read(const char *name, const char *text, size_t len,
                         mm_sensor_config **out, mm_err *err)
{
    *out = NULL;
    mm_sensor_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg)
        return mm_err_set(err, MM_ENOMEM, name, 0, "out of memory");
    snprintf(cfg->file, sizeof cfg->file, "%s", name);
    /* Defaults of [sensor] are applied when the section closes; year 0 means
     * "this year" to the parser. */
    load_ctx c;
    memset(&c, 0, sizeof c);
    c.cfg = cfg;
    c.section = -1;
    mm_rc rc = text ? mm_conf_parse(name, text, len, on_item, &c, err)
                    : mm_conf_parse_file(name, on_item, &c, err);
    if (rc == MM_OK)
        rc = config_finish(&c, name, err);
    if (rc != MM_OK) {
        mm_sensor_config_free(cfg);
        return rc;
    }
    *out = cfg;
    return MM_OK;
}

mm_rc mm_sensor_config_parse(const char *name, const char *text, size_t len,
                             mm_sensor_config **out, mm_err *err)
{
    return config_read(name, text ? text : "", text ? len : 0, out, err);
}

mm_rc mm_sensor_config_load(const char *path, mm_sensor_config **out,
                            mm_err *err)
{
    return config_read(path, NULL, 0, out, err);
}

void mm_sensor_config_free(mm_sensor_config *cfg)
{
    if (cfg) {
        free(cfg->entra);
        free(cfg->block);
    }
    free(cfg);
}

mm_rc mm_sensor_ruleset_build(const mm_sensor_config *cfg, mm_ruleset **out,
                              mm_err *err)
{
    *out = NULL;
    mm_ruleset *rs;
    mm_rc rc = mm_ruleset_new(&rs);
    if (rc != MM_OK)
        return mm_err_set(err, rc, cfg->file, 0, "cannot create ruleset");
    if (!cfg->rules[0]) {
        rc = mm_ruleset_add_default_rules(rs, err);
    } else {
        struct stat sb;
        if (stat(cfg->rules, &sb) != 0) {
            rc = mm_err_set(err, MM_ENOTFOUND, cfg->rules, 0, "rules: %s",
                            strerror(errno));
        } else if (S_ISDIR(sb.st_mode)) {
            rc = mm_ruleset_add_rules_dir(rs, cfg->rules, err);
        } else {
            char *text;
            size_t len;
            rc = mm_file_read(cfg->rules, 16u * 1024u * 1024u, &text, &len,
                              err);
            if (rc == MM_OK)
                rc = mm_ruleset_add_rules(rs, cfg->rules, text, len, err);
            free(text);
        }
    }
    for (unsigned i = 0; rc == MM_OK && i < cfg->n_ioc; i++)
        rc = mm_ruleset_add_ioc_file(rs, cfg->ioc[i], err);
    /* The hub's shared feed, once the uplink has written it. */
    struct stat fsb;
    if (rc == MM_OK && cfg->feed_ioc[0] && stat(cfg->feed_ioc, &fsb) == 0)
        rc = mm_ruleset_add_ioc_file(rs, cfg->feed_ioc, err);
    /* … and the hub's state-backed indicators next to it (ioc.state). */
    char sioc[MM_SENSOR_PATH_MAX + 16];
    if (rc == MM_OK && cfg->feed_ioc[0] &&
        snprintf(sioc, sizeof sioc, "%.*s-state.txt",
                 (int)strlen(cfg->feed_ioc) - 4, cfg->feed_ioc) > 0 &&
        stat(sioc, &fsb) == 0)
        rc = mm_ruleset_add_ioc_file(rs, sioc, err);
    for (unsigned i = 0; rc == MM_OK && i < cfg->n_allow; i++)
        rc = mm_ruleset_add_allow(rs, cfg->allow[i], err);
    if (rc == MM_OK)
        rc = mm_ruleset_compile(rs, err);
    if (rc == MM_OK)
        *out = rs;
    else
        mm_ruleset_free(rs);
    return rc;
}
