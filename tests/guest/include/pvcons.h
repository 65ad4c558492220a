/*
 * The PV console of an HVM/PVH domain (lib/pvcons.c), written as Linux's
 * hvc_xen does: the ring page at HVM_PARAM_CONSOLE_PFN (struct
 * xencons_interface), the event channel HVM_PARAM_CONSOLE_EVTCHN; output
 * copied into `out` with the index masked, a write barrier, out_prod
 * published, EVTCHNOP_send.  Input is read from `in` the same way.
 *
 * When `out` is full the writer sleeps in SCHEDOP_poll on the (masked)
 * console port until the backend consumes, but for at most PVCONS_STALL_NS
 * without progress: then the rest is dropped, and later writes drop what
 * does not fit at once until the backend moves again.  A guest without a
 * console backend never hangs on its console.  Single vCPU, not reentrant.
 */
#ifndef GUEST_PVCONS_H
#define GUEST_PVCONS_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "lib.h"
#include <xen/xen.h>
#include <xen/event_channel.h>

#define PVCONS_STALL_NS (1000ull * 1000000ull)

/* Finds and maps the ring and masks its port; false if the params are 0
 * (no PV console for this domain). */
bool pvcons_init(void);
bool pvcons_present(void);
evtchn_port_t pvcons_port(void);
/* True once a backend bound the console port (EVTCHNOP_status says
 * interdomain), as xenconsoled does when it connects. */
bool pvcons_connected(void);

/* Raw bytes; returns how many went into the ring (len unless the backend
 * stalled), or -XEN_EIO for a corrupt ring, -XEN_ENOTCONN without one. */
int pvcons_write(const void *buf, size_t len);
/* Text: each "\n" goes out as "\r\n", as Linux's console output does. */
int pvcons_puts(const char *s);
int pvcons_printf(const char *fmt, ...) __printf(1, 2);
/* Waits (bounded) until the backend consumed all output; true if it did. */
bool pvcons_flush(uint64_t timeout_ns);
/* Bytes dropped because the backend stalled. */
uint64_t pvcons_dropped(void);

/* Takes up to len bytes of input, without waiting; returns the count. */
int pvcons_read(char *buf, size_t len);

#endif
