/* GNTTABOP_map_grant_ref / unmap_grant_ref for an HVM guest
 * (xen/common/grant_table.c map_grant_ref, unmap_common;
 * xen/arch/x86/mm/p2m.c create/replace_grant_p2m_mapping): host_addr is a
 * guest-physical address where the granted frame appears.  Only the
 * guest's own grants can be mapped: every other domain's table lives in
 * another process (see docs/grant-tables.md). */
#include <errno.h>
#include <string.h>

#include "grant.h"
#include "hc_grant.h"
#include "util.h"
#include "vcpu.h"

enum { MAP_STATUS = 4 };        /* field indices (abi_structs.h) */
enum { UNMAP_STATUS = 3 };

/* Checks before the table is looked at, in map_grant_ref's order. */
static int16_t map_precheck(struct hcall *c, const struct gnttab_map_grant_ref *op)
{
    if (!(op->flags & (GNTMAP_device_map | GNTMAP_host_map)))
        return GNTST_bad_gntref;
    if (op->flags & (GNTMAP_device_map | GNTMAP_application_map |
                     GNTMAP_contains_pte))
        return GNTST_general_error;     /* "No device mapping in HVM domain" */
    /* rcu_lock_domain_by_id: DOMID_SELF is not a domain id here. */
    if (op->dom == 0)
        return GNTST_general_error;     /* the host grants nothing to guests */
    if (op->dom != c->vm->domid)
        return GNTST_bad_domain;
    return GNTST_okay;
}

static int16_t map_one(struct hcall *c, struct gnttab_map_grant_ref *op)
{
    struct vm *vm = c->vm;
    struct vm_gnttab *g = vm->gnttab;
    struct gnt_handle h;
    uint64_t gfn = op->host_addr >> XK_PAGE_SHIFT, mpage, old;
    enum pm_kind kind;
    unsigned slot;
    int16_t rc;

    if ((rc = map_precheck(c, op)))
        return rc;
    rc = (int16_t)gnt_take(&g->view, vm->domid, op->ref, GNT_MAP |
                           ((op->flags & GNTMAP_readonly) ? GNT_READ : GNT_WRITE), &h);
    if (rc)
        return rc;
    if (gfn >= PHYSMAP_MAX_GFN) {
        gnt_release(&h);
        return GNTST_general_error;
    }
    mpage = (uint64_t)(h.ptr - vm->mem) >> XK_PAGE_SHIFT;
    pthread_rwlock_wrlock(&vm->pm.lock);
    for (slot = 0; slot < XK_MAPTRACK && g->maptrack[slot].used; slot++)
        ;
    if (slot == XK_MAPTRACK) {
        rc = GNTST_no_space;
    } else if (physmap_free_slots(&vm->pm) < 3 ||
               (physmap_lookup(&vm->pm, gfn, &old, &kind, NULL) && kind != PM_RAM)) {
        /* Only RAM or a hole may be replaced: an overlay (shared info,
         * grant frames, special pages) keeps its place. */
        rc = GNTST_general_error;
    } else {
        /* A ballooned-out page the mapping covers becomes free memory. */
        if (physmap_lookup(&vm->pm, gfn, &old, &kind, NULL) &&
            !(vm->ram_state[old] & RAM_POPULATED))
            vm->ram_state[old] = 0;
        if (physmap_set(&vm->pm, gfn, 1, mpage, PM_GRANT))
            rc = GNTST_general_error;
    }
    if (!rc) {
        g->maptrack[slot] = (struct vm_maptrack){ true, gfn, mpage, h };
        op->handle = slot;
        /* Xen gives the frame's machine address: here, guest-physical. */
        op->dev_bus_addr = h.gfn << XK_PAGE_SHIFT;
    }
    pthread_rwlock_unlock(&vm->pm.lock);
    if (rc)
        gnt_release(&h);    /* outside the map's lock: the table's nests outside */
    return rc;
}

long grant_map(struct hcall *c, uint64_t uop, unsigned count)
{
    size_t sz = abi_size(&abi_gnttab_map_grant_ref, c->compat);
    long rc = 0;

    vm_pause_others(c->vm, c->v);
    for (unsigned i = 0; i < count; i++) {
        struct gnttab_map_grant_ref op;
        uint64_t at = uop + (uint64_t)i * sz;

        if (guest_get(c, at, &abi_gnttab_map_grant_ref, &op)) {
            rc = -EFAULT;
            break;
        }
        op.status = map_one(c, &op);
        if (guest_put(c, at, &abi_gnttab_map_grant_ref, &op)) {
            rc = -EFAULT;
            break;
        }
    }
    vm_unpause(c->vm);
    return rc;
}

static int16_t unmap_one(struct hcall *c, const struct gnttab_unmap_grant_ref *op)
{
    struct vm *vm = c->vm;
    struct vm_maptrack *m;
    struct gnt_handle h;
    uint64_t gfn = op->host_addr >> XK_PAGE_SHIFT, mpage;
    enum pm_kind kind;
    int16_t rc = GNTST_okay;

    pthread_rwlock_wrlock(&vm->pm.lock);
    m = op->handle < XK_MAPTRACK ? &vm->gnttab->maptrack[op->handle] : NULL;
    if (!m || !m->used) {
        rc = GNTST_bad_handle;
    } else if (!op->host_addr) {
        /* Xen tears down the host mapping only when told where it is. */
    } else if (!physmap_lookup(&vm->pm, gfn, &mpage, &kind, NULL) ||
               kind != PM_GRANT || mpage != m->mpage) {
        rc = GNTST_general_error;   /* replace_grant_p2m_mapping's check */
    } else if (physmap_clear(&vm->pm, gfn, 1)) {
        rc = GNTST_general_error;
    } else {
        h = m->h;
        memset(m, 0, sizeof(*m));
        pthread_rwlock_unlock(&vm->pm.lock);
        gnt_release(&h);
        return GNTST_okay;
    }
    pthread_rwlock_unlock(&vm->pm.lock);
    return rc;
}

long grant_unmap(struct hcall *c, uint64_t uop, unsigned count)
{
    size_t sz = abi_size(&abi_gnttab_unmap_grant_ref, c->compat);
    long rc = 0;

    vm_pause_others(c->vm, c->v);
    for (unsigned i = 0; i < count; i++) {
        struct gnttab_unmap_grant_ref op;
        uint64_t at = uop + (uint64_t)i * sz;

        if (guest_get(c, at, &abi_gnttab_unmap_grant_ref, &op)) {
            rc = -EFAULT;
            break;
        }
        if (grant_put_status(c, at, &abi_gnttab_unmap_grant_ref, UNMAP_STATUS,
                             unmap_one(c, &op))) {
            rc = -EFAULT;
            break;
        }
    }
    vm_unpause(c->vm);
    return rc;
}
