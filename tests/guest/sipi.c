/*
 * sipi64.elf (--vcpus 2): start vCPU 1 the way Linux brings up its APs,
 * with INIT and two SIPIs through the local APIC, not VCPUOP_up.  The AP
 * runs a real-mode trampoline that sets a flag, makes one exit (port
 * 0x80) and halts.  Xen emulates INIT/SIPI for HVM/PVH vCPUs; xenkvm
 * leaves never-started vCPUs waiting inside KVM, whose local APIC starts
 * them (hvm/vcpu.c).
 */
#include "apic.h"
#include "hypercall.h"
#include "lib.h"
#include "test.h"
#include "x86.h"
#include "xen_guest.h"

#define TRAMPOLINE   0x8000ul        /* SIPI vector 0x08 */
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310

static const uint8_t trampoline[] = {
    0x2e, 0xc6, 0x06, 0x00, 0x01, 0x01,     /* movb $1, %cs:0x100 */
    0xe6, 0x80,                             /* out %al, $0x80: one exit */
    0xf4,                                   /* 1: hlt */
    0xeb, 0xfd,                             /* jmp 1b */
};

static void send_ipi(uint32_t apic_id, uint32_t lo)
{
    lapic_write(LAPIC_ICR_HI, apic_id << 24);
    lapic_write(LAPIC_ICR_LO, lo);
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

void guest_main(void)
{
    printf("sipi64: starting vCPU 1 with INIT/SIPI\n");
    run_tests();
}
