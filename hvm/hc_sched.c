/* HYPERVISOR_sched_op (xen/common/sched/core.c). */
#include <errno.h>
#include <sched.h>
#include <string.h>

#include <xen/sched.h>

#include "events.h"
#include "hcall.h"
#include "x86.h"
#include "log.h"
#include "shinfo.h"
#include "vcpu.h"
#include "watchdog.h"

/* do_poll: block until one of the ports is pending (or any event is
 * deliverable), or until the timeout. */
static long do_poll(struct hcall *c)
{
    struct vm *vm = c->vm;
    struct vcpu *v = c->v;
    struct sched_poll p;
    uint64_t ports, port = 0;
    long rc = 0;

    if (guest_get(c, c->a[1], &abi_sched_poll, &p))
        return -EFAULT;
    if (p.nr_ports > 128)
        return -EINVAL;
    ports = ABI_HANDLE(p.ports);
    /* Say we poll before looking, so an event raised meanwhile wakes us. */
    pthread_mutex_lock(&vm->lock);
    v->poll_port = -1;
    v->wake = false;
    pthread_mutex_unlock(&vm->lock);
    if (events_need_delivery(v))
        goto out;
    for (unsigned i = 0; i < p.nr_ports; i++) {
        if (guest_get_elem(c, ports, i, sizeof(evtchn_port_t), &port)) {
            rc = -EFAULT;
            goto out;
        }
        rc = evtchn_poll_port(&vm->evtchn, (uint32_t)port);
        if (rc) {
            rc = rc > 0 ? 0 : rc;
            goto out;
        }
    }
    if (p.nr_ports == 1) {
        pthread_mutex_lock(&vm->lock);
        if (v->poll_port == -1)     /* not woken already */
            v->poll_port = (int)port;
        pthread_mutex_unlock(&vm->lock);
    }
    /* Blocked until an event or the timeout; both end the poll with 0. */
    vcpu_wait(v, p.timeout);
out:
    pthread_mutex_lock(&vm->lock);
    v->poll_port = 0;
    pthread_mutex_unlock(&vm->lock);
    return rc;
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
        if (!events_need_delivery(c->v))
            vcpu_wait(c->v, 0);
        return 0;
    case SCHEDOP_shutdown:
        if (guest_get(c, c->a[1], &abi_sched_shutdown, &sd))
            return -EFAULT;
        log_info("domain %u: SCHEDOP_shutdown reason %u", c->vm->domid,
                 sd.reason);
        if (sd.reason == SHUTDOWN_suspend)
            c->vm->suspend_vcpu = c->v->id;     /* its result changes on resume */
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
