/* SPDX-License-Identifier: Apache-2.0 */
/* conf.c — DIR/hub.conf: "key = value" lines, '#' comments. Every option is
 * one table row: its bounds, its default and, for a number, the field it
 * sets. */
#include "hub-int.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum opt_type {
    OPT_UINT,
    OPT_DOUBLE,
    OPT_BOOL,
    OPT_STR,
    OPT_LISTEN,
    OPT_ALLOW
} opt_type;

typedef struct opt {
    const char *name;
    opt_type type;
    double min, max; /* bounds for numbers */
    const char *help;
    const char
        *def; /* the default, as written to a new hub.conf (NULL: none) */
    const char *note; /* comment line written before it in a new hub.conf */
    size_t off;       /* numbers: where the value goes in the conf */
    int64_t unit_ms;  /* numbers kept as milliseconds: ms per unit */
} opt;

/* Where a number option goes in mm_hub_server_conf. */
#define AT(member) offsetof(mm_hub_server_conf, member)

/* The one table of options and defaults: the server's defaults, the engine's
 * (mm_hub_params_default) and the hub.conf `hub init` writes all come from
 * it; docs/hub.md lists the same. */
static const opt opts[] = {
    {"listen", OPT_LISTEN, 0, 0, "HOST:PORT to listen on", "127.0.0.1:8443",
     NULL, 0, 0},
    {"tls", OPT_BOOL, 0, 0,
     "serve HTTPS (on) or plain HTTP (off, loopback only)", "on", NULL, 0, 0},
    {"cert", OPT_STR, 0, 0, "certificate PEM (relative to DIR)",
     "hub-cert.pem", NULL, 0, 0},
    {"key", OPT_STR, 0, 0, "private key PEM (relative to DIR)", "hub-key.pem",
     NULL, 0, 0},
    {"k", OPT_UINT, 2, 1000, "distinct tenants that open a campaign", "2",
     "correlation: a campaign opens at k tenants within window_hours",
     AT(params.k), 0},
    {"window_hours", OPT_UINT, 1, 24 * 365, "correlation window W", "24", NULL,
     AT(params.window_ms), 3600000},
    {"ip_ttl_days", OPT_UINT, 1, 365, "IP indicator life after last sighting",
     "14", NULL, AT(params.ip_ttl_ms), 86400000},
    {"domain_ttl_days", OPT_UINT, 1, 365, "domain indicator life", "30", NULL,
     AT(params.domain_ttl_ms), 86400000},
    {"escalate_score", OPT_UINT, 0, 100,
     "score that escalates a CI-supplier campaign", "60", NULL,
     AT(params.escalate_score), 0},
    {"ci_depth", OPT_UINT, 1, 10, "graph depth searched for CI operators", "3",
     NULL, AT(params.ci_depth), 0},
    {"rate", OPT_DOUBLE, 0.1, 1e6, "uploads per second per tenant", "20",
     "uploads per second per tenant, and the bucket size", AT(rate), 0},
    {"burst", OPT_DOUBLE, 1, 1e6, "token bucket size", "40", NULL, AT(burst),
     0},
    {"threads", OPT_UINT, 1, 256, "HTTP thread pool", "8", NULL, AT(threads),
     0},
    {"allow", OPT_ALLOW, 0, 0, "extra allowlisted CIDR (repeatable)", NULL,
     "allow = 192.0.2.0/24   (more good actors, repeatable)", 0, 0},
    {"max_connections", OPT_UINT, 64, 1000000,
     "open connections in all (20,000 parked long polls + 2,000)", "22000",
     "connections: total, per client address, idle timeout in seconds",
     AT(max_connections), 0},
    {"max_connections_per_ip", OPT_UINT, 1, 1000000,
     "open connections from one client address", "256", NULL,
     AT(max_connections_per_ip), 0},
    {"idle_timeout", OPT_UINT, 1, 3600,
     "seconds before an idle connection is closed", "15", NULL,
     AT(idle_timeout), 0},
    /* not written to a new hub.conf: SQLite in DIR stays the default */
    {"store", OPT_STR, 0, 0,
     "store URI: postgresql://… (default DIR/hub.db, SQLite)", NULL, NULL, 0,
     0},
    {"tenant_events_per_s", OPT_DOUBLE, 1, 1e9,
     "events per second per tenant (bucket: 10 s, at least one batch)", "2000",
     "per-tenant quotas: events/s, bytes/s, stored MB, days kept "
     "(docs/security.md)",
     AT(tenant_events_per_s), 0},
    {"tenant_bytes_per_s", OPT_DOUBLE, 1000, 1e12,
     "event bytes per second per tenant", "2000000", NULL,
     AT(tenant_bytes_per_s), 0},
    {"tenant_quota_mb", OPT_UINT, 1, 1000000,
     "stored event MB per tenant (429 when full)", "1024", NULL,
     AT(tenant_quota_mb), 0},
    {"retention_days", OPT_UINT, 1, 36500,
     "events stored longer than this are pruned", "90", NULL,
     AT(retention_days), 0},
    {"min_free_mb", OPT_UINT, 1, 1000000,
     "free disk MB below which uploads get 503 and health fails", "256", NULL,
     AT(min_free_mb), 0},
    {"smtp_url", OPT_STR, 0, 0, "mail server smtp://HOST:PORT or smtps://",
     NULL, NULL, 0, 0},
    {"smtp_user", OPT_STR, 0, 0, "SMTP AUTH user", NULL, NULL, 0, 0},
    {"smtp_password_file", OPT_STR, 0, 0, "file holding the SMTP password",
     NULL, NULL, 0, 0},
    {"smtp_from", OPT_STR, 0, 0, "sender address", NULL, NULL, 0, 0},
    {"smtp_tls", OPT_STR, 0, 0, "try (STARTTLS when offered) or required",
     NULL, NULL, 0, 0},
    {"report_mail", OPT_BOOL, 0, 0, "monthly report by mail on the 1st", NULL,
     NULL, 0, 0},
    /* console sessions: not written to a new hub.conf; 0 = the defaults
     * of api-console.c (1800 s idle, 43200 s absolute) */
    {"session_idle_s", OPT_UINT, 1, 86400,
     "console session: seconds without a request before it ends (1800)", NULL,
     NULL, AT(session_idle_s), 0},
    {"session_max_s", OPT_UINT, 1, 7 * 86400,
     "console session: seconds after login before it ends (43200)", NULL, NULL,
     AT(session_max_s), 0},
    {"bus", OPT_STR, 0, 0,
     "nats://HOST:PORT[,…]: publish batches for mamori hub correlate", NULL,
     NULL, 0, 0},
    {"smtp_ca_file", OPT_STR, 0, 0,
     "CA file for the mail server's certificate", NULL, NULL, 0, 0},
    {"asm_dns", OPT_STR, 0, 0,
     "A.B.C.D:PORT resolver for hub asm verify's TXT proof (system's)", NULL,
     NULL, 0, 0},
    {"bus_partitions", OPT_UINT, 1, 64,
     "partitions of the correlation keys on the bus (as the correlators' "
     "--partitions; 1: none)",
     NULL, NULL, AT(bus_partitions), 0},
    /* not written to a new hub.conf: 0 = MM_HUB_KEYS_MAX */
    {"keys_max", OPT_UINT, 1000, 1e9,
     "correlation keys one engine holds (4000000); at the cap keys seen by "
     "one tenant are evicted, oldest first",
     NULL, NULL, AT(params.keys_max), 0},
};

static void trim(char **s)
{
    while (**s == ' ' || **s == '\t')
        (*s)++;
    size_t n = strlen(*s);
    while (n && ((*s)[n - 1] == ' ' || (*s)[n - 1] == '\t' ||
                 (*s)[n - 1] == '\r' || (*s)[n - 1] == '\n'))
        (*s)[--n] = '\0';
}

/* Parses "HOST:PORT" or "[V6]:PORT". */
static mm_rc parse_listen(const char *v, char *host, size_t hl, unsigned *port)
{
    const char *colon = strrchr(v, ':');
    if (!colon || colon == v)
        return MM_EPARSE;
    size_t n = (size_t)(colon - v);
    const char *h = v;
    if (*h == '[') {
        if (n < 3 || v[n - 1] != ']')
            return MM_EPARSE;
        h++;
        n -= 2;
    }
    if (n == 0 || n >= hl)
        return MM_EPARSE;
    memcpy(host, h, n);
    host[n] = '\0';
    mm_addr a;
    if (mm_addr_parse(host, n, &a) != MM_OK)
        return MM_EPARSE;
    char *end;
    errno = 0;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || p > 65535)
        return MM_EPARSE;
    *port = (unsigned)p;
    return MM_OK;
}

/* A checked number into its field: a double, an unsigned, or (unit_ms)
 * milliseconds in an int64_t. */
static void set_number(mm_hub_server_conf *c, const opt *o, double d)
{
    char *field = (char *)c + o->off;
    if (o->type == OPT_DOUBLE) {
        memcpy(field, &d, sizeof d);
    } else if (o->unit_ms) {
        int64_t ms = (int64_t)(unsigned)d * o->unit_ms;
        memcpy(field, &ms, sizeof ms);
    } else {
        unsigned u = (unsigned)d;
        memcpy(field, &u, sizeof u);
    }
}

mm_rc mm_hub_conf_set(mm_hub_server_conf *c, const char *key, const char *val,
                      const char *file, unsigned line, mm_err *err)
{
    const opt *o = NULL;
    for (size_t i = 0; i < sizeof opts / sizeof *opts; i++)
        if (strcmp(opts[i].name, key) == 0)
            o = &opts[i];
    if (!o)
        return mm_err_set(err, MM_EINVAL, file, line, "unknown option '%s'",
                          key);
    if (o->type == OPT_UINT || o->type == OPT_DOUBLE) {
        char *end;
        errno = 0;
        double d = strtod(val, &end);
        if (errno || *end || end == val || d < o->min || d > o->max ||
            (o->type == OPT_UINT && d != (double)(unsigned)d))
            return mm_err_set(err, MM_EINVAL, file, line,
                              "%s must be a %s between %g and %g", key,
                              o->type == OPT_UINT ? "whole number" : "number",
                              o->min, o->max);
        set_number(c, o, d);
        return MM_OK;
    }
    if (strcmp(key, "listen") == 0) {
        if (parse_listen(val, c->listen_host, sizeof c->listen_host,
                         &c->port) != MM_OK)
            return mm_err_set(
                err, MM_EINVAL, file, line,
                "listen must be HOST:PORT with a numeric address");
    } else if (strcmp(key, "tls") == 0) {
        if (!strcmp(val, "on") || !strcmp(val, "true") || !strcmp(val, "1"))
            c->tls = true;
        else if (!strcmp(val, "off") || !strcmp(val, "false") ||
                 !strcmp(val, "0"))
            c->tls = false;
        else
            return mm_err_set(err, MM_EINVAL, file, line,
                              "tls must be on or off");
    } else if (strcmp(key, "cert") == 0 || strcmp(key, "key") == 0) {
        char *dst = key[0] == 'c' ? c->cert_path : c->key_path;
        size_t dl = key[0] == 'c' ? sizeof c->cert_path : sizeof c->key_path;
        if (val[0] == '/')
            snprintf(dst, dl, "%s", val);
        else
            snprintf(dst, dl, "%s/%s", c->dir, val);
    } else if (strncmp(key, "smtp_", 5) == 0 ||
               strcmp(key, "report_mail") == 0) {
        return mm_hub__mail_conf_set(&c->mail, c->dir, key, val, file, line,
                                     err);
    } else if (strcmp(key, "allow") == 0) {
        mm_cidr cidr;
        if (mm_cidr_parse(val, strlen(val), &cidr) != MM_OK ||
            strlen(val) >= 64)
            return mm_err_set(err, MM_EINVAL, file, line,
                              "allow must be an address or CIDR");
        if (c->allow_n >= sizeof c->allow / sizeof c->allow[0])
            return mm_err_set(err, MM_ELIMIT, file, line,
                              "too many allow lines");
        snprintf(c->allow[c->allow_n++], sizeof c->allow[0], "%s", val);
    } else if (strcmp(key, "store") == 0) {
        if (strlen(val) >= sizeof c->store)
            return mm_err_set(err, MM_EINVAL, file, line, "store too long");
        snprintf(c->store, sizeof c->store, "%s", val);
    } else if (strcmp(key, "bus") == 0) {
        if (strlen(val) >= sizeof c->bus || strncmp(val, "nats://", 7) != 0)
            return mm_err_set(err, MM_EINVAL, file, line,
                              "bus must be nats://HOST:PORT[,nats://…]");
        snprintf(c->bus, sizeof c->bus, "%s", val);
    } else if (strcmp(key, "asm_dns") == 0) {
        char h[64];
        unsigned port;
        if (strlen(val) >= sizeof c->asm_dns || val[0] == '[' ||
            parse_listen(val, h, sizeof h, &port) != MM_OK || port == 0)
            return mm_err_set(err, MM_EINVAL, file, line,
                              "asm_dns must be A.B.C.D:PORT");
        snprintf(c->asm_dns, sizeof c->asm_dns, "%s", val);
    }
    return MM_OK;
}

/* Every row's default through the same setter as hub.conf, so there is no
 * second list of values (tests/unit/test-hub-admin.c checks none fails). */
static void defaults(const char *dir, mm_hub_server_conf *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->dir, sizeof c->dir, "%s", dir);
    for (size_t i = 0; i < sizeof opts / sizeof *opts; i++)
        if (opts[i].def)
            (void)mm_hub_conf_set(c, opts[i].name, opts[i].def, "<defaults>",
                                  0, NULL);
}

void mm_hub_params_default(mm_hub_params *p)
{
    mm_hub_server_conf c;
    defaults("", &c);
    *p = c.params;
}

mm_rc mm_hub_conf_render(const char *const *kv, mm_buf *out)
{
    mm_rc rc = mm_buf_puts(out, "# mamori hub configuration (docs/hub.md)\n");
    for (size_t i = 0; rc == MM_OK && i < sizeof opts / sizeof *opts; i++) {
        const char *v = opts[i].def;
        for (size_t j = 0; kv && kv[j] && kv[j + 1]; j += 2)
            if (strcmp(kv[j], opts[i].name) == 0)
                v = kv[j + 1];
        if (opts[i].note)
            rc = mm_buf_printf(out, "# %s\n", opts[i].note);
        if (rc == MM_OK && v)
            rc = mm_buf_printf(out, "%s = %s\n", opts[i].name, v);
    }
    return rc;
}

mm_rc mm_hub_conf_load(const char *dir, mm_hub_server_conf *c, mm_err *err)
{
    defaults(dir, c);
    char path[1100];
    snprintf(path, sizeof path, "%s/hub.conf", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT
                   ? MM_OK
                   : mm_err_set(err, MM_EIO, path, 0, "cannot read: %s",
                                strerror(errno));
    char line[1024];
    unsigned lineno = 0;
    mm_rc rc = MM_OK;
    while (rc == MM_OK && fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            rc = mm_err_set(err, MM_EINVAL, path, lineno, "line too long");
            break;
        }
        char *s = line;
        char *hash = strchr(s, '#');
        if (hash)
            *hash = '\0';
        trim(&s);
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            rc = mm_err_set(err, MM_EINVAL, path, lineno, "want key = value");
            break;
        }
        *eq = '\0';
        char *k = s, *v = eq + 1;
        trim(&k);
        trim(&v);
        rc = mm_hub_conf_set(c, k, v, path, lineno, err);
    }
    fclose(f);
    return rc;
}
