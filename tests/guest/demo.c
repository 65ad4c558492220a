/*
 * demo64.elf: the README's demo.  Tells what it found of Xen through
 * HYPERVISOR_console_io (the Xen debug console), then powers off.
 * Run with:  xenkvm --kernel demo64.elf [--memory MiB] [--vcpus N]
 */
#include "lib.h"
#include "hypercall.h"
#include "xen_guest.h"

static void say(const char *fmt, ...) __printf(1, 2);

static void say(const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    xen_console_write(buf, (unsigned int)strlen(buf));
}

void guest_main(void)
{
    xen_extraversion_t extra;
    xen_feature_info_t fi = { .submap_idx = 0 };
    uint64_t ram = memmap_ram_bytes();

    memset(extra, 0, sizeof(extra));
    HYPERVISOR_xen_version(XENVER_extraversion, extra);
    HYPERVISOR_xen_version(XENVER_get_features, &fi);

    say("Hello from a PVH guest on xenkvm!\n");
    say("  Xen %u.%u%s found at CPUID leaf 0x%x\n", xen.version >> 16,
         xen.version & 0xffff, extra, xen.base);
    say("  hypercall page: %u page(s) via MSR 0x%x, at 0x%lx\n",
         xen.hcall_pages, xen.hcall_msr, (unsigned long)(uintptr_t)hypercall_page);
    say("  features submap 0: 0x%08x\n", fi.submap);
    if (xen.has_vcpu_id)
        say("  vcpu id: %u\n", xen.vcpu_id);
    if (xen.has_domid)
        say("  domid: %u\n", xen.domid);
    say("  memory: %llu MiB RAM in %u memmap entries\n",
         (unsigned long long)(ram >> 20),
         start_info ? start_info->memmap_entries : 0);
    say("  command line: \"%s\"\n", start_cmdline());
    if (start_info && start_info->nr_modules) {
        const struct hvm_modlist_entry *m =
            (const void *)(uintptr_t)start_info->modlist_paddr;
        say("  modules: %u, the first %llu bytes at 0x%llx\n",
            start_info->nr_modules, (unsigned long long)m->size,
            (unsigned long long)m->paddr);
    }
    say("Powering off.\n");
    guest_shutdown(SHUTDOWN_poweroff);
}
