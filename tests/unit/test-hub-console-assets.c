/* SPDX-License-Identifier: Apache-2.0 */
/* test-hub-console-assets.c — the console's files compiled into the binary
 * (scripts/embed-console, src/hub/console.c): "/" is the page, every file
 * has an ETag, the page loads no inline script, and no URL outside the
 * embedded list (a "..", an unknown name) resolves to a file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "console-assets.h"

#include <string.h>

static void test_index(void **state)
{
    (void)state;
    const mm_hub_asset *a = mm_hub_console_asset("/");
    assert_non_null(a);
    assert_string_equal(a->path, "/console/index.html");
    assert_ptr_equal(a, mm_hub_console_asset("/console/index.html"));
    assert_non_null(memmem(a->data, a->len, "<html lang=\"ja\">", 16));
    /* scripts come from files only (CSP script-src 'self') */
    assert_null(memmem(a->data, a->len, "<script>", 8));
    assert_non_null(memmem(a->data, a->len, "src=\"/console/app.js\"", 21));
}

static void test_every_file(void **state)
{
    (void)state;
    size_t n = 0;
    for (const mm_hub_asset *a = mm_hub_console_assets; a->path; a++, n++) {
        assert_true(strncmp(a->path, "/console/", 9) == 0);
        assert_true(a->len > 0);
        assert_int_equal(a->data[a->len], '\0');
        assert_true(a->etag[0] == '"' && strlen(a->etag) > 4);
        assert_ptr_equal(mm_hub_console_asset(a->path), a);
    }
    assert_true(n >= 5); /* index.html, app.css, app.js, i18n.js, plot.js */
    assert_non_null(mm_hub_console_asset("/console/app.js"));
    assert_non_null(mm_hub_console_asset("/console/i18n.js"));
}

static void test_routes(void **state)
{
    (void)state;
    assert_true(mm_hub_console_asset_route("/"));
    assert_true(mm_hub_console_asset_route("/console/app.js"));
    assert_false(mm_hub_console_asset_route("/api/v1/alerts"));
    assert_false(mm_hub_console_asset_route("/consolex"));
    assert_null(mm_hub_console_asset("/console/"));
    assert_null(mm_hub_console_asset("/console/../hub.db"));
    assert_null(mm_hub_console_asset("/console/nope.js"));
    assert_null(mm_hub_console_asset("/index.html"));
    assert_null(mm_hub_console_asset(""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index),
        cmocka_unit_test(test_every_file),
        cmocka_unit_test(test_routes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
