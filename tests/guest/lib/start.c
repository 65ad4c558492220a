/*
 * C entry, reached from arch/head*.S with the physical address of
 * struct hvm_start_info.  Sets up traps, paging and the hypercall page,
 * then hands over to the guest program.
 */
#include "lib.h"
#include "x86.h"
#include "trap.h"
#include "paging.h"
#include "xen_guest.h"
#include <xen/sched.h>

void c_start(uint32_t start_info_pa);

void c_start(uint32_t start_info_pa)
{
    start_info = (const struct hvm_start_info *)(uintptr_t)start_info_pa;
    trap_init();
    tss_init();
    paging_init();

    if (!start_info || start_info->magic != XEN_HVM_START_MAGIC_VALUE) {
        printf("FATAL: bad hvm_start_info at 0x%x\n", start_info_pa);
        start_info = NULL;
    }
    if (!xen_detect()) {
        printf("FATAL: Xen CPUID leaves not found\n");
        guest_shutdown(SHUTDOWN_crash);
    }
    if (!xen_init_hypercall_page()) {
        printf("FATAL: hypercall page not filled (MSR 0x%x)\n", xen.hcall_msr);
        guest_shutdown(SHUTDOWN_crash);
    }
    guest_main();
    guest_shutdown(SHUTDOWN_poweroff);
}
