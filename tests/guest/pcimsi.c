/*
 * pcimsi64.elf: a driver for the passed-through test device served as
 * `vfu_testdev --msi4 --iobar` (tests/cli/pcimsi.sh): an MSI capability
 * of 4 messages with per-vector masking instead of MSI-X, and BAR4 in I/O
 * space (tests/pciback/testdev_regs.h).  Multi-message MSI with 1, 2 and 4
 * vectors (each vector's interrupt arrives on its own IDT vector), a
 * hostile Multiple Message Enable above the capability, a masked vector
 * held pending until unmasked; the I/O BAR read and written with 1, 2 and
 * 4 byte port accesses, sized, moved, and reading all ones with I/O
 * decoding off.  With "pirq" on the command line (the VMM runs with
 * --hvm-pirq): the 4 vectors as Xen pirqs, the message naming the first of
 * 4 consecutive ones, vector i raising pirq first + i's event channel.
 */
#include "apic.h"
#include "evtchn.h"
#include "lib.h"
#include "paging.h"
#include "shinfo.h"
#include "test.h"
#include "trap.h"
#include "x86.h"
#include "xen_guest.h"
#include "../pciback/testdev_regs.h"

#include <xen/physdev.h>

#define DEV 2
#define BAR0_PA 0xf4000000ul            /* where the VMM placed it */
#define IO_PORT 0xd000                  /* the VMM's I/O window for slot 2 */
#define IO_MOVED 0xd800
#define VEC_BASE 0x70                   /* 4 vectors: aligned to 4 */
#define CAP TD_CAP_MSI4
#define WAIT_NS 30000000000ull          /* only a lost interrupt takes it */

static volatile uint32_t vec_count[4];

static uint32_t cfg32(unsigned int off) { return pci_cfg_read32(0, DEV, 0, off); }
static void cfg_w32(unsigned int off, uint32_t v) { pci_cfg_write32(0, DEV, 0, off, v); }

static uint16_t cfg16(unsigned int off) { return pci_cfg_read16(0, DEV, 0, off); }

static void cfg_w16(unsigned int off, uint16_t v) { pci_cfg_write16(0, DEV, 0, off, v); }

static volatile uint32_t *bar0(void)
{
    vmap_set(VMAP_BASE, BAR0_PA);
    return (volatile uint32_t *)VMAP_BASE;
}

static void reg_w(unsigned int off, uint32_t v) { bar0()[off / 4] = v; }

#define HANDLER(i)                                   \
    static void h_vec##i(struct trap_frame *f)       \
    {                                                \
        (void)f;                                     \
        vec_count[i]++;                              \
        lapic_eoi();                                 \
    }
HANDLER(0)
HANDLER(1)
HANDLER(2)
HANDLER(3)

static bool wait_count(volatile uint32_t *c, uint32_t before)
{
    return irq_wait_change(c, before, WAIT_NS);
}

static unsigned int find_cap(uint8_t id) { return pci_find_cap(0, DEV, 0, id); }

static void setup(void)
{
    static bool done;

    if (done)
        return;
    done = true;
    trap_set_handler(VEC_BASE + 0, h_vec0, 0);
    trap_set_handler(VEC_BASE + 1, h_vec1, 0);
    trap_set_handler(VEC_BASE + 2, h_vec2, 0);
    trap_set_handler(VEC_BASE + 3, h_vec3, 0);
    lapic_enable();
    cfg_w16(0x04, 0x6);                 /* memory, bus master */
}

/* The message: this CPU's LAPIC, data VEC_BASE (its low bits are the
 * vector number's, as the device sends them). */
static void msi_message(uint32_t addr_lo, uint32_t addr_hi, uint16_t data)
{
    cfg_w32(CAP + 4, addr_lo);
    cfg_w32(CAP + 8, addr_hi);
    cfg_w16(CAP + 12, data);
}

TEST(pt_msi_capability)
{
    EXPECT_EQ(cfg32(0), TD_VENDOR | (TD_DEVICE << 16));
    EXPECT_EQ(find_cap(0x05), CAP);
    EXPECT_EQ(find_cap(0x11), 0);                   /* no MSI-X */
    EXPECT_EQ(cfg16(CAP + 2), 0x0184);              /* PVM, 64-bit, MMC 4 */
    /* Mask bits: those of the 4 vectors; pending: read-only. */
    cfg_w32(CAP + 16, 0xffffffffu);
    EXPECT_EQ(cfg32(CAP + 16), 0xfu);
    cfg_w32(CAP + 16, 0);
    cfg_w32(CAP + 20, 0xffffffffu);
    EXPECT_EQ(cfg32(CAP + 20), 0);
}

/* 1, 2 and 4 vectors: vector i arrives as VEC_BASE + i, and only there. */
TEST(pt_msi_vectors_1_2_4)
{
    setup();
    msi_message(0xfee00000u | (lapic_id() << 12), 0, VEC_BASE);
    for (unsigned int mme = 0; mme <= 2; mme++) {
        unsigned int n = 1u << mme;

        cfg_w16(CAP + 2, (uint16_t)(1 | mme << 4));
        EXPECT_EQ(cfg16(CAP + 2), 0x0185 | mme << 4);
        for (unsigned int i = 0; i < n; i++) {
            uint32_t before[4];

            for (unsigned int j = 0; j < 4; j++)
                before[j] = vec_count[j];
            reg_w(TD_IRQ_RAISE, i);
            EXPECT_TRUE(wait_count(&vec_count[i], before[i]));
            for (unsigned int j = 0; j < 4; j++)
                if (j != i)
                    EXPECT_EQ(vec_count[j], before[j]);
        }
        cfg_w16(CAP + 2, 0);
    }
    printf("pcimsi: vector counts %u %u %u %u\n", vec_count[0], vec_count[1], vec_count[2],
           vec_count[3]);
    EXPECT_EQ(vec_count[0], 3);
    EXPECT_EQ(vec_count[1], 2);
    EXPECT_EQ(vec_count[2], 1);
    EXPECT_EQ(vec_count[3], 1);
}

/* MME 7 (128 messages) on a device capable of 4: taken as 4 (QEMU's
 * msi_write_config), and vector 3 still arrives on its own vector. */
TEST(pt_msi_hostile_mme_clamped)
{
    uint32_t c3 = vec_count[3];

    setup();
    msi_message(0xfee00000u | (lapic_id() << 12), 0, VEC_BASE);
    cfg_w16(CAP + 2, 0x71);
    EXPECT_EQ(cfg16(CAP + 2), 0x01a5);
    reg_w(TD_IRQ_RAISE, 3);
    EXPECT_TRUE(wait_count(&vec_count[3], c3));
    cfg_w16(CAP + 2, 0);
}

/* A masked vector stays quiet with its pending bit set (the device's),
 * and arrives when it is unmasked. */
TEST(pt_msi_masked_vector_pending)
{
    uint32_t c1 = vec_count[1], c2 = vec_count[2];

    setup();
    msi_message(0xfee00000u | (lapic_id() << 12), 0, VEC_BASE);
    cfg_w16(CAP + 2, 0x21);
    cfg_w32(CAP + 16, 0x2);
    reg_w(TD_IRQ_RAISE, 1);
    reg_w(TD_IRQ_RAISE, 2);             /* after vector 1, in order */
    EXPECT_TRUE(wait_count(&vec_count[2], c2));
    EXPECT_EQ(vec_count[1], c1);
    EXPECT_EQ(cfg32(CAP + 20), 0x2);
    cfg_w32(CAP + 16, 0);
    EXPECT_TRUE(wait_count(&vec_count[1], c1));
    EXPECT_EQ(cfg32(CAP + 20), 0);
    cfg_w16(CAP + 2, 0);
}

TEST(pt_io_bar)
{
    uint16_t cmd = cfg16(0x04);

    EXPECT_EQ(cfg32(0x20), IO_PORT | 1u);               /* placed by the VMM */
    cfg_w32(0x20, 0xffffffffu);                         /* sizing */
    EXPECT_EQ(cfg32(0x20), ~(TD_BAR4_SIZE - 1u) | 1u);
    cfg_w32(0x20, IO_PORT);
    EXPECT_EQ(cfg32(0x20), IO_PORT | 1u);
    /* I/O decoding off: nothing answers, a floating bus. */
    cfg_w16(0x04, cmd & ~1u);
    EXPECT_EQ(inl(IO_PORT + TD_IO_ID), 0xffffffffu);
    cfg_w16(0x04, cmd | 1u);
    EXPECT_EQ(inl(IO_PORT + TD_IO_ID), TD_IO_ID_VALUE);
    EXPECT_EQ(inw(IO_PORT + TD_IO_ID + 2), TD_IO_ID_VALUE >> 16);
    outl(IO_PORT + TD_IO_SCRATCH, 0x11223344u);
    outb(IO_PORT + TD_IO_SCRATCH + 1, 0xaa);
    outw(IO_PORT + TD_IO_SCRATCH + 2, 0xbeef);
    EXPECT_EQ(inl(IO_PORT + TD_IO_SCRATCH), 0xbeefaa44u);
    EXPECT_EQ(inb(IO_PORT + TD_IO_SCRATCH + 1), 0xaa);
    EXPECT_EQ(inl(IO_PORT + TD_IO_COUNT), 3);
    /* Moved: the new ports answer, the old ones no longer. */
    cfg_w32(0x20, IO_MOVED);
    EXPECT_EQ(cfg32(0x20), IO_MOVED | 1u);
    EXPECT_EQ(inl(IO_MOVED + TD_IO_SCRATCH), 0xbeefaa44u);
    EXPECT_EQ(inl(IO_PORT + TD_IO_SCRATCH), 0xffffffffu);
    /* Writes to the old place reach nothing. */
    outl(IO_PORT + TD_IO_SCRATCH, 0);
    EXPECT_EQ(inl(IO_MOVED + TD_IO_SCRATCH), 0xbeefaa44u);
    cfg_w16(0x04, cmd & ~1u);
    EXPECT_EQ(inl(IO_MOVED + TD_IO_ID), 0xffffffffu);
    cfg_w16(0x04, cmd);
}

/* hvm_pirq: the message in Xen's pirq encoding names the first of 4
 * consecutive MSI pirqs (MAP_PIRQ_TYPE_MULTI_MSI's layout); vector i's
 * data carries i in its low bits and raises pirq first + i. */
TEST(pt_msi_multi_pirq)
{
    evtchn_port_t port[4];
    uint32_t pirq[4], first;

    if (!cmdline_has("pirq")) {
        test_skip("without pirq on the command line");
        return;
    }
    setup();
    cli();
    REQUIRE(EXPECT_EQ(ev_via_vector(), 0));
    /* MSI pirqs come from the top down: 4 in a row end at the first. */
    for (unsigned int i = 0; i < 4; i++) {
        struct physdev_get_free_pirq f = { .type = MAP_PIRQ_TYPE_MSI };

        REQUIRE(EXPECT_EQ(HYPERVISOR_physdev_op(PHYSDEVOP_get_free_pirq, &f), 0));
        pirq[i] = f.pirq;
    }
    first = pirq[3];
    REQUIRE(EXPECT_EQ(pirq[0], first + 3));
    msi_message(0xfee00000u | ((first & 0xff) << 12), first & ~0xffu,
                (1u << 14) | (3u << 8));        /* XEN_PIRQ_MSI_DATA: vector 0 */
    cfg_w16(CAP + 2, 0x21);
    for (unsigned int i = 0; i < 4; i++)
        REQUIRE(EXPECT_EQ(ev_bind_pirq(first + i, 0, &port[i]), 0));
    ev_counts_clear();
    for (unsigned int i = 0; i < 4; i++) {
        uint32_t before = evtchn_count[port[i]];

        reg_w(TD_IRQ_RAISE, i);
        EXPECT_TRUE(wait_count(&evtchn_count[port[i]], before));
        for (unsigned int j = 0; j < 4; j++)
            if (j != i)
                EXPECT_EQ(evtchn_count[port[j]], j < i ? 1u : 0u);
    }
    cfg_w16(CAP + 2, 0);
    for (unsigned int i = 0; i < 4; i++)
        EXPECT_EQ(ev_close(port[i]), 0);
}

void guest_main(void)
{
    printf("pcimsi64: 00:%02x.0 is %08x, command line \"%s\"\n", DEV, cfg32(0),
           start_cmdline());
    run_tests();
}
