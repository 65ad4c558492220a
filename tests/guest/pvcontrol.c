/*
 * pvcontrol64.elf: a domain with PV drivers, as the toolstack sees a Linux
 * guest (drivers/xen/manage.c, xen-balloon.c, hvc_xen.c), for the domain
 * lifecycle tests of xl and the VMM:
 *
 * - says "pvcontrol: up, domid N, name NAME" on the PV console and 0xe9;
 * - sets HVM_PARAM_CALLBACK_IRQ (what libxl reads as "PV drivers here"),
 *   watches control/shutdown and control/sysrq, then writes
 *   control/feature-poweroff and feature-reboot = 1, as Linux does
 *   (Linux writes feature-suspend only with hibernation support, which
 *   this guest lacks, and never writes a feature-sysrq);
 * - control/shutdown: poweroff, halt and reboot are acknowledged (the node
 *   written back to "" in the transaction that read it) and done; suspend
 *   and anything else are left in place and ignored, as Linux does with
 *   requests it has no handler for;
 * - control/sysrq: the key is taken and the node written back to "";
 * - memory/target: the new balloon target is reported;
 * - each line typed on the PV console comes back as "echo: LINE".
 *
 * Command line flags (the action follows the "up" line): pvcontrol.crash,
 * pvcontrol.reboot, pvcontrol.poweroff (SCHEDOP_shutdown with that
 * reason), pvcontrol.watchdog (a 1 s SCHEDOP_watchdog, never kicked),
 * pvcontrol.triple (triple fault), pvcontrol.hang (events off, spin
 * forever), pvcontrol.no-pv (no callback, no features, control/ and
 * memory/ never watched: an HVM guest without PV drivers),
 * pvcontrol.marker (writes a pattern made at run time in a page of its
 * own and says where: "pvcontrol: core marker M at 0xGPA").
 *
 * Every line goes to port 0xe9 too; tests read that from the VMM's stdout.
 */
#include "lib.h"
#include "x86.h"
#include "hypercall.h"
#include "shinfo.h"
#include "evtchn.h"
#include "upcall.h"
#include "xen_guest.h"
#include "xenbus.h"
#include "pvcons.h"
#include "trap.h"

static bool xs_up;
static bool can_suspend;        /* pvcontrol.suspend */
static void watch_all(void);

static void say(const char *fmt, ...) __printf(1, 2);

static void say(const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    puts_e9(buf);
    if (pvcons_present())
        pvcons_puts_crlf(buf);
}

/* Lets a connected console backend take the last lines before the VMM
 * ends the domain. */
static void __noreturn shut(unsigned int reason)
{
    if (pvcons_connected())
        pvcons_flush(PVCONS_STALL_NS);
    guest_shutdown(reason);
}

/* ---------------------------------------------------- control/shutdown */

/* manage.c do_suspend(): the hypercall returns 1 when the suspend was
 * cancelled (the same domain runs on) and 0 in a new, restored domain,
 * where xenstore watches must be registered again. */
static void do_suspend(void)
{
    long rc;

    say("pvcontrol: suspending\n");
    if (pvcons_connected())
        pvcons_flush(PVCONS_STALL_NS);
    rc = HYPERVISOR_sched_op(SCHEDOP_shutdown, &(struct sched_shutdown){ SHUTDOWN_suspend });
    say("pvcontrol: suspend returned %ld\n", rc);
    if (rc == 0) {
        /* A new domain, as on Xen: Linux's xen_irq_resume binds its VIRQs
         * again and BUG()s on any error (a VIRQ still bound). */
        evtchn_port_t p;
        long b = ev_bind_virq(VIRQ_TIMER, 0, &p);
        if (!b)
            ev_mask(p);
        say("pvcontrol: VIRQ_TIMER bound again: %ld\n", b);
        watch_all();
    }
}

/* manage.c shutdown_handler(): read the request in a transaction and
 * acknowledge it there only if it is one this guest handles. */
static void on_shutdown(void)
{
    char val[64];
    uint32_t tx;
    bool off, reboot;
    int rc;

    for (;;) {
        if (xenbus_transaction_start(&tx))
            return;
        rc = xenbus_read(tx, "control/shutdown", val, sizeof(val));
        if (rc <= 0 && rc != -XEN_E2BIG) {
            /* Read errors and empty values are no request. */
            xenbus_transaction_end(tx, true);
            return;
        }
        off = !strcmp(val, "poweroff") || !strcmp(val, "halt");
        reboot = !strcmp(val, "reboot");
        if (off || reboot || (can_suspend && !strcmp(val, "suspend")))
            xenbus_write(tx, "control/shutdown", "");
        rc = xenbus_transaction_end(tx, false);
        if (rc != -XEN_EAGAIN)
            break;
    }
    if (off) {
        say("pvcontrol: shutdown poweroff\n");
        shut(SHUTDOWN_poweroff);
    }
    if (reboot) {
        say("pvcontrol: shutdown reboot\n");
        shut(SHUTDOWN_reboot);
    }
    if (!strcmp(val, "suspend") && can_suspend)
        do_suspend();
    else if (!strcmp(val, "suspend"))
        say("pvcontrol: shutdown suspend not supported, ignored\n");
    else
        say("pvcontrol: ignoring shutdown request: %s\n", val);
}

/* ----------------------------------------------------------------- NMI */

/* xl trigger nmi: counted here, told from the main loop (printing in NMI
 * context could cut into a line the loop is writing). */
static volatile unsigned int nmis;
static unsigned int nmis_told;

static void on_nmi(struct trap_frame *f)
{
    (void)f;
    nmis++;
}

static void tell_nmis(void)
{
    unsigned int n = nmis;

    if (n != nmis_told) {
        nmis_told = n;
        say("pvcontrol: NMI %u\n", n);
    }
}

/* ------------------------------------------------------- control/sysrq */

/* manage.c sysrq_handler(): take the key and write the node back empty
 * in one transaction; ENOENT and "" are no request. */
static void on_sysrq(void)
{
    char val[64];
    uint32_t tx;
    int rc;

    for (;;) {
        if (xenbus_transaction_start(&tx))
            return;
        rc = xenbus_read(tx, "control/sysrq", val, sizeof(val));
        if (rc <= 0 && rc != -XEN_E2BIG) {
            if (rc < 0 && rc != -XEN_ENOENT)
                say("pvcontrol: error %s reading control/sysrq\n",
                    xenbus_strerror(rc));
            xenbus_transaction_end(tx, true);
            return;
        }
        rc = xenbus_write(tx, "control/sysrq", "");
        if (rc) {
            say("pvcontrol: error %s writing control/sysrq\n",
                xenbus_strerror(rc));
            xenbus_transaction_end(tx, true);
            return;
        }
        rc = xenbus_transaction_end(tx, false);
        if (rc != -XEN_EAGAIN)
            break;
    }
    say("pvcontrol: sysrq %c\n", val[0]);
}

/* ------------------------------------------------------- memory/target */

/* xen-balloon.c watch_target(): the target in KiB; unreadable is fine. */
static void on_target(void)
{
    uint64_t kib;

    if (xenbus_read_u64(XBT_NIL, "memory/target", &kib) == 0)
        say("pvcontrol: balloon target %llu KiB\n", (unsigned long long)kib);
}

/* ---------------------------------------------------------- console in */

static char line[200];
static size_t line_len;
static char last_char;

static void echo_line(void)
{
    line[line_len] = 0;
    say("echo: %s\n", line);
    line_len = 0;
}

/* Lines end with CR (a terminal's Enter) or LF; CR LF is one end. */
static void on_input(const char *buf, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        char c = buf[i];

        if (c == '\n' && last_char == '\r') {
            last_char = c;
            continue;
        }
        last_char = c;
        if (c == '\r' || c == '\n') {
            echo_line();
        } else if (c == 0x7f || c == '\b') {
            if (line_len)
                line_len--;
        } else {
            line[line_len++] = c;
            if (line_len == sizeof(line) - 1)
                echo_line();
        }
    }
}

/* ------------------------------------------------------------ the loop */

static void __noreturn serve(void)
{
    static struct xenbus_event ev;
    evtchn_port_t ports[2];
    unsigned int nports = 0;
    char in[64];

    if (xs_up)
        ports[nports++] = xenbus_port();
    if (pvcons_present())
        ports[nports++] = pvcons_port;
    for (;;) {
        bool busy = false;
        unsigned int i;
        int n;

        /* Clear, then look: whatever comes after the look wakes the poll.
         * Handlers may clear the ports again, so only an idle round
         * sleeps. */
        for (i = 0; i < nports; i++)
            ev_clear_pending(ports[i]);
        tell_nmis();
        while (xs_up && xenbus_next_event(&ev, 0) == 0) {
            busy = true;
            if (!strcmp(ev.token, "shutdown"))
                on_shutdown();
            else if (!strcmp(ev.token, "sysrq"))
                on_sysrq();
            else if (!strcmp(ev.token, "target"))
                on_target();
        }
        if (pvcons_present() && (n = pvcons_read(in, sizeof(in))) > 0) {
            busy = true;
            on_input(in, n);
        }
        if (busy)
            continue;
        if (nports)
            ev_poll(ports, nports, xen_system_time() + 1000000000ull);
        else
            HYPERVISOR_sched_op(SCHEDOP_block, NULL);
    }
}

static void watch(const char *path, const char *token)
{
    int rc = xenbus_watch(path, token);

    if (rc)
        say("pvcontrol: cannot watch %s: %s\n", path, xenbus_strerror(rc));
}

static void feature(const char *node)
{
    int rc = xenbus_write(XBT_NIL, node, "1");

    if (rc)
        say("pvcontrol: error %s writing %s\n", xenbus_strerror(rc), node);
}

static void watch_all(void)
{
    watch("control/shutdown", "shutdown");
    watch("control/sysrq", "sysrq");
    watch("memory/target", "target");
}

void guest_main(void)
{
    char name[64];
    int rc;

    shinfo_map();
    pvcons_init();
    xs_up = xenbus_init();
    if (!xs_up)
        say("pvcontrol: up, domid %u, name unknown (xenstore not connected)\n",
            xen.domid);
    else if ((rc = xenbus_read(XBT_NIL, "name", name, sizeof(name))) < 0)
        say("pvcontrol: up, domid %u, name unknown (reading name failed: %s)\n",
            xen.domid, xenbus_strerror(rc));
    else
        say("pvcontrol: up, domid %u, name %s\n", xen.domid, name);

    if (cmdline_has("pvcontrol.marker")) {
        /* A pattern made at run time (not in the ELF image), for xl
         * dump-core's test to find in the core at this guest frame. */
        static char marker[4096] __aligned(4096);
        snprintf(marker, sizeof(marker), "xenkvm-core-marker-%llx",
                 (unsigned long long)rdtsc());
        say("pvcontrol: core marker %s at 0x%lx\n", marker, (unsigned long)(uintptr_t)marker);
    }
    if (cmdline_has("pvcontrol.crash")) {
        say("pvcontrol: shutdown crash (command line)\n");
        shut(SHUTDOWN_crash);
    }
    if (cmdline_has("pvcontrol.reboot")) {
        say("pvcontrol: shutdown reboot (command line)\n");
        shut(SHUTDOWN_reboot);
    }
    if (cmdline_has("pvcontrol.poweroff")) {
        say("pvcontrol: shutdown poweroff (command line)\n");
        shut(SHUTDOWN_poweroff);
    }
    if (cmdline_has("pvcontrol.triple")) {
        static const struct { uint16_t limit; uintptr_t base; }
            __attribute__((packed)) empty = { 0, 0 };

        say("pvcontrol: triple fault (command line)\n");
        if (pvcons_connected())
            pvcons_flush(PVCONS_STALL_NS);
        /* ud2 through an empty IDT (see triplefault.c for why not int3). */
        __asm__ volatile("lidt %0; ud2" : : "m"(empty));
    }
    if (cmdline_has("pvcontrol.hang")) {
        say("pvcontrol: hanging with events off (command line)\n");
        if (pvcons_connected())
            pvcons_flush(PVCONS_STALL_NS);
        cli();
        if (vcpu0_info)
            vcpu0_info->evtchn_upcall_mask = 1;
        for (;;)
            cpu_relax();
    }
    if (cmdline_has("pvcontrol.watchdog")) {
        struct sched_watchdog w = { .id = 0, .timeout = 1 };
        long id = HYPERVISOR_sched_op(SCHEDOP_watchdog, &w);

        say("pvcontrol: watchdog %ld armed for 1 s, never kicked (command line)\n", id);
    }

    trap_set_handler(2, on_nmi, 0);
    if (cmdline_has("pvcontrol.no-pv")) {
        say("pvcontrol: no PV drivers (command line): control/ and memory/ not watched\n");
    } else if (xs_up) {
        /* Linux registers the watches, then announces the features. */
        if (upcall_init())
            say("pvcontrol: cannot set HVM_PARAM_CALLBACK_IRQ\n");
        can_suspend = cmdline_has("pvcontrol.suspend");
        if (can_suspend) {
            /* As Linux has it bound when it suspends. */
            evtchn_port_t p;
            if (ev_bind_virq(VIRQ_TIMER, 0, &p))
                say("pvcontrol: cannot bind VIRQ_TIMER\n");
            else
                ev_mask(p);
        }
        watch_all();
        feature("control/feature-poweroff");
        feature("control/feature-reboot");
        if (can_suspend)
            feature("control/feature-suspend");
        say("pvcontrol: watching control/shutdown, control/sysrq, memory/target\n");
    }
    serve();
}
