/* timer.c: Xen's per-vCPU singleshot and periodic timers (VIRQ_TIMER). */
#ifndef XK_TIMER_H
#define XK_TIMER_H

#include <stdint.h>

#include "vm.h"

/* After events_init (the timers run on the event loop). */
int timers_init(struct vm *vm);
void timers_destroy(struct vm *vm);
/* Singleshot at Xen system time DEADLINE (past: fire now); 0 stops. */
void timer_singleshot(struct vcpu *v, uint64_t deadline);
/* Periodic with PERIOD ns (0 stops); the next tick is a period after
 * periodic_last, so a restored timer carries on where it was. */
void timer_periodic(struct vcpu *v, uint64_t period);

#endif
