/* The KVM_EXIT_XEN hypercall transport (hcall_kvm_xen.h). */
#include "hcall_kvm_xen.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cpuid.h"
#include "hcall.h"
#include "log.h"
#include "shinfo.h"
#include "vcpu.h"
#include "x86.h"

int hcall_kvm_xen_enable(struct vm *vm)
{
    struct kvm_xen_hvm_config cfg;

    /* KVM turns interception on only with a non-zero MSR; no blobs: KVM
     * writes its own vmcall/vmmcall stubs into the page. */
    memset(&cfg, 0, sizeof(cfg));
    cfg.flags = KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL;
    cfg.msr = XK_HYPERCALL_MSR;
    if (ioctl(vm->vm_fd, KVM_XEN_HVM_CONFIG, &cfg) < 0) {
        int e = errno;
        log_err("KVM_XEN_HVM_CONFIG:");
        return -e;
    }
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

void hcall_kvm_xen_exit(struct vcpu *v)
{
    struct kvm_xen_exit *x = &v->run->xen;
    struct hcall c;
    long ret;

    if (!hcall_kvm_xen_ctx(v, x, &c)) {
        log_warn("vCPU %u: KVM_EXIT_XEN of unknown type %u", v->id, x->type);
        return;
    }
    /* Xen's hvm_hypercall: a caller above CPL 0 gets -EPERM. */
    ret = x->u.hcall.cpl ? -EPERM : hcall_dispatch(&c);
    x->u.hcall.result = c.compat ? (uint32_t)ret : (uint64_t)ret;
    shinfo_vcpu_tick(v);
}
