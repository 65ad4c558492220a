/* A device's xenstore nodes (device.h). */
#include <stdio.h>
#include <stdlib.h>

#include "device.h"
#include "xl.h"
#include "xs_util.h"

void xl_device_init(struct xl_device *d, unsigned domid, const char *kind, unsigned devid,
                    const char *fe_dir)
{
    d->domid = domid;
    d->kind = kind;
    d->devid = devid;
    d->fe_dir = fe_dir ? xl_xasprintf("%s", fe_dir)
                       : xl_xasprintf("/local/domain/%u/device/%s/%u", domid, kind, devid);
    d->be_dir = xl_xasprintf("/local/domain/0/backend/%s/%u/%u", kind, domid, devid);
}

void xl_device_free(struct xl_device *d)
{
    free(d->fe_dir);
    free(d->be_dir);
    d->fe_dir = d->be_dir = NULL;
}

void xl_device_write(xs_transaction_t t, const struct xl_device *d,
                     const char *const *back, const char *const *front_ro)
{
    struct xs_permissions feperm[2] = { { d->domid, XS_PERM_NONE }, { 0, XS_PERM_READ } };
    struct xs_permissions beperm[2] = { { 0, XS_PERM_NONE }, { d->domid, XS_PERM_READ } };
    char sdomid[16], *p;

    snprintf(sdomid, sizeof(sdomid), "%u", d->domid);
    xl_xs_mknod(t, d->fe_dir, feperm, 2);
    xl_xs_mknod(t, d->be_dir, beperm, 2);
    p = xl_xasprintf("%s/backend", d->fe_dir);
    xl_xs_write(t, p, d->be_dir);
    free(p);
    p = xl_xasprintf("%s/backend-id", d->fe_dir);
    xl_xs_write(t, p, "0");
    free(p);
    p = xl_xasprintf("%s/frontend", d->be_dir);
    xl_xs_write(t, p, d->fe_dir);
    free(p);
    p = xl_xasprintf("%s/frontend-id", d->be_dir);
    xl_xs_write(t, p, sdomid);
    free(p);
    for (; back && back[0]; back += 2) {
        p = xl_xasprintf("%s/%s", d->be_dir, back[0]);
        xl_xs_write(t, p, back[1] ? back[1] : "");
        free(p);
    }
    /* Read-only to the guest: owned by domain 0. */
    for (; front_ro && front_ro[0]; front_ro += 2) {
        p = xl_xasprintf("%s/%s", d->fe_dir, front_ro[0]);
        xl_xs_write(t, p, front_ro[1] ? front_ro[1] : "");
        xs_set_permissions(xl_xs(), t, p, beperm, 2);
        free(p);
    }
}
