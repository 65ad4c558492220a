/* hypercalls{32,64}.elf: every test in hypercalls/ against the Xen ABI. */
#include "hc.h"

/* Two bound, idle ports (p and p + 1): SCHEDOP_poll takes only ports in
 * use (Xen 4.17's evtchn_port_poll says -EINVAL for a free one). */
unsigned int idle_port(void)
{
    static unsigned int port;
    struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };

    if (!port) {
        if (HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &a) == 0)
            port = a.port;
        a.port = 0;
        if (HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &a) != 0 ||
            a.port != port + 1)
            port = 0;
    }
    return port;
}

void guest_main(void)
{
    printf("hypercalls%d: Xen %u.%u (CPUID 0x%x), vcpu %u, domid %u, "
           "%s paging\n", (int)sizeof(long) * 8, xen.version >> 16,
           xen.version & 0xffff, xen.base, xen.vcpu_id, xen.domid,
           paging_mode_name());
    run_tests();
}
