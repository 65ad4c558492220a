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
};

typedef long (*hcall_fn)(struct hcall *c);

/* Dispatch hypercall C->nr; returns the value for the guest's rax. */
long hcall_dispatch(struct hcall *c);

/* Fill a hypercall page (4096 bytes) with the transport's stubs. */
void hcall_page_fill(uint8_t *page);

/* Xen's answer for a domid argument (rcu_lock_domain_by_any_id plus
 * XSM_TARGET for an unprivileged guest): 0 for this domain (or
 * DOMID_SELF), -EPERM for one that exists but is not ours, -ESRCH
 * otherwise. */
int hcall_domid_check(struct hcall *c, domid_t domid);

/* The hypercall families (hc_*.c). */
long hc_xen_version(struct hcall *c);
long hc_console_io(struct hcall *c);
long hc_sched_op(struct hcall *c);
long hc_memory_op(struct hcall *c);
long hc_hvm_op(struct hcall *c);
long hc_vcpu_op(struct hcall *c);
long hc_event_channel_op(struct hcall *c);
long hc_set_timer_op(struct hcall *c);
long hc_grant_table_op(struct hcall *c);

/* Every handler copies its arguments with these. */
#include "guest_mem.h"

#endif
