/* The backend side of the XenbusState handshake (xenbus_backend.h). */
#include "xenbus_backend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct xb_step xb_next(enum xenbus_state be, bool connected, enum xenbus_state fe,
                       bool online)
{
    struct xb_step keep = { be, XB_NOTHING };

    if (!online && be != XenbusStateClosed) {
        /* The toolstack detaches: close our side; the frontend follows. */
        if (fe == XenbusStateClosed || fe == XenbusStateUnknown)
            return (struct xb_step){ XenbusStateClosed, XB_REMOVE };
        if (be == XenbusStateClosing)
            return keep;
        return (struct xb_step){ XenbusStateClosing,
                                 connected ? XB_DISCONNECT : XB_NOTHING };
    }
    switch (fe) {
    case XenbusStateInitialising:
        /* A frontend reset: get ready to connect again. */
        if (be == XenbusStateClosed)
            return (struct xb_step){ XenbusStateInitWait, XB_NOTHING };
        return keep;
    case XenbusStateInitialised:
    case XenbusStateConnected:
        /* Two watches may fire before we look (a reset frontend may be
         * Initialised already when we see it): connect on either. */
        if (be == XenbusStateConnected)
            return keep;
        return (struct xb_step){ XenbusStateConnected, XB_CONNECT };
    case XenbusStateClosing:
        return (struct xb_step){ XenbusStateClosing,
                                 connected ? XB_DISCONNECT : XB_NOTHING };
    case XenbusStateClosed:
        if (!online)
            return (struct xb_step){ XenbusStateClosed, XB_REMOVE };
        return (struct xb_step){ XenbusStateClosed,
                                 connected ? XB_DISCONNECT : XB_NOTHING };
    case XenbusStateUnknown:
        /* The frontend's directory went away: the device is gone. */
        return (struct xb_step){ XenbusStateClosed, XB_REMOVE };
    default:
        /* InitWait, Reconfiguring...: nothing a frontend should say. */
        return keep;
    }
}

enum xenbus_state xb_parse_state(const char *s)
{
    char *end;
    long v;

    if (!s || !*s)
        return XenbusStateUnknown;
    v = strtol(s, &end, 10);
    if (*end || v < XenbusStateUnknown || v > XenbusStateReconfigured)
        return XenbusStateUnknown;
    return (enum xenbus_state)v;
}

static char *read_at(struct xb_backend *b, const char *dir, const char *leaf)
{
    char path[256];

    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, leaf) >= sizeof(path))
        return NULL;
    return b->store_ops->read(b->store, path);
}

static int write_at(struct xb_backend *b, const char *leaf, const char *value)
{
    char path[256];

    if ((size_t)snprintf(path, sizeof(path), "%s/%s", b->dir, leaf) >= sizeof(path))
        return -ENAMETOOLONG;
    return b->store_ops->write(b->store, path, value);
}

static int switch_state(struct xb_backend *b, enum xenbus_state s)
{
    char v[4];

    if (b->state == s)
        return 0;
    b->state = s;
    snprintf(v, sizeof(v), "%d", (int)s);
    return write_at(b, "state", v);
}

int xb_backend_probe(struct xb_backend *b, const char *kind, uint32_t domid, uint32_t devid,
                     const struct xb_store_ops *store_ops, void *store,
                     const struct xb_device_ops *dev_ops, void *dev)
{
    char state_path[256];
    int rc;

    memset(b, 0, sizeof(*b));
    b->store_ops = store_ops;
    b->store = store;
    b->dev_ops = dev_ops;
    b->dev = dev;
    b->state = XenbusStateInitialising;
    if ((size_t)snprintf(b->dir, sizeof(b->dir), "/local/domain/0/backend/%s/%u/%u",
                         kind, domid, devid) >= sizeof(b->dir))
        return -ENAMETOOLONG;
    b->fe_dir = read_at(b, b->dir, "frontend");
    if (!b->fe_dir)
        return -ENOENT;
    if ((rc = dev_ops->publish(dev, b->dir)) || (rc = switch_state(b, XenbusStateInitWait)))
        goto fail;
    snprintf(state_path, sizeof(state_path), "%s/state", b->fe_dir);
    if ((rc = store_ops->watch(store, state_path)))
        goto fail;
    snprintf(state_path, sizeof(state_path), "%s/online", b->dir);
    if ((rc = store_ops->watch(store, state_path)))
        goto fail;
    return 0;
fail:
    xb_backend_release(b);
    return rc;
}

void xb_backend_changed(struct xb_backend *b)
{
    char *fe_s, *on_s;
    enum xenbus_state fe;
    struct xb_step step;
    bool online;
    int rc;

    if (b->gone || !b->fe_dir)
        return;
    fe_s = read_at(b, b->fe_dir, "state");
    on_s = read_at(b, b->dir, "online");
    fe = xb_parse_state(fe_s);
    /* libxl writes online=1; a missing node means the device stays. */
    online = !on_s || strcmp(on_s, "0") != 0;
    free(fe_s);
    free(on_s);
    step = xb_next(b->state, b->connected, fe, online);
    switch (step.action) {
    case XB_CONNECT:
        rc = b->dev_ops->connect(b->dev, b->fe_dir);
        if (rc) {
            char msg[64];
            snprintf(msg, sizeof(msg), "%d connecting to the frontend", -rc);
            write_at(b, "error", msg);
            switch_state(b, XenbusStateClosing);
            return;
        }
        b->connected = true;
        break;
    case XB_DISCONNECT:
        b->dev_ops->disconnect(b->dev);
        b->connected = false;
        break;
    case XB_REMOVE:
        if (b->connected)
            b->dev_ops->disconnect(b->dev);
        b->connected = false;
        switch_state(b, step.state);
        b->gone = true;
        b->dev_ops->removed(b->dev);
        return;
    case XB_NOTHING:
        break;
    }
    switch_state(b, step.state);
}

void xb_backend_release(struct xb_backend *b)
{
    char path[256];

    if (b->fe_dir) {
        snprintf(path, sizeof(path), "%s/state", b->fe_dir);
        b->store_ops->unwatch(b->store, path);
        snprintf(path, sizeof(path), "%s/online", b->dir);
        b->store_ops->unwatch(b->store, path);
    }
    free(b->fe_dir);
    b->fe_dir = NULL;
}
