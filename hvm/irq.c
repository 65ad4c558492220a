/* Raising a vCPU's event upcall, in each way a Xen HVM guest can ask for
 * (Xen's hvm_assert_evtchn_irq and hvm_set_callback_via):
 *
 * - per-vCPU upcall vector (HVMOP_set_evtchn_upcall_vector): a fixed
 *   interrupt through the vCPU's local APIC, which the guest EOIs;
 * - HVM_PARAM_CALLBACK_IRQ vector: Xen injects the vector directly at VM
 *   entry while evtchn_upcall_pending is set, with no APIC involvement and
 *   no EOI.  KVM's in-kernel APIC has no such path, so on the vCPU's own
 *   thread, before entry, the VMM software-enables a disabled local APIC,
 *   clears the vector's stale in-service bit and sends it as a fixed
 *   interrupt: the APIC then holds it until the guest enables interrupts,
 *   as Xen does.  Where KVM has SynIC the vector is auto-EOI and never
 *   sets ISR (autoeoi.c).  A vector still waiting in IRR when the guest
 *   has cleared the flag itself is withdrawn at the next entry: Xen would
 *   not inject it any more.  The flag is sampled at every entry; Xen's guest also
 *   re-enters at every host tick, so a 100 Hz tick here kicks a vCPU whose
 *   flag is set with nothing on its way (a flag the guest set itself, or
 *   an upcall vector its APIC refused while software-disabled);
 * - GSI or PCI INTx of the platform device: a level-triggered IOAPIC line
 *   raised when vCPU 0's evtchn_upcall_pending goes up.  The line is an
 *   irqfd with resampling: KVM lowers it on the guest's EOI and tells us
 *   (see on_resample). */
#include "irq.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "abi.h"
#include "acpi_hw.h"
#include "autoeoi.h"
#include "evloop.h"
#include "log.h"
#include "shinfo.h"
#include "vcpu.h"

/* Xen's HVMIRQ_callback_* */
enum { VIA_NONE, VIA_GSI, VIA_PCI_INTX, VIA_VECTOR };

static int via_type(struct vm *vm)
{
    return (int)(atomic_load(&vm->irq.via) >> 8);
}

bool irq_pv_evtchn(struct vm *vm)
{
    return via_type(vm) == VIA_VECTOR ||
           (vm->vcpus && atomic_load(&vm->vcpus[0].upcall_vector));
}

static uint8_t via_vector(struct vm *vm)
{
    return (uint8_t)atomic_load(&vm->irq.via);
}

#define KVM_IOAPIC_PINS 24

bool irq_upcall_pending(struct vm *vm, unsigned vcpu)
{
    uint8_t *vi;
    bool p = false;

    pthread_rwlock_rdlock(&vm->pm.lock);
    vi = shinfo_vcpu_info(&vm->vcpus[vcpu]);
    if (vi)
        p = __atomic_load_n(vi + abi_field_off(&abi_vcpu_info, vm->shinfo_32,
                                               VI_UPCALL_PENDING),
                            __ATOMIC_ACQUIRE) != 0;
    pthread_rwlock_unlock(&vm->pm.lock);
    return p;
}

static void signal_msi(struct vm *vm, unsigned vcpu, uint8_t vector)
{
    struct kvm_msi msi = {
        .address_lo = 0xfee00000u | (vcpu << 12),   /* APIC ID = vCPU id */
        .data = vector,                             /* fixed, edge */
    };

    if (ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &msi) < 0)
        log_warn("vCPU %u: KVM_SIGNAL_MSI vector %#x:", vcpu, vector);
}

static void lapic_recheck(struct vcpu *v, uint8_t vector);

static void line_raise(struct vm *vm)
{
    uint64_t one = 1;

    if (vm->irq.asserted)
        vm->irq.rearm = true;   /* a new upcall while the line is high */
    if (vm->irq.irqfd && !vm->irq.asserted) {
        vm->irq.asserted = true;
        if (write(vm->irq.trigger_fd, &one, sizeof(one)) != sizeof(one))
            log_warn("callback GSI %u: cannot raise", vm->irq.gsi);
    }
}

static void wake_all(struct vm *vm)
{
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        vcpu_wake(&vm->vcpus[i]);
}

void irq_upcall(struct vm *vm, unsigned vcpu)
{
    struct vcpu *v = &vm->vcpus[vcpu];
    uint8_t vec = atomic_load(&v->upcall_vector);
    int type;

    if (vec) {
        signal_msi(vm, vcpu, vec);
        vcpu_wake(v);
        return;
    }
    type = via_type(vm);
    if ((type == VIA_GSI || type == VIA_PCI_INTX) && vcpu == 0) {
        pthread_mutex_lock(&vm->irq.lock);
        line_raise(vm);
        pthread_mutex_unlock(&vm->irq.lock);
    }
    if (type == VIA_VECTOR) {
        atomic_store(&v->cb_inject, true);
        vcpu_wake(v);
        vcpu_kick(v);
    } else if (type != VIA_NONE && vcpu == 0) {
        wake_all(vm);       /* the IOAPIC may route it to any vCPU */
    }
}

static void route(struct kvm_irq_routing_entry *e, uint32_t gsi, uint32_t chip, uint32_t pin)
{
    memset(e, 0, sizeof(*e));
    e->gsi = gsi;
    e->type = KVM_IRQ_ROUTING_IRQCHIP;
    e->u.irqchip.irqchip = chip;
    e->u.irqchip.pin = pin;
}

unsigned irq_legacy_routes(struct kvm_irq_routing_entry *e, bool hvm)
{
    unsigned n = 0;

    for (uint32_t gsi = 0; gsi < KVM_IOAPIC_PINS; gsi++) {
        if (gsi < 16 && !(hvm && gsi == 2))
            route(&e[n++], gsi, gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
                  gsi % 8);
        route(&e[n++], gsi, KVM_IRQCHIP_IOAPIC, hvm && gsi == 0 ? 2 : gsi);
    }
    return n;
}

int irq_set_legacy_routes(struct vm *vm)
{
    struct {
        struct kvm_irq_routing t;
        struct kvm_irq_routing_entry e[IRQ_LEGACY_ROUTES];
    } r;

    memset(&r, 0, sizeof(r));
    r.t.nr = irq_legacy_routes(r.e, vm->hvm_platform);
    return ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, &r) < 0 ? -errno : 0;
}

void irq_restored(struct vm *vm)
{
    if (vm->vm_fd < 0)
        return;                 /* a VM without KVM (unit tests) */
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        if (irq_upcall_pending(vm, i))
            irq_upcall(vm, i);
}

/* Local APIC registers in struct kvm_lapic_state. */
#define APIC_SVR        0xf0
#define APIC_SVR_ENABLE 0x100
#define APIC_ISR        0x100
#define APIC_IRR        0x200

static uint32_t *apic_word(struct kvm_lapic_state *s, unsigned reg, uint8_t vec)
{
    return (uint32_t *)(s->regs + reg + (vec / 32) * 0x10);
}

/* One read-modify-write of V's APIC on its own thread: clear the stale
 * in-service bit of STALE (the callback vector is never EOIed) and, with
 * WITHDRAW, its request in IRR (not taken yet, and no longer due), and
 * when a vector is about to be injected (ENABLE) software-enable a
 * disabled APIC, as Xen's direct injection needs none.  STALE < 0:
 * nothing to clear. */
static bool lapic_prepare(struct vcpu *v, int stale, bool withdraw, bool enable)
{
    struct kvm_lapic_state s;
    bool changed = false;

    if (ioctl(v->fd, KVM_GET_LAPIC, &s) < 0)
        return false;
    if (enable && !(*(uint32_t *)(s.regs + APIC_SVR) & APIC_SVR_ENABLE)) {
        *(uint32_t *)(s.regs + APIC_SVR) |= APIC_SVR_ENABLE | 0xff;
        changed = true;             /* spurious vector 0xff */
    }
    if (stale >= 0) {
        uint32_t *isr = apic_word(&s, APIC_ISR, (uint8_t)stale);
        uint32_t bit = 1u << (stale % 32);
        uint32_t *irr = apic_word(&s, APIC_IRR, (uint8_t)stale);
        if (*isr & bit) {
            *isr &= ~bit;
            changed = true;
        }
        if (withdraw && (*irr & bit)) {
            *irr &= ~bit;
            changed = true;
        }
    }
    if (changed && ioctl(v->fd, KVM_SET_LAPIC, &s) < 0)
        log_warn("vCPU %u: KVM_SET_LAPIC:", v->id);
    return changed;
}

void irq_vcpu_entry(struct vcpu *v)
{
    struct vm *vm = v->vm;
    bool due, vector_via, pending = false;
    uint8_t vec;

    if (atomic_exchange(&v->lapic_check, false)) {
        uint8_t uv = atomic_load(&v->upcall_vector);
        if (uv)
            lapic_recheck(v, uv);
    }
    /* The callback vector is auto-EOI where KVM can do it (a compare
     * when nothing changed). */
    vector_via = via_type(vm) == VIA_VECTOR && !atomic_load(&v->upcall_vector);
    autoeoi_set(v, vector_via ? via_vector(vm) : 0);
    /* The common case, on every entry: nothing due, nothing in flight.  A
     * flag the guest set itself is the 100 Hz tick's to find. */
    due = atomic_exchange(&v->cb_inject, false);
    if (!due && !v->cb_outstanding)
        return;
    vec = via_vector(vm);
    if (vector_via)
        pending = irq_upcall_pending(vm, v->id);
    /* The guest took the last one (or left this via): its in-service bit
     * goes before the guest can EOI some other interrupt against it. */
    int stale = -1;
    if (v->cb_outstanding && (!pending || !vector_via || vec != v->cb_vector)) {
        stale = v->cb_vector;
        v->cb_outstanding = false;
    }
    /* A new event, or a flag set with nothing on its way to the guest. */
    bool inject = pending && (due || !v->cb_outstanding);
    if (inject && stale < 0)
        stale = vec;            /* this vector's own leftover, if any */
    /* A request still in IRR goes too, unless the per-vCPU upcall vector
     * (which the guest EOIs, and may share the number) raised it. */
    /* The APIC written back is the one read before: a per-vCPU upcall
     * vector another thread sent in between (KVM_SIGNAL_MSI) is lost
     * with it, so it is sent again while its flag is up (an extra one
     * finds nothing pending: harmless).  Seen as a Linux guest halted at
     * SMP start with upcall_pending set and nothing in IRR, right where
     * it moves from the callback vector to per-vCPU upcall vectors. */
    if ((stale >= 0 || inject) &&
        lapic_prepare(v, stale, stale != atomic_load(&v->upcall_vector), inject)) {
        uint8_t uv = atomic_load(&v->upcall_vector);
        if (uv && irq_upcall_pending(vm, v->id))
            signal_msi(vm, v->id, uv);
    }
    if (inject) {
        signal_msi(vm, v->id, vec);
        v->cb_outstanding = true;
        v->cb_vector = vec;
    }
}

/* The upcall vector is an edge, but Xen raises it again when the guest
 * software-enables its APIC with the flag up (vlapic_reg_write, SPIV): an
 * APIC seen disabled and now enabled gets the vector if it does not hold
 * it already (in IRR or ISR).  KVM handles the SVR write in the kernel, so
 * "seen disabled" needs a look while it is: Linux sets an AP's vector
 * before INIT/SIPI, and the AP enables its APIC within microseconds, far
 * inside the 10 ms look (irq_set_upcall_vector). */
static void lapic_recheck(struct vcpu *v, uint8_t vector)
{
    struct kvm_lapic_state s;
    uint32_t bit = 1u << (vector % 32);
    bool in_irr, in_isr;

    if (ioctl(v->fd, KVM_GET_LAPIC, &s) < 0)
        return;
    if (!(*(uint32_t *)(s.regs + APIC_SVR) & APIC_SVR_ENABLE)) {
        atomic_store(&v->lapic_was_off, true);
        return;
    }
    if (!irq_upcall_pending(v->vm, v->id))
        return;
    in_irr = *apic_word(&s, APIC_IRR, vector) & bit;
    in_isr = *apic_word(&s, APIC_ISR, vector) & bit;
    if (atomic_exchange(&v->lapic_was_off, false) && !in_irr && !in_isr)
        signal_msi(v->vm, v->id, vector);
}

/* The 100 Hz stand-in for Xen's VM entries (see the top of the file). */
static void on_sample(void *arg, int fd, uint32_t events)
{
    struct vm *vm = arg;
    uint64_t n;
    int type;

    (void)events;
    if (read(fd, &n, sizeof(n)) != sizeof(n))
        return;
    type = via_type(vm);
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        bool kick = false;
        if (!irq_upcall_pending(vm, i))
            continue;
        if (atomic_load(&v->upcall_vector)) {
            atomic_store(&v->lapic_check, true);
            kick = true;
        } else if (type == VIA_VECTOR && !atomic_load(&v->cb_outstanding)) {
            atomic_store(&v->cb_inject, true);
            kick = true;
        }
        if (kick)
            vcpu_kick(v);
    }
}

static void start_sampling(struct vm *vm)
{
    struct itimerspec its = { { 0, 10000000 }, { 0, 10000000 } };

    pthread_mutex_lock(&vm->irq.lock);
    if (!vm->irq.sampling && timerfd_settime(vm->irq.sample_fd, 0, &its, NULL) == 0)
        vm->irq.sampling = true;
    pthread_mutex_unlock(&vm->irq.lock);
}

/* KVM lowered the callback line: the guest EOIed it, or (on this PVM
 * host) the interrupt was merely delivered.  The line goes up again only
 * if an upcall was raised while it was high and is still pending; an
 * upcall raised later raises it itself.  Re-raising on every resample
 * with the flag still set would deliver twice where the resample comes
 * at delivery, before the handler could clear the flag. */
static void on_resample(void *arg, int fd, uint32_t events)
{
    struct vm *vm = arg;
    uint64_t n;
    bool pending, rearm;

    (void)events;
    if (read(fd, &n, sizeof(n)) < 0)
        return;
    pthread_mutex_lock(&vm->irq.lock);
    vm->irq.asserted = false;
    rearm = vm->irq.rearm;
    vm->irq.rearm = false;
    pthread_mutex_unlock(&vm->irq.lock);
    /* The flag is read only after the line is marked low: an upcall that
     * set it before saw the line high and asked for the rearm; one that
     * sets it from now on raises the line itself.  Read before, an upcall
     * landing in between was lost (seen on the nested host). */
    pending = irq_upcall_pending(vm, 0);
    if (!pending || !rearm)
        return;
    pthread_mutex_lock(&vm->irq.lock);
    if (via_type(vm) == VIA_GSI || via_type(vm) == VIA_PCI_INTX)
        line_raise(vm);
    pthread_mutex_unlock(&vm->irq.lock);
}

static void irqfd_detach(struct vm *vm)
{
    struct kvm_irqfd f = { .fd = (uint32_t)vm->irq.trigger_fd, .gsi = vm->irq.gsi,
                           .flags = KVM_IRQFD_FLAG_DEASSIGN };
    uint64_t n;

    if (!vm->irq.irqfd)
        return;
    if (ioctl(vm->vm_fd, KVM_IRQFD, &f) < 0)
        log_warn("KVM_IRQFD deassign GSI %u:", vm->irq.gsi);
    vm->irq.irqfd = false;
    vm->irq.asserted = false;
    vm->irq.rearm = false;
    /* Drop a trigger KVM did not consume. */
    if (read(vm->irq.trigger_fd, &n, sizeof(n)) < 0)
        n = 0;
}

static int irqfd_attach(struct vm *vm, uint32_t gsi)
{
    struct kvm_irqfd f = { .fd = (uint32_t)vm->irq.trigger_fd, .gsi = gsi,
                           .flags = KVM_IRQFD_FLAG_RESAMPLE,
                           .resamplefd = (uint32_t)vm->irq.resample_fd };

    if (ioctl(vm->vm_fd, KVM_IRQFD, &f) < 0) {
        log_warn("KVM_IRQFD GSI %u:", gsi);
        return -errno;
    }
    vm->irq.gsi = gsi;
    vm->irq.irqfd = true;
    return 0;
}

void irq_set_callback(struct vm *vm, uint64_t val)
{
    unsigned type = (unsigned)(val >> 56);
    uint32_t gsi = 0;
    int via = VIA_NONE;

    switch (val ? type : ~0u) {
    case HVM_PARAM_CALLBACK_TYPE_GSI:
        gsi = (uint8_t)val;
        /* GSI 0 aliases "none"; KVM's IOAPIC has 24 pins (Xen's 48). */
        if (gsi != 0 && gsi < KVM_IOAPIC_PINS)
            via = VIA_GSI;
        break;
    case HVM_PARAM_CALLBACK_TYPE_PCI_INTX:
        /* The GSI the DSDT's _PRT names for that device and pin. */
        gsi = xk_pci_intx_gsi((uint8_t)(val >> 11) & 31, (uint8_t)val & 3);
        if (gsi < KVM_IOAPIC_PINS)
            via = VIA_PCI_INTX;
        break;
    case HVM_PARAM_CALLBACK_TYPE_VECTOR:
        via = VIA_VECTOR;
        break;
    default:
        break;
    }
    pthread_mutex_lock(&vm->irq.lock);
    irqfd_detach(vm);
    if ((via == VIA_GSI || via == VIA_PCI_INTX) && irqfd_attach(vm, gsi))
        via = VIA_NONE;
    atomic_store(&vm->irq.via, (uint32_t)via << 8 | (uint8_t)val);
    pthread_mutex_unlock(&vm->irq.lock);
    log_debug("domain %u: callback via %#llx -> type %d gsi %u", vm->domid,
              (unsigned long long)val, via, gsi);
    if (via == VIA_VECTOR)
        start_sampling(vm);
    /* Upcalls already pending are delivered the new way, on every vCPU
     * (hvm_set_callback_via asserts each online vCPU's). */
    if (via != VIA_NONE)
        for (unsigned i = 0; i < vm->nr_vcpus; i++)
            if (irq_upcall_pending(vm, i))
                irq_upcall(vm, i);
}

int irq_set_upcall_vector(struct vm *vm, uint32_t vcpu, uint8_t vector)
{
    if (vector < 0x10)
        return -EINVAL;
    if (vcpu >= vm->nr_vcpus)
        return -ENOENT;
    atomic_store(&vm->vcpus[vcpu].upcall_vector, vector);
    start_sampling(vm);
    /* Xen asserts the new vector at once, pending events or not. */
    irq_upcall(vm, vcpu);
    /* KVM drops it if that APIC is software-disabled.  A vCPU never
     * started has its APIC as reset left it, disabled; one the guest
     * stopped with INIT since looks before it runs again (lapic_recheck). */
    if (!vcpu_is_up(&vm->vcpus[vcpu])) {
        atomic_store(&vm->vcpus[vcpu].lapic_was_off, true);
    } else {
        atomic_store(&vm->vcpus[vcpu].lapic_check, true);
        vcpu_kick(&vm->vcpus[vcpu]);
    }
    return 0;
}

int irq_init(struct vm *vm)
{
    pthread_mutex_init(&vm->irq.lock, NULL);
    vm->irq.trigger_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    vm->irq.resample_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    vm->irq.sample_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (vm->irq.trigger_fd < 0 || vm->irq.resample_fd < 0 || vm->irq.sample_fd < 0)
        return -errno;
    if (evloop_add(vm->loop, vm->irq.sample_fd, on_sample, vm))
        return -ENOMEM;
    return evloop_add(vm->loop, vm->irq.resample_fd, on_resample, vm);
}

void irq_destroy(struct vm *vm)
{
    irqfd_detach(vm);
    close(vm->irq.trigger_fd);
    close(vm->irq.resample_fd);
    close(vm->irq.sample_fd);
}
