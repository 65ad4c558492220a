/* The backend side of the XenbusState handshake, written once for every
 * device kind (console, vbd, vif, pci), as Linux's backends follow it
 * (drivers/block/xen-blkback/xenbus.c: frontend_changed):
 *
 *   probe: publish features, go InitWait;
 *   frontend Initialised or Connected: connect (map the rings, bind the
 *     event channel), go Connected, from any state but Connected (a
 *     frontend reset may be seen at Initialised already);
 *   frontend Closing: disconnect, go Closing;
 *   frontend Closed: disconnect, go Closed; if the toolstack took the
 *     device away (online = 0) it is gone;
 *   frontend Initialising while we are Closed: the frontend was reset
 *     (a rebooted or kexec'd guest): go InitWait again, ready to reconnect;
 *   toolstack sets online = 0: go Closing, the frontend then closes.
 *
 * The machine (xb_next) is pure; xb_backend drives it on a store: it
 * watches the frontend's state and the backend's `online` node and writes
 * the backend's state.  The store is an interface so the same code runs on
 * libxenstore in a backend process and on a table in the unit tests. */
#ifndef XK_XENBUS_BACKEND_H
#define XK_XENBUS_BACKEND_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/io/xenbus.h>

/* What the machine tells its driver to do on the way to the new state. */
enum xb_action {
    XB_NOTHING,
    XB_CONNECT,         /* connect the device, then go Connected */
    XB_DISCONNECT,      /* disconnect, then go to the new state */
    XB_REMOVE,          /* disconnect if connected; the device is gone */
};

struct xb_step {
    enum xenbus_state state;    /* the backend's next state */
    enum xb_action action;
};

/* Our state BE, connected or not, saw frontend state FE with the
 * toolstack's ONLINE: the next state and what to do. */
struct xb_step xb_next(enum xenbus_state be, bool connected, enum xenbus_state fe,
                       bool online);

/* A key-value store with watches (xenstore). */
struct xb_store_ops {
    /* The value at PATH (malloc'd, NUL-terminated) or NULL. */
    char *(*read)(void *store, const char *path);
    int (*write)(void *store, const char *path, const char *value);
    /* Report changes at PATH (and below) to the driver (xb_backend_changed). */
    int (*watch)(void *store, const char *path);
    int (*unwatch)(void *store, const char *path);
};

/* A device kind's own work. */
struct xb_device_ops {
    /* Write the features into the backend directory DIR (before InitWait). */
    int (*publish)(void *dev, const char *dir);
    /* Read what the frontend published under FE_DIR and connect.  0, or
     * -errno: the device goes Closing with an `error` node, as
     * xenbus_dev_fatal does. */
    int (*connect)(void *dev, const char *fe_dir);
    void (*disconnect)(void *dev);
    /* The device is gone (frontend closed after online = 0). */
    void (*removed)(void *dev);
};

struct xb_backend {
    char dir[128];              /* /local/domain/0/backend/<kind>/<domid>/<devid> */
    char *fe_dir;               /* the frontend's directory (its `frontend` node) */
    enum xenbus_state state;
    bool connected, gone;
    const struct xb_store_ops *store_ops;
    void *store;
    const struct xb_device_ops *dev_ops;
    void *dev;
};

/* Probe device DEVID of KIND ("vbd", "vif", "console", "pci") for domain
 * DOMID: read its frontend path, publish, go InitWait, watch.  0 or
 * -errno (-ENOENT: the toolstack has not written the backend directory). */
int xb_backend_probe(struct xb_backend *b, const char *kind, uint32_t domid, uint32_t devid,
                     const struct xb_store_ops *store_ops, void *store,
                     const struct xb_device_ops *dev_ops, void *dev);
/* A watch fired: read the frontend's state and `online`, take the step. */
void xb_backend_changed(struct xb_backend *b);
/* Stop watching (after the device is gone, or when the backend stops). */
void xb_backend_release(struct xb_backend *b);

/* "4" -> XenbusStateConnected; anything that is not a state: Unknown. */
enum xenbus_state xb_parse_state(const char *s);

#endif
