/* SPDX-License-Identifier: Apache-2.0 */
/* test-notify.c — src/notify (address and header checks, RFC 2047 encoded
 * words, the composed message, chat JSON) and the hub's outbox
 * (src/hub/outbox.c, notifier.c, store-sqlite-notify.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hub.h"
#include "notify.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_addr_valid(void **state)
{
    (void)state;
    static const char *const good[] = {
        "owner@alpha.example.jp", "a.b+c@x.co.jp", "x_y-z@mail.example.com",
        "o'brien@example.ie"};
    static const char *const bad[] = {"",
                                      "a",
                                      "@example.jp",
                                      "a@",
                                      "a@b",
                                      "a@@b.jp",
                                      "a b@c.jp",
                                      ".a@b.jp",
                                      "a.@b.jp",
                                      "a..b@c.jp",
                                      "a@-b.jp",
                                      "a@b..jp",
                                      "a@b.jp.",
                                      "a@b.jp\r\nBcc: e@evil.com",
                                      "a@b.jp\n",
                                      "Evil <e@example.com>",
                                      "\"q\"@b.jp",
                                      "a@b.jp,c@d.jp",
                                      "a(c)@b.jp",
                                      "ä@b.jp",
                                      "a@ドメイン.jp",
                                      "a@b_c.jp"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        assert_true(mm_notify_addr_valid(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (mm_notify_addr_valid(bad[i]))
            fail_msg("accepted bad address '%s'", bad[i]);
    char longa[300];
    memset(longa, 'a', sizeof longa);
    memcpy(longa + 280, "@example.jp", 12);
    assert_false(mm_notify_addr_valid(longa));
    assert_false(mm_notify_addr_valid(NULL));
}

static void test_header_safe(void **state)
{
    (void)state;
    assert_true(mm_notify_header_safe("攻撃の警告 (high)"));
    assert_true(mm_notify_header_safe(""));
    assert_false(mm_notify_header_safe("a\r\nBcc: x@y.jp"));
    assert_false(mm_notify_header_safe("a\nb"));
    assert_false(mm_notify_header_safe("a\tb"));
    assert_false(mm_notify_header_safe("a\x7f"));
    assert_false(mm_notify_header_safe("\xe6\x94"));         /* cut char */
    assert_false(mm_notify_header_safe("\xc0\xaf"));         /* overlong */
    assert_false(mm_notify_header_safe("\xed\xa0\x80"));     /* surrogate */
    assert_false(mm_notify_header_safe("\xf4\x90\x80\x80")); /* > U+10FFFF */
}

/* Decodes a folded run of encoded words back to text, checking each word's
 * form and length on the way. */
static void decode_words(const char *enc, char *out, size_t outlen)
{
    size_t o = 0;
    const char *p = enc;
    while (*p) {
        assert_memory_equal(p, "=?UTF-8?B?", 10);
        const char *end = strstr(p + 10, "?=");
        assert_non_null(end);
        assert_true(end + 2 - p <= 75);
        unsigned char bin[128];
        size_t bl = 0;
        assert_int_equal(
            sodium_base642bin(bin, sizeof bin, p + 10, (size_t)(end - p - 10),
                              NULL, &bl, NULL, sodium_base64_VARIANT_ORIGINAL),
            0);
        /* each word holds whole characters: valid UTF-8 on its own */
        char word[129];
        memcpy(word, bin, bl);
        word[bl] = '\0';
        assert_true(mm_notify_header_safe(word));
        assert_true(o + bl < outlen);
        memcpy(out + o, bin, bl);
        o += bl;
        p = end + 2;
        if (*p) {
            assert_memory_equal(p, "\r\n ", 3);
            p += 3;
        }
    }
    out[o] = '\0';
}

static void test_rfc2047(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "[mamori] 攻撃の警告（重要度: 高）/ attack warning (high)", "a",
        ("日本語だけの長い件名です。日本語だけの長い件名です。日本語"
         "だけの長い件名です。"),
        "😀 emoji 4-byte 😀😀😀😀😀😀😀😀😀😀😀😀😀😀"};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        mm_buf b;
        mm_buf_init(&b, 1 << 16);
        assert_int_equal(mm_notify_rfc2047(texts[i], &b), MM_OK);
        for (size_t j = 0; j < b.len; j++)
            assert_true((unsigned char)b.data[j] < 128);
        char back[1024];
        decode_words(b.data, back, sizeof back);
        assert_string_equal(back, texts[i]);
        mm_buf_free(&b);
    }
    mm_buf b;
    mm_buf_init(&b, 1 << 16);
    assert_int_equal(mm_notify_rfc2047("x\r\nBcc: e@evil.com", &b), MM_EINVAL);
    assert_int_equal(mm_notify_rfc2047("\xff", &b), MM_EINVAL);
    assert_int_equal(b.len, 0);
    mm_buf_free(&b);
}

static void test_compose(void **state)
{
    (void)state;
    mm_mail m = {"mamori@hub.example.jp",
                 "owner@alpha.example.jp",
                 "攻撃の警告",
                 "一行目\n二行目\n",
                 1796601600000LL,
                 "mamori.outbox.7.1"};
    mm_buf b;
    mm_buf_init(&b, 1 << 20);
    mm_err err;
    assert_int_equal(mm_notify_mail_compose(&m, &b, &err), MM_OK);
    /* every line ends in CRLF, no bare CR or LF, all ASCII */
    for (size_t i = 0; i < b.len; i++) {
        assert_true((unsigned char)b.data[i] < 128);
        if (b.data[i] == '\n')
            assert_true(i > 0 && b.data[i - 1] == '\r');
        if (b.data[i] == '\r')
            assert_true(b.data[i + 1] == '\n');
    }
    assert_non_null(
        strstr(b.data, "Date: Mon, 07 Dec 2026 09:00:00 +0900\r\n"));
    assert_non_null(
        strstr(b.data, "\r\nSubject: =?UTF-8?B?5pS75pKD44Gu6K2m5ZGK?=\r\n"));
    assert_non_null(strstr(
        b.data, "\r\nMessage-ID: <mamori.outbox.7.1@hub.example.jp>\r\n"));
    assert_non_null(strstr(b.data,
                           "Content-Type: text/plain; charset=UTF-8\r\n"
                           "Content-Transfer-Encoding: base64\r\n\r\n"));
    /* the body decodes to the text with CRLF line ends */
    const char *body = strstr(b.data, "\r\n\r\n") + 4;
    unsigned char bin[256];
    size_t bl = 0;
    assert_int_equal(sodium_base642bin(bin, sizeof bin, body, strlen(body),
                                       "\r\n", &bl, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(bl, strlen("一行目\r\n二行目\r\n"));
    assert_memory_equal(bin, "一行目\r\n二行目\r\n", bl);
    /* injection through any field is refused and nothing is written */
    size_t before = b.len;
    mm_mail bad = m;
    bad.subject = "x\r\nBcc: e@evil.com";
    assert_int_equal(mm_notify_mail_compose(&bad, &b, &err), MM_EINVAL);
    bad = m;
    bad.to = "a@b.jp\r\nBcc: e@evil.com";
    assert_int_equal(mm_notify_mail_compose(&bad, &b, &err), MM_EINVAL);
    bad = m;
    bad.from = "x@y.jp>\r\nX: y";
    assert_int_equal(mm_notify_mail_compose(&bad, &b, &err), MM_EINVAL);
    bad = m;
    bad.id_left = "a>\r\nX: y";
    assert_int_equal(mm_notify_mail_compose(&bad, &b, &err), MM_EINVAL);
    assert_int_equal(b.len, before);
    mm_buf_free(&b);
}

static void test_chat_json(void **state)
{
    (void)state;
    mm_buf b;
    mm_buf_init(&b, 1 << 16);
    assert_int_equal(
        mm_notify_chat_json(MM_CHAT_SLACK, "警告", "本文\n\"x\"", &b), MM_OK);
    assert_string_equal(b.data,
                        "{\"text\":\"*警告*\\u000a本文\\u000a\\\"x\\\"\"}");
    mm_buf_reset(&b);
    assert_int_equal(mm_notify_chat_json(MM_CHAT_TEAMS, "警告", "本文", &b),
                     MM_OK);
    assert_non_null(strstr(b.data, "\"@type\":\"MessageCard\""));
    assert_non_null(strstr(b.data, "\"title\":\"警告\",\"text\":\"本文\""));
    mm_buf_free(&b);
}

/* ---- the outbox through the store ----------------------------------------
 */

static mm_rc count_row(const mm_outbox_msg *m, void *ud)
{
    mm_outbox_msg *last = ud;
    *last = *m;
    return MM_OK;
}

typedef struct digest_check {
    int rows, tried_once;
} digest_check;

static mm_rc count_digest(const mm_outbox_msg *m, void *ud)
{
    digest_check *c = ud;
    if (m->digest) {
        c->rows++;
        c->tried_once += m->attempts == 1 && m->state == MM_OUTBOX_PENDING;
    }
    return MM_OK;
}

static void test_outbox(void **state)
{
    (void)state;
    char dir[] = "/tmp/mm-test-notify.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/hub.db", dir);
    mm_store *st;
    mm_err err;
    assert_int_equal(mm_store_open(path, &st, &err), MM_OK);
    mm_tenant t;
    memset(&t, 0, sizeof t);
    snprintf(t.id, sizeof t.id, "a");
    snprintf(t.name, sizeof t.name, "Alpha");
    char tok[80];
    assert_int_equal(mm_hub_admin_tenant_add(st, &t, tok, sizeof tok, &err),
                     MM_OK);
    mm_notify_pref p = {0, "a", "email", "o@a.example.jp", 3, false};
    assert_int_equal(mm_hub_notify_add(st, &p, &err), MM_OK);
    mm_notify_pref bad = {0, "a", "email", "o@a.example.jp\r\nX: y", 1, false};
    assert_int_equal(mm_hub_notify_add(st, &bad, &err), MM_EINVAL);
    mm_notify_pref nobody = {0, "zz", "email", "o@a.example.jp", 1, false};
    assert_int_not_equal(mm_hub_notify_add(st, &nobody, &err), MM_OK);

    mm_warning *w = calloc(1, sizeof *w);
    snprintf(w->tenant, sizeof w->tenant, "a");
    snprintf(w->kind, sizeof w->kind, "hit");
    snprintf(w->text_ja, sizeof w->text_ja, "攻撃を受けています");
    w->severity = 2; /* below the preference's 3: no row */
    w->created_ms = mm_now_ms();
    assert_int_equal(mm_store_begin(st, &err), MM_OK);
    assert_int_equal(st->ops->warning_put(st, w, &err), MM_OK);
    assert_int_equal(mm_hub_outbox_warning(st, w, &err), MM_OK);
    w->severity = 4;
    assert_int_equal(st->ops->warning_put(st, w, &err), MM_OK);
    assert_int_equal(mm_hub_outbox_warning(st, w, &err), MM_OK);
    assert_int_equal(mm_store_commit(st, &err), MM_OK);
    mm_outbox_msg *m = calloc(1, sizeof *m);
    assert_int_equal(st->ops->outbox_list(st, "a", count_row, m, &err), MM_OK);
    assert_int_equal(m->warning, w->id);
    assert_int_equal(m->state, MM_OUTBOX_PENDING);
    assert_non_null(strstr(m->body, "攻撃を受けています"));

    /* nothing listens on port 9: the pass fails, the row stays pending with
     * a later retry */
    mm_hub_mail_conf mc;
    memset(&mc, 0, sizeof mc);
    snprintf(mc.url, sizeof mc.url, "smtp://127.0.0.1:9");
    snprintf(mc.from, sizeof mc.from, "hub@example.jp");
    unsigned sent = 9, failed = 9;
    int64_t now = mm_now_ms();
    assert_int_equal(mm_hub_notifier_pass(st, &mc, now, &sent, &failed, &err),
                     MM_OK);
    assert_int_equal(sent, 0);
    assert_int_equal(failed, 1);
    assert_int_equal(st->ops->outbox_list(st, "a", count_row, m, &err), MM_OK);
    assert_int_equal(m->state, MM_OUTBOX_PENDING);
    assert_int_equal(m->attempts, 1);
    assert_true(m->next_ms >= now + 1000);
    assert_true(m->last_error[0] != '\0');
    /* once sent, a row never becomes pending again */
    assert_int_equal(
        st->ops->outbox_mark(st, m->id, MM_OUTBOX_SENT, 2, now, "", &err),
        MM_OK);
    assert_int_equal(st->ops->outbox_mark(st, m->id, MM_OUTBOX_PENDING, 3, now,
                                          "late", &err),
                     MM_OK);
    assert_int_equal(st->ops->outbox_list(st, "a", count_row, m, &err), MM_OK);
    assert_int_equal(m->state, MM_OUTBOX_SENT);
    assert_int_equal(
        mm_hub_notifier_pass(st, &mc, now + 86400000, &sent, &failed, &err),
        MM_OK);
    assert_int_equal(sent + failed, 0);
    /* a daily digest: two warnings, due at the next 09:00 JST, tried as
     * one message (one failure, both rows marked) */
    mm_notify_pref dg = {0, "a", "email", "d@a.example.jp", 1, true};
    assert_int_equal(mm_hub_notify_add(st, &dg, &err), MM_OK);
    int64_t t0 = (mm_time_from_civil(2026, 12, 7, 5, 0, 0)) * 1000;
    assert_int_equal(mm_store_begin(st, &err), MM_OK);
    for (int i = 0; i < 2; i++) {
        w->severity = 1;
        w->created_ms = t0 + i;
        assert_int_equal(st->ops->warning_put(st, w, &err), MM_OK);
        assert_int_equal(mm_hub_outbox_warning(st, w, &err), MM_OK);
    }
    assert_int_equal(mm_store_commit(st, &err), MM_OK);
    int64_t nine_jst = (mm_time_from_civil(2026, 12, 8, 0, 0, 0)) * 1000;
    assert_int_equal(
        mm_hub_notifier_pass(st, &mc, nine_jst - 1, &sent, &failed, &err),
        MM_OK);
    assert_int_equal(sent + failed, 0); /* not yet due */
    assert_int_equal(
        mm_hub_notifier_pass(st, &mc, nine_jst, &sent, &failed, &err), MM_OK);
    assert_int_equal(failed, 1); /* one message for both rows */
    digest_check dc = {0, 0};
    assert_int_equal(st->ops->outbox_list(st, "a", count_digest, &dc, &err),
                     MM_OK);
    assert_int_equal(dc.rows, 2);
    assert_int_equal(dc.tried_once, 2);
    /* flags */
    int64_t v = 0;
    assert_int_equal(st->ops->flag_get(st, "k", &v, &err), MM_ENOTFOUND);
    assert_int_equal(st->ops->flag_put(st, "k", 42, &err), MM_OK);
    assert_int_equal(st->ops->flag_get(st, "k", &v, &err), MM_OK);
    assert_int_equal(v, 42);
    free(m);
    free(w);
    mm_store_close(st);
    unlink(path);
    char wal[80];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addr_valid), cmocka_unit_test(test_header_safe),
        cmocka_unit_test(test_rfc2047),    cmocka_unit_test(test_compose),
        cmocka_unit_test(test_chat_json),  cmocka_unit_test(test_outbox),
    };
    return cmocka_run_group_tests_name("notify", tests, NULL, NULL);
}
