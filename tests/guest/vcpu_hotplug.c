/*
 * vcpu_hotplug64.elf: vCPU hotplug as Linux's drivers/xen/cpu_hotplug.c
 * does it, for `xl vcpu-set` (tests/cli/xl_vcpu_set.sh).
 *
 * The toolstack writes cpu/<N>/availability = online | offline in the
 * domain's home; the guest watches cpu/ and, for each vCPU whose node
 * changed:
 *   online:  VCPUOP_initialise (the first time) and VCPUOP_up; the vCPU
 *            says which one it is (CPUID leaf base+4's vCPU id);
 *   offline: the vCPU is asked to stop and takes itself down with
 *            VCPUOP_down, as Linux's xen_pv_play_dead does; a later
 *            VCPUOP_up resumes it after that hypercall.
 * vCPU 0 is never taken down (Linux does not offline the boot CPU).
 * After each change it checks VCPUOP_is_up against what it asked and says
 * "vcpuhotplug: online C of M: LIST" on the PV console and port 0xe9
 * ("... MISMATCH" when a vCPU is not in the state asked).  Runs until
 * destroyed.
 */
#include "lib.h"
#include "x86.h"
#include "hypercall.h"
#include "shinfo.h"
#include "evtchn.h"
#include "xen_guest.h"
#include "xenbus.h"
#include "pvcons.h"
#include "ap.h"

/* vCPUs this guest can drive (one stack each). */
#define HP_MAX_VCPUS 8

static uint8_t ap_stack[HP_MAX_VCPUS][8192] __aligned(16);
static volatile uint32_t ap_alive[HP_MAX_VCPUS];   /* counts the AP's rounds */
static volatile uint32_t ap_stop[HP_MAX_VCPUS];    /* vCPU 0 asks it to go down */
static volatile uint32_t ap_id_seen[HP_MAX_VCPUS]; /* the id CPUID told it, + 1 */
static evtchn_port_t ap_port[HP_MAX_VCPUS];        /* polled with a timeout: a nap */
static bool initialised[HP_MAX_VCPUS], want_up[HP_MAX_VCPUS];
static unsigned int max_vcpus = 1;

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

/* A secondary vCPU: naps (SCHEDOP_poll on a port nobody sends on, 10 ms)
 * and, when asked, takes itself down. */
void ap_main(void)
{
    uint32_t id = xen_cpuid_vcpu_id();

    if (id == 0 || id >= HP_MAX_VCPUS)
        for (;;)
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    ap_id_seen[id] = id + 1;
    for (;;) {
        ap_alive[id]++;
        if (ap_stop[id]) {
            ap_stop[id] = 0;
            HYPERVISOR_vcpu_op(VCPUOP_down, id, NULL);
            /* Back here after the toolstack's next "online". */
            continue;
        }
        ev_poll(&ap_port[id], 1, xen_system_time() + 10000000ull);
    }
}

/* Polls until COND or about 5 s of system time passed. */
#define WAIT_FOR(cond)                                                      \
    ({                                                                      \
        uint64_t end_ = xen_system_time() + 5000000000ull;                  \
        while (!(cond) && xen_system_time() < end_)                         \
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);                       \
        (cond);                                                             \
    })

static void bring_up(unsigned int i)
{
    static vcpu_hvm_context_t ctx;
    uint32_t before = ap_alive[i];
    long rc;

    if (!initialised[i]) {
        ap_context64(&ctx, ap_stack[i] + sizeof(ap_stack[i]));
        rc = HYPERVISOR_vcpu_op(VCPUOP_initialise, i, &ctx);
        if (rc) {
            say("vcpuhotplug: VCPUOP_initialise %u: %ld\n", i, rc);
            return;
        }
        initialised[i] = true;
    }
    rc = HYPERVISOR_vcpu_op(VCPUOP_up, i, NULL);
    if (rc) {
        say("vcpuhotplug: VCPUOP_up %u: %ld\n", i, rc);
        return;
    }
    if (!WAIT_FOR(ap_alive[i] != before))
        say("vcpuhotplug: vCPU %u does not run\n", i);
}

static void take_down(unsigned int i)
{
    ap_stop[i] = 1;
    if (!WAIT_FOR(HYPERVISOR_vcpu_op(VCPUOP_is_up, i, NULL) == 0))
        say("vcpuhotplug: vCPU %u did not go down\n", i);
}

/* cpu_hotplug.c vcpu_hotplug(): each vCPU's availability node. */
static void sync_all(void)
{
    char path[48], val[16], list[128];
    unsigned int online = 1, len = 0;
    bool mismatch = false;

    len = snprintf(list, sizeof(list), "0");
    for (unsigned int i = 1; i < max_vcpus; i++) {
        snprintf(path, sizeof(path), "cpu/%u/availability", i);
        if (xenbus_read(XBT_NIL, path, val, sizeof(val)) < 0)
            continue;
        if (!strcmp(val, "online"))
            want_up[i] = true;
        else if (!strcmp(val, "offline"))
            want_up[i] = false;
        else
            say("vcpuhotplug: %s = \"%s\": neither online nor offline\n", path, val);
    }
    for (unsigned int i = 1; i < max_vcpus; i++) {
        long up = HYPERVISOR_vcpu_op(VCPUOP_is_up, i, NULL);

        if (want_up[i] && up == 0)
            bring_up(i);
        else if (!want_up[i] && up == 1)
            take_down(i);
        up = HYPERVISOR_vcpu_op(VCPUOP_is_up, i, NULL);
        if (up != want_up[i] || (up && ap_id_seen[i] != i + 1))
            mismatch = true;
        if (up == 1) {
            online++;
            if (len < sizeof(list))
                len += snprintf(list + len, sizeof(list) - len, ",%u", i);
        }
    }
    say("vcpuhotplug: online %u of %u: %s%s\n", online, max_vcpus, list,
        mismatch ? " MISMATCH" : "");
}

void guest_main(void)
{
    static struct xenbus_event ev;
    static char names[512];
    evtchn_port_t store;
    int n;

    shinfo_map();
    pvcons_init();
    if (!xenbus_init()) {
        say("vcpuhotplug: no xenstore\n");
        guest_shutdown(SHUTDOWN_crash);
    }
    /* The vCPUs the domain has: cpu/0 .. cpu/<maxvcpus - 1>. */
    n = xenbus_directory(XBT_NIL, "cpu", names, sizeof(names));
    if (n <= 0) {
        say("vcpuhotplug: no cpu/ nodes: %s\n", xenbus_strerror(n));
        guest_shutdown(SHUTDOWN_crash);
    }
    max_vcpus = n > HP_MAX_VCPUS ? HP_MAX_VCPUS : (unsigned int)n;
    for (unsigned int i = 1; i < max_vcpus; i++) {
        if (ev_alloc_unbound(DOMID_SELF, 0, &ap_port[i])) {
            say("vcpuhotplug: no port for vCPU %u\n", i);
            guest_shutdown(SHUTDOWN_crash);
        }
        ev_mask(ap_port[i]);
    }
    n = xenbus_watch("cpu", "cpu");
    if (n) {
        say("vcpuhotplug: cannot watch cpu: %s\n", xenbus_strerror(n));
        guest_shutdown(SHUTDOWN_crash);
    }
    say("vcpuhotplug: watching cpu/ (%u vCPUs)\n", max_vcpus);
    store = xenbus_port();
    for (;;) {
        bool changed = false;

        ev_clear_pending(store);
        while (xenbus_next_event(&ev, 0) == 0)
            changed = true;
        if (changed)
            sync_all();
        else
            ev_poll(&store, 1, xen_system_time() + 1000000000ull);
    }
}
