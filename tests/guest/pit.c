/*
 * pit64.elf: the 8254 PIT as a guest sees it (tests/cli/pit_guest.sh).
 * Booted as a type=hvm guest (--firmware) it finds a PIT, as on Xen: the
 * read-back command gives the mode it programmed, latched counts lie
 * within the count and go down as Xen time goes on, and port 0x61 keeps
 * the speaker's data bit and channel 2's gate.  With "nopit" on its
 * command line (a PVH guest, --kernel) it finds none, as on Xen's PVH:
 * ports 0x40-0x43 and 0x61 read all ones whatever it writes.
 * Channel 0's interrupt (ISA IRQ 0) reaches the IOAPIC on pin 2, as on
 * Xen (hvm_isa_irq_to_gsi) and as the MADT's interrupt source override
 * of PC firmware says, not on pin 0.
 */
#include "apic.h"
#include "lib.h"
#include "shinfo.h"
#include "test.h"
#include "x86.h"
#include "xen_guest.h"

#define PIT_CH2     0x42
#define PIT_CMD     0x43
#define SPEAKER     0x61
#define PIT_HZ      1193182ull

/* Channel 2's count through a counter-latch command. */
static uint16_t latch_ch2(void)
{
    uint8_t lo, hi;

    outb(PIT_CMD, 0x80);            /* channel 2, latch */
    lo = inb(PIT_CH2);
    hi = inb(PIT_CH2);
    return (uint16_t)(lo | hi << 8);
}

/* Channel 2's status byte through the read-back command. */
static uint8_t status_ch2(void)
{
    outb(PIT_CMD, 0xe8);            /* read-back, status only, channel 2 */
    return inb(PIT_CH2);
}

static void program_ch2(uint8_t mode, uint16_t count)
{
    outb(PIT_CMD, 0xb0 | mode << 1);    /* channel 2, low then high byte */
    outb(PIT_CH2, count & 0xff);
    outb(PIT_CH2, count >> 8);
}

TEST(pit_ports)
{
    if (cmdline_has("nopit")) {
        program_ch2(2, 0x4321);
        EXPECT_EQ(inb(PIT_CH2), 0xff);
        EXPECT_EQ(inb(0x40), 0xff);
        EXPECT_EQ(inb(PIT_CMD), 0xff);
        EXPECT_EQ(status_ch2(), 0xff);
        return;
    }
    program_ch2(2, 0x4321);
    /* Output (bit 7) moves with time; access 3 (low/high), mode 2, binary. */
    EXPECT_EQ(status_ch2() & 0x3f, 0x34);
    for (int i = 0; i < 4; i++) {
        uint16_t c = latch_ch2();
        EXPECT_GE(c, 1);
        EXPECT_LE(c, 0x4321);
    }
    program_ch2(0, 0x1234);
    EXPECT_EQ(status_ch2() & 0x3f, 0x30);
}

/* Mode 0 counts down from 0xffff: two latched counts some Xen time apart
 * differ by about that time in PIT ticks.  A try where the vCPU was away
 * long enough for the count to wrap is not judged, and tried again. */
TEST(pit_counts_down)
{
    int judged = 0;

    if (cmdline_has("nopit")) {
        test_skip("no PIT (PVH)");
        return;
    }
    shinfo_map();
    for (int tries = 0; tries < 50 && judged < 3; tries++) {
        uint64_t t0, t1, ticks;
        uint16_t c1, c2;

        program_ch2(0, 0xffff);
        t0 = xen_system_time();
        c1 = latch_ch2();
        while (xen_system_time() < t0 + 2000000)
            cpu_relax();
        c2 = latch_ch2();
        t1 = xen_system_time();
        ticks = (t1 - t0) * PIT_HZ / 1000000000ull;
        if (ticks > 40000)
            continue;
        judged++;
        EXPECT_GE((uint16_t)(c1 - c2), 1);
        EXPECT_LE((uint16_t)(c1 - c2), ticks + 64);
    }
    EXPECT_EQ(judged, 3);
}

TEST(speaker_port)
{
    uint8_t v = inb(SPEAKER);

    if (cmdline_has("nopit")) {
        outb(SPEAKER, 3);
        EXPECT_EQ(inb(SPEAKER), 0xff);
        return;
    }
    /* Bit 1 speaker data, bit 0 channel 2's gate: kept as written. */
    outb(SPEAKER, (v & 0x0c) | 3);
    EXPECT_EQ(inb(SPEAKER) & 3, 3);
    outb(SPEAKER, (v & 0x0c) | 2);
    EXPECT_EQ(inb(SPEAKER) & 3, 2);
    outb(SPEAKER, v & 0x0c);
    EXPECT_EQ(inb(SPEAKER) & 3, 0);
}

/* ISA IRQ 0 is GSI 2: channel 0 running at 1 kHz raises IOAPIC pin 2's
 * vector (held in IRR: interrupts stay off), never pin 0's. */
TEST(pit_irq0_on_ioapic_pin2)
{
    uint64_t end;
    bool pin0 = false, pin2 = false;

    if (cmdline_has("nopit")) {
        test_skip("no PIT (PVH)");
        return;
    }
    shinfo_map();
    outb(0x21, 0xff);               /* the PIC keeps out of it */
    lapic_map();
    lapic_enable();
    ioapic_set_rte(0, 0x50, (uint8_t)lapic_id());
    ioapic_set_rte(2, 0x52, (uint8_t)lapic_id());
    outb(0x43, 0x34);               /* channel 0, low/high, mode 2 */
    outb(0x40, 1193 & 0xff);
    outb(0x40, 1193 >> 8);
    end = xen_system_time() + 2000000000ull;
    while (!pin2 && xen_system_time() < end) {
        pin0 |= lapic_irr(0x50);
        pin2 |= lapic_irr(0x52);
    }
    pin0 |= lapic_irr(0x50);
    outb(0x43, 0x30);               /* channel 0 to mode 0: no more ticks */
    ioapic_mask(0);
    ioapic_mask(2);
    EXPECT_EQ(pin2, true);
    EXPECT_EQ(pin0, false);
}

void guest_main(void)
{
    printf("pit64: %s\n", cmdline_has("nopit") ? "expecting no PIT" : "expecting a PIT");
    run_tests();
}
