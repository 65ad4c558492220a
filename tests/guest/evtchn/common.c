/* Helpers shared by the event channel test guests. */
#include "ev.h"

uint64_t ms_since(uint64_t t0)
{
    return udiv64(xen_system_time() - t0, 1000000, NULL);
}

bool spin_until_change(volatile uint32_t *v, uint32_t old, unsigned int ms)
{
    uint64_t end = xen_system_time() + ms * MS;

    while (*v == old && xen_system_time() < end)
        cpu_relax();
    return *v != old;
}

void spin_ms(unsigned int ms)
{
    uint64_t end = xen_system_time() + ms * MS;

    while (xen_system_time() < end)
        cpu_relax();
}

void irq_window(unsigned int ms)
{
    sti();
    spin_ms(ms);
    cli();
}

evtchn_port_t ipi_port(void)
{
    evtchn_port_t p = 0;

    if (ev_bind_ipi(0, &p) != 0)
        return 0;
    ev2l_set_mask(p, false);
    ev_quiesce(p, 0);
    return p;
}

bool send_and_wait(evtchn_port_t p)
{
    uint32_t before = evtchn_count[p];
    bool ok;

    if (ev_send(p) != 0)
        return false;
    sti();
    ok = spin_until_change(&evtchn_count[p], before, 200);
    cli();
    return ok;
}

void close_range(evtchn_port_t first, evtchn_port_t last)
{
    evtchn_port_t p;

    for (p = first; p <= last; p++) {
        long st = ev_state(p);
        if (st > EVTCHNSTAT_closed)
            ev_close(p);
    }
}

void ev_unmask_local(evtchn_port_t port)
{
    if (fifo_active())
        fifo_unmask(port);
    else
        ev2l_set_mask(port, false);
}

void ev_quiesce(evtchn_port_t port, unsigned int vcpu)
{
    struct vcpu_info *vi = ev_vcpu_info(vcpu);

    ev2l_set_pending(port, false);
    WRITE_ONCE(vi->evtchn_pending_sel, 0);
    WRITE_ONCE(vi->evtchn_upcall_pending, 0);
}
