/* Internal interfaces of xl-compat/ (not for xl's commands). */
#ifndef XL_DOMCFG_INT_H
#define XL_DOMCFG_INT_H

#include "domcfg.h"

/* dc_disk_parse reporting every error libxlu would print for SPEC, each
 * as one message without the "SOURCE: " prefix, e.g.
 * "config parsing error in disk specification: unknown value for format:
 * near `foo' in `SPEC'".  Returns 0 or -1 (D is then empty). */
typedef void dc_disk_report_fn(void *arg, const char *msg);
int dc_disk_parse_report(struct dc_disk *d, const char *spec,
                         dc_disk_report_fn *report, void *arg);

#endif
