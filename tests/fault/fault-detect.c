/* SPDX-License-Identifier: Apache-2.0 */
/* fault-detect.c — allocation failures while loading rules, indicators and
 * allowlists, compiling, and running the detector over a sample log. */
#include "detect.h"
#include "fault.h"
#include "parse.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char rules[] =
    "rule ssh.fault\n"
    "  kind       threshold\n"
    "  severity   medium\n"
    "  category   authentication\n"
    "  match      event.dataset = sshd\n"
    "  match      event.action = authentication_failure, invalid_user\n"
    "  key        source.ip\n"
    "  count      5\n"
    "  window     10m\n"
    "  suppress   1h\n"
    "  title.ja   SSH 失敗\n"
    "  title.en   SSH failures\n"
    "  advice.ja  遮断してください。\n"
    "  advice.en  Block the source.\n";

static const char iocs[] = "# fault test\n173.234.31.186\n"
                           "::ffff:5.36.59.0/120\n2001:db8::/32\n"
                           "evil.example\n";

/* Ruleset and compile: every allocation on the load path. */
static mm_rc load(mm_ruleset **out, bool defaults, mm_err *err)
{
    mm_ruleset *rs;
    mm_rc rc = mm_ruleset_new(&rs);
    if (rc != MM_OK)
        return mm_err_set(err, rc, "<rules>", 0, "cannot create ruleset");
    if (defaults)
        rc = mm_ruleset_add_default_rules(rs, err);
    else
        rc = mm_ruleset_add_rules(rs, "fault.rules", rules, sizeof rules - 1,
                                  err);
    if (rc == MM_OK)
        rc = mm_ruleset_add_ioc_text(rs, "fault", "fault.txt", iocs,
                                     sizeof iocs - 1, err);
    if (rc == MM_OK)
        rc = mm_ruleset_add_allow(rs, "10.0.0.0/8", err);
    if (rc == MM_OK)
        rc = mm_ruleset_compile(rs, err);
    if (rc != MM_OK) {
        mm_ruleset_free(rs);
        return rc;
    }
    *out = rs;
    return MM_OK;
}

static mm_rc sc_rules(mm_buf *out, mm_err *err)
{
    mm_ruleset *rs;
    mm_rc rc = load(&rs, false, err);
    if (rc != MM_OK)
        return rc;
    mm_ruleset_info info;
    mm_ruleset_get_info(rs, &info);
    rc = mm_buf_printf(out, "%zu rules", (size_t)info.rules);
    mm_ruleset_free(rs);
    return rc;
}

static mm_rc sc_default_rules(mm_buf *out, mm_err *err)
{
    mm_ruleset *rs;
    mm_rc rc = load(&rs, true, err);
    if (rc != MM_OK)
        return rc;
    mm_ruleset_info info;
    mm_ruleset_get_info(rs, &info);
    rc = mm_buf_printf(out, "%zu rules", (size_t)info.rules);
    mm_ruleset_free(rs);
    return rc;
}

typedef struct sink_ctx {
    mm_buf *out;
    mm_rc rc;
} sink_ctx;

static void sink(const mm_alert *a, void *ud)
{
    sink_ctx *c = ud;
    if (c->rc == MM_OK)
        c->rc = mm_alert_to_json(a, c->out);
    if (c->rc == MM_OK)
        c->rc = mm_buf_puts(c->out, "\n");
}

/* The detector over the sshd sample with the compiled default rules (built
 * once, outside the counted part, and kept for the process). */
static mm_rc sc_detector(mm_buf *out, mm_err *err)
{
    static mm_ruleset *rs;
    if (!rs && load(&rs, true, err) != MM_OK)
        return MM_EINTERNAL;
    char path[1024];
    fault_src("data/samples/loghub-OpenSSH_2k.log", path, sizeof path);
    char *text;
    size_t len;
    mm_rc rc = mm_file_read(path, 0, &text, &len, err);
    if (rc != MM_OK)
        return rc;
    mm_detector *d;
    mm_detector_opts o = {.max_keys = 0};
    rc = mm_detector_new(rs, &o, &d);
    if (rc != MM_OK) {
        free(text);
        return mm_err_set(err, rc, "<detector>", 0, "out of memory");
    }
    sink_ctx c = {out, MM_OK};
    mm_parse_opts po = {.year = 2015};
    for (char *p = text, *end = text + len; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        mm_event ev;
        if (mm_parse_line(&po, MM_LOG_AUTO, p, n, &ev) == MM_OK)
            mm_detector_feed(d, &ev, p, n, sink, &c);
        p += n + 1;
    }
    mm_detector_flush(d, sink, &c);
    mm_detector_free(d);
    free(text);
    return c.rc;
}

int main(void)
{
    static const fault_scenario sc[] = {
        {"detect rules+ioc", sc_rules, false, false},
        {"detect default rules", sc_default_rules, false, false},
        /* feed allocates windows; one it cannot allocate is dropped */
        {"detect feed sshd", sc_detector, true, false},
    };
    return fault_main("fault-detect", sc, sizeof sc / sizeof *sc);
}
