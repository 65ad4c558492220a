/* The registry of the domain's savable parts.  The order is the order of
 * dependence: the map first (every later part refers to guest frames),
 * shared info on its frame, the params (the callback via evtchn applies),
 * grant frames found in the map, event channels (FIFO pages in guest RAM),
 * timers (they raise VIRQ_TIMER on bound ports), backend attachment
 * (ports and rings), the vCPUs, and last the controller pause count,
 * which decides whether the restored domain runs at all. */
#include "save.h"

#include <stdio.h>

const struct ss_part *const vm_parts[] = {
    &vm_part_physmap, &vm_part_shinfo, &vm_part_params, &vm_part_gnttab,
    &vm_part_evtchn, &vm_part_timers, &vm_part_attach, &vm_part_vcpus,
    &vm_part_control,
};
const unsigned vm_nr_parts = sizeof(vm_parts) / sizeof(vm_parts[0]);

const struct ss_part *const lu_parts[] = { &vm_part_irqchip, &vm_part_pci };
const unsigned lu_nr_parts = sizeof(lu_parts) / sizeof(lu_parts[0]);

int vm_save(struct vm *vm, struct ss_wr *w, char *msg)
{
    return ss_save_parts(vm_parts, vm_nr_parts, vm, w, msg);
}

int vm_restore(struct vm *vm, const void *buf, size_t len, char *msg)
{
    return ss_restore_parts(vm_parts, vm_nr_parts, vm, buf, len, msg);
}

bool save_vcpus_match(struct vm *vm, struct ss_rd *r, char *msg)
{
    uint32_t n = ss_get_u32(r);

    if (r->bad)
        return false;
    if (n != vm->nr_vcpus) {
        snprintf(msg, SS_MSG_LEN, "saved with %u vCPUs, this VM has %u", n, vm->nr_vcpus);
        r->bad = true;
        return false;
    }
    return true;
}
