/* SPDX-License-Identifier: Apache-2.0 */
/* test-core-helpers.c — unit tests of core's small helpers: growable
 * arrays, full positioned reads, fixed-form text, variadic errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_grow_cap(void **state)
{
    (void)state;
    assert_int_equal(mm_grow_cap(0, 1, 16), 16);
    assert_int_equal(mm_grow_cap(0, 17, 16), 32);
    assert_int_equal(mm_grow_cap(16, 17, 16), 32);
    assert_int_equal(mm_grow_cap(32, 33, 16), 64);
    assert_int_equal(mm_grow_cap(256, 1000, 256), 1024);
    assert_int_equal(mm_grow_cap(256, 1024, 256), 1024);
    /* no doubling past SIZE_MAX: exactly what is needed */
    assert_true(mm_grow_cap(SIZE_MAX / 2 + 1, SIZE_MAX, 1) == SIZE_MAX);
}

static void test_grow(void **state)
{
    (void)state;
    int *v = NULL;
    size_t cap = 0;
    for (int i = 0; i < 100; i++) {
        int *nv = mm_grow(v, &cap, (size_t)i + 1, sizeof *v, 4);
        assert_non_null(nv);
        v = nv;
        v[i] = i * 3;
        assert_true(cap >= (size_t)i + 1);
    }
    assert_int_equal(cap, 128); /* 4 doubled five times */
    for (int i = 0; i < 100; i++)
        assert_int_equal(v[i], i * 3);
    /* enough room: the same array back, capacity unchanged */
    assert_ptr_equal(mm_grow(v, &cap, 50, sizeof *v, 4), v);
    assert_int_equal(cap, 128);
    /* a size that overflows: NULL, array and capacity unchanged */
    assert_null(mm_grow(v, &cap, SIZE_MAX / 2, sizeof *v, 4));
    assert_int_equal(cap, 128);
    assert_int_equal(v[99], 297);
    free(v);
}

static void test_resize(void **state)
{
    (void)state;
    uint64_t *a = NULL;
    size_t *b = NULL;
    assert_int_equal(mm_resize(&a, 8, sizeof *a), MM_OK);
    assert_int_equal(mm_resize(&b, 8, sizeof *b), MM_OK);
    for (size_t i = 0; i < 8; i++)
        a[i] = b[i] = i;
    assert_int_equal(mm_resize(&a, 64, sizeof *a), MM_OK);
    assert_int_equal(a[7], 7);
    uint64_t *keep = a;
    assert_int_equal(mm_resize(&a, SIZE_MAX / 4, sizeof *a), MM_ENOMEM);
    assert_ptr_equal(a, keep);
    assert_int_equal(mm_resize(&a, 0, sizeof *a), MM_ENOMEM);
    assert_ptr_equal(a, keep);
    free(a);
    free(b);
}

static void test_pread_full(void **state)
{
    (void)state;
    char path[] = "/tmp/mm-test-pread-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    const char text[] = "0123456789abcdef";
    assert_int_equal(write(fd, text, 16), 16);
    char buf[32];
    size_t got = 99;
    assert_int_equal(mm_pread_full(fd, buf, 4, 10, &got), MM_OK);
    assert_int_equal(got, 4);
    assert_memory_equal(buf, "abcd", 4);
    /* past the end: what there is, and no error */
    assert_int_equal(mm_pread_full(fd, buf, sizeof buf, 12, &got), MM_OK);
    assert_int_equal(got, 4);
    assert_memory_equal(buf, "cdef", 4);
    assert_int_equal(mm_pread_full(fd, buf, sizeof buf, 100, &got), MM_OK);
    assert_int_equal(got, 0);
    close(fd);
    assert_int_equal(mm_pread_full(-1, buf, 4, 0, &got), MM_EIO);
    assert_int_equal(got, 0);
}

static void test_digits(void **state)
{
    (void)state;
    int v = -1;
    assert_true(mm_digits("2026", 4, &v));
    assert_int_equal(v, 2026);
    assert_true(mm_digits("07:", 2, &v));
    assert_int_equal(v, 7);
    v = -1;
    assert_false(mm_digits("1a", 2, &v));
    assert_false(mm_digits(" 1", 2, &v));
    assert_int_equal(v, -1); /* untouched on failure */
    assert_true(mm_digits("x", 0, &v));
    assert_int_equal(v, 0);
}

static void test_name_char(void **state)
{
    (void)state;
    const char *ok = "azAZ09._-";
    for (const char *p = ok; *p; p++)
        assert_true(mm_name_char(*p));
    const char *bad = " /:@\"'\n\x80";
    for (const char *p = bad; *p; p++)
        assert_false(mm_name_char(*p));
}

static mm_rc my_fail(mm_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static mm_rc my_fail(mm_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mm_rc rc = mm_err_vset(err, MM_EPARSE, "x.conf", 7, fmt, ap);
    va_end(ap);
    return rc;
}

static void test_err_vset(void **state)
{
    (void)state;
    mm_err e;
    assert_int_equal(my_fail(&e, "bad %s (at most %u)", "name", 64u),
                     MM_EPARSE);
    char out[256];
    mm_err_format(&e, out, sizeof out);
    assert_string_equal(out, "x.conf:7: bad name (at most 64)");
    assert_int_equal(my_fail(NULL, "no record %d", 1), MM_EPARSE);
}

static void test_name_index(void **state)
{
    (void)state;
    static const char *const t[] = {"sme", "buyer", "smeX", ""};
    assert_int_equal(mm_name_index(t, 4, "sme", 3), 0);
    assert_int_equal(mm_name_index(t, 4, "buyer", 5), 1);
    assert_int_equal(mm_name_index(t, 4, "smeX", 4), 2);
    assert_int_equal(mm_name_index(t, 4, "", 0), 3);
    assert_int_equal(mm_name_index(t, 3, "", 0), -1);
    assert_int_equal(mm_name_index(t, 4, "smeXY", 3), 0); /* only len bytes */
    assert_int_equal(mm_name_index(t, 4, "sm", 2), -1);
    assert_int_equal(mm_name_index(t, 4, "buyers", 6), -1);
    assert_int_equal(mm_name_index(t, 0, "sme", 3), -1);
}

static void test_name_valid(void **state)
{
    (void)state;
    assert_true(mm_name_valid("web-1.example_a", 15, 15));
    assert_false(mm_name_valid("web-1.example_a", 15, 14)); /* too long */
    assert_false(mm_name_valid("", 0, 8));                  /* empty */
    assert_false(mm_name_valid("a b", 3, 8));
    assert_false(mm_name_valid("a@b", 3, 8));
    assert_false(mm_name_valid("a\0b", 3, 8));
    assert_true(mm_name_valid("ab/", 2, 8)); /* only n bytes */
}

static void test_vec_push(void **state)
{
    (void)state;
    mm_vec v = {NULL, 0, 0, sizeof(int64_t)};
    for (int64_t i = 0; i < 40; i++)
        assert_int_equal(mm_vec_push(&v, &i), MM_OK);
    assert_int_equal(v.n, 40);
    assert_true(v.cap >= 40);
    for (size_t i = 0; i < v.n; i++) /* copies, in order */
        assert_int_equal(((int64_t *)v.v)[i], (int64_t)i);
    free(v.v);
}

/* mm_file_parse_fn that copies the text and its length into `ud`. */
static mm_rc copy_text(const char *text, size_t len, const char *path,
                       void *ud, mm_err *err)
{
    if (len == 0)
        return mm_err_set(err, MM_EPARSE, path, 0, "empty");
    snprintf(ud, 64, "%u:%s", (unsigned)len, text);
    return MM_OK;
}

static void test_file_parse(void **state)
{
    (void)state;
    char path[] = "/tmp/mm-file-parse-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "abc", 3), 3);
    close(fd);
    char got[64] = "";
    mm_err err;
    assert_int_equal(mm_file_parse(path, 0, copy_text, got, &err), MM_OK);
    assert_string_equal(got, "3:abc");
    /* too large: mm_file_read's error, the parser is not called */
    got[0] = '\0';
    assert_int_equal(mm_file_parse(path, 2, copy_text, got, &err), MM_ELIMIT);
    assert_string_equal(got, "");
    /* the parser's error is returned as is */
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(mm_file_parse(path, 0, copy_text, got, &err), MM_EPARSE);
    unlink(path);
    assert_int_equal(mm_file_parse(path, 0, copy_text, got, &err),
                     MM_ENOTFOUND);
}

static void test_grow_slot(void **state)
{
    (void)state;
    struct slot {
        int a;
        char b[5];
    } *v = NULL;
    size_t n = 0, cap = 0;
    for (int i = 0; i < 40; i++) {
        struct slot *x = mm_grow_slot(&v, n, &cap, sizeof *v, 4);
        assert_non_null(x);
        assert_ptr_equal(x, &v[n]);
        assert_int_equal(x->a, 0); /* zeroed, even when realloc reused */
        assert_int_equal(x->b[4], 0);
        x->a = i + 1;
        memset(x->b, 'x', sizeof x->b);
        n++;
    }
    assert_int_equal(cap, 64);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(v[i].a, (int)i + 1);
    /* too large: NULL, array and capacity unchanged */
    struct slot *keep = v;
    assert_null(mm_grow_slot(&v, SIZE_MAX / 2, &cap, sizeof *v, 4));
    assert_ptr_equal(v, keep);
    assert_int_equal(cap, 64);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grow_cap),   cmocka_unit_test(test_grow),
        cmocka_unit_test(test_resize),     cmocka_unit_test(test_pread_full),
        cmocka_unit_test(test_digits),     cmocka_unit_test(test_name_char),
        cmocka_unit_test(test_err_vset),   cmocka_unit_test(test_name_index),
        cmocka_unit_test(test_name_valid), cmocka_unit_test(test_file_parse),
        cmocka_unit_test(test_vec_push),   cmocka_unit_test(test_grow_slot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
