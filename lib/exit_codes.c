/* Both directions of the VMM's exit-status contract (exit_codes.h). */
#include <xen/sched.h>

#include "exit_codes.h"

int xk_exit_for_shutdown(unsigned int reason)
{
    switch (reason) {
    case SHUTDOWN_poweroff:   return XK_EXIT_POWEROFF;
    case SHUTDOWN_reboot:     return XK_EXIT_REBOOT;
    case SHUTDOWN_suspend:    return XK_EXIT_SUSPEND;
    case SHUTDOWN_crash:      return XK_EXIT_CRASH;
    case SHUTDOWN_watchdog:   return XK_EXIT_WATCHDOG;
    case SHUTDOWN_soft_reset: return XK_EXIT_SOFT_RESET;
    default:                  return XK_EXIT_CRASH;
    }
}

int xk_shutdown_for_exit(int status)
{
    switch (status) {
    case XK_EXIT_POWEROFF: return SHUTDOWN_poweroff;
    case XK_EXIT_REBOOT: return SHUTDOWN_reboot;
    case XK_EXIT_SUSPEND: return SHUTDOWN_suspend;
    case XK_EXIT_CRASH: return SHUTDOWN_crash;
    case XK_EXIT_WATCHDOG: return SHUTDOWN_watchdog;
    case XK_EXIT_SOFT_RESET: return SHUTDOWN_soft_reset;
    /* Xen's default HVM_PARAM_TRIPLE_FAULT_REASON is SHUTDOWN_reboot. */
    case XK_EXIT_TRIPLE_FAULT: return SHUTDOWN_reboot;
    /* KVM could not go on, or the VMM failed: Xen's domain_crash(). */
    case XK_EXIT_INTERNAL:
    case XK_EXIT_VMM_ERROR: return SHUTDOWN_crash;
    default: return -1;     /* stopped from outside: destroyed */
    }
}
