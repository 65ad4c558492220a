/* xs_conn.c: the guest's xenstore ring handed to xenstored. */
#ifndef XK_XS_CONN_H
#define XK_XS_CONN_H

#include "vm.h"

/* Attach the guest's xenstore ring to xenstored at PATH (its VMM socket);
 * 0 or -errno.  Detach on exit. */
int xenstore_attach(struct vm *vm, const char *path);
void xenstore_detach(struct vm *vm);
/* Live update: the attachment's descriptors (attach socket, channel
 * socket, xenstored's notify and event eventfds), to keep across exec;
 * -EAGAIN while xenstored is being re-attached, -ENOENT when none. */
int xenstore_handover(struct vm *vm, int fds[4]);
/* In the new VMM: take over that attachment (the store port's channel is
 * adopted with the other links); xenstored sees nothing change. */
int xenstore_adopt(struct vm *vm, const char *path, const int fds[4]);

#endif
