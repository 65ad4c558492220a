/*
 * Event channel frontend pieces: EVTCHNOP wrappers, a 2-level scanner in
 * the style of Linux drivers/xen/events/events_2l.c (selector word, then
 * pending & ~mask, clear the pending bit, handle), a FIFO consumer in the
 * style of events_fifo.c (ready bits, queue heads, clear LINKED to walk
 * the list), and the upcall handlers of each delivery method.
 */
#include "lib.h"
#include "x86.h"
#include "trap.h"
#include "hypercall.h"
#include "shinfo.h"
#include "xen_guest.h"
#include "apic.h"
#include "evtchn.h"
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>

volatile uint32_t evtchn_count[EVTCHN_TRACK];
volatile uint8_t evtchn_owner[EVTCHN_TRACK];
volatile uint8_t evtchn_last_vcpu[EVTCHN_TRACK];
volatile evtchn_port_t ev_log[EV_LOG];
volatile unsigned int ev_log_len;
void (*volatile evtchn_hook)(evtchn_port_t port, unsigned int vcpu);
volatile uint32_t ev_irq_count[4][EVTCHN_MAX_VCPUS];

/* ------------------------------------------------------------------ ops */

long ev_alloc_unbound(domid_t dom, domid_t remote, evtchn_port_t *port)
{
    struct evtchn_alloc_unbound a = { .dom = dom, .remote_dom = remote,
                                      .port = 0xdeadbeef };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &a);

    if (rc == 0 && port)
        *port = a.port;
    return rc;
}

long ev_bind_interdomain(domid_t rdom, evtchn_port_t rport,
                         evtchn_port_t *lport)
{
    struct evtchn_bind_interdomain b = { .remote_dom = rdom,
                                         .remote_port = rport };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &b);

    if (rc == 0 && lport)
        *lport = b.local_port;
    return rc;
}

long ev_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port)
{
    struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &b);

    if (rc == 0 && port)
        *port = b.port;
    return rc;
}

long ev_bind_ipi(uint32_t vcpu, evtchn_port_t *port)
{
    struct evtchn_bind_ipi b = { .vcpu = vcpu };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &b);

    if (rc == 0 && port)
        *port = b.port;
    return rc;
}

long ev_bind_pirq(uint32_t pirq, uint32_t flags, evtchn_port_t *port)
{
    struct evtchn_bind_pirq b = { .pirq = pirq, .flags = flags };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_pirq, &b);

    if (rc == 0 && port)
        *port = b.port;
    return rc;
}

long ev_close(evtchn_port_t port)
{
    struct evtchn_close c = { .port = port };

    return HYPERVISOR_event_channel_op(EVTCHNOP_close, &c);
}

long ev_send(evtchn_port_t port)
{
    struct evtchn_send s = { .port = port };

    return HYPERVISOR_event_channel_op(EVTCHNOP_send, &s);
}

long ev_status(domid_t dom, evtchn_port_t port, struct evtchn_status *st)
{
    memset(st, 0xa5, sizeof(*st));
    st->dom = dom;
    st->port = port;
    return HYPERVISOR_event_channel_op(EVTCHNOP_status, st);
}

long ev_state(evtchn_port_t port)
{
    struct evtchn_status st;
    long rc = ev_status(DOMID_SELF, port, &st);

    return rc ? rc : (long)st.status;
}

long ev_bind_vcpu(evtchn_port_t port, uint32_t vcpu)
{
    struct evtchn_bind_vcpu b = { .port = port, .vcpu = vcpu };

    return HYPERVISOR_event_channel_op(EVTCHNOP_bind_vcpu, &b);
}

long ev_unmask(evtchn_port_t port)
{
    struct evtchn_unmask u = { .port = port };

    return HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &u);
}

long ev_reset(domid_t dom)
{
    struct evtchn_reset r = { .dom = dom };

    return HYPERVISOR_event_channel_op(EVTCHNOP_reset, &r);
}

long ev_set_priority(evtchn_port_t port, uint32_t prio)
{
    struct evtchn_set_priority p = { .port = port, .priority = prio };

    return HYPERVISOR_event_channel_op(EVTCHNOP_set_priority, &p);
}

long ev_poll(const evtchn_port_t *ports, unsigned int n, uint64_t timeout)
{
    struct sched_poll p = { .nr_ports = n, .timeout = timeout };

    set_xen_guest_handle(p.ports, (evtchn_port_t *)ports);
    return HYPERVISOR_sched_op(SCHEDOP_poll, &p);
}

static bool port_pending(evtchn_port_t port)
{
    if (fifo_active()) {
        event_word_t *w = fifo_word(port);
        return w && (READ_ONCE(*w) & (1u << EVTCHN_FIFO_PENDING));
    }
    return ev2l_pending(port);
}

bool ev_wait_pending(evtchn_port_t port, uint64_t timeout_ns)
{
    uint64_t end = xen_system_time() + timeout_ns;
    unsigned int i;

    /* Bounded even if poll returns at once every time (an error). */
    for (i = 0; i < 100000; i++) {
        if (port_pending(port))
            return true;
        if (xen_system_time() >= end)
            return false;
        ev_poll(&port, 1, end);
    }
    return port_pending(port);
}

/* ------------------------------------------------------------ 2-level */

struct vcpu_info *ev_vcpu_info(unsigned int vcpu)
{
    shinfo_map();
    if (vcpu == 0)
        return vcpu0_info;
    return &shared_info->vcpu_info[vcpu];
}

static xen_ulong_t *word_of(xen_ulong_t *arr, evtchn_port_t port)
{
    return &arr[port / EV_2L_BITS];
}

#define BIT_OF(port) ((xen_ulong_t)1 << ((port) % EV_2L_BITS))

bool ev2l_pending(evtchn_port_t port)
{
    shinfo_map();
    return READ_ONCE(*word_of(shared_info->evtchn_pending, port)) & BIT_OF(port);
}

bool ev2l_masked(evtchn_port_t port)
{
    shinfo_map();
    return READ_ONCE(*word_of(shared_info->evtchn_mask, port)) & BIT_OF(port);
}

static void set_bit_to(xen_ulong_t *w, xen_ulong_t bit, bool on)
{
    if (on)
        __atomic_or_fetch(w, bit, __ATOMIC_SEQ_CST);
    else
        __atomic_and_fetch(w, ~bit, __ATOMIC_SEQ_CST);
}

void ev2l_set_pending(evtchn_port_t port, bool on)
{
    shinfo_map();
    set_bit_to(word_of(shared_info->evtchn_pending, port), BIT_OF(port), on);
}

void ev2l_set_mask(evtchn_port_t port, bool on)
{
    shinfo_map();
    set_bit_to(word_of(shared_info->evtchn_mask, port), BIT_OF(port), on);
}

bool ev2l_sel(unsigned int vcpu, evtchn_port_t port)
{
    struct vcpu_info *vi = ev_vcpu_info(vcpu);

    return READ_ONCE(vi->evtchn_pending_sel) &
           ((xen_ulong_t)1 << (port / EV_2L_BITS));
}

void ev_mask(evtchn_port_t port)
{
    if (fifo_active())
        fifo_mask(port);
    else
        ev2l_set_mask(port, true);
}

bool ev_clear_pending(evtchn_port_t port)
{
    if (fifo_active()) {
        event_word_t *w = fifo_word(port);

        return w && (__atomic_fetch_and(w, ~(1u << EVTCHN_FIFO_PENDING),
                                        __ATOMIC_SEQ_CST) &
                     (1u << EVTCHN_FIFO_PENDING));
    }
    shinfo_map();
    return __atomic_fetch_and(word_of(shared_info->evtchn_pending, port),
                              ~BIT_OF(port), __ATOMIC_SEQ_CST) & BIT_OF(port);
}

static void deliver(evtchn_port_t port, unsigned int vcpu)
{
    unsigned int n;

    /* The vCPU is written before the count: another vCPU that sees the
     * count change must also see who took the event (x86 keeps stores in
     * order; the barrier keeps the compiler from swapping them). */
    if (port < EVTCHN_TRACK) {
        evtchn_last_vcpu[port] = vcpu;
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        evtchn_count[port]++;
    }
    n = ev_log_len;
    if (n < EV_LOG) {
        ev_log[n] = port;
        ev_log_len = n + 1;
    }
    if (evtchn_hook)
        evtchn_hook(port, vcpu);
}

static void scan_2l(unsigned int vcpu)
{
    struct vcpu_info *vi = ev_vcpu_info(vcpu);
    xen_ulong_t sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0,
                                          __ATOMIC_SEQ_CST);

    while (sel) {
        unsigned int w = __builtin_ctzl(sel);
        xen_ulong_t bits;

        sel &= sel - 1;
        bits = READ_ONCE(shared_info->evtchn_pending[w]) &
               ~READ_ONCE(shared_info->evtchn_mask[w]);
        while (bits) {
            unsigned int b = __builtin_ctzl(bits);
            evtchn_port_t port = w * EV_2L_BITS + b;

            bits &= bits - 1;
            if (port < EVTCHN_TRACK && evtchn_owner[port] != vcpu)
                continue; /* another vCPU's event: leave it pending */
            __atomic_and_fetch(&shared_info->evtchn_pending[w],
                               ~((xen_ulong_t)1 << b), __ATOMIC_SEQ_CST);
            deliver(port, vcpu);
        }
    }
}

/* --------------------------------------------------------------- FIFO */

#define FIFO_ARRAY_PAGES 2
static uint8_t fifo_cb_pages[EVTCHN_MAX_VCPUS][4096]
    __aligned(4096) __attribute__((section(".bss.page")));
static uint8_t fifo_array_pages[FIFO_ARRAY_PAGES][4096]
    __aligned(4096) __attribute__((section(".bss.page")));
static unsigned int fifo_pages;
static bool fifo_on;
static uint32_t fifo_head[EVTCHN_MAX_VCPUS][EVTCHN_FIFO_MAX_QUEUES];

bool fifo_active(void)
{
    return fifo_on;
}

struct evtchn_fifo_control_block *fifo_control(unsigned int vcpu)
{
    return (struct evtchn_fifo_control_block *)fifo_cb_pages[vcpu];
}

event_word_t *fifo_word(evtchn_port_t port)
{
    unsigned int per = PAGE_SIZE / sizeof(event_word_t);

    if (port / per >= fifo_pages)
        return NULL;
    return (event_word_t *)fifo_array_pages[port / per] + port % per;
}

long fifo_expand(void)
{
    struct evtchn_expand_array e;
    event_word_t *w;
    unsigned int i;
    long rc;

    if (fifo_pages >= FIFO_ARRAY_PAGES)
        return -XEN_ENOSPC;
    /* As Linux's init_array_page(): every event starts masked. */
    w = (event_word_t *)fifo_array_pages[fifo_pages];
    for (i = 0; i < PAGE_SIZE / sizeof(*w); i++)
        w[i] = 1u << EVTCHN_FIFO_MASKED;
    e.array_gfn = (uintptr_t)w >> PAGE_SHIFT;
    rc = HYPERVISOR_event_channel_op(EVTCHNOP_expand_array, &e);
    if (rc == 0)
        fifo_pages++;
    return rc;
}

long fifo_init_vcpu(unsigned int vcpu)
{
    struct evtchn_init_control ic;
    long rc;

    memset(fifo_cb_pages[vcpu], 0, PAGE_SIZE);
    memset(&ic, 0, sizeof(ic));
    ic.control_gfn = (uintptr_t)fifo_cb_pages[vcpu] >> PAGE_SHIFT;
    ic.offset = 0;
    ic.vcpu = vcpu;
    rc = HYPERVISOR_event_channel_op(EVTCHNOP_init_control, &ic);
    if (rc)
        return rc;
    memset(fifo_head[vcpu], 0, sizeof(fifo_head[vcpu]));
    if (!fifo_on) {
        fifo_on = true;
        fifo_pages = 0;
        rc = fifo_expand();
    }
    return rc;
}

void fifo_forget(void)
{
    fifo_on = false;
    fifo_pages = 0;
    memset(fifo_head, 0, sizeof(fifo_head));
}

void fifo_mask(evtchn_port_t port)
{
    event_word_t *w = fifo_word(port);

    if (w)
        __atomic_or_fetch(w, 1u << EVTCHN_FIFO_MASKED, __ATOMIC_SEQ_CST);
}

void fifo_unmask(evtchn_port_t port)
{
    event_word_t *w = fifo_word(port);
    event_word_t old, new;

    if (!w)
        return;
    /* events_fifo.c clear_masked_cond(): clear MASKED unless PENDING (or
     * BUSY) is set; then only the hypervisor may link the event. */
    old = READ_ONCE(*w);
    do {
        if (old & ((1u << EVTCHN_FIFO_PENDING) | (1u << EVTCHN_FIFO_BUSY))) {
            ev_unmask(port);
            return;
        }
        new = old & ~(1u << EVTCHN_FIFO_MASKED);
    } while (!__atomic_compare_exchange_n(w, &old, new, false,
                                          __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
}

/* Clear LINKED and the link, returning the link (events_fifo.c). */
static uint32_t clear_linked(event_word_t *w)
{
    event_word_t old = READ_ONCE(*w), new;

    do {
        new = old & ~((1u << EVTCHN_FIFO_LINKED) | EVTCHN_FIFO_LINK_MASK);
    } while (!__atomic_compare_exchange_n(w, &old, new, false,
                                          __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    return old & EVTCHN_FIFO_LINK_MASK;
}

static void consume_one(unsigned int vcpu, unsigned int q, uint32_t *ready)
{
    struct evtchn_fifo_control_block *cb = fifo_control(vcpu);
    uint32_t head = fifo_head[vcpu][q];
    evtchn_port_t port;
    event_word_t *w;

    if (head == 0)
        head = READ_ONCE(cb->head[q]);
    port = head;
    w = fifo_word(port);
    if (port == 0 || !w) {
        *ready &= ~(1u << q);
        fifo_head[vcpu][q] = 0;
        return;
    }
    head = clear_linked(w);
    if (head == 0)
        *ready &= ~(1u << q);
    if ((READ_ONCE(*w) & (1u << EVTCHN_FIFO_PENDING)) &&
        !(READ_ONCE(*w) & (1u << EVTCHN_FIFO_MASKED))) {
        __atomic_and_fetch(w, ~(1u << EVTCHN_FIFO_PENDING), __ATOMIC_SEQ_CST);
        deliver(port, vcpu);
    }
    fifo_head[vcpu][q] = head;
}

static void scan_fifo(unsigned int vcpu)
{
    struct evtchn_fifo_control_block *cb = fifo_control(vcpu);
    uint32_t ready = __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
    unsigned int n;

    for (n = 0; ready && n < 4 * EVTCHN_TRACK; n++) {
        consume_one(vcpu, __builtin_ctz(ready), &ready);
        ready |= __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
    }
}

/* -------------------------------------------------------- consumption */

void ev_scan(unsigned int vcpu)
{
    if (fifo_on)
        scan_fifo(vcpu);
    else
        scan_2l(vcpu);
}

void ev_upcall(unsigned int vcpu)
{
    struct vcpu_info *vi = ev_vcpu_info(vcpu);
    unsigned int i;

    for (i = 0; i < 16; i++) {
        WRITE_ONCE(vi->evtchn_upcall_pending, 0);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        ev_scan(vcpu);
        if (!READ_ONCE(vi->evtchn_upcall_pending))
            break;
    }
}

void ev_counts_clear(void)
{
    unsigned int i;

    for (i = 0; i < EVTCHN_TRACK; i++)
        evtchn_count[i] = 0;
    ev_log_len = 0;
    memset((void *)ev_irq_count, 0, sizeof(ev_irq_count));
}

unsigned int ev_this_vcpu(void)
{
    uint32_t id = xen_cpuid_vcpu_id();

    return id < EVTCHN_MAX_VCPUS ? id : 0;
}

/* ----------------------------------------------------------- delivery */

static void h_vector(struct trap_frame *f)
{
    unsigned int cpu = ev_this_vcpu();

    (void)f;
    ev_irq_count[EV_VIA_VECTOR][cpu]++;
    ev_upcall(cpu);
}

static void h_lapic(struct trap_frame *f)
{
    unsigned int cpu = ev_this_vcpu();

    (void)f;
    ev_irq_count[EV_VIA_LAPIC][cpu]++;
    ev_upcall(cpu);
    lapic_eoi();
}

static unsigned int gsi_kind = EV_VIA_GSI;

static void h_gsi(struct trap_frame *f)
{
    unsigned int cpu = ev_this_vcpu();

    (void)f;
    ev_irq_count[gsi_kind][cpu]++;
    /* The line follows vCPU 0's upcall_pending: clear it, then EOI. */
    ev_upcall(0);
    lapic_eoi();
}

static void h_spurious(struct trap_frame *f)
{
    (void)f;
}

long ev_via_vector(void)
{
    trap_set_handler(EV_VEC_CALLBACK, h_vector, 0);
    return hvm_set_param(HVM_PARAM_CALLBACK_IRQ,
                         ((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) |
                         EV_VEC_CALLBACK);
}

long ev_via_lapic(unsigned int vcpu)
{
    struct xen_hvm_evtchn_upcall_vector op = { .vcpu = vcpu,
                                               .vector = EV_VEC_LAPIC };

    trap_set_handler(EV_VEC_LAPIC, h_lapic, 0);
    trap_set_handler(EV_VEC_SPURIOUS, h_spurious, 0);
    return HYPERVISOR_hvm_op(HVMOP_set_evtchn_upcall_vector, &op);
}

static void program_pin(unsigned int gsi)
{
    trap_set_handler(EV_VEC_GSI, h_gsi, 0);
    trap_set_handler(EV_VEC_SPURIOUS, h_spurious, 0);
    lapic_enable();
    if (gsi && gsi < ioapic_pins())
        ioapic_set_rte(gsi, EV_VEC_GSI | IOAPIC_RTE_LEVEL, 0);
}

long ev_via_gsi(unsigned int gsi)
{
    gsi_kind = EV_VIA_GSI;
    program_pin(gsi);
    return hvm_set_param(HVM_PARAM_CALLBACK_IRQ,
                         ((uint64_t)HVM_PARAM_CALLBACK_TYPE_GSI << 56) | gsi);
}

uint64_t ev_callback_value_pci(unsigned int dev, unsigned int intx)
{
    /* val[15:8] = devfn, val[1:0] = INTx (params.h). */
    return ((uint64_t)HVM_PARAM_CALLBACK_TYPE_PCI_INTX << 56) |
           ((uint64_t)(dev << 3) << 8) | (intx & 3);
}

long ev_via_pci_intx(unsigned int dev, unsigned int intx, unsigned int gsi)
{
    gsi_kind = EV_VIA_INTX;
    program_pin(gsi);
    return hvm_set_param(HVM_PARAM_CALLBACK_IRQ,
                         ev_callback_value_pci(dev, intx));
}

long ev_via_none(void)
{
    return hvm_set_param(HVM_PARAM_CALLBACK_IRQ, 0);
}
