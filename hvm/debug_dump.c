/* SIGQUIT's state dump (debug_dump.h).  Written for a guest that spins or
 * sleeps where it should not: is a timer armed, and for when; is an event
 * pending but not delivered (flag, mask, APIC IRR/ISR); where each vCPU
 * is (RIP, MP state).  Everything goes to the log at error level, so it
 * shows whatever the verbosity. */
#include "debug_dump.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>

#include <xen/io/console.h>
#include <xen/io/xs_wire.h>

#include "abi.h"
#include "console.h"
#include "log.h"
#include "shinfo.h"
#include "util.h"
#include "vcpu.h"
#include "xen_time.h"

/* Nanoseconds left on a timerfd, 0 when disarmed. */
static unsigned long long timerfd_left(int fd)
{
    struct itimerspec its;

    if (fd <= 0 || timerfd_gettime(fd, &its) < 0)
        return 0;
    return (unsigned long long)its.it_value.tv_sec * 1000000000ULL +
           (unsigned long long)its.it_value.tv_nsec;
}

static void dump_vcpu_info(struct vm *vm, struct vcpu *v)
{
    const uint8_t *vi;
    bool c = vm->shinfo_32;
    unsigned long long sel = 0;

    pthread_rwlock_rdlock(&vm->pm.lock);
    vi = shinfo_vcpu_info(v);
    if (vi) {
        const uint8_t *p = vi + abi_field_off(&abi_vcpu_info, c, VI_PENDING_SEL);
        if (c)
            sel = __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
        else
            sel = __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
        log_err("dump: vCPU %u: vcpu_info upcall_pending %u upcall_mask %u pending_sel %#llx",
                v->id, vi[abi_field_off(&abi_vcpu_info, c, VI_UPCALL_PENDING)],
                vi[abi_field_off(&abi_vcpu_info, c, VI_UPCALL_MASK)], sel);
    } else {
        log_err("dump: vCPU %u: no vcpu_info", v->id);
    }
    pthread_rwlock_unlock(&vm->pm.lock);
}

/* V's VIRQ_TIMER port and its event state: the FIFO event word (bits
 * 31 PENDING, 30 MASKED, 29 LINKED, 28 BUSY) or the 2-level pending bit. */
static void dump_timer_port(struct vm *vm, struct vcpu *v)
{
    struct evtchn_domain *d = &vm->evtchn;
    uint32_t port;

    pthread_mutex_lock(&d->lock);
    port = d->vcpus[v->id].virq_to_port[VIRQ_TIMER];
    if (!port)
        log_err("dump: vCPU %u: VIRQ_TIMER not bound", v->id);
    else if (d->fifo && port < d->fifo_nr_ports)
        log_err("dump: vCPU %u: VIRQ_TIMER port %u, FIFO event word %#x", v->id, port,
                __atomic_load_n(d->fifo_array[port / 1024] + port % 1024, __ATOMIC_RELAXED));
    else if (!d->fifo)
        log_err("dump: vCPU %u: VIRQ_TIMER port %u, 2-level pending %d", v->id, port,
                evtchn_2l_is_pending(d, port));
    pthread_mutex_unlock(&d->lock);
}

/* PORT's event state, as dump_timer_port shows it (-1: not a port). */
static long long port_state(struct vm *vm, uint32_t port)
{
    struct evtchn_domain *d = &vm->evtchn;
    long long st = -1;

    pthread_mutex_lock(&d->lock);
    if (d->fifo && port && port < d->fifo_nr_ports)
        st = __atomic_load_n(d->fifo_array[port / 1024] + port % 1024, __ATOMIC_RELAXED);
    else if (!d->fifo && port)
        st = evtchn_2l_is_pending(d, port);
    pthread_mutex_unlock(&d->lock);
    return st;
}

/* The xenstore and console rings' indices and their ports' event state:
 * a guest that waits for a reply, or for room to write, shows here. */
static void dump_rings(struct vm *vm)
{
    uint64_t spfn = vm->params[HVM_PARAM_STORE_PFN], cpfn = vm->params[HVM_PARAM_CONSOLE_PFN];
    uint32_t sport = (uint32_t)vm->params[HVM_PARAM_STORE_EVTCHN];
    uint32_t cport = (uint32_t)vm->params[HVM_PARAM_CONSOLE_EVTCHN];
    const struct xenstore_domain_interface *xs;
    const struct xencons_interface *cons;

    pthread_rwlock_rdlock(&vm->pm.lock);
    xs = spfn ? vm_gpa_ptr(vm, spfn << XK_PAGE_SHIFT, XK_PAGE_SIZE) : NULL;
    cons = cpfn ? vm_gpa_ptr(vm, cpfn << XK_PAGE_SHIFT, XK_PAGE_SIZE) : NULL;
    if (xs)
        log_err("dump: xenstore ring req %u/%u rsp %u/%u (cons/prod), port %u state %#llx",
                xs->req_cons, xs->req_prod, xs->rsp_cons, xs->rsp_prod, sport,
                port_state(vm, sport));
    if (cons)
        log_err("dump: console ring in %u/%u out %u/%u (cons/prod), port %u state %#llx",
                cons->in_cons, cons->in_prod, cons->out_cons, cons->out_prod, cport,
                port_state(vm, cport));
    pthread_rwlock_unlock(&vm->pm.lock);
}

/* The pending event words (2-level), 64 ports each, with their mask. */
static void dump_pending(struct vm *vm)
{
    const uint8_t *si = vm_xenpage(vm, XENPAGE_SHARED_INFO);
    bool c = vm->shinfo_32;
    size_t bytes = c ? 32 * 4 : 64 * 8;
    unsigned shown = 0;

    if (!si)
        return;
    for (size_t off = 0; off < bytes; off += 8) {
        uint64_t pend, mask;
        memcpy(&pend, si + abi_field_off(&abi_shared_info, c, SI_PENDING) + off, 8);
        memcpy(&mask, si + abi_field_off(&abi_shared_info, c, SI_MASK) + off, 8);
        if (!pend)
            continue;
        log_err("dump: ports %zu-%zu pending %#llx masked %#llx", off * 8, off * 8 + 63,
                (unsigned long long)pend, (unsigned long long)(pend & mask));
        if (++shown == 8)
            break;
    }
    if (!shown)
        log_err("dump: no event port pending");
}

void debug_dump_vm(struct vm *vm)
{
    uint64_t now = xen_clock_now(&vm->clock);

    log_err("dump: domain %u, Xen time %llu ns, callback via %#x, %u vCPUs", vm->domid,
            (unsigned long long)now, (unsigned)atomic_load(&vm->irq.via), vm->nr_vcpus);
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        uint64_t dl;

        pthread_mutex_lock(&vm->lock);
        log_err("dump: vCPU %u: %s%s, in guest %d, poll_port %d, wake %d, pause %u",
                v->id, v->state == VCPU_UP ? "up" : "down",
                v->initialised ? "" : " (not initialised)", v->in_guest,
                v->poll_port, v->wake, vm->ctl_pause_count);
        pthread_mutex_unlock(&vm->lock);
        log_err("dump: vCPU %u: upcall vector %#x, callback injected %d (vector %#x), "
                "due %d, lapic_check %d", v->id, atomic_load(&v->upcall_vector),
                atomic_load(&v->cb_outstanding), v->cb_vector,
                atomic_load(&v->cb_inject), atomic_load(&v->lapic_check));
        dl = v->singleshot_deadline;
        pthread_mutex_lock(&vm->timer_lock);
        log_err("dump: vCPU %u: singleshot deadline %llu (%lld ns from now), timerfd "
                "%llu ns left; periodic %llu ns, timerfd %llu ns left", v->id,
                (unsigned long long)dl, dl ? (long long)(dl - now) : 0LL,
                timerfd_left(v->timer_fd[0]), (unsigned long long)v->periodic_period,
                timerfd_left(v->timer_fd[1]));
        pthread_mutex_unlock(&vm->timer_lock);
        dump_vcpu_info(vm, v);
        dump_timer_port(vm, v);
    }
    if (!vm->evtchn.fifo)
        dump_pending(vm);
    dump_rings(vm);
    if (vm->console)
        console_dump_stats();
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        atomic_store(&vm->vcpus[i].dump_asked, true);
        vcpu_kick(&vm->vcpus[i]);
    }
}

/* Local APIC registers in struct kvm_lapic_state. */
enum { APIC_TPR = 0x80, APIC_PPR = 0xa0, APIC_SVR = 0xf0, APIC_ISR = 0x100,
       APIC_IRR = 0x200, APIC_LVTT = 0x320, APIC_TMICT = 0x380, APIC_TMCCT = 0x390 };

static uint32_t reg(const struct kvm_lapic_state *s, unsigned off)
{
    uint32_t r;

    memcpy(&r, s->regs + off, sizeof(r));
    return r;
}

/* The set bits of an 8-word APIC vector register, as vector numbers. */
static void vectors(const struct kvm_lapic_state *s, unsigned base, char *buf, size_t n)
{
    size_t len = 0;

    buf[0] = '\0';
    for (unsigned vec = 0; vec < 256; vec++)
        if (reg(s, base + (vec / 32) * 0x10) & (1u << (vec % 32)) && len + 6 < n)
            len += (size_t)snprintf(buf + len, n - len, " %#x", vec);
    if (!len)
        snprintf(buf, n, " none");
}

void debug_dump_vcpu_if_asked(struct vcpu *v)
{
    struct kvm_regs r;
    struct kvm_mp_state mp;
    struct kvm_vcpu_events ev;
    struct kvm_lapic_state s;
    char irr[128], isr[128];

    if (!atomic_exchange(&v->dump_asked, false))
        return;
    if (ioctl(v->fd, KVM_GET_REGS, &r) == 0)
        log_err("dump: vCPU %u: rip %#llx rsp %#llx rflags %#llx rax %#llx", v->id,
                (unsigned long long)r.rip, (unsigned long long)r.rsp,
                (unsigned long long)r.rflags, (unsigned long long)r.rax);
    if (ioctl(v->fd, KVM_GET_MP_STATE, &mp) == 0 &&
        ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev) == 0)
        log_err("dump: vCPU %u: mp_state %u (0 runnable, 1 uninitialized, 2 INIT, 3 halted, "
                "4 SIPI), interrupt injected %u nr %#x shadow %u, exception %u, nmi %u/%u",
                v->id, mp.mp_state, ev.interrupt.injected, ev.interrupt.nr,
                ev.interrupt.shadow, ev.exception.injected, ev.nmi.injected,
                ev.nmi.pending);
    /* SVM's global interrupt flag, which KVM_GET_VCPU_EVENTS leaves out:
     * with it clear KVM keeps a halted vCPU halted whatever IRR holds.
     * Only the header is asked for (enough outside guest mode). */
    {
        struct kvm_nested_state ns = { .size = sizeof(ns) };
        if (ioctl(v->fd, KVM_GET_NESTED_STATE, &ns) == 0)
            log_err("dump: vCPU %u: nested state flags %#x (GIF %s, guest mode %s)", v->id,
                    ns.flags, ns.flags & KVM_STATE_NESTED_GIF_SET ? "set" : "clear",
                    ns.flags & KVM_STATE_NESTED_GUEST_MODE ? "yes" : "no");
    }
    if (ioctl(v->fd, KVM_GET_LAPIC, &s) == 0) {
        vectors(&s, APIC_IRR, irr, sizeof(irr));
        vectors(&s, APIC_ISR, isr, sizeof(isr));
        log_err("dump: vCPU %u: LAPIC TPR %#x PPR %#x SVR %#x IRR%s ISR%s", v->id,
                reg(&s, APIC_TPR), reg(&s, APIC_PPR), reg(&s, APIC_SVR), irr, isr);
        log_err("dump: vCPU %u: LAPIC timer LVTT %#x TMICT %u TMCCT %u", v->id,
                reg(&s, APIC_LVTT), reg(&s, APIC_TMICT), reg(&s, APIC_TMCCT));
    }
}
