/*
 * xenbus64.elf: a minimal xenbus frontend on the domain's xenstore ring
 * (HVM_PARAM_STORE_PFN, HVM_PARAM_STORE_EVTCHN, EVTCHNOP_send), as Linux's
 * xenbus_comms does, against the host's xenstored through the VMM attach
 * protocol.  Needs a VMM that attaches the ring to xenstored and a
 * toolstack that created /local/domain/<domid> owned by the domain; see
 * docs/xenstored.md ("The guest xenbus test").  Replies are polled: no
 * upcalls, to keep the guest small.
 */
#include "lib.h"
#include "hypercall.h"
#include "test.h"
#include "x86.h"
#include "paging.h"
#include "xen_guest.h"
#include <xen/io/xs_wire.h>

static struct xenstore_domain_interface *ring;
static evtchn_port_t port;
static uint32_t next_req = 1;

struct reply {
    uint32_t type, req_id, tx_id, len;
    char body[XENSTORE_PAYLOAD_MAX + 1];
};
static struct reply rep, ev;
static bool have_event;

static void notify(void)
{
    struct evtchn_send s = { .port = port };

    HYPERVISOR_event_channel_op(EVTCHNOP_send, &s);
}

/* About a few seconds of emulated polling before giving up. */
#define SPIN_LIMIT 2000000u

static bool put(const void *buf, uint32_t len)
{
    const char *b = buf;
    unsigned int spins = 0;

    while (len) {
        XENSTORE_RING_IDX cons = __atomic_load_n(&ring->req_cons, __ATOMIC_ACQUIRE);
        XENSTORE_RING_IDX prod = ring->req_prod;
        uint32_t space = XENSTORE_RING_SIZE - (prod - cons), n, off;

        if (space == 0) {
            notify();
            if (++spins > SPIN_LIMIT)
                return false;
            cpu_relax();
            continue;
        }
        off = MASK_XENSTORE_IDX(prod);
        n = XENSTORE_RING_SIZE - off;
        if (n > space) n = space;
        if (n > len) n = len;
        memcpy(ring->req + off, b, n);
        __atomic_store_n(&ring->req_prod, prod + n, __ATOMIC_RELEASE);
        b += n;
        len -= n;
    }
    notify();
    return true;
}

static bool get(void *buf, uint32_t len)
{
    char *b = buf;
    unsigned int spins = 0;

    while (len) {
        XENSTORE_RING_IDX prod = __atomic_load_n(&ring->rsp_prod, __ATOMIC_ACQUIRE);
        XENSTORE_RING_IDX cons = ring->rsp_cons;
        uint32_t avail = prod - cons, n, off;

        if (avail == 0) {
            if (++spins > SPIN_LIMIT)
                return false;
            cpu_relax();
            continue;
        }
        off = MASK_XENSTORE_IDX(cons);
        n = XENSTORE_RING_SIZE - off;
        if (n > avail) n = avail;
        if (n > len) n = len;
        memcpy(b, ring->rsp + off, n);
        __atomic_store_n(&ring->rsp_cons, cons + n, __ATOMIC_RELEASE);
        notify();
        b += n;
        len -= n;
    }
    return true;
}

static bool recv(struct reply *r)
{
    if (!get(r, 16) || r->len > XENSTORE_PAYLOAD_MAX || !get(r->body, r->len))
        return false;
    r->body[r->len] = 0;
    return true;
}

/* One request; a watch event arriving first is kept for ev. */
static bool xb(uint32_t type, uint32_t tx, const char *body, uint32_t len)
{
    struct xsd_sockmsg h = { type, next_req++, tx, len };

    if (!put(&h, sizeof(h)) || !put(body, len))
        return false;
    for (;;) {
        if (!recv(&rep))
            return false;
        if (rep.type != XS_WATCH_EVENT)
            return rep.req_id == h.req_id;
        ev = rep;
        have_event = true;
    }
}

static bool next_event(void)
{
    if (have_event) {
        have_event = false;
        return true;
    }
    return recv(&ev) && ev.type == XS_WATCH_EVENT;
}

/* Without an attached ring the other cases cannot run. */
#define NEED_RING() do {                                                 \
        if (!ring) {                                                     \
            test_skip("no xenstored ring attached");                     \
            return;                                                      \
        }                                                                \
    } while (0)

#define S(lit) lit, sizeof(lit)
#define W(lit) lit, sizeof(lit) - 1     /* WRITE: value without its NUL */

static bool is_error(const char *e)
{
    return rep.type == XS_ERROR && !strcmp(rep.body, e);
}

static bool is_ok(uint32_t type)
{
    return rep.type == type && !strcmp(rep.body, "OK");
}

TEST(xenbus_ring_found)
{
    uint64_t pfn = 0, evtchn = 0;

    REQUIRE(EXPECT_EQ(hvm_get_param(HVM_PARAM_STORE_PFN, &pfn), 0));
    REQUIRE(EXPECT_EQ(hvm_get_param(HVM_PARAM_STORE_EVTCHN, &evtchn), 0));
    REQUIRE(EXPECT_NE(pfn, 0));
    REQUIRE(EXPECT_NE(evtchn, 0));
    /* The store page may lie outside the identity-mapped first GiB. */
    if ((pfn << PAGE_SHIFT) < (1ul << 30)) {
        ring = (void *)(uintptr_t)(pfn << PAGE_SHIFT);
    } else {
        unsigned long va = VMAP_BASE + (VMAP_PAGES - 1) * PAGE_SIZE;
        vmap_set(va, pfn << PAGE_SHIFT);
        ring = (void *)va;
    }
    port = evtchn;
    /* xenstored offers its features before anything moves on the ring. */
    if (!EXPECT_TRUE(ring->server_features & XENSTORE_SERVER_FEATURE_RECONNECTION))
        ring = NULL;
    else
        EXPECT_EQ(ring->connection, XENSTORE_CONNECTED);
}

TEST(xenbus_write_read)
{
    NEED_RING();
    EXPECT_TRUE(xb(XS_WRITE, 0, W("data/guest\0hello")) && is_ok(XS_WRITE));
    EXPECT_TRUE(xb(XS_READ, 0, S("data/guest")) && rep.type == XS_READ &&
                rep.len == 5 && !memcmp(rep.body, "hello", 5));
    EXPECT_TRUE(xb(XS_GET_PERMS, 0, S("data/guest")) && rep.type == XS_GET_PERMS);
    EXPECT_TRUE(xb(XS_MKDIR, 0, S("data/d")) && is_ok(XS_MKDIR));
    EXPECT_TRUE(xb(XS_DIRECTORY, 0, S("data")) && rep.type == XS_DIRECTORY);
    EXPECT_TRUE(xb(XS_RM, 0, S("data/d")) && is_ok(XS_RM));
    EXPECT_TRUE(xb(XS_READ, 0, S("data/d")) && is_error("ENOENT"));
}

TEST(xenbus_watch)
{
    NEED_RING();
    EXPECT_TRUE(xb(XS_WATCH, 0, S("data/w\0tok")) && is_ok(XS_WATCH));
    EXPECT_TRUE(next_event() && !strcmp(ev.body, "data/w"));
    EXPECT_TRUE(xb(XS_WRITE, 0, W("data/w/x\0" "1")) && is_ok(XS_WRITE));
    EXPECT_TRUE(next_event() && !strcmp(ev.body, "data/w/x") &&
                !strcmp(ev.body + strlen(ev.body) + 1, "tok"));
    EXPECT_TRUE(xb(XS_UNWATCH, 0, S("data/w\0tok")) && is_ok(XS_UNWATCH));
}

static uint32_t tx_start(void)
{
    uint32_t id = 0;
    const char *p;

    if (!xb(XS_TRANSACTION_START, 0, S("")) || rep.type != XS_TRANSACTION_START)
        return 0;
    for (p = rep.body; *p >= '0' && *p <= '9'; p++)
        id = id * 10 + (uint32_t)(*p - '0');
    return id;
}

TEST(xenbus_transaction)
{
    uint32_t tx;

    NEED_RING();
    tx = tx_start();
    REQUIRE(EXPECT_NE(tx, 0));
    EXPECT_TRUE(xb(XS_WRITE, tx, W("data/tx\0in")) && is_ok(XS_WRITE));
    EXPECT_TRUE(xb(XS_READ, 0, S("data/tx")) && is_error("ENOENT"));
    EXPECT_TRUE(xb(XS_TRANSACTION_END, tx, S("T")) && is_ok(XS_TRANSACTION_END));
    EXPECT_TRUE(xb(XS_READ, 0, S("data/tx")) && rep.len == 2);
    tx = tx_start();
    EXPECT_TRUE(xb(XS_WRITE, tx, W("data/tx2\0x")) && is_ok(XS_WRITE));
    EXPECT_TRUE(xb(XS_TRANSACTION_END, tx, S("F")) && is_ok(XS_TRANSACTION_END));
    EXPECT_TRUE(xb(XS_READ, 0, S("data/tx2")) && is_error("ENOENT"));
    EXPECT_TRUE(xb(XS_TRANSACTION_END, tx, S("T")) && is_error("ENOENT"));
}

TEST(xenbus_permission_denied)
{
    NEED_RING();
    /* /tool is the host's (n0) from xenstored's start. */
    EXPECT_TRUE(xb(XS_READ, 0, S("/tool")) && is_error("EACCES"));
    EXPECT_TRUE(xb(XS_WRITE, 0, W("/tool/x\0y")) && is_error("EACCES"));
    EXPECT_TRUE(xb(XS_DIRECTORY, 0, S("/")) && is_error("EACCES"));
    EXPECT_TRUE(xb(XS_INTRODUCE, 0, S("9\0" "1\0" "1")) && is_error("EACCES"));
    EXPECT_TRUE(xb(XS_CONTROL, 0, S("help")) && is_error("EACCES"));
    EXPECT_TRUE(xb(XS_SET_PERMS, 0, S("data/guest\0n0")) && is_error("EPERM"));
    EXPECT_TRUE(xb(XS_READ, 0, S("a//b")) && is_error("EINVAL"));
}

TEST(xenbus_quota_errors)
{
    static char big[3000];
    uint32_t tx[12];
    int i, ok = 0;

    NEED_RING();
    /* Node size: 2048 bytes by default. */
    memcpy(big, "data/big", 9);
    memset(big + 9, 'x', sizeof(big) - 9);
    EXPECT_TRUE(xb(XS_WRITE, 0, big, sizeof(big)) && is_error("ENOSPC"));
    /* Transactions: Xen's default of 10 lets 11 open, then ENOSPC. */
    for (i = 0; i < 12; i++) {
        tx[i] = tx_start();
        if (tx[i])
            ok++;
    }
    EXPECT_EQ(ok, 11);
    EXPECT_TRUE(is_error("ENOSPC"));
    for (i = 0; i < 12; i++)
        if (tx[i])
            xb(XS_TRANSACTION_END, tx[i], S("F"));
    /* Still serving after the errors. */
    EXPECT_TRUE(xb(XS_READ, 0, S("data/guest")) && rep.type == XS_READ);
}

void guest_main(void)
{
    printf("xenbus: domid %u\n", xen.domid);
    run_tests();
}
