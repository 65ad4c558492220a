/* The host-wide xl settings, xl.conf(5): $XENKVM_XL_CONF, else
 * /etc/xen/xl.conf (a missing file means every default). */
#ifndef XL_XL_CONF_H
#define XL_XL_CONF_H

#include <stdbool.h>

#include "hcall_transport.h"

/* The file read. */
const char *xl_conf_path(void);
/* Read it (once); a file that does not parse ends xl as Xen's does. */
void xl_conf_load(void);
/* claim_mode (default 1): a domain is created only if the host can back
 * its memory (mem_admit.h); 0 allows overcommit. */
bool xl_conf_claim_mode(void);
/* xen_hypercall_transport (xenkvm-only, docs/hypercall-transport.md): the
 * default for domains whose config does not say; auto when unset, and a
 * bad value is warned about and taken as auto. */
enum xk_transport xl_conf_transport(void);

#endif
