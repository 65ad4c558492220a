/* A domain's device nodes in xenstore, as libxl__device_generic_add writes
 * them: the frontend directory (the guest's), the backend directory
 * (/local/domain/0/backend/<kind>/<domid>/<devid>), the links between
 * them.  One file per device kind uses it (device_console.c; vbd, vif and
 * pci next), as libxl has libxl_console.c, libxl_disk.c, libxl_pci.c. */
#ifndef XL_DEVICE_H
#define XL_DEVICE_H

#include <stdint.h>
#include <xenstore.h>

#include "domain_tree.h"

struct xl_device {
    unsigned domid;             /* the frontend's domain */
    const char *kind;           /* the backend's kind: "console", "vbd", ... */
    unsigned devid;
    char *fe_dir, *be_dir;
};

/* Name device DEVID of KIND for DOMID; FE_DIR NULL means libxl's
 * /local/domain/<domid>/device/<kind>/<devid>.  Free with xl_device_free. */
void xl_device_init(struct xl_device *d, unsigned domid, const char *kind, unsigned devid,
                    const char *fe_dir);
void xl_device_free(struct xl_device *d);

/* In transaction T: both directories with libxl's permissions (the guest
 * owns its frontend and reads the backend), backend/backend-id and
 * frontend/frontend-id, then key-value lists ending in NULL: BACK in the
 * backend directory, FRONT_RO in the frontend directory, read-only to the
 * guest (NULL values are written empty). */
void xl_device_write(xs_transaction_t t, const struct xl_device *d,
                     const char *const *back, const char *const *front_ro);

/* device_console.c: the primary console (/local/domain/N/console) with
 * the ring and port the VMM reports and its pty name TTY. */
void xl_device_console_add(xs_transaction_t t, unsigned domid,
                           const struct xl_vmm_rings *r, const char *tty);

#endif
