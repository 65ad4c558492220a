/* Devices that are parsed but not attached yet. */
#include "device_unattached.h"

void xl_report_unattached(const struct domcfg *dc, FILE *out)
{
    for (unsigned i = xl_attached_disks(dc); i < dc->nr_disks; i++) {
        const struct dc_disk *d = &dc->disks[i];

        fprintf(out, "xl: warning: disk %s (%s) is not attached: xenkvm has no "
                "block backend yet\n", d->vdev ? d->vdev : "?",
                d->target && *d->target ? d->target : "empty");
    }
    fflush(out);
}

unsigned xl_attached_disks(const struct domcfg *dc)
{
    (void)dc;
    return 0;       /* until blkback lands, a domain has no disks */
}
