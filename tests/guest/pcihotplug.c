/*
 * pcihotplug64.elf: PCI hot plug as an HVM guest sees it (docs/pciback.md,
 * "Hot plug"), driven by tests/cli/xl_pci_hotplug.sh.  The guest prints
 * "HOTPLUG-WAIT <step>" and waits for the SCI (GSI 9) that the VMM raises
 * for an xl pci-attach / pci-detach; its handler reads the ACPI GPE0
 * status and the PCIU / PCID slot registers as the _E01 method of
 * hvmloader's DSDT does, and a removal is answered by the eject register
 * (_EJ0).  Steps: attach one test device (config, BARs, DMA with an MSI-X
 * completion), a second at slot 4 with plain MSI (its own BARs and
 * interrupt, DMA completing with an MSI), detach the
 * first (ejected: the slot is empty, the other works on), attach again
 * (DMA), a stalled DMA while the server is killed and the function forced
 * out, then the second detached at the end.
 */
#include "acpi.h"
#include "apic.h"
#include "lib.h"
#include "paging.h"
#include "shinfo.h"
#include "test.h"
#include "trap.h"
#include "x86.h"
#include "xen_guest.h"
#include "../pciback/testdev_regs.h"

#define HP_PCIU 0xae00
#define HP_PCID 0xae04
#define HP_B0EJ 0xae08
#define HP_RMV  0xae0c
#define GPE0_STS 0xafe0
#define GPE0_EN  0xafe2
#define GPE_PCI_HOTPLUG 0x2
#define SCI_GSI 9
#define VEC_SCI 0x50
#define VEC_A 0x60                      /* MSI-X of the function at slot 2 */
#define VEC_B 0x62                      /* ... and at slot 4 */
#define VEC_INTX 0x64                   /* slot 4's INTx */
#define SLOT_A 2
#define SLOT_B 4
#define BAR0_A 0xf4000000ul             /* each slot's BAR window (passthrough.c) */
#define BAR0_B 0xf6000000ul

static volatile uint32_t sci_count, up_seen, down_seen, msix_a, msix_b, intx_b;
/* INTA's GSI of slots 2 and 4 as the DSDT's _PRT routes them (read at
 * start, before the BARs take the vmap slots of the ACPI window). */
static int prt_a = -1, prt_b = -1;
static uint8_t dma_src[4096] __attribute__((aligned(4096)));
static uint8_t dma_dst[4096] __attribute__((aligned(4096)));

static uint32_t cfg32(unsigned int dev, unsigned int off)
{
    return pci_cfg_read32(0, dev, 0, off);
}

static void cfg_w32(unsigned int dev, unsigned int off, uint32_t v)
{
    pci_cfg_write32(0, dev, 0, off, v);
}

static void cfg_w16(unsigned int dev, unsigned int off, uint16_t v)
{
    pci_cfg_write16(0, dev, 0, off, v);
}

/* BAR0 of the function at DEV through its own vmap page. */
static volatile uint32_t *bar0(unsigned int dev)
{
    uint64_t pa = cfg32(dev, 0x10) & ~0xfull;

    vmap_set(VMAP_BASE + dev * PAGE_SIZE, pa);
    return (volatile uint32_t *)(VMAP_BASE + dev * PAGE_SIZE);
}

static uint32_t reg(unsigned int dev, unsigned int off) { return bar0(dev)[off / 4]; }
static void reg_w(unsigned int dev, unsigned int off, uint32_t v) { bar0(dev)[off / 4] = v; }

/* The GPE handler: what _E01 does, then the status bit cleared. */
static void h_sci(struct trap_frame *f)
{
    (void)f;
    sci_count++;
    if (inw(GPE0_STS) & GPE_PCI_HOTPLUG) {
        up_seen |= inl(HP_PCIU);
        down_seen |= inl(HP_PCID);
        outw(GPE0_STS, GPE_PCI_HOTPLUG);
    }
    lapic_eoi();
}

static void h_msix_a(struct trap_frame *f) { (void)f; msix_a++; lapic_eoi(); }
static void h_msix_b(struct trap_frame *f) { (void)f; msix_b++; lapic_eoi(); }

static void h_intx_b(struct trap_frame *f)
{
    (void)f;
    intx_b++;
    reg_w(SLOT_B, TD_INTX_STATUS, 1);   /* the device drops its line ... */
    lapic_eoi();                        /* ... and the EOI resamples it */
}

/* Wait (interrupts on) until *W has BIT; false after 120 s of Xen time,
 * which only a lost SCI or a script that never acts takes. */
static bool wait_bit(volatile uint32_t *w, uint32_t bit, const char *step)
{
    uint64_t end = xen_system_time() + 120000000000ull;
    bool ok;

    printf("HOTPLUG-WAIT %s\n", step);
    sti();
    while (!(*w & bit) && xen_system_time() < end)
        cpu_relax();
    ok = (*w & bit) != 0;
    cli();
    *w &= ~bit;
    return ok;
}

static bool wait_count(volatile uint32_t *c, uint32_t before)
{
    return irq_wait_change(c, before, 30000000000ull);
}

static uint32_t dma(unsigned int dev, uint64_t src, uint64_t dst, uint32_t len, uint32_t cmd)
{
    reg_w(dev, TD_STATUS, TD_ST_DONE | TD_ST_ERROR);
    reg_w(dev, TD_DMA_SRC, (uint32_t)src);
    reg_w(dev, TD_DMA_SRC + 4, (uint32_t)(src >> 32));
    reg_w(dev, TD_DMA_DST, (uint32_t)dst);
    reg_w(dev, TD_DMA_DST + 4, (uint32_t)(dst >> 32));
    reg_w(dev, TD_DMA_LEN, len);
    reg_w(dev, TD_DMA_CMD, TD_CMD_START | cmd);
    return reg(dev, TD_STATUS);
}

/* Memory decoding and bus mastering on, vector 0 to VEC: MSI-X, or MSI
 * for a device with that capability instead (vfu_testdev --msi). */
static void enable(unsigned int dev, uint8_t vec)
{
    volatile uint32_t *t;

    cfg_w16(dev, 0x04, 0x6);
    if ((cfg32(dev, TD_CAP_MSIX) & 0xff) == 0x05) {
        EXPECT_TRUE(cfg32(dev, TD_CAP_MSIX) & (0x80u << 16));  /* 64-bit message */
        cfg_w32(dev, TD_CAP_MSIX + 4, 0xfee00000u | (lapic_id() << 12));
        cfg_w32(dev, TD_CAP_MSIX + 8, 0);
        cfg_w16(dev, TD_CAP_MSIX + 12, vec);
        cfg_w16(dev, TD_CAP_MSIX + 2, 1);
        EXPECT_EQ(cfg32(dev, TD_CAP_MSIX + 12) & 0xffff, vec);
        return;
    }
    t = bar0(dev) + TD_MSIX_TABLE / 4;
    t[0] = 0xfee00000u | (lapic_id() << 12);
    t[1] = 0;
    t[2] = vec;
    t[3] = 0;
    cfg_w16(dev, TD_CAP_MSIX + 2, 0x8000);
}

/* A DMA round with its completion interrupt on COUNT. */
static void dma_round(unsigned int dev, volatile uint32_t *count, uint8_t seed)
{
    uint32_t before = *count;

    for (unsigned int i = 0; i < sizeof(dma_src); i++) {
        dma_src[i] = (uint8_t)(i * 7 + seed);
        dma_dst[i] = 0;
    }
    EXPECT_EQ(dma(dev, (uintptr_t)dma_src, (uintptr_t)dma_dst, sizeof(dma_src), TD_CMD_IRQ),
              TD_ST_DONE);
    EXPECT_TRUE(wait_count(count, before));
    EXPECT_EQ(memcmp(dma_src, dma_dst, sizeof(dma_src)), 0);
}

TEST(hp_empty_bus)
{
    EXPECT_EQ(cfg32(SLOT_A, 0), 0xffffffffu);
    EXPECT_EQ(cfg32(SLOT_B, 0), 0xffffffffu);
    EXPECT_EQ(inl(HP_RMV), 0xfffffffcu);            /* slots 2-31 are hot-pluggable */
    EXPECT_EQ(inl(HP_PCIU), 0);
    EXPECT_EQ(inw(GPE0_STS), 0);
    /* The GPE enabled, the SCI routed as a level (GSI 9) through the
     * IOAPIC; the 8259s masked, as an OS does, or GSI 9 also arrives as
     * the slave PIC's IRQ 1 with whatever vector base it has. */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    trap_set_handler(VEC_SCI, h_sci, 0);
    trap_set_handler(VEC_A, h_msix_a, 0);
    trap_set_handler(VEC_B, h_msix_b, 0);
    lapic_enable();
    outw(GPE0_EN, GPE_PCI_HOTPLUG);
    EXPECT_EQ(inw(GPE0_EN), GPE_PCI_HOTPLUG);
    ioapic_set_rte(SCI_GSI, VEC_SCI | IOAPIC_RTE_LEVEL, (uint8_t)lapic_id());
}

TEST(hp_attach_first)
{
    REQUIRE(EXPECT_TRUE(wait_bit(&up_seen, 1u << SLOT_A, "attach")));
    REQUIRE(EXPECT_EQ(cfg32(SLOT_A, 0), TD_VENDOR | (TD_DEVICE << 16)));
    EXPECT_EQ(cfg32(SLOT_A, 0x10), BAR0_A);
    EXPECT_EQ(prt_a, 16);                               /* INTA's GSI, by _PRT */
    EXPECT_EQ(pci_cfg_read8(0, SLOT_A, 0, 0x3c), (unsigned int)prt_a);
    enable(SLOT_A, VEC_A);
    EXPECT_EQ(reg(SLOT_A, TD_ID), TD_ID_VALUE);
    dma_round(SLOT_A, &msix_a, 1);
}

TEST(hp_attach_second)
{
    uint32_t a, b;

    REQUIRE(EXPECT_TRUE(wait_bit(&up_seen, 1u << SLOT_B, "second")));
    REQUIRE(EXPECT_EQ(cfg32(SLOT_B, 0), TD_VENDOR | (TD_DEVICE << 16)));
    EXPECT_EQ(cfg32(SLOT_B, 0x10), BAR0_B);             /* its own BAR window */
    EXPECT_EQ(cfg32(SLOT_B, TD_CAP_MSIX) & 0xff, 0x05);  /* plain MSI (--msi) */
    enable(SLOT_B, VEC_B);
    /* Two devices: their registers and their vectors apart. */
    reg_w(SLOT_A, TD_SCRATCH, 0xaaaa0002);
    reg_w(SLOT_B, TD_SCRATCH, 0xbbbb0004);
    EXPECT_EQ(reg(SLOT_A, TD_SCRATCH), 0xaaaa0002);
    EXPECT_EQ(reg(SLOT_B, TD_SCRATCH), 0xbbbb0004);
    a = msix_a;
    b = msix_b;
    reg_w(SLOT_B, TD_IRQ_RAISE, 0);
    EXPECT_TRUE(wait_count(&msix_b, b));
    EXPECT_EQ(msix_a, a);
    reg_w(SLOT_A, TD_IRQ_RAISE, 0);
    EXPECT_TRUE(wait_count(&msix_a, a));
    dma_round(SLOT_B, &msix_b, 2);
}

/* The hot-plugged function's INTx (MSI off a while) arrives at the GSI
 * the DSDT's _PRT names for slot 4 INTA, as its interrupt line says. */
TEST(hp_second_intx_at_prt_gsi)
{
    uint32_t before = intx_b;

    REQUIRE(EXPECT_EQ(prt_b, 16));
    EXPECT_EQ(pci_cfg_read8(0, SLOT_B, 0, 0x3c), (unsigned int)prt_b);
    trap_set_handler(VEC_INTX, h_intx_b, 0);
    cfg_w16(SLOT_B, TD_CAP_MSIX + 2, 0);                /* MSI off: INTx */
    ioapic_set_rte((unsigned int)prt_b, VEC_INTX | IOAPIC_RTE_LEVEL, (uint8_t)lapic_id());
    reg_w(SLOT_B, TD_IRQ_RAISE, 0);
    EXPECT_TRUE(wait_count(&intx_b, before));
    EXPECT_EQ(reg(SLOT_B, TD_INTX_STATUS), 0);
    ioapic_mask((unsigned int)prt_b);
    cfg_w16(SLOT_B, TD_CAP_MSIX + 2, 1);                /* MSI again */
}

TEST(hp_detach_first)
{
    REQUIRE(EXPECT_TRUE(wait_bit(&down_seen, 1u << SLOT_A, "detach")));
    outl(HP_B0EJ, 1u << SLOT_A);                        /* _EJ0 */
    EXPECT_EQ(cfg32(SLOT_A, 0), 0xffffffffu);
    EXPECT_EQ(*(volatile uint32_t *)(VMAP_BASE + SLOT_A * PAGE_SIZE), 0xffffffffu);
    /* The other one is untouched. */
    EXPECT_EQ(reg(SLOT_B, TD_SCRATCH), 0xbbbb0004);
    dma_round(SLOT_B, &msix_b, 3);
}

TEST(hp_reattach)
{
    REQUIRE(EXPECT_TRUE(wait_bit(&up_seen, 1u << SLOT_A, "reattach")));
    REQUIRE(EXPECT_EQ(cfg32(SLOT_A, 0), TD_VENDOR | (TD_DEVICE << 16)));
    EXPECT_EQ(cfg32(SLOT_A, 0x08) >> 8, 0xff0000u);
    enable(SLOT_A, VEC_A);
    EXPECT_EQ(reg(SLOT_A, TD_SCRATCH), 0);              /* a new device, reset */
    dma_round(SLOT_A, &msix_a, 4);
}

TEST(hp_server_killed_mid_dma)
{
    uint64_t end = xen_system_time() + 120000000000ull;
    uint32_t st;

    EXPECT_EQ(dma(SLOT_A, (uintptr_t)dma_src, (uintptr_t)dma_dst, 64, TD_CMD_STALL),
              TD_ST_BUSY);
    printf("HOTPLUG-STALLED\n");
    do
        st = reg(SLOT_A, TD_STATUS);
    while (st != 0xffffffffu && xen_system_time() < end);
    EXPECT_EQ(st, 0xffffffffu);
    /* xl pci-detach asks for the removal (PCID), this guest does not
     * eject (interrupts stay off), xl pci-detach -f forces it out: the
     * slot is empty, the other function works on. */
    printf("HOTPLUG-GONE\n");
    while (!(inl(HP_PCID) & (1u << SLOT_A)) && xen_system_time() < end)
        cpu_relax();
    EXPECT_TRUE(inl(HP_PCID) & (1u << SLOT_A));
    EXPECT_TRUE(inw(GPE0_STS) & GPE_PCI_HOTPLUG);
    printf("HOTPLUG-REMOVAL-ASKED\n");
    do
        st = cfg32(SLOT_A, 0x10);
    while (st != 0xffffffffu && xen_system_time() < end);
    EXPECT_EQ(st, 0xffffffffu);
    dma_round(SLOT_B, &msix_b, 5);
}

TEST(hp_detach_second)
{
    REQUIRE(EXPECT_TRUE(wait_bit(&down_seen, 1u << SLOT_B, "end")));
    outl(HP_B0EJ, 1u << SLOT_B);
    EXPECT_EQ(cfg32(SLOT_B, 0), 0xffffffffu);
    ioapic_mask(SCI_GSI);
}

void guest_main(void)
{
    if (acpi_map()) {
        prt_a = acpi_prt_gsi(SLOT_A, 0);
        prt_b = acpi_prt_gsi(SLOT_B, 0);
    }
    printf("pcihotplug64: _PRT: slot %u INTA -> GSI %d, slot %u INTA -> GSI %d\n", SLOT_A,
           prt_a, SLOT_B, prt_b);
    printf("pcihotplug64: waiting for hot plug\n");
    run_tests();
}
