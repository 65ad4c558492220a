/* A bare KVM VM with one vCPU and the in-kernel irqchip (as the VMM has
 * it), optionally KVM's PIT as a type=hvm domain gets it, for unit tests
 * that move vCPU or platform state through a real KVM. */
#ifndef XK_KVM_BOX_H
#define XK_KVM_BOX_H

#include <fcntl.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

struct kvm_box { int kvm, vm, vcpu; };

/* False where /dev/kvm or a step is missing; kvm_box_close either way. */
static inline bool kvm_box_open(struct kvm_box *k, bool pit)
{
    struct kvm_pit_config cfg = { .flags = KVM_PIT_SPEAKER_DUMMY };   /* as hvm/vm.c */

    k->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    k->vm = k->vcpu = -1;
    if (k->kvm < 0)
        return false;
    k->vm = ioctl(k->kvm, KVM_CREATE_VM, 0);
    if (k->vm < 0)
        return false;
    ioctl(k->vm, KVM_SET_TSS_ADDR, 0xfffbd000UL);
    if (ioctl(k->vm, KVM_CREATE_IRQCHIP, 0) < 0 ||
        (pit && ioctl(k->vm, KVM_CREATE_PIT2, &cfg) < 0))
        return false;
    k->vcpu = ioctl(k->vm, KVM_CREATE_VCPU, 0UL);
    return k->vcpu >= 0;
}

static inline void kvm_box_close(struct kvm_box *k)
{
    if (k->vcpu >= 0)
        close(k->vcpu);
    if (k->vm >= 0)
        close(k->vm);
    if (k->kvm >= 0)
        close(k->kvm);
}

#endif
