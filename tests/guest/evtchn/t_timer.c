/*
 * PV timers: xen/common/domain.c common_vcpu_op (VCPUOP_set_periodic_timer,
 * _stop_periodic_timer, _set_singleshot_timer, _stop_singleshot_timer),
 * xen/common/sched/core.c do_set_timer_op, vcpu_periodic_timer_work,
 * vcpu_singleshot_timer_fn and do_poll; xen/arch/x86/time.c
 * send_timer_event (VIRQ_TIMER to the vCPU).  Firing is checked against
 * the pvclock system time: never before the deadline, and within a
 * generous second after it: every guest instruction is emulated here and
 * the host may be loaded, so the upper bound only tells "fired" from
 * "fired at some other, wrong deadline" (speed belongs in benchmarks).
 * The VIRQ_TIMER port stays masked: SCHEDOP_poll wakes on masked ports.
 */
#include "ev.h"

#define LATE_MS 1000

static evtchn_port_t tport;

static bool timer_port(void)
{
    if (!tport && ev_bind_virq(VIRQ_TIMER, 0, &tport) != 0) {
        tport = 0;
        return false;
    }
    ev2l_set_mask(tport, true);
    ev_quiesce(tport, 0);
    return true;
}

static long singleshot(unsigned int vcpu, uint64_t when, uint32_t flags)
{
    struct vcpu_set_singleshot_timer s = { .timeout_abs_ns = when,
                                           .flags = flags };

    return HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, vcpu, &s);
}

static long periodic(unsigned int vcpu, uint64_t period)
{
    struct vcpu_set_periodic_timer p = { .period_ns = period };

    return HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, vcpu, &p);
}

/* Waits for the timer port; checks it fired in [deadline, +LATE_MS]. */
static void expect_fire(uint64_t deadline, const char *what)
{
    uint64_t now = xen_system_time();
    bool fired = ev_wait_pending(tport, (deadline > now ? deadline - now : 0) +
                                 2 * LATE_MS * MS);

    now = xen_system_time();

    if (!fired) {
        test_fail(__FILE__, __LINE__, "%s: VIRQ_TIMER never fired", what);
        return;
    }
    if (now < deadline)
        test_fail(__FILE__, __LINE__, "%s: fired %llu us early", what,
                  (unsigned long long)udiv64(deadline - now, 1000, NULL));
    else if (now > deadline + LATE_MS * MS)
        test_fail(__FILE__, __LINE__, "%s: fired %llu ms late", what,
                  (unsigned long long)udiv64(now - deadline, 1000000, NULL));
}

static void expect_quiet(unsigned int ms, const char *what)
{
    if (ev_wait_pending(tport, ms * MS))
        test_fail(__FILE__, __LINE__, "%s: VIRQ_TIMER fired", what);
}

TEST(timer_singleshot_fires)
{
    uint64_t deadline;

    cli();
    REQUIRE(EXPECT_TRUE(timer_port()));
    deadline = xen_system_time() + 20 * MS;
    REQUIRE(EXPECT_EQ(singleshot(0, deadline, 0), 0));
    expect_fire(deadline, "singleshot +20ms");
    /* One shot only. */
    ev_quiesce(tport, 0);
    expect_quiet(100, "after the shot");
}

TEST(timer_singleshot_past_fires_at_once)
{
    cli();
    REQUIRE(EXPECT_TRUE(timer_port()));
    /* Xen 4.17.7 ignores VCPU_SSHOTTMR_future (commit 7b5155a79e): a
     * timeout already passed injects VIRQ_TIMER from the hypercall itself
     * and returns 0, never -ETIME. */
    EXPECT_EQ(singleshot(0, xen_system_time() - MS, VCPU_SSHOTTMR_future), 0);
    EXPECT_TRUE(ev2l_pending(tport));
    ev_quiesce(tport, 0);
    EXPECT_EQ(singleshot(0, xen_system_time() - MS, 0), 0);
    EXPECT_TRUE(ev2l_pending(tport));
    ev_quiesce(tport, 0);
    /* 0 is just a time in the past here (unlike set_timer_op). */
    EXPECT_EQ(singleshot(0, 0, 0), 0);
    EXPECT_TRUE(ev2l_pending(tport));
    ev_quiesce(tport, 0);
}

TEST(timer_stop_singleshot)
{
    cli();
    REQUIRE(EXPECT_TRUE(timer_port()));
    EXPECT_EQ(singleshot(0, xen_system_time() + 30 * MS, 0), 0);
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0);
    expect_quiet(100, "stopped singleshot");
    /* Stopping a stopped timer is fine. */
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0);
}

TEST(timer_singleshot_replaced)
{
    uint64_t t0, deadline;

    cli();
    REQUIRE(EXPECT_TRUE(timer_port()));
    /* One singleshot timer per vCPU: the second setting replaces it. */
    t0 = xen_system_time();
    EXPECT_EQ(singleshot(0, t0 + 150 * MS, 0), 0);
    deadline = xen_system_time() + 20 * MS;
    EXPECT_EQ(singleshot(0, deadline, 0), 0);
    expect_fire(deadline, "replacing singleshot");
    ev_quiesce(tport, 0);
    /* ... and the 150 ms one is gone. */
    expect_quiet(250, "replaced singleshot");
}

TEST(timer_set_timer_op)
{
    uint64_t deadline;

    cli();
    REQUIRE(EXPECT_TRUE(timer_port()));
    deadline = xen_system_time() + 20 * MS;
    EXPECT_EQ(HYPERVISOR_set_timer_op(deadline), 0);
    expect_fire(deadline, "set_timer_op +20ms");
    ev_quiesce(tport, 0);
    /* 0 stops the (shared) singleshot timer. */
    EXPECT_EQ(HYPERVISOR_set_timer_op(xen_system_time() + 30 * MS), 0);
    EXPECT_EQ(HYPERVISOR_set_timer_op(0), 0);
    expect_quiet(100, "set_timer_op(0)");
    /* It is the same timer VCPUOP_stop_singleshot_timer stops. */
    EXPECT_EQ(HYPERVISOR_set_timer_op(xen_system_time() + 30 * MS), 0);
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0);
    expect_quiet(100, "set_timer_op then stop_singleshot");
}

TEST(timer_set_timer_op_huge_is_100ms)
{
    uint64_t t0;

    cli();
    REQUIRE(EXPECT_TRUE(timer_port()));
    /* do_set_timer_op(): a timeout 2^50 ns or more ahead, or one with
     * bit 63 set, is the Linux jiffies-wrap workaround: fire in 100 ms. */
    t0 = xen_system_time();
    EXPECT_EQ(HYPERVISOR_set_timer_op(t0 + (1ull << 51)), 0);
    expect_fire(t0 + 100 * MS, "huge timeout");
    ev_quiesce(tport, 0);
    t0 = xen_system_time();
    EXPECT_EQ(HYPERVISOR_set_timer_op(1ull << 63), 0);
    expect_fire(t0 + 100 * MS, "negative timeout");
    ev_quiesce(tport, 0);
    /* A timeout in the past fires (soon), 0 or not. */
    t0 = xen_system_time();
    EXPECT_EQ(HYPERVISOR_set_timer_op(t0 - MS), 0);
    expect_fire(t0 - MS, "past timeout");
    ev_quiesce(tport, 0);
}

TEST(timer_periodic_errors)
{
    /* period < 1 ms or > STIME_DELTA_MAX (2^62 - 1): -EINVAL. */
    EXPECT_EQ(periodic(0, MS - 1), XERR(EINVAL));
    EXPECT_EQ(periodic(0, 0), XERR(EINVAL));
    EXPECT_EQ(periodic(0, (~0ull >> 2) + 1), XERR(EINVAL));
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, BAD_PTR),
              XERR(EFAULT));
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, BAD_PTR),
              XERR(EFAULT));
    /* Another vCPU that does not exist: do_vcpu_op's -ENOENT first. */
    EXPECT_EQ(periodic(1, 10 * MS), XERR(ENOENT));
    EXPECT_EQ(singleshot(1, 0, 0), XERR(ENOENT));
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 1, NULL),
              XERR(ENOENT));
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 1, NULL),
              XERR(ENOENT));
}

TEST(timer_periodic_ticks)
{
    const uint64_t period = 20 * MS;
    uint64_t t0;
    unsigned int i;

    cli();
    REQUIRE(EXPECT_TRUE(timer_port()));
    /* HVM vCPUs start without a periodic timer (only PV ones get 10 ms). */
    expect_quiet(50, "no default periodic timer");
    t0 = xen_system_time();
    REQUIRE(EXPECT_EQ(periodic(0, period), 0));
    /* periodic_last_event starts at 0: the first tick is sent at once. */
    EXPECT_TRUE(ev2l_pending(tport));
    /* Then one per period, each re-armed from when the last one fired:
     * tick k comes no earlier than t0 + k * period. */
    for (i = 1; i <= 5; i++) {
        ev_quiesce(tport, 0);
        if (!ev_wait_pending(tport, period + LATE_MS * MS)) {
            test_fail(__FILE__, __LINE__, "tick %u never came", i);
            break;
        }
    }
    EXPECT_GE(xen_system_time(), t0 + 5 * period);
    EXPECT_LE(ms_since(t0), 5 * 20 + LATE_MS + 100);
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
    ev_quiesce(tport, 0);
    expect_quiet(100, "stopped periodic");
}

TEST(timer_periodic_restart_ticks_at_once)
{
    cli();
    REQUIRE(EXPECT_TRUE(timer_port()));
    /* vcpu_set_periodic_timer() sends a tick at once when a period has
     * passed since the last tick. */
    REQUIRE(EXPECT_EQ(periodic(0, 10 * MS), 0));
    EXPECT_TRUE(ev2l_pending(tport));
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
    ev_quiesce(tport, 0);
    spin_ms(20);
    EXPECT_EQ(periodic(0, 10 * MS), 0);
    EXPECT_TRUE(ev2l_pending(tport));
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
    ev_quiesce(tport, 0);
}

TEST(timer_unbound_virq_is_silent)
{
    evtchn_port_t p;

    cli();
    REQUIRE(EXPECT_TRUE(timer_port()));
    /* With VIRQ_TIMER closed a timer fires into nothing; bound again it
     * gets the port back and works. */
    p = tport;
    EXPECT_EQ(ev_close(tport), 0);
    tport = 0;
    EXPECT_EQ(singleshot(0, xen_system_time() + 10 * MS, 0), 0);
    spin_ms(40);
    EXPECT_TRUE(!ev2l_pending(p));
    REQUIRE(EXPECT_TRUE(timer_port()));
    EXPECT_EQ(tport, p);
    EXPECT_EQ(singleshot(0, xen_system_time() - MS, 0), 0);
    EXPECT_TRUE(ev2l_pending(tport));
    ev_quiesce(tport, 0);
}

TEST(timer_poll_one_port_ignores_others)
{
    evtchn_port_t a = 0;
    uint64_t t0;

    cli();
    REQUIRE(EXPECT_TRUE(timer_port()));
    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &a), 0));
    ev2l_set_mask(a, true);
    ev_quiesce(a, 0);
    /* Polling one port: only that port's event wakes the poller
     * (v->poll_evtchn = port); the timer's port does not. */
    t0 = xen_system_time();
    EXPECT_EQ(singleshot(0, t0 + 10 * MS, 0), 0);
    EXPECT_EQ(ev_poll(&a, 1, t0 + 120 * MS), 0);
    EXPECT_GE(xen_system_time(), t0 + 120 * MS);
    EXPECT_TRUE(ev2l_pending(tport));
    ev_quiesce(tport, 0);
    EXPECT_EQ(ev_close(a), 0);
}

TEST(timer_poll_many_ports_woken_by_any)
{
    evtchn_port_t ab[2] = { 0, 0 };
    uint64_t t0;

    cli();
    REQUIRE(EXPECT_TRUE(timer_port()));
    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &ab[0]), 0));
    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &ab[1]), 0));
    ev2l_set_mask(ab[0], true);
    ev2l_set_mask(ab[1], true);
    ev_quiesce(ab[0], 0);
    ev_quiesce(ab[1], 0);
    /* With several ports (or none) poll_evtchn stays -1 and any event of
     * the domain wakes the poller (evtchn_check_pollers), here the
     * timer's, which is not in the list.  The timer is 200 ms out so it
     * fires after the poll has begun even on a loaded host (one that fired
     * before would leave nothing to wake the poller). */
    t0 = xen_system_time();
    EXPECT_EQ(singleshot(0, t0 + 200 * MS, 0), 0);
    EXPECT_EQ(ev_poll(ab, 2, t0 + 3000 * MS), 0);
    EXPECT_GE(xen_system_time(), t0 + 200 * MS);
    EXPECT_LE(ms_since(t0), 200 + LATE_MS);
    ev_quiesce(tport, 0);
    t0 = xen_system_time();
    EXPECT_EQ(singleshot(0, t0 + 200 * MS, 0), 0);
    EXPECT_EQ(ev_poll(NULL, 0, t0 + 3000 * MS), 0);
    EXPECT_GE(xen_system_time(), t0 + 200 * MS);
    EXPECT_LE(ms_since(t0), 200 + LATE_MS);
    ev_quiesce(tport, 0);
    /* No ports, no events: a plain sleep until the timeout. */
    t0 = xen_system_time();
    EXPECT_EQ(ev_poll(NULL, 0, t0 + 30 * MS), 0);
    EXPECT_GE(xen_system_time(), t0 + 30 * MS);
    EXPECT_EQ(ev_close(ab[0]), 0);
    EXPECT_EQ(ev_close(ab[1]), 0);
}

TEST(timer_poll_woken_by_timer)
{
    uint64_t t0, deadline;
    long rc;

    cli();
    REQUIRE(EXPECT_TRUE(timer_port()));
    /* A poll with a far timeout ends when the timer's port turns pending. */
    t0 = xen_system_time();
    deadline = t0 + 20 * MS;
    EXPECT_EQ(singleshot(0, deadline, 0), 0);
    rc = ev_poll(&tport, 1, t0 + 5000 * MS);
    EXPECT_EQ(rc, 0);
    EXPECT_TRUE(ev2l_pending(tport));
    EXPECT_GE(xen_system_time(), deadline);
    EXPECT_LE(ms_since(t0), 20 + LATE_MS);
    ev_quiesce(tport, 0);
}

/* The delivery cases bind VIRQ_TIMER themselves: the last timer case
 * closes it (a case of its own, so it runs when the poll cases skip). */
TEST(timer_virq_closed)
{
    REQUIRE(EXPECT_TRUE(timer_port()));
    EXPECT_EQ(ev_close(tport), 0);
    ev2l_set_mask(tport, false);
    tport = 0;
}
