/*
 * triplefault64.elf: load an empty IDT and raise an exception (#UD).  The
 * exception cannot be delivered, nor can the double fault, so the CPU
 * triple-faults; Xen turns that into a crash of the domain (hvm_triple_fault,
 * SHUTDOWN_crash unless the domain config says otherwise).
 */
#include "lib.h"
#include "hypercall.h"
#include "xen_guest.h"

void guest_main(void)
{
    static const struct { uint16_t limit; uintptr_t base; }
        __attribute__((packed)) empty = { 0, 0 };

    /* ud2 rather than int3: KVM's PVM mode fails to emulate a software
     * interrupt through an empty IDT (internal error, not a triple fault). */
    printf("triplefault: empty IDT, then ud2\n");
    __asm__ volatile("lidt %0; ud2" : : "m"(empty));
    /* Not reached on a correct VMM; end with a status the host can tell
     * from the expected crash. */
    printf("triplefault: still running\n");
    sched_shutdown(SHUTDOWN_poweroff);
}
