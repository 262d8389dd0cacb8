/* SPDX-License-Identifier: Apache-2.0 */
/* balance.c — a small TCP balancer on loopback for `mamori demo --cluster`:
 * the sensors know one address, as they would know a load balancer's in
 * front of a national hub's front ends; each connection goes to the next
 * front end that accepts it. A killed front end refuses connections, so a
 * sensor's retry lands on another one. Bytes are copied as they are (TLS
 * end to end between sensor and front end). One thread per connection: the
 * demo has five sensors with two connections each. */
#include "demo-int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONN_MAX 128

typedef struct conn {
    pthread_t th;
    int cfd, bfd;
    bool used, done;
    struct mm_demo_balancer *b;
} conn;

struct mm_demo_balancer {
    int lfd, stop_fd;
    unsigned ports[MM_DEMO_FRONTENDS];
    int n, next;
    pthread_t th;
    pthread_mutex_t mu;
    conn conns[CONN_MAX];
};

static int connect_port(unsigned port)
{
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* Copies what `from` has to `to`; false at end of stream or on error. */
static bool pump(int from, int to)
{
    char buf[16384];
    ssize_t r = read(from, buf, sizeof buf);
    if (r <= 0)
        return false;
    for (ssize_t off = 0; off < r;) {
        ssize_t w = send(to, buf + off, (size_t)(r - off), MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        off += w;
    }
    return true;
}

/* Waits until one of p[0..n-2] is ready; false when the last one (the
 * stop eventfd) is, or on error. */
static bool wait_ready(struct pollfd *p, nfds_t n)
{
    int r;
    while ((r = poll(p, n, -1)) < 0 && errno == EINTR)
        ;
    return r > 0 && !p[n - 1].revents;
}

static void *conn_main(void *arg)
{
    conn *c = arg;
    struct pollfd p[3] = {
        {c->cfd, POLLIN, 0}, {c->bfd, POLLIN, 0}, {c->b->stop_fd, POLLIN, 0}};
    while (wait_ready(p, 3)) {
        if (p[0].revents && !pump(c->cfd, c->bfd))
            break;
        if (p[1].revents && !pump(c->bfd, c->cfd))
            break;
    }
    close(c->cfd);
    close(c->bfd);
    pthread_mutex_lock(&c->b->mu);
    c->done = true;
    pthread_mutex_unlock(&c->b->mu);
    return NULL;
}

/* A free slot (joining finished threads); NULL when all are busy. */
static conn *slot(mm_demo_balancer *b)
{
    conn *free_c = NULL;
    pthread_mutex_lock(&b->mu);
    for (int i = 0; i < CONN_MAX; i++) {
        conn *c = &b->conns[i];
        if (c->used && c->done) {
            pthread_join(c->th, NULL);
            c->used = false;
        }
        if (!c->used && !free_c)
            free_c = c;
    }
    pthread_mutex_unlock(&b->mu);
    return free_c;
}

/* The next front end that accepts, round robin; -1 when none does. */
static int backend(mm_demo_balancer *b)
{
    for (int k = 0; k < b->n; k++) {
        int fd = connect_port(b->ports[b->next]);
        b->next = (b->next + 1) % b->n;
        if (fd >= 0)
            return fd;
    }
    return -1;
}

static void accept_one(mm_demo_balancer *b)
{
    int cfd = accept4(b->lfd, NULL, NULL, SOCK_CLOEXEC);
    if (cfd < 0)
        return;
    conn *c = slot(b);
    int bfd = c ? backend(b) : -1;
    if (bfd < 0) {
        close(cfd); /* the sensor retries */
        return;
    }
    *c = (conn){.cfd = cfd, .bfd = bfd, .used = true, .b = b};
    if (pthread_create(&c->th, NULL, conn_main, c) != 0) {
        c->used = false;
        close(cfd);
        close(bfd);
    }
}

static void *listen_main(void *arg)
{
    mm_demo_balancer *b = arg;
    struct pollfd p[2] = {{b->lfd, POLLIN, 0}, {b->stop_fd, POLLIN, 0}};
    while (wait_ready(p, 2))
        accept_one(b);
    return NULL;
}

static int listen_loopback(unsigned *port)
{
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    socklen_t n = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(fd, 64) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &n) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

mm_rc mm_demo_balancer_start(const unsigned *ports, int n, unsigned *port,
                             mm_demo_balancer **out, mm_err *err)
{
    *out = NULL;
    mm_demo_balancer *b = calloc(1, sizeof *b);
    if (!b)
        return mm_err_set(err, MM_ENOMEM, "", 0, "out of memory");
    b->n = n < MM_DEMO_FRONTENDS ? n : MM_DEMO_FRONTENDS;
    memcpy(b->ports, ports, sizeof b->ports[0] * (size_t)b->n);
    pthread_mutex_init(&b->mu, NULL);
    b->stop_fd = eventfd(0, EFD_CLOEXEC);
    b->lfd = listen_loopback(port);
    if (b->stop_fd < 0 || b->lfd < 0 ||
        pthread_create(&b->th, NULL, listen_main, b) != 0) {
        int e = errno;
        if (b->lfd >= 0)
            close(b->lfd);
        if (b->stop_fd >= 0)
            close(b->stop_fd);
        pthread_mutex_destroy(&b->mu);
        free(b);
        return mm_err_set(err, MM_EIO, "", 0, "balancer: %s", strerror(e));
    }
    *out = b;
    return MM_OK;
}

void mm_demo_balancer_stop(mm_demo_balancer *b)
{
    if (!b)
        return;
    uint64_t one = 1;
    ssize_t w = write(b->stop_fd, &one, sizeof one); /* cannot fail */
    (void)w;
    pthread_join(b->th, NULL);
    for (int i = 0; i < CONN_MAX; i++)
        if (b->conns[i].used)
            pthread_join(b->conns[i].th, NULL);
    close(b->lfd);
    close(b->stop_fd);
    pthread_mutex_destroy(&b->mu);
    free(b);
}
