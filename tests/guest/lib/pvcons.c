/*
 * PV console frontend (include/pvcons.h), after Linux's
 * drivers/tty/hvc/hvc_xen.c: __write_console / domU_write_console for
 * output, domU_read_console for input, the ring of <xen/io/console.h>.
 */
#include "lib.h"
#include "x86.h"
#include "hypercall.h"
#include "paging.h"
#include "shinfo.h"
#include "evtchn.h"
#include "pvcons.h"
#include <xen/io/console.h>

static struct xencons_interface *intf;
static evtchn_port_t port;
static bool stalled;
static XENCONS_RING_IDX seen_cons;
static uint64_t dropped;

/* How long one sleep waiting for the backend lasts. */
#define SLICE_NS (10ull * 1000000ull)

bool pvcons_init(void)
{
    uint64_t pfn = 0, evtchn = 0;

    if (intf)
        return true;
    shinfo_map();
    /* As xen_hvm_console_init(): 0 means no console was set up. */
    if (hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &evtchn) || !evtchn ||
        hvm_get_param(HVM_PARAM_CONSOLE_PFN, &pfn) || !pfn)
        return false;
    port = (evtchn_port_t)evtchn;
    ev_mask(port);
    intf = phys_page(pfn << PAGE_SHIFT, VMAP_SLOT_CONSOLE);
    seen_cons = READ_ONCE(intf->out_cons);
    return true;
}

bool pvcons_present(void)
{
    return intf != NULL;
}

evtchn_port_t pvcons_port(void)
{
    return port;
}

bool pvcons_connected(void)
{
    return intf && ev_state(port) == EVTCHNSTAT_interdomain;
}

uint64_t pvcons_dropped(void)
{
    return dropped;
}

/* __write_console: as much as fits, then publish and notify. */
static int put_some(const char *data, size_t len)
{
    XENCONS_RING_IDX cons, prod;
    size_t sent = 0;

    cons = __atomic_load_n(&intf->out_cons, __ATOMIC_ACQUIRE);
    prod = intf->out_prod;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (prod - cons > sizeof(intf->out))
        return -XEN_EIO;
    if (cons != seen_cons) {
        seen_cons = cons;
        stalled = false;    /* the backend is back */
    }
    while (sent < len && prod - cons < sizeof(intf->out))
        intf->out[MASK_XENCONS_IDX(prod++, intf->out)] = data[sent++];
    __atomic_thread_fence(__ATOMIC_RELEASE);    /* ring before index */
    __atomic_store_n(&intf->out_prod, prod, __ATOMIC_RELEASE);
    if (sent)
        ev_send(port);
    return (int)sent;
}

/* Sleeps until out_cons moves past `from` or the deadline passes. */
static bool wait_consumed(XENCONS_RING_IDX from, uint64_t deadline)
{
    for (;;) {
        uint64_t now, until;

        ev_clear_pending(port);
        if (READ_ONCE(intf->out_cons) != from)
            return true;
        now = xen_system_time();
        if (now >= deadline)
            return false;
        /* Backends notify after consuming; the slice covers one that
         * does not. */
        until = now + SLICE_NS < deadline ? now + SLICE_NS : deadline;
        ev_poll(&port, 1, until);
    }
}

int pvcons_write(const void *buf, size_t len)
{
    const char *d = buf;
    size_t done = 0;

    if (!intf)
        return -XEN_ENOTCONN;
    while (done < len) {
        XENCONS_RING_IDX cons = READ_ONCE(intf->out_cons);
        int n = put_some(d + done, len - done);

        if (n < 0)
            return n;
        done += (size_t)n;
        if (done == len)
            break;
        /* Full.  Linux yields until the backend makes room; here the wait
         * is bounded, and skipped while the backend is known stalled. */
        if (stalled ||
            !wait_consumed(cons, xen_system_time() + PVCONS_STALL_NS)) {
            stalled = true;
            dropped += len - done;
            break;
        }
    }
    return (int)done;
}

int pvcons_puts(const char *s)
{
    char chunk[128];
    size_t n = 0;
    int total = 0, rc;

    for (; *s; s++) {
        if (*s == '\n')
            chunk[n++] = '\r';
        chunk[n++] = *s;
        if (n >= sizeof(chunk) - 1) {
            if ((rc = pvcons_write(chunk, n)) < 0)
                return rc;
            total += rc;
            n = 0;
        }
    }
    if (n) {
        if ((rc = pvcons_write(chunk, n)) < 0)
            return rc;
        total += rc;
    }
    return total;
}

int pvcons_printf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return pvcons_puts(buf);
}

bool pvcons_flush(uint64_t timeout_ns)
{
    uint64_t deadline;

    if (!intf)
        return false;
    deadline = xen_system_time() + timeout_ns;
    for (;;) {
        XENCONS_RING_IDX cons = READ_ONCE(intf->out_cons);

        if (cons == READ_ONCE(intf->out_prod))
            return true;
        if (!wait_consumed(cons, deadline))
            return false;
    }
}

int pvcons_read(char *buf, size_t len)
{
    XENCONS_RING_IDX cons, prod;
    size_t recv = 0;

    if (!intf)
        return -XEN_ENOTCONN;
    cons = intf->in_cons;
    prod = __atomic_load_n(&intf->in_prod, __ATOMIC_ACQUIRE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);    /* indexes before data */
    if (prod - cons > sizeof(intf->in))
        return -XEN_EIO;
    while (cons != prod && recv < len)
        buf[recv++] = intf->in[MASK_XENCONS_IDX(cons++, intf->in)];
    __atomic_thread_fence(__ATOMIC_SEQ_CST);    /* data before the index */
    __atomic_store_n(&intf->in_cons, cons, __ATOMIC_RELEASE);
    if (recv)
        ev_send(port);
    return (int)recv;
}
