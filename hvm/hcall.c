/* The one hypercall dispatcher and the hypercall page it is reached by. */
#include "hcall.h"

#include <errno.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "vcpu.h"

static const hcall_fn table[] = {
    [__HYPERVISOR_xen_version]   = hc_xen_version,
    [__HYPERVISOR_console_io]    = hc_console_io,
    [__HYPERVISOR_sched_op]      = hc_sched_op,
    [__HYPERVISOR_memory_op]     = hc_memory_op,
    [__HYPERVISOR_hvm_op]        = hc_hvm_op,
    [__HYPERVISOR_vcpu_op]       = hc_vcpu_op,
};

long hcall_dispatch(struct hcall *c)
{
    if (c->nr >= ARRAY_SIZE(table) || !table[c->nr]) {
        log_debug("vCPU %u: hypercall %u not implemented", c->v->id, c->nr);
        return -ENOSYS;
    }
    return table[c->nr](c);
}

/* Stub i at offset 32*i:  mov $i,%eax ; out %eax,$XK_HCALL_PORT ; ret
 * The same bytes run in 32- and 64-bit mode.  Like Xen's HVM page, the
 * iret slot holds ud2: HVM guests have no use for it. */
void hcall_page_fill(uint8_t *page)
{
    memset(page, 0xcc, XK_PAGE_SIZE);   /* int3 between stubs */
    for (unsigned i = 0; i < XK_PAGE_SIZE / 32; i++) {
        uint8_t *p = page + i * 32;
        p[0] = 0xb8;
        memcpy(p + 1, &i, 4);
        p[5] = 0xe7;
        p[6] = XK_HCALL_PORT;
        p[7] = 0xc3;
    }
    page[__HYPERVISOR_iret * 32] = 0x0f;
    page[__HYPERVISOR_iret * 32 + 1] = 0x0b;
}

int hcall_domid_check(struct hcall *c, domid_t domid)
{
    if (domid == DOMID_SELF || domid == c->vm->domid)
        return 0;
    /* Domain 0 exists (the host); a guest may not act on it. */
    return domid == 0 ? -EPERM : -ESRCH;
}
