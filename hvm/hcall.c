/* The one hypercall dispatcher and the hypercall page it is reached by. */
#include "events.h"
#include "hcall.h"

#include <errno.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "vcpu.h"
#include "link.h"

static const hcall_fn table[] = {
    [__HYPERVISOR_xen_version]   = hc_xen_version,
    [__HYPERVISOR_console_io]    = hc_console_io,
    [__HYPERVISOR_sched_op]      = hc_sched_op,
    [__HYPERVISOR_memory_op]     = hc_memory_op,
    [__HYPERVISOR_hvm_op]        = hc_hvm_op,
    [__HYPERVISOR_vcpu_op]       = hc_vcpu_op,
    [__HYPERVISOR_event_channel_op] = hc_event_channel_op,
    [__HYPERVISOR_set_timer_op]  = hc_set_timer_op,
    [__HYPERVISOR_grant_table_op] = hc_grant_table_op,
    [__HYPERVISOR_sysctl]        = hc_sysctl,
    [__HYPERVISOR_domctl]        = hc_domctl,
    [__HYPERVISOR_physdev_op]    = hc_physdev_op,
};

long hcall_dispatch(struct hcall *c)
{
    if (c->nr >= ARRAY_SIZE(table) || !table[c->nr]) {
        log_debug("vCPU %u: hypercall %u not implemented", c->v->id, c->nr);
        return -ENOSYS;
    }
    return table[c->nr](c);
}

bool hcall_continue(struct hcall *c, uint64_t a0, uint64_t a1, uint64_t a2)
{
    if (!c->can_continue)
        return false;
    c->continued = true;
    c->a[0] = a0;
    c->a[1] = a1;
    c->a[2] = a2;
    return true;
}

/* Stub i at offset 32*i (the same bytes run in 32- and 64-bit mode):
 *
 *   0:  8c c8                 mov  %cs,%eax
 *   2:  a8 03                 test $3,%al          CPL = CS.RPL
 *   4:  75 08                 jnz  14
 *   6:  b8 i i i i            mov  $i,%eax
 *  11:  e7 XK_HCALL_PORT      out  %eax,$port      exit to the VMM
 *  13:  c3                    ret
 *  14:  48 c7 c0 ff ff ff ff  mov  $-EPERM,%rax    (32-bit: dec; mov %eax)
 *  21:  c3                    ret
 *
 * A port write from ring 3 would fault (#GP) before reaching the VMM, so
 * the stub itself answers a user-mode caller with Xen's -EPERM.  Like
 * Xen's HVM page, the iret slot holds ud2: HVM guests have no use for it. */
void hcall_page_fill(uint8_t *page)
{
    static const uint8_t tmpl[22] = {
        0x8c, 0xc8, 0xa8, 0x03, 0x75, 0x08,
        0xb8, 0, 0, 0, 0, 0xe7, XK_HCALL_PORT, 0xc3,
        0x48, 0xc7, 0xc0, 0xff, 0xff, 0xff, 0xff, 0xc3,
    };

    memset(page, 0xcc, XK_PAGE_SIZE);   /* int3 between stubs */
    for (uint32_t i = 0; i < XK_PAGE_SIZE / 32; i++) {
        uint8_t *p = page + i * 32;
        memcpy(p, tmpl, sizeof(tmpl));
        memcpy(p + 7, &i, 4);
    }
    page[__HYPERVISOR_iret * 32] = 0x0f;
    page[__HYPERVISOR_iret * 32 + 1] = 0x0b;
}

int hcall_domid_check(struct hcall *c, domid_t domid)
{
    if (domid == DOMID_SELF || domid == c->vm->domid)
        return 0;
    /* Domain 0 (the host) and every domain whose VMM shares our run
     * directory exist; a guest may not act on them. */
    return link_domain_exists(c->vm, domid) ? -EPERM : -ESRCH;
}
