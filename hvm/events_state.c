/* Everything about a domain's events that must survive save/restore and
 * migration, as one byte stream: the evtchn library's port table and ABI
 * state, and per vCPU its upcall vector and timers.  The callback via is
 * an HVM param and the pending bits live in guest memory; both travel
 * with those.  Timers are saved as Xen system time, which the restoring
 * VMM continues. */
#include "events_state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "irq.h"
#include "timer.h"

#define EVSTATE_MAGIC   0x54535645u     /* "EVST" */
#define EVSTATE_VERSION 1u
#define PER_VCPU        (1 + 8 + 8 + 8)

struct vcpu_rec { uint8_t vector; uint64_t deadline, period, last; };

size_t events_save_size(struct vm *vm)
{
    return 16 + vm->nr_vcpus * PER_VCPU + evtchn_save_size(&vm->evtchn);
}

int events_save(struct vm *vm, void *buf, size_t len)
{
    struct xk_wr w = { .p = buf, .len = len };
    int n;

    if (len < events_save_size(vm))
        return -ENOSPC;
    xk_put(&w, EVSTATE_MAGIC, 4);
    xk_put(&w, EVSTATE_VERSION, 4);
    xk_put(&w, vm->nr_vcpus, 4);
    pthread_mutex_lock(&vm->timer_lock);
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        xk_put(&w, atomic_load(&v->upcall_vector), 1);
        xk_put(&w, v->singleshot_deadline, 8);
        xk_put(&w, v->periodic_period, 8);
        xk_put(&w, v->periodic_last, 8);
    }
    pthread_mutex_unlock(&vm->timer_lock);
    /* The library's blob follows its length. */
    n = evtchn_save(&vm->evtchn, w.p + w.off + 4, len - w.off - 4);
    if (n < 0)
        return n;
    xk_put(&w, (uint32_t)n, 4);
    return (int)w.off + n;
}

int events_restore(struct vm *vm, const void *buf, size_t len)
{
    struct xk_rd r = { .p = buf, .len = len };
    struct vcpu_rec *rec;
    uint32_t blob;
    int rc = -EINVAL;

    if (xk_get(&r, 4) != EVSTATE_MAGIC || xk_get(&r, 4) != EVSTATE_VERSION ||
        xk_get(&r, 4) != vm->nr_vcpus)
        return -EINVAL;
    rec = calloc(vm->nr_vcpus, sizeof(*rec));
    if (!rec)
        return -ENOMEM;
    /* Every record is read and checked before anything changes. */
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        rec[i].vector = (uint8_t)xk_get(&r, 1);
        rec[i].deadline = xk_get(&r, 8);
        rec[i].period = xk_get(&r, 8);
        rec[i].last = xk_get(&r, 8);
        if ((rec[i].vector && rec[i].vector < 0x10) ||
            (rec[i].period && (rec[i].period < 1000000ULL || rec[i].period >> 62)))
            goto out;
    }
    blob = (uint32_t)xk_get(&r, 4);
    if (r.bad || blob != len - r.off)
        goto out;
    if ((rc = evtchn_restore(&vm->evtchn, r.p + r.off, blob)))
        goto out;
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        atomic_store(&v->upcall_vector, rec[i].vector);
        timer_singleshot(v, rec[i].deadline);
        pthread_mutex_lock(&vm->timer_lock);
        v->periodic_last = rec[i].last;
        pthread_mutex_unlock(&vm->timer_lock);
        timer_periodic(v, rec[i].period);
    }
    irq_set_callback(vm, vm->params[HVM_PARAM_CALLBACK_IRQ]);
out:
    free(rec);
    return rc;
}
