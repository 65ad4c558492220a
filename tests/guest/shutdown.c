/*
 * shutdown_<reason>64.elf: print one line, then SCHEDOP_shutdown with that
 * reason; the host checks the VMM's exit status.  Built once per reason
 * with -DREASON_<name> (see Makefile.am).
 */
#include "lib.h"
#include "hypercall.h"
#include "xen_guest.h"

#if defined(REASON_reboot)
#define REASON SHUTDOWN_reboot
#define REASON_NAME "SHUTDOWN_reboot"
#elif defined(REASON_crash)
#define REASON SHUTDOWN_crash
#define REASON_NAME "SHUTDOWN_crash"
#elif defined(REASON_suspend)
#define REASON SHUTDOWN_suspend
#define REASON_NAME "SHUTDOWN_suspend"
#elif defined(REASON_watchdog)
#define REASON SHUTDOWN_watchdog
#define REASON_NAME "SHUTDOWN_watchdog"
#elif defined(REASON_softreset)
#define REASON SHUTDOWN_soft_reset
#define REASON_NAME "SHUTDOWN_soft_reset"
#else
#error "build with -DREASON_<reboot|crash|suspend|watchdog|softreset>"
#endif

void guest_main(void)
{
    long rc;

    printf("shutdown: SCHEDOP_shutdown(%s = %d)\n", REASON_NAME, REASON);
    rc = sched_shutdown(REASON);
    /* Only suspend may return (Xen resumes a suspended guest with 1 or 0
     * after the toolstack acts); nothing else should get here. */
    printf("shutdown: returned %ld\n", rc);
    guest_shutdown(SHUTDOWN_crash);
}
