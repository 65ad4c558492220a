/*
 * Runstate accounting: xen/common/sched/core.c vcpu_runstate_change,
 * vcpu_runstate_get; xen/common/domain.c VCPUOP_register_runstate_memory_area
 * and VCPUOP_get_runstate_info.  A vCPU blocked in SCHEDOP_poll is in
 * RUNSTATE_blocked; each change adds the time since state_entry_time to
 * time[old state] and moves state_entry_time, so state_entry_time minus
 * the sum of time[] never changes (it is when the vCPU was created).
 */
#include "ev.h"

static struct vcpu_runstate_info area;

static uint64_t total(const struct vcpu_runstate_info *r)
{
    return r->time[0] + r->time[1] + r->time[2] + r->time[3];
}

static void snapshot(struct vcpu_runstate_info *r)
{
    unsigned int i;

    /* Xen writes the area at context switches; copy it field by field. */
    for (i = 0; i < 4; i++)
        r->time[i] = READ_ONCE(area.time[i]);
    r->state = READ_ONCE(area.state);
    r->state_entry_time = READ_ONCE(area.state_entry_time) &
                          ~XEN_RUNSTATE_UPDATE;
}

TEST(runstate_blocked_time)
{
    struct vcpu_register_runstate_memory_area reg;
    struct vcpu_runstate_info a, b, g;
    evtchn_port_t p = 0;
    uint64_t t0, base_a, base_b;

    cli();
    memset(&area, 0xff, sizeof(area));
    memset(&reg, 0, sizeof(reg));
    set_xen_guest_handle(reg.addr.h, &area);
    REQUIRE(EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area,
                                         0, &reg), 0));
    snapshot(&a);
    EXPECT_EQ(a.state, RUNSTATE_running);
    EXPECT_EQ(a.time[RUNSTATE_blocked] == ~0ull, 0);

    /* Block for 50 ms in SCHEDOP_poll on an idle port. */
    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &p), 0));
    ev2l_set_mask(p, true);
    ev_quiesce(p, 0);
    t0 = xen_system_time();
    EXPECT_EQ(ev_poll(&p, 1, t0 + 50 * MS), 0);
    EXPECT_GE(xen_system_time(), t0 + 50 * MS);
    snapshot(&b);

    /* Back to running; the 50 ms went to time[blocked], not to running:
     * most of it (the hypercall's way to the VMM is not blocked time, and
     * took 22 ms once at load 10 on this emulating host). */
    EXPECT_EQ(b.state, RUNSTATE_running);
    EXPECT_GE(b.time[RUNSTATE_blocked] - a.time[RUNSTATE_blocked], 25 * MS);
    /* No more than the time that passed since the poll began (a loaded
     * host may wake the vCPU thread late; that time is still blocked). */
    EXPECT_LE(b.time[RUNSTATE_blocked] - a.time[RUNSTATE_blocked],
              xen_system_time() - t0);
    EXPECT_GE(b.state_entry_time, t0 + 45 * MS);
    EXPECT_LE(b.state_entry_time, xen_system_time());
    EXPECT_GE(b.time[RUNSTATE_running], a.time[RUNSTATE_running]);
    EXPECT_GE(b.time[RUNSTATE_runnable], a.time[RUNSTATE_runnable]);
    EXPECT_EQ(b.time[RUNSTATE_offline], a.time[RUNSTATE_offline]);

    /* state_entry_time - sum(time[]) is constant (to 1 us). */
    base_a = a.state_entry_time - total(&a);
    base_b = b.state_entry_time - total(&b);
    EXPECT_LE(base_a > base_b ? base_a - base_b : base_b - base_a, 1000);

    /* get_runstate_info adds the current state's running delta. */
    memset(&g, 0, sizeof(g));
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 0, &g), 0);
    EXPECT_EQ(g.state, RUNSTATE_running);
    EXPECT_GE(g.time[RUNSTATE_running], b.time[RUNSTATE_running]);
    EXPECT_EQ(g.time[RUNSTATE_blocked], b.time[RUNSTATE_blocked]);
    EXPECT_LE(g.state_entry_time, xen_system_time());
    EXPECT_GE(total(&g), total(&b));
    EXPECT_EQ(ev_close(p), 0);
    ev2l_set_mask(p, false);
}

TEST(runstate_block_accumulates)
{
    struct vcpu_runstate_info a, b;
    evtchn_port_t p = 0;
    unsigned int i;
    uint64_t t0;

    cli();
    snapshot(&a);
    REQUIRE(EXPECT_EQ(a.state, RUNSTATE_running));
    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &p), 0));
    ev2l_set_mask(p, true);
    /* Five short blocks of 10 ms add up: to more than any two could
     * give, and never to more than the time that passed.  (Each block is
     * short of 10 ms by the hypercall's way to the VMM, 1 ms and more on
     * the emulated nested host.) */
    t0 = xen_system_time();
    for (i = 0; i < 5; i++) {
        ev_quiesce(p, 0);
        ev_poll(&p, 1, xen_system_time() + 10 * MS);
    }
    snapshot(&b);
    EXPECT_GE(b.time[RUNSTATE_blocked] - a.time[RUNSTATE_blocked], 25 * MS);
    EXPECT_LE(b.time[RUNSTATE_blocked] - a.time[RUNSTATE_blocked], xen_system_time() - t0);
    /* An event already pending does not block: no blocked time. */
    a = b;
    EXPECT_EQ(ev_send(p), 0);
    ev_poll(&p, 1, xen_system_time() + 1000 * MS);
    snapshot(&b);
    EXPECT_LE(b.time[RUNSTATE_blocked] - a.time[RUNSTATE_blocked], 5 * MS);
    ev_quiesce(p, 0);
    EXPECT_EQ(ev_close(p), 0);
    ev2l_set_mask(p, false);
}
