#include "shinfo.h"
#include "events.h"

#include <errno.h>
#include <string.h>

#include "abi.h"
#include "hcall.h"
#include "log.h"
#include "util.h"
#include "vcpu.h"
#include "x86.h"

#define SHINFO_FIELD(vm, idx) \
    ((uint8_t *)vm_xenpage(vm, XENPAGE_SHARED_INFO) + \
     abi_field_off(&abi_shared_info, (vm)->shinfo_32, (idx)))

void shinfo_latch_width(struct vcpu *v)
{
    bool is32 = !x86_mode64(&v->run->s.regs.sregs);

    if (v->vm->shinfo_32 != is32) {
        v->vm->shinfo_32 = is32;
        shinfo_update_wallclock(v->vm);
        if (v->vm->loop)
            events_layout_changed(v->vm);
    }
}

void shinfo_update_wallclock(struct vm *vm)
{
    int64_t wc = vm->clock.wc_at_zero_ns;
    uint64_t sec = (uint64_t)(wc / 1000000000LL);
    uint32_t nsec = (uint32_t)(wc % 1000000000LL);
    uint32_t *ver = (uint32_t *)SHINFO_FIELD(vm, SI_WC_VERSION);
    uint32_t end = xen_version_begin(ver);

    *(uint32_t *)SHINFO_FIELD(vm, SI_WC_SEC) = (uint32_t)sec;
    *(uint32_t *)SHINFO_FIELD(vm, SI_WC_NSEC) = nsec;
    *(uint32_t *)SHINFO_FIELD(vm, SI_WC_SEC_HI) = (uint32_t)(sec >> 32);
    xen_version_end(ver, end);
}

int shinfo_map_locked(struct vm *vm, uint64_t gfn)
{
    int rc;

    /* Xen removes the frame from its old place; the old gfn is left
     * unpopulated.  Whatever was at the new gfn is replaced. */
    if (vm->shared_info_gfn != XK_INVALID_GFN)
        physmap_clear(&vm->pm, vm->shared_info_gfn, 1);
    rc = physmap_set(&vm->pm, gfn, 1, vm->xenpage0 + XENPAGE_SHARED_INFO,
                     PM_SHARED_INFO);
    vm->shared_info_gfn = rc ? XK_INVALID_GFN : gfn;
    return rc;
}

void *shinfo_vcpu_info(struct vcpu *v)
{
    struct vm *vm = v->vm;

    if (v->vcpu_info_registered)
        return vm_gpa_ptr(vm, v->vcpu_info_gpa, 64);
    if (v->id >= XEN_LEGACY_MAX_VCPUS)
        return NULL;
    return SHINFO_FIELD(vm, SI_VCPU_INFO) +
           v->id * abi_size(&abi_vcpu_info, vm->shinfo_32);
}

void shinfo_publish_time(struct vcpu *v)
{
    struct vm *vm = v->vm;
    struct vcpu_time_info t;
    uint64_t time_gva;
    uint8_t *vi;
    /* vcpu_info.time sits at the same offset in both widths. */
    size_t time_off = abi_field_off(&abi_vcpu_info, vm->shinfo_32, VI_TIME);

    memset(&t, 0, sizeof(t));
    xen_clock_fill(&vm->clock, &t);
    pthread_rwlock_rdlock(&vm->pm.lock);
    vi = shinfo_vcpu_info(v);
    if (vi)
        xen_time_publish(vi + time_off, &t);
    pthread_rwlock_unlock(&vm->pm.lock);
    pthread_mutex_lock(&vm->lock);
    time_gva = v->time_area_gva;
    pthread_mutex_unlock(&vm->lock);
    if (time_gva) {
        /* The secondary copy lives at a guest-virtual address: the same
         * version protocol, in three copies through the guest's tables. */
        struct hcall c;
        uint32_t ver;

        vcpu_hcall_ctx(v, &c);
        if (!guest_read(&c, time_gva, &ver, sizeof(ver))) {
            ver = xen_version_odd(ver);
            guest_write(&c, time_gva, &ver, sizeof(ver));
            t.version = ver + 1;
            t.pad0 = 0;
            guest_write(&c, time_gva + 4, (char *)&t + 4, sizeof(t) - 4);
            guest_write(&c, time_gva, &t.version, sizeof(t.version));
        }
    }
    v->time_updated_tsc = xen_clock_guest_tsc(&vm->clock);
}

void shinfo_vcpu_tick(struct vcpu *v)
{
    uint64_t now = xen_clock_guest_tsc(&v->vm->clock);

    /* Once a second keeps the guest's TSC delta small. */
    if (now - v->time_updated_tsc > (uint64_t)v->vm->clock.tsc_khz * 1000)
        shinfo_publish_time(v);
}

void shinfo_vcpu_online(struct vcpu *v)
{
    shinfo_runstate(v, RUNSTATE_running);
    shinfo_publish_time(v);
}

void shinfo_runstate_locked(struct vcpu *v, int state)
{
    uint64_t now = xen_clock_now(&v->vm->clock);
    struct vcpu_runstate_info *r = &v->runstate;

    if (r->state >= 0 && r->state < 4 && now > r->state_entry_time)
        r->time[r->state] += now - r->state_entry_time;
    r->state = state;
    r->state_entry_time = now;
}

void shinfo_runstate(struct vcpu *v, int state)
{
    pthread_mutex_lock(&v->vm->lock);
    shinfo_runstate_locked(v, state);
    pthread_mutex_unlock(&v->vm->lock);
    if (pthread_equal(v->thread, pthread_self()))
        shinfo_publish_runstate(v);
}

void shinfo_runstate_get(struct vcpu *v, struct vcpu_runstate_info *out)
{
    pthread_mutex_lock(&v->vm->lock);
    shinfo_runstate_locked(v, v->runstate.state);   /* account up to now */
    *out = v->runstate;
    pthread_mutex_unlock(&v->vm->lock);
}

void shinfo_publish_runstate(struct vcpu *v)
{
    struct vcpu_runstate_info r;
    uint64_t gva;
    struct hcall c;

    pthread_mutex_lock(&v->vm->lock);
    gva = v->runstate_gva;
    pthread_mutex_unlock(&v->vm->lock);
    if (!gva)
        return;
    shinfo_runstate_get(v, &r);     /* accounted up to now, as Xen writes it */
    vcpu_hcall_ctx(v, &c);
    c.compat = v->vm->shinfo_32;    /* layout follows the shared info width */
    guest_put(&c, gva, &abi_vcpu_runstate_info, &r);
}
