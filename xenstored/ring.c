/* The guest ring transport (docs/misc/xenstore-ring.txt): requests from
 * req[], replies and events into rsp[], every index checked before use,
 * the reconnection and error features, eventfds for the event channel. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "xenstored.h"
#include "log.h"

struct ring {
    struct xenstore_domain_interface *intf;
    struct attach *a;
    struct conn *c;
    bool notify;        /* we moved an index: raise the guest's port */
};

#define LOAD(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)

void ring_set_error(struct ring *r, uint32_t err)
{
    STORE(r->intf->error, err);
    r->notify = true;
}

static int ring_read(struct conn *c, void *buf, unsigned int len)
{
    struct xenstore_domain_interface *in = c->ring->intf;
    XENSTORE_RING_IDX cons = LOAD(in->req_cons), prod = LOAD(in->req_prod);
    unsigned int avail = prod - cons, off, chunk, done = 0;

    if (avail > XENSTORE_RING_SIZE)
        return -1;      /* wild indices: the guest broke its ring */
    while (done < len && avail > 0) {
        off = MASK_XENSTORE_IDX(cons);
        chunk = XENSTORE_RING_SIZE - off;
        if (chunk > avail)
            chunk = avail;
        if (chunk > len - done)
            chunk = len - done;
        memcpy((char *)buf + done, in->req + off, chunk);
        done += chunk;
        cons += chunk;
        avail -= chunk;
    }
    if (done) {
        STORE(in->req_cons, cons);
        c->ring->notify = true;
    }
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
    STORE(in->error, XENSTORE_ERROR_NONE);
    STORE(in->connection, XENSTORE_CONNECTED);
    c->ring->notify = true;
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
