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

struct xencons_interface *pvcons;
evtchn_port_t pvcons_port;

static bool stalled;
static XENCONS_RING_IDX seen_cons;
static uint64_t dropped;

/* How long one sleep waiting for the backend lasts at most. */
#define SLICE_NS (10ull * 1000000ull)

bool pvcons_init(void)
{
    uint64_t pfn = 0, evtchn = 0;

    if (pvcons)
        return true;
    shinfo_map();
    /* As xen_hvm_console_init(): 0 means no console was set up. */
    if (hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &evtchn) || !evtchn ||
        hvm_get_param(HVM_PARAM_CONSOLE_PFN, &pfn) || !pfn)
        return false;
    pvcons_port = (evtchn_port_t)evtchn;
    ev_mask(pvcons_port);
    pvcons = phys_page(pfn << PAGE_SHIFT, VMAP_SLOT_CONSOLE);
    seen_cons = READ_ONCE(pvcons->out_cons);
    return true;
}

bool pvcons_present(void)
{
    return pvcons != NULL;
}

bool pvcons_connected(void)
{
    return pvcons && ev_state(pvcons_port) == EVTCHNSTAT_interdomain;
}

void pvcons_notify(void)
{
    ev_send(pvcons_port);
}

void pvcons_clear(void)
{
    ev_clear_pending(pvcons_port);
}

void pvcons_wait(uint64_t timeout_ns)
{
    ev_poll(&pvcons_port, 1, xen_system_time() + timeout_ns);
}

uint64_t pvcons_dropped(void)
{
    return dropped;
}

int pvcons_write_some(const char *buf, unsigned int len)
{
    XENCONS_RING_IDX cons, prod;
    unsigned int sent = 0;

    cons = __atomic_load_n(&pvcons->out_cons, __ATOMIC_ACQUIRE);
    prod = pvcons->out_prod;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);    /* mb(): indexes first */
    if (prod - cons > sizeof(pvcons->out))
        return -XEN_EIO;
    if (cons != seen_cons) {
        seen_cons = cons;
        stalled = false;    /* the backend moves (again) */
    }
    while (sent < len && prod - cons < sizeof(pvcons->out))
        pvcons->out[MASK_XENCONS_IDX(prod++, pvcons->out)] = buf[sent++];
    __atomic_thread_fence(__ATOMIC_RELEASE);    /* wmb(): ring, then index */
    __atomic_store_n(&pvcons->out_prod, prod, __ATOMIC_RELEASE);
    if (sent)
        pvcons_notify();
    return (int)sent;
}

/* Sleeps until out_cons moves past `from` or the deadline passes. */
static bool wait_consumed(XENCONS_RING_IDX from, uint64_t deadline)
{
    for (;;) {
        uint64_t now, until;

        pvcons_clear();
        if (READ_ONCE(pvcons->out_cons) != from)
            return true;
        now = xen_system_time();
        if (now >= deadline)
            return false;
        /* Backends notify after consuming; the slice covers one that
         * does not. */
        until = now + SLICE_NS < deadline ? now + SLICE_NS : deadline;
        ev_poll(&pvcons_port, 1, until);
    }
}

int pvcons_write(const void *buf, size_t len)
{
    const char *d = buf;
    size_t done = 0;

    if (!pvcons)
        return -XEN_ENOTCONN;
    while (done < len) {
        XENCONS_RING_IDX cons = READ_ONCE(pvcons->out_cons);
        size_t chunk = len - done < 0x10000 ? len - done : 0x10000;
        int n = pvcons_write_some(d + done, (unsigned int)chunk);
        uint64_t stall;

        if (n < 0)
            return n;
        done += (size_t)n;
        if (done == len)
            break;
        /* Full.  Linux yields until the backend makes room; here the wait
         * is bounded, and skipped while the backend is known stalled. */
        stall = pvcons_connected() ? PVCONS_STALL_BOUND_NS : PVCONS_STALL_NS;
        if (stalled || !wait_consumed(cons, xen_system_time() + stall)) {
            stalled = true;
            dropped += len - done;
            break;
        }
    }
    return (int)done;
}

int pvcons_printf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    int n, len;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    len = (int)strlen(buf);
    return pvcons_write(buf, (size_t)len) == len ? n : -XEN_EIO;
}

int pvcons_puts_crlf(const char *s)
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

int pvcons_printf_crlf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return pvcons_puts_crlf(buf);
}

bool pvcons_flush(uint64_t timeout_ns)
{
    uint64_t deadline;

    if (!pvcons)
        return false;
    deadline = xen_system_time() + timeout_ns;
    for (;;) {
        XENCONS_RING_IDX cons = READ_ONCE(pvcons->out_cons);

        if (cons == READ_ONCE(pvcons->out_prod))
            return true;
        if (!wait_consumed(cons, deadline))
            return false;
    }
}

int pvcons_read(char *buf, unsigned int len)
{
    XENCONS_RING_IDX cons, prod;
    unsigned int recv = 0;

    if (!pvcons)
        return -XEN_ENOTCONN;
    cons = pvcons->in_cons;
    prod = __atomic_load_n(&pvcons->in_prod, __ATOMIC_ACQUIRE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);    /* indexes before data */
    if (prod - cons > sizeof(pvcons->in))
        return -XEN_EIO;
    while (cons != prod && recv < len)
        buf[recv++] = pvcons->in[MASK_XENCONS_IDX(cons++, pvcons->in)];
    __atomic_thread_fence(__ATOMIC_SEQ_CST);    /* data before the index */
    __atomic_store_n(&pvcons->in_cons, cons, __ATOMIC_RELEASE);
    if (recv)
        pvcons_notify();
    return (int)recv;
}

/* Input read but not yet returned as a line. */
static char pending[1024];
static unsigned int pending_len;

bool pvcons_read_line(char *buf, unsigned int size, uint64_t timeout_ns)
{
    uint64_t end = xen_system_time() + timeout_ns;

    for (;;) {
        unsigned int i;
        int r;

        for (i = 0; i < pending_len; i++) {
            unsigned int n;

            if (pending[i] != '\n')
                continue;
            n = i < size - 1 ? i : size - 1;
            memcpy(buf, pending, n);
            buf[n] = 0;
            memmove(pending, pending + i + 1, pending_len - i - 1);
            pending_len -= i + 1;
            return true;
        }
        if (pending_len == sizeof(pending))
            pending_len = 0;            /* an overlong line: forget it */
        pvcons_clear();
        r = pvcons_read(pending + pending_len, sizeof(pending) - pending_len);
        if (r > 0) {
            pending_len += (unsigned int)r;
            continue;
        }
        if (xen_system_time() > end)
            return false;
        pvcons_wait(100000000ull);
    }
}
