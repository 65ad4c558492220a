/* hypercalls{32,64}.elf: every test in hypercalls/ against the Xen ABI. */
#include "hc.h"

unsigned int free_port(void)
{
    uint64_t store = 0, console = 0;
    unsigned int p = 9;

    hvm_get_param(HVM_PARAM_STORE_EVTCHN, &store);
    hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &console);
    while (p == store || p == console)
        p++;
    return p;
}

void guest_main(void)
{
    printf("hypercalls%d: Xen %u.%u (CPUID 0x%x), vcpu %u, domid %u, "
           "%s paging\n", (int)sizeof(long) * 8, xen.version >> 16,
           xen.version & 0xffff, xen.base, xen.vcpu_id, xen.domid,
           paging_mode_name());
    run_tests();
}
