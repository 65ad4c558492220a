/* Everything about a domain's events that must survive save/restore and
 * migration, as one byte stream: the evtchn library's port table and ABI
 * state, and per vCPU its upcall vector and timers.  The callback via is
 * an HVM param and the pending bits live in guest memory; both travel
 * with those.  Timers are saved as Xen system time, which the restoring
 * VMM continues. */
#include "events.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define EVSTATE_MAGIC   0x54535645u     /* "EVST" */
#define EVSTATE_VERSION 1u
#define PER_VCPU        (1 + 8 + 8 + 8)

static void put(uint8_t **p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        *(*p)++ = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t **p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)*(*p)++ << (8 * i);
    return v;
}

size_t events_save_size(struct vm *vm)
{
    return 16 + vm->nr_vcpus * PER_VCPU + evtchn_save_size(&vm->evtchn);
}

int events_save(struct vm *vm, void *buf, size_t len)
{
    size_t need = events_save_size(vm);
    uint8_t *p = buf;
    int n;

    if (len < need)
        return -ENOSPC;
    put(&p, EVSTATE_MAGIC, 4);
    put(&p, EVSTATE_VERSION, 4);
    put(&p, vm->nr_vcpus, 4);
    pthread_mutex_lock(&vm->timer_lock);
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        put(&p, atomic_load(&v->upcall_vector), 1);
        put(&p, v->singleshot_deadline, 8);
        put(&p, v->periodic_period, 8);
        put(&p, v->periodic_last, 8);
    }
    pthread_mutex_unlock(&vm->timer_lock);
    n = evtchn_save(&vm->evtchn, p + 4, len - (size_t)(p + 4 - (uint8_t *)buf));
    if (n < 0)
        return n;
    put(&p, (uint32_t)n, 4);
    return (int)(p - (uint8_t *)buf) + n;
}

int events_restore(struct vm *vm, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    size_t fixed = 16 + vm->nr_vcpus * PER_VCPU;
    uint32_t blob;
    int rc;

    if (len < fixed || get(&p, 4) != EVSTATE_MAGIC || get(&p, 4) != EVSTATE_VERSION ||
        get(&p, 4) != vm->nr_vcpus)
        return -EINVAL;
    p += vm->nr_vcpus * PER_VCPU;
    blob = (uint32_t)get(&p, 4);
    if (blob != len - fixed)
        return -EINVAL;
    /* Check every vCPU record before changing anything. */
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        const uint8_t *r = (const uint8_t *)buf + 12 + i * PER_VCPU;
        uint8_t vec = r[0];
        uint64_t period;
        r += 9;
        period = get(&r, 8);
        if ((vec && vec < 0x10) || (period && (period < 1000000ULL || period >> 62)))
            return -EINVAL;
    }
    if ((rc = evtchn_restore(&vm->evtchn, p, blob)))
        return rc;
    p = (const uint8_t *)buf + 12;
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        uint8_t vec = (uint8_t)get(&p, 1);
        uint64_t deadline = get(&p, 8), period = get(&p, 8), last = get(&p, 8);
        atomic_store(&v->upcall_vector, vec);
        timer_singleshot(v, deadline);
        pthread_mutex_lock(&vm->timer_lock);
        v->periodic_last = last;
        pthread_mutex_unlock(&vm->timer_lock);
        if (period)
            timer_periodic_resume(v, period);
    }
    irq_set_callback(vm, vm->params[HVM_PARAM_CALLBACK_IRQ]);
    return 0;
}
