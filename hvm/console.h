/* The guest's PV console, served inside the VMM as domain 0's backend
 * (xenconsoled's part): the ring page at HVM_PARAM_CONSOLE_PFN and event
 * channel XK_CONSOLE_PORT.  Output goes to a log file, to the clients of
 * <rundir>/dom<N>.console, or to standard output (docs/console.md). */
#ifndef XK_CONSOLE_H
#define XK_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include <xen/io/console.h>

#include "vm.h"

#define XK_CONSOLE_SOCK_FMT "%s/dom%u.console"
/* Output a client has not taken yet, kept per client; past it the
 * client's oldest output is dropped. */
#define XK_CONSOLE_CLIENT_BUF (64 * 1024)
/* Output kept while no client is connected, for the next one. */
#define XK_CONSOLE_BACKLOG (64 * 1024)

/* Bind the console port, log to LOG_FD (-1: none; the console owns it
 * from here) and, with a run directory, listen on the console socket.
 * After events_init, before the vCPUs start.  0 or -errno (logged). */
int console_init(struct vm *vm, int log_fd);
/* After the event thread stopped and the vCPUs ended: take the guest's
 * last output, give clients what they are owed (briefly), close them
 * (they see EOF) and remove the socket. */
void console_destroy(struct vm *vm);

/* The ring itself, as xenconsoled handles it (tools/console/daemon/io.c).
 * Indices are free-running; only their difference matters, and each is
 * masked before use, so no index can reach outside the page. */

/* Take what the guest wrote on `out` into BUF (room for sizeof(intf->out))
 * and advance out_cons: the byte count (0: nothing), or -1 when
 * out_prod - out_cons exceeds the ring (buffer_append's check): then
 * nothing is read or changed. */
int cons_ring_take_out(struct xencons_interface *intf, char *buf);
/* Free bytes on `in`, or -1 when in_prod - in_cons exceeds the ring
 * (ring_free_bytes: "the ring is screwed", nothing can be written). */
int cons_ring_in_space(const struct xencons_interface *intf);
/* Put LEN bytes on `in` (LEN at most the space) and publish in_prod. */
void cons_ring_put_in(struct xencons_interface *intf, const char *buf, size_t len);

#endif
