/*
 * evtchn_fifo{32,64}.elf: the FIFO event channel ABI.
 * xen/common/event_fifo.c (evtchn_fifo_init_control, map_control_block,
 * setup_ports, add_page_to_event_array, evtchn_fifo_set_pending,
 * evtchn_fifo_unmask, evtchn_fifo_set_priority, evtchn_fifo_is_busy) and
 * xen/common/event_channel.c (evtchn_reset switching back to 2-level).
 * The consumer is lib/evtchn.c's, after Linux events_fifo.c.  Run with no
 * options.  A guest switches to FIFO once (until EVTCHNOP_reset).
 */
#include "ev.h"

static evtchn_port_t carried;

TEST(fifo_init_errors_stay_2l)
{
    struct evtchn_init_control ic;
    evtchn_port_t p = 0;
    static uint8_t page[4096] __aligned(4096);

    memset(&ic, 0, sizeof(ic));
    ic.control_gfn = (uintptr_t)page >> PAGE_SHIFT;
    ic.vcpu = 4000;
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_init_control, &ic),
              XERR(ENOENT));
    ic.vcpu = 0;
    ic.offset = 4; /* not 8-byte aligned */
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_init_control, &ic),
              XERR(EINVAL));
    ic.offset = PAGE_SIZE - sizeof(struct evtchn_fifo_control_block) + 8;
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_init_control, &ic),
              XERR(EINVAL));
    ic.offset = 0;
    ic.control_gfn = (memmap_ram_end() >> PAGE_SHIFT) + 0x100000;
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_init_control, &ic),
              XERR(EINVAL));
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_init_control, BAD_PTR),
              XERR(EFAULT));
    /* A failed first init leaves the 2-level ABI in place. */
    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &p), 0));
    EXPECT_EQ(ev_set_priority(p, 0), XERR(ENOSYS));
    EXPECT_EQ(ev_send(p), 0);
    EXPECT_TRUE(ev2l_pending(p));
    /* p stays bound and pending into the switch. */
    carried = p;
}

TEST(fifo_init)
{
    struct evtchn_init_control ic;

    cli();
    /* Ports bound under 2-level keep their pending state (setup_ports). */
    REQUIRE(EXPECT_NE(carried, 0));
    memset(fifo_control(0), 0, PAGE_SIZE);
    memset(&ic, 0, sizeof(ic));
    ic.control_gfn = (uintptr_t)fifo_control(0) >> PAGE_SHIFT;
    ic.vcpu = 0;
    ic.offset = 0;
    REQUIRE(EXPECT_EQ(fifo_init_vcpu(0), 0));
    /* The helper did the call; do a second one to see link_bits and the
     * one-control-block-per-vCPU rule (map_control_block: -EINVAL). */
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_init_control, &ic),
              XERR(EINVAL));
    EXPECT_EQ(ic.link_bits, 0); /* not copied back on failure */
    EXPECT_EQ(ic.vcpu, 0);
    EXPECT_TRUE(fifo_active());
}

TEST(fifo_carried_pending)
{
    event_word_t *w = fifo_word(carried);

    cli();
    REQUIRE(EXPECT_TRUE(w != NULL));
    /* Re-raised when its array page arrived: pending, but our words start
     * MASKED, so not linked. */
    EXPECT_TRUE(*w & (1u << EVTCHN_FIFO_PENDING));
    EXPECT_TRUE(!(*w & (1u << EVTCHN_FIFO_LINKED)));
    EXPECT_EQ(fifo_control(0)->ready, 0);
    /* Unmasking a pending event goes through EVTCHNOP_unmask, which links
     * it on the default priority's queue. */
    fifo_unmask(carried);
    EXPECT_TRUE(*w & (1u << EVTCHN_FIFO_LINKED));
    EXPECT_EQ(fifo_control(0)->ready, 1u << EVTCHN_FIFO_PRIORITY_DEFAULT);
    EXPECT_EQ(fifo_control(0)->head[EVTCHN_FIFO_PRIORITY_DEFAULT], carried);
    EXPECT_EQ(ev_vcpu_info(0)->evtchn_upcall_pending, 1);
    ev_counts_clear();
    ev_upcall(0);
    EXPECT_EQ(evtchn_count[carried], 1);
    EXPECT_EQ(*w & ((1u << EVTCHN_FIFO_PENDING) | (1u << EVTCHN_FIFO_LINKED)),
              0);
    EXPECT_EQ(ev_close(carried), 0);
}

TEST(fifo_link_bits)
{
    struct evtchn_init_control ic;

    /* link_bits is written before any check (but copied out only on
     * success), so a failing call shows nothing: init vCPU 0 is done.
     * EVTCHN_FIFO_LINK_BITS is the ABI constant. */
    memset(&ic, 0xff, sizeof(ic));
    ic.vcpu = 4000;
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_init_control, &ic),
              XERR(ENOENT));
    EXPECT_EQ(ic.link_bits, 0xff);
    EXPECT_EQ(EVTCHN_FIFO_LINK_BITS, 17);
}

TEST(fifo_expand_errors)
{
    struct evtchn_expand_array e = {
        .array_gfn = (memmap_ram_end() >> PAGE_SHIFT) + 0x100000 };

    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_expand_array, &e),
              XERR(EINVAL));
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_expand_array, BAD_PTR),
              XERR(EFAULT));
}

TEST(fifo_set_priority)
{
    evtchn_port_t p = 0;

    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &p), 0));
    EXPECT_EQ(ev_set_priority(p, EVTCHN_FIFO_PRIORITY_MIN + 1), XERR(EINVAL));
    EXPECT_EQ(ev_set_priority(p, EVTCHN_FIFO_PRIORITY_MIN), 0);
    EXPECT_EQ(ev_set_priority(p, EVTCHN_FIFO_PRIORITY_MAX), 0);
    /* Invalid port -EINVAL; a free port is not usable: -EACCES. */
    EXPECT_EQ(ev_set_priority(HUGE_PORT, 0), XERR(EINVAL));
    EXPECT_EQ(ev_set_priority(FREE_PORT, 0), XERR(EACCES));
    EXPECT_EQ(ev_set_priority(0, 0), XERR(EACCES));
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_set_priority, BAD_PTR),
              XERR(EFAULT));
    EXPECT_EQ(ev_close(p), 0);
}

TEST(fifo_queue_order)
{
    struct evtchn_fifo_control_block *cb = fifo_control(0);
    evtchn_port_t p[4] = { 0, 0, 0, 0 };
    static const unsigned int prio[4] = { 7, 3, 7, 3 };
    unsigned int i;

    cli();
    for (i = 0; i < 4; i++) {
        REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &p[i]), 0));
        if (prio[i] != EVTCHN_FIFO_PRIORITY_DEFAULT)
            EXPECT_EQ(ev_set_priority(p[i], prio[i]), 0);
        fifo_unmask(p[i]);
    }
    ev_vcpu_info(0)->evtchn_upcall_pending = 0;
    /* (Bits left in the 2-level bitmap from before the switch stay.) */
    for (i = 0; i < 4; i++)
        ev2l_set_pending(p[i], false);
    for (i = 0; i < 4; i++)
        EXPECT_EQ(ev_send(p[i]), 0);
    /* Two queues ready; each a list in send order, linked through the
     * event words; the 2-level bitmap is untouched. */
    EXPECT_EQ(cb->ready, (1u << 3) | (1u << 7));
    EXPECT_EQ(cb->head[3], p[1]);
    EXPECT_EQ(cb->head[7], p[0]);
    EXPECT_EQ(*fifo_word(p[0]) & EVTCHN_FIFO_LINK_MASK, p[2]);
    EXPECT_EQ(*fifo_word(p[1]) & EVTCHN_FIFO_LINK_MASK, p[3]);
    EXPECT_TRUE(!ev2l_pending(p[0]));
    EXPECT_EQ(ev_vcpu_info(0)->evtchn_upcall_pending, 1);
    /* Sending again to a linked event changes nothing. */
    EXPECT_EQ(ev_send(p[0]), 0);
    EXPECT_EQ(cb->head[7], p[0]);
    /* Consumed highest priority (lowest number) first, FIFO within. */
    ev_counts_clear();
    ev_upcall(0);
    REQUIRE(EXPECT_EQ(ev_log_len, 4));
    EXPECT_EQ(ev_log[0], p[1]);
    EXPECT_EQ(ev_log[1], p[3]);
    EXPECT_EQ(ev_log[2], p[0]);
    EXPECT_EQ(ev_log[3], p[2]);
    EXPECT_EQ(cb->ready, 0);
    for (i = 0; i < 4; i++)
        EXPECT_EQ(ev_close(p[i]), 0);
}

TEST(fifo_masked_not_linked)
{
    struct evtchn_fifo_control_block *cb = fifo_control(0);
    evtchn_port_t p = 0;
    event_word_t *w;

    cli();
    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &p), 0));
    w = fifo_word(p);
    fifo_mask(p);
    ev_vcpu_info(0)->evtchn_upcall_pending = 0;
    EXPECT_EQ(ev_send(p), 0);
    EXPECT_TRUE(*w & (1u << EVTCHN_FIFO_PENDING));
    EXPECT_TRUE(!(*w & (1u << EVTCHN_FIFO_LINKED)));
    EXPECT_EQ(cb->ready, 0);
    EXPECT_EQ(ev_vcpu_info(0)->evtchn_upcall_pending, 0);
    /* SCHEDOP_poll sees it pending although masked. */
    EXPECT_EQ(ev_poll(&p, 1, xen_system_time() + 5000 * MS), 0);
    EXPECT_EQ(ev_unmask(p), 0);
    EXPECT_TRUE(!(*w & (1u << EVTCHN_FIFO_MASKED)));
    EXPECT_TRUE(*w & (1u << EVTCHN_FIFO_LINKED));
    EXPECT_EQ(cb->ready, 1u << EVTCHN_FIFO_PRIORITY_DEFAULT);
    ev_counts_clear();
    ev_upcall(0);
    EXPECT_EQ(evtchn_count[p], 1);
    EXPECT_EQ(ev_close(p), 0);
}

TEST(fifo_linked_port_is_busy)
{
    evtchn_port_t x = 0, y = 0, z = 0;
    event_word_t *w;

    cli();
    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &x), 0));
    fifo_unmask(x);
    EXPECT_EQ(ev_send(x), 0);
    w = fifo_word(x);
    EXPECT_TRUE(*w & (1u << EVTCHN_FIFO_LINKED));
    /* Closing clears PENDING but the word stays LINKED until the guest
     * walks the queue: evtchn_fifo_is_busy() keeps the port from being
     * allocated again, so the next allocation skips it. */
    EXPECT_EQ(ev_close(x), 0);
    EXPECT_TRUE(!(*w & (1u << EVTCHN_FIFO_PENDING)));
    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &y), 0));
    EXPECT_NE(y, x);
    ev_counts_clear();
    ev_upcall(0); /* unlinks x, delivers nothing */
    EXPECT_EQ(evtchn_count[x], 0);
    EXPECT_TRUE(!(*w & (1u << EVTCHN_FIFO_LINKED)));
    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &z), 0));
    EXPECT_EQ(z, x);
    EXPECT_EQ(ev_close(y), 0);
    EXPECT_EQ(ev_close(z), 0);
}

TEST(fifo_delivery_vector)
{
    evtchn_port_t p = 0;
    unsigned int i;

    cli();
    lapic_enable();
    REQUIRE(EXPECT_EQ(ev_via_vector(), 0));
    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &p), 0));
    fifo_unmask(p);
    ev_counts_clear();
    for (i = 0; i < 10; i++) {
        EXPECT_EQ(ev_send(p), 0);
        sti();
        spin_until_change(&evtchn_count[p], i, 200);
        cli();
        if (!EXPECT_EQ(evtchn_count[p], i + 1))
            break;
    }
    EXPECT_GE(ev_irq_count[EV_VIA_VECTOR][0], 10);
    EXPECT_EQ(ev_via_none(), 0);
    EXPECT_EQ(ev_close(p), 0);
}

TEST(fifo_timer_virq)
{
    evtchn_port_t t = 0;
    struct vcpu_set_singleshot_timer s = { 0, 0 };

    cli();
    REQUIRE(EXPECT_EQ(ev_bind_virq(VIRQ_TIMER, 0, &t), 0));
    s.timeout_abs_ns = xen_system_time() + 10 * MS;
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &s), 0);
    EXPECT_TRUE(ev_wait_pending(t, 1000 * MS));
    EXPECT_GE(xen_system_time(), s.timeout_abs_ns);
    EXPECT_EQ(ev_close(t), 0);
}

TEST(fifo_reset_back_to_2l)
{
    struct evtchn_expand_array e = { .array_gfn = 0 };
    evtchn_port_t p = 0;

    cli();
    REQUIRE(EXPECT_EQ(ev_reset(DOMID_SELF), 0));
    fifo_forget();
    /* evtchn_reset() destroyed the FIFO state: 2-level again. */
    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &p), 0));
    EXPECT_EQ(p, 1);
    EXPECT_EQ(ev_set_priority(p, 0), XERR(ENOSYS));
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_expand_array, &e),
              XERR(EOPNOTSUPP));
    ev2l_set_mask(p, true);
    ev2l_set_pending(p, false);
    EXPECT_EQ(ev_send(p), 0);
    EXPECT_TRUE(ev2l_pending(p));
    ev2l_set_pending(p, false);
    /* ... and FIFO can be chosen again. */
    EXPECT_EQ(fifo_init_vcpu(0), 0);
    EXPECT_EQ(ev_set_priority(p, 3), 0);
}

void guest_main(void)
{
    shinfo_map();
    printf("evtchn_fifo%d: domid %u\n", (int)sizeof(long) * 8, xen.domid);
    run_tests();
}
