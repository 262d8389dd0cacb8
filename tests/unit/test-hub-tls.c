/* SPDX-License-Identifier: Apache-2.0 */
/* test-hub-tls.c — the hub's certificate loader (tls.c): a good pair
 * loads; a key of another certificate, a missing file, text that is no
 * PEM, an expired or not yet valid certificate are refused with their
 * reason; a refused reload keeps the pair in use, a good one replaces it.
 * "Now" is passed in, so the fixtures (tests/data/tls, valid 2026-2126)
 * never age out of the test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hub-tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 2030-01-01, 2200-01-01, 2020-01-01 (ms) */
#define Y2030 1893456000000LL
#define Y2200 7258118400000LL
#define Y2020 1577836800000LL

typedef struct fx {
    char dir[64], cert[128], key[128];
} fx;

/* Copies tests/data/tls/NAME to dst ("" writes an empty file, NULL
 * removes it). */
static void put(const char *name, const char *dst)
{
    if (!name) {
        unlink(dst);
        return;
    }
    char src[256], *text = NULL;
    size_t len = 0;
    mm_err err;
    if (*name) {
        snprintf(src, sizeof src, "tests/data/tls/%s", name);
        assert_int_equal(mm_file_read(src, 0, &text, &len, &err), MM_OK);
    }
    FILE *f = fopen(dst, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text ? text : "x", 1, len, f), len);
    fclose(f);
    free(text);
}

static void pair(fx *f, const char *cert, const char *key)
{
    put(cert, f->cert);
    put(key, f->key);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/mamori-tls.XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->cert, sizeof f->cert, "%s/cert.pem", f->dir);
    snprintf(f->key, sizeof f->key, "%s/key.pem", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    unlink(f->cert);
    unlink(f->key);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* mm_hub_tls_new's status and, on failure, its message. */
static mm_rc load(fx *f, int64_t now, char *msg, size_t n)
{
    mm_hub_tls *t = NULL;
    mm_err err;
    mm_rc rc = mm_hub_tls_new(f->cert, f->key, now, &t, &err);
    if (rc == MM_OK) {
        assert_non_null(t);
        mm_hub_tls_free(t);
    } else {
        assert_null(t);
        snprintf(msg, n, "%s", err.msg);
    }
    return rc;
}

static void test_refusals(void **state)
{
    fx *f = *state;
    char msg[600];
    pair(f, "a.pem", "a-key.pem");
    assert_int_equal(load(f, Y2030, msg, sizeof msg), MM_OK);

    pair(f, "a.pem", "b-key.pem");
    assert_int_equal(load(f, Y2030, msg, sizeof msg), MM_EINVAL);
    assert_non_null(strstr(msg, "the key does not match the certificate"));

    pair(f, "a.pem", NULL);
    assert_int_not_equal(load(f, Y2030, msg, sizeof msg), MM_OK);
    assert_non_null(strstr(msg, "cannot open"));

    pair(f, "", "a-key.pem");
    assert_int_equal(load(f, Y2030, msg, sizeof msg), MM_EPARSE);
    assert_non_null(strstr(msg, "not a PEM certificate"));

    pair(f, "a-key.pem", "a-key.pem"); /* a key where the cert belongs */
    assert_int_equal(load(f, Y2030, msg, sizeof msg), MM_EPARSE);

    pair(f, "a.pem", "a.pem"); /* a cert where the key belongs */
    assert_int_equal(load(f, Y2030, msg, sizeof msg), MM_EPARSE);
    assert_non_null(strstr(msg, "not a PEM private key"));

    pair(f, "a.pem", "a-key.pem");
    assert_int_equal(load(f, Y2200, msg, sizeof msg), MM_EINVAL);
    assert_non_null(strstr(msg, "the certificate expired on 2126-"));
    assert_int_equal(load(f, Y2020, msg, sizeof msg), MM_EINVAL);
    assert_non_null(strstr(msg, "not valid before 2026-"));
}

/* The fingerprint in mm_hub_tls_describe. */
static void fingerprint(mm_hub_tls *t, char *out, size_t n)
{
    char d[300];
    mm_hub_tls_describe(t, d, sizeof d);
    const char *p = strstr(d, "SHA-256 ");
    assert_non_null(p);
    snprintf(out, n, "%s", p + 8);
}

static void test_reload(void **state)
{
    fx *f = *state;
    mm_err err;
    mm_hub_tls *t;
    char fa[100], fb[100], now[100];
    pair(f, "a.pem", "a-key.pem");
    assert_int_equal(mm_hub_tls_new(f->cert, f->key, Y2030, &t, &err), MM_OK);
    fingerprint(t, fa, sizeof fa);
    /* openssl x509 -in tests/data/tls/a.pem -noout -fingerprint -sha256 */
    assert_string_equal(fa, "5A:2F:46:90:73:54:DF:D5:C9:B0:CA:8F:08:6A:A2:CD:"
                            "19:B9:1D:B2:E3:82:71:09:74:17:DB:65:3D:94:69:36");

    pair(f, "b.pem", "a-key.pem"); /* broken: A stays */
    assert_int_equal(mm_hub_tls_reload(t, Y2030, &err), MM_EINVAL);
    fingerprint(t, now, sizeof now);
    assert_string_equal(now, fa);
    assert_int_equal(mm_hub_tls_retired(t), 0);

    pair(f, "b.pem", "b-key.pem");
    assert_int_equal(mm_hub_tls_reload(t, Y2200, &err), MM_EINVAL);
    fingerprint(t, now, sizeof now);
    assert_string_equal(now, fa);

    assert_int_equal(mm_hub_tls_reload(t, Y2030, &err), MM_OK);
    fingerprint(t, fb, sizeof fb);
    assert_string_not_equal(fb, fa);
    assert_int_equal(mm_hub_tls_retired(t), 1);

    pair(f, "a.pem", "a-key.pem"); /* and back: both retired pairs kept */
    assert_int_equal(mm_hub_tls_reload(t, Y2030, &err), MM_OK);
    fingerprint(t, now, sizeof now);
    assert_string_equal(now, fa);
    assert_int_equal(mm_hub_tls_retired(t), 2);
    mm_hub_tls_free(t); /* frees them (the sanitizer build checks) */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
    };
    return cmocka_run_group_tests_name("hub-tls", tests, NULL, NULL);
}
