/*
 * evtchn{32,64}.elf: event channel operations with the 2-level ABI, their
 * error paths, timers, runstate, and each upcall delivery method.
 * Run with no options (one vCPU, the default port limit 1023).
 * Link order is run order; cases that change delivery for good (the
 * per-vCPU upcall vector) and EVTCHNOP_reset come last.
 */
#include "ev.h"

void guest_main(void)
{
    shinfo_map();
    printf("evtchn%d: Xen %u.%u, vcpu %u, domid %u, %u-bit event words\n",
           (int)sizeof(long) * 8, xen.version >> 16, xen.version & 0xffff,
           xen.vcpu_id, xen.domid, (unsigned int)EV_2L_BITS);
    run_tests();
}
