/*
 * evtchn_smp64.elf: event channels across two vCPUs.  Run with --vcpus 2.
 * xen/common/event_channel.c evtchn_bind_ipi / evtchn_bind_vcpu /
 * evtchn_bind_virq (per-vCPU vs global VIRQs), event_2l.c (the notify
 * vCPU's selector), sched/core.c do_poll + evtchn_check_pollers (waking a
 * poller on another vCPU), common/domain.c VCPUOP timers on other vCPUs,
 * vcpu_runstate_get for a vCPU that never ran.
 * Delivery is the callback vector, injected on whichever vCPU has its
 * upcall_pending set; each port has a guest-side owner vCPU.
 */
#include "ev.h"
#include "ap.h"

enum { CMD_NONE, CMD_SEND, CMD_POLL, CMD_SINGLESHOT, CMD_STOP_SINGLESHOT };

static uint8_t ap_stack[8192] __aligned(16);
static volatile uint32_t ap_up, ap_cmd, ap_done;
static volatile long ap_rc;
static volatile evtchn_port_t ap_arg;
static volatile uint64_t ap_t_end;
static vcpu_hvm_context_t ctx;

void ap_main(void)
{
    struct vcpu_set_singleshot_timer s;

    trap_load_idt();
    lapic_enable();
    ap_up = xen_cpuid_vcpu_id() + 1;
    sti();
    for (;;) {
        uint32_t c = ap_cmd;
        evtchn_port_t p = ap_arg;

        if (c == CMD_NONE) {
            cpu_relax();
            continue;
        }
        switch (c) {
        case CMD_SEND:
            ap_rc = ev_send(p);
            break;
        case CMD_POLL:
            cli();
            ap_rc = ev_poll(&p, 1, xen_system_time() + 3000 * MS);
            ap_t_end = xen_system_time();
            sti();
            break;
        case CMD_SINGLESHOT:
            s.timeout_abs_ns = xen_system_time() + 10 * MS;
            s.flags = 0;
            ap_rc = HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 1, &s);
            break;
        case CMD_STOP_SINGLESHOT:
            ap_rc = HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 1, NULL);
            break;
        }
        ap_cmd = CMD_NONE;
        ap_done++;
    }
}

/* Runs a command on vCPU 1 and waits for it (1 s at most for the start,
 * 5 s for the end). */
static bool ap_run(uint32_t cmd, evtchn_port_t arg, bool wait)
{
    uint32_t d = ap_done;

    ap_arg = arg;
    ap_cmd = cmd;
    if (!wait)
        return true;
    return spin_until_change(&ap_done, d, 5000);
}

static bool ap_ready(void)
{
    return ap_up == 2;
}

TEST(smp_ev_before_up)
{
    struct vcpu_runstate_info r;
    evtchn_port_t p = 0;
    struct evtchn_status st;

    /* vCPU 1 exists (down): IPIs and per-vCPU VIRQs can name it. */
    REQUIRE(EXPECT_EQ(ev_bind_ipi(1, &p), 0));
    EXPECT_EQ(ev_status(DOMID_SELF, p, &st), 0);
    EXPECT_EQ(st.status, EVTCHNSTAT_ipi);
    EXPECT_EQ(st.vcpu, 1);
    EXPECT_EQ(ev_close(p), 0);
    EXPECT_EQ(ev_bind_ipi(2, &p), XERR(ENOENT));
    /* Never run: offline, no running time, offline time growing. */
    memset(&r, 0xff, sizeof(r));
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 1, &r), 0);
    EXPECT_EQ(r.state, RUNSTATE_offline);
    EXPECT_EQ(r.time[RUNSTATE_running], 0);
    EXPECT_EQ(r.time[RUNSTATE_blocked], 0);
    EXPECT_NE(r.time[RUNSTATE_offline], 0);
}

TEST(smp_ev_bring_up)
{
    cli();
    lapic_enable();
    REQUIRE(EXPECT_EQ(ev_via_vector(), 0));
    ap_context64(&ctx, ap_stack + sizeof(ap_stack));
    REQUIRE(EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ctx), 0));
    REQUIRE(EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL), 0));
    spin_until_change(&ap_up, 0, 1000);
    EXPECT_EQ(ap_up, 2);
}

TEST(smp_ev_ipi_to_ap)
{
    evtchn_port_t p = 0;
    unsigned int i;

    cli();
    REQUIRE(EXPECT_TRUE(ap_ready()));
    REQUIRE(EXPECT_EQ(ev_bind_ipi(1, &p), 0));
    evtchn_owner[p] = 1;
    ev2l_set_mask(p, false);
    ev_counts_clear();
    for (i = 0; i < 10; i++) {
        EXPECT_EQ(ev_send(p), 0);
        if (!EXPECT_TRUE(spin_until_change(&evtchn_count[p], i, 500)))
            break;
    }
    EXPECT_EQ(evtchn_count[p], 10);
    EXPECT_EQ(evtchn_last_vcpu[p], 1);
    EXPECT_GE(ev_irq_count[EV_VIA_VECTOR][1], 1);
    EXPECT_EQ(ev_irq_count[EV_VIA_VECTOR][0], 0);
    /* The IPI went to vCPU 1's selector, never vCPU 0's flag. */
    EXPECT_EQ(ev_vcpu_info(0)->evtchn_upcall_pending, 0);
    EXPECT_EQ(ev_close(p), 0);
    evtchn_owner[p] = 0;
}

TEST(smp_ev_ipi_from_ap)
{
    evtchn_port_t p = 0;
    unsigned int i;

    cli();
    REQUIRE(EXPECT_TRUE(ap_ready()));
    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &p), 0));
    ev2l_set_mask(p, false);
    ev_counts_clear();
    for (i = 0; i < 10; i++) {
        if (!EXPECT_TRUE(ap_run(CMD_SEND, p, true)))
            break;
        EXPECT_EQ(ap_rc, 0);
        sti();
        spin_until_change(&evtchn_count[p], i, 500);
        cli();
        if (!EXPECT_EQ(evtchn_count[p], i + 1))
            break;
    }
    EXPECT_EQ(evtchn_last_vcpu[p], 0);
    EXPECT_EQ(ev_irq_count[EV_VIA_VECTOR][1], 0);
    EXPECT_EQ(ev_close(p), 0);
}

TEST(smp_ev_bind_vcpu_moves)
{
    evtchn_port_t a = 0, b = 0;
    struct evtchn_status st;

    cli();
    REQUIRE(EXPECT_TRUE(ap_ready()));
    REQUIRE(EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, DOMID_SELF, &a), 0));
    REQUIRE(EXPECT_EQ(ev_bind_interdomain(DOMID_SELF, a, &b), 0));
    ev_quiesce(b, 0);
    ev2l_set_mask(b, false);
    evtchn_owner[b] = 1;
    REQUIRE(EXPECT_EQ(ev_bind_vcpu(b, 1), 0));
    EXPECT_EQ(ev_status(DOMID_SELF, b, &st), 0);
    EXPECT_EQ(st.vcpu, 1);
    ev_counts_clear();
    EXPECT_EQ(ev_send(a), 0);
    EXPECT_TRUE(spin_until_change(&evtchn_count[b], 0, 500));
    EXPECT_EQ(evtchn_last_vcpu[b], 1);
    /* Closing frees the binding: a reused port notifies vCPU 0 again. */
    evtchn_owner[b] = 0;
    EXPECT_EQ(ev_close(b), 0);
    EXPECT_EQ(ev_close(a), 0);
    REQUIRE(EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, 0, &a), 0));
    EXPECT_EQ(ev_status(DOMID_SELF, a, &st), 0);
    EXPECT_EQ(st.vcpu, 0);
    EXPECT_EQ(ev_close(a), 0);
}

TEST(smp_ev_virq_rules)
{
    evtchn_port_t con = 0, dbg = 0;
    struct evtchn_status st;

    /* A global VIRQ is bound on vCPU 0 but may be moved; a per-vCPU VIRQ
     * is bound on its vCPU and may not. */
    REQUIRE(EXPECT_EQ(ev_bind_virq(VIRQ_CONSOLE, 0, &con), 0));
    EXPECT_EQ(ev_bind_vcpu(con, 1), 0);
    EXPECT_EQ(ev_status(DOMID_SELF, con, &st), 0);
    EXPECT_EQ(st.vcpu, 1);
    EXPECT_EQ(ev_bind_virq(VIRQ_CONSOLE, 1, &dbg), XERR(EINVAL));
    REQUIRE(EXPECT_EQ(ev_bind_virq(VIRQ_DEBUG, 1, &dbg), 0));
    EXPECT_EQ(ev_status(DOMID_SELF, dbg, &st), 0);
    EXPECT_EQ(st.vcpu, 1);
    EXPECT_EQ(ev_bind_vcpu(dbg, 0), XERR(EINVAL));
    /* VIRQ_DEBUG is per vCPU: vCPU 0 can have its own. */
    {
        evtchn_port_t d0 = 0;
        EXPECT_EQ(ev_bind_virq(VIRQ_DEBUG, 0, &d0), 0);
        EXPECT_EQ(ev_bind_virq(VIRQ_DEBUG, 1, &d0), XERR(EEXIST));
        close_range(3, 10);
    }
}

TEST(smp_ev_timers_other_vcpu)
{
    struct vcpu_set_singleshot_timer s = { 0, 0 };
    struct vcpu_set_periodic_timer per = { 20 * MS };
    evtchn_port_t t1 = 0;
    unsigned int i;

    cli();
    REQUIRE(EXPECT_TRUE(ap_ready()));
    REQUIRE(EXPECT_EQ(ev_bind_virq(VIRQ_TIMER, 1, &t1), 0));
    evtchn_owner[t1] = 1;
    ev2l_set_mask(t1, false);
    ev_counts_clear();
    /* Singleshot timers are the caller's own: -EINVAL for another vCPU. */
    s.timeout_abs_ns = xen_system_time() + 10 * MS;
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 1, &s),
              XERR(EINVAL));
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 1, NULL),
              XERR(EINVAL));
    /* vCPU 1 sets its own; its VIRQ_TIMER port fires on it. */
    REQUIRE(EXPECT_TRUE(ap_run(CMD_SINGLESHOT, 0, true)));
    EXPECT_EQ(ap_rc, 0);
    EXPECT_TRUE(spin_until_change(&evtchn_count[t1], 0, 500));
    EXPECT_EQ(evtchn_last_vcpu[t1], 1);
    /* Periodic timers may be set for any vCPU. */
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 1, &per), 0);
    for (i = 0; i < 3; i++)
        spin_until_change(&evtchn_count[t1], evtchn_count[t1], 500);
    EXPECT_GE(evtchn_count[t1], 4);
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 1, NULL), 0);
    spin_ms(30);
    i = evtchn_count[t1];
    spin_ms(60);
    EXPECT_EQ(evtchn_count[t1], i);
    evtchn_owner[t1] = 0;
    EXPECT_EQ(ev_close(t1), 0);
}

/* Waits until vCPU 1's runstate says blocked (true) or ms pass. */
static bool ap_blocked_within(unsigned int ms)
{
    struct vcpu_runstate_info r;
    uint64_t end = xen_system_time() + (uint64_t)ms * MS;

    do {
        if (HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 1, &r) == 0 &&
            r.state == RUNSTATE_blocked)
            return true;
    } while (xen_system_time() < end);
    return false;
}

TEST(smp_ev_poll_woken_from_other_vcpu)
{
    evtchn_port_t p = 0;
    uint64_t t0;
    uint32_t d;

    cli();
    REQUIRE(EXPECT_TRUE(ap_ready()));
    REQUIRE(EXPECT_EQ(ev_bind_ipi(1, &p), 0));
    ev2l_set_mask(p, true);
    ev_quiesce(p, 1);
    /* vCPU 1 polls (3 s timeout); vCPU 0's send wakes it at once. */
    d = ap_done;
    ap_run(CMD_POLL, p, false);
    /* Count the 30 ms from when vCPU 1 is really blocked: on a loaded
     * host it may take a while to reach its poll, and the runstate case
     * below wants 20 ms of blocked time from this one. */
    EXPECT_TRUE(ap_blocked_within(4000));
    spin_ms(30);
    t0 = xen_system_time();
    EXPECT_EQ(ev_send(p), 0);
    REQUIRE(EXPECT_TRUE(spin_until_change(&ap_done, d, 4000)));
    EXPECT_EQ(ap_rc, 0);
    EXPECT_LE(ap_t_end - t0, 500 * MS);
    ev2l_set_pending(p, false);
    ev2l_set_mask(p, false);
    EXPECT_EQ(ev_close(p), 0);
}

TEST(smp_ev_runstate_ap)
{
    struct vcpu_runstate_info r;

    REQUIRE(EXPECT_TRUE(ap_ready()));
    memset(&r, 0xff, sizeof(r));
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 1, &r), 0);
    /* It spins, and it blocked in the poll case. */
    EXPECT_TRUE(r.state == RUNSTATE_running || r.state == RUNSTATE_runnable);
    EXPECT_NE(r.time[RUNSTATE_running], 0);
    EXPECT_GE(r.time[RUNSTATE_blocked], 20 * MS);
    EXPECT_LE(r.state_entry_time, xen_system_time());
}

TEST(smp_gsi_only_for_vcpu0)
{
    evtchn_port_t p0 = 0, p1 = 0;

    cli();
    REQUIRE(EXPECT_TRUE(ap_ready()));
    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &p0), 0));
    REQUIRE(EXPECT_EQ(ev_bind_ipi(1, &p1), 0));
    evtchn_owner[p1] = 1;
    ev2l_set_mask(p0, false);
    ev2l_set_mask(p1, false);
    sti();
    spin_ms(10); /* take anything left over from the cases before */
    cli();
    REQUIRE(EXPECT_EQ(ev_via_gsi(22), 0));
    ev_counts_clear();
    /* The GSI follows vCPU 0's upcall_pending only: vCPU 1's events raise
     * nothing (hvm_assert_evtchn_irq: "else if ( v->vcpu_id == 0 )"). */
    EXPECT_EQ(ev_send(p1), 0);
    spin_ms(50);
    EXPECT_EQ(evtchn_count[p1], 0);
    EXPECT_EQ(ev_vcpu_info(1)->evtchn_upcall_pending, 1);
    EXPECT_EQ(ev_send(p0), 0);
    sti();
    spin_until_change(&evtchn_count[p0], 0, 500);
    cli();
    EXPECT_EQ(evtchn_count[p0], 1);
    EXPECT_EQ(ev_irq_count[EV_VIA_GSI][1], 0); /* routed to APIC ID 0 */
    EXPECT_EQ(ev_irq_count[EV_VIA_VECTOR][0], 0);
    EXPECT_EQ(ev_irq_count[EV_VIA_GSI][0], 1);
    EXPECT_EQ(evtchn_count[p1], 0);
    /* Choosing the vector via asserts every vCPU's pending upcall
     * (hvm_set_callback_via), so vCPU 1 gets its event now. */
    ioapic_mask(22);
    REQUIRE(EXPECT_EQ(ev_via_vector(), 0));
    EXPECT_TRUE(spin_until_change(&evtchn_count[p1], 0, 500));
    EXPECT_EQ(evtchn_last_vcpu[p1], 1);
    evtchn_owner[p1] = 0;
    EXPECT_EQ(ev_close(p0), 0);
    EXPECT_EQ(ev_close(p1), 0);
}

TEST(smp_upcall_vector_on_vcpu1)
{
    evtchn_port_t p0 = 0, p1 = 0;
    unsigned int i;

    cli();
    REQUIRE(EXPECT_TRUE(ap_ready()));
    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &p0), 0));
    REQUIRE(EXPECT_EQ(ev_bind_ipi(1, &p1), 0));
    evtchn_owner[p1] = 1;
    ev2l_set_mask(p0, false);
    ev2l_set_mask(p1, false);
    sti();
    spin_ms(10);
    cli();
    ev_counts_clear();
    /* vCPU 1 (LAPIC enabled) takes its upcalls on its own vector; vCPU 0
     * keeps the callback vector. */
    REQUIRE(EXPECT_EQ(ev_via_lapic(1), 0));
    /* Wait for vCPU 1 to take it (however loaded the host), then a little
     * more for a second one that must not come. */
    spin_until_change(&ev_irq_count[EV_VIA_LAPIC][1], 0, 4000);
    spin_ms(20);
    EXPECT_EQ(ev_irq_count[EV_VIA_LAPIC][1], 1); /* set_... asserts once */
    for (i = 0; i < 5; i++) {
        EXPECT_EQ(ev_send(p1), 0);
        EXPECT_TRUE(spin_until_change(&evtchn_count[p1], i, 500));
        EXPECT_EQ(ev_send(p0), 0);
        sti();
        spin_until_change(&evtchn_count[p0], i, 500);
        cli();
    }
    EXPECT_EQ(evtchn_count[p1], 5);
    EXPECT_EQ(evtchn_count[p0], 5);
    EXPECT_EQ(ev_irq_count[EV_VIA_LAPIC][1], 6);
    EXPECT_EQ(ev_irq_count[EV_VIA_VECTOR][1], 0);
    EXPECT_GE(ev_irq_count[EV_VIA_VECTOR][0], 5);
    EXPECT_EQ(ev_irq_count[EV_VIA_LAPIC][0], 0);
    evtchn_owner[p1] = 0;
    EXPECT_EQ(ev_close(p0), 0);
    EXPECT_EQ(ev_close(p1), 0);
}

/* FIFO last: the switch is for good. */
TEST(smp_fifo_needs_each_control_block)
{
    struct evtchn_init_control ic;
    evtchn_port_t p = 0;
    event_word_t *w;

    cli();
    REQUIRE(EXPECT_TRUE(ap_ready()));
    REQUIRE(EXPECT_EQ(fifo_init_vcpu(0), 0));
    REQUIRE(EXPECT_EQ(ev_bind_ipi(1, &p), 0));
    evtchn_owner[p] = 1;
    fifo_unmask(p);
    w = fifo_word(p);
    ev_counts_clear();
    /* vCPU 1 has no control block yet: evtchn_fifo_set_pending() drops
     * the event (not even PENDING is set). */
    EXPECT_EQ(ev_send(p), 0);
    spin_ms(30);
    EXPECT_EQ(*w & (1u << EVTCHN_FIFO_PENDING), 0);
    EXPECT_EQ(evtchn_count[p], 0);
    /* Any vCPU may set up another's control block, once. */
    REQUIRE(EXPECT_EQ(fifo_init_vcpu(1), 0));
    memset(&ic, 0, sizeof(ic));
    ic.control_gfn = (uintptr_t)fifo_control(1) >> PAGE_SHIFT;
    ic.vcpu = 1;
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_init_control, &ic),
              XERR(EINVAL));
    EXPECT_EQ(ev_send(p), 0);
    EXPECT_TRUE(spin_until_change(&evtchn_count[p], 0, 500));
    EXPECT_EQ(evtchn_last_vcpu[p], 1);
    evtchn_owner[p] = 0;
    EXPECT_EQ(ev_close(p), 0);
}

TEST(smp_fifo_both_vcpus)
{
    evtchn_port_t p0 = 0, p1 = 0;
    unsigned int i;

    cli();
    REQUIRE(EXPECT_TRUE(fifo_active()));
    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &p0), 0));
    REQUIRE(EXPECT_EQ(ev_bind_ipi(1, &p1), 0));
    evtchn_owner[p1] = 1;
    fifo_unmask(p0);
    fifo_unmask(p1);
    ev_counts_clear();
    for (i = 0; i < 5; i++) {
        EXPECT_EQ(ev_send(p1), 0);
        EXPECT_TRUE(spin_until_change(&evtchn_count[p1], i, 500));
        REQUIRE(EXPECT_TRUE(ap_run(CMD_SEND, p0, true)));
        sti();
        spin_until_change(&evtchn_count[p0], i, 500);
        cli();
        EXPECT_EQ(evtchn_count[p0], i + 1);
    }
    EXPECT_EQ(evtchn_last_vcpu[p0], 0);
    EXPECT_EQ(evtchn_last_vcpu[p1], 1);
    evtchn_owner[p1] = 0;
    EXPECT_EQ(ev_close(p0), 0);
    EXPECT_EQ(ev_close(p1), 0);
}

void guest_main(void)
{
    shinfo_map();
    printf("evtchn_smp64: 2 vCPUs (needs --vcpus 2)\n");
    run_tests();
}
