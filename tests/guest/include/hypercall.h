/*
 * Hypercall wrappers.  Every call goes through the hypercall page the VMM
 * filled in (stub nr at page + nr * 32), with Xen's register ABI:
 * 64-bit: rdi rsi rdx r10 r8 -> rax; 32-bit: ebx ecx edx esi edi -> eax.
 * Xen may clobber the argument registers, so they are all in/out here.
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stdint.h>
#include <xen/xen.h>
#include <xen/sched.h>
#include <xen/memory.h>
#include <xen/version.h>
#include <xen/features.h>
#include <xen/vcpu.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/errno.h>

extern uint8_t hypercall_page[4096];

static inline long hcall5(unsigned int nr, unsigned long a1, unsigned long a2,
                          unsigned long a3, unsigned long a4, unsigned long a5)
{
    long ret;
    void *fn = hypercall_page + nr * 32;
#ifdef __x86_64__
    register unsigned long r10 __asm__("r10") = a4;
    register unsigned long r8 __asm__("r8") = a5;
    __asm__ volatile("call *%%rax"
                     : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10),
                       "+r"(r8)
                     : "0"(fn)
                     : "memory", "cc");
#else
    __asm__ volatile("call *%%eax"
                     : "=a"(ret), "+b"(a1), "+c"(a2), "+d"(a3), "+S"(a4),
                       "+D"(a5)
                     : "0"(fn)
                     : "memory", "cc");
#endif
    return ret;
}

#define HCALL(nr, a1, a2, a3) \
    hcall5(nr, (unsigned long)(a1), (unsigned long)(a2), \
           (unsigned long)(a3), 0, 0)

static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{
    return HCALL(__HYPERVISOR_xen_version, cmd, arg, 0);
}

static inline long HYPERVISOR_console_io(int cmd, unsigned int count, char *buf)
{
    return HCALL(__HYPERVISOR_console_io, cmd, count, buf);
}

static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{
    return HCALL(__HYPERVISOR_sched_op, cmd, arg, 0);
}

static inline long HYPERVISOR_memory_op(unsigned long cmd, void *arg)
{
    return HCALL(__HYPERVISOR_memory_op, cmd, arg, 0);
}

static inline long HYPERVISOR_hvm_op(unsigned long op, void *arg)
{
    return HCALL(__HYPERVISOR_hvm_op, op, arg, 0);
}

static inline long HYPERVISOR_vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
    return HCALL(__HYPERVISOR_vcpu_op, cmd, vcpu, arg);
}

static inline long HYPERVISOR_event_channel_op(int cmd, void *arg)
{
    return HCALL(__HYPERVISOR_event_channel_op, cmd, arg, 0);
}

static inline long HYPERVISOR_physdev_op(int cmd, void *arg)
{
    return HCALL(__HYPERVISOR_physdev_op, cmd, arg, 0);
}

static inline long HYPERVISOR_grant_table_op(unsigned int cmd, void *uop,
                                             unsigned int count)
{
    return HCALL(__HYPERVISOR_grant_table_op, cmd, uop, count);
}

static inline long HYPERVISOR_set_timer_op(uint64_t timeout)
{
#ifdef __x86_64__
    return HCALL(__HYPERVISOR_set_timer_op, timeout, 0, 0);
#else
    /* 32-bit guests pass the 64-bit time as two halves, low first. */
    return HCALL(__HYPERVISOR_set_timer_op, (uint32_t)timeout,
                 (uint32_t)(timeout >> 32), 0);
#endif
}

/* Convenience helpers built on the wrappers (lib/xen.c). */
long hvm_get_param(unsigned int index, uint64_t *value);
long hvm_set_param(unsigned int index, uint64_t value);
long sched_shutdown(unsigned int reason);

#endif
