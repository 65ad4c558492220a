/* Disks (vbd devices) as libxl_disk.c adds them: the node set of the
 * backend directory /local/domain/0/backend/vbd/<domid>/<devid> and the
 * frontend directory /local/domain/<domid>/device/vbd/<devid>, both in
 * state 1 (Initialising), the libxl directory /libxl/<domid>/device/vbd/
 * <devid>; the host's block backend (xenkvm-blkback, one process per
 * domain) serves them.  Removal follows libxl: online = 0 and state 5,
 * wait for the backend to close, then the nodes go. */
#ifndef XL_DEVICE_VBD_H
#define XL_DEVICE_VBD_H

#include <stdbool.h>
#include <stddef.h>
#include <xenstore.h>

#include "domcfg.h"

/* What a disk becomes here: its devid and the backend type written. */
struct xl_vbd {
    int devid;
    const char *type;           /* "phy" (raw) or "qdisk" */
    char *params;               /* phy: the absolute path; qdisk: "<fmt>:<path>" */
};

/* Check disk D for xenkvm and fill V: the vdev names a disk, backendtype
 * is phy or qdisk and fits the format, no hotplug script, the target
 * exists (a file or block device).  0, or -1 with the reason in ERR
 * (without prefix).  Free V with xl_vbd_free. */
int xl_vbd_prepare(const struct dc_disk *d, struct xl_vbd *v, char *err, size_t errlen);
void xl_vbd_free(struct xl_vbd *v);

/* Check every disk of DC (FILE:LINE: error: disk `VDEV': ... to stderr
 * for each problem, duplicate vdevs too).  True if all can be attached. */
bool xl_vbd_check_config(const struct domcfg *dc);

/* In transaction T: the node sets of disk D (prepared as V) of DOMID. */
void xl_vbd_write(xs_transaction_t t, unsigned domid, const struct dc_disk *d,
                  const struct xl_vbd *v);

/* Add disk D to running domain DOMID in a transaction of its own; -EEXIST
 * when its devid is taken, else 0 or -errno. */
int xl_vbd_add(unsigned domid, const struct dc_disk *d, const struct xl_vbd *v);

/* The devids domain DOMID has (libxl's directory), ascending; malloc'd
 * array in *DEVIDS, count returned. */
unsigned xl_vbd_list(unsigned domid, int **devids);

/* Remove device DEVID of DOMID: online 0, state Closing, wait up to
 * TIMEOUT_MS for the backend's Closed (FORCE: no wait), then the nodes
 * (after a warning when it did not close: libxl's forced remove).  0. */
int xl_vbd_remove(unsigned domid, int devid, bool force, int timeout_ms);

/* Disk DEVID of DOMID read back from its backend nodes into D (target,
 * vdev, format, access, devtype, backendtype, discard, direct-io-safe).
 * False if the device is not there. */
bool xl_vbd_read(unsigned domid, int devid, struct dc_disk *d);

/* Replace DC's disks (the config of running domain DOMID) with those the
 * domain has now, as `xl list -l` shows them: the config's disks that are
 * attached, then those block-attach added. */
void xl_vbd_domain_disks(unsigned domid, struct domcfg *dc);

/* xl cd-insert / cd-eject: the media of DOMID's cdrom drive D->vdev
 * becomes D's target (none: ejected), as libxl_cdrom_insert writes it:
 * backend (and libxl's) `params` emptied, then the new one, with the
 * drive's `type`; xenkvm-blkback changes the media it serves.  0, or
 * -errno with libxl's reason in ERR ("Virtual device not found"). */
int xl_vbd_cdrom_change(unsigned domid, const struct dc_disk *d, char *err, size_t errlen);

/* Make sure domain DOMID's block backend runs (its pid file alive), else
 * start it; NAME for the log file.  False with a message on stderr. */
bool xl_blkback_ensure(unsigned domid, const char *name);

#endif
