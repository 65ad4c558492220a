/*
 * EVTCHNOP_* with the 2-level ABI: xen/common/event_channel.c
 * (do_event_channel_op, evtchn_alloc_unbound, evtchn_bind_interdomain,
 * evtchn_bind_virq, evtchn_bind_ipi, evtchn_bind_pirq, evtchn_close,
 * evtchn_send, evtchn_status, evtchn_bind_vcpu, evtchn_unmask) and
 * xen/common/event_2l.c (evtchn_2l_set_pending, evtchn_2l_unmask).
 * Every case closes the ports it opened, so "first free port" is 3.
 */
#include "ev.h"

static domid_t self_id(void)
{
    return xen.has_domid ? xen.domid : 1;
}

TEST(ev_boot_ports)
{
    uint64_t store = 0, console = 0;
    struct evtchn_status st;
    evtchn_port_t p;

    /* The toolstack leaves the store and console ports allocated and
     * unbound towards dom0 (or bound by a dom0 backend). */
    EXPECT_EQ(hvm_get_param(HVM_PARAM_STORE_EVTCHN, &store), 0);
    EXPECT_EQ(hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &console), 0);
    EXPECT_EQ(store, 1);
    EXPECT_EQ(console, 2);
    for (p = 1; p <= 2; p++) {
        REQUIRE(EXPECT_EQ(ev_status(DOMID_SELF, p, &st), 0));
        EXPECT_TRUE(st.status == EVTCHNSTAT_unbound ||
                    st.status == EVTCHNSTAT_interdomain);
        /* u.unbound.dom and u.interdomain.dom share the first field. */
        EXPECT_EQ(st.u.unbound.dom, 0);
    }
}

TEST(ev_port0_reserved)
{
    struct evtchn_status st;

    /* evtchn_init() marks port 0 ECS_RESERVED: status says closed, the
     * other ops see a port that cannot be used. */
    REQUIRE(EXPECT_EQ(ev_status(DOMID_SELF, 0, &st), 0));
    EXPECT_EQ(st.status, EVTCHNSTAT_closed);
    EXPECT_EQ(st.vcpu, 0);
    EXPECT_EQ(ev_close(0), XERR(EINVAL));
    EXPECT_EQ(ev_send(0), XERR(EINVAL));
    EXPECT_EQ(ev_bind_vcpu(0, 0), XERR(EINVAL));
    /* evtchn_unmask(): a valid port, nothing to do: 0. */
    EXPECT_EQ(ev_unmask(0), 0);
}

TEST(ev_alloc_unbound_first_free)
{
    evtchn_port_t a = 0, b = 0, c = 0;
    struct evtchn_status st;

    /* get_free_port() takes the lowest free port. */
    REQUIRE(EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, 0, &a), 0));
    EXPECT_EQ(a, 3);
    REQUIRE(EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, 0, &b), 0));
    EXPECT_EQ(b, 4);
    EXPECT_EQ(ev_status(DOMID_SELF, a, &st), 0);
    EXPECT_EQ(st.status, EVTCHNSTAT_unbound);
    EXPECT_EQ(st.vcpu, 0);
    EXPECT_EQ(st.u.unbound.dom, 0);
    EXPECT_EQ(ev_close(a), 0);
    EXPECT_EQ(ev_state(a), EVTCHNSTAT_closed);
    /* Closed twice: the port is free, -EINVAL. */
    EXPECT_EQ(ev_close(a), XERR(EINVAL));
    /* The freed port is reused first. */
    REQUIRE(EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, 0, &c), 0));
    EXPECT_EQ(c, a);
    EXPECT_EQ(ev_close(c), 0);
    EXPECT_EQ(ev_close(b), 0);
}

TEST(ev_alloc_unbound_remote_self_and_own_id)
{
    evtchn_port_t a = 0, b = 0;
    struct evtchn_status st;

    /* remote_dom DOMID_SELF is recorded as the caller's own domid. */
    REQUIRE(EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, DOMID_SELF, &a), 0));
    EXPECT_EQ(ev_status(DOMID_SELF, a, &st), 0);
    EXPECT_EQ(st.status, EVTCHNSTAT_unbound);
    EXPECT_EQ(st.u.unbound.dom, self_id());
    /* dom may name the caller by its number too (rcu_lock_domain_by_any_id),
     * and status may too. */
    REQUIRE(EXPECT_EQ(ev_alloc_unbound(self_id(), 0, &b), 0));
    EXPECT_EQ(ev_status(self_id(), b, &st), 0);
    EXPECT_EQ(st.status, EVTCHNSTAT_unbound);
    EXPECT_EQ(ev_close(a), 0);
    EXPECT_EQ(ev_close(b), 0);
}

TEST(ev_alloc_unbound_remote_not_checked)
{
    evtchn_port_t a = 0;
    struct evtchn_status st;

    /* The remote domain need not exist: it is only recorded. */
    REQUIRE(EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, NO_SUCH_DOMID, &a), 0));
    EXPECT_EQ(ev_status(DOMID_SELF, a, &st), 0);
    EXPECT_EQ(st.status, EVTCHNSTAT_unbound);
    EXPECT_EQ(st.u.unbound.dom, NO_SUCH_DOMID);
    EXPECT_EQ(ev_close(a), 0);
}

TEST(ev_alloc_unbound_errors)
{
    evtchn_port_t p = 0;

    EXPECT_EQ(ev_alloc_unbound(NO_SUCH_DOMID, 0, &p), XERR(ESRCH));
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, BAD_PTR),
              XERR(EFAULT));
    /* Nothing leaked: the next allocation still gets port 3. */
    REQUIRE(EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, 0, &p), 0));
    EXPECT_EQ(p, 3);
    EXPECT_EQ(ev_close(p), 0);
}

TEST(ev_alloc_unbound_in_dom0_eperm)
{
    evtchn_port_t p = 0;

    /* Dom0 always exists; allocating in it needs XSM_TARGET privilege
     * (xsm_evtchn_unbound), which a domU lacks. */
    EXPECT_EQ(ev_alloc_unbound(0, 0, &p), XERR(EPERM));
    /* The port tentatively taken in dom0 is given back; ours untouched. */
    REQUIRE(EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, 0, &p), 0));
    EXPECT_EQ(p, 3);
    EXPECT_EQ(ev_close(p), 0);
}

TEST(ev_status_errors)
{
    struct evtchn_status st;

    EXPECT_EQ(ev_status(NO_SUCH_DOMID, 1, &st), XERR(ESRCH));
    EXPECT_EQ(ev_status(DOMID_SELF, HUGE_PORT, &st), XERR(EINVAL));
    EXPECT_EQ(ev_status(DOMID_SELF, EVTCHN_2L_NR_CHANNELS, &st), XERR(EINVAL));
    /* A free port in an allocated bucket is "closed". */
    REQUIRE(EXPECT_EQ(ev_status(DOMID_SELF, FREE_PORT, &st), 0));
    EXPECT_EQ(st.status, EVTCHNSTAT_closed);
    EXPECT_EQ(st.vcpu, 0);
    /* Another domain's ports: XSM_TARGET, -EPERM for a domU. */
    EXPECT_EQ(ev_status(0, 1, &st), XERR(EPERM));
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_status, BAD_PTR),
              XERR(EFAULT));
}

TEST(ev_port_beyond_allocated_bucket)
{
    struct evtchn_status st;

    /* port_is_valid() is "port < d->valid_evtchns": only buckets (64
     * ports) that get_free_port() allocated are valid.  A fresh domain
     * using a handful of ports has just the first, so port 1000 (below
     * the 1023 limit) is not a port yet: every op says -EINVAL. */
    EXPECT_EQ(ev_status(DOMID_SELF, UNALLOCATED_PORT, &st), XERR(EINVAL));
    EXPECT_EQ(ev_close(UNALLOCATED_PORT), XERR(EINVAL));
    EXPECT_EQ(ev_send(UNALLOCATED_PORT), XERR(EINVAL));
    EXPECT_EQ(ev_unmask(UNALLOCATED_PORT), XERR(EINVAL));
    EXPECT_EQ(ev_bind_vcpu(UNALLOCATED_PORT, 0), XERR(EINVAL));
}

TEST(ev_loopback_interdomain)
{
    evtchn_port_t a = 0, b = 0;
    struct evtchn_status st;
    struct vcpu_info *vi = ev_vcpu_info(0);

    cli();
    REQUIRE(EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, DOMID_SELF, &a), 0));
    ev2l_set_mask(a, false);
    ev_quiesce(a, 0);
    REQUIRE(EXPECT_EQ(ev_bind_interdomain(DOMID_SELF, a, &b), 0));
    EXPECT_EQ(b, a + 1);
    ev2l_set_mask(b, false);
    EXPECT_EQ(ev_status(DOMID_SELF, a, &st), 0);
    EXPECT_EQ(st.status, EVTCHNSTAT_interdomain);
    EXPECT_EQ(st.u.interdomain.dom, self_id());
    EXPECT_EQ(st.u.interdomain.port, b);
    EXPECT_EQ(ev_status(DOMID_SELF, b, &st), 0);
    EXPECT_EQ(st.status, EVTCHNSTAT_interdomain);
    EXPECT_EQ(st.u.interdomain.dom, self_id());
    EXPECT_EQ(st.u.interdomain.port, a);
    /* evtchn_bind_interdomain() conservatively sets the new local port
     * pending (notifications to the unbound port may have been lost). */
    EXPECT_TRUE(ev2l_pending(b));
    EXPECT_TRUE(!ev2l_pending(a));

    /* send on one end makes the other pending, with its selector bit and
     * the vCPU's upcall flag (the port is unmasked). */
    ev_quiesce(b, 0);
    EXPECT_EQ(ev_send(a), 0);
    EXPECT_TRUE(ev2l_pending(b));
    EXPECT_TRUE(!ev2l_pending(a));
    EXPECT_TRUE(ev2l_sel(0, b));
    EXPECT_EQ(vi->evtchn_upcall_pending, 1);
    ev_quiesce(b, 0);
    EXPECT_EQ(ev_send(b), 0);
    EXPECT_TRUE(ev2l_pending(a));
    EXPECT_TRUE(!ev2l_pending(b));
    ev_quiesce(a, 0);

    /* Closing one end leaves the other unbound towards us; a send there
     * is silently dropped (returns 0). */
    EXPECT_EQ(ev_close(a), 0);
    EXPECT_EQ(ev_status(DOMID_SELF, b, &st), 0);
    EXPECT_EQ(st.status, EVTCHNSTAT_unbound);
    EXPECT_EQ(st.u.unbound.dom, self_id());
    EXPECT_EQ(ev_send(b), 0);
    EXPECT_TRUE(!ev2l_pending(a));
    EXPECT_TRUE(!ev2l_pending(b));
    /* It can be bound again. */
    a = 0;
    EXPECT_EQ(ev_bind_interdomain(DOMID_SELF, b, &a), 0);
    EXPECT_EQ(ev_state(b), EVTCHNSTAT_interdomain);
    close_range(3, 10);
    ev_quiesce(a, 0);
    ev_quiesce(b, 0);
}

TEST(ev_bind_interdomain_errors)
{
    evtchn_port_t u = 0, x = 0, ipi = 0, l = 0;

    EXPECT_EQ(ev_bind_interdomain(NO_SUCH_DOMID, 1, &l), XERR(ESRCH));
    /* Remote port invalid, free, or not unbound: -EINVAL. */
    EXPECT_EQ(ev_bind_interdomain(DOMID_SELF, HUGE_PORT, &l), XERR(EINVAL));
    EXPECT_EQ(ev_bind_interdomain(DOMID_SELF, FREE_PORT, &l), XERR(EINVAL));
    EXPECT_EQ(ev_bind_interdomain(DOMID_SELF, 0, &l), XERR(EINVAL));
    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &ipi), 0));
    EXPECT_EQ(ev_bind_interdomain(DOMID_SELF, ipi, &l), XERR(EINVAL));
    /* An unbound port offered to another domain cannot be taken: its
     * remote_domid must be the binder's (the permission check). */
    REQUIRE(EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, NO_SUCH_DOMID, &x), 0));
    EXPECT_EQ(ev_bind_interdomain(DOMID_SELF, x, &l), XERR(EINVAL));
    REQUIRE(EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, 0, &u), 0));
    EXPECT_EQ(ev_bind_interdomain(DOMID_SELF, u, &l), XERR(EINVAL));
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, BAD_PTR),
              XERR(EFAULT));
    /* The local ports taken for the failed attempts were given back. */
    EXPECT_EQ(ev_state(u + 1), EVTCHNSTAT_closed);
    EXPECT_EQ(ev_close(ipi), 0);
    EXPECT_EQ(ev_close(x), 0);
    EXPECT_EQ(ev_close(u), 0);
}

TEST(ev_bind_interdomain_already_bound)
{
    evtchn_port_t a = 0, b = 0, c = 0;

    REQUIRE(EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, DOMID_SELF, &a), 0));
    REQUIRE(EXPECT_EQ(ev_bind_interdomain(DOMID_SELF, a, &b), 0));
    /* a is interdomain now, no longer unbound. */
    EXPECT_EQ(ev_bind_interdomain(DOMID_SELF, a, &c), XERR(EINVAL));
    EXPECT_EQ(ev_close(b), 0);
    EXPECT_EQ(ev_close(a), 0);
    ev_quiesce(a, 0);
    ev_quiesce(b, 0);
}

TEST(ev_bind_virq_all)
{
    evtchn_port_t port[NR_VIRQS];
    struct evtchn_status st;
    unsigned int v;

    /* 4.17 lets a domU bind every VIRQ number below NR_VIRQS (on vCPU 0;
     * global ones only there). */
    for (v = 0; v < NR_VIRQS; v++) {
        port[v] = 0;
        if (!EXPECT_EQ(ev_bind_virq(v, 0, &port[v]), 0))
            break;
        EXPECT_EQ(ev_status(DOMID_SELF, port[v], &st), 0);
        EXPECT_EQ(st.status, EVTCHNSTAT_virq);
        EXPECT_EQ(st.u.virq, v);
        EXPECT_EQ(st.vcpu, 0);
    }
    EXPECT_EQ(port[0], 3);
    close_range(3, 3 + NR_VIRQS);
}

TEST(ev_bind_virq_errors)
{
    evtchn_port_t p = 0, q = 0;

    EXPECT_EQ(ev_bind_virq(NR_VIRQS, 0, &p), XERR(EINVAL));
    EXPECT_EQ(ev_bind_virq(0xffffffffu, 0, &p), XERR(EINVAL));
    /* Global VIRQs only on vCPU 0: -EINVAL before the vCPU is looked up. */
    EXPECT_EQ(ev_bind_virq(VIRQ_CONSOLE, 1, &p), XERR(EINVAL));
    EXPECT_EQ(ev_bind_virq(VIRQ_ARCH_0, 4000, &p), XERR(EINVAL));
    /* Per-vCPU VIRQs on a vCPU that does not exist: -ENOENT. */
    EXPECT_EQ(ev_bind_virq(VIRQ_TIMER, 4000, &p), XERR(ENOENT));
    EXPECT_EQ(ev_bind_virq(VIRQ_DEBUG, 1, &p), XERR(ENOENT));
    /* Bound twice: -EEXIST; after close it can be bound again. */
    REQUIRE(EXPECT_EQ(ev_bind_virq(VIRQ_DEBUG, 0, &p), 0));
    EXPECT_EQ(ev_bind_virq(VIRQ_DEBUG, 0, &q), XERR(EEXIST));
    EXPECT_EQ(ev_send(p), XERR(EINVAL)); /* no send on a VIRQ port */
    EXPECT_EQ(ev_close(p), 0);
    REQUIRE(EXPECT_EQ(ev_bind_virq(VIRQ_DEBUG, 0, &q), 0));
    EXPECT_EQ(q, p);
    EXPECT_EQ(ev_close(q), 0);
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, BAD_PTR),
              XERR(EFAULT));
}

TEST(ev_bind_ipi)
{
    evtchn_port_t p = 0, q = 0;
    struct evtchn_status st;

    cli();
    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &p), 0));
    EXPECT_EQ(p, 3);
    EXPECT_EQ(ev_status(DOMID_SELF, p, &st), 0);
    EXPECT_EQ(st.status, EVTCHNSTAT_ipi);
    EXPECT_EQ(st.vcpu, 0);
    ev2l_set_mask(p, false);
    ev_quiesce(p, 0);
    EXPECT_EQ(ev_send(p), 0);
    EXPECT_TRUE(ev2l_pending(p));
    EXPECT_TRUE(ev2l_sel(0, p));
    EXPECT_EQ(ev_vcpu_info(0)->evtchn_upcall_pending, 1);
    ev_quiesce(p, 0);
    EXPECT_EQ(ev_bind_ipi(1, &q), XERR(ENOENT));
    EXPECT_EQ(ev_bind_ipi(4000, &q), XERR(ENOENT));
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, BAD_PTR),
              XERR(EFAULT));
    /* Closing clears the port's pending bit (evtchn_free). */
    ev2l_set_mask(p, true);
    EXPECT_EQ(ev_send(p), 0);
    EXPECT_TRUE(ev2l_pending(p));
    EXPECT_EQ(ev_close(p), 0);
    EXPECT_TRUE(!ev2l_pending(p));
    ev2l_set_mask(p, false);
}

TEST(ev_bind_pirq)
{
    evtchn_port_t p = 0, q = 0;
    struct evtchn_status st;

    /* HVM: bind_pirq needs no access check and no real IRQ
     * (pirq_guest_bind is PV-only); pirq < d->nr_pirqs, which is at least
     * 16 static IRQs + 32 extra_guest_irqs on any host. */
    REQUIRE(EXPECT_EQ(ev_bind_pirq(10, 0, &p), 0));
    EXPECT_EQ(ev_status(DOMID_SELF, p, &st), 0);
    EXPECT_EQ(st.status, EVTCHNSTAT_pirq);
    EXPECT_EQ(st.u.pirq, 10);
    EXPECT_EQ(ev_bind_pirq(10, 0, &q), XERR(EEXIST));
    EXPECT_EQ(ev_send(p), XERR(EINVAL));
    EXPECT_EQ(ev_bind_vcpu(p, 0), 0);
    EXPECT_EQ(ev_close(p), 0);
    EXPECT_EQ(ev_bind_pirq(HUGE_PORT, 0, &q), XERR(EINVAL));
    EXPECT_EQ(ev_bind_pirq(1u << 20, 0, &q), XERR(EINVAL));
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_bind_pirq, BAD_PTR),
              XERR(EFAULT));
}

TEST(ev_close_errors)
{
    EXPECT_EQ(ev_close(FREE_PORT), XERR(EINVAL));
    EXPECT_EQ(ev_close(HUGE_PORT), XERR(EINVAL));
    EXPECT_EQ(ev_close(EVTCHN_2L_NR_CHANNELS), XERR(EINVAL));
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_close, BAD_PTR),
              XERR(EFAULT));
}

TEST(ev_send_errors)
{
    evtchn_port_t u = 0;

    EXPECT_EQ(ev_send(FREE_PORT), XERR(EINVAL));
    EXPECT_EQ(ev_send(HUGE_PORT), XERR(EINVAL));
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_send, BAD_PTR),
              XERR(EFAULT));
    /* Unbound: the notification is dropped, rc 0. */
    REQUIRE(EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, 0, &u), 0));
    ev2l_set_pending(u, false);
    EXPECT_EQ(ev_send(u), 0);
    EXPECT_TRUE(!ev2l_pending(u));
    EXPECT_EQ(ev_close(u), 0);
}

TEST(ev_bind_vcpu_rules)
{
    evtchn_port_t u = 0, ipi = 0, timer = 0, con = 0, a = 0, b = 0;

    /* The vCPU is checked first, even for a bad port. */
    EXPECT_EQ(ev_bind_vcpu(HUGE_PORT, 1), XERR(ENOENT));
    EXPECT_EQ(ev_bind_vcpu(HUGE_PORT, 0), XERR(EINVAL));
    EXPECT_EQ(ev_bind_vcpu(FREE_PORT, 0), XERR(EINVAL));
    REQUIRE(EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, 0, &u), 0));
    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &ipi), 0));
    REQUIRE(EXPECT_EQ(ev_bind_virq(VIRQ_TIMER, 0, &timer), 0));
    REQUIRE(EXPECT_EQ(ev_bind_virq(VIRQ_CONSOLE, 0, &con), 0));
    REQUIRE(EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, DOMID_SELF, &a), 0));
    REQUIRE(EXPECT_EQ(ev_bind_interdomain(DOMID_SELF, a, &b), 0));
    /* Unbound, interdomain, global VIRQ (and PIRQ): may move. */
    EXPECT_EQ(ev_bind_vcpu(u, 0), 0);
    EXPECT_EQ(ev_bind_vcpu(b, 0), 0);
    EXPECT_EQ(ev_bind_vcpu(con, 0), 0);
    /* IPI and per-vCPU VIRQ: -EINVAL. */
    EXPECT_EQ(ev_bind_vcpu(ipi, 0), XERR(EINVAL));
    EXPECT_EQ(ev_bind_vcpu(timer, 0), XERR(EINVAL));
    EXPECT_EQ(ev_bind_vcpu(u, 1), XERR(ENOENT));
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_bind_vcpu, BAD_PTR),
              XERR(EFAULT));
    close_range(3, 12);
    ev_quiesce(a, 0);
    ev_quiesce(b, 0);
}

TEST(ev_unmask_2l)
{
    evtchn_port_t p = 0;
    struct vcpu_info *vi = ev_vcpu_info(0);

    cli();
    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &p), 0));
    /* Masked: send sets only the pending bit (no selector, no upcall). */
    ev2l_set_mask(p, true);
    ev_quiesce(p, 0);
    EXPECT_EQ(ev_send(p), 0);
    EXPECT_TRUE(ev2l_pending(p));
    EXPECT_TRUE(!ev2l_sel(0, p));
    EXPECT_EQ(vi->evtchn_upcall_pending, 0);
    /* EVTCHNOP_unmask clears the mask and, the port being pending, sets
     * the selector and upcall flag of the port's vCPU. */
    EXPECT_EQ(ev_unmask(p), 0);
    EXPECT_TRUE(!ev2l_masked(p));
    EXPECT_TRUE(ev2l_sel(0, p));
    EXPECT_EQ(vi->evtchn_upcall_pending, 1);
    ev_quiesce(p, 0);
    /* Unmasking a port that is not pending only clears the mask. */
    ev2l_set_mask(p, true);
    EXPECT_EQ(ev_unmask(p), 0);
    EXPECT_TRUE(!ev2l_masked(p));
    EXPECT_TRUE(!ev2l_sel(0, p));
    EXPECT_EQ(vi->evtchn_upcall_pending, 0);
    EXPECT_EQ(ev_close(p), 0);
}

TEST(ev_unmask_unbound_and_free)
{
    evtchn_port_t u = 0;

    /* An unbound port is usable: its mask bit is cleared. */
    REQUIRE(EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, 0, &u), 0));
    ev2l_set_mask(u, true);
    EXPECT_EQ(ev_unmask(u), 0);
    EXPECT_TRUE(!ev2l_masked(u));
    EXPECT_EQ(ev_close(u), 0);
    /* A free port is valid but not usable (evtchn_usable): rc 0 and the
     * mask bit stays as it is. */
    ev2l_set_mask(FREE_PORT, true);
    EXPECT_EQ(ev_unmask(FREE_PORT), 0);
    EXPECT_TRUE(ev2l_masked(FREE_PORT));
    ev2l_set_mask(FREE_PORT, false);
    EXPECT_EQ(ev_unmask(HUGE_PORT), XERR(EINVAL));
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_unmask, BAD_PTR),
              XERR(EFAULT));
}

TEST(ev_fifo_ops_under_2l)
{
    struct evtchn_expand_array e = { .array_gfn = 0 };
    evtchn_port_t p = 0;

    /* set_priority: invalid port first (-EINVAL), then no 2-level op
     * (-ENOSYS); expand_array without FIFO: -EOPNOTSUPP. */
    EXPECT_EQ(ev_set_priority(HUGE_PORT, 0), XERR(EINVAL));
    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &p), 0));
    EXPECT_EQ(ev_set_priority(p, 0), XERR(ENOSYS));
    EXPECT_EQ(ev_set_priority(FREE_PORT, 0), XERR(ENOSYS));
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_expand_array, &e),
              XERR(EOPNOTSUPP));
    EXPECT_EQ(ev_close(p), 0);
}

TEST(ev_unknown_cmd)
{
    EXPECT_EQ(HYPERVISOR_event_channel_op(99, NULL), XERR(ENOSYS));
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_reset_cont + 1, NULL),
              XERR(ENOSYS));
}

TEST(ev_2l_word_layout)
{
    evtchn_port_t p = 0, last = 0;
    struct vcpu_info *vi = ev_vcpu_info(0);
    unsigned int i;

    /* Port 71: word 1 bit 7 with 64-bit xen_ulong_t, word 2 bit 7 with a
     * 32-bit guest's 32-bit words (the selector bit is the word index). */
    cli();
    for (i = 3; i < 71; i++)
        if (!EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, 0, &last), 0))
            break;
    REQUIRE(EXPECT_EQ(last, 70));
    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &p), 0));
    REQUIRE(EXPECT_EQ(p, 71));
    ev2l_set_mask(p, false);
    ev_quiesce(p, 0);
    EXPECT_EQ(ev_send(p), 0);
    EXPECT_EQ(shared_info->evtchn_pending[71 / EV_2L_BITS],
              (xen_ulong_t)1 << 7);
    EXPECT_EQ(vi->evtchn_pending_sel, (xen_ulong_t)1 << (71 / EV_2L_BITS));
    ev_quiesce(p, 0);
    close_range(3, 71);
}

TEST(ev_poll_ports)
{
    evtchn_port_t p = 0, bad[2];
    uint64_t t0;

    cli();
    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &p), 0));
    ev2l_set_mask(p, true);
    ev_quiesce(p, 0);
    /* evtchn_port_poll(): a free or invalid port is -EINVAL. */
    bad[0] = FREE_PORT;
    EXPECT_EQ(ev_poll(bad, 1, 1), XERR(EINVAL));
    bad[0] = HUGE_PORT;
    EXPECT_EQ(ev_poll(bad, 1, 1), XERR(EINVAL));
    /* The first bad port in the list ends the scan. */
    bad[0] = p;
    bad[1] = FREE_PORT;
    EXPECT_EQ(ev_poll(bad, 2, 1), XERR(EINVAL));
    /* A bound, idle port: the timeout ends the poll. */
    t0 = xen_system_time();
    EXPECT_EQ(ev_poll(&p, 1, t0 + 30 * MS), 0);
    EXPECT_GE(xen_system_time(), t0 + 30 * MS);
    EXPECT_LE(ms_since(t0), 500);
    /* Pending (even masked): returns at once. */
    EXPECT_EQ(ev_send(p), 0);
    t0 = xen_system_time();
    EXPECT_EQ(ev_poll(&p, 1, t0 + 5000 * MS), 0);
    EXPECT_LE(ms_since(t0), 100);
    /* Pending port second in the list: found too (free port first would
     * be -EINVAL, so the idle IPI port is first). */
    bad[0] = p;
    bad[1] = p;
    EXPECT_EQ(ev_poll(bad, 2, 0), 0);
    ev_quiesce(p, 0);
    ev2l_set_mask(p, false);
    EXPECT_EQ(ev_close(p), 0);
}
