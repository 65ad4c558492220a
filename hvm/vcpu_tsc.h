/* One TSC for all of a domain's vCPUs (vcpu_tsc.c). */
#ifndef XK_VCPU_TSC_H
#define XK_VCPU_TSC_H

struct vm;

/* Give every vCPU vCPU 0's TSC offset.  After vcpu_create, before the
 * vCPUs run.  0, or -errno where KVM cannot say or set the offset. */
int vcpu_tsc_sync(struct vm *vm);

#endif
