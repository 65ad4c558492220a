#include "xen_time.h"

#include <string.h>
#include <time.h>
#include <x86intrin.h>

void xen_clock_scale(uint32_t khz, uint32_t *mul, int8_t *shift)
{
    uint64_t tps = (uint64_t)khz * 1000;   /* ticks per second */
    const uint64_t ns = 1000000000ULL;
    int s = 0;

    if (tps == 0)
        tps = ns;
    /* Bring ticks/second into (1e9, 2e9] so mul = 2^32 * 1e9 / tps fits. */
    while (tps > 2 * ns) {
        tps >>= 1;
        s--;
    }
    while (tps <= ns) {
        tps <<= 1;
        s++;
    }
    *mul = (uint32_t)((ns << 32) / tps);
    *shift = (int8_t)s;
}

uint64_t xen_clock_scale_delta(uint64_t delta, uint32_t mul, int8_t shift)
{
    if (shift < 0)
        delta >>= -shift;
    else
        delta <<= shift;
    return (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

uint64_t xen_clock_guest_tsc(const struct xen_clock *c)
{
    return __rdtsc() + (uint64_t)c->tsc_offset;
}

uint64_t xen_clock_now(const struct xen_clock *c)
{
    return xen_clock_scale_delta(xen_clock_guest_tsc(c) - c->tsc_base,
                                 c->mul, c->shift);
}

void xen_clock_init(struct xen_clock *c, uint32_t tsc_khz, int64_t tsc_offset)
{
    struct timespec rt;

    memset(c, 0, sizeof(*c));
    c->tsc_khz = tsc_khz;
    c->tsc_offset = tsc_offset;
    xen_clock_scale(tsc_khz, &c->mul, &c->shift);
    c->tsc_base = xen_clock_guest_tsc(c);
    clock_gettime(CLOCK_REALTIME, &rt);
    c->wc_at_zero_ns = (int64_t)rt.tv_sec * 1000000000LL + rt.tv_nsec;
}

void xen_clock_fill(const struct xen_clock *c, struct vcpu_time_info *t)
{
    uint64_t tsc = xen_clock_guest_tsc(c);

    t->tsc_timestamp = tsc;
    t->system_time = xen_clock_scale_delta(tsc - c->tsc_base, c->mul, c->shift);
    t->tsc_to_system_mul = c->mul;
    t->tsc_shift = c->shift;
    /* Our TSC-derived clock is the same on every vCPU. */
    t->flags = XEN_PVCLOCK_TSC_STABLE_BIT;
}

uint32_t xen_version_begin(uint32_t *ver)
{
    uint32_t odd = xen_version_odd(__atomic_load_n(ver, __ATOMIC_RELAXED));

    __atomic_store_n(ver, odd, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    return odd + 1;
}

void xen_version_end(uint32_t *ver, uint32_t end)
{
    __atomic_thread_fence(__ATOMIC_RELEASE);
    __atomic_store_n(ver, end, __ATOMIC_RELAXED);
}

void xen_time_publish(void *dst, const struct vcpu_time_info *t)
{
    struct vcpu_time_info *g = dst;
    uint32_t end = xen_version_begin(&g->version);

    g->tsc_timestamp = t->tsc_timestamp;
    g->system_time = t->system_time;
    g->tsc_to_system_mul = t->tsc_to_system_mul;
    g->tsc_shift = t->tsc_shift;
    g->flags = t->flags;
    xen_version_end(&g->version, end);
}
