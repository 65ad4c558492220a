/* Xen injects the HVM_PARAM_CALLBACK_IRQ vector directly at VM entry and
 * the guest never EOIs it.  Sent through KVM's local APIC, the vector
 * sets its in-service bit when taken, which holds back every interrupt of
 * its priority class (the guest's timer among them) until the VMM clears
 * it at the vCPU's next exit to user space: on a KVM that runs guest code
 * natively that may be a long time, and a guest reading its ISR sees it.
 * KVM's Hyper-V SynIC can mark a vector auto-EOI (a SINT with AUTO_EOI):
 * the APIC then acks it without setting ISR, as Xen's injection does.
 * Where KVM has no SynIC (built without CONFIG_KVM_HYPERV, as on the PVM
 * development host) the clearing at entry in irq.c is all there is. */
#include "autoeoi.h"

#include <errno.h>
#include <sys/ioctl.h>

#include "log.h"
#include "vm.h"

#define HV_X64_MSR_SINT0        0x40000090u
#define HV_SYNIC_SINT_MASKED    (1ULL << 16)
#define HV_SYNIC_SINT_AUTO_EOI  (1ULL << 17)

/* SynIC on for V (once); false where KVM cannot. */
static bool synic_on(struct vcpu *v)
{
    struct kvm_enable_cap cap = { .cap = KVM_CAP_HYPERV_SYNIC };

    if (v->autoeoi_state == 0) {
        if (ioctl(v->vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_HYPERV_SYNIC) > 0 &&
            ioctl(v->fd, KVM_ENABLE_CAP, &cap) == 0)
            v->autoeoi_state = 1;
        else
            v->autoeoi_state = -1;
        log_debug("vCPU %u: SynIC auto-EOI %s", v->id,
                  v->autoeoi_state > 0 ? "available" : "not available");
    }
    return v->autoeoi_state > 0;
}

bool autoeoi_set(struct vcpu *v, uint8_t vector)
{
    struct {
        struct kvm_msrs hdr;
        struct kvm_msr_entry e;
    } m = { .hdr.nmsrs = 1, .e.index = HV_X64_MSR_SINT0 };

    if (vector < 16)
        vector = 0;             /* not a valid SINT vector: none */
    if (vector == v->autoeoi_vector)
        return vector != 0 && v->autoeoi_state > 0;
    /* Nothing to undo on a vCPU that never had SynIC on. */
    if (v->autoeoi_state < 0 || (vector == 0 && v->autoeoi_state == 0))
        return false;
    if (!synic_on(v))
        return false;
    m.e.data = vector ? vector | HV_SYNIC_SINT_AUTO_EOI : HV_SYNIC_SINT_MASKED;
    if (ioctl(v->fd, KVM_SET_MSRS, &m) != 1) {
        log_warn("vCPU %u: SynIC SINT0 %#llx refused", v->id,
                 (unsigned long long)m.e.data);
        v->autoeoi_state = -1;
        return false;
    }
    v->autoeoi_vector = vector;
    return vector != 0;
}
