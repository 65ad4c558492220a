/*
 * The guest side of the PV console ring (xen/include/public/io/console.h),
 * as Linux's hvc_xen drives it: the page at HVM_PARAM_CONSOLE_PFN, event
 * channel HVM_PARAM_CONSOLE_EVTCHN; writes fill `out` and notify, reads
 * drain `in` and notify.  Waiting is SCHEDOP_poll on the masked port, so
 * no upcall is needed.
 */
#ifndef GUEST_PVCONS_H
#define GUEST_PVCONS_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/io/console.h>

extern struct xencons_interface *pvcons;
extern evtchn_port_t pvcons_port;

/* Find and map the ring (the last page of the 2 MiB vmap window), mask
 * the port; false if the params are missing. */
bool pvcons_init(void);
void pvcons_notify(void);
/* hvc_xen's __write_console: what fits now; -1 for corrupt indices. */
int pvcons_write_some(const char *buf, unsigned int len);
/* Write all of BUF, waiting (10 s at most) for room; false on a timeout
 * or corrupt indices. */
bool pvcons_write(const char *buf, unsigned int len);
int pvcons_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* domU_read_console: up to LEN bytes of input (0: none); -1 corrupt. */
int pvcons_read(char *buf, unsigned int len);
/* Read one line (without its '\n') into BUF, waiting at most TIMEOUT_NS
 * of system time; false on a timeout. */
bool pvcons_read_line(char *buf, unsigned int size, uint64_t timeout_ns);
/* Clear the port's pending bit, then poll it until it is raised again or
 * TIMEOUT_NS passes.  Callers check their condition between the two. */
void pvcons_clear(void);
void pvcons_wait(uint64_t timeout_ns);

#endif
