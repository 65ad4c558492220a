/* A fake domain for the xenstored tests: the VMM's side (memfd, eventfds,
 * attach) and the guest's xenbus frontend on the ring page. */
#ifndef XST_GUEST_RING_H
#define XST_GUEST_RING_H

#include <fcntl.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <xenstore.h>
#include "xs_attach.h"
#include "xst.h"

#define DOMID 5
#define MEMSZ (64 * 1024)
#define RING_OFF 0x3000

struct guest {
    int memfd, evfd, notfd, vmmfd;
    struct xenstore_domain_interface *intf;
    struct xst_msg events[64];
    unsigned int nevents;
};

static struct xs_handle *xs, *watcher;
/* g is the main test domain; G the one the helpers drive. */
static struct guest g, *G = &g;
static const char *vmm_path;

#define LOAD(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)

static inline void g_kick(void)
{
    uint64_t one = 1;

    if (write(G->evfd, &one, 8) != 8)
        perror("eventfd write");
}

static inline bool g_wait(void)
{
    struct pollfd p = { .fd = G->notfd, .events = POLLIN };
    uint64_t v;

    if (poll(&p, 1, 5000) <= 0)
        return false;
    return read(G->notfd, &v, 8) == 8;
}

/* With linux_notify the frontend notifies as Linux's xenbus does
 * (drivers/xen/xenbus/xenbus_comms.c), less often than these helpers
 * otherwise do: xb_write only when req_cons, read again after the
 * producer moved, had caught up with the old producer; xb_read only when
 * the reply ring was full before it read. */
static bool linux_notify;

static inline bool g_put(const void *buf, unsigned int len)
{
    const char *b = buf;

    while (len) {
        XENSTORE_RING_IDX cons = LOAD(G->intf->req_cons), prod = G->intf->req_prod;
        unsigned int space = XENSTORE_RING_SIZE - (prod - cons);
        if (!space) {
            if (!linux_notify)
                g_kick();
            if (!g_wait())
                return false;
            continue;
        }
        unsigned int off = MASK_XENSTORE_IDX(prod), n = XENSTORE_RING_SIZE - off;
        if (n > space) n = space;
        if (n > len) n = len;
        memcpy(G->intf->req + off, b, n);
        STORE(G->intf->req_prod, prod + n);
        b += n;
        len -= n;
        if (linux_notify && prod <= LOAD(G->intf->req_cons))
            g_kick();
    }
    if (!linux_notify)
        g_kick();
    return true;
}

static inline bool g_get(void *buf, unsigned int len)
{
    char *b = buf;

    while (len) {
        XENSTORE_RING_IDX cons = G->intf->rsp_cons, prod = LOAD(G->intf->rsp_prod);
        unsigned int avail = prod - cons;
        if (!avail) {
            if (!g_wait())
                return false;
            continue;
        }
        unsigned int off = MASK_XENSTORE_IDX(cons), n = XENSTORE_RING_SIZE - off;
        if (n > avail) n = avail;
        if (n > len) n = len;
        memcpy(b, G->intf->rsp + off, n);
        STORE(G->intf->rsp_cons, cons + n);
        if (!linux_notify || LOAD(G->intf->rsp_prod) - cons >= XENSTORE_RING_SIZE)
            g_kick();   /* room for more replies */
        b += n;
        len -= n;
    }
    return true;
}

static inline bool g_recv(struct xst_msg *m)
{
    if (!g_get(&m->h, sizeof(m->h)) || m->h.len > XENSTORE_PAYLOAD_MAX)
        return false;
    if (!g_get(m->body, m->h.len))
        return false;
    m->body[m->h.len] = 0;
    return true;
}

static inline bool g_req(uint32_t type, uint32_t tx, const void *body, uint32_t len,
                  struct xst_msg *m)
{
    static uint32_t req_id = 1;
    struct xsd_sockmsg h = { type, ++req_id, tx, len };

    if (!g_put(&h, sizeof(h)) || !g_put(body, len))
        return false;
    for (;;) {
        if (!g_recv(m))
            return false;
        if (m->h.type != XS_WATCH_EVENT)
            return m->h.req_id == req_id;
        if (G->nevents < 64)
            G->events[G->nevents++] = *m;
    }
}

static inline bool g_event(struct xst_msg *e)
{
    if (G->nevents) {
        *e = G->events[0];
        memmove(G->events, G->events + 1, --G->nevents * sizeof(G->events[0]));
        return true;
    }
    return g_recv(e) && e->h.type == XS_WATCH_EVENT;
}

static inline bool g_err(uint32_t type, uint32_t tx, const void *b, uint32_t l, const char *err)
{
    struct xst_msg m;

    return g_req(type, tx, b, l, &m) && xst_is_error(&m, err);
}

static inline bool g_ok(uint32_t type, uint32_t tx, const void *b, uint32_t l)
{
    struct xst_msg m;

    return g_req(type, tx, b, l, &m) && m.h.type == type && !strcmp(m.body, "OK");
}

/* Wait for a libxenstore watch event with this path and token. */
static inline bool tool_event(const char *path, const char *token)
{
    for (;;) {
        struct pollfd p = { .fd = xs_fileno(watcher), .events = POLLIN };
        unsigned int n;
        char **ev;
        bool match;

        if (poll(&p, 1, 5000) <= 0)
            return false;
        ev = xs_read_watch(watcher, &n);
        if (!ev)
            return false;
        match = !strcmp(ev[XS_WATCH_PATH], path) && !strcmp(ev[XS_WATCH_TOKEN], token);
        free(ev);
        if (match)
            return true;
    }
}

static inline struct xs_attach_req attach_req(unsigned int domid)
{
    struct xs_attach_req r = {
        .magic = XS_ATTACH_MAGIC, .version = XS_ATTACH_VERSION, .domid = domid,
        .store_port = 1, .ring_offset = RING_OFF, .mem_size = MEMSZ,
        .target = XS_ATTACH_NO_TARGET,
    };
    return r;
}

static inline int do_attach(struct xs_attach_req *r)
{
    char err[128];

    return xs_attach(vmm_path, r, G->memfd, G->evfd, G->notfd, err, sizeof(err));
}

/* The VMM's side: guest memory with the ring page, the two eventfds. */
static inline bool g_setup(void)
{
    G->memfd = memfd_create("guest", MFD_CLOEXEC);
    if (G->memfd < 0 || ftruncate(G->memfd, MEMSZ))
        return false;
    G->evfd = eventfd(0, EFD_CLOEXEC);
    G->notfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    G->intf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, G->memfd, RING_OFF);
    return G->evfd >= 0 && G->notfd >= 0 && G->intf != MAP_FAILED;
}

#endif
