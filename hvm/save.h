/* The domain's savable parts and the registry that orders them
 * (docs/saved-state.md).  Save with the vCPUs paused (vm_ctl_pause) and
 * no grants held by backends; restore into a freshly created VM of the
 * same shape (memory size, vCPU count, port limit) whose vCPUs have not
 * run: on any error that VM is left half-restored and must be destroyed.
 * Guest RAM contents are not a part: the memfd is handed over (live
 * update) or sent as Xen's PAGE_DATA records (migration). */
#ifndef XK_SAVE_H
#define XK_SAVE_H

#include "savestate.h"
#include "vm.h"

/* Part ids (record type SS_TYPE(id)); never reused. */
enum {
    VM_PART_PHYSMAP = 1,
    VM_PART_SHINFO,
    VM_PART_PARAMS,
    VM_PART_GNTTAB,
    VM_PART_EVTCHN,
    VM_PART_TIMERS,
    VM_PART_ATTACH,
    VM_PART_VCPUS,
    VM_PART_CONTROL,
    VM_PART_IRQCHIP,        /* live update only (lu_parts) */
    VM_PART_PCI,            /* live update only (lu_parts) */
};

/* One file per part or family: save_<name>.c. */
extern const struct ss_part vm_part_physmap, vm_part_shinfo, vm_part_params,
    vm_part_gnttab, vm_part_evtchn, vm_part_timers, vm_part_attach,
    vm_part_vcpus, vm_part_control;

/* The registry: every part, in the order saved and restored. */
extern const struct ss_part *const vm_parts[];
extern const unsigned vm_nr_parts;

/* Parts only a live update carries, restored after vm_parts: the
 * interrupt controllers, then the PCI functions (whose irqfds deliver
 * what the devices raised during the update into the restored IOAPIC and
 * LAPICs).  Their own image in the handover (docs/live-update.md). */
extern const struct ss_part vm_part_irqchip, vm_part_pci;
extern const struct ss_part *const lu_parts[];
extern const unsigned lu_nr_parts;

/* Walk the registry: the whole domain appended to W, or restored from
 * BUF.  0 or -errno, with MSG (SS_MSG_LEN) naming the part and why. */
int vm_save(struct vm *vm, struct ss_wr *w, char *msg);
int vm_restore(struct vm *vm, const void *buf, size_t len, char *msg);

/* For parts with per-vCPU records: read the saved vCPU count; false (R
 * marked bad, MSG saying so) unless it is VM's. */
bool save_vcpus_match(struct vm *vm, struct ss_rd *r, char *msg);

/* The vCPU part's KVM state of one vCPU fd, usable on its own (tests,
 * and a vCPU created later): appended to W / read from R and set. */
int vcpu_kvm_save(int vcpu_fd, struct ss_wr *w);
int vcpu_kvm_restore(int vcpu_fd, struct ss_rd *r, char *msg);

#endif
