/*
 * Hypercalls from CPL3 are refused with -EPERM (xen/arch/x86/hvm/
 * hypercall.c hvm_hypercall: hvm_get_cpl() != 0).  A ring-3 routine calls
 * the hypercall page and traps back through a ud2 at ring3_done.  If the VMM's stub
 * cannot even run at CPL3 (a port-I/O stub faults there), the exception
 * is caught and reported rather than crashing the guest.
 */
#include "hc.h"
#include "trap.h"

long ring3_call(void (*fn)(void), void *stack_top);
void ring3_hypercall(void);
void ring3_return(void);
void ring3_done(void);

/* What arch/ring3_*.S calls from ring 3: stub address and two arguments. */
extern void *ring3_hcall_fn;
extern unsigned long ring3_hcall_args[2];

#define RING3_FAULT 0x10000  /* | vector: ring 3 took an exception */

static uint8_t user_stack[4096] __aligned(16);

static void ring3_fault(struct trap_frame *f)
{
    if (!(f->cs & 3)) {
        printf("EXCEPTION: vector %lu in ring 0 during the CPL3 test, ip 0x%lx\n",
               (unsigned long)f->vector, (unsigned long)f->ip);
        guest_shutdown(SHUTDOWN_crash);
    }
    /* Resume at ring3_return in ring 0; it reloads the saved stack.  The
     * ud2 at ring3_done is the normal way back and keeps %rax. */
    if (!(f->vector == 6 && f->ip == (uintptr_t)ring3_done))
        TF_AX(f) = RING3_FAULT | f->vector;
    f->ip = (uintptr_t)ring3_return;
#ifdef __x86_64__
    f->cs = SEL_CS64;
#else
    f->cs = SEL_CS32;
#endif
    f->ss = SEL_DS;
    f->flags &= ~X86_EFLAGS_IF;
}

TEST(cpl3_hypercall_eperm)
{
    static const unsigned int vectors[] = { 6, 13, 14 };
    unsigned int i;
    long rc;

#ifndef __x86_64__
    /* KVM's PVM mode cannot emulate a 32-bit iret or lret to ring 3 (KVM
     * internal error, the guest dies), so this runs only when asked. */
    if (!strstr(start_cmdline(), "cpl3")) {
        test_skip("32-bit ring-3 entry kills guests on KVM PVM; "
                  "pass --cmdline cpl3 to run it");
        return;
    }
#endif
    for (i = 0; i < ARRAY_SIZE(vectors); i++)
        trap_set_handler(vectors[i], ring3_fault, 0);
    ring3_hcall_fn = hypercall_page + __HYPERVISOR_xen_version * 32;
    ring3_hcall_args[0] = XENVER_version;
    ring3_hcall_args[1] = 0;
    rc = ring3_call(ring3_hypercall, user_stack + sizeof(user_stack));
    for (i = 0; i < ARRAY_SIZE(vectors); i++)
        trap_set_handler(vectors[i], NULL, 0);

    if (rc >= RING3_FAULT && rc < RING3_FAULT + 32)
        test_fail(__FILE__, __LINE__,
                  "ring-3 call of the hypercall stub raised vector %ld "
                  "(Xen returns -EPERM)", rc - RING3_FAULT);
    else
        EXPECT_EQ(rc, XERR(EPERM));
}
