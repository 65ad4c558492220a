/* The hypercall dispatcher: one entry point for every transport. */
#ifndef XK_HCALL_H
#define XK_HCALL_H

#include <stdbool.h>
#include <stdint.h>

#include "abi.h"
#include "gva.h"
#include "vm.h"

/* One hypercall in flight on a vCPU. */
struct hcall {
    struct vcpu *v;
    struct vm *vm;
    bool compat;                /* 32-bit guest: i386 ABI */
    struct paging_state ps;     /* for guest-virtual buffers */
    unsigned nr;
    uint64_t a[5];              /* arguments, truncated to 32 bits if compat */
    bool can_continue;          /* called from a hypercall page stub */
    bool continued;             /* hcall_continue: re-enter with a[0..2] */
};

typedef long (*hcall_fn)(struct hcall *c);

/* Dispatch hypercall C->nr; returns the value for the guest's rax. */
long hcall_dispatch(struct hcall *c);

/* Xen's hypercall_create_continuation: when C came through a stub of the
 * hypercall page, the guest re-enters the same hypercall with arguments
 * A0..A2 (written to its argument registers, as Xen does), after passing
 * the vCPU gate, so a long operation can be paused or stopped between
 * parts.  False (nothing changed) when it cannot: finish the work then. */
bool hcall_continue(struct hcall *c, uint64_t a0, uint64_t a1, uint64_t a2);

/* Offsets in a 32-byte stub (hcall.c): `mov $nr,%eax` and the OUT. */
#define HCALL_STUB_MOV 6
#define HCALL_STUB_OUT 11

/* Fill a hypercall page (4096 bytes) with the transport's stubs. */
void hcall_page_fill(uint8_t *page);

/* Xen's answer for a domid argument (rcu_lock_domain_by_any_id plus
 * XSM_TARGET for an unprivileged guest): 0 for this domain (or
 * DOMID_SELF), -EPERM for one that exists but is not ours, -ESRCH
 * otherwise. */
int hcall_domid_check(struct hcall *c, domid_t domid);

/* The hypercall families (hc_*.c). */
long hc_xen_version(struct hcall *c);
/* What XENVER_extraversion, compile_info, capabilities and changeset give
 * (also in a dump-core file's XEN_VERSION note): buffers of Xen's sizes. */
struct xen_compile_info;
void hc_version_strings(char *extra, struct xen_compile_info *info, char *caps,
                        char *changeset);
long hc_console_io(struct hcall *c);
long hc_sched_op(struct hcall *c);
long hc_memory_op(struct hcall *c);
long hc_hvm_op(struct hcall *c);
long hc_vcpu_op(struct hcall *c);
long hc_event_channel_op(struct hcall *c);
long hc_set_timer_op(struct hcall *c);
long hc_grant_table_op(struct hcall *c);
long hc_domctl(struct hcall *c);
long hc_physdev_op(struct hcall *c);
long hc_sysctl(struct hcall *c);

/* Every handler copies its arguments with these. */
#include "guest_mem.h"

#endif
