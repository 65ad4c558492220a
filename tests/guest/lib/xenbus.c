/*
 * xenstore client on the domain's ring (include/xenbus.h).  The ring
 * discipline is the one of docs/misc/xenstore-ring.txt and Linux's
 * xenbus_comms: check the indexes, copy after reading the producer,
 * publish the index after the copy, notify the store port after every
 * chunk either way.  Messages arrive on the response ring in pieces (a
 * payload may be four times the ring's size), so they are assembled in
 * `in`; a watch event goes to the queue, a reply stays there until the
 * request that waits for it takes it.
 */
#include "lib.h"
#include "x86.h"
#include "hypercall.h"
#include "paging.h"
#include "shinfo.h"
#include "evtchn.h"
#include "xen_guest.h"

/* xs_wire.h names its errors by errno macros: give it Xen's values, so
 * its own table maps xenstored's error strings. */
#define EINVAL    XEN_EINVAL
#define EACCES    XEN_EACCES
#define EEXIST    XEN_EEXIST
#define EISDIR    XEN_EISDIR
#define ENOENT    XEN_ENOENT
#define ENOMEM    XEN_ENOMEM
#define ENOSPC    XEN_ENOSPC
#define EIO       XEN_EIO
#define ENOTEMPTY XEN_ENOTEMPTY
#define ENOSYS    XEN_ENOSYS
#define EROFS     XEN_EROFS
#define EBUSY     XEN_EBUSY
#define EAGAIN    XEN_EAGAIN
#define EISCONN   XEN_EISCONN
#define E2BIG     XEN_E2BIG
#define EPERM     XEN_EPERM
#include <xen/io/xs_wire.h>
#include "xenbus.h"

static struct xenstore_domain_interface *ring;
static evtchn_port_t port;
static bool connected;
static char home[32];
static uint32_t next_req_id = 1;

/* The message being assembled from the response ring. */
static struct {
    struct xsd_sockmsg hdr;
    char body[XENSTORE_PAYLOAD_MAX + 1];
} in;
static uint32_t in_got;
static bool reply_ready;    /* in holds a complete reply */

static struct xenbus_event queue[XENBUS_EVENT_QUEUE];
static unsigned int q_head, q_len, q_dropped;

/* Request bodies are built here. */
static char req_buf[XENSTORE_PAYLOAD_MAX];

bool xenbus_connected(void)
{
    return connected;
}

evtchn_port_t xenbus_port(void)
{
    return port;
}

const char *xenbus_home(void)
{
    if (!home[0])
        snprintf(home, sizeof(home), "/local/domain/%u", xen.domid);
    return home;
}

bool xenbus_init(void)
{
    uint64_t pfn = 0, evtchn = 0;

    if (ring)
        return connected;
    xenbus_home();
    shinfo_map();       /* pending bits and system time for the waits */
    if (hvm_get_param(HVM_PARAM_STORE_PFN, &pfn) || !pfn ||
        hvm_get_param(HVM_PARAM_STORE_EVTCHN, &evtchn) || !evtchn)
        return false;
    ring = phys_page(pfn << PAGE_SHIFT, VMAP_SLOT_XENSTORE);
    port = (evtchn_port_t)evtchn;
    ev_mask(port);
    connected = READ_ONCE(ring->server_features) != 0 &&
                READ_ONCE(ring->connection) == XENSTORE_CONNECTED;
    if (connected && ring->rsp_prod != ring->rsp_cons) {
        /* As Linux's xb_init_comms: a stale reply is not ours. */
        ring->rsp_cons = ring->rsp_prod;
    }
    return connected;
}

int xenbus_abs_path(const char *path, char *buf, size_t size)
{
    int n;

    if (path[0] == '/' || path[0] == '@')
        n = snprintf(buf, size, "%s", path);
    else
        n = snprintf(buf, size, "%s/%s", xenbus_home(), path);
    return n < 0 || (size_t)n >= size ? -XEN_E2BIG : 0;
}

const char *xenbus_strerror(int err)
{
    static const struct { int e; const char *s; } more[] = {
        { XEN_ENOTCONN, "ENOTCONN" }, { XEN_ETIMEDOUT, "ETIMEDOUT" },
        { XEN_ERANGE, "ERANGE" },
    };
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(xsd_errors); i++)
        if (xsd_errors[i].errnum == -err)
            return xsd_errors[i].errstring;
    for (i = 0; i < ARRAY_SIZE(more); i++)
        if (more[i].e == -err)
            return more[i].s;
    return "error";
}

static int error_of(const char *name)
{
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(xsd_errors); i++)
        if (!strcmp(xsd_errors[i].errstring, name))
            return -xsd_errors[i].errnum;
    return -XEN_EINVAL;     /* as Linux's get_error() for an unknown name */
}

static void notify(void)
{
    ev_send(port);
}

/* A reply seen while no request waits for it (one that timed out): drop
 * it, or the ring behind it would never be read. */
static void drop_stale_reply(void)
{
    if (reply_ready) {
        reply_ready = false;
        in_got = 0;
    }
}

static void enqueue_event(void)
{
    struct xenbus_event *e;
    size_t plen = strnlen(in.body, in.hdr.len);
    const char *tok = in.body + plen + 1;

    if (plen >= in.hdr.len || plen >= sizeof(e->path))
        return;     /* malformed: no token */
    if (q_len == XENBUS_EVENT_QUEUE) {
        q_dropped++;
        return;
    }
    e = &queue[(q_head + q_len) % XENBUS_EVENT_QUEUE];
    memcpy(e->path, in.body, plen + 1);
    snprintf(e->token, sizeof(e->token), "%s", tok);
    q_len++;
}

/* Moves what the response ring holds into `in` / the event queue, without
 * waiting; stops at a complete reply. */
static int pump(void)
{
    while (!reply_ready) {
        XENSTORE_RING_IDX cons, prod;
        uint32_t need, n, off;

        if (in_got >= sizeof(in.hdr)) {
            if (in.hdr.len > XENSTORE_PAYLOAD_MAX)
                return -XEN_EIO;    /* xenstored broke the protocol */
            if (in_got == sizeof(in.hdr) + in.hdr.len) {
                in.body[in.hdr.len] = 0;
                if (in.hdr.type == XS_WATCH_EVENT) {
                    enqueue_event();
                    in_got = 0;
                    continue;
                }
                reply_ready = true;
                break;
            }
            need = (uint32_t)sizeof(in.hdr) + in.hdr.len - in_got;
        } else {
            need = (uint32_t)sizeof(in.hdr) - in_got;
        }
        prod = __atomic_load_n(&ring->rsp_prod, __ATOMIC_ACQUIRE);
        cons = ring->rsp_cons;
        if (prod - cons > XENSTORE_RING_SIZE)
            return -XEN_EIO;
        if (prod == cons)
            break;
        off = MASK_XENSTORE_IDX(cons);
        n = XENSTORE_RING_SIZE - off;
        if (n > prod - cons)
            n = prod - cons;
        if (n > need)
            n = need;
        memcpy((char *)&in + in_got, ring->rsp + off, n);
        in_got += n;
        __atomic_store_n(&ring->rsp_cons, cons + n, __ATOMIC_RELEASE);
        notify();
    }
    return 0;
}

/* Sleeps in SCHEDOP_poll on the store port until it fires or the
 * deadline passes.  Callers clear the pending bit before they look at the
 * ring, so an event that comes after the look is not lost. */
static int wait_port(uint64_t deadline)
{
    if (xen_system_time() >= deadline)
        return -XEN_ETIMEDOUT;
    ev_poll(&port, 1, deadline);
    return 0;
}

static int put(const void *buf, uint32_t len, uint64_t deadline)
{
    const char *b = buf;

    while (len) {
        XENSTORE_RING_IDX cons, prod;
        uint32_t space, n, off;
        int rc;

        ev_clear_pending(port);
        cons = __atomic_load_n(&ring->req_cons, __ATOMIC_ACQUIRE);
        prod = ring->req_prod;
        if (prod - cons > XENSTORE_RING_SIZE)
            return -XEN_EIO;
        space = XENSTORE_RING_SIZE - (prod - cons);
        if (space == 0) {
            /* Replies may be what xenstored waits on: keep reading. */
            drop_stale_reply();
            if ((rc = pump()) || (rc = wait_port(deadline)))
                return rc;
            continue;
        }
        off = MASK_XENSTORE_IDX(prod);
        n = XENSTORE_RING_SIZE - off;
        if (n > space)
            n = space;
        if (n > len)
            n = len;
        memcpy(ring->req + off, b, n);
        __atomic_store_n(&ring->req_prod, prod + n, __ATOMIC_RELEASE);
        notify();
        b += n;
        len -= n;
    }
    return 0;
}

int xenbus_request(uint32_t type, uint32_t tx, const void *body, uint32_t len,
                   char *rsp, size_t rsp_size, uint32_t *rsp_len)
{
    struct xsd_sockmsg h = { type, next_req_id++, tx, len };
    uint64_t deadline;
    int rc;

    if (!connected)
        return -XEN_ENOTCONN;
    if (len > XENSTORE_PAYLOAD_MAX)
        return -XEN_E2BIG;  /* xenstored would drop the connection */
    deadline = xen_system_time() + XENBUS_REPLY_TIMEOUT_NS;
    if ((rc = put(&h, sizeof(h), deadline)) || (rc = put(body, len, deadline))) {
        /* Part of a request may be on the ring: the stream is lost. */
        connected = false;
        return rc;
    }
    for (;;) {
        ev_clear_pending(port);
        if ((rc = pump()))
            return rc;
        if (reply_ready) {
            reply_ready = false;
            in_got = 0;
            if (in.hdr.req_id == h.req_id)
                break;
            continue;   /* the late reply of a request that timed out */
        }
        if ((rc = wait_port(deadline)))
            return rc;
    }
    if (in.hdr.type == XS_ERROR)
        return error_of(in.body);
    if (rsp_len)
        *rsp_len = in.hdr.len;
    if (rsp && rsp_size) {
        uint32_t n = in.hdr.len < rsp_size ? in.hdr.len : (uint32_t)rsp_size - 1;

        memcpy(rsp, in.body, n);
        rsp[n] = 0;
        if (n < in.hdr.len)
            return -XEN_E2BIG;
    }
    return 0;
}

/* path NUL, then extra bytes (a value, a token), into req_buf. */
static int build(const char *path, const void *extra, uint32_t extra_len,
                 uint32_t *len)
{
    size_t plen = strlen(path) + 1;

    if (plen + extra_len > sizeof(req_buf))
        return -XEN_E2BIG;
    memcpy(req_buf, path, plen);
    if (extra_len)
        memcpy(req_buf + plen, extra, extra_len);
    *len = (uint32_t)(plen + extra_len);
    return 0;
}

static int simple(uint32_t type, uint32_t tx, const char *path,
                  const void *extra, uint32_t extra_len)
{
    uint32_t len;
    int rc = build(path, extra, extra_len, &len);

    return rc ? rc : xenbus_request(type, tx, req_buf, len, NULL, 0, NULL);
}

int xenbus_read(uint32_t tx, const char *path, char *buf, size_t size)
{
    uint32_t len = 0;
    int rc = build(path, NULL, 0, &len);

    if (rc || (rc = xenbus_request(XS_READ, tx, req_buf, len, buf, size, &len)))
        return rc;
    return (int)len;
}

int xenbus_read_u64(uint32_t tx, const char *path, uint64_t *value)
{
    char buf[24];
    const char *p;
    uint64_t v = 0;
    int rc = xenbus_read(tx, path, buf, sizeof(buf));

    if (rc < 0)
        return rc;
    if (!buf[0])
        return -XEN_ERANGE;     /* empty, as Linux's scanf failing */
    for (p = buf; *p; p++) {
        if (*p < '0' || *p > '9')
            return -XEN_EINVAL;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *value = v;
    return 0;
}

int xenbus_write_bytes(uint32_t tx, const char *path, const void *value,
                       uint32_t len)
{
    return simple(XS_WRITE, tx, path, value, len);
}

int xenbus_write(uint32_t tx, const char *path, const char *value)
{
    return xenbus_write_bytes(tx, path, value, (uint32_t)strlen(value));
}

int xenbus_printf(uint32_t tx, const char *path, const char *fmt, ...)
{
    char val[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(val))
        return -XEN_E2BIG;
    return xenbus_write(tx, path, val);
}

int xenbus_mkdir(uint32_t tx, const char *path)
{
    return simple(XS_MKDIR, tx, path, NULL, 0);
}

int xenbus_rm(uint32_t tx, const char *path)
{
    return simple(XS_RM, tx, path, NULL, 0);
}

int xenbus_directory(uint32_t tx, const char *path, char *buf, size_t size)
{
    uint32_t len = 0, i;
    int rc = build(path, NULL, 0, &len), count = 0;

    if (rc || (rc = xenbus_request(XS_DIRECTORY, tx, req_buf, len, buf, size, &len)))
        return rc;
    for (i = 0; i < len; i++)
        if (!buf[i])
            count++;
    return count;
}

int xenbus_transaction_start(uint32_t *tx)
{
    char id[16];
    const char *p;
    uint32_t v = 0;
    int rc = xenbus_request(XS_TRANSACTION_START, XBT_NIL, "", 1, id,
                            sizeof(id), NULL);

    if (rc)
        return rc;
    for (p = id; *p >= '0' && *p <= '9'; p++)
        v = v * 10 + (uint32_t)(*p - '0');
    if (p == id || *p)
        return -XEN_EIO;
    *tx = v;
    return 0;
}

int xenbus_transaction_end(uint32_t tx, bool abort)
{
    return xenbus_request(XS_TRANSACTION_END, tx, abort ? "F" : "T", 2,
                          NULL, 0, NULL);
}

int xenbus_watch(const char *path, const char *token)
{
    return simple(XS_WATCH, XBT_NIL, path, token, (uint32_t)strlen(token) + 1);
}

int xenbus_unwatch(const char *path, const char *token)
{
    return simple(XS_UNWATCH, XBT_NIL, path, token, (uint32_t)strlen(token) + 1);
}

int xenbus_next_event(struct xenbus_event *ev, uint64_t timeout_ns)
{
    uint64_t deadline = 0;
    int rc;

    if (!connected)
        return -XEN_ENOTCONN;
    if (timeout_ns)
        deadline = xen_system_time() + timeout_ns;
    for (;;) {
        ev_clear_pending(port);
        do {
            drop_stale_reply();
            if ((rc = pump()))
                return rc;
        } while (reply_ready);
        if (q_len)
            break;
        if (!timeout_ns || (rc = wait_port(deadline)))
            return -XEN_ETIMEDOUT;
    }
    *ev = queue[q_head];
    q_head = (q_head + 1) % XENBUS_EVENT_QUEUE;
    q_len--;
    return 0;
}

unsigned int xenbus_events_dropped(void)
{
    return q_dropped;
}
