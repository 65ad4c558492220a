/* The 2-level ABI: pending and mask bitmaps in shared info, a selector
 * word per vCPU (Xen 4.17's xen/common/event_2l.c).  Bit N of a bitmap is
 * bit N%8 of byte N/8 whatever the guest's word size, so 32-bit atomics
 * on the aligned word holding the bit serve both widths; only the
 * selector depends on the width. */
#include "evtchn.h"

static uint32_t *word_of(uint8_t *base, uint32_t bit)
{
    return (uint32_t *)(base + (bit / 32) * 4);
}

static bool test_and_set(uint8_t *base, uint32_t bit)
{
    uint32_t m = 1u << (bit % 32);
    return __atomic_fetch_or(word_of(base, bit), m, __ATOMIC_SEQ_CST) & m;
}

static bool test_and_clear(uint8_t *base, uint32_t bit)
{
    uint32_t m = 1u << (bit % 32);
    return __atomic_fetch_and(word_of(base, bit), ~m, __ATOMIC_SEQ_CST) & m;
}

static bool test(uint8_t *base, uint32_t bit)
{
    return (__atomic_load_n(word_of(base, bit), __ATOMIC_SEQ_CST) >> (bit % 32)) & 1;
}

static unsigned word_bits(const struct evtchn_domain *d)
{
    return d->compat ? 32 : 64;
}

/* Set the selector bit for PORT on vCPU V; true if it was clear. */
static bool set_selector(struct evtchn_domain *d, uint32_t vcpu, uint32_t port)
{
    uint8_t *vi = d->hooks.vcpu_info(d->hooks.opaque, vcpu);

    if (!vi)
        return false;
    return !test_and_set(vi + d->vi_sel_off, port / word_bits(d));
}

void evtchn_2l_set_pending(struct evtchn_domain *d, uint32_t port, struct evtchn *c)
{
    uint8_t *si = d->shared_info;

    if (port >= evtchn_max_ports(d))
        return;
    if (test_and_set(si + d->si_pending_off, port))
        return;
    if (!test(si + d->si_mask_off, port) && set_selector(d, c->notify_vcpu, port))
        evtchn_mark_pending(d, c->notify_vcpu);
    d->hooks.poll_wake(d->hooks.opaque, port);
}

void evtchn_2l_clear_pending(struct evtchn_domain *d, uint32_t port)
{
    if (port < evtchn_max_ports(d))
        test_and_clear(d->shared_info + d->si_pending_off, port);
}

void evtchn_2l_unmask(struct evtchn_domain *d, uint32_t port, struct evtchn *c)
{
    uint8_t *si = d->shared_info;

    if (port >= evtchn_max_ports(d))
        return;
    if (test_and_clear(si + d->si_mask_off, port) &&
        test(si + d->si_pending_off, port) &&
        set_selector(d, c->notify_vcpu, port))
        evtchn_mark_pending(d, c->notify_vcpu);
}

bool evtchn_2l_is_pending(struct evtchn_domain *d, uint32_t port)
{
    return port < evtchn_max_ports(d) && test(d->shared_info + d->si_pending_off, port);
}
