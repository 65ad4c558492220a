/* The handshake's store interface on libxenstore (a backend process's
 * connection to xenstored): STORE is a struct xs_handle *.  Watches use
 * the path as token; the backend reads them with xs_read_watch and calls
 * xb_backend_changed.  Link with -lxenstore. */
#ifndef XK_XENBUS_XS_H
#define XK_XENBUS_XS_H

#include "xenbus_backend.h"

extern const struct xb_store_ops xb_xs_ops;

#endif
