/* The guest side of the PV console ring (include/pvcons.h). */
#include "lib.h"
#include "x86.h"
#include "hypercall.h"
#include "paging.h"
#include "shinfo.h"
#include "evtchn.h"
#include "pvcons.h"

struct xencons_interface *pvcons;
evtchn_port_t pvcons_port;

#define MB() __atomic_thread_fence(__ATOMIC_SEQ_CST)

bool pvcons_init(void)
{
    uint64_t pfn = 0, port = 0;
    unsigned long va = VMAP_BASE + (VMAP_PAGES - 1) * PAGE_SIZE;

    if (hvm_get_param(HVM_PARAM_CONSOLE_PFN, &pfn) || !pfn ||
        hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &port) || !port)
        return false;
    shinfo_map();
    vmap_set(va, pfn << PAGE_SHIFT);
    pvcons = (struct xencons_interface *)va;
    pvcons_port = (evtchn_port_t)port;
    ev2l_set_mask(pvcons_port, true);
    return true;
}

void pvcons_notify(void)
{
    struct evtchn_send s = { .port = pvcons_port };

    HYPERVISOR_event_channel_op(EVTCHNOP_send, &s);
}

void pvcons_clear(void)
{
    ev2l_set_pending(pvcons_port, false);
}

void pvcons_wait(uint64_t timeout_ns)
{
    if (!ev2l_pending(pvcons_port))
        ev_poll(&pvcons_port, 1, xen_system_time() + timeout_ns);
}

int pvcons_write_some(const char *buf, unsigned int len)
{
    XENCONS_RING_IDX cons, prod;
    unsigned int sent = 0;

    cons = pvcons->out_cons;
    prod = pvcons->out_prod;
    MB();
    if (prod - cons > sizeof(pvcons->out))
        return -1;
    while (sent < len && prod - cons < sizeof(pvcons->out))
        pvcons->out[MASK_XENCONS_IDX(prod++, pvcons->out)] = buf[sent++];
    __atomic_thread_fence(__ATOMIC_RELEASE);     /* wmb() */
    pvcons->out_prod = prod;
    if (sent)
        pvcons_notify();
    return (int)sent;
}

bool pvcons_write(const char *buf, unsigned int len)
{
    uint64_t end = xen_system_time() + 10000000000ull;

    while (len) {
        int n;

        pvcons_clear();
        n = pvcons_write_some(buf, len);
        if (n < 0)
            return false;
        buf += n;
        len -= (unsigned int)n;
        if (!len)
            break;
        if (xen_system_time() > end)
            return false;
        pvcons_wait(100000000ull);      /* the backend frees room */
    }
    return true;
}

int pvcons_printf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return pvcons_write(buf, (unsigned int)strlen(buf)) ? n : -1;
}

int pvcons_read(char *buf, unsigned int len)
{
    XENCONS_RING_IDX cons, prod;
    unsigned int recv = 0;

    cons = pvcons->in_cons;
    prod = pvcons->in_prod;
    MB();
    if (prod - cons > sizeof(pvcons->in))
        return -1;
    while (cons != prod && recv < len)
        buf[recv++] = pvcons->in[MASK_XENCONS_IDX(cons++, pvcons->in)];
    MB();
    pvcons->in_cons = cons;
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
        int r;

        for (unsigned int i = 0; i < pending_len; i++) {
            if (pending[i] != '\n')
                continue;
            unsigned int n = i < size - 1 ? i : size - 1;
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
