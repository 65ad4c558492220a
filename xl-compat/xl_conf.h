/* xl.conf(5), the host-wide xl settings: only what xenkvm reads. */
#ifndef XL_XL_CONF_H
#define XL_XL_CONF_H

#include "hcall_transport.h"

/* $XENKVM_XL_CONF, else /etc/xen/xl.conf. */
const char *xl_conf_path(void);
/* xen_hypercall_transport= (xenkvm-only) from xl.conf: auto when the file
 * or the key is missing; a bad value is warned about and taken as auto. */
enum xk_transport xl_conf_transport(void);

#endif
