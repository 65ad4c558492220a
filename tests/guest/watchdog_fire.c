/*
 * watchdog_fire64.elf: arm a 1-second SCHEDOP_watchdog and wait for it.
 * Xen's domain_watchdog_timeout() shuts the domain down with
 * SHUTDOWN_watchdog, so the VMM must end with status 13; a domain still
 * running after 5 s crashes instead.
 */
#include "lib.h"
#include "x86.h"
#include "hypercall.h"
#include "xen_guest.h"

void guest_main(void)
{
    struct sched_watchdog w = { .id = 0, .timeout = 1 };
    long id = HYPERVISOR_sched_op(SCHEDOP_watchdog, &w);
    uint64_t t0 = rdtsc();

    printf("watchdog_fire: armed watchdog %ld for 1 s\n", id);
    if (id < 1)
        guest_shutdown(SHUTDOWN_crash);
    /* Yield (an exit each time) until the watchdog ends the domain. */
    while (rdtsc() - t0 < tsc_khz * 5000)   /* tsc_khz: a 2 GHz guess */
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    printf("watchdog_fire: still running after 5 s\n");
    guest_shutdown(SHUTDOWN_crash);
}
