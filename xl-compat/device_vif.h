/* vif devices (device_vif.c): libxl's node sets, the domain's
 * xenkvm-netback process, and detaching. */
#ifndef XL_DEVICE_VIF_H
#define XL_DEVICE_VIF_H

#include <stdint.h>
#include <xenstore.h>

#include "vif_spec.h"

/* In transaction T: vif V of DOMID, backend and frontend both in state 1
 * (Initialising), as libxl writes them.  V has its devid and defaults. */
void xl_device_vif_add(xs_transaction_t t, unsigned domid, const struct dc_vif *v);
/* The next devid no vif of DOMID uses (libxl__device_nextid). */
int xl_vif_next_devid(unsigned domid);
/* Start domain DOMID's xenkvm-netback unless it runs (its log:
 * <logdir>/netback-<NAME>.log).  0, or -1 with a message printed. */
int xl_netback_ensure(unsigned domid, const char *name);
/* Wait until the backend ran vif DEVID's hotplug (hotplug-status
 * connected): 0, or -1 with libxl's message (its hotplug-error). */
int xl_vif_wait_hotplug(unsigned domid, unsigned devid);
/* network-detach: online = 0, wait for the backend to close (at most
 * libxl's 10 s), remove both directories.  0 or -ENOENT (no such vif). */
int xl_device_vif_remove(unsigned domid, unsigned devid);
/* DC's vifs made what DOMID has now (its backend nodes): those of the
 * config still there, then those network-attach added; so a restarted
 * domain (xl reboot) gets them again, as libxl keeps them. */
struct domcfg;
void xl_vif_domain_nics(unsigned domid, struct domcfg *dc);
/* "00:16:3e:..." */
void xl_format_mac(const uint8_t m[6], char out[18]);

#endif
