/* Locks in shared memory: plain atomics, so they work across processes
 * that map the same memfd (a pthread lock there would need a
 * process-shared attribute and robust handling of a dead holder). */
#include "internal.h"

#include <sched.h>

void gnt_rdlock(struct gnt_hdr *h)
{
    for (;;) {
        uint32_t v = __atomic_load_n(&h->lock, __ATOMIC_RELAXED);

        if (!(v & GNT_WRITER) &&
            __atomic_compare_exchange_n(&h->lock, &v, v + 1, false,
                                        __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return;
        sched_yield();
    }
}

void gnt_rdunlock(struct gnt_hdr *h)
{
    __atomic_fetch_sub(&h->lock, 1, __ATOMIC_RELEASE);
}

void gnt_wrlock(struct gnt_hdr *h)
{
    /* Claim the writer bit first so new readers wait, then drain. */
    while (__atomic_fetch_or(&h->lock, GNT_WRITER, __ATOMIC_ACQUIRE) & GNT_WRITER)
        sched_yield();
    while (__atomic_load_n(&h->lock, __ATOMIC_ACQUIRE) != GNT_WRITER)
        sched_yield();
}

void gnt_wrunlock(struct gnt_hdr *h)
{
    __atomic_fetch_and(&h->lock, ~GNT_WRITER, __ATOMIC_RELEASE);
}

void gnt_act_lock(struct gnt_active *a)
{
    while (__atomic_exchange_n(&a->lock, 1, __ATOMIC_ACQUIRE))
        sched_yield();
}

void gnt_act_unlock(struct gnt_active *a)
{
    __atomic_store_n(&a->lock, 0, __ATOMIC_RELEASE);
}
