/* A domain's xenstore tree, written and removed as libxl does
 * (libxl__domain_make, libxl__build_post, the primary console device,
 * libxl__destroy_domid). */
#ifndef XL_DOMAIN_TREE_H
#define XL_DOMAIN_TREE_H

#include <stdbool.h>
#include <stdint.h>
#include <xenstore.h>

#include "domcfg.h"

/* What the VMM reports once it is up, for the nodes that name it. */
struct xl_vmm_rings {
    uint64_t store_pfn, console_pfn;
    uint32_t store_port, console_port;
};

/* The tree before the VMM runs: /local/domain/N with the permissions and
 * directories libxl makes, /vm/UUID, /libxl/N.  Fails (false, message
 * printed) if NAME is taken by another domain. */
bool xl_tree_make(unsigned domid, const struct domcfg *dc, const char *uuid);
/* The nodes that need the VMM's numbers: memory/, domid, store/,
 * console/ (and its backend dir), cpu/, /vm/UUID/start_time, image/. */
bool xl_tree_build_post(unsigned domid, const struct domcfg *dc,
                        const struct xl_vmm_rings *r, const char *console_tty);
/* Remove everything of domain DOMID (its /vm entry too). */
void xl_tree_remove(unsigned domid);

/* Rename domain DOMID (dom path and /vm path), refusing a name another
 * domain has: 0, or -EEXIST / -ENOENT / -EIO.  T may be XBT_NULL. */
int xl_tree_rename(unsigned domid, const char *new_name);
/* The domid that has NAME, or -1. */
int xl_tree_name_to_domid(xs_transaction_t t, const char *name);

#endif
