/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-vendors.c — libFuzzer target for the VPN appliance / UTM / router
 * parsers (src/parse/vendor.c, ciscoasa.c, panos.c, sonicwall.c, pulse.c,
 * openvpn.c, yamaha.c, FortiGate in kv.c), through mm_parse_line as the
 * sensor calls it: the first byte picks `syslog` (the [syslog] default),
 * `auto` or `fortigate`, the rest is the line. The seed corpus is one line
 * of each vendor's forms. Every span must lie inside the line, every
 * result be OK, SKIP or EPARSE. */
#include "parse.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const mm_event *ev, const char *p, size_t n, mm_rc rc)
{
    const mm_span *s[] = {&ev->src_domain, &ev->dst_domain, &ev->user,
                          &ev->host,       &ev->process,    &ev->method,
                          &ev->path,       &ev->query,      &ev->user_agent,
                          &ev->referrer,   &ev->message};
    if (rc != MM_OK && rc != MM_SKIP && rc != MM_EPARSE)
        abort();
    for (size_t i = 0; i < sizeof s / sizeof *s; i++)
        if (s[i]->len && (s[i]->p < p || s[i]->p + s[i]->len > p + n))
            abort();
    if (ev->count < 1 || (unsigned)ev->action >= MM_ACT_COUNT ||
        (unsigned)ev->service >= MM_SVC_COUNT ||
        (unsigned)ev->dataset >= MM_DS_COUNT)
        abort();
    /* an authentication event always says which service it was for */
    if (rc == MM_OK &&
        (ev->action == MM_ACT_AUTH_FAILURE ||
         ev->action == MM_ACT_AUTH_SUCCESS) &&
        ev->dataset != MM_DS_SSHD && ev->dataset != MM_DS_KV &&
        ev->service == MM_SVC_NONE)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const mm_logtype types[] = {MM_LOG_SYSLOG, MM_LOG_AUTO,
                                       MM_LOG_FORTIGATE};
    mm_parse_opts o = {.year = (data[0] & 0x40) ? 0 : 2026,
                       .tz_offset_s = (data[0] & 0x20) ? 9 * 3600 : 0};
    mm_logtype t = types[data[0] % 3];
    size_t n = size - 1;
    char *line = malloc(n ? n : 1); /* exact size: over-reads are caught */
    if (!line)
        return 0;
    memcpy(line, data + 1, n);
    mm_event ev;
    mm_rc rc = mm_parse_line(&o, t, line, n, &ev);
    check(&ev, line, n, rc);
    free(line);
    return 0;
}
