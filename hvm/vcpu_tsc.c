/* Xen time is computed from one TSC offset (xen_time.c), measured on
 * vCPU 0, and a Xen guest's vCPUs share one TSC.  KVM starts each new
 * vCPU's TSC at 0 and matches it to the others' only when the vCPUs are
 * created within about a second of each other: on a slow host (the nested
 * test host, docs/nested-host.md) vCPU 1 came later, Linux found "TSCs
 * unsynchronized" and the pvclock of every vCPU but 0 was off by the
 * difference.  So the offset KVM gave vCPU 0 is copied to the others. */
#include "vcpu_tsc.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include "log.h"
#include "vm.h"

int vcpu_tsc_sync(struct vm *vm)
{
    uint64_t off;
    struct kvm_device_attr a = { .group = KVM_VCPU_TSC_CTRL,
                                 .attr = KVM_VCPU_TSC_OFFSET,
                                 .addr = (uint64_t)(uintptr_t)&off };

    if (vm->nr_vcpus < 2)
        return 0;
    if (ioctl(vm->vcpus[0].fd, KVM_GET_DEVICE_ATTR, &a) < 0)
        return -errno;
    for (unsigned i = 1; i < vm->nr_vcpus; i++)
        if (ioctl(vm->vcpus[i].fd, KVM_SET_DEVICE_ATTR, &a) < 0)
            return -errno;
    log_debug("vCPUs share TSC offset %#llx", (unsigned long long)off);
    return 0;
}

/* KVM_VCPU_TSC_OFFSET is exact (xenkvm never scales the guest TSC).
 * Where KVM lacks it, the guest TSC is read as an MSR between two host
 * reads, best of several: the error is half the window, and one ioctl
 * took milliseconds on the nested host. */
int vcpu_tsc_offset(struct vcpu *v, int64_t *offset)
{
    uint64_t off, best = UINT64_MAX;
    struct kvm_device_attr a = { .group = KVM_VCPU_TSC_CTRL,
                                 .attr = KVM_VCPU_TSC_OFFSET,
                                 .addr = (uint64_t)(uintptr_t)&off };
    struct { struct kvm_msrs h; struct kvm_msr_entry e; } m;

    if (ioctl(v->fd, KVM_GET_DEVICE_ATTR, &a) == 0) {
        *offset = (int64_t)off;
        return 0;
    }
    for (int i = 0; i < 8; i++) {
        uint64_t before, after;

        memset(&m, 0, sizeof(m));
        m.h.nmsrs = 1;
        m.e.index = 0x10;       /* IA32_TIME_STAMP_COUNTER */
        before = __builtin_ia32_rdtsc();
        if (ioctl(v->fd, KVM_GET_MSRS, &m) != 1)
            return -1;
        after = __builtin_ia32_rdtsc();
        if (after - before < best) {
            best = after - before;
            *offset = (int64_t)(m.e.data - (before / 2 + after / 2));
        }
    }
    return 0;
}
