/*
 * sipi64.elf (--vcpus 2): start vCPU 1 the way Linux brings up its APs,
 * with INIT and two SIPIs through the local APIC, not VCPUOP_up.  The AP
 * runs a real-mode trampoline that sets a flag, makes one exit (port
 * 0x80) and halts.  Xen emulates INIT/SIPI for HVM/PVH vCPUs; xenkvm
 * leaves never-started vCPUs waiting inside KVM, whose local APIC starts
 * them (hvm/vcpu.c).  Before and after that case, the AP is started the
 * way Linux brings one up with a per-vCPU upcall vector: the vector is set
 * while the AP's APIC is still software-disabled (KVM drops it), and the
 * AP must still find it in its IRR once it enables the APIC (Xen re-raises
 * it at the SVR write): once never run before, once stopped with INIT.
 */
#include "apic.h"
#include "evtchn.h"
#include "hypercall.h"
#include "lib.h"
#include "shinfo.h"
#include "test.h"
#include "x86.h"
#include "xen_guest.h"

#define TRAMPOLINE   0x8000ul        /* SIPI vector 0x08 */
#define TRAMPOLINE2  0x9000ul        /* SIPI vector 0x09 */
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310

static const uint8_t trampoline[] = {
    0x2e, 0xc6, 0x06, 0x00, 0x01, 0x01,     /* movb $1, %cs:0x100 */
    0xe6, 0x80,                             /* out %al, $0x80: one exit */
    0xf4,                                   /* 1: hlt */
    0xeb, 0xfd,                             /* jmp 1b */
};

/* The second start (real mode, CS:IP = 0x0900:0): x2APIC mode (MSRs
 * reach it without paging), APIC software-enabled, 0x102 set to say so;
 * then wait until the upcall vector EV_VEC_LAPIC (0xe1: IRR MSR 0x827,
 * bit 1) is pending, reported as 1 at 0x100, or vCPU 0 gives up (0x101),
 * reported as 2.  Interrupts stay off: the test only looks at IRR. */
extern const uint8_t tramp2_start[], tramp2_end[];
asm(".pushsection .rodata.tramp2, \"a\"\n"
    "tramp2_start:\n"
    ".code16\n"
    "cli\n"
    "mov $0x1b, %ecx\n"            /* IA32_APIC_BASE: EN | EXTD */
    "rdmsr\n"
    "or $0xc00, %eax\n"
    "wrmsr\n"
    "mov $0x80f, %ecx\n"           /* SVR: enabled, spurious 0xff */
    "mov $0x1ff, %eax\n"
    "xor %edx, %edx\n"
    "wrmsr\n"
    "movb $1, %cs:0x102\n"
    "1: mov $0x827, %ecx\n"
    "rdmsr\n"
    "test $2, %eax\n"
    "jnz 2f\n"
    "cmpb $0, %cs:0x101\n"
    "jne 3f\n"
    "pause\n"
    "jmp 1b\n"
    "2: movb $1, %cs:0x100\n"
    "jmp 4f\n"
    "3: movb $2, %cs:0x100\n"
    "4: hlt\n"
    "jmp 4b\n"
    ".code64\n"
    "tramp2_end:\n"
    ".popsection\n");

static void send_ipi(uint32_t apic_id, uint32_t lo)
{
    lapic_write(LAPIC_ICR_HI, apic_id << 24);
    lapic_write(LAPIC_ICR_LO, lo);
}

/* Linux's order (xen_cpu_up_prepare_hvm, then INIT/SIPI): upcall_pending
 * is up (VCPUOP_register_vcpu_info sets it), the vector is set while the
 * AP's APIC is off, and the AP enables its APIC within microseconds, far
 * inside the VMM's 10 ms look.  A vector lost there left a Debian guest
 * halted at "Booting SMP configuration" (vCPU 1 never took an event).
 * Returns what the AP reported at 0x100 (1: the vector reached IRR). */
static uint8_t start_with_upcall_vector(void)
{
    volatile uint8_t *page = (volatile uint8_t *)TRAMPOLINE2;
    uint64_t t0;

    for (unsigned int i = 0; i < (unsigned int)(tramp2_end - tramp2_start); i++)
        page[i] = tramp2_start[i];
    page[0x100] = page[0x101] = page[0x102] = 0;
    lapic_map();
    lapic_enable();
    send_ipi(1, 0x4500);                            /* INIT: APIC reset */
    ev_vcpu_info(1)->evtchn_upcall_pending = 1;
    if (!EXPECT_EQ(ev_via_lapic(1), 0))
        return 0;
    send_ipi(1, 0x4600 | (TRAMPOLINE2 >> 12));      /* SIPI */
    send_ipi(1, 0x4600 | (TRAMPOLINE2 >> 12));
    t0 = xen_system_time();
    while (!page[0x100] && xen_system_time() - t0 < 3000000000ull)
        cpu_relax();
    page[0x101] = 1;                                /* give up */
    while (!page[0x100] && xen_system_time() - t0 < 4000000000ull)
        cpu_relax();
    EXPECT_EQ(page[0x102], 1);                      /* it ran */
    return page[0x100];
}

/* First: an AP the VMM never ran (its APIC as reset left it).  It makes
 * no exit, so the VMM still counts it down for the next case. */
TEST(sipi_first_start_gets_upcall_vector)
{
    REQUIRE(EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 0));
    EXPECT_EQ(start_with_upcall_vector(), 1);
}

TEST(sipi_starts_ap)
{
    volatile uint8_t *page = (volatile uint8_t *)TRAMPOLINE;
    long up;

    REQUIRE(EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 0));
    for (unsigned int i = 0; i < sizeof(trampoline); i++)
        page[i] = trampoline[i];
    page[0x100] = 0;
    lapic_map();
    lapic_enable();
    send_ipi(1, 0x4500);                            /* INIT, assert */
    send_ipi(1, 0x4600 | (TRAMPOLINE >> 12));       /* SIPI */
    send_ipi(1, 0x4600 | (TRAMPOLINE >> 12));
    for (unsigned long n = 0; n < 1000000 && !page[0x100]; n++)
        cpu_relax();
    EXPECT_EQ(page[0x100], 1);
    /* After its first exit the VMM counts it as up, as Xen would. */
    up = 0;
    for (unsigned long n = 0; n < 100000 && up != 1; n++)
        up = HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL);
    EXPECT_EQ(up, 1);
}

/* Last: an AP that is up, stopped with INIT by the guest and started
 * again (Linux's CPU online after offline). */
TEST(sipi_restart_gets_upcall_vector)
{
    REQUIRE(EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 1));
    EXPECT_EQ(start_with_upcall_vector(), 1);
}

void guest_main(void)
{
    printf("sipi64: starting vCPU 1 with INIT/SIPI\n");
    run_tests();
}
