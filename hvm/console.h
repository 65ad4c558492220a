/* The guest's PV console as domain 0's backend (xenconsoled's part), on
 * the backend seam (backend/context.h): the ring page SPECIAL_CONSOLE and
 * the guest's console event channel.  Output goes to a log file, to the
 * clients of <rundir>/dom<N>.console, or to standard output
 * (docs/console.md). */
#ifndef XK_CONSOLE_H
#define XK_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include <xen/io/console.h>

#include "backend/context.h"

#define XK_CONSOLE_SOCK_FMT "%s/dom%u.console"
/* Output a client has not taken yet, kept per client; past it the
 * client's oldest output is dropped. */
#define XK_CONSOLE_CLIENT_BUF (64 * 1024)
/* Output kept while no client is connected, for the next one. */
#define XK_CONSOLE_BACKLOG (64 * 1024)

struct console;

/* Serve the console of CTX's guest: bind its console event channel PORT,
 * log to LOG_FD (-1: none; the console owns it from here) and, with a run
 * directory, listen on the console socket.  Before the guest runs.
 * *OUT gets the console; 0 or -errno (logged). */
int console_start(struct xk_backend_ctx *ctx, uint32_t port, int log_fd,
                  struct console **out);
/* Live update: the listening socket then each client's (at most MAX),
 * to keep across exec; the count. */
unsigned console_handover(struct console *con, int *fds, unsigned max);
/* console_start on the descriptors console_handover gave the old VMM
 * (KEPT[0] listening, the rest clients; NR_KEPT 0: listen anew).  Output
 * a client had not taken yet stayed in the old VMM; what the guest wrote
 * since is still in the ring. */
int console_start_kept(struct xk_backend_ctx *ctx, uint32_t port, int log_fd,
                       const int *kept, unsigned nr_kept, struct console **out);
/* After CTX's event loop stopped and the guest ended: take the guest's
 * last output, give clients what they are owed (briefly), close them
 * (they see EOF) and remove the socket.  NULL: nothing. */
void console_stop(struct console *con);
/* One "dump:" line of the console's totals (bytes from the ring, sent to
 * clients, queued, dropped; clients now and accepted), for the state dump:
 * safe from any thread. */
void console_dump_stats(void);

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
