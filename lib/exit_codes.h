/* Exit status of the xenkvm VMM process: how the guest ended.  A contract
 * between the VMM (which exits with it) and xl's monitor (which reads it
 * back as a shutdown reason); both mappings live in lib/exit_codes.c.
 * docs/exit-codes.md is the user-facing table; keep them in step. */
#ifndef XK_EXIT_CODES_H
#define XK_EXIT_CODES_H

enum xk_exit {
    XK_EXIT_POWEROFF     = 0,   /* SCHEDOP_shutdown SHUTDOWN_poweroff */
    XK_EXIT_VMM_ERROR    = 1,   /* the VMM failed (KVM error, I/O error) */
    XK_EXIT_USAGE        = 2,   /* bad arguments, unloadable kernel, no memory */
    XK_EXIT_REBOOT       = 10,  /* SHUTDOWN_reboot */
    XK_EXIT_SUSPEND      = 11,  /* SHUTDOWN_suspend */
    XK_EXIT_CRASH        = 12,  /* SHUTDOWN_crash */
    XK_EXIT_WATCHDOG     = 13,  /* SHUTDOWN_watchdog */
    XK_EXIT_SOFT_RESET   = 14,  /* SHUTDOWN_soft_reset */
    XK_EXIT_TRIPLE_FAULT = 20,  /* the guest triple-faulted (Xen: the
                                   shutdown HVM_PARAM_TRIPLE_FAULT_REASON
                                   names, SHUTDOWN_reboot by default) */
    XK_EXIT_INTERNAL     = 21,  /* KVM could not run the guest (internal error,
                                   failed entry, unhandled exit) */
    XK_EXIT_KILLED       = 22,  /* the VMM was asked to stop (SIGTERM/SIGINT) */
};

/* The exit status for a Xen SHUTDOWN_* reason (unknown reasons: crash). */
int xk_exit_for_shutdown(unsigned int reason);
/* The SHUTDOWN_* reason a VMM exit status reports, or -1 for a VMM stopped
 * from outside (killed, bad arguments): the domain was destroyed. */
int xk_shutdown_for_exit(int status);

#endif
