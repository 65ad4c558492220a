/*
 * acpi64.elf: the ACPI tables a PVH guest is given, read as Linux reads
 * them: from hvm_start_info.rsdp_paddr through the XSDT to the FADT, MADT
 * and DSDT.  The command line says what to expect: "online=N" (vCPUs the
 * MADT enables; the domain's vCPU count comes from VCPUOP_is_up), or
 * "noacpi" for a domain built with --no-acpi (xl's acpi=0).
 */
#include "acpi.h"
#include "lib.h"
#include "hypercall.h"
#include "test.h"
#include "x86.h"
#include "xen_guest.h"

#define MEMMAP_ACPI 3   /* XEN_HVM_MEMMAP_TYPE_ACPI */

static unsigned int count_vcpus(void)
{
    unsigned int n = 0;

    while (n < 4096 && HYPERVISOR_vcpu_op(VCPUOP_is_up, n, NULL) >= 0)
        n++;
    return n;
}

static unsigned int want_online(void)
{
    const char *s = strstr(start_cmdline(), "online=");
    unsigned int n = 0;

    if (!s)
        return count_vcpus();
    for (s += 7; *s >= '0' && *s <= '9'; s++)
        n = n * 10 + (unsigned int)(*s - '0');
    return n;
}

static bool no_acpi(void)
{
    return strstr(start_cmdline(), "noacpi") != NULL;
}

TEST(acpi_rsdp)
{
    const uint8_t *r;

    if (no_acpi()) {
        /* acpi=0: no RSDP and nothing of ACPI type in the memory map. */
        EXPECT_EQ(start_info->rsdp_paddr, 0);
        for (unsigned int i = 0; i < start_info->memmap_entries; i++) {
            const struct hvm_memmap_table_entry *e =
                (const void *)(uintptr_t)(start_info->memmap_paddr + i * sizeof(*e));
            EXPECT_NE(e->type, MEMMAP_ACPI);
        }
        return;
    }
    REQUIRE(EXPECT_GE(start_info->version, 1));
    REQUIRE(EXPECT_NE(start_info->rsdp_paddr, 0));
    REQUIRE(EXPECT_TRUE(acpi_map()));
    r = acpi_ptr(start_info->rsdp_paddr, 36);
    REQUIRE(EXPECT_TRUE(r != NULL));
    EXPECT_EQ(memcmp(r, "RSD PTR ", 8), 0);
    EXPECT_EQ(acpi_sum(r, 20), 0);
    EXPECT_EQ(acpi_sum(r, 36), 0);
    EXPECT_EQ(r[15], 2);
    EXPECT_EQ(acpi_rd32(r + 20), 36);
    EXPECT_EQ(memmap_type_of(start_info->rsdp_paddr), MEMMAP_ACPI);
}

TEST(acpi_xsdt)
{
    const uint8_t *x;

    if (no_acpi())
    {
        test_skip("acpi=0");
        return;
    }
    x = acpi_find("XSDT");
    REQUIRE(EXPECT_TRUE(x != NULL));
    EXPECT_EQ((acpi_rd32(x + 4) - 36) / 8, 2);
    EXPECT_TRUE(acpi_find("FACP") != NULL);
    EXPECT_TRUE(acpi_find("APIC") != NULL);
    EXPECT_EQ(memmap_type_of(acpi_rd64(x + 36)), MEMMAP_ACPI);
}

TEST(acpi_fadt)
{
    const uint8_t *f, *d;

    if (no_acpi())
    {
        test_skip("acpi=0");
        return;
    }
    f = acpi_find("FACP");
    REQUIRE(EXPECT_TRUE(f != NULL));
    REQUIRE(EXPECT_GE(acpi_rd32(f + 4), 268));
    EXPECT_NE(acpi_rd32(f + 112) & (1u << 20), 0);     /* HW_REDUCED_ACPI */
    EXPECT_EQ(f[244], 1);                              /* sleep control: I/O */
    EXPECT_NE(acpi_rd64(f + 248), 0);
    EXPECT_EQ(f[256], 1);                              /* sleep status: I/O */
    EXPECT_NE(acpi_rd64(f + 260), 0);
    d = acpi_ptr(acpi_rd64(f + 140), 36);
    REQUIRE(EXPECT_TRUE(d != NULL));
    EXPECT_EQ(memcmp(d, "DSDT", 4), 0);
    REQUIRE(EXPECT_TRUE(acpi_ptr(acpi_rd64(f + 140), acpi_rd32(d + 4)) != NULL));
    EXPECT_EQ(acpi_sum(d, acpi_rd32(d + 4)), 0);
    EXPECT_EQ(acpi_rd32(f + 40), acpi_rd64(f + 140));
}

TEST(acpi_madt)
{
    const uint8_t *m;
    unsigned int lapics = 0, enabled = 0, ioapics = 0, len;
    uint32_t a, b, c, d;

    if (no_acpi())
    {
        test_skip("acpi=0");
        return;
    }
    m = acpi_find("APIC");
    REQUIRE(EXPECT_TRUE(m != NULL));
    EXPECT_EQ(acpi_rd32(m + 36), 0xfee00000u);
    len = acpi_rd32(m + 4);
    cpuid(1, &a, &b, &c, &d);
    for (unsigned int off = 44; off + 2 <= len && m[off + 1] >= 2; off += m[off + 1]) {
        if (m[off] == 0) {
            EXPECT_EQ(m[off + 2], lapics);             /* processor ID */
            if (lapics == 0)                           /* our own APIC ID */
                EXPECT_EQ(m[off + 3], b >> 24);
            enabled += acpi_rd32(m + off + 4) & 1;
            lapics++;
        } else if (m[off] == 1) {
            EXPECT_EQ(acpi_rd32(m + off + 4), 0xfec00000u);
            ioapics++;
        }
    }
    EXPECT_EQ(lapics, count_vcpus());
    EXPECT_EQ(enabled, want_online());
    EXPECT_EQ(ioapics, 1);
}

TEST(acpi_dsdt)
{
    const uint8_t *f, *d;
    unsigned int procs = 0, len;
    bool s5 = false;

    if (no_acpi())
    {
        test_skip("acpi=0");
        return;
    }
    f = acpi_find("FACP");
    REQUIRE(EXPECT_TRUE(f != NULL));
    d = acpi_ptr(acpi_rd64(f + 140), 36);
    REQUIRE(EXPECT_TRUE(d != NULL));
    len = acpi_rd32(d + 4);
    /* Count the Processor objects (ExtOp 0x5b 0x83) and find \_S5. */
    for (unsigned int i = 36; i + 5 <= len; i++) {
        if (d[i] == 0x5b && d[i + 1] == 0x83)
            procs++;
        if (!memcmp(d + i, "\\_S5_", 5))
            s5 = true;
    }
    EXPECT_EQ(procs, count_vcpus());
    EXPECT_TRUE(s5);
}

void guest_main(void)
{
    printf("acpi64: rsdp_paddr 0x%llx, %u vCPUs, command line \"%s\"\n",
           (unsigned long long)(start_info ? start_info->rsdp_paddr : 0),
           count_vcpus(), start_cmdline());
    run_tests();
}
