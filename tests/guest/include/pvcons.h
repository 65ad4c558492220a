/*
 * The PV console of an HVM/PVH domain (lib/pvcons.c), driven as Linux's
 * hvc_xen does: the ring page at HVM_PARAM_CONSOLE_PFN (struct
 * xencons_interface of <xen/io/console.h>), the event channel
 * HVM_PARAM_CONSOLE_EVTCHN; output copied into `out` with the index
 * masked, a write barrier, out_prod published, EVTCHNOP_send; input read
 * from `in` the same way, in_cons published, EVTCHNOP_send.
 *
 * Waiting is SCHEDOP_poll on the masked console port (a masked port still
 * wakes a poll), so no upcall is needed.  When `out` is full the writer
 * waits for the backend to consume, but never forever: after
 * PVCONS_STALL_NS without progress (PVCONS_STALL_BOUND_NS when a backend
 * has bound the port) the rest is dropped, and later writes drop what
 * does not fit at once until the backend moves again.  A guest without a
 * console backend never hangs on its console.  Single vCPU, not
 * reentrant.
 */
#ifndef GUEST_PVCONS_H
#define GUEST_PVCONS_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "lib.h"
#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/io/console.h>

/* How long a full ring may make no progress before output is dropped:
 * nobody bound the console port / a backend did. */
#define PVCONS_STALL_NS       (1000ull * 1000000ull)
#define PVCONS_STALL_BOUND_NS (10000ull * 1000000ull)

/* The ring (NULL until pvcons_init() found it) and its port, for guests
 * that look at the indices themselves. */
extern struct xencons_interface *pvcons;
extern evtchn_port_t pvcons_port;

/* Finds and maps the ring (a fixed page of the vmap window: it lies above
 * the identity-mapped GiB) and masks its port; false if the params are 0
 * (no PV console for this domain), as xen_hvm_console_init() treats them. */
bool pvcons_init(void);
bool pvcons_present(void);
/* True while a backend has the console port bound (EVTCHNOP_status says
 * interdomain), as xenconsoled and the VMM's backend do. */
bool pvcons_connected(void);
void pvcons_notify(void);

/* hvc_xen's __write_console: what fits now, notified; -XEN_EIO for
 * corrupt indices. */
int pvcons_write_some(const char *buf, unsigned int len);
/* Raw bytes; returns how many went into the ring (len unless the backend
 * stalled), -XEN_EIO for a corrupt ring, -XEN_ENOTCONN without one. */
int pvcons_write(const void *buf, size_t len);
/* Raw formatted output (up to 255 bytes): the length, or negative if not
 * all of it went out. */
int pvcons_printf(const char *fmt, ...) __printf(1, 2);
/* Console text: each "\n" goes out as "\r\n", as Linux's console output
 * does, so a terminal in raw mode (xl console) shows lines.  Return the
 * bytes written. */
int pvcons_puts_crlf(const char *s);
int pvcons_printf_crlf(const char *fmt, ...) __printf(1, 2);
/* Waits (bounded) until the backend consumed all output; true if it did. */
bool pvcons_flush(uint64_t timeout_ns);
/* Bytes dropped because the backend stalled. */
uint64_t pvcons_dropped(void);

/* domU_read_console: up to len bytes of input, without waiting (0: none);
 * -XEN_EIO for corrupt indices. */
int pvcons_read(char *buf, unsigned int len);
/* One line (without its '\n') into buf, waiting at most timeout_ns of
 * system time; false on a timeout. */
bool pvcons_read_line(char *buf, unsigned int size, uint64_t timeout_ns);

/* Clear the port's pending bit, then poll it until it is raised again or
 * timeout_ns passes.  Callers check their condition between the two. */
void pvcons_clear(void);
void pvcons_wait(uint64_t timeout_ns);

#endif
