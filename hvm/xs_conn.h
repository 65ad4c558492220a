/* xs_conn.c: the guest's xenstore ring handed to xenstored. */
#ifndef XK_XS_CONN_H
#define XK_XS_CONN_H

#include "vm.h"

/* Attach the guest's xenstore ring to xenstored at PATH (its VMM socket);
 * 0 or -errno.  Detach on exit. */
int xenstore_attach(struct vm *vm, const char *path);
void xenstore_detach(struct vm *vm);

#endif
