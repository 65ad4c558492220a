/* Devices a config names and xenkvm does not attach yet (no block
 * backend): said at create and in the domain's log, and left out where
 * xl shows what a domain has. */
#ifndef XL_DEVICE_UNATTACHED_H
#define XL_DEVICE_UNATTACHED_H

#include <stdio.h>

#include "domcfg.h"

/* One line to OUT for each device of DC that will not be attached. */
void xl_report_unattached(const struct domcfg *dc, FILE *out);

/* How many of DC's disks (the first ones) a domain has attached. */
unsigned xl_attached_disks(const struct domcfg *dc);

#endif
