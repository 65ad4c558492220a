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
 * With "ap" (and vcpus = 2) the FIFO ABI is on (event words and control
 * blocks in guest RAM, as Linux has them) and vCPU 1 sleeps over and over
 * with its own
 * singleshot timer armed 20 ms ahead, woken by VIRQ_TIMER bound to it
 * and delivered by its own upcall vector, as Linux's idle CPUs are:
 * alternately in SCHEDOP_block and in `sti; hlt`.  A save or migration
 * most likely finds it asleep with the timer armed (and a restore a
 * second later finds the deadline past).  At the end vCPU 0 waits for
 * three more of vCPU 1's wake-ups: a timer lost on the way fails it.
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
#include "ap.h"
#include "trap.h"

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

/* vCPU 1 (with "ap"): its timer's port, its wake-ups by that timer, and
 * what went wrong there (vCPU 0 reports it: one console writer). */
static uint8_t ap_stack[8192] __aligned(16);
static vcpu_hvm_context_t ap_ctx;
static evtchn_port_t ap_port;
static volatile uint32_t ap_up, ap_wakes, ap_error;

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

/* Whichever ABI is on: 2-level, or FIFO with "ap" (as Linux, whose event
 * words and control blocks are guest RAM a save must carry). */
static bool pending(evtchn_port_t p)
{
    if (fifo_active()) {
        event_word_t *w = fifo_word(p);
        return w && (__atomic_load_n(w, __ATOMIC_SEQ_CST) & (1u << EVTCHN_FIFO_PENDING));
    }
    return __atomic_load_n(&shared_info->evtchn_pending[p / 64], __ATOMIC_SEQ_CST) &
           (1ull << (p % 64));
}

static void clear(evtchn_port_t p)
{
    ev_clear_pending(p);
}

static void unmask(evtchn_port_t p)
{
    if (fifo_active())
        fifo_unmask(p);
    else
        ev_unmask(p);
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

void ap_main(void)
{
    trap_load_idt();
    lapic_enable();
    if (ev_via_lapic(1))
        ap_error = 1;
    ap_up = 1;
    for (uint64_t n = 0;; n++) {
        struct vcpu_set_singleshot_timer t = {
            .timeout_abs_ns = xen_system_time() + 20000000ull, .flags = 0 };
        uint32_t seen = evtchn_count[ap_port];

        cli();
        if (HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 1, &t))
            ap_error = 2;
        while (__atomic_load_n(&evtchn_count[ap_port], __ATOMIC_SEQ_CST) == seen) {
            /* Odd rounds sleep in KVM (Linux's HVM idle, the interrupt
             * ends the halt), even ones first in the VMM (SCHEDOP_block
             * returns once an upcall is due, which hlt then takes: a
             * KVM may inject only at an exit after sti). */
            if (!(n & 1))
                HYPERVISOR_sched_op(SCHEDOP_block, NULL);
            __asm__ volatile("sti; hlt; cli" ::: "memory");
        }
        ap_wakes++;
    }
}

static void ap_start(void)
{
    if (ev_bind_virq(VIRQ_TIMER, 1, &ap_port)) {
        fail("binding VIRQ_TIMER to vCPU 1", 0, 0);
        return;
    }
    evtchn_owner[ap_port] = 1;
    unmask(ap_port);
    ap_context64(&ap_ctx, ap_stack + sizeof(ap_stack));
    if (HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ap_ctx) ||
        HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL)) {
        fail("starting vCPU 1", 0, 0);
        return;
    }
    for (uint64_t end = xen_system_time() + 5000000000ull;
         ap_wakes < 2 && xen_system_time() < end; )
        cpu_relax();
    if (ap_wakes < 2)
        fail("vCPU 1's timer never woke it", ap_up, ap_error);
}

/* Three more of vCPU 1's wake-ups (30 s at most: a hang bound). */
static void ap_check(void)
{
    uint32_t from = ap_wakes;
    uint64_t end = xen_system_time() + 30000000000ull;

    while (ap_wakes < from + 3 && xen_system_time() < end)
        cpu_relax();
    if (ap_wakes < from + 3)
        fail("vCPU 1's timer stopped waking it", from, ap_wakes);
    if (ap_error)
        fail("vCPU 1's own hypercalls", ap_error, 0);
    say("saverestore: vCPU 1 woke %u times by its timer\n", ap_wakes);
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
        unmask(ptimer);
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
    /* vCPU 1's events as Linux has them: FIFO, in guest RAM. */
    if (cmdline_has("ap") && (fifo_init_vcpu(0) || fifo_init_vcpu(1)))
        fail("EVTCHNOP_init_control", 0, 0);
    setup();
    if (platform)
        platform_setup();
    if (cmdline_has("ap"))
        ap_start();
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
    if (cmdline_has("ap"))
        ap_check();
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
