/* The guest's PV console, as Xen's xenconsoled serves it
 * (tools/console/daemon/io.c): the ring page of
 * xen/include/public/io/console.h (special page SPECIAL_CONSOLE, at
 * HVM_PARAM_CONSOLE_PFN), its event channel bound for domain 0.  A backend
 * on the seam (backend/context.h): it touches the guest only through its
 * context, so it runs inside the VMM or in a process of its own alike.
 *
 * Everything here runs on the event thread: a guest notification drains
 * `out` to the outputs (log file, clients of the console socket, or
 * standard output) and lets blocked clients send again; client input goes
 * onto `in` as far as it has room.  Each step notifies the guest, as
 * xenconsoled does.
 *
 * Bounds: a client is read only while `in` has room (no input is dropped,
 * the socket holds the rest); output a client does not take is kept up to
 * XK_CONSOLE_CLIENT_BUF per client, then its oldest output is dropped, so
 * a slow client never stops the guest or the others.  The log file gets
 * everything. */
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "guest_layout.h"
#include "evloop.h"
#include "log.h"
#include "unix_sock.h"
#include "util.h"

/* Drain passes per notification: a guest that refills the ring as fast
 * as we empty it waits for the next event-thread turn. */
#define DRAIN_PASSES 16
/* How long the last output may take to reach clients at the end. */
#define FINAL_FLUSH_MS 500
/* The kernel's share of a client's unsent output. */
#define CLIENT_SNDBUF (32 * 1024)

/* Output with nowhere else to go (no log, no run directory). */
static void write_stdout(const char *buf, size_t n)
{
    while (n) {
        ssize_t k = write(STDOUT_FILENO, buf, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        buf += k;
        n -= (size_t)k;
    }
}

/* --- the ring ---------------------------------------------------------- */

int cons_ring_take_out(struct xencons_interface *intf, char *buf)
{
    volatile const char *ring = intf->out;
    XENCONS_RING_IDX cons, prod, size;

    cons = __atomic_load_n(&intf->out_cons, __ATOMIC_RELAXED);
    prod = __atomic_load_n(&intf->out_prod, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);        /* xen_mb() */
    size = prod - cons;
    if (size == 0)
        return 0;
    if (size > sizeof(intf->out))
        return -1;
    for (XENCONS_RING_IDX i = 0; i < size; i++)
        buf[i] = ring[MASK_XENCONS_IDX(cons + i, intf->out)];
    __atomic_thread_fence(__ATOMIC_SEQ_CST);        /* read before freeing */
    __atomic_store_n(&intf->out_cons, prod, __ATOMIC_RELAXED);
    return (int)size;
}

int cons_ring_in_space(const struct xencons_interface *intf)
{
    XENCONS_RING_IDX cons, prod, used;

    cons = __atomic_load_n(&intf->in_cons, __ATOMIC_RELAXED);
    prod = __atomic_load_n(&intf->in_prod, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    used = prod - cons;
    if (used > sizeof(intf->in))
        return -1;
    return (int)(sizeof(intf->in) - used);
}

void cons_ring_put_in(struct xencons_interface *intf, const char *buf, size_t len)
{
    volatile char *ring = intf->in;
    XENCONS_RING_IDX prod = __atomic_load_n(&intf->in_prod, __ATOMIC_RELAXED);

    for (size_t i = 0; i < len; i++)
        ring[MASK_XENCONS_IDX(prod++, intf->in)] = buf[i];
    __atomic_thread_fence(__ATOMIC_RELEASE);        /* xen_wmb() */
    __atomic_store_n(&intf->in_prod, prod, __ATOMIC_RELAXED);
}

/* --- byte queues that drop their oldest bytes when full ---------------- */

struct bq {
    char *data;             /* allocated on first use */
    size_t size, head, len;
};

static void bq_push(struct bq *q, const char *buf, size_t n, uint64_t *dropped)
{
    size_t drop, tail, first;

    if (!n)
        return;
    if (!q->data && !(q->data = malloc(q->size))) {
        *dropped += n;
        return;
    }
    if (n > q->size) {                  /* only the newest fit */
        *dropped += n - q->size;
        buf += n - q->size;
        n = q->size;
    }
    if (q->len + n > q->size) {
        drop = q->len + n - q->size;
        q->head = (q->head + drop) % q->size;
        q->len -= drop;
        *dropped += drop;
    }
    tail = (q->head + q->len) % q->size;
    first = XK_MIN(n, q->size - tail);
    memcpy(q->data + tail, buf, first);
    memcpy(q->data, buf + first, n - first);
    q->len += n;
}

/* The oldest bytes, contiguous: their length (0 when empty). */
static size_t bq_peek(const struct bq *q, const char **p)
{
    *p = q->data + q->head;
    return XK_MIN(q->len, q->size - q->head);
}

static void bq_pop(struct bq *q, size_t n)
{
    q->head = (q->head + n) % q->size;
    q->len -= n;
    if (!q->len)
        q->head = 0;
}

static void bq_free(struct bq *q)
{
    free(q->data);
    q->data = NULL;
    q->head = q->len = 0;
}

/* --- the console ------------------------------------------------------- */

/* Totals for the state dump (console_dump_stats), read from the signal
 * thread while the event thread updates them: one console per VMM. */
static struct {
    _Atomic uint64_t taken, sent, dropped, accepted, queued, backlog;
    _Atomic unsigned clients;
} stats;

struct client {
    struct console *con;
    struct client *next;
    int fd;
    bool throttled;         /* `in` was full: not read until it has room */
    struct bq out;          /* output the socket did not take yet */
    uint64_t dropped;
};

struct console {
    struct xk_backend_ctx *ctx;
    struct xencons_interface *intf;
    int notify_fd, event_fd, chan_fd;
    int log_fd;
    bool log_failed;
    bool to_stdout;
    int listen_fd;
    struct sockaddr_un addr;
    struct client *clients;
    struct bq backlog;      /* output while no client was connected */
    uint64_t backlog_dropped;
    bool out_broken, in_broken;     /* reported once each */
};

/* What waits for the clients now (on the event thread, after a change). */
static void stats_queued(struct console *con)
{
    uint64_t q = 0;

    for (struct client *c = con->clients; c; c = c->next)
        q += c->out.len;
    atomic_store(&stats.queued, q);
    atomic_store(&stats.backlog, con->backlog.len);
}

static void notify_guest(struct console *con)
{
    uint64_t one = 1;

    if (write(con->notify_fd, &one, sizeof(one)) < 0)
        log_debug("domain %u: console: cannot notify the guest:", con->ctx->domid);
}

static void client_watch(struct client *c)
{
    uint32_t ev = c->throttled ? 0 : EPOLLIN;

    /* A throttled client without output to send is not watched at all:
     * even its hang-up waits until `in` has room and its last bytes are
     * read. */
    if (c->out.len)
        ev |= EPOLLOUT;
    evloop_set_events(c->con->ctx->loop, c->fd, ev);
}

static void client_drop(struct client *c, const char *why)
{
    struct console *con = c->con;
    struct client **pp;

    for (pp = &con->clients; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    log_debug("domain %u: console client %d: %s", con->ctx->domid, c->fd, why);
    if (c->dropped)
        log_info("domain %u: console client %d was too slow: %llu bytes of "
                 "output dropped", con->ctx->domid, c->fd,
                 (unsigned long long)c->dropped);
    evloop_del(con->ctx->loop, c->fd);
    close(c->fd);
    atomic_fetch_add(&stats.dropped, c->dropped);
    atomic_fetch_sub(&stats.clients, 1);
    bq_free(&c->out);
    free(c);
    stats_queued(con);
}

/* Send what the client is owed; false if it was dropped. */
static bool client_flush(struct client *c)
{
    const char *p;
    size_t n;
    ssize_t k;

    while ((n = bq_peek(&c->out, &p)) > 0) {
        k = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (k < 0 && (errno == EAGAIN || errno == EINTR))
            break;
        if (k <= 0) {
            client_drop(c, "gone (send failed)");
            return false;
        }
        bq_pop(&c->out, (size_t)k);
        atomic_fetch_add(&stats.sent, (uint64_t)k);
    }
    return true;
}

/* New output for one client: straight to its socket unless it is
 * behind.  False if the client was dropped. */
static bool client_output(struct client *c, const char *buf, size_t n)
{
    bool was_idle = !c->out.len;
    ssize_t k = 0;

    if (was_idle) {
        k = send(c->fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (k < 0 && errno != EAGAIN && errno != EINTR) {
            client_drop(c, "gone (send failed)");
            return false;
        }
        if (k < 0)
            k = 0;
        atomic_fetch_add(&stats.sent, (uint64_t)k);
    }
    if ((size_t)k < n) {
        uint64_t before = c->dropped;
        bq_push(&c->out, buf + k, n - (size_t)k, &c->dropped);
        if (!before && c->dropped)
            log_debug("domain %u: console client %d is behind: dropping its "
                      "oldest output", c->con->ctx->domid, c->fd);
    }
    if (was_idle && c->out.len)
        client_watch(c);
    return true;
}

static void write_log(struct console *con, const char *buf, size_t n)
{
    while (n) {
        ssize_t k = write(con->log_fd, buf, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            if (!con->log_failed)
                log_err("domain %u: console log:", con->ctx->domid);
            con->log_failed = true;
            return;
        }
        buf += k;
        n -= (size_t)k;
    }
}

static void output(struct console *con, const char *buf, size_t n)
{
    struct client *c, *next;

    if (con->log_fd >= 0)
        write_log(con, buf, n);
    if (con->to_stdout)
        write_stdout(buf, n);
    if (con->listen_fd >= 0 && !con->clients)
        bq_push(&con->backlog, buf, n, &con->backlog_dropped);
    for (c = con->clients; c; c = next) {
        next = c->next;
        client_output(c, buf, n);
    }
}

/* Room on `in`, or 0 (reported once) if its indices are corrupt. */
static int in_space(struct console *con)
{
    int space = cons_ring_in_space(con->intf);

    if (space < 0) {
        if (!con->in_broken)
            log_warn("domain %u: console ring: input indices are corrupt "
                     "(in_prod %u, in_cons %u, more apart than the %zu-byte "
                     "ring): no input is given until the guest repairs them",
                     con->ctx->domid, con->intf->in_prod, con->intf->in_cons,
                     sizeof(con->intf->in));
        con->in_broken = true;
        return 0;
    }
    return space;
}

/* The guest notified (or we look one last time). */
static void service(struct console *con)
{
    char buf[sizeof(con->intf->out)];
    struct client *c;
    int n = 0;

    for (int pass = 0; pass < DRAIN_PASSES; pass++) {
        n = cons_ring_take_out(con->intf, buf);
        if (n <= 0)
            break;
        notify_guest(con);      /* room for more */
        atomic_fetch_add(&stats.taken, (uint64_t)n);
        output(con, buf, (size_t)n);
    }
    stats_queued(con);
    if (n < 0) {
        /* xenconsoled leaves such a ring alone: nothing is taken, and the
         * guest is not notified, until it repairs its indices. */
        if (!con->out_broken)
            log_warn("domain %u: console ring: output indices are corrupt "
                     "(out_prod %u, out_cons %u, more apart than the %zu-byte "
                     "ring): output is ignored until the guest repairs them",
                     con->ctx->domid, con->intf->out_prod, con->intf->out_cons,
                     sizeof(con->intf->out));
        con->out_broken = true;
    }
    /* The guest may have taken input: clients that waited read again. */
    if (in_space(con) > 0)
        for (c = con->clients; c; c = c->next)
            if (c->throttled) {
                c->throttled = false;
                client_watch(c);
            }
}

static void on_event(void *arg, int fd, uint32_t events)
{
    uint64_t n;

    (void)events;
    if (read(fd, &n, sizeof(n)) == sizeof(n))
        service(arg);
}

/* The guest closed its console port (EVTCHNOP_close or reset): no event
 * comes any more.  Clients stay, input still lands on the ring. */
static void on_chan(void *arg, int fd, uint32_t events)
{
    struct console *con = arg;
    char m[64];
    ssize_t n = recv(fd, m, sizeof(m), MSG_DONTWAIT);

    (void)events;
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    log_debug("domain %u: the guest closed its console port", con->ctx->domid);
    evloop_del(con->ctx->loop, con->event_fd);
    evloop_del(con->ctx->loop, fd);
}

/* Client input onto `in`, no more than it has room for. */
static void client_read(struct client *c)
{
    struct console *con = c->con;
    char buf[sizeof(con->intf->in)];
    int space = in_space(con);
    ssize_t n;

    if (space == 0) {
        c->throttled = true;
        client_watch(c);
        return;
    }
    n = recv(c->fd, buf, (size_t)space, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        client_drop(c, n ? "read failed" : "disconnected");
        return;
    }
    cons_ring_put_in(con->intf, buf, (size_t)n);
    notify_guest(con);
}

static void on_client(void *arg, int fd, uint32_t events)
{
    struct client *c = arg;

    (void)fd;
    if ((events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) && c->out.len) {
        if (!client_flush(c))
            return;
        if (!c->out.len)
            client_watch(c);
        stats_queued(c->con);
    }
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !c->throttled)
        client_read(c);
}

static void on_accept(void *arg, int fd, uint32_t events)
{
    struct console *con = arg;
    int sndbuf = CLIENT_SNDBUF;
    struct client *c;
    int s = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

    (void)events;
    if (s < 0)
        return;
    c = calloc(1, sizeof(*c));
    if (!c) {
        close(s);
        return;
    }
    setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    c->con = con;
    c->fd = s;
    c->out.size = XK_CONSOLE_CLIENT_BUF;
    if (evloop_add_events(con->ctx->loop, s, EPOLLIN, on_client, c)) {
        close(s);
        free(c);
        return;
    }
    log_debug("domain %u: console client %d connected", con->ctx->domid, s);
    atomic_fetch_add(&stats.accepted, 1);
    atomic_fetch_add(&stats.clients, 1);
    /* The first client gets what the guest wrote while nobody listened
     * (as a pty keeps it for whoever opens it). */
    if (!con->clients && con->backlog.len) {
        const char *p;
        size_t n;
        c->next = NULL;
        con->clients = c;
        while ((n = bq_peek(&con->backlog, &p)) > 0 && client_output(c, p, n))
            bq_pop(&con->backlog, n);
        bq_free(&con->backlog);
        stats_queued(con);
        return;
    }
    c->next = con->clients;
    con->clients = c;
}

/* Listen on the console socket; one left by a dead VMM is taken over. */
static int console_listen(struct console *con)
{
    struct xk_backend_ctx *ctx = con->ctx;
    struct sockaddr_un *a = &con->addr;
    int s;

    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    if ((size_t)snprintf(a->sun_path, sizeof(a->sun_path), XK_CONSOLE_SOCK_FMT,
                         ctx->rundir, ctx->domid) >= sizeof(a->sun_path)) {
        log_err("run directory %s: name too long", ctx->rundir);
        return -ENAMETOOLONG;
    }
    s = xk_unix_listen(a->sun_path, SOCK_STREAM, 16);
    if (s < 0) {
        errno = -s;
        log_err("domain %u: console socket %s:", ctx->domid, a->sun_path);
        return s;
    }
    con->listen_fd = s;
    return 0;
}

static void console_free(struct console *con)
{
    if (con->listen_fd >= 0) {
        close(con->listen_fd);
        unlink(con->addr.sun_path);
    }
    if (con->log_fd >= 0)
        close(con->log_fd);
    if (con->notify_fd >= 0)
        close(con->notify_fd);
    if (con->event_fd >= 0)
        close(con->event_fd);
    if (con->chan_fd >= 0)
        close(con->chan_fd);
    bq_free(&con->backlog);
    free(con);
}

/* A client on socket S (accepted now, or kept across a live update). */
static struct client *client_add(struct console *con, int s)
{
    struct client *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    c->con = con;
    c->fd = s;
    c->out.size = XK_CONSOLE_CLIENT_BUF;
    if (evloop_add_events(con->ctx->loop, s, EPOLLIN, on_client, c)) {
        free(c);
        return NULL;
    }
    c->next = con->clients;
    con->clients = c;
    atomic_fetch_add(&stats.clients, 1);
    return c;
}

unsigned console_handover(struct console *con, int *fds, unsigned max)
{
    unsigned n = 0;

    if (!con || con->listen_fd < 0 || max == 0)
        return 0;
    fds[n++] = con->listen_fd;
    for (struct client *c = con->clients; c && n < max; c = c->next)
        fds[n++] = c->fd;
    return n;
}

int console_start(struct xk_backend_ctx *ctx, uint32_t port, int log_fd,
                  struct console **out)
{
    return console_start_kept(ctx, port, log_fd, NULL, 0, out);
}

int console_start_kept(struct xk_backend_ctx *ctx, uint32_t port, int log_fd,
                       const int *kept, unsigned nr_kept, struct console **out)
{
    struct console *con = calloc(1, sizeof(*con));
    struct xk_evtchn e;
    int rc;

    *out = NULL;
    if (!con) {
        if (log_fd >= 0)
            close(log_fd);
        return -ENOMEM;
    }
    con->ctx = ctx;
    con->intf = backend_special_page(ctx, SPECIAL_CONSOLE);
    con->notify_fd = con->event_fd = con->chan_fd = -1;
    con->listen_fd = -1;
    con->log_fd = log_fd;
    con->backlog.size = XK_CONSOLE_BACKLOG;
    con->to_stdout = log_fd < 0 && !ctx->rundir;
    if (!con->intf) {
        rc = -EINVAL;
        goto fail;
    }
    if (nr_kept) {
        /* Live update: the socket and its clients outlived the exec. */
        con->listen_fd = kept[0];
        con->addr.sun_family = AF_UNIX;
        snprintf(con->addr.sun_path, sizeof(con->addr.sun_path), XK_CONSOLE_SOCK_FMT,
                 ctx->rundir ? ctx->rundir : "", ctx->domid);
    } else if (ctx->rundir && (rc = console_listen(con))) {
        goto fail;
    }
    /* The console backend is domain 0's end of the console port. */
    rc = backend_bind(ctx, port, port, &e);
    if (rc) {
        errno = -rc;
        log_err("domain %u: cannot bind the console port:", ctx->domid);
        goto fail;
    }
    con->notify_fd = e.notify_fd;
    con->event_fd = e.event_fd;
    con->chan_fd = e.sock;
    /* Watched last: callbacks may run as soon as a fd is added. */
    if ((rc = evloop_add(ctx->loop, con->event_fd, on_event, con)) ||
        (rc = evloop_add(ctx->loop, con->chan_fd, on_chan, con)) ||
        (con->listen_fd >= 0 &&
         (rc = evloop_add(ctx->loop, con->listen_fd, on_accept, con)))) {
        evloop_del(ctx->loop, con->event_fd);
        evloop_del(ctx->loop, con->chan_fd);
        goto fail;
    }
    for (unsigned i = 1; i < nr_kept; i++)
        if (!client_add(con, kept[i]))
            close(kept[i]);
    *out = con;
    return 0;
fail:
    console_free(con);
    return rc;
}

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void console_stop(struct console *con)
{
    uint64_t end = now_ms() + FINAL_FLUSH_MS;

    if (!con)
        return;
    service(con);           /* what the guest wrote before it stopped */
    /* Give the clients their last output, briefly. */
    for (;;) {
        struct pollfd p[64];
        struct client *c, *next;
        int n = 0;
        uint64_t now = now_ms();

        for (c = con->clients; c && n < (int)ARRAY_SIZE(p); c = c->next)
            if (c->out.len)
                p[n++] = (struct pollfd){ .fd = c->fd, .events = POLLOUT };
        if (!n || now >= end)
            break;
        if (poll(p, (nfds_t)n, (int)(end - now)) <= 0)
            break;
        for (c = con->clients; c; c = next) {
            next = c->next;
            if (c->out.len)
                client_flush(c);
        }
    }
    while (con->clients)
        client_drop(con->clients, "the domain ended");
    console_free(con);
}

void console_dump_stats(void)
{
    log_err("dump: console: %llu bytes taken from the ring, %llu sent to clients, "
            "%u client(s) now (%llu accepted), %llu bytes queued for them, %llu "
            "dropped, %llu in the backlog",
            (unsigned long long)atomic_load(&stats.taken),
            (unsigned long long)atomic_load(&stats.sent), atomic_load(&stats.clients),
            (unsigned long long)atomic_load(&stats.accepted),
            (unsigned long long)atomic_load(&stats.queued),
            (unsigned long long)atomic_load(&stats.dropped),
            (unsigned long long)atomic_load(&stats.backlog));
}
