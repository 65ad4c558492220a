/*
 * shutdown_code64.elf: SCHEDOP_shutdown_code(reboot), then
 * SCHEDOP_shutdown(poweroff).  Xen keeps the first recorded code
 * (xen/common/sched/core.c SCHEDOP_shutdown_code and domain_shutdown() in
 * xen/common/domain.c), so the domain ends as a reboot.
 */
#include "lib.h"
#include "hypercall.h"
#include "xen_guest.h"

void guest_main(void)
{
    struct sched_shutdown s = { .reason = SHUTDOWN_reboot };
    long rc;

    printf("shutdown_code: code reboot, then shutdown poweroff; expect reboot\n");
    rc = HYPERVISOR_sched_op(SCHEDOP_shutdown_code, &s);
    if (rc != 0) {
        printf("shutdown_code: SCHEDOP_shutdown_code returned %ld\n", rc);
        guest_shutdown(SHUTDOWN_crash);
    }
    sched_shutdown(SHUTDOWN_poweroff);
    printf("shutdown_code: shutdown returned\n");
    guest_shutdown(SHUTDOWN_crash);
}
