/*
 * sched_op: xen/common/sched/core.c do_sched_op, do_poll, vcpu_block.
 * Linked last: a VMM that wrongly blocks here hangs only the final tests.
 */
#include "hc.h"

static void set_pending(unsigned int port, bool on)
{
    struct shared_info *s = shinfo_map();
    xen_ulong_t bit = (xen_ulong_t)1 << (port % (sizeof(xen_ulong_t) * 8));
    xen_ulong_t *w = &s->evtchn_pending[port / (sizeof(xen_ulong_t) * 8)];

    if (on)
        __atomic_or_fetch(w, bit, __ATOMIC_SEQ_CST);
    else
        __atomic_and_fetch(w, ~bit, __ATOMIC_SEQ_CST);
}

static long poll(evtchn_port_t *ports, unsigned int n, uint64_t timeout)
{
    struct sched_poll p = { .nr_ports = n, .timeout = timeout };

    set_xen_guest_handle(p.ports, ports);
    return HYPERVISOR_sched_op(SCHEDOP_poll, &p);
}

static uint64_t elapsed_us(uint64_t t0)
{
    return udiv64((rdtsc() - t0) * 1000, (uint32_t)tsc_khz, NULL);
}

TEST(sched_yield)
{
    EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0);
}

TEST(sched_unknown_op)
{
    EXPECT_EQ(HYPERVISOR_sched_op(0x7f, NULL), XERR(ENOSYS));
}

TEST(sched_shutdown_efault)
{
    /* Both read their argument before acting; nothing is recorded. */
    EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_shutdown, BAD_PTR), XERR(EFAULT));
    EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_shutdown_code, BAD_PTR), XERR(EFAULT));
}

TEST(sched_watchdog)
{
    struct sched_watchdog w = { .id = 0, .timeout = 60 };
    long id;

    /* domain_watchdog(): id 0 allocates (returns id + 1), a live id with a
     * timeout pets it, timeout 0 frees it; unknown ids are -EINVAL. */
    id = HYPERVISOR_sched_op(SCHEDOP_watchdog, &w);
    REQUIRE(EXPECT_GE(id, 1));
    w.id = id;
    EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_watchdog, &w), 0);
    w.timeout = 0;
    EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_watchdog, &w), 0);
    EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_watchdog, &w), XERR(EINVAL));
    w.id = 1000;
    EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_watchdog, &w), XERR(EINVAL));
    EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_watchdog, BAD_PTR), XERR(EFAULT));
}

TEST(sched_poll_too_many_ports)
{
    static evtchn_port_t ports[129];

    EXPECT_EQ(poll(ports, 129, 1), XERR(EINVAL));
    EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_poll, BAD_PTR), XERR(EFAULT));
}

TEST(sched_poll_bad_ports)
{
    struct sched_poll p = { .nr_ports = 1, .timeout = 1 };

    /* guest_handle_okay() passes for HVM; the copy of port 0 faults. */
    set_xen_guest_handle(p.ports, (evtchn_port_t *)BAD_PTR);
    EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_poll, &p), XERR(EFAULT));
}

TEST(sched_poll_pending)
{
    evtchn_port_t ports[2] = { poll_port() + 1, poll_port() };
    uint64_t t0;
    long rc;

    set_pending(ports[1], true);
    t0 = rdtsc();
    rc = poll(ports, 2, 0); /* no timeout: must not block at all */
    set_pending(ports[1], false);
    EXPECT_EQ(rc, 0);
    EXPECT_LE(elapsed_us(t0), 100000);
}

TEST(sched_poll_expired_timeout)
{
    evtchn_port_t port = poll_port();
    uint64_t t0 = rdtsc();

    /* The poll timer fires at once and just unblocks: do_poll returned 0
     * when it armed the timer, so the hypercall's result is 0. */
    EXPECT_EQ(poll(&port, 1, 1), 0);
    EXPECT_LE(elapsed_us(t0), 100000);
    EXPECT_EQ(poll(NULL, 0, 1), 0);
}

TEST(sched_poll_timeout_waits)
{
    evtchn_port_t port = poll_port();
    uint64_t t0 = rdtsc(), deadline = xen_system_time() + 3000000;

    EXPECT_EQ(poll(&port, 1, deadline), 0);
    EXPECT_GE(xen_system_time(), deadline);
    EXPECT_LE(elapsed_us(t0), 1000000);
}

TEST(sched_block_pending_event)
{
    struct vcpu_info *vi;
    unsigned int before;
    uint64_t t0;
    long rc;

    REQUIRE(EXPECT_EQ(upcall_init(), 0));
    vi = vcpu0_info;
    before = upcall_count;
    /*
     * With the callback vector set, an event pending and interrupts on,
     * hvm_local_events_need_delivery() is true, so vcpu_block() returns
     * at once; the vector is then injected (the handler clears the flag).
     */
    cli();
    vi->evtchn_upcall_mask = 0;
    vi->evtchn_upcall_pending = 1;
    t0 = rdtsc();
    sti();
    rc = HYPERVISOR_sched_op(SCHEDOP_block, NULL);
    cli();
    EXPECT_EQ(rc, 0);
    EXPECT_LE(elapsed_us(t0), 100000);

    /* Injecting the callback vector is event-channel delivery, which the
     * event channel work adds (with its tests); until then the pending
     * flag stays set and is cleared here. */
    (void)before;
    vi->evtchn_upcall_pending = 0;
}
