/* The evtchn library's hooks into the VM, and the VM's event set-up. */
#include "events.h"

#include <errno.h>
#include <string.h>

#include "abi.h"
#include "console.h"
#include "control.h"
#include "evloop.h"
#include "irq.h"
#include "link.h"
#include "log.h"
#include "shinfo.h"
#include "timer.h"
#include "vcpu.h"
#include "x86.h"

static void *hook_vcpu_info(void *opaque, unsigned vcpu)
{
    struct vm *vm = opaque;
    void *vi;

    if (vcpu >= vm->nr_vcpus)
        return NULL;
    /* The memfd mapping outlives any physmap change, so the pointer stays
     * safe to touch after the lock is dropped. */
    pthread_rwlock_rdlock(&vm->pm.lock);
    vi = shinfo_vcpu_info(&vm->vcpus[vcpu]);
    pthread_rwlock_unlock(&vm->pm.lock);
    return vi;
}

static void *hook_gfn_ptr(void *opaque, uint64_t gfn)
{
    return vm_ram_page(opaque, gfn);
}

static void hook_upcall(void *opaque, unsigned vcpu)
{
    irq_upcall(opaque, vcpu);
}

/* evtchn_check_pollers: wake the vCPUs polling PORT (or any port). */
static void hook_poll_wake(void *opaque, uint32_t port)
{
    struct vm *vm = opaque;

    pthread_mutex_lock(&vm->lock);
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        if (v->poll_port == -1 || (v->poll_port > 0 && (uint32_t)v->poll_port == port)) {
            v->poll_port = 0;
            v->wake = true;
            pthread_cond_broadcast(&v->cond);
        }
    }
    pthread_mutex_unlock(&vm->lock);
}

void events_layout_changed(struct vm *vm)
{
    bool c = vm->shinfo_32;
    struct evtchn_layout l = {
        .compat = c,
        .si_pending_off = abi_field_off(&abi_shared_info, c, SI_PENDING),
        .si_mask_off = abi_field_off(&abi_shared_info, c, SI_MASK),
        .vi_pending_off = abi_field_off(&abi_vcpu_info, c, VI_UPCALL_PENDING),
        .vi_sel_off = abi_field_off(&abi_vcpu_info, c, VI_PENDING_SEL),
    };
    evtchn_set_layout(&vm->evtchn, &l);
}

bool events_need_delivery(struct vcpu *v)
{
    struct vm *vm = v->vm;
    if (!(atomic_load(&vm->irq.via) >> 8) && !atomic_load(&v->upcall_vector))
        return false;
    if (!(v->run->s.regs.regs.rflags & X86_RFLAGS_IF))
        return false;
    return irq_upcall_pending(vm, v->id);
}

int events_init(struct vm *vm)
{
    const struct evtchn_hooks hooks = {
        .opaque = vm,
        .vcpu_info = hook_vcpu_info,
        .gfn_ptr = hook_gfn_ptr,
        .upcall = hook_upcall,
        .poll_wake = hook_poll_wake,
        .link_send = link_send,
        .link_close = link_close,
    };
    int rc;

    vm->ctl_fd = vm->xs_sock = vm->xs_chan = -1;
    pthread_mutex_init(&vm->timer_lock, NULL);
    rc = evtchn_domain_init(&vm->evtchn, vm->domid, vm->nr_vcpus,
                            vm->max_evtchn_port,
                            vm_xenpage(vm, XENPAGE_SHARED_INFO), &hooks);
    if (rc)
        return rc;
    events_layout_changed(vm);
    /* libxl allocates the xenstore and console ports for domain 0 before
     * the guest runs; their numbers are in the HVM params. */
    if (evtchn_alloc_unbound(&vm->evtchn, 0) != XK_STORE_PORT ||
        evtchn_alloc_unbound(&vm->evtchn, 0) != XK_CONSOLE_PORT)
        return -ENOSPC;
    vm->params[HVM_PARAM_STORE_EVTCHN] = XK_STORE_PORT;
    vm->params[HVM_PARAM_CONSOLE_EVTCHN] = XK_CONSOLE_PORT;

    vm->loop = evloop_new();
    if (!vm->loop)
        return -ENOMEM;
    if ((rc = irq_init(vm)))
        return rc;
    rc = evloop_start(vm->loop);
    if (rc)
        log_err("cannot start the event thread");
    return rc;
}

void events_destroy(struct vm *vm)
{
    if (!vm->loop)
        return;
    evloop_stop(vm->loop);
    console_stop(vm->console);
    vm->console = NULL;
    control_shutdown(vm);
    link_free_all(vm);
    timers_destroy(vm);
    irq_destroy(vm);
    evloop_free(vm->loop);
    vm->loop = NULL;
    evtchn_domain_destroy(&vm->evtchn);
}
