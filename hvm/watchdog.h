/* SCHEDOP_watchdog: the domain's watchdog timers, which shut the domain
 * down with SHUTDOWN_watchdog when they expire (Xen's domain_watchdog). */
#ifndef XK_WATCHDOG_H
#define XK_WATCHDOG_H

#include <stdint.h>

struct vm;

#define XK_NR_WATCHDOGS 2   /* NR_DOMAIN_WATCHDOG_TIMERS */

/* id 0 allocates a timer (returns its id + 1, or -ENOSPC); id N re-arms
 * timer N-1 for TIMEOUT seconds, or frees it when TIMEOUT is 0. */
long watchdog_op(struct vm *vm, uint32_t id, uint32_t timeout);
/* Stop the timer thread, if one was started (vm_destroy). */
void watchdog_destroy(struct vm *vm);

#endif
