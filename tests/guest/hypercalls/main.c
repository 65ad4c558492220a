/* hypercalls{32,64}.elf: every test in hypercalls/ against the Xen ABI. */
#include "hc.h"

unsigned int poll_port(void)
{
    static evtchn_port_t a, b;

    /* SCHEDOP_poll on a free port is -EINVAL (Xen 4.17 evtchn_port_poll:
     * only usable ports can be polled), so the poll tests use two bound
     * IPI ports, a and a + 1, masked so that nothing is ever delivered. */
    if (!a) {
        struct evtchn_bind_ipi ipi = { .vcpu = 0 };
        struct shared_info *s = shinfo_map();
        const unsigned int bits = sizeof(xen_ulong_t) * 8;

        if (HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &ipi) == 0)
            a = ipi.port;
        if (HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &ipi) == 0)
            b = ipi.port;
        if (!a || b != a + 1)
            printf("poll_port: IPI ports %u and %u are not adjacent\n", a, b);
        if (a) {
            s->evtchn_mask[a / bits] |= (xen_ulong_t)1 << (a % bits);
            s->evtchn_mask[(a + 1) / bits] |= (xen_ulong_t)1 << ((a + 1) % bits);
        }
    }
    return a ? a : 9;
}

void guest_main(void)
{
    printf("hypercalls%d: Xen %u.%u (CPUID 0x%x), vcpu %u, domid %u, "
           "%s paging\n", (int)sizeof(long) * 8, xen.version >> 16,
           xen.version & 0xffff, xen.base, xen.vcpu_id, xen.domid,
           paging_mode_name());
    run_tests();
}
