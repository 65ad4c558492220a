/* HYPERVISOR_grant_table_op for an HVM/PVH guest (xen/common/grant_table.c
 * do_grant_table_op, filtered by xen/arch/x86/hvm/hypercall.c
 * hvm_grant_table_op).  The table itself is gnttab/; map and unmap are in
 * hc_grant_map.c. */
#include <errno.h>
#include <string.h>

#include "grant.h"
#include "hc_grant.h"
#include "log.h"
#include "util.h"

/* Field indices in abi_structs.h's lists. */
enum { ST_STATUS = 2 };                     /* setup_table */
enum { SW_STATUS = 2 };                     /* swap_grant_ref */

int grant_put_status(struct hcall *c, uint64_t gva, const struct abi_struct *s,
                     unsigned field, int16_t status)
{
    return guest_write(c, gva + abi_field_off(s, c->compat, field), &status,
                       sizeof(status));
}

/* Domain lookups as rcu_lock_domain_by_any_id + XSM_TARGET: ours, or
 * GNTST_permission_denied (domain 0, the host), or GNTST_bad_domain. */
static int16_t domain_status(struct hcall *c, domid_t dom)
{
    int rc = hcall_domid_check(c, dom);

    return rc == 0 ? GNTST_okay : rc == -EPERM ? GNTST_permission_denied
                                               : GNTST_bad_domain;
}

static long setup_table(struct hcall *c, uint64_t uop, unsigned count)
{
    struct gnt_view *v = &c->vm->gnttab->view;
    struct gnttab_setup_table op;
    size_t psz = abi_ulong_size(c->compat);

    if (count != 1)
        return -EINVAL;
    if (guest_get(c, uop, &abi_gnttab_setup_table, &op))
        return -EFAULT;
    op.status = domain_status(c, op.dom);
    if (op.status)
        goto out;
    if (op.nr_frames > gnt_max_frames(v) || gnt_grow(v, op.nr_frames)) {
        op.status = GNTST_general_error;
        goto out;
    }
    /* An HVM guest learns where each frame is mapped (Xen's
     * gnttab_shared_gfn is the M2P entry): ~0 for one never mapped. */
    for (unsigned i = 0; i < op.nr_frames; i++) {
        uint64_t gfn = vm_gnttab_frame_gfn(c->vm, false, i);

        if (guest_put_elem(c, ABI_HANDLE(op.frame_list), i, psz, gfn))
            op.status = GNTST_bad_virt_addr;
    }
out:
    return grant_put_status(c, uop, &abi_gnttab_setup_table, ST_STATUS,
                            op.status) ? -EFAULT : 0;
}

static long query_size(struct hcall *c, uint64_t uop, unsigned count)
{
    struct gnt_view *v = &c->vm->gnttab->view;
    struct gnttab_query_size op;

    if (count != 1)
        return -EINVAL;
    if (guest_get(c, uop, &abi_gnttab_query_size, &op))
        return -EFAULT;
    op.status = domain_status(c, op.dom);
    if (!op.status) {
        op.nr_frames = gnt_nr_frames(v);
        op.max_nr_frames = gnt_max_frames(v);
    }
    return guest_put(c, uop, &abi_gnttab_query_size, &op) ? -EFAULT : 0;
}

static long set_version(struct hcall *c, uint64_t uop)
{
    struct gnt_view *v = &c->vm->gnttab->view;
    gnttab_set_version_t op;
    unsigned old = gnt_version(v);
    long rc;

    if (guest_read(c, uop, &op, sizeof(op)))
        return -EFAULT;
    rc = gnt_set_version(v, op.version);
    if (!rc && old == 2 && op.version == 1)
        vm_gnttab_drop_status_frames(c->vm, c->v);
    op.version = gnt_version(v);
    if (guest_write(c, uop, &op, sizeof(op)))
        rc = -EFAULT;
    return rc;
}

static long get_version(struct hcall *c, uint64_t uop)
{
    struct gnttab_get_version op;
    int rc;

    if (guest_get(c, uop, &abi_gnttab_get_version, &op))
        return -EFAULT;
    if ((rc = hcall_domid_check(c, op.dom)))
        return rc;
    op.version = gnt_version(&c->vm->gnttab->view);
    return guest_put(c, uop, &abi_gnttab_get_version, &op) ? -EFAULT : 0;
}

static long swap_refs(struct hcall *c, uint64_t uop, unsigned count)
{
    size_t sz = abi_size(&abi_gnttab_swap_grant_ref, c->compat);

    for (unsigned i = 0; i < count; i++) {
        struct gnttab_swap_grant_ref op;
        uint64_t at = uop + (uint64_t)i * sz;

        if (guest_get(c, at, &abi_gnttab_swap_grant_ref, &op))
            return -EFAULT;
        op.status = (int16_t)gnt_swap(&c->vm->gnttab->view, op.ref_a, op.ref_b);
        if (grant_put_status(c, at, &abi_gnttab_swap_grant_ref, SW_STATUS, op.status))
            return -EFAULT;
    }
    return 0;
}

long hc_grant_table_op(struct hcall *c)
{
    unsigned cmd = (unsigned)c->a[0];
    uint64_t uop = c->a[1];
    unsigned count = (unsigned)c->a[2];

    /* hvm_grant_table_op's list comes first (so opaque bits give
     * -ENOSYS); get_status_frames, transfer, cache_flush are not for HVM
     * guests: they map status frames with XENMAPSPACE_grant_table. */
    switch (cmd) {
    case GNTTABOP_query_size: case GNTTABOP_setup_table:
    case GNTTABOP_set_version: case GNTTABOP_get_version:
    case GNTTABOP_copy: case GNTTABOP_map_grant_ref:
    case GNTTABOP_unmap_grant_ref: case GNTTABOP_swap_grant_ref:
        break;
    default:
        return -ENOSYS;
    }
    if ((int)count < 0)
        return -EINVAL;
    switch (cmd) {
    case GNTTABOP_setup_table:      return setup_table(c, uop, count);
    case GNTTABOP_query_size:       return query_size(c, uop, count);
    case GNTTABOP_set_version:      return set_version(c, uop);
    case GNTTABOP_get_version:      return get_version(c, uop);
    case GNTTABOP_swap_grant_ref:   return swap_refs(c, uop, count);
    case GNTTABOP_copy:             return grant_copy(c, uop, count);
    case GNTTABOP_map_grant_ref:    return grant_map(c, uop, count);
    default:                        return grant_unmap(c, uop, count);
    }
}
