/* The guest ring transport (docs/misc/xenstore-ring.txt): requests from
 * req[], replies and events into rsp[], every index checked before use,
 * the reconnection and error features, eventfds for the event channel. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include "xenstored.h"
#include "log.h"

/* req_cons tells the guest (and a xenstored restarted after a crash) how
 * far requests were taken.  It moves only once the requests read have been
 * handled and all their replies are in the ring (ring_kick, after a flush
 * that emptied the output queue), so a killed daemon's successor reads
 * again what its predecessor had not answered.  The exception: a request
 * the guest cannot finish writing because the ring is full (as the guest
 * sees it) is taken as it comes, so the guest can write the rest. */
struct ring {
    struct xenstore_domain_interface *intf;
    struct attach *a;
    struct conn *c;
    bool notify;        /* we moved an index: raise the guest's port */
    XENSTORE_RING_IDX cons;     /* what we have read */
    XENSTORE_RING_IDX done;     /* end of the last whole request read */
    XENSTORE_RING_IDX pub;      /* req_cons as published */
    unsigned char hdr[sizeof(struct xsd_sockmsg)];
    unsigned int hdr_have;      /* header bytes of the request being read */
    uint32_t body_left;         /* its payload bytes still to come */
    struct event *partial;      /* look again at a request taken in part */
    unsigned int partial_ms;    /* its current interval (backs off) */
};

#define LOAD(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)

void ring_set_error(struct ring *r, uint32_t err)
{
    STORE(r->intf->error, err);
    r->notify = true;
}

static void publish(struct ring *r, XENSTORE_RING_IDX to)
{
    if ((int32_t)(to - r->pub) <= 0)
        return;
    r->pub = to;
    STORE(r->intf->req_cons, to);
    r->notify = true;
}

/* Follow request boundaries in the bytes read (the header's len). */
static void track(struct ring *r, const unsigned char *p, unsigned int n)
{
    while (n) {
        unsigned int take;
        if (r->hdr_have < sizeof(r->hdr)) {
            take = sizeof(r->hdr) - r->hdr_have;
            take = take < n ? take : n;
            memcpy(r->hdr + r->hdr_have, p, take);
            r->hdr_have += take;
            if (r->hdr_have == sizeof(r->hdr))
                memcpy(&r->body_left, r->hdr + offsetof(struct xsd_sockmsg, len), 4);
        } else {
            take = r->body_left < n ? r->body_left : n;
            r->body_left -= take;
        }
        p += take;
        n -= take;
        r->cons += take;
        if (r->hdr_have == sizeof(r->hdr) && r->body_left == 0) {
            r->done = r->cons;
            r->hdr_have = 0;
        }
    }
}

static void ring_track_reset(struct ring *r, XENSTORE_RING_IDX at)
{
    r->cons = r->done = r->pub = at;
    r->hdr_have = 0;
    r->body_left = 0;
}

static int ring_read(struct conn *c, void *buf, unsigned int len)
{
    struct ring *r = c->ring;
    struct xenstore_domain_interface *in = r->intf;
    XENSTORE_RING_IDX prod = LOAD(in->req_prod);
    unsigned int avail = prod - r->cons, off, chunk, done = 0;

    if (avail > XENSTORE_RING_SIZE)
        return -1;      /* wild indices: the guest broke its ring */
    while (done < len && avail > 0) {
        off = MASK_XENSTORE_IDX(r->cons);
        chunk = XENSTORE_RING_SIZE - off;
        if (chunk > avail)
            chunk = avail;
        if (chunk > len - done)
            chunk = len - done;
        memcpy((char *)buf + done, in->req + off, chunk);
        track(r, (const unsigned char *)buf + done, chunk);
        done += chunk;
        avail -= chunk;
    }
    /* Part of a request in a ring the guest sees full: make room. */
    if (r->done != r->cons && prod - r->pub >= XENSTORE_RING_SIZE)
        publish(r, r->cons);
    return done;
}

static int ring_write(struct conn *c, const void *buf, unsigned int len)
{
    struct xenstore_domain_interface *in = c->ring->intf;
    XENSTORE_RING_IDX cons = LOAD(in->rsp_cons), prod = LOAD(in->rsp_prod);
    unsigned int used = prod - cons, space, off, chunk, done = 0;

    if (used > XENSTORE_RING_SIZE)
        return -1;
    space = XENSTORE_RING_SIZE - used;
    while (done < len && space > 0) {
        off = MASK_XENSTORE_IDX(prod);
        chunk = XENSTORE_RING_SIZE - off;
        if (chunk > space)
            chunk = space;
        if (chunk > len - done)
            chunk = len - done;
        memcpy(in->rsp + off, (const char *)buf + done, chunk);
        done += chunk;
        prod += chunk;
        space -= chunk;
    }
    if (done) {
        STORE(in->rsp_prod, prod);
        c->ring->notify = true;
    }
    return done;
}

static void ring_kick(struct conn *c)
{
    uint64_t one = 1;

    /* Every reply is in the ring: the requests are answered. */
    if (TAILQ_EMPTY(&c->out))
        publish(c->ring, c->ring->done);
    if (!c->ring->notify)
        return;
    c->ring->notify = false;
    if (write(c->ring->a->notify_fd, &one, sizeof(one)) != sizeof(one))
        log_debug("domain %u: notify failed: %s", c->id, strerror(errno));
}

static const struct conn_ops ring_ops = {
    .read = ring_read, .write = ring_write, .kick = ring_kick,
};

/* The guest asked for a fresh ring (connection = XENSTORE_RECONNECT). */
static void ring_reconnect(struct conn *c)
{
    struct xenstore_domain_interface *in = c->ring->intf;

    conn_reset(c);
    c->bad = false;
    STORE(in->req_cons, 0);
    STORE(in->req_prod, 0);
    STORE(in->rsp_cons, 0);
    STORE(in->rsp_prod, 0);
    ring_track_reset(c->ring, 0);
    STORE(in->error, XENSTORE_ERROR_NONE);
    STORE(in->connection, XENSTORE_CONNECTED);
    c->ring->notify = true;
}

/* A guest notifies only when req_cons had caught up with req_prod before
 * its write (Linux's xb_write, as every Xen ring client), and Linux writes
 * a request's header and payload with separate writes.  A request taken in
 * part (header read, payload still coming) leaves the published req_cons
 * at its start, so the rest arrives without a notification: look at the
 * ring again until it is whole, 1 ms first, backing off to 1 s so a guest
 * that never finishes costs little. */
static void ring_watch_partial(struct ring *r)
{
    struct timeval tv;

    if (r->c->bad || r->done == r->cons) {
        r->partial_ms = 0;
        return;
    }
    r->partial_ms = r->partial_ms ? r->partial_ms * 2 : 1;
    if (r->partial_ms > 1000)
        r->partial_ms = 1000;
    tv.tv_sec = r->partial_ms / 1000;
    tv.tv_usec = (r->partial_ms % 1000) * 1000;
    evtimer_add(r->partial, &tv);
}

static void ring_partial_due(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;

    (void)fd;
    (void)what;
    event_active(c->ev_read, EV_READ, 0);
}

static int ring_destroy(struct ring *r)
{
    if (r->partial)
        event_free(r->partial);
    return 0;
}

/* One request per pass of the loop (as Xen); another pass is asked for
 * while requests come, so other connections get their turn in between. */
static void ring_event(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    bool handled = false;
    uint64_t cnt;

    while (read(fd, &cnt, sizeof(cnt)) == sizeof(cnt))
        ;
    if (LOAD(c->ring->intf->connection) == XENSTORE_RECONNECT)
        ring_reconnect(c);
    if (!c->bad) {
        /* Room the guest made may let stalled input go on. */
        conn_flush(c);
        handled = conn_handle_input(c);
    }
    conn_flush(c);
    conns_kick_all(c);
    if (handled && !c->bad)
        event_active(c->ev_read, EV_READ, 0);
    else
        ring_watch_partial(c->ring);
}

struct conn *ring_conn_new(struct domain *d, struct attach *a)
{
    struct conn *c = conn_new(NULL, CONN_RING, &ring_ops, d->domid);
    struct ring *r;

    if (!c)
        return NULL;
    r = talloc_zero(c, struct ring);
    if (!r) {
        conn_free(c);
        return NULL;
    }
    r->intf = a->map;
    r->a = a;
    r->c = c;
    talloc_set_destructor(r, ring_destroy);
    r->partial = evtimer_new(evbase, ring_partial_due, c);
    if (!r->partial) {
        conn_free(c);
        return NULL;
    }
    ring_track_reset(r, LOAD(r->intf->req_cons));
    c->ring = r;
    c->domain = d;
    /* Offered before any byte moves, as the ring spec requires. */
    STORE(r->intf->server_features,
          LOAD(r->intf->server_features) |
          XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR);
    c->ev_read = event_new(evbase, a->event_fd, EV_READ | EV_PERSIST, ring_event, c);
    if (!c->ev_read || event_add(c->ev_read, NULL)) {
        conn_free(c);
        return NULL;
    }
    /* The guest may have queued requests or asked to reconnect already. */
    event_active(c->ev_read, EV_READ, 0);
    return c;
}
