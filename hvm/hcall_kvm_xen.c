/* The KVM_EXIT_XEN hypercall transport (hcall_kvm_xen.h). */
#include "hcall_kvm_xen.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cpuid.h"
#include "guest_mem.h"
#include "hcall_transport.h"
#include "hcall.h"
#include "log.h"
#include "shinfo.h"
#include "vcpu.h"
#include "x86.h"

/* Offset of the vmcall in a stub of KVM's hypercall page. */
#define KVM_STUB_CALL 5

int hcall_kvm_xen_enable(struct vm *vm)
{
    struct kvm_xen_hvm_config cfg;

    uint32_t caps = xk_transport_host_caps(vm->vm_fd);

    /* KVM turns interception on only with a non-zero MSR; no blobs: KVM
     * writes its own vmcall/vmmcall stubs into the page. */
    memset(&cfg, 0, sizeof(cfg));
    cfg.flags = KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL;
    /* With EVTCHN_SEND, a 64-bit guest's SCHEDOP_poll goes to KVM's
     * kvm_xen_schedop_poll instead of becoming a yield: it checks the
     * arguments as Xen does (-EFAULT, more than 128 ports -EINVAL) and,
     * as KVM knows no shared info page (none is registered), returns 0
     * at once without blocking.  Nothing else changes while no event
     * channel, timer or shared page is registered with KVM, so all
     * state stays the VMM's (docs/hypercall-transport.md). */
    if (caps & KVM_XEN_HVM_CONFIG_EVTCHN_SEND)
        cfg.flags |= KVM_XEN_HVM_CONFIG_EVTCHN_SEND;
    cfg.msr = XK_HYPERCALL_MSR;
    if (ioctl(vm->vm_fd, KVM_XEN_HVM_CONFIG, &cfg) < 0) {
        int e = errno;
        log_err("KVM_XEN_HVM_CONFIG:");
        return -e;
    }
    log_debug("kvm transport: KVM_XEN_HVM_CONFIG flags %#x", cfg.flags);
    return 0;
}

bool hcall_kvm_xen_ctx(struct vcpu *v, const struct kvm_xen_exit *x,
                       struct hcall *c)
{
    if (x->type != KVM_EXIT_XEN_HCALL)
        return false;
    /* Paging state from the synced sregs; the mode and the arguments as
     * KVM read them (64-bit: rdi rsi rdx r10 r8; else ebx ecx edx esi
     * edi, already 32 bits wide). */
    vcpu_hcall_ctx(v, c);
    c->compat = !x->u.hcall.longmode;
    c->nr = (uint32_t)x->u.hcall.input;
    for (unsigned i = 0; i < 5; i++)
        c->a[i] = c->compat ? (uint32_t)x->u.hcall.params[i] : x->u.hcall.params[i];
    return true;
}

/* Whether the vmcall at linear RIP is the one in a stub of KVM's page
 * ("mov $nr,%eax; vmcall|vmmcall; ret" at 32 * nr): then the guest can
 * re-enter the call from the stub's start. */
static bool from_kvm_stub(struct hcall *c, uint64_t rip)
{
    uint8_t b[8];
    uint32_t nr;

    if ((rip & 31) != KVM_STUB_CALL || guest_read(c, rip - KVM_STUB_CALL, b, sizeof(b)))
        return false;
    memcpy(&nr, b + 1, 4);
    return b[0] == 0xb8 && nr == c->nr && b[5] == 0x0f && b[6] == 0x01 &&
           (b[7] == 0xc1 || b[7] == 0xd9);
}

void hcall_kvm_xen_exit(struct vcpu *v)
{
    struct kvm_xen_exit *x = &v->run->xen;
    const struct kvm_sregs *s = &v->run->s.regs.sregs;
    uint64_t rip = s->cs.base + v->run->s.regs.regs.rip;   /* at the vmcall */
    struct hcall c;
    long ret;

    if (!hcall_kvm_xen_ctx(v, x, &c)) {
        log_warn("vCPU %u: KVM_EXIT_XEN of unknown type %u", v->id, x->type);
        return;
    }
    c.can_continue = !x->u.hcall.cpl && from_kvm_stub(&c, rip);
    /* Xen's hvm_hypercall: a caller above CPL 0 gets -EPERM. */
    ret = x->u.hcall.cpl ? -EPERM : hcall_dispatch(&c);
    if (c.continued) {
        /* Back to the stub's `mov $nr,%eax`: with RIP no longer at the
         * vmcall, KVM's completion (kvm_xen_hypercall_complete_userspace)
         * neither writes RAX nor skips the instruction. */
        vcpu_hcall_reenter(v, &c, rip - KVM_STUB_CALL);
    } else {
        x->u.hcall.result = c.compat ? (uint32_t)ret : (uint64_t)ret;
    }
    shinfo_vcpu_tick(v);
}
