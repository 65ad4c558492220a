/*
 * Upcall delivery through HVM_PARAM_CALLBACK_IRQ: xen/arch/x86/hvm/irq.c
 * hvm_set_callback_via, hvm_set_callback_irq_level, hvm_assert_evtchn_irq,
 * hvm_vcpu_has_pending_irq; xen/arch/x86/domain.c vcpu_mark_events_pending.
 *  - vector: injected while vcpu_info.evtchn_upcall_pending is set and
 *    EFLAGS.IF allows (evtchn_upcall_mask is ignored for HVM); no EOI.
 *  - GSI: an IOAPIC line asserted while vCPU 0's upcall_pending is set;
 *    the handler clears the flag, then EOIs (level-triggered entry).
 *  - PCI INTx of the Xen platform device 00:01.0 INTA: GSI 20 by Xen's
 *    hvm_pci_intx_gsi() swizzle.
 * KVM deviation: the IOAPIC has 24 pins (Xen's vIOAPIC 48), so GSIs from
 * 24 up (and INTx swizzled there) select no callback.
 */
#include "ev.h"

#define TEST_GSI 22
#define PLATFORM_DEV 1
#define PLATFORM_GSI 20

TEST(deliv_vector_lapic_disabled)
{
    evtchn_port_t p;

    /* Xen injects the callback vector directly (hvm_vcpu_has_pending_irq,
     * hvm_intsrc_vector): no LAPIC involvement, so it arrives even while
     * the LAPIC is software-disabled (as it is at boot).  KVM's in-kernel
     * LAPIC drops interrupts while disabled: a VMM that routes the vector
     * through it deviates here.  The other cases enable the LAPIC first,
     * as Linux guests have it. */
    cli();
    lapic_disable();
    REQUIRE(EXPECT_EQ(ev_via_vector(), 0));
    REQUIRE(EXPECT_NE(p = ipi_port(), 0));
    ev_counts_clear();
    EXPECT_TRUE(send_and_wait(p));
    EXPECT_EQ(evtchn_count[p], 1);
    ev_quiesce(p, 0);
    EXPECT_EQ(ev_close(p), 0);
}

TEST(deliv_vector_ipi)
{
    evtchn_port_t p;
    unsigned int i;

    cli();
    lapic_enable();
    REQUIRE(EXPECT_EQ(ev_via_vector(), 0));
    REQUIRE(EXPECT_NE(p = ipi_port(), 0));
    ev_counts_clear();
    EXPECT_TRUE(send_and_wait(p));
    EXPECT_EQ(evtchn_count[p], 1);
    EXPECT_GE(ev_irq_count[EV_VIA_VECTOR][0], 1);
    EXPECT_EQ(ev_vcpu_info(0)->evtchn_upcall_pending, 0);
    EXPECT_TRUE(!ev2l_pending(p));
    /* Injected directly, not through the LAPIC: nothing in service that
     * would hold back the guest's other interrupts of its class. */
    EXPECT_TRUE(!lapic_isr(EV_VEC_CALLBACK));
    /* One at a time, each delivered. */
    for (i = 0; i < 20; i++)
        if (!EXPECT_TRUE(send_and_wait(p)))
            break;
    EXPECT_EQ(evtchn_count[p], 21);
    /* Nothing more arrives once the flag is clear (no storm). */
    i = ev_irq_count[EV_VIA_VECTOR][0];
    irq_window(20);
    EXPECT_EQ(ev_irq_count[EV_VIA_VECTOR][0], i);
    EXPECT_EQ(ev_close(p), 0);
}

TEST(deliv_vector_masked_port)
{
    evtchn_port_t p;

    cli();
    lapic_enable();
    REQUIRE(EXPECT_EQ(ev_via_vector(), 0));
    REQUIRE(EXPECT_NE(p = ipi_port(), 0));
    ev_counts_clear();
    ev2l_set_mask(p, true);
    EXPECT_EQ(ev_send(p), 0);
    irq_window(20);
    EXPECT_EQ(evtchn_count[p], 0);
    EXPECT_EQ(ev_irq_count[EV_VIA_VECTOR][0], 0);
    /* EVTCHNOP_unmask of the pending port raises the upcall. */
    EXPECT_EQ(ev_unmask(p), 0);
    sti();
    spin_until_change(&evtchn_count[p], 0, 200);
    cli();
    EXPECT_EQ(evtchn_count[p], 1);
    EXPECT_EQ(ev_close(p), 0);
}

TEST(deliv_vector_cli_holds)
{
    evtchn_port_t p;

    cli();
    lapic_enable();
    REQUIRE(EXPECT_EQ(ev_via_vector(), 0));
    REQUIRE(EXPECT_NE(p = ipi_port(), 0));
    ev_counts_clear();
    EXPECT_EQ(ev_send(p), 0);
    spin_ms(20);
    EXPECT_EQ(evtchn_count[p], 0);
    EXPECT_EQ(ev_vcpu_info(0)->evtchn_upcall_pending, 1);
    sti();
    spin_until_change(&evtchn_count[p], 0, 200);
    cli();
    EXPECT_EQ(evtchn_count[p], 1);
    EXPECT_EQ(ev_close(p), 0);
}

TEST(deliv_vector_ignores_upcall_mask)
{
    struct vcpu_info *vi = ev_vcpu_info(0);
    evtchn_port_t p;

    cli();
    lapic_enable();
    REQUIRE(EXPECT_EQ(ev_via_vector(), 0));
    REQUIRE(EXPECT_NE(p = ipi_port(), 0));
    ev_counts_clear();
    /* "Do not check the evtchn_upcall_mask. It is not used in HVM mode." */
    vi->evtchn_upcall_mask = 1;
    EXPECT_TRUE(send_and_wait(p));
    vi->evtchn_upcall_mask = 0;
    EXPECT_EQ(evtchn_count[p], 1);
    EXPECT_EQ(ev_close(p), 0);
}

TEST(deliv_vector_follows_upcall_pending)
{
    struct vcpu_info *vi = ev_vcpu_info(0);

    cli();
    lapic_enable();
    REQUIRE(EXPECT_EQ(ev_via_vector(), 0));
    ev_counts_clear();
    /* The vector is injected whenever the flag is set at VM entry, even
     * if the guest set it itself (hvm_vcpu_has_pending_irq).  A KVM VMM
     * does not see the guest's write: it deviates here unless it looks
     * at upcall_pending on its own (KVM-forced). */
    vi->evtchn_upcall_pending = 1;
    /* The VMM's 100 Hz look at the flag finds it; windows of 20 ms up to
     * 2 s, as a loaded host (the nested one under TCG) missed one. */
    for (int i = 0; i < 100 && ev_irq_count[EV_VIA_VECTOR][0] == 0; i++)
        irq_window(20);
    EXPECT_GE(ev_irq_count[EV_VIA_VECTOR][0], 1);
    EXPECT_EQ(vi->evtchn_upcall_pending, 0);
}

TEST(deliv_block_until_timer)
{
    evtchn_port_t t = 0;
    struct vcpu_set_singleshot_timer s;
    uint64_t t0;

    cli();
    lapic_enable();
    REQUIRE(EXPECT_EQ(ev_via_vector(), 0));
    REQUIRE(EXPECT_EQ(ev_bind_virq(VIRQ_TIMER, 0, &t), 0));
    ev2l_set_mask(t, false);
    ev_quiesce(t, 0);
    ev_counts_clear();
    t0 = xen_system_time();
    s.timeout_abs_ns = t0 + 20 * MS;
    s.flags = 0;
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &s), 0);
    /* SCHEDOP_block sleeps until the timer's event is to be delivered. */
    sti();
    EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_block, NULL), 0);
    spin_until_change(&evtchn_count[t], 0, 200);
    cli();
    EXPECT_EQ(evtchn_count[t], 1);
    EXPECT_GE(xen_system_time(), t0 + 20 * MS);
    EXPECT_LE(ms_since(t0), 2000);    /* the timer woke it, late on a loaded host */
    EXPECT_EQ(ev_close(t), 0);
}

TEST(deliv_ioapic_and_lapic)
{
    /* KVM's IOAPIC: 24 pins (Xen's vIOAPIC has 48).  APIC ID = vCPU id. */
    EXPECT_EQ(ioapic_pins(), 24);
    EXPECT_EQ(lapic_id(), 0);
}

static volatile uint32_t self_ipis;

static void h_self_ipi(struct trap_frame *f)
{
    (void)f;
    self_ipis++;
    lapic_eoi();
}

TEST(deliv_lapic_self_ipi)
{
    unsigned int i;

    /* The guest side alone: a LAPIC self-IPI taken with IF on in ring 0
     * and returned from (the 32-bit frame return avoids iret). */
    cli();
    trap_set_handler(0xe5, h_self_ipi, 0);
    lapic_enable();
    for (i = 0; i < 5; i++) {
        lapic_write(0x300, 0x40000 | 0xe5); /* ICR: self, fixed */
        sti();
        spin_until_change(&self_ipis, i, 100);
        cli();
    }
    EXPECT_EQ(self_ipis, 5);
    EXPECT_TRUE(!lapic_isr(0xe5));
}

TEST(deliv_gsi)
{
    uint64_t val = 0;
    evtchn_port_t p;
    unsigned int i, n;

    cli();
    REQUIRE(EXPECT_NE(p = ipi_port(), 0));
    REQUIRE(EXPECT_EQ(ev_via_gsi(TEST_GSI), 0));
    EXPECT_EQ(hvm_get_param(HVM_PARAM_CALLBACK_IRQ, &val), 0);
    EXPECT_EQ(val, TEST_GSI);
    ev_counts_clear();
    EXPECT_TRUE(send_and_wait(p));
    EXPECT_EQ(ev_irq_count[EV_VIA_GSI][0], 1);
    EXPECT_EQ(ev_irq_count[EV_VIA_VECTOR][0], 0);
    /* Flag cleared before the EOI: the line is down, no second interrupt. */
    irq_window(20);
    EXPECT_EQ(ev_irq_count[EV_VIA_GSI][0], 1);
    EXPECT_TRUE(!(ioapic_rte_low(TEST_GSI) & IOAPIC_RTE_IRR));
    for (i = 0; i < 10; i++)
        if (!EXPECT_TRUE(send_and_wait(p)))
            break;
    EXPECT_EQ(evtchn_count[p], 11);
    EXPECT_EQ(ev_irq_count[EV_VIA_GSI][0], 11);
    /* A masked port raises nothing. */
    ev2l_set_mask(p, true);
    n = ev_irq_count[EV_VIA_GSI][0];
    EXPECT_EQ(ev_send(p), 0);
    irq_window(20);
    EXPECT_EQ(ev_irq_count[EV_VIA_GSI][0], n);
    ev2l_set_mask(p, false);
    ev_quiesce(p, 0);
    EXPECT_EQ(ev_close(p), 0);
    ioapic_mask(TEST_GSI);
}

TEST(deliv_gsi_pending_before_via)
{
    evtchn_port_t p;

    cli();
    REQUIRE(EXPECT_EQ(ev_via_none(), 0));
    REQUIRE(EXPECT_NE(p = ipi_port(), 0));
    ev_counts_clear();
    /* Event pending with no via; choosing the GSI via asserts the line
     * at once (hvm_set_callback_via -> hvm_assert_evtchn_irq). */
    EXPECT_EQ(ev_send(p), 0);
    EXPECT_EQ(ev_vcpu_info(0)->evtchn_upcall_pending, 1);
    irq_window(10);
    EXPECT_EQ(evtchn_count[p], 0);
    REQUIRE(EXPECT_EQ(ev_via_gsi(TEST_GSI), 0));
    sti();
    spin_until_change(&evtchn_count[p], 0, 200);
    cli();
    EXPECT_EQ(evtchn_count[p], 1);
    EXPECT_EQ(ev_irq_count[EV_VIA_GSI][0], 1);
    EXPECT_EQ(ev_close(p), 0);
    ioapic_mask(TEST_GSI);
}

TEST(deliv_gsi_out_of_range_is_none)
{
    uint64_t val = 0;
    evtchn_port_t p;

    cli();
    REQUIRE(EXPECT_NE(p = ipi_port(), 0));
    irq_window(10); /* take anything left over from the cases before */
    ev_counts_clear();
    /* GSI 0 and GSIs beyond the IOAPIC select no callback; the parameter
     * still reads back as written. */
    REQUIRE(EXPECT_EQ(ev_via_gsi(0), 0));
    EXPECT_EQ(hvm_get_param(HVM_PARAM_CALLBACK_IRQ, &val), 0);
    EXPECT_EQ(val, 0);
    EXPECT_TRUE(send_and_wait(p) == false);
    ev_quiesce(p, 0);
    REQUIRE(EXPECT_EQ(ev_via_gsi(24), 0));
    EXPECT_EQ(hvm_get_param(HVM_PARAM_CALLBACK_IRQ, &val), 0);
    EXPECT_EQ(val, 24);
    EXPECT_TRUE(send_and_wait(p) == false);
    ev_quiesce(p, 0);
    /* Type 3 and up (PPI is ARM's 2) are "none" on x86, set_param still
     * succeeds (hvm_set_callback_via). */
    EXPECT_EQ(hvm_set_param(HVM_PARAM_CALLBACK_IRQ, (3ull << 56) |
                            EV_VEC_CALLBACK), 0);
    EXPECT_TRUE(send_and_wait(p) == false);
    ev_quiesce(p, 0);
    EXPECT_EQ(ev_irq_count[EV_VIA_GSI][0], 0);
    EXPECT_EQ(ev_irq_count[EV_VIA_VECTOR][0], 0);
    EXPECT_EQ(ev_close(p), 0);
}

TEST(deliv_pci_platform_device)
{
    /* Host bridge 8086:1237 at 00:00.0, Xen platform device 5853:0001 at
     * 00:01.0 with INTA routed to GSI 20 (Interrupt Line). */
    EXPECT_EQ(pci_cfg_read32(0, 0, 0, 0), 0x12378086);
    EXPECT_EQ(pci_cfg_read32(0, PLATFORM_DEV, 0, 0), 0x00015853);
    EXPECT_EQ(pci_cfg_read8(0, PLATFORM_DEV, 0, 0x3d), 1);
    EXPECT_EQ(pci_cfg_read8(0, PLATFORM_DEV, 0, 0x3c), PLATFORM_GSI);
    /* No device: all ones. */
    EXPECT_EQ(pci_cfg_read32(0, 0x1f, 0, 0), 0xffffffff);
}

TEST(deliv_pci_intx)
{
    uint64_t val = 0;
    evtchn_port_t p;
    unsigned int i;

    cli();
    REQUIRE(EXPECT_NE(p = ipi_port(), 0));
    REQUIRE(EXPECT_EQ(ev_via_pci_intx(PLATFORM_DEV, 0, PLATFORM_GSI), 0));
    EXPECT_EQ(hvm_get_param(HVM_PARAM_CALLBACK_IRQ, &val), 0);
    EXPECT_EQ(val, ev_callback_value_pci(PLATFORM_DEV, 0));
    ev_counts_clear();
    for (i = 0; i < 5; i++)
        if (!EXPECT_TRUE(send_and_wait(p)))
            break;
    EXPECT_EQ(evtchn_count[p], 5);
    EXPECT_EQ(ev_irq_count[EV_VIA_INTX][0], 5);
    irq_window(20);
    EXPECT_EQ(ev_irq_count[EV_VIA_INTX][0], 5);
    EXPECT_EQ(ev_close(p), 0);
    ioapic_mask(PLATFORM_GSI);
}

TEST(deliv_pci_intx_swizzled_beyond_pins)
{
    evtchn_port_t p;

    cli();
    REQUIRE(EXPECT_NE(p = ipi_port(), 0));
    /* 00:02.0 INTA swizzles to GSI 24: no such pin here, so no callback
     * (on Xen's 48-pin vIOAPIC it would be GSI 24). */
    REQUIRE(EXPECT_EQ(ev_via_pci_intx(2, 0, PLATFORM_GSI), 0));
    ev_counts_clear();
    EXPECT_TRUE(send_and_wait(p) == false);
    EXPECT_EQ(ev_irq_count[EV_VIA_INTX][0], 0);
    ev_quiesce(p, 0);
    EXPECT_EQ(ev_close(p), 0);
    ioapic_mask(PLATFORM_GSI);
}

TEST(deliv_back_to_vector)
{
    evtchn_port_t p;

    cli();
    REQUIRE(EXPECT_NE(p = ipi_port(), 0));
    REQUIRE(EXPECT_EQ(ev_via_vector(), 0));
    ev_counts_clear();
    EXPECT_TRUE(send_and_wait(p));
    EXPECT_EQ(ev_irq_count[EV_VIA_VECTOR][0], 1);
    EXPECT_EQ(ev_irq_count[EV_VIA_GSI][0] + ev_irq_count[EV_VIA_INTX][0], 0);
    EXPECT_EQ(ev_close(p), 0);
}
