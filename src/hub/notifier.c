/* SPDX-License-Identifier: Apache-2.0 */
/* notifier.c — the thread that empties the outbox: due rows are sent
 * (mail through SMTP, Teams / Slack webhooks; digest rows of one
 * preference as one message), marked sent only after the server accepted
 * them, and otherwise retried with exponential back-off and jitter. The
 * store is touched only under the server's mutex; sending happens without
 * it. Rows live in the store, so a restart loses nothing. */
#include "hub-int.h"
#include "notify.h"

#include <errno.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Back-off: 1 s, 2 s, 4 s … capped at one hour, plus up to 50 % jitter.
 * After this many attempts (about three days) a row is given up (state 3)
 * and stays in the store for the operator to see. */
#define RETRY_CAP_MS (3600LL * 1000)
#define GIVE_UP_ATTEMPTS 80u
/* Milliseconds between passes of the thread, and between calls of the
 * hourly job (the monthly report mail). */
#define PASS_MS 1000
#define HOURLY_MS (3600LL * 1000)

mm_rc mm_hub__mail_conf_set(mm_hub_mail_conf *mc, const char *dir,
                            const char *key, const char *val, const char *file,
                            unsigned line, mm_err *err)
{
    if (strcmp(key, "smtp_url") == 0) {
        if (strncmp(val, "smtp://", 7) != 0 &&
            strncmp(val, "smtps://", 8) != 0)
            return mm_err_set(err, MM_EINVAL, file, line,
                              "smtp_url must be smtp://HOST:PORT or "
                              "smtps://HOST:PORT");
        snprintf(mc->url, sizeof mc->url, "%s", val);
    } else if (strcmp(key, "smtp_user") == 0) {
        snprintf(mc->user, sizeof mc->user, "%s", val);
    } else if (strcmp(key, "smtp_ca_file") == 0) {
        snprintf(mc->ca_file, sizeof mc->ca_file, "%s%s%s",
                 val[0] == '/' ? "" : dir, val[0] == '/' ? "" : "/", val);
    } else if (strcmp(key, "smtp_password_file") == 0) {
        snprintf(mc->password_file, sizeof mc->password_file, "%s%s%s",
                 val[0] == '/' ? "" : dir, val[0] == '/' ? "" : "/", val);
    } else if (strcmp(key, "smtp_from") == 0) {
        if (!mm_notify_addr_valid(val))
            return mm_err_set(err, MM_EINVAL, file, line,
                              "smtp_from must be a plain mail address");
        snprintf(mc->from, sizeof mc->from, "%s", val);
    } else if (strcmp(key, "smtp_tls") == 0) {
        if (strcmp(val, "try") != 0 && strcmp(val, "required") != 0)
            return mm_err_set(err, MM_EINVAL, file, line,
                              "smtp_tls must be try or required");
        mc->tls_required = strcmp(val, "required") == 0;
    } else if (strcmp(key, "report_mail") == 0) {
        bool on =
            !strcmp(val, "on") || !strcmp(val, "true") || !strcmp(val, "1");
        if (!on && strcmp(val, "off") && strcmp(val, "false") &&
            strcmp(val, "0"))
            return mm_err_set(err, MM_EINVAL, file, line,
                              "report_mail must be on or off");
        mc->report_mail = on;
    } else {
        return mm_err_set(err, MM_EINVAL, file, line, "unknown option '%s'",
                          key);
    }
    return MM_OK;
}

/* ---- one pass ------------------------------------------------------------
 */

/* The due rows, read under the lock into one growing buffer of
 * mm_outbox_msg, and which of them are handled. */
typedef struct due {
    mm_buf rows;
    mm_outbox_msg *v;
    size_t n;
    bool *done;
} due;

static mm_rc collect(const mm_outbox_msg *m, void *ud)
{
    return mm_buf_append(&((due *)ud)->rows, m, sizeof *m);
}

static void lock(pthread_mutex_t *mu)
{
    if (mu)
        pthread_mutex_lock(mu);
}

static void unlock(pthread_mutex_t *mu)
{
    if (mu)
        pthread_mutex_unlock(mu);
}

/* Reads the first line of the password file (0600, beside hub.conf). */
static mm_rc read_password(const mm_hub_mail_conf *mc, char *out, size_t n,
                           mm_err *err)
{
    out[0] = '\0';
    if (!mc->user[0] || !mc->password_file[0])
        return MM_OK;
    char *text = NULL;
    size_t len = 0;
    mm_rc rc = mm_file_read(mc->password_file, 4096, &text, &len, err);
    if (rc != MM_OK)
        return rc;
    size_t l = strcspn(text, "\r\n");
    snprintf(out, n, "%.*s", (int)l, text);
    sodium_memzero(text, len);
    free(text);
    return MM_OK;
}

static mm_rc send_mail(const mm_hub_mail_conf *mc, const char *password,
                       const mm_outbox_msg *m, const char *body, mm_err *err)
{
    if (!mc->url[0] || !mc->from[0])
        return mm_err_set(err, MM_EINVAL, "hub.conf", 0,
                          "smtp_url and smtp_from are not set");
    char id[96];
    snprintf(id, sizeof id, "mamori.outbox.%lld.%lld", (long long)m->id,
             (long long)m->created_ms);
    mm_mail mail = {mc->from, m->target, m->subject, body, mm_now_ms(), id};
    mm_buf msg;
    mm_buf_init(&msg, 4 * MM_NOTIFY_BODY_MAX);
    mm_rc rc = mm_notify_mail_compose(&mail, &msg, err);
    if (rc == MM_OK) {
        mm_smtp_conf sc = {mc->url,          mc->user, password,
                           mc->tls_required, 30,       mc->ca_file};
        rc = mm_notify_smtp_send(&sc, mc->from, m->target, msg.data, msg.len,
                                 err);
    }
    mm_buf_free(&msg);
    return rc;
}

static mm_rc send_one(const mm_hub_mail_conf *mc, const char *password,
                      const mm_outbox_msg *m, const char *body, mm_err *err)
{
    if (strcmp(m->channel, "email") == 0)
        return send_mail(mc, password, m, body, err);
    mm_chat_kind k =
        strcmp(m->channel, "slack") == 0 ? MM_CHAT_SLACK : MM_CHAT_TEAMS;
    return mm_notify_chat_send(k, m->target, m->subject, body, err);
}

/* The body of row i, or of every due digest row of its preference (then
 * done[] marks them, so each goes into one message). */
static mm_rc body_of(due *d, size_t i, mm_buf *b)
{
    const mm_outbox_msg *m = &d->v[i];
    if (!m->digest)
        return mm_buf_puts(b, m->body);
    size_t n = 0;
    for (size_t j = i; j < d->n; j++)
        n += d->v[j].digest && d->v[j].pref == m->pref;
    mm_rc rc = mm_buf_printf(b,
                             "本日の警告のまとめ: %zu 件 / daily digest: %zu "
                             "warning(s)\n\n",
                             n, n);
    for (size_t j = i; rc == MM_OK && j < d->n; j++)
        if (d->v[j].digest && d->v[j].pref == m->pref) {
            d->done[j] = j != i;
            rc = mm_buf_printf(b, "==== %s\n%s\n", d->v[j].subject,
                               d->v[j].body);
        }
    return rc;
}

static int64_t backoff_ms(unsigned attempts)
{
    int64_t b = 1000LL << (attempts < 22 ? attempts - 1 : 21);
    if (b > RETRY_CAP_MS)
        b = RETRY_CAP_MS;
    return b + (int64_t)randombytes_uniform((uint32_t)(b / 2 + 1));
}

/* Marks row i (and the digest rows sent with it) after one attempt. */
static void mark(mm_store *st, due *d, size_t i, mm_rc sent, const mm_err *e)
{
    const mm_outbox_msg *m = &d->v[i];
    mm_err err;
    char why[256] = "";
    if (sent != MM_OK)
        mm_err_format(e, why, sizeof why);
    unsigned att = m->attempts + 1;
    for (size_t j = i; j < d->n; j++) {
        if (j != i &&
            !(m->digest && d->v[j].digest && d->v[j].pref == m->pref))
            continue;
        if (sent == MM_OK)
            st->ops->outbox_mark(st, d->v[j].id, MM_OUTBOX_SENT, att,
                                 mm_now_ms(), "", &err);
        else
            st->ops->outbox_mark(st, d->v[j].id,
                                 att >= GIVE_UP_ATTEMPTS ? MM_OUTBOX_GIVEN_UP
                                                         : MM_OUTBOX_PENDING,
                                 att, mm_now_ms() + backoff_ms(att), why,
                                 &err);
        d->done[j] = true;
    }
}

static mm_rc pass(mm_store *st, pthread_mutex_t *mu,
                  const mm_hub_mail_conf *mc, int64_t now, unsigned *sent,
                  unsigned *failed, atomic_bool *stop, mm_err *err)
{
    *sent = *failed = 0;
    if (!st->ops->outbox_due)
        return mm_err_set(err, MM_EINVAL, "store", 0,
                          "notifications are not supported by this store");
    due d = {{NULL, 0, 0, 0}, NULL, 0, NULL};
    mm_buf_init(&d.rows, 101 * sizeof(mm_outbox_msg));
    lock(mu);
    mm_rc rc = st->ops->outbox_due(st, now, collect, &d, err);
    unlock(mu);
    d.v = (mm_outbox_msg *)(void *)d.rows.data;
    d.n = d.rows.len / sizeof(mm_outbox_msg);
    char password[512];
    if (rc == MM_OK && d.n)
        rc = read_password(mc, password, sizeof password, err);
    if (rc == MM_OK && d.n && !(d.done = calloc(d.n, sizeof *d.done)))
        rc = mm_err_set(err, MM_ENOMEM, "outbox", 0, "out of memory");
    for (size_t i = 0; rc == MM_OK && i < d.n && !(stop && atomic_load(stop));
         i++) {
        if (d.done[i])
            continue;
        mm_buf b;
        mm_buf_init(&b, MM_NOTIFY_BODY_MAX);
        mm_err e;
        memset(&e, 0, sizeof e);
        mm_rc r = body_of(&d, i, &b);
        if (d.v[i].digest) /* the digest has its own subject */
            snprintf(d.v[i].subject, sizeof d.v[i].subject,
                     "[mamori] 警告のまとめ（1日分）/ daily digest of "
                     "warnings");
        if (r == MM_OK)
            r = send_one(mc, password, &d.v[i], b.data, &e);
        else
            mm_err_set(&e, r, "outbox", 0, "digest too large");
        mm_buf_free(&b);
        lock(mu);
        mark(st, &d, i, r, &e);
        unlock(mu);
        if (r == MM_OK)
            (*sent)++;
        else
            (*failed)++;
    }
    if (d.n) {
        mm_err e;
        mm_store_sync(st, &e); /* the marks are durable before the next pass */
    }
    sodium_memzero(password, sizeof password);
    mm_buf_free(&d.rows);
    free(d.done);
    return rc;
}

mm_rc mm_hub_notifier_pass(mm_store *st, const mm_hub_mail_conf *mc,
                           int64_t now_ms, unsigned *sent, unsigned *failed,
                           mm_err *err)
{
    return pass(st, NULL, mc, now_ms, sent, failed, NULL, err);
}

/* ---- the thread ------------------------------------------------------------
 */

struct mm_hub_notifier {
    pthread_t th;
    atomic_bool stop;
    mm_store *st;        /* the server's store … */
    pthread_mutex_t *mu; /* … and the lock around every call into it */
    mm_hub_mail_conf mc;
};

/* A pass every PASS_MS, sleeping in ticks of 100 ms so that a stop is
 * seen quickly. */
static void *notifier_main(void *arg)
{
    mm_hub_notifier *n = arg;
    const struct timespec tick = {0, 100 * 1000000L};
    int64_t last_hourly = 0;
    for (unsigned i = 0; !atomic_load(&n->stop); i++) {
        if (n->mc.hourly &&
            (last_hourly == 0 || mm_mono_ms() - last_hourly >= HOURLY_MS)) {
            mm_err err;
            last_hourly = mm_mono_ms();
            lock(n->mu);
            n->mc.hourly(n->st, mm_now_ms(), n->mc.hourly_ud, &err);
            unlock(n->mu);
        }
        if (i % (PASS_MS / 100) == 0) {
            unsigned sent, failed;
            mm_err err;
            pass(n->st, n->mu, &n->mc, mm_now_ms(), &sent, &failed, &n->stop,
                 &err);
        }
        nanosleep(&tick, NULL);
    }
    return NULL;
}

mm_rc mm_hub_notifier_start(mm_store *st, pthread_mutex_t *mu,
                            const mm_hub_mail_conf *mc, mm_hub_notifier **out,
                            mm_err *err)
{
    *out = NULL;
    mm_hub_notifier *n = calloc(1, sizeof *n);
    if (!n)
        return mm_err_set(err, MM_ENOMEM, "notifier", 0, "out of memory");
    n->st = st;
    n->mu = mu;
    n->mc = *mc;
    atomic_init(&n->stop, false);
    if (pthread_create(&n->th, NULL, notifier_main, n) != 0) {
        free(n);
        return mm_err_set(err, MM_EINTERNAL, "notifier", 0,
                          "cannot start the notifier thread: %s",
                          strerror(errno));
    }
    *out = n;
    return MM_OK;
}

void mm_hub_notifier_stop(mm_hub_notifier *n)
{
    if (!n)
        return;
    atomic_store(&n->stop, true);
    pthread_join(n->th, NULL);
    free(n);
}
