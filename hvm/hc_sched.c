/* HYPERVISOR_sched_op (xen/common/sched/core.c). */
#include <errno.h>
#include <sched.h>
#include <string.h>

#include <xen/sched.h>

#include "hcall.h"
#include "x86.h"
#include "log.h"
#include "shinfo.h"
#include "vcpu.h"
#include "watchdog.h"

/* Xen's hvm_local_events_need_delivery: an upcall interrupt is asserted
 * (a callback is configured and evtchn_upcall_pending is set) and the
 * vCPU can take it. */
static bool events_need_delivery(struct hcall *c)
{
    struct vm *vm = c->vm;
    uint8_t *vi;
    bool pending = false;

    if (!vm->params[HVM_PARAM_CALLBACK_IRQ])
        return false;
    if (!(c->v->run->s.regs.regs.rflags & X86_RFLAGS_IF))
        return false;
    pthread_rwlock_rdlock(&vm->pm.lock);
    vi = shinfo_vcpu_info(c->v);
    if (vi)
        pending = __atomic_load_n(vi + abi_field_off(&abi_vcpu_info, vm->shinfo_32,
                                                     VI_UPCALL_PENDING),
                                  __ATOMIC_ACQUIRE) != 0;
    pthread_rwlock_unlock(&vm->pm.lock);
    return pending;
}

/* Is event channel PORT pending in the 2-level bitmap?  -EINVAL for a port
 * that is not valid for the domain. */
static int port_pending(struct hcall *c, uint64_t port)
{
    struct vm *vm = c->vm;
    unsigned bits = vm->shinfo_32 ? 32 : 64;
    uint8_t *base;
    int pending;

    if (port >= vm->evtchn_valid)
        return -EINVAL;
    base = (uint8_t *)vm_xenpage(vm, XENPAGE_SHARED_INFO) +
           abi_field_off(&abi_shared_info, vm->shinfo_32, SI_PENDING);
    if (bits == 64) {
        uint64_t w = __atomic_load_n((uint64_t *)base + port / 64, __ATOMIC_ACQUIRE);
        pending = (w >> (port % 64)) & 1;
    } else {
        uint32_t w = __atomic_load_n((uint32_t *)base + port / 32, __ATOMIC_ACQUIRE);
        pending = (w >> (port % 32)) & 1;
    }
    return pending;
}

static long do_poll(struct hcall *c)
{
    struct sched_poll p;
    uint64_t ports;

    if (guest_get(c, c->a[1], &abi_sched_poll, &p))
        return -EFAULT;
    if (p.nr_ports > 128)
        return -EINVAL;
    if (events_need_delivery(c))
        return 0;
    ports = ABI_HANDLE(p.ports);
    for (unsigned i = 0; i < p.nr_ports; i++) {
        uint64_t port;
        int rc;

        if (guest_get_elem(c, ports, i, sizeof(evtchn_port_t), &port))
            return -EFAULT;
        rc = port_pending(c, port);
        if (rc)
            return rc > 0 ? 0 : rc;
    }
    /* Blocked until an event or the timeout; both end the poll with 0. */
    vcpu_wait(c->v, p.timeout);
    return 0;
}

long hc_sched_op(struct hcall *c)
{
    struct sched_shutdown sd;
    uint8_t *vi;

    switch ((int)c->a[0]) {
    case SCHEDOP_yield:
        sched_yield();
        return 0;
    case SCHEDOP_block:
        /* local_event_delivery_enable(), then block unless an upcall is
         * deliverable. */
        pthread_rwlock_rdlock(&c->vm->pm.lock);
        vi = shinfo_vcpu_info(c->v);
        if (vi)
            __atomic_store_n(vi + abi_field_off(&abi_vcpu_info, c->vm->shinfo_32,
                                                VI_UPCALL_MASK), 0, __ATOMIC_RELEASE);
        pthread_rwlock_unlock(&c->vm->pm.lock);
        if (!events_need_delivery(c))
            vcpu_wait(c->v, 0);
        return 0;
    case SCHEDOP_shutdown:
        if (guest_get(c, c->a[1], &abi_sched_shutdown, &sd))
            return -EFAULT;
        log_info("domain %u: SCHEDOP_shutdown reason %u", c->vm->domid,
                 sd.reason);
        vm_shutdown_reason(c->vm, (uint8_t)sd.reason);
        return 0;
    case SCHEDOP_shutdown_code:
        if (guest_get(c, c->a[1], &abi_sched_shutdown, &sd))
            return -EFAULT;
        pthread_mutex_lock(&c->vm->exit_lock);
        if (c->vm->shutdown_code < 0)
            c->vm->shutdown_code = (uint8_t)sd.reason;
        pthread_mutex_unlock(&c->vm->exit_lock);
        return 0;
    case SCHEDOP_poll:
        return do_poll(c);
    case SCHEDOP_remote_shutdown: {
        struct sched_remote_shutdown r;
        int rc;
        if (guest_read(c, c->a[1], &r, sizeof(r)))
            return -EFAULT;
        /* Only a device model or the control domain may do this. */
        rc = hcall_domid_check(c, r.domain_id);
        return rc == -ESRCH ? -ESRCH : -EPERM;
    }
    case SCHEDOP_watchdog: {
        struct sched_watchdog w;
        if (guest_read(c, c->a[1], &w, sizeof(w)))
            return -EFAULT;
        return watchdog_op(c->vm, w.id, w.timeout);
    }
    case SCHEDOP_pin_override:
        return -EPERM;      /* hardware domain only */
    default:
        return -ENOSYS;
    }
}
