/* Host backend processes during a postcopy migration's destination phase
 * (docs/migration.md, "Postcopy with disks and networks"): a backend maps
 * the page states (PC_PAGES, lib/vmm_socket_proto.h) and, before it
 * touches a page that has not arrived, asks for it (PC_FETCH).  Each such
 * connection gets a thread of its own that touches the page through the
 * VMM's registered mapping: the fault is the postcopy thread's to serve
 * (the page asked for ahead of the background stream, the thread waiting
 * across a broken connection as a vCPU does), and the answer goes once the
 * page is there. */
#ifndef XK_HVM_POSTCOPY_BACKENDS_H
#define XK_HVM_POSTCOPY_BACKENDS_H

#include <stdbool.h>

struct vm;
struct xk_link_msg;

/* PC_PAGES on FD (event thread): true when FD was kept as a fetch line. */
bool pcb_serve(struct vm *vm, int fd, const struct xk_link_msg *m);
/* Postcopy is over (every page there, or the guest lost): the fetch lines
 * are hung up (their threads end; backends stop asking). */
void pcb_end(struct vm *vm);

#endif
