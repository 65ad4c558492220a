/* Memory admission at create, in place of xl's freemem(): on Xen a
 * domain gets all its memory when it is built, so one the host cannot
 * back is refused ("failed to free memory for the domain").  Guest RAM
 * here is a memfd filled as the guest touches it, so what can be backed
 * is counted: the host's MemAvailable, less what the running domains may
 * still touch (their memory not yet resident).  xl.conf's claim_mode=0
 * turns the check off (overcommit). */
#ifndef XL_MEM_ADMIT_H
#define XL_MEM_ADMIT_H

#include <stdbool.h>

#include "domcfg.h"

/* Whether DC's domain may be created now; false after xl's message.  The
 * caller holds the domid allocation lock. */
bool xl_mem_admit(const struct domcfg *dc);

#endif
