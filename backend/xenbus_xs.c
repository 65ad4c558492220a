/* xb_store_ops over libxenstore (xenbus_xs.h). */
#include "xenbus_xs.h"

#include <errno.h>
#include <string.h>
#include <xenstore.h>

static char *xs_ops_read(void *store, const char *path)
{
    unsigned int len;

    /* libxenstore's buffer ends with a NUL past LEN. */
    return xs_read(store, XBT_NULL, path, &len);
}

static int xs_ops_write(void *store, const char *path, const char *value)
{
    return xs_write(store, XBT_NULL, path, value, (unsigned int)strlen(value)) ? 0
           : errno ? -errno : -EIO;
}

static int xs_ops_watch(void *store, const char *path)
{
    return xs_watch(store, path, path) ? 0 : errno ? -errno : -EIO;
}

static int xs_ops_unwatch(void *store, const char *path)
{
    return xs_unwatch(store, path, path) ? 0 : errno ? -errno : -EIO;
}

const struct xb_store_ops xb_xs_ops = {
    .read = xs_ops_read,
    .write = xs_ops_write,
    .watch = xs_ops_watch,
    .unwatch = xs_ops_unwatch,
};
