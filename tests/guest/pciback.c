/*
 * pciback64.elf: a driver for the passed-through test device (PCI
 * 1234:7e57, tests/pciback/testdev_regs.h) at 00:02.0 of an HVM guest
 * (booted with --firmware, --pci vfio-user:SOCKET; tests/cli/pciback.sh).
 * Config space with its masks, BARs trapped and mapped, a BAR move, DMA
 * into guest memory with an MSI-X completion, INTx through the IOAPIC and
 * its resample, hostile writes; with "kill" on the command line the
 * server is killed while a DMA is stalled and the device must read as
 * gone while the guest goes on.  With "liveupdate", a second function at
 * 00:04.0 (attached by xl pci-attach before the guest runs) and live
 * updates of the VMM in between (pt_live_update).  Ballooning: a frame
 * given back is out of the device's reach until populated again
 * (pt_balloon).
 */
#include "acpi.h"
#include "apic.h"
#include "hypercall.h"
#include "lib.h"
#include "paging.h"
#include "shinfo.h"
#include "test.h"
#include "trap.h"
#include "x86.h"
#include "xen_guest.h"
#include "../pciback/testdev_regs.h"

#define DEV 2
#define BAR0_PA 0xf4000000ul            /* where the VMM placed them */
#define BAR2_PA 0xf4010000ul
#define BAR2_MOVED 0xf5000000ul
#define VEC_MSIX 0x60
#define VEC_INTX 0x61
#define PRT_INTA_SLOT2 16               /* what the DSDT's _PRT must say */
#define SLOT_BAR0 0                     /* vmap window slots */
#define SLOT_BAR2 16

static volatile uint32_t msix_count, intx_count;
/* The GSI of the device's INTA as the DSDT's _PRT routes it (read before
 * the BARs take the vmap slots the ACPI window used). */
static int prt_gsi = -1, prt_gsi_platform = -1;
#define INTX_GSI ((unsigned int)prt_gsi)
static uint8_t dma_src[8192] __attribute__((aligned(4096)));
static uint8_t dma_dst[8192] __attribute__((aligned(4096)));
static uint8_t bal[3][4096] __attribute__((aligned(4096)));   /* bal[1] is ballooned */

static uint32_t cfg32(unsigned int off) { return pci_cfg_read32(0, DEV, 0, off); }
static void cfg_w32(unsigned int off, uint32_t v) { pci_cfg_write32(0, DEV, 0, off, v); }

static uint16_t cfg16(unsigned int off) { return pci_cfg_read16(0, DEV, 0, off); }

static void cfg_w16(unsigned int off, uint16_t v) { pci_cfg_write16(0, DEV, 0, off, v); }

static volatile uint32_t *map_bar(uint64_t pa, unsigned int slot, unsigned int pages)
{
    for (unsigned int i = 0; i < pages; i++)
        vmap_set(VMAP_BASE + (slot + i) * PAGE_SIZE, pa + i * PAGE_SIZE);
    return (volatile uint32_t *)(VMAP_BASE + slot * PAGE_SIZE);
}

static volatile uint32_t *bar0(void) { return map_bar(BAR0_PA, SLOT_BAR0, 1); }

static uint32_t reg(unsigned int off) { return bar0()[off / 4]; }
static void reg_w(unsigned int off, uint32_t v) { bar0()[off / 4] = v; }

/* Wait (interrupts on) for *C to pass BEFORE; false after 30 s of Xen
 * time, which only a lost interrupt takes. */
static bool wait_count(volatile uint32_t *c, uint32_t before)
{
    return irq_wait_change(c, before, 30000000000ull);
}

static void h_msix(struct trap_frame *f)
{
    (void)f;
    msix_count++;
    lapic_eoi();
}

static void h_intx(struct trap_frame *f)
{
    (void)f;
    intx_count++;
    reg_w(TD_INTX_STATUS, 1);   /* the device drops its line ... */
    lapic_eoi();                /* ... and the EOI resamples it */
}

static unsigned int find_cap(uint8_t id) { return pci_find_cap(0, DEV, 0, id); }

/* The DSDT's _PRT (walked as AML) routes slot 2 INTA where Xen's swizzle
 * puts it on KVM's 24 pins, and the platform device's (slot 1) to GSI 20;
 * each interrupt line says the same.  pt_intx then takes the device's
 * INTx at that GSI. */
TEST(pt_prt_routes_intx)
{
    REQUIRE(EXPECT_EQ(prt_gsi, PRT_INTA_SLOT2));
    EXPECT_EQ(pci_cfg_read8(0, DEV, 0, 0x3c), (unsigned int)prt_gsi);
    EXPECT_EQ(prt_gsi_platform, 20);
    EXPECT_EQ(pci_cfg_read8(0, 1, 0, 0x3c), (unsigned int)prt_gsi_platform);
}

TEST(pt_config_identity)
{
    EXPECT_EQ(cfg32(0x00), TD_VENDOR | (TD_DEVICE << 16));
    EXPECT_EQ(cfg32(0x08) >> 8, 0xff0000u);
    EXPECT_EQ(pci_cfg_read8(0, DEV, 0, 0x3d), 1);           /* INTA */
    EXPECT_EQ(pci_cfg_read8(0, DEV, 0, 0x3c), INTX_GSI);
    EXPECT_EQ(pci_cfg_read32(0, DEV + 1, 0, 0), 0xffffffffu);  /* nothing next to it */
}

TEST(pt_config_capabilities)
{
    EXPECT_TRUE(cfg16(0x06) & 0x10);
    EXPECT_EQ(find_cap(0x01), TD_CAP_PM);
    EXPECT_EQ(find_cap(0x11), TD_CAP_MSIX);
    EXPECT_EQ(find_cap(0x10), TD_CAP_EXP);
    EXPECT_EQ(find_cap(0x09), 0);                           /* hidden */
    EXPECT_EQ(cfg16(TD_CAP_VNDR), 0);
}

TEST(pt_config_masks)
{
    uint32_t b0 = cfg32(0x10), b2 = cfg32(0x18);

    /* Read-only and emulated fields keep their values. */
    cfg_w32(0x00, 0);
    cfg_w32(0x08, 0x12345678);
    cfg_w32(0x34, 0xffffffff);
    cfg_w32(TD_CAP_EXP, 0xffffffff);
    EXPECT_EQ(cfg32(0x00), TD_VENDOR | (TD_DEVICE << 16));
    EXPECT_EQ(cfg32(0x08) >> 8, 0xff0000u);
    EXPECT_EQ(cfg32(0x34) & 0xff, TD_CAP_PM);
    EXPECT_EQ(cfg32(TD_CAP_EXP) & 0xffff, 0x0010);          /* PCIe, end of list */
    /* PMCSR without power_mgmt: D3 never happens. */
    cfg_w16(TD_CAP_PM + 4, 3);
    EXPECT_EQ(cfg16(TD_CAP_PM + 4) & 3, 0);
    /* BAR sizing, then the old addresses back. */
    EXPECT_EQ(b0, BAR0_PA);
    EXPECT_EQ(b2, BAR2_PA | 8);
    cfg_w32(0x10, 0xffffffff);
    cfg_w32(0x18, 0xffffffff);
    cfg_w32(0x14, 0xffffffff);
    EXPECT_EQ(cfg32(0x10), (uint32_t)~(TD_BAR0_SIZE - 1));
    EXPECT_EQ(cfg32(0x18), (uint32_t)~(TD_BAR2_SIZE - 1) | 8);
    EXPECT_EQ(cfg32(0x14), 0);
    cfg_w32(0x10, b0);
    cfg_w32(0x18, b2);
    EXPECT_EQ(cfg32(0x10), BAR0_PA);
}

TEST(pt_bars)
{
    volatile uint32_t *b2;

    cfg_w16(0x04, 0x6);                     /* memory, bus master */
    REQUIRE(EXPECT_EQ(reg(TD_ID), TD_ID_VALUE));
    reg_w(TD_ID, 0);
    EXPECT_EQ(reg(TD_ID), TD_ID_VALUE);     /* read-only */
    reg_w(TD_SCRATCH, 0x600df00d);
    EXPECT_EQ(reg(TD_SCRATCH), 0x600df00d);
    /* BAR2 is mapped memory: a pattern stays. */
    b2 = map_bar(BAR2_PA, SLOT_BAR2, 16);
    for (unsigned int i = 0; i < TD_BAR2_SIZE / 4; i += 1021)
        b2[i] = 0xb2000000u + i;
    for (unsigned int i = 0; i < TD_BAR2_SIZE / 4; i += 1021)
        EXPECT_EQ(b2[i], 0xb2000000u + i);
    /* Between the BARs nothing answers. */
    EXPECT_EQ(*map_bar(BAR0_PA + 0x1000, SLOT_BAR2 + 16, 1), 0xffffffffu);
    /* The guest moves BAR2: the same memory there, nothing here. */
    cfg_w32(0x18, BAR2_MOVED);
    b2 = map_bar(BAR2_MOVED, SLOT_BAR2, 16);
    EXPECT_EQ(b2[1021], 0xb2000000u + 1021);
    EXPECT_EQ(*map_bar(BAR2_PA, SLOT_BAR2 + 16, 1), 0xffffffffu);
    cfg_w32(0x18, BAR2_PA);
    EXPECT_EQ(map_bar(BAR2_PA, SLOT_BAR2, 16)[1021], 0xb2000000u + 1021);
}

static void msix_entry(unsigned int v, uint32_t addr, uint32_t data, bool masked)
{
    volatile uint32_t *t = bar0() + TD_MSIX_TABLE / 4 + 4 * v;

    t[0] = addr;
    t[1] = 0;
    t[2] = data;
    t[3] = masked;
}

static uint32_t dma(uint64_t src, uint64_t dst, uint32_t len, uint32_t cmd)
{
    reg_w(TD_STATUS, TD_ST_DONE | TD_ST_ERROR);
    reg_w(TD_DMA_SRC, (uint32_t)src);
    reg_w(TD_DMA_SRC + 4, (uint32_t)(src >> 32));
    reg_w(TD_DMA_DST, (uint32_t)dst);
    reg_w(TD_DMA_DST + 4, (uint32_t)(dst >> 32));
    reg_w(TD_DMA_LEN, len);
    reg_w(TD_DMA_CMD, TD_CMD_START | cmd);
    return reg(TD_STATUS);
}

TEST(pt_dma_msix)
{
    uint32_t before;

    trap_set_handler(VEC_MSIX, h_msix, 0);
    lapic_enable();
    cfg_w16(0x04, 0x6);
    msix_entry(0, 0xfee00000u | (lapic_id() << 12), VEC_MSIX, false);
    msix_entry(1, 0xfee00000u | (lapic_id() << 12), VEC_MSIX, true);
    cfg_w16(TD_CAP_MSIX + 2, 0x8000);
    EXPECT_TRUE(cfg16(TD_CAP_MSIX + 2) & 0x8000);
    EXPECT_EQ(bar0()[TD_MSIX_TABLE / 4 + 2], VEC_MSIX);     /* the table reads back */
    for (unsigned int i = 0; i < sizeof(dma_src); i++) {
        dma_src[i] = (uint8_t)(i * 13 + 7);
        dma_dst[i] = 0;
    }
    before = msix_count;
    /* Guest-physical = virtual here (the identity map): the IOVA. */
    EXPECT_EQ(dma((uintptr_t)dma_src, (uintptr_t)dma_dst, sizeof(dma_src), TD_CMD_IRQ),
              TD_ST_DONE);
    EXPECT_TRUE(wait_count(&msix_count, before));
    EXPECT_EQ(memcmp(dma_src, dma_dst, sizeof(dma_src)), 0);
    /* And back, after changing the source. */
    dma_dst[5] ^= 0xff;
    EXPECT_EQ(dma((uintptr_t)dma_dst, (uintptr_t)dma_src, 16, 0), TD_ST_DONE);
    EXPECT_EQ(dma_src[5], dma_dst[5]);
    /* Hostile: DMA outside guest RAM fails on the device, nothing lands. */
    EXPECT_EQ(dma((uintptr_t)dma_src, 0xe0000000ull, 64, 0), TD_ST_DONE | TD_ST_ERROR);
    EXPECT_EQ(dma(0x7ffffffff000ull, (uintptr_t)dma_dst, 64, 0), TD_ST_DONE | TD_ST_ERROR);
    /* A masked vector stays quiet. */
    before = msix_count;
    reg_w(TD_IRQ_RAISE, 1);
    EXPECT_EQ(msix_count, before);
    /* Hostile table writes: odd offsets beyond the table, a 2-byte write. */
    *(volatile uint16_t *)((volatile uint8_t *)bar0() + TD_MSIX_TABLE + 2) = 0xffff;
    bar0()[(TD_MSIX_TABLE + 16 * TD_MSIX_VECTORS) / 4] = 0xffffffff;
    EXPECT_EQ(bar0()[TD_MSIX_TABLE / 4], 0xfee00000u | (lapic_id() << 12));
}

TEST(pt_intx)
{
    uint32_t before;

    cfg_w16(TD_CAP_MSIX + 2, 0);            /* MSI-X off: INTx again */
    cfg_w16(0x04, 0x6);
    trap_set_handler(VEC_INTX, h_intx, 0);
    lapic_enable();
    REQUIRE(EXPECT_TRUE(INTX_GSI < ioapic_pins()));
    ioapic_set_rte(INTX_GSI, VEC_INTX | IOAPIC_RTE_LEVEL, (uint8_t)lapic_id());
    for (unsigned int round = 0; round < 3; round++) {
        before = intx_count;
        reg_w(TD_IRQ_RAISE, 0);
        EXPECT_TRUE(wait_count(&intx_count, before));
    }
    EXPECT_EQ(reg(TD_INTX_STATUS), 0);
    ioapic_mask(INTX_GSI);
}

static long reservation(unsigned int op, xen_pfn_t *list, unsigned int n)
{
    struct xen_memory_reservation r = { .nr_extents = n, .domid = DOMID_SELF };

    set_xen_guest_handle(r.extent_start, list);
    return HYPERVISOR_memory_op(op, &r);
}

static bool all_bytes(const uint8_t *p, unsigned int n, uint8_t v)
{
    for (unsigned int i = 0; i < n; i++)
        if (p[i] != v)
            return false;
    return true;
}

/* A frame the guest gives back leaves the device's reach, as Xen's IOMMU
 * drops it: DMA to it, from it or across into it fails as at an unmapped
 * address, nothing lands; the frames around it stay reachable.  Populated
 * again, the device reaches it, and across its neighbours (one mapping
 * again). */
static void balloon_round(void)
{
    xen_pfn_t gfn = (uintptr_t)bal[1] >> PAGE_SHIFT;
    uintptr_t b0 = (uintptr_t)bal[0], b1 = (uintptr_t)bal[1], b2 = (uintptr_t)bal[2];

    cfg_w16(0x04, 0x6);
    for (unsigned int i = 0; i < sizeof(dma_src); i++)
        dma_src[i] = (uint8_t)(i * 11 + 3);
    memset(bal, 0x5a, sizeof(bal));
    REQUIRE(EXPECT_EQ(reservation(XENMEM_decrease_reservation, &gfn, 1), 1));
    EXPECT_EQ(dma((uintptr_t)dma_src, b1, 64, 0), TD_ST_DONE | TD_ST_ERROR);
    EXPECT_EQ(dma(b1 + 128, (uintptr_t)dma_dst, 64, 0), TD_ST_DONE | TD_ST_ERROR);
    EXPECT_EQ(dma((uintptr_t)dma_src, b1 - 32, 64, 0), TD_ST_DONE | TD_ST_ERROR);
    EXPECT_TRUE(all_bytes(bal[0] + 4096 - 32, 32, 0x5a));
    /* The neighbours. */
    EXPECT_EQ(dma((uintptr_t)dma_src, b0, 4096, 0), TD_ST_DONE);
    EXPECT_EQ(memcmp(bal[0], dma_src, 4096), 0);
    EXPECT_EQ(dma((uintptr_t)dma_src + 4096, b2, 4096, 0), TD_ST_DONE);
    EXPECT_EQ(memcmp(bal[2], dma_src + 4096, 4096), 0);
    /* Back: scrubbed (no failed DMA landed in it), reachable again. */
    REQUIRE(EXPECT_EQ(reservation(XENMEM_populate_physmap, &gfn, 1), 1));
    EXPECT_TRUE(all_bytes(bal[1], 4096, 0));
    EXPECT_EQ(dma((uintptr_t)dma_src, b1, 4096, 0), TD_ST_DONE);
    EXPECT_EQ(memcmp(bal[1], dma_src, 4096), 0);
    EXPECT_EQ(dma((uintptr_t)dma_src, b0 + 2048, 8192, 0), TD_ST_DONE);
    EXPECT_EQ(memcmp(bal[0] + 2048, dma_src, 8192), 0);
}

TEST(pt_balloon)
{
    balloon_round();
}

TEST(pt_device_killed)
{
    uint64_t end = xen_system_time() + 60000000000ull;
    uint32_t st;

    if (!strstr(start_cmdline(), "kill")) {
        test_skip("without kill on the command line");
        return;
    }
    cfg_w16(0x04, 0x6);
    EXPECT_EQ(dma((uintptr_t)dma_src, (uintptr_t)dma_dst, 64, TD_CMD_STALL), TD_ST_BUSY);
    printf("PCIBACK-STALLED\n");
    /* The server is killed now: the device reads as gone (all ones). */
    do
        st = reg(TD_STATUS);
    while (st != 0xffffffffu && xen_system_time() < end);
    EXPECT_EQ(st, 0xffffffffu);
    reg_w(TD_SCRATCH, 1);                   /* dropped, no harm */
    EXPECT_EQ(reg(TD_ID), 0xffffffffu);
    EXPECT_EQ(cfg32(0x00), 0xffffffffu);
}

/* --- across live updates -------------------------------------------- */

#define DEV4 4
#define DEV4_BAR0_PA 0xf6000000ul       /* slot 4's window */
#define VEC_MSIX4 0x62
#define SLOT_DEV4 40

static volatile uint32_t msix4_count;

static void h_msix4(struct trap_frame *f)
{
    (void)f;
    msix4_count++;
    lapic_eoi();
}

static volatile uint32_t *dev4(void) { return map_bar(DEV4_BAR0_PA, SLOT_DEV4, 1); }

static void dev4_msix_entry(unsigned int v, uint8_t vec, bool masked)
{
    volatile uint32_t *t = dev4() + TD_MSIX_TABLE / 4 + 4 * v;

    t[0] = 0xfee00000u | (lapic_id() << 12);
    t[1] = 0;
    t[2] = vec;
    t[3] = masked;
}

/* Both functions work: DMA with an MSI-X completion on each (00:02.0's
 * MSI-X is turned on for it and off again: INTx after), INTx twice on
 * 00:02.0. */
static void lu_round(uint8_t seed)
{
    uint32_t before;

    for (unsigned int i = 0; i < sizeof(dma_src); i++) {
        dma_src[i] = (uint8_t)(i * 7 + seed);
        dma_dst[i] = 0;
    }
    cfg_w16(TD_CAP_MSIX + 2, 0x8000);
    before = msix_count;
    EXPECT_EQ(dma((uintptr_t)dma_src, (uintptr_t)dma_dst, sizeof(dma_src), TD_CMD_IRQ),
              TD_ST_DONE);
    EXPECT_TRUE(wait_count(&msix_count, before));
    EXPECT_EQ(memcmp(dma_src, dma_dst, sizeof(dma_src)), 0);
    cfg_w16(TD_CAP_MSIX + 2, 0);
    for (unsigned int round = 0; round < 2; round++) {
        before = intx_count;
        reg_w(TD_IRQ_RAISE, 0);
        EXPECT_TRUE(wait_count(&intx_count, before));
    }
    /* 00:04.0 copies back what 00:02.0 wrote. */
    memset(dma_src, 0, 64);
    before = msix4_count;
    dev4()[TD_STATUS / 4] = TD_ST_DONE | TD_ST_ERROR;
    dev4()[TD_DMA_SRC / 4] = (uint32_t)(uintptr_t)dma_dst;
    dev4()[TD_DMA_SRC / 4 + 1] = 0;
    dev4()[TD_DMA_DST / 4] = (uint32_t)(uintptr_t)dma_src;
    dev4()[TD_DMA_DST / 4 + 1] = 0;
    dev4()[TD_DMA_LEN / 4] = 64;
    dev4()[TD_DMA_CMD / 4] = TD_CMD_START | TD_CMD_IRQ;
    EXPECT_EQ(dev4()[TD_STATUS / 4], TD_ST_DONE);
    EXPECT_TRUE(wait_count(&msix4_count, before));
    EXPECT_EQ(memcmp(dma_src, dma_dst, 64), 0);
}

/* The script live-updates the VMM after "PCIBACK-LU-READY n" and has each
 * device server raise an interrupt while the new binary starts: 00:02.0's
 * INTx (MSI-X off) and 00:04.0's MSI-X vector 0.  Both must arrive, and
 * everything the guest set up must be as it was. */
static void lu_await(unsigned int n)
{
    uint32_t i0 = intx_count, m0 = msix4_count;
    volatile uint32_t *b2 = map_bar(BAR2_PA, SLOT_BAR2, 16);

    printf("PCIBACK-LU-READY %u\n", n);
    EXPECT_TRUE(wait_count(&intx_count, i0));
    EXPECT_TRUE(wait_count(&msix4_count, m0));
    /* The emulated state: BARs, command, interrupt line, the table. */
    EXPECT_EQ(cfg32(0x10), BAR0_PA);
    EXPECT_EQ(cfg32(0x18), BAR2_PA | 8);
    EXPECT_EQ(cfg16(0x04) & 0x6, 0x6);
    EXPECT_EQ(pci_cfg_read8(0, DEV, 0, 0x3c), INTX_GSI);
    EXPECT_EQ(cfg16(TD_CAP_MSIX + 2) & 0x8000, 0);
    EXPECT_EQ(pci_cfg_read32(0, DEV4, 0, 0x10), DEV4_BAR0_PA);
    EXPECT_TRUE(pci_cfg_read32(0, DEV4, 0, TD_CAP_MSIX) & 0x80000000u);
    EXPECT_EQ(dev4()[TD_MSIX_TABLE / 4 + 2], VEC_MSIX4);
    EXPECT_EQ(bar0()[TD_MSIX_TABLE / 4 + 2], VEC_MSIX);
    /* BAR2 mapped again over the same memory. */
    for (unsigned int i = 0; i < TD_BAR2_SIZE / 4; i += 509)
        EXPECT_EQ(b2[i], 0x1e000000u + i + n);
    for (unsigned int i = 0; i < TD_BAR2_SIZE / 4; i += 509)
        b2[i] = 0x1e000000u + i + n + 1;
}

TEST(pt_live_update)
{
    volatile uint32_t *b2;

    if (!cmdline_has("liveupdate")) {
        test_skip("without liveupdate on the command line");
        return;
    }
    REQUIRE(EXPECT_EQ(pci_cfg_read32(0, DEV4, 0, 0), TD_VENDOR | (TD_DEVICE << 16)));
    trap_set_handler(VEC_MSIX, h_msix, 0);
    trap_set_handler(VEC_INTX, h_intx, 0);
    trap_set_handler(VEC_MSIX4, h_msix4, 0);
    lapic_enable();
    cfg_w16(0x04, 0x6);
    pci_cfg_write32(0, DEV4, 0, 0x04, 0x6);
    msix_entry(0, 0xfee00000u | (lapic_id() << 12), VEC_MSIX, false);
    dev4_msix_entry(0, VEC_MSIX4, false);
    pci_cfg_write32(0, DEV4, 0, TD_CAP_MSIX, 0x80000000u);
    ioapic_set_rte(INTX_GSI, VEC_INTX | IOAPIC_RTE_LEVEL, (uint8_t)lapic_id());
    b2 = map_bar(BAR2_PA, SLOT_BAR2, 16);
    for (unsigned int i = 0; i < TD_BAR2_SIZE / 4; i += 509)
        b2[i] = 0x1e000000u + i + 1;
    lu_round(1);
    /* 1: a live update; 2: one to a binary that refuses (the interrupts
     * then come from the servers with the old VMM running on). */
    for (unsigned int n = 1; n <= 2; n++) {
        lu_await(n);
        lu_round((uint8_t)(n + 1));
    }
    /* The new VMM took the DMA mappings over: they follow the balloon. */
    balloon_round();
    printf("PCIBACK-LU-DONE\n");
}

/* --- ballooning, then a function hot-plugged (cli/xl_pci_balloon) ---- */

static uint32_t dev4_dma(uint64_t src, uint64_t dst, uint32_t len)
{
    volatile uint32_t *r = dev4();

    r[TD_STATUS / 4] = TD_ST_DONE | TD_ST_ERROR;
    r[TD_DMA_SRC / 4] = (uint32_t)src;
    r[TD_DMA_SRC / 4 + 1] = (uint32_t)(src >> 32);
    r[TD_DMA_DST / 4] = (uint32_t)dst;
    r[TD_DMA_DST / 4 + 1] = (uint32_t)(dst >> 32);
    r[TD_DMA_LEN / 4] = len;
    r[TD_DMA_CMD / 4] = TD_CMD_START;
    return r[TD_STATUS / 4];
}

/* A function attached (xl pci-attach at 00:04.0) while a frame is
 * ballooned out gets no mapping for it, as Xen maps only what the guest
 * has; populated again, the new function reaches it too. */
TEST(pt_balloon_hot_attach)
{
    xen_pfn_t gfn = (uintptr_t)bal[1] >> PAGE_SHIFT;
    uintptr_t b0 = (uintptr_t)bal[0], b1 = (uintptr_t)bal[1], b2 = (uintptr_t)bal[2];
    uint64_t end;

    if (!cmdline_has("balloonattach")) {
        test_skip("without balloonattach on the command line");
        return;
    }
    for (unsigned int i = 0; i < sizeof(dma_src); i++)
        dma_src[i] = (uint8_t)(i * 5 + 1);
    memset(bal, 0x5a, sizeof(bal));
    REQUIRE(EXPECT_EQ(reservation(XENMEM_decrease_reservation, &gfn, 1), 1));
    printf("PCIBACK-BALLOONED\n");
    end = xen_system_time() + 120000000000ull;
    while (pci_cfg_read32(0, DEV4, 0, 0) != (TD_VENDOR | (TD_DEVICE << 16)) &&
           xen_system_time() < end)
        cpu_relax();
    REQUIRE(EXPECT_EQ(pci_cfg_read32(0, DEV4, 0, 0), TD_VENDOR | (TD_DEVICE << 16)));
    pci_cfg_write32(0, DEV4, 0, 0x04, 0x6);
    EXPECT_EQ(dev4_dma((uintptr_t)dma_src, b1, 64), TD_ST_DONE | TD_ST_ERROR);
    EXPECT_EQ(dev4_dma(b1, (uintptr_t)dma_dst, 64), TD_ST_DONE | TD_ST_ERROR);
    EXPECT_EQ(dev4_dma((uintptr_t)dma_src, b0, 4096), TD_ST_DONE);
    EXPECT_EQ(memcmp(bal[0], dma_src, 4096), 0);
    EXPECT_EQ(dev4_dma((uintptr_t)dma_src, b2, 4096), TD_ST_DONE);
    EXPECT_EQ(memcmp(bal[2], dma_src, 4096), 0);
    REQUIRE(EXPECT_EQ(reservation(XENMEM_populate_physmap, &gfn, 1), 1));
    EXPECT_TRUE(all_bytes(bal[1], 4096, 0));
    EXPECT_EQ(dev4_dma((uintptr_t)dma_src, b0 + 2048, 8192), TD_ST_DONE);
    EXPECT_EQ(memcmp(bal[0] + 2048, dma_src, 8192), 0);
    cfg_w16(0x04, 0x6);
    EXPECT_EQ(dma((uintptr_t)dma_src + 4096, b1, 4096, 0), TD_ST_DONE);
    EXPECT_EQ(memcmp(bal[1], dma_src + 4096, 4096), 0);
    printf("PCIBACK-BALLOON-DONE\n");
}

void guest_main(void)
{
    printf("pciback64: 00:%02x.0 is %08x, command line \"%s\"\n", DEV, cfg32(0),
           start_cmdline());
    if (acpi_map()) {
        prt_gsi = acpi_prt_gsi(DEV, 0);
        prt_gsi_platform = acpi_prt_gsi(1, 0);
    }
    printf("pciback64: _PRT: 00:%02x INTA -> GSI %d, 00:01 INTA -> GSI %d\n", DEV, prt_gsi,
           prt_gsi_platform);
    run_tests();
}
