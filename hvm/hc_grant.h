/* Pieces of HYPERVISOR_grant_table_op shared by hc_grant*.c. */
#ifndef XK_HC_GRANT_H
#define XK_HC_GRANT_H

#include "hcall.h"

/* Write a GNTST_* status into field FIELD of the guest structure at GVA
 * (Xen's __copy_field_to_guest): 0 or -EFAULT. */
int grant_put_status(struct hcall *c, uint64_t gva, const struct abi_struct *s,
                     unsigned field, int16_t status);

long grant_copy(struct hcall *c, uint64_t uop, unsigned count);
long grant_map(struct hcall *c, uint64_t uop, unsigned count);
long grant_unmap(struct hcall *c, uint64_t uop, unsigned count);

#endif
