/* The physmap part: which guest frame each memfd page backs, which RAM
 * pages are populated (the rest were ballooned out), the memory map the
 * guest reads, and the contents of the special pages (xenstore and
 * console rings among them), which the VMM owns outside guest RAM. */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "acpi.h"
#include "save.h"
#include "util.h"

#define VERSION 1
#define MAX_RANGES 65536u       /* far more than KVM has memslots */

static int save(void *obj, struct ss_wr *w)
{
    struct vm *vm = obj;
    size_t count_at;
    uint32_t runs = 0;

    ss_put_u64(w, vm->ram_pages);
    ss_put_u64(w, vm->lowmem_pages);
    ss_put_u64(w, vm->xenpage0);
    pthread_rwlock_rdlock(&vm->pm.lock);
    ss_put_u64(w, vm->tot_pages);
    ss_put_u64(w, vm->unmapped_pages);
    /* RAM page states as runs: { u64 pages, u8 RAM_* bits }. */
    count_at = w->len;
    ss_put_u32(w, 0);
    for (uint64_t i = 0; i < vm->ram_pages;) {
        uint64_t j = i;
        while (j < vm->ram_pages && vm->ram_state[j] == vm->ram_state[i])
            j++;
        ss_put_u64(w, j - i);
        ss_put_u8(w, vm->ram_state[i]);
        runs++;
        i = j;
    }
    ss_patch_u32(w, count_at, runs);
    ss_put_u32(w, vm->pm.n);
    for (unsigned i = 0; i < vm->pm.n; i++) {
        const struct pm_range *r = &vm->pm.r[i];
        ss_put_u64(w, r->gfn);
        ss_put_u64(w, r->nr);
        ss_put_u64(w, r->mpage);
        ss_put_u8(w, (uint8_t)r->kind);
    }
    ss_put_u32(w, vm->nr_memmap);
    for (unsigned i = 0; i < vm->nr_memmap; i++) {
        ss_put_u64(w, vm->memmap[i].addr);
        ss_put_u64(w, vm->memmap[i].size);
        ss_put_u32(w, vm->memmap[i].type);
    }
    ss_put_bytes(w, vm_xenpage(vm, XENPAGE_SPECIAL0), XK_NR_SPECIAL * XK_PAGE_SIZE);
    pthread_rwlock_unlock(&vm->pm.lock);
    return 0;
}

/* A range is sane on its own: inside the guest-physical space, backed by
 * pages of the memfd of its kind (RAM in RAM, the rest in VMM pages). */
static bool range_ok(const struct vm *vm, const struct pm_range *r)
{
    uint64_t mem_pages = vm->mem_size >> XK_PAGE_SHIFT;

    if (r->nr == 0 || r->gfn >= PHYSMAP_MAX_GFN || r->nr > PHYSMAP_MAX_GFN - r->gfn ||
        r->mpage >= mem_pages || r->nr > mem_pages - r->mpage)
        return false;
    switch (r->kind) {
    case PM_RAM:
        return r->mpage + r->nr <= vm->ram_pages;
    case PM_SPECIAL:
        /* The special pages, or the ACPI tables (a domain with ACPI). */
        return (r->mpage >= vm->xenpage0 + XENPAGE_SPECIAL0 &&
                r->mpage + r->nr <= vm->xenpage0 + XENPAGE_SPECIAL0 + XK_NR_SPECIAL) ||
               (r->mpage >= vm->xenpage0 + XENPAGE_ACPI &&
                r->mpage + r->nr <= vm->xenpage0 + XENPAGE_ACPI + XK_ACPI_PAGES);
    case PM_SHARED_INFO:
        return r->nr == 1 && r->mpage == vm->xenpage0 + XENPAGE_SHARED_INFO;
    case PM_GRANT:
        /* Grant frames, or guest RAM mapped through a grant. */
        return r->mpage + r->nr <= vm->ram_pages ||
               (r->mpage >= vm->xenpage0 + XENPAGE_GRANT &&
                r->mpage + r->nr <= vm->xenpage0 + XK_XENPAGES);
    }
    return false;
}

static int restore(void *obj, struct ss_rd *r, uint32_t version, char *msg)
{
    struct vm *vm = obj;
    uint64_t tot, unmapped, populated = 0, at = 0;
    uint32_t runs, n, nr_memmap;
    struct pm_range *ranges = NULL;
    unsigned char *state = NULL;
    const void *special;
    typeof(vm->memmap[0]) memmap[ARRAY_SIZE(vm->memmap)];
    int rc = -EINVAL;

    (void)version;
    if (ss_get_u64(r) != vm->ram_pages || ss_get_u64(r) != vm->lowmem_pages ||
        ss_get_u64(r) != vm->xenpage0) {
        if (!r->bad)
            snprintf(msg, SS_MSG_LEN, "saved from a VM with other memory geometry");
        r->bad = true;
        return -EINVAL;
    }
    tot = ss_get_u64(r);
    unmapped = ss_get_u64(r);
    runs = ss_get_u32(r);
    if (!ss_check(r, runs <= vm->ram_pages && runs <= ss_left(r) / 9) ||
        !(state = malloc(vm->ram_pages ? vm->ram_pages : 1)))
        return r->bad ? -EINVAL : -ENOMEM;
    for (uint32_t i = 0; i < runs; i++) {
        uint64_t len = ss_get_u64(r);
        uint8_t bits = ss_get_u8(r);
        if (!ss_check(r, len && len <= vm->ram_pages - at &&
                         !(bits & ~(RAM_POPULATED | RAM_MAPPED))))
            goto out;
        memset(state + at, bits, len);
        at += len;
        if (bits & RAM_POPULATED)
            populated += len;
    }
    if (!ss_check(r, at == vm->ram_pages && populated == tot &&
                     unmapped <= vm->ram_pages - tot))
        goto out;
    n = ss_get_u32(r);
    if (!ss_check(r, n <= MAX_RANGES && n <= ss_left(r) / 25) ||
        !(ranges = calloc(n ? n : 1, sizeof(*ranges))))
        goto out;
    for (uint32_t i = 0; i < n; i++) {
        struct pm_range *pr = &ranges[i];
        pr->gfn = ss_get_u64(r);
        pr->nr = ss_get_u64(r);
        pr->mpage = ss_get_u64(r);
        pr->kind = ss_get_u8(r);
        /* Sorted, not overlapping, each one sane. */
        if (!ss_check(r, range_ok(vm, pr) &&
                         (i == 0 || pr->gfn >= ranges[i - 1].gfn + ranges[i - 1].nr)))
            goto out;
    }
    nr_memmap = ss_get_u32(r);
    if (!ss_check(r, nr_memmap <= ARRAY_SIZE(vm->memmap)))
        goto out;
    for (uint32_t i = 0; i < nr_memmap; i++) {
        memmap[i].addr = ss_get_u64(r);
        memmap[i].size = ss_get_u64(r);
        memmap[i].type = ss_get_u32(r);
    }
    special = ss_get_bytes(r, XK_NR_SPECIAL * XK_PAGE_SIZE);
    if (r->bad)
        goto out;

    /* Everything read is sane: rebuild the map. */
    vm->nr_memmap = nr_memmap;
    memcpy(vm->memmap, memmap, nr_memmap * sizeof(memmap[0]));
    /* A live update keeps the memfd: the rings there are newer. */
    if (!vm->live_update)
        memcpy(vm_xenpage(vm, XENPAGE_SPECIAL0), special, XK_NR_SPECIAL * XK_PAGE_SIZE);
    pthread_rwlock_wrlock(&vm->pm.lock);
    rc = physmap_clear(&vm->pm, 0, PHYSMAP_MAX_GFN);
    for (uint32_t i = 0; !rc && i < n; i++)
        rc = physmap_set(&vm->pm, ranges[i].gfn, ranges[i].nr, ranges[i].mpage,
                         ranges[i].kind);
    if (rc) {
        snprintf(msg, SS_MSG_LEN, "rebuilding the map: %s", strerror(-rc));
    } else {
        /* Ballooned pages give their memory back, as they had. */
        for (uint64_t i = 0; i < vm->ram_pages; i++)
            if ((vm->ram_state[i] & RAM_POPULATED) && !(state[i] & RAM_POPULATED))
                fallocate(vm->mem_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                          (off_t)(i << XK_PAGE_SHIFT), XK_PAGE_SIZE);
        memcpy(vm->ram_state, state, vm->ram_pages);
        vm->tot_pages = tot;
        vm->unmapped_pages = unmapped;
    }
    pthread_rwlock_unlock(&vm->pm.lock);
out:
    free(state);
    free(ranges);
    return rc;
}

const struct ss_part vm_part_physmap = { "physmap", VM_PART_PHYSMAP, VERSION, save, restore };
