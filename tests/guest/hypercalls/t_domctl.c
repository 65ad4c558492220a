/* domctl and sysctl as Xen 4.17 answers an unprivileged domain under the
 * default XSM policy: xen/common/domctl.c do_domctl, sysctl.c do_sysctl,
 * xen/arch/x86/domctl.c, xen/include/xsm/dummy.h.  Never -ENOSYS: tools
 * in a guest read that as "this Xen lacks the feature". */
#define __XEN_TOOLS__ 1         /* domctl.h/sysctl.h are the tools' ABI */
#include "hc.h"

#include <xen/domctl.h>
#include <xen/sysctl.h>
#include <xen/vm_event.h>

static long domctl(struct xen_domctl *op)
{
    return HCALL(__HYPERVISOR_domctl, op, 0, 0);
}

static long sysctl(struct xen_sysctl *op)
{
    return HCALL(__HYPERVISOR_sysctl, op, 0, 0);
}

static struct xen_domctl dop;
static struct xen_sysctl sop;

static struct xen_domctl *dc(uint32_t cmd, domid_t dom)
{
    memset(&dop, 0, sizeof(dop));
    dop.cmd = cmd;
    dop.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    dop.domain = dom;
    return &dop;
}

TEST(sysctl_efault)
{
    EXPECT_EQ(HCALL(__HYPERVISOR_sysctl, BAD_PTR, 0, 0), XERR(EFAULT));
}

TEST(sysctl_wrong_version_eacces)
{
    memset(&sop, 0, sizeof(sop));
    sop.cmd = XEN_SYSCTL_physinfo;
    sop.interface_version = XEN_SYSCTL_INTERFACE_VERSION - 1;
    EXPECT_EQ(sysctl(&sop), XERR(EACCES));
}

TEST(sysctl_eperm)
{
    /* xsm_sysctl refuses before the switch: a known and an unknown op. */
    memset(&sop, 0, sizeof(sop));
    sop.cmd = XEN_SYSCTL_physinfo;
    sop.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    EXPECT_EQ(sysctl(&sop), XERR(EPERM));
    sop.cmd = 0x7fff;
    EXPECT_EQ(sysctl(&sop), XERR(EPERM));
}

TEST(domctl_efault)
{
    EXPECT_EQ(HCALL(__HYPERVISOR_domctl, BAD_PTR, 0, 0), XERR(EFAULT));
}

TEST(domctl_wrong_version_eacces)
{
    struct xen_domctl *op = dc(XEN_DOMCTL_pausedomain, 0);

    op->interface_version = 0;
    EXPECT_EQ(domctl(op), XERR(EACCES));
}

TEST(domctl_eperm)
{
    /* Domain 0 exists; xsm_domctl refuses a guest every op on it. */
    EXPECT_EQ(domctl(dc(XEN_DOMCTL_pausedomain, 0)), XERR(EPERM));
    EXPECT_EQ(domctl(dc(XEN_DOMCTL_getdomaininfo, 0)), XERR(EPERM));
    EXPECT_EQ(domctl(dc(0x7fff, 0)), XERR(EPERM));
    EXPECT_EQ(domctl(dc(XEN_DOMCTL_createdomain, NO_SUCH_DOMID)), XERR(EPERM));
}

TEST(domctl_domain_lookup_esrch)
{
    /* The domain is looked up before the sub-op; DOMID_SELF is not an id
     * rcu_lock_domain_by_id knows. */
    EXPECT_EQ(domctl(dc(XEN_DOMCTL_pausedomain, NO_SUCH_DOMID)), XERR(ESRCH));
    EXPECT_EQ(domctl(dc(XEN_DOMCTL_pausedomain, DOMID_SELF)), XERR(ESRCH));
    EXPECT_EQ(domctl(dc(0x7fff, NO_SUCH_DOMID)), XERR(ESRCH));
    EXPECT_EQ(domctl(dc(XEN_DOMCTL_assign_device, DOMID_INVALID)), XERR(ESRCH));
}

TEST(domctl_getdomaininfo_search)
{
    /* A missing id finds the next domain up (then XSM refuses), none
     * above it is -ESRCH, a reserved id -EINVAL. */
    EXPECT_EQ(domctl(dc(XEN_DOMCTL_getdomaininfo, NO_SUCH_DOMID)), XERR(ESRCH));
    EXPECT_EQ(domctl(dc(XEN_DOMCTL_getdomaininfo, DOMID_FIRST_RESERVED)), XERR(EINVAL));
}

TEST(domctl_argument_checks_first)
{
    struct xen_domctl *op = dc(XEN_DOMCTL_ioport_permission, 0);

    op->u.ioport_permission.first_port = 0xfff0;
    op->u.ioport_permission.nr_ports = 0x20;
    EXPECT_EQ(domctl(op), XERR(EINVAL));
    op->u.ioport_permission.nr_ports = 0x10;
    EXPECT_EQ(domctl(op), XERR(EPERM));
    op = dc(XEN_DOMCTL_iomem_permission, 0);
    op->u.iomem_permission.first_mfn = ~0ull;
    op->u.iomem_permission.nr_mfns = 2;
    EXPECT_EQ(domctl(op), XERR(EINVAL));
}

TEST(domctl_vm_event_version)
{
    /* The one op an unprivileged domain may make: no XSM check. */
    struct xen_domctl *op = dc(XEN_DOMCTL_vm_event_op, DOMID_INVALID);

    op->u.vm_event_op.op = XEN_VM_EVENT_GET_VERSION;
    EXPECT_EQ(domctl(op), 0);
    EXPECT_EQ(op->u.vm_event_op.u.version, VM_EVENT_INTERFACE_VERSION);
    op->u.vm_event_op.op = XEN_VM_EVENT_ENABLE;
    EXPECT_EQ(domctl(op), XERR(ESRCH));
}
