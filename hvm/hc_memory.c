/* HYPERVISOR_memory_op (xen/common/memory.c, xen/arch/x86/mm.c) for an
 * HVM/PVH guest: the physmap it may change and the reservation it may
 * grow and shrink (ballooning).  Changes to the physmap stop the other
 * vCPUs while KVM's memslots are rewritten. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <xenctrl.h>    /* struct e820entry: XENMEM_memory_map's element */

#include "grant.h"
#include "hcall.h"
#include "log.h"
#include "passthrough.h"
#include "shinfo.h"
#include "util.h"
#include "vcpu.h"

/* Xen's continuation encoding of memory_op commands (hypercall.h). */
#define MEMOP_EXTENT_SHIFT 6
#define MEMOP_CMD_MASK ((1u << MEMOP_EXTENT_SHIFT) - 1)
/* Largest extent an unprivileged domain may ask for (CONFIG_DOMU_MAX_ORDER). */
#define DOMU_MAX_ORDER 9
/* Guest frames we accept: 48-bit guest-physical addresses. */
#define MAX_GFN (1ULL << 36)

/* A memfd RAM page backing no frame, for a frame that is a hole. */
static bool ram_alloc(struct vm *vm, uint64_t *mpage)
{
    for (uint64_t i = 0; i < vm->ram_pages; i++)
        if (!vm->ram_state[i]) {
            vm->ram_state[i] = RAM_POPULATED | RAM_MAPPED;
            vm->tot_pages++;
            *mpage = i;
            return true;
        }
    return false;
}

/* Give a RAM page's memory back to the host: the memfd range is punched
 * out, so the page reads as zeroes when used again, as Xen scrubs freed
 * pages.  The frame may stay mapped (ballooned out).  Passed-through
 * devices lose the page first, as Xen's IOMMU does. */
static void ram_unpopulate(struct vm *vm, uint64_t mpage)
{
    if (!(vm->ram_state[mpage] & RAM_POPULATED))
        return;
    passthrough_ram_release(vm, mpage, false);
    fallocate(vm->mem_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
              (off_t)(mpage << XK_PAGE_SHIFT), XK_PAGE_SIZE);
    vm->ram_state[mpage] &= ~RAM_POPULATED;
    vm->tot_pages--;
}

/* Unmap whatever backs GFN (write lock held, vCPUs paused): RAM is freed,
 * the shared info page unmapped.  -EINVAL for a hole. */
static int unmap_gfn(struct vm *vm, uint64_t gfn)
{
    uint64_t mpage;
    enum pm_kind kind;
    int rc;

    if (!physmap_lookup(&vm->pm, gfn, &mpage, &kind, NULL))
        return -EINVAL;
    if ((rc = physmap_clear(&vm->pm, gfn, 1)))
        return rc;
    if (kind == PM_RAM) {
        ram_unpopulate(vm, mpage);
        vm->ram_state[mpage] &= ~RAM_MAPPED;
    } else if (kind == PM_SHARED_INFO) {
        vm->shared_info_gfn = XK_INVALID_GFN;
    } else if (kind == PM_GRANT) {
        vm_gnttab_frame_unmapped(vm, mpage);
    } else if (kind == PM_SPECIAL && vm->special_pages) {
        vm->special_pages--;        /* Xen frees the page it replaces */
    }
    return 0;
}

/* decrease_reservation of one frame: Xen's guest_remove_page.  Only
 * populated RAM can be given back; the frame keeps its memslot, so a
 * balloon driver's thousands of scattered frames cost no KVM slots.  A
 * passed-through function whose DMA mapping cannot let go of the page
 * (the kernel's VFIO) makes it fail (-EBUSY): the page stays. */
static int balloon_out(struct vm *vm, uint64_t gfn)
{
    uint64_t mpage;
    enum pm_kind kind;

    if (!physmap_lookup(&vm->pm, gfn, &mpage, &kind, NULL) || kind != PM_RAM ||
        !(vm->ram_state[mpage] & RAM_POPULATED))
        return -EINVAL;
    if (passthrough_ram_release(vm, mpage, true) < 0)
        return -EBUSY;
    ram_unpopulate(vm, mpage);
    return 0;
}

/* populate_physmap of one frame (write lock held).  A
 * ballooned-out RAM frame gets its (zeroed) page back; a hole or another
 * kind of frame gets a free memfd page mapped there, which needs the vCPUs
 * PAUSED (-EAGAIN otherwise). */
static int populate_one(struct vm *vm, uint64_t gfn, bool paused)
{
    uint64_t mpage;
    enum pm_kind kind;
    int rc;

    if (physmap_lookup(&vm->pm, gfn, &mpage, &kind, NULL) && kind == PM_RAM) {
        if (vm->ram_state[mpage] & RAM_POPULATED) {
            /* Xen replaces the page: the frame reads as zeroes after.
             * Not under a device that cannot let go of it (kernel VFIO). */
            if (passthrough_ram_release(vm, mpage, true) < 0)
                return -EBUSY;
            ram_unpopulate(vm, mpage);
        }
        if (vm_reservation(vm) >= vm_max_pages(vm))
            return -ENOMEM;
        vm->ram_state[mpage] |= RAM_POPULATED;
        vm->tot_pages++;
        /* Xen maps it in the IOMMU again; failing that, no page. */
        if (passthrough_ram_map(vm, gfn, mpage) < 0) {
            ram_unpopulate(vm, mpage);
            return -ENOMEM;
        }
        return 0;
    }
    if (!paused)
        return -EAGAIN;     /* the map changes: stop the other vCPUs first */
    if (vm_reservation(vm) >= vm_max_pages(vm) ||
        physmap_free_slots(&vm->pm) < 2 || !ram_alloc(vm, &mpage))
        return -ENOMEM;
    unmap_gfn(vm, gfn);
    rc = physmap_set(&vm->pm, gfn, 1, mpage, PM_RAM);
    if (!rc && passthrough_ram_map(vm, gfn, mpage) < 0) {
        physmap_clear(&vm->pm, gfn, 1);
        rc = -ENOMEM;
    }
    if (rc) {
        ram_unpopulate(vm, mpage);
        vm->ram_state[mpage] = 0;
    }
    return rc;
}

/* Move the RAM page at IDX to GPFN (XENMAPSPACE_gmfn). */
/* Make room at GPFN for an overlay (shared info, a grant frame): a RAM
 * page there goes back to the host, a hole is fine, and the change must
 * not run out of memslots half-way.  Caller holds the map's write lock. */
static int overlay_clear_locked(struct vm *vm, uint64_t gpfn)
{
    int rc;

    if (physmap_free_slots(&vm->pm) < 3)
        return -ENOMEM;
    rc = unmap_gfn(vm, gpfn);
    return rc == -EINVAL ? 0 : rc;
}

static int move_gfn(struct vm *vm, uint64_t idx, uint64_t gpfn)
{
    uint64_t mpage;
    enum pm_kind kind;
    int rc;

    if (!physmap_lookup(&vm->pm, idx, &mpage, &kind, NULL) || kind != PM_RAM ||
        !(vm->ram_state[mpage] & RAM_POPULATED))
        return -EINVAL;
    if (idx == gpfn)
        return 0;
    /* Clearing two frames and mapping one: at most three slots. */
    if (physmap_free_slots(&vm->pm) < 3)
        return -ENOMEM;
    physmap_clear(&vm->pm, idx, 1);
    /* Whatever was at the target is dropped (freed if RAM). */
    unmap_gfn(vm, gpfn);
    if ((rc = physmap_set(&vm->pm, gpfn, 1, mpage, PM_RAM)))
        return rc;
    /* Devices find the page at its new frame (where they can). */
    passthrough_ram_release(vm, mpage, false);
    passthrough_ram_map(vm, gpfn, mpage);
    return 0;
}

/* One add_to_physmap operation.  The caller has paused the other vCPUs
 * (once for a whole range or batch); the map's write lock is taken here. */
static int add_one(struct hcall *c, unsigned space, uint64_t idx, uint64_t gpfn)
{
    struct vm *vm = c->vm;
    int rc;

    if (gpfn >= MAX_GFN)
        return -EINVAL;
    switch (space) {
    case XENMAPSPACE_shared_info:
        if (idx != 0)
            return -EINVAL;
        shinfo_latch_width(c->v);
        if (vm->shared_info_gfn == gpfn)
            return 0;
        pthread_rwlock_wrlock(&vm->pm.lock);
        if (!(rc = overlay_clear_locked(vm, gpfn)))
            rc = shinfo_map_locked(vm, gpfn);
        pthread_rwlock_unlock(&vm->pm.lock);
        if (!rc)
            shinfo_update_wallclock(vm);
        return rc;
    case XENMAPSPACE_gmfn:
        if (idx >= MAX_GFN)
            return -EINVAL;
        pthread_rwlock_wrlock(&vm->pm.lock);
        rc = move_gfn(vm, idx, gpfn);
        pthread_rwlock_unlock(&vm->pm.lock);
        return rc;
    case XENMAPSPACE_grant_table: {
        uint64_t mpage;

        /* Grow first: the table's lock is never taken under the map's. */
        if ((rc = vm_gnttab_frame_page(vm, idx, &mpage)))
            return rc;
        pthread_rwlock_wrlock(&vm->pm.lock);
        if (!(rc = overlay_clear_locked(vm, gpfn)))
            rc = vm_gnttab_map_frame_locked(vm, idx, mpage, gpfn);
        pthread_rwlock_unlock(&vm->pm.lock);
        return rc;
    }
    default:
        /* Foreign frames and device MMIO are for privileged domains. */
        return -EINVAL;
    }
}

static long add_to_physmap(struct hcall *c, unsigned start)
{
    struct xen_add_to_physmap x;
    int rc;

    if (start != (uint16_t)start)
        return -EDOM;
    if (guest_get(c, c->a[1], &abi_xen_add_to_physmap, &x))
        return -EFAULT;
    /* Foreign mapping is only possible via add_to_physmap_batch. */
    if (x.space == XENMAPSPACE_gmfn_foreign)
        return -ENOSYS;
    if ((rc = hcall_domid_check(c, x.domid)))
        return rc;
    vm_pause_others(c->vm, c->v);
    if (x.space == XENMAPSPACE_gmfn_range) {
        /* Xen moves size frames, reporting progress in the structure. */
        while (x.size > 0) {
            rc = add_one(c, XENMAPSPACE_gmfn, x.idx, x.gpfn);
            if (rc)
                break;
            x.idx++;
            x.gpfn++;
            x.size--;
        }
        if (guest_put(c, c->a[1], &abi_xen_add_to_physmap, &x))
            rc = -EFAULT;
    } else {
        rc = add_one(c, x.space, x.idx, x.gpfn);
    }
    vm_unpause(c->vm);
    return rc;
}

static long add_to_physmap_batch(struct hcall *c, unsigned start)
{
    struct xen_add_to_physmap_batch b;
    uint64_t idxs, gpfns, errs;
    size_t usz = abi_ulong_size(c->compat);
    int rc;

    if (start != (uint16_t)start)
        return -EDOM;
    if (guest_get(c, c->a[1], &abi_xen_add_to_physmap_batch, &b))
        return -EFAULT;
    if (b.space == XENMAPSPACE_gmfn_range)
        return -EOPNOTSUPP;
    if ((rc = hcall_domid_check(c, b.domid)))
        return rc;
    if (b.size < start)
        return -EILSEQ;
    if (b.size == start)
        return start ? -EILSEQ : 0;
    if (b.space == XENMAPSPACE_dev_mmio && b.u.foreign_domid)
        return -EOPNOTSUPP;     /* res0 is reserved */
    idxs = ABI_HANDLE(b.idxs);
    gpfns = ABI_HANDLE(b.gpfns);
    errs = ABI_HANDLE(b.errs);
    rc = 0;
    vm_pause_others(c->vm, c->v);
    for (unsigned i = start; i < b.size; i++) {
        uint64_t idx, gpfn;
        int32_t err;

        if (guest_get_elem(c, idxs, i, usz, &idx) ||
            guest_get_elem(c, gpfns, i, usz, &gpfn)) {
            rc = -EFAULT;
            break;
        }
        err = b.space == XENMAPSPACE_gmfn_foreign ? -EPERM
                                                  : add_one(c, b.space, idx, gpfn);
        if (guest_put_elem(c, errs, i, sizeof(err), (uint32_t)err)) {
            rc = -EFAULT;
            break;
        }
    }
    vm_unpause(c->vm);
    return rc;
}

static long remove_from_physmap(struct hcall *c)
{
    struct xen_remove_from_physmap x;
    struct vm *vm = c->vm;
    int rc;

    if (guest_get(c, c->a[1], &abi_xen_remove_from_physmap, &x))
        return -EFAULT;
    if ((rc = hcall_domid_check(c, x.domid)))
        return rc;
    vm_pause_others(vm, c->v);
    pthread_rwlock_wrlock(&vm->pm.lock);
    rc = unmap_gfn(vm, x.gpfn);
    pthread_rwlock_unlock(&vm->pm.lock);
    vm_unpause(vm);
    return rc;
}

static long memory_map(struct hcall *c)
{
    struct xen_memory_map m;
    struct vm *vm = c->vm;
    unsigned n;

    if (guest_get(c, c->a[1], &abi_xen_memory_map, &m))
        return -EFAULT;
    n = XK_MIN(m.nr_entries, vm->nr_memmap);
    for (unsigned i = 0; i < n; i++) {
        struct e820entry e = {
            .addr = vm->memmap[i].addr, .size = vm->memmap[i].size,
            .type = vm->memmap[i].type,
        };
        if (guest_write(c, ABI_HANDLE(m.buffer) + i * sizeof(e), &e, sizeof(e)))
            return -EFAULT;
    }
    m.nr_entries = n;
    return guest_put(c, c->a[1], &abi_xen_memory_map, &m) ? -EFAULT : 0;
}

/* increase/decrease_reservation and populate_physmap: the result is the
 * number of extents done; any failure just ends the run early. */
static long reservation(struct hcall *c, unsigned op, unsigned start)
{
    struct xen_memory_reservation r;
    struct vm *vm = c->vm;
    uint64_t list;
    size_t psz = abi_ulong_size(c->compat);
    bool paused = false;
    uint64_t done;

    if (guest_get(c, c->a[1], &abi_xen_memory_reservation, &r))
        return start;
    if (r.nr_extents > (UINT32_MAX >> MEMOP_EXTENT_SHIFT) ||
        start >= r.nr_extents || r.extent_order > DOMU_MAX_ORDER ||
        hcall_domid_check(c, r.domid) ||
        (op == XENMEM_populate_physmap &&
         (r.mem_flags & XENMEMF_populate_on_demand)))
        return start;
    list = ABI_HANDLE(r.extent_start);

    for (done = start; done < r.nr_extents; done++) {
        uint64_t n = 1ULL << r.extent_order, gfn = 0, j;
        bool ok = true;

        /* Guest reads take the map's read lock: not while we write it. */
        if (list && guest_get_elem(c, list, done, psz, &gfn))
            break;
        pthread_rwlock_wrlock(&vm->pm.lock);
        if (op == XENMEM_increase_reservation) {
            /* On Xen an HVM guest's new pages are not placed anywhere. */
            ok = vm_reservation(vm) + n <= vm_max_pages(vm);
            if (ok)
                vm->unmapped_pages += n;
            n = 0;
        }
        if (n && (gfn >= MAX_GFN || gfn + n > MAX_GFN))
            ok = false;
        for (j = 0; j < n && ok; j++) {
            int rc;

            if (op == XENMEM_decrease_reservation) {
                ok = balloon_out(vm, gfn + j) == 0;
                continue;
            }
            rc = populate_one(vm, gfn + j, paused);
            if (rc == -EAGAIN) {
                /* Only a new mapping needs the other vCPUs out of KVM. */
                pthread_rwlock_unlock(&vm->pm.lock);
                vm_pause_others(vm, c->v);
                paused = true;
                pthread_rwlock_wrlock(&vm->pm.lock);
                rc = populate_one(vm, gfn + j, paused);
            }
            ok = rc == 0;
        }
        pthread_rwlock_unlock(&vm->pm.lock);
        if (!ok)
            break;
    }
    if (paused)
        vm_unpause(vm);
    return (long)done;
}

static long domid_query(struct hcall *c, unsigned op)
{
    domid_t domid;
    struct vm *vm = c->vm;
    int rc;

    if (guest_read(c, c->a[1], &domid, sizeof(domid)))
        return -EFAULT;
    if ((rc = hcall_domid_check(c, domid)))
        return rc;
    if (op == XENMEM_current_reservation)
        return (long)vm_reservation(vm);
    if (op == XENMEM_maximum_reservation)
        return (long)vm_max_pages(vm);
    /* XENMEM_maximum_gpfn: the highest frame in the guest's physmap. */
    pthread_rwlock_rdlock(&vm->pm.lock);
    uint64_t max = vm->pm.n ? vm->pm.r[vm->pm.n - 1].gfn +
                              vm->pm.r[vm->pm.n - 1].nr - 1 : 0;
    pthread_rwlock_unlock(&vm->pm.lock);
    return (long)max;
}

long hc_memory_op(struct hcall *c)
{
    unsigned op = (unsigned)c->a[0] & MEMOP_CMD_MASK;
    unsigned start = (unsigned)(c->a[0] >> MEMOP_EXTENT_SHIFT);

    switch (op) {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
        return reservation(c, op, start);
    case XENMEM_maximum_ram_page:
        /* Highest guest RAM frame + 1: the only "machine" this guest has. */
        if (start)
            return -ENOSYS;
        return (long)(c->vm->ram_pages > c->vm->lowmem_pages
                      ? (XK_4G >> XK_PAGE_SHIFT) + c->vm->ram_pages - c->vm->lowmem_pages
                      : c->vm->lowmem_pages);
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
    case XENMEM_maximum_gpfn:
        if (start)
            return -ENOSYS;
        return domid_query(c, op);
    case XENMEM_add_to_physmap:
        return add_to_physmap(c, start);
    case XENMEM_add_to_physmap_batch:
        return add_to_physmap_batch(c, start);
    case XENMEM_remove_from_physmap:
        if (start)
            return -ENOSYS;
        return remove_from_physmap(c);
    case XENMEM_memory_map:
        if (start)
            return -ENOSYS;
        return memory_map(c);
    case XENMEM_machine_memory_map:
    case XENMEM_machphys_mapping:
        return -ENOSYS;         /* hvm_memory_op refuses these for HVM */
    case XENMEM_set_memory_map:
        return -EPERM;
    default:
        return -ENOSYS;
    }
}
