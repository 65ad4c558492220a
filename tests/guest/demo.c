/*
 * demo64.elf: the README's demo.  Tells who it is and what it found of
 * Xen on the PV console (what `xl create -c` and `xl console` show), then
 * powers off.  Its name comes from xenstore when the VMM attached one
 * (--xenstored); without, it says xenstore is not connected.  Without a
 * PV console backend (nothing bound the console port) the story goes to
 * the Xen debug console (HYPERVISOR_console_io) instead.
 * Run with:  xenkvm --kernel demo64.elf [--memory MiB] [--vcpus N]
 */
#include "lib.h"
#include "hypercall.h"
#include "xen_guest.h"
#include "xenbus.h"
#include "pvcons.h"

static bool pv_console;

static void say(const char *fmt, ...) __printf(1, 2);

static void say(const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (pv_console)
        pvcons_puts_crlf(buf);
    else
        xen_console_write(buf, (unsigned int)strlen(buf));
}

/* vCPUs the domain has: VCPUOP_is_up answers for each, -ENOENT past the
 * last. */
static unsigned int count_vcpus(void)
{
    unsigned int n = 0;

    while (n < 4096 && HYPERVISOR_vcpu_op(VCPUOP_is_up, n, NULL) >= 0)
        n++;
    return n;
}

static void who_am_i(void)
{
    char name[64];
    int rc;

    if (!xenbus_init()) {
        say("  I am domain %u; xenstore is not connected, so I have no name\n",
            xen.domid);
        return;
    }
    rc = xenbus_read(XBT_NIL, "name", name, sizeof(name));
    if (rc < 0)
        say("  I am domain %u; xenstore is connected but my name is not "
            "readable (%s)\n", xen.domid, xenbus_strerror(rc));
    else
        say("  I am domain %u, named \"%s\" in xenstore\n", xen.domid, name);
}

void guest_main(void)
{
    xen_extraversion_t extra;
    uint64_t ram = memmap_ram_bytes();
    unsigned int vcpus = count_vcpus();

    pv_console = pvcons_init() && pvcons_connected();
    memset(extra, 0, sizeof(extra));
    HYPERVISOR_xen_version(XENVER_extraversion, extra);

    say("Hello from a PVH guest on xenkvm!\n");
    if (!pv_console)
        say("  (no PV console backend here: this is the Xen debug console)\n");
    who_am_i();
    say("  Xen %u.%u%s found at CPUID leaf 0x%x, hypercall page via MSR 0x%x\n",
        xen.version >> 16, xen.version & 0xffff, extra, xen.base, xen.hcall_msr);
    say("  memory: %llu MiB RAM in %u memmap entries\n",
        (unsigned long long)(ram >> 20),
        start_info ? start_info->memmap_entries : 0);
    say("  vcpus: %u (vCPU 0 tells this story)\n", vcpus);
    say("  command line: \"%s\"\n", start_cmdline());
    if (start_info && start_info->nr_modules) {
        const struct hvm_modlist_entry *m =
            (const void *)(uintptr_t)start_info->modlist_paddr;
        say("  modules: %u, the first %llu bytes at 0x%llx\n",
            start_info->nr_modules, (unsigned long long)m->size,
            (unsigned long long)m->paddr);
    }
    say("Powering off.\n");
    /* Give the console backend the story before the domain ends. */
    if (pv_console)
        pvcons_flush(PVCONS_STALL_NS);
    guest_shutdown(SHUTDOWN_poweroff);
}
