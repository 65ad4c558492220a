/* Connections: reading requests off a transport (socket or ring), queuing
 * replies and watch events, and the socket transport itself. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "xenstored.h"
#include "log.h"

/* Queued output beyond OUT_STALL bytes stops reading the connection's
 * requests until its client takes the replies; a socket client with more
 * than OUT_DROP queued (watch events it never reads) is dropped. */
#define OUT_STALL (256u * 1024)
#define OUT_DROP (16u * 1024 * 1024)

struct conn_list connections = TAILQ_HEAD_INITIALIZER(connections);
struct event_base *evbase;
uint32_t conn_unique;

bool conn_priv(const struct conn *c)
{
    return c->id == DOMID_PRIV;
}

struct conn *conn_new(const void *ctx, enum conn_kind kind,
                      const struct conn_ops *ops, unsigned int domid)
{
    struct conn *c = talloc_zero(ctx, struct conn);

    if (!c)
        return NULL;
    c->kind = kind;
    c->ops = ops;
    c->id = domid;
    c->fd = -1;
    c->in_hdr = true;
    c->unique = ++conn_unique;
    TAILQ_INIT(&c->out);
    TAILQ_INIT(&c->watches);
    TAILQ_INIT(&c->transactions);
    TAILQ_INSERT_TAIL(&connections, c, link);
    return c;
}

static void drop_output(struct conn *c)
{
    struct outbuf *o;

    while ((o = TAILQ_FIRST(&c->out))) {
        TAILQ_REMOVE(&c->out, o, link);
        talloc_free(o);
    }
    c->out_replies = 0;
    c->out_bytes = 0;
}

void conn_reset(struct conn *c)
{
    sliced_conn_reset(c);
    watch_free_all(c);
    trans_free_all(c);
    drop_output(c);
    talloc_free(c->in_buf);
    c->in_buf = NULL;
    c->in_hdr = true;
    c->in_used = 0;
}

void conn_free(struct conn *c)
{
    struct conn *i;

    conn_reset(c);
    TAILQ_REMOVE(&connections, c, link);
    TAILQ_FOREACH(i, &connections, link)
        if (i->target == c)
            i->target = NULL;
    if (c->ev_read)
        event_free(c->ev_read);
    if (c->ev_write)
        event_free(c->ev_write);
    if (c->fd >= 0) {
        close(c->fd);
        listeners_resume();     /* a descriptor is free again */
    }
    if (c->domain)
        c->domain->conn = NULL;
    talloc_free(c);
}

void conn_mark_bad(struct conn *c, uint32_t ring_error)
{
    /* A socket client hanging up is no news. */
    if (c->closing && c->kind == CONN_SOCKET) {
        c->bad = true;
        return;
    }
    log_info("conn %u (domain %u): protocol error %u, ignoring it",
             c->unique, c->id, ring_error);
    c->bad = true;
    if (c->kind == CONN_RING && c->ring) {
        ring_set_error(c->ring, ring_error);
    }
}

static void queue(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
                  const void *a, unsigned int alen, const void *b, unsigned int blen,
                  bool event)
{
    struct xsd_sockmsg h = { .type = type, .req_id = req_id, .tx_id = tx_id,
                             .len = alen + blen };
    struct outbuf *o = talloc_size(c, sizeof(*o) + sizeof(h) + h.len);

    if (!o)
        return;
    memset(o, 0, sizeof(*o));
    o->len = sizeof(h) + h.len;
    o->event = event;
    memcpy(o->data, &h, sizeof(h));
    if (alen)
        memcpy(o->data + sizeof(h), a, alen);
    if (blen)
        memcpy(o->data + sizeof(h) + alen, b, blen);
    if (event) {
        /* An identical event still queued covers this one (as Xen). */
        struct outbuf *i;
        if (((const char *)a)[0] != '@')
            TAILQ_FOREACH(i, &c->out, link)
                if (i->event && i->off == 0 && i->len == o->len &&
                    !memcmp(i->data, o->data, o->len)) {
                    talloc_free(o);
                    return;
                }
    } else {
        c->out_replies++;
    }
    TAILQ_INSERT_TAIL(&c->out, o, link);
    c->out_bytes += o->len;
    trace_msg(c, false, &h, o->data + sizeof(h));
    if (c->kind == CONN_SOCKET && c->out_bytes > OUT_DROP && !c->bad) {
        /* Requests stall long before this (OUT_STALL): only watch events
         * for a client that reads nothing get here.  It is dropped rather
         * than allowed to grow the daemon without end. */
        log_warn("conn %u: %u bytes of output not taken: dropping the connection",
                 c->unique, c->out_bytes);
        drop_output(c);
        c->bad = true;
        c->closing = true;
        if (c->ev_read)
            event_active(c->ev_read, EV_READ, 0);   /* freed there */
    }
}

void send_reply(struct conn *c, uint32_t type, const void *data, unsigned int len)
{
    if (len > XENSTORE_PAYLOAD_MAX) {
        send_error(c, E2BIG);
        return;
    }
    queue(c, type, c->hdr.req_id, c->hdr.tx_id, data, len, NULL, 0, false);
}

void send_error(struct conn *c, int err)
{
    const char *s = proto_errname(err);

    send_reply(c, XS_ERROR, s, strlen(s) + 1);
}

void send_ack(struct conn *c, uint32_t type)
{
    send_reply(c, type, "OK", 3);
}

void send_event(struct conn *c, const char *path, const char *token)
{
    unsigned int pl = strlen(path) + 1, tl = strlen(token) + 1;

    if (pl + tl > XENSTORE_PAYLOAD_MAX)
        return;
    queue(c, XS_WATCH_EVENT, 0, 0, path, pl, token, tl, true);
}

/* Write what the transport takes; the rest waits for the next chance. */
void conn_flush(struct conn *c)
{
    struct outbuf *o;
    int n;

    while (!c->bad && (o = TAILQ_FIRST(&c->out))) {
        n = c->ops->write(c, o->data + o->off, o->len - o->off);
        if (n < 0) {
            conn_mark_bad(c, c->kind == CONN_RING ? XENSTORE_ERROR_RINGIDX
                                                  : XENSTORE_ERROR_COMM);
            break;
        }
        if (n == 0)
            break;
        o->off += n;
        c->out_bytes -= n;
        if (o->off < o->len)
            break;
        TAILQ_REMOVE(&c->out, o, link);
        if (!o->event && c->out_replies)
            c->out_replies--;
        talloc_free(o);
    }
    if (c->ops->kick)
        c->ops->kick(c);
}

/* Nobody's requests are read while much output waits for them (a client
 * that sends without reading its replies would grow the daemon without
 * end), and guests stop, as on Xen, at their quota of outstanding replies. */
bool conn_may_read(struct conn *c)
{
    /* A request in slices, or one waiting for them, comes first. */
    if (c->job || c->parked)
        return false;
    if (c->out_bytes > OUT_STALL)
        return false;
    return conn_priv(c) || (int)c->out_replies < quota.outstanding;
}

/* Read and handle at most one request: connections are served one
 * message each per pass of the loop, as Xen does, so a client that keeps
 * its socket or ring full cannot starve the others.  True when a request
 * was handled (the caller asks for another pass). */
bool conn_handle_input(struct conn *c)
{
    int n, err;

    while (!c->bad && conn_may_read(c)) {
        if (c->in_hdr) {
            n = c->ops->read(c, (char *)&c->hdr + c->in_used, sizeof(c->hdr) - c->in_used);
            if (n < 0)
                goto bad;
            if (n == 0)
                return false;
            c->in_used += n;
            if (c->in_used < sizeof(c->hdr))
                continue;
            err = proto_check_header(&c->hdr);
            if (err) {
                conn_mark_bad(c, err);
                return false;
            }
            /* One spare byte: handlers may treat the payload as a string. */
            c->in_buf = talloc_size(c, c->hdr.len + 1);
            if (!c->in_buf)
                goto bad;
            c->in_hdr = false;
            c->in_used = 0;
        }
        if (c->in_used < c->hdr.len) {
            n = c->ops->read(c, c->in_buf + c->in_used, c->hdr.len - c->in_used);
            if (n < 0)
                goto bad;
            if (n == 0)
                return false;
            c->in_used += n;
            if (c->in_used < c->hdr.len)
                continue;
        }
        c->in_buf[c->hdr.len] = 0;
        /* Kept whole until the request in slices is over (sliced.c). */
        if (sliced_defers(c, &c->hdr, c->in_buf))
            return false;
        trace_msg(c, true, &c->hdr, c->in_buf);
        proto_process(c, &c->hdr, c->in_buf);
        talloc_free(c->in_buf);
        c->in_buf = NULL;
        c->in_hdr = true;
        c->in_used = 0;
        return !c->closing;
    }
    return false;
bad:
    conn_mark_bad(c, c->kind == CONN_RING ? XENSTORE_ERROR_RINGIDX : XENSTORE_ERROR_COMM);
    return false;
}

/* ---- the socket transport ---- */

#define RBUF_SIZE 8192

/* One recv per wake-up brings in whole requests (a request is usually one
 * segment); a short recv means the socket is drained for now, so no second
 * recv just to hear EAGAIN: level-triggered epoll calls again. */
static int sock_read(struct conn *c, void *buf, unsigned int len)
{
    ssize_t n;

    if (c->roff == c->rlen) {
        if (c->rshort)
            return 0;
        if (!c->rbuf && !(c->rbuf = talloc_size(c, RBUF_SIZE)))
            return 0;
        n = recv(c->fd, c->rbuf, RBUF_SIZE, MSG_DONTWAIT);
        if (n <= 0) {
            talloc_free(c->rbuf);   /* nothing came: no buffer kept */
            c->rbuf = NULL;
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
            c->closing = true;  /* EOF or error: the client is gone */
            return -1;
        }
        c->rlen = n;
        c->roff = 0;
        c->rshort = n < RBUF_SIZE;
    }
    if (len > c->rlen - c->roff)
        len = c->rlen - c->roff;
    memcpy(buf, c->rbuf + c->roff, len);
    c->roff += len;
    if (c->roff == c->rlen) {
        /* Drained: an idle connection holds no read buffer. */
        talloc_free(c->rbuf);
        c->rbuf = NULL;
        c->rlen = c->roff = 0;
    }
    return len;
}

static int sock_write(struct conn *c, const void *buf, unsigned int len)
{
    ssize_t n = send(c->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);

    if (n >= 0)
        return n;
    if (errno == EAGAIN || errno == EINTR)
        return 0;
    c->closing = true;
    return -1;
}

static void sock_kick(struct conn *c)
{
    if (!TAILQ_EMPTY(&c->out) && !c->bad)
        event_add(c->ev_write, NULL);
}

static const struct conn_ops sock_ops = {
    .read = sock_read, .write = sock_write, .kick = sock_kick,
};

/* A socket client that broke the protocol or went away is dropped; false
 * when c is gone. */
static bool sock_after(struct conn *c)
{
    if (!c->bad && !c->closing)
        conn_flush(c);
    if (c->bad || c->closing) {
        log_debug("conn %u: closed", c->unique);
        conn_free(c);
        return false;
    }
    return true;
}

static void sock_cb(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    bool handled = false;

    c->rshort = false;
    if (what & EV_READ)
        handled = conn_handle_input(c);
    conns_kick_all(c);
    if (!sock_after(c))
        return;
    /* Reading waits while too much output does; the socket's own readiness
     * brings the next request, but what recv already buffered needs
     * another pass of the loop asked for. */
    if (!conn_may_read(c)) {
        event_del(c->ev_read);
    } else {
        if (!event_pending(c->ev_read, EV_READ, NULL))
            event_add(c->ev_read, NULL);
        if ((handled || !(what & EV_READ)) && c->rlen > c->roff)
            event_active(c->ev_read, EV_READ, 0);
    }
}

struct conn *conn_socket_new(int fd)
{
    struct conn *c = conn_new(NULL, CONN_SOCKET, &sock_ops, DOMID_PRIV);

    if (!c) {
        close(fd);
        return NULL;
    }
    c->fd = fd;
    c->ev_read = event_new(evbase, fd, EV_READ | EV_PERSIST, sock_cb, c);
    c->ev_write = event_new(evbase, fd, EV_WRITE, sock_cb, c);
    if (!c->ev_read || !c->ev_write || event_add(c->ev_read, NULL)) {
        conn_free(c);
        return NULL;
    }
    return c;
}

int conn_socket_accept(int listen_fd)
{
    int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

    if (fd < 0)
        return -errno;
    if (!conn_socket_new(fd))
        return -ENOMEM;     /* fd closed already */
    return 0;
}

/* Watch events land on other connections: get them moving. */
void conns_kick_all(struct conn *except)
{
    struct conn *c;

    TAILQ_FOREACH(c, &connections, link) {
        if (c == except || c->bad || TAILQ_EMPTY(&c->out))
            continue;
        /* Sent now rather than on the next loop turn (watch latency); a
         * socket that fails here is freed by its own read callback. */
        if (c->kind == CONN_SOCKET || c->kind == CONN_RING)
            conn_flush(c);
    }
}
