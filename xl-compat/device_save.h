/* The frontend nodes of a domain's vbd and vif devices across a
 * transparent save (docs/migration.md): the guest wrote them (rings,
 * event channels, features, its state) and a guest that is not asked to
 * suspend never writes them again, so they travel in the save file
 * (xenkvm's "XKDV" block) and are written back on the restored domain
 * after libxl's node sets, before its backends start. */
#ifndef XL_DEVICE_SAVE_H
#define XL_DEVICE_SAVE_H

#include <stdbool.h>

/* Every node under /local/domain/DOMID/device/vbd and .../vif, one line
 * each: the path below device/, a tab, the value.  NULL when there is
 * none (malloc'd text otherwise). */
char *xl_devices_export(unsigned domid);
/* Write LIST (as exported) under /local/domain/DOMID/device/, in one
 * transaction; lines naming other kinds, or paths going up, are refused.
 * False after saying why. */
bool xl_devices_import(unsigned domid, const char *list);

#endif
