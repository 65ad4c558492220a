/*
 * The per-vCPU upcall vector: xen/arch/x86/hvm/hvm.c
 * hvmop_set_evtchn_upcall_vector, xen/arch/x86/hvm/irq.c
 * hvm_assert_evtchn_irq, xen/arch/x86/hvm/vlapic.c (SVR write).
 * It is an edge into the LAPIC (vlapic_set_irq) raised when
 * evtchn_upcall_pending goes 0 -> 1, used in preference to the callback
 * via; the handler clears the flag, scans and EOIs the LAPIC.  It cannot
 * be unset, so these cases run after the callback-via ones.
 */
#include "ev.h"

static long set_vector(uint32_t vcpu, uint8_t vector)
{
    struct xen_hvm_evtchn_upcall_vector op = { .vcpu = vcpu,
                                               .vector = vector };

    return HYPERVISOR_hvm_op(HVMOP_set_evtchn_upcall_vector, &op);
}

TEST(lapic_vector_errors)
{
    EXPECT_EQ(set_vector(0, 0x0f), XERR(EINVAL));
    EXPECT_EQ(set_vector(0, 0), XERR(EINVAL));
    EXPECT_EQ(set_vector(1, EV_VEC_LAPIC), XERR(ENOENT));
    EXPECT_EQ(set_vector(4000, EV_VEC_LAPIC), XERR(ENOENT));
    EXPECT_EQ(HYPERVISOR_hvm_op(HVMOP_set_evtchn_upcall_vector, BAD_PTR),
              XERR(EFAULT));
}

TEST(lapic_vector_set_injects_once)
{
    cli();
    /* Only the per-vCPU vector from here on. */
    REQUIRE(EXPECT_EQ(ev_via_none(), 0));
    lapic_enable();
    ev_counts_clear();
    ev_vcpu_info(0)->evtchn_upcall_pending = 0;
    /* hvm_assert_evtchn_irq() sets the vector in an enabled LAPIC
     * whether or not anything is pending: one (spurious) upcall. */
    REQUIRE(EXPECT_EQ(ev_via_lapic(0), 0));
    irq_window(20);
    EXPECT_EQ(ev_irq_count[EV_VIA_LAPIC][0], 1);
    EXPECT_TRUE(!lapic_isr(EV_VEC_LAPIC));
}

TEST(lapic_vector_delivers)
{
    evtchn_port_t p;
    unsigned int i;

    cli();
    REQUIRE(EXPECT_NE(p = ipi_port(), 0));
    ev_counts_clear();
    for (i = 0; i < 10; i++) {
        EXPECT_EQ(ev_send(p), 0);
        sti();
        spin_until_change(&evtchn_count[p], i, 200);
        cli();
        if (!EXPECT_EQ(evtchn_count[p], i + 1))
            break;
    }
    EXPECT_EQ(ev_irq_count[EV_VIA_LAPIC][0], 10);
    EXPECT_EQ(ev_irq_count[EV_VIA_VECTOR][0], 0);
    irq_window(20);
    EXPECT_EQ(ev_irq_count[EV_VIA_LAPIC][0], 10);
    EXPECT_EQ(ev_close(p), 0);
}

TEST(lapic_vector_is_an_edge)
{
    struct vcpu_info *vi = ev_vcpu_info(0);
    evtchn_port_t p;
    unsigned int n;

    cli();
    REQUIRE(EXPECT_NE(p = ipi_port(), 0));
    ev_counts_clear();
    /* upcall_pending already set: vcpu_mark_events_pending() sees no
     * 0 -> 1 change and raises nothing, unlike the callback vector. */
    vi->evtchn_upcall_pending = 1;
    EXPECT_EQ(ev_send(p), 0);
    irq_window(20);
    EXPECT_EQ(ev_irq_count[EV_VIA_LAPIC][0], 0);
    EXPECT_EQ(evtchn_count[p], 0);
    /* The guest's own scan finds it; the next event raises again. */
    ev_upcall(0);
    EXPECT_EQ(evtchn_count[p], 1);
    EXPECT_EQ(ev_send(p), 0);
    sti();
    spin_until_change(&evtchn_count[p], 1, 200);
    cli();
    EXPECT_EQ(evtchn_count[p], 2);
    n = ev_irq_count[EV_VIA_LAPIC][0];
    EXPECT_EQ(n, 1);
    EXPECT_EQ(ev_close(p), 0);
}

TEST(lapic_vector_sw_disabled_then_enabled)
{
    evtchn_port_t p;

    cli();
    REQUIRE(EXPECT_NE(p = ipi_port(), 0));
    ev_counts_clear();
    /* A software-disabled LAPIC takes no upcall ... */
    lapic_disable();
    EXPECT_EQ(ev_send(p), 0);
    irq_window(20);
    EXPECT_EQ(ev_irq_count[EV_VIA_LAPIC][0], 0);
    EXPECT_EQ(ev_vcpu_info(0)->evtchn_upcall_pending, 1);
    /* ... and enabling it re-raises the vector while upcall_pending is
     * set (vlapic_reg_write, APIC_SPIV).  KVM's in-kernel LAPIC handles
     * the SVR write without telling the VMM: a deviation KVM forces
     * unless the VMM re-checks upcall_pending on its own: at its 100 Hz
     * look, which a loaded host (the nested one under TCG) delays. */
    lapic_enable();
    sti();
    spin_until_change(&evtchn_count[p], 0, 2000);
    cli();
    EXPECT_EQ(evtchn_count[p], 1);
    EXPECT_EQ(ev_irq_count[EV_VIA_LAPIC][0], 1);
    EXPECT_EQ(ev_close(p), 0);
}

TEST(lapic_vector_preferred_over_via)
{
    evtchn_port_t p;

    cli();
    REQUIRE(EXPECT_NE(p = ipi_port(), 0));
    /* With a GSI via set as well, vCPU 0's events still come by the
     * upcall vector: hvm_assert_evtchn_irq() checks it first. */
    REQUIRE(EXPECT_EQ(ev_via_gsi(22), 0));
    ev_counts_clear();
    EXPECT_EQ(ev_send(p), 0);
    sti();
    spin_until_change(&evtchn_count[p], 0, 200);
    spin_ms(10);
    cli();
    EXPECT_EQ(evtchn_count[p], 1);
    EXPECT_GE(ev_irq_count[EV_VIA_LAPIC][0], 1);
    EXPECT_EQ(ev_irq_count[EV_VIA_GSI][0], 0);
    EXPECT_EQ(ev_via_none(), 0);
    ioapic_mask(22);
    EXPECT_EQ(ev_close(p), 0);
}
