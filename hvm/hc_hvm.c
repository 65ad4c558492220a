/* HYPERVISOR_hvm_op (xen/arch/x86/hvm/hvm.c) as a guest uses it. */
#include <errno.h>

#include "events.h"
#include "hcall.h"
#include "shinfo.h"
#include "vcpu.h"
#include "irq.h"

/* Xen's hvm_allow_get_param / hvm_allow_set_param for the domain itself. */
static int param_access(uint32_t index, bool set)
{
    switch (index) {
    case HVM_PARAM_CALLBACK_IRQ:
    case HVM_PARAM_VM86_TSS:
    case HVM_PARAM_VM86_TSS_SIZED:
    case HVM_PARAM_ACPI_IOPORTS_LOCATION:
    case HVM_PARAM_VM_GENERATION_ID_ADDR:
    case HVM_PARAM_STORE_EVTCHN:
    case HVM_PARAM_CONSOLE_EVTCHN:
    case HVM_PARAM_X87_FIP_WIDTH:
        return 0;
    case HVM_PARAM_STORE_PFN:
    case HVM_PARAM_CONSOLE_PFN:
    case HVM_PARAM_ALTP2M:
        return set ? -EPERM : 0;
    case HVM_PARAM_PAE_ENABLED:
    case HVM_PARAM_DM_DOMAIN:
    case HVM_PARAM_MEMORY_EVENT_CR0:
    case HVM_PARAM_MEMORY_EVENT_CR3:
    case HVM_PARAM_MEMORY_EVENT_CR4:
    case HVM_PARAM_MEMORY_EVENT_INT3:
    case HVM_PARAM_NESTEDHVM:
    case HVM_PARAM_MEMORY_EVENT_SINGLE_STEP:
    case HVM_PARAM_BUFIOREQ_EVTCHN:
    case HVM_PARAM_MEMORY_EVENT_MSR:
        return -EINVAL;         /* deprecated */
    default:
        return -EPERM;
    }
}

static long param_op(struct hcall *c, bool set)
{
    struct xen_hvm_param p;
    struct vm *vm = c->vm;
    int rc;

    if (guest_get(c, c->a[1], &abi_xen_hvm_param, &p))
        return -EFAULT;
    if (p.index >= HVM_NR_PARAMS)
        return -EINVAL;
    if ((rc = hcall_domid_check(c, p.domid)))
        return rc;
    if ((rc = param_access(p.index, set)))
        return rc;
    if (!set) {
        pthread_mutex_lock(&vm->lock);
        p.value = vm->params[p.index];
        pthread_mutex_unlock(&vm->lock);
        return guest_put(c, c->a[1], &abi_xen_hvm_param, &p) ? -EFAULT : 0;
    }
    pthread_mutex_lock(&vm->lock);
    vm->params[p.index] = p.value;
    pthread_mutex_unlock(&vm->lock);
    /* Setting the callback is among a PV driver's first acts: latch the
     * guest's width for shared structures (hvm_latch_shinfo_size). */
    if (p.index == HVM_PARAM_CALLBACK_IRQ) {
        shinfo_latch_width(c->v);
        irq_set_callback(vm, p.value);
    }
    return 0;
}

long hc_hvm_op(struct hcall *c)
{
    switch ((int)c->a[0]) {
    case HVMOP_set_param:
        return param_op(c, true);
    case HVMOP_get_param:
        return param_op(c, false);
    case HVMOP_flush_tlbs:
        if (c->a[1])
            return -EINVAL;
        vm_flush_tlbs(c->vm);
        return 0;
    case HVMOP_set_evtchn_upcall_vector: {
        struct xen_hvm_evtchn_upcall_vector u;
        if (guest_get(c, c->a[1], &abi_xen_hvm_evtchn_upcall_vector, &u))
            return -EFAULT;
        return irq_set_upcall_vector(c->vm, u.vcpu, u.vector);
    }
    case HVMOP_get_time: {
        struct xen_hvm_get_time t = { .now = xen_clock_now(&c->vm->clock) };
        return guest_put(c, c->a[1], &abi_xen_hvm_get_time, &t) ? -EFAULT : 0;
    }
    case HVMOP_pagetable_dying: {
        struct xen_hvm_pagetable_dying d;
        int rc;
        if (guest_get(c, c->a[1], &abi_xen_hvm_pagetable_dying, &d))
            return -EFAULT;
        rc = hcall_domid_check(c, d.domid);
        if (rc == -ESRCH)
            return rc;
        /* Only shadow paging cares; with hardware paging Xen says -EINVAL
         * (and -EOPNOTSUPP for another domain). */
        return rc ? -EOPNOTSUPP : -EINVAL;
    }
    default:
        return -ENOSYS;
    }
}
