/* HYPERVISOR_vcpu_op (xen/common/domain.c, xen/arch/x86/domain.c). */
#include <errno.h>
#include <string.h>

#include "events.h"
#include "hcall.h"
#include "shinfo.h"
#include "util.h"
#include "vcpu.h"
#include "irq.h"
#include "timer.h"

static long register_vcpu_info(struct hcall *c, struct vcpu *t)
{
    struct vcpu_register_vcpu_info r;
    struct vm *vm = c->vm;
    size_t sz = abi_size(&abi_vcpu_info, vm->shinfo_32);
    uint64_t gpa;

    if (guest_get(c, c->a[2], &abi_vcpu_register_vcpu_info, &r))
        return -EFAULT;
    /* map_vcpu_info: aligned within one page (-ENXIO), once only, in guest
     * RAM, for ourselves or for a vCPU that is down (-EINVAL). */
    if (r.offset > XK_PAGE_SIZE - sz || (r.offset & (vm->shinfo_32 ? 3 : 7)))
        return -ENXIO;
    if (t->vcpu_info_registered)
        return -EINVAL;
    if (t != c->v && vcpu_is_up(t))
        return -EINVAL;
    gpa = (r.mfn << XK_PAGE_SHIFT) + r.offset;
    pthread_rwlock_rdlock(&vm->pm.lock);
    {
        uint64_t mpage;
        enum pm_kind kind;
        void *old = shinfo_vcpu_info(t), *new = vm_gpa_ptr(vm, gpa, sz);
        /* get_page_from_gfn: populated guest RAM only. */
        if (!new || !physmap_lookup(&vm->pm, r.mfn, &mpage, &kind, NULL) ||
            kind != PM_RAM) {
            pthread_rwlock_unlock(&vm->pm.lock);
            return -EINVAL;
        }
        /* The new copy starts as the old one was (Xen copies it over),
         * then everything is marked pending in case an event was lost. */
        if (old)
            memcpy(new, old, sz);
        else
            memset(new, 0, sz);
        ((uint8_t *)new)[abi_field_off(&abi_vcpu_info, vm->shinfo_32,
                                       VI_UPCALL_PENDING)] = 1;
        memset((uint8_t *)new + abi_field_off(&abi_vcpu_info, vm->shinfo_32,
                                              VI_PENDING_SEL),
               0xff, vm->shinfo_32 ? 4 : 8);
        t->vcpu_info_gpa = gpa;
        t->vcpu_info_registered = true;
    }
    pthread_rwlock_unlock(&vm->pm.lock);
    /* vcpu_mark_events_pending: the spurious event is delivered too. */
    irq_upcall(vm, t->id);
    if (t == c->v)
        shinfo_publish_time(t);
    return 0;
}

long hc_vcpu_op(struct hcall *c)
{
    struct vm *vm = c->vm;
    unsigned id = (unsigned)c->a[1];
    struct vcpu *t;

    if (id >= vm->nr_vcpus)
        return -ENOENT;
    t = &vm->vcpus[id];

    switch ((int)c->a[0]) {
    case VCPUOP_initialise: {
        struct vcpu_hvm_context ctx;
        bool has_info;
        /* A vCPU needs a vcpu_info first (those past the shared info's
         * 32 slots must register one). */
        pthread_rwlock_rdlock(&vm->pm.lock);
        has_info = shinfo_vcpu_info(t) != NULL;
        pthread_rwlock_unlock(&vm->pm.lock);
        if (!has_info)
            return -EINVAL;
        if (guest_read(c, c->a[2], &ctx, sizeof(ctx)))
            return -EFAULT;
        return vcpu_initialise(t, &ctx);
    }
    case VCPUOP_up:
        return vcpu_up(t);
    case VCPUOP_down: {
        /* Taking the last vCPU down shuts the domain down (poweroff). */
        bool others = false;
        for (unsigned i = 0; i < vm->nr_vcpus; i++)
            if (i != id && vcpu_is_up(&vm->vcpus[i]))
                others = true;
        if (!others) {
            vm_shutdown_reason(vm, SHUTDOWN_poweroff);
            return 0;
        }
        return vcpu_down(t);
    }
    case VCPUOP_is_up:
        return vcpu_is_up(t);
    case VCPUOP_get_runstate_info: {
        struct vcpu_runstate_info r;
        shinfo_runstate_get(t, &r);
        return guest_put(c, c->a[2], &abi_vcpu_runstate_info, &r) ? -EFAULT : 0;
    }
    case VCPUOP_register_vcpu_info:
        return register_vcpu_info(c, t);
    case VCPUOP_set_periodic_timer: {
        struct vcpu_set_periodic_timer p;
        if (guest_get(c, c->a[2], &abi_vcpu_set_periodic_timer, &p))
            return -EFAULT;
        if (p.period_ns < 1000000ULL || p.period_ns > (1ULL << 62) - 1)
            return -EINVAL;     /* under 1 ms or beyond STIME_DELTA_MAX */
        timer_periodic(t, p.period_ns);
        return 0;
    }
    case VCPUOP_stop_periodic_timer:
        timer_periodic(t, 0);
        return 0;
    case VCPUOP_set_singleshot_timer: {
        struct vcpu_set_singleshot_timer s;
        if (t != c->v)
            return -EINVAL;     /* only a vCPU's own */
        if (guest_get(c, c->a[2], &abi_vcpu_set_singleshot_timer, &s))
            return -EFAULT;
        timer_singleshot(t, s.timeout_abs_ns ? s.timeout_abs_ns : 1);
        return 0;
    }
    case VCPUOP_stop_singleshot_timer:
        if (t != c->v)
            return -EINVAL;
        timer_singleshot(t, 0);
        return 0;
    case VCPUOP_register_runstate_memory_area:
    case VCPUOP_register_vcpu_time_memory_area: {
        /* Both structures are a union whose first 8 bytes are the
         * guest-virtual address. */
        struct vcpu_register_runstate_memory_area r;
        uint64_t gva;
        if (guest_get(c, c->a[2], &abi_vcpu_register_runstate_memory_area, &r))
            return -EFAULT;
        gva = c->compat ? (uint32_t)r.addr.p : r.addr.p;
        pthread_mutex_lock(&vm->lock);
        if ((int)c->a[0] == VCPUOP_register_runstate_memory_area)
            t->runstate_gva = gva;
        else
            t->time_area_gva = gva;
        /* Written through the target's own page tables, on its thread:
         * now if it is us, before its next entry otherwise. */
        t->areas_changed = t != c->v;
        pthread_mutex_unlock(&vm->lock);
        if (t == c->v) {
            shinfo_publish_runstate(t);
            shinfo_publish_time(t);
        }
        return 0;
    }
    default:
        return -ENOSYS;
    }
}
