/* The event parts.  "evtchn": the evtchn library's port table and ABI
 * state and each vCPU's upcall vector; the callback via is an HVM param
 * (applied here, once the ports are back) and the pending bits live in
 * shared info or guest memory, which travel with those parts.  "timers":
 * the Xen system clock and each vCPU's singleshot and periodic timer, in
 * Xen system time, which the restored clock continues. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irq.h"
#include "save.h"
#include "save_events.h"
#include "timer.h"

#define EVTCHN_VERSION 1
#define TIMERS_VERSION 1

/* ---- evtchn ---- */

static int evtchn_part_save(void *obj, struct ss_wr *w)
{
    struct vm *vm = obj;

    ss_put_u32(w, vm->nr_vcpus);
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        ss_put_u8(w, atomic_load(&vm->vcpus[i].upcall_vector));
    evtchn_save_to(&vm->evtchn, w);
    return 0;
}

static int evtchn_part_restore(void *obj, struct ss_rd *r, uint32_t version, char *msg)
{
    struct vm *vm = obj;
    uint8_t *vec;
    int rc = -EINVAL;

    (void)version;
    if (!save_vcpus_match(vm, r, msg))
        return -EINVAL;
    vec = calloc(vm->nr_vcpus, 1);
    if (!vec)
        return -ENOMEM;
    /* Every vector is read and checked before anything changes: Xen
     * refuses vectors below 0x10. */
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        vec[i] = ss_get_u8(r);
        if (!ss_check(r, vec[i] == 0 || vec[i] >= 0x10))
            goto out;
    }
    if (r->bad || (rc = evtchn_restore_from(&vm->evtchn, r)))
        goto out;
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        atomic_store(&vm->vcpus[i].upcall_vector, vec[i]);
    irq_set_callback(vm, vm->params[HVM_PARAM_CALLBACK_IRQ]);
out:
    free(vec);
    return rc;
}

const struct ss_part vm_part_evtchn = {
    "evtchn", VM_PART_EVTCHN, EVTCHN_VERSION, evtchn_part_save, evtchn_part_restore,
};

/* ---- timers ---- */

struct saved_timer { uint64_t deadline, period, last; };

static int timers_save(void *obj, struct ss_wr *w)
{
    struct vm *vm = obj;

    ss_put_u32(w, vm->clock.tsc_khz);
    ss_put_u64(w, vm->clock.tsc_base);
    ss_put_u64(w, (uint64_t)vm->clock.tsc_offset);
    ss_put_u64(w, (uint64_t)vm->clock.wc_at_zero_ns);
    ss_put_u32(w, vm->nr_vcpus);
    pthread_mutex_lock(&vm->timer_lock);
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        const struct vcpu *v = &vm->vcpus[i];
        ss_put_u64(w, v->singleshot_deadline);
        ss_put_u64(w, v->periodic_period);
        ss_put_u64(w, v->periodic_last);
    }
    pthread_mutex_unlock(&vm->timer_lock);
    return 0;
}

static int timers_restore(void *obj, struct ss_rd *r, uint32_t version, char *msg)
{
    struct vm *vm = obj;
    struct xen_clock clock;
    struct saved_timer *t;
    uint32_t khz = ss_get_u32(r);
    int rc = -EINVAL;

    (void)version;
    /* A TSC between 1 MHz and 100 GHz, as xen_clock_init is given. */
    if (!ss_check(r, khz >= 1000 && khz <= 100000000))
        return -EINVAL;
    xen_clock_init(&clock, khz, 0);
    clock.tsc_base = ss_get_u64(r);
    clock.tsc_offset = (int64_t)ss_get_u64(r);
    clock.wc_at_zero_ns = (int64_t)ss_get_u64(r);
    if (!save_vcpus_match(vm, r, msg))
        return -EINVAL;
    t = calloc(vm->nr_vcpus, sizeof(*t));
    if (!t)
        return -ENOMEM;
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        t[i].deadline = ss_get_u64(r);
        t[i].period = ss_get_u64(r);
        t[i].last = ss_get_u64(r);
        /* VCPUOP_set_periodic_timer's bounds: at least 1 ms. */
        if (!ss_check(r, !t[i].period || (t[i].period >= 1000000ULL && !(t[i].period >> 62))))
            goto out;
    }
    if (r->bad)
        goto out;
    vm->clock = clock;
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        timer_singleshot(v, t[i].deadline);
        pthread_mutex_lock(&vm->timer_lock);
        v->periodic_last = t[i].last;
        pthread_mutex_unlock(&vm->timer_lock);
        timer_periodic(v, t[i].period);
    }
    rc = 0;
out:
    free(t);
    return rc;
}

const struct ss_part vm_part_timers = {
    "timers", VM_PART_TIMERS, TIMERS_VERSION, timers_save, timers_restore,
};

/* ---- the event state on its own (events.h) ---- */

static const struct ss_part *const event_parts[] = { &vm_part_evtchn, &vm_part_timers };

size_t events_save_size(struct vm *vm)
{
    struct ss_wr w = ss_wr_fixed(NULL, 0);
    char msg[SS_MSG_LEN];

    ss_save_parts(event_parts, 2, vm, &w, msg);
    return w.len;
}

int events_save(struct vm *vm, void *buf, size_t len)
{
    struct ss_wr w = ss_wr_fixed(buf, len);
    char msg[SS_MSG_LEN];
    int rc;

    /* Too small a buffer is left as it was. */
    if (len < events_save_size(vm))
        return -ENOSPC;
    rc = ss_save_parts(event_parts, 2, vm, &w, msg);

    return rc ? rc : (int)w.len;
}

int events_restore(struct vm *vm, const void *buf, size_t len)
{
    char msg[SS_MSG_LEN];
    int rc = ss_restore_parts(event_parts, 2, vm, buf, len, msg);

    return rc == -EPROTO ? -EINVAL : rc;
}
