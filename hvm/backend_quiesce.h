/* Host backend processes (xenkvm-blkback, xenkvm-netback) around a save:
 * each registers its idle connection to the VMM (XK_LINK_BACKEND); before
 * guest memory is written the VMM asks every one to quiesce (answer what
 * is in flight, drop every grant mapping) and waits for the answers; when
 * the domain runs again they are let go on (lib/vmm_socket_proto.h). */
#ifndef XK_HVM_BACKEND_QUIESCE_H
#define XK_HVM_BACKEND_QUIESCE_H

#include <stdbool.h>

struct vm;

/* Backends one domain can have registered at once. */
#define XK_MAX_BACKEND_LINES 8

/* Take FD (a connection that sent XK_LINK_BACKEND) as a backend's line.
 * False when the table is full (FD is then the caller's). */
bool backends_register(struct vm *vm, int fd);
/* Quiesce every registered backend; 0, or -errno with MSG (SS_MSG_LEN
 * bytes) saying which did not answer.  Lines that hung up are dropped. */
int backends_quiesce(struct vm *vm, char *msg, unsigned msglen);
/* Let quiesced backends go on (nothing when none is quiesced). */
void backends_resume(struct vm *vm);

#endif
