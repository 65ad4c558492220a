/* HYPERVISOR_physdev_op for an HVM guest, as Xen 4.19 serves it
 * (xen/arch/x86/hvm/hypercall.c hvm_physdev_op, then physdev.c
 * do_physdev_op): the PIRQ commands exist only for a domain created with
 * XEN_X86_EMU_USE_PIRQ (xl.cfg hvm_pirq=1, --hvm-pirq here); everything
 * else, including PHYSDEVOP_pirq_eoi_gmfn_v1/v2, is -ENOSYS for an HVM
 * guest.  The pirq table is the evtchn library's (evtchn/pirq.c); the
 * interrupts behind a pirq are the passthrough's (passthrough_pirq.c). */
#include <errno.h>

#include <xen/physdev.h>

#include "hcall.h"
#include "irq.h"
#include "passthrough_pirq.h"

#define GET(st, var) do { if (guest_get(c, c->a[1], &abi_##st, &(var))) return -EFAULT; } while (0)
#define PUT(st, var) (guest_put(c, c->a[1], &abi_##st, &(var)) ? -EFAULT : 0)

/* physdev_map_pirq on the domain itself: only GSIs (physdev_hvm_map_pirq
 * has no MSI case: on Xen a guest's MSI pirqs are mapped by its device
 * model, here by the passthrough when the guest writes the message), and
 * only once the guest takes events by vector (is_hvm_pv_evtchn_domain). */
static int map_self(struct hcall *c, struct physdev_map_pirq *m)
{
    struct vm *vm = c->vm;
    int rc;

    if (!irq_pv_evtchn(vm))
        return -EINVAL;
    if (m->type != MAP_PIRQ_TYPE_GSI)
        return -EINVAL;
    rc = evtchn_pirq_map_gsi(&vm->evtchn, m->index, &m->pirq);
    if (rc == 0)
        passthrough_pirq_gsi_sync(vm);
    return rc;
}

static long map_pirq(struct hcall *c)
{
    struct physdev_map_pirq m;
    int rc;

    GET(physdev_map_pirq, m);
    switch (m.type) {
    case MAP_PIRQ_TYPE_MSI_SEG:
        m.type = MAP_PIRQ_TYPE_MSI;     /* and so it is written back */
        break;
    case MAP_PIRQ_TYPE_MULTI_MSI:
        if (m.table_base)
            return -EINVAL;
        break;
    }
    /* Another domain: Xen asks XSM whether we are its device model. */
    if ((rc = hcall_domid_check(c, m.domid)) == 0)
        rc = map_self(c, &m);
    if (rc == -ESRCH)
        return rc;              /* no domain: nothing is written back */
    /* Xen writes the structure back whatever the outcome. */
    return PUT(physdev_map_pirq, m) ? -EFAULT : rc;
}

static long unmap_pirq(struct hcall *c)
{
    struct physdev_unmap_pirq u;
    int rc;

    GET(physdev_unmap_pirq, u);
    if ((rc = hcall_domid_check(c, u.domid)))
        return rc;
    rc = evtchn_pirq_unmap(&c->vm->evtchn, u.pirq);
    passthrough_pirq_gsi_sync(c->vm);
    return rc;
}

static long eoi(struct hcall *c)
{
    struct physdev_eoi e;
    int gsi;

    GET(physdev_eoi, e);
    gsi = evtchn_pirq_eoi(&c->vm->evtchn, e.irq);
    if (gsi == -EINVAL)
        return gsi;
    /* A level GSI still asserted notifies again. */
    if (gsi >= 0)
        passthrough_pirq_gsi_eoi(c->vm, (unsigned)gsi);
    return 0;
}

static long irq_status_query(struct hcall *c)
{
    struct physdev_irq_status_query q;
    int rc;

    GET(physdev_irq_status_query, q);
    if ((rc = evtchn_pirq_query(&c->vm->evtchn, (int)q.irq)))
        return rc;
    /* Xen asks every guest to EOI; an emulated pirq is never shared. */
    q.flags = XENIRQSTAT_needs_eoi;
    return PUT(physdev_irq_status_query, q);
}

static long get_free_pirq(struct hcall *c)
{
    struct physdev_get_free_pirq f;
    int rc;

    GET(physdev_get_free_pirq, f);
    if ((rc = evtchn_pirq_get_free(&c->vm->evtchn, f.type)) < 0)
        return rc;
    f.pirq = (uint32_t)rc;
    return PUT(physdev_get_free_pirq, f);
}

long hc_physdev_op(struct hcall *c)
{
    switch ((int)c->a[0]) {
    case PHYSDEVOP_map_pirq:
    case PHYSDEVOP_unmap_pirq:
    case PHYSDEVOP_eoi:
    case PHYSDEVOP_irq_status_query:
    case PHYSDEVOP_get_free_pirq:
        if (!c->vm->hvm_pirq)
            return -ENOSYS;     /* !has_pirq(currd) */
        break;
    default:
        /* The rest is for PV or the hardware domain. */
        return -ENOSYS;
    }
    switch ((int)c->a[0]) {
    case PHYSDEVOP_map_pirq:
        return map_pirq(c);
    case PHYSDEVOP_unmap_pirq:
        return unmap_pirq(c);
    case PHYSDEVOP_eoi:
        return eoi(c);
    case PHYSDEVOP_irq_status_query:
        return irq_status_query(c);
    default:
        return get_free_pirq(c);
    }
}
