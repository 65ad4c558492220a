/* HYPERVISOR_domctl and HYPERVISOR_sysctl as Xen 4.17 answers an
 * unprivileged domain under the default (dummy) XSM policy: the argument
 * is read whole (-EFAULT), its interface version checked (-EACCES), then
 * sysctl is refused (-EPERM).  Domctl first looks the target domain up
 * (-ESRCH) and checks a few sub-ops' arguments before the XSM refusal
 * (xen/common/domctl.c do_domctl, xen/arch/x86/domctl.c, xsm/dummy.h).
 * Tools in a guest read -ENOSYS as "this Xen lacks the feature"; Xen
 * never answers it here. */
#include <errno.h>

#include <xen/domctl.h>
#include <xen/sysctl.h>
#include <xen/vm_event.h>

#include "hcall.h"
#include "link.h"
#include "util.h"

#define MAX_IOPORTS 0x10000u                /* Xen's asm/iocap.h */

/* Xen's paddr_bits: the host's physical address width. */
static unsigned host_paddr_bits(void)
{
    uint32_t a = 0x80000000u, b, c = 0, d;

    __asm__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    if (a < 0x80000008u)
        return 36;
    a = 0x80000008u;
    c = 0;
    __asm__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    return a & 0xff;
}

/* rcu_lock_domain_by_id: raw ids only (no DOMID_SELF). */
static bool domain_exists(struct hcall *c, domid_t id)
{
    return id < DOMID_FIRST_RESERVED && link_domain_exists(c->vm, id);
}

/* The sub-ops Xen handles before xsm_domctl, in its order; everything
 * else is refused by xsm_domctl (XSM_PRIV). */
static long domctl_early(struct hcall *c, struct xen_domctl *op, bool have_d)
{
    switch (op->cmd) {
    case XEN_DOMCTL_getdomaininfo:
        if (have_d)
            return -EPERM;          /* xsm_getdomaininfo (XSM_XS_PRIV) */
        if (op->domain >= DOMID_FIRST_RESERVED)
            return -EINVAL;
        /* The first domain with an id at least op->domain, else none. */
        return link_domain_exists_from(c->vm, op->domain) ? -EPERM : -ESRCH;

    case XEN_DOMCTL_iomem_permission: {
        uint64_t mfn = op->u.iomem_permission.first_mfn;
        uint64_t nr = op->u.iomem_permission.nr_mfns;

        return mfn + nr - 1 < mfn ? -EINVAL : -EPERM;
    }
    case XEN_DOMCTL_memory_mapping: {
        uint64_t gfn = op->u.memory_mapping.first_gfn;
        uint64_t mfn = op->u.memory_mapping.first_mfn;
        uint64_t nr = op->u.memory_mapping.nr_mfns;
        uint64_t end = mfn + nr - 1;

        if (end < mfn || ((mfn | end) >> (host_paddr_bits() - XK_PAGE_SHIFT)) ||
            gfn + nr - 1 < gfn)
            return -EINVAL;
        return -EPERM;
    }
    case XEN_DOMCTL_set_target:
        if (!domain_exists(c, op->u.set_target.target))
            return -ESRCH;
        return op->u.set_target.target == op->domain ? -EINVAL : -EPERM;

    case XEN_DOMCTL_vm_event_op:
        if (op->u.vm_event_op.op == XEN_VM_EVENT_GET_VERSION) {
            /* No XSM check: anyone may ask the version. */
            op->u.vm_event_op.u.version = VM_EVENT_INTERFACE_VERSION;
            return guest_write(c, c->a[0], op, sizeof(*op)) ? -EFAULT : 0;
        }
        return have_d ? -EPERM : -ESRCH;

    case XEN_DOMCTL_get_device_group:
        return -EOPNOTSUPP;         /* no IOMMU for a xenkvm domain */

    case XEN_DOMCTL_ioport_permission: {
        uint32_t fp = op->u.ioport_permission.first_port;
        uint32_t np = op->u.ioport_permission.nr_ports;

        return fp + np <= fp || fp + np > MAX_IOPORTS ? -EINVAL : -EPERM;
    }
    case XEN_DOMCTL_ioport_mapping: {
        /* Every xenkvm domain is HVM: the range check, then XSM. */
        uint32_t fgp = op->u.ioport_mapping.first_gport;
        uint32_t fmp = op->u.ioport_mapping.first_mport;
        uint32_t np = op->u.ioport_mapping.nr_ports;

        if ((fgp | fmp | (np - 1)) >= MAX_IOPORTS || fgp + np > MAX_IOPORTS ||
            fmp + np > MAX_IOPORTS)
            return -EINVAL;
        return -EPERM;
    }
    default:
        return -EPERM;              /* xsm_domctl: XSM_PRIV */
    }
}

long hc_domctl(struct hcall *c)
{
    struct xen_domctl op;
    bool have_d = true;

    if (guest_read(c, c->a[0], &op, sizeof(op)))
        return -EFAULT;
    if (op.interface_version != XEN_DOMCTL_INTERFACE_VERSION)
        return -EACCES;
    /* The target domain, as do_domctl finds it before any sub-op. */
    switch (op.cmd) {
    case XEN_DOMCTL_assign_device:
    case XEN_DOMCTL_deassign_device:
        if (op.domain == DOMID_IO)
            break;                  /* dom_io */
        if (op.domain == DOMID_INVALID)
            return -ESRCH;
        /* fall through */
    case XEN_DOMCTL_test_assign_device:
    case XEN_DOMCTL_vm_event_op:
        if (op.domain == DOMID_INVALID) {
            have_d = false;
            break;
        }
        have_d = domain_exists(c, op.domain);
        if (!have_d)
            return -ESRCH;
        break;
    case XEN_DOMCTL_createdomain:
        have_d = false;
        break;
    default:
        have_d = domain_exists(c, op.domain);
        if (!have_d && op.cmd != XEN_DOMCTL_getdomaininfo)
            return -ESRCH;
    }
    return domctl_early(c, &op, have_d);
}

long hc_sysctl(struct hcall *c)
{
    struct xen_sysctl op;

    if (guest_read(c, c->a[0], &op, sizeof(op)))
        return -EFAULT;
    if (op.interface_version != XEN_SYSCTL_INTERFACE_VERSION)
        return -EACCES;
    return -EPERM;                  /* xsm_sysctl: XSM_PRIV */
}
