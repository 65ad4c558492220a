/* make bench: xenstored throughput and watch latency through its socket,
 * each figure next to a unix-socket echo server (one thread, poll) that
 * answers with messages of the same sizes, measured in the same run.
 * Usage: xenstored_bench (XENSTORED_PATH names the daemon's socket). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <xen/io/xs_wire.h>
#include "bench_util.h"

/* Each figure: the best of ROUNDS runs of SECONDS, xenstored and echo
 * alternating, so a burst of load from elsewhere hits both alike. */
#define SECONDS 0.4
#define ROUNDS 3

static char echo_path[108];

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int connect_to(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        perror(path);
        exit(1);
    }
    return fd;
}

static int io_all(int fd, void *b, size_t n, bool rd)
{
    while (n) {
        ssize_t r = rd ? read(fd, b, n) : write(fd, b, n);
        if (r <= 0)
            return -1;
        b = (char *)b + r;
        n -= r;
    }
    return 0;
}

/* The echo server: for each request, a reply with tx_id bytes of payload
 * (the size xenstored's reply to the same request has).  As lean as a
 * server can be: one recv per wake-up, one send per reply, so the ratio
 * shows what xenstored's own work costs on top of the socket round trip. */
struct echo_conn {
    char in[2 * (XENSTORE_PAYLOAD_MAX + 16)];
    size_t used;
};

static void echo_server(int lfd)
{
    static struct echo_conn ec[64];
    static char out[XENSTORE_PAYLOAD_MAX + 16];
    struct pollfd p[64];
    int n = 1, i;

    p[0].fd = lfd;
    p[0].events = POLLIN;
    for (;;) {
        if (poll(p, n, -1) < 0)
            continue;
        if ((p[0].revents & POLLIN) && n < 64) {
            p[n].fd = accept(lfd, NULL, NULL);
            p[n].events = POLLIN;
            ec[n].used = 0;
            if (p[n].fd >= 0)
                n++;
        }
        for (i = 1; i < n; i++) {
            struct echo_conn *e = &ec[i];
            struct xsd_sockmsg h;
            ssize_t r;

            if (!(p[i].revents & (POLLIN | POLLHUP)))
                continue;
            r = read(p[i].fd, e->in + e->used, sizeof(e->in) - e->used);
            if (r <= 0)
                goto drop;
            e->used += r;
            while (e->used >= sizeof(h)) {
                memcpy(&h, e->in, sizeof(h));
                if (h.len > XENSTORE_PAYLOAD_MAX)
                    goto drop;
                if (e->used < sizeof(h) + h.len)
                    break;
                memmove(e->in, e->in + sizeof(h) + h.len, e->used - sizeof(h) - h.len);
                e->used -= sizeof(h) + h.len;
                h.len = h.tx_id;
                h.tx_id = 0;
                memcpy(out, &h, sizeof(h));
                memset(out + sizeof(h), 'e', h.len);
                if (io_all(p[i].fd, out, sizeof(h) + h.len, false))
                    goto drop;
            }
            continue;
        drop:
            close(p[i].fd);
            ec[i] = ec[n - 1];
            p[i--] = p[--n];
        }
    }
}

/* One request, its reply (skipping watch events); returns reply type. */
static int req(int fd, bool echo, uint32_t type, uint32_t tx, const void *body,
               uint32_t len, uint32_t reply_len, char *out)
{
    static __thread char buf[XENSTORE_PAYLOAD_MAX + 1];
    struct xsd_sockmsg h = { type, 1, echo ? reply_len : tx, len };

    static __thread char msg[XENSTORE_PAYLOAD_MAX + 16];

    if (!out)
        out = buf;
    memcpy(msg, &h, sizeof(h));
    memcpy(msg + sizeof(h), body, len);
    if (io_all(fd, msg, sizeof(h) + len, false))
        return -1;
    do {
        if (io_all(fd, &h, sizeof(h), true) || h.len > XENSTORE_PAYLOAD_MAX ||
            io_all(fd, out, h.len, true))
            return -1;
    } while (h.type == XS_WATCH_EVENT);
    out[h.len] = 0;
    return h.type;
}

enum op { OP_READ, OP_WRITE, OP_DIR, OP_TX };
static const char *op_name[] = { "read", "write", "directory", "transaction" };
static unsigned int dir_len;

struct worker {
    pthread_t th;
    int id;
    enum op op;
    bool echo;
    double stop;
    long ops;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    int fd = connect_to(w->echo ? echo_path : getenv("XENSTORED_PATH"));
    char wbody[64], txb[16], out[XENSTORE_PAYLOAD_MAX + 1];
    int wl = snprintf(wbody, sizeof(wbody), "/bench/w%d/k%c0123456789abcdef", w->id, 0);

    while (now() < w->stop) {
        for (int k = 0; k < 50; k++) {
            switch (w->op) {
            case OP_READ:
                req(fd, w->echo, XS_READ, 0, "/bench/key", 11, 16, NULL);
                break;
            case OP_WRITE:
                req(fd, w->echo, XS_WRITE, 0, wbody, wl, 3, NULL);
                break;
            case OP_DIR:
                req(fd, w->echo, XS_DIRECTORY, 0, "/bench/dir", 11, dir_len, NULL);
                break;
            case OP_TX: {
                uint32_t tx;
                req(fd, w->echo, XS_TRANSACTION_START, 0, "", 1, 2, out);
                tx = w->echo ? 0 : strtoul(out, NULL, 10);
                req(fd, w->echo, XS_WRITE, tx, wbody, wl, 3, NULL);
                snprintf(txb, sizeof(txb), "T");
                req(fd, w->echo, XS_TRANSACTION_END, tx, txb, 2, 3, NULL);
                break;
            }
            }
            w->ops++;
        }
    }
    close(fd);
    return NULL;
}

static double run(enum op op, int clients, bool echo)
{
    struct worker w[16];
    double t0 = now(), stop = t0 + SECONDS;
    long total = 0;
    int i;

    for (i = 0; i < clients; i++) {
        w[i] = (struct worker){ .id = i, .op = op, .echo = echo, .stop = stop };
        pthread_create(&w[i].th, NULL, work, &w[i]);
    }
    for (i = 0; i < clients; i++) {
        pthread_join(w[i].th, NULL);
        total += w[i].ops;
    }
    return total / (now() - t0);
}

/* Watch event latency: write on one connection, event on another. */
static double watch_latency(void)
{
    int w = connect_to(getenv("XENSTORED_PATH")), c = connect_to(getenv("XENSTORED_PATH"));
    struct xsd_sockmsg h;
    char buf[XENSTORE_PAYLOAD_MAX + 1];
    double lat[200];
    int i;

    req(w, false, XS_WATCH, 0, "/bench/lat\0tok", 15, 0, NULL);
    /* The initial event. */
    io_all(w, &h, sizeof(h), true);
    io_all(w, buf, h.len, true);
    for (i = 0; i < 200; i++) {
        double t0 = now();
        struct xsd_sockmsg wr = { XS_WRITE, 9, 0, 14 };
        io_all(c, &wr, sizeof(wr), false);
        io_all(c, "/bench/lat/x\0v", 14, false);
        do {
            io_all(w, &h, sizeof(h), true);
            io_all(w, buf, h.len, true);
        } while (h.type != XS_WATCH_EVENT);
        lat[i] = now() - t0;
        io_all(c, &h, sizeof(h), true);   /* the write's reply */
        io_all(c, buf, h.len, true);
    }
    close(w);
    close(c);
    qsort(lat, 200, sizeof(lat[0]), bench_cmp_double);
    return lat[100] * 1e6;
}

static double echo_rtt(void)
{
    int fd = connect_to(echo_path);
    double lat[200];
    int i;

    for (i = 0; i < 200; i++) {
        double t0 = now();
        req(fd, true, XS_WRITE, 0, "/bench/lat/x\0v", 14, 3, NULL);
        lat[i] = now() - t0;
    }
    close(fd);
    qsort(lat, 200, sizeof(lat[0]), bench_cmp_double);
    return lat[100] * 1e6;
}

/* Pipelined writes of n leaves under /bench/rm (100 directories of up to
 * n/100 children): the tree the big RM removes. */
static void build_tree(int fd, int n)
{
    char body[64], rbuf[XENSTORE_PAYLOAD_MAX + 1];
    struct xsd_sockmsg h;
    int sent = 0, got = 0;

    while (got < n) {
        while (sent < n && sent - got < 256) {
            int l = snprintf(body + sizeof(h), sizeof(body) - sizeof(h), "/bench/rm/d%d/n%d",
                             sent % 100, sent / 100) + 1;
            h = (struct xsd_sockmsg){ XS_MKDIR, 2, 0, l };
            memcpy(body, &h, sizeof(h));
            if (io_all(fd, body, sizeof(h) + l, false))
                exit(1);
            sent++;
        }
        if (io_all(fd, &h, sizeof(h), true) || h.len > XENSTORE_PAYLOAD_MAX ||
            io_all(fd, rbuf, h.len, true))
            exit(1);
        got++;
    }
}

/* A probe reading one node again and again while a big RM or commit runs
 * on another connection: the longest it waited for one reply (xenstored
 * works on those in slices, serving others in between). */
struct probe {
    pthread_t th;
    volatile bool stop;
    double worst;
    long n;
};

static void *probe_run(void *arg)
{
    struct probe *p = arg;
    int fd = connect_to(getenv("XENSTORED_PATH"));

    while (!p->stop) {
        double t0 = now(), d;
        req(fd, false, XS_READ, 0, "/bench/key", 11, 0, NULL);
        d = now() - t0;
        if (d > p->worst)
            p->worst = d;
        p->n++;
    }
    close(fd);
    return NULL;
}

/* RM of an n-node subtree, outside and inside a transaction; times in ms. */
static void big_rm(int n)
{
    int fd = connect_to(getenv("XENSTORED_PATH"));
    char out[XENSTORE_PAYLOAD_MAX + 1];
    double t0, rm, rm_tx, commit, rm_worst;
    struct probe p = { 0 };
    uint32_t tx;

    build_tree(fd, n);
    pthread_create(&p.th, NULL, probe_run, &p);
    usleep(20000);
    t0 = now();
    req(fd, false, XS_RM, 0, "/bench/rm", 10, 0, NULL);
    rm = now() - t0;
    usleep(20000);
    p.stop = true;
    pthread_join(p.th, NULL);
    rm_worst = p.worst;
    build_tree(fd, n);
    p = (struct probe){ 0 };
    pthread_create(&p.th, NULL, probe_run, &p);
    usleep(20000);
    req(fd, false, XS_TRANSACTION_START, 0, "", 1, 0, out);
    tx = strtoul(out, NULL, 10);
    t0 = now();
    req(fd, false, XS_RM, tx, "/bench/rm", 10, 0, NULL);
    rm_tx = now() - t0;
    t0 = now();
    if (req(fd, false, XS_TRANSACTION_END, tx, "T", 2, 0, NULL) != XS_TRANSACTION_END)
        printf("(the commit failed)\n");
    commit = now() - t0;
    usleep(20000);
    p.stop = true;
    pthread_join(p.th, NULL);
    printf("rm of %6d nodes: %8.1f ms; in a transaction: rm %8.1f ms, commit %8.1f ms; "
           "a probe's longest wait for a read meanwhile: %5.1f ms (rm), %5.1f ms (transaction)\n",
           n, rm * 1e3, rm_tx * 1e3, commit * 1e3, rm_worst * 1e3, p.worst * 1e3);
    fflush(stdout);
    close(fd);
}

int main(int argc, char **argv)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = connect_to(getenv("XENSTORED_PATH")), lfd, i, c;
    char body[128];
    pid_t echo;

    /* The data: a 16-byte value, a directory of 20 children, one node per
     * client for writes. */
    req(fd, false, XS_WRITE, 0, "/bench/key\0" "0123456789abcdef", 27, 0, NULL);
    for (i = 0; i < 20; i++) {
        int n = snprintf(body, sizeof(body), "/bench/dir/child%02d", i);
        req(fd, false, XS_MKDIR, 0, body, n + 1, 0, NULL);
        dir_len += strlen("child00") + 1;
    }
    for (i = 0; i < 16; i++) {
        int n = snprintf(body, sizeof(body), "/bench/w%d/k%cx", i, 0);
        req(fd, false, XS_WRITE, 0, body, n + 1, 0, NULL);
    }
    close(fd);

    snprintf(echo_path, sizeof(echo_path), "/tmp/xsbench-echo.%d", (int)getpid());
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", echo_path);
    lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    unlink(echo_path);
    if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 64)) {
        perror("echo socket");
        return 1;
    }
    echo = fork();
    if (echo == 0)
        echo_server(lfd);
    close(lfd);

    /* xenstored_bench rm N...: only the big-RM figures. */
    if (argc > 1 && !strcmp(argv[1], "rm")) {
        for (i = 2; i < argc; i++)
            big_rm(atoi(argv[i]));
        kill(echo, SIGKILL);
        waitpid(echo, NULL, 0);
        unlink(echo_path);
        return 0;
    }
    printf("# xenstored vs unix-socket echo (same message sizes), ops/s, best of %d x %.1f s\n",
           ROUNDS, SECONDS);
    printf("%-12s %8s %12s %12s %7s\n", "op", "clients", "xenstored", "echo", "ratio");
    for (c = 1; c <= 16; c += 15) {
        for (i = OP_READ; i <= OP_TX; i++) {
            double x = 0, e = 0;
            for (int r = 0; r < ROUNDS; r++) {
                double a = run(i, c, false), b = run(i, c, true);
                x = a > x ? a : x;
                e = b > e ? b : e;
            }
            printf("%-12s %8d %12.0f %12.0f %7.2f\n", op_name[i], c, x, e, x / e);
            fflush(stdout);
        }
    }
    double wl = watch_latency(), er = echo_rtt();
    printf("watch event latency (write -> event, median of 200): %.1f us; echo round trip %.1f us; ratio %.2f\n",
           wl, er, wl / er);
    /* xenstored_bench ops: without the big-RM figures. */
    for (i = 1000; i <= 100000 && !(argc > 1 && !strcmp(argv[1], "ops")); i *= 10)
        big_rm(i);
    kill(echo, SIGKILL);
    waitpid(echo, NULL, 0);
    unlink(echo_path);
    return 0;
}
