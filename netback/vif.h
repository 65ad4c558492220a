/* One vif of the domain (/local/domain/0/backend/vif/<domid>/<devid>): its
 * tap, its hotplug, its XenbusState handshake and its netif queues on the
 * process's event loop. */
#ifndef XK_NETBACK_VIF_H
#define XK_NETBACK_VIF_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/context.h"

struct xs_handle;

/* What every vif of the process shares. */
struct netback {
    struct xk_backend_ctx ctx;
    struct xs_handle *xs;
    unsigned max_queues;        /* multi-queue-max-queues */
    struct vif *vifs;
};

struct vif;

/* Serve device DEVID: read its backend directory, create the tap, run the
 * hotplug, publish the features, go InitWait.  0 or -errno (the device
 * is then left alone: hotplug-status error, as libxl reports it). */
int vif_probe(struct netback *nb, unsigned devid);
/* A watch fired: step every vif's handshake; vifs whose backend
 * directory is gone, or that the toolstack took away, are freed. */
void vif_changed_all(struct netback *nb);
/* NB's xenstore connection is a new one (xenstored restarted): every
 * vif's watches again on it. */
void vif_store_changed(struct netback *nb);
/* Is DEVID served? */
bool vif_known(struct netback *nb, unsigned devid);
/* Before a save: every vif lets go of the guest's ring pages (nothing
 * else is held between callbacks) and stops reading its tap; the
 * channels and the xenstore state stay. */
void vif_quiesce_all(struct netback *nb);
/* The domain runs again: map the same rings and go on. */
void vif_resume_all(struct netback *nb);
/* Close every vif (the domain is gone, or SIGTERM). */
void vif_free_all(struct netback *nb);

#endif
