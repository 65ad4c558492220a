/* devsrc_adopt.c: a device source rebuilt by a new VMM after a live
 * update, from the record its old VMM's handover wrote (the kind first). */
#include "devsrc.h"

#include <errno.h>

int pt_devsrc_adopt(struct ss_rd *r, struct pt_devsrc **out)
{
    switch (ss_get_u8(r)) {
    case PT_SRC_VFIO_USER:
        return vfu_client_adopt(r, out);
    case PT_SRC_VFIO_KERNEL:
        return vfio_kernel_adopt(r, out);
    default:
        r->bad = true;
        return -EINVAL;
    }
}
