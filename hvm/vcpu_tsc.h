/* One TSC for all of a domain's vCPUs (vcpu_tsc.c). */
#ifndef XK_VCPU_TSC_H
#define XK_VCPU_TSC_H

#include <stdint.h>

struct vcpu;
struct vm;

/* The guest TSC of V minus the host's (guest TSC = rdtsc + OFFSET).
 * 0, or -1 with errno. */
int vcpu_tsc_offset(struct vcpu *v, int64_t *offset);

/* Give every vCPU vCPU 0's TSC offset.  After vcpu_create, before the
 * vCPUs run.  0, or -errno where KVM cannot say or set the offset. */
int vcpu_tsc_sync(struct vm *vm);

#endif
