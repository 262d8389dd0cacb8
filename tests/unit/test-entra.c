/* SPDX-License-Identifier: Apache-2.0 */
/* test-entra.c — the [entra] section of the sensor config and the
 * puller's failure path: the output becomes input "entra" of type cloud,
 * bad values are refused with file:line, and a sweep that cannot reach the
 * token endpoint writes neither records nor cursor. The happy path (token,
 * 429, paging, cursor, restart) is tests/e2e/entra-pull.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static mm_rc load(const char *text, mm_sensor_config **cfg, mm_err *err)
{
    memset(err, 0, sizeof *err);
    return mm_sensor_config_parse("t.conf", text, strlen(text), cfg, err);
}

static void test_entra_config(void **state)
{
    (void)state;
    mm_sensor_config *cfg;
    mm_err err;
    assert_int_equal(load("[sensor]\nstate_dir = /tmp/mm-entra-t\n"
                          "[entra]\n"
                          "token_url = https://login.microsoftonline.com/t/"
                          "oauth2/v2.0/token\n"
                          "client_id = abc\nclient_secret_file = /x/secret\n"
                          "interval = 60\n",
                          &cfg, &err),
                     MM_OK);
    assert_true(cfg->entra_on);
    assert_int_equal(cfg->entra->interval_s, 60);
    assert_int_equal(cfg->entra->page_size, 500);
    assert_string_equal(cfg->entra->output,
                        "/tmp/mm-entra-t/entra-signins.ndjson");
    assert_string_equal(cfg->entra->cursor,
                        "/tmp/mm-entra-t/entra-cursor.json");
    assert_int_equal(cfg->n_inputs, 1); /* the output is the only input */
    assert_string_equal(cfg->inputs[0].name, "entra");
    assert_int_equal(cfg->inputs[0].type, MM_LOG_CLOUD);
    assert_string_equal(cfg->inputs[0].path, cfg->entra->output);
    mm_sensor_config_free(cfg);

    static const struct {
        const char *text, *want;
    } bad[] = {
        {"[sensor]\nstate_dir = /tmp/x\n[entra]\nclient_id = a\n",
         "needs token_url"},
        {"[sensor]\nstate_dir = /tmp/x\n[entra]\ntoken_url = http://"
         "example.com/t\nclient_id = a\nclient_secret_file = /s\n",
         "must be https"},
        {"[sensor]\nstate_dir = /tmp/x\n[entra]\ncolour = red\n",
         "t.conf:4: unknown key 'colour' in [entra]"},
        {"[sensor]\nstate_dir = /tmp/x\n[entra]\npage_size = 5000\n",
         "t.conf:4: page_size"},
        {"[sensor]\nstate_dir = /tmp/x\n[input entra]\npath = /var/log/x\n"
         "[entra]\ntoken_url = https://a/t\nclient_id = a\n"
         "client_secret_file = /s\n",
         "taken by [entra]"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mm_rc rc = load(bad[i].text, &cfg, &err);
        char m[600];
        mm_err_format(&err, m, sizeof m);
        if (rc == MM_OK || !strstr(m, bad[i].want))
            fail_msg("case %zu: rc %d, '%s' (want '%s')", i, rc, m,
                     bad[i].want);
    }
}

/* Nothing listens on the token URL: an error, no output, no cursor. */
static void test_entra_unreachable(void **state)
{
    (void)state;
    char dir[] = "/tmp/mm-entra-XXXXXX";
    assert_non_null(mkdtemp(dir));
    mm_entra_conf c;
    mm_entra_conf_defaults(&c);
    snprintf(c.token_url, sizeof c.token_url, "http://127.0.0.1:9/t");
    snprintf(c.graph_url, sizeof c.graph_url, "http://127.0.0.1:9/g");
    snprintf(c.client_id, sizeof c.client_id, "a");
    snprintf(c.client_secret_file, sizeof c.client_secret_file, "%s/secret",
             dir);
    snprintf(c.output, sizeof c.output, "%s/out", dir);
    snprintf(c.cursor, sizeof c.cursor, "%s/cursor", dir);
    mm_err err;
    memset(&err, 0, sizeof err);
    /* no secret file: refused before any request */
    assert_int_equal(mm_entra_pull(&c, NULL, &err), MM_EIO);
    assert_non_null(strstr(err.msg, "client secret"));
    assert_int_not_equal(access(c.output, F_OK), 0);
    assert_int_not_equal(access(c.cursor, F_OK), 0);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entra_config),
        cmocka_unit_test(test_entra_unreachable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
