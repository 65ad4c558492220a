/*
 * saverestore64.elf: a guest that keeps working while it is saved and
 * restored (tests/cli/xl_save_restore.sh).  It dirties memory continuously
 * and checks it against what it wrote, checks that Xen system time never
 * goes back, that a loopback event channel pair still carries events, that
 * VIRQ_TIMER still fires for its singleshot timer, that its grant entry is
 * still in the grant frame it mapped, and that xenstore still answers.
 * Pages it wrote once at setup are checked at its end.
 * It prints "saverestore: ready" once set up and every round's checks pass;
 * it ends (PASS or FAIL, then poweroff) when the host writes "done" to its
 * xenstore node "data/finish", which it learns from a watch registered
 * before the save: a watch lost on the way keeps it running (and the
 * test fails).  Needs xenstored (run through xl).
 *
 * With "upcall" on its command line the timer is taken as Linux takes it:
 * its port unmasked, the event delivered by the per-vCPU upcall vector
 * (HVMOP_set_evtchn_upcall_vector) with interrupts on, 20 ms ahead so
 * that a save or live update most likely finds it armed and it expires
 * while the domain is paused: the interrupt must still come.
 *
 * With "platform" on its command line (a type=hvm guest, whose PIC,
 * IOAPIC and PIT travel in Xen's HVM context) it also programs those
 * devices at setup and checks every round that they read back the same:
 * the master PIC's mask, both ELCRs, two IOAPIC redirection entries and
 * its ID, PIT channel 2's mode (read-back status) and the speaker port.
 * At its end it checks what only a restore that kept the devices' inner
 * state can give: the slave PIC left between ICW2 and ICW3 takes the
 * next two writes as ICW3 and ICW4, and a count latched at setup (near
 * 0xf000, before the channel was given a count of 0x100) is still there.
 */
#include "lib.h"
#include "hypercall.h"
#include "shinfo.h"
#include "evtchn.h"
#include "pvcons.h"
#include "xenbus.h"
#include "xen_guest.h"
#include "apic.h"
#include "x86.h"

#define NPAGES 32
#define WORDS (4096 / 8)
#define REF 7
#define XS_EVERY 64         /* rounds between xenstore polls */

static uint64_t mem[NPAGES][WORDS] __aligned(4096) __attribute__((section(".bss.page")));
/* Written once at setup and checked at the end: memory a precopy round
 * moves once, which a postcopy without one must fetch. */
#define NSTILL 96
static uint64_t still[NSTILL][WORDS] __aligned(4096) __attribute__((section(".bss.page")));
static uint8_t gframe[4096] __aligned(4096) __attribute__((section(".bss.page")));
static uint64_t expect[NPAGES];
static unsigned failures;
static evtchn_port_t pa, pb, ptimer;
static bool by_upcall;

static void say(const char *fmt, ...) __printf(1, 2);
static void say(const char *fmt, ...)
{
    char buf[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    pvcons_puts_crlf(buf);
}

static void fail(const char *what, uint64_t a, uint64_t b)
{
    if (failures++ < 8)
        say("saverestore: FAIL: %s (%llu, %llu)\n", what, (unsigned long long)a,
            (unsigned long long)b);
}

static bool pending(evtchn_port_t p)
{
    return __atomic_load_n(&shared_info->evtchn_pending[p / 64], __ATOMIC_SEQ_CST) &
           (1ull << (p % 64));
}

static void clear(evtchn_port_t p)
{
    __atomic_fetch_and(&shared_info->evtchn_pending[p / 64], ~(1ull << (p % 64)),
                       __ATOMIC_SEQ_CST);
}

/* Fill page (round % NPAGES) with the round number; check a spread of
 * words in every page (or all of them at the end). */
static void memory_round(uint64_t round, bool full)
{
    unsigned pg = (unsigned)(round % NPAGES);

    for (unsigned w = 0; w < WORDS; w++)
        mem[pg][w] = round ^ ((uint64_t)w << 48);
    expect[pg] = round;
    for (unsigned p = 0; p < NPAGES; p++)
        for (unsigned w = 0; w < WORDS; w += full ? 1 : 61)
            if (expect[p] != ~0ull && mem[p][w] != (expect[p] ^ ((uint64_t)w << 48))) {
                fail("memory", p, w);
                return;
            }
}

static void events_round(void)
{
    uint64_t now, end;
    struct vcpu_set_singleshot_timer t;

    ev_send(pa);
    if (!pending(pb))
        fail("loopback event not pending", pa, pb);
    clear(pb);
    now = xen_system_time();
    t.timeout_abs_ns = now + (by_upcall ? 20000000 : 1000000);
    t.flags = 0;
    end = now + 5000000000ull;
    if (by_upcall) {
        uint32_t seen = evtchn_count[ptimer];
        sti();
        if (HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t))
            fail("set_singleshot_timer", 0, 0);
        while (__atomic_load_n(&evtchn_count[ptimer], __ATOMIC_SEQ_CST) == seen &&
               xen_system_time() < end)
            ;
        cli();
        if (evtchn_count[ptimer] == seen)
            fail("VIRQ_TIMER's upcall did not come", ptimer, pending(ptimer));
        return;
    }
    if (HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t))
        fail("set_singleshot_timer", 0, 0);
    while (!pending(ptimer) && xen_system_time() < end)
        ;
    if (!pending(ptimer))
        fail("VIRQ_TIMER did not fire", ptimer, 0);
    clear(ptimer);
}

static void grant_round(void)
{
    grant_entry_v1_t *e = (grant_entry_v1_t *)gframe + REF;
    struct gnttab_query_size q = { .dom = DOMID_SELF };

    if (e->frame != ((uintptr_t)mem[0] >> 12) || e->domid != 0 ||
        e->flags != GTF_permit_access)
        fail("grant entry", e->frame, e->flags);
    if (HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 1) || q.nr_frames != 1)
        fail("grant table size", q.status, q.nr_frames);
}

static void setup(void)
{
    struct xen_add_to_physmap x = { .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
                                    .idx = 0, .gpfn = (uintptr_t)gframe >> 12 };
    grant_entry_v1_t *e;

    for (unsigned p = 0; p < NPAGES; p++)
        expect[p] = ~0ull;
    for (unsigned p = 0; p < NSTILL; p++)
        for (unsigned w = 0; w < WORDS; w++)
            still[p][w] = ((uint64_t)p << 32) ^ w ^ 0x5a5a0000ull;
    shinfo_map();
    if (ev_alloc_unbound(DOMID_SELF, DOMID_SELF, &pa) ||
        ev_bind_interdomain(DOMID_SELF, pa, &pb) || ev_bind_virq(VIRQ_TIMER, 0, &ptimer))
        fail("event channel setup", pa, pb);
    ev_mask(pa);
    ev_mask(pb);
    ev_mask(ptimer);
    if (by_upcall) {
        lapic_enable();
        if (ev_via_lapic(0))
            fail("HVMOP_set_evtchn_upcall_vector", 0, 0);
        ev_unmask(ptimer);
    }
    if (HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x))
        fail("mapping grant frame 0", 0, 0);
    e = (grant_entry_v1_t *)gframe + REF;
    e->domid = 0;
    e->frame = (uint32_t)((uintptr_t)mem[0] >> 12);
    __atomic_store_n(&e->flags, GTF_permit_access, __ATOMIC_SEQ_CST);
}

/* ---- "platform": PIC, IOAPIC, PIT ---- */

#define PIT_CH2         0x42
#define PIT_CMD         0x43
#define PIT_SPEAKER     0x61
#define PIC_RTE10_LOW   0x00018039u     /* masked, level, vector 0x39 */
#define PIC_RTE10_HIGH  0x01000000u     /* destination APIC 1 */
#define PIC_RTE23_LOW   0x00010041u

static bool platform;

static void platform_setup(void)
{
    /* Master PIC: a mask and level-triggered IRQ5; slave: ELCR, then
     * ICW1 and ICW2 only, leaving it waiting for ICW3. */
    outb(0x21, 0xbd);
    outb(0x4d0, 0x20);
    outb(0x4d1, 0x0c);
    outb(0xa0, 0x11);               /* ICW1: edge, cascade, ICW4 needed */
    outb(0xa1, 0x70);               /* ICW2: vectors 0x70-0x77 */
    ioapic_write(0x10 + 2 * 10, 0x00010000u);
    ioapic_write(0x11 + 2 * 10, PIC_RTE10_HIGH);
    ioapic_write(0x10 + 2 * 10, PIC_RTE10_LOW);
    ioapic_write(0x10 + 2 * 23, PIC_RTE23_LOW);
    ioapic_write(0, 2u << 24);      /* IOAPIC ID 2 */
    /* PIT channel 2, mode 2, low/high: count 0xf000 latched, then the
     * count 0x100 (a latched count stays until it is read). */
    outb(PIT_CMD, 0xb4);
    outb(PIT_CH2, 0x00);
    outb(PIT_CH2, 0xf0);
    outb(PIT_CMD, 0x80);
    outb(PIT_CH2, 0x00);
    outb(PIT_CH2, 0x01);
    outb(PIT_SPEAKER, (inb(PIT_SPEAKER) & 0x0c) | 3);
}

static void platform_round(void)
{
    uint8_t st;

    if (inb(0x21) != 0xbd)
        fail("master PIC mask", inb(0x21), 0xbd);
    if (inb(0x4d0) != 0x20 || inb(0x4d1) != 0x0c)
        fail("ELCR", inb(0x4d0), inb(0x4d1));
    if (ioapic_read(0x10 + 2 * 10) != PIC_RTE10_LOW || ioapic_read(0x11 + 2 * 10) != PIC_RTE10_HIGH)
        fail("IOAPIC pin 10", ioapic_read(0x10 + 2 * 10), ioapic_read(0x11 + 2 * 10));
    if (ioapic_read(0x10 + 2 * 23) != PIC_RTE23_LOW)
        fail("IOAPIC pin 23", ioapic_read(0x10 + 2 * 23), PIC_RTE23_LOW);
    if ((ioapic_read(0) >> 24 & 0xf) != 2)
        fail("IOAPIC ID", ioapic_read(0) >> 24, 2);
    outb(PIT_CMD, 0xe8);            /* read-back: channel 2's status */
    st = inb(PIT_CH2);
    if ((st & 0x3f) != 0x34)
        fail("PIT channel 2 status", st, 0x34);
    if ((inb(PIT_SPEAKER) & 3) != 3)
        fail("speaker port", inb(PIT_SPEAKER), 3);
}

static void platform_end(void)
{
    uint16_t latched, live;

    platform_round();
    /* ICW3 and ICW4 leave the mask ICW1 cleared; only then OCW1. */
    outb(0xa1, 0x02);
    if (inb(0xa1) != 0)
        fail("slave PIC lost its ICW state (ICW3 taken as a mask)", inb(0xa1), 0);
    outb(0xa1, 0x01);
    outb(0xa1, 0xa5);
    if (inb(0xa1) != 0xa5)
        fail("slave PIC mask after its initialisation", inb(0xa1), 0xa5);
    latched = inb(PIT_CH2);
    latched |= (uint16_t)(inb(PIT_CH2) << 8);
    if (latched <= 0x8000)
        fail("PIT latched count", latched, 0xf000);
    outb(PIT_CMD, 0x80);
    live = inb(PIT_CH2);
    live |= (uint16_t)(inb(PIT_CH2) << 8);
    if (live < 1 || live > 0x100)
        fail("PIT channel 2 count", live, 0x100);
}

/* A watch event for data/finish, and the node says "done". */
static bool finish_requested(void)
{
    struct xenbus_event ev;
    char buf[16];
    bool done = false;

    while (xenbus_next_event(&ev, 0) == 0) {
        int n;
        if (strcmp(ev.token, "fin"))
            continue;
        n = xenbus_read(XBT_NIL, "data/finish", buf, sizeof(buf));
        if (n < 0 && n != -XEN_ENOENT)
            fail("xenstore read", (uint64_t)-n, 0);
        done |= n > 0 && !strcmp(buf, "done");
    }
    return done;
}

void guest_main(void)
{
    uint64_t round = 0, last = 0, t;

    if (!pvcons_init() || !xenbus_init()) {
        xen_console_write("saverestore: needs the PV console and xenstore\n", 47);
        guest_shutdown(SHUTDOWN_crash);
    }
    by_upcall = cmdline_has("upcall");
    platform = cmdline_has("platform");
    setup();
    if (platform)
        platform_setup();
    if (xenbus_watch("data/finish", "fin"))
        fail("watching data/finish", 0, 0);
    say("saverestore: ports %u %u timer %u%s%s\n", pa, pb, ptimer,
        by_upcall ? " (by upcall vector)" : "", platform ? " (PIC, IOAPIC, PIT)" : "");
    for (;; round++) {
        memory_round(round, false);
        events_round();
        grant_round();
        if (platform)
            platform_round();
        t = xen_system_time();
        if (t < last)
            fail("system time went back", last, t);
        last = t;
        if (round == 2)
            say("saverestore: ready%s\n", failures ? " (with failures)" : "");
        if (round % XS_EVERY == 0 && finish_requested())
            break;
    }
    memory_round(round + 1, true);
    if (platform)
        platform_end();
    for (unsigned p = 0; p < NSTILL; p++)
        for (unsigned w = 0; w < WORDS; w++)
            if (still[p][w] != (((uint64_t)p << 32) ^ w ^ 0x5a5a0000ull)) {
                fail("still memory", p, w);
                p = NSTILL;
                break;
            }
    say("saverestore: %llu rounds, %s\n", (unsigned long long)round,
        failures ? "FAIL" : "PASS");
    guest_shutdown(SHUTDOWN_poweroff);
}
